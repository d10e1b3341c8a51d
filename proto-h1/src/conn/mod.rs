//! The connection state machine: one type, [`Conn`], parameterised by role ([`Server`] or
//! [`Client`]), sharing one core. Bytes in through [`Conn::recv`], events out through
//! [`Conn::poll_event`], commands through `send_*`, bytes out through [`Conn::poll_transmit`].
//!
//! One job per file: this module holds the type and its reading side; `config` the
//! configuration, `transmit` the output queue and the connection's own replies, `idle` the
//! state the caller's timers read and the buffers an idle connection gives back.

use core::marker::PhantomData;
use std::collections::VecDeque;

use bytes::Bytes;

use crate::body::{
    Chunk, ChunkedDecoder, Framing, LengthDecoder, request_framing, response_framing,
};
use crate::error::{Error, SendError};
use crate::fields::{Fields, MAX_SPANS, RequestHead, ResponseHead, Span, SpanSink};
use crate::head::{Header, Version, fields, find, has_token, request_head, response_head};
use crate::ser::{BodyEncoder, write_request_head, write_response_head};

mod config;
mod idle;
mod transmit;

pub use config::ConnConfig;
use config::Settings;
pub use idle::{Buffers, ConnState};

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

/// The first capacity of a receive buffer (a small request fits; it doubles from there).
const MIN_RECV_BUFFER: usize = 1024;

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

/// What a client remembers of the requests it sent (boxed: a server has none).
#[derive(Debug, Default)]
struct ClientState {
    /// Requests in flight, oldest first.
    in_flight: VecDeque<InFlight>,
    /// The `Upgrade` values of the requests in flight that offered an upgrade (ranges in
    /// [`InFlight::upgrade`]); an answered request's offer leaves with it.
    offered: Vec<u8>,
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
/// It owns a receive buffer, a transmit buffer and the state below, and does no I/O and reads
/// no clock. The buffers start empty and grow as needed (the receive buffer up to
/// [`ConnConfig::recv_buffer`]); an idle connection gives them back with
/// [`take_buffers`](Self::take_buffers) (to a pool the caller owns, or to be dropped) and
/// then holds no heap at all; [`put_buffers`](Self::put_buffers) lends it pooled ones again.
///
/// # Call order
/// 1. Bytes from the transport go in with [`recv`](Self::recv), which copies what fits and
///    returns how many bytes it took; keep the rest and offer it again after draining events.
///    At end of stream call [`recv_eof`](Self::recv_eof).
/// 2. After every `recv`, `recv_eof` or `send_*`, call [`poll_event`](Self::poll_event) until it
///    returns `Ok(None)`. Events borrow the receive buffer: use (or copy) each one before the
///    next call. A server sees the next pipelined request only after its response is complete,
///    so also poll after `send_end`.
/// 3. Commands (every message, even one without a body, ends with `send_end`): a client calls
///    [`send_request`](ClientConn::send_request); a server answers each request head with
///    [`send_response`](ServerConn::send_response) (any number of 1xx first,
///    [`send_continue`](ServerConn::send_continue) for `Expect: 100-continue`); both stream the
///    body with [`send_data`](Self::send_data) (copied) or
///    [`send_data_bytes`](Self::send_data_bytes) (queued, never copied) and finish with
///    [`send_end`](Self::send_end).
/// 4. While [`wants_write`](Self::wants_write) is true, call
///    [`poll_transmit`](Self::poll_transmit): write the bytes it appended to `out`, then the
///    payload it returned (if any), in that order (a vectored write).
/// 5. When [`is_closed`](Self::is_closed) is true, flush `poll_transmit` until `wants_write`
///    is false and close the transport. After an [`Event::Upgrade`] the connection belongs
///    to the new protocol.
/// 6. Timers and shutdown are the caller's: [`state`](Self::state) says which timer applies,
///    [`send_timeout`](ServerConn::send_timeout) answers an expired request timer (408), and
///    [`shutdown`](ServerConn::shutdown) closes after the exchange in progress.
/// 7. When [`state`](Self::state) says the connection is idle, [`take_buffers`](Self::take_buffers)
///    returns its buffers (optional: a connection that keeps them allocates nothing after
///    warm-up).
///
/// A peer error is sticky: `recv` and `poll_event` return it from then on. A server queues its
/// own answer to it: a short response with the error's status ([`Error::status`]: 400, 413,
/// 414, 431, 501, 505) and `Connection: close`, unless a response had already started (then
/// it only closes); nothing of that is left to the caller but writing what `poll_transmit`
/// gives. [`send_timeout`](ServerConn::send_timeout) does the same with 408 when the caller's
/// request timer fires.
///
/// # Peer rules enforced
/// - Server: the `Host` rules of RFC 9112 section 3.2 ([`request_host`](crate::request_host)):
///   an HTTP/1.1 request without `Host` ([`Error::MissingHost`]), any request with two `Host`
///   lines ([`Error::DuplicateHost`]) or an invalid value ([`Error::InvalidHost`]) is an error:
///   the connection queues a 400 and closes ([`is_closed`](Self::is_closed) is true). This holds for every
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
/// | reader | `Done`       | (server) `send_end` of our final response | `Head` if keep-alive, else `Closed`   |
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
/// always ends it. A server whose request or response ends the connection is closed as soon
/// as `send_end` finishes the response (RFC 9112 section 9.6: no later request is read), and
/// adds `Connection: close` to that response if the caller did not. A server that answers `Expect: 100-continue` with a final status before the
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
/// while conn.wants_write() {
///     let payload = conn.poll_transmit(&mut out);
///     assert!(payload.is_none()); // small bodies are copied
/// }
/// assert_eq!(out, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi");
/// assert!(!conn.is_closed());
/// assert_eq!(conn.state(), proto_h1::ConnState::Idle);
/// ```
pub struct Conn<R: Role> {
    config: Settings,
    /// Received bytes; `buf[start..]` are not yet handed out.
    buf: Vec<u8>,
    start: usize,
    /// Bytes to send; `tx[..tx_sent]` were handed out by `poll_transmit`.
    tx: Vec<u8>,
    tx_sent: usize,
    /// Payloads queued by `send_data_bytes`: each goes out right after `tx[..at]`.
    payloads: VecDeque<(usize, Bytes)>,
    /// Field offsets of the head (or trailers) being reported.
    spans: Vec<Span>,
    /// Client: the requests in flight (allocated by the first `send_request`).
    client: Option<Box<ClientState>>,
    reader: Reader,
    writer: Writer,
    error: Option<Error>,
    /// Head scanning: bytes of the head looked at so far (avoids re-parsing a slowly
    /// arriving head).
    scanned: u32,
    tried_first_line: bool,
    eof: bool,
    // the exchange in progress
    peer_keep_alive: bool,
    our_keep_alive: bool,
    awaiting_continue: bool,
    switching: bool,
    /// The head's spans must be dropped when `End` is produced (bodiless message).
    end_clears_spans: bool,
    /// Server: the kind of request being answered.
    request_kind: MethodKind,
    /// Server: the version of the request being answered.
    peer_version: Version,
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
    /// A new connection. Allocates nothing: the buffers start empty and grow as bytes arrive
    /// or are queued (or come from [`put_buffers`](Self::put_buffers)).
    #[must_use]
    pub fn new(config: ConnConfig) -> Self {
        Conn {
            config: Settings::new(&config),
            buf: Vec::new(),
            start: 0,
            tx: Vec::new(),
            tx_sent: 0,
            payloads: VecDeque::new(),
            spans: Vec::new(),
            client: None,
            reader: Reader::Head,
            writer: Writer::Idle,
            error: None,
            scanned: 0,
            tried_first_line: false,
            eof: false,
            peer_keep_alive: true,
            our_keep_alive: true,
            awaiting_continue: false,
            switching: false,
            end_clears_spans: false,
            request_kind: MethodKind::Other,
            peer_version: Version::Http11,
            _role: PhantomData,
        }
    }

    /// The most the receive buffer may hold: [`ConnConfig::recv_buffer`], raised to fit a
    /// head, a trailer section or a chunk-size line at their limits, at most 4 GiB (field
    /// offsets are 32-bit).
    fn recv_capacity(&self) -> usize {
        self.config.recv_capacity as usize
    }

    /// Client: requests sent and not answered by a final response yet.
    fn in_flight_len(&self) -> usize {
        self.client.as_ref().map_or(0, |c| c.in_flight.len())
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

    /// Whether the connection is over: once [`wants_write`](Self::wants_write) is false the
    /// transport may be closed (after a peer error, whose reply a server has queued; a message
    /// that ends the connection; end of stream between messages). False after a switch of
    /// protocols ([`is_switched`](Self::is_switched)): the transport then belongs to the new
    /// protocol.
    #[must_use]
    pub fn is_closed(&self) -> bool {
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

    /// Takes bytes from the transport: copies as many as fit in the receive buffer (growing
    /// it up to [`ConnConfig::recv_buffer`]) and returns how many. Fewer than `input.len()`
    /// (possibly 0) means the buffer is full: drain events and offer the rest again. Bytes
    /// after a switch of protocols or a closing message are not taken (0).
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
        let len = self.buf.len();
        let cap = self.recv_capacity();
        let n = input.len().min(cap - len);
        if self.buf.capacity() - len < n {
            // Grow by doubling (from a small start), never past `cap`.
            let want = (len + n)
                .max(self.buf.capacity() * 2)
                .max(MIN_RECV_BUFFER)
                .min(cap);
            self.buf.reserve_exact(want - len);
        }
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

    /// Makes `e` the sticky error. A server queues its reply to it (when no response of its
    /// own is in progress) and closes; a client just closes.
    fn fail(&mut self, e: Error) -> Error {
        self.error = Some(e);
        if R::KIND == RoleKind::Server
            && matches!(self.writer, Writer::Idle)
            && !matches!(e, Error::UnexpectedEof | Error::UnexpectedData)
        {
            // RFC 9112 section 9.6 / RFC 9110 section 15.5: answer what we can, then close.
            self.queue_close_reply(e.status(), format_args!("{e}"));
        }
        self.reader = Reader::Closed;
        self.writer = Writer::Closed;
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
                    if !self.next_exchange() {
                        return Ok(None);
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
                    if R::KIND == RoleKind::Client && self.in_flight_len() == 0 {
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
                                    || (R::KIND == RoleKind::Client && self.in_flight_len() > 0)
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
            max: self.config.max_headers.min(MAX_SPANS as u32) as usize,
        };
        let limits = crate::head::Limits {
            max_head_size: usize::MAX,
            ..self.config.limits()
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
        let from = self.scanned as usize;
        self.scanned = b.len() as u32;
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
        let limits = self.config.limits();
        // Small heads are parsed on every call (early rejection of garbage); larger ones only
        // when a line that may end the head arrived, so a slow peer costs linear time.
        let buffered = self.buf.len() - self.start;
        let small = buffered <= EAGER_PARSE;
        let before = self.scanned as usize;
        let ready = self.head_may_be_ready();
        // A request line still without its end is parsed once more when it grows past the
        // target limit (plus room for a method), so that an over-long target is a 414 and not,
        // much later, a 431.
        let past_target = limits.max_target_len.saturating_add(64);
        let crossed = R::KIND == RoleKind::Server
            && !self.tried_first_line
            && before <= past_target
            && buffered > past_target;
        if !ready && !small && !crossed {
            if buffered > limits.max_head_size {
                return Err(Error::HeadTooLarge {
                    limit: limits.max_head_size,
                });
            }
            return Ok(None);
        }
        self.spans.clear();
        if self.spans.capacity() == 0 {
            self.spans.reserve_exact(16);
        }
        let base = self.buf.as_ptr() as usize;
        let b = &self.buf[self.start..];
        let off = self.start;
        let mut sink = SpanSink {
            spans: &mut self.spans,
            base,
            max: limits.max_headers.min(MAX_SPANS),
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
                let obs = self.config.obs_fold;
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
                let client = self.client.as_deref();
                let InFlight { kind, upgrade } = client
                    .and_then(|c| c.in_flight.front().copied())
                    .unwrap_or_default();
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
                    let offered = client.map_or(&[][..], |c| &c.offered[upgrade.0..upgrade.1]);
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
        let limits = &self.config.limits();
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

    /// Server, request read (`Reader::Done`): once our response is complete, starts the next
    /// exchange, switches protocols, or closes. Returns whether it moved.
    fn next_exchange(&mut self) -> bool {
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
            _ => return false,
        }
        true
    }

    fn reset_exchange(&mut self) {
        self.reader = Reader::Head;
        self.writer = Writer::Idle;
        self.peer_keep_alive = true;
        self.our_keep_alive = true;
        self.awaiting_continue = false;
        self.start_head();
    }

    /// The front request got its final response: it leaves the pipeline, with its upgrade
    /// offer. `offered` then holds only what the requests in flight offered (their ranges
    /// are in order, so the answered ones are its front), bounded by `max_in_flight`
    /// requests' `Upgrade` values however long a pipeline runs.
    fn pop_in_flight(&mut self) {
        if let Some(c) = &mut self.client {
            c.in_flight.pop_front();
            let answered = c.in_flight.front().map_or(c.offered.len(), |f| f.upgrade.0);
            if answered > 0 {
                c.offered.drain(..answered);
                for f in &mut c.in_flight {
                    f.upgrade = (f.upgrade.0 - answered, f.upgrade.1 - answered);
                }
            }
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
                } else if matches!(self.reader, Reader::Done) {
                    // The request was read: the next exchange starts (or the connection
                    // closes) now, so `is_closed` and `state` are right before any poll.
                    self.next_exchange();
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
    /// complete (then [`Event::Upgrade`] hands over the remaining bytes). A final response
    /// after which the connection closes (the request or this head says `Connection: close`,
    /// an HTTP/1.0 request without keep-alive, a close-delimited body) gets
    /// `Connection: close` added when `headers` do not say it.
    ///
    /// # Errors
    /// [`SendError::NotReady`] without a request head to answer or while a response is in
    /// progress, [`SendError::InvalidHead`] for a malformed head, or chunked framing to an
    /// HTTP/1.0 client; [`SendError::Closed`] after a peer error (the connection answered it
    /// itself) or a timeout.
    pub fn send_response(
        &mut self,
        code: u16,
        reason: &[u8],
        headers: &[Header<'_>],
    ) -> Result<(), SendError> {
        if self.error.is_some() || matches!(self.writer, Writer::Closed) {
            return Err(SendError::Closed);
        }
        if !matches!(self.writer, Writer::Idle) || matches!(self.reader, Reader::Head) {
            return Err(SendError::NotReady);
        }
        let kind = self.request_kind;
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
        if switch {
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
        if !ours {
            self.our_keep_alive = false;
        }
        let closes = !(self.our_keep_alive && self.peer_keep_alive);
        let says_close = conn.is_some_and(|v| has_token(v, "close"));
        if closes && !says_close {
            // RFC 9112 section 9.6: a server that closes after this response SHOULD say so.
            // The head ends with the empty line: put the field before it.
            self.tx.truncate(self.tx.len() - 2);
            self.tx.extend_from_slice(b"Connection: close\r\n\r\n");
        }
        self.writer = Writer::Body(BodyEncoder::new(framing));
        Ok(())
    }

    /// Graceful shutdown: no request after the current one. An idle connection
    /// ([`ConnState::Idle`]) closes at once; otherwise the exchange in progress finishes, its
    /// response gets `Connection: close` (if not written yet), and the connection closes after
    /// it ([`is_closed`](Self::is_closed)). Requests pipelined behind it are not read.
    pub fn shutdown(&mut self) {
        self.our_keep_alive = false;
        if self.error.is_none() && self.state() == ConnState::Idle {
            self.reader = Reader::Closed;
            self.writer = Writer::Closed;
        }
    }

    /// The caller's request timer fired (the request head, or a gap in the request body, took
    /// too long; slowloris): queues `408 Request Timeout` with `Connection: close` when a
    /// request has started to arrive and no response is in progress, and closes the
    /// connection either way ([`is_closed`](Self::is_closed) is true; flush `poll_transmit`,
    /// then close the transport). Returns whether the 408 was queued.
    ///
    /// A connection with no byte of a request ([`ConnState::Idle`]: a new or kept-alive
    /// connection whose idle timer fired) closes without a reply, as RFC 9112 section 9.5
    /// allows and as common servers do: a client may be sending a request at that moment.
    pub fn send_timeout(&mut self) -> bool {
        let state = self.state();
        let reply = matches!(self.writer, Writer::Idle)
            && self.error.is_none()
            && matches!(
                state,
                ConnState::AwaitingHead { .. } | ConnState::ReadingBody
            );
        if reply {
            self.queue_close_reply(408, format_args!("request timeout"));
        }
        self.reader = Reader::Closed;
        self.writer = Writer::Closed;
        self.switching = false;
        reply
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
        if self.in_flight_len() >= self.config.max_in_flight.max(1) as usize {
            return Err(SendError::PipelineFull);
        }
        let framing = write_request_head(&mut self.tx, method, target, Version::Http11, headers)?;
        let c = self.client.get_or_insert_with(Box::default);
        let start = c.offered.len();
        if find(headers, "connection").is_some_and(|v| has_token(v, "upgrade")) {
            for h in headers
                .iter()
                .filter(|h| h.name.eq_ignore_ascii_case("upgrade"))
            {
                c.offered.extend_from_slice(h.value);
                c.offered.push(b',');
            }
        }
        let end = c.offered.len();
        c.in_flight.push_back(InFlight {
            kind: MethodKind::of(method),
            upgrade: (start, end),
        });
        if !keep_alive(Version::Http11, find(headers, "connection")) {
            self.our_keep_alive = false;
        }
        self.writer = Writer::Body(BodyEncoder::new(framing));
        Ok(())
    }

    /// Requests sent and not yet answered by a final response.
    #[must_use]
    pub fn in_flight(&self) -> usize {
        self.in_flight_len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A client that always keeps one request in flight, each offering an upgrade, holds
    /// only the offers of the requests in flight.
    #[test]
    fn upgrade_offers_of_answered_requests_are_dropped() {
        let mut conn = ClientConn::new(ConnConfig::default());
        let headers = [
            Header {
                name: "Host",
                value: b"a",
            },
            Header {
                name: "Connection",
                value: b"upgrade",
            },
            Header {
                name: "Upgrade",
                value: b"websocket",
            },
        ];
        let mut tx = Vec::new();
        let mut send = |conn: &mut ClientConn| {
            conn.send_request("GET", "/", &headers).unwrap();
            conn.send_end(&[]).unwrap();
            while conn.wants_write() {
                let _ = conn.poll_transmit(&mut tx);
            }
            tx.clear();
        };
        send(&mut conn);
        for _ in 0..1000 {
            send(&mut conn);
            conn.recv(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
                .unwrap();
            while let Some(ev) = conn.poll_event().unwrap() {
                if matches!(ev, Event::End { .. }) {
                    break;
                }
            }
        }
        let c = conn.client.as_ref().unwrap();
        assert_eq!(c.in_flight.len(), 1);
        assert_eq!(c.offered, b"websocket,");
        assert_eq!(c.in_flight[0].upgrade, (0, 10));
    }
}
