//! What the browser profiles' legacy offers lead to when a server takes them up, on loopback,
//! our client through the blocking adapter of `examples/blocking`: a BoringSSL server (the
//! same `boring2` build, which can still serve the 3DES suites that our own
//! [`ServerConfig`](tls::ServerConfig) never enables), and `gnutls-serv` (GnuTLS implements the
//! server side of RFC 8449 `record_size_limit`; Debian's gnutls-bin, installed with the test
//! peers).

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
        Ssl::new(&ctx)
            .unwrap()
            .connect(sock)
            .map(|_| ())
            .map_err(|e| e.to_string())
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

/// A `gnutls-serv --echo` (GnuTLS implements the server side of RFC 8449) announcing
/// `record_size_limit` 512 to clients that offer the extension, on a free port; killed on drop.
struct Gnutls {
    child: std::process::Child,
    dir: std::path::PathBuf,
    port: u16,
    ca: Vec<u8>,
}

impl Drop for Gnutls {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn gnutls_serv(priority: &str) -> Gnutls {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let ca = Ca::new("gnutls peer CA", now).unwrap();
    let leaf = ca
        .leaf(&["localhost"], now - 60, now + 3600, false)
        .unwrap();
    let dir = std::env::temp_dir().join(format!(
        "tls-gnutls-{}-{}",
        std::process::id(),
        priority.len()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("cert.pem"), &leaf.chain_pem).unwrap();
    std::fs::write(dir.join("key.pem"), &leaf.key_pem).unwrap();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = std::process::Command::new("gnutls-serv")
        .arg(format!("--port={port}"))
        .arg(format!("--x509certfile={}", dir.join("cert.pem").display()))
        .arg(format!("--x509keyfile={}", dir.join("key.pem").display()))
        .args(["--recordsize=512", "--echo"])
        .arg(format!("--priority={priority}"))
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect(
            "gnutls-serv (Debian's gnutls-bin, installed with the test peers: \
             SETUP_PEERS=1 . scripts/setup.sh)",
        );
    Gnutls {
        child,
        dir,
        port,
        ca: ca.cert_pem().unwrap(),
    }
}

/// Sends `n` bytes (one line) and reads the echo back; the session's error when it fails.
fn echo<R>(conn: &mut Blocking<R>, n: usize) -> Result<(), Error> {
    let tls_err = |e: adapter::BoxError| *e.downcast::<Error>().expect("a tls error");
    let mut line = vec![b'x'; n - 1];
    line.push(b'\n');
    conn.write_all(&line).map_err(tls_err)?;
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while got.len() < line.len() {
        let k = conn.read(&mut buf).map_err(tls_err)?;
        assert!(k > 0, "closed after {} bytes", got.len());
        got.extend_from_slice(&buf[..k]);
    }
    assert_eq!(got, line);
    Ok(())
}

fn connect_gnutls(server: &Gnutls, profile: &'static Profile) -> Blocking<tls::Client> {
    for _ in 0..100 {
        if let Ok(sock) = std::net::TcpStream::connect(("127.0.0.1", server.port)) {
            let config = client(&server.ca, Some(profile));
            let mut conn = Blocking::new(sock, ClientSession::new(&config, "localhost").unwrap());
            conn.handshake().unwrap();
            return conn;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("gnutls-serv did not start on port {}", server.port);
}

/// Firefox announces `record_size_limit`; a server may answer with a smaller limit of its own
/// (here 512 bytes of plaintext), which Firefox honours. BoringSSL (the fork) parses the
/// answer and ignores it; our message callback lowers the connection's record size to it, so
/// a 2000-byte message goes through in records the server accepts, in TLS 1.3 (the limit in
/// EncryptedExtensions) and TLS 1.2 (in the ServerHello). Without that, GnuTLS ends the
/// connection with `record_overflow` at the first larger record. A profile that does not
/// announce the extension (Chrome) is not limited at all.
#[test]
fn firefox_profile_honours_a_server_record_size_limit() {
    for (priority, version) in [
        ("NORMAL", Version::Tls13),
        ("NORMAL:-VERS-TLS1.3", Version::Tls12),
    ] {
        let server = gnutls_serv(priority);
        let mut firefox = connect_gnutls(&server, &tls::profile::FIREFOX);
        assert_eq!(firefox.tls.version(), Some(version));
        echo(&mut firefox, 2000).unwrap_or_else(|e| panic!("{priority}: {e:?}"));
        let mut chrome = connect_gnutls(&server, &tls::profile::CHROME);
        assert_eq!(chrome.tls.version(), Some(version));
        echo(&mut chrome, 2000).unwrap_or_else(|e| panic!("{priority}: {e:?}"));
    }
}

/// Our servers keep stock BoringSSL's groups, the post-quantum hybrid included (the fork's
/// default has none): a client that only offers X25519MLKEM768 completes the handshake.
#[test]
fn our_server_accepts_x25519mlkem768() {
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
        ctx.set_curves_list("X25519MLKEM768").unwrap();
        ctx.set_verify(boring::ssl::SslVerifyMode::NONE);
        let ctx = ctx.build();
        let sock = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        let mut s = Ssl::new(&ctx)
            .unwrap()
            .connect(sock)
            .map_err(|e| e.to_string())?;
        s.write_all(b"pq\n").map_err(|e| e.to_string())
    });
    let (sock, _) = listener.accept().unwrap();
    let mut conn = Blocking::new(sock, tls::ServerSession::new(&config).unwrap());
    conn.handshake().unwrap();
    assert_eq!(conn.tls.version(), Some(Version::Tls13));
    let mut buf = [0u8; 8];
    let n = conn.read(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"pq\n");
    peer.join().unwrap().unwrap();
}
