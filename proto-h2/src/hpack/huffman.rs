//! The HPACK Huffman code (RFC 7541 section 5.2 and Appendix B).
//!
//! Encoding packs codes into a 64-bit accumulator and stores it whole after every code, with
//! no branch on the data. Decoding runs a finite-state machine that consumes four bits per
//! step: a state is an internal node of the code tree (256 of them for 257 symbols), and
//! [`DECODE`] says for each state and nibble which node comes next, and which symbol (at most
//! one: the shortest code has five bits) completes. The table is generated at compile time
//! from [`CODES`] by the `const fn` [`build_decode_table`]; the tests check it against a
//! bit-at-a-time walk of the tree.

use super::DecodeError;

/// `(code, bit length)` of each symbol 0..=256 (256 is EOS), RFC 7541 Appendix B.
#[rustfmt::skip]
pub(crate) const CODES: [(u32, u8); 257] = [
    (0x1ff8, 13), (0x7fffd8, 23), (0xfffffe2, 28), (0xfffffe3, 28), (0xfffffe4, 28), (0xfffffe5, 28),  // 0..
    (0xfffffe6, 28), (0xfffffe7, 28), (0xfffffe8, 28), (0xffffea, 24), (0x3ffffffc, 30), (0xfffffe9, 28),  // 6..
    (0xfffffea, 28), (0x3ffffffd, 30), (0xfffffeb, 28), (0xfffffec, 28), (0xfffffed, 28), (0xfffffee, 28),  // 12..
    (0xfffffef, 28), (0xffffff0, 28), (0xffffff1, 28), (0xffffff2, 28), (0x3ffffffe, 30), (0xffffff3, 28),  // 18..
    (0xffffff4, 28), (0xffffff5, 28), (0xffffff6, 28), (0xffffff7, 28), (0xffffff8, 28), (0xffffff9, 28),  // 24..
    (0xffffffa, 28), (0xffffffb, 28), (0x14, 6), (0x3f8, 10), (0x3f9, 10), (0xffa, 12),  // 30..
    (0x1ff9, 13), (0x15, 6), (0xf8, 8), (0x7fa, 11), (0x3fa, 10), (0x3fb, 10),  // 36..
    (0xf9, 8), (0x7fb, 11), (0xfa, 8), (0x16, 6), (0x17, 6), (0x18, 6),  // 42..
    (0x0, 5), (0x1, 5), (0x2, 5), (0x19, 6), (0x1a, 6), (0x1b, 6),  // 48..
    (0x1c, 6), (0x1d, 6), (0x1e, 6), (0x1f, 6), (0x5c, 7), (0xfb, 8),  // 54..
    (0x7ffc, 15), (0x20, 6), (0xffb, 12), (0x3fc, 10), (0x1ffa, 13), (0x21, 6),  // 60..
    (0x5d, 7), (0x5e, 7), (0x5f, 7), (0x60, 7), (0x61, 7), (0x62, 7),  // 66..
    (0x63, 7), (0x64, 7), (0x65, 7), (0x66, 7), (0x67, 7), (0x68, 7),  // 72..
    (0x69, 7), (0x6a, 7), (0x6b, 7), (0x6c, 7), (0x6d, 7), (0x6e, 7),  // 78..
    (0x6f, 7), (0x70, 7), (0x71, 7), (0x72, 7), (0xfc, 8), (0x73, 7),  // 84..
    (0xfd, 8), (0x1ffb, 13), (0x7fff0, 19), (0x1ffc, 13), (0x3ffc, 14), (0x22, 6),  // 90..
    (0x7ffd, 15), (0x3, 5), (0x23, 6), (0x4, 5), (0x24, 6), (0x5, 5),  // 96..
    (0x25, 6), (0x26, 6), (0x27, 6), (0x6, 5), (0x74, 7), (0x75, 7),  // 102..
    (0x28, 6), (0x29, 6), (0x2a, 6), (0x7, 5), (0x2b, 6), (0x76, 7),  // 108..
    (0x2c, 6), (0x8, 5), (0x9, 5), (0x2d, 6), (0x77, 7), (0x78, 7),  // 114..
    (0x79, 7), (0x7a, 7), (0x7b, 7), (0x7ffe, 15), (0x7fc, 11), (0x3ffd, 14),  // 120..
    (0x1ffd, 13), (0xffffffc, 28), (0xfffe6, 20), (0x3fffd2, 22), (0xfffe7, 20), (0xfffe8, 20),  // 126..
    (0x3fffd3, 22), (0x3fffd4, 22), (0x3fffd5, 22), (0x7fffd9, 23), (0x3fffd6, 22), (0x7fffda, 23),  // 132..
    (0x7fffdb, 23), (0x7fffdc, 23), (0x7fffdd, 23), (0x7fffde, 23), (0xffffeb, 24), (0x7fffdf, 23),  // 138..
    (0xffffec, 24), (0xffffed, 24), (0x3fffd7, 22), (0x7fffe0, 23), (0xffffee, 24), (0x7fffe1, 23),  // 144..
    (0x7fffe2, 23), (0x7fffe3, 23), (0x7fffe4, 23), (0x1fffdc, 21), (0x3fffd8, 22), (0x7fffe5, 23),  // 150..
    (0x3fffd9, 22), (0x7fffe6, 23), (0x7fffe7, 23), (0xffffef, 24), (0x3fffda, 22), (0x1fffdd, 21),  // 156..
    (0xfffe9, 20), (0x3fffdb, 22), (0x3fffdc, 22), (0x7fffe8, 23), (0x7fffe9, 23), (0x1fffde, 21),  // 162..
    (0x7fffea, 23), (0x3fffdd, 22), (0x3fffde, 22), (0xfffff0, 24), (0x1fffdf, 21), (0x3fffdf, 22),  // 168..
    (0x7fffeb, 23), (0x7fffec, 23), (0x1fffe0, 21), (0x1fffe1, 21), (0x3fffe0, 22), (0x1fffe2, 21),  // 174..
    (0x7fffed, 23), (0x3fffe1, 22), (0x7fffee, 23), (0x7fffef, 23), (0xfffea, 20), (0x3fffe2, 22),  // 180..
    (0x3fffe3, 22), (0x3fffe4, 22), (0x7ffff0, 23), (0x3fffe5, 22), (0x3fffe6, 22), (0x7ffff1, 23),  // 186..
    (0x3ffffe0, 26), (0x3ffffe1, 26), (0xfffeb, 20), (0x7fff1, 19), (0x3fffe7, 22), (0x7ffff2, 23),  // 192..
    (0x3fffe8, 22), (0x1ffffec, 25), (0x3ffffe2, 26), (0x3ffffe3, 26), (0x3ffffe4, 26), (0x7ffffde, 27),  // 198..
    (0x7ffffdf, 27), (0x3ffffe5, 26), (0xfffff1, 24), (0x1ffffed, 25), (0x7fff2, 19), (0x1fffe3, 21),  // 204..
    (0x3ffffe6, 26), (0x7ffffe0, 27), (0x7ffffe1, 27), (0x3ffffe7, 26), (0x7ffffe2, 27), (0xfffff2, 24),  // 210..
    (0x1fffe4, 21), (0x1fffe5, 21), (0x3ffffe8, 26), (0x3ffffe9, 26), (0xffffffd, 28), (0x7ffffe3, 27),  // 216..
    (0x7ffffe4, 27), (0x7ffffe5, 27), (0xfffec, 20), (0xfffff3, 24), (0xfffed, 20), (0x1fffe6, 21),  // 222..
    (0x3fffe9, 22), (0x1fffe7, 21), (0x1fffe8, 21), (0x7ffff3, 23), (0x3fffea, 22), (0x3fffeb, 22),  // 228..
    (0x1ffffee, 25), (0x1ffffef, 25), (0xfffff4, 24), (0xfffff5, 24), (0x3ffffea, 26), (0x7ffff4, 23),  // 234..
    (0x3ffffeb, 26), (0x7ffffe6, 27), (0x3ffffec, 26), (0x3ffffed, 26), (0x7ffffe7, 27), (0x7ffffe8, 27),  // 240..
    (0x7ffffe9, 27), (0x7ffffea, 27), (0x7ffffeb, 27), (0xffffffe, 28), (0x7ffffec, 27), (0x7ffffed, 27),  // 246..
    (0x7ffffee, 27), (0x7ffffef, 27), (0x7fffff0, 27), (0x3ffffee, 26), (0x3fffffff, 30),  // 252..
];

/// Symbol number of the end-of-string code (30 ones), which must never appear in a string.
const EOS: u16 = 256;
/// Marks a child that is a leaf (a symbol) rather than an internal node.
const LEAF: u16 = 0x8000;
/// An unset child while the tree is being built.
const UNSET: u16 = 0xffff;

/// A [`DECODE`] entry flag: the step completed the symbol in bits 8..16.
pub(crate) const EMIT: u32 = 1 << 16;
/// A [`DECODE`] entry flag: the step hit the EOS code, the string is invalid.
pub(crate) const FAIL: u32 = 1 << 17;

/// The code tree: for each internal node, its children for bit 0 and bit 1 (node numbers, or
/// `LEAF | symbol`), plus, per node, whether the path from the root is all ones and its depth.
struct Tree {
    children: [[u16; 2]; 256],
    all_ones: [bool; 256],
    depth: [u8; 256],
}

/// Builds the code tree from [`CODES`]. Node 0 is the root.
const fn build_tree() -> Tree {
    let mut tree = Tree {
        children: [[UNSET; 2]; 256],
        all_ones: [false; 256],
        depth: [0; 256],
    };
    tree.all_ones[0] = true;
    let mut next: u16 = 1;
    let mut sym = 0;
    while sym < 257 {
        let (code, len) = CODES[sym];
        let mut node = 0usize;
        let mut i = 0;
        while i < len {
            let bit = ((code >> (len - 1 - i)) & 1) as usize;
            if i == len - 1 {
                // A prefix code: the leaf's slot is free.
                assert!(tree.children[node][bit] == UNSET, "not a prefix code");
                tree.children[node][bit] = LEAF | sym as u16;
            } else {
                if tree.children[node][bit] == UNSET {
                    assert!(next < 256, "more than 256 internal nodes");
                    tree.children[node][bit] = next;
                    tree.all_ones[next as usize] = tree.all_ones[node] && bit == 1;
                    tree.depth[next as usize] = tree.depth[node] + 1;
                    next += 1;
                }
                let child = tree.children[node][bit];
                assert!(child & LEAF == 0, "not a prefix code");
                node = child as usize;
            }
            i += 1;
        }
        sym += 1;
    }
    assert!(
        next == 256,
        "a complete code over 257 symbols has 256 internal nodes"
    );
    tree
}

/// Generates the 4-bit decoding table: `DECODE[state][nibble]` is
/// `next_state | symbol << 8 | EMIT? | FAIL?`.
///
/// This `const fn` is the generator of the generated table [`DECODE`]: the table is never
/// written by hand or checked in, so it cannot drift from [`CODES`].
pub(crate) const fn build_decode_table() -> [[u32; 16]; 256] {
    let tree = build_tree();
    let mut table = [[0u32; 16]; 256];
    let mut state = 0;
    while state < 256 {
        let mut nibble = 0;
        while nibble < 16 {
            let mut node = state;
            let mut entry = 0u32;
            let mut i = 0;
            while i < 4 {
                let bit = (nibble >> (3 - i)) & 1;
                let child = tree.children[node][bit];
                if child & LEAF != 0 {
                    let sym = child & !LEAF;
                    if sym == EOS {
                        entry |= FAIL;
                        break;
                    }
                    entry |= EMIT | (sym as u32) << 8;
                    node = 0;
                } else {
                    node = child as usize;
                }
                i += 1;
            }
            table[state][nibble] = entry | node as u32;
            nibble += 1;
        }
        state += 1;
    }
    table
}

/// Generates [`ACCEPT`]: a string may end in a state whose path from the last symbol boundary
/// is at most seven one bits (RFC 7541 section 5.2: "A padding strictly longer than 7 bits MUST
/// be treated as a decoding error. A padding not corresponding to the most significant bits of
/// the code for the EOS symbol MUST be treated as a decoding error.").
const fn build_accept_table() -> [bool; 256] {
    let tree = build_tree();
    let mut accept = [false; 256];
    let mut i = 0;
    while i < 256 {
        accept[i] = tree.all_ones[i] && tree.depth[i] <= 7;
        i += 1;
    }
    accept
}

/// Generated table (by [`build_decode_table`], at compile time): the 4-bit decoding automaton.
pub(crate) static DECODE: [[u32; 16]; 256] = build_decode_table();
/// Generated table (by `build_accept_table`, at compile time): states where a string may end.
static ACCEPT: [bool; 256] = build_accept_table();

/// Appends the Huffman decoding of `src` to `out`.
///
/// # Errors
/// [`DecodeError::InvalidHuffman`] when `src` contains EOS, or ends with padding longer than
/// seven bits or not made of ones.
#[inline]
pub(crate) fn decode(src: &[u8], out: &mut Vec<u8>) -> Result<(), DecodeError> {
    // At most 8/5 symbols per input octet (the shortest code has 5 bits).
    out.reserve(src.len() * 8 / 5 + 1);
    let mut state = 0usize;
    let mut flags = 0u32;
    for &b in src {
        let e = DECODE[state][(b >> 4) as usize];
        if e & EMIT != 0 {
            out.push((e >> 8) as u8);
        }
        let e2 = DECODE[e as u8 as usize][(b & 0x0f) as usize];
        if e2 & EMIT != 0 {
            out.push((e2 >> 8) as u8);
        }
        flags |= e | e2;
        state = e2 as u8 as usize;
    }
    if flags & FAIL != 0 || !ACCEPT[state] {
        return Err(DecodeError::InvalidHuffman);
    }
    Ok(())
}

/// Generated table (from [`CODES`], at compile time): the code length in bits of each octet.
static LENGTHS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = CODES[i].1;
        i += 1;
    }
    t
};

/// Number of octets the Huffman encoding of `src` takes.
#[cfg(test)]
pub(crate) fn encoded_len(src: &[u8]) -> usize {
    measure(src).len
}

/// What [`encode_measured`] needs to know about a string before encoding it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Measure {
    /// Octets of the Huffman encoding.
    pub(crate) len: usize,
    /// The longest code among the string's octets, in bits.
    longest: u8,
}

/// Measures the Huffman encoding of `src`: its length in octets and its longest code.
#[inline]
pub(crate) fn measure(src: &[u8]) -> Measure {
    // Four independent sums and maxima: the operations do not wait on each other.
    let mut sums = [0usize; 4];
    let mut longest = [0u8; 4];
    let mut chunks = src.chunks_exact(4);
    for c in &mut chunks {
        for ((sum, max), &b) in sums.iter_mut().zip(&mut longest).zip(c) {
            let bits = LENGTHS[b as usize];
            *sum += bits as usize;
            *max = (*max).max(bits);
        }
    }
    let mut bits = sums.iter().sum::<usize>();
    let mut longest = longest.into_iter().max().unwrap_or(0);
    for &b in chunks.remainder() {
        bits += LENGTHS[b as usize] as usize;
        longest = longest.max(LENGTHS[b as usize]);
    }
    Measure {
        len: bits.div_ceil(8),
        longest,
    }
}

/// Appends the Huffman encoding of `src` to `out`, padded with the most significant bits of EOS.
#[cfg(test)]
pub(crate) fn encode(src: &[u8], out: &mut Vec<u8>) {
    encode_measured(src, measure(src), out);
}

/// Appends the Huffman encoding of `src`, measured by [`measure`], to `out`, padded with the
/// most significant bits of EOS.
///
/// Without branches on the data: codes are shifted into a 64-bit accumulator, right-aligned
/// (so the shift does not wait for the bit count), and after every group of codes the pending
/// bits are stored left-aligned as a whole word at the output position (the vector is cut back
/// to the position and the word appended, so nothing is zeroed first); the position advances
/// by the complete octets. A group
/// is as many codes as surely fit beside the at most 7 pending bits: four when no code is
/// longer than 14 bits (most header text), three up to 19 bits (all of printable ASCII), two
/// up to 28, else one.
#[inline]
pub(crate) fn encode_measured(src: &[u8], measure: Measure, out: &mut Vec<u8>) {
    let start = out.len();
    out.reserve(measure.len + 8);
    let Bits { acc, pending, at } = match measure.longest {
        0..=14 => encode_groups::<4>(src, start, out),
        15..=19 => encode_groups::<3>(src, start, out),
        20..=28 => encode_groups::<2>(src, start, out),
        _ => encode_groups::<1>(src, start, out),
    };
    out.truncate(start + at);
    if pending > 0 {
        // Pad with ones, the most significant bits of EOS.
        out.push((acc << (8 - pending)) as u8 | (0xff >> pending));
    }
}

/// The bit writer of [`encode_groups`].
struct Bits {
    /// Codes, right-aligned: the low `pending` bits are not yet in a complete octet (older bits
    /// above them are shifted out or ignored).
    acc: u64,
    /// Fewer than 8 between groups, at most 7 + 57 after one.
    pending: u32,
    /// Complete octets written after `start`.
    at: usize,
}

impl Bits {
    /// Appends the codes of `group` (at most 57 bits in all) and stores the pending bits as a
    /// whole word at `start + at`: `out` then ends with that word (some of whose octets are
    /// not complete yet and are overwritten by the next word, or cut off at the end).
    #[inline(always)]
    fn push<const N: usize>(&mut self, group: &[u8; N], start: usize, out: &mut Vec<u8>) {
        let mut word: u64 = 0;
        let mut width: u32 = 0;
        for &b in group {
            let (code, bits) = CODES[b as usize];
            word = word << bits | code as u64;
            width += bits as u32;
        }
        self.acc = self.acc << width | word;
        self.pending += width;
        out.truncate(start + self.at);
        out.extend_from_slice(&(self.acc << (64 - self.pending)).to_be_bytes());
        self.at += (self.pending / 8) as usize;
        self.pending %= 8;
    }
}

/// Encodes `src` after `out[..start]` in groups of `N` codes, which must fit in 57 bits
/// whatever the octets; returns the writer, with fewer than 8 bits pending.
#[inline]
fn encode_groups<const N: usize>(src: &[u8], start: usize, out: &mut Vec<u8>) -> Bits {
    let mut bits = Bits {
        acc: 0,
        pending: 0,
        at: 0,
    };
    let (groups, rest) = src.as_chunks::<N>();
    for group in groups {
        bits.push(group, start, out);
    }
    for b in rest {
        bits.push(&[*b], start, out);
    }
    bits
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The reference decoder: one bit at a time through the tree.
    fn decode_bitwise(src: &[u8]) -> Result<Vec<u8>, DecodeError> {
        let tree = build_tree();
        let mut out = Vec::new();
        let mut node = 0usize;
        for &b in src {
            for i in (0..8).rev() {
                let child = tree.children[node][((b >> i) & 1) as usize];
                if child & LEAF != 0 {
                    if child & !LEAF == EOS {
                        return Err(DecodeError::InvalidHuffman);
                    }
                    out.push((child & !LEAF) as u8);
                    node = 0;
                } else {
                    node = child as usize;
                }
            }
        }
        if node != 0 && !(tree.all_ones[node] && tree.depth[node] <= 7) {
            return Err(DecodeError::InvalidHuffman);
        }
        Ok(out)
    }

    /// The generated table against the tree, for every state and nibble.
    #[allow(clippy::needless_range_loop)] // indices are the state and nibble under test
    #[test]
    fn generated_table_matches_bitwise_walk() {
        let tree = build_tree();
        let table = build_decode_table();
        for state in 0..256 {
            for nibble in 0..16usize {
                let mut node = state;
                let mut emitted = None;
                let mut failed = false;
                for i in (0..4).rev() {
                    let child = tree.children[node][(nibble >> i) & 1];
                    if child & LEAF != 0 {
                        if child & !LEAF == EOS {
                            failed = true;
                            break;
                        }
                        assert!(emitted.is_none(), "two symbols in one nibble");
                        emitted = Some((child & !LEAF) as u8);
                        node = 0;
                    } else {
                        node = child as usize;
                    }
                }
                let e = table[state][nibble];
                assert_eq!(e & FAIL != 0, failed, "state {state} nibble {nibble}");
                if failed {
                    continue;
                }
                assert_eq!(e as u8 as usize, node);
                assert_eq!((e & EMIT != 0).then_some((e >> 8) as u8), emitted);
            }
        }
        assert_eq!(DECODE, table);
    }

    #[test]
    fn every_symbol_round_trips_alone_and_code_lengths_are_as_in_the_rfc() {
        for b in 0..=255u8 {
            let mut enc = Vec::new();
            encode(&[b], &mut enc);
            assert_eq!(enc.len(), encoded_len(&[b]));
            let mut dec = Vec::new();
            decode(&enc, &mut dec).unwrap();
            assert_eq!(dec, [b]);
        }
        // Spot checks against Appendix B: '0' is 00000 (5 bits), 'a' is 00011 (5 bits),
        // '\0' is 13 bits, EOS is 30 ones.
        assert_eq!(CODES[b'0' as usize], (0x0, 5));
        assert_eq!(CODES[b'a' as usize], (0x3, 5));
        assert_eq!(CODES[0], (0x1ff8, 13));
        assert_eq!(CODES[256], (0x3fff_ffff, 30));
    }

    /// RFC 7541 C.4.1: "www.example.com".
    #[test]
    fn rfc7541_c4_example() {
        let mut enc = Vec::new();
        encode(b"www.example.com", &mut enc);
        assert_eq!(
            enc,
            [
                0xf1, 0xe3, 0xc2, 0xe5, 0xf2, 0x3a, 0x6b, 0xa0, 0xab, 0x90, 0xf4, 0xff
            ]
        );
        let mut dec = Vec::new();
        decode(&enc, &mut dec).unwrap();
        assert_eq!(dec, b"www.example.com");
    }

    #[test]
    fn invalid_padding_and_eos_are_rejected() {
        let mut out = Vec::new();
        // A full octet of ones is padding longer than seven bits.
        assert_eq!(decode(&[0xff], &mut out), Err(DecodeError::InvalidHuffman));
        // 'a' (00011) then padding 000: padding not made of ones.
        assert_eq!(
            decode(&[0b0001_1000], &mut out),
            Err(DecodeError::InvalidHuffman)
        );
        // EOS (30 ones) then two ones of padding.
        assert_eq!(
            decode(&[0xff, 0xff, 0xff, 0xff], &mut out),
            Err(DecodeError::InvalidHuffman)
        );
        // 'a' then padding 111 is fine.
        out.clear();
        decode(&[0b0001_1111], &mut out).unwrap();
        assert_eq!(out, b"a");
        // The empty string.
        out.clear();
        decode(&[], &mut out).unwrap();
        assert!(out.is_empty());
    }

    proptest! {
        #[test]
        fn round_trip(data in proptest::collection::vec(any::<u8>(), 0..300)) {
            let mut enc = Vec::new();
            encode(&data, &mut enc);
            prop_assert_eq!(enc.len(), encoded_len(&data));
            let mut dec = Vec::new();
            decode(&enc, &mut dec).unwrap();
            prop_assert_eq!(dec, data);
        }

        /// The word-at-a-time encoder against a bit-at-a-time one, on strings whose longest
        /// code selects each group size.
        #[test]
        fn encoder_matches_bitwise(data in prop_oneof![Just(14u8), Just(19), Just(28), Just(30)].prop_flat_map(|longest| {
            let alphabet: Vec<u8> = (0..=255u8).filter(|&b| LENGTHS[b as usize] <= longest).collect();
            proptest::collection::vec(proptest::sample::select(alphabet), 0..100)
        }), prefix in proptest::collection::vec(any::<u8>(), 0..3)) {
            let mut bits = Vec::new();
            for &b in &data {
                let (code, len) = CODES[b as usize];
                bits.extend((0..len).rev().map(|i| (code >> i) & 1 == 1));
            }
            while bits.len() % 8 != 0 {
                bits.push(true);
            }
            let mut want = prefix.clone();
            want.extend(bits.chunks(8).map(|c| c.iter().fold(0u8, |a, &b| a << 1 | b as u8)));
            let mut got = prefix;
            encode(&data, &mut got);
            prop_assert_eq!(got, want);
        }

        #[test]
        fn table_decoder_agrees_with_bitwise_on_any_bytes(data in proptest::collection::vec(any::<u8>(), 0..64)) {
            let mut out = Vec::new();
            let ours = decode(&data, &mut out).map(|()| out);
            prop_assert_eq!(ours, decode_bitwise(&data));
        }
    }
}
