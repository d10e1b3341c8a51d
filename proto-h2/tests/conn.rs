//! Connection behaviour through the in-memory [`Pair`] with its virtual clock: exchanges,
//! flow control, timers, push, extended CONNECT, defences, and property tests.

use bytes::Bytes;
use proptest::prelude::*;
use proto_h2::conn::{Config, Connection, Event, Request, Role};
use proto_h2::error::{Error, StreamError, UserError};
use proto_h2::frame::{self, Builder, ErrorCode, StreamId, flag, kind};
use proto_h2::pair::{Direction, Pair};
use proto_h2::settings::id;
use std::time::{Duration, Instant};

mod support;
use support::{goaways, handshaken, transmit_all};

fn pair() -> Pair {
    Pair::new(Instant::now(), Config::client(), Config::server())
}

fn get(p: &mut Pair, path: &'static [u8], end: bool) -> StreamId {
    p.client
        .send_request(
            &Request {
                method: if end { b"GET" } else { b"POST" },
                scheme: b"http",
                authority: b"example.com",
                path,
                protocol: None,
                headers: &[(b"user-agent", b"t")],
            },
            end,
        )
        .unwrap()
}

fn read_all(c: &mut Connection, id: StreamId) -> Vec<u8> {
    let mut v = Vec::new();
    while let Some(b) = c.read_data(id) {
        v.extend_from_slice(&b);
    }
    v
}

#[test]
fn request_response_with_body_and_trailers() {
    let mut p = pair();
    let id = get(&mut p, b"/upload", false);
    p.client
        .send_data(id, Bytes::from_static(b"hello "), false)
        .unwrap();
    p.client
        .send_data(id, Bytes::from_static(b"world"), true)
        .unwrap();
    p.drive();
    let req = p
        .server_events
        .iter()
        .find_map(|e| match e {
            Event::Request { stream, head, .. } => Some((*stream, head.clone())),
            _ => None,
        })
        .unwrap();
    assert_eq!(req.0, id);
    assert_eq!(req.1.method(), Some(&b"POST"[..]));
    assert_eq!(req.1.authority(), Some(&b"example.com"[..]));
    assert_eq!(read_all(&mut p.server, id), b"hello world");
    p.server
        .send_response(id, 200, &[(b"content-type", b"text/plain")], false)
        .unwrap();
    p.server
        .send_data(id, Bytes::from(vec![b'x'; 5000]), false)
        .unwrap();
    p.server
        .send_trailers(id, &[(b"grpc-status", b"0")])
        .unwrap();
    p.drive();
    let status = p.client_events.iter().find_map(|e| match e {
        Event::Response { head, .. } => head.status(),
        _ => None,
    });
    assert_eq!(status, Some(200));
    assert_eq!(read_all(&mut p.client, id).len(), 5000);
    let trailers = p.client_events.iter().find_map(|e| match e {
        Event::Trailers { fields, .. } => fields.get(b"grpc-status").map(<[u8]>::to_vec),
        _ => None,
    });
    assert_eq!(trailers.as_deref(), Some(&b"0"[..]));
    p.drive();
    assert_eq!(
        p.client.stream_state(id),
        None,
        "stream forgotten once done"
    );
    assert!(p.client_error.is_none() && p.server_error.is_none());
}

#[test]
fn credit_comes_back_only_when_data_is_read() {
    let mut cfg = Config::server();
    cfg.connection_window = 65_535;
    let mut p = Pair::new(Instant::now(), Config::client(), cfg);
    let id = get(&mut p, b"/", false);
    p.client
        .send_data(id, Bytes::from(vec![1u8; 200_000]), true)
        .unwrap();
    p.drive();
    // The server has not read: the client is stuck at the 65 535-byte windows.
    assert_eq!(p.server.buffered(id), 65_535);
    assert_eq!(p.server.connection_recv_window(), 0);
    let mut total = 0;
    for _ in 0..100 {
        total += read_all(&mut p.server, id).len();
        // Reading queued WINDOW_UPDATEs; only now can more data come.
        p.drive();
        if total == 200_000 {
            break;
        }
    }
    assert_eq!(total, 200_000);
}

#[test]
fn large_body_is_handed_back_not_copied() {
    let mut c = Connection::new(Role::Client, Config::client(), Instant::now());
    let mut s = Connection::new(Role::Server, Config::server(), Instant::now());
    let now = Instant::now();
    let mut out = Vec::new();
    while c.poll_transmit(now, &mut out).is_some() {}
    s.recv(now, &out).unwrap();
    out.clear();
    while s.poll_transmit(now, &mut out).is_some() {}
    c.recv(now, &out).unwrap();
    let id = c
        .send_request(&Request::get(b"http", b"a", b"/"), false)
        .unwrap();
    let body = Bytes::from(vec![7u8; 10_000]);
    c.send_data(id, body.clone(), true).unwrap();
    out.clear();
    let mut handed = Vec::new();
    while let Some(p) = c.poll_transmit(now, &mut out) {
        handed.push(p);
    }
    assert!(!handed.is_empty());
    // The payload handed back points into the caller's buffer: zero copy.
    assert_eq!(handed[0].as_ptr(), body.as_ptr());
}

#[test]
fn settings_ack_timeout_through_virtual_clock() {
    let mut p = pair();
    // Drop everything the server sends, so the client's SETTINGS is never acknowledged.
    p.set_hook(|d, b| {
        if d == Direction::ToClient {
            b.clear()
        }
    });
    p.drive();
    let deadline = p.client.poll_timeout().unwrap();
    assert!(p.jump());
    assert!(p.now >= deadline);
    assert!(matches!(
        p.client_error,
        Some(Error::SettingsTimeout { .. })
    ));
    assert_eq!(
        p.client_error.as_ref().unwrap().code(),
        ErrorCode::SETTINGS_TIMEOUT
    );
}

#[test]
fn settings_are_acked_and_timer_disarmed() {
    let mut p = pair();
    p.drive();
    assert!(p.client_events.contains(&Event::SettingsAcked));
    assert!(p.server_events.contains(&Event::SettingsAcked));
    assert_eq!(p.client.poll_timeout(), None);
    assert_eq!(p.server.remote_settings().initial_window_size, 1 << 20);
}

#[test]
fn ping_is_acked_by_the_engine_and_reported() {
    let mut p = pair();
    p.client.ping(*b"pingpong").unwrap();
    p.drive();
    assert!(p.server_events.contains(&Event::Ping(*b"pingpong")));
    assert!(p.client_events.contains(&Event::PingAck(*b"pingpong")));
}

#[test]
fn goaway_drains_open_streams() {
    let mut p = pair();
    let a = get(&mut p, b"/a", true);
    p.drive();
    p.server.go_away(ErrorCode::NO_ERROR).unwrap();
    p.drive();
    assert!(
        p.client_events
            .iter()
            .any(|e| matches!(e, Event::GoAway { last_stream, .. } if *last_stream == a))
    );
    assert!(!p.server.is_closed(), "stream a still open");
    assert_eq!(
        p.client
            .send_request(&Request::get(b"http", b"x", b"/b"), true)
            .unwrap_err(),
        UserError::GoingAway
    );
    p.server.send_response(a, 204, &[], true).unwrap();
    p.drive();
    assert!(p.server.is_closed());
    assert!(p.client.is_closed());
}

#[test]
fn push_refused_by_default_and_accepted_when_enabled() {
    let mut p = pair();
    let id = get(&mut p, b"/", true);
    p.drive();
    assert_eq!(
        p.server
            .push_promise(id, &Request::get(b"http", b"example.com", b"/style.css"))
            .unwrap_err(),
        UserError::PushDisabled
    );
    let mut cfg = Config::client();
    cfg.settings = vec![(id::ENABLE_PUSH, 1)];
    let mut p = Pair::new(Instant::now(), cfg, Config::server());
    let id = get(&mut p, b"/", true);
    p.drive();
    let pushed = p
        .server
        .push_promise(id, &Request::get(b"http", b"example.com", b"/style.css"))
        .unwrap();
    assert_eq!(pushed, StreamId::new(2));
    p.server.send_response(id, 200, &[], true).unwrap();
    p.server.send_response(pushed, 200, &[], false).unwrap();
    p.server
        .send_data(pushed, Bytes::from_static(b"body{}"), true)
        .unwrap();
    p.drive();
    assert!(p.client_events.iter().any(|e| matches!(e,
        Event::PushPromise { promised, head, .. } if *promised == pushed && head.path() == Some(&b"/style.css"[..]))));
    assert_eq!(read_all(&mut p.client, pushed), b"body{}");
    assert!(p.client_error.is_none(), "{:?}", p.client_error);
}

#[test]
fn extended_connect_needs_the_setting() {
    let req = Request {
        method: b"CONNECT",
        scheme: b"https",
        authority: b"example.com",
        path: b"/chat",
        protocol: Some(b"websocket"),
        headers: &[(b"sec-websocket-version", b"13")],
    };
    let mut p = pair();
    p.drive();
    assert_eq!(
        p.client.send_request(&req, false).unwrap_err(),
        UserError::ConnectProtocolDisabled
    );
    let mut scfg = Config::server();
    scfg.settings.push((id::ENABLE_CONNECT_PROTOCOL, 1));
    let mut p = Pair::new(Instant::now(), Config::client(), scfg);
    p.drive();
    let id = p.client.send_request(&req, false).unwrap();
    p.drive();
    assert!(p.server_events.iter().any(|e| matches!(e,
        Event::Request { stream, head, .. } if *stream == id && head.protocol() == Some(&b"websocket"[..]))));
    p.server.send_response(id, 200, &[], false).unwrap();
    p.server
        .send_data(id, Bytes::from_static(b"\x81\x00"), false)
        .unwrap();
    p.client
        .send_data(id, Bytes::from_static(b"\x88\x00"), false)
        .unwrap();
    p.drive();
    assert_eq!(read_all(&mut p.client, id), b"\x81\x00");
    assert_eq!(read_all(&mut p.server, id), b"\x88\x00");
}

#[test]
fn peer_initial_window_change_applies_to_open_streams() {
    let mut p = pair();
    let id = get(&mut p, b"/", true);
    p.drive();
    let before = p.server.send_capacity(id);
    // The client lowers its INITIAL_WINDOW_SIZE by 1000 with a raw SETTINGS frame.
    let raw = Builder::new(kind::SETTINGS, 0)
        .setting(id::INITIAL_WINDOW_SIZE, (1 << 20) - 1000)
        .build();
    p.server.recv(p.now, &raw).unwrap();
    assert_eq!(p.server.send_capacity(id), before - 1000);
}

#[test]
fn bdp_grows_the_window_on_a_window_bound_download() {
    let mut cfg = Config::client();
    cfg.settings = vec![(id::INITIAL_WINDOW_SIZE, 65_535)];
    cfg.connection_window = 65_535;
    cfg.bdp_max_window = Some(8 << 20);
    // The whole 4 MiB body is queued at once (above the default send-queue bound).
    let mut server = Config::server();
    server.limits.max_send_queue = 8 << 20;
    let mut p = Pair::new(Instant::now(), cfg, server);
    let id = get(&mut p, b"/big", true);
    p.drive();
    p.server.send_response(id, 200, &[], false).unwrap();
    p.server
        .send_data(id, Bytes::from(vec![0u8; 4 << 20]), true)
        .unwrap();
    let start = p.client.connection_recv_target();
    for _ in 0..2000 {
        p.step();
        read_all(&mut p.client, id);
        p.now += Duration::from_millis(1);
    }
    assert!(p.client.rtt().is_some());
    assert!(p.client_error.is_none());
    // The connection target grew beyond the initial 65 535.
    assert!(
        p.client.connection_recv_target() > start,
        "{}",
        p.client.connection_recv_target()
    );
}

// ------------------------------------------------------------------ defences

fn handshaken_server() -> (Connection, Instant) {
    handshaken_server_with(Config::server())
}

fn handshaken_server_with(cfg: Config) -> (Connection, Instant) {
    let now = Instant::now();
    (handshaken(cfg, now), now)
}

fn headers(id: u32, end_stream: bool) -> Vec<u8> {
    let mut enc = proto_h2::hpack::Encoder::new();
    let mut block = Vec::new();
    enc.encode(
        [
            (&b":method"[..], &b"GET"[..]),
            (b":scheme", b"http"),
            (b":authority", b"a"),
            (b":path", b"/"),
        ],
        &mut block,
    );
    let fl = flag::END_HEADERS | if end_stream { flag::END_STREAM } else { 0 };
    Builder::new(kind::HEADERS, id)
        .flags(fl)
        .payload(&block)
        .build()
}

/// The code of the last GOAWAY `s` sends now.
fn goaway_code(s: &mut Connection, now: Instant) -> Option<ErrorCode> {
    goaways(&transmit_all(s, now)).last().map(|&(_, code)| code)
}

#[test]
fn rapid_reset_is_cut_off() {
    let (mut s, now) = handshaken_server();
    let mut res = Ok(0);
    for i in 0..300u32 {
        let id = 1 + 2 * i;
        let mut b = headers(id, false);
        b.extend(Builder::new(kind::RST_STREAM, id).u32(8).build());
        res = s.recv(now, &b);
        if res.is_err() {
            break;
        }
    }
    assert!(matches!(res, Err(Error::RapidReset { limit: 200, .. })));
    assert_eq!(goaway_code(&mut s, now), Some(ErrorCode::ENHANCE_YOUR_CALM));
}

#[test]
fn made_you_reset_is_cut_off() {
    let (mut s, now) = handshaken_server();
    let mut res = Ok(0);
    for i in 0..300u32 {
        let id = 1 + 2 * i;
        let mut b = headers(id, false);
        // A zero WINDOW_UPDATE makes us reset the stream.
        b.extend(Builder::new(kind::WINDOW_UPDATE, id).u32(0).build());
        res = s.recv(now, &b);
        if res.is_err() {
            break;
        }
    }
    assert!(matches!(res, Err(Error::MadeYouReset { .. })));
    assert_eq!(goaway_code(&mut s, now), Some(ErrorCode::ENHANCE_YOUR_CALM));
}

#[test]
fn continuation_flood_is_cut_off() {
    let (mut s, now) = handshaken_server();
    let mut b = Builder::new(kind::HEADERS, 1).payload(&[0x82]).build();
    for _ in 0..100 {
        b.extend(Builder::new(kind::CONTINUATION, 1).build());
    }
    let e = s.recv(now, &b).unwrap_err();
    assert!(matches!(e, Error::ContinuationFlood { limit: 64, .. }));
    assert_eq!(e.code(), ErrorCode::ENHANCE_YOUR_CALM);
}

#[test]
fn ping_and_settings_floods_are_cut_off() {
    let (mut s, now) = handshaken_server();
    let mut b = Vec::new();
    for _ in 0..300 {
        b.extend(Builder::new(kind::PING, 0).payload(&[0; 8]).build());
    }
    assert!(matches!(
        s.recv(now, &b),
        Err(Error::ControlFlood { limit: 256, .. })
    ));
    // The SETTINGS rate has its own budget (`max_settings`, tests/defences.rs); raised here,
    // the bound on unsent ACKs still holds.
    let mut cfg = Config::server();
    cfg.limits.max_settings = 10_000;
    let (mut s, now) = handshaken_server_with(cfg.clone());
    let mut b = Vec::new();
    for _ in 0..300 {
        b.extend(Builder::new(kind::SETTINGS, 0).build());
    }
    assert!(matches!(s.recv(now, &b), Err(Error::ControlFlood { .. })));
    // Draining between bursts is fine.
    let (mut s, now) = handshaken_server_with(cfg);
    for _ in 0..10 {
        s.recv(now, &b[..9 * 100]).unwrap();
        let mut out = Vec::new();
        while s.poll_transmit(now, &mut out).is_some() {}
    }
}

#[test]
fn hpack_bomb_is_refused() {
    let (mut s, now) = handshaken_server();
    // One 4 000-byte entry inserted into the table, then referenced 100 times: a 400 KB list
    // from a block of a few hundred bytes.
    let mut block = vec![0x82, 0x86, 0x84, 0x41, 0x01, b'a'];
    block.extend([0x40, 0x01, b'x', 0x7f, 0xa1, 0x1e]); // literal with indexing, value len 4000
    block.extend(std::iter::repeat_n(b'v', 4000));
    block.extend(std::iter::repeat_n(0xbe, 100)); // index 62 = the new entry
    let f = Builder::new(kind::HEADERS, 1)
        .flags(flag::END_HEADERS | flag::END_STREAM)
        .payload(&block)
        .build();
    s.recv(now, &f).unwrap();
    let reset = std::iter::from_fn(|| s.poll_event()).find_map(|e| match e {
        Event::Reset { error, .. } => error,
        _ => None,
    });
    assert!(
        matches!(
            reset,
            Some(StreamError::HeaderListTooLarge { limit: 65536, .. })
        ),
        "{reset:?}"
    );
    // The connection survives and its HPACK state is intact.
    s.recv(now, &headers(3, true)).unwrap();
    assert!(std::iter::from_fn(|| s.poll_event()).any(|e| matches!(e, Event::Request { .. })));
}

#[test]
fn zero_window_stall_times_out() {
    // The whole 8 MiB body is queued at once (above the default send-queue bound).
    let mut server = Config::server();
    server.limits.max_send_queue = 16 << 20;
    let mut p = Pair::new(Instant::now(), Config::client(), server);
    let id = get(&mut p, b"/", true);
    p.drive();
    // The client never reads: the server's data stalls once the stream window (1 MiB, below
    // the 4 MiB connection window) is used up; the stream is reset, the connection stays.
    p.server.send_response(id, 200, &[], false).unwrap();
    p.server
        .send_data(id, Bytes::from(vec![0u8; 8 << 20]), true)
        .unwrap();
    p.drive();
    assert!(p.server.poll_timeout().is_some());
    assert!(p.jump());
    assert!(p.server_error.is_none());
    assert!(
        p.server.poll_event().is_some_and(|e| matches!(e,
        Event::Reset { stream, error: Some(StreamError::WindowStall { .. }), .. } if stream == id))
    );
}

#[test]
fn streams_above_the_limit_are_refused_and_floods_cut_off() {
    let (mut s, now) = handshaken_server();
    for i in 0..100u32 {
        s.recv(now, &headers(1 + 2 * i, false)).unwrap();
    }
    s.recv(now, &headers(201, false)).unwrap();
    let refused = std::iter::from_fn(|| s.poll_event()).any(|e| {
        matches!(e, Event::Reset { stream, code: ErrorCode::REFUSED_STREAM, remote: false, .. } if stream.value() == 201)
    });
    assert!(refused);
    let mut out = Vec::new();
    while s.poll_transmit(now, &mut out).is_some() {}
    let rst = Builder::new(kind::RST_STREAM, 201).u32(7).build();
    assert!(out.windows(rst.len()).any(|w| w == &rst[..]));
    let mut res = Ok(0);
    for i in 0..300u32 {
        res = s.recv(now, &headers(203 + 2 * i, false));
        if res.is_err() {
            break;
        }
    }
    assert!(matches!(res, Err(Error::TooManyStreams { .. })));
}

#[test]
fn misuse_is_a_user_error() {
    let mut p = pair();
    assert_eq!(
        p.server
            .send_request(&Request::get(b"http", b"a", b"/"), true)
            .unwrap_err(),
        UserError::WrongRole
    );
    let id = get(&mut p, b"/", true);
    assert!(matches!(
        p.client.send_data(id, Bytes::from_static(b"x"), false),
        Err(UserError::InvalidState { .. })
    ));
    assert!(matches!(
        p.client.send_request(
            &Request {
                headers: &[(b"Upper", b"x")],
                ..Request::get(b"http", b"a", b"/")
            },
            true
        ),
        Err(UserError::InvalidField(_))
    ));
    assert_eq!(
        p.client.reset(StreamId::new(99), ErrorCode::CANCEL),
        Err(UserError::UnknownStream(StreamId::new(99)))
    );
}

// ------------------------------------------------------------------ fingerprint

/// Computes the Akamai HTTP/2 fingerprint `SETTINGS|WINDOW_UPDATE|PRIORITY|PSEUDO` from a
/// client's first bytes, decoding the HEADERS block with our HPACK decoder.
fn akamai(wire: &[u8]) -> String {
    let mut rest = &wire[24..];
    let (mut settings, mut wu, mut prio, mut pseudo) =
        (String::new(), 0u32, Vec::new(), String::new());
    let mut dec = proto_h2::hpack::Decoder::new();
    while let Ok(Some((f, n))) = frame::decode(rest, frame::MAX_MAX_FRAME_SIZE) {
        match f {
            frame::Frame::Settings(s) if !s.ack => {
                settings = s
                    .iter()
                    .map(|(i, v)| format!("{i}:{v}"))
                    .collect::<Vec<_>>()
                    .join(";")
            }
            frame::Frame::WindowUpdate(w) if w.stream.is_zero() => wu = w.increment,
            frame::Frame::Priority(p) => prio.push(format!(
                "{}:{}:{}:{}",
                p.stream,
                u8::from(p.priority.exclusive),
                p.priority.dependency,
                u16::from(p.priority.weight) + 1
            )),
            frame::Frame::Headers(h) => {
                dec.decode(h.block, |hd| {
                    if let Some(p) = hd.name.strip_prefix(b":") {
                        if !pseudo.is_empty() {
                            pseudo.push(',');
                        }
                        pseudo.push(p[0] as char);
                    }
                })
                .unwrap();
            }
            _ => {}
        }
        rest = &rest[n..];
    }
    let prio = if prio.is_empty() {
        "0".to_string()
    } else {
        prio.join(",")
    };
    format!("{settings}|{wu}|{prio}|{pseudo}")
}

#[test]
fn chrome_akamai_fingerprint() {
    let now = Instant::now();
    let mut c = Connection::new(Role::Client, Config::chrome(), now);
    c.send_request(&Request::get(b"https", b"example.com", b"/"), true)
        .unwrap();
    let mut wire = Vec::new();
    while c.poll_transmit(now, &mut wire).is_some() {}
    assert_eq!(
        akamai(&wire),
        "1:65536;2:0;4:6291456;6:262144|15663105|0|m,a,s,p"
    );
    // HEADERS carries Chrome's priority: exclusive, on 0, weight 256.
    let mut rest = &wire[24..];
    while let Ok(Some((f, n))) = frame::decode(rest, frame::MAX_MAX_FRAME_SIZE) {
        if let frame::Frame::Headers(h) = f {
            let p = h.priority.unwrap();
            assert!(p.exclusive);
            assert_eq!((p.dependency, p.weight), (StreamId::ZERO, 255));
        }
        rest = &rest[n..];
    }
}

#[test]
fn every_pseudo_order_is_honoured() {
    use proto_h2::conn::Pseudo::*;
    let all = [Method, Authority, Scheme, Path];
    let letter = |p| match p {
        Method => 'm',
        Authority => 'a',
        Scheme => 's',
        Path => 'p',
    };
    let mut count = 0;
    for a in 0..4 {
        for b in 0..4 {
            for c in 0..4 {
                for d in 0..4 {
                    let idx = [a, b, c, d];
                    let mut seen = [false; 4];
                    if idx.iter().any(|&i| std::mem::replace(&mut seen[i], true)) {
                        continue;
                    }
                    let order = idx.map(|i| all[i]);
                    let mut cfg = Config::chrome();
                    cfg.pseudo_order = order;
                    cfg.settings = vec![(3, 100), (1, 4096)];
                    cfg.connection_window = 65_535 + 1;
                    let now = Instant::now();
                    let mut cl = Connection::new(Role::Client, cfg, now);
                    cl.send_request(&Request::get(b"https", b"e", b"/"), true)
                        .unwrap();
                    let mut wire = Vec::new();
                    while cl.poll_transmit(now, &mut wire).is_some() {}
                    let want: Vec<String> = order.iter().map(|&p| letter(p).to_string()).collect();
                    assert_eq!(
                        akamai(&wire),
                        format!("3:100;1:4096|1|0|{}", want.join(","))
                    );
                    count += 1;
                }
            }
        }
    }
    assert_eq!(count, 24);
}

#[test]
fn regular_header_order_is_kept() {
    let mut p = pair();
    let hs: &[(&[u8], &[u8])] = &[(b"zz", b"1"), (b"accept", b"*/*"), (b"aa", b"2")];
    let id = p
        .client
        .send_request(
            &Request {
                headers: hs,
                ..Request::get(b"http", b"a", b"/")
            },
            true,
        )
        .unwrap();
    p.drive();
    let got: Vec<Vec<u8>> = p
        .server_events
        .iter()
        .find_map(|e| match e {
            Event::Request { stream, head, .. } if *stream == id => {
                Some(head.headers().map(|(n, _)| n.to_vec()).collect())
            }
            _ => None,
        })
        .unwrap();
    assert_eq!(
        got,
        vec![b"zz".to_vec(), b"accept".to_vec(), b"aa".to_vec()]
    );
}

// ------------------------------------------------------------------ properties

fn transcript(chunk: usize) -> (Vec<String>, Vec<String>) {
    let mut p = pair();
    p.chunk = chunk;
    let id = get(&mut p, b"/x", false);
    p.client
        .send_data(id, Bytes::from(vec![3u8; 3000]), true)
        .unwrap();
    p.drive();
    let body = read_all(&mut p.server, id);
    p.server
        .send_response(id, 200, &[(b"x", b"y")], false)
        .unwrap();
    p.server.send_data(id, Bytes::from(body), true).unwrap();
    p.drive();
    let got = read_all(&mut p.client, id);
    assert_eq!(got.len(), 3000);
    let f = |v: &[Event]| {
        v.iter()
            .map(|e| format!("{e:?}"))
            .filter(|s| !s.starts_with("Data"))
            .collect()
    };
    (f(&p.client_events), f(&p.server_events))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn any_split_gives_the_same_events(chunk in 1usize..200) {
        prop_assert_eq!(transcript(chunk), transcript(0));
    }

    #[test]
    fn arbitrary_bytes_never_panic_server(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let (mut s, now) = handshaken_server();
        let _ = s.recv(now, &bytes);
        let mut out = Vec::new();
        while s.poll_transmit(now, &mut out).is_some() {}
        while s.poll_event().is_some() {}
    }

    #[test]
    fn arbitrary_frames_never_panic_either_role(frames in proptest::collection::vec((0u8..12, any::<u8>(), 0u32..8, proptest::collection::vec(any::<u8>(), 0..24)), 0..24), client: bool) {
        let now = Instant::now();
        let role = if client { Role::Client } else { Role::Server };
        let mut c = Connection::new(role, if client { Config::client() } else { Config::server() }, now);
        let mut wire = if client { Vec::new() } else { proto_h2::conn::PREFACE.to_vec() };
        wire.extend(Builder::new(kind::SETTINGS, 0).build());
        if client {
            let _ = c.send_request(&Request::get(b"http", b"a", b"/"), false);
        }
        for (k, fl, st, pl) in frames {
            wire.extend(Builder::new(k, st).flags(fl).payload(&pl).build());
        }
        let _ = c.recv(now, &wire);
        let mut out = Vec::new();
        while c.poll_transmit(now, &mut out).is_some() {}
        while let Some(e) = c.poll_event() {
            if let Event::Data { stream, .. } = e { let _ = c.read_data(stream); }
        }
        let _ = c.handle_timeout(now + Duration::from_secs(3600));
    }
}

#[test]
fn frames_on_streams_above_goaway_are_ignored() {
    let (mut s, now) = handshaken_server();
    s.recv(now, &headers(1, true)).unwrap();
    s.go_away(ErrorCode::NO_ERROR).unwrap();
    // The client acknowledges the drain PING: the final GOAWAY names stream 1.
    let ack = Builder::new(kind::PING, 0)
        .flags(flag::ACK)
        .payload(b"h2-drain")
        .build();
    s.recv(now, &ack).unwrap();
    // A request the client sent before it saw the GOAWAY, with its body: ignored, no error.
    let mut late = headers(3, false);
    late.extend(Builder::new(kind::DATA, 3).payload(b"body").build());
    s.recv(now, &late).unwrap();
    assert!(s.error().is_none());
    assert!(
        !std::iter::from_fn(|| s.poll_event())
            .any(|e| matches!(e, Event::Request { stream, .. } if stream.value() == 3))
    );
}

#[test]
fn empty_data_flood_is_cut_off() {
    let (mut s, now) = handshaken_server();
    let mut b = headers(1, false);
    for _ in 0..1001 {
        b.extend(Builder::new(kind::DATA, 1).build());
    }
    let e = s.recv(now, &b).unwrap_err();
    assert!(matches!(e, Error::EmptyFrameFlood { limit: 1000, .. }));
    assert_eq!(goaway_code(&mut s, now), Some(ErrorCode::ENHANCE_YOUR_CALM));
}

#[test]
fn graceful_shutdown_keeps_requests_in_flight() {
    let mut p = pair();
    let a = get(&mut p, b"/a", true);
    p.drive();
    // The server starts draining while the client, not yet aware, opens another stream.
    p.server.go_away(ErrorCode::NO_ERROR).unwrap();
    let b = get(&mut p, b"/b", true);
    p.drive();
    let lasts: Vec<u32> = p
        .client_events
        .iter()
        .filter_map(|e| match e {
            Event::GoAway { last_stream, .. } => Some(last_stream.value()),
            _ => None,
        })
        .collect();
    assert_eq!(lasts, vec![StreamId::MAX.value(), b.value()]);
    assert!(
        p.server_events
            .iter()
            .any(|e| matches!(e, Event::Request { stream, .. } if *stream == b))
    );
    for id in [a, b] {
        p.server.send_response(id, 200, &[], true).unwrap();
    }
    p.drive();
    assert!(p.server.is_closed() && p.client.is_closed());
    assert!(p.client_error.is_none() && p.server_error.is_none());
}

#[test]
fn configured_header_order_wins() {
    let mut cfg = Config::client();
    cfg.header_order = vec![b"accept".to_vec(), b"user-agent".to_vec()];
    let mut p = Pair::new(Instant::now(), cfg, Config::server());
    let hs: &[(&[u8], &[u8])] = &[
        (b"x-1", b"1"),
        (b"user-agent", b"u"),
        (b"x-2", b"2"),
        (b"accept", b"*/*"),
    ];
    let id = p
        .client
        .send_request(
            &Request {
                headers: hs,
                ..Request::get(b"http", b"a", b"/")
            },
            true,
        )
        .unwrap();
    p.drive();
    let got: Vec<Vec<u8>> = p
        .server_events
        .iter()
        .find_map(|e| match e {
            Event::Request { stream, head, .. } if *stream == id => {
                Some(head.headers().map(|(n, _)| n.to_vec()).collect())
            }
            _ => None,
        })
        .unwrap();
    assert_eq!(
        got,
        vec![
            b"accept".to_vec(),
            b"user-agent".to_vec(),
            b"x-1".to_vec(),
            b"x-2".to_vec()
        ]
    );
}

#[test]
fn data_before_the_response_head_is_misuse() {
    let mut p = pair();
    let id = get(&mut p, b"/", true);
    p.drive();
    assert!(matches!(
        p.server.send_data(id, Bytes::from_static(b"x"), true),
        Err(UserError::InvalidState { .. })
    ));
    assert!(matches!(
        p.server.send_trailers(id, &[(b"x", b"y")]),
        Err(UserError::InvalidState { .. })
    ));
    p.server.send_response(id, 200, &[], false).unwrap();
    p.server
        .send_data(id, Bytes::from_static(b"x"), true)
        .unwrap();
}

#[test]
fn our_initial_window_change_applies_to_open_streams_on_ack() {
    let mut p = pair();
    let id = get(&mut p, b"/", false);
    p.drive();
    let before = p.client.stream_recv_window(id).unwrap();
    p.client
        .send_settings(p.now, &[(id::INITIAL_WINDOW_SIZE, (1 << 20) - 4096)])
        .unwrap();
    assert!(p.client.poll_timeout().is_some(), "ACK timer armed");
    p.drive();
    assert_eq!(p.client.stream_recv_window(id).unwrap(), before - 4096);
    assert_eq!(p.client.poll_timeout(), None);
    assert!(matches!(
        p.client.send_settings(p.now, &[(id::MAX_FRAME_SIZE, 1)]),
        Err(UserError::InvalidSetting(_))
    ));
}

#[test]
fn streams_opened_before_our_settings_are_acked_get_the_right_window() {
    // A client that lowers its stream window and sends a request at once, before the
    // server has acknowledged the SETTINGS: the server sees the SETTINGS first, so it sends
    // at most 1000 bytes, and that must be accepted (the window is not lowered twice).
    let mut cfg = Config::client();
    cfg.settings = vec![(id::INITIAL_WINDOW_SIZE, 1000)];
    let mut p = Pair::new(Instant::now(), cfg, Config::server());
    let id = get(&mut p, b"/", true);
    p.drive();
    p.server.send_response(id, 200, &[], false).unwrap();
    p.server
        .send_data(id, Bytes::from(vec![1u8; 1000]), true)
        .unwrap();
    p.drive();
    assert!(
        !p.client_events
            .iter()
            .any(|e| matches!(e, Event::Reset { .. })),
        "{:?}",
        p.client_events
    );
    assert_eq!(read_all(&mut p.client, id).len(), 1000);
    // And a window raised by SETTINGS is raised once, to what was advertised.
    let mut p = pair();
    let id = get(&mut p, b"/", true);
    p.drive();
    assert_eq!(p.client.stream_recv_window(id), Some(1 << 20));
}

/// The server's SETTINGS_MAX_CONCURRENT_STREAMS: a request past it is refused with
/// `ConcurrencyLimit`; a stream that is over but still holds unread body bytes (kept in the
/// connection) does not count, and one that is still open does.
#[test]
fn requests_past_the_peers_concurrency_limit_wait_for_a_stream_to_end() {
    let mut server = Config::server();
    server.settings.push((id::MAX_CONCURRENT_STREAMS, 2));
    let mut p = Pair::new(Instant::now(), Config::client(), server);
    p.drive();
    let c = Request::get(b"http", b"example.com", b"/c");
    let a = get(&mut p, b"/a", true);
    let b = get(&mut p, b"/b", true);
    assert_eq!(
        p.client.send_request(&c, true),
        Err(UserError::ConcurrencyLimit(2))
    );
    p.drive();
    p.server.send_response(a, 200, &[], false).unwrap();
    p.server
        .send_data(a, Bytes::from_static(b"unread"), true)
        .unwrap();
    p.server.send_response(b, 200, &[], false).unwrap();
    p.drive();
    // `a` is over (its body waits to be read), `b` is open: one of two.
    let third = p.client.send_request(&c, true).unwrap();
    assert_eq!(
        p.client.send_request(&c, true),
        Err(UserError::ConcurrencyLimit(2))
    );
    assert_eq!(read_all(&mut p.client, a), b"unread");
    assert!(third.value() > b.value());
}
