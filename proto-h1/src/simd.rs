//! The crate's only `unsafe` code: SSE4.2 and AVX2 scanners (chosen at run time by
//! [`crate::scan`]) and the ASCII-to-`&str` view of bytes already validated as ASCII.
//!
//! Every function here has a portable twin in `scan.rs`, and the tests run both against a
//! byte-by-byte reference on the same inputs.

/// Views bytes that the parser has validated as ASCII as a `&str`.
#[inline(always)]
pub(crate) fn ascii_str(bytes: &[u8]) -> &str {
    debug_assert!(bytes.is_ascii());
    // SAFETY: every caller passes bytes it has checked to lie in 0x21..=0x7E (tokens,
    // request-targets) or 0x20..=0x7E, which are ASCII and therefore valid UTF-8.
    unsafe { core::str::from_utf8_unchecked(bytes) }
}

use crate::scan::{self, Impl, Scan, WithScan};
use core::sync::atomic::{AtomicU8, Ordering};

const UNKNOWN: u8 = 0;
const SWAR: u8 = 1;
const SSE42: u8 = 2;
const AVX2: u8 = 3;
/// The detected level, cached: written only after `is_x86_feature_detected!` confirmed it.
static LEVEL: AtomicU8 = AtomicU8::new(UNKNOWN);

#[inline(always)]
fn level() -> u8 {
    let l = LEVEL.load(Ordering::Relaxed);
    if l != UNKNOWN {
        return l;
    }
    detect()
}

#[cold]
fn detect() -> u8 {
    let l = if Impl::Avx2.is_supported() {
        AVX2
    } else if Impl::Sse42.is_supported() {
        SSE42
    } else {
        SWAR
    };
    LEVEL.store(l, Ordering::Relaxed);
    l
}

/// The implementation the dispatching scanners use on this CPU.
pub(crate) fn detected() -> Impl {
    match level() {
        AVX2 => Impl::Avx2,
        SSE42 => Impl::Sse42,
        _ => Impl::Swar,
    }
}

/// Runs `job` with the production scanner: vector scans dispatched per call (a cached level
/// check, then a call into the target-feature kernel). Measured faster under LTO than
/// compiling the whole parse once per feature level inside a `#[target_feature]` function
/// (about 1.2x against about 1.5x httparse on `REQ_SHORT` in the `compare` report, LTO).
#[inline(always)]
pub(crate) fn dispatch<W: WithScan>(job: W) -> W::Out {
    job.run(Dyn)
}

/// The production scanner (see [`dispatch`]).
#[derive(Clone, Copy)]
pub(crate) struct Dyn;

impl Scan for Dyn {
    #[inline(always)]
    fn value_end(self, b: &[u8], i: usize) -> usize {
        value_end(b, i)
    }
    #[inline(always)]
    fn target_end(self, b: &[u8], i: usize) -> usize {
        target_end(b, i)
    }
    #[inline(always)]
    fn token_end(self, b: &[u8], i: usize) -> usize {
        scan::token_end(b, i)
    }
}

/// [`dispatch`] with a forced implementation (tests of every path on whole heads); one the
/// CPU lacks runs SWAR instead. Like [`Dyn`], it picks the kernel per call, so the parse is
/// compiled once, not once per CPU level.
pub(crate) fn dispatch_forced<W: WithScan>(imp: Impl, job: W) -> W::Out {
    job.run(Forced(imp))
}

/// A scanner forced to one implementation (see [`dispatch_forced`]).
#[derive(Clone, Copy)]
struct Forced(Impl);

impl Scan for Forced {
    #[inline]
    fn value_end(self, b: &[u8], i: usize) -> usize {
        value_end_forced(self.0, b, i)
    }
    #[inline]
    fn target_end(self, b: &[u8], i: usize) -> usize {
        target_end_forced(self.0, b, i)
    }
    #[inline]
    fn token_end(self, b: &[u8], i: usize) -> usize {
        token_end_forced(self.0, b, i)
    }
}

/// Index of the first byte at or after `i` that may not appear in a header value, or `b.len()`.
///
/// Inlined into the parser, so a scan costs one load of the cached level and one call into the
/// kernel, which carries its own tail.
#[inline(always)]
pub(crate) fn value_end(b: &[u8], i: usize) -> usize {
    #[cfg(target_arch = "x86_64")]
    match level() {
        // SAFETY: LEVEL holds AVX2 only after run-time detection found AVX2 on this CPU.
        AVX2 => return unsafe { x86::end_avx2::<x86::ValueBytes>(b, i) },
        // SAFETY: LEVEL holds SSE42 only after run-time detection found SSE4.2 on this CPU.
        SSE42 => return unsafe { x86::end_sse42::<x86::ValueBytes>(b, i) },
        _ => {}
    }
    value_end_swar(b, i)
}

/// Index of the first byte at or after `i` that may not appear in a request-target, or `b.len()`.
#[inline(always)]
pub(crate) fn target_end(b: &[u8], i: usize) -> usize {
    #[cfg(target_arch = "x86_64")]
    match level() {
        // SAFETY: LEVEL holds AVX2 only after run-time detection found AVX2 on this CPU.
        AVX2 => return unsafe { x86::end_avx2::<x86::TargetBytes>(b, i) },
        // SAFETY: LEVEL holds SSE42 only after run-time detection found SSE4.2 on this CPU.
        SSE42 => return unsafe { x86::end_sse42::<x86::TargetBytes>(b, i) },
        _ => {}
    }
    target_end_swar(b, i)
}

/// The SWAR scans out of line, so that the dispatchers above stay small where they inline.
#[inline(never)]
fn value_end_swar(b: &[u8], i: usize) -> usize {
    scan::value_end_swar(b, i)
}

#[inline(never)]
fn target_end_swar(b: &[u8], i: usize) -> usize {
    scan::target_end_swar(b, i)
}

/// [`value_end`] with a forced implementation; one the CPU lacks runs SWAR instead.
pub(crate) fn value_end_forced(imp: Impl, b: &[u8], i: usize) -> usize {
    match imp {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: the guard checked that this CPU supports AVX2.
        Impl::Avx2 if imp.is_supported() => unsafe { x86::end_avx2::<x86::ValueBytes>(b, i) },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: the guard checked that this CPU supports SSE4.2.
        Impl::Sse42 if imp.is_supported() => unsafe { x86::end_sse42::<x86::ValueBytes>(b, i) },
        Impl::Bytes => scan::value_end_bytes(b, i),
        _ => scan::value_end_swar(b, i),
    }
}

/// [`target_end`] with a forced implementation; one the CPU lacks runs SWAR instead.
pub(crate) fn target_end_forced(imp: Impl, b: &[u8], i: usize) -> usize {
    match imp {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: the guard checked that this CPU supports AVX2.
        Impl::Avx2 if imp.is_supported() => unsafe { x86::end_avx2::<x86::TargetBytes>(b, i) },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: the guard checked that this CPU supports SSE4.2.
        Impl::Sse42 if imp.is_supported() => unsafe { x86::end_sse42::<x86::TargetBytes>(b, i) },
        Impl::Bytes => scan::target_end_bytes(b, i),
        _ => scan::target_end_swar(b, i),
    }
}

/// [`scan::token_end`] with a forced implementation; one the CPU lacks runs the table.
pub(crate) fn token_end_forced(imp: Impl, b: &[u8], i: usize) -> usize {
    match imp {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: the guard checked that this CPU supports AVX2.
        Impl::Avx2 if imp.is_supported() => unsafe { x86::token_end_avx2(b, i) },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: the guard checked that this CPU supports SSE4.2 (which implies SSSE3).
        Impl::Sse42 if imp.is_supported() => unsafe { x86::token_end_sse42(b, i) },
        Impl::Bytes => scan::token_end_bytes(b, i),
        _ => scan::token_end(b, i),
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use core::arch::x86_64::*;

    /// A set of bytes given as inclusive ranges, scanned by [`end_sse42`] and [`end_avx2`].
    pub(crate) trait ByteRanges {
        /// One to eight inclusive ranges `[lo, hi]`.
        const RANGES: &'static [[u8; 2]];
        /// The portable scan that finishes what the vector loop leaves.
        fn end_swar(b: &[u8], i: usize) -> usize;
    }

    /// Header values and reason phrases: HTAB, SP, VCHAR and obs-text (RFC 9110 section 5.5).
    pub(crate) struct ValueBytes;

    impl ByteRanges for ValueBytes {
        const RANGES: &'static [[u8; 2]] = &[[0x09, 0x09], [0x20, 0x7e], [0x80, 0xff]];
        #[inline(always)]
        fn end_swar(b: &[u8], i: usize) -> usize {
            crate::scan::value_end_swar(b, i)
        }
    }

    /// Request-targets: visible ASCII.
    pub(crate) struct TargetBytes;

    impl ByteRanges for TargetBytes {
        const RANGES: &'static [[u8; 2]] = &[[0x21, 0x7e]];
        #[inline(always)]
        fn end_swar(b: &[u8], i: usize) -> usize {
            crate::scan::target_end_swar(b, i)
        }
    }

    /// The ranges packed for `pcmpestri`: `lo, hi` pairs, zero-padded to 16 bytes.
    const fn pcmp_table(ranges: &[[u8; 2]]) -> [u8; 16] {
        assert!(!ranges.is_empty() && ranges.len() <= 8);
        let mut t = [0u8; 16];
        let mut k = 0;
        while k < ranges.len() {
            t[2 * k] = ranges[k][0];
            t[2 * k + 1] = ranges[k][1];
            k += 1;
        }
        t
    }

    /// Index of the first byte at or after `i` outside `C::RANGES`, or `b.len()`. Scans 16
    /// bytes at a time with `pcmpestri` (range mode, negated), then `C::end_swar`.
    ///
    /// # Safety
    /// The CPU must support SSE4.2.
    #[inline]
    #[target_feature(enable = "sse4.2")]
    pub(crate) unsafe fn end_sse42<C: ByteRanges>(b: &[u8], mut i: usize) -> usize {
        let table = const { pcmp_table(C::RANGES) };
        let table_len = 2 * C::RANGES.len() as i32;
        // SAFETY: `table` is 16 bytes; loadu has no alignment requirement.
        let ranges = unsafe { _mm_loadu_si128(table.as_ptr().cast()) };
        while i + 16 <= b.len() {
            let chunk = &b[i..i + 16];
            // SAFETY: `chunk` is exactly 16 readable bytes; SSE4.2 is enabled on this function.
            let v = unsafe { _mm_loadu_si128(chunk.as_ptr().cast()) };
            let idx = _mm_cmpestri::<
                {
                    _SIDD_UBYTE_OPS
                        | _SIDD_CMP_RANGES
                        | _SIDD_NEGATIVE_POLARITY
                        | _SIDD_LEAST_SIGNIFICANT
                },
            >(ranges, table_len, v, 16);
            if idx != 16 {
                return i + idx as usize;
            }
            i += 16;
        }
        C::end_swar(b, i)
    }

    /// Bit `k` set when byte `k` of `v` lies in one of `C::RANGES` (three vector operations
    /// per range: `v - lo <= hi - lo`, unsigned).
    #[inline]
    #[target_feature(enable = "avx2")]
    fn in_ranges_avx2<C: ByteRanges>(v: __m256i) -> u32 {
        let mut ok = _mm256_setzero_si256();
        for &[lo, hi] in C::RANGES {
            let d = _mm256_sub_epi8(v, _mm256_set1_epi8(lo as i8));
            let width = _mm256_set1_epi8((hi - lo) as i8);
            ok = _mm256_or_si256(ok, _mm256_cmpeq_epi8(_mm256_min_epu8(d, width), d));
        }
        _mm256_movemask_epi8(ok) as u32
    }

    /// [`end_sse42`] 32 bytes at a time with AVX2. The last partial block is scanned with one
    /// load of the buffer's last 32 bytes (overlapping bytes already scanned, whose bits are
    /// shifted out), so a short value costs one vector step, not a SWAR loop.
    ///
    /// # Safety
    /// The CPU must support AVX2.
    #[inline]
    #[target_feature(enable = "avx2")]
    pub(crate) unsafe fn end_avx2<C: ByteRanges>(b: &[u8], mut i: usize) -> usize {
        while i + 32 <= b.len() {
            let chunk = &b[i..i + 32];
            // SAFETY: `chunk` is exactly 32 readable bytes; AVX2 is enabled on this function.
            let v = unsafe { _mm256_loadu_si256(chunk.as_ptr().cast()) };
            let bad = !in_ranges_avx2::<C>(v);
            if bad != 0 {
                return i + bad.trailing_zeros() as usize;
            }
            i += 32;
        }
        if i < b.len() && b.len() >= 32 {
            let start = b.len() - 32;
            let chunk = &b[start..];
            // SAFETY: `chunk` is exactly 32 readable bytes; AVX2 is enabled on this function.
            let v = unsafe { _mm256_loadu_si256(chunk.as_ptr().cast()) };
            // `i - start` is in 1..32 here: drop the bits of the bytes before `i`.
            let bad = !in_ranges_avx2::<C>(v) >> (i - start);
            return if bad != 0 {
                i + bad.trailing_zeros() as usize
            } else {
                b.len()
            };
        }
        C::end_swar(b, i)
    }

    /// Index of the first non-`tchar` byte at or after `i`, 16 bytes at a time: a byte is a
    /// `tchar` when `TOKEN_LO[lo] & TOKEN_HI[hi]` is non-zero (two `pshufb` look-ups).
    ///
    /// # Safety
    /// The CPU must support SSE4.2 (and so SSSE3).
    #[inline]
    #[target_feature(enable = "sse4.2")]
    pub(crate) unsafe fn token_end_sse42(b: &[u8], mut i: usize) -> usize {
        // SAFETY: both tables are 16 bytes; loadu has no alignment requirement.
        let (lo_lut, hi_lut) = unsafe {
            (
                _mm_loadu_si128(crate::scan::TOKEN_LO.as_ptr().cast()),
                _mm_loadu_si128(crate::scan::TOKEN_HI.as_ptr().cast()),
            )
        };
        let nib = _mm_set1_epi8(0x0f);
        while i + 16 <= b.len() {
            let chunk = &b[i..i + 16];
            // SAFETY: `chunk` is exactly 16 readable bytes; SSE4.2 (SSSE3) is enabled here.
            let bad = unsafe {
                let v = _mm_loadu_si128(chunk.as_ptr().cast());
                let lo = _mm_and_si128(v, nib);
                let hi = _mm_and_si128(_mm_srli_epi16::<4>(v), nib);
                let m = _mm_and_si128(_mm_shuffle_epi8(lo_lut, lo), _mm_shuffle_epi8(hi_lut, hi));
                _mm_movemask_epi8(_mm_cmpeq_epi8(m, _mm_setzero_si128())) as u32
            };
            if bad != 0 {
                return i + bad.trailing_zeros() as usize;
            }
            i += 16;
        }
        crate::scan::token_end(b, i)
    }

    /// [`token_end_sse42`] 32 bytes at a time with AVX2.
    ///
    /// # Safety
    /// The CPU must support AVX2.
    #[inline]
    #[target_feature(enable = "avx2")]
    pub(crate) unsafe fn token_end_avx2(b: &[u8], mut i: usize) -> usize {
        // SAFETY: both tables are 16 bytes; loadu has no alignment requirement.
        let (lo_lut, hi_lut) = unsafe {
            (
                _mm256_broadcastsi128_si256(_mm_loadu_si128(crate::scan::TOKEN_LO.as_ptr().cast())),
                _mm256_broadcastsi128_si256(_mm_loadu_si128(crate::scan::TOKEN_HI.as_ptr().cast())),
            )
        };
        let nib = _mm256_set1_epi8(0x0f);
        while i + 32 <= b.len() {
            let chunk = &b[i..i + 32];
            // SAFETY: `chunk` is exactly 32 readable bytes; AVX2 is enabled on this function.
            let bad = unsafe {
                let v = _mm256_loadu_si256(chunk.as_ptr().cast());
                let lo = _mm256_and_si256(v, nib);
                let hi = _mm256_and_si256(_mm256_srli_epi16::<4>(v), nib);
                let m = _mm256_and_si256(
                    _mm256_shuffle_epi8(lo_lut, lo),
                    _mm256_shuffle_epi8(hi_lut, hi),
                );
                _mm256_movemask_epi8(_mm256_cmpeq_epi8(m, _mm256_setzero_si256())) as u32
            };
            if bad != 0 {
                return i + bad.trailing_zeros() as usize;
            }
            i += 32;
        }
        crate::scan::token_end(b, i)
    }
}
