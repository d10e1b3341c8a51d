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

/// Where one field ends in [`Fields::bytes`]: its name ends at `name`, its value (which
/// follows the name) at `value`.
#[derive(Debug, Clone, Copy)]
struct FieldEnd {
    name: u32,
    value: u32,
}

/// Received header fields in two allocations whatever their number: every name and value
/// back to back in one buffer, and where each field ends (instead of a `String` and a
/// `Vec<u8>` per field). Names are checked UTF-8 when pushed (an HTTP/2 name that is not is
/// replaced lossily).
#[derive(Debug, Clone, Default)]
pub(crate) struct Fields {
    bytes: Vec<u8>,
    ends: Vec<FieldEnd>,
}

impl Fields {
    /// Room for `fields` fields of `bytes` bytes of names and values in all.
    pub(crate) fn with_capacity(fields: usize, bytes: usize) -> Fields {
        Fields {
            bytes: Vec::with_capacity(bytes),
            ends: Vec::with_capacity(fields),
        }
    }

    /// Appends a field. A head too large for `u32` offsets (4 GiB; no engine accepts one)
    /// drops the field.
    pub(crate) fn push(&mut self, name: &[u8], value: &[u8]) {
        // Names are ASCII in practice: a word-at-a-time check before the full UTF-8 one
        // (which goes byte by byte through a short name).
        if name.is_ascii() || std::str::from_utf8(name).is_ok() {
            self.push_valid(name, value);
        } else {
            self.push_valid(String::from_utf8_lossy(name).as_bytes(), value);
        }
    }

    /// [`Fields::push`] of a name known to be UTF-8 (an HTTP/1.1 head's, which its parser
    /// checked): no check again.
    pub(crate) fn push_str(&mut self, name: &str, value: &[u8]) {
        self.push_valid(name.as_bytes(), value);
    }

    fn push_valid(&mut self, name: &[u8], value: &[u8]) {
        if self.bytes.len() + name.len() + value.len() > u32::MAX as usize {
            return;
        }
        self.bytes.extend_from_slice(name);
        let name = self.bytes.len() as u32;
        self.bytes.extend_from_slice(value);
        self.ends.push(FieldEnd {
            name,
            value: self.bytes.len() as u32,
        });
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
        self.ends.iter().map(move |end| {
            let (n, v) = (end.name as usize, end.value as usize);
            let field = (&self.bytes[at..n], &self.bytes[n..v]);
            at = v;
            field
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
        let end = self.fields.ends.get(self.next)?;
        let (n, v) = (end.name as usize, end.value as usize);
        let bytes = &self.fields.bytes;
        // Checked when pushed: never the empty fallback.
        let name = std::str::from_utf8(&bytes[self.at..n]).unwrap_or_default();
        let value = &bytes[n..v];
        self.next += 1;
        self.at = v;
        Some((name, value))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.fields.ends.len() - self.next;
        (left, Some(left))
    }
}

impl ExactSizeIterator for Headers<'_> {}
impl std::iter::FusedIterator for Headers<'_> {}
