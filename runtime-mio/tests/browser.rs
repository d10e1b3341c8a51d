//! Real browsers against `wire serve --tls`: Debian's `chromium` and `firefox-esr`, headless,
//! load `tests/browser/page.html` (served from `--dir`) over HTTP/2. Its script echoes text
//! (ASCII, empty, non-ASCII, 70,000 bytes) and binary (every byte value, 200,000 bytes)
//! messages through `/ws`, reads 20 events from `/sse`, fetches `/echo` and `/fingerprint`,
//! and writes what arrived into the page as JSON, each message as the hex of its bytes. The
//! tests read the page back and compare every message byte for byte with what they expect.
//!
//! - Chromium: `--dump-dom` prints the page once its load event has fired, which the page holds
//!   back until its checks have finished (see the page; `--virtual-time-budget` does not wait
//!   for WebSocket or EventSource traffic: the DOM came back still "running"). Its net log
//!   (`--log-net-log`) shows whether `/ws` went as an RFC 8441 extended CONNECT on the HTTP/2
//!   connection.
//! - Firefox has no `--dump-dom`: the test drives it through WebDriver BiDi, the remote
//!   protocol it serves with `--remote-debugging-port` (a WebSocket; `tungstenite` here),
//!   navigates to the page, awaits its `window.finished` and reads `#result`. Its `nsHttp` log
//!   (`MOZ_LOG`) shows whether `/ws` went over HTTP/2. (Chromium speaks BiDi only through
//!   chromedriver, a further package; `--dump-dom` needs none.)
//!
//! Both trust the self-signed certificate `wire serve --tls` prints, through an NSS database
//! made with `certutil` (trust `CP,,`: Chromium wants a trusted peer, Firefox a trusted CA):
//! Chromium's in `$HOME/.pki/nssdb`, Firefox's in its fresh profile. Neither is told to ignore
//! certificate errors, so the certificate itself is checked too.
//!
//! Ignored by plain `cargo test` (each takes seconds and needs the browsers);
//! `scripts/test.sh` installs `chromium`, `firefox-esr` and `libnss3-tools` and runs them with
//! `cargo test -p runtime-mio --test browser -- --ignored`. A missing browser fails the test.

use std::time::Duration;

use serde_json::{Value, json};

#[path = "support/browsers.rs"]
mod browsers;
use browsers::{
    Firefox, Scratch, WireServe, between, chromium_dump_dom, nss_trust, unescape_text, wire_tls,
};

/// Events the page asks `/sse` for (`?count=`), and their spacing (`?interval_ms=`).
const SSE_COUNT: usize = 20;
const SSE_INTERVAL_MS: u64 = 20;

/// How long a browser may take for the whole page; the page itself gives up after a minute.
const PAGE_DEADLINE: Duration = Duration::from_secs(120);

/// The page's address on `wire`.
fn page_url(wire: &WireServe) -> String {
    format!(
        "https://127.0.0.1:{}/files/page.html?count={SSE_COUNT}&interval_ms={SSE_INTERVAL_MS}",
        wire.port()
    )
}

/// The messages the page sends through `/ws`, as `(type, bytes)`: `messages()` in the page.
fn expected_messages() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("text", b"hello".to_vec()),
        ("text", Vec::new()),
        (
            "text",
            "h\u{e9}llo w\u{f6}rld \u{2713} \u{65e5}\u{672c}\u{8a9e} \u{1f680}"
                .as_bytes()
                .to_vec(),
        ),
        ("text", "0123456789".repeat(7000).into_bytes()),
        ("binary", (0..=255).collect()),
        ("binary", (0..200_000u32).map(|i| (i % 251) as u8).collect()),
    ]
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Checks a list of `{type, hex}` the page reported against `expected`, message by message,
/// naming the first differing byte.
fn check_messages(what: &str, got: &Value, expected: &[(&str, Vec<u8>)]) {
    let got = got
        .as_array()
        .unwrap_or_else(|| panic!("{what}: not a list: {got}"));
    for (i, (ty, bytes)) in expected.iter().enumerate() {
        let Some(m) = got.get(i) else {
            panic!("{what}: {} of {} messages", got.len(), expected.len());
        };
        assert_eq!(m["type"], *ty, "{what}[{i}]: type");
        let h = m["hex"].as_str().unwrap_or_default();
        let want = hex(bytes);
        if h != want {
            let at = h
                .bytes()
                .zip(want.bytes())
                .position(|(a, b)| a != b)
                .unwrap_or(h.len().min(want.len()))
                / 2;
            panic!(
                "{what}[{i}]: {} bytes, {} expected, first difference at byte {at}",
                h.len() / 2,
                bytes.len()
            );
        }
    }
    assert_eq!(got.len(), expected.len(), "{what}: message count");
}

/// Checks what the page reported (its `#done` and `#result`); returns a one-line summary.
fn check_page(browser: &str, done: &str, result: &str) -> String {
    let r: Value = serde_json::from_str(result)
        .unwrap_or_else(|e| panic!("{browser}: #result is not JSON ({e}): {result:.2000}"));
    assert_eq!(
        done,
        "done",
        "{browser}: the page did not finish: {}",
        r.get("error").unwrap_or(&r)
    );
    // The page, its fetches and (per /fingerprint) its connection were HTTP/2 over TLS.
    assert_eq!(
        r["page_protocol"], "h2",
        "{browser}: page's nextHopProtocol"
    );
    assert_eq!(
        r["echo_protocol"], "h2",
        "{browser}: /echo's nextHopProtocol"
    );
    let fp = &r["fingerprint"];
    assert_eq!(fp["tls"]["alpn"], "h2", "{browser}: /fingerprint {fp}");
    let akamai = fp["http2"]["akamai"].as_str().unwrap_or_default();
    assert_eq!(akamai.split('|').count(), 4, "{browser}: akamai {fp}");
    // /echo saw the page's POST: its header and its body.
    let echo = &r["echo"];
    assert_eq!(echo["method"], "POST", "{browser}: {echo}");
    assert_eq!(echo["body"], "ping", "{browser}: {echo}");
    let headers = echo["headers"].as_array().unwrap();
    assert!(
        headers
            .iter()
            .any(|h| h[0] == "x-browser-check" && h[1] == "1"),
        "{browser}: {echo}"
    );
    // /ws: what the page sent is what we expect, and every echo came back in order.
    let expected = expected_messages();
    check_messages(&format!("{browser} ws_sent"), &r["ws_sent"], &expected);
    check_messages(
        &format!("{browser} ws_received"),
        &r["ws_received"],
        &expected,
    );
    assert_eq!(r["ws_close"]["code"], 1000, "{browser}: {}", r["ws_close"]);
    assert_eq!(r["ws_close"]["clean"], true, "{browser}: {}", r["ws_close"]);
    assert_eq!(r.get("ws_error"), None, "{browser}: WebSocket error event");
    let ext = r["ws_extensions"].as_str().unwrap_or_default();
    assert!(
        ext.starts_with("permessage-deflate"),
        "{browser}: extensions {ext:?}"
    );
    // /sse: ids 1..=N, data `event I`, in order.
    let sse = r["sse"].as_array().unwrap();
    assert_eq!(sse.len(), SSE_COUNT, "{browser}: events");
    for (i, e) in sse.iter().enumerate() {
        let id = (i + 1).to_string();
        let want = json!({
            "id": id,
            "type": "message",
            "data": hex(format!("event {id}").as_bytes()),
        });
        assert_eq!(*e, want, "{browser}: event {i}");
    }
    format!(
        "{browser}: {} echoes ({} bytes), {} events, akamai {akamai}, {}",
        expected.len(),
        expected.iter().map(|(_, b)| b.len()).sum::<usize>(),
        sse.len(),
        r["userAgent"]
    )
}

/// Headless Chromium loads the page; `--dump-dom` gives it back. Its net log must show `/ws`
/// as an extended CONNECT (`:protocol: websocket`) on the HTTP/2 connection.
#[test]
#[ignore = "needs Debian's chromium and certutil (scripts/test.sh installs them)"]
fn chromium_over_h2() {
    let wire = wire_tls();
    let scratch = Scratch::new("chromium");
    let home = scratch.0.join("home");
    nss_trust(
        &home.join(".pki/nssdb"),
        std::path::Path::new(wire.cert_path()),
    );
    let netlog = scratch.0.join("netlog.json");
    let dump = chromium_dump_dom(
        &scratch.0,
        &home,
        &[format!("--log-net-log={}", netlog.display())],
        &page_url(&wire),
        PAGE_DEADLINE,
    );
    let (dom, stderr) = (dump.dom, dump.stderr);
    let done = between(&dom, "<p id=\"done\">", "</p>")
        .unwrap_or_else(|| panic!("no #done in the dumped DOM: {dom:.2000}\n{stderr}"));
    let result = between(&dom, "<pre id=\"result\">", "</pre>")
        .map(unescape_text)
        .unwrap_or_else(|| panic!("no #result in the dumped DOM: {dom:.2000}"));
    let summary = check_page("chromium", done, &result);

    // The net log: the HEADERS Chromium sent on its HTTP/2 session.
    let log: Value = serde_json::from_str(&std::fs::read_to_string(&netlog).unwrap())
        .expect("chromium's net log is JSON");
    let send_headers = &log["constants"]["logEventTypes"]["HTTP2_SESSION_SEND_HEADERS"];
    let heads: Vec<Vec<&str>> = log["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == *send_headers)
        .filter_map(|e| e["params"]["headers"].as_array())
        .map(|h| h.iter().filter_map(Value::as_str).collect())
        .collect();
    assert!(
        heads.iter().any(|h| h.contains(&":method: CONNECT")
            && h.contains(&":protocol: websocket")
            && h.contains(&":path: /ws")),
        "no extended CONNECT for /ws on HTTP/2 in chromium's net log: {heads:?}"
    );
    eprintln!("{summary}; /ws by extended CONNECT over HTTP/2");
}

/// Headless Firefox ESR loads the page under WebDriver BiDi; the test reads `#result` back.
/// Its `nsHttp` log must show `/ws` on an HTTP/2 WebSocket stream.
#[test]
#[ignore = "needs Debian's firefox-esr and certutil (scripts/test.sh installs them)"]
fn firefox_over_h2() {
    let wire = wire_tls();
    let scratch = Scratch::new("firefox");
    let profile = scratch.0.join("profile");
    nss_trust(&profile, std::path::Path::new(wire.cert_path()));
    let mozlog = scratch.0.join("log");
    std::fs::create_dir_all(&mozlog).unwrap();
    // Level 3 (info) names each HTTP/2 WebSocket stream.
    let mozlog_file = mozlog.join("moz");
    let mut firefox = Firefox::launch(
        &profile,
        &[
            ("MOZ_LOG", "nsHttp:3"),
            ("MOZ_LOG_FILE", mozlog_file.to_str().unwrap()),
        ],
        PAGE_DEADLINE,
    );
    firefox.navigate(&page_url(&wire));
    // The page's promise settles when it has finished (Firefox does not let the page's image
    // hold the load event, as Chromium does).
    let done = firefox
        .eval_string("window.finished.then(() => document.getElementById('done').textContent)");
    let result = firefox.eval_string("document.getElementById('result').textContent");
    // Closing the browser ends the process, which flushes its log.
    let status = firefox.close();
    let summary = check_page("firefox", &done, &result);
    assert!(status.success(), "firefox-esr: {status}");

    // Firefox's log: an Http2StreamWebSocket took a stream of the HTTP/2 session.
    let mut log = String::new();
    for f in std::fs::read_dir(&mozlog).unwrap() {
        log += &String::from_utf8_lossy(&std::fs::read(f.unwrap().path()).unwrap());
    }
    assert!(
        log.lines()
            .any(|l| l.contains("Http2StreamWebSocket") && l.contains("Stream ID")),
        "no HTTP/2 WebSocket stream in firefox-esr's nsHttp log ({} bytes)",
        log.len()
    );
    eprintln!("{summary}; /ws on an HTTP/2 stream");
}
