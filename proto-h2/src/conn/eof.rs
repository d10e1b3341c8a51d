//! End of the transport's input: [`Connection::recv_eof`].

use super::Connection;
use super::event::Event;
use super::store::Closure;
use crate::frame::{self, ErrorCode, Frame, StreamId};
use crate::stream::State;

impl Connection {
    /// The transport reached end of stream: the peer will send nothing more (the engine
    /// contract's `recv_eof`). The reaction:
    /// - streams the peer had not finished (it had not sent END_STREAM: open, half-closed
    ///   (local), idle or reserved by its PUSH_PROMISE) are cut: each gets RST_STREAM(CANCEL),
    ///   is dropped, and is reported as [`Event::Reset`] with `remote: false`; a frame cut
    ///   short by the end of input is discarded;
    /// - streams the peer finished (half-closed (remote), and our pushed streams) go on: their
    ///   responses are still sent as far as the send windows allow (no WINDOW_UPDATE can come
    ///   any more; the stream stall timer ends one that waits for one);
    /// - no new stream: a GOAWAY(NO_ERROR) naming the last stream the peer opened is queued
    ///   (a graceful shutdown in progress ends at once, since its PING cannot come back), and
    ///   [`Connection::send_request`] and [`Connection::push_promise`] return
    ///   [`UserError::GoingAway`](crate::error::UserError::GoingAway);
    /// - [`Connection::is_closed`] turns true once the remaining streams are done: the
    ///   connection is over once what is queued is written.
    ///
    /// Input offered to [`Connection::recv`] afterwards is taken and ignored. A connection
    /// that already failed is left as it is (its GOAWAY is queued); a second call does
    /// nothing.
    pub fn recv_eof(&mut self) {
        if self.error.is_some() || self.eof {
            return;
        }
        self.eof = true;
        self.rx.clear();
        self.partial = None;
        let mut cut: Vec<u32> = self
            .streams
            .iter()
            .filter(|(_, s)| {
                matches!(
                    s.state,
                    State::Idle | State::Open | State::HalfClosedLocal | State::ReservedRemote
                )
            })
            .map(|(&id, _)| id)
            .collect();
        cut.sort_unstable();
        for id in cut {
            let stream = StreamId::new(id);
            let code = ErrorCode::CANCEL;
            Frame::RstStream(frame::RstStream { stream, code }).encode(&mut self.ctrl);
            self.close_stream(stream, Closure::ResetByUs);
            self.events.push_back(Event::Reset {
                stream,
                code,
                remote: false,
                error: None,
            });
        }
        if self.draining || self.goaway_sent.is_none() {
            self.draining = false;
            self.send_goaway(self.last_peer, ErrorCode::NO_ERROR);
        }
    }

    /// Whether [`Connection::recv_eof`] was called.
    pub fn is_eof(&self) -> bool {
        self.eof
    }
}
