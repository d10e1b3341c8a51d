//! The engine contract the runtime's one `Engine` trait drives (DESIGN.md, issue 12):
//! `wants_write()` says exactly whether `poll_transmit` has something to give, so a loop
//! that writes while it is true neither spins nor leaves output behind.

use bytes::Bytes;
use proto_h2::conn::{Config, Connection, Request};
use proto_h2::frame::{ErrorCode, StreamId};
use proto_h2::pair::Pair;
use std::time::Instant;

mod support;
use proto_h2::conn::Event;
use proto_h2::error::UserError;
use support::{goaways, split_frames, transmit_all};

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

/// The RST_STREAM frames in `wire`, as (stream, code).
fn resets(wire: &[u8]) -> Vec<(u32, u32)> {
    let (frames, _) = split_frames(wire);
    frames
        .iter()
        .filter(|f| f.kind == 3)
        .map(|f| {
            let code = u32::from_be_bytes(f.payload[..4].try_into().unwrap());
            (f.stream, code)
        })
        .collect()
}

/// End of stream on the server: the request the client finished is still answered, the one
/// it had not finished is cut (RST_STREAM CANCEL, `Event::Reset`), a GOAWAY(NO_ERROR) says no
/// new stream, and the connection is over once the answer is written.
#[test]
fn recv_eof_cuts_unfinished_streams_and_finishes_the_rest() {
    let mut p = Pair::new(Instant::now(), Config::client(), Config::server());
    let done = request(&mut p);
    let open = p
        .client
        .send_request(&Request::get(b"http", b"example.com", b"/upload"), false)
        .unwrap();
    p.drive();
    p.server_events.clear();
    let now = p.now;
    assert!(!p.server.is_eof());
    p.server.recv_eof();
    assert!(p.server.is_eof());
    let mut evs = Vec::new();
    while let Some(e) = p.server.poll_event() {
        evs.push(e);
    }
    assert!(
        matches!(&evs[..], [Event::Reset { stream, code: ErrorCode::CANCEL, remote: false, .. }] if *stream == open),
        "{evs:?}"
    );
    assert_eq!(p.server.stream_state(open), None);
    // The finished request is answered; not closed before that.
    assert!(!p.server.is_closed());
    p.server.send_response(done, 200, &[], false).unwrap();
    p.server
        .send_data(done, Bytes::from_static(b"late answer"), true)
        .unwrap();
    let wire = transmit_all(&mut p.server, now);
    assert_eq!(resets(&wire), [(open.value(), 0x8)]);
    assert_eq!(goaways(&wire), [(open.value(), ErrorCode::NO_ERROR)]);
    assert!(!p.server.wants_write());
    assert!(p.server.is_closed());
    // What the client gets: the answer on the finished stream, the cut one reset.
    p.client.recv(now, &wire).unwrap();
    let mut body = Vec::new();
    let mut cut = false;
    while let Some(e) = p.client.poll_event() {
        match e {
            Event::Data { stream, .. } if stream == done => {
                while let Some(b) = p.client.read_data(done) {
                    body.extend_from_slice(&b);
                }
            }
            Event::Reset { stream, .. } if stream == open => cut = true,
            _ => {}
        }
    }
    assert_eq!(body, b"late answer");
    assert!(cut);
}

/// After end of stream: no new stream, input is ignored, a second call changes nothing, and
/// a connection with nothing open is over at once.
#[test]
fn recv_eof_takes_no_new_streams() {
    let mut p = Pair::new(Instant::now(), Config::client(), Config::server());
    let now = p.now;
    let _ = request(&mut p);
    p.client.recv_eof();
    // The client had not got its response: the stream is cut.
    assert!(p.client.poll_event().is_some_and(|e| matches!(
        e,
        Event::Reset {
            code: ErrorCode::CANCEL,
            remote: false,
            ..
        }
    )));
    assert!(matches!(
        p.client
            .send_request(&Request::get(b"http", b"example.com", b"/"), true),
        Err(UserError::GoingAway)
    ));
    assert_eq!(p.client.recv(now, b"ignored bytes").unwrap(), 13);
    assert!(p.client.poll_event().is_none());
    p.client.recv_eof();
    assert!(p.client.poll_event().is_none());
    let wire = transmit_all(&mut p.client, now);
    assert_eq!(goaways(&wire).len(), 1);
    assert!(p.client.is_closed());
    assert!(!p.client.wants_write());
}

/// End of stream during a graceful shutdown: the drain's PING can never come back, so the
/// final GOAWAY goes at once and the idle connection is over.
#[test]
fn recv_eof_ends_a_graceful_drain() {
    let mut p = Pair::new(Instant::now(), Config::client(), Config::server());
    let now = p.now;
    let _ = transmit_all(&mut p.server, now);
    p.server.go_away(ErrorCode::NO_ERROR).unwrap();
    assert!(!p.server.is_closed(), "draining: waiting for the PING");
    p.server.recv_eof();
    assert!(p.server.is_closed());
    let wire = transmit_all(&mut p.server, now);
    assert_eq!(
        goaways(&wire),
        [(0x7fff_ffff, ErrorCode::NO_ERROR), (0, ErrorCode::NO_ERROR)]
    );
}

/// A frame cut short by the end of input is dropped; a connection that already failed is
/// left as it is.
#[test]
fn recv_eof_drops_a_partial_frame_and_leaves_a_failed_connection() {
    let mut p = Pair::new(Instant::now(), Config::client(), Config::server());
    p.drive();
    let now = p.now;
    // Half a PING frame.
    p.server
        .recv(now, &[0, 0, 8, 6, 0, 0, 0, 0, 0, 1, 2])
        .unwrap();
    p.server.recv_eof();
    let wire = transmit_all(&mut p.server, now);
    let (frames, _) = split_frames(&wire);
    assert!(frames.iter().all(|f| f.kind != 6), "no PING ACK");
    assert!(p.server.is_closed() && p.server.error().is_none());

    let mut q = Pair::new(Instant::now(), Config::client(), Config::server());
    q.drive();
    assert!(q.server.recv(now, &[0, 0, 1, 0, 0, 0, 0, 0, 0, 0]).is_err());
    q.server.recv_eof();
    let wire = transmit_all(&mut q.server, now);
    assert_eq!(goaways(&wire).len(), 1);
    assert!(q.server.is_closed());
}
