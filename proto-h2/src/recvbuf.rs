//! A stream's received, unread body bytes, held so that memory follows the bytes unread and
//! not the reads they arrived in.
//!
//! A payload of at least [`OWN_MIN`] bytes is kept as one chunk in an allocation that holds
//! little else (its own copy from the caller's input, or the buffer of the one frame it was
//! reassembled in), so it is read without a further copy. Smaller payloads are appended to a
//! tail buffer, so a peer sending one-byte frames costs one byte each, not a chunk each. The
//! memory held is therefore at most about twice the unread bytes (the tail grows by doubling)
//! plus a constant per chunk of at least [`OWN_MIN`] bytes, and the unread bytes are bounded
//! by the receive windows (credit returns only when the application reads).

use bytes::Bytes;
use std::collections::VecDeque;

/// Payloads at least this long are kept as chunks of their own; shorter ones are copied into
/// the tail.
pub(crate) const OWN_MIN: usize = 1024;

#[derive(Debug, Default)]
pub(crate) struct RecvBuf {
    chunks: VecDeque<Bytes>,
    /// Small payloads after every chunk, in arrival order.
    tail: Vec<u8>,
    len: usize,
}

impl RecvBuf {
    /// Bytes held.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Appends `data`; `owned` is a buffer that already holds it and little else (the frame it
    /// was reassembled in), used instead of a copy when the payload is large.
    pub(crate) fn push(&mut self, data: &[u8], owned: Option<&Bytes>) {
        if data.is_empty() {
            return;
        }
        self.len += data.len();
        if data.len() < OWN_MIN {
            self.tail.extend_from_slice(data);
            return;
        }
        self.flush_tail();
        self.chunks.push_back(match owned {
            Some(b) => b.slice_ref(data),
            None => Bytes::copy_from_slice(data),
        });
    }

    fn flush_tail(&mut self) {
        if !self.tail.is_empty() {
            self.chunks
                .push_back(Bytes::from(std::mem::take(&mut self.tail)));
        }
    }

    /// The next chunk, in arrival order.
    pub(crate) fn pop(&mut self) -> Option<Bytes> {
        let b = match self.chunks.pop_front() {
            Some(b) => b,
            None if !self.tail.is_empty() => Bytes::from(std::mem::take(&mut self.tail)),
            None => return None,
        };
        self.len -= b.len();
        Some(b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_is_kept_across_small_and_large() {
        let mut r = RecvBuf::default();
        r.push(b"ab", None);
        r.push(&[1u8; OWN_MIN], None);
        r.push(b"c", None);
        r.push(b"d", None);
        assert_eq!(r.len(), OWN_MIN + 4);
        let mut all = Vec::new();
        while let Some(b) = r.pop() {
            all.extend_from_slice(&b);
        }
        let mut want = b"ab".to_vec();
        want.extend_from_slice(&[1u8; OWN_MIN]);
        want.extend_from_slice(b"cd");
        assert_eq!(all, want);
        assert!(r.is_empty());
    }
}
