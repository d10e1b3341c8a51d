//! `Config::goaway_grace`: after the peer's GOAWAY the connection stays open for the peer to
//! close its side, and frames it sent after its GOAWAY are still answered; it is over at the
//! peer's end of stream or when the grace passed. Without it (the default) the connection is
//! over as soon as the GOAWAY leaves no stream open.

use proto_h2::conn::{Config, Connection, PREFACE, Role};
use proto_h2::frame::{Builder, ErrorCode, flag, kind};
use std::time::{Duration, Instant};

mod support;
use support::{goaways, handshaken, split_frames, transmit_all};

const GRACE: Duration = Duration::from_secs(1);

fn goaway() -> Vec<u8> {
    Builder::new(kind::GOAWAY, 0)
        .u32(0)
        .u32(ErrorCode::NO_ERROR.0)
        .build()
}

fn ping(payload: &[u8; 8]) -> Vec<u8> {
    Builder::new(kind::PING, 0).payload(payload).build()
}

fn server(grace: Option<Duration>, now: Instant) -> Connection {
    let mut cfg = Config::server();
    cfg.goaway_grace = grace;
    handshaken(cfg, now)
}

/// The PING ACKs in `wire`, by payload.
fn ping_acks(wire: &[u8]) -> Vec<Vec<u8>> {
    split_frames(wire)
        .0
        .into_iter()
        .filter(|f| f.kind == kind::PING && f.flags & flag::ACK != 0)
        .map(|f| f.payload)
        .collect()
}

#[test]
fn without_grace_the_peers_goaway_ends_an_idle_connection_at_once() {
    let t0 = Instant::now();
    let mut s = server(None, t0);
    s.recv(t0, &goaway()).unwrap();
    assert!(s.is_closed());
}

#[test]
fn within_the_grace_frames_after_the_goaway_are_answered_then_it_ends() {
    let t0 = Instant::now();
    let mut s = server(Some(GRACE), t0);
    s.recv(t0, &goaway()).unwrap();
    assert!(!s.is_closed(), "held open for the peer to close");
    assert_eq!(s.poll_timeout(), Some(t0 + GRACE));
    // A PING the peer wrote after its GOAWAY, read a little later.
    let t1 = t0 + Duration::from_millis(5);
    s.recv(t1, &ping(b"late-png")).unwrap();
    let out = transmit_all(&mut s, t1);
    assert_eq!(ping_acks(&out), [b"late-png".to_vec()]);
    assert!(goaways(&out).is_empty(), "no GOAWAY of ours: {out:?}");
    assert!(!s.is_closed());
    // Early: nothing changes.
    s.handle_timeout(t0 + GRACE - Duration::from_millis(1))
        .unwrap();
    assert!(!s.is_closed());
    s.handle_timeout(t0 + GRACE).unwrap();
    assert!(s.is_closed(), "over once the grace passed");
}

#[test]
fn the_peers_end_of_stream_ends_the_grace() {
    let t0 = Instant::now();
    let mut s = server(Some(GRACE), t0);
    s.recv(t0, &goaway()).unwrap();
    assert!(!s.is_closed());
    s.recv_eof();
    assert!(s.is_closed());
}

#[test]
fn our_own_goaway_ends_the_grace() {
    let t0 = Instant::now();
    let mut s = server(Some(GRACE), t0);
    s.recv(t0, &goaway()).unwrap();
    assert!(!s.is_closed());
    s.go_away(ErrorCode::NO_ERROR).unwrap();
    let out = transmit_all(&mut s, t0);
    assert!(!goaways(&out).is_empty());
    // The graceful sequence waits for its PING round trip, then the connection is over with
    // no grace left to wait for.
    let drain = split_frames(&out)
        .0
        .into_iter()
        .find(|f| f.kind == kind::PING && f.flags & flag::ACK == 0);
    if let Some(p) = drain {
        let ack = Builder::new(kind::PING, 0)
            .flags(flag::ACK)
            .payload(&p.payload)
            .build();
        s.recv(t0, &ack).unwrap();
        transmit_all(&mut s, t0);
    }
    assert!(s.is_closed());
}

#[test]
fn a_stream_open_at_the_goaway_finishes_first() {
    // The grace starts at the GOAWAY; the stream keeps the connection open past it.
    let t0 = Instant::now();
    let mut s = Connection::new(
        Role::Server,
        {
            let mut c = Config::server();
            c.goaway_grace = Some(GRACE);
            c
        },
        t0,
    );
    let mut enc = proto_h2::hpack::Encoder::new();
    let mut block = Vec::new();
    enc.encode(
        [
            (&b":method"[..], &b"GET"[..]),
            (b":scheme", b"http"),
            (b":path", b"/"),
            (b":authority", b"x"),
        ],
        &mut block,
    );
    let mut input = PREFACE.to_vec();
    input.extend(Builder::new(kind::SETTINGS, 0).build());
    input.extend(
        Builder::new(kind::HEADERS, 1)
            .flags(flag::END_STREAM | flag::END_HEADERS)
            .payload(&block)
            .build(),
    );
    input.extend(
        Builder::new(kind::GOAWAY, 0)
            .u32(1)
            .u32(ErrorCode::NO_ERROR.0)
            .build(),
    );
    s.recv(t0, &input).unwrap();
    while s.poll_event().is_some() {}
    let late = t0 + GRACE * 2;
    s.handle_timeout(late).unwrap();
    assert!(!s.is_closed(), "stream 1 is still to be answered");
    let id = proto_h2::frame::StreamId::new(1);
    s.send_response(id, 200, &[], true).unwrap();
    transmit_all(&mut s, late);
    assert!(s.is_closed(), "the grace passed while the stream was open");
}

#[test]
fn an_endless_grace_waits_for_the_peers_end_of_stream() {
    let t0 = Instant::now();
    let mut s = server(Some(Duration::MAX), t0);
    s.recv(t0, &goaway()).unwrap();
    // No grace deadline (the idle timeout's is the next one), and a day later still open.
    assert_eq!(s.poll_timeout(), Some(t0 + Duration::from_secs(75)));
    let later = t0 + Duration::from_secs(86_400);
    s.recv(later, &ping(b"next-day")).unwrap();
    assert_eq!(
        ping_acks(&transmit_all(&mut s, later)),
        [b"next-day".to_vec()]
    );
    assert!(!s.is_closed());
    s.recv_eof();
    assert!(s.is_closed());
}
