//! The compact encoding of a hibernated connection's state ([`crate::conn::Hibernated`]):
//! unsigned LEB128 integers (seven bits per octet, low bits first, the high bit set on every
//! octet but the last), so that the small numbers it mostly holds (lengths, counts, SETTINGS
//! values below 128) take one octet each.

/// Appends `v` as unsigned LEB128 (one to five octets).
pub(crate) fn put(out: &mut Vec<u8>, mut v: u32) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// The number of octets [`put`] writes for `v`.
pub(crate) fn len(v: u32) -> usize {
    match v {
        0..0x80 => 1,
        0x80..0x4000 => 2,
        0x4000..0x20_0000 => 3,
        0x20_0000..0x1000_0000 => 4,
        _ => 5,
    }
}

/// Reads an unsigned LEB128 integer from the front of `*buf` and advances it; `None` when
/// `*buf` ends inside the integer or it does not fit in 32 bits.
pub(crate) fn get(buf: &mut &[u8]) -> Option<u32> {
    let mut v: u32 = 0;
    for (i, &b) in buf.iter().enumerate().take(5) {
        let bits = u32::from(b & 0x7f);
        if i == 4 && bits > 0x0f {
            return None;
        }
        v |= bits << (7 * i);
        if b & 0x80 == 0 {
            *buf = &buf[i + 1..];
            return Some(v);
        }
    }
    None
}

/// Reads one octet from the front of `*buf` and advances it.
pub(crate) fn get_u8(buf: &mut &[u8]) -> Option<u8> {
    let (&b, rest) = buf.split_first()?;
    *buf = rest;
    Some(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every width round-trips, `len` agrees with `put`, and what follows is left in place.
    #[test]
    fn round_trip_at_every_width() {
        for v in [
            0,
            1,
            0x7f,
            0x80,
            0x3fff,
            0x4000,
            0x1f_ffff,
            0x20_0000,
            0x0fff_ffff,
            0x1000_0000,
            u32::MAX,
        ] {
            let mut out = Vec::new();
            put(&mut out, v);
            assert_eq!(out.len(), len(v), "{v:#x}");
            out.push(0xaa);
            let mut rest = &out[..];
            assert_eq!(get(&mut rest), Some(v));
            assert_eq!(rest, &[0xaa]);
        }
    }

    /// A truncated integer, and one beyond 32 bits, are refused.
    #[test]
    fn truncated_and_oversized_are_refused() {
        assert_eq!(get(&mut &[0x80, 0x80][..]), None);
        assert_eq!(get(&mut &[][..]), None);
        assert_eq!(get(&mut &[0xff, 0xff, 0xff, 0xff, 0x1f][..]), None);
        assert_eq!(
            get(&mut &[0xff, 0xff, 0xff, 0xff, 0x0f][..]),
            Some(u32::MAX)
        );
        assert_eq!(get_u8(&mut &[][..]), None);
    }
}
