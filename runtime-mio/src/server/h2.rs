//! HTTP/2 glue: a [`Session`] around proto-h2's [`Connection`] that collects each stream's
//! request, calls the handler and sends its response as flow control allows.
//!
//! A handler panic resets its stream with RST_STREAM(INTERNAL_ERROR); the other streams and
//! the connection go on. Bodies are offered to the engine's bounded send queue: what it does
//! not take waits for [`Event::SendReady`], and a streamed body is pulled only then, so a
//! slow reader costs bounded memory. The engine's own timers (idle GOAWAY, keep-alive PING)
//! are set from the [`Timeouts`] table and join the loop's timers through
//! [`Engine::poll_timeout`](crate::engine::Engine::poll_timeout).
//!
//! A request body that stops arriving is ended per stream by
//! [`Timeouts::body_idle_gap`] (408 while it is being collected, RST_STREAM CANCEL when it
//! streams to a handler's reader): the connection's own timers cannot, since other streams,
//! PINGs or any frame keep the connection alive.
//!
//! The server advertises SETTINGS_ENABLE_CONNECT_PROTOCOL, so WebSocket runs over HTTP/2
//! streams too (RFC 8441, see [`ws`]).

mod ws;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use proto_h2::conn::{Config, Connection, Event, Hibernated, Role};
use proto_h2::frame::{ErrorCode, StreamId};
use proto_h2::id_hash::StreamMap;
use proto_h2::settings::id as setting;

use super::h1::Handler;
use super::message::{Body, ReaderSlot, Request, Response};
use super::reader::{self, BodyFeed, BodyStreaming};
use super::timed::{Step, Timed};
use super::writer::{self, BodyReceiver};
use crate::event_loop::{ConnWaker, Context, Session};
use crate::fingerprint::{ClientFingerprint, H2Fingerprint};
use crate::timer::{Timeout, Timeouts};

/// Fields that are connection-specific in HTTP/1.1 and malformed in HTTP/2 (RFC 9113 8.2.2).
const HOP_BY_HOP: [&str; 5] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "upgrade",
];

/// What a stream is doing.
enum Stream {
    /// Reading the request body.
    Reading(Request),
    /// Sending the response body: the piece in hand, then the rest of a streamed body.
    Sending { piece: Bytes, rest: Option<Source> },
    /// A WebSocket (RFC 8441) runs on the stream.
    WebSocket(Box<ws::WsStream>),
}

/// Where the rest of a response body comes from.
enum Source {
    /// A streamed body ([`Body::Stream`]).
    Iter(Box<dyn Iterator<Item = Bytes> + Send>),
    /// A pushed body ([`Body::Writer`]), with when its bytes were last queued (the SSE
    /// heartbeat timer runs from there).
    Pipe {
        rx: BodyReceiver,
        last_sent: Instant,
    },
    /// A timed body ([`Body::Timed`]).
    Timed(Timed),
}

/// One HTTP/2 server connection.
pub struct H2Session {
    conn: Connection,
    handler: Handler,
    streams: StreamMap<Stream>,
    /// Graceful shutdown began (GOAWAY queued once).
    going_away: bool,
    /// Compute the client's fingerprint at the first request
    /// ([`ServerConfig::fingerprint`](super::ServerConfig::fingerprint)).
    pub(crate) fingerprint: bool,
    /// The client's fingerprint, computed at the first request, shared by every request.
    client: Option<Arc<ClientFingerprint>>,
    /// Streams with a pushed or timed body ([`Body::Writer`], [`Body::Timed`]): pumped at
    /// every `process` (a wake-up, output that drained, a timer).
    piped: Vec<u32>,
    /// Wakes the loop for this connection (from the first [`Context`]).
    waker: Option<ConnWaker>,
    /// The loop's clock at the last call.
    now: Instant,
    /// The loop held output of this connection that the socket had not taken, at the last
    /// call: timed bodies are not called then.
    backed_up: bool,
    /// The SSE heartbeat timeout ([`Timeouts::sse_heartbeat`]).
    heartbeat: Timeout,
    /// How long a WebSocket peer has to answer our Close.
    ws_close: Timeout,
    /// Which requests' bodies are streamed to the handler.
    pub(crate) stream_bodies: BodyStreaming,
    /// Request bodies being streamed to handlers' readers, by stream.
    uploads: StreamMap<Upload>,
    /// Since when no stream is open (the connection's memory is given back after
    /// `shrink_after` of it); `None` while streams are open or once it was given back.
    idle_since: Option<Instant>,
    /// Response field names lowered for HTTP/2, reused from one response to the next.
    name_scratch: Vec<u8>,
    /// [`Timeouts::body_idle_gap`]: the longest wait for a request body's next DATA.
    body_gap: Timeout,
    /// Streams whose request body is still arriving, with when their last DATA came (or
    /// when the session last held the client back: the clock restarts then).
    receiving: StreamMap<Instant>,
    /// How long the connection stays without an open stream before its memory is given back
    /// and it may hibernate: no time at all the first time (a connection that made its
    /// request and now waits, the usual idle keep-alive connection, never holds its working
    /// memory beyond the loop's turn), [`SHRINK_AFTER`] once it has woken from hibernation or
    /// the first attempt was refused (a connection that comes back keeps its memory across
    /// short pauses instead of rebuilding it each time).
    shrink_after: Duration,
    /// The memory was given back after `shrink_after` without a stream: the server may
    /// hibernate the connection ([`H2Session::hibernate`]).
    hibernate_due: bool,
    /// A hibernation was refused: the next `process` that finds the connection idle arms the
    /// idle timer again even though the memory was already given back.
    retry_hibernate: bool,
}

/// Response fields written from a stack array (more spill to the heap).
const INLINE_FIELDS: usize = 32;

/// How long an HTTP/2 connection stays without an open stream before it gives back its
/// buffers, HPACK rings and caches ([`Connection::shrink`]; they start small and grow with
/// use, so a few KiB after small requests, up to some 40 KiB after large header sets) and
/// may hibernate, once it has woken from hibernation before (the first time it does so at
/// once): long enough that a client sending one request after another does not pay for
/// regrowing them each time.
const SHRINK_AFTER: std::time::Duration = std::time::Duration::from_secs(1);

/// A request body streamed to its handler's reader.
struct Upload {
    feed: BodyFeed,
    /// The client ended the stream: the body is complete once its buffered DATA is read.
    ended: bool,
}

impl std::fmt::Debug for H2Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("H2Session")
            .field("streams", &self.streams.len())
            .finish_non_exhaustive()
    }
}

impl H2Session {
    /// A session for a connection that sent (or is sending) the HTTP/2 preface.
    #[must_use]
    pub fn new(timeouts: &Timeouts, max_body: u64, handler: Handler, now: Instant) -> Self {
        let conn = Connection::new(Role::Server, Self::config(timeouts, max_body), now);
        Self::with_connection(conn, timeouts, handler, now)
    }

    /// The session of a connection that hibernated ([`H2Session::hibernate`]), woken at
    /// `now`, with the server's timeouts, body limit and handler (as [`H2Session::new`]
    /// was given them).
    #[must_use]
    pub(crate) fn wake(
        asleep: Hibernated,
        timeouts: &Timeouts,
        max_body: u64,
        handler: Handler,
        now: Instant,
    ) -> Self {
        let conn = asleep.wake(Self::config(timeouts, max_body), now);
        let mut s = Self::with_connection(conn, timeouts, handler, now);
        s.shrink_after = SHRINK_AFTER;
        s
    }

    /// The engine configuration of every server connection.
    fn config(timeouts: &Timeouts, max_body: u64) -> Config {
        let mut config = Config::server();
        config.idle_timeout = timeouts.h2_idle.duration();
        config.keepalive_interval = timeouts.h2_ping.duration();
        // Unlimited: until the client closes (`Duration::MAX` never passes).
        config.goaway_grace = Some(timeouts.h2_goaway_grace.duration().unwrap_or(Duration::MAX));
        config.limits.max_request_body = Some(max_body);
        // RFC 8441: extended CONNECT (WebSocket over HTTP/2).
        config.settings.push((setting::ENABLE_CONNECT_PROTOCOL, 1));
        config
    }

    fn with_connection(
        conn: Connection,
        timeouts: &Timeouts,
        handler: Handler,
        now: Instant,
    ) -> Self {
        H2Session {
            shrink_after: Duration::ZERO,
            hibernate_due: false,
            retry_hibernate: false,
            conn,
            handler,
            streams: StreamMap::default(),
            going_away: false,
            fingerprint: false,
            client: None,
            piped: Vec::new(),
            waker: None,
            now,
            backed_up: false,
            heartbeat: timeouts.sse_heartbeat,
            ws_close: timeouts.ws_close,
            stream_bodies: BodyStreaming::Never,
            uploads: StreamMap::default(),
            idle_since: None,
            name_scratch: Vec::new(),
            body_gap: timeouts.body_idle_gap,
            receiving: StreamMap::default(),
        }
    }

    /// Whether the connection has been idle long enough to hibernate
    /// ([`H2Session::hibernate`]): set when its memory was given back after `shrink_after`
    /// without a stream.
    pub(crate) fn hibernate_due(&self) -> bool {
        self.hibernate_due
    }

    /// The connection in its most compact form ([`Hibernated`], a few hundred bytes, most of
    /// them inline) when nothing is in flight: no stream of the engine's or the session's, no
    /// upload, pipe or body being received, no shutdown begun, and the engine idle
    /// ([`Connection::can_hibernate`]). Everything else the session holds is rebuilt by
    /// [`H2Session::wake`] (the client fingerprint is computed again from the engine's, which
    /// is kept).
    ///
    /// # Errors
    /// The session itself, unchanged, when something is in flight.
    pub(crate) fn hibernate(self: Box<Self>) -> Result<Hibernated, Box<Self>> {
        if self.going_away
            || !self.streams.is_empty()
            || !self.uploads.is_empty()
            || !self.piped.is_empty()
            || !self.receiving.is_empty()
            || !self.conn.can_hibernate()
        {
            return Err(self);
        }
        let mut s = *self;
        match s.conn.hibernate() {
            Ok(asleep) => Ok(asleep),
            Err(conn) => {
                s.conn = *conn;
                Err(Box::new(s))
            }
        }
    }

    /// [`H2Session::hibernate`] refused (the client has not yet acknowledged our SETTINGS,
    /// say: its ACK often comes just after the response it arrived with): tried again at the
    /// next call to `process` that finds the connection idle, that is after the client's
    /// next bytes (never at every turn of the loop on its own).
    pub(crate) fn hibernate_refused(&mut self) {
        self.hibernate_due = false;
        self.retry_hibernate = true;
    }

    /// Gives the connection's memory back ([`Connection::shrink`]) and marks it due to
    /// hibernate, when the engine agrees (nothing half-received or waiting to be written);
    /// whether it did.
    fn give_back(&mut self) -> bool {
        if !self.conn.shrink() {
            return false;
        }
        self.name_scratch = Vec::new();
        self.idle_since = None;
        self.hibernate_due = true;
        self.streams = StreamMap::default();
        self.uploads = StreamMap::default();
        self.piped = Vec::new();
        self.receiving = StreamMap::default();
        true
    }

    /// Calls the handler for `req` and starts its response; `protocol` is the `:protocol`
    /// of an extended CONNECT.
    fn respond(&mut self, id: StreamId, req: &Request, protocol: Option<&[u8]>) {
        let handler = &self.handler;
        let Ok(resp) = catch_unwind(AssertUnwindSafe(|| handler(req))) else {
            let _ = self.conn.reset(id, ErrorCode::INTERNAL_ERROR);
            return;
        };
        if let Body::WebSocket(handler) = resp.body {
            self.accept_ws(id, req, protocol, handler, &resp.ws_protocols);
            return;
        }
        let Response {
            status,
            headers,
            body,
            ..
        } = resp;
        let head_only = req.method() == "HEAD" || status == 204 || status == 304;
        // Names go out in lowercase: the ones that have capitals are lowered into one
        // scratch buffer (kept across responses), the rest are borrowed; the field list is on
        // the stack for the usual few. No allocation per response once warm.
        let mut lowered = std::mem::take(&mut self.name_scratch);
        lowered.clear();
        let kept = || {
            headers
                .iter()
                .filter(|(n, _)| !HOP_BY_HOP.iter().any(|h| n.eq_ignore_ascii_case(h)))
        };
        for (n, _) in kept() {
            if n.bytes().any(|b| b.is_ascii_uppercase()) {
                lowered.extend(n.bytes().map(|b| b.to_ascii_lowercase()));
            }
        }
        let mut inline: [(&[u8], &[u8]); INLINE_FIELDS] = [(b"", b""); INLINE_FIELDS];
        let mut spilled = Vec::new();
        let fields: &mut [(&[u8], &[u8])] = if headers.len() < INLINE_FIELDS {
            &mut inline[..]
        } else {
            spilled.resize(headers.len() + 1, (&b""[..], &b""[..]));
            &mut spilled[..]
        };
        let mut count = 0;
        let mut at = 0;
        for (n, v) in kept() {
            let name: &[u8] = if n.bytes().any(|b| b.is_ascii_uppercase()) {
                at += n.len();
                &lowered[at - n.len()..at]
            } else {
                n.as_bytes()
            };
            fields[count] = (name, v);
            count += 1;
        }
        let has_length = fields[..count].iter().any(|(n, _)| *n == b"content-length");
        let mut len_buf = [0u8; 20];
        if let Body::Full(b) = &body
            && !has_length
            && !head_only
        {
            fields[count] = (
                b"content-length",
                crate::decimal::decimal_bytes(b.len() as u64, &mut len_buf),
            );
            count += 1;
        }
        let empty = head_only || matches!(&body, Body::Full(b) if b.is_empty());
        let sent = self.conn.send_response(id, status, &fields[..count], empty);
        self.name_scratch = lowered;
        if sent.is_err() {
            let _ = self.conn.reset(id, ErrorCode::INTERNAL_ERROR);
            return;
        }
        if empty {
            return;
        }
        let (piece, rest) = match body {
            Body::Full(b) => (b, None),
            Body::Stream(s) => (Bytes::new(), Some(Source::Iter(s))),
            Body::Writer(rx) => {
                rx.set_waker(self.waker.clone());
                self.piped.push(id.value());
                (
                    Bytes::new(),
                    Some(Source::Pipe {
                        rx,
                        last_sent: self.now,
                    }),
                )
            }
            Body::Timed(t) => {
                self.piped.push(id.value());
                (Bytes::new(), Some(Source::Timed(Timed::new(t, self.now))))
            }
            Body::WebSocket(_) => return,
        };
        self.streams
            .insert(id.value(), Stream::Sending { piece, rest });
        self.pump(id);
    }

    /// Offers stream `id`'s body to the engine until its send queue is full or the body is
    /// done.
    fn pump(&mut self, id: StreamId) {
        if self.is_ws(id) {
            self.ws_pump(id);
            return;
        }
        let Some(Stream::Sending { piece, rest }) = self.streams.get_mut(&id.value()) else {
            return;
        };
        loop {
            if piece.is_empty() {
                match rest {
                    None => break,
                    Some(Source::Iter(s)) => match catch_unwind(AssertUnwindSafe(|| s.next())) {
                        Ok(Some(p)) => {
                            *piece = p;
                            continue;
                        }
                        Ok(None) => *rest = None,
                        Err(_) => {
                            let _ = self.conn.reset(id, ErrorCode::INTERNAL_ERROR);
                            self.streams.remove(&id.value());
                            return;
                        }
                    },
                    Some(Source::Pipe { rx, last_sent }) => {
                        // Take only what the stream can queue now: the rest stays in the
                        // writer's bounded queue, holding the writer back.
                        let room = self.conn.send_room(id);
                        if room == 0 {
                            return;
                        }
                        match rx.poll(room) {
                            writer::Poll::Data(p) => {
                                *last_sent = self.now;
                                *piece = p;
                                continue;
                            }
                            writer::Poll::Pending => return,
                            writer::Poll::End => *rest = None,
                            writer::Poll::Aborted => {
                                let _ = self.conn.reset(id, ErrorCode::INTERNAL_ERROR);
                                self.streams.remove(&id.value());
                                return;
                            }
                        }
                    }
                    Some(Source::Timed(t)) => {
                        // Called only while the stream can queue something and the socket
                        // takes what is queued: a client that stops reading (its window
                        // closed, or the socket backed up) stops the calls.
                        if !t.due(self.now) {
                            // Its deadline is among the session's timers.
                            return;
                        }
                        if self.backed_up || self.conn.send_room(id) == 0 {
                            t.block();
                            if !self.backed_up {
                                // `SendReady` when the window opens.
                                let _ = self.conn.notify_send_ready(id);
                            }
                            return;
                        }
                        match t.step(self.now) {
                            Step::Data(p) => {
                                *piece = p;
                                continue;
                            }
                            Step::Wait => return,
                            Step::Last(p) => {
                                *piece = p;
                                *rest = None;
                                if !piece.is_empty() {
                                    continue;
                                }
                            }
                            Step::Abort => {
                                let _ = self.conn.reset(id, ErrorCode::INTERNAL_ERROR);
                                self.streams.remove(&id.value());
                                return;
                            }
                        }
                    }
                }
                break;
            }
            let last = rest.is_none();
            match self.conn.send_data(id, piece.clone(), last) {
                Ok(n) if n == piece.len() => {
                    *piece = Bytes::new();
                    if last {
                        self.streams.remove(&id.value());
                        return;
                    }
                }
                Ok(n) => {
                    // The queue is full: the rest waits for `SendReady`.
                    *piece = piece.slice(n..);
                    return;
                }
                Err(_) => {
                    // The stream cannot take it (reset by the peer, or the body disagrees
                    // with its content-length): reset it.
                    let _ = self.conn.reset(id, ErrorCode::INTERNAL_ERROR);
                    self.streams.remove(&id.value());
                    return;
                }
            }
        }
        // A streamed body ended with an empty piece in hand: end the stream.
        if rest.is_none() {
            if self.conn.send_data(id, Bytes::new(), true).is_err() {
                let _ = self.conn.reset(id, ErrorCode::INTERNAL_ERROR);
            }
            self.streams.remove(&id.value());
        }
    }

    /// The connection's fingerprint for a request: computed at the first one (the HTTP/2
    /// preface is complete then), with the TLS part a wrapping session computed.
    fn client_fingerprint(
        &mut self,
        tls: Option<&Arc<ClientFingerprint>>,
    ) -> Option<Arc<ClientFingerprint>> {
        if !self.fingerprint {
            return None;
        }
        if self.client.is_none() {
            self.client = Some(Arc::new(ClientFingerprint {
                tls: tls.and_then(|f| f.tls.clone()),
                h2: Some(H2Fingerprint::of(self.conn.peer_fingerprint())),
            }));
        }
        self.client.clone()
    }

    fn request_of<'a>(head: &'a proto_h2::head::Head) -> Request {
        let text = |v: Option<&'a [u8]>| String::from_utf8_lossy(v.unwrap_or_default());
        let method = text(head.method());
        // An extended CONNECT (RFC 8441) names its target in `:path`, a plain one in
        // `:authority`.
        let target = if method == "CONNECT" && head.protocol().is_none() {
            text(head.authority())
        } else {
            text(head.path())
        };
        // Names arrive validated (lowercase tokens), so the lossy view never copies.
        Request::received(
            &method,
            &target,
            head.headers()
                .map(|(n, v)| (std::str::from_utf8(n).unwrap_or("invalid-field-name"), v)),
        )
    }
}

impl Session for H2Session {
    type Engine = Connection;
    type Pooled = proto_h1::Buffers;

    fn engine(&self) -> &Connection {
        &self.conn
    }

    fn engine_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }

    fn process(&mut self, cx: &mut Context<'_, proto_h1::Buffers>) {
        self.now = cx.now;
        self.backed_up = cx.backed_up;
        if self.waker.is_none() {
            self.waker = cx.waker();
        }
        if cx.draining && !self.going_away {
            // Once: each call may queue another GOAWAY (the graceful sequence is two, the
            // second after a PING round trip, which the engine drives itself).
            self.going_away = true;
            let _ = self.conn.go_away(ErrorCode::NO_ERROR);
            self.ws_shutdown();
        }
        while let Some(ev) = self.conn.poll_event() {
            match ev {
                Event::Request {
                    stream,
                    head,
                    end_stream,
                } => {
                    let mut req = Self::request_of(&head);
                    req.fingerprint = self.client_fingerprint(cx.fingerprint);
                    if let Some(p) = head.protocol() {
                        // An extended CONNECT: answered now, its DATA is the tunnel's.
                        self.respond(stream, &req, Some(p));
                    } else if end_stream {
                        self.respond(stream, &req, None);
                    } else {
                        // RFC 9110 10.1.1: a server that reads the body SHOULD send `100
                        // Continue` to a client that waits for it (HEADERS with :status
                        // 100, RFC 9113 8.1) before it answers. `Expect` is a list.
                        let expects = head.headers().any(|(n, v)| {
                            n.eq_ignore_ascii_case(b"expect")
                                && proto_h1::has_token(v, "100-continue")
                        });
                        if expects {
                            let _ = self.conn.send_response(stream, 100, &[], false);
                        }
                        self.receiving.insert(stream.value(), cx.now);
                        if self.stream_bodies.applies(&req) {
                            let (feed, body) = reader::channel(reader::FEED_LIMIT);
                            feed.set_waker(self.waker.clone());
                            self.uploads
                                .insert(stream.value(), Upload { feed, ended: false });
                            req.reader = ReaderSlot::new(body);
                            self.respond(stream, &req, None);
                        } else {
                            self.streams.insert(stream.value(), Stream::Reading(req));
                        }
                    }
                    // Copied into the request: its memory takes the next head.
                    self.conn.recycle_head(head);
                }
                Event::Data {
                    stream, end_stream, ..
                } if self.is_ws(stream) => {
                    if end_stream {
                        self.ws_peer_ended(stream);
                    } else {
                        self.ws_pump(stream);
                    }
                }
                Event::Trailers { stream, .. } if self.is_ws(stream) => {
                    self.ws_peer_ended(stream);
                }
                Event::Data {
                    stream, end_stream, ..
                } if self.uploads.contains_key(&stream.value()) => {
                    self.body_arrived(stream, end_stream, cx.now);
                    if end_stream && let Some(u) = self.uploads.get_mut(&stream.value()) {
                        u.ended = true;
                    }
                    self.pump_upload(stream);
                }
                Event::Trailers { stream, .. } if self.uploads.contains_key(&stream.value()) => {
                    self.body_arrived(stream, true, cx.now);
                    if let Some(u) = self.uploads.get_mut(&stream.value()) {
                        u.ended = true;
                    }
                    self.pump_upload(stream);
                }
                Event::Data {
                    stream, end_stream, ..
                } => {
                    self.body_arrived(stream, end_stream, cx.now);
                    while let Some(b) = self.conn.read_data(stream) {
                        if let Some(Stream::Reading(r)) = self.streams.get_mut(&stream.value()) {
                            r.store.body.extend_from_slice(&b);
                        }
                    }
                    if end_stream {
                        self.finish_request(stream);
                    }
                }
                Event::Trailers { stream, fields } => {
                    if let Some(Stream::Reading(req)) = self.streams.get_mut(&stream.value()) {
                        req.store.trailers = fields
                            .headers()
                            .map(|(n, v)| (String::from_utf8_lossy(n).into_owned(), v.to_vec()))
                            .collect();
                    }
                    self.finish_request(stream);
                }
                Event::Reset { stream, .. } => {
                    self.receiving.remove(&stream.value());
                    self.streams.remove(&stream.value());
                    // A streamed body's reader sees it cut.
                    self.uploads.remove(&stream.value());
                }
                Event::SendReady { stream } => self.pump(stream),
                _ => {}
            }
        }
        self.pump_piped();
        self.pump_uploads();
        if self.conn.stream_count() > 0 || !self.streams.is_empty() || !self.uploads.is_empty() {
            self.idle_since = None;
            self.hibernate_due = false;
        } else if self.idle_since.is_none()
            && (self.conn.heap_size() > 0 || std::mem::take(&mut self.retry_hibernate))
        {
            self.idle_since = Some(cx.now);
        }
        // The first time (`shrink_after` zero) the memory goes back as soon as the engine
        // lets it (its output written, nothing half-received): in this call, not at the
        // loop's next turn, when every connection served in this turn would still hold its
        // buffers and tables at once (some 8 KiB each; a client opening connections by the
        // hundred made that the server's high-water mark). When the engine refuses, the
        // timer at `idle_since` tries again as before.
        if self.shrink_after.is_zero() && self.idle_since.is_some() {
            self.give_back();
        }
    }

    fn poll_timeout(&self) -> Option<Instant> {
        // The engine's own timers (idle, PING, stalls) cover HTTP/2; the session's own are
        // the SSE heartbeats of its pushed SSE bodies and the WebSocket streams' close
        // handshakes.
        let heartbeat = self
            .piped
            .iter()
            .filter_map(|id| match self.streams.get(id) {
                Some(Stream::Sending {
                    rest: Some(Source::Pipe { rx, last_sent }),
                    ..
                }) if rx.is_sse() => self.heartbeat.deadline(*last_sent),
                Some(Stream::Sending {
                    rest: Some(Source::Timed(t)),
                    ..
                }) if t.is_sse() => self.heartbeat.deadline(t.last_sent),
                _ => None,
            })
            .min();
        // Timed bodies' wake-ups (their producers are called by `process`, which the loop
        // calls after `handle_timeout`).
        let wake = self
            .piped
            .iter()
            .filter_map(|id| match self.streams.get(id) {
                Some(Stream::Sending {
                    rest: Some(Source::Timed(t)),
                    ..
                }) => t.deadline(),
                _ => None,
            })
            .min();
        [
            heartbeat,
            wake,
            self.ws_deadline(),
            self.idle_since.map(|t| t + self.shrink_after),
            self.body_gap_deadline(),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    fn handle_timeout(&mut self, cx: &mut Context<'_, proto_h1::Buffers>) {
        self.now = cx.now;
        self.backed_up = cx.backed_up;
        self.ws_expire(cx.now);
        self.expire_body_gaps(cx.now);
        if self
            .idle_since
            .is_some_and(|t| t + self.shrink_after <= cx.now)
        {
            // Refused while something is half-received or waits to be written: tried again
            // after another idle period.
            self.name_scratch = Vec::new();
            if !self.give_back() {
                self.idle_since = Some(cx.now);
                self.shrink_after = SHRINK_AFTER;
            }
        }
        let hb = self.heartbeat;
        if hb == Timeout::Unlimited {
            return;
        }
        let mut failed = Vec::new();
        for &id in &self.piped {
            let (piece, last_sent) = match self.streams.get_mut(&id) {
                Some(Stream::Sending {
                    piece,
                    rest: Some(Source::Pipe { rx, last_sent }),
                }) if rx.is_sse() => (piece, last_sent),
                Some(Stream::Sending {
                    piece,
                    rest: Some(Source::Timed(t)),
                }) if t.is_sse() => (piece, &mut t.last_sent),
                _ => continue,
            };
            // No deadline (one past what the clock can reach) never comes.
            if hb.deadline(*last_sent).is_none_or(|at| at > cx.now) {
                continue;
            }
            *last_sent = cx.now;
            // Quiet for the heartbeat timeout: a comment, unless body bytes wait anyway.
            if piece.is_empty() {
                let beat = writer::heartbeat();
                match self.conn.send_data(StreamId::new(id), beat.clone(), false) {
                    Ok(n) => *piece = beat.slice(n..),
                    Err(_) => {
                        let _ = self
                            .conn
                            .reset(StreamId::new(id), ErrorCode::INTERNAL_ERROR);
                        failed.push(id);
                    }
                }
            }
        }
        // Streams the engine no longer takes data on: their writers learn it from the
        // dropped receivers.
        for id in failed {
            self.streams.remove(&id);
        }
    }

    fn shutdown(&mut self, cx: &mut Context<'_, proto_h1::Buffers>) {
        self.process(cx);
    }
}

impl H2Session {
    /// Offers the pushed bodies what their writers queued (called after a wake-up), calls
    /// the timed bodies' producers that are due; drops the finished ones from the list.
    fn pump_piped(&mut self) {
        let mut i = 0;
        while i < self.piped.len() {
            let id = self.piped[i];
            if !self.streams.contains_key(&id) {
                self.piped.swap_remove(i);
                continue;
            }
            self.pump(StreamId::new(id));
            i += 1;
        }
    }

    /// Moves stream `stream`'s received DATA to its handler's reader while the reader has
    /// room (what stays in the engine keeps the stream's window closed); completes the body
    /// once the client ended the stream and all of it was read.
    fn pump_upload(&mut self, stream: StreamId) {
        let Some(u) = self.uploads.get_mut(&stream.value()) else {
            return;
        };
        while u.feed.has_room() {
            match self.conn.read_data(stream) {
                Some(b) => u.feed.push(b),
                None => {
                    if u.ended
                        && let Some(u) = self.uploads.remove(&stream.value())
                    {
                        u.feed.finish();
                    }
                    return;
                }
            }
        }
        // The reader is full: the client is held back by us, so its body-gap clock restarts
        // (and stands still while the reader stays full, see `body_gap_deadline`).
        if let Some(t) = self.receiving.get_mut(&stream.value()) {
            *t = self.now;
        }
    }

    /// A request body's DATA (or its end) arrived on `stream`: its body-gap clock restarts,
    /// or stops at the end.
    fn body_arrived(&mut self, stream: StreamId, ended: bool, now: Instant) {
        if ended {
            self.receiving.remove(&stream.value());
        } else if let Some(t) = self.receiving.get_mut(&stream.value()) {
            *t = now;
        }
    }

    /// Whether `id`'s body waits on the client (not on a full reader of ours).
    fn waits_on_client(&self, id: u32) -> bool {
        self.uploads.get(&id).is_none_or(|u| u.feed.has_room())
    }

    /// When the first request body that waits on its client passes the body-gap timeout.
    fn body_gap_deadline(&self) -> Option<Instant> {
        self.receiving
            .iter()
            .filter(|(id, _)| self.waits_on_client(**id))
            .filter_map(|(_, &t)| self.body_gap.deadline(t))
            .min()
    }

    /// Ends the streams whose request body has not moved for the body-gap timeout (the
    /// connection's own timers do not: a client's PINGs or other streams keep it alive). A
    /// body still being collected gets 408 (and, its request being unfinished, the engine's
    /// RST_STREAM NO_ERROR after it); a body streamed to a handler is reset with CANCEL and
    /// its reader sees it cut ([`BodyError::Aborted`](super::BodyError::Aborted)).
    fn expire_body_gaps(&mut self, now: Instant) {
        if self.body_gap == Timeout::Unlimited {
            return;
        }
        let expired: Vec<u32> = self
            .receiving
            .iter()
            .filter(|(id, t)| {
                self.body_gap.deadline(**t).is_some_and(|at| at <= now)
                    && self.waits_on_client(**id)
            })
            .map(|(id, _)| *id)
            .collect();
        for id in expired {
            self.receiving.remove(&id);
            let stream = StreamId::new(id);
            if self.uploads.remove(&id).is_some() {
                self.streams.remove(&id);
                let _ = self.conn.reset(stream, ErrorCode::CANCEL);
            } else if let Some(Stream::Reading(_)) = self.streams.remove(&id) {
                let fields: [(&[u8], &[u8]); 1] = [(b"content-length", b"0")];
                if self.conn.send_response(stream, 408, &fields, true).is_err() {
                    let _ = self.conn.reset(stream, ErrorCode::CANCEL);
                }
            }
        }
    }

    /// Offers every streamed body what arrived (after a reader made room and woke us); drops
    /// the bodies of streams that are gone.
    fn pump_uploads(&mut self) {
        if self.uploads.is_empty() {
            return;
        }
        let ids: Vec<u32> = self.uploads.keys().copied().collect();
        for id in ids {
            let stream = StreamId::new(id);
            if self.conn.stream_state(stream).is_none() && !self.uploads[&id].ended {
                // Closed without an end of stream the session saw (reset, connection error):
                // the reader sees the body cut.
                self.uploads.remove(&id);
                continue;
            }
            self.pump_upload(stream);
        }
    }

    fn finish_request(&mut self, stream: StreamId) {
        self.receiving.remove(&stream.value());
        if let Some(Stream::Reading(req)) = self.streams.remove(&stream.value()) {
            self.respond(stream, &req, None);
        }
    }
}
