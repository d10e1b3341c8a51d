//! The request body limit of a server (`Limits::max_request_body`, issue 12): a body above it
//! is refused with `413` and RST_STREAM(NO_ERROR) while no response head was sent (RFC 9113
//! 8.1, RFC 9110 15.5.14), with RST_STREAM(CANCEL) after one; the application sees
//! `Event::Reset` with `StreamError::BodyTooLarge`, and the connection goes on.

use bytes::Bytes;
use proto_h2::conn::{Config, Event, Request};
use proto_h2::error::StreamError;
use proto_h2::frame::{ErrorCode, StreamId};
use proto_h2::pair::Pair;
use std::time::Instant;

const LIMIT: u64 = 1000;

fn pair() -> Pair {
    let mut server = Config::server();
    server.limits.max_request_body = Some(LIMIT);
    Pair::new(Instant::now(), Config::client(), server)
}

fn post(p: &mut Pair, headers: &[(&[u8], &[u8])]) -> StreamId {
    let req = Request {
        method: b"POST",
        scheme: b"http",
        authority: b"example.com",
        path: b"/upload",
        protocol: None,
        headers,
    };
    p.client.send_request(&req, false).unwrap()
}

fn too_large(p: &Pair, id: StreamId, code: ErrorCode, length: u64) -> bool {
    p.server_events.iter().any(|e| {
        *e == Event::Reset {
            stream: id,
            code,
            remote: false,
            error: Some(StreamError::BodyTooLarge {
                limit: LIMIT,
                length,
            }),
        }
    })
}

/// The client's view: a complete 413 response, then the server's RST_STREAM(NO_ERROR).
fn got_413(p: &Pair, id: StreamId) -> bool {
    let resp = p.client_events.iter().any(|e| matches!(e,
        Event::Response { stream, head, end_stream: true } if *stream == id && head.status() == Some(413)));
    let rst = p.client_events.iter().any(|e| {
        matches!(e,
        Event::Reset { stream, code: ErrorCode::NO_ERROR, remote: true, .. } if *stream == id)
    });
    resp && rst
}

#[test]
fn a_body_growing_past_the_limit_gets_413_and_rst_no_error() {
    let mut p = pair();
    let id = post(&mut p, &[]);
    p.client
        .send_data(id, Bytes::from(vec![1u8; 600]), false)
        .unwrap();
    p.drive();
    assert!(
        p.server_events
            .iter()
            .any(|e| matches!(e, Event::Request { stream, .. } if *stream == id))
    );
    assert!(
        p.server_events
            .iter()
            .all(|e| !matches!(e, Event::Reset { .. }))
    );
    p.client
        .send_data(id, Bytes::from(vec![1u8; 600]), false)
        .unwrap();
    p.drive();
    assert!(too_large(&p, id, ErrorCode::NO_ERROR, 1200));
    assert!(got_413(&p, id));
    assert_eq!(p.server.stream_state(id), None, "released");
    assert_eq!(p.server.buffered(id), 0, "the unread body is dropped");
    // The connection goes on.
    assert!(p.server_error.is_none() && p.client_error.is_none());
    let next = p
        .client
        .send_request(&Request::get(b"http", b"example.com", b"/"), true)
        .unwrap();
    p.drive();
    assert!(
        p.server_events
            .iter()
            .any(|e| matches!(e, Event::Request { stream, .. } if *stream == next))
    );
}

#[test]
fn a_declared_content_length_past_the_limit_is_refused_before_the_request_is_reported() {
    let mut p = pair();
    let id = post(&mut p, &[(b"content-length", b"5000")]);
    p.drive();
    assert!(too_large(&p, id, ErrorCode::NO_ERROR, 5000));
    assert!(
        !p.server_events
            .iter()
            .any(|e| matches!(e, Event::Request { .. }))
    );
    assert!(got_413(&p, id));
    assert_eq!(
        p.client.stream_state(id),
        None,
        "the client's stream is over"
    );
    // The body the client still sends is dropped without a connection error.
    let _ = p.client.send_data(id, Bytes::from(vec![0u8; 5000]), true);
    p.drive();
    assert!(p.server_error.is_none() && p.client_error.is_none());
}

#[test]
fn a_body_at_the_limit_passes() {
    let mut p = pair();
    let id = post(&mut p, &[(b"content-length", b"1000")]);
    p.client
        .send_data(id, Bytes::from(vec![1u8; 1000]), true)
        .unwrap();
    p.drive();
    assert!(p.server_events.iter().any(|e| matches!(e,
        Event::Data { stream, end_stream: true, .. } if *stream == id)));
    assert!(
        p.server_events
            .iter()
            .all(|e| !matches!(e, Event::Reset { .. }))
    );
    assert_eq!(p.server.buffered(id), 1000);
}

#[test]
fn after_the_response_head_the_stream_is_reset_with_cancel() {
    let mut p = pair();
    let id = post(&mut p, &[]);
    p.drive();
    p.server.send_response(id, 200, &[], false).unwrap();
    p.drive();
    p.client
        .send_data(id, Bytes::from(vec![1u8; 1001]), false)
        .unwrap();
    p.drive();
    assert!(too_large(&p, id, ErrorCode::CANCEL, 1001));
    // One response (the 200), then the reset: no second head.
    let heads = p
        .client_events
        .iter()
        .filter(|e| matches!(e, Event::Response { .. }))
        .count();
    assert_eq!(heads, 1);
    assert!(p.client_events.iter().any(|e| matches!(e,
        Event::Reset { stream, code: ErrorCode::CANCEL, remote: true, .. } if *stream == id)));
    assert!(p.server_error.is_none() && p.client_error.is_none());
}

#[test]
fn no_limit_by_default() {
    let mut p = Pair::new(Instant::now(), Config::client(), Config::server());
    assert_eq!(Config::server().limits.max_request_body, None);
    let id = post(&mut p, &[]);
    p.client
        .send_data(id, Bytes::from(vec![1u8; 60_000]), true)
        .unwrap();
    p.drive();
    assert_eq!(p.server.buffered(id), 60_000);
}
