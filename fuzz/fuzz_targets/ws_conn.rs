//! The proto-ws connection state machine driven by arbitrary operation sequences on both
//! sides: sends of every kind, closes, bytes delivered in arbitrary pieces, corrupted bytes.
//! Invariants: no panic; without corruption every message sent arrives intact and in order;
//! and the receiving connection never holds, nor peaks at, more heap than its message limit
//! plus the inflater's fixed state (a counting allocator around each of its calls).
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use proto_ws::{CloseCode, Config, Connection, DeflateParams, Event, MessageKind};
use test_support::alloc::{CountingAllocator, Measure};

#[global_allocator]
static ALLOC: CountingAllocator = CountingAllocator::new();

/// The message limit of both connections.
const MAX_MESSAGE: i64 = 1 << 20;
/// Heap the receiver may hold besides its message buffer: its receive buffer
/// (`Config::recv_buffer`, 64 KiB: a fragmented message streams through it while the message
/// buffer fills), the inflater's state (a 32 KiB window and zlib's tables), queued control
/// frames, and slack.
const HELD_FIXED: i64 = (64 + 128) * 1024;

/// The heap the receiving connection holds, summed over its own calls (nothing else allocates
/// during them), and checked against `MAX_MESSAGE + HELD_FIXED`, at its peak inside each call
/// too (the old inflater overshot the limit by doubling its buffer past it).
struct Held {
    m: Measure,
    held: i64,
}

impl Held {
    fn call<T>(&mut self, f: impl FnOnce() -> T) -> T {
        let start = self.m.stats().live_bytes;
        self.m.reset_peak();
        let out = f();
        let s = self.m.stats();
        let peak = self.held + (s.peak_bytes - start).max(0);
        self.held += s.live_bytes - start;
        let bound = MAX_MESSAGE + HELD_FIXED;
        assert!(
            self.held <= bound && peak <= bound,
            "the receiver holds {} bytes (peak {peak}), above {bound}",
            self.held
        );
        out
    }

    /// `poll_transmit` into `out` until nothing is left: what `out` grows by (or takes from
    /// the connection by swapping buffers) is the caller's, not the connection's.
    fn transmit(&mut self, rx: &mut Connection, out: &mut Vec<u8>) {
        while rx.wants_write() {
            let cap = out.capacity() as i64;
            let payload = self.call(|| rx.poll_transmit(out));
            self.held -= out.capacity() as i64 - cap;
            if let Some(p) = payload {
                out.extend_from_slice(&p);
            }
        }
    }
}

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

/// Moves what `tx` queued onto the wire (after what is already there).
fn take(tx: &mut Connection, wire: &mut Vec<u8>) {
    while tx.wants_write() {
        if let Some(p) = tx.poll_transmit(wire) {
            wire.extend_from_slice(&p);
        }
    }
}

fuzz_target!(|input: Input| {
    let deflate = input.deflate.then_some(DeflateParams {
        server_no_context_takeover: false,
        client_no_context_takeover: true,
        server_max_window_bits: 15,
        client_max_window_bits: 9,
        level: 1,
    });
    let cfg = Config::default()
        .max_message_size(MAX_MESSAGE as usize)
        .deflate(deflate);
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
    let mut sent: Vec<Vec<u8>> = Vec::new();
    let mut got: Vec<Vec<u8>> = Vec::new();
    let mut frag: Vec<u8> = Vec::new();
    let mut corrupted = false;
    let mut failed = false;
    let mut held = Held {
        m: Measure::start(),
        held: 0,
    };
    for op in input.ops {
        match op {
            Op::Text(t) => {
                if tx.send_text(&t).is_ok() {
                    sent.push(t.into_bytes());
                }
            }
            Op::Binary(b) => {
                if tx.send_binary(&b).is_ok() {
                    sent.push(b);
                }
            }
            Op::Ping(p) => {
                let _ = tx.send_ping(&p);
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
                if tx.send_fragment(kind, &data, fin).is_ok() {
                    frag.extend_from_slice(&data);
                    if fin {
                        sent.push(std::mem::take(&mut frag));
                    }
                }
            }
            Op::Close(code, reason) => {
                let _ = tx.close(CloseCode::new(code), &reason);
            }
            Op::Corrupt(at, x) => {
                take(&mut tx, &mut wire);
                if !wire.is_empty() && x != 0 {
                    let i = usize::from(at) % wire.len();
                    wire[i] ^= x;
                    corrupted = true;
                }
            }
            Op::Deliver(n) => {
                take(&mut tx, &mut wire);
                let n = usize::from(n).min(wire.len());
                let mut rest = &wire[..n];
                while !rest.is_empty() && !failed {
                    match held.call(|| rx.recv(rest)) {
                        Ok(k) => rest = &rest[k..],
                        Err(_) => failed = true,
                    }
                    while !failed {
                        // The event borrows the receiver: copy it out inside the measured call.
                        match held.call(|| match rx.poll_event() {
                            Ok(Some(Event::Text(t))) => Ok(Some(t.as_bytes().to_vec())),
                            Ok(Some(Event::Binary(b))) => Ok(Some(b.to_vec())),
                            Ok(Some(_)) => Ok(None),
                            Ok(None) => Err(false),
                            Err(_) => Err(true),
                        }) {
                            Ok(Some(m)) => got.push(m),
                            Ok(None) => {}
                            Err(f) => {
                                failed = f;
                                break;
                            }
                        }
                    }
                }
                wire.drain(..n);
                let mut back = Vec::new();
                held.transmit(&mut rx, &mut back);
            }
        }
    }
    if !corrupted {
        assert!(!failed, "clean stream failed");
        assert!(got.len() <= sent.len());
        assert_eq!(got.as_slice(), &sent[..got.len()]);
    }
});
