//! The framing errors of RFC 9113 sections 4 and 6, each with its error code and whether it is
//! a stream or a connection error.

use core::fmt;

use super::{ErrorCode, StreamId, kind};

/// A frame that breaks the framing rules of RFC 9113 section 4 and 6.
///
/// Each variant knows its error code ([`FrameError::code`]) and whether it is a stream error
/// ([`FrameError::stream_error`]) or a connection error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FrameError {
    /// The payload is longer than `SETTINGS_MAX_FRAME_SIZE` (4.2): FRAME_SIZE_ERROR.
    TooLarge {
        /// Frame type.
        kind: u8,
        /// The length received.
        len: u32,
        /// The limit.
        max: u32,
    },
    /// A frame type that needs a stream was sent on stream 0: PROTOCOL_ERROR.
    StreamIdRequired {
        /// Frame type.
        kind: u8,
    },
    /// A connection-level frame (SETTINGS, PING, GOAWAY) was sent on a stream: PROTOCOL_ERROR.
    StreamIdForbidden {
        /// Frame type.
        kind: u8,
        /// The stream it named.
        stream: StreamId,
    },
    /// A frame with a fixed or minimum length had another one: FRAME_SIZE_ERROR. A PRIORITY
    /// frame of the wrong length is a stream error (6.3); the others are connection errors.
    BadLength {
        /// Frame type.
        kind: u8,
        /// The stream.
        stream: StreamId,
        /// The length received.
        len: u32,
    },
    /// The pad length is not smaller than the payload (6.1, 6.2, 6.6): PROTOCOL_ERROR.
    Padding {
        /// Frame type.
        kind: u8,
        /// The stream.
        stream: StreamId,
    },
    /// A WINDOW_UPDATE increment of 0 (6.9): PROTOCOL_ERROR, a stream error on a stream.
    ZeroIncrement {
        /// The stream, 0 for the connection.
        stream: StreamId,
    },
    /// A stream that depends on itself (5.3.1): stream error PROTOCOL_ERROR.
    SelfDependency {
        /// The stream.
        stream: StreamId,
    },
}

impl FrameError {
    /// The error code to send.
    pub fn code(&self) -> ErrorCode {
        match self {
            FrameError::TooLarge { .. } | FrameError::BadLength { .. } => {
                ErrorCode::FRAME_SIZE_ERROR
            }
            _ => ErrorCode::PROTOCOL_ERROR,
        }
    }
    /// `Some(stream)` when this is a stream error (RST_STREAM), `None` for a connection error.
    pub fn stream_error(&self) -> Option<StreamId> {
        match *self {
            FrameError::BadLength {
                kind: kind::PRIORITY,
                stream,
                ..
            } => Some(stream),
            FrameError::ZeroIncrement { stream } if !stream.is_zero() => Some(stream),
            FrameError::SelfDependency { stream } => Some(stream),
            _ => None,
        }
    }
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameError::TooLarge { kind, len, max } => {
                write!(
                    f,
                    "frame type {kind} of {len} bytes exceeds the maximum {max}"
                )
            }
            FrameError::StreamIdRequired { kind } => write!(f, "frame type {kind} on stream 0"),
            FrameError::StreamIdForbidden { kind, stream } => {
                write!(f, "frame type {kind} on stream {stream}, must be 0")
            }
            FrameError::BadLength { kind, stream, len } => {
                write!(
                    f,
                    "frame type {kind} on stream {stream} has bad length {len}"
                )
            }
            FrameError::Padding { kind, stream } => {
                write!(f, "frame type {kind} on stream {stream}: padding too long")
            }
            FrameError::ZeroIncrement { stream } => {
                write!(f, "WINDOW_UPDATE of 0 on stream {stream}")
            }
            FrameError::SelfDependency { stream } => write!(f, "stream {stream} depends on itself"),
        }
    }
}

impl std::error::Error for FrameError {}
