//! Timed bodies ([`Response::timed`], [`Response::sse_timed`]): produced on the event loop's
//! thread, so many concurrent timed streams cost no thread (`wire serve`'s thread count stays
//! the same under 500 `/sse` clients over HTTP/1.1 and 100 streams over HTTP/2); a client
//! that goes away (a closed socket, an HTTP/2 RST_STREAM) gets its producer dropped; a
//! client that stops reading stops the calls (the count plateaus, then resumes when it reads
//! again), over HTTP/1.1, HTTP/2 and TLS; SSE heartbeats apply; and `wire serve`'s `/sse`
//! and `/drip` answer byte for byte what the thread-per-request versions they replaced
//! answered.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use proto_h2::frame::{ErrorCode, StreamId};
use runtime_mio::server::{BodyOut, Next, Producer, Request, Response, Server, ServerConfig};
use runtime_mio::timer::Timeout;

#[path = "support/h2_client.rs"]
mod h2_client;
use h2_client::H2Client;
#[path = "support/tls_server.rs"]
mod tls_server;
use tls_server::self_signed_tls;

// ---------------------------------------------------------------------------------------
// Producers that report what happens to them.

/// What a test producer saw: its calls, the bytes it wrote, whether it was dropped.
#[derive(Debug, Default)]
struct Probe {
    calls: AtomicUsize,
    bytes: AtomicUsize,
    dropped: AtomicBool,
}

impl Probe {
    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
    fn dropped(&self) -> bool {
        self.dropped.load(Ordering::SeqCst)
    }
}

/// Writes `piece` bytes per call, forever: `Continue` (as fast as the output allows) or
/// every `interval`.
struct Endless {
    probe: Arc<Probe>,
    piece: usize,
    interval: Option<Duration>,
}

impl Producer for Endless {
    fn next(&mut self, now: Instant, out: &mut BodyOut) -> Next {
        self.probe.calls.fetch_add(1, Ordering::SeqCst);
        self.probe.bytes.fetch_add(self.piece, Ordering::SeqCst);
        out.write(&vec![b'x'; self.piece]);
        match self.interval {
            None => Next::Continue,
            Some(d) => Next::WaitUntil(now + d),
        }
    }
}

impl Drop for Endless {
    fn drop(&mut self) {
        self.probe.dropped.store(true, Ordering::SeqCst);
    }
}

/// A server whose every request gets an [`Endless`] body reporting to a new probe (the
/// probes in request order); `/quiet` gets an SSE stream that sends one event and then
/// waits an hour (heartbeats fill the silence).
fn probe_server(config: ServerConfig) -> (Server, Arc<std::sync::Mutex<Vec<Arc<Probe>>>>) {
    let probes: Arc<std::sync::Mutex<Vec<Arc<Probe>>>> = Arc::default();
    let p = Arc::clone(&probes);
    let server = Server::bind("127.0.0.1:0".parse().unwrap(), config, move |req| {
        if req.path() == "/quiet" {
            let mut sent = false;
            return Response::sse_timed(move |now: Instant, out: &mut BodyOut| {
                if !sent {
                    sent = true;
                    out.event(&proto_sse::Message::data("only")).unwrap();
                }
                Next::WaitUntil(now + Duration::from_secs(3600))
            });
        }
        let probe = Arc::new(Probe::default());
        p.lock().unwrap().push(Arc::clone(&probe));
        let (piece, interval) = match req.path() {
            "/flood" => (16 * 1024, None),
            _ => (5, Some(Duration::from_millis(50))),
        };
        Response::timed(
            200,
            Endless {
                probe,
                piece,
                interval,
            },
        )
    })
    .unwrap();
    (server, probes)
}

fn config() -> ServerConfig {
    ServerConfig {
        threads: 2,
        ..ServerConfig::default()
    }
}

/// The `i`th probe once its request arrived (hang guard 10 s).
fn probe(probes: &std::sync::Mutex<Vec<Arc<Probe>>>, i: usize) -> Arc<Probe> {
    wait_for(|| probes.lock().unwrap().len() > i, "the request");
    Arc::clone(&probes.lock().unwrap()[i])
}

/// Waits (at most 10 s, a hang guard) until `cond` holds.
fn wait_for(mut cond: impl FnMut() -> bool, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Waits until `probe`'s call count stopped moving for 500 ms (hang guard 30 s); returns it.
fn plateau(probe: &Probe) -> usize {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut last = probe.calls();
    let mut since = Instant::now();
    loop {
        std::thread::sleep(Duration::from_millis(50));
        let now = probe.calls();
        if now != last {
            (last, since) = (now, Instant::now());
        } else if since.elapsed() >= Duration::from_millis(500) {
            return now;
        }
        assert!(
            Instant::now() < deadline,
            "the producer kept being called: {now} calls"
        );
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn h1_get(addr: std::net::SocketAddr, path: &str) -> TcpStream {
    let mut c = TcpStream::connect(addr).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(c, "GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    c
}

/// Reads from `c` until `got` holds `needle`.
fn read_until(c: &mut TcpStream, got: &mut Vec<u8>, needle: &[u8]) {
    let mut buf = [0u8; 4096];
    while find(got, needle).is_none() {
        let n = c.read(&mut buf).unwrap();
        assert!(
            n > 0,
            "closed before {needle:?}: {:?}",
            String::from_utf8_lossy(got)
        );
        got.extend_from_slice(&buf[..n]);
    }
}

// ---------------------------------------------------------------------------------------
// `wire serve` as a process.

#[path = "support/wire_serve.rs"]
mod wire_serve;

use wire_serve::WireServe;

fn wire() -> WireServe {
    WireServe::start(&["--threads", "2"])
}

/// The chunked body after the head of a whole HTTP/1.1 response.
fn chunked_body(v: &[u8]) -> Vec<u8> {
    let mut at = find(v, b"\r\n\r\n").unwrap() + 4;
    let mut body = Vec::new();
    loop {
        let line_end = at + find(&v[at..], b"\r\n").unwrap();
        let size =
            usize::from_str_radix(std::str::from_utf8(&v[at..line_end]).unwrap(), 16).unwrap();
        if size == 0 {
            return body;
        }
        body.extend_from_slice(&v[line_end + 2..line_end + 2 + size]);
        at = line_end + 2 + size + 2;
    }
}

fn sse_text(range: std::ops::RangeInclusive<u32>) -> String {
    range
        .map(|i| format!("id: {i}\ndata: event {i}\n\n"))
        .collect()
}

// ---------------------------------------------------------------------------------------
// The tests.

/// 500 concurrent `/sse?count=10&interval_ms=50` clients over HTTP/1.1: every one gets its
/// 10 events, and `wire serve` has as many threads while they stream as before (the
/// thread-per-request `/sse` had 500 more).
#[test]
fn many_sse_clients_cost_no_threads_h1() {
    const CLIENTS: usize = 500;
    let w = wire();
    let before = w.threads();
    let mut socks: Vec<TcpStream> = (0..CLIENTS)
        .map(|_| {
            let mut c = TcpStream::connect(&w.addr).unwrap();
            c.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
            c.write_all(
                b"GET /sse?count=10&interval_ms=50 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            )
            .unwrap();
            c
        })
        .collect();
    // Mid-stream: the last client's first event is there, its others are not yet.
    let mut got = Vec::new();
    read_until(socks.last_mut().unwrap(), &mut got, b"data: event 1\n");
    let during = w.threads();
    for (i, c) in socks.iter_mut().enumerate() {
        let mut v = Vec::new();
        c.read_to_end(&mut v).unwrap();
        if i == CLIENTS - 1 {
            got.extend_from_slice(&v);
            v = got.clone();
        }
        assert_eq!(
            String::from_utf8_lossy(&chunked_body(&v)),
            sse_text(1..=10),
            "client {i}"
        );
    }
    let after = w.threads();
    assert_eq!((during, after), (before, before));
}

/// 100 concurrent `/sse` streams on one HTTP/2 connection (the server's stream limit):
/// all complete, no thread added.
#[test]
fn many_sse_streams_cost_no_threads_h2() {
    let w = wire();
    let before = w.threads();
    let mut c = H2Client::connect(w.addr.parse().unwrap(), Duration::from_millis(20));
    let ids: Vec<StreamId> = (0..100)
        .map(|_| c.get("/sse?count=10&interval_ms=50"))
        .collect();
    c.until("the first events", |c| c.body_len(ids[99]) > 0);
    let during = w.threads();
    c.until("every stream's end", |c| {
        ids.iter().all(|id| c.done(id.value()))
    });
    for id in &ids {
        assert_eq!(
            String::from_utf8_lossy(&c.got[&id.value()].body),
            sse_text(1..=10)
        );
    }
    assert_eq!((during, w.threads()), (before, before));
}

/// A client that closes its socket mid-stream: the producer is dropped (HTTP/1.1), and so
/// is one whose HTTP/2 stream is reset, and one whose HTTP/2 connection closes.
#[test]
fn a_client_that_goes_away_drops_its_producer() {
    let (server, probes) = probe_server(config());
    // HTTP/1.1: a few pieces, then the socket closes.
    let mut c = h1_get(server.local_addr(), "/tick");
    let mut got = Vec::new();
    read_until(&mut c, &mut got, b"xxxxx\r\n5\r\nxxxxx");
    let p = probe(&probes, 0);
    assert!(!p.dropped());
    drop(c);
    wait_for(|| p.dropped(), "the HTTP/1.1 producer's drop");
    // HTTP/2: one stream reset, its neighbour goes on; then the connection closes.
    let mut h2 = H2Client::connect(server.local_addr(), Duration::from_millis(20));
    let a = h2.get("/tick");
    let b = h2.get("/tick");
    h2.until("both streams' pieces", |c| {
        c.body_len(a) >= 10 && c.body_len(b) >= 10
    });
    // Requests of one connection are handled in order: stream `a`'s probe first.
    let (pa, pb) = (probe(&probes, 1), probe(&probes, 2));
    h2.conn.reset(a, ErrorCode::CANCEL).unwrap();
    h2.turn();
    wait_for(|| pa.dropped(), "the reset stream's drop");
    assert!(!pb.dropped());
    // The other stream still gets pieces.
    let had = h2.body_len(b);
    h2.until("more pieces", |c| c.body_len(b) > had);
    drop(h2);
    wait_for(|| pb.dropped(), "the HTTP/2 producer's drop");
    server.shutdown().unwrap();
}

/// HTTP/1.1: a client that stops reading stops the calls (they plateau well within what
/// the socket buffers hold), they resume when it reads again, and the producer is dropped
/// when it goes.
#[test]
fn a_client_that_stops_reading_stops_the_calls_h1() {
    let (server, probes) = probe_server(config());
    let mut c = h1_get(server.local_addr(), "/flood");
    let p = probe(&probes, 0);
    let stuck = plateau(&p);
    // Socket buffers on loopback hold a few MiB; 64 MiB is far beyond them.
    let produced = p.bytes.load(Ordering::SeqCst);
    eprintln!("HTTP/1.1: calls stopped at {stuck} ({produced} bytes)");
    assert!(produced <= 64 << 20, "{produced} bytes produced");
    // Reading lets it go on.
    let mut buf = vec![0u8; 1 << 16];
    let mut read = 0;
    while p.calls() == stuck {
        read += c.read(&mut buf).unwrap();
        assert!(read <= produced + (1 << 20), "read all, no new call");
    }
    drop(c);
    wait_for(|| p.dropped(), "the producer's drop");
    server.shutdown().unwrap();
}

/// HTTP/2: a stream whose DATA the client leaves unread stops the calls once its window
/// and the server's send queue are full (1 MiB window + 400 KiB queue here); reading opens
/// the window and the calls resume.
#[test]
fn a_client_that_stops_reading_stops_the_calls_h2() {
    let (server, probes) = probe_server(config());
    let mut h2 = H2Client::connect(server.local_addr(), Duration::from_millis(20));
    let id = h2.get("/flood");
    h2.unread.push(id.value());
    h2.until("the request", |_| !probes.lock().unwrap().is_empty());
    let p = probe(&probes, 0);
    // Keep taking frames (the socket is not what holds the server back) until the calls stop.
    let deadline = Instant::now() + Duration::from_secs(30);
    let (mut last, mut since) = (p.calls(), Instant::now());
    while since.elapsed() < Duration::from_millis(500) {
        assert!(
            Instant::now() < deadline,
            "calls never stopped: {}",
            p.calls()
        );
        h2.turn();
        if p.calls() != last {
            (last, since) = (p.calls(), Instant::now());
        }
    }
    let produced = p.bytes.load(Ordering::SeqCst);
    eprintln!("HTTP/2: calls stopped at {} ({produced} bytes)", p.calls());
    assert!(produced <= 4 << 20, "{produced} bytes produced");
    assert_eq!(h2.body_len(id), 0);
    h2.unread.clear();
    h2.read(id);
    let stuck = p.calls();
    h2.until("more calls", |_| p.calls() > stuck);
    h2.conn.reset(id, ErrorCode::CANCEL).unwrap();
    h2.turn();
    wait_for(|| p.dropped(), "the producer's drop");
    server.shutdown().unwrap();
}

/// `Response::sse_timed`: a stream quiet for the heartbeat timeout gets a heartbeat comment.
#[test]
fn quiet_sse_stream_gets_heartbeats() {
    let mut cfg = config();
    cfg.timeouts.sse_heartbeat = Timeout::After(Duration::from_millis(100));
    let (server, _) = probe_server(cfg);
    let mut c = h1_get(server.local_addr(), "/quiet");
    let mut got = Vec::new();
    read_until(
        &mut c,
        &mut got,
        b"data: only\n\n\r\n2\r\n:\n\r\n2\r\n:\n\r\n",
    );
    let text = String::from_utf8_lossy(&got);
    assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
    assert!(
        text.contains("Content-Type: text/event-stream\r\n"),
        "{text}"
    );
    let mut h2 = H2Client::connect(server.local_addr(), Duration::from_millis(20));
    let id = h2.get("/quiet");
    h2.until("two heartbeats", |c| {
        c.got
            .get(&id.value())
            .is_some_and(|o| o.body.ends_with(b"data: only\n\n:\n:\n"))
    });
    server.shutdown().unwrap();
}

// ---------------------------------------------------------------------------------------
// Byte for byte against the thread-per-request versions.

/// `wire serve`'s `/sse` and `/drip` as they were before timed bodies: a thread per request
/// writing through `Response::sse` / `Response::streaming` (copied from the replaced code).
fn threaded(req: &Request) -> Response {
    let num = |name: &str, default: u64| -> u64 {
        req.query()
            .unwrap_or("")
            .split('&')
            .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
            .map_or(default, |v| v.parse().unwrap())
    };
    if req.path() == "/drip" {
        let (n, delay) = (
            num("bytes", 10),
            Duration::from_millis(num("delay_ms", 100)),
        );
        let (resp, w) = Response::streaming(200);
        std::thread::spawn(move || {
            for i in 0..n {
                if i > 0 {
                    std::thread::sleep(delay);
                }
                if w.send(&b"*"[..]).is_err() {
                    return;
                }
            }
            w.finish();
        });
        return resp.with_header("Content-Type", "application/octet-stream");
    }
    let (count, interval, per_connection, retry) = (
        num("count", 10),
        Duration::from_millis(num("interval_ms", 1000)),
        num("per_connection", 100_000),
        num("retry_ms", 0),
    );
    let after = req
        .header("last-event-id")
        .and_then(|v| std::str::from_utf8(v).ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or(0);
    let (resp, events) = Response::sse();
    std::thread::spawn(move || {
        let first = after.saturating_add(1);
        let last = count.min(after.saturating_add(per_connection));
        for i in first..=last {
            if i > first {
                std::thread::sleep(interval);
            }
            let id = i.to_string();
            let data = format!("event {i}");
            let msg = proto_sse::Message {
                id: Some(&id),
                data: &data,
                retry: (i == first && retry > 0).then_some(retry),
                ..proto_sse::Message::default()
            };
            if events.send(&msg).is_err() {
                return;
            }
        }
        events.finish();
    });
    resp
}

fn raw(addr: std::net::SocketAddr, target: &str, extra: &str) -> Vec<u8> {
    let mut c = TcpStream::connect(addr).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        c,
        "GET {target} HTTP/1.1\r\nHost: x\r\n{extra}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut v = Vec::new();
    c.read_to_end(&mut v).unwrap();
    v
}

#[test]
fn sse_and_drip_bytes_equal_the_threaded_versions() {
    let w = wire();
    let old = Server::bind("127.0.0.1:0".parse().unwrap(), config(), threaded).unwrap();
    for (target, extra) in [
        ("/sse?count=4&interval_ms=10", ""),
        (
            "/sse?count=5&interval_ms=0&retry_ms=250",
            "Last-Event-ID: 2\r\n",
        ),
        (
            "/sse?count=6&interval_ms=5&per_connection=2",
            "Last-Event-ID: 1\r\n",
        ),
        ("/sse?count=3&interval_ms=5", "Last-Event-ID: 3\r\n"),
        ("/drip?bytes=4&delay_ms=10", ""),
        ("/drip?bytes=0", ""),
    ] {
        let new = raw(w.addr.parse().unwrap(), target, extra);
        assert!(new.starts_with(b"HTTP/1.1 200 OK\r\n"), "{target}");
        assert_eq!(
            String::from_utf8_lossy(&new),
            String::from_utf8_lossy(&raw(old.local_addr(), target, extra)),
            "{target}"
        );
    }
    old.shutdown().unwrap();
}

/// HEAD gets the head of a timed response and no body; the producer is dropped uncalled.
#[test]
fn head_request_drops_the_producer_uncalled() {
    let (server, probes) = probe_server(config());
    let mut c = TcpStream::connect(server.local_addr()).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    c.write_all(b"HEAD /tick HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut v = Vec::new();
    c.read_to_end(&mut v).unwrap();
    let text = String::from_utf8_lossy(&v);
    assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
    assert!(text.ends_with("\r\n\r\n"), "{text}");
    let p = probe(&probes, 0);
    wait_for(|| p.dropped(), "the producer's drop");
    assert_eq!(p.calls(), 0);
    server.shutdown().unwrap();
}

// ---------------------------------------------------------------------------------------
// Under TLS.

/// A TLS client (the workspace's `tls` session) on a blocking socket, HTTP/1.1.
struct TlsClient {
    sock: TcpStream,
    session: tls::ClientSession,
    plain: Vec<u8>,
}

impl TlsClient {
    /// Connects, completes the handshake and sends `request`.
    fn connect(addr: std::net::SocketAddr, root: &[u8], request: &[u8]) -> TlsClient {
        let mut b = tls::ClientConfig::builder();
        b.add_root_pem(root).alpn(&[b"http/1.1"]);
        let session = tls::ClientSession::new(&b.build().unwrap(), "localhost").unwrap();
        let sock = TcpStream::connect(addr).unwrap();
        sock.set_read_timeout(Some(Duration::from_millis(20)))
            .unwrap();
        let mut c = TlsClient {
            sock,
            session,
            plain: Vec::new(),
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while c.session.handshake().unwrap() != tls::HandshakeStatus::Complete {
            assert!(Instant::now() < deadline, "handshake timed out");
            c.turn();
        }
        assert_eq!(c.session.write(request).unwrap(), request.len());
        c.turn();
        c
    }

    /// One round: write what TLS has, read what arrives (20 ms at most), decrypt.
    fn turn(&mut self) {
        let mut out = Vec::new();
        self.session.poll_transmit(&mut out);
        self.sock.write_all(&out).unwrap();
        let mut buf = vec![0u8; 1 << 16];
        match self.sock.read(&mut buf) {
            Ok(0) => panic!("server closed"),
            Ok(n) => assert_eq!(self.session.recv(&buf[..n]).unwrap(), n),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(e) => panic!("{e}"),
        }
        while let tls::Plaintext::Data(n) = self.session.read(&mut buf).unwrap() {
            if n == 0 {
                break;
            }
            self.plain.extend_from_slice(&buf[..n]);
        }
    }
}

/// Over TLS: a timed stream arrives; a client that stops reading stops the calls, which
/// resume when it reads again; a client that goes away has its producer dropped.
#[test]
fn tls_backpressure_and_disconnect() {
    let (tls, pem) = self_signed_tls(&["localhost"]);
    let cfg = ServerConfig {
        tls: Some(tls),
        ..config()
    };
    let (server, probes) = probe_server(cfg);
    // A timed stream's pieces, then the client goes away.
    let mut c = TlsClient::connect(
        server.local_addr(),
        &pem,
        b"GET /tick HTTP/1.1\r\nHost: localhost\r\n\r\n",
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while find(&c.plain, b"5\r\nxxxxx\r\n5\r\nxxxxx\r\n").is_none() {
        assert!(Instant::now() < deadline, "no pieces");
        c.turn();
    }
    let p = probe(&probes, 0);
    drop(c);
    wait_for(|| p.dropped(), "the producer's drop");
    // A flood the client stops reading.
    let mut c = TlsClient::connect(
        server.local_addr(),
        &pem,
        b"GET /flood HTTP/1.1\r\nHost: localhost\r\n\r\n",
    );
    let p = probe(&probes, 1);
    let stuck = plateau(&p);
    let produced = p.bytes.load(Ordering::SeqCst);
    eprintln!("TLS: calls stopped at {stuck} ({produced} bytes)");
    assert!(produced <= 64 << 20, "{produced} bytes produced");
    let deadline = Instant::now() + Duration::from_secs(20);
    while p.calls() == stuck {
        assert!(
            Instant::now() < deadline,
            "reading did not resume the calls"
        );
        c.turn();
    }
    drop(c);
    wait_for(|| p.dropped(), "the flood producer's drop");
    server.shutdown().unwrap();
}
