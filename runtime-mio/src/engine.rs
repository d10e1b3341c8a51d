//! The one trait the event loop drives: [`Engine`], the transport side of every sans-IO
//! connection engine, and its impls for proto-h1's [`ServerConn`] and [`ClientConn`],
//! proto-h2's [`Connection`](H2Connection), proto-ws's [`Connection`](WsConnection) and the
//! `tls` crate's [`Session`](tls::Session) (its ciphertext side: plaintext goes through its
//! `read`/`write`, which the server's TLS glue drives).
//!
//! Events differ per protocol (a request head, a DATA length, a WebSocket message) and borrow
//! each engine's buffers, so they are not part of the trait: each protocol's glue drains its
//! own engine's `poll_event` after every call below that can produce one. What the loop needs
//! is the same for all of them and is exactly the engine contract of DESIGN.md:
//!
//! | call | meaning |
//! |------|---------|
//! | [`recv`](Engine::recv) | bytes in; returns how many were taken (fewer: drain events, offer the rest again) |
//! | [`recv_eof`](Engine::recv_eof) | the transport reached end of stream |
//! | [`poll_transmit`](Engine::poll_transmit) | bytes out: appended to `out`, plus an optional payload written right after them |
//! | [`wants_write`](Engine::wants_write) | `poll_transmit` would give something |
//! | [`is_closed`](Engine::is_closed) | the connection is over; close the transport once `wants_write` is false |
//! | [`poll_timeout`](Engine::poll_timeout) / [`handle_timeout`](Engine::handle_timeout) | the engine's own deadlines |
//!
//! Where an engine has no clock (proto-h1, proto-ws) `now` is ignored and it has no deadline;
//! the runtime's phase timers ([`crate::timer`]) cover those protocols.
//!
//! proto-h2's `Connection::recv_eof` cuts the streams the peer had not finished
//! (RST_STREAM(CANCEL)), queues a GOAWAY(NO_ERROR) so no new stream starts, still answers the
//! streams the peer finished, and reports [`is_closed`](Engine::is_closed) once they are
//! done.

use std::fmt;
use std::time::Instant;

use bytes::Bytes;
use proto_h1::{ClientConn, ServerConn};
use proto_h2::conn::Connection as H2Connection;
use proto_ws::Connection as WsConnection;

/// The transport side of a sans-IO connection engine: what an event loop calls, the same for
/// every protocol. See the [module documentation](self) for the call order.
pub trait Engine {
    /// The engine's connection error (the peer broke the protocol). The engine has already
    /// queued its wire reaction (a 400 reply, a GOAWAY, a Close frame) when it returns one.
    type Error: fmt::Debug + fmt::Display;

    /// Takes bytes read from the transport; returns how many it took. Fewer than
    /// `input.len()` means its buffer is full: drain the engine's events and offer the rest
    /// again.
    ///
    /// # Errors
    /// The engine's connection error; flush [`poll_transmit`](Self::poll_transmit) and close.
    fn recv(&mut self, now: Instant, input: &[u8]) -> Result<usize, Self::Error>;

    /// The transport reached end of stream.
    ///
    /// # Errors
    /// The engine's connection error (a message cut short).
    fn recv_eof(&mut self) -> Result<(), Self::Error>;

    /// The one output call: appends bytes to `out` and may hand back a payload to be
    /// written right after them (uncopied). Call while [`wants_write`](Self::wants_write).
    fn poll_transmit(&mut self, now: Instant, out: &mut Vec<u8>) -> Option<Bytes>;

    /// Whether [`poll_transmit`](Self::poll_transmit) has something to give.
    fn wants_write(&self) -> bool;

    /// Whether the connection is over: close the transport once
    /// [`wants_write`](Self::wants_write) is false.
    fn is_closed(&self) -> bool;

    /// The engine's next deadline, if it has timers.
    fn poll_timeout(&self) -> Option<Instant> {
        None
    }

    /// A deadline from [`poll_timeout`](Self::poll_timeout) passed.
    ///
    /// # Errors
    /// The engine's connection error (its reaction is queued).
    fn handle_timeout(&mut self, now: Instant) -> Result<(), Self::Error> {
        let _ = now;
        Ok(())
    }
}

impl Engine for ServerConn {
    type Error = proto_h1::Error;

    fn recv(&mut self, _now: Instant, input: &[u8]) -> Result<usize, Self::Error> {
        ServerConn::recv(self, input)
    }
    fn recv_eof(&mut self) -> Result<(), Self::Error> {
        ServerConn::recv_eof(self)
    }
    fn poll_transmit(&mut self, _now: Instant, out: &mut Vec<u8>) -> Option<Bytes> {
        ServerConn::poll_transmit(self, out)
    }
    fn wants_write(&self) -> bool {
        ServerConn::wants_write(self)
    }
    fn is_closed(&self) -> bool {
        ServerConn::is_closed(self)
    }
}

impl Engine for ClientConn {
    type Error = proto_h1::Error;

    fn recv(&mut self, _now: Instant, input: &[u8]) -> Result<usize, Self::Error> {
        ClientConn::recv(self, input)
    }
    fn recv_eof(&mut self) -> Result<(), Self::Error> {
        ClientConn::recv_eof(self)
    }
    fn poll_transmit(&mut self, _now: Instant, out: &mut Vec<u8>) -> Option<Bytes> {
        ClientConn::poll_transmit(self, out)
    }
    fn wants_write(&self) -> bool {
        ClientConn::wants_write(self)
    }
    fn is_closed(&self) -> bool {
        ClientConn::is_closed(self)
    }
}

impl Engine for H2Connection {
    type Error = proto_h2::error::Error;

    fn recv(&mut self, now: Instant, input: &[u8]) -> Result<usize, Self::Error> {
        H2Connection::recv(self, now, input)
    }
    fn recv_eof(&mut self) -> Result<(), Self::Error> {
        H2Connection::recv_eof(self);
        Ok(())
    }
    fn poll_transmit(&mut self, now: Instant, out: &mut Vec<u8>) -> Option<Bytes> {
        H2Connection::poll_transmit(self, now, out)
    }
    fn wants_write(&self) -> bool {
        H2Connection::wants_write(self)
    }
    fn is_closed(&self) -> bool {
        H2Connection::is_closed(self)
    }
    fn poll_timeout(&self) -> Option<Instant> {
        H2Connection::poll_timeout(self)
    }
    fn handle_timeout(&mut self, now: Instant) -> Result<(), Self::Error> {
        H2Connection::handle_timeout(self, now)
    }
}

impl Engine for WsConnection {
    type Error = proto_ws::Error;

    fn recv(&mut self, _now: Instant, input: &[u8]) -> Result<usize, Self::Error> {
        WsConnection::recv(self, input)
    }
    fn recv_eof(&mut self) -> Result<(), Self::Error> {
        WsConnection::recv_eof(self);
        Ok(())
    }
    fn poll_transmit(&mut self, _now: Instant, out: &mut Vec<u8>) -> Option<Bytes> {
        WsConnection::poll_transmit(self, out)
    }
    fn wants_write(&self) -> bool {
        WsConnection::wants_write(self)
    }
    fn is_closed(&self) -> bool {
        WsConnection::is_closed(self)
    }
}

impl<R> Engine for tls::Session<R> {
    type Error = tls::Error;

    fn recv(&mut self, _now: Instant, input: &[u8]) -> Result<usize, Self::Error> {
        tls::Session::recv(self, input)
    }
    fn recv_eof(&mut self) -> Result<(), Self::Error> {
        tls::Session::recv_eof(self);
        Ok(())
    }
    fn poll_transmit(&mut self, _now: Instant, out: &mut Vec<u8>) -> Option<Bytes> {
        // Ciphertext is made by BoringSSL into the session's buffer: there is no payload to
        // pass through uncopied, so everything comes in `out`.
        tls::Session::poll_transmit(self, out);
        None
    }
    fn wants_write(&self) -> bool {
        tls::Session::wants_write(self)
    }
    fn is_closed(&self) -> bool {
        tls::Session::is_closed(self)
    }
}

/// Moves everything `from` wants to write into `to` through the trait, as a loop would
/// (`out`, then the payload), and returns how many bytes moved.
///
/// # Errors
/// `to`'s connection error.
pub fn pump<A: Engine, B: Engine>(
    now: Instant,
    from: &mut A,
    to: &mut B,
) -> Result<usize, B::Error> {
    let mut moved = 0;
    let mut out = Vec::new();
    while from.wants_write() {
        out.clear();
        let payload = from.poll_transmit(now, &mut out);
        for part in [&out[..], payload.as_deref().unwrap_or(&[])] {
            let n = to.recv(now, part)?;
            // The engines under test here take all they are given (their buffers exceed
            // the exchanges); a loop would keep the rest and offer it again.
            debug_assert_eq!(n, part.len());
            moved += n;
        }
    }
    Ok(moved)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proto_h1::{ConnConfig, Event, Header};

    fn now() -> Instant {
        Instant::now()
    }

    /// An h1 client and server through the trait only: request, response, keep-alive.
    #[test]
    fn h1_exchange_through_trait() {
        let t = now();
        let mut client = ClientConn::new(ConnConfig::default());
        let mut server = ServerConn::new(ConnConfig::default());
        client
            .send_request(
                "GET",
                "/x",
                &[Header {
                    name: "Host",
                    value: b"a",
                }],
            )
            .unwrap();
        client.send_end(&[]).unwrap();
        assert!(Engine::wants_write(&client));
        let n = pump(t, &mut client, &mut server).unwrap();
        assert!(n > 0);
        assert!(!Engine::wants_write(&client));
        match server.poll_event().unwrap() {
            Some(Event::Request(h)) => assert_eq!(h.target, "/x"),
            e => panic!("{e:?}"),
        }
        assert!(matches!(
            server.poll_event().unwrap(),
            Some(Event::End { .. })
        ));
        let h = [Header {
            name: "Content-Length",
            value: b"2",
        }];
        server.send_response(200, b"OK", &h).unwrap();
        server.send_data(b"ok").unwrap();
        server.send_end(&[]).unwrap();
        pump(t, &mut server, &mut client).unwrap();
        assert!(matches!(client.poll_event().unwrap(), Some(Event::Response(h)) if h.code == 200));
        assert!(matches!(
            client.poll_event().unwrap(),
            Some(Event::Data(b"ok"))
        ));
        assert!(!Engine::is_closed(&server));
        assert_eq!(Engine::poll_timeout(&server), None);
        // End of stream between requests closes the server side.
        Engine::recv_eof(&mut server).unwrap();
        assert!(server.poll_event().unwrap().is_none());
        assert!(Engine::is_closed(&server));
    }

    /// A bad request: the engine queues its own 400 and reports closed; the caller only
    /// writes what `poll_transmit` gives.
    #[test]
    fn h1_bad_request_reply_is_queued_by_engine() {
        let t = now();
        let mut server = ServerConn::new(ConnConfig::default());
        let n = Engine::recv(&mut server, t, b"GET / HTTP/1.1\r\nBad Header\r\n\r\n").unwrap();
        assert!(n > 0);
        assert!(server.poll_event().is_err());
        assert!(Engine::is_closed(&server));
        let mut out = Vec::new();
        while Engine::wants_write(&server) {
            assert!(Engine::poll_transmit(&mut server, t, &mut out).is_none());
        }
        assert!(
            out.starts_with(b"HTTP/1.1 400 "),
            "{:?}",
            String::from_utf8_lossy(&out)
        );
    }

    /// A large body is handed back as a payload, never copied into `out`.
    #[test]
    fn h1_payload_comes_back_uncopied() {
        let t = now();
        let mut server = ServerConn::new(ConnConfig::default());
        Engine::recv(&mut server, t, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n").unwrap();
        while server.poll_event().unwrap().is_some() {}
        let body = Bytes::from(vec![7u8; 4096]);
        let h = [Header {
            name: "Content-Length",
            value: b"4096",
        }];
        server.send_response(200, b"OK", &h).unwrap();
        server.send_data_bytes(body.clone()).unwrap();
        server.send_end(&[]).unwrap();
        let mut out = Vec::new();
        let p = Engine::poll_transmit(&mut server, t, &mut out).unwrap();
        assert_eq!(p.as_ptr(), body.as_ptr());
        assert!(out.ends_with(b"\r\n\r\n"));
    }

    /// proto-h2 through the trait: preface and SETTINGS both ways, a request, a response.
    #[test]
    fn h2_exchange_through_trait() {
        use proto_h2::conn::{Config, Event as H2Event, Request, Role};
        let t = now();
        let mut client = H2Connection::new(Role::Client, Config::client(), t);
        let mut server = H2Connection::new(Role::Server, Config::server(), t);
        let req = Request::get(b"http", b"a", b"/");
        let id = client.send_request(&req, true).unwrap();
        pump(t, &mut client, &mut server).unwrap();
        let mut got = None;
        while let Some(e) = server.poll_event() {
            if let H2Event::Request { stream, .. } = e {
                got = Some(stream);
            }
        }
        assert_eq!(got, Some(id));
        server
            .send_response(id, 200, &[(b"content-type", b"text/plain")], false)
            .unwrap();
        server
            .send_data(id, Bytes::from_static(b"hi"), true)
            .unwrap();
        pump(t, &mut server, &mut client).unwrap();
        let mut status = None;
        while let Some(e) = client.poll_event() {
            if let H2Event::Response { head, .. } = e {
                status = head.status();
            }
        }
        assert_eq!(status, Some(200));
        assert!(!Engine::is_closed(&server));
        // End of stream: a GOAWAY, then closed (no stream is open).
        Engine::recv_eof(&mut server).unwrap();
        assert!(Engine::wants_write(&server));
        let mut out = Vec::new();
        while Engine::wants_write(&server) {
            let _ = Engine::poll_transmit(&mut server, t, &mut out);
        }
        assert!(!out.is_empty());
        assert!(Engine::is_closed(&server));
    }

    /// proto-h2's bad preface: the error comes from `recv`, the GOAWAY is queued.
    #[test]
    fn h2_bad_preface_queues_goaway() {
        use proto_h2::conn::{Config, Role};
        let t = now();
        let mut server = H2Connection::new(Role::Server, Config::server(), t);
        assert!(Engine::recv(&mut server, t, b"GET / HTTP/1.1\r\n").is_err());
        assert!(Engine::is_closed(&server));
        assert!(Engine::wants_write(&server));
        let mut out = Vec::new();
        let _ = Engine::poll_transmit(&mut server, t, &mut out);
        // A GOAWAY frame (type 7) is among the bytes.
        assert!(out.len() >= 9);
    }

    /// The tls sessions' ciphertext through the trait: a handshake, then a message.
    #[test]
    fn tls_exchange_through_trait() {
        let t = now();
        let unix = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        let ck = tls::testing::self_signed(&["localhost"], unix).unwrap();
        let mut sb = tls::ServerConfig::builder();
        sb.cert_pem(&ck.chain_pem, &ck.key_pem);
        let mut cb = tls::ClientConfig::builder();
        cb.add_root_pem(&ck.chain_pem);
        let mut server = tls::ServerSession::new(&sb.build().unwrap()).unwrap();
        let mut client = tls::ClientSession::new(&cb.build().unwrap(), "localhost").unwrap();
        for _ in 0..10 {
            let c = client.handshake().unwrap();
            pump(t, &mut client, &mut server).unwrap();
            let s = server.handshake().unwrap();
            pump(t, &mut server, &mut client).unwrap();
            if c == tls::HandshakeStatus::Complete && s == tls::HandshakeStatus::Complete {
                break;
            }
        }
        assert!(client.is_handshake_complete() && server.is_handshake_complete());
        client.write(b"ping").unwrap();
        assert!(Engine::wants_write(&client));
        pump(t, &mut client, &mut server).unwrap();
        let mut buf = [0u8; 16];
        assert_eq!(server.read(&mut buf).unwrap(), tls::Plaintext::Data(4));
        assert_eq!(&buf[..4], b"ping");
        assert!(!Engine::is_closed(&server));
    }

    /// proto-ws through the trait: a text message each way, then end of stream.
    #[test]
    fn ws_exchange_through_trait() {
        use proto_ws::{Config, Event as WsEvent};
        let t = now();
        let mut client = WsConnection::client_predictable(Config::default(), 7);
        let mut server = WsConnection::server(Config::default());
        client.send_text("hello").unwrap();
        pump(t, &mut client, &mut server).unwrap();
        assert!(matches!(
            server.poll_event().unwrap(),
            Some(WsEvent::Text("hello"))
        ));
        server.send_text("back").unwrap();
        pump(t, &mut server, &mut client).unwrap();
        assert!(matches!(
            client.poll_event().unwrap(),
            Some(WsEvent::Text("back"))
        ));
        assert!(!Engine::is_closed(&server));
        Engine::recv_eof(&mut server).unwrap();
        assert!(Engine::is_closed(&server));
    }
}
