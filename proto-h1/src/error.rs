//! Typed errors. Peer errors ([`Error`]) know the status a server answers with; caller misuse
//! ([`SendError`]) is a separate type, never mixed with peer misbehaviour.

use core::fmt;

/// A malformed, oversized or unsupported message from the peer.
///
/// Errors carry their context: a malformed start line or header field says where (`offset`,
/// from the start of the head), a broken limit says which value it broke (`limit`, the
/// configured [`Limits`](crate::Limits) field, or the number of header slots given when those
/// ran out first). Every variant maps to the HTTP status a server sends before closing ([`Error::status`]);
/// a client seeing one of these from a server would typically report a bad gateway.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Error {
    /// The method is not a token (or is empty).
    InvalidMethod {
        /// Byte offset of the offending byte (or of the start of the offending element) from
        /// the start of the input given to the parser (for a connection: from the start of the
        /// head; for [`ChunkedDecoder`](crate::ChunkedDecoder): from the start of the input
        /// given to that `decode` call).
        offset: usize,
    },
    /// The request-target holds a byte outside visible ASCII, is empty, or does not fit the
    /// method (asterisk-form only with `OPTIONS`, authority-form only and always with `CONNECT`).
    InvalidTarget {
        /// Byte offset of the offending byte (or of the start of the offending element) from
        /// the start of the input given to the parser (for a connection: from the start of the
        /// head; for [`ChunkedDecoder`](crate::ChunkedDecoder): from the start of the input
        /// given to that `decode` call).
        offset: usize,
    },
    /// The request-target is longer than [`Limits::max_target_len`](crate::Limits). (414)
    TargetTooLong {
        /// The limit that was exceeded.
        limit: usize,
    },
    /// The `HTTP-version` is not `HTTP/DIGIT.DIGIT`.
    InvalidVersion {
        /// Byte offset of the offending byte (or of the start of the offending element) from
        /// the start of the input given to the parser (for a connection: from the start of the
        /// head; for [`ChunkedDecoder`](crate::ChunkedDecoder): from the start of the input
        /// given to that `decode` call).
        offset: usize,
    },
    /// A well-formed version other than HTTP/1.0 or HTTP/1.1. (505)
    UnsupportedVersion {
        /// Byte offset of the offending byte (or of the start of the offending element) from
        /// the start of the input given to the parser (for a connection: from the start of the
        /// head; for [`ChunkedDecoder`](crate::ChunkedDecoder): from the start of the input
        /// given to that `decode` call).
        offset: usize,
    },
    /// The status code is not three digits from 100 to 999, or the reason phrase holds a
    /// control byte.
    InvalidStatus {
        /// Byte offset of the offending byte (or of the start of the offending element) from
        /// the start of the input given to the parser (for a connection: from the start of the
        /// head; for [`ChunkedDecoder`](crate::ChunkedDecoder): from the start of the input
        /// given to that `decode` call).
        offset: usize,
    },
    /// The start line is malformed (wrong or repeated separators, missing parts).
    InvalidStartLine {
        /// Byte offset of the offending byte (or of the start of the offending element) from
        /// the start of the input given to the parser (for a connection: from the start of the
        /// head; for [`ChunkedDecoder`](crate::ChunkedDecoder): from the start of the input
        /// given to that `decode` call).
        offset: usize,
    },
    /// A header name holds a byte that is not a `tchar`, is empty, or is followed by whitespace
    /// before the colon.
    InvalidHeaderName {
        /// Byte offset of the offending byte (or of the start of the offending element) from
        /// the start of the input given to the parser (for a connection: from the start of the
        /// head; for [`ChunkedDecoder`](crate::ChunkedDecoder): from the start of the input
        /// given to that `decode` call).
        offset: usize,
    },
    /// A header value holds NUL or another control byte (HTAB excepted).
    InvalidHeaderValue {
        /// Byte offset of the offending byte (or of the start of the offending element) from
        /// the start of the input given to the parser (for a connection: from the start of the
        /// head; for [`ChunkedDecoder`](crate::ChunkedDecoder): from the start of the input
        /// given to that `decode` call).
        offset: usize,
    },
    /// A CR not followed by LF.
    BareCr {
        /// Byte offset of the offending byte (or of the start of the offending element) from
        /// the start of the input given to the parser (for a connection: from the start of the
        /// head; for [`ChunkedDecoder`](crate::ChunkedDecoder): from the start of the input
        /// given to that `decode` call).
        offset: usize,
    },
    /// A line ended by LF alone.
    BareLf {
        /// Byte offset of the offending byte (or of the start of the offending element) from
        /// the start of the input given to the parser (for a connection: from the start of the
        /// head; for [`ChunkedDecoder`](crate::ChunkedDecoder): from the start of the input
        /// given to that `decode` call).
        offset: usize,
    },
    /// A header line starts with whitespace (obs-fold, or whitespace after the start line).
    ObsFold {
        /// Byte offset of the offending byte (or of the start of the offending element) from
        /// the start of the input given to the parser (for a connection: from the start of the
        /// head; for [`ChunkedDecoder`](crate::ChunkedDecoder): from the start of the input
        /// given to that `decode` call).
        offset: usize,
    },
    /// The head is larger than [`Limits::max_head_size`](crate::Limits). (431)
    HeadTooLarge {
        /// The limit that was exceeded.
        limit: usize,
    },
    /// More header fields than [`Limits::max_headers`](crate::Limits) or than the slots
    /// given. (431)
    TooManyHeaders {
        /// The limit that was exceeded.
        limit: usize,
    },
    /// `Content-Length` together with `Transfer-Encoding` (`field`: the later of the two).
    ContentLengthWithTransferEncoding {
        /// Index of the offending header field line among the message's fields (0: the
        /// first after the start line), as [`Fields::iter`](crate::Fields::iter) and the
        /// parsers' header slots count them.
        field: usize,
    },
    /// `Content-Length` is not a decimal number, overflows, or several values differ
    /// (`field`: the value that is malformed or differs).
    InvalidContentLength {
        /// Index of the offending header field line among the message's fields (0: the
        /// first after the start line), as [`Fields::iter`](crate::Fields::iter) and the
        /// parsers' header slots count them.
        field: usize,
    },
    /// `Transfer-Encoding` where `chunked` is not the single final coding, is repeated, or the
    /// list is malformed (also any `Transfer-Encoding` in an HTTP/1.0 message).
    InvalidTransferEncoding {
        /// Index of the offending header field line among the message's fields (0: the
        /// first after the start line), as [`Fields::iter`](crate::Fields::iter) and the
        /// parsers' header slots count them.
        field: usize,
    },
    /// A transfer coding we do not implement (anything but `chunked`). (501)
    UnsupportedTransferCoding {
        /// Index of the offending header field line among the message's fields (0: the
        /// first after the start line), as [`Fields::iter`](crate::Fields::iter) and the
        /// parsers' header slots count them.
        field: usize,
    },
    /// The body is longer than [`Limits::max_body_len`](crate::Limits). (413)
    BodyTooLarge {
        /// The limit that was exceeded.
        limit: u64,
    },
    /// A chunk-size that is not hex, is empty, or overflows 64 bits (`offset`: the first
    /// byte that is not a hex digit, or the digit that overflows).
    InvalidChunkSize {
        /// Byte offset of the offending byte (or of the start of the offending element) from
        /// the start of the input given to that [`decode`](crate::ChunkedDecoder::decode) call.
        offset: usize,
    },
    /// A malformed chunk extension (`offset`: its start, the byte after the chunk-size).
    InvalidChunkExtension {
        /// Byte offset of the offending byte (or of the start of the offending element) from
        /// the start of the input given to that [`decode`](crate::ChunkedDecoder::decode) call.
        offset: usize,
    },
    /// A chunk extension longer than [`Limits::max_chunk_ext_len`](crate::Limits), found as
    /// soon as that many bytes arrived without the line's end.
    ChunkExtensionTooLong {
        /// The limit that was exceeded.
        limit: usize,
    },
    /// The CRLF after chunk data is missing (`offset`: the first byte that is not that CRLF).
    InvalidChunkTerminator {
        /// Byte offset of the offending byte (or of the start of the offending element) from
        /// the start of the input given to that [`decode`](crate::ChunkedDecoder::decode) call.
        offset: usize,
    },
    /// The trailer section is malformed (`offset`: the offending byte, as for a head).
    InvalidTrailer {
        /// Byte offset of the offending byte (or of the start of the offending element) from
        /// the start of the input given to that [`decode`](crate::ChunkedDecoder::decode) call.
        offset: usize,
    },
    /// The trailer section is larger than [`Limits::max_trailer_size`](crate::Limits). (431)
    TrailerTooLarge {
        /// The limit that was exceeded.
        limit: usize,
    },
    /// The connection ended in the middle of a message.
    UnexpectedEof,
    /// An HTTP/1.1 request without a `Host` field (RFC 9112 section 3.2).
    MissingHost,
    /// A request with more than one `Host` field line (RFC 9112 section 3.2; `field`: the
    /// second).
    DuplicateHost {
        /// Index of the offending header field line among the message's fields (0: the
        /// first after the start line), as [`Fields::iter`](crate::Fields::iter) and the
        /// parsers' header slots count them.
        field: usize,
    },
    /// A `Host` value that is not `uri-host [ ":" port ]` (RFC 9112 section 3.2, RFC 3986
    /// section 3.2.2).
    InvalidHost {
        /// Index of the offending header field line among the message's fields (0: the
        /// first after the start line), as [`Fields::iter`](crate::Fields::iter) and the
        /// parsers' header slots count them.
        field: usize,
    },
    /// A 101 (Switching Protocols) answer to a request that offered no upgrade (no `Upgrade`
    /// field with an `upgrade` option in `Connection`). Client role.
    UnsolicitedSwitch,
    /// A 101 (Switching Protocols) whose `Upgrade` field is missing or names a protocol the
    /// request did not offer (RFC 9110 section 7.8). Client role.
    UpgradeMismatch,
    /// Bytes arrived where none may (a response with no request outstanding, data after a
    /// message that closes the connection).
    UnexpectedData,
}

impl Error {
    /// The status code a server answers this error with before it closes the connection.
    #[must_use]
    pub fn status(self) -> u16 {
        match self {
            Error::TargetTooLong { .. } => 414,
            Error::HeadTooLarge { .. }
            | Error::TooManyHeaders { .. }
            | Error::TrailerTooLarge { .. } => 431,
            Error::BodyTooLarge { .. } => 413,
            Error::UnsupportedTransferCoding { .. } => 501,
            Error::UnsupportedVersion { .. } => 505,
            _ => 400,
        }
    }

    /// A short, stable, snake_case name of the error (used by `examples/h1_parse.rs`).
    #[must_use]
    pub fn kind(self) -> &'static str {
        match self {
            Error::InvalidMethod { .. } => "invalid_method",
            Error::InvalidTarget { .. } => "invalid_target",
            Error::TargetTooLong { .. } => "target_too_long",
            Error::InvalidVersion { .. } => "invalid_version",
            Error::UnsupportedVersion { .. } => "unsupported_version",
            Error::InvalidStatus { .. } => "invalid_status",
            Error::InvalidStartLine { .. } => "invalid_start_line",
            Error::InvalidHeaderName { .. } => "invalid_header_name",
            Error::InvalidHeaderValue { .. } => "invalid_header_value",
            Error::BareCr { .. } => "bare_cr",
            Error::BareLf { .. } => "bare_lf",
            Error::ObsFold { .. } => "obs_fold",
            Error::HeadTooLarge { .. } => "head_too_large",
            Error::TooManyHeaders { .. } => "too_many_headers",
            Error::ContentLengthWithTransferEncoding { .. } => {
                "content_length_with_transfer_encoding"
            }
            Error::InvalidContentLength { .. } => "invalid_content_length",
            Error::InvalidTransferEncoding { .. } => "invalid_transfer_encoding",
            Error::UnsupportedTransferCoding { .. } => "unsupported_transfer_coding",
            Error::BodyTooLarge { .. } => "body_too_large",
            Error::InvalidChunkSize { .. } => "invalid_chunk_size",
            Error::InvalidChunkExtension { .. } => "invalid_chunk_extension",
            Error::ChunkExtensionTooLong { .. } => "chunk_extension_too_long",
            Error::InvalidChunkTerminator { .. } => "invalid_chunk_terminator",
            Error::InvalidTrailer { .. } => "invalid_trailer",
            Error::TrailerTooLarge { .. } => "trailer_too_large",
            Error::UnexpectedEof => "unexpected_eof",
            Error::MissingHost => "missing_host",
            Error::DuplicateHost { .. } => "duplicate_host",
            Error::InvalidHost { .. } => "invalid_host",
            Error::UnsolicitedSwitch => "unsolicited_switch",
            Error::UpgradeMismatch => "upgrade_mismatch",
            Error::UnexpectedData => "unexpected_data",
        }
    }
}

impl Error {
    /// The same error with its offset (if it has one) moved `by` bytes further: for an error
    /// found in a sub-slice, to make its offset relative to the whole input.
    pub(crate) fn shift(self, by: usize) -> Error {
        match self {
            Error::InvalidMethod { offset } => Error::InvalidMethod {
                offset: offset + by,
            },
            Error::InvalidTarget { offset } => Error::InvalidTarget {
                offset: offset + by,
            },
            Error::InvalidVersion { offset } => Error::InvalidVersion {
                offset: offset + by,
            },
            Error::UnsupportedVersion { offset } => Error::UnsupportedVersion {
                offset: offset + by,
            },
            Error::InvalidStatus { offset } => Error::InvalidStatus {
                offset: offset + by,
            },
            Error::InvalidStartLine { offset } => Error::InvalidStartLine {
                offset: offset + by,
            },
            Error::InvalidHeaderName { offset } => Error::InvalidHeaderName {
                offset: offset + by,
            },
            Error::InvalidHeaderValue { offset } => Error::InvalidHeaderValue {
                offset: offset + by,
            },
            Error::BareCr { offset } => Error::BareCr {
                offset: offset + by,
            },
            Error::BareLf { offset } => Error::BareLf {
                offset: offset + by,
            },
            Error::ObsFold { offset } => Error::ObsFold {
                offset: offset + by,
            },
            Error::InvalidChunkSize { offset } => Error::InvalidChunkSize {
                offset: offset + by,
            },
            Error::InvalidChunkExtension { offset } => Error::InvalidChunkExtension {
                offset: offset + by,
            },
            Error::InvalidChunkTerminator { offset } => Error::InvalidChunkTerminator {
                offset: offset + by,
            },
            Error::InvalidTrailer { offset } => Error::InvalidTrailer {
                offset: offset + by,
            },
            e => e,
        }
    }

    /// The byte offset the error points at, for errors that have one.
    #[must_use]
    pub fn offset(self) -> Option<usize> {
        match self {
            Error::InvalidMethod { offset }
            | Error::InvalidTarget { offset }
            | Error::InvalidVersion { offset }
            | Error::UnsupportedVersion { offset }
            | Error::InvalidStatus { offset }
            | Error::InvalidStartLine { offset }
            | Error::InvalidHeaderName { offset }
            | Error::InvalidHeaderValue { offset }
            | Error::BareCr { offset }
            | Error::BareLf { offset }
            | Error::ObsFold { offset }
            | Error::InvalidChunkSize { offset }
            | Error::InvalidChunkExtension { offset }
            | Error::InvalidChunkTerminator { offset }
            | Error::InvalidTrailer { offset } => Some(offset),
            _ => None,
        }
    }

    /// The index of the offending header field line (0: the first after the start line), for
    /// the framing and `Host` errors found in a head's fields.
    #[must_use]
    pub fn field(self) -> Option<usize> {
        match self {
            Error::ContentLengthWithTransferEncoding { field }
            | Error::InvalidContentLength { field }
            | Error::InvalidTransferEncoding { field }
            | Error::UnsupportedTransferCoding { field }
            | Error::DuplicateHost { field }
            | Error::InvalidHost { field } => Some(field),
            _ => None,
        }
    }

    /// The limit that was broken, for the limit errors (413, 414, 431, and the over-long
    /// chunk extension, 400).
    #[must_use]
    pub fn limit(self) -> Option<u64> {
        match self {
            Error::TargetTooLong { limit }
            | Error::HeadTooLarge { limit }
            | Error::TooManyHeaders { limit }
            | Error::TrailerTooLarge { limit }
            | Error::ChunkExtensionTooLong { limit } => Some(limit as u64),
            Error::BodyTooLarge { limit } => Some(limit),
            _ => None,
        }
    }
}

impl Error {
    /// The error's text without the status a server answers it with: what, where and which
    /// limit. A client shows this for a bad response (the status belongs to a server's reply
    /// to a bad request); [`Display`](fmt::Display) adds the status after the kind.
    ///
    /// ```
    /// use proto_h1::Error;
    /// assert_eq!(Error::UnexpectedEof.to_string(), "unexpected_eof (400)");
    /// assert_eq!(Error::UnexpectedEof.without_status().to_string(), "unexpected_eof");
    /// let big = Error::BodyTooLarge { limit: 10 };
    /// assert_eq!(big.to_string(), "body_too_large (413), limit 10");
    /// assert_eq!(big.without_status().to_string(), "body_too_large, limit 10");
    /// ```
    #[must_use]
    pub fn without_status(self) -> impl fmt::Display {
        WithoutStatus(self)
    }

    /// Where and which limit, after the kind (and the status).
    fn write_context(self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(offset) = self.offset() {
            write!(f, " at byte {offset}")?;
        }
        if let Some(field) = self.field() {
            write!(f, " in header field {field} (0-based)")?;
        }
        if let Some(limit) = self.limit() {
            write!(f, ", limit {limit}")?;
        }
        Ok(())
    }
}

/// [`Error::without_status`]'s text.
struct WithoutStatus(Error);

impl fmt::Display for WithoutStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.kind())?;
        self.0.write_context(f)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.kind(), self.status())?;
        self.write_context(f)
    }
}

impl std::error::Error for Error {}

/// The caller asked for something the connection state does not allow (not the peer's fault).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SendError {
    /// No message may start now (a server with no request to answer, a connection that must
    /// close or has switched protocols).
    NotReady,
    /// Body data or end-of-message without a message head in progress.
    NoMessage,
    /// More body bytes than the head's `Content-Length`, or the message ended before all of them.
    LengthMismatch,
    /// Body data for a message that has no body (HEAD response, 204, 304, 1xx...).
    BodyNotAllowed,
    /// The head is not valid (bad token, control byte in a value, framing headers that
    /// contradict, chunked to an HTTP/1.0 peer).
    InvalidHead,
    /// Too many requests in flight on a client connection.
    PipelineFull,
    /// The connection has failed or closed.
    Closed,
}

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            SendError::NotReady => "no message may start in this state",
            SendError::NoMessage => "no message in progress",
            SendError::LengthMismatch => "body length differs from Content-Length",
            SendError::BodyNotAllowed => "this message has no body",
            SendError::InvalidHead => "invalid head",
            SendError::PipelineFull => "too many requests in flight",
            SendError::Closed => "connection closed",
        };
        f.write_str(s)
    }
}

impl std::error::Error for SendError {}
