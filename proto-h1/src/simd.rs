//! The crate's only `unsafe` code: SSE2, SSE4.2 and AVX2 scan kernels and the ASCII-to-`&str`
//! view of bytes already validated as ASCII.
//!
//! Kernels only: this module imports nothing from the rest of the crate. `scan.rs` detects the
//! CPU, picks a kernel and finishes the bytes a kernel leaves (fewer than one vector) with its
//! portable scans; the tests run every path against a byte-by-byte reference.

/// Views bytes that the parser has validated as ASCII as a `&str`.
#[inline(always)]
pub(crate) fn ascii_str(bytes: &[u8]) -> &str {
    debug_assert!(bytes.is_ascii());
    // SAFETY: every caller passes bytes it has checked to lie in 0x21..=0x7E (tokens,
    // request-targets) or 0x20..=0x7E, which are ASCII and therefore valid UTF-8.
    unsafe { core::str::from_utf8_unchecked(bytes) }
}

/// Views `bytes` as a `&str` when they are ASCII, checked here (a word at a time: cheaper
/// than `str::from_utf8` on short field names); `None` otherwise.
#[inline]
pub(crate) fn checked_ascii_str(bytes: &[u8]) -> Option<&str> {
    if bytes.is_ascii() {
        // SAFETY: ASCII bytes (checked just above) are valid UTF-8.
        Some(unsafe { core::str::from_utf8_unchecked(bytes) })
    } else {
        None
    }
}

/// Where a kernel stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stop {
    /// At the first byte outside the class (or at `b.len()` when a kernel has seen every byte).
    At(usize),
    /// Fewer bytes than one vector are left from here: the caller scans them.
    Resume(usize),
}

/// The vector level of this CPU, as proof tokens: a [`Sse42`] or [`Avx2`] exists only where
/// run-time detection found the feature, so their kernel methods are safe to call.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Level {
    /// No vector kernel: the portable scans.
    Swar,
    /// SSE4.2 kernels.
    #[cfg(target_arch = "x86_64")]
    Sse42(Sse42),
    /// AVX2 kernels.
    #[cfg(target_arch = "x86_64")]
    Avx2(Avx2),
}

#[cfg(target_arch = "x86_64")]
mod level {
    use core::sync::atomic::{AtomicU8, Ordering};

    const UNKNOWN: u8 = 0;
    const SWAR: u8 = 1;
    const SSE42: u8 = 2;
    const AVX2: u8 = 3;
    /// The detected level, cached: written only after `is_x86_feature_detected!` confirmed it.
    static LEVEL: AtomicU8 = AtomicU8::new(UNKNOWN);

    /// The best level of this CPU: one relaxed load once detection has run.
    #[inline(always)]
    pub(crate) fn level() -> super::Level {
        match LEVEL.load(Ordering::Relaxed) {
            AVX2 => super::Level::Avx2(super::Avx2(())),
            SSE42 => super::Level::Sse42(super::Sse42(())),
            SWAR => super::Level::Swar,
            _ => detect(),
        }
    }

    #[cold]
    fn detect() -> super::Level {
        let (l, level) = if let Some(t) = super::Avx2::detect() {
            (AVX2, super::Level::Avx2(t))
        } else if let Some(t) = super::Sse42::detect() {
            (SSE42, super::Level::Sse42(t))
        } else {
            (SWAR, super::Level::Swar)
        };
        LEVEL.store(l, Ordering::Relaxed);
        level
    }
}

#[cfg(target_arch = "x86_64")]
pub(crate) use level::level;

/// The best level of this CPU (no vector kernels off x86_64).
#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
pub(crate) fn level() -> Level {
    Level::Swar
}

/// One 16-byte step with SSE2, which every x86_64 CPU has: no detection, no call (it inlines
/// into the parse, where the AVX2 and SSE4.2 kernels cannot), so a short field costs a few
/// instructions. Each function returns the stop bits of `w`: bit `k` set when byte `k` is
/// outside the class.
#[cfg(target_arch = "x86_64")]
pub(crate) mod sse2 {
    use core::arch::x86_64::*;

    #[inline(always)]
    fn load(w: &[u8; 16]) -> __m128i {
        // SAFETY: `w` is 16 readable bytes; loadu has no alignment requirement; SSE2 is part
        // of the x86_64 baseline.
        unsafe { _mm_loadu_si128(w.as_ptr().cast()) }
    }

    /// Bytes that may not appear in a header value or reason phrase: controls but HTAB, and
    /// DEL (obs-text, 0x80 and up, is allowed).
    #[inline(always)]
    pub(crate) fn value_stops(w: &[u8; 16]) -> u32 {
        let v = load(w);
        // SAFETY: SSE2 is part of the x86_64 baseline (every x86_64 CPU has it).
        unsafe {
            let ctl = _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1f)), v);
            let tab = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\t' as i8));
            let del = _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7f));
            _mm_movemask_epi8(_mm_or_si128(_mm_andnot_si128(tab, ctl), del)) as u32
        }
    }

    /// [`value_stops`] and more: HTAB and obs-text (0x80 and up) stop too, which the caller
    /// looks at and goes past. Two vector steps from the load to the mask (signed: obs-text
    /// is negative, so below 0x20), where the exact set takes four; header values rarely
    /// hold either byte.
    #[inline(always)]
    pub(crate) fn value_stops_loose(w: &[u8; 16]) -> u32 {
        let v = load(w);
        // SAFETY: SSE2 is part of the x86_64 baseline (every x86_64 CPU has it).
        unsafe {
            _mm_movemask_epi8(_mm_or_si128(
                _mm_cmplt_epi8(v, _mm_set1_epi8(0x20)),
                _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7f)),
            )) as u32
        }
    }

    /// Bytes that may not appear in a request-target: all but visible ASCII (0x21 to 0x7E).
    /// Signed compares: bytes from 0x80 up are negative, so not above 0x20.
    #[inline(always)]
    pub(crate) fn target_stops(w: &[u8; 16]) -> u32 {
        let v = load(w);
        // SAFETY: SSE2 is part of the x86_64 baseline (every x86_64 CPU has it).
        let ok = unsafe {
            _mm_movemask_epi8(_mm_and_si128(
                _mm_cmpgt_epi8(v, _mm_set1_epi8(0x20)),
                _mm_cmplt_epi8(v, _mm_set1_epi8(0x7f)),
            ))
        };
        !(ok as u32) & 0xffff
    }
}

/// Proof that this CPU has SSE4.2 (and so SSSE3): made only by [`Sse42::detect`] or the cached
/// [`level`].
#[cfg(target_arch = "x86_64")]
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sse42(());

#[cfg(target_arch = "x86_64")]
impl Sse42 {
    /// The token when this CPU has SSE4.2.
    pub(crate) fn detect() -> Option<Self> {
        std::is_x86_feature_detected!("sse4.2").then_some(Sse42(()))
    }

    /// [`x86::end_sse42`] over header-value bytes.
    #[inline(always)]
    pub(crate) fn value_end(self, b: &[u8], i: usize) -> Stop {
        // SAFETY: a `Sse42` exists only where detection found SSE4.2.
        unsafe { x86::end_sse42::<x86::ValueBytes>(b, i) }
    }

    /// [`x86::end_sse42`] over request-target bytes.
    #[inline(always)]
    pub(crate) fn target_end(self, b: &[u8], i: usize) -> Stop {
        // SAFETY: a `Sse42` exists only where detection found SSE4.2.
        unsafe { x86::end_sse42::<x86::TargetBytes>(b, i) }
    }

    /// [`x86::nibble_end_sse42`].
    #[inline(always)]
    pub(crate) fn nibble_end(self, b: &[u8], i: usize, lo: &[u8; 16], hi: &[u8; 16]) -> Stop {
        // SAFETY: a `Sse42` exists only where detection found SSE4.2 (which implies SSSE3).
        unsafe { x86::nibble_end_sse42(b, i, lo, hi) }
    }
}

/// Proof that this CPU has AVX2: made only by [`Avx2::detect`] or the cached [`level`].
#[cfg(target_arch = "x86_64")]
#[derive(Debug, Clone, Copy)]
pub(crate) struct Avx2(());

#[cfg(target_arch = "x86_64")]
impl Avx2 {
    /// The token when this CPU has AVX2.
    pub(crate) fn detect() -> Option<Self> {
        std::is_x86_feature_detected!("avx2").then_some(Avx2(()))
    }

    /// [`x86::end_avx2`] over header-value bytes.
    #[inline(always)]
    pub(crate) fn value_end(self, b: &[u8], i: usize) -> Stop {
        // SAFETY: an `Avx2` exists only where detection found AVX2.
        unsafe { x86::end_avx2::<x86::ValueBytes>(b, i) }
    }

    /// [`x86::end_avx2`] over request-target bytes.
    #[inline(always)]
    pub(crate) fn target_end(self, b: &[u8], i: usize) -> Stop {
        // SAFETY: an `Avx2` exists only where detection found AVX2.
        unsafe { x86::end_avx2::<x86::TargetBytes>(b, i) }
    }

    /// [`x86::value_end_loose_avx2`].
    #[inline(always)]
    pub(crate) fn value_end_loose(self, b: &[u8], i: usize) -> Stop {
        // SAFETY: an `Avx2` exists only where detection found AVX2.
        unsafe { x86::value_end_loose_avx2(b, i) }
    }

    /// [`x86::nibble_end_avx2`].
    #[inline(always)]
    pub(crate) fn nibble_end(self, b: &[u8], i: usize, lo: &[u8; 16], hi: &[u8; 16]) -> Stop {
        // SAFETY: an `Avx2` exists only where detection found AVX2.
        unsafe { x86::nibble_end_avx2(b, i, lo, hi) }
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::Stop;
    use core::arch::x86_64::*;

    /// A set of bytes given as inclusive ranges, scanned by [`end_sse42`] and [`end_avx2`].
    pub(crate) trait ByteRanges {
        /// One to eight inclusive ranges `[lo, hi]`.
        const RANGES: &'static [[u8; 2]];
    }

    /// Header values and reason phrases: HTAB, SP, VCHAR and obs-text (RFC 9110 section 5.5).
    pub(crate) struct ValueBytes;

    impl ByteRanges for ValueBytes {
        const RANGES: &'static [[u8; 2]] = &[[0x09, 0x09], [0x20, 0x7e], [0x80, 0xff]];
    }

    /// Request-targets: visible ASCII.
    pub(crate) struct TargetBytes;

    impl ByteRanges for TargetBytes {
        const RANGES: &'static [[u8; 2]] = &[[0x21, 0x7e]];
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

    /// The first byte at or after `i` outside `C::RANGES` in whole 16-byte blocks
    /// ([`Stop::At`]), or where fewer than 16 bytes are left ([`Stop::Resume`]): the caller
    /// finishes those with a portable scan. `pcmpestri` in range mode, negated.
    ///
    /// # Safety
    /// The CPU must support SSE4.2.
    #[inline]
    #[target_feature(enable = "sse4.2")]
    pub(crate) unsafe fn end_sse42<C: ByteRanges>(b: &[u8], mut i: usize) -> Stop {
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
                return Stop::At(i + idx as usize);
            }
            i += 16;
        }
        Stop::Resume(i)
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
    /// shifted out), so a short value costs one vector step, not a SWAR loop; only a buffer
    /// shorter than 32 bytes is left to the caller ([`Stop::Resume`]).
    ///
    /// # Safety
    /// The CPU must support AVX2.
    #[inline]
    #[target_feature(enable = "avx2")]
    pub(crate) unsafe fn end_avx2<C: ByteRanges>(b: &[u8], mut i: usize) -> Stop {
        while i + 32 <= b.len() {
            let chunk = &b[i..i + 32];
            // SAFETY: `chunk` is exactly 32 readable bytes; AVX2 is enabled on this function.
            let v = unsafe { _mm256_loadu_si256(chunk.as_ptr().cast()) };
            let bad = !in_ranges_avx2::<C>(v);
            if bad != 0 {
                return Stop::At(i + bad.trailing_zeros() as usize);
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
            return Stop::At(if bad != 0 {
                i + bad.trailing_zeros() as usize
            } else {
                b.len()
            });
        }
        Stop::Resume(i)
    }

    /// Bit `k` set when byte `k` of `v` is below 0x20 or 0x80 and up (signed: below 0x20) or
    /// DEL: the header-value stops with HTAB and obs-text added.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn value_stops_loose_avx2(v: __m256i) -> __m256i {
        _mm256_or_si256(
            _mm256_cmpgt_epi8(_mm256_set1_epi8(0x20), v),
            _mm256_cmpeq_epi8(v, _mm256_set1_epi8(0x7f)),
        )
    }

    /// The first byte at or after `i` that is below 0x20, DEL, or 0x80 and up (a superset of
    /// the stops of a header value: HTAB and obs-text are value bytes, which the caller goes
    /// past), 64 bytes per step (one mask test for both halves), then as [`end_avx2`]: one
    /// 32-byte step, the buffer's last 32 bytes for the rest, [`Stop::Resume`] only for a
    /// buffer shorter than 32 bytes.
    ///
    /// # Safety
    /// The CPU must support AVX2.
    #[inline]
    #[target_feature(enable = "avx2")]
    pub(crate) unsafe fn value_end_loose_avx2(b: &[u8], mut i: usize) -> Stop {
        while let Some(chunk) = b.get(i..).and_then(<[u8]>::first_chunk::<64>) {
            // SAFETY: `chunk` is 64 readable bytes; AVX2 is enabled on this function.
            let (lo, hi) = unsafe {
                (
                    _mm256_loadu_si256(chunk.as_ptr().cast()),
                    _mm256_loadu_si256(chunk.as_ptr().add(32).cast()),
                )
            };
            let (lo, hi) = (value_stops_loose_avx2(lo), value_stops_loose_avx2(hi));
            if _mm256_testz_si256(_mm256_or_si256(lo, hi), _mm256_set1_epi8(-1)) == 0 {
                let m = u64::from(_mm256_movemask_epi8(lo) as u32)
                    | u64::from(_mm256_movemask_epi8(hi) as u32) << 32;
                return Stop::At(i + m.trailing_zeros() as usize);
            }
            i += 64;
        }
        if let Some(chunk) = b.get(i..).and_then(<[u8]>::first_chunk::<32>) {
            // SAFETY: `chunk` is 32 readable bytes; AVX2 is enabled on this function.
            let v = unsafe { _mm256_loadu_si256(chunk.as_ptr().cast()) };
            let m = _mm256_movemask_epi8(value_stops_loose_avx2(v)) as u32;
            if m != 0 {
                return Stop::At(i + m.trailing_zeros() as usize);
            }
            i += 32;
        }
        if i < b.len() {
            if let Some(chunk) = b.last_chunk::<32>() {
                // SAFETY: `chunk` is 32 readable bytes; AVX2 is enabled on this function.
                let v = unsafe { _mm256_loadu_si256(chunk.as_ptr().cast()) };
                // `i` is within the last 32 bytes here: the shift is 1 to 31.
                let m =
                    _mm256_movemask_epi8(value_stops_loose_avx2(v)) as u32 >> (i - (b.len() - 32));
                return Stop::At(if m != 0 {
                    i + m.trailing_zeros() as usize
                } else {
                    b.len()
                });
            }
            return Stop::Resume(i);
        }
        Stop::At(b.len())
    }

    /// The first byte at or after `i` outside a class given by nibble tables, 16 bytes at a
    /// time, as [`end_sse42`]: byte `hi << 4 | lo` is in the class when
    /// `lo_tab[lo] & hi_tab[hi]` is non-zero (two `pshufb` look-ups; `hi_tab[8..]` must be 0,
    /// since `pshufb` reads a set high bit as zero).
    ///
    /// # Safety
    /// The CPU must support SSE4.2 (and so SSSE3).
    #[inline]
    #[target_feature(enable = "sse4.2")]
    pub(crate) unsafe fn nibble_end_sse42(
        b: &[u8],
        mut i: usize,
        lo_tab: &[u8; 16],
        hi_tab: &[u8; 16],
    ) -> Stop {
        // SAFETY: both tables are 16 bytes; loadu has no alignment requirement.
        let (lo_lut, hi_lut) = unsafe {
            (
                _mm_loadu_si128(lo_tab.as_ptr().cast()),
                _mm_loadu_si128(hi_tab.as_ptr().cast()),
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
                return Stop::At(i + bad.trailing_zeros() as usize);
            }
            i += 16;
        }
        Stop::Resume(i)
    }

    /// [`nibble_end_sse42`] 32 bytes at a time with AVX2.
    ///
    /// # Safety
    /// The CPU must support AVX2.
    #[inline]
    #[target_feature(enable = "avx2")]
    pub(crate) unsafe fn nibble_end_avx2(
        b: &[u8],
        mut i: usize,
        lo_tab: &[u8; 16],
        hi_tab: &[u8; 16],
    ) -> Stop {
        // SAFETY: both tables are 16 bytes; loadu has no alignment requirement.
        let (lo_lut, hi_lut) = unsafe {
            (
                _mm256_broadcastsi128_si256(_mm_loadu_si128(lo_tab.as_ptr().cast())),
                _mm256_broadcastsi128_si256(_mm_loadu_si128(hi_tab.as_ptr().cast())),
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
                return Stop::At(i + bad.trailing_zeros() as usize);
            }
            i += 32;
        }
        Stop::Resume(i)
    }
}
