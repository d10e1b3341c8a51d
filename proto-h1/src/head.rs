//! Head parsing: request line, status line and header fields (RFC 9112 sections 2 to 5),
//! borrowed from the input into caller-provided slots.
//!
//! The parser is strict: a single SP between the parts of the start line, CRLF line endings,
//! no whitespace before a header's colon, no obs-fold in requests, no control bytes but HTAB in
//! values. Limits apply to partial input too, so a peer that sends a head one byte at a time
//! cannot make us scan more than [`Limits::max_head_size`] bytes per call.

use crate::error::Error;
use crate::scan::{Scan, WithScan, value_is};
use crate::simd::ascii_str;

mod target;
mod value;
use target::check_target_form;
pub use target::{TargetForm, target_form};
pub(crate) use value::trim_ows;
use value::{line_end_error, line_value};

/// Limits on what a peer may send. The defaults are safe for a server facing the internet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest head (start line, headers and the empty line), in bytes. Default 64 KiB. (431)
    pub max_head_size: usize,
    /// Most header fields in one head (or trailer section). Default 100. (431)
    pub max_headers: usize,
    /// Longest request-target, in bytes. Default 8 KiB. (414)
    pub max_target_len: usize,
    /// Longest chunk extension (everything after the chunk size on its line). Default 1 KiB.
    /// (400, [`Error::ChunkExtensionTooLong`](crate::Error::ChunkExtensionTooLong))
    pub max_chunk_ext_len: usize,
    /// Largest trailer section, in bytes. Default 16 KiB. (431)
    pub max_trailer_size: usize,
    /// Largest body a peer may send (Content-Length or the sum of chunks). Default unlimited,
    /// since bodies are never buffered. (413)
    pub max_body_len: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_head_size: 64 * 1024,
            max_headers: 100,
            max_target_len: 8 * 1024,
            max_chunk_ext_len: 1024,
            max_trailer_size: 16 * 1024,
            max_body_len: u64::MAX,
        }
    }
}

/// Parser configuration: limits, and the lenient options (off by default).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Config {
    /// Limits on sizes and counts.
    pub limits: Limits,
    /// Accept obs-fold (a header line starting with SP or HTAB continues the previous value)
    /// in *responses*, which some old servers still send. The value slice then spans the fold
    /// bytes (CRLF and the leading whitespace) as received; RFC 9112 section 5.2 asks the
    /// reader to treat each fold as one SP. Requests with obs-fold are always rejected.
    pub allow_obs_fold_in_responses: bool,
}

/// The outcome of a parse that succeeded so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// The head is complete and took this many bytes (including the final CRLF).
    Complete(usize),
    /// More bytes are needed; nothing is wrong with the bytes so far.
    Partial,
}

impl Status {
    /// Whether the head is complete.
    #[must_use]
    pub fn is_complete(self) -> bool {
        matches!(self, Status::Complete(_))
    }
}

/// HTTP version of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Version {
    /// HTTP/1.0
    Http10,
    /// HTTP/1.1
    #[default]
    Http11,
}

impl Version {
    /// The version as it appears on the wire (`HTTP/1.1`).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Version::Http10 => "HTTP/1.0",
            Version::Http11 => "HTTP/1.1",
        }
    }
}

/// One header field, borrowed from the input: the name exactly as received (case kept) and the
/// value with surrounding whitespace removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header<'a> {
    /// The field name as received.
    pub name: &'a str,
    /// The field value, without leading and trailing SP/HTAB. Not necessarily UTF-8.
    pub value: &'a [u8],
}

/// An empty header, to fill slot arrays: `[EMPTY_HEADER; 32]`.
pub const EMPTY_HEADER: Header<'static> = Header {
    name: "",
    value: b"",
};

/// Receives parsed header fields (slot arrays, the connection's span table, counters).
pub(crate) trait Sink<'b> {
    fn push(&mut self, name: &'b str, value: &'b [u8]) -> Result<(), Error>;
}

/// Fills caller-provided slots.
pub(crate) struct Slots<'h, 'b> {
    slots: &'h mut [Header<'b>],
    pub(crate) len: usize,
    max: usize,
    /// `min(max, slots.len())`: one compare per field instead of two.
    cap: usize,
}

impl<'h, 'b> Slots<'h, 'b> {
    /// A sink filling `slots`, at most `max` of them.
    #[inline(always)]
    pub(crate) fn new(slots: &'h mut [Header<'b>], max: usize) -> Self {
        let cap = max.min(slots.len());
        Slots {
            slots,
            len: 0,
            max,
            cap,
        }
    }

    /// The error for one field too many: the configured limit when it is the one broken,
    /// else the number of slots.
    #[cold]
    #[inline(never)]
    fn full(&self) -> Error {
        Error::TooManyHeaders {
            limit: if self.len >= self.max {
                self.max
            } else {
                self.slots.len()
            },
        }
    }
}

impl<'b> Sink<'b> for Slots<'_, 'b> {
    #[inline(always)]
    fn push(&mut self, name: &'b str, value: &'b [u8]) -> Result<(), Error> {
        if self.len >= self.cap {
            return Err(self.full());
        }
        // `len < cap <= slots.len()`: the `None` arm folds away.
        match self.slots.get_mut(self.len) {
            Some(slot) => {
                *slot = Header { name, value };
                self.len += 1;
                Ok(())
            }
            None => Err(self.full()),
        }
    }
}

/// Counts fields without keeping them (validation of trailers).
pub(crate) struct Count {
    pub(crate) n: usize,
    pub(crate) max: usize,
}

impl<'b> Sink<'b> for Count {
    fn push(&mut self, _: &'b str, _: &'b [u8]) -> Result<(), Error> {
        self.n += 1;
        if self.n > self.max {
            return Err(Error::TooManyHeaders { limit: self.max });
        }
        Ok(())
    }
}

/// The request line, borrowed.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RequestLine<'b> {
    pub(crate) method: &'b str,
    pub(crate) target: &'b str,
    pub(crate) version: Version,
}

/// The status line, borrowed.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StatusLine<'b> {
    pub(crate) version: Version,
    pub(crate) code: u16,
    pub(crate) reason: &'b [u8],
}

#[inline(always)]
fn partial(len: usize, limits: &Limits) -> Result<Option<usize>, Error> {
    if len > limits.max_head_size {
        Err(Error::HeadTooLarge {
            limit: limits.max_head_size,
        })
    } else {
        Ok(None)
    }
}

/// Skips the empty lines a server should ignore before a request line (RFC 9112 section 2.2).
#[inline(always)]
fn skip_empty_lines(b: &[u8]) -> Result<Option<usize>, Error> {
    if !matches!(b.first(), Some(b'\r' | b'\n')) && !b.is_empty() {
        return Ok(Some(0));
    }
    let mut i = 0;
    loop {
        match b.get(i) {
            Some(b'\r') => match b.get(i + 1) {
                Some(b'\n') => i += 2,
                Some(_) => return Err(Error::BareCr { offset: i }),
                None => return Ok(None),
            },
            Some(b'\n') => return Err(Error::BareLf { offset: i }),
            Some(_) => return Ok(Some(i)),
            None => return Ok(None),
        }
    }
}

/// Parses `HTTP/D.D` at `i`. `Ok(None)` when the bytes so far are a valid prefix.
#[inline(always)]
fn parse_version(b: &[u8], i: usize) -> Result<Option<Version>, Error> {
    const P: &[u8; 8] = b"HTTP/1.1";
    if let Some(v) = b.get(i..i + 8) {
        let mut w = [0u8; 8];
        w.copy_from_slice(v);
        let w = u64::from_le_bytes(w);
        if w == u64::from_le_bytes(*P) {
            return Ok(Some(Version::Http11));
        }
        if w == u64::from_le_bytes(*b"HTTP/1.0") {
            return Ok(Some(Version::Http10));
        }
        if &v[..5] == b"HTTP/" && v[5].is_ascii_digit() && v[6] == b'.' && v[7].is_ascii_digit() {
            return Err(Error::UnsupportedVersion { offset: i });
        }
        return Err(Error::InvalidVersion { offset: i });
    }
    let avail = &b[i.min(b.len())..];
    for (k, &c) in avail.iter().enumerate() {
        let ok = match k {
            0..=4 => c == P[k],
            6 => c == b'.',
            _ => c.is_ascii_digit(),
        };
        if !ok {
            return Err(Error::InvalidVersion { offset: i + k });
        }
    }
    Ok(None)
}

/// Parses a request line at the start of `b` (after optional empty lines). Returns the line
/// and the index just after its CRLF, or `None` when more bytes are needed.
#[inline(always)]
pub(crate) fn parse_request_line<'b, Z: Scan>(
    z: Z,
    b: &'b [u8],
    limits: &Limits,
) -> Result<Option<(RequestLine<'b>, usize)>, Error> {
    let Some(start) = skip_empty_lines(b)? else {
        return partial(b.len(), limits).map(|_| None);
    };
    // The usual line, `GET ` or `PUT ` then an origin-form target and ` HTTP/1.x` CRLF, on
    // its own: the method's slice is the word already read, and a method known not to be
    // CONNECT or OPTIONS needs no look at the target's form beyond its `/`. Any other line
    // goes the general way below, from its start (the same result, with the checks).
    if let Some(m4) = b.get(start..).and_then(<[u8]>::first_chunk::<4>)
        && let w = u32::from_le_bytes(*m4)
        && (w == u32::from_le_bytes(*b"GET ") || w == u32::from_le_bytes(*b"PUT "))
    {
        let t0 = start + 4;
        let t_end = z.target_end(b, t0);
        if t_end - t0 <= limits.max_target_len
            && let Some(target @ [b'/', ..]) = b.get(t0..t_end)
            && let Some(w) = b.get(t_end..).and_then(<[u8]>::first_chunk::<11>)
            && let Some(version) = version_and_crlf(w)
        {
            let line = RequestLine {
                method: ascii_str(&m4[..3]),
                target: ascii_str(target),
                version,
            };
            return Ok(Some((line, t_end + 11)));
        }
    }
    let first4 = b
        .get(start..start + 4)
        .and_then(<[u8]>::first_chunk::<4>)
        .map(|w| u32::from_le_bytes(*w));
    let m_end = match first4 {
        Some(w) if w == u32::from_le_bytes(*b"GET ") || w == u32::from_le_bytes(*b"PUT ") => {
            start + 3
        }
        _ => {
            let m_end = z.token_end(b, start);
            if m_end == b.len() {
                return partial(b.len(), limits).map(|_| None);
            }
            if m_end == start || b[m_end] != b' ' {
                return Err(Error::InvalidMethod { offset: m_end });
            }
            m_end
        }
    };
    let t0 = m_end + 1;
    let t_end = z.target_end(b, t0);
    if t_end - t0 > limits.max_target_len {
        return Err(Error::TargetTooLong {
            limit: limits.max_target_len,
        });
    }
    // The usual end of the line, ` HTTP/1.1` or ` HTTP/1.0` then CRLF, as two word compares;
    // any other goes the general way below (the same result, with the checks).
    if let Some(w) = b.get(t_end..).and_then(<[u8]>::first_chunk::<11>)
        && let Some(version) = version_and_crlf(w)
        && t_end != t0
    {
        let method = ascii_str(&b[start..m_end]);
        let target = ascii_str(&b[t0..t_end]);
        if !check_target_form(method, target) {
            return Err(Error::InvalidTarget { offset: t0 });
        }
        let line = RequestLine {
            method,
            target,
            version,
        };
        return Ok(Some((line, t_end + 11)));
    }
    if t_end == b.len() {
        return partial(b.len(), limits).map(|_| None);
    }
    if t_end == t0 {
        return Err(if b[t0] == b' ' {
            Error::InvalidStartLine { offset: t0 }
        } else {
            Error::InvalidTarget { offset: t0 }
        });
    }
    match b[t_end] {
        b' ' => {}
        b'\r' | b'\n' => return Err(Error::InvalidStartLine { offset: t_end }),
        _ => return Err(Error::InvalidTarget { offset: t_end }),
    }
    let v0 = t_end + 1;
    let Some(version) = parse_version(b, v0)? else {
        return partial(b.len(), limits).map(|_| None);
    };
    let end = match (b.get(v0 + 8), b.get(v0 + 9)) {
        (Some(b'\r'), Some(b'\n')) => v0 + 10,
        (Some(b'\r'), None) | (None, _) => return partial(b.len(), limits).map(|_| None),
        (Some(b'\r'), Some(_)) => return Err(Error::BareCr { offset: v0 + 8 }),
        (Some(b'\n'), _) => return Err(Error::BareLf { offset: v0 + 8 }),
        (Some(_), _) => return Err(Error::InvalidStartLine { offset: v0 + 8 }),
    };
    let method = ascii_str(&b[start..m_end]);
    let target = ascii_str(&b[t0..t_end]);
    if !check_target_form(method, target) {
        return Err(Error::InvalidTarget { offset: t0 });
    }
    Ok(Some((
        RequestLine {
            method,
            target,
            version,
        },
        end,
    )))
}

/// The version of ` HTTP/1.1\r\n` or ` HTTP/1.0\r\n` (the end of a request line after its
/// target), or `None` for any other 11 bytes.
#[inline(always)]
fn version_and_crlf(w: &[u8; 11]) -> Option<Version> {
    let head = u64::from_le_bytes(*w.first_chunk::<8>()?);
    let tail = u32::from_le_bytes(*w.last_chunk::<4>()?);
    // `0` and `1` differ in their lowest bit only: one compare takes both minor versions.
    const MINOR: u32 = 0x100;
    if head != u64::from_le_bytes(*b" HTTP/1.") || tail | MINOR != u32::from_le_bytes(*b".1\r\n") {
        return None;
    }
    Some(if tail & MINOR != 0 {
        Version::Http11
    } else {
        Version::Http10
    })
}

/// Parses a status line at the start of `b` (after optional empty lines).
#[inline(always)]
pub(crate) fn parse_status_line<'b, Z: Scan>(
    z: Z,
    b: &'b [u8],
    limits: &Limits,
) -> Result<Option<(StatusLine<'b>, usize)>, Error> {
    let Some(start) = skip_empty_lines(b)? else {
        return partial(b.len(), limits).map(|_| None);
    };
    // The usual line, `HTTP/1.x DDD ` as two words of one 16-byte read, then a reason phrase
    // that the loose scan ends at CRLF, as one slice. Any other goes the general way below,
    // from its start (the same result, with the checks).
    if let Some(w) = b.get(start..).and_then(<[u8]>::first_chunk::<16>)
        && let Some((v, c)) = w.split_first_chunk::<8>()
        && let Some(c) = c.first_chunk::<8>()
        && let Some(version) = match u64::from_le_bytes(*v) {
            x if x == u64::from_le_bytes(*b"HTTP/1.1") => Some(Version::Http11),
            x if x == u64::from_le_bytes(*b"HTTP/1.0") => Some(Version::Http10),
            _ => None,
        }
        && let Some(code) = code_and_sp(u64::from_le_bytes(*c))
    {
        let r0 = start + 13;
        let r_end = z.value_end_loose(b, r0);
        if let Some([reason @ .., b'\r', b'\n']) = b.get(r0..r_end + 2) {
            let line = StatusLine {
                version,
                code,
                reason,
            };
            return Ok(Some((line, r_end + 2)));
        }
    }
    let Some(version) = parse_version(b, start)? else {
        return partial(b.len(), limits).map(|_| None);
    };
    let mut i = start + 8;
    // The usual shape, ` DDD ` then a reason phrase, tested as one word.
    if let Some(code) = b
        .get(i..i + 8)
        .and_then(<[u8]>::first_chunk::<8>)
        .and_then(|w| code_and_sp(u64::from_le_bytes(*w)))
    {
        let r0 = i + 5;
        // CRLF where the loose scan stopped ends the line; else the exact scan from there
        // (past HTAB or obs-text, or the same stop).
        let mut r_end = z.value_end_loose(b, r0);
        if let Some(reason) = b.get(r0..r_end)
            && b.get(r_end..r_end + 2) == Some(b"\r\n")
        {
            // The line ends here: no second look at the CRLF.
            let line = StatusLine {
                version,
                code,
                reason,
            };
            return Ok(Some((line, r_end + 2)));
        }
        r_end = z.value_end(b, r_end);
        return status_line_end(b, version, code, r0, r_end, limits);
    }
    let Some(rest) = b.get(i..i + 4) else {
        // validate what is there
        let avail = &b[i.min(b.len())..];
        for (k, &c) in avail.iter().enumerate() {
            let ok = if k == 0 {
                c == b' '
            } else {
                c.is_ascii_digit()
            };
            if !ok {
                return Err(if k == 0 {
                    Error::InvalidStartLine { offset: i + k }
                } else {
                    Error::InvalidStatus { offset: i + k }
                });
            }
        }
        return partial(b.len(), limits).map(|_| None);
    };
    if rest[0] != b' ' {
        return Err(Error::InvalidStartLine { offset: i });
    }
    if !rest[1..].iter().all(u8::is_ascii_digit) || rest[1] == b'0' {
        return Err(Error::InvalidStatus { offset: i + 1 });
    }
    let code =
        (rest[1] - b'0') as u16 * 100 + (rest[2] - b'0') as u16 * 10 + (rest[3] - b'0') as u16;
    i += 4;
    let (r0, r_end) = match b.get(i) {
        None => return partial(b.len(), limits).map(|_| None),
        Some(b' ') => (i + 1, z.value_end(b, i + 1)),
        Some(b'\r') => (i, i),
        Some(b'\n') => return Err(Error::BareLf { offset: i }),
        Some(_) => return Err(Error::InvalidStatus { offset: i }),
    };
    status_line_end(b, version, code, r0, r_end, limits)
}

/// The status code of ` DDD ` (SP, three digits, the first not `0`, SP) in the low five bytes
/// of `w` (little-endian), or `None` for any other shape.
#[inline(always)]
fn code_and_sp(w: u64) -> Option<u16> {
    const SHAPE: u64 = 0xff_f0_f0_f0_ff;
    const WANT: u64 = 0x20_30_30_30_20;
    const DIGITS: u64 = 0x00_f0_f0_f0_00;
    // Adding 6 keeps `0`..=`9` in the 0x3_ column and moves `:`..=`?` out of it; no lane
    // carries into the next.
    if w & SHAPE != WANT || (w + 0x00_06_06_06_00) & DIGITS != WANT & DIGITS {
        return None;
    }
    let d = |k: u32| ((w >> (8 * k)) & 0x0f) as u16;
    if d(1) == 0 {
        return None;
    }
    Some(d(1) * 100 + d(2) * 10 + d(3))
}

/// The end of a status line whose reason phrase starts at `r0` and whose scan stopped at
/// `r_end`: CRLF there completes it.
#[inline(always)]
fn status_line_end<'b>(
    b: &'b [u8],
    version: Version,
    code: u16,
    r0: usize,
    r_end: usize,
    limits: &Limits,
) -> Result<Option<(StatusLine<'b>, usize)>, Error> {
    let end = match (b.get(r_end), b.get(r_end + 1)) {
        (Some(b'\r'), Some(b'\n')) => r_end + 2,
        (None, _) | (Some(b'\r'), None) => return partial(b.len(), limits).map(|_| None),
        (Some(b'\r'), Some(_)) => return Err(Error::BareCr { offset: r_end }),
        (Some(b'\n'), _) => return Err(Error::BareLf { offset: r_end }),
        (Some(_), _) => return Err(Error::InvalidStatus { offset: r_end }),
    };
    Ok(Some((
        StatusLine {
            version,
            code,
            reason: &b[r0..r_end],
        },
        end,
    )))
}

/// Parses header fields from `b[i..]` up to and including the empty line. Returns the index
/// just after the empty line, or `None` when more bytes are needed.
///
/// The loop here takes the usual line: a name, a colon, one SP, a value that ends at CRLF
/// and whose first and last bytes are not whitespace (or HTAB). At the first other line
/// (unusual OWS, HTAB or obs-text that the loose scan stops on, obs-fold, an error, partial
/// input) [`fields_general`], the loop that parsed every line before this one existed,
/// parses the rest of the head. The general paths' calls (exact scans, trims, error
/// builders) are then out of this loop: with them in it, LLVM kept the loop's values
/// (input, index, sink) in stack slots, with a spill or reload in most steps of every field.
/// What is left is one call for values longer than the inline steps ([`long_value_end`]).
/// Instructions per parse (callgrind, `h1_count`): REQ_SHORT 474 -> 455, RESP_SHORT 473 ->
/// 443 with the other changes of the same commit.
#[inline(always)]
pub(crate) fn parse_fields<'b, S: Sink<'b>, Z: Scan>(
    z: Z,
    b: &'b [u8],
    mut i: usize,
    limits: &Limits,
    obs_fold: bool,
    sink: &mut S,
) -> Result<Option<usize>, Error> {
    loop {
        let n_end = z.token_end(b, i);
        if n_end == i {
            // The empty line first: every head ends there.
            if b.get(i..i + 2) == Some(b"\r\n") {
                if i + 2 > limits.max_head_size {
                    return Err(Error::HeadTooLarge {
                        limit: limits.max_head_size,
                    });
                }
                return Ok(Some(i + 2));
            }
        } else if let Some((value, next)) = field_rest(z, b, n_end, obs_fold) {
            sink.push(ascii_str(&b[i..n_end]), value)?;
            i = next;
            continue;
        }
        return fields_general(z, b, i, limits, obs_fold, sink);
    }
}

/// The rest of a field line whose name ends at `n_end`, when it has the usual shape (see
/// [`parse_fields`]): the value without its leading SP, and the index after the CRLF. With
/// `obs_fold`, a line that the next one may continue is not taken either.
#[inline(always)]
fn field_rest<Z: Scan>(z: Z, b: &[u8], n_end: usize, obs_fold: bool) -> Option<(&[u8], usize)> {
    if b.get(n_end) != Some(&b':') {
        return None;
    }
    let v1 = n_end + 1;
    let v_end = match z.value_end_inline(b, v1) {
        Ok(end) => end,
        Err(from) => long_value_end(z, b, from),
    };
    let line_end = v_end + 2;
    // The SP, the value and the CRLF as one slice: one bounds check, then the pattern's
    // length test, where a slice per part took a check each.
    let Some([b' ', value @ .., b'\r', b'\n']) = b.get(v1..line_end) else {
        return None;
    };
    if obs_fold && !matches!(b.get(line_end), Some(&c) if c != b' ' && c != b'\t') {
        return None;
    }
    if let (Some(&first), Some(&last)) = (value.first(), value.last())
        && first > b' '
        && last > b' '
    {
        return Some((value, line_end));
    }
    None
}

/// [`Scan::value_end_long`] from `from`, for a value longer than the inline steps. Marked
/// cold, although long values are common, so that LLVM saves the field loop's values around
/// this call only and keeps them in registers on the short path.
#[cold]
#[inline(never)]
fn long_value_end<Z: Scan>(z: Z, b: &[u8], from: usize) -> usize {
    z.value_end_long(b, from)
}

/// Header fields from `b[i..]` in the general way (see [`parse_fields`]), every line.
#[inline(never)]
fn fields_general<'b, S: Sink<'b>, Z: Scan>(
    z: Z,
    b: &'b [u8],
    mut i: usize,
    limits: &Limits,
    obs_fold: bool,
    sink: &mut S,
) -> Result<Option<usize>, Error> {
    let len = b.len();
    loop {
        // The name from its first byte: a line that does not start with a `tchar` (the
        // empty line, or an error) is the only one whose name is empty.
        let n_end = z.token_end(b, i);
        if n_end == i {
            // The empty line first: every head ends there.
            if b.get(i..i + 2) == Some(b"\r\n") {
                if i + 2 > limits.max_head_size {
                    return Err(Error::HeadTooLarge {
                        limit: limits.max_head_size,
                    });
                }
                return Ok(Some(i + 2));
            }
            let Some(&c) = b.get(i) else {
                return partial(len, limits);
            };
            if c == b'\r' {
                return match b.get(i + 1) {
                    Some(b'\n') => {
                        if i + 2 > limits.max_head_size {
                            return Err(Error::HeadTooLarge {
                                limit: limits.max_head_size,
                            });
                        }
                        Ok(Some(i + 2))
                    }
                    Some(_) => Err(Error::BareCr { offset: i }),
                    None => partial(len, limits),
                };
            }
            return match c {
                b'\n' => Err(Error::BareLf { offset: i }),
                b' ' | b'\t' => Err(Error::ObsFold { offset: i }),
                _ => Err(Error::InvalidHeaderName { offset: i }),
            };
        }
        let Some(&colon) = b.get(n_end) else {
            return partial(len, limits);
        };
        if colon != b':' {
            return Err(Error::InvalidHeaderName { offset: n_end });
        }
        let name = ascii_str(&b[i..n_end]);
        // OWS bytes are value bytes: the value's end is found from just after the colon, and
        // the OWS is trimmed from the span once its end is known. The first scan may stop
        // early, on HTAB or obs-text: the CRLF test comes first (it ends most lines), the
        // exact scan only where it fails.
        let v1 = n_end + 1;
        let mut v_end = z.value_end_loose(b, v1);
        let line_end = loop {
            if b.get(v_end..v_end + 2) != Some(b"\r\n") {
                if let Some(&c) = b.get(v_end)
                    && (c == b'\t' || c >= 0x80)
                {
                    // A value byte after all: on with the exact scan, which stops on
                    // neither.
                    v_end = z.value_end(b, v_end + 1);
                    continue;
                }
                return match line_end_error(b, v_end) {
                    Some(e) => Err(e),
                    None => partial(len, limits),
                };
            }
            if obs_fold {
                match b.get(v_end + 2) {
                    Some(b' ' | b'\t') => {
                        v_end = z.value_end(b, v_end + 3);
                        continue;
                    }
                    Some(_) => {}
                    None => return partial(len, limits),
                }
            }
            break v_end + 2;
        };
        let value = if obs_fold {
            // The span may hold folds (CRLF and whitespace): trimmed of those at the end too.
            let mut v0 = v1;
            while let Some(b' ' | b'\t') = b.get(v0) {
                v0 += 1;
            }
            let mut ve = v_end;
            while ve > v0 && matches!(b[ve - 1], b' ' | b'\t' | b'\r' | b'\n') {
                ve -= 1;
            }
            &b[v0..ve]
        } else {
            // One line: no CR or LF in `v1..v_end`.
            line_value(b, v1, v_end)
        };
        sink.push(name, value)?;
        i = line_end;
    }
}

/// Parses a whole request head into `sink`, with the scanner chosen once for the head.
struct RequestJob<'x, 'b, K> {
    b: &'b [u8],
    limits: &'x Limits,
    sink: &'x mut K,
}

impl<'b, K: Sink<'b>> WithScan for RequestJob<'_, 'b, K> {
    type Out = Result<Option<(RequestLine<'b>, usize)>, Error>;
    #[inline(always)]
    fn run<Z: Scan>(self, z: Z) -> Self::Out {
        let Some((line, i)) = parse_request_line(z, self.b, self.limits)? else {
            return Ok(None);
        };
        Ok(parse_fields(z, self.b, i, self.limits, false, self.sink)?.map(|end| (line, end)))
    }
}

/// Parses a whole request head for [`Request::parse_with`]: the request line is stored in
/// `out` as soon as it is parsed, not held through the field loop (see [`ResponseIntoJob`]).
struct RequestIntoJob<'x, 'b, K> {
    b: &'b [u8],
    limits: &'x Limits,
    sink: &'x mut K,
    method: &'x mut &'b str,
    target: &'x mut &'b str,
    version: &'x mut Version,
}

impl<'b, K: Sink<'b>> WithScan for RequestIntoJob<'_, 'b, K> {
    type Out = Result<Option<usize>, Error>;
    #[inline(always)]
    fn run<Z: Scan>(self, z: Z) -> Self::Out {
        let Some((line, i)) = parse_request_line(z, self.b, self.limits)? else {
            return Ok(None);
        };
        *self.method = line.method;
        *self.target = line.target;
        *self.version = line.version;
        parse_fields(z, self.b, i, self.limits, false, self.sink)
    }
}

/// Parses a whole response head into `sink`.
struct ResponseJob<'x, 'b, K> {
    b: &'b [u8],
    limits: &'x Limits,
    obs_fold: bool,
    sink: &'x mut K,
}

impl<'b, K: Sink<'b>> WithScan for ResponseJob<'_, 'b, K> {
    type Out = Result<Option<(StatusLine<'b>, usize)>, Error>;
    #[inline(always)]
    fn run<Z: Scan>(self, z: Z) -> Self::Out {
        let Some((line, i)) = parse_status_line(z, self.b, self.limits)? else {
            return Ok(None);
        };
        Ok(
            parse_fields(z, self.b, i, self.limits, self.obs_fold, self.sink)?
                .map(|end| (line, end)),
        )
    }
}

/// Parses a whole response head for [`Response::parse_with`]: the status line is stored in
/// `out` as soon as it is parsed, so that its parts are not held in registers through the
/// field loop (where registers are short: held, the version was reloaded from the stack on
/// every field).
struct ResponseIntoJob<'x, 'b, K> {
    b: &'b [u8],
    limits: &'x Limits,
    obs_fold: bool,
    sink: &'x mut K,
    version: &'x mut Version,
    code: &'x mut u16,
    reason: &'x mut &'b [u8],
}

impl<'b, K: Sink<'b>> WithScan for ResponseIntoJob<'_, 'b, K> {
    type Out = Result<Option<usize>, Error>;
    #[inline(always)]
    fn run<Z: Scan>(self, z: Z) -> Self::Out {
        let Some((line, i)) = parse_status_line(z, self.b, self.limits)? else {
            return Ok(None);
        };
        *self.version = line.version;
        *self.code = line.code;
        *self.reason = line.reason;
        parse_fields(z, self.b, i, self.limits, self.obs_fold, self.sink)
    }
}

/// Parses header fields from `b[i..]`.
struct FieldsJob<'x, 'b, K> {
    b: &'b [u8],
    i: usize,
    limits: &'x Limits,
    sink: &'x mut K,
}

impl<'b, K: Sink<'b>> WithScan for FieldsJob<'_, 'b, K> {
    type Out = Result<Option<usize>, Error>;
    #[inline(always)]
    fn run<Z: Scan>(self, z: Z) -> Self::Out {
        parse_fields(z, self.b, self.i, self.limits, false, self.sink)
    }
}

/// A request head into `sink`: the line and the index after the empty line.
pub(crate) fn request_head<'b, K: Sink<'b>>(
    b: &'b [u8],
    limits: &Limits,
    sink: &mut K,
) -> Result<Option<(RequestLine<'b>, usize)>, Error> {
    crate::scan::dispatch(RequestJob { b, limits, sink })
}

/// A response head into `sink`.
pub(crate) fn response_head<'b, K: Sink<'b>>(
    b: &'b [u8],
    limits: &Limits,
    obs_fold: bool,
    sink: &mut K,
) -> Result<Option<(StatusLine<'b>, usize)>, Error> {
    crate::scan::dispatch(ResponseJob {
        b,
        limits,
        obs_fold,
        sink,
    })
}

/// Header fields (a trailer section) from `b[i..]` into `sink`.
pub(crate) fn fields<'b, K: Sink<'b>>(
    b: &'b [u8],
    i: usize,
    limits: &Limits,
    sink: &mut K,
) -> Result<Option<usize>, Error> {
    crate::scan::dispatch(FieldsJob { b, i, limits, sink })
}

/// Parses a request head with a forced scanning implementation (tests of every path).
/// Returns the status and the number of header fields.
///
/// # Errors
/// As [`Request::parse_with`].
pub fn parse_request_forced<'b>(
    imp: crate::scan::Impl,
    buf: &'b [u8],
    slots: &mut [Header<'b>],
    config: &Config,
) -> Result<(Status, usize), Error> {
    let mut sink = Slots::new(slots, config.limits.max_headers);
    let r = crate::scan::dispatch_forced(
        imp,
        RequestJob {
            b: buf,
            limits: &config.limits,
            sink: &mut sink,
        },
    )?;
    Ok(match r {
        Some((_, end)) => (Status::Complete(end), sink.len),
        None => (Status::Partial, 0),
    })
}

/// A request head, parsed into caller-provided header slots (httparse style).
///
/// ```
/// use proto_h1::{Request, Status, EMPTY_HEADER};
/// let mut slots = [EMPTY_HEADER; 16];
/// let mut req = Request::new(&mut slots);
/// let n = req.parse(b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
/// assert_eq!(n, Status::Complete(28));
/// assert_eq!((req.method, req.target), ("GET", "/a"));
/// assert_eq!(req.header("host"), Some(&b"x"[..]));
/// ```
#[derive(Debug)]
pub struct Request<'h, 'b> {
    /// The method token, case kept (`GET`).
    pub method: &'b str,
    /// The request-target as received.
    pub target: &'b str,
    /// The version.
    pub version: Version,
    slots: &'h mut [Header<'b>],
    len: usize,
}

impl<'h, 'b> Request<'h, 'b> {
    /// A request that will fill `slots` with header fields.
    pub fn new(slots: &'h mut [Header<'b>]) -> Self {
        Request {
            method: "",
            target: "",
            version: Version::Http11,
            slots,
            len: 0,
        }
    }

    /// Parses a request head with the default [`Config`].
    ///
    /// # Errors
    /// A typed [`Error`] when the bytes so far cannot begin a valid head or break a limit.
    #[inline]
    pub fn parse(&mut self, buf: &'b [u8]) -> Result<Status, Error> {
        self.parse_with(buf, &Config::default())
    }

    /// Parses a request head. On `Partial` or an error the fields hold nothing meaningful
    /// (the request line's parts are stored once the line is parsed, before its fields).
    ///
    /// # Errors
    /// A typed [`Error`] when the bytes so far cannot begin a valid head or break a limit.
    // `#[inline]`: a caller's parse inlines, where the slot sink and the limits stay in
    // registers and the call's saved registers are not pushed and popped per head.
    #[inline]
    pub fn parse_with(&mut self, buf: &'b [u8], config: &Config) -> Result<Status, Error> {
        let limits = &config.limits;
        self.len = 0;
        let mut sink = Slots::new(&mut *self.slots, limits.max_headers);
        let r = crate::scan::dispatch(RequestIntoJob {
            b: buf,
            limits,
            sink: &mut sink,
            method: &mut self.method,
            target: &mut self.target,
            version: &mut self.version,
        })?;
        self.len = sink.len;
        let Some(end) = r else {
            self.len = 0;
            return Ok(Status::Partial);
        };
        Ok(Status::Complete(end))
    }

    /// The header fields in the order received.
    #[must_use]
    pub fn headers(&self) -> &[Header<'b>] {
        &self.slots[..self.len]
    }

    /// The value of the first field named `name` (ASCII case-insensitive).
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&'b [u8]> {
        find(self.headers(), name)
    }

    /// The form of the request-target.
    #[must_use]
    pub fn target_form(&self) -> Option<TargetForm> {
        target_form(self.target)
    }
}

/// A response head, parsed into caller-provided header slots.
///
/// ```
/// use proto_h1::{Response, Status, EMPTY_HEADER};
/// let mut slots = [EMPTY_HEADER; 16];
/// let mut res = Response::new(&mut slots);
/// let st = res.parse(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n").unwrap();
/// assert!(st.is_complete());
/// assert_eq!((res.code, res.reason), (404, &b"Not Found"[..]));
/// ```
#[derive(Debug)]
pub struct Response<'h, 'b> {
    /// The version.
    pub version: Version,
    /// The status code (100 to 999).
    pub code: u16,
    /// The reason phrase as received (possibly empty, not necessarily UTF-8).
    pub reason: &'b [u8],
    slots: &'h mut [Header<'b>],
    len: usize,
}

impl<'h, 'b> Response<'h, 'b> {
    /// A response that will fill `slots` with header fields.
    pub fn new(slots: &'h mut [Header<'b>]) -> Self {
        Response {
            version: Version::Http11,
            code: 0,
            reason: b"",
            slots,
            len: 0,
        }
    }

    /// Parses a response head with the default [`Config`].
    ///
    /// # Errors
    /// A typed [`Error`] when the bytes so far cannot begin a valid head or break a limit.
    #[inline]
    pub fn parse(&mut self, buf: &'b [u8]) -> Result<Status, Error> {
        self.parse_with(buf, &Config::default())
    }

    /// Parses a response head. On `Partial` or an error the fields hold nothing meaningful
    /// (the status line's parts are stored once the line is parsed, before its fields).
    ///
    /// # Errors
    /// A typed [`Error`] when the bytes so far cannot begin a valid head or break a limit.
    #[inline]
    pub fn parse_with(&mut self, buf: &'b [u8], config: &Config) -> Result<Status, Error> {
        let limits = &config.limits;
        self.len = 0;
        let mut sink = Slots::new(&mut *self.slots, limits.max_headers);
        let r = crate::scan::dispatch(ResponseIntoJob {
            b: buf,
            limits,
            obs_fold: config.allow_obs_fold_in_responses,
            sink: &mut sink,
            version: &mut self.version,
            code: &mut self.code,
            reason: &mut self.reason,
        })?;
        self.len = sink.len;
        let Some(end) = r else {
            self.len = 0;
            return Ok(Status::Partial);
        };
        Ok(Status::Complete(end))
    }

    /// The header fields in the order received.
    #[must_use]
    pub fn headers(&self) -> &[Header<'b>] {
        &self.slots[..self.len]
    }

    /// The value of the first field named `name` (ASCII case-insensitive).
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&'b [u8]> {
        find(self.headers(), name)
    }
}

/// Parses a block of header fields ending in an empty line (a trailer section, or headers
/// after a start line you parsed yourself) into `slots`. Returns `Complete(n)` with `n` the
/// bytes used and the number of fields.
///
/// # Errors
/// A typed [`Error`] for a malformed field or a broken limit.
pub fn parse_headers<'b>(
    buf: &'b [u8],
    slots: &mut [Header<'b>],
    config: &Config,
) -> Result<(Status, usize), Error> {
    let mut sink = Slots::new(slots, config.limits.max_headers);
    let r = fields(buf, 0, &config.limits, &mut sink)?;
    Ok(match r {
        Some(n) => (Status::Complete(n), sink.len),
        None => (Status::Partial, 0),
    })
}

/// The first value of `name` among `headers`, ASCII case-insensitive.
#[must_use]
pub fn find<'b>(headers: &[Header<'b>], name: &str) -> Option<&'b [u8]> {
    headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case(name))
        .map(|h| h.value)
}

/// Whether a comma-separated header value (`Connection`, `Upgrade`, `Transfer-Encoding`)
/// contains `token`, ASCII case-insensitive, ignoring whitespace around list elements.
#[must_use]
pub fn has_token(value: &[u8], token: &str) -> bool {
    value
        .split(|&c| c == b',')
        .any(|e| trim_ows(e).eq_ignore_ascii_case(token.as_bytes()))
}

/// The persistence options of a head's `Connection` field lines, all of them: the field is
/// a list, and several lines of it make one list (RFC 9110 sections 5.3 and 7.6.1), so a
/// `close` in the second line counts as much as one in the first.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct ConnectionOptions {
    /// A `close` option was there.
    pub(crate) close: bool,
    /// A `keep-alive` option was there.
    keep_alive: bool,
}

impl ConnectionOptions {
    /// Adds the options of one `Connection` field line.
    pub(crate) fn add(&mut self, value: &[u8]) {
        // The usual line holds one of the two alone (the value comes trimmed of OWS): a
        // compare, not two walks of the list (about 250 instructions a response).
        if value_is(value, b"keep-alive") {
            self.keep_alive = true;
        } else if value_is(value, b"close") {
            self.close = true;
        } else {
            self.close |= has_token(value, "close");
            self.keep_alive |= has_token(value, "keep-alive");
        }
    }

    /// RFC 9112 section 9.3: `close` ends the connection after this message in any version;
    /// otherwise HTTP/1.1 persists, and HTTP/1.0 only with `keep-alive`.
    pub(crate) fn persists(self, version: Version) -> bool {
        !self.close
            && match version {
                Version::Http11 => true,
                Version::Http10 => self.keep_alive,
            }
    }
}

#[cfg(test)]
mod tests;
