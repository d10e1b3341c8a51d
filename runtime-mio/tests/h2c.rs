//! HTTP/2 with prior knowledge (h2c) over real sockets, driven by proto-h2's own client on a
//! blocking `std::net::TcpStream`; and by `nghttp`/`h2load` where they are installed.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::{Duration, Instant};

use bytes::Bytes;
use proto_h2::conn::{Config, Connection, Event, Request as H2Request, Role};
use proto_h2::frame::ErrorCode;
use runtime_mio::server::{Request, Response, Server, ServerConfig};

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

/// What one stream got.
#[derive(Debug, Default)]
struct Outcome {
    status: Option<u16>,
    body: Vec<u8>,
    reset: Option<ErrorCode>,
    done: bool,
}

/// Runs `reqs` (method, path, body) as concurrent streams on one connection; `split` writes
/// the client's bytes one at a time.
fn exchange(server: &Server, reqs: &[(&str, &str, &[u8])], split: bool) -> Vec<Outcome> {
    let mut sock = TcpStream::connect(server.local_addr()).unwrap();
    sock.set_read_timeout(Some(Duration::from_millis(20)))
        .unwrap();
    sock.set_nodelay(true).unwrap();
    let authority = server.local_addr().to_string();
    let mut client = Connection::new(Role::Client, Config::client(), Instant::now());
    let mut ids = Vec::new();
    for (method, path, body) in reqs {
        let head = H2Request {
            method: method.as_bytes(),
            path: path.as_bytes(),
            ..H2Request::get(b"http", authority.as_bytes(), b"/")
        };
        let id = client.send_request(&head, body.is_empty()).unwrap();
        if !body.is_empty() {
            let n = client
                .send_data(id, Bytes::copy_from_slice(body), true)
                .unwrap();
            assert_eq!(n, body.len());
        }
        ids.push(id);
    }
    let mut got: HashMap<u32, Outcome> = HashMap::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut buf = vec![0u8; 1 << 16];
    while ids
        .iter()
        .any(|id| !got.get(&id.value()).is_some_and(|o| o.done))
    {
        assert!(Instant::now() < deadline, "timed out: {got:?}");
        let mut out = Vec::new();
        while client.wants_write() {
            let p = client.poll_transmit(Instant::now(), &mut out);
            if let Some(p) = p {
                out.extend_from_slice(&p);
            }
        }
        if split {
            for b in &out {
                sock.write_all(&[*b]).unwrap();
            }
        } else {
            sock.write_all(&out).unwrap();
        }
        match sock.read(&mut buf) {
            Ok(0) => panic!("server closed: {got:?}"),
            Ok(n) => {
                let k = client.recv(Instant::now(), &buf[..n]).unwrap();
                assert_eq!(k, n);
            }
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(e) => panic!("{e}"),
        }
        while let Some(ev) = client.poll_event() {
            match ev {
                Event::Response {
                    stream,
                    head,
                    end_stream,
                } => {
                    let o = got.entry(stream.value()).or_default();
                    o.status = head.status();
                    o.done |= end_stream;
                }
                Event::Data {
                    stream, end_stream, ..
                } => {
                    while let Some(b) = client.read_data(stream) {
                        got.entry(stream.value())
                            .or_default()
                            .body
                            .extend_from_slice(&b);
                    }
                    got.entry(stream.value()).or_default().done |= end_stream;
                }
                Event::Reset { stream, code, .. } => {
                    let o = got.entry(stream.value()).or_default();
                    o.reset = Some(code);
                    o.done = true;
                }
                _ => {}
            }
        }
    }
    ids.iter()
        .map(|id| got.remove(&id.value()).unwrap())
        .collect()
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

fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn nghttp_and_h2load_against_server() {
    if !have("nghttp") || !have("h2load") {
        panic!(
            "nghttp/h2load not installed: the peers are installed by `SETUP_PEERS=1 . scripts/setup.sh` (../shared/peers/install.sh), as scripts/test.sh does"
        );
    }
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
    let mut sock = TcpStream::connect(s.local_addr()).unwrap();
    sock.set_read_timeout(Some(Duration::from_millis(20)))
        .unwrap();
    let authority = s.local_addr().to_string();
    let mut client = Connection::new(Role::Client, Config::client(), Instant::now());
    let head = H2Request {
        method: b"POST",
        path: b"/body",
        ..H2Request::get(b"http", authority.as_bytes(), b"/")
    };
    let id = client.send_request(&head, false).unwrap();
    client
        .send_data(id, Bytes::from_static(b"first "), false)
        .unwrap();
    let mut buf = vec![0u8; 1 << 16];
    let mut events = Vec::new();
    let mut closed = false;
    // One round: write what the client has, read what comes (20 ms at most).
    let mut round = |client: &mut Connection, events: &mut Vec<String>, closed: &mut bool| {
        let mut out = Vec::new();
        while client.wants_write() {
            if let Some(p) = client.poll_transmit(Instant::now(), &mut out) {
                out.extend_from_slice(&p);
            }
        }
        if !out.is_empty() && sock.write_all(&out).is_err() {
            *closed = true;
        }
        match sock.read(&mut buf) {
            Ok(0) => *closed = true,
            Ok(n) => {
                client.recv(Instant::now(), &buf[..n]).unwrap();
            }
            Err(_) => {}
        }
        while let Some(ev) = client.poll_event() {
            match ev {
                Event::GoAway { .. } => events.push("goaway".to_owned()),
                Event::Response { head, .. } => {
                    events.push(format!("status {}", head.status().unwrap_or(0)));
                }
                Event::Data { stream, .. } => {
                    while let Some(b) = client.read_data(stream) {
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
