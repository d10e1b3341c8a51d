//! Any configuration a caller can write, however odd (SETTINGS ids and values out of their
//! ranges, windows of 0 or `u32::MAX`, limits of 0, the shortest and longest timeouts), on
//! either side: an exchange with a body in both directions, its timers and a shutdown end
//! with events or typed errors, never a panic, and the clock can be run forward to every
//! deadline either side asks for.

use std::time::{Duration, Instant};

use bytes::Bytes;
use proptest::prelude::*;
use proto_h2::conn::{Config, Event, Request};
use proto_h2::frame::ErrorCode;
use proto_h2::pair::Pair;

/// A value near the edges more often than not.
fn edgy_u32() -> impl Strategy<Value = u32> {
    prop_oneof![
        Just(0u32),
        Just(1),
        Just(16_383),
        Just(16_384),
        Just(65_535),
        Just(65_536),
        Just((1 << 24) - 1),
        Just(1 << 24),
        Just((1 << 31) - 1),
        Just(1 << 31),
        Just(u32::MAX),
        any::<u32>(),
    ]
}

fn edgy_duration() -> impl Strategy<Value = Duration> {
    prop_oneof![
        Just(Duration::ZERO),
        Just(Duration::from_nanos(1)),
        Just(Duration::from_millis(10)),
        Just(Duration::from_secs(60)),
        Just(Duration::MAX),
    ]
}

#[derive(Debug, Clone)]
struct Odd {
    settings: Vec<(u16, u32)>,
    connection_window: u32,
    bdp_max_window: Option<u32>,
    timeouts: [Duration; 6],
    idle: bool,
    keepalive: bool,
    max_concurrent: u32,
    max_send_queue: usize,
    max_closed: usize,
}

fn odd() -> impl Strategy<Value = Odd> {
    (
        proptest::collection::vec((0u16..10, edgy_u32()), 0..8),
        edgy_u32(),
        proptest::option::of(edgy_u32()),
        proptest::array::uniform6(edgy_duration()),
        any::<bool>(),
        any::<bool>(),
        edgy_u32(),
        prop_oneof![Just(0usize), Just(1), Just(16_384), Just(usize::MAX)],
        prop_oneof![Just(0usize), Just(1), Just(1000)],
    )
        .prop_map(
            |(
                settings,
                connection_window,
                bdp_max_window,
                timeouts,
                idle,
                keepalive,
                max_concurrent,
                max_send_queue,
                max_closed,
            )| Odd {
                settings,
                connection_window,
                bdp_max_window,
                timeouts,
                idle,
                keepalive,
                max_concurrent,
                max_send_queue,
                max_closed,
            },
        )
}

fn apply(mut c: Config, o: &Odd) -> Config {
    c.settings.clone_from(&o.settings);
    c.connection_window = o.connection_window;
    c.bdp_max_window = o.bdp_max_window;
    let [settings, keepalive, idle, grace, stall, stream_stall] = o.timeouts;
    c.settings_timeout = settings;
    c.keepalive_interval = o.keepalive.then_some(keepalive);
    c.keepalive_timeout = keepalive;
    c.idle_timeout = o.idle.then_some(idle);
    c.goaway_grace = Some(grace);
    c.limits.stall_timeout = Some(stall);
    c.limits.stream_stall_timeout = Some(stream_stall);
    c.limits.max_concurrent_streams = o.max_concurrent;
    c.limits.max_send_queue = o.max_send_queue;
    c.limits.max_closed_remembered = o.max_closed;
    c
}

/// Offers what the stream's room takes of `body` from `*at` on.
fn offer(
    c: &mut proto_h2::conn::Connection,
    id: proto_h2::frame::StreamId,
    body: &Bytes,
    at: &mut usize,
) {
    while *at < body.len() {
        match c.send_data(id, body.slice(*at..), true) {
            Ok(0) | Err(_) => return,
            Ok(n) => *at += n,
        }
    }
}

/// A connection window above 2^31-1 in our configuration is taken as 2^31-1: the
/// WINDOW_UPDATE we send is one the peer accepts (RFC 9113 6.9.1), and data flows.
#[test]
fn the_largest_connection_window_is_the_protocols() {
    let start = Instant::now();
    for window in [(1u32 << 31) - 1, 1 << 31, u32::MAX] {
        let mut client = Config::client();
        client.connection_window = window;
        let mut p = Pair::new(start, client, Config::server());
        let id = p
            .client
            .send_request(&Request::get(b"http", b"example.com", b"/"), true)
            .unwrap();
        p.drive();
        assert!(p.server_error.is_none(), "{window}: {:?}", p.server_error);
        assert_eq!(p.server.connection_send_window(), i32::MAX, "{window}");
        p.server.send_response(id, 200, &[], false).unwrap();
        let body = Bytes::from(vec![3u8; 100_000]);
        let mut at = 0;
        offer(&mut p.server, id, &body, &mut at);
        p.drive();
        let mut got = 0;
        while let Some(b) = p.client.read_data(id) {
            got += b.len();
        }
        assert!(got > 0 && p.client_error.is_none(), "{window}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_configuration_exchanges_or_fails_without_panic(client in odd(), server in odd()) {
        let start = Instant::now();
        let mut p = Pair::new(start, apply(Config::client(), &client), apply(Config::server(), &server));
        p.drive();
        let post = Request {
            method: b"POST",
            ..Request::get(b"http", b"example.com", b"/")
        };
        let up = Bytes::from(vec![1u8; 70_000]);
        let down = Bytes::from(vec![2u8; 70_000]);
        let (mut sent_up, mut sent_down) = (0, 0);
        let id = p.client.send_request(&post, false).ok();
        let mut answered = false;
        for _ in 0..64 {
            if let Some(id) = id {
                offer(&mut p.client, id, &up, &mut sent_up);
            }
            p.drive();
            for e in std::mem::take(&mut p.server_events) {
                match e {
                    Event::Request { stream, .. } if !answered => {
                        answered = true;
                        if p.server.send_response(stream, 200, &[], false).is_ok() {
                            offer(&mut p.server, stream, &down, &mut sent_down);
                        }
                    }
                    Event::Data { stream, .. } => while p.server.read_data(stream).is_some() {},
                    _ => {}
                }
            }
            for e in std::mem::take(&mut p.client_events) {
                if let Event::Data { stream, .. } = e {
                    while p.client.read_data(stream).is_some() {}
                }
            }
            if !p.jump() {
                break;
            }
        }
        let _ = p.server.go_away(ErrorCode::NO_ERROR);
        p.drive();
        let far = start + Duration::from_secs(100 * 365 * 86_400);
        let _ = p.client.handle_timeout(far);
        let _ = p.server.handle_timeout(far);
        let _ = (p.client.poll_timeout(), p.server.poll_timeout());
    }
}
