//! The SSE parser on arbitrary bytes, cut into chunks driven by the input: the first byte picks
//! the limits and end-of-stream mode, the next eight seed the chunk lengths. Invariants: no
//! panic, the chunked parse gives the same events and errors as the whole-stream parse, and
//! after every chunk the parser holds at most `Limits::max_held_bytes` (a counting allocator).
#![no_main]

use libfuzzer_sys::fuzz_target;
use proto_sse::{Config, EndOfStream, Limits, Parser};
use test_support::alloc::{CountingAllocator, Measure};

#[global_allocator]
static ALLOC: CountingAllocator = CountingAllocator::new();

/// Parses the chunks keeping nothing of the events, and checks after each chunk that the
/// parser's live heap is within its documented bound.
fn check_memory(config: &Config, chunks: &[&[u8]]) {
    let bound = config.limits.max_held_bytes() as i64;
    let m = Measure::start();
    let mut parser = Parser::with_config(config.clone());
    for chunk in chunks {
        let mut feed = parser.feed(chunk);
        while let Some(Ok(ev)) = feed.poll_event() {
            std::hint::black_box(ev.data.len() + ev.id.len());
        }
        let held = m.stats().live_bytes;
        assert!(
            held <= bound,
            "the parser holds {held} bytes, above {bound}"
        );
    }
}

type Outcome = (
    Vec<(String, String, String, Option<u64>)>,
    Option<proto_sse::Error>,
    String,
);

fn run(config: &Config, chunks: &[&[u8]]) -> Outcome {
    let mut parser = Parser::with_config(config.clone());
    let mut events = Vec::new();
    for chunk in chunks {
        let mut feed = parser.feed(chunk);
        while let Some(ev) = feed.poll_event() {
            match ev {
                Ok(ev) => events.push((
                    ev.event_type.into_owned(),
                    ev.data.into_owned(),
                    ev.id.into_owned(),
                    ev.retry,
                )),
                Err(e) => {
                    // Offsets may differ with the chunking; the kind and limit may not.
                    let id = parser.last_event_id().to_owned();
                    return (events, Some(e), id);
                }
            }
        }
    }
    let id = parser.last_event_id().to_owned();
    if let Some(ev) = parser.finish() {
        events.push((
            ev.event_type.into_owned(),
            ev.data.into_owned(),
            ev.id.into_owned(),
            ev.retry,
        ));
    }
    (events, None, id)
}

fn kind(e: &Option<proto_sse::Error>) -> Option<(u8, usize)> {
    e.map(|e| match e {
        proto_sse::Error::LineTooLong { limit, .. } => (0, limit),
        proto_sse::Error::EventTooLarge { limit, .. } => (1, limit),
        _ => (2, 0),
    })
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 9 {
        return;
    }
    let mode = data[0];
    let mut seed = u64::from_le_bytes(data[1..9].try_into().unwrap()) | 1;
    let stream = &data[9..];
    let limits = if mode & 1 == 0 {
        Limits::default()
    } else {
        Limits {
            max_line_len: usize::from(mode >> 2) * 4,
            max_event_len: usize::from(mode >> 3) * 16,
        }
    };
    let config = Config {
        limits,
        end_of_stream: if mode & 2 == 0 {
            EndOfStream::Discard
        } else {
            EndOfStream::Flush
        },
    };
    let mut chunks = Vec::new();
    let mut rest = stream;
    while !rest.is_empty() {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let n = ((seed % 17) as usize).min(rest.len());
        chunks.push(&rest[..n]);
        rest = &rest[n..];
    }
    let whole = run(&config, &[stream]);
    let cut = run(&config, &chunks);
    check_memory(&config, &chunks);
    assert_eq!(kind(&whole.1), kind(&cut.1));
    if whole.1.is_none() {
        assert_eq!(whole, cut);
    }
});
