//! Incremental UTF-8 validation of text messages across fragments and reads, with `simdutf8`.
//!
//! It fails as soon as the bytes seen so far cannot be the start of valid UTF-8 (RFC 6455
//! section 8.1: "When an endpoint is to interpret a byte stream as UTF-8 but finds that the byte
//! stream is not, in fact, a valid UTF-8 stream, that endpoint MUST _Fail the WebSocket
//! Connection_"), not only at the end of the message.

/// State of an incremental validator: at most 3 bytes of an unfinished code point.
#[derive(Clone, Debug, Default)]
pub(crate) struct Utf8Validator {
    partial: [u8; 4],
    partial_len: u8,
}

/// The bytes are not, and cannot become, valid UTF-8.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct InvalidUtf8;

impl Utf8Validator {
    /// Forgets any unfinished code point.
    pub(crate) fn reset(&mut self) {
        self.partial_len = 0;
    }

    /// Validates the next bytes of the stream.
    pub(crate) fn feed(&mut self, mut bytes: &[u8]) -> Result<(), InvalidUtf8> {
        if self.partial_len > 0 {
            // Complete the pending code point one byte at a time (at most 3 more).
            while !bytes.is_empty() {
                let n = self.partial_len as usize;
                self.partial[n] = bytes[0];
                self.partial_len += 1;
                bytes = &bytes[1..];
                match core::str::from_utf8(&self.partial[..n + 1]) {
                    Ok(_) => {
                        self.partial_len = 0;
                        break;
                    }
                    Err(e) if e.error_len().is_some() => return Err(InvalidUtf8),
                    Err(_) if n + 1 >= 4 => return Err(InvalidUtf8),
                    Err(_) => {}
                }
            }
            if self.partial_len > 0 {
                return Ok(());
            }
        }
        if simdutf8::basic::from_utf8(bytes).is_ok() {
            return Ok(());
        }
        match simdutf8::compat::from_utf8(bytes) {
            Ok(_) => Ok(()),
            Err(e) if e.error_len().is_some() => Err(InvalidUtf8),
            Err(e) => {
                let tail = &bytes[e.valid_up_to()..];
                if tail.len() > 3 {
                    return Err(InvalidUtf8);
                }
                self.partial[..tail.len()].copy_from_slice(tail);
                self.partial_len = tail.len() as u8;
                Ok(())
            }
        }
    }

    /// Ends the message: an unfinished code point is an error. The validator is reset.
    pub(crate) fn finish(&mut self) -> Result<(), InvalidUtf8> {
        let ok = self.partial_len == 0;
        self.partial_len = 0;
        if ok { Ok(()) } else { Err(InvalidUtf8) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_all_splits(bytes: &[u8]) -> bool {
        let whole = core::str::from_utf8(bytes).is_ok();
        for i in 0..=bytes.len() {
            for j in i..=bytes.len() {
                let mut v = Utf8Validator::default();
                let r = v
                    .feed(&bytes[..i])
                    .and_then(|_| v.feed(&bytes[i..j]))
                    .and_then(|_| v.feed(&bytes[j..]))
                    .and_then(|_| v.finish());
                assert_eq!(r.is_ok(), whole, "{bytes:x?} split {i} {j}");
            }
        }
        whole
    }

    #[test]
    fn splits_agree_with_std() {
        assert!(check_all_splits("κόσμε €𝄞 hello".as_bytes()));
        assert!(!check_all_splits(
            b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80edited"
        ));
        assert!(!check_all_splits(b"\xf4\x90\x80\x80"));
        assert!(!check_all_splits(b"ab\xe2\x82"));
        assert!(!check_all_splits(b"\xc0\xaf"));
        assert!(check_all_splits(b""));
    }

    #[test]
    fn fails_fast_before_the_end() {
        // 0xF4 0x90 can never start a valid code point (> U+10FFFF): fail on the second byte.
        let mut v = Utf8Validator::default();
        assert!(v.feed(b"ok\xf4").is_ok());
        assert_eq!(v.feed(b"\x90"), Err(InvalidUtf8));
        // A truncated but so far valid sequence is accepted until the end of the message.
        let mut v = Utf8Validator::default();
        assert!(v.feed(b"\xf0\x9d").is_ok());
        assert_eq!(v.finish(), Err(InvalidUtf8));
    }
}
