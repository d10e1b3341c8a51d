//! Helpers shared by the in-memory pair tests: a test PKI and a handshake pump.
#![allow(dead_code)]

use std::time::{SystemTime, UNIX_EPOCH};

use tls::testing::{Ca, CertifiedKey};
use tls::{
    ClientConfig, ClientConfigBuilder, ClientSession, Error, HandshakeStatus, Plaintext,
    ServerConfig, ServerConfigBuilder, ServerSession,
};

pub(crate) fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

pub(crate) struct Pki {
    pub(crate) ca: Ca,
    pub(crate) ca_pem: Vec<u8>,
    pub(crate) server: CertifiedKey,
}

pub(crate) fn pki() -> Pki {
    let t = now();
    let ca = Ca::new("Test CA", t).unwrap();
    let server = ca
        .leaf(&["localhost", "127.0.0.1"], t - 60, t + 86_400, false)
        .unwrap();
    Pki {
        ca_pem: ca.cert_pem().unwrap(),
        ca,
        server,
    }
}

/// A client trusting only the test CA, with nothing else set.
pub(crate) fn client_builder(pki: &Pki) -> ClientConfigBuilder {
    let mut b = ClientConfig::builder();
    b.system_roots(false).add_root_pem(&pki.ca_pem);
    b
}

/// A server with `cert` as its default certificate, with nothing else set.
pub(crate) fn server_builder(cert: &CertifiedKey) -> ServerConfigBuilder {
    let mut b = ServerConfig::builder();
    b.cert_pem(&cert.chain_pem, &cert.key_pem);
    b
}

/// Moves bytes both ways until both handshakes are done or one fails.
pub(crate) fn handshake(
    c: &mut ClientSession,
    s: &mut ServerSession,
) -> (Result<(), Error>, Result<(), Error>) {
    let (mut rc, mut rs) = (
        Ok(HandshakeStatus::InProgress),
        Ok(HandshakeStatus::InProgress),
    );
    for _ in 0..16 {
        if matches!(rc, Ok(HandshakeStatus::InProgress)) {
            rc = c.handshake();
        }
        pump(c, s);
        if matches!(rs, Ok(HandshakeStatus::InProgress)) {
            rs = s.handshake();
        }
        pump_back(s, c);
        let done =
            |r: &Result<HandshakeStatus, Error>| !matches!(r, Ok(HandshakeStatus::InProgress));
        if done(&rc) && done(&rs) {
            break;
        }
    }
    (rc.map(|_| ()), rs.map(|_| ()))
}

pub(crate) fn pump(c: &mut ClientSession, s: &mut ServerSession) {
    let mut buf = Vec::new();
    c.poll_transmit(&mut buf);
    if !buf.is_empty() {
        let _ = s.recv(&buf);
    }
}

pub(crate) fn pump_back(s: &mut ServerSession, c: &mut ClientSession) {
    let mut buf = Vec::new();
    s.poll_transmit(&mut buf);
    if !buf.is_empty() {
        let _ = c.recv(&buf);
    }
}

pub(crate) fn read_all<R>(sess: &mut tls::Session<R>) -> Result<(Vec<u8>, bool), Error> {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match sess.read(&mut buf)? {
            Plaintext::Data(n) => out.extend_from_slice(&buf[..n]),
            Plaintext::NeedInput => return Ok((out, false)),
            Plaintext::Closed => return Ok((out, true)),
            _ => unreachable!("non-exhaustive"),
        }
    }
}

pub(crate) fn connect(
    client: &ClientConfig,
    server: &ServerConfig,
    name: &str,
) -> (ClientSession, ServerSession) {
    let mut c = ClientSession::new(client, name).unwrap();
    let mut s = ServerSession::new(server).unwrap();
    let (rc, rs) = handshake(&mut c, &mut s);
    rc.unwrap();
    rs.unwrap();
    (c, s)
}

/// Connects and lets the client read what the server sent after the handshake (TLS 1.3
/// session tickets), so a session cache sees them.
pub(crate) fn connect_and_take_tickets(
    client: &ClientConfig,
    server: &ServerConfig,
    name: &str,
) -> (ClientSession, ServerSession) {
    let (mut c, mut s) = connect(client, server, name);
    pump_back(&mut s, &mut c);
    read_all(&mut c).unwrap();
    (c, s)
}
