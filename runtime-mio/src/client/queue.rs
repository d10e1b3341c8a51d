//! A completion queue: one thread keeps many requests in flight on a [`Client`] and takes
//! their responses as they complete, several per wake-up (as curl's multi interface).

use std::marker::PhantomData;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use super::body::{Exchange, Response, Wait};
use super::conn::IdMap;
use super::cookie::SiteContext;
use super::decode;
use super::error::Error;
use super::pool::{ConnShared, Job};
use super::redirect::{Redirects, add_client_fields};
use super::upload::ReqBody;
use super::url::{Origin, Url};
use super::{Client, ClientConfig, ClientLoop, CookieJar, PoolStats, Prepared, Request};

/// When a queued request completes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompletionMode {
    /// When the response head arrives; the body then streams through [`Response::body`].
    Head,
    /// Once the whole body is buffered, at most this many bytes: a longer body completes
    /// with [`Error::BodyTooLarge`] (and the exchange is cancelled), a body that failed
    /// (cut off, timed out, cancelled) with its error.
    Buffered(usize),
    /// Once the whole body has been received and dropped as it came, nothing kept, so that
    /// memory stays bounded whatever its length: the response's body reads as ended and
    /// [`Body::discarded`](super::Body::discarded) says how long it was (as it came over the
    /// wire: no `Content-Encoding` is undone). A body that failed completes with its error.
    /// For load generators and probes that want the status and the length only.
    Discard,
}

/// A submitted request's number on its [`CompletionQueue`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Ticket(u64);

/// A completed request: its ticket and its response (or why it failed).
#[derive(Debug)]
pub struct Completion {
    /// The ticket [`CompletionQueue::submit`] returned.
    pub ticket: Ticket,
    /// The response (head arrived, or whole body buffered), or the failure.
    pub result: Result<Response, Error>,
}

/// Where exchanges report that they are ready.
#[derive(Debug, Default)]
pub(crate) struct Shared {
    ready: Mutex<Ready>,
    changed: Condvar,
}

#[derive(Debug, Default)]
struct Ready {
    tickets: Vec<u64>,
    /// The queue's thread waits on the condvar.
    waiting: bool,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Ready> {
        self.ready.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// What an exchange holds to report to its queue.
#[derive(Debug)]
pub(crate) struct Listener {
    shared: Arc<Shared>,
    ticket: u64,
    /// Complete only once the body ended (or outgrew this many bytes).
    pub(crate) buffered: Option<usize>,
}

impl Listener {
    /// The exchange is ready: the ticket joins the ready list; the queue's thread is
    /// signalled only when it waits, and on the client's loop thread only at the end of the
    /// loop's turn ([`Deferred`]).
    pub(crate) fn complete(self) {
        let wake = {
            let mut r = self.shared.lock();
            r.tickets.push(self.ticket);
            std::mem::take(&mut r.waiting)
        };
        if wake && !defer(&self.shared) {
            self.shared.changed.notify_one();
        }
    }
}

/// The queues whose waiting thread the client's loop thread signals at the end of its
/// turn instead of at each completion: a turn that completes many requests (one per
/// HTTP/1.1 connection ready in it, or many streams of one HTTP/2 connection) wakes a
/// waiting queue's thread once, which then takes them all in one [`CompletionQueue::wait`];
/// signalled at once, that thread (on the same core, often) would run for the first
/// completion alone, submit one request and wait again, two context switches and a futex
/// wait and wake per request. The loop calls [`flush_deferred`] before it waits again
/// (`Session::turn_end`), so a signal is delayed by the rest of one turn at most.
#[derive(Default)]
struct Deferred {
    /// On a client's loop thread: signals are deferred.
    active: bool,
    /// The queues to signal at the end of the turn.
    queues: Vec<Arc<Shared>>,
    /// A spare list (its capacity kept) the flush swaps in while it signals.
    spare: Vec<Arc<Shared>>,
}

thread_local! {
    static DEFERRED: std::cell::RefCell<Deferred> = std::cell::RefCell::new(Deferred::default());
}

/// Puts off the signal to `shared`'s waiting thread until the end of the loop's turn when
/// this is a client's loop thread; returns whether it did.
fn defer(shared: &Arc<Shared>) -> bool {
    DEFERRED.with(|d| {
        let Ok(mut d) = d.try_borrow_mut() else {
            return false;
        };
        if !d.active {
            return false;
        }
        if !d.queues.iter().any(|s| Arc::ptr_eq(s, shared)) {
            d.queues.push(Arc::clone(shared));
        }
        true
    })
}

/// Signals the queues whose signal this thread put off ([`defer`]).
pub(crate) fn flush_deferred() {
    let mut queues = DEFERRED.with(|d| {
        let mut d = d.borrow_mut();
        let spare = std::mem::take(&mut d.spare);
        std::mem::replace(&mut d.queues, spare)
    });
    if queues.is_empty() {
        DEFERRED.with(|d| d.borrow_mut().spare = queues);
        return;
    }
    for s in queues.drain(..) {
        s.changed.notify_one();
    }
    DEFERRED.with(|d| d.borrow_mut().spare = queues);
}

/// From now on this thread (a client's loop thread) defers the queues' signals to
/// [`flush_deferred`]; `false` ends that, after signalling what was deferred.
pub(crate) fn defer_signals(on: bool) {
    if !on {
        flush_deferred();
    }
    DEFERRED.with(|d| d.borrow_mut().active = on);
}

#[derive(Debug)]
struct Pending {
    ex: Arc<Exchange>,
    conn: Arc<ConnShared>,
    /// The response's URL: the request's origin, and its target in `prepared`
    /// ([`Prepared::take_target`]).
    origin: Origin,
    prepared: Arc<Prepared>,
    /// How the request relates to the page it comes from (`SameSite`).
    site: SiteContext,
    decoding: bool,
    mode: CompletionMode,
}

/// Many requests in flight from one thread: [`CompletionQueue::submit`] sends a request
/// and returns at once with a [`Ticket`]; [`CompletionQueue::wait`] hands over every
/// request completed by then, in one wake-up. Made by [`Client::queue`].
///
/// Queued requests share the client's pool, timeouts ([`ClientTimeouts`](super::ClientTimeouts)
/// hold as for [`Client::request`]), cookie store (`SameSite` against
/// [`Request::site_for_cookies`] as for [`Client::request`]) and decompression. Redirects are not
/// followed: a 3xx answer completes as it is, and a request that asks to follow them
/// ([`Request::redirects`] with a policy other than [`Redirects::None`]) is refused with
/// [`Error::InvalidRequest`]. A connection is opened (and its host resolved) on the
/// submitting thread when no pooled one is free. A pooled connection lost before answering
/// completes with its error ([`Error::ConnectionClosed`]); it is not retried, nor is a
/// request answered 417 to its `Expect: 100-continue` (the 417 completes as it is).
///
/// Dropping the queue cancels what is still in flight (HTTP/2: RST_STREAM(CANCEL);
/// HTTP/1.1: that connection closes).
///
/// # Examples
///
/// ```
/// use runtime_mio::client::{Client, ClientConfig, CompletionMode, Request, Wait};
/// use runtime_mio::server::{Response, Server, ServerConfig};
///
/// let server = Server::bind("127.0.0.1:0".parse()?, ServerConfig::default(), |req| {
///     Response::text(200, req.path())
/// })?;
/// let base = format!("http://{}", server.local_addr());
///
/// let client = Client::new(ClientConfig::default())?;
/// let mut queue = client.queue();
/// let mut paths = std::collections::HashMap::new();
/// for i in 0..20 {
///     let path = format!("/item/{i}");
///     let req = Request::get(&format!("{base}{path}"))?;
///     // Complete once the whole body (at most 64 KiB) is there.
///     let ticket = queue.submit(req, CompletionMode::Buffered(64 * 1024))?;
///     paths.insert(ticket, path);
/// }
/// // One wake-up hands over every response ready by then.
/// while queue.in_flight() > 0 {
///     for done in queue.wait(Wait::Block) {
///         let mut resp = done.result?;
///         let body = resp.body().read_to_end()?;
///         assert_eq!(body, paths[&done.ticket].as_bytes());
///     }
/// }
/// # server.shutdown()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct CompletionQueue {
    client: Client,
    shared: Arc<Shared>,
    /// By ticket: numbers this queue counts up, hashed without SipHash ([`IdMap`]).
    pending: IdMap<u64, Pending>,
    next: u64,
    /// The ready list's last buffer, swapped back in by the next [`CompletionQueue::wait`]
    /// (its capacity kept: the loop pushes into it without growing it again).
    spare: Vec<u64>,
}

impl CompletionQueue {
    pub(super) fn new(client: Client) -> CompletionQueue {
        CompletionQueue {
            client,
            shared: Arc::new(Shared::default()),
            pending: IdMap::default(),
            next: 0,
            spare: Vec::new(),
        }
    }

    /// How many submitted requests have not been handed over by [`CompletionQueue::wait`].
    #[must_use]
    pub fn in_flight(&self) -> usize {
        self.pending.len()
    }

    /// Sends `req` (on a free pooled connection, or a new one) and returns its ticket.
    ///
    /// # Errors
    /// [`Error::InvalidRequest`] for a request that asks to follow redirects; as
    /// [`Client::request`] for a connection that cannot be opened.
    pub fn submit(&mut self, mut req: Request, mode: CompletionMode) -> Result<Ticket, Error> {
        let config = &self.client.inner.config;
        if matches!(
            req.redirects,
            Some(Redirects::Follow { .. } | Redirects::SameOrigin { .. })
        ) {
            return Err(Error::InvalidRequest(
                "a completion queue does not follow redirects".to_owned(),
            ));
        }
        let decoding = req.decompress.unwrap_or(config.decompress);
        // No redirect chain here: the page it comes from decides.
        let site = add_client_fields(&mut req, &self.client, decoding, []);
        let total_from = Instant::now();
        // `req` ends here: its URL's origin (once the route is done with it) and target
        // (from `prepared`, at the completion) go into the response's URL, not copied.
        let (route, prepared, started) = self.client.prepare(&mut req, total_from);
        let (shared, unshared) = (req.cancel_signal(), super::cancel::Cancel::unshared());
        let cancel = shared.as_deref().unwrap_or(&unshared);
        let limit = match mode {
            CompletionMode::Head | CompletionMode::Discard => config.body_queue,
            CompletionMode::Buffered(n) => config.body_queue.max(n.saturating_add(1)),
        };
        let ex = Exchange::new(limit, total_from);
        if mode == CompletionMode::Discard {
            ex.discard_body();
        }
        cancel.attach(&ex)?;
        let source = prepared.body.start(started)?;
        let job = Job {
            ex: Arc::clone(&ex),
            req: Arc::clone(&prepared),
            source: Some(source),
        };
        let timeouts = prepared.timeouts;
        let (conn, _) = self
            .client
            .dispatch(&route, job, true, started, &timeouts, cancel)
            .inspect_err(|e| prepared.body.abort(e))?;
        let ticket = self.next;
        self.next += 1;
        ex.listen(Listener {
            shared: Arc::clone(&self.shared),
            ticket,
            buffered: match mode {
                CompletionMode::Head => None,
                CompletionMode::Buffered(n) => Some(n),
                // Nothing is queued: ready when the body ends.
                CompletionMode::Discard => Some(usize::MAX),
            },
        });
        self.pending.insert(
            ticket,
            Pending {
                ex,
                conn,
                origin: route.origin,
                prepared,
                site,
                decoding,
                mode,
            },
        );
        Ok(Ticket(ticket))
    }

    /// Cancels `ticket`'s request (HTTP/2: RST_STREAM(CANCEL); HTTP/1.1: its connection
    /// closes); it will not be handed over. Returns whether it was still in flight.
    pub fn cancel(&mut self, ticket: Ticket) -> bool {
        match self.pending.remove(&ticket.0) {
            Some(p) => {
                p.ex.cancel();
                true
            }
            None => false,
        }
    }

    /// Every request completed by now, waiting as `wait` says when none is
    /// ([`Wait::NoWait`]: not at all; an empty list when nothing completed in time, or
    /// nothing is in flight).
    pub fn wait(&mut self, wait: Wait) -> Vec<Completion> {
        let (wait, deadline) = wait.start(Instant::now());
        let tickets = {
            let spare = std::mem::take(&mut self.spare);
            let mut r = self.shared.lock();
            loop {
                if !r.tickets.is_empty() || self.pending.is_empty() {
                    break std::mem::replace(&mut r.tickets, spare);
                }
                r.waiting = true;
                r = match (wait, deadline) {
                    (Wait::NoWait, _) => break spare,
                    (Wait::Timeout(_), Some(d)) => {
                        let left = d.saturating_duration_since(Instant::now());
                        if left.is_zero() {
                            break spare;
                        }
                        self.shared
                            .changed
                            .wait_timeout(r, left)
                            .unwrap_or_else(PoisonError::into_inner)
                            .0
                    }
                    _ => self
                        .shared
                        .changed
                        .wait(r)
                        .unwrap_or_else(PoisonError::into_inner),
                };
            }
        };
        self.hand_over(tickets)
    }

    /// Whether a completion waits to be handed over (without marking the caller as
    /// waiting: a [`LocalQueue`] turns the loop itself).
    fn has_ready(&self) -> bool {
        !self.shared.lock().tickets.is_empty()
    }

    /// The completions ready now, taken without waiting and without marking the caller
    /// as waiting.
    fn take_ready(&mut self) -> Vec<Completion> {
        let spare = std::mem::take(&mut self.spare);
        let tickets = std::mem::replace(&mut self.shared.lock().tickets, spare);
        self.hand_over(tickets)
    }

    /// The completions of `tickets`, in order (one allocation for the list handed over,
    /// however many completed); the emptied list is kept as the next spare.
    fn hand_over(&mut self, mut tickets: Vec<u64>) -> Vec<Completion> {
        let mut done = Vec::with_capacity(tickets.len());
        for t in tickets.drain(..) {
            if let Some(p) = self.pending.remove(&t) {
                done.push(Completion {
                    ticket: Ticket(t),
                    result: self.finish(p),
                });
            }
        }
        self.spare = tickets;
        done
    }

    /// The response of a ready exchange, as [`Client::request`] would hand it over.
    fn finish(&self, mut p: Pending) -> Result<Response, Error> {
        let head = match p.ex.take_head() {
            Some(Ok(h)) => h,
            Some(Err((e, _))) => return Err(e),
            None => return Err(Error::ConnectionClosed),
        };
        if let CompletionMode::Buffered(limit) = p.mode {
            let (queued, failed) = p.ex.buffered_state();
            if queued > limit {
                p.ex.cancel();
                return Err(Error::BodyTooLarge { limit });
            }
            // No whole body to hand over: the body's failure is the completion's.
            if let Some(e) = failed {
                return Err(e);
            }
        } else if p.mode == CompletionMode::Discard
            && let (_, Some(e)) = p.ex.buffered_state()
        {
            return Err(e);
        }
        let url = Url {
            origin: p.origin,
            target: Prepared::take_target(&mut p.prepared),
        };
        if let Some(jar) = &self.client.inner.cookies {
            for (n, v) in head.fields.raw() {
                if n.eq_ignore_ascii_case(b"set-cookie")
                    && let Ok(v) = std::str::from_utf8(v)
                {
                    jar.set_cookie_in(&url, v, p.site);
                }
            }
        }
        let status = head.status;
        // A response without `Content-Encoding` (the fields noted it as they were copied)
        // is not searched for one; a discarded body is not decoded.
        let codings = if p.decoding
            && p.mode != CompletionMode::Discard
            && head.fields.has_content_encoding()
            && !matches!(status, 100..=199 | 204 | 206 | 304)
        {
            decode::codings(head.fields.raw()).unwrap_or_default()
        } else {
            Vec::new()
        };
        let mut resp = Response::new(head, p.conn.id, p.ex, self.client.clone());
        resp.set_conn(p.conn);
        resp.set_delivery(url, Vec::new(), codings);
        Ok(resp)
    }
}

impl Drop for CompletionQueue {
    fn drop(&mut self) {
        for (_, p) in self.pending.drain() {
            p.ex.cancel();
        }
    }
}

/// A completion queue whose thread runs the client's loop itself: no loop thread, no
/// condvar. [`LocalQueue::wait`] turns the loop (a `poll` for readiness, then the
/// connections that are ready, woken or due) until a request completed or the wait is
/// over; between waits nothing moves. Requests submitted and woken connections on this
/// thread need no signal to a loop thread, and the responses read in one turn are handed
/// over together: the fewest system calls per request of the client's ways to send.
///
/// It owns its client (made from the [`ClientConfig`] given to [`LocalQueue::new`]), so
/// that nothing can wait on that client's loop while the loop waits for this thread:
/// there is no [`Client::request`], [`Client::sse`] or WebSocket on it. What it supports:
/// - requests that complete once the whole body is buffered ([`CompletionMode::Buffered`]
///   with [`LocalQueue::submit`]'s limit): the [`Response`]'s body is then read without
///   waiting (a [`CompletionMode::Head`] completion, whose body arrives later, would need
///   the loop to run while the caller reads), or once it was received and dropped
///   ([`CompletionMode::Discard`], [`LocalQueue::submit_discard`]);
/// - request bodies in memory or from files ([`Request::body`], [`Request::body_file`],
///   [`Request::multipart`]; a file's pump thread wakes the loop from its own thread); a
///   [`BodyWriter`](super::BodyWriter) body is refused with [`Error::InvalidRequest`] (a
///   writer on this thread would wait for room the loop makes);
/// - as the threaded [`CompletionQueue`]: the pool (HTTP/1.1 keep-alive, HTTP/2 multiplexing,
///   TLS), timeouts ([`ClientTimeouts`](super::ClientTimeouts) fire while the caller waits
///   in [`LocalQueue::wait`]), cookies, decompression, cancellation ([`LocalQueue::cancel`],
///   a [`CancelHandle`](super::CancelHandle) from any thread, and dropping the queue), and
///   no redirects (refused as there).
///
/// Timers only fire, and connections only move, inside [`LocalQueue::wait`] and
/// [`LocalQueue::preconnect`]: a request submitted is written at the next wait. The queue
/// stays on the thread that made it (it is neither `Send` nor `Sync`).
///
/// # Examples
///
/// ```
/// use runtime_mio::client::{ClientConfig, LocalQueue, Request, Wait};
/// use runtime_mio::server::{Response, Server, ServerConfig};
///
/// let server = Server::bind("127.0.0.1:0".parse()?, ServerConfig::default(), |req| {
///     Response::text(200, req.path())
/// })?;
/// let base = format!("http://{}", server.local_addr());
///
/// let mut queue = LocalQueue::new(ClientConfig::default())?;
/// let mut paths = std::collections::HashMap::new();
/// for i in 0..20 {
///     let path = format!("/item/{i}");
///     // Completes once the whole body (at most 64 KiB) is there.
///     let ticket = queue.submit(Request::get(&format!("{base}{path}"))?, 64 * 1024)?;
///     paths.insert(ticket, path);
/// }
/// // This thread runs the loop inside `wait` until responses are ready.
/// while queue.in_flight() > 0 {
///     for done in queue.wait(Wait::Block) {
///         let mut resp = done.result?;
///         let body = resp.body().read_to_end()?;
///         assert_eq!(body, paths[&done.ticket].as_bytes());
///     }
/// }
/// # server.shutdown()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct LocalQueue {
    queue: CompletionQueue,
    ev: ClientLoop,
    /// The loop belongs to the thread that made it: wakes from that thread do not signal.
    _thread_bound: PhantomData<*const ()>,
}

impl std::fmt::Debug for LocalQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalQueue")
            .field("queue", &self.queue)
            .field("connections", &self.ev.connections())
            .finish_non_exhaustive()
    }
}

impl LocalQueue {
    /// A client made from `config` and its completion queue, whose loop this thread runs.
    ///
    /// # Errors
    /// As [`Client::new`].
    pub fn new(config: ClientConfig) -> Result<LocalQueue, Error> {
        let (client, ev) = Client::new_local(config)?;
        Ok(LocalQueue {
            queue: CompletionQueue::new(client),
            ev,
            _thread_bound: PhantomData,
        })
    }

    /// Sends `req` (written at the next [`LocalQueue::wait`]) and returns its ticket: it
    /// completes once its whole body is buffered, at most `limit` bytes (a longer body
    /// completes with [`Error::BodyTooLarge`] and the exchange is cancelled; a body that
    /// failed, with its error).
    ///
    /// # Errors
    /// [`Error::InvalidRequest`] for a request that asks to follow redirects or streams its
    /// body from a [`BodyWriter`](super::BodyWriter); as [`Client::request`] for a
    /// connection that cannot be opened.
    pub fn submit(&mut self, req: Request, limit: usize) -> Result<Ticket, Error> {
        self.submit_whole(req, CompletionMode::Buffered(limit))
    }

    /// Sends `req` (written at the next [`LocalQueue::wait`]) and returns its ticket: it
    /// completes once its whole body has been received and dropped, of any length
    /// ([`CompletionMode::Discard`]; [`Body::discarded`](super::Body::discarded) gives the
    /// length).
    ///
    /// # Errors
    /// As [`LocalQueue::submit`].
    pub fn submit_discard(&mut self, req: Request) -> Result<Ticket, Error> {
        self.submit_whole(req, CompletionMode::Discard)
    }

    /// Submits `req` in a `mode` that completes at the body's end (never
    /// [`CompletionMode::Head`]: a body read after the completion would need the loop).
    fn submit_whole(&mut self, req: Request, mode: CompletionMode) -> Result<Ticket, Error> {
        debug_assert_ne!(mode, CompletionMode::Head);
        if matches!(req.body, ReqBody::Writer(..)) {
            return Err(Error::InvalidRequest(
                "a local queue does not take a BodyWriter body".to_owned(),
            ));
        }
        self.queue.submit(req, mode)
    }

    /// Cancels `ticket`'s request (HTTP/2: RST_STREAM(CANCEL); HTTP/1.1: its connection
    /// closes, at the next wait); it will not be handed over. Returns whether it was still
    /// in flight.
    pub fn cancel(&mut self, ticket: Ticket) -> bool {
        self.queue.cancel(ticket)
    }

    /// How many submitted requests have not been handed over by [`LocalQueue::wait`].
    #[must_use]
    pub fn in_flight(&self) -> usize {
        self.queue.in_flight()
    }

    /// Every request completed by now, running the loop on this thread until one is, or
    /// nothing is in flight, or as `wait` says: [`Wait::NoWait`] makes one turn that does
    /// not wait; [`Wait::Timeout`] turns until that long has passed; [`Wait::Block`]
    /// until a completion (the requests' own timeouts still apply). A poller that fails
    /// fails every request in flight with [`Error::Io`].
    pub fn wait(&mut self, wait: Wait) -> Vec<Completion> {
        let (wait, deadline) = wait.start(Instant::now());
        let mut turned = false;
        loop {
            self.ev.run_woken();
            if self.queue.pending.is_empty() || self.queue.has_ready() {
                break;
            }
            let limit = match (wait, deadline) {
                (Wait::Block, _) => None,
                (_, Some(d)) => {
                    let left = d.saturating_duration_since(Instant::now());
                    if left.is_zero() && turned {
                        break;
                    }
                    Some(left)
                }
                _ if turned => break,
                _ => Some(Duration::ZERO),
            };
            if let Err(e) = self.ev.turn(limit) {
                let e = Error::Io(Arc::new(e));
                for p in self.queue.pending.values() {
                    p.ex.fail(e.clone());
                }
                break;
            }
            turned = true;
        }
        self.queue.take_ready()
    }

    /// Opens a new connection to `url`'s origin and leaves it idle in the pool, running the
    /// loop until (under TLS) the handshake chose the protocol, within the TLS handshake
    /// timeout: a warm-up, or a way to spread later requests over several connections
    /// (an `https://` request submitted before a connection knows its protocol opens
    /// another one). Returns the connection's number. Requests in flight move meanwhile;
    /// those that complete are handed over by the next [`LocalQueue::wait`].
    ///
    /// # Errors
    /// As [`Client::preconnect`].
    pub fn preconnect(&mut self, url: &str) -> Result<u64, Error> {
        let (shared, deadline) = self.queue.client.open_idle(url)?;
        let settled = loop {
            self.ev.run_woken();
            if let Some(s) = shared.settled() {
                break s;
            }
            let limit = match deadline {
                Some(d) => {
                    let left = d.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        break Err(None);
                    }
                    Some(left)
                }
                None => None,
            };
            if let Err(e) = self.ev.turn(limit) {
                break Err(Some(Error::Io(Arc::new(e))));
            }
        };
        Client::preconnected(&shared, settled)
    }

    /// What the pool holds and has done.
    #[must_use]
    pub fn pool_stats(&self) -> PoolStats {
        self.queue.client.pool_stats()
    }

    /// The client's cookie store; `None` when [`ClientConfig::cookies`] is off.
    #[must_use]
    pub fn cookie_jar(&self) -> Option<CookieJar> {
        self.queue.client.cookie_jar()
    }
}

impl Drop for LocalQueue {
    fn drop(&mut self) {
        // Cancelled, and driven once so that the cancels go out (HTTP/2 RST_STREAM,
        // HTTP/1.1 close) before the loop and its connections go.
        for (_, p) in self.queue.pending.drain() {
            p.ex.cancel();
        }
        self.ev.run_woken();
        let _ = self.ev.turn(Some(Duration::ZERO));
        self.ev.close_intake();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listener(shared: &Arc<Shared>, ticket: u64) -> Listener {
        Listener {
            shared: Arc::clone(shared),
            ticket,
            buffered: None,
        }
    }

    fn deferred() -> usize {
        DEFERRED.with(|d| d.borrow().queues.len())
    }

    /// On a deferring thread (a client's loop thread) completions for a waiting queue note
    /// it once and leave its signal for the flush, which takes the note away; elsewhere the
    /// signal is given at once. A thread that waits on the condvar is woken by the flush.
    #[test]
    fn a_deferring_thread_signals_a_waiting_queue_once_at_the_flush() {
        let shared = Arc::new(Shared::default());
        let waiter = {
            let shared = Arc::clone(&shared);
            std::thread::spawn(move || {
                let mut r = shared.lock();
                r.waiting = true;
                while r.tickets.len() < 2 {
                    r = shared
                        .changed
                        .wait(r)
                        .unwrap_or_else(PoisonError::into_inner);
                }
                std::mem::take(&mut r.tickets)
            })
        };
        while !shared.lock().waiting {
            std::thread::yield_now();
        }
        defer_signals(true);
        listener(&shared, 1).complete();
        assert_eq!(deferred(), 1);
        assert!(!shared.lock().waiting, "the waiter is counted as signalled");
        // The waiter is not waiting any more as far as completions know: no second note.
        listener(&shared, 2).complete();
        assert_eq!(deferred(), 1);
        flush_deferred();
        assert_eq!(deferred(), 0);
        assert_eq!(waiter.join().unwrap(), [1, 2]);
        defer_signals(false);
        // Not deferring: nothing is noted.
        shared.lock().waiting = true;
        listener(&shared, 3).complete();
        assert_eq!(deferred(), 0);
        assert!(!shared.lock().waiting);
    }
}
