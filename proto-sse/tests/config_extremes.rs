//! Any configuration a caller can write, however odd (limits of 0, 1 or `usize::MAX`, delays
//! of zero or `Duration::MAX`, a floor above the cap, any jitter), for the parser and the
//! reconnect policy: a stream parses to events or a typed error naming the limit in force,
//! never a panic; the policy schedules every wait at or after now, at or above its floor
//! (within what the clock can hold), and runs forward through any sequence of failures,
//! retries and successes.

use std::time::{Duration, Instant};

use proptest::prelude::*;
use proto_sse::{Config, EndOfStream, Error, Limits, Parser, Reconnect, ReconnectConfig, State};

fn edgy_usize() -> impl Strategy<Value = usize> {
    prop_oneof![
        Just(0usize),
        Just(1),
        Just(2),
        Just(3),
        Just(7),
        Just(64),
        Just(usize::MAX / 2),
        Just(usize::MAX - 1),
        Just(usize::MAX),
        0usize..100,
    ]
}

fn edgy_duration() -> impl Strategy<Value = Duration> {
    prop_oneof![
        Just(Duration::ZERO),
        Just(Duration::from_nanos(1)),
        Just(Duration::from_millis(250)),
        Just(Duration::from_secs(60)),
        Just(Duration::from_secs(u32::MAX as u64)),
        Just(Duration::from_secs(u32::MAX as u64 + 1)),
        Just(Duration::from_secs(u64::MAX)),
        Just(Duration::MAX),
    ]
}

fn stream() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        Just(b"data".to_vec()),
        Just(b"data: ".to_vec()),
        Just(b"event: e".to_vec()),
        Just(b"id: 7".to_vec()),
        Just(b"retry: 0".to_vec()),
        Just(b"retry: 18446744073709551615".to_vec()),
        Just(b"retry: 99999999999999999999999".to_vec()),
        Just(b"\xef\xbb\xbf".to_vec()),
        Just(b"\xff\xfe".to_vec()),
        Just(b":c".to_vec()),
        Just(b"\n".to_vec()),
        Just(b"\r".to_vec()),
        Just(b"\r\n".to_vec()),
        proptest::collection::vec(any::<u8>(), 0..40),
    ];
    proptest::collection::vec(piece, 0..40).prop_map(|v| v.concat())
}

/// Every event or error out of `stream` cut into pieces of `size`; the last event ID and
/// reconnection time go to `policy`.
fn parse(config: &Config, stream: &[u8], size: usize, policy: &mut Reconnect) -> Option<Error> {
    let mut parser = Parser::with_config(config.clone());
    for piece in stream.chunks(size.max(1)) {
        let mut feed = parser.feed(piece);
        while let Some(ev) = feed.poll_event() {
            match ev {
                Ok(ev) => {
                    assert!(ev.data.len() <= config.limits.max_event_len);
                    policy.on_event(&ev);
                }
                Err(e) => {
                    match e {
                        Error::LineTooLong { limit, .. } => {
                            assert_eq!(limit, config.limits.max_line_len)
                        }
                        Error::EventTooLarge { limit, .. } => {
                            assert_eq!(limit, config.limits.max_event_len)
                        }
                        _ => {}
                    }
                    policy.observe(&parser);
                    return Some(e);
                }
            }
        }
    }
    let _ = parser.finish();
    policy.observe(&parser);
    None
}

#[derive(Debug, Clone, Copy)]
enum Step {
    Ok,
    ConnectError,
    Status(u16),
    Retry(u64),
    Close,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => Just(Step::Ok),
        4 => Just(Step::ConnectError),
        1 => prop_oneof![Just(204u16), Just(500), Just(0), Just(u16::MAX)].prop_map(Step::Status),
        2 => prop_oneof![Just(0u64), Just(1), Just(u64::MAX), any::<u64>()].prop_map(Step::Retry),
        1 => Just(Step::Close),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_configuration_parses_and_reconnects_without_panic(
        max_line_len in edgy_usize(),
        max_event_len in edgy_usize(),
        flush in any::<bool>(),
        data in stream(),
        size in 1usize..64,
        initial_retry in edgy_duration(),
        min_retry in edgy_duration(),
        max_backoff in edgy_duration(),
        jitter_permille in prop_oneof![Just(0u16), Just(1000), Just(1001), Just(u16::MAX), any::<u16>()],
        seed in any::<u64>(),
        steps in proptest::collection::vec(step(), 0..48),
    ) {
        let config = Config {
            limits: Limits { max_line_len, max_event_len },
            end_of_stream: if flush { EndOfStream::Flush } else { EndOfStream::Discard },
        };
        let mut policy = Reconnect::new(ReconnectConfig {
            initial_retry,
            min_retry,
            max_backoff,
            jitter_permille,
            seed,
        });
        let mut now = Instant::now();
        for s in steps {
            let _ = policy.poll_connect();
            match s {
                Step::Ok => {
                    let _ = policy.on_response(now, 200, Some(b"text/event-stream"));
                    let _ = parse(&config, &data, size, &mut policy);
                    policy.on_disconnect(now);
                }
                Step::ConnectError => policy.on_connect_error(now),
                Step::Status(code) => {
                    let _ = policy.on_response(now, code, Some(b"text/event-stream"));
                }
                Step::Retry(ms) => policy.on_retry(ms),
                Step::Close => policy.close(),
            }
            if let Some(at) = policy.poll_timeout() {
                prop_assert!(at >= now);
                // The floor holds, up to what the clock can reach.
                let floor = min_retry.min(Duration::from_secs(u32::MAX as u64));
                if let Some(least) = now.checked_add(floor) {
                    prop_assert!(at >= least || at == now + Duration::from_secs(86_400));
                }
                policy.handle_timeout(at);
                prop_assert_eq!(policy.state(), State::Connect);
                now = at;
            }
            if matches!(policy.state(), State::Closed(_)) {
                break;
            }
        }
    }
}
