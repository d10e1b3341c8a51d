//! The cookie store against our own servers: cookies set and sent back (HTTP/1.1 and h2c,
//! shared by clones), path, host-only and `Secure` rules (a TLS server and a cleartext one
//! on the same host), expiry and deletion, replacement by name, domain and path, seeding,
//! reading and turning the store off, and a cookie set by a redirect used on the next hop.

use std::sync::Arc;
use std::time::Duration;

use runtime_mio::client::{Client, ClientConfig, Cookie, Request, SameSite};
use runtime_mio::server::{Response, Server, ServerConfig};

#[path = "support/tls_server.rs"]
mod tls_server;
use tls_server::self_signed_tls;

fn unescape(s: &str) -> String {
    runtime_mio::client::percent_decode(s).expect("a valid escape")
}

fn escape(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// `.../set?c=SETCOOKIE&c=...`: one `Set-Cookie` per `c` (and a 302 to `l` when given);
/// any other path: the request's `Cookie` field, or `-`.
fn handler(req: &runtime_mio::server::Request) -> Response {
    if req.path().ends_with("/set") {
        let mut resp = Response::new(200);
        let mut location = None;
        for kv in req.query().unwrap_or_default().split('&') {
            match kv.split_once('=') {
                Some(("c", v)) => resp = resp.with_header("Set-Cookie", unescape(v)),
                Some(("l", v)) => location = Some(unescape(v)),
                _ => {}
            }
        }
        if let Some(l) = location {
            let mut r = Response::new(302).with_header("Location", l);
            for (n, v) in resp.headers() {
                if n.eq_ignore_ascii_case("set-cookie") {
                    r = r.with_header("Set-Cookie", v);
                }
            }
            return r;
        }
        return resp;
    }
    let cookies: Vec<String> = req
        .headers()
        .filter(|(n, _)| n.eq_ignore_ascii_case("cookie"))
        .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
        .collect();
    if cookies.is_empty() {
        Response::text(200, "-")
    } else {
        Response::text(200, cookies.join(" + "))
    }
}

fn serve(tls: Option<Arc<tls::ServerConfig>>) -> Server {
    Server::bind(
        "127.0.0.1:0".parse().unwrap(),
        ServerConfig {
            threads: 1,
            tls,
            ..ServerConfig::default()
        },
        handler,
    )
    .unwrap()
}

fn set_url(base: &str, path: &str, cookies: &[&str]) -> String {
    let q: Vec<String> = cookies.iter().map(|c| format!("c={}", escape(c))).collect();
    format!("{base}{path}/set?{}", q.join("&"))
}

fn get(client: &Client, url: &str) -> String {
    let mut r = client.request(Request::get(url).unwrap()).unwrap();
    assert_eq!(r.status(), 200, "{url}");
    String::from_utf8(r.body().read_to_end().unwrap()).unwrap()
}

#[test]
fn set_sent_back_shared_by_clones_and_replaced() {
    for h2c in [false, true] {
        let server = serve(None);
        let base = format!("http://{}", server.local_addr());
        let client = Client::new(ClientConfig {
            h2_prior_knowledge: h2c,
            ..ClientConfig::default()
        })
        .unwrap();
        assert_eq!(get(&client, &format!("{base}/show")), "-");
        get(
            &client,
            &set_url(&base, "", &["a=1", "b=2; SameSite=Lax; HttpOnly"]),
        );
        assert_eq!(get(&client, &format!("{base}/show")), "a=1; b=2");
        // A clone shares the store.
        let clone = client.clone();
        assert_eq!(get(&clone, &format!("{base}/show")), "a=1; b=2");
        // Same name, domain and path: replaced in place; another path: a second cookie,
        // sent first (longer path).
        get(&clone, &set_url(&base, "", &["a=3", "a=4; Path=/show"]));
        assert_eq!(get(&client, &format!("{base}/show")), "a=4; a=3; b=2");
        assert_eq!(get(&client, &format!("{base}/other")), "a=3; b=2");
        let jar = client.cookie_jar().unwrap();
        let listed: Vec<(String, String, String, bool)> = jar
            .cookies()
            .into_iter()
            .map(|c| (c.name, c.value, c.path, c.host_only))
            .collect();
        assert_eq!(
            listed,
            [
                ("a".into(), "3".into(), "/".into(), true),
                ("b".into(), "2".into(), "/".into(), true),
                ("a".into(), "4".into(), "/show".into(), true),
            ]
        );
        let b = jar.cookies().into_iter().find(|c| c.name == "b").unwrap();
        assert_eq!(b.same_site, Some(SameSite::Lax));
        assert!(b.http_only);
        assert_eq!(b.domain, "127.0.0.1");
        server.shutdown().unwrap();
    }
}

#[test]
fn path_and_host_rules() {
    let server = serve(None);
    let port = server.local_addr().port();
    let ip = format!("http://127.0.0.1:{port}");
    let name = format!("http://localhost:{port}");
    let client = Client::new(ClientConfig::default()).unwrap();
    // Path attribute; the default path is the setting URL's directory (/app/sub).
    get(
        &client,
        &set_url(&ip, "/app/sub", &["dflt=1", "deep=1; Path=/app/deep"]),
    );
    assert_eq!(get(&client, &format!("{ip}/app/sub")), "dflt=1");
    assert_eq!(get(&client, &format!("{ip}/app/sub/x")), "dflt=1");
    assert_eq!(get(&client, &format!("{ip}/app/subway")), "-");
    assert_eq!(get(&client, &format!("{ip}/app/deep/y?z")), "deep=1");
    assert_eq!(get(&client, &format!("{ip}/app")), "-");
    // Host-only: a cookie of 127.0.0.1 does not go to localhost (same port, same server).
    assert_eq!(get(&client, &format!("{name}/app/sub")), "-");
    // A Domain that does not cover the host is refused; one equal to it is kept. `localhost`
    // is a public suffix (the list's implicit `*` rule), so the cookie is host-only, as if
    // it had no Domain (RFC 6265 5.3 step 5): it would not cover `a.localhost`.
    get(&client, &set_url(&ip, "", &["bad=1; Domain=localhost"]));
    get(&client, &set_url(&name, "", &["good=1; Domain=localhost"]));
    assert_eq!(get(&client, &format!("{name}/x")), "good=1");
    assert_eq!(get(&client, &format!("{ip}/x")), "-");
    let good = client
        .cookie_jar()
        .unwrap()
        .cookies()
        .into_iter()
        .find(|c| c.name == "good")
        .unwrap();
    assert!(good.host_only);
    assert!(
        client
            .cookie_jar()
            .unwrap()
            .cookies()
            .iter()
            .all(|c| c.name != "bad")
    );
    server.shutdown().unwrap();
}

#[test]
fn secure_cookies_only_over_https() {
    let (tls, pem) = self_signed_tls(&["localhost"]);
    let tls_server = serve(Some(tls));
    let plain = serve(None);
    let https = format!("https://localhost:{}", tls_server.local_addr().port());
    let http = format!("http://localhost:{}", plain.local_addr().port());
    let client = Client::new(ClientConfig {
        root_pems: vec![pem],
        ..ClientConfig::default()
    })
    .unwrap();
    // Over http a Secure cookie is refused.
    get(&client, &set_url(&http, "", &["early=1; Secure"]));
    assert_eq!(get(&client, &format!("{http}/x")), "-");
    // Over https it is kept, and sent over https only; the plain one goes to both (cookies
    // do not depend on the port).
    get(&client, &set_url(&https, "", &["s=1; Secure", "n=1"]));
    assert_eq!(get(&client, &format!("{https}/x")), "s=1; n=1");
    assert_eq!(get(&client, &format!("{http}/x")), "n=1");
    tls_server.shutdown().unwrap();
    plain.shutdown().unwrap();
}

#[test]
fn expiry_and_deletion() {
    let server = serve(None);
    let base = format!("http://{}", server.local_addr());
    let client = Client::new(ClientConfig::default()).unwrap();
    get(
        &client,
        &set_url(
            &base,
            "",
            &[
                "keep=1; Expires=Fri, 01 Jan 2100 00:00:00 GMT",
                "short=1; Max-Age=2",
                "gone=1; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
                "maxwins=1; Max-Age=3600; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
            ],
        ),
    );
    assert_eq!(
        get(&client, &format!("{base}/x")),
        "keep=1; short=1; maxwins=1"
    );
    let keep = client
        .cookie_jar()
        .unwrap()
        .cookies()
        .into_iter()
        .find(|c| c.name == "keep")
        .unwrap();
    assert_eq!(
        keep.expires
            .unwrap()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs(),
        4_102_444_800
    );
    // Max-Age=0 (and a past Expires) delete the stored cookie.
    get(&client, &set_url(&base, "", &["keep=1; Max-Age=0"]));
    assert_eq!(get(&client, &format!("{base}/x")), "short=1; maxwins=1");
    // Max-Age=2 runs out.
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(get(&client, &format!("{base}/x")), "maxwins=1");
    get(
        &client,
        &set_url(
            &base,
            "",
            &["maxwins=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT"],
        ),
    );
    assert_eq!(get(&client, &format!("{base}/x")), "-");
    assert!(client.cookie_jar().unwrap().cookies().is_empty());
    server.shutdown().unwrap();
}

#[test]
fn seed_read_clear_and_off() {
    let server = serve(None);
    let base = format!("http://{}", server.local_addr());
    let client = Client::new(ClientConfig::default()).unwrap();
    let jar = client.cookie_jar().unwrap();
    jar.insert(Cookie::new("seeded", "v", "127.0.0.1"));
    let url = runtime_mio::client::Url::parse(&base).unwrap();
    assert!(jar.set_cookie(&url, "also=2; Path=/p"));
    assert_eq!(get(&client, &format!("{base}/x")), "seeded=v");
    assert_eq!(get(&client, &format!("{base}/p")), "also=2; seeded=v");
    // A Cookie field of the caller's own wins over the store.
    let mut r = client
        .request(
            Request::get(&format!("{base}/x"))
                .unwrap()
                .header("Cookie", "own=1"),
        )
        .unwrap();
    assert_eq!(r.body().read_to_end().unwrap(), b"own=1");
    jar.clear();
    assert_eq!(get(&client, &format!("{base}/x")), "-");

    // Off: no store, Set-Cookie ignored, the caller's own field still sent.
    let off = Client::new(ClientConfig {
        cookies: false,
        ..ClientConfig::default()
    })
    .unwrap();
    assert!(off.cookie_jar().is_none());
    get(&off, &set_url(&base, "", &["x=1"]));
    assert_eq!(get(&off, &format!("{base}/x")), "-");
    let mut r = off
        .request(
            Request::get(&format!("{base}/x"))
                .unwrap()
                .header("Cookie", "own=2"),
        )
        .unwrap();
    assert_eq!(r.body().read_to_end().unwrap(), b"own=2");
    server.shutdown().unwrap();
}

#[test]
fn cookie_set_by_a_redirect_goes_to_the_next_hop() {
    let server = serve(None);
    let port = server.local_addr().port();
    let base = format!("http://127.0.0.1:{port}");
    let client = Client::new(ClientConfig::default()).unwrap();
    let url = format!(
        "{}&l={}",
        set_url(&base, "", &["via=redirect"]),
        escape("/show")
    );
    let mut r = client.request(Request::get(&url).unwrap()).unwrap();
    assert_eq!(r.history().len(), 1);
    assert_eq!(r.history()[0].status, 302);
    assert_eq!(r.body().read_to_end().unwrap(), b"via=redirect");
    // To another host: the store's cookies for that host only (none).
    let url = format!(
        "{}&l={}",
        set_url(&base, "", &["second=1"]),
        escape(&format!("http://localhost:{port}/show"))
    );
    assert_eq!(get(&client, &url), "-");
    server.shutdown().unwrap();
}

/// `SameSite` against the page a request comes from (`Request::site_for_cookies`) and its
/// redirect chain: the server is 127.0.0.1 (its own site); `other.test` is another site,
/// resolved to the same server for the redirect through it.
#[test]
fn same_site_by_initiator_and_redirect_chain() {
    use runtime_mio::client::{FromPage, ResolveOverride};
    let server = serve(None);
    let port = server.local_addr().port();
    let base = format!("http://127.0.0.1:{port}");
    let client = Client::new(ClientConfig {
        resolve: vec![ResolveOverride::parse(&format!("other.test:{port}:127.0.0.1")).unwrap()],
        ..ClientConfig::default()
    })
    .unwrap();
    get(
        &client,
        &set_url(
            &base,
            "",
            &["s=1; SameSite=Strict", "l=1; SameSite=Lax", "p=1"],
        ),
    );
    let show = format!("{base}/show");
    let from = |req: Request, page: &str, kind| {
        let mut r = client
            .request(req.site_for_cookies(page, kind).unwrap())
            .unwrap();
        String::from_utf8(r.body().read_to_end().unwrap()).unwrap()
    };
    let cross = "http://other.test/page";
    // Typed by the user: same-site.
    assert_eq!(get(&client, &show), "s=1; l=1; p=1");
    // From a page of the same site (another port): same-site.
    let same = format!("http://127.0.0.1:{}/", port.wrapping_add(1));
    let r = Request::get(&show).unwrap();
    assert_eq!(from(r, &same, FromPage::Subresource), "s=1; l=1; p=1");
    // Cross-site: a GET navigation takes Lax, a subresource or a POST neither Lax nor Strict.
    let r = Request::get(&show).unwrap();
    assert_eq!(from(r, cross, FromPage::Navigation), "l=1; p=1");
    let r = Request::get(&show).unwrap();
    assert_eq!(from(r, cross, FromPage::Subresource), "p=1");
    let r = Request::post(&show, "x").unwrap();
    assert_eq!(from(r, cross, FromPage::Navigation), "p=1");
    // Typed by the user, through a redirect by other.test and back: the last hop is
    // cross-site (RFC 6265bis 5.2), a GET navigation: Lax goes, Strict does not.
    let back = format!("{base}/set?l={}", escape(&show));
    let via_other = format!(
        "{base}/set?l={}",
        escape(&format!("http://other.test:{port}/set?l={}", escape(&back)))
    );
    let mut r = client.request(Request::get(&via_other).unwrap()).unwrap();
    assert_eq!(r.history().len(), 3);
    assert_eq!(r.body().read_to_end().unwrap(), b"l=1; p=1");
    server.shutdown().unwrap();
}
