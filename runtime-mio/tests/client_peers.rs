//! Our client against real servers on loopback (issue 13, "Real peers"):
//! - nginx over TLS, HTTP/1.1 and HTTP/2 (ALPN): static files of boundary sizes, byte-exact;
//!   a WebSocket location proxied to an echo backend (our own server in-process), where
//!   nginx's HTTP/2 has no RFC 8441, so with ALPN `h2` the client falls back to an
//!   HTTP/1.1-only connection; an SSE location proxied to hypercorn's event stream, read
//!   through a reconnection with `Last-Event-ID`.
//! - `nghttpd`, h2 over TLS and h2c: the same files, byte-exact.
//! - `openssl s_server -www`, TLS 1.3 and TLS 1.2: a GET over HTTP/1.1, and
//!   [`Response::conn_info`] agrees with the version and cipher the server's page reports.
//! - Python `websockets`: text and binary echo, permessage-deflate, a subprotocol, the closing
//!   handshake to its end.
//! - `hypercorn` (the peers kit's `py/asgi_peer.py`) over HTTP/1.1, h2c, and TLS with
//!   HTTP/1.1 and h2: a GET, a 1 MiB + 1 download and a 1 MiB POST echoed; its WebSocket echo
//!   over HTTP/1.1, and over HTTP/2 exactly when its SETTINGS say it takes extended CONNECT.
//!
//! Every peer comes from the peers kit (`SETUP_PEERS=1 . scripts/setup.sh`, as
//! scripts/test.sh runs it); a missing one fails the test. Each server gets its own free
//! port and its own scratch directory, and is killed when the test ends.

use std::fs::File;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use runtime_mio::client::{
    Client, ClientConfig, EventSource, Message, Request, ResolveOverride, Response, SseConfig,
    SseItem, Version, Wait, WebSocket, WebSocketRequest,
};
use runtime_mio::server::{Server, ServerConfig};

#[path = "support/peers.rs"]
mod peers;
#[path = "support/tls_server.rs"]
mod tls_server;
use peers::{MISSING, kit_file, peers_dir};
use tls_server::unix_now;

/// The boundary sizes of the downloads (100 MiB is left to the in-process tests).
const SIZES: [usize; 6] = [0, 1, 16_383, 16_384, 16_385, (1 << 20) + 1];

/// `len` bytes with every byte value, in a pattern that is not periodic at a power of two.
fn payload(len: usize) -> Vec<u8> {
    (0..len).map(|i| ((i * 7 + i / 251) % 256) as u8).collect()
}

/// A port the OS says is free on 127.0.0.1.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A scratch directory, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "client-peers-{}-{tag}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn path(&self) -> &Path {
        &self.0
    }

    fn file(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    fn str(&self, name: &str) -> String {
        self.file(name).to_str().unwrap().to_owned()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A self-signed certificate for `localhost` in `dir` (`cert.pem`, `key.pem`); returns the
/// PEM to trust.
fn write_cert(dir: &TempDir) -> Vec<u8> {
    let ck = tls::testing::self_signed(&["localhost"], unix_now()).unwrap();
    std::fs::write(dir.file("cert.pem"), &ck.chain_pem).unwrap();
    std::fs::write(dir.file("key.pem"), &ck.key_pem).unwrap();
    ck.chain_pem
}

/// `www/f<SIZE>` for every size of [`SIZES`] in `dir`.
fn write_files(dir: &TempDir) {
    std::fs::create_dir_all(dir.file("www")).unwrap();
    for n in SIZES {
        std::fs::write(dir.file(&format!("www/f{n}")), payload(n)).unwrap();
    }
}

/// A peer server: its output goes to a log in its scratch directory; it is killed (and
/// reaped) on drop.
struct Peer {
    name: String,
    child: Child,
    log: PathBuf,
    _dir: TempDir,
}

impl Peer {
    /// Starts `cmd` and waits (bounded) until it listens on every port of `ports`.
    fn start(name: &str, mut cmd: Command, dir: TempDir, ports: &[u16]) -> Peer {
        let log = dir.file(&format!("{name}.log"));
        let out = File::create(&log).unwrap();
        cmd.stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out);
        // A process group of its own, so that the drop ends the children it starts too
        // (hypercorn's worker processes outlived it before).
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        let child = cmd.spawn().unwrap_or_else(|e| {
            panic!("{name}: cannot run {:?}: {e}: {MISSING}", cmd.get_program())
        });
        let mut peer = Peer {
            name: name.to_owned(),
            child,
            log,
            _dir: dir,
        };
        for &port in ports {
            peer.wait_listening(port);
        }
        peer
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Polls the port every 100 ms, for at most 30 s (a loaded machine starts Python slowly).
    fn wait_listening(&mut self, port: u16) {
        for _ in 0..300 {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!(
                    "{} ended ({status}) before listening on {port}:\n{}",
                    self.name,
                    self.log()
                );
            }
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!(
            "{} does not listen on {port} after 30 s:\n{}",
            self.name,
            self.log()
        );
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        // The whole group (see `start`), then the peer itself should that fail.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!("--- {}'s output:\n{}", self.name, self.log());
        }
    }
}

/// A client trusting `pem` that sends `localhost:PORT` for each of `ports` to 127.0.0.1.
fn client(pem: &[u8], ports: &[u16], alpn_h2: bool, h2_prior_knowledge: bool) -> Client {
    Client::new(ClientConfig {
        alpn_h2,
        h2_prior_knowledge,
        root_pems: vec![pem.to_vec()],
        resolve: ports
            .iter()
            .map(|p| ResolveOverride::parse(&format!("localhost:{p}:127.0.0.1")).unwrap())
            .collect(),
        ..ClientConfig::default()
    })
    .unwrap()
}

fn get(client: &Client, url: &str) -> Response {
    client
        .request(Request::get(url).unwrap())
        .unwrap_or_else(|e| panic!("GET {url}: {e}"))
}

/// GET `url`, expecting 200 over `version`; the body.
fn fetch(client: &Client, url: &str, version: Version) -> Vec<u8> {
    let mut r = get(client, url);
    assert_eq!(r.status(), 200, "GET {url}");
    assert_eq!(r.version(), version, "GET {url}");
    r.body()
        .read_to_end()
        .unwrap_or_else(|e| panic!("GET {url}: body: {e}"))
}

/// Downloads `{base}/f<SIZE>` for every size and compares each with what was written.
fn download_files(client: &Client, base: &str, version: Version) {
    for n in SIZES {
        let url = format!("{base}/f{n}");
        let body = fetch(client, &url, version);
        assert_eq!(body.len(), n, "GET {url}: length");
        assert!(body == payload(n), "GET {url}: the bytes differ");
    }
}

/// The next data message or Close, skipping pings and pongs.
fn next_message(ws: &mut WebSocket) -> Message {
    loop {
        match ws.recv(Wait::Timeout(Duration::from_secs(10))) {
            Ok(Some(Message::Ping(_) | Message::Pong(_))) => {}
            Ok(Some(m)) => return m,
            Ok(None) => panic!("the WebSocket ended"),
            Err(e) => panic!("WebSocket recv: {e}"),
        }
    }
}

/// Text and binary messages echoed (binary at sizes around frame-length and window
/// boundaries, byte-exact), then the closing handshake to `Ok(None)`.
fn echo_and_close(ws: &mut WebSocket, what: &str) {
    ws.send_text("hello ✓").unwrap();
    assert_eq!(next_message(ws), Message::Text("hello ✓".into()), "{what}");
    for len in [0, 1, 125, 126, 65_535, 65_536, (1 << 20) + 1] {
        let data = payload(len);
        ws.send_binary(data.clone()).unwrap();
        match next_message(ws) {
            Message::Binary(b) => assert!(b == data, "{what}: {len} bytes differ"),
            m => panic!("{what}: {len} bytes sent, {m:?} came back"),
        }
    }
    close(ws, what);
}

/// Our Close 1000, the server's Close 1000 back, then the end.
fn close(ws: &mut WebSocket, what: &str) {
    ws.close(1000, "done").unwrap();
    match next_message(ws) {
        Message::Close { code, .. } => assert_eq!(code, Some(1000), "{what}"),
        m => panic!("{what}: {m:?} instead of the server's Close"),
    }
    assert_eq!(
        ws.recv(Wait::Timeout(Duration::from_secs(10))).unwrap(),
        None,
        "{what}: the closing handshake ends the WebSocket"
    );
}

// ---------------------------------------------------------------------------------------------
// nginx

/// nginx (one process, no master) serving `dir/www` over HTTP/1.1 on `plain` and over TLS
/// with `h2` and `http/1.1` on `tls`; `/ws` proxied to `ws_backend` and `/sse` (unbuffered)
/// to `sse_backend` when given.
fn nginx(
    dir: TempDir,
    plain: u16,
    tls: u16,
    ws_backend: Option<u16>,
    sse_backend: Option<u16>,
) -> Peer {
    std::fs::create_dir_all(dir.file("tmp")).unwrap();
    let d = dir.path().to_str().unwrap();
    let ws = ws_backend.map_or_else(String::new, |port| {
        format!(
            "location /ws {{
            proxy_pass http://127.0.0.1:{port};
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_read_timeout 60s;
        }}"
        )
    });
    let sse = sse_backend.map_or_else(String::new, |port| {
        format!(
            "location /sse {{
            proxy_pass http://127.0.0.1:{port};
            proxy_http_version 1.1;
            proxy_set_header Connection \"\";
            proxy_buffering off;
            proxy_cache off;
            proxy_read_timeout 60s;
        }}"
        )
    });
    let conf = format!(
        "worker_processes 1;
master_process off;
daemon off;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {d}/tmp/body;
    proxy_temp_path       {d}/tmp/proxy;
    fastcgi_temp_path     {d}/tmp/fcgi;
    uwsgi_temp_path       {d}/tmp/uwsgi;
    scgi_temp_path        {d}/tmp/scgi;
    default_type application/octet-stream;
    map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
    server {{
        listen 127.0.0.1:{plain};
        listen 127.0.0.1:{tls} ssl http2;
        server_name localhost;
        ssl_certificate     {d}/cert.pem;
        ssl_certificate_key {d}/key.pem;
        ssl_protocols TLSv1.2 TLSv1.3;
        root {d}/www;
        {ws}
        {sse}
    }}
}}
"
    );
    std::fs::write(dir.file("nginx.conf"), conf).unwrap();
    let mut cmd = Command::new("nginx");
    cmd.args([
        "-p",
        d,
        "-e",
        &dir.str("error.log"),
        "-c",
        &dir.str("nginx.conf"),
    ]);
    Peer::start("nginx", cmd, dir, &[plain, tls])
}

#[test]
fn nginx_static_files_over_tls_http11_and_h2() {
    let dir = TempDir::new("nginx");
    let pem = write_cert(&dir);
    write_files(&dir);
    let (plain, tls) = (free_port(), free_port());
    let _nginx = nginx(dir, plain, tls, None, None);

    let h2 = client(&pem, &[tls], true, false);
    let base = format!("https://localhost:{tls}");
    download_files(&h2, &base, Version::H2);
    let r = get(&h2, &format!("{base}/f1"));
    assert_eq!(r.conn_info().alpn.as_deref(), Some(&b"h2"[..]));
    // Every download shared the one HTTP/2 connection.
    assert_eq!(h2.pool_stats().opened, 1, "{:?}", h2.pool_stats());

    let h1 = client(&pem, &[tls], false, false);
    download_files(&h1, &base, Version::Http11);
    let r = get(&h1, &format!("{base}/f1"));
    assert_eq!(r.conn_info().alpn.as_deref(), Some(&b"http/1.1"[..]));

    // Cleartext HTTP/1.1 too (keep-alive through every size).
    let plain_client = client(&pem, &[], true, false);
    download_files(
        &plain_client,
        &format!("http://127.0.0.1:{plain}"),
        Version::Http11,
    );
}

/// Our own server's WebSocket echo, the backend nginx proxies `/ws` to.
fn ws_echo_backend() -> Server {
    Server::bind(
        "127.0.0.1:0".parse().unwrap(),
        ServerConfig {
            threads: 1,
            ..ServerConfig::default()
        },
        |req| match req.path() {
            "/ws" => runtime_mio::server::Response::websocket(|m| vec![m]),
            _ => runtime_mio::server::Response::text(404, "no"),
        },
    )
    .unwrap()
}

#[test]
fn nginx_websocket_proxy_http11_and_fallback_from_h2() {
    let backend = ws_echo_backend();
    let dir = TempDir::new("nginx-ws");
    let pem = write_cert(&dir);
    write_files(&dir);
    let (plain, tls) = (free_port(), free_port());
    let _nginx = nginx(dir, plain, tls, Some(backend.local_addr().port()), None);
    let url = format!("wss://localhost:{tls}/ws");

    // ALPN http/1.1 only: an upgraded HTTP/1.1 connection.
    let h1 = client(&pem, &[tls], false, false);
    let mut ws = h1.websocket(WebSocketRequest::new(&url).unwrap()).unwrap();
    assert_eq!(ws.version(), Version::Http11);
    assert_eq!(ws.status(), 101);
    assert!(
        ws.deflate().is_some(),
        "nginx passes permessage-deflate through"
    );
    echo_and_close(&mut ws, "nginx wss http/1.1");

    // ALPN h2: nginx's HTTP/2 sends no SETTINGS_ENABLE_CONNECT_PROTOCOL, so the WebSocket
    // goes over a new HTTP/1.1-only connection while plain requests keep using HTTP/2.
    let h2 = client(&pem, &[tls], true, false);
    let r = get(&h2, &format!("https://localhost:{tls}/f1"));
    assert_eq!(r.version(), Version::H2);
    let settings = r.conn_info().h2_peer_settings.expect("nginx's SETTINGS");
    assert!(!settings.enable_connect_protocol);
    let mut ws = h2.websocket(WebSocketRequest::new(&url).unwrap()).unwrap();
    assert_eq!(ws.version(), Version::Http11);
    assert_eq!(ws.status(), 101);
    assert_ne!(ws.connection_id(), r.connection_id());
    echo_and_close(&mut ws, "nginx wss after h2");
    assert_eq!(
        fetch(&h2, &format!("https://localhost:{tls}/f16385"), Version::H2),
        payload(16_385)
    );

    // Cleartext through nginx as well.
    let plain_client = client(&pem, &[], true, false);
    let mut ws = plain_client
        .websocket(WebSocketRequest::new(&format!("ws://127.0.0.1:{plain}/ws")).unwrap())
        .unwrap();
    assert_eq!(ws.version(), Version::Http11);
    echo_and_close(&mut ws, "nginx ws cleartext");
    backend.shutdown().unwrap();
}

/// The next item of `source` within 10 s.
fn next_item(source: &mut EventSource) -> SseItem {
    match source.next_event(Wait::Timeout(Duration::from_secs(10))) {
        Ok(Some(item)) => item,
        other => panic!("SSE: {other:?}"),
    }
}

/// asgi_peer's event `i` (`id: i`, `event: tick`, two data lines).
fn check_tick(item: SseItem, i: u32, what: &str) {
    match item {
        SseItem::Event(e) => {
            assert_eq!(e.id, i.to_string(), "{what}");
            assert_eq!(e.event_type, "tick", "{what}");
            assert_eq!(e.data, format!("event {i}\nsecond line"), "{what}");
        }
        other => panic!("{what}: event {i} expected, got {other:?}"),
    }
}

#[test]
fn nginx_sse_proxy_http11_and_h2_with_reconnect() {
    // The event source behind nginx: hypercorn's asgi_peer `/sse` (it sends `retry: 1000`,
    // then `n` events numbered after the request's Last-Event-ID, then ends the stream).
    let backend_dir = TempDir::new("hypercorn-sse");
    write_cert(&backend_dir);
    let (backend, backend_tls) = (free_port(), free_port());
    let _backend = hypercorn(backend_dir, backend, backend_tls);
    let dir = TempDir::new("nginx-sse");
    let pem = write_cert(&dir);
    write_files(&dir);
    let (plain, tls) = (free_port(), free_port());
    let _nginx = nginx(dir, plain, tls, None, Some(backend));
    let url = format!("https://localhost:{tls}/sse?n=3&ms=20");
    for (alpn_h2, version) in [(true, Version::H2), (false, Version::Http11)] {
        let what = format!("nginx /sse over {version:?}");
        let c = client(&pem, &[tls], alpn_h2, false);
        let mut source = c
            .sse(Request::get(&url).unwrap(), SseConfig::default())
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(source.version(), version, "{what}");
        for i in 1..=3 {
            check_tick(next_item(&mut source), i, &what);
        }
        assert_eq!(source.last_event_id(), "3", "{what}");
        assert_eq!(
            source.reconnection_time(),
            Duration::from_millis(1000),
            "{what}: the server's retry"
        );
        // The server ends the stream: the source reconnects with Last-Event-ID 3, and
        // the numbering goes on from there.
        match next_item(&mut source) {
            SseItem::Retrying { error, .. } => assert!(error.is_none(), "{what}: {error:?}"),
            other => panic!("{what}: Retrying expected, got {other:?}"),
        }
        match next_item(&mut source) {
            SseItem::Reconnected {
                last_event_id,
                version: v,
                ..
            } => {
                assert_eq!(last_event_id.as_deref(), Some("3"), "{what}");
                assert_eq!(v, version, "{what}");
            }
            other => panic!("{what}: Reconnected expected, got {other:?}"),
        }
        check_tick(next_item(&mut source), 4, &what);
        source.close();
        assert!(source.next_event(Wait::NoWait).unwrap().is_none(), "{what}");
    }
}

// ---------------------------------------------------------------------------------------------
// nghttpd

#[test]
fn nghttpd_h2_over_tls_and_h2c() {
    let dir = TempDir::new("nghttpd");
    let pem = write_cert(&dir);
    write_files(&dir);
    let tls = free_port();
    let mut cmd = Command::new("nghttpd");
    cmd.args(["-a", "127.0.0.1", "-d", &dir.str("www"), &tls.to_string()])
        .args([dir.str("key.pem"), dir.str("cert.pem")]);
    let _tls_peer = Peer::start("nghttpd-tls", cmd, dir, &[tls]);
    let h2 = client(&pem, &[tls], true, false);
    download_files(&h2, &format!("https://localhost:{tls}"), Version::H2);
    assert_eq!(h2.pool_stats().opened, 1, "{:?}", h2.pool_stats());

    let dir = TempDir::new("nghttpd-h2c");
    write_files(&dir);
    let h2c = free_port();
    let mut cmd = Command::new("nghttpd");
    cmd.args(["--no-tls", "-a", "127.0.0.1", "-d", &dir.str("www")])
        .arg(h2c.to_string());
    let _h2c_peer = Peer::start("nghttpd-h2c", cmd, dir, &[h2c]);
    let prior = client(&pem, &[], true, true);
    download_files(&prior, &format!("http://127.0.0.1:{h2c}"), Version::H2);
    assert_eq!(prior.pool_stats().opened, 1, "{:?}", prior.pool_stats());
}

// ---------------------------------------------------------------------------------------------
// openssl s_server

/// The value after `label` on the page's line that has it (`Cipher is X`, `Protocol  : X`).
fn after<'a>(page: &'a str, label: &str) -> Option<&'a str> {
    page.lines()
        .find_map(|l| l.split_once(label))
        .map(|(_, rest)| rest.trim())
}

/// OpenSSL's name of a TLS 1.2 suite a P-256 certificate can agree on, in IANA's spelling.
fn iana_name(openssl: &str) -> Option<&'static str> {
    Some(match openssl {
        "ECDHE-ECDSA-AES128-GCM-SHA256" => "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        "ECDHE-ECDSA-AES256-GCM-SHA384" => "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        "ECDHE-ECDSA-CHACHA20-POLY1305" => "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
        "ECDHE-ECDSA-AES128-SHA" => "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
        "ECDHE-ECDSA-AES256-SHA" => "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
        _ => return None,
    })
}

fn s_server(version_flag: &str, expected: &str) {
    let dir = TempDir::new("s_server");
    let pem = write_cert(&dir);
    let port = free_port();
    let mut cmd = Command::new("openssl");
    cmd.args(["s_server", "-accept", &format!("127.0.0.1:{port}")])
        .args(["-cert", &dir.str("cert.pem"), "-key", &dir.str("key.pem")])
        .args(["-www", version_flag]);
    let _peer = Peer::start("openssl-s_server", cmd, dir, &[port]);
    // ALPN offers h2 first; s_server takes no ALPN, so HTTP/1.1 it is.
    let c = client(&pem, &[port], true, false);
    let mut r = get(&c, &format!("https://localhost:{port}/"));
    // `-www` answers with an HTTP/1.0 status line of its own: `HTTP/1.0 200 ok`.
    assert_eq!(
        (r.status(), r.version(), r.reason()),
        (200, Version::Http10, Some(&b"ok"[..]))
    );
    let info = r.conn_info();
    let page = String::from_utf8(r.body().read_to_end().unwrap()).unwrap();
    assert_eq!(info.tls_version.as_deref(), Some(expected), "{page}");
    assert_eq!(info.alpn, None);
    assert!(info.remote.is_some());
    // The server's page names the protocol and the cipher it agreed on.
    assert_eq!(after(&page, "Protocol  :"), Some(expected), "{page}");
    let theirs = after(&page, "Cipher is").unwrap_or_else(|| panic!("{page}"));
    let ours = info.cipher.expect("a cipher under TLS");
    if expected == "TLSv1.3" {
        assert_eq!(ours, theirs, "{page}");
    } else {
        assert_eq!(Some(ours), iana_name(theirs), "{page}");
    }
}

#[test]
fn openssl_s_server_tls13() {
    s_server("-tls1_3", "TLSv1.3");
}

#[test]
fn openssl_s_server_tls12() {
    s_server("-tls1_2", "TLSv1.2");
}

// ---------------------------------------------------------------------------------------------
// Python websockets

/// An echo server like the kit's `py/ws_echo_server.py` that also speaks `chat` and
/// `superchat`.
const WS_SUBPROTOCOL_SERVER: &str = "import asyncio, sys
from websockets.asyncio.server import serve

async def echo(ws):
    async for msg in ws:
        await ws.send(msg)

async def main(port):
    async with serve(echo, '127.0.0.1', port, subprotocols=['chat', 'superchat'],
                     max_size=2**25, ping_interval=None) as server:
        await server.serve_forever()

asyncio.run(main(int(sys.argv[1])))
";

#[test]
fn python_websockets_echo_deflate_subprotocol_close() {
    let python = kit_file("venv/bin/python");
    let echo_script = kit_file("py/ws_echo_server.py");
    let port = free_port();
    let mut cmd = Command::new(&python);
    cmd.arg(&echo_script).args([&port.to_string(), "127.0.0.1"]);
    let _echo = Peer::start("websockets-echo", cmd, TempDir::new("ws-echo"), &[port]);
    let c = client(b"", &[], true, false);
    let url = format!("ws://127.0.0.1:{port}/");
    let mut ws = c.websocket(WebSocketRequest::new(&url).unwrap()).unwrap();
    assert_eq!(ws.version(), Version::Http11);
    assert_eq!(ws.status(), 101);
    assert!(
        ws.deflate().is_some(),
        "websockets accepts permessage-deflate"
    );
    assert_eq!(ws.protocol(), None);
    echo_and_close(&mut ws, "websockets echo");
    // Without the offer, no compression.
    let mut ws = c
        .websocket(WebSocketRequest::new(&url).unwrap().deflate(None))
        .unwrap();
    assert!(ws.deflate().is_none());
    echo_and_close(&mut ws, "websockets echo, no deflate");

    let dir = TempDir::new("ws-sub");
    std::fs::write(dir.file("server.py"), WS_SUBPROTOCOL_SERVER).unwrap();
    let port = free_port();
    let mut cmd = Command::new(&python);
    cmd.arg(dir.file("server.py")).arg(port.to_string());
    let _sub = Peer::start("websockets-subprotocol", cmd, dir, &[port]);
    let mut ws = c
        .websocket(
            WebSocketRequest::new(&format!("ws://127.0.0.1:{port}/"))
                .unwrap()
                .protocols(&["v2.unknown", "superchat"]),
        )
        .unwrap();
    assert_eq!(ws.protocol(), Some("superchat"));
    ws.send_text("sub").unwrap();
    assert_eq!(next_message(&mut ws), Message::Text("sub".into()));
    close(&mut ws, "websockets subprotocol");
}

// ---------------------------------------------------------------------------------------------
// hypercorn

/// hypercorn serving the kit's `py/asgi_peer.py` over cleartext (HTTP/1.1 and h2c) on
/// `plain` and over TLS (ALPN `h2`, `http/1.1`) on `tls`.
fn hypercorn(dir: TempDir, plain: u16, tls: u16) -> Peer {
    let hypercorn = kit_file("venv/bin/hypercorn");
    kit_file("py/asgi_peer.py");
    let mut cmd = Command::new(hypercorn);
    cmd.current_dir(peers_dir())
        .arg("py.asgi_peer:app")
        .args(["--insecure-bind", &format!("127.0.0.1:{plain}")])
        .args(["--bind", &format!("127.0.0.1:{tls}")])
        .args(["--certfile", &dir.str("cert.pem")])
        .args(["--keyfile", &dir.str("key.pem")]);
    Peer::start("hypercorn", cmd, dir, &[plain, tls])
}

/// `/`, `/big` (1 MiB + 1) and a 1 MiB POST to `/echo` over `version`.
fn hypercorn_http(c: &Client, base: &str, version: Version) {
    assert_eq!(fetch(c, &format!("{base}/"), version), b"hello\n");
    let n = (1 << 20) + 1;
    let big = fetch(c, &format!("{base}/big?n={n}"), version);
    assert_eq!(big.len(), n, "{base}/big");
    assert!(
        big.iter().all(|&b| b == b'x'),
        "{base}/big: the bytes differ"
    );
    let data = payload(1 << 20);
    let mut r = c
        .request(Request::post(&format!("{base}/echo"), data.clone()).unwrap())
        .unwrap_or_else(|e| panic!("POST {base}/echo: {e}"));
    assert_eq!(r.status(), 200);
    assert_eq!(r.version(), version);
    let echoed = r.body().read_to_end().unwrap();
    assert_eq!(echoed.len(), data.len(), "{base}/echo");
    assert!(echoed == data, "{base}/echo: the bytes differ");
}

#[test]
fn hypercorn_http11_h2c_and_tls() {
    let dir = TempDir::new("hypercorn");
    let pem = write_cert(&dir);
    let (plain, tls) = (free_port(), free_port());
    let _peer = hypercorn(dir, plain, tls);
    let cleartext = format!("http://127.0.0.1:{plain}");
    let secure = format!("https://localhost:{tls}");
    hypercorn_http(&client(&pem, &[], true, false), &cleartext, Version::Http11);
    hypercorn_http(&client(&pem, &[], true, true), &cleartext, Version::H2);
    hypercorn_http(
        &client(&pem, &[tls], false, false),
        &secure,
        Version::Http11,
    );
    hypercorn_http(&client(&pem, &[tls], true, false), &secure, Version::H2);
}

/// A WebSocket to hypercorn's `/ws` echo over `base`'s HTTP/2 connection when its SETTINGS
/// allow extended CONNECT, else over HTTP/1.1.
fn hypercorn_ws_over_h2_origin(c: &Client, base: &str) {
    let r = get(c, &format!("{base}/"));
    assert_eq!(r.version(), Version::H2, "{base}");
    let settings = r
        .conn_info()
        .h2_peer_settings
        .unwrap_or_else(|| panic!("{base}: no SETTINGS from hypercorn"));
    let ws_url = format!("{}/ws", base.replacen("http", "ws", 1));
    let mut ws = c
        .websocket(WebSocketRequest::new(&ws_url).unwrap())
        .unwrap();
    if settings.enable_connect_protocol {
        assert_eq!(ws.version(), Version::H2, "{base}: RFC 8441 offered");
        assert_eq!(ws.status(), 200);
        assert_eq!(ws.connection_id(), r.connection_id());
    } else {
        assert_eq!(ws.version(), Version::Http11, "{base}: no RFC 8441");
        assert_eq!(ws.status(), 101);
    }
    echo_and_close(&mut ws, &ws_url);
    // hypercorn drops its HTTP/2 connection after such a close: the next request still goes.
    assert_eq!(fetch(c, &format!("{base}/"), Version::H2), b"hello\n");
}

#[test]
fn hypercorn_websocket_echo() {
    let dir = TempDir::new("hypercorn-ws");
    let pem = write_cert(&dir);
    let (plain, tls) = (free_port(), free_port());
    let _peer = hypercorn(dir, plain, tls);

    // HTTP/1.1: cleartext, and TLS with ALPN http/1.1 only.
    let c = client(&pem, &[tls], false, false);
    for url in [
        format!("ws://127.0.0.1:{plain}/ws"),
        format!("wss://localhost:{tls}/ws"),
    ] {
        let mut ws = c.websocket(WebSocketRequest::new(&url).unwrap()).unwrap();
        assert_eq!(ws.version(), Version::Http11, "{url}");
        assert_eq!(ws.status(), 101, "{url}");
        echo_and_close(&mut ws, &url);
    }
    // HTTP/2: h2c with prior knowledge, and TLS with ALPN h2.
    hypercorn_ws_over_h2_origin(
        &client(&pem, &[], true, true),
        &format!("http://127.0.0.1:{plain}"),
    );
    hypercorn_ws_over_h2_origin(
        &client(&pem, &[tls], true, false),
        &format!("https://localhost:{tls}"),
    );
}
