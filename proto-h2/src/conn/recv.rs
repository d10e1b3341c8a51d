//! Receiving: [`Connection::recv`] cuts the input into frames (buffering one partial frame),
//! dispatches each by type, and handles DATA, RST_STREAM and WINDOW_UPDATE; body bytes are
//! pulled with [`Connection::read_data`], which returns flow-control credit. Header blocks
//! are in `headers`, SETTINGS in `settings`.

use super::defences::Budget;
use super::event::Event;
use super::store::Closure;
use super::{Connection, PREFACE, Role};
use crate::error::{Error, StreamError};
use crate::frame::{self, Frame, FrameError, FrameHeader, HEADER_LEN, StreamId, flag, kind};
use crate::head::Malformed;
use crate::stream::{Event as Ev, Reaction, Side, State, StateError};
use bytes::{Bytes, BytesMut};
use std::time::Instant;

impl Connection {
    /// Feeds bytes read from the peer. Frames are handled as far as the input allows; a
    /// partial frame is kept for the next call. Returns how many bytes were consumed (all of
    /// them: partial frames are buffered, bounded by the maximum frame size).
    ///
    /// # Errors
    /// A connection [`Error`]: its GOAWAY is already queued, and the error is sticky.
    pub fn recv(&mut self, now: Instant, input: &[u8]) -> Result<usize, Error> {
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        if self.eof {
            // Nothing arrives after the end of stream (see `recv_eof`).
            return Ok(input.len());
        }
        self.now = now;
        self.note_busy(now);
        let mut rest = input;
        if self.preface < PREFACE.len() {
            let n = (PREFACE.len() - self.preface).min(rest.len());
            if rest[..n] != PREFACE[self.preface..self.preface + n] {
                return Err(self.fail(Error::BadPreface));
            }
            self.preface += n;
            rest = &rest[n..];
        }
        // A frame split across reads is completed first, in a buffer of its own size (so a
        // DATA payload kept from it holds only that frame).
        if !self.rx.is_empty() {
            if self.rx.len() < HEADER_LEN {
                let n = (HEADER_LEN - self.rx.len()).min(rest.len());
                self.rx.extend_from_slice(&rest[..n]);
                rest = &rest[n..];
            }
            if let Some(head) = FrameHeader::parse(&self.rx) {
                self.check_frame_len(head)?;
                let total = HEADER_LEN + head.len as usize;
                self.rx.reserve(total - self.rx.len());
                let n = (total - self.rx.len()).min(rest.len());
                self.rx.extend_from_slice(&rest[..n]);
                rest = &rest[n..];
                if self.rx.len() == total {
                    let buf = std::mem::take(&mut self.rx).freeze();
                    self.frame_in(now, head, &buf, Some(&buf))?;
                }
            }
        }
        // Whole frames are handled in place in the caller's input: nothing is copied but the
        // DATA payloads kept for the application, each on its own (never a view that would
        // keep the whole read alive).
        while let Some(head) = FrameHeader::parse(rest) {
            self.check_frame_len(head)?;
            let total = HEADER_LEN + head.len as usize;
            if rest.len() < total {
                break;
            }
            let (buf, r) = rest.split_at(total);
            rest = r;
            self.frame_in(now, head, buf, None)?;
        }
        if !rest.is_empty() {
            // The start of a frame (its length already checked): kept for the next read.
            let total =
                FrameHeader::parse(rest).map_or(HEADER_LEN, |h| HEADER_LEN + h.len as usize);
            self.rx = BytesMut::with_capacity(total);
            self.rx.extend_from_slice(rest);
        }
        if std::mem::take(&mut self.bdp_acked)
            && let Some(b) = &mut self.bdp
        {
            let target = self.conn_recv.target();
            if let Some(new) = b.on_ping_ack(now, target) {
                self.grow_windows(new);
            }
        }
        self.note_busy(now);
        Ok(input.len())
    }

    /// "An endpoint MUST send an error code of FRAME_SIZE_ERROR if a frame exceeds the size
    /// defined in SETTINGS_MAX_FRAME_SIZE" (4.2), checked from the header alone.
    pub(super) fn check_frame_len(&mut self, head: FrameHeader) -> Result<(), Error> {
        if head.len > self.local.max_frame_size {
            let e = FrameError::TooLarge {
                kind: head.kind,
                len: head.len,
                max: self.local.max_frame_size,
            };
            return Err(self.fail(Error::Frame(e)));
        }
        Ok(())
    }

    /// One whole frame from `recv`; a connection error is made sticky.
    pub(super) fn frame_in(
        &mut self,
        now: Instant,
        head: FrameHeader,
        buf: &[u8],
        owned: Option<&Bytes>,
    ) -> Result<(), Error> {
        // Any frame shows the peer alive (keep-alive); any but PING shows it busy (idle).
        self.last_recv = now;
        self.keepalive_sent = None;
        if head.kind != kind::PING {
            self.busy_at = now;
        }
        self.on_frame(head, buf, owned).map_err(|e| self.fail(e))
    }

    /// Takes the next chunk of body bytes received on `stream`. A payload of 1 KiB or more
    /// comes in an allocation of its own, copied once from the input given to `recv` (as the
    /// whole input used to be) and not again; smaller ones are gathered per stream. Reading
    /// is what returns flow-control credit to the peer, so the memory held for unread bytes
    /// is bounded by the receive windows we advertise (see [`Connection`]).
    pub fn read_data(&mut self, stream: StreamId) -> Option<Bytes> {
        let s = self.streams.get_mut(&stream.value())?;
        let b = s.inbuf.pop()?;
        let n = b.len() as u32;
        s.recv.release(n);
        if s.state.can_recv()
            && let Some(inc) = s.recv.take_update()
        {
            Frame::WindowUpdate(frame::WindowUpdate {
                stream,
                increment: inc,
            })
            .encode(&mut self.ctrl);
        }
        self.conn_release(n);
        self.maybe_forget(stream.value());
        Some(b)
    }

    pub(super) fn conn_release(&mut self, n: u32) {
        self.conn_recv.release(n);
        if let Some(inc) = self.conn_recv.take_update() {
            Frame::WindowUpdate(frame::WindowUpdate {
                stream: StreamId::ZERO,
                increment: inc,
            })
            .encode(&mut self.ctrl);
        }
    }

    /// One whole frame, `buf` (header included); `owned` is set when `buf` is an allocation of
    /// its own (a frame reassembled across reads) that DATA may keep instead of a copy.
    pub(super) fn on_frame(
        &mut self,
        head: FrameHeader,
        buf: &[u8],
        owned: Option<&Bytes>,
    ) -> Result<(), Error> {
        let payload = &buf[HEADER_LEN..];
        if let Some(p) = &self.partial
            && (head.kind != kind::CONTINUATION || head.stream != p.stream)
        {
            // "A receiver MUST treat the receipt of any other type of frame or a frame on a
            // different stream as a connection error of type PROTOCOL_ERROR" (6.10).
            return Err(Error::ExpectedContinuation {
                stream: p.stream,
                kind: head.kind,
            });
        }
        if !self.got_settings && (head.kind != kind::SETTINGS || head.flags & flag::ACK != 0) {
            // "The server connection preface consists of a potentially empty SETTINGS frame
            // that MUST be the first frame the server sends" (3.4), and likewise the client's.
            return Err(Error::FirstFrameNotSettings { kind: head.kind });
        }
        let frame = match Frame::parse(head, payload) {
            Ok(f) => f,
            Err(e) => {
                return match e.stream_error() {
                    Some(id) => self.stream_error(id, StreamError::Frame(e)),
                    None => Err(Error::Frame(e)),
                };
            }
        };
        match frame {
            Frame::Data(d) => self.on_data(d, owned),
            Frame::Headers(h) => {
                self.fingerprint.on_headers(h.priority);
                if h.end_headers {
                    self.on_block(h.stream, h.end_stream, h.priority, None, h.block)
                } else {
                    self.start_partial(h.stream, h.end_stream, h.priority, None, h.block)
                }
            }
            Frame::Continuation(c) => self.on_continuation(c),
            Frame::Priority(p) => {
                // Deprecated (RFC 9113 5.3.2): parsed, checked, otherwise ignored, and counted
                // so that an endless stream of them (CVE-2019-9513) ends the connection.
                // Those before the first HEADERS are part of the peer's fingerprint.
                self.fingerprint.on_priority(p);
                self.ignored_frame(kind::PRIORITY)
            }
            Frame::RstStream(r) => self.on_rst(r),
            Frame::Settings(s) => self.on_settings(s),
            Frame::PushPromise(p) => {
                if self.role == Role::Server || !self.local.enable_push {
                    // "A client cannot push" (8.4); with ENABLE_PUSH 0, PUSH_PROMISE is a
                    // connection error of type PROTOCOL_ERROR (6.6).
                    return Err(Error::PushNotAllowed { stream: p.stream });
                }
                if p.end_headers {
                    self.on_block(p.stream, false, None, Some(p.promised), p.block)
                } else {
                    self.start_partial(p.stream, false, None, Some(p.promised), p.block)
                }
            }
            Frame::Ping(p) => self.on_ping(p),
            Frame::GoAway(g) => self.on_goaway(g),
            Frame::WindowUpdate(w) => self.on_window_update(w),
            // "Implementations MUST ignore and discard frames of unknown types" (4.1).
            // Counted all the same: each costs a read and a parse.
            Frame::Unknown(_) => self.ignored_frame(head.kind),
        }
    }

    pub(super) fn grow_windows(&mut self, new: u32) {
        self.conn_recv.set_target(new);
        if let Some(inc) = self.conn_recv.take_update() {
            Frame::WindowUpdate(frame::WindowUpdate {
                stream: StreamId::ZERO,
                increment: inc,
            })
            .encode(&mut self.ctrl);
        }
        for s in self.streams.values_mut() {
            if s.recv.target() < new {
                s.recv.set_target(new);
            }
        }
    }

    pub(super) fn on_data(
        &mut self,
        d: frame::Data<'_>,
        owned: Option<&Bytes>,
    ) -> Result<(), Error> {
        let flow = d.flow_len() as u32;
        let len = d.data.len() as u32;
        if len == 0 && !d.end_stream {
            self.spend(Budget::EmptyData)?;
        }
        // Connection-level flow control counts every DATA frame, whatever its stream.
        self.conn_recv.recv(flow).map_err(Error::Flow)?;
        let id = d.stream;
        let ev = Ev::Data {
            end_stream: d.end_stream,
        };
        let Some(s) = self.streams.get_mut(&id.value()) else {
            self.conn_release(flow);
            return self.absent(id, ev, kind::DATA);
        };
        let next = match s.state.on(Side::Recv, ev) {
            Ok(n) => n,
            Err(e) => {
                self.conn_release(flow);
                return self.state_violation(id, e);
            }
        };
        if let Err(e) = s.recv.recv(flow) {
            self.conn_release(flow);
            return self.stream_error(id, StreamError::Flow(e));
        }
        if !s.got_head {
            // A response's DATA before its final HEADERS: "an HTTP request or response ...
            // consists of ... one HEADERS frame ... zero or more DATA frames" (8.1).
            self.conn_release(flow);
            let m = Malformed::DataBeforeHead;
            return self.stream_error(id, StreamError::Malformed(m));
        }
        // Padding is credited back at once: the application never sees it.
        s.recv.release(flow - len);
        s.received += u64::from(len);
        let mismatch = match s.content_length {
            Some(cl) if !s.no_body => cl < s.received || (d.end_stream && cl != s.received),
            _ => false,
        };
        if mismatch {
            let m = Malformed::ContentLengthMismatch {
                declared: s.content_length.unwrap_or(0),
                received: s.received,
            };
            self.conn_release(flow);
            return self.stream_error(id, StreamError::Malformed(m));
        }
        if let Some(limit) = self.config.limits.max_request_body
            && self.role == Role::Server
            && !s.local
            && s.received > limit
        {
            let length = s.received;
            self.conn_release(flow);
            return self.body_too_large(id, limit, length);
        }
        s.state = next;
        // Copied out of the caller's input, or kept in the buffer of the one frame it was
        // reassembled in: never a view that keeps a whole read alive (`RecvBuf`).
        s.inbuf.push(d.data, owned);
        self.conn_release(flow - len);
        self.events.push_back(Event::Data {
            stream: id,
            len: len as usize,
            end_stream: d.end_stream,
        });
        if let Some(b) = &mut self.bdp
            && len > 0
            && b.on_data(len as usize)
        {
            self.bdp_wants_ping = true;
        }
        Ok(())
    }

    /// A request body above [`Limits::max_request_body`](super::Limits::max_request_body):
    /// "A server can send a complete response prior to the client sending an entire request
    /// ... the server MAY request that the client abort transmission of a request without
    /// error by sending a RST_STREAM with an error code of NO_ERROR after sending a complete
    /// response" (RFC 9113 8.1). The complete response is `413 Content Too Large` (RFC 9110
    /// 15.5.14) when no response head was sent; after one, RST_STREAM(CANCEL). The stream may
    /// be one not stored yet (a `content-length` above the limit, refused before the request
    /// is reported).
    pub(super) fn body_too_large(
        &mut self,
        id: StreamId,
        limit: u64,
        length: u64,
    ) -> Result<(), Error> {
        let err = StreamError::BodyTooLarge { limit, length };
        let head_sent = self.streams.get(&id.value()).is_some_and(|s| s.sent_head);
        let code = if head_sent {
            err.code()
        } else {
            let status: (&[u8], &[u8]) = (b":status", b"413");
            self.write_headers(id, None, std::iter::once(status), true, None);
            frame::ErrorCode::NO_ERROR
        };
        self.reset_by_us(id, code, err);
        self.spend(Budget::LocalReset)
    }

    /// RST_STREAM(`code`) queued, the stream closed, the reset reported with its cause.
    fn reset_by_us(&mut self, id: StreamId, code: frame::ErrorCode, err: StreamError) {
        Frame::RstStream(frame::RstStream { stream: id, code }).encode(&mut self.ctrl);
        self.close_stream(id, Closure::ResetByUs);
        self.events.push_back(Event::Reset {
            stream: id,
            code,
            remote: false,
            error: Some(err),
        });
    }

    /// A stream error: RST_STREAM queued, stream closed, event reported; too many of them in a
    /// window is "MadeYouReset".
    pub(super) fn stream_error(&mut self, id: StreamId, err: StreamError) -> Result<(), Error> {
        self.reset_by_us(id, err.code(), err);
        match err {
            StreamError::Refused { .. } => self.spend(Budget::Refused),
            _ => self.spend(Budget::LocalReset),
        }
    }

    pub(super) fn state_violation(&mut self, id: StreamId, e: StateError) -> Result<(), Error> {
        match e.reaction {
            Reaction::Stream(_) => self.stream_error(id, StreamError::State(e)),
            Reaction::Connection(_) | Reaction::Misuse => Err(Error::State {
                stream: id,
                error: e,
            }),
        }
    }

    /// A frame for a stream we do not track: idle, or closed (and how).
    pub(super) fn absent(&mut self, id: StreamId, event: Ev, kind: u8) -> Result<(), Error> {
        // "Once the GOAWAY is sent, the sender will ignore frames sent on streams initiated by
        // the receiver if the stream has an identifier higher than the included last stream
        // identifier" (6.8).
        if self.is_peer_initiated(id) && self.goaway_sent.is_some_and(|last| id.value() > last) {
            // DATA is not counted: flow control bounds it.
            return if kind == kind::DATA {
                Ok(())
            } else {
                self.ignored_frame(kind)
            };
        }
        if self.is_idle(id) {
            let error = State::Idle.on(Side::Recv, event).err();
            return match error {
                Some(error) => Err(Error::State { stream: id, error }),
                None => Ok(()),
            };
        }
        match (self.closed.get(&id.value()).copied(), event) {
            (_, Ev::Priority | Ev::WindowUpdate | Ev::Reset) => self.ignored_frame(kind),
            (Some(Closure::ResetByUs), _) => Ok(()),
            (Some(Closure::ResetByPeer), _) => self.stream_error(id, StreamError::ClosedByReset),
            (Some(Closure::Ended), _) | (None, _) => Err(Error::StreamClosed { stream: id, kind }),
        }
    }
}
