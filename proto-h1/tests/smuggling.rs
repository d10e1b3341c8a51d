//! Request smuggling and strictness vectors: each one is rejected by the server connection,
//! with the status it would answer.

use proto_h1::{ConnConfig, Event, ServerConn};

/// (name, bytes, expected status)
const VECTORS: &[(&str, &[u8], u16)] = &[
    ("CL and TE together", b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
    ("TE and CL together", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n", 400),
    ("differing CL", b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcde", 400),
    ("differing CL in a list", b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4, 5\r\n\r\nabcde", 400),
    ("CL with sign", b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +4\r\n\r\nabcd", 400),
    ("CL negative", b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", 400),
    ("CL hex", b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x4\r\n\r\nabcd", 400),
    ("CL empty", b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: \r\n\r\n", 400),
    ("CL with inner space", b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1 2\r\n\r\n", 400),
    ("CL overflow", b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n", 400),
    ("space before colon (TE)", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n", 400),
    ("space before colon (CL)", b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length : 4\r\n\r\nabcd", 400),
    ("tab before colon", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding\t: chunked\r\n\r\n0\r\n\r\n", 400),
    ("chunked twice", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n", 400),
    ("chunked twice in two fields", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
    ("chunked not last", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n", 400),
    ("unknown coding", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", 501),
    ("unknown coding before chunked", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501),
    ("obfuscated chunked", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n", 501),
    ("chunked with parameter", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked;a=b\r\n\r\n0\r\n\r\n", 400),
    ("quoted chunked", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \"chunked\"\r\n\r\n0\r\n\r\n", 400),
    ("empty TE", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \r\n\r\n", 400),
    ("TE in HTTP/1.0", b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
    ("TE with vertical tab", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \x0bchunked\r\n\r\n0\r\n\r\n", 400),
    ("obs-fold in TE", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip,\r\n chunked\r\n\r\n0\r\n\r\n", 400),
    ("obs-fold", b"GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n", 400),
    ("whitespace after start line", b"GET / HTTP/1.1\r\n Host: a\r\n\r\n", 400),
    ("bare CR in value", b"GET / HTTP/1.1\r\nHost: a\r\nX: a\rTransfer-Encoding: chunked\r\n\r\n", 400),
    ("bare LF line end", b"GET / HTTP/1.1\nHost: a\n\n", 400),
    ("bare LF in header", b"GET / HTTP/1.1\r\nHost: a\r\nX: a\nTransfer-Encoding: chunked\r\n\r\n", 400),
    ("NUL in value", b"GET / HTTP/1.1\r\nHost: a\r\nX: a\x00b\r\n\r\n", 400),
    ("control in value", b"GET / HTTP/1.1\r\nHost: a\r\nX: a\x01b\r\n\r\n", 400),
    ("DEL in value", b"GET / HTTP/1.1\r\nHost: a\r\nX: a\x7fb\r\n\r\n", 400),
    ("invalid name byte", b"GET / HTTP/1.1\r\nHost: a\r\nX(y): a\r\n\r\n", 400),
    ("non-ASCII name", b"GET / HTTP/1.1\r\nHost: a\r\nX\xc3\xa9: a\r\n\r\n", 400),
    ("empty name", b"GET / HTTP/1.1\r\nHost: a\r\n: a\r\n\r\n", 400),
    ("invalid method byte", b"G@T / HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    ("double space in start line", b"GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    ("HTTP/0.9 request", b"GET /\r\n\r\n", 400),
    ("space in target", b"GET /a b HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    ("lower-case version", b"GET / http/1.1\r\n\r\n", 400),
    ("unsupported version", b"GET / HTTP/2.0\r\n\r\n", 505),
    ("chunk size overflow", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000001\r\nx\r\n0\r\n\r\n", 400),
    ("chunk size not hex", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nz\r\nx\r\n0\r\n\r\n", 400),
    ("chunk size with 0x", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0x1\r\nx\r\n0\r\n\r\n", 400),
    ("bare LF after chunk size", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1\nx\r\n0\r\n\r\n", 400),
    ("bare LF after chunk data", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\n0\r\n\r\n", 400),
    ("bare CR in chunk extension", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1;a\rb\r\nx\r\n0\r\n\r\n", 400),
    ("bare LF in chunk extension", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1;a\nb\r\nx\r\n0\r\n\r\n", 400),
    ("chunk data longer than size", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nxy\r\n0\r\n\r\n", 400),
    ("invalid trailer", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX : y\r\n\r\n", 400),
];

fn run(input: &[u8]) -> Result<(), proto_h1::Error> {
    let mut s = ServerConn::new(ConnConfig::default());
    let mut off = 0;
    loop {
        off += s.recv(&input[off..])?;
        let mut any = false;
        while let Some(ev) = s.poll_event()? {
            any = true;
            if let Event::End { .. } = ev {
                return Ok(());
            }
        }
        if !any && off == input.len() {
            s.recv_eof()?;
            while s.poll_event()?.is_some() {}
            return Ok(());
        }
    }
}

#[test]
fn every_vector_is_rejected_with_its_status() {
    let mut failures = Vec::new();
    for (name, bytes, status) in VECTORS {
        match run(bytes) {
            Ok(()) => failures.push(format!("{name}: accepted")),
            // Running out of bytes is not a rejection of the vector itself.
            Err(proto_h1::Error::UnexpectedEof) => failures.push(format!("{name}: only EOF")),
            // Every vector carries a Host, so that it is refused for what it is testing.
            Err(proto_h1::Error::MissingHost) => failures.push(format!("{name}: no Host")),
            Err(e) if e.status() != *status => {
                failures.push(format!("{name}: {e} instead of {status}"))
            }
            Err(_) => {}
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn long_targets_414_too_many_headers_and_big_heads_431() {
    let mut many = b"GET / HTTP/1.1\r\nHost: a\r\n".to_vec();
    for i in 0..101 {
        many.extend_from_slice(format!("X-{i}: v\r\n").as_bytes());
    }
    many.extend_from_slice(b"\r\n");
    assert_eq!(run(&many).unwrap_err().status(), 431);
    let long = [
        b"GET /".as_slice(),
        &[b'a'; 9000],
        b" HTTP/1.1\r\nHost: a\r\n\r\n",
    ]
    .concat();
    assert_eq!(run(&long).unwrap_err().status(), 414);
    let mut big = b"GET / HTTP/1.1\r\nHost: a\r\nX: ".to_vec();
    big.extend(std::iter::repeat_n(b'a', 70_000));
    assert_eq!(run(&big).unwrap_err().status(), 431);
}

#[test]
fn body_limit_is_413() {
    let mut cfg = ConnConfig::default();
    cfg.parse.limits.max_body_len = 10;
    let mut s = ServerConn::new(cfg);
    s.recv(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n")
        .unwrap();
    assert_eq!(s.poll_event().unwrap_err().status(), 413);
    let mut s = ServerConn::new(cfg);
    s.recv(b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\n6\r\nabcdef\r\n")
        .unwrap();
    let mut err = None;
    loop {
        match s.poll_event() {
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(e) => {
                err = Some(e);
                break;
            }
        }
    }
    assert_eq!(err.map(|e| e.status()), Some(413));
}
