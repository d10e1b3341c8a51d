//! HTTP/2 frame encode/decode workloads (`proto-h2::frame`) and the connection's receive path.
//!
//! The decode and encode workloads also run against `http2parse` (the one public crate that is a
//! standalone HTTP/2 frame codec over plain byte slices) in the `compare` report: see
//! `frame_pairs` in the parent module. hyperium's `h2` keeps its frame codec private, and
//! `fluke-h2-parse`/`loona-h2` parse into their own io_uring buffer types (`fluke-buffet`,
//! `buffet`), so they are not peers here.

use proto_h2::conn::{Config, Connection, Event, PREFACE, Role};
use proto_h2::frame::{self, Data, Frame, Ping, StreamId, WindowUpdate};
use std::time::Instant;

/// A named workload: `bytes` of input per iteration, and the iteration.
pub struct Workload {
    /// What is measured.
    pub name: String,
    /// Bytes per iteration, for throughput; 0 when the work does not touch every byte (frame
    /// heads), so the bench reports time per iteration.
    pub bytes: u64,
    /// One iteration; returns a value that depends on the work.
    pub run: Box<dyn FnMut() -> u64>,
}

/// 64 DATA frames of 16 KiB interleaved with WINDOW_UPDATE and PING frames.
pub fn bulk_wire() -> Vec<u8> {
    let body = vec![0x5au8; 16 * 1024];
    let mut wire = Vec::new();
    for i in 0..64u32 {
        Frame::Data(Data::new(StreamId::new(1 + 2 * (i % 4)), &body, false)).encode(&mut wire);
        Frame::WindowUpdate(WindowUpdate {
            stream: StreamId::ZERO,
            increment: 16 * 1024,
        })
        .encode(&mut wire);
    }
    Frame::Ping(Ping {
        ack: false,
        payload: *b"12345678",
    })
    .encode(&mut wire);
    wire
}

/// 10 000 small control frames (WINDOW_UPDATE, PING, RST_STREAM, PRIORITY).
pub fn control_wire() -> Vec<u8> {
    let mut wire = Vec::new();
    for i in 0..2500u32 {
        let s = StreamId::new(1 + 2 * i);
        wire.extend(
            frame::Builder::new(frame::kind::WINDOW_UPDATE, s.value())
                .u32(100)
                .build(),
        );
        wire.extend(
            frame::Builder::new(frame::kind::PING, 0)
                .payload(&[7; 8])
                .build(),
        );
        wire.extend(
            frame::Builder::new(frame::kind::RST_STREAM, s.value())
                .u32(8)
                .build(),
        );
        wire.extend(
            frame::Builder::new(frame::kind::PRIORITY, s.value())
                .u32(0)
                .payload(&[16])
                .build(),
        );
    }
    wire
}

/// Decodes every frame of `wire` with `proto-h2`; returns the DATA octets, the WINDOW_UPDATE
/// increments and, for every other frame, its stream id plus one.
pub fn decode_all(wire: &[u8]) -> u64 {
    // Walks the input as the peer's row does (a shrinking slice), so the two differ only in
    // the codec calls.
    let mut rest = wire;
    let mut sum = 0u64;
    while let Ok(Some((f, n))) = frame::decode(rest, frame::MAX_MAX_FRAME_SIZE) {
        sum += match f {
            Frame::Data(d) => d.data.len() as u64,
            Frame::WindowUpdate(w) => u64::from(w.increment),
            other => u64::from(other.stream().value()) + 1,
        };
        rest = rest.get(n..).unwrap_or_default();
    }
    sum
}

/// The workloads of the `h2_frame` criterion bench.
pub fn workloads() -> Vec<Workload> {
    let mut w = Vec::new();
    let bulk = bulk_wire();
    let b2 = bulk.clone();
    w.push(Workload {
        name: format!("decode 64 DATA x 16 KiB + control ({} B)", bulk.len()),
        // Frame heads only: the payloads are handed on untouched, so no throughput.
        bytes: 0,
        run: Box::new(move || decode_all(&b2)),
    });
    let ctl = control_wire();
    let c2 = ctl.clone();
    w.push(Workload {
        name: format!("decode 10000 control frames ({} B)", ctl.len()),
        bytes: ctl.len() as u64,
        run: Box::new(move || decode_all(&c2)),
    });
    let body = vec![0x5au8; 16 * 1024];
    let mut out = Vec::with_capacity(64 * 1024);
    w.push(Workload {
        name: "encode 64 DATA x 16 KiB, head only (vectored)".into(),
        bytes: 0,
        run: Box::new(move || encode_data_heads(&body, &mut out)),
    });
    let mut out2 = Vec::with_capacity(128 * 1024);
    w.push(Workload {
        name: "encode 10000 control frames".into(),
        bytes: ctl.len() as u64,
        run: Box::new(move || encode_control(&mut out2)),
    });
    // The whole receive path: a server connection takes a 4 MiB upload (preface, SETTINGS,
    // the ACK of ours, HEADERS, 256 DATA frames of 16 KiB) in 64 KiB reads, and the
    // application reads every chunk after each read.
    let upload = upload_wire();
    let len = upload.len() as u64;
    w.push(Workload {
        name: format!("server recv 4 MiB upload in 64 KiB reads + read_data ({len} B)"),
        bytes: len,
        run: Box::new(move || recv_upload(&upload, 64 * 1024)),
    });
    w
}

/// Writes the heads of 64 DATA frames carrying `body` (the payloads are left for a vectored
/// write); returns the payload octets plus the octets written.
pub fn encode_data_heads(body: &[u8], out: &mut Vec<u8>) -> u64 {
    out.clear();
    let mut n = 0u64;
    for i in 0..64u32 {
        let t = Frame::Data(Data::new(StreamId::new(1 + 2 * i), body, false)).encode_head(out);
        n += t.data.len() as u64;
    }
    n + out.len() as u64
}

/// Writes the 9-octet headers of 64 DATA frames carrying `body` into `slots` (64 x 9 octets, the
/// head slots of a vectored write), as the peer's row does; returns the payload octets plus the
/// octets written.
pub fn encode_data_heads_into(body: &[u8], slots: &mut [u8]) -> u64 {
    let mut n = 0u64;
    // The same iteration as the peer's row, so the two differ only in the codec call.
    for (i, slot) in slots
        .chunks_exact_mut(frame::HEADER_LEN)
        .take(64)
        .enumerate()
    {
        let Ok(slot) = <&mut [u8; frame::HEADER_LEN]>::try_from(slot) else {
            break;
        };
        frame::FrameHeader {
            len: body.len() as u32,
            kind: frame::kind::DATA,
            flags: 0,
            stream: StreamId::new(1 + 2 * i as u32),
        }
        .encode_into(slot);
        n += body.len() as u64 + frame::HEADER_LEN as u64;
    }
    n
}

/// Writes the frames of [`control_wire`] (WINDOW_UPDATE, PING, RST_STREAM, PRIORITY on 2500
/// streams); returns the octets written.
pub fn encode_control(out: &mut Vec<u8>) -> u64 {
    out.clear();
    for i in 0..2500u32 {
        let s = StreamId::new(1 + 2 * i);
        Frame::WindowUpdate(WindowUpdate {
            stream: s,
            increment: 100,
        })
        .encode(out);
        Frame::Ping(Ping {
            ack: true,
            payload: [7; 8],
        })
        .encode(out);
        Frame::RstStream(frame::RstStream {
            stream: s,
            code: frame::ErrorCode::CANCEL,
        })
        .encode(out);
        Frame::Priority(frame::PriorityFrame {
            stream: s,
            priority: frame::Priority {
                exclusive: false,
                dependency: StreamId::ZERO,
                weight: 16,
            },
        })
        .encode(out);
    }
    out.len() as u64
}

/// A server connection takes `upload` in reads of `read` bytes; after each, the application
/// reads every chunk of body that arrived. Returns the body bytes read.
pub fn recv_upload(upload: &[u8], read: usize) -> u64 {
    let now = Instant::now();
    let mut cfg = Config::server();
    cfg.settings
        .push((proto_h2::settings::id::INITIAL_WINDOW_SIZE, 8 << 20));
    cfg.connection_window = 8 << 20;
    let mut s = Connection::new(Role::Server, cfg, now);
    let mut n = 0u64;
    for piece in upload.chunks(read) {
        let _ = s.recv(now, piece);
        while let Some(ev) = s.poll_event() {
            if let Event::Data { stream, .. } = ev {
                while let Some(b) = s.read_data(stream) {
                    n += b.len() as u64;
                }
            }
        }
    }
    n
}

/// The client's side of a 4 MiB upload: preface, SETTINGS, the ACK of the server's SETTINGS
/// (without it the server's 8 MiB stream window is not in force and the body is refused with
/// FLOW_CONTROL_ERROR), HEADERS, 256 DATA frames of 16 KiB.
pub fn upload_wire() -> Vec<u8> {
    let mut wire = PREFACE.to_vec();
    wire.extend(frame::Builder::new(frame::kind::SETTINGS, 0).build());
    wire.extend(
        frame::Builder::new(frame::kind::SETTINGS, 0)
            .flags(frame::flag::ACK)
            .build(),
    );
    let mut enc = proto_h2::hpack::Encoder::new();
    let mut block = Vec::new();
    enc.encode(
        [
            (&b":method"[..], &b"POST"[..]),
            (b":scheme", b"http"),
            (b":authority", b"bench"),
            (b":path", b"/upload"),
        ],
        &mut block,
    );
    wire.extend(
        frame::Builder::new(frame::kind::HEADERS, 1)
            .flags(frame::flag::END_HEADERS)
            .payload(&block)
            .build(),
    );
    let body = vec![1u8; 16 * 1024];
    for i in 0..256 {
        Frame::Data(Data::new(StreamId::new(1), &body, i == 255)).encode(&mut wire);
    }
    wire
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_upload_row_reads_the_whole_body() {
        // Before the SETTINGS ACK was in the wire, the row measured the flow-control error
        // path: 0 bytes were read.
        let wire = upload_wire();
        for read in [64 * 1024, 1500, wire.len()] {
            assert_eq!(recv_upload(&wire, read), 4 << 20, "reads of {read}");
        }
    }
}
