//! Helpers shared by the integration tests.
#![allow(dead_code, unreachable_pub, missing_docs)]

use proto_sse::{Config, EndOfStream, Parser};

/// An owned event: (type, data, id, retry).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ev {
    /// The event type.
    pub ty: String,
    /// The data.
    pub data: String,
    /// The last event ID.
    pub id: String,
    /// The block's retry field.
    pub retry: Option<u64>,
}

/// Parses `stream` cut into pieces of `size` bytes (0: whole), then ends the stream.
pub fn parse_chunked(config: &Config, stream: &[u8], size: usize) -> (Vec<Ev>, Parser) {
    let mut parser = Parser::with_config(config.clone());
    let mut out = Vec::new();
    let size = if size == 0 { stream.len().max(1) } else { size };
    for chunk in stream.chunks(size) {
        let mut feed = parser.feed(chunk);
        while let Some(ev) = feed.poll_event() {
            let ev = ev.expect("no limit error");
            out.push(own(&ev));
        }
    }
    if let Some(ev) = parser.finish() {
        out.push(own(&ev));
    }
    (out, parser)
}

/// An owned copy of an event.
pub fn own(ev: &proto_sse::Event<'_>) -> Ev {
    Ev {
        ty: ev.event_type.to_string(),
        data: ev.data.to_string(),
        id: ev.id.to_string(),
        retry: ev.retry,
    }
}

/// Parses `stream` whole, one byte at a time and in a few other chunkings, checks they agree,
/// and returns the events (the browser's view: incomplete last event discarded).
pub fn parse(stream: &[u8]) -> Vec<Ev> {
    parse_with(&Config::default(), stream)
}

/// [`parse`] with the opt-in flush of the incomplete last event.
pub fn parse_flush(stream: &[u8]) -> Vec<Ev> {
    let config = Config {
        end_of_stream: EndOfStream::Flush,
        ..Config::default()
    };
    parse_with(&config, stream)
}

/// [`parse`] with a configuration.
pub fn parse_with(config: &Config, stream: &[u8]) -> Vec<Ev> {
    let (whole, _) = parse_chunked(config, stream, 0);
    for size in [1, 2, 3, 5, 7, 64] {
        let (chunked, _) = parse_chunked(config, stream, size);
        assert_eq!(
            chunked, whole,
            "chunks of {size} bytes differ from the whole stream"
        );
    }
    whole
}

/// (type, data) pairs.
pub fn td(events: &[Ev]) -> Vec<(&str, &str)> {
    events
        .iter()
        .map(|e| (e.ty.as_str(), e.data.as_str()))
        .collect()
}

/// data only.
pub fn data(events: &[Ev]) -> Vec<&str> {
    events.iter().map(|e| e.data.as_str()).collect()
}
