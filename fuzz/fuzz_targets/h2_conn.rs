//! The HTTP/2 connection in both roles, driven by arbitrary operation sequences through the
//! in-memory pair: application commands, raw bytes injected either way, corruption in flight,
//! and clock jumps (fixed steps, or to the next deadline, with short idle, keep-alive and stall
//! timeouts when the input asks for them). Invariants: any input gives `Ok` or a typed error,
//! never a panic, flow-control windows stay within their bounds, and the heap both connections
//! hold after each operation is at most twice their unread body bytes plus a small constant
//! (the "Memory bounds" of `Connection`, checked with a counting allocator; the application's
//! bodies are static, so all the heap measured is the engine's).
#![no_main]

use arbitrary::Arbitrary;
use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use proto_h2::conn::{Config, Connection, Event, Request};
use proto_h2::frame::{ErrorCode, StreamId};
use proto_h2::pair::Pair;
use std::time::{Duration, Instant};
use test_support::alloc::{CountingAllocator, Measure};

#[global_allocator]
static ALLOC: CountingAllocator = CountingAllocator::new();

/// The bodies the application sends: static, so that they are not counted as the engine's.
static BODY: [u8; 1 << 16] = [0; 1 << 16];

/// Heap two connections may hold besides their unread body bytes: HPACK tables, the partial
/// frame buffers, output queued for the other side, events and streams. A DATA frame that kept
/// its whole read alive would exceed it within a few operations of fuzz-sized reads.
const HELD_BASE: i64 = 64 * 1024;
/// And per operation (each may open a stream or queue a little output; the output buffers
/// keep their capacity).
const HELD_PER_OP: i64 = 1024;
/// And once: each side's HPACK encoder starts with small lookup caches (1 KiB) and rebuilds
/// them at their full size (two caches of 2 x 1,024 `u32` ways: 16 KiB, `SETS` in
/// `proto-h2/src/hpack/encoder.rs`) the first time its table holds more than 256 octets.
/// That growth used to happen in the setup, which is not measured, before the caches started
/// small; it is a fixed maximum per connection, not a growth with the input.
const HELD_HPACK_CACHES: i64 = 2 * 16 * 1024;

/// What an operation may add to the heap held: a `BigHead` queues a head of up to a header
/// list's size in the output buffer, which grows by doubling and keeps its capacity.
fn allowance(op: &Op) -> i64 {
    match op {
        Op::BigHead { .. } => HELD_PER_OP + 2 * (LIST_SCALE as i64 + 256),
        _ => HELD_PER_OP,
    }
}

/// Unread body bytes of every stream the operations can reach, on both sides.
fn unread(p: &Pair) -> i64 {
    let mut n = 0;
    for c in [&p.client, &p.server] {
        for id in 1..=64 {
            n += c.buffered(StreamId::new(id)) as i64;
        }
    }
    n
}

#[derive(Arbitrary, Debug)]
enum Op {
    Request {
        path: u8,
        end: bool,
    },
    Respond {
        stream: u8,
        status: u16,
        end: bool,
    },
    Data {
        client: bool,
        stream: u8,
        len: u16,
        end: bool,
    },
    Trailers {
        client: bool,
        stream: u8,
    },
    Reset {
        client: bool,
        stream: u8,
        code: u8,
    },
    Ping {
        client: bool,
    },
    GoAway {
        client: bool,
    },
    Push {
        stream: u8,
    },
    Read {
        client: bool,
        stream: u8,
    },
    Step,
    Drive,
    Jump {
        ms: u16,
    },
    /// Jump to the earliest deadline of either side and fire it.
    NextDeadline,
    /// A request or response with one field of `len` bytes (against the peer's
    /// SETTINGS_MAX_HEADER_LIST_SIZE).
    BigHead {
        client: bool,
        stream: u8,
        len: u16,
    },
    Inject {
        to_server: bool,
        bytes: Vec<u8>,
    },
    Corrupt {
        at: u16,
        xor: u8,
    },
}

fn id(n: u8) -> StreamId {
    StreamId::new(u32::from(n % 16) * 2 + 1)
}

fn side(p: &mut Pair, client: bool) -> &mut Connection {
    if client { &mut p.client } else { &mut p.server }
}

/// Header lists are fuzzed at a smaller scale than the defaults (64 KiB): the limit checks are
/// the same code at any size, and HPACK-coding 64 KiB strings through the coverage
/// instrumentation made most inputs cost milliseconds (about 2,300 inputs/s against 140,000
/// for `h1_conn`). Each side's own limit and the SETTINGS_MAX_HEADER_LIST_SIZE it may advertise
/// stay below this, and `BigHead` fields reach just past it.
const LIST_SCALE: usize = 4096;

fuzz_target!(|input: (bool, bool, Option<u16>, Vec<Op>)| {
    let (push, timers, max_list, ops) = input;
    let mut ccfg = Config::client();
    let mut scfg = Config::server();
    for c in [&mut ccfg, &mut scfg] {
        c.limits.max_header_list_size = LIST_SCALE;
    }
    if push {
        ccfg.settings.push((proto_h2::settings::id::ENABLE_PUSH, 1));
    }
    if let Some(n) = max_list {
        let id = proto_h2::settings::id::MAX_HEADER_LIST_SIZE;
        let n = u32::from(n) % (LIST_SCALE as u32 + 1);
        scfg.settings.push((id, n));
        ccfg.settings.push((id, n));
    }
    if timers {
        // Short timers, so that the jumps below reach them.
        for c in [&mut ccfg, &mut scfg] {
            c.idle_timeout = Some(Duration::from_secs(5));
            c.keepalive_interval = Some(Duration::from_secs(2));
            c.keepalive_timeout = Duration::from_secs(1);
            c.limits.stall_timeout = Some(Duration::from_secs(7));
            c.limits.stream_stall_timeout = Some(Duration::from_secs(3));
        }
    }
    let mut p = Pair::new(Instant::now(), ccfg, scfg);
    let corrupt = std::rc::Rc::new(std::cell::Cell::new(None::<(u16, u8)>));
    let c2 = corrupt.clone();
    p.set_hook(move |_, bytes| {
        if let Some((at, xor)) = c2.take() {
            let len = bytes.len();
            if len > 0 {
                bytes[at as usize % len] ^= xor;
            }
        }
    });
    // Measured from here: the connections' own setup is not counted, and the operations are
    // walked by reference so that freeing the input does not offset what the engine holds.
    let m = Measure::start();
    let mut allowed = HELD_BASE + HELD_HPACK_CACHES;
    for op in ops.iter().take(64) {
        allowed += allowance(op);
        match *op {
            Op::Request { path, end } => {
                let path = [b'/', path];
                let _ = p
                    .client
                    .send_request(&Request::get(b"http", b"fuzz", &path), end);
            }
            Op::Respond {
                stream,
                status,
                end,
            } => {
                let _ = p
                    .server
                    .send_response(id(stream), status, &[(b"x", b"y")], end);
            }
            Op::Data {
                client,
                stream,
                len,
                end,
            } => {
                let body = Bytes::from_static(&BODY[..len as usize]);
                let _ = side(&mut p, client).send_data(id(stream), body, end);
            }
            Op::Trailers { client, stream } => {
                let _ = side(&mut p, client).send_trailers(id(stream), &[(b"t", b"1")]);
            }
            Op::Reset {
                client,
                stream,
                code,
            } => {
                let _ = side(&mut p, client).reset(id(stream), ErrorCode(u32::from(code)));
            }
            Op::Ping { client } => {
                let _ = side(&mut p, client).ping(*b"fuzzping");
            }
            Op::GoAway { client } => {
                let _ = side(&mut p, client).go_away(ErrorCode::NO_ERROR);
            }
            Op::Push { stream } => {
                let _ = p
                    .server
                    .push_promise(id(stream), &Request::get(b"http", b"fuzz", b"/p"));
            }
            Op::Read { client, stream } => {
                while side(&mut p, client).read_data(id(stream)).is_some() {}
            }
            Op::Step => {
                p.step();
            }
            Op::Drive => {
                p.drive();
            }
            Op::Jump { ms } => {
                p.now += Duration::from_millis(u64::from(ms) * 100);
                let _ = p.client.handle_timeout(p.now);
                let _ = p.server.handle_timeout(p.now);
            }
            Op::NextDeadline => {
                p.jump();
            }
            Op::BigHead {
                client,
                stream,
                len,
            } => {
                let value = vec![b'v'; usize::from(len) % (LIST_SCALE + 256)];
                let field: &[(&[u8], &[u8])] = &[(b"x-big", &value)];
                if client {
                    let req = Request {
                        headers: field,
                        ..Request::get(b"http", b"fuzz", b"/big")
                    };
                    let _ = p.client.send_request(&req, true);
                } else {
                    let _ = p.server.send_response(id(stream), 200, field, false);
                }
            }
            Op::Inject {
                to_server,
                ref bytes,
            } => {
                let now = p.now;
                let _ = side(&mut p, !to_server).recv(now, bytes);
            }
            Op::Corrupt { at, xor } => corrupt.set(Some((at, xor))),
        }
        for c in [&p.client, &p.server] {
            assert!(c.connection_recv_window() >= 0);
            assert!(i64::from(c.connection_send_window()) <= i64::from(i32::MAX));
        }
        for e in p.client_events.drain(..).chain(p.server_events.drain(..)) {
            if let Event::Data { len, .. } = e {
                assert!(len <= 1 << 24);
            }
        }
        // Output the application queued (request heads, say) is its own memory, not held
        // for the peer: the bound is checked when neither side has output pending.
        if !p.client.wants_write() && !p.server.wants_write() {
            check_held(&m, &p, allowed);
        }
    }
    p.drive();
    p.client_events.clear();
    p.server_events.clear();
    if !p.client.wants_write() && !p.server.wants_write() {
        check_held(&m, &p, allowed + HELD_PER_OP);
    }
});

/// The heap held since `m` started is within twice the unread body bytes plus what the
/// operations so far were allowed.
fn check_held(m: &Measure, p: &Pair, allowed: i64) {
    let held = m.stats().live_bytes;
    let unread = unread(p);
    let bound = 2 * unread + allowed;
    assert!(
        held <= bound,
        "{held} bytes held for {unread} unread, bound {bound}"
    );
}
