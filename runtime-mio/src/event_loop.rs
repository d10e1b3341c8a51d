//! The readiness loop (STYLE.md item 15): one mio [`Poll`], a listener (a server's loop), and
//! a slab of connections keyed by their token. Connections come from the listener or, for a
//! loop that dials out (the client's, [`EventLoop::without_listener`]), from other threads
//! through a [`Registrar`]: a connected socket and its session, adopted at the next wake-up.
//!
//! The listener is drained until `WouldBlock`. When an accept fails for want of resources
//! (out of descriptors), the connections left in the listen queue are accepted as soon as a
//! connection closes, or after 100 ms: the edge-triggered listener would not report them
//! again before another connection arrived.
//!
//! Per connection the loop keeps the socket, the protocol [`Session`] (an [`Engine`] and the
//! glue that drains its events) and, only while the socket is backed up, the bytes not yet
//! written. Reading and writing go through two scratch buffers the loop owns, so a
//! connection whose output is flushed holds no buffer of the loop's.
//!
//! On every readiness event or timer the loop *drives* the connection until nothing moves:
//! - write what is pending, then what [`Engine::poll_transmit`] gives (`out` and the payload
//!   in one `write_vectored`; short payloads followed by more output are copied into `out`,
//!   so that a batch of pipelined responses or HTTP/2 frames is one write), until
//!   `WouldBlock`; WRITABLE is asked for only while bytes are left over;
//! - read until `WouldBlock` into the engine ([`Engine::recv`]), letting the session drain
//!   events after each read; bytes the engine did not take wait in the connection and are
//!   offered again; no read happens while output is backed up (backpressure);
//! - close once the engine [`is_closed`](Engine::is_closed) and nothing is left to write:
//!   at once when the peer ended its side, else by a lingering close (our side shut down,
//!   the peer's further bytes read and dropped until its end of stream, for at most 2 s), so
//!   that unread input does not make the kernel reset the connection and destroy a reply the
//!   peer has not read yet.
//!
//! Each connection has one deadline in [`Timers`]: the earliest of its session's phase timer,
//! its engine's [`poll_timeout`](Engine::poll_timeout) and the write-stall timer. `poll`
//! waits until the earliest of all of them.

use std::fmt;
use std::io::{self, Read};
use std::net::Shutdown;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use bytes::Bytes;
use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token, Waker};
use slab::Slab;

use crate::buffer::{Pool, Recycle};
use crate::engine::Engine;
use crate::timer::{Timeouts, Timers};

mod output;
use output::flush_or_stop;

const LISTENER: Token = Token(usize::MAX - 1);
const WAKER: Token = Token(usize::MAX - 2);
/// Longest lingering close (see [`EventLoop`]).
const LINGER: std::time::Duration = std::time::Duration::from_secs(2);
/// After an accept failed for want of resources (out of descriptors, of memory), the
/// longest wait before trying again; a connection closing frees a descriptor and tries at
/// once.
const ACCEPT_RETRY: std::time::Duration = std::time::Duration::from_millis(100);
/// Reads per connection per turn before others get theirs.
const READS_PER_TURN: usize = 16;
/// A read that returns less than asked for leaves the socket's receive queue empty, and any
/// byte that arrives afterwards raises a new edge-triggered readiness event: true of a TCP
/// socket under Linux's epoll (each arrival wakes the socket's wait queue, which re-arms an
/// `EPOLLET` registration) and BSD's kqueue (`EV_CLEAR` reports new data). Not of an end of
/// stream that came with the bytes (the event that reported both is the last): once an event
/// says read-closed, reads go on until they see it. Elsewhere the loop reads until
/// `WouldBlock`, as mio's contract asks.
const SHORT_READ_DRAINS: bool = cfg!(any(
    target_os = "linux",
    target_os = "android",
    target_os = "freebsd",
    target_os = "macos"
));

/// What a session's callbacks get from the loop.
#[derive(Debug)]
pub struct Context<'a, T> {
    /// The loop's clock for this turn.
    pub now: Instant,
    /// The loop's buffer pool.
    pub pool: &'a mut Pool<T>,
    /// The loop is shutting down gracefully.
    pub draining: bool,
    /// The loop holds output of this connection that the socket has not taken yet (the
    /// write-stall timer applies; a session's own timers for the peer should wait).
    pub backed_up: bool,
    /// The connection's fingerprint, when a wrapping session (TLS) computed one for the
    /// session inside; the loop itself gives `None`.
    pub fingerprint: Option<&'a std::sync::Arc<crate::fingerprint::ClientFingerprint>>,
    /// The loop's wake-ups and this connection's key (see [`Context::waker`]).
    pub(crate) wake: Option<(&'a Arc<Wakeups>, usize)>,
}

impl<T> Context<'_, T> {
    /// A handle that wakes the loop to drive this connection again, from any thread (a
    /// body writer uses it when data arrives for an idle connection); `None` outside a
    /// loop.
    #[must_use]
    pub fn waker(&self) -> Option<ConnWaker> {
        self.wake.map(|(w, key)| ConnWaker {
            wakeups: Arc::clone(w),
            key,
        })
    }
}

/// The connections a loop was asked to drive again from other threads, and its waker.
#[derive(Debug)]
pub struct Wakeups {
    keys: Mutex<Vec<usize>>,
    waker: Arc<Waker>,
    /// A local loop's thread ([`EventLoop::local`]): wakes from it only join the list.
    owner: Option<std::thread::ThreadId>,
}

/// Whether the calling thread is `owner`, the thread that runs a local loop: that thread
/// takes the wake-ups and new connections itself before it polls again, so they need no
/// signal (an `eventfd` write under Linux).
fn on_owner(owner: Option<std::thread::ThreadId>) -> bool {
    owner.is_some_and(|o| std::thread::current().id() == o)
}

/// Wakes a loop to drive one connection again ([`Context::waker`]).
#[derive(Debug, Clone)]
pub struct ConnWaker {
    wakeups: Arc<Wakeups>,
    key: usize,
}

impl ConnWaker {
    /// Asks the loop to call the connection's [`Session::process`] and drive it. A wake for
    /// a connection that closed meanwhile does nothing harmful (at most its slot's next
    /// occupant is driven once more).
    ///
    /// Only the first wake since the loop last took the list signals the loop's waker (a
    /// system call); later ones join the list that signal will make the loop take. On a
    /// local loop's own thread ([`EventLoop::local`]) no wake signals: that thread takes the
    /// list before it polls again.
    pub fn wake(&self) {
        let first = {
            let mut keys = self
                .wakeups
                .keys
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            keys.push(self.key);
            keys.len() == 1
        };
        if first && !on_owner(self.wakeups.owner) {
            let _ = self.wakeups.waker.wake();
        }
    }
}

/// A protocol's glue: an engine plus what reacts to its events. The loop moves bytes; the
/// session drains events, answers them through the engine's `send_*`, and keeps its own
/// phase timers.
pub trait Session {
    /// The engine the loop feeds.
    type Engine: Engine;
    /// What the session keeps in the loop's pool.
    type Pooled: Recycle;

    /// The engine.
    fn engine(&self) -> &Self::Engine;
    /// The engine, mutably.
    fn engine_mut(&mut self) -> &mut Self::Engine;

    /// Bytes are about to be offered to the engine (lend it buffers from the pool).
    fn prepare(&mut self, cx: &mut Context<'_, Self::Pooled>) {
        let _ = cx;
    }

    /// Something happened (bytes taken, end of stream, output written, a timeout): drain the
    /// engine's events and react.
    fn process(&mut self, cx: &mut Context<'_, Self::Pooled>);

    /// The session's own next deadline (its phase timer).
    fn poll_timeout(&self) -> Option<Instant>;

    /// A deadline passed (the engine's own has been handled already).
    fn handle_timeout(&mut self, cx: &mut Context<'_, Self::Pooled>);

    /// Graceful shutdown: finish what is in progress, accept nothing new.
    fn shutdown(&mut self, cx: &mut Context<'_, Self::Pooled>);

    /// A wrapping TLS session completed its handshake having agreed on this ALPN protocol
    /// (`None`: none): called once, before any application byte reaches the engine, so
    /// that the protocol can be chosen from it. Does nothing by default.
    fn alpn_agreed(&mut self, protocol: Option<&[u8]>) {
        let _ = protocol;
    }

    /// Whether the peer's bytes are read while output is backed up, and after a write
    /// failed (until the peer's end of stream or a read error): a client watching for an
    /// early answer while it sends a request body (RFC 9112 9.5: a server may answer 413
    /// and close before taking the body). Default false: a server stops reading while its
    /// output backs up (backpressure) and drops a connection it cannot write to.
    fn watches_while_sending(&self) -> bool {
        false
    }

    /// Whether output written (the socket took bytes the engine queued) is news to the
    /// session: then it is processed again, so that a session streaming a body queues more.
    /// A session with nothing waiting for room (an HTTP/1.1 client whose request went out
    /// whole) says no, and the loop spares it a pass that would find nothing to do. Default
    /// true.
    fn wants_output_moved(&self) -> bool {
        true
    }

    /// Whether more bytes are expected soon after a read that emptied the socket: then a
    /// local loop's next drive of the connection by a wake-up between turns
    /// ([`EventLoop::run_woken`]: the caller queued a request, a reader made room) reads
    /// once before anything waits for readiness. An HTTP/2 client with streams in flight,
    /// whose server answers them one frame after another, gets them in one read per
    /// wake-up instead of a `poll` and a read; a read that finds nothing (`WouldBlock`)
    /// costs one system call and waits for the next readiness event. A loop on its own
    /// thread, whose wake-ups come through `poll` anyway, never reads ahead. Default false.
    fn reads_ahead(&self) -> bool {
        false
    }

    /// The loop finished a turn (the ready connections, wake-ups and timers of one `poll`)
    /// and is about to wait again, or to return from [`EventLoop::run`]: signals to other
    /// threads that this session type put off during the turn go now, one per waiting thread
    /// instead of one per event (the client's completion queue). Does nothing by default.
    fn turn_end()
    where
        Self: Sized,
    {
    }
}

/// Loop configuration.
#[derive(Debug, Clone, Copy)]
pub struct LoopConfig {
    /// Timeouts: the loop applies `write_stall` and `shutdown_grace`; sessions the rest.
    pub timeouts: Timeouts,
    /// Most open connections; more are accepted and closed at once. Default 10,000.
    pub max_connections: usize,
    /// Size of the loop's read scratch buffer (one per loop). Default 64 KiB.
    pub read_buffer: usize,
    /// Most pooled items. Default 1024.
    pub pool_items: usize,
    /// Largest pooled item in bytes. Default 256 KiB.
    pub pool_item_bytes: usize,
}

impl Default for LoopConfig {
    fn default() -> Self {
        LoopConfig {
            timeouts: Timeouts::default(),
            max_connections: 10_000,
            read_buffer: 64 * 1024,
            pool_items: 1024,
            pool_item_bytes: 256 * 1024,
        }
    }
}

/// Stops a running [`EventLoop`] gracefully from any thread.
#[derive(Debug, Clone)]
pub struct Stopper {
    flag: Arc<AtomicBool>,
    waker: Arc<Waker>,
}

impl Stopper {
    /// Asks the loop to stop accepting, let its connections finish (within the shutdown
    /// grace timeout) and return.
    ///
    /// # Errors
    /// Waking the loop failed.
    pub fn stop(&self) -> io::Result<()> {
        self.flag.store(true, Ordering::Release);
        self.waker.wake()
    }
}

/// Connections handed to a loop by other threads ([`Registrar`]); `None` once the loop
/// ended (what was still queued is dropped with it).
type Incoming<S> = Arc<Mutex<Option<Vec<(TcpStream, S)>>>>;

/// Hands connected sockets to a running [`EventLoop`] from any thread (a client's dialer):
/// each is registered and driven like an accepted one.
pub struct Registrar<S> {
    incoming: Incoming<S>,
    waker: Arc<Waker>,
    /// A local loop's thread: what it hands over needs no wake (see [`ConnWaker::wake`]).
    owner: Option<std::thread::ThreadId>,
}

impl<S> Clone for Registrar<S> {
    fn clone(&self) -> Self {
        Registrar {
            incoming: Arc::clone(&self.incoming),
            waker: Arc::clone(&self.waker),
            owner: self.owner,
        }
    }
}

impl<S> fmt::Debug for Registrar<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registrar").finish_non_exhaustive()
    }
}

impl<S> Registrar<S> {
    /// Gives `stream` (connected; made non-blocking here) and its session to the loop, which
    /// adopts it at its next turn and drives it at once (a session with output, a TLS
    /// ClientHello say, has it written then).
    ///
    /// # Errors
    /// The loop has ended (the session is handed back), or the socket could not be made
    /// non-blocking, or waking the loop failed.
    pub fn add(&self, stream: std::net::TcpStream, session: S) -> Result<(), (io::Error, S)> {
        if let Err(e) = stream.set_nonblocking(true) {
            return Err((e, session));
        }
        let _ = stream.set_nodelay(true);
        {
            let mut q = self
                .incoming
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let Some(q) = q.as_mut() else {
                return Err((io::Error::other("event loop has ended"), session));
            };
            q.push((TcpStream::from_std(stream), session));
        }
        // The connection is queued: a failed wake leaves it for the loop's next turn. A
        // local loop's own thread adopts it before it polls again.
        if !on_owner(self.owner) {
            let _ = self.waker.wake();
        }
        Ok(())
    }
}

/// Output the socket did not take: bytes from `pos`, then a payload. Boxed in its
/// connection, which holds none of it most of the time.
struct Backlog {
    tx: Vec<u8>,
    pos: usize,
    payload: Option<Bytes>,
    /// When output last moved (or started waiting): the write-stall timer runs from here.
    progress: Instant,
}

struct Conn<S> {
    stream: TcpStream,
    session: S,
    /// Output not yet written (only while the socket is backed up).
    backlog: Option<Box<Backlog>>,
    /// Bytes read and not yet taken by the engine (rare: boxed).
    rx: Option<Box<[u8]>>,
    /// The socket may have more to read (edge-triggered readiness).
    readable: bool,
    /// A read emptied the socket while the session expected more soon
    /// ([`Session::reads_ahead`]): a drive from [`EventLoop::run_woken`] reads once more
    /// before any `poll`.
    ahead: bool,
    /// A readiness event said the peer's end of stream (or an error) is queued.
    read_closed: bool,
    eof: bool,
    /// The engine returned an error; its reaction is queued. Nothing more is read.
    failed: bool,
    writable: bool,
    /// Lingering close: our side is shut down; the peer's bytes are read and dropped until
    /// its end of stream or the connection's timer (set to the lingering deadline).
    lingering: bool,
    /// A write failed and the session watches while sending
    /// ([`Session::watches_while_sending`]): nothing more is written; the peer's bytes are
    /// read until its end of stream.
    write_failed: bool,
}

impl<S> Conn<S> {
    /// No more output can go now: the socket is backed up, or a write failed.
    fn backed_up(&self) -> bool {
        self.backlog.is_some() || self.write_failed
    }

    /// When the write-stall timer fires, while output is backed up.
    fn stall_deadline(&self, stall: crate::timer::Timeout) -> Option<Instant> {
        stall.deadline(self.backlog.as_ref()?.progress)
    }
}

/// What driving a connection left it as.
enum Driven {
    Open,
    /// More to read: drive again next turn.
    Again,
    Close,
}

/// One readiness loop: a listener and the connections it accepted, each driven through a
/// [`Session`] made by `new_session` (`None`: the connection is closed at once, e.g. when a
/// TLS session cannot be made).
pub struct EventLoop<S: Session, F> {
    poll: Poll,
    listener: Option<TcpListener>,
    conns: Slab<Conn<S>>,
    timers: Timers,
    pool: Pool<S::Pooled>,
    read_buf: Vec<u8>,
    write_buf: Vec<u8>,
    config: LoopConfig,
    new_session: F,
    stop: Arc<AtomicBool>,
    waker: Arc<Waker>,
    wakeups: Arc<Wakeups>,
    woken: Vec<usize>,
    incoming: Incoming<S>,
    draining: Option<Instant>,
    again: Vec<usize>,
    expired: Vec<usize>,
    /// An accept failed for want of resources: connections may wait in the listen queue,
    /// and the listener (edge-triggered) will not say so again until another one arrives.
    /// Accept again at this instant, or as soon as a connection closed.
    accept_retry: Option<Instant>,
    /// A connection closed this turn (a descriptor was freed).
    freed: bool,
    /// The readiness events of a turn (taken out while they are handled).
    events: Events,
    /// A local loop's thread ([`EventLoop::local`]).
    owner: Option<std::thread::ThreadId>,
}

impl<S: Session, F: FnMut(Instant) -> Option<S>> EventLoop<S, F> {
    /// A loop accepting on `listener` (already bound and non-blocking).
    ///
    /// # Errors
    /// Creating the poller or registering the listener failed.
    pub fn new(listener: TcpListener, config: LoopConfig, new_session: F) -> io::Result<Self> {
        Self::build(Some(listener), config, new_session, None)
    }

    fn build(
        mut listener: Option<TcpListener>,
        config: LoopConfig,
        new_session: F,
        owner: Option<std::thread::ThreadId>,
    ) -> io::Result<Self> {
        let poll = Poll::new()?;
        if let Some(l) = &mut listener {
            poll.registry().register(l, LISTENER, Interest::READABLE)?;
        }
        let waker = Arc::new(Waker::new(poll.registry(), WAKER)?);
        let wakeups = Arc::new(Wakeups {
            keys: Mutex::new(Vec::new()),
            waker: Arc::clone(&waker),
            owner,
        });
        Ok(EventLoop {
            poll,
            listener,
            conns: Slab::new(),
            timers: Timers::new(),
            pool: Pool::new(config.pool_items, config.pool_item_bytes),
            read_buf: vec![0; config.read_buffer.max(1)],
            write_buf: Vec::new(),
            config,
            new_session,
            stop: Arc::new(AtomicBool::new(false)),
            waker,
            wakeups,
            woken: Vec::new(),
            incoming: Arc::new(Mutex::new(Some(Vec::new()))),
            draining: None,
            again: Vec::new(),
            expired: Vec::new(),
            accept_retry: None,
            freed: false,
            events: Events::with_capacity(1024),
            owner,
        })
    }

    /// A handle that stops this loop gracefully.
    #[must_use]
    pub fn stopper(&self) -> Stopper {
        Stopper {
            flag: Arc::clone(&self.stop),
            waker: Arc::clone(&self.waker),
        }
    }

    /// A handle that gives this loop connections from other threads.
    #[must_use]
    pub fn registrar(&self) -> Registrar<S> {
        Registrar {
            incoming: Arc::clone(&self.incoming),
            waker: Arc::clone(&self.waker),
            owner: self.owner,
        }
    }

    /// Open connections.
    #[must_use]
    pub fn connections(&self) -> usize {
        self.conns.len()
    }

    /// Runs until stopped ([`Stopper::stop`]) and every connection finished, or the shutdown
    /// grace timeout passed.
    ///
    /// # Errors
    /// The poller failed.
    pub fn run(&mut self) -> io::Result<()> {
        let result = self.run_inner();
        self.close_intake();
        S::turn_end();
        result
    }

    /// Ends the loop's intake: connections handed over later ([`Registrar::add`]) are
    /// dropped, and those still queued are dropped now (their sessions say so to whoever
    /// waits on them). [`EventLoop::run`] does this when it returns; a loop run turn by turn
    /// ([`EventLoop::local`]) does it when its owner is done.
    pub fn close_intake(&mut self) {
        let queued = self
            .incoming
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        drop(queued);
    }

    fn run_inner(&mut self) -> io::Result<()> {
        loop {
            let now = Instant::now();
            if let Some(grace_end) = self.draining
                && (self.conns.is_empty() || now >= grace_end)
            {
                return Ok(());
            }
            self.turn(None)?;
        }
    }

    /// One turn: waits for readiness at most until the earliest of the loop's deadlines
    /// and `limit` (not at all when a connection has more to read), then drives the ready
    /// connections, the woken ones, and those whose deadline passed, and ends the turn
    /// ([`Session::turn_end`]). An interrupted wait is a turn that did nothing.
    ///
    /// # Errors
    /// The poller failed.
    pub fn turn(&mut self, limit: Option<std::time::Duration>) -> io::Result<()> {
        let now = Instant::now();
        let timeout = if self.again.is_empty() {
            let mut next = self.timers.next_deadline();
            if let Some(g) = self.draining {
                next = Some(next.map_or(g, |n| n.min(g)));
            }
            if let Some(r) = self.accept_retry {
                next = Some(next.map_or(r, |n| n.min(r)));
            }
            let next = next.map(|d| d.saturating_duration_since(now));
            match (next, limit) {
                (Some(n), Some(l)) => Some(n.min(l)),
                (n, l) => n.or(l),
            }
        } else {
            Some(std::time::Duration::ZERO)
        };
        let mut events = std::mem::replace(&mut self.events, Events::with_capacity(0));
        let polled = self.poll.poll(&mut events, timeout);
        match polled {
            Ok(()) => self.handle(&events),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                self.events = events;
                return Err(e);
            }
        }
        self.events = events;
        Ok(())
    }

    /// A local loop's step between turns ([`EventLoop::local`]): adopts the connections
    /// handed over and drives the connections woken since the last turn, which on the
    /// loop's own thread signal nothing ([`ConnWaker::wake`]).
    pub fn run_woken(&mut self) {
        let now = Instant::now();
        self.adopt(now);
        self.wake_conns(now, true);
    }

    /// What one `poll` reported, then the connections to read again, the expired
    /// deadlines, and the turn's end.
    fn handle(&mut self, events: &Events) {
        let now = Instant::now();
        for key in std::mem::take(&mut self.again) {
            if self.conns.contains(key) {
                self.drive(key, now);
            }
        }
        for ev in events {
            match ev.token() {
                LISTENER => self.accept(now),
                WAKER => {
                    if self.stop.load(Ordering::Acquire) && self.draining.is_none() {
                        self.begin_shutdown(now);
                    }
                    self.adopt(now);
                    self.wake_conns(now, false);
                }
                Token(key) => {
                    let Some(c) = self.conns.get_mut(key) else {
                        continue;
                    };
                    if ev.is_readable() || ev.is_read_closed() || ev.is_error() {
                        c.readable = true;
                        // The end of stream (or an error) is already queued: no event
                        // will announce it again, so reads go on until it is seen.
                        c.read_closed |= ev.is_read_closed() || ev.is_error();
                    }
                    self.drive(key, now);
                }
            }
        }
        // Collected first: a deadline re-armed at or before `now` waits for the next turn
        // instead of spinning here.
        let mut expired = std::mem::take(&mut self.expired);
        while let Some(key) = self.timers.pop_expired(now) {
            expired.push(key);
        }
        for key in expired.drain(..) {
            self.expire(key, now);
        }
        self.expired = expired;
        if self.accept_retry.is_some_and(|at| self.freed || now >= at) {
            self.accept(now);
        }
        self.freed = false;
        S::turn_end();
    }

    fn accept(&mut self, now: Instant) {
        self.accept_retry = None;
        loop {
            let Some(listener) = &self.listener else {
                return;
            };
            let (stream, _) = match listener.accept() {
                Ok(s) => s,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                // Interrupted, or a connection reset before it was accepted: the next one.
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::Interrupted | io::ErrorKind::ConnectionAborted
                    ) =>
                {
                    continue;
                }
                // Out of descriptors or memory: the queued connections wait until one
                // closes, or ACCEPT_RETRY.
                Err(_) => {
                    self.accept_retry = Some(now + ACCEPT_RETRY);
                    return;
                }
            };
            if self.conns.len() >= self.config.max_connections {
                continue;
            }
            let Some(session) = (self.new_session)(now) else {
                continue;
            };
            let _ = stream.set_nodelay(true);
            self.insert(stream, session, now, true);
        }
    }

    /// Adopts the connections other threads handed over ([`Registrar::add`]). While
    /// shutting down none is adopted: dropping the session tells whoever waits on it.
    fn adopt(&mut self, now: Instant) {
        let new: Vec<(TcpStream, S)> = {
            let mut q = self
                .incoming
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            match q.as_mut() {
                Some(v) if !v.is_empty() => std::mem::take(v),
                _ => return,
            }
        };
        for (stream, session) in new {
            if self.draining.is_none() && self.conns.len() < self.config.max_connections {
                // A dialed connection's session has work before any byte arrives (the
                // request it was made for): it gets its first `process` (with its waker in
                // the context) before it is driven.
                if let Some(key) = self.insert(stream, session, now, false) {
                    self.process_and_drive(key, now);
                }
            }
        }
    }

    /// Registers `stream` with `session` and, if `drive`, drives it once. Returns its key.
    fn insert(
        &mut self,
        mut stream: TcpStream,
        session: S,
        now: Instant,
        drive: bool,
    ) -> Option<usize> {
        let entry = self.conns.vacant_entry();
        let key = entry.key();
        if self
            .poll
            .registry()
            .register(&mut stream, Token(key), Interest::READABLE)
            .is_err()
        {
            return None;
        }
        entry.insert(Conn {
            stream,
            session,
            backlog: None,
            rx: None,
            readable: false,
            ahead: false,
            read_closed: false,
            eof: false,
            failed: false,
            writable: false,
            lingering: false,
            write_failed: false,
        });
        if drive {
            self.drive(key, now);
        }
        Some(key)
    }

    /// Calls the session's [`Session::process`] and drives the connection (a wake-up).
    fn process_and_drive(&mut self, key: usize, now: Instant) {
        let Some(c) = self.conns.get_mut(key) else {
            return;
        };
        if c.lingering {
            return;
        }
        let mut cx = Context {
            now,
            pool: &mut self.pool,
            draining: self.draining.is_some(),
            backed_up: c.backed_up(),
            fingerprint: None,
            wake: Some((&self.wakeups, key)),
        };
        c.session.process(&mut cx);
        self.drive(key, now);
    }

    /// Drives the connections woken ([`ConnWaker`]) since the last time; with `read_ahead` (a local loop
    /// between turns, no `poll` just made) those whose session reads ahead read first.
    fn wake_conns(&mut self, now: Instant, read_ahead: bool) {
        let mut woken = std::mem::take(&mut self.woken);
        std::mem::swap(
            &mut woken,
            &mut self
                .wakeups
                .keys
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        woken.sort_unstable();
        woken.dedup();
        for &key in &woken {
            if read_ahead && let Some(c) = self.conns.get_mut(key) {
                c.readable |= std::mem::take(&mut c.ahead);
            }
            self.process_and_drive(key, now);
        }
        woken.clear();
        self.woken = woken;
    }

    fn begin_shutdown(&mut self, now: Instant) {
        if let Some(mut l) = self.listener.take() {
            let _ = self.poll.registry().deregister(&mut l);
        }
        let grace = self
            .config
            .timeouts
            .shutdown_grace
            .deadline(now)
            // Unlimited: wait for the connections however long they take.
            .unwrap_or_else(|| now + std::time::Duration::from_secs(365 * 24 * 3600));
        self.draining = Some(grace);
        let keys: Vec<usize> = self.conns.iter().map(|(k, _)| k).collect();
        for key in keys {
            let c = &mut self.conns[key];
            let mut cx = Context {
                now,
                pool: &mut self.pool,
                draining: true,
                backed_up: c.backed_up(),
                fingerprint: None,
                wake: Some((&self.wakeups, key)),
            };
            c.session.shutdown(&mut cx);
            self.drive(key, now);
        }
    }

    fn expire(&mut self, key: usize, now: Instant) {
        let Some(c) = self.conns.get_mut(key) else {
            return;
        };
        if c.lingering {
            self.drive(key, now);
            return;
        }
        if c.stall_deadline(self.config.timeouts.write_stall)
            .is_some_and(|d| d <= now)
        {
            self.close(key);
            return;
        }
        let mut cx = Context {
            now,
            pool: &mut self.pool,
            draining: self.draining.is_some(),
            backed_up: c.backed_up(),
            fingerprint: None,
            wake: Some((&self.wakeups, key)),
        };
        if c.session.engine().poll_timeout().is_some_and(|d| d <= now)
            && c.session.engine_mut().handle_timeout(now).is_err()
        {
            c.failed = true;
        }
        c.session.handle_timeout(&mut cx);
        c.session.process(&mut cx);
        self.drive(key, now);
    }

    fn close(&mut self, key: usize) {
        self.timers.set(key, None);
        let mut c = self.conns.remove(key);
        self.freed = true;
        let _ = self.poll.registry().deregister(&mut c.stream);
        let _ = c.stream.shutdown(Shutdown::Write);
    }

    /// Moves bytes for connection `key` until nothing moves, then updates its interest and
    /// deadline, or closes it.
    fn drive(&mut self, key: usize, now: Instant) {
        let EventLoop {
            poll,
            conns,
            pool,
            read_buf,
            write_buf,
            config,
            draining,
            wakeups,
            ..
        } = self;
        let c = &mut conns[key];
        if c.lingering {
            // The deadline is the connection's timer; an expired one was disarmed.
            let deadline = self.timers.get(key);
            match linger(c, read_buf) {
                // Shutting down: a lingering connection waits no longer.
                Ok(false) if deadline.is_some_and(|d| now < d) && draining.is_none() => {}
                _ => self.close(key),
            }
            return;
        }
        let mut cx = Context {
            now,
            pool,
            draining: draining.is_some(),
            backed_up: c.backed_up(),
            fingerprint: None,
            wake: Some((wakeups, key)),
        };
        let result = drive_conn(c, &mut cx, read_buf, write_buf);
        let result = match result {
            Ok(r) => r,
            Err(_) => Driven::Close,
        };
        let engine = c.session.engine();
        let done = c.backlog.is_none()
            && (!engine.wants_write() || c.write_failed)
            && (engine.is_closed() || c.failed || (c.eof && c.rx.is_none() && draining.is_some()));
        // A connection that can no longer write ends with the peer's end of stream.
        let spent = c.write_failed && c.eof && c.rx.is_none();
        if matches!(result, Driven::Close) || (done && c.eof) || spent {
            self.close(key);
            return;
        }
        if done {
            // Lingering close: shut our side, then read and drop what the peer still sends,
            // so that closing with unread input does not reset the connection and destroy
            // the reply (a 400 or 431, say) before the peer read it.
            let _ = c.stream.shutdown(Shutdown::Write);
            let deadline = now + LINGER;
            c.lingering = true;
            c.readable = true;
            match linger(c, read_buf) {
                Ok(false) if draining.is_none() => self.timers.set(key, Some(deadline)),
                _ => self.close(key),
            }
            return;
        }
        if c.backlog.is_some() != c.writable {
            c.writable = c.backlog.is_some();
            let interest = if c.writable {
                Interest::READABLE | Interest::WRITABLE
            } else {
                Interest::READABLE
            };
            if poll
                .registry()
                .reregister(&mut c.stream, Token(key), interest)
                .is_err()
            {
                self.close(key);
                return;
            }
        }
        let mut deadline = c.session.poll_timeout();
        let mut join = |d: Option<Instant>| {
            if let Some(d) = d {
                deadline = Some(deadline.map_or(d, |x| x.min(d)));
            }
        };
        join(c.session.engine().poll_timeout());
        join(c.stall_deadline(config.timeouts.write_stall));
        self.timers.set(key, deadline);
        if matches!(result, Driven::Again) {
            self.again.push(key);
        }
    }
}

/// What a loop without a listener has in place of a session factory.
pub type NoAccept<S> = fn(Instant) -> Option<S>;

impl<S: Session> EventLoop<S, NoAccept<S>> {
    /// A loop with no listener: its connections come from other threads through its
    /// [`Registrar`] (a client dials out and hands each connected socket over).
    ///
    /// # Errors
    /// Creating the poller failed.
    pub fn without_listener(config: LoopConfig) -> io::Result<Self> {
        Self::build(None, config, |_| None, None)
    }

    /// A loop with no listener that the calling thread runs itself, turn by turn
    /// ([`EventLoop::turn`], after [`EventLoop::run_woken`]) instead of [`EventLoop::run`]:
    /// connections handed over ([`Registrar::add`]) and wakes ([`ConnWaker::wake`]) from
    /// this thread signal nothing (no system call), since this thread takes them before it
    /// polls again; from other threads they signal as usual.
    ///
    /// # Errors
    /// Creating the poller failed.
    pub fn local(config: LoopConfig) -> io::Result<Self> {
        Self::build(None, config, |_| None, Some(std::thread::current().id()))
    }
}

/// Reads and drops what a lingering connection's peer sends; `Ok(true)` at its end of
/// stream.
fn linger<S>(c: &mut Conn<S>, scratch: &mut [u8]) -> io::Result<bool> {
    for _ in 0..READS_PER_TURN {
        match c.stream.read(scratch) {
            Ok(0) => return Ok(true),
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(false)
}

fn drive_conn<S: Session>(
    c: &mut Conn<S>,
    cx: &mut Context<'_, S::Pooled>,
    read_buf: &mut [u8],
    write_buf: &mut Vec<u8>,
) -> io::Result<Driven> {
    let mut now = cx.now;
    let mut reads = 0;
    loop {
        let mut progress = false;
        // Bytes the engine did not take last time.
        if !c.failed
            && let Some(rx) = &mut c.rx
        {
            c.session.prepare(cx);
            match c.session.engine_mut().recv(now, rx) {
                Ok(n) => {
                    progress |= n > 0;
                    if n == rx.len() {
                        c.rx = None;
                    } else if n > 0 {
                        let rest: Box<[u8]> = rx[n..].into();
                        *rx = rest;
                    }
                }
                Err(_) => c.failed = true,
            }
            cx.backed_up = c.backed_up();
            c.session.process(cx);
        }
        if flush_or_stop(c, now, write_buf)? > 0 {
            // Output moved: a session streaming a body may queue more now.
            if c.session.wants_output_moved() {
                cx.backed_up = c.backed_up();
                c.session.process(cx);
            }
            progress = true;
        }
        let can_read = c.rx.is_none()
            && (!c.backed_up() || c.session.watches_while_sending())
            && c.readable
            && !c.eof
            && !c.failed;
        if can_read {
            if reads == READS_PER_TURN {
                return Ok(Driven::Again);
            }
            reads += 1;
            c.ahead = false;
            let read = c.stream.read(read_buf);
            if read.is_ok() {
                // The turn's clock was read when `poll` returned; these bytes may have come
                // after it (reads go on until `WouldBlock`). Deadlines set from what they say
                // (a Close that `ws_close` then times, a new head's timer) start from now.
                now = Instant::now();
                cx.now = now;
            }
            match read {
                Ok(0) => {
                    c.eof = true;
                    if c.session.engine_mut().recv_eof().is_err() {
                        c.failed = true;
                    }
                    cx.backed_up = c.backed_up();
                    c.session.process(cx);
                    progress = true;
                }
                Ok(n) => {
                    // The socket's receive queue was emptied by this read: the read that
                    // would only say `WouldBlock` (one system call per request on a
                    // keep-alive connection) is skipped; bytes that arrive later raise a
                    // new readiness event.
                    let drained = SHORT_READ_DRAINS && n < read_buf.len() && !c.read_closed;
                    c.session.prepare(cx);
                    match c.session.engine_mut().recv(now, &read_buf[..n]) {
                        Ok(k) if k < n => c.rx = Some(read_buf[k..n].into()),
                        Ok(_) => {}
                        Err(_) => c.failed = true,
                    }
                    cx.backed_up = c.backed_up();
                    c.session.process(cx);
                    if drained {
                        c.readable = false;
                        // Asked once these bytes are in: the next drive by a wake-up on
                        // the loop's thread reads again (EventLoop::run_woken).
                        c.ahead = c.session.reads_ahead();
                    }
                    progress = true;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => c.readable = false,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => progress = true,
                Err(e) => return Err(e),
            }
        }
        if !progress {
            return Ok(Driven::Open);
        }
    }
}

#[cfg(test)]
mod tests;
