//! The stream store: per-stream state ([`Stream`]), the table of open streams and the memory
//! of closed ones (to tell "closed" from "idle" and to ignore late frames), and when a
//! stream is dropped.

use super::event::Event;
use super::{Connection, Role, SCRATCH_KEEP};
use crate::error::UserError;
use crate::flow::{RecvWindow, Window};
use crate::frame::{self, ErrorCode, Frame, StreamId};
use crate::head::Head;
use crate::recvbuf::RecvBuf;
use crate::stream::State;
use bytes::Bytes;
use std::collections::VecDeque;
use std::time::Instant;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Closure {
    ResetByUs,
    ResetByPeer,
    Ended,
}

#[derive(Debug)]
pub(super) struct Stream {
    pub(super) state: State,
    pub(super) local: bool,
    pub(super) send: Window,
    pub(super) recv: RecvWindow,
    pub(super) out: VecDeque<Bytes>,
    pub(super) out_len: usize,
    pub(super) out_end: bool,
    pub(super) end_sent: bool,
    pub(super) out_trailers: Option<Vec<(Vec<u8>, Vec<u8>)>>,
    pub(super) queued: bool,
    pub(super) inbuf: RecvBuf,
    pub(super) got_head: bool,
    pub(super) sent_head: bool,
    pub(super) no_body: bool,
    pub(super) content_length: Option<u64>,
    pub(super) received: u64,
    /// Since when queued data has waited on this stream's zero send window.
    pub(super) stalled_since: Option<Instant>,
    /// Whether an entry for this stream is in `Connection::stalls`.
    pub(super) in_stalls: bool,
    /// A request stream the peer opened, counted in `Connection::peer_streams`.
    pub(super) counted: bool,
    /// The application waits for [`Event::SendReady`] on this stream (it is listed in
    /// `Connection::send_waiters`).
    pub(super) send_waiting: bool,
}

impl Stream {
    pub(super) fn new(state: State, local: bool, send: u32, recv: u32, target: u32) -> Self {
        Stream {
            state,
            local,
            send: Window::new(send),
            recv: RecvWindow::new(recv, target),
            out: VecDeque::new(),
            out_len: 0,
            out_end: false,
            end_sent: false,
            out_trailers: None,
            queued: false,
            inbuf: RecvBuf::default(),
            got_head: false,
            sent_head: false,
            no_body: false,
            content_length: None,
            received: 0,
            stalled_since: None,
            in_stalls: false,
            counted: false,
            send_waiting: false,
        }
    }
}

/// Spare send queues kept for new streams: at most this many.
const SPARE_QUEUES: usize = 8;
/// A send queue is kept as a spare only up to this capacity (in chunks; 32 bytes each).
const SPARE_QUEUE_CAP: usize = SCRATCH_KEEP / 4 / std::mem::size_of::<Bytes>();

/// Most heads kept for reuse ([`Connection::recycle_head`]).
const SPARE_HEADS: usize = 8;

impl Connection {
    /// Gives back a head the application is done with (one from [`Event::Request`],
    /// [`Event::Response`] or [`Event::PushPromise`]): the next head received is copied into
    /// its memory instead of a new allocation, so a server or client that gives each head
    /// back receives heads without allocating once warm. At most 8 are kept, each only while
    /// its buffer holds at most 4 KiB; the others are dropped. Optional: a head not given
    /// back is simply freed by its owner.
    ///
    /// [`Event::Request`]: super::Event::Request
    /// [`Event::Response`]: super::Event::Response
    /// [`Event::PushPromise`]: super::Event::PushPromise
    pub fn recycle_head(&mut self, head: Box<Head>) {
        if self.spare_heads.len() < SPARE_HEADS && head.fields.heap_bytes() <= SCRATCH_KEEP {
            self.spare_heads.push(head);
        }
    }

    /// A head holding a copy of `scratch`: a spare one refilled, or a new one.
    pub(super) fn head_from(&mut self, scratch: &Head) -> Box<Head> {
        match self.spare_heads.pop() {
            Some(mut head) => {
                head.copy_from(scratch);
                head
            }
            None => Box::new(scratch.clone()),
        }
    }

    /// Stores a new stream, giving it a spare send queue if one is kept.
    pub(super) fn insert_stream(&mut self, id: StreamId, mut s: Stream) {
        if let Some(q) = self.spare_queues.pop() {
            s.out = q;
        }
        self.streams.insert(id.value(), s);
    }

    /// Keeps a dropped stream's send queue for the next stream, emptied, while fewer than
    /// [`SPARE_QUEUES`] are kept and it is no larger than [`SPARE_QUEUE_CAP`] (so spares
    /// hold at most 8 KiB in all).
    fn recycle(&mut self, s: Stream) {
        let mut q = s.out;
        if q.capacity() > 0
            && q.capacity() <= SPARE_QUEUE_CAP
            && self.spare_queues.len() < SPARE_QUEUES
        {
            q.clear();
            self.spare_queues.push(q);
        }
    }

    pub(super) fn is_peer_initiated(&self, id: StreamId) -> bool {
        id.is_client_initiated() == (self.role == Role::Server)
    }

    pub(super) fn is_idle(&self, id: StreamId) -> bool {
        if self.is_peer_initiated(id) {
            id.value() > self.last_peer
        } else {
            id.value() >= self.next_local
        }
    }

    pub(super) fn remember_closed(&mut self, id: u32, how: Closure) {
        if self.closed.insert(id, how).is_none() {
            self.closed_order.push_back(id);
            while self.closed_order.len() > self.config.limits.max_closed_remembered {
                if let Some(old) = self.closed_order.pop_front() {
                    self.closed.remove(&old);
                }
            }
        }
    }

    /// Drops a stream: unread data goes back to the connection window.
    pub(super) fn close_stream(&mut self, id: StreamId, how: Closure) -> bool {
        let Some(s) = self.streams.remove(&id.value()) else {
            self.remember_closed(id.value(), how);
            return false;
        };
        self.stream_dropped = true;
        self.peer_streams -= u32::from(s.counted);
        let unread = s.inbuf.len();
        if unread > 0 {
            self.conn_release(unread as u32);
        }
        self.recycle(s);
        self.remember_closed(id.value(), how);
        true
    }

    /// A server has sent a complete response while the request is still open (half-closed
    /// local): "the server MAY request that the client abort transmission of a request without
    /// error by sending a RST_STREAM with an error code of NO_ERROR after sending a complete
    /// response" (RFC 9113 8.1). The stream is reset so, released, and its unread body
    /// dropped (credit back to the connection); [`Event::Reset`] tells the application. The
    /// RST_STREAM is queued after the frame that ended the response.
    pub(super) fn end_early(&mut self, id: u32) {
        let Some(s) = self.streams.get(&id) else {
            return;
        };
        if self.role != Role::Server || s.local || !s.end_sent || s.state != State::HalfClosedLocal
        {
            return;
        }
        let stream = StreamId::new(id);
        let code = ErrorCode::NO_ERROR;
        Frame::RstStream(frame::RstStream { stream, code }).encode(&mut self.ctrl);
        self.close_stream(stream, Closure::ResetByUs);
        self.events.push_back(Event::Reset {
            stream,
            code,
            remote: false,
            error: None,
        });
    }

    /// Forgets a closed stream once the application has read everything.
    pub(super) fn maybe_forget(&mut self, id: u32) {
        if let Some(s) = self.streams.get(&id)
            && s.state == State::Closed
            && s.inbuf.is_empty()
            && s.out_len == 0
            && (!s.out_end || s.end_sent)
        {
            if let Some(s) = self.streams.remove(&id) {
                self.peer_streams -= u32::from(s.counted);
                self.recycle(s);
            }
            self.stream_dropped = true;
            self.remember_closed(id, Closure::Ended);
        }
    }

    pub(super) fn stream_for_send(&mut self, stream: StreamId) -> Result<&mut Stream, UserError> {
        self.streams
            .get_mut(&stream.value())
            .ok_or(UserError::UnknownStream(stream))
    }
}
