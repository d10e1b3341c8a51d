//! Request trailers: a [`BodyWriter`] without a length ends with trailer fields, sent as the
//! chunked body's trailer section over HTTP/1.1 (checked byte for byte by a raw server) and
//! as a trailing HEADERS over HTTP/2; our server hands them to the handler
//! ([`Request::trailers`](runtime_mio::server::Request::trailers)) over both, Python's `h2`
//! (a peer we did not write) receives them; a writer with a length refuses them
//! ([`Error::TrailersWithLength`]).

use std::io::{Read as _, Write as _};
use std::net::TcpListener;

use runtime_mio::client::{Client, ClientTimeouts, Error, Request};
use runtime_mio::server::{Response, Server, ServerConfig};

#[path = "support/uploads.rs"]
mod uploads;
use uploads::PyPeer;

/// The upload tests' client (h2c when `h2`), waiting for `100 Continue` as long as by default.
fn client(h2: bool) -> Client {
    uploads::client(h2, ClientTimeouts::default().expect_continue)
}

const TRAILERS: [(&str, &[u8]); 2] = [("X-Checksum", b"sha256=abc"), ("X-Count", b"3\tpieces")];

/// Sends `pieces` through a writer without a length to `url`, ending with [`TRAILERS`].
fn upload(client: &Client, url: &str, pieces: usize) -> runtime_mio::client::Response {
    let (req, mut w) = Request::new("POST", url).unwrap().body_writer(None);
    let feeder = std::thread::spawn(move || {
        for i in 0..pieces {
            w.write_all(format!("piece {i};").as_bytes()).unwrap();
        }
        w.finish_with_trailers(&TRAILERS).unwrap();
    });
    let resp = client.request(req).unwrap();
    feeder.join().unwrap();
    resp
}

/// Our server, HTTP/1.1 and h2c: the handler sees the body and the trailers as sent (names
/// lowercase over HTTP/2).
#[test]
fn our_server_receives_request_trailers_http1_and_h2c() {
    let server = Server::bind(
        "127.0.0.1:0".parse().unwrap(),
        ServerConfig {
            threads: 1,
            ..ServerConfig::default()
        },
        |req| {
            let mut out = format!("{} bytes;", req.body().len());
            for (n, v) in req.trailers() {
                out.push_str(&format!("{n}={};", String::from_utf8_lossy(v)));
            }
            Response::new(200).with_body(out.into_bytes())
        },
    )
    .unwrap();
    let url = format!("http://{}/up", server.local_addr());
    for h2 in [false, true] {
        let client = client(h2);
        for _ in 0..2 {
            let mut resp = upload(&client, &url, 1000);
            assert_eq!(resp.status(), 200);
            let body = String::from_utf8(resp.body().read_to_end().unwrap()).unwrap();
            let want = if h2 {
                "9890 bytes;x-checksum=sha256=abc;x-count=3\tpieces;"
            } else {
                "9890 bytes;X-Checksum=sha256=abc;X-Count=3\tpieces;"
            };
            assert_eq!(body, want, "h2 {h2}");
        }
        // The connection carried both (the trailers ended each message cleanly).
        assert_eq!(client.pool_stats().opened, 1, "h2 {h2}");
    }
    server.shutdown().unwrap();
}

/// HTTP/1.1 on the wire: the last chunk, then the trailer section as given, then the empty
/// line, and nothing else.
#[test]
fn http1_trailer_section_on_the_wire() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    let server = std::thread::spawn(move || {
        let (mut c, _) = l.accept().unwrap();
        let mut got = Vec::new();
        let mut buf = [0u8; 4096];
        let end = b"\r\n0\r\nX-Checksum: sha256=abc\r\nX-Count: 3\tpieces\r\n\r\n";
        while !got.ends_with(end) {
            let n = c.read(&mut buf).unwrap();
            assert!(n > 0, "closed early: {}", String::from_utf8_lossy(&got));
            got.extend_from_slice(&buf[..n]);
        }
        c.write_all(b"HTTP/1.1 204 No Content\r\n\r\n").unwrap();
        got
    });
    let client = client(false);
    let resp = upload(&client, &format!("http://{addr}/up"), 3);
    assert_eq!(resp.status(), 204);
    let got = String::from_utf8(server.join().unwrap()).unwrap();
    let body = &got[got.find("\r\n\r\n").unwrap() + 4..];
    assert!(got.contains("\r\nTransfer-Encoding: chunked\r\n"), "{got}");
    assert!(!got.contains("Content-Length"), "{got}");
    let mut want = String::new();
    for i in 0..3 {
        let p = format!("piece {i};");
        want.push_str(&format!("{:X}\r\n{p}\r\n", p.len()));
    }
    want.push_str("0\r\nX-Checksum: sha256=abc\r\nX-Count: 3\tpieces\r\n\r\n");
    assert_eq!(body, want);
}

/// A writer with a length refuses trailers with a typed error, and the request is aborted.
#[test]
fn trailers_after_a_length_are_refused() {
    let server = Server::bind(
        "127.0.0.1:0".parse().unwrap(),
        ServerConfig::default(),
        |_| Response::new(200),
    )
    .unwrap();
    let client = client(false);
    let url = format!("http://{}/up", server.local_addr());
    // Announced 4, 3 written: the body is not complete before the refusal (a complete one
    // may be answered before the writer is refused).
    let (req, mut w) = Request::new("POST", &url).unwrap().body_writer(Some(4));
    let feeder = std::thread::spawn(move || {
        w.write_all(b"abc").unwrap();
        w.finish_with_trailers(&TRAILERS)
    });
    let sent = client.request(req);
    let refused = feeder.join().unwrap();
    assert!(
        matches!(refused, Err(Error::TrailersWithLength)),
        "{refused:?}"
    );
    assert!(sent.is_err(), "{:?}", sent.map(|r| r.status()));

    // A field name that is not a token, a value with whitespace around it: refused too.
    for bad in [
        ("Bad Name", &b"x"[..]),
        ("X-Ok", b" x"),
        ("X-Ok", b"a\r\nb"),
    ] {
        let (req, w) = Request::new("POST", &url).unwrap().body_writer(None);
        let feeder = std::thread::spawn(move || w.finish_with_trailers(&[bad]));
        let sent = client.request(req);
        let refused = feeder.join().unwrap();
        assert!(
            matches!(refused, Err(Error::InvalidRequest(_))),
            "{bad:?}: {refused:?}"
        );
        assert!(sent.is_err());
    }
    server.shutdown().unwrap();
}

/// Python's `h2` (`tests/expect_h2_peer.py`, h2c) receives the trailing HEADERS.
#[test]
fn python_h2_receives_request_trailers() {
    let mut peer = PyPeer::start();
    let client = client(true);
    let url = format!("http://127.0.0.1:{}/continue", peer.port);
    let mut resp = upload(&client, &url, 3);
    assert_eq!(resp.status(), 200);
    let want = "len=24 trailers=[['x-checksum', 'sha256=abc'], ['x-count', '3\\tpieces']]";
    assert_eq!(resp.body().read_to_end().unwrap(), want.as_bytes());
    assert_eq!(peer.line(), format!("continue {want}"));
}
