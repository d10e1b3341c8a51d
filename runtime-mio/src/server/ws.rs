//! WebSocket glue: after an HTTP/1.1 upgrade, [`WsSession`] drives proto-ws's
//! [`Connection`] and hands each message to the route's [`WsHandler`], sending back what it
//! returns. Pings are answered and the close handshake is run by the engine itself.
//!
//! Once we sent a Close (a handler panic, a graceful shutdown), the peer has
//! [`Timeouts::ws_close`](crate::timer::Timeouts::ws_close) to answer with its own; then the
//! connection is dropped (nothing more is written).

use std::time::Instant;

use bytes::Bytes;
use proto_ws::{CloseCode, Connection, Event, State};

use super::message::{WsHandler, WsMessage};
use crate::timer::Timeout;

/// Drains `conn`'s events into `handler` and queues its replies; a handler panic closes the
/// connection (1011) and sets `failed` (later messages are dropped). Returns whether a
/// message arrived.
pub(crate) fn dispatch(conn: &mut Connection, handler: &mut WsHandler, failed: &mut bool) -> bool {
    let mut got = false;
    loop {
        let msg = match conn.poll_event() {
            Ok(Some(Event::Text(t))) => WsMessage::Text(t.to_owned()),
            Ok(Some(Event::Binary(b))) => WsMessage::Binary(Bytes::copy_from_slice(b)),
            Ok(Some(Event::Close { code, reason })) => WsMessage::Close {
                code: code.map_or(1005, CloseCode::as_u16),
                reason: reason.to_owned(),
            },
            Ok(Some(_)) => continue,
            // Nothing more now, or a protocol error whose Close the engine queued.
            Ok(None) | Err(_) => break,
        };
        got = true;
        if *failed {
            continue;
        }
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| handler(msg))) {
            Ok(replies) => {
                for r in replies {
                    let _ = match r {
                        WsMessage::Text(t) => conn.send_text(&t),
                        WsMessage::Binary(b) => conn.send_binary_bytes(b),
                        WsMessage::Close { code, reason } => close(conn, code, &reason),
                    };
                }
            }
            Err(_) => {
                *failed = true;
                let _ = conn.close(CloseCode::INTERNAL_ERROR, "internal error");
            }
        }
    }
    got
}

/// Starts the close handshake a handler asked for: an unsendable code becomes 1011, a
/// reason longer than a Close frame holds is cut at a character boundary. Refused (and
/// ignored by the caller) once a Close was sent or received.
fn close(conn: &mut Connection, code: u16, reason: &str) -> Result<(), proto_ws::SendError> {
    let mut code = CloseCode::new(code);
    if !code.is_valid_on_wire() {
        code = CloseCode::INTERNAL_ERROR;
    }
    let mut end = reason.len().min(123);
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    conn.close(code, &reason[..end])
}

/// The close-handshake deadline of `conn`: armed (from `now`) when we have sent a Close and
/// wait for the peer's, kept while it is armed, cleared otherwise.
pub(crate) fn close_deadline(
    conn: &Connection,
    timeout: Timeout,
    armed: Option<Instant>,
    now: Instant,
) -> Option<Instant> {
    if conn.state() == State::Closing {
        armed.or_else(|| timeout.deadline(now))
    } else {
        None
    }
}

/// A WebSocket server connection.
pub struct WsSession {
    conn: Connection,
    handler: WsHandler,
    /// Bytes of the HTTP/1.1 connection still to write (the 101's tail), before any frame.
    pre: Vec<u8>,
    /// Bytes received with the upgrade request, not yet taken by the engine.
    rest: Vec<u8>,
    /// The handler panicked: the connection closes (1011).
    failed: bool,
    /// How long the peer has to answer our Close.
    close_timeout: Timeout,
    /// When the peer's Close is due (we sent ours).
    close_due: Option<Instant>,
    /// The peer did not answer our Close in time: the connection is dropped.
    dropped: bool,
}

impl std::fmt::Debug for WsSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WsSession")
            .field("state", &self.conn.state())
            .finish_non_exhaustive()
    }
}

impl WsSession {
    /// A session for a connection that switched: `pre` is what the HTTP/1.1 engine still
    /// had to write, `rest` what arrived after the upgrade request.
    pub(crate) fn new(
        config: proto_ws::Config,
        handler: WsHandler,
        pre: Vec<u8>,
        rest: Vec<u8>,
        close_timeout: Timeout,
    ) -> Self {
        WsSession {
            conn: Connection::server(config),
            handler,
            pre,
            rest,
            failed: false,
            close_timeout,
            close_due: None,
            dropped: false,
        }
    }

    /// The engine.
    #[must_use]
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    pub(crate) fn recv(&mut self, input: &[u8]) -> Result<usize, proto_ws::Error> {
        if !self.rest.is_empty() {
            // What came with the upgrade goes first.
            return Ok(0);
        }
        self.conn.recv(input)
    }

    pub(crate) fn recv_eof(&mut self) {
        self.conn.recv_eof();
    }

    pub(crate) fn poll_transmit(&mut self, out: &mut Vec<u8>) -> Option<Bytes> {
        if self.dropped {
            return None;
        }
        if !self.pre.is_empty() {
            out.append(&mut self.pre);
            return None;
        }
        self.conn.poll_transmit(out)
    }

    pub(crate) fn wants_write(&self) -> bool {
        !self.dropped && (!self.pre.is_empty() || self.conn.wants_write())
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.dropped || (self.pre.is_empty() && self.conn.is_closed())
    }

    /// Feeds what came with the upgrade, drains events into the handler, queues its replies.
    pub(crate) fn process(&mut self, now: Instant) {
        loop {
            if !self.rest.is_empty() {
                match self.conn.recv(&self.rest) {
                    Ok(n) => {
                        self.rest.drain(..n);
                    }
                    Err(_) => self.rest.clear(),
                }
            }
            let got = dispatch(&mut self.conn, &mut self.handler, &mut self.failed);
            if self.rest.is_empty() || !got {
                break;
            }
        }
        self.close_due = close_deadline(&self.conn, self.close_timeout, self.close_due, now);
    }

    /// Graceful shutdown: a Close frame (1001, going away).
    pub(crate) fn shutdown(&mut self, now: Instant) {
        let _ = self
            .conn
            .close(CloseCode::GOING_AWAY, "server shutting down");
        self.close_due = close_deadline(&self.conn, self.close_timeout, self.close_due, now);
    }

    /// The close-handshake deadline, while we wait for the peer's Close.
    pub(crate) fn poll_timeout(&self) -> Option<Instant> {
        if self.dropped { None } else { self.close_due }
    }

    /// A deadline passed: a peer that did not answer our Close in time is dropped.
    pub(crate) fn handle_timeout(&mut self, now: Instant) {
        if self.close_due.is_some_and(|d| d <= now) && self.conn.state() == State::Closing {
            self.dropped = true;
            self.close_due = None;
        }
    }
}
