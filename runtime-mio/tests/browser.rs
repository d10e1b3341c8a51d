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

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// Events the page asks `/sse` for (`?count=`), and their spacing (`?interval_ms=`).
const SSE_COUNT: usize = 20;
const SSE_INTERVAL_MS: u64 = 20;

/// How long a browser may take for the whole page; the page itself gives up after a minute.
const PAGE_DEADLINE: Duration = Duration::from_secs(120);

/// A child process killed (and reaped) when dropped.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A scratch directory removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("rt-browser-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `wire serve --tls` serving `tests/browser/` at `/files/`: the process, its port and its
/// certificate's path (the file is removed when this is dropped).
struct Wire {
    _proc: Proc,
    port: u16,
    cert: PathBuf,
}

impl Drop for Wire {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.cert);
    }
}

fn wire_tls() -> Wire {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    let mut child = Command::new(env!("CARGO_BIN_EXE_wire"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--threads",
            "2",
            "--tls",
        ])
        .arg("--dir")
        .arg(&dir)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let proc = Proc(child);
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    let port = line
        .trim()
        .strip_prefix("listening on https://")
        .and_then(|a| a.rsplit(':').next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"));
    let mut cert = String::new();
    out.read_line(&mut cert).unwrap();
    let cert = cert
        .trim()
        .strip_prefix("certificate: ")
        .unwrap_or_else(|| panic!("unexpected second line {cert:?}"))
        .into();
    Wire {
        _proc: proc,
        port,
        cert,
    }
}

impl Wire {
    fn page_url(&self) -> String {
        format!(
            "https://127.0.0.1:{}/files/page.html?count={SSE_COUNT}&interval_ms={SSE_INTERVAL_MS}",
            self.port
        )
    }
}

/// Runs a helper program to completion; panics with its output when it fails or is missing.
fn run(program: &str, args: &[&str], missing: &str) {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program} not runnable ({e}): {missing}"));
    assert!(
        out.status.success(),
        "{program} {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A fresh NSS database in `dir` that trusts `cert` for TLS servers (as a CA for Firefox, as
/// a peer for Chromium, whose verifier refuses an anchor whose basic constraints say it is no
/// CA).
fn nss_trust(dir: &Path, cert: &Path) {
    const MISSING: &str = "apt-get install libnss3-tools (scripts/test.sh installs it)";
    std::fs::create_dir_all(dir).unwrap();
    let db = format!("sql:{}", dir.display());
    run("certutil", &["-N", "-d", &db, "--empty-password"], MISSING);
    let cert = cert.to_str().unwrap();
    run(
        "certutil",
        &[
            "-A",
            "-d",
            &db,
            "-n",
            "wire-serve",
            "-t",
            "CP,,",
            "-i",
            cert,
        ],
        MISSING,
    );
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

/// The text between `open` and the next `close` in `s`.
fn between<'a>(s: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let start = s.find(open)? + open.len();
    let len = s[start..].find(close)?;
    Some(&s[start..start + len])
}

/// Undoes the escapes of a text node in serialized HTML.
fn unescape_text(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
}

/// Waits for `child` to exit within `deadline`; its exit status.
fn wait_until(child: &mut Child, what: &str, deadline: Duration) -> std::process::ExitStatus {
    let end = Instant::now() + deadline;
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            return s;
        }
        assert!(
            Instant::now() < end,
            "{what} still running after {deadline:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Headless Chromium loads the page; `--dump-dom` gives it back. Its net log must show `/ws`
/// as an extended CONNECT (`:protocol: websocket`) on the HTTP/2 connection.
#[test]
#[ignore = "needs Debian's chromium and certutil (scripts/test.sh installs them)"]
fn chromium_over_h2() {
    let wire = wire_tls();
    let scratch = Scratch::new("chromium");
    let home = scratch.0.join("home");
    nss_trust(&home.join(".pki/nssdb"), &wire.cert);
    let netlog = scratch.0.join("netlog.json");
    let dom = scratch.0.join("dom.html");
    let child = Command::new("chromium")
        // The NSS database trusting the certificate is $HOME/.pki/nssdb.
        .env("HOME", &home)
        .args([
            "--headless",
            // The sandbox needs user namespaces, which root and many containers lack.
            "--no-sandbox",
            "--no-first-run",
            "--disable-gpu",
        ])
        .arg(format!("--user-data-dir={}", scratch.0.join("profile").display()))
        .arg(format!("--log-net-log={}", netlog.display()))
        .arg("--dump-dom")
        .arg(wire.page_url())
        .stdout(std::fs::File::create(&dom).unwrap())
        .stderr(std::fs::File::create(scratch.0.join("stderr")).unwrap())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("chromium not runnable ({e}): apt-get install chromium (scripts/test.sh installs it)")
        });
    let mut chromium = Proc(child);
    let status = wait_until(&mut chromium.0, "chromium", PAGE_DEADLINE);
    let dom = std::fs::read_to_string(&dom).unwrap();
    let stderr = std::fs::read_to_string(scratch.0.join("stderr")).unwrap_or_default();
    assert!(status.success(), "chromium: {status}: {stderr}");
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

/// One WebDriver BiDi session over its WebSocket.
struct Bidi {
    ws: tungstenite::WebSocket<tungstenite::stream::MaybeTlsStream<TcpStream>>,
    next_id: u64,
}

impl Bidi {
    fn connect(url: &str) -> Bidi {
        let (ws, _) = tungstenite::connect(format!("{url}/session"))
            .unwrap_or_else(|e| panic!("WebDriver BiDi at {url}: {e}"));
        if let tungstenite::stream::MaybeTlsStream::Plain(s) = ws.get_ref() {
            s.set_read_timeout(Some(PAGE_DEADLINE)).unwrap();
        }
        Bidi { ws, next_id: 0 }
    }

    /// Sends a command and returns its `result` (skipping events); panics on an error reply.
    fn command(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let msg = json!({ "id": id, "method": method, "params": params });
        self.ws
            .send(tungstenite::Message::text(msg.to_string()))
            .unwrap();
        loop {
            let m = self
                .ws
                .read()
                .unwrap_or_else(|e| panic!("BiDi {method}: {e}"));
            let tungstenite::Message::Text(t) = m else {
                continue;
            };
            let mut v: Value = serde_json::from_str(&t).unwrap();
            if v["id"] != id {
                continue;
            }
            assert_eq!(v["type"], "success", "BiDi {method}: {v}");
            return v["result"].take();
        }
    }

    /// Evaluates a JavaScript expression in `context` that yields a string (or a promise of
    /// one, awaited).
    fn eval_string(&mut self, context: &Value, expression: &str) -> String {
        let r = self.command(
            "script.evaluate",
            json!({
                "expression": expression,
                "target": { "context": context },
                "awaitPromise": true,
            }),
        );
        assert_eq!(r["type"], "success", "{expression}: {r}");
        r["result"]["value"]
            .as_str()
            .unwrap_or_else(|| panic!("{expression}: not a string: {r}"))
            .to_owned()
    }
}

/// Headless Firefox ESR loads the page under WebDriver BiDi; the test reads `#result` back.
/// Its `nsHttp` log must show `/ws` on an HTTP/2 WebSocket stream.
#[test]
#[ignore = "needs Debian's firefox-esr and certutil (scripts/test.sh installs them)"]
fn firefox_over_h2() {
    let wire = wire_tls();
    let scratch = Scratch::new("firefox");
    let profile = scratch.0.join("profile");
    nss_trust(&profile, &wire.cert);
    let mozlog = scratch.0.join("log");
    std::fs::create_dir_all(&mozlog).unwrap();
    let mut child = Command::new("firefox-esr")
        // Level 3 (info) names each HTTP/2 WebSocket stream.
        .env("MOZ_LOG", "nsHttp:3")
        .env("MOZ_LOG_FILE", mozlog.join("moz"))
        .args(["--headless", "--no-remote", "--profile"])
        .arg(&profile)
        // Port 0: Firefox picks one and prints `WebDriver BiDi listening on ws://...`.
        .args(["--remote-debugging-port", "0", "about:blank"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("firefox-esr not runnable ({e}): apt-get install firefox-esr (scripts/test.sh installs it)")
        });
    let stderr = child.stderr.take().unwrap();
    let mut firefox = Proc(child);
    // Its stderr, line by line from a thread (it keeps writing), until the BiDi address.
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { return };
            let _ = tx.send(line);
        }
    });
    let end = Instant::now() + Duration::from_secs(60);
    let mut seen = Vec::new();
    let url = loop {
        let left = end.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => match line.strip_prefix("WebDriver BiDi listening on ") {
                Some(url) => break url.trim().to_owned(),
                None => seen.push(line),
            },
            Err(e) => panic!(
                "firefox-esr printed no WebDriver BiDi address within 60 s ({e}):\n{}",
                seen.join("\n")
            ),
        }
    };

    let mut bidi = Bidi::connect(&url);
    // No acceptInsecureCerts: the profile's NSS database trusts the certificate.
    bidi.command("session.new", json!({ "capabilities": {} }));
    let tree = bidi.command("browsingContext.getTree", json!({}));
    let context = tree["contexts"][0]["context"].clone();
    bidi.command(
        "browsingContext.navigate",
        json!({ "context": context, "url": wire.page_url(), "wait": "complete" }),
    );
    // The page's promise settles when it has finished (Firefox does not let the page's image
    // hold the load event, as Chromium does).
    let done = bidi.eval_string(
        &context,
        "window.finished.then(() => document.getElementById('done').textContent)",
    );
    let result = bidi.eval_string(&context, "document.getElementById('result').textContent");
    // Closing the browser ends the process, which flushes its log.
    bidi.command("browser.close", json!({}));
    drop(bidi);
    let status = wait_until(&mut firefox.0, "firefox-esr", Duration::from_secs(60));
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
