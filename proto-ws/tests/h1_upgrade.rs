//! The HTTP/1.1 upgrade end to end through proto-h1 on both sides: the client's handshake
//! request and the server's 101 are written by proto-h1 connections (not around them), the
//! server's answer is byte for byte what [`Accepted::write_response`] describes, the bytes
//! that follow the 101 in the same read reach the WebSocket connection through
//! `Event::Upgrade`, and compressed messages with the negotiated subprotocol travel both ways.

use proto_h1::{ClientConn, ConnConfig, Event as H1Event, Header, ServerConn};
use proto_ws::{
    Accepted, ClientHandshake, Connection, DeflateConfig, Event, Negotiated, ServerOptions,
    accept_request,
};

/// Everything `conn` queued, as one byte string.
fn transmit_ws(conn: &mut Connection) -> Vec<u8> {
    let mut out = Vec::new();
    while conn.wants_write() {
        if let Some(p) = conn.poll_transmit(&mut out) {
            out.extend_from_slice(&p);
        }
    }
    out
}

/// Everything an HTTP/1.1 connection queued, as one byte string.
fn transmit_h1<R>(conn: &mut proto_h1::Conn<R>) -> Vec<u8>
where
    R: proto_h1::Role,
{
    let mut out = Vec::new();
    while conn.wants_write() {
        if let Some(p) = conn.poll_transmit(&mut out) {
            out.extend_from_slice(&p);
        }
    }
    out
}

/// The text messages `ws` makes of `bytes`.
fn texts(ws: &mut Connection, bytes: &[u8]) -> Vec<String> {
    let mut got = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        rest = &rest[ws.recv(rest).unwrap()..];
        while let Some(ev) = ws.poll_event().unwrap() {
            if let Event::Text(t) = ev {
                got.push(t.to_owned());
            }
        }
    }
    got
}

#[test]
fn upgrade_through_proto_h1_with_subprotocol_and_deflate() {
    // Client: the handshake request, written by a proto-h1 client connection.
    let hs = ClientHandshake::with_nonce([7; 16])
        .protocols(&["chat", "superchat"])
        .deflate(Some(DeflateConfig::default()));
    let fields = hs.headers();
    let mut request: Vec<Header<'_>> = vec![Header {
        name: "Host",
        value: b"example.com",
    }];
    request.extend(fields.iter().map(|(n, v)| Header {
        name: n,
        value: v.as_bytes(),
    }));
    let mut client = ClientConn::new(ConnConfig::default());
    client.send_request("GET", "/chat", &request).unwrap();
    client.send_end(&[]).unwrap();
    let wire = transmit_h1(&mut client);

    // Server: proto-h1 parses it, proto-ws accepts it, proto-h1 writes the 101.
    let mut server = ServerConn::new(ConnConfig::default());
    assert_eq!(server.recv(&wire).unwrap(), wire.len());
    let options = ServerOptions {
        protocols: &["superchat", "chat"],
        deflate: Some(DeflateConfig::default()),
    };
    let accepted: Accepted<'_> = match server.poll_event().unwrap() {
        Some(H1Event::Request(head)) => {
            assert_eq!(head.target, "/chat");
            accept_request(
                &options,
                head.method.as_bytes(),
                head.headers().map(|h| (h.name.as_bytes(), h.value)),
            )
            .unwrap()
        }
        other => panic!("expected the upgrade request, got {other:?}"),
    };
    assert_eq!(accepted.protocol, Some("superchat"));
    let response = accepted.headers();
    let response: Vec<Header<'_>> = response
        .iter()
        .map(|(n, v)| Header {
            name: n,
            value: v.as_bytes(),
        })
        .collect();
    server
        .send_response(101, b"Switching Protocols", &response)
        .unwrap();
    let answer = transmit_h1(&mut server);
    let mut expected = Vec::new();
    accepted.write_response(&mut expected);
    assert_eq!(
        String::from_utf8_lossy(&answer),
        String::from_utf8_lossy(&expected)
    );
    // The server's HTTP/1.1 side is done; what comes next belongs to the WebSocket.
    let leftover = loop {
        match server.poll_event().unwrap() {
            Some(H1Event::Upgrade(rest)) => break rest.to_vec(),
            Some(H1Event::End { .. }) => {}
            other => panic!("expected the switch, got {other:?}"),
        }
    };
    assert!(leftover.is_empty());
    let mut ws_server = Connection::server(accepted.config());
    ws_server.send_text("hello from the server").unwrap();
    let mut to_client = answer.clone();
    to_client.extend_from_slice(&transmit_ws(&mut ws_server));

    // Client: proto-h1 reads the 101 and hands over the frame that came in the same read.
    assert_eq!(client.recv(&to_client).unwrap(), to_client.len());
    let negotiated: Negotiated = match client.poll_event().unwrap() {
        Some(H1Event::Response(head)) => hs
            .check_response(
                head.code,
                head.headers().map(|h| (h.name.as_bytes(), h.value)),
            )
            .unwrap(),
        other => panic!("expected the 101, got {other:?}"),
    };
    assert_eq!(negotiated.protocol.as_deref(), Some("superchat"));
    assert!(negotiated.deflate.is_some());
    let after_101 = loop {
        match client.poll_event().unwrap() {
            Some(H1Event::Upgrade(rest)) => break rest.to_vec(),
            Some(H1Event::End { .. }) => {}
            other => panic!("expected the switch, got {other:?}"),
        }
    };
    assert!(
        !after_101.is_empty(),
        "the frame after the 101 is handed over"
    );
    let mut ws_client = Connection::client_predictable(negotiated.config(), 1);
    assert_eq!(texts(&mut ws_client, &after_101), ["hello from the server"]);

    // And back: a compressed, masked message from the client.
    ws_client
        .send_text(&"hello from the client ".repeat(20))
        .unwrap();
    let frame = transmit_ws(&mut ws_client);
    assert!(frame.len() < 200, "compressed: {} bytes", frame.len());
    assert_eq!(
        texts(&mut ws_server, &frame),
        ["hello from the client ".repeat(20)]
    );
}
