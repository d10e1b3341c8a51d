//! Random operation sequences on both roles (the `fuzz/h1_conn.rs` target's operations, as a
//! property test that runs in `cargo test`, plus the server's `send_timeout` and `shutdown`):
//! never a panic, and the contract's getters agree
//! with each other: `is_closed()` exactly when `state()` is `Closed`, `poll_transmit` drains in
//! finitely many calls, an idle flushed connection gives its buffers back and then holds no
//! heap.

use bytes::Bytes;
use proptest::prelude::*;
use proto_h1::{ClientConn, Conn, ConnConfig, ConnState, Header, Role, ServerConn};

#[derive(Debug, Clone)]
enum Op {
    Recv(Vec<u8>),
    Eof,
    Poll,
    Head { chunked: bool, len: u8, close: bool },
    Data(Vec<u8>),
    DataBytes(usize),
    End,
    Transmit,
    Timeout,
    Shutdown,
    Take,
}

/// Bytes that look like HTTP/1.1 often enough to reach deep states.
fn wire() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n".to_vec()),
        Just(b"POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc".to_vec()),
        Just(b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec()),
        Just(b"3\r\nabc\r\n0\r\n\r\n".to_vec()),
        Just(b"GET / HTTP/1.0\r\n\r\n".to_vec()),
        Just(b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n".to_vec()),
        Just(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".to_vec()),
        Just(b"HTTP/1.1 100 Continue\r\n\r\n".to_vec()),
        prop::collection::vec(any::<u8>(), 0..40),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => wire().prop_map(Op::Recv),
        1 => Just(Op::Eof),
        4 => Just(Op::Poll),
        2 => (any::<bool>(), any::<u8>(), any::<bool>())
            .prop_map(|(chunked, len, close)| Op::Head { chunked, len, close }),
        1 => prop::collection::vec(any::<u8>(), 0..20).prop_map(Op::Data),
        1 => (0usize..2000).prop_map(Op::DataBytes),
        2 => Just(Op::End),
        3 => Just(Op::Transmit),
        1 => Just(Op::Timeout),
        1 => Just(Op::Shutdown),
        1 => Just(Op::Take),
    ]
}

fn headers(chunked: bool, len: &str, close: bool) -> Vec<Header<'_>> {
    let mut h = vec![Header {
        name: "Host",
        value: b"a",
    }];
    if chunked {
        h.push(Header {
            name: "Transfer-Encoding",
            value: b"chunked",
        });
    } else {
        h.push(Header {
            name: "Content-Length",
            value: len.as_bytes(),
        });
    }
    if close {
        h.push(Header {
            name: "Connection",
            value: b"close",
        });
    }
    h
}

/// Runs the role-independent operations; returns false for the role's own.
fn common<R: Role>(c: &mut Conn<R>, op: &Op) -> bool {
    match op {
        Op::Recv(b) => {
            if let Ok(n) = c.recv(b) {
                assert!(n <= b.len());
            }
        }
        Op::Eof => {
            let _ = c.recv_eof();
        }
        Op::Poll => {
            for _ in 0..64 {
                if !matches!(c.poll_event(), Ok(Some(_))) {
                    break;
                }
            }
        }
        Op::Data(d) => {
            let _ = c.send_data(d);
        }
        Op::DataBytes(n) => {
            let _ = c.send_data_bytes(Bytes::from(vec![b'x'; *n]));
        }
        Op::End => {
            let _ = c.send_end(&[]);
        }
        Op::Transmit => {
            let queued = c.queued();
            let mut out = Vec::new();
            let mut total = 0;
            for _ in 0..1000 {
                if !c.wants_write() {
                    break;
                }
                if let Some(p) = c.poll_transmit(&mut out) {
                    total += p.len();
                }
            }
            assert!(!c.wants_write(), "poll_transmit did not drain");
            assert_eq!(out.len() + total, queued, "queued() counts what comes out");
            assert_eq!(c.queued(), 0);
        }
        Op::Take => {
            let idle = c.state() == ConnState::Idle && !c.wants_write() && c.buffered() == 0;
            let taken = c.take_buffers().is_some();
            assert!(!taken || idle, "buffers taken from a busy connection");
            if taken {
                assert_eq!(
                    c.heap_size() - kept(c),
                    0,
                    "an idle connection holds a buffer"
                );
            }
        }
        _ => return false,
    }
    true
}

/// Heap a connection keeps across exchanges besides its buffers: a client's in-flight record.
fn kept<R: Role>(c: &Conn<R>) -> usize {
    match c.role() {
        proto_h1::RoleKind::Client => c.heap_size(),
        _ => 0,
    }
}

fn check<R: Role>(c: &Conn<R>) {
    assert_eq!(c.is_closed(), c.state() == ConnState::Closed, "{c:?}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn server_ops(ops in prop::collection::vec(op(), 0..40)) {
        let mut c = ServerConn::new(ConnConfig::default());
        for op in &ops {
            if !common(&mut c, op) {
                match op {
                    Op::Head { chunked, len, close } => {
                        let len = len.to_string();
                        let _ = c.send_response(200, b"OK", &headers(*chunked, &len, *close));
                    }
                    Op::Timeout => {
                        let before = c.state();
                        let replied = c.send_timeout();
                        if replied {
                            let started = matches!(
                                before,
                                ConnState::AwaitingHead { .. } | ConnState::ReadingBody
                            );
                            prop_assert!(started);
                            prop_assert!(c.wants_write());
                        }
                        prop_assert!(c.is_closed());
                    }
                    Op::Shutdown => {
                        let idle = c.state() == ConnState::Idle;
                        c.shutdown();
                        prop_assert!(!idle || c.is_closed());
                    }
                    _ => {}
                }
            }
            check(&c);
        }
    }

    #[test]
    fn client_ops(ops in prop::collection::vec(op(), 0..40)) {
        let mut c = ClientConn::new(ConnConfig::default());
        for op in &ops {
            if !common(&mut c, op)
                && let Op::Head { chunked, len, close } = op
            {
                let len = len.to_string();
                let _ = c.send_request("POST", "/", &headers(*chunked, &len, *close));
            }
            check(&c);
        }
    }
}
