//! The real browsers' WebSocket opening requests against our client's under the profiles that
//! model them: Debian's `chromium` against [`tls::profile::CHROMIUM`] and `firefox-esr`
//! against [`tls::profile::FIREFOX_ESR`], each over HTTP/2 (an RFC 8441 extended CONNECT on
//! the page's connection) and over HTTP/1.1 (an `Upgrade` GET).
//!
//! Both sides open a WebSocket to `wire serve --tls`'s `/ws/request`, which answers a message
//! with the opening request as it received it (its fields in received order and case). The
//! browsers do it from `tests/browser/ws_request.html` on the same origin (so they send
//! `Origin`), offering the subprotocols `chat.v1` and `chat.v2`; our client
//! ([`Client::websocket`] with [`ClientConfig::profile`]) gives the same `Origin` and offers
//! the same subprotocols. Both sides hold the same three cookies for the origin (as in
//! `browser_profiles.rs`: Chromium from `/cookies/keep` in a first run on the same profile
//! directory, Firefox through WebDriver BiDi `storage.setCookie`, our client in its cookie
//! store), so the `Cookie` field's place and shape are compared too.
//!
//! The two are compared field by field ([`compare`]): the names in order, then each common
//! field's value (`Sec-WebSocket-Key` is random on both sides, so only its place counts). The
//! differences must equal the known ones, written out below with the reason of each; any other
//! difference fails the test, and so does a known one that is gone.
//!
//! HTTP/1.1: Chromium runs with `--disable-http2`, Firefox with `network.http.http2.enabled`
//! off; our client with `alpn_h2` off.
//!
//! Ignored by plain `cargo test` (the browsers take seconds and must be installed);
//! `scripts/test.sh` runs it with `cargo test -p runtime-mio --test browser_ws -- --ignored`
//! (its `browser websockets` step). A missing browser fails the test.

use std::time::Duration;

use runtime_mio::client::{Message, Version, Wait, WebSocketRequest};
use serde_json::Value;
use tls::Profile;

#[path = "support/browsers.rs"]
mod browsers;
use browsers::{ChromiumRuns, WireServe, between, firefox_with_cookies, our_client, unescape_text};

/// How long a browser may take to load one URL.
const DEADLINE: Duration = Duration::from_secs(90);

/// The cookies each side holds for the origin (as in `browser_profiles.rs`).
const COOKIES: &str = "a=1&bb=22&ccc=333";

/// The subprotocols both sides offer (`ws_request.html` offers these).
const PROTOCOLS: [&str; 2] = ["chat.v1", "chat.v2"];

/// An opening request as `/ws/request` reported it.
#[derive(Debug)]
struct Opening {
    method: String,
    /// The fields in received order and case.
    fields: Vec<(String, String)>,
}

impl Opening {
    fn parse(who: &str, json: &str) -> Opening {
        let v: Value = serde_json::from_str(json)
            .unwrap_or_else(|e| panic!("{who}: /ws/request's answer is not JSON ({e}): {json}"));
        let text = |v: &Value| v.as_str().map_or_else(|| v.to_string(), str::to_owned);
        let fields = v["headers"]
            .as_array()
            .unwrap_or_else(|| panic!("{who}: no headers: {v}"))
            .iter()
            .map(|f| (text(&f[0]), text(&f[1])))
            .collect();
        Opening {
            method: text(&v["method"]),
            fields,
        }
    }

    fn names(&self) -> Vec<&str> {
        self.fields.iter().map(|(n, _)| n.as_str()).collect()
    }
}

/// Every difference between the browser's opening request `b` and ours `o`, one line each:
/// the method, the names only one side sent, the order of the common names, then each common
/// field's value (the k-th field of a name against the k-th of the other side;
/// `Sec-WebSocket-Key` is random, so its value is not compared).
fn compare(b: &Opening, o: &Opening) -> Vec<String> {
    let mut out = Vec::new();
    if b.method != o.method {
        out.push(format!("method: browser {}, ours {}", b.method, o.method));
    }
    let (bn, on) = (b.names(), o.names());
    let only = |a: &[&str], x: &[&str]| -> Vec<String> {
        a.iter()
            .filter(|n| !x.contains(n))
            .map(|n| (*n).to_owned())
            .collect()
    };
    let (bo, oo) = (only(&bn, &on), only(&on, &bn));
    if !bo.is_empty() {
        out.push(format!("names: browser only [{}]", bo.join(",")));
    }
    if !oo.is_empty() {
        out.push(format!("names: ours only [{}]", oo.join(",")));
    }
    let bc: Vec<&str> = bn.iter().filter(|n| on.contains(n)).copied().collect();
    let oc: Vec<&str> = on.iter().filter(|n| bn.contains(n)).copied().collect();
    if bc != oc {
        out.push(format!(
            "order: browser [{}], ours [{}]",
            bc.join(","),
            oc.join(",")
        ));
    }
    for (i, (name, bv)) in b.fields.iter().enumerate() {
        if name.eq_ignore_ascii_case("sec-websocket-key") {
            continue;
        }
        let k = b.fields[..i].iter().filter(|(n, _)| n == name).count();
        if let Some((_, ov)) = o.fields.iter().filter(|(n, _)| n == name).nth(k)
            && bv != ov
        {
            out.push(format!("{name}: browser {bv:?}, ours {ov:?}"));
        }
    }
    out
}

/// Our client, shaped by `profile` and holding [`COOKIES`], opens `/ws/request` (over HTTP/2
/// when `h2`, else over an HTTP/1.1-only connection) with the page's `Origin` and
/// [`PROTOCOLS`]; the opening request the server saw.
fn ours(wire: &WireServe, profile: &'static Profile, h2: bool) -> Opening {
    let port = wire.port();
    let client = our_client(wire, profile, h2, COOKIES);
    let req = WebSocketRequest::new(&format!("wss://localhost:{port}/ws/request"))
        .unwrap()
        .protocols(&PROTOCOLS)
        .header("Origin", format!("https://localhost:{port}"))
        .http2(h2);
    let mut ws = client.websocket(req).unwrap();
    let want = if h2 { Version::H2 } else { Version::Http11 };
    assert_eq!(ws.version(), want, "{}", profile.name);
    ws.send_text("request?").unwrap();
    let json = match ws.recv(Wait::Timeout(DEADLINE)).unwrap() {
        Some(Message::Text(t)) => t,
        other => panic!("ours ({}): {other:?}", profile.name),
    };
    ws.close(1000, "").unwrap();
    Opening::parse(&format!("ours ({})", profile.name), &json)
}

/// `ws_request.html`'s `#done` and `#result` checked: the opening request it reports.
fn page_result(who: &str, done: &str, result: &str) -> Opening {
    assert_eq!(done, "done", "{who}: the page failed: {result}");
    Opening::parse(who, result)
}

/// Headless Chromium loads `ws_request.html` (after `/cookies/keep` in the same profile
/// directory).
fn chromium(wire: &WireServe, h2: bool) -> Opening {
    let runs = ChromiumRuns::with_cookies("ws-chromium", wire, h2, COOKIES, DEADLINE);
    let dump = runs.dump("/files/ws_request.html");
    let field = |id: &str, close: &str| {
        between(&dump.dom, &format!("id=\"{id}\">"), close)
            .map(unescape_text)
            .unwrap_or_else(|| panic!("chromium: no #{id}: {:.2000}\n{}", dump.dom, dump.stderr))
    };
    page_result(
        "chromium",
        &field("done", "</p>"),
        &field("result", "</pre>"),
    )
}

/// Headless Firefox ESR loads `ws_request.html` through WebDriver BiDi (cookies set through
/// BiDi first) and awaits the page's `window.finished`.
fn firefox(wire: &WireServe, h2: bool) -> Opening {
    let (mut firefox, _scratch) =
        firefox_with_cookies("ws-firefox", wire, h2, "", COOKIES, DEADLINE);
    firefox.navigate(&format!(
        "https://localhost:{}/files/ws_request.html",
        wire.port()
    ));
    let done = firefox.eval_string("window.finished");
    let result = firefox.eval_string("document.getElementById('result').textContent");
    let status = firefox.close();
    assert!(status.success(), "firefox-esr: {status}");
    page_result("firefox-esr", &done, &result)
}

/// Compares `browser` with `ours` and checks the differences against `known` (exactly, in
/// order); prints both sides' fields and the differences either way. `Err` with the
/// differences when they are not the known ones.
fn check(
    what: &str,
    version: &str,
    browser: &Opening,
    ours: &Opening,
    known: &[&str],
) -> Result<(), String> {
    let diffs = compare(browser, ours);
    eprintln!("{what} ({version}):");
    for (who, o) in [("browser", browser), ("ours", ours)] {
        eprintln!("  {who}: {}", o.method);
        for (n, v) in &o.fields {
            eprintln!("    {n}: {v}");
        }
    }
    eprintln!("  {} differences:", diffs.len());
    for d in &diffs {
        let tag = if known.contains(&d.as_str()) {
            "known"
        } else {
            "NEW  "
        };
        eprintln!("    {tag} {d}");
    }
    for g in known.iter().filter(|k| !diffs.iter().any(|d| d == *k)) {
        eprintln!("    GONE  {g}");
    }
    if diffs == known {
        Ok(())
    } else {
        Err(format!(
            "{what}: the differences between the browser's WebSocket opening request and ours \
             moved (NEW: not known before, GONE: known but no longer seen): {diffs:#?}"
        ))
    }
}

/// Chromium 156 against our `chromium` profile over HTTP/2: headless Chromium names itself
/// `HeadlessChrome` where a window says `Chrome` (as in `browser_profiles.rs`).
const CHROMIUM_H2_KNOWN: &[&str] = &[
    "user-agent: browser \"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36\", ours \"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36\"",
];

/// The same over HTTP/1.1.
const CHROMIUM_H1_KNOWN: &[&str] = &[
    "User-Agent: browser \"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36\", ours \"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36\"",
];

/// Firefox ESR 153 against our `firefox-esr` profile over HTTP/2: no difference.
const FIREFOX_H2_KNOWN: &[&str] = &[];

/// The same over HTTP/1.1.
const FIREFOX_H1_KNOWN: &[&str] = &[];

/// `browser` (`name`) and our client under `profile` open the WebSocket over HTTP/2 and over
/// HTTP/1.1; both protocols are seen before either is checked, so a failure shows both.
fn against_profile(
    name: &str,
    browser: fn(&WireServe, bool) -> Opening,
    profile: &'static Profile,
    known_h2: &[&str],
    known_h1: &[&str],
) {
    let version = browsers::version(name);
    let wire = browsers::wire_tls();
    let seen: Vec<(bool, Opening, Opening)> = [true, false]
        .into_iter()
        .map(|h2| (h2, browser(&wire, h2), ours(&wire, profile, h2)))
        .collect();
    let mut failed = Vec::new();
    for ((h2, b, o), known) in seen.iter().zip([known_h2, known_h1]) {
        let what = if *h2 { "HTTP/2" } else { "HTTP/1.1" };
        let what = format!("{name}'s WebSocket over {what}");
        if let Err(e) = check(&what, &version, b, o, known) {
            failed.push(e);
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

#[test]
#[ignore = "needs Debian's chromium and certutil (scripts/test.sh installs them)"]
fn chromium_websocket_against_its_profile() {
    against_profile(
        "chromium",
        chromium,
        &tls::profile::CHROMIUM,
        CHROMIUM_H2_KNOWN,
        CHROMIUM_H1_KNOWN,
    );
}

#[test]
#[ignore = "needs Debian's firefox-esr and certutil (scripts/test.sh installs them)"]
fn firefox_esr_websocket_against_its_profile() {
    against_profile(
        "firefox-esr",
        firefox,
        &tls::profile::FIREFOX_ESR,
        FIREFOX_H2_KNOWN,
        FIREFOX_H1_KNOWN,
    );
}
