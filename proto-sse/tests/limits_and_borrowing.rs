//! Limits with typed errors, and the zero-copy contract (events within one chunk borrow it).

use std::borrow::Cow;

use proto_sse::{Config, Error, Limits, Parser};

fn limited(line: usize, event: usize) -> Parser {
    Parser::with_config(Config {
        limits: Limits {
            max_line_len: line,
            max_event_len: event,
        },
        ..Config::default()
    })
}

#[test]
fn line_limit_in_one_chunk_and_across_chunks() {
    let mut p = limited(8, 100);
    assert!(p.parse(b"data:123\n\n").unwrap().1.is_some());
    let err = p.parse(b"data:1234\n").unwrap_err();
    assert!(
        matches!(err, Error::LineTooLong { limit: 8, .. }),
        "{err:?}"
    );
    // Sticky.
    assert_eq!(p.parse(b"data:1\n\n").unwrap_err(), err);
    // Across chunks, without a line end yet (a slow peer cannot make it buffer more).
    let mut p = limited(8, 100);
    assert!(p.parse(b"data:").unwrap().1.is_none());
    assert!(p.parse(b"123").unwrap().1.is_none());
    assert!(matches!(
        p.parse(b"4").unwrap_err(),
        Error::LineTooLong {
            limit: 8,
            offset: 8
        }
    ));
    // reset clears the error.
    p.reset();
    assert!(p.parse(b"data:1\n\n").unwrap().1.is_some());
}

#[test]
fn event_limit_counts_data_and_type() {
    let mut p = limited(100, 10);
    assert_eq!(
        p.parse(b"data:12345\ndata:1234\n\n")
            .unwrap()
            .1
            .unwrap()
            .data,
        "12345\n1234"
    );
    let err = p.parse(b"data:12345\ndata:12345\n\n").unwrap_err();
    assert!(matches!(err, Error::EventTooLarge { limit: 10, .. }));
    let mut p = limited(100, 10);
    assert!(p.parse(b"event:123456\ndata:12345\n\n").is_err());
    // Replacing the type does not count twice; a dispatch starts the count over.
    let mut p = limited(100, 10);
    assert!(
        p.parse(b"event:12345\nevent:1234\ndata:1\n\n")
            .unwrap()
            .1
            .is_some()
    );
    assert!(p.parse(b"data:1234567890\n\n").unwrap().1.is_some());
    assert!(p.to_owned().parse(b"data:12345678901\n\n").is_err());
}

#[test]
fn event_within_one_chunk_is_borrowed_from_it() {
    let mut p = Parser::new();
    let chunk = b"event:tick\nid:9\ndata:hello\n\n".to_vec();
    let (n, ev) = p.parse(&chunk).unwrap();
    let ev = ev.unwrap();
    assert_eq!(n, chunk.len());
    let range = chunk.as_ptr_range();
    for s in [&ev.data, &ev.event_type] {
        match s {
            Cow::Borrowed(b) => assert!(range.contains(&b.as_ptr()), "not from the chunk"),
            Cow::Owned(_) => panic!("copied: {s:?}"),
        }
    }
    assert!(matches!(ev.id, Cow::Borrowed("9")));
}

#[test]
fn event_over_two_chunks_is_borrowed_from_the_parser() {
    let mut p = Parser::new();
    assert!(p.parse(b"data:hel").unwrap().1.is_none());
    let chunk = b"lo\n\n";
    let ev = p.parse(chunk).unwrap().1.unwrap();
    assert_eq!(ev.data, "hello");
    assert!(matches!(ev.data, Cow::Borrowed(_)));
    assert!(!chunk.as_ptr_range().contains(&ev.data.as_ptr()));
}

#[test]
fn parse_stops_after_each_event() {
    let mut p = Parser::new();
    let input = b"data:1\n\ndata:2\n\n";
    let (n, ev) = p.parse(input).unwrap();
    assert_eq!(ev.unwrap().data, "1");
    assert_eq!(n, 8);
    let (m, ev) = p.parse(&input[n..]).unwrap();
    assert_eq!(ev.unwrap().data, "2");
    assert_eq!(n + m, input.len());
    assert_eq!(p.offset(), input.len() as u64);
}

#[test]
fn bom_prefix_bytes_count_against_a_tiny_line_limit() {
    // Found by the sse_parser fuzz target: the bytes of a partial BOM start the first line and
    // may already exceed a line limit below 3.
    for limit in 0..3 {
        let mut p = limited(limit, 100);
        let err = p.parse(b"\xEF\xEF\xEF%\xEF").unwrap_err();
        assert!(matches!(err, Error::LineTooLong { .. }), "{err:?}");
        let mut p = limited(limit, 100);
        assert!(p.parse(b"\xEF\xBB").unwrap().1.is_none());
        assert!(p.parse(b"x\n").is_err());
    }
}
