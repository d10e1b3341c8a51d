//! No allocation on the hot path, counted per thread with `test_support`'s counting allocator:
//! once a connection and the caller's buffers exist, and its receive, message and output
//! buffers have grown to their working size, sending and receiving allocate nothing.
//!
//! - Unfragmented, uncompressed messages, both roles, in reads that fit the 8 KiB receive
//!   buffer an idle connection keeps: zero after one warm-up message of the largest size
//!   (they are handed out from the receive buffer, and queued frames move to the caller's
//!   buffer). Reads larger than 8 KiB grow the receive buffer and the `poll_event` that finds
//!   it drained gives it back (the memory bound of `Connection`), so each such read allocates
//!   once, by design.
//! - Fragmented messages up to 8 KiB (the message buffer an idle connection keeps), with
//!   control frames between fragments, fed in small reads: zero after one warm-up message of
//!   the largest size. A larger one grows the buffer and the next `poll_event` gives the
//!   excess back, so each such message allocates again, by design.
//! - permessage-deflate messages under 8 KiB, both directions, with and without context
//!   takeover: zero after the warm-up, which creates the inflater's window and grows the
//!   compressor's scratch buffer. (A message that inflates to exactly the buffer's capacity
//!   makes the inflater grow it to look for more output, and the next `poll_event` shrinks it
//!   back: two reallocations for an 8 KiB message.) zlib-rs allocates its state when the
//!   stream is created (in `Connection::new`) and its window on the first inflate, and
//!   resetting it between messages (no context takeover) keeps both.

use proto_ws::{Config, Connection, DeflateParams, Event, MessageKind};
use test_support::alloc::{CountingAllocator, Measure};

#[global_allocator]
static ALLOC: CountingAllocator = CountingAllocator::new();

/// Feeds `wire` to `conn` `read` bytes at a time (what `recv` does not take is offered again
/// after the events are drained, as a socket loop does), answering with `poll_transmit` into
/// `reply`. Returns the data messages' lengths summed, and their number.
fn feed(conn: &mut Connection, wire: &[u8], read: usize, reply: &mut Vec<u8>) -> (usize, usize) {
    let (mut bytes, mut messages) = (0, 0);
    for piece in wire.chunks(read) {
        let mut rest = piece;
        while !rest.is_empty() {
            let n = conn.recv(rest).unwrap();
            rest = &rest[n..];
            while let Some(ev) = conn.poll_event().unwrap() {
                match ev {
                    Event::Text(t) => (bytes, messages) = (bytes + t.len(), messages + 1),
                    Event::Binary(b) => (bytes, messages) = (bytes + b.len(), messages + 1),
                    _ => {}
                }
            }
        }
        transmit(conn, reply);
    }
    (bytes, messages)
}

/// Appends everything `conn` queued to `out`.
fn transmit(conn: &mut Connection, out: &mut Vec<u8>) {
    while conn.wants_write() {
        if let Some(p) = conn.poll_transmit(out) {
            out.extend_from_slice(&p);
        }
    }
}

#[test]
fn unfragmented_messages_do_not_allocate() {
    let text = "x".repeat(2000);
    let bin = vec![7u8; 2000];
    let mut client = Connection::client(Config::default(), os_keys());
    let mut server = Connection::server(Config::default());
    let (mut wire, mut out, mut back) = (
        Vec::with_capacity(1 << 20),
        Vec::with_capacity(1 << 20),
        Vec::with_capacity(1 << 20),
    );
    // Warm-up: the largest message each way (receive and output buffers).
    client.send_text(&text).unwrap();
    transmit(&mut client, &mut wire);
    assert_eq!(feed(&mut server, &wire, 4096, &mut out), (2000, 1));
    server.send_binary(&bin).unwrap();
    transmit(&mut server, &mut back);
    assert_eq!(feed(&mut client, &back, 4096, &mut out), (2000, 1));
    wire.clear();
    back.clear();

    let m = Measure::start();
    // The client sends, masking into its queue with keys from the OS generator (100 frames:
    // the 64-key batch is refilled on the way); the server receives (unmask in place, UTF-8
    // check) and answers each message; the client receives the (unmasked) answers.
    for i in 0..50 {
        client.send_text(&text[..i * 40]).unwrap();
        transmit(&mut client, &mut wire);
        client.send_binary(&bin[..i * 40 + 1]).unwrap();
        transmit(&mut client, &mut wire);
    }
    let (bytes, count) = feed(&mut server, &wire, 4096, &mut out);
    for i in 0..100 {
        server.send_binary(&bin[..i * 20]).unwrap();
        transmit(&mut server, &mut back);
    }
    let (back_bytes, back_count) = feed(&mut client, &back, 4096, &mut out);
    let allocations = m.stats().allocations;
    assert_eq!((count, back_count), (100, 100));
    assert_eq!(bytes, (0..50).map(|i| i * 80 + 1).sum::<usize>());
    assert_eq!(back_bytes, (0..100).map(|i| i * 20).sum::<usize>());
    assert_eq!(allocations, 0, "allocations on the hot path");
}

/// Multilingual text of `n` bytes (code points of 1 to 4 bytes, so fragments split them).
fn text(n: usize) -> String {
    let mut s = String::new();
    let words = ["hello ", "wörld ", "κόσμε ", "世界 ", "🦀 "];
    let mut i = 0;
    while s.len() < n {
        s.push_str(words[i % words.len()]);
        i += 1;
    }
    while s.len() > n {
        s.pop();
    }
    s
}

/// Sends `msg` from `client` as fragments of `frag` bytes with a ping between fragments.
fn send_fragmented(client: &mut Connection, msg: &str, frag: usize, wire: &mut Vec<u8>) {
    let count = msg.len().div_ceil(frag);
    for (i, p) in msg.as_bytes().chunks(frag).enumerate() {
        let last = i + 1 == count;
        client.send_fragment(MessageKind::Text, p, last).unwrap();
        if !last {
            client.send_ping(b"between").unwrap();
        }
    }
    transmit(client, wire);
}

#[test]
fn fragmented_messages_after_warm_up_do_not_allocate() {
    const MAX: usize = 8 << 10;
    let texts: Vec<String> = (1..=40).map(|i| text(i * MAX / 40)).collect();
    let mut client = Connection::client(Config::default(), os_keys());
    let mut server = Connection::server(Config::default());
    let (mut wire, mut reply) = (Vec::with_capacity(2 * MAX), Vec::with_capacity(MAX));
    // Warm-up: one message of the largest size, in the smallest fragments and the largest
    // reads below (grows the message buffer, and the pong queue to its high-water mark).
    send_fragmented(&mut client, &texts[39], 100, &mut wire);
    assert_eq!(
        feed(&mut server, &wire, 333 + 39, &mut reply),
        (texts[39].len(), 1)
    );

    let m = Measure::start();
    let (mut bytes, mut messages) = (0, 0);
    for (i, t) in texts.iter().enumerate() {
        wire.clear();
        reply.clear();
        send_fragmented(&mut client, t, 100 + 37 * i, &mut wire);
        let (b, n) = feed(&mut server, &wire, 333 + i, &mut reply);
        (bytes, messages) = (bytes + b, messages + n);
        assert!(!reply.is_empty(), "the pings were answered");
    }
    let allocations = m.stats().allocations;
    assert_eq!(messages, 40);
    assert_eq!(bytes, texts.iter().map(String::len).sum::<usize>());
    assert_eq!(allocations, 0, "allocations for fragmented messages");
}

fn params(no_context_takeover: bool) -> DeflateParams {
    DeflateParams {
        server_no_context_takeover: no_context_takeover,
        client_no_context_takeover: no_context_takeover,
        server_max_window_bits: 15,
        client_max_window_bits: 15,
        level: 6,
    }
}

#[test]
fn compressed_messages_after_warm_up_do_not_allocate() {
    const MAX: usize = 8 << 10;
    let texts: Vec<String> = (1..=40).map(|i| text(i * MAX / 40)).collect();
    let bins: Vec<Vec<u8>> = (1..=40)
        .map(|i| (0..i * MAX / 40 - 1).map(|j| (j % 251) as u8).collect())
        .collect();
    for no_context_takeover in [false, true] {
        let cfg = Config::default().deflate(Some(params(no_context_takeover)));
        let mut client = Connection::client(cfg, os_keys());
        let mut server = Connection::server(cfg);
        let (mut wire, mut back, mut reply) = (
            Vec::with_capacity(2 * MAX),
            Vec::with_capacity(2 * MAX),
            Vec::with_capacity(MAX),
        );
        // Warm-up: the largest message each way (inflater window, message buffers, the
        // compressors' scratch buffers).
        client.send_text(&texts[39]).unwrap();
        transmit(&mut client, &mut wire);
        assert_eq!(
            feed(&mut server, &wire, 500, &mut reply),
            (texts[39].len(), 1)
        );
        server.send_binary(&bins[39]).unwrap();
        transmit(&mut server, &mut back);
        assert_eq!(feed(&mut client, &back, 500, &mut reply), (MAX - 1, 1));

        let m = Measure::start();
        let (mut bytes, mut messages) = (0, 0);
        for i in 0..40 {
            wire.clear();
            back.clear();
            client.send_text(&texts[i]).unwrap();
            transmit(&mut client, &mut wire);
            assert_eq!(wire[0] & 0x40, 0x40, "compressed (RSV1)");
            let (b, n) = feed(&mut server, &wire, 200 + 31 * i, &mut reply);
            server.send_binary(&bins[i]).unwrap();
            transmit(&mut server, &mut back);
            let (b2, n2) = feed(&mut client, &back, 300 + 17 * i, &mut reply);
            (bytes, messages) = (bytes + b + b2, messages + n + n2);
        }
        let allocations = m.stats().allocations;
        assert_eq!(messages, 80);
        assert_eq!(
            bytes,
            texts.iter().map(String::len).sum::<usize>() + bins.iter().map(Vec::len).sum::<usize>()
        );
        assert_eq!(
            allocations, 0,
            "allocations for compressed messages (no_context_takeover: {no_context_takeover})"
        );
    }
}

/// Masking keys as a real client makes them: ChaCha12 keyed from the OS's generator.
fn os_keys() -> proto_ws::CryptoMask {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).expect("the OS random generator");
    proto_ws::CryptoMask::from_seed(seed)
}

#[test]
fn uncopied_payloads_do_not_allocate() {
    // A server's `send_binary_bytes`: alone (held on its own, its header encoded straight into
    // the caller's buffer) and behind a ping (header queued, payload in the queue).
    let payload = bytes::Bytes::from(vec![3u8; 4096]);
    let mut server = Connection::server(Config::default());
    let mut out = Vec::with_capacity(1 << 16);
    // Warm-up: the output queue and its payload list.
    server.send_ping(b"warm").unwrap();
    server.send_binary_bytes(payload.clone()).unwrap();
    server.send_binary_bytes(payload.clone()).unwrap();
    transmit(&mut server, &mut out);
    out.clear();

    let m = Measure::start();
    let mut written = 0;
    for i in 0..100 {
        if i % 2 == 1 {
            server.send_ping(b"p").unwrap();
        }
        server.send_binary_bytes(payload.clone()).unwrap();
        while server.wants_write() {
            if let Some(p) = server.poll_transmit(&mut out) {
                written += p.len();
            }
        }
    }
    let allocations = m.stats().allocations;
    assert_eq!(written, 100 * 4096);
    assert_eq!(out.len(), 100 * 4 + 50 * 3);
    assert_eq!(allocations, 0, "allocations on the hot path");
}
