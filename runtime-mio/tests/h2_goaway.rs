//! The client's GOAWAY on a live HTTP/2 connection: the server keeps the connection open for
//! `Timeouts::h2_goaway_grace`, answering what the client wrote after its GOAWAY, and closes at
//! the client's end of stream or when the grace passed.

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::{Duration, Instant};

use proto_h2::conn::PREFACE;
use proto_h2::frame::{Builder, ErrorCode, flag, kind};
use runtime_mio::server::{Response, Server, ServerConfig};
use runtime_mio::timer::Timeout;

/// Generous: what the tests wait for arrives in milliseconds.
const WAIT: Duration = Duration::from_secs(5);

fn server(grace: Timeout) -> Server {
    let mut config = ServerConfig {
        threads: 1,
        ..ServerConfig::default()
    };
    config.timeouts.h2_goaway_grace = grace;
    Server::bind("127.0.0.1:0".parse().unwrap(), config, |_| {
        Response::text(200, "hi")
    })
    .unwrap()
}

/// A connection after the preface, SETTINGS and the ACK of the server's.
fn connect(server: &Server) -> TcpStream {
    let mut sock = TcpStream::connect(server.local_addr()).unwrap();
    sock.set_nodelay(true).unwrap();
    let mut hello = PREFACE.to_vec();
    hello.extend(Builder::new(kind::SETTINGS, 0).build());
    hello.extend(Builder::new(kind::SETTINGS, 0).flags(flag::ACK).build());
    sock.write_all(&hello).unwrap();
    sock
}

fn goaway() -> Vec<u8> {
    Builder::new(kind::GOAWAY, 0)
        .u32(0)
        .u32(ErrorCode::NO_ERROR.0)
        .build()
}

/// What the server sent until it closed the connection (or `WAIT` passed: `closed` false).
struct Seen {
    bytes: Vec<u8>,
    closed: bool,
}

/// Reads until `until` holds for the bytes so far, the server closed, or `wait` passed.
fn read_until(
    sock: &mut TcpStream,
    seen: &mut Seen,
    wait: Duration,
    until: impl Fn(&[u8]) -> bool,
) {
    let deadline = Instant::now() + wait;
    let mut buf = [0u8; 4096];
    while !until(&seen.bytes) && !seen.closed {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return;
        }
        sock.set_read_timeout(Some(left)).unwrap();
        match sock.read(&mut buf) {
            Ok(0) => seen.closed = true,
            Ok(n) => seen.bytes.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => seen.closed = true,
        }
    }
}

/// Whether `wire` holds a PING ACK with `payload`.
fn has_ping_ack(wire: &[u8], payload: &[u8; 8]) -> bool {
    let mut pos = 0;
    while let Some(h) = proto_h2::frame::FrameHeader::parse(&wire[pos..]) {
        let end = pos + 9 + h.len as usize;
        let Some(p) = wire.get(pos + 9..end) else {
            return false;
        };
        if h.kind == kind::PING && h.flags & flag::ACK != 0 && p == payload {
            return true;
        }
        pos = end;
    }
    false
}

/// A PING written after the GOAWAY, in a later segment, is answered; then the server closes
/// (the grace passed).
#[test]
fn a_ping_after_the_clients_goaway_is_answered_then_the_server_closes() {
    let server = server(Timeout::After(Duration::from_millis(300)));
    let mut sock = connect(&server);
    sock.write_all(&goaway()).unwrap();
    std::thread::sleep(Duration::from_millis(50));
    let ping = Builder::new(kind::PING, 0).payload(b"after-ga").build();
    sock.write_all(&ping).unwrap();
    let mut seen = Seen {
        bytes: Vec::new(),
        closed: false,
    };
    read_until(&mut sock, &mut seen, WAIT, |b| has_ping_ack(b, b"after-ga"));
    assert!(
        has_ping_ack(&seen.bytes, b"after-ga"),
        "no PING ACK (closed: {})",
        seen.closed
    );
    read_until(&mut sock, &mut seen, WAIT, |_| false);
    assert!(seen.closed, "the server did not close after the grace");
    server.shutdown().unwrap();
}

/// With an unlimited grace only the client's end of stream closes the connection.
#[test]
fn the_clients_end_of_stream_ends_the_grace() {
    let server = server(Timeout::Unlimited);
    let mut sock = connect(&server);
    sock.write_all(&goaway()).unwrap();
    let ping = Builder::new(kind::PING, 0).payload(b"still-on").build();
    sock.write_all(&ping).unwrap();
    let mut seen = Seen {
        bytes: Vec::new(),
        closed: false,
    };
    read_until(&mut sock, &mut seen, WAIT, |b| has_ping_ack(b, b"still-on"));
    assert!(has_ping_ack(&seen.bytes, b"still-on"), "no PING ACK");
    // Still open a while later: nothing but the client's end of stream closes it.
    read_until(&mut sock, &mut seen, Duration::from_millis(300), |_| false);
    assert!(!seen.closed, "closed before the client did");
    sock.shutdown(Shutdown::Write).unwrap();
    read_until(&mut sock, &mut seen, WAIT, |_| false);
    assert!(
        seen.closed,
        "the server did not close after the client's end of stream"
    );
    server.shutdown().unwrap();
}
