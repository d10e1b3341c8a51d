//! Differential tests against httparse: on valid heads both agree on method, target, version
//! and headers; whatever httparse rejects as malformed, we reject too.

use proptest::prelude::*;
use proto_h1::{EMPTY_HEADER, Request, Response, Status, Version};

fn token() -> impl Strategy<Value = String> {
    "[A-Za-z0-9!#$%&'*+.^_`|~-]{1,12}"
}

fn value() -> impl Strategy<Value = String> {
    "[!-~]([ -~\t]{0,30}[!-~])?"
}

fn valid_request() -> impl Strategy<Value = Vec<u8>> {
    (
        token(),
        "/[!-~]{0,40}",
        prop::bool::ANY,
        prop::collection::vec((token(), prop::option::of(value())), 0..10),
    )
        .prop_map(|(m, t, v10, hs)| {
            let m = if m == "CONNECT" || m == "OPTIONS" {
                "GET".to_string()
            } else {
                m
            };
            let mut b = format!("{m} {t} HTTP/1.{}\r\n", if v10 { 0 } else { 1 }).into_bytes();
            for (n, v) in hs {
                b.extend_from_slice(format!("{n}: {}\r\n", v.unwrap_or_default()).as_bytes());
            }
            b.extend_from_slice(b"\r\n");
            b
        })
}

fn valid_response() -> impl Strategy<Value = Vec<u8>> {
    (
        100u16..1000,
        "[ -~]{0,20}",
        prop::collection::vec((token(), value()), 0..10),
    )
        .prop_map(|(c, r, hs)| {
            let mut b = format!("HTTP/1.1 {c} {r}\r\n").into_bytes();
            for (n, v) in hs {
                b.extend_from_slice(format!("{n}:{v}\r\n").as_bytes());
            }
            b.extend_from_slice(b"\r\n");
            b
        })
}

/// Checks one request input against httparse.
fn check_request(input: &[u8]) -> Result<(), TestCaseError> {
    let mut hs = [httparse::EMPTY_HEADER; 16];
    let mut theirs = httparse::Request::new(&mut hs);
    let t = theirs.parse(input);
    let mut slots = [EMPTY_HEADER; 16];
    let mut ours = Request::new(&mut slots);
    let o = ours.parse(input);
    match (&t, &o) {
        (Err(_), Ok(Status::Complete(_))) => {
            return Err(TestCaseError::fail(format!(
                "httparse rejects {t:?}, we accept: {:?}",
                String::from_utf8_lossy(input)
            )));
        }
        (Ok(httparse::Status::Complete(n)), Ok(Status::Complete(m))) => {
            prop_assert_eq!(n, m);
            prop_assert_eq!(theirs.method, Some(ours.method));
            prop_assert_eq!(theirs.path, Some(ours.target));
            let v = if ours.version == Version::Http10 {
                0
            } else {
                1
            };
            prop_assert_eq!(theirs.version, Some(v));
            prop_assert_eq!(theirs.headers.len(), ours.headers().len());
            for (a, b) in theirs.headers.iter().zip(ours.headers()) {
                prop_assert_eq!(a.name, b.name);
                prop_assert_eq!(a.value, b.value);
            }
        }
        (Ok(httparse::Status::Complete(_)), Ok(Status::Partial)) => {
            return Err(TestCaseError::fail("httparse complete, we partial"));
        }
        _ => {}
    }
    Ok(())
}

fn check_response(input: &[u8]) -> Result<(), TestCaseError> {
    let mut hs = [httparse::EMPTY_HEADER; 16];
    let mut theirs = httparse::Response::new(&mut hs);
    let t = theirs.parse(input);
    let mut slots = [EMPTY_HEADER; 16];
    let mut ours = Response::new(&mut slots);
    let o = ours.parse(input);
    match (&t, &o) {
        (Err(_), Ok(Status::Complete(_))) => {
            return Err(TestCaseError::fail(format!(
                "httparse rejects {t:?}, we accept: {:?}",
                String::from_utf8_lossy(input)
            )));
        }
        (Ok(httparse::Status::Complete(n)), Ok(Status::Complete(m))) => {
            prop_assert_eq!(n, m);
            prop_assert_eq!(theirs.code, Some(ours.code));
            prop_assert_eq!(theirs.headers.len(), ours.headers().len());
            for (a, b) in theirs.headers.iter().zip(ours.headers()) {
                prop_assert_eq!(a.name, b.name);
                prop_assert_eq!(a.value, b.value);
            }
        }
        _ => {}
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn valid_requests_agree(input in valid_request()) {
        let mut slots = [EMPTY_HEADER; 16];
        prop_assert!(Request::new(&mut slots).parse(&input).unwrap().is_complete());
        check_request(&input)?;
    }

    #[test]
    fn valid_responses_agree(input in valid_response()) {
        let mut slots = [EMPTY_HEADER; 16];
        prop_assert!(Response::new(&mut slots).parse(&input).unwrap().is_complete());
        check_response(&input)?;
    }

    #[test]
    fn httparse_rejections_are_ours_too_requests(
        input in valid_request(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
    ) {
        let mut input = input;
        for (i, b) in edits {
            let p = i.index(input.len());
            input[p] = b;
        }
        check_request(&input)?;
        for n in 0..input.len() {
            check_request(&input[..n])?;
        }
    }

    #[test]
    fn httparse_rejections_are_ours_too_responses(
        input in valid_response(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
    ) {
        let mut input = input;
        for (i, b) in edits {
            let p = i.index(input.len());
            input[p] = b;
        }
        check_response(&input)?;
    }

    #[test]
    fn arbitrary_bytes(input in prop::collection::vec(any::<u8>(), 0..200)) {
        check_request(&input)?;
        check_response(&input)?;
    }
}

/// The full parser run with every scanning path this CPU has (bytes, SWAR, SSE4.2, AVX2, and
/// the production scanner, which starts each scan with inline SSE2 steps) gives the same
/// answer as the byte-at-a-time reference.
fn check_all_paths(input: &[u8]) -> Result<(), TestCaseError> {
    use proto_h1::{Config, parse_request_forced, scan::Impl};
    let config = Config::default();
    let mut ref_slots = [EMPTY_HEADER; 16];
    let reference = parse_request_forced(Impl::Bytes, input, &mut ref_slots, &config);
    for imp in Impl::available() {
        let mut slots = [EMPTY_HEADER; 16];
        let got = parse_request_forced(imp, input, &mut slots, &config);
        prop_assert_eq!(&got, &reference, "{:?}", imp);
        if let Ok((_, n)) = got {
            prop_assert_eq!(&slots[..n], &ref_slots[..n]);
        }
    }
    let mut slots = [EMPTY_HEADER; 16];
    let mut req = Request::new(&mut slots);
    match (req.parse(input), &reference) {
        (Ok(st), Ok((ref_st, n))) => {
            prop_assert_eq!(st, *ref_st);
            if st.is_complete() {
                prop_assert_eq!(req.headers(), &ref_slots[..*n]);
            }
        }
        (got, want) => prop_assert_eq!(got.err(), want.err()),
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn every_scan_path_agrees_on_whole_heads(
        input in valid_request(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..3),
        long in "[ -~]{0,100}",
    ) {
        let mut input = input;
        // A long value puts the stop bytes at every lane of the vector paths.
        let at = input.len() - 2;
        input.splice(at..at, format!("X-Long: {long}\r\n").into_bytes());
        for (i, b) in edits {
            let p = i.index(input.len());
            input[p] = b;
        }
        check_all_paths(&input)?;
    }
}
