//! One exchange as both threads see it: the caller waits for the head and reads the body;
//! the connection (on the loop thread) delivers them. They share an [`Exchange`]: a mutex
//! over the head slot, a bounded queue of body chunks and how the body ended, and a condvar
//! the caller waits on.
//!
//! The connection signals the condvar only when a caller waits on it, and after letting go
//! of the mutex: a signal is a system call (`futex`) whether anyone waits or not, and a
//! waiter woken while the mutex is still held would block again at once on the mutex. A
//! small response delivered in one turn (head, body, end) so costs the loop thread at most
//! one wake-up instead of three.
//!
//! Backpressure: the connection asks [`Exchange::reserve`] before it takes more body bytes
//! from its engine. When the queue holds its limit the answer is no, the exchange
//! remembers that the connection waits, and the connection takes nothing more (HTTP/1.1:
//! its receive buffer fills and the socket is no longer read; HTTP/2: `read_data` is not
//! called, so no window credit goes back). The read that brings the queue under its limit
//! wakes the connection through the [`ConnWaker`] it left. The queue holds at most its
//! limit plus one chunk (one read of the engine's: at most 64 KiB for HTTP/1.1, one DATA
//! frame for HTTP/2).
//!
//! Cancellation sets the end to [`Error::Cancelled`] under the same mutex, wakes a blocked
//! reader at once through the condvar and the connection through its waker; the connection
//! then resets the HTTP/2 stream or closes the HTTP/1.1 connection.

use std::collections::VecDeque;
use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use bytes::Bytes;

use super::Client;
use super::cancel::Cancel;
use super::decode::{Coding, Decoder};
use super::error::Error;
pub(crate) use super::head::{Fields, Head, MAX_INFORMATIONAL, Reason};
pub use super::head::{Headers, Informational};
use super::redirect::Hop;
use super::url::Url;
use crate::event_loop::ConnWaker;

/// The HTTP version a response came over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Version {
    /// HTTP/1.0: the server answered with an `HTTP/1.0` status line (the request went as
    /// HTTP/1.1; such a server closes the connection after the response unless it says
    /// `Connection: keep-alive`).
    Http10,
    /// HTTP/1.1.
    Http11,
    /// HTTP/2.
    H2,
}

#[derive(Debug)]
enum End {
    Open,
    Complete,
    Failed(Error),
}

/// The body chunks queued for the reader, in order: the first in place, the rest (when
/// the reader falls behind) in a queue, so that a body that comes in one chunk, or whose
/// reader keeps up, allocates nothing here.
#[derive(Debug, Default)]
struct Chunks {
    /// The oldest chunk; when `None`, `rest` is empty or holds them all.
    first: Option<Bytes>,
    rest: VecDeque<Bytes>,
}

impl Chunks {
    fn push_back(&mut self, chunk: Bytes) {
        if self.first.is_none() && self.rest.is_empty() {
            self.first = Some(chunk);
        } else {
            self.rest.push_back(chunk);
        }
    }

    fn pop_front(&mut self) -> Option<Bytes> {
        self.first.take().or_else(|| self.rest.pop_front())
    }

    fn clear(&mut self) {
        self.first = None;
        self.rest.clear();
    }
}

#[derive(Debug)]
struct State {
    head: Option<Result<Head, Error>>,
    queue: Chunks,
    queued: usize,
    end: End,
    /// The request left for the wire (its connection took it): a failure now is not
    /// simply retried on another connection.
    sent: bool,
    /// The connection found the queue full and waits for room.
    loop_waiting: bool,
    /// Wakes the connection that carries this exchange.
    waker: Option<ConnWaker>,
    /// Callers that went to wait on the condvar since the last signal (a waiter that
    /// gave up on its own may still be counted: that costs one needless signal, never a
    /// missed one).
    waiters: usize,
    /// The completion queue told when the exchange is ready for it (head, or whole body).
    listener: Option<super::queue::Listener>,
    /// `Some(bytes)`: body chunks are counted and dropped as they come, never queued
    /// ([`CompletionMode::Discard`](super::CompletionMode::Discard)).
    discarded: Option<u64>,
}

impl State {
    /// Takes the listener when the exchange is ready for it: the head (or a failure)
    /// arrived, or in buffered mode the body ended or outgrew its limit.
    fn take_ready_listener(&mut self) -> Option<super::queue::Listener> {
        let l = self.listener.as_ref()?;
        let ready = match (&self.head, l.buffered) {
            (None, _) => false,
            (Some(Err(_)), _) | (Some(Ok(_)), None) => true,
            (Some(Ok(_)), Some(limit)) => !matches!(self.end, End::Open) || self.queued > limit,
        };
        if ready { self.listener.take() } else { None }
    }

    /// Whether a change must signal the condvar: true when someone waits, who is then
    /// counted as woken.
    fn take_waiters(&mut self) -> bool {
        std::mem::take(&mut self.waiters) > 0
    }

    /// See [`Exchange::reserve`].
    fn reserve(&mut self, limit: usize) -> bool {
        if !matches!(self.end, End::Open) {
            // Nobody will read: whatever comes is dropped, so take it.
            return true;
        }
        if self.queued < limit {
            return true;
        }
        self.loop_waiting = true;
        false
    }

    fn push(&mut self, chunk: Bytes) {
        if chunk.is_empty() || !matches!(self.end, End::Open) {
            return;
        }
        if let Some(n) = &mut self.discarded {
            *n += chunk.len() as u64;
            return;
        }
        self.queued += chunk.len();
        self.queue.push_back(chunk);
    }

    fn finish(&mut self) {
        if matches!(self.end, End::Open) {
            self.end = End::Complete;
        }
    }
}

/// Deliveries to one exchange under one lock ([`Exchange::deliver`]); a waiting caller is
/// signalled once, on drop.
pub(crate) struct Delivery<'a> {
    ex: &'a Exchange,
    state: Option<MutexGuard<'a, State>>,
}

impl Delivery<'_> {
    fn state(&mut self) -> &mut State {
        self.state.as_mut().expect("held until drop")
    }

    /// As [`Exchange::reserve`].
    pub(crate) fn reserve(&mut self) -> bool {
        let limit = self.ex.limit;
        self.state().reserve(limit)
    }

    /// A chunk already of its own (HTTP/2's DATA payloads), queued as it is, or counted on
    /// a discarded body: [`Exchange::push`] without the copy.
    pub(crate) fn push(&mut self, chunk: Bytes) {
        self.state().push(chunk);
    }

    /// As [`Exchange::finish`].
    pub(crate) fn finish(&mut self) {
        self.state().finish();
    }
}

impl Drop for Delivery<'_> {
    fn drop(&mut self) {
        if let Some(s) = self.state.take() {
            self.ex.release(s);
        }
    }
}

/// What the caller and the connection share for one exchange.
#[derive(Debug)]
pub(crate) struct Exchange {
    state: Mutex<State>,
    /// The end is [`Error::Cancelled`] (set under the lock with it): what the connection
    /// checks for each of its exchanges on every step, read without taking the lock.
    cancelled: AtomicBool,
    changed: Condvar,
    limit: usize,
    /// When the caller asked (the total timeout runs from here).
    pub(crate) started: Instant,
}

impl Exchange {
    pub(crate) fn new(limit: usize, started: Instant) -> Arc<Self> {
        Arc::new(Exchange {
            state: Mutex::new(State {
                head: None,
                queue: Chunks::default(),
                queued: 0,
                end: End::Open,
                sent: false,
                loop_waiting: false,
                waker: None,
                waiters: 0,
                listener: None,
                discarded: None,
            }),
            cancelled: AtomicBool::new(false),
            changed: Condvar::new(),
            limit: limit.max(1),
            started,
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Nothing panics mid-update under this lock: a poisoned state is consistent.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Lets go of `s`, then signals the condvar if a caller waits.
    fn release(&self, mut s: MutexGuard<'_, State>) {
        let wake = s.take_waiters();
        let listener = s.take_ready_listener();
        drop(s);
        if wake {
            self.changed.notify_all();
        }
        if let Some(l) = listener {
            l.complete();
        }
    }

    /// Counts and drops the body's chunks from now on instead of queueing them: called
    /// before the exchange goes to a connection, so that no chunk was queued yet.
    pub(crate) fn discard_body(&self) {
        let mut s = self.lock();
        debug_assert_eq!(s.queued, 0, "chunks queued before the body was discarded");
        s.discarded = Some(0);
    }

    /// The body bytes counted and dropped ([`Exchange::discard_body`]).
    fn discarded(&self) -> u64 {
        self.lock().discarded.unwrap_or(0)
    }

    /// Tells `listener` when the exchange is ready for it (at once if it already is).
    pub(crate) fn listen(&self, listener: super::queue::Listener) {
        let mut s = self.lock();
        s.listener = Some(listener);
        self.release(s);
    }

    /// The head, once it arrived, taken (not cloned: one caller takes it, once, as from
    /// [`Exchange::wait_head`]); `Err((e, true))` when the request never left.
    pub(crate) fn take_head(&self) -> Option<Result<Head, (Error, bool)>> {
        let mut s = self.lock();
        match s.head.take() {
            Some(Ok(h)) => Some(Ok(h)),
            Some(Err(e)) => {
                let not_sent = !s.sent;
                s.head = Some(Err(e.clone()));
                Some(Err((e, not_sent)))
            }
            None => None,
        }
    }

    /// Bytes queued, and the body's error if it failed (cancelled after its head, say).
    pub(crate) fn buffered_state(&self) -> (usize, Option<Error>) {
        let s = self.lock();
        let failed = match &s.end {
            End::Failed(e) => Some(e.clone()),
            _ => None,
        };
        (s.queued, failed)
    }

    /// Waits on the condvar (counted as a waiter), at most `left` when given.
    fn wait<'a>(
        &self,
        mut s: MutexGuard<'a, State>,
        left: Option<Duration>,
    ) -> MutexGuard<'a, State> {
        s.waiters += 1;
        match left {
            None => self
                .changed
                .wait(s)
                .unwrap_or_else(std::sync::PoisonError::into_inner),
            Some(d) => {
                self.changed
                    .wait_timeout(s, d)
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .0
            }
        }
    }

    // --- the connection's side ---

    /// The connection took the request: it wakes `waker` to react to cancels and reads.
    pub(crate) fn attach(&self, waker: Option<ConnWaker>) {
        let mut s = self.lock();
        s.sent = true;
        s.waker = waker;
    }

    /// Whether the exchange is over for the connection (cancelled, failed, or the caller
    /// gave up): it should stop and forget it.
    pub(crate) fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Acquire)
    }

    /// The exchange's error, once it failed.
    pub(crate) fn error(&self) -> Option<Error> {
        match &self.lock().end {
            End::Failed(e) => Some(e.clone()),
            _ => None,
        }
    }

    pub(crate) fn set_head(&self, head: Head) {
        let mut s = self.lock();
        if s.head.is_none() {
            s.head = Some(Ok(head));
            self.release(s);
        }
    }

    /// Sets the head without signalling a waiting caller: the connection promises a
    /// [`Exchange::deliver`] (or a failure) on this exchange in the same turn, whose signal
    /// then covers the head, the body bytes and the end at once.
    pub(crate) fn set_head_deferred(&self, head: Head) {
        let mut s = self.lock();
        if s.head.is_none() {
            s.head = Some(Ok(head));
        }
    }

    /// Whether the queue has room for another chunk; when not, the connection is woken once
    /// the reader made room.
    pub(crate) fn reserve(&self) -> bool {
        self.lock().reserve(self.limit)
    }

    /// Holds the exchange for a run of deliveries (body chunks, the end) under one lock
    /// and one signal, given when the [`Delivery`] is dropped.
    pub(crate) fn deliver(&self) -> Delivery<'_> {
        Delivery {
            ex: self,
            state: Some(self.lock()),
        }
    }

    /// Body bytes (or a tunnel's), read out of a buffer the connection's next read
    /// overwrites: copied into a chunk for the reader only when it is kept. A discarded body
    /// ([`Exchange::discard_body`]) is only counted, so it costs neither the copy nor the
    /// allocation. Nothing is taken after the end or a failure.
    pub(crate) fn push(&self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        let mut s = self.lock();
        if !matches!(s.end, End::Open) {
            return;
        }
        match &mut s.discarded {
            Some(n) => *n += bytes.len() as u64,
            None => s.push(Bytes::copy_from_slice(bytes)),
        }
        self.release(s);
    }

    /// The body is complete.
    pub(crate) fn finish(&self) {
        let mut s = self.lock();
        if matches!(s.end, End::Open) {
            s.finish();
            self.release(s);
        }
    }

    /// The exchange failed (before or after the head). Body bytes that arrived before the
    /// failure stay queued and are read before it (a body cut short gives the caller every
    /// byte that came, as curl writes them, then the error), except after a cancel: the
    /// caller asked for nothing more.
    pub(crate) fn fail(&self, e: Error) {
        let mut s = self.lock();
        if s.head.is_none() {
            s.head = Some(Err(e.clone()));
        }
        if matches!(s.end, End::Open) {
            if matches!(e, Error::Cancelled) {
                self.cancelled.store(true, Ordering::Release);
                s.queue.clear();
                s.queued = 0;
            }
            s.end = End::Failed(e);
        }
        self.release(s);
    }

    // --- the caller's side ---

    /// Waits for the head; `Err((e, true))` when the request never left (retry elsewhere).
    pub(crate) fn wait_head(&self) -> Result<Head, (Error, bool)> {
        let mut s = self.lock();
        loop {
            match s.head.take() {
                // Taken, not cloned: one caller waits for it, once.
                Some(Ok(h)) => return Ok(h),
                Some(Err(e)) => {
                    let not_sent = !s.sent;
                    s.head = Some(Err(e.clone()));
                    return Err((e, not_sent));
                }
                None => s = self.wait(s, None),
            }
        }
    }

    pub(crate) fn cancel(&self) {
        let waker = {
            let mut s = self.lock();
            if !matches!(s.end, End::Open) {
                return;
            }
            if s.head.is_none() {
                s.head = Some(Err(Error::Cancelled));
            }
            self.cancelled.store(true, Ordering::Release);
            s.end = End::Failed(Error::Cancelled);
            s.queue.clear();
            s.queued = 0;
            let waker = s.waker.clone();
            self.release(s);
            waker
        };
        if let Some(w) = waker {
            w.wake();
        }
    }

    fn chunk(&self, wait: Wait) -> Result<Option<Bytes>, Error> {
        let (wait, deadline) = wait.start(Instant::now());
        let mut s = self.lock();
        loop {
            if let Some(b) = s.queue.pop_front() {
                s.queued -= b.len();
                if s.loop_waiting && s.queued < self.limit {
                    s.loop_waiting = false;
                    let w = s.waker.clone();
                    drop(s);
                    if let Some(w) = w {
                        w.wake();
                    }
                }
                return Ok(Some(b));
            }
            match &s.end {
                End::Complete => return Ok(None),
                End::Failed(e) => return Err(e.clone()),
                End::Open => {}
            }
            s = match wait {
                Wait::NoWait => return Err(Error::WouldBlock),
                Wait::Block => self.wait(s, None),
                Wait::Timeout(_) => {
                    let left = deadline
                        .unwrap_or_else(Instant::now)
                        .saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return Err(Error::WouldBlock);
                    }
                    self.wait(s, Some(left))
                }
            };
        }
    }

    fn queued(&self) -> usize {
        self.lock().queued
    }

    fn is_open(&self) -> bool {
        matches!(self.lock().end, End::Open)
    }
}

/// How long [`Body::chunk`] waits for body bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wait {
    /// Until a chunk, the end or an error arrives (the client's timeouts still apply).
    Block,
    /// Not at all: [`Error::WouldBlock`] when nothing is queued.
    NoWait,
    /// At most this long, then [`Error::WouldBlock`].
    Timeout(Duration),
}

impl Wait {
    /// This wait as run from `now`, and its deadline: a `Timeout(d)` ends at `now + d`, or is
    /// a `Block` when that instant is beyond what the clock can hold (so `Duration::MAX`
    /// means no limit rather than a panic). Only a `Timeout` has a deadline.
    pub(crate) fn start(self, now: Instant) -> (Wait, Option<Instant>) {
        match self {
            Wait::Timeout(d) => match now.checked_add(d) {
                Some(at) => (self, Some(at)),
                None => (Wait::Block, None),
            },
            w => (w, None),
        }
    }
}

/// Cancels an exchange from any thread: a blocked [`Body::chunk`] returns
/// [`Error::Cancelled`] at once; an HTTP/2 stream is reset (RST_STREAM CANCEL) and its
/// connection stays pooled; an HTTP/1.1 connection is closed. Idempotent; a no-op once the
/// body ended.
///
/// A handle taken from the request ([`Request::cancel_handle`](super::Request::cancel_handle))
/// works from before the call on: [`Client::request`](super::Client::request) then fails
/// with [`Error::Cancelled`] wherever it waits (name resolution, the connect race, a proxy
/// handshake, a pooled connection, the response head), and once it returned, the handle
/// cancels the response's body as one taken from the [`Response`] does.
#[derive(Debug, Clone)]
pub struct CancelHandle {
    target: CancelTarget,
}

#[derive(Debug, Clone)]
enum CancelTarget {
    /// One exchange (a response's).
    Exchange(Arc<Exchange>),
    /// A whole request, whichever step it is at.
    Request(Arc<Cancel>),
}

impl CancelHandle {
    pub(crate) fn request(cancel: Arc<Cancel>) -> CancelHandle {
        CancelHandle {
            target: CancelTarget::Request(cancel),
        }
    }

    /// Cancels the exchange.
    pub fn cancel(&self) {
        match &self.target {
            CancelTarget::Exchange(ex) => ex.cancel(),
            CancelTarget::Request(c) => c.cancel(),
        }
    }
}

/// A response whose head arrived; its body is read from [`Response::body`].
#[derive(Debug)]
pub struct Response {
    head: Head,
    connection: u64,
    body: Body,
    conn: Option<Arc<super::pool::ConnShared>>,
    /// The URL this response answered (the last hop's).
    url: Option<Url>,
    /// The redirects followed to get here.
    history: Vec<Hop>,
    /// The codings the body is decoded from.
    decoded: Vec<Coding>,
}

impl Response {
    pub(crate) fn new(
        head: Head,
        connection: u64,
        exchange: Arc<Exchange>,
        client: Client,
    ) -> Self {
        Response {
            head,
            connection,
            body: Body {
                exchange,
                rest: Bytes::new(),
                done: false,
                _client: client,
                decoder: None,
                wire_done: false,
                failed: None,
            },
            conn: None,
            url: None,
            history: Vec::new(),
            decoded: Vec::new(),
        }
    }

    pub(crate) fn set_conn(&mut self, conn: Arc<super::pool::ConnShared>) {
        self.conn = Some(conn);
    }

    /// What is known about the connection that carried it (address, TLS, our JA4, the
    /// server's HTTP/2 SETTINGS).
    #[must_use]
    pub fn conn_info(&self) -> super::ConnInfo {
        self.conn
            .as_ref()
            .map(|c| c.info().clone())
            .unwrap_or_default()
    }

    /// Sets what [`Client::request`] knows beyond the exchange: the URL, the redirects
    /// followed, and the decoder for `codings` (none when empty).
    pub(crate) fn set_delivery(&mut self, url: Url, history: Vec<Hop>, codings: Vec<Coding>) {
        self.url = Some(url);
        self.history = history;
        if !codings.is_empty() {
            match Decoder::new(&codings) {
                Ok(d) => self.body.decoder = Some(Box::new(d)),
                Err(e) => self.body.failed = Some(e),
            }
            self.decoded = codings;
        }
    }

    /// The URL this response answered: the request's, or after redirects the last
    /// `Location` resolved. `None` only for a response not made by
    /// [`Client::request`](super::Client::request).
    #[must_use]
    pub fn url(&self) -> Option<&Url> {
        self.url.as_ref()
    }

    /// The redirects followed before this response, oldest first: each hop's URL and the
    /// status that sent the client on (empty when there was none).
    #[must_use]
    pub fn history(&self) -> &[Hop] {
        &self.history
    }

    /// The content codings the body is being decoded from, in the order the server applied
    /// them (empty when the body is handed over as received). When not empty, the head is
    /// still the one received: its `Content-Encoding` names these codings and its
    /// `Content-Length` (if any) counts the encoded bytes, not what [`Body::chunk`] returns.
    /// Never decoded: responses to HEAD, 204, 206 (a range of an encoded body), 304, bodies
    /// with a coding this client does not know (then none of their codings is undone), and
    /// any body when decoding is off.
    #[must_use]
    pub fn decoded(&self) -> &[Coding] {
        &self.decoded
    }

    /// The status code.
    #[must_use]
    pub fn status(&self) -> u16 {
        self.head.status
    }

    /// The HTTP version it came over: the version of the server's status line over
    /// HTTP/1.x ([`Version::Http10`] or [`Version::Http11`]), [`Version::H2`] over HTTP/2.
    #[must_use]
    pub fn version(&self) -> Version {
        self.head.version
    }

    /// The reason phrase of an HTTP/1.x status line, byte for byte as received (it may be
    /// empty, and need not be the code's usual phrase); `None` over HTTP/2, which has none.
    ///
    /// ```no_run
    /// # fn f(resp: &runtime_mio::client::Response) {
    /// let line = format!(
    ///     "{} {}",
    ///     resp.status(),
    ///     String::from_utf8_lossy(resp.reason().unwrap_or_default())
    /// );
    /// # drop(line); }
    /// ```
    #[must_use]
    pub fn reason(&self) -> Option<&[u8]> {
        self.head.reason.bytes(self.head.status)
    }

    /// The informational (1xx) responses the server sent before this one, in order: a
    /// `100 Continue` to a request that expected it, `103 Early Hints` with the `Link`
    /// fields a browser would preload, and so on (at most the first 16 are kept). Empty for
    /// most responses. A `101 Switching Protocols` is a final response, not one of these.
    ///
    /// ```no_run
    /// # fn f(resp: &runtime_mio::client::Response) {
    /// for hint in resp.informational().iter().filter(|i| i.status() == 103) {
    ///     let links = hint.headers().filter(|(n, _)| n.eq_ignore_ascii_case("link"));
    ///     println!("{} preload hints", links.count());
    /// }
    /// # }
    /// ```
    #[must_use]
    pub fn informational(&self) -> &[Informational] {
        &self.head.informational
    }

    /// The header fields in the order and case received (HTTP/2 names are lowercase on
    /// the wire), as `(name, value)` pairs. They are kept in one buffer (one allocation per
    /// head, whatever the number of fields).
    ///
    /// ```no_run
    /// # fn f(resp: &runtime_mio::client::Response) {
    /// for (name, value) in resp.headers() {
    ///     println!("{name}: {}", String::from_utf8_lossy(value));
    /// }
    /// let cookies = resp.headers().filter(|(n, _)| n.eq_ignore_ascii_case("set-cookie"));
    /// # drop(cookies); }
    /// ```
    #[must_use]
    pub fn headers(&self) -> Headers<'_> {
        self.head.fields.iter()
    }

    /// The first value of `name` (ASCII case-insensitive).
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        self.head.fields.get(name)
    }

    /// The client's number for the connection that carried it (the pool reuses
    /// connections: equal numbers, same connection).
    #[must_use]
    pub fn connection_id(&self) -> u64 {
        self.connection
    }

    /// When the request was asked for: [`Client::request`](super::Client::request) called,
    /// or the request submitted to a completion queue (before any redirect; the total
    /// timeout runs from here). `started().elapsed()` once the body is read is the
    /// request's latency, with no clock read or table of the caller's own.
    #[must_use]
    pub fn started(&self) -> Instant {
        self.body.exchange.started
    }

    /// A handle that cancels this exchange from any thread.
    #[must_use]
    pub fn cancel_handle(&self) -> CancelHandle {
        self.body.cancel_handle()
    }

    /// The body.
    pub fn body(&mut self) -> &mut Body {
        &mut self.body
    }

    /// The body, without the head.
    #[must_use]
    pub fn into_body(self) -> Body {
        self.body
    }
}

/// A response body as it arrives: chunk by chunk with a bounded wait ([`Body::chunk`]),
/// whole ([`Body::read_to_end`]), copied into a writer ([`Body::copy_to`]), or through
/// [`io::Read`]. Dropping it before the end cancels the exchange.
#[derive(Debug)]
pub struct Body {
    exchange: Arc<Exchange>,
    /// What an `io::Read` call left of the last chunk.
    rest: Bytes,
    done: bool,
    /// Keeps the client's loop alive while the body is read.
    _client: Client,
    /// Undoes the `Content-Encoding` as the body is read.
    decoder: Option<Box<Decoder>>,
    /// The wire body ended (the decoder has all of it).
    wire_done: bool,
    /// Decoding failed: every later read says so.
    failed: Option<Error>,
}

impl Body {
    /// The next chunk: `Ok(Some(bytes))`, `Ok(None)` at the end of the body, or an error
    /// (the exchange failed, was cancelled, or a timeout ran out; with
    /// [`Wait::NoWait`]/[`Wait::Timeout`], [`Error::WouldBlock`] when nothing came within
    /// the wait).
    ///
    /// # Errors
    /// See above.
    ///
    /// A decoded body (see [`Response::decoded`]) comes in pieces of at most 64 KiB
    /// whatever the compression ratio: each read decodes only what it returns.
    pub fn chunk(&mut self, wait: Wait) -> Result<Option<Bytes>, Error> {
        if !self.rest.is_empty() {
            return Ok(Some(std::mem::take(&mut self.rest)));
        }
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        if self.decoder.is_none() {
            let r = self.exchange.chunk(wait);
            if matches!(r, Ok(None)) {
                self.done = true;
            }
            return r;
        }
        match self.decode_chunk(wait) {
            Ok(r) => Ok(r),
            Err(e) => {
                if matches!(e, Error::Decoding { .. }) {
                    // The rest of the body is of no use: stop the exchange (an HTTP/1.1
                    // connection closes, an HTTP/2 stream is reset).
                    self.failed = Some(e.clone());
                    self.exchange.cancel();
                }
                Err(e)
            }
        }
    }

    fn decode_chunk(&mut self, wait: Wait) -> Result<Option<Bytes>, Error> {
        let Some(dec) = self.decoder.as_mut() else {
            return Ok(None);
        };
        // Several wire chunks may go in before a decoded byte comes out: one wait for all.
        let (wait, deadline) = wait.start(Instant::now());
        loop {
            if let Some(b) = dec.pull()? {
                return Ok(Some(b));
            }
            if self.wire_done {
                dec.finish()?;
                self.done = true;
                return Ok(None);
            }
            if dec.wants_input() {
                let wait = match deadline {
                    Some(d) => Wait::Timeout(d.saturating_duration_since(Instant::now())),
                    None => wait,
                };
                match self.exchange.chunk(wait)? {
                    Some(raw) => dec.push(raw),
                    None => self.wire_done = true,
                }
            }
        }
    }

    /// Reads the whole body.
    ///
    /// # Errors
    /// As [`Body::chunk`].
    pub fn read_to_end(&mut self) -> Result<Vec<u8>, Error> {
        let mut v = Vec::new();
        while let Some(b) = self.chunk(Wait::Block)? {
            v.extend_from_slice(&b);
        }
        Ok(v)
    }

    /// Copies the whole body into `out` as it arrives; returns the byte count.
    ///
    /// # Errors
    /// As [`Body::chunk`], or the writer's error (as [`io::Error`]); the exchange is
    /// cancelled when the writer fails.
    pub fn copy_to(&mut self, out: &mut impl io::Write) -> io::Result<u64> {
        let mut n = 0u64;
        while let Some(b) = self.chunk(Wait::Block)? {
            if let Err(e) = out.write_all(&b) {
                self.exchange.cancel();
                return Err(e);
            }
            n += b.len() as u64;
        }
        Ok(n)
    }

    /// Body bytes received and queued for the reader (bounded by
    /// [`ClientConfig::body_queue`](super::ClientConfig::body_queue) plus one chunk).
    #[must_use]
    ///
    /// While decoding, the encoded bytes the decoder holds count too (at most one received
    /// chunk plus one 64 KiB piece per stacked coding).
    pub fn queued(&self) -> usize {
        self.exchange.queued() + self.rest.len() + self.decoder.as_ref().map_or(0, |d| d.held())
    }

    /// A handle that cancels this exchange from any thread.
    #[must_use]
    pub fn cancel_handle(&self) -> CancelHandle {
        CancelHandle {
            target: CancelTarget::Exchange(Arc::clone(&self.exchange)),
        }
    }

    /// Body bytes received and dropped unread: for a request queued with
    /// [`CompletionMode::Discard`](super::CompletionMode::Discard), the length of the body
    /// as it came over the wire (before any `Content-Encoding` is undone; the body itself
    /// reads as empty); 0 for any other.
    #[must_use]
    pub fn discarded(&self) -> u64 {
        self.exchange.discarded()
    }
}

impl io::Read for Body {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.rest.is_empty() {
            match self.chunk(Wait::Block)? {
                Some(b) => self.rest = b,
                None => {
                    self.done = true;
                    return Ok(0);
                }
            }
        }
        let n = buf.len().min(self.rest.len());
        buf[..n].copy_from_slice(&self.rest[..n]);
        let _ = self.rest.split_to(n);
        Ok(n)
    }
}

impl Drop for Body {
    fn drop(&mut self) {
        if !self.done && self.exchange.is_open() {
            self.exchange.cancel();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A blocked reader gets every chunk and the end from the connection's thread, whatever
    /// the interleaving: the signals skipped while nobody waits never leave it asleep.
    #[test]
    fn a_blocked_reader_misses_no_signal() {
        for round in 0..200u32 {
            let ex = Exchange::new(1 << 20, Instant::now());
            let producer = {
                let ex = Arc::clone(&ex);
                std::thread::spawn(move || {
                    ex.set_head(Head {
                        status: 200,
                        version: Version::Http11,
                        reason: Reason::Usual,
                        fields: Fields::default(),
                        informational: Vec::new(),
                    });
                    for i in 0..50u32 {
                        if (i + round) % 7 == 0 {
                            std::thread::yield_now();
                        }
                        ex.push(&i.to_be_bytes());
                    }
                    ex.finish();
                })
            };
            assert_eq!(ex.wait_head().unwrap().status, 200);
            let mut got = Vec::new();
            let wait = if round % 2 == 0 {
                Wait::Block
            } else {
                Wait::Timeout(Duration::from_secs(30))
            };
            while let Some(b) = ex.chunk(wait).unwrap() {
                got.push(u32::from_be_bytes(b[..].try_into().unwrap()));
            }
            assert_eq!(got, (0..50).collect::<Vec<_>>(), "round {round}");
            producer.join().unwrap();
        }
    }

    /// A deferred head is not signalled on its own: the delivery that follows signals the
    /// head, the body and the end at once, and the caller gets all three.
    #[test]
    fn a_deferred_head_is_signalled_with_its_delivery() {
        let ex = Exchange::new(1 << 20, Instant::now());
        let caller = {
            let ex = Arc::clone(&ex);
            std::thread::spawn(move || {
                let head = ex.wait_head().unwrap();
                let mut body = Vec::new();
                while let Some(b) = ex.chunk(Wait::Timeout(Duration::from_secs(30))).unwrap() {
                    body.extend_from_slice(&b);
                }
                (head.status, body)
            })
        };
        while ex.lock().waiters == 0 {
            std::thread::yield_now();
        }
        ex.set_head_deferred(Head {
            status: 204,
            version: Version::H2,
            reason: Reason::None,
            fields: Fields::default(),
            informational: Vec::new(),
        });
        assert_eq!(ex.lock().waiters, 1, "the deferred head signalled");
        {
            let mut d = ex.deliver();
            assert!(d.reserve());
            d.push(Bytes::from_static(b"ab"));
            d.push(Bytes::from_static(b"c"));
            d.finish();
        }
        assert_eq!(ex.lock().waiters, 0);
        assert_eq!(caller.join().unwrap(), (204, b"abc".to_vec()));
    }

    /// A full queue refuses through a delivery as through [`Exchange::reserve`], and the
    /// reader's read that makes room is what the connection waits for.
    #[test]
    fn a_delivery_respects_the_queue_limit() {
        let ex = Exchange::new(4, Instant::now());
        let mut d = ex.deliver();
        assert!(d.reserve());
        d.push(Bytes::from_static(b"12345"));
        assert!(!d.reserve());
        drop(d);
        assert!(ex.lock().loop_waiting);
        assert_eq!(
            ex.chunk(Wait::NoWait).unwrap().as_deref(),
            Some(&b"12345"[..])
        );
        assert!(!ex.lock().loop_waiting);
        assert!(ex.reserve());
    }

    /// Chunks come out in the order they went in, whether the reader keeps up or falls
    /// behind (the first in place, the others queued).
    #[test]
    fn chunks_keep_their_order() {
        let mut c = Chunks::default();
        let b = |n: u8| Bytes::from(vec![n]);
        c.push_back(b(1));
        assert_eq!(c.pop_front(), Some(b(1)));
        assert_eq!(c.pop_front(), None);
        for n in 2..6 {
            c.push_back(b(n));
        }
        assert_eq!(c.pop_front(), Some(b(2)));
        c.push_back(b(6));
        let mut got = Vec::new();
        while let Some(x) = c.pop_front() {
            got.push(x[0]);
            if x[0] == 4 {
                c.push_back(b(7));
            }
        }
        assert_eq!(got, [3, 4, 5, 6, 7]);
        c.push_back(b(8));
        c.push_back(b(9));
        c.clear();
        assert_eq!(c.pop_front(), None);
    }

    /// A change with nobody waiting signals nothing; a waiter is counted once and is
    /// counted as woken by the next change.
    #[test]
    fn only_a_waiting_caller_is_signalled() {
        let ex = Exchange::new(16, Instant::now());
        ex.push(b"a");
        assert_eq!(ex.lock().waiters, 0);
        assert_eq!(ex.chunk(Wait::NoWait).unwrap().as_deref(), Some(&b"a"[..]));
        // A timed wait that runs out leaves itself counted: the next change signals once
        // and clears the count.
        assert!(matches!(
            ex.chunk(Wait::Timeout(Duration::from_millis(1))),
            Err(Error::WouldBlock)
        ));
        assert!(ex.lock().waiters >= 1);
        ex.push(b"b");
        assert_eq!(ex.lock().waiters, 0);
    }

    /// Fields keep order, case and bytes; a name that is not UTF-8 is replaced lossily
    /// (an ASCII name passes the quick check, a UTF-8 one the full check), and the byte
    /// view ([`Fields::raw`]) and the `str` view ([`Fields::iter`]) agree field by field.
    #[test]
    fn fields_keep_their_bytes_and_names_are_utf8() {
        let mut f = Fields::with_capacity(4, 64);
        f.push(b"Content-Type", b"text/plain");
        f.push("X-Caf\u{e9}".as_bytes(), b"\xff\x00v");
        f.push(b"X-\xffBad", b"");
        f.push(b"set-cookie", b"a=1");
        let names: Vec<&str> = f.iter().map(|(n, _)| n).collect();
        assert_eq!(
            names,
            ["Content-Type", "X-Caf\u{e9}", "X-\u{fffd}Bad", "set-cookie"]
        );
        let raw: Vec<(&[u8], &[u8])> = f.raw().collect();
        let viewed: Vec<(&[u8], &[u8])> = f.iter().map(|(n, v)| (n.as_bytes(), v)).collect();
        assert_eq!(raw, viewed);
        assert_eq!(raw[1].1, b"\xff\x00v");
        assert_eq!(f.get("SET-COOKIE"), Some(&b"a=1"[..]));
        assert_eq!(f.get("content-type"), Some(&b"text/plain"[..]));
        assert_eq!(f.get("x-\u{fffd}bad"), Some(&b""[..]));
        assert_eq!(f.get("missing"), None);
        let mut it = f.iter();
        assert_eq!(it.len(), 4);
        it.next();
        assert_eq!(it.len(), 3);
        assert_eq!(it.count(), 3);
        assert_eq!(Fields::default().iter().next(), None);
        assert_eq!(Fields::default().raw().next(), None);
    }
}
