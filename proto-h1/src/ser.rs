//! Serializer: heads written exactly as given (names' case and order kept), bodies framed by
//! what the head says (`Content-Length` or `Transfer-Encoding: chunked`), with a form
//! ([`BodyEncoder::frame`]) that writes only the framing, so body bytes need not be copied.

use crate::body::{
    Framing, FramingFields, request_framing, response_framing, response_has_no_body,
};
use crate::error::SendError;
use crate::head::{ConnectionOptions, Header, Limits, Version, has_token, target_form};
use crate::scan::{is_target_byte, is_value, token_end, token_is};

fn is_token(s: &[u8]) -> bool {
    !s.is_empty() && token_end(s, 0) == s.len()
}

fn check_fields(headers: &[Header<'_>]) -> Result<(), SendError> {
    for h in headers {
        if !is_token(h.name.as_bytes()) || !is_value(h.value) {
            return Err(SendError::InvalidHead);
        }
    }
    Ok(())
}

fn write_field(out: &mut Vec<u8>, h: &Header<'_>) {
    out.extend_from_slice(h.name.as_bytes());
    out.extend_from_slice(b": ");
    out.extend_from_slice(h.value);
    out.extend_from_slice(b"\r\n");
}

/// Appends `Content-Length: n` and its CRLF, composed on the stack and copied once.
fn write_content_length(out: &mut Vec<u8>, n: u64) {
    const NAME: &[u8] = b"Content-Length: ";
    // The name, up to 20 digits and CRLF, right-aligned.
    let mut line = [0u8; 16 + 20 + 2];
    let mut at = line.len() - 2;
    line[at..].copy_from_slice(b"\r\n");
    let mut n = n;
    loop {
        at -= 1;
        line[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    at -= NAME.len();
    line[at..at + NAME.len()].copy_from_slice(NAME);
    out.extend_from_slice(&line[at..]);
}

fn write_fields(out: &mut Vec<u8>, headers: &[Header<'_>]) {
    for h in headers {
        write_field(out, h);
    }
    out.extend_from_slice(b"\r\n");
}

/// Appends a request head to `out` exactly as given and returns the body framing it
/// announces (`Content-Length`, `Transfer-Encoding: chunked`, or none).
///
/// ```
/// use proto_h1::{write_request_head, Framing, Header, Version};
/// let mut out = Vec::new();
/// let h = [Header { name: "host", value: b"a" }, Header { name: "Content-Length", value: b"3" }];
/// let f = write_request_head(&mut out, "PUT", "/x", Version::Http11, &h).unwrap();
/// assert_eq!(f, Framing::Length(3));
/// assert_eq!(out, b"PUT /x HTTP/1.1\r\nhost: a\r\nContent-Length: 3\r\n\r\n");
/// ```
///
/// # Errors
/// [`SendError::InvalidHead`] for a method that is not a token, a bad request-target, a
/// field name that is not a token, a control byte in a value, or contradicting framing fields.
/// Nothing is written then.
pub fn write_request_head(
    out: &mut Vec<u8>,
    method: &str,
    target: &str,
    version: Version,
    headers: &[Header<'_>],
) -> Result<Framing, SendError> {
    request_head(out, method, target, version, headers).map(|h| h.framing)
}

/// What [`request_head`] found in the head it wrote.
#[derive(Debug, Clone, Copy)]
pub(crate) struct WrittenRequest {
    /// The body framing the head announces.
    pub(crate) framing: Framing,
    /// The options of every `Connection` line.
    pub(crate) connection: ConnectionOptions,
    /// A `Connection` line names `upgrade`.
    pub(crate) upgrade: bool,
}

/// [`write_request_head`] with one pass over the fields before the head is written: each
/// is checked, and the `Connection`, `Content-Length` and `Transfer-Encoding` fields noted
/// on the way (by name length first: most fields are none of them), as [`response_head`]
/// does. The framing then comes from the one `Content-Length` field, or its absence; a head
/// with a `Transfer-Encoding` or several `Content-Length` fields goes through
/// [`request_framing`] (a second walk of `headers`). On an error nothing is written.
pub(crate) fn request_head(
    out: &mut Vec<u8>,
    method: &str,
    target: &str,
    version: Version,
    headers: &[Header<'_>],
) -> Result<WrittenRequest, SendError> {
    if !is_token(method.as_bytes())
        || target.is_empty()
        || !target.bytes().all(is_target_byte)
        || target_form(target).is_none()
    {
        return Err(SendError::InvalidHead);
    }
    let mut connection = ConnectionOptions::default();
    let mut upgrade = false;
    let mut framing = FramingFields::default();
    for h in headers {
        let name = h.name.as_bytes();
        if !is_token(name) || !is_value(h.value) {
            return Err(SendError::InvalidHead);
        }
        match name.len() {
            10 if token_is(name, b"connection") => {
                connection.add(h.value);
                upgrade |= has_token(h.value, "upgrade");
            }
            14 if token_is(name, b"content-length") => framing.content_length(h.value),
            17 if token_is(name, b"transfer-encoding") => framing.transfer_encoding(),
            _ => {}
        }
    }
    let limits = Limits::default();
    let framing = framing
        .framing(&limits, Framing::None, || {
            request_framing(version, headers.iter().copied(), &limits)
        })
        .map_err(|_| SendError::InvalidHead)?;
    out.reserve(method.len() + target.len() + 12 + headers.len() * 32);
    out.extend_from_slice(method.as_bytes());
    out.push(b' ');
    out.extend_from_slice(target.as_bytes());
    out.push(b' ');
    out.extend_from_slice(version.as_str().as_bytes());
    out.extend_from_slice(b"\r\n");
    write_fields(out, headers);
    Ok(WrittenRequest {
        framing,
        connection,
        upgrade,
    })
}

/// Appends a response head to `out` exactly as given and returns the body framing it
/// announces, given the method of the request it answers (HEAD, CONNECT and the 1xx, 204 and
/// 304 codes have no body; a response with no framing field is delimited by closing).
///
/// # Errors
/// [`SendError::InvalidHead`] for a code outside 100..=999, a control byte in the reason or a
/// value, a bad field name, or contradicting framing fields. Nothing is written then.
pub fn write_response_head(
    out: &mut Vec<u8>,
    request_method: &str,
    version: Version,
    code: u16,
    reason: &[u8],
    headers: &[Header<'_>],
) -> Result<Framing, SendError> {
    response_head(
        out,
        request_method,
        version,
        code,
        reason,
        headers.iter().copied(),
        None,
    )
    .map(|h| h.framing)
}

/// What [`response_head`] found in the head it wrote.
#[derive(Debug, Clone, Copy)]
pub(crate) struct WrittenHead {
    /// The body framing the head announces.
    pub(crate) framing: Framing,
    /// The options of every `Connection` line.
    pub(crate) connection: ConnectionOptions,
}

/// [`write_response_head`] in one pass over the fields: each is checked and written, and the
/// `Connection`, `Content-Length` and `Transfer-Encoding` fields noted on the way (by name
/// length first: most fields are none of them). The framing then comes from the one
/// `Content-Length` field, or its absence; a head with a `Transfer-Encoding` or several
/// `Content-Length` fields goes through [`response_framing`] (a second walk of `headers`).
/// With `sized`, a `Content-Length` field with that value is written after `headers`
/// (which must then hold no framing field) and the framing taken from it without reading it
/// back. On an error `out` is as it was.
pub(crate) fn response_head<'h, I>(
    out: &mut Vec<u8>,
    request_method: &str,
    version: Version,
    code: u16,
    reason: &[u8],
    headers: I,
    sized: Option<u64>,
) -> Result<WrittenHead, SendError>
where
    I: Iterator<Item = Header<'h>> + Clone,
{
    if !(100..=999).contains(&code) || !is_value(reason) {
        return Err(SendError::InvalidHead);
    }
    let mark = out.len();
    out.reserve(17 + reason.len() + headers.size_hint().0 * 32);
    out.extend_from_slice(version.as_str().as_bytes());
    out.extend_from_slice(&[
        b' ',
        b'0' + (code / 100) as u8,
        b'0' + (code / 10 % 10) as u8,
        b'0' + (code % 10) as u8,
        b' ',
    ]);
    out.extend_from_slice(reason);
    out.extend_from_slice(b"\r\n");
    let mut connection = ConnectionOptions::default();
    let mut fields = FramingFields::default();
    for h in headers.clone() {
        let name = h.name.as_bytes();
        if !is_token(name) || !is_value(h.value) {
            out.truncate(mark);
            return Err(SendError::InvalidHead);
        }
        match name.len() {
            10 if token_is(name, b"connection") => connection.add(h.value),
            14 if token_is(name, b"content-length") => fields.content_length(h.value),
            17 if token_is(name, b"transfer-encoding") => fields.transfer_encoding(),
            _ => {}
        }
        write_field(out, &h);
    }
    if let Some(n) = sized {
        if fields.any() {
            out.truncate(mark);
            return Err(SendError::InvalidHead);
        }
        write_content_length(out, n);
    }
    out.extend_from_slice(b"\r\n");
    let limits = Limits::default();
    let framing = if response_has_no_body(request_method, code) {
        Some(Framing::None)
    } else if let Some(n) = sized {
        Some(n)
            .filter(|&n| n <= limits.max_body_len)
            .map(Framing::Length)
    } else {
        fields
            .framing(&limits, Framing::UntilClose, || {
                response_framing(request_method, code, version, headers, &limits)
            })
            .ok()
    };
    match framing {
        Some(framing) => Ok(WrittenHead {
            framing,
            connection,
        }),
        None => {
            out.truncate(mark);
            Err(SendError::InvalidHead)
        }
    }
}

/// Frames body bytes as the head announced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyEncoder {
    framing: Framing,
    remaining: u64,
    done: bool,
}

impl BodyEncoder {
    /// An encoder for a body with this framing.
    #[must_use]
    pub fn new(framing: Framing) -> Self {
        BodyEncoder {
            framing,
            remaining: match framing {
                Framing::Length(n) => n,
                _ => 0,
            },
            done: false,
        }
    }

    /// The framing this encoder applies.
    #[must_use]
    pub fn framing(&self) -> Framing {
        self.framing
    }

    /// Whether [`finish`](Self::finish) has run.
    #[must_use]
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// Accounts for `len` payload bytes that the caller writes itself, uncopied: appends the
    /// framing that goes before them to `out` (a chunk-size line for a chunked body, nothing
    /// otherwise) and returns the bytes that go right after them (`"\r\n"` closing a chunk,
    /// or nothing). A zero `len` writes nothing (an empty chunk would end the body).
    ///
    /// # Errors
    /// [`SendError::BodyNotAllowed`] when the message has no body,
    /// [`SendError::LengthMismatch`] beyond `Content-Length`, [`SendError::NoMessage`] after
    /// [`finish`](Self::finish). Nothing is written then.
    pub fn frame(&mut self, len: usize, out: &mut Vec<u8>) -> Result<&'static [u8], SendError> {
        if self.done {
            return Err(SendError::NoMessage);
        }
        match self.framing {
            Framing::None if len == 0 => Ok(b""),
            Framing::None => Err(SendError::BodyNotAllowed),
            Framing::Length(_) => {
                if len as u64 > self.remaining {
                    return Err(SendError::LengthMismatch);
                }
                self.remaining -= len as u64;
                Ok(b"")
            }
            Framing::UntilClose => Ok(b""),
            Framing::Chunked if len == 0 => Ok(b""),
            Framing::Chunked => {
                write_hex(out, len as u64);
                out.extend_from_slice(b"\r\n");
                Ok(b"\r\n")
            }
        }
    }

    /// Appends `data`, framed, to `out` (the copying form of [`frame`](Self::frame)).
    ///
    /// # Errors
    /// As [`frame`](Self::frame).
    pub fn encode(&mut self, data: &[u8], out: &mut Vec<u8>) -> Result<(), SendError> {
        let suffix = self.frame(data.len(), out)?;
        out.extend_from_slice(data);
        out.extend_from_slice(suffix);
        Ok(())
    }

    /// Ends the body: the last chunk and `trailers` for chunked bodies (trailers are dropped
    /// for other framings, which cannot carry them).
    ///
    /// # Errors
    /// [`SendError::LengthMismatch`] when fewer bytes than `Content-Length` were sent,
    /// [`SendError::InvalidHead`] for a malformed trailer field, [`SendError::NoMessage`]
    /// when already finished.
    pub fn finish(&mut self, trailers: &[Header<'_>], out: &mut Vec<u8>) -> Result<(), SendError> {
        if self.done {
            return Err(SendError::NoMessage);
        }
        match self.framing {
            Framing::Length(_) if self.remaining != 0 => return Err(SendError::LengthMismatch),
            Framing::Chunked => {
                check_fields(trailers)?;
                out.extend_from_slice(b"0\r\n");
                write_fields(out, trailers);
            }
            _ => {}
        }
        self.done = true;
        Ok(())
    }
}

fn write_hex(out: &mut Vec<u8>, n: u64) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut buf = [0u8; 16];
    let mut i = 16;
    let mut n = n;
    loop {
        i -= 1;
        buf[i] = HEX[(n & 15) as usize];
        n >>= 4;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&buf[i..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunked_frame_writes_only_framing() {
        let mut out = Vec::new();
        let h = [Header {
            name: "Transfer-Encoding",
            value: b"chunked",
        }];
        let f = write_response_head(&mut out, "GET", Version::Http11, 200, b"OK", &h).unwrap();
        assert_eq!(f, Framing::Chunked);
        out.clear();
        let mut enc = BodyEncoder::new(f);
        let suffix = enc.frame(300, &mut out).unwrap();
        assert_eq!(out, b"12C\r\n");
        assert_eq!(suffix, b"\r\n");
        assert_eq!(enc.frame(0, &mut out), Ok(&b""[..]));
        assert_eq!(out, b"12C\r\n");
        out.clear();
        enc.finish(
            &[Header {
                name: "X-Sum",
                value: b"1",
            }],
            &mut out,
        )
        .unwrap();
        assert_eq!(out, b"0\r\nX-Sum: 1\r\n\r\n");
    }

    #[test]
    fn length_is_enforced() {
        let mut out = Vec::new();
        let mut enc = BodyEncoder::new(Framing::Length(3));
        assert_eq!(
            enc.encode(b"abcd", &mut out),
            Err(SendError::LengthMismatch)
        );
        enc.encode(b"ab", &mut out).unwrap();
        assert_eq!(enc.finish(&[], &mut out), Err(SendError::LengthMismatch));
        enc.encode(b"c", &mut out).unwrap();
        enc.finish(&[], &mut out).unwrap();
        assert_eq!(out, b"abc");
        let mut none = BodyEncoder::new(Framing::None);
        assert_eq!(none.encode(b"x", &mut out), Err(SendError::BodyNotAllowed));
    }

    #[test]
    fn heads_are_checked() {
        let mut out = Vec::new();
        let bad = [Header {
            name: "A",
            value: b"x\r\nInjected: 1",
        }];
        assert_eq!(
            write_request_head(&mut out, "GET", "/", Version::Http11, &bad),
            Err(SendError::InvalidHead)
        );
        assert_eq!(
            write_request_head(&mut out, "GET", "/a b", Version::Http11, &[]),
            Err(SendError::InvalidHead)
        );
        let both = [
            Header {
                name: "Content-Length",
                value: b"1",
            },
            Header {
                name: "Transfer-Encoding",
                value: b"chunked",
            },
        ];
        assert_eq!(
            write_request_head(&mut out, "POST", "/", Version::Http11, &both),
            Err(SendError::InvalidHead)
        );
        assert!(out.is_empty());
    }

    /// The one pass of `request_head` frames every head as `request_framing` does, for
    /// every pair of framing fields (one, two or none; good and bad values; names in any
    /// case), in both versions; and it reads `Connection` and `upgrade` from every line.
    #[test]
    fn request_framing_in_one_pass_agrees_with_the_rules() {
        let values: [(&str, &[u8]); 12] = [
            ("Content-Length", b"3"),
            ("content-length", b"3"),
            ("Content-Length", b"3, 3"),
            ("Content-Length", b"4"),
            ("Content-Length", b"x"),
            ("Content-Length", b""),
            ("Content-Length", b"99999999999999999999"),
            ("CONTENT-LENGTH", b"0"),
            ("Transfer-Encoding", b"chunked"),
            ("transfer-encoding", b"gzip"),
            ("Transfer-Encoding", b"gzip, chunked"),
            ("X-Other", b"1"),
        ];
        let mut fields: Vec<Vec<Header<'_>>> = vec![Vec::new()];
        for (n, v) in values {
            fields.push(vec![Header { name: n, value: v }]);
            for (n2, v2) in values {
                fields.push(vec![
                    Header { name: n, value: v },
                    Header {
                        name: n2,
                        value: v2,
                    },
                ]);
            }
        }
        for version in [Version::Http10, Version::Http11] {
            for h in &fields {
                let mut out = Vec::new();
                let written = write_request_head(&mut out, "POST", "/", version, h);
                let rules = request_framing(version, h.iter().copied(), &Limits::default());
                assert_eq!(
                    written,
                    rules.map_err(|_| SendError::InvalidHead),
                    "{version:?} {h:?}"
                );
                assert_eq!(out.is_empty(), written.is_err());
            }
        }
        let lines = [
            Header {
                name: "Connection",
                value: b"keep-alive",
            },
            Header {
                name: "CONNECTION",
                value: b"Upgrade, close",
            },
        ];
        let mut out = Vec::new();
        let w = request_head(&mut out, "GET", "/", Version::Http11, &lines).unwrap();
        assert!(w.upgrade && w.connection.close);
        assert!(!w.connection.persists(Version::Http11));
        let w = request_head(&mut out, "GET", "/", Version::Http11, &lines[..1]).unwrap();
        assert!(!w.upgrade && w.connection.persists(Version::Http10));
    }
}
