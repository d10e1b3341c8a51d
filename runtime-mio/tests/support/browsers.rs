//! Launching real browsers against `wire serve --tls`, shared by `browser.rs` (a page's
//! WebSocket and SSE traffic) and `browser_profiles.rs` (the browsers' fingerprints against
//! our profiles'): Debian's `chromium` (headless, `--dump-dom`) and `firefox-esr` (headless,
//! driven through WebDriver BiDi), both trusting the server's self-signed certificate through
//! an NSS database made with `certutil`.
//!
//! - Chromium has `--dump-dom`: it prints the page once its load event has fired. It trusts
//!   the NSS database in `$HOME/.pki/nssdb` (trust `CP,,`: it wants a trusted peer).
//! - Firefox has no `--dump-dom`: [`Firefox`] serves WebDriver BiDi with
//!   `--remote-debugging-port` (a WebSocket; `tungstenite` here) and [`Firefox::navigate`]s
//!   and [`Firefox::eval_string`]s through it. It trusts the NSS database of its fresh
//!   profile (as a CA). (Chromium speaks BiDi only through chromedriver, a further package;
//!   `--dump-dom` needs none.)
//!
//! Neither is told to ignore certificate errors, so the certificate itself is checked too. A
//! missing browser or `certutil` panics, naming the package to install.

// Each test binary that includes this module uses part of it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// A child process killed (and reaped) when dropped.
pub(crate) struct Proc(pub(crate) Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A scratch directory removed when dropped.
pub(crate) struct Scratch(pub(crate) PathBuf);

impl Scratch {
    /// A fresh, empty `rt-browser-NAME-PID` under the temporary directory.
    pub(crate) fn new(name: &str) -> Scratch {
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

#[path = "wire_serve.rs"]
mod wire_serve;
pub(crate) use wire_serve::WireServe;

/// Starts `wire serve --tls --dir tests/browser` (the folder at `/files/`) on a free port of
/// 127.0.0.1; its self-signed certificate is for `localhost` and `127.0.0.1`.
pub(crate) fn wire_tls() -> WireServe {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    WireServe::start(&["--threads", "2", "--tls", "--dir", dir.to_str().unwrap()])
}

/// Runs a helper program to completion; panics with its output when it fails or is missing.
pub(crate) fn run(program: &str, args: &[&str], missing: &str) {
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
pub(crate) fn nss_trust(dir: &Path, cert: &Path) {
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

/// Waits for `child` to exit within `deadline`; its exit status.
pub(crate) fn wait_until(child: &mut Child, what: &str, deadline: Duration) -> ExitStatus {
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

/// The text between `open` and the next `close` in `s`.
pub(crate) fn between<'a>(s: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let start = s.find(open)? + open.len();
    let len = s[start..].find(close)?;
    Some(&s[start..start + len])
}

/// Undoes the escapes of a text node in serialized HTML.
pub(crate) fn unescape_text(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
}

/// The version line of a browser (`chromium --version`, `firefox-esr --version`), for the
/// reports.
pub(crate) fn version(program: &str) -> String {
    Command::new(program)
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|e| format!("{program}: {e}"))
}

/// What a headless Chromium run printed: the dumped DOM and its stderr.
pub(crate) struct Dump {
    /// `--dump-dom`'s output: the page once loaded, serialized.
    pub(crate) dom: String,
    /// Chromium's stderr, for failure messages.
    pub(crate) stderr: String,
}

/// Headless Chromium with a fresh profile under `scratch` and `$HOME` at `home` (whose
/// `.pki/nssdb` trusts the server: [`nss_trust`]) loads `url` and prints its DOM once loaded
/// (`--dump-dom`); `extra` are further switches (such as `--log-net-log=PATH` or
/// `--disable-http2`). Panics when Chromium is missing, fails or outlives `deadline`.
pub(crate) fn chromium_dump_dom(
    scratch: &Path,
    home: &Path,
    extra: &[String],
    url: &str,
    deadline: Duration,
) -> Dump {
    let dom = scratch.join("dom.html");
    let err = scratch.join("stderr");
    let child = Command::new("chromium")
        // The NSS database trusting the certificate is $HOME/.pki/nssdb.
        .env("HOME", home)
        .args([
            "--headless",
            // The sandbox needs user namespaces, which root and many containers lack.
            "--no-sandbox",
            "--no-first-run",
            "--disable-gpu",
        ])
        .arg(format!("--user-data-dir={}", scratch.join("profile").display()))
        .args(extra)
        .arg("--dump-dom")
        .arg(url)
        .stdout(std::fs::File::create(&dom).unwrap())
        .stderr(std::fs::File::create(&err).unwrap())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("chromium not runnable ({e}): apt-get install chromium (scripts/test.sh installs it)")
        });
    let mut chromium = Proc(child);
    let status = wait_until(&mut chromium.0, "chromium", deadline);
    let dom = std::fs::read_to_string(&dom).unwrap();
    let stderr = std::fs::read_to_string(&err).unwrap_or_default();
    assert!(status.success(), "chromium: {status}: {stderr}");
    Dump { dom, stderr }
}

/// Our client as the browsers are set up: shaped by `profile`, trusting `wire`'s certificate
/// (no system roots), `localhost` resolved to 127.0.0.1, ALPN `h2` when `h2` (else
/// `http/1.1` only), its cookie store holding `cookies` (`a=1&b=2`) for the origin.
pub(crate) fn our_client(
    wire: &WireServe,
    profile: &'static tls::Profile,
    h2: bool,
    cookies: &str,
) -> runtime_mio::client::Client {
    use runtime_mio::client::{Client, ClientConfig, ResolveOverride, Url};
    let port = wire.port();
    let client = Client::new(ClientConfig {
        profile: Some(profile.into()),
        alpn_h2: h2,
        system_roots: false,
        root_pems: vec![wire.cert_pem().unwrap()],
        resolve: vec![ResolveOverride::parse(&format!("localhost:{port}:127.0.0.1")).unwrap()],
        ..ClientConfig::default()
    })
    .unwrap();
    let jar = client.cookie_jar().unwrap();
    let origin = Url::parse(&format!("https://localhost:{port}/")).unwrap();
    for c in cookies.split('&') {
        assert!(jar.set_cookie(&origin, &format!("{c}; Path=/; Max-Age=86400")));
    }
    client
}

/// Headless Chromium runs against `wire` that share one profile directory (so cookies
/// persist from run to run): each [`ChromiumRuns::dump`] is a fresh browser process, hence
/// the first request of a fresh connection.
pub(crate) struct ChromiumRuns {
    scratch: Scratch,
    home: PathBuf,
    extra: Vec<String>,
    port: u16,
    deadline: Duration,
}

impl ChromiumRuns {
    /// A profile under a fresh scratch directory `name`, whose NSS database trusts `wire`'s
    /// certificate, HTTP/2 off unless `h2`, holding `cookies` (`a=1&b=2`: set by a first
    /// run through `wire serve`'s `/cookies/keep`, checked).
    pub(crate) fn with_cookies(
        name: &str,
        wire: &WireServe,
        h2: bool,
        cookies: &str,
        deadline: Duration,
    ) -> Self {
        let scratch = Scratch::new(name);
        let home = scratch.0.join("home");
        nss_trust(&home.join(".pki/nssdb"), Path::new(wire.cert_path()));
        let extra = if h2 {
            Vec::new()
        } else {
            vec!["--disable-http2".to_owned()]
        };
        let runs = ChromiumRuns {
            scratch,
            home,
            extra,
            port: wire.port().parse().unwrap(),
            deadline,
        };
        let dump = runs.dump(&format!("/cookies/keep?{cookies}"));
        assert!(
            dump.dom.contains("cookies kept"),
            "chromium: /cookies/keep: {:.2000}\n{}",
            dump.dom,
            dump.stderr
        );
        runs
    }

    /// A fresh Chromium on the shared profile loads `path` of the server: its DOM.
    pub(crate) fn dump(&self, path: &str) -> Dump {
        let url = format!("https://localhost:{}{path}", self.port);
        chromium_dump_dom(
            &self.scratch.0,
            &self.home,
            &self.extra,
            &url,
            self.deadline,
        )
    }
}

/// Headless Firefox ESR under BiDi on a fresh profile (under scratch directory `name`, kept
/// in the returned [`Scratch`]) whose NSS database trusts `wire`'s certificate, with the
/// `user.js` lines `prefs` and HTTP/2 off unless `h2`, holding `cookies` (`a=1&b=2`, set
/// for `localhost` through BiDi: a navigation would leave a session ticket that a later
/// connection resumes, changing its ClientHello).
pub(crate) fn firefox_with_cookies(
    name: &str,
    wire: &WireServe,
    h2: bool,
    prefs: &str,
    cookies: &str,
    deadline: Duration,
) -> (Firefox, Scratch) {
    let scratch = Scratch::new(name);
    let profile = scratch.0.join("profile");
    nss_trust(&profile, Path::new(wire.cert_path()));
    let mut user_js = prefs.to_owned();
    if !h2 {
        user_js += "user_pref(\"network.http.http2.enabled\", false);\n";
    }
    if !user_js.is_empty() {
        std::fs::write(profile.join("user.js"), user_js).unwrap();
    }
    let mut firefox = Firefox::launch(&profile, &[], deadline);
    for (name, value) in cookies.split('&').filter_map(|kv| kv.split_once('=')) {
        firefox.set_cookie("localhost", name, value);
    }
    (firefox, scratch)
}

/// One WebDriver BiDi session over its WebSocket.
pub(crate) struct Bidi {
    ws: tungstenite::WebSocket<tungstenite::stream::MaybeTlsStream<TcpStream>>,
    next_id: u64,
}

impl Bidi {
    /// Connects to the BiDi endpoint `url` (`ws://HOST:PORT`) with a read timeout.
    pub(crate) fn connect(url: &str, read_timeout: Duration) -> Bidi {
        let (ws, _) = tungstenite::connect(format!("{url}/session"))
            .unwrap_or_else(|e| panic!("WebDriver BiDi at {url}: {e}"));
        if let tungstenite::stream::MaybeTlsStream::Plain(s) = ws.get_ref() {
            s.set_read_timeout(Some(read_timeout)).unwrap();
        }
        Bidi { ws, next_id: 0 }
    }

    /// Sends a command and returns its `result` (skipping events); panics on an error reply.
    pub(crate) fn command(&mut self, method: &str, params: Value) -> Value {
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
    pub(crate) fn eval_string(&mut self, context: &Value, expression: &str) -> String {
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

/// Headless Firefox ESR under WebDriver BiDi, with one browsing context; killed when
/// dropped unless [`Firefox::close`]d.
pub(crate) struct Firefox {
    proc: Proc,
    bidi: Bidi,
    context: Value,
}

impl Firefox {
    /// Starts `firefox-esr --headless` on the profile directory `profile` (whose NSS database
    /// trusts the server: [`nss_trust`]; a `user.js` there sets preferences) with `env` added
    /// to its environment, and opens a BiDi session (no `acceptInsecureCerts`). BiDi commands
    /// wait at most `read_timeout` for their reply.
    pub(crate) fn launch(profile: &Path, env: &[(&str, &str)], read_timeout: Duration) -> Self {
        let mut cmd = Command::new("firefox-esr");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd
            .args(["--headless", "--no-remote", "--profile"])
            .arg(profile)
            // Port 0: Firefox picks one and prints `WebDriver BiDi listening on ws://...`.
            .args(["--remote-debugging-port", "0", "about:blank"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("firefox-esr not runnable ({e}): apt-get install firefox-esr (scripts/test.sh installs it)")
            });
        let stderr = child.stderr.take().unwrap();
        let proc = Proc(child);
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
        let mut bidi = Bidi::connect(&url, read_timeout);
        // No acceptInsecureCerts: the profile's NSS database trusts the certificate.
        bidi.command("session.new", json!({ "capabilities": {} }));
        let tree = bidi.command("browsingContext.getTree", json!({}));
        let context = tree["contexts"][0]["context"].clone();
        Firefox {
            proc,
            bidi,
            context,
        }
    }

    /// Navigates the context to `url` and waits for its load.
    pub(crate) fn navigate(&mut self, url: &str) {
        self.bidi.command(
            "browsingContext.navigate",
            json!({ "context": self.context, "url": url, "wait": "complete" }),
        );
    }

    /// Stores the cookie `name=value` for `domain`, path `/`, in the browser's default
    /// partition (BiDi `storage.setCookie`: no request is made).
    pub(crate) fn set_cookie(&mut self, domain: &str, name: &str, value: &str) {
        self.bidi.command(
            "storage.setCookie",
            json!({
                "cookie": {
                    "name": name,
                    "value": { "type": "string", "value": value },
                    "domain": domain,
                    "path": "/",
                }
            }),
        );
    }

    /// Evaluates a JavaScript expression yielding a string (or a promise of one) in the page.
    pub(crate) fn eval_string(&mut self, expression: &str) -> String {
        let context = self.context.clone();
        self.bidi.eval_string(&context, expression)
    }

    /// Closes the browser through BiDi and waits for the process to exit (which flushes its
    /// logs); its exit status.
    pub(crate) fn close(mut self) -> ExitStatus {
        self.bidi.command("browser.close", json!({}));
        wait_until(&mut self.proc.0, "firefox-esr", Duration::from_secs(60))
    }
}
