//! WebSocket over HTTP/2 (RFC 8441): an extended CONNECT (`:protocol websocket`) whose
//! handler answers [`Body::WebSocket`](crate::server::Body::WebSocket) is accepted through
//! [`proto_ws::accept_extended_connect`], answered 200 with [`Accepted::h2_headers`]
//! (lower-case names), and the stream's DATA carries a proto-ws server [`Connection`].
//!
//! Flow control and backpressure are the stream's: received DATA is read from the engine
//! (which returns its credit to the peer) only while our WebSocket output on the stream has
//! all been taken by the engine's bounded send queue; what it did not take waits for
//! [`Event::SendReady`](proto_h2::conn::Event::SendReady). So a peer that sends faster than
//! it reads our replies is held back by its own flow-control window.
//!
//! The close handshake ends the stream: once the WebSocket is closed and its last frame
//! queued, we end our side (END_STREAM); the peer's END_STREAM is the transport's end of
//! stream for the WebSocket. After we sent a Close, the peer has
//! [`Timeouts::ws_close`](crate::timer::Timeouts::ws_close) to answer with its own; then the
//! stream is reset with RST_STREAM(CANCEL).
//!
//! [`Accepted::h2_headers`]: proto_ws::Accepted::h2_headers

use std::collections::VecDeque;
use std::time::Instant;

use bytes::{Buf, Bytes};
use proto_h2::frame::{ErrorCode, StreamId};
use proto_ws::{CloseCode, Connection, ServerOptions};

use super::{H2Session, Stream};
use crate::server::message::{Request, WsHandler};
use crate::server::ws::{close_deadline, dispatch};

/// Payloads from this size on are handed to the HTTP/2 engine as the WebSocket gave them,
/// not copied behind their frame head.
const UNCOPIED_PAYLOAD: usize = 4096;

/// A WebSocket running on an HTTP/2 stream.
pub(super) struct WsStream {
    conn: Connection,
    handler: WsHandler,
    /// The handler panicked: the WebSocket closes (1011).
    failed: bool,
    /// WebSocket output the engine's send queue did not take yet, in order: frame bytes, and
    /// large payloads as the WebSocket handed them over (not copied).
    pending: VecDeque<Bytes>,
    /// Received DATA the WebSocket did not take yet (its buffer was full).
    input: Bytes,
    /// The peer ended its side of the stream.
    peer_ended: bool,
    /// When the peer's Close is due (we sent ours).
    close_due: Option<Instant>,
}

impl H2Session {
    /// Answers an extended CONNECT whose handler returned a WebSocket: 200 and the stream
    /// becomes a WebSocket, or 400 when the request is not a valid one.
    pub(super) fn accept_ws(
        &mut self,
        id: StreamId,
        req: &Request,
        protocol: Option<&[u8]>,
        handler: WsHandler,
        protocols: &[String],
    ) {
        let protocols: Vec<&str> = protocols.iter().map(String::as_str).collect();
        let options = ServerOptions {
            protocols: &protocols,
            deflate: Some(proto_ws::DeflateConfig::default()),
        };
        let headers = req.headers().map(|(n, v)| (n.as_bytes(), v));
        let accepted = match proto_ws::accept_extended_connect(
            &options,
            req.method().as_bytes(),
            protocol,
            headers,
        ) {
            Ok(a) => a,
            Err(e) => {
                let text = format!("{e}\n");
                let len = text.len().to_string();
                let fields: [(&[u8], &[u8]); 2] = [
                    (b"content-type", b"text/plain; charset=utf-8"),
                    (b"content-length", len.as_bytes()),
                ];
                if self.conn.send_response(id, 400, &fields, false).is_err()
                    || self.conn.send_data(id, Bytes::from(text), true).is_err()
                {
                    let _ = self.conn.reset(id, ErrorCode::INTERNAL_ERROR);
                }
                return;
            }
        };
        let fields = accepted.h2_headers();
        let fields: Vec<(&[u8], &[u8])> = fields
            .iter()
            .map(|(n, v)| (n.as_bytes(), v.as_bytes()))
            .collect();
        if self.conn.send_response(id, 200, &fields, false).is_err() {
            let _ = self.conn.reset(id, ErrorCode::INTERNAL_ERROR);
            return;
        }
        let ws = WsStream {
            conn: Connection::server(accepted.config()),
            handler,
            failed: false,
            pending: VecDeque::new(),
            input: Bytes::new(),
            peer_ended: false,
            close_due: None,
        };
        self.streams
            .insert(id.value(), Stream::WebSocket(Box::new(ws)));
        self.ws_pump(id);
    }

    /// Whether stream `id` carries a WebSocket.
    pub(super) fn is_ws(&self, id: StreamId) -> bool {
        matches!(self.streams.get(&id.value()), Some(Stream::WebSocket(_)))
    }

    /// The peer ended its side of WebSocket stream `id`.
    pub(super) fn ws_peer_ended(&mut self, id: StreamId) {
        if let Some(Stream::WebSocket(ws)) = self.streams.get_mut(&id.value()) {
            ws.peer_ended = true;
        }
        self.ws_pump(id);
    }

    /// Moves WebSocket stream `id` along: its output to the engine (as far as the send queue
    /// takes it), then received DATA into it (only while no output waits), the handler's
    /// replies back out; ends the stream once the WebSocket is closed.
    pub(super) fn ws_pump(&mut self, id: StreamId) {
        let Some(Stream::WebSocket(ws)) = self.streams.get_mut(&id.value()) else {
            return;
        };
        loop {
            let mut full = false;
            while let Some(front) = ws.pending.front_mut() {
                match self.conn.send_data(id, front.clone(), false) {
                    Ok(n) if n == front.len() => {
                        ws.pending.pop_front();
                    }
                    Ok(n) => {
                        front.advance(n);
                        full = true;
                        break;
                    }
                    Err(_) => {
                        let _ = self.conn.reset(id, ErrorCode::INTERNAL_ERROR);
                        self.streams.remove(&id.value());
                        return;
                    }
                }
            }
            if full {
                // The send queue is full: the rest (and any input) waits for SendReady.
                break;
            }
            if ws.conn.wants_write() {
                let mut out = Vec::new();
                while ws.conn.wants_write() {
                    match ws.conn.poll_transmit(&mut out) {
                        // A large payload goes as it is, in DATA of its own (one more frame
                        // head, 9 bytes, instead of a copy); a small one joins the frame bytes.
                        Some(p) if p.len() >= UNCOPIED_PAYLOAD => {
                            if !out.is_empty() {
                                ws.pending.push_back(Bytes::from(std::mem::take(&mut out)));
                            }
                            ws.pending.push_back(p);
                        }
                        Some(p) => out.extend_from_slice(&p),
                        None => {}
                    }
                }
                if !out.is_empty() {
                    ws.pending.push_back(Bytes::from(out));
                }
                continue;
            }
            if ws.conn.is_closed() {
                // The close handshake is over (or the WebSocket failed, or the peer ended the
                // stream): end our side.
                if self.conn.send_data(id, Bytes::new(), true).is_err() {
                    let _ = self.conn.reset(id, ErrorCode::CANCEL);
                }
                self.streams.remove(&id.value());
                return;
            }
            if ws.input.is_empty() {
                match self.conn.read_data(id) {
                    Some(b) => ws.input = b,
                    None if ws.peer_ended => {
                        ws.conn.recv_eof();
                        continue;
                    }
                    None => break,
                }
            }
            let took = match ws.conn.recv(&ws.input) {
                Ok(n) => {
                    ws.input.advance(n);
                    n
                }
                Err(_) => {
                    ws.input = Bytes::new();
                    1
                }
            };
            let got = dispatch(&mut ws.conn, &mut ws.handler, &mut ws.failed);
            if took == 0 && !got && !ws.conn.wants_write() && !ws.conn.is_closed() {
                // The WebSocket took nothing and had nothing to say: do not spin (its
                // receive buffer grows to hold a whole frame, so this is not expected).
                break;
            }
        }
        ws.close_due = close_deadline(&ws.conn, self.ws_close, ws.close_due, self.now);
    }

    /// Graceful shutdown: every WebSocket stream gets a Close (1001, going away).
    pub(super) fn ws_shutdown(&mut self) {
        let ids: Vec<u32> = self
            .streams
            .iter()
            .filter(|(_, s)| matches!(s, Stream::WebSocket(_)))
            .map(|(&id, _)| id)
            .collect();
        for id in ids {
            if let Some(Stream::WebSocket(ws)) = self.streams.get_mut(&id) {
                let _ = ws.conn.close(CloseCode::GOING_AWAY, "server shutting down");
            }
            self.ws_pump(StreamId::new(id));
        }
    }

    /// The earliest close-handshake deadline of the WebSocket streams.
    pub(super) fn ws_deadline(&self) -> Option<Instant> {
        self.streams
            .values()
            .filter_map(|s| match s {
                Stream::WebSocket(ws) => ws.close_due,
                _ => None,
            })
            .min()
    }

    /// Resets (CANCEL) the WebSocket streams whose peer did not answer our Close in time.
    pub(super) fn ws_expire(&mut self, now: Instant) {
        let late: Vec<u32> = self
            .streams
            .iter()
            .filter(|(_, s)| matches!(s, Stream::WebSocket(ws) if ws.close_due.is_some_and(|d| d <= now)))
            .map(|(&id, _)| id)
            .collect();
        for id in late {
            self.streams.remove(&id);
            let _ = self.conn.reset(StreamId::new(id), ErrorCode::CANCEL);
        }
    }
}
