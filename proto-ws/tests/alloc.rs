//! No allocation on the hot path, counted per thread with `test_support`'s counting allocator:
//! once a connection, the caller's buffers and (for messages the connection assembles) its
//! message buffer exist, sending and receiving allocate nothing.
//!
//! - Unfragmented, uncompressed messages, both roles: zero from the first message (they are
//!   handed out from the input and written straight into the caller's buffer).
//! - Fragmented messages up to 8 KiB (the message buffer an idle connection keeps), with
//!   control frames between fragments, fed in small reads: zero after one warm-up message of
//!   the largest size. A larger one grows the buffer and the next `recv` gives the excess back
//!   (the memory bound of `Connection`), so each such message allocates again, by design.
//! - permessage-deflate messages under 8 KiB, both directions, with and without context
//!   takeover: zero after the warm-up, which creates the inflater's window and grows the
//!   compressor's scratch buffer. (A message that inflates to exactly the buffer's capacity
//!   makes the inflater grow it to look for more output, and the next `recv` shrinks it back:
//!   two reallocations for an 8 KiB message.) zlib-rs allocates its state when the stream is created (in
//!   `Connection::new`) and its window on the first inflate, and resetting it between
//!   messages (no context takeover) keeps both.

use proto_ws::{Config, Connection, DeflateParams, Event, MessageKind};
use test_support::alloc::{CountingAllocator, Measure};

#[global_allocator]
static ALLOC: CountingAllocator = CountingAllocator::new();

/// Feeds `wire` to `conn` `read` bytes at a time through the caller's reusable `inbuf` (kept
/// unconsumed bytes move to its front, as a socket loop does), answering with `poll_transmit`
/// into `reply`. Returns the data messages' lengths summed, and their number.
fn feed(
    conn: &mut Connection,
    wire: &[u8],
    read: usize,
    inbuf: &mut Vec<u8>,
    reply: &mut Vec<u8>,
) -> (usize, usize) {
    let (mut bytes, mut messages) = (0, 0);
    inbuf.clear();
    for piece in wire.chunks(read) {
        inbuf.extend_from_slice(piece);
        let mut start = 0;
        loop {
            match conn.recv(&mut inbuf[start..]) {
                Ok((n, Some(ev))) => {
                    start += n;
                    match ev {
                        Event::Text(t) => (bytes, messages) = (bytes + t.len(), messages + 1),
                        Event::Binary(b) => (bytes, messages) = (bytes + b.len(), messages + 1),
                        _ => {}
                    }
                }
                Ok((n, None)) => {
                    start += n;
                    break;
                }
                Err(e) => panic!("{e:?}"),
            }
        }
        inbuf.drain(..start);
        conn.poll_transmit(reply);
    }
    assert!(inbuf.is_empty());
    (bytes, messages)
}

#[test]
fn unfragmented_messages_do_not_allocate() {
    let text = "x".repeat(70_000);
    let bin = vec![7u8; 5000];
    // Build the client's frames (allocation allowed here).
    let mut client = Connection::client(Config::default(), os_keys());
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

    let m = Measure::start();
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
        // The client sends too: masking into its buffer, with keys from the OS generator
        // (100 frames: the 64-key batch is refilled on the way).
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
    let allocations = m.stats().allocations;
    assert_eq!(count, 100);
    assert!(bytes > 1_000_000);
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
        client
            .send_fragment(MessageKind::Text, p, last, wire)
            .unwrap();
        if !last {
            client.send_ping(b"between", wire).unwrap();
        }
    }
}

#[test]
fn fragmented_messages_after_warm_up_do_not_allocate() {
    const MAX: usize = 8 << 10;
    let texts: Vec<String> = (1..=40).map(|i| text(i * MAX / 40)).collect();
    let mut client = Connection::client(Config::default(), os_keys());
    let mut server = Connection::server(Config::default());
    let (mut wire, mut inbuf, mut reply) = (
        Vec::with_capacity(2 * MAX),
        Vec::with_capacity(2 * MAX),
        Vec::with_capacity(MAX),
    );
    // Warm-up: one message of the largest size, in the smallest fragments and the largest
    // reads below (grows the message buffer, and the pong queue to its high-water mark).
    send_fragmented(&mut client, &texts[39], 100, &mut wire);
    assert_eq!(
        feed(&mut server, &wire, 333 + 39, &mut inbuf, &mut reply),
        (texts[39].len(), 1)
    );

    let m = Measure::start();
    let (mut bytes, mut messages) = (0, 0);
    for (i, t) in texts.iter().enumerate() {
        wire.clear();
        reply.clear();
        send_fragmented(&mut client, t, 100 + 37 * i, &mut wire);
        let (b, n) = feed(&mut server, &wire, 333 + i, &mut inbuf, &mut reply);
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
        let (mut wire, mut back, mut inbuf, mut reply) = (
            Vec::with_capacity(2 * MAX),
            Vec::with_capacity(2 * MAX),
            Vec::with_capacity(2 * MAX),
            Vec::with_capacity(MAX),
        );
        // Warm-up: the largest message each way (inflater window, message buffers, the
        // compressors' scratch buffers).
        client.send_text(&texts[39], &mut wire).unwrap();
        assert_eq!(
            feed(&mut server, &wire, 500, &mut inbuf, &mut reply),
            (texts[39].len(), 1)
        );
        server.send_binary(&bins[39], &mut back).unwrap();
        assert_eq!(
            feed(&mut client, &back, 500, &mut inbuf, &mut reply),
            (MAX - 1, 1)
        );

        let m = Measure::start();
        let (mut bytes, mut messages) = (0, 0);
        for i in 0..40 {
            wire.clear();
            back.clear();
            client.send_text(&texts[i], &mut wire).unwrap();
            assert_eq!(wire[0] & 0x40, 0x40, "compressed (RSV1)");
            let (b, n) = feed(&mut server, &wire, 200 + 31 * i, &mut inbuf, &mut reply);
            server.send_binary(&bins[i], &mut back).unwrap();
            let (b2, n2) = feed(&mut client, &back, 300 + 17 * i, &mut inbuf, &mut reply);
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
