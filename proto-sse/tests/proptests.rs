//! Property tests: any chunking gives the same events; encode then parse is the identity;
//! arbitrary bytes never panic.

mod common;

use common::{Ev, parse_chunked};
use proptest::prelude::*;
use proto_sse::{Config, EndOfStream, Message, Parser, encode};

/// Parses `stream` cut at the given points (sorted, deduplicated, in range).
fn parse_cut(config: &Config, stream: &[u8], cuts: &[usize]) -> (Vec<Ev>, String, Option<u64>) {
    let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (stream.len() + 1)).collect();
    cuts.sort_unstable();
    cuts.dedup();
    let mut parser = Parser::with_config(config.clone());
    let mut out = Vec::new();
    let mut prev = 0;
    for &c in cuts.iter().chain(std::iter::once(&stream.len())) {
        let mut feed = parser.feed(&stream[prev..c]);
        while let Some(ev) = feed.poll_event() {
            out.push(common::own(&ev.unwrap()));
        }
        prev = c;
    }
    let id = parser.last_event_id().to_owned();
    let retry = parser.reconnection_time();
    if let Some(ev) = parser.finish() {
        out.push(common::own(&ev));
    }
    (out, id, retry)
}

/// Streams made of SSE-ish pieces, so that fields, BOMs and line ends of every kind are common.
fn sse_stream() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        Just(b"data".to_vec()),
        Just(b"data:".to_vec()),
        Just(b"data: ".to_vec()),
        Just(b"event:".to_vec()),
        Just(b"id:".to_vec()),
        Just(b"retry:".to_vec()),
        Just(b"12".to_vec()),
        Just(b":".to_vec()),
        Just(b" ".to_vec()),
        Just(b"\n".to_vec()),
        Just(b"\r".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(b"\n\n".to_vec()),
        Just(b"\xEF\xBB\xBF".to_vec()),
        Just(b"\xEF\xBB".to_vec()),
        Just(b"\0".to_vec()),
        Just("\u{2026}".as_bytes().to_vec()),
        Just(b"\xE2\x80".to_vec()),
        Just(b"\xFF".to_vec()),
        proptest::collection::vec(any::<u8>(), 0..4),
        "[a-z]{0,5}".prop_map(String::into_bytes),
    ];
    proptest::collection::vec(piece, 0..40).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn any_chunking_gives_the_same_events(
        stream in sse_stream(),
        cuts in proptest::collection::vec(any::<usize>(), 0..12),
        flush in any::<bool>(),
    ) {
        let config = Config {
            end_of_stream: if flush { EndOfStream::Flush } else { EndOfStream::Discard },
            ..Config::default()
        };
        let whole = parse_cut(&config, &stream, &[]);
        let cut = parse_cut(&config, &stream, &cuts);
        prop_assert_eq!(&cut, &whole);
        let (bytes, _) = parse_chunked(&config, &stream, 1);
        prop_assert_eq!(&bytes, &whole.0);
    }

    #[test]
    fn arbitrary_bytes_never_panic(
        stream in proptest::collection::vec(any::<u8>(), 0..512),
        cuts in proptest::collection::vec(any::<usize>(), 0..8),
        line in 0usize..64,
        event in 0usize..64,
    ) {
        let config = Config {
            limits: proto_sse::Limits { max_line_len: line, max_event_len: event },
            end_of_stream: EndOfStream::Flush,
        };
        let mut parser = Parser::with_config(config);
        let mut prev = 0;
        let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (stream.len() + 1)).collect();
        cuts.sort_unstable();
        for c in cuts.into_iter().chain(std::iter::once(stream.len())) {
            let mut feed = parser.feed(&stream[prev..c]);
            while let Some(ev) = feed.poll_event() {
                match ev {
                    Ok(ev) => {
                        prop_assert!(ev.data.len() <= 3 * event);
                        prop_assert!(!ev.event_type.is_empty());
                    }
                    Err(_) => break,
                }
            }
            prev = c.max(prev);
        }
        let _ = parser.finish();
    }

    #[test]
    fn encode_then_parse_is_identity(
        msgs in proptest::collection::vec(
            (
                proptest::option::of("[^\r\n]{0,8}"),
                proptest::option::of("[^\r\n\0]{0,8}"),
                proptest::option::of(any::<u64>()),
                "(\\PC|\r|\n| |\0){0,24}",
            ),
            1..6,
        ),
        cuts in proptest::collection::vec(any::<usize>(), 0..6),
        heartbeat in any::<bool>(),
    ) {
        let mut wire = Vec::new();
        let mut want = Vec::new();
        let mut last_id = String::new();
        for (event, id, retry, data) in &msgs {
            let msg = Message {
                event: event.as_deref(),
                id: id.as_deref(),
                retry: *retry,
                data,
            };
            encode(&mut wire, &msg).unwrap();
            if heartbeat {
                proto_sse::encode_heartbeat(&mut wire);
                proto_sse::encode_comment(&mut wire, "keep\r\nalive\rx\n");
            }
            if let Some(id) = id {
                last_id.clone_from(id);
            }
            let ty = event.as_deref().filter(|e| !e.is_empty()).unwrap_or("message");
            want.push(Ev {
                ty: ty.to_owned(),
                data: data.replace("\r\n", "\n").replace('\r', "\n"),
                id: last_id.clone(),
                retry: *retry,
            });
        }
        let (got, id, _) = parse_cut(&Config::default(), &wire, &cuts);
        prop_assert_eq!(got, want);
        prop_assert_eq!(id, last_id);
    }
}

/// A reference written straight from the standard's prose, on whole decoded strings: decode
/// the stream (UTF-8, invalid sequences to U+FFFD), drop one leading BOM, split lines at CRLF,
/// LF or CR, then interpret each line.
fn reference(stream: &[u8], flush: bool) -> (Vec<Ev>, String) {
    let text = String::from_utf8_lossy(stream);
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(&text);
    let mut lines = Vec::new();
    let mut cur = String::new();
    let mut chars = text.chars().peekable();
    let mut terminated = true;
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                lines.push(std::mem::take(&mut cur));
                terminated = true;
            }
            '\n' => {
                lines.push(std::mem::take(&mut cur));
                terminated = true;
            }
            c => {
                cur.push(c);
                terminated = false;
            }
        }
    }
    if flush {
        if !terminated {
            lines.push(cur);
        }
        lines.push(String::new());
    }
    let (mut data, mut ty, mut id_buf, mut last_id) =
        (String::new(), String::new(), String::new(), String::new());
    let mut retry = None;
    let mut out = Vec::new();
    for line in lines {
        if line.is_empty() {
            last_id.clone_from(&id_buf);
            if data.is_empty() {
                ty.clear();
                retry = None;
                continue;
            }
            if data.ends_with('\n') {
                data.pop();
            }
            out.push(Ev {
                ty: if ty.is_empty() {
                    "message".into()
                } else {
                    ty.clone()
                },
                data: std::mem::take(&mut data),
                id: last_id.clone(),
                retry: retry.take(),
            });
            ty.clear();
            continue;
        }
        if line.starts_with(':') {
            continue;
        }
        let (field, value) = match line.find(':') {
            Some(i) => {
                let v = &line[i + 1..];
                (&line[..i], v.strip_prefix(' ').unwrap_or(v))
            }
            None => (line.as_str(), ""),
        };
        match field {
            "event" => ty = value.to_owned(),
            "data" => {
                data.push_str(value);
                data.push('\n');
            }
            "id" if !value.contains('\0') => id_buf = value.to_owned(),
            "retry" if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
                retry = Some(value.bytes().fold(0u64, |a, d| {
                    a.saturating_mul(10).saturating_add(u64::from(d - b'0'))
                }));
            }
            _ => {}
        }
    }
    (out, last_id)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

    #[test]
    fn matches_a_reference_written_from_the_prose(
        stream in sse_stream(),
        cuts in proptest::collection::vec(any::<usize>(), 0..6),
        flush in any::<bool>(),
    ) {
        let config = Config {
            end_of_stream: if flush { EndOfStream::Flush } else { EndOfStream::Discard },
            ..Config::default()
        };
        let (want, want_id) = reference(&stream, flush);
        let (got, id, _) = parse_cut(&config, &stream, &cuts);
        prop_assert_eq!(got, want);
        if !flush {
            prop_assert_eq!(id, want_id);
        }
    }
}
