//! The local completion queue (`LocalQueue`): the caller's thread runs the client's loop
//! inside `wait`. Many requests in flight over HTTP/1.1, h2c and TLS with ALPN h2 against
//! an in-process `Server`, each completion carrying its own body; a head timeout firing
//! while the caller waits; cancel (by ticket, and from another thread while the caller is
//! blocked in `wait`), drop; cookies and decompression as in the threaded queue; and the
//! requests it refuses. Between waits nothing moves: each test drops its queue before it
//! shuts its server down (a graceful shutdown would wait for connections nobody drives).

use std::collections::HashMap;
use std::io::{Read, Write};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use runtime_mio::client::{
    ClientConfig, ClientTimeouts, Coding, Error, LocalQueue, Redirects, Request, Ticket,
    TimeoutKind, Version, Wait,
};
use runtime_mio::server::{
    BodyOut, Next, Request as ServerRequest, Response, Server, ServerConfig,
};
use runtime_mio::timer::Timeout;

#[path = "support/silent_server.rs"]
mod silent_server;
use silent_server::silent_server;
#[path = "support/tls_server.rs"]
mod tls_server;
use tls_server::Mode;

/// The body `hello local` repeated, gzip-compressed by Debian's `gzip` (as client_decode.rs).
fn gzipped(plain: &[u8]) -> Vec<u8> {
    let mut child = std::process::Command::new("gzip")
        .args(["-c", "-n", "-6"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("gzip (scripts/setup.sh installs it)");
    let mut stdin = child.stdin.take().unwrap();
    let input = plain.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(out.status.success());
    out.stdout
}

fn plain_text() -> Vec<u8> {
    b"hello local; ".repeat(500)
}

/// `/n/K`: the body `item K` repeated K+1 times; `/forever`: one chunk, then nothing until
/// the client goes away; `/big`: 1 MiB; `/set`: sets cookie `c=v1`; `/echo-cookie`: the
/// request's Cookie field; `/gz`: [`plain_text`] gzip-compressed; `/sum`: the request
/// body's length and byte sum.
fn handler(gz: Vec<u8>) -> impl Fn(&ServerRequest) -> Response + Send + Sync + 'static {
    move |req: &ServerRequest| {
        let path = req.path();
        if let Some(k) = path.strip_prefix("/n/") {
            return Response::new(200).with_body(body_of(k.parse().unwrap()));
        }
        match path {
            "/big" => Response::new(200).with_body(vec![b'x'; 1 << 20]),
            "/set" => Response::text(200, "set").with_header("Set-Cookie", "c=v1; Path=/"),
            "/echo-cookie" => {
                Response::new(200).with_body(req.header("cookie").unwrap_or(b"-").to_vec())
            }
            "/sum" => {
                let b = req.body();
                let sum: u64 = b.iter().map(|&x| u64::from(x)).sum();
                Response::text(200, format!("{} {sum}", b.len()))
            }
            "/gz" => Response::new(200)
                .with_body(gz.clone())
                .with_header("Content-Encoding", "gzip"),
            "/forever" => {
                let mut first = true;
                Response::timed(200, move |now: Instant, out: &mut BodyOut| {
                    if std::mem::take(&mut first) {
                        out.write(b"first");
                    }
                    Next::WaitUntil(now + Duration::from_secs(3600))
                })
            }
            _ => Response::text(404, "no\n"),
        }
    }
}

fn body_of(k: usize) -> Vec<u8> {
    format!("item {k};").repeat(k + 1).into_bytes()
}

fn setup_with(mode: Mode, config: impl FnOnce(&mut ClientConfig)) -> (Server, LocalQueue, String) {
    let mut server_config = ServerConfig {
        threads: 1,
        ..ServerConfig::default()
    };
    let root = mode.serve(&mut server_config);
    let server = Server::bind(
        "127.0.0.1:0".parse().unwrap(),
        server_config,
        handler(gzipped(&plain_text())),
    )
    .unwrap();
    let mut client_config = mode.client_config(root);
    config(&mut client_config);
    let q = LocalQueue::new(client_config).unwrap();
    let base = mode.base("http", "https", server.local_addr().port());
    (server, q, base)
}

fn setup(mode: Mode) -> (Server, LocalQueue, String) {
    setup_with(mode, |_| {})
}

/// A completed request: status, version and body, or the failure.
type Outcome = Result<(u16, Version, Vec<u8>), Error>;

/// Waits (blocking) until every request in flight completed; the completions by ticket.
/// Each body is read with `NoWait`: a buffered completion has it all already.
fn drain(q: &mut LocalQueue) -> HashMap<Ticket, Outcome> {
    let mut out = HashMap::new();
    while q.in_flight() > 0 {
        for c in q.wait(Wait::Block) {
            let r = c.result.and_then(|mut resp| {
                let mut body = Vec::new();
                while let Some(b) = resp.body().chunk(Wait::NoWait)? {
                    body.extend_from_slice(&b);
                }
                Ok((resp.status(), resp.version(), body))
            });
            assert!(
                out.insert(c.ticket, r).is_none(),
                "a ticket completed twice"
            );
        }
    }
    out
}

fn many_in_flight(mode: Mode) {
    let (server, mut q, base) = setup(mode);
    if mode.is_tls() {
        // Until its handshake chose h2, a TLS connection takes no second request.
        q.preconnect(&base).unwrap();
    }
    let mut tickets = Vec::new();
    for round in 0..3 {
        for k in 0..50 {
            let t = q
                .submit(Request::get(&format!("{base}/n/{k}")).unwrap(), 4096)
                .unwrap();
            tickets.push((t, k));
        }
        assert_eq!(q.in_flight(), 50, "round {round}");
        let done = drain(&mut q);
        assert_eq!(done.len(), 50);
        for (t, k) in tickets.drain(..) {
            let (status, version, body) = done[&t].as_ref().unwrap().clone();
            assert_eq!(status, 200);
            let want = if mode == Mode::H1 {
                Version::Http11
            } else {
                Version::H2
            };
            assert_eq!(version, want);
            assert_eq!(body, body_of(k), "ticket {t:?}");
        }
    }
    let opened = q.pool_stats().opened;
    if mode == Mode::H1 {
        assert!((2..=50).contains(&opened), "{opened} connections");
    } else {
        assert_eq!(opened, 1, "one connection carries the streams");
    }
    drop(q);
    server.shutdown().unwrap();
}

#[test]
fn many_in_flight_h1() {
    many_in_flight(Mode::H1);
}

#[test]
fn many_in_flight_h2c() {
    many_in_flight(Mode::H2c);
}

#[test]
fn many_in_flight_h2_tls() {
    many_in_flight(Mode::H2Tls);
}

#[test]
fn a_body_past_its_limit_is_a_typed_error() {
    for mode in [Mode::H1, Mode::H2c] {
        let (server, mut q, base) = setup(mode);
        q.submit(Request::get(&format!("{base}/big")).unwrap(), 1000)
            .unwrap();
        let r = drain(&mut q).into_values().next().unwrap();
        assert!(
            matches!(r, Err(Error::BodyTooLarge { limit: 1000 })),
            "{mode:?}: {r:?}"
        );
        drop(q);
        server.shutdown().unwrap();
    }
}

/// `submit_discard`: the body is counted and dropped as it comes, so `/big` (1 MiB, far past
/// the 4 KiB body queue) completes whole inside `wait`; a gzip body counts the bytes that
/// came over the wire (nothing is decoded); the body reads as ended.
#[test]
fn a_discarded_body_completes_whole_with_its_length() {
    let gz_len = gzipped(&plain_text()).len() as u64;
    for mode in [Mode::H1, Mode::H2c, Mode::H2Tls] {
        let (server, mut q, base) = setup_with(mode, |c| c.body_queue = 4096);
        let mut want = HashMap::new();
        for (path, len) in [
            ("/big", 1 << 20),
            ("/gz", gz_len),
            ("/n/7", body_of(7).len() as u64),
        ] {
            let t = q
                .submit_discard(Request::get(&format!("{base}{path}")).unwrap())
                .unwrap();
            want.insert(t, len);
        }
        while q.in_flight() > 0 {
            for c in q.wait(Wait::Block) {
                let mut resp = c.result.unwrap();
                assert_eq!(resp.status(), 200);
                assert_eq!(resp.body().discarded(), want[&c.ticket], "{mode:?}");
                assert!(resp.decoded().is_empty(), "nothing decoded");
                assert!(resp.body().chunk(Wait::NoWait).unwrap().is_none());
            }
        }
        drop(q);
        server.shutdown().unwrap();
    }
}

/// A server that accepts and never answers: the response head timeout fires inside the
/// caller's `wait` (the loop's timers run there).
#[test]
fn a_head_timeout_fires_while_the_caller_waits() {
    let (addr, _) = silent_server(None);
    let mut q = LocalQueue::new(ClientConfig {
        timeouts: ClientTimeouts {
            response_head: Timeout::After(Duration::from_millis(200)),
            ..ClientTimeouts::default()
        },
        ..ClientConfig::default()
    })
    .unwrap();
    let t = q
        .submit(Request::get(&format!("http://{addr}/")).unwrap(), 1024)
        .unwrap();
    let started = Instant::now();
    let done = q.wait(Wait::Block);
    assert_eq!(done.len(), 1);
    assert_eq!(done[0].ticket, t);
    assert!(
        matches!(
            done[0].result,
            Err(Error::Timeout(TimeoutKind::ResponseHead))
        ),
        "{:?}",
        done[0].result
    );
    // The timer, not something else, ended the wait.
    assert!(started.elapsed() >= Duration::from_millis(150));
}

#[test]
fn nothing_ready_returns_nothing_and_cancel_keeps_the_h2_connection() {
    let (server, mut q, base) = setup(Mode::H2c);
    // Nothing in flight: no wait at all, even a blocking one.
    assert!(q.wait(Wait::Block).is_empty());
    let forever = |q: &mut LocalQueue| {
        q.submit(Request::get(&format!("{base}/forever")).unwrap(), 1 << 16)
            .unwrap()
    };
    let t = forever(&mut q);
    let u = forever(&mut q);
    assert!(q.wait(Wait::NoWait).is_empty());
    assert!(q.wait(Wait::Timeout(Duration::from_millis(100))).is_empty());
    assert_eq!(q.in_flight(), 2);
    assert!(q.cancel(t));
    assert!(!q.cancel(t), "a ticket cancels once");
    assert!(q.cancel(u));
    assert_eq!(q.in_flight(), 0);
    assert!(
        q.wait(Wait::Block).is_empty(),
        "a cancelled ticket is not handed over"
    );
    // The streams were reset; the connection serves the next request.
    q.submit(Request::get(&format!("{base}/n/3")).unwrap(), 1 << 16)
        .unwrap();
    let r = drain(&mut q).into_values().next().unwrap().unwrap();
    assert_eq!(r.2, body_of(3));
    assert_eq!(q.pool_stats().opened, 1);
    drop(q);
    server.shutdown().unwrap();
}

/// A cancel from another thread while the caller is blocked in `wait` (in the loop's
/// `poll`): that thread's wake signals the loop, and the ticket completes as cancelled.
#[test]
fn a_cancel_from_another_thread_wakes_a_blocked_wait() {
    for mode in [Mode::H1, Mode::H2c] {
        let (server, mut q, base) = setup(mode);
        let req = Request::get(&format!("{base}/forever")).unwrap();
        let handle = req.cancel_handle();
        let t = q.submit(req, 1 << 16).unwrap();
        // Written, and its first chunk read: the exchange is on the connection.
        assert!(q.wait(Wait::Timeout(Duration::from_millis(100))).is_empty());
        let canceller = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(100));
            handle.cancel();
        });
        // Bounded so that a missed wake fails instead of hanging.
        let done = q.wait(Wait::Timeout(Duration::from_secs(20)));
        canceller.join().unwrap();
        assert_eq!(done.len(), 1, "{mode:?}");
        assert_eq!(done[0].ticket, t);
        assert!(
            matches!(done[0].result, Err(Error::Cancelled)),
            "{mode:?}: {:?}",
            done[0].result
        );
        drop(q);
        server.shutdown().unwrap();
    }
}

/// Dropping the queue with an HTTP/1.1 request in flight closes its connection: the
/// server sees its end of stream.
#[test]
fn dropping_the_queue_closes_h1_connections_in_flight() {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    let (tx, rx) = mpsc::channel();
    let server = std::thread::spawn(move || {
        let (mut s, _) = l.accept().unwrap();
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        let mut buf = [0u8; 4096];
        let mut seen = Vec::new();
        // The request head, then its end of stream.
        loop {
            match s.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    seen.extend_from_slice(&buf[..n]);
                    if seen.windows(4).any(|w| w == b"\r\n\r\n") {
                        let _ = tx.send(false);
                    }
                }
                Err(_) => {
                    let _ = tx.send(false);
                    return;
                }
            }
        }
        let _ = tx.send(true);
    });
    let mut q = LocalQueue::new(ClientConfig::default()).unwrap();
    q.submit(Request::get(&format!("http://{addr}/")).unwrap(), 1024)
        .unwrap();
    assert!(q.wait(Wait::Timeout(Duration::from_millis(100))).is_empty());
    assert_eq!(
        rx.recv_timeout(Duration::from_secs(20)),
        Ok(false),
        "the request went out"
    );
    drop(q);
    assert_eq!(
        rx.recv_timeout(Duration::from_secs(20)),
        Ok(true),
        "the connection was closed"
    );
    server.join().unwrap();
}

#[test]
fn cookies_and_decompression_as_in_the_threaded_queue() {
    for mode in [Mode::H1, Mode::H2c] {
        let (server, mut q, base) = setup_with(mode, |c| c.cookies = true);
        q.submit(Request::get(&format!("{base}/set")).unwrap(), 1 << 16)
            .unwrap();
        drain(&mut q);
        let jar = q.cookie_jar().unwrap();
        assert_eq!(jar.cookies().len(), 1, "{mode:?}");
        q.submit(
            Request::get(&format!("{base}/echo-cookie")).unwrap(),
            1 << 16,
        )
        .unwrap();
        let r = drain(&mut q).into_values().next().unwrap().unwrap();
        assert_eq!(r.2, b"c=v1", "{mode:?}");
        // Buffered compressed; decoded as it is read.
        q.submit(Request::get(&format!("{base}/gz")).unwrap(), 1 << 16)
            .unwrap();
        let mut done = Vec::new();
        while done.is_empty() {
            done = q.wait(Wait::Block);
        }
        let mut resp = done.pop().unwrap().result.unwrap();
        assert_eq!(resp.decoded(), [Coding::Gzip]);
        assert_eq!(resp.body().read_to_end().unwrap(), plain_text(), "{mode:?}");
        drop(q);
        server.shutdown().unwrap();
    }
}

#[test]
fn requests_that_could_wait_on_the_loop_are_refused() {
    let mut q = LocalQueue::new(ClientConfig::default()).unwrap();
    let (req, _writer) = Request::new("POST", "http://127.0.0.1:9/")
        .unwrap()
        .body_writer(None);
    let r = q.submit(req, 1024);
    assert!(matches!(r, Err(Error::InvalidRequest(_))), "{r:?}");
    let (req, _writer) = Request::new("POST", "http://127.0.0.1:9/")
        .unwrap()
        .body_writer(None);
    let r = q.submit_discard(req);
    assert!(matches!(r, Err(Error::InvalidRequest(_))), "{r:?}");
    let follow = || {
        Request::get("http://127.0.0.1:9/")
            .unwrap()
            .redirects(Redirects::Follow { limit: 3 })
    };
    let r = q.submit(follow(), 1024);
    assert!(matches!(r, Err(Error::InvalidRequest(_))), "{r:?}");
    let r = q.submit_discard(follow());
    assert!(matches!(r, Err(Error::InvalidRequest(_))), "{r:?}");
    assert_eq!(q.in_flight(), 0);
}

/// A file body is pumped into the connection by a thread of its own, whose wakes signal the
/// loop the caller's thread runs: every byte arrives, over HTTP/1.1 and h2c.
#[test]
fn a_file_body_is_sent_whole() {
    let data: Vec<u8> = (0..(3 << 20) + 17).map(|i: u32| (i % 251) as u8).collect();
    let sum: u64 = data.iter().map(|&x| u64::from(x)).sum();
    let path = std::env::temp_dir().join(format!("local-queue-{}.bin", std::process::id()));
    std::fs::write(&path, &data).unwrap();
    for mode in [Mode::H1, Mode::H2c] {
        let (server, mut q, base) = setup(mode);
        let req = Request::new("POST", &format!("{base}/sum"))
            .unwrap()
            .body_file(&path)
            .unwrap();
        q.submit(req, 1024).unwrap();
        let r = drain(&mut q).into_values().next().unwrap().unwrap();
        assert_eq!(r.0, 200, "{mode:?}");
        assert_eq!(
            String::from_utf8(r.2).unwrap(),
            format!("{} {sum}", data.len()),
            "{mode:?}"
        );
        drop(q);
        server.shutdown().unwrap();
    }
    std::fs::remove_file(&path).unwrap();
}
