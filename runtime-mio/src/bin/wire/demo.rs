//! `wire demo`: `wire serve --tls` started in this process on loopback (a fresh self-signed
//! certificate the client trusts: verification stays on), and the client run through what
//! it does, one line per step, each line printed only after its checks passed:
//!
//! 1. HTTP/1.1 (ALPN `http/1.1` only): `/echo`, with the TLS version and cipher agreed;
//! 2. HTTP/2: eight 256 KiB downloads at once, multiplexed on one connection, every byte
//!    checked;
//! 3. a 64 MiB download read as it streams and cancelled half-way (RST_STREAM CANCEL), the
//!    next request reusing the same HTTP/2 connection;
//! 4. a WebSocket over HTTP/2 (RFC 8441) with permessage-deflate: text, 64 KiB of binary and
//!    a ping echoed, then the closing handshake;
//! 5. Server-Sent Events whose stream ends after three events: the client reconnects after
//!    the server's `retry:` with `Last-Event-ID` and gets the rest;
//! 6. the `chrome` browser profile: the server's `/fingerprint` reports the JA4 it saw
//!    (compared with Chrome's published JA4) and the Akamai HTTP/2 fingerprint (compared with
//!    the profile's).
//!
//! Exit 0 when every check passed; 1 (with the step and what differed) otherwise.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use runtime_mio::client::{
    Client, ClientConfig, Error, Message, Request, ResolveOverride, SseConfig, SseItem, Version,
    Wait, WebSocketRequest,
};

/// Arguments of `wire demo`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Address for the embedded server (port 0 picks a free one).
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
}

/// A failed step: which, and why.
struct Failed(String);

impl From<Error> for Failed {
    fn from(e: Error) -> Self {
        Failed(e.to_string())
    }
}

fn check(ok: bool, what: impl FnOnce() -> String) -> Result<(), Failed> {
    if ok { Ok(()) } else { Err(Failed(what())) }
}

pub(crate) fn run(args: &Args) -> u8 {
    let started = Instant::now();
    let (server, cert) = match super::serve::self_signed_server(args.listen) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("wire demo: cannot start the server: {e}");
            return 1;
        }
    };
    let addr = server.local_addr();
    println!(
        "wire demo: `wire serve --tls` in this process at https://localhost:{} (a fresh \
         self-signed certificate, trusted by the client: verification stays on)",
        addr.port()
    );
    let demo = Demo {
        base: format!("https://localhost:{}", addr.port()),
        ws_base: format!("wss://localhost:{}", addr.port()),
        cert,
        addr,
    };
    let steps: [(&str, Step); 6] = [
        ("HTTP/1.1", Demo::http1),
        ("HTTP/2", Demo::http2),
        ("streaming", Demo::streaming),
        ("WebSocket", Demo::websocket),
        ("SSE", Demo::sse),
        ("profile", Demo::profile),
    ];
    for (name, step) in steps {
        match step(&demo) {
            Ok(line) => println!("  {name:<10} {line}"),
            Err(Failed(why)) => {
                println!("  {name:<10} FAILED: {why}");
                let _ = server.shutdown();
                return 1;
            }
        }
    }
    let _ = server.shutdown();
    println!(
        "done in {:.2} s: every check passed",
        started.elapsed().as_secs_f64()
    );
    0
}

/// One step: its line, or why it failed.
type Step = fn(&Demo) -> Result<String, Failed>;

struct Demo {
    base: String,
    ws_base: String,
    cert: Vec<u8>,
    addr: SocketAddr,
}

/// `/bytes/N`'s byte `i`.
fn pattern_ok(body: &[u8]) -> bool {
    body.iter().enumerate().all(|(i, &b)| b == (i % 251) as u8)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

impl Demo {
    /// A client that trusts the demo's certificate and finds `localhost` at the server.
    fn client(&self, tweak: impl FnOnce(&mut ClientConfig)) -> Result<Client, Failed> {
        let resolve = ResolveOverride::parse(&format!(
            "localhost:{}:{}",
            self.addr.port(),
            self.addr.ip()
        ))?;
        let mut config = ClientConfig {
            root_pems: vec![self.cert.clone()],
            system_roots: false,
            resolve: vec![resolve],
            ..ClientConfig::default()
        };
        tweak(&mut config);
        Ok(Client::new(config)?)
    }

    fn http1(&self) -> Result<String, Failed> {
        let client = self.client(|c| c.alpn_h2 = false)?;
        let t = Instant::now();
        let mut resp = client.request(Request::post(&format!("{}/echo", self.base), "hi")?)?;
        let body = resp.body().read_to_end()?;
        let took = t.elapsed();
        let info = resp.conn_info();
        check(resp.version() == Version::Http11, || {
            format!("spoke {:?}", resp.version())
        })?;
        check(resp.status() == 200, || format!("status {}", resp.status()))?;
        let text = String::from_utf8_lossy(&body);
        check(text.contains("\"method\":\"POST\""), || {
            format!("/echo said {text}")
        })?;
        Ok(format!(
            "POST /echo -> {} with {} bytes of JSON in {:.1} ms ({}, {}, ALPN http/1.1)",
            resp.status(),
            body.len(),
            ms(took),
            info.tls_version.unwrap_or_default(),
            info.cipher.unwrap_or_default()
        ))
    }

    fn http2(&self) -> Result<String, Failed> {
        const N: usize = 8;
        const LEN: usize = 256 * 1024;
        let client = self.client(|_| {})?;
        // The connection first, so that the eight requests find it.
        client.preconnect(&self.base)?;
        let t = Instant::now();
        let url = format!("{}/bytes/{LEN}", self.base);
        let handles: Vec<_> = (0..N)
            .map(|_| {
                let client = client.clone();
                let url = url.clone();
                std::thread::spawn(move || -> Result<(u64, Version, Vec<u8>), Error> {
                    let mut r = client.request(Request::get(&url)?)?;
                    let body = r.body().read_to_end()?;
                    Ok((r.connection_id(), r.version(), body))
                })
            })
            .collect();
        let mut conns = HashSet::new();
        for h in handles {
            let (conn, version, body) = h
                .join()
                .map_err(|_| Failed("a download thread panicked".into()))??;
            check(version == Version::H2, || format!("spoke {version:?}"))?;
            check(body.len() == LEN && pattern_ok(&body), || {
                format!("a body of {} bytes differs from /bytes/{LEN}", body.len())
            })?;
            conns.insert(conn);
        }
        check(conns.len() == 1, || {
            format!("{} connections instead of one", conns.len())
        })?;
        Ok(format!(
            "{N} x GET /bytes/{LEN} at once, multiplexed on one connection, every byte \
             checked, in {:.1} ms",
            ms(t.elapsed())
        ))
    }

    fn streaming(&self) -> Result<String, Failed> {
        const LEN: usize = 64 << 20;
        let client = self.client(|_| {})?;
        let t = Instant::now();
        let mut resp = client.request(Request::get(&format!("{}/bytes/{LEN}", self.base))?)?;
        let head = t.elapsed();
        let cancel = resp.cancel_handle();
        let mut got = 0usize;
        let mut offset_ok = true;
        while got < LEN / 2 {
            let Some(chunk) = resp.body().chunk(Wait::Timeout(Duration::from_secs(10)))? else {
                return Err(Failed(format!("the body ended at {got} bytes")));
            };
            offset_ok &= chunk
                .iter()
                .enumerate()
                .all(|(i, &b)| b == ((got + i) % 251) as u8);
            got += chunk.len();
        }
        let rate = got as f64 / (1 << 20) as f64 / (t.elapsed() - head).as_secs_f64();
        check(offset_ok, || "a byte differs from /bytes/N".into())?;
        cancel.cancel();
        let after = resp.body().chunk(Wait::Block);
        check(matches!(after, Err(Error::Cancelled)), || {
            format!("a read after the cancel gave {after:?}")
        })?;
        let mut next = client.request(Request::get(&format!("{}/", self.base))?)?;
        next.body().read_to_end()?;
        check(next.connection_id() == resp.connection_id(), || {
            "the next request opened a new connection".into()
        })?;
        Ok(format!(
            "GET /bytes/{LEN}: head after {:.1} ms, cancelled at {:.1} MiB ({rate:.0} MiB/s); \
             the next request reused connection #{}",
            ms(head),
            got as f64 / (1 << 20) as f64,
            next.connection_id()
        ))
    }

    fn websocket(&self) -> Result<String, Failed> {
        let client = self.client(|_| {})?;
        let mut ws = client.websocket(WebSocketRequest::new(&format!("{}/ws", self.ws_base))?)?;
        check(ws.version() == Version::H2, || {
            format!("ran over {:?}", ws.version())
        })?;
        let binary: Vec<u8> = (0..64 * 1024).map(|i| (i % 251) as u8).collect();
        let sent = [
            Message::Text("hello, WebSocket".into()),
            Message::Binary(Bytes::from(binary)),
            Message::Ping(Bytes::from_static(b"demo")),
        ];
        for msg in &sent {
            ws.send(msg.clone())?;
            let want = match msg {
                Message::Ping(p) => Message::Pong(p.clone()),
                m => m.clone(),
            };
            let got = ws.recv(Wait::Timeout(Duration::from_secs(10)))?;
            check(got.as_ref() == Some(&want), || {
                format!("sent {msg:?}, got back {got:?}")
            })?;
        }
        ws.close(1000, "demo done")?;
        let mut code = None;
        while let Some(m) = ws.recv(Wait::Timeout(Duration::from_secs(10)))? {
            if let Message::Close { code: c, .. } = m {
                code = c;
            }
        }
        check(code == Some(1000), || {
            format!("the server closed with {code:?}")
        })?;
        Ok(format!(
            "wss://localhost/ws over HTTP/2 (RFC 8441 extended CONNECT), permessage-deflate {}: \
             text, 64 KiB binary and a ping echoed; closing handshake 1000",
            if ws.deflate().is_some() { "on" } else { "off" }
        ))
    }

    fn sse(&self) -> Result<String, Failed> {
        // Above proto-sse's floor of 250 ms, so the server's value is the one waited.
        const RETRY_MS: u64 = 300;
        let client = self.client(|_| {})?;
        let url = format!(
            "{}/sse?count=6&interval_ms=20&per_connection=3&retry_ms={RETRY_MS}",
            self.base
        );
        let mut source = client.sse(Request::get(&url)?, SseConfig::default())?;
        let mut ids: Vec<String> = Vec::new();
        let mut retry_after = None;
        let mut resumed_from = None;
        let deadline = Instant::now() + Duration::from_secs(20);
        while ids.len() < 6 {
            let left = deadline.saturating_duration_since(Instant::now());
            match source.next_event(Wait::Timeout(left))? {
                Some(SseItem::Event(e)) => ids.push(e.id),
                Some(SseItem::Retrying { delay, .. }) => retry_after = Some(delay),
                Some(SseItem::Reconnected { last_event_id, .. }) => resumed_from = last_event_id,
                Some(_) => {}
                None => break,
            }
        }
        source.close();
        check(ids == ["1", "2", "3", "4", "5", "6"], || {
            format!("events {ids:?}")
        })?;
        check(resumed_from.as_deref() == Some("3"), || {
            format!("reconnected with Last-Event-ID {resumed_from:?}")
        })?;
        let delay = retry_after.ok_or_else(|| Failed("no reconnection was reported".into()))?;
        check(delay >= Duration::from_millis(RETRY_MS), || {
            format!("reconnected after {delay:?}, before the server's retry: {RETRY_MS} ms")
        })?;
        Ok(format!(
            "GET /sse: events {}, the stream ended, reconnected after {} ms (the server's \
             retry:) with Last-Event-ID 3, events {}",
            ids[..3].join(" "),
            delay.as_millis(),
            ids[3..].join(" ")
        ))
    }

    fn profile(&self) -> Result<String, Failed> {
        let profile = &tls::profile::CHROME;
        let client = self.client(|c| c.profile = Some(profile.into()))?;
        let mut resp = client.request(Request::get(&format!("{}/fingerprint", self.base))?)?;
        let body = resp.body().read_to_end()?;
        let json = String::from_utf8_lossy(&body);
        let field = |key: &str| -> Result<String, Failed> {
            let start = format!("\"{key}\":\"");
            let at = json
                .find(&start)
                .ok_or_else(|| Failed(format!("/fingerprint has no {key}: {json}")))?;
            let rest = &json[at + start.len()..];
            Ok(rest[..rest.find('"').unwrap_or(rest.len())].to_owned())
        };
        let ja4 = field("ja4")?;
        let akamai = field("akamai")?;
        let expected_akamai = profile.http2.akamai_text();
        check(ja4 == profile.published_ja4, || {
            format!(
                "the server saw JA4 {ja4}, Chrome's published JA4 is {}",
                profile.published_ja4
            )
        })?;
        check(akamai == expected_akamai, || {
            format!("the server saw Akamai {akamai}, the profile's is {expected_akamai}")
        })?;
        Ok(format!(
            "{}: the server saw JA4 {ja4} (Chrome's published JA4: equal) and HTTP/2 \
             fingerprint {akamai} (the profile's: equal)",
            profile.browser_version
        ))
    }
}
