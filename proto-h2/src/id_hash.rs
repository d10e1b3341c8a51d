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

/// Hashes stream ids with one keyed, folded multiply: `(id ^ k0) * k1`, the 128-bit
/// product's halves xored (foldhash's and ahash's step). The peer picks the ids it opens
/// and every frame names one, so the hash must not be one it can aim collisions at: the
/// keys are secret, drawn once per process from the standard library's random keys
/// (`RandomState`, what a default `HashMap` draws its SipHash keys from). SipHash cost
/// about 300 instructions per lookup on a request's path (four lookups or more per
/// request); this is a few. Zero-sized, so a table costs no more than with the default.
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

impl StreamIdHasher {
    #[inline]
    fn mix(&mut self, word: u64) {
        let p = u128::from(self.h ^ word ^ self.k0) * u128::from(self.k1);
        self.h = (p as u64) ^ ((p >> 64) as u64);
    }
}

impl Hasher for StreamIdHasher {
    #[inline]
    fn finish(&self) -> u64 {
        self.h
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
    use super::StreamIdHash;
    use std::collections::HashSet;
    use std::hash::BuildHasher;

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
}
