//! A certificate chosen by SNI keeps every other server setting: ALPN, client-certificate
//! checking, key logging and session resumption work the same on a second name as on the
//! default one.

mod common;

use std::sync::{Arc, Mutex};

use common::*;
use tls::testing::CertifiedKey;
use tls::{
    ClientAuth, ClientSession, Error, PeerError, ServerConfigBuilder, ServerSession, SessionCache,
};

/// A certificate for the second name, `other.test`.
fn other_cert(pki: &Pki) -> CertifiedKey {
    let t = now();
    pki.ca
        .leaf(&["other.test"], t - 60, t + 3600, false)
        .unwrap()
}

/// A server whose default certificate is for `localhost` and whose certificate for
/// `other.test` is `other`, with `configure` applied to the builder.
fn server_with(
    pki: &Pki,
    other: &CertifiedKey,
    configure: impl FnOnce(&mut ServerConfigBuilder),
) -> tls::ServerConfig {
    let mut sb = server_builder(&pki.server);
    sb.sni_cert_pem("other.test", &other.chain_pem, &other.key_pem);
    configure(&mut sb);
    sb.build().unwrap()
}

#[test]
fn second_name_negotiates_alpn() {
    let pki = pki();
    let other = other_cert(&pki);
    let server = server_with(&pki, &other, |_| {});
    let mut cb = client_builder(&pki);
    cb.alpn(&[b"h2", b"http/1.1"]);
    let client = cb.build().unwrap();
    for name in ["localhost", "other.test"] {
        let (c, s) = connect(&client, &server, name);
        assert_eq!(s.server_name(), Some(name));
        assert_eq!(c.alpn(), Some(&b"h2"[..]), "{name}");
        assert_eq!(s.alpn(), Some(&b"h2"[..]), "{name}");
    }
    // The configured preference applies on the second name too.
    let server = server_with(&pki, &other, |sb| {
        sb.alpn(&[b"http/1.1"]);
    });
    let (c, _) = connect(&client, &server, "other.test");
    assert_eq!(c.alpn(), Some(&b"http/1.1"[..]));
}

#[test]
fn second_name_checks_client_certificates() {
    let pki = pki();
    let t = now();
    let other = other_cert(&pki);
    let client_cert = pki
        .ca
        .leaf(&["client.test"], t - 60, t + 3600, true)
        .unwrap();
    let server = server_with(&pki, &other, |sb| {
        sb.client_auth(ClientAuth::Required(pki.ca_pem.clone()));
    });
    let mut cb = client_builder(&pki);
    cb.client_cert_pem(&client_cert.chain_pem, &client_cert.key_pem);
    let with_cert = cb.build().unwrap();
    for name in ["localhost", "other.test"] {
        // A valid client certificate is accepted.
        let (_, s) = connect(&with_cert, &server, name);
        assert!(!s.peer_certificates().is_empty(), "{name}");
        // A missing one is rejected with certificate_required.
        let without = client_builder(&pki).build().unwrap();
        let mut c = ClientSession::new(&without, name).unwrap();
        let mut s = ServerSession::new(&server).unwrap();
        let (_, rs) = handshake(&mut c, &mut s);
        let err = rs.unwrap_err();
        assert!(
            matches!(err, Error::Peer(PeerError::Handshake { .. })),
            "{name}: {err:?}"
        );
        assert_eq!(err.alert().map(|a| a.name()), Some("certificate_required"));
    }
    // A certificate from another CA is rejected on both names, the same way.
    let stranger = tls::testing::Ca::new("Other CA", t).unwrap();
    let bad = stranger
        .leaf(&["client.test"], t - 60, t + 3600, true)
        .unwrap();
    let mut cb = client_builder(&pki);
    cb.client_cert_pem(&bad.chain_pem, &bad.key_pem);
    let untrusted = cb.build().unwrap();
    for name in ["localhost", "other.test"] {
        let mut c = ClientSession::new(&untrusted, name).unwrap();
        let mut s = ServerSession::new(&server).unwrap();
        let (_, rs) = handshake(&mut c, &mut s);
        let err = rs.unwrap_err();
        // The client sends the other CA along: X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN.
        assert!(
            matches!(
                err,
                Error::Peer(PeerError::CertificateVerification { code: 19, .. })
            ),
            "{name}: {err:?}"
        );
        assert!(err.is_peer_fault());
    }
}

#[test]
fn second_name_logs_keys() {
    let pki = pki();
    let other = other_cert(&pki);
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = lines.clone();
    let server = server_with(&pki, &other, |sb| {
        sb.key_log(Arc::new(move |l: &str| {
            sink.lock().unwrap().push(l.to_owned())
        }));
    });
    let client = client_builder(&pki).build().unwrap();
    for name in ["localhost", "other.test"] {
        lines.lock().unwrap().clear();
        connect(&client, &server, name);
        let lines = lines.lock().unwrap();
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("SERVER_TRAFFIC_SECRET_0 ")),
            "{name}: {lines:?}"
        );
    }
}

#[test]
fn second_name_resumes() {
    let pki = pki();
    let other = other_cert(&pki);
    let server = server_with(&pki, &other, |_| {});
    let cache = SessionCache::new();
    let mut cb = client_builder(&pki);
    cb.session_cache(cache.clone());
    let client = cb.build().unwrap();
    let (c, _) = connect_and_take_tickets(&client, &server, "other.test");
    assert!(!c.is_resumed());
    assert!(!cache.is_empty());
    let (c, s) = connect(&client, &server, "other.test");
    assert!(c.is_resumed());
    assert!(s.is_resumed());
    assert_eq!(s.server_name(), Some("other.test"));
    // A resumed connection on the second name still negotiates ALPN.
    let mut cb = client_builder(&pki);
    cb.session_cache(cache.clone()).alpn(&[b"h2"]);
    let client = cb.build().unwrap();
    connect_and_take_tickets(&client, &server, "other.test");
    let (c, _) = connect(&client, &server, "other.test");
    assert!(c.is_resumed());
    assert_eq!(c.alpn(), Some(&b"h2"[..]));
}
