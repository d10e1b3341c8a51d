//! Output: [`Connection::poll_transmit`] writes the queued control frames, then DATA frames
//! as the stream and connection send windows allow, with large payloads handed back for a
//! vectored write; the send queue of streams with something to send.

use super::{Connection, VECTORED_MIN};
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
        if !self.ctrl.is_empty() {
            out.extend_from_slice(&self.ctrl);
            self.ctrl.clear();
            self.queued_acks = 0;
        }
        if self.error.is_some() {
            self.send_queue.clear();
            return None;
        }
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
        let mut rounds = self.send_queue.len();
        let mut stalled = false;
        // Passes over the queue, one frame per stream each, until a pass sends nothing: a
        // `None` return means nothing more can go now (`wants_write` is false).
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
            let max_frame = self.remote.max_frame_size as usize;
            let conn_avail = self.conn_send.available() as usize;
            let Some(s) = self.streams.get_mut(&id) else {
                continue;
            };
            s.queued = false;
            if s.out_len > 0 {
                let cap = (s.send.available() as usize).min(conn_avail).min(max_frame);
                if cap == 0 {
                    s.queued = true;
                    self.send_queue.push_back(id);
                    if s.send.available() == 0 {
                        // Held back by the stream's own window: a timer per stream, kept in
                        // a heap with at most one entry per stream.
                        if let Some(t) = self.config.limits.stream_stall_timeout {
                            let since = *s.stalled_since.get_or_insert(now);
                            if !s.in_stalls {
                                s.in_stalls = true;
                                self.stalls.push(Reverse((since + t, id)));
                            }
                        }
                    } else {
                        // Held back by the connection window only.
                        s.stalled_since = None;
                        stalled = true;
                    }
                    continue;
                }
                let Some(front) = s.out.front_mut() else {
                    continue;
                };
                let n = cap.min(front.len());
                let piece = front.split_to(n);
                if front.is_empty() {
                    s.out.pop_front();
                }
                s.out_len -= n;
                progress = true;
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
                let sid = StreamId::new(id);
                self.budgets.data_sent(&self.config.limits);
                let tail = Frame::Data(frame::Data::new(sid, &piece, end)).encode_head(out);
                let _ = tail;
                self.end_early(id);
                self.maybe_forget(id);
                if n >= VECTORED_MIN {
                    self.stall_since = None;
                    return Some(piece);
                }
                out.extend_from_slice(&piece);
                continue;
            }
            if s.out_end && !s.end_sent {
                s.end_sent = true;
                progress = true;
                let sid = StreamId::new(id);
                if let Some(trailers) = s.out_trailers.take() {
                    s.state = s
                        .state
                        .on(Side::Send, Ev::Headers { end_stream: true })
                        .unwrap_or(State::Closed);
                    let fields = trailers.iter().map(|(n, v)| (n.as_slice(), v.as_slice()));
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
        }
        if stalled {
            self.stall_since.get_or_insert(now);
        } else {
            self.stall_since = None;
        }
        // RST_STREAM(NO_ERROR) queued by `end_early` after a response that ended above.
        if !self.ctrl.is_empty() {
            out.extend_from_slice(&self.ctrl);
            self.ctrl.clear();
        }
        self.note_busy(now);
        None
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
