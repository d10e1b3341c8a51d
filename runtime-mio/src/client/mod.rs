//! The HTTP client: a [`Client`] handle (`Send + Sync + Clone`) that owns an event-loop
//! thread, a connection pool per origin, HTTP/1.1 and HTTP/2 (prior knowledge in cleartext,
//! ALPN `h2` under TLS), responses handed over as soon as their head arrives and bodies read
//! chunk by chunk with a bounded wait, cancellation from any thread, and typed errors. No
//! async runtime: the caller's threads block on plain mutexes and condvars while the loop
//! moves the bytes.
//!
//! ```
//! use runtime_mio::client::{Client, ClientConfig, Request, Wait};
//! use runtime_mio::server::{Response, Server, ServerConfig};
//!
//! let server = Server::bind(
//!     "127.0.0.1:0".parse().unwrap(),
//!     ServerConfig { threads: 1, ..ServerConfig::default() },
//!     |req| Response::text(200, format!("hello {}", req.path())),
//! )
//! .unwrap();
//! let client = Client::new(ClientConfig::default()).unwrap();
//! let url = format!("http://{}/you", server.local_addr());
//! let mut resp = client.request(Request::get(&url).unwrap()).unwrap();
//! assert_eq!(resp.status(), 200);
//! assert_eq!(resp.header("content-length"), Some(&b"10"[..]));
//! let mut body = Vec::new();
//! while let Some(chunk) = resp.body().chunk(Wait::Block).unwrap() {
//!     body.extend_from_slice(&chunk);
//! }
//! assert_eq!(body, b"hello /you");
//! // The same connection carries the next request (keep-alive).
//! let again = client.request(Request::get(&url).unwrap()).unwrap();
//! assert_eq!(again.connection_id(), resp.connection_id());
//! assert_eq!(client.pool_stats().opened, 1);
//! server.shutdown().unwrap();
//! ```
//!
//! # How it runs
//! DNS ([`std::net::ToSocketAddrs`], or a [`ResolveOverride`] first), the TCP connect
//! (Happy Eyeballs over the resolved addresses, below) and a proxy's handshake run on the
//! caller's thread, within the connect timeout; the connected socket and its
//! session (HTTP/1.1 or HTTP/2, cleartext or TLS) then go to the loop through the loop's
//! [`Registrar`]. The loop is the server's [`EventLoop`]
//! without a listener: the same readiness loop, timers and write path drive both. A request
//! on a pooled connection goes into that connection's inbox and wakes the loop for it.
//!
//! A [`LocalQueue`] is the exception: it owns a client whose loop has no thread of its own;
//! the queue's thread turns it inside [`LocalQueue::wait`] ([`EventLoop::local`]), so that
//! its submissions and wakes need no signal, and its completions no condvar.
//!
//! # Addresses, proxies, server names
//! - [`ClientConfig::resolve`]: fixed addresses for a `host:port`, like curl's
//!   `--resolve host:port:addr[,addr]` ([`ResolveOverride::parse`] takes that syntax). The
//!   URL's host stays the `Host` header, the TLS server name and the name verified.
//! - Every resolved address is tried, Happy Eyeballs style (RFC 8305): families interleaved,
//!   the next attempt started when the previous failed or after [`ATTEMPT_DELAY`] (250 ms)
//!   without an answer, the first connection to complete wins and the others are closed.
//! - [`ClientConfig::proxy`] for every request, [`ClientConfig::proxies`] per scheme (with
//!   the hosts reached directly, [`NoProxy`]; [`ProxyConfig::from_env`] reads curl's
//!   `http_proxy`, `https_proxy`, `all_proxy`, `no_proxy` when the caller asks: the library
//!   reads no environment by itself), [`Request::proxy`] / [`Request::no_proxy`] for one
//!   request (the no-proxy list does not apply to a request's own proxy). [`Proxy::parse`]
//!   takes curl's `--proxy` syntax (`http://`, `https://`, `socks5://`, `socks5h://`,
//!   credentials in the user information). HTTP proxies get a `CONNECT` tunnel
//!   (with `Proxy-Authorization: Basic`) for `https://` *and* `http://` targets: this client
//!   never sends absolute-form requests (curl's default for `http://`), it tunnels like
//!   `curl --proxytunnel`, so h2c, keep-alive and the exact header fields reach the origin.
//!   An `https://` proxy gets the same `CONNECT` inside TLS with the proxy (verified like
//!   any server: [`ClientConfig::verify`], the client's roots and [`Proxy::with_root_pem`]);
//!   an `https://` origin's own TLS then runs inside that one.
//!   SOCKS5 (RFC 1928, RFC 1929 username/password): `socks5://` resolves the target here and
//!   sends addresses, `socks5h://` sends the name for the proxy to resolve. A failure is
//!   [`Error::Proxy`] with the step ([`ProxyFailure`]; TLS with the proxy:
//!   [`ProxyFailure::Tls`]).
//! - [`Request::server_name`]: the TLS server name (SNI) to send and verify instead of the
//!   URL's host. [`ClientConfig::verify`] is on by default and stays on.
//! - The pool keeps connections per route: origin, proxy (with its user) and server name.
//!
//! # Backpressure
//! Each response has a bounded queue ([`ClientConfig::body_queue`]). When the caller stops
//! reading, the connection stops taking body bytes from its engine: HTTP/1.1 stops reading
//! the socket, HTTP/2 returns no window credit for the stream ([`Body::queued`] shows the
//! bound holding).
//!
//! # Timeouts
//! [`ClientTimeouts`]: connect, TLS handshake, response head, the idle gap between body
//! chunks (it does not run while the caller's queue is full: then the server waits for us),
//! total, and the pool's idle timeout. Each is a [`Timeout`]: `Unlimited` or `After(d)`.
//! Streamed reads obey them: a blocked [`Body::chunk`] ends with
//! [`Error::Timeout`] naming the one that ran out.
//!
//! # Cancellation
//! [`CancelHandle::cancel`] (any thread, idempotent) or dropping the [`Body`] before its end:
//! a blocked read returns [`Error::Cancelled`] at once; an HTTP/2 stream is reset
//! (RST_STREAM CANCEL) and its connection stays in the pool; an HTTP/1.1 connection is
//! closed (the rest of its response would have to be read to reuse it). A handle taken
//! from the request before the call ([`Request::cancel_handle`]) also ends the call itself
//! wherever it waits: name resolution, the connect race, a proxy handshake, a pooled
//! connection, the response head, any redirect hop.
//!
//! # Name resolution
//! The system resolver runs on a thread of its own per lookup ([`MAX_LOOKUPS`] at most at
//! once), so the connect timeout and a cancel bound it too.
//!
//! # Request bodies
//! Bytes ([`Request::body`]), a file streamed from disk ([`Request::body_file`]), a
//! [`BodyWriter`] the caller streams into from another thread ([`Request::body_writer`]:
//! chunked over HTTP/1.1 when no length is given), a [`Multipart`] form (its files streamed),
//! JSON ([`Request::json`]) and urlencoded forms ([`Request::form`], [`urlencode`]). A
//! streamed body goes through a bounded queue: the writer blocks while it is full, the
//! connection takes from it as fast as the socket (HTTP/1.1) or flow control (HTTP/2) lets
//! go, and [`ClientTimeouts::write_stall`] ends an upload that stopped moving. The response
//! head timeout runs once the whole body was handed over.
//!
//! The connection reads while it sends. Over HTTP/1.1 a server that answers before the body
//! was all sent, with a status of 300 or more or `Connection: close` (a 413, say), gets that
//! answer to the caller even when it closed or reset the connection without reading the
//! rest: the client stops sending there (RFC 9112 9.5, as curl does), a [`BodyWriter`]
//! still writing gets [`Error::AnsweredEarly`], and the connection is not reused.
//!
//! With `Expect: 100-continue` ([`Request::expect_continue`], the caller's own field, or
//! added by the client to an HTTP/1.1 upload over [`ClientConfig::expect_continue_over`],
//! 1 MiB by default, or of unknown length, as curl does) the
//! body waits for the server's `100 Continue` (an interim head: HTTP/1.1's 1xx line, an
//! HTTP/2 HEADERS without END_STREAM) or [`ClientTimeouts::expect_continue`] (1 s by
//! default, as curl); a final answer first is the response and the body is not sent (see
//! [`Request::expect_continue`] for what happens to the connection and to a 417). A
//! [`BodyWriter`] without a length may end with trailer fields
//! ([`BodyWriter::finish_with_trailers`]): HTTP/1.1's chunked trailer section, HTTP/2's
//! trailing HEADERS.
//!
//! # Decoding, redirects, cookies
//! Bodies are decoded from gzip, deflate (zlib or raw), br and zstd as they are read, in
//! pieces of at most 64 KiB whatever the ratio ([`Response::decoded`] says when; the head
//! stays as received). Redirects follow a [`Redirects`] policy ([`Response::history`]).
//! A [`CookieJar`] (RFC 6265) shared by the clients' clones keeps cookies across requests
//! and hops ([`Client::cookie_jar`]).
//!
//! # Browser profiles
//! [`ClientConfig::profile`] (a [`tls::Profile`]: Chrome, Firefox, Safari, or a custom one
//! built from a JA3 and an Akamai string or a JSON document) makes the
//! client's connections and requests look like the browser's: its ClientHello (JA3/JA4),
//! its HTTP/2 SETTINGS, connection WINDOW_UPDATE, HEADERS priority and pseudo-header order
//! (the Akamai fingerprint), and its default request fields in its order on HTTP/1.1 and on
//! HTTP/2, a request's own fields replacing defaults of the same name in place. The
//! `Cookie` field (the caller's or the cookie store's) goes where the browser sends it, and
//! on HTTP/2 as one `cookie` field per cookie-pair when the browser splits it (RFC 9113
//! 8.2.3: Chromium and Firefox do; the Safari profile's choice is unverified, see
//! [`tls::profile`]). A WebSocket's opening request carries the browser's WebSocket fields
//! instead, in its order ([`WebSocket`]'s documentation). [`ClientConfig::key_log`] writes the
//! TLS secrets for Wireshark.
//!
//! # Server-Sent Events
//! [`Client::sse`] opens an [`EventSource`] on top of the streaming response: proto-sse's
//! parser reads the body chunk by chunk and its reconnect policy reopens a lost stream
//! (`Last-Event-ID`, the server's `retry:`, backoff; 204 stops it, another status or
//! content type fails it). [`EventSource::next_event`] returns events and reconnection
//! news ([`SseItem`]) with a bounded wait; [`SseCloseHandle`] closes it from any thread.
//! The body idle timeout is unlimited for event streams unless [`SseConfig::idle`] sets
//! one.
//!
//! # WebSocket
//! [`Client::websocket`] opens a [`WebSocket`] (RFC 6455, permessage-deflate per RFC 7692)
//! over HTTP/2 when the server allows extended CONNECT (RFC 8441), else over an HTTP/1.1
//! upgrade (on an HTTP/1.1-only connection when the server's HTTP/2 does not allow it, as
//! browsers do). Its bytes move through the same bounded queues as bodies; proto-ws runs on
//! the caller's thread inside [`WebSocket::recv`] and [`WebSocket::send`].
//!
//! The store enforces `SameSite` against the page a request comes from
//! ([`Request::site_for_cookies`]; without one, a URL the user typed) and its redirect chain
//! ([`SiteContext`]).
//!
//! # Not yet
//! HTTP/1.1 pipelining. A request a pooled connection lost
//! before it was sent, or an idempotent one it lost unanswered, is sent once more on a new
//! connection (a
//! [`BodyWriter`]'s body only if none of it was taken); others fail with
//! [`Error::ConnectionClosed`].

use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::event_loop::{EventLoop, LoopConfig, Registrar, Stopper};
use crate::timer::{Timeout, Timeouts};

mod body;
mod cancel;
mod config;
mod conn;
mod connect;
mod cookie;
mod decode;
mod error;
mod head;
mod info;
mod multipart;
mod pool;
mod profile;
mod proxy;
mod proxy_config;
mod queue;
mod redirect;
mod request;
mod resolve;
mod sse;
mod upload;
mod url;
mod ws;

pub use body::{Body, CancelHandle, Headers, Informational, Response, Version, Wait};
pub use config::{ClientConfig, ClientTimeouts, KeyLogSink};
pub use connect::{ATTEMPT_DELAY, MAX_LOOKUPS, ResolveOverride};
pub use cookie::{
    Cookie, CookieJar, MAX_ATTRIBUTE_SIZE, MAX_COOKIE_SIZE, MAX_COOKIES, MAX_COOKIES_PER_DOMAIN,
    SameSite, SiteContext,
};
pub use decode::{ACCEPT_ENCODING, Coding};
pub use error::{Error, ProtocolError, TimeoutKind};
pub use info::ConnInfo;
pub use multipart::{Multipart, Part, urlencode};
pub use pool::PoolStats;
pub use proxy::{Proxy, ProxyFailure, ProxyKind};
pub use proxy_config::{NoProxy, ProxyConfig};
pub use queue::{Completion, CompletionMode, CompletionQueue, LocalQueue, Ticket};
pub use redirect::{Hop, Redirects};
pub(crate) use request::ProxyChoice;
pub use request::{FromPage, Request};
pub use sse::{EventSource, SseCloseHandle, SseConfig, SseEvent, SseFailure, SseItem};
pub use upload::BodyWriter;
pub use url::{Origin, Scheme, Url, percent_decode};
pub use ws::{Message, WebSocket, WebSocketError, WebSocketRequest};

use body::Exchange;
use config::{proxy_tls_config, tls_config, wants_system_roots};
use conn::ClientSession;
use connect::Route;
use pool::{ConnShared, Job, Pool, Proto};
use upload::ReqBody;

/// What every connection of a client shares.
#[derive(Debug)]
pub(crate) struct Settings {
    pub(crate) timeouts: ClientTimeouts,
    pub(crate) h1: proto_h1::ConnConfig,
    pub(crate) h2: proto_h2::conn::Config,
}

/// A request as the connection sends it.
#[derive(Debug)]
pub(crate) struct Prepared {
    /// Borrowed for the usual methods ([`request::method_name`]).
    pub(crate) method: std::borrow::Cow<'static, str>,
    pub(crate) scheme: Scheme,
    pub(crate) target: String,
    /// The fields as HTTP/1.1 sends them (with a profile: merged into its defaults).
    pub(crate) headers: Vec<(String, Vec<u8>)>,
    /// With a profile, the fields as HTTP/2 sends them (merged into its HTTP/2 defaults);
    /// `None`: the same as `headers`.
    pub(crate) h2_headers: Option<Vec<(String, Vec<u8>)>>,
    /// The client's default `Accept-Encoding` ([`ACCEPT_ENCODING`]) goes before
    /// `headers[i]` (at their end when `i` is their number); not among `headers`, so that
    /// it costs no allocation. Never with a profile (whose fields carry its own).
    pub(crate) accept_encoding_at: Option<usize>,
    pub(crate) body: ReqBody,
    pub(crate) timeouts: ClientTimeouts,
    /// Over HTTP/1.1, send `Expect: 100-continue` (not among `headers`) and wait for the
    /// answer before the body ([`ClientConfig::expect_continue_over`]).
    pub(crate) auto_expect: bool,
    /// The request asks to turn its connection (HTTP/1.1) or its stream (HTTP/2) into a
    /// byte stream both ways: the body is the bytes sent, the response body the bytes
    /// received.
    pub(crate) tunnel: Option<Tunnel>,
}

/// A request that switches protocols: a `GET` with `Upgrade` on HTTP/1.1 (101 switches; RFC
/// 9110 7.8), an extended `CONNECT` with `:protocol` on HTTP/2 (RFC 8441: a 2xx opens the
/// stream as a tunnel, used only when the server's SETTINGS_ENABLE_CONNECT_PROTOCOL is 1).
/// [`Prepared::headers`] go on both; these go on HTTP/1.1 only.
#[derive(Debug)]
pub(crate) struct Tunnel {
    /// The protocol switched to (`websocket`): `:protocol` on HTTP/2.
    pub(crate) protocol: String,
    /// `Upgrade`, `Connection` and the like (connection-specific, not sent on HTTP/2).
    pub(crate) h1_headers: Vec<(String, Vec<u8>)>,
}

impl Prepared {
    /// The target, for the request's URL again once the exchange is over: moved out when
    /// nobody else holds the request any more (a connection drops its share once the head
    /// is sent, so by the time the response's head is here it usually has), copied
    /// otherwise. Moved out, it leaves an empty target behind: the request is not sent
    /// again from this `Prepared` (a redirect prepares the next hop anew).
    pub(crate) fn take_target(this: &mut Arc<Prepared>) -> String {
        match Arc::get_mut(this) {
            Some(p) => std::mem::take(&mut p.target),
            None => this.target.clone(),
        }
    }

    /// The fields HTTP/1.1 sends, in order: `headers` with the default `Accept-Encoding`
    /// in its place ([`Prepared::accept_encoding_at`]).
    pub(crate) fn fields(&self) -> impl Iterator<Item = (&str, &[u8])> {
        with_accept_encoding(&self.headers, self.accept_encoding_at)
    }

    /// The fields HTTP/2 sends, in order: [`Prepared::h2_headers`], with the default
    /// `Accept-Encoding` in its place when they are `headers`.
    pub(crate) fn h2_fields(&self) -> impl Iterator<Item = (&str, &[u8])> {
        match &self.h2_headers {
            Some(h) => with_accept_encoding(h, None),
            None => with_accept_encoding(&self.headers, self.accept_encoding_at),
        }
    }

    /// Whether the request may be sent again after a connection lost it unanswered: an
    /// idempotent method (RFC 9110 9.2.2).
    pub(crate) fn is_idempotent(&self) -> bool {
        matches!(
            &*self.method,
            "GET" | "HEAD" | "PUT" | "DELETE" | "OPTIONS" | "TRACE"
        )
    }

    /// Whether the request carries `Expect: 100-continue` (its body waits for the answer):
    /// a tunnel's bytes and an empty body never wait.
    pub(crate) fn expects_continue(&self) -> bool {
        self.tunnel.is_none() && !self.body.is_empty() && has_expect_continue(&self.headers)
    }

    /// The same request without its `Expect` field (to send again after a 417), when it
    /// can be sent again: a body of bytes, a file or a form (a [`BodyWriter`]'s bytes
    /// cannot be replayed).
    pub(crate) fn without_expect(&self) -> Option<Prepared> {
        if self.tunnel.is_some() || matches!(self.body, ReqBody::Writer(..)) {
            return None;
        }
        let strip = |h: &[(String, Vec<u8>)]| -> Vec<(String, Vec<u8>)> {
            h.iter()
                .filter(|(n, _)| !n.eq_ignore_ascii_case("expect"))
                .cloned()
                .collect()
        };
        Some(Prepared {
            method: self.method.clone(),
            scheme: self.scheme,
            target: self.target.clone(),
            // `Expect` is the caller's: the default field keeps its place before the
            // caller's fields that followed it.
            accept_encoding_at: self.accept_encoding_at.map(|i| {
                i - self.headers[..i.min(self.headers.len())]
                    .iter()
                    .filter(|(n, _)| n.eq_ignore_ascii_case("expect"))
                    .count()
            }),
            headers: strip(&self.headers),
            h2_headers: self.h2_headers.as_deref().map(strip),
            body: self.body.clone(),
            timeouts: self.timeouts,
            auto_expect: false,
            tunnel: None,
        })
    }

    /// Methods whose empty body is still announced (`Content-Length: 0`).
    pub(crate) fn method_has_body(&self) -> bool {
        matches!(&*self.method, "POST" | "PUT" | "PATCH")
    }
}

/// `headers` as `(name, value)`, with `Accept-Encoding: ACCEPT_ENCODING` before
/// `headers[i]` for `at` = `Some(i)` (after the last for `i` past them).
fn with_accept_encoding(
    headers: &[(String, Vec<u8>)],
    at: Option<usize>,
) -> impl Iterator<Item = (&str, &[u8])> {
    let (before, after) = headers.split_at(at.map_or(headers.len(), |i| i.min(headers.len())));
    fn pair((n, v): &(String, Vec<u8>)) -> (&str, &[u8]) {
        (n, v)
    }
    before
        .iter()
        .map(pair)
        .chain(at.map(|_| ("Accept-Encoding", ACCEPT_ENCODING.as_bytes())))
        .chain(after.iter().map(pair))
}

/// Whether `headers` hold `Expect: 100-continue`: a member of any `Expect` line's list, case
/// ignored (RFC 9110 10.1.1).
pub(crate) fn has_expect_continue(headers: &[(String, Vec<u8>)]) -> bool {
    headers
        .iter()
        .any(|(n, v)| n.eq_ignore_ascii_case("expect") && proto_h1::has_token(v, "100-continue"))
}

struct Inner {
    settings: Arc<Settings>,
    config: ClientConfig,
    /// For `https://` origins, made when first needed when it trusts the system's roots
    /// (loading them is most of a client's start-up: some 40 million instructions, none of
    /// which a cleartext-only client needs), at once otherwise.
    tls: OnceLock<tls::ClientConfig>,
    /// For [`Route::http1_only`] routes (ALPN `http/1.1` alone), made when first needed.
    tls_http1: OnceLock<tls::ClientConfig>,
    /// TLS with `https://` proxies, by the proxy's own root and verify switch, made when
    /// first needed.
    proxy_tls: Mutex<ProxyTls>,
    registrar: Registrar<ClientSession>,
    stopper: Stopper,
    thread: Mutex<Option<JoinHandle<std::io::Result<()>>>>,
    pool: Mutex<Pool>,
    cookies: Option<CookieJar>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        let _ = self.stopper.stop();
        let thread = self
            .thread
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(t) = thread {
            let _ = t.join();
        }
    }
}

/// A client's event loop.
pub(crate) type ClientLoop = EventLoop<ClientSession, crate::event_loop::NoAccept<ClientSession>>;

/// The client: a handle on its event-loop thread and connection pool. Clones share them;
/// the loop stops when the last clone (and the last [`Body`] being read) is dropped.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").finish_non_exhaustive()
    }
}

impl Client {
    /// A client with its own event-loop thread.
    ///
    /// # Errors
    /// [`Error::Tls`] for a root PEM that does not parse (or a TLS setup BoringSSL refuses,
    /// a profile's included); [`Error::Profile`] for a profile whose HTTP/2 side a
    /// connection cannot send; [`Error::Io`] when the loop cannot start.
    pub fn new(config: ClientConfig) -> Result<Client, Error> {
        let io = |e: std::io::Error| Error::Io(Arc::new(e));
        let mut ev = ClientLoop::without_listener(Self::loop_config()).map_err(io)?;
        let registrar = ev.registrar();
        let stopper = ev.stopper();
        let thread = std::thread::Builder::new()
            .name("wire-client".into())
            .spawn(move || {
                // Completion queues are signalled once per turn of the loop.
                queue::defer_signals(true);
                let result = ev.run();
                // The sessions left fail their exchanges as they go.
                drop(ev);
                queue::defer_signals(false);
                result
            })
            .map_err(io)?;
        Self::with_loop(config, registrar, stopper, Some(thread))
    }

    /// A client whose loop the calling thread runs itself ([`EventLoop::local`]): no
    /// thread is spawned; the caller (a [`LocalQueue`]) turns the loop it gets back.
    pub(crate) fn new_local(config: ClientConfig) -> Result<(Client, ClientLoop), Error> {
        let io = |e: std::io::Error| Error::Io(Arc::new(e));
        let ev = ClientLoop::local(Self::loop_config()).map_err(io)?;
        let client = Self::with_loop(config, ev.registrar(), ev.stopper(), None)?;
        Ok((client, ev))
    }

    /// The client's loop configuration.
    fn loop_config() -> LoopConfig {
        let loop_timeouts = Timeouts {
            // Dropping the client ends its connections at once.
            shutdown_grace: Timeout::After(Duration::from_millis(100)),
            // The sessions time request bodies themselves (`ClientTimeouts::write_stall`,
            // which can name the timeout in the error).
            write_stall: Timeout::Unlimited,
            ..Timeouts::default()
        };
        LoopConfig {
            timeouts: loop_timeouts,
            ..LoopConfig::default()
        }
    }

    /// The client on a loop (`thread`: the loop's own thread, joined when the last clone
    /// goes; `None` for a local loop).
    fn with_loop(
        config: ClientConfig,
        registrar: Registrar<ClientSession>,
        stopper: Stopper,
        thread: Option<JoinHandle<std::io::Result<()>>>,
    ) -> Result<Client, Error> {
        // Built at once without the system's roots: what the caller configured (root PEMs,
        // profile, key log) is checked here, not at the first `https://` request. When it
        // is the whole configuration it is kept; else the one with the system's roots is
        // made when first needed (`Client::tls`).
        let checked = tls_config(&config, config.alpn_h2, false)?;
        let tls = OnceLock::new();
        if !wants_system_roots(&config) {
            let _ = tls.set(checked);
        }
        let cookies = config.cookies.then(CookieJar::new);
        let h2 = match &config.profile {
            Some(p) => {
                let shaped = crate::profile::h2_config(p).map_err(Error::Profile)?;
                proto_h2::conn::Config {
                    settings: shaped.settings,
                    connection_window: shaped.connection_window,
                    headers_priority: shaped.headers_priority,
                    pseudo_order: shaped.pseudo_order,
                    // No connection-wide field order: each request's fields are already in
                    // its profile list's order (`profile::merge`), and a WebSocket's list is
                    // not the navigation's (the connection would sort it back).
                    header_order: Vec::new(),
                    ..config.h2.clone()
                }
            }
            None => config.h2.clone(),
        };
        Ok(Client {
            inner: Arc::new(Inner {
                settings: Arc::new(Settings {
                    timeouts: config.timeouts,
                    h1: config.h1,
                    h2,
                }),
                config,
                tls,
                tls_http1: OnceLock::new(),
                proxy_tls: Mutex::new(Vec::new()),
                registrar,
                stopper,
                thread: Mutex::new(thread),
                pool: Mutex::new(Pool::default()),
                cookies,
            }),
        })
    }

    /// Sends `req` and returns when the response head arrives (the body is read from the
    /// [`Response`]). A pooled connection to the origin is reused when one is free;
    /// otherwise the host is resolved and connected to on this thread.
    ///
    /// Around the exchange: redirects are followed by the policy
    /// ([`ClientConfig::redirects`], [`Request::redirects`]; [`Response::history`] lists
    /// them), the cookie store's cookies go out and `Set-Cookie` fields come in on every
    /// hop ([`ClientConfig::cookies`]), and the body is decoded from its `Content-Encoding`
    /// ([`ClientConfig::decompress`], [`Response::decoded`]). Each hop has its own
    /// timeouts.
    ///
    /// # Errors
    /// [`Error::Dns`], [`Error::Connect`], [`Error::Proxy`], [`Error::Tls`], [`Error::Timeout`] (connect, TLS
    /// handshake, response head, total), [`Error::Protocol`], [`Error::ConnectionClosed`],
    /// [`Error::InvalidRequest`], [`Error::Shutdown`], [`Error::TooManyRedirects`],
    /// [`Error::InvalidRedirect`].
    pub fn request(&self, req: Request) -> Result<Response, Error> {
        redirect::run(self, req)
    }

    /// A completion queue on this client: one thread submits many requests and collects
    /// their responses as they complete ([`CompletionQueue`]). [`LocalQueue::new`] makes a
    /// client whose loop that thread runs itself.
    #[must_use]
    pub fn queue(&self) -> CompletionQueue {
        CompletionQueue::new(self.clone())
    }

    /// Opens a Server-Sent Events source on `req` (usually [`Request::get`]): the request
    /// goes out with `Accept: text/event-stream` and `Cache-Control: no-cache` (unless it
    /// has its own), the body idle timeout replaced by [`SseConfig::idle`] (unlimited by
    /// default), and returns once the first response is accepted (200 and
    /// `text/event-stream`). Later connections follow proto-sse's reconnect policy
    /// (`Last-Event-ID`, `retry:`, backoff): see [`EventSource`].
    ///
    /// The first connection is not retried: its failure is returned, so that a wrong URL
    /// or a refusing server fails at once. A 204 No Content answer gives a source that is
    /// already over ([`EventSource::next_event`] returns `Ok(None)`).
    ///
    /// # Errors
    /// As [`Client::request`]; [`Error::Sse`] with [`SseFailure::Status`] for a status
    /// other than 200 and 204, [`SseFailure::ContentType`] for a content type other than
    /// `text/event-stream`; [`Error::InvalidRequest`] for a [`BodyWriter`] body (it could
    /// not be sent again).
    ///
    /// The other timeouts (the request's, or the client's) apply to each connection: a
    /// [`ClientTimeouts::total`] other than unlimited cuts every stream after that long,
    /// and the source reopens it.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use runtime_mio::client::{Client, ClientConfig, Request, SseConfig, SseItem, Wait};
    ///
    /// let client = Client::new(ClientConfig::default())?;
    /// let req = Request::get("https://example.com/events")?;
    /// let mut source = client.sse(req, SseConfig::default())?;
    /// while let Some(item) = source.next_event(Wait::Block)? {
    ///     match item {
    ///         SseItem::Event(e) => println!("{} {}: {}", e.id, e.event_type, e.data),
    ///         SseItem::Retrying { delay, .. } => eprintln!("lost; again in {delay:?}"),
    ///         SseItem::Reconnected { last_event_id, .. } => eprintln!("back at {last_event_id:?}"),
    ///         _ => {}
    ///     }
    /// }
    /// # Ok::<(), runtime_mio::client::Error>(())
    /// ```
    pub fn sse(&self, req: Request, config: SseConfig) -> Result<EventSource, Error> {
        EventSource::connect(self, req, config)
    }

    /// The cookie store its clones share; `None` when [`ClientConfig::cookies`] is off.
    /// Read it ([`CookieJar::cookies`]), seed it ([`CookieJar::insert`],
    /// [`CookieJar::set_cookie`]) or empty it.
    #[must_use]
    pub fn cookie_jar(&self) -> Option<CookieJar> {
        self.inner.cookies.clone()
    }

    /// One exchange: `req` as it is, no redirects, cookies or decoding.
    /// `total_from` is when the caller asked (the total timeout runs from there, across
    /// redirects); `cancel` is the request's signal. What the request is made of moves into
    /// the [`Prepared`] it returns beside the response (its method and, without a profile,
    /// its fields: `req` keeps its URL, body and settings), so that a redirect can send it
    /// again and a request that is not redirected copies nothing.
    fn send(
        &self,
        req: &mut Request,
        total_from: Instant,
        cancel: &cancel::Cancel,
    ) -> Result<(Response, Arc<Prepared>), Error> {
        let (route, mut prepared, started) = self.prepare(req, Instant::now());
        let resp = self.exchange(&route, &prepared, started, total_from, cancel);
        req.url.origin = route.origin;
        req.url.target = Prepared::take_target(&mut prepared);
        Ok((resp?, prepared))
    }

    /// `req` as one exchange sends it: its route, the prepared request (its method and,
    /// without a profile, its fields move into it) and when it was asked (`started`, the
    /// caller's clock reading: a completion queue's submission reads the clock once for
    /// this and for the total timeout).
    ///
    /// The URL moves rather than being copied: its origin into the route (the pool's key),
    /// its target into the prepared request. `req.url` is left with an empty host and
    /// target until the caller puts `route.origin` and [`Prepared::take_target`] back (or
    /// moves them into the response's URL), once the exchange no longer needs them.
    fn prepare(&self, req: &mut Request, started: Instant) -> (Route, Arc<Prepared>, Instant) {
        let timeouts = req.timeouts.unwrap_or(self.inner.config.timeouts);
        let scheme = req.url.origin.scheme;
        let origin = std::mem::replace(&mut req.url.origin, Url::empty(scheme).origin);
        let mut route = Route::new(origin, &req.proxy, &self.inner.config);
        if scheme == Scheme::Https {
            let host = &route.origin.host;
            route.server_name = req.server_name.clone().filter(|n| n != host);
        }
        let (headers, h2_headers) = match &self.inner.config.profile {
            Some(p) => {
                let decoding = req.decompress.unwrap_or(self.inner.config.decompress);
                (
                    profile::merge(&p.http1_headers, &req.headers, decoding, true),
                    Some({
                        let h2 = profile::merge(&p.http2_headers, &req.headers, decoding, false);
                        if p.http2.cookie_crumbs {
                            profile::crumbs(h2)
                        } else {
                            h2
                        }
                    }),
                )
            }
            None => (std::mem::take(&mut req.headers), None),
        };
        // From the fields as sent (`req`'s own were moved into `headers` above).
        let auto_expect = self.auto_expect(&headers, &req.body);
        let prepared = Arc::new(Prepared {
            method: std::mem::take(&mut req.method),
            scheme,
            target: std::mem::take(&mut req.url.target),
            // A profile's fields carry its own (`add_client_fields` sets none then).
            accept_encoding_at: req.accept_encoding_at.take(),
            headers,
            h2_headers,
            auto_expect,
            body: req.body.clone(),
            timeouts,
            tunnel: None,
        });
        (route, prepared, started)
    }

    /// Whether a request with `headers` and `body` gets `Expect: 100-continue` by itself
    /// over HTTP/1.1 ([`ClientConfig::expect_continue_over`]).
    fn auto_expect(&self, headers: &[(String, Vec<u8>)], body: &ReqBody) -> bool {
        self.inner.config.expect_continue_over.is_some_and(|over| {
            !headers
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case("expect"))
                && body.len().is_none_or(|n| n > over)
        })
    }

    /// Sends `prepared` on `route` (a pooled connection, or a new one) and waits for the
    /// response head; a request a pooled connection lost is sent once more on a new one
    /// when that is safe.
    fn exchange(
        &self,
        route: &Route,
        prepared: &Arc<Prepared>,
        started: Instant,
        total_from: Instant,
        cancel: &cancel::Cancel,
    ) -> Result<Response, Error> {
        let timeouts = prepared.timeouts;
        let mut reuse = true;
        // After a 417 to `Expect: 100-continue`, the request without it (sent once).
        let mut prepared = Arc::clone(prepared);
        let mut expect_retried = false;
        let result = loop {
            let ex = Exchange::new(self.inner.config.body_queue, total_from);
            if let Err(e) = cancel.attach(&ex) {
                break Err(e);
            }
            let source = match prepared.body.start(started) {
                Ok(s) => s,
                Err(e) => break Err(e),
            };
            let job = Job {
                ex: Arc::clone(&ex),
                req: Arc::clone(&prepared),
                source: Some(source),
            };
            let (conn, reused) = match self.dispatch(route, job, reuse, started, &timeouts, cancel)
            {
                Ok(r) => r,
                Err(e) => break Err(e),
            };
            match ex.wait_head() {
                Ok(head) => {
                    // RFC 9110 10.1.1: a 417 to a request with `Expect: 100-continue`
                    // SHOULD be repeated without the expectation (curl does). Its body was
                    // not sent; the 417 and its connection are dropped (an HTTP/1.1 body
                    // announced and not sent closes it).
                    if head.status == 417
                        && !expect_retried
                        && (prepared.expects_continue() || prepared.auto_expect)
                        && let Some(again) = prepared.without_expect()
                    {
                        expect_retried = true;
                        drop(Response::new(head, conn.id, ex, self.clone()));
                        prepared = Arc::new(again);
                        continue;
                    }
                    let mut resp = Response::new(head, conn.id, ex, self.clone());
                    resp.set_conn(conn);
                    break Ok(resp);
                }
                // A pooled connection ended before it took the request, or before any
                // answer to an idempotent one (the server closed the kept-alive connection
                // as the request went out; RFC 9110 9.2.2 allows the retry): a new one.
                // A streamed body goes again only if none of it was taken.
                Err((Error::ConnectionClosed, not_sent))
                    if reused
                        && (not_sent || prepared.is_idempotent())
                        && prepared.body.can_send_again() =>
                {
                    reuse = false;
                }
                Err((e, _)) => break Err(e),
            }
        };
        if let Err(e) = &result {
            prepared.body.abort(e);
        }
        result
    }

    /// Opens a new connection to `url`'s origin and leaves it idle in the pool (waiting,
    /// under TLS, until the handshake chose the protocol, within the TLS handshake
    /// timeout): a warm-up, or a way to spread later requests over several connections.
    /// Returns the connection's number.
    ///
    /// # Errors
    /// As [`Client::request`] for the connect and the TLS handshake.
    pub fn preconnect(&self, url: &str) -> Result<u64, Error> {
        let (shared, deadline) = self.open_idle(url)?;
        let settled = shared.wait_ready(deadline);
        Self::preconnected(&shared, settled)
    }

    /// [`Client::preconnect`]'s first half: the connection opened, idle, and the deadline of
    /// its TLS handshake.
    fn open_idle(&self, url: &str) -> Result<(Arc<ConnShared>, Option<Instant>), Error> {
        let url = Url::parse(url)?;
        let origin = url.origin;
        let timeouts = self.inner.config.timeouts;
        let started = Instant::now();
        let route = Route::new(origin, &ProxyChoice::Client, &self.inner.config);
        let shared = self.open(&route, None, started, &timeouts, &cancel::Cancel::new())?;
        Ok((shared, timeouts.tls_handshake.deadline(started)))
    }

    /// [`Client::preconnect`]'s answer once the connection settled (or its deadline passed:
    /// `Err(None)` on an open connection).
    fn preconnected(shared: &ConnShared, settled: Result<(), Option<Error>>) -> Result<u64, Error> {
        match settled {
            Ok(()) => Ok(shared.id),
            Err(Some(e)) => Err(e),
            Err(None) if shared.is_closed() => Err(Error::ConnectionClosed),
            Err(None) => Err(Error::Timeout(TimeoutKind::TlsHandshake)),
        }
    }

    /// What the pool holds and has done.
    #[must_use]
    pub fn pool_stats(&self) -> PoolStats {
        self.pool().stats()
    }

    fn pool(&self) -> std::sync::MutexGuard<'_, Pool> {
        self.inner
            .pool
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Puts `job` on a pooled connection (when `reuse`) or a new one; returns the
    /// connection and whether it was pooled.
    fn dispatch(
        &self,
        route: &Route,
        mut job: Job,
        reuse: bool,
        started: Instant,
        timeouts: &ClientTimeouts,
        cancel: &cancel::Cancel,
    ) -> Result<(Arc<ConnShared>, bool), Error> {
        if reuse {
            let pooled = self.pool().checkout(route);
            if let Some(conn) = pooled {
                match conn.submit(job) {
                    Ok(()) => return Ok((conn, true)),
                    Err(j) => job = j,
                }
            }
        }
        Ok((
            self.open(route, Some(job), started, timeouts, cancel)?,
            false,
        ))
    }

    /// The TLS configuration for `https://` proxy `p`.
    fn proxy_tls(&self, p: &Proxy) -> Result<tls::ClientConfig, Error> {
        let key = (p.root_pem().map(<[u8]>::to_vec), p.insecure());
        let mut cache = self
            .inner
            .proxy_tls
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some((_, c)) = cache.iter().find(|(k, _)| *k == key) {
            return Ok(c.clone());
        }
        let made = proxy_tls_config(&self.inner.config, p).map_err(|e| Error::Proxy {
            proxy: p.to_string(),
            failure: ProxyFailure::Tls(e),
        })?;
        cache.push((key, made.clone()));
        Ok(made)
    }

    /// The TLS configuration of `https://` origins, made when first needed (with the
    /// system's roots: the checked one without them is kept when they are not wanted).
    fn tls(&self) -> Result<&tls::ClientConfig, Error> {
        if let Some(c) = self.inner.tls.get() {
            return Ok(c);
        }
        let config = &self.inner.config;
        let made = tls_config(config, config.alpn_h2, true)?;
        Ok(self.inner.tls.get_or_init(|| made))
    }

    /// The TLS configuration of [`Route::http1_only`] routes.
    fn tls_http1(&self) -> Result<&tls::ClientConfig, Error> {
        if let Some(c) = self.inner.tls_http1.get() {
            return Ok(c);
        }
        let config = &self.inner.config;
        let made = tls_config(config, false, wants_system_roots(config))?;
        Ok(self.inner.tls_http1.get_or_init(|| made))
    }

    /// Connects to `route` and hands the new connection to the loop and the pool, with `job`
    /// as its first exchange, or idle (`None`).
    fn open(
        &self,
        route: &Route,
        job: Option<Job>,
        started: Instant,
        timeouts: &ClientTimeouts,
        cancel: &cancel::Cancel,
    ) -> Result<Arc<ConnShared>, Error> {
        let origin = &route.origin;
        let proxy_tls = match &route.proxy {
            Some(p) if p.kind() == ProxyKind::Https => Some(self.proxy_tls(p)?),
            _ => None,
        };
        let (stream, outer) = connect::open(
            route,
            &self.inner.config.resolve,
            started,
            timeouts,
            cancel,
            proxy_tls.as_ref(),
        )?;
        let proto = match origin.scheme {
            Scheme::Https if route.http1_only => Proto::Http1,
            Scheme::Https => Proto::Unknown,
            Scheme::Http if self.inner.config.h2_prior_knowledge && !route.http1_only => {
                Proto::Http2
            }
            Scheme::Http => Proto::Http1,
        };
        let id = self.pool().next_id();
        let shared = ConnShared::new(
            id,
            proto,
            self.inner.config.h2_max_streams,
            origin.authority().into_boxed_str(),
        );
        shared.info().remote = stream.peer_addr().ok();
        match job {
            Some(job) => {
                if shared.submit(job).is_err() {
                    unreachable!("a new connection accepts jobs");
                }
            }
            // Nobody holds it: idle from the start.
            None => shared.release(),
        }
        let tls = match origin.scheme {
            Scheme::Https => {
                let config = if route.http1_only {
                    self.tls_http1()?
                } else {
                    self.tls()?
                };
                Some(tls::ClientSession::new(config, route.tls_name()).map_err(Error::Tls)?)
            }
            Scheme::Http => None,
        };
        let session = ClientSession::new(
            Arc::clone(&shared),
            Arc::clone(&self.inner.settings),
            outer.map(|t| {
                (
                    route
                        .proxy
                        .as_ref()
                        .map(Proxy::to_string)
                        .unwrap_or_default(),
                    t,
                )
            }),
            tls,
            Instant::now(),
        )?;
        // A loop that has ended hands the session back; dropping it fails the exchange.
        self.inner
            .registrar
            .add(stream, session)
            .map_err(|_| Error::Shutdown)?;
        self.pool().insert(route.clone(), Arc::clone(&shared));
        Ok(shared)
    }
}

/// The TLS configurations for `https://` proxies: by the proxy's own root PEM and whether it
/// is not verified.
type ProxyTls = Vec<((Option<Vec<u8>>, bool), tls::ClientConfig)>;

#[cfg(test)]
mod tests {
    use super::{Client, ClientConfig, ClientTimeouts, Prepared, ReqBody, Scheme};

    /// The system's roots are loaded with the first `https://` connection, not at start-up
    /// (a cleartext client never loads them); a configuration without them is made at once;
    /// either way a root PEM that is not one fails `Client::new` as before.
    #[test]
    fn the_system_roots_load_when_first_needed() {
        let client = Client::new(ClientConfig::default()).unwrap();
        assert!(client.inner.tls.get().is_none(), "not at start-up");
        client.tls().unwrap();
        assert!(client.inner.tls.get().is_some());
        let without = Client::new(ClientConfig {
            system_roots: false,
            ..ClientConfig::default()
        })
        .unwrap();
        assert!(without.inner.tls.get().is_some(), "nothing to put off");
        for system_roots in [true, false] {
            let bad = Client::new(ClientConfig {
                system_roots,
                root_pems: vec![b"-----BEGIN CERTIFICATE-----\nnot base64\n".to_vec()],
                ..ClientConfig::default()
            });
            assert!(bad.is_err(), "system roots {system_roots}");
        }
    }

    fn prepared(fields: &[(&str, &str)], at: Option<usize>) -> Prepared {
        Prepared {
            method: "POST".into(),
            scheme: Scheme::Http,
            target: "/".to_owned(),
            headers: fields
                .iter()
                .map(|(n, v)| ((*n).to_owned(), v.as_bytes().to_vec()))
                .collect(),
            h2_headers: None,
            accept_encoding_at: at,
            body: ReqBody::Bytes(bytes::Bytes::from_static(b"body")),
            timeouts: ClientTimeouts::default(),
            auto_expect: false,
            tunnel: None,
        }
    }

    fn names(p: &Prepared) -> Vec<&str> {
        p.fields().map(|(n, _)| n).collect()
    }

    /// The default `Accept-Encoding` sits at its place among the fields (first, between,
    /// last), on both versions' lists, and keeps it when a 417 takes the caller's `Expect`
    /// out from before it.
    #[test]
    fn the_default_accept_encoding_keeps_its_place() {
        let fields = [("A", "1"), ("Expect", "100-continue"), ("Cookie", "k=v")];
        assert_eq!(names(&prepared(&fields, None)), ["A", "Expect", "Cookie"]);
        for (at, want) in [
            (0, ["Accept-Encoding", "A", "Expect", "Cookie"]),
            (2, ["A", "Expect", "Accept-Encoding", "Cookie"]),
            (3, ["A", "Expect", "Cookie", "Accept-Encoding"]),
        ] {
            let p = prepared(&fields, Some(at));
            assert_eq!(names(&p), want);
            assert!(p.h2_fields().map(|(n, _)| n).eq(want.iter().copied()));
            assert_eq!(
                p.fields().find(|(n, _)| *n == "Accept-Encoding").unwrap().1,
                super::ACCEPT_ENCODING.as_bytes()
            );
            let again = p.without_expect().unwrap();
            let mut without: Vec<&str> = want.to_vec();
            without.retain(|n| *n != "Expect");
            assert_eq!(names(&again), without, "at {at}");
        }
    }
}
