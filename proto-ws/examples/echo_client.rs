//! A blocking client on std::net: runs every case of Autobahn's fuzzingserver (echoing each
//! message back), or echoes against any server. Offers permessage-deflate. Exits non-zero when
//! a case's connection could not be set up, or getCaseCount's reply is not a number.
//!
//! Usage: `cargo run --release --example echo_client -p proto-ws -- autobahn ws://127.0.0.1:9001 AGENT`
//!        `cargo run --release --example echo_client -p proto-ws -- echo ws://127.0.0.1:19001 N`

mod common;

use proto_ws::{ClientHandshake, Connection, CryptoMask, DeflateConfig, Event, State};
use std::io::{self, Read, Write};
use std::net::TcpStream;

/// Connects and runs the opening handshake. The `Sec-WebSocket-Key` nonce and the masking keys
/// come from the OS's cryptographic generator (the default of `ClientHandshake::new` and
/// `Connection::client`).
fn connect(hostport: &str, path: &str) -> io::Result<(TcpStream, Connection, Vec<u8>)> {
    let mut stream = TcpStream::connect(hostport)?;
    let deflate = DeflateConfig {
        client_no_context_takeover: true,
        ..DeflateConfig::default()
    };
    // Masking keys and the handshake nonce from ChaCha12 keyed by the OS's generator (RFC 6455
    // sections 4.1 and 5.3): proto-ws reads no randomness itself.
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| io::Error::other(e.to_string()))?;
    let mut keys = CryptoMask::from_seed(seed);
    let hs = ClientHandshake::new(&mut keys).deflate(Some(deflate));
    let mut out = Vec::new();
    hs.write_request(hostport, path, &mut out);
    stream.write_all(&out)?;
    let (head, leftover) = common::read_head(&mut stream)?;
    let status: u16 = head
        .start
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let negotiated = hs
        .check_response(status, head.pairs())
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))?;
    Ok((
        stream,
        Connection::client(negotiated.config(), keys),
        leftover,
    ))
}

/// Reads the first text message (getCaseCount).
fn read_text(mut stream: TcpStream, mut conn: Connection, leftover: Vec<u8>) -> io::Result<String> {
    let mut buf = leftover;
    let mut chunk = [0u8; 4096];
    loop {
        let mut rest = &buf[..];
        while !rest.is_empty() {
            let n = conn
                .recv(rest)
                .map_err(|e| io::Error::other(e.to_string()))?;
            rest = &rest[n..];
            loop {
                match conn.poll_event() {
                    Ok(Some(Event::Text(t))) => return Ok(t.to_string()),
                    Ok(Some(_)) => {}
                    Ok(None) => break,
                    Err(e) => return Err(io::Error::other(e.to_string())),
                }
            }
        }
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "eof"));
        }
        buf.clear();
        buf.extend_from_slice(&chunk[..n]);
    }
}

fn split_url(url: &str) -> (String, String) {
    let rest = url.strip_prefix("ws://").unwrap_or(url);
    match rest.find('/') {
        Some(i) => (rest[..i].to_string(), rest[i..].to_string()),
        None => (rest.to_string(), "/".to_string()),
    }
}

fn main() -> io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let mode = args.get(1).map_or("autobahn", String::as_str);
    let (hostport, base) = split_url(args.get(2).map_or("ws://127.0.0.1:9001", String::as_str));
    let base = base.trim_end_matches('/').to_string();
    if mode == "echo" {
        // Sends N text and binary messages, checks the echoes, closes.
        let n: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(10);
        return echo_check(&hostport, &format!("{base}/"), n);
    }
    let agent = args.get(3).map_or("proto-ws", String::as_str);
    let (s, c, l) = connect(&hostport, &format!("{base}/getCaseCount"))?;
    let reply = read_text(s, c, l)?;
    let count: usize = reply.trim().parse().map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("getCaseCount: not a number: {reply:?}"),
        )
    })?;
    eprintln!("{count} cases");
    // A case whose connection could not even be set up is reported by the exit status (the
    // testsuite's report would only miss it).
    let mut not_run = 0;
    for case in 1..=count {
        match connect(
            &hostport,
            &format!("{base}/runCase?case={case}&agent={agent}"),
        ) {
            Ok((s, c, l)) => {
                let _ = common::echo(s, c, l);
            }
            Err(e) => {
                eprintln!("case {case}: {e}");
                not_run += 1;
            }
        }
    }
    let (mut s, mut c, _) = connect(&hostport, &format!("{base}/updateReports?agent={agent}"))?;
    common::close(&mut s, &mut c)?;
    let mut sink = Vec::new();
    let _ = s.read_to_end(&mut sink);
    eprintln!("reports updated");
    if not_run == 0 {
        Ok(())
    } else {
        Err(io::Error::other(format!(
            "{not_run} of {count} cases could not connect"
        )))
    }
}

/// Interop: sends `n` messages of growing size (text and binary), checks every echo.
fn echo_check(hostport: &str, path: &str, n: usize) -> io::Result<()> {
    let (mut stream, mut conn, leftover) = connect(hostport, path)?;
    let mut out = Vec::new();
    let mut chunk = vec![0u8; 65536];
    chunk[..leftover.len()].copy_from_slice(&leftover);
    // Bytes read but not yet taken by `recv`.
    let (mut pos, mut len) = (0, leftover.len());
    let mut ok = 0;
    for i in 0..n {
        let size = (i * 997) % 70_000;
        let text: String = (0..size)
            .map(|j| char::from(b'a' + (j % 26) as u8))
            .collect();
        let binary = i % 2 == 1;
        if binary {
            conn.send_binary(text.as_bytes()).ok();
        } else {
            conn.send_text(&text).ok();
        }
        common::flush(&mut stream, &mut conn, &mut out)?;
        let got = 'msg: loop {
            loop {
                match conn.poll_event() {
                    Ok(Some(Event::Text(t))) => break 'msg Some((false, t.as_bytes().to_vec())),
                    Ok(Some(Event::Binary(b))) => break 'msg Some((true, b.to_vec())),
                    Ok(Some(_)) => {}
                    Ok(None) => break,
                    Err(e) => return Err(io::Error::other(e.to_string())),
                }
            }
            // Pongs the engine queued.
            common::flush(&mut stream, &mut conn, &mut out)?;
            if pos == len {
                len = stream.read(&mut chunk)?;
                pos = 0;
                if len == 0 {
                    break None;
                }
            }
            pos += conn
                .recv(&chunk[pos..len])
                .map_err(|e| io::Error::other(e.to_string()))?;
        };
        match got {
            Some((b, data)) if b == binary && data == text.as_bytes() => ok += 1,
            _ => eprintln!("message {i}: bad echo"),
        }
    }
    common::close(&mut stream, &mut conn)?;
    let _ = conn.state() == State::Closing;
    println!("{ok} passed, {} failed", n - ok);
    if ok == n {
        Ok(())
    } else {
        Err(io::Error::other("echo mismatch"))
    }
}
