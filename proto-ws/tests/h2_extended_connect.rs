//! RFC 8441 (WebSockets over HTTP/2) end to end through proto-h2: an extended CONNECT that
//! offers a subprotocol and permessage-deflate is accepted, the 200 response carries the
//! negotiated fields with lower-case names (HTTP/2 rejects upper-case ones: RFC 9113 section
//! 8.2.1), and compressed messages travel both ways as DATA on the stream.

use bytes::Bytes;
use proto_h2::conn::{Config as H2Config, Connection as H2, Event as H2Event, Request};
use proto_h2::error::UserError;
use proto_h2::frame::StreamId;
use proto_h2::pair::Pair;
use proto_h2::settings::id;
use proto_ws::{
    ClientHandshake, CloseCode, Connection, DeflateConfig, Event, ServerOptions,
    accept_extended_connect,
};
use std::time::Instant;

/// Everything `conn` queued, as one byte string.
fn transmit(conn: &mut Connection) -> Vec<u8> {
    let mut out = Vec::new();
    while conn.wants_write() {
        if let Some(p) = conn.poll_transmit(&mut out) {
            out.extend_from_slice(&p);
        }
    }
    out
}

/// The body bytes received on `stream`.
fn read_all(h2: &mut H2, stream: StreamId) -> Vec<u8> {
    let mut v = Vec::new();
    while let Some(b) = h2.read_data(stream) {
        v.extend_from_slice(&b);
    }
    v
}

/// Feeds `bytes` to `ws` and returns its events as (kind, payload) pairs.
fn events(ws: &mut Connection, bytes: &[u8]) -> Vec<(&'static str, Vec<u8>)> {
    let mut evs = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        rest = &rest[ws.recv(rest).unwrap()..];
        while let Some(ev) = ws.poll_event().unwrap() {
            evs.push(match ev {
                Event::Text(t) => ("text", t.as_bytes().to_vec()),
                Event::Binary(b) => ("binary", b.to_vec()),
                Event::Close { code, .. } => (
                    "close",
                    code.map_or(0, |c| c.as_u16()).to_be_bytes().to_vec(),
                ),
                _ => ("control", Vec::new()),
            });
        }
    }
    evs
}

#[test]
fn extended_connect_with_subprotocol_and_deflate_over_h2() {
    let hs = ClientHandshake::with_nonce([5; 16])
        .protocols(&["chat", "superchat"])
        .deflate(Some(DeflateConfig::default()));
    let list = hs.extended_connect_headers("https", "example.com", "/chat");
    let regular: Vec<(&[u8], &[u8])> = list
        .iter()
        .filter(|(n, _)| !n.starts_with(':'))
        .map(|(n, v)| (n.as_bytes(), v.as_bytes()))
        .collect();
    let req = Request {
        method: b"CONNECT",
        scheme: b"https",
        authority: b"example.com",
        path: b"/chat",
        protocol: Some(b"websocket"),
        headers: &regular,
    };
    let mut server_cfg = H2Config::server();
    server_cfg.settings.push((id::ENABLE_CONNECT_PROTOCOL, 1));
    let mut p = Pair::new(Instant::now(), H2Config::client(), server_cfg);
    p.drive();
    let stream = p.client.send_request(&req, false).unwrap();
    p.drive();

    // The server side: the request as proto-h2 decoded it, accepted by proto-ws.
    let head = p
        .server_events
        .iter()
        .find_map(|e| match e {
            H2Event::Request {
                stream: s, head, ..
            } if *s == stream => Some(head.clone()),
            _ => None,
        })
        .expect("the extended CONNECT arrived");
    let options = ServerOptions {
        protocols: &["superchat", "chat"],
        deflate: Some(DeflateConfig::default()),
    };
    let accepted = accept_extended_connect(
        &options,
        head.method().unwrap(),
        head.protocol(),
        head.headers(),
    )
    .unwrap();
    assert_eq!(accepted.protocol, Some("superchat"));
    assert!(accepted.deflate.is_some());
    assert!(
        accepted.accept.is_none(),
        "no Sec-WebSocket-Accept over HTTP/2"
    );

    // The HTTP/1.1 names (mixed case) are refused by HTTP/2; the h2 ones are not.
    let mixed = accepted.headers();
    let mixed: Vec<(&[u8], &[u8])> = mixed
        .iter()
        .map(|(n, v)| (n.as_bytes(), v.as_bytes()))
        .collect();
    assert!(matches!(
        p.server.send_response(stream, 200, &mixed, false),
        Err(UserError::InvalidField(_))
    ));
    let fields = accepted.h2_headers();
    assert_eq!(
        fields.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
        ["sec-websocket-protocol", "sec-websocket-extensions"]
    );
    let fields: Vec<(&[u8], &[u8])> = fields
        .iter()
        .map(|(n, v)| (n.as_bytes(), v.as_bytes()))
        .collect();
    p.server.send_response(stream, 200, &fields, false).unwrap();
    p.drive();

    // The client side: the 200 and what it negotiated.
    let head = p
        .client_events
        .iter()
        .find_map(|e| match e {
            H2Event::Response {
                stream: s, head, ..
            } if *s == stream => Some(head.clone()),
            _ => None,
        })
        .expect("the 200 arrived");
    assert_eq!(head.status(), Some(200));
    let negotiated = hs
        .check_extended_connect_response(200, head.headers())
        .unwrap();
    assert_eq!(negotiated.protocol.as_deref(), Some("superchat"));
    assert_eq!(negotiated.deflate, accepted.deflate);

    // Messages as DATA on the stream, compressed both ways.
    let mut client = Connection::client_predictable(negotiated.config(), 9);
    let mut server = Connection::server(accepted.config());
    let text = "permessage-deflate over an HTTP/2 stream. ".repeat(50);
    client.send_text(&text).unwrap();
    let wire = transmit(&mut client);
    assert_eq!(wire[0] & 0x40, 0x40, "RSV1: compressed");
    assert!(wire.len() < text.len() / 4, "{} bytes", wire.len());
    p.client
        .send_data(stream, Bytes::from(wire), false)
        .unwrap();
    p.drive();
    let got = events(&mut server, &read_all(&mut p.server, stream));
    assert_eq!(got, [("text", text.as_bytes().to_vec())]);

    let reply: Vec<u8> = (0..20_000u32).map(|i| (i % 7) as u8).collect();
    server.send_binary(&reply).unwrap();
    let wire = transmit(&mut server);
    assert_eq!(wire[0] & 0x40, 0x40, "RSV1: compressed");
    p.server
        .send_data(stream, Bytes::from(wire), false)
        .unwrap();
    p.drive();
    let got = events(&mut client, &read_all(&mut p.client, stream));
    assert_eq!(got, [("binary", reply)]);

    // The close handshake on the same stream.
    client.close(CloseCode::NORMAL, "bye").unwrap();
    p.client
        .send_data(stream, Bytes::from(transmit(&mut client)), false)
        .unwrap();
    p.drive();
    let got = events(&mut server, &read_all(&mut p.server, stream));
    assert_eq!(got, [("close", 1000u16.to_be_bytes().to_vec())]);
    assert!(server.is_closed());
    p.server
        .send_data(stream, Bytes::from(transmit(&mut server)), true)
        .unwrap();
    p.drive();
    let got = events(&mut client, &read_all(&mut p.client, stream));
    assert_eq!(got, [("close", 1000u16.to_be_bytes().to_vec())]);
    assert!(client.is_closed());
    assert!(p.client_error.is_none() && p.server_error.is_none());
}
