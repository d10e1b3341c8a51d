//! The WebSocket client (`Client::websocket`) against the in-process server's `/ws` echo
//! over HTTP/1.1 (cleartext and TLS) and HTTP/2 (h2c and TLS, RFC 8441), and against small
//! raw servers written here for what a correct server never does: HTTP/2 without extended
//! CONNECT (the client falls back to an HTTP/1.1-only connection), a masked server frame
//! (the client closes with 1002), a connection dropped without the closing handshake.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use bytes::Bytes;
use proto_ws::{CloseCode, Event as WsEvent};
use runtime_mio::client::{
    Client, ClientConfig, Error, Message, Version, Wait, WebSocketError, WebSocketRequest,
};
use runtime_mio::server::{Request, Response, Server, ServerConfig, WsMessage};

#[path = "support/tls_server.rs"]
mod tls_server;
use tls_server::Mode;

/// `/ws`: echo, speaking `chat` and `superchat`; `/ws-bye`: answers the first message
/// with Close 4000; anything else: 200 text.
fn handler(req: &Request) -> Response {
    match req.path() {
        "/ws" => Response::websocket(|m| vec![m]).with_protocols(&["chat", "superchat"]),
        "/ws-bye" => Response::websocket(|m| match m {
            WsMessage::Close { .. } => vec![m],
            _ => vec![WsMessage::close(4000, "bye now")],
        }),
        "/not-ws" => Response::text(403, "no"),
        p => Response::text(200, format!("{} {p}", req.method())),
    }
}

fn setup(mode: Mode) -> (Server, Client, String) {
    let mut config = ServerConfig {
        threads: 1,
        ..ServerConfig::default()
    };
    let root = mode.serve(&mut config);
    let server = Server::bind("127.0.0.1:0".parse().unwrap(), config, handler).unwrap();
    let client = Client::new(mode.client_config(root)).unwrap();
    let base = mode.base("ws", "wss", server.local_addr().port());
    (server, client, base)
}

/// Every byte value, then a pattern that is not periodic at a power of two.
fn payload(len: usize) -> Vec<u8> {
    (0..len).map(|i| ((i * 7 + i / 251) % 256) as u8).collect()
}

/// The next data message, skipping control frames.
fn next_data(ws: &mut runtime_mio::client::WebSocket) -> Message {
    loop {
        match ws.recv(Wait::Timeout(Duration::from_secs(10))).unwrap() {
            Some(Message::Ping(_) | Message::Pong(_)) => {}
            Some(m) => return m,
            None => panic!("the WebSocket ended"),
        }
    }
}

/// Echoes text and binary (every byte value, sizes around frame and window boundaries),
/// then runs the closing handshake to its end.
fn echo_and_close(mode: Mode, expected: Version) {
    let (server, client, base) = setup(mode);
    let mut ws = client
        .websocket(WebSocketRequest::new(&format!("{base}/ws")).unwrap())
        .unwrap();
    assert_eq!(ws.version(), expected, "{mode:?}");
    assert_eq!(
        ws.status(),
        if expected == Version::Http11 {
            101
        } else {
            200
        }
    );
    assert!(
        ws.deflate().is_some(),
        "{mode:?}: the server accepts deflate"
    );
    ws.send_text("hello ✓").unwrap();
    assert_eq!(next_data(&mut ws), Message::Text("hello ✓".into()));
    for len in [0, 1, 125, 126, 65_535, 65_536, 16_385, (1 << 20) + 1] {
        let data = payload(len);
        ws.send_binary(data.clone()).unwrap();
        match next_data(&mut ws) {
            Message::Binary(b) => assert!(b == data, "{mode:?}: {len} bytes differ"),
            m => panic!("{mode:?}: {m:?}"),
        }
    }
    ws.send(Message::Ping(Bytes::from_static(b"are you there")))
        .unwrap();
    // A timeout past what the clock can hold is no limit (not a panic).
    assert_eq!(
        ws.recv(Wait::Timeout(Duration::MAX)).unwrap(),
        Some(Message::Pong(Bytes::from_static(b"are you there")))
    );
    ws.close(1000, "done").unwrap();
    // The server's reply carries the code (RFC 6455 5.5.1 asks for no more).
    assert!(
        matches!(
            next_data(&mut ws),
            Message::Close {
                code: Some(1000),
                ..
            }
        ),
        "{mode:?}"
    );
    assert_eq!(
        ws.recv(Wait::Timeout(Duration::from_secs(10))).unwrap(),
        None
    );
    assert_eq!(ws.recv(Wait::NoWait).unwrap(), None, "ended stays ended");
    // The client's other requests still work (over HTTP/2, on the same connection).
    let http = base.replacen("ws", "http", 1);
    let mut r = client
        .request(runtime_mio::client::Request::get(&format!("{http}/plain")).unwrap())
        .unwrap();
    assert_eq!(r.body().read_to_end().unwrap(), b"GET /plain");
    if expected == Version::H2 {
        assert_eq!(r.connection_id(), ws.connection_id(), "{mode:?}");
    } else {
        assert_ne!(r.connection_id(), ws.connection_id(), "{mode:?}");
    }
    server.shutdown().unwrap();
}

#[test]
fn echo_over_http1_cleartext() {
    echo_and_close(Mode::H1, Version::Http11);
}

#[test]
fn echo_over_h2c_extended_connect() {
    echo_and_close(Mode::H2c, Version::H2);
}

#[test]
fn echo_over_tls_http1() {
    echo_and_close(Mode::H1Tls, Version::Http11);
}

#[test]
fn echo_over_tls_h2_extended_connect() {
    echo_and_close(Mode::H2Tls, Version::H2);
}

#[test]
fn http2_off_upgrades_an_http1_only_connection() {
    let (server, client, base) = setup(Mode::H2Tls);
    let mut ws = client
        .websocket(
            WebSocketRequest::new(&format!("{base}/ws"))
                .unwrap()
                .http2(false),
        )
        .unwrap();
    assert_eq!(ws.version(), Version::Http11);
    ws.send_text("x").unwrap();
    assert_eq!(next_data(&mut ws), Message::Text("x".into()));
    drop(ws);
    server.shutdown().unwrap();
}

#[test]
fn subprotocol_and_no_deflate() {
    for mode in [Mode::H1, Mode::H2c] {
        let (server, client, base) = setup(mode);
        let ws = client
            .websocket(
                WebSocketRequest::new(&format!("{base}/ws"))
                    .unwrap()
                    .protocols(&["superchat", "v9"])
                    .deflate(None),
            )
            .unwrap();
        assert_eq!(ws.protocol(), Some("superchat"), "{mode:?}");
        assert_eq!(ws.deflate(), None, "{mode:?}");
        server.shutdown().unwrap();
    }
}

#[test]
fn server_initiated_close_is_answered() {
    for mode in [Mode::H1, Mode::H2c] {
        let (server, client, base) = setup(mode);
        let mut ws = client
            .websocket(WebSocketRequest::new(&format!("{base}/ws-bye")).unwrap())
            .unwrap();
        ws.send_text("hi").unwrap();
        assert_eq!(
            next_data(&mut ws),
            Message::Close {
                code: Some(4000),
                reason: "bye now".into()
            }
        );
        assert_eq!(
            ws.recv(Wait::Timeout(Duration::from_secs(10))).unwrap(),
            None
        );
        server.shutdown().unwrap();
    }
}

#[test]
fn refused_handshake_is_a_typed_error() {
    for mode in [Mode::H1, Mode::H2c] {
        let (server, client, base) = setup(mode);
        let e = client
            .websocket(WebSocketRequest::new(&format!("{base}/not-ws")).unwrap())
            .unwrap_err();
        assert!(
            matches!(
                e,
                Error::WebSocket(WebSocketError::Handshake(proto_ws::HandshakeError::Status(
                    403
                )))
            ),
            "{mode:?}: {e:?}"
        );
        server.shutdown().unwrap();
    }
}

#[test]
fn cancel_wakes_a_blocked_recv() {
    for mode in [Mode::H1, Mode::H2c] {
        let (server, client, base) = setup(mode);
        let mut ws = client
            .websocket(WebSocketRequest::new(&format!("{base}/ws")).unwrap())
            .unwrap();
        let cancel = ws.cancel_handle();
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(200));
            cancel.cancel();
        });
        let started = Instant::now();
        let e = ws.recv(Wait::Block).unwrap_err();
        assert!(matches!(e, Error::Cancelled), "{mode:?}: {e:?}");
        assert!(started.elapsed() < Duration::from_secs(10));
        t.join().unwrap();
        server.shutdown().unwrap();
    }
}

#[test]
fn recv_with_no_wait_would_block() {
    let (server, client, base) = setup(Mode::H1);
    let mut ws = client
        .websocket(WebSocketRequest::new(&format!("{base}/ws")).unwrap())
        .unwrap();
    assert!(matches!(ws.recv(Wait::NoWait), Err(Error::WouldBlock)));
    assert!(matches!(
        ws.recv(Wait::Timeout(Duration::from_millis(50))),
        Err(Error::WouldBlock)
    ));
    server.shutdown().unwrap();
}

// --- raw servers ---

/// Reads an HTTP/1.1 request head; returns its lines.
fn read_head(r: &mut BufReader<TcpStream>) -> Vec<String> {
    let mut lines = Vec::new();
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).unwrap() == 0 {
            return lines;
        }
        let line = line.trim_end().to_owned();
        if line.is_empty() {
            return lines;
        }
        lines.push(line);
    }
}

/// Accepts the upgrade in `lines` with a 101 (no extension).
fn accept(stream: &mut TcpStream, lines: &[String]) {
    let key = lines
        .iter()
        .find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.eq_ignore_ascii_case("sec-websocket-key")
                .then(|| v.trim().to_owned())
        })
        .expect("a Sec-WebSocket-Key");
    let accept = proto_ws::accept_key(key.as_bytes());
    write!(
        stream,
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {}\r\n\r\n",
        accept.as_str()
    )
    .unwrap();
}

/// A raw server for one connection, upgraded (101), then `then` on its stream in the
/// server's thread; and a client's WebSocket to it (no deflate).
fn upgraded<T: Send + 'static>(
    then: impl FnOnce(TcpStream) -> T + Send + 'static,
) -> (
    Client,
    runtime_mio::client::WebSocket,
    std::thread::JoinHandle<T>,
) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let peer = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let lines = read_head(&mut BufReader::new(s.try_clone().unwrap()));
        accept(&mut s, &lines);
        then(s)
    });
    let client = Client::new(ClientConfig::default()).unwrap();
    let ws = client
        .websocket(
            WebSocketRequest::new(&format!("ws://127.0.0.1:{port}/"))
                .unwrap()
                .deflate(None),
        )
        .unwrap();
    (client, ws, peer)
}

/// A server whose HTTP/2 does not allow extended CONNECT (an empty SETTINGS frame): the
/// client opens a second, HTTP/1.1-only connection and upgrades it.
#[test]
fn no_extended_connect_falls_back_to_http1() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let peer = std::thread::spawn(move || {
        // Connection 1: HTTP/2 with prior knowledge, SETTINGS without ENABLE_CONNECT_PROTOCOL.
        let (mut h2, _) = listener.accept().unwrap();
        let mut preface = [0u8; 24];
        h2.read_exact(&mut preface).unwrap();
        assert_eq!(&preface, b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
        h2.write_all(&[0, 0, 0, 4, 0, 0, 0, 0, 0]).unwrap();
        // Connection 2: the upgrade.
        let (mut s, _) = listener.accept().unwrap();
        let mut r = BufReader::new(s.try_clone().unwrap());
        let lines = read_head(&mut r);
        accept(&mut s, &lines);
        // One text frame, unmasked: "hi".
        s.write_all(&[0x81, 2, b'h', b'i']).unwrap();
        drop(h2);
        lines
    });
    let client = Client::new(ClientConfig {
        h2_prior_knowledge: true,
        ..ClientConfig::default()
    })
    .unwrap();
    let mut ws = client
        .websocket(
            WebSocketRequest::new(&format!("ws://127.0.0.1:{port}/chat"))
                .unwrap()
                .deflate(None),
        )
        .unwrap();
    assert_eq!(ws.version(), Version::Http11);
    assert_eq!(next_data(&mut ws), Message::Text("hi".into()));
    let lines = peer.join().unwrap();
    assert_eq!(lines[0], "GET /chat HTTP/1.1");
    let has = |name: &str, value: &str| {
        lines.iter().any(|l| {
            l.split_once(':').is_some_and(|(n, v)| {
                n.eq_ignore_ascii_case(name) && v.trim().eq_ignore_ascii_case(value)
            })
        })
    };
    assert!(has("upgrade", "websocket"), "{lines:?}");
    assert!(has("connection", "upgrade"), "{lines:?}");
    assert!(has("sec-websocket-version", "13"), "{lines:?}");
    assert!(
        !lines
            .iter()
            .any(|l| l.to_ascii_lowercase().starts_with("transfer-encoding")),
        "an upgrade request has no body framing: {lines:?}"
    );
    assert_eq!(client.pool_stats().opened, 2);
}

/// Reads what the client sent after the handshake and parses it as a server would.
fn client_frames(s: &mut TcpStream) -> Vec<(Option<u16>, String)> {
    let mut conn = proto_ws::Connection::server(proto_ws::Config::default());
    let mut closes = Vec::new();
    let mut buf = [0u8; 4096];
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    loop {
        let n = match s.read(&mut buf) {
            Ok(0) | Err(_) => return closes,
            Ok(n) => n,
        };
        let mut rest = &buf[..n];
        while !rest.is_empty() {
            let k = conn.recv(rest).unwrap();
            rest = &rest[k..];
            while let Some(ev) = conn.poll_event().unwrap() {
                if let WsEvent::Close { code, reason } = ev {
                    closes.push((code.map(CloseCode::as_u16), reason.to_owned()));
                    return closes;
                }
            }
        }
    }
}

/// A masked frame from the server breaks RFC 6455 5.1: the client fails the connection with
/// Close 1002 and a typed error.
#[test]
fn masked_server_frame_is_closed_with_1002() {
    let (_client, mut ws, peer) = upgraded(|mut s| {
        // A masked text frame "hi" (key 0): servers must not mask.
        s.write_all(&[0x81, 0x82, 0, 0, 0, 0, b'h', b'i']).unwrap();
        client_frames(&mut s)
    });
    let e = ws.recv(Wait::Timeout(Duration::from_secs(10))).unwrap_err();
    assert!(
        matches!(e, Error::WebSocket(WebSocketError::Protocol(_))),
        "{e:?}"
    );
    let closes = peer.join().unwrap();
    assert_eq!(closes.len(), 1, "{closes:?}");
    assert_eq!(closes[0].0, Some(1002));
}

/// A server that drops the connection without the closing handshake: the caller is told,
/// not handed a clean end.
#[test]
fn dropped_connection_is_not_a_clean_close() {
    let (_client, mut ws, peer) = upgraded(|mut s| {
        s.write_all(&[0x82, 3, 1, 2, 3]).unwrap();
    });
    assert_eq!(
        next_data(&mut ws),
        Message::Binary(Bytes::from_static(&[1, 2, 3]))
    );
    peer.join().unwrap();
    let e = ws.recv(Wait::Timeout(Duration::from_secs(10))).unwrap_err();
    assert!(matches!(e, Error::ConnectionClosed), "{e:?}");
}

/// A server that resets the connection once the closing handshake is over (hypercorn's
/// HTTP/2 drops the whole connection there, tests/client_peers.rs): the handshake was
/// complete, so the WebSocket ended cleanly (RFC 6455 7.1.4) and `recv` says `Ok(None)`.
#[test]
fn reset_after_the_closing_handshake_is_a_clean_end() {
    let (_client, mut ws, peer) = upgraded(|mut s| {
        // Close 1000 "bye", unmasked.
        s.write_all(&[0x88, 5, 0x03, 0xe8, b'b', b'y', b'e'])
            .unwrap();
        let closes = client_frames(&mut s);
        // The client's reply came: now a TCP reset instead of a FIN.
        socket2::SockRef::from(&s)
            .set_linger(Some(Duration::ZERO))
            .unwrap();
        drop(s);
        closes
    });
    assert_eq!(
        next_data(&mut ws),
        Message::Close {
            code: Some(1000),
            reason: "bye".into()
        }
    );
    let closes = peer.join().unwrap();
    assert_eq!(
        closes.len(),
        1,
        "the client replied to the Close: {closes:?}"
    );
    assert_eq!(
        ws.recv(Wait::Timeout(Duration::from_secs(10))).unwrap(),
        None
    );
    assert_eq!(ws.recv(Wait::NoWait).unwrap(), None, "ended stays ended");
}

/// A server that sends a message and its Close and closes its side at once, without
/// waiting for the reply (RFC 6455 7.1.1: the server closes first): the client returns the
/// message and the Close, then `Ok(None)`. The reply it could not send does not replace the
/// Close with an error (it did: `ConnectionClosed` right after the message, found by
/// tests/mutated_input.rs).
#[test]
fn close_and_fin_at_once_still_returns_the_close() {
    for _ in 0..5 {
        let (_client, mut ws, peer) = upgraded(|mut s| {
            // After the 101 (its own write), one segment: a text and Close 1000, then FIN.
            s.write_all(&[0x81, 5, b'h', b'e', b'l', b'l', b'o', 0x88, 2, 0x03, 0xe8])
                .unwrap();
            s.shutdown(std::net::Shutdown::Write).unwrap();
            let mut rest = Vec::new();
            let _ = s.read_to_end(&mut rest);
        });
        assert_eq!(next_data(&mut ws), Message::Text("hello".into()));
        assert_eq!(
            ws.recv(Wait::Timeout(Duration::from_secs(10))).unwrap(),
            Some(Message::Close {
                code: Some(1000),
                reason: String::new()
            })
        );
        assert_eq!(
            ws.recv(Wait::Timeout(Duration::from_secs(10))).unwrap(),
            None
        );
        peer.join().unwrap();
    }
}
