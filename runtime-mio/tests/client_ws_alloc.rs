//! Heap allocations of the WebSocket client's send path on the caller's thread, counted by a
//! counting allocator once the connection is warm: a small text message costs exactly one
//! allocation, the `Bytes` its masked frame is copied into to cross to the connection's
//! thread (the frame is built in a buffer the `WebSocket` keeps; the queue to the connection
//! keeps its capacity). Over HTTP/1.1 and h2c (RFC 8441).

use runtime_mio::client::{Client, ClientConfig, Message, Wait, WebSocketRequest};
use runtime_mio::server::{Request, Response, Server, ServerConfig};
use test_support::alloc::{CountingAllocator, Measure};

#[global_allocator]
static ALLOC: CountingAllocator = CountingAllocator::new();

/// What one `send_text` of a small message costs the caller's thread: the frame's `Bytes`.
const ALLOCATIONS_PER_SEND: u64 = 1;

const WARM_UP: usize = 32;
const MEASURED: usize = 64;

#[test]
fn a_small_message_costs_one_allocation_to_send() {
    let server = Server::bind(
        "127.0.0.1:0".parse().unwrap(),
        ServerConfig {
            threads: 1,
            ..ServerConfig::default()
        },
        |_: &Request| Response::websocket(|m| vec![m]),
    )
    .unwrap();
    let text = "x".repeat(100);
    for h2 in [false, true] {
        let client = Client::new(ClientConfig {
            h2_prior_knowledge: h2,
            ..ClientConfig::default()
        })
        .unwrap();
        let url = format!("ws://{}/ws", server.local_addr());
        let mut ws = client
            .websocket(WebSocketRequest::new(&url).unwrap())
            .unwrap();
        let mut counts = Vec::with_capacity(MEASURED);
        for i in 0..WARM_UP + MEASURED {
            let m = Measure::start();
            ws.send_text(&text).unwrap();
            let n = m.stats().allocations;
            if i >= WARM_UP {
                counts.push(n);
            }
            match ws.recv(Wait::Block).unwrap() {
                Some(Message::Text(t)) => assert_eq!(t, text),
                other => panic!("h2 {h2}: {other:?}"),
            }
        }
        assert!(
            counts.iter().all(|&n| n == ALLOCATIONS_PER_SEND),
            "h2 {h2}: allocations per send {counts:?}"
        );
        ws.close(1000, "").unwrap();
    }
    server.shutdown().unwrap();
}
