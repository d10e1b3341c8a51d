//! Proxies: [`Proxy`] (HTTP CONNECT, HTTPS CONNECT, SOCKS5, SOCKS5h, with credentials from
//! the proxy URL), the handshakes that turn a TCP connection to the proxy into a tunnel to the
//! target, run blocking on the caller's thread before the socket goes to the loop, and which
//! proxy a URL takes ([`ProxyConfig`]: per scheme, `no_proxy`, from the environment as curl
//! reads it).
//!
//! - HTTP: `CONNECT host:port HTTP/1.1` (RFC 9110 9.3.6) with `Proxy-Authorization: Basic`
//!   when the URL has credentials; any 2xx opens the tunnel. Used for `https://` targets
//!   (TLS runs inside the tunnel) *and* for `http://` targets: this client does not send
//!   absolute-form requests to a proxy (curl's default for `http://`); it tunnels always,
//!   like `curl --proxytunnel`, so that HTTP/2 (prior knowledge), keep-alive and the
//!   caller's exact header fields reach the origin unchanged.
//! - HTTPS: the same `CONNECT`, inside TLS with the proxy itself (ALPN `http/1.1`, the name
//!   in the proxy URL verified against the client's roots and the proxy's own
//!   [`Proxy::with_root_pem`]). The tunnel then runs inside that TLS session: an `https://`
//!   origin's TLS (and its ALPN `h2`) goes inside it, TLS in TLS.
//! - SOCKS5 (RFC 1928) with no authentication or username/password (RFC 1929). `socks5://`:
//!   the client resolves the target and sends an address (each resolved address in turn,
//!   one proxy connection each, while the proxy says it cannot reach it); `socks5h://`: the
//!   client sends the host name and the proxy resolves it.

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{IpAddr, TcpStream};
use std::sync::Arc;
use std::time::Instant;

use super::error::{Error, TimeoutKind};
use super::url::percent_decode;

/// A proxy's protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProxyKind {
    /// An HTTP proxy, through a `CONNECT` tunnel.
    Http,
    /// An HTTP proxy spoken to over TLS (`https://proxy`), through a `CONNECT` tunnel.
    Https,
    /// SOCKS5; the client resolves the target's name and sends an address.
    Socks5,
    /// SOCKS5; the proxy resolves the target's name (the client sends the name).
    Socks5h,
}

impl ProxyKind {
    /// The URL scheme: `http`, `https`, `socks5`, `socks5h`.
    #[must_use]
    pub fn scheme(self) -> &'static str {
        match self {
            ProxyKind::Http => "http",
            ProxyKind::Https => "https",
            ProxyKind::Socks5 => "socks5",
            ProxyKind::Socks5h => "socks5h",
        }
    }
}

/// A proxy to connect through: [`ClientConfig::proxy`](super::ClientConfig::proxy) for
/// every request, [`Request::proxy`](super::Request::proxy) for one. Connections through
/// different proxies (or credentials) are pooled apart.
///
/// ```
/// use runtime_mio::client::{Proxy, ProxyKind};
/// let p = Proxy::parse("http://me:s%40cret@proxy.example:3128").unwrap();
/// assert_eq!(p.kind(), ProxyKind::Http);
/// assert_eq!((p.host(), p.port()), ("proxy.example", 3128));
/// assert_eq!(p.username(), Some("me"));
/// // Neither `Display` nor `Debug` shows the password.
/// assert_eq!(p.to_string(), "http://me@proxy.example:3128");
/// assert!(!format!("{p:?}").contains("cret"));
/// assert_eq!(Proxy::parse("socks5h://[::1]").unwrap().port(), 1080);
/// assert_eq!(Proxy::parse("localhost:8080").unwrap().kind(), ProxyKind::Http);
/// assert_eq!(Proxy::parse("https://proxy.example").unwrap().port(), 443);
/// assert!(Proxy::parse("ftp://x").is_err());
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Proxy {
    kind: ProxyKind,
    host: String,
    port: u16,
    auth: Option<(String, String)>,
    /// `https://` proxies: a root certificate (PEM) trusted for this proxy only.
    root_pem: Option<Arc<Vec<u8>>>,
    /// `https://` proxies: the proxy's certificate is not verified.
    insecure: bool,
}

impl Proxy {
    /// Parses `[scheme://][user[:password]@]host[:port]` like curl's `--proxy`: the scheme
    /// `http` (the default), `https`, `socks5` or `socks5h`; the port 1080 when none is given
    /// (443 for `https`, as curl); user and password percent-decoded. Anything after the
    /// authority is ignored.
    ///
    /// # Errors
    /// [`Error::InvalidUrl`].
    pub fn parse(url: &str) -> Result<Proxy, Error> {
        let bad = || Error::InvalidUrl(format!("proxy {}", redact(url)));
        let (kind, rest) = match url.split_once("://") {
            None => (ProxyKind::Http, url),
            Some((s, rest)) => {
                let kind = [
                    ProxyKind::Http,
                    ProxyKind::Https,
                    ProxyKind::Socks5,
                    ProxyKind::Socks5h,
                ]
                .into_iter()
                .find(|k| k.scheme().eq_ignore_ascii_case(s))
                .ok_or_else(bad)?;
                (kind, rest)
            }
        };
        let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
        let (auth, hostport) = match authority.rsplit_once('@') {
            Some((userinfo, hostport)) => {
                let (user, pass) = userinfo.split_once(':').unwrap_or((userinfo, ""));
                let user = percent_decode(user).ok_or_else(bad)?;
                let pass = percent_decode(pass).ok_or_else(bad)?;
                (Some((user, pass)), hostport)
            }
            None => (None, authority),
        };
        let (host, port) = super::url::split_host_port(hostport).ok_or_else(bad)?;
        let port = match port {
            None | Some("") if kind == ProxyKind::Https => 443,
            None | Some("") => 1080,
            Some(p) => p.parse().map_err(|_| bad())?,
        };
        Ok(Proxy {
            kind,
            host: host.to_ascii_lowercase(),
            port,
            auth,
            root_pem: None,
            insecure: false,
        })
    }

    /// The protocol.
    #[must_use]
    pub fn kind(&self) -> ProxyKind {
        self.kind
    }

    /// The proxy's host name or address (IPv6 without brackets).
    #[must_use]
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The proxy's port.
    #[must_use]
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The user name sent to the proxy, if any.
    #[must_use]
    pub fn username(&self) -> Option<&str> {
        self.auth.as_ref().map(|(u, _)| u.as_str())
    }

    /// The same proxy with these credentials (HTTP Basic; SOCKS5 username/password).
    #[must_use]
    pub fn with_auth(mut self, user: &str, password: &str) -> Proxy {
        self.auth = Some((user.to_owned(), password.to_owned()));
        self
    }

    /// An `https://` proxy: trust this root certificate (PEM) for the proxy's certificate,
    /// besides the client's roots ([`ClientConfig::root_pems`](super::ClientConfig::root_pems)
    /// and the system's). curl's `--proxy-cacert`. A PEM that does not parse fails the
    /// connection with [`Error::Tls`].
    #[must_use]
    pub fn with_root_pem(mut self, pem: &[u8]) -> Proxy {
        self.root_pem = Some(Arc::new(pem.to_vec()));
        self
    }

    /// An `https://` proxy: accept any certificate from the proxy (curl's
    /// `--proxy-insecure`). Also the case when the client does not verify
    /// ([`ClientConfig::verify`](super::ClientConfig::verify) off). Anyone in the middle can
    /// read and change the traffic to the proxy: for tests.
    #[must_use]
    pub fn danger_accept_invalid_certs(mut self) -> Proxy {
        self.insecure = true;
        self
    }

    /// The root certificate trusted for this proxy alone ([`Proxy::with_root_pem`]).
    pub(crate) fn root_pem(&self) -> Option<&[u8]> {
        self.root_pem.as_deref().map(Vec::as_slice)
    }

    /// Whether the proxy's certificate goes unchecked ([`Proxy::danger_accept_invalid_certs`]).
    pub(crate) fn insecure(&self) -> bool {
        self.insecure
    }
}

impl fmt::Display for Proxy {
    /// `scheme://[user@]host:port`, never the password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://", self.kind.scheme())?;
        if let Some(u) = self.username() {
            write!(f, "{u}@")?;
        }
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

impl fmt::Debug for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Proxy").field(&self.to_string()).finish()
    }
}

/// A proxy URL for an error message: the password hidden.
fn redact(url: &str) -> String {
    let (scheme, rest) = match url.split_once("://") {
        Some((s, r)) => (format!("{s}://"), r),
        None => (String::new(), url),
    };
    match rest.rsplit_once('@') {
        Some((userinfo, after)) => {
            let user = userinfo.split_once(':').map_or(userinfo, |(u, _)| u);
            format!("{scheme}{user}:***@{after}")
        }
        None => url.to_owned(),
    }
}

/// Which step of going through a proxy failed ([`Error::Proxy`]).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum ProxyFailure {
    /// The proxy's host name did not resolve.
    Resolve(Arc<io::Error>),
    /// No address of the proxy accepted a connection; the last one's error.
    Connect {
        /// The proxy address tried last.
        addr: std::net::SocketAddr,
        /// Its error.
        source: Arc<io::Error>,
    },
    /// The proxy wants credentials and none were given: HTTP 407 (or 401) to a `CONNECT` without
    /// `Proxy-Authorization`, or a SOCKS5 server that accepts none of the offered methods.
    AuthRequired,
    /// The proxy refused the credentials: HTTP 407 (or 401, as tinyproxy answers) to a
    /// `CONNECT` that carried them, or a
    /// SOCKS5 username/password status other than 0 (RFC 1929).
    AuthRefused,
    /// The `CONNECT` was answered with this status (neither 2xx nor 407): 403 the proxy does
    /// not allow the target, 502, 503, 504 it could not reach it, and so on.
    HttpStatus(u16),
    /// The SOCKS5 reply code (RFC 1928 6) was not 0 (succeeded): 1 general failure, 2 not
    /// allowed by the ruleset, 3 network unreachable, 4 host unreachable, 5 connection
    /// refused, 6 TTL expired, 7 command not supported, 8 address type not supported.
    SocksReply(u8),
    /// The proxy's answer broke its protocol, or it closed the connection mid-handshake.
    Protocol(&'static str),
    /// Writing or reading the handshake failed.
    Io(Arc<io::Error>),
    /// TLS with an `https://` proxy failed (its certificate, its handshake, its records).
    Tls(tls::Error),
}

impl ProxyFailure {
    /// Whether the proxy said it could not reach the target (SOCKS5 replies 3, 4, 5, 6;
    /// HTTP 502, 503, 504): the target, not the proxy, is at fault.
    #[must_use]
    pub fn target_unreachable(&self) -> bool {
        matches!(
            self,
            ProxyFailure::SocksReply(3..=6) | ProxyFailure::HttpStatus(502..=504)
        )
    }
}

impl fmt::Display for ProxyFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProxyFailure::Resolve(e) => write!(f, "cannot resolve the proxy: {e}"),
            ProxyFailure::Connect { addr, source } => {
                write!(f, "cannot connect to the proxy at {addr}: {source}")
            }
            ProxyFailure::AuthRequired => f.write_str("the proxy requires authentication"),
            ProxyFailure::AuthRefused => f.write_str("the proxy refused the credentials"),
            ProxyFailure::HttpStatus(s) => write!(f, "the proxy answered CONNECT with {s}"),
            ProxyFailure::SocksReply(c) => {
                let what = match c {
                    1 => "general failure",
                    2 => "not allowed by the ruleset",
                    3 => "network unreachable",
                    4 => "host unreachable",
                    5 => "connection refused",
                    6 => "TTL expired",
                    7 => "command not supported",
                    8 => "address type not supported",
                    _ => "unknown code",
                };
                write!(f, "the SOCKS5 proxy replied {c} ({what})")
            }
            ProxyFailure::Protocol(what) => write!(f, "the proxy broke its protocol: {what}"),
            ProxyFailure::Io(e) => write!(f, "proxy handshake: {e}"),
            ProxyFailure::Tls(e) => write!(f, "TLS with the proxy: {e}"),
        }
    }
}

/// The target of a tunnel: a name (the proxy resolves it) or an address.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Target<'a> {
    Name(&'a str),
    Addr(IpAddr),
}

/// Blocking handshake I/O bounded by a deadline.
struct Wire<'a> {
    s: &'a mut TcpStream,
    deadline: Option<(Instant, TimeoutKind)>,
}

/// How a handshake step failed: the proxy, or a timeout.
pub(crate) enum Fail {
    Proxy(ProxyFailure),
    Timeout(TimeoutKind),
}

impl From<ProxyFailure> for Fail {
    fn from(p: ProxyFailure) -> Self {
        Fail::Proxy(p)
    }
}

/// The handshake's bytes to and from the proxy: on the socket, or inside TLS with it.
trait Io {
    fn write_all(&mut self, buf: &[u8]) -> Result<(), Fail>;
    fn read_exact(&mut self, buf: &mut [u8]) -> Result<(), Fail>;
}

impl Wire<'_> {
    fn arm(&mut self) -> Result<(), Fail> {
        let left = match self.deadline {
            None => None,
            Some((d, kind)) => {
                let left = d.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Err(Fail::Timeout(kind));
                }
                Some(left)
            }
        };
        let io = |e| Fail::Proxy(ProxyFailure::Io(Arc::new(e)));
        self.s.set_read_timeout(left).map_err(io)?;
        self.s.set_write_timeout(left).map_err(io)
    }

    fn fail(&self, e: io::Error) -> Fail {
        match (e.kind(), self.deadline) {
            (io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut, Some((_, kind))) => {
                Fail::Timeout(kind)
            }
            (io::ErrorKind::UnexpectedEof, _) => closed_mid_handshake(),
            _ => Fail::Proxy(ProxyFailure::Io(Arc::new(e))),
        }
    }

    /// Reads what the socket has (at least one byte; 0 at its end).
    fn read_some(&mut self, buf: &mut [u8]) -> Result<usize, Fail> {
        loop {
            self.arm()?;
            match self.s.read(buf) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                r => return r.map_err(|e| self.fail(e)),
            }
        }
    }
}

fn closed_mid_handshake() -> Fail {
    Fail::Proxy(ProxyFailure::Protocol(
        "the proxy closed the connection mid-handshake",
    ))
}

impl Io for Wire<'_> {
    fn write_all(&mut self, buf: &[u8]) -> Result<(), Fail> {
        self.arm()?;
        self.s.write_all(buf).map_err(|e| self.fail(e))
    }

    fn read_exact(&mut self, buf: &mut [u8]) -> Result<(), Fail> {
        self.arm()?;
        self.s.read_exact(buf).map_err(|e| self.fail(e))
    }
}

/// The handshake inside TLS with an `https://` proxy, blocking on the socket.
struct TlsWire<'a, 'b> {
    w: &'a mut Wire<'b>,
    tls: tls::ClientSession,
    out: Vec<u8>,
}

fn tls_fail(e: tls::Error) -> Fail {
    Fail::Proxy(ProxyFailure::Tls(e))
}

impl TlsWire<'_, '_> {
    /// Sends the ciphertext TLS made.
    fn flush(&mut self) -> Result<(), Fail> {
        self.out.clear();
        self.tls.poll_transmit(&mut self.out);
        if self.out.is_empty() {
            return Ok(());
        }
        let out = std::mem::take(&mut self.out);
        let sent = self.w.write_all(&out);
        self.out = out;
        sent
    }

    /// Feeds TLS what the socket has.
    fn fill(&mut self) -> Result<(), Fail> {
        let mut buf = [0u8; 16 * 1024];
        let n = self.w.read_some(&mut buf)?;
        if n == 0 {
            return Err(closed_mid_handshake());
        }
        let mut taken = 0;
        while taken < n {
            // The session buffers up to 1 MiB; a handshake is far smaller.
            match self.tls.recv(&buf[taken..n]).map_err(tls_fail)? {
                0 => return Err(ProxyFailure::Protocol("TLS records over 1 MiB").into()),
                k => taken += k,
            }
        }
        Ok(())
    }

    fn handshake(&mut self) -> Result<(), Fail> {
        loop {
            let status = self.tls.handshake().map_err(tls_fail)?;
            self.flush()?;
            if status == tls::HandshakeStatus::Complete {
                return Ok(());
            }
            self.fill()?;
        }
    }
}

impl Io for TlsWire<'_, '_> {
    fn write_all(&mut self, mut buf: &[u8]) -> Result<(), Fail> {
        while !buf.is_empty() {
            let n = self.tls.write(buf).map_err(tls_fail)?;
            buf = &buf[n..];
            self.flush()?;
        }
        Ok(())
    }

    fn read_exact(&mut self, buf: &mut [u8]) -> Result<(), Fail> {
        let mut filled = 0;
        while filled < buf.len() {
            match self.tls.read(&mut buf[filled..]).map_err(tls_fail)? {
                tls::Plaintext::Data(n) => filled += n,
                tls::Plaintext::Closed => return Err(closed_mid_handshake()),
                _ => {
                    // Post-handshake messages may want an answer (a key update).
                    self.flush()?;
                    self.fill()?;
                }
            }
        }
        Ok(())
    }
}

/// Turns `stream` (connected to `proxy`) into a tunnel to `target`:`port`. For an `https://`
/// proxy the tunnel runs inside TLS with the proxy (made from `tls`): that session comes
/// back, holding any tunnel bytes that came with the proxy's answer.
pub(crate) fn handshake(
    stream: &mut TcpStream,
    proxy: &Proxy,
    tls: Option<&tls::ClientConfig>,
    target: Target<'_>,
    port: u16,
    deadline: Option<(Instant, TimeoutKind)>,
) -> Result<Option<tls::ClientSession>, Fail> {
    let mut w = Wire {
        s: stream,
        deadline,
    };
    w.s.set_nonblocking(false)
        .map_err(|e| ProxyFailure::Io(Arc::new(e)))?;
    let session = match proxy.kind {
        ProxyKind::Http => http_connect(&mut w, proxy, target, port).map(|()| None),
        ProxyKind::Https => {
            let config = tls.ok_or(ProxyFailure::Protocol("no TLS configuration for the proxy"))?;
            let session = tls::ClientSession::new(config, &proxy.host).map_err(tls_fail)?;
            let mut t = TlsWire {
                w: &mut w,
                tls: session,
                out: Vec::new(),
            };
            t.handshake()?;
            http_connect(&mut t, proxy, target, port)?;
            Ok(Some(t.tls))
        }
        ProxyKind::Socks5 | ProxyKind::Socks5h => {
            socks5(&mut w, proxy, target, port).map(|()| None)
        }
    }?;
    w.s.set_read_timeout(None)
        .and_then(|()| w.s.set_write_timeout(None))
        .map_err(|e| Fail::Proxy(ProxyFailure::Io(Arc::new(e))))?;
    Ok(session)
}

fn http_connect(w: &mut impl Io, proxy: &Proxy, target: Target<'_>, port: u16) -> Result<(), Fail> {
    let authority = match target {
        Target::Name(n) if n.contains(':') => format!("[{n}]:{port}"),
        Target::Name(n) => format!("{n}:{port}"),
        Target::Addr(a @ IpAddr::V4(_)) => format!("{a}:{port}"),
        Target::Addr(a @ IpAddr::V6(_)) => format!("[{a}]:{port}"),
    };
    let mut req = format!("CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n");
    if let Some((user, pass)) = &proxy.auth {
        req.push_str("Proxy-Authorization: Basic ");
        req.push_str(&base64(format!("{user}:{pass}").as_bytes()));
        req.push_str("\r\n");
    }
    req.push_str("\r\n");
    w.write_all(req.as_bytes())?;
    // The head is read a byte at a time: what follows it belongs to the tunnel (an HTTP/2
    // server's SETTINGS may come in the same segment) and must stay in the socket.
    let mut head = Vec::with_capacity(256);
    let mut byte = [0u8];
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() >= 16 * 1024 {
            return Err(ProxyFailure::Protocol("a CONNECT response head over 16 KiB").into());
        }
        w.read_exact(&mut byte)?;
        head.push(byte[0]);
    }
    // The head is parsed as any response head, by proto-h1's strict parser.
    let mut slots = [proto_h1::EMPTY_HEADER; 64];
    let mut answer = proto_h1::Response::new(&mut slots);
    let code = match answer.parse(&head) {
        Ok(proto_h1::Status::Complete(_)) => answer.code,
        _ => return Err(ProxyFailure::Protocol("not an HTTP/1.x answer to CONNECT").into()),
    };
    match code {
        200..=299 => Ok(()),
        // tinyproxy answers 401 (not 407) to wrong credentials; before a tunnel exists
        // either can only be the proxy's.
        401 | 407 if proxy.auth.is_some() => Err(ProxyFailure::AuthRefused.into()),
        401 | 407 => Err(ProxyFailure::AuthRequired.into()),
        c => Err(ProxyFailure::HttpStatus(c).into()),
    }
}

fn socks5(w: &mut impl Io, proxy: &Proxy, target: Target<'_>, port: u16) -> Result<(), Fail> {
    // Greeting: no authentication, and username/password when we have them.
    if proxy.auth.is_some() {
        w.write_all(&[5, 2, 0x00, 0x02])?;
    } else {
        w.write_all(&[5, 1, 0x00])?;
    }
    let mut choice = [0u8; 2];
    w.read_exact(&mut choice)?;
    if choice[0] != 5 {
        return Err(ProxyFailure::Protocol("not a SOCKS5 server").into());
    }
    match (choice[1], &proxy.auth) {
        (0x00, _) => {}
        (0x02, Some((user, pass))) => {
            let (u, p) = (user.as_bytes(), pass.as_bytes());
            let (Ok(ul), Ok(pl)) = (u8::try_from(u.len()), u8::try_from(p.len())) else {
                return Err(
                    ProxyFailure::Protocol("a SOCKS5 user or password over 255 bytes").into(),
                );
            };
            let mut msg = Vec::with_capacity(3 + u.len() + p.len());
            msg.push(1);
            msg.push(ul);
            msg.extend_from_slice(u);
            msg.push(pl);
            msg.extend_from_slice(p);
            w.write_all(&msg)?;
            let mut status = [0u8; 2];
            w.read_exact(&mut status)?;
            if status[1] != 0 {
                return Err(ProxyFailure::AuthRefused.into());
            }
        }
        (0xff, _) => return Err(ProxyFailure::AuthRequired.into()),
        _ => {
            return Err(
                ProxyFailure::Protocol("the SOCKS5 server chose a method not offered").into(),
            );
        }
    }
    let mut req = vec![5, 1, 0];
    match target {
        Target::Addr(IpAddr::V4(a)) => {
            req.push(1);
            req.extend_from_slice(&a.octets());
        }
        Target::Addr(IpAddr::V6(a)) => {
            req.push(4);
            req.extend_from_slice(&a.octets());
        }
        Target::Name(n) => {
            let Ok(len) = u8::try_from(n.len()) else {
                return Err(ProxyFailure::Protocol("a host name over 255 bytes for SOCKS5").into());
            };
            req.push(3);
            req.push(len);
            req.extend_from_slice(n.as_bytes());
        }
    }
    req.extend_from_slice(&port.to_be_bytes());
    w.write_all(&req)?;
    let mut reply = [0u8; 4];
    w.read_exact(&mut reply)?;
    if reply[0] != 5 {
        return Err(ProxyFailure::Protocol("not a SOCKS5 reply").into());
    }
    if reply[1] != 0 {
        return Err(ProxyFailure::SocksReply(reply[1]).into());
    }
    // The bound address, which we do not use, then the port.
    let rest = match reply[3] {
        1 => 4 + 2,
        4 => 16 + 2,
        3 => {
            let mut len = [0u8];
            w.read_exact(&mut len)?;
            usize::from(len[0]) + 2
        }
        _ => {
            return Err(
                ProxyFailure::Protocol("a SOCKS5 reply with an unknown address type").into(),
            );
        }
    };
    let mut skip = vec![0u8; rest];
    w.read_exact(&mut skip)
}

/// Standard base64 with padding (RFC 4648 4), for `Proxy-Authorization: Basic`.
fn base64(input: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for c in input.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= c.len() {
                out.push(char::from(A[(n >> (18 - 6 * i)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The error a failed step becomes.
pub(crate) fn error(proxy: &Proxy, fail: Fail) -> Error {
    match fail {
        Fail::Timeout(kind) => Error::Timeout(kind),
        Fail::Proxy(failure) => Error::Proxy {
            proxy: proxy.to_string(),
            failure,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_rfc4648_vectors() {
        for (i, o) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(i.as_bytes()), o);
        }
    }

    /// A proxy's side of a handshake in memory: its answer, and what it was sent.
    struct Scripted {
        answer: &'static [u8],
        at: usize,
        sent: Vec<u8>,
    }

    impl Io for Scripted {
        fn write_all(&mut self, buf: &[u8]) -> Result<(), Fail> {
            self.sent.extend_from_slice(buf);
            Ok(())
        }

        fn read_exact(&mut self, buf: &mut [u8]) -> Result<(), Fail> {
            let end = self.at + buf.len();
            let Some(bytes) = self.answer.get(self.at..end) else {
                return Err(closed_mid_handshake());
            };
            buf.copy_from_slice(bytes);
            self.at = end;
            Ok(())
        }
    }

    /// What `http_connect` makes of `answer`; the answer's bytes after its head stay unread.
    fn connect_answer(answer: &'static [u8]) -> Result<(), String> {
        let proxy = Proxy::parse("http://127.0.0.1:3128").unwrap();
        let mut w = Scripted {
            answer,
            at: 0,
            sent: Vec::new(),
        };
        let r = http_connect(&mut w, &proxy, Target::Name("example.com"), 443);
        assert_eq!(
            w.sent,
            b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"
        );
        match r {
            Ok(()) => {
                assert_eq!(&answer[w.at..], b"tunnel", "{answer:?}");
                Ok(())
            }
            Err(Fail::Proxy(f)) => Err(f.to_string()),
            Err(Fail::Timeout(k)) => Err(format!("timeout {k:?}")),
        }
    }

    #[test]
    fn connect_answers_are_parsed_strictly() {
        assert_eq!(
            connect_answer(b"HTTP/1.1 200 Connection established\r\n\r\ntunnel"),
            Ok(())
        );
        assert_eq!(
            connect_answer(b"HTTP/1.0 200 OK\r\nVia: x\r\n\r\ntunnel"),
            Ok(())
        );
        assert_eq!(connect_answer(b"HTTP/1.1 204 \r\n\r\ntunnel"), Ok(()));
        let refused = connect_answer(b"HTTP/1.1 403 Forbidden\r\n\r\n").unwrap_err();
        assert!(refused.contains("403"), "{refused}");
        // A sign, a short code, a bad field, a bare LF inside the head, another protocol.
        for bad in [
            &b"HTTP/1.1 +200 OK\r\n\r\n"[..],
            b"HTTP/1.1 20 OK\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nBad Field: x\r\n\r\n",
            b"HTTP/1.1 200 OK\nX: y\r\n\r\n",
            b"HTTP/2.0 200 OK\r\n\r\n",
            b"SSH-2.0-OpenSSH\r\n\r\n",
        ] {
            let e = connect_answer(bad).unwrap_err();
            assert!(e.contains("not an HTTP/1.x answer"), "{bad:?}: {e}");
        }
    }

    #[test]
    fn parses_proxy_urls() {
        let p = Proxy::parse("socks5://u:p%3Aw@127.0.0.1:9").unwrap();
        assert_eq!(p.kind(), ProxyKind::Socks5);
        assert_eq!(p.auth, Some(("u".into(), "p:w".into())));
        assert_eq!(p.port(), 9);
        let p = Proxy::parse("SOCKS5H://[::1]:7/").unwrap();
        assert_eq!(
            (p.kind(), p.host(), p.port()),
            (ProxyKind::Socks5h, "::1", 7)
        );
        for bad in [
            "http://",
            "http://h:x",
            "gopher://h",
            "http://u:%zz@h",
            "http://[::1",
        ] {
            assert!(Proxy::parse(bad).is_err(), "{bad}");
        }
        match Proxy::parse("http://u:secret@h:x") {
            Err(Error::InvalidUrl(m)) => assert!(!m.contains("secret"), "{m}"),
            other => panic!("{other:?}"),
        }
    }
}
