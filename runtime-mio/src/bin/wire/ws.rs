//! `wire ws URL`: a WebSocket session on the terminal. Each line read from stdin is sent as a
//! text message; each message received is printed on stdout (text as it is, one per line;
//! binary as `<binary N bytes: HEX...>`; pings, pongs and the server's Close on stderr).
//! At the end of stdin the closing handshake is run (1000) and the command exits 0 once the
//! server closed; a server that closes first ends it too. Exit codes: as `wire get` for the
//! connection (6, 7, 28, 35, ...), 22 when the server refused the handshake, 56 when the
//! connection failed or broke the protocol.

use std::io::BufRead as _;
use std::sync::mpsc;
use std::time::Duration;

use runtime_mio::client::{
    Client, ClientConfig, Error, Message, Version, Wait, WebSocketError, WebSocketRequest,
};

/// Arguments of `wire ws`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The URL (`ws://`, `wss://`).
    url: String,
    /// A header field `Name: value` (repeatable), such as `Origin: https://example.com`.
    #[arg(short = 'H', long = "header", value_name = "HEADER")]
    headers: Vec<String>,
    /// Offer this subprotocol (repeatable, most preferred first).
    #[arg(long = "subprotocol", value_name = "NAME")]
    subprotocols: Vec<String>,
    /// Do not offer permessage-deflate.
    #[arg(long = "no-deflate")]
    no_deflate: bool,
    #[command(flatten)]
    connection: crate::connection::ConnectionArgs,
    /// Say on stderr how the WebSocket runs (protocol, subprotocol, extension).
    #[arg(short = 'v', long = "verbose")]
    verbose: bool,
}

pub(crate) fn run(args: &Args) -> u8 {
    match session(args) {
        Ok(()) => 0,
        Err((code, message)) => {
            eprintln!("wire: {message}");
            code
        }
    }
}

fn failure(e: &Error) -> (u8, String) {
    let code = match e {
        Error::WebSocket(WebSocketError::Handshake(_)) => 22,
        Error::WebSocket(_) => 56,
        e => super::fetch::exit_code(e),
    };
    (code, e.to_string())
}

fn session(args: &Args) -> Result<(), (u8, String)> {
    let mut config = ClientConfig::default();
    args.connection.apply(&mut config)?;
    let client = Client::new(config).map_err(|e| failure(&e))?;
    let mut req = WebSocketRequest::new(&args.url)
        .map_err(|e| failure(&e))?
        .http2(!args.connection.http1_1);
    for h in &args.headers {
        let (name, value) = h
            .split_once(':')
            .ok_or_else(|| (2, format!("-H {h:?}: expected `Name: value`")))?;
        req = req.header(name.trim(), value.trim());
    }
    let protocols: Vec<&str> = args.subprotocols.iter().map(String::as_str).collect();
    req = req.protocols(&protocols);
    if args.no_deflate {
        req = req.deflate(None);
    }
    let mut ws = client.websocket(req).map_err(|e| failure(&e))?;
    if args.verbose {
        let version = match ws.version() {
            Version::H2 => "HTTP/2 (RFC 8441 extended CONNECT)".to_owned(),
            v => format!("{} (upgrade)", super::fetch::version_name(v)),
        };
        eprintln!(
            "* WebSocket over {version}, status {}, subprotocol {}, permessage-deflate {}",
            ws.status(),
            ws.protocol().unwrap_or("none"),
            if ws.deflate().is_some() { "on" } else { "off" }
        );
    }
    // Stdin is read on its own thread; the session polls it between receives.
    let (lines, input) = mpsc::channel::<Option<String>>();
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            if lines.send(Some(line)).is_err() {
                return;
            }
        }
        let _ = lines.send(None);
    });
    let mut stdout = std::io::stdout().lock();
    let mut closing = false;
    loop {
        match ws.recv(Wait::Timeout(Duration::from_millis(10))) {
            Ok(Some(msg)) => print_message(&mut stdout, &msg).map_err(|e| (23, e.to_string()))?,
            Ok(None) => return Ok(()),
            Err(Error::WouldBlock) => {}
            Err(e) => return Err(failure(&e)),
        }
        while !closing {
            match input.try_recv() {
                Ok(Some(line)) => ws.send_text(&line).map_err(|e| failure(&e))?,
                Ok(None) | Err(mpsc::TryRecvError::Disconnected) => {
                    closing = true;
                    ws.close(1000, "").map_err(|e| failure(&e))?;
                }
                Err(mpsc::TryRecvError::Empty) => break,
            }
        }
    }
}

fn print_message(out: &mut impl std::io::Write, msg: &Message) -> std::io::Result<()> {
    match msg {
        Message::Text(t) => writeln!(out, "{t}")?,
        Message::Binary(b) => {
            let hex: String = b.iter().take(32).map(|x| format!("{x:02x}")).collect();
            let more = if b.len() > 32 { "..." } else { "" };
            writeln!(out, "<binary {} bytes: {hex}{more}>", b.len())?;
        }
        Message::Ping(p) => eprintln!("< ping ({} bytes)", p.len()),
        Message::Pong(p) => eprintln!("< pong ({} bytes)", p.len()),
        Message::Close { code, reason } => match code {
            Some(c) => eprintln!("< close {c} {reason}"),
            None => eprintln!("< close"),
        },
    }
    out.flush()
}
