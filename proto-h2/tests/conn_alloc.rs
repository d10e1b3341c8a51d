//! Allocations of an HTTP/2 [`Connection`] per request on an open connection, after warm-up:
//! a client request (head only), the server's response head and a small DATA frame, carried
//! through both connections and read by the application. Counted with the counting allocator
//! of `test-support` (per thread).
//!
//! The test pins the count, so any new allocation on this path fails it and any removed one
//! must lower the pin. Itemised (with a backtrace per allocation), both connections together:
//!
//! | # | where | what | why it stays |
//! |---|-------|------|--------------|
//! | 1-2 | server, `decode_block` + `on_request` | the request `Head`: its field buffer (copied out of the scratch head at its exact size) and the `Box<Head>` of [`Event::Request`] | the event hands the head to the application, which owns it and may keep it past the stream |
//! | 3-4 | client, `decode_block` + `on_stream_head` | the response `Head`, likewise, for [`Event::Response`] | as above |
//! | 5 | client, `recv` of DATA (`src/recvbuf.rs`) | the receive buffer of the 11-byte payload, handed out by `read_data` as its `Bytes` | the `Bytes` is the application's to keep, so its memory cannot be reused |
//!
//! An application that gives each head back with [`Connection::recycle_head`] (as the
//! runtime's server does) also avoids 1-4: the next head is copied into a given-back one
//! (second test, pinned at 1).
//!
//! Removed (17 before, 5 now):
//! - the `Vec` that `send_request` and `send_response` gathered the fields in (2): the fields
//!   are chained from the caller's slices (only a non-empty `Config::header_order` still
//!   sorts a copy);
//! - the growth of each decoded head's buffers by doubling (6 for the request, 3 for the
//!   response): heads are decoded into a scratch head the connection keeps (up to 4 KiB) and
//!   copied out at their exact size;
//! - the separate field index of each head (2): a `Fields` keeps each field's lengths in its
//!   one buffer, before the name;
//! - the server stream's send queue (`VecDeque<Bytes>`) allocated by the first `send_data`
//!   (1): a new stream takes one of the emptied queues of dropped streams (at most 8 kept,
//!   each at most 1 KiB).
//!
//! Stream table entries and the closed-stream memory allocate nothing here: their tables
//! keep their capacity once warmed up.

use bytes::Bytes;
use proto_h2::conn::{Config, Connection, Event, Request, Role};
use std::time::Instant;
use test_support::alloc::{CountingAllocator, Measure};

#[global_allocator]
static ALLOC: CountingAllocator = CountingAllocator::new();

fn flush(from: &mut Connection, to: &mut Connection, now: Instant, out: &mut Vec<u8>) {
    loop {
        out.clear();
        let payload = from.poll_transmit(now, out);
        if !out.is_empty() {
            to.recv(now, out).unwrap();
        }
        match payload {
            Some(p) => {
                to.recv(now, &p).unwrap();
            }
            None if out.is_empty() => return,
            None => {}
        }
    }
}

/// One request/response exchange; returns the body bytes the client read.
fn exchange(c: &mut Connection, s: &mut Connection, now: Instant, out: &mut Vec<u8>) -> usize {
    exchange_with(c, s, now, out, false)
}

/// One exchange; with `recycle`, both applications give their heads back
/// ([`Connection::recycle_head`]).
fn exchange_with(
    c: &mut Connection,
    s: &mut Connection,
    now: Instant,
    out: &mut Vec<u8>,
    recycle: bool,
) -> usize {
    let req = Request {
        headers: &[(b"accept", b"*/*"), (b"user-agent", b"test")],
        ..Request::get(b"https", b"example.com", b"/index.html")
    };
    let id = c.send_request(&req, true).unwrap();
    flush(c, s, now, out);
    let mut got = false;
    while let Some(ev) = s.poll_event() {
        if let Event::Request { stream, head, .. } = ev {
            assert_eq!(stream, id);
            assert_eq!(head.path(), Some(&b"/index.html"[..]));
            got = true;
            if recycle {
                s.recycle_head(head);
            }
        }
    }
    assert!(got);
    s.send_response(id, 200, &[(b"content-type", b"text/plain")], false)
        .unwrap();
    s.send_data(id, Bytes::from_static(b"hello world"), true)
        .unwrap();
    flush(s, c, now, out);
    let mut read = 0;
    while let Some(ev) = c.poll_event() {
        match ev {
            Event::Data { stream, .. } => {
                while let Some(b) = c.read_data(stream) {
                    read += b.len();
                }
            }
            Event::Response { head, .. } if recycle => {
                assert_eq!(head.status(), Some(200));
                c.recycle_head(head);
            }
            _ => {}
        }
    }
    flush(c, s, now, out);
    while s.poll_event().is_some() {}
    read
}

#[test]
fn allocations_per_request_after_warm_up_are_pinned() {
    let now = Instant::now();
    let mut c = Connection::new(Role::Client, Config::client(), now);
    let mut s = Connection::new(Role::Server, Config::server(), now);
    let mut out = Vec::with_capacity(64 * 1024);
    flush(&mut c, &mut s, now, &mut out);
    flush(&mut s, &mut c, now, &mut out);
    flush(&mut c, &mut s, now, &mut out);
    while c.poll_event().is_some() {}
    while s.poll_event().is_some() {}
    // Past `Limits::max_closed_remembered` (1024) closed streams, so the closed-stream memory
    // has stopped growing.
    for _ in 0..1500 {
        assert_eq!(exchange(&mut c, &mut s, now, &mut out), 11);
    }
    let rounds = 100;
    let m = Measure::start();
    for _ in 0..rounds {
        assert_eq!(exchange(&mut c, &mut s, now, &mut out), 11);
    }
    let stats = m.stats();
    assert_eq!(
        stats.allocations % rounds,
        0,
        "the same count every request"
    );
    assert_eq!(stats.allocations / rounds, PER_REQUEST);
}

/// See the module documentation for where they come from.
const PER_REQUEST: u64 = 5;

/// With both applications giving their heads back, only the DATA receive buffer is left
/// (allocations 1-4 of the module documentation reuse the given-back heads).
const PER_REQUEST_RECYCLING: u64 = 1;

#[test]
fn allocations_per_request_with_heads_given_back_are_pinned() {
    let now = Instant::now();
    let mut c = Connection::new(Role::Client, Config::client(), now);
    let mut s = Connection::new(Role::Server, Config::server(), now);
    let mut out = Vec::with_capacity(64 * 1024);
    flush(&mut c, &mut s, now, &mut out);
    flush(&mut s, &mut c, now, &mut out);
    flush(&mut c, &mut s, now, &mut out);
    while c.poll_event().is_some() {}
    while s.poll_event().is_some() {}
    for _ in 0..1500 {
        assert_eq!(exchange_with(&mut c, &mut s, now, &mut out, true), 11);
    }
    let rounds = 100;
    let m = Measure::start();
    for _ in 0..rounds {
        assert_eq!(exchange_with(&mut c, &mut s, now, &mut out, true), 11);
    }
    let stats = m.stats();
    assert_eq!(
        stats.allocations % rounds,
        0,
        "the same count every request"
    );
    assert_eq!(stats.allocations / rounds, PER_REQUEST_RECYCLING);
}
