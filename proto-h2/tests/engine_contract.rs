//! The engine contract the runtime's one `Engine` trait drives (DESIGN.md, issue 12):
//! `wants_write()` says exactly whether `poll_transmit` has something to give, so a loop
//! that writes while it is true neither spins nor leaves output behind.

use bytes::Bytes;
use proto_h2::conn::{Config, Connection, Request};
use proto_h2::frame::{ErrorCode, StreamId};
use proto_h2::pair::Pair;
use std::time::Instant;

mod support;
use support::transmit_all;

/// `wants_write()` is true exactly when `poll_transmit` would produce bytes.
fn agrees(c: &mut Connection, now: Instant) -> bool {
    let wants = c.wants_write();
    let wire = transmit_all(c, now);
    let produced = !wire.is_empty();
    wants == produced
}

fn request(p: &mut Pair) -> StreamId {
    let id = p
        .client
        .send_request(&Request::get(b"http", b"example.com", b"/"), true)
        .unwrap();
    p.drive();
    id
}

#[test]
fn wants_write_counts_a_bdp_probe() {
    let mut cfg = Config::client();
    cfg.bdp_max_window = Some(8 << 20);
    let mut p = Pair::new(Instant::now(), cfg, Config::server());
    let id = request(&mut p);
    p.server.send_response(id, 200, &[], false).unwrap();
    p.server
        .send_data(id, Bytes::from_static(b"hello"), false)
        .unwrap();
    let wire = transmit_all(&mut p.server, p.now);
    p.client.recv(p.now, &wire).unwrap();
    // The DATA makes the client want to probe the bandwidth-delay product with a PING:
    // output is pending although no frame is queued yet.
    assert!(p.client.wants_write());
    let now = p.now;
    let out = transmit_all(&mut p.client, now);
    assert!(!out.is_empty());
    assert!(!p.client.wants_write());
}

#[test]
fn wants_write_matches_poll_transmit_through_an_exchange() {
    let mut p = Pair::new(Instant::now(), Config::client(), Config::server());
    let now = p.now;
    // The prefaces and SETTINGS are pending from the start.
    assert!(p.client.wants_write() && p.server.wants_write());
    let id = request(&mut p);
    assert!(!p.client.wants_write() && !p.server.wants_write());
    p.server.send_response(id, 200, &[], false).unwrap();
    assert!(agrees(&mut p.server, now));
    p.server
        .send_data(id, Bytes::from(vec![7u8; 1_200_000]), true)
        .unwrap();
    // The client's 1 MiB stream window lets part go, the rest waits on it: wanted once, then
    // not (the bytes are dropped here, never delivered).
    assert!(agrees(&mut p.server, now));
    assert!(agrees(&mut p.server, now));
    assert!(!p.server.wants_write());
    p.server.reset(id, ErrorCode::CANCEL).unwrap();
    assert!(agrees(&mut p.server, now));
}

#[test]
fn after_a_connection_error_only_the_goaway_is_pending() {
    let mut p = Pair::new(Instant::now(), Config::client(), Config::server());
    let id = request(&mut p);
    p.server.send_response(id, 200, &[], false).unwrap();
    p.server
        .send_data(id, Bytes::from_static(b"queued"), false)
        .unwrap();
    let now = p.now;
    // A frame of unknown stream state breaks the connection: DATA on stream 0 is illegal.
    assert!(p.server.recv(now, &[0, 0, 1, 0, 0, 0, 0, 0, 0, 0]).is_err());
    assert!(p.server.wants_write());
    assert!(agrees(&mut p.server, now));
    assert!(!p.server.wants_write());
    assert!(p.server.is_closed());
}

/// A `poll_transmit` that returns `None` has given everything that can go now, even when a
/// small chunk (copied into `out`) is queued ahead of a large one on the same stream.
#[test]
fn poll_transmit_returns_none_only_when_nothing_more_can_go() {
    let mut p = Pair::new(Instant::now(), Config::client(), Config::server());
    let id = request(&mut p);
    p.server.send_response(id, 200, &[], false).unwrap();
    p.server
        .send_data(id, Bytes::from(vec![1u8; 100]), false)
        .unwrap();
    p.server
        .send_data(id, Bytes::from(vec![2u8; 50_000]), true)
        .unwrap();
    let mut out = Vec::new();
    let mut wire = 0;
    loop {
        let payload = p.server.poll_transmit(p.now, &mut out);
        wire += out.len() + payload.as_ref().map_or(0, |b| b.len());
        out.clear();
        if payload.is_none() {
            break;
        }
    }
    assert!(!p.server.wants_write());
    assert!(wire > 50_100, "{wire}");
}
