//! Steady state allocates nothing on the Rust heap: after the handshake and a warm-up, moving
//! application data through a session pair (plaintext in -> ciphertext out -> ciphertext in ->
//! plaintext out, both directions, through the crate's memory buffers) makes no allocation.
//!
//! The counting allocator sees the Rust global allocator only; BoringSSL's own buffers come
//! from C `malloc` (see the crate doc, "Allocation").

mod common;

use common::{client_builder, handshake, pki, server_builder};
use test_support::alloc::{CountingAllocator, Measure};
use tls::{ClientSession, Plaintext, ServerSession, Session};

#[global_allocator]
static ALLOC: CountingAllocator = CountingAllocator::new();

/// Writes `data` on `from`, moves the ciphertext through `wire`, reads it all on `to`. A write
/// larger than the write queue limit (64 KiB) is taken in parts, the queue drained into `wire`
/// between them (backpressure), as a runtime would.
fn one_way<A, B>(
    from: &mut Session<A>,
    to: &mut Session<B>,
    data: &[u8],
    wire: &mut Vec<u8>,
    plain: &mut [u8],
) {
    wire.clear();
    let mut written = 0;
    while written < data.len() {
        let n = from.write(&data[written..]).unwrap();
        assert!(n > 0 || from.wants_write());
        written += n;
        from.poll_transmit(wire);
    }
    assert_eq!(written, data.len());
    assert_eq!(to.recv(wire).unwrap(), wire.len());
    let mut got = 0;
    loop {
        match to.read(&mut plain[got..]).unwrap() {
            Plaintext::Data(n) => got += n,
            Plaintext::NeedInput => break,
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(&plain[..got], data);
}

fn pair() -> (ClientSession, ServerSession) {
    let pki = pki();
    let mut c = ClientSession::new(&client_builder(&pki).build().unwrap(), "localhost").unwrap();
    let mut s = ServerSession::new(&server_builder(&pki.server).build().unwrap()).unwrap();
    let (rc, rs) = handshake(&mut c, &mut s);
    rc.unwrap();
    rs.unwrap();
    (c, s)
}

fn steady_state_allocations(size: usize) -> u64 {
    let (mut c, mut s) = pair();
    let data: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
    let mut wire = Vec::with_capacity(2 * size + 1024);
    let mut plain = vec![0u8; size + 1024];
    // Warm-up: post-handshake messages (TLS 1.3 tickets), buffers grown to their size.
    for _ in 0..4 {
        one_way(&mut c, &mut s, &data, &mut wire, &mut plain);
        one_way(&mut s, &mut c, &data, &mut wire, &mut plain);
    }
    let m = Measure::start();
    for _ in 0..64 {
        one_way(&mut c, &mut s, &data, &mut wire, &mut plain);
        one_way(&mut s, &mut c, &data, &mut wire, &mut plain);
    }
    m.stats().allocations
}

#[test]
fn steady_state_small_records_allocate_nothing() {
    assert_eq!(steady_state_allocations(100), 0);
}

#[test]
fn steady_state_full_records_allocate_nothing() {
    assert_eq!(steady_state_allocations(16 * 1024), 0);
}

#[test]
fn steady_state_multi_record_writes_allocate_nothing() {
    assert_eq!(steady_state_allocations(64 * 1024 + 7), 0);
}

#[test]
fn steady_state_vectored_writes_allocate_nothing() {
    let (mut c, mut s) = pair();
    let data: Vec<u8> = (0..40_000).map(|i| (i % 251) as u8).collect();
    let slices: Vec<&[u8]> = data.chunks(40).collect();
    let mut wire = Vec::with_capacity(2 * data.len() + 1024);
    let mut plain = vec![0u8; data.len() + 1024];
    let mut round = |c: &mut ClientSession, s: &mut ServerSession, wire: &mut Vec<u8>| {
        assert_eq!(c.write_vectored(&slices).unwrap(), data.len());
        wire.clear();
        c.poll_transmit(wire);
        s.recv(wire).unwrap();
        let mut got = 0;
        while let Plaintext::Data(n) = s.read(&mut plain[got..]).unwrap() {
            got += n;
        }
        assert_eq!(&plain[..got], &data[..]);
        one_way(s, c, b"ack", wire, &mut [0u8; 16]);
    };
    for _ in 0..4 {
        round(&mut c, &mut s, &mut wire);
    }
    let m = Measure::start();
    for _ in 0..64 {
        round(&mut c, &mut s, &mut wire);
    }
    assert_eq!(m.stats().allocations, 0);
}

/// Rust-heap bytes still held after a server's handshake step on the client's first flight,
/// and the ClientHello body's length.
fn server_hello_step(keep: bool) -> (i64, usize) {
    let pki = pki();
    let mut c = ClientSession::new(&client_builder(&pki).build().unwrap(), "localhost").unwrap();
    let mut sb = server_builder(&pki.server);
    sb.keep_client_hello(keep);
    let mut s = ServerSession::new(&sb.build().unwrap()).unwrap();
    c.handshake().unwrap();
    let mut hello = Vec::new();
    c.poll_transmit(&mut hello);
    // One record: header (5), handshake type (1), 24-bit body length, body.
    let body_len = usize::from(hello[6]) << 16 | usize::from(hello[7]) << 8 | usize::from(hello[8]);
    assert_eq!(hello.len(), 9 + body_len);
    s.recv(&hello).unwrap();
    // Room for the server's flight, so its output buffer does not grow inside the measure.
    let mut room = Vec::with_capacity(64 * 1024);
    s.poll_transmit(&mut room);
    let m = Measure::start();
    s.handshake().unwrap();
    let held = m.stats().live_bytes;
    assert_eq!(
        s.client_hello_bytes().map(<[u8]>::len),
        keep.then_some(body_len)
    );
    (held, body_len)
}

#[test]
fn the_client_hello_is_copied_only_when_the_config_keeps_it() {
    let (held, body_len) = server_hello_step(false);
    assert!(held < 64, "{held} bytes held without keep_client_hello");
    let (held, _) = server_hello_step(true);
    assert!(
        held >= body_len as i64,
        "{held} bytes held, body {body_len}"
    );
}
