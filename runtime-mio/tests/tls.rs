//! The server over TLS, with the workspace's own `tls` client session on a blocking socket.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use runtime_mio::server::{Request, Response, Server, ServerConfig};
use runtime_mio::timer::Timeout;

#[path = "support/tls_server.rs"]
mod tls_server;
use tls_server::self_signed_tls;

fn start() -> (Server, Vec<u8>) {
    let (tls, pem) = self_signed_tls(&["localhost"]);
    let mut config = ServerConfig {
        threads: 1,
        tls: Some(tls),
        ..ServerConfig::default()
    };
    config.timeouts.tls_handshake = Timeout::After(Duration::from_millis(300));
    let handler = |req: &Request| match req.path() {
        "/big" => Response::new(200).with_body(vec![b'q'; 1 << 20]),
        p => Response::text(200, format!("{} over TLS", p)),
    };
    let s = Server::bind("127.0.0.1:0".parse().unwrap(), config, handler).unwrap();
    (s, pem)
}

/// A TLS client on a blocking socket: the handshake, then `request`, then everything until
/// the server closes.
fn fetch(server: &Server, root: &[u8], request: &[u8]) -> (Vec<u8>, Option<Vec<u8>>) {
    fetch_alpn(server, root, b"http/1.1", request)
}

/// [`fetch`], offering the one ALPN protocol `alpn`.
fn fetch_alpn(
    server: &Server,
    root: &[u8],
    alpn: &[u8],
    request: &[u8],
) -> (Vec<u8>, Option<Vec<u8>>) {
    let mut b = tls::ClientConfig::builder();
    b.add_root_pem(root).alpn(&[alpn]);
    let config = b.build().unwrap();
    let mut session = tls::ClientSession::new(&config, "localhost").unwrap();
    let mut sock = TcpStream::connect(server.local_addr()).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut out = Vec::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut sent = false;
    let mut plain = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        assert!(Instant::now() < deadline, "timed out");
        let done = session.handshake().unwrap() == tls::HandshakeStatus::Complete;
        if done && !sent {
            assert_eq!(session.write(request).unwrap(), request.len());
            sent = true;
        }
        out.clear();
        session.poll_transmit(&mut out);
        sock.write_all(&out).unwrap();
        if done {
            loop {
                match session.read(&mut buf).unwrap() {
                    tls::Plaintext::Data(n) => plain.extend_from_slice(&buf[..n]),
                    tls::Plaintext::Closed => {
                        return (plain, session.alpn().map(<[u8]>::to_vec));
                    }
                    _ => break,
                }
            }
        }
        let n = sock.read(&mut buf).unwrap();
        if n == 0 {
            return (plain, session.alpn().map(<[u8]>::to_vec));
        }
        assert_eq!(session.recv(&buf[..n]).unwrap(), n);
    }
}

#[test]
fn http1_over_tls() {
    let (s, root) = start();
    let (got, alpn) = fetch(
        &s,
        &root,
        b"GET /a HTTP/1.1\r\nHost: localhost\r\n\r\nGET /big HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(alpn.as_deref(), Some(&b"http/1.1"[..]));
    let text = String::from_utf8_lossy(&got);
    assert!(
        text.starts_with("HTTP/1.1 200 OK\r\n"),
        "{}",
        &text[..200.min(text.len())]
    );
    assert!(
        text.contains("\r\n\r\n/a over TLS"),
        "{}",
        &text[..300.min(text.len())]
    );
    let big = got.iter().filter(|&&b| b == b'q').count();
    assert_eq!(big, 1 << 20);
    assert!(text.contains("Connection: close\r\n"));
    s.shutdown().unwrap();
}

/// A client that connects and never starts the handshake is closed by the handshake timer.
#[test]
fn handshake_timeout_closes() {
    let (s, _) = start();
    let mut c = TcpStream::connect(s.local_addr()).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let t0 = Instant::now();
    let mut v = Vec::new();
    let _ = c.read_to_end(&mut v);
    assert!(v.is_empty());
    let elapsed = t0.elapsed();
    assert!(elapsed >= Duration::from_millis(250), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
    s.shutdown().unwrap();
}

/// Cleartext HTTP to a TLS port: the handshake fails, an alert (or nothing) comes back and
/// the connection closes; the server goes on.
#[test]
fn cleartext_to_tls_port_is_refused() {
    let (s, root) = start();
    let mut c = TcpStream::connect(s.local_addr()).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    c.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let mut v = Vec::new();
    let _ = c.read_to_end(&mut v);
    assert!(!v.starts_with(b"HTTP/"), "{v:?}");
    let (got, _) = fetch(
        &s,
        &root,
        b"GET /after HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    );
    assert!(String::from_utf8_lossy(&got).ends_with("/after over TLS"));
    s.shutdown().unwrap();
}

/// ALPN `h2` decides for HTTP/2 before any byte: a connection that then sends an HTTP/1.1
/// request instead of the preface gets an HTTP/2 connection error (RFC 9113 section 3.4:
/// GOAWAY with PROTOCOL_ERROR, or nothing), never an HTTP/1.1 answer.
#[test]
fn alpn_h2_with_a_wrong_preface_is_a_connection_error() {
    let (s, root) = start();
    let (got, alpn) = fetch_alpn(&s, &root, b"h2", b"GET /x HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(alpn.as_deref(), Some(&b"h2"[..]));
    assert!(
        !got.starts_with(b"HTTP/"),
        "{}",
        String::from_utf8_lossy(&got)
    );
    // The server's SETTINGS may come first; a GOAWAY, if any, says PROTOCOL_ERROR.
    let mut pos = 0;
    while pos + 9 <= got.len() {
        let len = usize::from(got[pos]) << 16
            | usize::from(got[pos + 1]) << 8
            | usize::from(got[pos + 2]);
        if got[pos + 3] == 7 {
            let code = &got[pos + 9 + 4..pos + 9 + 8];
            assert_eq!(code, [0, 0, 0, 1], "GOAWAY code");
        }
        pos += 9 + len;
    }
    assert_eq!(pos, got.len(), "whole frames only");
    // The same bytes with ALPN http/1.1 are an HTTP/1.1 request.
    let (got, _) = fetch_alpn(
        &s,
        &root,
        b"http/1.1",
        b"GET /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert!(got.starts_with(b"HTTP/1.1 200 "));
    s.shutdown().unwrap();
}
