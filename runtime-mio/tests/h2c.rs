//! HTTP/2 with prior knowledge (h2c) over real sockets, driven by proto-h2's own client on a
//! blocking `std::net::TcpStream`; and by `nghttp`/`h2load` where they are installed.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::{Duration, Instant};

use bytes::Bytes;
use proto_h2::conn::Event;
use proto_h2::frame::ErrorCode;
use runtime_mio::server::{Request, Response, Server, ServerConfig};

#[path = "support/h2_client.rs"]
mod h2_client;
#[path = "support/peers.rs"]
mod peers;
use h2_client::{H2Client, Outcome};

fn handler(req: &Request) -> Response {
    match req.path() {
        "/panic" => panic!("handler panic (expected by the test)"),
        "/body" => Response::new(200).with_body(req.body().to_vec()),
        "/big" => Response::new(200).with_body(vec![b'z'; 3 << 20]),
        "/stream" => {
            Response::new(200).with_stream((0..100).map(|i| Bytes::from(format!("line {i}\n"))))
        }
        "/headers" => {
            let names: Vec<&str> = req.headers().map(|(n, _)| n).collect();
            Response::text(200, names.join(","))
        }
        p => Response::text(200, format!("{} {p}", req.method())),
    }
}

fn start() -> Server {
    let config = ServerConfig {
        threads: 2,
        ..ServerConfig::default()
    };
    Server::bind("127.0.0.1:0".parse().unwrap(), config, handler).unwrap()
}

/// Runs `reqs` (method, path, body) as concurrent streams on one connection; `split` writes
/// the client's bytes one at a time.
fn exchange(server: &Server, reqs: &[(&str, &str, &[u8])], split: bool) -> Vec<Outcome> {
    let mut c = H2Client::connect(server.local_addr(), Duration::from_millis(20));
    c.split = split;
    let mut ids = Vec::new();
    for (method, path, body) in reqs {
        let id = c.send_request(method.as_bytes(), path.as_bytes(), body.is_empty());
        if !body.is_empty() {
            let n = c
                .conn
                .send_data(id, Bytes::copy_from_slice(body), true)
                .unwrap();
            assert_eq!(n, body.len());
        }
        ids.push(id);
    }
    c.finish(&ids, &mut [], Duration::from_secs(10))
}

#[test]
fn h2c_requests_multiplexed_on_one_connection() {
    let s = start();
    let got = exchange(
        &s,
        &[
            ("GET", "/a", b""),
            ("POST", "/body", b"posted body"),
            ("GET", "/big", b""),
            ("GET", "/stream", b""),
        ],
        false,
    );
    assert_eq!(got[0].status, Some(200));
    assert_eq!(got[0].body, b"GET /a");
    assert_eq!(got[1].body, b"posted body");
    assert_eq!(got[2].body.len(), 3 << 20);
    assert!(got[2].body.iter().all(|&b| b == b'z'));
    let want: String = (0..100).map(|i| format!("line {i}\n")).collect();
    assert_eq!(String::from_utf8(got[3].body.clone()).unwrap(), want);
    s.shutdown().unwrap();
}

/// The preface (and everything after it) arriving one byte at a time.
#[test]
fn h2c_preface_split_at_every_byte() {
    let s = start();
    let got = exchange(&s, &[("GET", "/split", b"")], true);
    assert_eq!(got[0].status, Some(200));
    assert_eq!(got[0].body, b"GET /split");
    s.shutdown().unwrap();
}

/// A panicking handler resets its own stream with INTERNAL_ERROR; the other streams on the
/// same connection are answered.
#[test]
fn h2c_handler_panic_resets_only_its_stream() {
    let s = start();
    let got = exchange(
        &s,
        &[
            ("GET", "/x", b""),
            ("GET", "/panic", b""),
            ("GET", "/y", b""),
        ],
        false,
    );
    assert_eq!(got[0].body, b"GET /x");
    assert_eq!(got[1].reset, Some(ErrorCode::INTERNAL_ERROR));
    assert_eq!(got[2].body, b"GET /y");
    s.shutdown().unwrap();
}

/// A `POST` starts like the preface (`P`) and then differs: it is HTTP/1.1.
#[test]
fn post_that_starts_like_the_preface_is_http1() {
    let s = start();
    let mut c = TcpStream::connect(s.local_addr()).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    for chunk in [
        &b"P"[..],
        b"OST /body HTTP/1.1\r\nHost: x\r\n",
        b"Content-Length: 2\r\nConnection: close\r\n\r\nok",
    ] {
        c.write_all(chunk).unwrap();
        std::thread::sleep(Duration::from_millis(10));
    }
    let mut v = Vec::new();
    c.read_to_end(&mut v).unwrap();
    let text = String::from_utf8_lossy(&v);
    assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
    assert!(text.ends_with("\r\n\r\nok"), "{text}");
    s.shutdown().unwrap();
}

#[test]
fn nghttp_and_h2load_against_server() {
    peers::need("nghttp");
    peers::need("h2load");
    let s = start();
    let base = format!("http://{}", s.local_addr());
    let out = Command::new("nghttp")
        .args([&format!("{base}/a"), &format!("{base}/b")])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.stdout, b"GET /aGET /b");
    let out = Command::new("h2load")
        .args(["-n", "2000", "-c", "4", "-m", "10", &format!("{base}/")])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("2000 succeeded, 0 failed, 0 errored, 0 timeout"),
        "{text}"
    );
    assert!(text.contains("status codes: 2000 2xx"), "{text}");
    s.shutdown().unwrap();
}

/// Graceful shutdown with an HTTP/2 stream in flight: the server sends GOAWAY, still
/// answers the stream whose body arrives after the stop, then closes the connection.
#[test]
fn h2c_graceful_shutdown_finishes_open_stream() {
    let s = start();
    let mut client = H2Client::connect(s.local_addr(), Duration::from_millis(20));
    let id = client.send_request(b"POST", b"/body", false);
    client
        .conn
        .send_data(id, Bytes::from_static(b"first "), false)
        .unwrap();
    let mut events = Vec::new();
    let mut closed = false;
    // One round: write what the client has, read what comes (20 ms at most).
    let round = |c: &mut H2Client, events: &mut Vec<String>, closed: &mut bool| {
        if c.send(false).is_err() {
            *closed = true;
        }
        if let Ok(false) = c.receive() {
            *closed = true;
        }
        while let Some(ev) = c.conn.poll_event() {
            match ev {
                Event::GoAway { .. } => events.push("goaway".to_owned()),
                Event::Response { head, .. } => {
                    events.push(format!("status {}", head.status().unwrap_or(0)));
                }
                Event::Data { stream, .. } => {
                    while let Some(b) = c.conn.read_data(stream) {
                        events.push(format!("data {}", String::from_utf8_lossy(&b)));
                    }
                }
                _ => {}
            }
        }
    };
    for _ in 0..10 {
        round(&mut client, &mut events, &mut closed);
    }
    let stopper = s.stopper();
    stopper.stop().unwrap();
    for _ in 0..10 {
        round(&mut client, &mut events, &mut closed);
    }
    assert!(events.iter().any(|e| e == "goaway"), "{events:?}");
    client
        .conn
        .send_data(id, Bytes::from_static(b"second"), true)
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while !closed && Instant::now() < deadline {
        round(&mut client, &mut events, &mut closed);
    }
    assert!(closed, "the server did not close: {events:?}");
    assert!(events.iter().any(|e| e == "status 200"), "{events:?}");
    let body: String = events
        .iter()
        .filter_map(|e| e.strip_prefix("data "))
        .collect();
    assert_eq!(body, "first second");
    s.join().unwrap();
}
