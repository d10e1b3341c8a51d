//! Memory bounds of permessage-deflate on the receiving side, measured with a counting
//! allocator that tracks live and peak live heap bytes.
//!
//! - A deflate bomb stops at the message limit: the peak live heap while it is received stays under
//!   the limit plus a small constant, and the error is `MessageTooLarge` (close 1009).
//! - After a large compressed message is delivered, the next `poll_event` (the one that reports
//!   "need more bytes") releases the message and receive buffers: an idle connection holds at most a small
//!   constant more than before the message.
//!
//! The allocator counts a `realloc` as its net change (old size out, new size in): the bound
//! is on the capacity the engine holds; whether growing a block copies it is up to the system
//! allocator (large blocks are remapped in place by glibc). Counts are per thread
//! (`test_support::alloc`), so the tests run in parallel without seeing each other.

use proto_ws::{CloseCode, Config, Connection, DeflateParams, Error, Event, ProtocolError};
use test_support::alloc::{CountingAllocator, Measure};

#[global_allocator]
static ALLOC: CountingAllocator = CountingAllocator::new();

fn params() -> DeflateParams {
    DeflateParams {
        server_no_context_takeover: false,
        client_no_context_takeover: false,
        server_max_window_bits: 15,
        client_max_window_bits: 15,
        level: 6,
    }
}

/// The inflater's own state (window and tables) and small buffers: what a connection may
/// hold beyond the message limit.
const SLACK: usize = 128 << 10;

#[test]
fn deflate_bomb_stops_at_the_limit_with_1009() {
    // 16 MiB of zeros compress to about 16 KB. A limit that is not a power of two: a buffer
    // that grows by doubling would pass it by a third.
    let limit = 3 << 19; // 1.5 MiB
    let mut client = Connection::client_predictable(Config::default().deflate(Some(params())), 1);
    client.send_binary(&vec![0u8; 16 << 20]).unwrap();
    let mut wire = Vec::new();
    assert_eq!(client.poll_transmit(&mut wire), None);
    assert!(wire.len() < 40_000, "{}", wire.len());
    let cfg = Config::default()
        .max_message_size(limit)
        .deflate(Some(params()));
    let mut server = Connection::server(cfg);
    let mut out = Vec::with_capacity(64);

    let m = Measure::start();
    let mut pos = 0;
    let err = 'feed: loop {
        // Feed the frame in pieces, as a socket would.
        let end = (pos + 4096).min(wire.len());
        pos += server.recv(&wire[pos..end]).unwrap();
        match server.poll_event() {
            Ok(None) => {}
            Ok(Some(ev)) => panic!("bomb delivered: {ev:?}"),
            Err(e) => break 'feed e,
        }
    };
    let peak = m.stats().peak_bytes as usize;
    eprintln!("bomb: peak live heap during recv {peak} bytes, limit {limit}");
    assert_eq!(
        err,
        Error::Protocol(ProtocolError::MessageTooLarge {
            limit: limit as u64
        })
    );
    assert!(
        peak <= limit + SLACK,
        "peak live heap during recv: {peak} bytes for a limit of {limit}"
    );
    assert_eq!(server.poll_transmit(&mut out), None);
    let code = CloseCode::MESSAGE_TOO_BIG.as_u16().to_be_bytes();
    assert_eq!(out, [0x88, 2, code[0], code[1]], "close 1009 queued");
}

#[test]
fn large_compressed_message_is_released_after_delivery() {
    let big: Vec<u8> = (0..8u32 << 20)
        .map(|i| (i % 251) as u8 ^ (i >> 12) as u8)
        .collect();
    let mut client = Connection::client_predictable(Config::default().deflate(Some(params())), 1);
    let mut wire = Vec::new();
    client.send_binary(b"warm-up").unwrap();
    assert_eq!(client.poll_transmit(&mut wire), None);
    let warm_len = wire.len();
    client.send_binary(&big).unwrap();
    assert_eq!(client.poll_transmit(&mut wire), None);
    assert!(wire.len() < big.len() / 4, "{}", wire.len());
    let mut server = Connection::server(Config::default().deflate(Some(params())));

    // A small message first, so the inflater's state exists before the baseline.
    assert_eq!(server.recv(&wire[..warm_len]), Ok(warm_len));
    match server.poll_event() {
        Ok(Some(Event::Binary(b))) => assert_eq!(b, &b"warm-up"[..]),
        other => panic!("{other:?}"),
    }
    assert!(matches!(server.poll_event(), Ok(None)));
    let m = Measure::start();

    let mut pos = warm_len;
    'feed: loop {
        let end = (pos + 65536).min(wire.len());
        pos += server.recv(&wire[pos..end]).unwrap();
        match server.poll_event() {
            Ok(None) => {}
            Ok(Some(Event::Binary(b))) => {
                assert_eq!(b.len(), big.len());
                assert!(b == &big[..]);
                break 'feed;
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(pos, wire.len());
    assert!(
        m.stats().live_bytes >= big.len() as i64,
        "the message is held while it is handed out"
    );
    // The caller's poll_event loop goes on until "need more bytes": now the connection is idle.
    assert!(matches!(server.poll_event(), Ok(None)));
    let held = m.stats().live_bytes.max(0);
    eprintln!("idle after an 8 MiB message: {held} bytes more than before it");
    assert!(
        held <= 8 << 10,
        "idle connection holds {held} bytes after the message"
    );
}

#[test]
fn large_one_frame_message_is_taken_whole_and_released() {
    // A 1 MiB one-frame message offered in 64 KiB reads: the receive buffer grows to hold the
    // whole frame (it is handed out from there), and the poll_event that finds it drained
    // gives the memory back.
    let big: Vec<u8> = (0..1u32 << 20).map(|i| (i % 251) as u8).collect();
    let mut client = Connection::client_predictable(Config::default(), 1);
    client.send_binary(b"warm-up").unwrap();
    client.send_binary(&big).unwrap();
    let mut wire = Vec::new();
    assert_eq!(client.poll_transmit(&mut wire), None);
    let mut server = Connection::server(Config::default());
    assert_eq!(server.recv(&wire[..13]), Ok(13));
    assert!(matches!(
        server.poll_event(),
        Ok(Some(Event::Binary(b"warm-up")))
    ));
    assert!(matches!(server.poll_event(), Ok(None)));

    let m = Measure::start();
    let mut pos = 13;
    let mut peak_reads = 0;
    'feed: loop {
        let end = (pos + 65536).min(wire.len());
        pos += server.recv(&wire[pos..end]).unwrap();
        peak_reads += 1;
        match server.poll_event() {
            Ok(None) => {}
            Ok(Some(Event::Binary(b))) => {
                assert!(b == &big[..]);
                break 'feed;
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(pos, wire.len());
    assert!(peak_reads >= 16, "taken in reads of at most 64 KiB");
    let peak = m.stats().peak_bytes as usize;
    assert!(
        peak <= big.len() + (64 << 10),
        "peak {peak} for a message of {}",
        big.len()
    );
    assert!(matches!(server.poll_event(), Ok(None)));
    let held = m.stats().live_bytes.max(0);
    assert!(held <= 8 << 10, "idle connection holds {held} bytes");
}

#[test]
fn output_queue_gives_back_a_large_buffer_once_drained() {
    let mut server = Connection::server(Config::default());
    let big = vec![1u8; 1 << 20];
    // Not empty, so the queued frame is appended to it rather than swapped in.
    let mut out = vec![0u8];
    let m = Measure::start();
    server.send_binary(&big).unwrap();
    assert_eq!(server.poll_transmit(&mut out), None);
    assert_eq!(out.len(), 1 + 10 + big.len());
    let held = m.stats().live_bytes - (out.capacity() as i64 - 1);
    assert!(held <= 0, "the drained queue still holds {held} bytes");
    assert!(!server.wants_write());
}
