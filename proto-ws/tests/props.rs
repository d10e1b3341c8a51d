//! Property tests: any split of the input gives the same events; encode then decode is the
//! identity; arbitrary bytes never panic.

mod util;

use proptest::prelude::*;
use proto_ws::*;
use util::{Ev, feed, refragment};

#[derive(Clone, Debug)]
enum Op {
    Text(String),
    Binary(Vec<u8>),
    Ping(Vec<u8>),
    Fragmented(Vec<String>),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        any::<String>().prop_map(Op::Text),
        proptest::collection::vec(any::<u8>(), 0..300).prop_map(Op::Binary),
        proptest::collection::vec(any::<u8>(), 0..125).prop_map(Op::Ping),
        proptest::collection::vec(any::<String>(), 1..4).prop_map(Op::Fragmented),
    ]
}

fn expected(ops: &[Op]) -> Vec<Ev> {
    ops.iter()
        .map(|o| match o {
            Op::Text(t) => Ev::Text(t.clone()),
            Op::Binary(b) => Ev::Binary(b.clone()),
            Op::Ping(p) => Ev::Ping(p.clone()),
            Op::Fragmented(parts) => Ev::Text(parts.concat()),
        })
        .collect()
}

fn encode(conn: &mut Connection, ops: &[Op]) -> Vec<u8> {
    for o in ops {
        match o {
            Op::Text(t) => conn.send_text(t).unwrap(),
            Op::Binary(b) => conn.send_binary(b).unwrap(),
            Op::Ping(p) => conn.send_ping(p).unwrap(),
            Op::Fragmented(parts) => {
                for (i, p) in parts.iter().enumerate() {
                    conn.send_fragment(MessageKind::Text, p.as_bytes(), i + 1 == parts.len())
                        .unwrap();
                }
            }
        }
    }
    util::transmit(conn)
}

fn deflate_params() -> DeflateParams {
    DeflateParams {
        server_no_context_takeover: false,
        client_no_context_takeover: false,
        server_max_window_bits: 15,
        client_max_window_bits: 15,
        level: 6,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn any_split_gives_the_same_events(ops in proptest::collection::vec(op(), 0..8),
                                       cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..12),
                                       compress in any::<bool>(), pieces in 1usize..4) {
        let cfg = Config::default().deflate(compress.then(deflate_params));
        let mut client = Connection::client_predictable(cfg, 99);
        let wire = encode(&mut client, &ops);
        let wire = refragment(&wire, pieces);
        let mut cuts: Vec<usize> = cuts.iter().map(|i| i.index(wire.len() + 1)).collect();
        cuts.sort_unstable();
        let whole = feed(&mut Connection::server(cfg), &wire, &[]);
        prop_assert_eq!(&whole, &expected(&ops));
        prop_assert_eq!(feed(&mut Connection::server(cfg), &wire, &cuts), whole);
    }

    #[test]
    fn header_encode_decode_identity(fin in any::<bool>(), rsv in 0u8..8, op in prop::sample::select(vec![0u8, 1, 2, 8, 9, 10]),
                                     mask in any::<Option<[u8; 4]>>(), len in prop_oneof![0u64..=125, 126u64..=65535, 65536u64..(1 << 63)]) {
        let opcode = OpCode::from_u8(op).unwrap();
        let control = opcode.is_control();
        let h = FrameHeader { fin: fin || control, rsv1: rsv & 4 != 0, rsv2: rsv & 2 != 0, rsv3: rsv & 1 != 0, opcode, mask,
                              payload_len: if control { len % 126 } else { len } };
        let mut out = Vec::new();
        h.encode(&mut out);
        prop_assert_eq!(out.len(), h.encoded_len());
        let role = if mask.is_some() { Role::Server } else { Role::Client };
        prop_assert_eq!(FrameHeader::decode(&out, role), Ok(Some((h, out.len()))));
        for cut in 0..out.len() {
            prop_assert_eq!(FrameHeader::decode(&out[..cut], role), Ok(None));
        }
    }

    #[test]
    fn message_encode_decode_identity(data in proptest::collection::vec(any::<u8>(), 0..70_000), seed in any::<u64>()) {
        let mut c = Connection::client_predictable(Config::default(), seed);
        c.send_binary(&data).unwrap();
        let wire = util::transmit(&mut c);
        prop_assert_eq!(feed(&mut Connection::server(Config::default()), &wire, &[]), vec![Ev::Binary(data.clone())]);
        let mut s = Connection::server(Config::default());
        s.send_binary(&data).unwrap();
        let wire = util::transmit(&mut s);
        prop_assert_eq!(feed(&mut Connection::client_predictable(Config::default(), 0), &wire, &[]), vec![Ev::Binary(data)]);
    }

    /// Large masked frames (unmasked by `recv` while it copies them in, when a read starts
    /// with a whole one) give the same events, and the same UTF-8 error, as the same bytes
    /// cut up anywhere.
    #[test]
    fn large_masked_frames_any_split(sizes in proptest::collection::vec(0usize..9000, 1..4),
                                     bad in proptest::option::of(any::<prop::sample::Index>()),
                                     text in any::<bool>(), seed in any::<u64>(),
                                     cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..6)) {
        let mut c = Connection::client_predictable(Config::default(), seed);
        let mut wire = Vec::new();
        for (i, &n) in sizes.iter().enumerate() {
            let s: String = "aé世🦀".chars().cycle().take(n).collect();
            if text {
                c.send_text(&s).unwrap();
            } else {
                c.send_binary(s.as_bytes()).unwrap();
            }
            wire.extend_from_slice(&util::transmit(&mut c));
            if i == 0 {
                c.send_ping(b"between").unwrap();
                wire.extend_from_slice(&util::transmit(&mut c));
            }
        }
        if let Some(bad) = bad {
            // Corrupt one payload byte of the first frame by flipping it to 0xff once unmasked.
            let (h, hl) = FrameHeader::decode(&wire, Role::Server).unwrap().unwrap();
            if h.payload_len > 0 {
                let at = bad.index(h.payload_len as usize);
                let key = h.mask.unwrap();
                wire[hl + at] = 0xff ^ key[at % 4];
            }
        }
        let whole = feed(&mut Connection::server(Config::default()), &wire, &[]);
        let mut cuts: Vec<usize> = cuts.iter().map(|c| c.index(wire.len() + 1)).collect();
        cuts.sort_unstable();
        prop_assert_eq!(feed(&mut Connection::server(Config::default()), &wire, &cuts), whole.clone());
        let small = Config::default().recv_buffer(1024);
        prop_assert_eq!(feed(&mut Connection::server(small), &wire, &cuts), whole);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600),
                                   cuts in proptest::collection::vec(0usize..600, 0..6),
                                   server in any::<bool>(), compress in any::<bool>()) {
        let cfg = Config::default().max_message_size(4096).deflate(compress.then(deflate_params));
        let mut conn = if server { Connection::server(cfg) } else { Connection::client_predictable(cfg, 1) };
        let mut cuts = cuts;
        cuts.sort_unstable();
        let evs = feed(&mut conn, &bytes, &cuts);
        let out = util::transmit(&mut conn);
        // Whatever was queued is itself valid for the peer.
        let mut peer = if server { Connection::client_predictable(Config::default(), 2) } else { Connection::server(Config::default()) };
        let back = feed(&mut peer, &out, &[]);
        prop_assert!(back.iter().all(|e| !matches!(e, Ev::Err(_))));
        // Feeding the same bytes whole gives the same result.
        let mut again = if server { Connection::server(cfg) } else { Connection::client_predictable(cfg, 1) };
        prop_assert_eq!(feed(&mut again, &bytes, &[]), evs);
    }
}

/// The first inflate error and a UTF-8 error in the bytes inflated before it must be reported
/// alike whatever the chunking: the whole frame once gave `BadDeflate` where byte-by-byte
/// delivery gave `InvalidUtf8` (found by the `ws_frame` fuzz target).
#[test]
fn compressed_text_error_is_the_same_in_any_split() {
    let cfg = Config::default()
        .max_message_size(1 << 16)
        .deflate(Some(DeflateParams {
            server_no_context_takeover: true,
            ..deflate_params()
        }));
    // A server frame: FIN clear, RSV1 set, text, unmasked, 65-byte payload of which 5 arrive.
    let wire = [0x41, 0x41, 0x3a, 0x38, 0x3a, 0x1a, 0x5b];
    let whole = feed(&mut Connection::client_predictable(cfg, 1), &wire, &[]);
    assert_eq!(whole, vec![Ev::Err(ProtocolError::InvalidUtf8)]);
    let cuts: Vec<usize> = (1..wire.len()).collect();
    assert_eq!(
        feed(&mut Connection::client_predictable(cfg, 1), &wire, &cuts),
        whole
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Arbitrary compressed text payloads (mostly invalid DEFLATE, invalid UTF-8 or both) give
    /// the same events and error delivered whole or cut anywhere.
    #[test]
    fn arbitrary_compressed_text_any_split(payload in proptest::collection::vec(any::<u8>(), 1..120),
                                           cuts in proptest::collection::vec(0usize..130, 0..8),
                                           limit in 1usize..64) {
        let cfg = Config::default().max_message_size(limit).deflate(Some(deflate_params()));
        let mut wire = vec![0xC1, payload.len() as u8];
        wire.extend_from_slice(&payload);
        let mut cuts = cuts;
        cuts.sort_unstable();
        let whole = feed(&mut Connection::client_predictable(cfg, 1), &wire, &[]);
        prop_assert_eq!(feed(&mut Connection::client_predictable(cfg, 1), &wire, &cuts), whole);
    }
}
