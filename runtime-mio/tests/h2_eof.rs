//! HTTP/2 end of stream through the server (proto-h2's `recv_eof`): a client that sends its
//! requests and shuts down its write side still gets the answers to the requests it
//! finished; the one it had not finished is cut (RST_STREAM CANCEL); then the server closes.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::{Duration, Instant};

use bytes::Bytes;
use proto_h2::conn::{Config, Connection, Event, Request as H2Request, Role};
use proto_h2::frame::ErrorCode;
use runtime_mio::server::{Request, Response, Server, ServerConfig};

fn handler(req: &Request) -> Response {
    Response::text(200, format!("{} {}", req.method(), req.path()))
}

#[test]
fn h2_half_close_answers_finished_streams_cuts_the_rest_and_closes() {
    let config = ServerConfig {
        threads: 1,
        ..ServerConfig::default()
    };
    let server = Server::bind("127.0.0.1:0".parse().unwrap(), config, handler).unwrap();
    let mut sock = TcpStream::connect(server.local_addr()).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let authority = server.local_addr().to_string();
    let now = Instant::now();
    let mut client = Connection::new(Role::Client, Config::client(), now);
    let done = client
        .send_request(
            &H2Request::get(b"http", authority.as_bytes(), b"/done"),
            true,
        )
        .unwrap();
    let open = client
        .send_request(
            &H2Request {
                method: b"POST",
                ..H2Request::get(b"http", authority.as_bytes(), b"/upload")
            },
            false,
        )
        .unwrap();
    client
        .send_data(open, Bytes::from_static(b"part of a body"), false)
        .unwrap();
    let mut out = Vec::new();
    while client.wants_write() {
        if let Some(p) = client.poll_transmit(now, &mut out) {
            out.extend_from_slice(&p);
        }
    }
    sock.write_all(&out).unwrap();
    sock.shutdown(Shutdown::Write).unwrap();
    // Everything until the server closes (a read error is a timeout: the server kept the
    // connection open).
    let mut wire = Vec::new();
    sock.read_to_end(&mut wire)
        .expect("the server closes the connection");
    client.recv(Instant::now(), &wire).unwrap();
    let (mut status, mut body, mut cut, mut goaway) = (None, Vec::new(), None, false);
    while let Some(ev) = client.poll_event() {
        match ev {
            Event::Response { stream, head, .. } if stream == done => status = head.status(),
            Event::Data { stream, .. } if stream == done => {
                while let Some(b) = client.read_data(stream) {
                    body.extend_from_slice(&b);
                }
            }
            Event::Reset { stream, code, .. } if stream == open => cut = Some(code),
            Event::GoAway { .. } => goaway = true,
            _ => {}
        }
    }
    assert_eq!(status, Some(200));
    assert_eq!(body, b"GET /done");
    assert_eq!(cut, Some(ErrorCode::CANCEL));
    assert!(goaway);
    server.shutdown().unwrap();
}
