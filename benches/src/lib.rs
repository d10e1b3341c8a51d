//! Shared inputs of the benches and the measuring core of the `compare` report.
//!
//! Every engine crate has a module here (`h1`, `h2`, `ws`, `sse`, `tls`) with the inputs its
//! benches use and a `pairs()` function listing [`Pair`]s: the same work done by our crate and by
//! its best public peer. The criterion benches in `benches/benches/` and the `compare` binary
//! both run these pairs, so the report and the benches measure exactly the same code.
//!
//! ```
//! let pairs = benches::all_pairs();
//! assert!(pairs.iter().all(|p| !p.name.is_empty()));
//! ```
#![forbid(unsafe_code)]

pub mod h1;
pub mod h2;
pub mod load;
pub mod sse;
pub mod tls;
pub mod ws;

use std::hint::black_box;
use std::time::{Duration, Instant};

/// One comparison: the same work done by our code and by a public peer, on the same input.
pub struct Pair {
    /// The group the row belongs to (`h1`, `h2`, `ws`, ...).
    pub group: &'static str,
    /// What is measured, for example `parse request REQ (720 B, slots reused)`.
    pub name: String,
    /// The peer's name, for example `httparse`.
    pub peer: &'static str,
    /// Bytes of input one iteration handles, for throughput; 0 when throughput makes no sense
    /// (work that does not touch every byte, such as zero-copy chunked decoding, which hands
    /// back slices of the data): the report then prints the time per operation.
    pub bytes: u64,
    /// One iteration of our code. Returns a value that depends on the work, so it is not elided.
    pub ours: Box<dyn FnMut() -> u64>,
    /// One iteration of the peer's code on the same input.
    pub theirs: Box<dyn FnMut() -> u64>,
}

/// Every pair of every crate, in report order.
pub fn all_pairs() -> Vec<Pair> {
    let mut pairs = Vec::new();
    pairs.extend(h1::pairs());
    pairs.extend(h2::pairs());
    pairs.extend(sse::pairs());
    pairs.extend(ws::pairs());
    pairs.extend(tls::pairs());
    pairs
}

/// The median time of one iteration of `f`, from `samples` samples of a batch size chosen so
/// that one sample lasts about `sample_time`.
pub fn median_ns(f: &mut dyn FnMut() -> u64, samples: usize, sample_time: Duration) -> f64 {
    // Warm up and size the batch.
    let mut batch: u64 = 1;
    loop {
        let start = Instant::now();
        for _ in 0..batch {
            black_box(f());
        }
        let took = start.elapsed();
        if took >= sample_time / 2 || batch >= 1 << 30 {
            let per = took.as_secs_f64() / batch as f64;
            batch = ((sample_time.as_secs_f64() / per.max(1e-12)) as u64).max(1);
            break;
        }
        batch *= 2;
    }
    let mut times: Vec<f64> = (0..samples.max(1))
        .map(|_| {
            let start = Instant::now();
            for _ in 0..batch {
                black_box(f());
            }
            start.elapsed().as_secs_f64() * 1e9 / batch as f64
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

/// A measured row of the `compare` report.
#[derive(Debug, Clone)]
pub struct Row {
    /// The pair's group.
    pub group: &'static str,
    /// The pair's name.
    pub name: String,
    /// The peer's name.
    pub peer: &'static str,
    /// Bytes per iteration.
    pub bytes: u64,
    /// Median nanoseconds per iteration of our code.
    pub ours_ns: f64,
    /// Median nanoseconds per iteration of the peer's code.
    pub theirs_ns: f64,
}

impl Row {
    /// How many times faster ours is than the peer's (above 1 means faster).
    pub fn ratio(&self) -> f64 {
        self.theirs_ns / self.ours_ns
    }
}

/// Measures a pair, interleaving ours and the peer's samples so that noise hits both alike.
/// The side that runs first alternates from round to round (ours first in even rounds), so
/// neither side always inherits a warm cache or a cold CPU frequency from the other.
pub fn measure(pair: &mut Pair, rounds: usize, samples: usize, sample_time: Duration) -> Row {
    let mut ours = Vec::with_capacity(rounds);
    let mut theirs = Vec::with_capacity(rounds);
    for round in 0..rounds.max(1) {
        if round % 2 == 0 {
            ours.push(median_ns(&mut pair.ours, samples, sample_time));
            theirs.push(median_ns(&mut pair.theirs, samples, sample_time));
        } else {
            theirs.push(median_ns(&mut pair.theirs, samples, sample_time));
            ours.push(median_ns(&mut pair.ours, samples, sample_time));
        }
    }
    ours.sort_by(f64::total_cmp);
    theirs.sort_by(f64::total_cmp);
    Row {
        group: pair.group,
        name: pair.name.clone(),
        peer: pair.peer,
        bytes: pair.bytes,
        ours_ns: ours[ours.len() / 2],
        theirs_ns: theirs[theirs.len() / 2],
    }
}

/// Formats a throughput in bytes per second for a time per iteration, or the time per
/// operation (`ns/op`, `us/op`) when `bytes` is 0.
pub fn throughput(bytes: u64, ns: f64) -> String {
    if bytes == 0 {
        return if ns >= 10_000.0 {
            format!("{:.1} us/op", ns / 1e3)
        } else {
            format!("{ns:.0} ns/op")
        };
    }
    let per_sec = bytes as f64 / (ns * 1e-9);
    if per_sec >= 1e9 {
        format!("{:.2} GB/s", per_sec / 1e9)
    } else {
        format!("{:.1} MB/s", per_sec / 1e6)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratio_is_peer_time_over_ours() {
        let row = Row {
            group: "g",
            name: "n".into(),
            peer: "p",
            bytes: 10,
            ours_ns: 50.0,
            theirs_ns: 100.0,
        };
        assert_eq!(row.ratio(), 2.0);
    }

    #[test]
    fn median_of_a_counting_closure_is_positive() {
        let mut n = 0u64;
        let mut f = move || {
            n = n.wrapping_add(1);
            n
        };
        let ns = median_ns(&mut f, 3, Duration::from_micros(200));
        assert!(ns > 0.0 && ns.is_finite());
    }

    #[test]
    fn measure_alternates_which_side_runs_first() {
        use std::cell::RefCell;
        use std::rc::Rc;
        let order = Rc::new(RefCell::new(Vec::new()));
        let (o, t) = (Rc::clone(&order), Rc::clone(&order));
        let mut pair = Pair {
            group: "g",
            name: "n".into(),
            peer: "p",
            bytes: 0,
            ours: Box::new(move || {
                o.borrow_mut().push('o');
                1
            }),
            theirs: Box::new(move || {
                t.borrow_mut().push('t');
                1
            }),
        };
        measure(&mut pair, 4, 1, Duration::from_micros(50));
        let mut firsts = Vec::new();
        let order = order.borrow();
        // Each median_ns call runs one side many times in a row; record each switch.
        for (i, c) in order.iter().enumerate() {
            if i == 0 || order[i - 1] != *c {
                firsts.push(*c);
            }
        }
        // Rounds o t | t o | o t | t o: runs of one side are o, t, o, t, o.
        assert_eq!(firsts, ['o', 't', 'o', 't', 'o']);
    }

    #[test]
    fn throughput_units() {
        assert_eq!(throughput(1000, 1000.0), "1000.0 MB/s");
        assert_eq!(throughput(2000, 1000.0), "2.00 GB/s");
        assert_eq!(throughput(0, 12.4), "12 ns/op");
        assert_eq!(throughput(0, 25_400.0), "25.4 us/op");
    }
}
