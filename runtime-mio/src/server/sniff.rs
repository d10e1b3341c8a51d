//! Protocol choice on a cleartext connection: HTTP/2 when it opens with the prior-knowledge
//! preface (`PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n`, which may arrive split at any byte),
//! HTTP/1.1 otherwise. [`ServerSession`] is the one session type the server's loops run: it
//! sniffs the first bytes, then delegates to [`H1Session`] or [`H2Session`].
//!
//! A first byte other than `P` decides for HTTP/1.1 at once, so an HTTP/1.1 request pays one
//! comparison. Bytes that matched a prefix of the preface and then stopped matching (a
//! `POST`, say) go to HTTP/1.1 unchanged.

use std::fmt;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use proto_h1::{Buffers, ConnConfig};

use super::h1::{H1Session, Handler};
use super::h2::H2Session;
use super::ws::WsSession;
use crate::engine::Engine;
use crate::event_loop::{Context, Session};
use crate::timer::Timeouts;
use proto_h2::conn::Hibernated;

/// The HTTP/2 client connection preface (RFC 9113 section 3.4).
const PREFACE: &[u8; 24] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// What every connection of a server shares (one allocation per server, not per
/// connection).
pub(crate) struct Shared {
    pub(crate) h1: ConnConfig,
    pub(crate) timeouts: Timeouts,
    pub(crate) max_body: u64,
    pub(crate) h2c: bool,
    pub(crate) handler: Handler,
    /// Compute each connection's client fingerprint.
    pub(crate) fingerprint: bool,
    /// Which requests' bodies are streamed to the handler.
    pub(crate) stream_bodies: super::BodyStreaming,
}

/// A connection error of whichever protocol the connection speaks.
#[derive(Debug)]
pub enum ConnError {
    /// HTTP/1.1.
    H1(proto_h1::Error),
    /// HTTP/2.
    H2(proto_h2::error::Error),
    /// WebSocket.
    Ws(proto_ws::Error),
}

impl fmt::Display for ConnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConnError::H1(e) => write!(f, "HTTP/1.1: {e}"),
            ConnError::H2(e) => write!(f, "HTTP/2: {e}"),
            ConnError::Ws(e) => write!(f, "WebSocket: {e}"),
        }
    }
}

impl std::error::Error for ConnError {}

struct Sniff {
    buf: [u8; 24],
    len: u8,
    closed: bool,
    since: Instant,
    /// Pooled buffers lent before the protocol is known (given to HTTP/1.1); boxed, as
    /// every connection carries this variant's size.
    buffers: Option<Box<Buffers>>,
}

// HTTP/1.1, the common case, stays inline: a connection lives in the loop's slab and is never
// moved after insertion, so the larger variant costs no copies, and boxing it would cost an
// allocation per connection.
#[allow(clippy::large_enum_variant)]
enum Proto {
    Sniff(Sniff),
    H1(H1Session),
    H2(Box<H2Session>),
    /// An HTTP/2 connection idle long enough to hibernate ([`H2Session::hibernate`]): inline,
    /// as it fits in the HTTP/1.1 variant's size, so an idle HTTP/2 connection costs its slab
    /// entry and the few bytes of the peer's HPACK entries and fingerprint. Woken by its next
    /// input, timer or the server's shutdown.
    H2Asleep(Hibernated),
    Ws(Box<WsSession>),
}

/// A server connection: protocol sniffing, then HTTP/1.1 or HTTP/2. A connection that opens
/// with the HTTP/2 preface (split at any byte) speaks HTTP/2; any other first bytes, even
/// a `P` that stops matching, go to HTTP/1.1 unchanged.
pub struct ServerSession {
    proto: Proto,
    shared: Arc<Shared>,
}

impl fmt::Debug for ServerSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = match &self.proto {
            Proto::Sniff(_) => "sniffing",
            Proto::H1(_) => "HTTP/1.1",
            Proto::H2(_) => "HTTP/2",
            Proto::H2Asleep(_) => "HTTP/2 (hibernated)",
            Proto::Ws(_) => "WebSocket",
        };
        f.debug_struct("ServerSession")
            .field("protocol", &p)
            .finish()
    }
}

impl ServerSession {
    pub(crate) fn new(shared: Arc<Shared>, now: Instant) -> Self {
        let proto = if shared.h2c {
            Proto::Sniff(Sniff {
                buf: [0; 24],
                len: 0,
                since: now,
                closed: false,
                buffers: None,
            })
        } else {
            Proto::H1(Self::h1(&shared, now, None))
        };
        ServerSession { proto, shared }
    }

    fn h1(shared: &Arc<Shared>, now: Instant, buffers: Option<Box<Buffers>>) -> H1Session {
        let mut s = H1Session::new(Arc::clone(shared), now);
        if let Some(b) = buffers {
            s.engine_mut().put_buffers(*b);
        }
        s
    }

    /// An HTTP/2 session for this connection, begun at `now`.
    fn h2(&self, now: Instant) -> H2Session {
        let sh = &self.shared;
        let mut h2 = H2Session::new(&sh.timeouts, sh.max_body, Arc::clone(&sh.handler), now);
        h2.stream_bodies = sh.stream_bodies.clone();
        h2.fingerprint = sh.fingerprint;
        h2
    }

    /// Whether the connection speaks HTTP/2 (after the preface).
    #[must_use]
    pub fn is_h2(&self) -> bool {
        matches!(self.proto, Proto::H2(_) | Proto::H2Asleep(_))
    }

    /// Swaps the protocol state for a placeholder that holds nothing, returning it.
    fn take_proto(&mut self, now: Instant) -> Proto {
        let placeholder = Proto::Sniff(Sniff {
            buf: [0; 24],
            len: 0,
            closed: true,
            since: now,
            buffers: None,
        });
        std::mem::replace(&mut self.proto, placeholder)
    }

    /// Wakes a hibernated HTTP/2 connection at `now` (nothing otherwise).
    fn wake(&mut self, now: Instant) {
        if !matches!(self.proto, Proto::H2Asleep(_)) {
            return;
        }
        if let Proto::H2Asleep(asleep) = self.take_proto(now) {
            let sh = &self.shared;
            let handler = Arc::clone(&sh.handler);
            let mut h2 = H2Session::wake(asleep, &sh.timeouts, sh.max_body, handler, now);
            h2.stream_bodies = sh.stream_bodies.clone();
            h2.fingerprint = sh.fingerprint;
            self.proto = Proto::H2(Box::new(h2));
        }
    }

    /// Hibernates an HTTP/2 connection that has been idle long enough, when nothing is in
    /// flight (otherwise it stays as it is, and is tried again at its next timer).
    fn hibernate_if_due(&mut self, now: Instant) {
        if !matches!(&self.proto, Proto::H2(s) if s.hibernate_due()) {
            return;
        }
        if let Proto::H2(s) = self.take_proto(now) {
            self.proto = match s.hibernate() {
                Ok(asleep) => Proto::H2Asleep(asleep),
                Err(mut s) => {
                    s.hibernate_refused();
                    Proto::H2(s)
                }
            };
        }
    }

    /// Sniffing: takes bytes of the preface; switches protocol once they decide.
    fn sniff(&mut self, now: Instant, input: &[u8]) -> Result<usize, ConnError> {
        let Proto::Sniff(s) = &mut self.proto else {
            return Ok(0);
        };
        if s.closed {
            return Ok(0);
        }
        let len = usize::from(s.len);
        let n = (PREFACE.len() - len).min(input.len());
        s.buf[len..len + n].copy_from_slice(&input[..n]);
        let seen = len + n;
        if s.buf[..seen] != PREFACE[..seen] {
            // HTTP/1.1: what was held back goes first. When nothing was, the whole input
            // goes now.
            let held = len;
            let head = s.buf;
            let mut h1 = Self::h1(&self.shared, now, s.buffers.take());
            let r = if held == 0 {
                h1.engine_mut().recv(input).map_err(ConnError::H1)
            } else {
                // At most 23 bytes into an empty buffer: always taken.
                h1.engine_mut()
                    .recv(&head[..held])
                    .map_err(ConnError::H1)
                    .map(|_| 0)
            };
            self.proto = Proto::H1(h1);
            return r;
        }
        s.len = seen as u8;
        if seen == PREFACE.len() {
            let mut h2 = self.h2(now);
            let r = h2.engine_mut().recv(now, PREFACE).map_err(ConnError::H2);
            self.proto = Proto::H2(Box::new(h2));
            r?;
        }
        Ok(n)
    }
}

impl Engine for ServerSession {
    type Error = ConnError;

    fn recv(&mut self, now: Instant, input: &[u8]) -> Result<usize, ConnError> {
        match &mut self.proto {
            Proto::Sniff(_) => self.sniff(now, input),
            Proto::H1(s) => s.engine_mut().recv(input).map_err(ConnError::H1),
            Proto::H2(s) => s.engine_mut().recv(now, input).map_err(ConnError::H2),
            Proto::H2Asleep(_) => {
                self.wake(now);
                self.recv(now, input)
            }
            Proto::Ws(s) => s.recv(input).map_err(ConnError::Ws),
        }
    }

    fn recv_eof(&mut self) -> Result<(), ConnError> {
        match &mut self.proto {
            Proto::Sniff(s) => {
                s.closed = true;
                Ok(())
            }
            Proto::H1(s) => {
                let r = s.engine_mut().recv_eof().map_err(ConnError::H1);
                s.peer_eof();
                r
            }
            Proto::H2(s) => Engine::recv_eof(s.engine_mut()).map_err(ConnError::H2),
            Proto::H2Asleep(_) => {
                self.wake(Instant::now());
                self.recv_eof()
            }
            Proto::Ws(s) => {
                s.recv_eof();
                Ok(())
            }
        }
    }

    fn poll_transmit(&mut self, now: Instant, out: &mut Vec<u8>) -> Option<Bytes> {
        match &mut self.proto {
            Proto::Sniff(_) | Proto::H2Asleep(_) => None,
            Proto::H1(s) => s.engine_mut().poll_transmit(out),
            Proto::H2(s) => s.engine_mut().poll_transmit(now, out),
            Proto::Ws(s) => s.poll_transmit(out),
        }
    }

    fn wants_write(&self) -> bool {
        match &self.proto {
            Proto::Sniff(_) | Proto::H2Asleep(_) => false,
            Proto::H1(s) => s.engine().wants_write(),
            Proto::H2(s) => s.engine().wants_write(),
            Proto::Ws(s) => s.wants_write(),
        }
    }

    fn is_closed(&self) -> bool {
        match &self.proto {
            Proto::Sniff(s) => s.closed,
            Proto::H1(s) => s.engine().is_closed(),
            Proto::H2(s) => s.engine().is_closed(),
            Proto::H2Asleep(_) => false,
            Proto::Ws(s) => s.is_closed(),
        }
    }

    fn poll_timeout(&self) -> Option<Instant> {
        match &self.proto {
            Proto::Sniff(_) | Proto::H1(_) | Proto::Ws(_) => None,
            Proto::H2(s) => s.engine().poll_timeout(),
            Proto::H2Asleep(a) => a.poll_timeout(),
        }
    }

    fn handle_timeout(&mut self, now: Instant) -> Result<(), ConnError> {
        match &mut self.proto {
            Proto::Sniff(_) | Proto::H1(_) | Proto::Ws(_) => Ok(()),
            Proto::H2(s) => s.engine_mut().handle_timeout(now).map_err(ConnError::H2),
            Proto::H2Asleep(a) => {
                if a.poll_timeout().is_some_and(|d| d <= now) {
                    self.wake(now);
                    return Engine::handle_timeout(self, now);
                }
                Ok(())
            }
        }
    }
}

impl Session for ServerSession {
    type Engine = ServerSession;
    type Pooled = Buffers;

    fn engine(&self) -> &ServerSession {
        self
    }

    fn engine_mut(&mut self) -> &mut ServerSession {
        self
    }

    fn prepare(&mut self, cx: &mut Context<'_, Buffers>) {
        match &mut self.proto {
            Proto::Sniff(s) => {
                if s.buffers.is_none() && !cx.pool.is_empty() {
                    s.buffers = Some(Box::new(cx.pool.get()));
                }
            }
            Proto::H1(s) => s.prepare(cx),
            Proto::H2(s) => s.prepare(cx),
            Proto::H2Asleep(_) | Proto::Ws(_) => {}
        }
    }

    fn process(&mut self, cx: &mut Context<'_, Buffers>) {
        match &mut self.proto {
            Proto::Sniff(s) => {
                if cx.draining && s.len == 0 {
                    s.closed = true;
                }
            }
            Proto::H1(s) => {
                s.process(cx);
                if let Some((config, handler, rest)) = s.take_switch() {
                    // The 101 may still be queued in the HTTP/1.1 engine: it goes first.
                    let mut pre = Vec::new();
                    while s.engine().wants_write() {
                        if let Some(p) = s.engine_mut().poll_transmit(&mut pre) {
                            pre.extend_from_slice(&p);
                        }
                    }
                    let close = self.shared.timeouts.ws_close;
                    let mut ws = WsSession::new(config, handler, pre, rest, close);
                    ws.process(cx.now);
                    self.proto = Proto::Ws(Box::new(ws));
                }
            }
            Proto::H2(s) => {
                s.process(cx);
                // Idle already (the first time, as soon as its response is written): asleep
                // now rather than at the loop's next turn.
                self.hibernate_if_due(cx.now);
            }
            Proto::H2Asleep(_) => {
                if cx.draining {
                    // The graceful shutdown's GOAWAY: the session sends it.
                    self.wake(cx.now);
                    Session::process(self, cx);
                }
            }
            Proto::Ws(s) => s.process(cx.now),
        }
    }

    fn poll_timeout(&self) -> Option<Instant> {
        match &self.proto {
            Proto::Sniff(s) if s.closed => None,
            Proto::Sniff(s) => {
                let t = if s.len == 0 {
                    self.shared.timeouts.keep_alive_idle
                } else {
                    self.shared.timeouts.request_head
                };
                t.deadline(s.since)
            }
            Proto::H1(s) => s.poll_timeout(),
            Proto::H2(s) => s.poll_timeout(),
            Proto::H2Asleep(a) => a.poll_timeout(),
            Proto::Ws(s) => s.poll_timeout(),
        }
    }

    fn handle_timeout(&mut self, cx: &mut Context<'_, Buffers>) {
        let due = Session::poll_timeout(self).is_some_and(|d| d <= cx.now);
        match &mut self.proto {
            Proto::Sniff(s) => {
                if due {
                    s.closed = true;
                }
            }
            Proto::H1(s) => s.handle_timeout(cx),
            Proto::H2(s) => s.handle_timeout(cx),
            Proto::H2Asleep(_) => {
                if due {
                    self.wake(cx.now);
                    Session::handle_timeout(self, cx);
                }
            }
            Proto::Ws(s) => s.handle_timeout(cx.now),
        }
        self.hibernate_if_due(cx.now);
    }

    /// ALPN `h2` under TLS decides for HTTP/2 before any byte: the preface is then checked
    /// by proto-h2 itself, and one that is wrong is a connection error (RFC 9113 section
    /// 3.4), not an HTTP/1.1 request.
    fn alpn_agreed(&mut self, protocol: Option<&[u8]>) {
        if protocol != Some(&b"h2"[..]) {
            return;
        }
        let fresh = match &self.proto {
            Proto::Sniff(s) => s.len == 0 && !s.closed,
            Proto::H1(h) => h.engine().state() == proto_h1::ConnState::Idle,
            _ => false,
        };
        if fresh {
            self.proto = Proto::H2(Box::new(self.h2(Instant::now())));
        }
    }

    fn shutdown(&mut self, cx: &mut Context<'_, Buffers>) {
        match &mut self.proto {
            Proto::Sniff(s) => s.closed = true,
            Proto::H1(s) => s.shutdown(cx),
            Proto::H2(s) => s.shutdown(cx),
            Proto::H2Asleep(_) => {
                self.wake(cx.now);
                Session::shutdown(self, cx);
            }
            Proto::Ws(s) => s.shutdown(cx.now),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A hibernated HTTP/2 connection is held inline: it fits in the HTTP/1.1 variant, so
    /// hibernation does not make every connection's slab entry larger.
    #[test]
    fn hibernated_h2_fits_in_the_h1_variant() {
        use std::mem::size_of;
        assert!(
            size_of::<Hibernated>() <= size_of::<H1Session>(),
            "{} > {}",
            size_of::<Hibernated>(),
            size_of::<H1Session>()
        );
        assert_eq!(size_of::<Proto>(), size_of::<H1Session>());
    }
}
