//! Opening handshake helpers (RFC 6455 section 4, RFC 8441 for HTTP/2), for both roles.
//!
//! Headers come in as any iterator of `(name, value)` byte pairs, so the heads of any HTTP
//! parser plug in without this crate depending on it. Names compare case-insensitively; the
//! `Upgrade` and `Connection` tokens too.

use crate::deflate::{EXTENSION_NAME, extension_name, split_extensions};
use crate::{Config, DeflateConfig, DeflateParams};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use core::fmt;
use sha1::{Digest, Sha1};

/// The GUID of RFC 6455 section 1.3, appended to the key before hashing.
pub const GUID: &[u8] = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// A `Sec-WebSocket-Accept` value: base64(SHA-1(key + GUID)).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct AcceptKey([u8; 28]);

impl AcceptKey {
    /// The value as text.
    pub fn as_str(&self) -> &str {
        core::str::from_utf8(&self.0).unwrap_or("")
    }
}

impl fmt::Debug for AcceptKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AcceptKey({})", self.as_str())
    }
}

/// Computes the `Sec-WebSocket-Accept` value for a `Sec-WebSocket-Key` value.
///
/// ```
/// // RFC 6455 section 1.3.
/// let a = proto_ws::accept_key(b"dGhlIHNhbXBsZSBub25jZQ==");
/// assert_eq!(a.as_str(), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
/// ```
pub fn accept_key(key: &[u8]) -> AcceptKey {
    let mut h = Sha1::new();
    h.update(key);
    h.update(GUID);
    let digest = h.finalize();
    let mut out = [0u8; 28];
    // 20 bytes encode to exactly 28 base64 characters.
    let _ = STANDARD.encode_slice(digest, &mut out);
    AcceptKey(out)
}

/// A client's `Sec-WebSocket-Key`: base64 of a 16-byte nonce.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientKey([u8; 24]);

impl ClientKey {
    /// The key for a nonce: 16 bytes from a cryptographic source (RFC 6455 section 4.1: "randomly
    /// selected"; see [`ClientHandshake::new`]).
    pub fn from_nonce(nonce: [u8; 16]) -> ClientKey {
        let mut out = [0u8; 24];
        let _ = STANDARD.encode_slice(nonce, &mut out);
        ClientKey(out)
    }

    /// The key as text.
    pub fn as_str(&self) -> &str {
        core::str::from_utf8(&self.0).unwrap_or("")
    }

    /// The `Sec-WebSocket-Accept` the server must answer with.
    pub fn expected_accept(&self) -> AcceptKey {
        accept_key(&self.0)
    }
}

impl fmt::Debug for ClientKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ClientKey({})", self.as_str())
    }
}

/// Why a handshake failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum HandshakeError {
    /// Server: the method is not GET (HTTP/1.1) or CONNECT (HTTP/2).
    Method,
    /// Server: no `Host` header.
    MissingHost,
    /// Server: no `websocket` token in `Upgrade` (HTTP/1.1), or `:protocol` is not `websocket`
    /// (HTTP/2). Client: the response lacks it.
    NotWebSocket,
    /// No `upgrade` token in `Connection`.
    NoConnectionUpgrade,
    /// Server: `Sec-WebSocket-Version` is not 13 (answer 426 with `Sec-WebSocket-Version: 13`).
    UnsupportedVersion,
    /// Server: `Sec-WebSocket-Key` missing, repeated, or not 16 bytes of base64.
    BadKey,
    /// Client: the status is not 101 (HTTP/1.1) or 2xx (HTTP/2).
    Status(u16),
    /// Client: `Sec-WebSocket-Accept` missing or wrong.
    BadAccept,
    /// Client: the server chose a subprotocol we did not offer, or several.
    BadProtocol,
    /// Client: the server answered with an extension we did not offer or bad parameters.
    BadExtension,
}

impl HandshakeError {
    /// The HTTP status a server answers with: 426 for an unsupported version, 405 for a wrong
    /// method, 400 otherwise. (Client-side errors: fail the connection; no status is sent.)
    pub const fn status(&self) -> u16 {
        match self {
            HandshakeError::UnsupportedVersion => 426,
            HandshakeError::Method => 405,
            _ => 400,
        }
    }

    /// Appends a complete HTTP/1.1 rejection response for a server.
    pub fn write_response(&self, out: &mut Vec<u8>) {
        let (status, reason) = match self.status() {
            426 => (426, "Upgrade Required"),
            405 => (405, "Method Not Allowed"),
            _ => (400, "Bad Request"),
        };
        out.extend_from_slice(format!("HTTP/1.1 {status} {reason}\r\n").as_bytes());
        if status == 426 {
            out.extend_from_slice(b"Sec-WebSocket-Version: 13\r\n");
        }
        out.extend_from_slice(b"Content-Length: 0\r\nConnection: close\r\n\r\n");
    }
}

impl fmt::Display for HandshakeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HandshakeError::Method => f.write_str("wrong method"),
            HandshakeError::MissingHost => f.write_str("missing Host"),
            HandshakeError::NotWebSocket => f.write_str("not a websocket upgrade"),
            HandshakeError::NoConnectionUpgrade => f.write_str("Connection lacks upgrade"),
            HandshakeError::UnsupportedVersion => f.write_str("Sec-WebSocket-Version is not 13"),
            HandshakeError::BadKey => f.write_str("bad Sec-WebSocket-Key"),
            HandshakeError::Status(s) => write!(f, "unexpected status {s}"),
            HandshakeError::BadAccept => f.write_str("bad Sec-WebSocket-Accept"),
            HandshakeError::BadProtocol => f.write_str("unexpected subprotocol"),
            HandshakeError::BadExtension => f.write_str("unexpected extension"),
        }
    }
}

impl std::error::Error for HandshakeError {}

fn trim(b: &[u8]) -> &[u8] {
    let s = b
        .iter()
        .position(|c| !matches!(c, b' ' | b'\t'))
        .unwrap_or(b.len());
    let e = b
        .iter()
        .rposition(|c| !matches!(c, b' ' | b'\t'))
        .map_or(s, |e| e + 1);
    &b[s..e.max(s)]
}

fn has_token(value: &[u8], token: &[u8]) -> bool {
    value
        .split(|&c| c == b',')
        .any(|t| trim(t).eq_ignore_ascii_case(token))
}

/// Whether `b` is a token (RFC 9110 section 5.6.2): one or more `tchar`.
fn is_token(b: &[u8]) -> bool {
    !b.is_empty()
        && b.iter()
            .all(|&c| c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&c))
}

fn tokens(value: &[u8]) -> impl Iterator<Item = &[u8]> {
    value
        .split(|&c| c == b',')
        .map(trim)
        .filter(|t| !t.is_empty())
}

/// What a server accepts and prefers.
#[derive(Clone, Debug, Default)]
pub struct ServerOptions<'a> {
    /// Subprotocols we speak, most preferred first.
    pub protocols: &'a [&'a str],
    /// permessage-deflate, if we accept it.
    pub deflate: Option<DeflateConfig>,
}

/// A request the server accepts, and what was negotiated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Accepted<'a> {
    /// The `Sec-WebSocket-Accept` value (HTTP/1.1 only; RFC 8441 has none).
    pub accept: Option<AcceptKey>,
    /// The chosen subprotocol.
    pub protocol: Option<&'a str>,
    /// The negotiated permessage-deflate parameters.
    pub deflate: Option<DeflateParams>,
}

impl Accepted<'_> {
    /// The connection configuration (default limits, the negotiated extension).
    pub fn config(&self) -> Config {
        Config::default().deflate(self.deflate)
    }

    /// The response headers besides the status line: `Upgrade`/`Connection`/
    /// `Sec-WebSocket-Accept` for HTTP/1.1, then `Sec-WebSocket-Protocol` and
    /// `Sec-WebSocket-Extensions` when negotiated.
    pub fn headers(&self) -> Vec<(&'static str, String)> {
        let mut h = Vec::new();
        if let Some(a) = &self.accept {
            h.push(("Upgrade", "websocket".to_string()));
            h.push(("Connection", "Upgrade".to_string()));
            h.push(("Sec-WebSocket-Accept", a.as_str().to_string()));
        }
        if let Some(p) = self.protocol {
            h.push(("Sec-WebSocket-Protocol", p.to_string()));
        }
        if let Some(d) = &self.deflate {
            h.push(("Sec-WebSocket-Extensions", d.response_header()));
        }
        h
    }

    /// The response headers of an RFC 8441 extended CONNECT (status 200) with lower-case
    /// names, as HTTP/2 requires (RFC 9113 section 8.2.1: a field name with an upper-case
    /// letter makes the message malformed): `sec-websocket-protocol` and
    /// `sec-websocket-extensions` when negotiated. The same fields as
    /// [`headers`](Self::headers), in the same order.
    pub fn h2_headers(&self) -> Vec<(&'static str, String)> {
        self.headers()
            .into_iter()
            .map(|(n, v)| (h2_name(n), v))
            .collect()
    }

    /// Appends the complete HTTP/1.1 `101 Switching Protocols` response.
    pub fn write_response(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"HTTP/1.1 101 Switching Protocols\r\n");
        for (n, v) in self.headers() {
            out.extend_from_slice(n.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(v.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"\r\n");
    }
}

/// The lower-case form of one of the header names this module writes.
fn h2_name(name: &'static str) -> &'static str {
    match name {
        "Upgrade" => "upgrade",
        "Connection" => "connection",
        "Sec-WebSocket-Accept" => "sec-websocket-accept",
        "Sec-WebSocket-Protocol" => "sec-websocket-protocol",
        "Sec-WebSocket-Extensions" => "sec-websocket-extensions",
        "Sec-WebSocket-Version" => "sec-websocket-version",
        "Sec-WebSocket-Key" => "sec-websocket-key",
        other => other,
    }
}

/// Scans the request headers common to both HTTP versions.
fn negotiate<'a, 'h>(
    options: &ServerOptions<'a>,
    headers: impl IntoIterator<Item = (&'h [u8], &'h [u8])>,
    h1: bool,
) -> Result<Accepted<'a>, HandshakeError> {
    let (mut host, mut upgrade, mut connection, mut version) = (false, false, false, false);
    let mut key: Option<&[u8]> = None;
    let mut key_count = 0;
    let mut offered: Vec<&[u8]> = Vec::new();
    let mut extensions: Vec<&[u8]> = Vec::new();
    for (name, value) in headers {
        let value = trim(value);
        if name.eq_ignore_ascii_case(b"host") {
            host = true;
        } else if name.eq_ignore_ascii_case(b"upgrade") {
            upgrade |= has_token(value, b"websocket");
        } else if name.eq_ignore_ascii_case(b"connection") {
            connection |= has_token(value, b"upgrade");
        } else if name.eq_ignore_ascii_case(b"sec-websocket-version") {
            version = value == b"13";
        } else if name.eq_ignore_ascii_case(b"sec-websocket-key") {
            key = Some(value);
            key_count += 1;
        } else if name.eq_ignore_ascii_case(b"sec-websocket-protocol") {
            offered.extend(tokens(value));
        } else if name.eq_ignore_ascii_case(b"sec-websocket-extensions") {
            extensions.push(value);
        }
    }
    let accept = if h1 {
        if !host {
            return Err(HandshakeError::MissingHost);
        }
        if !upgrade {
            return Err(HandshakeError::NotWebSocket);
        }
        if !connection {
            return Err(HandshakeError::NoConnectionUpgrade);
        }
        if !version {
            return Err(HandshakeError::UnsupportedVersion);
        }
        let key = key
            .filter(|_| key_count == 1)
            .ok_or(HandshakeError::BadKey)?;
        match STANDARD.decode(key) {
            Ok(raw) if raw.len() == 16 => {}
            _ => return Err(HandshakeError::BadKey),
        }
        Some(accept_key(key))
    } else {
        if !version {
            return Err(HandshakeError::UnsupportedVersion);
        }
        None
    };
    let protocol = options
        .protocols
        .iter()
        .copied()
        .find(|p| offered.contains(&p.as_bytes()));
    let deflate = options
        .deflate
        .and_then(|cfg| cfg.accept_offer(extensions.iter().copied()));
    Ok(Accepted {
        accept,
        protocol,
        deflate,
    })
}

/// Server side, HTTP/1.1: validates an upgrade request (GET, `Host`, `Upgrade: websocket`,
/// `Connection: upgrade`, `Sec-WebSocket-Version: 13`, a 16-byte `Sec-WebSocket-Key`), picks
/// the subprotocol and negotiates permessage-deflate.
///
/// ```
/// use proto_ws::{ServerOptions, accept_request};
/// let headers: [(&[u8], &[u8]); 5] = [
///     (b"Host", b"server.example.com"),
///     (b"Upgrade", b"WebSocket"),
///     (b"Connection", b"keep-alive, Upgrade"),
///     (b"Sec-WebSocket-Key", b"dGhlIHNhbXBsZSBub25jZQ=="),
///     (b"Sec-WebSocket-Version", b"13"),
/// ];
/// let ok = accept_request(&ServerOptions::default(), b"GET", headers).unwrap();
/// assert_eq!(ok.accept.unwrap().as_str(), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
/// ```
///
/// # Errors
/// The first rule broken; [`HandshakeError::write_response`] gives the HTTP answer.
pub fn accept_request<'a, 'h>(
    options: &ServerOptions<'a>,
    method: &[u8],
    headers: impl IntoIterator<Item = (&'h [u8], &'h [u8])>,
) -> Result<Accepted<'a>, HandshakeError> {
    if method != b"GET" {
        return Err(HandshakeError::Method);
    }
    negotiate(options, headers, true)
}

/// Server side, HTTP/2 (RFC 8441): validates an extended CONNECT (`:method CONNECT`,
/// `:protocol websocket`, `sec-websocket-version: 13`), picks the subprotocol and negotiates
/// permessage-deflate. Answer with status 200 and [`Accepted::h2_headers`] (lower-case names).
///
/// # Errors
/// The first rule broken.
pub fn accept_extended_connect<'a, 'h>(
    options: &ServerOptions<'a>,
    method: &[u8],
    protocol: Option<&[u8]>,
    headers: impl IntoIterator<Item = (&'h [u8], &'h [u8])>,
) -> Result<Accepted<'a>, HandshakeError> {
    if method != b"CONNECT" {
        return Err(HandshakeError::Method);
    }
    if !protocol.is_some_and(|p| p.eq_ignore_ascii_case(b"websocket")) {
        return Err(HandshakeError::NotWebSocket);
    }
    negotiate(options, headers, false)
}

/// What the server agreed to, as seen by the client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Negotiated {
    /// The subprotocol the server chose.
    pub protocol: Option<String>,
    /// permessage-deflate parameters, when the server accepted our offer.
    pub deflate: Option<DeflateParams>,
}

impl Negotiated {
    /// The connection configuration (default limits, the negotiated extension).
    pub fn config(&self) -> Config {
        Config::default().deflate(self.deflate)
    }
}

/// Client side of the opening handshake.
#[derive(Clone, Debug)]
pub struct ClientHandshake {
    key: ClientKey,
    protocols: Vec<String>,
    deflate: Option<DeflateConfig>,
}

impl ClientHandshake {
    /// A handshake whose `Sec-WebSocket-Key` is a nonce of 16 bytes from `source`, which must
    /// be a cryptographic generator (RFC 6455 section 4.1: "randomly selected"), such as the
    /// connection's [`CryptoMask`](crate::CryptoMask) or the runtime's CSPRNG.
    pub fn new(source: &mut dyn crate::MaskSource) -> ClientHandshake {
        let mut nonce = [0u8; 16];
        source.fill(&mut nonce);
        ClientHandshake::with_nonce(nonce)
    }

    /// A handshake with a key made from a given `nonce`: for tests and known-answer vectors.
    /// A real client takes [`new`](Self::new) with a cryptographic source.
    pub fn with_nonce(nonce: [u8; 16]) -> ClientHandshake {
        ClientHandshake {
            key: ClientKey::from_nonce(nonce),
            protocols: Vec::new(),
            deflate: None,
        }
    }

    /// Offers these subprotocols, most preferred first. RFC 6455 section 4.1 makes each a
    /// token, unique: one that is not (empty, with a space, a comma, a line break or another
    /// byte outside `tchar`), or repeats one before it, is left out of the offer, since no
    /// `Sec-WebSocket-Protocol` header can carry it.
    pub fn protocols(mut self, protocols: &[&str]) -> Self {
        self.protocols.clear();
        for p in protocols {
            if is_token(p.as_bytes()) && !self.protocols.iter().any(|o| o == p) {
                self.protocols.push(p.to_string());
            }
        }
        self
    }

    /// Offers permessage-deflate.
    pub fn deflate(mut self, deflate: Option<DeflateConfig>) -> Self {
        self.deflate = deflate;
        self
    }

    /// Our key.
    pub fn key(&self) -> &ClientKey {
        &self.key
    }

    fn offer_headers(&self, h: &mut Vec<(&'static str, String)>) {
        h.push(("Sec-WebSocket-Version", "13".to_string()));
        if !self.protocols.is_empty() {
            h.push(("Sec-WebSocket-Protocol", self.protocols.join(", ")));
        }
        if let Some(d) = &self.deflate {
            h.push(("Sec-WebSocket-Extensions", d.offer_header()));
        }
    }

    /// The HTTP/1.1 request headers besides `Host`: `Upgrade`, `Connection`,
    /// `Sec-WebSocket-Key`, `Sec-WebSocket-Version` and our offers.
    pub fn headers(&self) -> Vec<(&'static str, String)> {
        let mut h = vec![
            ("Upgrade", "websocket".to_string()),
            ("Connection", "Upgrade".to_string()),
            ("Sec-WebSocket-Key", self.key.as_str().to_string()),
        ];
        self.offer_headers(&mut h);
        h
    }

    /// Appends a complete HTTP/1.1 GET upgrade request for `path` on `host`.
    pub fn write_request(&self, host: &str, path: &str, out: &mut Vec<u8>) {
        out.extend_from_slice(format!("GET {path} HTTP/1.1\r\nHost: {host}\r\n").as_bytes());
        for (n, v) in self.headers() {
            out.extend_from_slice(format!("{n}: {v}\r\n").as_bytes());
        }
        out.extend_from_slice(b"\r\n");
    }

    /// The HTTP/2 extended CONNECT (RFC 8441) header list: pseudo-headers first.
    pub fn extended_connect_headers(
        &self,
        scheme: &str,
        authority: &str,
        path: &str,
    ) -> Vec<(&'static str, String)> {
        let mut h = vec![
            (":method", "CONNECT".to_string()),
            (":protocol", "websocket".to_string()),
            (":scheme", scheme.to_string()),
            (":path", path.to_string()),
            (":authority", authority.to_string()),
        ];
        self.offer_headers(&mut h);
        for (n, _) in h.iter_mut().skip(5) {
            *n = h2_name(n);
        }
        h
    }

    fn check_common<'h>(
        &self,
        headers: impl IntoIterator<Item = (&'h [u8], &'h [u8])>,
        h1: bool,
    ) -> Result<Negotiated, HandshakeError> {
        let (mut upgrade, mut connection, mut accept_ok, mut accepts) = (false, false, false, 0);
        let mut protocol: Option<String> = None;
        let mut deflate = None;
        for (name, value) in headers {
            let value = trim(value);
            if name.eq_ignore_ascii_case(b"upgrade") {
                upgrade |= has_token(value, b"websocket");
            } else if name.eq_ignore_ascii_case(b"connection") {
                connection |= has_token(value, b"upgrade");
            } else if name.eq_ignore_ascii_case(b"sec-websocket-accept") {
                accepts += 1;
                accept_ok = value == self.key.expected_accept().as_str().as_bytes();
            } else if name.eq_ignore_ascii_case(b"sec-websocket-protocol") {
                let p = core::str::from_utf8(value).map_err(|_| HandshakeError::BadProtocol)?;
                if protocol.is_some() || !self.protocols.iter().any(|o| o == p) {
                    return Err(HandshakeError::BadProtocol);
                }
                protocol = Some(p.to_string());
            } else if name.eq_ignore_ascii_case(b"sec-websocket-extensions") {
                for ext in split_extensions(value) {
                    let cfg = self.deflate.as_ref().ok_or(HandshakeError::BadExtension)?;
                    if deflate.is_some()
                        || !extension_name(ext).eq_ignore_ascii_case(EXTENSION_NAME.as_bytes())
                    {
                        return Err(HandshakeError::BadExtension);
                    }
                    deflate = Some(
                        cfg.check_response(ext)
                            .ok_or(HandshakeError::BadExtension)?,
                    );
                }
            }
        }
        if h1 {
            if !upgrade {
                return Err(HandshakeError::NotWebSocket);
            }
            if !connection {
                return Err(HandshakeError::NoConnectionUpgrade);
            }
            if !accept_ok || accepts != 1 {
                return Err(HandshakeError::BadAccept);
            }
        }
        Ok(Negotiated { protocol, deflate })
    }

    /// Checks the server's HTTP/1.1 response: status 101, `Upgrade: websocket`,
    /// `Connection: upgrade`, the right `Sec-WebSocket-Accept`, a subprotocol and extensions
    /// among those offered.
    ///
    /// # Errors
    /// The first rule broken: fail the connection.
    pub fn check_response<'h>(
        &self,
        status: u16,
        headers: impl IntoIterator<Item = (&'h [u8], &'h [u8])>,
    ) -> Result<Negotiated, HandshakeError> {
        if status != 101 {
            return Err(HandshakeError::Status(status));
        }
        self.check_common(headers, true)
    }

    /// Checks the server's HTTP/2 response to an extended CONNECT: a 2xx status, a subprotocol
    /// and extensions among those offered.
    ///
    /// # Errors
    /// The first rule broken.
    pub fn check_extended_connect_response<'h>(
        &self,
        status: u16,
        headers: impl IntoIterator<Item = (&'h [u8], &'h [u8])>,
    ) -> Result<Negotiated, HandshakeError> {
        if !(200..300).contains(&status) {
            return Err(HandshakeError::Status(status));
        }
        self.check_common(headers, false)
    }
}
