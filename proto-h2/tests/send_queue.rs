//! The bounded send queue and send readiness (issue 12): `send_data` takes at most
//! `Limits::max_send_queue` bytes beyond what the windows let go and says how much it took;
//! `Event::SendReady` says when a window opened room again. A handler streams a large body
//! in bounded memory.

use bytes::Bytes;
use proto_h2::conn::{Config, Connection, Event, Request};
use proto_h2::frame::{Builder, StreamId, flag, kind};
use proto_h2::hpack::Encoder;
use proto_h2::pair::Pair;
use proto_h2::settings::id;
use std::time::Instant;
use test_support::alloc::{CountingAllocator, Measure};

mod support;
use support::{handshaken, settings_frame, transmit_all, wu};

#[global_allocator]
static ALLOC: CountingAllocator = CountingAllocator::new();

/// A request HEADERS on `stream`.
fn request(stream: u32, end_stream: bool) -> Vec<u8> {
    let mut block = Vec::new();
    Encoder::new().encode(
        [
            (&b":method"[..], &b"GET"[..]),
            (b":scheme", b"http"),
            (b":authority", b"a"),
            (b":path", b"/"),
        ],
        &mut block,
    );
    let fl = flag::END_HEADERS | if end_stream { flag::END_STREAM } else { 0 };
    Builder::new(kind::HEADERS, stream)
        .flags(fl)
        .payload(&block)
        .build()
}

/// A server (queue limit `limit`) with a request on stream 1 answered by a head: the
/// peer's windows are the default 65 535 bytes.
fn answered(limit: usize) -> (Connection, Instant, StreamId) {
    let now = Instant::now();
    let mut cfg = Config::server();
    cfg.limits.max_send_queue = limit;
    let mut s = handshaken(cfg, now);
    s.recv(now, &request(1, true)).unwrap();
    while s.poll_event().is_some() {}
    let id = StreamId::new(1);
    s.send_response(id, 200, &[], false).unwrap();
    transmit_all(&mut s, now);
    (s, now, id)
}

fn send_ready(s: &mut Connection) -> Vec<StreamId> {
    std::iter::from_fn(|| s.poll_event())
        .filter_map(|e| match e {
            Event::SendReady { stream } => Some(stream),
            _ => None,
        })
        .collect()
}

#[test]
fn send_data_takes_the_windows_plus_the_queue_limit_and_says_how_much() {
    let (mut s, now, id) = answered(1000);
    assert_eq!(s.send_room(id), 65_535 + 1000);
    let body = Bytes::from(vec![1u8; 100_000]);
    let n = s.send_data(id, body.clone(), true).unwrap();
    assert_eq!(n, 65_535 + 1000);
    assert_eq!(s.send_room(id), 0);
    // Nothing more fits, and the end of the stream was not taken with a partial body.
    assert_eq!(s.send_data(id, body.slice(n..), true).unwrap(), 0);
    let wire = transmit_all(&mut s, now);
    assert!(wire.len() > 65_535 && wire.len() < 65_535 + 1000);
    // The window is spent: the 1000 queued bytes wait, and no more is taken.
    assert_eq!(s.send_room(id), 0);
    assert!(s.stream_state(id).unwrap().can_send());
}

#[test]
fn a_stream_window_update_alone_does_not_wake_a_stream_held_by_the_connection_window() {
    let (mut s, now, id) = answered(0);
    let body = Bytes::from(vec![1u8; 100_000]);
    let n = s.send_data(id, body.clone(), true).unwrap();
    assert_eq!(n, 65_535);
    transmit_all(&mut s, now);
    assert!(send_ready(&mut s).is_empty());
    // The stream's window opens, the connection's is still closed: no room.
    s.recv(now, &wu(1, 5000)).unwrap();
    assert!(send_ready(&mut s).is_empty());
    assert_eq!(s.send_room(id), 0);
    // The connection's opens: room, reported once.
    s.recv(now, &wu(0, 500)).unwrap();
    assert_eq!(send_ready(&mut s), vec![id]);
    assert_eq!(s.send_room(id), 500);
    s.recv(now, &wu(0, 500)).unwrap();
    assert!(
        send_ready(&mut s).is_empty(),
        "one event per short send_data"
    );
    // The rest, with the end of the stream, once it fits.
    let rest = body.slice(n..);
    assert_eq!(s.send_data(id, rest.slice(..1000), false).unwrap(), 1000);
    assert_eq!(s.send_data(id, rest.slice(1000..), true).unwrap(), 0);
    s.recv(now, &wu(0, 1 << 20)).unwrap();
    s.recv(now, &wu(1, 1 << 20)).unwrap();
    assert_eq!(send_ready(&mut s), vec![id]);
    assert_eq!(
        s.send_data(id, rest.slice(1000..), true).unwrap(),
        rest.len() - 1000
    );
    transmit_all(&mut s, now);
    assert_eq!(s.stream_state(id), None, "the stream ended and is gone");
}

#[test]
fn a_larger_initial_window_wakes_blocked_streams() {
    let (mut s, now, id) = answered(0);
    s.recv(now, &wu(0, 1 << 20)).unwrap();
    assert_eq!(
        s.send_data(id, Bytes::from(vec![0u8; 70_000]), true)
            .unwrap(),
        65_535
    );
    transmit_all(&mut s, now);
    assert!(send_ready(&mut s).is_empty());
    s.recv(
        now,
        &settings_frame(&[(id::INITIAL_WINDOW_SIZE, 65_535 + 10)]),
    )
    .unwrap();
    assert_eq!(send_ready(&mut s), vec![id]);
    assert_eq!(s.send_room(id), 10);
}

#[test]
fn notify_send_ready_reports_room_now_or_when_it_opens() {
    let (mut s, now, id) = answered(0);
    // Room now: the event comes at once.
    s.notify_send_ready(id).unwrap();
    assert_eq!(send_ready(&mut s), vec![id]);
    assert_eq!(
        s.send_data(id, Bytes::from(vec![0u8; 65_535]), false)
            .unwrap(),
        65_535
    );
    transmit_all(&mut s, now);
    s.notify_send_ready(id).unwrap();
    assert!(send_ready(&mut s).is_empty());
    s.recv(now, &wu(1, 100)).unwrap();
    s.recv(now, &wu(0, 100)).unwrap();
    assert_eq!(send_ready(&mut s), vec![id]);
}

/// A handler writes a 100 MiB body in 64 KiB chunks, respecting what `send_data` takes and
/// waiting for `Event::SendReady`. While the client does not read (its 64 KiB windows are
/// closed) the heap stays bounded by the queue limit, and the whole body arrives once it reads.
#[test]
fn a_100_mib_body_streams_in_bounded_memory() {
    const TOTAL: usize = 100 << 20;
    const CHUNK: usize = 64 << 10;
    let mut client = Config::client();
    client.settings = vec![(id::INITIAL_WINDOW_SIZE, 65_535)];
    client.connection_window = 65_535;
    let server = Config::server();
    let limit = server.limits.max_send_queue;
    let mut p = Pair::new(Instant::now(), client, server);
    let id = p
        .client
        .send_request(&Request::get(b"http", b"a", b"/big"), true)
        .unwrap();
    p.drive();
    p.server.send_response(id, 200, &[], false).unwrap();

    let m = Measure::start();
    let mut left = TOTAL; // bytes the handler has not produced yet
    let mut pending: Option<Bytes> = None; // produced, not yet taken
    let mut ended = false;
    // The handler: writes until `send_data` takes less than offered.
    let feed = |c: &mut Connection, left: &mut usize, pending: &mut Option<Bytes>| loop {
        let chunk = match pending.take() {
            Some(c) => c,
            None if *left == 0 => return true,
            None => {
                let n = CHUNK.min(*left);
                *left -= n;
                Bytes::from(vec![0xA5u8; n])
            }
        };
        let last = *left == 0;
        let took = c.send_data(id, chunk.clone(), last).unwrap();
        if took < chunk.len() {
            *pending = Some(chunk.slice(took..));
            return false;
        }
        if last {
            return true;
        }
    };
    assert!(!feed(&mut p.server, &mut left, &mut pending));
    // The client does not read: its windows stay closed, the handler stays blocked. (The
    // pair's event logs are emptied at each step: they are the test's, not the engine's.)
    for _ in 0..20 {
        p.step();
        assert!(
            !p.server_events
                .iter()
                .any(|e| matches!(e, Event::SendReady { .. }))
        );
        p.server_events.clear();
        p.client_events.clear();
        assert_eq!(p.server.send_room(id), 0);
    }
    let blocked = m.stats();
    let bound = (limit + 4 * CHUNK + (256 << 10)) as i64;
    assert!(
        blocked.peak_bytes < bound,
        "peak {} while blocked, bound {bound}",
        blocked.peak_bytes
    );
    assert!(
        left > TOTAL - 2 * (limit + CHUNK),
        "the handler was held back"
    );

    // The client reads: credit returns, SendReady wakes the handler until the body is done.
    let mut got = 0usize;
    let mut steps = 0;
    let mut finished = false;
    while !(ended && got == TOTAL && finished) {
        steps += 1;
        assert!(steps < 100_000, "stuck at {got} bytes");
        p.step();
        while let Some(b) = p.client.read_data(id) {
            assert!(b.iter().all(|&x| x == 0xA5));
            got += b.len();
        }
        let woke = p
            .server_events
            .iter()
            .any(|e| matches!(e, Event::SendReady { stream } if *stream == id));
        finished |= p.client_events.iter().any(|e| {
            matches!(e,
            Event::Data { stream, end_stream: true, .. } if *stream == id)
        });
        p.server_events.clear();
        p.client_events.clear();
        if woke && !ended {
            ended = feed(&mut p.server, &mut left, &mut pending);
        }
    }
    assert!(finished, "the client saw the end of the body");
    let all = m.stats();
    assert!(
        all.peak_bytes < bound,
        "peak {} over the whole body, bound {bound}",
        all.peak_bytes
    );
    assert!(p.server_error.is_none() && p.client_error.is_none());
}
