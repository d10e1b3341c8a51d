//! Regression tests for the message-level defects of the security review: a second `host`
//! field that slipped past the `:authority`/`host` check (item 3), and `:status` values
//! outside 100..=599 or 101 taken for interim responses (item 8). Driven through raw frames
//! against our server (requests) and our client (responses).

mod support;

use proto_h2::frame::{ErrorCode, flag, kind};
use support::*;

// ---------------------------------------------------------------- item 3: host

/// Sends a request with exactly `fields` on stream 1 to a fresh server; returns the peer.
fn request_with(fields: &[(&str, &str)]) -> Peer {
    let mut p = Peer::new();
    let b = p.block(fields);
    p.send(&headers_frame(1, END, &b));
    p
}

/// The request is refused as malformed: RST_STREAM(PROTOCOL_ERROR) on stream 1, the
/// application never saw it, and the connection goes on.
#[track_caller]
fn refused_as_malformed(mut p: Peer) {
    p.stream_error(1, PROTOCOL);
    assert!(
        p.heads.is_empty(),
        "the application got the request: {:?}",
        p.heads
    );
    assert!(
        !p.frames.iter().any(|f| f.kind == kind::HEADERS),
        "a response was sent"
    );
    p.alive();
}

const BASE: [(&str, &str); 3] = [(":method", "GET"), (":scheme", "http"), (":path", "/")];

fn fields(extra: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    let mut v = BASE.to_vec();
    v.extend_from_slice(extra);
    v
}

#[test]
fn second_host_that_disagrees_with_authority_is_malformed() {
    // The reported bypass: the first `host` was the only one compared.
    refused_as_malformed(request_with(&fields(&[
        (":authority", "good.example"),
        ("host", "evil.example"),
        ("host", "good.example"),
    ])));
    refused_as_malformed(request_with(&fields(&[
        (":authority", "good.example"),
        ("host", "good.example"),
        ("host", "evil.example"),
    ])));
}

#[test]
fn two_host_fields_are_malformed_even_when_they_agree() {
    refused_as_malformed(request_with(&fields(&[
        (":authority", "good.example"),
        ("host", "good.example"),
        ("host", "good.example"),
    ])));
    // Without `:authority` too: which of the two names the target is anybody's guess.
    refused_as_malformed(request_with(&fields(&[
        ("host", "good.example"),
        ("host", "evil.example"),
    ])));
    refused_as_malformed(request_with(&fields(&[
        ("host", "good.example"),
        ("host", "good.example"),
    ])));
}

#[test]
fn one_host_field_is_still_accepted() {
    for extra in [
        &[(":authority", "good.example"), ("host", "good.example")][..],
        &[("host", "good.example")][..],
    ] {
        let mut p = request_with(&fields(extra));
        p.response(1);
        assert_eq!(p.heads.len(), 1);
        assert_eq!(
            p.request_field(1, "host").as_deref(),
            Some(&b"good.example"[..])
        );
    }
}

// ---------------------------------------------------------------- item 8: :status

/// Our client (request on stream 1) receives a response head with `:status status`.
fn response_with(status: &str, end_stream: bool) -> Peer {
    let mut p = Peer::h2spec_client(Delivery::Whole);
    let b = p.block(&[(":status", status)]);
    let fl = flag::END_HEADERS | if end_stream { flag::END_STREAM } else { 0 };
    p.send(&headers_frame(1, fl, &b));
    p
}

#[test]
fn status_outside_100_to_599_or_101_is_a_malformed_response() {
    for status in [
        "000", "099", "101", "600", "999", "020", "+20", "-20", "2000", "20", "", "2 0", "20a",
    ] {
        for end_stream in [false, true] {
            let mut p = response_with(status, end_stream);
            p.flush();
            let rst = p
                .frames
                .iter()
                .find(|f| f.kind == kind::RST_STREAM && f.stream == 1)
                .map(|f| ErrorCode(u32::from_be_bytes(f.payload[..4].try_into().unwrap())));
            assert_eq!(
                rst,
                Some(ErrorCode::PROTOCOL_ERROR),
                ":status {status:?}: want RST_STREAM(PROTOCOL_ERROR); frames {:?}",
                p.frames
            );
            assert!(
                p.heads.is_empty(),
                ":status {status:?} reached the application: {:?}",
                p.heads
            );
            assert!(!p.failed, "a stream error, not a connection error");
        }
    }
}

#[test]
fn status_with_whitespace_is_a_malformed_response() {
    for status in [" 200", "200 ", "\t200"] {
        let mut p = response_with(status, true);
        p.stream_error(1, PROTOCOL);
        assert!(p.heads.is_empty(), ":status {status:?}: {:?}", p.heads);
    }
}

#[test]
fn interim_responses_other_than_101_are_still_delivered_before_the_final_one() {
    let mut p = Peer::h2spec_client(Delivery::Whole);
    let mut wire = Vec::new();
    for status in ["100", "103", "199"] {
        let b = p.block(&[(":status", status)]);
        wire.extend(headers_frame(1, flag::END_HEADERS, &b));
    }
    let b = p.block(&[(":status", "599")]);
    wire.extend(headers_frame(1, END, &b));
    p.send(&wire);
    p.flush();
    assert!(!p.failed);
    assert!(!p.frames.iter().any(|f| f.kind == kind::RST_STREAM));
    let got: Vec<Option<u16>> = p.heads.iter().map(|(_, h)| h.status()).collect();
    assert_eq!(got, vec![Some(100), Some(103), Some(199), Some(599)]);
}

#[test]
fn server_does_not_send_a_status_its_peer_must_refuse() {
    use proto_h2::error::UserError;
    let mut p = Peer::new();
    p.answer = false;
    let h = p.headers(1, END);
    p.send(&h);
    let id = proto_h2::frame::StreamId::new(1);
    for status in [0, 99, 101, 600, 999, 1000] {
        assert_eq!(
            p.s.send_response(id, status, &[], false),
            Err(UserError::InvalidStatus(status))
        );
    }
    assert_eq!(p.s.send_response(id, 599, &[], true), Ok(()));
}
