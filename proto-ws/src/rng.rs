//! Where masking keys and handshake nonces come from.
//!
//! RFC 6455 section 5.3: a client's masking key "MUST be derived from a strong source of
//! entropy", because a script that can predict the next key can choose payload bytes that
//! come out on the wire as whatever it likes (a cache-poisoning attack on intermediaries).
//!
//! - [`MaskSource`]: the trait a caller implements to supply random bytes (a runtime with its
//!   own CSPRNG plugs it in with [`Connection::client_with_source`](crate::Connection)).
//! - [`CryptoMask`]: the default for masking keys, ChaCha12 keyed with 32 bytes from the OS's
//!   generator on the connection's first frame.
//! - [`OsRandom`]: the operating system's generator itself (`getrandom`), for handshake nonces
//!   and seeds; every fill is a system call, too slow to feed every frame its key.
//! - [`PredictableMask`]: wyrand from a seed, for tests, benches and fuzzing that need the same
//!   bytes every run. Its state can be recovered from a few keys seen on the wire: never use it
//!   on a real connection.
//!
//! A connection does not call its source per frame: it draws [`KEY_BATCH`] bytes at a time and
//! hands out 4-byte keys from them, so the per-frame cost is a bounds check and a 4-byte load;
//! with [`CryptoMask`] a refill is four ChaCha12 blocks (no system call after the seed).

/// Bytes a connection draws from its [`MaskSource`] at a time: 64 masking keys.
pub const KEY_BATCH: usize = 256;

/// A source of random bytes for masking keys and `Sec-WebSocket-Key` nonces.
///
/// A client's masking keys must be unpredictable (RFC 6455 section 5.3): implement this on a
/// cryptographically secure generator. [`OsRandom`] is the default; [`PredictableMask`] is for
/// tests only.
pub trait MaskSource {
    /// Fills `buf` entirely with random bytes.
    fn fill(&mut self, buf: &mut [u8]);
}

/// The operating system's cryptographic random generator (`getrandom(2)` on Linux, the
/// platform's equivalent elsewhere, through the `getrandom` crate). A zero-sized handle: it
/// holds no state, so it costs nothing to keep in a server connection that never masks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OsRandom;

impl MaskSource for OsRandom {
    /// # Panics
    /// When the operating system's generator fails, which a supported platform does not do
    /// once booted: there is no weaker source to fall back on that RFC 6455 would accept.
    fn fill(&mut self, buf: &mut [u8]) {
        if let Err(e) = getrandom::fill(buf) {
            panic!("proto-ws: the OS random generator failed ({e}); cannot make masking keys");
        }
    }
}

/// ChaCha12 (a cryptographically secure generator, RustCrypto's `chacha20`) keyed with 32
/// bytes from [`OsRandom`]: the default source of a client's masking keys.
///
/// Seeded on its first use (so a server connection, which never masks, never reads the OS),
/// and boxed then (one allocation of about 320 bytes per client connection, on its first
/// frame). One seed per connection: 2^64 blocks before the stream would repeat.
#[derive(Default)]
pub struct CryptoMask(Option<Box<chacha20::ChaCha12Rng>>);

impl CryptoMask {
    /// A generator that seeds itself from the OS on first use.
    pub const fn new() -> CryptoMask {
        CryptoMask(None)
    }
}

impl MaskSource for CryptoMask {
    /// # Panics
    /// As [`OsRandom`], when seeding: only if the OS generator fails.
    fn fill(&mut self, buf: &mut [u8]) {
        use chacha20::rand_core::{Rng, SeedableRng};
        let rng = self.0.get_or_insert_with(|| {
            let mut seed = [0u8; 32];
            OsRandom.fill(&mut seed);
            Box::new(chacha20::ChaCha12Rng::from_seed(seed))
        });
        rng.fill_bytes(buf);
    }
}

impl core::fmt::Debug for CryptoMask {
    /// Says whether it is seeded, never its state.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CryptoMask")
            .field("seeded", &self.0.is_some())
            .finish_non_exhaustive()
    }
}

/// wyrand seeded by the caller: the same seed gives the same bytes, so tests, benches and fuzz
/// targets are reproducible.
///
/// Not cryptographic (64 bits of state, one multiply per output; a few masking keys seen on
/// the wire give the state away): RFC 6455 section 5.3 forbids it for a real client. Ask for
/// it by name ([`Connection::client_predictable`](crate::Connection::client_predictable)).
#[derive(Clone, Debug)]
pub struct PredictableMask(u64);

impl PredictableMask {
    /// A generator from a seed.
    pub const fn new(seed: u64) -> PredictableMask {
        PredictableMask(seed)
    }

    /// The next 64 bits.
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0xa076_1d64_78bd_642f);
        let t = u128::from(self.0).wrapping_mul(u128::from(self.0 ^ 0xe703_7ed1_a0b4_28db));
        ((t >> 64) ^ t) as u64
    }
}

impl MaskSource for PredictableMask {
    fn fill(&mut self, buf: &mut [u8]) {
        let mut chunks = buf.chunks_exact_mut(8);
        for c in &mut chunks {
            c.copy_from_slice(&self.next_u64().to_le_bytes());
        }
        let rest = chunks.into_remainder();
        let n = rest.len();
        rest.copy_from_slice(&self.next_u64().to_le_bytes()[..n]);
    }
}

/// Where a connection's batch comes from: the default kept inline (no allocation for a server),
/// or a caller's source, boxed so that `Connection` has one type whatever the source.
pub(crate) enum Source {
    Crypto(CryptoMask),
    Custom(Box<dyn MaskSource + Send>),
}

/// A connection's masking keys: a batch of [`KEY_BATCH`] bytes from its source, handed out
/// four at a time and refilled when used up.
pub(crate) struct KeyBatch {
    buf: [u8; KEY_BATCH],
    pos: usize,
    source: Source,
}

impl KeyBatch {
    /// A batch that draws from `source` on the first key (a server never does).
    pub(crate) fn new(source: Source) -> KeyBatch {
        KeyBatch {
            buf: [0; KEY_BATCH],
            pos: KEY_BATCH,
            source,
        }
    }

    /// The next masking key.
    #[inline(always)]
    pub(crate) fn mask_key(&mut self) -> [u8; 4] {
        if self.pos >= KEY_BATCH {
            self.refill();
        }
        let mut key = [0u8; 4];
        if let Some(b) = self.buf.get(self.pos..self.pos + 4) {
            key.copy_from_slice(b);
        }
        self.pos += 4;
        key
    }

    #[cold]
    #[inline(never)]
    fn refill(&mut self) {
        match &mut self.source {
            Source::Crypto(c) => c.fill(&mut self.buf),
            Source::Custom(c) => c.fill(&mut self.buf),
        }
        self.pos = 0;
    }
}

impl core::fmt::Debug for KeyBatch {
    /// Shows how many keys are left, never the keys to come.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("KeyBatch")
            .field("keys_left", &((KEY_BATCH - self.pos) / 4))
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_bytes_and_keys_vary() {
        let (mut a, mut b) = (PredictableMask::new(42), PredictableMask::new(42));
        let (mut x, mut y) = ([0u8; 1001], [0u8; 1001]);
        a.fill(&mut x);
        b.fill(&mut y);
        assert_eq!(x, y);
        let mut batch = KeyBatch::new(Source::Custom(Box::new(PredictableMask::new(42))));
        let mut set = std::collections::HashSet::new();
        for _ in 0..1000 {
            set.insert(batch.mask_key());
        }
        assert!(set.len() > 990);
        assert_ne!(
            PredictableMask::new(1).next_u64(),
            PredictableMask::new(2).next_u64()
        );
    }

    #[test]
    fn crypto_mask_seeds_once_from_the_os_and_streams_differ() {
        let (mut a, mut b) = (CryptoMask::new(), CryptoMask::new());
        assert!(format!("{a:?}").contains("seeded: false"));
        let (mut x, mut y) = ([0u8; 300], [0u8; 300]);
        a.fill(&mut x);
        b.fill(&mut y);
        assert!(format!("{a:?}").contains("seeded: true"));
        assert_ne!(x, y, "two connections, one key stream");
        let mut z = [0u8; 300];
        a.fill(&mut z);
        assert_ne!(x, z, "the stream goes on");
    }

    #[test]
    fn os_random_fills_every_byte_and_differs_between_calls() {
        let (mut a, mut b) = ([0u8; 64], [0u8; 64]);
        OsRandom.fill(&mut a);
        OsRandom.fill(&mut b);
        // 512 random bits: equal, or all zero, only if the generator is broken.
        assert_ne!(a, b);
        assert_ne!(a, [0; 64]);
    }
}
