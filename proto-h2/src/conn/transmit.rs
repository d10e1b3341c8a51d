//! Output: [`Connection::poll_transmit`] writes the queued control frames, then DATA frames
//! as the stream and connection send windows allow, with large payloads handed back for a
//! vectored write; the send queue of streams with something to send.

use super::{Connection, SCRATCH_KEEP, VECTORED_MIN};
use crate::flow::{Bdp, Window};
use crate::frame::{self, Frame, StreamId};
use crate::stream::{Event as Ev, Side, State};
use bytes::Bytes;
use std::cmp::Reverse;
use std::time::Instant;

impl Connection {
    /// Appends what there is to send to `out`: queued control frames and header blocks, then
    /// DATA frames as flow control allows.
    ///
    /// When it returns `Some(payload)`, the bytes to send are `out` followed by `payload` (a
    /// vectored write; the payload was not copied): write both, clear `out`, and call again
    /// until it returns `None`. `None` means nothing more can go now
    /// ([`Connection::wants_write`] is false; `out` may still have grown and must be written).
    #[must_use = "a returned payload must be written after `out`"]
    pub fn poll_transmit(&mut self, now: Instant, out: &mut Vec<u8>) -> Option<Bytes> {
        self.now = now;
        self.note_busy(now);
        if self.flush_ctrl(out) {
            self.queued_acks = 0;
        }
        if self.error.is_some() {
            self.send_queue.clear();
            return None;
        }
        self.bdp_probe(now, out);
        if let Some(payload) = self.send_streams(now, out) {
            return Some(payload);
        }
        // RST_STREAM(NO_ERROR) queued by `end_early` after a response that ended above.
        self.flush_ctrl(out);
        self.note_busy(now);
        None
    }

    /// Moves the queued control frames and header blocks to `out`; says whether there were
    /// any.
    fn flush_ctrl(&mut self, out: &mut Vec<u8>) -> bool {
        if self.ctrl.is_empty() {
            return false;
        }
        out.extend_from_slice(&self.ctrl);
        self.ctrl.clear();
        // A burst of control frames or a large header block grew it: free it rather than
        // keep the burst's memory on an idle connection.
        if self.ctrl.capacity() > SCRATCH_KEEP {
            self.ctrl = Vec::new();
        }
        true
    }

    /// The BDP probe PING, when data that arrived asked for one.
    fn bdp_probe(&mut self, now: Instant, out: &mut Vec<u8>) {
        if self.bdp_wants_ping
            && let Some(b) = &mut self.bdp
        {
            self.bdp_wants_ping = false;
            b.on_ping_sent(now);
            Frame::Ping(frame::Ping {
                ack: false,
                payload: Bdp::PAYLOAD,
            })
            .encode(out);
        }
    }

    /// Passes over the send queue, one frame per stream each, until a pass sends nothing (so
    /// that a `None` from `poll_transmit` means nothing more can go now). Returns a payload
    /// of [`VECTORED_MIN`] bytes or more as soon as one is cut, its frame head already in
    /// `out`; otherwise updates the connection stall timer and returns `None`.
    fn send_streams(&mut self, now: Instant, out: &mut Vec<u8>) -> Option<Bytes> {
        let mut rounds = self.send_queue.len();
        let mut stalled = false;
        let mut progress = false;
        loop {
            if rounds == 0 {
                if !progress {
                    break;
                }
                progress = false;
                rounds = self.send_queue.len();
                continue;
            }
            rounds -= 1;
            let Some(id) = self.send_queue.pop_front() else {
                break;
            };
            match self.send_one(id, now, out) {
                Step::Nothing => {}
                Step::Stalled { connection } => stalled |= connection,
                Step::Sent => progress = true,
                Step::Payload(piece) => {
                    self.stall_since = None;
                    return Some(piece);
                }
            }
        }
        if stalled {
            self.stall_since.get_or_insert(now);
        } else {
            self.stall_since = None;
        }
        None
    }

    /// The next frame of stream `id` (just taken off the send queue): a DATA frame as the
    /// windows allow, or the end of the stream (trailers, or an empty END_STREAM DATA frame).
    fn send_one(&mut self, id: u32, now: Instant, out: &mut Vec<u8>) -> Step {
        let max_frame = self.remote.max_frame_size as usize;
        let conn_avail = self.conn_send.available() as usize;
        let Some(s) = self.streams.get_mut(&id) else {
            return Step::Nothing;
        };
        s.queued = false;
        if s.out_len > 0 {
            let cap = (s.send.available() as usize).min(conn_avail).min(max_frame);
            if cap == 0 {
                return self.stall(id, now);
            }
            return self.send_chunk(id, cap, out);
        }
        if s.out_end && !s.end_sent {
            self.send_end(id, out);
            return Step::Sent;
        }
        Step::Nothing
    }

    /// Stream `id` has data but no window: back on the queue, and its stall noted. Held back
    /// by its own window, it gets a timer (kept in a heap with at most one entry per stream);
    /// held back by the connection window only, the connection's timer runs instead.
    fn stall(&mut self, id: u32, now: Instant) -> Step {
        let Some(s) = self.streams.get_mut(&id) else {
            return Step::Nothing;
        };
        s.queued = true;
        self.send_queue.push_back(id);
        if s.send.available() == 0 {
            if let Some(t) = self.config.limits.stream_stall_timeout {
                let since = *s.stalled_since.get_or_insert(now);
                // A stall timeout too long for the clock never expires: not kept.
                if !s.in_stalls
                    && let Some(at) = super::timers::expiry(since, t)
                {
                    s.in_stalls = true;
                    self.stalls.push(Reverse((at, id)));
                }
            }
            Step::Stalled { connection: false }
        } else {
            s.stalled_since = None;
            Step::Stalled { connection: true }
        }
    }

    /// One DATA frame of at most `cap` bytes from the front of stream `id`'s queue: its head
    /// goes into `out`; its payload too when small, or is handed back for a vectored write.
    fn send_chunk(&mut self, id: u32, cap: usize, out: &mut Vec<u8>) -> Step {
        let Some(s) = self.streams.get_mut(&id) else {
            return Step::Nothing;
        };
        let Some(front) = s.out.front_mut() else {
            return Step::Nothing;
        };
        let n = cap.min(front.len());
        let piece = front.split_to(n);
        if front.is_empty() {
            s.out.pop_front();
        }
        s.out_len -= n;
        s.stalled_since = None;
        s.send = s.send.consume(n as u32).unwrap_or(Window::new(0));
        self.conn_send = self.conn_send.consume(n as u32).unwrap_or(Window::new(0));
        let end = s.out_len == 0 && s.out_end && s.out_trailers.is_none();
        if end {
            s.end_sent = true;
        }
        s.state = s
            .state
            .on(Side::Send, Ev::Data { end_stream: end })
            .unwrap_or(State::Closed);
        let more = s.out_len > 0 || (s.out_end && !s.end_sent);
        if more {
            s.queued = true;
            self.send_queue.push_back(id);
        }
        self.budgets.data_sent(&self.config.limits);
        // The payload goes right after this head: copied below, or handed back.
        let _tail = Frame::Data(frame::Data::new(StreamId::new(id), &piece, end)).encode_head(out);
        self.end_early(id);
        self.maybe_forget(id);
        if n >= VECTORED_MIN {
            return Step::Payload(piece);
        }
        out.extend_from_slice(&piece);
        Step::Sent
    }

    /// The end of stream `id`, all its data sent: its trailers, or an empty DATA frame with
    /// END_STREAM.
    fn send_end(&mut self, id: u32, out: &mut Vec<u8>) {
        let Some(s) = self.streams.get_mut(&id) else {
            return;
        };
        s.end_sent = true;
        let sid = StreamId::new(id);
        if let Some(trailers) = s.out_trailers.take() {
            s.state = s
                .state
                .on(Side::Send, Ev::Headers { end_stream: true })
                .unwrap_or(State::Closed);
            let fields = trailers.iter().map(|(n, v)| (n.as_slice(), v.as_slice()));
            // Encoded into a buffer of their own, so that they go out here, in order with
            // the DATA frames before them, not with the control frames.
            let mut tmp = std::mem::take(&mut self.ctrl);
            self.write_headers(sid, None, fields, true, None);
            std::mem::swap(&mut tmp, &mut self.ctrl);
            out.extend_from_slice(&tmp);
        } else {
            s.state = s
                .state
                .on(Side::Send, Ev::Data { end_stream: true })
                .unwrap_or(State::Closed);
            self.budgets.data_sent(&self.config.limits);
            Frame::Data(frame::Data::new(sid, b"", true)).encode(out);
        }
        self.end_early(id);
        self.maybe_forget(id);
    }

    pub(super) fn enqueue(&mut self, id: u32) {
        if let Some(s) = self.streams.get_mut(&id)
            && !s.queued
        {
            s.queued = true;
            self.send_queue.push_back(id);
        }
    }
}

/// What [`Connection::send_one`] did with a stream taken off the send queue.
enum Step {
    /// Nothing to send (gone, or nothing queued).
    Nothing,
    /// Data waits on a window: the stream's own, or only the connection's.
    Stalled {
        /// Held back by the connection window only.
        connection: bool,
    },
    /// A frame went into `out`.
    Sent,
    /// A DATA frame's head went into `out`; its payload is handed back.
    Payload(Bytes),
}
