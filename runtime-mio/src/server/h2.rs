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
//! The server advertises SETTINGS_ENABLE_CONNECT_PROTOCOL, so WebSocket runs over HTTP/2
//! streams too (RFC 8441, see [`ws`]).

mod ws;

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Instant;

use bytes::Bytes;
use proto_h2::conn::{Config, Connection, Event, Role};
use proto_h2::frame::{ErrorCode, StreamId};
use proto_h2::settings::id as setting;

use super::h1::Handler;
use super::message::{Body, Request, Response};
use crate::event_loop::{Context, Session};
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
    Sending {
        piece: Bytes,
        rest: Option<Box<dyn Iterator<Item = Bytes> + Send>>,
    },
    /// A WebSocket (RFC 8441) runs on the stream.
    WebSocket(Box<ws::WsStream>),
}

/// One HTTP/2 server connection.
pub struct H2Session {
    conn: Connection,
    handler: Handler,
    streams: HashMap<u32, Stream>,
    /// Graceful shutdown began (GOAWAY queued once).
    going_away: bool,
    /// How long a WebSocket peer has to answer our Close.
    ws_close: Timeout,
    /// The loop's clock at the last `process`.
    now: Instant,
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
        let mut config = Config::server();
        config.idle_timeout = timeouts.h2_idle.duration();
        config.keepalive_interval = timeouts.h2_ping.duration();
        config.limits.max_request_body = Some(max_body);
        // RFC 8441: extended CONNECT (WebSocket over HTTP/2).
        config.settings.push((setting::ENABLE_CONNECT_PROTOCOL, 1));
        H2Session {
            conn: Connection::new(Role::Server, config, now),
            handler,
            streams: HashMap::new(),
            going_away: false,
            ws_close: timeouts.ws_close,
            now,
        }
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
        let lower: Vec<(Vec<u8>, &[u8])> = headers
            .iter()
            .filter(|(n, _)| !HOP_BY_HOP.iter().any(|h| n.eq_ignore_ascii_case(h)))
            .map(|(n, v)| (n.to_ascii_lowercase().into_bytes(), v.as_slice()))
            .collect();
        let mut fields: Vec<(&[u8], &[u8])> =
            lower.iter().map(|(n, v)| (n.as_slice(), *v)).collect();
        let has_length = fields.iter().any(|(n, _)| *n == b"content-length");
        let head_only = req.method == "HEAD" || status == 204 || status == 304;
        let len_text;
        if let Body::Full(b) = &body
            && !has_length
            && !head_only
        {
            len_text = b.len().to_string();
            fields.push((b"content-length", len_text.as_bytes()));
        }
        let empty = head_only || matches!(&body, Body::Full(b) if b.is_empty());
        if self.conn.send_response(id, status, &fields, empty).is_err() {
            let _ = self.conn.reset(id, ErrorCode::INTERNAL_ERROR);
            return;
        }
        if empty {
            return;
        }
        let (piece, rest) = match body {
            Body::Full(b) => (b, None),
            Body::Stream(s) => (Bytes::new(), Some(s)),
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
                let Some(s) = rest else {
                    break;
                };
                match catch_unwind(AssertUnwindSafe(|| s.next())) {
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

    fn request_of(head: &proto_h2::head::Head) -> Request {
        let text = |v: Option<&[u8]>| String::from_utf8_lossy(v.unwrap_or_default()).into_owned();
        let method = text(head.method());
        // An extended CONNECT (RFC 8441) names its target in `:path`, a plain one in
        // `:authority`.
        let target = if method == "CONNECT" && head.protocol().is_none() {
            text(head.authority())
        } else {
            text(head.path())
        };
        Request {
            method,
            target,
            headers: head
                .headers()
                .map(|(n, v)| (String::from_utf8_lossy(n).into_owned(), v.to_vec()))
                .collect(),
            body: Vec::new(),
        }
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
                    let req = Self::request_of(&head);
                    if let Some(p) = head.protocol() {
                        // An extended CONNECT: answered now, its DATA is the tunnel's.
                        self.respond(stream, &req, Some(p));
                    } else if end_stream {
                        self.respond(stream, &req, None);
                    } else {
                        self.streams.insert(stream.value(), Stream::Reading(req));
                    }
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
                } => {
                    while let Some(b) = self.conn.read_data(stream) {
                        if let Some(Stream::Reading(r)) = self.streams.get_mut(&stream.value()) {
                            r.body.extend_from_slice(&b);
                        }
                    }
                    if end_stream {
                        self.finish_request(stream);
                    }
                }
                Event::Trailers { stream, .. } => self.finish_request(stream),
                Event::Reset { stream, .. } => {
                    self.streams.remove(&stream.value());
                }
                Event::SendReady { stream } => self.pump(stream),
                _ => {}
            }
        }
    }

    fn poll_timeout(&self) -> Option<Instant> {
        // The engine's own timers (idle, PING, stalls) cover HTTP/2; the WebSocket streams'
        // close handshakes are ours.
        self.ws_deadline()
    }

    fn handle_timeout(&mut self, cx: &mut Context<'_, proto_h1::Buffers>) {
        self.now = cx.now;
        self.ws_expire(cx.now);
    }

    fn shutdown(&mut self, cx: &mut Context<'_, proto_h1::Buffers>) {
        self.process(cx);
    }
}

impl H2Session {
    fn finish_request(&mut self, stream: StreamId) {
        if let Some(Stream::Reading(req)) = self.streams.remove(&stream.value()) {
            self.respond(stream, &req, None);
        }
    }
}
