//! `multipart/form-data` (RFC 7578) bodies, and `application/x-www-form-urlencoded`
//! encoding (the WHATWG URL standard's serializer).

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;

use super::error::Error;
use super::upload::{Piece, file_len};

/// One part of a [`Multipart`] form.
#[derive(Debug, Clone)]
pub struct Part {
    name: String,
    filename: Option<String>,
    content_type: Option<String>,
    data: Piece,
}

impl Part {
    /// A part named `name` holding `data` (no filename, no content type: a plain field).
    #[must_use]
    pub fn bytes(name: &str, data: impl Into<Bytes>) -> Part {
        Part {
            name: name.to_owned(),
            filename: None,
            content_type: None,
            data: Piece::Bytes(data.into()),
        }
    }

    /// A part named `name` holding the file at `path`, streamed from disk when the request
    /// is sent; its filename is the path's last component and its type
    /// `application/octet-stream` unless set.
    ///
    /// # Errors
    /// [`Error::RequestBody`] when the file cannot be read (its length is taken now).
    pub fn file(name: &str, path: impl AsRef<Path>) -> Result<Part, Error> {
        let path = path.as_ref();
        let len = file_len(path)?;
        Ok(Part {
            name: name.to_owned(),
            filename: path.file_name().map(|f| f.to_string_lossy().into_owned()),
            content_type: Some("application/octet-stream".into()),
            data: Piece::File(PathBuf::from(path), len),
        })
    }

    /// Sets the filename sent in `Content-Disposition`.
    #[must_use]
    pub fn filename(mut self, filename: &str) -> Part {
        self.filename = Some(filename.to_owned());
        self
    }

    /// Sets the part's `Content-Type`.
    #[must_use]
    pub fn content_type(mut self, content_type: &str) -> Part {
        self.content_type = Some(content_type.to_owned());
        self
    }
}

/// A `multipart/form-data` body: fields and files in the order added. Files are streamed
/// from disk when the request is sent ([`Request::multipart`](super::Request::multipart)),
/// and the body's length is known in advance (`Content-Length`).
///
/// The boundary is random (128 bits) and checked not to occur in any part: bytes parts when
/// the body is built, file parts by reading them once (a new boundary is drawn on a match).
///
/// ```
/// use runtime_mio::client::{Multipart, Part, Request};
/// let form = Multipart::new()
///     .text("title", "holiday")
///     .part(Part::bytes("photo", &b"\x89PNG..."[..]).filename("a.png").content_type("image/png"));
/// let req = Request::new("POST", "http://example.com/upload").unwrap().multipart(form).unwrap();
/// assert_eq!(req.url().target, "/upload");
/// ```
#[derive(Debug, Clone, Default)]
pub struct Multipart {
    parts: Vec<Part>,
}

impl Multipart {
    /// An empty form.
    #[must_use]
    pub fn new() -> Multipart {
        Multipart::default()
    }

    /// Adds a text field.
    #[must_use]
    pub fn text(self, name: &str, value: &str) -> Multipart {
        self.part(Part::bytes(name, value.as_bytes().to_vec()))
    }

    /// Adds a file field (see [`Part::file`]).
    ///
    /// # Errors
    /// As [`Part::file`].
    pub fn file(self, name: &str, path: impl AsRef<Path>) -> Result<Multipart, Error> {
        Ok(self.part(Part::file(name, path)?))
    }

    /// Adds a part.
    #[must_use]
    pub fn part(mut self, part: Part) -> Multipart {
        self.parts.push(part);
        self
    }

    /// The pieces of the body and its `Content-Type` (with the boundary).
    pub(crate) fn build(&self) -> Result<(Vec<Piece>, String), Error> {
        let boundary = loop {
            let b = random_boundary();
            if !self.occurs(b.as_bytes())? {
                break b;
            }
        };
        let mut pieces = Vec::with_capacity(self.parts.len() * 2 + 1);
        for part in &self.parts {
            let mut head = format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{}\"",
                escape(&part.name)
            );
            if let Some(f) = &part.filename {
                head.push_str(&format!("; filename=\"{}\"", escape(f)));
            }
            head.push_str("\r\n");
            if let Some(t) = &part.content_type {
                head.push_str(&format!(
                    "Content-Type: {}\r\n",
                    t.replace(['\r', '\n'], " ")
                ));
            }
            head.push_str("\r\n");
            pieces.push(Piece::Bytes(Bytes::from(head.into_bytes())));
            pieces.push(part.data.clone());
            pieces.push(Piece::Bytes(Bytes::from_static(b"\r\n")));
        }
        pieces.push(Piece::Bytes(Bytes::from(format!("--{boundary}--\r\n"))));
        Ok((pieces, format!("multipart/form-data; boundary={boundary}")))
    }

    /// Whether `needle` occurs in any part's data (files are read through).
    fn occurs(&self, needle: &[u8]) -> Result<bool, Error> {
        for part in &self.parts {
            let found = match &part.data {
                Piece::Bytes(b) => find(b, needle),
                Piece::File(path, _) => {
                    let io = |e: std::io::Error| Error::RequestBody(Arc::new(e));
                    let mut f = std::fs::File::open(path).map_err(io)?;
                    let mut buf = vec![0u8; 64 * 1024];
                    // The window keeps the last needle-1 bytes so a match across reads is seen.
                    let mut carry: Vec<u8> = Vec::new();
                    let mut hit = false;
                    loop {
                        let n = f.read(&mut buf).map_err(io)?;
                        if n == 0 {
                            break;
                        }
                        carry.extend_from_slice(&buf[..n]);
                        if find(&carry, needle) {
                            hit = true;
                            break;
                        }
                        let keep = needle.len().saturating_sub(1).min(carry.len());
                        carry.drain(..carry.len() - keep);
                    }
                    hit
                }
            };
            if found {
                return Ok(true);
            }
        }
        Ok(false)
    }
}

fn find(hay: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || hay.windows(needle.len()).any(|w| w == needle)
}

/// `"`, CR and LF in a name or filename as the WHATWG form encoder writes them.
fn escape(s: &str) -> String {
    s.replace('"', "%22")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// 32 hex digits from two randomly keyed SipHash states (std's per-process random keys),
/// mixed with the time and a counter.
fn random_boundary() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let word = |salt: u64| {
        let mut h = RandomState::new().build_hasher();
        h.write_u64(n);
        h.write_u128(t);
        h.write_u64(salt);
        h.finish()
    };
    format!("wire-{:016x}{:016x}", word(1), word(2))
}

/// Encodes `pairs` as `application/x-www-form-urlencoded` (the WHATWG URL standard's
/// serializer): ASCII alphanumerics and `*-._` as they are, space as `+`, every other byte
/// of the UTF-8 as `%XX`; pairs joined by `&`.
///
/// ```
/// use runtime_mio::client::urlencode;
/// assert_eq!(urlencode(&[("a b", "1&2=3"), ("é", "~")]), "a+b=1%262%3D3&%C3%A9=%7E");
/// ```
#[must_use]
pub fn urlencode<K: AsRef<str>, V: AsRef<str>>(pairs: &[(K, V)]) -> String {
    let mut out = String::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        encode_into(k.as_ref(), &mut out);
        out.push('=');
        encode_into(v.as_ref(), &mut out);
    }
    out
}

fn encode_into(s: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in s.as_bytes() {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => {
                out.push(char::from(b));
            }
            b' ' => out.push('+'),
            _ => {
                out.push('%');
                out.push(char::from(HEX[usize::from(b >> 4)]));
                out.push(char::from(HEX[usize::from(b & 15)]));
            }
        }
    }
}
