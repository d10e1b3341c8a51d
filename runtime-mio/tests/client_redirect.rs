//! Redirects against our own server: a chain and its history, the limit, the policies,
//! relative `Location`s, 301/302/303 turning POST into GET, 307/308 sending the body again,
//! `Authorization`/`Cookie` dropped on a hop to another origin, redirect bodies drained (the
//! connection reused) or, when large, the connection closed.

use bytes::Bytes;
use runtime_mio::client::{Client, ClientConfig, Error, Redirects, Request};
use runtime_mio::server::{Response, Server, ServerConfig};

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

/// `/redirect/N`: 302 to `/redirect/N-1`, `/redirect/0` answers "done"; `/go?s=S&l=L`:
/// status S with `Location: L` (and a body of `b` bytes when `&b=` is given), without `s`
/// an echo;
/// `/rel/a/b/start`: 302 to `../c?x=1`; `/echo...` and `/rel/...`: "METHOD TARGET|body|authorization|cookie|content-type".
fn serve() -> Server {
    Server::bind(
        "127.0.0.1:0".parse().unwrap(),
        ServerConfig {
            threads: 1,
            ..ServerConfig::default()
        },
        |req| {
            let path = req.path();
            if let Some(n) = path.strip_prefix("/redirect/") {
                let n: u32 = n.parse().unwrap();
                if n == 0 {
                    return Response::text(200, "done");
                }
                return Response::new(302)
                    .with_header("Location", format!("/redirect/{}", n - 1))
                    .with_body(&b"moved"[..]);
            }
            if path == "/go" && req.query().is_some_and(|q| q.contains("s=")) {
                let q = req.query().unwrap_or_default();
                let mut status = 302;
                let mut location = String::new();
                let mut body = 0;
                for kv in q.split('&') {
                    match kv.split_once('=') {
                        Some(("s", v)) => status = v.parse().unwrap(),
                        Some(("l", v)) => location = unescape(v),
                        Some(("b", v)) => body = v.parse().unwrap(),
                        _ => {}
                    }
                }
                return Response::new(status)
                    .with_header("Location", location)
                    .with_body(vec![b'x'; body]);
            }
            if let Some(n) = path.strip_prefix("/slow/") {
                // Each hop takes 300 ms.
                std::thread::sleep(std::time::Duration::from_millis(300));
                let n: u32 = n.parse().unwrap();
                if n == 0 {
                    return Response::text(200, "slow done");
                }
                return Response::new(302).with_header("Location", format!("/slow/{}", n - 1));
            }
            if path == "/rel/a/b/start" {
                return Response::new(302).with_header("Location", "../c?x=1");
            }
            if path.starts_with("/echo") || path.starts_with("/rel/") || path == "/go" {
                let h = |n| String::from_utf8_lossy(req.header(n).unwrap_or(b"-")).into_owned();
                return Response::text(
                    200,
                    format!(
                        "{} {}|{}|{}|{}|{}",
                        req.method(),
                        req.target(),
                        String::from_utf8_lossy(req.body()),
                        h("authorization"),
                        h("cookie"),
                        h("content-type"),
                    ),
                );
            }
            Response::text(404, "no route")
        },
    )
    .unwrap()
}

fn text(client: &Client, req: Request) -> (u16, String) {
    let mut r = client.request(req).unwrap();
    let status = r.status();
    let body = String::from_utf8(r.body().read_to_end().unwrap()).unwrap();
    (status, body)
}

fn go(base: &str, status: u16, location: &str) -> String {
    format!("{base}/go?s={status}&l={}", escape(location))
}

#[test]
fn chain_history_and_connection_reuse() {
    let server = serve();
    let base = format!("http://{}", server.local_addr());
    let client = Client::new(ClientConfig::default()).unwrap();
    let mut r = client
        .request(Request::get(&format!("{base}/redirect/3")).unwrap())
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.url().unwrap().target, "/redirect/0");
    let hops: Vec<(String, u16)> = r
        .history()
        .iter()
        .map(|h| (h.url.target.clone(), h.status))
        .collect();
    assert_eq!(
        hops,
        [
            ("/redirect/3".to_owned(), 302),
            ("/redirect/2".to_owned(), 302),
            ("/redirect/1".to_owned(), 302)
        ]
    );
    assert_eq!(r.body().read_to_end().unwrap(), b"done");
    // The short redirect bodies were drained: one connection carried the four exchanges.
    assert_eq!(client.pool_stats().opened, 1);
    // No redirect: no history.
    let r = client
        .request(Request::get(&format!("{base}/redirect/0")).unwrap())
        .unwrap();
    assert!(r.history().is_empty());
    server.shutdown().unwrap();
}

#[test]
fn limit_and_policies() {
    let server = serve();
    let base = format!("http://{}", server.local_addr());
    let client = Client::new(ClientConfig {
        redirects: Redirects::Follow { limit: 2 },
        ..ClientConfig::default()
    })
    .unwrap();
    let err = client
        .request(Request::get(&format!("{base}/redirect/3")).unwrap())
        .unwrap_err();
    assert!(
        matches!(err, Error::TooManyRedirects { limit: 2 }),
        "{err:?}"
    );
    let (status, body) = text(
        &client,
        Request::get(&format!("{base}/redirect/2")).unwrap(),
    );
    assert_eq!((status, body.as_str()), (200, "done"));
    // Per request: none followed.
    let mut r = client
        .request(
            Request::get(&format!("{base}/redirect/2"))
                .unwrap()
                .redirects(Redirects::None),
        )
        .unwrap();
    assert_eq!(r.status(), 302);
    assert_eq!(r.header("location"), Some(&b"/redirect/1"[..]));
    assert_eq!(r.body().read_to_end().unwrap(), b"moved");
    // The default follows 10 and refuses the 11th.
    let default = Client::new(ClientConfig::default()).unwrap();
    let r = default
        .request(Request::get(&format!("{base}/redirect/10")).unwrap())
        .unwrap();
    assert_eq!(r.history().len(), 10);
    assert!(matches!(
        default.request(Request::get(&format!("{base}/redirect/11")).unwrap()),
        Err(Error::TooManyRedirects { limit: 10 })
    ));
    // Another scheme is not followed.
    assert!(matches!(
        default.request(Request::get(&go(&base, 302, "ftp://example.com/x")).unwrap()),
        Err(Error::InvalidRedirect(l)) if l == "ftp://example.com/x"
    ));
    server.shutdown().unwrap();
}

#[test]
fn relative_locations() {
    let server = serve();
    let port = server.local_addr().port();
    let base = format!("http://127.0.0.1:{port}");
    let client = Client::new(ClientConfig::default()).unwrap();
    // (the Location, the target it leads to), from /go?...
    let cases = [
        ("/echo/abs", "/echo/abs"),
        ("echo/rel?x=1", "/echo/rel?x=1"),
        ("./echo/./dot/../x", "/echo/x"),
        ("../../echo/up", "/echo/up"),
        ("?q=only", "/go?q=only"),
        ("/echo/frag#section", "/echo/frag"),
    ];
    for (location, target) in cases {
        let mut r = client
            .request(Request::get(&go(&base, 302, location)).unwrap())
            .unwrap();
        assert_eq!(r.url().unwrap().target, target, "{location}");
        assert_eq!(r.history().len(), 1);
        let body = String::from_utf8(r.body().read_to_end().unwrap()).unwrap();
        if target.starts_with("/echo") {
            assert!(
                body.starts_with(&format!("GET {target}|")),
                "{location}: {body}"
            );
        }
    }
    // Relative to a deeper path: /rel/a/b/start's `../c?x=1` is /rel/a/c?x=1.
    let mut r = client
        .request(Request::get(&go(&base, 307, "/rel/a/b/start")).unwrap())
        .unwrap();
    assert_eq!(r.url().unwrap().target, "/rel/a/c?x=1");
    assert_eq!(r.history().len(), 2);
    assert_eq!(r.history()[1].url.target, "/rel/a/b/start");
    assert!(
        String::from_utf8(r.body().read_to_end().unwrap())
            .unwrap()
            .starts_with("GET /rel/a/c?x=1|")
    );
    // Network-path reference: `//host:port/path` keeps the scheme.
    let mut r = client
        .request(Request::get(&go(&base, 302, &format!("//localhost:{port}/echo/np"))).unwrap())
        .unwrap();
    let url = r.url().unwrap().clone();
    assert_eq!(
        (url.origin.host.as_str(), url.target.as_str()),
        ("localhost", "/echo/np")
    );
    assert!(
        String::from_utf8(r.body().read_to_end().unwrap())
            .unwrap()
            .starts_with("GET /echo/np|")
    );
    server.shutdown().unwrap();
}

#[test]
fn methods_and_bodies_per_status() {
    let server = serve();
    let base = format!("http://{}", server.local_addr());
    let client = Client::new(ClientConfig::default()).unwrap();
    let post = |status| {
        Request::post(&go(&base, status, "/echo"), Bytes::from_static(b"payload"))
            .unwrap()
            .header("Content-Type", "text/plain")
    };
    // 301, 302, 303: POST becomes GET without a body (and without Content-Type).
    for status in [301, 302, 303] {
        let (s, body) = text(&client, post(status));
        assert_eq!(s, 200);
        assert_eq!(body, "GET /echo||-|-|-", "{status}");
    }
    // 307, 308: the same method and body again.
    for status in [307, 308] {
        let (_, body) = text(&client, post(status));
        assert_eq!(body, "POST /echo|payload|-|-|text/plain", "{status}");
    }
    // 303 turns a PUT into a GET too; 302 keeps a PUT (only POST changes).
    let put = |status| {
        Request::new("PUT", &go(&base, status, "/echo"))
            .unwrap()
            .body(Bytes::from_static(b"p"))
    };
    assert_eq!(text(&client, put(303)).1, "GET /echo||-|-|-");
    assert_eq!(text(&client, put(302)).1, "PUT /echo|p|-|-|-");
    server.shutdown().unwrap();
}

#[test]
fn cross_origin_hop_drops_credentials() {
    let server = serve();
    let port = server.local_addr().port();
    let base = format!("http://127.0.0.1:{port}");
    let client = Client::new(ClientConfig::default()).unwrap();
    let with_creds = |url: &str| {
        Request::get(url)
            .unwrap()
            .header("Authorization", "Bearer secret")
            .header("Cookie", "mine=1")
    };
    // Same origin: kept.
    let (_, body) = text(&client, with_creds(&go(&base, 302, "/echo/same")));
    assert_eq!(body, "GET /echo/same||Bearer secret|mine=1|-");
    // Another origin (localhost is not 127.0.0.1): dropped.
    let other = format!("http://localhost:{port}/echo/other");
    let (_, body) = text(&client, with_creds(&go(&base, 307, &other)));
    assert_eq!(body, "GET /echo/other||-|-|-");
    // SameOrigin: the hop elsewhere is not followed.
    let mut r = client
        .request(with_creds(&go(&base, 302, &other)).redirects(Redirects::SameOrigin { limit: 5 }))
        .unwrap();
    assert_eq!(r.status(), 302);
    assert!(r.history().is_empty());
    assert_eq!(r.body().read_to_end().unwrap(), b"");
    let (_, body) = text(
        &client,
        with_creds(&go(&base, 302, "/echo/in")).redirects(Redirects::SameOrigin { limit: 5 }),
    );
    assert_eq!(body, "GET /echo/in||Bearer secret|mine=1|-");
    server.shutdown().unwrap();
}

#[test]
fn large_redirect_body_closes_the_connection() {
    let server = serve();
    let base = format!("http://{}", server.local_addr());
    let client = Client::new(ClientConfig::default()).unwrap();
    let url = format!("{}&b={}", go(&base, 302, "/echo/after"), 4 << 20);
    let (status, body) = text(&client, Request::get(&url).unwrap());
    assert_eq!(status, 200);
    assert_eq!(body, "GET /echo/after||-|-|-");
    // The 4 MiB body was not read: its connection was closed, a second one opened.
    assert_eq!(client.pool_stats().opened, 2);
    server.shutdown().unwrap();
}

/// A streamed body (a `BodyWriter`'s) cannot be sent twice: a 307/308 is handed over as it
/// is; a 303 (which drops the body) is still followed.
#[test]
fn redirect_that_would_resend_a_streamed_body_is_not_followed() {
    let server = serve();
    let base = format!("http://{}", server.local_addr());
    let client = Client::new(ClientConfig::default()).unwrap();
    for (status, want) in [(307, 307), (308, 308), (303, 200)] {
        let (req, mut w) = Request::new("POST", &go(&base, status, "/echo"))
            .unwrap()
            .body_writer(Some(7));
        let writer = std::thread::spawn(move || {
            w.write(b"payload").expect("write");
            w.finish().expect("finish");
        });
        let mut r = client.request(req).unwrap();
        writer.join().unwrap();
        assert_eq!(r.status(), want, "{status}");
        if want == 200 {
            assert_eq!(r.body().read_to_end().unwrap(), b"GET /echo||-|-|-");
            assert_eq!(r.history().len(), 1);
        } else {
            assert!(r.history().is_empty());
            assert!(r.header("location").is_some());
        }
    }
    server.shutdown().unwrap();
}

/// The total timeout runs from the call across every hop: four hops of 300 ms each end
/// with the total timeout of 800 ms, though no single hop comes near it.
#[test]
fn total_timeout_spans_redirects() {
    let server = serve();
    let client = Client::new(ClientConfig::default()).unwrap();
    let url = format!("http://{}/slow/3", server.local_addr());
    let timeouts = runtime_mio::client::ClientTimeouts {
        total: runtime_mio::timer::Timeout::After(std::time::Duration::from_millis(800)),
        ..runtime_mio::client::ClientTimeouts::default()
    };
    let started = std::time::Instant::now();
    let e = client
        .request(Request::get(&url).unwrap().timeouts(timeouts))
        .unwrap_err();
    assert!(
        matches!(e, Error::Timeout(runtime_mio::client::TimeoutKind::Total)),
        "{e:?}"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    // Without the bound, the chain completes.
    let mut r = client.request(Request::get(&url).unwrap()).unwrap();
    assert_eq!(r.body().read_to_end().unwrap(), b"slow done");
    assert_eq!(r.history().len(), 3);
    server.shutdown().unwrap();
}
