//! Reads an event stream on stdin and prints one JSON line per event:
//! `{"type":..,"data":..,"id":..,"retry":..}` (`retry` is `null` unless the event's block had a
//! valid `retry` field). What the parser makes of a stream, as it arrives.
//!
//! ```text
//! printf 'event: a\ndata: 1\ndata: 2\n\n' | cargo run -p proto-sse --example sse_parse
//! printf 'data: no final blank line' | cargo run -p proto-sse --example sse_parse -- --flush
//! ```
//! `--flush` dispatches an incomplete event at the end of input (streaming-API behaviour);
//! without it the incomplete event is discarded, as a browser does. Exit status 1 on a limit
//! error (reported on stderr).

use std::io::{self, BufWriter, Read, Write};

use proto_sse::{Config, EndOfStream, Event, Parser};

/// Appends `s` as a JSON string (RFC 8259: quote, backslash and control characters escaped).
fn json_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// One line `{"type":..,"data":..,"id":..,"retry":..}`, in that order.
fn print(out: &mut impl Write, ev: &Event<'_>) -> io::Result<()> {
    let mut line = String::with_capacity(ev.data.len() + 48);
    line.push_str("{\"type\":");
    json_str(&mut line, &ev.event_type);
    line.push_str(",\"data\":");
    json_str(&mut line, &ev.data);
    line.push_str(",\"id\":");
    json_str(&mut line, &ev.id);
    match ev.retry {
        Some(ms) => line.push_str(&format!(",\"retry\":{ms}}}")),
        None => line.push_str(",\"retry\":null}"),
    }
    writeln!(out, "{line}")?;
    out.flush()
}

fn main() -> io::Result<()> {
    let flush = std::env::args().skip(1).any(|a| a == "--flush");
    let config = Config {
        end_of_stream: if flush {
            EndOfStream::Flush
        } else {
            EndOfStream::Discard
        },
        ..Config::default()
    };
    let mut parser = Parser::with_config(config);
    let mut stdin = io::stdin().lock();
    let mut out = BufWriter::new(io::stdout().lock());
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match stdin.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let mut feed = parser.feed(&buf[..n]);
        while let Some(ev) = feed.poll_event() {
            match ev {
                Ok(ev) => print(&mut out, &ev)?,
                Err(e) => {
                    eprintln!("sse_parse: {e}");
                    std::process::exit(1);
                }
            }
        }
    }
    if let Some(ev) = parser.finish() {
        print(&mut out, &ev)?;
    }
    Ok(())
}
