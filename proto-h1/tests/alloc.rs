//! Zero allocation while parsing a head, decoding a body, on the server connection's
//! `recv`/`poll_event` path and on the client connection's whole exchange (send requests,
//! receive responses with bodies, keep-alive), shown with `test-support`'s counting global
//! allocator (its own test binary; counts are per thread).

use proto_h1::{
    Chunk, ChunkedDecoder, ClientConn, ConnConfig, EMPTY_HEADER, Event, Header, LengthDecoder,
    Limits, Request, Response, ServerConn,
};
use test_support::alloc::{CountingAllocator, Measure};

#[global_allocator]
static ALLOC: CountingAllocator = CountingAllocator::new();

/// Allocations made by `f` on this thread (the counts are per thread, so tests running in
/// parallel do not see each other's).
fn allocs_during(f: impl FnOnce()) -> u64 {
    let m = Measure::start();
    f();
    m.stats().allocations
}

const REQ: &[u8] = b"GET /wp-content/uploads/2010/03/hello-kitty-darth-vader-pink.jpg HTTP/1.1\r\n\
Host: www.kittyhell.com\r\n\
User-Agent: Mozilla/5.0 (Macintosh; U; Intel Mac OS X 10.6; ja-JP-mac; rv:1.9.2.3) Gecko/20100401 Firefox/3.6.3 Pathtraq/0.9\r\n\
Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n\
Cookie: wp_ozh_wsa_visits=2; wp_ozh_wsa_visit_lasttime=xxxxxxxxxx\r\n\r\n";

#[test]
fn no_allocation_on_the_hot_paths() {
    let chunked = b"5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nTrailer: x\r\n\r\n";
    // Warm up lazily initialised state (CPU feature detection).
    let mut warm = [EMPTY_HEADER; 16];
    let _ = Request::new(&mut warm).parse(REQ);

    let n = allocs_during(|| {
        for _ in 0..10 {
            let mut slots = [EMPTY_HEADER; 16];
            let mut r = Request::new(&mut slots);
            assert!(r.parse(REQ).unwrap().is_complete());
            assert!(r.header("host").is_some());
            let mut slots = [EMPTY_HEADER; 16];
            let mut p = Response::new(&mut slots);
            assert!(
                p.parse(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n")
                    .unwrap()
                    .is_complete()
            );
        }
    });
    assert_eq!(n, 0, "head parsing allocated");

    let limits = Limits::default();
    let n = allocs_during(|| {
        let mut d = ChunkedDecoder::new(&limits);
        let mut i = 0;
        let mut total = 0;
        loop {
            let (k, ev) = d.decode(&chunked[i..]).unwrap();
            i += k;
            match ev.unwrap() {
                Chunk::Data(x) => total += x.len(),
                Chunk::End { .. } => break,
            }
        }
        assert_eq!(total, 11);
        let mut l = LengthDecoder::new(3);
        assert_eq!(l.decode(b"abcdef"), b"abc");
    });
    assert_eq!(n, 0, "body decoding allocated");

    // The connection's buffers start empty and grow on first use: one exchange outside the
    // measurement lets them reach their working size (a pooled connection gets them from
    // `put_buffers` instead, see `tests/idle_memory.rs`).
    let mut conn = ServerConn::new(ConnConfig::default());
    conn.recv(b"POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n")
        .unwrap();
    conn.recv(chunked).unwrap();
    while let Some(ev) = conn.poll_event().unwrap() {
        if let Event::End { .. } = ev {
            conn.send_response(204, b"No Content", &[]).unwrap();
            conn.send_end(&[]).unwrap();
        }
    }
    let mut out = Vec::with_capacity(4096);
    let _ = conn.poll_transmit(&mut out);
    out.clear();
    let mut wire = Vec::new();
    for _ in 0..3 {
        wire.extend_from_slice(
            b"POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n",
        );
        wire.extend_from_slice(chunked);
    }
    let n = allocs_during(|| {
        let mut off = 0;
        let mut heads = 0;
        let mut data = 0;
        while off < wire.len() {
            off += conn.recv(&wire[off..]).unwrap();
            while let Some(ev) = conn.poll_event().unwrap() {
                match ev {
                    Event::Request(h) => {
                        heads += 1;
                        assert!(h.header("HOST").is_some());
                    }
                    Event::Data(d) => data += d.len(),
                    Event::End { .. } => {
                        conn.send_response(204, b"No Content", &[]).unwrap();
                        conn.send_end(&[]).unwrap();
                        let _ = conn.poll_transmit(&mut out);
                        out.clear();
                    }
                    _ => {}
                }
            }
        }
        assert_eq!((heads, data), (3, 33));
    });
    assert_eq!(n, 0, "connection recv/poll_event allocated");
}

/// The client role after warm-up: requests written (`send_request`, `send_data`, `send_end`,
/// `poll_transmit` into a reused buffer), responses with `Content-Length` and chunked bodies
/// received (`recv`, `poll_event`) on one kept-alive connection, the receive buffer compacted
/// between exchanges: no allocation at all. The warm-up exchange lets the connection's
/// buffers (receive buffer, transmit buffer, header span table) reach their working size once.
#[test]
fn client_exchanges_allocate_nothing_after_warm_up() {
    let host = [
        Header {
            name: "Host",
            value: b"example.com",
        },
        Header {
            name: "Content-Length",
            value: b"5",
        },
    ];
    let responses: [&[u8]; 2] = [
        b"HTTP/1.1 200 OK\r\nContent-Length: 11\r\nX-A: b\r\n\r\nhello world",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A: b\r\n\r\n5;e=1\r\nhello\r\n6\r\n world\r\n0\r\nT: x\r\n\r\n",
    ];
    let mut conn = ClientConn::new(ConnConfig::default());
    let mut out = Vec::with_capacity(4096);
    let exchange = |conn: &mut ClientConn, out: &mut Vec<u8>, response: &[u8]| {
        conn.send_request("POST", "/upload?x=1", &host).unwrap();
        conn.send_data(b"abcde").unwrap();
        conn.send_end(&[]).unwrap();
        let _ = conn.poll_transmit(out);
        assert!(out.starts_with(b"POST /upload?x=1 HTTP/1.1\r\n"));
        out.clear();
        // The response arrives in two reads, split inside the head.
        let cut = 20;
        let mut off = 0;
        let (mut heads, mut data, mut ends) = (0, 0, 0);
        for part in [&response[..cut], &response[cut..]] {
            let mut p = 0;
            while p < part.len() {
                p += conn.recv(&part[p..]).unwrap();
                while let Some(ev) = conn.poll_event().unwrap() {
                    match ev {
                        Event::Response(h) => {
                            heads += 1;
                            assert_eq!(h.code, 200);
                            assert_eq!(h.header("x-a"), Some(&b"b"[..]));
                        }
                        Event::Data(d) => data += d.len(),
                        Event::End { .. } => ends += 1,
                        _ => {}
                    }
                }
            }
            off += part.len();
        }
        assert_eq!((off, heads, data, ends), (response.len(), 1, 11, 1));
        assert!(!conn.is_closed());
        assert_eq!(conn.in_flight(), 0);
    };
    // Warm-up: one exchange of each kind.
    for r in responses {
        exchange(&mut conn, &mut out, r);
    }
    let n = allocs_during(|| {
        for _ in 0..20 {
            for r in responses {
                exchange(&mut conn, &mut out, r);
            }
        }
    });
    assert_eq!(n, 0, "client exchanges allocated after warm-up");
}
