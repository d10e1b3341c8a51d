//! Word-at-a-time scanning: an 8-byte SWAR path that every platform runs, and SSE4.2 / AVX2
//! paths on x86_64 picked at run time. The vector kernels (the unsafe part) live in `simd.rs`,
//! which imports nothing from here: this module detects the CPU, dispatches to a kernel and
//! finishes the bytes a kernel leaves with the portable scans.
//!
//! The SWAR masks below are exact at their lowest set byte: a borrow can only travel upwards
//! from a byte that really matches, so `trailing_zeros` finds the first match even though
//! higher bytes of the mask may be false positives.

/// A scanning implementation, for tests and benches that force one path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Impl {
    /// One byte at a time (the reference).
    Bytes,
    /// 8 bytes at a time in a `u64`.
    Swar,
    /// 16 bytes at a time with `pcmpestri` (x86_64 with SSE4.2).
    Sse42,
    /// 32 bytes at a time (x86_64 with AVX2).
    Avx2,
}

impl Impl {
    /// The implementations this CPU can run, slowest first.
    pub fn available() -> impl Iterator<Item = Impl> {
        [Impl::Bytes, Impl::Swar, Impl::Sse42, Impl::Avx2]
            .into_iter()
            .filter(|i| i.is_supported())
    }

    /// Whether this CPU can run the implementation.
    pub fn is_supported(self) -> bool {
        match self {
            Impl::Bytes | Impl::Swar => true,
            #[cfg(target_arch = "x86_64")]
            Impl::Sse42 => std::is_x86_feature_detected!("sse4.2"),
            #[cfg(target_arch = "x86_64")]
            Impl::Avx2 => std::is_x86_feature_detected!("avx2"),
            #[allow(unreachable_patterns)]
            _ => false,
        }
    }

    /// The implementation the parser uses on this CPU (detected once, then cached).
    pub fn detected() -> Impl {
        match simd::level() {
            #[cfg(target_arch = "x86_64")]
            Level::Avx2(_) => Impl::Avx2,
            #[cfg(target_arch = "x86_64")]
            Level::Sse42(_) => Impl::Sse42,
            Level::Swar => Impl::Swar,
        }
    }
}

use crate::simd::{self, Level, Stop};

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// High bit set in each byte lane where the byte is below `n` (`n <= 0x80`); exact at the
/// lowest set lane.
#[inline(always)]
const fn lt(x: u64, n: u8) -> u64 {
    x.wrapping_sub(ONES * n as u64) & !x & HIGH
}

/// High bit set in each byte lane equal to `n`; exact at the lowest set lane.
#[inline(always)]
const fn eq(x: u64, n: u8) -> u64 {
    let y = x ^ (ONES * n as u64);
    y.wrapping_sub(ONES) & !y & HIGH
}

#[inline(always)]
fn word(b: &[u8], i: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[i..i + 8]);
    u64::from_le_bytes(w)
}

/// Is `c` allowed inside a header value or reason phrase (HTAB, SP, VCHAR, obs-text)?
#[inline(always)]
pub(crate) const fn is_value_byte(c: u8) -> bool {
    c == b'\t' || (c >= 0x20 && c != 0x7f)
}

/// Is `c` allowed inside a request-target (visible ASCII)?
#[inline(always)]
pub(crate) const fn is_target_byte(c: u8) -> bool {
    c >= 0x21 && c <= 0x7e
}

/// Header value end, 8 bytes at a time; HTAB is allowed, so a lane that stops on it resumes
/// just after it.
#[inline(always)]
pub(crate) fn value_end_swar(b: &[u8], mut i: usize) -> usize {
    while i + 8 <= b.len() {
        let x = word(b, i);
        let m = lt(x, 0x20) | eq(x, 0x7f);
        if m != 0 {
            let j = i + (m.trailing_zeros() / 8) as usize;
            if b[j] != b'\t' {
                return j;
            }
            i = j + 1;
        } else {
            i += 8;
        }
    }
    value_end_bytes(b, i)
}

/// Whether every byte of `v` may stand in a header value or reason phrase: 8 bytes at a time
/// (the last word overlapping the one before), the bytes one by one when a word flags one
/// (HTAB, which is allowed, or a byte that is not) or `v` is shorter than a word. For the
/// values a server writes, which are mostly short and clean.
#[inline]
pub(crate) fn is_value(v: &[u8]) -> bool {
    let n = v.len();
    if n < 8 {
        return v.iter().all(|&c| is_value_byte(c));
    }
    let stops = |x: u64| lt(x, 0x20) | eq(x, 0x7f);
    let mut i = 0;
    let mut m = 0;
    while i + 8 < n {
        m |= stops(word(v, i));
        i += 8;
    }
    m |= stops(word(v, n - 8));
    // A flagged lane means a real stop at or below it (the masks are exact at their lowest
    // set lane): HTAB or a bad byte, which the byte check tells apart.
    m == 0 || v.iter().all(|&c| is_value_byte(c))
}

/// Request-target end, 8 bytes at a time.
#[inline(always)]
pub(crate) fn target_end_swar(b: &[u8], mut i: usize) -> usize {
    while i + 8 <= b.len() {
        let x = word(b, i);
        let m = lt(x, 0x21) | (x & HIGH) | eq(x, 0x7f);
        if m != 0 {
            return i + (m.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    target_end_bytes(b, i)
}

pub(crate) fn value_end_bytes(b: &[u8], i: usize) -> usize {
    b[i..]
        .iter()
        .position(|&c| !is_value_byte(c))
        .map_or(b.len(), |p| i + p)
}

pub(crate) fn target_end_bytes(b: &[u8], i: usize) -> usize {
    b[i..]
        .iter()
        .position(|&c| !is_target_byte(c))
        .map_or(b.len(), |p| i + p)
}

/// A scanning strategy, chosen once per head and inlined into the parse loop.
pub(crate) trait Scan: Copy {
    /// Index of the first byte at or after `i` that may not appear in a header value.
    fn value_end(self, b: &[u8], i: usize) -> usize;
    /// [`Scan::value_end`] that may also stop early on HTAB or obs-text (0x80 and up),
    /// which are value bytes: the caller goes past those with [`Scan::value_end`].
    fn value_end_loose(self, b: &[u8], i: usize) -> usize {
        self.value_end(b, i)
    }
    /// [`Scan::value_end_loose`] where the scanner ends the value in its inline steps (no
    /// call), else `Err(j)`: no stop from `i` to `j`, the scan goes on from `j` (see
    /// `head::parse_fields`).
    #[inline(always)]
    fn value_end_inline(self, b: &[u8], i: usize) -> Result<usize, usize> {
        Ok(self.value_end_loose(b, i))
    }
    /// [`Scan::value_end_loose`] where [`Scan::value_end_inline`] left off (`Err(i)`): the
    /// value is longer than the inline steps, so the scan goes to the CPU's kernel at once.
    #[inline(always)]
    fn value_end_long(self, b: &[u8], i: usize) -> usize {
        self.value_end_loose(b, i)
    }
    /// Index of the first byte at or after `i` that may not appear in a request-target.
    fn target_end(self, b: &[u8], i: usize) -> usize;
    /// Index of the first non-`tchar` byte at or after `i`.
    fn token_end(self, b: &[u8], i: usize) -> usize;
}

/// Work that runs with whichever [`Scan`] the CPU allows (see `simd::dispatch`), or with a
/// forced one (`simd::dispatch_forced`).
pub(crate) trait WithScan {
    type Out;
    fn run<Z: Scan>(self, z: Z) -> Self::Out;
}

pub(crate) fn token_end_bytes(b: &[u8], i: usize) -> usize {
    b[i..]
        .iter()
        .position(|&c| !TOKEN[c as usize])
        .map_or(b.len(), |p| i + p)
}

/// Runs `job` with the production scanner. The scanner carries nothing: the CPU's level (the
/// cached detection, one relaxed load and a predictable branch) is read where a kernel is
/// called, which on a short head is never (the inline SSE2 steps end its fields). Carried in
/// the scanner, it was read on every head and held a register through the field loop, where
/// registers are short. Measured faster under LTO than compiling the whole parse once per
/// feature level inside a `#[target_feature]` function.
#[inline(always)]
pub(crate) fn dispatch<W: WithScan>(job: W) -> W::Out {
    job.run(Dyn)
}

/// The production scanner (see [`dispatch`]).
#[derive(Clone, Copy)]
pub(crate) struct Dyn;

/// Finishes a kernel's scan: a found stop as is, the short rest with `tail`.
#[inline(always)]
fn finish(stop: Stop, b: &[u8], tail: fn(&[u8], usize) -> usize) -> usize {
    match stop {
        Stop::At(j) => j,
        Stop::Resume(j) => tail(b, j),
    }
}

impl Dyn {
    /// The CPU's kernel for header values from `i` on.
    #[inline(always)]
    fn value_end_kernel(self, b: &[u8], i: usize) -> usize {
        match simd::level() {
            #[cfg(target_arch = "x86_64")]
            Level::Avx2(t) => finish(t.value_end(b, i), b, value_end_swar_outlined),
            #[cfg(target_arch = "x86_64")]
            Level::Sse42(t) => finish(t.value_end(b, i), b, value_end_swar_outlined),
            Level::Swar => value_end_swar_outlined(b, i),
        }
    }

    /// The CPU's kernel for header values from `i` on, loose (see [`Scan::value_end_loose`])
    /// where the kernel has a loose form.
    #[inline(always)]
    fn value_end_loose_kernel(self, b: &[u8], i: usize) -> usize {
        match simd::level() {
            #[cfg(target_arch = "x86_64")]
            Level::Avx2(t) => finish(t.value_end_loose(b, i), b, value_end_swar_outlined),
            _ => self.value_end_kernel(b, i),
        }
    }

    /// The CPU's kernel for request-targets from `i` on.
    #[inline(always)]
    fn target_end_kernel(self, b: &[u8], i: usize) -> usize {
        match simd::level() {
            #[cfg(target_arch = "x86_64")]
            Level::Avx2(t) => finish(t.target_end(b, i), b, target_end_swar_outlined),
            #[cfg(target_arch = "x86_64")]
            Level::Sse42(t) => finish(t.target_end(b, i), b, target_end_swar_outlined),
            Level::Swar => target_end_swar_outlined(b, i),
        }
    }
}

/// The first stop at or after `i` (`stops` gives a 16-byte block's stop bits, see
/// [`simd::sse2`]), or `b.len()`: two 16-byte steps inline, which end most fields and
/// targets, then `kernel` from where they left off. Fewer than 16 bytes from `i` are read as
/// the buffer's last 16 bytes with the bits before `i` shifted out; a buffer shorter than 16
/// bytes goes to `small`.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn short_first(
    b: &[u8],
    i: usize,
    stops: fn(&[u8; 16]) -> u32,
    z: Dyn,
    kernel: fn(Dyn, &[u8], usize) -> usize,
    small: fn(&[u8], usize) -> usize,
) -> usize {
    let mut j = i;
    for _ in 0..2 {
        let Some(w) = b.get(j..).and_then(<[u8]>::first_chunk::<16>) else {
            return short_tail(b, j, stops, small);
        };
        let m = stops(w);
        if m != 0 {
            return j + m.trailing_zeros() as usize;
        }
        j += 16;
    }
    kernel(z, b, j)
}

/// [`short_first`] where fewer than 16 bytes are left from `i`.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn short_tail(
    b: &[u8],
    i: usize,
    stops: fn(&[u8; 16]) -> u32,
    small: fn(&[u8], usize) -> usize,
) -> usize {
    if i >= b.len() {
        return b.len();
    }
    match b.last_chunk::<16>() {
        Some(w) => {
            // `i` is within the last 16 bytes here: the shift is 1 to 15.
            let m = stops(w) >> (i - (b.len() - 16));
            if m != 0 {
                i + m.trailing_zeros() as usize
            } else {
                b.len()
            }
        }
        None => small(b, i),
    }
}

impl Dyn {
    /// [`Scan::value_end`] with the exact stops from the first step on: where the loose
    /// first steps stopped on HTAB or obs-text.
    #[cfg(target_arch = "x86_64")]
    #[inline(never)]
    fn value_end_exact(self, b: &[u8], i: usize) -> usize {
        short_first(
            b,
            i,
            simd::sse2::value_stops,
            self,
            Dyn::value_end_kernel,
            value_end_swar_outlined,
        )
    }
}

impl Scan for Dyn {
    #[inline(always)]
    fn value_end(self, b: &[u8], i: usize) -> usize {
        #[cfg(target_arch = "x86_64")]
        {
            // A byte that may be in a value after all, HTAB or obs-text, sends the rest to
            // the exact scan.
            let j = self.value_end_loose(b, i);
            match b.get(j) {
                Some(&c) if c == b'\t' || c >= 0x80 => self.value_end_exact(b, j + 1),
                _ => j,
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        self.value_end_kernel(b, i)
    }
    #[inline(always)]
    fn value_end_loose(self, b: &[u8], i: usize) -> usize {
        // The inline steps stop on a superset of the stops (a shorter path from the load to
        // the index, which the next line's scan waits for).
        #[cfg(target_arch = "x86_64")]
        return short_first(
            b,
            i,
            simd::sse2::value_stops_loose,
            self,
            Dyn::value_end_loose_kernel,
            value_end_swar_outlined,
        );
        #[cfg(not(target_arch = "x86_64"))]
        self.value_end_kernel(b, i)
    }
    /// The two inline SSE2 steps of [`short_first`] without the kernel after them. Where the
    /// second step has fewer than 16 bytes, it reads the buffer's last 16 as they are: the
    /// bytes of those before its start were in the first step's block, which held no stop,
    /// so no bits need shifting out (the first step's short read still shifts).
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    fn value_end_inline(self, b: &[u8], i: usize) -> Result<usize, usize> {
        let stops = simd::sse2::value_stops_loose;
        let Some(w) = b.get(i..).and_then(<[u8]>::first_chunk::<16>) else {
            if i >= b.len() {
                return Ok(b.len());
            }
            let Some(w) = b.last_chunk::<16>() else {
                return Err(i);
            };
            // `i` is within the last 16 bytes here: the shift is 1 to 15.
            let m = stops(w) >> (i - (b.len() - 16));
            return Ok(if m != 0 {
                i + m.trailing_zeros() as usize
            } else {
                b.len()
            });
        };
        let m = stops(w);
        if m != 0 {
            return Ok(i + m.trailing_zeros() as usize);
        }
        let j = i + 16;
        let Some(w) = b.get(j..).and_then(<[u8]>::first_chunk::<16>) else {
            // `b[j - 16..j]` was the block above, and `b.len() - 16` lies in it (or at `j`).
            let Some(w) = b.last_chunk::<16>() else {
                return Err(j);
            };
            let m = stops(w);
            return Ok(if m != 0 {
                b.len() - 16 + m.trailing_zeros() as usize
            } else {
                b.len()
            });
        };
        let m = stops(w);
        if m != 0 {
            return Ok(j + m.trailing_zeros() as usize);
        }
        Err(j + 16)
    }
    /// The kernel without the two SSE2 steps of [`Scan::value_end_loose`] before it: after
    /// the inline steps, which saw 32 bytes without a stop, two more 16-byte steps cost
    /// about as much as the kernel's first 32 or 64 bytes.
    #[inline(always)]
    fn value_end_long(self, b: &[u8], i: usize) -> usize {
        self.value_end_loose_kernel(b, i)
    }
    #[inline(always)]
    fn target_end(self, b: &[u8], i: usize) -> usize {
        #[cfg(target_arch = "x86_64")]
        return short_first(
            b,
            i,
            simd::sse2::target_stops,
            self,
            Dyn::target_end_kernel,
            target_end_swar_outlined,
        );
        #[cfg(not(target_arch = "x86_64"))]
        self.target_end_kernel(b, i)
    }
    #[inline(always)]
    fn token_end(self, b: &[u8], i: usize) -> usize {
        token_end(b, i)
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
        value_end_with(self.0, b, i)
    }
    #[inline]
    fn target_end(self, b: &[u8], i: usize) -> usize {
        target_end_with(self.0, b, i)
    }
    #[inline]
    fn token_end(self, b: &[u8], i: usize) -> usize {
        token_end_with(self.0, b, i)
    }
}

/// Index of the first byte at or after `i` that may not appear in a header value, or
/// `b.len()`, with the CPU's best kernel.
#[cfg(test)]
pub(crate) fn value_end(b: &[u8], i: usize) -> usize {
    Dyn.value_end(b, i)
}

/// Index of the first byte at or after `i` that may not appear in a request-target, or
/// `b.len()`, with the CPU's best kernel.
#[cfg(test)]
pub(crate) fn target_end(b: &[u8], i: usize) -> usize {
    Dyn.target_end(b, i)
}

/// The SWAR scans out of line, so that the dispatchers above stay small where they inline.
#[inline(never)]
fn value_end_swar_outlined(b: &[u8], i: usize) -> usize {
    value_end_swar(b, i)
}

#[inline(never)]
fn target_end_swar_outlined(b: &[u8], i: usize) -> usize {
    target_end_swar(b, i)
}

/// Header value end with a forced implementation (tests and benches). An implementation the
/// CPU lacks falls back to SWAR.
pub fn value_end_with(imp: Impl, b: &[u8], i: usize) -> usize {
    match imp {
        #[cfg(target_arch = "x86_64")]
        Impl::Avx2 => match simd::Avx2::detect() {
            Some(t) => finish(t.value_end(b, i), b, value_end_swar),
            None => value_end_swar(b, i),
        },
        #[cfg(target_arch = "x86_64")]
        Impl::Sse42 => match simd::Sse42::detect() {
            Some(t) => finish(t.value_end(b, i), b, value_end_swar),
            None => value_end_swar(b, i),
        },
        Impl::Bytes => value_end_bytes(b, i),
        _ => value_end_swar(b, i),
    }
}

/// Request-target end with a forced implementation (tests and benches). An implementation
/// the CPU lacks falls back to SWAR.
pub fn target_end_with(imp: Impl, b: &[u8], i: usize) -> usize {
    match imp {
        #[cfg(target_arch = "x86_64")]
        Impl::Avx2 => match simd::Avx2::detect() {
            Some(t) => finish(t.target_end(b, i), b, target_end_swar),
            None => target_end_swar(b, i),
        },
        #[cfg(target_arch = "x86_64")]
        Impl::Sse42 => match simd::Sse42::detect() {
            Some(t) => finish(t.target_end(b, i), b, target_end_swar),
            None => target_end_swar(b, i),
        },
        Impl::Bytes => target_end_bytes(b, i),
        _ => target_end_swar(b, i),
    }
}

/// Token end with a forced implementation (tests and benches). An implementation the CPU
/// lacks runs the table scan the parser uses.
pub fn token_end_with(imp: Impl, b: &[u8], i: usize) -> usize {
    match imp {
        #[cfg(target_arch = "x86_64")]
        Impl::Avx2 => match simd::Avx2::detect() {
            Some(t) => finish(t.nibble_end(b, i, &TOKEN_LO, &TOKEN_HI), b, token_end),
            None => token_end(b, i),
        },
        #[cfg(target_arch = "x86_64")]
        Impl::Sse42 => match simd::Sse42::detect() {
            Some(t) => finish(t.nibble_end(b, i, &TOKEN_LO, &TOKEN_HI), b, token_end),
            None => token_end(b, i),
        },
        Impl::Bytes => token_end_bytes(b, i),
        _ => token_end(b, i),
    }
}

/// For the vector token scan: bit `hi` of `TOKEN_LO[lo]` is set when byte `hi << 4 | lo` is a
/// `tchar` (only `hi < 8` occurs: tokens are ASCII).
pub(crate) static TOKEN_LO: [u8; 16] = {
    let mut t = [0u8; 16];
    let mut lo = 0;
    while lo < 16 {
        let mut hi = 0;
        while hi < 8 {
            if TOKEN[hi << 4 | lo] {
                t[lo] |= 1 << hi;
            }
            hi += 1;
        }
        lo += 1;
    }
    t
};

/// `TOKEN_HI[hi]` is `1 << hi` for ASCII high nibbles and 0 for 8..=15.
pub(crate) static TOKEN_HI: [u8; 16] = [1, 2, 4, 8, 16, 32, 64, 128, 0, 0, 0, 0, 0, 0, 0, 0];

/// `tchar` (RFC 9110 section 5.6.2): `!#$%&'*+-.^_`|~`, digits and letters.
pub(crate) static TOKEN: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0usize;
    while c < 256 {
        let b = c as u8;
        t[c] = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'!' | b'#'
                    | b'$'
                    | b'%'
                    | b'&'
                    | b'\''
                    | b'*'
                    | b'+'
                    | b'-'
                    | b'.'
                    | b'^'
                    | b'_'
                    | b'`'
                    | b'|'
                    | b'~'
            );
        c += 1;
    }
    t
};

/// Index of the first non-`tchar` byte at or after `i`, or `b.len()`. Four bytes per step:
/// names are short, so a table beats vector set-up here (and beat an 8-byte SWAR class test
/// in the `compare` report).
#[inline(always)]
pub(crate) fn token_end(b: &[u8], mut i: usize) -> usize {
    while i + 4 <= b.len() {
        let w = &b[i..i + 4];
        if !TOKEN[w[0] as usize] {
            return i;
        }
        if !TOKEN[w[1] as usize] {
            return i + 1;
        }
        if !TOKEN[w[2] as usize] {
            return i + 2;
        }
        if !TOKEN[w[3] as usize] {
            return i + 3;
        }
        i += 4;
    }
    while i < b.len() && TOKEN[b[i] as usize] {
        i += 1;
    }
    i
}

/// Whether the token `name` is `lower` in any case, where `lower` holds only lower-case
/// letters and `-` (a field name the connection looks for), 8 bytes at a time.
///
/// Setting bit 5 of a byte maps an upper-case letter to its lower case and leaves a
/// lower-case letter and `-` as they are. The only bytes it maps to a given lower-case
/// letter are that letter in either case, and the only other byte it maps to `-` is CR,
/// which a token never holds: on token bytes the comparison is exact.
#[inline(always)]
pub(crate) fn token_is(name: &[u8], lower: &[u8]) -> bool {
    debug_assert!(name.iter().all(|&c| TOKEN[c as usize]));
    same_but_case(name, lower)
}

/// Whether the field value `value` is `lower` in any case, where `lower` holds only
/// lower-case letters and `-`, never two `-` in a row nor one at the end (`keep-alive`,
/// `close`), compared as [`token_is`] compares. A value holds a CR only in a fold (CR LF
/// then whitespace, in a response when folds are allowed): a CR taken for a `-` is followed
/// by LF where `lower` has a letter, so the comparison is exact on values too.
#[inline(always)]
pub(crate) fn value_is(value: &[u8], lower: &[u8]) -> bool {
    debug_assert!(!lower.ends_with(b"-") && !lower.windows(2).any(|w| w == b"--"));
    same_but_case(value, lower)
}

/// [`token_is`] and [`value_is`]: `b` is `lower` with bit 5 of each byte set, 8 bytes at a
/// time.
#[inline(always)]
fn same_but_case(name: &[u8], lower: &[u8]) -> bool {
    debug_assert!(lower.iter().all(|&c| c.is_ascii_lowercase() || c == b'-'));
    let n = name.len();
    if n != lower.len() {
        return false;
    }
    if n >= 8 {
        let mut i = 0;
        while i + 8 < n {
            if word(name, i) | (ONES * 0x20) != word(lower, i) {
                return false;
            }
            i += 8;
        }
        // The last 8 bytes (overlapping the word before when `n` is not a multiple of 8).
        return word(name, n - 8) | (ONES * 0x20) == word(lower, n - 8);
    }
    if n >= 4 {
        let w = |b: &[u8], i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        return w(name, 0) | 0x2020_2020 == w(lower, 0)
            && w(name, n - 4) | 0x2020_2020 == w(lower, n - 4);
    }
    name.iter().zip(lower).all(|(&a, &b)| a | 0x20 == b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn interesting() -> impl Strategy<Value = Vec<u8>> {
        prop::collection::vec(
            prop_oneof![
                4 => 0x21u8..0x7f,
                1 => Just(b'\t'),
                1 => Just(b' '),
                1 => Just(0x7fu8),
                1 => Just(b'\r'),
                1 => Just(0u8),
                1 => 0x80u8..=0xff,
                1 => any::<u8>(),
            ],
            0..150,
        )
    }

    /// The names the connection looks for with [`token_is`].
    const LOOKED_FOR: [&[u8]; 5] = [
        b"host",
        b"expect",
        b"connection",
        b"content-length",
        b"transfer-encoding",
    ];

    /// `token_is` agrees with `eq_ignore_ascii_case` on every token made of one looked-for
    /// name with one byte changed to any token byte, in any case (every word and tail path
    /// of every length in use).
    #[test]
    fn token_is_matches_case_insensitive_comparison() {
        let tokens: Vec<u8> = (0..=255u8).filter(|&c| TOKEN[c as usize]).collect();
        for lower in LOOKED_FOR {
            for name in [lower.to_vec(), lower.to_ascii_uppercase()] {
                assert!(token_is(&name, lower));
                for at in 0..name.len() {
                    for &c in &tokens {
                        let mut n = name.clone();
                        n[at] = c;
                        for other in LOOKED_FOR {
                            assert_eq!(
                                token_is(&n, other),
                                n.eq_ignore_ascii_case(other),
                                "{:?} {:?}",
                                String::from_utf8_lossy(&n),
                                String::from_utf8_lossy(other)
                            );
                        }
                    }
                }
            }
        }
    }

    proptest! {
        #[test]
        fn is_value_agrees_with_the_byte_rule(v in interesting()) {
            prop_assert_eq!(is_value(&v), v.iter().all(|&c| is_value_byte(c)));
        }
    }

    /// `value_is` agrees with `eq_ignore_ascii_case` on the values `Connection` looks for
    /// with any one byte changed to any byte (a CR with the LF of a fold after it), in any
    /// case.
    #[test]
    fn value_is_matches_case_insensitive_comparison() {
        for lower in [&b"keep-alive"[..], b"close"] {
            for value in [lower.to_vec(), lower.to_ascii_uppercase()] {
                assert!(value_is(&value, lower));
                for at in 0..value.len() {
                    for c in 0..=255u8 {
                        let mut v = value.clone();
                        v[at] = c;
                        if c == b'\r' && at + 1 < v.len() {
                            v[at + 1] = b'\n';
                        }
                        assert_eq!(
                            value_is(&v, lower),
                            v.eq_ignore_ascii_case(lower),
                            "{:?}",
                            String::from_utf8_lossy(&v)
                        );
                    }
                }
            }
        }
    }

    proptest! {
        #[test]
        fn token_is_agrees_on_any_token(name in "[!#$%&'*+.^_`|~0-9A-Za-z-]{1,20}") {
            for lower in LOOKED_FOR {
                prop_assert_eq!(
                    token_is(name.as_bytes(), lower),
                    name.as_bytes().eq_ignore_ascii_case(lower)
                );
            }
        }
    }

    proptest! {
        #[test]
        fn every_path_matches_the_byte_reference(b in interesting(), start in 0usize..40) {
            let start = start.min(b.len());
            for imp in Impl::available() {
                prop_assert_eq!(value_end_with(imp, &b, start), value_end_bytes(&b, start), "value {:?}", imp);
                prop_assert_eq!(target_end_with(imp, &b, start), target_end_bytes(&b, start), "target {:?}", imp);
                prop_assert_eq!(token_end_with(imp, &b, start), token_end_bytes(&b, start), "token {:?}", imp);
            }
            prop_assert_eq!(value_end(&b, start), value_end_bytes(&b, start));
            prop_assert_eq!(target_end(&b, start), target_end_bytes(&b, start));
        }
    }

    #[test]
    fn each_stop_byte_at_each_position() {
        for pos in 0..70 {
            for stop in 0u8..=255 {
                let mut b = vec![b'a'; 80];
                b[pos] = stop;
                for imp in Impl::available() {
                    assert_eq!(
                        value_end_with(imp, &b, 0),
                        value_end_bytes(&b, 0),
                        "{imp:?} {stop}"
                    );
                    assert_eq!(
                        target_end_with(imp, &b, 0),
                        target_end_bytes(&b, 0),
                        "{imp:?} {stop}"
                    );
                }
            }
        }
    }

    /// Every start and every stop position in buffers of 0 to 99 bytes: covers the vector
    /// loops, the AVX2 kernel's overlapping last block and the SWAR tails.
    #[test]
    fn every_start_and_stop_position_in_short_buffers() {
        // Stops for values (0x00, DEL, CR), targets (also SP, HTAB, obs-text) and tokens
        // (also the separators next to the letter ranges); `_` is a rare `tchar`.
        let stops = [
            0u8, 0x7f, b'\r', b' ', b'\t', 0x80, 0xff, b':', b'_', b'@', b'[', b'{', b'/',
        ];
        for len in 0..100 {
            for start in 0..=len {
                for pos in start..=len {
                    let mut b = vec![b'a'; len];
                    if pos < len {
                        b[pos] = stops[(len + pos) % stops.len()];
                    }
                    for imp in Impl::available() {
                        assert_eq!(
                            value_end_with(imp, &b, start),
                            value_end_bytes(&b, start),
                            "value {imp:?} len {len} start {start} pos {pos}"
                        );
                        assert_eq!(
                            target_end_with(imp, &b, start),
                            target_end_bytes(&b, start),
                            "target {imp:?} len {len} start {start} pos {pos}"
                        );
                        assert_eq!(
                            token_end_with(imp, &b, start),
                            token_end_bytes(&b, start),
                            "token {imp:?} len {len} start {start} pos {pos}"
                        );
                    }
                    assert_eq!(value_end(&b, start), value_end_bytes(&b, start));
                    assert_eq!(target_end(&b, start), target_end_bytes(&b, start));
                }
            }
        }
    }

    #[test]
    fn token_scan_agrees_with_the_table_for_every_byte_at_every_lane() {
        for pos in 0..12 {
            for c in 0u8..=255 {
                for fill in [b'a', b'Z', b'7', b'-', b'~'] {
                    let mut b = vec![fill; 12];
                    b[pos] = c;
                    for start in [0, 1, pos] {
                        assert_eq!(
                            token_end(&b, start),
                            token_end_bytes(&b, start),
                            "byte {c:#x} at {pos} from {start} in {fill}"
                        );
                    }
                }
            }
        }
    }

    /// The parser's inline value steps against the loose byte reference, on every start and
    /// stop position in buffers of 0 to 79 bytes: a found stop is the first loose stop, and
    /// `Err(j)` leaves none before `j`. Covers the second step's read of the buffer's last 16
    /// bytes, which shifts nothing out (the first step's block held no stop).
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn inline_value_steps_stop_on_the_first_loose_stop() {
        let loose = |b: &[u8], i: usize| {
            b[i..]
                .iter()
                .position(|&c| !(0x20..0x7f).contains(&c))
                .map_or(b.len(), |p| i + p)
        };
        let stops = [0u8, 0x7f, b'\r', b'\t', 0x80, 0xff, b'\n', 0x1f];
        for len in 0..80 {
            for start in 0..=len {
                for pos in start..=len {
                    for fill in [b'a', b' '] {
                        let mut b = vec![fill; len];
                        if pos < len {
                            b[pos] = stops[(len + pos) % stops.len()];
                        }
                        // A stop before `start` must not count (the first step's shift).
                        if start > 0 {
                            b[start - 1] = b'\r';
                        }
                        let want = loose(&b, start);
                        match Dyn.value_end_inline(&b, start) {
                            Ok(got) => assert_eq!(got, want, "len {len} start {start} pos {pos}"),
                            Err(j) => assert!(
                                start <= j && j <= want,
                                "len {len} start {start} pos {pos}: Err({j}), stop at {want}"
                            ),
                        }
                    }
                }
            }
        }
    }

    /// The loose value scan (HTAB and obs-text stop too) against its byte reference, on
    /// every start and stop position: the AVX2 kernel's 64-byte, 32-byte and last-block
    /// steps, and the parser's loose path as a whole.
    #[test]
    fn loose_value_scan_stops_on_exactly_the_loose_set() {
        let loose = |b: &[u8], i: usize| {
            b[i..]
                .iter()
                .position(|&c| !(0x20..0x7f).contains(&c))
                .map_or(b.len(), |p| i + p)
        };
        let stops = [0u8, 0x7f, b'\r', b'\t', 0x80, 0xff, b' ', b'a', 0x1f];
        for len in 0..200 {
            for start in 0..=len.min(70) {
                for pos in start..=len {
                    let mut b = vec![b'a'; len];
                    if pos < len {
                        b[pos] = stops[(len + pos) % stops.len()];
                    }
                    let want = loose(&b, start);
                    #[cfg(target_arch = "x86_64")]
                    if let Some(t) = simd::Avx2::detect() {
                        let got = finish(t.value_end_loose(&b, start), &b, loose);
                        assert_eq!(got, want, "avx2 len {len} start {start} pos {pos}");
                    }
                    // The parser's path: the loose stop, or the exact one where a step
                    // (a kernel without a loose form, a short tail) scans exactly.
                    let exact = value_end_bytes(&b, start);
                    for (path, got) in [
                        ("dyn", Dyn.value_end_loose(&b, start)),
                        ("dyn long", Dyn.value_end_long(&b, start)),
                    ] {
                        assert!(
                            got == want || got == exact,
                            "{path} len {len} start {start} pos {pos}: {got} not {want} or {exact}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn tokens() {
        assert_eq!(token_end(b"Content-Length: 1", 0), 14);
        assert_eq!(token_end(b"abc", 0), 3);
        assert!(!TOKEN[b':' as usize] && !TOKEN[b' ' as usize] && !TOKEN[0x80]);
    }
}
