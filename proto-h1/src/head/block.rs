//! Header fields a 64-byte block at a time, from a structural index (as simdjson finds a
//! document's structure): a vector kernel classifies every byte of a block into bit masks
//! (CR, LF, `:`, bytes not allowed in a value, `tchar`), the checks run on whole masks, and
//! the walk pairs the name ends with the line ends by taking their lowest set bits in turn.
//! No line waits on the scan of the previous one: a block's masks depend only on where the
//! block starts, which is known before the lines in it are cut.
//!
//! The walk takes only fields that are valid: at the first line it cannot take (any error,
//! obs-fold, input ending before the empty line) it stops and the line-by-line parser in
//! `head.rs` goes on from that line's start, so errors keep their kinds and offsets and
//! partial input is handled in one place. The fields before that line are in the sink, as
//! the line-by-line parser would have put them.
//!
//! In a block at `base`, with `starts` the line starts (the byte after each LF, and the
//! first field's start), a head's fields are valid up to its empty line when:
//! - no byte is a control other than CR and LF, or DEL (`ctl & !(cr | lf)` is empty);
//! - LF follows every CR and only a CR (`lf == cr << 1`, with the bit carried across
//!   blocks);
//! - every line starts with a `tchar` (a name), but the empty line, which starts with CR;
//! - every name ends at a colon: adding the name starts to the `tchar` mask carries through
//!   each run of `tchar` bytes and leaves a bit just past it (`(token + names) & !token`),
//!   which must be a colon (the carry out of bit 63 continues a name into the next block).
//!
//! Each field line then holds exactly one name end, before its CR, so the k-th name end and
//! the k-th CR are its name and value ends.

use super::{Limits, Sink, trim_value_ows};
use crate::error::Error;
use crate::scan::Scan;
use crate::simd::{BlockMasks, ascii_str};

/// Where the block walk left the fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Walk {
    /// The head is complete: the index just after its empty line.
    Done(usize),
    /// The line starting at this index is one the walk does not take: the line-by-line
    /// parser goes on from there.
    Resume(usize),
}

/// The masks of the block of 64 bytes at `base` (`base < b.len()`); bits past the end of `b`
/// are zero in the CR, LF, colon and token masks.
#[inline(always)]
fn masks_at<Z: Scan>(z: Z, b: &[u8], base: usize) -> BlockMasks {
    if let Some(w) = b.get(base..).and_then(<[u8]>::first_chunk::<64>) {
        return z.block_masks(w);
    }
    if let Some(w) = b.last_chunk::<64>() {
        // The buffer's last 64 bytes, with those before `base` shifted out (1 to 63 of them:
        // fewer than 64 bytes are left from `base`, and `base < b.len()`).
        let shift = base - (b.len() - 64);
        let m = z.block_masks(w);
        return BlockMasks {
            cr: m.cr >> shift,
            lf: m.lf >> shift,
            colon: m.colon >> shift,
            ctl: m.ctl >> shift,
            token: m.token >> shift,
        };
    }
    // A buffer shorter than one block: zero padding (a control byte, in no other mask).
    let mut w = [0u8; 64];
    let rest = &b[base..];
    w[..rest.len()].copy_from_slice(rest);
    z.block_masks(&w)
}

/// Takes the valid field lines of `b` from `start` (the first field line's start) into
/// `sink`, up to the empty line or to the first line it does not take (see [`Walk`]).
///
/// # Errors
/// Only the sink's (too many fields): every other error is left to the line-by-line parser.
#[inline(always)]
pub(super) fn fields<'b, S: Sink<'b>, Z: Scan>(
    z: Z,
    b: &'b [u8],
    start: usize,
    limits: &Limits,
    sink: &mut S,
) -> Result<Walk, Error> {
    let len = b.len();
    let mut base = start;
    // The start of the first line not yet in the sink.
    let mut line = start;
    // The end of that line's name when it is in an earlier block than its CR.
    let mut pending_name: Option<usize> = None;
    // Carried from the previous block's bit 63: a line starts at bit 0 (after an LF), a CR
    // wants an LF at bit 0, a name's `tchar` run goes on.
    let mut carry_start = 1u64;
    let mut carry_cr = 0u64;
    let mut carry_name = 0u64;
    loop {
        if base >= len || base > limits.max_head_size {
            return Ok(Walk::Resume(line));
        }
        let m = masks_at(z, b, base);
        let starts = (m.lf << 1) | carry_start;
        // The empty line: the first line that starts with CR. The checks cover the bytes
        // up to its CR (its LF is checked below); bytes after it are the body's.
        let empty = starts & m.cr;
        let region = if empty != 0 {
            empty ^ (empty - 1)
        } else if len - base >= 64 {
            !0
        } else {
            // The input ends in this block before the empty line: partial.
            return Ok(Walk::Resume(line));
        };
        let names = starts & m.token;
        let (sum, c1) = m.token.overflowing_add(names);
        let (sum, c2) = sum.overflowing_add(carry_name);
        let name_ends = sum & !m.token;
        let bad = (m.ctl & !(m.cr | m.lf))
            | (m.lf ^ ((m.cr << 1) | carry_cr))
            | (starts & !m.token & !m.cr)
            | (name_ends & !m.colon);
        if bad & region != 0 {
            return Ok(Walk::Resume(line));
        }
        if carry_cr != 0 {
            // The previous block ended with a line's CR, whose LF (bit 0) is checked now.
            let Some(colon) = pending_name.take() else {
                return Ok(Walk::Resume(line));
            };
            sink.push(
                ascii_str(&b[line..colon]),
                trim_value_ows(&b[colon + 1..base - 1]),
            )?;
            line = base + 1;
        }
        // A CR in bit 63 waits for the next block, where its LF is.
        let mut crs = m.cr & region & !empty & (m.lf >> 1);
        let mut ends = name_ends & region;
        while crs != 0 {
            let cr = base + crs.trailing_zeros() as usize;
            crs &= crs - 1;
            let colon = match pending_name.take() {
                Some(n) => n,
                None => {
                    let n = base + ends.trailing_zeros() as usize;
                    ends &= ends.wrapping_sub(1);
                    n
                }
            };
            sink.push(
                ascii_str(&b[line..colon]),
                trim_value_ows(&b[colon + 1..cr]),
            )?;
            line = cr + 2;
        }
        if ends != 0 {
            pending_name = Some(base + ends.trailing_zeros() as usize);
        }
        if empty != 0 {
            let cr = base + empty.trailing_zeros() as usize;
            // `line == cr` here. A missing LF (or the limit) is the line parser's to report.
            return Ok(match b.get(cr + 1) {
                Some(b'\n') if cr + 2 <= limits.max_head_size => Walk::Done(cr + 2),
                _ => Walk::Resume(line),
            });
        }
        carry_start = m.lf >> 63;
        carry_cr = m.cr >> 63;
        carry_name = (c1 | c2) as u64;
        base += 64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::head::{EMPTY_HEADER, Slots};
    use crate::scan::{Impl, block_masks_with};

    /// A scanner whose block masks come from one forced implementation.
    #[derive(Clone, Copy)]
    struct Blocks(Impl);

    impl Scan for Blocks {
        fn value_end(self, b: &[u8], i: usize) -> usize {
            crate::scan::value_end_bytes(b, i)
        }
        fn target_end(self, b: &[u8], i: usize) -> usize {
            crate::scan::target_end_bytes(b, i)
        }
        fn token_end(self, b: &[u8], i: usize) -> usize {
            crate::scan::token_end_bytes(b, i)
        }
        fn has_blocks(self) -> bool {
            true
        }
        fn block_masks(self, w: &[u8; 64]) -> BlockMasks {
            block_masks_with(self.0, w)
        }
    }

    #[test]
    fn kernels_agree_with_the_byte_classifier() {
        let mut w = [0u8; 64];
        for c in 0..=255u8 {
            for pos in 0..64 {
                for (k, x) in w.iter_mut().enumerate() {
                    *x = (k as u8).wrapping_mul(37).wrapping_add(c);
                }
                w[pos] = c;
                let want = crate::scan::block_masks_bytes(&w);
                for imp in Impl::available() {
                    assert_eq!(
                        block_masks_with(imp, &w),
                        want,
                        "{imp:?} byte {c:#x} at {pos}"
                    );
                }
            }
        }
    }

    #[test]
    fn debug_walk() {
        let b = b"GET / HTTP/1.1\r\nHost: example.com\r\nCookie: session=60; user_id=1\r\n\r\n";
        let mut slots = [EMPTY_HEADER; 16];
        let mut sink = Slots::new(&mut slots, 100);
        let r = fields(Blocks(Impl::Avx512), b, 16, &Limits::default(), &mut sink);
        assert_eq!(r, Ok(Walk::Done(b.len())));
        assert_eq!(sink.len, 2);
    }
}
