//! The client's configuration ([`ClientConfig`], its [`ClientTimeouts`], the key log sink)
//! and the TLS configurations made from it.

use std::sync::Arc;
use std::time::Duration;

use super::connect::ResolveOverride;
use super::error::Error;
use super::proxy::Proxy;
use super::proxy_config::ProxyConfig;
use super::redirect::Redirects;
#[cfg(doc)]
use super::{BodyWriter, Client, Request};
use crate::timer::Timeout;

/// The client's timeouts, each [`Timeout::Unlimited`] or [`Timeout::After`] a duration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientTimeouts {
    /// Opening the connection: the race over all resolved addresses and, through a proxy,
    /// its handshake (not the system resolver's lookup, which cannot be bounded). Default
    /// 10 s.
    pub connect: Timeout,
    /// The TLS handshake. Default 10 s.
    pub tls_handshake: Timeout,
    /// From handing the request to its connection to the response head. Default 30 s.
    pub response_head: Timeout,
    /// The longest gap between two pieces of the body while the caller's queue has room.
    /// Default 30 s.
    pub body_idle: Timeout,
    /// The whole exchange, from the call to the body's end, redirects included. Default
    /// unlimited.
    pub total: Timeout,
    /// A pooled connection with no exchange for this long is closed. Default 90 s.
    pub pool_idle: Timeout,
    /// The longest time request body bytes wait for the connection to take any (the server
    /// stopped reading, or its HTTP/2 window stays shut). Default 30 s.
    pub write_stall: Timeout,
    /// How long a request sent with `Expect: 100-continue` ([`Request::expect_continue`],
    /// or the field set by the caller) holds its body back waiting for `100 Continue` or a
    /// final answer; when it runs out the body goes anyway (RFC 9110 10.1.1). Not an
    /// error. Default 1 s (curl's `--expect100-timeout`); `Unlimited` waits for the
    /// server (the total timeout still holds).
    pub expect_continue: Timeout,
}

impl Default for ClientTimeouts {
    fn default() -> Self {
        let s = |n| Timeout::After(Duration::from_secs(n));
        ClientTimeouts {
            connect: s(10),
            tls_handshake: s(10),
            response_head: s(30),
            body_idle: s(30),
            total: Timeout::Unlimited,
            pool_idle: s(90),
            write_stall: s(30),
            expect_continue: s(1),
        }
    }
}

/// Client configuration.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// The timeouts (a request may carry its own: [`Request::timeouts`]).
    pub timeouts: ClientTimeouts,
    /// Speak HTTP/2 at once to `http://` origins (h2c with prior knowledge). Default false.
    pub h2_prior_knowledge: bool,
    /// Offer `h2` (before `http/1.1`) by ALPN to `https://` origins. Default true.
    pub alpn_h2: bool,
    /// Verify the server's certificate chain and name. Default true. Off, any certificate
    /// is accepted (tests only: anyone in the middle can read and change the traffic).
    pub verify: bool,
    /// Trust the system's root certificates. Default true.
    pub system_roots: bool,
    /// More roots to trust, PEM (a test server's self-signed certificate, say).
    pub root_pems: Vec<Vec<u8>>,
    /// Most body bytes a response queues for its reader before the connection stops taking
    /// more (plus one chunk). Default 256 KiB.
    pub body_queue: usize,
    /// The HTTP/1.1 engine's configuration.
    pub h1: proto_h1::ConnConfig,
    /// The HTTP/2 engine's configuration (SETTINGS, windows).
    pub h2: proto_h2::conn::Config,
    /// Most exchanges at once on one HTTP/2 connection (below the server's
    /// SETTINGS_MAX_CONCURRENT_STREAMS); a request that finds every connection full opens
    /// another. Default `None`: the server's limit.
    pub h2_max_streams: Option<usize>,
    /// Decode response bodies from their `Content-Encoding` (gzip, deflate, br, zstd) and
    /// send `Accept-Encoding: gzip, deflate, br, zstd` (with a [`ClientConfig::profile`],
    /// the profile's) unless the request has its own.
    /// Default true; off, bodies come as received and no `Accept-Encoding` is added (a
    /// request may say otherwise: [`Request::decompress`]).
    pub decompress: bool,
    /// Which redirects to follow. Default `Follow { limit: 10 }` (a request may say
    /// otherwise: [`Request::redirects`]).
    pub redirects: Redirects,
    /// Over HTTP/1.1, add `Expect: 100-continue` by itself to a request whose body is
    /// longer than this many bytes, or of unknown length (a [`BodyWriter`] without one, sent
    /// chunked), as curl does (its `EXPECT_100_THRESHOLD`, 1 MiB; over HTTP/2 curl adds
    /// none, nor does this client): the body then waits for `100 Continue`, a final
    /// answer, or [`ClientTimeouts::expect_continue`] (see [`Request::expect_continue`]).
    /// Not added when the request has an `Expect` field of its own; `None` never adds it
    /// (curl's `-H 'Expect:'`). A 417 answer is handled as for
    /// [`Request::expect_continue`]: the request goes once more without it. Default
    /// `Some(1024 * 1024)`.
    pub expect_continue_over: Option<u64>,
    /// Keep a cookie store ([`Client::cookie_jar`]), shared by the client's clones: cookies
    /// set by responses (redirects included) are sent back on later requests. Default true.
    pub cookies: bool,
    /// The proxy every request goes through unless it says otherwise
    /// ([`Request::proxy`], [`Request::no_proxy`]) or [`ProxyConfig::no_proxy`] in
    /// [`ClientConfig::proxies`] names its host (curl's `--proxy` beside `no_proxy`).
    /// Default none.
    pub proxy: Option<Proxy>,
    /// Proxies per URL scheme and the hosts reached directly, for requests without a
    /// proxy of their own when [`ClientConfig::proxy`] is unset
    /// ([`ProxyConfig::from_env`] gives curl's environment variables' choice). Default
    /// none.
    pub proxies: ProxyConfig,
    /// Fixed addresses for some `host:port`s, used instead of the resolver (curl's
    /// `--resolve`). Default none.
    pub resolve: Vec<ResolveOverride>,
    /// Look like this browser: a built-in ([`tls::profile::BUILT_IN`],
    /// [`tls::Profile::by_name`]) or a custom [`tls::Profile`] (built from JA3 and Akamai
    /// strings, read from JSON, or written by hand; see [`tls::profile`]), held as a
    /// [`tls::SharedProfile`] (`Some(profile.into())`). Its
    /// ClientHello (ciphers, groups, extensions, ALPN; with [`ClientConfig::alpn_h2`] off,
    /// ALPN `http/1.1` only), its HTTP/2 connection preface and HEADERS
    /// ([`crate::profile::h2_config`], laid over [`ClientConfig::h2`]'s limits and
    /// timeouts), and its default request fields in its order (HTTP/1.1:
    /// [`tls::Profile::http1_headers`], HTTP/2: [`tls::Profile::http2_headers`]). A
    /// request's own field of the same name replaces a default in place; other fields
    /// follow; the profile's `Accept-Encoding` goes out only with [`ClientConfig::decompress`]
    /// (every coding a built-in profile names is decoded). A custom profile's HTTP/2 values
    /// that a connection cannot carry make [`Client::new`] fail with [`Error::Profile`].
    /// Default none.
    ///
    /// ```
    /// use runtime_mio::client::{Client, ClientConfig};
    ///
    /// let chrome = tls::Profile::by_name("chrome").expect("a built-in profile");
    /// let client = Client::new(ClientConfig {
    ///     profile: Some(chrome.into()),
    ///     ..ClientConfig::default()
    /// })
    /// .unwrap();
    /// # drop(client);
    /// ```
    pub profile: Option<tls::SharedProfile>,
    /// Where the TLS secrets of every connection go, one NSS key log line each (what
    /// Wireshark reads): [`KeyLogSink::from_env`] gives `SSLKEYLOGFILE`'s file, as a
    /// command-line tool does (the library itself reads no environment). Anyone with the
    /// lines can decrypt the traffic: for debugging. Default none.
    pub key_log: Option<KeyLogSink>,
}

/// A sink for [`ClientConfig::key_log`]: any [`tls::KeyLog`] (a [`tls::KeyLogFile`], a
/// closure), shared by the client's connections.
#[derive(Clone)]
pub struct KeyLogSink(pub Arc<dyn tls::KeyLog>);

impl KeyLogSink {
    /// A sink handing lines to `log`.
    pub fn new(log: impl tls::KeyLog + 'static) -> KeyLogSink {
        KeyLogSink(Arc::new(log))
    }

    /// The file named by the `SSLKEYLOGFILE` environment variable, appended to (created with
    /// mode `0600`; see [`tls::KeyLogFile::create`]); `None` when it is unset or empty.
    ///
    /// # Errors
    /// The error from opening the file.
    pub fn from_env() -> std::io::Result<Option<KeyLogSink>> {
        Ok(tls::KeyLogFile::from_env()?.map(KeyLogSink::new))
    }
}

impl std::fmt::Debug for KeyLogSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyLogSink").finish_non_exhaustive()
    }
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            timeouts: ClientTimeouts::default(),
            h2_prior_knowledge: false,
            alpn_h2: true,
            verify: true,
            system_roots: true,
            root_pems: Vec::new(),
            body_queue: 256 * 1024,
            h1: proto_h1::ConnConfig::default(),
            h2: proto_h2::conn::Config::client(),
            h2_max_streams: None,
            decompress: true,
            redirects: Redirects::default(),
            expect_continue_over: Some(1024 * 1024),
            cookies: true,
            proxy: None,
            proxies: ProxyConfig::default(),
            resolve: Vec::new(),
            profile: None,
            key_log: None,
        }
    }
}

/// TLS with an `https://` proxy: ALPN `http/1.1` (a `CONNECT` tunnel is HTTP/1.1's), no
/// browser profile (the proxy is not the site the profile is shown to), the client's trust
/// settings and key log, and the proxy's own root.
pub(super) fn proxy_tls_config(
    config: &ClientConfig,
    proxy: &Proxy,
) -> Result<tls::ClientConfig, tls::Error> {
    let mut b = tls::ClientConfig::builder();
    b.alpn(&[b"http/1.1"]);
    if let Some(log) = &config.key_log {
        b.key_log(Arc::clone(&log.0));
    }
    let verify = config.verify && !proxy.insecure();
    b.system_roots(config.system_roots && verify);
    for pem in &config.root_pems {
        b.add_root_pem(pem);
    }
    if let Some(pem) = proxy.root_pem() {
        b.add_root_pem(pem);
    }
    if !verify {
        b.danger_accept_invalid_certs(true).verify_hostname(false);
    }
    b.build()
}

/// Whether the client's TLS configuration trusts the system's roots.
pub(super) fn wants_system_roots(config: &ClientConfig) -> bool {
    config.system_roots && config.verify
}

/// The client's TLS configuration: the profile's ClientHello when there is one; ALPN
/// offers `h2` first when `alpn_h2` (the profile's own list, with a profile), else
/// `http/1.1` alone; the system's roots trusted only when `system_roots`.
pub(super) fn tls_config(
    config: &ClientConfig,
    alpn_h2: bool,
    system_roots: bool,
) -> Result<tls::ClientConfig, Error> {
    let mut b = tls::ClientConfig::builder();
    if let Some(p) = &config.profile {
        b.profile(p.clone());
    }
    match (alpn_h2, &config.profile) {
        // The profile's own ALPN list.
        (true, Some(_)) => {}
        (true, None) => {
            b.alpn(&[b"h2", b"http/1.1"]);
        }
        (false, _) => {
            b.alpn(&[b"http/1.1"]);
        }
    }
    if let Some(log) = &config.key_log {
        b.key_log(Arc::clone(&log.0));
    }
    b.system_roots(system_roots);
    for pem in &config.root_pems {
        b.add_root_pem(pem);
    }
    if !config.verify {
        b.danger_accept_invalid_certs(true).verify_hostname(false);
    }
    b.build().map_err(Error::Tls)
}
