//! What does the engine make of these bytes? Reads raw HTTP/1.1 on stdin and prints one JSON
//! line per event:
//!
//! ```text
//! {"event":"head","method":"GET","target":"/","version":"HTTP/1.1","headers":[["Host","a"]]}
//! {"event":"body","len":5}
//! {"event":"end"}
//! ```
//!
//! or `{"error":"<kind>","status":400}` and a non-zero exit. `--response` reads responses (as
//! a client that sent `GET` requests; `--method HEAD` changes the method). Requests are
//! answered with an empty 200 so that pipelined ones keep coming.
//!
//! `printf 'GET / HTTP/1.1\r\nHost: a\r\n\r\n' | cargo run -p proto-h1 --example h1_parse`

use std::io::{Read, Write};

use proto_h1::{ClientConn, ConnConfig, Error, Event, Fields, Header, ServerConn};

fn json_str(out: &mut String, b: &[u8]) {
    out.push('"');
    for c in String::from_utf8_lossy(b).chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn fields_json(out: &mut String, f: Fields<'_>) {
    out.push('[');
    for (i, h) in f.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push('[');
        json_str(out, h.name.as_bytes());
        out.push(',');
        json_str(out, h.value);
        out.push(']');
    }
    out.push(']');
}

/// One JSON line for an event; `true` when the event ends a message.
fn event_json(ev: &Event<'_>) -> (String, bool) {
    let mut s = String::new();
    let mut end = false;
    match ev {
        Event::Request(h) => {
            s.push_str("{\"event\":\"head\",\"method\":");
            json_str(&mut s, h.method.as_bytes());
            s.push_str(",\"target\":");
            json_str(&mut s, h.target.as_bytes());
            s.push_str(&format!(
                ",\"version\":\"{}\",\"headers\":",
                h.version.as_str()
            ));
            fields_json(&mut s, h.fields);
            s.push('}');
        }
        Event::Response(h) => {
            s.push_str(&format!(
                "{{\"event\":\"head\",\"status\":{},\"reason\":",
                h.code
            ));
            json_str(&mut s, h.reason);
            s.push_str(&format!(
                ",\"version\":\"{}\",\"headers\":",
                h.version.as_str()
            ));
            fields_json(&mut s, h.fields);
            s.push('}');
        }
        Event::Data(d) => s.push_str(&format!("{{\"event\":\"body\",\"len\":{}}}", d.len())),
        Event::End { trailers } => {
            end = true;
            if trailers.is_empty() {
                s.push_str("{\"event\":\"end\"}");
            } else {
                s.push_str("{\"event\":\"end\",\"trailers\":");
                fields_json(&mut s, *trailers);
                s.push('}');
            }
        }
        Event::Upgrade(rest) => {
            s.push_str(&format!("{{\"event\":\"upgrade\",\"len\":{}}}", rest.len()));
        }
        _ => s.push_str("{\"event\":\"other\"}"),
    }
    (s, end)
}

fn run(input: &[u8], response: bool, method: &str, out: &mut impl Write) -> Result<(), Error> {
    let mut lines = Vec::new();
    if response {
        let mut c = ClientConn::new(ConnConfig::default());
        let result = (|| {
            let _ = c.send_request(method, "/", &[]);
            let _ = c.send_end(&[]);
            let mut off = 0;
            let mut in_message = false;
            loop {
                let n = c.recv(&input[off..])?;
                off += n;
                while let Some(ev) = c.poll_event()? {
                    let (line, end) = event_json(&ev);
                    let upgrade = matches!(ev, Event::Upgrade(_));
                    lines.push(line);
                    if upgrade {
                        return Ok(());
                    }
                    in_message = !end;
                    if end && c.in_flight() == 0 && !c.is_closed() {
                        // One request in flight per response we expect to read.
                        let _ = c.send_request(method, "/", &[]);
                        let _ = c.send_end(&[]);
                    }
                }
                if n == 0 || off == input.len() {
                    break;
                }
            }
            if in_message || c.buffered() > 0 {
                c.recv_eof()?;
                while let Some(ev) = c.poll_event()? {
                    lines.push(event_json(&ev).0);
                }
            }
            Ok(())
        })();
        for l in &lines {
            let _ = writeln!(out, "{l}");
        }
        result
    } else {
        let mut s = ServerConn::new(ConnConfig::default());
        let mut off = 0;
        let result = (|| {
            loop {
                let n = s.recv(&input[off..])?;
                off += n;
                let mut progressed = n > 0;
                while let Some(ev) = s.poll_event()? {
                    let (line, end) = event_json(&ev);
                    let upgrade = matches!(ev, Event::Request(h) if h.method == "CONNECT");
                    lines.push(line);
                    if end && !upgrade {
                        let h = [Header {
                            name: "Content-Length",
                            value: b"0",
                        }];
                        let _ = s.send_response(200, b"OK", &h);
                        let _ = s.send_end(&[]);
                        progressed = true;
                    }
                }
                if !progressed || off == input.len() && s.buffered() == 0 {
                    break;
                }
            }
            s.recv_eof()?;
            while let Some(ev) = s.poll_event()? {
                lines.push(event_json(&ev).0);
            }
            Ok(())
        })();
        for l in &lines {
            let _ = writeln!(out, "{l}");
        }
        result
    }
}

fn main() {
    let mut response = false;
    let mut method = "GET".to_string();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--response" => response = true,
            "--method" => method = args.next().unwrap_or_else(|| "GET".into()),
            "-h" | "--help" => {
                println!("usage: h1_parse [--response [--method M]] < bytes");
                return;
            }
            other => {
                eprintln!("h1_parse: unknown argument {other:?}");
                std::process::exit(2);
            }
        }
    }
    let mut input = Vec::new();
    if let Err(e) = std::io::stdin().read_to_end(&mut input) {
        eprintln!("h1_parse: reading stdin: {e}");
        std::process::exit(2);
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if let Err(e) = run(&input, response, &method, &mut out) {
        let _ = writeln!(
            out,
            "{{\"error\":\"{}\",\"status\":{}}}",
            e.kind(),
            e.status()
        );
        let _ = out.flush();
        std::process::exit(1);
    }
}
