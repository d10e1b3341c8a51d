//! Message body framing (RFC 9112 section 6) and zero-copy body decoders.
//!
//! [`request_framing`] and [`response_framing`] turn a parsed head into a [`Framing`],
//! enforcing the request-smuggling rules; [`LengthDecoder`] and [`ChunkedDecoder`] then hand
//! back slices of the caller's input and never buffer body bytes.

use crate::error::Error;
use crate::head::{Count, Header, Limits, Version, fields, trim_ows};

/// How the body of a message is delimited.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// No body at all (requests without `Content-Length`/`Transfer-Encoding`, responses to
    /// HEAD, 1xx, 204, 304, 2xx to CONNECT).
    None,
    /// Exactly this many bytes (`Content-Length`).
    Length(u64),
    /// `Transfer-Encoding: chunked`.
    Chunked,
    /// Everything until the server closes the connection (responses only).
    UntilClose,
}

/// The framing of a request, from its version and header fields.
///
/// RFC 9112 section 6.3: a `Transfer-Encoding` whose final coding is not `chunked` makes the
/// length unknowable, so the server "MUST respond with the 400 (Bad Request) status code and
/// then close the connection"; `Content-Length` together with `Transfer-Encoding` "ought to be
/// handled as an error" and is rejected; a request with neither has no body.
///
/// # Errors
/// [`Error::ContentLengthWithTransferEncoding`], [`Error::InvalidContentLength`],
/// [`Error::InvalidTransferEncoding`], [`Error::UnsupportedTransferCoding`] (501) and
/// [`Error::BodyTooLarge`] (413).
pub fn request_framing<'a>(
    version: Version,
    headers: impl IntoIterator<Item = Header<'a>>,
    limits: &Limits,
) -> Result<Framing, Error> {
    fields_framing(version, headers, limits, Framing::None)
}

/// The framing of a response to a request with method `request_method`.
///
/// RFC 9112 section 6.3: "Any response to a HEAD request and any response with a 1xx
/// (Informational), 204 (No Content), or 304 (Not Modified) status code is always terminated
/// by the first empty line after the header fields"; "Any 2xx (Successful) response to a
/// CONNECT request implies that the connection will become a tunnel"; without
/// `Content-Length` or `Transfer-Encoding` the body runs until the connection closes.
///
/// # Errors
/// As [`request_framing`]; the 501 of an unknown transfer coding has no meaning for a client,
/// which should treat every error as a bad response.
pub fn response_framing<'a>(
    request_method: &str,
    code: u16,
    version: Version,
    headers: impl IntoIterator<Item = Header<'a>>,
    limits: &Limits,
) -> Result<Framing, Error> {
    if response_has_no_body(request_method, code) {
        return Ok(Framing::None);
    }
    fields_framing(version, headers, limits, Framing::UntilClose)
}

/// The response to a `request_method` request with this `code` has no body, whatever its
/// fields say (see [`response_framing`]).
pub(crate) fn response_has_no_body(request_method: &str, code: u16) -> bool {
    request_method == "HEAD"
        || (100..200).contains(&code)
        || code == 204
        || code == 304
        || (request_method == "CONNECT" && (200..300).contains(&code))
}

/// One `Content-Length` field's `value` folded into `length` (the value of the fields
/// before it): RFC 9110 section 8.6 lets a list of identical values stand for one value;
/// anything else (a bad number, or one that differs) is unrecoverable (`false`).
pub(crate) fn fold_content_length(value: &[u8], length: &mut Option<u64>) -> bool {
    if let Some(n) = parse_decimal(value) {
        // The usual value: one number, no list, no whitespace.
        if length.is_some_and(|l| l != n) {
            return false;
        }
        *length = Some(n);
        return true;
    }
    for v in value.split(|&c| c == b',') {
        let Some(n) = parse_decimal(trim_ows(v)) else {
            return false;
        };
        if length.is_some_and(|l| l != n) {
            return false;
        }
        *length = Some(n);
    }
    true
}

/// The framing of a message whose only framing field is one `Content-Length` with `value`:
/// what [`request_framing`] and [`response_framing`] decide then (`None` where they fail).
fn length_framing(value: &[u8], limits: &Limits) -> Option<Framing> {
    let mut length = None;
    if !fold_content_length(value, &mut length) {
        return None;
    }
    length
        .filter(|&n| n <= limits.max_body_len)
        .map(Framing::Length)
}

/// The framing fields of a head, noted in the one pass that checks, writes or scans its
/// fields (by name length first: most fields are none of them), so that the framing rules
/// walk the fields again only when they must: for a `Transfer-Encoding`, several
/// `Content-Length` fields, or a bad one (for its error).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct FramingFields<'a> {
    /// How many `Content-Length` fields, and the last one's value.
    lengths: usize,
    length: Option<&'a [u8]>,
    /// A `Transfer-Encoding` field is there.
    transfer_encoding: bool,
}

impl<'a> FramingFields<'a> {
    /// Notes a `Content-Length` field.
    #[inline(always)]
    pub(crate) fn content_length(&mut self, value: &'a [u8]) {
        self.lengths += 1;
        self.length = Some(value);
    }

    /// Notes a `Transfer-Encoding` field.
    #[inline(always)]
    pub(crate) fn transfer_encoding(&mut self) {
        self.transfer_encoding = true;
    }

    /// Whether any framing field was noted.
    pub(crate) fn any(&self) -> bool {
        self.transfer_encoding || self.lengths > 0
    }

    /// The framing the rules decide ([`request_framing`] or [`response_framing`], which
    /// `rules` runs), found from the noted fields where one `Content-Length` or none
    /// settles it: `absent` when there is no framing field (the message's default).
    pub(crate) fn framing<E>(
        &self,
        limits: &Limits,
        absent: Framing,
        rules: impl FnOnce() -> Result<Framing, E>,
    ) -> Result<Framing, E> {
        let settled = if self.transfer_encoding || self.lengths > 1 {
            None
        } else {
            match self.length {
                Some(value) => length_framing(value, limits),
                None => Some(absent),
            }
        };
        // One call of the rules (inlined where they are a closure over the fields).
        match settled {
            Some(framing) => Ok(framing),
            None => rules(),
        }
    }
}

fn fields_framing<'a>(
    version: Version,
    headers: impl IntoIterator<Item = Header<'a>>,
    limits: &Limits,
    default: Framing,
) -> Result<Framing, Error> {
    let mut length: Option<u64> = None;
    // Indexes of the last Content-Length and Transfer-Encoding fields.
    let mut cl_field: Option<usize> = None;
    let mut te_field: Option<usize> = None;
    let mut chunked_last = false;
    let mut unknown: Option<usize> = None;
    for (field, h) in headers.into_iter().enumerate() {
        if h.name.eq_ignore_ascii_case("content-length") {
            cl_field = Some(field);
            if !fold_content_length(h.value, &mut length) {
                return Err(Error::InvalidContentLength { field });
            }
        } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
            te_field = Some(field);
            let bad = Error::InvalidTransferEncoding { field };
            for coding in h.value.split(|&c| c == b',') {
                let coding = trim_ows(coding);
                let name = trim_ows(coding.split(|&c| c == b';').next().unwrap_or(b""));
                if name.is_empty() || !name.iter().all(|&c| crate::scan::TOKEN[c as usize]) {
                    return Err(bad);
                }
                if chunked_last {
                    // RFC 9112 section 6.1: chunked "MUST NOT" be applied twice, and it must be
                    // the final coding.
                    return Err(bad);
                }
                if name.eq_ignore_ascii_case(b"chunked") {
                    if name.len() != coding.len() {
                        return Err(bad);
                    }
                    chunked_last = true;
                } else {
                    unknown.get_or_insert(field);
                }
            }
        }
    }
    if let Some(te) = te_field {
        if let Some(cl) = cl_field {
            return Err(Error::ContentLengthWithTransferEncoding { field: cl.max(te) });
        }
        // RFC 9112 section 6.1: Transfer-Encoding in an HTTP/1.0 message means faulty framing.
        if version == Version::Http10 {
            return Err(Error::InvalidTransferEncoding { field: te });
        }
        if let Some(field) = unknown {
            return Err(Error::UnsupportedTransferCoding { field });
        }
        if !chunked_last {
            return Err(Error::InvalidTransferEncoding { field: te });
        }
        return Ok(Framing::Chunked);
    }
    match length {
        Some(n) if n > limits.max_body_len => Err(Error::BodyTooLarge {
            limit: limits.max_body_len,
        }),
        Some(n) => Ok(Framing::Length(n)),
        None => Ok(default),
    }
}

/// `1*DIGIT` without sign or whitespace, at most 19 digits (fits in `u64`).
fn parse_decimal(v: &[u8]) -> Option<u64> {
    if v.is_empty() || v.len() > 19 {
        return None;
    }
    let mut n: u64 = 0;
    for &c in v {
        if !c.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u64::from(c - b'0');
    }
    Some(n)
}

/// Decodes a `Content-Length` body: hands back slices of the input, up to the length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LengthDecoder {
    remaining: u64,
}

impl LengthDecoder {
    /// A decoder for `len` body bytes.
    #[must_use]
    pub fn new(len: u64) -> Self {
        LengthDecoder { remaining: len }
    }

    /// The body bytes at the start of `input` (possibly empty). Consumed bytes are the
    /// returned slice's length.
    pub fn decode<'a>(&mut self, input: &'a [u8]) -> &'a [u8] {
        let n = (input.len() as u64).min(self.remaining) as usize;
        self.remaining -= n as u64;
        &input[..n]
    }

    /// Bytes still expected.
    #[must_use]
    pub fn remaining(&self) -> u64 {
        self.remaining
    }

    /// Whether the whole body has been seen.
    #[must_use]
    pub fn is_done(&self) -> bool {
        self.remaining == 0
    }
}

/// What a [`ChunkedDecoder`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chunk<'a> {
    /// Body bytes, a slice of the input.
    Data(&'a [u8]),
    /// The last chunk and the trailer section were read. `trailers` is the raw trailer section
    /// including its final empty line (`b"\r\n"` when there are none), already validated;
    /// parse it with [`parse_headers`](crate::parse_headers) to read the fields.
    End {
        /// The raw, validated trailer section.
        trailers: &'a [u8],
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ChunkState {
    Size,
    Data(u64),
    DataCrlf,
    Trailers,
    Done,
}

/// Decodes a chunked body (RFC 9112 section 7.1) without buffering: data comes back as slices
/// of the input.
///
/// Call [`decode`](Self::decode) with the unconsumed input; it returns how many bytes it used
/// and what it found. A chunk-size line or the trailer section is only consumed once it is
/// complete, so keep unconsumed bytes and present them again with more (as with head parsing).
/// Those lines are bounded by [`Limits::max_chunk_ext_len`] and [`Limits::max_trailer_size`].
///
/// ```
/// use proto_h1::{Chunk, ChunkedDecoder, Limits};
/// let mut dec = ChunkedDecoder::new(&Limits::default());
/// let input = b"5;ext=1\r\nhello\r\n0\r\nTrailer: x\r\n\r\n";
/// let (n, chunk) = dec.decode(input).unwrap();
/// assert_eq!(chunk, Some(Chunk::Data(b"hello")));
/// let (m, chunk) = dec.decode(&input[n..]).unwrap();
/// assert_eq!(chunk, Some(Chunk::End { trailers: b"Trailer: x\r\n\r\n" }));
/// assert_eq!(n + m, input.len());
/// ```
#[derive(Debug, Clone)]
pub struct ChunkedDecoder {
    state: ChunkState,
    /// Body bytes still allowed: [`Limits::max_body_len`] less the chunk sizes read so far
    /// (one subtraction per chunk, where a running total needed an add and a compare).
    budget: u64,
    /// The limits it applies, kept compact (a connection holds a decoder per chunked body):
    /// [`Limits::max_body_len`], and the others saturated to 32 bits.
    max_body_len: u64,
    max_trailer_size: u32,
    max_headers: u32,
    max_chunk_ext_len: u32,
    /// The last size line of the fast path (see [`SizeLineMemo`]).
    memo: SizeLineMemo,
}

/// `n`, or `u32::MAX` when larger (no line or section the decoder buffers comes near it).
fn sat32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The last size line the fast path parsed. Senders mostly write a body in chunks of one size
/// (their buffer's), so the next line usually repeats it byte for byte, and comparing 8 bytes
/// under a mask replaces parsing them. That also takes the parse off the chain of dependent
/// steps that walks a body (a chunk's size gives the next chunk's position): on a match the
/// size comes from here, and the loaded bytes only feed a branch. A line that differs is
/// parsed as before (a body of varying sizes costs one compare per chunk more).
#[derive(Debug, Clone, Copy)]
struct SizeLineMemo {
    /// The first 8 bytes at the line's `CRLF` (the previous chunk's terminator), as bytes so
    /// that the memo packs into 12 bytes inside the decoder (the connection's size is bounded).
    window: [u8; 8],
    /// The chunk size (at most four hex digits).
    size: u16,
    /// `CRLF size CRLF` in bytes, 5 to 8 (2 in [`Self::NONE`]).
    len: u8,
    /// `64 - 8 * len`: shifting a little-endian window left by it keeps the line's bytes, so
    /// the compare is an xor, a shift and a test.
    shift: u8,
}

impl SizeLineMemo {
    /// Matches no window that starts with `CRLF` (its two bytes are `CRLF` inverted), so the
    /// first size line is parsed; an input that matches it anyway has size 0 and goes to
    /// the general path.
    const NONE: SizeLineMemo = SizeLineMemo {
        window: [!b'\r', !b'\n', 0, 0, 0, 0, 0, 0],
        size: 0,
        len: 2,
        shift: 48,
    };

    /// Whether the first `len` bytes of `window` (little-endian) are the memoised line's.
    #[inline(always)]
    fn matches(self, window: u64) -> bool {
        (window ^ u64::from_le_bytes(self.window)) << self.shift == 0
    }
}

impl ChunkedDecoder {
    /// A decoder at the start of a chunked body.
    #[must_use]
    pub fn new(limits: &Limits) -> Self {
        ChunkedDecoder {
            state: ChunkState::Size,
            budget: limits.max_body_len,
            max_body_len: limits.max_body_len,
            max_trailer_size: sat32(limits.max_trailer_size),
            max_headers: sat32(limits.max_headers),
            max_chunk_ext_len: sat32(limits.max_chunk_ext_len),
            memo: SizeLineMemo::NONE,
        }
    }

    /// Whether the last chunk and trailers have been read.
    #[must_use]
    pub fn is_done(&self) -> bool {
        self.state == ChunkState::Done
    }

    /// Decodes from `input`: returns the bytes consumed and `Some` event, or `None` when the
    /// input ran out first (the consumed count may still be non-zero: keep only the rest).
    ///
    /// # Errors
    /// A malformed chunk size, extension, terminator or trailer section, or a broken limit.
    /// Errors are not sticky here; the connection layer makes them so.
    #[inline]
    pub fn decode<'a>(&mut self, input: &'a [u8]) -> Result<(usize, Option<Chunk<'a>>), Error> {
        if self.state == ChunkState::DataCrlf
            && let Some(r) = self.next_chunk_fast(input)
        {
            return Ok(r);
        }
        self.decode_slow(input)
    }

    /// The common step between chunks, `CRLF 1*HEXDIG CRLF data`, without extensions, when
    /// the whole chunk is in `input`. `None` (nothing changed) sends anything else, a partial
    /// chunk included, to the general path.
    ///
    /// Walking a body is a chain of dependent steps (a chunk's size gives the next chunk's
    /// position), so this path is kept short: the 8 bytes at the line are first compared with
    /// the last size line parsed ([`SizeLineMemo`]), and only a different line is parsed
    /// ([`Self::size_line_fast`]). A chunk whose data is all here is sliced without a `min`
    /// against the input's length.
    #[inline(always)]
    fn next_chunk_fast<'a>(&mut self, input: &'a [u8]) -> Option<(usize, Option<Chunk<'a>>)> {
        let w: &[u8; 8] = input.first_chunk()?;
        let window = u64::from_le_bytes(*w);
        let memo = self.memo;
        let (size, j) = if memo.matches(window) {
            (usize::from(memo.size), usize::from(memo.len))
        } else {
            let (size, j) = Self::size_line_fast(w)?;
            self.memo = SizeLineMemo {
                window: *w,
                // At most four hex digits, and a line of at most 8 bytes.
                size: size as u16,
                len: j as u8,
                shift: (64 - 8 * j) as u8,
            };
            (size, j)
        };
        if size == 0 {
            return None;
        }
        let data = input.get(j..j + size)?;
        self.budget = self.budget.checked_sub(size as u64)?;
        Some((j + size, Some(Chunk::Data(data))))
    }

    /// `CRLF 1*4HEXDIG CRLF` at the start of `w`: the size and the line's length. The digit
    /// count is found by branches, which predict well on real bodies, and each digit's value
    /// is computed (`c - '0'`, or `(c & 0xf) + 9` for a letter) rather than looked up.
    #[inline(always)]
    fn size_line_fast(w: &[u8; 8]) -> Option<(usize, usize)> {
        #[inline(always)]
        fn digit(c: u8) -> Option<usize> {
            let d = c.wrapping_sub(b'0');
            if d < 10 {
                return Some(usize::from(d));
            }
            let l = (c | 0x20).wrapping_sub(b'a');
            if l < 6 {
                Some(usize::from(l) + 10)
            } else {
                None
            }
        }
        if w[0] != b'\r' || w[1] != b'\n' {
            return None;
        }
        let mut size = digit(w[2])?;
        let mut k = 3;
        while w[k] != b'\r' {
            if k == 6 {
                return None;
            }
            size = (size << 4) | digit(w[k])?;
            k += 1;
        }
        if w[k + 1] != b'\n' {
            return None;
        }
        Some((size, k + 2))
    }

    /// Everything [`Self::next_chunk_fast`] leaves: the first size line, partial chunks and
    /// lines, extensions, the last chunk and the trailer section. Kept out of line so that
    /// the fast path inlined into a caller's loop stays small: inlined, its live values pushed
    /// the fast path's state onto the stack (measured under callgrind on the bench pairs'
    /// chunked bodies: 5 to 8% more instructions per body).
    #[inline(never)]
    fn decode_slow<'a>(&mut self, input: &'a [u8]) -> Result<(usize, Option<Chunk<'a>>), Error> {
        let mut i = 0;
        loop {
            match self.state {
                ChunkState::Done => return Ok((i, None)),
                ChunkState::Size => match self.size_line(&input[i..]).map_err(|e| e.shift(i))? {
                    None => return Ok((i, None)),
                    Some((used, size)) => {
                        i += used;
                        if size == 0 {
                            self.state = ChunkState::Trailers;
                        } else {
                            self.budget =
                                self.budget.checked_sub(size).ok_or(Error::BodyTooLarge {
                                    limit: self.max_body_len,
                                })?;
                            self.state = ChunkState::Data(size);
                        }
                    }
                },
                ChunkState::Data(left) => {
                    let avail = &input[i..];
                    if avail.is_empty() {
                        return Ok((i, None));
                    }
                    let n = (avail.len() as u64).min(left) as usize;
                    self.state = if n as u64 == left {
                        ChunkState::DataCrlf
                    } else {
                        ChunkState::Data(left - n as u64)
                    };
                    return Ok((i + n, Some(Chunk::Data(&avail[..n]))));
                }
                ChunkState::DataCrlf => match (input.get(i), input.get(i + 1)) {
                    (Some(b'\r'), Some(b'\n')) => {
                        i += 2;
                        self.state = ChunkState::Size;
                    }
                    (None, _) | (Some(b'\r'), None) => return Ok((i, None)),
                    (Some(b'\r'), Some(_)) => {
                        return Err(Error::InvalidChunkTerminator { offset: i + 1 });
                    }
                    _ => return Err(Error::InvalidChunkTerminator { offset: i }),
                },
                ChunkState::Trailers => {
                    let rest = &input[i..];
                    let limits = Limits {
                        max_head_size: self.max_trailer_size as usize,
                        max_headers: self.max_headers as usize,
                        max_chunk_ext_len: self.max_chunk_ext_len as usize,
                        max_trailer_size: self.max_trailer_size as usize,
                        max_body_len: self.max_body_len,
                        ..Limits::default()
                    };
                    let mut count = Count {
                        n: 0,
                        max: self.max_headers as usize,
                    };
                    match fields(rest, 0, &limits, &mut count) {
                        Ok(Some(end)) => {
                            self.state = ChunkState::Done;
                            return Ok((
                                i + end,
                                Some(Chunk::End {
                                    trailers: &rest[..end],
                                }),
                            ));
                        }
                        Ok(None) => return Ok((i, None)),
                        Err(Error::HeadTooLarge { .. }) => {
                            return Err(Error::TrailerTooLarge {
                                limit: self.max_trailer_size as usize,
                            });
                        }
                        Err(e @ Error::TooManyHeaders { .. }) => return Err(e),
                        Err(e) => {
                            return Err(Error::InvalidTrailer {
                                offset: i + e.offset().unwrap_or(0),
                            });
                        }
                    }
                }
            }
        }
    }

    /// Parses `chunk-size [ chunk-ext ] CRLF` when it is complete in `b`; error offsets are
    /// from the start of `b`.
    #[inline(always)]
    fn size_line(&self, b: &[u8]) -> Result<Option<(usize, u64)>, Error> {
        let mut size: u64 = 0;
        let mut i = 0;
        while let Some(&c) = b.get(i) {
            let d = HEX[c as usize];
            if d == 0xff {
                break;
            }
            if size > u64::MAX >> 4 || i >= 64 {
                return Err(Error::InvalidChunkSize { offset: i });
            }
            size = (size << 4) | u64::from(d);
            i += 1;
        }
        if i == 0 && !b.is_empty() {
            return Err(Error::InvalidChunkSize { offset: 0 });
        }
        // The common case: no extension.
        match (b.get(i), b.get(i + 1)) {
            (Some(b'\r'), Some(b'\n')) => return Ok(Some((i + 2, size))),
            (None, _) | (Some(b'\r'), None) => return Ok(None),
            _ => {}
        }
        let ext0 = i;
        let max = self.max_chunk_ext_len as usize;
        let window = &b[ext0..b.len().min(ext0 + max + 2)];
        let Some(p) = window.iter().position(|&c| c == b'\r' || c == b'\n') else {
            if window.len() >= max + 2 {
                return Err(Error::ChunkExtensionTooLong { limit: max });
            }
            return Ok(None);
        };
        let end = ext0 + p;
        if b[end] == b'\n' {
            return Err(Error::BareLf { offset: end });
        }
        match b.get(end + 1) {
            None => return Ok(None),
            Some(b'\n') => {}
            Some(_) => return Err(Error::BareCr { offset: end }),
        }
        if end - ext0 > max {
            return Err(Error::ChunkExtensionTooLong { limit: max });
        }
        if !valid_chunk_ext(&b[ext0..end]) {
            return Err(if ext0 == end {
                Error::InvalidChunkSize { offset: ext0 }
            } else {
                Error::InvalidChunkExtension { offset: ext0 }
            });
        }
        Ok(Some((end + 2, size)))
    }
}

/// Hex digit values; 0xff for anything else.
static HEX: [u8; 256] = {
    let mut t = [0xffu8; 256];
    let mut c = 0;
    while c < 256 {
        t[c] = match c as u8 {
            b @ b'0'..=b'9' => b - b'0',
            b @ b'a'..=b'f' => b - b'a' + 10,
            b @ b'A'..=b'F' => b - b'A' + 10,
            _ => 0xff,
        };
        c += 1;
    }
    t
};

/// `*( BWS ";" BWS ext-name [ BWS "=" BWS ( token / quoted-string ) ] )` (RFC 9112 7.1.1).
fn valid_chunk_ext(e: &[u8]) -> bool {
    let tok = |e: &[u8], mut i: usize| {
        let s = i;
        while i < e.len() && crate::scan::TOKEN[e[i] as usize] {
            i += 1;
        }
        (i > s).then_some(i)
    };
    let ws = |e: &[u8], mut i: usize| {
        while i < e.len() && matches!(e[i], b' ' | b'\t') {
            i += 1;
        }
        i
    };
    let mut i = 0;
    while i < e.len() {
        i = ws(e, i);
        if e.get(i) != Some(&b';') {
            return false;
        }
        i = ws(e, i + 1);
        let Some(j) = tok(e, i) else { return false };
        i = ws(e, j);
        if e.get(i) == Some(&b'=') {
            i = ws(e, i + 1);
            if e.get(i) == Some(&b'"') {
                i += 1;
                loop {
                    match e.get(i) {
                        None => return false,
                        Some(b'"') => {
                            i += 1;
                            break;
                        }
                        Some(b'\\') => match e.get(i + 1) {
                            Some(&c) if c == b'\t' || (c >= 0x20 && c != 0x7f) => i += 2,
                            _ => return false,
                        },
                        Some(&c) if c == b'\t' || (c >= 0x20 && c != 0x7f) => i += 1,
                        Some(_) => return false,
                    }
                }
            } else {
                let Some(j) = tok(e, i) else { return false };
                i = j;
            }
            i = ws(e, i);
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{EMPTY_HEADER, Request, Response};

    fn req_framing(b: &[u8]) -> Result<Framing, Error> {
        let mut slots = [EMPTY_HEADER; 16];
        let mut r = Request::new(&mut slots);
        assert!(r.parse(b)?.is_complete());
        request_framing(r.version, r.headers().iter().copied(), &Limits::default())
    }

    #[test]
    fn framing_rules() {
        let ok: &[(&[u8], Framing)] = &[
            (b"GET / HTTP/1.1\r\n\r\n", Framing::None),
            (
                b"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\n",
                Framing::Length(5),
            ),
            (
                b"POST / HTTP/1.1\r\nContent-Length: 5, 5\r\ncontent-length: 5\r\n\r\n",
                Framing::Length(5),
            ),
            (
                b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
                Framing::Chunked,
            ),
            (
                b"POST / HTTP/1.1\r\nTransfer-Encoding: CHUNKED \r\n\r\n",
                Framing::Chunked,
            ),
        ];
        for (b, f) in ok {
            assert_eq!(req_framing(b), Ok(*f), "{:?}", String::from_utf8_lossy(b));
        }
    }

    #[test]
    fn response_framing_by_status_and_method() {
        let mut slots = [EMPTY_HEADER; 4];
        let mut r = Response::new(&mut slots);
        r.parse(b"HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n")
            .unwrap();
        let l = Limits::default();
        let f = |m, c| response_framing(m, c, r.version, r.headers().iter().copied(), &l);
        assert_eq!(f("GET", 200), Ok(Framing::Length(7)));
        assert_eq!(f("HEAD", 200), Ok(Framing::None));
        assert_eq!(f("GET", 204), Ok(Framing::None));
        assert_eq!(f("GET", 304), Ok(Framing::None));
        assert_eq!(f("GET", 101), Ok(Framing::None));
        assert_eq!(f("CONNECT", 200), Ok(Framing::None));
        assert_eq!(f("CONNECT", 407), Ok(Framing::Length(7)));
        let mut slots = [EMPTY_HEADER; 4];
        let mut r = Response::new(&mut slots);
        r.parse(b"HTTP/1.1 200 OK\r\n\r\n").unwrap();
        let f = response_framing("GET", 200, r.version, r.headers().iter().copied(), &l);
        assert_eq!(f, Ok(Framing::UntilClose));
    }

    fn decode_all(input: &[u8]) -> Result<(Vec<u8>, Vec<u8>), Error> {
        let mut dec = ChunkedDecoder::new(&Limits::default());
        let mut body = Vec::new();
        let mut i = 0;
        loop {
            let (n, ev) = dec.decode(&input[i..])?;
            i += n;
            match ev {
                Some(Chunk::Data(d)) => body.extend_from_slice(d),
                Some(Chunk::End { trailers }) => return Ok((body, trailers.to_vec())),
                None => return Err(Error::UnexpectedEof),
            }
        }
    }

    #[test]
    fn chunked_ok() {
        let (b, t) =
            decode_all(b"3\r\nabc\r\nA ; a = \"x\\\"y\" ;b\r\n0123456789\r\n0\r\nX: y\r\n\r\n")
                .unwrap();
        assert_eq!(b, b"abc0123456789");
        assert_eq!(t, b"X: y\r\n\r\n");
        assert_eq!(decode_all(b"0\r\n\r\n").unwrap().1, b"\r\n");
        assert_eq!(decode_all(b"000001\r\nz\r\n0\r\n\r\n").unwrap().0, b"z");
    }

    #[test]
    fn chunked_rejections() {
        let cases: &[(&[u8], Error)] = &[
            (b"x\r\n", Error::InvalidChunkSize { offset: 0 }),
            (b"\r\n", Error::InvalidChunkSize { offset: 0 }),
            (
                b"3 \r\nabc\r\n0\r\n\r\n",
                Error::InvalidChunkExtension { offset: 1 },
            ),
            (b"-3\r\n", Error::InvalidChunkSize { offset: 0 }),
            (
                b"10000000000000000\r\n",
                Error::InvalidChunkSize { offset: 16 },
            ),
            (b"3\nabc\r\n", Error::BareLf { offset: 1 }),
            (b"3\rabc\r\n", Error::BareCr { offset: 1 }),
            (b"3;a\rb\r\nabc\r\n", Error::BareCr { offset: 3 }),
            (b"3;a\nb\r\nabc\r\n", Error::BareLf { offset: 3 }),
            // Terminator errors come from the call after the data: offsets from there.
            (
                b"3\r\nabcX\r\n",
                Error::InvalidChunkTerminator { offset: 0 },
            ),
            (
                b"3\r\nabc\n0\r\n\r\n",
                Error::InvalidChunkTerminator { offset: 0 },
            ),
            (
                b"3\r\nabc\r\r\n",
                Error::InvalidChunkTerminator { offset: 1 },
            ),
            (b"3;\r\nabc\r\n", Error::InvalidChunkExtension { offset: 1 }),
            (
                b"3;a=\r\nabc\r\n",
                Error::InvalidChunkExtension { offset: 1 },
            ),
            (
                b"3;a=\"x\r\nabc\r\n",
                Error::InvalidChunkExtension { offset: 1 },
            ),
            (
                b"3;a=\x01\r\nabc\r\n",
                Error::InvalidChunkExtension { offset: 1 },
            ),
            (b"0\r\nX : y\r\n\r\n", Error::InvalidTrailer { offset: 4 }),
            (b"0\r\nX: y\n\r\n", Error::InvalidTrailer { offset: 7 }),
        ];
        for (b, e) in cases {
            assert_eq!(
                decode_all(b).map(|_| ()),
                Err(*e),
                "{:?}",
                String::from_utf8_lossy(b)
            );
        }
        let long = [b"1;a=".as_slice(), &[b'x'; 2000], b"\r\nz\r\n"].concat();
        assert_eq!(
            decode_all(&long).map(|_| ()),
            Err(Error::ChunkExtensionTooLong { limit: 1024 })
        );
        let mut dec = ChunkedDecoder::new(&Limits::default());
        assert_eq!(
            dec.decode(&long[..1500]),
            Err(Error::ChunkExtensionTooLong { limit: 1024 })
        );
    }

    #[test]
    fn chunked_every_split() {
        let input = b"4;x=y\r\nWiki\r\n5\r\npedia\r\n0\r\nA: b\r\n\r\n";
        for cut in 0..input.len() {
            let mut dec = ChunkedDecoder::new(&Limits::default());
            let mut body = Vec::new();
            let mut pending: Vec<u8> = Vec::new();
            let mut done = false;
            for part in [&input[..cut], &input[cut..]] {
                pending.extend_from_slice(part);
                loop {
                    let (n, ev) = dec.decode(&pending).unwrap();
                    let stop = match ev {
                        Some(Chunk::Data(d)) => {
                            body.extend_from_slice(d);
                            false
                        }
                        Some(Chunk::End { .. }) => {
                            done = true;
                            true
                        }
                        None => true,
                    };
                    pending.drain(..n);
                    if stop {
                        break;
                    }
                }
            }
            assert!(done, "{cut}");
            assert_eq!(body, b"Wikipedia");
        }
    }

    /// A body whose chunks are written `(size line, data length)`, ending with `0`.
    fn chunked(lines: &[(&str, usize)]) -> (Vec<u8>, Vec<u8>) {
        let (mut input, mut body) = (Vec::new(), Vec::new());
        for (k, &(line, n)) in lines.iter().enumerate() {
            let data: Vec<u8> = (0..n).map(|i| b'a' + ((i + k) % 26) as u8).collect();
            input.extend_from_slice(line.as_bytes());
            input.extend_from_slice(b"\r\n");
            input.extend_from_slice(&data);
            input.extend_from_slice(b"\r\n");
            body.extend_from_slice(&data);
        }
        input.extend_from_slice(b"0\r\n\r\n");
        (input, body)
    }

    /// The fast path's memo of the last size line: a repeated line is taken from it, and a
    /// line that differs anywhere in its bytes (a longer size with the same first digits, the
    /// other letter case, an extension, leading zeros) is parsed, whatever came before.
    #[test]
    fn size_line_memo_hits_and_misses() {
        let (input, body) = chunked(&[
            ("1", 1),
            ("40", 0x40),
            ("40", 0x40),
            ("400", 0x400),
            ("40", 0x40),
            ("ab", 0xab),
            ("AB", 0xab),
            ("AB", 0xab),
            ("Ab", 0xab),
            ("40;x=y", 0x40),
            ("40", 0x40),
            ("040", 0x40),
            ("fffe", 0xfffe),
            ("FFFE", 0xfffe),
            ("fffe", 0xfffe),
            ("1", 1),
            ("1", 1),
            ("10000", 0x10000),
            ("1", 1),
        ]);
        assert_eq!(decode_all(&input).unwrap().0, body);
        // Every split of a body with repeated lines (the memo meets partial chunks and lines).
        let (input, body) = chunked(&[("3", 3), ("3", 3), ("3", 3), ("13", 0x13), ("3", 3)]);
        for cut in 0..input.len() {
            let mut dec = ChunkedDecoder::new(&Limits::default());
            let (mut got, mut pending) = (Vec::new(), Vec::new());
            for part in [&input[..cut], &input[cut..]] {
                pending.extend_from_slice(part);
                loop {
                    let (n, ev) = dec.decode(&pending).unwrap();
                    let more = ev.is_some();
                    if let Some(Chunk::Data(d)) = ev {
                        got.extend_from_slice(d);
                    }
                    pending.drain(..n);
                    if !more {
                        break;
                    }
                }
            }
            assert!(dec.is_done(), "{cut}");
            assert_eq!(got, body, "{cut}");
        }
    }

    /// A memoised line is trusted only for the exact bytes it was parsed from: the same
    /// digits with a bad terminator, and the bytes of the empty memo, are errors.
    #[test]
    fn size_line_memo_never_accepts_other_bytes() {
        let (input, _) = chunked(&[("40", 0x40), ("40", 0x40)]);
        let bad = [&input[..input.len() - 5], b"40\r\rxxxxxxxx"].concat();
        assert!(decode_all(&bad).is_err());
        let mut bad = input[..2 + 2 + 0x40].to_vec();
        bad.extend_from_slice(&[!b'\r', !b'\n', b'1', b'\r', b'\n', b'z', b'z', b'z']);
        assert_eq!(
            decode_all(&bad),
            Err(Error::InvalidChunkTerminator { offset: 0 })
        );
    }

    /// The fast size-line parse against a plain reading of `CRLF 1*4HEXDIG CRLF`: every pair
    /// of bytes in the first two digit places, with each of a few bytes (line ends, a digit, a
    /// letter, a non-digit) in the next two, and the rest of the line as it must be.
    #[test]
    fn size_line_fast_agrees_with_the_grammar() {
        fn expected(w: &[u8; 8]) -> Option<(usize, usize)> {
            if w[..2] != *b"\r\n" {
                return None;
            }
            let digits = w[2..].iter().take_while(|c| c.is_ascii_hexdigit()).count();
            if !(1..=4).contains(&digits) || w.get(2 + digits..4 + digits)? != b"\r\n" {
                return None;
            }
            let text = std::str::from_utf8(&w[2..2 + digits]).unwrap();
            Some((usize::from_str_radix(text, 16).unwrap(), digits + 4))
        }
        let few = [b'\r', b'\n', b'7', b'c', b'F', b'x', b';', 0xc3];
        for a in 0..=255u8 {
            for b in 0..=255u8 {
                for c in few {
                    for d in few {
                        for tail in [*b"\r\n", *b"\n\r", *b"0\r"] {
                            let w = [b'\r', b'\n', a, b, c, d, tail[0], tail[1]];
                            assert_eq!(ChunkedDecoder::size_line_fast(&w), expected(&w), "{w:?}");
                            let mut v = w;
                            v[0] = a;
                            assert_eq!(ChunkedDecoder::size_line_fast(&v), expected(&v), "{v:?}");
                        }
                    }
                }
            }
        }
    }

    /// The body-length limit on both paths: the first chunk's size is read by the general
    /// path and the later ones by the fast path; a body of exactly the limit is accepted and
    /// one byte more is `BodyTooLarge`, whichever chunk crosses it.
    #[test]
    fn chunked_body_limit_at_the_boundary() {
        let limits = Limits {
            max_body_len: 10,
            ..Limits::default()
        };
        let run = |input: &[u8]| {
            let mut dec = ChunkedDecoder::new(&limits);
            let mut i = 0;
            loop {
                match dec.decode(&input[i..])? {
                    (n, Some(Chunk::Data(_))) => i += n,
                    (_, Some(Chunk::End { .. })) => return Ok(()),
                    (_, None) => return Err(Error::UnexpectedEof),
                }
            }
        };
        let too_large = Err(Error::BodyTooLarge { limit: 10 });
        // Exactly 10: 4 + 3 + 3 (fast path), and 10 in one chunk (general path).
        assert_eq!(
            run(b"4\r\naaaa\r\n3\r\nbbb\r\n3\r\nccc\r\n0\r\n\r\n"),
            Ok(())
        );
        assert_eq!(run(b"a\r\naaaaaaaaaa\r\n0\r\n\r\n"), Ok(()));
        // 11: crossed by a fast-path chunk, by the general path's first chunk, and by a
        // fast-path-shaped chunk whose data is not all there yet (general path).
        assert_eq!(
            run(b"4\r\naaaa\r\n3\r\nbbb\r\n4\r\ncccc\r\n0\r\n\r\n"),
            too_large
        );
        assert_eq!(run(b"b\r\naaaaaaaaaaa\r\n0\r\n\r\n"), too_large);
        assert_eq!(run(b"a\r\naaaaaaaaaa\r\n1\r\n"), too_large);
    }

    #[test]
    fn length_decoder() {
        let mut d = LengthDecoder::new(5);
        assert_eq!(d.decode(b"abc"), b"abc");
        assert_eq!(d.decode(b"defgh"), b"de");
        assert!(d.is_done());
        assert_eq!(d.decode(b"x"), b"");
    }
}
