//! Browser profiles end to end in the client ([`ClientConfig::profile`]): our client, shaped
//! by each built-in profile, against our own TLS server's `/fingerprint` (the ClientHello
//! kept, as `wire serve --tls` answers it), over HTTP/2 and over HTTP/1.1 (`alpn_h2` off):
//! the JA4 is the one the profile's ClientHello has (`support/profile_ja4.rs`, Chrome's the
//! published one), the Akamai string is the profile's, and the header names arrive in the
//! profile's order. Also: the caller's fields replacing defaults in place, the profile's
//! `Accept-Encoding` only when decoding and every coding it names decoded, the WebSocket
//! opening request in the profile's WebSocket order, and the key log holding the secrets the
//! server derived.

use std::io::Write as _;
use std::sync::{Arc, Mutex};

use runtime_mio::client::{
    Client, ClientConfig, Coding, KeyLogSink, Message, Request, ResolveOverride,
    Response as ClientResponse, Version, Wait, WebSocketRequest,
};
use runtime_mio::fingerprint::to_json;
use runtime_mio::server::{Request as ServerRequest, Response, Server, ServerConfig, WsMessage};
use tls::Profile;
use tls::profile::BUILT_IN;

#[path = "support/profile_ja4.rs"]
mod profile_ja4;
use profile_ja4::{CHROME_JA4, expected_ja4};
#[path = "support/tls_server.rs"]
mod tls_server;
use tls_server::self_signed_tls_with;

/// The body every `/coded/TOKEN` answer decodes to.
const PLAIN: &[u8] = b"a body compressed with each coding a browser asks for\n";

/// The request's fields as `name: value` lines in received order.
fn echo_lines(req: &ServerRequest) -> Vec<u8> {
    let mut t = Vec::new();
    for (n, v) in req.headers() {
        t.extend_from_slice(n.as_bytes());
        t.extend_from_slice(b": ");
        t.extend_from_slice(v);
        t.push(b'\n');
    }
    t
}

/// `/fingerprint`: `wire serve`'s JSON. `/echo`: `name: value` lines in received order.
/// `/coded/TOKEN`: [`PLAIN`] compressed with TOKEN (500 for a token it cannot encode).
/// `/ws/request`: a WebSocket (HTTP/1.1 upgrade or RFC 8441 extended CONNECT) answering each
/// message with its opening request's method and `/echo`'s lines, subprotocols `chat.v1` and
/// `chat.v2` accepted.
fn handler(req: &ServerRequest) -> Response {
    let path = req.path();
    if path == "/ws/request" {
        let mut opening = format!("{}\n", req.method()).into_bytes();
        opening.extend(echo_lines(req));
        let opening = String::from_utf8(opening).unwrap();
        return Response::websocket(move |m| match m {
            WsMessage::Close { .. } => Vec::new(),
            _ => vec![WsMessage::Text(opening.clone())],
        })
        .with_protocols(&["chat.v1", "chat.v2"]);
    }
    if path == "/fingerprint" {
        return Response::new(200)
            .with_header("Content-Type", "application/json")
            .with_body(to_json(req.fingerprint(), req.headers().map(|(n, _)| n)));
    }
    if path == "/echo" {
        return Response::new(200).with_body(echo_lines(req));
    }
    if let Some(token) = path.strip_prefix("/coded/") {
        let body = match token {
            "gzip" => {
                let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
                e.write_all(PLAIN).unwrap();
                e.finish().unwrap()
            }
            "deflate" => {
                let mut e =
                    flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
                e.write_all(PLAIN).unwrap();
                e.finish().unwrap()
            }
            "br" => {
                let mut out = Vec::new();
                {
                    let mut w = brotli::CompressorWriter::new(&mut out, 4096, 9, 22);
                    w.write_all(PLAIN).unwrap();
                }
                out
            }
            "zstd" => zstd::encode_all(PLAIN, 3).unwrap(),
            other => return Response::text(500, format!("cannot encode {other}\n")),
        };
        return Response::new(200)
            .with_header("Content-Encoding", token)
            .with_body(body);
    }
    Response::text(404, "not found\n")
}

/// Our TLS server (HTTP/2 and HTTP/1.1 by ALPN), fingerprinting with the ClientHello kept,
/// handing its key log lines to `key_log` when given; and its root certificate.
fn tls_server(key_log: Option<Arc<dyn tls::KeyLog>>) -> (Server, Vec<u8>) {
    let (tls, pem) = self_signed_tls_with(&["localhost"], |b| {
        b.keep_client_hello(true);
        if let Some(log) = key_log {
            b.key_log(log);
        }
    });
    let config = ServerConfig {
        threads: 1,
        tls: Some(tls),
        fingerprint: true,
        ..ServerConfig::default()
    };
    let s = Server::bind("127.0.0.1:0".parse().unwrap(), config, handler).unwrap();
    (s, pem)
}

/// A client trusting `root`, reaching `localhost` at `server`, shaped by `profile`.
fn client(server: &Server, root: &[u8], profile: &'static Profile, alpn_h2: bool) -> Client {
    let port = server.local_addr().port();
    Client::new(ClientConfig {
        profile: Some(profile.into()),
        alpn_h2,
        system_roots: false,
        root_pems: vec![root.to_vec()],
        resolve: vec![ResolveOverride::parse(&format!("localhost:{port}:127.0.0.1")).unwrap()],
        ..ClientConfig::default()
    })
    .unwrap()
}

fn url(server: &Server, path: &str) -> String {
    format!("https://localhost:{}{path}", server.local_addr().port())
}

fn body(mut resp: ClientResponse) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(chunk) = resp.body().chunk(Wait::Block).unwrap() {
        out.extend_from_slice(&chunk);
    }
    out
}

/// The string value of `"key":"..."` in `json` (no escapes in the values looked up here).
fn field<'a>(json: &'a str, key: &str) -> Option<&'a str> {
    let pat = format!("\"{key}\":\"");
    let start = json.find(&pat)? + pat.len();
    let len = json[start..].find('"')?;
    Some(&json[start..start + len])
}

/// The fields of a profile's list sent without cookies: those with a value (an empty value is
/// a position only, for `Cookie`).
fn sent<'a>(list: &'a [tls::profile::Header]) -> impl Iterator<Item = &'a str> + 'a {
    list.iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(n, _)| &**n)
}

/// The end of `/fingerprint`'s JSON for these header names in this order.
fn headers_tail<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    let quoted: Vec<String> = names.into_iter().map(|n| format!("\"{n}\"")).collect();
    format!("\"headers\":[{}]}}\n", quoted.join(","))
}

/// Each built-in profile over TLS and HTTP/2: the profile's JA4 (Chrome's the published
/// one), its Akamai string, its HTTP/2 header names in its order.
#[test]
fn each_profile_over_h2_is_seen_as_itself() {
    let (s, root) = tls_server(None);
    for profile in BUILT_IN {
        let c = client(&s, &root, profile, true);
        let resp = c
            .request(Request::get(&url(&s, "/fingerprint")).unwrap())
            .unwrap();
        assert_eq!(resp.version(), Version::H2, "{}", profile.name);
        let json = String::from_utf8(body(resp)).unwrap();
        let ja4 = field(&json, "ja4").unwrap_or_else(|| panic!("{}: {json}", profile.name));
        assert_eq!(
            ja4,
            expected_ja4(profile, None, "localhost"),
            "{}: {json}",
            profile.name
        );
        if profile.name == "chrome" {
            assert_eq!(ja4, CHROME_JA4);
        }
        assert_eq!(
            field(&json, "akamai"),
            Some(profile.http2.akamai_text().as_str()),
            "{}: {json}",
            profile.name
        );
        assert_eq!(field(&json, "alpn"), Some("h2"), "{json}");
        assert!(
            json.ends_with(&headers_tail(sent(&profile.http2_headers))),
            "{}: {json}",
            profile.name
        );
    }
    s.shutdown().unwrap();
}

/// Each built-in profile over TLS and HTTP/1.1 (`alpn_h2` off, so ALPN offers `http/1.1`
/// only): the JA4 of the profile's ClientHello with that ALPN, no HTTP/2 part, `Host` then
/// the profile's HTTP/1.1 header names in its order and case.
#[test]
fn each_profile_over_h1_is_seen_as_itself() {
    let (s, root) = tls_server(None);
    for profile in BUILT_IN {
        let c = client(&s, &root, profile, false);
        let resp = c
            .request(Request::get(&url(&s, "/fingerprint")).unwrap())
            .unwrap();
        assert_eq!(resp.version(), Version::Http11, "{}", profile.name);
        let json = String::from_utf8(body(resp)).unwrap();
        let ja4 = field(&json, "ja4").unwrap_or_else(|| panic!("{}: {json}", profile.name));
        let want = expected_ja4(profile, Some(&[b"http/1.1"]), "localhost");
        assert_eq!(ja4, want, "{}: {json}", profile.name);
        // The same ClientHello as over HTTP/2 but for the ALPN characters and, for a profile
        // with ALPS (Chrome's), one extension fewer: ALPS goes only with `h2` offered.
        let h2 = expected_ja4(profile, None, "localhost");
        let (a, rest) = h2.split_at(10);
        let a = if profile.tls.alps.is_some() {
            let count: u32 = a[6..8].parse().unwrap();
            format!("{}{:02}h1", &a[..6], count - 1)
        } else {
            a.replacen("h2", "h1", 1)
        };
        assert_eq!(want[..10], a, "{}", profile.name);
        // The cipher hash always equal, the extension hash too without ALPS.
        assert_eq!(want[10..23], rest[..13], "{}", profile.name);
        if profile.tls.alps.is_none() {
            assert_eq!(want[10..], *rest, "{}", profile.name);
        }
        assert_eq!(field(&json, "alpn"), Some("http/1.1"), "{json}");
        assert!(json.contains("\"http2\":null"), "{json}");
        let names = std::iter::once("Host").chain(sent(&profile.http1_headers));
        assert!(
            json.ends_with(&headers_tail(names)),
            "{}: {json}",
            profile.name
        );
    }
    s.shutdown().unwrap();
}

/// The caller's fields replace the profile's defaults of the same name in place (their
/// value, their case over HTTP/1.1), others follow in the caller's order; with decoding off
/// the profile's `Accept-Encoding` is left out.
#[test]
fn caller_fields_replace_defaults_in_place() {
    let (s, root) = tls_server(None);
    let chrome = &tls::profile::CHROME;
    for alpn_h2 in [true, false] {
        let c = client(&s, &root, chrome, alpn_h2);
        let req = Request::get(&url(&s, "/echo"))
            .unwrap()
            .header("X-Extra", "1")
            .header("user-agent", "wire-test")
            .header("X-Last", "2");
        let text = String::from_utf8(body(c.request(req).unwrap())).unwrap();
        let lines: Vec<(&str, &str)> = text.lines().map(|l| l.split_once(": ").unwrap()).collect();
        let defaults = if alpn_h2 {
            &chrome.http2_headers
        } else {
            &chrome.http1_headers
        };
        let defaults: Vec<(&str, &str)> = defaults
            .iter()
            .map(|(n, v)| (&**n, &**v))
            .filter(|(_, v)| !v.is_empty())
            .collect();
        let mut want: Vec<(&str, &str)> = defaults
            .iter()
            .map(|&(n, v)| {
                if n.eq_ignore_ascii_case("user-agent") {
                    ("user-agent", "wire-test")
                } else {
                    (n, v)
                }
            })
            .collect();
        want.extend([("X-Extra", "1"), ("X-Last", "2")]);
        if alpn_h2 {
            for w in &mut want[defaults.len()..] {
                w.0 = if w.0 == "X-Extra" {
                    "x-extra"
                } else {
                    "x-last"
                };
            }
        } else {
            want.insert(0, ("Host", "")); // its value checked below
        }
        let got: Vec<(&str, &str)> = lines
            .iter()
            .map(|&(n, v)| if n == "Host" { (n, "") } else { (n, v) })
            .collect();
        assert_eq!(got, want, "h2 {alpn_h2}: {text}");

        // Decoding off: no `Accept-Encoding`, the rest as before.
        let req = Request::get(&url(&s, "/fingerprint"))
            .unwrap()
            .decompress(false);
        let json = String::from_utf8(body(c.request(req).unwrap())).unwrap();
        assert!(
            !json.to_ascii_lowercase().contains("\"accept-encoding\""),
            "h2 {alpn_h2}: {json}"
        );
        assert!(json.contains("\"accept-language\"") || json.contains("\"Accept-Language\""));
    }
    s.shutdown().unwrap();
}

/// The cookies of [`cookies_go_where_the_browser_sends_them`], as the store sends them.
const FOLDED: &str = "a=1; bb=22; ccc=333";

/// With cookies (three in the client's store, or the caller's own `Cookie` field), each
/// built-in profile sends them at its `Cookie` position: over HTTP/1.1 as one folded field,
/// over HTTP/2 as one `cookie` field per cookie-pair when the profile splits them
/// (`cookie_crumbs`: Chrome, Firefox, Chromium, Firefox ESR), else one field. Checked by
/// names in received order (`/fingerprint`) and fields with values (`/echo`).
#[test]
fn cookies_go_where_the_browser_sends_them() {
    let (s, root) = tls_server(None);
    for profile in BUILT_IN {
        for alpn_h2 in [true, false] {
            let what = format!("{} h2 {alpn_h2}", profile.name);
            let c = client(&s, &root, profile, alpn_h2);
            let jar = c.cookie_jar().unwrap();
            let origin = runtime_mio::client::Url::parse(&url(&s, "/")).unwrap();
            for kv in FOLDED.split("; ") {
                assert!(jar.set_cookie(&origin, &format!("{kv}; Path=/")), "{kv}");
            }
            for (given, folded) in [(None, FOLDED), (Some("x=9; y=8"), "x=9; y=8")] {
                // What the profile says: its fields, the cookie at its position.
                let list = if alpn_h2 {
                    &profile.http2_headers
                } else {
                    &profile.http1_headers
                };
                let mut want: Vec<(&str, &str)> = Vec::new();
                if !alpn_h2 {
                    want.push(("Host", "")); // its value is not compared
                }
                for (n, v) in list.iter() {
                    let (n, v) = (&**n, &**v);
                    if !v.is_empty() {
                        want.push((n, v));
                    } else if n.eq_ignore_ascii_case("cookie") {
                        let name = if given.is_some() && !alpn_h2 {
                            "Cookie"
                        } else {
                            n
                        };
                        if alpn_h2 && profile.http2.cookie_crumbs {
                            want.extend(folded.split("; ").map(|c| (name, c)));
                        } else {
                            want.push((name, folded));
                        }
                    }
                }
                let req = |path: &str| {
                    let r = Request::get(&url(&s, path)).unwrap();
                    let r = match given {
                        Some(v) => r.header("Cookie", v),
                        None => r,
                    };
                    String::from_utf8(body(c.request(r).unwrap())).unwrap()
                };
                let echo = req("/echo");
                let got: Vec<(&str, &str)> = echo
                    .lines()
                    .map(|l| l.split_once(": ").unwrap())
                    .map(|(n, v)| if n == "Host" { (n, "") } else { (n, v) })
                    .collect();
                assert_eq!(got, want, "{what} {given:?}: {echo}");
                let json = req("/fingerprint");
                assert!(
                    json.ends_with(&headers_tail(want.iter().map(|(n, _)| *n))),
                    "{what} {given:?}: {json}"
                );
                // Independently of the lists: the cookie pairs are all there, split on HTTP/2
                // exactly for the profiles that split, and no cookie follows `priority`.
                let cookies: Vec<&str> = got
                    .iter()
                    .filter(|(n, _)| n.eq_ignore_ascii_case("cookie"))
                    .map(|(_, v)| *v)
                    .collect();
                assert_eq!(cookies.join("; "), folded, "{what}");
                let split = alpn_h2 && profile.name != "safari";
                assert_eq!(cookies.len() > 1, split, "{what}: {cookies:?}");
                let last_cookie = got
                    .iter()
                    .rposition(|(n, _)| n.eq_ignore_ascii_case("cookie"));
                let priority = got
                    .iter()
                    .position(|(n, _)| n.eq_ignore_ascii_case("priority"));
                if let (Some(c), Some(p)) = (last_cookie, priority) {
                    assert!(c < p, "{what}: cookie after priority: {got:?}");
                }
            }
        }
    }
    s.shutdown().unwrap();
}

/// Each built-in profile's WebSocket opening request, over HTTP/2 (extended CONNECT) and
/// HTTP/1.1 (`Upgrade` GET): the fields of the profile's WebSocket list in its order, those
/// with a value as they are, each position filled by the handshake's field, the caller's
/// `Origin` or the store's cookies (split on HTTP/2 where the profile says so), and left out
/// when the request has none (no `Origin`, no subprotocol, no cookie, no deflate offer); no
/// other field. The deflate offer has the profile's shape, and the server's answer arrives.
#[test]
fn websocket_opening_request_follows_the_profile() {
    let (s, root) = tls_server(None);
    let port = s.local_addr().port();
    let origin = format!("https://localhost:{port}");
    for profile in BUILT_IN {
        for alpn_h2 in [true, false] {
            // Everything a position can take, then nothing.
            for full in [true, false] {
                let what = format!("{} h2 {alpn_h2} full {full}", profile.name);
                let c = client(&s, &root, profile, alpn_h2);
                if full {
                    let jar = c.cookie_jar().unwrap();
                    let o = runtime_mio::client::Url::parse(&url(&s, "/")).unwrap();
                    for kv in FOLDED.split("; ") {
                        assert!(jar.set_cookie(&o, &format!("{kv}; Path=/")), "{kv}");
                    }
                }
                let mut req =
                    WebSocketRequest::new(&format!("wss://localhost:{port}/ws/request")).unwrap();
                req = if full {
                    req.protocols(&["chat.v1", "chat.v2"])
                        .header("Origin", &origin)
                } else {
                    req.deflate(None)
                };
                let mut ws = c.websocket(req).unwrap();
                let want_version = if alpn_h2 {
                    Version::H2
                } else {
                    Version::Http11
                };
                assert_eq!(ws.version(), want_version, "{what}");
                ws.send_text("request?").unwrap();
                let Some(Message::Text(text)) = ws.recv(Wait::Block).unwrap() else {
                    panic!("{what}: no answer");
                };
                ws.close(1000, "").unwrap();
                while ws.recv(Wait::Block).unwrap().is_some() {}
                let mut lines = text.lines();
                let method = lines.next().unwrap();
                assert_eq!(method, if alpn_h2 { "CONNECT" } else { "GET" }, "{what}");
                // Random or per-connection values are not compared.
                let got: Vec<(&str, &str)> = lines
                    .map(|l| l.split_once(": ").unwrap())
                    .map(|(n, v)| {
                        if n == "Host" || n.eq_ignore_ascii_case("sec-websocket-key") {
                            (n, "")
                        } else {
                            (n, v)
                        }
                    })
                    .collect();
                // What the profile says, each position with what fills it.
                let deflate = if profile.websocket.deflate_client_max_window_bits {
                    "permessage-deflate; client_max_window_bits"
                } else {
                    "permessage-deflate"
                };
                let fill = |name: &str| -> Option<&str> {
                    Some(match name.to_ascii_lowercase().as_str() {
                        "upgrade" => "websocket",
                        "connection" => "Upgrade",
                        "sec-websocket-key" => "",
                        "sec-websocket-version" => "13",
                        "sec-websocket-extensions" if full => deflate,
                        "sec-websocket-protocol" if full => "chat.v1, chat.v2",
                        "origin" if full => &origin,
                        "cookie" if full => FOLDED,
                        _ => return None,
                    })
                };
                let list = if alpn_h2 {
                    &profile.websocket.http2_headers
                } else {
                    &profile.websocket.http1_headers
                };
                let mut want: Vec<(&str, &str)> = Vec::new();
                if !alpn_h2 {
                    want.push(("Host", ""));
                }
                for (n, v) in list.iter() {
                    let (n, v) = (&**n, &**v);
                    if !v.is_empty() {
                        want.push((n, v));
                    } else if let Some(v) = fill(n) {
                        if alpn_h2 && n == "cookie" && profile.http2.cookie_crumbs {
                            want.extend(v.split("; ").map(|c| (n, c)));
                        } else {
                            want.push((n, v));
                        }
                    }
                }
                assert_eq!(got, want, "{what}: {text}");
                // Independently of the lists: HTTP/1.1's own fields on HTTP/1.1 only, the
                // key always, the offer when made.
                let has = |name: &str| got.iter().any(|(n, _)| n.eq_ignore_ascii_case(name));
                for name in ["upgrade", "connection", "sec-websocket-key"] {
                    assert_eq!(has(name), !alpn_h2, "{what}: {name}");
                }
                assert!(has("sec-websocket-version"), "{what}");
                assert_eq!(has("sec-websocket-extensions"), full, "{what}");
                assert_eq!(has("origin"), full, "{what}");
                assert_eq!(has("cookie"), full, "{what}");
                assert!(
                    !has("accept") || profile.name.starts_with("firefox"),
                    "{what}"
                );
            }
        }
    }
    s.shutdown().unwrap();
}

/// Every coding a built-in profile's `Accept-Encoding` names (HTTP/1.1 and HTTP/2) is one
/// the client decodes: a server answering with each gets the plain body back.
#[test]
fn every_advertised_coding_is_decoded() {
    let (s, root) = tls_server(None);
    for profile in BUILT_IN {
        let mut tokens: Vec<&str> = Vec::new();
        for (n, v) in profile
            .http1_headers
            .iter()
            .chain(profile.http2_headers.iter())
        {
            if n.eq_ignore_ascii_case("accept-encoding") {
                tokens.extend(
                    v.split(',')
                        .map(|t| t.split(';').next().unwrap_or("").trim()),
                );
            }
        }
        assert!(!tokens.is_empty(), "{}: no Accept-Encoding", profile.name);
        for alpn_h2 in [true, false] {
            let c = client(&s, &root, profile, alpn_h2);
            for token in &tokens {
                assert!(
                    Coding::from_token(token).is_some(),
                    "{}: the client cannot decode {token:?}",
                    profile.name
                );
                let resp = c
                    .request(Request::get(&url(&s, &format!("/coded/{token}"))).unwrap())
                    .unwrap();
                assert_eq!(resp.status(), 200, "{}: {token}", profile.name);
                assert_eq!(
                    resp.decoded(),
                    [Coding::from_token(token).unwrap()],
                    "{}: {token}",
                    profile.name
                );
                assert_eq!(body(resp), PLAIN, "{}: {token}", profile.name);
            }
        }
    }
    s.shutdown().unwrap();
}

/// [`ClientConfig::key_log`]: the client's key log holds the TLS 1.3 application secret the
/// server derived for the same connection (the same `CLIENT_TRAFFIC_SECRET_0` line).
#[test]
fn key_log_lines_match_the_servers() {
    let server_lines: Arc<Mutex<Vec<String>>> = Arc::default();
    let sl = Arc::clone(&server_lines);
    let (s, root) = tls_server(Some(Arc::new(move |l: &str| {
        sl.lock().unwrap().push(l.to_owned());
    })));
    let client_lines: Arc<Mutex<Vec<String>>> = Arc::default();
    let cl = Arc::clone(&client_lines);
    let port = s.local_addr().port();
    let c = Client::new(ClientConfig {
        profile: Some((&tls::profile::CHROME).into()),
        key_log: Some(KeyLogSink::new(move |l: &str| {
            cl.lock().unwrap().push(l.to_owned());
        })),
        system_roots: false,
        root_pems: vec![root],
        resolve: vec![ResolveOverride::parse(&format!("localhost:{port}:127.0.0.1")).unwrap()],
        ..ClientConfig::default()
    })
    .unwrap();
    let resp = c.request(Request::get(&url(&s, "/echo")).unwrap()).unwrap();
    assert_eq!(resp.status(), 200);
    body(resp);
    let ours = client_lines.lock().unwrap().clone();
    let secret = ours
        .iter()
        .find(|l| l.starts_with("CLIENT_TRAFFIC_SECRET_0 "))
        .unwrap_or_else(|| panic!("{ours:?}"));
    assert_eq!(secret.split(' ').count(), 3, "{secret}");
    assert!(
        server_lines.lock().unwrap().contains(secret),
        "{secret} not among the server's {:?}",
        server_lines.lock().unwrap()
    );
    s.shutdown().unwrap();
}

/// A custom profile built from the strings our server saw from the Firefox profile (its
/// `/fingerprint` JA3 string and Akamai string), plus the signature algorithms (which JA3
/// cannot carry) and Firefox's HTTP/2 header list, is seen by the server as Firefox: the
/// published Firefox JA4, the same JA3, the same Akamai string and header order.
#[test]
fn custom_profile_from_firefox_strings_is_seen_as_firefox() {
    let (s, root) = tls_server(None);
    let firefox = &tls::profile::FIREFOX;
    let seen = |c: &Client| {
        let resp = c
            .request(Request::get(&url(&s, "/fingerprint")).unwrap())
            .unwrap();
        assert_eq!(resp.version(), Version::H2);
        String::from_utf8(body(resp)).unwrap()
    };
    let original = seen(&client(&s, &root, firefox, true));
    let ja3 = field(&original, "ja3_text").unwrap().to_owned();
    let akamai = field(&original, "akamai").unwrap().to_owned();
    assert_eq!(akamai, "1:65536;2:0;4:131072;5:16384|12517377|0|m,p,a,s");

    let options = tls::profile::CustomOptions {
        name: "firefox-from-strings".into(),
        signature_algorithms: firefox.tls.signature_algorithms.clone(),
        headers_priority: firefox.http2.headers_priority,
        http2_headers: firefox.http2_headers.clone(),
        ..tls::profile::CustomOptions::default()
    };
    let custom = Profile::from_ja3_akamai_with(&ja3, &akamai, &options).unwrap();
    let port = s.local_addr().port();
    let c = Client::new(ClientConfig {
        profile: Some(custom.into()),
        system_roots: false,
        root_pems: vec![root.clone()],
        resolve: vec![ResolveOverride::parse(&format!("localhost:{port}:127.0.0.1")).unwrap()],
        ..ClientConfig::default()
    })
    .unwrap();
    let json = seen(&c);
    assert_eq!(field(&json, "ja4"), Some(&*firefox.published_ja4), "{json}");
    assert_eq!(field(&json, "ja4"), field(&original, "ja4"));
    assert_eq!(field(&json, "ja3_text"), Some(ja3.as_str()), "{json}");
    assert_eq!(field(&json, "akamai"), Some(akamai.as_str()), "{json}");
    assert!(
        json.ends_with(&headers_tail(sent(&firefox.http2_headers))),
        "{json}"
    );
    s.shutdown().unwrap();
}

/// A request's fields, (name, value) in order.
type Fields = &'static [(&'static str, &'static str)];

/// Requests curl-impersonate recorded from the browsers our published profiles model
/// (`lexiforest/curl-impersonate`, `bin/curl_NAME`, HTTP/2 navigation, no cookie): field
/// names (lower case) and values in the recorded order. See `tls::profile`'s "Recorded
/// requests".
const RECORDED: &[(&str, &str, Fields)] = &[
    ("chrome", "chrome142", CHROME_142),
    ("chrome", "chrome145", CHROME_145),
    ("firefox", "firefox144", FIREFOX_144),
    ("firefox", "firefox147", FIREFOX_147),
    ("safari", "safari180", SAFARI_180),
];

const CHROME_ACCEPT: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7";
const CHROME_142: &[(&str, &str)] = &[
    (
        "sec-ch-ua",
        "\"Chromium\";v=\"142\", \"Google Chrome\";v=\"142\", \"Not_A Brand\";v=\"99\"",
    ),
    ("sec-ch-ua-mobile", "?0"),
    ("sec-ch-ua-platform", "\"macOS\""),
    ("upgrade-insecure-requests", "1"),
    (
        "user-agent",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36",
    ),
    ("accept", CHROME_ACCEPT),
    ("sec-fetch-site", "none"),
    ("sec-fetch-mode", "navigate"),
    ("sec-fetch-user", "?1"),
    ("sec-fetch-dest", "document"),
    ("accept-encoding", "gzip, deflate, br, zstd"),
    ("accept-language", "en-US,en;q=0.9"),
    ("priority", "u=0, i"),
];
const CHROME_145: &[(&str, &str)] = &[
    (
        "sec-ch-ua",
        "\"Not:A-Brand\";v=\"99\", \"Google Chrome\";v=\"145\", \"Chromium\";v=\"145\"",
    ),
    ("sec-ch-ua-mobile", "?0"),
    ("sec-ch-ua-platform", "\"macOS\""),
    ("upgrade-insecure-requests", "1"),
    (
        "user-agent",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/145.0.0.0 Safari/537.36",
    ),
    ("accept", CHROME_ACCEPT),
    ("sec-fetch-site", "none"),
    ("sec-fetch-mode", "navigate"),
    ("sec-fetch-user", "?1"),
    ("sec-fetch-dest", "document"),
    ("accept-encoding", "gzip, deflate, br, zstd"),
    ("accept-language", "en-US,en;q=0.9"),
    ("priority", "u=0, i"),
];
const FIREFOX_ACCEPT: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
const FIREFOX_144: &[(&str, &str)] = &[
    (
        "user-agent",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:144.0) Gecko/20100101 Firefox/144.0",
    ),
    ("accept", FIREFOX_ACCEPT),
    ("accept-language", "en-US,en;q=0.5"),
    ("accept-encoding", "gzip, deflate, br, zstd"),
    ("upgrade-insecure-requests", "1"),
    ("sec-fetch-dest", "document"),
    ("sec-fetch-mode", "navigate"),
    ("sec-fetch-site", "none"),
    ("sec-fetch-user", "?1"),
    ("priority", "u=0, i"),
    ("te", "trailers"),
];
const FIREFOX_147: &[(&str, &str)] = &[
    (
        "user-agent",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:147.0) Gecko/20100101 Firefox/147.0",
    ),
    ("accept", FIREFOX_ACCEPT),
    ("accept-language", "en-US,en;q=0.9"),
    ("accept-encoding", "gzip, deflate, br, zstd"),
    ("upgrade-insecure-requests", "1"),
    ("sec-fetch-dest", "document"),
    ("sec-fetch-mode", "navigate"),
    ("sec-fetch-site", "none"),
    ("sec-fetch-user", "?1"),
    ("priority", "u=0, i"),
    ("te", "trailers"),
];
const SAFARI_180: &[(&str, &str)] = &[
    ("sec-fetch-dest", "document"),
    (
        "user-agent",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Safari/605.1.15",
    ),
    ("accept", FIREFOX_ACCEPT),
    ("sec-fetch-site", "none"),
    ("sec-fetch-mode", "navigate"),
    ("accept-language", "en-US,en;q=0.9"),
    ("priority", "u=0, i"),
    ("accept-encoding", "gzip, deflate, br"),
];

/// Fields whose recorded value names the recording's browser version or platform (macOS
/// there; Windows in our Chrome and Firefox profiles), or its locale setting (Firefox 147's
/// `Accept-Language`): their values are not compared, their places are.
const VERSIONED: &[&str] = &[
    "sec-ch-ua",
    "sec-ch-ua-platform",
    "user-agent",
    "accept-language",
];

/// Each published profile's first request over HTTP/2, as our server's `/echo` sees it, has
/// the fields of curl-impersonate's recorded request of that browser (the versions around
/// the modelled one) in the same order with the same values (but [`VERSIONED`] ones); the
/// HTTP/2 side gives the recorded SETTINGS, WINDOW_UPDATE and pseudo-header order
/// (`tests/profile_akamai.rs`).
#[test]
fn first_request_matches_the_recorded_browsers() {
    let (s, root) = tls_server(None);
    for (name, record, fields) in RECORDED {
        let profile = Profile::by_name(name).unwrap();
        let c = client(&s, &root, profile, true);
        let resp = c.request(Request::get(&url(&s, "/echo")).unwrap()).unwrap();
        assert_eq!(resp.version(), Version::H2, "{name}");
        let echo = String::from_utf8(body(resp)).unwrap();
        let got: Vec<(&str, &str)> = echo.lines().map(|l| l.split_once(": ").unwrap()).collect();
        let names = |v: &[(&str, &str)]| v.iter().map(|(n, _)| n.to_string()).collect::<Vec<_>>();
        assert_eq!(
            names(&got),
            names(fields),
            "{name} against {record}: {echo}"
        );
        for ((n, ours), (_, theirs)) in got.iter().zip(fields.iter()) {
            if !VERSIONED.contains(n) {
                assert_eq!(ours, theirs, "{name} against {record}: {n}");
            }
        }
        // Our own version's values where the record is another version's.
        let ua = got.iter().find(|(n, _)| *n == "user-agent").unwrap().1;
        assert!(
            ua.contains(match *name {
                "chrome" => "Chrome/143.0.0.0",
                "firefox" => "Firefox/145.0",
                _ => "Version/18.0 Safari",
            }),
            "{name}: {ua}"
        );
    }
    s.shutdown().unwrap();
}
