//! One client connection on the loop thread: [`ClientSession`], a [`Session`] that is its own
//! [`Engine`]: cleartext or TLS (a `tls` client session over memory buffers) outside, proto-h1's
//! [`ClientConn`] or proto-h2's [`Connection`] inside, chosen by ALPN under TLS, by
//! [`ClientConfig::h2_prior_knowledge`](super::ClientConfig::h2_prior_knowledge) in
//! cleartext.
//!
//! The session takes requests from its [`ConnShared`] inbox, writes them, and delivers heads
//! and body chunks into each request's [`Exchange`]. HTTP/1.1 carries one exchange at a time
//! (keep-alive; no pipelining), HTTP/2 one per stream. It keeps the exchanges' timers (response
//! head, body idle gap, total), the TLS handshake's and the pool's idle timer as its
//! [`Session::poll_timeout`]; the loop joins them with the engine's own.
//!
//! Whatever ends the connection (the server, an error, a timeout, the loop shutting down)
//! fails every exchange still on it, at once; and dropping the session does the same for any
//! left, so no caller waits on a connection that is gone.
//!
//! Through an `https://` proxy, TLS with the proxy wraps all of that ([`Outer`]): its
//! handshake and the `CONNECT` happened on the caller's thread, the tunnel's bytes are its
//! plaintext.
//!
//! One file per job: `h1.rs` (the HTTP/1.1 exchange and its switch), `h2.rs` (streams, flow
//! control, extended CONNECT), `tunnel.rs` (a connection after a 101); TLS around them, the
//! timers and the loop's side are here.

use std::collections::VecDeque;
use std::fmt;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use proto_h1::ClientConn;
use proto_h2::conn::{Connection, Role};
use proto_h2::frame::{ErrorCode, StreamId};

use super::body::{Exchange, Head, Informational, MAX_INFORMATIONAL};
use super::error::{Error, ProtocolError, TimeoutKind};
use super::info::version_name;
use super::pool::{ConnShared, Job, Proto};
use super::upload::Source;
use super::{ClientTimeouts, Settings};
use crate::engine::Engine;
use crate::event_loop::{ConnWaker, Context, Session};
use crate::tls_in::{End, PlainIn};
use crate::tls_out::PlainOut;

mod h1;
mod h2;
mod tunnel;

pub(super) use h2::IdMap;

use h1::{H1, step_h1};
use h2::{H2, step_h2};
use tunnel::{Tunnel, step_tunnel};

/// An exchange the connection took.
struct Active {
    ex: Arc<Exchange>,
    timeouts: ClientTimeouts,
    sent_at: Instant,
    /// When body bytes last arrived (or the head, or the reader made room).
    last_data: Instant,
    head: bool,
    /// The queue was full: the body idle timer does not run (the server waits for us).
    paused: bool,
    /// HTTP/2: END_STREAM arrived; the body is complete once its buffered bytes are read.
    ended: bool,
    /// The request body not yet handed to the engine (`done` once it all was).
    send: Source,
    /// HTTP/1.1: the server answered before the body was all sent and does not want the
    /// rest (RFC 9112 9.5): no more of it is sent, and the connection is not reused.
    send_stopped: bool,
    /// The request switches protocols ([`Tunnel`](super::Tunnel)): its body goes only
    /// after the switch, as it is.
    tunnel: bool,
    /// `Expect: 100-continue`: the body waits for `100 Continue`, a final answer or this
    /// wait's end (`None` inside: no end). `None`: it does not wait (any more).
    awaiting: Option<Option<Instant>>,
    /// HTTP/1.1: the body goes chunked.
    chunked: bool,
    /// HTTP/1.1: a final answer came before the body went, and the chunked body was ended
    /// empty: the connection stays usable.
    ended_empty: bool,
    /// The informational (1xx) heads so far, for the final head.
    informational: Vec<Informational>,
}

impl Active {
    /// `http1`: the exchange goes over HTTP/1.1 (where [`Prepared::auto_expect`] applies).
    fn new(job: &mut Job, now: Instant, waker: Option<&ConnWaker>, http1: bool) -> Self {
        let mut send = job.source.take().unwrap_or_else(|| Source::empty(now));
        send.progress = now;
        if let Some(p) = &send.pipe {
            p.attach(waker.cloned());
        }
        Active {
            ex: Arc::clone(&job.ex),
            timeouts: job.req.timeouts,
            sent_at: now,
            last_data: now,
            head: false,
            paused: false,
            ended: false,
            send,
            send_stopped: false,
            tunnel: job.req.tunnel.is_some(),
            awaiting: (job.req.expects_continue() || (http1 && job.req.auto_expect))
                .then(|| job.req.timeouts.expect_continue.deadline(now)),
            chunked: false,
            ended_empty: false,
            informational: Vec::new(),
        }
    }

    /// Keeps an informational (1xx) head for the final response (the first
    /// [`MAX_INFORMATIONAL`]; a server may send any number).
    fn informational(&mut self, head: Head) {
        if self.informational.len() < MAX_INFORMATIONAL {
            self.informational.push(Informational::new(head));
        }
    }

    /// Hands the final head, with the informational heads that came before it, to the
    /// caller.
    fn set_head(&mut self, mut head: Head) {
        head.informational = std::mem::take(&mut self.informational);
        self.ex.set_head(head);
    }

    /// [`Active::set_head`] without signalling the caller yet
    /// ([`Exchange::set_head_deferred`]).
    fn set_head_deferred(&mut self, mut head: Head) {
        head.informational = std::mem::take(&mut self.informational);
        self.ex.set_head_deferred(head);
    }

    /// Whether the body may go now (it does not wait for `100 Continue`).
    fn may_send(&self) -> bool {
        self.awaiting.is_none() && !self.send_stopped
    }

    /// When the wait for `100 Continue` ends.
    fn continue_deadline(&self) -> Option<Instant> {
        self.awaiting.flatten()
    }

    /// The wait for `100 Continue` ended by `now`: the body goes (RFC 9110 10.1.1).
    fn continue_due(&mut self, now: Instant) {
        if self.continue_deadline().is_some_and(|d| d <= now) {
            self.awaiting = None;
            self.send.progress = now;
        }
    }

    /// A response head with `status` arrived while the body waited for `100 Continue`
    /// (HTTP/1.1 and HTTP/2 alike): 100 lets it go, another 1xx changes nothing, a final
    /// answer means it is not sent (the writer learns why). Returns whether the body was
    /// refused so.
    fn interim_or_refused(&mut self, status: u16, now: Instant) -> bool {
        if self.awaiting.is_none() {
            return false;
        }
        if status == 100 {
            self.awaiting = None;
            self.send.progress = now;
            return false;
        }
        if status < 200 {
            return false;
        }
        self.awaiting = None;
        self.send_stopped = true;
        self.send.fail(&Error::AnsweredEarly { status });
        true
    }

    /// The whole request body went to the engine (the response head timer runs from now).
    fn body_sent(&mut self, now: Instant) {
        self.send.done = true;
        self.sent_at = now;
    }

    /// The earliest of its timers, and which.
    fn deadline(&self) -> Option<(Instant, TimeoutKind)> {
        let mut best: Option<(Instant, TimeoutKind)> = None;
        let mut join = |d: Option<Instant>, k| {
            if let Some(d) = d
                && best.is_none_or(|(b, _)| d < b)
            {
                best = Some((d, k));
            }
        };
        join(
            self.timeouts.total.deadline(self.ex.started),
            TimeoutKind::Total,
        );
        if self.may_send() {
            join(
                self.send.stall_deadline(self.timeouts.write_stall),
                TimeoutKind::WriteStall,
            );
        }
        if !self.head {
            // A tunnel's body waits for the switch: its head timer runs from the start.
            if self.send.done || self.tunnel {
                join(
                    self.timeouts.response_head.deadline(self.sent_at),
                    TimeoutKind::ResponseHead,
                );
            }
        } else if !self.paused && !self.ended {
            join(
                self.timeouts.body_idle.deadline(self.last_data),
                TimeoutKind::BodyIdle,
            );
        }
        best
    }

    /// Whether the reader has room; tracks the pause (the idle gap restarts when it ends).
    fn reserve(&mut self, now: Instant) -> bool {
        let room = self.ex.reserve();
        self.note_room(room, now)
    }

    /// Tracks the pause from a reservation's answer `room`, which it returns.
    fn note_room(&mut self, room: bool, now: Instant) -> bool {
        if room {
            if self.paused {
                self.paused = false;
                self.last_data = now;
            }
            true
        } else {
            self.paused = true;
            false
        }
    }
}

impl Drop for Active {
    fn drop(&mut self) {
        // A writer still streaming the body learns why it must stop.
        let e = self.ex.error().unwrap_or(Error::ConnectionClosed);
        self.send.fail(&e);
    }
}

/// A list of request fields handed to an engine: up to [`INLINE_FIELDS`] on the stack
/// (no allocation for a usual request), more in a `Vec`.
struct InlineList<T: Copy> {
    inline: [T; INLINE_FIELDS],
    len: usize,
    spill: Vec<T>,
}

/// Fields an [`InlineList`] holds without allocating.
const INLINE_FIELDS: usize = 24;

impl<T: Copy> InlineList<T> {
    /// An empty list (`fill` fills the unused slots).
    fn new(fill: T) -> Self {
        InlineList {
            inline: [fill; INLINE_FIELDS],
            len: 0,
            spill: Vec::new(),
        }
    }

    fn push(&mut self, item: T) {
        if self.spill.is_empty() && self.len < INLINE_FIELDS {
            self.inline[self.len] = item;
            self.len += 1;
        } else {
            if self.spill.is_empty() {
                self.spill.extend_from_slice(&self.inline[..self.len]);
            }
            self.spill.push(item);
        }
    }

    fn extend(&mut self, items: impl Iterator<Item = T>) {
        for item in items {
            self.push(item);
        }
    }

    fn as_slice(&self) -> &[T] {
        if self.spill.is_empty() {
            &self.inline[..self.len]
        } else {
            &self.spill
        }
    }

    fn as_mut_slice(&mut self) -> &mut [T] {
        if self.spill.is_empty() {
            &mut self.inline[..self.len]
        } else {
            &mut self.spill
        }
    }

    /// How many items it holds.
    fn len(&self) -> usize {
        if self.spill.is_empty() {
            self.len
        } else {
            self.spill.len()
        }
    }
}

/// HTTP/1.1: body bytes are handed to the engine while its send queue holds less than this
/// (and the socket is not backed up).
const H1_SEND_BUDGET: usize = 64 * 1024;

/// Most body bytes taken from a streamed source at once.
const SEND_PIECE: usize = 64 * 1024;

/// The plaintext output buffer under TLS is given back once emptied when it grew past this
/// (a large upload's burst is not kept for the rest of the connection's life).
const KEEP_TX: usize = 16 * 1024;

enum Protocol {
    /// The TLS handshake has not chosen yet.
    Pending,
    H1(Box<H1>),
    H2(Box<H2>),
    Tunnel(Box<Tunnel>),
}

impl Protocol {
    fn new(proto: Proto, settings: &Settings, now: Instant) -> Self {
        match proto {
            Proto::Unknown => Protocol::Pending,
            Proto::Http1 => Protocol::H1(Box::new(H1 {
                conn: ClientConn::new(settings.h1),
                current: None,
            })),
            Proto::Http2 => Protocol::H2(Box::new(H2 {
                conn: Connection::new(Role::Client, settings.h2.clone(), now),
                streams: h2::Streams::default(),
                peer_settings: None,
                ids: Vec::new(),
            })),
        }
    }
}

/// The protocol engine the connection carries (so that the TLS glue drives it as any
/// engine).
impl Engine for Protocol {
    type Error = Error;

    fn recv(&mut self, now: Instant, input: &[u8]) -> Result<usize, Error> {
        match self {
            Protocol::Pending => Ok(0),
            Protocol::H1(h) => h
                .conn
                .recv(input)
                .map_err(|e| Error::Protocol(ProtocolError::H1(e))),
            Protocol::H2(h) => h
                .conn
                .recv(now, input)
                .map_err(|e| Error::Protocol(ProtocolError::H2(e))),
            Protocol::Tunnel(t) => {
                // Taken while the reader's queue has room (backpressure, as for a body).
                if input.is_empty() || !t.a.reserve(now) {
                    return Ok(0);
                }
                t.a.ex.push(input);
                t.a.last_data = now;
                Ok(input.len())
            }
        }
    }

    fn recv_eof(&mut self) -> Result<(), Error> {
        match self {
            Protocol::Pending => Ok(()),
            Protocol::H1(h) => h
                .conn
                .recv_eof()
                .map_err(|e| Error::Protocol(ProtocolError::H1(e))),
            Protocol::H2(h) => {
                h.conn.recv_eof();
                Ok(())
            }
            Protocol::Tunnel(t) => {
                t.eof = true;
                t.a.ex.finish();
                Ok(())
            }
        }
    }

    fn poll_transmit(&mut self, now: Instant, out: &mut Vec<u8>) -> Option<Bytes> {
        match self {
            Protocol::Pending => None,
            Protocol::H1(h) => h.conn.poll_transmit(out),
            Protocol::H2(h) => h.conn.poll_transmit(now, out),
            Protocol::Tunnel(t) => {
                let b = t.tx.pop_front()?;
                t.queued -= b.len();
                Some(b)
            }
        }
    }

    fn wants_write(&self) -> bool {
        match self {
            Protocol::Pending => false,
            Protocol::H1(h) => h.conn.wants_write(),
            Protocol::H2(h) => h.conn.wants_write(),
            Protocol::Tunnel(t) => !t.tx.is_empty(),
        }
    }

    fn is_closed(&self) -> bool {
        match self {
            Protocol::Pending => false,
            Protocol::H1(h) => h.conn.is_closed(),
            Protocol::H2(h) => h.conn.is_closed(),
            Protocol::Tunnel(t) => t.eof,
        }
    }
}

/// TLS around the protocol: ciphertext in and out, plaintext through the buffers here when
/// one side cannot take it all at once.
struct TlsLayer {
    tls: tls::ClientSession,
    since: Instant,
    /// Decrypted bytes the protocol engine has not taken yet.
    input: PlainIn,
    /// Protocol output TLS has not taken yet.
    out: PlainOut,
}

/// TLS with an `https://` proxy around the rest of the connection: the tunnel to the origin
/// is its plaintext. Its handshake and the `CONNECT` were done before the connection came to
/// the loop.
struct Outer {
    tls: tls::ClientSession,
    /// The proxy, for errors.
    proxy: String,
    /// Tunnel bytes decrypted and not yet taken by the inside (backpressure).
    input: PlainIn,
    /// The inside's output not yet taken by TLS with the proxy.
    out: PlainOut,
    /// The socket reached its end.
    transport_eof: bool,
}

impl Outer {
    fn error(&self, e: tls::Error) -> Error {
        proxy_tls_error(&self.proxy, e)
    }
}

/// TLS with the proxy `proxy` failed.
fn proxy_tls_error(proxy: &str, e: tls::Error) -> Error {
    Error::Proxy {
        proxy: proxy.to_owned(),
        failure: super::ProxyFailure::Tls(e),
    }
}

/// One client connection (see the [module documentation](self)).
pub(crate) struct ClientSession {
    shared: Arc<ConnShared>,
    settings: Arc<Settings>,
    /// TLS with an `https://` proxy, outside everything else.
    outer: Option<Box<Outer>>,
    tls: Option<Box<TlsLayer>>,
    proto: Protocol,
    /// Requests taken from the inbox and not started yet (HTTP/1.1: one at a time; HTTP/2:
    /// over the concurrency limit, or before ALPN chose).
    jobs: VecDeque<Job>,
    now: Instant,
    /// Since when no exchange is in progress (the pool's idle timer).
    idle_since: Option<Instant>,
    /// The connection is being closed (an HTTP/1.1 cancel or timeout, the idle timer, the
    /// loop shutting down): nothing more is written.
    closing: bool,
    /// Why the connection failed.
    error: Option<Error>,
    waker: Option<ConnWaker>,
    /// The loop holds output the socket did not take: no more request body for now.
    backed_up: bool,
    /// Our ClientHello went out (its JA4 is in the connection's info).
    hello_seen: bool,
}

impl fmt::Debug for ClientSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientSession")
            .field("id", &self.shared.id)
            .field("closing", &self.closing)
            .field("error", &self.error)
            .finish_non_exhaustive()
    }
}

impl ClientSession {
    /// A session for a connected socket. `outer` is TLS with an `https://` proxy (named for
    /// errors) carrying the tunnel, ready; `tls` is the client session with the origin (its
    /// handshake is started here: the ClientHello waits in its output).
    pub(crate) fn new(
        shared: Arc<ConnShared>,
        settings: Arc<Settings>,
        outer: Option<(String, tls::ClientSession)>,
        tls: Option<tls::ClientSession>,
        now: Instant,
    ) -> Result<Self, Error> {
        if let Some((_, proxy_tls)) = &outer {
            // Its handshake is complete: what `wire -v` shows of the proxy.
            let mut info = shared.info();
            info.proxy_tls_version = proxy_tls.version().map(version_name);
            info.proxy_cipher = proxy_tls.cipher();
        }
        let outer = outer.map(|(proxy, tls)| {
            Box::new(Outer {
                tls,
                proxy,
                input: PlainIn::default(),
                out: PlainOut::default(),
                transport_eof: false,
            })
        });
        let tls = match tls {
            None => None,
            Some(mut tls) => {
                tls.handshake().map_err(Error::Tls)?;
                Some(Box::new(TlsLayer {
                    tls,
                    since: now,
                    input: PlainIn::default(),
                    out: PlainOut::default(),
                }))
            }
        };
        let proto = Protocol::new(shared.proto(), &settings, now);
        Ok(ClientSession {
            shared,
            settings,
            outer,
            tls,
            proto,
            jobs: VecDeque::new(),
            now,
            idle_since: None,
            closing: false,
            error: None,
            waker: None,
            backed_up: false,
            hello_seen: false,
        })
    }

    fn fail_conn(&mut self, e: Error) -> Error {
        if self.error.is_none() {
            self.shared.set_failure(&e);
            self.error = Some(e.clone());
        }
        e
    }

    /// Decrypts what TLS holds into the protocol engine as far as it takes it (driving the
    /// handshake first, and choosing the protocol once it completes). Returns whether
    /// plaintext moved.
    fn pump_in(&mut self) -> Result<bool, Error> {
        let ClientSession {
            tls,
            proto,
            settings,
            shared,
            now,
            ..
        } = self;
        let Some(t) = tls else {
            return Ok(false);
        };
        let now = *now;
        let mut moved = false;
        if !t.tls.is_handshake_complete() {
            match t.tls.handshake().map_err(Error::Tls)? {
                tls::HandshakeStatus::Complete => {
                    {
                        let mut info = shared.info();
                        info.tls_version = t.tls.version().map(version_name);
                        info.cipher = t.tls.cipher();
                        info.alpn = t.tls.alpn().map(<[u8]>::to_vec);
                    }
                    if matches!(proto, Protocol::Pending) {
                        let p = if t.tls.alpn() == Some(b"h2") {
                            Proto::Http2
                        } else {
                            Proto::Http1
                        };
                        shared.set_proto(p);
                        *proto = Protocol::new(p, settings, now);
                    }
                    moved = true;
                }
                _ => return Ok(false),
            }
        }
        let pumped = t
            .input
            .pump(&mut t.tls, proto, now, End::CloseNotify, Error::Tls)?;
        Ok(moved | pumped)
    }

    /// Starts queued requests, drains the engine's events into the exchanges, and reacts to
    /// cancels, as far as the readers' queues allow.
    fn step(&mut self) {
        let now = self.now;
        let waker = self.waker.clone();
        match &mut self.proto {
            Protocol::Pending => {}
            Protocol::H1(h) => {
                match step_h1(
                    h,
                    &mut self.jobs,
                    &self.shared,
                    waker.as_ref(),
                    now,
                    &mut self.closing,
                    self.backed_up,
                ) {
                    Ok(false) => {}
                    Ok(true) => {
                        // The exchange owns the connection from now on.
                        let a = h.current.take().expect("a switch has its exchange");
                        self.proto = Protocol::Tunnel(Box::new(Tunnel {
                            a,
                            tx: VecDeque::new(),
                            queued: 0,
                            eof: false,
                        }));
                        self.step();
                    }
                    Err(e) => {
                        self.fail_conn(e);
                    }
                }
            }
            Protocol::H2(h) => {
                if let Err(e) = step_h2(h, &mut self.jobs, &self.shared, waker.as_ref(), now) {
                    self.fail_conn(e);
                }
            }
            Protocol::Tunnel(t) => step_tunnel(t, now, self.backed_up, &mut self.closing),
        }
    }

    fn busy(&self) -> bool {
        !self.jobs.is_empty()
            || match &self.proto {
                Protocol::Pending => true,
                Protocol::H1(h) => h.current.is_some(),
                Protocol::H2(h) => !h.streams.is_empty(),
                Protocol::Tunnel(_) => true,
            }
    }

    /// The exchanges under way (without a box: this runs on every turn of the loop).
    fn actives(&self) -> impl Iterator<Item = &Active> + '_ {
        let (one, many) = match &self.proto {
            Protocol::Pending => (None, None),
            Protocol::H1(h) => (h.current.as_ref(), None),
            Protocol::H2(h) => (None, Some(h.streams.values())),
            Protocol::Tunnel(t) => (Some(&t.a), None),
        };
        one.into_iter().chain(many.into_iter().flatten())
    }

    /// Fails every exchange on the connection with `e` (requests never taken fail as not
    /// sent, so their callers may try another connection).
    fn fail_all(&mut self, e: &Error) {
        self.shared.mark_closed();
        for job in self.shared.kill().into_iter().chain(self.jobs.drain(..)) {
            job.ex.fail(e.clone());
        }
        match &mut self.proto {
            Protocol::Pending => {}
            Protocol::H1(h) => {
                if let Some(a) = h.current.take() {
                    a.ex.fail(e.clone());
                }
            }
            Protocol::H2(h) => {
                for (_, a) in h.streams.drain() {
                    a.ex.fail(e.clone());
                }
            }
            Protocol::Tunnel(t) => t.a.ex.fail(e.clone()),
        }
    }

    fn proto_closed(&self) -> bool {
        // Not at TLS's end of stream: the protocol inside may still hold a body the reader
        // has not taken; it says when it is done.
        self.proto.is_closed() || self.tls.as_ref().is_some_and(|t| t.tls.is_closed())
    }
}

impl ClientSession {
    /// [`Engine::recv`] inside TLS with a proxy (or without one).
    fn inner_recv(&mut self, now: Instant, input: &[u8]) -> Result<usize, Error> {
        self.now = now;
        if self.tls.is_none() {
            return self.proto.recv(now, input).map_err(|e| self.fail_conn(e));
        }
        let t = self.tls.as_mut().expect("TLS checked above");
        let n = match t.tls.recv(input) {
            Ok(n) => n,
            Err(e) => return Err(self.fail_conn(Error::Tls(e))),
        };
        self.pump_in().map_err(|e| self.fail_conn(e))?;
        Ok(n)
    }

    /// [`Engine::recv_eof`] inside TLS with a proxy (or without one).
    fn inner_recv_eof(&mut self) -> Result<(), Error> {
        if let Some(t) = &mut self.tls {
            t.tls.recv_eof();
            // What is still buffered goes in; a missing close_notify is not held against
            // the server (the protocol inside knows whether its message was complete).
            let _ = self.pump_in();
            let t = self.tls.as_mut().expect("TLS checked above");
            if !t.input.pass_eof_once() {
                return Ok(());
            }
        }
        self.proto.recv_eof().map_err(|e| self.fail_conn(e))
    }

    /// [`Engine::poll_transmit`] inside TLS with a proxy (or without one).
    fn inner_poll_transmit(&mut self, now: Instant, out: &mut Vec<u8>) -> Option<Bytes> {
        self.now = now;
        match &mut self.tls {
            None if self.closing => None,
            None => self.proto.poll_transmit(now, out),
            Some(t) => {
                let pumped = if self.closing {
                    Ok(())
                } else {
                    t.out.pump(&mut t.tls, &mut self.proto, now, KEEP_TX)
                };
                let start = out.len();
                t.tls.poll_transmit(out);
                if !self.hello_seen && out.len() > start {
                    self.hello_seen = true;
                    if let Ok(hello) = tls::ClientHello::parse_records(&out[start..]) {
                        self.shared.info().ja4 = Some(hello.fingerprints().ja4);
                    }
                }
                if let Err(e) = pumped {
                    self.fail_conn(Error::Tls(e));
                }
                None
            }
        }
    }

    /// [`Engine::wants_write`] inside TLS with a proxy (or without one).
    fn inner_wants_write(&self) -> bool {
        match &self.tls {
            None => !self.closing && self.proto.wants_write(),
            Some(t) => {
                t.tls.wants_write()
                    || (!self.closing
                        && self.error.is_none()
                        && t.tls.is_handshake_complete()
                        && t.out.wants_write(&self.proto))
            }
        }
    }

    /// Moves tunnel bytes out of TLS with the proxy into the inside, as far as it takes
    /// them; passes the tunnel's end once all came through. Returns whether bytes moved.
    fn pump_outer(&mut self) -> Result<bool, Error> {
        // Out of `self` while the inside runs: the inside never touches it.
        let Some(mut o) = self.outer.take() else {
            return Ok(false);
        };
        let Outer {
            tls,
            proxy,
            input,
            transport_eof,
            ..
        } = &mut *o;
        let end = End::Socket(*transport_eof);
        let now = self.now;
        let pumped = input.pump(tls, &mut Inside(self), now, end, |e| {
            proxy_tls_error(proxy, e)
        });
        self.outer = Some(o);
        pumped
    }

    /// Encrypts the inside's output for the proxy while TLS with it takes it; sends
    /// close_notify once the inside is over.
    fn pump_outer_out(&mut self, now: Instant) -> Result<(), Error> {
        // Out of `self` while the inside runs: the inside never touches it.
        let Some(mut o) = self.outer.take() else {
            return Ok(());
        };
        let Outer { tls, out, .. } = &mut *o;
        let pumped = out.pump(tls, &mut Inside(self), now, KEEP_TX);
        let pumped = pumped.map_err(|e| o.error(e));
        self.outer = Some(o);
        pumped
    }
}

/// The connection inside TLS with an `https://` proxy (TLS with the origin, or the protocol
/// itself), as the [`Engine`] whose output [`PlainOut`] moves into TLS with the proxy.
struct Inside<'a>(&'a mut ClientSession);

impl Engine for Inside<'_> {
    type Error = Error;

    fn recv(&mut self, now: Instant, input: &[u8]) -> Result<usize, Error> {
        self.0.inner_recv(now, input)
    }

    fn recv_eof(&mut self) -> Result<(), Error> {
        self.0.inner_recv_eof()
    }

    fn poll_transmit(&mut self, now: Instant, out: &mut Vec<u8>) -> Option<Bytes> {
        self.0.inner_poll_transmit(now, out)
    }

    fn wants_write(&self) -> bool {
        self.0.inner_wants_write()
    }

    /// The inside ended by itself (not closed by us, not failed): the close_notify to the
    /// proxy is due.
    fn is_closed(&self) -> bool {
        self.0.proto_closed() && !self.0.closing && self.0.error.is_none()
    }
}

impl Engine for ClientSession {
    type Error = Error;

    fn recv(&mut self, now: Instant, input: &[u8]) -> Result<usize, Error> {
        self.now = now;
        let Some(o) = self.outer.as_mut() else {
            return self.inner_recv(now, input);
        };
        let n = match o.tls.recv(input) {
            Ok(n) => n,
            Err(e) => {
                let e = o.error(e);
                return Err(self.fail_conn(e));
            }
        };
        self.pump_outer().map_err(|e| self.fail_conn(e))?;
        Ok(n)
    }

    fn recv_eof(&mut self) -> Result<(), Error> {
        let Some(o) = self.outer.as_mut() else {
            return self.inner_recv_eof();
        };
        o.tls.recv_eof();
        o.transport_eof = true;
        self.pump_outer().map(|_| ()).map_err(|e| self.fail_conn(e))
    }

    fn poll_transmit(&mut self, now: Instant, out: &mut Vec<u8>) -> Option<Bytes> {
        self.now = now;
        if self.outer.is_none() {
            return self.inner_poll_transmit(now, out);
        }
        if !self.closing
            && let Err(e) = self.pump_outer_out(now)
        {
            self.fail_conn(e);
        }
        if let Some(o) = self.outer.as_mut() {
            o.tls.poll_transmit(out);
        }
        None
    }

    fn wants_write(&self) -> bool {
        match &self.outer {
            None => self.inner_wants_write(),
            Some(o) => {
                o.tls.wants_write()
                    || (!self.closing
                        && self.error.is_none()
                        && (o.out.pending()
                            || self.inner_wants_write()
                            || (self.proto_closed() && !o.out.close_sent())))
            }
        }
    }

    fn is_closed(&self) -> bool {
        self.closing
            || self.error.is_some()
            || self.proto_closed()
            || self.outer.as_ref().is_some_and(|o| o.tls.is_closed())
    }

    fn poll_timeout(&self) -> Option<Instant> {
        match &self.proto {
            Protocol::H2(h) => h.conn.poll_timeout(),
            _ => None,
        }
    }

    fn handle_timeout(&mut self, now: Instant) -> Result<(), Error> {
        self.now = now;
        if let Protocol::H2(h) = &mut self.proto {
            h.conn
                .handle_timeout(now)
                .map_err(|e| Error::Protocol(ProtocolError::H2(e)))
                .map_err(|e| self.fail_conn(e))?;
        }
        Ok(())
    }
}

impl Session for ClientSession {
    type Engine = Self;
    type Pooled = Vec<u8>;

    /// A client reads while it sends: a server's early answer (RFC 9112 9.5) is taken even
    /// when the request body backs up or the server closed without reading it, and a
    /// server that answers as it reads (an echo) never waits on a client that waits on it.
    fn watches_while_sending(&self) -> bool {
        true
    }

    /// HTTP/2 with streams in flight reads ahead: their frames come one after another, and
    /// the next drive (the caller queued a request, a reader made room) reads them without
    /// a `poll` first. HTTP/1.1 does not: its one exchange just got what the server sent.
    fn reads_ahead(&self) -> bool {
        !self.closing && matches!(&self.proto, Protocol::H2(h) if !h.streams.is_empty())
    }

    /// Output written is news only while something waits for room: a request body being
    /// fed, TLS or a tunnel holding bytes back, an HTTP/2 connection (its streams and
    /// flow control), a job not yet started. An HTTP/1.1 exchange whose request went out
    /// whole (the usual GET) waits only for the answer, which comes by a read.
    fn wants_output_moved(&self) -> bool {
        let sent = matches!(
            &self.proto,
            Protocol::H1(h) if h.current.as_ref().is_some_and(|a| a.send.done)
        );
        !(sent && self.tls.is_none() && self.outer.is_none() && self.jobs.is_empty())
    }

    /// The completion queues' signals put off during the turn go now.
    fn turn_end() {
        crate::client::queue::flush_deferred();
    }

    fn engine(&self) -> &Self {
        self
    }

    fn engine_mut(&mut self) -> &mut Self {
        self
    }

    fn process(&mut self, cx: &mut Context<'_, Vec<u8>>) {
        self.now = cx.now;
        self.backed_up = cx.backed_up;
        if self.waker.is_none() {
            self.waker = cx.waker();
        }
        self.shared.take_jobs(self.waker.as_ref(), &mut self.jobs);
        loop {
            self.step();
            if self.error.is_some() {
                break;
            }
            // Tunnel bytes held back from the inside, then plaintext held back from the
            // protocol: either may go in now that readers made room.
            let moved = self
                .pump_outer()
                .and_then(|o| Ok(o | (self.tls.is_some() && self.pump_in()?)));
            match moved {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => {
                    self.fail_conn(e);
                    break;
                }
            }
        }
        if let Some(e) = self.error.clone() {
            self.fail_all(&e);
        } else if self.closing || self.proto_closed() {
            self.fail_all(&Error::ConnectionClosed);
        }
        if self.busy() {
            self.idle_since = None;
        } else if self.idle_since.is_none() {
            self.idle_since = Some(self.now);
        }
    }

    fn poll_timeout(&self) -> Option<Instant> {
        if self.closing || self.error.is_some() {
            return None;
        }
        if let Some(t) = &self.tls
            && !t.tls.is_handshake_complete()
        {
            return self.settings.timeouts.tls_handshake.deadline(t.since);
        }
        let mut next = self
            .actives()
            .filter_map(|a| {
                let d = a.deadline().map(|(d, _)| d);
                match (d, a.continue_deadline()) {
                    (Some(d), Some(c)) => Some(d.min(c)),
                    (d, c) => d.or(c),
                }
            })
            .min();
        let mut join = |d: Option<Instant>| {
            if let Some(d) = d {
                next = Some(next.map_or(d, |n| n.min(d)));
            }
        };
        for job in &self.jobs {
            join(job.req.timeouts.total.deadline(job.ex.started));
        }
        if let Some(since) = self.idle_since {
            join(self.settings.timeouts.pool_idle.deadline(since));
        }
        next
    }

    fn handle_timeout(&mut self, cx: &mut Context<'_, Vec<u8>>) {
        let now = cx.now;
        self.now = now;
        self.backed_up = cx.backed_up;
        if let Some(t) = &self.tls
            && !t.tls.is_handshake_complete()
        {
            if self
                .settings
                .timeouts
                .tls_handshake
                .deadline(t.since)
                .is_some_and(|d| d <= now)
            {
                self.fail_conn(Error::Timeout(TimeoutKind::TlsHandshake));
            }
            return;
        }
        let expired = |a: &Active| a.deadline().filter(|(d, _)| *d <= now).map(|(_, k)| k);
        match &mut self.proto {
            Protocol::H1(h) => {
                if let Some(a) = &mut h.current {
                    a.continue_due(now);
                }
            }
            Protocol::H2(h) => {
                for a in h.streams.values_mut() {
                    a.continue_due(now);
                }
            }
            _ => {}
        }
        match &mut self.proto {
            Protocol::Pending => {}
            Protocol::Tunnel(t) => {
                if let Some(kind) = expired(&t.a) {
                    t.a.ex.fail(Error::Timeout(kind));
                    self.closing = true;
                }
            }
            Protocol::H1(h) => {
                if let Some(kind) = h.current.as_ref().and_then(expired) {
                    let a = h.current.take().expect("checked above");
                    a.ex.fail(Error::Timeout(kind));
                    // The rest of the response is not read: the connection cannot be reused.
                    self.shared.mark_closed();
                    self.closing = true;
                }
            }
            Protocol::H2(h) => {
                let late: Vec<(u32, TimeoutKind)> = h
                    .streams
                    .iter()
                    .filter_map(|(id, a)| expired(a).map(|k| (*id, k)))
                    .collect();
                for (id, kind) in late {
                    if let Some(a) = h.streams.remove(&id) {
                        let _ = h.conn.reset(StreamId::new(id), ErrorCode::CANCEL);
                        a.ex.fail(Error::Timeout(kind));
                        self.shared.release();
                    }
                }
            }
        }
        self.jobs.retain(|job| {
            let late = job
                .req
                .timeouts
                .total
                .deadline(job.ex.started)
                .is_some_and(|d| d <= now);
            if late {
                job.ex.fail(Error::Timeout(TimeoutKind::Total));
                self.shared.release();
            }
            !late
        });
        if !self.busy()
            && self
                .idle_since
                .and_then(|s| self.settings.timeouts.pool_idle.deadline(s))
                .is_some_and(|d| d <= now)
        {
            self.shared.mark_closed();
            self.closing = true;
        }
    }

    fn shutdown(&mut self, _cx: &mut Context<'_, Vec<u8>>) {
        self.fail_conn(Error::Shutdown);
        self.fail_all(&Error::Shutdown);
        self.closing = true;
    }
}

impl Drop for ClientSession {
    fn drop(&mut self) {
        let e = self.error.clone().unwrap_or(Error::ConnectionClosed);
        self.fail_all(&e);
    }
}

#[cfg(test)]
mod tests {
    use super::{INLINE_FIELDS, InlineList};

    /// Items come back in order whether they fit in place or spilled into the `Vec`.
    #[test]
    fn an_inline_list_keeps_its_order_past_its_inline_room() {
        for n in [
            0,
            1,
            INLINE_FIELDS - 1,
            INLINE_FIELDS,
            INLINE_FIELDS + 1,
            3 * INLINE_FIELDS,
        ] {
            let mut l = InlineList::new(0usize);
            l.extend(0..n);
            assert_eq!(l.as_slice(), (0..n).collect::<Vec<_>>(), "{n} items");
            assert_eq!(l.spill.is_empty(), n <= INLINE_FIELDS);
        }
    }
}
