//! The proto-ws connection state machine driven by arbitrary operation sequences on both
//! sides: sends of every kind, closes, bytes delivered in arbitrary pieces, corrupted bytes.
//! Invariants: no panic; without corruption every message sent arrives intact and in order.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use proto_ws::{CloseCode, Config, Connection, DeflateParams, Event, MessageKind};

#[derive(Arbitrary, Debug)]
enum Op {
    Text(String),
    Binary(Vec<u8>),
    Ping(Vec<u8>),
    Fragment {
        text: bool,
        data: Vec<u8>,
        fin: bool,
    },
    Close(u16, String),
    Deliver(u16),
    Corrupt(u16, u8),
}

#[derive(Arbitrary, Debug)]
struct Input {
    deflate: bool,
    from_client: bool,
    ops: Vec<Op>,
}

fuzz_target!(|input: Input| {
    let deflate = input.deflate.then_some(DeflateParams {
        server_no_context_takeover: false,
        client_no_context_takeover: true,
        server_max_window_bits: 15,
        client_max_window_bits: 9,
        level: 1,
    });
    let cfg = Config::default().max_message_size(1 << 20).deflate(deflate);
    let mut tx = if input.from_client {
        Connection::client_predictable(cfg, 5)
    } else {
        Connection::server(cfg)
    };
    let mut rx = if input.from_client {
        Connection::server(cfg)
    } else {
        Connection::client_predictable(cfg, 6)
    };
    let mut wire = Vec::new();
    let mut inbox = Vec::new();
    let mut sent: Vec<Vec<u8>> = Vec::new();
    let mut got: Vec<Vec<u8>> = Vec::new();
    let mut frag: Vec<u8> = Vec::new();
    let mut corrupted = false;
    let mut failed = false;
    for op in input.ops {
        match op {
            Op::Text(t) => {
                if tx.send_text(&t, &mut wire).is_ok() {
                    sent.push(t.into_bytes());
                }
            }
            Op::Binary(b) => {
                if tx.send_binary(&b, &mut wire).is_ok() {
                    sent.push(b);
                }
            }
            Op::Ping(p) => {
                let _ = tx.send_ping(&p, &mut wire);
            }
            Op::Fragment { text, data, fin } => {
                // Text fragments must add up to UTF-8: send only ASCII for text.
                let data: Vec<u8> = if text {
                    data.iter().map(|b| b & 0x7f).collect()
                } else {
                    data
                };
                let kind = if text {
                    MessageKind::Text
                } else {
                    MessageKind::Binary
                };
                if tx.send_fragment(kind, &data, fin, &mut wire).is_ok() {
                    frag.extend_from_slice(&data);
                    if fin {
                        sent.push(std::mem::take(&mut frag));
                    }
                }
            }
            Op::Close(code, reason) => {
                let _ = tx.close(CloseCode::new(code), &reason, &mut wire);
            }
            Op::Corrupt(at, x) => {
                if !wire.is_empty() && x != 0 {
                    let i = usize::from(at) % wire.len();
                    wire[i] ^= x;
                    corrupted = true;
                }
            }
            Op::Deliver(n) => {
                let n = usize::from(n).min(wire.len());
                inbox.extend(wire.drain(..n));
                let mut start = 0;
                while start < inbox.len() && !failed {
                    match rx.recv(&mut inbox[start..]) {
                        Ok((k, Some(ev))) => {
                            start += k;
                            match ev {
                                Event::Text(t) => got.push(t.as_bytes().to_vec()),
                                Event::Binary(b) => got.push(b.to_vec()),
                                _ => {}
                            }
                        }
                        Ok((k, None)) => {
                            start += k;
                            break;
                        }
                        Err(_) => failed = true,
                    }
                }
                inbox.drain(..start.min(inbox.len()));
                let mut back = Vec::new();
                rx.poll_transmit(&mut back);
            }
        }
    }
    if !corrupted {
        assert!(!failed, "clean stream failed");
        assert!(got.len() <= sent.len());
        assert_eq!(got.as_slice(), &sent[..got.len()]);
    }
});
