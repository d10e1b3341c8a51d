//! A blocking HTTP/2 server over plain TCP (h2c with prior knowledge), one thread per
//! connection, no runtime:
//!
//! ```text
//! cargo run -p proto-h2 --example h2_server -- 18090
//! nghttp -v http://127.0.0.1:18090/size/1000
//! ```
//!
//! Answers every request with 200: `/size/N` returns N bytes, `/echo` returns the request
//! body, anything else a short greeting. Listens on 127.0.0.1 only. A body larger than the
//! connection takes at once (`send_data` returns how much it took) waits per stream and is
//! offered again on `Event::SendReady`, so memory stays bounded.

#[path = "support/h2_io.rs"]
mod h2_io;

use bytes::Bytes;
use proto_h2::conn::{Config, Connection, Event, Role};
use proto_h2::frame::StreamId;
use std::collections::HashMap;
use std::net::{TcpListener, TcpStream};
use std::time::Instant;

fn main() {
    let port: u16 = std::env::args()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(18090);
    let listener = TcpListener::bind(("127.0.0.1", port)).expect("bind");
    eprintln!("h2_server listening on 127.0.0.1:{port}");
    for sock in listener.incoming().flatten() {
        std::thread::spawn(move || serve(sock));
    }
}

fn serve(mut sock: TcpStream) {
    let _ = sock.set_nodelay(true);
    let mut conn = Connection::new(Role::Server, Config::server(), Instant::now());
    // Per stream: (path, body received so far).
    let mut reqs: HashMap<u32, (Vec<u8>, Vec<u8>)> = HashMap::new();
    // Per stream: the part of the response body not yet taken by `send_data`.
    let mut unsent: HashMap<u32, Bytes> = HashMap::new();
    let res = h2_io::run(&mut conn, &mut sock, |conn, ev| {
        match ev {
            Event::SendReady { stream } => {
                if let Some(rest) = unsent.remove(&stream.value()) {
                    offer(conn, &mut unsent, stream, rest);
                }
            }
            Event::Request {
                stream,
                head,
                end_stream,
            } => {
                reqs.insert(
                    stream.value(),
                    (head.path().unwrap_or(b"/").to_vec(), Vec::new()),
                );
                if end_stream {
                    respond(conn, &mut reqs, &mut unsent, stream);
                }
            }
            Event::Data {
                stream, end_stream, ..
            } => {
                while let Some(b) = conn.read_data(stream) {
                    if let Some(r) = reqs.get_mut(&stream.value()) {
                        r.1.extend_from_slice(&b);
                    }
                }
                if end_stream {
                    respond(conn, &mut reqs, &mut unsent, stream);
                }
            }
            Event::Trailers { stream, .. } => respond(conn, &mut reqs, &mut unsent, stream),
            Event::Reset { stream, .. } => {
                reqs.remove(&stream.value());
                unsent.remove(&stream.value());
            }
            _ => {}
        }
        true
    });
    if let Err(e) = res {
        eprintln!("connection error: {e}");
    }
}

fn respond(
    conn: &mut Connection,
    reqs: &mut HashMap<u32, (Vec<u8>, Vec<u8>)>,
    unsent: &mut HashMap<u32, Bytes>,
    stream: StreamId,
) {
    let Some((path, body)) = reqs.remove(&stream.value()) else {
        return;
    };
    let out: Bytes = if let Some(n) = path.strip_prefix(b"/size/") {
        let n: usize = std::str::from_utf8(n)
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        Bytes::from(vec![b'x'; n.min(64 << 20)])
    } else if path == b"/echo" {
        Bytes::from(body)
    } else {
        Bytes::from_static(b"hello from proto-h2\n")
    };
    let len = out.len().to_string();
    let headers: [(&[u8], &[u8]); 2] = [
        (b"content-type", b"application/octet-stream"),
        (b"content-length", len.as_bytes()),
    ];
    if conn.send_response(stream, 200, &headers, false).is_ok() {
        offer(conn, unsent, stream, out);
    }
}

/// Offers `body` (the rest of a response) to the connection; what it does not take yet waits
/// for `Event::SendReady`.
fn offer(conn: &mut Connection, unsent: &mut HashMap<u32, Bytes>, stream: StreamId, body: Bytes) {
    if let Ok(n) = conn.send_data(stream, body.clone(), true)
        && n < body.len()
    {
        unsent.insert(stream.value(), body.slice(n..));
    }
}
