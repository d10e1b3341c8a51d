//! Every timeout of the server and of the client set to `Timeout::After(Duration::MAX)`, a
//! wait longer than the clock can reach (the longest a caller can write): requests, uploads
//! that make the body-gap timer run and SSE streams that make the heartbeat timer run, over
//! HTTP/1.1 and HTTP/2 (prior knowledge), work as with no limit, and no thread panics.

use std::time::Duration;

use runtime_mio::client::{Client, ClientConfig, Request};
use runtime_mio::server::{Request as ServerRequest, Response, Server, ServerConfig};
use runtime_mio::timer::Timeout;

const LONGEST: Timeout = Timeout::After(Duration::MAX);

fn handler(req: &ServerRequest) -> Response {
    match req.path() {
        "/up" => Response::text(200, req.body().len().to_string()),
        "/sse" => {
            let (resp, events) = Response::sse();
            std::thread::spawn(move || {
                for data in ["one", "two"] {
                    std::thread::sleep(Duration::from_millis(30));
                    let _ = events.data(data);
                }
                events.finish();
            });
            resp
        }
        _ => Response::text(200, "hello"),
    }
}

fn server() -> Server {
    let mut config = ServerConfig {
        threads: 1,
        ..ServerConfig::default()
    };
    let t = &mut config.timeouts;
    for timeout in [
        &mut t.tls_handshake,
        &mut t.request_head,
        &mut t.keep_alive_idle,
        &mut t.body_idle_gap,
        &mut t.write_stall,
        &mut t.h2_idle,
        &mut t.h2_ping,
        &mut t.h2_goaway_grace,
        &mut t.ws_close,
        &mut t.sse_heartbeat,
        &mut t.shutdown_grace,
    ] {
        *timeout = LONGEST;
    }
    Server::bind("127.0.0.1:0".parse().unwrap(), config, handler).unwrap()
}

fn client(h2: bool) -> Client {
    let mut config = ClientConfig {
        h2_prior_knowledge: h2,
        ..ClientConfig::default()
    };
    let t = &mut config.timeouts;
    for timeout in [
        &mut t.connect,
        &mut t.tls_handshake,
        &mut t.response_head,
        &mut t.body_idle,
        &mut t.total,
        &mut t.pool_idle,
        &mut t.write_stall,
        &mut t.expect_continue,
    ] {
        *timeout = LONGEST;
    }
    Client::new(config).unwrap()
}

#[test]
fn the_longest_timeouts_everywhere_are_no_limit() {
    let server = server();
    let base = format!("http://{}", server.local_addr());
    for h2 in [false, true] {
        let client = client(h2);
        let mut resp = client
            .request(Request::get(&format!("{base}/")).unwrap())
            .unwrap();
        assert_eq!(resp.body().read_to_end().unwrap(), b"hello", "h2 {h2}");
        let upload = vec![9u8; 300_000];
        let mut resp = client
            .request(Request::post(&format!("{base}/up"), upload).unwrap())
            .unwrap();
        assert_eq!(resp.body().read_to_end().unwrap(), b"300000", "h2 {h2}");
        let mut resp = client
            .request(Request::get(&format!("{base}/sse")).unwrap())
            .unwrap();
        let events = String::from_utf8(resp.body().read_to_end().unwrap()).unwrap();
        assert!(
            events.contains("data: one\n\n") && events.contains("data: two\n\n"),
            "h2 {h2}: {events:?}"
        );
    }
    server.shutdown().unwrap();
}
