//! The connection pool: per route (origin, proxy, TLS server name), the connections the client opened, each seen
//! through a [`ConnShared`] that its session (on the loop thread) keeps up to date.
//!
//! A caller picks a connection under the pool's lock: an HTTP/1.1 connection with no
//! exchange in progress (keep-alive reuse), or an HTTP/2 connection with fewer streams in
//! use than the server's SETTINGS_MAX_CONCURRENT_STREAMS (multiplexing). It then puts its
//! request in that connection's inbox and wakes the loop for it. A connection whose TLS
//! handshake has not said which protocol it speaks (ALPN) is not picked: a request made
//! meanwhile opens another connection.
//!
//! A connection leaves the pool when its session says it closed (the server closed it, an
//! error, an HTTP/1.1 cancel, the pool's idle timeout); a request that raced with that is
//! handed back untouched (its exchange fails as "not sent") and the caller opens a new
//! connection for it.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Instant;

use super::Prepared;
use super::body::Exchange;
use super::connect::Route;
use crate::event_loop::ConnWaker;

/// A request handed to a connection: the caller's exchange and what to send.
#[derive(Debug)]
pub(crate) struct Job {
    pub(crate) ex: Arc<Exchange>,
    pub(crate) req: Arc<Prepared>,
    /// What this attempt sends as the body (taken by the connection that starts it).
    pub(crate) source: Option<super::upload::Source>,
}

/// The protocol a connection speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Proto {
    /// Not known yet (TLS handshake with ALPN in progress).
    Unknown = 0,
    Http1 = 1,
    Http2 = 2,
}

#[derive(Debug, Default)]
struct Inbox {
    jobs: Vec<Job>,
    waker: Option<ConnWaker>,
    /// The session is gone: nothing more is accepted.
    dead: bool,
}

/// One connection as the pool and its session share it.
#[derive(Debug)]
pub(crate) struct ConnShared {
    pub(crate) id: u64,
    proto: AtomicU8,
    closed: AtomicBool,
    /// HTTP/1.1: 1 while an exchange is in progress; HTTP/2: streams in use.
    in_use: AtomicUsize,
    /// HTTP/2: the server's SETTINGS_MAX_CONCURRENT_STREAMS (until it says, 100).
    max_streams: AtomicUsize,
    inbox: Mutex<Inbox>,
    info: Mutex<super::ConnInfo>,
    /// The client's own cap on HTTP/2 exchanges at once.
    cap: usize,
    /// Why the session failed (a connection nobody waits on reports it here).
    failure: Mutex<Option<super::Error>>,
    /// Notified when the protocol is chosen, the connection closes or fails
    /// ([`ConnShared::wait_ready`]).
    settled: Condvar,
    /// The route's origin as `Host` and `:authority` say it ([`Origin::authority`]): every
    /// request on the connection goes to that origin, so it is formatted once per
    /// connection, not once per request.
    ///
    /// [`Origin::authority`]: super::Origin::authority
    pub(crate) authority: Box<str>,
}

impl ConnShared {
    /// A new connection to `authority`, reserved for the caller that opens it (one exchange
    /// in use).
    pub(crate) fn new(id: u64, proto: Proto, cap: Option<usize>, authority: Box<str>) -> Arc<Self> {
        Arc::new(ConnShared {
            id,
            proto: AtomicU8::new(proto as u8),
            closed: AtomicBool::new(false),
            in_use: AtomicUsize::new(1),
            max_streams: AtomicUsize::new(100),
            inbox: Mutex::new(Inbox::default()),
            info: Mutex::new(super::ConnInfo::default()),
            cap: cap.unwrap_or(usize::MAX).max(1),
            failure: Mutex::new(None),
            settled: Condvar::new(),
            authority,
        })
    }

    fn lock(&self) -> MutexGuard<'_, Inbox> {
        self.inbox
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// What is known about the connection.
    pub(crate) fn info(&self) -> MutexGuard<'_, super::ConnInfo> {
        self.info
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(crate) fn set_failure(&self, e: &super::Error) {
        let mut f = self
            .failure
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if f.is_none() {
            *f = Some(e.clone());
        }
        drop(f);
        self.notify_settled();
    }

    /// Wakes [`ConnShared::wait_ready`]: taking the failure lock first orders the change
    /// before a waiter's check.
    fn notify_settled(&self) {
        let _guard = self
            .failure
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        self.settled.notify_all();
    }

    /// Waits until the connection knows its protocol (the TLS handshake chose by ALPN), or
    /// it failed or closed, or `deadline` passed: `Ok(())`, the failure, or `Err(None)` for
    /// a connection that closed or a deadline that passed ([`ConnShared::is_closed`] tells
    /// which).
    pub(crate) fn wait_ready(&self, deadline: Option<Instant>) -> Result<(), Option<super::Error>> {
        let mut f = self
            .failure
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        loop {
            if let Some(e) = f.as_ref() {
                return Err(Some(e.clone()));
            }
            if self.proto() != Proto::Unknown {
                return Ok(());
            }
            if self.is_closed() {
                return Err(None);
            }
            f = match deadline {
                None => self
                    .settled
                    .wait(f)
                    .unwrap_or_else(std::sync::PoisonError::into_inner),
                Some(d) => {
                    let left = d.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return Err(None);
                    }
                    self.settled
                        .wait_timeout(f, left)
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .0
                }
            };
        }
    }

    /// Without waiting, what [`ConnShared::wait_ready`] would return: `None` while the
    /// protocol is not known and the connection neither failed nor closed.
    pub(crate) fn settled(&self) -> Option<Result<(), Option<super::Error>>> {
        let f = self
            .failure
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(e) = f.as_ref() {
            return Some(Err(Some(e.clone())));
        }
        if self.proto() != Proto::Unknown {
            return Some(Ok(()));
        }
        self.is_closed().then_some(Err(None))
    }

    pub(crate) fn proto(&self) -> Proto {
        match self.proto.load(Ordering::Acquire) {
            1 => Proto::Http1,
            2 => Proto::Http2,
            _ => Proto::Unknown,
        }
    }

    pub(crate) fn set_proto(&self, p: Proto) {
        self.proto.store(p as u8, Ordering::Release);
        self.notify_settled();
    }

    pub(crate) fn set_max_streams(&self, n: u32) {
        self.max_streams
            .store(usize::try_from(n).unwrap_or(usize::MAX), Ordering::Release);
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    /// No new exchange goes on this connection.
    pub(crate) fn mark_closed(&self) {
        if !self.closed.swap(true, Ordering::AcqRel) {
            self.notify_settled();
        }
    }

    /// An exchange on it ended; the slot is free for the next one.
    pub(crate) fn release(&self) {
        let _ = self
            .in_use
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1));
    }

    /// Hands `job` to the connection and wakes its loop; the job comes back when the
    /// session is gone.
    pub(crate) fn submit(&self, job: Job) -> Result<(), Job> {
        let waker = {
            let mut inbox = self.lock();
            if inbox.dead {
                return Err(job);
            }
            inbox.jobs.push(job);
            inbox.waker.clone()
        };
        // No waker yet: the session has not run its first turn, which takes the inbox.
        if let Some(w) = waker {
            w.wake();
        }
        Ok(())
    }

    /// The session moves the jobs handed to it into `into` (and, the first time, leaves its
    /// waker). The inbox keeps its buffer for the next ones.
    pub(crate) fn take_jobs(&self, waker: Option<&ConnWaker>, into: &mut VecDeque<Job>) {
        let mut inbox = self.lock();
        if inbox.waker.is_none() {
            inbox.waker = waker.cloned();
        }
        into.extend(inbox.jobs.drain(..));
    }

    /// The session is ending: nothing more is accepted; the jobs it never took come back.
    pub(crate) fn kill(&self) -> Vec<Job> {
        self.mark_closed();
        let mut inbox = self.lock();
        inbox.dead = true;
        inbox.waker = None;
        std::mem::take(&mut inbox.jobs)
    }

    /// Reserves a slot for one more exchange, if the connection has one.
    fn try_reserve(&self) -> bool {
        if self.is_closed() {
            return false;
        }
        match self.proto() {
            Proto::Unknown => false,
            Proto::Http1 => self
                .in_use
                .compare_exchange(0, 1, Ordering::AcqRel, Ordering::Acquire)
                .is_ok(),
            Proto::Http2 => {
                let max = self
                    .max_streams
                    .load(Ordering::Acquire)
                    .min(self.cap)
                    .max(1);
                self.in_use
                    .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                        (n < max).then_some(n + 1)
                    })
                    .is_ok()
            }
        }
    }
}

/// What the pool holds and has done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PoolStats {
    /// Connections opened since the client was made.
    pub opened: u64,
    /// Connections open now (in use or idle), over all origins.
    pub open: usize,
}

/// The pool.
///
/// The route asked last is kept out of the map beside it: a client that asks one origin
/// over and over finds its connections by comparing routes, without hashing one per request
/// (SipHash of a route cost about 800 instructions, a fifth of the pool's share per request).
#[derive(Debug, Default)]
pub(crate) struct Pool {
    hot: Option<(Route, Conns)>,
    origins: HashMap<Route, Conns>,
    opened: u64,
}

/// One route's connections, and where the next search for a free one starts.
#[derive(Debug, Default)]
struct Conns {
    list: Vec<Arc<ConnShared>>,
    /// HTTP/1.1: one past the connection taken last (which is busy now): with one exchange
    /// per connection, the one taken longest ago is the likeliest to be free, so a search
    /// from here finds one in a probe or two instead of trying all of them from the first.
    /// HTTP/2: the connection taken last, which is filled before the next.
    next: usize,
}

impl Conns {
    /// A connection with room for one more exchange, reserved; drops the closed ones met.
    fn take(&mut self) -> Option<Arc<ConnShared>> {
        let n = self.list.len();
        let mut closed = false;
        let mut found = None;
        for i in 0..n {
            let k = (self.next + i) % n;
            let c = &self.list[k];
            if c.is_closed() {
                closed = true;
            } else if c.try_reserve() {
                self.next = if c.proto() == Proto::Http1 { k + 1 } else { k };
                found = Some(Arc::clone(c));
                break;
            }
        }
        if closed {
            self.list.retain(|c| !c.is_closed());
        }
        if self.next >= self.list.len() {
            self.next = 0;
        }
        found
    }
}

impl Pool {
    /// A connection for `origin` (its route) with room for one more exchange, reserved for the caller.
    pub(crate) fn checkout(&mut self, origin: &Route) -> Option<Arc<ConnShared>> {
        if self.hot.as_ref().is_none_or(|(r, _)| r != origin) {
            let entry = self.origins.remove_entry(origin)?;
            if let Some((r, c)) = self.hot.replace(entry) {
                self.origins.insert(r, c);
            }
        }
        let (_, conns) = self.hot.as_mut()?;
        let found = conns.take();
        if conns.list.is_empty() {
            self.hot = None;
        }
        found
    }

    /// A number for the next connection.
    pub(crate) fn next_id(&mut self) -> u64 {
        self.opened += 1;
        self.opened
    }

    pub(crate) fn insert(&mut self, origin: Route, conn: Arc<ConnShared>) {
        match &mut self.hot {
            Some((r, c)) if *r == origin => c.list.push(conn),
            _ => self.origins.entry(origin).or_default().list.push(conn),
        }
    }

    pub(crate) fn stats(&mut self) -> PoolStats {
        self.origins.retain(|_, v| {
            v.list.retain(|c| !c.is_closed());
            !v.list.is_empty()
        });
        if let Some((_, c)) = &mut self.hot {
            c.list.retain(|c| !c.is_closed());
            c.next = 0;
            if c.list.is_empty() {
                self.hot = None;
            }
        }
        let hot = self.hot.as_ref().map_or(0, |(_, c)| c.list.len());
        PoolStats {
            opened: self.opened,
            open: hot + self.origins.values().map(|c| c.list.len()).sum::<usize>(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::ClientConfig;
    use crate::client::ProxyChoice;
    use crate::client::url::Url;

    fn route(url: &str) -> Route {
        let origin = Url::parse(url).unwrap().origin;
        Route::new(origin, &ProxyChoice::Direct, &ClientConfig::default())
    }

    /// An idle HTTP/1.1 connection (the pool's reservation at its opening released).
    fn idle(id: u64) -> Arc<ConnShared> {
        let c = ConnShared::new(id, Proto::Http1, None, "a.test".into());
        c.release();
        c
    }

    #[test]
    fn checkout_finds_every_free_connection_and_only_those() {
        let mut pool = Pool::default();
        let a = route("http://a.test/");
        let conns: Vec<_> = (1..=4).map(idle).collect();
        for c in &conns {
            pool.insert(a.clone(), Arc::clone(c));
        }
        // All four are taken once each, then none is free.
        let mut got: Vec<u64> = (0..4).map(|_| pool.checkout(&a).unwrap().id).collect();
        got.sort_unstable();
        assert_eq!(got, [1, 2, 3, 4]);
        assert!(pool.checkout(&a).is_none());
        // Whichever is freed is found, wherever the search starts.
        for id in [3, 1, 4, 2, 2, 4] {
            conns[id as usize - 1].release();
            assert_eq!(pool.checkout(&a).unwrap().id, id);
            assert!(pool.checkout(&a).is_none());
        }
        // A closed connection is dropped, never handed out.
        conns[0].release();
        conns[0].mark_closed();
        assert!(pool.checkout(&a).is_none());
        assert_eq!(pool.stats().open, 3);
    }

    #[test]
    fn routes_keep_their_own_connections_across_switches() {
        let mut pool = Pool::default();
        let (a, b, c) = (
            route("http://a.test/"),
            route("http://b.test/"),
            route("http://c.test/"),
        );
        pool.insert(a.clone(), idle(1));
        pool.insert(b.clone(), idle(2));
        pool.insert(b.clone(), idle(3));
        assert!(pool.checkout(&c).is_none());
        let first = pool.checkout(&b).unwrap();
        assert!(first.id == 2 || first.id == 3);
        // `b` is the hot route now; `a` comes back from the map, and `b` keeps its other one.
        assert_eq!(pool.checkout(&a).unwrap().id, 1);
        assert!(pool.checkout(&a).is_none());
        assert_eq!(pool.checkout(&b).unwrap().id, 5 - first.id);
        assert!(pool.checkout(&b).is_none());
        // A connection inserted for the hot route, and one for another, are both found.
        pool.insert(b.clone(), idle(4));
        pool.insert(a.clone(), idle(5));
        assert_eq!(pool.checkout(&b).unwrap().id, 4);
        assert_eq!(pool.checkout(&a).unwrap().id, 5);
        assert_eq!(pool.stats().open, 5);
    }

    #[test]
    fn http2_connections_fill_the_one_in_use_first() {
        let mut pool = Pool::default();
        let a = route("http://a.test/");
        for id in 1..=2 {
            let c = ConnShared::new(id, Proto::Http2, Some(3), "a.test".into());
            c.release();
            pool.insert(a.clone(), c);
        }
        let ids: Vec<u64> = (0..6).map(|_| pool.checkout(&a).unwrap().id).collect();
        assert_eq!(ids, [1, 1, 1, 2, 2, 2]);
        assert!(pool.checkout(&a).is_none());
    }
}
