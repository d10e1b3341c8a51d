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
    /// The server's effective HTTP/2 SETTINGS once its first SETTINGS frame arrived: the
    /// protocol's defaults for what it did not send.
    pub h2_peer_settings: Option<proto_h2::settings::Settings>,
    /// The parameters of the server's first HTTP/2 SETTINGS frame as it sent them: in its
    /// order, unknown identifiers included, nothing it left out.
    pub h2_peer_settings_frame: Option<Vec<(u16, u32)>>,
    /// Through an `https://` proxy: the TLS version agreed with the proxy (`TLSv1.3`).
    pub proxy_tls_version: Option<String>,
    /// Through an `https://` proxy: the cipher suite agreed with the proxy (IANA name).
    pub proxy_cipher: Option<&'static str>,
}

/// A TLS version as `wire -v` and [`ConnInfo`] name it (`TLSv1.3`).
pub(crate) fn version_name(v: tls::Version) -> String {
    match v {
        tls::Version::Tls13 => "TLSv1.3".to_owned(),
        tls::Version::Tls12 => "TLSv1.2".to_owned(),
        tls::Version::Other(s) => s.to_owned(),
        _ => format!("{v:?}"),
    }
}
