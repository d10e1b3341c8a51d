//! The connection state machine: one type, [`Conn`], parameterised by role ([`Server`] or
//! [`Client`]), sharing one core. Bytes in through [`Conn::recv`], events out through
//! [`Conn::poll_event`], commands through `send_*`, bytes out through [`Conn::poll_transmit`].
//!
//! One job per file: this module holds the type, its states, `recv` and `poll_event`; `read`
//! the reader that turns received bytes into events; `client` and `server` what each role
//! adds (requests in flight, `send_request`; `send_response`, 100 Continue, 408);
//! `transmit` the output queue, `send_end` and the connection's own replies; `config` the
//! configuration; `idle` the state the caller's timers read and the buffers an idle
//! connection gives back.

use core::marker::PhantomData;
use std::collections::VecDeque;

use bytes::Bytes;

use crate::body::{ChunkedDecoder, LengthDecoder};
use crate::error::Error;
use crate::fields::{Fields, RequestHead, ResponseHead, Span};
use crate::head::Version;
use crate::ser::BodyEncoder;

mod client;
mod config;
mod idle;
mod read;
mod server;
mod transmit;

use client::ClientState;
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

/// The kind of request a response answers (what response framing depends on).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum MethodKind {
    Head,
    Connect,
    #[default]
    Other,
}

impl MethodKind {
    pub(super) fn of(m: &str) -> Self {
        match m {
            "HEAD" => MethodKind::Head,
            "CONNECT" => MethodKind::Connect,
            _ => MethodKind::Other,
        }
    }
    pub(super) fn as_str(self) -> &'static str {
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

    /// Whether the peer's message being read (or the last one read) lets the connection
    /// carry another exchange (RFC 9112 9.3): false once its head says `Connection: close`,
    /// is HTTP/1.0 without `keep-alive`, or starts a response delimited by the end of the
    /// connection. True before the first head. A client still sending a request body reads
    /// it after the response head to stop the body when the answer ends the connection
    /// (RFC 9112 9.5); this end's own `Connection: close` does not change it.
    ///
    /// ```
    /// use proto_h1::{ClientConn, ConnConfig, Event};
    /// let mut c = ClientConn::new(ConnConfig::default());
    /// c.send_request("GET", "/", &[]).unwrap();
    /// c.recv(b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n").unwrap();
    /// assert!(matches!(c.poll_event(), Ok(Some(Event::Response(_)))));
    /// assert!(!c.peer_keeps_alive());
    /// ```
    #[must_use]
    pub fn peer_keeps_alive(&self) -> bool {
        self.peer_keep_alive
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
}
