//! The HTTP/1.1 server over real sockets: raw bytes in and out through `std::net::TcpStream`.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use runtime_mio::server::{Request, Response, Server, ServerConfig};
use runtime_mio::timer::Timeout;

fn handler(req: &Request) -> Response {
    match req.path() {
        "/panic" => panic!("handler panic (expected by the test)"),
        "/echo-headers" => {
            let mut s = String::new();
            for (n, v) in req.headers() {
                s.push_str(n);
                s.push_str(": ");
                s.push_str(&String::from_utf8_lossy(v));
                s.push('\n');
            }
            Response::text(200, s)
        }
        "/body" => Response::new(200).with_body(req.body().to_vec()),
        "/stream" => Response::new(200)
            .with_stream((0..3).map(|i| bytes::Bytes::from(format!("piece {i}\n")))),
        "/big" => Response::new(200).with_body(vec![b'b'; 1 << 20]),
        "/huge" => Response::new(200)
            .with_header("Content-Length", (64u64 << 20).to_string())
            .with_stream((0..1024).map(|_| bytes::Bytes::from(vec![b'h'; 64 << 10]))),
        "/short" => Response::new(200)
            .with_header("Content-Length", "100")
            .with_stream(std::iter::once(bytes::Bytes::from_static(b"only ten.."))),
        p => Response::text(200, format!("path={p}")),
    }
}

fn start(config: ServerConfig) -> Server {
    Server::bind("127.0.0.1:0".parse().unwrap(), config, handler).unwrap()
}

fn short() -> ServerConfig {
    let mut c = ServerConfig {
        threads: 2,
        ..ServerConfig::default()
    };
    c.timeouts.request_head = Timeout::After(Duration::from_millis(300));
    c.timeouts.keep_alive_idle = Timeout::After(Duration::from_millis(600));
    c.timeouts.body_idle_gap = Timeout::After(Duration::from_millis(300));
    c.timeouts.write_stall = Timeout::After(Duration::from_millis(400));
    c.timeouts.shutdown_grace = Timeout::After(Duration::from_secs(2));
    c
}

fn connect(s: &Server) -> TcpStream {
    let c = TcpStream::connect(s.local_addr()).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    c
}

/// Reads until the peer closes; returns all bytes.
fn read_to_close(c: &mut TcpStream) -> Vec<u8> {
    let mut v = Vec::new();
    let _ = c.read_to_end(&mut v);
    v
}

/// Reads one response with a Content-Length (or chunked) body; returns (head, body).
fn read_response(c: &mut TcpStream, pending: &mut Vec<u8>) -> (String, Vec<u8>) {
    let mut buf = [0u8; 4096];
    loop {
        if let Some(end) = find(pending, b"\r\n\r\n") {
            let head = String::from_utf8(pending[..end + 4].to_vec()).unwrap();
            let lower = head.to_ascii_lowercase();
            if let Some(i) = lower.find("content-length: ") {
                let n: usize = lower[i + 16..]
                    .split("\r\n")
                    .next()
                    .unwrap()
                    .parse()
                    .unwrap();
                while pending.len() < end + 4 + n {
                    let k = c.read(&mut buf).unwrap();
                    assert!(k > 0, "closed mid-body");
                    pending.extend_from_slice(&buf[..k]);
                }
                let body = pending[end + 4..end + 4 + n].to_vec();
                pending.drain(..end + 4 + n);
                return (head, body);
            }
            if lower.contains("transfer-encoding: chunked") {
                while find(&pending[end..], b"\r\n0\r\n\r\n").is_none() {
                    let k = c.read(&mut buf).unwrap();
                    assert!(k > 0, "closed mid-body");
                    pending.extend_from_slice(&buf[..k]);
                }
                let stop = end + find(&pending[end..], b"\r\n0\r\n\r\n").unwrap() + 7;
                let body = pending[end + 4..stop].to_vec();
                pending.drain(..stop);
                return (head, body);
            }
            pending.drain(..end + 4);
            return (head, Vec::new());
        }
        let k = c.read(&mut buf).unwrap();
        assert!(
            k > 0,
            "closed before a response: {:?}",
            String::from_utf8_lossy(pending)
        );
        pending.extend_from_slice(&buf[..k]);
    }
}

fn find(h: &[u8], n: &[u8]) -> Option<usize> {
    h.windows(n.len()).position(|w| w == n)
}

#[test]
fn keep_alive_and_pipelining_of_three() {
    let s = start(short());
    let mut c = connect(&s);
    c.write_all(
        b"GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\nGET /c HTTP/1.1\r\nHost: x\r\n\r\n",
    )
    .unwrap();
    let mut pending = Vec::new();
    for p in ["/a", "/b", "/c"] {
        let (head, body) = read_response(&mut c, &mut pending);
        assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
        assert_eq!(body, format!("path={p}").as_bytes());
    }
    // Still open: a fourth request on the same connection.
    c.write_all(b"GET /d HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let (_, body) = read_response(&mut c, &mut pending);
    assert_eq!(body, b"path=/d");
    s.shutdown().unwrap();
}

#[test]
fn request_split_byte_by_byte() {
    let s = start(short());
    let mut c = connect(&s);
    c.set_nodelay(true).unwrap();
    let req = b"POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello";
    for b in req {
        c.write_all(&[*b]).unwrap();
        std::thread::sleep(Duration::from_millis(1));
    }
    let mut pending = Vec::new();
    let (head, body) = read_response(&mut c, &mut pending);
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert_eq!(body, b"hello");
    s.shutdown().unwrap();
}

#[test]
fn bad_request_gets_400_and_close() {
    let s = start(short());
    let mut c = connect(&s);
    c.write_all(b"GET / HTTP/1.1\r\nBad Header Line\r\n\r\n")
        .unwrap();
    let all = read_to_close(&mut c);
    let text = String::from_utf8_lossy(&all);
    assert!(text.starts_with("HTTP/1.1 400 "), "{text}");
    assert!(text.contains("Connection: close"), "{text}");
    s.shutdown().unwrap();
}

#[test]
fn slowloris_head_gets_408_within_head_timeout() {
    let s = start(short());
    let mut c = connect(&s);
    let t0 = Instant::now();
    c.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").unwrap();
    // Keep trickling header bytes; the head never ends.
    let mut c2 = c.try_clone().unwrap();
    let trickle = std::thread::spawn(move || {
        for _ in 0..20 {
            std::thread::sleep(Duration::from_millis(50));
            if c2.write_all(b"X").is_err() {
                break;
            }
        }
    });
    let all = read_to_close(&mut c);
    let elapsed = t0.elapsed();
    let text = String::from_utf8_lossy(&all);
    assert!(text.starts_with("HTTP/1.1 408 "), "{text}");
    assert!(elapsed >= Duration::from_millis(250), "{elapsed:?}");
    // Far less than the trickle's 1 s (it would go on without the head timer); generous
    // for a loaded machine.
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
    trickle.join().unwrap();
    s.shutdown().unwrap();
}

#[test]
fn idle_keep_alive_connection_is_closed_silently() {
    let s = start(short());
    let mut c = connect(&s);
    let t0 = Instant::now();
    let all = read_to_close(&mut c);
    assert!(all.is_empty(), "{:?}", String::from_utf8_lossy(&all));
    let elapsed = t0.elapsed();
    assert!(elapsed >= Duration::from_millis(500), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(8), "{elapsed:?}");
    s.shutdown().unwrap();
}

#[test]
fn panicking_handler_gives_500_and_server_goes_on() {
    let s = start(short());
    let mut c = connect(&s);
    c.write_all(b"GET /panic HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut pending = Vec::new();
    let (head, _) = read_response(&mut c, &mut pending);
    assert!(head.starts_with("HTTP/1.1 500 "), "{head}");
    // The same connection goes on ...
    c.write_all(b"GET /same HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let (_, body) = read_response(&mut c, &mut pending);
    assert_eq!(body, b"path=/same");
    // ... and so does another one.
    let mut d = connect(&s);
    d.write_all(b"GET /other HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut pending = Vec::new();
    let (head, body) = read_response(&mut d, &mut pending);
    assert!(head.starts_with("HTTP/1.1 200 "), "{head}");
    assert_eq!(body, b"path=/other");
    s.shutdown().unwrap();
}

#[test]
fn headers_keep_received_order_and_case() {
    let s = start(short());
    let mut c = connect(&s);
    c.write_all(
        b"GET /echo-headers HTTP/1.1\r\nhost: x\r\nX-Zeta: 1\r\nx-alpha: 2\r\nX-MiXeD: 3\r\n\r\n",
    )
    .unwrap();
    let mut pending = Vec::new();
    let (_, body) = read_response(&mut c, &mut pending);
    assert_eq!(body, b"host: x\nX-Zeta: 1\nx-alpha: 2\nX-MiXeD: 3\n");
    s.shutdown().unwrap();
}

#[test]
fn streamed_body_is_chunked() {
    let s = start(short());
    let mut c = connect(&s);
    c.write_all(b"GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut pending = Vec::new();
    let (head, body) = read_response(&mut c, &mut pending);
    assert!(head.contains("Transfer-Encoding: chunked"), "{head}");
    assert_eq!(
        String::from_utf8(body).unwrap(),
        "8\r\npiece 0\n\r\n8\r\npiece 1\n\r\n8\r\npiece 2\n\r\n0\r\n\r\n"
    );
    s.shutdown().unwrap();
}

#[test]
fn large_body_round_trips() {
    let s = start(short());
    let mut c = connect(&s);
    let body: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    let head = format!(
        "POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let mut w = c.try_clone().unwrap();
    let sent = body.clone();
    let writer = std::thread::spawn(move || {
        w.write_all(head.as_bytes()).unwrap();
        w.write_all(&sent).unwrap();
    });
    let mut pending = Vec::new();
    let (head, got) = read_response(&mut c, &mut pending);
    writer.join().unwrap();
    assert!(head.starts_with("HTTP/1.1 200 "), "{head}");
    assert_eq!(got.len(), body.len());
    assert!(got == body);
    s.shutdown().unwrap();
}

#[test]
fn graceful_shutdown_finishes_in_flight_request() {
    let s = start(short());
    let mut c = connect(&s);
    // A first exchange: the connection is accepted and served.
    c.write_all(b"GET /warm HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut pending = Vec::new();
    let (_, body) = read_response(&mut c, &mut pending);
    assert_eq!(body, b"path=/warm");
    // Head sent, body still to come when the server is asked to stop.
    c.write_all(b"POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nab")
        .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let stopper = s.stopper();
    stopper.stop().unwrap();
    std::thread::sleep(Duration::from_millis(50));
    c.write_all(b"cd").unwrap();
    let all = read_to_close(&mut c);
    let text = String::from_utf8_lossy(&all);
    assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
    assert!(text.contains("Connection: close"), "{text}");
    assert!(text.ends_with("abcd"), "{text}");
    s.join().unwrap();
}

#[test]
fn body_gap_gets_408() {
    let s = start(short());
    let mut c = connect(&s);
    let t0 = Instant::now();
    c.write_all(b"POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nab")
        .unwrap();
    let all = read_to_close(&mut c);
    let text = String::from_utf8_lossy(&all);
    assert!(text.starts_with("HTTP/1.1 408 "), "{text}");
    let elapsed = t0.elapsed();
    assert!(elapsed >= Duration::from_millis(250), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");
    s.shutdown().unwrap();
}

/// 40 pipelined requests for 1 MiB each, sent before reading anything: the server answers
/// them one output budget at a time and every byte arrives, in order.
#[test]
fn pipelined_large_responses_under_backpressure() {
    let mut config = short();
    config.timeouts.write_stall = Timeout::After(Duration::from_secs(10));
    let s = start(config);
    let mut c = connect(&s);
    let mut w = c.try_clone().unwrap();
    let writer = std::thread::spawn(move || {
        for _ in 0..40 {
            w.write_all(b"GET /big HTTP/1.1\r\nHost: x\r\n\r\n")
                .unwrap();
        }
    });
    // Longer than the head timeout: the requests held back behind the backed-up output
    // must not time out (the peer is not slow, we are).
    std::thread::sleep(Duration::from_millis(700));
    let mut pending = Vec::new();
    for _ in 0..40 {
        let (head, body) = read_response(&mut c, &mut pending);
        assert!(head.starts_with("HTTP/1.1 200 "), "{head}");
        assert_eq!(body.len(), 1 << 20);
        assert!(body.iter().all(|&b| b == b'b'));
    }
    writer.join().unwrap();
    s.shutdown().unwrap();
}

/// A client that asks for 64 MiB and reads nothing: the write-stall timer closes the
/// connection; the server sent only what the socket buffers took.
#[test]
fn write_stall_closes_connection() {
    let s = start(short());
    let mut c = connect(&s);
    c.write_all(b"GET /huge HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    std::thread::sleep(Duration::from_millis(1200));
    let mut total = 0usize;
    let mut buf = vec![0u8; 1 << 16];
    loop {
        match c.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => total += n,
        }
    }
    assert!(total > 0);
    assert!(total < 64 << 20, "{total}");
    s.shutdown().unwrap();
}

/// A head far over the limit, sent in one go while the server has long stopped reading it:
/// the 431 reply still arrives whole (lingering close: no reset over unread input).
#[test]
fn oversized_head_gets_431_not_a_reset() {
    let s = start(short());
    let mut c = connect(&s);
    let mut w = c.try_clone().unwrap();
    let writer = std::thread::spawn(move || {
        let mut req = b"GET / HTTP/1.1\r\nHost: x\r\n".to_vec();
        for i in 0..20_000 {
            req.extend_from_slice(format!("X-Filler-{i}: {}\r\n", "v".repeat(40)).as_bytes());
        }
        req.extend_from_slice(b"\r\n");
        // The server may close before taking it all; that is its right.
        let _ = w.write_all(&req);
    });
    // Read only once the server has answered and closed (a reset would have arrived by now).
    std::thread::sleep(Duration::from_millis(300));
    let all = read_to_close(&mut c);
    let text = String::from_utf8_lossy(&all);
    assert!(text.starts_with("HTTP/1.1 431 "), "{text}");
    assert!(text.contains("Connection: close"), "{text}");
    writer.join().unwrap();
    s.shutdown().unwrap();
}

/// After its error reply the server shuts its side and drains what the peer still sends
/// (lingering close) instead of resetting the connection: the peer's late writes succeed.
#[test]
fn lingering_close_drains_late_bytes() {
    let s = start(short());
    let mut c = connect(&s);
    c.write_all(b"GET / HTTP/1.1\r\nBad Header Line\r\n\r\n")
        .unwrap();
    let all = read_to_close(&mut c);
    assert!(String::from_utf8_lossy(&all).starts_with("HTTP/1.1 400 "));
    // Without the lingering close the first late write would draw a reset and a later one
    // would fail (EPIPE / ECONNRESET).
    for _ in 0..5 {
        c.write_all(&[b'x'; 1000]).unwrap();
        std::thread::sleep(Duration::from_millis(20));
    }
    s.shutdown().unwrap();
}

/// A streamed body that ends short of its Content-Length cannot be completed: the server
/// cuts the connection at once (the client sees a truncated body, not a hang).
#[test]
fn short_streamed_body_cuts_connection() {
    let s = start(short());
    let mut c = connect(&s);
    let t0 = Instant::now();
    c.write_all(b"GET /short HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let all = read_to_close(&mut c);
    assert!(t0.elapsed() < Duration::from_secs(5));
    let text = String::from_utf8_lossy(&all);
    assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
    assert!(text.ends_with("\r\n\r\nonly ten.."), "{text}");
    s.shutdown().unwrap();
}

/// The per-request body limit: a larger Content-Length is answered 413 by the engine and
/// the connection closes; the handler never sees it.
#[test]
fn body_over_limit_gets_413() {
    let mut config = short();
    config.max_body = 1000;
    let s = start(config);
    let mut c = connect(&s);
    c.write_all(b"POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: 1001\r\n\r\n")
        .unwrap();
    let all = read_to_close(&mut c);
    let text = String::from_utf8_lossy(&all);
    assert!(text.starts_with("HTTP/1.1 413 "), "{text}");
    // At the limit it passes.
    let mut c = connect(&s);
    let body = vec![b'k'; 1000];
    c.write_all(b"POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n")
        .unwrap();
    c.write_all(&body).unwrap();
    let mut pending = Vec::new();
    let (head, got) = read_response(&mut c, &mut pending);
    assert!(head.starts_with("HTTP/1.1 200 "), "{head}");
    assert_eq!(got, body);
    s.shutdown().unwrap();
}

/// A WebSocket upgrade through the HTTP/1.1 engine, then messages both ways with
/// permessage-deflate, a frame sent in the same write as the upgrade request included.
#[test]
fn websocket_upgrade_and_echo() {
    use proto_ws::{ClientHandshake, Connection, DeflateConfig, Event};
    let echo = |req: &Request| {
        if req.path() == "/ws" {
            Response::websocket(|m| vec![m])
        } else {
            Response::text(404, "")
        }
    };
    let s = Server::bind("127.0.0.1:0".parse().unwrap(), short(), echo).unwrap();
    let mut c = connect(&s);
    let hs = ClientHandshake::with_nonce([9; 16]).deflate(Some(DeflateConfig::default()));
    let mut out = Vec::new();
    hs.write_request("localhost", "/ws", &mut out);
    // The server's answer tells the deflate parameters; a first frame already follows the
    // request, uncompressed (a client may send before it saw the 101).
    let mut plain = Connection::client_predictable(proto_ws::Config::default(), 1);
    plain.send_text("early").unwrap();
    while plain.wants_write() {
        if let Some(p) = plain.poll_transmit(&mut out) {
            out.extend_from_slice(&p);
        }
    }
    c.write_all(&out).unwrap();
    let mut buf = vec![0u8; 65536];
    let mut got = Vec::new();
    let end = loop {
        let n = c.read(&mut buf).unwrap();
        assert!(n > 0);
        got.extend_from_slice(&buf[..n]);
        if let Some(i) = find(&got, b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&got[..end]).into_owned();
    assert!(
        head.starts_with("HTTP/1.1 101 Switching Protocols\r\n"),
        "{head}"
    );
    assert!(head.contains(hs.key().expected_accept().as_str()), "{head}");
    assert!(head.contains("permessage-deflate"), "{head}");
    let mut rest = got[end..].to_vec();
    // The early frame comes back (uncompressed frames stay valid with deflate negotiated).
    let fields: Vec<(&[u8], &[u8])> = head
        .split("\r\n")
        .skip(1)
        .filter_map(|l| l.split_once(": "))
        .map(|(n, v)| (n.as_bytes(), v.as_bytes()))
        .collect();
    let negotiated = hs.check_response(101, fields).unwrap();
    assert!(negotiated.deflate.is_some());
    let mut ws = Connection::client_predictable(negotiated.config(), 2);
    let mut texts = Vec::new();
    let pump = |ws: &mut Connection, rest: &mut Vec<u8>, texts: &mut Vec<String>| {
        let mut off = 0;
        while off < rest.len() {
            off += ws.recv(&rest[off..]).unwrap();
            while let Some(ev) = ws.poll_event().unwrap() {
                if let Event::Text(t) = ev {
                    texts.push(t.to_owned());
                }
            }
        }
        rest.clear();
    };
    pump(&mut ws, &mut rest, &mut texts);
    ws.send_text("compressed hello").unwrap();
    let mut out = Vec::new();
    while ws.wants_write() {
        if let Some(p) = ws.poll_transmit(&mut out) {
            out.extend_from_slice(&p);
        }
    }
    c.write_all(&out).unwrap();
    while texts.len() < 2 {
        let n = c.read(&mut buf).unwrap();
        assert!(n > 0, "closed: {texts:?}");
        rest.extend_from_slice(&buf[..n]);
        pump(&mut ws, &mut rest, &mut texts);
    }
    assert_eq!(texts, ["early", "compressed hello"]);
    drop(c);
    s.shutdown().unwrap();
}
