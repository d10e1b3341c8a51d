//! Connection state machine: keep-alive, pipelining, 100-continue, upgrades, errors.

use proto_h1::{ClientConn, ConnConfig, Error, Event, Header, SendError, ServerConn, Version};

/// A flattened event, owned, for comparisons.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Ev {
    Req(String, String, Version, Vec<(String, Vec<u8>)>),
    Res(u16, Vec<(String, Vec<u8>)>),
    Data(Vec<u8>),
    End(Vec<(String, Vec<u8>)>),
    Upgrade(Vec<u8>),
}

fn own(ev: Event<'_>) -> Ev {
    match ev {
        Event::Request(h) => Ev::Req(
            h.method.into(),
            h.target.into(),
            h.version,
            h.headers()
                .map(|h| (h.name.into(), h.value.into()))
                .collect(),
        ),
        Event::Response(h) => Ev::Res(
            h.code,
            h.headers()
                .map(|h| (h.name.into(), h.value.into()))
                .collect(),
        ),
        Event::Data(d) => Ev::Data(d.into()),
        Event::End { trailers } => Ev::End(
            trailers
                .iter()
                .map(|h| (h.name.into(), h.value.into()))
                .collect(),
        ),
        Event::Upgrade(r) => Ev::Upgrade(r.into()),
        _ => unreachable!(),
    }
}

fn drain_server(c: &mut ServerConn) -> Result<Vec<Ev>, Error> {
    let mut v = Vec::new();
    while let Some(ev) = c.poll_event()? {
        v.push(own(ev));
    }
    Ok(v)
}

fn drain_client(c: &mut ClientConn) -> Result<Vec<Ev>, Error> {
    let mut v = Vec::new();
    while let Some(ev) = c.poll_event()? {
        v.push(own(ev));
    }
    Ok(v)
}

fn h<'a>(name: &'a str, value: &'a str) -> Header<'a> {
    Header {
        name,
        value: value.as_bytes(),
    }
}

#[test]
fn pipelined_requests_in_order() {
    let mut s = ServerConn::new(ConnConfig::default());
    let input = b"GET /1 HTTP/1.1\r\nHost: a\r\n\r\nPOST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabcGET /3 HTTP/1.1\r\nHost: a\r\n\r\n";
    assert_eq!(s.recv(input).unwrap(), input.len());
    let evs = drain_server(&mut s).unwrap();
    assert_eq!(evs.len(), 2, "{evs:?}");
    assert!(matches!(&evs[0], Ev::Req(m, t, ..) if m == "GET" && t == "/1"));
    // The second request waits for the first response.
    s.send_response(200, b"OK", &[h("Content-Length", "0")])
        .unwrap();
    s.send_end(&[]).unwrap();
    let evs = drain_server(&mut s).unwrap();
    assert!(matches!(&evs[0], Ev::Req(m, t, ..) if m == "POST" && t == "/2"));
    assert_eq!(evs[1..], [Ev::Data(b"abc".to_vec()), Ev::End(vec![])]);
    s.send_response(204, b"No Content", &[]).unwrap();
    s.send_end(&[]).unwrap();
    let evs = drain_server(&mut s).unwrap();
    assert!(matches!(&evs[0], Ev::Req(_, t, ..) if t == "/3"));
    let mut out = Vec::new();
    let _ = s.poll_transmit(&mut out);
    assert_eq!(
        out,
        b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n"
    );
}

#[test]
fn connection_close_and_http10() {
    let mut s = ServerConn::new(ConnConfig::default());
    s.recv(b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        .unwrap();
    assert_eq!(drain_server(&mut s).unwrap().len(), 2);
    s.send_response(200, b"OK", &[h("Content-Length", "0")])
        .unwrap();
    s.send_end(&[]).unwrap();
    assert!(drain_server(&mut s).unwrap().is_empty());
    assert!(s.is_closed());
    // Nothing may follow a message that closes the connection (RFC 9112 section 9.6).
    assert_eq!(
        s.recv(b"GET /2 HTTP/1.1\r\nHost: a\r\n\r\n"),
        Err(Error::UnexpectedData)
    );

    let mut s = ServerConn::new(ConnConfig::default());
    s.recv(b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n")
        .unwrap();
    assert_eq!(drain_server(&mut s).unwrap().len(), 2);
    s.send_response(200, b"OK", &[h("Content-Length", "0")])
        .unwrap();
    s.send_end(&[]).unwrap();
    assert_eq!(drain_server(&mut s), Err(Error::UnexpectedData));
    let mut out = Vec::new();
    let _ = s.poll_transmit(&mut out);
    assert!(out.starts_with(b"HTTP/1.1 200 OK"));

    // HTTP/1.0 without keep-alive closes; with it (both ways) persists.
    let mut s = ServerConn::new(ConnConfig::default());
    s.recv(b"GET / HTTP/1.0\r\n\r\n").unwrap();
    drain_server(&mut s).unwrap();
    s.send_response(200, b"OK", &[h("Content-Length", "0")])
        .unwrap();
    s.send_end(&[]).unwrap();
    drain_server(&mut s).unwrap();
    assert!(s.is_closed());

    let mut s = ServerConn::new(ConnConfig::default());
    s.recv(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /2 HTTP/1.0\r\n\r\n")
        .unwrap();
    drain_server(&mut s).unwrap();
    s.send_response(
        200,
        b"OK",
        &[h("Content-Length", "0"), h("Connection", "keep-alive")],
    )
    .unwrap();
    s.send_end(&[]).unwrap();
    let evs = drain_server(&mut s).unwrap();
    assert!(matches!(&evs[0], Ev::Req(_, t, Version::Http10, _) if t == "/2"));
    assert!(!s.is_closed());
    // Chunked may not go to an HTTP/1.0 client.
    assert_eq!(
        s.send_response(200, b"OK", &[h("Transfer-Encoding", "chunked")]),
        Err(SendError::InvalidHead)
    );
}

/// A `Connection` field may come as several lines, which make one list (RFC 9110 sections 5.3
/// and 7.6.1): a `close` in any line counts, in a request, in a response a server writes and
/// in a response a client reads; and `close` ends an HTTP/1.0 connection even beside
/// `keep-alive` (RFC 9112 section 9.3).
#[test]
fn close_in_any_connection_line_counts() {
    let server_after = |request: &[u8], response: &[Header<'_>]| {
        let mut s = ServerConn::new(ConnConfig::default());
        s.recv(request).unwrap();
        assert_eq!(drain_server(&mut s).unwrap().len(), 2);
        s.send_response(200, b"OK", response).unwrap();
        s.send_end(&[]).unwrap();
        drain_server(&mut s).unwrap();
        let mut out = Vec::new();
        let _ = s.poll_transmit(&mut out);
        (s.is_closed(), String::from_utf8(out).unwrap())
    };
    let length = [h("Content-Length", "0")];
    let (closed, out) = server_after(
        b"GET / HTTP/1.1\r\nHost: a\r\nConnection: x-trace\r\nConnection: close\r\n\r\n",
        &length,
    );
    assert!(closed, "the request's second Connection line says close");
    assert!(
        out.ends_with("Content-Length: 0\r\nConnection: close\r\n\r\n"),
        "{out}"
    );
    let (closed, _) = server_after(
        b"GET / HTTP/1.0\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n",
        &length,
    );
    assert!(closed, "HTTP/1.0: close beside keep-alive");
    let (closed, _) = server_after(
        b"GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n",
        &length,
    );
    assert!(closed, "HTTP/1.0: close and keep-alive in one line");
    // The server's own response: a close in its second line closes, and is not added twice.
    let (closed, out) = server_after(
        b"GET / HTTP/1.1\r\nHost: a\r\n\r\n",
        &[
            h("Content-Length", "0"),
            h("Connection", "x-trace"),
            h("Connection", "close"),
        ],
    );
    assert!(closed, "the response's second Connection line says close");
    assert_eq!(out.matches("close").count(), 1, "{out}");
    // Without close anywhere, both persist.
    let (closed, _) = server_after(
        b"GET / HTTP/1.1\r\nHost: a\r\nConnection: x-trace\r\nConnection: x-other\r\n\r\n",
        &length,
    );
    assert!(!closed);

    // A client reading a response whose second Connection line says close.
    let mut c = ClientConn::new(ConnConfig::default());
    c.send_request("GET", "/", &[h("Host", "a")]).unwrap();
    c.send_end(&[]).unwrap();
    c.recv(
        b"HTTP/1.1 200 OK\r\nConnection: x-trace\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
    )
    .unwrap();
    assert_eq!(drain_client(&mut c).unwrap().len(), 2);
    assert!(
        c.is_closed(),
        "the response's second Connection line says close"
    );
    // A client sending close in its request's second Connection line.
    let mut c = ClientConn::new(ConnConfig::default());
    c.send_request(
        "GET",
        "/",
        &[
            h("Host", "a"),
            h("Connection", "x-trace"),
            h("Connection", "close"),
        ],
    )
    .unwrap();
    c.send_end(&[]).unwrap();
    c.recv(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        .unwrap();
    assert_eq!(drain_client(&mut c).unwrap().len(), 2);
    assert!(
        c.is_closed(),
        "our request's second Connection line said close"
    );
}

#[test]
fn expect_continue() {
    let mut s = ServerConn::new(ConnConfig::default());
    s.recv(b"PUT /f HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n")
        .unwrap();
    match s.poll_event().unwrap() {
        Some(Event::Request(r)) => assert!(r.expects_continue()),
        other => panic!("{other:?}"),
    }
    assert!(s.poll_event().unwrap().is_none());
    s.send_continue().unwrap();
    s.recv(b"ok").unwrap();
    assert_eq!(
        drain_server(&mut s).unwrap(),
        [Ev::Data(b"ok".to_vec()), Ev::End(vec![])]
    );
    s.send_response(201, b"Created", &[h("Content-Length", "0")])
        .unwrap();
    s.send_end(&[]).unwrap();
    let mut out = Vec::new();
    let _ = s.poll_transmit(&mut out);
    assert!(out.starts_with(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\n"));
    assert!(!s.is_closed());

    // A final status without 100 closes: the body may never come.
    let mut s = ServerConn::new(ConnConfig::default());
    s.recv(b"PUT /f HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n")
        .unwrap();
    drain_server(&mut s).unwrap();
    s.send_response(417, b"Expectation Failed", &[h("Content-Length", "0")])
        .unwrap();
    s.send_end(&[]).unwrap();
    assert!(s.is_closed());
}

/// A request head carries the framing the connection decided and whether it asked for
/// `100 Continue`, whatever the fields' case. `Expect` is a list (RFC 9110 10.1.1): every
/// line's members count, and only a whole member `100-continue` does.
#[test]
fn request_head_carries_framing_and_expectation() {
    use proto_h1::Framing;
    for (fields, framing, expects) in [
        ("", Framing::None, false),
        ("Content-Length: 0\r\n", Framing::Length(0), false),
        ("content-LENGTH: 5\r\n", Framing::Length(5), false),
        ("Content-Length: 2, 2\r\n", Framing::Length(2), false),
        ("Transfer-Encoding: chunked\r\n", Framing::Chunked, false),
        // The expectation is reported as received, body or not.
        ("Expect: 100-Continue\r\n", Framing::None, true),
        (
            "EXPECT: 100-continue\r\nExpect: nothing\r\nContent-Length: 3\r\n",
            Framing::Length(3),
            true,
        ),
        (
            "Expect: nothing\r\nExpect: 100-continue\r\n",
            Framing::None,
            true,
        ),
        ("Expect: foo=bar, 100-CONTINUE ,x\r\n", Framing::None, true),
        ("Expect: ,,100-continue\r\n", Framing::None, true),
        ("Expect: 100-continued\r\n", Framing::None, false),
        ("Expect: 100-continue;x=1\r\n", Framing::None, false),
        ("Expect: \"100-continue\"\r\n", Framing::None, false),
        ("X-Expect: 100-continue\r\n", Framing::None, false),
    ] {
        let input = format!("POST / HTTP/1.1\r\nHost: a\r\n{fields}\r\n");
        let mut s = ServerConn::new(ConnConfig::default());
        s.recv(input.as_bytes()).unwrap();
        match s.poll_event().unwrap() {
            Some(Event::Request(r)) => {
                assert_eq!(r.framing, framing, "{input:?}");
                let body = !matches!(framing, Framing::None | Framing::Length(0));
                assert_eq!(r.has_body(), body, "{input:?}");
                assert_eq!(r.expects_continue(), expects, "{input:?}");
            }
            other => panic!("{input:?}: {other:?}"),
        }
    }
    // HTTP/1.0 has no 100 Continue.
    let mut s = ServerConn::new(ConnConfig::default());
    s.recv(b"GET / HTTP/1.0\r\nExpect: 100-continue\r\n\r\n")
        .unwrap();
    match s.poll_event().unwrap() {
        Some(Event::Request(r)) => assert!(!r.expects_continue()),
        other => panic!("{other:?}"),
    }
}

/// The response head's own `Connection` (the first one, any case) decides whether the
/// server closes after it, and a response head is written as given whatever its framing
/// fields.
#[test]
fn response_connection_and_framing_fields() {
    let exchange = |fields: &[Header<'_>]| {
        let mut s = ServerConn::new(ConnConfig::default());
        s.recv(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n").unwrap();
        drain_server(&mut s).unwrap();
        s.send_response(200, b"OK", fields).unwrap();
        s.send_data(b"hi").unwrap();
        s.send_end(&[]).unwrap();
        let mut out = Vec::new();
        while s.wants_write() {
            if let Some(p) = s.poll_transmit(&mut out) {
                out.extend_from_slice(&p);
            }
        }
        (String::from_utf8(out).unwrap(), s.is_closed())
    };
    let (out, closed) = exchange(&[h("Content-Length", "2")]);
    assert_eq!(out, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi");
    assert!(!closed);
    let (out, closed) = exchange(&[
        h("CONNECTION", "Close"),
        h("Connection", "keep-alive"),
        h("Content-Length", "2"),
    ]);
    assert_eq!(
        out,
        "HTTP/1.1 200 OK\r\nCONNECTION: Close\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nhi"
    );
    assert!(closed);
    // No framing field: the body runs to the close, which the head then says.
    let (out, closed) = exchange(&[h("X-A", "1")]);
    assert_eq!(
        out,
        "HTTP/1.1 200 OK\r\nX-A: 1\r\nConnection: close\r\n\r\nhi"
    );
    assert!(closed);
    let (out, _) = exchange(&[h("transfer-encoding", "chunked")]);
    assert_eq!(
        out,
        "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n"
    );
    // Framing fields that contradict each other, or a bad length, are refused, and
    // nothing is written.
    for fields in [
        &[h("Content-Length", "2"), h("Content-Length", "3")][..],
        &[h("Content-Length", "2"), h("Transfer-Encoding", "chunked")],
        &[h("Content-Length", "2x")],
        &[h("Transfer-Encoding", "gzip")],
        &[h("Content-Length", "2"), h("X-Bad", "a\rb")],
    ] {
        let mut s = ServerConn::new(ConnConfig::default());
        s.recv(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n").unwrap();
        drain_server(&mut s).unwrap();
        assert_eq!(
            s.send_response(200, b"OK", fields),
            Err(SendError::InvalidHead),
            "{fields:?}"
        );
        assert!(!s.wants_write(), "{fields:?}");
        // The same connection still answers.
        s.send_response(204, b"No Content", &[]).unwrap();
    }
}

/// `send_response_sized` writes `Content-Length` itself, after the caller's fields, and
/// frames the body by it; a framing field among the caller's is refused, nothing written.
#[test]
fn sized_response_writes_its_length() {
    let answer = |req: &[u8], code: u16, fields: &[Header<'_>], len: u64, body: &[u8]| {
        let mut s = ServerConn::new(ConnConfig::default());
        s.recv(req).unwrap();
        drain_server(&mut s).unwrap();
        let r = s.send_response_sized(code, b"OK", fields.iter().copied(), len);
        if r.is_ok() && !body.is_empty() {
            s.send_data(body).unwrap();
        }
        let end = r.and_then(|()| s.send_end(&[]));
        let mut out = Vec::new();
        while s.wants_write() {
            if let Some(p) = s.poll_transmit(&mut out) {
                out.extend_from_slice(&p);
            }
        }
        (end, String::from_utf8(out).unwrap(), s.is_closed())
    };
    let get = b"GET / HTTP/1.1\r\nHost: a\r\n\r\n";
    let (r, out, closed) = answer(get, 200, &[h("X-A", "1")], 12345, b"");
    // The body is 12,345 bytes: ending it at none is refused.
    assert_eq!(r, Err(SendError::LengthMismatch));
    assert_eq!(
        out,
        "HTTP/1.1 200 OK\r\nX-A: 1\r\nContent-Length: 12345\r\n\r\n"
    );
    assert!(!closed);
    let (r, out, _) = answer(get, 200, &[], 2, b"hi");
    assert_eq!(r, Ok(()));
    assert_eq!(out, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi");
    let (r, out, _) = answer(get, 200, &[], 0, b"");
    assert_eq!(r, Ok(()));
    assert_eq!(out, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    // HEAD: the length is the one a GET would get, and no body follows.
    let head = b"HEAD / HTTP/1.1\r\nHost: a\r\n\r\n";
    let (r, out, _) = answer(head, 200, &[], 7, b"");
    assert_eq!(r, Ok(()));
    assert_eq!(out, "HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n");
    // A close the request asked for is still said.
    let close = b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";
    let (_, out, closed) = answer(close, 200, &[], 2, b"hi");
    assert_eq!(
        out,
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi"
    );
    assert!(closed);
    for fields in [
        &[h("Content-Length", "2")][..],
        &[h("transfer-encoding", "chunked")],
        &[h("X-Bad", "a\rb")],
    ] {
        let (r, out, _) = answer(get, 200, fields, 2, b"hi");
        assert_eq!(r, Err(SendError::InvalidHead), "{fields:?}");
        assert_eq!(out, "", "{fields:?}");
    }
}

#[test]
fn server_upgrade_hands_over_bytes() {
    let mut s = ServerConn::new(ConnConfig::default());
    s.recv(b"GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x81\x05hello")
        .unwrap();
    assert_eq!(drain_server(&mut s).unwrap().len(), 2);
    s.send_response(101, b"Switching Protocols", &[h("Upgrade", "websocket")])
        .unwrap();
    assert_eq!(
        drain_server(&mut s).unwrap(),
        [Ev::Upgrade(b"\x81\x05hello".to_vec())]
    );
    assert!(s.is_switched() && !s.is_closed());
    assert_eq!(s.recv(b"more").unwrap(), 0);
}

#[test]
fn client_frames_by_method_and_status() {
    let mut c = ClientConn::new(ConnConfig::default());
    c.send_request("HEAD", "/", &[h("Host", "a")]).unwrap();
    c.send_end(&[]).unwrap();
    c.send_request("GET", "/x", &[h("Host", "a")]).unwrap();
    c.send_end(&[]).unwrap();
    assert_eq!(c.in_flight(), 2);
    c.recv(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nHTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\nT: 1\r\n\r\n").unwrap();
    let evs = drain_client(&mut c).unwrap();
    assert_eq!(evs.len(), 6, "{evs:?}");
    assert!(matches!(&evs[0], Ev::Res(200, _)));
    assert_eq!(evs[1], Ev::End(vec![]));
    assert!(matches!(&evs[2], Ev::Res(100, _)));
    assert!(matches!(&evs[3], Ev::Res(200, _)));
    assert_eq!(evs[4], Ev::Data(b"hi".to_vec()));
    assert_eq!(evs[5], Ev::End(vec![("T".into(), b"1".to_vec())]));
    assert_eq!(c.in_flight(), 0);
    let mut out = Vec::new();
    let _ = c.poll_transmit(&mut out);
    assert_eq!(
        out,
        b"HEAD / HTTP/1.1\r\nHost: a\r\n\r\nGET /x HTTP/1.1\r\nHost: a\r\n\r\n"
    );
}

#[test]
fn client_connect_tunnel_and_close_delimited() {
    let mut c = ClientConn::new(ConnConfig::default());
    c.send_request(
        "CONNECT",
        "example.com:443",
        &[h("Host", "example.com:443")],
    )
    .unwrap();
    c.recv(b"HTTP/1.1 200 Connection Established\r\n\r\n\x16\x03\x01")
        .unwrap();
    let evs = drain_client(&mut c).unwrap();
    assert!(matches!(&evs[0], Ev::Res(200, _)));
    assert_eq!(evs[1], Ev::Upgrade(b"\x16\x03\x01".to_vec()));

    let mut c = ClientConn::new(ConnConfig::default());
    c.send_request("GET", "/", &[]).unwrap();
    c.send_end(&[]).unwrap();
    c.recv(b"HTTP/1.1 200 OK\r\n\r\nall of it").unwrap();
    let evs = drain_client(&mut c).unwrap();
    assert_eq!(evs[1], Ev::Data(b"all of it".to_vec()));
    assert_eq!(evs.len(), 2);
    c.recv_eof().unwrap();
    assert_eq!(drain_client(&mut c).unwrap(), [Ev::End(vec![])]);
    assert!(c.is_closed());
    assert_eq!(c.send_request("GET", "/", &[]), Err(SendError::NotReady));
}

/// The engine answers a peer error itself (issue 12): the caller only writes what
/// `poll_transmit` gives, and may not answer again.
#[test]
fn errors_are_sticky_and_the_server_answers_them_itself() {
    let mut s = ServerConn::new(ConnConfig::default());
    s.recv(
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
    )
    .unwrap();
    let e = s.poll_event().unwrap_err();
    assert_eq!(e, Error::ContentLengthWithTransferEncoding { field: 2 });
    assert_eq!(s.poll_event().unwrap_err(), e);
    assert_eq!(s.recv(b"x"), Err(e));
    assert!(s.is_closed() && s.wants_write());
    assert_eq!(
        s.send_response(e.status(), b"Bad Request", &[h("Content-Length", "0")]),
        Err(SendError::Closed)
    );
    let mut out = Vec::new();
    assert!(s.poll_transmit(&mut out).is_none());
    assert!(!s.wants_write());
    let text = String::from_utf8(out).unwrap();
    assert!(text.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{text}");
    assert!(text.contains("\r\nConnection: close\r\n"), "{text}");
    assert!(
        text.contains("content_length_with_transfer_encoding"),
        "{text}"
    );
}

#[test]
fn eof_inside_a_message_is_an_error() {
    let mut s = ServerConn::new(ConnConfig::default());
    s.recv(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nab")
        .unwrap();
    drain_server(&mut s).unwrap();
    s.recv_eof().unwrap();
    assert_eq!(s.poll_event().unwrap_err(), Error::UnexpectedEof);
    let mut c = ClientConn::new(ConnConfig::default());
    c.recv(b"HTTP/1.1 200 OK\r\n\r\n").unwrap();
    assert_eq!(c.poll_event().unwrap_err(), Error::UnexpectedData);
}

#[test]
fn byte_at_a_time_head_and_limits() {
    let mut s = ServerConn::new(ConnConfig::default());
    let input = b"GET /slow HTTP/1.1\r\nHost: a\r\nA: b\r\nC: d\r\n\r\n";
    let mut evs = Vec::new();
    for &b in input {
        assert_eq!(s.recv(&[b]).unwrap(), 1);
        evs.extend(drain_server(&mut s).unwrap());
    }
    assert_eq!(evs.len(), 2);
    let mut cfg = ConnConfig::default();
    cfg.parse.limits.max_head_size = 100;
    let mut s = ServerConn::new(cfg);
    s.recv(&[b'a'; 101]).unwrap();
    assert_eq!(s.poll_event().unwrap_err().status(), 431);
}

#[test]
fn queued_bytes_body_is_not_copied() {
    let mut c = ClientConn::new(ConnConfig::default());
    c.send_request("POST", "/up", &[h("Transfer-Encoding", "chunked")])
        .unwrap();
    let body = bytes::Bytes::from(vec![b'x'; 4096]);
    let body2 = bytes::Bytes::from(vec![b'y'; 600]);
    c.send_data_bytes(body.clone()).unwrap();
    c.send_data(b"abc").unwrap();
    c.send_data_bytes(body2.clone()).unwrap();
    // Short payloads are copied.
    c.send_data_bytes(bytes::Bytes::from_static(b"tail"))
        .unwrap();
    c.send_end(&[]).unwrap();
    assert!(c.wants_write());
    assert_eq!(c.queued(), c.queued()); // a getter
    let mut out = Vec::new();
    let p = c.poll_transmit(&mut out).expect("the first payload");
    assert!(out.starts_with(b"POST /up HTTP/1.1\r\n"));
    assert!(
        out.ends_with(b"\r\n\r\n1000\r\n"),
        "{:?}",
        String::from_utf8_lossy(&out)
    );
    // The very bytes queued, not a copy.
    assert_eq!(p.as_ptr(), body.as_ptr());
    assert_eq!(p.len(), 4096);
    out.clear();
    let p = c.poll_transmit(&mut out).expect("the second payload");
    assert_eq!(p.as_ptr(), body2.as_ptr());
    // The first chunk's CRLF starts the next output.
    assert_eq!(out, b"\r\n3\r\nabc\r\n258\r\n");
    out.clear();
    assert!(c.wants_write());
    assert!(c.poll_transmit(&mut out).is_none());
    assert_eq!(out, b"\r\n4\r\ntail\r\n0\r\n\r\n");
    assert!(!c.wants_write());
    assert_eq!(c.queued(), 0);
    // Content-Length bodies carry no framing; the length is still enforced.
    let mut c = ClientConn::new(ConnConfig::default());
    c.send_request("PUT", "/", &[h("Content-Length", "1000")])
        .unwrap();
    c.send_data_bytes(bytes::Bytes::from(vec![1u8; 999]))
        .unwrap();
    assert_eq!(
        c.send_data_bytes(bytes::Bytes::from(vec![1u8; 600])),
        Err(SendError::LengthMismatch)
    );
    c.send_data(b"z").unwrap();
    c.send_end(&[]).unwrap();
    let mut out = Vec::new();
    let p = c.poll_transmit(&mut out).unwrap();
    assert!(out.ends_with(b"Content-Length: 1000\r\n\r\n"));
    assert_eq!(p.len(), 999);
    out.clear();
    assert!(c.poll_transmit(&mut out).is_none());
    assert_eq!(out, b"z");
}

/// `peer_keeps_alive` after a response head, for each rule of RFC 9112 9.3 and a response
/// delimited by the close; the request's own `Connection: close` does not change it.
#[test]
fn peer_keeps_alive_follows_the_response_head() {
    let cases: [(&[u8], bool); 7] = [
        (b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n", true),
        (
            b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n",
            false,
        ),
        (
            b"HTTP/1.1 200 OK\r\nConnection: x, Close\r\nContent-Length: 2\r\n\r\n",
            false,
        ),
        (b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\n", false),
        (
            b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\n",
            true,
        ),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
            true,
        ),
        (b"HTTP/1.1 200 OK\r\n\r\n", false),
    ];
    for (head, keeps) in cases {
        for ours in [&[][..], &[h("Connection", "close")][..]] {
            let mut c = ClientConn::new(ConnConfig::default());
            assert!(c.peer_keeps_alive());
            c.send_request(
                "POST",
                "/",
                &[&[h("Content-Length", "5")][..], ours].concat(),
            )
            .unwrap();
            c.recv(head).unwrap();
            let evs = drain_client(&mut c).unwrap();
            assert!(matches!(evs[..], [Ev::Res(200, _)]), "{evs:?}");
            assert_eq!(
                c.peer_keeps_alive(),
                keeps,
                "{}",
                String::from_utf8_lossy(head)
            );
        }
    }
    let mut s = ServerConn::new(ConnConfig::default());
    s.recv(b"GET / HTTP/1.0\r\n\r\n").unwrap();
    assert!(matches!(
        drain_server(&mut s).unwrap()[..],
        [Ev::Req(..), Ev::End(_)]
    ));
    assert!(!s.peer_keeps_alive());
}
