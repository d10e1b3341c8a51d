//! Any configuration a caller can write, however odd (frame and message limits of 0, 1 or the
//! largest integers, a receive buffer of 0 or `usize::MAX`, permessage-deflate parameters with
//! window bits inside and outside 8..=15, either context takeover, any level), on either side,
//! agreeing or not: an exchange of text, binary, fragmented and compressed messages, pings and
//! a close ends with events or typed errors, never a panic, and every byte either side puts on
//! the wire is a valid frame that a generous peer with the sender's parameters accepts.

mod util;

use proptest::prelude::*;
use proto_ws::*;
use util::{Ev, refragment};

/// A value at an edge, large ones (where an exchange can succeed) as often as small ones.
fn edgy_usize() -> impl Strategy<Value = usize> {
    prop_oneof![
        prop_oneof![
            Just(0usize),
            Just(1),
            Just(125),
            Just(126),
            Just(65_535),
            Just(65_536)
        ],
        prop_oneof![Just(1usize << 20), Just(usize::MAX / 2), Just(usize::MAX)],
    ]
}

fn edgy_u64() -> impl Strategy<Value = u64> {
    prop_oneof![
        prop_oneof![Just(0u64), Just(1), Just(125), Just(65_536)],
        prop_oneof![Just(1u64 << 20), Just(u64::MAX >> 1), Just(u64::MAX)],
    ]
}

fn bits() -> impl Strategy<Value = u8> {
    prop_oneof![
        Just(0u8),
        Just(1),
        Just(7),
        Just(8),
        Just(9),
        Just(12),
        Just(15),
        Just(16),
        Just(u8::MAX)
    ]
}

fn params() -> impl Strategy<Value = DeflateParams> {
    (
        any::<bool>(),
        any::<bool>(),
        bits(),
        bits(),
        prop_oneof![Just(0u32), Just(1), Just(9), Just(10), Just(u32::MAX)],
    )
        .prop_map(|(snct, cnct, sb, cb, level)| DeflateParams {
            server_no_context_takeover: snct,
            client_no_context_takeover: cnct,
            server_max_window_bits: sb,
            client_max_window_bits: cb,
            level,
        })
}

fn config() -> impl Strategy<Value = Config> {
    (
        edgy_u64(),
        edgy_usize(),
        edgy_usize(),
        proptest::option::of(params()),
    )
        .prop_map(|(frame, message, recv, deflate)| {
            Config::default()
                .max_frame_size(frame)
                .max_message_size(message)
                .recv_buffer(recv)
                .deflate(deflate)
        })
}

/// What `c` has queued.
fn transmit(c: &mut Connection) -> Vec<u8> {
    util::transmit(c)
}

/// Feeds `wire` to `c` the way a socket loop does; events and the error, if any.
fn deliver(c: &mut Connection, wire: &[u8]) -> Vec<Ev> {
    util::feed(c, wire, &[])
}

/// A peer that accepts anything valid: the largest limits, and the sender's deflate
/// parameters. It must never see a protocol error in what the sender wrote.
fn check_wire(sender: &Config, sender_role: Role, wire: &[u8]) {
    let generous = Config::default()
        .max_frame_size(u64::MAX)
        .max_message_size(usize::MAX)
        .deflate(sender.deflate);
    let mut checker = match sender_role {
        Role::Client => Connection::server(generous),
        Role::Server => Connection::client_predictable(generous, 1),
    };
    for ev in deliver(&mut checker, wire) {
        assert!(!matches!(ev, Ev::Err(_)), "{sender_role:?} wrote {ev:?}");
    }
}

fn send_all(c: &mut Connection, big: &[u8]) {
    let _ = c.send_text("hello");
    let _ = c.send_binary(big);
    let _ = c.send_ping(b"p");
    let _ = c.send_fragment(MessageKind::Text, "fr\u{e9}".as_bytes(), false);
    let _ = c.send_ping(b"");
    let _ = c.send_fragment(MessageKind::Text, b"ag", true);
    let _ = c.send_text(&"z".repeat(300));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_configuration_exchanges_or_fails_without_panic(
        client_config in config(),
        server_config in config(),
        agree in any::<bool>(),
        pieces in 1usize..4,
        closer in any::<bool>(),
        roomy_limits in any::<bool>(),
    ) {
        let (mut client_config, mut server_config) = (client_config, server_config);
        if roomy_limits {
            // Half the cases with room for every message: only the receive buffer and the
            // deflate parameters are odd.
            for c in [&mut client_config, &mut server_config] {
                c.max_frame_size = c.max_frame_size.max(1 << 20);
                c.max_message_size = c.max_message_size.max(1 << 20);
            }
        }
        if agree {
            server_config.deflate = client_config.deflate;
        }
        let mut client = Connection::client_predictable(client_config, 7);
        let mut server = Connection::server(server_config);
        let big: Vec<u8> = (0..70_000u32).map(|i| (i % 251) as u8).collect();
        send_all(&mut client, &big);
        send_all(&mut server, &big);
        if closer {
            let _ = client.close(CloseCode::NORMAL, "bye");
        } else {
            let _ = server.close(CloseCode::NORMAL, "");
        }
        let (mut at_server, mut at_client) = (Vec::new(), Vec::new());
        for _ in 0..4 {
            let up = transmit(&mut client);
            check_wire(&client_config, Role::Client, &up);
            let up = if pieces > 1 { refragment(&up, pieces) } else { up };
            let down = transmit(&mut server);
            check_wire(&server_config, Role::Server, &down);
            at_server.extend(deliver(&mut server, &up));
            at_client.extend(deliver(&mut client, &down));
        }
        let _ = (client.is_closed(), server.is_closed());
        // With room for every message and the same parameters, every message arrives, and
        // the close handshake completes.
        let roomy = |c: &Config| c.max_frame_size >= 1 << 20 && c.max_message_size >= 1 << 20;
        if agree && roomy(&client_config) && roomy(&server_config) {
            let expected = [
                Ev::Text("hello".into()),
                Ev::Binary(big.clone()),
                Ev::Ping(b"p".to_vec()),
                Ev::Ping(Vec::new()),
                Ev::Text("fr\u{e9}ag".into()),
                Ev::Text("z".repeat(300)),
            ];
            for (who, got) in [("server", &at_server), ("client", &at_client)] {
                let data: Vec<&Ev> = got
                    .iter()
                    .filter(|e| !matches!(e, Ev::Pong(_) | Ev::Close(..)))
                    .collect();
                prop_assert_eq!(data, expected.iter().collect::<Vec<_>>(), "{}", who);
            }
            prop_assert!(client.is_closed() && server.is_closed());
        }
    }
}

/// Window bits written by hand outside 8..=15 are answered as the nearest legal value: we
/// wrote `server_max_window_bits=0`, which the client must refuse (RFC 7692 section 7.1.2).
#[test]
fn window_bits_outside_the_range_are_answered_as_the_nearest_legal_value() {
    let mut p = DeflateParams {
        server_no_context_takeover: false,
        client_no_context_takeover: false,
        server_max_window_bits: 0,
        client_max_window_bits: 3,
        level: 6,
    };
    assert_eq!(
        p.response_header(),
        "permessage-deflate; server_max_window_bits=8; client_max_window_bits=8"
    );
    p.server_max_window_bits = 16;
    p.client_max_window_bits = u8::MAX;
    assert_eq!(p.response_header(), "permessage-deflate");
}

fn deflate_config() -> impl Strategy<Value = DeflateConfig> {
    (
        any::<bool>(),
        any::<bool>(),
        proptest::option::of(bits()),
        proptest::option::of(bits()),
        prop_oneof![Just(0u32), Just(9), Just(u32::MAX)],
    )
        .prop_map(|(snct, cnct, sb, cb, level)| DeflateConfig {
            server_no_context_takeover: snct,
            client_no_context_takeover: cnct,
            server_max_window_bits: sb,
            client_max_window_bits: cb,
            level,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Whatever either side configures, the client's offer is one the server reads, and the
    /// server's answer one the client accepts, with the same parameters on both sides, all
    /// within 8..=15.
    #[test]
    fn any_deflate_configuration_negotiates_what_both_sides_use(
        client in deflate_config(),
        server in deflate_config(),
    ) {
        let offer = client.offer_header();
        let Some(accepted) = server.accept_offer([offer.as_bytes()]) else {
            return Err(TestCaseError::fail(format!("{offer} declined")));
        };
        let answer = accepted.response_header();
        let Some(agreed) = client.check_response(answer.as_bytes()) else {
            return Err(TestCaseError::fail(format!("{offer} -> {answer} refused")));
        };
        for b in [agreed.server_max_window_bits, agreed.client_max_window_bits,
                  accepted.server_max_window_bits, accepted.client_max_window_bits] {
            prop_assert!((8..=15).contains(&b), "{offer} -> {answer}");
        }
        prop_assert_eq!(agreed.server_no_context_takeover, accepted.server_no_context_takeover);
        prop_assert!(accepted.server_max_window_bits <= agreed.server_max_window_bits);
        prop_assert!(agreed.client_max_window_bits <= accepted.client_max_window_bits);
    }

    /// Parameters a caller writes by hand, window bits outside 8..=15 included: the
    /// response header names only legal values, and a client that offered everything reads it.
    #[test]
    fn any_hand_written_parameters_answer_with_legal_values(p in params()) {
        let answer = p.response_header();
        let everything = DeflateConfig {
            server_no_context_takeover: false,
            client_no_context_takeover: false,
            server_max_window_bits: None,
            client_max_window_bits: Some(15),
            level: 6,
        };
        prop_assert!(everything.check_response(answer.as_bytes()).is_some(), "{answer}");
    }
}

/// Subprotocols a caller writes that no header can carry (a line break, a comma, a space,
/// nothing at all, a repeat) are left out of the offer: a line break went onto the wire as
/// is, a header of the caller's making in our request.
#[test]
fn subprotocols_that_are_not_tokens_are_not_offered() {
    let hs = ClientHandshake::with_nonce([1; 16]).protocols(&[
        "chat",
        "evil\r\nX-Injected: 1",
        "a, b",
        "two words",
        "",
        "chat",
        "v2.chat",
    ]);
    let mut req = Vec::new();
    hs.write_request("example.com", "/ws", &mut req);
    let text = String::from_utf8(req).unwrap();
    assert!(!text.contains("X-Injected"), "{text}");
    let offers: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("Sec-WebSocket-Protocol: "))
        .collect();
    assert_eq!(offers, ["chat, v2.chat"]);
    for (n, v) in hs.headers() {
        assert!(!v.contains(['\r', '\n']), "{n}: {v:?}");
    }
}
