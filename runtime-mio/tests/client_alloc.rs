//! Heap allocations of one client request on an open connection, counted across the whole
//! process (the caller's thread and the client's event-loop thread) by a counting allocator:
//! once the connection and the pool are warm, a small GET read to its end costs a pinned
//! number of allocations over HTTP/1.1 keep-alive and over h2c (see the constants for what
//! they are and why they stay), through `Client::request` and through a `LocalQueue` (the
//! completion queue whose thread runs the loop, as `benches`' `client_load --local`).
//!
//! The server is ours, in this process, on one loop thread: its own cost per request is
//! pinned at zero by `alloc_per_request.rs` (HTTP/1.1 after a few requests, HTTP/2 after
//! `H2_WARM_UP`), so whatever the process allocates per request here is the client's. One
//! test in this binary, so no other test's threads allocate meanwhile.

use std::time::Duration;

use runtime_mio::client::{Client, ClientConfig, LocalQueue, Request, Wait};
use runtime_mio::server::{Response, Server, ServerConfig};
use test_support::alloc::{CountingAllocator, process_allocations};

#[global_allocator]
static ALLOC: CountingAllocator = CountingAllocator::new();

/// Requests measured after the warm-up.
const MEASURED: usize = 64;
/// Past proto-h2's memory of closed streams (`Limits::max_closed_remembered`, 1024), on
/// both sides, and past the pool's and buffers' first growth.
const WARM_UP: usize = 1100;

const BODY: &[u8] = b"Hello, World!";

/// What one request costs over HTTP/1.1 keep-alive (33 before the head's fields went into
/// one buffer, the redirect loop stopped copying the request and the loop stopped boxing an
/// iterator per turn; 18 before the inbox kept its buffer, the field list went on the stack
/// and the body queue held its first chunk in place; 15 before the connection kept the `Host`
/// authority, formatted once, instead of each request; 14 before the usual methods' names
/// were borrowed, not copied; 13 before the URL's origin moved into the route and back
/// instead of being copied for the pool's key; 12 before the cancel signal was made only
/// when a handle is taken; 11 before the target moved into the prepared request and back;
/// 10 before the head's fields and where they end went into one buffer; 9 before the default
/// `Accept-Encoding` became a place among the fields instead of a field copied into them).
///
/// On the caller's thread, 4:
/// - the request as the caller builds it: the URL's host and target: 2;
/// - `Client::send`: the `Arc` the request crosses to the loop thread in: 1;
/// - the `Exchange` both threads share (`Arc`): 1.
///
/// On the client's loop thread, 2:
/// - the response head's fields, with their lengths, in one buffer (`Fields`): 1;
/// - the body chunk copied out of the engine's buffer into the `Bytes` the caller reads: 1.
///
/// They stay for now because each would need a shared or reused home: the request's strings
/// come from the caller, the `Arc` is what lets a redirect or a retry send the request again, and the
/// head and the body chunk leave the engine's buffer, which the next bytes overwrite.
const H1_ALLOCATIONS_PER_REQUEST: u64 = 6;

/// What one request costs over h2c (8 before the decoded head went back to proto-h2 for the
/// next one; 40 before; 22 before the inbox kept its buffer, names
/// were lowered without a copy when they can be, the field list went on the stack and the
/// body queue held its first chunk in place; 17 before the connection kept the `:authority`,
/// 16 before the method's name was borrowed, 15 before the origin moved into the route, 14
/// before the cancel signal was made only on demand, 13 before the target moved, 12 before
/// `Fields` was one buffer, 11 before the default `Accept-Encoding` stopped being copied into
/// the fields). The caller's 4 as over HTTP/1.1; on the loop thread 2: the head's `Fields`:
/// 1; the DATA payload copied into proto-h2's receive buffer: 1. (proto-h2's decoded head,
/// its `Box` and its field buffer, is given back with `recycle_head` once copied, and the
/// next head is decoded into it.)
const H2_ALLOCATIONS_PER_REQUEST: u64 = 6;

/// What one request costs through a [`LocalQueue`] (the client's loop on the caller's
/// thread), one in flight at a time, over HTTP/1.1 keep-alive: 7 (10 before the default
/// `Accept-Encoding` stopped being copied into the fields). The six of `Client::request`
/// (`H1_ALLOCATIONS_PER_REQUEST`): the URL's host and target: 2; the prepared request's `Arc` (the connection and the pending
/// entry share it; the target goes back into the response's URL from it): 1; the
/// `Exchange`: 1; the head's `Fields`: 1; the body chunk: 1; and the list of completions
/// `LocalQueue::wait` returns (one per wait, however many it hands over): 1.
const LOCAL_H1_ALLOCATIONS_PER_REQUEST: u64 = 7;

/// The same over h2c: 7 (9 before the decoded head was given back, 12 before), the 6 of `Client::request` over h2c (`H2_ALLOCATIONS_PER_REQUEST`)
/// and the wait's list.
const LOCAL_H2_ALLOCATIONS_PER_REQUEST: u64 = 7;

/// What one request costs through a [`LocalQueue`] whose body is counted and dropped
/// (`LocalQueue::submit_discard`, as `wire bench` sends): over HTTP/1.1 the body is counted
/// where it lies in the connection's receive buffer, so the chunk copied out of it for a
/// reader is not made: 6, one less than `LOCAL_H1_ALLOCATIONS_PER_REQUEST` (7 before the
/// count stopped taking a copy).
const LOCAL_H1_DISCARD_ALLOCATIONS_PER_REQUEST: u64 = 6;

/// The same over h2c: as `LOCAL_H2_ALLOCATIONS_PER_REQUEST`, since the DATA payload
/// proto-h2 hands over is already a chunk of its own (the copy into its receive buffer).
const LOCAL_H2_DISCARD_ALLOCATIONS_PER_REQUEST: u64 = LOCAL_H2_ALLOCATIONS_PER_REQUEST;

/// Sends `count` GETs to `url` one after another through `q`, each completed with its
/// whole body, which is read (`discard` false) or was counted and dropped (`discard`).
fn local_requests(q: &mut LocalQueue, url: &str, count: usize, body: &mut Vec<u8>, discard: bool) {
    for _ in 0..count {
        let req = Request::get(url).unwrap();
        if discard {
            q.submit_discard(req).unwrap();
        } else {
            q.submit(req, 1024).unwrap();
        }
        let mut done = Vec::new();
        while done.is_empty() {
            done = q.wait(Wait::Block);
        }
        assert_eq!(done.len(), 1);
        let mut resp = done.pop().unwrap().result.unwrap();
        drop(done);
        assert_eq!(resp.status(), 200);
        body.clear();
        while let Some(c) = resp.body().chunk(Wait::NoWait).unwrap() {
            body.extend_from_slice(&c);
        }
        if discard {
            assert!(body.is_empty());
            assert_eq!(resp.body().discarded(), BODY.len() as u64);
        } else {
            assert_eq!(body, BODY);
        }
    }
}

/// Sends `count` GETs to `url` one after another, each read to its end.
fn requests(client: &Client, url: &str, count: usize, body: &mut Vec<u8>) {
    for _ in 0..count {
        let mut resp = client.request(Request::get(url).unwrap()).unwrap();
        assert_eq!(resp.status(), 200);
        body.clear();
        while let Some(c) = resp.body().chunk(Wait::Block).unwrap() {
            body.extend_from_slice(&c);
        }
        assert_eq!(body, BODY);
    }
}

/// What the process allocates once the client's loop thread has finished with the last
/// exchange (it hands the connection back to the pool after the caller has read the end of
/// the body, so a reading taken at once may count that against the next request).
fn settled_allocations() -> u64 {
    std::thread::sleep(Duration::from_millis(100));
    process_allocations()
}

/// The allocations of `MEASURED` requests to `url` after `WARM_UP` ones, in all, and each
/// request's own count (which may show one allocation moved between neighbours, see
/// [`settled_allocations`]); all on one connection.
fn per_request(client: &Client, url: &str) -> (u64, Vec<u64>) {
    let mut body = Vec::with_capacity(64);
    requests(client, url, WARM_UP, &mut body);
    let mut each = Vec::with_capacity(MEASURED);
    let start = process_allocations();
    let mut before = start;
    for _ in 0..MEASURED {
        requests(client, url, 1, &mut body);
        let now = process_allocations();
        each.push(now - before);
        before = now;
    }
    let total = settled_allocations() - start;
    assert_eq!(client.pool_stats().opened, 1);
    (total, each)
}

#[test]
fn a_request_on_an_open_connection_costs_the_pinned_allocations() {
    let server = Server::bind(
        "127.0.0.1:0".parse().unwrap(),
        ServerConfig {
            threads: 1,
            ..ServerConfig::default()
        },
        |_| Response::new(200).with_body(bytes::Bytes::from_static(BODY)),
    )
    .unwrap();
    let url = format!("http://{}/index.html?q=1", server.local_addr());
    for (h2, pinned) in [
        (false, H1_ALLOCATIONS_PER_REQUEST),
        (true, H2_ALLOCATIONS_PER_REQUEST),
    ] {
        let client = Client::new(ClientConfig {
            h2_prior_knowledge: h2,
            ..ClientConfig::default()
        })
        .unwrap();
        let (total, each) = per_request(&client, &url);
        assert_eq!(
            total,
            pinned * MEASURED as u64,
            "h2 {h2}: allocations per request {each:?}"
        );
    }
    for (h2, discard, pinned) in [
        (false, false, LOCAL_H1_ALLOCATIONS_PER_REQUEST),
        (true, false, LOCAL_H2_ALLOCATIONS_PER_REQUEST),
        (false, true, LOCAL_H1_DISCARD_ALLOCATIONS_PER_REQUEST),
        (true, true, LOCAL_H2_DISCARD_ALLOCATIONS_PER_REQUEST),
    ] {
        let mut q = LocalQueue::new(ClientConfig {
            h2_prior_knowledge: h2,
            ..ClientConfig::default()
        })
        .unwrap();
        let mut body = Vec::with_capacity(64);
        local_requests(&mut q, &url, WARM_UP, &mut body, discard);
        let mut each = Vec::with_capacity(MEASURED);
        let start = process_allocations();
        let mut before = start;
        for _ in 0..MEASURED {
            local_requests(&mut q, &url, 1, &mut body, discard);
            let now = process_allocations();
            each.push(now - before);
            before = now;
        }
        // Nothing runs between waits: no other thread of the client allocates after.
        let total = process_allocations() - start;
        assert_eq!(q.pool_stats().opened, 1);
        assert_eq!(
            total,
            pinned * MEASURED as u64,
            "local queue, h2 {h2}, discard {discard}: allocations per request {each:?}"
        );
    }
    server.shutdown().unwrap();
}
