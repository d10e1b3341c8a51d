//! The client's completion queue (`Client::queue`): many requests in flight from one thread
//! over HTTP/1.1 and h2c against an in-process `Server`, each completion carrying its own
//! body; cancel, drop, timeouts, the buffered mode's limit, the discarding mode's count, and
//! `NoWait`/`Timeout` waits that return nothing when nothing is ready.

use std::collections::HashMap;
use std::time::{Duration, Instant};

#[path = "support/silent_server.rs"]
mod silent_server;
use silent_server::silent_server;

use runtime_mio::client::{
    Client, ClientConfig, ClientTimeouts, CompletionMode, CompletionQueue, Error, Redirects,
    Request, TimeoutKind, Version, Wait,
};
use runtime_mio::server::{
    BodyOut, Next, Request as ServerRequest, Response, Server, ServerConfig,
};
use runtime_mio::timer::Timeout;

/// `/n/K`: the body `item K` repeated K times; `/forever`: one chunk, then nothing until the
/// client goes away; `/big`: 1 MiB.
fn handler(req: &ServerRequest) -> Response {
    let path = req.path();
    if let Some(k) = path.strip_prefix("/n/") {
        return Response::new(200).with_body(body_of(k.parse().unwrap()));
    }
    if path == "/big" {
        return Response::new(200).with_body(vec![b'x'; 1 << 20]);
    }
    if path == "/forever" {
        // A timed body on the loop's thread: no thread of its own, dropped when the client
        // goes away (a reset stream, a closed connection).
        let mut first = true;
        return Response::timed(200, move |now: Instant, out: &mut BodyOut| {
            if std::mem::take(&mut first) {
                out.write(b"first");
            }
            Next::WaitUntil(now + Duration::from_secs(3600))
        });
    }
    Response::text(404, "no\n")
}

fn body_of(k: usize) -> Vec<u8> {
    format!("item {k};").repeat(k + 1).into_bytes()
}

fn setup(h2: bool) -> (Server, Client, String) {
    setup_with(h2, |_| {})
}

/// As [`setup`], the client's configuration changed by `config` first.
fn setup_with(h2: bool, config: impl FnOnce(&mut ClientConfig)) -> (Server, Client, String) {
    let server_config = ServerConfig {
        threads: 1,
        ..ServerConfig::default()
    };
    let server = Server::bind("127.0.0.1:0".parse().unwrap(), server_config, handler).unwrap();
    let mut client_config = ClientConfig {
        h2_prior_knowledge: h2,
        ..ClientConfig::default()
    };
    config(&mut client_config);
    let client = Client::new(client_config).unwrap();
    let base = format!("http://127.0.0.1:{}", server.local_addr().port());
    (server, client, base)
}

/// A completed request: status, version and body, or the failure.
type Outcome = Result<(u16, Version, Vec<u8>), Error>;

/// Waits (blocking) until every request in flight completed; the completions by ticket.
fn drain(q: &mut CompletionQueue) -> HashMap<runtime_mio::client::Ticket, Outcome> {
    let mut out = HashMap::new();
    while q.in_flight() > 0 {
        for c in q.wait(Wait::Block) {
            let r = c.result.and_then(|mut resp| {
                let body = resp.body().read_to_end()?;
                Ok((resp.status(), resp.version(), body))
            });
            assert!(
                out.insert(c.ticket, r).is_none(),
                "a ticket completed twice"
            );
        }
    }
    out
}

fn many_in_flight(h2: bool, mode: CompletionMode) {
    let (server, client, base) = setup(h2);
    let mut q = client.queue();
    let mut tickets = Vec::new();
    for round in 0..3 {
        for k in 0..50 {
            let t = q
                .submit(Request::get(&format!("{base}/n/{k}")).unwrap(), mode)
                .unwrap();
            tickets.push((t, k));
        }
        assert_eq!(q.in_flight(), 50, "round {round}");
        let done = drain(&mut q);
        assert_eq!(done.len(), 50);
        for (t, k) in tickets.drain(..) {
            let (status, version, body) = done[&t].as_ref().unwrap().clone();
            assert_eq!(status, 200);
            assert_eq!(version, if h2 { Version::H2 } else { Version::Http11 });
            assert_eq!(body, body_of(k), "ticket {t:?}");
        }
    }
    if h2 {
        assert_eq!(
            client.pool_stats().opened,
            1,
            "one connection carries the streams"
        );
    }
    drop(q);
    server.shutdown().unwrap();
}

/// `Response::started` is when the request was submitted (and, through
/// `Client::request`, when it was asked for): a request submitted later started later, and
/// each one between the clock readings around its own submission.
#[test]
fn started_is_when_the_request_was_submitted() {
    let (server, client, base) = setup(false);
    let mut q = client.queue();
    let before = Instant::now();
    let first = q
        .submit(
            Request::get(&format!("{base}/n/1")).unwrap(),
            CompletionMode::Head,
        )
        .unwrap();
    let between = Instant::now();
    std::thread::sleep(Duration::from_millis(20));
    let second_from = Instant::now();
    let second = q
        .submit(
            Request::get(&format!("{base}/n/2")).unwrap(),
            CompletionMode::Head,
        )
        .unwrap();
    let after = Instant::now();
    let mut started = HashMap::new();
    while q.in_flight() > 0 {
        for c in q.wait(Wait::Block) {
            let mut resp = c.result.unwrap();
            resp.body().read_to_end().unwrap();
            started.insert(c.ticket, resp.started());
        }
    }
    assert!((before..=between).contains(&started[&first]));
    assert!((second_from..=after).contains(&started[&second]));
    drop(q);
    let before = Instant::now();
    let resp = client
        .request(Request::get(&format!("{base}/n/3")).unwrap())
        .unwrap();
    assert!((before..=Instant::now()).contains(&resp.started()));
    server.shutdown().unwrap();
}

#[test]
fn many_in_flight_h1_complete_at_head() {
    many_in_flight(false, CompletionMode::Head);
}

#[test]
fn many_in_flight_h2c_complete_at_head() {
    many_in_flight(true, CompletionMode::Head);
}

#[test]
fn many_in_flight_h1_buffered() {
    many_in_flight(false, CompletionMode::Buffered(4096));
}

#[test]
fn many_in_flight_h2c_buffered() {
    many_in_flight(true, CompletionMode::Buffered(4096));
}

#[test]
fn a_buffered_completion_holds_the_whole_body() {
    let (server, client, base) = setup(true);
    let mut q = client.queue();
    let t = q
        .submit(
            Request::get(&format!("{base}/n/200")).unwrap(),
            CompletionMode::Buffered(1 << 16),
        )
        .unwrap();
    let mut got = Vec::new();
    while got.is_empty() {
        got = q.wait(Wait::Block);
    }
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].ticket, t);
    let mut resp = got.pop().unwrap().result.unwrap();
    // Everything is there already: a read that may not wait gets it all.
    let mut body = Vec::new();
    while let Some(b) = resp.body().chunk(Wait::NoWait).unwrap() {
        body.extend_from_slice(&b);
    }
    assert_eq!(body, body_of(200));
    server.shutdown().unwrap();
}

#[test]
fn a_buffered_body_past_its_limit_is_a_typed_error() {
    for h2 in [false, true] {
        let (server, client, base) = setup(h2);
        let mut q = client.queue();
        q.submit(
            Request::get(&format!("{base}/big")).unwrap(),
            CompletionMode::Buffered(1000),
        )
        .unwrap();
        let done = drain(&mut q);
        let r = done.into_values().next().unwrap();
        assert!(
            matches!(r, Err(Error::BodyTooLarge { limit: 1000 })),
            "{r:?}"
        );
        server.shutdown().unwrap();
    }
}

/// `CompletionMode::Discard`: a request completes once its body ended, the body counted and
/// dropped as it came. `/big` (1 MiB, 256 times the client's 4 KiB body queue) completes
/// whole without the caller reading a byte (a kept body would stop the connection at the
/// queue's limit, and never complete), its body reads as ended, nothing stays queued, and
/// the next requests on the connection complete too; a body that stops (`/forever`, the
/// body idle timeout) completes with its error, not with a count.
#[test]
fn a_discarded_body_is_counted_whole_and_kept_nowhere() {
    for h2 in [false, true] {
        let (server, client, base) = setup_with(h2, |c| {
            c.body_queue = 4096;
            c.timeouts.body_idle = Timeout::After(Duration::from_millis(300));
        });
        let mut q = client.queue();
        let mut want = HashMap::new();
        for (path, len) in [
            ("/big", 1 << 20),
            ("/n/30", body_of(30).len()),
            ("/big", 1 << 20),
        ] {
            let t = q
                .submit(
                    Request::get(&format!("{base}{path}")).unwrap(),
                    CompletionMode::Discard,
                )
                .unwrap();
            want.insert(t, len as u64);
        }
        while q.in_flight() > 0 {
            for c in q.wait(Wait::Block) {
                let mut resp = c.result.unwrap();
                assert_eq!(resp.status(), 200);
                assert_eq!(resp.body().discarded(), want[&c.ticket], "h2 {h2}");
                assert_eq!(resp.body().queued(), 0);
                assert!(resp.body().chunk(Wait::NoWait).unwrap().is_none());
            }
        }
        q.submit(
            Request::get(&format!("{base}/forever")).unwrap(),
            CompletionMode::Discard,
        )
        .unwrap();
        let r = drain(&mut q).into_values().next().unwrap();
        assert!(
            matches!(r, Err(Error::Timeout(TimeoutKind::BodyIdle))),
            "h2 {h2}: {r:?}"
        );
        // A response from a request that was not discarded counts nothing.
        let resp = client
            .request(Request::get(&format!("{base}/n/2")).unwrap())
            .unwrap();
        assert_eq!(resp.into_body().discarded(), 0);
        drop(q);
        server.shutdown().unwrap();
    }
}

#[test]
fn nothing_ready_returns_nothing() {
    let (server, client, base) = setup(true);
    let mut q = client.queue();
    // Nothing in flight: no wait at all, even a blocking one.
    assert!(q.wait(Wait::Block).is_empty());
    // A body that never ends, in buffered mode: never ready.
    let t = q
        .submit(
            Request::get(&format!("{base}/forever")).unwrap(),
            CompletionMode::Buffered(1 << 16),
        )
        .unwrap();
    assert!(q.wait(Wait::NoWait).is_empty());
    assert!(q.wait(Wait::Timeout(Duration::from_millis(100))).is_empty());
    // A timeout past what the clock can hold is no limit; a completion ends it.
    let fast = q
        .submit(
            Request::get(&format!("{base}/n/10")).unwrap(),
            CompletionMode::Buffered(1 << 16),
        )
        .unwrap();
    let done = q.wait(Wait::Timeout(Duration::MAX));
    assert_eq!(done.len(), 1);
    assert_eq!(done[0].ticket, fast);
    assert_eq!(done[0].result.as_ref().unwrap().status(), 200);
    assert_eq!(q.in_flight(), 1);
    assert!(q.cancel(t));
    assert!(!q.cancel(t), "a ticket cancels once");
    assert_eq!(q.in_flight(), 0);
    assert!(
        q.wait(Wait::Block).is_empty(),
        "a cancelled ticket is not handed over"
    );
    server.shutdown().unwrap();
}

/// Cancelling a ticket (or dropping the queue) resets its HTTP/2 stream: the connection
/// stays and serves the next request.
#[test]
fn cancel_and_drop_reset_h2_streams_and_keep_the_connection() {
    let (server, client, base) = setup(true);
    let mut q = client.queue();
    let forever = |q: &mut CompletionQueue| {
        q.submit(
            Request::get(&format!("{base}/forever")).unwrap(),
            CompletionMode::Buffered(1 << 16),
        )
        .unwrap()
    };
    let t = forever(&mut q);
    let _ = forever(&mut q);
    assert!(q.cancel(t));
    drop(q);
    let mut resp = client
        .request(Request::get(&format!("{base}/n/3")).unwrap())
        .unwrap();
    assert_eq!(resp.body().read_to_end().unwrap(), body_of(3));
    assert_eq!(client.pool_stats().opened, 1);
    server.shutdown().unwrap();
}

/// Over HTTP/1.1 a dropped queue closes the connections of what was in flight: the next
/// request opens a new one.
#[test]
fn dropping_the_queue_closes_h1_connections_in_flight() {
    let (server, client, base) = setup(false);
    let mut q = client.queue();
    q.submit(
        Request::get(&format!("{base}/forever")).unwrap(),
        CompletionMode::Buffered(1 << 16),
    )
    .unwrap();
    assert!(q.wait(Wait::Timeout(Duration::from_millis(50))).is_empty());
    drop(q);
    let mut resp = client
        .request(Request::get(&format!("{base}/n/1")).unwrap())
        .unwrap();
    assert_eq!(resp.body().read_to_end().unwrap(), body_of(1));
    assert_eq!(client.pool_stats().opened, 2);
    server.shutdown().unwrap();
}

#[test]
fn the_clients_timeouts_hold_for_queued_requests() {
    let (addr, _) = silent_server(None);
    let client = Client::new(ClientConfig {
        timeouts: ClientTimeouts {
            response_head: Timeout::After(Duration::from_millis(200)),
            ..ClientTimeouts::default()
        },
        ..ClientConfig::default()
    })
    .unwrap();
    let mut q = client.queue();
    q.submit(
        Request::get(&format!("http://{addr}/")).unwrap(),
        CompletionMode::Head,
    )
    .unwrap();
    let done = drain(&mut q);
    let r = done.into_values().next().unwrap();
    assert!(
        matches!(r, Err(Error::Timeout(TimeoutKind::ResponseHead))),
        "{r:?}"
    );
}

#[test]
fn a_request_that_asks_to_follow_redirects_is_refused() {
    let client = Client::new(ClientConfig::default()).unwrap();
    let mut q = client.queue();
    let r = q.submit(
        Request::get("http://127.0.0.1:9/")
            .unwrap()
            .redirects(Redirects::Follow { limit: 3 }),
        CompletionMode::Head,
    );
    assert!(matches!(r, Err(Error::InvalidRequest(_))), "{r:?}");
    assert_eq!(q.in_flight(), 0);
}

/// Each completion's response carries its request's URL (origin and target, the fragment
/// dropped), over both protocols, and so does a response from `Client::request`: the URL
/// moves through the exchange instead of being copied, and comes back whole.
#[test]
fn each_response_carries_its_requests_url() {
    for h2 in [false, true] {
        let (server, client, base) = setup(h2);
        let mut q = client.queue();
        let mut urls = HashMap::new();
        for k in 0..8 {
            let url = format!("{base}/n/{k}?q={k}#frag");
            let t = q
                .submit(Request::get(&url).unwrap(), CompletionMode::Buffered(4096))
                .unwrap();
            urls.insert(t, url);
        }
        while q.in_flight() > 0 {
            for c in q.wait(Wait::Block) {
                let resp = c.result.unwrap();
                let want = runtime_mio::client::Url::parse(&urls[&c.ticket]).unwrap();
                assert_eq!(resp.url(), Some(&want), "h2 {h2}");
                assert!(want.target.starts_with("/n/") && want.target.contains("?q="));
            }
        }
        let url = format!("{base}/n/3?x=1");
        let resp = client.request(Request::get(&url).unwrap()).unwrap();
        assert_eq!(resp.status(), 200);
        assert_eq!(
            resp.url(),
            Some(&runtime_mio::client::Url::parse(&url).unwrap())
        );
        drop(q);
        server.shutdown().unwrap();
    }
}
