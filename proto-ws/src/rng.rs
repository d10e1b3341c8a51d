//! A small, fast pseudo-random generator (wyrand) for masking keys and handshake nonces.

/// wyrand: 64 bits of state, one multiply per output. Not cryptographic: seed it from a good
/// source (the OS) so masking keys are unpredictable to a web page, as RFC 6455 section 5.3 asks.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub const fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0xa076_1d64_78bd_642f);
        let t = u128::from(self.0).wrapping_mul(u128::from(self.0 ^ 0xe703_7ed1_a0b4_28db));
        ((t >> 64) ^ t) as u64
    }

    /// A fresh masking key.
    #[inline]
    pub fn mask_key(&mut self) -> [u8; 4] {
        (self.next_u64() as u32).to_ne_bytes()
    }

    /// 16 random bytes (a `Sec-WebSocket-Key` nonce).
    pub fn nonce(&mut self) -> [u8; 16] {
        let mut out = [0u8; 16];
        out[..8].copy_from_slice(&self.next_u64().to_le_bytes());
        out[8..].copy_from_slice(&self.next_u64().to_le_bytes());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_sequence_and_keys_vary() {
        let mut a = Rng::new(42);
        let mut b = Rng::new(42);
        let xs: Vec<u64> = (0..100).map(|_| a.next_u64()).collect();
        let ys: Vec<u64> = (0..100).map(|_| b.next_u64()).collect();
        assert_eq!(xs, ys);
        let mut set = std::collections::HashSet::new();
        for _ in 0..1000 {
            set.insert(a.mask_key());
        }
        assert!(set.len() > 990);
        assert_ne!(Rng::new(1).next_u64(), Rng::new(2).next_u64());
    }
}
