//! How many writes the HTTP/1.1 server makes (issue 12, "one read and one `writev` per
//! batch"): counted as the data segments the client's socket receives (Linux's `TCP_INFO`;
//! on loopback with `TCP_NODELAY` each server write below some 64 KiB is one segment).
#![cfg(target_os = "linux")]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use runtime_mio::server::{Request, Response, Server, ServerConfig};
use test_support::tcp::data_segments_in;

fn handler(req: &Request) -> Response {
    // /N: a body of N bytes (short ones are copied into the engine's output, from 512 bytes
    // on they are queued as payloads and written uncopied).
    let n: usize = req.path()[1..].parse().unwrap_or(0);
    Response::new(200).with_body(vec![b'x'; n])
}

fn start() -> Server {
    let config = ServerConfig {
        threads: 1,
        ..ServerConfig::default()
    };
    Server::bind("127.0.0.1:0".parse().unwrap(), config, handler).unwrap()
}

fn connect(s: &Server) -> TcpStream {
    let c = TcpStream::connect(s.local_addr()).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    c.set_nodelay(true).unwrap();
    c
}

/// Reads until `count` responses with a `body`-byte body each have arrived (their length is
/// known: the same head each time), and checks that nothing more came.
fn read_responses(c: &mut TcpStream, count: usize, body: usize) {
    let head = format!("http/1.1 200 ok\r\ncontent-length: {body}\r\n\r\n");
    let mut want = Vec::new();
    for _ in 0..count {
        want.extend_from_slice(head.as_bytes());
        want.extend(std::iter::repeat_n(b'x', body));
    }
    let mut got = vec![0u8; want.len()];
    c.read_exact(&mut got).unwrap();
    got.make_ascii_lowercase();
    assert!(
        got == want,
        "{}",
        String::from_utf8_lossy(&got[..head.len()])
    );
}

fn request(path: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n")
}

/// The server's writes for `count` requests for `/body` written at once, then for the same
/// requests one at a time (each awaited): `(pipelined, one_at_a_time)`.
fn writes(body: usize, count: usize) -> (u32, u32) {
    let s = start();
    let mut c = connect(&s);
    let path = format!("/{body}");
    // A first exchange: the connection is set up and its buffers are in place.
    c.write_all(request(&path).as_bytes()).unwrap();
    read_responses(&mut c, 1, body);

    let before = data_segments_in(&c).unwrap();
    c.write_all(request(&path).repeat(count).as_bytes())
        .unwrap();
    read_responses(&mut c, count, body);
    let pipelined = data_segments_in(&c).unwrap() - before;

    let before = data_segments_in(&c).unwrap();
    for _ in 0..count {
        c.write_all(request(&path).as_bytes()).unwrap();
        read_responses(&mut c, 1, body);
    }
    let one_at_a_time = data_segments_in(&c).unwrap() - before;
    drop(c);
    s.shutdown().unwrap();
    (pipelined, one_at_a_time)
}

/// 16 pipelined requests with short bodies (copied into the engine's output): their 16
/// responses leave in one write. One at a time, each response is one write (head and body
/// together): the count is the server's writes.
#[test]
fn pipelined_batch_of_short_responses_is_one_write() {
    let (pipelined, one_at_a_time) = writes(13, 16);
    assert_eq!(one_at_a_time, 16);
    assert_eq!(pipelined, 1);
}

/// 16 pipelined requests with 1 KiB bodies (queued uncopied, as payloads): still one write
/// for the batch, not one per response.
#[test]
fn pipelined_batch_of_payload_responses_is_one_write() {
    let (pipelined, one_at_a_time) = writes(1024, 16);
    assert_eq!(one_at_a_time, 16);
    assert_eq!(pipelined, 1);
}
