//! permessage-deflate inflation on arbitrary compressed payloads: the input becomes the payload
//! of RSV1 frames (split into fragments by the first byte) sent to a server with a small
//! message limit. Invariants: no panic, no output beyond the limit (bombs end in 1009).
#![no_main]

use libfuzzer_sys::fuzz_target;
use proto_ws::{Config, Connection, DeflateParams, Event, FrameHeader, OpCode, encode_frame};

fuzz_target!(|data: &[u8]| {
    let [flags, rest @ ..] = data else { return };
    let params = DeflateParams {
        server_no_context_takeover: false,
        client_no_context_takeover: flags & 1 == 1,
        server_max_window_bits: 15,
        client_max_window_bits: 15,
        level: 1,
    };
    let limit = 1 << 14;
    let cfg = Config::default()
        .max_message_size(limit)
        .deflate(Some(params));
    let mut server = Connection::server(cfg);
    let pieces = usize::from(flags >> 1).max(1);
    let size = rest.len().div_ceil(pieces).max(1);
    let mut wire = Vec::new();
    // Two messages, so the context carries over.
    for _ in 0..2 {
        let chunks: Vec<&[u8]> = if rest.is_empty() {
            vec![&[][..]]
        } else {
            rest.chunks(size).collect()
        };
        for (i, c) in chunks.iter().enumerate() {
            let op = if i == 0 {
                if flags & 0x80 != 0 {
                    OpCode::Text
                } else {
                    OpCode::Binary
                }
            } else {
                OpCode::Continuation
            };
            let mut h = FrameHeader::new(op, Some([1, 2, 3, 4]), c.len() as u64);
            h.fin = i + 1 == chunks.len();
            h.rsv1 = i == 0;
            encode_frame(&h, c, &mut wire);
        }
    }
    let mut rest = &wire[..];
    'feed: while !rest.is_empty() {
        match server.recv(rest) {
            Ok(n) => rest = &rest[n..],
            Err(_) => break,
        }
        loop {
            match server.poll_event() {
                Ok(Some(Event::Text(t))) => assert!(t.len() <= limit),
                Ok(Some(Event::Binary(b))) => assert!(b.len() <= limit),
                Ok(Some(_)) => {}
                Ok(None) => break,
                Err(_) => break 'feed,
            }
        }
    }
});
