//! What a connection learned about itself: where it went, what TLS agreed on, our own
//! ClientHello's JA4, and the server's HTTP/2 SETTINGS (for `wire -v` and for callers who
//! log it).

use std::net::SocketAddr;

/// What is known about the connection that carried a response
/// ([`Response::conn_info`](super::Response::conn_info)).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConnInfo {
    /// The server's address.
    pub remote: Option<SocketAddr>,
    /// The TLS version agreed (`TLSv1.3`), under TLS.
    pub tls_version: Option<String>,
    /// The cipher suite agreed (IANA name), under TLS.
    pub cipher: Option<&'static str>,
    /// The ALPN protocol agreed, under TLS.
    pub alpn: Option<Vec<u8>>,
    /// The JA4 of the ClientHello this client sent, under TLS (parsed from the bytes that
    /// went out).
    pub ja4: Option<String>,
    /// The server's effective HTTP/2 SETTINGS once its first SETTINGS frame arrived.
    pub h2_peer_settings: Option<proto_h2::settings::Settings>,
}
