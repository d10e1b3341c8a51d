//! Prefix-coded integers (RFC 7541 section 5.1).
//!
//! > If the integer value is small enough, i.e., strictly less than 2^N-1, it is encoded within
//! > the N-bit prefix. Otherwise, all the bits of the prefix are set to 1, and the value,
//! > decreased by 2^N-1, is encoded using a list of one or more octets. The most significant
//! > bit of each octet is used as a continuation flag.

use super::DecodeError;

/// At most this many continuation octets follow the prefix (28 bits of value beyond the prefix).
///
/// RFC 7541 section 5.1: "Integer encodings that exceed implementation limits -- in value or
/// octet length -- MUST be treated as decoding errors." Every legitimate HPACK integer (an
/// index, a string length, a table size) fits; `fluke-hpack` uses the same limit.
pub(crate) const MAX_CONTINUATION_OCTETS: usize = 4;

/// Appends `value` with an `prefix_bits`-bit prefix to `out`. The bits of `flags` above the
/// prefix are kept in the first octet (the representation's pattern, such as `0x80`).
#[inline]
pub(crate) fn encode(out: &mut Vec<u8>, flags: u8, prefix_bits: u8, value: usize) {
    debug_assert!((1..=8).contains(&prefix_bits));
    let mask: usize = (1usize << prefix_bits) - 1;
    if value < mask {
        out.push(flags | value as u8);
        return;
    }
    out.push(flags | mask as u8);
    let mut rest = value - mask;
    while rest >= 0x80 {
        out.push((rest as u8 & 0x7f) | 0x80);
        rest >>= 7;
    }
    out.push(rest as u8);
}

/// Decodes an integer whose prefix is the low `prefix_bits` bits of `buf[0]`.
///
/// Returns the value and the number of octets used.
///
/// # Errors
/// [`DecodeError::Truncated`] when `buf` ends inside the integer,
/// [`DecodeError::IntegerOverflow`] when more than [`MAX_CONTINUATION_OCTETS`] octets follow.
#[inline]
pub(crate) fn decode(buf: &[u8], prefix_bits: u8) -> Result<(usize, usize), DecodeError> {
    let mask: usize = (1usize << prefix_bits) - 1;
    let Some(&first) = buf.first() else {
        return Err(DecodeError::Truncated);
    };
    let mut value = first as usize & mask;
    if value < mask {
        return Ok((value, 1));
    }
    for i in 0..MAX_CONTINUATION_OCTETS {
        let Some(&b) = buf.get(1 + i) else {
            return Err(DecodeError::Truncated);
        };
        value += ((b & 0x7f) as usize) << (7 * i);
        if b & 0x80 == 0 {
            return Ok((value, 2 + i));
        }
    }
    Err(DecodeError::IntegerOverflow)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn rfc7541_c1_examples() {
        // C.1.1: 10 with a 5-bit prefix.
        let mut out = Vec::new();
        encode(&mut out, 0, 5, 10);
        assert_eq!(out, [0b0000_1010]);
        assert_eq!(decode(&out, 5), Ok((10, 1)));
        // C.1.2: 1337 with a 5-bit prefix.
        out.clear();
        encode(&mut out, 0, 5, 1337);
        assert_eq!(out, [0b0001_1111, 0b1001_1010, 0b0000_1010]);
        assert_eq!(decode(&out, 5), Ok((1337, 3)));
        // C.1.3: 42 starting at an octet boundary.
        out.clear();
        encode(&mut out, 0, 8, 42);
        assert_eq!(out, [42]);
        assert_eq!(decode(&out, 8), Ok((42, 1)));
    }

    #[test]
    fn flags_above_the_prefix_are_kept_and_ignored() {
        let mut out = Vec::new();
        encode(&mut out, 0x80, 7, 2);
        assert_eq!(out, [0x82]);
        assert_eq!(decode(&[0xe0 | 31, 0x9a, 0x0a], 5), Ok((1337, 3)));
    }

    #[test]
    fn truncated_and_overlong_integers_are_errors() {
        assert_eq!(decode(&[], 5), Err(DecodeError::Truncated));
        assert_eq!(decode(&[0x1f], 5), Err(DecodeError::Truncated));
        assert_eq!(decode(&[0x1f, 0x80], 5), Err(DecodeError::Truncated));
        assert_eq!(
            decode(&[0x1f, 0xff, 0xff, 0xff, 0xff, 0x01], 5),
            Err(DecodeError::IntegerOverflow)
        );
        // Four continuation octets is the most accepted.
        assert_eq!(
            decode(&[0x1f, 0xff, 0xff, 0xff, 0x7f], 5),
            Ok((31 + (1 << 28) - 1, 5))
        );
    }

    proptest! {
        #[test]
        fn round_trip(value in 0usize..(1 << 28), prefix in 1u8..=8, flags in any::<u8>(), tail in proptest::collection::vec(any::<u8>(), 0..4)) {
            let flags = if prefix == 8 { 0 } else { flags & !(((1u16 << prefix) - 1) as u8) };
            let mut out = Vec::new();
            encode(&mut out, flags, prefix, value);
            prop_assert_eq!(out[0] & !(((1u16 << prefix) - 1) as u8), flags);
            let n = out.len();
            out.extend_from_slice(&tail);
            prop_assert_eq!(decode(&out, prefix), Ok((value, n)));
        }

        #[test]
        fn any_bytes_decode_without_panic(bytes in proptest::collection::vec(any::<u8>(), 0..8), prefix in 1u8..=8) {
            if let Ok((_, used)) = decode(&bytes, prefix) {
                prop_assert!(used >= 1 && used <= bytes.len());
            }
        }
    }
}
