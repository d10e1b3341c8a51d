//! Request bodies read in chunks ([`ServerConfig::stream_bodies`],
//! [`Request::take_body_reader`]): over HTTP/1.1 (content-length and chunked, keep-alive after
//! a streamed request, a reader that is not taken, a client that leaves mid-body, and
//! backpressure that holds a fast client back) and over HTTP/2 (a body larger than the
//! stream's window, several at once on one connection).

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use proto_h2::conn::Event;
use runtime_mio::server::{BodyError, BodyStreaming, Request, Response, Server, ServerConfig};

#[path = "support/h2_client.rs"]
mod h2_client;
use h2_client::H2Client;

/// FNV-1a over the body: what the handler reports and the test recomputes.
fn fnv(data: &[u8], mut h: u64) -> u64 {
    for &b in data {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x100_0000_01b3);
    }
    h
}
const FNV0: u64 = 0xcbf2_9ce4_8422_2325;

/// Every byte value, many times over, in an order that shows a dropped or repeated piece.
fn body_of(len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u32).wrapping_mul(2_654_435_761).to_le_bytes()[3] ^ (i as u8))
        .collect()
}

/// What the server's readers saw, by request target.
type Seen = Arc<Mutex<HashMap<String, Result<(usize, u64), BodyError>>>>;

/// A server that streams the bodies of `/stream/...` (reading them on a thread that answers
/// with the length and hash of what it read), gives `/whole` its body whole, and answers
/// `/ignore` at once without taking the reader. `gate`: the readers wait for a message on it
/// before reading.
fn start(gate: Option<mpsc::Receiver<()>>) -> (Server, Seen) {
    let seen: Seen = Arc::default();
    let gate = gate.map(|g| Arc::new(Mutex::new(g)));
    let config = ServerConfig {
        threads: 1,
        max_body: 1 << 30,
        stream_bodies: BodyStreaming::when(|r| r.path().starts_with("/stream")),
        ..ServerConfig::default()
    };
    let seen2 = Arc::clone(&seen);
    let server = Server::bind(
        "127.0.0.1:0".parse().unwrap(),
        config,
        move |req: &Request| {
            if req.path() == "/ignore" {
                return Response::text(200, "ignored\n");
            }
            let Some(mut body) = req.take_body_reader() else {
                let b = req.body();
                return Response::text(200, format!("whole {} {:016x}\n", b.len(), fnv(b, FNV0)));
            };
            assert!(req.body().is_empty());
            assert!(req.take_body_reader().is_none(), "one reader per body");
            let (resp, out) = Response::streaming(200);
            let seen = Arc::clone(&seen2);
            let gate = gate.clone();
            let target = req.target().to_owned();
            std::thread::spawn(move || {
                if let Some(g) = gate {
                    let _ = g.lock().unwrap().recv();
                }
                let (mut n, mut h) = (0, FNV0);
                let result = loop {
                    match body.chunk() {
                        Ok(Some(c)) => {
                            n += c.len();
                            h = fnv(&c, h);
                        }
                        Ok(None) => break Ok((n, h)),
                        Err(e) => break Err(e),
                    }
                };
                seen.lock().unwrap().insert(target, result);
                match result {
                    Ok((n, h)) => {
                        let _ = out.send(format!("streamed {n} {h:016x}\n"));
                    }
                    Err(_) => out.abort(),
                }
            });
            resp
        },
    )
    .unwrap();
    (server, seen)
}

/// Reads one HTTP/1.1 response (content-length or chunked) from `s`; returns its body.
fn read_response(s: &mut TcpStream) -> (u16, Vec<u8>) {
    let mut head = Vec::new();
    let mut b = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        assert_eq!(s.read(&mut b).unwrap(), 1, "closed in head: {head:?}");
        head.push(b[0]);
    }
    let text = String::from_utf8(head).unwrap();
    let status: u16 = text[9..12].parse().unwrap();
    let lower = text.to_ascii_lowercase();
    let mut body = Vec::new();
    if let Some(l) = lower
        .lines()
        .find_map(|l| l.strip_prefix("content-length: "))
    {
        body.resize(l.trim().parse().unwrap(), 0);
        s.read_exact(&mut body).unwrap();
    } else {
        assert!(lower.contains("transfer-encoding: chunked"), "{text}");
        loop {
            let mut line = Vec::new();
            while !line.ends_with(b"\r\n") {
                assert_eq!(s.read(&mut b).unwrap(), 1);
                line.push(b[0]);
            }
            let size =
                usize::from_str_radix(std::str::from_utf8(&line).unwrap().trim(), 16).unwrap();
            let mut chunk = vec![0; size + 2];
            s.read_exact(&mut chunk).unwrap();
            if size == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..size]);
        }
    }
    (status, body)
}

fn connect(server: &Server) -> TcpStream {
    let s = TcpStream::connect(server.local_addr()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    s
}

#[test]
fn http1_content_length_and_chunked_bodies_stream_then_keep_alive() {
    let (server, seen) = start(None);
    let mut s = connect(&server);
    let body = body_of(3 << 20);
    let expect = format!("streamed {} {:016x}\n", body.len(), fnv(&body, FNV0));

    s.write_all(
        format!(
            "POST /stream/cl HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .as_bytes(),
    )
    .unwrap();
    s.write_all(&body).unwrap();
    assert_eq!(read_response(&mut s), (200, expect.clone().into_bytes()));

    // Chunked, in uneven chunks, on the same connection.
    s.write_all(b"POST /stream/chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
        .unwrap();
    for piece in body.chunks(70_001) {
        s.write_all(format!("{:x}\r\n", piece.len()).as_bytes())
            .unwrap();
        s.write_all(piece).unwrap();
        s.write_all(b"\r\n").unwrap();
    }
    s.write_all(b"0\r\n\r\n").unwrap();
    assert_eq!(read_response(&mut s), (200, expect.into_bytes()));

    // A route that is not streamed still gets its body whole, on the same connection.
    s.write_all(b"POST /whole HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc")
        .unwrap();
    let want = format!("whole 3 {:016x}\n", fnv(b"abc", FNV0));
    assert_eq!(read_response(&mut s), (200, want.into_bytes()));

    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2);
    assert!(
        seen.values()
            .all(|r| r == &Ok((body.len(), fnv(&body, FNV0))))
    );
    drop(seen);
    server.shutdown().unwrap();
}

/// A request without a body is given whole even on a streamed route.
#[test]
fn http1_request_without_body_is_not_streamed() {
    let (server, seen) = start(None);
    let mut s = connect(&server);
    s.write_all(b"GET /stream/none HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let want = format!("whole 0 {FNV0:016x}\n");
    assert_eq!(read_response(&mut s), (200, want.into_bytes()));
    assert!(seen.lock().unwrap().is_empty());
    server.shutdown().unwrap();
}

/// A handler that does not take the reader answers at once; the server reads and drops the
/// body, and the connection carries the next request.
#[test]
fn http1_reader_not_taken_drops_the_body_and_keeps_the_connection() {
    let config = ServerConfig {
        threads: 1,
        stream_bodies: BodyStreaming::Always,
        ..ServerConfig::default()
    };
    let server = Server::bind("127.0.0.1:0".parse().unwrap(), config, |req: &Request| {
        Response::text(200, format!("{} {}\n", req.target(), req.body().len()))
    })
    .unwrap();
    let mut s = connect(&server);
    let body = body_of(1 << 20);
    s.write_all(
        format!(
            "PUT /a HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .as_bytes(),
    )
    .unwrap();
    s.write_all(&body).unwrap();
    s.write_all(b"GET /b HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    assert_eq!(read_response(&mut s), (200, b"/a 0\n".to_vec()));
    assert_eq!(read_response(&mut s), (200, b"/b 0\n".to_vec()));
    server.shutdown().unwrap();
}

/// A client that leaves mid-body: the reader learns the body was cut.
#[test]
fn http1_client_leaving_mid_body_aborts_the_reader() {
    let (server, seen) = start(None);
    let mut s = connect(&server);
    s.write_all(b"POST /stream/cut HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n")
        .unwrap();
    s.write_all(&body_of(5000)).unwrap();
    s.flush().unwrap();
    std::thread::sleep(Duration::from_millis(100));
    drop(s);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(r) = seen.lock().unwrap().get("/stream/cut") {
            assert_eq!(*r, Err(BodyError::Aborted));
            break;
        }
        assert!(Instant::now() < deadline, "the reader never learned");
        std::thread::sleep(Duration::from_millis(10));
    }
    server.shutdown().unwrap();
}

/// A reader that does not read holds the client back: of a 128 MiB body, the client gets
/// no further than the reader's queue, the engine's buffer and the kernel's socket buffers;
/// once the reader reads, all of it arrives intact.
#[test]
fn http1_slow_reader_holds_the_client_back() {
    let (go, gate) = mpsc::channel();
    let (server, _seen) = start(Some(gate));
    let mut s = connect(&server);
    const LEN: usize = 128 << 20;
    let written = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut w = s.try_clone().unwrap();
    let w_count = Arc::clone(&written);
    let writer = std::thread::spawn(move || {
        w.write_all(
            format!("POST /stream/slow HTTP/1.1\r\nHost: x\r\nContent-Length: {LEN}\r\n\r\n")
                .as_bytes(),
        )
        .unwrap();
        let piece = body_of(1 << 20);
        let mut h = FNV0;
        for _ in 0..LEN / piece.len() {
            w.write_all(&piece).unwrap();
            h = fnv(&piece, h);
            w_count.fetch_add(piece.len(), std::sync::atomic::Ordering::SeqCst);
        }
        h
    });
    // Give the client every chance to run ahead.
    std::thread::sleep(Duration::from_millis(700));
    let stalled_at = written.load(std::sync::atomic::Ordering::SeqCst);
    // The kernel's socket buffers take a few MiB (3 MiB measured here; Debian's loopback
    // autotuning may grow the receiver's to 32 MiB, the sender's to 4 MiB); the server adds
    // its 64 KiB queue and 64 KiB receive buffer. Without backpressure all 128 MiB go.
    assert!(
        stalled_at <= 40 << 20,
        "the client wrote {stalled_at} bytes of a body nobody reads"
    );
    go.send(()).unwrap();
    let h = writer.join().unwrap();
    let want = format!("streamed {LEN} {h:016x}\n");
    assert_eq!(read_response(&mut s), (200, want.into_bytes()));
    server.shutdown().unwrap();
}

/// Runs POSTs of `bodies` to `/stream/i` as concurrent streams on one HTTP/2 connection,
/// sending each body as flow control allows; returns each stream's status and body.
fn h2_uploads(server: &Server, bodies: &[Vec<u8>]) -> Vec<(u16, Vec<u8>)> {
    let mut c = H2Client::connect(server.local_addr(), Duration::from_millis(10));
    let mut pending: Vec<_> = bodies
        .iter()
        .enumerate()
        .map(|(i, body)| {
            let id = c.send_request(b"POST", format!("/stream/{i}").as_bytes(), false);
            (id, Bytes::copy_from_slice(body))
        })
        .collect();
    let ids: Vec<_> = pending.iter().map(|(id, _)| *id).collect();
    c.finish(&ids, &mut pending, Duration::from_secs(30))
        .into_iter()
        .zip(&ids)
        .map(|(o, id)| {
            assert!(o.reset.is_none(), "stream {id:?} reset: {:?}", o.reset);
            (o.status.unwrap(), o.body)
        })
        .collect()
}

/// Bodies many times the stream window (64 KiB by default), three at once: the window
/// reopens as the readers read.
#[test]
fn http2_bodies_larger_than_the_window_stream_to_their_readers() {
    let (server, seen) = start(None);
    let bodies = vec![body_of(1 << 20), body_of(300_001), Vec::from(&b"x"[..])];
    let got = h2_uploads(&server, &bodies);
    for (body, (status, answer)) in bodies.iter().zip(&got) {
        let want = format!("streamed {} {:016x}\n", body.len(), fnv(body, FNV0));
        assert_eq!((*status, answer.as_slice()), (200, want.as_bytes()));
    }
    assert_eq!(seen.lock().unwrap().len(), 3);
    server.shutdown().unwrap();
}

/// Readers that start late: the bodies wait in the stream windows (not in server memory
/// beyond them) and arrive intact.
#[test]
fn http2_late_readers_get_the_whole_body() {
    let (go, gate) = mpsc::channel();
    let (server, _seen) = start(Some(gate));
    let releaser = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        for _ in 0..2 {
            let _ = go.send(());
        }
    });
    let bodies = vec![body_of(2 << 20), body_of(777_777)];
    let got = h2_uploads(&server, &bodies);
    releaser.join().unwrap();
    for (body, (status, answer)) in bodies.iter().zip(&got) {
        let want = format!("streamed {} {:016x}\n", body.len(), fnv(body, FNV0));
        assert_eq!((*status, answer.as_slice()), (200, want.as_bytes()));
    }
    server.shutdown().unwrap();
}

/// A client that stops sending mid-body while the reader waits is cut by the body-gap
/// timeout, and the reader learns the body was cut.
#[test]
fn http1_body_gap_timeout_cuts_a_streamed_body() {
    let seen: Seen = Arc::default();
    let seen2 = Arc::clone(&seen);
    let mut config = ServerConfig {
        threads: 1,
        stream_bodies: BodyStreaming::Always,
        ..ServerConfig::default()
    };
    config.timeouts.body_idle_gap = runtime_mio::timer::Timeout::After(Duration::from_millis(300));
    let server = Server::bind(
        "127.0.0.1:0".parse().unwrap(),
        config,
        move |req: &Request| {
            let mut body = req.take_body_reader().unwrap();
            let seen = Arc::clone(&seen2);
            std::thread::spawn(move || {
                let mut n = 0;
                let r = loop {
                    match body.chunk() {
                        Ok(Some(c)) => n += c.len(),
                        Ok(None) => break Ok((n, 0)),
                        Err(e) => break Err(e),
                    }
                };
                seen.lock().unwrap().insert("gap".into(), r);
            });
            Response::streaming(200).0
        },
    )
    .unwrap();
    let mut s = connect(&server);
    s.write_all(b"POST /gap HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc")
        .unwrap();
    let t0 = Instant::now();
    let mut rest = Vec::new();
    // The server closes the connection once the gap timer fires.
    let _ = s.read_to_end(&mut rest);
    assert!(
        t0.elapsed() >= Duration::from_millis(250),
        "{:?}",
        t0.elapsed()
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(r) = seen.lock().unwrap().get("gap") {
            assert_eq!(*r, Err(BodyError::Aborted));
            break;
        }
        assert!(Instant::now() < deadline, "the reader never learned");
        std::thread::sleep(Duration::from_millis(10));
    }
    server.shutdown().unwrap();
}

/// HTTP/2: request bodies that stop mid-way are ended by the body-gap timeout per stream,
/// although the connection stays busy (a new GET every 50 ms keeps its own timers from
/// firing): a body being collected gets 408, a body streamed to a reader is reset with
/// CANCEL and its reader sees it cut; the GETs are answered throughout.
#[test]
fn http2_body_gap_timeout_ends_stalled_streams_while_others_are_served() {
    let seen: Seen = Arc::default();
    let seen2 = Arc::clone(&seen);
    let mut config = ServerConfig {
        threads: 1,
        stream_bodies: BodyStreaming::when(|r| r.path().starts_with("/stream")),
        ..ServerConfig::default()
    };
    config.timeouts.body_idle_gap = runtime_mio::timer::Timeout::After(Duration::from_millis(300));
    let server = Server::bind(
        "127.0.0.1:0".parse().unwrap(),
        config,
        move |req: &Request| {
            let Some(mut body) = req.take_body_reader() else {
                return Response::text(200, "ok\n");
            };
            let seen = Arc::clone(&seen2);
            // The response stays open while the reader reads (a finished response would
            // end the stream with NO_ERROR before any timeout).
            let (resp, writer) = Response::streaming(200);
            std::thread::spawn(move || {
                let _writer = writer;
                let mut n = 0;
                let r = loop {
                    match body.chunk() {
                        Ok(Some(c)) => n += c.len(),
                        Ok(None) => break Ok((n, 0)),
                        Err(e) => break Err(e),
                    }
                };
                seen.lock().unwrap().insert("gap".into(), r);
            });
            resp
        },
    )
    .unwrap();
    let mut c = H2Client::connect(server.local_addr(), Duration::from_millis(10));
    let t0 = Instant::now();
    let collected = c.send_request(b"POST", b"/whole", false);
    c.conn
        .send_data(collected, Bytes::from_static(b"abc"), false)
        .unwrap();
    let streamed = c.send_request(b"POST", b"/stream/x", false);
    c.conn
        .send_data(streamed, Bytes::from_static(b"abc"), false)
        .unwrap();
    let mut gets = Vec::new();
    let mut answered = 0;
    let mut last_get = t0;
    let mut status_408 = None;
    let mut cancelled = None;
    while status_408.is_none() || cancelled.is_none() || answered < 10 {
        assert!(t0.elapsed() < Duration::from_secs(10), "timed out");
        if last_get.elapsed() >= Duration::from_millis(50) {
            last_get = Instant::now();
            gets.push(c.send_request(b"GET", b"/get", true));
        }
        c.send(false).unwrap();
        assert!(c.receive().unwrap(), "server closed");
        while let Some(ev) = c.conn.poll_event() {
            match ev {
                Event::Response { stream, head, .. } if stream == collected => {
                    status_408 = Some((head.status().unwrap(), t0.elapsed()));
                }
                Event::Response { stream, head, .. } if gets.contains(&stream) => {
                    assert_eq!(head.status(), Some(200));
                    answered += 1;
                }
                Event::Response { stream, .. } if stream == streamed => {}
                Event::Reset { stream, code, .. } if stream == streamed => {
                    cancelled = Some((code, t0.elapsed()));
                }
                // After its 408, the unfinished request's stream is reset with NO_ERROR.
                Event::Reset { stream, code, .. } if stream == collected => {
                    assert_eq!(code, proto_h2::frame::ErrorCode::NO_ERROR);
                }
                Event::Reset { stream, code, .. } => panic!("{stream:?} reset: {code:?}"),
                Event::Data { stream, .. } => while c.conn.read_data(stream).is_some() {},
                _ => {}
            }
        }
    }
    let (status, at) = status_408.unwrap();
    assert_eq!(status, 408);
    assert!(at >= Duration::from_millis(250), "408 after {at:?}");
    let (code, at) = cancelled.unwrap();
    assert_eq!(code, proto_h2::frame::ErrorCode::CANCEL);
    assert!(at >= Duration::from_millis(250), "reset after {at:?}");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(r) = seen.lock().unwrap().get("gap") {
            assert_eq!(*r, Err(BodyError::Aborted));
            break;
        }
        assert!(Instant::now() < deadline, "the reader never learned");
        std::thread::sleep(Duration::from_millis(10));
    }
    drop(c);
    server.shutdown().unwrap();
}
