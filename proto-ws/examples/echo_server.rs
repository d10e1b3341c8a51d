//! A blocking echo server on std::net, one thread per connection (for Autobahn's fuzzingclient
//! and interop tests). Offers permessage-deflate.
//!
//! Usage: `cargo run --release --example echo_server -p proto-ws -- [127.0.0.1:9002]`

mod common;

use proto_ws::{Connection, DeflateConfig, ServerOptions, accept_request};
use std::io::Write;
use std::net::{TcpListener, TcpStream};

fn handle(mut stream: TcpStream) -> std::io::Result<()> {
    let (head, leftover) = common::read_head(&mut stream)?;
    let method = head
        .start
        .split(' ')
        .next()
        .unwrap_or("")
        .as_bytes()
        .to_vec();
    let options = ServerOptions {
        protocols: &[],
        deflate: Some(DeflateConfig::default()),
    };
    let mut out = Vec::new();
    match accept_request(&options, &method, head.pairs()) {
        Ok(accepted) => {
            accepted.write_response(&mut out);
            stream.write_all(&out)?;
            let conn = Connection::server(accepted.config());
            common::echo(stream, conn, leftover)
        }
        Err(e) => {
            e.write_response(&mut out);
            stream.write_all(&out)
        }
    }
}

fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:9002".to_string());
    let listener = TcpListener::bind(&addr)?;
    eprintln!("echo_server listening on {addr}");
    for stream in listener.incoming() {
        let stream = stream?;
        std::thread::spawn(move || {
            let _ = handle(stream);
        });
    }
    Ok(())
}
