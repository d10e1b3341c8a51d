//! Errors: peer violations (each with its close code), caller misuse, handshake failures.

use crate::CloseCode;
use core::fmt;

/// A violation of RFC 6455 / RFC 7692 by the peer. Each knows the close code the engine sends
/// for it ([`ProtocolError::close_code`]); the engine queues that Close frame itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProtocolError {
    /// An opcode reserved for future use (3-7, 11-15).
    ReservedOpcode(u8),
    /// RSV1 set without a negotiated extension (or on a control or continuation frame), or
    /// RSV2/RSV3 set.
    ReservedBits,
    /// A 16-bit or 64-bit length that would have fit in a shorter form.
    NonMinimalLength,
    /// A 64-bit length with its most significant bit set.
    LengthTopBit,
    /// A control frame with more than 125 bytes of payload.
    ControlTooLong(u64),
    /// A control frame without FIN.
    ControlFragmented,
    /// A server received an unmasked frame.
    UnmaskedFrame,
    /// A client received a masked frame.
    MaskedFrame,
    /// A continuation frame without a message in progress.
    UnexpectedContinuation,
    /// A new text or binary frame while a fragmented message is in progress.
    ExpectedContinuation,
    /// Text (or a close reason) that is not UTF-8.
    InvalidUtf8,
    /// A frame longer than the configured maximum.
    FrameTooLarge {
        /// The configured maximum.
        limit: u64,
        /// The frame's declared length.
        len: u64,
    },
    /// A message (after decompression) longer than the configured maximum.
    MessageTooLarge {
        /// The configured maximum.
        limit: u64,
    },
    /// A Close frame with a one-byte payload.
    CloseTooShort,
    /// A Close frame with a code that may not be sent on the wire.
    InvalidCloseCode(u16),
    /// A compressed message that does not inflate.
    BadDeflate,
}

impl ProtocolError {
    /// The close code the engine sends for this violation: 1007 for invalid UTF-8, 1009 for
    /// size limits, 1002 for everything else.
    pub const fn close_code(&self) -> CloseCode {
        match self {
            ProtocolError::InvalidUtf8 => CloseCode::INVALID_PAYLOAD,
            ProtocolError::FrameTooLarge { .. } | ProtocolError::MessageTooLarge { .. } => {
                CloseCode::MESSAGE_TOO_BIG
            }
            _ => CloseCode::PROTOCOL_ERROR,
        }
    }
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProtocolError::ReservedOpcode(op) => write!(f, "reserved opcode {op:#x}"),
            ProtocolError::ReservedBits => f.write_str("reserved bits set"),
            ProtocolError::NonMinimalLength => f.write_str("non-minimal payload length"),
            ProtocolError::LengthTopBit => f.write_str("64-bit length with the top bit set"),
            ProtocolError::ControlTooLong(n) => write!(f, "control frame of {n} bytes (max 125)"),
            ProtocolError::ControlFragmented => f.write_str("fragmented control frame"),
            ProtocolError::UnmaskedFrame => f.write_str("unmasked frame from a client"),
            ProtocolError::MaskedFrame => f.write_str("masked frame from a server"),
            ProtocolError::UnexpectedContinuation => f.write_str("continuation without a message"),
            ProtocolError::ExpectedContinuation => {
                f.write_str("new message inside a fragmented one")
            }
            ProtocolError::InvalidUtf8 => f.write_str("invalid UTF-8"),
            ProtocolError::FrameTooLarge { limit, len } => {
                write!(f, "frame of {len} bytes exceeds the limit of {limit}")
            }
            ProtocolError::MessageTooLarge { limit } => {
                write!(f, "message exceeds the limit of {limit} bytes")
            }
            ProtocolError::CloseTooShort => f.write_str("close payload of one byte"),
            ProtocolError::InvalidCloseCode(c) => write!(f, "invalid close code {c}"),
            ProtocolError::BadDeflate => f.write_str("compressed data does not inflate"),
        }
    }
}

impl std::error::Error for ProtocolError {}

/// What [`Connection::recv`](crate::Connection::recv) can fail with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The peer broke the protocol. A Close frame with [`ProtocolError::close_code`] is queued
    /// (take it with `poll_transmit`), then close the transport. Sticky: later calls return it
    /// again.
    Protocol(ProtocolError),
    /// The close handshake is over (or the connection failed): nothing more is accepted. Close
    /// the transport.
    Closed,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Protocol(e) => write!(f, "protocol error: {e}"),
            Error::Closed => f.write_str("connection closed"),
        }
    }
}

impl std::error::Error for Error {}

impl From<ProtocolError> for Error {
    fn from(e: ProtocolError) -> Self {
        Error::Protocol(e)
    }
}

/// Caller misuse of a `send_*` method; nothing was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SendError {
    /// A Close frame was already sent (or the connection failed): no more frames may be sent.
    Closed,
    /// A control frame payload (ping, pong, close code + reason) longer than 125 bytes.
    ControlTooLong,
    /// A close code that may not be sent on the wire.
    InvalidCloseCode(u16),
    /// A fragment of another message type while a fragmented message is being sent, or a
    /// whole message in the middle of one.
    FragmentOrder,
}

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendError::Closed => f.write_str("close already sent"),
            SendError::ControlTooLong => f.write_str("control payload longer than 125 bytes"),
            SendError::InvalidCloseCode(c) => write!(f, "close code {c} may not be sent"),
            SendError::FragmentOrder => f.write_str("fragments of different messages interleaved"),
        }
    }
}

impl std::error::Error for SendError {}
