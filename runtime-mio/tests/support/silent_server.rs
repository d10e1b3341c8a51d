//! A peer for timeout and cancellation tests: a loopback listener that accepts connections
//! and never answers (or answers one request, then falls silent). Each test binary that
//! includes this module uses part of it.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// A listener that accepts connections and holds them, silent, for 10 s; with `first`, it
/// answers the first request of the first connection with those bytes, then is silent.
/// Returns its address and how many connections it accepted.
pub(crate) fn silent_server(first: Option<&'static [u8]>) -> (SocketAddr, Arc<AtomicUsize>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&accepted);
    std::thread::spawn(move || {
        let mut first = first;
        for s in l.incoming() {
            let Ok(mut s) = s else { return };
            count.fetch_add(1, Ordering::SeqCst);
            if let Some(answer) = first.take() {
                let mut seen = Vec::new();
                let mut buf = [0u8; 1024];
                while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                    match s.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => seen.extend_from_slice(&buf[..n]),
                    }
                }
                let _ = s.write_all(answer);
            }
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_secs(10));
                drop(s);
            });
        }
    });
    (addr, accepted)
}
