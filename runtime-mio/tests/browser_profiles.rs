//! The real browsers on this machine against the profiles that model them: Debian's
//! `chromium` against [`tls::profile::CHROMIUM`] and `firefox-esr` against
//! [`tls::profile::FIREFOX_ESR`], each over HTTP/2 and over HTTP/1.1.
//!
//! Both sides are seen by the same server, `wire serve --tls` (`support/browsers.rs` launches
//! it and the browsers): a top-level navigation to `/fingerprint` on a fresh connection gives
//! the JA4, JA4_r, the Akamai HTTP/2 fingerprint with its parts (SETTINGS, connection
//! WINDOW_UPDATE, PRIORITY frames, pseudo-header order, the HEADERS priority) and the header
//! names in received order; a navigation to `/echo` gives the header values. Our side is our
//! client shaped by the profile ([`ClientConfig::profile`]) making the same two requests.
//! Both sides hold the same three cookies for the origin ([`COOKIES`]), so the `Cookie`
//! field's place and shape are compared too (one `cookie` field per crumb on HTTP/2 for both
//! browsers, one folded field on HTTP/1.1): Chromium gets them from `wire serve`'s
//! `/cookies/keep` in a first run on the same profile directory, Firefox through WebDriver
//! BiDi `storage.setCookie`, our client in its cookie store.
//!
//! The two are compared field by field ([`compare`]), and the list of differences must equal
//! the list of known ones, written out below with the reason of each: what our `tls` crate
//! cannot send (`tls::profile::CHROMIUM`'s documentation), and what headless mode changes. Any other difference fails the test, and so does a known difference that is gone;
//! the failure prints both lists, so when Debian updates a browser it says exactly what moved
//! (a new extension, a changed SETTINGS value, a header that moved). Each browser's JA4 over
//! HTTP/2 is also checked against the capture the profile cites (`published_ja4`).
//!
//! HTTP/1.1: Chromium runs with `--disable-http2`, Firefox with `network.http.http2.enabled`
//! off; both then offer ALPN `http/1.1` alone, as our client does with `alpn_h2` off.
//!
//! Ignored by plain `cargo test` (the browsers take seconds and must be installed);
//! `scripts/test.sh` installs `chromium`, `firefox-esr` and `libnss3-tools` and runs it with
//! `cargo test -p runtime-mio --test browser_profiles -- --ignored`. A missing browser fails
//! the test.

use std::time::Duration;

use runtime_mio::client::{Request, Version, Wait};
use serde_json::Value;
use tls::Profile;
use tls::client_hello::ja4_from_raw;

#[path = "support/browsers.rs"]
mod browsers;
use browsers::{ChromiumRuns, WireServe, between, firefox_with_cookies, our_client, unescape_text};

/// How long a browser may take to load one URL.
const DEADLINE: Duration = Duration::from_secs(90);

/// What the server saw of one client: its connection's fingerprint and one navigation's
/// header fields.
#[derive(Debug)]
struct Seen {
    ja4: String,
    ja4_r: String,
    /// The HTTP/2 side, `None` on HTTP/1.1.
    h2: Option<H2Seen>,
    /// Header names in received order (from `/fingerprint`).
    names: Vec<String>,
    /// Header fields in received order (from `/echo`).
    fields: Vec<(String, String)>,
}

/// The HTTP/2 side of [`Seen`]: the Akamai string and its parts.
#[derive(Debug)]
struct H2Seen {
    akamai: String,
    settings: String,
    window_update: String,
    priorities: String,
    pseudo_order: String,
    headers_priority: String,
}

impl Seen {
    /// From `/fingerprint`'s and `/echo`'s JSON.
    fn parse(who: &str, fingerprint: &str, echo: &str) -> Seen {
        let fp: Value = serde_json::from_str(fingerprint)
            .unwrap_or_else(|e| panic!("{who}: /fingerprint is not JSON ({e}): {fingerprint}"));
        let echo: Value = serde_json::from_str(echo)
            .unwrap_or_else(|e| panic!("{who}: /echo is not JSON ({e}): {echo}"));
        let tls = &fp["tls"];
        let text = |v: &Value| v.as_str().map_or_else(|| v.to_string(), str::to_owned);
        let h2 = match &fp["http2"] {
            Value::Null => None,
            h => Some(H2Seen {
                akamai: text(&h["akamai"]),
                settings: h["settings"].to_string(),
                window_update: h["window_update"].to_string(),
                priorities: h["priorities"].to_string(),
                pseudo_order: h["pseudo_order"].to_string(),
                headers_priority: h["headers_priority"].to_string(),
            }),
        };
        let names = fp["headers"]
            .as_array()
            .unwrap_or_else(|| panic!("{who}: no headers: {fp}"))
            .iter()
            .map(text)
            .collect();
        let fields = echo["headers"]
            .as_array()
            .unwrap_or_else(|| panic!("{who}: no headers: {echo}"))
            .iter()
            .map(|f| (text(&f[0]), text(&f[1])))
            .collect();
        let seen = Seen {
            ja4: text(&tls["ja4"]),
            ja4_r: text(&tls["ja4_r"]),
            h2,
            names,
            fields,
        };
        // JA4's hashes are functions of JA4_r's lists: comparing the lists says why they moved.
        assert_eq!(
            ja4_from_raw(&seen.ja4_r).as_deref(),
            Some(seen.ja4.as_str()),
            "{who}: JA4 and JA4_r disagree: {fp}"
        );
        // Both requests were the same kind of navigation: the same names in the same order.
        let echo_names: Vec<&str> = seen.fields.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            echo_names, seen.names,
            "{who}: /echo's header names differ from /fingerprint's"
        );
        seen
    }
}

/// The items of a comma-separated list.
fn items(s: &str) -> Vec<&str> {
    if s.is_empty() {
        Vec::new()
    } else {
        s.split(',').collect()
    }
}

/// `a`'s items missing from `b`, in `a`'s order.
fn only<'a>(a: &[&'a str], b: &[&str]) -> Vec<&'a str> {
    a.iter().filter(|x| !b.contains(x)).copied().collect()
}

/// Differences between the browser's `b` and our `o` in one list of JA4_r (`what`): items
/// only one side has, and, for ordered lists, an order that differs among the common ones.
fn list_diff(out: &mut Vec<String>, what: &str, b: &str, o: &str, ordered: bool) {
    let (bl, ol) = (items(b), items(o));
    let (bo, oo) = (only(&bl, &ol), only(&ol, &bl));
    if !bo.is_empty() {
        out.push(format!("{what}: browser only [{}]", bo.join(",")));
    }
    if !oo.is_empty() {
        out.push(format!("{what}: ours only [{}]", oo.join(",")));
    }
    if ordered {
        let bc: Vec<&str> = bl.iter().filter(|x| ol.contains(x)).copied().collect();
        let oc: Vec<&str> = ol.iter().filter(|x| bl.contains(x)).copied().collect();
        if bc != oc {
            out.push(format!(
                "{what} order: browser [{}], ours [{}]",
                bc.join(","),
                oc.join(",")
            ));
        }
    }
}

/// Every difference between what the browser sent (`b`) and what our client sent (`o`), one
/// line each, in a fixed order: JA4's parts, JA4_r's lists, the HTTP/2 preface's parts, the
/// header names and their order, each common header's value.
fn compare(b: &Seen, o: &Seen) -> Vec<String> {
    let mut out = Vec::new();
    let bj: Vec<&str> = b.ja4.split('_').collect();
    let oj: Vec<&str> = o.ja4.split('_').collect();
    for (i, part) in ["ja4 a", "ja4 b (cipher hash)", "ja4 c (extension hash)"]
        .iter()
        .enumerate()
    {
        if bj.get(i) != oj.get(i) {
            out.push(format!(
                "{part}: browser {}, ours {}",
                bj.get(i).unwrap_or(&""),
                oj.get(i).unwrap_or(&"")
            ));
        }
    }
    let br: Vec<&str> = b.ja4_r.split('_').collect();
    let or: Vec<&str> = o.ja4_r.split('_').collect();
    for (i, (what, ordered)) in [
        ("ja4_r ciphers", false),
        ("ja4_r extensions", false),
        ("ja4_r signature algorithms", true),
    ]
    .iter()
    .enumerate()
    {
        list_diff(
            &mut out,
            what,
            br.get(i + 1).unwrap_or(&""),
            or.get(i + 1).unwrap_or(&""),
            *ordered,
        );
    }
    match (&b.h2, &o.h2) {
        (Some(bh), Some(oh)) => {
            for (what, bv, ov) in [
                ("akamai settings", &bh.settings, &oh.settings),
                ("akamai window_update", &bh.window_update, &oh.window_update),
                ("akamai priority frames", &bh.priorities, &oh.priorities),
                (
                    "akamai pseudo-header order",
                    &bh.pseudo_order,
                    &oh.pseudo_order,
                ),
                (
                    "HEADERS priority",
                    &bh.headers_priority,
                    &oh.headers_priority,
                ),
            ] {
                if bv != ov {
                    out.push(format!("{what}: browser {bv}, ours {ov}"));
                }
            }
            // The string is made of the parts above; it differs only if one of them does.
            if bh.akamai != oh.akamai && out.iter().all(|l| !l.starts_with("akamai ")) {
                out.push(format!("akamai: browser {}, ours {}", bh.akamai, oh.akamai));
            }
        }
        (None, None) => {}
        (bh, oh) => out.push(format!(
            "http2: browser {}, ours {}",
            bh.as_ref().map_or("none", |h| h.akamai.as_str()),
            oh.as_ref().map_or("none", |h| h.akamai.as_str())
        )),
    }
    let bn: Vec<&str> = b.names.iter().map(String::as_str).collect();
    let on: Vec<&str> = o.names.iter().map(String::as_str).collect();
    list_diff(&mut out, "header names", &bn.join(","), &on.join(","), true);
    // A name sent several times (`cookie` crumbs on HTTP/2): the k-th field of that name on
    // one side against the k-th on the other.
    for (i, (name, bv)) in b.fields.iter().enumerate() {
        let k = b.fields[..i].iter().filter(|(n, _)| n == name).count();
        if let Some((_, ov)) = o.fields.iter().filter(|(n, _)| n == name).nth(k)
            && bv != ov
        {
            out.push(format!("header {name}: browser {bv:?}, ours {ov:?}"));
        }
    }
    out
}

/// `/fingerprint`'s and `/echo`'s JSON bodies as our client, shaped by `profile`, gets them
/// from `wire` over one connection (HTTP/2 when `h2`, else HTTP/1.1 with ALPN `http/1.1`).
fn ours(wire: &WireServe, profile: &'static Profile, h2: bool) -> Seen {
    let port = wire.port();
    let client = our_client(wire, profile, h2, COOKIES);
    let get = |path: &str| {
        let url = format!("https://localhost:{port}{path}");
        let mut resp = client.request(Request::get(&url).unwrap()).unwrap();
        let want = if h2 { Version::H2 } else { Version::Http11 };
        assert_eq!(resp.version(), want, "{}: {url}", profile.name);
        let mut body = Vec::new();
        while let Some(chunk) = resp.body().chunk(Wait::Block).unwrap() {
            body.extend_from_slice(&chunk);
        }
        String::from_utf8(body).unwrap()
    };
    let fp = get("/fingerprint");
    let echo = get("/echo");
    Seen::parse(&format!("ours ({})", profile.name), &fp, &echo)
}

/// The JSON text a navigation to a JSON document shows: Chromium wraps it in `<pre>`.
fn chromium_json(dom: &str, stderr: &str) -> String {
    between(dom, "<pre>", "</pre>")
        .map(unescape_text)
        .unwrap_or_else(|| panic!("no <pre> in chromium's DOM: {dom:.2000}\n{stderr}"))
}

/// Headless Chromium's navigations to `/fingerprint` and `/echo`, each from a fresh browser
/// (so each is the first request of a fresh connection).
fn chromium(wire: &WireServe, h2: bool) -> Seen {
    let runs = ChromiumRuns::with_cookies("profiles-chromium", wire, h2, COOKIES, DEADLINE);
    let json: Vec<String> = ["/fingerprint", "/echo"]
        .into_iter()
        .map(|path| {
            let dump = runs.dump(path);
            chromium_json(&dump.dom, &dump.stderr)
        })
        .collect();
    Seen::parse("chromium", &json[0], &json[1])
}

/// Headless Firefox ESR's navigations to `/fingerprint` (the first request of its
/// connection) and `/echo`, through WebDriver BiDi. Its JSON viewer is turned off (the
/// document is then the JSON text), and HTTP/2 too unless `h2`.
fn firefox(wire: &WireServe, h2: bool) -> Seen {
    let (mut firefox, _scratch) = firefox_with_cookies(
        "profiles-firefox",
        wire,
        h2,
        "user_pref(\"devtools.jsonview.enabled\", false);\n",
        COOKIES,
        DEADLINE,
    );
    let mut json = Vec::new();
    for path in ["/fingerprint", "/echo"] {
        firefox.navigate(&format!("https://localhost:{}{path}", wire.port()));
        json.push(firefox.eval_string("document.body.textContent"));
    }
    let status = firefox.close();
    assert!(status.success(), "firefox-esr: {status}");
    Seen::parse("firefox-esr", &json[0], &json[1])
}

/// The cookies each browser and our client hold for the origin (`wire serve`'s
/// `/cookies/keep` sets them in a browser; our client's store is seeded with them): three, so
/// the `Cookie` field's place and its shape on HTTP/2 (one field per crumb, or one folded
/// field) are compared too.
const COOKIES: &str = "a=1&bb=22&ccc=333";

/// Compares `browser` with `ours` and checks the differences against `known` (exactly, in
/// order); prints both sides' fingerprints and the differences either way.
fn check(what: &str, version: &str, browser: &Seen, ours: &Seen, known: &[&str]) {
    let diffs = compare(browser, ours);
    let akamai = |s: &Seen| s.h2.as_ref().map_or("-".to_owned(), |h| h.akamai.clone());
    eprintln!(
        "{what} ({version}):\n  browser {} {}\n  ours    {} {}\n  browser {}\n  ours    {}\n  \
         browser's header names: {}\n  {} differences:",
        browser.ja4,
        akamai(browser),
        ours.ja4,
        akamai(ours),
        browser.ja4_r,
        ours.ja4_r,
        browser.names.join(", "),
        diffs.len()
    );
    for d in &diffs {
        let tag = if known.contains(&d.as_str()) {
            "known"
        } else {
            "NEW  "
        };
        eprintln!("    {tag} {d}");
    }
    let gone: Vec<&&str> = known
        .iter()
        .filter(|k| !diffs.iter().any(|d| d == *k))
        .collect();
    for g in &gone {
        eprintln!("    GONE  {g}");
    }
    assert!(
        diffs == known,
        "{what}: the differences between the browser and our profile moved (NEW: not known \
         before, GONE: known but no longer seen; see the lines above): {diffs:#?}"
    );
}

/// Chromium 156's differences from our `chromium` profile over HTTP/2, each a documented
/// limit (`tls/src/profile.rs`): the Trust Anchor Identifiers extension (0xca34) and the
/// ML-DSA signature algorithms cannot be sent through the `boring2` fork's BoringSSL, so
/// JA4's extension count and hash differ; headless Chromium names itself `HeadlessChrome`
/// where a window says `Chrome`.
const CHROMIUM_H2_KNOWN: &[&str] = &[
    "ja4 a: browser t13d1517h2, ours t13d1516h2",
    "ja4 c (extension hash): browser cb7bf5808d99, ours d8a2da3f94cd",
    "ja4_r extensions: browser only [ca34]",
    "ja4_r signature algorithms: browser only [0904,0905,0906]",
    "header user-agent: browser \"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36\", ours \"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36\"",
];

/// The same over HTTP/1.1, where ALPN offers `http/1.1` alone: neither side sends ALPS, so
/// the same two limits make the differences (one extension fewer, another hash).
const CHROMIUM_H1_KNOWN: &[&str] = &[
    "ja4 a: browser t13d1516h1, ours t13d1515h1",
    "ja4 c (extension hash): browser 5b37b36a67c0, ours 0a20fe35d3a5",
    "ja4_r extensions: browser only [ca34]",
    "ja4_r signature algorithms: browser only [0904,0905,0906]",
    "header User-Agent: browser \"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36\", ours \"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36\"",
];

/// Firefox ESR 153 and our `firefox-esr` profile over HTTP/2: no difference (the `boring2`
/// fork sends `record_size_limit` and `delegated_credentials`).
const FIREFOX_H2_KNOWN: &[&str] = &[];

/// The same over HTTP/1.1.
const FIREFOX_H1_KNOWN: &[&str] = &[];

/// Each browser's JA4 over HTTP/2 is the one its profile cites from the capture.
fn check_capture(profile: &Profile, browser: &Seen) {
    assert_eq!(
        browser.ja4, profile.published_ja4,
        "{}: the browser's JA4 moved from the capture the profile cites",
        profile.name
    );
}

#[test]
#[ignore = "needs Debian's chromium and certutil (scripts/test.sh installs them)"]
fn chromium_against_its_profile() {
    let profile = &tls::profile::CHROMIUM;
    let version = browsers::version("chromium");
    let wire = browsers::wire_tls();
    let b = chromium(&wire, true);
    check(
        "chromium over HTTP/2",
        &version,
        &b,
        &ours(&wire, profile, true),
        CHROMIUM_H2_KNOWN,
    );
    check_capture(profile, &b);
    let b = chromium(&wire, false);
    check(
        "chromium over HTTP/1.1",
        &version,
        &b,
        &ours(&wire, profile, false),
        CHROMIUM_H1_KNOWN,
    );
}

#[test]
#[ignore = "needs Debian's firefox-esr and certutil (scripts/test.sh installs them)"]
fn firefox_esr_against_its_profile() {
    let profile = &tls::profile::FIREFOX_ESR;
    let version = browsers::version("firefox-esr");
    let wire = browsers::wire_tls();
    let b = firefox(&wire, true);
    check(
        "firefox-esr over HTTP/2",
        &version,
        &b,
        &ours(&wire, profile, true),
        FIREFOX_H2_KNOWN,
    );
    check_capture(profile, &b);
    let b = firefox(&wire, false);
    check(
        "firefox-esr over HTTP/1.1",
        &version,
        &b,
        &ours(&wire, profile, false),
        FIREFOX_H1_KNOWN,
    );
}
