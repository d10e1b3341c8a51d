//! The SSE reconnect policy on arbitrary sequences of inputs and clock moves. Invariants: no
//! panic; a scheduled reconnect is never sooner than the floor; a closed policy stays closed
//! and never asks to connect.
#![no_main]

use std::time::{Duration, Instant};

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use proto_sse::{Reconnect, ReconnectConfig, State};

#[derive(Arbitrary, Debug)]
enum Op {
    PollConnect,
    Response { status: u16, content_type: u8 },
    Event { id: u8, retry: Option<u64> },
    Retry(u64),
    Disconnect,
    ConnectError,
    Advance(u32),
    HandleTimeout,
    Close,
}

#[derive(Arbitrary, Debug)]
struct Input {
    min_retry_ms: u16,
    max_backoff_ms: u32,
    jitter_permille: u16,
    seed: u64,
    ops: Vec<Op>,
}

fuzz_target!(|input: Input| {
    let config = ReconnectConfig {
        initial_retry: Duration::from_secs(3),
        min_retry: Duration::from_millis(u64::from(input.min_retry_ms)),
        max_backoff: Duration::from_millis(u64::from(input.max_backoff_ms)),
        jitter_permille: input.jitter_permille,
        seed: input.seed,
    };
    let mut policy = Reconnect::new(config);
    let mut now = Instant::now();
    let mut parser = proto_sse::Parser::new();
    for op in input.ops {
        let was_closed = matches!(policy.state(), State::Closed(_));
        match op {
            Op::PollConnect => {
                let _ = policy.poll_connect();
            }
            Op::Response {
                status,
                content_type,
            } => {
                let ct: Option<&[u8]> = match content_type % 4 {
                    0 => None,
                    1 => Some(b"text/event-stream"),
                    2 => Some(b"Text/Event-Stream; charset=utf-8"),
                    _ => Some(b"text/plain"),
                };
                let _ = policy.on_response(now, status, ct);
            }
            Op::Event { id, retry } => {
                let mut wire = Vec::new();
                let id = id.to_string();
                let msg = proto_sse::Message {
                    event: None,
                    id: Some(&id),
                    retry,
                    data: "x",
                };
                proto_sse::encode(&mut wire, &msg).unwrap();
                if let Ok((_, Some(ev))) = parser.parse(&wire) {
                    policy.on_event(&ev);
                }
            }
            Op::Retry(ms) => policy.on_retry(ms),
            Op::Disconnect | Op::ConnectError => {
                let live = matches!(policy.state(), State::Open | State::Connecting);
                if matches!(op, Op::Disconnect) {
                    policy.on_disconnect(now);
                } else {
                    policy.on_connect_error(now);
                }
                if live {
                    let at = policy
                        .poll_timeout()
                        .expect("a live connection that ends waits");
                    assert!(
                        at >= now + config.min_retry,
                        "reconnect sooner than the floor"
                    );
                }
            }
            Op::Advance(ms) => now += Duration::from_millis(u64::from(ms)),
            Op::HandleTimeout => policy.handle_timeout(now),
            Op::Close => policy.close(),
        }
        if was_closed {
            assert!(matches!(policy.state(), State::Closed(_)));
            assert!(policy.poll_connect().is_none());
            assert!(policy.poll_timeout().is_none());
        }
    }
});
