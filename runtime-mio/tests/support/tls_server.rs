//! TLS for our test servers: a fresh self-signed certificate, and the configuration that
//! serves it; and the ways a test's client reaches such a server ([`Mode`]). Each test binary
//! that includes this module uses part of it.
#![allow(dead_code)]

use std::sync::Arc;

use runtime_mio::client::ClientConfig;
use runtime_mio::server::ServerConfig;

/// Seconds since the Unix epoch (a certificate's validity starts there).
pub(crate) fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// A server configuration with a self-signed certificate for `names`, made now, offering
/// ALPN `h2` and `http/1.1`; and that certificate (PEM), for the client's roots.
pub(crate) fn self_signed_tls(names: &[&str]) -> (Arc<tls::ServerConfig>, Vec<u8>) {
    self_signed_tls_with(names, |_| {})
}

/// [`self_signed_tls`], with `more` setting anything else on the builder before it is built
/// (keeping ClientHellos, a key log).
pub(crate) fn self_signed_tls_with(
    names: &[&str],
    more: impl FnOnce(&mut tls::ServerConfigBuilder),
) -> (Arc<tls::ServerConfig>, Vec<u8>) {
    let ck = tls::testing::self_signed(names, unix_now()).unwrap();
    let mut b = tls::ServerConfig::builder();
    b.cert_pem(&ck.chain_pem, &ck.key_pem)
        .alpn(&[b"h2", b"http/1.1"]);
    more(&mut b);
    (Arc::new(b.build().unwrap()), ck.chain_pem)
}

/// How a test's client reaches its server: cleartext HTTP/1.1, h2c with prior knowledge, or
/// TLS (a self-signed certificate for `localhost`) with ALPN.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Mode {
    H1,
    H2c,
    /// TLS with ALPN offering `h2`.
    H2Tls,
    /// TLS with ALPN offering only `http/1.1`.
    H1Tls,
}

impl Mode {
    /// TLS with ALPN `h2` or `http/1.1`.
    pub(crate) fn is_tls(self) -> bool {
        matches!(self, Mode::H2Tls | Mode::H1Tls)
    }

    /// Makes `config` serve TLS when this mode is TLS; then the certificate, for the client's
    /// roots.
    pub(crate) fn serve(self, config: &mut ServerConfig) -> Option<Vec<u8>> {
        self.is_tls().then(|| {
            let (c, pem) = self_signed_tls(&["localhost"]);
            config.tls = Some(c);
            pem
        })
    }

    /// The client's configuration: HTTP/2 with prior knowledge for h2c, ALPN offering `h2`
    /// unless [`Mode::H1Tls`], trusting `root`.
    pub(crate) fn client_config(self, root: Option<Vec<u8>>) -> ClientConfig {
        ClientConfig {
            h2_prior_knowledge: self == Mode::H2c,
            alpn_h2: self != Mode::H1Tls,
            root_pems: root.into_iter().collect(),
            ..ClientConfig::default()
        }
    }

    /// The base URL of a server on `port`: `secure://localhost:port` over TLS (`localhost`
    /// may resolve to ::1 first, where nothing listens: the next address is tried), else
    /// `plain://127.0.0.1:port`.
    pub(crate) fn base(self, plain: &str, secure: &str, port: u16) -> String {
        if self.is_tls() {
            format!("{secure}://localhost:{port}")
        } else {
            format!("{plain}://127.0.0.1:{port}")
        }
    }
}
