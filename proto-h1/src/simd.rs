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
/// check, then a call into the target-feature function). Measured faster under LTO than
/// compiling the whole parse once per feature level, which `dispatch_forced` still does so
/// that tests run every path on whole heads.
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

/// [`dispatch`] with a forced implementation (tests of every path); one the CPU lacks runs
/// SWAR instead.
pub(crate) fn dispatch_forced<W: WithScan>(imp: Impl, job: W) -> W::Out {
    match imp {
        Impl::Bytes => job.run(scan::Bytes),
        #[cfg(target_arch = "x86_64")]
        // SAFETY: the guard checked that this CPU supports AVX2.
        Impl::Avx2 if imp.is_supported() => unsafe { run_avx2(job) },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: the guard checked that this CPU supports SSE4.2.
        Impl::Sse42 if imp.is_supported() => unsafe { run_sse42(job) },
        _ => job.run(scan::Swar),
    }
}

/// Proof that the CPU has AVX2: only built by `run_avx2`, which only runs after detection.
#[cfg(target_arch = "x86_64")]
#[derive(Clone, Copy)]
struct Avx2(());

#[cfg(target_arch = "x86_64")]
impl Scan for Avx2 {
    #[inline(always)]
    fn value_end(self, b: &[u8], i: usize) -> usize {
        // SAFETY: an `Avx2` value exists only inside `run_avx2`, called after AVX2 was detected.
        unsafe { x86::value_end_avx2(b, i) }
    }
    #[inline(always)]
    fn target_end(self, b: &[u8], i: usize) -> usize {
        // SAFETY: as above.
        unsafe { x86::target_end_avx2(b, i) }
    }
    #[inline(always)]
    fn token_end(self, b: &[u8], i: usize) -> usize {
        // SAFETY: as above.
        unsafe { x86::token_end_avx2(b, i) }
    }
}

/// Proof that the CPU has SSE4.2: only built by `run_sse42`.
#[cfg(target_arch = "x86_64")]
#[derive(Clone, Copy)]
struct Sse42(());

#[cfg(target_arch = "x86_64")]
impl Scan for Sse42 {
    #[inline(always)]
    fn value_end(self, b: &[u8], i: usize) -> usize {
        // SAFETY: an `Sse42` value exists only inside `run_sse42`, called after detection.
        unsafe { x86::value_end_sse42(b, i) }
    }
    #[inline(always)]
    fn target_end(self, b: &[u8], i: usize) -> usize {
        // SAFETY: as above.
        unsafe { x86::target_end_sse42(b, i) }
    }
    #[inline(always)]
    fn token_end(self, b: &[u8], i: usize) -> usize {
        // SAFETY: as above.
        unsafe { x86::token_end_sse42(b, i) }
    }
}

/// # Safety
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn run_avx2<W: WithScan>(job: W) -> W::Out {
    job.run(Avx2(()))
}

/// # Safety
/// The CPU must support SSE4.2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse4.2")]
unsafe fn run_sse42<W: WithScan>(job: W) -> W::Out {
    job.run(Sse42(()))
}

/// Index of the first byte at or after `i` that may not appear in a header value, or `b.len()`.
#[inline]
pub(crate) fn value_end(b: &[u8], i: usize) -> usize {
    #[cfg(target_arch = "x86_64")]
    match level() {
        // SAFETY: LEVEL holds AVX2 only after run-time detection found AVX2 on this CPU.
        AVX2 => return unsafe { x86::value_end_avx2(b, i) },
        // SAFETY: LEVEL holds SSE42 only after run-time detection found SSE4.2 on this CPU.
        SSE42 => return unsafe { x86::value_end_sse42(b, i) },
        _ => {}
    }
    scan::value_end_swar(b, i)
}

/// Index of the first byte at or after `i` that may not appear in a request-target, or `b.len()`.
#[inline]
pub(crate) fn target_end(b: &[u8], i: usize) -> usize {
    #[cfg(target_arch = "x86_64")]
    match level() {
        // SAFETY: LEVEL holds AVX2 only after run-time detection found AVX2 on this CPU.
        AVX2 => return unsafe { x86::target_end_avx2(b, i) },
        // SAFETY: LEVEL holds SSE42 only after run-time detection found SSE4.2 on this CPU.
        SSE42 => return unsafe { x86::target_end_sse42(b, i) },
        _ => {}
    }
    scan::target_end_swar(b, i)
}

/// [`value_end`] with a forced implementation; one the CPU lacks runs SWAR instead.
pub(crate) fn value_end_forced(imp: Impl, b: &[u8], i: usize) -> usize {
    match imp {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: the guard checked that this CPU supports AVX2.
        Impl::Avx2 if imp.is_supported() => unsafe { x86::value_end_avx2(b, i) },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: the guard checked that this CPU supports SSE4.2.
        Impl::Sse42 if imp.is_supported() => unsafe { x86::value_end_sse42(b, i) },
        _ => scan::value_end_swar(b, i),
    }
}

/// [`target_end`] with a forced implementation; one the CPU lacks runs SWAR instead.
pub(crate) fn target_end_forced(imp: Impl, b: &[u8], i: usize) -> usize {
    match imp {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: the guard checked that this CPU supports AVX2.
        Impl::Avx2 if imp.is_supported() => unsafe { x86::target_end_avx2(b, i) },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: the guard checked that this CPU supports SSE4.2.
        Impl::Sse42 if imp.is_supported() => unsafe { x86::target_end_sse42(b, i) },
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
        _ => scan::token_end(b, i),
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use core::arch::x86_64::*;

    /// Index of the first byte at or after `i` that is not HTAB, 0x20..=0x7E or 0x80..=0xFF
    /// (a header value's end), or `b.len()`. Scans 16 bytes at a time with `pcmpestri`.
    ///
    /// # Safety
    /// The CPU must support SSE4.2.
    #[inline]
    #[target_feature(enable = "sse4.2")]
    pub(crate) unsafe fn value_end_sse42(b: &[u8], mut i: usize) -> usize {
        const RANGES: [u8; 16] = [
            0x09, 0x09, 0x20, 0x7e, 0x80, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        ];
        // SAFETY: RANGES is 16 bytes; loadu has no alignment requirement.
        let ranges = unsafe { _mm_loadu_si128(RANGES.as_ptr().cast()) };
        while i + 16 <= b.len() {
            let chunk = &b[i..i + 16];
            // SAFETY: `chunk` is exactly 16 readable bytes; SSE4.2 is enabled on this function.
            let idx = unsafe {
                let v = _mm_loadu_si128(chunk.as_ptr().cast());
                _mm_cmpestri::<
                    {
                        _SIDD_UBYTE_OPS
                            | _SIDD_CMP_RANGES
                            | _SIDD_NEGATIVE_POLARITY
                            | _SIDD_LEAST_SIGNIFICANT
                    },
                >(ranges, 6, v, 16)
            };
            if idx != 16 {
                return i + idx as usize;
            }
            i += 16;
        }
        crate::scan::value_end_swar(b, i)
    }

    /// Index of the first byte at or after `i` outside 0x21..=0x7E (a request-target's end),
    /// or `b.len()`, 16 bytes at a time.
    ///
    /// # Safety
    /// The CPU must support SSE4.2.
    #[inline]
    #[target_feature(enable = "sse4.2")]
    pub(crate) unsafe fn target_end_sse42(b: &[u8], mut i: usize) -> usize {
        const RANGES: [u8; 16] = [0x21, 0x7e, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        // SAFETY: RANGES is 16 bytes; loadu has no alignment requirement.
        let ranges = unsafe { _mm_loadu_si128(RANGES.as_ptr().cast()) };
        while i + 16 <= b.len() {
            let chunk = &b[i..i + 16];
            // SAFETY: `chunk` is exactly 16 readable bytes; SSE4.2 is enabled on this function.
            let idx = unsafe {
                let v = _mm_loadu_si128(chunk.as_ptr().cast());
                _mm_cmpestri::<
                    {
                        _SIDD_UBYTE_OPS
                            | _SIDD_CMP_RANGES
                            | _SIDD_NEGATIVE_POLARITY
                            | _SIDD_LEAST_SIGNIFICANT
                    },
                >(ranges, 2, v, 16)
            };
            if idx != 16 {
                return i + idx as usize;
            }
            i += 16;
        }
        crate::scan::target_end_swar(b, i)
    }

    /// [`value_end_sse42`] 32 bytes at a time with AVX2.
    ///
    /// # Safety
    /// The CPU must support AVX2.
    #[inline]
    #[target_feature(enable = "avx2")]
    pub(crate) unsafe fn value_end_avx2(b: &[u8], mut i: usize) -> usize {
        let c20 = _mm256_set1_epi8(0x20);
        let c7f = _mm256_set1_epi8(0x7f);
        let tab = _mm256_set1_epi8(0x09);
        while i + 32 <= b.len() {
            let chunk = &b[i..i + 32];
            // SAFETY: `chunk` is exactly 32 readable bytes; AVX2 is enabled on this function.
            let bad = unsafe {
                let v = _mm256_loadu_si256(chunk.as_ptr().cast());
                // v >= 0x20 (unsigned) or v == HTAB, and v != DEL
                let ge20 = _mm256_cmpeq_epi8(_mm256_max_epu8(v, c20), v);
                let ok = _mm256_andnot_si256(
                    _mm256_cmpeq_epi8(v, c7f),
                    _mm256_or_si256(ge20, _mm256_cmpeq_epi8(v, tab)),
                );
                !(_mm256_movemask_epi8(ok) as u32)
            };
            if bad != 0 {
                return i + bad.trailing_zeros() as usize;
            }
            i += 32;
        }
        crate::scan::value_end_swar(b, i)
    }

    /// [`target_end_sse42`] 32 bytes at a time with AVX2.
    ///
    /// # Safety
    /// The CPU must support AVX2.
    #[inline]
    #[target_feature(enable = "avx2")]
    pub(crate) unsafe fn target_end_avx2(b: &[u8], mut i: usize) -> usize {
        let lo = _mm256_set1_epi8(0x21);
        let hi = _mm256_set1_epi8(0x7e);
        while i + 32 <= b.len() {
            let chunk = &b[i..i + 32];
            // SAFETY: `chunk` is exactly 32 readable bytes; AVX2 is enabled on this function.
            let bad = unsafe {
                let v = _mm256_loadu_si256(chunk.as_ptr().cast());
                let ge = _mm256_cmpeq_epi8(_mm256_max_epu8(v, lo), v);
                let le = _mm256_cmpeq_epi8(_mm256_min_epu8(v, hi), v);
                !(_mm256_movemask_epi8(_mm256_and_si256(ge, le)) as u32)
            };
            if bad != 0 {
                return i + bad.trailing_zeros() as usize;
            }
            i += 32;
        }
        crate::scan::target_end_swar(b, i)
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
