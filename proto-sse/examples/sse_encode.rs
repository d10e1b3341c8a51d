//! Writes an event stream made by the encoder to stdout: events whose data has every kind of
//! line break, leading spaces, non-ASCII text, an empty data, an ID reset, a `retry`, comments
//! and heartbeats. With `--expect`, prints instead the events a client must see, one JSON line
//! each (`{"type":..,"data":..,"id":..,"block_id":..}`: `id` is the last event ID string a
//! WHATWG client reports, `block_id` the ID field of the event's own block, or null). The interop script serves the stream to the npm
//! `eventsource` client and compares.

use std::io::Write;

use proto_sse::{Message, encode, encode_comment, encode_heartbeat};

fn messages() -> Vec<Message<'static>> {
    vec![
        Message::data("hello"),
        Message {
            event: Some("update"),
            id: Some("1"),
            retry: None,
            data: "line1\r\nline2\rline3\nline4",
        },
        Message::data("  two leading spaces"),
        Message::data(""),
        Message::data("unicode \u{2026} \u{1F600} tab\t end"),
        Message {
            id: Some(""),
            ..Message::data("after id reset")
        },
        Message {
            id: Some("\u{e9}t\u{e9}-42"),
            retry: Some(50),
            ..Message::data("trailing break\n")
        },
        Message {
            event: Some("end"),
            ..Message::data("bye")
        },
    ]
}

fn main() -> std::io::Result<()> {
    let expect = std::env::args().skip(1).any(|a| a == "--expect");
    let mut out = Vec::new();
    let mut id = String::new();
    for (i, msg) in messages().iter().enumerate() {
        if expect {
            if let Some(new) = msg.id {
                id = new.to_owned();
            }
            let line = serde_json::json!({
                "type": msg.event.filter(|e| !e.is_empty()).unwrap_or("message"),
                "data": msg.data.replace("\r\n", "\n").replace('\r', "\n"),
                "id": id,
                "block_id": msg.id,
            });
            writeln!(out, "{line}")?;
        } else {
            encode(&mut out, msg).expect("every message is encodable");
            if i % 2 == 0 {
                encode_comment(&mut out, "a comment\r\nover two lines");
            } else {
                encode_heartbeat(&mut out);
            }
        }
    }
    std::io::stdout().write_all(&out)
}
