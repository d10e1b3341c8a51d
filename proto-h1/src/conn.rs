//! The connection state machine: one type, [`Conn`], parameterised by role ([`Server`] or
//! [`Client`]), sharing one core. Bytes in through [`Conn::recv`], events out through
//! [`Conn::poll_event`], commands through `send_*`, bytes out through [`Conn::poll_transmit`].

use core::marker::PhantomData;

use crate::body::{
    Chunk, ChunkedDecoder, Framing, LengthDecoder, request_framing, response_framing,
};
use crate::error::{Error, SendError};
use crate::fields::{Fields, RequestHead, ResponseHead, Span, SpanSink};
use crate::head::{Config, Header, Version, fields, find, has_token, request_head, response_head};
use crate::ser::{BodyEncoder, Vectored, write_request_head, write_response_head};

mod sealed {
    pub trait Sealed {}
}

/// The role of a connection end, as a type ([`Server`] or [`Client`]).
pub trait Role: sealed::Sealed {
    /// The role as a value.
    const KIND: RoleKind;
}

/// The server role: reads requests, writes responses.
#[derive(Debug)]
pub enum Server {}
/// The client role: writes requests, reads responses.
#[derive(Debug)]
pub enum Client {}
impl sealed::Sealed for Server {}
impl sealed::Sealed for Client {}
impl Role for Server {
    const KIND: RoleKind = RoleKind::Server;
}
impl Role for Client {
    const KIND: RoleKind = RoleKind::Client;
}

/// The role as a plain value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleKind {
    /// Reads requests, writes responses.
    Server,
    /// Writes requests, reads responses.
    Client,
}

/// A server connection.
pub type ServerConn = Conn<Server>;
/// A client connection.
pub type ClientConn = Conn<Client>;

/// Connection configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnConfig {
    /// Parser limits and lenient options.
    pub parse: Config,
    /// Capacity of the receive buffer, allocated once in [`Conn::new`] and never grown (at
    /// least the head and trailer limits, at most 4 GiB). Default 64 KiB.
    pub recv_buffer: usize,
    /// Most requests a client may have in flight (pipelining). Default 16.
    pub max_in_flight: usize,
}

impl Default for ConnConfig {
    fn default() -> Self {
        ConnConfig {
            parse: Config::default(),
            recv_buffer: 64 * 1024,
            max_in_flight: 16,
        }
    }
}

/// What the peer said. Borrowed from the connection until the next call on it.
#[non_exhaustive]
#[derive(Debug, Clone, Copy)]
pub enum Event<'a> {
    /// A request head (server role).
    Request(RequestHead<'a>),
    /// A response head (client role). 1xx heads other than 101 come before the final head of
    /// the same request.
    Response(ResponseHead<'a>),
    /// Body bytes, a slice of the receive buffer.
    Data(&'a [u8]),
    /// The message ended; `trailers` holds the trailer fields of a chunked body (empty
    /// otherwise).
    End {
        /// Trailer fields.
        trailers: Fields<'a>,
    },
    /// The connection switched protocols (101, or a 2xx answer to CONNECT): these are the
    /// bytes received after the HTTP/1.1 exchange, which belong to the new protocol. The
    /// connection is finished; give later bytes to the new protocol directly.
    Upgrade(&'a [u8]),
}

/// A request a client sent and has no final response for yet.
#[derive(Debug, Clone, Copy, Default)]
struct InFlight {
    kind: MethodKind,
    /// The protocols it offered to switch to: a range of `Conn::offered` (empty: none).
    upgrade: (usize, usize),
}

/// The kind of request a response answers (what response framing depends on).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum MethodKind {
    Head,
    Connect,
    #[default]
    Other,
}

impl MethodKind {
    fn of(m: &str) -> Self {
        match m {
            "HEAD" => MethodKind::Head,
            "CONNECT" => MethodKind::Connect,
            _ => MethodKind::Other,
        }
    }
    fn as_str(self) -> &'static str {
        match self {
            MethodKind::Head => "HEAD",
            MethodKind::Connect => "CONNECT",
            MethodKind::Other => "GET",
        }
    }
}

#[derive(Debug, Clone)]
enum Decoder {
    Length(LengthDecoder),
    Chunked(ChunkedDecoder),
    UntilClose,
}

/// Reading the peer's messages.
#[derive(Debug, Clone)]
enum Reader {
    /// Waiting for a head (a request for servers; a response while one is due for clients).
    Head,
    /// Reading a body.
    Body(Decoder),
    /// The body ended; `End` is still to be reported.
    EndPending,
    /// The message is complete; waiting for our side before the next one (servers).
    Done,
    /// Protocols switched; the remaining bytes are still to be reported.
    UpgradePending,
    /// Finished: switched protocols, closed, or must close.
    Closed,
}

/// Writing our messages.
#[derive(Debug, Clone, Copy)]
enum Writer {
    /// No message in progress (a server waits for a request head before answering).
    Idle,
    /// Writing a body.
    Body(BodyEncoder),
    /// Our message is complete (servers wait for the request to complete too).
    Done,
    /// No more messages: the connection will close, or switched protocols.
    Closed,
}

/// A sans-IO HTTP/1.1 connection for role `R` ([`Server`] or [`Client`]).
///
/// It owns a receive buffer of fixed capacity (allocated in [`new`](Self::new), never grown),
/// a transmit buffer, and the state below. It does no I/O and reads no clock.
///
/// # Call order
/// 1. Bytes from the transport go in with [`recv`](Self::recv), which copies what fits and
///    returns how many bytes it took; keep the rest and offer it again after draining events.
///    At end of stream call [`recv_eof`](Self::recv_eof).
/// 2. After every `recv`, `recv_eof` or `send_*`, call [`poll_event`](Self::poll_event) until it
///    returns `Ok(None)`. Events borrow the receive buffer: use (or copy) each one before the
///    next call. A server sees the next pipelined request only after its response is complete,
///    so also poll after `send_end`.
/// 3. Commands (every message, even one without a body, ends with `send_end`): a client calls [`send_request`](ClientConn::send_request); a server answers
///    each request head with [`send_response`](ServerConn::send_response) (any number of 1xx
///    first, [`send_continue`](ServerConn::send_continue) for `Expect: 100-continue`); both
///    stream the body with [`send_data`](Self::send_data) or
///    [`send_data_vectored`](Self::send_data_vectored) and finish with
///    [`send_end`](Self::send_end).
/// 4. After commands, [`poll_transmit`](Self::poll_transmit) appends the bytes to write.
/// 5. When [`wants_close`](Self::wants_close) is true, flush `poll_transmit` and close the
///    transport. After an [`Event::Upgrade`] the connection belongs to the new protocol.
///
/// A peer error is sticky: `recv` and `poll_event` return it from then on. A server may still
/// answer it (with [`Error::status`]) with one `send_response` if it had not started one.
///
/// # Peer rules enforced
/// - Server: the `Host` rules of RFC 9112 section 3.2 ([`request_host`](crate::request_host)):
///   an HTTP/1.1 request without `Host` ([`Error::MissingHost`]), any request with two `Host`
///   lines ([`Error::DuplicateHost`]) or an invalid value ([`Error::InvalidHost`]) is an error:
///   answer 400 and close ([`wants_close`](Self::wants_close) is true). This holds for every
///   target form, absolute-form included. An HTTP/1.0 request may omit `Host`.
/// - Client: a 101 switches protocols only when it answers a request that offered an upgrade
///   (`Upgrade` with the `upgrade` option in `Connection`) and its `Upgrade` names only
///   protocols that request offered (RFC 9110 section 7.8); otherwise
///   [`Error::UnsolicitedSwitch`] or [`Error::UpgradeMismatch`], and the connection closes
///   without switching.
///
/// # States
/// Each direction has its own state; the connection moves on when both are done:
///
/// | side   | state        | input                                    | next                                   |
/// |--------|--------------|------------------------------------------|----------------------------------------|
/// | reader | `Head`       | complete head, no body                   | `EndPending`                           |
/// | reader | `Head`       | complete head with body                  | `Body`                                 |
/// | reader | `Head`       | (client) 1xx other than 101              | `Head`                                 |
/// | reader | `Head`       | (client) 101, or 2xx to CONNECT          | `UpgradePending`                       |
/// | reader | `Body`       | last body byte / last chunk and trailers | `EndPending`                           |
/// | reader | `Body`       | EOF on a close-delimited body            | `EndPending`                           |
/// | reader | `EndPending` | `poll_event` reports `End`               | client: `Head` or `Closed`; server: `Done` |
/// | reader | `Done`       | (server) our response complete           | `Head` if keep-alive, else `Closed`    |
/// | reader | `Done`       | (server) we sent 101 / 2xx to CONNECT    | `UpgradePending`                       |
/// | reader | any          | EOF inside a message, malformed bytes    | error (sticky)                         |
/// | writer | `Idle`       | `send_request` / final `send_response`   | `Body` (or `Done` when no body)        |
/// | writer | `Idle`       | `send_response` 1xx (not 101)            | `Idle`                                 |
/// | writer | `Body`       | `send_end`                               | client: `Idle` or `Closed`; server: `Done` |
/// | writer | `Done`       | (server) request complete                | `Idle` if keep-alive, else `Closed`    |
/// | writer | any          | 101 / CONNECT 2xx sent or received        | `Closed` (switched)                    |
///
/// Keep-alive: an HTTP/1.1 message keeps the connection unless it says `Connection: close`;
/// an HTTP/1.0 message only if it says `Connection: keep-alive`; a close-delimited response
/// always ends it. A server that answers `Expect: 100-continue` with a final status before the
/// body arrived closes after the response (the client may never send the body).
///
/// ```
/// use proto_h1::{ServerConn, ConnConfig, Event, Header};
/// let mut conn = ServerConn::new(ConnConfig::default());
/// let input = b"GET /hello HTTP/1.1\r\nHost: a\r\n\r\n";
/// assert_eq!(conn.recv(input).unwrap(), input.len());
/// match conn.poll_event().unwrap() {
///     Some(Event::Request(head)) => assert_eq!(head.target, "/hello"),
///     other => panic!("{other:?}"),
/// }
/// assert!(matches!(conn.poll_event().unwrap(), Some(Event::End { .. })));
/// let h = [Header { name: "Content-Length", value: b"2" }];
/// conn.send_response(200, b"OK", &h).unwrap();
/// conn.send_data(b"hi").unwrap();
/// conn.send_end(&[]).unwrap();
/// let mut out = Vec::new();
/// conn.poll_transmit(&mut out);
/// assert_eq!(out, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi");
/// assert!(!conn.wants_close());
/// ```
pub struct Conn<R: Role> {
    config: ConnConfig,
    buf: Vec<u8>,
    start: usize,
    eof: bool,
    reader: Reader,
    writer: Writer,
    tx: Vec<u8>,
    spans: Vec<Span>,
    error: Option<Error>,
    // head scanning (avoids re-parsing a slowly arriving head)
    scanned: usize,
    tried_first_line: bool,
    // the exchange in progress
    peer_keep_alive: bool,
    our_keep_alive: bool,
    awaiting_continue: bool,
    switching: bool,
    /// Server: the kind of request being answered.
    request_kind: MethodKind,
    /// Client: requests in flight, oldest first (ring buffer).
    in_flight: [InFlight; 32],
    /// Client: the `Upgrade` values of the requests in flight that offered an upgrade
    /// (ranges in [`InFlight::upgrade`]); emptied when no request is in flight.
    offered: Vec<u8>,
    in_flight_head: usize,
    in_flight_len: usize,
    /// Server: the version of the request being answered.
    peer_version: Version,
    /// The head's spans must be dropped when `End` is produced (bodiless message).
    end_clears_spans: bool,
    _role: PhantomData<R>,
}

impl<R: Role> core::fmt::Debug for Conn<R> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Conn")
            .field("role", &R::KIND)
            .field("reader", &self.reader)
            .field("writer", &self.writer)
            .field("buffered", &(self.buf.len() - self.start))
            .field("error", &self.error)
            .finish()
    }
}

impl<R: Role> Conn<R> {
    /// A new connection. Allocates the receive buffer, the header table and a transmit buffer
    /// once; nothing on the `recv`/`poll_event` path allocates afterwards.
    #[must_use]
    pub fn new(config: ConnConfig) -> Self {
        let l = &config.parse.limits;
        let cap = config
            .recv_buffer
            .max(l.max_head_size.saturating_add(1))
            .max(l.max_trailer_size.saturating_add(1))
            .max(l.max_chunk_ext_len.saturating_add(96))
            // Spans are 32-bit offsets.
            .min(u32::MAX as usize);
        Conn {
            config,
            buf: Vec::with_capacity(cap),
            start: 0,
            eof: false,
            reader: Reader::Head,
            writer: Writer::Idle,
            tx: Vec::with_capacity(1024),
            spans: Vec::with_capacity(l.max_headers.min(4096)),
            error: None,
            scanned: 0,
            tried_first_line: false,
            peer_keep_alive: true,
            our_keep_alive: true,
            awaiting_continue: false,
            switching: false,
            request_kind: MethodKind::Other,
            in_flight: [InFlight::default(); 32],
            offered: Vec::new(),
            in_flight_head: 0,
            in_flight_len: 0,
            peer_version: Version::Http11,
            end_clears_spans: false,
            _role: PhantomData,
        }
    }

    /// The role of this end.
    #[must_use]
    pub fn role(&self) -> RoleKind {
        R::KIND
    }

    /// The sticky error, if the peer broke the protocol.
    #[must_use]
    pub fn error(&self) -> Option<Error> {
        self.error
    }

    /// Whether the transport should be closed once [`poll_transmit`](Self::poll_transmit) has
    /// been flushed (an error, a message that ends the connection, or end of stream).
    #[must_use]
    pub fn wants_close(&self) -> bool {
        self.error.is_some()
            || (matches!(self.reader, Reader::Closed)
                && matches!(self.writer, Writer::Closed)
                && !self.switching)
    }

    /// Whether the connection switched protocols (after [`Event::Upgrade`]).
    #[must_use]
    pub fn is_switched(&self) -> bool {
        self.switching && matches!(self.reader, Reader::Closed)
    }

    /// Bytes received and not yet handed out in events.
    #[must_use]
    pub fn buffered(&self) -> usize {
        self.buf.len() - self.start
    }

    /// Takes bytes from the transport: copies as many as fit in the receive buffer and returns
    /// how many. Fewer than `input.len()` (possibly 0) means the buffer is full: drain events
    /// and offer the rest again. Bytes after a switch of protocols or a closing message are
    /// not taken (0).
    ///
    /// # Errors
    /// The sticky error, once the peer has broken the protocol; [`Error::UnexpectedData`]
    /// for bytes after a message that closes the connection.
    pub fn recv(&mut self, input: &[u8]) -> Result<usize, Error> {
        if let Some(e) = self.error {
            return Err(e);
        }
        if matches!(self.reader, Reader::Closed) {
            if self.switching || input.is_empty() {
                return Ok(0);
            }
            // RFC 9112 section 9.6: nothing may follow a message that closes the connection.
            return Err(self.fail(Error::UnexpectedData));
        }
        if self.start > 0 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        let n = input.len().min(self.buf.capacity() - self.buf.len());
        self.buf.extend_from_slice(&input[..n]);
        Ok(n)
    }

    /// The transport reached end of stream.
    ///
    /// # Errors
    /// [`Error::UnexpectedEof`] (sticky) when a message was cut short; a close-delimited body
    /// ends normally instead (its `End` comes from `poll_event`).
    pub fn recv_eof(&mut self) -> Result<(), Error> {
        if let Some(e) = self.error {
            return Err(e);
        }
        self.eof = true;
        Ok(())
    }

    fn fail(&mut self, e: Error) -> Error {
        self.error = Some(e);
        e
    }

    /// The next event, if the received bytes hold one.
    ///
    /// # Errors
    /// A typed peer [`Error`], sticky from then on.
    #[allow(clippy::should_implement_trait)]
    pub fn poll_event(&mut self) -> Result<Option<Event<'_>>, Error> {
        if let Some(e) = self.error {
            return Err(e);
        }
        match self.step() {
            Ok(None) => Ok(None),
            Ok(Some(ev)) => Ok(Some(self.materialize(ev))),
            Err(e) => Err(self.fail(e)),
        }
    }

    /// Advances the reader; returns what to report (as offsets, so that `self` is free).
    fn step(&mut self) -> Result<Option<Ev>, Error> {
        loop {
            match &mut self.reader {
                Reader::Closed => {
                    if !self.switching && self.buf.len() > self.start {
                        return Err(Error::UnexpectedData);
                    }
                    return Ok(None);
                }
                Reader::UpgradePending => {
                    self.reader = Reader::Closed;
                    self.writer = Writer::Closed;
                    let r = (self.start, self.buf.len());
                    self.start = self.buf.len();
                    return Ok(Some(Ev::Upgrade(r)));
                }
                Reader::Done => {
                    // Servers only: wait for our response, then start over or stop.
                    match self.writer {
                        Writer::Done if self.switching => {
                            self.reader = Reader::UpgradePending;
                        }
                        Writer::Done | Writer::Closed => {
                            if self.our_keep_alive && self.peer_keep_alive {
                                self.reset_exchange();
                            } else {
                                self.reader = Reader::Closed;
                                self.writer = Writer::Closed;
                            }
                        }
                        _ => return Ok(None),
                    }
                }
                Reader::EndPending => {
                    if self.end_clears_spans {
                        self.end_clears_spans = false;
                        self.spans.clear();
                    }
                    self.reader = Reader::Done;
                    if R::KIND == RoleKind::Client {
                        self.pop_in_flight();
                        if self.peer_keep_alive {
                            self.reader = Reader::Head;
                            self.start_head();
                        } else {
                            self.reader = Reader::Closed;
                            self.writer = Writer::Closed;
                        }
                    }
                    return Ok(Some(Ev::End));
                }
                Reader::Head => {
                    if R::KIND == RoleKind::Client && self.in_flight_len == 0 {
                        if self.buf.len() > self.start {
                            return Err(Error::UnexpectedData);
                        }
                        return Ok(None);
                    }
                    return match self.try_head()? {
                        Some(ev) => Ok(Some(ev)),
                        None => {
                            if self.eof {
                                let partial = self.buf.len() > self.start;
                                if partial
                                    || (R::KIND == RoleKind::Client && self.in_flight_len > 0)
                                {
                                    return Err(Error::UnexpectedEof);
                                }
                                self.reader = Reader::Closed;
                                self.writer = Writer::Closed;
                            }
                            Ok(None)
                        }
                    };
                }
                Reader::Body(dec) => {
                    let input = &self.buf[self.start..];
                    match dec {
                        Decoder::Length(d) => {
                            let data = d.decode(input);
                            let done = d.is_done();
                            if !data.is_empty() {
                                let r = (self.start, self.start + data.len());
                                self.start += data.len();
                                if done {
                                    self.spans.clear();
                                    self.reader = Reader::EndPending;
                                }
                                return Ok(Some(Ev::Data(r)));
                            }
                            if done {
                                self.spans.clear();
                                self.reader = Reader::EndPending;
                                continue;
                            }
                            if self.eof {
                                return Err(Error::UnexpectedEof);
                            }
                            return Ok(None);
                        }
                        Decoder::UntilClose => {
                            if !input.is_empty() {
                                let r = (self.start, self.buf.len());
                                self.start = self.buf.len();
                                return Ok(Some(Ev::Data(r)));
                            }
                            if self.eof {
                                self.spans.clear();
                                self.peer_keep_alive = false;
                                self.reader = Reader::EndPending;
                                continue;
                            }
                            return Ok(None);
                        }
                        Decoder::Chunked(d) => {
                            let (n, ev) = d.decode(input)?;
                            let at = self.start;
                            self.start += n;
                            match ev {
                                Some(Chunk::Data(data)) => {
                                    let len = data.len();
                                    let end = at + n;
                                    return Ok(Some(Ev::Data((end - len, end))));
                                }
                                Some(Chunk::End { trailers }) => {
                                    let end = at + n;
                                    let t0 = end - trailers.len();
                                    self.parse_trailers(t0, end)?;
                                    self.reader = Reader::EndPending;
                                    continue;
                                }
                                None => {
                                    if self.eof {
                                        return Err(Error::UnexpectedEof);
                                    }
                                    if self.start == self.buf.len() {
                                        // Everything consumed; make room for the rest.
                                        self.buf.clear();
                                        self.start = 0;
                                    }
                                    return Ok(None);
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Heads up to this size are re-parsed on every `poll_event` until complete.
const EAGER_PARSE: usize = 1024;

/// An event as offsets into the receive buffer.
#[derive(Debug, Clone, Copy)]
enum Ev {
    Request {
        method: (usize, usize),
        target: (usize, usize),
        version: Version,
    },
    Response {
        version: Version,
        code: u16,
        reason: (usize, usize),
    },
    Data((usize, usize)),
    End,
    Upgrade((usize, usize)),
}

impl<R: Role> Conn<R> {
    fn materialize(&self, ev: Ev) -> Event<'_> {
        let buf = &self.buf[..];
        let fields = Fields {
            buf,
            spans: &self.spans,
        };
        let s = |r: (usize, usize)| core::str::from_utf8(&buf[r.0..r.1]).unwrap_or("");
        match ev {
            Ev::Request {
                method,
                target,
                version,
            } => Event::Request(RequestHead {
                method: s(method),
                target: s(target),
                version,
                fields,
            }),
            Ev::Response {
                version,
                code,
                reason,
            } => Event::Response(ResponseHead {
                version,
                code,
                reason: &buf[reason.0..reason.1],
                fields,
            }),
            Ev::Data(r) => Event::Data(&buf[r.0..r.1]),
            Ev::End => Event::End { trailers: fields },
            Ev::Upgrade(r) => Event::Upgrade(&buf[r.0..r.1]),
        }
    }

    fn parse_trailers(&mut self, t0: usize, end: usize) -> Result<(), Error> {
        self.spans.clear();
        let buf = &self.buf[..end];
        let mut sink = SpanSink {
            spans: &mut self.spans,
            base: buf.as_ptr() as usize,
            max: self.config.parse.limits.max_headers,
        };
        let limits = crate::head::Limits {
            max_head_size: usize::MAX,
            ..self.config.parse.limits
        };
        // The decoder validated this section already; offsets count from its start.
        match fields(buf, t0, &limits, &mut sink) {
            Ok(Some(_)) => Ok(()),
            Ok(None) => Err(Error::InvalidTrailer {
                offset: end.saturating_sub(t0),
            }),
            Err(e) => Err(Error::InvalidTrailer {
                offset: e.offset().map_or(0, |o| o.saturating_sub(t0)),
            }),
        }
    }

    fn start_head(&mut self) {
        self.scanned = 0;
        self.tried_first_line = false;
    }

    /// Whether the bytes that arrived since the last look may complete the head: the end of
    /// the first line, or the end of an empty line. Keeps a slowly arriving head from being
    /// re-parsed once per byte.
    fn head_may_be_ready(&mut self) -> bool {
        let b = &self.buf[self.start..];
        let from = self.scanned;
        self.scanned = b.len();
        let mut p = from;
        while let Some(off) = b[p..].iter().position(|&c| c == b'\n') {
            let at = p + off;
            if !self.tried_first_line {
                self.tried_first_line = true;
                return true;
            }
            let prev = at.checked_sub(1).map(|i| b[i]);
            let prev2 = at.checked_sub(2).map(|i| b[i]);
            if prev == Some(b'\n') || (prev == Some(b'\r') && prev2 == Some(b'\n')) || at < 2 {
                return true;
            }
            p = at + 1;
        }
        false
    }

    fn try_head(&mut self) -> Result<Option<Ev>, Error> {
        let limits = self.config.parse.limits;
        // Small heads are parsed on every call (early rejection of garbage); larger ones only
        // when a line that may end the head arrived, so a slow peer costs linear time.
        let small = self.buf.len() - self.start <= EAGER_PARSE;
        if !self.head_may_be_ready() && !small {
            if self.buf.len() - self.start > limits.max_head_size {
                return Err(Error::HeadTooLarge {
                    limit: limits.max_head_size,
                });
            }
            return Ok(None);
        }
        self.spans.clear();
        let base = self.buf.as_ptr() as usize;
        let b = &self.buf[self.start..];
        let off = self.start;
        let mut sink = SpanSink {
            spans: &mut self.spans,
            base,
            max: limits.max_headers,
        };
        let range = |s: &[u8]| {
            let a = s.as_ptr() as usize - base;
            (a, a + s.len())
        };
        match R::KIND {
            RoleKind::Server => {
                let Some((line, end)) = request_head(b, &limits, &mut sink)? else {
                    return Ok(None);
                };
                let ev = Ev::Request {
                    method: range(line.method.as_bytes()),
                    target: range(line.target.as_bytes()),
                    version: line.version,
                };
                let (method, version) = (line.method, line.version);
                let fields = Fields {
                    buf: &self.buf,
                    spans: &self.spans,
                };
                fields.host(version)?;
                let framing = request_framing(version, fields.iter(), &limits)?;
                let conn = fields.get("connection");
                let keep = keep_alive(version, conn);
                let expects = version == Version::Http11
                    && framing != Framing::None
                    && fields
                        .get("expect")
                        .is_some_and(|v| v.eq_ignore_ascii_case(b"100-continue"));
                self.request_kind = MethodKind::of(method);
                self.peer_version = version;
                self.peer_keep_alive = keep;
                self.awaiting_continue = expects;
                self.start = off + end;
                self.set_body(framing);
                Ok(Some(ev))
            }
            RoleKind::Client => {
                let obs = self.config.parse.allow_obs_fold_in_responses;
                let Some((line, end)) = response_head(b, &limits, obs, &mut sink)? else {
                    return Ok(None);
                };
                let ev = Ev::Response {
                    version: line.version,
                    code: line.code,
                    reason: range(line.reason),
                };
                let code = line.code;
                let version = line.version;
                let InFlight { kind, upgrade } = self.in_flight[self.in_flight_head];
                let fields = Fields {
                    buf: &self.buf,
                    spans: &self.spans,
                };
                self.start = off + end;
                if (100..200).contains(&code) && code != 101 {
                    // Interim response: the final one follows.
                    self.start_head();
                    return Ok(Some(ev));
                }
                if code == 101 {
                    // RFC 9110 section 7.8: a server sends 101 only to a request with
                    // `Upgrade`, and its own `Upgrade` names the protocol(s) it switches to,
                    // which must be among those offered.
                    if upgrade.0 == upgrade.1 {
                        return Err(Error::UnsolicitedSwitch);
                    }
                    let offered = &self.offered[upgrade.0..upgrade.1];
                    let mut named = false;
                    for h in fields.iter() {
                        if !h.name.eq_ignore_ascii_case("upgrade") {
                            continue;
                        }
                        for p in h.value.split(|&c| c == b',').map(crate::head::trim_ows) {
                            if p.is_empty() {
                                continue;
                            }
                            let p = core::str::from_utf8(p).map_err(|_| Error::UpgradeMismatch)?;
                            if !has_token(offered, p) {
                                return Err(Error::UpgradeMismatch);
                            }
                            named = true;
                        }
                    }
                    if !named {
                        return Err(Error::UpgradeMismatch);
                    }
                }
                if code == 101 || (kind == MethodKind::Connect && (200..300).contains(&code)) {
                    self.switching = true;
                    self.reader = Reader::UpgradePending;
                    return Ok(Some(ev));
                }
                let framing =
                    response_framing(kind.as_str(), code, version, fields.iter(), &limits)?;
                let keep =
                    keep_alive(version, fields.get("connection")) && framing != Framing::UntilClose;
                self.peer_keep_alive = keep;
                if !keep {
                    // Requests pipelined behind this one will not be answered.
                    self.our_keep_alive = false;
                    if matches!(self.writer, Writer::Idle) {
                        self.writer = Writer::Closed;
                    }
                }
                self.set_body(framing);
                Ok(Some(ev))
            }
        }
    }

    fn set_body(&mut self, framing: Framing) {
        let limits = &self.config.parse.limits;
        self.reader = match framing {
            Framing::Length(0) | Framing::None => {
                self.spans_after_head_end();
                Reader::EndPending
            }
            Framing::Length(n) => Reader::Body(Decoder::Length(LengthDecoder::new(n))),
            Framing::Chunked => Reader::Body(Decoder::Chunked(ChunkedDecoder::new(limits))),
            _ => Reader::Body(Decoder::UntilClose),
        };
    }

    /// For a message without body the `End` must carry no trailers, but the head event still
    /// needs its spans: `End` clears them when it is produced.
    fn spans_after_head_end(&mut self) {
        self.end_clears_spans = true;
    }

    fn reset_exchange(&mut self) {
        self.reader = Reader::Head;
        self.writer = Writer::Idle;
        self.peer_keep_alive = true;
        self.our_keep_alive = true;
        self.awaiting_continue = false;
        self.start_head();
    }

    fn pop_in_flight(&mut self) {
        if self.in_flight_len > 0 {
            self.in_flight_head = (self.in_flight_head + 1) % self.in_flight.len();
            self.in_flight_len -= 1;
        }
    }

    /// Appends the bytes to send to `out` and returns how many.
    pub fn poll_transmit(&mut self, out: &mut Vec<u8>) -> usize {
        let n = self.tx.len();
        out.extend_from_slice(&self.tx);
        self.tx.clear();
        n
    }

    /// Body bytes of the message we are sending, copied into the transmit buffer with their
    /// framing.
    ///
    /// # Errors
    /// [`SendError::NoMessage`] without a message head sent, the [`BodyEncoder`] errors.
    pub fn send_data(&mut self, data: &[u8]) -> Result<(), SendError> {
        match &mut self.writer {
            Writer::Body(enc) => enc.encode(data, &mut self.tx),
            _ => Err(SendError::NoMessage),
        }
    }

    /// Body bytes without copying: appends pending bytes and the chunk framing to `out`, and
    /// hands `data` back to be written right after `out`, followed by `suffix`.
    ///
    /// # Errors
    /// As [`send_data`](Self::send_data).
    pub fn send_data_vectored<'d>(
        &mut self,
        data: &'d [u8],
        out: &mut Vec<u8>,
    ) -> Result<Vectored<'d>, SendError> {
        match &mut self.writer {
            Writer::Body(enc) => {
                out.extend_from_slice(&self.tx);
                self.tx.clear();
                enc.encode_vectored(data, out)
            }
            _ => Err(SendError::NoMessage),
        }
    }

    /// Ends the message we are sending (with trailer fields for a chunked body).
    ///
    /// # Errors
    /// [`SendError::NoMessage`] without a message in progress, [`SendError::LengthMismatch`]
    /// before `Content-Length` bytes were sent.
    pub fn send_end(&mut self, trailers: &[Header<'_>]) -> Result<(), SendError> {
        let Writer::Body(enc) = &mut self.writer else {
            return Err(SendError::NoMessage);
        };
        enc.finish(trailers, &mut self.tx)?;
        self.after_our_end();
        Ok(())
    }

    fn after_our_end(&mut self) {
        match R::KIND {
            RoleKind::Client => {
                self.writer = if self.our_keep_alive {
                    Writer::Idle
                } else {
                    Writer::Closed
                };
            }
            RoleKind::Server => {
                self.writer = Writer::Done;
                if self.awaiting_continue
                    && !matches!(self.reader, Reader::Done | Reader::EndPending)
                {
                    // We answered without 100 Continue: the body may never come.
                    self.our_keep_alive = false;
                    self.reader = Reader::Closed;
                    self.writer = Writer::Closed;
                } else if self.error.is_some() {
                    self.writer = Writer::Closed;
                }
            }
        }
    }
}

/// RFC 9112 section 9.3: HTTP/1.1 persists unless `close`; HTTP/1.0 only with `keep-alive`.
fn keep_alive(version: Version, connection: Option<&[u8]>) -> bool {
    match version {
        Version::Http11 => !connection.is_some_and(|v| has_token(v, "close")),
        Version::Http10 => connection.is_some_and(|v| has_token(v, "keep-alive")),
    }
}

impl Conn<Server> {
    /// Writes a response head to the request being answered. 1xx heads (other than 101) may
    /// come first; `101` or a 2xx answer to CONNECT switches protocols once the request is
    /// complete (then [`Event::Upgrade`] hands over the remaining bytes). After a peer error
    /// one response may still be sent (it closes the connection).
    ///
    /// # Errors
    /// [`SendError::NotReady`] without a request head to answer or while a response is in
    /// progress, [`SendError::InvalidHead`] for a malformed head, or chunked framing to an
    /// HTTP/1.0 client.
    pub fn send_response(
        &mut self,
        code: u16,
        reason: &[u8],
        headers: &[Header<'_>],
    ) -> Result<(), SendError> {
        let errored = self.error.is_some();
        let got_head = !matches!(self.reader, Reader::Head) || errored;
        if !matches!(self.writer, Writer::Idle) || !got_head {
            return Err(SendError::NotReady);
        }
        let kind = if errored {
            MethodKind::Other
        } else {
            self.request_kind
        };
        let mark = self.tx.len();
        let framing = write_response_head(
            &mut self.tx,
            kind.as_str(),
            Version::Http11,
            code,
            reason,
            headers,
        )?;
        if framing == Framing::Chunked && !self.peer_keep_alive_version_11() {
            self.tx.truncate(mark);
            return Err(SendError::InvalidHead);
        }
        if (100..200).contains(&code) && code != 101 {
            if code == 100 {
                self.awaiting_continue = false;
            }
            return Ok(());
        }
        let switch = code == 101 || (kind == MethodKind::Connect && (200..300).contains(&code));
        if switch && !errored {
            if !matches!(self.reader, Reader::Done | Reader::EndPending) {
                self.tx.truncate(mark);
                return Err(SendError::NotReady);
            }
            self.switching = true;
            self.writer = Writer::Done;
            return Ok(());
        }
        let conn = crate::head::find(headers, "connection");
        let ours = keep_alive(self.peer_version, conn) && framing != Framing::UntilClose;
        if !ours || errored {
            self.our_keep_alive = false;
        }
        self.writer = Writer::Body(BodyEncoder::new(framing));
        Ok(())
    }

    /// Writes `HTTP/1.1 100 Continue` (for a request that `expects_continue`).
    ///
    /// # Errors
    /// As [`send_response`](Self::send_response).
    pub fn send_continue(&mut self) -> Result<(), SendError> {
        self.send_response(100, b"Continue", &[])
    }

    fn peer_keep_alive_version_11(&self) -> bool {
        self.peer_version == Version::Http11
    }
}

impl Conn<Client> {
    /// Writes a request head (HTTP/1.1). Requests may be pipelined: the next one may start as
    /// soon as this one's body is ended. The method is remembered to frame the response
    /// (HEAD has no response body, 2xx to CONNECT opens a tunnel).
    ///
    /// # Errors
    /// [`SendError::NotReady`] while a request body is in progress or after a message that
    /// closes the connection, [`SendError::PipelineFull`] with
    /// [`ConnConfig::max_in_flight`] requests unanswered, [`SendError::InvalidHead`].
    pub fn send_request(
        &mut self,
        method: &str,
        target: &str,
        headers: &[Header<'_>],
    ) -> Result<(), SendError> {
        if self.error.is_some() {
            return Err(SendError::Closed);
        }
        if !matches!(self.writer, Writer::Idle) || self.switching {
            return Err(SendError::NotReady);
        }
        let cap = self.config.max_in_flight.clamp(1, self.in_flight.len());
        if self.in_flight_len >= cap {
            return Err(SendError::PipelineFull);
        }
        let framing = write_request_head(&mut self.tx, method, target, Version::Http11, headers)?;
        let i = (self.in_flight_head + self.in_flight_len) % self.in_flight.len();
        if self.in_flight_len == 0 {
            self.offered.clear();
        }
        let start = self.offered.len();
        if find(headers, "connection").is_some_and(|v| has_token(v, "upgrade")) {
            for h in headers
                .iter()
                .filter(|h| h.name.eq_ignore_ascii_case("upgrade"))
            {
                self.offered.extend_from_slice(h.value);
                self.offered.push(b',');
            }
        }
        self.in_flight[i] = InFlight {
            kind: MethodKind::of(method),
            upgrade: (start, self.offered.len()),
        };
        self.in_flight_len += 1;
        if !keep_alive(Version::Http11, find(headers, "connection")) {
            self.our_keep_alive = false;
        }
        self.writer = Writer::Body(BodyEncoder::new(framing));
        Ok(())
    }

    /// Requests sent and not yet answered by a final response.
    #[must_use]
    pub fn in_flight(&self) -> usize {
        self.in_flight_len
    }
}
