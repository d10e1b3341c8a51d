//! Dev-only helpers shared by the workspace's tests and fuzz targets. Never a normal dependency
//! of an engine crate: tests take it as a dev-dependency, the fuzz workspace as a dependency of
//! its (unpublished) targets.
//!
//! [`CountingAllocator`](alloc::CountingAllocator) forwards to the system allocator and keeps, per thread, the number of
//! allocations and the bytes live and at their peak, so a test can show that a hot path
//! allocates nothing or that memory held after hostile input stays under a documented bound:
//!
//! ```
//! use test_support::alloc::{CountingAllocator, Measure};
//!
//! #[global_allocator]
//! static ALLOC: CountingAllocator = CountingAllocator::new();
//!
//! let m = Measure::start();
//! let v = vec![0u8; 1000];
//! let s = m.stats();
//! assert_eq!(s.allocations, 1);
//! assert!(s.live_bytes >= 1000 && s.peak_bytes >= 1000);
//! drop(v);
//! assert_eq!(m.stats().live_bytes, 0);
//! ```
//!
//! [`tcp`] reads a socket's segment counters (Linux), so that a test can count the writes its
//! peer made.
#![deny(missing_docs)]

pub mod alloc;
#[cfg(target_os = "linux")]
pub mod tcp;
