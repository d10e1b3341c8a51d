//! Parsing events that lie within one chunk allocates nothing: a counting global allocator.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;

static ALLOCS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator unchanged; only counts calls.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, which we pass on.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by `System` with `layout` (every allocation goes there).
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: as for `dealloc`; the caller upholds `realloc`'s contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocs() -> usize {
    ALLOCS.load(Ordering::Relaxed)
}

/// Parses all events of `chunk`, returning a checksum so nothing is optimised away.
fn parse_all(parser: &mut proto_sse::Parser, chunk: &[u8]) -> usize {
    let mut sum = 0;
    let mut feed = parser.feed(chunk);
    while let Some(ev) = feed.next_event() {
        let ev = ev.unwrap();
        sum += ev.data.len() + ev.event_type.len() + ev.id.len();
    }
    sum
}

// One test function: the counter is global, and tests of one binary run in parallel threads.
#[test]
fn parsing_events_within_one_chunk_allocates_nothing() {
    // Events with one data line, an event type, comments, retry, and no id: nothing at all is
    // allocated, even by a new parser.
    let mut chunk = Vec::new();
    for i in 0..200 {
        chunk.extend_from_slice(
            format!(": c\r\nevent: e{i}\r\nretry: {i}\r\ndata: payload {i}\r\n\r\n").as_bytes(),
        );
    }
    let before = allocs();
    let mut parser = proto_sse::Parser::new();
    let sum = parse_all(&mut parser, &chunk);
    let after = allocs();
    assert!(sum > 0);
    assert_eq!(
        after - before,
        0,
        "a cold parser allocated for single-line events"
    );

    // Multi-line data and ids are copied into the parser's buffers, whose capacity is reused:
    // after the first event (warm-up) nothing more is allocated.
    let mut multi = Vec::new();
    for i in 0..200 {
        multi.extend_from_slice(format!("id: {}\ndata: a{i}\ndata: b{i}\n\n", i % 10).as_bytes());
    }
    let mut parser = proto_sse::Parser::new();
    assert!(
        parse_all(
            &mut parser,
            b"id: 1234\ndata: warm up line one\ndata: two\n\n"
        ) > 0
    );
    let before = allocs();
    let sum = parse_all(&mut parser, &multi);
    let after = allocs();
    assert!(sum > 0);
    assert_eq!(after - before, 0, "a warm parser allocated");

    // The checker itself works: an event over two chunks on a cold parser does allocate.
    let mut parser = proto_sse::Parser::new();
    let before = allocs();
    let _ = parse_all(&mut parser, b"data: split ");
    let _ = parse_all(&mut parser, b"here\n\n");
    assert!(allocs() > before);
}
