//! The peer's HTTP/2 fingerprint fields (issue 12), from hand-built client prefaces that
//! reproduce the Akamai strings of real browsers, and from our own Chrome profile.

use proto_h2::conn::{
    Config, Connection, Event, MAX_PRIORITIES, PREFACE, PeerFingerprint, Pseudo, Request, Role,
};
use proto_h2::frame::{Builder, StreamId, flag, kind};
use proto_h2::hpack::Encoder;
use proto_h2::pair::Pair;
use std::time::Instant;
use test_support::alloc::{CountingAllocator, Measure};

#[global_allocator]
static ALLOC: CountingAllocator = CountingAllocator::new();

fn settings(params: &[(u16, u32)]) -> Vec<u8> {
    let mut b = Builder::new(kind::SETTINGS, 0);
    for &(i, v) in params {
        b = b.setting(i, v);
    }
    b.build()
}

fn window_update(stream: u32, inc: u32) -> Vec<u8> {
    Builder::new(kind::WINDOW_UPDATE, stream).u32(inc).build()
}

/// PRIORITY on `stream`: `dep` (with the exclusive bit when `exclusive`), wire `weight`.
fn priority(stream: u32, exclusive: bool, dep: u32, weight: u8) -> Vec<u8> {
    let e = if exclusive { 0x8000_0000 } else { 0 };
    Builder::new(kind::PRIORITY, stream)
        .u32(e | dep)
        .payload(&[weight])
        .build()
}

/// A request HEADERS on `stream` with the pseudo-headers in `order` ("masp" letters), and
/// optionally the priority fields (exclusive, dependency, wire weight).
fn headers(enc: &mut Encoder, stream: u32, order: &str, prio: Option<(bool, u32, u8)>) -> Vec<u8> {
    let fields: Vec<(&[u8], &[u8])> = order
        .bytes()
        .map(|c| -> (&[u8], &[u8]) {
            match c {
                b'm' => (b":method", b"GET"),
                b'a' => (b":authority", b"example.com"),
                b's' => (b":scheme", b"https"),
                b'p' => (b":path", b"/"),
                _ => unreachable!(),
            }
        })
        .chain([(&b"user-agent"[..], &b"t"[..])])
        .collect();
    let mut block = Vec::new();
    enc.encode(fields.iter().copied(), &mut block);
    let mut b = Builder::new(kind::HEADERS, stream).flags(flag::END_HEADERS | flag::END_STREAM);
    if let Some((e, dep, w)) = prio {
        b = b
            .flags(flag::END_HEADERS | flag::END_STREAM | flag::PRIORITY)
            .u32(if e { 0x8000_0000 } else { 0 } | dep)
            .payload(&[w]);
    }
    b.payload(&block).build()
}

/// A server fed `frames` after the preface; the request it reports is checked.
fn server_after(frames: &[Vec<u8>]) -> Connection {
    let now = Instant::now();
    let mut s = Connection::new(Role::Server, Config::server(), now);
    let mut wire = PREFACE.to_vec();
    for f in frames {
        wire.extend_from_slice(f);
    }
    s.recv(now, &wire).unwrap();
    assert!(std::iter::from_fn(|| s.poll_event()).any(|e| matches!(e, Event::Request { .. })));
    s
}

#[test]
fn chrome() {
    let mut enc = Encoder::new();
    let s = server_after(&[
        settings(&[(1, 65_536), (2, 0), (4, 6_291_456), (6, 262_144)]),
        window_update(0, 15_663_105),
        headers(&mut enc, 1, "masp", Some((true, 0, 255))),
    ]);
    let fp = s.peer_fingerprint();
    assert_eq!(
        fp.akamai_string(),
        "1:65536;2:0;4:6291456;6:262144|15663105|0|m,a,s,p"
    );
    assert!(fp.is_complete());
    let hp = fp.headers_priority().unwrap();
    assert!(hp.exclusive && hp.dependency == StreamId::ZERO && hp.weight == 255);
}

#[test]
fn firefox() {
    let mut enc = Encoder::new();
    let s = server_after(&[
        settings(&[(1, 65_536), (2, 0), (4, 131_072), (5, 16_384)]),
        window_update(0, 12_517_377),
        headers(&mut enc, 1, "mpas", None),
    ]);
    assert_eq!(
        s.peer_fingerprint().akamai_string(),
        "1:65536;2:0;4:131072;5:16384|12517377|0|m,p,a,s"
    );
}

/// Firefox before it dropped RFC 7540 priorities: six PRIORITY frames building its
/// dependency tree before the first request, as in Akamai's paper.
#[test]
fn firefox_with_priority_frames() {
    let mut enc = Encoder::new();
    let s = server_after(&[
        settings(&[(1, 65_536), (4, 131_072), (5, 16_384)]),
        window_update(0, 12_517_377),
        priority(3, false, 0, 200),
        priority(5, false, 0, 100),
        priority(7, false, 0, 0),
        priority(9, false, 7, 0),
        priority(11, false, 3, 0),
        priority(13, false, 0, 240),
        headers(&mut enc, 15, "mpas", Some((false, 13, 41))),
    ]);
    assert_eq!(
        s.peer_fingerprint().akamai_string(),
        "1:65536;4:131072;5:16384|12517377|3:0:0:201,5:0:0:101,7:0:0:1,9:0:7:1,11:0:3:1,13:0:0:241|m,p,a,s"
    );
}

#[test]
fn our_chrome_profile_is_seen_as_chrome() {
    let mut p = Pair::new(Instant::now(), Config::chrome(), Config::server());
    p.client
        .send_request(&Request::get(b"https", b"example.com", b"/"), true)
        .unwrap();
    p.drive();
    assert_eq!(
        p.server.peer_fingerprint().akamai_string(),
        "1:65536;2:0;4:6291456;6:262144|15663105|0|m,a,s,p"
    );
}

#[test]
fn unknown_settings_are_kept_in_order_and_a_missing_window_update_is_00() {
    let mut enc = Encoder::new();
    let s = server_after(&[
        settings(&[(0x0a0a, 7), (4, 65_535), (9, 1), (3, 100)]),
        headers(&mut enc, 1, "mspa", None),
    ]);
    let fp = s.peer_fingerprint();
    assert_eq!(fp.settings(), &[(0x0a0a, 7), (4, 65_535), (9, 1), (3, 100)]);
    assert_eq!(fp.window_update(), None);
    assert_eq!(fp.akamai_string(), "2570:7;4:65535;9:1;3:100|00|0|m,s,p,a");
    let order: Vec<Pseudo> = fp.pseudo_order().collect();
    assert_eq!(
        order,
        [
            Pseudo::Method,
            Pseudo::Scheme,
            Pseudo::Path,
            Pseudo::Authority
        ]
    );
}

#[test]
fn only_the_preface_counts_and_priorities_are_bounded() {
    let mut enc = Encoder::new();
    let mut frames = vec![settings(&[(4, 1_000_000)])];
    for i in 0..20u32 {
        frames.push(priority(101 + 2 * i, false, 0, 15));
    }
    frames.push(headers(&mut enc, 1, "masp", None));
    // After the first HEADERS: none of these change the fingerprint.
    frames.push(settings(&[(1, 4096)]));
    frames.push(window_update(0, 1000));
    frames.push(priority(3, true, 1, 9));
    frames.push(headers(&mut enc, 5, "pasm", None));
    let s = server_after(&frames);
    let fp = s.peer_fingerprint();
    assert_eq!(fp.settings(), &[(4, 1_000_000)]);
    assert_eq!(fp.window_update(), None);
    assert_eq!(fp.priorities().len(), MAX_PRIORITIES);
    assert_eq!(fp.priorities_dropped(), 20 - MAX_PRIORITIES as u32);
    assert_eq!(fp.priorities()[0].stream, StreamId::new(101));
    assert!(fp.akamai_string().ends_with("|m,a,s,p"));
    assert_eq!(*s.peer_fingerprint(), fp.clone());
}

#[test]
fn nothing_is_allocated_for_it_after_the_first_headers() {
    let mut enc = Encoder::new();
    let now = Instant::now();
    let mut s = server_after(&[
        settings(&[(1, 65_536), (2, 0)]),
        window_update(0, 1 << 20),
        priority(3, false, 0, 1),
        headers(&mut enc, 1, "masp", None),
    ]);
    let before: PeerFingerprint = s.peer_fingerprint().clone();
    let mut later = Vec::new();
    for i in 0..50u32 {
        later.extend(priority(3 + 2 * i, false, 0, 7));
        later.extend(window_update(0, 1));
    }
    let m = Measure::start();
    s.recv(now, &later).unwrap();
    let stats = m.stats();
    assert_eq!(stats.allocations, 0, "{stats:?}");
    assert_eq!(*s.peer_fingerprint(), before);
}

/// `s` after answering every request it reported, sending what it has to send and taking
/// the client's acknowledgement of its SETTINGS: idle, ready to hibernate.
fn answered(mut s: Connection, now: Instant) -> Connection {
    let ids: Vec<StreamId> = std::iter::from_fn(|| s.poll_event())
        .filter_map(|e| match e {
            Event::Request { stream, .. } => Some(stream),
            _ => None,
        })
        .collect();
    for id in ids {
        s.send_response(id, 204, &[], true).unwrap();
    }
    let mut out = Vec::new();
    while s.poll_transmit(now, &mut out).is_some() || !out.is_empty() {
        out.clear();
    }
    s.recv(
        now,
        &Builder::new(kind::SETTINGS, 0).flags(flag::ACK).build(),
    )
    .unwrap();
    while s.poll_event().is_some() {}
    s
}

/// A server connection fed `frames` after the preface (all of them, whether or not a
/// request is among them).
fn server_fed(frames: &[Vec<u8>], now: Instant) -> Connection {
    let mut s = Connection::new(Role::Server, Config::server(), now);
    let mut wire = PREFACE.to_vec();
    for f in frames {
        wire.extend_from_slice(f);
    }
    s.recv(now, &wire).unwrap();
    s
}

/// A hibernated connection keeps the peer's fingerprint in a compact form of its own; woken,
/// it reports every field as before: browsers' prefaces, PRIORITY frames (exclusive, high
/// dependencies, beyond the bound), unknown SETTINGS with the largest identifier and
/// value, a HEADERS priority.
#[test]
fn every_field_survives_hibernation() {
    let mut enc = Encoder::new();
    let mut many = vec![settings(&[(0xffff, u32::MAX), (4, 1_000_000), (0, 0)])];
    for i in 0..20u32 {
        many.push(priority(
            101 + 2 * i,
            i % 2 == 0,
            0x7fff_fff0 + i % 3,
            (i * 13) as u8,
        ));
    }
    many.push(headers(&mut enc, 1, "pasm", Some((true, 0x7fff_ffff, 0))));
    let cases = [
        vec![
            settings(&[(1, 65_536), (2, 0), (4, 6_291_456), (6, 262_144)]),
            window_update(0, 15_663_105),
            headers(&mut Encoder::new(), 1, "masp", Some((true, 0, 255))),
        ],
        vec![
            settings(&[(1, 65_536), (4, 131_072), (5, 16_384)]),
            window_update(0, 12_517_377),
            priority(3, false, 0, 200),
            priority(5, true, 3, 100),
            priority(7, false, 0, 0),
            headers(&mut Encoder::new(), 15, "mpas", Some((false, 13, 41))),
        ],
        many,
        // No SETTINGS parameter at all, no pseudo-header.
        vec![settings(&[]), {
            let mut block = Vec::new();
            Encoder::new().encode([(&b"x-only"[..], &b"regular"[..])], &mut block);
            Builder::new(kind::HEADERS, 1)
                .flags(flag::END_HEADERS | flag::END_STREAM)
                .payload(&block)
                .build()
        }],
    ];
    let now = Instant::now();
    for (i, frames) in cases.iter().enumerate() {
        let s = answered(server_fed(frames, now), now);
        let before = s.peer_fingerprint().clone();
        assert!(before.is_complete() || i == 3, "case {i}");
        let asleep = s.hibernate().unwrap();
        let woken = asleep.wake(Config::server(), now);
        assert_eq!(*woken.peer_fingerprint(), before, "case {i}");
        assert_eq!(
            woken.peer_fingerprint().akamai_string(),
            before.akamai_string(),
            "case {i}"
        );
        assert_eq!(
            woken.peer_fingerprint().headers_priority(),
            before.headers_priority(),
            "case {i}"
        );
    }
}

/// A connection that hibernates between its preface and its first request goes on recording
/// its fingerprint after waking, as a twin that never slept does.
#[test]
fn recording_goes_on_after_an_early_hibernation() {
    let now = Instant::now();
    let preface = [
        settings(&[(1, 65_536), (4, 131_072)]),
        window_update(0, 12_517_377),
        priority(3, false, 0, 200),
    ];
    let mut enc = (Encoder::new(), Encoder::new());
    let rest = |enc: &mut Encoder| {
        let mut wire = priority(5, true, 3, 100);
        wire.extend(window_update(0, 7));
        wire.extend(headers(enc, 7, "mpas", None));
        wire
    };
    let mut twin = answered(server_fed(&preface, now), now);
    let s = answered(server_fed(&preface, now), now);
    assert!(!s.peer_fingerprint().is_complete());
    let mut s = s.hibernate().unwrap().wake(Config::server(), now);
    assert_eq!(s.peer_fingerprint(), twin.peer_fingerprint());
    twin.recv(now, &rest(&mut enc.0)).unwrap();
    s.recv(now, &rest(&mut enc.1)).unwrap();
    assert!(s.peer_fingerprint().is_complete());
    assert_eq!(s.peer_fingerprint(), twin.peer_fingerprint());
    assert_eq!(
        s.peer_fingerprint().akamai_string(),
        "1:65536;4:131072|12517377|3:0:0:201,5:1:3:101|m,p,a,s"
    );
}
