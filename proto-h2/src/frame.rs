//! The HTTP/2 frame codec (RFC 9113 section 4 and 6): all ten frame types, their flags, padding
//! and priority fields.
//!
//! Decoding borrows: every payload ([`Data::data`], header block fragments, GOAWAY debug data)
//! is a slice of the input, so nothing is copied. Unknown frame types come back as
//! [`Frame::Unknown`] for the caller to ignore, and undefined flags are dropped.
//!
//! Encoding has two forms. [`Frame::encode`] appends the whole frame. [`Frame::encode_head`]
//! appends everything except the payload and hands the payload back ([`Tail`]), so a DATA
//! frame's body can go out in a vectored write without being copied ([`Data::encode_head`] does
//! the same without building a [`Frame`], and [`FrameHeader::encode_into`] fills a caller's
//! 9-octet slot). Fixed-length frames and headers are built as arrays in registers and written
//! with one copy.
//!
//! ```
//! use proto_h2::frame::{self, Data, Frame, StreamId};
//!
//! let mut out = Vec::new();
//! let body = b"hello";
//! let tail = Frame::Data(Data::new(StreamId::new(1), body, true)).encode_head(&mut out);
//! assert_eq!(out.len(), frame::HEADER_LEN); // only the 9-byte header was written
//! assert_eq!(tail.data, body);             // the payload is handed back, not copied
//! out.extend_from_slice(tail.data);
//! let (frame, used) = frame::decode(&out, frame::DEFAULT_MAX_FRAME_SIZE).unwrap().unwrap();
//! assert_eq!(used, out.len());
//! assert!(matches!(frame, Frame::Data(d) if d.data == b"hello" && d.end_stream));
//! ```

use core::fmt;

mod builder;
mod error;

pub use builder::Builder;
pub use error::FrameError;

/// Length of the fixed frame header.
pub const HEADER_LEN: usize = 9;
/// The initial and smallest allowed `SETTINGS_MAX_FRAME_SIZE` (2^14).
pub const DEFAULT_MAX_FRAME_SIZE: u32 = 1 << 14;
/// The largest allowed `SETTINGS_MAX_FRAME_SIZE` (2^24 - 1).
pub const MAX_MAX_FRAME_SIZE: u32 = (1 << 24) - 1;

/// Frame type codes (RFC 9113 section 6).
pub mod kind {
    /// DATA (6.1).
    pub const DATA: u8 = 0x0;
    /// HEADERS (6.2).
    pub const HEADERS: u8 = 0x1;
    /// PRIORITY (6.3).
    pub const PRIORITY: u8 = 0x2;
    /// RST_STREAM (6.4).
    pub const RST_STREAM: u8 = 0x3;
    /// SETTINGS (6.5).
    pub const SETTINGS: u8 = 0x4;
    /// PUSH_PROMISE (6.6).
    pub const PUSH_PROMISE: u8 = 0x5;
    /// PING (6.7).
    pub const PING: u8 = 0x6;
    /// GOAWAY (6.8).
    pub const GOAWAY: u8 = 0x7;
    /// WINDOW_UPDATE (6.9).
    pub const WINDOW_UPDATE: u8 = 0x8;
    /// CONTINUATION (6.10).
    pub const CONTINUATION: u8 = 0x9;
}

/// Frame flags (RFC 9113 section 6).
pub mod flag {
    /// END_STREAM on DATA and HEADERS.
    pub const END_STREAM: u8 = 0x1;
    /// ACK on SETTINGS and PING.
    pub const ACK: u8 = 0x1;
    /// END_HEADERS on HEADERS, PUSH_PROMISE and CONTINUATION.
    pub const END_HEADERS: u8 = 0x4;
    /// PADDED on DATA, HEADERS and PUSH_PROMISE.
    pub const PADDED: u8 = 0x8;
    /// PRIORITY on HEADERS.
    pub const PRIORITY: u8 = 0x20;
}

/// A stream identifier: 31 bits, the reserved high bit is dropped on parse (RFC 9113 4.1).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct StreamId(u32);

impl StreamId {
    /// Stream 0, the connection itself.
    pub const ZERO: StreamId = StreamId(0);
    /// The largest stream identifier.
    pub const MAX: StreamId = StreamId(0x7fff_ffff);

    /// A stream id from a number; the reserved high bit is cleared.
    pub const fn new(id: u32) -> Self {
        StreamId(id & 0x7fff_ffff)
    }
    /// The number.
    pub const fn value(self) -> u32 {
        self.0
    }
    /// Is this stream 0 (the connection)?
    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }
    /// Odd ids are opened by clients, even ids (except 0) by servers.
    pub const fn is_client_initiated(self) -> bool {
        self.0 % 2 == 1
    }
}

impl fmt::Debug for StreamId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StreamId({})", self.0)
    }
}

impl fmt::Display for StreamId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// An HTTP/2 error code (RFC 9113 section 7), as it appears in RST_STREAM and GOAWAY.
///
/// A newtype rather than an enum: peers may send codes this crate does not know, and those
/// must be kept as they are.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ErrorCode(pub u32);

impl ErrorCode {
    /// Graceful shutdown or no error.
    pub const NO_ERROR: ErrorCode = ErrorCode(0x0);
    /// Unspecific protocol error.
    pub const PROTOCOL_ERROR: ErrorCode = ErrorCode(0x1);
    /// Unexpected internal error.
    pub const INTERNAL_ERROR: ErrorCode = ErrorCode(0x2);
    /// Flow-control protocol violated.
    pub const FLOW_CONTROL_ERROR: ErrorCode = ErrorCode(0x3);
    /// SETTINGS not acknowledged in time.
    pub const SETTINGS_TIMEOUT: ErrorCode = ErrorCode(0x4);
    /// Frame received on a half-closed stream.
    pub const STREAM_CLOSED: ErrorCode = ErrorCode(0x5);
    /// Frame size incorrect.
    pub const FRAME_SIZE_ERROR: ErrorCode = ErrorCode(0x6);
    /// Stream not processed.
    pub const REFUSED_STREAM: ErrorCode = ErrorCode(0x7);
    /// Stream cancelled.
    pub const CANCEL: ErrorCode = ErrorCode(0x8);
    /// Field-block compression state broken.
    pub const COMPRESSION_ERROR: ErrorCode = ErrorCode(0x9);
    /// TCP connection error for CONNECT.
    pub const CONNECT_ERROR: ErrorCode = ErrorCode(0xa);
    /// Processing capacity exceeded.
    pub const ENHANCE_YOUR_CALM: ErrorCode = ErrorCode(0xb);
    /// Negotiated TLS parameters not acceptable.
    pub const INADEQUATE_SECURITY: ErrorCode = ErrorCode(0xc);
    /// Use HTTP/1.1 for the request.
    pub const HTTP_1_1_REQUIRED: ErrorCode = ErrorCode(0xd);

    /// The RFC name of a known code.
    pub fn name(self) -> Option<&'static str> {
        Some(match self.0 {
            0x0 => "NO_ERROR",
            0x1 => "PROTOCOL_ERROR",
            0x2 => "INTERNAL_ERROR",
            0x3 => "FLOW_CONTROL_ERROR",
            0x4 => "SETTINGS_TIMEOUT",
            0x5 => "STREAM_CLOSED",
            0x6 => "FRAME_SIZE_ERROR",
            0x7 => "REFUSED_STREAM",
            0x8 => "CANCEL",
            0x9 => "COMPRESSION_ERROR",
            0xa => "CONNECT_ERROR",
            0xb => "ENHANCE_YOUR_CALM",
            0xc => "INADEQUATE_SECURITY",
            0xd => "HTTP_1_1_REQUIRED",
            _ => return None,
        })
    }
}

impl fmt::Debug for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            None => write!(f, "ErrorCode({:#x})", self.0),
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// The fixed 9-byte frame header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameHeader {
    /// Payload length (24 bits).
    pub len: u32,
    /// Frame type (see [`kind`]).
    pub kind: u8,
    /// Flags as received (see [`flag`]).
    pub flags: u8,
    /// Stream identifier.
    pub stream: StreamId,
}

impl FrameHeader {
    /// Parses the header from the first 9 bytes of `b`, or `None` if fewer are given.
    #[inline]
    pub fn parse(b: &[u8]) -> Option<FrameHeader> {
        b.first_chunk::<HEADER_LEN>().map(FrameHeader::from_bytes)
    }

    /// Parses the header from exactly 9 bytes (three loads, no bounds checks).
    #[inline]
    pub fn from_bytes(h: &[u8; HEADER_LEN]) -> FrameHeader {
        // The length and type come from one four-octet load, the flags and the stream id from
        // their own: the length is what the next frame's position waits on, and a load of the
        // first four octets crosses a cache line less often than one of the first eight (a
        // split load is slower). The chunks always exist (nine octets), so the fallbacks fold
        // away.
        let w = u32::from_be_bytes(*h.first_chunk::<4>().unwrap_or(&[0; 4]));
        let id = u32::from_be_bytes(*h.last_chunk::<4>().unwrap_or(&[0; 4]));
        FrameHeader {
            len: w >> 8,
            kind: w as u8,
            flags: h[4],
            stream: StreamId::new(id),
        }
    }

    /// The first eight header octets as one big-endian word: length, type, flags and the top
    /// three octets of the stream id (the last octet is the id's low octet). Built as a word so
    /// that it is stored with one write; octet by octet, the compiler stores the length's
    /// three octets one at a time.
    #[inline]
    fn first_word(&self) -> u64 {
        u64::from(self.len & 0x00ff_ffff) << 40
            | u64::from(self.kind) << 32
            | u64::from(self.flags) << 24
            | u64::from(self.stream.value() >> 8)
    }

    /// The 9 header bytes. `len` is truncated to 24 bits.
    #[inline]
    pub fn to_bytes(&self) -> [u8; HEADER_LEN] {
        // Octet by octet: so the frames of fixed length (see `Frame::encode_fixed`), which
        // copy these octets into a longer array, compile to the fewest stores; a header
        // written on its own is faster built as a word (`bytes_by_word`).
        let l = self.len.to_be_bytes();
        let s = self.stream.value().to_be_bytes();
        [
            l[1], l[2], l[3], self.kind, self.flags, s[0], s[1], s[2], s[3],
        ]
    }

    /// [`FrameHeader::to_bytes`] built from [`FrameHeader::first_word`]: for a header that is
    /// stored on its own (a DATA frame's head), one eight-octet store and one octet.
    #[inline]
    fn bytes_by_word(&self) -> [u8; HEADER_LEN] {
        let w = self.first_word().to_be_bytes();
        [
            w[0],
            w[1],
            w[2],
            w[3],
            w[4],
            w[5],
            w[6],
            w[7],
            self.stream.value() as u8,
        ]
    }

    /// Appends the 9 header bytes. `len` is truncated to 24 bits.
    #[inline]
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.bytes_by_word());
    }

    /// Writes the 9 header bytes into `out` (for a caller that keeps its own buffer, such as
    /// the head slot of a vectored write). `len` is truncated to 24 bits.
    #[inline]
    pub fn encode_into(&self, out: &mut [u8; HEADER_LEN]) {
        // One eight-octet store and one octet (assigning the array is stored octet by octet).
        let (first, last) = out.split_at_mut(8);
        first.copy_from_slice(&self.first_word().to_be_bytes());
        last[0] = self.stream.value() as u8;
    }
}

/// A stream dependency from a HEADERS or PRIORITY frame (RFC 9113 5.3, deprecated but parsed).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Priority {
    /// The exclusive flag.
    pub exclusive: bool,
    /// The stream this one depends on.
    pub dependency: StreamId,
    /// The weight as on the wire (0..=255, meaning 1..=256).
    pub weight: u8,
}

impl Priority {
    #[inline]
    fn parse(b: &[u8; 5]) -> Priority {
        let dep = u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
        Priority {
            exclusive: dep & 0x8000_0000 != 0,
            dependency: StreamId::new(dep),
            weight: b[4],
        }
    }
    #[inline]
    fn to_bytes(self) -> [u8; 5] {
        let dep = self.dependency.value() | if self.exclusive { 0x8000_0000 } else { 0 };
        let d = dep.to_be_bytes();
        [d[0], d[1], d[2], d[3], self.weight]
    }
}

/// DATA (RFC 9113 6.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Data<'a> {
    /// The stream.
    pub stream: StreamId,
    /// END_STREAM.
    pub end_stream: bool,
    /// The application data, a view into the input.
    pub data: &'a [u8],
    /// Padding: `Some(n)` when PADDED is set, `n` zero bytes after the data.
    pub pad: Option<u8>,
}

impl<'a> Data<'a> {
    /// An unpadded DATA frame.
    pub fn new(stream: StreamId, data: &'a [u8], end_stream: bool) -> Self {
        Data {
            stream,
            end_stream,
            data,
            pad: None,
        }
    }
    /// The whole payload length, padding included: what flow control counts (RFC 9113 6.9.1).
    pub fn flow_len(&self) -> usize {
        self.data.len() + self.pad.map_or(0, |p| 1 + p as usize)
    }
}

/// HEADERS (RFC 9113 6.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Headers<'a> {
    /// The stream.
    pub stream: StreamId,
    /// END_STREAM.
    pub end_stream: bool,
    /// END_HEADERS: no CONTINUATION follows.
    pub end_headers: bool,
    /// The priority fields when the PRIORITY flag is set.
    pub priority: Option<Priority>,
    /// The field block fragment (HPACK), a view into the input.
    pub block: &'a [u8],
    /// Padding length when PADDED is set.
    pub pad: Option<u8>,
}

/// PRIORITY (RFC 9113 6.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PriorityFrame {
    /// The stream.
    pub stream: StreamId,
    /// The priority fields.
    pub priority: Priority,
}

/// RST_STREAM (RFC 9113 6.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RstStream {
    /// The stream.
    pub stream: StreamId,
    /// Why.
    pub code: ErrorCode,
}

/// SETTINGS (RFC 9113 6.5). The parameters are a view into the input; iterate them with
/// [`Settings::iter`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Settings<'a> {
    /// ACK flag (then the payload is empty).
    pub ack: bool,
    /// The raw parameters, a multiple of 6 bytes.
    pub raw: &'a [u8],
}

impl<'a> Settings<'a> {
    /// The (identifier, value) pairs in wire order, unknown identifiers included.
    pub fn iter(&self) -> impl Iterator<Item = (u16, u32)> + 'a {
        self.raw.chunks_exact(6).map(|c| {
            (
                u16::from_be_bytes([c[0], c[1]]),
                u32::from_be_bytes([c[2], c[3], c[4], c[5]]),
            )
        })
    }
}

/// PUSH_PROMISE (RFC 9113 6.6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PushPromise<'a> {
    /// The associated stream (the request the push belongs to).
    pub stream: StreamId,
    /// The reserved stream.
    pub promised: StreamId,
    /// END_HEADERS.
    pub end_headers: bool,
    /// The field block fragment.
    pub block: &'a [u8],
    /// Padding length when PADDED is set.
    pub pad: Option<u8>,
}

/// PING (RFC 9113 6.7).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ping {
    /// ACK flag.
    pub ack: bool,
    /// Opaque data, echoed in the ACK.
    pub payload: [u8; 8],
}

/// GOAWAY (RFC 9113 6.8).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GoAway<'a> {
    /// The last stream the sender may have processed.
    pub last_stream: StreamId,
    /// Why.
    pub code: ErrorCode,
    /// Opaque debug data, a view into the input.
    pub debug: &'a [u8],
}

/// WINDOW_UPDATE (RFC 9113 6.9).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WindowUpdate {
    /// The stream, or 0 for the connection window.
    pub stream: StreamId,
    /// The increment, 1..=2^31-1.
    pub increment: u32,
}

/// CONTINUATION (RFC 9113 6.10).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Continuation<'a> {
    /// The stream.
    pub stream: StreamId,
    /// END_HEADERS.
    pub end_headers: bool,
    /// The field block fragment.
    pub block: &'a [u8],
}

/// A frame of a type this crate does not know (RFC 9113 4.1: it must be ignored).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unknown<'a> {
    /// The type code.
    pub kind: u8,
    /// The flags.
    pub flags: u8,
    /// The stream.
    pub stream: StreamId,
    /// The payload.
    pub payload: &'a [u8],
}

/// A decoded frame, borrowing its payload from the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Frame<'a> {
    /// DATA.
    Data(Data<'a>),
    /// HEADERS.
    Headers(Headers<'a>),
    /// PRIORITY.
    Priority(PriorityFrame),
    /// RST_STREAM.
    RstStream(RstStream),
    /// SETTINGS.
    Settings(Settings<'a>),
    /// PUSH_PROMISE.
    PushPromise(PushPromise<'a>),
    /// PING.
    Ping(Ping),
    /// GOAWAY.
    GoAway(GoAway<'a>),
    /// WINDOW_UPDATE.
    WindowUpdate(WindowUpdate),
    /// CONTINUATION.
    Continuation(Continuation<'a>),
    /// Any other type: to be ignored.
    Unknown(Unknown<'a>),
}

/// Decodes one frame from the start of `input`.
///
/// Returns `Ok(None)` when the input holds less than a whole frame (need more bytes is not an
/// error), or the frame and the number of bytes it used. The length limit is checked as soon as
/// the 9-byte header is there, so a peer cannot make us wait for an oversized frame.
///
/// # Errors
/// A [`FrameError`] for a frame that breaks the rules of RFC 9113 section 4 or 6. The frame's
/// length is known from the header ([`FrameHeader::parse`]) so the caller can skip it after a
/// stream error.
#[inline]
pub fn decode(input: &[u8], max_frame_size: u32) -> Result<Option<(Frame<'_>, usize)>, FrameError> {
    let Some(head) = FrameHeader::parse(input) else {
        return Ok(None);
    };
    if head.len > max_frame_size {
        return Err(FrameError::TooLarge {
            kind: head.kind,
            len: head.len,
            max: max_frame_size,
        });
    }
    let end = HEADER_LEN + head.len as usize;
    let Some(payload) = input.get(HEADER_LEN..end) else {
        return Ok(None);
    };
    Frame::parse(head, payload).map(|f| Some((f, end)))
}

/// Splits off the pad length byte and trailing padding when PADDED is set.
#[inline]
fn unpad<'a>(head: &FrameHeader, payload: &'a [u8]) -> Result<(&'a [u8], Option<u8>), FrameError> {
    if head.flags & flag::PADDED == 0 {
        return Ok((payload, None));
    }
    let bad = FrameError::Padding {
        kind: head.kind,
        stream: head.stream,
    };
    let (&pad, rest) = payload.split_first().ok_or(bad)?;
    // "If the length of the padding is the length of the frame payload or greater, the recipient
    // MUST treat this as a connection error of type PROTOCOL_ERROR."
    let body_len = rest.len().checked_sub(pad as usize).ok_or(bad)?;
    Ok((&rest[..body_len], Some(pad)))
}

impl<'a> Frame<'a> {
    /// Parses a frame's payload given its header. The length limit is not checked here (see
    /// [`decode`]).
    ///
    /// # Errors
    /// See [`decode`].
    #[inline]
    pub fn parse(head: FrameHeader, payload: &'a [u8]) -> Result<Frame<'a>, FrameError> {
        let stream = head.stream;
        // The stream-id rule of each type is checked in its arm, so a frame takes one branch
        // on its type and no table lookups.
        let required = FrameError::StreamIdRequired { kind: head.kind };
        let forbidden = FrameError::StreamIdForbidden {
            kind: head.kind,
            stream,
        };
        let bad_len = FrameError::BadLength {
            kind: head.kind,
            stream,
            len: head.len,
        };
        let flags = head.flags;
        Ok(match head.kind {
            kind::DATA => {
                if stream.is_zero() {
                    return Err(required);
                }
                let (data, pad) = unpad(&head, payload)?;
                Frame::Data(Data {
                    stream,
                    end_stream: flags & flag::END_STREAM != 0,
                    data,
                    pad,
                })
            }
            kind::HEADERS => {
                if stream.is_zero() {
                    return Err(required);
                }
                let (mut block, pad) = unpad(&head, payload)?;
                let mut priority = None;
                if flags & flag::PRIORITY != 0 {
                    let Some((p, rest)) = block.split_first_chunk::<5>() else {
                        return Err(bad_len);
                    };
                    // A HEADERS frame that depends on its own stream is a stream error
                    // (5.3.1), but its block must still be decoded to keep HPACK in step:
                    // the connection checks it after decoding.
                    priority = Some(Priority::parse(p));
                    block = rest;
                }
                Frame::Headers(Headers {
                    stream,
                    end_stream: flags & flag::END_STREAM != 0,
                    end_headers: flags & flag::END_HEADERS != 0,
                    priority,
                    block,
                    pad,
                })
            }
            kind::PRIORITY => {
                if stream.is_zero() {
                    return Err(required);
                }
                let p: &[u8; 5] = payload.try_into().map_err(|_| bad_len)?;
                let priority = Priority::parse(p);
                if priority.dependency == stream {
                    return Err(FrameError::SelfDependency { stream });
                }
                Frame::Priority(PriorityFrame { stream, priority })
            }
            kind::RST_STREAM => {
                if stream.is_zero() {
                    return Err(required);
                }
                let c: [u8; 4] = payload.try_into().map_err(|_| bad_len)?;
                Frame::RstStream(RstStream {
                    stream,
                    code: ErrorCode(u32::from_be_bytes(c)),
                })
            }
            kind::SETTINGS => {
                if !stream.is_zero() {
                    return Err(forbidden);
                }
                let ack = flags & flag::ACK != 0;
                if (ack && !payload.is_empty()) || !payload.len().is_multiple_of(6) {
                    return Err(bad_len);
                }
                Frame::Settings(Settings { ack, raw: payload })
            }
            kind::PUSH_PROMISE => {
                if stream.is_zero() {
                    return Err(required);
                }
                let (block, pad) = unpad(&head, payload)?;
                let Some((p, block)) = block.split_first_chunk::<4>() else {
                    return Err(bad_len);
                };
                Frame::PushPromise(PushPromise {
                    stream,
                    promised: StreamId::new(u32::from_be_bytes(*p)),
                    end_headers: flags & flag::END_HEADERS != 0,
                    block,
                    pad,
                })
            }
            kind::PING => {
                if !stream.is_zero() {
                    return Err(forbidden);
                }
                Frame::Ping(Ping {
                    ack: flags & flag::ACK != 0,
                    payload: payload.try_into().map_err(|_| bad_len)?,
                })
            }
            kind::GOAWAY => {
                if !stream.is_zero() {
                    return Err(forbidden);
                }
                let Some((fixed, debug)) = payload.split_first_chunk::<8>() else {
                    return Err(bad_len);
                };
                Frame::GoAway(GoAway {
                    last_stream: StreamId::new(u32::from_be_bytes([
                        fixed[0], fixed[1], fixed[2], fixed[3],
                    ])),
                    code: ErrorCode(u32::from_be_bytes([fixed[4], fixed[5], fixed[6], fixed[7]])),
                    debug,
                })
            }
            kind::WINDOW_UPDATE => {
                let c: [u8; 4] = payload.try_into().map_err(|_| bad_len)?;
                let increment = u32::from_be_bytes(c) & 0x7fff_ffff;
                if increment == 0 {
                    return Err(FrameError::ZeroIncrement { stream });
                }
                Frame::WindowUpdate(WindowUpdate { stream, increment })
            }
            kind::CONTINUATION => {
                if stream.is_zero() {
                    return Err(required);
                }
                Frame::Continuation(Continuation {
                    stream,
                    end_headers: flags & flag::END_HEADERS != 0,
                    block: payload,
                })
            }
            other => Frame::Unknown(Unknown {
                kind: other,
                flags,
                stream,
                payload,
            }),
        })
    }

    /// The stream the frame is on (0 for connection frames).
    #[inline]
    pub fn stream(&self) -> StreamId {
        match self {
            Frame::Data(f) => f.stream,
            Frame::Headers(f) => f.stream,
            Frame::Priority(f) => f.stream,
            Frame::RstStream(f) => f.stream,
            Frame::PushPromise(f) => f.stream,
            Frame::WindowUpdate(f) => f.stream,
            Frame::Continuation(f) => f.stream,
            Frame::Unknown(f) => f.stream,
            Frame::Settings(_) | Frame::Ping(_) | Frame::GoAway(_) => StreamId::ZERO,
        }
    }

    /// Appends the frame header and every fixed field, and hands back the payload (and the
    /// number of zero padding bytes that follow it) for the caller to write after `out`,
    /// for example in a vectored write. Nothing of the payload is copied.
    // Always inlined: callers name the variant, so the match folds to its one arm.
    #[inline(always)]
    pub fn encode_head(&self, out: &mut Vec<u8>) -> Tail<'a> {
        match *self {
            Frame::Data(f) => f.encode_head(out),
            Frame::Headers(f) => {
                let (pf, mut extra) = padded(f.pad);
                let mut fl = pf;
                if f.end_stream {
                    fl |= flag::END_STREAM;
                }
                if f.end_headers {
                    fl |= flag::END_HEADERS;
                }
                if f.priority.is_some() {
                    fl |= flag::PRIORITY;
                    extra += 5;
                }
                out.extend_from_slice(&head(f.block.len() + extra, kind::HEADERS, fl, f.stream));
                if let Some(p) = f.pad {
                    out.push(p);
                }
                if let Some(p) = f.priority {
                    out.extend_from_slice(&p.to_bytes());
                }
                Tail {
                    data: f.block,
                    padding: f.pad.unwrap_or(0),
                }
            }
            Frame::Settings(f) => {
                let fl = if f.ack { flag::ACK } else { 0 };
                out.extend_from_slice(&head(f.raw.len(), kind::SETTINGS, fl, StreamId::ZERO));
                Tail {
                    data: f.raw,
                    padding: 0,
                }
            }
            Frame::PushPromise(f) => {
                let (pf, extra) = padded(f.pad);
                let fl = pf | if f.end_headers { flag::END_HEADERS } else { 0 };
                out.extend_from_slice(&head(
                    f.block.len() + extra + 4,
                    kind::PUSH_PROMISE,
                    fl,
                    f.stream,
                ));
                if let Some(p) = f.pad {
                    out.push(p);
                }
                out.extend_from_slice(&f.promised.value().to_be_bytes());
                Tail {
                    data: f.block,
                    padding: f.pad.unwrap_or(0),
                }
            }
            Frame::GoAway(f) => {
                let h = head(8 + f.debug.len(), kind::GOAWAY, 0, StreamId::ZERO);
                let l = f.last_stream.value().to_be_bytes();
                let c = f.code.0.to_be_bytes();
                out.extend_from_slice(&[
                    h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], h[8], l[0], l[1], l[2], l[3],
                    c[0], c[1], c[2], c[3],
                ]);
                Tail {
                    data: f.debug,
                    padding: 0,
                }
            }
            Frame::Continuation(f) => {
                let fl = if f.end_headers { flag::END_HEADERS } else { 0 };
                out.extend_from_slice(&head(f.block.len(), kind::CONTINUATION, fl, f.stream));
                Tail {
                    data: f.block,
                    padding: 0,
                }
            }
            Frame::Unknown(f) => {
                out.extend_from_slice(&head(f.payload.len(), f.kind, f.flags, f.stream));
                Tail {
                    data: f.payload,
                    padding: 0,
                }
            }
            Frame::Priority(_) | Frame::RstStream(_) | Frame::Ping(_) | Frame::WindowUpdate(_) => {
                self.encode_fixed(out);
                Tail {
                    data: &[],
                    padding: 0,
                }
            }
        }
    }

    /// Appends a frame of fixed length (PRIORITY, RST_STREAM, PING, WINDOW_UPDATE) with one
    /// copy of an array built in registers; does nothing for the other types.
    // Always inlined: callers name the variant, so the match folds to its one arm.
    #[inline(always)]
    fn encode_fixed(&self, out: &mut Vec<u8>) {
        match *self {
            Frame::Priority(f) => {
                let h = head(5, kind::PRIORITY, 0, f.stream);
                let p = f.priority.to_bytes();
                out.extend_from_slice(&[
                    h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], h[8], p[0], p[1], p[2], p[3],
                    p[4],
                ]);
            }
            Frame::RstStream(f) => {
                out.extend_from_slice(&with_u32(head(4, kind::RST_STREAM, 0, f.stream), f.code.0))
            }
            Frame::Ping(f) => {
                let fl = if f.ack { flag::ACK } else { 0 };
                let h = head(8, kind::PING, fl, StreamId::ZERO);
                let p = f.payload;
                out.extend_from_slice(&[
                    h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], h[8], p[0], p[1], p[2], p[3],
                    p[4], p[5], p[6], p[7],
                ]);
            }
            Frame::WindowUpdate(f) => out.extend_from_slice(&with_u32(
                head(4, kind::WINDOW_UPDATE, 0, f.stream),
                f.increment & 0x7fff_ffff,
            )),
            _ => {}
        }
    }

    /// Appends the whole frame (header, fixed fields, payload, padding).
    // Always inlined: callers name the variant, so the match folds to its one arm.
    #[inline(always)]
    pub fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Frame::Priority(_) | Frame::RstStream(_) | Frame::Ping(_) | Frame::WindowUpdate(_) => {
                self.encode_fixed(out)
            }
            _ => {
                let tail = self.encode_head(out);
                out.extend_from_slice(tail.data);
                if tail.padding != 0 {
                    out.resize(out.len() + tail.padding as usize, 0);
                }
            }
        }
    }
}

impl<'a> Data<'a> {
    /// Appends the frame head (the 9-byte header and, when padded, the pad length) and hands
    /// back the payload, like [`Frame::encode_head`] without going through [`Frame`].
    #[inline]
    pub fn encode_head(&self, out: &mut Vec<u8>) -> Tail<'a> {
        let (pf, extra) = padded(self.pad);
        let fl = pf | if self.end_stream { flag::END_STREAM } else { 0 };
        let h = FrameHeader {
            len: (self.data.len() + extra) as u32,
            kind: kind::DATA,
            flags: fl,
            stream: self.stream,
        }
        .bytes_by_word();
        match self.pad {
            None => out.extend_from_slice(&h),
            Some(p) => {
                out.extend_from_slice(&[h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], h[8], p])
            }
        }
        Tail {
            data: self.data,
            padding: self.pad.unwrap_or(0),
        }
    }
}

/// The 9 header octets of a frame.
#[inline]
fn head(len: usize, kind: u8, flags: u8, stream: StreamId) -> [u8; HEADER_LEN] {
    FrameHeader {
        len: len as u32,
        kind,
        flags,
        stream,
    }
    .to_bytes()
}

/// A 9-octet header followed by a big-endian u32.
#[inline]
fn with_u32(h: [u8; HEADER_LEN], v: u32) -> [u8; HEADER_LEN + 4] {
    let v = v.to_be_bytes();
    [
        h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], h[8], v[0], v[1], v[2], v[3],
    ]
}

/// The PADDED flag and the extra payload octets (pad length octet plus padding) of `pad`.
#[inline]
fn padded(pad: Option<u8>) -> (u8, usize) {
    match pad {
        Some(p) => (flag::PADDED, 1 + p as usize),
        None => (0, 0),
    }
}

/// What [`Frame::encode_head`] leaves for the caller to write after the head.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[must_use = "the payload must be written after the frame head"]
pub struct Tail<'a> {
    /// The payload bytes to write right after the head.
    pub data: &'a [u8],
    /// How many zero bytes of padding follow the payload.
    pub padding: u8,
}

/// Appends a SETTINGS frame with the given parameters in the given order.
pub fn encode_settings(params: &[(u16, u32)], out: &mut Vec<u8>) {
    FrameHeader {
        len: (params.len() * 6) as u32,
        kind: kind::SETTINGS,
        flags: 0,
        stream: StreamId::ZERO,
    }
    .encode(out);
    out.reserve(params.len() * 6);
    for &(id, v) in params {
        let (i, v) = (id.to_be_bytes(), v.to_be_bytes());
        out.extend_from_slice(&[i[0], i[1], v[0], v[1], v[2], v[3]]);
    }
}

#[cfg(test)]
mod tests;
