//! The engine contract of the runtime (issue 12) as the session implements it: `wants_write`
//! and `is_closed`, whole-record vectored writes, the bounded ciphertext queue
//! (backpressure), and the ClientHello kept only on request.

mod common;

use common::{client_builder, connect, pki, pump, pump_back, read_all, server_builder};
use tls::{ClientSession, Error, PeerError, Plaintext, ServerSession};

#[test]
fn wants_write_and_is_closed_follow_the_close_handshake() {
    let pki = pki();
    let (mut c, mut s) = connect(
        &client_builder(&pki).build().unwrap(),
        &server_builder(&pki.server).build().unwrap(),
        "localhost",
    );
    let mut wire = Vec::new();
    s.poll_transmit(&mut wire); // TLS 1.3 tickets
    assert!(!c.wants_write() && !s.wants_write());
    assert!(!c.is_closed() && !s.is_closed());

    c.write(b"ping").unwrap();
    assert!(c.wants_write());
    c.close().unwrap();
    // close_notify sent, the peer's not yet received: not over.
    assert!(!c.is_closed());
    pump(&mut c, &mut s);
    assert!(!c.wants_write());
    let (data, closed) = read_all(&mut s).unwrap();
    assert_eq!(data, b"ping");
    assert!(closed);
    // Received, not yet answered: the server may still write (half close).
    assert!(!s.is_closed());
    s.close().unwrap();
    assert!(s.is_closed());
    assert!(s.wants_write(), "our close_notify waits in poll_transmit");
    pump_back(&mut s, &mut c);
    assert!(!s.wants_write());
    let (_, closed) = read_all(&mut c).unwrap();
    assert!(closed);
    assert!(c.is_closed());
}

#[test]
fn a_fatal_error_closes_and_queues_the_alert() {
    let pki = pki();
    // A client that trusts no root: it rejects the server's certificate with an alert.
    let mut b = tls::ClientConfig::builder();
    b.system_roots(false);
    let mut c = ClientSession::new(&b.build().unwrap(), "localhost").unwrap();
    let mut s = ServerSession::new(&server_builder(&pki.server).build().unwrap()).unwrap();
    assert!(!c.is_closed() && !s.is_closed());
    // The handshake pump carries the client's alert to the server.
    let (rc, rs) = common::handshake(&mut c, &mut s);
    assert!(matches!(
        rc.unwrap_err(),
        Error::Peer(PeerError::CertificateVerification { .. })
    ));
    assert!(matches!(
        rs.unwrap_err(),
        Error::Peer(PeerError::Handshake { alert: Some(_), .. })
    ));
    assert!(c.is_closed() && s.is_closed());
}

#[test]
fn close_before_the_handshake_abandons_the_connection() {
    let pki = pki();
    let mut c = ClientSession::new(&client_builder(&pki).build().unwrap(), "localhost").unwrap();
    assert!(!c.is_closed());
    c.close().unwrap();
    assert!(c.is_closed());
}

/// The records in `wire` (TLS record headers: type, version, 16-bit length).
fn records(wire: &[u8]) -> Vec<usize> {
    let mut out = Vec::new();
    let mut rest = wire;
    while rest.len() >= 5 {
        let len = usize::from(u16::from_be_bytes([rest[3], rest[4]]));
        assert!(rest.len() >= 5 + len, "a record cut short");
        out.push(len);
        rest = &rest[5 + len..];
    }
    assert!(rest.is_empty(), "trailing bytes");
    out
}

/// A connected pair whose post-handshake messages are delivered, so that what either side
/// queues next is only its own writes.
fn quiet_pair(limit: usize) -> (ClientSession, ServerSession) {
    let pki = pki();
    let mut cb = client_builder(&pki);
    cb.write_queue_limit(limit);
    let mut sb = server_builder(&pki.server);
    sb.write_queue_limit(limit);
    let (mut c, mut s) = connect(&cb.build().unwrap(), &sb.build().unwrap(), "localhost");
    pump_back(&mut s, &mut c);
    read_all(&mut c).unwrap();
    assert!(!c.wants_write() && !s.wants_write());
    (c, s)
}

#[test]
fn vectored_write_fills_whole_records() {
    let (mut c, mut s) = quiet_pair(1 << 20);
    let data: Vec<u8> = (0..100_000).map(|i| (i % 253) as u8).collect();
    let slices: Vec<&[u8]> = data.chunks(100).collect();
    assert_eq!(slices.len(), 1000);
    assert_eq!(c.write_vectored(&slices).unwrap(), data.len());
    let mut wire = Vec::new();
    c.poll_transmit(&mut wire);
    let lens = records(&wire);
    // 100,000 bytes in 16 KiB records: 6 full and one of 1,696 (plus the AEAD overhead).
    assert_eq!(lens.len(), 7, "{lens:?}");
    let overhead = lens[0] - 16 * 1024;
    assert!(
        lens[..6].iter().all(|&l| l == 16 * 1024 + overhead),
        "{lens:?}"
    );
    assert_eq!(lens[6], 100_000 - 6 * 16 * 1024 + overhead);
    s.recv(&wire).unwrap();
    assert_eq!(read_all(&mut s).unwrap().0, data);

    // The same slices one write each: one record per slice.
    for slice in &slices {
        assert_eq!(c.write(slice).unwrap(), 100);
    }
    wire.clear();
    c.poll_transmit(&mut wire);
    assert_eq!(records(&wire).len(), 1000);
}

#[test]
fn vectored_write_mixes_small_and_large_slices_in_order() {
    let (mut c, mut s) = quiet_pair(1 << 20);
    let big: Vec<u8> = (0..40_000).map(|i| (i % 241) as u8).collect();
    let slices: [&[u8]; 6] = [b"head ", &big, b"", b"mid ", &big[..20_000], b" tail"];
    let total: usize = slices.iter().map(|s| s.len()).sum();
    assert_eq!(c.write_vectored(&slices).unwrap(), total);
    let mut wire = Vec::new();
    c.poll_transmit(&mut wire);
    // ceil(60,014 / 16,384) = 4 records: only the last is short.
    assert_eq!(records(&wire).len(), total.div_ceil(16 * 1024));
    s.recv(&wire).unwrap();
    assert_eq!(read_all(&mut s).unwrap().0, slices.concat());
    assert_eq!(c.write_vectored(&[]).unwrap(), 0);
    assert_eq!(c.write_vectored(&[b"", b""]).unwrap(), 0);
}

#[test]
fn writes_stop_at_the_write_queue_limit_until_drained() {
    let (mut c, mut s) = quiet_pair(tls::DEFAULT_WRITE_QUEUE_LIMIT);
    let data: Vec<u8> = (0..1_000_000).map(|i| (i % 239) as u8).collect();
    let record = 16 * 1024 + 64; // a full record's ciphertext, with room for its overhead
    let first = c.write(&data).unwrap();
    // Whole records while less than 64 KiB waits: four of them.
    assert_eq!(first, 4 * 16 * 1024);
    let mut wire = Vec::new();
    let queued = {
        assert!(c.wants_write());
        assert_eq!(c.write_capacity(), 0);
        // A full queue takes nothing more, whatever the call.
        assert_eq!(c.write(&data[first..]).unwrap(), 0);
        assert_eq!(c.write_vectored(&[b"x", b"y"]).unwrap(), 0);
        c.poll_transmit(&mut wire)
    };
    assert!(
        queued <= tls::DEFAULT_WRITE_QUEUE_LIMIT + record,
        "{queued}"
    );
    // Drained: writes go on, and the peer gets every byte once, in order.
    let mut written = first;
    let mut max_queued = queued;
    let mut got = Vec::new();
    loop {
        s.recv(&wire).unwrap();
        got.extend(read_all(&mut s).unwrap().0);
        wire.clear();
        if written == data.len() {
            break;
        }
        written += c.write(&data[written..]).unwrap();
        max_queued = max_queued.max(c.poll_transmit(&mut wire));
    }
    assert_eq!(got, data);
    assert!(
        max_queued <= tls::DEFAULT_WRITE_QUEUE_LIMIT + record,
        "{max_queued}"
    );
}

#[test]
fn a_zero_limit_writes_one_record_per_drain() {
    let (mut c, mut s) = quiet_pair(0);
    let data = vec![7u8; 40_000];
    assert_eq!(c.write(&data).unwrap(), 16 * 1024);
    assert_eq!(c.write(&data[16 * 1024..]).unwrap(), 0);
    let mut wire = Vec::new();
    c.poll_transmit(&mut wire);
    assert_eq!(records(&wire).len(), 1);
    s.recv(&wire).unwrap();
    assert!(matches!(
        s.read(&mut [0u8; 32 * 1024]).unwrap(),
        Plaintext::Data(16384)
    ));
}

#[test]
fn the_client_hello_is_kept_only_when_the_server_config_asks() {
    let pki = pki();
    let client = client_builder(&pki).build().unwrap();
    for keep in [false, true] {
        let mut sb = server_builder(&pki.server);
        if keep {
            sb.keep_client_hello(true);
        }
        let mut c = ClientSession::new(&client, "localhost").unwrap();
        let mut s = ServerSession::new(&sb.build().unwrap()).unwrap();
        c.handshake().unwrap();
        let mut hello = Vec::new();
        c.poll_transmit(&mut hello);
        s.recv(&hello).unwrap();
        s.handshake().unwrap();
        assert_eq!(s.server_name(), Some("localhost"), "SNI needs no copy");
        if keep {
            // The record and handshake headers (9 bytes) stripped: the body as sent.
            assert_eq!(s.client_hello_bytes(), Some(&hello[9..]));
            let ours = tls::ClientHello::parse_records(&hello)
                .unwrap()
                .fingerprints();
            assert_eq!(s.client_fingerprints(), Some(&ours));
        } else {
            assert_eq!(s.client_hello_bytes(), None);
            assert_eq!(s.client_fingerprints(), None);
        }
    }
}

#[test]
fn recv_takes_what_fits_and_the_rest_is_offered_again() {
    let (mut c, mut s) = quiet_pair(4 << 20);
    let data: Vec<u8> = (0..1_500_000).map(|i| (i % 233) as u8).collect();
    assert_eq!(c.write(&data).unwrap(), data.len());
    let mut wire = Vec::new();
    c.poll_transmit(&mut wire);
    // 1 MiB of unprocessed ciphertext at most: the rest is refused, not an error.
    let first = s.recv(&wire).unwrap();
    assert_eq!(first, 1 << 20);
    assert_eq!(s.recv(&wire[first..]).unwrap(), 0);
    let (mut got, _) = read_all(&mut s).unwrap();
    let mut taken = first;
    while taken < wire.len() {
        let n = s.recv(&wire[taken..]).unwrap();
        assert!(n > 0);
        taken += n;
        got.extend(read_all(&mut s).unwrap().0);
    }
    assert_eq!(got, data);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]

    /// Any slices, any write queue limit: the peer gets the concatenation in order, every
    /// record but the last of each drain round is full, and the queue never exceeds the limit
    /// by more than one record.
    #[test]
    fn vectored_writes_deliver_everything_in_full_records(
        sizes in proptest::collection::vec(0usize..40_000, 1..12),
        limit in 0usize..200_000,
    ) {
        let (mut c, mut s) = quiet_pair(limit);
        let data: Vec<u8> = (0..sizes.iter().sum::<usize>()).map(|i| (i % 251) as u8).collect();
        let mut slices = Vec::new();
        let mut at = 0;
        for n in &sizes {
            slices.push(&data[at..at + n]);
            at += n;
        }
        let mut taken = 0;
        let mut got = Vec::new();
        let mut wire = Vec::new();
        while taken < data.len() {
            // The slices from `taken` on: the first one cut where the last call stopped.
            let mut skip = taken;
            let mut rest: Vec<&[u8]> = Vec::new();
            for sl in &slices {
                if skip >= sl.len() {
                    skip -= sl.len();
                } else {
                    rest.push(&sl[skip..]);
                    skip = 0;
                }
            }
            let n = c.write_vectored(&rest).unwrap();
            proptest::prop_assert!(n > 0);
            taken += n;
            wire.clear();
            let queued = c.poll_transmit(&mut wire);
            proptest::prop_assert!(queued <= limit.max(1) + 16 * 1024 + 64);
            let lens = records(&wire);
            let overhead = lens[0].saturating_sub(16 * 1024).min(64);
            if lens.len() > 1 {
                proptest::prop_assert!(
                    lens[..lens.len() - 1].iter().all(|&l| l == 16 * 1024 + overhead),
                    "{:?}", lens
                );
            }
            s.recv(&wire).unwrap();
            got.extend(read_all(&mut s).unwrap().0);
        }
        proptest::prop_assert_eq!(got, data);
    }
}
