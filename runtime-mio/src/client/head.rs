//! A response head as the client keeps it: status, version, the reason phrase as received,
//! the fields in one buffer, and the informational (1xx) heads that came before a final one.

use super::body::Version;

/// A response head: status and fields in the order and case they were received.
#[derive(Debug, Clone)]
pub(crate) struct Head {
    pub(crate) status: u16,
    pub(crate) version: Version,
    pub(crate) reason: Reason,
    pub(crate) fields: Fields,
    /// A final head: the informational (1xx) heads that came before it, in order, at most
    /// [`MAX_INFORMATIONAL`] (an informational head: none).
    pub(crate) informational: Vec<Informational>,
}

/// How many informational (1xx) heads a response keeps: the first 16 (a server may send any
/// number; the rest are dropped, so a stream of them costs no memory).
pub(crate) const MAX_INFORMATIONAL: usize = 16;

/// An informational (1xx) response head that came before the final response: `100
/// Continue`, `103 Early Hints` and the like ([`Response::informational`](super::Response::informational)).
#[derive(Debug, Clone)]
pub struct Informational {
    head: Head,
}

impl Informational {
    pub(crate) fn new(head: Head) -> Self {
        Informational { head }
    }

    /// The status code (100-199).
    #[must_use]
    pub fn status(&self) -> u16 {
        self.head.status
    }

    /// The HTTP version it came over.
    #[must_use]
    pub fn version(&self) -> Version {
        self.head.version
    }

    /// The reason phrase as received (HTTP/1.x); `None` over HTTP/2.
    #[must_use]
    pub fn reason(&self) -> Option<&[u8]> {
        self.head.reason.bytes(self.head.status)
    }

    /// The header fields in the order and case received (`Link` for `103 Early Hints`).
    #[must_use]
    pub fn headers(&self) -> Headers<'_> {
        self.head.fields.iter()
    }

    /// The first value of `name` (ASCII case-insensitive).
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        self.head.fields.get(name)
    }
}

/// An HTTP/1.x status line's reason phrase as received. Almost every server sends the
/// code's usual phrase (`200 OK`), which needs no copy; any other phrase (empty included)
/// is kept byte for byte.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) enum Reason {
    /// No status line: HTTP/2 has no reason phrase.
    #[default]
    None,
    /// [`crate::server::reason`] of the status code, exactly.
    Usual,
    /// Any other phrase.
    Other(Box<[u8]>),
}

impl Reason {
    /// The phrase `received` with status `code`, stored without a copy when it is the
    /// code's usual one.
    pub(crate) fn received(code: u16, received: &[u8]) -> Reason {
        if received == crate::server::reason(code).as_bytes() {
            Reason::Usual
        } else {
            Reason::Other(received.into())
        }
    }

    /// The phrase's bytes (`None` over HTTP/2).
    pub(crate) fn bytes(&self, code: u16) -> Option<&[u8]> {
        match self {
            Reason::None => None,
            Reason::Usual => Some(crate::server::reason(code).as_bytes()),
            Reason::Other(b) => Some(b),
        }
    }
}

/// The bytes before each field's name and value in [`Fields`]' buffer: the name's length
/// and the value's, `u32` little-endian each.
const LENGTHS: usize = 8;

/// Received header fields in one allocation whatever their number: each field as its name's
/// and value's lengths ([`LENGTHS`] bytes) then the name and the value, back to back in one
/// buffer (instead of a `String` and a `Vec<u8>` per field, or a second list of where each
/// ends). Every reading is a walk from the first field. Names are UTF-8: checked when pushed
/// (an HTTP/2 name that is not is replaced lossily), or tokens an HTTP/1.1 parser checked.
#[derive(Debug, Clone, Default)]
pub(crate) struct Fields {
    buf: Vec<u8>,
    count: usize,
    /// A `Content-Encoding` field is among them (noted as they are pushed, so that a
    /// response without one is not searched for it).
    encoded: bool,
}

/// Whether `name` is `Content-Encoding` (in any case).
fn is_content_encoding(name: &[u8]) -> bool {
    name.len() == 16 && name.eq_ignore_ascii_case(b"content-encoding")
}

/// The field at `at` in `buf` (a [`Fields`] buffer): name, value and where the next starts.
fn field_at(buf: &[u8], at: usize) -> Option<(&[u8], &[u8], usize)> {
    let lengths = buf.get(at..at + LENGTHS)?;
    let (n, v) = lengths.split_at(4);
    let n = u32::from_le_bytes(n.try_into().ok()?) as usize;
    let v = u32::from_le_bytes(v.try_into().ok()?) as usize;
    let name_at = at + LENGTHS;
    let value_at = name_at + n;
    let next = value_at + v;
    Some((buf.get(name_at..value_at)?, buf.get(value_at..next)?, next))
}

impl Fields {
    /// Room for `fields` fields of `bytes` bytes of names and values in all.
    pub(crate) fn with_capacity(fields: usize, bytes: usize) -> Fields {
        Fields {
            buf: Vec::with_capacity(bytes + fields * LENGTHS),
            count: 0,
            encoded: false,
        }
    }

    /// The fields of a parsed head, at most `count` of them with at most `bytes` bytes of
    /// names and values in all: sized at once, and with no check per field when they fit in
    /// the `u32` lengths together (a head that does not goes through [`Fields::push_valid`],
    /// which drops what does not fit). The names are not checked: they are tokens (ASCII),
    /// which the head's parser checked (HTTP/1.1: [`proto_h1::Fields::iter_bytes`]; HTTP/2:
    /// proto-h2 hands out no head with another name).
    pub(crate) fn from_tokens<'a>(
        count: usize,
        bytes: usize,
        fields: impl Iterator<Item = (&'a [u8], &'a [u8])>,
    ) -> Fields {
        let mut f = Fields::with_capacity(count, bytes);
        if bytes > u32::MAX as usize {
            for (name, value) in fields {
                f.push_valid(name, value);
            }
            return f;
        }
        for (name, value) in fields {
            // All of them together fit in the `u32` lengths.
            f.append(name, value);
        }
        f
    }

    /// Appends a field (names that are not UTF-8 are stored lossily). A head too large (4 GiB
    /// of names and values; no engine accepts one) drops the field. Tests build heads with
    /// it; the engines' heads come through [`Fields::from_tokens`].
    #[cfg(test)]
    pub(crate) fn push(&mut self, name: &[u8], value: &[u8]) {
        // Names are ASCII in practice: a word-at-a-time check before the full UTF-8 one
        // (which goes byte by byte through a short name).
        if name.is_ascii() || std::str::from_utf8(name).is_ok() {
            self.push_valid(name, value);
        } else {
            self.push_valid(String::from_utf8_lossy(name).as_bytes(), value);
        }
    }

    fn push_valid(&mut self, name: &[u8], value: &[u8]) {
        let stored = self.buf.len() - self.count * LENGTHS;
        if stored + name.len() + value.len() > u32::MAX as usize {
            return;
        }
        self.append(name, value);
    }

    /// Appends the field's record: its lengths (in one copy), name and value. Both lengths
    /// must fit in a `u32` ([`Fields::push_valid`] checks it; [`Fields::from_tokens`] knows it).
    #[inline(always)]
    fn append(&mut self, name: &[u8], value: &[u8]) {
        let lengths = u64::from(name.len() as u32) | u64::from(value.len() as u32) << 32;
        self.buf.extend_from_slice(&lengths.to_le_bytes());
        self.buf.extend_from_slice(name);
        self.buf.extend_from_slice(value);
        self.count += 1;
        self.encoded |= is_content_encoding(name);
    }

    /// Whether a `Content-Encoding` field is among them (else the body is not encoded).
    pub(crate) fn has_content_encoding(&self) -> bool {
        self.encoded
    }

    /// The fields in order: name and value.
    pub(crate) fn iter(&self) -> Headers<'_> {
        Headers {
            fields: self,
            next: 0,
            at: 0,
        }
    }

    /// The fields in order as bytes: name and value, the name not turned into a `str`
    /// again (the engine's own look-ups compare bytes).
    pub(crate) fn raw(&self) -> impl Iterator<Item = (&[u8], &[u8])> + '_ {
        let mut at = 0;
        std::iter::from_fn(move || {
            let (name, value, next) = field_at(&self.buf, at)?;
            at = next;
            Some((name, value))
        })
    }

    /// The first value of `name` (ASCII case-insensitive).
    pub(crate) fn get(&self, name: &str) -> Option<&[u8]> {
        self.raw()
            .find(|(n, _)| n.eq_ignore_ascii_case(name.as_bytes()))
            .map(|(_, v)| v)
    }
}

/// The header fields of a [`Response`](super::Response) (or a [`WebSocket`](super::WebSocket)'s handshake
/// response), in the order and case received: `(name, value)` pairs borrowed from the
/// response ([`Response::headers`](super::Response::headers)).
#[derive(Debug, Clone)]
pub struct Headers<'a> {
    fields: &'a Fields,
    /// The next field's index.
    next: usize,
    /// Where the next field starts in the buffer.
    at: usize,
}

impl<'a> Iterator for Headers<'a> {
    type Item = (&'a str, &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        let (name, value, next) = field_at(&self.fields.buf, self.at)?;
        // Checked when pushed: never the empty fallback.
        let name = std::str::from_utf8(name).unwrap_or_default();
        self.next += 1;
        self.at = next;
        Some((name, value))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.fields.count - self.next;
        (left, Some(left))
    }
}

impl ExactSizeIterator for Headers<'_> {}
impl std::iter::FusedIterator for Headers<'_> {}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether a `Content-Encoding` field is there is noted as fields go in, pushed one by
    /// one (HTTP/2) or copied from an HTTP/1.1 head, in any case; no other name counts.
    #[test]
    fn content_encoding_is_noted_as_fields_go_in() {
        let mut f = Fields::default();
        f.push(b"content-type", b"text/plain");
        f.push(b"content-encodings", b"gzip");
        assert!(!f.has_content_encoding());
        f.push(b"CONTENT-Encoding", b"gzip");
        assert!(f.has_content_encoding());
        let h1 = |fields: &[(&'static [u8], &'static [u8])]| {
            let bytes = fields.iter().map(|(n, v)| n.len() + v.len()).sum();
            Fields::from_tokens(fields.len(), bytes, fields.iter().copied())
        };
        let plain = h1(&[(b"Server", b"x"), (b"Content-Length", b"3")]);
        assert!(!plain.has_content_encoding());
        assert_eq!(plain.raw().count(), 2);
        let encoded = h1(&[(b"Server", b"x"), (b"content-encoding", b"br")]);
        assert!(encoded.has_content_encoding());
        assert_eq!(encoded.get("Content-Encoding"), Some(&b"br"[..]));
    }
}
