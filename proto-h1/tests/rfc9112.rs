//! The examples of RFC 9112 (and the RFC 9110 message it reuses), parsed as written.

use proto_h1::{
    Chunk, ChunkedDecoder, EMPTY_HEADER, Framing, Limits, Request, Response, Status, TargetForm,
    Version, request_framing, response_framing,
};

#[test]
fn section_2_1_request_and_response() {
    let req = b"GET /hello.txt HTTP/1.1\r\n\
User-Agent: curl/7.64.1\r\n\
Host: www.example.com\r\n\
Accept-Language: en, mi\r\n\r\n";
    let mut slots = [EMPTY_HEADER; 8];
    let mut r = Request::new(&mut slots);
    assert_eq!(r.parse(req), Ok(Status::Complete(req.len())));
    assert_eq!(
        (r.method, r.target, r.version),
        ("GET", "/hello.txt", Version::Http11)
    );
    let names: Vec<_> = r.headers().iter().map(|h| h.name).collect();
    assert_eq!(names, ["User-Agent", "Host", "Accept-Language"]);
    assert_eq!(r.header("accept-language"), Some(&b"en, mi"[..]));

    let res = b"HTTP/1.1 200 OK\r\n\
Date: Mon, 27 Jul 2009 12:28:53 GMT\r\n\
Server: Apache\r\n\
Last-Modified: Wed, 22 Jul 2009 19:15:56 GMT\r\n\
ETag: \"34aa387-d-1568eb00\"\r\n\
Accept-Ranges: bytes\r\n\
Content-Length: 51\r\n\
Vary: Accept-Encoding\r\n\
Content-Type: text/plain\r\n\
\r\n\
Hello World! My content includes a trailing CRLF.\r\n";
    let mut slots = [EMPTY_HEADER; 16];
    let mut p = Response::new(&mut slots);
    let Status::Complete(n) = p.parse(res).unwrap() else {
        panic!()
    };
    assert_eq!((p.code, p.reason), (200, &b"OK"[..]));
    assert_eq!(p.header("etag"), Some(&b"\"34aa387-d-1568eb00\""[..]));
    let f = response_framing(
        "GET",
        p.code,
        p.version,
        p.headers().iter().copied(),
        &Limits::default(),
    );
    assert_eq!(f, Ok(Framing::Length(51)));
    assert_eq!(res.len() - n, 51);
}

#[test]
fn section_3_2_target_forms() {
    for (line, form) in [
        ("GET /where?q=now HTTP/1.1", TargetForm::Origin),
        (
            "GET http://www.example.org/pub/WWW/TheProject.html HTTP/1.1",
            TargetForm::Absolute,
        ),
        ("CONNECT www.example.com:80 HTTP/1.1", TargetForm::Authority),
        ("OPTIONS * HTTP/1.1", TargetForm::Asterisk),
        (
            "OPTIONS http://www.example.org:8001 HTTP/1.1",
            TargetForm::Absolute,
        ),
    ] {
        let b = format!("{line}\r\nHost: www.example.org\r\n\r\n");
        let mut slots = [EMPTY_HEADER; 4];
        let mut r = Request::new(&mut slots);
        assert!(r.parse(b.as_bytes()).unwrap().is_complete(), "{line}");
        assert_eq!(r.target_form(), Some(form), "{line}");
    }
}

#[test]
fn section_7_1_chunked_with_extension_and_trailer() {
    // Chunked body, extensions (7.1.1) and a trailer section (7.1.2).
    let head =
        b"POST /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTrailer: Expires\r\n\r\n";
    let mut slots = [EMPTY_HEADER; 8];
    let mut r = Request::new(&mut slots);
    assert!(r.parse(head).unwrap().is_complete());
    let f = request_framing(r.version, r.headers().iter().copied(), &Limits::default());
    assert_eq!(f, Ok(Framing::Chunked));
    let body = b"4\r\nWiki\r\n6;name=value;quoted=\"a b\"\r\npedia \r\nE\r\nin \r\n\r\nchunks.\r\n0\r\nExpires: Wed, 21 Oct 2015 07:28:00 GMT\r\n\r\n";
    let mut dec = ChunkedDecoder::new(&Limits::default());
    let mut got = Vec::new();
    let mut i = 0;
    let trailers = loop {
        let (n, ev) = dec.decode(&body[i..]).unwrap();
        i += n;
        match ev.unwrap() {
            Chunk::Data(d) => got.extend_from_slice(d),
            Chunk::End { trailers } => break trailers,
        }
    };
    assert_eq!(got, b"Wikipedia in \r\n\r\nchunks.");
    assert_eq!(i, body.len());
    let mut slots = [EMPTY_HEADER; 4];
    let (st, n) = proto_h1::parse_headers(trailers, &mut slots, &Default::default()).unwrap();
    assert!(st.is_complete());
    assert_eq!(slots[..n][0].name, "Expires");
}

#[test]
fn section_2_2_leading_empty_line_is_ignored() {
    let b = b"\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n";
    let mut slots = [EMPTY_HEADER; 4];
    assert_eq!(
        Request::new(&mut slots).parse(b),
        Ok(Status::Complete(b.len()))
    );
}

#[test]
fn section_6_3_no_body_responses() {
    for (method, code) in [
        ("HEAD", 200),
        ("GET", 100),
        ("GET", 204),
        ("GET", 304),
        ("CONNECT", 200),
    ] {
        let hs = [proto_h1::Header {
            name: "Content-Length",
            value: b"10",
        }];
        assert_eq!(
            response_framing(
                method,
                code,
                Version::Http11,
                hs.iter().copied(),
                &Limits::default()
            ),
            Ok(Framing::None),
            "{method} {code}"
        );
    }
}
