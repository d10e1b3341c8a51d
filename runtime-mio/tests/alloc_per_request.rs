//! Heap allocations the server makes per HTTP/1.1 request, counted on its event-loop thread
//! by a counting allocator: once the connection, the buffer pool and the timer heap are warm,
//! a request whose handler allocates nothing costs the server a pinned number of allocations
//! (see `SERVER_ALLOCATIONS_PER_REQUEST` for what they are), keep-alive or pipelined.
//!
//! The handler runs on the loop thread; it reads that thread's cumulative allocation count at
//! each call, so the difference between two calls is one whole request cycle: the response to
//! the previous request serialized and written, the next request read, parsed and handed over.

use std::cell::RefCell;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use runtime_mio::server::{Request, Response, Server, ServerConfig};
use test_support::alloc::{CountingAllocator, Measure};

#[global_allocator]
static ALLOC: CountingAllocator = CountingAllocator::new();

/// Requests per connection measured (after the warm-up ones).
const REQUESTS: usize = 64;
const WARM_UP: usize = 16;

/// What a request costs the server on its loop thread, all of it in building the handler's
/// [`Request`]: none. The head is copied out of the engine's buffer into storage the
/// connection takes from the loop's pool and gives back when idle; the response head is
/// serialized into the engine's transmit buffer (pooled too); the handler's one `'static`
/// field is held in its `Response` (no field list); the body is handed over as the handler's
/// `Bytes`.
const SERVER_ALLOCATIONS_PER_REQUEST: u64 = 0;

/// A browser-like request: eight fields.
const REQUEST: &[u8] = b"GET /index.html?q=1 HTTP/1.1\r\n\
Host: example.test\r\n\
User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:153.0) Gecko/20100101 Firefox/153.0\r\n\
Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n\
Accept-Language: en-US,en;q=0.5\r\n\
Accept-Encoding: gzip, deflate, br, zstd\r\n\
Connection: keep-alive\r\n\
Cookie: session=0123456789abcdef; theme=dark\r\n\
Upgrade-Insecure-Requests: 1\r\n\r\n";

const BODY: &[u8] = b"Hello, World!";

struct Counts {
    seen: AtomicUsize,
    at: [AtomicU64; H2_WARM_UP + REQUESTS + 1],
}

thread_local! {
    static MEASURE: RefCell<Option<Measure>> = const { RefCell::new(None) };
}

fn serve(counts: &'static Counts) -> Server {
    let config = ServerConfig {
        threads: 1,
        ..ServerConfig::default()
    };
    Server::bind(
        "127.0.0.1:0".parse().unwrap(),
        config,
        move |req: &Request| {
            assert_eq!(req.target(), "/index.html?q=1");
            assert_eq!(
                req.header("cookie"),
                Some(&b"session=0123456789abcdef; theme=dark"[..])
            );
            let total = MEASURE.with(|m| {
                m.borrow_mut()
                    .get_or_insert_with(Measure::start)
                    .stats()
                    .allocations
            });
            let i = counts.seen.fetch_add(1, Ordering::SeqCst);
            if let Some(slot) = counts.at.get(i) {
                slot.store(total, Ordering::SeqCst);
            }
            // A static field, as `wire serve`'s `/` sends: held in the response itself, no
            // field list allocated.
            Response::new(200)
                .with_static_header("Content-Type", b"text/plain; charset=utf-8")
                .with_body(Bytes::from_static(BODY))
        },
    )
    .unwrap()
}

fn read_responses(c: &mut TcpStream, n: usize) {
    let mut got = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    while got.windows(BODY.len()).filter(|w| *w == BODY).count() < n {
        let k = c.read(&mut buf).unwrap();
        assert!(k > 0, "server closed");
        got.extend_from_slice(&buf[..k]);
    }
    assert!(got.starts_with(b"HTTP/1.1 200 OK\r\n"));
}

/// The allocations of each of the `REQUESTS` requests after the first `warm_up` ones.
fn per_request(counts: &Counts, warm_up: usize) -> Vec<u64> {
    let at: Vec<u64> = counts.at[warm_up..=warm_up + REQUESTS]
        .iter()
        .map(|a| a.load(Ordering::SeqCst))
        .collect();
    at.windows(2).map(|w| w[1] - w[0]).collect()
}

fn counts() -> &'static Counts {
    Box::leak(Box::new(Counts {
        seen: AtomicUsize::new(0),
        at: std::array::from_fn(|_| AtomicU64::new(0)),
    }))
}

#[test]
fn keep_alive_request_costs_the_pinned_allocations() {
    let counts = counts();
    let server = serve(counts);
    let mut c = TcpStream::connect(server.local_addr()).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    for _ in 0..=WARM_UP + REQUESTS {
        c.write_all(REQUEST).unwrap();
        read_responses(&mut c, 1);
    }
    let deltas = per_request(counts, WARM_UP);
    assert!(
        deltas.iter().all(|&d| d == SERVER_ALLOCATIONS_PER_REQUEST),
        "allocations per keep-alive request: {deltas:?}"
    );
    server.shutdown().unwrap();
}

#[test]
fn pipelined_request_costs_the_pinned_allocations() {
    let counts = counts();
    let server = serve(counts);
    let mut c = TcpStream::connect(server.local_addr()).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    // Everything in batches of 16 (the first one is the warm-up: the transmit buffer grows
    // to hold a batch's responses).
    let mut left = WARM_UP + REQUESTS + 1;
    while left > 0 {
        let n = left.min(16);
        c.write_all(&REQUEST.repeat(n)).unwrap();
        read_responses(&mut c, n);
        left -= n;
    }
    let deltas = per_request(counts, WARM_UP);
    assert!(
        deltas.iter().all(|&d| d == SERVER_ALLOCATIONS_PER_REQUEST),
        "allocations per pipelined request: {deltas:?}"
    );
    server.shutdown().unwrap();
}

/// What an HTTP/2 request costs the server's loop thread: the same handler, our client
/// sending the requests one after another on one h2c connection.
/// The received head is copied into the request and given back to the engine
/// (`Connection::recycle_head`), whose next head reuses it.
const H2_SERVER_ALLOCATIONS_PER_REQUEST: u64 = 0;
/// Past proto-h2's `Limits::max_closed_remembered` (1024) streams, where its memory of closed
/// streams stops growing.
const H2_WARM_UP: usize = 1100;

#[test]
fn h2_request_costs_the_pinned_allocations() {
    use runtime_mio::client::{Client, ClientConfig, Request as ClientRequest, Wait};
    let counts = counts();
    let server = serve(counts);
    let client = Client::new(ClientConfig {
        h2_prior_knowledge: true,
        ..ClientConfig::default()
    })
    .unwrap();
    let url = format!("http://{}/index.html?q=1", server.local_addr());
    for _ in 0..=H2_WARM_UP + REQUESTS {
        let req = ClientRequest::get(&url)
            .unwrap()
            .header("user-agent", "alloc-test")
            .header("cookie", "session=0123456789abcdef; theme=dark");
        let mut resp = client.request(req).unwrap();
        let mut body = Vec::new();
        while let Some(c) = resp.body().chunk(Wait::Block).unwrap() {
            body.extend_from_slice(&c);
        }
        assert_eq!(body, BODY);
    }
    assert_eq!(client.pool_stats().opened, 1);
    let deltas = per_request(counts, H2_WARM_UP);
    assert!(
        deltas
            .iter()
            .all(|&d| d == H2_SERVER_ALLOCATIONS_PER_REQUEST),
        "allocations per HTTP/2 request: {deltas:?}"
    );
    server.shutdown().unwrap();
}
