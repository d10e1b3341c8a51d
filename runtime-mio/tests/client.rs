//! The client against an in-process `Server` (cleartext HTTP/1.1, h2c, TLS with ALPN) and
//! against `wire serve` as a process: byte-exact downloads and uploads, keep-alive reuse,
//! HTTP/2 multiplexing, cancellation from another thread, timeouts named in the error,
//! backpressure.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use runtime_mio::client::{
    Client, ClientConfig, ClientTimeouts, Error, Request, TimeoutKind, Version, Wait,
};
use runtime_mio::server::{Request as ServerRequest, Response, Server, ServerConfig};
use runtime_mio::timer::Timeout;

#[path = "support/silent_server.rs"]
mod silent_server;
use silent_server::silent_server;
#[path = "support/tls_server.rs"]
mod tls_server;
use tls_server::Mode;

const SIZES: [usize; 6] = [0, 1, 16_383, 16_384, 16_385, (1 << 20) + 1];

/// Body byte `i` of a test download: not periodic at any power of two, so a chunk put in
/// the wrong place shows.
fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| ((i * 7 + i / 251) % 256) as u8).collect()
}

/// `/len/N`: N bytes with `Content-Length`; `/chunked/N`: the same bytes chunked, in
/// pieces of 5,000; `/echo`: the request body back; `/hold/K`: a streamed body that answers
/// "ok" once K `/hold` requests are in progress together (else "alone" after 10 s);
/// `/forever`: one chunk, then nothing until the client goes away; `/huge/N`: N MiB,
/// chunked, made as it is read.
fn handler(held: Arc<AtomicUsize>) -> impl Fn(&ServerRequest) -> Response + Send + Sync {
    move |req| {
        let path = req.path();
        if let Some(n) = path.strip_prefix("/len/") {
            return Response::new(200).with_body(pattern(n.parse().unwrap()));
        }
        if let Some(n) = path.strip_prefix("/chunked/") {
            let body = Bytes::from(pattern(n.parse().unwrap()));
            let pieces: Vec<Bytes> = (0..body.len())
                .step_by(5000)
                .map(|i| body.slice(i..(i + 5000).min(body.len())))
                .collect();
            return Response::new(200).with_stream(pieces.into_iter());
        }
        if let Some(n) = path.strip_prefix("/huge/") {
            let mib: usize = n.parse().unwrap();
            let piece = Bytes::from(vec![0x5a; 64 * 1024]);
            return Response::new(200).with_stream((0..mib * 16).map(move |_| piece.clone()));
        }
        if path == "/echo" {
            return Response::new(200).with_body(req.body().to_vec());
        }
        if path == "/fields" {
            // The request's fields as received, one `name: value` line each.
            let mut out = Vec::new();
            for (n, v) in req.headers() {
                out.extend_from_slice(n.as_bytes());
                out.extend_from_slice(b": ");
                out.extend_from_slice(v);
                out.push(b'\n');
            }
            return Response::new(200).with_body(out);
        }
        if let Some(k) = path.strip_prefix("/hold/") {
            let k: usize = k.parse().unwrap();
            held.fetch_add(1, Ordering::SeqCst);
            let held = Arc::clone(&held);
            let (resp, w) = Response::streaming(200);
            std::thread::spawn(move || {
                let t = Instant::now();
                while held.load(Ordering::SeqCst) < k && t.elapsed() < Duration::from_secs(10) {
                    std::thread::sleep(Duration::from_millis(5));
                }
                let together = held.load(Ordering::SeqCst) >= k;
                let _ = w.send(if together { &b"ok"[..] } else { &b"alone"[..] });
                w.finish();
            });
            return resp;
        }
        if path == "/forever" {
            let (resp, w) = Response::streaming(200);
            std::thread::spawn(move || {
                let _ = w.send(&b"first"[..]);
                let t = Instant::now();
                while !w.is_closed() && t.elapsed() < Duration::from_secs(20) {
                    std::thread::sleep(Duration::from_millis(10));
                }
            });
            return resp;
        }
        Response::text(404, "no\n")
    }
}

fn server(mode: Mode) -> (Server, Option<Vec<u8>>) {
    let mut config = ServerConfig {
        threads: 1,
        max_body: 64 << 20,
        ..ServerConfig::default()
    };
    let root = mode.serve(&mut config);
    let s = Server::bind(
        "127.0.0.1:0".parse().unwrap(),
        config,
        handler(Arc::new(AtomicUsize::new(0))),
    )
    .unwrap();
    (s, root)
}

struct Setup {
    server: Server,
    client: Client,
    base: String,
}

fn setup_with(mode: Mode, tweak: impl FnOnce(&mut ClientConfig)) -> Setup {
    let (server, root) = server(mode);
    let mut config = mode.client_config(root);
    tweak(&mut config);
    let client = Client::new(config).unwrap();
    let base = mode.base("http", "https", server.local_addr().port());
    Setup {
        server,
        client,
        base,
    }
}

fn setup(mode: Mode) -> Setup {
    setup_with(mode, |_| {})
}

fn expected_version(mode: Mode) -> Version {
    match mode {
        Mode::H1 | Mode::H1Tls => Version::Http11,
        Mode::H2c | Mode::H2Tls => Version::H2,
    }
}

fn downloads(mode: Mode) {
    let s = setup(mode);
    for kind in ["len", "chunked"] {
        for n in SIZES {
            let url = format!("{}/{kind}/{n}", s.base);
            let mut resp = s.client.request(Request::get(&url).unwrap()).unwrap();
            assert_eq!(resp.status(), 200, "{url}");
            assert_eq!(resp.version(), expected_version(mode), "{url}");
            let got = resp.body().read_to_end().unwrap();
            assert_eq!(got.len(), n, "{url}");
            assert!(got == pattern(n), "{url}: bytes differ");
        }
    }
    // Every download went over the one connection.
    assert_eq!(s.client.pool_stats().opened, 1);
    s.server.shutdown().unwrap();
}

#[test]
fn downloads_byte_exact_h1() {
    downloads(Mode::H1);
}

#[test]
fn downloads_byte_exact_h2c() {
    downloads(Mode::H2c);
}

#[test]
fn downloads_byte_exact_h2_tls() {
    downloads(Mode::H2Tls);
}

#[test]
fn downloads_byte_exact_h1_tls() {
    downloads(Mode::H1Tls);
}

fn uploads(mode: Mode) {
    let s = setup(mode);
    let all: Vec<u8> = (0..=255u8).collect();
    let big: Vec<u8> = all.iter().copied().cycle().take((1 << 20) + 1).collect();
    for body in [all, big] {
        let url = format!("{}/echo", s.base);
        let mut resp = s
            .client
            .request(Request::post(&url, body.clone()).unwrap())
            .unwrap();
        assert_eq!(resp.status(), 200);
        let got = resp.body().read_to_end().unwrap();
        assert!(got == body, "{} bytes sent, {} back", body.len(), got.len());
    }
    s.server.shutdown().unwrap();
}

/// The caller's field names go out in their order: in their case over HTTP/1.1, lowercase
/// over HTTP/2 (RFC 9113 8.2.1), whether a name is lowercase already, a usual one in other
/// case, or another one that must be copied to be lowered.
fn field_names(mode: Mode) {
    let s = setup(mode);
    let sent = [
        ("X-Zeta", "z"),
        ("Accept-Language", "en"),
        ("x-lower", "l"),
        ("X-ALPHA", "a"),
    ];
    let mut req = Request::get(&format!("{}/fields", s.base)).unwrap();
    for (n, v) in sent {
        req = req.header(n, v);
    }
    let mut resp = s.client.request(req).unwrap();
    assert_eq!(resp.status(), 200);
    let got = String::from_utf8(resp.body().read_to_end().unwrap()).unwrap();
    let h2 = expected_version(mode) == Version::H2;
    let want: Vec<String> = sent
        .iter()
        .map(|(n, v)| {
            let n = if h2 {
                n.to_ascii_lowercase()
            } else {
                n.to_string()
            };
            format!("{n}: {v}")
        })
        .collect();
    let ours: Vec<&str> = got
        .lines()
        .filter(|l| want.iter().any(|w| w.eq_ignore_ascii_case(l)))
        .collect();
    assert_eq!(ours, want, "{got}");
    s.server.shutdown().unwrap();
}

#[test]
fn field_names_h1() {
    field_names(Mode::H1);
}

#[test]
fn field_names_h2c() {
    field_names(Mode::H2c);
}

#[test]
fn field_names_h2_tls() {
    field_names(Mode::H2Tls);
}

#[test]
fn upload_every_byte_value_h1() {
    uploads(Mode::H1);
}

#[test]
fn upload_every_byte_value_h2c() {
    uploads(Mode::H2c);
}

#[test]
fn upload_every_byte_value_h2_tls() {
    uploads(Mode::H2Tls);
}

#[test]
fn keep_alive_reuses_one_connection_h1() {
    let s = setup(Mode::H1);
    let mut ids = Vec::new();
    for i in 0..5 {
        let url = format!("{}/len/{i}", s.base);
        let mut resp = s.client.request(Request::get(&url).unwrap()).unwrap();
        assert_eq!(resp.body().read_to_end().unwrap(), pattern(i));
        ids.push(resp.connection_id());
    }
    assert!(ids.iter().all(|&id| id == ids[0]), "{ids:?}");
    let stats = s.client.pool_stats();
    assert_eq!((stats.opened, stats.open), (1, 1));
    s.server.shutdown().unwrap();
}

/// Concurrent HTTP/1.1 requests need a connection each; the pool opens them and keeps them.
#[test]
fn concurrent_h1_requests_open_a_connection_each() {
    let s = setup(Mode::H1);
    let url = format!("{}/hold/3", s.base);
    let threads: Vec<_> = (0..3)
        .map(|_| {
            let client = s.client.clone();
            let url = url.clone();
            std::thread::spawn(move || {
                let mut r = client.request(Request::get(&url).unwrap()).unwrap();
                (r.connection_id(), r.body().read_to_end().unwrap())
            })
        })
        .collect();
    let mut ids: Vec<u64> = Vec::new();
    for t in threads {
        let (id, body) = t.join().unwrap();
        assert_eq!(body, b"ok");
        ids.push(id);
    }
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 3);
    assert_eq!(s.client.pool_stats().opened, 3);
    s.server.shutdown().unwrap();
}

fn multiplexing(mode: Mode) {
    let s = setup(mode);
    // The first request finds the protocol (ALPN under TLS); the next ones share it.
    let mut first = s
        .client
        .request(Request::get(&format!("{}/len/10", s.base)).unwrap())
        .unwrap();
    first.body().read_to_end().unwrap();
    const K: usize = 8;
    let url = format!("{}/hold/{K}", s.base);
    let threads: Vec<_> = (0..K)
        .map(|_| {
            let client = s.client.clone();
            let url = url.clone();
            std::thread::spawn(move || {
                let mut r = client.request(Request::get(&url).unwrap()).unwrap();
                (r.connection_id(), r.body().read_to_end().unwrap())
            })
        })
        .collect();
    for t in threads {
        let (id, body) = t.join().unwrap();
        // "ok": the server had all K requests in progress at once.
        assert_eq!(body, b"ok");
        assert_eq!(id, first.connection_id());
    }
    assert_eq!(s.client.pool_stats().opened, 1);
    s.server.shutdown().unwrap();
}

#[test]
fn h2c_multiplexes_concurrent_requests_on_one_connection() {
    multiplexing(Mode::H2c);
}

#[test]
fn h2_tls_multiplexes_concurrent_requests_on_one_connection() {
    multiplexing(Mode::H2Tls);
}

/// A read blocked in `chunk(Block)` wakes with `Cancelled` when another thread cancels;
/// returns the connection id and how long the wake took.
fn cancel_blocked_read(s: &Setup) -> (u64, Duration) {
    let url = format!("{}/forever", s.base);
    let mut resp = s.client.request(Request::get(&url).unwrap()).unwrap();
    assert_eq!(
        &resp.body().chunk(Wait::Block).unwrap().unwrap()[..],
        b"first"
    );
    let handle = resp.cancel_handle();
    let canceller = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(200));
        let at = Instant::now();
        handle.cancel();
        handle.cancel(); // idempotent
        at
    });
    let got = resp.body().chunk(Wait::Block);
    let woke = Instant::now();
    let cancelled_at = canceller.join().unwrap();
    assert!(matches!(got, Err(Error::Cancelled)), "{got:?}");
    // Reads after a cancel keep saying so.
    assert!(matches!(
        resp.body().chunk(Wait::NoWait),
        Err(Error::Cancelled)
    ));
    (
        resp.connection_id(),
        woke.saturating_duration_since(cancelled_at),
    )
}

#[test]
fn cancel_wakes_blocked_read_and_h2_keeps_connection() {
    for mode in [Mode::H2c, Mode::H2Tls] {
        let s = setup(mode);
        let (id, took) = cancel_blocked_read(&s);
        assert!(
            took < Duration::from_millis(50),
            "{mode:?}: woke after {took:?}"
        );
        let mut next = s
            .client
            .request(Request::get(&format!("{}/len/100", s.base)).unwrap())
            .unwrap();
        assert_eq!(next.body().read_to_end().unwrap(), pattern(100));
        assert_eq!(next.connection_id(), id, "{mode:?}");
        assert_eq!(s.client.pool_stats().opened, 1, "{mode:?}");
        s.server.shutdown().unwrap();
    }
}

#[test]
fn cancel_wakes_blocked_read_and_h1_opens_new_connection() {
    let s = setup(Mode::H1);
    let (id, took) = cancel_blocked_read(&s);
    assert!(took < Duration::from_millis(50), "woke after {took:?}");
    let mut next = s
        .client
        .request(Request::get(&format!("{}/len/100", s.base)).unwrap())
        .unwrap();
    assert_eq!(next.body().read_to_end().unwrap(), pattern(100));
    assert_ne!(next.connection_id(), id);
    assert_eq!(s.client.pool_stats().opened, 2);
    s.server.shutdown().unwrap();
}

/// Dropping the body before its end cancels too (HTTP/2: the connection stays).
#[test]
fn dropping_body_cancels_h2_stream() {
    let s = setup(Mode::H2c);
    let mut resp = s
        .client
        .request(Request::get(&format!("{}/forever", s.base)).unwrap())
        .unwrap();
    assert_eq!(
        &resp.body().chunk(Wait::Block).unwrap().unwrap()[..],
        b"first"
    );
    let id = resp.connection_id();
    drop(resp);
    let mut next = s
        .client
        .request(Request::get(&format!("{}/len/5", s.base)).unwrap())
        .unwrap();
    assert_eq!(next.body().read_to_end().unwrap(), pattern(5));
    assert_eq!(next.connection_id(), id);
    s.server.shutdown().unwrap();
}

/// A paused download fills the client's queue to its bound and no further; reading on
/// gets every byte.
fn backpressure(mode: Mode) {
    const LIMIT: usize = 256 * 1024;
    const MIB: usize = 64;
    let s = setup_with(mode, |c| c.body_queue = LIMIT);
    let mut resp = s
        .client
        .request(Request::get(&format!("{}/huge/{MIB}", s.base)).unwrap())
        .unwrap();
    let mut total = resp.body().chunk(Wait::Block).unwrap().unwrap().len();
    // Paused: the loop fills the queue, then stops taking bytes.
    let mut max = 0;
    for _ in 0..20 {
        std::thread::sleep(Duration::from_millis(25));
        max = max.max(resp.body().queued());
    }
    // The bound: the limit plus one chunk (64 KiB for HTTP/1.1, a 16 KiB frame for HTTP/2).
    assert!(max >= LIMIT, "{mode:?}: the queue never filled ({max})");
    assert!(max <= LIMIT + 64 * 1024, "{mode:?}: {max} queued");
    while let Some(b) = resp.body().chunk(Wait::Block).unwrap() {
        assert!(b.iter().all(|&x| x == 0x5a));
        total += b.len();
        assert!(resp.body().queued() <= LIMIT + 64 * 1024);
    }
    assert_eq!(total, MIB << 20, "{mode:?}");
    s.server.shutdown().unwrap();
}

#[test]
fn paused_download_keeps_queue_bounded_h1() {
    backpressure(Mode::H1);
}

#[test]
fn paused_download_keeps_queue_bounded_h2c() {
    backpressure(Mode::H2c);
}

#[test]
fn tls_verification_is_on_by_default() {
    let (server, _root) = server(Mode::H2Tls);
    let client = Client::new(ClientConfig::default()).unwrap();
    let url = format!("https://localhost:{}/len/1", server.local_addr().port());
    match client.request(Request::get(&url).unwrap()) {
        Err(Error::Tls(tls::Error::Peer(tls::PeerError::CertificateVerification { .. }))) => {}
        other => panic!("{other:?}"),
    }
    // Turned off, the same server is accepted.
    let insecure = Client::new(ClientConfig {
        verify: false,
        ..ClientConfig::default()
    })
    .unwrap();
    let mut r = insecure.request(Request::get(&url).unwrap()).unwrap();
    assert_eq!(r.body().read_to_end().unwrap(), pattern(1));
    server.shutdown().unwrap();
}

#[test]
fn connect_refused_is_a_connect_error() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let client = Client::new(ClientConfig::default()).unwrap();
    let got = client.request(Request::get(&format!("http://127.0.0.1:{port}/")).unwrap());
    assert!(matches!(got, Err(Error::Connect { .. })), "{got:?}");
    let got = client.request(Request::get("http://no-such-host.invalid/").unwrap());
    assert!(matches!(got, Err(Error::Dns { .. })), "{got:?}");
}

/// A server that accepts and never answers: the response-head timeout, named.
#[test]
fn silent_server_ends_with_response_head_timeout() {
    let (addr, _) = silent_server(None);
    let client = Client::new(ClientConfig::default()).unwrap();
    let timeouts = ClientTimeouts {
        response_head: Timeout::After(Duration::from_millis(300)),
        ..ClientTimeouts::default()
    };
    let t = Instant::now();
    let got = client.request(
        Request::get(&format!("http://{addr}/"))
            .unwrap()
            .timeouts(timeouts),
    );
    let took = t.elapsed();
    assert!(
        matches!(got, Err(Error::Timeout(TimeoutKind::ResponseHead))),
        "{got:?}"
    );
    assert!(
        took >= Duration::from_millis(300) && took < Duration::from_millis(1300),
        "{took:?}"
    );
}

#[path = "support/wire_serve.rs"]
mod wire_serve;

use wire_serve::WireServe;

fn wire_serve() -> WireServe {
    WireServe::start(&["--threads", "1"])
}

/// `wire serve --tls` as a process, its self-signed certificate trusted: `/bytes/N` at the
/// boundary sizes over HTTP/2 (ALPN) and every byte value through `/echo`, one connection.
#[test]
fn wire_serve_tls_h2_downloads_and_upload() {
    let w = WireServe::start(&["--threads", "1", "--tls"]);
    let pem = w.cert_pem().unwrap();
    let client = Client::new(ClientConfig {
        root_pems: vec![pem],
        ..ClientConfig::default()
    })
    .unwrap();
    let port = w.port();
    let base = format!("https://localhost:{port}");
    for n in SIZES {
        let mut r = client
            .request(Request::get(&format!("{base}/bytes/{n}")).unwrap())
            .unwrap();
        assert_eq!(r.version(), Version::H2);
        let got = r.body().read_to_end().unwrap();
        assert_eq!(got.len(), n);
        assert!(got.iter().enumerate().all(|(i, &b)| b == (i % 251) as u8));
    }
    let all: Vec<u8> = (0..=255u8).collect();
    let mut r = client
        .request(Request::post(&format!("{base}/echo"), all).unwrap())
        .unwrap();
    let json = String::from_utf8(r.body().read_to_end().unwrap()).unwrap();
    // The JSON string escapes control characters and quotes; a few landmarks of the 256.
    assert!(json.contains(r"\u0000\u0001"), "{json}");
    assert!(json.contains("ABCDEFGHIJKLMNOPQRSTUVWXYZ"), "{json}");
    assert_eq!(client.pool_stats().opened, 1);
}

/// `wire serve`'s `/drip` stops sending mid-body: the streamed read ends with the body idle
/// timeout, named, within the timeout plus 100 ms of the last byte.
#[test]
fn stalled_body_ends_with_idle_timeout() {
    let w = wire_serve();
    for h2 in [false, true] {
        let client = Client::new(ClientConfig {
            h2_prior_knowledge: h2,
            timeouts: ClientTimeouts {
                body_idle: Timeout::After(Duration::from_millis(400)),
                ..ClientTimeouts::default()
            },
            ..ClientConfig::default()
        })
        .unwrap();
        let url = format!("http://{}/drip?bytes=3&delay_ms=5000", w.addr);
        let mut resp = client.request(Request::get(&url).unwrap()).unwrap();
        assert_eq!(
            resp.version(),
            if h2 { Version::H2 } else { Version::Http11 }
        );
        let first = resp.body().chunk(Wait::Block).unwrap().unwrap();
        let last_byte = Instant::now();
        assert_eq!(&first[..], b"*");
        let got = resp.body().chunk(Wait::Block);
        let took = last_byte.elapsed();
        assert!(
            matches!(got, Err(Error::Timeout(TimeoutKind::BodyIdle))),
            "h2 {h2}: {got:?}"
        );
        assert!(
            took >= Duration::from_millis(350) && took <= Duration::from_millis(500),
            "h2 {h2}: {took:?}"
        );
    }
}

/// `Wait::NoWait` and `Wait::Timeout` return `WouldBlock` while nothing is queued, and the
/// body goes on.
#[test]
fn bounded_waits_return_would_block() {
    let w = wire_serve();
    let client = Client::new(ClientConfig::default()).unwrap();
    let url = format!("http://{}/drip?bytes=2&delay_ms=600", w.addr);
    let mut resp = client.request(Request::get(&url).unwrap()).unwrap();
    assert_eq!(&resp.body().chunk(Wait::Block).unwrap().unwrap()[..], b"*");
    assert!(matches!(
        resp.body().chunk(Wait::NoWait),
        Err(Error::WouldBlock)
    ));
    let t = Instant::now();
    assert!(matches!(
        resp.body().chunk(Wait::Timeout(Duration::from_millis(100))),
        Err(Error::WouldBlock)
    ));
    assert!(t.elapsed() >= Duration::from_millis(100));
    let mut rest = Vec::new();
    resp.body().copy_to(&mut rest).unwrap();
    assert_eq!(rest, b"*");
}

/// `Wait::Timeout(Duration::MAX)` (a deadline past what the clock can hold) waits without
/// limit, on a plain body and on a decoded one, instead of panicking.
#[test]
fn the_longest_timeout_waits_without_limit() {
    let w = wire_serve();
    let client = Client::new(ClientConfig::default()).unwrap();
    let longest = Wait::Timeout(Duration::MAX);
    let url = format!("http://{}/drip?bytes=2&delay_ms=50", w.addr);
    let mut resp = client.request(Request::get(&url).unwrap()).unwrap();
    assert_eq!(&resp.body().chunk(longest).unwrap().unwrap()[..], b"*");
    assert_eq!(&resp.body().chunk(longest).unwrap().unwrap()[..], b"*");
    assert_eq!(resp.body().chunk(longest).unwrap(), None);
    let url = format!("http://{}/gzip", w.addr);
    let mut resp = client.request(Request::get(&url).unwrap()).unwrap();
    let mut json = Vec::new();
    while let Some(b) = resp.body().chunk(longest).unwrap() {
        json.extend_from_slice(&b);
    }
    assert!(
        json.starts_with(b"{"),
        "{:?}",
        String::from_utf8_lossy(&json)
    );
}

/// Against `wire serve`: `/status/CODE` and `/echo` (headers in order and case) over
/// HTTP/1.1.
#[test]
fn wire_serve_status_and_echo() {
    let w = wire_serve();
    let client = Client::new(ClientConfig::default()).unwrap();
    let mut resp = client
        .request(Request::get(&format!("http://{}/status/503", w.addr)).unwrap())
        .unwrap();
    assert_eq!(resp.status(), 503);
    // Read to its end (a body dropped before its end would cancel, and close the
    // HTTP/1.1 connection).
    resp.body().read_to_end().unwrap();
    let mut resp = client
        .request(
            Request::post(&format!("http://{}/echo", w.addr), &b"hi"[..])
                .unwrap()
                .header("X-Zeta", "z")
                .header("x-ALPHA", "a"),
        )
        .unwrap();
    let json = String::from_utf8(resp.body().read_to_end().unwrap()).unwrap();
    assert!(
        json.contains("[\"X-Zeta\",\"z\"],[\"x-ALPHA\",\"a\"]"),
        "{json}"
    );
    assert!(json.contains("\"body\":\"hi\""), "{json}");
    // Both requests went over one connection.
    assert_eq!(client.pool_stats().opened, 1);
}

/// A raw HTTP/1.1 server: each connection reads one request head, writes `answer(n)` (n
/// counts connections from 0) and closes.
fn raw_server(answer: fn(usize) -> Vec<u8>) -> std::net::SocketAddr {
    use std::io::{Read, Write};
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    std::thread::spawn(move || {
        for (n, s) in l.incoming().enumerate() {
            let Ok(mut s) = s else { return };
            let mut head = Vec::new();
            let mut b = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && s.read(&mut b).unwrap_or(0) == 1 {
                head.push(b[0]);
            }
            let _ = s.write_all(&answer(n));
        }
    });
    addr
}

/// A body delimited by the end of the connection arrives whole, and the connection is not
/// reused.
#[test]
fn close_delimited_body_h1() {
    fn answer(_: usize) -> Vec<u8> {
        let mut v = b"HTTP/1.1 200 OK\r\n\r\n".to_vec();
        v.extend(pattern((1 << 20) + 1));
        v
    }
    let addr = raw_server(answer);
    let client = Client::new(ClientConfig::default()).unwrap();
    let mut ids = Vec::new();
    for _ in 0..2 {
        let mut r = client
            .request(Request::get(&format!("http://{addr}/")).unwrap())
            .unwrap();
        assert!(r.body().read_to_end().unwrap() == pattern((1 << 20) + 1));
        ids.push(r.connection_id());
    }
    assert_ne!(ids[0], ids[1]);
}

/// The status line as the server sent it: an `HTTP/1.0` answer is reported as HTTP/1.0,
/// its reason phrase byte for byte (an unusual one, an empty one, one with a byte above
/// 0x7f), the usual phrase as such; HTTP/2 has none.
#[test]
fn status_line_version_and_reason_as_received() {
    fn answer(n: usize) -> Vec<u8> {
        match n {
            0 => b"HTTP/1.0 200 Fine, thanks\r\nContent-Length: 2\r\n\r\nok".to_vec(),
            1 => b"HTTP/1.1 404 \r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_vec(),
            2 => b"HTTP/1.1 200 Gr\xfc\xdfe\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                .to_vec(),
            _ => b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n".to_vec(),
        }
    }
    let addr = raw_server(answer);
    let client = Client::new(ClientConfig::default()).unwrap();
    let want: [(Version, u16, &[u8]); 4] = [
        (Version::Http10, 200, b"Fine, thanks"),
        (Version::Http11, 404, b""),
        (Version::Http11, 200, b"Gr\xfc\xdfe"),
        (Version::Http11, 503, b"Service Unavailable"),
    ];
    for (i, (version, status, reason)) in want.into_iter().enumerate() {
        let mut r = client
            .request(Request::get(&format!("http://{addr}/")).unwrap())
            .unwrap();
        assert_eq!(
            (r.version(), r.status(), r.reason()),
            (version, status, Some(reason)),
            "answer {i}"
        );
        r.body().read_to_end().unwrap();
    }
    let s = setup(Mode::H2c);
    let mut r = s
        .client
        .request(Request::get(&format!("{}/nothing", s.base)).unwrap())
        .unwrap();
    assert_eq!(
        (r.version(), r.status(), r.reason()),
        (Version::H2, 404, None)
    );
    r.body().read_to_end().unwrap();
}

/// Informational (1xx) heads before the final one are kept on the response in order, as
/// received (`103 Early Hints` with its `Link` fields, a `100 Continue` nobody asked for);
/// a server sending a flood of them costs at most the first 16.
#[test]
fn informational_heads_are_kept_in_order_up_to_sixteen() {
    fn answer(n: usize) -> Vec<u8> {
        let mut v = Vec::new();
        if n == 0 {
            v.extend_from_slice(
                b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\
                  Link: </b.js>; rel=preload\r\n\r\nHTTP/1.1 100 Go on\r\n\r\n",
            );
        } else {
            for i in 0..1000 {
                v.extend_from_slice(
                    format!("HTTP/1.1 103 Hint {i}\r\nX-I: {i}\r\n\r\n").as_bytes(),
                );
            }
        }
        v.extend_from_slice(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        v
    }
    let addr = raw_server(answer);
    let client = Client::new(ClientConfig::default()).unwrap();
    let url = format!("http://{addr}/");
    let mut r = client.request(Request::get(&url).unwrap()).unwrap();
    assert_eq!(r.status(), 200);
    type Seen<'a> = Vec<(u16, Option<&'a [u8]>, Vec<(&'a str, &'a [u8])>)>;
    let got: Seen<'_> = r
        .informational()
        .iter()
        .map(|i| (i.status(), i.reason(), i.headers().collect()))
        .collect();
    let want: Seen<'_> = vec![
        (
            103,
            Some(b"Early Hints"),
            vec![
                ("Link", b"</a.css>; rel=preload"),
                ("Link", b"</b.js>; rel=preload"),
            ],
        ),
        (100, Some(b"Go on"), vec![]),
    ];
    assert_eq!(got, want);
    assert_eq!(
        r.informational()[0].header("link"),
        Some(&b"</a.css>; rel=preload"[..])
    );
    assert_eq!(r.body().read_to_end().unwrap(), b"ok");

    let mut r = client.request(Request::get(&url).unwrap()).unwrap();
    assert_eq!(r.status(), 200);
    let kept: Vec<String> = r
        .informational()
        .iter()
        .map(|i| String::from_utf8_lossy(i.header("x-i").unwrap()).into_owned())
        .collect();
    assert_eq!(kept, (0..16).map(|i| i.to_string()).collect::<Vec<_>>());
    assert_eq!(r.body().read_to_end().unwrap(), b"ok");
}

/// A body cut short by the server's close (`Content-Length` and chunked): the caller reads
/// every byte that arrived, then the error, even when the close was seen before it read
/// anything (the failure used to drop what was queued).
#[test]
fn body_cut_short_yields_what_came_then_the_error() {
    fn answer(n: usize) -> Vec<u8> {
        let mut v = if n.is_multiple_of(2) {
            b"HTTP/1.1 200 OK\r\nContent-Length: 20000\r\n\r\n".to_vec()
        } else {
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4e20\r\n".to_vec()
        };
        v.extend(pattern(10_000));
        v
    }
    let addr = raw_server(answer);
    let client = Client::new(ClientConfig::default()).unwrap();
    for framing in ["content-length", "chunked"] {
        let mut r = client
            .request(Request::get(&format!("http://{addr}/")).unwrap())
            .unwrap();
        // Time for the rest and the close to arrive before the first read.
        std::thread::sleep(Duration::from_millis(200));
        let mut got = Vec::new();
        let err = loop {
            match r.body().chunk(Wait::Block) {
                Ok(Some(c)) => got.extend_from_slice(&c),
                Ok(None) => panic!("{framing}: the cut body ended as if complete"),
                Err(e) => break e,
            }
        };
        assert!(got == pattern(10_000), "{framing}: {} bytes", got.len());
        assert!(
            err.to_string().contains("unexpected_eof"),
            "{framing}: {err}"
        );
    }
}

/// A server that closes a kept-alive connection after one response (without saying so):
/// the next request goes on a new connection and succeeds.
#[test]
fn server_closing_an_idle_connection_is_survived() {
    fn answer(n: usize) -> Vec<u8> {
        format!("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n{}", n % 10).into_bytes()
    }
    let addr = raw_server(answer);
    let client = Client::new(ClientConfig::default()).unwrap();
    for i in 0..3 {
        let mut r = client
            .request(Request::get(&format!("http://{addr}/")).unwrap())
            .unwrap();
        assert_eq!(r.body().read_to_end().unwrap(), i.to_string().as_bytes());
        // Give the server's close time to arrive before the next request, most runs; the
        // race where it has not is the retry path.
        if i == 1 {
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    assert_eq!(client.pool_stats().opened, 3);
}

/// Long timeouts, so that only a cancel ends the waits below.
fn patient() -> ClientTimeouts {
    let long = Timeout::After(Duration::from_secs(60));
    ClientTimeouts {
        connect: long,
        response_head: long,
        body_idle: long,
        total: long,
        ..ClientTimeouts::default()
    }
}

/// Runs `req` and cancels it from another thread after `after`; returns the call's result
/// and how long after the cancel it returned.
fn cancel_during(client: &Client, req: Request, after: Duration) -> (Result<(), Error>, Duration) {
    let handle = req.cancel_handle();
    let canceller = std::thread::spawn(move || {
        std::thread::sleep(after);
        let at = Instant::now();
        handle.cancel();
        at
    });
    let got = client.request(req).map(|_| ());
    let returned = Instant::now();
    let at = canceller.join().unwrap();
    (got, returned.saturating_duration_since(at))
}

#[test]
fn request_cancelled_before_the_call_fails_at_once_and_connects_nowhere() {
    let (addr, accepted) = silent_server(None);
    let client = Client::new(ClientConfig::default()).unwrap();
    let req = Request::get(&format!("http://{addr}/")).unwrap();
    let handle = req.cancel_handle();
    handle.cancel();
    handle.cancel(); // idempotent
    // A clone is a new request, with its own signal.
    let clone = req.clone();
    assert!(matches!(client.request(req), Err(Error::Cancelled)));
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(accepted.load(Ordering::SeqCst), 0);
    let (got, _) = cancel_during(
        &client,
        clone.timeouts(patient()),
        Duration::from_millis(200),
    );
    assert!(matches!(got, Err(Error::Cancelled)), "{got:?}");
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
}

/// Waiting for the head of a silent server (HTTP/1.1 and h2c prior knowledge): the call
/// returns `Cancelled` as soon as another thread cancels, well before any timeout.
#[test]
fn request_cancel_handle_wakes_a_call_waiting_for_the_head() {
    for h2 in [false, true] {
        let (addr, accepted) = silent_server(None);
        let client = Client::new(ClientConfig {
            h2_prior_knowledge: h2,
            timeouts: patient(),
            ..ClientConfig::default()
        })
        .unwrap();
        let req = Request::get(&format!("http://{addr}/")).unwrap();
        let (got, took) = cancel_during(&client, req, Duration::from_millis(300));
        assert!(matches!(got, Err(Error::Cancelled)), "h2 {h2}: {got:?}");
        assert!(took < Duration::from_secs(5), "h2 {h2}: {took:?}");
        assert_eq!(accepted.load(Ordering::SeqCst), 1);
    }
}

/// A proxy that accepts the connection and never answers the CONNECT: the cancel shuts the
/// socket under the blocking handshake.
#[test]
fn request_cancel_handle_ends_a_proxy_handshake() {
    let (proxy, accepted) = silent_server(None);
    let client = Client::new(ClientConfig {
        timeouts: patient(),
        proxy: Some(runtime_mio::client::Proxy::parse(&format!("http://{proxy}")).unwrap()),
        ..ClientConfig::default()
    })
    .unwrap();
    let req = Request::get("https://example.invalid/").unwrap();
    let (got, took) = cancel_during(&client, req, Duration::from_millis(300));
    assert!(matches!(got, Err(Error::Cancelled)), "{got:?}");
    assert!(took < Duration::from_secs(5), "{took:?}");
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
}

/// The hops of a redirect share the request's signal; after the call returned, the same
/// handle cancels the body.
#[test]
fn request_cancel_handle_reaches_redirect_hops_and_the_body() {
    let (addr, _) = silent_server(Some(
        b"HTTP/1.1 302 Found\r\nLocation: /next\r\nContent-Length: 0\r\n\r\n",
    ));
    let client = Client::new(ClientConfig {
        timeouts: patient(),
        ..ClientConfig::default()
    })
    .unwrap();
    let req = Request::get(&format!("http://{addr}/")).unwrap();
    let (got, took) = cancel_during(&client, req, Duration::from_millis(300));
    assert!(matches!(got, Err(Error::Cancelled)), "{got:?}");
    assert!(took < Duration::from_secs(5), "{took:?}");

    let s = setup(Mode::H2c);
    let req = Request::get(&format!("{}/forever", s.base)).unwrap();
    let handle = req.cancel_handle();
    let mut resp = s.client.request(req).unwrap();
    assert_eq!(
        &resp.body().chunk(Wait::Block).unwrap().unwrap()[..],
        b"first"
    );
    handle.cancel();
    assert!(matches!(
        resp.body().chunk(Wait::Block),
        Err(Error::Cancelled)
    ));
    s.server.shutdown().unwrap();
}
