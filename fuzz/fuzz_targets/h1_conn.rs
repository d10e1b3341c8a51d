//! The connection state machine in both roles, driven by `Arbitrary` operation sequences:
//! any sequence gives events, typed peer errors or typed send errors, never a panic. And the
//! peer's bytes cost bounded memory: after each operation the connection holds no more heap
//! than its receive buffer's bound (`ConnConfig::recv_buffer` and the limits; the buffer
//! starts empty and grows up to it) plus what our own sends queued (checked with a counting
//! allocator). An idle connection gives its buffers back (`take_buffers`).
#![no_main]
use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use proto_h1::{ClientConn, Conn, ConnConfig, Header, Role, ServerConn};
use test_support::alloc::{CountingAllocator, Measure};

#[global_allocator]
static ALLOC: CountingAllocator = CountingAllocator::new();

/// Heap a connection may gain besides what our sends queue: its receive buffer up to its bound
/// (as `Conn::recv` computes it), the header offset table (16 bytes a field, grown by
/// doubling up to twice the field limit), and a little more (the in-flight queue, a first
/// growth of the output buffer).
fn held_base(config: &ConnConfig) -> i64 {
    let l = &config.parse.limits;
    let recv = config
        .recv_buffer
        .max(l.max_head_size + 1)
        .max(l.max_trailer_size + 1)
        .max(l.max_chunk_ext_len + 96);
    (recv + 2 * 16 * l.max_headers.min(4096) + 4096) as i64
}

/// What an operation may add to the heap the connection holds: our own output, queued until
/// `poll_transmit` (the output buffer grows by doubling and keeps its capacity). The peer's
/// bytes (`Recv`, `Eof`) and taking events or output may add nothing.
fn allowance(op: &Op) -> i64 {
    match op {
        Op::SendData(d) => 2 * d.len() as i64 + 64,
        Op::SendBytes(d) => 2 * d.len() as i64 + 128,
        Op::SendEnd => 64,
        Op::SendRequest { .. } | Op::SendResponse { .. } => 512,
        Op::Recv(_) | Op::Eof | Op::Poll | Op::Transmit | Op::TakeBuffers => 0,
    }
}

#[derive(Arbitrary, Debug)]
enum Op {
    Recv(Vec<u8>),
    Eof,
    Poll,
    SendRequest {
        method: u8,
        chunked: bool,
        len: u8,
        close: bool,
    },
    SendResponse {
        code: u16,
        chunked: bool,
        len: u8,
        close: bool,
    },
    SendData(Vec<u8>),
    SendBytes(Vec<u8>),
    SendEnd,
    Transmit,
    TakeBuffers,
}

#[derive(Arbitrary, Debug)]
struct Input {
    server: bool,
    small_limits: bool,
    ops: Vec<Op>,
}

fn headers(chunked: bool, len: &str, close: bool) -> Vec<Header<'_>> {
    let mut h = vec![Header {
        name: "Host",
        value: b"fuzz",
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

fn common<R: Role>(c: &mut Conn<R>, op: &Op, out: &mut Vec<u8>) -> bool {
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
                match c.poll_event() {
                    Ok(Some(_)) => {}
                    _ => break,
                }
            }
        }
        Op::SendData(d) => {
            let _ = c.send_data(d);
        }
        Op::SendBytes(d) => {
            let _ = c.send_data_bytes(bytes::Bytes::copy_from_slice(d));
        }
        Op::SendEnd => {
            let _ = c.send_end(&[]);
        }
        Op::Transmit => {
            out.clear();
            // Payloads are dropped here (written, for a socket).
            while c.wants_write() {
                let _ = c.poll_transmit(out);
            }
        }
        Op::TakeBuffers => {
            if c.take_buffers().is_some() {
                assert_eq!(c.heap_size(), 0);
            }
        }
        _ => return false,
    }
    true
}

fuzz_target!(|input: Input| {
    let mut config = ConnConfig::default();
    if input.small_limits {
        config.parse.limits.max_head_size = 64;
        config.parse.limits.max_headers = 4;
        config.parse.limits.max_chunk_ext_len = 8;
        config.recv_buffer = 128;
    }
    let mut out = Vec::new();
    if input.server {
        let mut c = ServerConn::new(config);
        let m = Measure::start();
        let mut allowed = held_base(&config);
        for op in &input.ops {
            allowed += allowance(op);
            if !common(&mut c, op, &mut out) {
                if let Op::SendResponse {
                    code,
                    chunked,
                    len,
                    close,
                } = op
                {
                    let len = len.to_string();
                    let _ = c.send_response(*code, b"X", &headers(*chunked, &len, *close));
                }
            }
            check_held(&m, &out, allowed);
        }
    } else {
        let mut c = ClientConn::new(config);
        let m = Measure::start();
        let mut allowed = held_base(&config);
        for op in &input.ops {
            allowed += allowance(op);
            if !common(&mut c, op, &mut out) {
                if let Op::SendRequest {
                    method,
                    chunked,
                    len,
                    close,
                } = op
                {
                    let name = ["GET", "HEAD", "POST", "CONNECT", "OPTIONS"][*method as usize % 5];
                    let target = if name == "CONNECT" { "fuzz:443" } else { "/" };
                    let len = len.to_string();
                    let _ = c.send_request(name, target, &headers(*chunked, &len, *close));
                }
            }
            check_held(&m, &out, allowed);
        }
    }
});

/// The heap held since `m` started, less the caller's output buffer `out`, is within what the
/// operations so far allowed.
fn check_held(m: &Measure, out: &Vec<u8>, allowed: i64) {
    let held = m.stats().live_bytes - out.capacity() as i64;
    assert!(
        held <= allowed,
        "the connection holds {held} bytes, allowed {allowed}"
    );
}
