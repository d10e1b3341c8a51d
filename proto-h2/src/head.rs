//! Decoded header blocks and the HTTP message rules of RFC 9113 section 8 (field validity,
//! pseudo-header rules, connection-specific fields, `:authority`/`host`, `content-length`).
//!
//! A block is stored as one byte buffer ([`Fields`]): one allocation per block, none per
//! field.

use crate::frame::ErrorCode;
use core::fmt;

/// Why a message is malformed (RFC 9113 8.1.1): a stream error of type PROTOCOL_ERROR.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Malformed {
    /// A field name with an uppercase letter (8.2.1).
    UppercaseName,
    /// A field name that is empty or has a character not allowed in a token (8.2.1).
    InvalidName,
    /// A field value with NUL, CR or LF, or leading/trailing whitespace (8.2.1).
    InvalidValue,
    /// A pseudo-header after a regular field (8.3).
    PseudoAfterRegular,
    /// A pseudo-header this message kind does not define (8.3).
    UnknownPseudo,
    /// The same pseudo-header twice (8.3.1).
    DuplicatePseudo,
    /// A pseudo-header in trailers (8.1).
    PseudoInTrailers,
    /// A required pseudo-header is missing (8.3.1, 8.3.2).
    Missing(&'static str),
    /// `:scheme` or `:path` in a plain CONNECT request (8.5).
    ConnectWithSchemeOrPath,
    /// `:path` empty (8.3.1).
    EmptyPath,
    /// `:protocol` without CONNECT, or without our SETTINGS_ENABLE_CONNECT_PROTOCOL (RFC 8441 4).
    BadProtocol,
    /// A connection-specific field such as `connection` or `transfer-encoding` (8.2.2).
    ConnectionSpecific,
    /// `te` with a value other than `trailers` (8.2.2).
    TeNotTrailers,
    /// `:authority` and `host` disagree (8.3.1).
    AuthorityHostMismatch,
    /// More than one `host` field in a request, even with equal values: which one names the
    /// target would be up to the reader (the first is what [`Fields::get`] returns), so the
    /// request is refused rather than checked against `:authority` on one of them (8.3.1).
    DuplicateHost,
    /// `content-length` that is not a number, or several that disagree.
    BadContentLength,
    /// The DATA received does not add up to `content-length` (8.1.1).
    ContentLengthMismatch {
        /// The declared length.
        declared: u64,
        /// What arrived (so far, when it is already more).
        received: u64,
    },
    /// `:status` that is not exactly three ASCII digits in 100..=599 (8.3.2; RFC 9110 15), or
    /// 101, which HTTP/2 does not support (8.6): never taken for an interim response.
    BadStatus,
    /// A HEADERS frame after the message head that is not trailers with END_STREAM (8.1).
    UnexpectedHeaders,
    /// DATA before the (final) message head (8.1).
    DataBeforeHead,
}

impl Malformed {
    /// Always PROTOCOL_ERROR.
    pub fn code(&self) -> ErrorCode {
        ErrorCode::PROTOCOL_ERROR
    }
}

impl fmt::Display for Malformed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "malformed message: {self:?}")
    }
}

/// The bytes before each field's name in [`Fields`]'s buffer: the name length and the value
/// length (little-endian `u32`s), then 1 for a never-indexed field, else 0.
const RECORD: usize = 9;

fn read_len(buf: &[u8], at: usize) -> usize {
    let mut b = [0u8; 4];
    b.copy_from_slice(&buf[at..at + 4]);
    u32::from_le_bytes(b) as usize
}

/// The fields of one header block in wire order, pseudo-headers first.
///
/// Stored in one buffer, each field as a small record (its lengths and whether it is
/// sensitive) followed by its name and value: one allocation per block, none per field.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Fields {
    buf: Vec<u8>,
    count: usize,
}

impl fmt::Debug for Fields {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.iter().map(|(n, v)| {
                (
                    String::from_utf8_lossy(n).into_owned(),
                    String::from_utf8_lossy(v).into_owned(),
                )
            }))
            .finish()
    }
}

impl Fields {
    /// An empty list.
    pub fn new() -> Self {
        Fields::default()
    }
    /// Appends a field.
    pub fn push(&mut self, name: &[u8], value: &[u8], sensitive: bool) {
        self.buf.reserve(RECORD + name.len() + value.len());
        // The record in one copy.
        let mut record = [0u8; RECORD];
        record[..4].copy_from_slice(&(name.len() as u32).to_le_bytes());
        record[4..8].copy_from_slice(&(value.len() as u32).to_le_bytes());
        record[8] = u8::from(sensitive);
        self.buf.extend_from_slice(&record);
        self.buf.extend_from_slice(name);
        self.buf.extend_from_slice(value);
        self.count += 1;
    }
    /// Every field as (name, value, sensitive), in wire order.
    fn records(&self) -> impl Iterator<Item = (&[u8], &[u8], bool)> + '_ {
        let buf = &self.buf[..];
        let mut at = 0;
        std::iter::from_fn(move || {
            if at >= buf.len() {
                return None;
            }
            let name = at + RECORD;
            let value = name + read_len(buf, at);
            let end = value + read_len(buf, at + 4);
            let sensitive = buf[at + 8] != 0;
            at = end;
            Some((&buf[name..value], &buf[value..end], sensitive))
        })
    }
    /// Every field (pseudo-headers included) as (name, value), in wire order.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], &[u8])> + '_ {
        self.records().map(|(n, v, _)| (n, v))
    }
    /// The regular fields (no pseudo-headers), in wire order.
    pub fn headers(&self) -> impl Iterator<Item = (&[u8], &[u8])> + '_ {
        self.iter().filter(|(n, _)| !n.starts_with(b":"))
    }
    /// Whether the field at `index` came as a never-indexed literal.
    pub fn is_sensitive(&self, index: usize) -> bool {
        self.records().nth(index).is_some_and(|r| r.2)
    }
    /// The first value of `name` (exact, lowercase).
    pub fn get(&self, name: &[u8]) -> Option<&[u8]> {
        self.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }
    /// Number of fields.
    pub fn len(&self) -> usize {
        self.count
    }
    /// Octets of names and values of all fields together (pseudo-headers included): what
    /// a copy of them needs besides its own per-field overhead.
    pub fn octets(&self) -> usize {
        self.buf.len() - self.count * RECORD
    }
    /// No fields?
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }
    fn clear(&mut self) {
        self.buf.clear();
        self.count = 0;
    }
    /// Makes this list a copy of `other`, in the memory it already has.
    fn copy_from(&mut self, other: &Fields) {
        self.buf.clear();
        self.buf.extend_from_slice(&other.buf);
        self.count = other.count;
    }
    /// Heap bytes held (capacity, not length): what a reused scratch head keeps alive.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.buf.capacity()
    }
}

/// A request or response head: its fields plus typed access to the pseudo-headers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Head {
    /// Every field in wire order.
    pub fields: Fields,
    /// The parsed `content-length`, if any.
    pub content_length: Option<u64>,
}

impl Head {
    /// Makes this head a copy of `other`, in the memory it already has.
    pub(crate) fn copy_from(&mut self, other: &Head) {
        self.fields.copy_from(&other.fields);
        self.content_length = other.content_length;
    }
    /// `:method`.
    pub fn method(&self) -> Option<&[u8]> {
        self.fields.get(b":method")
    }
    /// `:scheme`.
    pub fn scheme(&self) -> Option<&[u8]> {
        self.fields.get(b":scheme")
    }
    /// `:authority`.
    pub fn authority(&self) -> Option<&[u8]> {
        self.fields.get(b":authority")
    }
    /// `:path`.
    pub fn path(&self) -> Option<&[u8]> {
        self.fields.get(b":path")
    }
    /// `:protocol` (extended CONNECT, RFC 8441).
    pub fn protocol(&self) -> Option<&[u8]> {
        self.fields.get(b":protocol")
    }
    /// `:status` as a number.
    pub fn status(&self) -> Option<u16> {
        let s = self.fields.get(b":status")?;
        // Three digits, as every valid response has them: no UTF-8 check and no general
        // parse (this runs for every response, more than once).
        if let [a, b, c] = *s
            && [a, b, c].iter().all(u8::is_ascii_digit)
        {
            return Some(
                u16::from(a - b'0') * 100 + u16::from(b - b'0') * 10 + u16::from(c - b'0'),
            );
        }
        std::str::from_utf8(s).ok()?.parse().ok()
    }
    /// The regular fields.
    pub fn headers(&self) -> impl Iterator<Item = (&[u8], &[u8])> + '_ {
        self.fields.headers()
    }
}

/// What a header block is expected to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Request { connect_protocol: bool },
    Response,
    Trailers,
}

const M: u8 = 1;
const S: u8 = 2;
const A: u8 = 4;
const P: u8 = 8;
const PR: u8 = 16;
const ST: u8 = 32;

/// Collects decoded fields and checks them as they come; the first violation is kept.
pub(crate) struct Collector<'h> {
    head: &'h mut Head,
    kind: Kind,
    seen: u8,
    regular: bool,
    pub(crate) err: Option<Malformed>,
    host: Option<(u32, u32)>,
}

const fn valid_name_byte(b: u8) -> bool {
    // token characters (RFC 9110 5.6.2), lowercase only.
    matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'!' | b'#' | b'$' | b'%' | b'&' | b'\'' | b'*'
        | b'+' | b'-' | b'.' | b'^' | b'_' | b'`' | b'|' | b'~')
}

/// Generated table (by [`valid_name_byte`], at compile time): whether each octet may be in a
/// field name; one load per octet instead of a chain of comparisons (every received name
/// goes through it).
static NAME_BYTES: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = valid_name_byte(i as u8);
        i += 1;
    }
    t
};

pub(crate) fn check_name(name: &[u8]) -> Result<(), Malformed> {
    if name.is_empty() {
        return Err(Malformed::InvalidName);
    }
    if name.iter().all(|&b| NAME_BYTES[usize::from(b)]) {
        return Ok(());
    }
    for &b in name {
        if !valid_name_byte(b) {
            return Err(if b.is_ascii_uppercase() {
                Malformed::UppercaseName
            } else {
                Malformed::InvalidName
            });
        }
    }
    Ok(())
}

/// Whether an octet of `w` is zero (the exact word-at-a-time test: a borrow can only reach
/// the top bit of an octet above a zero one, so the result is nonzero exactly when one is).
const fn has_zero_octet(w: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    w.wrapping_sub(ONES) & !w & (ONES << 7) != 0
}

/// Whether `v` holds NUL, CR or LF: eight octets at a time (every received value goes
/// through it, dates and content types included), the last few one by one.
fn has_nul_cr_lf(v: &[u8]) -> bool {
    const CR: u64 = 0x0101_0101_0101_0101 * b'\r' as u64;
    const LF: u64 = 0x0101_0101_0101_0101 * b'\n' as u64;
    let mut words = v.chunks_exact(8);
    for w in &mut words {
        let w = u64::from_le_bytes(w.try_into().expect("chunks of eight"));
        if has_zero_octet(w) | has_zero_octet(w ^ CR) | has_zero_octet(w ^ LF) {
            return true;
        }
    }
    words
        .remainder()
        .iter()
        .any(|&b| b == 0 || b == b'\r' || b == b'\n')
}

pub(crate) fn check_value(v: &[u8]) -> Result<(), Malformed> {
    if has_nul_cr_lf(v)
        || v.first().is_some_and(|&b| b == b' ' || b == b'\t')
        || v.last().is_some_and(|&b| b == b' ' || b == b'\t')
    {
        return Err(Malformed::InvalidValue);
    }
    Ok(())
}

pub(crate) fn connection_specific(name: &[u8]) -> bool {
    matches!(
        name,
        b"connection" | b"proxy-connection" | b"keep-alive" | b"transfer-encoding" | b"upgrade"
    )
}

/// A response `:status`: three ASCII digits, 100..=599 (RFC 9110 15), and not 101 (RFC 9113
/// 8.6: "HTTP/2 removes support for the 101 (Switching Protocols) informational status code").
fn valid_status(v: &[u8]) -> bool {
    matches!(v, [b'1'..=b'5', b'0'..=b'9', b'0'..=b'9']) && v != b"101"
}

fn parse_content_length(v: &[u8]) -> Option<u64> {
    // Several comma-separated equal values are allowed (RFC 9110 8.6).
    let mut out: Option<u64> = None;
    for part in v.split(|&b| b == b',') {
        let part = part.trim_ascii();
        if part.is_empty() || part.len() > 19 || !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let n = part.iter().fold(0u64, |a, &d| a * 10 + u64::from(d - b'0'));
        if out.is_some_and(|o| o != n) {
            return None;
        }
        out = Some(n);
    }
    out
}

impl<'h> Collector<'h> {
    pub(crate) fn new(head: &'h mut Head, kind: Kind) -> Self {
        head.fields.clear();
        head.content_length = None;
        Collector {
            head,
            kind,
            seen: 0,
            regular: false,
            err: None,
            host: None,
        }
    }

    fn fail(&mut self, m: Malformed) {
        if self.err.is_none() {
            self.err = Some(m);
        }
    }

    pub(crate) fn push(&mut self, name: &[u8], value: &[u8], sensitive: bool) {
        if self.err.is_some() {
            return;
        }
        if let Err(m) = check_value(value) {
            return self.fail(m);
        }
        if let Some(p) = name.strip_prefix(b":") {
            if self.regular {
                return self.fail(Malformed::PseudoAfterRegular);
            }
            let bit = match (self.kind, p) {
                (Kind::Trailers, _) => return self.fail(Malformed::PseudoInTrailers),
                (Kind::Request { .. }, b"method") => M,
                (Kind::Request { .. }, b"scheme") => S,
                (Kind::Request { .. }, b"authority") => A,
                (Kind::Request { .. }, b"path") => P,
                (Kind::Request { .. }, b"protocol") => PR,
                (Kind::Response, b"status") => ST,
                _ => return self.fail(Malformed::UnknownPseudo),
            };
            if self.seen & bit != 0 {
                return self.fail(Malformed::DuplicatePseudo);
            }
            self.seen |= bit;
            if bit == ST && !valid_status(value) {
                return self.fail(Malformed::BadStatus);
            }
            if bit == P && value.is_empty() {
                return self.fail(Malformed::EmptyPath);
            }
        } else {
            self.regular = true;
            if let Err(m) = check_name(name) {
                return self.fail(m);
            }
            if connection_specific(name) {
                return self.fail(Malformed::ConnectionSpecific);
            }
            if name == b"te" && value != b"trailers" {
                return self.fail(Malformed::TeNotTrailers);
            }
            if name == b"content-length" && self.kind != Kind::Trailers {
                match parse_content_length(value) {
                    Some(n) if self.head.content_length.is_none_or(|o| o == n) => {
                        self.head.content_length = Some(n)
                    }
                    _ => return self.fail(Malformed::BadContentLength),
                }
            }
            if name == b"host" && matches!(self.kind, Kind::Request { .. }) {
                if self.host.is_some() {
                    return self.fail(Malformed::DuplicateHost);
                }
                // The value follows the record and the name "host".
                let start = (self.head.fields.buf.len() + RECORD + 4) as u32;
                self.host = Some((start, start + value.len() as u32));
            }
        }
        self.head.fields.push(name, value, sensitive);
    }

    /// Checks what can only be checked at the end of the block.
    pub(crate) fn finish(mut self) -> Result<(), Malformed> {
        if let Some(e) = self.err {
            return Err(e);
        }
        match self.kind {
            Kind::Request { connect_protocol } => {
                let is_connect = self.head.method() == Some(b"CONNECT");
                if self.seen & M == 0 {
                    return Err(Malformed::Missing(":method"));
                }
                if self.seen & PR != 0 {
                    // RFC 8441 4: ":protocol" only with CONNECT, only if we enabled it.
                    if !is_connect || !connect_protocol {
                        return Err(Malformed::BadProtocol);
                    }
                    for (bit, name) in [(S, ":scheme"), (P, ":path"), (A, ":authority")] {
                        if self.seen & bit == 0 {
                            return Err(Malformed::Missing(name));
                        }
                    }
                } else if is_connect {
                    if self.seen & A == 0 {
                        return Err(Malformed::Missing(":authority"));
                    }
                    if self.seen & (S | P) != 0 {
                        return Err(Malformed::ConnectWithSchemeOrPath);
                    }
                } else {
                    if self.seen & S == 0 {
                        return Err(Malformed::Missing(":scheme"));
                    }
                    if self.seen & P == 0 {
                        return Err(Malformed::Missing(":path"));
                    }
                }
                if let (Some((s, e)), Some(auth)) = (self.host, self.head.authority()) {
                    let host = &self.head.fields.buf[s as usize..e as usize];
                    if host != auth {
                        self.err = Some(Malformed::AuthorityHostMismatch);
                    }
                }
            }
            Kind::Response => {
                if self.seen & ST == 0 {
                    return Err(Malformed::Missing(":status"));
                }
            }
            Kind::Trailers => {}
        }
        match self.err {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_keep_order_values_and_sensitivity_in_one_buffer() {
        let mut f = Fields::new();
        assert!(f.is_empty());
        f.push(b":method", b"GET", false);
        f.push(b"cookie", b"", true);
        f.push(b"x-long", &[b'v'; 300], false);
        f.push(b"cookie", b"b=2", false);
        assert_eq!(f.len(), 4);
        assert_eq!(f.octets(), 7 + 3 + 6 + 6 + 300 + 6 + 3);
        let all: Vec<_> = f.iter().collect();
        assert_eq!(all[0], (&b":method"[..], &b"GET"[..]));
        assert_eq!(all[1], (&b"cookie"[..], &b""[..]));
        assert_eq!(all[2].1.len(), 300);
        assert_eq!(all[3], (&b"cookie"[..], &b"b=2"[..]));
        assert_eq!(f.get(b"cookie"), Some(&b""[..]));
        assert_eq!(f.get(b"absent"), None);
        let sensitive: Vec<bool> = (0..5).map(|i| f.is_sensitive(i)).collect();
        assert_eq!(sensitive, [false, true, false, false, false]);
        assert_eq!(f.headers().count(), 3);
        assert_eq!(f.clone(), f);
        f.clear();
        assert!(f.is_empty() && f.iter().next().is_none());
    }

    /// The word-at-a-time check finds NUL, CR and LF at every place of values of every
    /// length up to three words, among octets that come close (1, 9, 11, 12, 14, 0x80, 0xff),
    /// and passes values without them.
    #[test]
    fn values_with_nul_cr_or_lf_are_found_at_every_place() {
        for len in 0..=24 {
            for filler in [b'a', 1, 9, 11, 12, 14, 0x80, 0xff] {
                let clean = vec![filler; len];
                assert!(!has_nul_cr_lf(&clean), "{len} x {filler}");
                for at in 0..len {
                    for bad in [0, b'\r', b'\n'] {
                        let mut v = clean.clone();
                        v[at] = bad;
                        assert!(has_nul_cr_lf(&v), "{bad} at {at} of {len}");
                        assert_eq!(check_value(&v), Err(Malformed::InvalidValue));
                    }
                }
            }
        }
    }

    fn run(kind: Kind, fields: &[(&str, &str)]) -> Result<Head, Malformed> {
        let mut h = Head::default();
        let mut c = Collector::new(&mut h, kind);
        for (n, v) in fields {
            c.push(n.as_bytes(), v.as_bytes(), false);
        }
        c.finish().map(|()| h)
    }
    const REQ: Kind = Kind::Request {
        connect_protocol: false,
    };

    #[test]
    fn request_rules() {
        let base = [
            (":method", "GET"),
            (":scheme", "https"),
            (":authority", "a.example"),
            (":path", "/"),
        ];
        let h = run(REQ, &base).unwrap();
        assert_eq!(h.method(), Some(&b"GET"[..]));
        assert_eq!(h.path(), Some(&b"/"[..]));
        let with = |extra: (&'static str, &'static str)| {
            let mut v = base.to_vec();
            v.push(extra);
            run(REQ, &v)
        };
        assert_eq!(with(("X-A", "b")), Err(Malformed::UppercaseName));
        assert_eq!(
            with(("connection", "x")),
            Err(Malformed::ConnectionSpecific)
        );
        assert_eq!(with(("te", "gzip")), Err(Malformed::TeNotTrailers));
        assert!(with(("te", "trailers")).is_ok());
        assert_eq!(with((":path", "/x")), Err(Malformed::DuplicatePseudo));
        assert_eq!(
            with(("host", "b.example")),
            Err(Malformed::AuthorityHostMismatch)
        );
        assert!(with(("host", "a.example")).is_ok());
        let mut two = base.to_vec();
        two.extend([("host", "a.example"), ("host", "a.example")]);
        assert_eq!(run(REQ, &two), Err(Malformed::DuplicateHost));
        assert_eq!(
            with(("content-length", "1, 2")),
            Err(Malformed::BadContentLength)
        );
        assert_eq!(
            with(("content-length", "5, 5")).unwrap().content_length,
            Some(5)
        );
        assert_eq!(with(("x", "a\nb")), Err(Malformed::InvalidValue));
        assert_eq!(
            run(REQ, &[(":method", "GET"), ("x", "y"), (":path", "/")]),
            Err(Malformed::PseudoAfterRegular)
        );
        assert_eq!(
            run(REQ, &[(":method", "GET"), (":path", "/")]),
            Err(Malformed::Missing(":scheme"))
        );
        assert!(run(REQ, &[(":method", "CONNECT"), (":authority", "a:1")]).is_ok());
        assert_eq!(
            run(
                REQ,
                &[
                    (":method", "CONNECT"),
                    (":protocol", "websocket"),
                    (":scheme", "https"),
                    (":path", "/"),
                    (":authority", "a")
                ]
            ),
            Err(Malformed::BadProtocol)
        );
        assert!(
            run(
                Kind::Request {
                    connect_protocol: true
                },
                &[
                    (":method", "CONNECT"),
                    (":protocol", "websocket"),
                    (":scheme", "https"),
                    (":path", "/"),
                    (":authority", "a")
                ]
            )
            .is_ok()
        );
        assert_eq!(
            run(Kind::Trailers, &[(":path", "/")]),
            Err(Malformed::PseudoInTrailers)
        );
        assert_eq!(
            run(Kind::Response, &[(":status", "2000")]),
            Err(Malformed::BadStatus)
        );
        assert_eq!(
            run(Kind::Response, &[(":status", "204")]).unwrap().status(),
            Some(204)
        );
        for bad in ["000", "099", "101", "600", "+20", "20", "2000"] {
            assert_eq!(
                run(Kind::Response, &[(":status", bad)]),
                Err(Malformed::BadStatus),
                "{bad}"
            );
        }
        for good in ["100", "103", "599"] {
            assert!(run(Kind::Response, &[(":status", good)]).is_ok(), "{good}");
        }
    }

    /// The table says of every octet what the token rule says, in any place of a name, and
    /// a refused name still says why.
    #[test]
    fn name_table_agrees_with_the_token_rule() {
        for b in 0..=255u8 {
            let want = valid_name_byte(b);
            assert_eq!(NAME_BYTES[usize::from(b)], want, "{b}");
            for name in [vec![b], vec![b'a', b], vec![b, b'-', b'z']] {
                let got = check_name(&name);
                if want {
                    assert_eq!(got, Ok(()), "{name:?}");
                } else if b.is_ascii_uppercase() {
                    assert_eq!(got, Err(Malformed::UppercaseName), "{name:?}");
                } else {
                    assert_eq!(got, Err(Malformed::InvalidName), "{name:?}");
                }
            }
        }
        assert_eq!(check_name(b""), Err(Malformed::InvalidName));
    }

    /// `status()` reads any `:status` a head holds as the general parse does: three digits
    /// by the short way, anything else by the parse.
    #[test]
    fn status_reads_what_the_parse_reads() {
        let mut values: Vec<String> = (0..1000).map(|n| format!("{n:03}")).collect();
        values.extend(
            [
                "", "2", "20", "2000", "0200", "+20", "-20", "2a0", "20 ", "99999", "\u{e9}9",
            ]
            .map(String::from),
        );
        for v in &values {
            let mut head = Head::default();
            head.fields.push(b":status", v.as_bytes(), false);
            assert_eq!(head.status(), v.parse().ok(), "{v:?}");
        }
        assert_eq!(Head::default().status(), None);
    }
}
