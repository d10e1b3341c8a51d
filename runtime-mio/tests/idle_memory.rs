//! Memory per idle keep-alive connection: `wire serve` (one thread) holds 9,000 HTTP/1.1
//! connections that each made one request; its resident memory grows by at most 512 bytes
//! per connection (the target; nginx measured 569 B here, hyper about 16 KB).
//!
//! Ignored by default (it opens 18,000 descriptors between the two processes and wants a
//! quiet machine): `cargo test -p runtime-mio --test idle_memory -- --ignored --nocapture`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::Duration;

const CONNECTIONS: usize = 9_000;

fn rss(pid: u32) -> usize {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    let kb: usize = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kb * 1024
}

fn request(c: &mut TcpStream) {
    c.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let mut buf = [0u8; 256];
    let mut got = 0;
    // The whole answer is 90-odd bytes and ends with the body.
    while !buf[..got].ends_with(b"Hello, World!") {
        let n = c.read(&mut buf[got..]).unwrap();
        assert!(n > 0, "closed");
        got += n;
    }
    assert!(buf.starts_with(b"HTTP/1.1 200 OK\r\n"));
}

#[test]
#[ignore = "opens 18,000 descriptors; run by hand or in the benchmark script"]
fn idle_keep_alive_connection_costs_at_most_512_bytes() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_wire"))
        .args(["serve", "--listen", "127.0.0.1:0", "--threads", "1"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .strip_prefix("listening on http://")
        .unwrap()
        .to_owned();
    let connect = || {
        let c = TcpStream::connect(&addr).unwrap();
        c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        c
    };
    // Warm-up: the slab, the timer heap and the buffer pool reach their working size.
    let mut warm: Vec<TcpStream> = (0..200).map(|_| connect()).collect();
    for c in &mut warm {
        request(c);
    }
    std::thread::sleep(Duration::from_millis(300));
    let before = rss(child.id());
    let mut conns: Vec<TcpStream> = (0..CONNECTIONS).map(|_| connect()).collect();
    for c in &mut conns {
        request(c);
    }
    std::thread::sleep(Duration::from_millis(500));
    let after = rss(child.id());
    // Still served, first and last.
    request(&mut conns[0]);
    request(conns.last_mut().unwrap());
    let per = (after.saturating_sub(before)) / CONNECTIONS;
    eprintln!("{CONNECTIONS} idle keep-alive connections: RSS {before} -> {after}, {per} B each");
    let _ = child.kill();
    let _ = child.wait();
    assert!(per <= 512, "{per} B per idle connection");
}
