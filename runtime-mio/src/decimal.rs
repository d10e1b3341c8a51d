//! A length written in decimal without an allocation, for the `Content-Length` fields that
//! the server and the client write.

/// `n` in decimal, written into the end of `buf` (20 bytes hold `u64::MAX`).
pub(crate) fn decimal(n: u64, buf: &mut [u8; 20]) -> &str {
    // Only ASCII digits were written.
    std::str::from_utf8(decimal_bytes(n, buf)).unwrap_or_default()
}

/// [`decimal`] as bytes (for a field value: no UTF-8 check).
pub(crate) fn decimal_bytes(mut n: u64, buf: &mut [u8; 20]) -> &[u8] {
    let mut at = buf.len();
    loop {
        at -= 1;
        buf[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    &buf[at..]
}

#[cfg(test)]
mod tests {
    #[test]
    fn decimal_writes_every_width() {
        let mut buf = [0; 20];
        for n in [0, 7, 10, 99, 1000, 16_384, 1 << 20, 123_456_789, u64::MAX] {
            assert_eq!(super::decimal(n, &mut buf), n.to_string());
            assert_eq!(super::decimal_bytes(n, &mut buf), n.to_string().as_bytes());
        }
    }
}
