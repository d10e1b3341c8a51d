//! Test helpers shared by the integration tests (included with `#[path]`).
#![allow(dead_code, unreachable_pub, missing_docs)]

use proto_ws::{Connection, Event, FrameHeader, OpCode, ProtocolError, Role, apply_mask};

/// An owned event, for comparisons.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ev {
    Text(String),
    Binary(Vec<u8>),
    Ping(Vec<u8>),
    Pong(Vec<u8>),
    Close(Option<u16>, String),
    Err(ProtocolError),
    Closed,
}

pub fn own(ev: Event<'_>) -> Ev {
    match ev {
        Event::Text(t) => Ev::Text(t.to_string()),
        Event::Binary(b) => Ev::Binary(b.to_vec()),
        Event::Ping(b) => Ev::Ping(b.to_vec()),
        Event::Pong(b) => Ev::Pong(b.to_vec()),
        Event::Close { code, reason } => Ev::Close(code.map(|c| c.as_u16()), reason.to_string()),
        _ => Ev::Closed,
    }
}

/// Feeds `wire` to `conn` in pieces cut at `cuts` (ascending positions), the way a socket
/// loop does: `recv` each piece (offering what it did not take again after draining events),
/// `poll_event` until `None`. Returns every event and, last, an error if any.
pub fn feed(conn: &mut Connection, wire: &[u8], cuts: &[usize]) -> Vec<Ev> {
    let mut evs = Vec::new();
    let mut prev = 0;
    let ends: Vec<usize> = cuts
        .iter()
        .copied()
        .filter(|&c| c <= wire.len())
        .chain([wire.len()])
        .collect();
    for end in ends {
        if end < prev {
            continue;
        }
        let mut piece = &wire[prev..end];
        prev = end;
        let mut stalled = false;
        loop {
            let n = match conn.recv(piece) {
                Ok(n) => n,
                Err(e) => {
                    evs.push(err(e));
                    return evs;
                }
            };
            piece = &piece[n..];
            loop {
                match conn.poll_event() {
                    Ok(Some(ev)) => evs.push(own(ev)),
                    Ok(None) => break,
                    Err(e) => {
                        evs.push(err(e));
                        return evs;
                    }
                }
            }
            if piece.is_empty() {
                break;
            }
            assert!(
                n > 0 || !stalled,
                "recv takes nothing after events were drained"
            );
            stalled = n == 0;
        }
    }
    evs
}

fn err(e: proto_ws::Error) -> Ev {
    match e {
        proto_ws::Error::Protocol(e) => Ev::Err(e),
        _ => Ev::Closed,
    }
}

/// Everything `conn` has queued, as one byte string (payloads handed back by
/// `poll_transmit` are written after the bytes before them, as a vectored write would).
pub fn transmit(conn: &mut Connection) -> Vec<u8> {
    let mut out = Vec::new();
    while conn.wants_write() {
        if let Some(p) = conn.poll_transmit(&mut out) {
            out.extend_from_slice(&p);
        }
    }
    out
}

/// Re-cuts a stream of client (masked) frames: every data frame of more than one byte is
/// split into `pieces` frames (the first keeps opcode and RSV1, the rest are continuations),
/// with fresh masks. Control frames are kept as they are.
pub fn refragment(wire: &[u8], pieces: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut pos = 0;
    let mut key = 0x1234_5678u32;
    while pos < wire.len() {
        let (h, hl) = FrameHeader::decode(&wire[pos..], Role::Server)
            .unwrap()
            .unwrap();
        let mut payload = wire[pos + hl..pos + hl + h.payload_len as usize].to_vec();
        if let Some(k) = h.mask {
            apply_mask(&mut payload, k, 0);
        }
        pos += hl + payload.len();
        if h.opcode.is_control() || payload.len() < 2 || !h.fin {
            let mut hh = h;
            hh.mask = Some(key.to_ne_bytes());
            proto_ws::encode_frame(&hh, &payload, &mut out);
            continue;
        }
        let n = pieces.clamp(1, payload.len());
        let size = payload.len().div_ceil(n);
        let chunks: Vec<&[u8]> = payload.chunks(size).collect();
        for (i, c) in chunks.iter().enumerate() {
            key = key.wrapping_mul(2_654_435_761).wrapping_add(1);
            let mut hh = FrameHeader::new(
                if i == 0 {
                    h.opcode
                } else {
                    OpCode::Continuation
                },
                Some(key.to_ne_bytes()),
                c.len() as u64,
            );
            hh.fin = i + 1 == chunks.len();
            hh.rsv1 = i == 0 && h.rsv1;
            proto_ws::encode_frame(&hh, c, &mut out);
        }
    }
    out
}
