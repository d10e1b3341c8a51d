//! Zero allocation while parsing a head, decoding a body, and on the connection's
//! `recv`/`poll_event` path, shown with a counting global allocator (its own test binary).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use proto_h1::{
    Chunk, ChunkedDecoder, ConnConfig, EMPTY_HEADER, Event, LengthDecoder, Limits, Request,
    Response, ServerConn,
};

struct Counting;
static ALLOCS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator unchanged, only counting calls.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::SeqCst);
        // SAFETY: same contract as ours.
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::SeqCst);
        // SAFETY: same contract as ours.
        unsafe { System.realloc(p, l, n) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocs_during(f: impl FnOnce()) -> usize {
    let before = ALLOCS.load(Ordering::SeqCst);
    f();
    ALLOCS.load(Ordering::SeqCst) - before
}

const REQ: &[u8] = b"GET /wp-content/uploads/2010/03/hello-kitty-darth-vader-pink.jpg HTTP/1.1\r\n\
Host: www.kittyhell.com\r\n\
User-Agent: Mozilla/5.0 (Macintosh; U; Intel Mac OS X 10.6; ja-JP-mac; rv:1.9.2.3) Gecko/20100401 Firefox/3.6.3 Pathtraq/0.9\r\n\
Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n\
Cookie: wp_ozh_wsa_visits=2; wp_ozh_wsa_visit_lasttime=xxxxxxxxxx\r\n\r\n";

// One test function so that no other test thread allocates while we count.
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

    let mut conn = ServerConn::new(ConnConfig::default());
    let mut wire = Vec::new();
    for _ in 0..3 {
        wire.extend_from_slice(
            b"POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n",
        );
        wire.extend_from_slice(chunked);
    }
    let mut out = Vec::with_capacity(4096);
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
                        conn.poll_transmit(&mut out);
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
