//! The client's Server-Sent Events source ([`Client::sse`], [`EventSource`]) against our own
//! server, over HTTP/1.1 and HTTP/2 with prior knowledge: events in order with the request's
//! `Accept`/`Cache-Control`; a stream cut mid-event reopened with `Last-Event-ID` after the
//! server's `retry:` time (the cut event never delivered, unless the parser is told to
//! flush it); a refused response (status,
//! content type) failing without reconnection, at the first connection and at a later one;
//! 204 stopping; `max_retries` giving up; an unsendable last event ID failing the source; a quiet stream outliving the client's body idle
//! timeout, and `SseConfig::idle` reconnecting it; bounded waits; a close from another
//! thread waking a read blocked on the stream, on the reconnection delay and on a
//! connection being opened; and `wire sse` run as the built binary.

use std::io::{Read as _, Write as _};
use std::net::TcpListener;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use proto_sse::{Closed, ReconnectConfig};
use runtime_mio::client::{
    Client, ClientConfig, ClientTimeouts, Error, EventSource, Request, SseConfig, SseEvent,
    SseFailure, SseItem, TimeoutKind, Version, Wait,
};
use runtime_mio::server::{BodyWriter, Response, Server, ServerConfig};
use runtime_mio::timer::Timeout;

/// What the server saw of one request.
#[derive(Debug, Clone)]
struct Seen {
    path: String,
    accept: Option<String>,
    cache_control: Option<String>,
    last_event_id: Option<String>,
    at: Instant,
}

#[derive(Debug, Default)]
struct Log {
    requests: Mutex<Vec<Seen>>,
    /// When `/cut` cut its first stream.
    cut_at: Mutex<Option<Instant>>,
}

impl Log {
    fn requests(&self, path: &str) -> Vec<Seen> {
        self.requests
            .lock()
            .unwrap()
            .iter()
            .filter(|s| s.path == path)
            .cloned()
            .collect()
    }
}

fn query(req: &runtime_mio::server::Request, name: &str) -> Option<u64> {
    req.query()?
        .split('&')
        .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))?
        .parse()
        .ok()
}

fn event(id: u64, data: &str) -> Vec<u8> {
    let id = id.to_string();
    let mut out = Vec::new();
    proto_sse::encode(
        &mut out,
        &proto_sse::Message {
            id: Some(&id),
            data,
            ..proto_sse::Message::default()
        },
    )
    .unwrap();
    out
}

fn retry(ms: u64) -> Vec<u8> {
    let mut out = Vec::new();
    proto_sse::encode_retry(&mut out, ms);
    out
}

/// A streamed `text/event-stream` response (no heartbeats: quiet means quiet).
fn stream() -> (Response, BodyWriter) {
    let (resp, w) = Response::streaming(200);
    (resp.with_header("Content-Type", "text/event-stream"), w)
}

/// Keeps `w` open until the client goes away (at most 30 s).
fn hold(w: &BodyWriter) {
    let end = Instant::now() + Duration::from_secs(30);
    while !w.is_closed() && Instant::now() < end {
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// - `/sse?count=N&per=K&retry=R&interval_ms=M`: events `id: I`, `data: event I` for I
///   after `Last-Event-ID` (or 1) up to N, at most K per connection (then the body ends),
///   M ms apart, preceded by `retry: R` when given.
/// - `/cut?retry=R`: without `Last-Event-ID`: `retry: R`, events 1 and 2, half of event 3,
///   then the stream is cut (HTTP/1.1: the connection closes; HTTP/2: the stream is reset).
///   With one: event 3 (`data: after I`), then held open.
/// - `/then?status=S`: without `Last-Event-ID`: event 1 and the end; with one: status S
///   with no body.
/// - `/quiet?gap_ms=G`: event 1, G ms of silence, event 2, then held open.
/// - `/empty`: an event stream that ends at once. `/hold`: one that stays open and quiet.
/// - `/status/S`: status S, text. `/text`: 200 `text/plain`.
///
/// With its fresh log.
fn server() -> (Server, Arc<Log>) {
    let log = Arc::new(Log::default());
    let seen = Arc::clone(&log);
    let server = Server::bind(
        "127.0.0.1:0".parse().unwrap(),
        ServerConfig {
            threads: 2,
            ..ServerConfig::default()
        },
        move |req| {
            let header = |n: &str| {
                req.header(n)
                    .map(|v| String::from_utf8_lossy(v).into_owned())
            };
            let last_id = header("last-event-id");
            log.requests.lock().unwrap().push(Seen {
                path: req.path().to_owned(),
                accept: header("accept"),
                cache_control: header("cache-control"),
                last_event_id: last_id.clone(),
                at: Instant::now(),
            });
            let after: u64 = last_id.as_deref().map_or(0, |v| v.parse().unwrap_or(0));
            match req.path() {
                "/sse" => {
                    let count = query(req, "count").unwrap_or(5);
                    let per = query(req, "per").unwrap_or(u64::MAX);
                    let interval = Duration::from_millis(query(req, "interval_ms").unwrap_or(0));
                    let retry_ms = query(req, "retry");
                    let (resp, w) = stream();
                    std::thread::spawn(move || {
                        if let Some(ms) = retry_ms {
                            let _ = w.send(retry(ms));
                        }
                        for i in
                            (after + 1..=count).take(usize::try_from(per).unwrap_or(usize::MAX))
                        {
                            if i > after + 1 {
                                std::thread::sleep(interval);
                            }
                            if w.send(event(i, &format!("event {i}"))).is_err() {
                                return;
                            }
                        }
                        w.finish();
                    });
                    resp
                }
                "/cut" => {
                    let retry_ms = query(req, "retry").unwrap_or(500);
                    let (resp, w) = stream();
                    let log = Arc::clone(&log);
                    std::thread::spawn(move || {
                        if after == 0 {
                            let mut out = retry(retry_ms);
                            out.extend(event(1, "event 1"));
                            out.extend(event(2, "event 2"));
                            out.extend_from_slice(b"id: 3\ndata: cut sh");
                            let _ = w.send(out);
                            // Give the bytes time to leave before the cut.
                            std::thread::sleep(Duration::from_millis(100));
                            *log.cut_at.lock().unwrap() = Some(Instant::now());
                            w.abort();
                        } else {
                            let _ = w.send(event(after + 1, &format!("after {after}")));
                            hold(&w);
                        }
                    });
                    resp
                }
                "/then" => {
                    if after == 0 {
                        let (resp, w) = stream();
                        let _ = w.send(event(1, "event 1"));
                        w.finish();
                        resp
                    } else {
                        let status = u16::try_from(query(req, "status").unwrap_or(404)).unwrap();
                        Response::new(status)
                    }
                }
                "/quiet" => {
                    let gap = Duration::from_millis(query(req, "gap_ms").unwrap_or(800));
                    let (resp, w) = stream();
                    std::thread::spawn(move || {
                        let _ = w.send(event(after + 1, "before the gap"));
                        std::thread::sleep(gap);
                        let _ = w.send(event(after + 2, "after the gap"));
                        hold(&w);
                    });
                    resp
                }
                "/badid" => {
                    let (resp, w) = stream();
                    let _ = w.send(&b"id: a\x01b\ndata: odd id\n\n"[..]);
                    w.finish();
                    resp
                }
                "/empty" => {
                    let (resp, w) = stream();
                    w.finish();
                    resp
                }
                "/hold" => {
                    let (resp, w) = stream();
                    std::thread::spawn(move || hold(&w));
                    resp
                }
                "/text" => Response::text(200, "not a stream\n"),
                p => match p.strip_prefix("/status/") {
                    Some(s) => Response::text(s.parse().unwrap(), "no\n"),
                    None => Response::text(404, "not found\n"),
                },
            }
        },
    )
    .unwrap();
    (server, seen)
}

fn client(h2: bool) -> Client {
    Client::new(ClientConfig {
        h2_prior_knowledge: h2,
        ..ClientConfig::default()
    })
    .unwrap()
}

/// A policy with short delays (the floor low enough for `retry:` values of tens of ms).
fn fast() -> SseConfig {
    SseConfig {
        reconnect: ReconnectConfig {
            initial_retry: Duration::from_millis(20),
            min_retry: Duration::from_millis(10),
            max_backoff: Duration::from_millis(100),
            ..ReconnectConfig::default()
        },
        ..SseConfig::default()
    }
}

fn url(server: &Server, path: &str) -> String {
    format!("http://{}{path}", server.local_addr())
}

/// `client`'s event source for `path` on `server`.
fn open(client: &Client, server: &Server, path: &str, config: SseConfig) -> EventSource {
    client
        .sse(Request::get(&url(server, path)).unwrap(), config)
        .unwrap()
}

/// The next item within 10 s.
fn next(source: &mut EventSource) -> SseItem {
    match source.next_event(Wait::Timeout(Duration::from_secs(10))) {
        Ok(Some(item)) => item,
        other => panic!("expected an item, got {other:?}"),
    }
}

fn next_event(source: &mut EventSource) -> SseEvent {
    match next(source) {
        SseItem::Event(e) => e,
        other => panic!("expected an event, got {other:?}"),
    }
}

fn in_order(h2: bool) {
    let (server, log) = server();
    let client = client(h2);
    let mut source = open(
        &client,
        &server,
        "/sse?count=5&interval_ms=10",
        SseConfig::default(),
    );
    assert_eq!(
        source.version(),
        if h2 { Version::H2 } else { Version::Http11 }
    );
    for i in 1..=5 {
        let e = next_event(&mut source);
        assert_eq!(
            e,
            SseEvent {
                event_type: "message".into(),
                data: format!("event {i}"),
                id: i.to_string(),
                retry: None,
            }
        );
    }
    assert_eq!(source.last_event_id(), "5");
    let seen = log.requests("/sse");
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].accept.as_deref(), Some("text/event-stream"));
    assert_eq!(seen[0].cache_control.as_deref(), Some("no-cache"));
    assert_eq!(seen[0].last_event_id, None);
    source.close();
    assert!(source.next_event(Wait::Block).unwrap().is_none());
    assert_eq!(source.closed(), Some(Closed::ByCaller));
    server.shutdown().unwrap();
}

#[test]
fn events_arrive_in_order_over_http1() {
    in_order(false);
}

#[test]
fn events_arrive_in_order_over_h2c() {
    in_order(true);
}

/// The stream is cut after events 1 and 2 and half of event 3: the half event is never
/// delivered, the reconnection sends `Last-Event-ID: 2` and comes no sooner than the
/// server's `retry:` time after the cut.
fn cut_mid_stream(h2: bool) {
    let (server, log) = server();
    let client = client(h2);
    let retry_ms = 400;
    let mut source = open(
        &client,
        &server,
        &format!("/cut?retry={retry_ms}"),
        SseConfig::default(),
    );
    assert_eq!(next_event(&mut source).data, "event 1");
    let second = next_event(&mut source);
    assert_eq!((second.id.as_str(), second.data.as_str()), ("2", "event 2"));
    match next(&mut source) {
        SseItem::Retrying {
            error,
            delay,
            failures,
        } => {
            assert!(error.is_some(), "a cut stream is an error");
            // Events were delivered: no backoff, the server's time exactly.
            assert_eq!(delay, Duration::from_millis(retry_ms));
            assert_eq!(failures, 0);
        }
        other => panic!("expected Retrying, got {other:?}"),
    }
    assert_eq!(source.reconnection_time(), Duration::from_millis(retry_ms));
    match next(&mut source) {
        SseItem::Reconnected {
            reconnects,
            attempt,
            last_event_id,
            version,
        } => {
            assert_eq!(reconnects, 1);
            assert_eq!(attempt, 0);
            assert_eq!(last_event_id.as_deref(), Some("2"));
            assert_eq!(version, if h2 { Version::H2 } else { Version::Http11 });
        }
        other => panic!("expected Reconnected, got {other:?}"),
    }
    let third = next_event(&mut source);
    assert_eq!((third.id.as_str(), third.data.as_str()), ("3", "after 2"));

    let seen = log.requests("/cut");
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].last_event_id, None);
    assert_eq!(seen[1].last_event_id.as_deref(), Some("2"));
    assert_eq!(seen[1].accept.as_deref(), Some("text/event-stream"));
    let cut_at = log
        .cut_at
        .lock()
        .unwrap()
        .expect("the server cut the stream");
    let waited = seen[1].at.duration_since(cut_at);
    assert!(
        waited >= Duration::from_millis(retry_ms),
        "reconnected {waited:?} after the cut, retry was {retry_ms} ms"
    );
    drop(source);
    server.shutdown().unwrap();
}

#[test]
fn a_cut_stream_reconnects_with_last_event_id_after_retry_over_http1() {
    cut_mid_stream(false);
}

#[test]
fn a_cut_stream_reconnects_with_last_event_id_after_retry_over_h2c() {
    cut_mid_stream(true);
}

/// With proto-sse's `EndOfStream::Flush`, the event cut by the end of the stream is
/// dispatched (and its ID sent on reconnection), as streaming-API clients want.
#[test]
fn a_flushing_parser_dispatches_the_cut_event() {
    let (server, _log) = server();
    let client = client(false);
    let config = SseConfig {
        parser: proto_sse::Config {
            end_of_stream: proto_sse::EndOfStream::Flush,
            ..proto_sse::Config::default()
        },
        ..SseConfig::default()
    };
    let mut source = open(&client, &server, "/cut?retry=20", config);
    let data: Vec<_> = (0..3).map(|_| next_event(&mut source).data).collect();
    assert_eq!(data, ["event 1", "event 2", "cut sh"]);
    assert!(matches!(next(&mut source), SseItem::Retrying { .. }));
    match next(&mut source) {
        SseItem::Reconnected { last_event_id, .. } => {
            assert_eq!(last_event_id.as_deref(), Some("3"));
        }
        other => panic!("expected Reconnected, got {other:?}"),
    }
    assert_eq!(next_event(&mut source).data, "after 3");
    drop(source);
    server.shutdown().unwrap();
}

/// A stream that ends cleanly is reopened too, and the server resumes after the ID sent.
#[test]
fn an_ended_stream_resumes_after_the_last_event_id() {
    let (server, log) = server();
    let client = client(false);
    let mut source = open(&client, &server, "/sse?count=6&per=2", fast());
    let mut ids = Vec::new();
    let mut reconnects = Vec::new();
    while ids.len() < 6 {
        match next(&mut source) {
            SseItem::Event(e) => ids.push(e.id),
            SseItem::Retrying { error, .. } => assert!(error.is_none(), "{error:?}"),
            SseItem::Reconnected { last_event_id, .. } => reconnects.push(last_event_id),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(ids, ["1", "2", "3", "4", "5", "6"]);
    assert_eq!(reconnects, [Some("2".to_owned()), Some("4".to_owned())]);
    let sent: Vec<_> = log
        .requests("/sse")
        .into_iter()
        .map(|s| s.last_event_id)
        .collect();
    assert_eq!(sent[..3], [None, Some("2".into()), Some("4".into())]);
    drop(source);
    server.shutdown().unwrap();
}

/// `SseConfig::last_event_id` (or the request's own `Last-Event-ID`) resumes from the
/// first connection on.
#[test]
fn a_given_last_event_id_is_sent_from_the_start() {
    let (server, log) = server();
    let client = client(false);
    let config = SseConfig {
        last_event_id: Some("3".into()),
        ..SseConfig::default()
    };
    let mut source = open(&client, &server, "/sse?count=5", config);
    assert_eq!(next_event(&mut source).id, "4");
    drop(source);
    let req = Request::get(&url(&server, "/sse?count=5"))
        .unwrap()
        .header("Last-Event-ID", "4");
    let mut source = client.sse(req, SseConfig::default()).unwrap();
    assert_eq!(next_event(&mut source).id, "5");
    let sent: Vec<_> = log
        .requests("/sse")
        .into_iter()
        .map(|s| s.last_event_id)
        .collect();
    assert_eq!(sent, [Some("3".to_owned()), Some("4".to_owned())]);
    drop(source);
    server.shutdown().unwrap();
}

#[test]
fn a_refused_first_response_fails_without_reconnecting() {
    let (server, log) = server();
    for h2 in [false, true] {
        let client = client(h2);
        match client.sse(Request::get(&url(&server, "/status/503")).unwrap(), fast()) {
            Err(Error::Sse(SseFailure::Status(503))) => {}
            other => panic!("expected Status(503), got {other:?}"),
        }
        match client.sse(Request::get(&url(&server, "/text")).unwrap(), fast()) {
            Err(Error::Sse(SseFailure::ContentType(Some(t)))) => {
                assert!(t.starts_with("text/plain"), "{t}");
            }
            other => panic!("expected ContentType, got {other:?}"),
        }
    }
    assert_eq!(log.requests("/status/503").len(), 2);
    assert_eq!(log.requests("/text").len(), 2);
    server.shutdown().unwrap();
}

/// A reconnection answered 404 fails the source for good: the error comes once the events
/// before it were read, again on every call, and nothing more is requested.
#[test]
fn a_refused_reconnection_fails_for_good() {
    let (server, log) = server();
    for h2 in [false, true] {
        let client = client(h2);
        let mut source = open(&client, &server, "/then?status=404", fast());
        assert_eq!(next_event(&mut source).data, "event 1");
        assert!(matches!(next(&mut source), SseItem::Retrying { .. }));
        for _ in 0..2 {
            match source.next_event(Wait::Timeout(Duration::from_secs(10))) {
                Err(Error::Sse(SseFailure::Status(404))) => {}
                other => panic!("expected Status(404), got {other:?}"),
            }
        }
        assert_eq!(source.closed(), Some(Closed::Status(404)));
    }
    assert_eq!(log.requests("/then").len(), 4);
    server.shutdown().unwrap();
}

#[test]
fn no_content_stops_reconnecting() {
    let (server, log) = server();
    let client = client(false);
    let mut source = open(&client, &server, "/then?status=204", fast());
    assert_eq!(next_event(&mut source).data, "event 1");
    assert!(matches!(next(&mut source), SseItem::Retrying { .. }));
    assert!(
        source
            .next_event(Wait::Timeout(Duration::from_secs(10)))
            .unwrap()
            .is_none()
    );
    assert!(source.next_event(Wait::NoWait).unwrap().is_none());
    assert_eq!(source.closed(), Some(Closed::NoContent));
    assert_eq!(log.requests("/then").len(), 2);

    // A first answer of 204: a source that is over at once.
    let mut source = open(&client, &server, "/status/204", fast());
    assert!(source.next_event(Wait::Block).unwrap().is_none());
    assert_eq!(source.closed(), Some(Closed::NoContent));
    server.shutdown().unwrap();
}

/// Streams that end without an event are failures: with `max_retries: 2` the third one
/// in a row gives up, after a growing (backed-off) delay.
#[test]
fn max_retries_gives_up() {
    let (server, log) = server();
    let client = client(false);
    let config = SseConfig {
        max_retries: Some(2),
        ..fast()
    };
    let mut source = open(&client, &server, "/empty", config);
    let mut failures = Vec::new();
    let err = loop {
        match source.next_event(Wait::Timeout(Duration::from_secs(10))) {
            Ok(Some(SseItem::Retrying { failures: f, .. })) => failures.push(f),
            Ok(Some(SseItem::Reconnected { attempt, .. })) => {
                assert_eq!(Some(&attempt), failures.last());
            }
            Ok(other) => panic!("{other:?}"),
            Err(e) => break e,
        }
    };
    assert_eq!(failures, [1, 2]);
    match err {
        Error::Sse(SseFailure::GaveUp {
            failures: 3,
            last: None,
        }) => {}
        other => panic!("expected GaveUp, got {other:?}"),
    }
    assert_eq!(log.requests("/empty").len(), 3);
    server.shutdown().unwrap();
}

/// A client whose body idle timeout is short still reads a quiet event stream (the source
/// lifts it); `SseConfig::idle` brings a limit back, and a stream quiet for longer is
/// reopened.
#[test]
fn a_quiet_stream_is_not_cut_by_the_body_idle_timeout() {
    let (server, _log) = server();
    let client = Client::new(ClientConfig {
        timeouts: ClientTimeouts {
            body_idle: Timeout::After(Duration::from_millis(100)),
            ..ClientTimeouts::default()
        },
        ..ClientConfig::default()
    })
    .unwrap();
    let mut source = open(&client, &server, "/quiet?gap_ms=600", fast());
    assert_eq!(next_event(&mut source).data, "before the gap");
    // The very next item is the second event: no Retrying in between.
    assert_eq!(next_event(&mut source).data, "after the gap");
    drop(source);

    let config = SseConfig {
        idle: Timeout::After(Duration::from_millis(100)),
        ..fast()
    };
    let mut source = open(&client, &server, "/quiet?gap_ms=2000", config);
    assert_eq!(next_event(&mut source).id, "1");
    match next(&mut source) {
        SseItem::Retrying {
            error: Some(Error::Timeout(TimeoutKind::BodyIdle)),
            ..
        } => {}
        other => panic!("expected a body idle Retrying, got {other:?}"),
    }
    match next(&mut source) {
        SseItem::Reconnected { last_event_id, .. } => {
            assert_eq!(last_event_id.as_deref(), Some("1"));
        }
        other => panic!("expected Reconnected, got {other:?}"),
    }
    assert_eq!(next_event(&mut source).data, "before the gap");
    drop(source);
    server.shutdown().unwrap();
}

#[test]
fn bounded_waits_on_a_quiet_stream() {
    let (server, _log) = server();
    let client = client(true);
    let mut source = open(&client, &server, "/hold", fast());
    assert!(matches!(
        source.next_event(Wait::NoWait),
        Err(Error::WouldBlock)
    ));
    assert!(matches!(
        source.next_event(Wait::Timeout(Duration::from_millis(50))),
        Err(Error::WouldBlock)
    ));
    // The source goes on after a WouldBlock.
    assert!(matches!(
        source.next_event(Wait::NoWait),
        Err(Error::WouldBlock)
    ));
    drop(source);
    server.shutdown().unwrap();
}

/// Reads `source` on a thread of its own, sending each item; `None` ends (the read
/// returned `Ok(None)`).
fn reader(mut source: EventSource) -> mpsc::Receiver<Result<Option<SseItem>, Error>> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        loop {
            let r = source.next_event(Wait::Block);
            let end = !matches!(r, Ok(Some(_)));
            if tx.send(r).is_err() || end {
                return;
            }
        }
    });
    rx
}

const BOUND: Duration = Duration::from_secs(10);

#[test]
fn close_from_another_thread_wakes_a_read_blocked_on_the_stream() {
    let (server, _log) = server();
    for h2 in [false, true] {
        let client = client(h2);
        let source = open(&client, &server, "/hold", fast());
        let closer = source.close_handle();
        let rx = reader(source);
        // The reader is (or soon will be) blocked on a stream that sends nothing.
        assert!(rx.recv_timeout(Duration::from_millis(200)).is_err());
        closer.close();
        closer.close();
        match rx.recv_timeout(BOUND) {
            Ok(Ok(None)) => {}
            other => panic!("expected the read to end with Ok(None), got {other:?}"),
        }
    }
    server.shutdown().unwrap();
}

#[test]
fn close_from_another_thread_wakes_the_reconnection_wait() {
    let (server, log) = server();
    let client = client(false);
    // One event, `retry: 60000`, the end: the source then waits a minute.
    let source = open(
        &client,
        &server,
        "/sse?count=5&per=1&retry=60000",
        SseConfig::default(),
    );
    let closer = source.close_handle();
    let rx = reader(source);
    assert!(matches!(
        rx.recv_timeout(BOUND),
        Ok(Ok(Some(SseItem::Event(_))))
    ));
    match rx.recv_timeout(BOUND) {
        Ok(Ok(Some(SseItem::Retrying { delay, .. }))) => {
            assert_eq!(delay, Duration::from_secs(60));
        }
        other => panic!("expected Retrying, got {other:?}"),
    }
    closer.close();
    match rx.recv_timeout(BOUND) {
        Ok(Ok(None)) => {}
        other => panic!("expected the read to end with Ok(None), got {other:?}"),
    }
    assert_eq!(log.requests("/sse").len(), 1);
    server.shutdown().unwrap();
}

/// A raw server: the first connection gets one event with `retry: 10` and is closed; the
/// next is read and never answered, so the reconnection waits for its response head.
#[test]
fn close_from_another_thread_wakes_a_read_waiting_for_a_connection() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let (second_tx, second_rx) = mpsc::channel::<()>();
    let server = std::thread::spawn(move || {
        let read_head = |s: &mut std::net::TcpStream| {
            let mut got = Vec::new();
            let mut buf = [0u8; 1024];
            while !got.windows(4).any(|w| w == b"\r\n\r\n") {
                let n = s.read(&mut buf).unwrap();
                assert!(n > 0, "the client closed before its request head");
                got.extend_from_slice(&buf[..n]);
            }
        };
        let (mut first, _) = listener.accept().unwrap();
        read_head(&mut first);
        let body = b"retry: 10\nid: 1\ndata: one\n\n";
        write!(
            first,
            "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Length: {}\r\n\
             Connection: close\r\n\r\n",
            body.len()
        )
        .unwrap();
        first.write_all(body).unwrap();
        drop(first);
        let (mut second, _) = listener.accept().unwrap();
        read_head(&mut second);
        second_tx.send(()).unwrap();
        // Never answered: held until the test ends.
        let _ = done_rx.recv_timeout(Duration::from_secs(30));
        drop(second);
    });
    let client = client(false);
    let source = client
        .sse(
            Request::get(&format!("http://{addr}/")).unwrap(),
            SseConfig::default(),
        )
        .unwrap();
    let closer = source.close_handle();
    let rx = reader(source);
    assert!(matches!(
        rx.recv_timeout(BOUND),
        Ok(Ok(Some(SseItem::Event(_))))
    ));
    assert!(matches!(
        rx.recv_timeout(BOUND),
        Ok(Ok(Some(SseItem::Retrying { error: None, .. })))
    ));
    // The reconnection's request arrived: the reader now waits for its head.
    second_rx.recv_timeout(BOUND).unwrap();
    closer.close();
    match rx.recv_timeout(BOUND) {
        Ok(Ok(None)) => {}
        other => panic!("expected the read to end with Ok(None), got {other:?}"),
    }
    done_tx.send(()).unwrap();
    server.join().unwrap();
}

/// An event ID that HTTP/1.1 cannot send as `Last-Event-ID` (a control character: RFC 9110
/// field values exclude them; RFC 9113 only forbids NUL, CR and LF, so HTTP/2 sends it)
/// fails the source at the reconnection instead of retrying for ever.
#[test]
fn an_id_that_cannot_be_sent_fails_the_reconnection() {
    let (server, log) = server();
    let client = client(false);
    let mut source = open(&client, &server, "/badid", fast());
    assert_eq!(next_event(&mut source).id, "a\u{1}b");
    assert!(matches!(next(&mut source), SseItem::Retrying { .. }));
    for _ in 0..2 {
        match source.next_event(Wait::Timeout(Duration::from_secs(10))) {
            Err(Error::InvalidRequest(_)) => {}
            other => panic!("expected InvalidRequest, got {other:?}"),
        }
    }
    // The refused request never left.
    assert_eq!(log.requests("/badid").len(), 1);
    server.shutdown().unwrap();
}

#[test]
fn a_body_writer_request_is_refused() {
    let client = client(false);
    let (req, _writer) = Request::get("http://127.0.0.1:9/")
        .unwrap()
        .body_writer(None);
    assert!(matches!(
        client.sse(req, SseConfig::default()),
        Err(Error::InvalidRequest(_))
    ));
}

#[path = "support/wire_command.rs"]
mod wire_command;
use wire_command::wire_command;

#[test]
fn wire_sse_prints_events_and_reconnections() {
    let (server, log) = server();
    for h2 in [false, true] {
        let mut cmd = wire_command();
        cmd.args(["sse", "--max-events", "4"])
            .arg(url(&server, "/sse?count=9&per=2&retry=20"));
        if h2 {
            cmd.arg("--http2-prior-knowledge");
        }
        let out = cmd.output().unwrap();
        let stdout = String::from_utf8(out.stdout).unwrap();
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(out.status.success(), "{:?}: {stderr}", out.status);
        assert_eq!(
            stdout,
            "id: 1  event: message  data: event 1\n\
             id: 2  event: message  data: event 2\n\
             id: 3  event: message  data: event 3\n\
             id: 4  event: message  data: event 4\n"
        );
        let version = if h2 { "HTTP/2" } else { "HTTP/1.1" };
        assert!(
            stderr.contains(&format!(
                "wire: reconnected (#1, {version}, Last-Event-ID: 2)"
            )),
            "{stderr}"
        );
        assert!(
            stderr.contains("wire: stream lost (the server ended it)"),
            "{stderr}"
        );
    }
    // A refused response: exit 22, one request.
    let out = wire_command()
        .args(["sse", &url(&server, "/status/404")])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(22));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("404"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(log.requests("/status/404").len(), 1);
    server.shutdown().unwrap();
}
