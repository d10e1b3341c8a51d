//! What a peer can make a connection hold, measured: the counting allocator of `test-support`
//! tracks live heap bytes per thread, so each test measures only itself.
//!
//! 1. Unread body bytes are bounded by the windows we advertised: a DATA frame must not keep
//!    alive the whole read it arrived in (one byte unread per read, padded out with
//!    WINDOW_UPDATEs or with another stream's data that the application does read).
//! 2. A stream the application has answered while its request body is still unread neither
//!    stays forever nor escapes SETTINGS_MAX_CONCURRENT_STREAMS: with the request still open
//!    it is reset with NO_ERROR (RFC 9113 8.1) and released; with the request complete it
//!    counts toward the limit until its body is read, and streams above the limit are
//!    refused (5.1.2).
//! 3. The buffers a connection reuses across messages (the scratch head it decodes header
//!    blocks into, the send queues of finished streams kept for new ones) are bounded and do
//!    not keep a large message's memory once it is done.

use proto_h2::conn::{Config, Connection, Event, PREFACE, Request, Role};
use proto_h2::frame::{self, Builder, ErrorCode, Frame, StreamId, flag, kind};
use proto_h2::pair::Pair;
use std::time::{Duration, Instant};
use test_support::alloc::{CountingAllocator, Measure};

#[global_allocator]
static ALLOC: CountingAllocator = CountingAllocator::new();

fn server_with(cfg: Config, now: Instant) -> Connection {
    let mut s = Connection::new(Role::Server, cfg, now);
    let mut hello = PREFACE.to_vec();
    hello.extend(Builder::new(kind::SETTINGS, 0).build());
    hello.extend(Builder::new(kind::SETTINGS, 0).flags(flag::ACK).build());
    s.recv(now, &hello).unwrap();
    drain(&mut s, now);
    while s.poll_event().is_some() {}
    s
}

/// Everything `c` has to send, as one buffer.
fn drain(c: &mut Connection, now: Instant) -> Vec<u8> {
    let mut wire = Vec::new();
    let mut out = Vec::new();
    loop {
        let payload = c.poll_transmit(now, &mut out);
        wire.append(&mut out);
        match payload {
            Some(p) => wire.extend_from_slice(&p),
            None => return wire,
        }
    }
}

/// The frames in `wire` as (type, flags, stream, RST_STREAM code if any).
fn frames(wire: &[u8]) -> Vec<(u8, u8, u32, Option<ErrorCode>)> {
    let mut pos = 0;
    let mut found = Vec::new();
    while let Some(h) = frame::FrameHeader::parse(&wire[pos..]) {
        let n = frame::HEADER_LEN + h.len as usize;
        let code = match frame::decode(&wire[pos..], frame::MAX_MAX_FRAME_SIZE) {
            Ok(Some((Frame::RstStream(r), _))) => Some(r.code),
            _ => None,
        };
        found.push((h.kind, h.flags, h.stream.value(), code));
        pos += n;
    }
    found
}

/// A POST request HEADERS frame (static table only: :method POST, :scheme http, :path /,
/// :authority "a").
fn post(id: u32, end_stream: bool) -> Vec<u8> {
    let block = [0x83, 0x86, 0x84, 0x01, 0x01, b'a'];
    let fl = flag::END_HEADERS | if end_stream { flag::END_STREAM } else { 0 };
    Builder::new(kind::HEADERS, id)
        .flags(fl)
        .payload(&block)
        .build()
}

fn data(id: u32, body: &[u8], end_stream: bool) -> Vec<u8> {
    Frame::Data(frame::Data::new(StreamId::new(id), body, end_stream)).to_vec()
}

trait ToVec {
    fn to_vec(&self) -> Vec<u8>;
}

impl ToVec for Frame<'_> {
    fn to_vec(&self) -> Vec<u8> {
        let mut v = Vec::new();
        self.encode(&mut v);
        v
    }
}

/// The most a connection may hold for unread body bytes after this test's traffic: the
/// connection window we advertise, the windows of `streams` streams, and a constant for the
/// bookkeeping (chunk lists, events, the partial-frame buffer).
fn window_bound(cfg: &Config, streams: usize) -> isize {
    (cfg.connection_window as usize + streams * 65_535 + 256 * 1024) as isize
}

// ------------------------------------------------------------------ 1. unread data

/// The attack of the issue: per read, a one-byte DATA frame padded out to 16 KiB with
/// WINDOW_UPDATE frames on stream 0; the application never reads the body. Before the fix
/// every read's whole buffer stayed alive behind its one byte (about 32 MiB for 2,000 reads).
#[test]
fn one_unread_byte_per_read_does_not_pin_the_read() {
    let now = Instant::now();
    let mut cfg = Config::server();
    // The connection WINDOW_UPDATE budget (`Limits::max_connection_window_updates`) ends this
    // attack after 1000 frames; the memory bound must hold without relying on it.
    cfg.limits.max_connection_window_updates = u32::MAX;
    let bound = window_bound(&cfg, 1);
    let mut s = server_with(cfg, now);
    s.recv(now, &post(1, false)).unwrap();
    while s.poll_event().is_some() {}
    let wu = Frame::WindowUpdate(frame::WindowUpdate {
        stream: StreamId::ZERO,
        increment: 1,
    })
    .to_vec();
    let mut read = data(1, b"x", false);
    while read.len() < 16 * 1024 {
        read.extend_from_slice(&wu);
    }
    let before = Measure::start();
    for _ in 0..2_000 {
        s.recv(now, &read).unwrap();
        while s.poll_event().is_some() {}
        drain(&mut s, now);
    }
    let held = before.stats().live_bytes as isize;
    assert_eq!(s.buffered(StreamId::new(1)), 2_000);
    assert!(
        held < bound,
        "{held} bytes live for 2,000 unread bytes (bound {bound})"
    );
}

/// The same with a second stream whose data the application reads at once: the unread byte
/// of stream 1 must not keep stream 3's read bytes alive.
#[test]
fn read_data_of_one_stream_is_not_pinned_by_another() {
    let now = Instant::now();
    let cfg = Config::server();
    let bound = window_bound(&cfg, 2);
    let mut s = server_with(cfg, now);
    let mut open = post(1, false);
    open.extend(post(3, false));
    s.recv(now, &open).unwrap();
    while s.poll_event().is_some() {}
    let mut read = data(1, b"x", false);
    read.extend(data(3, &[7u8; 16_000], false));
    let before = Measure::start();
    let mut got = 0usize;
    for _ in 0..2_000 {
        s.recv(now, &read).unwrap();
        while s.poll_event().is_some() {}
        while let Some(b) = s.read_data(StreamId::new(3)) {
            got += b.len();
        }
        drain(&mut s, now);
    }
    let held = before.stats().live_bytes as isize;
    assert_eq!(got, 2_000 * 16_000);
    assert_eq!(s.buffered(StreamId::new(1)), 2_000);
    assert!(
        held < bound,
        "{held} bytes live for 2,000 unread bytes (bound {bound})"
    );
}

/// Large DATA frames split across reads (as a socket splits them) come out whole and in
/// order, and the bytes held stay within the windows while nothing is read.
#[test]
fn large_frames_split_across_reads_are_bounded_and_intact() {
    let now = Instant::now();
    let mut cfg = Config::server();
    cfg.settings
        .push((proto_h2::settings::id::INITIAL_WINDOW_SIZE, 1 << 20));
    let bound = (cfg.connection_window as usize + (1 << 20) + 256 * 1024) as isize;
    let mut s = server_with(cfg, now);
    s.recv(now, &post(1, false)).unwrap();
    while s.poll_event().is_some() {}
    let mut wire = Vec::new();
    for i in 0..60u8 {
        wire.extend(data(1, &[i; 16_384], false));
    }
    let before = Measure::start();
    for chunk in wire.chunks(7_001) {
        s.recv(now, chunk).unwrap();
    }
    while s.poll_event().is_some() {}
    let held = before.stats().live_bytes as isize;
    assert_eq!(s.buffered(StreamId::new(1)), 60 * 16_384);
    assert!(held < bound, "{held} bytes live (bound {bound})");
    let mut body = Vec::new();
    while let Some(b) = s.read_data(StreamId::new(1)) {
        body.extend_from_slice(&b);
    }
    assert_eq!(body.len(), 60 * 16_384);
    for (i, c) in body.chunks(16_384).enumerate() {
        assert!(c.iter().all(|&b| b == i as u8), "chunk {i} corrupted");
    }
}

// ------------------------------------------------------------------ 2. answered, unread streams

/// An early response (413 with END_STREAM) while the request body is still coming: the
/// stream is reset with NO_ERROR after the response, its unread body is dropped and its
/// connection credit returned, and it is no longer tracked.
#[test]
fn early_response_resets_the_open_request_with_no_error() {
    let now = Instant::now();
    let mut s = server_with(Config::server(), now);
    let window = s.connection_recv_window();
    let mut req = post(1, false);
    req.extend(data(1, &[1u8; 1000], false));
    s.recv(now, &req).unwrap();
    while s.poll_event().is_some() {}
    assert_eq!(s.connection_recv_window(), window - 1000);
    s.send_response(StreamId::new(1), 413, &[], true).unwrap();
    let sent = frames(&drain(&mut s, now));
    let headers = sent
        .iter()
        .position(|f| f.0 == kind::HEADERS && f.2 == 1 && f.1 & flag::END_STREAM != 0)
        .expect("response HEADERS with END_STREAM");
    let rst = sent
        .iter()
        .position(|f| f.0 == kind::RST_STREAM && f.2 == 1)
        .expect("RST_STREAM after the complete response");
    assert!(headers < rst);
    assert_eq!(sent[rst].3, Some(ErrorCode::NO_ERROR));
    assert_eq!(s.stream_count(), 0);
    assert_eq!(s.stream_state(StreamId::new(1)), None);
    // Credit for the dropped body went back (by WINDOW_UPDATE once enough built up), and
    // the rest of the body, in flight when the RST_STREAM left, is ignored.
    s.recv(now, &data(1, &[1u8; 1000], true)).unwrap();
    assert!(s.error().is_none());
}

/// The same when the response ends through `send_data` (the END_STREAM DATA frame goes out
/// from `poll_transmit`): the RST_STREAM follows it.
#[test]
fn early_response_with_body_resets_after_the_last_data_frame() {
    let now = Instant::now();
    let mut s = server_with(Config::server(), now);
    s.recv(now, &post(1, false)).unwrap();
    while s.poll_event().is_some() {}
    s.send_response(StreamId::new(1), 413, &[], false).unwrap();
    s.send_data(StreamId::new(1), bytes::Bytes::from(vec![b'x'; 4000]), true)
        .unwrap();
    let sent = frames(&drain(&mut s, now));
    let end = sent
        .iter()
        .position(|f| f.0 == kind::DATA && f.2 == 1 && f.1 & flag::END_STREAM != 0)
        .expect("DATA with END_STREAM");
    let rst = sent
        .iter()
        .position(|f| f.0 == kind::RST_STREAM && f.2 == 1)
        .expect("RST_STREAM after the complete response");
    assert!(end < rst);
    assert_eq!(sent[rst].3, Some(ErrorCode::NO_ERROR));
    assert_eq!(s.stream_count(), 0);
}

/// 5,000 requests answered early (413) with their bodies still open and never read: each is
/// reset with NO_ERROR and released, so the table never grows past the limit and memory
/// stays bounded. Before the fix all 5,000 stayed tracked.
#[test]
fn answered_open_requests_are_released() {
    let mut now = Instant::now();
    let mut s = server_with(Config::server(), now);
    let before = Measure::start();
    let mut no_error = 0;
    let mut max_tracked = 0;
    for i in 0..5_000u32 {
        now += Duration::from_millis(100);
        let id = 1 + 2 * i;
        let mut req = post(id, false);
        req.extend(data(id, b"x", false));
        s.recv(now, &req).unwrap();
        while s.poll_event().is_some() {}
        s.send_response(StreamId::new(id), 413, &[], true).unwrap();
        no_error += frames(&drain(&mut s, now))
            .iter()
            .filter(|f| f.0 == kind::RST_STREAM && f.2 == id && f.3 == Some(ErrorCode::NO_ERROR))
            .count();
        max_tracked = max_tracked.max(s.stream_count());
    }
    let held = before.stats().live_bytes as isize;
    assert_eq!(no_error, 5_000);
    assert!(max_tracked <= 100, "{max_tracked} streams tracked");
    assert!(held < 512 * 1024, "{held} bytes live after 5,000 streams");
}

/// 5,000 complete requests (body with END_STREAM) answered with 413 and never read: each
/// stays readable, but counts toward SETTINGS_MAX_CONCURRENT_STREAMS until it is read, so
/// from the 101st on new streams are refused with REFUSED_STREAM (5.1.2); reading the
/// bodies frees the slots. Before the fix all 5,000 were tracked and none refused.
#[test]
fn answered_unread_streams_count_toward_the_limit() {
    let mut now = Instant::now();
    let mut s = server_with(Config::server(), now);
    let before = Measure::start();
    let mut refused = 0;
    let mut max_tracked = 0;
    for i in 0..5_000u32 {
        // Slow enough that the refusals stay under the refused-streams rate limit.
        now += Duration::from_millis(100);
        let id = 1 + 2 * i;
        let mut req = post(id, false);
        req.extend(data(id, b"x", true));
        s.recv(now, &req).unwrap();
        let mut accepted = false;
        while let Some(ev) = s.poll_event() {
            if matches!(ev, Event::Request { stream, .. } if stream.value() == id) {
                accepted = true;
            }
        }
        if accepted {
            s.send_response(StreamId::new(id), 413, &[], true).unwrap();
        }
        refused += frames(&drain(&mut s, now))
            .iter()
            .filter(|f| {
                f.0 == kind::RST_STREAM && f.2 == id && f.3 == Some(ErrorCode::REFUSED_STREAM)
            })
            .count();
        max_tracked = max_tracked.max(s.stream_count());
    }
    let held = before.stats().live_bytes as isize;
    assert!(max_tracked <= 100, "{max_tracked} streams tracked");
    assert_eq!(refused, 4_900);
    assert!(held < 512 * 1024, "{held} bytes live after 5,000 streams");
    // Reading a body releases its stream, and the next stream is accepted.
    assert_eq!(&s.read_data(StreamId::new(1)).unwrap()[..], b"x");
    assert_eq!(s.stream_count(), 99);
    let id = 1 + 2 * 5_000;
    s.recv(now, &post(id, true)).unwrap();
    let mut accepted = false;
    while let Some(ev) = s.poll_event() {
        accepted |= matches!(ev, Event::Request { stream, .. } if stream.value() == id);
    }
    assert!(accepted);
}

/// Our client, on RST_STREAM(NO_ERROR) after a complete response, stops sending the request
/// body but keeps the response: "Clients MUST NOT discard responses as a result of
/// receiving such a RST_STREAM" (8.1).
#[test]
fn client_keeps_the_response_after_rst_no_error() {
    let mut p = Pair::new(Instant::now(), Config::client(), Config::server());
    let req = Request {
        method: b"POST",
        ..Request::get(b"http", b"example.com", b"/upload")
    };
    let id = p.client.send_request(&req, false).unwrap();
    p.client
        .send_data(id, bytes::Bytes::from_static(b"part one"), false)
        .unwrap();
    p.drive();
    p.server
        .send_response(id, 413, &[(b"content-type", b"text/plain")], false)
        .unwrap();
    p.server
        .send_data(id, bytes::Bytes::from_static(b"too large"), true)
        .unwrap();
    p.drive();
    assert!(p.client_events.iter().any(|e| matches!(e,
        Event::Reset { stream, code, remote: true, .. }
            if *stream == id && *code == ErrorCode::NO_ERROR)));
    assert!(p.client_events.iter().any(|e| matches!(e,
        Event::Response { head, .. } if head.status() == Some(413))));
    assert_eq!(&p.client.read_data(id).unwrap()[..], b"too large");
    assert!(
        p.client
            .send_data(id, bytes::Bytes::from_static(b"more"), true)
            .is_err()
    );
    assert_eq!(p.client.stream_count(), 0);
    assert!(p.client_error.is_none() && p.server_error.is_none());
}

// ------------------------------------------------------------------ 3. reused scratch

/// A request with an 8,000-byte header field (a never-indexed literal, so the HPACK table
/// does not keep it), answered and finished: the scratch head the connection decodes into
/// must not keep the large buffer afterwards (it is kept only up to 4 KiB), so the connection
/// holds about what it held before. Without the cap it keeps the 8 KiB.
#[test]
fn a_large_head_leaves_no_large_scratch_buffer() {
    let now = Instant::now();
    let mut s = server_with(Config::server(), now);
    let exchange = |s: &mut Connection, id: u32, value_len: usize| {
        let mut block = vec![0x83, 0x86, 0x84, 0x01, 0x01, b'a', 0x10, 0x05];
        block.extend_from_slice(b"x-big");
        assert!((127..16_000).contains(&value_len));
        let rest = value_len - 127;
        block.extend_from_slice(&[0x7f, 0x80 | (rest % 128) as u8, (rest / 128) as u8]);
        block.resize(block.len() + value_len, b'v');
        let fl = flag::END_HEADERS | flag::END_STREAM;
        let req = Builder::new(kind::HEADERS, id)
            .flags(fl)
            .payload(&block)
            .build();
        s.recv(now, &req).unwrap();
        let mut got = 0;
        while let Some(ev) = s.poll_event() {
            if let Event::Request { head, .. } = ev {
                got = head.fields.get(b"x-big").map_or(0, <[u8]>::len);
            }
        }
        assert_eq!(got, value_len);
        s.send_response(StreamId::new(id), 204, &[], true).unwrap();
        drain(s, now);
        assert_eq!(s.stream_count(), 0);
    };
    // Warm-up with a small head: the tables and the scratch take their usual size.
    exchange(&mut s, 1, 200);
    exchange(&mut s, 3, 200);
    let m = Measure::start();
    exchange(&mut s, 5, 8_000);
    let held = m.stats().live_bytes;
    assert!(held < 2048, "{held} bytes live after one large head");
}

/// The same for the way out: a response with an 8,000-byte header field (too large for the
/// HPACK table) is encoded and written; afterwards neither the buffer header blocks are
/// encoded into nor the control-frame output buffer keeps its size. Without the caps the
/// connection keeps about 14 KiB more (13,869 bytes measured).
#[test]
fn a_large_response_head_leaves_no_large_output_buffer() {
    let now = Instant::now();
    let mut s = server_with(Config::server(), now);
    let big = vec![b'v'; 8_000];
    let exchange = |s: &mut Connection, id: u32, value: &[u8]| {
        let req = Builder::new(kind::HEADERS, id)
            .flags(flag::END_HEADERS | flag::END_STREAM)
            .payload(&[0x83, 0x86, 0x84, 0x01, 0x01, b'a'])
            .build();
        s.recv(now, &req).unwrap();
        while s.poll_event().is_some() {}
        let fields: [(&[u8], &[u8]); 1] = [(b"x-big", value)];
        s.send_response(StreamId::new(id), 200, &fields, true)
            .unwrap();
        let wire = drain(s, now);
        // (Huffman coding may shorten the value, not below half.)
        assert!(wire.len() > value.len() / 2, "{} bytes sent", wire.len());
        assert_eq!(s.stream_count(), 0);
    };
    // Warm-up with small heads: the tables and buffers take their usual size.
    exchange(&mut s, 1, b"small");
    exchange(&mut s, 3, b"small");
    let m = Measure::start();
    exchange(&mut s, 5, &big);
    let held = m.stats().live_bytes;
    assert!(
        held < 2048,
        "{held} bytes live after one large response head"
    );
}

/// Many streams finished at once, then streams that queued many small DATA chunks (send
/// queues grown to 1,024 entries): the send queues kept for reuse are bounded in number (8)
/// and size (1 KiB each), so what the connection holds afterwards stays small. Without the
/// number bound every finished stream's queue is kept (90 KiB here), without the size bound a
/// grown queue is (32 KiB).
#[test]
fn spare_send_queues_are_bounded() {
    let now = Instant::now();
    let mut s = server_with(Config::server(), now);
    let chunk = bytes::Bytes::from_static(b"x");
    // `poll_transmit` writes one DATA frame per stream per call.
    let drain_all = |s: &mut Connection, now| while !drain(s, now).is_empty() {};
    let answer = |s: &mut Connection, id: u32, chunks: usize| {
        let id = StreamId::new(id);
        s.send_response(id, 200, &[], chunks == 0).unwrap();
        for _ in 0..chunks {
            s.send_data(id, chunk.clone(), false).unwrap();
        }
        if chunks > 0 {
            s.send_data(id, bytes::Bytes::new(), true).unwrap();
        }
    };
    // Opens 90 streams from `first` on, answers them all and returns the next stream id.
    let concurrent = |s: &mut Connection, first: u32, chunks: usize| {
        let mut id = first;
        for _ in 0..90 {
            s.recv(now, &post(id, true)).unwrap();
            id += 2;
        }
        while s.poll_event().is_some() {}
        for i in (first..id).step_by(2) {
            answer(s, i, chunks);
        }
        drain_all(s, now);
        assert_eq!(s.stream_count(), 0);
        id
    };
    // Warm-up without DATA (no send queue is allocated): the stream table, the event queue
    // and the closed-stream memory take their size for 90 streams.
    let id = concurrent(&mut s, 1, 0);
    let m = Measure::start();
    let mut id = concurrent(&mut s, id, 20);
    for _ in 0..10 {
        s.recv(now, &post(id, true)).unwrap();
        while s.poll_event().is_some() {}
        answer(&mut s, id, 1_000);
        drain_all(&mut s, now);
        id += 2;
    }
    assert_eq!(s.stream_count(), 0);
    let held = m.stats().live_bytes;
    assert!(
        held < 24 * 1024,
        "{held} bytes live after the streams are gone"
    );
}

/// Moves bytes between `a` and `b` until neither has anything to send; returns what `b` sent.
fn exchange(a: &mut Connection, b: &mut Connection, now: Instant) -> Vec<u8> {
    let mut from_b = Vec::new();
    loop {
        let to_b = drain(a, now);
        if !to_b.is_empty() {
            b.recv(now, &to_b).unwrap();
        }
        let to_a = drain(b, now);
        if !to_a.is_empty() {
            a.recv(now, &to_a).unwrap();
        }
        from_b.extend_from_slice(&to_a);
        if to_b.is_empty() && to_a.is_empty() {
            return from_b;
        }
    }
}

/// Header fields as (name, value) pairs.
type Fields = Vec<(Vec<u8>, Vec<u8>)>;

/// One request and its response through a client and a server; returns the server's bytes
/// and the response head's fields as the client decoded them.
fn round_trip(
    c: &mut Connection,
    s: &mut Connection,
    now: Instant,
    path: &[u8],
) -> (Vec<u8>, Fields) {
    let req = Request {
        headers: &[
            (b"user-agent", b"memory-test/1.0"),
            (b"x-custom", b"kept in the table"),
        ],
        ..Request::get(b"https", b"example.com", path)
    };
    c.send_request(&req, true).unwrap();
    exchange(c, s, now);
    let mut id = None;
    while let Some(ev) = s.poll_event() {
        if let Event::Request { stream, .. } = ev {
            id = Some(stream);
        }
    }
    let id = id.unwrap();
    s.send_response(
        id,
        200,
        &[
            (b"content-type", b"text/plain"),
            (b"x-served-by", b"the same server"),
        ],
        false,
    )
    .unwrap();
    s.send_data(id, bytes::Bytes::from_static(b"Hello, World!"), true)
        .unwrap();
    let wire = exchange(c, s, now);
    let mut fields = Vec::new();
    while let Some(ev) = c.poll_event() {
        match ev {
            Event::Response { head, .. } => {
                fields = head
                    .headers()
                    .map(|(n, v)| (n.to_vec(), v.to_vec()))
                    .collect();
            }
            Event::Data { stream, .. } => while c.read_data(stream).is_some() {},
            _ => {}
        }
    }
    (wire, fields)
}

/// An idle connection's `shrink` gives back the HPACK tables' rings and the encoder's table
/// and caches (some 3 KiB per connection here: they start small and grow with the tables)
/// and keeps the peer's table entries: the next exchange decodes to the same fields as on a
/// twin connection that did not shrink, and the one after is byte for byte the twin's.
#[test]
fn shrink_gives_back_idle_memory_and_keeps_hpack_state() {
    let now = Instant::now();
    let mut pairs: Vec<(Connection, Connection)> = (0..2)
        .map(|_| {
            (
                Connection::new(Role::Client, Config::client(), now),
                Connection::new(Role::Server, Config::server(), now),
            )
        })
        .collect();
    let mut first = Vec::new();
    for (c, s) in &mut pairs {
        first.push(round_trip(c, s, now, b"/one"));
    }
    assert_eq!(first[0], first[1]);
    let (c, s) = &mut pairs[1];
    let before = (s.heap_size(), c.heap_size());
    let m = Measure::start();
    assert!(s.shrink());
    assert!(c.shrink());
    let freed = -m.stats().live_bytes;
    let after = (s.heap_size(), c.heap_size());
    assert!(before.0 > 2_000 && before.1 > 2_000, "{before:?}");
    assert!(after.0 < 1024 && after.1 < 1024, "{after:?}");
    assert!(freed > 4_000, "freed {freed} B");
    let again: Vec<_> = pairs
        .iter_mut()
        .map(|(c, s)| round_trip(c, s, now, b"/two"))
        .collect();
    assert_eq!(
        again[0].1, again[1].1,
        "the shrunk pair decoded other fields"
    );
    assert!(
        again[1]
            .1
            .contains(&(b"x-served-by".to_vec(), b"the same server".to_vec()))
    );
    // The shrunk encoders dropped their tables: the response opens with size updates to 0
    // and back and sends its fields as literals again, longer than the twin's indices.
    assert!(again[1].0.len() > again[0].0.len());
    // After that the tables hold the same entries on both pairs: the same bytes again.
    let third: Vec<_> = pairs
        .iter_mut()
        .map(|(c, s)| round_trip(c, s, now, b"/three"))
        .collect();
    assert_eq!(third[0], third[1], "the shrunk pair sent other bytes");
}

/// `shrink` refuses while a stream is open.
#[test]
fn shrink_waits_for_open_streams() {
    let now = Instant::now();
    let mut c = Connection::new(Role::Client, Config::client(), now);
    let mut s = Connection::new(Role::Server, Config::server(), now);
    c.send_request(&Request::get(b"https", b"example.com", b"/"), true)
        .unwrap();
    exchange(&mut c, &mut s, now);
    while s.poll_event().is_some() {}
    assert!(!s.shrink());
    assert!(!c.shrink());
}

/// A server connection that carried one small request and its response holds a few KiB
/// without [`Connection::shrink`], not the full-size HPACK rings and lookup caches (some 40
/// KiB): its tables and caches grow with what the tables hold.
#[test]
fn one_small_exchange_holds_a_few_kib() {
    let now = Instant::now();
    let m = Measure::start();
    let mut c = Connection::new(Role::Client, Config::client(), now);
    let mut s = Connection::new(Role::Server, Config::server(), now);
    let (wire, fields) = round_trip(&mut c, &mut s, now, b"/one");
    assert!(!wire.is_empty());
    assert!(fields.contains(&(b"x-served-by".to_vec(), b"the same server".to_vec())));
    drop((wire, fields));
    drop(c);
    let held = m.stats().live_bytes;
    // 41,040 B before the tables and caches started small; 4,560 B since.
    assert!(
        held < 6 * 1024,
        "{held} bytes live after one small exchange"
    );
    assert_eq!(s.stream_count(), 0);
}

/// The HPACK blocks of the HEADERS frames in `wire` (as our server sends them: whole, no
/// padding or priority), in order.
fn header_blocks(wire: &[u8]) -> Vec<Vec<u8>> {
    let mut pos = 0;
    let mut blocks = Vec::new();
    while let Some(h) = frame::FrameHeader::parse(&wire[pos..]) {
        let start = pos + frame::HEADER_LEN;
        let end = start + h.len as usize;
        if h.kind == kind::HEADERS {
            blocks.push(wire[start..end].to_vec());
        }
        pos = end;
    }
    blocks
}

/// A server connection that carried three small exchanges, hibernated, holds its own few
/// hundred bytes plus the client's HPACK entries and fingerprint, measured with the counting
/// allocator (a twin dropped while hibernated gives back exactly that heap); woken, it
/// answers the next request, whose response opens with dynamic table size updates to 0 and
/// back to 4096 (our encoder dropped its table) and decodes, with the same fields, in our
/// client and in an independent decoder (fluke-hpack) that kept the old entries all along.
#[test]
fn hibernated_connection_holds_a_few_hundred_bytes_and_resumes() {
    let now = Instant::now();
    let mut fluke = fluke_hpack::Decoder::new();
    let mut pairs: Vec<(Connection, Connection)> = (0..2)
        .map(|_| {
            (
                Connection::new(Role::Client, Config::client(), now),
                Connection::new(Role::Server, Config::server(), now),
            )
        })
        .collect();
    let mut first_fields = Vec::new();
    for (i, (c, s)) in pairs.iter_mut().enumerate() {
        for path in [&b"/1"[..], b"/2", b"/3"] {
            let (wire, fields) = round_trip(c, s, now, path);
            if i == 0 {
                for block in header_blocks(&wire) {
                    fluke.decode(&block).unwrap();
                }
                first_fields = fields;
            }
        }
        assert!(s.can_hibernate());
    }
    let (c, s) = pairs.remove(0);
    let (_twin_client, twin) = pairs.remove(0);
    let twin = twin.hibernate().unwrap();
    let heap = twin.heap_size();
    let m = Measure::start();
    drop(twin);
    assert_eq!(m.stats().live_bytes, -(heap as i64));
    let held = std::mem::size_of::<proto_h2::conn::Hibernated>() + heap;
    // 11,000-odd bytes (Connection inline and its collections, buffers, tables) before; the
    // hibernated state is 320 bytes inline (62 of them room for a short fingerprint and
    // HPACK entries) plus one heap buffer of 96 here: the client's fingerprint (19 octets)
    // and its `:authority`, `user-agent` and `x-custom` entries (77 octets: two of lengths
    // each). 487 bytes when the entries had eight octets of lengths each and the fingerprint
    // was a boxed `PeerFingerprint` with its SETTINGS list (two more allocations).
    assert!(
        heap < 100,
        "{heap} heap bytes held by a hibernated connection"
    );
    assert!(held <= 420, "{held} bytes held by a hibernated connection");

    let asleep = s.hibernate().unwrap();
    let later = now + Duration::from_secs(5);
    let mut c = c;
    let mut s = asleep.wake(Config::server(), later);
    let (wire, fields) = round_trip(&mut c, &mut s, later, b"/4");
    assert_eq!(fields, first_fields);
    let blocks = header_blocks(&wire);
    assert_eq!(blocks.len(), 1);
    // Size update 0, then 4096 (0x3f 0xe1 0x1f), then the fields, indexed again.
    assert_eq!(&blocks[0][..4], &[0x20, 0x3f, 0xe1, 0x1f]);
    let decoded = fluke.decode(&blocks[0]).unwrap();
    let want: Vec<(Vec<u8>, Vec<u8>)> = [(b":status".to_vec(), b"200".to_vec())]
        .into_iter()
        .chain(first_fields.iter().cloned())
        .collect();
    assert_eq!(decoded, want);
    // And once more: the tables are in step again (indices this time).
    let (wire, fields) = round_trip(&mut c, &mut s, later, b"/5");
    assert_eq!(fields, first_fields);
    let block = &header_blocks(&wire)[0];
    assert_ne!(block[0] & 0xe0, 0x20);
    assert_eq!(fluke.decode(block).unwrap(), want);
}

/// A client such as a load generator (an empty SETTINGS, a short `:authority` entered into
/// the table, nothing else): its hibernated connection keeps the fingerprint and the entry
/// inline and holds no heap at all; woken, it decodes the next request's index into the
/// entry and reports the same fingerprint.
#[test]
fn a_short_state_is_kept_inline() {
    let now = Instant::now();
    let authority = b"127.0.0.1:28400";
    // :method GET, :scheme http, :path /, then :authority as a literal with incremental
    // indexing (name index 1): as h2load and curl send it.
    let mut block = vec![0x82, 0x86, 0x84, 0x41, authority.len() as u8];
    block.extend_from_slice(authority);
    let mut hello = PREFACE.to_vec();
    hello.extend(Builder::new(kind::SETTINGS, 0).build());
    hello.extend(
        Builder::new(kind::HEADERS, 1)
            .flags(flag::END_HEADERS | flag::END_STREAM)
            .payload(&block)
            .build(),
    );
    // A server connection after that request, answered, and our SETTINGS acknowledged.
    let idle = || {
        let mut s = Connection::new(Role::Server, Config::server(), now);
        s.recv(now, &hello).unwrap();
        while s.poll_event().is_some() {}
        s.send_response(StreamId::new(1), 204, &[], true).unwrap();
        drain(&mut s, now);
        s.recv(
            now,
            &Builder::new(kind::SETTINGS, 0).flags(flag::ACK).build(),
        )
        .unwrap();
        while s.poll_event().is_some() {}
        s
    };
    let s = idle();
    let fingerprint = s.peer_fingerprint().clone();
    assert_eq!(fingerprint.akamai_string(), "|00|0|m,s,p,a");
    let asleep = s.hibernate().unwrap();
    assert_eq!(asleep.heap_size(), 0);
    // Asleep again after waking: nothing on the heap either.
    let m = Measure::start();
    let again = asleep.wake(Config::server(), now).hibernate().unwrap();
    assert_eq!(m.stats().live_bytes, 0);
    drop(again);

    let mut s = idle().hibernate().unwrap().wake(Config::server(), now);
    assert_eq!(*s.peer_fingerprint(), fingerprint);
    // The same request again, the authority by its index (62) this time.
    let next = Builder::new(kind::HEADERS, 3)
        .flags(flag::END_HEADERS | flag::END_STREAM)
        .payload(&[0x82, 0x86, 0x84, 0xbe])
        .build();
    s.recv(now, &next).unwrap();
    let mut got = None;
    while let Some(ev) = s.poll_event() {
        if let Event::Request { head, .. } = ev {
            got = head.authority().map(<[u8]>::to_vec);
        }
    }
    assert_eq!(got.as_deref(), Some(&authority[..]));
}
