//! The HPACK Huffman code (RFC 7541 section 5.2 and Appendix B).
//!
//! Encoding packs codes into a 64-bit accumulator and stores it whole after every code, with
//! no branch on the data. Decoding reads the input eight octets at a time into a 64-bit bit
//! buffer and looks its next [`FAST_BITS`] bits up in [`FAST`], which gives the one or two
//! symbols whose codes fit there (every code of header text is 5 to 8 bits: one lookup emits
//! ~1.7 symbols); the rare longer codes are decoded by [`slow`] from the code's canonical
//! ordering (codes of one length are consecutive numbers). Both tables are generated at compile
//! time from [`CODES`] by `const fn`s; the tests check them against a bit-at-a-time walk of the
//! code tree.

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
#[cfg(test)]
const LEAF: u16 = 0x8000;
/// An unset child while the tree is being built.
#[cfg(test)]
const UNSET: u16 = 0xffff;

/// The code tree: for each internal node, its children for bit 0 and bit 1 (node numbers, or
/// `LEAF | symbol`), plus, per node, whether the path from the root is all ones and its depth.
#[cfg(test)]
struct Tree {
    children: [[u16; 2]; 256],
    all_ones: [bool; 256],
    depth: [u8; 256],
}

/// Builds the code tree from [`CODES`]. Node 0 is the root.
#[cfg(test)]
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

/// Bits looked up at once by the decoder: 2^11 entries of 4 octets, 8 KiB of table.
pub(crate) const FAST_BITS: u32 = 11;

/// The code length of the shortest code (`'0'`..`'9'`, `'a'`, ...): at most 8/5 symbols per
/// input octet.
const SHORTEST: usize = 5;

/// The longest code (EOS and three control characters): the decoder looks codes up once it has
/// this many bits.
const LONGEST: u32 = 30;

/// The canonical ordering of the code (RFC 7541 Appendix B assigns codes of each length as
/// consecutive numbers, lengths in increasing order), as [`slow`] uses it.
struct Canonical {
    /// Per code length: the first code of that length.
    first: [u32; LONGEST as usize + 1],
    /// Per code length: one past its last code.
    limit: [u32; LONGEST as usize + 1],
    /// Per code length: the position in `symbols` of the symbol whose code is `first`.
    offset: [u16; LONGEST as usize + 1],
    /// The symbols, by code length then code.
    symbols: [u16; 257],
}

/// Builds [`CANONICAL`] from [`CODES`], failing the build if the code is not canonical.
const fn build_canonical() -> Canonical {
    let mut c = Canonical {
        first: [0; LONGEST as usize + 1],
        limit: [0; LONGEST as usize + 1],
        offset: [0; LONGEST as usize + 1],
        symbols: [0; 257],
    };
    let mut next_code: u32 = 0;
    let mut placed = 0usize;
    let mut len = 1;
    while len <= LONGEST as usize {
        c.first[len] = next_code;
        c.offset[len] = placed as u16;
        // The symbols of this length in code order: the code is canonical when they are
        // exactly next_code, next_code + 1, ...
        let mut code = next_code;
        loop {
            let mut found = 257;
            let mut sym = 0;
            while sym < 257 {
                if CODES[sym].1 as usize == len && CODES[sym].0 == code {
                    found = sym;
                }
                sym += 1;
            }
            if found == 257 {
                break;
            }
            c.symbols[placed] = found as u16;
            placed += 1;
            code += 1;
        }
        c.limit[len] = code;
        next_code = code << 1;
        len += 1;
    }
    assert!(placed == 257, "the Huffman code is not canonical");
    c
}

/// Generated table (by `build_canonical`, at compile time): the code's canonical ordering.
static CANONICAL: Canonical = build_canonical();

/// A [`FAST`] entry: the first symbol (bits 0..8), the second (8..16), the bits both use
/// (16..21), how many symbols (21..23; 0 when the first code is longer than [`FAST_BITS`]),
/// and the first code's length (24..29).
const fn fast_entry(syms: [u8; 2], used: u32, count: u32, first_len: u32) -> u32 {
    syms[0] as u32 | (syms[1] as u32) << 8 | used << 16 | count << 21 | first_len << 24
}

/// Generates [`FAST`]: for each value of the next [`FAST_BITS`] bits, the symbols whose codes
/// lie entirely within them (one or two; none when the first code is longer).
///
/// This `const fn` is the generator of the generated table [`FAST`]: the table is never
/// written by hand or checked in, so it cannot drift from [`CODES`].
pub(crate) const fn build_fast_table() -> [u32; 1 << FAST_BITS] {
    let mut table = [0u32; 1 << FAST_BITS];
    let mut idx = 0;
    while idx < 1 << FAST_BITS {
        let mut syms = [0u8; 2];
        let mut count = 0;
        let mut used = 0;
        let mut first_len = 0;
        // Find the code at bit `used` of `idx`, twice.
        while count < 2 {
            let mut found = false;
            let mut sym = 0;
            while sym < 256 {
                let (code, len) = CODES[sym];
                let len = len as u32;
                if used + len <= FAST_BITS
                    && (idx as u32 >> (FAST_BITS - used - len)) & ((1 << len) - 1) == code
                {
                    syms[count] = sym as u8;
                    if count == 0 {
                        first_len = len;
                    }
                    used += len;
                    count += 1;
                    found = true;
                    break;
                }
                sym += 1;
            }
            if !found {
                break;
            }
        }
        table[idx] = fast_entry(syms, used, count as u32, first_len);
        idx += 1;
    }
    table
}

/// Generated table (by [`build_fast_table`], at compile time): the multi-symbol lookup.
pub(crate) static FAST: [u32; 1 << FAST_BITS] = build_fast_table();

/// Decodes the code at the top of `v` (at least its first [`LONGEST`] bits valid): its symbol
/// (256 for EOS) and length, from the canonical ordering.
#[inline(never)]
fn slow(v: u64) -> (u16, u32) {
    let c = &CANONICAL;
    let mut len = SHORTEST;
    while len <= LONGEST as usize {
        let code = (v >> (64 - len)) as u32;
        if code < c.limit[len] {
            let at = c.offset[len] as usize + (code - c.first[len]) as usize;
            return (c.symbols[at], len as u32);
        }
        len += 1;
    }
    // Every 30-bit value is below the last limit (EOS, 30 ones, is the last code).
    (EOS, LONGEST)
}

/// Appends the Huffman decoding of `src` to `out`.
///
/// # Errors
/// [`DecodeError::InvalidHuffman`] when `src` contains EOS, or ends with padding longer than
/// seven bits or not made of ones; `out` is then as it was.
#[inline]
pub(crate) fn decode(src: &[u8], out: &mut Vec<u8>) -> Result<(), DecodeError> {
    let start = out.len();
    // At most 8/5 symbols per input octet, plus one octet of room for the two-symbol store.
    let room = src.len() * 8 / SHORTEST + 2;
    out.resize(start + room, 0);
    let written = decode_into(src, &mut out[start..]);
    match written {
        Some(n) => {
            out.truncate(start + n);
            Ok(())
        }
        None => {
            out.truncate(start);
            Err(DecodeError::InvalidHuffman)
        }
    }
}

/// Decodes `src` into `buf` (at least `src.len() * 8 / 5 + 2` octets); returns the octets
/// written, or `None` for an invalid string.
#[inline(always)]
fn decode_into(src: &[u8], buf: &mut [u8]) -> Option<usize> {
    // The next bits, left-aligned: the top `bits` are valid. Below them may lie some bits of
    // `src[pos]` (from an eight-octet load), at the very place the next load puts them again.
    let mut acc: u64 = 0;
    let mut bits: u32 = 0;
    let mut pos = 0usize;
    let mut o = 0usize;
    // Decodes one or two codes at the top of `acc`, which holds at least LONGEST bits.
    macro_rules! step {
        () => {{
            let e = FAST[(acc >> (64 - FAST_BITS)) as usize];
            let count = (e >> 21) & 3;
            if count != 0 {
                buf[o..o + 2].copy_from_slice(&(e as u16).to_le_bytes());
                o += count as usize;
                let used = (e >> 16) & 31;
                acc <<= used;
                bits -= used;
            } else {
                let (sym, len) = slow(acc);
                // RFC 7541 section 5.2: "A Huffman-encoded string literal containing the EOS
                // symbol MUST be treated as a decoding error."
                if sym == EOS {
                    return None;
                }
                buf[o] = sym as u8;
                o += 1;
                acc <<= len;
                bits -= len;
            }
        }};
    }
    // Eight octets at a time: take as many whole octets as fit beside the pending bits.
    while let Some(w) = src.get(pos..).and_then(|s| s.first_chunk::<8>()) {
        acc |= u64::from_be_bytes(*w) >> bits;
        pos += ((63 - bits) >> 3) as usize;
        bits |= 56;
        while bits >= LONGEST {
            step!();
        }
    }
    // The last (at most seven) octets, one at a time.
    while pos < src.len() {
        while bits <= 56 {
            let Some(&b) = src.get(pos) else { break };
            acc |= (b as u64) << (56 - bits);
            bits += 8;
            pos += 1;
        }
        while bits >= LONGEST {
            step!();
        }
    }
    // Fewer than LONGEST bits left: decode the codes that end within them, looking up with
    // ones below (so a lookup never reads a bit that is not there as part of a shorter code).
    while bits > 0 {
        let v = acc | (u64::MAX >> bits);
        let e = FAST[(v >> (64 - FAST_BITS)) as usize];
        let (sym, len) = if (e >> 21) & 3 != 0 {
            (e & 0xff, (e >> 24) & 31)
        } else if bits <= FAST_BITS {
            // A code longer than the bits left (the usual case: the padding, a prefix of EOS).
            break;
        } else {
            let (sym, len) = slow(v);
            (sym as u32, len)
        };
        if len > bits {
            break;
        }
        // `len <= bits < LONGEST`: not EOS.
        buf[o] = sym as u8;
        o += 1;
        acc <<= len;
        bits -= len;
    }
    // RFC 7541 section 5.2: "A padding strictly longer than 7 bits MUST be treated as a
    // decoding error. A padding not corresponding to the most significant bits of the code for
    // the EOS symbol MUST be treated as a decoding error."
    if bits > 7 || acc | (u64::MAX >> bits) != u64::MAX {
        return None;
    }
    Some(o)
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

    /// The generated lookup table against the tree, for every value of its index bits.
    #[test]
    fn generated_fast_table_matches_bitwise_walk() {
        let tree = build_tree();
        let table = build_fast_table();
        for (idx, &e) in table.iter().enumerate() {
            // Walk the index bits: collect the symbols that end within them, in order.
            let mut node = 0usize;
            let mut ends = Vec::new();
            for i in (0..FAST_BITS).rev() {
                let child = tree.children[node][(idx >> i) & 1];
                if child & LEAF != 0 {
                    assert_ne!(child & !LEAF, EOS);
                    ends.push(((child & !LEAF) as u8, FAST_BITS - i));
                    node = 0;
                } else {
                    node = child as usize;
                }
            }
            ends.truncate(2);
            let count = (e >> 21) & 3;
            assert_eq!(count as usize, ends.len(), "index {idx:#x}");
            if let Some(&(sym, end)) = ends.first() {
                assert_eq!(e as u8, sym);
                assert_eq!((e >> 24) & 31, end);
            }
            if let Some(&(sym, _)) = ends.get(1) {
                assert_eq!((e >> 8) as u8, sym);
            }
            assert_eq!((e >> 16) & 31, ends.last().map_or(0, |&(_, end)| end));
        }
        assert_eq!(FAST, table);
    }

    /// The canonical decoder finds every code, whatever bits follow it.
    #[test]
    fn slow_path_decodes_every_code() {
        for (sym, &(code, len)) in CODES.iter().enumerate() {
            let len = u32::from(len);
            for tail in [0u64, u64::MAX, 0x5555_5555_5555_5555] {
                let v = (u64::from(code) << (64 - len)) | (tail >> len);
                assert_eq!(slow(v), (sym as u16, len), "symbol {sym}");
            }
        }
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

        /// Valid encodings of text (mostly short codes, the lookup table's path) and of any
        /// octets (long codes, the canonical path), then damaged: a bit flipped, cut short,
        /// junk appended. Long enough to run the eight-octets-at-a-time loop.
        #[test]
        fn table_decoder_agrees_with_bitwise_on_damaged_encodings(
            data in prop_oneof![
                proptest::collection::vec(proptest::sample::select(b"abcdefghijklmnopqrstuvwxyz0123456789-/:;=.,_ ABCXYZ%&?".to_vec()), 0..200),
                proptest::collection::vec(any::<u8>(), 0..200),
            ],
            flip in proptest::option::of(any::<proptest::sample::Index>()),
            bit in 0u8..8,
            cut in proptest::option::of(any::<proptest::sample::Index>()),
            junk in proptest::collection::vec(any::<u8>(), 0..3),
        ) {
            let mut enc = Vec::new();
            encode(&data, &mut enc);
            let mut out = Vec::new();
            decode(&enc, &mut out).unwrap();
            prop_assert_eq!(&out, &data);
            if let Some(i) = flip.filter(|_| !enc.is_empty()) {
                let i = i.index(enc.len());
                enc[i] ^= 1 << bit;
            }
            if let Some(c) = cut.filter(|_| !enc.is_empty()) {
                enc.truncate(c.index(enc.len()));
            }
            enc.extend_from_slice(&junk);
            // What was in `out` before stays there, and nothing is appended on error.
            let mut out = b"kept".to_vec();
            let ours = decode(&enc, &mut out).map(|()| out[4..].to_vec());
            prop_assert_eq!(&out[..4], b"kept");
            if ours.is_err() {
                prop_assert_eq!(out.len(), 4);
            }
            prop_assert_eq!(ours, decode_bitwise(&enc));
        }

        #[test]
        fn table_decoder_agrees_with_bitwise_on_any_bytes(data in proptest::collection::vec(any::<u8>(), 0..64)) {
            let mut out = Vec::new();
            let ours = decode(&data, &mut out).map(|()| out);
            prop_assert_eq!(ours, decode_bitwise(&data));
        }
    }
}
