//! Timeouts: the table of named phases ([`Timeouts`]), each [`Timeout::Unlimited`] or
//! [`Timeout::After`] a duration (never a magic zero), and the timer structure
//! ([`Timers`]) that every connection's next deadline joins, whether it comes from a phase
//! of the runtime or from an engine's own `poll_timeout`.
//!
//! [`Timers`] is a min-heap of `(deadline, key)` holding at most one entry per key, each
//! key knowing where its entry is: a deadline moved earlier moves its entry up, a disarmed
//! key's entry goes at once, and a deadline moved later leaves its entry where it is until it
//! comes up (then it moves to the real deadline), so that a keep-alive connection's idle
//! deadline, moved later with every request, costs no heap operation. Finding the earliest
//! deadline is O(1), arming, moving and expiring one O(log n); nothing scans every
//! connection per tick, and no stale entry waits in the heap for its old time (an HTTP/2
//! connection's accept-time idle deadline, say, replaced by its earlier PING deadline).

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
    /// Longest gap between two pieces of a request body (HTTP/1.1: the connection closes;
    /// HTTP/2: the stream ends, 408 or RST_STREAM CANCEL). It does not run while the
    /// server's own reader is full. Default 30 s.
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
/// timers.set(3, Some(t0 + Duration::from_secs(3))); // moved later: fires at 3 s
/// assert_eq!(timers.next_deadline(), Some(t0 + Duration::from_secs(1)));
/// assert_eq!(timers.pop_expired(t0 + Duration::from_secs(2)), Some(5));
/// assert_eq!(timers.pop_expired(t0 + Duration::from_secs(2)), None);
/// assert_eq!(timers.pop_expired(t0 + Duration::from_secs(3)), Some(3));
/// ```
#[derive(Debug)]
pub struct Timers {
    /// A binary min-heap of entries `(due, key)`, `due` in [`Timers::tick`]s: 16 bytes each,
    /// at most one per key (each key's [`Slot`] knows where its entry is, so that a deadline
    /// moved earlier moves the entry, and a disarmed key's entry goes at once: no stale
    /// entry waits in the heap for its old time).
    heap: Vec<(i64, u32)>,
    /// Per key ([`Slot`]).
    live: Vec<Slot>,
    armed: usize,
    /// The instant tick 0 stands for (when the timers were made).
    base: Instant,
}

/// A [`Slot`] time that stands for none.
const NONE: i64 = i64::MIN;
/// A [`Slot`] position that stands for no heap entry.
const NO_ENTRY: u32 = u32::MAX;

/// One key's state, 24 bytes (times in [`Timers::tick`]s, [`NONE`] for none). A deadline
/// moved later keeps the key's heap entry where it is (no heap operation): when that entry
/// comes up, it moves to the real deadline. A keep-alive connection whose idle deadline
/// moves with every request thus costs the heap nothing per request. A deadline moved
/// earlier moves the entry up (a sift, as a push would cost).
#[derive(Debug, Clone, Copy)]
struct Slot {
    /// Where the key's heap entry is, [`NO_ENTRY`] without one.
    pos: u32,
    /// The deadline.
    deadline: i64,
    /// When the key's heap entry is due, if it has one. Never after `deadline`.
    queued: i64,
}

impl Default for Slot {
    fn default() -> Self {
        Slot {
            pos: NO_ENTRY,
            deadline: NONE,
            queued: NONE,
        }
    }
}

impl Default for Timers {
    fn default() -> Self {
        Timers {
            heap: Vec::new(),
            live: Vec::new(),
            armed: 0,
            base: Instant::now(),
        }
    }
}

impl Timers {
    /// No deadlines.
    #[must_use]
    pub fn new() -> Self {
        Timers::default()
    }

    /// `at` as nanoseconds after `base` (negative before it), exact within 292 years of
    /// it; never [`NONE`].
    fn tick(&self, at: Instant) -> i64 {
        let nanos = |d: Duration| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX);
        match at.checked_duration_since(self.base) {
            Some(after) => nanos(after),
            None => nanos(self.base.duration_since(at))
                .saturating_neg()
                .max(NONE + 1),
        }
    }

    /// The instant of a tick (the inverse of [`Timers::tick`]).
    fn instant(&self, tick: i64) -> Instant {
        let d = Duration::from_nanos(tick.unsigned_abs());
        if tick >= 0 {
            self.base + d
        } else {
            self.base - d
        }
    }

    /// Arms `key` for `deadline`, replacing its previous deadline; `None` disarms it (its
    /// heap entry goes). Setting the same deadline again costs nothing, and so does moving
    /// it later; moving it earlier moves its entry.
    ///
    /// # Panics
    /// If `key` does not fit in 32 bits (keys are slab indices).
    pub fn set(&mut self, key: usize, deadline: Option<Instant>) {
        let k = u32::try_from(key).expect("timer keys fit in 32 bits");
        if key >= self.live.len() {
            self.live.resize(key + 1, Slot::default());
        }
        let at = deadline.map_or(NONE, |d| self.tick(d));
        let slot = &mut self.live[key];
        if slot.deadline == at {
            return;
        }
        match (slot.deadline == NONE, at == NONE) {
            (true, false) => self.armed += 1,
            (false, true) => self.armed -= 1,
            _ => {}
        }
        slot.deadline = at;
        if at == NONE {
            let pos = slot.pos;
            if pos != NO_ENTRY {
                self.remove(pos as usize);
            }
            return;
        }
        if slot.pos == NO_ENTRY {
            slot.queued = at;
            slot.pos = self.heap.len() as u32;
            self.heap.push((at, k));
            self.sift_up(self.heap.len() - 1);
        } else if at < slot.queued {
            // Earlier than its entry: the entry moves up to it.
            slot.queued = at;
            let pos = slot.pos as usize;
            self.heap[pos].0 = at;
            self.sift_up(pos);
        }
        // Else later than its entry: the entry comes up first, then moves to `at`.
    }

    /// The deadline `key` is armed for.
    #[must_use]
    pub fn get(&self, key: usize) -> Option<Instant> {
        self.live
            .get(key)
            .filter(|s| s.deadline != NONE)
            .map(|s| self.instant(s.deadline))
    }

    /// When to look again: the earliest live deadline, or earlier when a deadline was moved
    /// later and its old time comes first (then [`pop_expired`](Self::pop_expired) at that
    /// time returns nothing and moves the entry to the real deadline). Fixing that up here
    /// would cost a heap operation per call, and a loop calls this once per turn.
    /// `None` when no key is armed.
    #[must_use]
    pub fn next_deadline(&self) -> Option<Instant> {
        self.heap.first().map(|&(at, _)| self.instant(at))
    }

    /// A key whose deadline is at or before `now` (earliest first), disarmed as it is
    /// returned; `None` when no deadline has passed.
    pub fn pop_expired(&mut self, now: Instant) -> Option<usize> {
        let now = self.tick(now);
        loop {
            let &(at, key) = self.heap.first()?;
            if at > now {
                return None;
            }
            let slot = &mut self.live[key as usize];
            if slot.deadline != at {
                // Moved later since the entry was placed: the entry moves to the deadline.
                slot.queued = slot.deadline;
                self.heap[0].0 = slot.deadline;
                self.sift_down(0);
                continue;
            }
            self.remove(0);
            let slot = &mut self.live[key as usize];
            slot.deadline = NONE;
            self.armed -= 1;
            return Some(key as usize);
        }
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

    /// Removes the heap entry at `pos` (its key keeps its deadline field as it is).
    fn remove(&mut self, pos: usize) {
        let (_, key) = self.heap.swap_remove(pos);
        let slot = &mut self.live[key as usize];
        slot.pos = NO_ENTRY;
        slot.queued = NONE;
        if pos < self.heap.len() {
            // The last entry took its place: up or down from there.
            self.live[self.heap[pos].1 as usize].pos = pos as u32;
            let pos = self.sift_up(pos);
            self.sift_down(pos);
        }
    }

    /// Moves the entry at `pos` up while it is due before its parent; returns where it is.
    fn sift_up(&mut self, mut pos: usize) -> usize {
        while pos > 0 {
            let parent = (pos - 1) / 2;
            if self.heap[parent].0 <= self.heap[pos].0 {
                break;
            }
            self.swap(pos, parent);
            pos = parent;
        }
        pos
    }

    /// Moves the entry at `pos` down while a child is due before it.
    fn sift_down(&mut self, mut pos: usize) {
        loop {
            let left = 2 * pos + 1;
            if left >= self.heap.len() {
                return;
            }
            let right = left + 1;
            let child = if right < self.heap.len() && self.heap[right].0 < self.heap[left].0 {
                right
            } else {
                left
            };
            if self.heap[pos].0 <= self.heap[child].0 {
                return;
            }
            self.swap(pos, child);
            pos = child;
        }
    }

    /// Swaps two heap entries and tells their keys.
    fn swap(&mut self, a: usize, b: usize) {
        self.heap.swap(a, b);
        self.live[self.heap[a].1 as usize].pos = a as u32;
        self.live[self.heap[b].1 as usize].pos = b as u32;
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

    /// Constant re-arming keeps one heap entry per key.
    #[test]
    fn heap_stays_bounded_under_rearming() {
        let t = Instant::now();
        let mut tm = Timers::new();
        for i in 0..10_000u64 {
            tm.set((i % 4) as usize, Some(t + ms(i)));
        }
        assert_eq!(tm.len(), 4);
        assert_eq!(tm.heap.len(), 4);
        let mut got = Vec::new();
        while let Some(k) = tm.pop_expired(t + ms(20_000)) {
            got.push(k);
        }
        assert_eq!(got, vec![0, 1, 2, 3]);
    }

    /// A deadline moved later pushes nothing; it still fires at the later time, not before.
    #[test]
    fn moving_a_deadline_later_pushes_nothing_and_fires_late() {
        let t = Instant::now();
        let mut tm = Timers::new();
        tm.set(1, Some(t + ms(10)));
        for i in 1..1000 {
            tm.set(1, Some(t + ms(10 + i)));
        }
        assert_eq!(tm.heap.len(), 1);
        // The old time first (nothing is due then), and the real one after it.
        assert_eq!(tm.next_deadline(), Some(t + ms(10)));
        assert_eq!(tm.pop_expired(t + ms(10)), None);
        assert_eq!(tm.next_deadline(), Some(t + ms(1009)));
        assert_eq!(tm.pop_expired(t + ms(500)), None);
        assert_eq!(tm.pop_expired(t + ms(1009)), Some(1));
        assert!(tm.is_empty());
        assert_eq!(tm.next_deadline(), None);
    }

    /// Moving earlier, later, disarming and re-arming, against a plain model: the keys come
    /// out at their deadlines, in order.
    #[test]
    fn random_rearming_matches_a_model() {
        let t = Instant::now();
        let mut tm = Timers::new();
        let mut model: Vec<Option<Instant>> = vec![None; 16];
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut now = t;
        for step in 0..20_000u64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let key = (x % 16) as usize;
            let d = match x >> 60 {
                0 | 1 => None,
                _ => Some(now + ms((x >> 8) % 200)),
            };
            tm.set(key, d);
            model[key] = d;
            assert_eq!(tm.get(key), d);
            if step % 7 == 0 {
                now += ms(13);
                let mut fired = Vec::new();
                while let Some(k) = tm.pop_expired(now) {
                    fired.push(k);
                }
                let mut due: Vec<(Instant, usize)> = model
                    .iter()
                    .enumerate()
                    .filter_map(|(k, d)| d.filter(|d| *d <= now).map(|d| (d, k)))
                    .collect();
                due.sort();
                for &(_, k) in &due {
                    model[k] = None;
                }
                let mut fired_sorted = fired.clone();
                fired_sorted.sort_unstable();
                let mut due_keys: Vec<usize> = due.iter().map(|&(_, k)| k).collect();
                due_keys.sort_unstable();
                assert_eq!(fired_sorted, due_keys, "step {step}");
                assert_eq!(tm.len(), model.iter().filter(|d| d.is_some()).count());
                // One entry per armed key, none for a disarmed one: nothing stale.
                assert_eq!(tm.heap.len(), tm.len(), "step {step}");
                assert_heap_consistent(&tm);
                let next = tm.next_deadline();
                let earliest = model.iter().flatten().min().copied();
                assert_eq!(next.is_some(), earliest.is_some());
                assert!(next <= earliest, "never later than the earliest deadline");
            }
        }
        assert_eq!(tm.heap.len(), tm.len());
    }

    /// Every entry is due no earlier than its parent, sits where its key says, and is due
    /// no later than its key's deadline.
    fn assert_heap_consistent(tm: &Timers) {
        for (i, &(at, key)) in tm.heap.iter().enumerate() {
            if i > 0 {
                assert!(tm.heap[(i - 1) / 2].0 <= at, "heap order at {i}");
            }
            let slot = &tm.live[key as usize];
            assert_eq!(slot.pos as usize, i);
            assert_eq!(slot.queued, at);
            assert!(slot.deadline != NONE && at <= slot.deadline);
        }
        let with_entry = tm.live.iter().filter(|s| s.pos != NO_ENTRY).count();
        assert_eq!(with_entry, tm.heap.len());
    }

    /// A server connection's life: armed at accept for the keep-alive idle timeout (60 s),
    /// then, once it turns out to speak HTTP/2, for the earlier PING deadline (30 s): the
    /// accept-time entry is replaced, not left in the heap until its 60 s come; closing the
    /// connection removes its entry at once.
    #[test]
    fn a_deadline_moved_earlier_leaves_no_stale_entry() {
        let t = Instant::now();
        let mut tm = Timers::new();
        for key in 0..100 {
            tm.set(key, Some(t + Duration::from_secs(60)));
        }
        for key in 0..100 {
            tm.set(key, Some(t + Duration::from_secs(30) + ms(key as u64)));
        }
        assert_eq!(tm.heap.len(), 100);
        assert_heap_consistent(&tm);
        assert_eq!(tm.next_deadline(), Some(t + Duration::from_secs(30)));
        for key in 0..50 {
            tm.set(key, None);
        }
        assert_eq!(tm.heap.len(), 50);
        assert_eq!(tm.len(), 50);
        assert_heap_consistent(&tm);
        assert_eq!(
            tm.next_deadline(),
            Some(t + Duration::from_secs(30) + ms(50))
        );
        let mut fired = Vec::new();
        while let Some(k) = tm.pop_expired(t + Duration::from_secs(31)) {
            fired.push(k);
        }
        assert_eq!(fired, (50..100).collect::<Vec<_>>());
        assert!(tm.heap.is_empty());
        assert_eq!(tm.next_deadline(), None);
    }

    /// Deadlines are kept exactly, also before the timers were made, and come back as the
    /// same instants.
    #[test]
    fn instants_before_and_after_the_base_are_exact() {
        let early = Instant::now();
        std::thread::sleep(ms(2));
        let mut tm = Timers::new();
        let before = early + Duration::from_nanos(1);
        let after = tm.base + Duration::from_nanos(123_456_789);
        tm.set(0, Some(before));
        tm.set(1, Some(after));
        assert_eq!(tm.get(0), Some(before));
        assert_eq!(tm.get(1), Some(after));
        assert_eq!(tm.next_deadline(), Some(before));
        // Not due a nanosecond early, due at the instant.
        assert_eq!(tm.pop_expired(early), None);
        assert_eq!(tm.pop_expired(before), Some(0));
        assert_eq!(tm.pop_expired(after - Duration::from_nanos(1)), None);
        assert_eq!(tm.pop_expired(after), Some(1));
    }

    /// What a connection costs the timers: 24 bytes of slot, 16 for its heap entry (40 and
    /// 32 with `Instant`s and `usize` keys and positions).
    #[test]
    fn slots_and_entries_are_small() {
        fn entry<T>(_: &[T]) -> usize {
            std::mem::size_of::<T>()
        }
        assert_eq!(std::mem::size_of::<Slot>(), 24);
        assert_eq!(entry(&Timers::new().heap), 16);
    }
}
