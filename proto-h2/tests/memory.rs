//! What a peer can make a connection hold, measured: a global allocator that tracks live heap
//! bytes (this file is its own test binary, and its tests run one at a time under a lock so
//! that each measures only itself).
//!
//! 1. Unread body bytes are bounded by the windows we advertised: a DATA frame must not keep
//!    alive the whole read it arrived in (one byte unread per read, padded out with
//!    WINDOW_UPDATEs or with another stream's data that the application does read).
//! 2. A stream the application has answered while its request body is still unread neither
//!    stays forever nor escapes SETTINGS_MAX_CONCURRENT_STREAMS: with the request still open
//!    it is reset with NO_ERROR (RFC 9113 8.1) and released; with the request complete it
//!    counts toward the limit until its body is read, and streams above the limit are
//!    refused (5.1.2).

// The counting allocator is the only unsafe code, as a test binary of its own.
#![allow(unsafe_code)]

use proto_h2::conn::{Config, Connection, PREFACE, Role};
use proto_h2::frame::{self, Builder, Frame, StreamId, flag, kind};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Mutex;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::Instant;

struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: forwards to the system allocator unchanged; only adds up the live bytes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            LIVE.fetch_add(layout.size() as isize, Ordering::SeqCst);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::SeqCst);
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new: usize) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.realloc(ptr, layout, new) };
        if !p.is_null() {
            LIVE.fetch_add(new as isize - layout.size() as isize, Ordering::SeqCst);
        }
        p
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// One test at a time: the live count is global.
static SERIAL: Mutex<()> = Mutex::new(());

fn live() -> isize {
    LIVE.load(Ordering::SeqCst)
}

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
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let now = Instant::now();
    let cfg = Config::server();
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
    let before = live();
    for _ in 0..2_000 {
        s.recv(now, &read).unwrap();
        while s.poll_event().is_some() {}
        drain(&mut s, now);
    }
    let held = live() - before;
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
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
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
    let before = live();
    let mut got = 0usize;
    for _ in 0..2_000 {
        s.recv(now, &read).unwrap();
        while s.poll_event().is_some() {}
        while let Some(b) = s.read_data(StreamId::new(3)) {
            got += b.len();
        }
        drain(&mut s, now);
    }
    let held = live() - before;
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
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
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
    let before = live();
    for chunk in wire.chunks(7_001) {
        s.recv(now, chunk).unwrap();
    }
    while s.poll_event().is_some() {}
    let held = live() - before;
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
