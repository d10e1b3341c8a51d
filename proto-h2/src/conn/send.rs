//! Sending: the commands that open streams and queue heads, data, trailers, resets, PINGs and
//! GOAWAYs, and the encoding of header blocks. What they queue goes out through
//! `poll_transmit` (module `transmit`).

#[cfg(doc)]
use super::Limits;
use super::config::Pseudo;
use super::event::Event;
use super::store::{Closure, Stream};
use super::timers::DRAIN_PING;
use super::{Connection, Role, SCRATCH_KEEP};
use crate::error::UserError;
use crate::frame::{self, ErrorCode, Frame, Priority, StreamId};
use crate::head::{self, Malformed};
use crate::stream::{Event as Ev, Side, State};
use bytes::Bytes;

/// A request head to send.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Request<'a> {
    /// `:method`.
    pub method: &'a [u8],
    /// `:scheme` (not sent for plain CONNECT).
    pub scheme: &'a [u8],
    /// `:authority`.
    pub authority: &'a [u8],
    /// `:path` (not sent for plain CONNECT).
    pub path: &'a [u8],
    /// `:protocol` for extended CONNECT (RFC 8441), e.g. `websocket`.
    pub protocol: Option<&'a [u8]>,
    /// Regular fields, sent in this order (lowercase names).
    pub headers: &'a [(&'a [u8], &'a [u8])],
}

impl<'a> Request<'a> {
    /// A GET without extra fields.
    pub fn get(scheme: &'a [u8], authority: &'a [u8], path: &'a [u8]) -> Self {
        Request {
            method: b"GET",
            scheme,
            authority,
            path,
            protocol: None,
            headers: &[],
        }
    }
}

impl Connection {
    /// Opens a stream with a request (client).
    ///
    /// # Errors
    /// [`UserError`] when the role, state, concurrency limit or fields do not allow it.
    pub fn send_request(
        &mut self,
        req: &Request<'_>,
        end_stream: bool,
    ) -> Result<StreamId, UserError> {
        if self.role != Role::Client {
            return Err(UserError::WrongRole);
        }
        self.check_open()?;
        if self.goaway_recv.is_some() || self.goaway_sent.is_some() {
            return Err(UserError::GoingAway);
        }
        // The streams we opened that count against the peer's limit, counted only when
        // there could be enough of them: below the limit in all, they are below it (a
        // client keeping many streams in flight opens one per request).
        let at_limit = |max: u32| {
            self.streams.len() >= max as usize
                && self
                    .streams
                    .values()
                    .filter(|s| s.local && s.state.is_active())
                    .count()
                    >= max as usize
        };
        if let Some(max) = self.remote.max_concurrent_streams
            && at_limit(max)
        {
            return Err(UserError::ConcurrencyLimit(max));
        }
        if self.next_local > StreamId::MAX.value() {
            return Err(UserError::StreamIdsExhausted);
        }
        if req.protocol.is_some() && !self.remote.enable_connect_protocol {
            return Err(UserError::ConnectProtocolDisabled);
        }
        check_fields(req.headers)?;
        let plain_connect = req.method == b"CONNECT" && req.protocol.is_none();
        // The pseudo-headers in a fixed array and the regular fields borrowed from the
        // request: no allocation to gather them, unless `Config::header_order` asks for the
        // regular fields to be sorted (then one `Vec` per request).
        let mut pseudo: [(&[u8], &[u8]); 5] = [(b"", b""); 5];
        let mut n = 0;
        for p in self.config.pseudo_order {
            let f: (&[u8], &[u8]) = match p {
                Pseudo::Method => (b":method", req.method),
                Pseudo::Authority => (b":authority", req.authority),
                Pseudo::Scheme if !plain_connect => (b":scheme", req.scheme),
                Pseudo::Path if !plain_connect => (b":path", req.path),
                _ => continue,
            };
            pseudo[n] = f;
            n += 1;
        }
        if let Some(p) = req.protocol {
            pseudo[n] = (b":protocol", p);
            n += 1;
        }
        let pseudo = &pseudo[..n];
        let sorted: Option<Vec<(&[u8], &[u8])>> =
            (!self.config.header_order.is_empty()).then(|| {
                let order = &self.config.header_order;
                let rank = |n: &[u8]| order.iter().position(|o| o == n).unwrap_or(order.len());
                let mut v = req.headers.to_vec();
                v.sort_by_key(|(n, _)| rank(n));
                v
            });
        let regular = sorted.as_deref().unwrap_or(req.headers);
        let fields = pseudo.iter().chain(regular).copied();
        self.check_list_size(fields.clone())?;
        let id = StreamId::new(self.next_local);
        self.next_local += 2;
        let prio = self.config.headers_priority;
        self.write_headers(id, None, fields, end_stream, prio);
        let state = State::Idle
            .on(Side::Send, Ev::Headers { end_stream })
            .unwrap_or(State::Closed);
        // The receive window starts at the acknowledged value; a pending change is applied
        // with the ACK (6.9.2), which the peer sends before it can send DATA on this stream.
        let init = self.acked_local.initial_window_size;
        let mut s = Stream::new(state, true, self.remote.initial_window_size, init, init);
        s.no_body = req.method == b"HEAD";
        s.sent_head = true;
        self.insert_stream(id, s);
        self.stream_opened();
        Ok(id)
    }

    /// Sends a response head (server) on a request stream or a promised stream. A 1xx status
    /// is informational and may not end the stream. A response that ends here or with its
    /// last DATA or trailers while the request is still open is followed by RST_STREAM
    /// (NO_ERROR), and the unread request body is dropped (RFC 9113 8.1).
    ///
    /// # Errors
    /// [`UserError`] when the role or the stream's state does not allow it;
    /// [`UserError::InvalidStatus`] for a status outside 100..=599 or 101, which a receiver
    /// (ours included) treats as a malformed response.
    pub fn send_response(
        &mut self,
        stream: StreamId,
        status: u16,
        headers: &[(&[u8], &[u8])],
        end_stream: bool,
    ) -> Result<(), UserError> {
        if self.role != Role::Server {
            return Err(UserError::WrongRole);
        }
        self.check_open()?;
        if !(100..=599).contains(&status) || status == 101 || (status < 200 && end_stream) {
            return Err(UserError::InvalidStatus(status));
        }
        check_fields(headers)?;
        let status_field: (&[u8], &[u8]) = (b":status", b"000");
        self.check_list_size(std::iter::once(status_field).chain(headers.iter().copied()))?;
        let s = self.stream_for_send(stream)?;
        let next = s
            .state
            .on(Side::Send, Ev::Headers { end_stream })
            .map_err(|_| UserError::InvalidState {
                stream,
                state: s.state,
            })?;
        if s.sent_head {
            return Err(UserError::InvalidState {
                stream,
                state: s.state,
            });
        }
        if status >= 200 {
            s.sent_head = true;
            s.state = next;
            if end_stream {
                s.end_sent = true;
                s.out_end = true;
            }
        }
        let mut digits = [0u8; 3];
        digits[0] = b'0' + (status / 100) as u8;
        digits[1] = b'0' + (status / 10 % 10) as u8;
        digits[2] = b'0' + (status % 10) as u8;
        let status_field: (&[u8], &[u8]) = (b":status", &digits);
        let fields = std::iter::once(status_field).chain(headers.iter().copied());
        self.write_headers(stream, None, fields, end_stream, None);
        self.end_early(stream.value());
        self.maybe_forget(stream.value());
        Ok(())
    }

    /// Queues body bytes on `stream` and returns how many it took; they go out as flow
    /// control allows, through `poll_transmit` (without being copied when large).
    ///
    /// # Bounded queue
    /// A stream queues at most [`Limits::max_send_queue`] bytes beyond what its send window
    /// and the connection's let go now ([`Connection::send_room`]), so an application that
    /// writes faster than the peer reads cannot make the connection hold unbounded memory.
    /// `send_data` takes the first `n` bytes of `data` that fit (a slice of the same
    /// [`Bytes`], never a copy) and returns `n`; `end_stream` applies only when all of `data`
    /// was taken. When `n < data.len()` the stream is registered for [`Event::SendReady`],
    /// reported when a WINDOW_UPDATE or a larger initial window opens room: offer the rest
    /// (`data.slice(n..)`) then. An empty `data` with `end_stream` always fits.
    ///
    /// ```
    /// # use proto_h2::conn::{Config, Event, Request};
    /// # use proto_h2::pair::Pair;
    /// # use bytes::Bytes;
    /// # let mut p = Pair::new(std::time::Instant::now(), Config::client(), Config::server());
    /// # let id = p.client.send_request(&Request::get(b"http", b"x", b"/"), true).unwrap();
    /// # p.drive();
    /// # p.server.send_response(id, 200, &[], false).unwrap();
    /// let mut body = Bytes::from(vec![0u8; 4 << 20]);
    /// let n = p.server.send_data(id, body.clone(), true).unwrap();
    /// // The client's 1 MiB window plus the 400 KiB queue limit: the rest waits.
    /// assert_eq!(n, (1 << 20) + 400 * 1024);
    /// body = body.slice(n..);
    /// // ... offer `body` again after `Event::SendReady { stream: id }`.
    /// # assert_eq!(p.server.send_room(id), 0);
    /// ```
    ///
    /// # Errors
    /// [`UserError`] when the stream cannot send (unknown, or its sending side is done).
    pub fn send_data(
        &mut self,
        stream: StreamId,
        data: Bytes,
        end_stream: bool,
    ) -> Result<usize, UserError> {
        self.check_open()?;
        let s = self.stream_for_send(stream)?;
        // DATA and trailers only after the message head (8.1).
        if !s.state.can_send() || s.out_end || !s.sent_head || s.state == State::ReservedLocal {
            return Err(UserError::InvalidState {
                stream,
                state: s.state,
            });
        }
        let room = self.send_room(stream);
        let n = data.len().min(room);
        let s = self.stream_for_send(stream)?;
        if n == data.len() {
            if n > 0 {
                s.out_len += n;
                s.out.push_back(data);
            }
            s.out_end = end_stream;
        } else {
            if n > 0 {
                s.out_len += n;
                s.out.push_back(data.slice(..n));
            }
            self.wait_for_room(stream.value());
        }
        self.enqueue(stream.value());
        Ok(n)
    }

    /// Asks for [`Event::SendReady`] on `stream` when [`Connection::send_room`] is above
    /// zero: at once (the event is queued now) if it already is, otherwise when a window
    /// opens. One event per call (or per short `send_data`).
    ///
    /// # Errors
    /// [`UserError::UnknownStream`] when the stream is not open,
    /// [`UserError::InvalidState`] when its sending side is done.
    pub fn notify_send_ready(&mut self, stream: StreamId) -> Result<(), UserError> {
        self.check_open()?;
        let s = self.stream_for_send(stream)?;
        if !s.state.can_send() || s.out_end {
            return Err(UserError::InvalidState {
                stream,
                state: s.state,
            });
        }
        self.wait_for_room(stream.value());
        self.wake_senders();
        Ok(())
    }

    /// Registers `id` for [`Event::SendReady`].
    fn wait_for_room(&mut self, id: u32) {
        if let Some(s) = self.streams.get_mut(&id)
            && !s.send_waiting
        {
            s.send_waiting = true;
            self.send_waiters.push(id);
        }
    }

    /// What [`Connection::send_data`] takes on `s` now.
    pub(super) fn room(&self, s: &Stream) -> usize {
        room(
            s,
            self.conn_send.available(),
            self.config.limits.max_send_queue,
        )
    }

    /// After a window opened: [`Event::SendReady`] for each waiting stream that has room now
    /// (the others keep waiting; streams gone or done sending are dropped from the list).
    /// Walks only the waiting streams.
    pub(super) fn wake_senders(&mut self) {
        if self.send_waiters.is_empty() {
            return;
        }
        let conn = self.conn_send.available();
        let limit = self.config.limits.max_send_queue;
        let streams = &mut self.streams;
        let events = &mut self.events;
        self.send_waiters.retain(|&id| {
            let Some(s) = streams.get_mut(&id) else {
                return false;
            };
            let open = s.state.can_send() && !s.out_end;
            if open && room(s, conn, limit) == 0 {
                return true;
            }
            s.send_waiting = false;
            if open {
                events.push_back(Event::SendReady {
                    stream: StreamId::new(id),
                });
            }
            false
        });
    }

    /// Queues trailers, which end the stream after its queued data.
    ///
    /// # Errors
    /// [`UserError`] when the stream cannot send.
    pub fn send_trailers(
        &mut self,
        stream: StreamId,
        trailers: &[(&[u8], &[u8])],
    ) -> Result<(), UserError> {
        self.check_open()?;
        check_fields(trailers)?;
        self.check_list_size(trailers.iter().copied())?;
        let s = self.stream_for_send(stream)?;
        // DATA and trailers only after the message head (8.1).
        if !s.state.can_send() || s.out_end || !s.sent_head || s.state == State::ReservedLocal {
            return Err(UserError::InvalidState {
                stream,
                state: s.state,
            });
        }
        s.out_trailers = Some(
            trailers
                .iter()
                .map(|(n, v)| (n.to_vec(), v.to_vec()))
                .collect(),
        );
        s.out_end = true;
        self.enqueue(stream.value());
        Ok(())
    }

    /// Resets a stream with `code` (RST_STREAM). Unread data is dropped and its credit
    /// returned to the connection.
    ///
    /// # Errors
    /// [`UserError::UnknownStream`] when the stream is not open.
    pub fn reset(&mut self, stream: StreamId, code: ErrorCode) -> Result<(), UserError> {
        self.check_open()?;
        if !self.streams.contains_key(&stream.value()) {
            return Err(UserError::UnknownStream(stream));
        }
        self.close_stream(stream, Closure::ResetByUs);
        Frame::RstStream(frame::RstStream { stream, code }).encode(&mut self.ctrl);
        Ok(())
    }

    /// Sends a PING; its ACK comes back as [`Event::PingAck`].
    ///
    /// # Errors
    /// [`UserError::Closed`] after a connection error.
    pub fn ping(&mut self, payload: [u8; 8]) -> Result<(), UserError> {
        self.check_open()?;
        self.pings_out = self.pings_out.saturating_add(1);
        Frame::Ping(frame::Ping {
            ack: false,
            payload,
        })
        .encode(&mut self.ctrl);
        Ok(())
    }

    /// Starts a graceful shutdown. With NO_ERROR, a server (or a client that enabled push, so
    /// the server may be creating streams too) sends GOAWAY(2^31-1) and a PING, and when the
    /// PING returns a second GOAWAY with the last stream the peer opened (so streams in flight
    /// are not lost); otherwise one GOAWAY with the last stream the peer opened: for a client
    /// without push that is 0 ("the last server-initiated stream that was processed", 6.8).
    /// Streams up to it, and every stream we opened, finish; the peer's later ones are
    /// ignored, and we open no more (`send_request` and `push_promise` return
    /// [`UserError::GoingAway`]). [`Connection::is_closed`] turns true when all are done.
    ///
    /// # Errors
    /// [`UserError::Closed`] after a connection error.
    pub fn go_away(&mut self, code: ErrorCode) -> Result<(), UserError> {
        self.check_open()?;
        let peer_opens = self.role == Role::Server || self.local.enable_push;
        if peer_opens && code == ErrorCode::NO_ERROR && self.goaway_sent.is_none() {
            // "A server that is attempting to gracefully shut down a connection SHOULD send an
            // initial GOAWAY frame with the last stream identifier set to 2^31-1 and a NO_ERROR
            // code ... After allowing time for any in-flight stream creation (at least one
            // round-trip time), the server MAY send another GOAWAY frame with an updated last
            // stream identifier" (6.8). The round trip is a PING.
            self.goaway_sent = Some(StreamId::MAX.value());
            self.draining = true;
            Frame::GoAway(frame::GoAway {
                last_stream: StreamId::MAX,
                code,
                debug: b"",
            })
            .encode(&mut self.ctrl);
            Frame::Ping(frame::Ping {
                ack: false,
                payload: DRAIN_PING,
            })
            .encode(&mut self.ctrl);
            return Ok(());
        }
        // A second call during a drain ends it at once, naming the last stream as it is now.
        self.draining = false;
        self.send_goaway(self.last_peer, code);
        Ok(())
    }

    /// Promises a pushed response on `stream` (server): sends PUSH_PROMISE with `req` and
    /// returns the reserved stream, on which [`Connection::send_response`] sends the response.
    ///
    /// # Errors
    /// [`UserError::PushDisabled`] when the client disabled push, and the usual state errors.
    pub fn push_promise(
        &mut self,
        stream: StreamId,
        req: &Request<'_>,
    ) -> Result<StreamId, UserError> {
        if self.role != Role::Server {
            return Err(UserError::WrongRole);
        }
        self.check_open()?;
        if !self.remote.enable_push {
            return Err(UserError::PushDisabled);
        }
        if self.goaway_recv.is_some() || self.goaway_sent.is_some() {
            return Err(UserError::GoingAway);
        }
        check_fields(req.headers)?;
        let pseudo: [(&[u8], &[u8]); 4] = [
            (b":method", req.method),
            (b":scheme", req.scheme),
            (b":authority", req.authority),
            (b":path", req.path),
        ];
        self.check_list_size(pseudo.into_iter().chain(req.headers.iter().copied()))?;
        let s = self.stream_for_send(stream)?;
        if !matches!(s.state, State::Open | State::HalfClosedRemote) {
            return Err(UserError::InvalidState {
                stream,
                state: s.state,
            });
        }
        if self.next_local > StreamId::MAX.value() {
            return Err(UserError::StreamIdsExhausted);
        }
        let promised = StreamId::new(self.next_local);
        self.next_local += 2;
        let mut fields: Vec<(&[u8], &[u8])> = vec![
            (b":method", req.method),
            (b":scheme", req.scheme),
            (b":authority", req.authority),
            (b":path", req.path),
        ];
        fields.extend_from_slice(req.headers);
        self.write_headers(stream, Some(promised), fields.iter().copied(), false, None);
        let mut s = Stream::new(
            State::ReservedLocal,
            true,
            self.remote.initial_window_size,
            0,
            0,
        );
        s.state = State::Idle
            .on(Side::Send, Ev::PushPromise)
            .unwrap_or(State::Closed);
        self.insert_stream(promised, s);
        self.stream_opened();
        Ok(promised)
    }

    pub(super) fn check_open(&self) -> Result<(), UserError> {
        if self.error.is_some() {
            Err(UserError::Closed)
        } else {
            Ok(())
        }
    }

    /// "An endpoint can use the SETTINGS_MAX_HEADER_LIST_SIZE to advise peers of limits that
    /// might apply on the size of field blocks" (10.5.1): a list above the peer's limit would
    /// be refused, so it is refused here, before anything is encoded. The size is "the
    /// uncompressed size of field names and field values plus an overhead of 32 bytes for
    /// each field" (6.5.2).
    pub(super) fn check_list_size<'f>(
        &self,
        fields: impl Iterator<Item = (&'f [u8], &'f [u8])>,
    ) -> Result<(), UserError> {
        let Some(limit) = self.remote.max_header_list_size else {
            return Ok(());
        };
        let size: usize = fields.map(|(n, v)| n.len() + v.len() + 32).sum();
        if size > limit as usize {
            return Err(UserError::HeaderListTooLarge { size, limit });
        }
        Ok(())
    }

    /// Queues a GOAWAY naming `last` and remembers it.
    pub(super) fn send_goaway(&mut self, last: u32, code: ErrorCode) {
        self.goaway_sent = Some(last);
        Frame::GoAway(frame::GoAway {
            last_stream: StreamId::new(last),
            code,
            debug: b"",
        })
        .encode(&mut self.ctrl);
    }

    /// Encodes a header block and writes HEADERS (or PUSH_PROMISE) + CONTINUATION frames.
    pub(super) fn write_headers<'f>(
        &mut self,
        stream: StreamId,
        promised: Option<StreamId>,
        fields: impl Iterator<Item = (&'f [u8], &'f [u8])>,
        end_stream: bool,
        priority: Option<Priority>,
    ) {
        let mut block = std::mem::take(&mut self.scratch);
        block.clear();
        self.encoder.encode(fields, &mut block);
        let max = self.remote.max_frame_size as usize;
        let first_room =
            max - if priority.is_some() { 5 } else { 0 } - if promised.is_some() { 4 } else { 0 };
        let (first, mut rest) = block.split_at(first_room.min(block.len()));
        let end_headers = rest.is_empty();
        match promised {
            Some(p) => Frame::PushPromise(frame::PushPromise {
                stream,
                promised: p,
                end_headers,
                block: first,
                pad: None,
            })
            .encode(&mut self.ctrl),
            None => Frame::Headers(frame::Headers {
                stream,
                end_stream,
                end_headers,
                priority,
                block: first,
                pad: None,
            })
            .encode(&mut self.ctrl),
        }
        while !rest.is_empty() {
            let (chunk, r) = rest.split_at(max.min(rest.len()));
            rest = r;
            Frame::Continuation(frame::Continuation {
                stream,
                end_headers: rest.is_empty(),
                block: chunk,
            })
            .encode(&mut self.ctrl);
        }
        // Kept for the next block only while small: a large head's buffer is freed.
        if block.capacity() <= SCRATCH_KEEP {
            self.scratch = block;
        }
    }
}

/// What a stream `s` can take: the queue limit plus what both windows let go (the connection
/// window being `conn`), less what is queued; 0 once its sending side is done.
fn room(s: &Stream, conn: u32, limit: usize) -> usize {
    if !s.state.can_send() || s.out_end {
        return 0;
    }
    let window = s.send.available().min(conn) as usize;
    limit.saturating_add(window).saturating_sub(s.out_len)
}

pub(super) fn check_fields(fields: &[(&[u8], &[u8])]) -> Result<(), UserError> {
    for (n, v) in fields {
        head::check_name(n).map_err(UserError::InvalidField)?;
        head::check_value(v).map_err(UserError::InvalidField)?;
        if head::connection_specific(n) {
            return Err(UserError::InvalidField(Malformed::ConnectionSpecific));
        }
    }
    Ok(())
}
