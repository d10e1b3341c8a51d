//! Durations too long for the clock (`Duration::MAX`, the way a caller may spell "never") in
//! every timer of the configuration: no panic, no deadline, nothing expires, on both sides,
//! with a stream and the connection stalled on their send windows and a keep-alive PING due.

use std::time::{Duration, Instant};

use bytes::Bytes;
use proto_h2::conn::{Config, Event, Request};
use proto_h2::pair::Pair;

fn never(mut c: Config) -> Config {
    c.settings_timeout = Duration::MAX;
    c.keepalive_interval = Some(Duration::MAX);
    c.keepalive_timeout = Duration::MAX;
    c.idle_timeout = Some(Duration::MAX);
    c.goaway_grace = Some(Duration::MAX);
    c.limits.stall_timeout = Some(Duration::MAX);
    c.limits.stream_stall_timeout = Some(Duration::MAX);
    c.limits.reset_window = Duration::MAX;
    c
}

#[test]
fn timeouts_longer_than_the_clock_never_fire() {
    let start = Instant::now();
    let mut p = Pair::new(start, never(Config::client()), never(Config::server()));
    // Before the SETTINGS exchange: our SETTINGS wait for their acknowledgement.
    assert_eq!(p.client.poll_timeout(), None);
    assert_eq!(p.server.poll_timeout(), None);
    // A body beyond the peer's initial windows: the stream and the connection stall.
    let post = Request {
        method: b"POST",
        ..Request::get(b"http", b"example.com", b"/upload")
    };
    let id = p.client.send_request(&post, false).unwrap();
    let body = Bytes::from(vec![7u8; 200_000]);
    let mut offered = 0;
    while offered < body.len() {
        let n = p.client.send_data(id, body.slice(offered..), true).unwrap();
        if n == 0 {
            break;
        }
        offered += n;
    }
    p.drive();
    assert!(
        p.server_events
            .iter()
            .any(|e| matches!(e, Event::Request { stream, .. } if *stream == id))
    );
    assert_eq!(p.client.poll_timeout(), None, "client");
    assert_eq!(p.server.poll_timeout(), None, "server");
    // A century later nothing has expired.
    let later = start + Duration::from_secs(100 * 365 * 86_400);
    p.client.handle_timeout(later).unwrap();
    p.server.handle_timeout(later).unwrap();
    assert_eq!(p.client.poll_timeout(), None);
    assert_eq!(p.server.poll_timeout(), None);
    assert!(!p.client.is_closed() && !p.server.is_closed());
    assert!(p.client_error.is_none() && p.server_error.is_none());
    // The peer's GOAWAY with the longest grace: the connection waits for its streams.
    p.server
        .go_away(proto_h2::frame::ErrorCode::NO_ERROR)
        .unwrap();
    p.drive();
    p.client.handle_timeout(later).unwrap();
    assert_eq!(p.client.poll_timeout(), None);
}
