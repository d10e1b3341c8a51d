//! Where a client's masking keys and handshake nonces come from (RFC 6455 sections 4.1, 5.3):
//! the caller's cryptographic source (ChaCha12 keyed from it, or the source itself), and the
//! reproducible wyrand only when asked for by name.

use proto_ws::{
    ClientHandshake, ClientKey, Config, Connection, FrameHeader, KEY_BATCH, MaskSource, Role,
};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// The masking keys of `n` small frames sent by `client`, in order.
fn keys(client: &mut Connection, n: usize) -> Vec<[u8; 4]> {
    let mut out = Vec::new();
    (0..n)
        .map(|i| {
            out.clear();
            client.send_binary(&[i as u8; 10]).unwrap();
            assert_eq!(client.poll_transmit(&mut out), None);
            let (h, _) = FrameHeader::decode(&out, Role::Server).unwrap().unwrap();
            h.mask.expect("a client masks every frame")
        })
        .collect()
}

#[test]
fn default_clients_draw_fresh_keys_per_connection() {
    // Two connections made the same way (each seeded from the OS) must not mask alike: with
    // the old API's wyrand seed behind `Connection::client` they did when given equal seeds.
    let a = keys(&mut Connection::client(Config::default(), os_keys()), 200);
    let b = keys(&mut Connection::client(Config::default(), os_keys()), 200);
    assert_ne!(a, b);
    // 400 keys of 32 bits: a repeat is a one-in-50,000 event, a generator stuck on one value
    // or on a short cycle shows at once.
    let distinct: std::collections::HashSet<_> = a.iter().chain(&b).collect();
    assert!(distinct.len() >= 399, "{} distinct keys", distinct.len());
}

/// A source that hands out 0, 1, 2, ... and records the size of every request.
struct Counter {
    next: u8,
    requests: Arc<Mutex<Vec<usize>>>,
}

impl MaskSource for Counter {
    fn fill(&mut self, buf: &mut [u8]) {
        self.requests.lock().unwrap().push(buf.len());
        for b in buf {
            *b = self.next;
            self.next = self.next.wrapping_add(1);
        }
    }
}

#[test]
fn a_callers_source_supplies_every_key_in_order_a_batch_at_a_time() {
    let requests = Arc::new(Mutex::new(Vec::new()));
    let source = Counter {
        next: 0,
        requests: Arc::clone(&requests),
    };
    let mut client = Connection::client_with_source(Config::default(), source);
    assert!(
        requests.lock().unwrap().is_empty(),
        "nothing drawn before the first frame"
    );
    let n = 2 * KEY_BATCH / 4 + 3; // crosses two refills
    let got = keys(&mut client, n);
    let want: Vec<[u8; 4]> = (0..n)
        .map(|i| {
            let b = (4 * i) as u8;
            [b, b.wrapping_add(1), b.wrapping_add(2), b.wrapping_add(3)]
        })
        .collect();
    assert_eq!(got, want);
    assert_eq!(*requests.lock().unwrap(), vec![KEY_BATCH; 3]);
}

#[test]
fn predictable_keys_only_by_name_and_reproducible() {
    let a = keys(
        &mut Connection::client_predictable(Config::default(), 9),
        100,
    );
    let b = keys(
        &mut Connection::client_predictable(Config::default(), 9),
        100,
    );
    let c = keys(
        &mut Connection::client_predictable(Config::default(), 10),
        100,
    );
    assert_eq!(a, b);
    assert_ne!(a, c);
}

#[test]
fn servers_never_draw_from_their_source() {
    static CALLS: AtomicUsize = AtomicUsize::new(0);
    struct Spy;
    impl MaskSource for Spy {
        fn fill(&mut self, buf: &mut [u8]) {
            CALLS.fetch_add(1, Ordering::Relaxed);
            buf.fill(0);
        }
    }
    // A client's source is used only for its frames; a server masks nothing.
    let mut server = Connection::server(Config::default());
    let mut out = Vec::new();
    for _ in 0..100 {
        server.send_binary(b"hi").unwrap();
    }
    assert_eq!(server.poll_transmit(&mut out), None);
    assert_eq!(out.len(), 400);
    assert!(out.chunks(4).all(|f| f == [0x82, 2, b'h', b'i']));
    let _unused = Connection::client_with_source(Config::default(), Spy);
    assert_eq!(CALLS.load(Ordering::Relaxed), 0);
}

#[test]
fn handshake_nonces_come_from_the_given_source() {
    let a = ClientHandshake::new(&mut os_keys());
    let b = ClientHandshake::new(&mut os_keys());
    assert_ne!(
        a.key().as_str(),
        b.key().as_str(),
        "two handshakes, one nonce"
    );
    let requests = Arc::new(Mutex::new(Vec::new()));
    let mut source = Counter {
        next: 100,
        requests: Arc::clone(&requests),
    };
    let hs = ClientHandshake::new(&mut source);
    let nonce: [u8; 16] = core::array::from_fn(|i| 100 + i as u8);
    assert_eq!(hs.key().as_str(), ClientKey::from_nonce(nonce).as_str());
    assert_eq!(*requests.lock().unwrap(), vec![16]);
}

/// Masking keys as a real client makes them: ChaCha12 keyed from the OS's generator.
fn os_keys() -> proto_ws::CryptoMask {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).expect("the OS random generator");
    proto_ws::CryptoMask::from_seed(seed)
}
