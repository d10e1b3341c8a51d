//! The WebSocket client: [`Client::websocket`] and [`WebSocket`] (whose documentation says
//! how it runs).

use std::time::{Duration, Instant};

use bytes::Bytes;
use proto_ws::{
    ClientHandshake, CloseCode, Connection, CryptoMask, DeflateConfig, DeflateParams, Event,
    HandshakeError, State,
};

use super::body::{CancelHandle, Headers, Response, Version, Wait};
use super::connect::Route;
use super::error::{Error, ProtocolError};
use super::profile::{self, Fields};
use super::upload::BodyWriter;
use super::{Client, ClientTimeouts, Prepared, Request, Tunnel};
use crate::timer::Timeout;

/// Frames up to this size are copied out of the reused output buffer (one allocation of
/// their size per flush, `tests/client_ws_alloc.rs` pins it); larger ones move without a
/// copy and the buffer starts over.
const COPY_FRAMES_BELOW: usize = 16 * 1024;

/// Why a WebSocket failed, beyond what any request can fail with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum WebSocketError {
    /// The server refused the opening handshake or answered it wrongly: a status other
    /// than 101 (HTTP/1.1) or 2xx (HTTP/2), a wrong `Sec-WebSocket-Accept`, a subprotocol
    /// or extension that was not offered.
    Handshake(HandshakeError),
    /// The server broke RFC 6455 or RFC 7692; a Close frame with the matching code (1002,
    /// 1007, 1009) was sent before the connection was closed.
    Protocol(proto_ws::ProtocolError),
    /// A message could not be queued: a Close was already sent, a control payload over 125
    /// bytes, a close code that may not be sent.
    Send(proto_ws::SendError),
}

impl std::fmt::Display for WebSocketError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WebSocketError::Handshake(e) => write!(f, "opening handshake: {e}"),
            WebSocketError::Protocol(e) => write!(f, "protocol: {e}"),
            WebSocketError::Send(e) => write!(f, "send: {e}"),
        }
    }
}

/// A message received or to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// A text message (valid UTF-8).
    Text(String),
    /// A binary message.
    Binary(Bytes),
    /// A ping (received: the pong is already on its way).
    Ping(Bytes),
    /// A pong.
    Pong(Bytes),
    /// A Close frame. Received: the server's, and our reply is already on its way; sent
    /// ([`WebSocket::send`]): as [`WebSocket::close`] with the code (`None` for 1000).
    Close {
        /// The status code, if the frame had one.
        code: Option<u16>,
        /// The reason (possibly empty).
        reason: String,
    },
}

impl Message {
    fn from_event(ev: Event<'_>) -> Option<Message> {
        Some(match ev {
            Event::Text(t) => Message::Text(t.to_owned()),
            Event::Binary(b) => Message::Binary(Bytes::copy_from_slice(b)),
            Event::Ping(b) => Message::Ping(Bytes::copy_from_slice(b)),
            Event::Pong(b) => Message::Pong(Bytes::copy_from_slice(b)),
            Event::Close { code, reason } => Message::Close {
                code: code.map(CloseCode::as_u16),
                reason: reason.to_owned(),
            },
            _ => return None,
        })
    }
}

/// What to open: the URL (`ws://`, `wss://`, or `http://`/`https://` for the same), the
/// offers, and the request's fields, timeouts and proxy.
///
/// ```no_run
/// use runtime_mio::client::{Client, ClientConfig, Message, Wait, WebSocketRequest};
///
/// let client = Client::new(ClientConfig::default()).unwrap();
/// let req = WebSocketRequest::new("wss://example.com/chat")
///     .unwrap()
///     .protocols(&["chat.v1"])
///     .header("Origin", "https://example.com");
/// let mut ws = client.websocket(req).unwrap();
/// ws.send_text("hello").unwrap();
/// if let Some(Message::Text(reply)) = ws.recv(Wait::Block).unwrap() {
///     println!("{reply}");
/// }
/// ws.close(1000, "bye").unwrap();
/// while ws.recv(Wait::Block).unwrap().is_some() {}
/// ```
#[derive(Debug, Clone)]
pub struct WebSocketRequest {
    request: Request,
    protocols: Vec<String>,
    deflate: Option<DeflateConfig>,
    /// [`WebSocketRequest::deflate`] was called: the offer is the caller's, not shaped by a
    /// profile.
    deflate_given: bool,
    http2: bool,
    config: proto_ws::Config,
    close_timeout: Timeout,
}

impl WebSocketRequest {
    /// A request for `url`: `ws://` and `wss://` (or `http://` and `https://`, the same
    /// origins). permessage-deflate is offered, HTTP/2 allowed, no subprotocol.
    ///
    /// # Errors
    /// [`Error::InvalidUrl`].
    pub fn new(url: &str) -> Result<WebSocketRequest, Error> {
        let http = if let Some(rest) = strip_scheme(url, "ws://") {
            format!("http://{rest}")
        } else if let Some(rest) = strip_scheme(url, "wss://") {
            format!("https://{rest}")
        } else {
            url.to_owned()
        };
        Ok(WebSocketRequest {
            request: Request::get(&http)?,
            protocols: Vec::new(),
            deflate: Some(DeflateConfig::default()),
            deflate_given: false,
            http2: true,
            config: proto_ws::Config::default(),
            close_timeout: Timeout::After(Duration::from_secs(5)),
        })
    }

    /// A handle that cancels the opening handshake from any thread, at any point
    /// ([`Request::cancel_handle`]): [`Client::websocket`](super::Client::websocket) then
    /// fails with [`Error::Cancelled`]. Once open, [`WebSocket::cancel_handle`] ends the
    /// connection.
    #[must_use]
    pub fn cancel_handle(&self) -> CancelHandle {
        self.request.cancel_handle()
    }

    /// Offers these subprotocols (`Sec-WebSocket-Protocol`), most preferred first.
    #[must_use]
    pub fn protocols(mut self, protocols: &[&str]) -> Self {
        self.protocols = protocols.iter().map(|p| (*p).to_owned()).collect();
        self
    }

    /// Offers permessage-deflate with these parameters (`None`: no offer). Default: offered
    /// with [`DeflateConfig::default`] (`permessage-deflate; client_max_window_bits`); with a
    /// [`ClientConfig::profile`](super::ClientConfig::profile) whose browser offers
    /// `permessage-deflate` alone
    /// ([`WebSocketProfile::deflate_client_max_window_bits`](tls::profile::WebSocketProfile::deflate_client_max_window_bits)
    /// false), without `client_max_window_bits`.
    #[must_use]
    pub fn deflate(mut self, deflate: Option<DeflateConfig>) -> Self {
        self.deflate = deflate;
        self.deflate_given = true;
        self
    }

    /// Whether the WebSocket may open over HTTP/2 (RFC 8441). Default true.
    #[must_use]
    pub fn http2(mut self, on: bool) -> Self {
        self.http2 = on;
        self
    }

    /// Adds a request field (`Origin`, `Authorization`, ...), sent on both protocols.
    #[must_use]
    pub fn header(mut self, name: &str, value: impl AsRef<[u8]>) -> Self {
        self.request = self.request.header(name, value);
        self
    }

    /// The largest message accepted (after decompression); a larger one closes the
    /// connection with 1009. Default 64 MiB.
    #[must_use]
    pub fn max_message_size(mut self, n: usize) -> Self {
        self.config = self.config.max_message_size(n);
        self
    }

    /// The largest frame accepted; a larger one closes the connection with 1009. Default
    /// 16 MiB.
    #[must_use]
    pub fn max_frame_size(mut self, n: u64) -> Self {
        self.config = self.config.max_frame_size(n);
        self
    }

    /// Timeouts for this WebSocket: connect, TLS handshake and response head bound the
    /// opening; write stall bounds a send the server does not take. The body idle gap and
    /// the total do not apply: a quiet WebSocket is a normal one.
    #[must_use]
    pub fn timeouts(mut self, timeouts: ClientTimeouts) -> Self {
        self.request = self.request.timeouts(timeouts);
        self
    }

    /// How long, once the closing handshake is over, to wait for the server to close the
    /// connection before closing it ourselves (RFC 6455 7.1.1: the server closes first).
    /// Default 5 s.
    #[must_use]
    pub fn close_timeout(mut self, timeout: Timeout) -> Self {
        self.close_timeout = timeout;
        self
    }

    /// Goes through this proxy.
    #[must_use]
    pub fn proxy(mut self, proxy: super::Proxy) -> Self {
        self.request = self.request.proxy(proxy);
        self
    }
}

fn strip_scheme<'a>(url: &'a str, scheme: &str) -> Option<&'a str> {
    let head = url.get(..scheme.len())?;
    head.eq_ignore_ascii_case(scheme)
        .then(|| &url[scheme.len()..])
}

/// The WebSocket client: [`Client::websocket`] opens a [`WebSocket`] over HTTP/1.1 (an
/// `Upgrade` request, RFC 6455 section 4) or over HTTP/2 (an extended `CONNECT`, RFC 8441),
/// with subprotocols and permessage-deflate (RFC 7692) offered as the [`WebSocketRequest`]
/// says.
///
/// The connection's bytes are moved by the client's loop like any response body and request
/// body (bounded queues both ways, the same timeouts and cancel); proto-ws's sans-IO
/// [`Connection`] runs on the caller's thread inside [`WebSocket::recv`] and
/// [`WebSocket::send`]: frames are parsed, checked and answered (pongs, the closing
/// handshake) there. A caller that stops calling `recv` stops reading: the server's
/// messages wait in the bounded queue and then in the server's own buffers, and its pings
/// are answered once reading resumes.
///
/// # HTTP/1.1 or HTTP/2
/// With [`WebSocketRequest::http2`] on (the default), the request goes where any request
/// to the origin would: a pooled HTTP/2 connection carries it as an extended CONNECT
/// stream when the server's SETTINGS_ENABLE_CONNECT_PROTOCOL is 1; an HTTP/1.1 connection
/// (ALPN chose it, or the origin is cleartext without prior knowledge) is upgraded and
/// belongs to the WebSocket from then on. When the server speaks HTTP/2 without extended
/// CONNECT, the WebSocket opens on a new connection that offers only `http/1.1` by ALPN, as
/// browsers do. Off, that HTTP/1.1-only connection is used at once.
///
/// # With a browser profile
/// With [`ClientConfig::profile`](super::ClientConfig::profile), the opening request carries
/// the browser's fields for a WebSocket in the browser's order and case
/// ([`tls::profile::WebSocketProfile`]: HTTP/1.1's list for the `Upgrade` GET, HTTP/2's for
/// the extended CONNECT), not the navigation's. The handshake's own fields (`Upgrade`,
/// `Connection`, `Sec-WebSocket-Key`, `Sec-WebSocket-Version`, `Sec-WebSocket-Extensions`,
/// `Sec-WebSocket-Protocol`), the caller's fields (`Origin` when given) and the cookie store's
/// `Cookie` go where the profile places their names, by the rules of the client's other
/// requests (a caller's field replaces the profile's in place; an empty profile value is a
/// position only; fields the profile does not name follow; on HTTP/2 `Cookie` is split into
/// crumbs when the browser does). `Host` goes first on HTTP/1.1. The permessage-deflate
/// offer takes the browser's shape unless [`WebSocketRequest::deflate`] set one.
/// `tests/browser_ws.rs` compares the result with Debian's Chromium and Firefox ESR.
#[derive(Debug)]
pub struct WebSocket {
    conn: Connection,
    response: Response,
    /// `None` once the connection's sending side is finished.
    writer: Option<BodyWriter>,
    /// Received bytes the engine has not taken yet.
    pending: Bytes,
    out: Vec<u8>,
    protocol: Option<String>,
    deflate: Option<DeflateParams>,
    close_timeout: Timeout,
    /// The server's Close frame arrived.
    close_received: bool,
    /// The closing handshake is over: since when we wait for the server to close.
    closed_at: Option<Instant>,
    /// The connection ended: every later `recv` returns `Ok(None)`.
    done: bool,
}

impl Client {
    /// Opens a WebSocket (see [`WebSocketRequest`] and [`WebSocket`]): returns once the
    /// server accepted the opening handshake.
    ///
    /// # Errors
    /// As [`Client::request`] for the connection and the response head;
    /// [`Error::WebSocket`] with [`WebSocketError::Handshake`] when the server refused or
    /// answered wrongly.
    pub fn websocket(&self, req: WebSocketRequest) -> Result<WebSocket, Error> {
        let mut seed = [0u8; 32];
        tls::fill_random(&mut seed).map_err(Error::Tls)?;
        // The key's nonce and the masking keys come from ChaCha12 keyed by BoringSSL's
        // generator (RFC 6455 4.1 and 5.3 ask for unpredictable values).
        let mut keys = CryptoMask::from_seed(seed);
        let protocols: Vec<&str> = req.protocols.iter().map(String::as_str).collect();
        let deflate = match (&self.inner.config.profile, req.deflate) {
            (Some(p), Some(d)) if !req.deflate_given => Some(DeflateConfig {
                client_max_window_bits: p.websocket.deflate_client_max_window_bits.then_some(15),
                ..d
            }),
            _ => req.deflate,
        };
        let hs = ClientHandshake::new(&mut keys)
            .protocols(&protocols)
            .deflate(deflate);
        let mut http1_only = !req.http2;
        let (response, writer) = loop {
            match self.open_tunnel(&req, &hs, http1_only) {
                Err(Error::Protocol(ProtocolError::NoExtendedConnect)) if !http1_only => {
                    http1_only = true;
                }
                r => break r?,
            }
        };
        let pairs = || response.headers().map(|(n, v)| (n.as_bytes(), v));
        let negotiated = match response.version() {
            Version::Http10 | Version::Http11 => hs.check_response(response.status(), pairs()),
            Version::H2 => hs.check_extended_connect_response(response.status(), pairs()),
        }
        .map_err(|e| Error::WebSocket(WebSocketError::Handshake(e)))?;
        let config = req.config.deflate(negotiated.deflate);
        Ok(WebSocket {
            conn: Connection::client(config, keys),
            response,
            writer: Some(writer),
            pending: Bytes::new(),
            out: Vec::new(),
            protocol: negotiated.protocol,
            deflate: negotiated.deflate,
            close_timeout: req.close_timeout,
            close_received: false,
            closed_at: None,
            done: false,
        })
    }

    /// Sends the opening request as a tunnel and waits for the answer's head.
    fn open_tunnel(
        &self,
        req: &WebSocketRequest,
        hs: &ClientHandshake,
        http1_only: bool,
    ) -> Result<(Response, BodyWriter), Error> {
        let started = Instant::now();
        let r = &req.request;
        let mut timeouts = r.timeouts.unwrap_or(self.inner.config.timeouts);
        timeouts.body_idle = Timeout::Unlimited;
        timeouts.total = Timeout::Unlimited;
        let origin = r.url.origin.clone();
        let mut route = Route::new(origin.clone(), &r.proxy, &self.inner.config);
        if origin.scheme == super::Scheme::Https {
            route.server_name = r.server_name.clone().filter(|n| *n != origin.host);
        }
        route.http1_only = http1_only;
        let (headers, h2_headers, h1_headers) = self.opening_fields(r, hs);
        let (body, writer) = BodyWriter::new(None);
        let prepared = std::sync::Arc::new(Prepared {
            method: "GET".into(),
            scheme: origin.scheme,
            target: r.url.target.clone(),
            headers,
            body: super::upload::ReqBody::Writer(body, None),
            h2_headers,
            accept_encoding_at: None,
            timeouts,
            auto_expect: false,
            tunnel: Some(Tunnel {
                protocol: "websocket".to_owned(),
                h1_headers,
            }),
        });
        let (shared, unshared) = (r.cancel_signal(), super::cancel::Cancel::unshared());
        let cancel = shared.as_deref().unwrap_or(&unshared);
        let response = self.exchange(&route, &prepared, started, started, cancel)?;
        Ok((response, writer))
    }

    /// The opening request's fields: those both protocols send (HTTP/1.1's list), HTTP/2's
    /// own list when it differs (`None`: the same), and those HTTP/1.1 adds at the end.
    ///
    /// Without a profile: the caller's fields, the handshake's version and offers, the
    /// cookie store's `Cookie`; `Upgrade`, `Connection` and `Sec-WebSocket-Key`, which are
    /// HTTP/1.1's (RFC 8441 section 5), go last on HTTP/1.1. With one: everything merged into
    /// the profile's WebSocket lists (see [`WebSocket`]'s documentation).
    fn opening_fields(
        &self,
        r: &Request,
        hs: &ClientHandshake,
    ) -> (Fields, Option<Fields>, Fields) {
        const H1_ONLY: [&str; 3] = ["Upgrade", "Connection", "Sec-WebSocket-Key"];
        let mut h1_only = Vec::new();
        let mut headers = r.headers.clone();
        for (name, value) in hs.headers() {
            let field = (name.to_owned(), value.into_bytes());
            if H1_ONLY.contains(&name) {
                h1_only.push(field);
            } else {
                headers.push(field);
            }
        }
        if let Some(jar) = self.cookie_jar()
            && !headers
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case("cookie"))
            && let Some(v) = jar.header_for(&r.url)
        {
            headers.push(("Cookie".to_owned(), v.into_bytes()));
        }
        let Some(p) = &self.inner.config.profile else {
            return (headers, None, h1_only);
        };
        // The browser sends its `Accept-Encoding` on the opening request although its answer
        // has no body to decode.
        let h2 = profile::merge(&p.websocket.http2_headers, &headers, true, false);
        let h2 = if p.http2.cookie_crumbs {
            profile::crumbs(h2)
        } else {
            h2
        };
        headers.extend(h1_only);
        let h1 = profile::merge(&p.websocket.http1_headers, &headers, true, true);
        (h1, Some(h2), Vec::new())
    }
}

impl WebSocket {
    /// The next message or control frame: `Ok(None)` once the connection ended after the
    /// closing handshake. Pings are answered and the server's Close is replied to before
    /// they are returned.
    ///
    /// # Errors
    /// [`Error::WouldBlock`] when nothing came within the wait (`Wait::NoWait`,
    /// `Wait::Timeout`); [`Error::WebSocket`] with [`WebSocketError::Protocol`] when the
    /// server broke the protocol (our Close went out); [`Error::ConnectionClosed`] when the
    /// connection ended without the closing handshake; [`Error::Cancelled`] after a
    /// [`CancelHandle::cancel`]; the client's errors (timeouts, TLS).
    pub fn recv(&mut self, wait: Wait) -> Result<Option<Message>, Error> {
        let (wait, deadline) = wait.start(Instant::now());
        loop {
            if self.done {
                return Ok(None);
            }
            // What was received goes in, as far as the engine takes it.
            while !self.pending.is_empty() {
                match self.conn.recv(&self.pending) {
                    Ok(0) => break,
                    Ok(n) => {
                        let _ = self.pending.split_to(n);
                    }
                    Err(e) => return Err(self.failed(e)),
                }
            }
            match self.conn.poll_event() {
                Ok(Some(ev)) => {
                    let Some(msg) = Message::from_event(ev) else {
                        continue;
                    };
                    self.close_received |= matches!(msg, Message::Close { .. });
                    // The engine's answer (a Pong, our Close) goes out. A connection that can
                    // no longer take it does not cost the message: after the server's Close
                    // the closing is over (the server closes first, RFC 6455 7.1.1, and may
                    // not wait for our reply); after anything else the next call reports it.
                    if self.flush().is_err() && self.close_received {
                        self.done = true;
                    }
                    return Ok(Some(msg));
                }
                Ok(None) => {}
                Err(e) => return Err(self.failed(e)),
            }
            self.flush()?;
            if self.conn.state() == State::Closed && self.closed_at.is_none() {
                // The closing handshake is over: our side of the stream ends, and the
                // server closes the connection.
                self.closed_at = Some(Instant::now());
                if let Some(w) = self.writer.take() {
                    let _ = w.finish();
                }
            }
            let wait = self.next_wait(wait, deadline);
            match self.response.body().chunk(wait) {
                Ok(Some(b)) => {
                    if self.closed_at.is_some() {
                        // After the closing handshake nothing more is read.
                    } else if self.pending.is_empty() {
                        self.pending = b;
                    } else {
                        // The engine took none of what waits (it does not, short of a bug):
                        // nothing received is dropped.
                        let mut joined = Vec::with_capacity(self.pending.len() + b.len());
                        joined.extend_from_slice(&self.pending);
                        joined.extend_from_slice(&b);
                        self.pending = Bytes::from(joined);
                    }
                }
                Ok(None) => {
                    self.done = true;
                    if !self.close_received {
                        self.conn.recv_eof();
                        return Err(Error::ConnectionClosed);
                    }
                    return Ok(None);
                }
                Err(Error::WouldBlock) if self.close_wait_over() => {
                    // The server kept the connection open: we close it (dropping the
                    // response cancels the exchange).
                    self.done = true;
                    self.response.cancel_handle().cancel();
                    return Ok(None);
                }
                Err(e)
                    if self.closed_at.is_some()
                        && !matches!(e, Error::WouldBlock | Error::Cancelled) =>
                {
                    // The closing handshake is over, so the WebSocket closed cleanly
                    // (RFC 6455 7.1.4) however its connection ends: a TCP reset, an HTTP/2
                    // connection dropped (hypercorn does that) or its stream reset.
                    self.done = true;
                    return Ok(None);
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// The wait for the next body read: the caller's, shortened to the close timeout once
    /// the closing handshake is over.
    fn next_wait(&self, wait: Wait, deadline: Option<Instant>) -> Wait {
        let left = |d: Instant| Wait::Timeout(d.saturating_duration_since(Instant::now()));
        let caller = deadline.map_or(wait, left);
        let Some(close_deadline) = self
            .closed_at
            .and_then(|at| self.close_timeout.deadline(at))
        else {
            return caller;
        };
        match deadline {
            Some(d) if d < close_deadline => left(d),
            _ if wait == Wait::NoWait => Wait::NoWait,
            _ => left(close_deadline),
        }
    }

    fn close_wait_over(&self) -> bool {
        self.closed_at
            .and_then(|at| self.close_timeout.deadline(at))
            .is_some_and(|d| Instant::now() >= d)
    }

    /// The engine failed: its Close (with the error's code) goes out, and the connection
    /// ends once the server closed it or the close timeout ran out (RFC 6455 7.1.7).
    fn failed(&mut self, e: proto_ws::Error) -> Error {
        if self.flush().is_ok()
            && let Some(w) = self.writer.take()
            && w.finish().is_ok()
        {
            let deadline = self.close_timeout.deadline(Instant::now());
            loop {
                let wait = deadline.map_or(Wait::Block, |d| {
                    Wait::Timeout(d.saturating_duration_since(Instant::now()))
                });
                if !matches!(self.response.body().chunk(wait), Ok(Some(_))) {
                    break;
                }
            }
        }
        self.done = true;
        self.response.cancel_handle().cancel();
        match e {
            proto_ws::Error::Protocol(p) => Error::WebSocket(WebSocketError::Protocol(p)),
            _ => Error::ConnectionClosed,
        }
    }

    /// Hands what the engine queued to the connection (blocking while its queue is full,
    /// within the write-stall timeout).
    fn flush(&mut self) -> Result<(), Error> {
        while self.conn.wants_write() {
            self.out.clear();
            let payload = self.conn.poll_transmit(&mut self.out);
            let Some(w) = self.writer.as_mut() else {
                return Err(Error::ConnectionClosed);
            };
            if self.out.len() > COPY_FRAMES_BELOW {
                // A large frame moves as it is; `out` starts small again.
                w.write_bytes(Bytes::from(std::mem::take(&mut self.out)))?;
            } else if !self.out.is_empty() {
                // One allocation of exactly its size; `out` keeps its capacity for the next.
                w.write_bytes(Bytes::copy_from_slice(&self.out))?;
            }
            if let Some(p) = payload {
                w.write_bytes(p)?;
            }
        }
        Ok(())
    }

    /// Sends a message or control frame ([`Message::Close`] starts the closing handshake,
    /// as [`WebSocket::close`]).
    ///
    /// # Errors
    /// [`Error::WebSocket`] with [`WebSocketError::Send`] for what may not be sent (after
    /// our Close, a control payload over 125 bytes); the connection's errors.
    pub fn send(&mut self, msg: Message) -> Result<(), Error> {
        let r = match &msg {
            Message::Text(t) => self.conn.send_text(t),
            Message::Binary(b) => self.conn.send_binary_bytes(b.clone()),
            Message::Ping(b) => self.conn.send_ping(b),
            Message::Pong(b) => self.conn.send_pong(b),
            Message::Close { code, reason } => self
                .conn
                .close(CloseCode::new(code.unwrap_or(1000)), reason),
        };
        r.map_err(|e| Error::WebSocket(WebSocketError::Send(e)))?;
        self.flush()
    }

    /// Sends a text message.
    ///
    /// # Errors
    /// As [`WebSocket::send`].
    pub fn send_text(&mut self, text: &str) -> Result<(), Error> {
        self.conn
            .send_text(text)
            .map_err(|e| Error::WebSocket(WebSocketError::Send(e)))?;
        self.flush()
    }

    /// Sends a binary message.
    ///
    /// # Errors
    /// As [`WebSocket::send`].
    pub fn send_binary(&mut self, data: impl Into<Bytes>) -> Result<(), Error> {
        self.conn
            .send_binary_bytes(data.into())
            .map_err(|e| Error::WebSocket(WebSocketError::Send(e)))?;
        self.flush()
    }

    /// Starts the closing handshake with `code` and `reason` (at most 123 bytes). Keep
    /// calling [`WebSocket::recv`] until it returns `Ok(None)`: the server's remaining
    /// messages and its Close come first.
    ///
    /// # Errors
    /// As [`WebSocket::send`].
    pub fn close(&mut self, code: u16, reason: &str) -> Result<(), Error> {
        self.send(Message::Close {
            code: Some(code),
            reason: reason.to_owned(),
        })
    }

    /// The subprotocol the server chose.
    #[must_use]
    pub fn protocol(&self) -> Option<&str> {
        self.protocol.as_deref()
    }

    /// The permessage-deflate parameters in force, when the server accepted the offer.
    #[must_use]
    pub fn deflate(&self) -> Option<DeflateParams> {
        self.deflate
    }

    /// Whether it runs over HTTP/1.1 (an upgraded connection) or HTTP/2 (a stream).
    #[must_use]
    pub fn version(&self) -> Version {
        self.response.version()
    }

    /// The handshake response's status (101 on HTTP/1.1, 200 on HTTP/2).
    #[must_use]
    pub fn status(&self) -> u16 {
        self.response.status()
    }

    /// The handshake response's fields, in received order and case.
    #[must_use]
    pub fn headers(&self) -> Headers<'_> {
        self.response.headers()
    }

    /// The number of the connection that carries it (an HTTP/2 connection may carry other
    /// requests too).
    #[must_use]
    pub fn connection_id(&self) -> u64 {
        self.response.connection_id()
    }

    /// Where the engine's closing handshake is.
    #[must_use]
    pub fn state(&self) -> State {
        self.conn.state()
    }

    /// A handle that ends the WebSocket at once from any thread, without the closing
    /// handshake: a blocked [`WebSocket::recv`] returns [`Error::Cancelled`], the
    /// connection (HTTP/1.1) or stream (HTTP/2, RST_STREAM CANCEL) is closed.
    #[must_use]
    pub fn cancel_handle(&self) -> CancelHandle {
        self.response.cancel_handle()
    }
}
