//! The event loop's unit tests: the local loop's read-ahead, and whom output written is news to.

use super::*;
use std::io::Write as _;
use std::time::Duration;

/// A session over a test engine: records what it is given, sends `hello` once when told
/// to, counts its `process` calls, and reads ahead and takes output written as news when
/// told to.
struct Probe {
    got: Arc<Mutex<Vec<u8>>>,
    ahead: bool,
    waker: Arc<Mutex<Option<ConnWaker>>>,
    /// `hello` waits to be written.
    queued: bool,
    moved: bool,
    processed: Arc<Mutex<usize>>,
}

impl Probe {
    fn new() -> Probe {
        Probe {
            got: Arc::default(),
            ahead: false,
            waker: Arc::default(),
            queued: false,
            moved: true,
            processed: Arc::default(),
        }
    }
}

impl Engine for Probe {
    type Error = std::convert::Infallible;
    fn recv(&mut self, _now: Instant, input: &[u8]) -> Result<usize, Self::Error> {
        self.got.lock().unwrap().extend_from_slice(input);
        Ok(input.len())
    }
    fn recv_eof(&mut self) -> Result<(), Self::Error> {
        Ok(())
    }
    fn poll_transmit(&mut self, _now: Instant, out: &mut Vec<u8>) -> Option<Bytes> {
        if std::mem::take(&mut self.queued) {
            out.extend_from_slice(b"hello");
        }
        None
    }
    fn wants_write(&self) -> bool {
        self.queued
    }
    fn is_closed(&self) -> bool {
        false
    }
}

impl Session for Probe {
    type Engine = Self;
    type Pooled = Vec<u8>;
    fn engine(&self) -> &Self {
        self
    }
    fn engine_mut(&mut self) -> &mut Self {
        self
    }
    fn process(&mut self, cx: &mut Context<'_, Vec<u8>>) {
        *self.processed.lock().unwrap() += 1;
        let mut w = self.waker.lock().unwrap();
        if w.is_none() {
            *w = cx.waker();
        }
    }
    fn poll_timeout(&self) -> Option<Instant> {
        None
    }
    fn handle_timeout(&mut self, _cx: &mut Context<'_, Vec<u8>>) {}
    fn shutdown(&mut self, _cx: &mut Context<'_, Vec<u8>>) {}
    fn reads_ahead(&self) -> bool {
        self.ahead
    }
    fn wants_output_moved(&self) -> bool {
        self.moved
    }
}

/// What a local loop's session has after: one byte read on a readiness event, a second
/// byte queued at the socket, then a wake-up and `run_woken` (no `poll`).
fn after_a_wake(ahead: bool) -> (Vec<u8>, Vec<u8>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let ours = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (mut peer, _) = listener.accept().unwrap();
    let probe = ours.try_clone().unwrap();
    let session = Probe {
        ahead,
        ..Probe::new()
    };
    let (got, waker) = (Arc::clone(&session.got), Arc::clone(&session.waker));
    let mut ev = EventLoop::local(LoopConfig::default()).unwrap();
    assert!(ev.registrar().add(ours, session).is_ok());
    ev.run_woken();
    peer.write_all(b"a").unwrap();
    for _ in 0..200 {
        if !got.lock().unwrap().is_empty() {
            break;
        }
        ev.turn(Some(Duration::from_millis(10))).unwrap();
    }
    assert_eq!(*got.lock().unwrap(), b"a");
    peer.write_all(b"b").unwrap();
    // Blocks until the byte is queued at our socket (a peek takes nothing).
    assert_eq!(probe.peek(&mut [0; 4]).unwrap(), 1);
    let w = waker
        .lock()
        .unwrap()
        .clone()
        .expect("the session was processed");
    w.wake();
    ev.run_woken();
    let after_wake = got.lock().unwrap().clone();
    // Either way, the byte's readiness event gets it read.
    for _ in 0..200 {
        if got.lock().unwrap().len() == 2 {
            break;
        }
        ev.turn(Some(Duration::from_millis(10))).unwrap();
    }
    let after_turns = got.lock().unwrap().clone();
    ev.close_intake();
    (after_wake, after_turns)
}

/// A session that reads ahead gets bytes queued after its last (short) read from a
/// wake-up between turns, without a `poll`; one that does not waits for the readiness
/// event, as before.
#[test]
fn a_local_loop_reads_ahead_on_a_wake_only_for_a_session_that_asks() {
    assert_eq!(after_a_wake(true), (b"ab".to_vec(), b"ab".to_vec()));
    assert_eq!(after_a_wake(false), (b"a".to_vec(), b"ab".to_vec()));
}

/// How many times a session that sends `hello` is processed until the peer has it.
fn processed_until_sent(moved: bool) -> usize {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let ours = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (mut peer, _) = listener.accept().unwrap();
    let session = Probe {
        queued: true,
        moved,
        ..Probe::new()
    };
    let processed = Arc::clone(&session.processed);
    let mut ev = EventLoop::local(LoopConfig::default()).unwrap();
    assert!(ev.registrar().add(ours, session).is_ok());
    ev.run_woken();
    for _ in 0..5 {
        ev.turn(Some(Duration::from_millis(10))).unwrap();
    }
    let mut got = [0; 5];
    std::io::Read::read_exact(&mut peer, &mut got).unwrap();
    assert_eq!(&got, b"hello");
    ev.close_intake();
    *processed.lock().unwrap()
}

/// Output written is news only to a session that says so: one that does not is not
/// processed again for it (an HTTP/1.1 client whose request went out whole).
#[test]
fn output_written_is_processed_only_by_a_session_that_asks() {
    let asks = processed_until_sent(true);
    let does_not = processed_until_sent(false);
    assert_eq!(asks, does_not + 1, "{asks} {does_not}");
}
