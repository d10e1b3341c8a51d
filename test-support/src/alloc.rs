//! A counting global allocator with per-thread measurements.
//!
//! Counts are kept per thread, so tests that run in parallel in one test binary do not see each
//! other's allocations. Memory freed on another thread than the one that allocated it shows as a
//! negative live count on the freeing thread; the engines are single-threaded state machines, so
//! a measurement around one of them is exact. Declare the allocator once per test binary or fuzz
//! target:
//!
//! ```
//! use test_support::alloc::CountingAllocator;
//!
//! #[global_allocator]
//! static ALLOC: CountingAllocator = CountingAllocator::new();
//! ```
//!
//! Without it, [`Measure`] still compiles but every count stays at zero; [`Measure::start`]
//! panics in that case so a test cannot pass by measuring nothing.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};

/// Allocations by every thread of the process (see [`process_allocations`]).
static PROCESS_ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

/// Calls to `alloc`, `alloc_zeroed` and `realloc` by every thread of the process since it
/// started, for a measurement that spans threads (a client's caller and its event-loop
/// thread). The difference of two readings counts whatever ran in between on any thread, so
/// the test must know what else runs. Zero without a [`CountingAllocator`].
#[must_use]
pub fn process_allocations() -> u64 {
    PROCESS_ALLOCATIONS.load(Ordering::SeqCst)
}

/// Per-thread counters. Const-initialised cells without a destructor, so reading them never
/// allocates and they stay usable while the thread shuts down.
struct Counters {
    allocations: Cell<u64>,
    live: Cell<i64>,
    peak: Cell<i64>,
    installed: Cell<bool>,
}

thread_local! {
    static COUNTERS: Counters = const {
        Counters {
            allocations: Cell::new(0),
            live: Cell::new(0),
            peak: Cell::new(0),
            installed: Cell::new(false),
        }
    };
}

fn on_alloc(size: usize) {
    PROCESS_ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
    let _ = COUNTERS.try_with(|c| {
        c.installed.set(true);
        c.allocations.set(c.allocations.get() + 1);
        let live = c.live.get() + size as i64;
        c.live.set(live);
        if live > c.peak.get() {
            c.peak.set(live);
        }
    });
}

fn on_dealloc(size: usize) {
    let _ = COUNTERS.try_with(|c| c.live.set(c.live.get() - size as i64));
}

/// The system allocator, counting allocations and live bytes per thread. A `realloc` counts as
/// one allocation (it may move the block) and changes the live bytes by the size difference.
#[derive(Debug, Default)]
pub struct CountingAllocator;

impl CountingAllocator {
    /// The allocator, for a `#[global_allocator]` static.
    pub const fn new() -> Self {
        CountingAllocator
    }
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged, so the
// `GlobalAlloc` contract is `System`'s; the bookkeeping touches only const-initialised
// thread-local cells (no allocation, no re-entry into the allocator).
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller upholds `alloc`'s contract, which is `System.alloc`'s.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            on_alloc(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `alloc`.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            on_alloc(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from this allocator (so from `System`) with `layout`.
        unsafe { System.dealloc(ptr, layout) };
        on_dealloc(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `ptr` came from `System` with `layout`; the caller upholds the rest.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            on_dealloc(layout.size());
            on_alloc(new_size);
        }
        p
    }
}

/// What the current thread allocated since a [`Measure`] started.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AllocStats {
    /// Calls to `alloc`, `alloc_zeroed` and `realloc`.
    pub allocations: u64,
    /// Bytes allocated and not yet freed, relative to the start (negative when more was freed
    /// than allocated).
    pub live_bytes: i64,
    /// The most bytes live at any moment since the start, relative to the start (never below
    /// zero).
    pub peak_bytes: i64,
}

/// A measurement of the current thread's allocations from [`Measure::start`] on.
///
/// The peak is kept per thread: starting a measurement resets it, so nested measurements on one
/// thread share one peak (the inner start lowers the outer one's). Keep one measurement at a
/// time per thread.
#[derive(Debug)]
pub struct Measure {
    allocations: u64,
    live: i64,
}

impl Measure {
    /// Starts measuring the current thread.
    ///
    /// # Panics
    /// When no [`CountingAllocator`] is the global allocator of this binary (it allocates a
    /// probe and checks that it was counted), so a test cannot pass by measuring nothing.
    pub fn start() -> Measure {
        let before = COUNTERS.with(|c| c.allocations.get());
        drop(std::hint::black_box(Box::new(0u64)));
        let after = COUNTERS.with(|c| c.allocations.get());
        assert!(
            after > before,
            "test_support::alloc::CountingAllocator is not this binary's #[global_allocator]"
        );
        COUNTERS.with(|c| {
            c.peak.set(c.live.get());
            Measure {
                allocations: c.allocations.get(),
                live: c.live.get(),
            }
        })
    }

    /// The allocations, live and peak bytes since the start.
    pub fn stats(&self) -> AllocStats {
        COUNTERS.with(|c| AllocStats {
            allocations: c.allocations.get() - self.allocations,
            live_bytes: c.live.get() - self.live,
            peak_bytes: (c.peak.get() - self.live).max(0),
        })
    }

    /// Restarts the peak at the current live bytes (the allocation count and the live baseline
    /// are kept), to measure the peak of one phase of a test.
    pub fn reset_peak(&self) {
        COUNTERS.with(|c| c.peak.set(c.live.get()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[global_allocator]
    static ALLOC: CountingAllocator = CountingAllocator::new();

    #[test]
    fn counts_allocations_live_and_peak() {
        let m = Measure::start();
        let mut v: Vec<u8> = Vec::with_capacity(100);
        v.extend_from_slice(&[1; 100]);
        let s = m.stats();
        assert_eq!(s.allocations, 1);
        assert_eq!(s.live_bytes, 100);
        let big = vec![0u8; 10_000];
        drop(big);
        let s = m.stats();
        assert_eq!(s.allocations, 2);
        assert_eq!(s.live_bytes, 100);
        assert_eq!(s.peak_bytes, 10_100);
        m.reset_peak();
        assert_eq!(m.stats().peak_bytes, 100);
        v.reserve_exact(1000);
        assert_eq!(m.stats().allocations, 3, "a realloc counts");
        assert!(m.stats().live_bytes >= 1100);
        drop(v);
        assert_eq!(m.stats().live_bytes, 0);
    }

    #[test]
    fn other_threads_are_not_counted() {
        let m = Measure::start();
        std::thread::spawn(|| drop(vec![0u8; 1 << 20]))
            .join()
            .unwrap();
        // Spawning allocates a little on this thread (the handle); the 1 MiB is not ours.
        assert!(m.stats().peak_bytes < 1 << 20);
    }
}
