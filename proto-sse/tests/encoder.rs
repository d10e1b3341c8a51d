//! The encoder: exact bytes, validation of what cannot be encoded, comments and heartbeats.

use proto_sse::{
    EncodeError, Message, Parser, encode, encode_comment, encode_heartbeat, encode_retry,
};

fn enc(msg: &Message<'_>) -> Vec<u8> {
    let mut out = Vec::new();
    encode(&mut out, msg).unwrap();
    out
}

#[test]
fn fields_and_data_lines() {
    assert_eq!(enc(&Message::data("hi")), b"data: hi\n\n");
    assert_eq!(enc(&Message::data("")), b"data:\n\n");
    assert_eq!(
        enc(&Message::data("a\r\nb\rc\nd\n")),
        b"data: a\ndata: b\ndata: c\ndata: d\ndata:\n\n"
    );
    assert_eq!(enc(&Message::data(" x")), b"data:  x\n\n");
    let msg = Message {
        event: Some("update"),
        id: Some("42"),
        retry: Some(1500),
        data: "{}",
    };
    assert_eq!(
        enc(&msg),
        b"event: update\nid: 42\nretry: 1500\ndata: {}\n\n"
    );
    let reset = Message {
        id: Some(""),
        event: Some(""),
        ..Message::data("x")
    };
    assert_eq!(enc(&reset), b"id:\ndata: x\n\n");
    let max = Message {
        retry: Some(u64::MAX),
        ..Message::data("x")
    };
    assert_eq!(enc(&max), b"retry: 18446744073709551615\ndata: x\n\n");
}

#[test]
fn what_cannot_be_encoded_is_a_typed_error_and_writes_nothing() {
    let mut out = b"keep".to_vec();
    let cases = [
        (Some("a\nb"), None, EncodeError::LineBreakInEventType),
        (Some("a\r"), None, EncodeError::LineBreakInEventType),
        (None, Some("1\n"), EncodeError::LineBreakInId),
        (None, Some("\r2"), EncodeError::LineBreakInId),
        (None, Some("1\x002"), EncodeError::NulInId),
    ];
    for (event, id, want) in cases {
        let msg = Message {
            event,
            id,
            ..Message::data("x")
        };
        assert_eq!(encode(&mut out, &msg), Err(want));
        assert_eq!(out, b"keep");
    }
}

#[test]
fn comments_heartbeats_and_retry_dispatch_nothing() {
    let mut out = Vec::new();
    encode_comment(&mut out, "hello\r\nworld\n");
    assert_eq!(out, b": hello\n: world\n:\n");
    encode_heartbeat(&mut out);
    encode_retry(&mut out, 0);
    encode(&mut out, &Message::data("after")).unwrap();
    let mut parser = Parser::new();
    let (_, ev) = parser.parse(&out).unwrap();
    assert_eq!(ev.unwrap().data, "after");
    assert_eq!(parser.reconnection_time(), Some(0));
}
