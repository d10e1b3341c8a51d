//! WebSocket inputs and pairs: `proto-ws` against `tungstenite` and `fastwebsockets` on the same
//! bytes.
//!
//! - Unmasking 1 KiB, 64 KiB and 64 KiB at an odd address: `proto_ws::apply_mask` against
//!   `fastwebsockets::unmask` (both public functions), each in place in its own buffer at the
//!   same alignment (a 64-byte boundary, plus one byte for the odd address). (Until this was
//!   noticed the buffers were where the allocator put them, 16-byte aligned: in `compare` our
//!   1 KiB buffer was 16 bytes past a 32-byte boundary, the peer's 32-byte aligned.)
//!   tungstenite's mask function is private (and `FrameSocket` leaves payloads masked), so its
//!   rows measure reading one masked binary message of 1 KiB / 64 KiB as a server
//!   (`WebSocket::read`: copy, parse, unmask) against `Connection::recv` + `poll_event` doing
//!   the same.
//! - Decoding a masked text message of 16 B, 1 KiB and 64 KiB as a server (copy from a reader,
//!   parse, unmask, UTF-8 check, message out): `Connection::recv` (a copy into the
//!   connection's receive buffer) and `poll_event` until it says none, against tungstenite's
//!   `WebSocket::read` and fastwebsockets' `FragmentCollector::read_frame`, each reading from an
//!   in-memory stream that repeats the same frame.
//! - Encoding an unmasked (server) binary frame of 1 KiB and 64 KiB into a reused `Vec` (one
//!   `Vec` shared by both sides of a pair, so that memory placement favours neither). Against
//!   tungstenite: our `Connection::send_binary` (the frame is queued in the connection) and
//!   `poll_transmit` (which hands the queued frame to the empty `Vec` by swapping buffers, so
//!   the two alternate) against its `Frame::format`. Against fastwebsockets, frame encoder
//!   against frame encoder, no connection on either side: `proto_ws::encode_frame` against
//!   `Frame::write` at 1 KiB, which fastwebsockets' own `WebSocket` copies too (up to its
//!   1 KiB `writev_threshold`). Above 1 KiB both libraries' own send paths write header and
//!   payload with one vectored write instead, and so does a careful user of either frame
//!   encoder: those rows are `FrameHeader::encode_into` against `Frame::fmt_head`, each into
//!   a stack buffer, the payload left in place, 64 headers per iteration (unmasked, and masked
//!   with a key per frame), their lengths mixing the 7-, 16- and 64-bit forms
//!   ([`header_lengths`]): the same 64 each iteration (branches the predictor learns), or
//!   those 64 in another order each iteration (branches it cannot learn). (These rows used to
//!   put our connection against its frame encoder: our side did the connection's checks and
//!   queueing, its side none. The 64 KiB row used to copy the payload on both sides, which is
//!   the memory system's speed on both, at parity, and not what either library does with such
//!   a frame; then it timed one 64 KiB frame's header per iteration, about 3 ns, which is the
//!   clock's resolution and not a measurement.)
//!   The setup asserts that the three produce the same bytes, and a test does the same for
//!   masked frames with a fixed key. The copying rows are a few header bytes and one copy of
//!   the payload on both sides (the rows say so): `memcpy` on the peers' side, on ours (with
//!   AVX2, from 32 bytes to 64 KiB) a loop of 32-byte-aligned vector stores, which has no
//!   size dispatch and never splits a cache line behind the odd-sized header.
//!   (An earlier loop of our own with unaligned stores was measured slower than `memcpy`: on a
//!   Xeon with AVX-512, 1 KiB in 14.5 ns with AVX2 and 9.8 ns with AVX-512 against glibc's
//!   7.0 ns.)
//!   fastwebsockets writes into a buffer it never clears (its `WebSocket` reuses one write
//!   buffer for every frame), so its side keeps the shared `Vec`'s length from call to call
//!   and zero-fills only when it grows, as in its own write path: it too is then one `memcpy`
//!   after the header. (Until this was noticed the pairs cleared the buffer for it as for the
//!   others, which made it zero-fill every frame first.)
//! - Sending an unmasked binary message of 1 KiB and 64 KiB through each side's connection
//!   to the same in-memory [`Sink`]: our `send_binary` (1 KiB) or `send_binary_bytes` (64 KiB),
//!   `poll_transmit` and the caller's write, against fastwebsockets' `WebSocket::write_frame`,
//!   each on the path its own API takes for that size (both copy 1 KiB; above 1 KiB
//!   fastwebsockets writes header and payload with one vectored write, and ours hands the
//!   payload back uncopied for one). (The 64 KiB row used to put our connection, a `Bytes`
//!   clone and drop included, against fastwebsockets' `Frame::fmt_head` alone.)
//! - Sending a masked (client) binary message of 1 KiB and 64 KiB to a [`Sink`], keys from the
//!   default cryptographic source (`Connection::client` with a `CryptoMask`: ChaCha12 keyed by
//!   the OS, drawn 256 bytes at a time): against the same connection with wyrand keys
//!   (`Connection::client_predictable`), which shows what the cryptographic source costs;
//!   against the same connection reading every batch from the OS (`OsRandom` below, a
//!   `getrandom` system call per 64 keys), which shows why `CryptoMask` is not that; and
//!   against fastwebsockets' client `WebSocket::write_frame` (a key from `rand::random`, the
//!   payload copied into an owned buffer and masked there, then copied into its write buffer
//!   and written up to 1 KiB, written with the header in one vectored write above). (These
//!   rows used to call its `Frame::mask` and `Frame::write`, which at 64 KiB added a second
//!   copy that its `write_frame` does not make.)

use std::cell::{Cell, RefCell};
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
        // Each side's bytes start `align` bytes past a 64-byte boundary (a cache line), so that
        // both have the same alignment. Where the allocator put them (16-byte aligned), in
        // `compare` our 1 KiB buffer was 16 bytes past a 32-byte boundary and the peer's 32-byte
        // aligned: every other 32-byte store split a cache line on our side only.
        // The same bytes on both sides wherever each buffer starts: the results must agree.
        let data: Vec<u8> = (0..len).map(|i| i as u8).collect();
        let placed = || {
            let mut b = vec![0u8; len + 64 + align];
            let at = (64 - b.as_ptr() as usize % 64) % 64 + align;
            b[at..at + len].copy_from_slice(&data);
            (b, at)
        };
        let ((mut ours_buf, ours_at), (mut theirs_buf, theirs_at)) = (placed(), placed());
        pairs.push(Pair {
            group: "ws",
            name: format!("unmask {name}"),
            peer: "fastwebsockets",
            bytes: len as u64,
            ours: Box::new(move || {
                let b = &mut ours_buf[ours_at..ours_at + len];
                proto_ws::apply_mask(black_box(b), KEY, 0);
                u64::from(b[len / 2])
            }),
            theirs: Box::new(move || {
                let b = &mut theirs_buf[theirs_at..theirs_at + len];
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
        let placed = placed_payload(payload, &shared.borrow(), Some(other), header_len);
        let theirs_out = Rc::clone(&shared);
        pairs.push(Pair {
            group: "ws",
            name: format!("encode binary {name} (both: one copy)"),
            peer: "tungstenite",
            bytes: len as u64,
            ours: Box::new(move || {
                let mut out = shared.borrow_mut();
                out.clear();
                ours_frame(&mut conn, black_box(placed), &mut out);
                out.len() as u64
            }),
            theirs: Box::new(move || {
                let mut out = theirs_out.borrow_mut();
                out.clear();
                tungstenite_frame(black_box(placed), &mut out);
                out.len() as u64
            }),
        });

        // The frame encoders alone, no connection on either side. A frame longer than
        // fastwebsockets' 1 KiB `writev_threshold` is written with one vectored write by both
        // libraries' own send paths, the header into a small buffer and the payload left in
        // place: that is measured by `header_pairs`, one header alone being a few nanoseconds,
        // below the clock's resolution.
        if len > FASTWEBSOCKETS_WRITEV_THRESHOLD {
            continue;
        }
        // Up to fastwebsockets' `writev_threshold` both copy: `encode_frame` against
        // `Frame::write`, each into one reused `Vec` (the same one), the payload placed at a
        // fixed distance from it.
        let shared = Rc::new(RefCell::new(Vec::<u8>::with_capacity(len + 64)));
        let placed = placed_payload(payload, &shared.borrow(), None, header_len);
        let theirs_out = Rc::clone(&shared);
        pairs.push(Pair {
            group: "ws",
            name: format!("encode binary {name}, frame encoder only (both: one copy)"),
            peer: "fastwebsockets",
            bytes: len as u64,
            ours: Box::new(move || {
                let mut out = shared.borrow_mut();
                out.clear();
                let p = black_box(placed);
                proto_ws::encode_frame(
                    &FrameHeader::new(OpCode::Binary, None, p.len() as u64),
                    p,
                    &mut out,
                );
                out.len() as u64
            }),
            theirs: Box::new(move || {
                // Not cleared: see `fastwebsockets_frame`.
                let mut out = theirs_out.borrow_mut();
                fastwebsockets_frame(black_box(placed), &mut out).len() as u64
            }),
        });
    }
}

/// How many frame headers one iteration of a header pair encodes.
pub const HEADERS_PER_OP: usize = 64;

/// How many lengths the unpredictable header row steps through, 64 at a time: more than a
/// branch predictor memorizes (with 16384 random lengths a Zen 4 ran that row as fast as the
/// repeated 64: it had learnt them; with 65536 it did not).
pub const HEADER_SEQUENCE_LEN: usize = 65536;

/// The [`HEADERS_PER_OP`] payload lengths of the header pairs, a third (roughly) in each
/// length form (7-bit: 0..=125, 16-bit: 126..=65535, 64-bit: from 65536 on, here up to
/// 128 KiB so that fastwebsockets' frame can borrow a real payload), the forms' boundaries
/// (0, 125, 126, 65535, 65536) among them, the rest from a fixed pseudo-random sequence.
pub fn header_lengths() -> Vec<usize> {
    let mut lens = vec![0, 125, 126, 65535, 65536, 131072];
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    while lens.len() < HEADERS_PER_OP {
        let r = xorshift(&mut x);
        lens.push(match r % 3 {
            0 => (r >> 8) as usize % 126,
            1 => 126 + (r >> 8) as usize % (65536 - 126),
            _ => 65536 + (r >> 8) as usize % 65537,
        });
    }
    // Spread the boundaries among the others (37 is prime to 64).
    (0..HEADERS_PER_OP)
        .map(|i| lens[(i * 37) % HEADERS_PER_OP])
        .collect()
}

/// [`HEADER_SEQUENCE_LEN`] lengths: [`header_lengths`] over and over, each time in another
/// pseudo-random order (Fisher-Yates), so that every batch of [`HEADERS_PER_OP`] has the same
/// headers' total length but no order of length forms repeats.
pub fn shuffled_header_lengths() -> Vec<usize> {
    let base = header_lengths();
    let mut x = 0x2545_f491_4f6c_dd1du64;
    let mut out = Vec::with_capacity(HEADER_SEQUENCE_LEN);
    while out.len() < HEADER_SEQUENCE_LEN {
        let mut batch = base.clone();
        for i in (1..batch.len()).rev() {
            batch.swap(i, (xorshift(&mut x) % (i as u64 + 1)) as usize);
        }
        out.extend(batch);
    }
    out
}

/// The next value of a xorshift64 generator.
fn xorshift(x: &mut u64) -> u64 {
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    *x
}

/// Frame headers alone, for a vectored write (the way both libraries' send paths write a
/// frame above fastwebsockets' 1 KiB `writev_threshold`, and a careful user of either frame
/// encoder): each iteration encodes [`HEADERS_PER_OP`] binary frames' headers with
/// `FrameHeader::encode_into` against `Frame::fmt_head`, the same lengths in the same order,
/// each side into its own stack buffer reused across the batch (ours is `MAX_HEADER_LEN`, 14
/// bytes; fastwebsockets' `writev` uses 16), every header handed to `black_box` so that each
/// is written. The payload is never touched. The result is the headers' total length.
///
/// Three rows: unmasked (a server's) and masked (a client's, a different fixed key per frame)
/// with the same 64 lengths every iteration, a pattern of branches that the branch predictor
/// learns; and unmasked with the next 64 of [`HEADER_SEQUENCE_LEN`] lengths each iteration
/// (the same 64 in another order each time: [`shuffled_header_lengths`]), whose length forms
/// it cannot predict. Which regime real traffic is in depends on its mix of message sizes.
fn header_pairs(pairs: &mut Vec<Pair>) {
    let payload: &'static [u8] = Box::leak(vec![0x5au8; 131072].into_boxed_slice());
    let frames = |lens: Vec<usize>| -> Vec<(&'static [u8], [u8; 4])> {
        lens.into_iter()
            .enumerate()
            .map(|(i, len)| {
                let key = (i as u32).wrapping_mul(0x9e37_79b9) ^ 0x5bd1_e995;
                (&payload[..len], key.to_le_bytes())
            })
            .collect()
    };
    let fixed = frames(header_lengths());
    let long = frames(shuffled_header_lengths());
    // The same bytes on both sides, frame by frame.
    for &(p, key) in &long {
        for mask in [None, Some(key)] {
            let mut ours = [0u8; proto_ws::MAX_HEADER_LEN];
            let n = FrameHeader::new(OpCode::Binary, mask, p.len() as u64).encode_into(&mut ours);
            let mut theirs = [0u8; 16];
            let m = fastwebsockets_binary(p, mask).fmt_head(&mut theirs);
            assert_eq!(
                &ours[..n],
                &theirs[..m],
                "header of {} bytes, {mask:?}",
                p.len()
            );
        }
    }
    let what = "frame encoder only: headers for vectored writes (neither copies)";
    pairs.push(header_pair::<false>(
        format!(
            "encode {HEADERS_PER_OP} frame headers, the same 7/16/64-bit lengths each time, {what}"
        ),
        fixed.clone(),
    ));
    pairs.push(header_pair::<true>(
        format!("encode {HEADERS_PER_OP} masked frame headers, the same 7/16/64-bit lengths each time, {what}"),
        fixed,
    ));
    pairs.push(header_pair::<false>(
        format!("encode {HEADERS_PER_OP} frame headers, the same 7/16/64-bit lengths shuffled each time, {what}"),
        long,
    ));
}

/// One header pair (see [`header_pairs`]): each iteration encodes the next
/// [`HEADERS_PER_OP`] of `frames` (binary, with their keys when `MASKED`), from the start
/// again after the last.
fn header_pair<const MASKED: bool>(name: String, frames: Vec<(&'static [u8], [u8; 4])>) -> Pair {
    assert_eq!(frames.len() % HEADERS_PER_OP, 0);
    let theirs_frames = frames.clone();
    let (mut ours_at, mut theirs_at) = (0, 0);
    Pair {
        group: "ws",
        name,
        peer: "fastwebsockets",
        bytes: 0,
        ours: Box::new(move || {
            let batch = &frames[ours_at..ours_at + HEADERS_PER_OP];
            ours_at += HEADERS_PER_OP;
            if ours_at == frames.len() {
                ours_at = 0;
            }
            let mut head = [0u8; proto_ws::MAX_HEADER_LEN];
            let mut total = 0;
            for &(p, key) in black_box(batch) {
                let mask = if MASKED { Some(key) } else { None };
                let n =
                    FrameHeader::new(OpCode::Binary, mask, p.len() as u64).encode_into(&mut head);
                total += black_box(&head[..n]).len() as u64;
            }
            total
        }),
        theirs: Box::new(move || {
            let batch = &theirs_frames[theirs_at..theirs_at + HEADERS_PER_OP];
            theirs_at += HEADERS_PER_OP;
            if theirs_at == theirs_frames.len() {
                theirs_at = 0;
            }
            let mut head = [0u8; 16];
            let mut total = 0;
            for &(p, key) in black_box(batch) {
                let mask = if MASKED { Some(key) } else { None };
                let n = fastwebsockets_binary(p, mask).fmt_head(&mut head);
                total += black_box(&head[..n]).len() as u64;
            }
            total
        }),
    }
}

/// A final binary frame borrowing `p`, for fastwebsockets' header encoder (the setup's check
/// and the timed rows build it the same way).
#[inline(always)]
fn fastwebsockets_binary(p: &[u8], mask: Option<[u8; 4]>) -> fastwebsockets::Frame<'_> {
    fastwebsockets::Frame::new(
        true,
        fastwebsockets::OpCode::Binary,
        mask,
        fastwebsockets::Payload::Borrowed(p),
    )
}

/// fastwebsockets' `WebSocket` copies frames up to this many payload bytes into its write
/// buffer and writes longer ones with one vectored write (its default `writev_threshold`).
const FASTWEBSOCKETS_WRITEV_THRESHOLD: usize = 1024;

/// An in-memory transport that takes every write whole and counts the bytes (a vectored write
/// in one call, as `writev(2)` on a socket with room): the connection rows' sink, the same for
/// both sides. Reads find the end of the stream. Clones share the count.
#[derive(Clone, Default)]
pub struct Sink {
    written: Rc<Cell<u64>>,
}

impl Sink {
    /// Bytes written so far.
    pub fn written(&self) -> u64 {
        self.written.get()
    }
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.written.set(self.written.get() + buf.len() as u64);
        Ok(buf.len())
    }
    fn write_vectored(&mut self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        let n = bufs.iter().map(|b| b.len()).sum::<usize>();
        self.written.set(self.written.get() + n as u64);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl tokio::io::AsyncRead for Sink {
    fn poll_read(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        _: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

impl tokio::io::AsyncWrite for Sink {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Poll::Ready(self.get_mut().write(buf))
    }
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Poll::Ready(self.get_mut().write_vectored(bufs))
    }
    fn is_write_vectored(&self) -> bool {
        true
    }
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

/// Writes what `poll_transmit` produced to `sink`: `out`, then the handed-back payload if any
/// (one vectored write), as a socket loop does. Returns the bytes written.
#[inline]
fn ours_write(out: &[u8], payload: Option<bytes::Bytes>, sink: &mut Sink) -> u64 {
    let before = sink.written();
    let _ = match payload {
        Some(p) => sink.write_vectored(&[io::IoSlice::new(out), io::IoSlice::new(&p)]),
        None => sink.write_all(out).map(|()| out.len()),
    };
    sink.written() - before
}

/// fastwebsockets sending one binary message on its `WebSocket` (`write_frame`, which masks
/// for a client and writes to the stream: a copy into its write buffer and one write up to
/// 1 KiB, a vectored write of header and payload above). `sink` shares the count of the
/// socket's `Sink`. Returns the bytes written.
#[inline]
pub fn fastwebsockets_send(
    ws: &mut fastwebsockets::WebSocket<Sink>,
    sink: &Sink,
    payload: &[u8],
) -> u64 {
    let before = sink.written();
    let frame = fastwebsockets::Frame::binary(fastwebsockets::Payload::Borrowed(payload));
    let _ = block_on(ws.write_frame(frame));
    sink.written() - before
}

/// Sending one binary message through each side's connection to the same in-memory [`Sink`]:
/// our `send_binary` (copied into the queue; 1 KiB) or `send_binary_bytes` (the payload handed
/// back uncopied; 64 KiB), `poll_transmit` and the caller's write, against fastwebsockets'
/// `WebSocket::write_frame`, which copies up to 1 KiB and writes header and payload with one
/// vectored write above (its `writev_threshold`): each side on the path its own API takes for
/// that size. Ours clones a static `Bytes` for every 64 KiB frame (a queue owns what it holds;
/// the peer borrows, its write completing before `write_frame` returns).
fn connection_send_pairs(pairs: &mut Vec<Pair>) {
    for (name, len, copied) in [
        ("1 KiB (both copy)", 1024usize, true),
        ("64 KiB (neither copies: vectored write)", 65536, false),
    ] {
        let data: &'static [u8] = Box::leak(
            (0..len)
                .map(|i| i as u8)
                .collect::<Vec<u8>>()
                .into_boxed_slice(),
        );
        let mut conn = Connection::server(Config::default());
        let header_len = FrameHeader::new(OpCode::Binary, None, len as u64).encoded_len();
        let (shared, other) = encode_buffers(&mut conn, len + 64);
        let placed = placed_payload(data, &shared.borrow(), Some(other), header_len);
        let bytes = bytes::Bytes::from_static(placed);
        let mut sink = Sink::default();
        let theirs_sink = Sink::default();
        let mut theirs = fastwebsockets::WebSocket::after_handshake(
            theirs_sink.clone(),
            fastwebsockets::Role::Server,
        );
        pairs.push(Pair {
            group: "ws",
            name: format!("send binary {name}, connection to a sink"),
            peer: "fastwebsockets",
            // Without a copy neither side touches the payload's bytes: time per frame, not a
            // throughput.
            bytes: if copied { len as u64 } else { 0 },
            ours: Box::new(move || {
                let mut out = shared.borrow_mut();
                out.clear();
                if copied {
                    let _ = conn.send_binary(black_box(placed));
                } else {
                    let _ = conn.send_binary_bytes(black_box(bytes.clone()));
                }
                let payload = conn.poll_transmit(&mut out);
                ours_write(&out, payload, &mut sink)
            }),
            theirs: Box::new(move || {
                fastwebsockets_send(&mut theirs, &theirs_sink, black_box(placed))
            }),
        });
    }
}

fn masked_encode_pairs(pairs: &mut Vec<Pair>) {
    for (name, len) in [("1 KiB", 1024usize), ("64 KiB", 65536)] {
        let payload: &'static [u8] = Box::leak(
            (0..len)
                .map(|i| i as u8)
                .collect::<Vec<u8>>()
                .into_boxed_slice(),
        );
        let header_len = FrameHeader::new(OpCode::Binary, Some(KEY), len as u64).encoded_len();
        let name = format!("send masked binary {name} (client, CSPRNG keys) to a sink");
        // Ours with OS-seeded ChaCha keys against: ours with wyrand keys (the cost of the
        // cryptographic source); ours reading the OS per batch (why the source is ChaCha);
        // fastwebsockets' client `WebSocket::write_frame` (a key from `rand::random`, the
        // payload copied into an owned buffer and masked there, then written: copied into its
        // write buffer up to 1 KiB, one vectored write above).
        let mut predictable = Connection::client_predictable(Config::default(), 1);
        pairs.push(masked_pair(
            &name,
            "proto-ws, wyrand keys",
            payload,
            header_len,
            move |p, out, sink| {
                out.clear();
                let _ = predictable.send_binary(p);
                let payload = predictable.poll_transmit(out);
                ours_write(out, payload, sink)
            },
        ));
        let mut os = Connection::client_with_source(Config::default(), OsRandom);
        pairs.push(masked_pair(
            &name,
            "proto-ws, getrandom per 256 B",
            payload,
            header_len,
            move |p, out, sink| {
                out.clear();
                let _ = os.send_binary(p);
                let payload = os.poll_transmit(out);
                ours_write(out, payload, sink)
            },
        ));
        let ws_sink = Sink::default();
        let mut ws = fastwebsockets::WebSocket::after_handshake(
            ws_sink.clone(),
            fastwebsockets::Role::Client,
        );
        pairs.push(masked_pair(
            &name,
            "fastwebsockets",
            payload,
            header_len,
            move |p, _, _| fastwebsockets_send(&mut ws, &ws_sink, p),
        ));
    }
}

/// One masked-send row: ours (a client with OS-seeded `CryptoMask` keys, to a [`Sink`])
/// against `theirs` on the same payload, placed at the same distance from the shared output
/// buffer; `theirs` returns the bytes it wrote.
fn masked_pair(
    name: &str,
    peer: &'static str,
    payload: &'static [u8],
    header_len: usize,
    mut theirs: impl FnMut(&[u8], &mut Vec<u8>, &mut Sink) -> u64 + 'static,
) -> Pair {
    let mut conn = Connection::client(Config::default(), os_keys());
    let (shared, other) = encode_buffers(&mut conn, payload.len() + 64);
    let placed = placed_payload(payload, &shared.borrow(), Some(other), header_len);
    let theirs_out = Rc::clone(&shared);
    let (mut sink, mut theirs_sink) = (Sink::default(), Sink::default());
    Pair {
        group: "ws",
        name: name.to_string(),
        peer,
        bytes: payload.len() as u64,
        ours: Box::new(move || {
            let mut out = shared.borrow_mut();
            out.clear();
            let _ = conn.send_binary(black_box(placed));
            let payload = conn.poll_transmit(&mut out);
            ours_write(&out, payload, &mut sink)
        }),
        theirs: Box::new(move || {
            let mut out = theirs_out.borrow_mut();
            theirs(black_box(placed), &mut out, &mut theirs_sink)
        }),
    }
}

/// Every WebSocket pair (one row per peer).
pub fn pairs() -> Vec<Pair> {
    let mut pairs = Vec::new();
    unmask_pairs(&mut pairs);
    decode_pairs(&mut pairs);
    encode_pairs(&mut pairs);
    header_pairs(&mut pairs);
    connection_send_pairs(&mut pairs);
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
            if p.name.starts_with("decode")
                || p.name.starts_with("encode")
                || p.name.starts_with("send")
            {
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
