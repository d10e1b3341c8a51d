//! One test per case of the web-platform-tests `eventsource/format-*` files, written from the
//! rules of "interpreting an event stream". Each stream is what the WPT server sends (its
//! `message` resource appends `\n\n\n`, or `\n` with `newline=none`), and every stream is also
//! parsed in several chunkings (one byte at a time included), which must agree.

mod common;

use common::{data, parse, parse_chunked, parse_flush, td};
use proto_sse::Config;

/// What WPT's `resources/message` sends for `message` (default newline).
fn msg(m: &str) -> Vec<u8> {
    format!("{m}\n\n\n").into_bytes()
}

/// What it sends with `newline=none`.
fn msg_none(m: &str) -> Vec<u8> {
    format!("{m}\n").into_bytes()
}

#[test]
fn format_bom() {
    // format-bom: "\uFEFFdata:1\n\n\uFEFFdata:2\n\ndata:3": only the first BOM is stripped; the
    // second makes the field name "\uFEFFdata", which is ignored.
    let events = parse(&msg("\u{FEFF}data:1\n\n\u{FEFF}data:2\n\ndata:3"));
    assert_eq!(data(&events), ["1", "3"]);
}

#[test]
fn format_bom_2() {
    // format-bom-2: two BOMs at the start: the first line's name starts with the second one.
    let events = parse(&msg("\u{FEFF}\u{FEFF}data:1\n\ndata:2\n\ndata:3"));
    assert_eq!(data(&events), ["2", "3"]);
}

#[test]
fn format_bom_split_across_chunks_and_after_empty_chunk() {
    let stream = b"\xEF\xBB\xBFdata:x\n\n";
    for cut in 0..=3 {
        let mut parser = proto_sse::Parser::new();
        assert!(parser.parse(b"").unwrap().1.is_none());
        let (n, ev) = parser.parse(&stream[..cut]).unwrap();
        assert!(ev.is_none());
        assert_eq!(n, cut);
        let (_, ev) = parser.parse(&stream[cut..]).unwrap();
        assert_eq!(ev.unwrap().data, "x", "cut at {cut}");
    }
}

#[test]
fn format_bom_partial_is_not_stripped() {
    // EF BB followed by something else: not a BOM; the bytes start the first line, decode to
    // U+FFFD and spoil its field name.
    assert_eq!(data(&parse(b"\xEF\xBBdata:1\n\ndata:2\n\n")), ["2"]);
    // A BOM not at the very start is not stripped.
    assert_eq!(data(&parse(b"\n\xEF\xBB\xBFdata:1\n\ndata:2\n\n")), ["2"]);
}

#[test]
fn format_bom_utf16() {
    // format-bom-utf-16: streams are always UTF-8; FF FE / FE FF become two U+FFFD.
    assert_eq!(data(&parse(b"\xFF\xFEdata:1\n\ndata:2\n\n")), ["2"]);
    assert_eq!(data(&parse(b"\xFE\xFFdata:1\n\ndata:2\n\n")), ["2"]);
}

#[test]
fn format_comments() {
    // format-comments: comment lines with every kind of line end, long comments, a NUL.
    let long = "x".repeat(2 * 1024);
    let m = format!("data:1\r:\0\n:\r\ndata:2\n:{long}\rdata:3\n:data:fail\r:{long}\ndata:4\n");
    let events = parse(&msg_none(&m));
    assert_eq!(data(&events), ["1\n2\n3\n4"]);
}

#[test]
fn format_data_before_final_empty_line() {
    // format-data-before-final-empty-line: "retry:1000\ndata:test1\n\nid:test\ndata:test2"
    // with no final empty line: test2 is never dispatched.
    let stream = b"retry:1000\ndata:test1\n\nid:test\ndata:test2";
    let events = parse(stream);
    assert_eq!(data(&events), ["test1"]);
    assert_eq!(events[0].retry, Some(1000));
    // Only with the opt-in flush.
    let flushed = parse_flush(stream);
    assert_eq!(data(&flushed), ["test1", "test2"]);
    assert_eq!(flushed[1].id, "test");
}

#[test]
fn format_field_data() {
    // format-field-data: "data:\n\ndata\ndata\n\ndata:test"
    let events = parse(&msg("data:\n\ndata\ndata\n\ndata:test"));
    assert_eq!(data(&events), ["", "\n", "test"]);
}

#[test]
fn format_field_event() {
    // format-field-event: "event:test\ndata:x\n\ndata:x"
    let events = parse(&msg("event:test\ndata:x\n\ndata:x"));
    assert_eq!(td(&events), [("test", "x"), ("message", "x")]);
}

#[test]
fn format_field_event_empty() {
    // format-field-event-empty: "event: \ndata:data": an empty type is `message`.
    let events = parse(&msg("event: \ndata:data"));
    assert_eq!(td(&events), [("message", "data")]);
}

#[test]
fn format_field_event_type_is_reset_after_dispatch_and_on_empty_block() {
    let events = parse(b"event:a\n\ndata:1\n\nevent:b\nevent:c\ndata:2\n\n");
    assert_eq!(td(&events), [("message", "1"), ("c", "2")]);
}

#[test]
fn format_field_id() {
    // format-field-id: the ID persists across events; the first connection sends
    // "id: \u2026\nretry: 200\ndata: hello\n\n".
    let events = parse("id: …\nretry: 200\ndata: hello\n\ndata: again\n\n".as_bytes());
    assert_eq!(events[0].id, "…");
    assert_eq!(events[1].id, "…");
    assert_eq!(events[0].retry, Some(200));
    assert_eq!(events[1].retry, None);
}

#[test]
fn format_field_id_2() {
    // format-field-id-2: an id-only block sets the last event ID without dispatching.
    let (events, parser) = parse_chunked(
        &Config::default(),
        b"id:1\n\ndata:x\n\nid:\ndata:y\n\ndata:z\n\n",
        0,
    );
    let ids: Vec<_> = events.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(data(&events), ["x", "y", "z"]);
    // An empty id resets the last event ID.
    assert_eq!(ids, ["1", "", ""]);
    assert_eq!(parser.last_event_id(), "");
}

#[test]
fn format_field_id_3() {
    // format-field-id-3: the ID of a dispatched block with no data still becomes the last
    // event ID; an incomplete block's ID does not.
    let (events, parser) = parse_chunked(
        &Config::default(),
        b"data:a\nid:1\n\nid:2\n\nid:3\ndata:b",
        0,
    );
    assert_eq!(data(&events), ["a"]);
    assert_eq!(events[0].id, "1");
    assert_eq!(parser.last_event_id(), "2");
}

#[test]
fn format_field_id_null() {
    // format-field-id-null: an id containing NUL is ignored; the previous ID stays.
    let events = parse(b"id:1\ndata:a\n\nid:a\0b\ndata:b\n\nid:\0\0\ndata:c\n\n");
    let ids: Vec<_> = events.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["1", "1", "1"]);
}

#[test]
fn format_field_retry() {
    // format-field-retry: "retry:03000\ndata:x": leading zeros are fine.
    let (events, parser) = parse_chunked(&Config::default(), &msg("retry:03000\ndata:x"), 0);
    assert_eq!(events[0].retry, Some(3000));
    assert_eq!(parser.reconnection_time(), Some(3000));
}

#[test]
fn format_field_retry_bogus() {
    // format-field-retry-bogus: "retry:2000\nretry:1000x\ndata:x": the bogus one is ignored.
    let (events, parser) = parse_chunked(
        &Config::default(),
        &msg("retry:2000\nretry:1000x\ndata:x"),
        0,
    );
    assert_eq!(events[0].retry, Some(2000));
    assert_eq!(parser.reconnection_time(), Some(2000));
    for bogus in [
        "retry: 1000x",
        "retry:-1",
        "retry:1.5",
        "retry: 10",
        "retry:1 ",
    ] {
        // " 10" loses its one leading space and is valid; the rest are not.
        let (_, p) = parse_chunked(&Config::default(), &msg(&format!("{bogus}\ndata:x")), 0);
        let want = (bogus == "retry: 10").then_some(10);
        assert_eq!(p.reconnection_time(), want, "{bogus:?}");
    }
}

#[test]
fn format_field_retry_empty() {
    // format-field-retry-empty: "retry\ndata:test": an empty retry is ignored, the event comes.
    let (events, parser) = parse_chunked(&Config::default(), &msg("retry\ndata:test"), 0);
    assert_eq!(data(&events), ["test"]);
    assert_eq!(parser.reconnection_time(), None);
}

#[test]
fn format_field_retry_huge_saturates() {
    let (_, parser) = parse_chunked(
        &Config::default(),
        b"retry:99999999999999999999999999\n\n",
        0,
    );
    assert_eq!(parser.reconnection_time(), Some(u64::MAX));
}

#[test]
fn format_field_unknown() {
    // format-field-unknown: unknown fields, a line starting with space, lines without colon.
    let m = "data:test\n data\ndata\nfoobar:xxx\njustsometext\n:thisisacommentyay\ndata:test";
    assert_eq!(data(&parse(&msg(m))), ["test\n\ntest"]);
}

#[test]
fn format_field_names_are_case_sensitive() {
    assert_eq!(data(&parse(b"Data:1\nDATA:2\ndata:3\n\n")), ["3"]);
}

#[test]
fn format_leading_space() {
    // format-leading-space: "data:\u0020\u0020test": exactly one space is removed.
    assert_eq!(data(&parse(&msg("data:  test"))), [" test"]);
    assert_eq!(data(&parse(&msg("data:\ttest"))), ["\ttest"]);
    assert_eq!(td(&parse(&msg("event:  t\ndata: x"))), [(" t", "x")]);
}

#[test]
fn format_newlines() {
    // format-newlines: "data:test\r\ndata\ndata:test\r\n\r\n".
    assert_eq!(
        data(&parse(b"data:test\r\ndata\ndata:test\r\n\r\n")),
        ["test\n\ntest"]
    );
    // Lone CRs, mixed.
    assert_eq!(
        data(&parse(b"data:a\rdata:b\r\rdata:c\n\r\n")),
        ["a\nb", "c"]
    );
    // CR LF is one line end, CR CR is two (a blank line), LF CR is two.
    assert_eq!(
        data(&parse(b"data:1\r\n\r\ndata:2\r\rdata:3\n\r")),
        ["1", "2", "3"]
    );
}

#[test]
fn format_newlines_crlf_split_across_chunks() {
    // A CR ending one chunk and an LF starting the next are one line end, not a blank line.
    let mut parser = proto_sse::Parser::new();
    assert!(parser.parse(b"data:a\r").unwrap().1.is_none());
    assert!(parser.parse(b"\ndata:b\r").unwrap().1.is_none());
    let (n, ev) = parser.parse(b"\n\r\n").unwrap();
    assert_eq!(ev.unwrap().data, "a\nb");
    assert_eq!(n, 3);
    // A lone CR at a chunk end followed by a non-LF byte.
    let mut parser = proto_sse::Parser::new();
    assert!(parser.parse(b"data:a\r").unwrap().1.is_none());
    let (_, ev) = parser.parse(b"\r").unwrap();
    assert_eq!(ev.unwrap().data, "a");
}

#[test]
fn format_null_character() {
    // format-null-character: "data:\0\n\n" gives "\0".
    assert_eq!(data(&parse(&msg("data:\0\n\n"))), ["\0"]);
    // NUL in names and event types is kept.
    assert_eq!(td(&parse(b"event:a\0b\ndata:x\n\n")), [("a\0b", "x")]);
}

#[test]
fn format_utf8() {
    // format-utf-8: always UTF-8, whatever the charset parameter says.
    assert_eq!(data(&parse(&msg("data:ok\u{2026}"))), ["ok\u{2026}"]);
    // A multi-byte character split at every possible point.
    let stream = "data:\u{1F600}\u{2026}é\n\n".as_bytes();
    for cut in 0..stream.len() {
        let mut parser = proto_sse::Parser::new();
        let mut got = Vec::new();
        for part in [&stream[..cut], &stream[cut..]] {
            let mut feed = parser.feed(part);
            while let Some(ev) = feed.poll_event() {
                got.push(ev.unwrap().data.into_owned());
            }
        }
        assert_eq!(got, ["\u{1F600}\u{2026}é"]);
    }
}

#[test]
fn format_invalid_utf8_becomes_replacement_characters() {
    // Never rejected: each maximal invalid subpart is one U+FFFD.
    assert_eq!(data(&parse(b"data:a\xFFb\n\n")), ["a\u{FFFD}b"]);
    assert_eq!(data(&parse(b"data:\xE2\x82\n\n")), ["\u{FFFD}"]);
    assert_eq!(
        data(&parse(b"data:\xE2\x82\ndata:\xAC\n\n")),
        ["\u{FFFD}\n\u{FFFD}"]
    );
    assert_eq!(data(&parse(b"data:\xF0\x9F\x98\n\n")), ["\u{FFFD}"]);
    assert_eq!(data(&parse(b"data:\xC0\xAF\n\n")), ["\u{FFFD}\u{FFFD}"]);
    let events = parse(b"event:\xFF\nid:\xFE\ndata:x\n\n");
    assert_eq!(events[0].ty, "\u{FFFD}");
    assert_eq!(events[0].id, "\u{FFFD}");
}

#[test]
fn event_data_parsing() {
    // event-data: lines and data parsing.
    let m = "data:msg\ndata:msg\n\n:\n\nfalsefield:msg\n\nfalsefield:msg\ndata\n\nData:data\n\ndata:end";
    assert_eq!(data(&parse(&msg(m))), ["msg\nmsg", "", "end"]);
}

#[test]
fn no_dispatch_without_data_and_trailing_lf_removed_once() {
    assert!(parse(b"event:x\n\nid:1\n\n:c\n\n\n\n").is_empty());
    assert_eq!(data(&parse(b"data:\ndata:\n\n")), ["\n"]);
    assert_eq!(data(&parse(b"data:a\ndata:\n\n")), ["a\n"]);
}

#[test]
fn incomplete_line_at_end_is_discarded_or_flushed() {
    assert!(parse(b"data:a").is_empty());
    assert!(parse(b"data:a\n").is_empty());
    assert_eq!(data(&parse_flush(b"data:a")), ["a"]);
    assert_eq!(data(&parse_flush(b"data:a\n")), ["a"]);
    assert_eq!(data(&parse_flush(b"data:a\r")), ["a"]);
    assert!(parse_flush(b"event:x\nid:1").is_empty());
    assert!(parse_flush(b"\xEF\xBB").is_empty());
}

#[test]
fn finish_starts_a_new_stream_keeping_last_event_id_and_retry() {
    let mut parser = proto_sse::Parser::new();
    let mut feed = parser.feed(b"\xEF\xBB\xBFid:7\nretry:10\ndata:a\n\ndata:b");
    assert_eq!(feed.poll_event().unwrap().unwrap().data, "a");
    assert!(feed.poll_event().is_none());
    assert!(parser.finish().is_none());
    // The new stream may start with a BOM again; the ID persists.
    let (_, ev) = parser.parse(b"\xEF\xBB\xBFdata:c\n\n").unwrap();
    let ev = ev.unwrap();
    assert_eq!((&*ev.data, &*ev.id), ("c", "7"));
    assert_eq!(parser.reconnection_time(), Some(10));
}
