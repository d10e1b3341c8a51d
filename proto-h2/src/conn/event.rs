//! What the peer said, as [`Event`]s queued for [`Connection::poll_event`]. Events are
//! small facts; body bytes are pulled with [`Connection::read_data`](super::Connection::read_data).

use super::Connection;
#[cfg(doc)]
use super::{GOAWAY_DEBUG_MAX, Limits};
use crate::error::StreamError;
use crate::frame::{ErrorCode, StreamId};
use crate::head::{Fields, Head};
use crate::settings::Settings;
use bytes::Bytes;

/// What the peer said. Body bytes are not in [`Event::Data`]: pull them with
/// [`Connection::read_data`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// A request arrived (server).
    Request {
        /// The new stream.
        stream: StreamId,
        /// The head.
        head: Box<Head>,
        /// No body follows.
        end_stream: bool,
    },
    /// A response head arrived (client); 1xx heads are informational and a final one follows.
    Response {
        /// The stream.
        stream: StreamId,
        /// The head.
        head: Box<Head>,
        /// No body follows.
        end_stream: bool,
    },
    /// Trailers arrived; the stream's body is complete.
    Trailers {
        /// The stream.
        stream: StreamId,
        /// The trailer fields.
        fields: Fields,
    },
    /// `len` body bytes arrived on `stream`; read them with [`Connection::read_data`].
    Data {
        /// The stream.
        stream: StreamId,
        /// Bytes (padding excluded).
        len: usize,
        /// The body is complete.
        end_stream: bool,
    },
    /// The server promised a pushed response (client with push enabled).
    PushPromise {
        /// The request stream it belongs to.
        stream: StreamId,
        /// The reserved stream the response will come on.
        promised: StreamId,
        /// The promised request.
        head: Box<Head>,
    },
    /// A stream was reset: by the peer (`remote`), or by us because the peer broke a rule.
    Reset {
        /// The stream.
        stream: StreamId,
        /// The code.
        code: ErrorCode,
        /// Whether the peer sent the RST_STREAM.
        remote: bool,
        /// Why we reset it, when we did: the rule the peer broke, or
        /// [`StreamError::WindowStall`] when its window kept our data waiting too long.
        error: Option<StreamError>,
    },
    /// `stream` can take more body bytes: a WINDOW_UPDATE (the stream's or the connection's)
    /// or a larger SETTINGS_INITIAL_WINDOW_SIZE opened room on a stream that
    /// [`Connection::send_data`] took less from than it was offered, or that the
    /// application asked about with [`Connection::notify_send_ready`]. Reported once per
    /// request; [`Connection::send_room`] says how much it takes now.
    SendReady {
        /// The stream.
        stream: StreamId,
    },
    /// The peer's SETTINGS, applied and acknowledged.
    Settings(Settings),
    /// The peer acknowledged our SETTINGS.
    SettingsAcked,
    /// The peer sent a PING; the ACK is already queued.
    Ping([u8; 8]),
    /// The peer acknowledged our PING.
    PingAck([u8; 8]),
    /// The peer is going away: streams above `last_stream` that we opened were not processed.
    /// Reported for the first GOAWAY and for each later one that lowers the last stream id;
    /// one that does not is ignored ([`Limits::max_goaways`]).
    GoAway {
        /// The last stream the peer may have processed.
        last_stream: StreamId,
        /// Why.
        code: ErrorCode,
        /// Debug data, at most [`GOAWAY_DEBUG_MAX`] bytes (the rest is dropped).
        debug: Bytes,
    },
}

impl Connection {
    /// The next event, if any.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }
}
