//! The expected JA4 of a browser profile: the one source of truth the `/fingerprint` tests
//! (`fingerprint.rs`, `client_profile.rs`) compare against, computed from the ClientHello
//! `tls` itself makes for the profile (what `tls/tests/profiles.rs` checks against the
//! browsers' published strings), and Chrome's published JA4.

use tls::{ClientConfig, ClientHello, ClientSession, Profile};

/// Chrome 143's JA4 (the published string `tls/tests/profiles.rs` checks).
pub(crate) const CHROME_JA4: &str = "t13d1516h2_8daaf6152771_d8a2da3f94cd";

/// The JA4 of the ClientHello `profile` makes for `server_name` (an IP address: no SNI),
/// offering `alpn` instead of the profile's own ALPN list when given.
pub(crate) fn expected_ja4(
    profile: &'static Profile,
    alpn: Option<&[&[u8]]>,
    server_name: &str,
) -> String {
    let mut b = ClientConfig::builder();
    b.system_roots(false).profile(profile);
    if let Some(alpn) = alpn {
        b.alpn(alpn);
    }
    let config = b.build().unwrap();
    let mut c = ClientSession::new(&config, server_name).unwrap();
    c.handshake().unwrap();
    let mut wire = Vec::new();
    c.poll_transmit(&mut wire);
    ClientHello::parse_records(&wire)
        .unwrap()
        .fingerprints()
        .ja4
}
