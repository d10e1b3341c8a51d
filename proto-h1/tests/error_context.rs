//! Errors carry their context: where (the byte offset into the head or the decoder's input)
//! and which limit (the configured value), and `Error::status` still maps them.

use proto_h1::{
    Chunk, ChunkedDecoder, Config, ConnConfig, EMPTY_HEADER, Error, Event, Limits, Request,
    Response, ServerConn,
};

fn req(b: &[u8], limits: Limits) -> Result<proto_h1::Status, Error> {
    let mut slots = [EMPTY_HEADER; 8];
    Request::new(&mut slots).parse_with(
        b,
        &Config {
            limits,
            ..Config::default()
        },
    )
}

#[test]
fn malformed_heads_say_where() {
    let l = Limits::default();
    let e = req(b"GET / HTTP/1.1\r\nHost: a\r\nBad Name: x\r\n\r\n", l).unwrap_err();
    assert_eq!(e, Error::InvalidHeaderName { offset: 28 });
    assert_eq!(e.offset(), Some(28));
    assert_eq!(e.status(), 400);
    let e = req(b"GET / HTTP/1.1\r\nHost: a\x01b\r\n\r\n", l).unwrap_err();
    assert_eq!(e, Error::InvalidHeaderValue { offset: 23 });
    let e = req(b"GET /a\x7f HTTP/1.1\r\n\r\n", l).unwrap_err();
    assert_eq!(e, Error::InvalidTarget { offset: 6 });
    assert_eq!(e.to_string(), "invalid_target (400) at byte 6");
    let mut slots = [EMPTY_HEADER; 4];
    let e = Response::new(&mut slots)
        .parse(b"HTTP/1.1 200 OK\r\nA: b\nC: d\r\n\r\n")
        .unwrap_err();
    assert_eq!(e, Error::BareLf { offset: 21 });
}

#[test]
fn broken_limits_say_which() {
    let l = Limits {
        max_head_size: 32,
        ..Limits::default()
    };
    let e = req(b"GET / HTTP/1.1\r\nA: 0123456789012345678901234567890", l).unwrap_err();
    assert_eq!(e, Error::HeadTooLarge { limit: 32 });
    assert_eq!((e.status(), e.limit()), (431, Some(32)));
    assert_eq!(e.to_string(), "head_too_large (431), limit 32");
    let l = Limits {
        max_target_len: 4,
        ..Limits::default()
    };
    let e = req(b"GET /abcdef HTTP/1.1\r\n\r\n", l).unwrap_err();
    assert_eq!((e, e.status()), (Error::TargetTooLong { limit: 4 }, 414));
    let l = Limits {
        max_headers: 1,
        ..Limits::default()
    };
    let e = req(b"GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\n\r\n", l).unwrap_err();
    assert_eq!((e, e.status()), (Error::TooManyHeaders { limit: 1 }, 431));
    // Fewer slots than the limit: the slot count is the limit that broke.
    let mut two = [EMPTY_HEADER; 2];
    let e = Request::new(&mut two)
        .parse(b"GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n")
        .unwrap_err();
    assert_eq!(e, Error::TooManyHeaders { limit: 2 });
}

#[test]
fn body_limits_and_chunk_lines_carry_context() {
    let limits = Limits {
        max_body_len: 10,
        max_trailer_size: 8,
        ..Limits::default()
    };
    let mut d = ChunkedDecoder::new(&limits);
    let e = d.decode(b"b\r\n").unwrap_err();
    assert_eq!((e, e.status()), (Error::BodyTooLarge { limit: 10 }, 413));
    let mut d = ChunkedDecoder::new(&limits);
    let input = b"1\r\nz\r\n0\r\nTrailer: long value\r\n\r\n";
    let (n, ev) = d.decode(input).unwrap();
    assert_eq!(ev, Some(Chunk::Data(b"z")));
    let e = d.decode(&input[n..]).unwrap_err();
    assert_eq!((e, e.status()), (Error::TrailerTooLarge { limit: 8 }, 431));
    // A bare LF in a size line after a chunk: the offset is from the start of this call's
    // input.
    let mut d = ChunkedDecoder::new(&Limits::default());
    let input = b"1\r\nz\r\n2;x\nzz\r\n";
    let (n, _) = d.decode(input).unwrap();
    assert_eq!(d.decode(&input[n..]), Err(Error::BareLf { offset: 5 }));
}

#[test]
fn connection_errors_point_into_the_head() {
    let mut s = ServerConn::new(ConnConfig::default());
    let first = b"GET /1 HTTP/1.1\r\nHost: a\r\n\r\n";
    s.recv(first).unwrap();
    assert!(matches!(s.poll_event(), Ok(Some(Event::Request(_)))));
    assert!(matches!(s.poll_event(), Ok(Some(Event::End { .. }))));
    s.send_response(204, b"No Content", &[]).unwrap();
    s.send_end(&[]).unwrap();
    // The second head's offsets count from its own start, not from the connection's bytes.
    s.recv(b"GET /2 HTTP/1.1\r\nHost: a\r\nX : y\r\n\r\n")
        .unwrap();
    assert_eq!(
        s.poll_event().unwrap_err(),
        Error::InvalidHeaderName { offset: 27 }
    );
}

/// Decodes `b"1\r\nz\r\n"` then `input` call after call (each call given the unconsumed
/// rest) until the error; returns it and its offset made absolute (from the start of that
/// whole input: the error's own offset counts from the start of the failing call's input).
fn chunk_error(limits: &Limits, input: &[u8]) -> (Error, Option<usize>) {
    let mut all = b"1\r\nz\r\n".to_vec();
    all.extend_from_slice(input);
    let mut d = ChunkedDecoder::new(limits);
    let mut at = 0;
    loop {
        match d.decode(&all[at..]) {
            Ok((n, ev)) => {
                assert!(n > 0 || ev.is_some(), "no error in {all:?}");
                at += n;
            }
            Err(e) => return (e, e.offset().map(|o| at + o)),
        }
    }
}

#[test]
fn chunk_errors_say_where() {
    let l = Limits::default();
    // Offsets below are absolute: the 6-byte first chunk comes before `input`.
    let (e, abs) = chunk_error(&l, b"x\r\n");
    assert_eq!((e.kind(), abs), ("invalid_chunk_size", Some(6)));
    assert_eq!(e.status(), 400);
    assert!(
        e.to_string()
            .starts_with("invalid_chunk_size (400) at byte ")
    );
    // The 17th hex digit overflows 64 bits.
    let (e, abs) = chunk_error(&l, b"10000000000000000\r\n");
    assert_eq!((e.kind(), abs), ("invalid_chunk_size", Some(6 + 16)));
    // An extension that is only a semicolon, or holds a control byte: it starts at the
    // semicolon.
    let (e, abs) = chunk_error(&l, b"3;\r\nabc\r\n");
    assert_eq!((e.kind(), abs), ("invalid_chunk_extension", Some(7)));
    let (e, abs) = chunk_error(&l, b"3;a=\x01\r\nabc\r\n");
    assert_eq!((e.kind(), abs), ("invalid_chunk_extension", Some(7)));
    // Data not followed by CRLF: the first byte where the CRLF should be.
    let (e, abs) = chunk_error(&l, b"3\r\nabcX\r\n");
    assert_eq!((e.kind(), abs), ("invalid_chunk_terminator", Some(6 + 6)));
    let (e, abs) = chunk_error(&l, b"3\r\nabc\rX\r\n");
    assert_eq!((e.kind(), abs), ("invalid_chunk_terminator", Some(6 + 7)));
    // A trailer field with whitespace before the colon: the offending byte.
    let (e, abs) = chunk_error(&l, b"0\r\nA: b\r\nX : y\r\n\r\n");
    assert_eq!((e.kind(), abs), ("invalid_trailer", Some(6 + 10)));
    // In a first call, offsets count from the start of the body.
    let mut d = ChunkedDecoder::new(&l);
    let e = d.decode(b"3;\r\nabc\r\n").unwrap_err();
    assert_eq!(e, Error::InvalidChunkExtension { offset: 1 });
    assert_eq!(e.to_string(), "invalid_chunk_extension (400) at byte 1");
}

#[test]
fn an_over_long_chunk_extension_says_which_limit() {
    let l = Limits {
        max_chunk_ext_len: 8,
        ..Limits::default()
    };
    // Complete but too long.
    let (e, _) = chunk_error(&l, b"1;a=0123456789\r\nz\r\n");
    assert_eq!(e, Error::ChunkExtensionTooLong { limit: 8 });
    assert_eq!((e.limit(), e.status(), e.offset()), (Some(8), 400, None));
    assert_eq!(e.to_string(), "chunk_extension_too_long (400), limit 8");
    // Not complete yet but already past the limit.
    let (e, _) = chunk_error(&l, b"1;a=0123456789");
    assert_eq!(e, Error::ChunkExtensionTooLong { limit: 8 });
    // Within the limit: accepted.
    let mut d = ChunkedDecoder::new(&l);
    let (_, ev) = d.decode(b"1;a=0123\r\nz\r\n").unwrap();
    assert_eq!(ev, Some(Chunk::Data(b"z")));
}

/// Framing and `Host` errors found in a head's fields say which field line (issue 11): the
/// connection and the standalone framing functions agree, and `Display` names it.
#[test]
fn framing_and_host_errors_say_which_field() {
    let cases: &[(&[u8], Error, u16)] = &[
        (
            b"POST / HTTP/1.1\r\nHost: a\r\nX: y\r\nContent-Length: 1x\r\n\r\n",
            Error::InvalidContentLength { field: 2 },
            400,
        ),
        (
            b"POST / HTTP/1.1\r\nContent-Length: 3\r\nHost: a\r\nContent-Length: 4\r\n\r\n",
            Error::InvalidContentLength { field: 2 },
            400,
        ),
        (
            b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nHost: a\r\nContent-Length: 4\r\n\r\n",
            Error::ContentLengthWithTransferEncoding { field: 2 },
            400,
        ),
        (
            b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
            Error::InvalidTransferEncoding { field: 1 },
            400,
        ),
        (
            b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
            Error::InvalidTransferEncoding { field: 0 },
            400,
        ),
        (
            b"POST / HTTP/1.1\r\nHost: a\r\nA: b\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
            Error::UnsupportedTransferCoding { field: 2 },
            501,
        ),
        (
            b"GET / HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n",
            Error::DuplicateHost { field: 1 },
            400,
        ),
        (
            b"GET / HTTP/1.1\r\nHost: a/b\r\n\r\n",
            Error::InvalidHost { field: 0 },
            400,
        ),
    ];
    for &(input, want, status) in cases {
        let mut s = ServerConn::new(ConnConfig::default());
        s.recv(input).unwrap();
        let got = loop {
            match s.poll_event() {
                Ok(Some(_)) => {}
                Ok(None) => panic!("no error for {:?}", String::from_utf8_lossy(input)),
                Err(e) => break e,
            }
        };
        assert_eq!(got, want, "{:?}", String::from_utf8_lossy(input));
        assert_eq!(got.status(), status);
        assert_eq!(got.field(), want.field());
        assert!(
            got.to_string().ends_with(&format!(
                "in header field {} (0-based)",
                want.field().unwrap()
            )),
            "{got}"
        );
    }
    // The standalone framing function counts the same way.
    let hs = [
        proto_h1::Header {
            name: "Host",
            value: b"a",
        },
        proto_h1::Header {
            name: "Content-Length",
            value: b"-1",
        },
    ];
    assert_eq!(
        proto_h1::request_framing(proto_h1::Version::Http11, hs, &Limits::default()),
        Err(Error::InvalidContentLength { field: 1 })
    );
    assert_eq!(
        Error::InvalidContentLength { field: 1 }.to_string(),
        "invalid_content_length (400) in header field 1 (0-based)"
    );
}
