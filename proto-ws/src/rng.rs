//! Where masking keys and handshake nonces come from.
//!
//! RFC 6455 section 5.3: a client's masking key "MUST be derived from a strong source of
//! entropy", because a script that can predict the next key can choose payload bytes that
//! come out on the wire as whatever it likes (a cache-poisoning attack on intermediaries).
//!
//! This crate reads no randomness of its own (it does no I/O, and the operating system's
//! generator is I/O): the caller supplies it.
//! - [`MaskSource`]: the trait a caller implements to supply random bytes (a runtime plugs in
//!   its CSPRNG, e.g. BoringSSL's `RAND_bytes`, with
//!   [`Connection::client_with_source`](crate::Connection::client_with_source)).
//! - [`CryptoMask`]: ChaCha12 keyed with 32 bytes the caller took from a cryptographic source
//!   (the operating system's generator): what [`Connection::client`](crate::Connection::client)
//!   takes. A refill is four ChaCha12 blocks in user space, no system call.
//! - [`PredictableMask`]: wyrand from a seed, for tests, benches and fuzzing that need the same
//!   bytes every run. Its state can be recovered from a few keys seen on the wire: never use it
//!   on a real connection.
//!
//! A connection does not call its source per frame: it draws [`KEY_BATCH`] bytes at a time and
//! hands out 4-byte keys from them, so the per-frame cost is a bounds check and a 4-byte load.

/// Bytes a connection draws from its [`MaskSource`] at a time: 64 masking keys.
pub const KEY_BATCH: usize = 256;

/// A source of random bytes for masking keys and `Sec-WebSocket-Key` nonces.
///
/// A client's masking keys must be unpredictable (RFC 6455 section 5.3): implement this on a
/// cryptographically secure generator, or use [`CryptoMask`] seeded from one.
/// [`PredictableMask`] is for tests only.
pub trait MaskSource {
    /// Fills `buf` entirely with random bytes.
    fn fill(&mut self, buf: &mut [u8]);
}

/// ChaCha12 (a cryptographically secure generator, RustCrypto's `chacha20`) keyed with a
/// 32-byte seed from the caller's cryptographic source: the usual source of a client's masking
/// keys. One seed per connection (2^64 blocks before the stream would repeat); the state is
/// boxed (one allocation of about 320 bytes per client connection, when it is made).
pub struct CryptoMask(Box<chacha20::ChaCha12Rng>);

impl CryptoMask {
    /// A generator keyed with `seed`, which must be 32 bytes from a cryptographic source (the
    /// operating system's generator: `getrandom(2)`, BoringSSL's `RAND_bytes`). A seed anyone
    /// can guess makes every key guessable.
    pub fn from_seed(seed: [u8; 32]) -> CryptoMask {
        use chacha20::rand_core::SeedableRng;
        CryptoMask(Box::new(chacha20::ChaCha12Rng::from_seed(seed)))
    }

    /// A generator keyed with 32 bytes drawn from `source` (a slow cryptographic source, such
    /// as one that makes a system call per fill, then costs one call per connection).
    pub fn from_source(source: &mut dyn MaskSource) -> CryptoMask {
        let mut seed = [0u8; 32];
        source.fill(&mut seed);
        CryptoMask::from_seed(seed)
    }
}

impl MaskSource for CryptoMask {
    fn fill(&mut self, buf: &mut [u8]) {
        use chacha20::rand_core::Rng;
        self.0.fill_bytes(buf);
    }
}

impl core::fmt::Debug for CryptoMask {
    /// Never shows the state.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CryptoMask").finish_non_exhaustive()
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

/// Where a connection's batch comes from: none for a server (it never masks), a
/// [`CryptoMask`] kept inline, or a caller's source, boxed so that `Connection` has one type
/// whatever the source.
pub(crate) enum Source {
    Server,
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
            // A server never masks (RFC 6455 section 5.1), so it never asks for a key; should
            // it, the zero key leaves the payload as it is.
            Source::Server => self.buf.fill(0),
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
    fn crypto_mask_streams_follow_their_seed() {
        let (mut a, mut b, mut c) = (
            CryptoMask::from_seed([1; 32]),
            CryptoMask::from_seed([1; 32]),
            CryptoMask::from_seed([2; 32]),
        );
        let (mut x, mut y, mut z) = ([0u8; 300], [0u8; 300], [0u8; 300]);
        a.fill(&mut x);
        b.fill(&mut y);
        c.fill(&mut z);
        assert_eq!(x, y, "ChaCha12 is a function of its seed");
        assert_ne!(x, z, "two seeds, one key stream");
        a.fill(&mut y);
        assert_ne!(x, y, "the stream goes on");
        assert_eq!(format!("{a:?}"), "CryptoMask { .. }");
    }
}
