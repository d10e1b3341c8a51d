//! Unit tests of the head parser (`head.rs`).

use super::*;

fn req(b: &[u8]) -> Result<Status, Error> {
    let mut slots = [EMPTY_HEADER; 16];
    Request::new(&mut slots).parse(b)
}

fn res(b: &[u8]) -> Result<Status, Error> {
    let mut slots = [EMPTY_HEADER; 16];
    Response::new(&mut slots).parse(b)
}

#[test]
fn request_forms() {
    for (m, t) in [
        ("GET", "/"),
        ("GET", "/a/b?c=d&e"),
        ("GET", "http://example.com/x"),
        ("CONNECT", "example.com:443"),
        ("CONNECT", "[::1]:8080"),
        ("OPTIONS", "*"),
        ("M-SEARCH", "*"),
        ("PROPFIND", "/dav"),
        ("get", "/lower"),
    ] {
        let b = format!("{m} {t} HTTP/1.1\r\nHost: h\r\n\r\n");
        let r = req(b.as_bytes());
        if m == "M-SEARCH" {
            assert_eq!(r, Err(Error::InvalidTarget { offset: 9 }), "{b}");
            continue;
        }
        assert_eq!(r, Ok(Status::Complete(b.len())), "{b}");
        let mut slots = [EMPTY_HEADER; 4];
        let mut p = Request::new(&mut slots);
        p.parse(b.as_bytes()).unwrap();
        assert_eq!((p.method, p.target), (m, t));
    }
}

#[test]
fn names_keep_case_and_order() {
    let b = b"GET / HTTP/1.0\r\nx-B: 1\r\nX-a:2\r\nHOST:  h \t\r\nEmpty:\r\n\r\n";
    let mut slots = [EMPTY_HEADER; 8];
    let mut p = Request::new(&mut slots);
    assert_eq!(p.parse(b), Ok(Status::Complete(b.len())));
    let got: Vec<_> = p.headers().iter().map(|h| (h.name, h.value)).collect();
    assert_eq!(
        got,
        [
            ("x-B", &b"1"[..]),
            ("X-a", b"2"),
            ("HOST", b"h"),
            ("Empty", b"")
        ]
    );
    assert_eq!(p.version, Version::Http10);
    assert_eq!(p.header("host"), Some(&b"h"[..]));
}

#[test]
fn every_prefix_is_partial() {
    let b = b"\r\nPOST /x HTTP/1.1\r\nA: b\tc\r\nB: \r\n\r\n";
    for n in 0..b.len() {
        assert_eq!(req(&b[..n]), Ok(Status::Partial), "{n}");
    }
    assert_eq!(req(b), Ok(Status::Complete(b.len())));
    let r = b"HTTP/1.1 200 OK\r\nA: b\r\n\r\n";
    for n in 0..r.len() {
        assert_eq!(res(&r[..n]), Ok(Status::Partial), "{n}");
    }
    assert_eq!(res(r), Ok(Status::Complete(r.len())));
}

#[test]
fn status_lines() {
    for (line, code, reason) in [
        (&b"HTTP/1.1 200 OK"[..], 200, &b"OK"[..]),
        (b"HTTP/1.1 200 ", 200, b""),
        (b"HTTP/1.1 200", 200, b""),
        (b"HTTP/1.0 404 Not  Found", 404, b"Not  Found"),
        (b"HTTP/1.1 999 \xff\tx", 999, b"\xff\tx"),
    ] {
        let mut b = line.to_vec();
        b.extend_from_slice(b"\r\n\r\n");
        let mut slots = [EMPTY_HEADER; 2];
        let mut p = Response::new(&mut slots);
        assert_eq!(p.parse(&b), Ok(Status::Complete(b.len())), "{line:?}");
        assert_eq!((p.code, p.reason), (code, reason));
    }
    for bad in [
        &b"HTTP/1.1 20 OK\r\n\r\n"[..],
        b"HTTP/1.1 099 OK\r\n\r\n",
        b"HTTP/1.1 2000 OK\r\n\r\n",
        b"HTTP/1.1  200 OK\r\n\r\n",
        b"HTTP/1.1 200 O\x01K\r\n\r\n",
        b"HTTP/1.1 200 OK\n\r\n",
        b"HTTP/1.1 200 OK\rX\n\r\n",
        b"HTTP/1.1 abc OK\r\n\r\n",
        b"HTTX",
        b"ICY 200 OK\r\n\r\n",
    ] {
        assert!(res(bad).is_err(), "{:?}", String::from_utf8_lossy(bad));
    }
    assert_eq!(
        res(b"HTTP/2.0 200 OK\r\n\r\n"),
        Err(Error::UnsupportedVersion { offset: 0 })
    );
}

/// The one-word status-code test agrees with the byte-by-byte reading for every byte in
/// every lane of ` DDD `.
#[test]
fn status_code_word_matches_bytes() {
    for lane in 0..5 {
        for c in 0u8..=255 {
            let mut w = *b" 204 OK\r";
            w[lane] = c;
            let d = &w[1..4];
            let want =
                (w[0] == b' ' && w[4] == b' ' && d.iter().all(u8::is_ascii_digit) && d[0] != b'0')
                    .then(|| d.iter().fold(0u16, |n, &c| n * 10 + u16::from(c - b'0')));
            assert_eq!(code_and_sp(u64::from_le_bytes(w)), want, "{w:?}");
        }
    }
}

#[test]
fn strict_rejections() {
    let cases: &[(&[u8], Error)] = &[
        (
            b"GET  / HTTP/1.1\r\n\r\n",
            Error::InvalidStartLine { offset: 4 },
        ),
        (
            b"GET / HTTP/1.1 \r\n\r\n",
            Error::InvalidStartLine { offset: 14 },
        ),
        (b"GET /\r\n\r\n", Error::InvalidStartLine { offset: 5 }),
        (
            b"G(T / HTTP/1.1\r\n\r\n",
            Error::InvalidMethod { offset: 1 },
        ),
        (
            b" GET / HTTP/1.1\r\n\r\n",
            Error::InvalidMethod { offset: 0 },
        ),
        (
            b"GET /\x7f HTTP/1.1\r\n\r\n",
            Error::InvalidTarget { offset: 5 },
        ),
        (
            b"GET /\xc3\xa9 HTTP/1.1\r\n\r\n",
            Error::InvalidTarget { offset: 5 },
        ),
        (
            b"GET x HTTP/1.1\r\n\r\n",
            Error::InvalidTarget { offset: 4 },
        ),
        (
            b"GET * HTTP/1.1\r\n\r\n",
            Error::InvalidTarget { offset: 4 },
        ),
        (
            b"CONNECT /x HTTP/1.1\r\n\r\n",
            Error::InvalidTarget { offset: 8 },
        ),
        (
            b"GET / HTTP/1.2\r\n\r\n",
            Error::UnsupportedVersion { offset: 6 },
        ),
        (
            b"GET / HTTP/11\r\n\r\n",
            Error::InvalidVersion { offset: 6 },
        ),
        (
            b"GET / http/1.1\r\n\r\n",
            Error::InvalidVersion { offset: 6 },
        ),
        (b"GET / HTTP/1.1\n\r\n", Error::BareLf { offset: 14 }),
        (b"GET / HTTP/1.1\r\r\n", Error::BareCr { offset: 14 }),
        (
            b"GET / HTTP/1.1\r\nA : b\r\n\r\n",
            Error::InvalidHeaderName { offset: 17 },
        ),
        (
            b"GET / HTTP/1.1\r\nA\t: b\r\n\r\n",
            Error::InvalidHeaderName { offset: 17 },
        ),
        (
            b"GET / HTTP/1.1\r\n: b\r\n\r\n",
            Error::InvalidHeaderName { offset: 16 },
        ),
        (
            b"GET / HTTP/1.1\r\nA\"b: c\r\n\r\n",
            Error::InvalidHeaderName { offset: 17 },
        ),
        (
            b"GET / HTTP/1.1\r\nA b: c\r\n\r\n",
            Error::InvalidHeaderName { offset: 17 },
        ),
        (
            b"GET / HTTP/1.1\r\nA: b\x00c\r\n\r\n",
            Error::InvalidHeaderValue { offset: 20 },
        ),
        (
            b"GET / HTTP/1.1\r\nA: b\x7fc\r\n\r\n",
            Error::InvalidHeaderValue { offset: 20 },
        ),
        (
            b"GET / HTTP/1.1\r\nA: b\rc\r\n\r\n",
            Error::BareCr { offset: 20 },
        ),
        (
            b"GET / HTTP/1.1\r\nA: b\nc: d\r\n\r\n",
            Error::BareLf { offset: 20 },
        ),
        (
            b"GET / HTTP/1.1\r\nA: b\r\n c\r\n\r\n",
            Error::ObsFold { offset: 22 },
        ),
        (
            b"GET / HTTP/1.1\r\n A: b\r\n\r\n",
            Error::ObsFold { offset: 16 },
        ),
        (
            b"GET / HTTP/1.1\r\nA: b\r\n\n",
            Error::BareLf { offset: 22 },
        ),
        (b"\nGET / HTTP/1.1\r\n\r\n", Error::BareLf { offset: 0 }),
    ];
    for (b, e) in cases {
        assert_eq!(req(b), Err(*e), "{:?}", String::from_utf8_lossy(b));
    }
}

#[test]
fn obs_fold_only_for_lenient_responses() {
    let b = b"HTTP/1.1 200 OK\r\nA: b\r\n  c\r\nD: e\r\n\r\n";
    assert_eq!(res(b), Err(Error::ObsFold { offset: 23 }));
    let config = Config {
        allow_obs_fold_in_responses: true,
        ..Config::default()
    };
    let mut slots = [EMPTY_HEADER; 4];
    let mut p = Response::new(&mut slots);
    assert_eq!(p.parse_with(b, &config), Ok(Status::Complete(b.len())));
    assert_eq!(p.headers()[0].value, b"b\r\n  c");
    assert_eq!(p.headers()[1].value, b"e");
}

#[test]
fn limits_apply_to_partial_input() {
    let mut limits = Limits {
        max_head_size: 40,
        ..Limits::default()
    };
    let config = |limits| Config {
        limits,
        ..Config::default()
    };
    let mut slots = [EMPTY_HEADER; 4];
    let long = b"GET / HTTP/1.1\r\nA: 0123456789012345678901234567890123456789";
    let e = Request::new(&mut slots).parse_with(long, &config(limits));
    assert_eq!(e.map_err(Error::status), Err(431));
    limits = Limits {
        max_target_len: 8,
        ..Limits::default()
    };
    let e = Request::new(&mut slots).parse_with(b"GET /0123456789", &config(limits));
    assert_eq!(e.map_err(Error::status), Err(414));
    limits = Limits {
        max_headers: 2,
        ..Limits::default()
    };
    let e = Request::new(&mut slots).parse_with(
        b"GET / HTTP/1.1\r\na: 1\r\nb: 2\r\nc: 3\r\n",
        &config(limits),
    );
    assert_eq!(e, Err(Error::TooManyHeaders { limit: 2 }));
    let mut two = [EMPTY_HEADER; 2];
    let e = Request::new(&mut two).parse(b"GET / HTTP/1.1\r\na: 1\r\nb: 2\r\nc: 3\r\n");
    assert_eq!(e.map_err(Error::status), Err(431));
}

#[test]
fn tokens_in_lists() {
    assert!(has_token(b"keep-alive, Upgrade", "upgrade"));
    assert!(has_token(b" close ", "close"));
    assert!(!has_token(b"closed", "close"));
}

/// A `Response` stores its status line before the fields are parsed: after a head that
/// fails in its fields, the next parse with the same `Response` still gives that head's own
/// line and fields only.
#[test]
fn response_reused_after_a_failed_head() {
    let mut slots = [EMPTY_HEADER; 4];
    let mut p = Response::new(&mut slots);
    assert_eq!(
        p.parse(b"HTTP/1.0 404 Nope\r\nA: b\r\nC : d\r\n\r\n"),
        Err(Error::InvalidHeaderName { offset: 26 })
    );
    assert!(p.headers().is_empty());
    assert_eq!(
        p.parse(b"HTTP/1.0 404 Nope\r\nA: b\r\n"),
        Ok(Status::Partial)
    );
    assert!(p.headers().is_empty());
    let b = b"HTTP/1.1 200 OK\r\nX: y\r\n\r\n";
    assert_eq!(p.parse(b), Ok(Status::Complete(b.len())));
    assert_eq!(
        (p.version, p.code, p.reason),
        (Version::Http11, 200, &b"OK"[..])
    );
    assert_eq!(
        p.headers(),
        [Header {
            name: "X",
            value: b"y"
        }]
    );
}

/// The request line's word-compare end (` HTTP/1.x` CRLF, taken where 11 bytes follow the
/// target) against the general path, which every shorter input takes: on lines built from
/// good and bad methods, separators, targets, versions and line ends, each cut of the input
/// is `Partial` or fails as the whole input does, and the whole input is accepted exactly when
/// its line is valid, with the line's method, target and version.
#[test]
fn request_line_fast_end_agrees_with_every_cut() {
    let methods = ["GET", "PUT", "POST", "CONNECT", "OPTIONS", "get", "G(T", ""];
    let seps = [" ", "  ", "\t"];
    let targets = [
        "/",
        "/a?b",
        "*",
        "example.com:443",
        "http://x/y",
        "",
        "/\x7f",
        "x",
    ];
    let versions = [
        "HTTP/1.1",
        "HTTP/1.0",
        "HTTP/1.2",
        "HTTP/2.0",
        "http/1.1",
        "HTTP/1.1 ",
    ];
    let eols = ["\r\n", "\n", "\r\r", "\r"];
    let mut accepted = 0;
    for m in methods {
        for s1 in seps {
            for t in targets {
                for s2 in seps {
                    for v in versions {
                        for eol in eols {
                            let line = format!("{m}{s1}{t}{s2}{v}{eol}");
                            let b = format!("{line}Host: h\r\n\r\n");
                            let b = b.as_bytes();
                            let mut slots = [EMPTY_HEADER; 4];
                            let mut p = Request::new(&mut slots);
                            let whole = p.parse(b);
                            let valid = !m.is_empty()
                                && m.bytes().all(|c| c.is_ascii_alphabetic())
                                && s1 == " "
                                && s2 == " "
                                && matches!(v, "HTTP/1.1" | "HTTP/1.0")
                                && eol == "\r\n"
                                && match t {
                                    "/" | "/a?b" | "http://x/y" => m != "CONNECT",
                                    "*" => m == "OPTIONS",
                                    "example.com:443" => m == "CONNECT",
                                    _ => false,
                                };
                            if valid {
                                accepted += 1;
                                assert_eq!(whole, Ok(Status::Complete(b.len())), "{line:?}");
                                let version = if v == "HTTP/1.1" {
                                    Version::Http11
                                } else {
                                    Version::Http10
                                };
                                assert_eq!((p.method, p.target, p.version), (m, t, version));
                            } else {
                                assert!(whole.is_err(), "{line:?}: {whole:?}");
                            }
                            for n in 0..b.len() {
                                let cut = req(&b[..n]);
                                assert!(
                                    cut == Ok(Status::Partial) || cut == whole,
                                    "{line:?} cut at {n}: {cut:?}, whole {whole:?}"
                                );
                            }
                        }
                    }
                }
            }
        }
    }
    // In both versions: the five methods but `CONNECT` with `/`, `/a?b` and `http://x/y`,
    // `OPTIONS` with `*` and `CONNECT` with `example.com:443`.
    assert_eq!(accepted, 2 * (5 * 3 + 1 + 1));
}

/// The field loop's inline path against the general one, which parsed every line before the
/// inline path existed: on blocks of usual and unusual lines (OWS, HTAB, obs-text, long and
/// empty values, bare CR or LF, folds, bad names, cut anywhere) both give the same result and
/// the same fields, with obs-fold allowed and not.
mod fast_and_general_fields_agree {
    use super::*;
    use crate::scan::Dyn;
    use proptest::prelude::*;

    fn name() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            4 => "[A-Za-z0-9-]{1,20}".prop_map(String::into_bytes),
            1 => Just(Vec::new()),
            1 => Just(b"Bad Name".to_vec()),
            1 => Just(b"x\x7f".to_vec()),
        ]
    }

    fn ows() -> impl Strategy<Value = &'static [u8]> {
        prop_oneof![
            4 => Just(&b" "[..]),
            1 => Just(&b""[..]),
            1 => Just(&b"  "[..]),
            1 => Just(&b"\t"[..]),
            1 => Just(&b" \t"[..]),
        ]
    }

    fn value() -> impl Strategy<Value = Vec<u8>> {
        let byte = prop_oneof![
            12 => 0x21u8..0x7f,
            2 => Just(b' '),
            1 => Just(b'\t'),
            1 => 0x80u8..=0xff,
            1 => Just(0x7fu8),
            1 => Just(0u8),
        ];
        prop_oneof![
            3 => prop::collection::vec(byte.clone(), 0..12),
            2 => prop::collection::vec(byte.clone(), 12..40),
            1 => prop::collection::vec(byte, 40..120),
        ]
    }

    fn eol() -> impl Strategy<Value = &'static [u8]> {
        prop_oneof![
            8 => Just(&b"\r\n"[..]),
            1 => Just(&b"\n"[..]),
            1 => Just(&b"\rx"[..]),
            1 => Just(&b"\r\n "[..]),
            1 => Just(&b"\r\n\t"[..]),
        ]
    }

    fn line() -> impl Strategy<Value = Vec<u8>> {
        (name(), ows(), value(), ows(), eol())
            .prop_map(|(n, a, v, b, e)| [&n[..], b":", a, &v[..], b, e].concat())
    }

    fn block() -> impl Strategy<Value = Vec<u8>> {
        (
            prop::collection::vec(line(), 0..6),
            any::<prop::sample::Index>(),
            any::<bool>(),
        )
            .prop_map(|(lines, cut, whole)| {
                let mut b = lines.concat();
                b.extend_from_slice(b"\r\n");
                if !whole {
                    b.truncate(cut.index(b.len() + 1));
                }
                b
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn on_any_block(b in block(), max_headers in prop_oneof![Just(100usize), 0usize..4]) {
            let limits = Limits { max_headers, ..Limits::default() };
            for obs_fold in [false, true] {
                let mut fast_slots = [EMPTY_HEADER; 8];
                let mut fast = Slots::new(&mut fast_slots, limits.max_headers);
                let got = parse_fields(Dyn, &b, 0, &limits, obs_fold, &mut fast);
                let n = fast.len;
                let mut general_slots = [EMPTY_HEADER; 8];
                let mut general = Slots::new(&mut general_slots, limits.max_headers);
                let want = fields_general(Dyn, &b, 0, &limits, obs_fold, &mut general);
                prop_assert_eq!(got, want, "obs_fold {}", obs_fold);
                prop_assert_eq!(n, general.len);
                prop_assert_eq!(&fast_slots[..n], &general_slots[..n]);
            }
        }
    }

    /// The shapes the inline path takes, and the ones it hands on, one by one.
    #[test]
    fn at_each_hand_over() {
        let long = "v".repeat(100);
        for line in [
            "A: b".to_string(),
            "A: bc".into(),
            "A:b".into(),
            "A:  b".into(),
            "A: b ".into(),
            "A: ".into(),
            "A:".into(),
            "A: b\tc".into(),
            "A: \u{e9}".into(),
            format!("A: {long}"),
            format!("A: {}", &long[..31]),
            format!("A: {}", &long[..32]),
            format!("A: {}", &long[..33]),
        ] {
            for tail in ["\r\n", "B: c\r\n\r\n", " folded\r\n\r\n"] {
                let b = format!("{line}\r\n{tail}");
                for obs_fold in [false, true] {
                    let limits = Limits::default();
                    let mut s1 = [EMPTY_HEADER; 4];
                    let mut k1 = Slots::new(&mut s1, 100);
                    let got = parse_fields(Dyn, b.as_bytes(), 0, &limits, obs_fold, &mut k1);
                    let n = k1.len;
                    let mut s2 = [EMPTY_HEADER; 4];
                    let mut k2 = Slots::new(&mut s2, 100);
                    let want = fields_general(Dyn, b.as_bytes(), 0, &limits, obs_fold, &mut k2);
                    let m = k2.len;
                    assert_eq!(got, want, "{b:?} obs_fold {obs_fold}");
                    assert_eq!(&s1[..n], &s2[..m], "{b:?} obs_fold {obs_fold}");
                }
            }
        }
    }
}

#[test]
fn connection_options_read_lone_values_and_lists_alike() {
    let opts = |lines: &[&[u8]]| {
        let mut o = ConnectionOptions::default();
        for l in lines {
            o.add(l);
        }
        (o.close, o.persists(Version::Http10))
    };
    // (close, an HTTP/1.0 message persists)
    assert_eq!(opts(&[b"keep-alive"]), (false, true));
    assert_eq!(opts(&[b"Keep-Alive"]), (false, true));
    assert_eq!(opts(&[b"close"]), (true, false));
    assert_eq!(opts(&[b"CLOSE"]), (true, false));
    assert_eq!(opts(&[b"keep-alive", b"close"]), (true, false));
    assert_eq!(opts(&[b"close", b"keep-alive"]), (true, false));
    assert_eq!(opts(&[b"keep-alive, close"]), (true, false));
    assert_eq!(opts(&[b"upgrade,keep-alive"]), (false, true));
    assert_eq!(opts(&[b"keep-alives"]), (false, false));
    assert_eq!(opts(&[b"closed"]), (false, false));
    assert_eq!(opts(&[b"upgrade"]), (false, false));
    assert_eq!(opts(&[]), (false, false));
    assert!(opts(&[b"close"]) != opts(&[b"keep-alive"]));
}

/// The `GET `/`PUT ` line taken on its own in `parse_request_line` gives what the general
/// way gives: the limit on the target at its edge, the other target forms, a bad version or
/// line end, and the method's and target's slices where the general way puts them.
#[test]
fn get_and_put_lines_agree_with_the_general_way() {
    let config = Config {
        limits: Limits {
            max_target_len: 4,
            ..Limits::default()
        },
        ..Config::default()
    };
    let parse = |b: &'static [u8]| {
        let mut slots = [EMPTY_HEADER; 4];
        let mut r = Request::new(&mut slots);
        r.parse_with(b, &config)
            .map(|s| (s, r.method, r.target, r.version))
    };
    for m in ["GET", "PUT"] {
        let line = |rest: &str| -> &'static [u8] {
            Box::leak(
                format!("{m} {rest}\r\nHost: x\r\n\r\n")
                    .into_bytes()
                    .into_boxed_slice(),
            )
        };
        let b = line("/abc HTTP/1.0");
        assert_eq!(
            parse(b),
            Ok((Status::Complete(b.len()), m, "/abc", Version::Http10))
        );
        // The general way, with the same checks: a fifth byte breaks the limit there too.
        assert_eq!(
            parse(line("/abcd HTTP/1.1")),
            Err(Error::TargetTooLong { limit: 4 })
        );
        assert_eq!(
            parse(line("/a  HTTP/1.1")),
            Err(Error::InvalidVersion { offset: 7 })
        );
        assert_eq!(
            parse(line("* HTTP/1.1")),
            Err(Error::InvalidTarget { offset: 4 })
        );
        assert_eq!(
            parse(line("/a HTTP/2.0")),
            Err(Error::UnsupportedVersion { offset: 7 })
        );
        assert!(parse(line("/a HTTP/1.1\r")).is_err());
        assert_eq!(
            parse(b"GET /a HTTP/1.1\r"),
            Ok((Status::Partial, "", "", Version::Http11))
        );
    }
    let mut slots = [EMPTY_HEADER; 4];
    let mut r = Request::new(&mut slots);
    let b = b"PUT http://x/ HTTP/1.1\r\n\r\n";
    assert_eq!(r.parse(b), Ok(Status::Complete(b.len())));
    assert_eq!((r.method, r.target), ("PUT", "http://x/"));
    // The slices borrow the input (the connection keeps them as offsets into its buffer).
    let b = b"\r\nGET /x HTTP/1.1\r\n\r\n";
    assert_eq!(r.parse(b), Ok(Status::Complete(b.len())));
    assert_eq!(r.method.as_ptr(), b[2..].as_ptr());
    assert_eq!(r.target.as_ptr(), b[6..].as_ptr());
}

/// The usual status line taken on its own in `parse_status_line` gives what the general way
/// gives: an empty reason, a reason with HTAB or obs-text, a bad code, a bare LF, too few
/// bytes for the 16-byte read, and the reason's slice where the general way puts it.
#[test]
fn usual_status_lines_agree_with_the_general_way() {
    let parse = |b: &'static [u8]| {
        let mut slots = [EMPTY_HEADER; 4];
        let mut r = Response::new(&mut slots);
        r.parse(b).map(|s| (s, r.version, r.code, r.reason))
    };
    let done = |b: &'static [u8], v, code, reason: &'static [u8]| {
        assert_eq!(parse(b), Ok((Status::Complete(b.len()), v, code, reason)));
    };
    done(b"HTTP/1.0 204 \r\n\r\n", Version::Http10, 204, b"");
    done(
        b"HTTP/1.1 404 Not Found\r\nA: b\r\n\r\n",
        Version::Http11,
        404,
        b"Not Found",
    );
    done(
        b"HTTP/1.1 200 a\tb\xff\r\n\r\n",
        Version::Http11,
        200,
        b"a\tb\xff",
    );
    done(b"HTTP/1.1 200\r\n\r\n", Version::Http11, 200, b"");
    assert_eq!(
        parse(b"HTTP/1.1 099 No\r\n\r\n"),
        Err(Error::InvalidStatus { offset: 9 })
    );
    assert_eq!(
        parse(b"HTTP/1.1 200 OK\n\r\n"),
        Err(Error::BareLf { offset: 15 })
    );
    assert_eq!(
        parse(b"HTTP/1.1 200 OK\r").map(|r| r.0),
        Ok(Status::Partial)
    );
    let mut slots = [EMPTY_HEADER; 4];
    let mut r = Response::new(&mut slots);
    let b = b"\r\nHTTP/1.1 200 OK\r\n\r\n";
    assert_eq!(r.parse(b), Ok(Status::Complete(b.len())));
    assert_eq!(r.reason.as_ptr(), b[15..].as_ptr());
}
