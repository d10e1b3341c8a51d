//! WebSocket inputs and pairs: `proto-ws` against `tungstenite` and `fastwebsockets` on the same
//! bytes.
//!
//! - Unmasking 1 KiB, 64 KiB and 64 KiB at an odd address: `proto_ws::apply_mask` against
//!   `fastwebsockets::unmask` (both public functions). tungstenite's mask function is private
//!   (and `FrameSocket` leaves payloads masked), so its rows measure reading one masked binary
//!   message of 1 KiB / 64 KiB as a server (`WebSocket::read`: copy, parse, unmask) against
//!   `Connection::recv` + `poll_event` doing the same.
//! - Decoding a masked text message of 16 B, 1 KiB and 64 KiB as a server (copy from a reader,
//!   parse, unmask, UTF-8 check, message out): `Connection::recv` (a copy into the
//!   connection's receive buffer) and `poll_event` until it says none, against tungstenite's
//!   `WebSocket::read` and fastwebsockets' `FragmentCollector::read_frame`, each reading from an
//!   in-memory stream that repeats the same frame.
//! - Encoding an unmasked (server) binary frame of 1 KiB and 64 KiB into a reused `Vec` (one
//!   `Vec` shared by both sides of a pair, so that memory placement favours neither): our
//!   `Connection::send_binary` (the frame is queued in the connection) and `poll_transmit`
//!   (which hands the queued frame to the empty `Vec` by swapping buffers, so the two
//!   alternate) against tungstenite's `Frame::format` and fastwebsockets' `Frame::write`. The setup asserts that the three produce the same bytes, and a test does
//!   the same for masked frames with a fixed key. Against tungstenite both sides are one
//!   `memcpy` of the payload after a few header bytes (the rows say so): parity there is the
//!   memory system's, not the encoder's. fastwebsockets writes into a buffer it never clears
//!   (its `WebSocket` reuses one write buffer for every frame), so its side keeps the shared
//!   `Vec`'s length from call to call and zero-fills only when it grows, as in its own write
//!   path: it too is then one `memcpy` after the header. (Until this was noticed the pairs
//!   cleared the buffer for it as for the others, which made it zero-fill every frame first.)
//! - Encoding a masked (client) binary frame of 1 KiB and 64 KiB, keys from the default
//!   cryptographic source (`Connection::client` with a `CryptoMask`: ChaCha12 keyed by the OS,
//!   drawn 256 bytes at a time): against the same encoder with wyrand keys
//!   (`Connection::client_predictable`), which shows what the cryptographic source costs;
//!   against the same encoder reading every batch from the OS (`OsRandom` below, a `getrandom`
//!   system call per 64 keys), which shows why `CryptoMask` is not that; and against
//!   fastwebsockets' client path (`Frame::mask`: a key
//!   from `rand::random`, the payload copied into an owned buffer and masked there, then
//!   `Frame::write`).

use std::cell::RefCell;
use std::hint::black_box;
use std::io::{self, Read, Write};
use std::pin::{Pin, pin};
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use proto_ws::{Config, Connection, Event, FrameHeader, OpCode};

use crate::Pair;

const KEY: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];

/// `n` bytes of multilingual UTF-8 text (ASCII with some 2-, 3- and 4-byte characters).
pub fn text(n: usize) -> String {
    let alphabet = [
        "hello ",
        "wörld ",
        "κόσμε ",
        "世界 ",
        "🦀 ",
        "json{\"k\":1} ",
    ];
    let mut s = String::with_capacity(n + 8);
    let mut i = 0;
    while s.len() < n {
        s.push_str(alphabet[i % alphabet.len()]);
        i += 1;
    }
    while s.len() > n {
        s.pop();
    }
    while s.len() < n {
        s.push('.');
    }
    s
}

/// A masked (client-to-server) frame carrying `payload`.
pub fn masked_frame(opcode: OpCode, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    proto_ws::encode_frame(
        &FrameHeader::new(opcode, Some(KEY), payload.len() as u64),
        payload,
        &mut out,
    );
    out
}

/// An endless reader repeating one frame (writes are discarded), for the peers' stream APIs.
pub struct Repeat {
    data: Vec<u8>,
    pos: usize,
}

impl Repeat {
    /// A stream repeating `data`.
    pub fn new(data: Vec<u8>) -> Repeat {
        Repeat { data, pos: 0 }
    }

    fn fill(&mut self, buf: &mut [u8]) -> usize {
        let n = buf.len().min(self.data.len() - self.pos);
        buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos = (self.pos + n) % self.data.len();
        n
    }
}

impl Read for Repeat {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        Ok(self.fill(buf))
    }
}

impl Write for Repeat {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl tokio::io::AsyncRead for Repeat {
    fn poll_read(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        // Into the unfilled part as it is, as a socket's read does: `initialize_unfilled` would
        // first zero all of it (the whole spare capacity of fastwebsockets' read buffer, up to
        // 64 KiB, on every read), work no real stream does.
        let this = self.get_mut();
        let n = buf.remaining().min(this.data.len() - this.pos);
        buf.put_slice(&this.data[this.pos..this.pos + n]);
        this.pos = (this.pos + n) % this.data.len();
        Poll::Ready(Ok(()))
    }
}

impl tokio::io::AsyncWrite for Repeat {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Poll::Ready(Ok(buf.len()))
    }
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

/// Runs a future that never waits (its stream is always ready) to completion.
fn block_on<F: std::future::Future>(fut: F) -> F::Output {
    let mut fut = pin!(fut);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

/// Our receive path on a stream of repeated frames: copy one frame from the stream into a
/// buffer (as a read would), then `recv` it and `poll_event` until none, as a socket loop does.
struct OursReader {
    conn: Connection,
    stream: Repeat,
    buf: Vec<u8>,
}

impl OursReader {
    fn new(frame: Vec<u8>) -> OursReader {
        let len = frame.len();
        OursReader {
            conn: Connection::server(Config::default()),
            stream: Repeat::new(frame),
            buf: vec![0; len],
        }
    }

    fn next_len(&mut self) -> u64 {
        let n = self.stream.fill(&mut self.buf);
        let mut rest = &self.buf[..n];
        let mut len = 0;
        while !rest.is_empty() {
            let Ok(k) = self.conn.recv(rest) else {
                return 0;
            };
            rest = &rest[k..];
            loop {
                match self.conn.poll_event() {
                    Ok(Some(Event::Text(t))) => len = t.len() as u64,
                    Ok(Some(Event::Binary(b))) => {
                        len = u64::from(b[b.len() / 2]) + b.len() as u64;
                    }
                    Ok(Some(_)) => {}
                    Ok(None) => break,
                    Err(_) => return 0,
                }
            }
        }
        len
    }
}

fn unmask_pairs(pairs: &mut Vec<Pair>) {
    for (name, len, align) in [
        ("1 KiB", 1024usize, 0usize),
        ("64 KiB", 65536, 0),
        ("64 KiB unaligned", 65536, 1),
    ] {
        let data: Vec<u8> = (0..len + 1).map(|i| i as u8).collect();
        let mut ours_buf = data.clone();
        let mut theirs_buf = data;
        pairs.push(Pair {
            group: "ws",
            name: format!("unmask {name}"),
            peer: "fastwebsockets",
            bytes: len as u64,
            ours: Box::new(move || {
                let b = &mut ours_buf[align..align + len];
                proto_ws::apply_mask(black_box(b), KEY, 0);
                u64::from(b[len / 2])
            }),
            theirs: Box::new(move || {
                let b = &mut theirs_buf[align..align + len];
                fastwebsockets::unmask(black_box(b), KEY);
                u64::from(b[len / 2])
            }),
        });
    }
    for (name, len) in [("1 KiB", 1024usize), ("64 KiB", 65536)] {
        let payload: Vec<u8> = (0..len).map(|i| (i * 7) as u8).collect();
        let frame = masked_frame(OpCode::Binary, &payload);
        let mut ours = OursReader::new(frame.clone());
        let mut theirs = tungstenite::WebSocket::from_raw_socket(
            Repeat::new(frame),
            tungstenite::protocol::Role::Server,
            Some(tungstenite::protocol::WebSocketConfig::default()),
        );
        pairs.push(Pair {
            group: "ws",
            name: format!("read + unmask binary {name}"),
            peer: "tungstenite",
            bytes: len as u64,
            ours: Box::new(move || ours.next_len()),
            theirs: Box::new(move || match theirs.read() {
                Ok(tungstenite::Message::Binary(b)) => u64::from(b[b.len() / 2]) + b.len() as u64,
                _ => 0,
            }),
        });
    }
}

fn decode_pairs(pairs: &mut Vec<Pair>) {
    for (name, len) in [("16 B", 16usize), ("1 KiB", 1024), ("64 KiB", 65536)] {
        let t = text(len);
        let frame = masked_frame(OpCode::Text, t.as_bytes());

        let mut ours = OursReader::new(frame.clone());
        let config = tungstenite::protocol::WebSocketConfig::default();
        let mut theirs = tungstenite::WebSocket::from_raw_socket(
            Repeat::new(frame.clone()),
            tungstenite::protocol::Role::Server,
            Some(config),
        );
        pairs.push(Pair {
            group: "ws",
            name: format!("decode text {name}"),
            peer: "tungstenite",
            bytes: len as u64,
            ours: Box::new(move || ours.next_len()),
            theirs: Box::new(move || match theirs.read() {
                Ok(tungstenite::Message::Text(s)) => s.len() as u64,
                _ => 0,
            }),
        });

        let mut ours = OursReader::new(frame.clone());
        let ws = fastwebsockets::WebSocket::after_handshake(
            Repeat::new(frame),
            fastwebsockets::Role::Server,
        );
        let mut theirs = fastwebsockets::FragmentCollector::new(ws);
        pairs.push(Pair {
            group: "ws",
            name: format!("decode text {name}"),
            peer: "fastwebsockets",
            bytes: len as u64,
            ours: Box::new(move || ours.next_len()),
            theirs: Box::new(move || match block_on(theirs.read_frame()) {
                Ok(f) if f.opcode == fastwebsockets::OpCode::Text => f.payload.len() as u64,
                _ => 0,
            }),
        });
    }
}

/// tungstenite's encoding of one final unmasked binary frame of `payload` (what a server
/// sends), appended to `out`.
#[inline]
pub fn tungstenite_frame(payload: &'static [u8], out: &mut Vec<u8>) {
    let f = tungstenite::protocol::frame::Frame::message(
        bytes::Bytes::from_static(payload),
        tungstenite::protocol::frame::coding::OpCode::Data(
            tungstenite::protocol::frame::coding::Data::Binary,
        ),
        true,
    );
    let _ = f.format(out);
}

/// fastwebsockets' encoding of one final unmasked binary frame of `payload`, returned as the
/// start of `out`.
///
/// `out` plays the part of fastwebsockets' own write buffer, which `WebSocket::write_frame`
/// reuses for every frame without ever clearing it (`WriteHalf::write_buffer`): `Frame::write`
/// grows it to the frame's length (plus 16) with zeros only while it is shorter, then writes
/// the frame over its start. So the pairs do not clear `out` before this, as they do before
/// our encoder (whose `poll_transmit` appends, the caller clearing what it wrote): clearing it
/// made fastwebsockets zero-fill every frame before copying, work its own write path does not
/// do.
#[inline]
pub fn fastwebsockets_frame<'a>(payload: &[u8], out: &'a mut Vec<u8>) -> &'a [u8] {
    let mut f = fastwebsockets::Frame::new(
        true,
        fastwebsockets::OpCode::Binary,
        None,
        fastwebsockets::Payload::Borrowed(payload),
    );
    f.write(out)
}

/// Our encoding of one binary message of `payload` (unmasked for a server, masked with the
/// connection's next key for a client): queued by `send_binary`, appended to `out` by
/// `poll_transmit`.
#[inline]
pub fn ours_frame(conn: &mut Connection, payload: &[u8], out: &mut Vec<u8>) {
    let _ = conn.send_binary(payload);
    let _ = conn.poll_transmit(out);
}

/// A `'static` copy of `payload` placed before `out`'s byte `offset`, where an encoder puts the
/// payload after a header of `offset` bytes. How fast `memcpy` copies depends on that distance
/// (4 KiB aliasing between its loads and earlier stores), so the encode pairs fix it instead of
/// leaving it to the allocator: 2 KiB (modulo 4 KiB) when `out` is the only destination. Ours
/// writes alternately into `out` and the connection's buffer at `other` (they swap), so the
/// distance is then chosen as far from a multiple of 4 KiB as possible for both.
fn placed_payload(
    payload: &[u8],
    out: &[u8],
    other: Option<usize>,
    offset: usize,
) -> &'static [u8] {
    let arena: &'static mut [u8] = Box::leak(vec![0u8; payload.len() + 4096].into_boxed_slice());
    let dst = out.as_ptr() as usize + offset;
    let distance = match other {
        None => 2048,
        Some(other) => {
            let delta = other.wrapping_sub(out.as_ptr() as usize) % 4096;
            let circ = |x: usize| (x % 4096).min(4096 - x % 4096);
            let worst = |d: usize| circ(d).min(circ(d + delta));
            let (a, b) = (2048 + 4096 - delta / 2, 4096 - delta / 2);
            if worst(a) >= worst(b) { a } else { b }
        }
    };
    let base = arena.as_ptr() as usize;
    let start = (dst.wrapping_sub(distance).wrapping_sub(base)) % 4096;
    let placed = &mut arena[start..start + payload.len()];
    placed.copy_from_slice(payload);
    placed
}

/// Bytes for [`encode_buffers`]' first frame.
static WARM: [u8; 64 << 10] = [0; 64 << 10];

/// The output buffer an encode pair shares, and the address of `conn`'s own queue buffer,
/// both of `cap` bytes: an empty output `Vec` takes the queued frame by swapping buffers with
/// the connection, so ours writes into the two alternately (see [`placed_payload`]).
fn encode_buffers(conn: &mut Connection, cap: usize) -> (Rc<RefCell<Vec<u8>>>, usize) {
    // Grow the connection's buffer to half of `cap`, so that it swaps with one of `cap`.
    let _ = conn.send_binary(&WARM[..(cap / 2 + 1).min(WARM.len())]);
    let mut sink = vec![0u8];
    let _ = conn.poll_transmit(&mut sink);
    let mut mine: Vec<u8> = Vec::with_capacity(cap);
    let addr = mine.as_ptr() as usize;
    let _ = conn.send_binary(b"x");
    let _ = conn.poll_transmit(&mut mine);
    assert_ne!(
        mine.as_ptr() as usize,
        addr,
        "the connection took the buffer"
    );
    (Rc::new(RefCell::new(Vec::with_capacity(cap))), addr)
}

fn encode_pairs(pairs: &mut Vec<Pair>) {
    for (name, len) in [("1 KiB", 1024usize), ("64 KiB", 65536)] {
        let payload: &'static [u8] = Box::leak(
            (0..len)
                .map(|i| i as u8)
                .collect::<Vec<u8>>()
                .into_boxed_slice(),
        );
        // Both sides do the same work: a server's unmasked frame, appended to a reused `Vec`,
        // byte for byte the same.
        let mut conn = Connection::server(Config::default());
        let (mut out, mut theirs_out) = (Vec::new(), Vec::new());
        ours_frame(&mut conn, payload, &mut out);
        tungstenite_frame(payload, &mut theirs_out);
        assert_eq!(out, theirs_out, "encode {name}: tungstenite's bytes differ");
        assert_eq!(
            out,
            fastwebsockets_frame(payload, &mut Vec::new()),
            "encode {name}: fastwebsockets' bytes differ"
        );

        // Both sides append to the very same `Vec` (cleared each time) from the very same
        // payload, placed at a fixed distance from it: with two buffers the allocator's
        // placement alone moved our 1 KiB time by a third from one row to the next.
        let header_len = out.len() - len;
        let (shared, other) = encode_buffers(&mut conn, len + 64);
        let payload = placed_payload(payload, &shared.borrow(), Some(other), header_len);
        let theirs_out = Rc::clone(&shared);
        pairs.push(Pair {
            group: "ws",
            name: format!("encode binary {name} (both: one memcpy)"),
            peer: "tungstenite",
            bytes: len as u64,
            ours: Box::new(move || {
                let mut out = shared.borrow_mut();
                out.clear();
                ours_frame(&mut conn, black_box(payload), &mut out);
                out.len() as u64
            }),
            theirs: Box::new(move || {
                let mut out = theirs_out.borrow_mut();
                out.clear();
                tungstenite_frame(black_box(payload), &mut out);
                out.len() as u64
            }),
        });
        let mut conn = Connection::server(Config::default());
        let (shared, other) = encode_buffers(&mut conn, len + 64);
        let payload = placed_payload(payload, &shared.borrow(), Some(other), header_len);
        let theirs_out = Rc::clone(&shared);
        pairs.push(Pair {
            group: "ws",
            name: format!("encode binary {name}"),
            peer: "fastwebsockets",
            bytes: len as u64,
            ours: Box::new(move || {
                let mut out = shared.borrow_mut();
                out.clear();
                ours_frame(&mut conn, black_box(payload), &mut out);
                out.len() as u64
            }),
            theirs: Box::new(move || {
                // Not cleared: see `fastwebsockets_frame`.
                let mut out = theirs_out.borrow_mut();
                fastwebsockets_frame(black_box(payload), &mut out).len() as u64
            }),
        });
    }
}

/// Zero-copy encoding of a server's binary frame of 64 KiB: our `send_binary_bytes` (the header
/// queued, the payload handed back by `poll_transmit` as the same `Bytes`) against
/// fastwebsockets' `Frame::fmt_head` (the header its `writev` path writes before the payload).
/// Both leave the payload where it is; each returns header length plus payload length. Ours
/// also goes through the connection's output queue (the payload held by the connection until
/// `poll_transmit` encodes its header into `out` and hands it back), and, since a queue must
/// own what it holds, through a `Bytes` clone before and a drop after (two calls through its
/// vtable, the clone's four 8-byte stores then read back as 16-byte moves): the peer borrows,
/// because its write completes before `write_frame` returns. On the machine this was
/// measured on, that clone and drop alone took 7.0-7.1 ns of our 8.6-8.8 ns per frame (the
/// peer: 1.3-1.8 ns): the ratio is the price of owning the payload and queuing it, not of
/// copying it.
fn zero_copy_encode_pairs(pairs: &mut Vec<Pair>) {
    let len = 65536usize;
    // A static payload: cloning it costs no reference count (a shared one adds two atomic
    // operations per frame).
    let payload = bytes::Bytes::from_static(Box::leak(
        (0..len)
            .map(|i| i as u8)
            .collect::<Vec<u8>>()
            .into_boxed_slice(),
    ));
    let theirs_payload = payload.clone();
    let mut conn = Connection::server(Config::default());
    let mut out = Vec::with_capacity(64);
    pairs.push(Pair {
        group: "ws",
        name: "encode binary 64 KiB, payload uncopied (header + Bytes)".to_string(),
        peer: "fastwebsockets",
        // Neither side touches the payload's bytes: time per frame, not a throughput.
        bytes: 0,
        ours: Box::new(move || {
            out.clear();
            let _ = conn.send_binary_bytes(black_box(payload.clone()));
            let p = conn.poll_transmit(&mut out);
            (out.len() + p.map_or(0, |p| p.len())) as u64
        }),
        theirs: Box::new(move || {
            let mut head = [0u8; 14];
            let mut f = fastwebsockets::Frame::new(
                true,
                fastwebsockets::OpCode::Binary,
                None,
                fastwebsockets::Payload::Borrowed(black_box(&theirs_payload[..])),
            );
            let n = f.fmt_head(&mut head);
            (black_box(&head[..n]).len() + f.payload.len()) as u64
        }),
    });
}

/// fastwebsockets' client path for one binary frame: a fresh key from `rand::random`, the
/// payload copied and masked, the frame written to `out` (what `WebSocket::write_frame` does
/// for a client before the write), a write buffer it does not clear (see
/// [`fastwebsockets_frame`]).
#[inline]
pub fn fastwebsockets_client_frame<'a>(payload: &[u8], out: &'a mut Vec<u8>) -> &'a [u8] {
    let mut f = fastwebsockets::Frame::binary(fastwebsockets::Payload::Borrowed(payload));
    f.mask();
    f.write(out)
}

fn masked_encode_pairs(pairs: &mut Vec<Pair>) {
    for (name, len) in [("1 KiB", 1024usize), ("64 KiB", 65536)] {
        let payload: &'static [u8] = Box::leak(
            (0..len)
                .map(|i| i as u8)
                .collect::<Vec<u8>>()
                .into_boxed_slice(),
        );
        let header_len = if len < 126 {
            6
        } else if len < 65536 {
            8
        } else {
            14
        };
        let name = format!("encode masked binary {name} (client, CSPRNG keys)");
        // Ours with OS-seeded ChaCha keys against: ours with wyrand keys (the cost of the
        // cryptographic source); ours reading the OS per batch (why the source is ChaCha);
        // fastwebsockets' client path.
        let mut predictable = Connection::client_predictable(Config::default(), 1);
        pairs.push(masked_pair(
            &name,
            "proto-ws, wyrand keys",
            payload,
            header_len,
            move |p, out| {
                out.clear();
                ours_frame(&mut predictable, p, out);
                out.len() as u64
            },
        ));
        let mut os = Connection::client_with_source(Config::default(), OsRandom);
        pairs.push(masked_pair(
            &name,
            "proto-ws, getrandom per 256 B",
            payload,
            header_len,
            move |p, out| {
                out.clear();
                ours_frame(&mut os, p, out);
                out.len() as u64
            },
        ));
        pairs.push(masked_pair(
            &name,
            "fastwebsockets",
            payload,
            header_len,
            |p, out| fastwebsockets_client_frame(p, out).len() as u64,
        ));
    }
}

/// One masked-encode row: ours (a client with OS-seeded `CryptoMask` keys) against `theirs`
/// on the same payload, placed at the same distance from the shared output buffer; `theirs`
/// returns the length of the frame it wrote.
fn masked_pair(
    name: &str,
    peer: &'static str,
    payload: &'static [u8],
    header_len: usize,
    mut theirs: impl FnMut(&[u8], &mut Vec<u8>) -> u64 + 'static,
) -> Pair {
    let mut conn = Connection::client(Config::default(), os_keys());
    let (shared, other) = encode_buffers(&mut conn, payload.len() + 64);
    let placed = placed_payload(payload, &shared.borrow(), Some(other), header_len);
    let theirs_out = Rc::clone(&shared);
    Pair {
        group: "ws",
        name: name.to_string(),
        peer,
        bytes: payload.len() as u64,
        ours: Box::new(move || {
            let mut out = shared.borrow_mut();
            out.clear();
            ours_frame(&mut conn, black_box(placed), &mut out);
            out.len() as u64
        }),
        theirs: Box::new(move || {
            // Each peer clears the buffer or not as its own write path does.
            let mut out = theirs_out.borrow_mut();
            theirs(black_box(placed), &mut out)
        }),
    }
}

/// Every WebSocket pair (one row per peer).
pub fn pairs() -> Vec<Pair> {
    let mut pairs = Vec::new();
    unmask_pairs(&mut pairs);
    decode_pairs(&mut pairs);
    encode_pairs(&mut pairs);
    zero_copy_encode_pairs(&mut pairs);
    masked_encode_pairs(&mut pairs);
    pairs
}

/// The operating system's generator as a masking-key source: a `getrandom` system call per
/// batch of 64 keys (the row that shows why a client takes `CryptoMask` instead).
struct OsRandom;

impl proto_ws::MaskSource for OsRandom {
    fn fill(&mut self, buf: &mut [u8]) {
        getrandom::fill(buf).expect("the OS random generator");
    }
}

/// Masking keys as a real client makes them: ChaCha12 keyed from the OS's generator.
fn os_keys() -> proto_ws::CryptoMask {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).expect("the OS random generator");
    proto_ws::CryptoMask::from_seed(seed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ours_and_theirs_agree_on_every_pair() {
        for mut p in pairs() {
            let (a, b) = ((p.ours)(), (p.theirs)());
            assert!(a > 0, "{}", p.name);
            assert_eq!(a, b, "{} vs {}", p.name, p.peer);
            if p.name.starts_with("decode") || p.name.starts_with("encode") {
                // Twice, so the repeated stream and reused state work.
                assert_eq!((p.ours)(), a, "{}", p.name);
                assert_eq!((p.theirs)(), b, "{} vs {}", p.name, p.peer);
            }
        }
    }

    #[test]
    fn encoders_agree_byte_for_byte_with_and_without_a_mask() {
        for len in [0usize, 1, 125, 126, 1024, 65535, 65536, 70000] {
            let payload: &'static [u8] = Box::leak(
                (0..len)
                    .map(|i| (i * 13) as u8)
                    .collect::<Vec<u8>>()
                    .into_boxed_slice(),
            );
            for mask in [None, Some(KEY)] {
                let mut ours = Vec::new();
                proto_ws::encode_frame(
                    &FrameHeader::new(OpCode::Binary, mask, len as u64),
                    payload,
                    &mut ours,
                );
                let mut theirs = Vec::new();
                let mut f = tungstenite::protocol::frame::Frame::message(
                    bytes::Bytes::from_static(payload),
                    tungstenite::protocol::frame::coding::OpCode::Data(
                        tungstenite::protocol::frame::coding::Data::Binary,
                    ),
                    true,
                );
                f.header_mut().mask = mask;
                f.format(&mut theirs).unwrap();
                assert_eq!(ours, theirs, "len {len} mask {mask:?}");
            }
            let mut theirs = Vec::new();
            tungstenite_frame(payload, &mut theirs);
            let mut conn = Connection::server(Config::default());
            let mut ours = Vec::new();
            ours_frame(&mut conn, payload, &mut ours);
            assert_eq!(ours, theirs, "len {len}: server frame vs tungstenite");
            assert_eq!(ours, fastwebsockets_frame(payload, &mut Vec::new()));
            // As the pairs use it: a write buffer kept, not cleared, between frames (holding a
            // longer frame, then this one).
            let mut kept = vec![0xa5; len + 100];
            assert_eq!(ours, fastwebsockets_frame(payload, &mut kept));
            assert_eq!(ours, fastwebsockets_frame(payload, &mut kept));
        }
    }

    #[test]
    fn text_is_valid_and_sized() {
        for n in [16, 1024, 65536] {
            assert_eq!(text(n).len(), n);
        }
    }
}
