//! What a connection hands out of a received head: the header fields as offsets into its
//! receive buffer ([`Fields`], filled through a [`Sink`] while the head is parsed), and the
//! request and response heads built on them. Nothing here is copied out of the buffer.

use crate::body::{Framing, FramingFields};
use crate::error::Error;
use crate::head::{ConnectionOptions, Header, Sink, Version, has_token};
use crate::scan::token_is;

/// Offsets of one header field in the receive buffer.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Span {
    pub(crate) name: (u32, u32),
    pub(crate) value: (u32, u32),
}

/// Collects the spans of a head or trailer section; the table grows up to `max` entries.
pub(crate) struct SpanSink<'s> {
    pub(crate) spans: &'s mut Vec<Span>,
    pub(crate) base: usize,
    pub(crate) max: usize,
}

/// The most header fields a connection keeps offsets of, whatever the configured limit.
pub(crate) const MAX_SPANS: usize = 4096;

impl<'b> Sink<'b> for SpanSink<'_> {
    // Called once per field from the parser's loop: keep it inlined there.
    #[inline(always)]
    fn push(&mut self, name: &'b str, value: &'b [u8]) -> Result<(), Error> {
        if self.spans.len() >= self.max {
            return Err(Error::TooManyHeaders { limit: self.max });
        }
        let off = |p: *const u8| (p as usize - self.base) as u32;
        let span = Span {
            name: (off(name.as_ptr()), name.len() as u32),
            value: (off(value.as_ptr()), value.len() as u32),
        };
        if self.spans.len() < self.spans.capacity() {
            // The common case, with no growth path in the parser's loop.
            self.spans.push(span);
        } else {
            push_growing(self.spans, span);
        }
        Ok(())
    }
}

/// The table is full: grow it (rare: it keeps its size across heads).
#[cold]
#[inline(never)]
fn push_growing(spans: &mut Vec<Span>, span: Span) {
    spans.push(span);
}

/// Header fields of a received head or trailer section, borrowed from the connection.
#[derive(Debug, Clone, Copy)]
pub struct Fields<'a> {
    pub(crate) buf: &'a [u8],
    pub(crate) spans: &'a [Span],
}

impl<'a> Fields<'a> {
    /// The fields in the order received, names exactly as received.
    pub fn iter(&self) -> impl Iterator<Item = Header<'a>> + 'a {
        let buf = self.buf;
        self.spans.iter().map(move |s| {
            let (n0, nl) = (s.name.0 as usize, s.name.1 as usize);
            let (v0, vl) = (s.value.0 as usize, s.value.1 as usize);
            Header {
                // The parser let only token characters into a name: the ASCII check (a word
                // at a time) always holds and is cheaper than `str::from_utf8`.
                name: crate::simd::checked_ascii_str(&buf[n0..n0 + nl]).unwrap_or(""),
                value: &buf[v0..v0 + vl],
            }
        })
    }

    /// The fields in the order received as bytes, name and value: [`Fields::iter`] without
    /// viewing each name as a `str` (a copy of the fields needs only their bytes). A name
    /// holds only token characters (the parser lets in no other), ASCII.
    pub fn iter_bytes(&self) -> impl Iterator<Item = (&'a [u8], &'a [u8])> + 'a {
        let buf = self.buf;
        self.spans.iter().map(move |s| {
            let (n0, nl) = (s.name.0 as usize, s.name.1 as usize);
            let (v0, vl) = (s.value.0 as usize, s.value.1 as usize);
            (&buf[n0..n0 + nl], &buf[v0..v0 + vl])
        })
    }

    /// The value of the first field named `name` (ASCII case-insensitive).
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&'a [u8]> {
        let buf = self.buf;
        let name = name.as_bytes();
        self.spans.iter().find_map(|s| {
            let (n0, nl) = (s.name.0 as usize, s.name.1 as usize);
            let (v0, vl) = (s.value.0 as usize, s.value.1 as usize);
            buf[n0..n0 + nl]
                .eq_ignore_ascii_case(name)
                .then(|| &buf[v0..v0 + vl])
        })
    }

    /// What a server reads from a request's fields, in one pass over them: the `Host` fields
    /// (for the RFC 9112 section 3.2 rule, [`request_host`](crate::request_host)), the first
    /// `Connection` and `Expect` values, and whether any `Content-Length` or
    /// `Transfer-Encoding` field is there (else the request has no body and its framing
    /// needs no further look). Names (tokens: the parser lets in no other) are compared as
    /// bytes, without the ASCII check of [`Fields::iter`], and by length first: most fields
    /// are none of these five.
    pub(crate) fn request_scan(&self) -> RequestScan<'a> {
        let buf = self.buf;
        let mut scan = RequestScan::default();
        for (field, s) in self.spans.iter().enumerate() {
            let (n0, nl) = (s.name.0 as usize, s.name.1 as usize);
            let name = &buf[n0..n0 + nl];
            let value = || {
                let (v0, vl) = (s.value.0 as usize, s.value.1 as usize);
                &buf[v0..v0 + vl]
            };
            match nl {
                4 if token_is(name, b"host") => {
                    if scan.host.is_some() {
                        // Only the first repetition counts (the rule stops there).
                        scan.duplicate_host.get_or_insert(field);
                    } else {
                        scan.host = Some((field, value()));
                    }
                }
                // RFC 9110 10.1.1: `Expect` is a list, and several lines make one.
                6 if token_is(name, b"expect") => {
                    scan.expect_continue |= has_token(value(), "100-continue");
                }
                10 if token_is(name, b"connection") => scan.connection.add(value()),
                14 if token_is(name, b"content-length") => scan.framed = true,
                17 if token_is(name, b"transfer-encoding") => scan.framed = true,
                _ => {}
            }
        }
        scan
    }

    /// What a client reads from a response's fields, in one pass over them (a request's
    /// come with [`Fields::request_scan`]): the options of every `Connection` line, and the
    /// framing fields (the framing rules look again only at a `Transfer-Encoding` or several
    /// `Content-Length` fields). Names by length first, as the parser stored them.
    pub(crate) fn response_scan(&self) -> ResponseScan<'a> {
        let buf = self.buf;
        let mut scan = ResponseScan::default();
        for s in self.spans {
            let (n0, nl) = (s.name.0 as usize, s.name.1 as usize);
            let name = &buf[n0..n0 + nl];
            let value = || {
                let (v0, vl) = (s.value.0 as usize, s.value.1 as usize);
                &buf[v0..v0 + vl]
            };
            match nl {
                10 if token_is(name, b"connection") => scan.connection.add(value()),
                14 if token_is(name, b"content-length") => scan.framing.content_length(value()),
                17 if token_is(name, b"transfer-encoding") => scan.framing.transfer_encoding(),
                _ => {}
            }
        }
        scan
    }

    /// The bytes of every name and value together (what a copy of the fields needs, sized
    /// at once), from the stored spans.
    #[must_use]
    pub fn name_value_bytes(&self) -> usize {
        self.spans
            .iter()
            .map(|s| s.name.1 as usize + s.value.1 as usize)
            .sum()
    }

    /// How many fields.
    #[must_use]
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// Whether there are no fields.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }
}

/// What [`Fields::response_scan`] found.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct ResponseScan<'a> {
    /// The options of every `Connection` line.
    pub(crate) connection: ConnectionOptions,
    /// The framing fields.
    pub(crate) framing: FramingFields<'a>,
}

/// What [`Fields::request_scan`] found.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct RequestScan<'a> {
    /// The first `Host` field: its index and value.
    host: Option<(usize, &'a [u8])>,
    /// The index of the second `Host` field, if any.
    duplicate_host: Option<usize>,
    /// The options of every `Connection` line.
    pub(crate) connection: ConnectionOptions,
    /// `100-continue` is among the members of the `Expect` lines.
    pub(crate) expect_continue: bool,
    /// A `Content-Length` or `Transfer-Encoding` field is there.
    pub(crate) framed: bool,
}

impl RequestScan<'_> {
    /// The RFC 9112 section 3.2 rule on the `Host` fields ([`request_host`](crate::request_host)).
    pub(crate) fn host(&self, version: Version) -> Result<(), Error> {
        if let Some(field) = self.duplicate_host {
            return Err(Error::DuplicateHost { field });
        }
        crate::host::check(version, self.host).map(|_| ())
    }

    /// The request is HTTP/1.1 and its `Expect` list holds `100-continue`.
    pub(crate) fn expects_continue(&self, version: Version) -> bool {
        version == Version::Http11 && self.expect_continue
    }
}

/// A received request head.
#[derive(Debug, Clone, Copy)]
pub struct RequestHead<'a> {
    /// The method, case kept.
    pub method: &'a str,
    /// The request-target as received.
    pub target: &'a str,
    /// The version.
    pub version: Version,
    /// The header fields.
    pub fields: Fields<'a>,
    /// How the body is delimited, as the connection decided from the fields (RFC 9112
    /// section 6.3): [`Framing::None`] or `Framing::Length(0)` when the request has no body.
    pub framing: Framing,
    /// HTTP/1.1 with `Expect: 100-continue` (found when the head was read).
    pub(crate) expect_continue: bool,
}

impl<'a> RequestHead<'a> {
    /// The header fields in order.
    pub fn headers(&self) -> impl Iterator<Item = Header<'a>> + 'a {
        self.fields.iter()
    }
    /// The first value of `name` (ASCII case-insensitive).
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&'a [u8]> {
        self.fields.get(name)
    }
    /// Whether the client waits for `100 Continue` before sending the body.
    #[must_use]
    pub fn expects_continue(&self) -> bool {
        self.expect_continue
    }

    /// Whether a body follows the head (its framing is neither [`Framing::None`] nor a
    /// length of zero).
    #[must_use]
    pub fn has_body(&self) -> bool {
        !matches!(self.framing, Framing::None | Framing::Length(0))
    }
}

/// A received response head (a 1xx interim one or the final one).
#[derive(Debug, Clone, Copy)]
pub struct ResponseHead<'a> {
    /// The version.
    pub version: Version,
    /// The status code.
    pub code: u16,
    /// The reason phrase as received.
    pub reason: &'a [u8],
    /// The header fields.
    pub fields: Fields<'a>,
}

impl<'a> ResponseHead<'a> {
    /// The header fields in order.
    pub fn headers(&self) -> impl Iterator<Item = Header<'a>> + 'a {
        self.fields.iter()
    }
    /// The first value of `name` (ASCII case-insensitive).
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&'a [u8]> {
        self.fields.get(name)
    }
}
