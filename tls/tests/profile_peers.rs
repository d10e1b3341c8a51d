//! What the browser profiles' legacy offers lead to when a server takes them up: a BoringSSL
//! server (the same `boring2` build, which can still serve the 3DES suites that our own
//! [`ServerConfig`](tls::ServerConfig) never enables) on loopback, our client through the
//! blocking adapter of `examples/blocking`.

#[path = "../examples/blocking/adapter.rs"]
#[allow(dead_code)]
mod adapter;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::{SystemTime, UNIX_EPOCH};

use adapter::Blocking;
use boring::pkey::PKey;
use boring::ssl::{Ssl, SslContextBuilder, SslMethod, SslVersion};
use boring::x509::X509;
use tls::testing::Ca;
use tls::{ClientConfig, ClientSession, Error, PeerError, Profile, Version};

/// A TLS 1.2 server on loopback that only has `cipher`; it echoes one line reversed. Returns
/// its port, the CA PEM, and the thread (which yields the server's handshake result).
fn server(cipher: &'static str) -> (u16, Vec<u8>, std::thread::JoinHandle<Result<(), String>>) {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let ca = Ca::new("profile peers CA", now).unwrap();
    let leaf = ca
        .leaf(&["localhost"], now - 60, now + 3600, false)
        .unwrap();
    let mut ctx = SslContextBuilder::new(SslMethod::tls()).unwrap();
    ctx.set_certificate(&X509::from_pem(&leaf.chain_pem).unwrap())
        .unwrap();
    ctx.set_private_key(&PKey::private_key_from_pem(&leaf.key_pem).unwrap())
        .unwrap();
    ctx.set_max_proto_version(Some(SslVersion::TLS1_2)).unwrap();
    ctx.set_strict_cipher_list(cipher).unwrap();
    let ctx = ctx.build();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let thread = std::thread::spawn(move || {
        let (sock, _) = listener.accept().map_err(|e| e.to_string())?;
        sock.set_read_timeout(Some(std::time::Duration::from_secs(10)))
            .map_err(|e| e.to_string())?;
        let mut s = Ssl::new(&ctx)
            .map_err(|e| e.to_string())?
            .accept(sock)
            .map_err(|e| e.to_string())?;
        let mut line = Vec::new();
        let mut b = [0u8; 1];
        while !line.ends_with(b"\n") {
            if s.read(&mut b).map_err(|e| e.to_string())? == 0 {
                return Err("closed early".to_owned());
            }
            line.push(b[0]);
        }
        line.pop();
        line.reverse();
        line.push(b'\n');
        s.write_all(&line).map_err(|e| e.to_string())?;
        s.flush().map_err(|e| e.to_string())
    });
    (port, ca.cert_pem().unwrap(), thread)
}

fn client(ca: &[u8], profile: Option<&'static Profile>) -> ClientConfig {
    let mut b = ClientConfig::builder();
    b.system_roots(false).add_root_pem(ca);
    if let Some(p) = profile {
        b.profile(p);
    }
    b.build().unwrap()
}

/// Safari offers the 3DES ECDHE suites. A TLS 1.2 server that picks one gets a working
/// connection with exactly that suite (as Safari would), reported by `cipher()`: not a silent
/// switch to another suite, and not a connection that fails later.
#[test]
fn safari_profile_when_the_server_picks_3des() {
    let (port, ca, server) = server("ECDHE-ECDSA-DES-CBC3-SHA");
    let sock = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let config = client(&ca, Some(&tls::profile::SAFARI));
    let mut conn = Blocking::new(sock, ClientSession::new(&config, "localhost").unwrap());
    conn.handshake().unwrap();
    assert_eq!(conn.tls.version(), Some(Version::Tls12));
    assert_eq!(
        conn.tls.cipher(),
        Some("TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA")
    );
    conn.write_all(b"triple des\n").unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 64];
    while !got.ends_with(b"\n") {
        let n = conn.read(&mut buf).unwrap();
        assert!(n > 0, "closed early: {got:?}");
        got.extend_from_slice(&buf[..n]);
    }
    assert_eq!(got, b"sed elpirt\n");
    server.join().unwrap().unwrap();
}

/// A client without a profile keeps stock BoringSSL's suites (the fork's default list would
/// add 3DES): against a server that only has 3DES there is no shared suite.
#[test]
fn default_client_does_not_offer_3des() {
    let (port, ca, server) = server("ECDHE-ECDSA-DES-CBC3-SHA");
    let sock = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut conn = Blocking::new(
        sock,
        ClientSession::new(&client(&ca, None), "localhost").unwrap(),
    );
    let err = conn.handshake().unwrap_err();
    let err = err.downcast::<Error>().expect("a tls error");
    match *err {
        Error::Peer(PeerError::Handshake { alert, .. }) => {
            let alert = alert.expect("the server's alert");
            assert!(alert.received);
            assert_eq!(alert.code, 40, "handshake_failure");
        }
        other => panic!("{other:?}"),
    }
    let server_err = server.join().unwrap().unwrap_err();
    assert!(server_err.contains("NO_SHARED_CIPHER"), "{server_err}");
}

/// Our servers keep stock BoringSSL's suites too: a client that only offers 3DES (a BoringSSL
/// client of the same build) finds no shared suite.
#[test]
fn our_server_does_not_accept_3des() {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let key = tls::testing::self_signed(&["localhost"], now).unwrap();
    let mut sb = tls::ServerConfig::builder();
    sb.cert_pem(&key.chain_pem, &key.key_pem);
    let config = sb.build().unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let peer = std::thread::spawn(move || {
        let mut ctx = SslContextBuilder::new(SslMethod::tls()).unwrap();
        ctx.set_max_proto_version(Some(SslVersion::TLS1_2)).unwrap();
        ctx.set_strict_cipher_list("ECDHE-ECDSA-DES-CBC3-SHA")
            .unwrap();
        ctx.set_verify(boring::ssl::SslVerifyMode::NONE);
        let ctx = ctx.build();
        let sock = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        Ssl::new(&ctx).unwrap().connect(sock).map(|_| ()).map_err(|e| e.to_string())
    });
    let (sock, _) = listener.accept().unwrap();
    let mut conn = Blocking::new(sock, tls::ServerSession::new(&config).unwrap());
    let err = conn.handshake().unwrap_err();
    let err = err.downcast::<Error>().expect("a tls error");
    match *err {
        Error::Peer(PeerError::Handshake { ref reason, .. }) => {
            assert!(reason.contains("NO_SHARED_CIPHER"), "{reason}");
        }
        ref other => panic!("{other:?}"),
    }
    assert!(peer.join().unwrap().is_err());
}
