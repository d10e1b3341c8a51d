//! HTTP/1.1 glue: a [`Session`] around proto-h1's [`ServerConn`] that turns its events into
//! [`Request`]s, calls the handler, and writes its [`Response`]; with the phase timers of
//! HTTP/1.1 (keep-alive idle, request head, body gap) and the buffer pool.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use proto_h1::{Buffers, ConnState, Event, Header, ServerConn};

use super::message::{Body, ReaderSlot, Request, Response, WsHandler, reason};
use super::reader::{self, BodyFeed};
use super::sniff::Shared;
use super::timed::{Step, Timed};
use super::writer::{self, BodyReceiver};
use crate::event_loop::{Context, Session};

/// The handler every request goes to.
pub type Handler = Arc<dyn Fn(&Request) -> Response + Send + Sync + 'static>;

/// A streamed body is pulled, and the next pipelined request answered, only while less than
/// this is queued in the connection.
const STREAM_BUDGET: usize = 64 * 1024;

/// The timer phase a connection is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// No request in progress: keep-alive idle timer.
    Idle,
    /// A request head is arriving: request-head timer.
    Head,
    /// A request body is arriving: body-gap timer.
    Body,
    /// We are answering (the loop's write-stall timer applies), or the connection is over.
    None,
}

/// One HTTP/1.1 server connection.
pub struct H1Session {
    conn: ServerConn,
    /// The handler and the timeouts, shared by the server's connections.
    shared: Arc<Shared>,
    phase: Phase,
    since: Instant,
    /// The request whose body is arriving; boxed, as every idle connection would carry its
    /// size.
    reading: Option<Box<Reading>>,
    /// The request being answered was `HEAD` (no body is sent).
    head_only: bool,
    /// A response body still being produced, or a WebSocket upgrade (boxed: an idle
    /// connection carries 8 bytes for it).
    answer: Option<Box<Answer>>,
}

/// What an answer still needs beyond its head (at most one of these at a time).
enum Answer {
    /// A streamed response body ([`Body::Stream`]) still being produced.
    Stream(Box<dyn Iterator<Item = Bytes> + Send>),
    /// A pushed body ([`Body::Writer`]) still being written.
    Pipe(Piped),
    /// A timed body ([`Body::Timed`]) still being produced.
    Timed(Timed),
    /// A WebSocket upgrade was answered.
    Switch(Switch),
}

/// A request whose body is arriving.
enum Reading {
    /// Gathered whole; the handler is called at its end.
    Whole(Request),
    /// Streamed to the handler's [`BodyReader`](super::BodyReader): the handler has been
    /// called already.
    Streamed(BodyFeed),
}

/// A pushed body in progress.
struct Piped {
    rx: BodyReceiver,
    /// The receiver knows whom to wake.
    waker_set: bool,
    /// When body bytes were last queued (the SSE heartbeat timer runs from here).
    last_sent: Option<Instant>,
}

/// A WebSocket upgrade in progress.
struct Switch {
    config: proto_ws::Config,
    handler: WsHandler,
    /// The bytes after the request, once the engine handed them over.
    rest: Option<Vec<u8>>,
}

impl std::fmt::Debug for H1Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("H1Session")
            .field("conn", &self.conn)
            .field("phase", &self.phase)
            .finish_non_exhaustive()
    }
}

impl H1Session {
    /// A session for a new connection accepted at `now`.
    #[must_use]
    pub(crate) fn new(shared: Arc<Shared>, now: Instant) -> Self {
        H1Session {
            conn: ServerConn::new(shared.h1),
            shared,
            phase: Phase::Idle,
            since: now,
            reading: None,
            head_only: false,
            answer: None,
        }
    }

    fn respond(&mut self, req: &Request, now: Instant) {
        let handler = &self.shared.handler;
        let resp = catch_unwind(AssertUnwindSafe(|| handler(req)))
            .unwrap_or_else(|_| Response::text(500, "internal server error\n"));
        self.head_only = req.method() == "HEAD";
        if let Body::WebSocket(handler) = resp.body {
            self.upgrade(req, handler, &resp.ws_protocols, now);
            return;
        }
        if self.send(resp, now).is_err() {
            // The handler's head was malformed (a bad field name, say): answer 500 instead.
            let _ = self.send(
                Response::text(500, "internal server error: bad response\n"),
                now,
            );
        }
    }

    fn send(&mut self, resp: Response, now: Instant) -> Result<(), proto_h1::SendError> {
        let Response {
            status,
            headers,
            body,
            ..
        } = resp;
        // One look at each name, by length first (most names are neither).
        let framed = headers.iter().any(|(n, _)| match n.len() {
            14 => n.eq_ignore_ascii_case("content-length"),
            17 => n.eq_ignore_ascii_case("transfer-encoding"),
            _ => false,
        });
        let no_body = (100..200).contains(&status) || status == 204 || status == 304;
        // The handler's fields and ours, handed over as they are (no list built per
        // response); a whole body's length is written by the engine.
        let fields = headers.iter().map(|(n, v)| Header { name: n, value: v });
        let reason = reason(status).as_bytes();
        match &body {
            _ if framed || no_body => self.conn.send_response_fields(status, reason, fields)?,
            Body::Full(b) => {
                self.conn
                    .send_response_sized(status, reason, fields, b.len() as u64)?;
            }
            Body::Stream(_) | Body::Writer(_) | Body::Timed(_) => {
                let chunked = Header {
                    name: "Transfer-Encoding",
                    value: b"chunked",
                };
                self.conn.send_response_fields(
                    status,
                    reason,
                    fields.chain(std::iter::once(chunked)),
                )?;
            }
            Body::WebSocket(_) => self.conn.send_response_fields(status, reason, fields)?,
        }
        match body {
            Body::Full(b) => {
                if !self.head_only && !no_body && !b.is_empty() {
                    self.conn.send_data_bytes(b)?;
                }
                self.conn.send_end(&[])?;
            }
            Body::Stream(s) => {
                if self.head_only || no_body {
                    self.conn.send_end(&[])?;
                } else {
                    self.answer = Some(Box::new(Answer::Stream(s)));
                }
            }
            Body::Writer(r) => {
                if self.head_only || no_body {
                    self.conn.send_end(&[])?;
                } else {
                    self.answer = Some(Box::new(Answer::Pipe(Piped {
                        rx: r,
                        waker_set: false,
                        last_sent: None,
                    })));
                }
            }
            Body::Timed(t) => {
                if self.head_only || no_body {
                    self.conn.send_end(&[])?;
                } else {
                    self.answer = Some(Box::new(Answer::Timed(Timed::new(t, now))));
                }
            }
            // Handled by `upgrade` before `send`.
            Body::WebSocket(_) => return Err(proto_h1::SendError::NotReady),
        }
        Ok(())
    }

    /// Answers a WebSocket upgrade: 101 with the negotiated fields through the engine, then
    /// (once the engine hands over the bytes after the request) the connection switches.
    fn upgrade(&mut self, req: &Request, handler: WsHandler, protocols: &[String], now: Instant) {
        let protocols: Vec<&str> = protocols.iter().map(String::as_str).collect();
        let options = proto_ws::ServerOptions {
            protocols: &protocols,
            deflate: Some(proto_ws::DeflateConfig::default()),
        };
        let headers = req.headers().map(|(n, v)| (n.as_bytes(), v));
        let accepted = match proto_ws::accept_request(&options, req.method().as_bytes(), headers) {
            Ok(a) => a,
            Err(e) => {
                let _ = self.send(Response::text(400, format!("{e}\n")), now);
                return;
            }
        };
        let fields = accepted.headers();
        let fields: Vec<Header<'_>> = fields
            .iter()
            .map(|(n, v)| Header {
                name: n,
                value: v.as_bytes(),
            })
            .collect();
        if self
            .conn
            .send_response(101, b"Switching Protocols", &fields)
            .is_err()
        {
            let _ = self.send(Response::text(500, "internal server error: upgrade\n"), now);
            return;
        }
        self.answer = Some(Box::new(Answer::Switch(Switch {
            config: accepted.config(),
            handler,
            rest: None,
        })));
    }

    /// The WebSocket this connection switched to, once the engine handed over the bytes that
    /// followed the request: its configuration, handler and those bytes.
    pub(crate) fn take_switch(&mut self) -> Option<(proto_ws::Config, WsHandler, Vec<u8>)> {
        if !matches!(self.answer.as_deref(), Some(Answer::Switch(s)) if s.rest.is_some()) {
            return None;
        }
        let Answer::Switch(s) = *self.answer.take()? else {
            return None;
        };
        Some((s.config, s.handler, s.rest.unwrap_or_default()))
    }

    /// Pulls streamed pieces while the connection's queue is under budget.
    fn pump_stream(&mut self) {
        while let Some(Answer::Stream(s)) = self.answer.as_deref_mut() {
            if self.conn.queued() >= STREAM_BUDGET {
                return;
            }
            match catch_unwind(AssertUnwindSafe(|| s.next())) {
                Ok(Some(piece)) => {
                    if piece.is_empty() {
                        continue;
                    }
                    if self.conn.send_data_bytes(piece).is_err() {
                        // More than the Content-Length: end the connection, as above.
                        self.answer = None;
                        self.conn.send_timeout();
                    }
                }
                Ok(None) => {
                    self.answer = None;
                    if self.conn.send_end(&[]).is_err() {
                        // The body fell short of its Content-Length: the response cannot be
                        // completed; end the connection so the client sees it cut.
                        self.conn.send_timeout();
                    }
                }
                Err(_) => {
                    // The response started: all that can be done is to end the connection
                    // without completing the body, which the client sees as an error.
                    self.answer = None;
                    self.conn.send_timeout();
                }
            }
        }
    }

    /// Moves a pushed body's queued pieces into the connection while its queue is under
    /// budget; ends or cuts the response when the writer did.
    fn pump_pipe(&mut self, cx: &Context<'_, Buffers>) {
        let Some(Answer::Pipe(p)) = self.answer.as_deref_mut() else {
            return;
        };
        if !p.waker_set {
            p.rx.set_waker(cx.waker());
            p.waker_set = true;
        }
        if p.last_sent.is_none() {
            p.last_sent = Some(cx.now);
        }
        loop {
            let queued = self.conn.queued();
            if queued >= STREAM_BUDGET {
                return;
            }
            match p.rx.poll(STREAM_BUDGET - queued) {
                writer::Poll::Data(b) => {
                    p.last_sent = Some(cx.now);
                    if self.conn.send_data_bytes(b).is_err() {
                        // More than the Content-Length: end the connection.
                        self.answer = None;
                        self.conn.send_timeout();
                        return;
                    }
                }
                writer::Poll::Pending => return,
                writer::Poll::End => {
                    self.answer = None;
                    if self.conn.send_end(&[]).is_err() {
                        // Short of its Content-Length: cut, as for a stream.
                        self.conn.send_timeout();
                    }
                    return;
                }
                writer::Poll::Aborted => {
                    self.answer = None;
                    self.conn.send_timeout();
                    return;
                }
            }
        }
    }

    /// Calls a timed body's producer while it is due and the connection's output has room
    /// (nothing queued beyond the budget, nothing backed up in the loop); ends or cuts the
    /// response when the producer did.
    fn pump_timed(&mut self, now: Instant, backed_up: bool) {
        let Some(Answer::Timed(t)) = self.answer.as_deref_mut() else {
            return;
        };
        loop {
            if !t.due(now) {
                // Its deadline is the session's timer.
                return;
            }
            if backed_up || self.conn.queued() >= STREAM_BUDGET {
                // Called once the output drains (the loop calls `process` after each
                // write).
                t.block();
                return;
            }
            match t.step(now) {
                Step::Data(b) => {
                    if self.conn.send_data_bytes(b).is_err() {
                        // More than the Content-Length: end the connection.
                        self.answer = None;
                        self.conn.send_timeout();
                        return;
                    }
                }
                Step::Wait => return,
                Step::Last(b) => {
                    self.answer = None;
                    let sent = b.is_empty() || self.conn.send_data_bytes(b).is_ok();
                    if !sent || self.conn.send_end(&[]).is_err() {
                        // Beyond or short of its Content-Length: cut, as for a stream.
                        self.conn.send_timeout();
                    }
                    return;
                }
                Step::Abort => {
                    self.answer = None;
                    self.conn.send_timeout();
                    return;
                }
            }
        }
    }

    /// A timed body is being produced.
    fn has_timed(&self) -> bool {
        matches!(self.answer.as_deref(), Some(Answer::Timed(_)))
    }

    /// When a timed body's producer wants to be called.
    fn timed_deadline(&self) -> Option<Instant> {
        match self.answer.as_deref() {
            Some(Answer::Timed(t)) => t.deadline(),
            _ => None,
        }
    }

    /// A pushed body is being written.
    fn has_pipe(&self) -> bool {
        matches!(self.answer.as_deref(), Some(Answer::Pipe(_)))
    }

    /// A streamed body is being produced.
    fn has_stream(&self) -> bool {
        matches!(self.answer.as_deref(), Some(Answer::Stream(_)))
    }

    /// A request body is being streamed to the handler's reader.
    fn streaming_body(&self) -> bool {
        matches!(self.reading.as_deref(), Some(Reading::Streamed(_)))
    }

    /// Whether the streamed body's reader has room for more (arranging a wake-up if not).
    fn feed_has_room(&self) -> bool {
        match self.reading.as_deref() {
            Some(Reading::Streamed(f)) => f.has_room(),
            _ => true,
        }
    }

    /// The client ended its side of the connection. During a pushed body that is taken as
    /// the client leaving (as nginx takes it during a proxied response): the response is
    /// cut and the writer's next `send` fails at once, instead of at its next write that
    /// the kernel refuses (an idle SSE writer could wait a heartbeat or more).
    pub(crate) fn peer_eof(&mut self) {
        if self.has_pipe() || self.has_timed() {
            self.answer = None;
            self.conn.send_timeout();
        }
    }

    /// The SSE heartbeat deadline of a pushed or timed SSE body.
    fn heartbeat_deadline(&self) -> Option<Instant> {
        let last_sent = match self.answer.as_deref()? {
            Answer::Pipe(p) if p.rx.is_sse() => p.last_sent?,
            Answer::Timed(t) if t.is_sse() => t.last_sent,
            _ => return None,
        };
        self.shared.timeouts.sse_heartbeat.deadline(last_sent)
    }

    /// A pushed or timed body is being sent (and no request body streams in): the SSE
    /// heartbeat, not a phase timer, applies.
    fn sending_live_body(&self) -> bool {
        (self.has_pipe() || self.has_timed()) && !self.streaming_body()
    }

    /// The session's own timer apart from a timed body's wake-up: the SSE heartbeat while
    /// a live body is sent, else the phase's.
    fn phase_deadline(&self) -> Option<Instant> {
        if self.sending_live_body() {
            return self.heartbeat_deadline();
        }
        let t = &self.shared.timeouts;
        let t = match self.phase {
            Phase::Idle => t.keep_alive_idle,
            Phase::Head => t.request_head,
            Phase::Body => t.body_idle_gap,
            Phase::None => return None,
        };
        t.deadline(self.since)
    }

    /// The timer phase from the engine's state. While output waits (in the engine, or in
    /// the loop's socket backlog, `backed_up`) the peer is not to blame for a slow next
    /// request: no peer timer runs then (the loop's write-stall timer does).
    fn update_phase(&mut self, now: Instant, backed_up: bool) {
        let phase = if self.streaming_body() {
            // The peer is to blame for a slow body only while the reader has room.
            if self.feed_has_room() {
                Phase::Body
            } else {
                Phase::None
            }
        } else if backed_up
            || self.conn.wants_write()
            || self.has_stream()
            || self.has_pipe()
            || self.has_timed()
        {
            Phase::None
        } else {
            match self.conn.state() {
                ConnState::Idle => Phase::Idle,
                ConnState::AwaitingHead { .. } => Phase::Head,
                ConnState::ReadingBody => Phase::Body,
                _ => Phase::None,
            }
        };
        if phase != self.phase {
            self.phase = phase;
            self.since = now;
        }
    }
}

impl Session for H1Session {
    type Engine = ServerConn;
    type Pooled = Buffers;

    fn engine(&self) -> &ServerConn {
        &self.conn
    }

    fn engine_mut(&mut self) -> &mut ServerConn {
        &mut self.conn
    }

    fn prepare(&mut self, cx: &mut Context<'_, Buffers>) {
        if self.conn.heap_size() == 0 && !cx.pool.is_empty() {
            self.conn.put_buffers(cx.pool.get());
        }
    }

    fn process(&mut self, cx: &mut Context<'_, Buffers>) {
        let now = cx.now;
        // The storage of the last request answered here, for the next one (pipelined
        // requests); back to the thread's spare list when dropped.
        let mut spare = None;
        loop {
            // A streamed request body keeps being read while its response is produced (the
            // handler may answer from what it reads); the next request waits for both.
            let streaming = self.streaming_body();
            if self.has_pipe() {
                self.pump_pipe(cx);
                if self.has_pipe() && !streaming {
                    break;
                }
            }
            if self.has_stream() {
                self.pump_stream();
                if self.has_stream() && !streaming {
                    break;
                }
            }
            if self.has_timed() {
                self.pump_timed(now, cx.backed_up);
                if self.has_timed() && !streaming {
                    break;
                }
            }
            if streaming {
                if !self.feed_has_room() {
                    // The reader is behind: stop taking body bytes (the engine's buffer
                    // fills, then the loop stops reading the socket) until it wakes us.
                    break;
                }
            } else if self.conn.queued() >= STREAM_BUDGET {
                // Output is backed up: answer pipelined requests only once it drains (the
                // loop calls `process` again after each write), so a peer that sends many
                // requests and reads nothing cannot make us queue many responses.
                break;
            }
            let mut complete = None;
            let mut continue_ = false;
            match self.conn.poll_event() {
                Ok(Some(Event::Request(head))) => {
                    continue_ = head.expects_continue();
                    // The engine decided the framing (RFC 9112 section 6.3: a request without
                    // `Content-Length` or `Transfer-Encoding` has no body).
                    let has_body = head.has_body();
                    let mut req = Request::received_in(
                        spare.take(),
                        head.method,
                        head.target,
                        head.headers().map(|h| (h.name, h.value)),
                    );
                    req.fingerprint = cx.fingerprint.cloned();
                    if has_body && self.shared.stream_bodies.applies(&req) {
                        let (feed, body) = reader::channel(reader::FEED_LIMIT);
                        feed.set_waker(cx.waker());
                        req.reader = ReaderSlot::new(body);
                        self.reading = Some(Box::new(Reading::Streamed(feed)));
                        if continue_ {
                            let _ = self.conn.send_continue();
                            continue_ = false;
                        }
                        // Dropped after the call: a reader the handler did not take tells
                        // the feed to drop the body.
                        self.respond(&req, now);
                    } else if has_body {
                        self.reading = Some(Box::new(Reading::Whole(req)));
                    } else {
                        // The head is the whole request (its `End` follows and finds no
                        // reading to finish): answered at once, nothing boxed (nor moved).
                        if continue_ {
                            let _ = self.conn.send_continue();
                            continue_ = false;
                        }
                        self.respond(&req, now);
                        spare = req.into_storage();
                    }
                }
                Ok(Some(Event::Data(d))) => {
                    match self.reading.as_deref_mut() {
                        Some(Reading::Whole(r)) => r.store.body.extend_from_slice(d),
                        Some(Reading::Streamed(f)) => f.push(Bytes::copy_from_slice(d)),
                        None => {}
                    }
                    // A piece arrived: the body-gap timer starts over.
                    self.since = now;
                }
                Ok(Some(Event::End { trailers })) => match self.reading.take().map(|r| *r) {
                    Some(Reading::Whole(mut r)) => {
                        r.store.trailers = trailers
                            .iter()
                            .map(|h| (h.name.to_owned(), h.value.to_vec()))
                            .collect();
                        complete = Some(r);
                    }
                    Some(Reading::Streamed(f)) => f.finish(),
                    None => {}
                },
                Ok(Some(Event::Upgrade(rest))) => {
                    if let Some(Answer::Switch(s)) = self.answer.as_deref_mut() {
                        s.rest = Some(rest.to_vec());
                    }
                }
                Ok(Some(_)) => {}
                // Nothing more now.
                Ok(None) => break,
                // A peer error whose reply the engine queued: a streamed body is cut.
                Err(_) => {
                    self.reading = None;
                    break;
                }
            }
            if continue_ {
                let _ = self.conn.send_continue();
            }
            if let Some(req) = complete {
                self.respond(&req, now);
                spare = req.into_storage();
            }
        }
        if cx.draining {
            self.conn.shutdown();
        }
        self.update_phase(now, cx.backed_up);
        if self.phase == Phase::Idle
            && !self.conn.wants_write()
            && let Some(b) = self.conn.take_buffers()
        {
            cx.pool.put(b);
        }
    }

    fn poll_timeout(&self) -> Option<Instant> {
        match (self.phase_deadline(), self.timed_deadline()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn handle_timeout(&mut self, cx: &mut Context<'_, Buffers>) {
        // A timed body's wake-up needs nothing here: `process`, which the loop calls next,
        // calls its producer.
        if self.sending_live_body() {
            if self.heartbeat_deadline().is_some_and(|d| d <= cx.now) {
                // Quiet for the heartbeat timeout: a comment keeps the stream alive (and finds
                // out whether the client is still there). Not while output waits anyway.
                if self.conn.queued() == 0
                    && self.conn.send_data_bytes(writer::heartbeat()).is_err()
                {
                    self.answer = None;
                    self.conn.send_timeout();
                }
                match self.answer.as_deref_mut() {
                    Some(Answer::Pipe(p)) => p.last_sent = Some(cx.now),
                    Some(Answer::Timed(t)) => t.last_sent = cx.now,
                    _ => {}
                }
            }
            return;
        }
        if self.phase_deadline().is_some_and(|d| d <= cx.now) {
            // Idle: close without a reply; head or body: 408, then close (a streamed body's
            // reader sees it cut).
            self.conn.send_timeout();
            self.reading = None;
            self.answer = None;
            self.phase = Phase::None;
        }
    }

    fn shutdown(&mut self, cx: &mut Context<'_, Buffers>) {
        self.conn.shutdown();
        self.process(cx);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::buffer::Pool;
    use crate::engine::Engine;
    use crate::timer::Timeouts;

    fn session(now: Instant) -> H1Session {
        let handler: Handler = Arc::new(|r: &Request| Response::text(200, r.target().to_owned()));
        let shared = Shared {
            h1: proto_h1::ConnConfig::default(),
            timeouts: Timeouts::default(),
            max_body: 1 << 20,
            h2c: false,
            handler,
            fingerprint: false,
            stream_bodies: super::super::BodyStreaming::Never,
        };
        H1Session::new(Arc::new(shared), now)
    }

    /// A request carries the fingerprint its wrapping session (TLS) put in the context,
    /// the same `Arc` for every request of the connection.
    #[test]
    fn request_gets_the_context_fingerprint() {
        use crate::fingerprint::{ClientFingerprint, TlsFingerprint};
        let now = Instant::now();
        let handler: Handler = Arc::new(|r: &Request| {
            let ja4 = r
                .fingerprint()
                .and_then(|f| f.tls.as_ref())
                .map(|t| t.ja4.clone());
            Response::text(200, ja4.unwrap_or_else(|| "none".to_owned()))
        });
        let shared = Shared {
            h1: proto_h1::ConnConfig::default(),
            timeouts: Timeouts::default(),
            max_body: 1 << 20,
            h2c: false,
            handler,
            fingerprint: true,
            stream_bodies: super::super::BodyStreaming::Never,
        };
        let mut s = H1Session::new(Arc::new(shared), now);
        let fp = Arc::new(ClientFingerprint {
            tls: Some(TlsFingerprint {
                ja4: "t13d_x".to_owned(),
                ..TlsFingerprint::default()
            }),
            h2: None,
        });
        let mut pool: Pool<Buffers> = Pool::new(4, 1 << 20);
        let mut cx = Context {
            now,
            pool: &mut pool,
            draining: false,
            backed_up: false,
            fingerprint: Some(&fp),
            wake: None,
        };
        s.engine_mut()
            .recv(b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        s.process(&mut cx);
        assert!(flush(&mut s, now).ends_with(b"t13d_x"));
        cx.fingerprint = None;
        s.engine_mut()
            .recv(b"GET /b HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        s.process(&mut cx);
        assert!(flush(&mut s, now).ends_with(b"none"));
    }

    fn flush(s: &mut H1Session, now: Instant) -> Vec<u8> {
        let mut out = Vec::new();
        while s.engine().wants_write() {
            if let Some(p) = Engine::poll_transmit(s.engine_mut(), now, &mut out) {
                out.extend_from_slice(&p);
            }
        }
        out
    }

    /// After its response is written, an idle keep-alive connection gives its buffers to
    /// the loop's pool and holds no heap; the next request borrows them back.
    #[test]
    fn idle_connection_returns_buffers_to_pool() {
        let now = Instant::now();
        let mut pool: Pool<Buffers> = Pool::new(4, 1 << 20);
        let mut s = session(now);
        let mut cx = Context {
            now,
            pool: &mut pool,
            draining: false,
            backed_up: false,
            fingerprint: None,
            wake: None,
        };
        s.prepare(&mut cx);
        s.engine_mut()
            .recv(b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        s.process(&mut cx);
        let out = flush(&mut s, now);
        assert!(out.starts_with(b"HTTP/1.1 200 OK\r\n"));
        assert!(out.ends_with(b"/a"));
        s.process(&mut cx);
        assert_eq!(s.engine().heap_size(), 0);
        assert_eq!(cx.pool.len(), 1);
        // The keep-alive idle timer runs.
        assert_eq!(
            s.poll_timeout(),
            Timeouts::default().keep_alive_idle.deadline(now)
        );
        s.prepare(&mut cx);
        assert!(cx.pool.is_empty());
        s.engine_mut()
            .recv(b"GET /b HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        s.process(&mut cx);
        assert!(flush(&mut s, now).ends_with(b"/b"));
    }

    /// A head that started arriving runs the request-head timer; when it fires the engine
    /// queues 408 and closes.
    #[test]
    fn head_timer_gives_408() {
        let now = Instant::now();
        let mut pool: Pool<Buffers> = Pool::new(4, 1 << 20);
        let mut s = session(now);
        let later = now + std::time::Duration::from_secs(1);
        let mut cx = Context {
            now: later,
            pool: &mut pool,
            draining: false,
            backed_up: false,
            fingerprint: None,
            wake: None,
        };
        s.engine_mut().recv(b"GET / HTTP/1.1\r\nHo").unwrap();
        s.process(&mut cx);
        let deadline = s.poll_timeout().unwrap();
        assert_eq!(
            Some(deadline),
            Timeouts::default().request_head.deadline(later)
        );
        cx.now = deadline;
        s.handle_timeout(&mut cx);
        assert!(s.engine().is_closed());
        assert!(flush(&mut s, deadline).starts_with(b"HTTP/1.1 408 "));
        assert_eq!(s.poll_timeout(), None);
    }
}
