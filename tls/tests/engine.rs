//! The engine contract of the runtime (issue 12) as the session implements it: `wants_write`
//! and `is_closed`, whole-record vectored writes, the bounded ciphertext queue
//! (backpressure), and the ClientHello kept only on request.

mod common;

use common::{client_builder, connect, pki, pump, pump_back, read_all, server_builder};
use tls::{ClientSession, Error, PeerError, ServerSession};

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
