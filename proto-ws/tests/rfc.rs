//! RFC 6455 section 5.7 examples, close rules, fragmentation, limits, ping/pong,
//! permessage-deflate through the connection, handshakes.

mod util;

use proto_ws::*;
use util::{Ev, feed, refragment, transmit};

fn server() -> Connection {
    Connection::server(Config::default())
}

fn client() -> Connection {
    Connection::client_predictable(Config::default(), 7)
}

fn all_cuts(conn: fn() -> Connection, wire: &[u8]) -> Vec<Ev> {
    let whole = feed(&mut conn(), wire, &[]);
    for cut in 0..=wire.len() {
        assert_eq!(feed(&mut conn(), wire, &[cut]), whole, "cut at {cut}");
    }
    let every: Vec<usize> = (0..wire.len()).collect();
    assert_eq!(feed(&mut conn(), wire, &every), whole, "byte by byte");
    whole
}

#[test]
fn rfc6455_5_7_examples() {
    // A single-frame unmasked text message.
    let w = [0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f];
    assert_eq!(all_cuts(client, &w), [Ev::Text("Hello".into())]);
    // A single-frame masked text message.
    let w = [
        0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58,
    ];
    assert_eq!(all_cuts(server, &w), [Ev::Text("Hello".into())]);
    // A fragmented unmasked text message.
    let w = [0x01, 0x03, 0x48, 0x65, 0x6c, 0x80, 0x02, 0x6c, 0x6f];
    assert_eq!(all_cuts(client, &w), [Ev::Text("Hello".into())]);
    // Unmasked Ping and masked Pong.
    let w = [0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f];
    assert_eq!(all_cuts(client, &w), [Ev::Ping(b"Hello".to_vec())]);
    let w = [
        0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58,
    ];
    assert_eq!(all_cuts(server, &w), [Ev::Pong(b"Hello".to_vec())]);
    // 256 bytes and 64 KiB binary messages in a single unmasked frame.
    let mut w = vec![0x82, 0x7e, 0x01, 0x00];
    w.extend((0..256).map(|i| i as u8));
    assert_eq!(
        feed(&mut client(), &w, &[3, 100]),
        [Ev::Binary((0..256).map(|i| i as u8).collect())]
    );
    let mut w = vec![0x82, 0x7f, 0, 0, 0, 0, 0, 1, 0, 0];
    w.extend((0..65536).map(|i| (i * 7) as u8));
    assert_eq!(
        feed(&mut client(), &w, &[9, 5000]),
        [Ev::Binary((0..65536).map(|i| (i * 7) as u8).collect())]
    );
}

#[test]
fn ping_queues_pong_itself_and_reports_the_ping() {
    let mut c = client();
    let evs = feed(&mut c, &[0x89, 0x02, b'h', b'i'], &[]);
    assert_eq!(evs, [Ev::Ping(b"hi".to_vec())]);
    assert!(c.wants_write());
    let out = transmit(&mut c);
    assert!(!c.wants_write());
    let evs = feed(&mut server(), &out, &[]);
    assert_eq!(evs, [Ev::Pong(b"hi".to_vec())]);
}

#[test]
fn control_frames_interleave_with_fragments() {
    let mut c = client();
    c.send_fragment(MessageKind::Text, "κό".as_bytes(), false)
        .unwrap();
    c.send_ping(b"p").unwrap();
    c.send_fragment(MessageKind::Text, &"σμε".as_bytes()[..3], false)
        .unwrap();
    c.send_fragment(MessageKind::Text, &"σμε".as_bytes()[3..], true)
        .unwrap();
    let wire = transmit(&mut c);
    let evs = all_cuts(server, &wire);
    assert_eq!(evs, [Ev::Ping(b"p".to_vec()), Ev::Text("κόσμε".into())]);
    assert_eq!(c.send_fragment(MessageKind::Binary, b"x", false), Ok(()));
    assert_eq!(
        c.send_fragment(MessageKind::Text, b"x", true),
        Err(SendError::FragmentOrder)
    );
    assert_eq!(c.send_text("x"), Err(SendError::FragmentOrder));
}

fn close_frame(payload: &[u8]) -> Vec<u8> {
    let mut w = Vec::new();
    encode_frame(
        &FrameHeader::new(OpCode::Close, None, payload.len() as u64),
        payload,
        &mut w,
    );
    w
}

#[test]
fn close_code_table_on_receive() {
    for code in 0..=5001u16 {
        let mut p = code.to_be_bytes().to_vec();
        p.extend_from_slice(b"bye");
        let mut c = client();
        let evs = feed(&mut c, &close_frame(&p), &[]);
        let out = transmit(&mut c);
        if CloseCode::new(code).is_valid_on_wire() {
            assert_eq!(evs, [Ev::Close(Some(code), "bye".into())]);
            // The echo carries the same code.
            assert_eq!(
                feed(&mut server(), &out, &[]),
                [Ev::Close(Some(code), String::new())]
            );
        } else {
            assert_eq!(evs, [Ev::Err(ProtocolError::InvalidCloseCode(code))]);
            assert_eq!(
                feed(&mut server(), &out, &[]),
                [Ev::Close(Some(1002), String::new())]
            );
        }
        assert_eq!(c.state(), State::Closed);
    }
    // Empty close: echoed empty. One byte: 1002. Bad UTF-8 reason: 1007.
    let mut c = client();
    assert_eq!(
        feed(&mut c, &close_frame(&[]), &[]),
        [Ev::Close(None, String::new())]
    );
    let out = transmit(&mut c);
    assert_eq!(out.len(), 6);
    assert_eq!(
        feed(&mut client(), &close_frame(&[3]), &[]),
        [Ev::Err(ProtocolError::CloseTooShort)]
    );
    assert_eq!(
        feed(&mut client(), &close_frame(&[3, 232, 0xff]), &[]),
        [Ev::Err(ProtocolError::InvalidUtf8)]
    );
}

#[test]
fn close_handshake_states_and_nothing_after_close() {
    let mut c = client();
    let mut s = server();
    assert_eq!(c.state(), State::Open);
    assert!(!c.is_closed());
    c.close(CloseCode::NORMAL, "done").unwrap();
    assert_eq!(c.state(), State::Closing);
    assert_eq!(c.send_text("late"), Err(SendError::Closed));
    assert_eq!(c.send_ping(b""), Err(SendError::Closed));
    let wire = transmit(&mut c);
    assert_eq!(
        feed(&mut s, &wire, &[]),
        [Ev::Close(Some(1000), "done".into())]
    );
    assert_eq!(s.state(), State::Closed);
    assert!(s.is_closed());
    let back = transmit(&mut s);
    assert_eq!(s.send_text("late"), Err(SendError::Closed));
    // Anything after the close is refused.
    let mut more = back.clone();
    more.extend_from_slice(&[0x81, 0x01, b'x']);
    assert_eq!(
        feed(&mut c, &more, &[]),
        [Ev::Close(Some(1000), String::new()), Ev::Closed]
    );
    assert_eq!(c.state(), State::Closed);
    assert_eq!(
        c.close(CloseCode::new(1005), ""),
        Err(SendError::InvalidCloseCode(1005))
    );
}

#[test]
fn protocol_errors_pick_their_close_codes() {
    let cases: Vec<(Vec<u8>, ProtocolError, u16)> = vec![
        (vec![0x83, 0x00], ProtocolError::ReservedOpcode(3), 1002),
        (vec![0x8b, 0x00], ProtocolError::ReservedOpcode(11), 1002),
        (vec![0xc1, 0x00], ProtocolError::ReservedBits, 1002),
        (vec![0xa1, 0x00], ProtocolError::ReservedBits, 1002),
        (vec![0x91, 0x00], ProtocolError::ReservedBits, 1002),
        (vec![0x09, 0x00], ProtocolError::ControlFragmented, 1002),
        (
            vec![0x89, 0x7e, 0x00, 0x7e],
            ProtocolError::ControlTooLong(126),
            1002,
        ),
        (
            vec![0x80, 0x00],
            ProtocolError::UnexpectedContinuation,
            1002,
        ),
        (
            vec![0x01, 0x01, b'a', 0x81, 0x00],
            ProtocolError::ExpectedContinuation,
            1002,
        ),
        (
            vec![0x81, 0x02, 0xc3, 0x28],
            ProtocolError::InvalidUtf8,
            1007,
        ),
        (
            vec![0x82, 0x7e, 0x00, 0x10],
            ProtocolError::NonMinimalLength,
            1002,
        ),
        (
            vec![0x81, 0x81, 1, 2, 3, 4, 0],
            ProtocolError::MaskedFrame,
            1002,
        ),
    ];
    for (wire, err, code) in cases {
        let mut c = client();
        assert_eq!(feed(&mut c, &wire, &[]), [Ev::Err(err)], "{wire:x?}");
        assert_eq!(err.close_code().as_u16(), code);
        let out = transmit(&mut c);
        assert_eq!(
            feed(&mut server(), &out, &[]),
            [Ev::Close(Some(code), String::new())]
        );
        // Sticky.
        assert_eq!(feed(&mut c, &[0x81, 0x00], &[]), [Ev::Err(err)]);
    }
    assert_eq!(
        feed(&mut server(), &[0x81, 0x00], &[]),
        [Ev::Err(ProtocolError::UnmaskedFrame)]
    );
}

#[test]
fn invalid_utf8_fails_fast_inside_a_fragmented_message() {
    // First fragment valid, second fragment has an impossible byte; the message never ends.
    let w = [
        0x01, 0x02, b'o', b'k', 0x00, 0x02, 0xf4, 0x90, 0x00, 0x01, b'x',
    ];
    let evs = feed(&mut client(), &w[..8], &[]);
    assert_eq!(evs, [Ev::Err(ProtocolError::InvalidUtf8)]);
    // And within a single frame that has not fully arrived.
    let w = [0x81, 0x7e, 0x01, 0x00, b'a', 0xff];
    assert_eq!(
        feed(&mut client(), &w, &[]),
        [Ev::Err(ProtocolError::InvalidUtf8)]
    );
}

#[test]
fn frame_and_message_limits_close_with_1009() {
    let cfg = Config::default().max_frame_size(100).max_message_size(150);
    let mut c = Connection::client_predictable(cfg, 1);
    let w = [0x82, 0x7e, 0x00, 0x80];
    assert_eq!(
        feed(&mut c, &w, &[]),
        [Ev::Err(ProtocolError::FrameTooLarge {
            limit: 100,
            len: 128
        })]
    );
    let out = transmit(&mut c);
    assert_eq!(
        feed(&mut server(), &out, &[]),
        [Ev::Close(Some(1009), String::new())]
    );
    let mut c = Connection::client_predictable(cfg, 1);
    let mut w = vec![0x02, 100];
    w.extend([0u8; 100]);
    w.extend([0x80, 60]);
    w.extend([0u8; 60]);
    assert_eq!(
        feed(&mut c, &w, &[]),
        [Ev::Err(ProtocolError::MessageTooLarge { limit: 150 })]
    );
}

fn deflate_pair(cfg: DeflateConfig, server_cfg: DeflateConfig) -> (Connection, Connection) {
    let hs = ClientHandshake::with_nonce([7; 16]).deflate(Some(cfg));
    let headers = hs.headers();
    let mut pairs: Vec<(&[u8], &[u8])> = headers
        .iter()
        .map(|(n, v)| (n.as_bytes(), v.as_bytes()))
        .collect();
    pairs.push((b"Host", b"h"));
    let opts = ServerOptions {
        protocols: &[],
        deflate: Some(server_cfg),
    };
    let acc = accept_request(&opts, b"GET", pairs).unwrap();
    let resp = acc.headers();
    let neg = hs
        .check_response(101, resp.iter().map(|(n, v)| (n.as_bytes(), v.as_bytes())))
        .unwrap();
    assert!(neg.deflate.is_some());
    (
        Connection::client_predictable(neg.config(), 3),
        Connection::server(acc.config()),
    )
}

#[test]
fn permessage_deflate_both_ways_fragmented_and_split() {
    let text = "permessage-deflate compresses repeated text well. ".repeat(40);
    for (ccfg, scfg) in [
        (DeflateConfig::default(), DeflateConfig::default()),
        (
            DeflateConfig {
                client_no_context_takeover: true,
                server_no_context_takeover: true,
                server_max_window_bits: Some(9),
                client_max_window_bits: Some(9),
                level: 1,
            },
            DeflateConfig {
                client_max_window_bits: Some(10),
                ..DeflateConfig::default()
            },
        ),
        (
            DeflateConfig {
                server_max_window_bits: Some(8),
                ..DeflateConfig::default()
            },
            DeflateConfig::default(),
        ),
    ] {
        let (mut c, mut s) = deflate_pair(ccfg, scfg);
        for i in 0..5 {
            c.send_text(&text[i..]).unwrap();
            c.send_binary(&text.as_bytes()[..i * 50]).unwrap();
        }
        let wire = transmit(&mut c);
        assert!(wire.len() < text.len() * 2, "compressed");
        assert_ne!(wire[0] & 0x40, 0, "RSV1 set");
        let want: Vec<Ev> = (0..5)
            .flat_map(|i| {
                [
                    Ev::Text(text[i..].to_string()),
                    Ev::Binary(text.as_bytes()[..i * 50].to_vec()),
                ]
            })
            .collect();
        let re = refragment(&wire, 4);
        assert_eq!(feed(&mut s, &re, &[1, 2, 3, 50, 51, 300, 301, 302]), want);
        for i in 0..5 {
            s.send_text(&text[i..]).unwrap();
        }
        let back = transmit(&mut s);
        let want: Vec<Ev> = (0..5).map(|i| Ev::Text(text[i..].to_string())).collect();
        assert_eq!(feed(&mut c, &back, &[5, 17]), want);
    }
}

#[test]
fn deflate_bomb_and_rsv1_without_extension() {
    let (mut c, _) = deflate_pair(DeflateConfig::default(), DeflateConfig::default());
    c.send_binary(&vec![0u8; 4 << 20]).unwrap();
    let wire = transmit(&mut c);
    assert!(wire.len() < 10_000);
    let small = Config::default()
        .max_message_size(1 << 20)
        .deflate(c.config().deflate);
    let mut s = Connection::server(small);
    assert_eq!(
        feed(&mut s, &wire, &[]),
        [Ev::Err(ProtocolError::MessageTooLarge { limit: 1 << 20 })]
    );
    // RSV1 without the extension: 1002.
    assert_eq!(
        feed(&mut server(), &wire, &[]),
        [Ev::Err(ProtocolError::ReservedBits)]
    );
    // RSV1 on a control frame even with the extension.
    let (_, mut s) = deflate_pair(DeflateConfig::default(), DeflateConfig::default());
    let mut w = Vec::new();
    let mut h = FrameHeader::new(OpCode::Ping, Some([1, 2, 3, 4]), 0);
    h.rsv1 = true;
    encode_frame(&h, &[], &mut w);
    assert_eq!(
        feed(&mut s, &w, &[]),
        [Ev::Err(ProtocolError::ReservedBits)]
    );
}

#[test]
fn a_lone_bytes_payload_keeps_wire_order_with_what_follows() {
    // Queued while nothing else is: held on its own, ahead of everything queued after it.
    let mut s = server();
    let payload = bytes::Bytes::from(vec![5u8; 1500]);
    s.send_binary_bytes(payload.clone()).unwrap();
    s.send_ping(b"p").unwrap();
    s.send_binary_bytes(payload.clone()).unwrap();
    s.send_text("t").unwrap();
    let mut out = Vec::new();
    let p = s.poll_transmit(&mut out).expect("the first payload");
    assert_eq!(p.as_ptr(), payload.as_ptr());
    assert_eq!(out, [0x82, 126, 0x05, 0xdc]);
    out.extend_from_slice(&p);
    let p = s.poll_transmit(&mut out).expect("the second payload");
    out.extend_from_slice(&p);
    assert!(s.wants_write());
    assert_eq!(s.poll_transmit(&mut out), None);
    assert!(!s.wants_write());
    assert_eq!(
        feed(&mut client(), &out, &[]),
        [
            Ev::Binary(payload.to_vec()),
            Ev::Ping(b"p".to_vec()),
            Ev::Binary(payload.to_vec()),
            Ev::Text("t".into()),
        ]
    );
    // A lone payload held while the peer's ping arrives: the pong goes after it.
    let mut s = server();
    s.send_binary_bytes(payload.clone()).unwrap();
    let mut ping = Vec::new();
    encode_frame(
        &FrameHeader::new(OpCode::Ping, Some([1, 2, 3, 4]), 2),
        b"hi",
        &mut ping,
    );
    assert_eq!(feed(&mut s, &ping, &[]), [Ev::Ping(b"hi".to_vec())]);
    let mut out = Vec::new();
    let p = s.poll_transmit(&mut out).expect("the payload");
    out.extend_from_slice(&p);
    assert_eq!(s.poll_transmit(&mut out), None);
    assert!(!s.wants_write());
    assert_eq!(
        feed(&mut client(), &out, &[]),
        [Ev::Binary(payload.to_vec()), Ev::Pong(b"hi".to_vec())]
    );
    // After a Close, and inside a fragmented message, refused as before.
    let mut s = server();
    s.close(CloseCode::NORMAL, "").unwrap();
    assert_eq!(s.send_binary_bytes(payload.clone()), Err(SendError::Closed));
    let mut s = server();
    s.send_fragment(MessageKind::Text, b"a", false).unwrap();
    assert_eq!(
        s.send_binary_bytes(payload.clone()),
        Err(SendError::FragmentOrder)
    );
}

#[test]
fn bytes_payload_is_handed_back_for_a_server() {
    let mut s = server();
    let payload = bytes::Bytes::from(vec![9u8; 2000]);
    s.send_ping(b"first").unwrap();
    s.send_binary_bytes(payload.clone()).unwrap();
    s.send_text("after").unwrap();
    s.send_binary_bytes(payload.clone()).unwrap();
    assert!(s.wants_write());
    let mut out = Vec::new();
    // The ping and the second frame's header, then the payload itself (the same memory).
    let p = s.poll_transmit(&mut out).expect("the payload");
    assert_eq!(p.as_ptr(), payload.as_ptr());
    assert_eq!(out.len(), 7 + 4);
    out.extend_from_slice(&p);
    let p = s.poll_transmit(&mut out).expect("the second payload");
    assert_eq!(p.as_ptr(), payload.as_ptr());
    out.extend_from_slice(&p);
    assert!(!s.wants_write());
    assert_eq!(s.poll_transmit(&mut out), None);
    assert_eq!(
        feed(&mut client(), &out, &[]),
        [
            Ev::Ping(b"first".to_vec()),
            Ev::Binary(payload.to_vec()),
            Ev::Text("after".into()),
            Ev::Binary(payload.to_vec()),
        ]
    );
    // Small payloads are copied; a client masks, so it copies too.
    let mut s = server();
    s.send_binary_bytes(bytes::Bytes::from_static(b"tiny"))
        .unwrap();
    let mut out = Vec::new();
    assert_eq!(s.poll_transmit(&mut out), None);
    assert_eq!(out, b"\x82\x04tiny");
    let mut c = client();
    c.send_binary_bytes(payload.clone()).unwrap();
    let mut out = Vec::new();
    assert_eq!(c.poll_transmit(&mut out), None);
    assert_eq!(
        feed(&mut server(), &out, &[]),
        [Ev::Binary(payload.to_vec())]
    );
    // Order rules as for a copied message.
    c.send_fragment(MessageKind::Binary, b"a", false).unwrap();
    assert_eq!(
        c.send_binary_bytes(payload.clone()),
        Err(SendError::FragmentOrder)
    );
}

#[test]
fn recv_only_consumes_up_to_the_receive_buffer() {
    // A 100-byte receive buffer: 50 small frames (350 bytes) are taken 100 bytes at a time,
    // and a one-frame message larger than the buffer is still taken whole.
    let mut c = Connection::client_predictable(Config::default().recv_buffer(100), 1);
    let mut wire = Vec::new();
    for i in 0..50u8 {
        encode_frame(
            &FrameHeader::new(OpCode::Binary, None, 5),
            &[i; 5],
            &mut wire,
        );
    }
    let big = vec![7u8; 1000];
    encode_frame(
        &FrameHeader::new(OpCode::Binary, None, 1000),
        &big,
        &mut wire,
    );
    let mut rest = &wire[..];
    let mut got = Vec::new();
    let mut takes = Vec::new();
    while !rest.is_empty() {
        let n = c.recv(rest).unwrap();
        takes.push(n);
        rest = &rest[n..];
        while let Some(ev) = c.poll_event().unwrap() {
            got.push(util::own(ev));
        }
    }
    assert_eq!(takes[0], 100, "{takes:?}");
    assert!(takes.iter().all(|&n| n <= 1004), "{takes:?}");
    assert_eq!(got.len(), 51);
    assert_eq!(got[50], Ev::Binary(big));
    // Without draining events, recv takes nothing more once the buffer is full.
    let mut c = Connection::client_predictable(Config::default().recv_buffer(100), 1);
    assert_eq!(c.recv(&wire), Ok(100));
    assert_eq!(c.recv(&wire[100..]), Ok(0));
    assert!(matches!(
        c.poll_event(),
        Ok(Some(Event::Binary(b"\0\0\0\0\0")))
    ));
}

#[test]
fn recv_eof_ends_the_connection() {
    let mut s = server();
    assert!(!s.is_closed());
    s.recv_eof();
    assert!(s.is_closed());
    assert_eq!(s.recv(b"x"), Err(Error::Closed));
    assert_eq!(s.send_text("late"), Err(SendError::Closed));
}

fn h(pairs: &[(&'static str, &'static str)]) -> Vec<(&'static [u8], &'static [u8])> {
    pairs
        .iter()
        .map(|(n, v)| (n.as_bytes(), v.as_bytes()))
        .collect()
}

#[test]
fn server_handshake_validation() {
    let good = [
        ("Host", "example.com"),
        ("upgrade", "WebSocket"),
        ("CONNECTION", "keep-alive, UPGRADE"),
        ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
        ("Sec-WebSocket-Version", "13"),
        ("Sec-WebSocket-Protocol", "chat, superchat"),
    ];
    let opts = ServerOptions {
        protocols: &["superchat", "chat"],
        deflate: None,
    };
    let acc = accept_request(&opts, b"GET", h(&good)).unwrap();
    assert_eq!(acc.protocol, Some("superchat"));
    let mut out = Vec::new();
    acc.write_response(&mut out);
    let text = String::from_utf8(out).unwrap();
    assert!(text.starts_with("HTTP/1.1 101 Switching Protocols\r\n"));
    assert!(text.contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"));
    assert!(text.contains("Sec-WebSocket-Protocol: superchat\r\n"));
    assert_eq!(
        accept_request(&opts, b"POST", h(&good)),
        Err(HandshakeError::Method)
    );
    let drop = |i: usize| -> Vec<(&'static [u8], &'static [u8])> {
        h(&good)
            .into_iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .map(|(_, p)| p)
            .collect()
    };
    assert_eq!(
        accept_request(&opts, b"GET", drop(0)),
        Err(HandshakeError::MissingHost)
    );
    assert_eq!(
        accept_request(&opts, b"GET", drop(1)),
        Err(HandshakeError::NotWebSocket)
    );
    assert_eq!(
        accept_request(&opts, b"GET", drop(2)),
        Err(HandshakeError::NoConnectionUpgrade)
    );
    assert_eq!(
        accept_request(&opts, b"GET", drop(3)),
        Err(HandshakeError::BadKey)
    );
    assert_eq!(
        accept_request(&opts, b"GET", drop(4)),
        Err(HandshakeError::UnsupportedVersion)
    );
    let mut v8 = h(&good);
    v8[4].1 = b"8";
    let e = accept_request(&opts, b"GET", v8).unwrap_err();
    assert_eq!(e.status(), 426);
    let mut out = Vec::new();
    e.write_response(&mut out);
    assert!(
        String::from_utf8(out)
            .unwrap()
            .contains("Sec-WebSocket-Version: 13")
    );
    let mut badkey = h(&good);
    badkey[3].1 = b"dG9vIHNob3J0";
    assert_eq!(
        accept_request(&opts, b"GET", badkey),
        Err(HandshakeError::BadKey)
    );
}

#[test]
fn client_handshake_roundtrip_and_response_checks() {
    let hs = ClientHandshake::new(&mut proto_ws::PredictableMask::new(3)).protocols(&["chat"]);
    let mut req = Vec::new();
    hs.write_request("example.com", "/ws", &mut req);
    let req = String::from_utf8(req).unwrap();
    assert!(req.starts_with("GET /ws HTTP/1.1\r\nHost: example.com\r\n"));
    let accept = hs.key().expected_accept();
    let good: Vec<(&[u8], &[u8])> = vec![
        (b"Upgrade", b"websocket"),
        (b"Connection", b"Upgrade"),
        (b"Sec-WebSocket-Accept", accept.as_str().as_bytes()),
        (b"Sec-WebSocket-Protocol", b"chat"),
    ];
    let neg = hs.check_response(101, good.clone()).unwrap();
    assert_eq!(neg.protocol.as_deref(), Some("chat"));
    assert_eq!(
        hs.check_response(200, good.clone()),
        Err(HandshakeError::Status(200))
    );
    let mut bad = good.clone();
    bad[2].1 = b"AAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    assert_eq!(hs.check_response(101, bad), Err(HandshakeError::BadAccept));
    let mut bad = good.clone();
    bad[3].1 = b"other";
    assert_eq!(
        hs.check_response(101, bad),
        Err(HandshakeError::BadProtocol)
    );
    let mut bad = good.clone();
    bad.push((b"Sec-WebSocket-Extensions", b"permessage-deflate"));
    assert_eq!(
        hs.check_response(101, bad),
        Err(HandshakeError::BadExtension)
    );
}

#[test]
fn rfc8441_extended_connect() {
    let hs = ClientHandshake::with_nonce([1; 16]).deflate(Some(DeflateConfig::default()));
    let headers = hs.extended_connect_headers("https", "example.com", "/chat");
    assert_eq!(headers[0], (":method", "CONNECT".to_string()));
    assert_eq!(headers[1], (":protocol", "websocket".to_string()));
    assert!(
        headers
            .iter()
            .all(|(n, _)| *n != "Sec-WebSocket-Key" && n.to_ascii_lowercase() == *n)
    );
    let regular: Vec<(&[u8], &[u8])> = headers
        .iter()
        .filter(|(n, _)| !n.starts_with(':'))
        .map(|(n, v)| (n.as_bytes(), v.as_bytes()))
        .collect();
    let opts = ServerOptions {
        protocols: &[],
        deflate: Some(DeflateConfig::default()),
    };
    let acc =
        accept_extended_connect(&opts, b"CONNECT", Some(b"websocket"), regular.clone()).unwrap();
    assert!(acc.accept.is_none());
    assert!(acc.deflate.is_some());
    assert!(acc.headers().iter().all(|(n, _)| *n != "Upgrade"));
    // HTTP/2 field names are lower-case (RFC 9113 section 8.2.1).
    let h2 = acc.h2_headers();
    assert_eq!(h2.len(), acc.headers().len());
    assert!(h2.iter().all(|(n, _)| n.to_ascii_lowercase() == *n));
    assert_eq!(h2[0].0, "sec-websocket-extensions");
    assert_eq!(
        accept_extended_connect(&opts, b"CONNECT", None, regular.clone()),
        Err(HandshakeError::NotWebSocket)
    );
    assert_eq!(
        accept_extended_connect(&opts, b"GET", Some(b"websocket"), regular),
        Err(HandshakeError::Method)
    );
    let resp = acc.headers();
    let neg = hs
        .check_extended_connect_response(
            200,
            resp.iter().map(|(n, v)| (n.as_bytes(), v.as_bytes())),
        )
        .unwrap();
    assert_eq!(
        neg.deflate,
        acc.deflate.map(|mut d| {
            d.client_no_context_takeover |= false;
            d
        })
    );
    assert_eq!(
        hs.check_extended_connect_response(400, []),
        Err(HandshakeError::Status(400))
    );
}

#[test]
fn masked_frames_unmasked_while_copied_in_decode_as_when_cut_up() {
    // A read that starts with a whole masked frame (2 KiB and more) has that frame's payload
    // unmasked while `recv` copies it in; the events are those of the same bytes in pieces.
    let text = "wörld κόσμε 世界 🦀 ".repeat(200);
    let bin: Vec<u8> = (0..70_000u32).map(|i| (i * 7) as u8).collect();
    let key = [0x37, 0xfa, 0x21, 0x3d];
    let mut wire = Vec::new();
    encode_frame(
        &FrameHeader::new(OpCode::Text, Some(key), text.len() as u64),
        text.as_bytes(),
        &mut wire,
    );
    encode_frame(
        &FrameHeader::new(OpCode::Ping, Some(key), 3),
        b"abc",
        &mut wire,
    );
    encode_frame(
        &FrameHeader::new(OpCode::Binary, Some(key), bin.len() as u64),
        &bin,
        &mut wire,
    );
    encode_frame(
        &FrameHeader::new(OpCode::Binary, Some(key), 2049),
        &bin[..2049],
        &mut wire,
    );
    let want = vec![
        Ev::Text(text.clone()),
        Ev::Ping(b"abc".to_vec()),
        Ev::Binary(bin.clone()),
        Ev::Binary(bin[..2049].to_vec()),
    ];
    assert_eq!(feed(&mut server(), &wire, &[]), want);
    let cuts: Vec<usize> = (1..wire.len()).step_by(997).collect();
    assert_eq!(feed(&mut server(), &wire, &cuts), want);
    // Each frame in its own read, and with a receive buffer smaller than the frames.
    let mut s = Connection::server(Config::default().recv_buffer(1024));
    let ends = [
        text.len() + 4 + 4,
        text.len() + 8 + 9,
        wire.len() - 2049 - 8,
    ];
    assert_eq!(feed(&mut s, &wire, &ends), want);
    // Invalid UTF-8 in a text frame unmasked on the way in: the same error and close code.
    let mut bad = text.clone().into_bytes();
    bad[1500] = 0xff;
    let mut wire = Vec::new();
    encode_frame(
        &FrameHeader::new(OpCode::Text, Some(key), bad.len() as u64),
        &bad,
        &mut wire,
    );
    let mut s = server();
    assert_eq!(
        feed(&mut s, &wire, &[]),
        [Ev::Err(ProtocolError::InvalidUtf8)]
    );
    assert_eq!(transmit(&mut s), [0x88, 0x02, 0x03, 0xef]);
}
