//! `wire serve`'s pushed endpoints as a process: `/sse` read with proto-sse's parser over TCP
//! (ids, resume with `Last-Event-ID`), `/drip` through `curl -N` over HTTP/1.1 and HTTP/2
//! (bytes arrive over time), `/sse` through `nghttp` over HTTP/2. curl and nghttp are peers:
//! the tests fail when they are missing.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[path = "support/peers.rs"]
mod peers;
#[path = "support/wire_serve.rs"]
mod wire_serve;
use peers::need;

use wire_serve::WireServe;

fn wire() -> WireServe {
    wire_with(&[])
}

fn wire_with(extra: &[&str]) -> WireServe {
    let mut args = vec!["--threads", "2"];
    args.extend_from_slice(extra);
    WireServe::start(&args)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The chunked body after the head of a whole HTTP/1.1 response.
fn chunked_body(v: &[u8]) -> Vec<u8> {
    let mut at = find(v, b"\r\n\r\n").unwrap() + 4;
    let mut body = Vec::new();
    loop {
        let line_end = at + find(&v[at..], b"\r\n").unwrap();
        let size =
            usize::from_str_radix(std::str::from_utf8(&v[at..line_end]).unwrap(), 16).unwrap();
        if size == 0 {
            return body;
        }
        body.extend_from_slice(&v[line_end + 2..line_end + 2 + size]);
        at = line_end + 2 + size + 2;
    }
}

/// `/sse` over raw TCP: the events' (id, data) as proto-sse's parser reads them.
fn sse_events(addr: &str, query: &str, last_id: Option<&str>) -> Vec<(String, String)> {
    let mut c = TcpStream::connect(addr).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let extra = last_id.map_or(String::new(), |id| format!("Last-Event-ID: {id}\r\n"));
    write!(
        c,
        "GET /sse?{query} HTTP/1.1\r\nHost: x\r\n{extra}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut v = Vec::new();
    c.read_to_end(&mut v).unwrap();
    let head = String::from_utf8_lossy(&v[..find(&v, b"\r\n\r\n").unwrap()]).into_owned();
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert!(head.contains("Content-Type: text/event-stream"), "{head}");
    assert!(head.contains("Cache-Control: no-cache"), "{head}");
    let body = chunked_body(&v);
    let mut parser = last_id.map_or_else(proto_sse::Parser::new, |id| {
        proto_sse::Parser::with_last_event_id(proto_sse::Config::default(), id)
    });
    let mut feed = parser.feed(&body);
    let mut events = Vec::new();
    while let Some(ev) = feed.poll_event() {
        let ev = ev.unwrap();
        events.push((ev.id.into_owned(), ev.data.into_owned()));
    }
    events
}

fn ids(range: std::ops::RangeInclusive<u32>) -> Vec<(String, String)> {
    range
        .map(|i| (i.to_string(), format!("event {i}")))
        .collect()
}

#[test]
fn sse_ids_and_resume_with_last_event_id() {
    let w = wire();
    assert_eq!(
        sse_events(&w.addr, "count=5&interval_ms=10", None),
        ids(1..=5)
    );
    assert_eq!(
        sse_events(&w.addr, "count=5&interval_ms=10", Some("3")),
        ids(4..=5)
    );
    assert_eq!(sse_events(&w.addr, "count=5&interval_ms=10", Some("5")), []);
    // Bad parameters are refused.
    let mut c = TcpStream::connect(&w.addr).unwrap();
    c.write_all(b"GET /sse?count=x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut v = String::new();
    c.read_to_string(&mut v).unwrap();
    assert!(v.starts_with("HTTP/1.1 400 "), "{v}");
}

/// Runs `curl -N` and returns when each output byte arrived, relative to the first.
fn curl_arrivals(args: &[&str]) -> Vec<(u8, Duration)> {
    let mut child = Command::new("curl")
        .args(["-sS", "-N", "--max-time", "20"])
        .args(args)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut got = Vec::new();
    let mut first = None;
    let mut b = [0u8; 1];
    while out.read(&mut b).unwrap() == 1 {
        let t0 = *first.get_or_insert_with(Instant::now);
        got.push((b[0], t0.elapsed()));
    }
    assert!(child.wait().unwrap().success());
    got
}

/// `curl -N` against `/drip` (HTTP/1.1 and HTTP/2 with prior knowledge): 5 bytes, one per
/// 150 ms: the last arrives at least 500 ms after the first.
#[test]
fn curl_sees_drip_bytes_arrive_over_time() {
    need("curl");
    let w = wire();
    let url = format!("http://{}/drip?bytes=5&delay_ms=150", w.addr);
    for mode in ["--http1.1", "--http2-prior-knowledge"] {
        let got = curl_arrivals(&[mode, &url]);
        let bytes: Vec<u8> = got.iter().map(|(b, _)| *b).collect();
        assert_eq!(bytes, b"*****", "{mode}");
        let last = got.last().unwrap().1;
        assert!(last >= Duration::from_millis(500), "{mode}: {got:?}");
    }
    // The head says chunked on HTTP/1.1.
    let out = Command::new("curl")
        .args(["-sS", "-i", "--http1.1", "--max-time", "10", &url])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.to_ascii_lowercase()
            .contains("transfer-encoding: chunked"),
        "{text}"
    );
}

/// Under TLS (`wire serve --tls`), HTTP/2 by ALPN and HTTP/1.1: `/drip` arrives over time
/// and `/sse` resumes after `Last-Event-ID`.
#[test]
fn curl_over_tls_drip_and_sse() {
    need("curl");
    let w = wire_with(&["--tls"]);
    let drip = format!("https://{}/drip?bytes=4&delay_ms=150", w.addr);
    let sse = format!("https://{}/sse?count=4&interval_ms=20", w.addr);
    for mode in ["--http2", "--http1.1"] {
        let got = curl_arrivals(&["-k", mode, &drip]);
        assert_eq!(got.len(), 4, "{mode}");
        assert!(got[3].1 >= Duration::from_millis(350), "{mode}: {got:?}");
        let got = curl_arrivals(&["-k", mode, "-H", "Last-Event-ID: 2", &sse]);
        let text: Vec<u8> = got.iter().map(|(b, _)| *b).collect();
        assert_eq!(
            String::from_utf8_lossy(&text),
            "id: 3\ndata: event 3\n\nid: 4\ndata: event 4\n\n",
            "{mode}"
        );
    }
}

/// `nghttp` (HTTP/2 prior knowledge) reads `/sse`: the events, with ids, in DATA frames.
#[test]
fn nghttp_reads_sse_over_h2() {
    need("nghttp");
    let w = wire();
    let out = Command::new("nghttp")
        .args([
            "-H",
            "last-event-id: 1",
            &format!("http://{}/sse?count=4&interval_ms=20", w.addr),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "id: 2\ndata: event 2\n\nid: 3\ndata: event 3\n\nid: 4\ndata: event 4\n\n"
    );
}
