//! No allocation on the hot path: unfragmented, uncompressed messages, both roles, after the
//! connection and the caller's output buffer exist.

use proto_ws::{Config, Connection, Event};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;

static ALLOCS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator, only counting calls.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as ours.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn unfragmented_messages_do_not_allocate() {
    let text = "x".repeat(70_000);
    let bin = vec![7u8; 5000];
    // Build the client's frames (allocation allowed here).
    let mut client = Connection::client_predictable(Config::default(), 11);
    let mut wire = Vec::new();
    for i in 0..50 {
        client.send_text(&text[..i * 1000], &mut wire).unwrap();
        client.send_binary(&bin[..i * 100], &mut wire).unwrap();
    }
    let mut server = Connection::server(Config::default());
    let mut out: Vec<u8> = Vec::with_capacity(8 << 20);
    let mut client_out: Vec<u8> = Vec::with_capacity(8 << 20);
    let mut count = 0usize;
    let mut bytes = 0usize;

    let before = ALLOCS.load(Ordering::Relaxed);
    // Server: receive (unmask in place, UTF-8 check) and answer each message.
    let mut pos = 0;
    while pos < wire.len() {
        let (n, ev) = server.recv(&mut wire[pos..]).unwrap();
        pos += n;
        let len = match ev {
            Some(Event::Text(t)) => t.len(),
            Some(Event::Binary(b)) => b.len(),
            other => panic!("{other:?}"),
        };
        count += 1;
        bytes += len;
        server
            .send_binary(&bin[..len.min(bin.len())], &mut out)
            .unwrap();
        // Client side sends too (masking into its buffer).
        client
            .send_text(&text[..len.min(100)], &mut client_out)
            .unwrap();
    }
    // Client: receive the server's (unmasked) answers.
    let mut pos = 0;
    while pos < out.len() {
        let (n, ev) = client.recv(&mut out[pos..]).unwrap();
        pos += n;
        assert!(matches!(ev, Some(Event::Binary(_))));
    }
    let after = ALLOCS.load(Ordering::Relaxed);
    assert_eq!(count, 100);
    assert!(bytes > 1_000_000);
    assert_eq!(after - before, 0, "allocations on the hot path");
}
