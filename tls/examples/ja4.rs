//! Prints our own ClientHello's JA3, JA3N, JA4 and JA4_r as JSON, with no capture needed: the
//! ClientHello is taken from the session's memory buffer before any socket exists.
//!
//! ```text
//! cargo run -p tls --example ja4 -- --profile chrome|firefox|safari|chromium|firefox-esr|default [--server-name NAME]
//! ```

use tls::{ClientConfig, ClientHello, ClientSession, Profile};

fn main() {
    let mut profile = "default".to_owned();
    let mut name = "example.com".to_owned();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--profile" => profile = args.next().unwrap_or_default(),
            "--server-name" => name = args.next().unwrap_or_default(),
            other => {
                eprintln!(
                    "unknown argument {other}; usage: ja4 --profile chrome|firefox|safari|chromium|firefox-esr|default"
                );
                std::process::exit(2);
            }
        }
    }
    let mut builder = ClientConfig::builder();
    builder.system_roots(false);
    match profile.as_str() {
        "default" => {
            builder.alpn(&[b"h2", b"http/1.1"]);
        }
        p => match Profile::by_name(p) {
            Some(p) => {
                builder.profile(p);
            }
            None => {
                eprintln!("unknown profile {p}");
                std::process::exit(2);
            }
        },
    }
    let result = builder
        .build()
        .and_then(|config| ClientSession::new(&config, &name))
        .and_then(|mut client| {
            client.handshake()?;
            let mut hello = Vec::new();
            client.poll_transmit(&mut hello);
            Ok(hello)
        });
    let hello = match result {
        Ok(h) => h,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    let fp = match ClientHello::parse_records(&hello) {
        Ok(h) => h.fingerprints(),
        Err(e) => {
            eprintln!("error: our ClientHello does not parse: {e}");
            std::process::exit(1);
        }
    };
    let json = serde_json::json!({
        "profile": profile,
        "ja3": fp.ja3,
        "ja3_text": fp.ja3_text,
        "ja3n": fp.ja3n,
        "ja3n_text": fp.ja3n_text,
        "ja4": fp.ja4,
        "ja4_r": fp.ja4_r,
    });
    println!("{json:#}");
}
