//! A blocking TCP client and server over the sans-IO sessions, for loopback checks against
//! `openssl` and for fingerprint captures.
//!
//! ```text
//! blocking client ADDR NAME [--profile chrome|firefox|safari] [--ca FILE | --insecure] [--send TEXT]
//! blocking server ADDR --cert FILE --key FILE        (one connection: echoes, prints client JA4)
//! ```
//!
//! The client logs its TLS keys only when `SSLKEYLOGFILE` is set: it asks for that explicitly
//! with `KeyLogFile::from_env` (the library itself reads no environment); a new file is created
//! with mode 0600. The server logs none.

mod adapter;

use std::net::{TcpListener, TcpStream};

use adapter::{Blocking, BoxError};
use tls::{ClientConfig, ClientSession, Profile, ServerConfig, ServerSession};

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    match args.first().map(String::as_str) {
        Some("client") => {
            let addr = args.get(1).ok_or("missing ADDR")?;
            let name = args.get(2).ok_or("missing NAME")?;
            let mut b = ClientConfig::builder();
            // Like a command-line tool: key logging only when SSLKEYLOGFILE asks for it.
            if let Some(log) = tls::KeyLogFile::from_env()? {
                b.key_log(std::sync::Arc::new(log));
            }
            if let Some(p) = flag("--profile") {
                b.profile(Profile::by_name(&p).ok_or("unknown profile")?);
            } else {
                b.alpn(&[b"h2", b"http/1.1"]);
            }
            if let Some(ca) = flag("--ca") {
                b.system_roots(false).add_root_pem(&std::fs::read(ca)?);
            }
            if args.iter().any(|a| a == "--insecure") {
                b.danger_accept_invalid_certs(true);
            }
            let config = b.build()?;
            let mut conn = Blocking::new(
                TcpStream::connect(addr)?,
                ClientSession::new(&config, name)?,
            );
            conn.handshake()?;
            let fp = tls::ClientHello::parse_records(&conn.first_flight)?.fingerprints();
            println!("ours ja3={} ja4={} ja4_r={}", fp.ja3, fp.ja4, fp.ja4_r);
            println!(
                "handshake ok: {:?} {} alpn={}",
                conn.tls.version(),
                conn.tls.cipher().unwrap_or("?"),
                String::from_utf8_lossy(conn.tls.alpn().unwrap_or(b"-"))
            );
            if let Some(text) = flag("--send") {
                conn.write_all(format!("{text}\n").as_bytes())?;
                let mut buf = [0u8; 4096];
                let n = conn.read(&mut buf)?;
                println!(
                    "received: {}",
                    String::from_utf8_lossy(&buf[..n]).trim_end()
                );
            }
            conn.close()?;
            Ok(())
        }
        Some("server") => {
            let addr = args.get(1).ok_or("missing ADDR")?;
            let cert = std::fs::read(flag("--cert").ok_or("missing --cert")?)?;
            let key = std::fs::read(flag("--key").ok_or("missing --key")?)?;
            let mut b = ServerConfig::builder();
            b.cert_pem(&cert, &key).keep_client_hello(true);
            let config = b.build()?;
            let listener = TcpListener::bind(addr)?;
            let (sock, _) = listener.accept()?;
            let mut conn = Blocking::new(sock, ServerSession::new(&config)?);
            conn.handshake()?;
            if let Some(fp) = conn.tls.client_fingerprints() {
                println!("client ja4={} ja3={}", fp.ja4, fp.ja3);
            }
            let mut buf = [0u8; 4096];
            loop {
                let n = conn.read(&mut buf)?;
                if n == 0 {
                    break;
                }
                conn.write_all(&buf[..n])?;
            }
            conn.close()?;
            Ok(())
        }
        _ => Err(
            "usage: blocking client ADDR NAME [...] | blocking server ADDR --cert F --key F".into(),
        ),
    }
}
