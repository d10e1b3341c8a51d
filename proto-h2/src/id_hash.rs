//! A hasher for tables keyed by HTTP/2 stream ids ([`StreamIdHash`], [`StreamMap`]): the
//! connection's own stream tables use it, and so can an application's (a server's per-stream
//! state, a client's).
//!
//! ```
//! use proto_h2::id_hash::StreamMap;
//! let mut uploads: StreamMap<&str> = StreamMap::default();
//! uploads.insert(1, "first");
//! uploads.insert(3, "second");
//! assert_eq!(uploads.get(&3), Some(&"second"));
//! ```

use std::collections::HashMap;
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::OnceLock;

/// A table keyed by stream id, hashed by [`StreamIdHash`].
pub type StreamMap<V> = HashMap<u32, V, StreamIdHash>;

/// Hashes stream ids with a keyed, folded multiply: `(id ^ k0) * k1`, the 128-bit product's
/// halves xored (foldhash's and ahash's step), then folded once more by a fixed constant. The peer picks the ids it opens
/// and every frame names one, so the hash must not be one it can aim collisions at: the
/// keys are secret, drawn once per process from the standard library's random keys
/// (`RandomState`, what a default `HashMap` draws its SipHash keys from). SipHash cost
/// about 300 instructions per lookup on a request's path (four lookups or more per
/// request); this is two multiplications. Zero-sized, so a table costs no more than with the default.
#[derive(Clone, Copy, Debug, Default)]
pub struct StreamIdHash;

impl StreamIdHash {
    /// The process's keys: `k0` xored into the id, `k1` (odd) the multiplier.
    fn keys() -> (u64, u64) {
        static KEYS: OnceLock<(u64, u64)> = OnceLock::new();
        *KEYS.get_or_init(|| {
            let s = RandomState::new();
            // An odd multiplier: the product keeps every bit of the id.
            (s.hash_one(0u8), s.hash_one(1u8) | 1)
        })
    }
}

impl BuildHasher for StreamIdHash {
    type Hasher = StreamIdHasher;

    fn build_hasher(&self) -> StreamIdHasher {
        let (k0, k1) = Self::keys();
        StreamIdHasher { k0, k1, h: 0 }
    }
}

/// [`StreamIdHash`]'s hasher.
#[derive(Debug)]
pub struct StreamIdHasher {
    k0: u64,
    k1: u64,
    h: u64,
}

/// The 128-bit product of `x` and `y`, its halves xored.
#[inline]
fn folded_multiply(x: u64, y: u64) -> u64 {
    let p = u128::from(x) * u128::from(y);
    (p as u64) ^ ((p >> 64) as u64)
}

impl StreamIdHasher {
    /// 2^64 divided by the golden ratio: the fixed multiplier of [`Hasher::finish`].
    const FINISH: u64 = 0x9E37_79B9_7F4A_7C15;

    #[inline]
    fn mix(&mut self, word: u64) {
        self.h = folded_multiply(self.h ^ word ^ self.k0, self.k1);
    }
}

impl Hasher for StreamIdHasher {
    /// One more fold, by a fixed odd constant. With the keyed one alone, ids in sequence
    /// (as a client opens them) landed in a lattice under some keys: 90 of them in as few as
    /// 33 of a 128-bucket table's slots, where random hashes use about 60; the clusters left
    /// deleted slots behind as streams ended, and the table of open streams doubled its size
    /// (proto-h2's `tests/memory.rs` caught it, one run in three). With the second fold the
    /// spread is that of random hashes (`tests::sequential_ids_spread_like_random_hashes`).
    #[inline]
    fn finish(&self) -> u64 {
        folded_multiply(self.h, Self::FINISH)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.mix(u64::from(b));
        }
    }

    #[inline]
    fn write_u32(&mut self, n: u32) {
        self.mix(u64::from(n));
    }
}

#[cfg(test)]
mod tests {
    use super::{StreamIdHash, StreamIdHasher};
    use std::collections::HashSet;
    use std::hash::{BuildHasher, Hasher};

    /// Stream ids (odd, in sequence, as a client opens them) hash apart, in the low bits a
    /// table indexes with and in the top seven it keeps as tags.
    #[test]
    fn stream_ids_hash_apart() {
        let h = |id: u32| StreamIdHash.hash_one(id);
        let all: HashSet<u64> = (0..10_000u32).map(|i| h(2 * i + 1)).collect();
        assert_eq!(all.len(), 10_000);
        let low: HashSet<u64> = (0..1000u32).map(|i| h(2 * i + 1) & 0x3ff).collect();
        // 1,000 ids in 1,024 buckets at random fill about 640.
        assert!(low.len() > 550, "{}", low.len());
        let top: HashSet<u64> = (0..1000u32).map(|i| h(2 * i + 1) >> 57).collect();
        assert!(top.len() >= 120, "{}", top.len());
        // The same id, the same hash (the keys are the process's).
        assert_eq!(h(7), StreamIdHash.hash_one(7u32));
    }

    /// Under 400 pairs of keys, 90 ids in sequence from a random start spread over a
    /// 128-bucket table as random hashes do (a simulation of them here: at worst 23 in one
    /// 16-bucket group and at least 55 buckets used). Without the second fold in `finish`,
    /// some keys put 40 in one group and left 33 buckets used.
    #[test]
    fn sequential_ids_spread_like_random_hashes() {
        let mut x = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let (mut worst_group, mut fewest_buckets) = (0, usize::MAX);
        for _ in 0..400 {
            let (k0, k1) = (next(), next() | 1);
            let start = (next() % 10_000) as u32;
            let buckets: Vec<u64> = (0..90u32)
                .map(|i| {
                    let mut h = StreamIdHasher { k0, k1, h: 0 };
                    h.write_u32(2 * (start + i) + 1);
                    h.finish() & 127
                })
                .collect();
            let mut groups = [0; 8];
            for b in &buckets {
                groups[*b as usize / 16] += 1;
            }
            worst_group = worst_group.max(*groups.iter().max().unwrap());
            fewest_buckets = fewest_buckets.min(buckets.iter().collect::<HashSet<_>>().len());
        }
        assert!(
            worst_group <= 26,
            "{worst_group} ids in one group of 16 buckets"
        );
        assert!(
            fewest_buckets >= 50,
            "{fewest_buckets} buckets used by 90 ids"
        );
    }
}
