//! The engine contract of issue 12 for a server connection: it answers a peer error itself
//! (the status of `Error::status`, `Connection: close`) and then closes; `send_timeout` does
//! the same with 408; its `state()` tells the caller's timers where it is; and `Connection:
//! close` (or HTTP/1.0 without keep-alive) closes it right after the response.

use proto_h1::{ConnConfig, ConnState, Error, Event, Header, SendError, ServerConn};

fn h<'a>(name: &'a str, value: &'a str) -> Header<'a> {
    Header {
        name,
        value: value.as_bytes(),
    }
}

/// Everything the connection has to write (payloads included), as text.
fn flush(s: &mut ServerConn) -> String {
    let mut out = Vec::new();
    while s.wants_write() {
        if let Some(p) = s.poll_transmit(&mut out) {
            out.extend_from_slice(&p);
        }
    }
    String::from_utf8(out).unwrap()
}

/// Feeds `input` and polls until the first error.
fn serve_until_error(config: ConnConfig, input: &[u8]) -> (ServerConn, Error) {
    let mut s = ServerConn::new(config);
    let mut off = 0;
    loop {
        let n = s.recv(&input[off..]).unwrap();
        off += n;
        loop {
            match s.poll_event() {
                Ok(Some(_)) => {}
                Ok(None) => break,
                Err(e) => return (s, e),
            }
        }
        assert!(off < input.len(), "no error");
    }
}

/// The connection queued `HTTP/1.1 <code> ...` with `Connection: close` and a short body that
/// names the error, and is closed.
fn assert_reply(mut s: ServerConn, e: Error, code: u16) {
    assert_eq!(e.status(), code, "{e}");
    assert!(s.is_closed(), "{e}");
    assert_eq!(s.state(), ConnState::Closed);
    assert!(s.wants_write(), "{e}: no reply queued");
    let text = flush(&mut s);
    assert!(
        text.starts_with(&format!("HTTP/1.1 {code} ")),
        "{e}: {text:?}"
    );
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    assert!(head.contains("\r\nConnection: close"), "{text:?}");
    assert!(
        head.contains(&format!("\r\nContent-Length: {}", body.len())),
        "{text:?}"
    );
    assert!(body.len() <= 120 && body.contains(e.kind()), "{body:?}");
    assert!(!s.wants_write());
    // The caller cannot answer again, and the error stays.
    assert_eq!(
        s.send_response(200, b"OK", &[h("Content-Length", "0")]),
        Err(SendError::Closed)
    );
    assert_eq!(s.poll_event().err(), Some(e));
}

#[test]
fn malformed_request_gets_400_then_close() {
    let (s, e) = serve_until_error(ConnConfig::default(), b"GET / HTTP/1.1\r\nHo st: a\r\n\r\n");
    assert!(matches!(e, Error::InvalidHeaderName { .. }));
    assert_reply(s, e, 400);
    let (s, e) = serve_until_error(
        ConnConfig::default(),
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1x\r\n\r\n",
    );
    assert_reply(s, e, 400);
}

#[test]
fn over_large_head_gets_431() {
    let mut config = ConnConfig::default();
    config.parse.limits.max_head_size = 2048;
    let mut input = b"GET / HTTP/1.1\r\nHost: a\r\n".to_vec();
    for i in 0..40 {
        input.extend_from_slice(format!("X-Field-{i}: {}\r\n", "v".repeat(100)).as_bytes());
    }
    let (s, e) = serve_until_error(config, &input);
    assert!(matches!(e, Error::HeadTooLarge { limit: 2048 }), "{e}");
    assert_reply(s, e, 431);
    let mut config = ConnConfig::default();
    config.parse.limits.max_headers = 4;
    let (s, e) = serve_until_error(
        config,
        b"GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n",
    );
    assert!(matches!(e, Error::TooManyHeaders { limit: 4 }), "{e}");
    assert_reply(s, e, 431);
}

#[test]
fn over_long_target_gets_414_before_the_line_ends() {
    // The request line has not ended yet: the limit on the target still applies.
    let mut input = b"GET /".to_vec();
    input.resize(9000, b'a');
    let (s, e) = serve_until_error(ConnConfig::default(), &input);
    assert_eq!(e, Error::TargetTooLong { limit: 8192 });
    assert_reply(s, e, 414);
    // And with the whole line.
    let mut input = b"GET /".to_vec();
    input.resize(9000, b'a');
    input.extend_from_slice(b" HTTP/1.1\r\nHost: a\r\n\r\n");
    let (s, e) = serve_until_error(ConnConfig::default(), &input);
    assert_reply(s, e, 414);
}

#[test]
fn body_over_the_limit_gets_413() {
    let mut config = ConnConfig::default();
    config.parse.limits.max_body_len = 10;
    let (s, e) = serve_until_error(
        config,
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n",
    );
    assert!(matches!(e, Error::BodyTooLarge { limit: 10 }), "{e}");
    assert_reply(s, e, 413);
    // A chunked body passes the limit in its second chunk: the handler has seen the first.
    let (s, e) = serve_until_error(
        config,
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
    );
    assert!(matches!(e, Error::BodyTooLarge { limit: 10 }), "{e}");
    assert_reply(s, e, 413);
}

#[test]
fn unknown_transfer_coding_gets_501_and_bad_version_505() {
    let (s, e) = serve_until_error(
        ConnConfig::default(),
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
    );
    assert_reply(s, e, 501);
    let (s, e) = serve_until_error(ConnConfig::default(), b"GET / HTTP/2.0\r\nHost: a\r\n\r\n");
    assert_reply(s, e, 505);
}

/// When our response has started, an error in the request body cannot be answered: the
/// connection only closes (after what was already queued).
#[test]
fn error_after_our_response_started_only_closes() {
    let mut s = ServerConn::new(ConnConfig::default());
    s.recv(b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n")
        .unwrap();
    while s.poll_event().unwrap().is_some() {}
    s.send_response(200, b"OK", &[h("Transfer-Encoding", "chunked")])
        .unwrap();
    s.send_data(b"partial").unwrap();
    s.recv(b"zz\r\n").unwrap();
    let e = s.poll_event().unwrap_err();
    assert!(matches!(e, Error::InvalidChunkSize { .. }), "{e}");
    assert!(s.is_closed());
    let text = flush(&mut s);
    assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text:?}");
    assert!(text.ends_with("7\r\npartial\r\n"), "{text:?}");
    assert_eq!(s.send_data(b"more"), Err(SendError::NoMessage));
}

#[test]
fn head_timeout_gets_408_only_for_a_started_request() {
    // Slowloris: part of a head, then the runtime's head timer fires.
    let mut s = ServerConn::new(ConnConfig::default());
    s.recv(b"GET / HTTP/1.1\r\nHost:").unwrap();
    assert!(s.poll_event().unwrap().is_none());
    assert_eq!(s.state(), ConnState::AwaitingHead { partial: true });
    assert!(s.send_timeout());
    assert!(s.is_closed());
    let text = flush(&mut s);
    assert!(
        text.starts_with("HTTP/1.1 408 Request Timeout\r\n"),
        "{text:?}"
    );
    assert!(text.contains("\r\nConnection: close\r\n"));

    // A body that stops arriving.
    let mut s = ServerConn::new(ConnConfig::default());
    s.recv(b"PUT / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc")
        .unwrap();
    while s.poll_event().unwrap().is_some() {}
    assert_eq!(s.state(), ConnState::ReadingBody);
    assert!(s.send_timeout());
    assert!(flush(&mut s).starts_with("HTTP/1.1 408 "));

    // An idle keep-alive connection closes without a reply.
    let mut s = ServerConn::new(ConnConfig::default());
    assert_eq!(s.state(), ConnState::Idle);
    assert!(!s.send_timeout());
    assert!(s.is_closed() && !s.wants_write());

    // A response in progress is not interrupted by a 408: the connection only closes.
    let mut s = ServerConn::new(ConnConfig::default());
    s.recv(b"PUT / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc")
        .unwrap();
    while s.poll_event().unwrap().is_some() {}
    s.send_response(200, b"OK", &[h("Content-Length", "2")])
        .unwrap();
    assert!(!s.send_timeout());
    assert!(s.is_closed());
    assert_eq!(
        flush(&mut s),
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n"
    );
}

#[test]
fn state_follows_an_exchange() {
    let mut s = ServerConn::new(ConnConfig::default());
    assert_eq!(s.state(), ConnState::Idle);
    s.recv(b"POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nab")
        .unwrap();
    assert_eq!(s.state(), ConnState::AwaitingHead { partial: true });
    assert!(matches!(s.poll_event().unwrap(), Some(Event::Request(_))));
    assert_eq!(s.state(), ConnState::ReadingBody);
    assert!(matches!(s.poll_event().unwrap(), Some(Event::Data(b"ab"))));
    assert!(s.poll_event().unwrap().is_none());
    assert_eq!(s.state(), ConnState::ReadingBody);
    s.recv(b"cd").unwrap();
    while s.poll_event().unwrap().is_some() {}
    assert_eq!(s.state(), ConnState::Sending);
    s.send_response(200, b"OK", &[h("Content-Length", "0")])
        .unwrap();
    assert_eq!(s.state(), ConnState::Sending);
    s.send_end(&[]).unwrap();
    // Keep-alive: idle again at once (no poll needed), output still to flush.
    assert_eq!(s.state(), ConnState::Idle);
    assert!(s.wants_write() && !s.is_closed());
    flush(&mut s);
    // Upgrades.
    let mut s = ServerConn::new(ConnConfig::default());
    s.recv(b"GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
        .unwrap();
    while s.poll_event().unwrap().is_some() {}
    s.send_response(101, b"Switching Protocols", &[h("Upgrade", "websocket")])
        .unwrap();
    assert!(matches!(s.poll_event().unwrap(), Some(Event::Upgrade(_))));
    assert_eq!(s.state(), ConnState::Switched);
    assert!(!s.is_closed());
}

/// Exchange: the request `req`, answered 200 with `headers`; returns the connection and what
/// it wrote. No `poll_event` after `send_end`.
fn answer(req: &[u8], headers: &[Header<'_>]) -> (ServerConn, String) {
    let mut s = ServerConn::new(ConnConfig::default());
    s.recv(req).unwrap();
    while s.poll_event().unwrap().is_some() {}
    s.send_response(200, b"OK", headers).unwrap();
    s.send_end(&[]).unwrap();
    let text = flush(&mut s);
    (s, text)
}

#[test]
fn connection_close_is_honoured_after_the_response() {
    let cl = [h("Content-Length", "0")];
    // The request says close: closed as soon as the response is complete, and the response
    // says so too.
    let (s, text) = answer(
        b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
        &cl,
    );
    assert!(s.is_closed());
    assert_eq!(s.state(), ConnState::Closed);
    assert_eq!(
        text,
        "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    // HTTP/1.0 without keep-alive.
    let (s, text) = answer(b"GET / HTTP/1.0\r\n\r\n", &cl);
    assert!(s.is_closed());
    assert!(text.contains("\r\nConnection: close\r\n"), "{text:?}");
    // HTTP/1.0 with keep-alive, answered with keep-alive: stays open.
    let (s, text) = answer(
        b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
        &[h("Content-Length", "0"), h("Connection", "keep-alive")],
    );
    assert!(!s.is_closed());
    assert!(!text.contains("close"), "{text:?}");
    // Our response says close (the caller's field is kept, not doubled).
    let (s, text) = answer(
        b"GET / HTTP/1.1\r\nHost: a\r\n\r\n",
        &[h("Content-Length", "0"), h("Connection", "close")],
    );
    assert!(s.is_closed());
    assert_eq!(text.matches("Connection").count(), 1, "{text:?}");
    // A close-delimited response.
    let (s, text) = answer(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n", &[]);
    assert!(s.is_closed());
    assert!(text.contains("\r\nConnection: close\r\n"), "{text:?}");
    // Keep-alive by default.
    let (s, text) = answer(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n", &cl);
    assert!(!s.is_closed());
    assert_eq!(text, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
}

#[test]
fn shutdown_finishes_the_exchange_then_closes() {
    // Idle: closes at once, nothing to write.
    let mut s = ServerConn::new(ConnConfig::default());
    s.shutdown();
    assert!(s.is_closed() && !s.wants_write());

    // A request in progress is answered, with Connection: close, and the pipelined one
    // behind it is not read.
    let mut s = ServerConn::new(ConnConfig::default());
    s.recv(b"GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n")
        .unwrap();
    assert!(matches!(s.poll_event().unwrap(), Some(Event::Request(_))));
    s.shutdown();
    assert!(!s.is_closed());
    while s.poll_event().unwrap().is_some() {}
    s.send_response(200, b"OK", &[h("Content-Length", "0")])
        .unwrap();
    s.send_end(&[]).unwrap();
    assert!(s.is_closed());
    assert_eq!(
        flush(&mut s),
        "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    // The bytes behind it are refused (RFC 9112 section 9.6), and nothing more is written.
    assert_eq!(s.poll_event().err(), Some(Error::UnexpectedData));
    assert!(s.is_closed() && !s.wants_write());
}
