//! Push-style response bodies ([`Response::streaming`], [`Response::sse`]) over real sockets:
//! backpressure against a slow reader, a writer told promptly that its client went away,
//! interleaving with pipelined HTTP/1.1 requests and multiplexed HTTP/2 streams, and SSE read
//! back through proto-sse's parser (heartbeats after a short `sse_heartbeat`).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use proto_h2::frame::ErrorCode;
use runtime_mio::server::{Request, Response, Server, ServerConfig};
use runtime_mio::timer::Timeout;

#[path = "support/h2_client.rs"]
mod h2_client;
use h2_client::H2Client;

const PIECE: usize = 64 * 1024;
const TOTAL: u64 = 50 << 20;

fn bind(
    config: ServerConfig,
    handler: impl Fn(&Request) -> Response + Send + Sync + 'static,
) -> Server {
    Server::bind("127.0.0.1:0".parse().unwrap(), config, handler).unwrap()
}

fn config() -> ServerConfig {
    ServerConfig {
        threads: 2,
        ..ServerConfig::default()
    }
}

/// Byte `i` of a pushed body.
fn pattern(i: u64) -> u8 {
    (i % 251) as u8
}

/// A handler whose writer thread pushes `TOTAL` bytes in 64 KiB pieces, counting them in
/// `sent`; other paths answer `path=P`.
fn pusher(sent: Arc<AtomicU64>) -> impl Fn(&Request) -> Response + Send + Sync + 'static {
    move |req: &Request| {
        if req.path() != "/push" {
            return Response::text(200, format!("path={}", req.path()));
        }
        let (resp, w) = Response::streaming(200);
        let sent = Arc::clone(&sent);
        std::thread::spawn(move || {
            let mut at = 0u64;
            while at < TOTAL {
                let piece: Vec<u8> = (at..at + PIECE as u64).map(pattern).collect();
                if w.send(piece).is_err() {
                    return;
                }
                at += PIECE as u64;
                sent.store(at, Ordering::Release);
            }
            w.finish();
        });
        resp
    }
}

/// Decodes a chunked body from `input`; `None` until the last chunk arrived.
fn dechunk(input: &[u8]) -> Option<(Vec<u8>, usize)> {
    let mut body = Vec::new();
    let mut at = 0;
    loop {
        let line_end = at + find(&input[at..], b"\r\n")?;
        let size =
            usize::from_str_radix(std::str::from_utf8(&input[at..line_end]).ok()?, 16).ok()?;
        let start = line_end + 2;
        if size == 0 {
            return (input.len() >= start + 2).then_some((body, start + 2));
        }
        if input.len() < start + size + 2 {
            return None;
        }
        body.extend_from_slice(&input[start..start + size]);
        at = start + size + 2;
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// HTTP/1.1: a client that stops reading holds the writer back (its `send` blocks: the bytes
/// written run ahead of the bytes read by no more than the queues and the socket buffers,
/// far from the 50 MiB; 4.1 MiB measured here, mostly the kernel's loopback socket buffers),
/// then the whole body arrives intact once it reads.
#[test]
fn h1_slow_reader_bounds_a_50_mib_writer() {
    let sent = Arc::new(AtomicU64::new(0));
    let s = bind(config(), pusher(Arc::clone(&sent)));
    let mut c = TcpStream::connect(s.local_addr()).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    c.write_all(b"GET /push HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut got = vec![0u8; 4096];
    let n = c.read(&mut got).unwrap();
    got.truncate(n);
    // Not reading: the writer must stall well short of the whole body.
    std::thread::sleep(Duration::from_millis(500));
    let stalled = sent.load(Ordering::Acquire);
    eprintln!("writer stalled at {stalled} bytes");
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(sent.load(Ordering::Acquire), stalled, "the writer went on");
    assert!(
        stalled <= 16 << 20,
        "{stalled} bytes pushed to a reader that read {n}"
    );
    // Now read slowly, checking the lead of the writer stays bounded as it goes.
    let mut buf = vec![0u8; 256 * 1024];
    let mut max_lead = 0u64;
    loop {
        let k = c.read(&mut buf).unwrap();
        if k == 0 {
            break;
        }
        got.extend_from_slice(&buf[..k]);
        let lead = sent
            .load(Ordering::Acquire)
            .saturating_sub(got.len() as u64);
        max_lead = max_lead.max(lead);
    }
    assert!(max_lead <= 16 << 20, "writer ran {max_lead} bytes ahead");
    let head_end = find(&got, b"\r\n\r\n").unwrap() + 4;
    let head = String::from_utf8_lossy(&got[..head_end]).into_owned();
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert!(head.contains("Transfer-Encoding: chunked\r\n"), "{head}");
    let (body, _) = dechunk(&got[head_end..]).expect("complete chunked body");
    assert_eq!(body.len() as u64, TOTAL);
    assert!(
        body.iter()
            .enumerate()
            .all(|(i, &b)| b == pattern(i as u64))
    );
    s.shutdown().unwrap();
}

/// A handler whose writer sends 1 KiB every millisecond until `send` fails, then reports
/// when on `done`.
fn until_closed(done: mpsc::Sender<Instant>) -> impl Fn(&Request) -> Response + Send + Sync {
    let done = std::sync::Mutex::new(done);
    move |req: &Request| {
        if req.path() != "/forever" {
            return Response::text(200, format!("path={}", req.path()));
        }
        let (resp, w) = Response::streaming(200);
        let done = done.lock().unwrap().clone();
        std::thread::spawn(move || {
            while w.send(vec![b'f'; 1024]).is_ok() {
                std::thread::sleep(Duration::from_millis(1));
            }
            let _ = done.send(Instant::now());
        });
        resp
    }
}

/// HTTP/1.1: a client that disconnects mid-body makes the writer's `send` fail promptly.
#[test]
fn h1_client_disconnect_fails_send() {
    let (tx, rx) = mpsc::channel();
    let s = bind(config(), until_closed(tx));
    let mut c = TcpStream::connect(s.local_addr()).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    c.write_all(b"GET /forever HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut buf = vec![0u8; 8192];
    let mut total = 0;
    while total < 20_000 {
        total += c.read(&mut buf).unwrap();
    }
    let closed = Instant::now();
    drop(c);
    let failed = rx
        .recv_timeout(Duration::from_secs(3))
        .expect("send never failed after the client went away");
    assert!(failed.duration_since(closed) < Duration::from_secs(2));
    s.shutdown().unwrap();
}

/// HTTP/1.1 pipelining: a pushed body between two plain responses, all in order on one
/// connection, the pushed one complete.
#[test]
fn h1_pipelined_requests_around_a_pushed_body() {
    let s = bind(config(), |req: &Request| {
        if req.path() == "/slow" {
            let (resp, w) = Response::streaming(200);
            std::thread::spawn(move || {
                for i in 0..5 {
                    std::thread::sleep(Duration::from_millis(20));
                    if w.send(format!("slow {i}\n")).is_err() {
                        return;
                    }
                }
            });
            return resp;
        }
        Response::text(200, format!("path={}", req.path()))
    });
    let mut c = TcpStream::connect(s.local_addr()).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    c.write_all(
        b"GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /slow HTTP/1.1\r\nHost: x\r\n\r\n\
          GET /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .unwrap();
    let mut v = Vec::new();
    c.read_to_end(&mut v).unwrap();
    let text = String::from_utf8_lossy(&v).into_owned();
    let a = text.find("path=/a").unwrap();
    let slow = text.find("slow 0\n").unwrap();
    let b = text.find("path=/b").unwrap();
    assert!(a < slow && slow < b, "{text}");
    let start = find(&v[a..], b"\r\n\r\n").unwrap() + a + 4;
    let (body, _) = dechunk(&v[start..]).unwrap();
    assert_eq!(
        String::from_utf8(body).unwrap(),
        "slow 0\nslow 1\nslow 2\nslow 3\nslow 4\n"
    );
    s.shutdown().unwrap();
}

/// proto-h2's client on a socket to `s` (reads wait 20 ms at most).
fn h2_connect(s: &Server) -> H2Client {
    H2Client::connect(s.local_addr(), Duration::from_millis(20))
}

/// HTTP/2: a 50 MiB pushed body multiplexed with short requests on one connection: the
/// short ones complete while the big one streams; a client that stops reading stalls the
/// writer (DATA waits for flow control and the send queue); then the body arrives intact.
#[test]
fn h2_pushed_body_multiplexed_and_bounded() {
    let sent = Arc::new(AtomicU64::new(0));
    let s = bind(config(), pusher(Arc::clone(&sent)));
    let mut h2 = h2_connect(&s);
    let big = h2.get("/push").value();
    let deadline = Instant::now() + Duration::from_secs(60);
    while h2.got.get(&big).is_none_or(|o| o.body.is_empty()) {
        h2.turn();
    }
    let small: Vec<u32> = (0..5).map(|i| h2.get(&format!("/s{i}")).value()).collect();
    while !small.iter().all(|&id| h2.done(id)) {
        assert!(Instant::now() < deadline, "timed out");
        h2.turn();
    }
    for (i, id) in small.iter().enumerate() {
        assert_eq!(h2.got[id].body, format!("path=/s{i}").as_bytes());
    }
    assert!(!h2.done(big), "the small ones finished first");
    // Stop reading: the writer stalls.
    std::thread::sleep(Duration::from_millis(500));
    let stalled = sent.load(Ordering::Acquire);
    eprintln!("writer stalled at {stalled} bytes");
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(sent.load(Ordering::Acquire), stalled, "the writer went on");
    // The client's 1 MiB stream window, the engine's 400 KiB send queue and the writer's
    // 64 KiB queue: 1.5 MiB measured.
    assert!(stalled <= 4 << 20, "{stalled} bytes pushed");
    while !h2.done(big) {
        assert!(Instant::now() < deadline, "timed out");
        h2.turn();
    }
    let o = &h2.got[&big];
    assert_eq!(o.status, Some(200));
    assert_eq!(o.reset, None);
    assert_eq!(o.body.len() as u64, TOTAL);
    assert!(
        o.body
            .iter()
            .enumerate()
            .all(|(i, &b)| b == pattern(i as u64))
    );
    drop(h2);
    s.shutdown().unwrap();
}

/// HTTP/2: a client that resets the stream makes the writer's `send` fail promptly, and the
/// connection goes on.
#[test]
fn h2_stream_reset_fails_send() {
    let (tx, rx) = mpsc::channel();
    let s = bind(config(), until_closed(tx));
    let mut h2 = h2_connect(&s);
    let id = h2.get("/forever").value();
    while h2.got.get(&id).is_none_or(|o| o.body.len() < 10_000) {
        h2.turn();
    }
    let reset = Instant::now();
    h2.conn
        .reset(proto_h2::frame::StreamId::new(id), ErrorCode::CANCEL)
        .unwrap();
    h2.turn();
    let failed = rx
        .recv_timeout(Duration::from_secs(3))
        .expect("send never failed after the stream was reset");
    assert!(failed.duration_since(reset) < Duration::from_secs(2));
    let next = h2.get("/after").value();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !h2.done(next) {
        assert!(Instant::now() < deadline);
        h2.turn();
    }
    assert_eq!(h2.got[&next].body, b"path=/after");
    drop(h2);
    s.shutdown().unwrap();
}

/// SSE with a 100 ms heartbeat: one event, 450 ms quiet, a second event. Read over TCP with
/// proto-sse's parser: both events with their ids; heartbeat comments in between.
#[test]
fn sse_events_and_heartbeats_through_proto_sse_parser() {
    let mut cfg = config();
    cfg.timeouts.sse_heartbeat = Timeout::After(Duration::from_millis(100));
    let s = bind(cfg, |_req: &Request| {
        let (resp, events) = Response::sse();
        std::thread::spawn(move || {
            let one = proto_sse::Message {
                id: Some("1"),
                data: "first",
                ..proto_sse::Message::default()
            };
            events.send(&one).unwrap();
            std::thread::sleep(Duration::from_millis(450));
            let two = proto_sse::Message {
                id: Some("2"),
                event: Some("update"),
                data: "second\nline",
                ..proto_sse::Message::default()
            };
            events.send(&two).unwrap();
            events.finish();
        });
        resp
    });
    let mut c = TcpStream::connect(s.local_addr()).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    c.write_all(b"GET /events HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut v = Vec::new();
    c.read_to_end(&mut v).unwrap();
    let head_end = find(&v, b"\r\n\r\n").unwrap() + 4;
    let head = String::from_utf8_lossy(&v[..head_end]).into_owned();
    assert!(
        head.contains("Content-Type: text/event-stream\r\n"),
        "{head}"
    );
    assert!(head.contains("Cache-Control: no-cache\r\n"), "{head}");
    let (body, _) = dechunk(&v[head_end..]).unwrap();
    let text = String::from_utf8(body.clone()).unwrap();
    let beats = text.matches(":\n").count();
    assert!((2..=6).contains(&beats), "{beats} heartbeats in {text:?}");
    let mut parser = proto_sse::Parser::new();
    let mut feed = parser.feed(&body);
    let mut events = Vec::new();
    while let Some(ev) = feed.poll_event() {
        let ev = ev.unwrap();
        events.push((
            ev.id.into_owned(),
            ev.event_type.into_owned(),
            ev.data.into_owned(),
        ));
    }
    assert_eq!(
        events,
        [
            ("1".into(), "message".into(), "first".into()),
            ("2".into(), "update".into(), "second\nline".into()),
        ]
    );
    s.shutdown().unwrap();
}

/// SSE over HTTP/2 with a 100 ms heartbeat: heartbeat comments arrive in DATA frames while
/// the writer is quiet, then the event, then the end of the stream.
#[test]
fn h2_sse_heartbeats() {
    let mut cfg = config();
    cfg.timeouts.sse_heartbeat = Timeout::After(Duration::from_millis(100));
    let s = bind(cfg, |_req: &Request| {
        let (resp, events) = Response::sse();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(450));
            let _ = events.data("late");
        });
        resp
    });
    let mut h2 = h2_connect(&s);
    let id = h2.get("/events").value();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !h2.done(id) {
        assert!(Instant::now() < deadline, "timed out: {:?}", h2.got);
        h2.turn();
    }
    let o = &h2.got[&id];
    assert_eq!(o.status, Some(200));
    let text = String::from_utf8(o.body.clone()).unwrap();
    assert!(text.ends_with("data: late\n\n"), "{text:?}");
    let beats = text.matches(":\n").count();
    assert!((2..=6).contains(&beats), "{beats} heartbeats in {text:?}");
    drop(h2);
    s.shutdown().unwrap();
}

/// HTTP/1.1: an SSE writer that sends nothing more learns that its client left (the
/// connection's end of stream) without having to send: `is_closed` turns true promptly.
#[test]
fn h1_idle_sse_writer_sees_client_leave() {
    let (tx, rx) = mpsc::channel::<Instant>();
    let tx = std::sync::Mutex::new(tx);
    let s = bind(config(), move |_req: &Request| {
        let (resp, events) = Response::sse();
        let done = tx.lock().unwrap().clone();
        std::thread::spawn(move || {
            events.data("hello").unwrap();
            let until = Instant::now() + Duration::from_secs(5);
            while Instant::now() < until {
                if events.is_closed() {
                    let _ = done.send(Instant::now());
                    return;
                }
                std::thread::sleep(Duration::from_millis(5));
            }
        });
        resp
    });
    let mut c = TcpStream::connect(s.local_addr()).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    c.write_all(b"GET /events HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    while find(&got, b"data: hello\n\n").is_none() {
        let n = c.read(&mut buf).unwrap();
        assert!(n > 0);
        got.extend_from_slice(&buf[..n]);
    }
    let left = Instant::now();
    drop(c);
    let seen = rx
        .recv_timeout(Duration::from_secs(3))
        .expect("the writer never learnt that the client left");
    assert!(seen.duration_since(left) < Duration::from_secs(1));
    s.shutdown().unwrap();
}
