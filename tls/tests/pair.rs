//! Client and server sessions against each other in memory, with certificates made at test time.

mod common;

use std::sync::{Arc, Mutex};

use common::*;
use proptest::prelude::*;
use tls::testing::self_signed;
use tls::{
    ClientAuth, ClientConfig, ClientSession, Error, HandshakeStatus, Misuse, PeerError,
    ServerConfig, ServerSession, SessionCache, TlsVersion, Version,
};

#[test]
fn handshake_reports_negotiated_parameters() {
    let pki = pki();
    let mut cb = client_builder(&pki);
    cb.alpn(&[b"h2", b"http/1.1"]);
    let fresh = ClientSession::new(&cb.build().unwrap(), "localhost").unwrap();
    assert_eq!(
        fresh.key_exchange_group(),
        None,
        "no group before the handshake"
    );
    let (c, mut s) = connect(
        &cb.build().unwrap(),
        &server_builder(&pki.server)
            .keep_client_hello(true)
            .build()
            .unwrap(),
        "localhost",
    );
    assert_eq!(c.alpn(), Some(&b"h2"[..]));
    assert_eq!(s.alpn(), Some(&b"h2"[..]));
    assert_eq!(c.version(), Some(Version::Tls13));
    assert_eq!(s.version(), Some(Version::Tls13));
    assert!(c.cipher().unwrap().starts_with("TLS_"));
    assert_eq!(c.cipher(), s.cipher());
    // Both sides' defaults put the post-quantum hybrid first.
    assert_eq!(c.key_exchange_group(), Some("X25519MLKEM768"));
    assert_eq!(c.key_exchange_group(), s.key_exchange_group());
    assert_eq!(s.server_name(), Some("localhost"));
    let chain = c.peer_certificates();
    assert_eq!(chain.len(), 2, "leaf and CA");
    assert!(s.peer_certificates().is_empty());
    assert!(!c.is_resumed());
    let fp = s.client_fingerprints().unwrap().clone();
    assert!(fp.ja4.starts_with("t13d"), "{}", fp.ja4);
    assert!(fp.ja4.contains("h2_"), "{}", fp.ja4);
}

#[test]
fn alpn_both_ways() {
    let pki = pki();
    let server = server_builder(&pki.server).build().unwrap();
    // The server prefers h2 even when the client lists http/1.1 first.
    let mut cb = client_builder(&pki);
    cb.alpn(&[b"http/1.1", b"h2"]);
    let (c, _) = connect(&cb.build().unwrap(), &server, "localhost");
    assert_eq!(c.alpn(), Some(&b"h2"[..]));
    // Falls back to http/1.1.
    cb.alpn(&[b"http/1.1"]);
    let (c, s) = connect(&cb.build().unwrap(), &server, "localhost");
    assert_eq!(c.alpn(), Some(&b"http/1.1"[..]));
    assert_eq!(s.alpn(), Some(&b"http/1.1"[..]));
    // No overlap: no ALPN.
    cb.alpn(&[b"spdy/3"]);
    let (c, _) = connect(&cb.build().unwrap(), &server, "localhost");
    assert_eq!(c.alpn(), None);
    // A server that only speaks http/1.1.
    let mut sb = server_builder(&pki.server);
    sb.alpn(&[b"http/1.1"]);
    cb.alpn(&[b"h2", b"http/1.1"]);
    let (c, _) = connect(&cb.build().unwrap(), &sb.build().unwrap(), "localhost");
    assert_eq!(c.alpn(), Some(&b"http/1.1"[..]));
}

fn expect_verify_failure(client: &ClientConfig, server: &ServerConfig, name: &str) -> (i32, Error) {
    let mut c = ClientSession::new(client, name).unwrap();
    let mut s = ServerSession::new(server).unwrap();
    let (rc, rs) = handshake(&mut c, &mut s);
    let err = rc.unwrap_err();
    let Error::Peer(PeerError::CertificateVerification { code, .. }) = &err else {
        panic!("{err:?}")
    };
    assert!(err.is_peer_fault());
    // The server learns of it through the client's alert.
    let serr = rs.unwrap_err();
    let alert = serr.alert().expect("alert");
    assert!(alert.received, "{serr:?}");
    (*code, err)
}

#[test]
fn wrong_hostname_rejected() {
    let pki = pki();
    let server = server_builder(&pki.server).build().unwrap();
    let (code, err) = expect_verify_failure(
        &client_builder(&pki).build().unwrap(),
        &server,
        "example.org",
    );
    assert_eq!(code, 62, "{err}"); // X509_V_ERR_HOSTNAME_MISMATCH
    // Turning host name verification off (but not chain verification) accepts it.
    let mut cb = client_builder(&pki);
    cb.verify_hostname(false);
    connect(&cb.build().unwrap(), &server, "example.org");
}

#[test]
fn expired_rejected() {
    let pki = pki();
    let t = now();
    let old = pki
        .ca
        .leaf(&["localhost"], t - 10 * 86_400, t - 86_400, false)
        .unwrap();
    let server = server_builder(&old).build().unwrap();
    let (code, _) =
        expect_verify_failure(&client_builder(&pki).build().unwrap(), &server, "localhost");
    assert_eq!(code, 10); // X509_V_ERR_CERT_HAS_EXPIRED
}

/// The crate doc says verification reads BoringSSL's wall clock: a leaf valid only from
/// tomorrow fails now (and an expired one, above, fails too).
#[test]
fn not_yet_valid_rejected_by_the_wall_clock() {
    let pki = pki();
    let t = now();
    let future = pki
        .ca
        .leaf(&["localhost"], t + 86_400, t + 10 * 86_400, false)
        .unwrap();
    let server = server_builder(&future).build().unwrap();
    let (code, _) =
        expect_verify_failure(&client_builder(&pki).build().unwrap(), &server, "localhost");
    assert_eq!(code, 9); // X509_V_ERR_CERT_NOT_YET_VALID
}

#[test]
fn self_signed_rejected_unless_trusted() {
    let pki = pki();
    let me = self_signed(&["localhost"], now()).unwrap();
    let server = server_builder(&me).build().unwrap();
    let (code, _) =
        expect_verify_failure(&client_builder(&pki).build().unwrap(), &server, "localhost");
    assert_eq!(code, 18); // X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT
    let mut cb = client_builder(&pki);
    cb.add_root_pem(&me.chain_pem);
    connect(&cb.build().unwrap(), &server, "localhost");
    // The loudly named opt-out accepts it without trusting it.
    let mut cb = ClientConfig::builder();
    cb.system_roots(false).danger_accept_invalid_certs(true);
    connect(&cb.build().unwrap(), &server, "not-the-name.test");
}

#[test]
fn unknown_ca_rejected_by_default_roots() {
    let pki = pki();
    let server = server_builder(&pki.server).build().unwrap();
    let cb = ClientConfig::builder();
    let (code, _) = expect_verify_failure(&cb.build().unwrap(), &server, "localhost");
    // The server sends its CA along, so the chain ends in an untrusted root.
    assert_eq!(code, 19); // X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN
}

#[test]
fn mtls_required() {
    let pki = pki();
    let t = now();
    let client_cert = pki
        .ca
        .leaf(&["client.test"], t - 60, t + 3600, true)
        .unwrap();
    let mut sb = server_builder(&pki.server);
    sb.client_auth(ClientAuth::Required(pki.ca_pem.clone()));
    let server = sb.build().unwrap();

    let mut cb = client_builder(&pki);
    cb.client_cert_pem(&client_cert.chain_pem, &client_cert.key_pem);
    let (_, s) = connect(&cb.build().unwrap(), &server, "localhost");
    assert!(!s.peer_certificates().is_empty());

    // Missing client certificate: the server fails and says so with an alert.
    let mut c = ClientSession::new(&client_builder(&pki).build().unwrap(), "localhost").unwrap();
    let mut s = ServerSession::new(&server).unwrap();
    let (rc, rs) = handshake(&mut c, &mut s);
    let serr = rs.unwrap_err();
    assert!(
        matches!(serr, Error::Peer(PeerError::Handshake { .. })),
        "{serr:?}"
    );
    let alert = serr.alert().unwrap();
    assert!(!alert.received);
    assert_eq!(alert.name(), "certificate_required");
    // In TLS 1.3 the client finished first; it sees the alert on its next read.
    rc.unwrap();
    let err = read_all(&mut c).unwrap_err();
    assert_eq!(
        err.alert().map(|a| (a.code, a.received)),
        Some((116, true)),
        "{err:?}"
    );
    assert_eq!(
        c.read(&mut [0; 8]).unwrap_err(),
        Error::Misuse(Misuse::SessionFailed)
    );
}

#[test]
fn mtls_optional() {
    let pki = pki();
    let mut sb = server_builder(&pki.server);
    sb.client_auth(ClientAuth::Optional(pki.ca_pem.clone()));
    let (_, s) = connect(
        &client_builder(&pki).build().unwrap(),
        &sb.build().unwrap(),
        "localhost",
    );
    assert!(s.peer_certificates().is_empty());
}

fn resumption(version: TlsVersion) {
    let pki = pki();
    let server = server_builder(&pki.server).build().unwrap();
    let cache = SessionCache::new();
    let mut cb = client_builder(&pki);
    cb.session_cache(cache.clone())
        .versions(TlsVersion::Tls12, version);
    let client = cb.build().unwrap();
    let (mut c, mut s) = connect(&client, &server, "localhost");
    assert!(!c.is_resumed());
    // TLS 1.3 tickets come after the handshake: let the client read them.
    pump_back(&mut s, &mut c);
    read_all(&mut c).unwrap();
    assert!(!cache.is_empty());
    let (c2, s2) = connect(&client, &server, "localhost");
    assert!(c2.is_resumed());
    assert!(s2.is_resumed());
    // A different host name gets no session.
    let (c3, _) = connect(&client, &server, "127.0.0.1");
    assert!(!c3.is_resumed());
    // A server without session tickets: TLS 1.3 cannot resume (stateless resumption only).
    if version == TlsVersion::Tls13 {
        let mut sb = server_builder(&pki.server);
        sb.session_tickets(false);
        let server = sb.build().unwrap();
        let cache = SessionCache::new();
        let mut cb = client_builder(&pki);
        cb.session_cache(cache.clone());
        let client = cb.build().unwrap();
        let (mut c, mut s) = connect(&client, &server, "localhost");
        pump_back(&mut s, &mut c);
        read_all(&mut c).unwrap();
        assert!(cache.is_empty());
        assert!(!connect(&client, &server, "localhost").0.is_resumed());
    }
}

#[test]
fn resumption_tls13() {
    resumption(TlsVersion::Tls13);
}

#[test]
fn resumption_tls12() {
    resumption(TlsVersion::Tls12);
}

#[test]
fn tls12_only_server() {
    let pki = pki();
    let mut sb = server_builder(&pki.server);
    sb.versions(TlsVersion::Tls12, TlsVersion::Tls12);
    let (c, _) = connect(
        &client_builder(&pki).build().unwrap(),
        &sb.build().unwrap(),
        "localhost",
    );
    assert_eq!(c.version(), Some(Version::Tls12));
    // A TLS 1.3-only client cannot talk to it: a handshake failure with an alert.
    let mut cb = client_builder(&pki);
    cb.versions(TlsVersion::Tls13, TlsVersion::Tls13);
    let mut c = ClientSession::new(&cb.build().unwrap(), "localhost").unwrap();
    let mut s = ServerSession::new(&sb.build().unwrap()).unwrap();
    let (rc, rs) = handshake(&mut c, &mut s);
    assert!(matches!(
        rs.unwrap_err(),
        Error::Peer(PeerError::Handshake { alert: Some(_), .. })
    ));
    assert!(
        matches!(rc.unwrap_err(), Error::Peer(PeerError::Handshake { alert: Some(a), .. }) if a.received)
    );
}

#[test]
fn sni_selects_certificate() {
    let pki = pki();
    let t = now();
    let other = pki
        .ca
        .leaf(&["other.test"], t - 60, t + 3600, false)
        .unwrap();
    let mut sb = server_builder(&pki.server);
    sb.sni_cert_pem("Other.Test", &other.chain_pem, &other.key_pem);
    let server = sb.build().unwrap();
    let client = client_builder(&pki).build().unwrap();
    let (c, s) = connect(&client, &server, "other.test");
    assert_eq!(s.server_name(), Some("other.test"));
    assert_ne!(
        c.peer_certificates()[0],
        connect(&client, &server, "localhost").0.peer_certificates()[0]
    );
}

#[test]
fn key_log_lines() {
    let pki = pki();
    for (version, label) in [
        (TlsVersion::Tls13, "CLIENT_HANDSHAKE_TRAFFIC_SECRET "),
        (TlsVersion::Tls12, "CLIENT_RANDOM "),
    ] {
        let lines = Arc::new(Mutex::new(Vec::<String>::new()));
        let sink = lines.clone();
        let mut cb = client_builder(&pki);
        cb.versions(TlsVersion::Tls12, version)
            .key_log(Arc::new(move |l: &str| {
                sink.lock().unwrap().push(l.to_owned())
            }));
        connect(
            &cb.build().unwrap(),
            &server_builder(&pki.server).build().unwrap(),
            "localhost",
        );
        let lines = lines.lock().unwrap();
        assert!(lines.iter().any(|l| l.starts_with(label)), "{lines:?}");
        // NSS format: LABEL <64 hex client random> <hex secret>
        for l in lines.iter() {
            let parts: Vec<&str> = l.split(' ').collect();
            assert_eq!(parts.len(), 3, "{l}");
            assert_eq!(parts[1].len(), 64, "{l}");
            assert!(parts[2].bytes().all(|b| b.is_ascii_hexdigit()), "{l}");
        }
    }
}

#[test]
fn close_notify_both_ways() {
    let pki = pki();
    let (mut c, mut s) = connect(
        &client_builder(&pki).build().unwrap(),
        &server_builder(&pki.server).build().unwrap(),
        "localhost",
    );
    c.write(b"last words").unwrap();
    c.close().unwrap();
    assert_eq!(
        c.write(b"more").unwrap_err(),
        Error::Misuse(Misuse::WriteAfterClose)
    );
    pump(&mut c, &mut s);
    let (data, closed) = read_all(&mut s).unwrap();
    assert_eq!(data, b"last words");
    assert!(closed);
    assert!(s.is_peer_closed());
    // The server answers with its own close_notify after a final message.
    s.write(b"bye").unwrap();
    s.close().unwrap();
    pump_back(&mut s, &mut c);
    let (data, closed) = read_all(&mut c).unwrap();
    assert_eq!(data, b"bye");
    assert!(closed && c.is_peer_closed());
}

#[test]
fn eof_without_close_notify_is_an_error() {
    let pki = pki();
    let (mut c, mut s) = connect(
        &client_builder(&pki).build().unwrap(),
        &server_builder(&pki.server).build().unwrap(),
        "localhost",
    );
    c.write(b"x").unwrap();
    pump(&mut c, &mut s);
    s.recv_eof();
    assert_eq!(
        read_all(&mut s).unwrap_err(),
        Error::Peer(PeerError::UnexpectedEof)
    );
    assert_eq!(
        s.recv(b"x").unwrap_err(),
        Error::Misuse(Misuse::SessionFailed)
    );
}

#[test]
fn misuse_is_not_a_peer_fault() {
    let pki = pki();
    let mut c = ClientSession::new(&client_builder(&pki).build().unwrap(), "localhost").unwrap();
    let err = c.write(b"early").unwrap_err();
    assert_eq!(err, Error::Misuse(Misuse::HandshakeIncomplete));
    assert!(!err.is_peer_fault());
    c.recv_eof();
    assert_eq!(
        c.recv(b"x").unwrap_err(),
        Error::Misuse(Misuse::RecvAfterEof)
    );
}

#[test]
fn garbage_from_peer_is_a_handshake_error() {
    let pki = pki();
    let mut s = ServerSession::new(&server_builder(&pki.server).build().unwrap()).unwrap();
    s.recv(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let err = s.handshake().unwrap_err();
    assert!(
        matches!(err, Error::Peer(PeerError::Handshake { .. })),
        "{err:?}"
    );
    assert!(err.is_peer_fault());
}

#[test]
fn corrupted_record_is_a_protocol_error() {
    let pki = pki();
    let (mut c, mut s) = connect(
        &client_builder(&pki).build().unwrap(),
        &server_builder(&pki.server).build().unwrap(),
        "localhost",
    );
    c.write(b"hello").unwrap();
    let mut buf = Vec::new();
    c.poll_transmit(&mut buf);
    let last = buf.len() - 1;
    buf[last] ^= 1;
    s.recv(&buf).unwrap();
    let err = read_all(&mut s).unwrap_err();
    assert!(
        matches!(err, Error::Peer(PeerError::Protocol { alert: Some(a), .. }) if a.name() == "bad_record_mac"),
        "{err:?}"
    );
}

#[test]
fn browser_profiles_handshake_with_compressed_certificates() {
    let pki = pki();
    let server = server_builder(&pki.server)
        .keep_client_hello(true)
        .build()
        .unwrap();
    for p in [
        &tls::profile::CHROME,
        &tls::profile::FIREFOX,
        &tls::profile::SAFARI,
    ] {
        let mut cb = client_builder(&pki);
        cb.profile(p);
        let (c, mut s) = connect(&cb.build().unwrap(), &server, "localhost");
        assert_eq!(c.alpn(), Some(&b"h2"[..]), "{}", p.name);
        let fp = s.client_fingerprints().unwrap();
        assert!(fp.ja4.starts_with("t13d"), "{}: {}", p.name, fp.ja4);
    }
}

fn transfer(chunks_c: &[Vec<u8>], chunks_s: &[Vec<u8>], split: usize) {
    let pki = pki_cached();
    let (mut c, mut s) = connect(&pki.0, &pki.1, "localhost");
    let mut sent_c = Vec::new();
    let mut sent_s = Vec::new();
    let (mut got_c, mut got_s) = (Vec::new(), Vec::new());
    for (a, b) in chunks_c
        .iter()
        .zip(chunks_s.iter().chain(std::iter::repeat(&Vec::new())))
    {
        c.write(a).unwrap();
        sent_c.extend_from_slice(a);
        s.write(b).unwrap();
        sent_s.extend_from_slice(b);
        for (from, to, got) in [(0, 1, &mut got_s), (1, 0, &mut got_c)] {
            let mut wire = Vec::new();
            if from == 0 {
                c.poll_transmit(&mut wire);
            } else {
                s.poll_transmit(&mut wire);
            }
            // Feed the ciphertext in pieces of `split` bytes, reading after each.
            for piece in wire.chunks(split.max(1)) {
                if to == 1 {
                    s.recv(piece).unwrap();
                    got.extend(read_all(&mut s).unwrap().0);
                } else {
                    c.recv(piece).unwrap();
                    got.extend(read_all(&mut c).unwrap().0);
                }
            }
        }
    }
    assert_eq!(got_s, sent_c);
    assert_eq!(got_c, sent_s);
}

fn pki_cached() -> &'static (ClientConfig, ServerConfig) {
    static P: std::sync::OnceLock<(ClientConfig, ServerConfig)> = std::sync::OnceLock::new();
    P.get_or_init(|| {
        let pki = pki();
        (
            client_builder(&pki).build().unwrap(),
            server_builder(&pki.server).build().unwrap(),
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    #[test]
    fn application_data_byte_exact_in_any_split(
        chunks_c in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..40_000), 1..4),
        chunks_s in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..3_000), 0..4),
        split in 1usize..20_000,
    ) {
        transfer(&chunks_c, &chunks_s, split);
    }
}

/// The server's first flight with and without certificate compression, for a client profile
/// that offers `alg`: smaller when compressed, and the client decompresses it (the handshake
/// verifies the chain).
#[test]
fn certificate_compression_is_used_and_decompressed() {
    let pki = pki();
    // A longer chain compresses visibly: a leaf with many names.
    let t = now();
    let names: Vec<String> = (0..40).map(|i| format!("host{i}.localhost")).collect();
    let mut refs: Vec<&str> = vec!["localhost"];
    refs.extend(names.iter().map(String::as_str));
    let leaf = pki.ca.leaf(&refs, t - 60, t + 3600, false).unwrap();
    for profile in [
        &tls::profile::CHROME,
        &tls::profile::FIREFOX,
        &tls::profile::SAFARI,
    ] {
        let mut sizes = Vec::new();
        for compress in [true, false] {
            let mut sb = server_builder(&leaf);
            sb.cert_compression(compress);
            let server = sb.build().unwrap();
            let mut cb = client_builder(&pki);
            cb.profile(profile);
            let mut c = ClientSession::new(&cb.build().unwrap(), "localhost").unwrap();
            let mut s = ServerSession::new(&server).unwrap();
            c.handshake().unwrap();
            pump(&mut c, &mut s);
            s.handshake().unwrap();
            let mut flight = Vec::new();
            s.poll_transmit(&mut flight);
            sizes.push(flight.len());
            c.recv(&flight).unwrap();
            assert_eq!(
                c.handshake().unwrap(),
                HandshakeStatus::Complete,
                "{}",
                profile.name
            );
        }
        assert!(sizes[0] + 100 < sizes[1], "{}: {sizes:?}", profile.name);
    }
}

/// What the server computes from the ClientHello it received equals what the client's own
/// first flight gives, for every profile.
#[test]
fn server_fingerprint_equals_client_capture() {
    let pki = pki();
    let server = server_builder(&pki.server)
        .keep_client_hello(true)
        .build()
        .unwrap();
    for profile in [
        None,
        Some(&tls::profile::CHROME),
        Some(&tls::profile::FIREFOX),
        Some(&tls::profile::SAFARI),
    ] {
        let mut cb = client_builder(&pki);
        if let Some(p) = profile {
            cb.profile(p);
        }
        let mut c = ClientSession::new(&cb.build().unwrap(), "localhost").unwrap();
        let mut s = ServerSession::new(&server).unwrap();
        c.handshake().unwrap();
        let mut hello = Vec::new();
        c.poll_transmit(&mut hello);
        let ours = tls::ClientHello::parse_records(&hello)
            .unwrap()
            .fingerprints();
        s.recv(&hello).unwrap();
        s.handshake().unwrap();
        assert_eq!(s.client_fingerprints(), Some(&ours));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    /// Arbitrary bytes from the peer give a typed peer error or a request for more input,
    /// never a panic, on both roles.
    #[test]
    fn arbitrary_peer_bytes_never_panic(
        bytes in proptest::collection::vec(any::<u8>(), 0..3000),
        record_header in any::<bool>(),
    ) {
        let (client, server) = pki_cached();
        let mut input = Vec::new();
        if record_header {
            input.extend_from_slice(&[22, 3, 3, (bytes.len() >> 8) as u8, bytes.len() as u8]);
        }
        input.extend_from_slice(&bytes);
        let mut s = ServerSession::new(server).unwrap();
        s.recv(&input).unwrap();
        if let Err(e) = s.handshake() {
            prop_assert!(e.is_peer_fault(), "{e:?}");
        }
        let mut c = ClientSession::new(client, "localhost").unwrap();
        c.handshake().unwrap();
        c.recv(&input).unwrap();
        if let Err(e) = c.handshake() {
            prop_assert!(e.is_peer_fault(), "{e:?}");
        }
        let mut out = Vec::new();
        c.poll_transmit(&mut out);
        s.poll_transmit(&mut out);
    }
}
