//! A blocking HTTP/2 client over plain TCP (h2c with prior knowledge), no runtime:
//!
//! ```text
//! cargo run -p proto-h2 --example h2_client -- 127.0.0.1 18080 /index.html /1m.bin
//! ```
//!
//! Sends every path as a concurrent GET, prints `status bytes path` per response and exits
//! non-zero if any request fails. `--chrome` uses Chrome's fingerprint settings.

#[path = "support/h2_io.rs"]
mod h2_io;

use proto_h2::conn::{Config, Connection, Event, Request, Role};
use std::collections::HashMap;
use std::net::TcpStream;
use std::process::ExitCode;
use std::time::Instant;

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let chrome = args.iter().any(|a| a == "--chrome");
    args.retain(|a| a != "--chrome");
    if args.len() < 3 {
        eprintln!("usage: h2_client HOST PORT PATH... [--chrome]");
        return ExitCode::from(2);
    }
    let (host, port) = (&args[0], &args[1]);
    let mut sock = match TcpStream::connect(format!("{host}:{port}")) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("connect: {e}");
            return ExitCode::FAILURE;
        }
    };
    let _ = sock.set_nodelay(true);
    let cfg = if chrome {
        Config::chrome()
    } else {
        Config::client()
    };
    let mut conn = Connection::new(Role::Client, cfg, Instant::now());
    let authority = format!("{host}:{port}");
    let mut pending: HashMap<u32, (String, u16, usize)> = HashMap::new();
    for path in &args[2..] {
        let req = Request {
            headers: &[(b"user-agent", b"proto-h2-example")],
            ..Request::get(b"http", authority.as_bytes(), path.as_bytes())
        };
        match conn.send_request(&req, true) {
            Ok(id) => {
                pending.insert(id.value(), (path.clone(), 0, 0));
            }
            Err(e) => {
                eprintln!("{path}: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    let mut failed = 0;
    let res = h2_io::run(&mut conn, &mut sock, |conn, ev| {
        match ev {
            Event::Response {
                stream,
                head,
                end_stream,
            } => {
                if let Some(p) = pending.get_mut(&stream.value()) {
                    p.1 = head.status().unwrap_or(0);
                }
                if end_stream {
                    finish(&mut pending, stream.value(), &mut failed);
                }
            }
            Event::Data {
                stream, end_stream, ..
            } => {
                while let Some(b) = conn.read_data(stream) {
                    if let Some(p) = pending.get_mut(&stream.value()) {
                        p.2 += b.len();
                    }
                }
                if end_stream {
                    finish(&mut pending, stream.value(), &mut failed);
                }
            }
            Event::Trailers { stream, .. } => finish(&mut pending, stream.value(), &mut failed),
            Event::Reset { stream, code, .. } => {
                if let Some((path, ..)) = pending.remove(&stream.value()) {
                    println!("RESET {code} {path}");
                    failed += 1;
                }
            }
            _ => {}
        }
        !pending.is_empty()
    });
    if let Err(e) = res {
        eprintln!("connection error: {e}");
        return ExitCode::FAILURE;
    }
    if !pending.is_empty() {
        eprintln!("{} requests unanswered", pending.len());
        return ExitCode::FAILURE;
    }
    let _ = conn.go_away(proto_h2::frame::ErrorCode::NO_ERROR);
    let _ = h2_io::flush(&mut conn, &mut sock);
    if failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn finish(pending: &mut HashMap<u32, (String, u16, usize)>, id: u32, failed: &mut u32) {
    if let Some((path, status, bytes)) = pending.remove(&id) {
        println!("{status} {bytes} {path}");
        if status != 200 {
            *failed += 1;
        }
    }
}
