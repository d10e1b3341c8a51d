//! The runtime's WebSocket client ([`Client::websocket`]) against Autobahn's fuzzingserver:
//! every case, each message echoed back, permessage-deflate offered (the `runtime` role of
//! `proto-ws/autobahn.sh`). Exits non-zero when a case's connection could not be set up or
//! getCaseCount's reply is not a number.
//!
//! Usage: `cargo run --release -p runtime-mio --example autobahn_client -- ws://127.0.0.1:9001 AGENT`

use std::time::Duration;

use runtime_mio::client::{
    Client, ClientConfig, ClientTimeouts, Error, Message, Wait, WebSocketRequest,
};
use runtime_mio::timer::Timeout;

/// A WebSocket to the fuzzingserver at `path`, deflate offered (with and without context
/// takeover the server may ask for).
fn open(client: &Client, base: &str, path: &str) -> Result<runtime_mio::client::WebSocket, Error> {
    let timeouts = ClientTimeouts {
        response_head: Timeout::After(Duration::from_secs(30)),
        ..ClientTimeouts::default()
    };
    let req = WebSocketRequest::new(&format!("{base}{path}"))?
        .timeouts(timeouts)
        // Some cases send 16 MiB messages.
        .max_message_size(64 << 20)
        .close_timeout(Timeout::After(Duration::from_secs(2)));
    client.websocket(req)
}

/// Echoes every data message until the connection ends (cleanly or not).
fn echo(mut ws: runtime_mio::client::WebSocket) {
    loop {
        match ws.recv(Wait::Block) {
            Ok(Some(Message::Text(t))) => {
                if ws.send_text(&t).is_err() {
                    return;
                }
            }
            Ok(Some(Message::Binary(b))) => {
                if ws.send_binary(b).is_err() {
                    return;
                }
            }
            Ok(Some(_)) => {}
            Ok(None) | Err(_) => return,
        }
    }
}

/// The first text message.
fn read_text(mut ws: runtime_mio::client::WebSocket) -> Result<String, Error> {
    loop {
        match ws.recv(Wait::Block)? {
            Some(Message::Text(t)) => return Ok(t),
            Some(_) => {}
            None => return Err(Error::ConnectionClosed),
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let base = args
        .get(1)
        .map_or("ws://127.0.0.1:9001", String::as_str)
        .trim_end_matches('/')
        .to_owned();
    let agent = args.get(2).map_or("runtime-mio", String::as_str);
    let client = Client::new(ClientConfig::default()).expect("client");
    let count = match open(&client, &base, "/getCaseCount").and_then(read_text) {
        Ok(t) => match t.trim().parse::<usize>() {
            Ok(n) => n,
            Err(_) => {
                eprintln!("getCaseCount: not a number: {t:?}");
                std::process::exit(1);
            }
        },
        Err(e) => {
            eprintln!("getCaseCount: {e}");
            std::process::exit(1);
        }
    };
    eprintln!("{count} cases");
    let mut not_run = 0;
    for case in 1..=count {
        match open(
            &client,
            &base,
            &format!("/runCase?case={case}&agent={agent}"),
        ) {
            Ok(ws) => echo(ws),
            Err(e) => {
                eprintln!("case {case}: {e}");
                not_run += 1;
            }
        }
    }
    match open(&client, &base, &format!("/updateReports?agent={agent}")) {
        Ok(mut ws) => {
            let _ = ws.close(1000, "");
            while let Ok(Some(_)) = ws.recv(Wait::Block) {}
        }
        Err(e) => {
            eprintln!("updateReports: {e}");
            std::process::exit(1);
        }
    }
    eprintln!("reports updated");
    if not_run > 0 {
        eprintln!("{not_run} of {count} cases could not connect");
        std::process::exit(1);
    }
}
