//! Property tests: any split of a valid message gives the same events; serialize then parse is
//! the identity; arbitrary bytes never panic.

use proptest::prelude::*;
use proto_h1::{
    BodyEncoder, Chunk, ChunkedDecoder, ClientConn, Config, ConnConfig, EMPTY_HEADER, Event,
    Framing, Header, Limits, Request, Response, ServerConn, Status, Version, write_request_head,
    write_response_head,
};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Ev {
    Head(String, Vec<(String, Vec<u8>)>),
    Data(Vec<u8>),
    End(Vec<(String, Vec<u8>)>),
    Upgrade(Vec<u8>),
}

fn own(ev: Event<'_>) -> Ev {
    let fields = |f: proto_h1::Fields<'_>| {
        f.iter()
            .map(|h| (h.name.to_string(), h.value.to_vec()))
            .collect()
    };
    match ev {
        Event::Request(h) => Ev::Head(format!("{} {}", h.method, h.target), fields(h.fields)),
        Event::Response(h) => Ev::Head(h.code.to_string(), fields(h.fields)),
        Event::Data(d) => Ev::Data(d.to_vec()),
        Event::End { trailers } => Ev::End(fields(trailers)),
        Event::Upgrade(r) => Ev::Upgrade(r.to_vec()),
        _ => unreachable!(),
    }
}

/// Merges adjacent data events (splits change how data is cut, not what it is).
fn normalize(evs: Vec<Ev>) -> Vec<Ev> {
    let mut out: Vec<Ev> = Vec::new();
    for e in evs {
        match (out.last_mut(), e) {
            (Some(Ev::Data(a)), Ev::Data(b)) => a.extend(b),
            (_, Ev::Data(b)) if b.is_empty() => {}
            (_, e) => out.push(e),
        }
    }
    out
}

/// Feeds `input` in pieces cut at `cuts` to a server, answering each request with an empty
/// response.
fn server_events(input: &[u8], cuts: &[usize]) -> Result<Vec<Ev>, proto_h1::Error> {
    let mut s = ServerConn::new(ConnConfig::default());
    let mut evs = Vec::new();
    let mut bounds: Vec<usize> = cuts.iter().map(|&c| c.min(input.len())).collect();
    bounds.push(input.len());
    bounds.sort_unstable();
    let mut pos = 0;
    for b in bounds {
        while pos < b {
            let n = s.recv(&input[pos..b])?;
            pos += n;
            while let Some(ev) = s.poll_event()?.map(own) {
                let end = matches!(ev, Ev::End(_));
                evs.push(ev);
                if end {
                    s.send_response(
                        200,
                        b"OK",
                        &[Header {
                            name: "Content-Length",
                            value: b"0",
                        }],
                    )
                    .unwrap();
                    s.send_end(&[]).unwrap();
                }
            }
            if n == 0 {
                break;
            }
        }
    }
    Ok(normalize(evs))
}

fn token() -> impl Strategy<Value = String> {
    "[A-Za-z0-9!#$%&'*+.^_`|~-]{1,12}"
}

fn value() -> impl Strategy<Value = Vec<u8>> {
    // No leading/trailing whitespace (the parser trims it), no controls but HTAB inside.
    prop::collection::vec(
        prop_oneof![0x21u8..0x7f, 0x80u8..=0xff, Just(b' '), Just(b'\t')],
        0..40,
    )
    .prop_map(|mut v| {
        while matches!(v.first(), Some(b' ' | b'\t')) {
            v.remove(0);
        }
        while matches!(v.last(), Some(b' ' | b'\t')) {
            v.pop();
        }
        v
    })
}

fn fields() -> impl Strategy<Value = Vec<(String, Vec<u8>)>> {
    prop::collection::vec((token(), value()), 0..8).prop_map(|v| {
        v.into_iter()
            .filter(|(n, _)| {
                let n = n.to_ascii_lowercase();
                n != "content-length"
                    && n != "transfer-encoding"
                    && n != "connection"
                    && n != "expect"
                    && n != "upgrade"
                    && n != "host"
            })
            .collect()
    })
}

fn target() -> impl Strategy<Value = String> {
    "/[A-Za-z0-9/?=&%._~-]{0,30}"
}

#[derive(Debug, Clone)]
struct Msg {
    method: String,
    target: String,
    fields: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
    chunked: bool,
    trailers: Vec<(String, Vec<u8>)>,
    /// A valid `Host` value (a server requires one in every HTTP/1.1 request).
    host: String,
}

fn msg() -> impl Strategy<Value = Msg> {
    (
        token(),
        target(),
        fields(),
        prop::collection::vec(any::<u8>(), 0..300),
        any::<bool>(),
        fields(),
        "([a-z0-9.-]{0,20}|\\[::[0-9a-f]{1,4}\\])(:[0-9]{0,5})?",
    )
        .prop_map(
            |(method, target, fields, body, chunked, trailers, host)| Msg {
                method: if method == "CONNECT" || method == "HEAD" {
                    "GET".into()
                } else {
                    method
                },
                target,
                fields,
                body,
                chunked,
                trailers: if chunked { trailers } else { vec![] },
                host,
            },
        )
}

fn serialize_request(m: &Msg, out: &mut Vec<u8>) {
    let len = m.body.len().to_string();
    let host = Header {
        name: "Host",
        value: m.host.as_bytes(),
    };
    let mut hs: Vec<Header<'_>> = core::iter::once(host)
        .chain(m.fields.iter().map(|(n, v)| Header { name: n, value: v }))
        .collect();
    if m.chunked {
        hs.push(Header {
            name: "Transfer-Encoding",
            value: b"chunked",
        });
    } else if !m.body.is_empty() {
        hs.push(Header {
            name: "Content-Length",
            value: len.as_bytes(),
        });
    }
    let f = write_request_head(out, &m.method, &m.target, Version::Http11, &hs).unwrap();
    let mut enc = BodyEncoder::new(f);
    for piece in m.body.chunks(97) {
        enc.encode(piece, out).unwrap();
    }
    let tr: Vec<Header<'_>> = m
        .trailers
        .iter()
        .map(|(n, v)| Header { name: n, value: v })
        .collect();
    enc.finish(&tr, out).unwrap();
}

fn expected(m: &Msg) -> Vec<Ev> {
    let mut fields = vec![("Host".to_string(), m.host.clone().into_bytes())];
    fields.extend(m.fields.iter().cloned());
    if m.chunked {
        fields.push(("Transfer-Encoding".into(), b"chunked".to_vec()));
    } else if !m.body.is_empty() {
        fields.push((
            "Content-Length".into(),
            m.body.len().to_string().into_bytes(),
        ));
    }
    let mut v = vec![Ev::Head(format!("{} {}", m.method, m.target), fields)];
    if !m.body.is_empty() {
        v.push(Ev::Data(m.body.clone()));
    }
    v.push(Ev::End(m.trailers.clone()));
    v
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn serialize_then_parse_is_identity_under_any_split(
        msgs in prop::collection::vec(msg(), 1..4),
        cuts in prop::collection::vec(0usize..2000, 0..6),
    ) {
        let mut wire = Vec::new();
        let mut want = Vec::new();
        for m in &msgs {
            serialize_request(m, &mut wire);
            want.extend(expected(m));
        }
        let want = normalize(want);
        let whole = server_events(&wire, &[]).unwrap();
        prop_assert_eq!(&whole, &want);
        let split = server_events(&wire, &cuts).unwrap();
        prop_assert_eq!(&split, &want);
    }

    #[test]
    fn response_heads_round_trip(code in 100u16..1000, reason in "[A-Za-z ]{0,20}", fs in fields()) {
        let hs: Vec<Header<'_>> = fs.iter().map(|(n, v)| Header { name: n, value: v }).collect();
        let mut out = Vec::new();
        write_response_head(&mut out, "GET", Version::Http11, code, reason.as_bytes(), &hs).unwrap();
        let mut slots = [EMPTY_HEADER; 16];
        let mut r = Response::new(&mut slots);
        prop_assert_eq!(r.parse(&out), Ok(Status::Complete(out.len())));
        prop_assert_eq!(r.code, code);
        prop_assert_eq!(r.reason, reason.as_bytes());
        prop_assert_eq!(r.headers(), &hs[..]);
    }

    #[test]
    fn client_any_split_same_events(
        body in prop::collection::vec(any::<u8>(), 0..200),
        chunked in any::<bool>(),
        cut in 0usize..400,
    ) {
        let mut wire = Vec::new();
        let len = body.len().to_string();
        let h = if chunked {
            Header { name: "Transfer-Encoding", value: b"chunked" }
        } else {
            Header { name: "Content-Length", value: len.as_bytes() }
        };
        let f = write_response_head(&mut wire, "GET", Version::Http11, 200, b"OK", &[h]).unwrap();
        let mut enc = BodyEncoder::new(f);
        enc.encode(&body, &mut wire).unwrap();
        enc.finish(&[], &mut wire).unwrap();
        let run = |cut: usize| {
            let mut c = ClientConn::new(ConnConfig::default());
            c.send_request("GET", "/", &[]).unwrap();
            c.send_end(&[]).unwrap();
            let mut evs = Vec::new();
            let cut = cut.min(wire.len());
            for part in [&wire[..cut], &wire[cut..]] {
                assert_eq!(c.recv(part).unwrap(), part.len());
                while let Some(ev) = c.poll_event().unwrap() {
                    evs.push(own(ev));
                }
            }
            normalize(evs)
        };
        prop_assert_eq!(run(cut), run(wire.len()));
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let mut slots = [EMPTY_HEADER; 8];
        let _ = Request::new(&mut slots).parse(&bytes);
        let _ = Response::new(&mut slots).parse_with(&bytes, &Config { allow_obs_fold_in_responses: true, ..Config::default() });
        let mut d = ChunkedDecoder::new(&Limits::default());
        let mut i = 0;
        while let Ok((n, ev)) = d.decode(&bytes[i..]) {
            i += n;
            if n == 0 || matches!(ev, Some(Chunk::End { .. })) { break; }
        }
        let _ = server_events(&bytes, &[bytes.len() / 2]);
        let mut c = ClientConn::new(ConnConfig::default());
        c.send_request("GET", "/", &[]).unwrap();
        c.send_end(&[]).unwrap();
        if c.recv(&bytes).is_ok() {
            while let Ok(Some(_)) = c.poll_event() {}
            let _ = c.recv_eof();
            while let Ok(Some(_)) = c.poll_event() {}
        }
    }

    #[test]
    fn mutated_valid_messages_never_panic(m in msg(), pos in any::<usize>(), byte in any::<u8>()) {
        let mut wire = Vec::new();
        serialize_request(&m, &mut wire);
        let p = pos % wire.len();
        wire[p] = byte;
        let _ = server_events(&wire, &[p]);
    }
}

#[test]
fn chunked_encoder_output_decodes_back() {
    let mut out = Vec::new();
    let mut enc = BodyEncoder::new(Framing::Chunked);
    enc.encode(b"hello ", &mut out).unwrap();
    enc.encode(b"", &mut out).unwrap();
    enc.encode(b"world", &mut out).unwrap();
    enc.finish(
        &[Header {
            name: "X",
            value: b"1",
        }],
        &mut out,
    )
    .unwrap();
    let mut d = ChunkedDecoder::new(&Limits::default());
    let mut body = Vec::new();
    let mut i = 0;
    loop {
        let (n, ev) = d.decode(&out[i..]).unwrap();
        i += n;
        match ev.unwrap() {
            Chunk::Data(x) => body.extend_from_slice(x),
            Chunk::End { trailers } => {
                assert_eq!(trailers, b"X: 1\r\n\r\n");
                break;
            }
        }
    }
    assert_eq!(body, b"hello world");
}
