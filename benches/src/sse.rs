//! Server-Sent Events parsing: `proto-sse`'s [`Parser`] against `eventsource-stream` on the same
//! bytes and the same chunking.
//!
//! `eventsource-stream` is a `futures` `Stream` adapter: it is driven here by polling it with a
//! no-op waker over a stream of the same chunks (every poll is ready, as with a body that is
//! already buffered), so no runtime is measured. Both sides build a new parser per iteration and
//! touch every event's data.

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use eventsource_stream::Eventsource;
use futures_core::Stream;
use proto_sse::Parser;

use crate::Pair;

/// Many small events: `event`, `id` and a one-line JSON `data` each, about 60 bytes.
pub fn small_events(n: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for i in 0..n {
        out.extend_from_slice(
            format!("event: tick\nid: {i}\ndata: {{\"seq\":{i},\"value\":\"abcdef\"}}\n\n")
                .as_bytes(),
        );
    }
    out
}

/// Few large events, each of `lines` `data:` lines of 80 bytes.
pub fn large_events(n: usize, lines: usize) -> Vec<u8> {
    let line = "x".repeat(74);
    let mut out = Vec::new();
    for i in 0..n {
        out.extend_from_slice(format!("event: blob\nid: {i}\n").as_bytes());
        for _ in 0..lines {
            out.extend_from_slice(b"data: ");
            out.extend_from_slice(line.as_bytes());
            out.push(b'\n');
        }
        out.push(b'\n');
    }
    out
}

/// Parses `chunks` with our parser: (events, data bytes).
pub fn ours(chunks: &[&[u8]]) -> (u64, u64) {
    let mut parser = Parser::new();
    let (mut events, mut bytes) = (0u64, 0u64);
    for chunk in chunks {
        let mut feed = parser.feed(chunk);
        while let Some(ev) = feed.poll_event() {
            let ev = ev.expect("bench inputs are within the limits");
            events += 1;
            bytes += ev.data.len() as u64;
        }
    }
    (events, bytes)
}

/// A stream over borrowed chunks, always ready.
struct Chunks<'a> {
    chunks: std::slice::Iter<'a, &'a [u8]>,
}

impl<'a> Stream for Chunks<'a> {
    type Item = Result<&'a [u8], Infallible>;

    fn poll_next(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Poll::Ready(self.chunks.next().map(|c| Ok(*c)))
    }
}

/// Parses `chunks` with `eventsource-stream`: (events, data bytes).
pub fn theirs(chunks: &[&[u8]]) -> (u64, u64) {
    let mut stream = Chunks {
        chunks: chunks.iter(),
    }
    .eventsource();
    let mut cx = Context::from_waker(Waker::noop());
    let (mut events, mut bytes) = (0u64, 0u64);
    loop {
        match Pin::new(&mut stream).poll_next(&mut cx) {
            Poll::Ready(Some(Ok(ev))) => {
                events += 1;
                bytes += ev.data.len() as u64;
            }
            Poll::Ready(Some(Err(e))) => panic!("eventsource-stream failed: {e}"),
            Poll::Ready(None) => break,
            Poll::Pending => unreachable!("the chunk stream is always ready"),
        }
    }
    (events, bytes)
}

fn pair(name: String, input: Vec<u8>, chunk: usize) -> Pair {
    let input: &'static [u8] = Box::leak(input.into_boxed_slice());
    let chunks: Vec<&'static [u8]> = input.chunks(chunk).collect();
    let chunks: &'static [&'static [u8]] = Box::leak(chunks.into_boxed_slice());
    Pair {
        group: "sse",
        name,
        peer: "eventsource-stream",
        bytes: input.len() as u64,
        ours: Box::new(move || {
            let (e, b) = ours(chunks);
            e + b
        }),
        theirs: Box::new(move || {
            let (e, b) = theirs(chunks);
            e + b
        }),
    }
}

/// The pairs of the SSE group.
pub fn pairs() -> Vec<Pair> {
    let small = small_events(2000);
    let large = large_events(4, 2000);
    let one = small_events(100);
    vec![
        pair(
            format!(
                "2000 small events ({} KB, 16 KB chunks)",
                small.len() / 1000
            ),
            small,
            16 * 1024,
        ),
        pair(
            format!(
                "4 events x 2000 lines ({} KB, 16 KB chunks)",
                large.len() / 1000
            ),
            large,
            16 * 1024,
        ),
        pair(
            format!("100 small events, 1-byte chunks ({} B)", one.len()),
            one,
            1,
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_parsers_see_the_same_events_in_every_input() {
        for (input, chunk) in [
            (small_events(50), 100),
            (large_events(2, 30), 500),
            (small_events(5), 1),
        ] {
            let chunks: Vec<&[u8]> = input.chunks(chunk).collect();
            let ours = ours(&chunks);
            assert!(ours.0 > 0);
            assert_eq!(ours, theirs(&chunks));
        }
    }
}
