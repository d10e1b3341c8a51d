//! The reconnect policy, on a virtual clock.

use std::time::{Duration, Instant};

use proto_sse::{Closed, Parser, Reconnect, ReconnectConfig, State};

const SSE: Option<&[u8]> = Some(b"text/event-stream");

fn config() -> ReconnectConfig {
    ReconnectConfig {
        initial_retry: Duration::from_secs(3),
        min_retry: Duration::from_millis(250),
        max_backoff: Duration::from_secs(30),
        jitter_permille: 300,
        seed: 7,
    }
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Opens a connection at `now` and feeds it `stream`.
fn session(policy: &mut Reconnect, now: Instant, stream: &[u8]) {
    let _ = policy.poll_connect().expect("should connect");
    policy.on_response(now, 200, SSE).unwrap();
    let mut parser = Parser::with_last_event_id(Default::default(), policy.last_event_id());
    let mut feed = parser.feed(stream);
    while let Some(ev) = feed.poll_event() {
        policy.on_event(&ev.unwrap());
    }
    policy.observe(&parser);
}

#[test]
fn reconnects_after_retry_with_last_event_id() {
    let t0 = Instant::now();
    let mut p = Reconnect::new(config());
    assert_eq!(p.state(), State::Connect);
    assert_eq!(p.poll_timeout(), None);
    let c = p.poll_connect().unwrap();
    assert_eq!((c.last_event_id, c.attempt), (None, 0));
    assert!(p.poll_connect().is_none(), "one connect per attempt");
    p.on_response(t0, 200, SSE).unwrap();
    assert_eq!(p.state(), State::Open);
    let mut parser = Parser::new();
    let (_, ev) = parser.parse(b"id: 5\nretry: 1200\ndata: x\n\n").unwrap();
    p.on_event(&ev.unwrap());
    p.on_disconnect(t0);
    assert_eq!(p.poll_timeout(), Some(t0 + ms(1200)));
    // Early and spurious timeouts do nothing.
    p.handle_timeout(t0 + ms(1199));
    assert_eq!(p.state(), State::Waiting(t0 + ms(1200)));
    p.handle_timeout(t0 + ms(1200));
    assert_eq!(p.state(), State::Connect);
    p.handle_timeout(t0 + ms(5000));
    assert_eq!(p.state(), State::Connect);
    assert_eq!(p.poll_connect().unwrap().last_event_id, Some("5"));
}

#[test]
fn id_only_blocks_and_empty_id_are_observed_from_the_parser() {
    let t0 = Instant::now();
    let mut p = Reconnect::new(config());
    session(&mut p, t0, b"data: a\n\nid: 9\n\n");
    assert_eq!(p.last_event_id(), "9");
    p.on_disconnect(t0);
    p.handle_timeout(t0 + ms(3000));
    assert_eq!(p.poll_connect().unwrap().last_event_id, Some("9"));
    p.on_response(t0, 200, SSE).unwrap();
    let mut parser = Parser::new();
    let (_, ev) = parser.parse(b"id\ndata: b\n\n").unwrap();
    p.on_event(&ev.unwrap());
    p.on_disconnect(t0 + ms(3000));
    p.handle_timeout(t0 + ms(6000));
    assert_eq!(p.poll_connect().unwrap().last_event_id, None);
}

#[test]
fn retry_zero_is_clamped_to_the_floor() {
    let t0 = Instant::now();
    let mut p = Reconnect::new(config());
    session(&mut p, t0, b"retry: 0\ndata: x\n\n");
    p.on_disconnect(t0);
    assert_eq!(p.poll_timeout(), Some(t0 + ms(250)));
}

#[test]
fn failures_back_off_exponentially_with_jitter_up_to_the_cap() {
    let t0 = Instant::now();
    let mut p = Reconnect::new(config());
    let mut now = t0;
    let mut delays = Vec::new();
    for attempt in 0..12 {
        let c = p.poll_connect().unwrap();
        assert_eq!(c.attempt, attempt);
        p.on_connect_error(now);
        let at = p.poll_timeout().unwrap();
        delays.push(at - now);
        now = at;
        p.handle_timeout(now);
    }
    for (i, d) in delays.iter().enumerate() {
        let full = (3000u64 << (i + 1)).min(30_000);
        let lo = full * 700 / 1000;
        assert!(
            *d <= ms(full) && *d >= ms(lo),
            "attempt {i}: {d:?} not in [{lo}, {full}] ms"
        );
    }
    // Jitter: not all capped delays are equal.
    let capped: Vec<_> = delays[4..].to_vec();
    assert!(capped.iter().any(|d| *d != capped[0]), "{capped:?}");
    // A delivered event resets the backoff.
    p.poll_connect().unwrap();
    p.on_response(now, 200, SSE).unwrap();
    let mut parser = Parser::new();
    p.on_event(&parser.parse(b"data: x\n\n").unwrap().1.unwrap());
    assert_eq!(p.failures(), 0);
    p.on_disconnect(now);
    assert_eq!(p.poll_timeout(), Some(now + ms(3000)));
}

#[test]
fn a_connection_that_delivers_nothing_counts_as_a_failure() {
    let t0 = Instant::now();
    let mut p = Reconnect::new(ReconnectConfig {
        jitter_permille: 0,
        ..config()
    });
    p.poll_connect().unwrap();
    p.on_response(t0, 200, SSE).unwrap();
    p.on_disconnect(t0);
    assert_eq!(p.failures(), 1);
    assert_eq!(p.poll_timeout(), Some(t0 + ms(6000)));
}

#[test]
fn same_seed_same_delays() {
    let run = |seed| {
        let t0 = Instant::now();
        let mut p = Reconnect::new(ReconnectConfig { seed, ..config() });
        (0..6)
            .map(|_| {
                p.poll_connect().unwrap();
                p.on_connect_error(t0);
                let d = p.poll_timeout().unwrap() - t0;
                p.handle_timeout(t0 + Duration::from_secs(3600));
                d
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(run(1), run(1));
    assert_ne!(run(1), run(2));
}

#[test]
fn server_retry_longer_than_the_cap_is_honoured() {
    let t0 = Instant::now();
    let mut p = Reconnect::new(config());
    session(&mut p, t0, b"retry: 100000\ndata: x\n\n");
    p.on_disconnect(t0);
    assert_eq!(p.poll_timeout(), Some(t0 + ms(100_000)));
    p.handle_timeout(t0 + ms(100_000));
    p.poll_connect().unwrap();
    p.on_connect_error(t0);
    let d = p.poll_timeout().unwrap() - t0;
    assert!(d >= ms(70_000) && d <= ms(100_000), "{d:?}");
}

#[test]
fn stops_on_204_and_fails_on_other_statuses_and_content_types() {
    let t0 = Instant::now();
    let cases: [(u16, Option<&[u8]>, Closed); 6] = [
        (204, SSE, Closed::NoContent),
        (500, SSE, Closed::Status(500)),
        (301, SSE, Closed::Status(301)),
        (200, Some(b"text/plain"), Closed::ContentType),
        (200, Some(b"text/event-stream-x"), Closed::ContentType),
        (200, None, Closed::ContentType),
    ];
    for (status, ct, want) in cases {
        let mut p = Reconnect::new(config());
        p.poll_connect().unwrap();
        assert_eq!(p.on_response(t0, status, ct), Err(want));
        assert_eq!(p.state(), State::Closed(want));
        assert_eq!(p.poll_timeout(), None);
        p.on_disconnect(t0);
        p.on_connect_error(t0);
        p.handle_timeout(t0 + Duration::from_secs(3600));
        assert!(p.poll_connect().is_none(), "{status} must not reconnect");
    }
    for ok in [
        &b"text/event-stream"[..],
        b"TEXT/Event-Stream",
        b"  text/event-stream ; charset=utf-8",
        b"text/event-stream;",
        b"text/event-stream;charset=windows-1252",
        b"text/event-stream; a=\"x;y\"; b",
    ] {
        let mut p = Reconnect::new(config());
        p.poll_connect().unwrap();
        assert_eq!(p.on_response(t0, 200, Some(ok)), Ok(()), "{ok:?}");
    }
}

#[test]
fn close_stops_everything() {
    let t0 = Instant::now();
    let mut p = Reconnect::new(config());
    p.close();
    assert!(p.poll_connect().is_none());
    p.on_connect_error(t0);
    assert_eq!(p.state(), State::Closed(Closed::ByCaller));
}

#[test]
fn media_type_parameters() {
    let m = proto_sse::MediaType::parse(b"Text/Event-Stream ; Charset=\"u\\\"tf;8\" ; bad ; x=1")
        .unwrap();
    assert!(m.is("text", "event-stream"));
    let params: Vec<_> = m.params().collect();
    assert_eq!(params, [(&b"Charset"[..], &b"u\\\"tf;8"[..]), (b"x", b"1")]);
    for bad in [
        &b""[..],
        b"text",
        b"/event-stream",
        b"text/",
        b"te xt/event-stream",
        b"text/event stream",
    ] {
        assert!(proto_sse::MediaType::parse(bad).is_none(), "{bad:?}");
    }
}

#[test]
fn huge_retry_and_many_failures_do_not_overflow() {
    // Found by the sse_reconnect fuzz target: the jitter arithmetic overflowed for a huge
    // server retry.
    let t0 = Instant::now();
    let mut p = Reconnect::new(config());
    p.on_retry(u64::MAX);
    for _ in 0..40 {
        p.poll_connect().unwrap();
        p.on_connect_error(t0);
        let d = p.poll_timeout().unwrap() - t0;
        assert!(d >= Duration::from_secs(u64::from(u32::MAX)) * 7 / 10);
        p.handle_timeout(p.poll_timeout().unwrap());
    }
}
