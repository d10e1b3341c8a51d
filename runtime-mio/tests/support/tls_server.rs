//! TLS for our test servers: a fresh self-signed certificate, and the configuration that
//! serves it. Each test binary that includes this module uses part of it.
#![allow(dead_code)]

use std::sync::Arc;

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
