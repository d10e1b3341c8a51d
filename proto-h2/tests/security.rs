//! Regression tests for the message-level defects of the security review: a second `host`
//! field that slipped past the `:authority`/`host` check (item 3). Driven through raw frames
//! against our server.

mod support;

use proto_h2::frame::kind;
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
