//! Any configuration a caller can write, however odd (every limit at 0, 1, a boundary or the
//! largest integer, a receive buffer of 0 or `usize::MAX`, no pipelining or unbounded
//! pipelining), for a client and a server: pipelined requests with bodies (Content-Length and
//! chunked with trailers), an upgrade, responses with bodies both ways, and the buffers given
//! back and lent again while idle, end with events or typed errors, never a panic; what either
//! side writes is a valid message that a generous peer reads without error.

use proptest::prelude::*;
use proto_h1::{
    ClientConn, Config, ConnConfig, ConnState, Error, Event, Header, Limits, ServerConn,
};

/// A value at an edge, large ones (where an exchange can succeed) more often.
fn edgy_usize() -> impl Strategy<Value = usize> {
    prop_oneof![
        1 => prop_oneof![Just(0usize), Just(1), Just(2), Just(16), Just(95), Just(96)],
        3 => prop_oneof![
            Just(1024usize),
            Just(65_536),
            Just(u32::MAX as usize),
            Just(u32::MAX as usize + 1),
            Just(usize::MAX - 96),
            Just(usize::MAX),
        ],
    ]
}

fn edgy_u64() -> impl Strategy<Value = u64> {
    prop_oneof![
        1 => prop_oneof![Just(0u64), Just(1), Just(4), Just(1000)],
        3 => prop_oneof![Just(u32::MAX as u64), Just(u64::MAX - 1), Just(u64::MAX)],
    ]
}

fn config() -> impl Strategy<Value = ConnConfig> {
    (
        proptest::array::uniform5(edgy_usize()),
        edgy_u64(),
        any::<bool>(),
        edgy_usize(),
        edgy_usize(),
    )
        .prop_map(
            |(l, max_body_len, obs_fold, recv_buffer, max_in_flight)| ConnConfig {
                parse: Config {
                    limits: Limits {
                        max_head_size: l[0],
                        max_headers: l[1],
                        max_target_len: l[2],
                        max_chunk_ext_len: l[3],
                        max_trailer_size: l[4],
                        max_body_len,
                    },
                    allow_obs_fold_in_responses: obs_fold,
                },
                recv_buffer,
                max_in_flight,
            },
        )
}

fn generous() -> ConnConfig {
    ConnConfig {
        parse: Config {
            limits: Limits {
                max_head_size: 1 << 20,
                max_headers: 1000,
                max_target_len: 1 << 20,
                max_chunk_ext_len: 1 << 20,
                max_trailer_size: 1 << 20,
                max_body_len: u64::MAX,
            },
            allow_obs_fold_in_responses: false,
        },
        max_in_flight: usize::MAX,
        ..ConnConfig::default()
    }
}

fn h<'a>(name: &'a str, value: &'a str) -> Header<'a> {
    Header {
        name,
        value: value.as_bytes(),
    }
}

/// Everything `send` has queued.
fn transmit<R: proto_h1::Role>(c: &mut proto_h1::Conn<R>) -> Vec<u8> {
    let mut out = Vec::new();
    let mut wire = Vec::new();
    while c.wants_write() {
        let before = out.len();
        if let Some(p) = c.poll_transmit(&mut out) {
            out.extend_from_slice(&p);
        }
        if out.len() == before && !c.wants_write() {
            break;
        }
    }
    wire.extend_from_slice(&out);
    wire
}

/// What a receiver did with some bytes.
#[derive(Debug, Default)]
struct Seen {
    requests: Vec<(String, bool)>,
    responses: usize,
    ends: usize,
    body: usize,
    upgraded: bool,
    error: Option<Error>,
}

/// Feeds `wire` from `*at` on to `c` (offering again what it did not take once events are
/// drained), recording events.
fn deliver<R: proto_h1::Role>(
    c: &mut proto_h1::Conn<R>,
    wire: &[u8],
    at: &mut usize,
    seen: &mut Seen,
) {
    if seen.error.is_some() || seen.upgraded {
        return;
    }
    loop {
        let n = match c.recv(&wire[*at..]) {
            Ok(n) => n,
            Err(e) => {
                seen.error = Some(e);
                return;
            }
        };
        *at += n;
        loop {
            match c.poll_event() {
                Ok(Some(Event::Request(r))) => seen.requests.push((
                    r.method.to_string(),
                    r.headers().any(|h| h.name.eq_ignore_ascii_case("upgrade")),
                )),
                Ok(Some(Event::Response(r))) => seen.responses += usize::from(r.code >= 200),
                Ok(Some(Event::Data(d))) => seen.body += d.len(),
                Ok(Some(Event::End { .. })) => seen.ends += 1,
                Ok(Some(Event::Upgrade(_))) => {
                    seen.upgraded = true;
                    return;
                }
                Ok(Some(_)) => {}
                Ok(None) => break,
                Err(e) => {
                    seen.error = Some(e);
                    return;
                }
            }
        }
        if n == 0 || *at == wire.len() {
            return;
        }
    }
}

const BODY: &str = "0123456789abcdef";

/// The client's pipeline: a POST with a length, a chunked POST with trailers, a GET, and
/// (maybe) an upgrade, from request `*next` on, as far as the pipeline takes them.
fn requests(c: &mut ClientConn, upgrade: bool, next: &mut usize) {
    let body = BODY.repeat(64);
    let len = body.len().to_string();
    let count = if upgrade { 4 } else { 3 };
    while *next < count {
        let sent = match *next {
            0 => c
                .send_request("POST", "/len", &[h("Host", "a"), h("Content-Length", &len)])
                .and_then(|()| c.send_data(body.as_bytes()))
                .and_then(|()| c.send_end(&[])),
            1 => c
                .send_request(
                    "POST",
                    "/chunked",
                    &[h("Host", "a"), h("Transfer-Encoding", "chunked")],
                )
                .and_then(|()| c.send_data(body.as_bytes()))
                .and_then(|()| c.send_data(b"tail"))
                .and_then(|()| c.send_end(&[h("X-Sum", "1")])),
            2 => c
                .send_request("GET", "/", &[h("Host", "a")])
                .and_then(|()| c.send_end(&[])),
            _ => c
                .send_request(
                    "GET",
                    "/ws",
                    &[
                        h("Host", "a"),
                        h("Connection", "upgrade"),
                        h("Upgrade", "websocket"),
                    ],
                )
                .and_then(|()| c.send_end(&[])),
        };
        if sent.is_err() {
            return;
        }
        *next += 1;
    }
}

/// The server's answer to one request: an upgrade is accepted, the others get a body, by
/// length or chunked with a trailer in turn.
fn respond(s: &mut ServerConn, method: &str, upgrade: bool, n: usize) {
    let body = BODY.repeat(8);
    let len = body.len().to_string();
    let _ = if upgrade {
        s.send_response(
            101,
            b"Switching Protocols",
            &[h("Connection", "upgrade"), h("Upgrade", "websocket")],
        )
        .and_then(|()| s.send_end(&[]))
    } else if n.is_multiple_of(2) || method == "HEAD" {
        s.send_response(200, b"OK", &[h("Content-Length", &len)])
            .and_then(|()| s.send_data(body.as_bytes()))
            .and_then(|()| s.send_end(&[]))
    } else {
        s.send_response(200, b"OK", &[h("Transfer-Encoding", "chunked")])
            .and_then(|()| s.send_data(body.as_bytes()))
            .and_then(|()| s.send_end(&[h("X-Done", "yes")]))
    };
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_configuration_exchanges_or_fails_without_panic(
        client_config in config(),
        server_config in config(),
        upgrade in any::<bool>(),
        pool in any::<bool>(),
    ) {
        let mut client = ClientConn::new(client_config);
        let mut server = ServerConn::new(server_config);
        // A generous peer of each, fed the same bytes: what either side writes is valid.
        let mut check_server = ServerConn::new(generous());
        let mut check_client = ClientConn::new(generous());
        let (mut up, mut down) = (Vec::new(), Vec::new());
        let (mut at_server, mut at_check_server, mut at_client, mut at_check_client) = (0, 0, 0, 0);
        let (mut at_s, mut at_cs, mut at_c, mut at_cc) =
            (Seen::default(), Seen::default(), Seen::default(), Seen::default());
        let mut next = 0;
        requests(&mut check_client, upgrade, &mut 0);
        let _ = transmit(&mut check_client);
        let mut answered = 0;
        for _ in 0..16 {
            requests(&mut client, upgrade, &mut next);
            up.extend(transmit(&mut client));
            deliver(&mut server, &up, &mut at_server, &mut at_s);
            deliver(&mut check_server, &up, &mut at_check_server, &mut at_cs);
            prop_assert!(at_cs.error.is_none(), "the client wrote {:?}", at_cs.error);
            while answered < at_s.requests.len() {
                let (method, upg) = at_s.requests[answered].clone();
                respond(&mut server, &method, upg, answered);
                answered += 1;
            }
            down.extend(transmit(&mut server));
            deliver(&mut client, &down, &mut at_client, &mut at_c);
            deliver(&mut check_client, &down, &mut at_check_client, &mut at_cc);
            prop_assert!(at_cc.error.is_none(), "the server wrote {:?}", at_cc.error);
            if pool {
                for c in [&mut client] {
                    if c.state() == ConnState::Idle
                        && let Some(b) = c.take_buffers()
                    {
                        c.put_buffers(b);
                    }
                }
                if server.state() == ConnState::Idle
                    && let Some(b) = server.take_buffers()
                {
                    server.put_buffers(b);
                }
            }
        }
        // Nobody stalls: without an error, each side took every byte the other wrote.
        if at_s.error.is_none() && at_c.error.is_none() {
            prop_assert_eq!(at_server, up.len());
            prop_assert_eq!(at_client, down.len());
        }
        // With room for everything on both sides, everything arrives.
        let roomy = |c: &ConnConfig| {
            let l = &c.parse.limits;
            l.max_head_size >= 256
                && l.max_headers >= 4
                && l.max_target_len >= 8
                && l.max_trailer_size >= 64
                && l.max_body_len >= 4096
        };
        if roomy(&client_config) && roomy(&server_config) && !upgrade {
            prop_assert_eq!(at_s.requests.len(), 3);
            prop_assert_eq!(at_s.ends, 3);
            prop_assert_eq!(at_c.responses, 3);
            prop_assert_eq!(at_c.ends, 3);
            prop_assert!(at_s.error.is_none() && at_c.error.is_none());
        }
        let _ = (client.recv_eof(), server.recv_eof());
        let _ = (client.poll_event().is_ok(), server.poll_event().is_ok());
        server.shutdown();
        let _ = transmit(&mut server);
    }
}

fn limits() -> impl Strategy<Value = Limits> {
    (proptest::array::uniform5(edgy_usize()), edgy_u64()).prop_map(|(l, max_body_len)| Limits {
        max_head_size: l[0],
        max_headers: l[1],
        max_target_len: l[2],
        max_chunk_ext_len: l[3],
        max_trailer_size: l[4],
        max_body_len,
    })
}

/// Messages made of pieces of heads and chunked bodies, with odd pieces among them.
fn message() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        Just(b"GET /a HTTP/1.1\r\n".to_vec()),
        Just(b"HTTP/1.1 200 OK\r\n".to_vec()),
        Just(b"Host: a\r\n".to_vec()),
        Just(b"X: \r\n folded\r\n".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(b"5\r\nhello\r\n".to_vec()),
        Just(b"3;ext=\"q\"\r\nabc\r\n".to_vec()),
        Just(b"ffffffffffffffff\r\n".to_vec()),
        Just(b"10000000000000000\r\n".to_vec()),
        Just(b"0\r\n".to_vec()),
        Just(b"T: v\r\n".to_vec()),
        proptest::collection::vec(any::<u8>(), 0..16),
    ];
    proptest::collection::vec(piece, 0..24).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// The parsers on their own, with any limits: a head or a chunked body parses, waits for
    /// more or fails typed, and never claims more bytes than it was given.
    #[test]
    fn any_limits_parse_heads_and_chunked_bodies_without_panic(
        limits in limits(),
        obs_fold in any::<bool>(),
        slots in prop_oneof![Just(0usize), Just(1), Just(4), Just(100)],
        input in message(),
        piece in 1usize..32,
    ) {
        let config = Config { limits, allow_obs_fold_in_responses: obs_fold };
        let mut s = vec![proto_h1::EMPTY_HEADER; slots];
        if let Ok(proto_h1::Status::Complete(n)) =
            proto_h1::Request::new(&mut s).parse_with(&input, &config)
        {
            prop_assert!(n <= input.len());
        }
        if let Ok(proto_h1::Status::Complete(n)) =
            proto_h1::Response::new(&mut s).parse_with(&input, &config)
        {
            prop_assert!(n <= input.len());
        }
        if let Ok((proto_h1::Status::Complete(n), count)) =
            proto_h1::parse_headers(&input, &mut s, &config)
        {
            prop_assert!(n <= input.len() && count <= slots);
        }
        let mut dec = proto_h1::ChunkedDecoder::new(&limits);
        let mut pending = Vec::new();
        let mut body = 0u64;
        'feed: for p in input.chunks(piece) {
            pending.extend_from_slice(p);
            loop {
                match dec.decode(&pending) {
                    Ok((n, ev)) => {
                        prop_assert!(n <= pending.len());
                        if let Some(proto_h1::Chunk::Data(d)) = ev {
                            body += d.len() as u64;
                        }
                        let waits = ev.is_none();
                        pending.drain(..n);
                        if waits || dec.is_done() {
                            break;
                        }
                    }
                    Err(_) => break 'feed,
                }
            }
            if dec.is_done() {
                break;
            }
        }
        prop_assert!(body <= limits.max_body_len);
    }
}
