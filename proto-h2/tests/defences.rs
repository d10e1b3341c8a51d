//! Connection defences and timers added for issue 5: floods of frames that do nothing, SETTINGS
//! with too many parameters, idle timeout, keep-alive, per-stream and connection stall
//! timeouts, the client's graceful GOAWAY, and the peer's SETTINGS_MAX_HEADER_LIST_SIZE on
//! what we send; and the budgets of PING, SETTINGS, connection WINDOW_UPDATE and GOAWAY
//! frames (security review item 10). Driven through raw frames or the in-memory [`Pair`] and its virtual clock.

use bytes::Bytes;
use proto_h2::conn::{Config, Connection, Event, GOAWAY_DEBUG_MAX, Limits, Request, Role};
use proto_h2::error::{Error, StreamError, UserError};
use proto_h2::frame::{self, Builder, ErrorCode, StreamId, flag, kind};
use proto_h2::pair::{Direction, Pair};
use proto_h2::settings::id;
use std::time::{Duration, Instant};

mod support;
use support::{goaways, handshaken, transmit_all};

// ------------------------------------------------------------------ helpers

fn server_with(cfg: Config) -> (Connection, Instant) {
    let now = Instant::now();
    (handshaken(cfg, now), now)
}

fn server() -> (Connection, Instant) {
    server_with(Config::server())
}

/// Everything `c` has to send, as one buffer.
fn drain(c: &mut Connection, now: Instant) -> Vec<u8> {
    transmit_all(c, now)
}

/// The connection ended with `code`: the error is sticky, the connection is over, and one
/// GOAWAY with `code` is what the peer got in `wire`.
#[track_caller]
fn assert_goaway(conn: &Connection, wire: &[u8], code: ErrorCode) {
    assert_eq!(
        conn.error().map(Error::code),
        Some(code),
        "connection error"
    );
    assert!(conn.is_closed(), "connection over");
    let codes: Vec<ErrorCode> = goaways(wire).iter().map(|&(_, c)| c).collect();
    assert_eq!(codes, vec![code], "GOAWAY sent");
}

/// A GET request HEADERS frame from a client (static table only, so any number of them can
/// be sent without an encoder).
fn request(id: u32, end_stream: bool) -> Vec<u8> {
    // :method GET, :scheme http, :path /, :authority "a" (literal without indexing).
    let block = [0x82, 0x86, 0x84, 0x01, 0x01, b'a'];
    let fl = flag::END_HEADERS | if end_stream { flag::END_STREAM } else { 0 };
    Builder::new(kind::HEADERS, id)
        .flags(fl)
        .payload(&block)
        .build()
}

fn get(p: &mut Pair, path: &'static [u8]) -> StreamId {
    p.client
        .send_request(&Request::get(b"http", b"example.com", path), true)
        .unwrap()
}

/// A server that queues a whole multi-megabyte body in one `send_data` (the stall tests
/// queue more than the client's window at once; the bounded send queue has its own tests in
/// `send_queue.rs`).
fn server_queueing_all() -> Config {
    let mut cfg = Config::server();
    cfg.limits.max_send_queue = 16 << 20;
    cfg
}

fn goaway_events(events: &[Event]) -> Vec<(u32, ErrorCode)> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::GoAway {
                last_stream, code, ..
            } => Some((last_stream.value(), *code)),
            _ => None,
        })
        .collect()
}

// ------------------------------------------------------------------ 1. floods of frames that do nothing

/// Sends `frame` `n` times one by one; returns the first error.
fn flood(s: &mut Connection, now: Instant, frame: &[u8], n: usize) -> Result<(), Error> {
    for _ in 0..n {
        s.recv(now, frame)?;
    }
    Ok(())
}

#[test]
fn priority_flood_is_cut_off_with_enhance_your_calm() {
    // PRIORITY for an idle stream: allowed by 5.1, and it does nothing here.
    let prio = Builder::new(kind::PRIORITY, 3)
        .u32(1)
        .payload(&[16])
        .build();
    let (mut s, now) = server();
    flood(&mut s, now, &prio, 1000).unwrap();
    let e = flood(&mut s, now, &prio, 1).unwrap_err();
    assert_eq!(
        e,
        Error::IgnoredFrameFlood {
            kind: kind::PRIORITY,
            frames: 1001,
            limit: 1000
        }
    );
    assert_eq!(
        goaways(&drain(&mut s, now)),
        vec![(0, ErrorCode::ENHANCE_YOUR_CALM)]
    );
}

#[test]
fn every_kind_of_ignored_frame_is_counted() {
    let unknown = Builder::new(0x20, 0).payload(b"whatever").build();
    let ping_ack = Builder::new(kind::PING, 0)
        .flags(flag::ACK)
        .payload(&[0; 8])
        .build();
    let settings_ack = Builder::new(kind::SETTINGS, 0).flags(flag::ACK).build();
    // Stream 1 is opened and closed below; late WINDOW_UPDATEs and RST_STREAMs on it do nothing.
    let wu_closed = Builder::new(kind::WINDOW_UPDATE, 1).u32(1).build();
    let rst_closed = Builder::new(kind::RST_STREAM, 1).u32(8).build();
    for (frame, k) in [
        (unknown, 0x20),
        (ping_ack, kind::PING),
        (settings_ack, kind::SETTINGS),
        (wu_closed, kind::WINDOW_UPDATE),
        (rst_closed, kind::RST_STREAM),
    ] {
        let (mut s, now) = server();
        s.recv(now, &request(1, true)).unwrap();
        s.send_response(StreamId::new(1), 204, &[], true).unwrap();
        drain(&mut s, now);
        assert_eq!(s.stream_state(StreamId::new(1)), None, "stream 1 closed");
        // 1000 are within the limit (stream 1 opened while the count was 0: no credit).
        let e = flood(&mut s, now, &frame, 1002).unwrap_err();
        assert!(
            matches!(e, Error::IgnoredFrameFlood { kind, limit: 1000, .. } if kind == k),
            "{k:#x}: {e:?}"
        );
        assert_eq!(e.code(), ErrorCode::ENHANCE_YOUR_CALM);
        let wire = drain(&mut s, now);
        assert_goaway(&s, &wire, ErrorCode::ENHANCE_YOUR_CALM);
    }
}

#[test]
fn headers_ignored_after_goaway_are_counted() {
    let (mut s, now) = server();
    s.go_away(ErrorCode::NO_ERROR).unwrap();
    let ack = Builder::new(kind::PING, 0)
        .flags(flag::ACK)
        .payload(b"h2-drain")
        .build();
    s.recv(now, &ack).unwrap();
    // Every new request is above the final GOAWAY (last stream 0): ignored, and counted.
    let mut res = Ok(0);
    for i in 0..1001u32 {
        res = s.recv(now, &request(1 + 2 * i, true));
        if res.is_err() {
            break;
        }
    }
    assert!(matches!(
        res,
        Err(Error::IgnoredFrameFlood {
            kind: kind::HEADERS,
            ..
        })
    ));
}

#[test]
fn ignored_frames_are_counted_per_window() {
    let prio = Builder::new(kind::PRIORITY, 3)
        .u32(1)
        .payload(&[16])
        .build();
    let (mut s, mut now) = server();
    for _ in 0..5 {
        flood(&mut s, now, &prio, 900).unwrap();
        now += Duration::from_secs(10);
    }
    assert!(s.error().is_none());
}

#[test]
fn each_stream_forgives_one_ignored_frame() {
    // A browser-like client: one PRIORITY per request, far more requests than the limit.
    let (mut s, now) = server();
    for i in 0..3000u32 {
        let id = 1 + 2 * i;
        let mut b = request(id, true);
        b.extend(
            Builder::new(kind::PRIORITY, id)
                .u32(0)
                .payload(&[200])
                .build(),
        );
        s.recv(now, &b).unwrap();
        s.send_response(StreamId::new(id), 204, &[], true).unwrap();
        drain(&mut s, now);
        while s.poll_event().is_some() {}
    }
    assert!(s.error().is_none());
}

#[test]
fn settings_with_too_many_parameters_are_cut_off() {
    let many = |n: u16| {
        let mut b = Builder::new(kind::SETTINGS, 0);
        for i in 0..n {
            // Unknown identifiers: ignored one by one, but each costs work.
            b = b.setting(0x100 + i, 1);
        }
        b.build()
    };
    let (mut s, now) = server();
    s.recv(now, &many(32)).unwrap();
    let e = s.recv(now, &many(33)).unwrap_err();
    assert_eq!(
        e,
        Error::TooManySettings {
            params: 33,
            limit: 32
        }
    );
    assert_eq!(
        goaways(&drain(&mut s, now)),
        vec![(0, ErrorCode::ENHANCE_YOUR_CALM)]
    );
}

// ------------------------------------------------------------------ 2. idle timeout and keep-alive

#[test]
fn idle_server_shuts_down_gracefully() {
    let start = Instant::now();
    let mut p = Pair::new(start, Config::client(), Config::server());
    p.drive();
    assert_eq!(p.client.poll_timeout(), None, "client idle timeout is off");
    assert_eq!(
        p.server.poll_timeout(),
        Some(start + Duration::from_secs(75))
    );
    assert!(p.jump());
    p.drive();
    assert_eq!(
        goaway_events(&p.client_events),
        vec![(0, ErrorCode::NO_ERROR)]
    );
    assert!(p.server.is_closed() && p.client.is_closed());
    assert!(p.server_error.is_none() && p.client_error.is_none());
}

#[test]
fn idle_timer_waits_for_open_streams_and_restarts_after_them() {
    let start = Instant::now();
    let mut p = Pair::new(start, Config::client(), Config::server());
    let a = get(&mut p, b"/slow");
    p.drive();
    // The request is open an hour: no idle timeout meanwhile.
    assert_eq!(p.server.poll_timeout(), None);
    p.now += Duration::from_secs(3600);
    p.server.handle_timeout(p.now).unwrap();
    p.drive();
    assert!(goaway_events(&p.client_events).is_empty());
    p.server.send_response(a, 204, &[], true).unwrap();
    p.drive();
    let done = p.now;
    assert_eq!(
        p.server.poll_timeout(),
        Some(done + Duration::from_secs(75)),
        "idle from the moment the last stream finished"
    );
    p.server
        .handle_timeout(done + Duration::from_secs(74))
        .unwrap();
    assert!(!p.server.is_closed());
    p.server
        .handle_timeout(done + Duration::from_secs(75))
        .unwrap();
    assert!(p.server.is_closed());
    assert_eq!(
        goaways(&drain(&mut p.server, done)),
        vec![(a.value(), ErrorCode::NO_ERROR)]
    );
}

#[test]
fn pings_do_not_hold_an_idle_connection_open() {
    let start = Instant::now();
    let mut p = Pair::new(start, Config::client(), Config::server());
    p.drive();
    for _ in 0..3 {
        p.now += Duration::from_secs(30);
        p.client.ping(*b"are-you?").unwrap();
        p.drive();
        p.server.handle_timeout(p.now).unwrap();
    }
    p.drive();
    // 90 s of pings only: the server went idle at 75 s.
    assert!(p.server.is_closed());
    assert_eq!(
        goaway_events(&p.client_events),
        vec![(0, ErrorCode::NO_ERROR)]
    );
}

fn keepalive_client() -> Config {
    let mut c = Config::client();
    c.keepalive_interval = Some(Duration::from_secs(10));
    c.keepalive_timeout = Duration::from_secs(5);
    c
}

#[test]
fn keepalive_pings_when_quiet_and_rearms_on_the_ack() {
    let start = Instant::now();
    let mut p = Pair::new(start, keepalive_client(), Config::server());
    p.drive();
    assert_eq!(
        p.client.poll_timeout(),
        Some(start + Duration::from_secs(10))
    );
    for round in 1..=3u64 {
        assert!(p.jump());
        assert_eq!(p.now, start + Duration::from_secs(10 * round));
        p.drive();
        assert_eq!(
            p.server_events
                .iter()
                .filter(|e| matches!(e, Event::Ping(_)))
                .count() as u64,
            round
        );
        // The ACK came back at once: the next probe is an interval later.
        assert_eq!(
            p.client.poll_timeout(),
            Some(p.now + Duration::from_secs(10))
        );
    }
    assert!(
        !p.client_events
            .iter()
            .any(|e| matches!(e, Event::PingAck(_))),
        "keep-alive ACKs are the engine's own business"
    );
    assert!(p.client_error.is_none() && p.server_error.is_none());
}

#[test]
fn keepalive_without_answer_ends_the_connection() {
    let start = Instant::now();
    let mut p = Pair::new(start, keepalive_client(), Config::server());
    p.drive();
    // The server goes silent.
    p.set_hook(|d, b| {
        if d == Direction::ToClient {
            b.clear()
        }
    });
    assert!(p.jump()); // 10 s: PING sent
    p.drive();
    assert_eq!(
        p.client.poll_timeout(),
        Some(start + Duration::from_secs(15))
    );
    assert!(p.jump()); // 15 s: no answer
    assert_eq!(
        p.client_error,
        Some(Error::KeepaliveTimeout {
            after: Duration::from_secs(5)
        })
    );
    assert_eq!(
        goaways(&drain(&mut p.client, p.now)),
        vec![(0, ErrorCode::NO_ERROR)]
    );
}

#[test]
fn any_frame_answers_a_keepalive() {
    let start = Instant::now();
    let mut p = Pair::new(start, keepalive_client(), Config::server());
    p.drive();
    // Drop only PING ACKs from the server; other frames still arrive.
    p.set_hook(|d, b| {
        if d == Direction::ToClient && b.len() == 17 && b[3] == kind::PING {
            b.clear()
        }
    });
    assert!(p.jump()); // PING out, its ACK lost
    p.drive();
    p.now += Duration::from_secs(4);
    let id = get(&mut p, b"/");
    p.drive();
    p.server.send_response(id, 204, &[], true).unwrap();
    p.drive();
    p.now += Duration::from_secs(4);
    p.client.handle_timeout(p.now).unwrap();
    assert!(p.client_error.is_none());
}

// ------------------------------------------------------------------ 3. stall timeouts

#[test]
fn stream_stalled_on_its_own_window_is_reset_with_cancel() {
    let mut p = Pair::new(Instant::now(), Config::client(), server_queueing_all());
    let id = get(&mut p, b"/big");
    let other = get(&mut p, b"/small");
    p.drive();
    // The client's stream window is 1 MiB and it never reads: the stream stalls, the
    // connection window (4 MiB) does not.
    p.server.send_response(id, 200, &[], false).unwrap();
    p.server
        .send_data(id, Bytes::from(vec![0u8; 2 << 20]), true)
        .unwrap();
    p.drive();
    let stalled_at = p.now;
    assert_eq!(
        p.server.poll_timeout(),
        Some(stalled_at + Duration::from_secs(60))
    );
    assert!(p.jump());
    p.drive();
    assert!(p.server_error.is_none(), "{:?}", p.server_error);
    assert!(p.server_events.iter().any(|e| *e
        == Event::Reset {
            stream: id,
            code: ErrorCode::CANCEL,
            remote: false,
            error: Some(StreamError::WindowStall {
                after: Duration::from_secs(60)
            }),
        }));
    assert!(p.client_events.iter().any(|e| matches!(e,
        Event::Reset { stream, code: ErrorCode::CANCEL, remote: true, .. } if *stream == id)));
    // The connection goes on.
    p.server.send_response(other, 200, &[], false).unwrap();
    p.server
        .send_data(other, Bytes::from_static(b"ok"), true)
        .unwrap();
    p.drive();
    assert_eq!(&p.client.read_data(other).unwrap()[..], b"ok");
}

#[test]
fn data_waiting_on_a_zero_window_does_not_want_transmit() {
    let mut p = Pair::new(Instant::now(), Config::client(), server_queueing_all());
    let id = get(&mut p, b"/big");
    p.drive();
    // More than the client's 1 MiB stream window, and the client does not read yet.
    p.server.send_response(id, 200, &[], false).unwrap();
    p.server
        .send_data(id, Bytes::from(vec![0u8; 1_500_000]), true)
        .unwrap();
    assert!(p.server.wants_write());
    p.drive();
    // Data is queued but cannot go before a WINDOW_UPDATE: an event loop that writes while
    // `wants_write` is true must not spin on it.
    assert_eq!(p.server.send_capacity(id), 0);
    assert!(!p.server.wants_write());
    let mut got = 0;
    while let Some(b) = p.client.read_data(id) {
        got += b.len();
    }
    // The client's credit reaches the server: now it has something to send.
    let update = drain(&mut p.client, p.now);
    assert!(!update.is_empty());
    p.server.recv(p.now, &update).unwrap();
    assert!(p.server.wants_write());
    for _ in 0..100 {
        p.drive();
        while let Some(b) = p.client.read_data(id) {
            got += b.len();
        }
    }
    assert_eq!(got, 1_500_000);
    assert!(!p.server.wants_write());
}

#[test]
fn credit_in_time_stops_the_stream_stall_timer() {
    let mut p = Pair::new(Instant::now(), Config::client(), server_queueing_all());
    let id = get(&mut p, b"/big");
    p.drive();
    p.server.send_response(id, 200, &[], false).unwrap();
    p.server
        .send_data(id, Bytes::from(vec![0u8; 1_500_000]), true)
        .unwrap();
    p.drive();
    assert!(p.server.poll_timeout().is_some());
    p.now += Duration::from_secs(59);
    let mut got = 0;
    for _ in 0..100 {
        while let Some(b) = p.client.read_data(id) {
            got += b.len();
        }
        p.drive();
    }
    assert_eq!(got, 1_500_000);
    // Long after the first stall would have expired: nothing to reset.
    p.now += Duration::from_secs(120);
    p.server.handle_timeout(p.now).unwrap();
    assert!(
        !p.server_events
            .iter()
            .any(|e| matches!(e, Event::Reset { .. }))
    );
}

#[test]
fn many_stalled_streams_are_each_reset_once() {
    let mut scfg = Config::server();
    scfg.idle_timeout = None;
    let mut ccfg = Config::client();
    ccfg.settings = vec![(id::INITIAL_WINDOW_SIZE, 1000)];
    let mut p = Pair::new(Instant::now(), ccfg, scfg);
    p.drive();
    let ids: Vec<StreamId> = (0..50).map(|_| get(&mut p, b"/")).collect();
    p.drive();
    for &id in &ids {
        p.server.send_response(id, 200, &[], false).unwrap();
        p.server
            .send_data(id, Bytes::from(vec![0u8; 2000]), true)
            .unwrap();
    }
    // Many transmit rounds while stalled: still one timer per stream.
    for _ in 0..20 {
        p.drive();
    }
    while p.jump() {
        p.drive();
    }
    let resets = p
        .server_events
        .iter()
        .filter(|e| {
            matches!(
                e,
                Event::Reset {
                    error: Some(StreamError::WindowStall { .. }),
                    ..
                }
            )
        })
        .count();
    assert_eq!(resets, ids.len());
    assert!(p.server_error.is_none());
}

#[test]
fn connection_window_stall_ends_the_connection() {
    let mut ccfg = Config::client();
    // Stream windows of 1 MiB, connection window of 64 KiB: the connection window is the
    // one that runs out.
    ccfg.connection_window = 65_535;
    let mut p = Pair::new(Instant::now(), ccfg, Config::server());
    let id = get(&mut p, b"/");
    p.drive();
    p.server.send_response(id, 200, &[], false).unwrap();
    p.server
        .send_data(id, Bytes::from(vec![0u8; 100_000]), true)
        .unwrap();
    p.drive();
    assert!(p.jump());
    assert_eq!(
        p.server_error,
        Some(Error::WindowStall {
            after: Duration::from_secs(60)
        })
    );
    assert!(
        !p.server_events
            .iter()
            .any(|e| matches!(e, Event::Reset { .. })),
        "not a stream stall"
    );
}

// ------------------------------------------------------------------ 4. client GOAWAY

#[test]
fn client_goaway_names_stream_zero_and_lets_open_requests_finish() {
    let mut p = Pair::new(Instant::now(), Config::client(), Config::server());
    let a = get(&mut p, b"/a");
    p.drive();
    p.client.go_away(ErrorCode::NO_ERROR).unwrap();
    assert_eq!(
        p.client
            .send_request(&Request::get(b"http", b"x", b"/b"), true)
            .unwrap_err(),
        UserError::GoingAway
    );
    p.drive();
    assert_eq!(
        goaway_events(&p.server_events),
        vec![(0, ErrorCode::NO_ERROR)],
        "no pushes processed: last stream 0, in one GOAWAY"
    );
    assert!(!p.client.is_closed(), "request a still open");
    p.server.send_response(a, 200, &[], false).unwrap();
    p.server
        .send_data(a, Bytes::from_static(b"done"), true)
        .unwrap();
    p.drive();
    assert_eq!(&p.client.read_data(a).unwrap()[..], b"done");
    assert!(p.client.is_closed() && p.server.is_closed());
    assert!(p.client_error.is_none() && p.server_error.is_none());
}

#[test]
fn client_with_push_drains_in_two_steps() {
    let mut ccfg = Config::client();
    ccfg.settings = vec![(id::ENABLE_PUSH, 1)];
    let mut p = Pair::new(Instant::now(), ccfg, Config::server());
    let a = get(&mut p, b"/a");
    p.drive();
    let first = p
        .server
        .push_promise(a, &Request::get(b"http", b"example.com", b"/1.css"))
        .unwrap();
    p.drive();
    p.client.go_away(ErrorCode::NO_ERROR).unwrap();
    // A push the server starts while the client's GOAWAY is in flight.
    let second = p
        .server
        .push_promise(a, &Request::get(b"http", b"example.com", b"/2.css"))
        .unwrap();
    p.drive();
    assert_eq!(
        goaway_events(&p.server_events),
        vec![
            (StreamId::MAX.value(), ErrorCode::NO_ERROR),
            (second.value(), ErrorCode::NO_ERROR)
        ]
    );
    let promised: Vec<StreamId> = p
        .client_events
        .iter()
        .filter_map(|e| match e {
            Event::PushPromise { promised, .. } => Some(*promised),
            _ => None,
        })
        .collect();
    assert_eq!(promised, vec![first, second], "the in-flight push is kept");
    assert_eq!(
        p.server
            .push_promise(a, &Request::get(b"http", b"example.com", b"/3.css"))
            .unwrap_err(),
        UserError::GoingAway
    );
    // A push that crosses the final GOAWAY (sent raw: static-table fields only, so the
    // server's HPACK state is unchanged) is ignored, and so is its response.
    let block = [0x82, 0x86, 0x84, 0x01, 0x01, b'a'];
    let mut pp = Builder::new(kind::PUSH_PROMISE, a.value())
        .flags(flag::END_HEADERS)
        .u32(second.value() + 2)
        .payload(&block)
        .build();
    pp.extend(
        Builder::new(kind::HEADERS, second.value() + 2)
            .flags(flag::END_HEADERS | flag::END_STREAM)
            .payload(&[0x88])
            .build(),
    );
    p.client.recv(p.now, &pp).unwrap();
    while let Some(e) = p.client.poll_event() {
        assert!(
            !matches!(e, Event::PushPromise { .. } | Event::Response { .. }),
            "{e:?}"
        );
    }
    for id in [a, first, second] {
        p.server.send_response(id, 204, &[], true).unwrap();
    }
    p.drive();
    assert!(p.client.is_closed() && p.server.is_closed());
    assert!(p.client_error.is_none() && p.server_error.is_none());
}

// ------------------------------------------------------------------ 5. peer's MAX_HEADER_LIST_SIZE

#[test]
fn requests_above_the_peers_header_list_size_are_refused_before_the_wire() {
    let mut scfg = Config::server();
    scfg.settings = vec![(id::MAX_HEADER_LIST_SIZE, 300)];
    let mut p = Pair::new(Instant::now(), Config::client(), scfg);
    p.drive();
    // :method GET (7+3+32) :scheme http (7+4+32) :authority a (10+1+32) :path / (5+1+32)
    // = 166; one field x: v adds 1 + len + 32.
    let big = vec![b'v'; 300 - 166 - 33 + 1];
    let fits = vec![b'v'; 300 - 166 - 33];
    let err = p
        .client
        .send_request(&p_req(&[(b"x", &big)]), true)
        .unwrap_err();
    assert_eq!(
        err,
        UserError::HeaderListTooLarge {
            size: 301,
            limit: 300
        }
    );
    assert!(
        drain(&mut p.client, p.now).is_empty(),
        "nothing on the wire"
    );
    let id = p
        .client
        .send_request(&p_req(&[(b"x", &fits)]), true)
        .unwrap();
    assert_eq!(
        id,
        StreamId::new(1),
        "the refused request used no stream id"
    );
    p.drive();
    assert!(p.server_error.is_none() && p.client_error.is_none());
    assert!(
        p.server_events
            .iter()
            .any(|e| matches!(e, Event::Request { .. }))
    );
}

fn p_req<'a>(headers: &'a [(&'a [u8], &'a [u8])]) -> Request<'a> {
    Request {
        headers,
        ..Request::get(b"http", b"a", b"/")
    }
}

#[test]
fn responses_trailers_and_pushes_above_the_peers_limit_are_refused() {
    let mut ccfg = Config::client();
    ccfg.settings = vec![(id::ENABLE_PUSH, 1), (id::MAX_HEADER_LIST_SIZE, 200)];
    let mut p = Pair::new(Instant::now(), ccfg, Config::server());
    let a = get(&mut p, b"/a");
    p.drive();
    let big = vec![b'v'; 200];
    let big_field: &[(&[u8], &[u8])] = &[(b"x", &big)];
    let before = drain(&mut p.server, p.now);
    assert!(before.is_empty());
    assert!(matches!(
        p.server.send_response(a, 200, big_field, false),
        Err(UserError::HeaderListTooLarge { limit: 200, .. })
    ));
    assert!(matches!(
        p.server.push_promise(a, &p_req(big_field)),
        Err(UserError::HeaderListTooLarge { limit: 200, .. })
    ));
    assert!(
        drain(&mut p.server, p.now).is_empty(),
        "nothing on the wire"
    );
    // The stream's state did not move: a small response still goes, and the push id was
    // not used.
    p.server.send_response(a, 200, &[], false).unwrap();
    let pushed = p
        .server
        .push_promise(a, &Request::get(b"http", b"a", b"/p"))
        .unwrap();
    assert_eq!(pushed, StreamId::new(2));
    assert!(matches!(
        p.server.send_trailers(a, big_field),
        Err(UserError::HeaderListTooLarge { limit: 200, .. })
    ));
    p.server.send_trailers(a, &[(b"t", b"1")]).unwrap();
    p.server.send_response(pushed, 204, &[], true).unwrap();
    p.drive();
    assert!(p.client_error.is_none() && p.server_error.is_none());
    assert!(
        p.client_events
            .iter()
            .any(|e| matches!(e, Event::Trailers { .. }))
    );
}

#[test]
fn empty_header_blocks_are_already_bounded() {
    // Empty HEADERS open nothing (the block lacks the pseudo-headers): each is a stream error,
    // counted as a reset the peer made us send ("MadeYouReset"), so a flood ends the
    // connection; empty CONTINUATIONs are bounded by `max_continuations` per block.
    let (mut s, now) = server();
    let mut res = Ok(0);
    for i in 0..300u32 {
        let f = Builder::new(kind::HEADERS, 1 + 2 * i)
            .flags(flag::END_HEADERS | flag::END_STREAM)
            .build();
        res = s.recv(now, &f);
        if res.is_err() {
            break;
        }
    }
    assert!(matches!(res, Err(Error::MadeYouReset { limit: 200, .. })));
    let (mut s, now) = server();
    let mut b = Builder::new(kind::HEADERS, 1).build();
    for _ in 0..65 {
        b.extend(Builder::new(kind::CONTINUATION, 1).build());
    }
    assert!(matches!(
        s.recv(now, &b),
        Err(Error::ContinuationFlood { limit: 64, .. })
    ));
}

// ------------------------------------------------------------------ 6. control frame budgets

/// The number of frames of type `k` in `wire`.
fn count(wire: &[u8], k: u8) -> usize {
    let mut pos = 0;
    let mut n = 0;
    while let Some(h) = frame::FrameHeader::parse(&wire[pos..]) {
        n += usize::from(h.kind == k);
        pos += 9 + h.len as usize;
    }
    n
}

/// Sends `frame` up to `n` times, taking everything we send after each one (a peer that reads
/// every acknowledgement); returns the first error and all we sent.
fn flood_read(
    s: &mut Connection,
    now: Instant,
    frame: &[u8],
    n: usize,
) -> (Result<(), Error>, Vec<u8>) {
    let mut wire = Vec::new();
    for _ in 0..n {
        let r = s.recv(now, frame);
        wire.extend(drain(s, now));
        if let Err(e) = r {
            return (Err(e), wire);
        }
    }
    (Ok(()), wire)
}

/// Everything `c` has to send, until `poll_transmit` gives nothing more (one call sends a
/// round over the streams).
fn drain_all(c: &mut Connection, now: Instant) -> Vec<u8> {
    let mut wire = Vec::new();
    loop {
        let more = drain(c, now);
        if more.is_empty() {
            return wire;
        }
        wire.extend(more);
    }
}

fn ping_frame() -> Vec<u8> {
    Builder::new(kind::PING, 0).payload(b"pingpong").build()
}

fn connection_wu(inc: u32) -> Vec<u8> {
    Builder::new(kind::WINDOW_UPDATE, 0).u32(inc).build()
}

#[test]
fn ping_flood_is_cut_off_even_when_every_ack_is_read() {
    let limit = Limits::default().max_pings;
    let (mut s, now) = server();
    let (res, wire) = flood_read(&mut s, now, &ping_frame(), 100_000);
    let e = res.unwrap_err();
    assert_eq!(
        e,
        Error::ControlFrameFlood {
            kind: kind::PING,
            frames: limit + 1,
            limit
        }
    );
    assert_eq!(e.code(), ErrorCode::ENHANCE_YOUR_CALM);
    // One ACK per PING within the budget, none after.
    assert_eq!(count(&wire, kind::PING), limit as usize);
    assert_goaway(&s, &wire, ErrorCode::ENHANCE_YOUR_CALM);
}

#[test]
fn settings_flood_is_cut_off_even_when_every_ack_is_read() {
    let limit = Limits::default().max_settings;
    let (mut s, now) = server();
    let settings = Builder::new(kind::SETTINGS, 0)
        .setting(id::INITIAL_WINDOW_SIZE, 70_000)
        .build();
    let (res, wire) = flood_read(&mut s, now, &settings, 100_000);
    // The handshake's SETTINGS was the first in the window.
    assert_eq!(
        res,
        Err(Error::ControlFrameFlood {
            kind: kind::SETTINGS,
            frames: limit + 1,
            limit
        })
    );
    assert_eq!(count(&wire, kind::SETTINGS), limit as usize - 1);
    assert_goaway(&s, &wire, ErrorCode::ENHANCE_YOUR_CALM);
}

#[test]
fn connection_window_update_flood_is_cut_off() {
    let limit = Limits::default().max_connection_window_updates;
    let (mut s, now) = server();
    let (res, wire) = flood_read(&mut s, now, &connection_wu(1), 100_000);
    assert_eq!(
        res,
        Err(Error::ControlFrameFlood {
            kind: kind::WINDOW_UPDATE,
            frames: limit + 1,
            limit
        })
    );
    assert_goaway(&s, &wire, ErrorCode::ENHANCE_YOUR_CALM);
}

#[test]
fn control_budgets_are_per_window() {
    let l = Limits::default();
    let (mut s, mut now) = server();
    for _ in 0..5 {
        let (res, _) = flood_read(&mut s, now, &ping_frame(), l.max_pings as usize);
        res.unwrap();
        let (res, _) = flood_read(
            &mut s,
            now,
            &connection_wu(1),
            l.max_connection_window_updates as usize,
        );
        res.unwrap();
        now += l.reset_window;
    }
    assert!(s.error().is_none());
}

#[test]
fn a_ping_and_a_window_update_per_data_frame_we_send_are_free() {
    let l = Limits::default();
    let (mut s, now) = server();
    s.recv(now, &request(1, false)).unwrap();
    let id = StreamId::new(1);
    s.send_response(id, 200, &[], false).unwrap();
    let n = 3 * l.max_pings.max(l.max_connection_window_updates) as usize;
    // A peer that probes the bandwidth-delay product with a PING and credits the connection
    // window for each DATA frame it receives, as it receives them.
    for _ in 0..n {
        s.send_data(id, Bytes::from_static(b"x"), false).unwrap();
        assert_eq!(count(&drain_all(&mut s, now), kind::DATA), 1);
        s.recv(now, &ping_frame()).unwrap();
        s.recv(now, &connection_wu(1)).unwrap();
        drain(&mut s, now);
    }
    // The budget is still there on top, and no more.
    let (res, _) = flood_read(&mut s, now, &ping_frame(), l.max_pings as usize);
    res.unwrap();
    let (res, _) = flood_read(&mut s, now, &ping_frame(), 1);
    assert!(matches!(
        res,
        Err(Error::ControlFrameFlood {
            kind: kind::PING,
            ..
        })
    ));
}

#[test]
fn data_credit_is_capped_at_the_budget() {
    // A long download banks at most one budget's worth of free PINGs and connection
    // WINDOW_UPDATEs: the credit is capped, so a flood after it is cut off as early as
    // `max_pings` (credit) + `max_pings` (the window's budget) frames.
    let mut cfg = Config::server();
    cfg.limits.max_pings = 10;
    cfg.limits.max_connection_window_updates = 10;
    let l = cfg.limits.clone();
    let (mut s, now) = server_with(cfg);
    s.recv(now, &request(1, false)).unwrap();
    let id = StreamId::new(1);
    s.send_response(id, 200, &[], false).unwrap();
    for _ in 0..100 {
        s.send_data(id, Bytes::from_static(b"x"), false).unwrap();
    }
    assert_eq!(count(&drain_all(&mut s, now), kind::DATA), 100);
    let free = l.max_pings as usize;
    let (res, wire) = flood_read(&mut s, now, &ping_frame(), 1000);
    assert_eq!(
        res,
        Err(Error::ControlFrameFlood {
            kind: kind::PING,
            frames: l.max_pings + 1,
            limit: l.max_pings
        })
    );
    assert_eq!(count(&wire, kind::PING), free + l.max_pings as usize);

    let (mut s, now) = server_with(Config {
        limits: l.clone(),
        ..Config::server()
    });
    s.recv(now, &request(1, false)).unwrap();
    s.send_response(id, 200, &[], false).unwrap();
    for _ in 0..100 {
        s.send_data(id, Bytes::from_static(b"x"), false).unwrap();
    }
    drain_all(&mut s, now);
    let limit = l.max_connection_window_updates;
    for _ in 0..limit * 2 {
        s.recv(now, &connection_wu(1)).unwrap();
    }
    assert_eq!(
        s.recv(now, &connection_wu(1)),
        Err(Error::ControlFrameFlood {
            kind: kind::WINDOW_UPDATE,
            frames: limit + 1,
            limit
        })
    );
}

#[test]
fn a_browsers_hour_never_trips_the_budgets() {
    // One long download: every second ten DATA frames, each credited by the peer on the
    // stream and the connection, a PING every second and a SETTINGS change every minute.
    let (mut s, mut now) = server();
    s.recv(now, &request(1, false)).unwrap();
    let id = StreamId::new(1);
    s.send_response(id, 200, &[], false).unwrap();
    for sec in 0..3600u32 {
        for _ in 0..10 {
            s.send_data(id, Bytes::from_static(&[0; 100]), false)
                .unwrap();
        }
        let sent = count(&drain_all(&mut s, now), kind::DATA);
        assert_eq!(sent, 10);
        let mut input = Vec::new();
        for _ in 0..sent {
            input.extend(Builder::new(kind::WINDOW_UPDATE, 1).u32(100).build());
            input.extend(connection_wu(100));
        }
        input.extend(ping_frame());
        if sec % 60 == 0 {
            input.extend(
                Builder::new(kind::SETTINGS, 0)
                    .setting(id::MAX_FRAME_SIZE, 16_384 + sec)
                    .build(),
            );
        }
        s.recv(now, &input).unwrap();
        drain(&mut s, now);
        while s.poll_event().is_some() {}
        now += Duration::from_secs(1);
    }
    assert!(s.error().is_none());
}

/// A client with requests open on streams 1, 3 and 5.
fn client_with_requests() -> (Connection, Instant) {
    let now = Instant::now();
    let mut c = Connection::new(Role::Client, Config::client(), now);
    for _ in 0..3 {
        c.send_request(&Request::get(b"https", b"a.example", b"/"), true)
            .unwrap();
    }
    drain(&mut c, now);
    let mut hello = Builder::new(kind::SETTINGS, 0).build();
    hello.extend(Builder::new(kind::SETTINGS, 0).flags(flag::ACK).build());
    c.recv(now, &hello).unwrap();
    drain(&mut c, now);
    while c.poll_event().is_some() {}
    (c, now)
}

fn goaway_frame(last: u32, debug: &[u8]) -> Vec<u8> {
    Builder::new(kind::GOAWAY, 0)
        .u32(last)
        .u32(0)
        .payload(debug)
        .build()
}

#[test]
fn repeated_goaways_cost_nothing() {
    let (mut c, now) = client_with_requests();
    let debug: Vec<u8> = (0..8000u32).map(|i| b'a' + (i % 26) as u8).collect();
    c.recv(now, &goaway_frame(3, &debug)).unwrap();
    let events: Vec<Event> = std::iter::from_fn(|| c.poll_event()).collect();
    let got: Vec<(u32, usize)> = events
        .iter()
        .filter_map(|e| match e {
            Event::GoAway {
                last_stream,
                debug: d,
                ..
            } => {
                assert_eq!(&d[..], &debug[..d.len()]);
                Some((last_stream.value(), d.len()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(got, vec![(3, GOAWAY_DEBUG_MAX)]);
    let refused = events
        .iter()
        .filter(|e| {
            matches!(
                e,
                Event::Reset {
                    code: ErrorCode::REFUSED_STREAM,
                    ..
                }
            )
        })
        .count();
    assert_eq!(refused, 1, "stream 5: {events:?}");
    // The same GOAWAY again, or one naming a higher stream (6.8 forbids raising it): no event,
    // counted as frames that change nothing.
    let limit = Limits::default().max_ignored_frames;
    let mut res = Ok(0);
    for i in 0..=limit {
        res = c.recv(now, &goaway_frame(3 + 2 * (i % 2), &debug));
        if res.is_err() {
            break;
        }
        assert_eq!(c.poll_event(), None);
    }
    assert_eq!(
        res,
        Err(Error::IgnoredFrameFlood {
            kind: kind::GOAWAY,
            frames: limit + 1,
            limit
        })
    );
}

#[test]
fn goaways_lowering_the_last_stream_are_budgeted() {
    let limit = Limits::default().max_goaways;
    let (mut c, now) = client_with_requests();
    let mut res = Ok(0);
    let mut reported = 0;
    for i in 0..10_000 {
        res = c.recv(now, &goaway_frame(1_000_000 - i, b""));
        reported += std::iter::from_fn(|| c.poll_event())
            .filter(|e| matches!(e, Event::GoAway { .. }))
            .count();
        if res.is_err() {
            break;
        }
    }
    assert_eq!(
        res,
        Err(Error::ControlFrameFlood {
            kind: kind::GOAWAY,
            frames: limit + 1,
            limit
        })
    );
    // The first one and `limit` lowering ones were reported.
    assert_eq!(reported, limit as usize + 1);
}

#[test]
fn acks_for_a_peer_that_does_not_read_are_bounded() {
    // The peer never reads, so the event loop never gets to write: nothing is taken by
    // `poll_transmit` between the PINGs (each in its own read).
    let limit = Limits::default().max_queued_acks;
    let (mut s, now) = server();
    let mut res = Ok(0);
    for _ in 0..100_000 {
        res = s.recv(now, &ping_frame());
        if res.is_err() {
            break;
        }
    }
    assert_eq!(
        res,
        Err(Error::ControlFlood {
            queued: limit + 1,
            limit
        })
    );
    let wire = drain(&mut s, now);
    assert_eq!(count(&wire, kind::PING), limit as usize);
    assert_goaway(&s, &wire, ErrorCode::ENHANCE_YOUR_CALM);
}
