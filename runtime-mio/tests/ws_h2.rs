//! WebSocket over HTTP/2 (RFC 8441) against the server over TCP: proto-h2's client opens
//! extended CONNECT streams and proto-ws's client speaks WebSocket on them. Also the
//! subprotocol choice on HTTP/1.1 and the close-handshake timeout on both.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use bytes::Bytes;
use proto_h2::conn::Request as H2Request;
use proto_h2::frame::{ErrorCode, StreamId};
use proto_ws::{ClientHandshake, CloseCode, Connection as Ws, DeflateConfig, Event as WsEvent};
use runtime_mio::server::{Request, Response, Server, ServerConfig, WsMessage};
use runtime_mio::timer::Timeout;

/// `/ws`: echo, speaking `chat` and `superchat`; the message `boom` makes it panic (the
/// server then sends Close 1011 and waits for the peer's). Anything else: `METHOD path`.
fn handler(req: &Request) -> Response {
    match req.path() {
        "/ws" => Response::websocket(|m| match &m {
            WsMessage::Text(t) if t == "boom" => panic!("handler panic (expected by the test)"),
            WsMessage::Text(t) if t == "bye" => {
                vec![
                    WsMessage::close(4000, "bye now"),
                    WsMessage::Text("lost".into()),
                ]
            }
            WsMessage::Text(t) if t == "bad-close" => vec![WsMessage::close(1005, &"é".repeat(70))],
            WsMessage::Close { code, reason } => {
                PEER_CLOSES.lock().unwrap().push((*code, reason.clone()));
                vec![m]
            }
            _ => vec![m],
        })
        .with_protocols(&["chat", "superchat"]),
        p => Response::text(200, format!("{} {p}", req.method())),
    }
}

/// The peers' Close frames as the `/ws` handler received them.
static PEER_CLOSES: std::sync::Mutex<Vec<(u16, String)>> = std::sync::Mutex::new(Vec::new());

fn start(ws_close: Duration) -> Server {
    let mut config = ServerConfig {
        threads: 1,
        ..ServerConfig::default()
    };
    config.timeouts.ws_close = Timeout::After(ws_close);
    Server::bind("127.0.0.1:0".parse().unwrap(), config, handler).unwrap()
}

/// Everything `ws` has queued, as bytes.
fn ws_out(ws: &mut Ws) -> Vec<u8> {
    let mut out = Vec::new();
    while ws.wants_write() {
        if let Some(p) = ws.poll_transmit(&mut out) {
            out.extend_from_slice(&p);
        }
    }
    out
}

#[path = "support/h2_client.rs"]
mod h2_client;
use h2_client::H2Client;

/// proto-h2's client (h2c) on a socket read for 10 ms at a time, once the server's SETTINGS
/// allow extended CONNECT.
fn connect(server: &Server) -> H2Client {
    let mut c = H2Client::connect(server.local_addr(), Duration::from_millis(10));
    c.until("the server's SETTINGS", |c| {
        c.conn.remote_settings().enable_connect_protocol
    });
    c
}

/// The WebSocket streams (RFC 8441) of the tests' HTTP/2 client.
impl H2Client {
    /// Opens an extended CONNECT for `/ws` offering `protocols` and permessage-deflate;
    /// waits for the answer and returns the stream, the status and the WebSocket client.
    fn websocket(&mut self, protocols: &[&str], seed: u64) -> (StreamId, u16, Ws, Option<String>) {
        self.websocket_with(protocols, seed, Some(DeflateConfig::default()))
    }

    /// [`websocket`](Self::websocket), offering `deflate` (or no compression).
    fn websocket_with(
        &mut self,
        protocols: &[&str],
        seed: u64,
        deflate: Option<DeflateConfig>,
    ) -> (StreamId, u16, Ws, Option<String>) {
        let hs = ClientHandshake::with_nonce([seed as u8; 16])
            .protocols(protocols)
            .deflate(deflate);
        let authority = self.authority.clone();
        let list = hs.extended_connect_headers("http", &authority, "/ws");
        let regular: Vec<(&[u8], &[u8])> = list
            .iter()
            .filter(|(n, _)| !n.starts_with(':'))
            .map(|(n, v)| (n.as_bytes(), v.as_bytes()))
            .collect();
        let req = H2Request {
            method: b"CONNECT",
            scheme: b"http",
            authority: authority.as_bytes(),
            path: b"/ws",
            protocol: Some(b"websocket"),
            headers: &regular,
        };
        let id = self.conn.send_request(&req, false).unwrap();
        self.until("the extended CONNECT's answer", |c| {
            c.got
                .get(&id.value())
                .is_some_and(|o| o.status.is_some() || o.reset.is_some())
        });
        let o = &self.got[&id.value()];
        let (status, fields) = (o.status.unwrap(), o.fields.clone());
        let negotiated = hs
            .check_extended_connect_response(
                status,
                fields.iter().map(|(n, v)| (n.as_slice(), v.as_slice())),
            )
            .unwrap();
        let ws = Ws::client_predictable(negotiated.config(), seed);
        (id, status, ws, negotiated.protocol)
    }

    /// Sends what `ws` queued on stream `id`.
    fn send_ws(&mut self, id: StreamId, ws: &mut Ws) {
        let out = ws_out(ws);
        let n = self
            .conn
            .send_data(id, Bytes::from(out.clone()), false)
            .unwrap();
        assert_eq!(n, out.len());
    }

    /// Feeds stream `id`'s data from `seen` into `ws`; returns its events.
    fn ws_events(&self, id: StreamId, ws: &mut Ws, seen: &mut usize) -> Vec<String> {
        let data = self.got.get(&id.value()).map_or(&[][..], |o| &o.body);
        let mut evs = Vec::new();
        while *seen < data.len() {
            *seen += ws.recv(&data[*seen..]).unwrap();
            while let Some(ev) = ws.poll_event().unwrap() {
                evs.push(match ev {
                    WsEvent::Text(t) => format!("text:{t}"),
                    WsEvent::Binary(b) => format!("binary:{}", b.len()),
                    WsEvent::Close { code, .. } => {
                        format!("close:{}", code.map_or(0, |c| c.as_u16()))
                    }
                    _ => "control".to_owned(),
                });
            }
        }
        evs
    }

    /// Turns until `ws` on stream `id` has produced `n` events; returns them.
    fn ws_wait(&mut self, id: StreamId, ws: &mut Ws, seen: &mut usize, n: usize) -> Vec<String> {
        let mut evs = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(10);
        while evs.len() < n {
            assert!(Instant::now() < deadline, "timed out: {evs:?}");
            self.turn();
            evs.extend(self.ws_events(id, ws, seen));
        }
        evs
    }
}

/// Text and binary echo with permessage-deflate and a subprotocol, then the close handshake,
/// all on one HTTP/2 stream.
#[test]
fn h2_websocket_echo_deflate_subprotocol_and_close() {
    let server = start(Duration::from_secs(5));
    let mut c = connect(&server);
    let (id, status, mut ws, protocol) = c.websocket(&["other", "superchat", "chat"], 3);
    assert_eq!(status, 200);
    // The server's preference wins among what the client offers.
    assert_eq!(protocol.as_deref(), Some("chat"));
    assert!(
        ws.config().deflate.is_some(),
        "permessage-deflate negotiated"
    );
    let mut seen = 0;
    let text = "permessage-deflate over an HTTP/2 stream. ".repeat(100);
    ws.send_text(&text).unwrap();
    let wire = ws_out(&mut ws);
    assert_eq!(wire[0] & 0x40, 0x40, "RSV1: compressed");
    c.conn.send_data(id, Bytes::from(wire), false).unwrap();
    let evs = c.ws_wait(id, &mut ws, &mut seen, 1);
    assert_eq!(evs, [format!("text:{text}")]);
    // The echo came back compressed too.
    let back = &c.got[&id.value()].body;
    assert_eq!(back[0] & 0x40, 0x40, "RSV1 on the server's frame");
    assert!(back.len() < text.len() / 4, "{} bytes", back.len());

    let bin: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    ws.send_binary(&bin).unwrap();
    c.send_ws(id, &mut ws);
    let evs = c.ws_wait(id, &mut ws, &mut seen, 1);
    assert_eq!(evs, [format!("binary:{}", bin.len())]);

    ws.close(CloseCode::NORMAL, "bye").unwrap();
    c.send_ws(id, &mut ws);
    let evs = c.ws_wait(id, &mut ws, &mut seen, 1);
    assert_eq!(evs, ["close:1000"]);
    assert!(ws.is_closed());
    // The server ends its side of the stream after its Close.
    c.until("the stream's end", |c| c.ended(id.value()));
    assert!(
        c.got[&id.value()]
            .reset
            .is_none_or(|r| r == ErrorCode::NO_ERROR)
    );
    // The connection goes on.
    let g = c.get("/after");
    c.until("the response", |c| c.ended(g.value()));
    assert_eq!(c.got[&g.value()].body, b"GET /after");
    drop(c);
    server.shutdown().unwrap();
}

/// Several WebSocket streams and ordinary requests multiplexed on one connection.
#[test]
fn h2_websockets_and_requests_multiplexed() {
    let server = start(Duration::from_secs(5));
    let mut c = connect(&server);
    let mut sockets = Vec::new();
    for i in 0..4u64 {
        let (id, status, ws, _) = c.websocket(&[], 10 + i);
        assert_eq!(status, 200);
        sockets.push((id, ws, 0usize));
    }
    let gets: Vec<StreamId> = (0..4).map(|i| c.get(&format!("/plain/{i}"))).collect();
    for round in 0..3 {
        for (k, (id, ws, _)) in sockets.iter_mut().enumerate() {
            ws.send_text(&format!("socket {k} round {round}")).unwrap();
            let out = ws_out(ws);
            c.conn.send_data(*id, Bytes::from(out), false).unwrap();
        }
    }
    for (k, (id, ws, seen)) in sockets.iter_mut().enumerate() {
        let evs = c.ws_wait(*id, ws, seen, 3);
        let want: Vec<String> = (0..3)
            .map(|r| format!("text:socket {k} round {r}"))
            .collect();
        assert_eq!(evs, want);
    }
    c.until("the responses", |c| gets.iter().all(|g| c.ended(g.value())));
    for (i, g) in gets.iter().enumerate() {
        assert_eq!(c.got[&g.value()].status, Some(200));
        assert_eq!(c.got[&g.value()].body, format!("GET /plain/{i}").as_bytes());
    }
    // Closing one WebSocket leaves the others open.
    let (id0, ws0, seen0) = &mut sockets[0];
    ws0.close(CloseCode::NORMAL, "").unwrap();
    let (id0, mut ws0c) = (
        *id0,
        std::mem::replace(ws0, Ws::client_predictable(Default::default(), 0)),
    );
    c.send_ws(id0, &mut ws0c);
    assert_eq!(c.ws_wait(id0, &mut ws0c, seen0, 1), ["close:1000"]);
    let (id1, ws1, seen1) = &mut sockets[1];
    ws1.send_binary(b"still here").unwrap();
    let id1 = *id1;
    let out = ws_out(ws1);
    c.conn.send_data(id1, Bytes::from(out), false).unwrap();
    assert_eq!(c.ws_wait(id1, ws1, seen1, 1), ["binary:10"]);
    drop(c);
    server.shutdown().unwrap();
}

/// Backpressure on a WebSocket stream: a peer that sends but does not read the echoes is held
/// back by flow control (the server stops reading once its send queue is full), and all
/// goes through once it reads again.
#[test]
fn h2_websocket_backpressure_through_flow_control() {
    let server = start(Duration::from_secs(5));
    let mut c = connect(&server);
    let (id, _, mut ws, _) = c.websocket(&[], 21);
    c.unread.push(id.value());
    // Pseudo-random bytes, new for every message: deflate (which would find a repeated
    // message in its window) does not shrink them, so the volume is real.
    let mut x = 0x9e37_79b9u32;
    let mut next_msg = move || -> Vec<u8> {
        (0..16_384)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                x as u8
            })
            .collect()
    };
    let msg_len = 16_384;
    let mut sent_msgs = 0usize;
    let mut left = Bytes::new();
    let mut stuck_since: Option<Instant> = None;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        assert!(Instant::now() < deadline, "never held back");
        if left.is_empty() {
            ws.send_binary(&next_msg()).unwrap();
            left = Bytes::from(ws_out(&mut ws));
            sent_msgs += 1;
        }
        let n = c.conn.send_data(id, left.clone(), false).unwrap();
        left = left.slice(n..);
        if !left.is_empty() || sent_msgs.is_multiple_of(16) {
            c.turn();
        }

        if n == 0 && !c.conn.wants_write() {
            let since = *stuck_since.get_or_insert_with(Instant::now);
            if since.elapsed() > Duration::from_millis(300) {
                break;
            }
        } else {
            stuck_since = None;
        }
    }
    let held_at = sent_msgs;
    // The stream's windows (1 MiB each way here) and the server's bounded send queue
    // (400 KiB) are what is in flight: a few MiB, not everything that was offered.
    assert!(
        held_at * msg_len < 8 << 20,
        "held back only after {held_at} messages"
    );
    // Reading again lets everything through: every message comes back.
    c.unread.clear();
    for _ in 0..2 {
        c.turn();
    }
    let mut seen = 0;
    let mut got = 0;
    let deadline = Instant::now() + Duration::from_secs(20);
    while got < sent_msgs {
        assert!(Instant::now() < deadline, "{got} of {sent_msgs} echoed");
        if !left.is_empty() {
            let n = c.conn.send_data(id, left.clone(), false).unwrap();
            left = left.slice(n..);
        }
        // Credit for what was left unread earlier.
        c.read(id);
        c.turn();
        for ev in c.ws_events(id, &mut ws, &mut seen) {
            assert_eq!(ev, format!("binary:{msg_len}"));
            got += 1;
        }
    }
    assert_eq!(got, held_at);
    drop(c);
    server.shutdown().unwrap();
}

/// A WebSocket route asked with a plain GET over HTTP/2 (no extended CONNECT) gets 400.
#[test]
fn h2_websocket_route_without_extended_connect_gets_400() {
    let server = start(Duration::from_secs(5));
    let mut c = connect(&server);
    let g = c.get("/ws");
    c.until("the response", |c| c.ended(g.value()));
    assert_eq!(c.got[&g.value()].status, Some(400));
    drop(c);
    server.shutdown().unwrap();
}

/// After the server sent a Close, a peer that never answers it has `ws_close`; then its
/// stream is reset with CANCEL (and the connection's other streams go on).
#[test]
fn h2_websocket_close_timeout_resets_the_stream() {
    let server = start(Duration::from_millis(300));
    let mut c = connect(&server);
    let (id, _, mut ws, _) = c.websocket(&[], 5);
    let (other, _, mut ws2, _) = c.websocket(&[], 6);
    ws.send_text("boom").unwrap();
    // The server's clock for the turn that reads `boom` (and queues its Close) is later
    // than this.
    let sent_boom = Instant::now();
    c.send_ws(id, &mut ws);
    let mut seen = 0;
    assert_eq!(c.ws_wait(id, &mut ws, &mut seen, 1), ["close:1011"]);
    // We never answer the Close (the client engine queued its reply: it is dropped).
    let _ = ws_out(&mut ws);
    c.until("the reset", |c| {
        c.got.get(&id.value()).is_some_and(|o| o.reset.is_some())
    });
    let waited = sent_boom.elapsed();
    assert_eq!(c.got[&id.value()].reset, Some(ErrorCode::CANCEL));
    assert!(waited >= Duration::from_millis(300), "{waited:?}");
    assert!(waited < Duration::from_secs(3), "{waited:?}");
    // The other WebSocket still echoes.
    let mut seen2 = 0;
    ws2.send_text("alive").unwrap();
    c.send_ws(other, &mut ws2);
    assert_eq!(c.ws_wait(other, &mut ws2, &mut seen2, 1), ["text:alive"]);
    drop(c);
    server.shutdown().unwrap();
}

/// HTTP/1.1 upgrade: sends the handshake offering `protocols`; returns the response head,
/// the negotiated client connection and the socket.
fn h1_upgrade(server: &Server, protocols: &[&str]) -> (String, Ws, TcpStream) {
    let mut sock = TcpStream::connect(server.local_addr()).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let hs = ClientHandshake::with_nonce([4; 16]).protocols(protocols);
    let mut out = Vec::new();
    hs.write_request("localhost", "/ws", &mut out);
    sock.write_all(&out).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let end = loop {
        let n = sock.read(&mut buf).unwrap();
        assert!(n > 0);
        got.extend_from_slice(&buf[..n]);
        if let Some(i) = got.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    assert_eq!(end, got.len(), "nothing after the 101 yet");
    let head = String::from_utf8_lossy(&got).into_owned();
    let fields: Vec<(&[u8], &[u8])> = head
        .split("\r\n")
        .skip(1)
        .filter_map(|l| l.split_once(": "))
        .map(|(n, v)| (n.as_bytes(), v.as_bytes()))
        .collect();
    let negotiated = hs.check_response(101, fields).unwrap();
    let ws = Ws::client_predictable(negotiated.config(), 8);
    (head, ws, sock)
}

/// The subprotocol choice on HTTP/1.1: the server's first that the client offers; none when
/// nothing matches (the upgrade still succeeds).
#[test]
fn h1_websocket_subprotocol_choice() {
    let server = start(Duration::from_secs(5));
    let (head, _, _) = h1_upgrade(&server, &["superchat", "chat"]);
    assert!(head.starts_with("HTTP/1.1 101 "), "{head}");
    assert!(head.contains("Sec-WebSocket-Protocol: chat\r\n"), "{head}");
    let (head, _, _) = h1_upgrade(&server, &["superchat"]);
    assert!(
        head.contains("Sec-WebSocket-Protocol: superchat\r\n"),
        "{head}"
    );
    let (head, _, _) = h1_upgrade(&server, &["mqtt"]);
    assert!(head.starts_with("HTTP/1.1 101 "), "{head}");
    assert!(!head.contains("Sec-WebSocket-Protocol"), "{head}");
    server.shutdown().unwrap();
}

/// HTTP/1.1: after the server's Close, a peer that never answers is dropped after
/// `ws_close`.
#[test]
fn h1_websocket_close_timeout_drops_the_connection() {
    let server = start(Duration::from_millis(300));
    let (_, mut ws, mut sock) = h1_upgrade(&server, &[]);
    ws.send_text("boom").unwrap();
    let start = Instant::now();
    sock.write_all(&ws_out(&mut ws)).unwrap();
    let mut buf = [0u8; 4096];
    let mut closed_by_server = None;
    loop {
        let n = sock.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        let mut off = 0;
        while off < n {
            off += ws.recv(&buf[off..n]).unwrap();
            while let Some(ev) = ws.poll_event().unwrap() {
                if let WsEvent::Close { code, .. } = ev {
                    closed_by_server = code.map(|c| c.as_u16());
                }
            }
        }
    }
    let waited = start.elapsed();
    // We never answered the Close (1011, the handler panicked).
    assert_eq!(closed_by_server, Some(1011));
    assert!(waited >= Duration::from_millis(300), "{waited:?}");
    assert!(waited < Duration::from_secs(5), "{waited:?}");
    server.shutdown().unwrap();
}

/// Reads `sock` into `ws` until the server closes the connection; returns the Close the
/// server sent (code, reason) and the text messages before it.
fn h1_read_to_close(ws: &mut Ws, sock: &mut TcpStream) -> (Option<(u16, String)>, Vec<String>) {
    let mut buf = [0u8; 4096];
    let mut close = None;
    let mut texts = Vec::new();
    loop {
        let n = sock.read(&mut buf).unwrap();
        if n == 0 {
            return (close, texts);
        }
        let mut off = 0;
        while off < n {
            off += ws.recv(&buf[off..n]).unwrap();
            while let Some(ev) = ws.poll_event().unwrap() {
                match ev {
                    WsEvent::Close { code, reason } => {
                        close = Some((code.map_or(0, |c| c.as_u16()), reason.to_owned()));
                    }
                    WsEvent::Text(t) => texts.push(t.to_owned()),
                    _ => {}
                }
            }
        }
        // Our answer to the server's Close (queued by the engine).
        sock.write_all(&ws_out(ws)).unwrap();
    }
}

/// A handler that returns a Close: the server sends it (and nothing the handler put after
/// it), the client answers, the server closes the connection at once (not after ws_close).
#[test]
fn h1_websocket_handler_closes() {
    let server = start(Duration::from_secs(20));
    let (_, mut ws, mut sock) = h1_upgrade(&server, &[]);
    ws.send_text("hello").unwrap();
    ws.send_text("bye").unwrap();
    sock.write_all(&ws_out(&mut ws)).unwrap();
    let t0 = Instant::now();
    let (close, texts) = h1_read_to_close(&mut ws, &mut sock);
    assert_eq!(close, Some((4000, "bye now".to_owned())));
    assert_eq!(texts, ["hello"]);
    assert!(t0.elapsed() < Duration::from_secs(10), "{:?}", t0.elapsed());

    // An unsendable code goes out as 1011, a reason too long for the frame is cut at a
    // character boundary (61 two-byte characters: 122 bytes).
    let (_, mut ws, mut sock) = h1_upgrade(&server, &[]);
    ws.send_text("bad-close").unwrap();
    sock.write_all(&ws_out(&mut ws)).unwrap();
    let (close, _) = h1_read_to_close(&mut ws, &mut sock);
    assert_eq!(close, Some((1011, "é".repeat(61))));
    server.shutdown().unwrap();
}

/// The same over an HTTP/2 stream; the connection carries on.
#[test]
fn h2_websocket_handler_closes() {
    let server = start(Duration::from_secs(20));
    let mut c = connect(&server);
    let (id, status, mut ws, _) = c.websocket(&[], 5);
    assert_eq!(status, 200);
    let mut seen = 0;
    ws.send_text("bye").unwrap();
    c.send_ws(id, &mut ws);
    let evs = c.ws_wait(id, &mut ws, &mut seen, 1);
    assert_eq!(evs, ["close:4000"]);
    // Our answer; the server ends the stream.
    c.send_ws(id, &mut ws);
    c.until("the stream's end", |c| c.ended(id.value()));
    let g = c.get("/after");
    c.until("the response", |c| c.ended(g.value()));
    assert_eq!(c.got[&g.value()].body, b"GET /after");
    drop(c);
    server.shutdown().unwrap();
}

/// The peer's Close reaches the handler with its code and reason.
#[test]
fn h1_websocket_peer_close_reaches_the_handler() {
    let server = start(Duration::from_secs(20));
    let (_, mut ws, mut sock) = h1_upgrade(&server, &[]);
    ws.close(CloseCode::new(4321), "client leaves").unwrap();
    sock.write_all(&ws_out(&mut ws)).unwrap();
    let (close, _) = h1_read_to_close(&mut ws, &mut sock);
    assert_eq!(close.map(|c| c.0), Some(4321));
    let closes = PEER_CLOSES.lock().unwrap();
    assert!(
        closes.contains(&(4321, "client leaves".to_owned())),
        "{closes:?}"
    );
    drop(closes);
    server.shutdown().unwrap();
}

/// Uncompressed messages small and large (a large payload goes to the HTTP/2 engine in DATA
/// of its own, not copied behind its frame head) echo byte for byte, in order.
#[test]
fn h2_websocket_uncompressed_echo_is_byte_exact() {
    let server = start(Duration::from_secs(5));
    let mut c = connect(&server);
    let (id, status, mut ws, _) = c.websocket_with(&[], 9, None);
    assert_eq!(status, 200);
    assert!(ws.config().deflate.is_none());
    let sizes = [0usize, 1, 125, 4095, 4096, 65_535, 65_536, 300_001];
    let messages: Vec<Vec<u8>> = sizes
        .iter()
        .map(|&n| {
            (0..n)
                .map(|i| (i as u32).wrapping_mul(2_654_435_761).to_le_bytes()[2])
                .collect()
        })
        .collect();
    for m in &messages {
        ws.send_binary(m).unwrap();
    }
    c.send_ws(id, &mut ws);
    let mut got: Vec<Vec<u8>> = Vec::new();
    let mut seen = 0;
    let deadline = Instant::now() + Duration::from_secs(20);
    while got.len() < messages.len() {
        assert!(
            Instant::now() < deadline,
            "timed out after {} messages",
            got.len()
        );
        c.turn();
        let data = c.got.get(&id.value()).map_or(&[][..], |o| &o.body);
        while seen < data.len() {
            seen += ws.recv(&data[seen..]).unwrap();
            while let Some(ev) = ws.poll_event().unwrap() {
                if let WsEvent::Binary(b) = ev {
                    got.push(b.to_vec());
                }
            }
        }
    }
    assert!(got == messages, "an echoed message differs");
    drop(c);
    server.shutdown().unwrap();
}

/// An HTTP/2 connection without a stream for a second gives back its buffers and HPACK rings
/// (`Connection::shrink`); it keeps serving, its HPACK state intact, before and after.
#[test]
fn h2_connection_serves_after_its_idle_shrink() {
    let server = start(Duration::from_secs(5));
    let mut c = connect(&server);
    for (i, pause) in [0u64, 1300, 50, 1300].into_iter().enumerate() {
        std::thread::sleep(Duration::from_millis(pause));
        let path = format!("/after-idle/{i}");
        let g = c.get(&path);
        c.until("the response", |c| c.ended(g.value()));
        assert_eq!(c.got[&g.value()].body, format!("GET {path}").as_bytes());
    }
    // A WebSocket after the shrink too.
    let (id, status, mut ws, _) = c.websocket(&[], 11);
    assert_eq!(status, 200);
    let mut seen = 0;
    ws.send_text("after the shrink").unwrap();
    c.send_ws(id, &mut ws);
    assert_eq!(
        c.ws_wait(id, &mut ws, &mut seen, 1),
        ["text:after the shrink"]
    );
    drop(c);
    server.shutdown().unwrap();
}
