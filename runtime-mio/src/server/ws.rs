//! WebSocket glue: after an HTTP/1.1 upgrade, [`WsSession`] drives proto-ws's
//! [`Connection`] and hands each message to the route's [`WsHandler`], sending back what it
//! returns. Pings are answered and the close handshake is run by the engine itself.

use std::time::Instant;

use bytes::Bytes;
use proto_ws::{CloseCode, Connection, Event};

use super::message::{WsHandler, WsMessage};

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
    ) -> Self {
        WsSession {
            conn: Connection::server(config),
            handler,
            pre,
            rest,
            failed: false,
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
        if !self.pre.is_empty() {
            out.append(&mut self.pre);
            return None;
        }
        self.conn.poll_transmit(out)
    }

    pub(crate) fn wants_write(&self) -> bool {
        !self.pre.is_empty() || self.conn.wants_write()
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.pre.is_empty() && self.conn.is_closed()
    }

    /// Feeds what came with the upgrade, drains events into the handler, queues its replies.
    pub(crate) fn process(&mut self) {
        loop {
            if !self.rest.is_empty() {
                match self.conn.recv(&self.rest) {
                    Ok(n) => {
                        self.rest.drain(..n);
                    }
                    Err(_) => self.rest.clear(),
                }
            }
            let mut got = false;
            loop {
                let msg = match self.conn.poll_event() {
                    Ok(Some(Event::Text(t))) => WsMessage::Text(t.to_owned()),
                    Ok(Some(Event::Binary(b))) => WsMessage::Binary(Bytes::copy_from_slice(b)),
                    Ok(Some(_)) => continue,
                    // Nothing more now, or a protocol error whose Close the engine queued.
                    Ok(None) | Err(_) => break,
                };
                got = true;
                if self.failed {
                    continue;
                }
                let handler = &mut self.handler;
                match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| handler(msg))) {
                    Ok(replies) => {
                        for r in replies {
                            let _ = match r {
                                WsMessage::Text(t) => self.conn.send_text(&t),
                                WsMessage::Binary(b) => self.conn.send_binary_bytes(b),
                            };
                        }
                    }
                    Err(_) => {
                        self.failed = true;
                        let _ = self.conn.close(CloseCode::INTERNAL_ERROR, "internal error");
                    }
                }
            }
            if self.rest.is_empty() || !got {
                break;
            }
        }
    }

    /// Graceful shutdown: a Close frame (1001, going away).
    pub(crate) fn shutdown(&mut self) {
        let _ = self
            .conn
            .close(CloseCode::GOING_AWAY, "server shutting down");
    }

    /// No timer of its own yet (the close-handshake timer is future work).
    pub(crate) fn poll_timeout(&self) -> Option<Instant> {
        None
    }
}
