//! The client's memory with large bodies, in a test binary of its own (the process's resident
//! memory is the client's alone: `wire serve` runs as another process):
//! - a paused 1 GiB download keeps the client's resident memory under 64 MiB (the bounded
//!   queue holds; HTTP/1.1 stops reading the socket, HTTP/2 returns no window credit);
//! - 100 MiB downloads arrive byte-exact over HTTP/1.1, h2c and TLS HTTP/2, streamed, with
//!   the resident memory still bounded.

use std::time::Duration;

use runtime_mio::client::{Client, ClientConfig, Request, Version, Wait};

#[path = "support/wire_serve.rs"]
mod wire_serve;

use wire_serve::WireServe;

/// `wire serve` as a process (with `--tls`: its certificate).
fn wire_serve(tls: bool) -> WireServe {
    WireServe::start(if tls {
        &["--threads", "1", "--tls"][..]
    } else {
        &["--threads", "1"]
    })
}

/// This process's resident memory (VmRSS), in bytes.
fn rss() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let kb: usize = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    kb * 1024
}

const MIB: usize = 1 << 20;

/// Reads `n` bytes of `/bytes/N` from `offset` on, checking each (byte `i` is `i % 251`).
fn read_checked(body: &mut runtime_mio::client::Body, offset: &mut usize, n: usize) {
    let end = *offset + n;
    while *offset < end {
        let chunk = body
            .chunk(Wait::Timeout(Duration::from_secs(30)))
            .unwrap()
            .expect("the body ended early");
        let ok = chunk
            .iter()
            .enumerate()
            .all(|(i, &b)| b == ((*offset + i) % 251) as u8);
        assert!(ok, "a byte differs in the chunk at {}", *offset);
        *offset += chunk.len();
    }
}

#[test]
fn paused_gigabyte_download_and_hundred_mib_downloads() {
    // One test: the resident memory is the process's, so nothing else may run beside it.
    let plain = wire_serve(false);
    let tls = wire_serve(true);
    let cases = [
        ("HTTP/1.1", &plain, false, Version::Http11),
        ("h2c", &plain, true, Version::H2),
        ("TLS HTTP/2", &tls, false, Version::H2),
    ];
    for (name, server, h2c, version) in cases {
        let client = Client::new(ClientConfig {
            h2_prior_knowledge: h2c,
            root_pems: server.cert_pem().into_iter().collect(),
            ..ClientConfig::default()
        })
        .unwrap();
        let base = if server.cert_pem().is_some() {
            format!("https://localhost:{}", server.port())
        } else {
            format!("http://127.0.0.1:{}", server.port())
        };

        // A 1 GiB download, paused twice: the client holds its queue, not the gigabyte.
        let mut resp = client
            .request(Request::get(&format!("{base}/bytes/{}", 1usize << 30)).unwrap())
            .unwrap();
        assert_eq!(resp.version(), version, "{name}");
        let mut offset = 0;
        read_checked(resp.body(), &mut offset, MIB);
        for pause in 0..2 {
            std::thread::sleep(Duration::from_millis(1500));
            let held = rss();
            assert!(
                held < 64 * MIB,
                "{name}: {} MiB resident during pause {pause}",
                held / MIB
            );
            read_checked(resp.body(), &mut offset, 16 * MIB);
        }
        drop(resp);

        // 100 MiB, every byte checked as it streams.
        let mut resp = client
            .request(Request::get(&format!("{base}/bytes/{}", 100 * MIB)).unwrap())
            .unwrap();
        let mut offset = 0;
        read_checked(resp.body(), &mut offset, 100 * MIB);
        assert_eq!(resp.body().chunk(Wait::Block).unwrap(), None, "{name}");
        let held = rss();
        assert!(held < 64 * MIB, "{name}: {} MiB resident", held / MIB);
    }
}
