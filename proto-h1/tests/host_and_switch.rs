//! Peer rules a connection enforces beyond message syntax: the `Host` rules of RFC 9112
//! section 3.2 on a server, and a client's refusal of a 101 it did not ask for (RFC 9110
//! section 7.8).

use proto_h1::{ClientConn, ConnConfig, Error, Event, Header, ServerConn, Version, request_host};

fn h<'a>(name: &'a str, value: &'a str) -> Header<'a> {
    Header {
        name,
        value: value.as_bytes(),
    }
}

/// Feeds `input` to a fresh server and reads events until the first error or the first
/// request's `End`; returns the error, if any.
fn serve(input: &[u8]) -> (ServerConn, Result<(), Error>) {
    let mut s = ServerConn::new(ConnConfig::default());
    assert_eq!(s.recv(input), Ok(input.len()));
    loop {
        match s.poll_event() {
            Ok(Some(Event::End { .. })) | Ok(None) => return (s, Ok(())),
            Ok(Some(_)) => {}
            Err(e) => return (s, Err(e)),
        }
    }
}

/// The error is answered with 400 (queued by the connection itself) and the connection then
/// closes.
fn assert_400_then_close(mut s: ServerConn, e: Error) {
    assert_eq!(e.status(), 400);
    assert_eq!(s.error(), Some(e));
    assert!(s.is_closed());
    assert!(s.send_response(400, b"Bad Request", &[]).is_err());
    let mut out = Vec::new();
    assert!(s.poll_transmit(&mut out).is_none());
    assert!(out.starts_with(b"HTTP/1.1 400 Bad Request\r\n"), "{out:?}");
    assert!(s.is_closed() && !s.wants_write());
    assert_eq!(s.poll_event().err(), Some(e), "the error is sticky");
}

#[test]
fn http11_request_without_host_is_400_then_close() {
    for input in [
        &b"GET / HTTP/1.1\r\n\r\n"[..],
        b"GET / HTTP/1.1\r\nHostname: a\r\nX-Host: b\r\n\r\n",
        // Absolute-form: the target's authority is used, but Host must still be sent.
        b"GET http://example.com/ HTTP/1.1\r\n\r\n",
        b"CONNECT example.com:443 HTTP/1.1\r\n\r\n",
        b"OPTIONS * HTTP/1.1\r\n\r\n",
    ] {
        let (s, r) = serve(input);
        assert_eq!(
            r,
            Err(Error::MissingHost),
            "{:?}",
            String::from_utf8_lossy(input)
        );
        assert_400_then_close(s, Error::MissingHost);
    }
}

#[test]
fn two_host_lines_are_400_then_close_in_both_versions() {
    // The error names the second Host line (its index among the fields).
    for (input, field) in [
        (&b"GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n"[..], 1),
        (
            b"GET / HTTP/1.1\r\nHost: a\r\nAccept: */*\r\nhOST: b\r\n\r\n",
            2,
        ),
        (b"GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", 1),
        (b"GET http://a/ HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", 1),
        // The Host rule comes before the framing rules.
        (
            b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: x\r\nHOST: a\r\nHost: b\r\n\r\n",
            2,
        ),
    ] {
        let (s, r) = serve(input);
        let e = Error::DuplicateHost { field };
        assert_eq!(r, Err(e), "{:?}", String::from_utf8_lossy(input));
        assert_400_then_close(s, e);
    }
}

#[test]
fn invalid_host_values_are_400_then_close() {
    for value in [
        "a b/c@d",
        "a/b",
        "a@b",
        "a?b",
        "a#b",
        "user@host",
        "[::1",
        "::1",
        "[zz]",
        "[::1]x",
        "[::1]:x",
        "a:b",
        "a:1:2",
        "%zz",
        "%4",
        "%4:80",
        "a%4g:80",
        "a%",
        "a\"b",
        "[v.x]",
        "[v1.]",
        "[1.2.3.4]",
    ] {
        for version in ["1.1", "1.0"] {
            let input = format!("GET / HTTP/{version}\r\nA: b\r\nHost: {value}\r\n\r\n");
            let (s, r) = serve(input.as_bytes());
            let e = Error::InvalidHost { field: 1 };
            assert_eq!(r, Err(e), "{input:?}");
            assert_400_then_close(s, e);
        }
    }
}

#[test]
fn valid_hosts_and_http10_without_host_are_accepted() {
    for value in [
        "example.com",
        "example.com:8080",
        "example.com:",
        "127.0.0.1",
        "127.0.0.1:80",
        "[::1]",
        "[::1]:443",
        "[2001:db8::7]",
        "[::ffff:192.0.2.1]:8080",
        "[v7.fe:x!]",
        "xn--bcher-kva.example",
        "a%20b",
        "a%2F:8080",
        "%41",
        "sub-delims!$&'()*+,;=_~",
        "", // no authority in the target URI: an empty value (RFC 9112 section 3.2)
    ] {
        let input = format!("GET / HTTP/1.1\r\nHost: {value}\r\n\r\n");
        let (mut s, r) = serve(input.as_bytes());
        assert_eq!(r, Ok(()), "{input:?}");
        assert!(!s.is_closed());
        s.send_response(204, b"No Content", &[]).unwrap();
        s.send_end(&[]).unwrap();
        assert!(!s.is_closed(), "{input:?}");
    }
    // The MUST on a missing Host is for HTTP/1.1 requests.
    let (s, r) = serve(b"GET / HTTP/1.0\r\n\r\n");
    assert_eq!(r, Ok(()));
    assert_eq!(s.error(), None);
    // Absolute-form: Host present and valid, even if it differs from the target's authority.
    let (s, r) = serve(b"GET http://example.com/x HTTP/1.1\r\nHost: other.example\r\n\r\n");
    assert_eq!(r, Ok(()));
    assert_eq!(s.error(), None);
}

#[test]
fn pipelined_request_without_host_fails_after_the_first_is_answered() {
    let mut s = ServerConn::new(ConnConfig::default());
    let input = b"GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\n\r\n";
    s.recv(input).unwrap();
    assert!(matches!(s.poll_event(), Ok(Some(Event::Request(_)))));
    assert!(matches!(s.poll_event(), Ok(Some(Event::End { .. }))));
    assert!(matches!(s.poll_event(), Ok(None)));
    s.send_response(200, b"OK", &[h("Content-Length", "0")])
        .unwrap();
    s.send_end(&[]).unwrap();
    assert_eq!(s.poll_event().err(), Some(Error::MissingHost));
    assert!(s.is_closed());
}

#[test]
fn request_host_checks_parsed_heads() {
    let hs = [h("Accept", "*/*"), h("HOST", " example.com:80 ")];
    assert_eq!(
        request_host(Version::Http11, hs),
        Ok(&b"example.com:80"[..])
    );
    assert_eq!(
        request_host(Version::Http11, [h("Accept", "*/*")]),
        Err(Error::MissingHost)
    );
    assert_eq!(
        request_host(Version::Http10, [h("Accept", "*/*")]),
        Ok(&b""[..])
    );
    assert_eq!(
        request_host(Version::Http10, [h("Host", "a"), h("host", "a")]),
        Err(Error::DuplicateHost { field: 1 })
    );
    assert_eq!(
        request_host(Version::Http11, [h("Host", "a b/c@d")]),
        Err(Error::InvalidHost { field: 0 })
    );
}

/// A client that sent one request with `headers` and received `response`.
fn client_gets(headers: &[Header<'_>], response: &[u8]) -> (ClientConn, Result<Vec<u8>, Error>) {
    let mut c = ClientConn::new(ConnConfig::default());
    c.send_request("GET", "/chat", headers).unwrap();
    c.send_end(&[]).unwrap();
    c.recv(response).unwrap();
    let mut upgraded = None;
    loop {
        match c.poll_event() {
            Ok(Some(Event::Upgrade(rest))) => upgraded = Some(rest.to_vec()),
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(e) => return (c, Err(e)),
        }
    }
    (c, Ok(upgraded.expect("no switch")))
}

const WS_101: &[u8] = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\
Connection: Upgrade\r\n\r\n\x81\x02hi";

#[test]
fn client_refuses_an_unsolicited_101() {
    for headers in [
        &[h("Host", "a")][..],
        // Upgrade without the `upgrade` connection option offers nothing (RFC 9110 7.8).
        &[h("Host", "a"), h("Upgrade", "websocket")],
        &[h("Host", "a"), h("Connection", "upgrade")],
    ] {
        let (c, r) = client_gets(headers, WS_101);
        assert_eq!(r, Err(Error::UnsolicitedSwitch), "{headers:?}");
        assert!(!c.is_switched());
        assert!(c.is_closed());
    }
}

#[test]
fn client_refuses_a_101_to_a_protocol_it_did_not_offer() {
    let offer = [
        h("Host", "a"),
        h("Connection", "keep-alive, Upgrade"),
        h("Upgrade", "websocket"),
    ];
    for response in [
        &b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n"[..],
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket, h2c\r\n\r\n",
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nUpgrade: h2c\r\n\r\n",
        b"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n\r\n",
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: \r\n\r\n",
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket/2\r\n\r\n",
    ] {
        let (c, r) = client_gets(&offer, response);
        assert_eq!(
            r,
            Err(Error::UpgradeMismatch),
            "{:?}",
            String::from_utf8_lossy(response)
        );
        assert!(!c.is_switched());
        assert!(c.is_closed());
    }
}

#[test]
fn client_switches_on_a_101_it_asked_for() {
    let offer = [
        h("Host", "a"),
        h("Connection", "Upgrade"),
        h("Upgrade", "h2c, WebSocket"),
    ];
    let (c, r) = client_gets(&offer, WS_101);
    assert_eq!(r, Ok(b"\x81\x02hi".to_vec()));
    assert!(c.is_switched());
    assert!(!c.is_closed());
}

#[test]
fn a_101_answers_the_oldest_request_in_flight() {
    let mut c = ClientConn::new(ConnConfig::default());
    c.send_request("GET", "/plain", &[h("Host", "a")]).unwrap();
    c.send_end(&[]).unwrap();
    let offer = [
        h("Host", "a"),
        h("Connection", "upgrade"),
        h("Upgrade", "websocket"),
    ];
    c.send_request("GET", "/chat", &offer).unwrap();
    c.send_end(&[]).unwrap();
    c.recv(WS_101).unwrap();
    assert_eq!(c.poll_event().err(), Some(Error::UnsolicitedSwitch));
    assert!(!c.is_switched());

    // Answer the first, then the 101 answers the second, which offered it.
    let mut c = ClientConn::new(ConnConfig::default());
    c.send_request("GET", "/plain", &[h("Host", "a")]).unwrap();
    c.send_end(&[]).unwrap();
    c.send_request("GET", "/chat", &offer).unwrap();
    c.send_end(&[]).unwrap();
    c.recv(b"HTTP/1.1 204 No Content\r\n\r\n").unwrap();
    c.recv(WS_101).unwrap();
    let mut switched = false;
    while let Some(ev) = c.poll_event().unwrap() {
        switched |= matches!(ev, Event::Upgrade(_));
    }
    assert!(switched && c.is_switched());
}
