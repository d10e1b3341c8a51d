//! Timeouts: the table of named phases ([`Timeouts`]), each [`Timeout::Unlimited`] or
//! [`Timeout::After`] a duration (never a magic zero), and the timer structure
//! ([`Timers`]) that every connection's next deadline joins, whether it comes from a phase
//! of the runtime or from an engine's own `poll_timeout`.
//!
//! [`Timers`] is a min-heap of `(deadline, key, generation)` with lazy cancellation: arming
//! a key again bumps its generation and the old entry is skipped when it surfaces. Finding
//! the earliest deadline is O(1) and expiring one is O(log n); nothing scans every
//! connection per tick. Stale entries are bounded: when they outnumber the live ones the
//! heap is rebuilt.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::{Duration, Instant};

/// How long a phase may last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Timeout {
    /// No limit.
    Unlimited,
    /// At most this long.
    After(Duration),
}

impl Timeout {
    /// The deadline of a phase that started at `since`; `None` when unlimited (or beyond
    /// what `Instant` can hold).
    #[must_use]
    pub fn deadline(self, since: Instant) -> Option<Instant> {
        match self {
            Timeout::Unlimited => None,
            Timeout::After(d) => since.checked_add(d),
        }
    }

    /// The duration, if limited.
    #[must_use]
    pub fn duration(self) -> Option<Duration> {
        match self {
            Timeout::Unlimited => None,
            Timeout::After(d) => Some(d),
        }
    }
}

/// The timeout of every named phase of a connection's life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// From accept to a completed TLS handshake. Default 10 s.
    pub tls_handshake: Timeout,
    /// From the first byte of a request head to its end (HTTP/1.1: then 408 and close; cuts
    /// slowloris). Default 10 s.
    pub request_head: Timeout,
    /// A connection with no request in progress (new or kept alive) closes after this.
    /// Default 60 s.
    pub keep_alive_idle: Timeout,
    /// Longest gap between two pieces of a request body. Default 30 s.
    pub body_idle_gap: Timeout,
    /// Output pending and not one byte of it written for this long: close. Default 30 s.
    pub write_stall: Timeout,
    /// HTTP/2: a connection with no stream closes (GOAWAY) after this. Default 60 s.
    pub h2_idle: Timeout,
    /// HTTP/2: silence after which a PING is sent. Default 30 s.
    pub h2_ping: Timeout,
    /// HTTP/2: after the client's GOAWAY, with no stream left, how long the connection
    /// stays open for the client to close it (the frames it wrote after its GOAWAY, a PING
    /// say, are still answered); the connection closes at the client's end of stream or
    /// then (`Unlimited`: at the client's end of stream, or at the `h2_idle` timeout's
    /// GOAWAY). Default 1 s (as Go's HTTP/2 server).
    pub h2_goaway_grace: Timeout,
    /// WebSocket: how long to wait for the peer's Close after ours; then an HTTP/1.1
    /// connection is dropped and an HTTP/2 WebSocket stream reset (RST_STREAM CANCEL).
    /// Default 5 s.
    pub ws_close: Timeout,
    /// SSE: a comment line keeps an idle event stream alive this often. Default 15 s.
    pub sse_heartbeat: Timeout,
    /// Graceful shutdown: in-flight requests get this long, then connections are dropped.
    /// Default 10 s.
    pub shutdown_grace: Timeout,
}

impl Default for Timeouts {
    fn default() -> Self {
        let s = |n| Timeout::After(Duration::from_secs(n));
        Timeouts {
            tls_handshake: s(10),
            request_head: s(10),
            keep_alive_idle: s(60),
            body_idle_gap: s(30),
            write_stall: s(30),
            h2_idle: s(60),
            h2_ping: s(30),
            h2_goaway_grace: s(1),
            ws_close: s(5),
            sse_heartbeat: s(15),
            shutdown_grace: s(10),
        }
    }
}

/// Deadlines keyed by a `usize` (a connection's slab key), at most one live deadline per key.
///
/// ```
/// use runtime_mio::timer::Timers;
/// use std::time::{Duration, Instant};
/// let t0 = Instant::now();
/// let mut timers = Timers::new();
/// timers.set(3, Some(t0 + Duration::from_secs(2)));
/// timers.set(5, Some(t0 + Duration::from_secs(1)));
/// timers.set(3, Some(t0 + Duration::from_secs(3))); // re-armed: the 2 s entry is stale
/// assert_eq!(timers.next_deadline(), Some(t0 + Duration::from_secs(1)));
/// assert_eq!(timers.pop_expired(t0 + Duration::from_secs(2)), Some(5));
/// assert_eq!(timers.pop_expired(t0 + Duration::from_secs(2)), None);
/// assert_eq!(timers.pop_expired(t0 + Duration::from_secs(3)), Some(3));
/// ```
#[derive(Debug, Default)]
pub struct Timers {
    heap: BinaryHeap<Reverse<(Instant, usize, u64)>>,
    /// Per key: the generation of its live entry and its deadline (`None`: not armed).
    live: Vec<(u64, Option<Instant>)>,
    armed: usize,
}

impl Timers {
    /// No deadlines.
    #[must_use]
    pub fn new() -> Self {
        Timers::default()
    }

    /// Arms `key` for `deadline`, replacing its previous deadline; `None` disarms it.
    /// Setting the same deadline again costs nothing.
    pub fn set(&mut self, key: usize, deadline: Option<Instant>) {
        if key >= self.live.len() {
            self.live.resize(key + 1, (0, None));
        }
        let slot = &mut self.live[key];
        if slot.1 == deadline {
            return;
        }
        match (slot.1, deadline) {
            (None, Some(_)) => self.armed += 1,
            (Some(_), None) => self.armed -= 1,
            _ => {}
        }
        slot.0 = slot.0.wrapping_add(1);
        slot.1 = deadline;
        if let Some(at) = deadline {
            self.heap.push(Reverse((at, key, slot.0)));
        }
        self.compact();
    }

    /// The deadline `key` is armed for.
    #[must_use]
    pub fn get(&self, key: usize) -> Option<Instant> {
        self.live.get(key).and_then(|s| s.1)
    }

    /// The earliest live deadline.
    pub fn next_deadline(&mut self) -> Option<Instant> {
        self.drop_stale();
        self.heap.peek().map(|Reverse((at, _, _))| *at)
    }

    /// A key whose deadline is at or before `now` (earliest first), disarmed as it is
    /// returned; `None` when no deadline has passed.
    pub fn pop_expired(&mut self, now: Instant) -> Option<usize> {
        self.drop_stale();
        let &Reverse((at, key, _)) = self.heap.peek()?;
        if at > now {
            return None;
        }
        self.heap.pop();
        self.live[key].1 = None;
        self.armed -= 1;
        Some(key)
    }

    /// Live deadlines.
    #[must_use]
    pub fn len(&self) -> usize {
        self.armed
    }

    /// No live deadline.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.armed == 0
    }

    fn is_stale(&self, key: usize, generation: u64) -> bool {
        self.live[key].0 != generation || self.live[key].1.is_none()
    }

    fn drop_stale(&mut self) {
        while let Some(&Reverse((_, key, g))) = self.heap.peek() {
            if !self.is_stale(key, g) {
                break;
            }
            self.heap.pop();
        }
    }

    /// Rebuilds the heap when stale entries outnumber live ones (bounded memory under
    /// constant re-arming).
    fn compact(&mut self) {
        if self.heap.len() > 64 && self.heap.len() > 2 * self.armed {
            let live = &self.live;
            self.heap
                .retain(|Reverse((_, k, g))| live[*k].0 == *g && live[*k].1.is_some());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn timeout_deadline() {
        let t = Instant::now();
        assert_eq!(Timeout::Unlimited.deadline(t), None);
        assert_eq!(Timeout::After(ms(5)).deadline(t), Some(t + ms(5)));
        assert_eq!(Timeout::After(ms(5)).duration(), Some(ms(5)));
        assert_eq!(Timeout::Unlimited.duration(), None);
    }

    #[test]
    fn defaults_are_all_limited() {
        let d = Timeouts::default();
        for t in [
            d.tls_handshake,
            d.request_head,
            d.keep_alive_idle,
            d.body_idle_gap,
            d.write_stall,
            d.h2_idle,
            d.h2_ping,
            d.ws_close,
            d.sse_heartbeat,
            d.shutdown_grace,
        ] {
            assert!(matches!(t, Timeout::After(d) if d > Duration::ZERO));
        }
    }

    #[test]
    fn expire_in_order_and_cancel() {
        let t = Instant::now();
        let mut tm = Timers::new();
        tm.set(0, Some(t + ms(30)));
        tm.set(1, Some(t + ms(10)));
        tm.set(2, Some(t + ms(20)));
        tm.set(2, None); // cancelled
        assert_eq!(tm.len(), 2);
        assert_eq!(tm.next_deadline(), Some(t + ms(10)));
        assert_eq!(tm.pop_expired(t + ms(5)), None);
        assert_eq!(tm.pop_expired(t + ms(100)), Some(1));
        assert_eq!(tm.pop_expired(t + ms(100)), Some(0));
        assert_eq!(tm.pop_expired(t + ms(100)), None);
        assert!(tm.is_empty());
        assert_eq!(tm.next_deadline(), None);
    }

    #[test]
    fn rearm_later_skips_old_entry() {
        let t = Instant::now();
        let mut tm = Timers::new();
        tm.set(4, Some(t + ms(10)));
        tm.set(4, Some(t + ms(50)));
        assert_eq!(tm.get(4), Some(t + ms(50)));
        assert_eq!(tm.pop_expired(t + ms(20)), None);
        assert_eq!(tm.next_deadline(), Some(t + ms(50)));
        assert_eq!(tm.pop_expired(t + ms(50)), Some(4));
        assert_eq!(tm.get(4), None);
    }

    /// Constant re-arming keeps the heap bounded (stale entries are compacted away).
    #[test]
    fn heap_stays_bounded_under_rearming() {
        let t = Instant::now();
        let mut tm = Timers::new();
        for i in 0..10_000u64 {
            tm.set((i % 4) as usize, Some(t + ms(i)));
        }
        assert_eq!(tm.len(), 4);
        assert!(tm.heap.len() <= 128, "{}", tm.heap.len());
        let mut got = Vec::new();
        while let Some(k) = tm.pop_expired(t + ms(20_000)) {
            got.push(k);
        }
        assert_eq!(got, vec![0, 1, 2, 3]);
    }
}
