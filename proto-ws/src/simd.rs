//! The crate's only `unsafe` code: SIMD kernels that XOR a buffer with a repeated 4-byte key
//! (in place, or while appending it to another buffer, after a frame header or not).
//!
//! The SSE2 and NEON kernels handle the longest prefix whose length is a multiple of their
//! vector width and return how many bytes they handled; the in-place AVX2 kernel handles all of
//! a buffer of at least one vector. The caller continues with the key phase of the length
//! handled. The AVX2 kernel is only entered after a run-time check of the CPU,
//! cached in an atomic; SSE2 is part of the x86-64 baseline and NEON of the aarch64 baseline.

#[cfg(target_arch = "x86_64")]
use std::sync::atomic::{AtomicU8, Ordering};

#[cfg(target_arch = "x86_64")]
static AVX2: AtomicU8 = AtomicU8::new(0);

/// Whether this CPU has AVX2 (detected once, then cached).
#[cfg(target_arch = "x86_64")]
pub(crate) fn has_avx2() -> bool {
    match AVX2.load(Ordering::Relaxed) {
        1 => false,
        2 => true,
        _ => {
            let yes = std::arch::is_x86_feature_detected!("avx2");
            AVX2.store(if yes { 2 } else { 1 }, Ordering::Relaxed);
            yes
        }
    }
}

/// XORs the longest prefix of `buf` that is a multiple of 16 bytes with `key` repeated, using
/// SSE2. Returns the length handled.
#[cfg(target_arch = "x86_64")]
pub(crate) fn mask_sse2(buf: &mut [u8], key: [u8; 4]) -> usize {
    // SAFETY: SSE2 is part of the x86-64 baseline, so every x86-64 CPU runs this function.
    unsafe { mask_sse2_unchecked(buf, key) }
}

/// # Safety
/// The CPU must support SSE2 (every x86-64 CPU does).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
unsafe fn mask_sse2_unchecked(buf: &mut [u8], key: [u8; 4]) -> usize {
    use std::arch::x86_64::{
        __m128i, _mm_loadu_si128, _mm_set1_epi32, _mm_storeu_si128, _mm_xor_si128,
    };
    let k = _mm_set1_epi32(i32::from_ne_bytes(key));
    let mut done = 0;
    for chunk in buf.chunks_exact_mut(16) {
        let p = chunk.as_mut_ptr().cast::<__m128i>();
        // SAFETY: `chunk` is exactly 16 bytes of initialised, exclusively borrowed memory, so an
        // unaligned 16-byte load from and store to `p` stay inside it; SSE2 is enabled here.
        unsafe { _mm_storeu_si128(p, _mm_xor_si128(_mm_loadu_si128(p), k)) };
        done += 16;
    }
    done
}

/// XORs all of `buf` with `key` repeated (`buf[i] ^= key[i % 4]`) using AVX2 when `buf` holds
/// at least one vector (32 bytes). Returns the length handled: `buf.len()`, or 0 when the CPU
/// has no AVX2 or `buf` is shorter than 32 bytes.
#[cfg(target_arch = "x86_64")]
pub(crate) fn mask_avx2(buf: &mut [u8], key: [u8; 4]) -> usize {
    if buf.len() < 32 || !has_avx2() {
        return 0;
    }
    // SAFETY: the CPU supports AVX2 (checked just above), which is the only requirement of the
    // `#[target_feature(enable = "avx2")]` function besides `buf.len() >= 32`, checked too.
    unsafe { mask_avx2_unchecked(buf, key) };
    buf.len()
}

/// # Safety
/// The CPU must support AVX2 and `buf.len()` must be at least 32.
///
/// The same shape as [`extend_avx2_unchecked`]: one unaligned vector at the start (none when
/// `buf` is 32-byte aligned), then 32-byte-aligned stores (four per round, then two, then one),
/// then one unaligned vector ending at the last byte (none when the aligned stores reach it),
/// so that no store splits a cache line but the first and the last. With the buffer 16 bytes
/// past a 32-byte boundary, unaligned stores split every other one.
/// In place, XOR is not idempotent: the first and last vectors overlap the aligned ones, so both
/// are loaded (and XORed) before anything is stored and stored after the aligned stores, which
/// then rewrite bytes already unmasked by the aligned ones with the same values.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn mask_avx2_unchecked(buf: &mut [u8], key: [u8; 4]) {
    use std::arch::x86_64::{
        __m256i, _mm256_load_si256, _mm256_loadu_si256, _mm256_set1_epi32, _mm256_store_si256,
        _mm256_storeu_si256, _mm256_xor_si256,
    };
    let n = buf.len();
    debug_assert!(n >= 32);
    let p = buf.as_mut_ptr();
    // The key for a vector starting at byte `i` of `buf` (x86-64 is little-endian).
    let key_at = |i: usize| {
        _mm256_set1_epi32(u32::from_le_bytes(key).rotate_right(8 * (i as u32 & 3)) as i32)
    };
    // SAFETY: for every load and store below: `p..p + n` is `buf`, initialised and exclusively
    // borrowed (no other reference to it is used while these run). Each access is 32 bytes at
    // an offset with the access's end at most `n`: the head at 0 (`n >= 32`), the tail at
    // `n - 32`, and `(n - i) / 32` whole vectors from `i` on (four per round, then two, then
    // one), `q` being `p + i` plus 32 bytes per vector done. The aligned accesses are at `p + i`
    // with `i` 0 when `p` is 32-byte aligned, `32 - p % 32` otherwise, plus multiples of 32:
    // 32-byte aligned. AVX2 is enabled for this
    // function.
    unsafe {
        // Both ends from the original bytes, before any store.
        let k0 = key_at(0);
        let head = _mm256_xor_si256(_mm256_loadu_si256(p.cast::<__m256i>()), k0);
        let j = n - 32;
        let tail = _mm256_xor_si256(_mm256_loadu_si256(p.add(j).cast::<__m256i>()), key_at(j));
        // An aligned `buf` starts the aligned stores at 0 with the key as it is (no head, and no
        // rotation of the key on the way to the first store).
        let misaligned = p as usize & 31;
        let (i, k) = if misaligned == 0 {
            (0, k0)
        } else {
            (32 - misaligned, key_at(32 - misaligned))
        };
        let mut q = p.add(i).cast::<__m256i>();
        // Whole vectors from `i` on: `n - i >= 0` as `i < 32 <= n`.
        let vectors = (n - i) / 32;
        for _ in 0..vectors / 4 {
            let a = _mm256_load_si256(q);
            let b = _mm256_load_si256(q.add(1));
            let c = _mm256_load_si256(q.add(2));
            let d = _mm256_load_si256(q.add(3));
            _mm256_store_si256(q, _mm256_xor_si256(a, k));
            _mm256_store_si256(q.add(1), _mm256_xor_si256(b, k));
            _mm256_store_si256(q.add(2), _mm256_xor_si256(c, k));
            _mm256_store_si256(q.add(3), _mm256_xor_si256(d, k));
            q = q.add(4);
        }
        if vectors & 2 != 0 {
            let a = _mm256_load_si256(q);
            let b = _mm256_load_si256(q.add(1));
            _mm256_store_si256(q, _mm256_xor_si256(a, k));
            _mm256_store_si256(q.add(1), _mm256_xor_si256(b, k));
            q = q.add(2);
        }
        if vectors & 1 != 0 {
            _mm256_store_si256(q, _mm256_xor_si256(_mm256_load_si256(q), k));
        }
        // The bytes before the first aligned store and after the last are unmasked only here;
        // those the aligned stores covered too get the same values again (computed above from
        // the original bytes, as theirs were).
        if i != 0 {
            _mm256_storeu_si256(p.cast::<__m256i>(), head);
        }
        if !(n - i).is_multiple_of(32) {
            _mm256_storeu_si256(p.add(j).cast::<__m256i>(), tail);
        }
    }
}

/// Appends all of `src` to `dst` with AVX2, XORed with `key` repeated (`src[i] ^ key[i % 4]`)
/// when `MASK` (a copy and a masking in one pass), copied as it is otherwise. Returns `false`,
/// `dst` untouched, when the CPU has no AVX2 or `src` is shorter than one vector (32 bytes).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
pub(crate) fn extend_avx2<const MASK: bool>(dst: &mut Vec<u8>, src: &[u8], key: [u8; 4]) -> bool {
    if src.len() < 32 || !has_avx2() {
        return false;
    }
    dst.reserve(src.len());
    // SAFETY: the CPU supports AVX2 (checked just above), which is the only requirement of the
    // `#[target_feature(enable = "avx2")]` function; `src` holds at least 32 bytes and `dst` has
    // room for `src.len()` more (reserved just above), which is what its contract asks (no head:
    // `head_len` 0).
    unsafe { extend_avx2_unchecked::<MASK, false>(dst, 0, 0, 0, src, key) };
    true
}

/// Appends a whole frame to `dst` with AVX2: its header, the first `head_len` (at most 16)
/// octets of the little-endian words `lo` and `hi` (passed apart, so in registers: as one
/// `[u64; 2]` they went through the stack), then `src`, XORed with `key` repeated when `MASK`
/// ([`extend_avx2`]). Returns `false`, `dst` untouched, when the CPU has no AVX2 or
/// `src` is shorter than one vector (32 bytes).
///
/// One capacity check, one store of the header and one length update for the whole frame (the
/// header appended on its own costs a check, a store per part and a length update of its own,
/// and the copy then reloads the length just stored).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
pub(crate) fn extend_frame_avx2<const MASK: bool>(
    dst: &mut Vec<u8>,
    (lo, hi): (u64, u64),
    head_len: usize,
    src: &[u8],
    key: [u8; 4],
) -> bool {
    debug_assert!(head_len <= 16);
    if src.len() < 32 || !has_avx2() {
        return false;
    }
    // `head_len + src.len() >= 32`, so the 16 octets the header is stored with fit too.
    dst.reserve(head_len + src.len());
    // SAFETY: the CPU supports AVX2 (checked just above); `src` holds at least 32 bytes, and
    // `dst` has room for `head_len + src.len()` more (reserved just above), which is at least
    // 16 and so covers the 16-octet store of the header: the function's contract.
    unsafe { extend_avx2_unchecked::<MASK, true>(dst, lo, hi, head_len.min(16), src, key) };
    true
}

/// # Safety
/// The CPU must support AVX2, `src.len()` must be at least 32, `head_len` at most 16, and `dst`
/// must have spare capacity for at least `head_len + src.len()` bytes (at least 16 when `HEAD`).
///
/// With `HEAD`, the two words `lo` and `hi` are first stored as 16 octets at the end of `dst`
/// (one store; the octets past `head_len` are overwritten by the payload or left in the spare
/// capacity), and the payload goes `head_len` octets further.
///
/// One unaligned vector at the start, then 32-byte-aligned stores (eight per round, then four,
/// two and one), then one unaligned vector ending at the last byte: the first and last stores
/// overlap their neighbours, which rewrite the same values. Aligned stores never split a cache
/// line: with the payload behind a 2-, 4-, 10- or 14-byte header, unaligned ones split every
/// other store, which made a 1 KiB copy slower than `memcpy` (which aligns its stores too).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn extend_avx2_unchecked<const MASK: bool, const HEAD: bool>(
    dst: &mut Vec<u8>,
    lo: u64,
    hi: u64,
    head_len: usize,
    src: &[u8],
    key: [u8; 4],
) {
    use std::arch::x86_64::{
        __m128i, __m256i, _mm_set_epi64x, _mm_storeu_si128, _mm256_loadu_si256, _mm256_set1_epi32,
        _mm256_store_si256, _mm256_storeu_si256, _mm256_xor_si256,
    };
    let n = src.len();
    debug_assert!(n >= 32 && head_len <= 16);
    debug_assert!(dst.capacity() - dst.len() >= head_len + n);
    let s = src.as_ptr();
    let base = dst.spare_capacity_mut().as_mut_ptr().cast::<u8>();
    let head_len = if HEAD { head_len } else { 0 };
    if HEAD {
        // SAFETY: the spare capacity holds at least `head_len + n >= 32` octets (the caller's
        // contract), so the 16 octets at its start are writable; an unaligned store.
        unsafe { _mm_storeu_si128(base.cast::<__m128i>(), _mm_set_epi64x(hi as i64, lo as i64)) };
    }
    // SAFETY: `head_len + n` octets of spare capacity (the caller's contract).
    let d = unsafe { base.add(head_len) };
    // The key for a vector starting at byte `i` of the payload (x86-64 is little-endian).
    let key_at = |i: usize| {
        _mm256_set1_epi32(u32::from_le_bytes(key).rotate_right(8 * (i as u32 & 3)) as i32)
    };
    let xor = |v: __m256i, k: __m256i| if MASK { _mm256_xor_si256(v, k) } else { v };
    // SAFETY: for every load and store below: `s..s + n` is `src`, readable; `d..d + n` is spare
    // capacity of `dst` (from `head_len` on), writable (the caller's contract), and no reference to
    // it is alive. Each access is 32 bytes at an offset `j` with `j + 32 <= n`: the head at 0 (`n
    // >= 32`), the rounds while `i + 256 <= n`, then when `i + 128 <= n`, when `i + 64 <= n` and
    // when `i + 32 <= n`, the tail at `n - 32`. The aligned stores are at `d + i` with `i = 32 - d
    // % 32` plus multiples of 32: 32-byte aligned. AVX2 is enabled for this function.
    unsafe {
        _mm256_storeu_si256(
            d.cast::<__m256i>(),
            xor(_mm256_loadu_si256(s.cast()), key_at(0)),
        );
        let mut i = 32 - (d as usize & 31);
        let k = key_at(i);
        while i + 256 <= n {
            for o in [0, 128] {
                let a = _mm256_loadu_si256(s.add(i + o).cast::<__m256i>());
                let b = _mm256_loadu_si256(s.add(i + o + 32).cast::<__m256i>());
                let c = _mm256_loadu_si256(s.add(i + o + 64).cast::<__m256i>());
                let e = _mm256_loadu_si256(s.add(i + o + 96).cast::<__m256i>());
                _mm256_store_si256(d.add(i + o).cast::<__m256i>(), xor(a, k));
                _mm256_store_si256(d.add(i + o + 32).cast::<__m256i>(), xor(b, k));
                _mm256_store_si256(d.add(i + o + 64).cast::<__m256i>(), xor(c, k));
                _mm256_store_si256(d.add(i + o + 96).cast::<__m256i>(), xor(e, k));
            }
            i += 256;
        }
        if i + 128 <= n {
            let a = _mm256_loadu_si256(s.add(i).cast::<__m256i>());
            let b = _mm256_loadu_si256(s.add(i + 32).cast::<__m256i>());
            let c = _mm256_loadu_si256(s.add(i + 64).cast::<__m256i>());
            let e = _mm256_loadu_si256(s.add(i + 96).cast::<__m256i>());
            _mm256_store_si256(d.add(i).cast::<__m256i>(), xor(a, k));
            _mm256_store_si256(d.add(i + 32).cast::<__m256i>(), xor(b, k));
            _mm256_store_si256(d.add(i + 64).cast::<__m256i>(), xor(c, k));
            _mm256_store_si256(d.add(i + 96).cast::<__m256i>(), xor(e, k));
            i += 128;
        }
        // At most three vectors are left before the tail: no loop, which LLVM would turn into
        // a call to `memcpy` when there is no XOR.
        if i + 64 <= n {
            let a = _mm256_loadu_si256(s.add(i).cast::<__m256i>());
            let b = _mm256_loadu_si256(s.add(i + 32).cast::<__m256i>());
            _mm256_store_si256(d.add(i).cast::<__m256i>(), xor(a, k));
            _mm256_store_si256(d.add(i + 32).cast::<__m256i>(), xor(b, k));
            i += 64;
        }
        if i + 32 <= n {
            let a = _mm256_loadu_si256(s.add(i).cast::<__m256i>());
            _mm256_store_si256(d.add(i).cast::<__m256i>(), xor(a, k));
            i += 32;
        }
        if i < n {
            let j = n - 32;
            let a = _mm256_loadu_si256(s.add(j).cast::<__m256i>());
            _mm256_storeu_si256(d.add(j).cast::<__m256i>(), xor(a, key_at(j)));
        }
    }
    // SAFETY: the `head_len + n` octets after `dst`'s length were all written above (the
    // header's `head_len` octets by its store, then from `d` the head covers `0..32`, the
    // rounds `32 - d % 32..i` with no gap after the head, the tail `n - 32..n`), and they are
    // within its capacity.
    unsafe { dst.set_len(dst.len() + head_len + n) };
}

/// XORs the longest prefix of `buf` that is a multiple of 16 bytes with `key` repeated, using
/// NEON. Returns the length handled.
#[cfg(target_arch = "aarch64")]
pub(crate) fn mask_neon(buf: &mut [u8], key: [u8; 4]) -> usize {
    // SAFETY: NEON is part of the aarch64 baseline, so every aarch64 CPU runs this function.
    unsafe { mask_neon_unchecked(buf, key) }
}

/// # Safety
/// The CPU must support NEON (every aarch64 CPU does).
#[cfg(target_arch = "aarch64")]
#[target_feature(enable = "neon")]
unsafe fn mask_neon_unchecked(buf: &mut [u8], key: [u8; 4]) -> usize {
    use std::arch::aarch64::{vdupq_n_u32, veorq_u8, vld1q_u8, vreinterpretq_u8_u32, vst1q_u8};
    let k = vreinterpretq_u8_u32(vdupq_n_u32(u32::from_ne_bytes(key)));
    let mut done = 0;
    for chunk in buf.chunks_exact_mut(16) {
        let p = chunk.as_mut_ptr();
        // SAFETY: `chunk` is exactly 16 initialised, exclusively borrowed bytes; NEON loads and
        // stores of 16 bytes have no alignment requirement; NEON is enabled here.
        unsafe { vst1q_u8(p, veorq_u8(vld1q_u8(p), k)) };
        done += 16;
    }
    done
}
