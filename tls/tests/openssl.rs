//! Real peers on loopback: `openssl s_server` and `openssl s_client` (OpenSSL 3) against our
//! sessions, through the blocking adapter of `examples/blocking`.

#[path = "../examples/blocking/adapter.rs"]
#[allow(dead_code)]
mod adapter;

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};

use adapter::Blocking;
use tls::testing::Ca;
use tls::{ClientConfig, ClientSession, Error, PeerError, ServerConfig, ServerSession, Version};

struct Files {
    dir: std::path::PathBuf,
    ca: std::path::PathBuf,
    cert: std::path::PathBuf,
    key: std::path::PathBuf,
    ca_pem: Vec<u8>,
}

impl Drop for Files {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn files(tag: &str) -> Files {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let ca = Ca::new("openssl test CA", now).unwrap();
    let leaf = ca
        .leaf(&["localhost"], now - 60, now + 3600, false)
        .unwrap();
    let dir = std::env::temp_dir().join(format!("tls-openssl-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (cap, certp, keyp) = (
        dir.join("ca.pem"),
        dir.join("cert.pem"),
        dir.join("key.pem"),
    );
    let ca_pem = ca.cert_pem().unwrap();
    std::fs::write(&cap, &ca_pem).unwrap();
    std::fs::write(&certp, &leaf.chain_pem).unwrap();
    std::fs::write(&keyp, &leaf.key_pem).unwrap();
    Files {
        dir,
        ca: cap,
        cert: certp,
        key: keyp,
        ca_pem,
    }
}

struct Kill(Child);

impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn connect_retry(port: u16) -> TcpStream {
    for _ in 0..100 {
        if let Ok(s) = TcpStream::connect(("127.0.0.1", port)) {
            return s;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("openssl s_server did not start on port {port}");
}

fn s_server(f: &Files, port: u16, extra: &[&str]) -> Kill {
    let child = Command::new("openssl")
        .args([
            "s_server",
            "-accept",
            &format!("127.0.0.1:{port}"),
            "-rev",
            "-quiet",
        ])
        .arg("-cert")
        .arg(&f.cert)
        .arg("-key")
        .arg(&f.key)
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("openssl is installed");
    Kill(child)
}

fn client_config(f: &Files) -> ClientConfig {
    let mut b = ClientConfig::builder();
    b.system_roots(false)
        .add_root_pem(&f.ca_pem)
        .alpn(&[b"h2", b"http/1.1"]);
    b.build().unwrap()
}

#[test]
fn our_client_against_openssl_s_server() {
    let f = files("client");
    let port = free_port();
    let _server = s_server(&f, port, &["-alpn", "http/1.1"]);
    let sock = connect_retry(port);
    let mut conn = Blocking::new(
        sock,
        ClientSession::new(&client_config(&f), "localhost").unwrap(),
    );
    conn.handshake().unwrap();
    assert_eq!(conn.tls.version(), Some(Version::Tls13));
    assert_eq!(conn.tls.alpn(), Some(&b"http/1.1"[..]));
    conn.write_all(b"hello openssl\n").unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 256];
    while !got.ends_with(b"\n") {
        let n = conn.read(&mut buf).unwrap();
        assert!(n > 0, "closed early: {got:?}");
        got.extend_from_slice(&buf[..n]);
    }
    assert_eq!(got, b"lssnepo olleh\n");
    conn.close().unwrap();
}

#[test]
fn our_client_tls12_against_openssl_s_server() {
    let f = files("client12");
    let port = free_port();
    let _server = s_server(&f, port, &["-tls1_2"]);
    let sock = connect_retry(port);
    let mut conn = Blocking::new(
        sock,
        ClientSession::new(&client_config(&f), "localhost").unwrap(),
    );
    conn.handshake().unwrap();
    assert_eq!(conn.tls.version(), Some(Version::Tls12));
    conn.write_all(b"abc\n").unwrap();
    let mut buf = [0u8; 64];
    let n = conn.read(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"cba\n");
}

#[test]
fn our_client_rejects_openssl_with_wrong_name() {
    let f = files("wrongname");
    let port = free_port();
    let _server = s_server(&f, port, &[]);
    let sock = connect_retry(port);
    let mut conn = Blocking::new(
        sock,
        ClientSession::new(&client_config(&f), "wrong.test").unwrap(),
    );
    let err = conn.handshake().unwrap_err();
    let err = err.downcast::<Error>().expect("a tls error");
    assert!(
        matches!(
            *err,
            Error::Peer(PeerError::CertificateVerification { code: 62, .. })
        ),
        "{err:?}"
    );
}

#[test]
fn openssl_s_client_against_our_server() {
    let f = files("server");
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut sb = ServerConfig::builder();
    sb.cert_pem_files(&f.cert, &f.key)
        .unwrap()
        .keep_client_hello(true);
    let config = sb.build().unwrap();

    let mut client = Kill(
        Command::new("openssl")
            .args([
                "s_client",
                "-connect",
                &format!("127.0.0.1:{port}"),
                "-servername",
                "localhost",
            ])
            .args([
                "-alpn",
                "h2,http/1.1",
                "-verify_return_error",
                "-quiet",
                "-CAfile",
            ])
            .arg(&f.ca)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("openssl is installed"),
    );
    let (sock, _) = listener.accept().unwrap();
    let mut conn = Blocking::new(sock, ServerSession::new(&config).unwrap());
    conn.handshake().unwrap();
    assert_eq!(conn.tls.alpn(), Some(&b"h2"[..]));
    assert_eq!(conn.tls.server_name(), Some("localhost"));
    let ja4 = conn.tls.client_fingerprints().unwrap().ja4.clone();
    assert!(ja4.starts_with("t13d"), "{ja4}");

    let mut stdin = client.0.stdin.take().unwrap();
    stdin.write_all(b"ping from s_client\n").unwrap();
    stdin.flush().unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 256];
    while !got.ends_with(b"\n") {
        let n = conn.read(&mut buf).unwrap();
        assert!(n > 0);
        got.extend_from_slice(&buf[..n]);
    }
    assert_eq!(got, b"ping from s_client\n");
    conn.write_all(b"pong from ours\n").unwrap();
    let mut line = String::new();
    BufReader::new(client.0.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line, "pong from ours\n");
    conn.close().unwrap();
    drop(stdin);
}

fn profile_client(f: &Files, profile: &'static tls::Profile) -> ClientConfig {
    let mut b = ClientConfig::builder();
    b.system_roots(false)
        .add_root_pem(&f.ca_pem)
        .profile(profile);
    b.build().unwrap()
}

/// Firefox lists ffdhe2048 and ffdhe3072 in supported_groups, which BoringSSL cannot compute.
/// A TLS 1.3 server that only has ffdhe2048 asks for it in a HelloRetryRequest: the handshake
/// fails with a typed handshake error (BoringSSL queues no reason and sends no alert, so the
/// server sees the connection end) instead of going on with a group the client cannot use.
#[test]
fn firefox_profile_when_the_server_asks_for_ffdhe() {
    let f = files("firefoxffdhe");
    let port = free_port();
    let _server = s_server(&f, port, &["-tls1_3", "-groups", "ffdhe2048"]);
    let sock = connect_retry(port);
    let mut conn = Blocking::new(
        sock,
        ClientSession::new(&profile_client(&f, &tls::profile::FIREFOX), "localhost").unwrap(),
    );
    let err = conn.handshake().unwrap_err();
    let err = err.downcast::<Error>().expect("a tls error");
    assert_eq!(
        *err,
        Error::Peer(PeerError::Handshake {
            alert: None,
            reason: "BoringSSL stopped without an error code".to_owned()
        })
    );
}
