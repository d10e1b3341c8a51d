//! `Expect: 100-continue` (RFC 9110 10.1.1) through the client: the body waits for `100
//! Continue` (HTTP/1.1 from a raw server, HTTP/1.1 and h2c from our server, h2c from Python's
//! `h2`), is not sent when a final answer comes first (413 with the connection closed after a
//! `Content-Length` body, kept after a chunked one; 413 over HTTP/2 ends our stream with
//! RST_STREAM(NO_ERROR) and no DATA), goes after the wait when the server says nothing, and a
//! 417 is answered by sending the request again without the expectation.

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::thread::JoinHandle;
use std::time::Duration;

use runtime_mio::client::{Client, ClientConfig, ClientTimeouts, Request, Version};
use runtime_mio::server::{Response, Server, ServerConfig};
use runtime_mio::timer::Timeout;

#[path = "support/uploads.rs"]
mod uploads;
use uploads::{PyPeer, client};

/// Every byte value, in an order that shows a dropped or repeated piece.
fn body_of(len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u32).wrapping_mul(2_654_435_761).to_le_bytes()[3] ^ (i as u8))
        .collect()
}

/// What a raw server read of one request: its head, and the body bytes it got.
#[derive(Debug)]
struct Seen {
    head: String,
    body: Vec<u8>,
}

/// Reads one request head from `c` (bytes after it stay in `rest`).
fn read_head(c: &mut TcpStream, rest: &mut Vec<u8>) -> Option<String> {
    let mut buf = [0u8; 65536];
    loop {
        if let Some(p) = rest.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8(rest[..p + 4].to_vec()).unwrap();
            rest.drain(..p + 4);
            return Some(head);
        }
        let n = c.read(&mut buf).ok()?;
        if n == 0 {
            return None;
        }
        rest.extend_from_slice(&buf[..n]);
    }
}

fn content_length(head: &str) -> Option<usize> {
    head.lines()
        .find_map(|l| l.strip_prefix("Content-Length: "))
        .map(|v| v.trim().parse().unwrap())
}

/// Reads exactly `n` body bytes (some may be in `rest`).
fn read_body(c: &mut TcpStream, rest: &mut Vec<u8>, n: usize) -> Vec<u8> {
    let mut buf = [0u8; 65536];
    while rest.len() < n {
        let k = c.read(&mut buf).unwrap();
        assert!(k > 0, "closed in the body");
        rest.extend_from_slice(&buf[..k]);
    }
    rest.drain(..n).collect()
}

/// Everything that still comes until the client closes (or 5 s pass with nothing).
fn read_rest(c: &mut TcpStream, rest: &mut Vec<u8>) -> (Vec<u8>, bool) {
    c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut buf = [0u8; 65536];
    loop {
        match c.read(&mut buf) {
            Ok(0) => return (std::mem::take(rest), true),
            Ok(k) => rest.extend_from_slice(&buf[..k]),
            Err(_) => return (std::mem::take(rest), false),
        }
    }
}

/// A raw HTTP/1.1 server on one connection: for each request, `100 Continue` unless
/// `silent`, then the body read (Content-Length) and `200` with its length.
fn continue_server(silent: bool, requests: usize) -> (SocketAddr, JoinHandle<Vec<Seen>>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    let t = std::thread::spawn(move || {
        let (mut c, _) = l.accept().unwrap();
        let mut rest = Vec::new();
        let mut seen = Vec::new();
        for _ in 0..requests {
            let head = read_head(&mut c, &mut rest).unwrap();
            if !silent {
                // The client holds the body back: nothing of it came with the head, nor
                // in the 200 ms before the 100 (a client that does not wait sends it all
                // at once).
                c.set_read_timeout(Some(Duration::from_millis(200)))
                    .unwrap();
                let mut b = [0u8; 1];
                let early = c.peek(&mut b).is_ok();
                c.set_read_timeout(None).unwrap();
                assert!(rest.is_empty() && !early, "body sent before 100 Continue");
                c.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").unwrap();
            }
            let n = content_length(&head).unwrap();
            let body = read_body(&mut c, &mut rest, n);
            c.write_all(
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{n}",
                    n.to_string().len()
                )
                .as_bytes(),
            )
            .unwrap();
            seen.push(Seen { head, body });
        }
        seen
    });
    (addr, t)
}

/// HTTP/1.1: the head goes with `Expect: 100-continue`, the body only after the server's
/// 100 (the client waits up to 30 s here); the connection is kept for a second request.
#[test]
fn http1_body_waits_for_100_continue() {
    let (addr, server) = continue_server(false, 2);
    let client = client(false, Timeout::After(Duration::from_secs(30)));
    let body = body_of(300_000);
    for _ in 0..2 {
        let req = Request::post(&format!("http://{addr}/up"), body.clone())
            .unwrap()
            .expect_continue();
        let mut resp = client.request(req).unwrap();
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.body().read_to_end().unwrap(), b"300000");
    }
    let seen = server.join().unwrap();
    for s in &seen {
        assert!(
            s.head.contains("\r\nExpect: 100-continue\r\n"),
            "{}",
            s.head
        );
        assert!(s.body == body);
    }
    assert_eq!(client.pool_stats().opened, 1);
}

/// A server that never sends 100 gets the body once the client's wait ran out.
#[test]
fn http1_body_goes_after_the_wait_without_100() {
    let (addr, server) = continue_server(true, 1);
    let client = client(false, Timeout::After(Duration::from_millis(300)));
    let body = body_of(100_000);
    let req = Request::post(&format!("http://{addr}/up"), body.clone())
        .unwrap()
        .header("Expect", "100-continue");
    let mut resp = client.request(req).unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.body().read_to_end().unwrap(), b"100000");
    let seen = server.join().unwrap();
    assert!(seen[0].body == body);
}

/// What a refusing server saw: the first request's head, the bytes that came after its
/// answer, whether the client then closed, and the request sent again (when served).
struct Refused {
    first: Seen,
    after: Vec<u8>,
    closed: bool,
    again: Option<Seen>,
}

/// A raw server that answers the first request's head with `status` at once (no 100), then
/// reports what else came on that connection until the client closed it (or 5 s of
/// nothing); with `then_serve`, a second request on a second connection is read whole and
/// answered 200.
fn refusing_server(status: u16, then_serve: bool) -> (SocketAddr, JoinHandle<Refused>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    let t = std::thread::spawn(move || {
        let (mut c, _) = l.accept().unwrap();
        let mut rest = Vec::new();
        let head = read_head(&mut c, &mut rest).unwrap();
        c.write_all(format!("HTTP/1.1 {status} No\r\nContent-Length: 2\r\n\r\nno").as_bytes())
            .unwrap();
        let first = Seen {
            head,
            body: Vec::new(),
        };
        if then_serve {
            // The client closes the first connection (its body was announced and not
            // sent) and sends again on a new one.
            let (after, closed) = read_rest(&mut c, &mut rest);
            let (mut c2, _) = l.accept().unwrap();
            let mut rest2 = Vec::new();
            let head = read_head(&mut c2, &mut rest2).unwrap();
            let body = read_body(&mut c2, &mut rest2, content_length(&head).unwrap());
            c2.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                .unwrap();
            return Refused {
                first,
                after,
                closed,
                again: Some(Seen { head, body }),
            };
        }
        let (after, closed) = read_rest(&mut c, &mut rest);
        Refused {
            first,
            after,
            closed,
            again: None,
        }
    });
    (addr, t)
}

/// A 413 before the body went: it is the response, no body byte reaches the server, and the
/// connection (its `Content-Length` body announced and not sent) is closed by the client.
#[test]
fn http1_final_answer_first_means_no_body_and_a_closed_connection() {
    let (addr, server) = refusing_server(413, false);
    let client = client(false, Timeout::After(Duration::from_secs(30)));
    let req = Request::post(&format!("http://{addr}/up"), body_of(1 << 20))
        .unwrap()
        .expect_continue();
    let mut resp = client.request(req).unwrap();
    assert_eq!(resp.status(), 413);
    assert_eq!(resp.body().read_to_end().unwrap(), b"no");
    let r = server.join().unwrap();
    assert_eq!(r.after.len(), 0, "body bytes after the refusal");
    assert!(r.closed, "the connection was not closed");
}

/// A chunked body refused before it went is ended empty (`0\r\n\r\n`, nothing else), and the
/// connection stays usable; a writer still writing learns why it must stop.
#[test]
fn http1_chunked_body_refused_first_ends_empty() {
    let (addr, server) = refusing_server(413, false);
    let client = client(false, Timeout::After(Duration::from_secs(30)));
    let (req, mut w) = Request::new("POST", &format!("http://{addr}/up"))
        .unwrap()
        .expect_continue()
        .body_writer(None);
    let feeder = std::thread::spawn(move || {
        let piece = body_of(1 << 16);
        for _ in 0..64 {
            if let Err(e) = w.write_all(&piece) {
                return Some(e.to_string());
            }
        }
        w.finish().err().map(|e| e.to_string())
    });
    let mut resp = client.request(req).unwrap();
    assert_eq!(resp.status(), 413);
    assert_eq!(resp.body().read_to_end().unwrap(), b"no");
    let stopped = feeder.join().unwrap();
    assert!(
        stopped.as_deref().is_some_and(|e| e.contains("413")),
        "{stopped:?}"
    );
    // The connection stays in the pool; dropping the client closes it.
    assert_eq!(client.pool_stats().open, 1);
    drop(resp);
    drop(client);
    let r = server.join().unwrap();
    assert!(
        r.first.head.contains("Transfer-Encoding: chunked"),
        "{}",
        r.first.head
    );
    assert_eq!(r.after, b"0\r\n\r\n");
    assert!(r.closed);
}

/// RFC 9110 10.1.1: a 417 to `Expect: 100-continue` is answered by sending the request again
/// without the expectation (as curl does): the caller sees the second answer.
#[test]
fn http1_417_is_retried_without_the_expectation() {
    let (addr, server) = refusing_server(417, true);
    let client = client(false, Timeout::After(Duration::from_secs(30)));
    let body = body_of(200_000);
    let req = Request::post(&format!("http://{addr}/up"), body.clone())
        .unwrap()
        .expect_continue();
    let mut resp = client.request(req).unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.body().read_to_end().unwrap(), b"ok");
    let r = server.join().unwrap();
    assert!(r.first.head.contains("Expect: 100-continue"));
    assert!(r.after.is_empty() && r.closed);
    let second = r.again.unwrap();
    assert!(
        !second.head.to_ascii_lowercase().contains("expect"),
        "{}",
        second.head
    );
    assert!(second.body == body);
}

/// Our server sends 100 Continue before reading a body (HTTP/1.1 and h2c): with an
/// unlimited wait, the upload completes only because the 100 came (the expectation as the
/// client adds it, and as one member of the caller's own `Expect` list).
#[test]
fn our_server_sends_100_continue_http1_and_h2c() {
    let server = Server::bind(
        "127.0.0.1:0".parse().unwrap(),
        ServerConfig {
            threads: 1,
            ..ServerConfig::default()
        },
        |req| Response::new(200).with_body(req.body().to_vec()),
    )
    .unwrap();
    let url = format!("http://{}/echo", server.local_addr());
    let body = body_of(1 << 20);
    for h2 in [false, true] {
        let client = client(h2, Timeout::Unlimited);
        for _ in 0..2 {
            let req = Request::post(&url, body.clone()).unwrap().expect_continue();
            let mut resp = client.request(req).unwrap();
            assert_eq!(resp.status(), 200, "h2 {h2}");
            // The 100 the body waited for is on the response, as received.
            let interim: Vec<_> = resp
                .informational()
                .iter()
                .map(|i| (i.status(), i.version(), i.reason(), i.headers().len()))
                .collect();
            let want = if h2 {
                (100, Version::H2, None, 0)
            } else {
                (100, Version::Http11, Some(&b"Continue"[..]), 0)
            };
            assert_eq!(interim, [want], "h2 {h2}");
            assert!(resp.body().read_to_end().unwrap() == body, "h2 {h2}");
        }
        // The caller's own field, `100-continue` as one member of the list (RFC 9110
        // 10.1.1): the client waits for the 100 and the server sends it.
        let req = Request::post(&url, body.clone())
            .unwrap()
            .header("Expect", "x-other, 100-Continue");
        let mut resp = client.request(req).unwrap();
        assert_eq!(resp.status(), 200, "h2 {h2}");
        assert!(resp.body().read_to_end().unwrap() == body, "h2 {h2}");
        assert_eq!(client.pool_stats().opened, 1, "h2 {h2}");
    }
    server.shutdown().unwrap();
}

/// HTTP/2 against Python's `h2`: the body's DATA waits for the 100 HEADERS; a 413 before it
/// means no DATA at all and our half of the stream ended by RST_STREAM(NO_ERROR), on a
/// connection that serves the next request.
#[test]
fn h2_expect_continue_against_python_h2() {
    let mut peer = PyPeer::start();
    let base = format!("http://127.0.0.1:{}", peer.port);
    let client = client(true, Timeout::Unlimited);
    let body = body_of(200_000);

    let req = Request::post(&format!("{base}/refuse"), body.clone())
        .unwrap()
        .expect_continue();
    let mut resp = client.request(req).unwrap();
    assert_eq!(resp.status(), 413);
    assert_eq!(resp.body().read_to_end().unwrap(), b"");
    assert_eq!(peer.line(), "refuse expect=100-continue data=0 reset=0");

    let req = Request::post(&format!("{base}/continue"), body.clone())
        .unwrap()
        .expect_continue();
    let mut resp = client.request(req).unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.body().read_to_end().unwrap(),
        b"len=200000 trailers=[]"
    );
    assert_eq!(peer.line(), "continue len=200000 trailers=[]");
    assert_eq!(client.pool_stats().opened, 1);
}

/// HTTP/2: a server that never sends 100 gets the body's DATA once the client's wait ran out.
#[test]
fn h2_body_goes_after_the_wait_without_100() {
    let mut peer = PyPeer::start();
    let client = client(true, Timeout::After(Duration::from_millis(300)));
    let req = Request::post(
        &format!("http://127.0.0.1:{}/silent", peer.port),
        body_of(100_000),
    )
    .unwrap()
    .expect_continue();
    let mut resp = client.request(req).unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.body().read_to_end().unwrap(),
        b"len=100000 trailers=[]"
    );
    assert_eq!(peer.line(), "silent len=100000 trailers=[]");
}

/// `ClientConfig::expect_continue_over` (curl's 1 MiB by default): an HTTP/1.1 body over it
/// gets `Expect: 100-continue` by itself and waits for the 100 (the raw server checks that
/// nothing of it came first); one of exactly the threshold does not.
#[test]
fn http1_large_upload_expects_continue_by_itself() {
    assert_eq!(
        ClientConfig::default().expect_continue_over,
        Some(1024 * 1024)
    );
    let with_threshold = |over| {
        Client::new(ClientConfig {
            expect_continue_over: over,
            timeouts: ClientTimeouts {
                expect_continue: Timeout::After(Duration::from_secs(30)),
                total: Timeout::After(Duration::from_secs(30)),
                ..ClientTimeouts::default()
            },
            ..ClientConfig::default()
        })
        .unwrap()
    };
    let (addr, server) = continue_server(false, 1);
    let body = body_of(1001);
    let req = Request::post(&format!("http://{addr}/up"), body.clone()).unwrap();
    let mut resp = with_threshold(Some(1000)).request(req).unwrap();
    assert_eq!(resp.body().read_to_end().unwrap(), b"1001");
    let seen = server.join().unwrap();
    assert!(seen[0].head.contains("\r\nExpect: 100-continue\r\n"));
    assert!(seen[0].body == body);
    // At the threshold, and with the feature off: no expectation (a silent server would
    // otherwise hold the body for the 30 s wait).
    for (over, len) in [(Some(1000), 1000), (None, 5000)] {
        let (addr, server) = continue_server(true, 1);
        let body = body_of(len);
        let req = Request::post(&format!("http://{addr}/up"), body.clone()).unwrap();
        let mut resp = with_threshold(over).request(req).unwrap();
        assert_eq!(
            resp.body().read_to_end().unwrap(),
            len.to_string().as_bytes()
        );
        let seen = server.join().unwrap();
        assert!(!seen[0].head.contains("Expect"), "{}", seen[0].head);
        assert!(seen[0].body == body);
    }
}

/// Our server reports the `Expect` field it got: added over HTTP/1.1 to a body over the
/// threshold and to a streamed body of unknown length (sent chunked), never over h2c (as
/// curl), never when the caller set its own field.
#[test]
fn automatic_expectation_is_http1_only_and_yields_to_the_callers() {
    let server = Server::bind(
        "127.0.0.1:0".parse().unwrap(),
        ServerConfig {
            threads: 1,
            ..ServerConfig::default()
        },
        |req| {
            // Every `Expect` field, so that one sent twice shows.
            let expect: Vec<String> = req
                .headers()
                .filter(|(n, _)| n.eq_ignore_ascii_case("expect"))
                .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
                .collect();
            let expect = if expect.is_empty() {
                "-".to_owned()
            } else {
                expect.join(",")
            };
            Response::text(200, format!("{expect} {}", req.body().len()))
        },
    )
    .unwrap();
    let url = format!("http://{}/up", server.local_addr());
    for h2 in [false, true] {
        let client = Client::new(ClientConfig {
            h2_prior_knowledge: h2,
            expect_continue_over: Some(1000),
            ..ClientConfig::default()
        })
        .unwrap();
        let send = |req: Request| {
            let mut r = client.request(req).unwrap();
            assert_eq!(r.status(), 200);
            String::from_utf8(r.body().read_to_end().unwrap()).unwrap()
        };
        let expected = if h2 { "-" } else { "100-continue" };
        let big = Request::post(&url, body_of(2000)).unwrap();
        assert_eq!(send(big), format!("{expected} 2000"), "h2 {h2}");
        let small = Request::post(&url, body_of(1000)).unwrap();
        assert_eq!(send(small), "- 1000", "h2 {h2}");
        // A streamed body of unknown length.
        let (req, mut writer) = Request::post(&url, "").unwrap().body_writer(None);
        let feed = std::thread::spawn(move || {
            writer.write_all(&body_of(10)).unwrap();
            writer.finish().unwrap();
        });
        assert_eq!(send(req), format!("{expected} 10"), "h2 {h2}");
        feed.join().unwrap();
        // The caller's own field is sent as it is, and nothing is added.
        let own = Request::post(&url, body_of(2000))
            .unwrap()
            .header("Expect", "100-Continue");
        assert_eq!(send(own), "100-Continue 2000", "h2 {h2}");
    }
    server.shutdown().unwrap();
}
