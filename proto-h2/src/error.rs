//! Errors in layers: [`Error`] (the peer broke the connection: GOAWAY), [`StreamError`] (the
//! peer broke one stream: RST_STREAM), and [`UserError`] (the caller asked for something the
//! protocol does not allow; nothing goes on the wire).
//!
//! Each protocol error knows its wire reaction ([`Error::code`], [`StreamError::code`]). The
//! connection queues that reaction itself before it returns the error.

use crate::flow::FlowError;
use crate::frame::{ErrorCode, FrameError, StreamId};
use crate::head::Malformed;
use crate::hpack::DecodeError;
use crate::settings::SettingsError;
use crate::stream::{State, StateError};
use core::fmt;
use std::time::Duration;

/// A connection error: the connection is over, a GOAWAY with [`Error::code`] has been queued.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The client connection preface was wrong (3.4): PROTOCOL_ERROR.
    BadPreface,
    /// The first frame after the preface was not SETTINGS (3.4): PROTOCOL_ERROR.
    FirstFrameNotSettings {
        /// Its type.
        kind: u8,
    },
    /// A framing error (section 4 and 6).
    Frame(FrameError),
    /// A SETTINGS value out of range (6.5.2).
    Settings(SettingsError),
    /// Connection-level flow control broken (6.9): FLOW_CONTROL_ERROR.
    Flow(FlowError),
    /// A peer SETTINGS change overflowed an open stream's window (6.9.2): FLOW_CONTROL_ERROR.
    InitialWindowOverflow {
        /// The stream.
        stream: StreamId,
    },
    /// A frame not allowed in the stream's state, where 5.1 says connection error.
    State {
        /// The stream.
        stream: StreamId,
        /// What happened.
        error: StateError,
    },
    /// A frame on a stream after it was closed with END_STREAM (5.1): STREAM_CLOSED.
    StreamClosed {
        /// The stream.
        stream: StreamId,
        /// The frame type.
        kind: u8,
    },
    /// A stream id the peer may not use here: an even id from a client, an odd one from a
    /// server, or one not above the last it opened (5.1.1): PROTOCOL_ERROR.
    UnexpectedStreamId {
        /// The stream.
        stream: StreamId,
        /// The highest id the peer had opened.
        last: StreamId,
    },
    /// A frame other than CONTINUATION in the middle of a header block (6.10): PROTOCOL_ERROR.
    ExpectedContinuation {
        /// The stream of the block.
        stream: StreamId,
        /// The type received instead.
        kind: u8,
    },
    /// A CONTINUATION that does not continue a header block (6.10): PROTOCOL_ERROR.
    UnexpectedContinuation {
        /// The stream.
        stream: StreamId,
    },
    /// The header block could not be decoded (4.3): COMPRESSION_ERROR.
    Compression {
        /// The stream.
        stream: StreamId,
        /// The HPACK error.
        error: DecodeError,
    },
    /// PUSH_PROMISE received by a server, or by a client that disabled push (8.4): PROTOCOL_ERROR.
    PushNotAllowed {
        /// The stream it came on.
        stream: StreamId,
    },
    /// Our SETTINGS were not acknowledged in time (6.5.3): SETTINGS_TIMEOUT.
    SettingsTimeout {
        /// The timeout.
        after: Duration,
    },
    /// CVE-2023-44487: the peer opened and reset streams faster than the limit: ENHANCE_YOUR_CALM.
    RapidReset {
        /// Resets counted in the window.
        resets: u32,
        /// The limit.
        limit: u32,
    },
    /// "MadeYouReset": the peer made us reset its streams (with malformed frames) faster than
    /// the limit: ENHANCE_YOUR_CALM.
    MadeYouReset {
        /// Resets counted in the window.
        resets: u32,
        /// The limit.
        limit: u32,
    },
    /// A header block split into too many CONTINUATION frames: ENHANCE_YOUR_CALM.
    ContinuationFlood {
        /// The stream.
        stream: StreamId,
        /// Frames in the block so far.
        frames: u32,
        /// The limit.
        limit: u32,
    },
    /// A header block (still compressed) larger than the limit: ENHANCE_YOUR_CALM.
    HeaderBlockTooLarge {
        /// The stream.
        stream: StreamId,
        /// Bytes so far.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// SETTINGS or PING frames whose acknowledgements pile up unsent (CVE-2019-9512/9515):
    /// ENHANCE_YOUR_CALM.
    ControlFlood {
        /// Acknowledgements queued and not yet taken by `poll_transmit`.
        queued: u32,
        /// The limit.
        limit: u32,
    },
    /// The peer kept opening streams above our MAX_CONCURRENT_STREAMS after being refused:
    /// ENHANCE_YOUR_CALM.
    TooManyStreams {
        /// Refused streams in the window.
        refused: u32,
        /// The limit.
        limit: u32,
    },
    /// Empty DATA frames without END_STREAM faster than the limit (CVE-2019-9518):
    /// ENHANCE_YOUR_CALM.
    EmptyFrameFlood {
        /// Frames in the window.
        frames: u32,
        /// The limit.
        limit: u32,
    },
    /// Data waited on a zero *connection* window longer than the stall timeout: FLOW_CONTROL_ERROR
    /// is not right (the peer broke no rule), so the GOAWAY says ENHANCE_YOUR_CALM. (A stream
    /// whose own window stays at zero is reset instead: [`StreamError::WindowStall`].)
    WindowStall {
        /// The timeout.
        after: Duration,
    },
    /// Frames that cost work and have no effect (PRIORITY, unknown types, frames on closed
    /// streams, unsolicited PING and SETTINGS acknowledgements) faster than the limit
    /// (CVE-2019-9513 "resource loop" and its kin): ENHANCE_YOUR_CALM.
    IgnoredFrameFlood {
        /// The type of the frame that crossed the limit.
        kind: u8,
        /// Such frames in the window.
        frames: u32,
        /// The limit.
        limit: u32,
    },
    /// PING, SETTINGS, WINDOW_UPDATE on stream 0 or lowering GOAWAY frames faster than their
    /// budget ([`crate::conn::Limits::max_pings`], `max_settings`,
    /// `max_connection_window_updates`, `max_goaways`), even when the peer reads every
    /// acknowledgement (CVE-2019-9512, CVE-2019-9515): ENHANCE_YOUR_CALM.
    ControlFrameFlood {
        /// The frame type.
        kind: u8,
        /// Such frames counted in the window.
        frames: u32,
        /// The limit.
        limit: u32,
    },
    /// A SETTINGS frame with more parameters than the limit (CVE-2020-11080): ENHANCE_YOUR_CALM.
    TooManySettings {
        /// Parameters in the frame.
        params: usize,
        /// The limit.
        limit: usize,
    },
    /// Our keep-alive PING got no answer (no frame at all came back) within the keep-alive
    /// timeout. The peer broke no protocol rule, so the GOAWAY (which a live peer may still
    /// read) says NO_ERROR; the connection is over all the same.
    KeepaliveTimeout {
        /// The keep-alive timeout.
        after: Duration,
    },
}

impl Error {
    /// The GOAWAY code.
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::BadPreface
            | Error::FirstFrameNotSettings { .. }
            | Error::UnexpectedStreamId { .. }
            | Error::ExpectedContinuation { .. }
            | Error::UnexpectedContinuation { .. }
            | Error::PushNotAllowed { .. } => ErrorCode::PROTOCOL_ERROR,
            Error::Frame(e) => e.code(),
            Error::Settings(e) => e.code(),
            Error::Flow(_) | Error::InitialWindowOverflow { .. } => ErrorCode::FLOW_CONTROL_ERROR,
            Error::State { error, .. } => match error.reaction {
                crate::stream::Reaction::Connection(c) | crate::stream::Reaction::Stream(c) => c,
                crate::stream::Reaction::Misuse => ErrorCode::INTERNAL_ERROR,
            },
            Error::StreamClosed { .. } => ErrorCode::STREAM_CLOSED,
            Error::Compression { .. } => ErrorCode::COMPRESSION_ERROR,
            Error::SettingsTimeout { .. } => ErrorCode::SETTINGS_TIMEOUT,
            Error::RapidReset { .. }
            | Error::MadeYouReset { .. }
            | Error::ContinuationFlood { .. }
            | Error::HeaderBlockTooLarge { .. }
            | Error::ControlFlood { .. }
            | Error::TooManyStreams { .. }
            | Error::EmptyFrameFlood { .. }
            | Error::WindowStall { .. }
            | Error::IgnoredFrameFlood { .. }
            | Error::ControlFrameFlood { .. }
            | Error::TooManySettings { .. } => ErrorCode::ENHANCE_YOUR_CALM,
            Error::KeepaliveTimeout { .. } => ErrorCode::NO_ERROR,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Frame(e) => fmt::Display::fmt(e, f),
            Error::Settings(e) => fmt::Display::fmt(e, f),
            Error::Flow(e) => write!(f, "connection window: {e}"),
            Error::Compression { stream, error } => write!(f, "stream {stream}: {error}"),
            other => write!(f, "{other:?}"),
        }
    }
}

impl std::error::Error for Error {}

/// A stream error: RST_STREAM with [`StreamError::code`] has been queued and the stream is
/// closed; the connection goes on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum StreamError {
    /// A malformed message (8.1.1): PROTOCOL_ERROR.
    Malformed(Malformed),
    /// A frame-level stream error (PRIORITY length, zero increment, self-dependency).
    Frame(FrameError),
    /// A frame not allowed in the stream's state (5.1), usually STREAM_CLOSED.
    State(StateError),
    /// The stream's flow control broken (6.9): FLOW_CONTROL_ERROR.
    Flow(FlowError),
    /// Above our SETTINGS_MAX_CONCURRENT_STREAMS (5.1.2): REFUSED_STREAM.
    Refused {
        /// Our limit.
        limit: u32,
    },
    /// The decoded header list is above our SETTINGS_MAX_HEADER_LIST_SIZE (an HPACK bomb):
    /// ENHANCE_YOUR_CALM.
    HeaderListTooLarge {
        /// Its size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// A frame after the peer reset the stream (5.1, closed): STREAM_CLOSED.
    ClosedByReset,
    /// A pushed stream we do not accept: CANCEL.
    PushRefused,
    /// A request body above [`Limits::max_request_body`](crate::conn::Limits::max_request_body)
    /// (server): answered `413` then RST_STREAM(NO_ERROR) when no response head was sent yet,
    /// otherwise RST_STREAM(CANCEL) ([`StreamError::code`]).
    BodyTooLarge {
        /// The limit.
        limit: u64,
        /// The length that broke it: the declared `content-length`, or the body bytes
        /// received so far.
        length: u64,
    },
    /// Our queued data waited on the stream's zero send window longer than the stream stall
    /// timeout: CANCEL ("the stream is no longer needed", 7). Not FLOW_CONTROL_ERROR: the
    /// peer broke no flow-control rule by withholding credit, we merely give up on it.
    WindowStall {
        /// The stream stall timeout.
        after: Duration,
    },
}

impl StreamError {
    /// The RST_STREAM code.
    pub fn code(&self) -> ErrorCode {
        match self {
            StreamError::Malformed(m) => m.code(),
            StreamError::Frame(e) => e.code(),
            StreamError::State(e) => match e.reaction {
                crate::stream::Reaction::Connection(c) | crate::stream::Reaction::Stream(c) => c,
                crate::stream::Reaction::Misuse => ErrorCode::INTERNAL_ERROR,
            },
            StreamError::Flow(_) => ErrorCode::FLOW_CONTROL_ERROR,
            StreamError::Refused { .. } => ErrorCode::REFUSED_STREAM,
            StreamError::HeaderListTooLarge { .. } => ErrorCode::ENHANCE_YOUR_CALM,
            StreamError::ClosedByReset => ErrorCode::STREAM_CLOSED,
            StreamError::PushRefused
            | StreamError::WindowStall { .. }
            | StreamError::BodyTooLarge { .. } => ErrorCode::CANCEL,
        }
    }
}

impl fmt::Display for StreamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self:?}")
    }
}

impl std::error::Error for StreamError {}

/// The caller asked for something the protocol or the connection's state does not allow.
/// Nothing was queued.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum UserError {
    /// The connection has failed or closed.
    Closed,
    /// A GOAWAY was sent or received: no new streams.
    GoingAway,
    /// Only a client can send requests; only a server can send responses and pushes.
    WrongRole,
    /// No such stream (never opened, or already gone).
    UnknownStream(StreamId),
    /// The stream's state does not allow this.
    InvalidState {
        /// The stream.
        stream: StreamId,
        /// Its state.
        state: State,
    },
    /// The peer's SETTINGS_MAX_CONCURRENT_STREAMS is reached.
    ConcurrencyLimit(u32),
    /// The stream ids are exhausted.
    StreamIdsExhausted,
    /// A field name or value this crate will not send (uppercase, invalid characters,
    /// connection-specific).
    InvalidField(Malformed),
    /// The peer disabled server push.
    PushDisabled,
    /// Extended CONNECT needs the peer's SETTINGS_ENABLE_CONNECT_PROTOCOL.
    ConnectProtocolDisabled,
    /// A status outside 100..=599 (RFC 9110 15), or 101 (not allowed in HTTP/2, RFC 9113 8.6):
    /// a receiver would reset the stream as malformed.
    InvalidStatus(u16),
    /// A SETTINGS value out of its range.
    InvalidSetting(SettingsError),
    /// The header list (name + value + 32 per field, pseudo-headers included: RFC 9113
    /// 10.5.1) is above the SETTINGS_MAX_HEADER_LIST_SIZE the peer advertised; the peer
    /// would refuse it, so it is not sent and no stream is used.
    HeaderListTooLarge {
        /// The list's size.
        size: usize,
        /// The peer's limit.
        limit: u32,
    },
}

impl fmt::Display for UserError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self:?}")
    }
}

impl std::error::Error for UserError {}
