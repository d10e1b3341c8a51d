//! Mutated wire bytes against the whole runtime, not one engine: `wire serve` fed mutations
//! of well-formed HTTP/1.1, WebSocket and h2c requests to its endpoints; the client fed
//! mutations of well-formed HTTP/1.1 responses (framings, interim heads, compressed bodies,
//! cookies, a redirect) and h2c answers (interim heads, trailers, a compressed body); its
//! WebSocket fed mutated frames after a correct `101`, its event source mutated event
//! streams, and its HTTP CONNECT and SOCKS5 handshakes mutated proxy answers. The engines
//! have their own fuzz targets (`fuzz/`); these reach the glue around them: the server's
//! dispatch and endpoints, the client's exchange, decoding, cookie store, redirects,
//! proxies, tunnel and reconnecting source. Deterministic: fixed seeds, the same inputs
//! every run.
//!
//! What must hold: the server never panics (its standard error is read afterwards), every
//! connection gets a status line or an HTTP/2 SETTINGS frame or nothing, its descriptors and
//! threads come back to where they were, and it still answers; the client never panics and
//! every request, socket and source ends (read whole, closed, or a typed error) within its
//! bound. The unmutated inputs are checked exactly first.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use runtime_mio::client::{
    Client, ClientConfig, ClientTimeouts, Message, Proxy, Request, SseConfig, SseItem, Wait,
    WebSocketRequest,
};
use runtime_mio::timer::Timeout;

#[path = "support/h2_raw.rs"]
mod h2_raw;
#[path = "support/wire_serve.rs"]
mod wire_serve;

use h2_raw::{h2_frame, h2_frames, h2_request};
use proto_h2::conn::PREFACE;
use wire_serve::WireServe;

/// A xorshift64 generator: the mutations are the same every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Bytes a mutation likes to put in: the ones HTTP's grammar turns on.
const INTERESTING: &[u8] = b"\r\n:; \t,=0123456789abcdefxX\"\\/?%\x00\x7f\x80\xff";

/// One to three mutations of `seed`: a byte changed (to any value or an interesting one),
/// inserted or deleted, a range deleted or repeated, the input cut, a character that is not
/// ASCII inserted, or a piece of `other` spliced in.
fn mutate(rng: &mut Rng, seed: &[u8], other: &[u8]) -> Vec<u8> {
    let mut v = seed.to_vec();
    for _ in 0..1 + rng.below(3) {
        if v.is_empty() {
            v.push(b'x');
        }
        let at = rng.below(v.len());
        match rng.below(9) {
            0 => v[at] = rng.next() as u8,
            1 => v[at] = INTERESTING[rng.below(INTERESTING.len())],
            2 => v.insert(at, INTERESTING[rng.below(INTERESTING.len())]),
            3 => {
                v.remove(at);
            }
            4 => {
                let end = (at + 1 + rng.below(16)).min(v.len());
                v.drain(at..end);
            }
            5 => {
                let end = (at + 1 + rng.below(16)).min(v.len());
                let piece = v[at..end].to_vec();
                let times = 1 + rng.below(4);
                for _ in 0..times {
                    v.splice(at..at, piece.iter().copied());
                }
            }
            6 => v.truncate(at),
            7 => {
                // A character of two, three or four bytes: text that is UTF-8 and not ASCII.
                let c = ["é", "日", "€", "𐍈"][rng.below(4)];
                v.splice(at..at, c.bytes());
            }
            _ => {
                let from = rng.below(other.len());
                let end = (from + 1 + rng.below(24)).min(other.len());
                v.splice(at..at, other[from..end].iter().copied());
            }
        }
    }
    v
}

// ---------------------------------------------------------------------------------------------
// The server.

/// The client's preface and an empty SETTINGS frame.
fn h2_preface() -> Vec<u8> {
    let mut h2 = PREFACE.to_vec();
    h2.extend(h2_frame(4, 0, 0, b""));
    h2
}

/// h2c: a request head split over HEADERS and CONTINUATION, a padded DATA frame, trailers.
fn h2_continuation_and_trailers() -> Vec<u8> {
    let mut h2 = h2_preface();
    let head = h2_request(0x83, "/echo");
    h2.extend(h2_frame(1, 0, 1, &head[..3]));
    h2.extend(h2_frame(9, 4, 1, &head[3..]));
    // PADDED: a pad length of 3, the data, three zero bytes.
    h2.extend(h2_frame(0, 8, 1, &[3, b'a', b'b', b'c', 0, 0, 0]));
    // Trailers: `x-t: 1`, a literal with a new name, without indexing.
    h2.extend(h2_frame(1, 5, 1, &[0x00, 3, b'x', b'-', b't', 1, b'1']));
    h2
}

/// h2c: a WebSocket over an extended CONNECT (RFC 8441) to `/ws`, a masked text and a
/// masked Close in DATA frames.
fn h2_websocket() -> Vec<u8> {
    let mut h2 = h2_preface();
    let mut head = vec![0x02, 7];
    head.extend_from_slice(b"CONNECT");
    head.extend_from_slice(&[0x86, 0x04, 3]);
    head.extend_from_slice(b"/ws");
    head.extend_from_slice(&[0x01, 1, b'x', 0x00, 9]);
    head.extend_from_slice(b":protocol");
    head.push(9);
    head.extend_from_slice(b"websocket");
    head.extend_from_slice(&[0x00, 21]);
    head.extend_from_slice(b"sec-websocket-version");
    head.extend_from_slice(&[2, b'1', b'3']);
    h2.extend(h2_frame(1, 4, 1, &head));
    h2.extend(h2_frame(
        0,
        0,
        1,
        &[0x81, 0x82, 1, 2, 3, 4, b'h' ^ 1, b'i' ^ 2],
    ));
    h2.extend(h2_frame(
        0,
        1,
        1,
        &[0x88, 0x82, 1, 2, 3, 4, 0x03 ^ 1, 0xe8 ^ 2],
    ));
    h2
}

/// h2c: requests then a PRIORITY frame, a RST_STREAM (CANCEL) of a streaming one and a
/// GOAWAY.
fn h2_resets() -> Vec<u8> {
    let mut h2 = h2_preface();
    h2.extend(h2_frame(
        1,
        5,
        1,
        &h2_request(0x82, "/sse?count=100&interval_ms=5"),
    ));
    h2.extend(h2_frame(1, 5, 3, &h2_request(0x82, "/stream/2")));
    h2.extend(h2_frame(2, 0, 3, &[0, 0, 0, 1, 16]));
    h2.extend(h2_frame(3, 0, 1, &[0, 0, 0, 8]));
    h2.extend(h2_frame(7, 0, 0, &[0, 0, 0, 3, 0, 0, 0, 0]));
    h2
}

/// Well-formed requests to each of `wire serve`'s endpoints, each with what its answer
/// starts with.
fn server_seeds() -> Vec<(Vec<u8>, &'static [u8])> {
    let get = |target: &str| format!("GET {target} HTTP/1.1\r\nHost: x\r\n\r\n").into_bytes();
    let mut ws = b"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
        Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\
        Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n"
        .to_vec();
    // A masked text frame "hi", then a masked close with code 1000.
    ws.extend_from_slice(&[0x81, 0x82, 1, 2, 3, 4, b'h' ^ 1, b'i' ^ 2]);
    ws.extend_from_slice(&[0x88, 0x82, 1, 2, 3, 4, 0x03 ^ 1, 0xe8 ^ 2]);
    let mut h2 = PREFACE.to_vec();
    h2.extend(h2_frame(4, 0, 0, &[0, 4, 0, 1, 0, 0]));
    h2.extend(h2_frame(1, 5, 1, &h2_request(0x82, "/bytes/100")));
    h2.extend(h2_frame(1, 4, 3, &h2_request(0x83, "/echo")));
    h2.extend(h2_frame(0, 1, 3, b"hello"));
    h2.extend(h2_frame(8, 0, 0, &[0, 0, 0x10, 0]));
    h2.extend(h2_frame(6, 0, 0, b"12345678"));
    h2.extend(h2_frame(
        1,
        5,
        5,
        &h2_request(0x82, "/sse?count=2&interval_ms=1"),
    ));
    vec![
        (get("/"), b"HTTP/1.1 200 OK\r\n"),
        (
            b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello".to_vec(),
            b"HTTP/1.1 200 OK\r\n",
        ),
        (
            b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n\
              5;a=b\r\nhello\r\n0\r\nX-T: 1\r\n\r\n"
                .to_vec(),
            b"HTTP/1.1 200 OK\r\n",
        ),
        (
            b"POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n\
              Content-Length: 3\r\n\r\nabc"
                .to_vec(),
            b"HTTP/1.1 100 Continue\r\n",
        ),
        (
            [get("/bytes/100"), get("/stream/3"), get("/status/418")].concat(),
            b"HTTP/1.1 200 OK\r\n",
        ),
        (get("/redirect/2"), b"HTTP/1.1 302 Found\r\n"),
        (
            b"GET /sse?count=2&interval_ms=1 HTTP/1.1\r\nHost: x\r\nLast-Event-ID: 5\r\n\r\n"
                .to_vec(),
            b"HTTP/1.1 200 OK\r\n",
        ),
        (get("/drip?bytes=3&delay_ms=1"), b"HTTP/1.1 200 OK\r\n"),
        (get("/fingerprint"), b"HTTP/1.1 200 OK\r\n"),
        (
            b"GET /bytes/10 HTTP/1.0\r\n\r\n".to_vec(),
            b"HTTP/1.1 200 OK\r\n",
        ),
        (
            b"OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
            b"HTTP/1.1 ",
        ),
        (ws, b"HTTP/1.1 101 Switching Protocols\r\n"),
        // Checked as the server's SETTINGS frame (see `starts_as`).
        (h2, b"SETTINGS"),
        (h2_continuation_and_trailers(), b"SETTINGS"),
        (h2_websocket(), b"SETTINGS"),
        (h2_resets(), b"SETTINGS"),
    ]
}

/// Whether `got` starts with `start`, or is the server's SETTINGS frame when `start` is
/// `SETTINGS`.
fn starts_as(got: &[u8], start: &[u8]) -> bool {
    if start == b"SETTINGS" {
        got.len() >= 9 && got[3] == 4 && got[4] == 0 && got[5..9] == [0; 4]
    } else {
        got.starts_with(start)
    }
}

/// An unmutated h2c seed was served: a response HEADERS, and no GOAWAY with an error code
/// (the RST_STREAM and GOAWAY of `h2_resets` are the client's, not answers).
fn h2_served(got: &[u8]) -> bool {
    let frames = h2_frames(got);
    let answered = frames.iter().any(|&(t, _, s, _)| t == 1 && s > 0);
    let failed = frames
        .iter()
        .any(|(t, _, _, p)| *t == 7 && p.len() >= 8 && p[4..8] != [0; 4]);
    answered && !failed
}

/// Sends `input`, closes the sending side and reads what comes until the server closes,
/// 1 s passes or 256 KiB came (an endpoint that streams, or waits for more, may take
/// longer: not a failure).
fn exchange(addr: &str, input: &[u8]) -> Vec<u8> {
    let mut c = TcpStream::connect(addr).unwrap();
    c.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    // The server may close before reading it all: a failed write is one of its answers.
    let _ = c.write_all(input);
    let _ = c.shutdown(Shutdown::Write);
    let deadline = Instant::now() + Duration::from_secs(1);
    let mut got = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    while Instant::now() < deadline && got.len() < 256 << 10 {
        match c.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => break,
        }
    }
    got
}

/// What any answer of the server starts with: a status line, the server's HTTP/2 SETTINGS
/// frame, or nothing (the peer closed inside a request; the engines may close in silence).
fn answer_is_well_formed(got: &[u8]) -> bool {
    let status_line = got.len() >= 13
        && got.starts_with(b"HTTP/1.1 ")
        && got[9..12].iter().all(u8::is_ascii_digit)
        && got[12] == b' ';
    got.is_empty() || status_line || starts_as(got, b"SETTINGS")
}

/// `wire serve` against 4,000 mutated requests, 16 connections at a time.
#[test]
fn wire_serve_survives_mutated_requests() {
    let log = std::env::temp_dir().join(format!("mutated-input-{}.stderr", std::process::id()));
    let mut w =
        WireServe::start_with_stderr(&["--threads", "2"], std::fs::File::create(&log).unwrap());
    let (fds, threads) = (w.fds(), w.threads());
    let seeds = server_seeds();
    for (seed, start) in &seeds {
        let got = exchange(&w.addr, seed);
        assert!(
            starts_as(&got, start) && (*start != b"SETTINGS" || h2_served(&got)),
            "{:?} answered {:?}",
            String::from_utf8_lossy(seed),
            String::from_utf8_lossy(&got[..got.len().min(200)])
        );
    }

    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let inputs: Vec<Vec<u8>> = (0..4000)
        .map(|_| {
            let (seed, _) = &seeds[rng.below(seeds.len())];
            let (other, _) = &seeds[rng.below(seeds.len())];
            mutate(&mut rng, seed, other)
        })
        .collect();
    let inputs = Arc::new(inputs);
    let next = Arc::new(AtomicUsize::new(0));
    let bad = Arc::new(Mutex::new(Vec::new()));
    let workers: Vec<_> = (0..16)
        .map(|_| {
            let (inputs, next, bad) = (inputs.clone(), next.clone(), bad.clone());
            let addr = w.addr.clone();
            std::thread::spawn(move || {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(input) = inputs.get(i) else { return };
                    let got = exchange(&addr, input);
                    if !answer_is_well_formed(&got) {
                        bad.lock().unwrap().push((input.clone(), got));
                    }
                }
            })
        })
        .collect();
    for t in workers {
        t.join().unwrap();
    }
    let bad = bad.lock().unwrap();
    assert!(
        bad.is_empty(),
        "{} answers malformed, the first: {:?} answered {:?}",
        bad.len(),
        String::from_utf8_lossy(&bad[0].0),
        String::from_utf8_lossy(&bad[0].1[..bad[0].1.len().min(200)])
    );
    w.settle(fds, threads);
    let got = exchange(
        &w.addr,
        b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert!(got.ends_with(b"\r\n\r\nHello, World!"), "{got:?}");
    w.assert_alive();
    let stderr = std::fs::read_to_string(&log).unwrap();
    let _ = std::fs::remove_file(&log);
    assert!(!stderr.contains("panicked"), "{stderr}");
}

// ---------------------------------------------------------------------------------------------
// The client.

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn deflate(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn brotli(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut w = brotli::CompressorWriter::new(&mut out, 4096, 5, 22);
    w.write_all(data).unwrap();
    drop(w);
    out
}

/// Well-formed responses, each with the body the client must read from it (through the
/// redirect, for the last).
fn client_seeds() -> Vec<(Vec<u8>, Vec<u8>)> {
    let text = b"hello hello hello, the same words again and again".to_vec();
    let encoded = |coding: &str, body: Vec<u8>| {
        let mut r = format!(
            "HTTP/1.1 200 OK\r\nContent-Encoding: {coding}\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .into_bytes();
        r.extend(body);
        (r, text.clone())
    };
    vec![
        (
            b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello".to_vec(),
            b"hello".to_vec(),
        ),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n3\r\nabc\r\n\
              0\r\nX-Trailer: t\r\n\r\n"
                .to_vec(),
            b"helloabc".to_vec(),
        ),
        (
            b"HTTP/1.1 200 OK\r\n\r\nuntil the close".to_vec(),
            b"until the close".to_vec(),
        ),
        (
            b"HTTP/1.1 100 Continue\r\n\r\n\
              HTTP/1.1 103 Early Hints\r\nLink: </a>; rel=preload\r\n\r\n\
              HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
                .to_vec(),
            b"ok".to_vec(),
        ),
        (
            b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 3\r\n\r\nabc".to_vec(),
            b"abc".to_vec(),
        ),
        (b"HTTP/1.1 204 No Content\r\n\r\n".to_vec(), Vec::new()),
        (
            b"HTTP/1.1 200 OK\r\nSet-Cookie: a=b; Path=/; Max-Age=10; HttpOnly\r\n\
              Set-Cookie: c=d; Expires=Wed, 21 Oct 2037 07:28:00 GMT\r\nContent-Length: 0\r\n\r\n"
                .to_vec(),
            Vec::new(),
        ),
        encoded("gzip", gzip(&text)),
        encoded("deflate", deflate(&text)),
        encoded("br", brotli(&text)),
        encoded("zstd", zstd::encode_all(&text[..], 3).unwrap()),
        // Last: the redirect is followed to this server, whose next answer is the first
        // seed's (the answers go round).
        (
            b"HTTP/1.1 302 Found\r\nLocation: /a/./b/../c?x=%20y#frag\r\nContent-Length: 0\r\n\r\n"
                .to_vec(),
            b"hello".to_vec(),
        ),
    ]
}

/// When [`answering_server`] writes its answer.
#[derive(Clone, Copy, PartialEq)]
enum Answer {
    /// Once the request head arrived.
    AfterHead,
    /// Once the request head arrived, after a correct `101` that accepts its WebSocket key
    /// and permessage-deflate.
    AfterWebSocketHead,
    /// At once (a proxy's handshake answers: the client reads them as it needs them).
    AtOnce,
}

/// The client's configuration in these tests: every request ends within 2 s.
fn bounded_config() -> ClientConfig {
    ClientConfig {
        timeouts: ClientTimeouts {
            total: Timeout::After(Duration::from_secs(2)),
            ..ClientTimeouts::default()
        },
        ..ClientConfig::default()
    }
}

/// A server that answers each connection with the next of `answers` (the answers go round),
/// then closes its side and waits for the client to close. Returns its address.
fn answering_server(answers: Vec<Vec<u8>>, when: Answer) -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        let mut answers = answers.into_iter().cycle();
        for c in l.incoming() {
            let Ok(mut c) = c else { continue };
            let answer = answers.next().unwrap();
            std::thread::spawn(move || {
                c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
                let mut got = Vec::new();
                let mut buf = [0u8; 4096];
                while when != Answer::AtOnce && !got.windows(4).any(|w| w == b"\r\n\r\n") {
                    match c.read(&mut buf) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => got.extend_from_slice(&buf[..n]),
                    }
                }
                if when == Answer::AfterWebSocketHead {
                    let _ = c.write_all(&switching_protocols(&got));
                }
                let _ = c.write_all(&answer);
                let _ = c.shutdown(Shutdown::Write);
                // Let the client read it all before the socket goes (no reset).
                while let Ok(n) = c.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                }
            });
        }
    });
    addr
}

/// `n` mutations of `seeds` (each mutated with pieces of another).
fn mutations<T>(seeds: &[(Vec<u8>, T)], n: usize, seed: u64) -> Vec<Vec<u8>> {
    let mut rng = Rng(seed);
    (0..n)
        .map(|_| {
            let (seed, _) = &seeds[rng.below(seeds.len())];
            let (other, _) = &seeds[rng.below(seeds.len())];
            mutate(&mut rng, seed, other)
        })
        .collect()
}

/// The `101 Switching Protocols` that accepts the WebSocket request `head` (its
/// `Sec-WebSocket-Key`) with permessage-deflate (what the client offers by default).
fn switching_protocols(head: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(head);
    let key = text
        .split("\r\n")
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("sec-websocket-key")
                .then(|| value.trim().to_owned())
        })
        .unwrap_or_default();
    format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {}\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n",
        proto_ws::accept_key(key.as_bytes()).as_str()
    )
    .into_bytes()
}

/// Server frames (unmasked) after the handshake, each seed with the messages the client
/// must read from it: text and binary, a fragmented text with a ping between its
/// fragments, a compressed text (RFC 7692 section 7.2.3.1's "Hello") and a 200-byte binary
/// (16-bit length), each ending with a Close.
fn websocket_seeds() -> Vec<(Vec<u8>, Vec<Message>)> {
    let close = |code: u16, reason: &str| {
        let mut f = vec![0x88, 2 + reason.len() as u8];
        f.extend_from_slice(&code.to_be_bytes());
        f.extend_from_slice(reason.as_bytes());
        f
    };
    let closed = |code: u16, reason: &str| Message::Close {
        code: Some(code),
        reason: reason.to_owned(),
    };
    let mut long = vec![0x82, 126, 0, 200];
    long.extend_from_slice(&[7; 200]);
    vec![
        (
            [
                &[0x81, 5][..],
                b"hello",
                &[0x82, 3, 1, 2, 3],
                &close(1000, "bye"),
            ]
            .concat(),
            vec![
                Message::Text("hello".into()),
                Message::Binary(vec![1, 2, 3].into()),
                closed(1000, "bye"),
            ],
        ),
        (
            [
                &[0x01, 3][..],
                b"hel",
                &[0x89, 1, b'p'],
                &[0x80, 2],
                b"lo",
                &close(1001, ""),
            ]
            .concat(),
            vec![
                Message::Ping(b"p".to_vec().into()),
                Message::Text("hello".into()),
                closed(1001, ""),
            ],
        ),
        (
            [
                &[0xc1, 0x07, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00][..],
                &long,
                &close(1000, ""),
            ]
            .concat(),
            vec![
                Message::Text("Hello".into()),
                Message::Binary(vec![7; 200].into()),
                closed(1000, ""),
            ],
        ),
    ]
}

/// The WebSocket client (HTTP/1.1, permessage-deflate accepted) against its seeds as they
/// are (each message exact), then 2,000 mutations of their frames, one connection each:
/// each socket ends (the close, an error or the end of the stream) within 3 s.
#[test]
fn websocket_client_survives_mutated_frames() {
    let seeds = websocket_seeds();
    let config = bounded_config();
    let client = Client::new(config).unwrap();
    let read_all = |ws: &mut runtime_mio::client::WebSocket| {
        let deadline = Instant::now() + Duration::from_secs(3);
        let mut got = Vec::new();
        loop {
            assert!(Instant::now() < deadline, "still open after 3 s: {got:?}");
            match ws.recv(Wait::Timeout(Duration::from_millis(500))) {
                Ok(Some(m)) => got.push(m),
                Ok(None) => return Ok(got),
                Err(runtime_mio::client::Error::WouldBlock) => {}
                Err(e) => return Err((e, got)),
            }
        }
    };

    let addr = answering_server(
        seeds.iter().map(|(f, _)| f.clone()).collect(),
        Answer::AfterWebSocketHead,
    );
    for (frames, messages) in &seeds {
        let mut ws = client
            .websocket(WebSocketRequest::new(&format!("ws://{addr}/")).unwrap())
            .unwrap();
        assert_eq!(&read_all(&mut ws).unwrap(), messages, "{frames:?}");
    }

    let addr = answering_server(
        mutations(&seeds, 2000, 0x1234_5678_9abc_def1),
        Answer::AfterWebSocketHead,
    );
    let (mut clean, mut failed) = (0, 0);
    for _ in 0..2000 {
        let ws = client.websocket(WebSocketRequest::new(&format!("ws://{addr}/")).unwrap());
        match ws
            .map_err(|e| (e, Vec::new()))
            .and_then(|mut ws| read_all(&mut ws))
        {
            Ok(_) => clean += 1,
            Err(_) => failed += 1,
        }
    }
    assert!(
        clean > 100 && failed > 100,
        "{clean} ended cleanly, {failed} failed"
    );
}

/// An event as the SSE seeds expect it: type, data, last event ID.
type ExpectedEvent = (&'static str, &'static str, &'static str);

/// Event streams (close-delimited and chunked), each seed with the events the client must
/// read from it before the server closes.
fn sse_seeds() -> Vec<(Vec<u8>, Vec<ExpectedEvent>)> {
    let events =
        "id: 1\ndata: a\n\nretry: 10\ndata: b\ndata: c\r\n\r\n: note\nevent: x\ndata: y\n\n";
    let expected = vec![
        ("message", "a", "1"),
        ("message", "b\nc", "1"),
        ("x", "y", "1"),
    ];
    let mut chunked = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\
        Transfer-Encoding: chunked\r\n\r\n"
        .to_vec();
    for piece in events.as_bytes().chunks(7) {
        chunked.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
        chunked.extend_from_slice(piece);
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    vec![
        (
            format!("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n{events}")
                .into_bytes(),
            expected.clone(),
        ),
        (chunked, expected),
    ]
}

/// The SSE client against its seeds as they are (each event exact), then 2,000 mutations,
/// one event source each, read until the first connection ends: each ends within 3 s.
#[test]
fn sse_client_survives_mutated_streams() {
    let seeds = sse_seeds();
    let config = bounded_config();
    let client = Client::new(config).unwrap();
    // Events until the first item that is not one (the connection ended), or an error.
    let first_connection = |addr: &str| {
        let mut source = client.sse(
            Request::get(&format!("http://{addr}/")).unwrap(),
            SseConfig::default(),
        )?;
        let deadline = Instant::now() + Duration::from_secs(3);
        let mut got = Vec::new();
        loop {
            assert!(Instant::now() < deadline, "still open after 3 s: {got:?}");
            match source.next_event(Wait::Timeout(Duration::from_millis(500))) {
                Ok(Some(SseItem::Event(e))) => got.push(e),
                Ok(Some(_)) | Ok(None) => return Ok(got),
                Err(runtime_mio::client::Error::WouldBlock) => {}
                Err(e) => return Err(e),
            }
        }
    };

    let addr = answering_server(
        seeds.iter().map(|(r, _)| r.clone()).collect(),
        Answer::AfterHead,
    );
    for (response, events) in &seeds {
        let got = first_connection(&addr).unwrap();
        let got: Vec<_> = got
            .iter()
            .map(|e| (e.event_type.as_str(), e.data.as_str(), e.id.as_str()))
            .collect();
        assert_eq!(&got, events, "{:?}", String::from_utf8_lossy(response));
    }

    let addr = answering_server(
        mutations(&seeds, 2000, 0x0fed_cba9_8765_4321),
        Answer::AfterHead,
    );
    let (mut events, mut failed) = (0, 0);
    for _ in 0..2000 {
        match first_connection(&addr) {
            Ok(got) => events += got.len(),
            Err(_) => failed += 1,
        }
    }
    assert!(
        events > 1000 && failed > 100,
        "{events} events, {failed} failed"
    );
}

/// The client (HTTP/1.1) against 3,000 mutated responses, one connection each.
#[test]
fn client_survives_mutated_responses() {
    client_against(&client_seeds(), false, 0x9e37_79b9_7f4a_7c15);
}

/// The client (h2c, prior knowledge) against 3,000 mutated HTTP/2 answers, one connection
/// each.
#[test]
fn client_survives_mutated_h2_responses() {
    client_against(&client_h2_seeds(), true, 0x5bd1_e995_9e37_79b9);
}

/// HTTP/2 frames: the server's SETTINGS, the ACK of the client's, `frames` (on stream 1),
/// then GOAWAY(NO_ERROR) naming stream 1.
fn h2_answer(frames: &[Vec<u8>]) -> Vec<u8> {
    let mut r = h2_frame(4, 0, 0, b"");
    r.extend(h2_frame(4, 1, 0, b""));
    for f in frames {
        r.extend_from_slice(f);
    }
    r.extend(h2_frame(7, 0, 0, &[0, 0, 0, 1, 0, 0, 0, 0]));
    r
}

/// Well-formed HTTP/2 answers to a request on stream 1, each with the body the client must
/// read from it. HPACK: `:status 200` is static index 8 (0x88); `content-length` (28) and
/// `content-encoding` (26) literal values with indexed names, without indexing.
fn client_h2_seeds() -> Vec<(Vec<u8>, Vec<u8>)> {
    let text = b"hello hello hello, the same words again and again".to_vec();
    let gz = gzip(&text);
    let mut gz_head = vec![0x88, 0x0f, 0x0b, 4];
    gz_head.extend_from_slice(b"gzip");
    vec![
        (
            h2_answer(&[
                h2_frame(1, 4, 1, &[0x88, 0x0f, 0x0d, 1, b'5']),
                h2_frame(0, 1, 1, b"hello"),
            ]),
            b"hello".to_vec(),
        ),
        (
            h2_answer(&[
                h2_frame(1, 4, 1, &[0x08, 3, b'1', b'0', b'3']),
                h2_frame(1, 4, 1, &[0x88]),
                h2_frame(0, 0, 1, b"hel"),
                h2_frame(0, 0, 1, b"lo"),
                h2_frame(1, 5, 1, &[0x40, 1, b'x', 1, b'y']),
            ]),
            b"hello".to_vec(),
        ),
        (
            h2_answer(&[h2_frame(1, 4, 1, &gz_head), h2_frame(0, 1, 1, &gz)]),
            text,
        ),
    ]
}

/// The client against `seeds` as they are (each body exact), then against 3,000 mutations
/// of them, one connection each: each request ends, with the body or an error, within its
/// total timeout and a margin.
fn client_against(seeds: &[(Vec<u8>, Vec<u8>)], h2: bool, seed: u64) {
    let mutated = mutations(seeds, 3000, seed);
    let config = ClientConfig {
        h2_prior_knowledge: h2,
        ..bounded_config()
    };

    let addr = answering_server(
        seeds.iter().map(|(r, _)| r.clone()).collect(),
        Answer::AfterHead,
    );
    let client = Client::new(config.clone()).unwrap();
    for (response, body) in seeds {
        let mut resp = client
            .request(Request::get(&format!("http://{addr}/")).unwrap())
            .unwrap_or_else(|e| panic!("{:?}: {e}", String::from_utf8_lossy(response)));
        assert_eq!(
            &resp.body().read_to_end().unwrap(),
            body,
            "{:?}",
            String::from_utf8_lossy(response)
        );
    }

    let addr = answering_server(mutated.clone(), Answer::AfterHead);
    let client = Client::new(config).unwrap();
    let (mut ok, mut failed) = (0, 0);
    for response in &mutated {
        let started = Instant::now();
        let result = client
            .request(Request::get(&format!("http://{addr}/")).unwrap())
            .and_then(|mut resp| resp.body().read_to_end());
        match result {
            Ok(_) => ok += 1,
            Err(_) => failed += 1,
        }
        assert!(
            started.elapsed() < Duration::from_millis(2500),
            "{:?} took {:?}",
            String::from_utf8_lossy(response),
            started.elapsed()
        );
    }
    // Both outcomes are common: the mutations did not only break every response.
    assert!(ok > 100 && failed > 100, "{ok} read whole, {failed} failed");
}

/// What a proxy answers, then the origin's response through the tunnel: HTTP CONNECT (a 2xx
/// with a field) and SOCKS5 (no authentication, then success with an IPv4 or a name as the
/// bound address). The body through the tunnel is `ok`.
fn proxy_seeds(socks: bool) -> Vec<(Vec<u8>, Vec<u8>)> {
    const ORIGIN: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    let answers: Vec<Vec<u8>> = if socks {
        vec![
            vec![5, 0, 5, 0, 0, 1, 127, 0, 0, 1, 0, 9],
            vec![5, 0, 5, 0, 0, 3, 4, b'h', b'o', b's', b't', 0, 9],
            [&[5, 0, 5, 0, 0, 4][..], &[0; 16], &[0, 9]].concat(),
        ]
    } else {
        vec![
            b"HTTP/1.1 200 Connection established\r\nProxy-Agent: x\r\n\r\n".to_vec(),
            b"HTTP/1.0 200 OK\r\n\r\n".to_vec(),
        ]
    };
    answers
        .into_iter()
        .map(|a| ([a, ORIGIN.to_vec()].concat(), b"ok".to_vec()))
        .collect()
}

/// The client through an HTTP CONNECT proxy and through a SOCKS5 proxy (each a raw server
/// here that answers its handshake and then speaks as the origin), against the seeds as
/// they are, then 2,000 mutations each: each request ends within its total timeout and a
/// margin.
#[test]
fn client_survives_mutated_proxy_answers() {
    for (socks, seed) in [
        (false, 0x7f4a_7c15_9e37_79b9),
        (true, 0x6c8e_9cf5_7052_3ad1),
    ] {
        let seeds = proxy_seeds(socks);
        let scheme = if socks { "socks5" } else { "http" };
        let client = |addr: &str| {
            Client::new(ClientConfig {
                proxy: Some(Proxy::parse(&format!("{scheme}://{addr}")).unwrap()),
                ..bounded_config()
            })
            .unwrap()
        };
        // The origin's address is never dialled: the proxy "reaches" it.
        let get = || Request::get("http://127.0.0.1:9/").unwrap();

        let addr = answering_server(
            seeds.iter().map(|(r, _)| r.clone()).collect(),
            Answer::AtOnce,
        );
        let c = client(&addr);
        for (answer, body) in &seeds {
            let mut resp = c
                .request(get())
                .unwrap_or_else(|e| panic!("{scheme} {answer:?}: {e}"));
            assert_eq!(&resp.body().read_to_end().unwrap(), body, "{answer:?}");
        }

        let mutated = mutations(&seeds, 2000, seed);
        let addr = answering_server(mutated.clone(), Answer::AtOnce);
        let c = client(&addr);
        let (mut ok, mut failed) = (0, 0);
        for answer in &mutated {
            let started = Instant::now();
            match c.request(get()).and_then(|mut r| r.body().read_to_end()) {
                Ok(_) => ok += 1,
                Err(_) => failed += 1,
            }
            assert!(
                started.elapsed() < Duration::from_millis(2500),
                "{scheme} {answer:?} took {:?}",
                started.elapsed()
            );
        }
        assert!(
            ok > 100 && failed > 100,
            "{scheme}: {ok} read whole, {failed} failed"
        );
    }
}
