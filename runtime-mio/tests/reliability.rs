//! Reliability of the server (issue 12): malformed input gets its status or its GOAWAY code
//! and never takes the server down; 10,000 concurrent connections held on loopback; slowloris
//! cut by the request-head timeout while other clients are served; peers that reset
//! mid-body cost nothing (the server's descriptors and threads come back to where they were).
//!
//! The 10,000-connection test runs `wire serve` and its client (`tests/hold_connections.py`,
//! Python from the peers kit, `$PEERS_DIR/venv`) as two processes, each with its soft limit
//! on open files raised to the hard limit (20,000 per process here): `wire serve` through
//! `sh -c 'ulimit -n ...'`, the client through `resource.setrlimit`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use runtime_mio::server::{Request, Response, Server, ServerConfig};
use runtime_mio::timer::Timeout;

// ---------------------------------------------------------------------------------------------
// `wire serve` as a child process, with its soft limit on open files raised to the hard one.

#[path = "support/h2_raw.rs"]
mod h2_raw;
#[path = "support/peers.rs"]
mod peers;
#[path = "support/wire_serve.rs"]
mod wire_serve;

use h2_raw::{h2_frame, h2_frames, h2_request};
use proto_h2::conn::PREFACE;
use wire_serve::WireServe;

/// `wire serve` with its soft limit on open files raised to the hard one.
fn wire(extra: &[&str]) -> WireServe {
    WireServe::start_with_file_limit("$(ulimit -Hn)", extra)
}

fn connect(addr: &str) -> TcpStream {
    let c = TcpStream::connect(addr).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    c
}

/// Closes `c` with a reset (SO_LINGER 0): the server sees ECONNRESET, not a FIN.
fn reset(c: TcpStream) {
    socket2::SockRef::from(&c)
        .set_linger(Some(Duration::ZERO))
        .unwrap();
    drop(c);
}

/// Everything until the peer closes (a reset after the answer counts as a close).
fn read_to_close(c: &mut TcpStream) -> Vec<u8> {
    let mut v = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    loop {
        match c.read(&mut buf) {
            Ok(0) => return v,
            Ok(n) => v.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return v,
            Err(e) => panic!("{e} after {:?}", String::from_utf8_lossy(&v)),
        }
    }
}

/// One `GET /` with `Connection: close` on a fresh connection: the server still answers.
fn hello(addr: &str) {
    let mut c = connect(addr);
    c.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let text = String::from_utf8(read_to_close(&mut c)).unwrap();
    assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
    assert!(text.ends_with("\r\n\r\nHello, World!"), "{text}");
}

// ---------------------------------------------------------------------------------------------
// 10,000 concurrent connections.

/// `wire serve --threads 2` holds 10,000 keep-alive connections of another process at once:
/// each sent a request and got its answer before any second request, the server then holds
/// a descriptor for every one of them, and a second request on each is answered too. When
/// the client exits, the server's descriptors come back to where they were.
#[test]
fn ten_thousand_concurrent_keep_alive_connections() {
    const N: usize = 10_000;
    let w = wire(&["--threads", "2"]);
    let (base_fds, base_threads) = (w.fds(), w.threads());
    let t0 = Instant::now();
    let mut client = Command::new(peers::python(&[]))
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/hold_connections.py"
        ))
        .arg(&w.addr)
        .arg(N.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(client.stdout.take().unwrap()).lines();
    let first = lines.next().transpose().unwrap();
    if first.as_deref() != Some(&format!("open {N}")) {
        let out = client.wait_with_output().unwrap();
        panic!("client: {first:?} {}", String::from_utf8_lossy(&out.stderr));
    }
    // Every connection answered once and kept open: the server holds them all.
    let held = w.fds() - base_fds;
    assert!(held >= N, "the server holds {held} connections");
    client.stdin.take().unwrap().write_all(b"go\n").unwrap();
    let last = lines.next().transpose().unwrap();
    let status = client.wait().unwrap();
    let mut err = String::new();
    client
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(status.success(), "client: {last:?} {err}");
    let last = last.unwrap();
    assert!(last.starts_with(&format!("ok {N} ")), "{last}");
    eprintln!(
        "{N} connections, 2 requests each: {last}; test {:.1} s",
        t0.elapsed().as_secs_f64()
    );
    hello(&w.addr);
    w.settle(base_fds, base_threads);
}

/// A server out of descriptors (soft limit 64) leaves the connections it cannot accept in
/// the listen queue; once descriptors are free again it accepts and answers them, without a
/// new connection having to arrive first to wake it.
#[test]
fn accepts_again_once_descriptors_are_freed() {
    let w = WireServe::start_with_file_limit("64", &["--threads", "1"]);
    let conns: Vec<TcpStream> = (0..100)
        .map(|_| {
            let mut c = connect(&w.addr);
            c.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
            c
        })
        .collect();
    // Time for the server to answer all it could accept.
    std::thread::sleep(Duration::from_millis(500));
    let (mut answered, mut waiting) = (Vec::new(), Vec::new());
    for c in conns {
        c.set_nonblocking(true).unwrap();
        let mut buf = [0u8; 1024];
        match (&c).read(&mut buf) {
            Ok(n) if n > 0 => {
                assert!(buf.starts_with(b"HTTP/1.1 200 OK\r\n"));
                answered.push(c);
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => waiting.push(c),
            other => panic!("{other:?}"),
        }
    }
    assert!(
        !answered.is_empty() && !waiting.is_empty(),
        "{} answered, {} waiting: the limit was not reached",
        answered.len(),
        waiting.len()
    );
    let n = waiting.len();
    // Closing the answered connections frees the server's descriptors.
    drop(answered);
    for (i, mut c) in waiting.into_iter().enumerate() {
        c.set_nonblocking(false).unwrap();
        let mut buf = [0u8; 1024];
        let k = c
            .read(&mut buf)
            .unwrap_or_else(|e| panic!("waiting connection {i} of {n}: {e}"));
        assert!(buf[..k].starts_with(b"HTTP/1.1 200 OK\r\n"), "{i}");
    }
}

// ---------------------------------------------------------------------------------------------
// Slowloris.

fn handler(req: &Request) -> Response {
    match req.path() {
        "/body" => Response::new(200).with_body(req.body().to_vec()),
        p => Response::text(200, format!("ok {p}")),
    }
}

/// 100 slowloris connections send their heads one byte every 100 ms (never ending them):
/// each gets 408 and is closed by the 500 ms request-head timeout, while another client
/// goes on being served meanwhile. Ten more open with the first bytes of the HTTP/2 preface
/// and trickle the rest: the same timer closes them (silently: no protocol was chosen).
#[test]
fn slowloris_is_cut_by_the_head_timeout_while_others_are_served() {
    let mut config = ServerConfig {
        threads: 1,
        ..ServerConfig::default()
    };
    config.timeouts.request_head = Timeout::After(Duration::from_millis(500));
    let s = Server::bind("127.0.0.1:0".parse().unwrap(), config, handler).unwrap();
    let addr = s.local_addr().to_string();
    let h1: Vec<TcpStream> = (0..100).map(|_| connect(&addr)).collect();
    let h2: Vec<TcpStream> = (0..10).map(|_| connect(&addr)).collect();
    let head = b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ".to_vec();
    let mut head = head.into_iter().chain(std::iter::repeat(b'a'));
    let preface = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
    let writers: Vec<TcpStream> = h1
        .iter()
        .chain(&h2)
        .map(|c| c.try_clone().unwrap())
        .collect();
    // One thread trickles into every connection, one byte each per 100 ms, for 5 s at
    // most; a connection whose write fails (closed by the server) is left alone.
    let trickle = std::thread::spawn(move || {
        let mut writers: Vec<Option<TcpStream>> = writers.into_iter().map(Some).collect();
        for round in 0..50 {
            let b = head.next().unwrap();
            for (i, w) in writers.iter_mut().enumerate() {
                // The preface's first 20 bytes only: it stays undecided.
                let byte = match (i, preface[..20].get(round)) {
                    (0..100, _) => b,
                    (_, Some(&p)) => p,
                    (_, None) => continue,
                };
                if let Some(c) = w
                    && c.write_all(&[byte]).is_err()
                {
                    *w = None;
                }
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    });
    // Meanwhile: requests on a keep-alive connection, each answered.
    let mut good = connect(&addr);
    let mut answered = 0;
    let t0 = Instant::now();
    while t0.elapsed() < Duration::from_millis(1500) {
        good.write_all(format!("GET /n{answered} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
            .unwrap();
        let want = format!("ok /n{answered}");
        let mut got = Vec::new();
        let mut buf = [0u8; 1024];
        while !got.ends_with(want.as_bytes()) {
            let n = good.read(&mut buf).unwrap();
            assert!(n > 0, "the good connection was closed");
            got.extend_from_slice(&buf[..n]);
        }
        assert!(got.starts_with(b"HTTP/1.1 200 OK\r\n"));
        answered += 1;
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(answered >= 10, "{answered} answers");
    for (i, mut c) in h1.into_iter().enumerate() {
        // The trickle goes on for 5 s; the read timeout is 10 s: only the head timer
        // closes the connection before either.
        let text = String::from_utf8(read_to_close(&mut c)).unwrap();
        assert!(
            text.starts_with("HTTP/1.1 408 Request Timeout\r\n"),
            "slow connection {i}: {text}"
        );
        assert!(text.contains("Connection: close\r\n"), "{text}");
    }
    for mut c in h2 {
        assert_eq!(read_to_close(&mut c), b"");
    }
    trickle.join().unwrap();
    s.shutdown().unwrap();
}

// ---------------------------------------------------------------------------------------------
// Peers that reset mid-body.

/// Opens an HTTP/2 (prior knowledge) connection and sends a request on stream 1 (HEADERS
/// with END_STREAM when `body` is `None`).
fn h2_start(addr: &str, method: u8, path: &str, body: Option<&[u8]>) -> TcpStream {
    let mut c = connect(addr);
    let mut out = PREFACE.to_vec();
    out.extend(h2_frame(4, 0, 0, b""));
    let end = if body.is_none() { 1 } else { 0 };
    out.extend(h2_frame(1, 4 | end, 1, &h2_request(method, path)));
    if let Some(b) = body {
        for piece in b.chunks(16_384) {
            out.extend(h2_frame(0, 0, 1, piece));
        }
    }
    c.write_all(&out).unwrap();
    c
}

/// A TLS client on a blocking socket, the handshake done (ALPN as given).
struct TlsClient {
    sock: TcpStream,
    session: tls::ClientSession,
}

impl TlsClient {
    fn connect(addr: &str, cert: &std::path::Path, alpn: &[u8]) -> TlsClient {
        let mut b = tls::ClientConfig::builder();
        b.add_root_pem(&std::fs::read(cert).unwrap()).alpn(&[alpn]);
        let config = b.build().unwrap();
        let mut session = tls::ClientSession::new(&config, "localhost").unwrap();
        let mut sock = connect(addr);
        let mut buf = vec![0u8; 1 << 16];
        let mut out = Vec::new();
        while session.handshake().unwrap() != tls::HandshakeStatus::Complete {
            out.clear();
            session.poll_transmit(&mut out);
            sock.write_all(&out).unwrap();
            let n = sock.read(&mut buf).unwrap();
            assert!(n > 0, "closed during the handshake");
            assert_eq!(session.recv(&buf[..n]).unwrap(), n);
        }
        TlsClient { sock, session }
    }

    fn write(&mut self, data: &[u8]) {
        let mut off = 0;
        let mut out = Vec::new();
        while off < data.len() {
            off += self.session.write(&data[off..]).unwrap();
            out.clear();
            self.session.poll_transmit(&mut out);
            self.sock.write_all(&out).unwrap();
        }
    }

    /// Reads until at least `n` bytes of plaintext arrived.
    fn read_some(&mut self, n: usize) -> Vec<u8> {
        let mut plain = Vec::new();
        let mut buf = vec![0u8; 1 << 16];
        while plain.len() < n {
            match self.session.read(&mut buf).unwrap() {
                tls::Plaintext::Data(k) => plain.extend_from_slice(&buf[..k]),
                tls::Plaintext::Closed => panic!("closed after {} bytes", plain.len()),
                _ => {
                    let k = self.sock.read(&mut buf).unwrap();
                    assert!(k > 0, "closed after {} bytes", plain.len());
                    assert_eq!(self.session.recv(&buf[..k]).unwrap(), k);
                }
            }
        }
        plain
    }
}

/// Clients that reset their connection in the middle of a body, 20 of each kind: an
/// HTTP/1.1 upload (10 MB announced, 1 MB sent), an HTTP/1.1 download of 100 MB, `/sse`
/// and `/drip` (timed bodies, produced on the loop's thread), an HTTP/2 upload and download,
/// and, against `wire serve --tls`, downloads over HTTP/1.1 and HTTP/2. Afterwards the
/// server answers, and its descriptors and threads come back to where they were: every
/// reset connection was released.
#[test]
fn peers_that_reset_mid_body_cost_nothing() {
    // `wire serve` prints its address once its descriptors and threads are all in place.
    let mut w = wire(&["--threads", "2"]);
    let (fds, threads) = (w.fds(), w.threads());
    hello(&w.addr);
    let upload = vec![b'u'; 1 << 20];
    for _ in 0..20 {
        let mut c = connect(&w.addr);
        c.write_all(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n")
            .unwrap();
        c.write_all(&upload).unwrap();
        reset(c);
    }
    for target in [
        "/bytes/100000000",
        "/sse?count=100000&interval_ms=10",
        "/drip?bytes=10000&delay_ms=10",
    ] {
        for _ in 0..20 {
            let mut c = connect(&w.addr);
            c.write_all(format!("GET {target} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
                .unwrap();
            // The head and a first piece of the body.
            let mut buf = vec![0u8; 4096];
            let mut got = 0;
            while got < 200 {
                let n = c.read(&mut buf).unwrap();
                assert!(n > 0, "{target}: closed");
                got += n;
            }
            reset(c);
        }
    }
    for _ in 0..20 {
        // Within the initial 65,535-byte window: the server reads it all.
        let c = h2_start(&w.addr, 0x83, "/echo", Some(&upload[..60_000]));
        std::thread::sleep(Duration::from_millis(5));
        reset(c);
        let mut c = h2_start(&w.addr, 0x82, "/bytes/100000000", None);
        let mut buf = vec![0u8; 1 << 16];
        let n = c.read(&mut buf).unwrap();
        assert!(n > 0);
        reset(c);
    }
    w.settle(fds, threads);
    hello(&w.addr);
    w.assert_alive();

    let mut w = wire(&["--tls", "--threads", "2"]);
    let (fds, threads) = (w.fds(), w.threads());
    let cert = std::path::PathBuf::from(w.cert_path());
    for _ in 0..20 {
        let mut t = TlsClient::connect(&w.addr, &cert, b"http/1.1");
        t.write(b"GET /bytes/100000000 HTTP/1.1\r\nHost: localhost\r\n\r\n");
        t.read_some(100_000);
        reset(t.sock);
        let mut t = TlsClient::connect(&w.addr, &cert, b"h2");
        let mut out = PREFACE.to_vec();
        out.extend(h2_frame(4, 0, 0, b""));
        out.extend(h2_frame(1, 5, 1, &h2_request(0x82, "/bytes/100000000")));
        t.write(&out);
        t.read_some(30_000);
        reset(t.sock);
    }
    w.settle(fds, threads);
    let mut t = TlsClient::connect(&w.addr, &cert, b"http/1.1");
    t.write(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    assert!(t.read_some(1).starts_with(b"HTTP/1.1 200 OK\r\n"));
    w.assert_alive();
}

// ---------------------------------------------------------------------------------------------
// Malformed input.

/// Malformed HTTP/1.1, one connection each: the engine's status, `Connection: close`, then
/// the close. The server answers a good request afterwards, and its loop never failed.
#[test]
fn malformed_http1_gets_its_status_and_close() {
    let mut config = ServerConfig {
        threads: 1,
        max_body: 100_000,
        ..ServerConfig::default()
    };
    config.timeouts.request_head = Timeout::After(Duration::from_secs(5));
    let s = Server::bind("127.0.0.1:0".parse().unwrap(), config, handler).unwrap();
    let addr = s.local_addr().to_string();
    let long_target = format!("GET /{} HTTP/1.1\r\nHost: x\r\n\r\n", "a".repeat(9000));
    let many_headers = format!(
        "GET / HTTP/1.1\r\nHost: x\r\n{}\r\n",
        (0..101)
            .map(|i| format!("X-{i}: v\r\n"))
            .collect::<String>()
    );
    let huge_header = format!(
        "GET / HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
        "v".repeat(70_000)
    );
    let big_trailer = format!(
        "POST /body HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\nX-T: {}\r\n\r\n",
        "t".repeat(17_000)
    );
    let chunked_over_limit = format!(
        "POST /body HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{}\r\n",
        100_001,
        "c".repeat(100_001)
    );
    let long_ext = format!(
        "POST /body HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1;{}\r\na\r\n0\r\n\r\n",
        "e".repeat(2000)
    );
    let cases: Vec<(&str, Vec<u8>, u16)> = vec![
        ("no Host", b"GET / HTTP/1.1\r\n\r\n".to_vec(), 400),
        ("two Hosts", b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n".to_vec(), 400),
        ("bad Host", b"GET / HTTP/1.1\r\nHost: a b\r\n\r\n".to_vec(), 400),
        ("HTTP/1.2", b"GET / HTTP/1.2\r\nHost: x\r\n\r\n".to_vec(), 505),
        ("HTTP/2.0 start line", b"GET / HTTP/2.0\r\nHost: x\r\n\r\n".to_vec(), 505),
        (
            "HTTP/2 preface broken after 18 bytes",
            b"PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n".to_vec(),
            505,
        ),
        ("bad version", b"GET / HTTX/1.1\r\nHost: x\r\n\r\n".to_vec(), 400),
        ("bad method", b"G@T / HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(), 400),
        ("asterisk with GET", b"GET * HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(), 400),
        ("space in target", b"GET /a b HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(), 400),
        ("target over 8 KiB", long_target.into_bytes(), 414),
        ("101 headers", many_headers.into_bytes(), 431),
        ("head over 64 KiB", huge_header.into_bytes(), 431),
        ("bare LF", b"GET / HTTP/1.1\nHost: x\n\n".to_vec(), 400),
        ("bare CR", b"GET / HTTP/1.1\rHost: x\r\n\r\n".to_vec(), 400),
        ("obs-fold", b"GET / HTTP/1.1\r\nHost: x\r\nX: a\r\n b\r\n\r\n".to_vec(), 400),
        ("NUL in a value", b"GET / HTTP/1.1\r\nHost: x\r\nX: a\0b\r\n\r\n".to_vec(), 400),
        ("space before colon", b"GET / HTTP/1.1\r\nHost: x\r\nX : a\r\n\r\n".to_vec(), 400),
        ("empty header name", b"GET / HTTP/1.1\r\nHost: x\r\n: a\r\n\r\n".to_vec(), 400),
        (
            "Transfer-Encoding gzip",
            b"POST /body HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n".to_vec(),
            501,
        ),
        (
            "Transfer-Encoding chunked twice",
            b"POST /body HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, chunked\r\n\r\n"
                .to_vec(),
            400,
        ),
        (
            "Content-Length with Transfer-Encoding",
            b"POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
                .to_vec(),
            400,
        ),
        (
            "two different Content-Lengths",
            b"POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd"
                .to_vec(),
            400,
        ),
        (
            "Content-Length not a number",
            b"POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: 3x\r\n\r\n".to_vec(),
            400,
        ),
        (
            "Content-Length overflows",
            b"POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n"
                .to_vec(),
            400,
        ),
        (
            "Content-Length over the body limit",
            b"POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: 100001\r\n\r\n".to_vec(),
            413,
        ),
        ("chunks over the body limit", chunked_over_limit.into_bytes(), 413),
        (
            "chunk size not hex",
            b"POST /body HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n0\r\n\r\n"
                .to_vec(),
            400,
        ),
        (
            "chunk size overflows",
            b"POST /body HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n11111111111111111\r\n"
                .to_vec(),
            400,
        ),
        (
            "chunk data without its CRLF",
            b"POST /body HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n"
                .to_vec(),
            400,
        ),
        ("chunk extension over 1 KiB", long_ext.into_bytes(), 400),
        ("trailer over 16 KiB", big_trailer.into_bytes(), 431),
        (
            "Transfer-Encoding in HTTP/1.0",
            b"POST /body HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n".to_vec(),
            400,
        ),
        (
            "a TLS ClientHello",
            b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03".to_vec(),
            400,
        ),
        ("binary", (0u8..=255).rev().collect(), 400),
        (
            "a good request, then a bad one",
            b"GET /first HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nBad Line\r\n\r\n".to_vec(),
            400,
        ),
    ];
    let mut failures = Vec::new();
    for (name, input, status) in &cases {
        let mut c = connect(&addr);
        // The server may close before taking all of a long input: that is its right.
        let _ = c.write_all(input);
        let got = read_to_close(&mut c);
        let text = String::from_utf8_lossy(&got);
        // The good request before the bad one is answered first.
        let text = match text.split_once("\r\n\r\nok /first") {
            Some((first, rest)) if first.starts_with("HTTP/1.1 200 OK\r\n") => rest,
            _ => &text,
        };
        let want = format!("HTTP/1.1 {status} ");
        if !text.starts_with(&want) || !text.contains("\r\nConnection: close\r\n") {
            failures.push(format!("{name}: want {status}, got {text:?}"));
        }
        if text.matches("HTTP/1.1 ").count() != 1 {
            failures.push(format!("{name}: more than one answer: {text:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let mut c = connect(&addr);
    c.write_all(
        b"POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nConnection: close\r\n\r\ngood",
    )
    .unwrap();
    let text = String::from_utf8(read_to_close(&mut c)).unwrap();
    assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
    assert!(text.ends_with("\r\n\r\ngood"), "{text}");
    s.shutdown().unwrap();
}

/// Malformed HTTP/2 after a good preface, one connection each: GOAWAY with the error code
/// RFC 9113 asks for, then the close. An HTTP/2 request is answered afterwards.
#[test]
fn malformed_http2_gets_goaway_with_its_code() {
    const PROTOCOL_ERROR: u32 = 0x1;
    const FLOW_CONTROL_ERROR: u32 = 0x3;
    const FRAME_SIZE_ERROR: u32 = 0x6;
    const COMPRESSION_ERROR: u32 = 0x9;
    const ENHANCE_YOUR_CALM: u32 = 0xb;
    let config = ServerConfig {
        threads: 1,
        ..ServerConfig::default()
    };
    let s = Server::bind("127.0.0.1:0".parse().unwrap(), config, handler).unwrap();
    let addr = s.local_addr().to_string();
    let settings = h2_frame(4, 0, 0, b"");
    let after_settings = |frames: &[Vec<u8>]| {
        let mut v = PREFACE.to_vec();
        v.extend_from_slice(&settings);
        for f in frames {
            v.extend_from_slice(f);
        }
        v
    };
    let cases: Vec<(&str, Vec<u8>, u32)> = vec![
        (
            "first frame not SETTINGS",
            [&PREFACE[..], &h2_frame(6, 0, 0, &[0; 8])].concat(),
            PROTOCOL_ERROR,
        ),
        (
            "DATA of 20,000 bytes (max frame size 16,384)",
            after_settings(&[h2_frame(0, 0, 1, &[b'x'; 20_000])]),
            FRAME_SIZE_ERROR,
        ),
        (
            "HEADERS of 17,000 bytes",
            after_settings(&[h2_frame(1, 5, 1, &[0x82; 17_000])]),
            FRAME_SIZE_ERROR,
        ),
        (
            "SETTINGS of 5 bytes",
            after_settings(&[h2_frame(4, 0, 0, &[0; 5])]),
            FRAME_SIZE_ERROR,
        ),
        (
            "PING of 7 bytes",
            after_settings(&[h2_frame(6, 0, 0, &[0; 7])]),
            FRAME_SIZE_ERROR,
        ),
        (
            "DATA on stream 0",
            after_settings(&[h2_frame(0, 0, 0, b"abc")]),
            PROTOCOL_ERROR,
        ),
        (
            "HEADERS on an even stream",
            after_settings(&[h2_frame(1, 5, 2, &h2_request(0x82, "/"))]),
            PROTOCOL_ERROR,
        ),
        (
            "HPACK garbage",
            after_settings(&[h2_frame(1, 5, 1, &[0xff; 6])]),
            COMPRESSION_ERROR,
        ),
        (
            "connection window over 2^31-1",
            after_settings(&[h2_frame(8, 0, 0, &0x7fff_ffffu32.to_be_bytes())]),
            FLOW_CONTROL_ERROR,
        ),
        (
            "CONTINUATION without HEADERS",
            after_settings(&[h2_frame(9, 4, 1, &[0x82])]),
            PROTOCOL_ERROR,
        ),
        // Floods (each frame costs the server work): the connection ends with
        // ENHANCE_YOUR_CALM however the peer goes on.
        (
            "rapid reset: 2,000 streams opened and reset (CVE-2023-44487)",
            after_settings(
                &(0..2000u32)
                    .flat_map(|i| {
                        [
                            h2_frame(1, 5, 2 * i + 1, &h2_request(0x82, "/")),
                            h2_frame(3, 0, 2 * i + 1, &8u32.to_be_bytes()),
                        ]
                    })
                    .collect::<Vec<_>>(),
            ),
            ENHANCE_YOUR_CALM,
        ),
        (
            "3,000 PINGs (CVE-2019-9512)",
            after_settings(&vec![h2_frame(6, 0, 0, &[0; 8]); 3000]),
            ENHANCE_YOUR_CALM,
        ),
        (
            "300 SETTINGS (CVE-2019-9515)",
            after_settings(&vec![h2_frame(4, 0, 0, b""); 300]),
            ENHANCE_YOUR_CALM,
        ),
        (
            "2,000 empty DATA frames (CVE-2019-9518)",
            after_settings(
                &std::iter::once(h2_frame(1, 4, 1, &h2_request(0x83, "/body")))
                    .chain(std::iter::repeat_n(h2_frame(0, 0, 1, b""), 2000))
                    .collect::<Vec<_>>(),
            ),
            ENHANCE_YOUR_CALM,
        ),
        (
            "10,000 empty CONTINUATION frames",
            after_settings(
                &std::iter::once(h2_frame(1, 0, 1, &h2_request(0x82, "/")))
                    .chain(std::iter::repeat_n(h2_frame(9, 0, 1, b""), 10_000))
                    .collect::<Vec<_>>(),
            ),
            ENHANCE_YOUR_CALM,
        ),
    ];
    let mut failures = Vec::new();
    for (name, input, code) in &cases {
        let mut c = connect(&addr);
        let _ = c.write_all(input);
        let got = read_to_close(&mut c);
        let frames = h2_frames(&got);
        let goaway: Vec<_> = frames.iter().filter(|f| f.0 == 7).collect();
        match goaway.as_slice() {
            [(_, _, 0, p)] if p.len() >= 8 => {
                let got_code = u32::from_be_bytes([p[4], p[5], p[6], p[7]]);
                if got_code != *code {
                    failures.push(format!(
                        "{name}: GOAWAY {got_code:#x} ({}), want {code:#x}",
                        String::from_utf8_lossy(&p[8..])
                    ));
                }
            }
            _ => failures.push(format!("{name}: want one GOAWAY, got {frames:?}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // A good request: HEADERS and DATA on stream 1, the last with END_STREAM.
    let mut c = h2_start(&addr, 0x82, "/after", None);
    let mut got = Vec::new();
    let mut buf = vec![0u8; 1 << 16];
    let body = loop {
        let n = c.read(&mut buf).unwrap();
        assert!(n > 0, "closed: {:?}", h2_frames(&got));
        got.extend_from_slice(&buf[..n]);
        let frames = h2_frames(&got);
        if frames.iter().any(|f| f.0 == 0 && f.2 == 1 && f.1 & 1 == 1) {
            assert!(frames.iter().any(|f| f.0 == 1 && f.2 == 1));
            break frames
                .iter()
                .filter(|f| f.0 == 0 && f.2 == 1)
                .flat_map(|f| f.3.clone())
                .collect::<Vec<u8>>();
        }
    };
    assert_eq!(body, b"ok /after");
    // Closed first: a graceful shutdown would wait for it.
    drop(c);
    s.shutdown().unwrap();
}
