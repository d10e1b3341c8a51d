//! The client through proxies: Debian's `tinyproxy` (HTTP CONNECT, with and without Basic
//! auth), `tinyproxy` behind `socat`'s `OPENSSL-LISTEN` (an `https://` proxy: TLS with the
//! proxy, CONNECT inside it) and `microsocks` (SOCKS5, with and without username/password),
//! each started here on a free loopback port with its own configuration in a temporary
//! directory, and a SOCKS5 server written here that records the exact bytes the client sends.
//! Proxies chosen from environment variables ([`ProxyConfig::from_vars`], no process
//! environment touched) go through tinyproxy or direct as `no_proxy` says. GETs over HTTP/1.1
//! (cleartext, through a tunnel), h2c with prior knowledge and HTTP/2 over TLS (ALPN, TLS
//! inside the tunnel) come back byte-exact; refused credentials, a proxy that is not there
//! and a target the proxy cannot reach give [`Error::Proxy`] with the step that failed.
//!
//! The peers come from `SETUP_PEERS=1 . scripts/setup.sh`; a missing one fails the test.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use runtime_mio::client::{
    Client, ClientConfig, Error, NoProxy, Proxy, ProxyConfig, ProxyFailure, ProxyKind, Request,
    ResolveOverride, Version,
};
use runtime_mio::server::{Response, Server, ServerConfig};

#[path = "support/tls_server.rs"]
mod tls_server;
use tls_server::{Mode, unix_now};

/// Body byte `i` of a test download: not periodic at any power of two.
fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| ((i * 7 + i / 251) % 256) as u8).collect()
}

const SIZES: [usize; 3] = [0, 16_385, (1 << 20) + 1];

/// `/len/N`: N pattern bytes; anything else: the `Host` header back.
fn server(mode: Mode) -> (Server, Option<Vec<u8>>) {
    let mut config = ServerConfig {
        threads: 1,
        ..ServerConfig::default()
    };
    let root = mode.serve(&mut config);
    let s = Server::bind("127.0.0.1:0".parse().unwrap(), config, |req| {
        if let Some(n) = req.path().strip_prefix("/len/") {
            return Response::new(200).with_body(pattern(n.parse().unwrap()));
        }
        Response::new(200).with_body(req.header("host").unwrap_or_default().to_vec())
    })
    .unwrap();
    (s, root)
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn temp_dir(tag: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let d = std::env::temp_dir().join(format!(
        "wire-client-proxy-{}-{tag}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A proxy process on a loopback port, killed on drop.
struct Peer {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn spawn(bin: &str, args: &[&str], port: u16, dir: PathBuf) -> Peer {
    let child = Command::new(bin)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("{bin} does not start ({e}): install the peers with SETUP_PEERS=1 . scripts/setup.sh")
        });
    let mut peer = Peer { child, port, dir };
    let t = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Ok(Some(status)) = peer.child.try_wait() {
            panic!("{bin} exited at start: {status}");
        }
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "{bin} never listened on {port}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    peer
}

/// tinyproxy with its own configuration: loopback only, CONNECT to any port (no
/// `ConnectPort` line), Basic auth when `auth` is given.
fn tinyproxy(auth: Option<(&str, &str)>) -> Peer {
    let dir = temp_dir("tinyproxy");
    let port = free_port();
    let mut conf = format!(
        "Port {port}\nListen 127.0.0.1\nTimeout 60\nMaxClients 50\nAllow 127.0.0.1\n\
         LogLevel Info\nLogFile \"{}\"\n",
        dir.join("tinyproxy.log").display()
    );
    if let Some((u, p)) = auth {
        conf.push_str(&format!("BasicAuth {u} {p}\n"));
    }
    let path = dir.join("tinyproxy.conf");
    std::fs::write(&path, conf).unwrap();
    spawn(
        "tinyproxy",
        &["-d", "-c", path.to_str().unwrap()],
        port,
        dir,
    )
}

/// microsocks on loopback, with username/password when `auth` is given.
fn microsocks(auth: Option<(&str, &str)>) -> Peer {
    let dir = temp_dir("microsocks");
    let port = free_port();
    let port_s = port.to_string();
    let mut args = vec!["-i", "127.0.0.1", "-p", &port_s];
    if let Some((u, p)) = auth {
        args.extend(["-u", u, "-P", p]);
    }
    spawn("microsocks", &args, port, dir)
}

/// A TLS front (socat's `OPENSSL-LISTEN`) on a loopback port, relaying the decrypted bytes
/// to `upstream` (tinyproxy): an `https://` proxy. Its certificate is `cert`.
fn tls_front(upstream: u16, cert: &tls::testing::CertifiedKey) -> Peer {
    let dir = temp_dir("socat");
    let port = free_port();
    let (c, k) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&c, &cert.chain_pem).unwrap();
    std::fs::write(&k, &cert.key_pem).unwrap();
    let listen = format!(
        "OPENSSL-LISTEN:{port},bind=127.0.0.1,reuseaddr,fork,verify=0,cert={},key={}",
        c.display(),
        k.display()
    );
    let to = format!("TCP:127.0.0.1:{upstream}");
    spawn("socat", &[&listen, &to], port, dir)
}

/// An `https://` proxy: tinyproxy behind [`tls_front`], whose certificate for `localhost`
/// comes from a CA of its own.
struct HttpsProxy {
    ca: tls::testing::Ca,
    tiny: Peer,
    front: Peer,
}

impl HttpsProxy {
    fn start() -> HttpsProxy {
        let now = unix_now();
        let ca = tls::testing::Ca::new("Proxy test CA", now).unwrap();
        let cert = ca
            .leaf(&["localhost"], now - 60, now + 3600, false)
            .unwrap();
        let tiny = tinyproxy(None);
        let front = tls_front(tiny.port, &cert);
        HttpsProxy { ca, tiny, front }
    }

    /// `https://localhost:PORT`, trusting the proxy's CA.
    fn proxy(&self) -> Proxy {
        Proxy::parse(&format!("https://localhost:{}", self.front.port))
            .unwrap()
            .with_root_pem(&self.ca.cert_pem().unwrap())
    }
}

fn log(peer: &Peer, name: &str) -> String {
    std::fs::read_to_string(peer.dir.join(name)).unwrap_or_default()
}

/// GETs every size through `proxy` and checks the bodies byte for byte and the version;
/// all of them on one pooled connection.
fn downloads_through(proxy: &Proxy, mode: Mode) {
    let (server, root) = server(mode);
    let client = Client::new(ClientConfig {
        proxy: Some(proxy.clone()),
        ..mode.client_config(root)
    })
    .unwrap();
    let base = mode.base("http", "https", server.local_addr().port());
    let mut ids = Vec::new();
    for n in SIZES {
        let mut resp = client
            .request(Request::get(&format!("{base}/len/{n}")).unwrap())
            .unwrap_or_else(|e| panic!("{mode:?} via {proxy}: {e}"));
        assert_eq!(resp.status(), 200);
        let want = if mode == Mode::H1 {
            Version::Http11
        } else {
            Version::H2
        };
        assert_eq!(resp.version(), want, "{mode:?} via {proxy}");
        // What `wire -v` shows: TLS with the proxy apart from TLS with the origin.
        let info = resp.conn_info();
        let proxy_tls = proxy.kind() == ProxyKind::Https;
        assert_eq!(info.proxy_tls_version.is_some(), proxy_tls, "{info:?}");
        assert_eq!(info.proxy_cipher.is_some(), proxy_tls, "{info:?}");
        assert_eq!(info.tls_version.is_some(), mode == Mode::H2Tls, "{info:?}");
        let body = resp.body().read_to_end().unwrap();
        assert!(body == pattern(n), "{mode:?} via {proxy}: {n} bytes differ");
        ids.push(resp.connection_id());
    }
    // The tunnel is a kept-alive connection like any other.
    ids.dedup();
    assert_eq!(ids.len(), 1, "{mode:?} via {proxy}: {ids:?}");
    assert_eq!(client.pool_stats().opened, 1);
    server.shutdown().unwrap();
}

fn all_modes(proxy: &Proxy) {
    for mode in [Mode::H1, Mode::H2c, Mode::H2Tls] {
        downloads_through(proxy, mode);
    }
}

#[test]
fn tinyproxy_connect_tunnels_h1_h2c_and_h2_over_tls() {
    let peer = tinyproxy(None);
    all_modes(&Proxy::parse(&format!("http://127.0.0.1:{}", peer.port)).unwrap());
    // tinyproxy saw CONNECTs, not absolute-form requests.
    let log = log(&peer, "tinyproxy.log");
    assert!(log.contains("CONNECT 127.0.0.1:"), "{log}");
    assert!(log.contains("CONNECT localhost:"), "{log}");
}

/// Through a proxy that wants the user `wire` with the password `s3cret` (`url(CREDENTIALS)`:
/// its URL with `user:password@` or nothing): every mode with them; a wrong password is
/// refused (and kept out of the error), no credentials are not enough, and credentials set
/// in code rather than in the URL go through too.
fn authenticated(url: impl Fn(&str) -> String) {
    all_modes(&Proxy::parse(&url("wire:s3cret@")).unwrap());

    let (server, _) = server(Mode::H1);
    let target = format!("http://127.0.0.1:{}/len/1", server.local_addr().port());
    let client = Client::new(ClientConfig::default()).unwrap();
    let via = |p: &str| {
        Request::get(&target)
            .unwrap()
            .proxy(Proxy::parse(p).unwrap())
    };
    match client.request(via(&url("wire:wrong@"))) {
        Err(Error::Proxy {
            failure: ProxyFailure::AuthRefused,
            proxy,
        }) => assert!(!proxy.contains("wrong"), "{proxy}"),
        other => panic!("wrong password: {other:?}"),
    }
    // No credentials offered: tinyproxy answers 407; microsocks accepts none of our SOCKS5
    // methods (0xFF).
    match client.request(via(&url(""))) {
        Err(Error::Proxy {
            failure: ProxyFailure::AuthRequired,
            ..
        }) => {}
        other => panic!("no credentials: {other:?}"),
    }
    let p = Proxy::parse(&url("")).unwrap().with_auth("wire", "s3cret");
    let mut resp = client
        .request(Request::get(&target).unwrap().proxy(p))
        .unwrap();
    assert_eq!(resp.body().read_to_end().unwrap(), pattern(1));
}

#[test]
fn tinyproxy_with_basic_auth() {
    let peer = tinyproxy(Some(("wire", "s3cret")));
    authenticated(|cred| format!("http://{cred}127.0.0.1:{}", peer.port));
}

#[test]
fn microsocks_socks5_and_socks5h() {
    let peer = microsocks(None);
    for scheme in ["socks5", "socks5h"] {
        all_modes(&Proxy::parse(&format!("{scheme}://127.0.0.1:{}", peer.port)).unwrap());
    }
}

#[test]
fn microsocks_with_username_password() {
    let peer = microsocks(Some(("wire", "s3cret")));
    authenticated(|cred| format!("socks5h://{cred}127.0.0.1:{}", peer.port));
}

/// With socks5h the proxy resolves the name: the client's own resolution (an override
/// sending `localhost` to a TEST-NET address that goes nowhere) is not used. With socks5
/// the client resolves, so the same override sends the proxy to the dead address.
#[test]
fn socks5h_lets_microsocks_resolve_the_name() {
    let peer = microsocks(None);
    let (server, _) = server(Mode::H1);
    let port = server.local_addr().port();
    let client = Client::new(ClientConfig {
        resolve: vec![ResolveOverride::parse(&format!("localhost:{port}:192.0.2.1")).unwrap()],
        timeouts: runtime_mio::client::ClientTimeouts {
            connect: runtime_mio::timer::Timeout::After(Duration::from_secs(3)),
            ..Default::default()
        },
        ..ClientConfig::default()
    })
    .unwrap();
    let target = format!("http://localhost:{port}/len/100");
    let h = Proxy::parse(&format!("socks5h://127.0.0.1:{}", peer.port)).unwrap();
    let mut resp = client
        .request(Request::get(&target).unwrap().proxy(h))
        .unwrap();
    assert_eq!(resp.body().read_to_end().unwrap(), pattern(100));
    let local = Proxy::parse(&format!("socks5://127.0.0.1:{}", peer.port)).unwrap();
    match client.request(Request::get(&target).unwrap().proxy(local)) {
        // microsocks cannot reach 192.0.2.1 (an error reply), or our connect timeout ends
        // the wait first.
        Err(Error::Proxy {
            failure: ProxyFailure::SocksReply(_),
            ..
        })
        | Err(Error::Timeout(_)) => {}
        other => panic!("socks5 to the overridden address: {other:?}"),
    }
}

#[test]
fn proxy_errors_name_the_step() {
    let (server, _) = server(Mode::H1);
    let client = Client::new(ClientConfig::default()).unwrap();
    // Nothing listens on the proxy's port.
    let dead = free_port();
    let target = format!("http://127.0.0.1:{}/", server.local_addr().port());
    for scheme in ["http", "socks5", "socks5h"] {
        let p = Proxy::parse(&format!("{scheme}://127.0.0.1:{dead}")).unwrap();
        match client.request(Request::get(&target).unwrap().proxy(p)) {
            Err(
                e @ Error::Proxy {
                    failure: ProxyFailure::Connect { .. },
                    ..
                },
            ) => assert!(e.is_transient()),
            other => panic!("{scheme} proxy not there: {other:?}"),
        }
    }
    // The proxy cannot reach the target (nothing listens there).
    let nowhere = format!("http://127.0.0.1:{dead}/");
    let tiny = tinyproxy(None);
    let socks = microsocks(None);
    let p = Proxy::parse(&format!("http://127.0.0.1:{}", tiny.port)).unwrap();
    match client.request(Request::get(&nowhere).unwrap().proxy(p)) {
        // tinyproxy says 500 "Unable to connect".
        Err(Error::Proxy {
            failure: ProxyFailure::HttpStatus(500..=504),
            ..
        }) => {}
        other => panic!("tinyproxy to a closed port: {other:?}"),
    }
    let p = Proxy::parse(&format!("socks5://127.0.0.1:{}", socks.port)).unwrap();
    match client.request(Request::get(&nowhere).unwrap().proxy(p)) {
        Err(Error::Proxy {
            failure: f @ ProxyFailure::SocksReply(_),
            ..
        }) => assert!(f.target_unreachable(), "{f}"),
        other => panic!("microsocks to a closed port: {other:?}"),
    }
}

fn read_n(c: &mut TcpStream, n: usize) -> Vec<u8> {
    let mut v = vec![0u8; n];
    c.read_exact(&mut v).unwrap();
    v
}

/// What the recording SOCKS5 server saw on one connection.
#[derive(Debug, Default, Clone)]
struct Seen {
    greeting: Vec<u8>,
    auth: Vec<u8>,
    request: Vec<u8>,
}

/// A SOCKS5 server written here: it records the greeting, the RFC 1929 sub-negotiation and
/// the CONNECT request byte for byte, connects where it is told (names through the system
/// resolver, except `made-up.test`, which only it knows: loopback) and relays.
fn recording_socks(auth: bool) -> (SocketAddr, Arc<Mutex<Vec<Seen>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut c) = conn else { return };
            let log = Arc::clone(&log);
            std::thread::spawn(move || {
                let mut s = Seen::default();
                let mut b = [0u8; 2];
                c.read_exact(&mut b).unwrap();
                let mut methods = vec![0u8; b[1] as usize];
                c.read_exact(&mut methods).unwrap();
                s.greeting = [&b[..], &methods].concat();
                if auth {
                    c.write_all(&[5, 2]).unwrap();
                    let mut v = [0u8; 2];
                    c.read_exact(&mut v).unwrap();
                    let mut user = vec![0u8; v[1] as usize];
                    c.read_exact(&mut user).unwrap();
                    let mut pl = [0u8];
                    c.read_exact(&mut pl).unwrap();
                    let mut pass = vec![0u8; pl[0] as usize];
                    c.read_exact(&mut pass).unwrap();
                    s.auth = [&v[..], &user, &pl, &pass].concat();
                    c.write_all(&[1, 0]).unwrap();
                } else {
                    c.write_all(&[5, 0]).unwrap();
                }
                let head = read_n(&mut c, 4);
                let mut request = head.clone();
                let addr_bytes = match head[3] {
                    1 => read_n(&mut c, 4),
                    4 => read_n(&mut c, 16),
                    3 => {
                        let len = read_n(&mut c, 1);
                        request.extend_from_slice(&len);
                        read_n(&mut c, len[0].into())
                    }
                    t => panic!("address type {t}"),
                };
                request.extend_from_slice(&addr_bytes);
                let port = read_n(&mut c, 2);
                request.extend_from_slice(&port);
                s.request = request;
                let port = u16::from_be_bytes([port[0], port[1]]);
                let upstream = match head[3] {
                    1 => {
                        let a: [u8; 4] = addr_bytes.clone().try_into().unwrap();
                        TcpStream::connect((Ipv4Addr::from(a), port))
                    }
                    4 => {
                        let a: [u8; 16] = addr_bytes.clone().try_into().unwrap();
                        TcpStream::connect((std::net::Ipv6Addr::from(a), port))
                    }
                    // Its own name table: `made-up.test` is loopback here and nowhere else.
                    _ => match String::from_utf8(addr_bytes.clone()).unwrap().as_str() {
                        "made-up.test" => TcpStream::connect((Ipv4Addr::LOCALHOST, port)),
                        name => TcpStream::connect((name, port)),
                    },
                };
                log.lock().unwrap().push(s);
                let Ok(up) = upstream else {
                    let _ = c.write_all(&[5, 5, 0, 1, 0, 0, 0, 0, 0, 0]);
                    return;
                };
                c.write_all(&[5, 0, 0, 1, 127, 0, 0, 1, 0, 0]).unwrap();
                relay(c, up);
            });
        }
    });
    (addr, seen)
}

/// Copies bytes both ways between a proxy's client and its upstream until each side ends.
fn relay(client: TcpStream, upstream: TcpStream) {
    let (mut c2, mut up2) = (client.try_clone().unwrap(), upstream.try_clone().unwrap());
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut up2, &mut c2);
        let _ = c2.shutdown(std::net::Shutdown::Write);
    });
    let (mut c, mut up) = (client, upstream);
    let _ = std::io::copy(&mut c, &mut up);
    let _ = up.shutdown(std::net::Shutdown::Write);
}

/// The exact bytes of the greeting, the RFC 1929 sub-negotiation and the CONNECT request:
/// socks5h sends the host name (address type 3), socks5 the address the client resolved
/// (here through an override), and connections through different proxies, or direct, are
/// not shared.
#[test]
fn socks5_sends_exact_bytes_and_pools_per_proxy() {
    let (server, _) = server(Mode::H1);
    let port = server.local_addr().port();
    let (plain, plain_seen) = recording_socks(false);
    let (authed, authed_seen) = recording_socks(true);
    let client = Client::new(ClientConfig {
        resolve: vec![ResolveOverride::parse(&format!("made-up.test:{port}:127.0.0.1")).unwrap()],
        ..ClientConfig::default()
    })
    .unwrap();
    let target = format!("http://made-up.test:{port}/host");
    let get = |p: Option<String>| {
        let mut r = Request::get(&target).unwrap();
        r = match p {
            Some(p) => r.proxy(Proxy::parse(&p).unwrap()),
            None => r.no_proxy(),
        };
        let mut resp = client.request(r).unwrap();
        let body = resp.body().read_to_end().unwrap();
        assert_eq!(body, format!("made-up.test:{port}").as_bytes());
        resp.connection_id()
    };
    let pb = port.to_be_bytes();

    let a = get(Some(format!("socks5h://{plain}")));
    let seen = plain_seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].greeting, [5, 1, 0]);
    let mut want = vec![5, 1, 0, 3, 12];
    want.extend_from_slice(b"made-up.test");
    want.extend_from_slice(&pb);
    assert_eq!(seen[0].request, want);

    let b = get(Some(format!("socks5://wire:p%40ss@{authed}")));
    let seen = authed_seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].greeting, [5, 2, 0, 2]);
    assert_eq!(seen[0].auth, [&[1, 4][..], b"wire", &[4], b"p@ss"].concat());
    assert_eq!(seen[0].request, [5, 1, 0, 1, 127, 0, 0, 1, pb[0], pb[1]]);

    let c = get(None);
    // Each route its own connection; the same route again reuses its own.
    assert_eq!(client.pool_stats().opened, 3);
    assert_ne!(a, b);
    assert_ne!(b, c);
    assert_eq!(get(Some(format!("socks5h://{plain}"))), a);
    assert_eq!(get(None), c);
    assert_eq!(client.pool_stats().opened, 3);
    assert_eq!(plain_seen.lock().unwrap().len(), 1);
}

/// The client's proxy applies to every request, `no_proxy` skips it.
#[test]
fn client_proxy_applies_unless_the_request_says_no() {
    let (server, _) = server(Mode::H1);
    let (socks, seen) = recording_socks(false);
    let client = Client::new(ClientConfig {
        proxy: Some(Proxy::parse(&format!("socks5h://{socks}")).unwrap()),
        ..ClientConfig::default()
    })
    .unwrap();
    let target = format!("http://127.0.0.1:{}/len/5", server.local_addr().port());
    let mut r = client.request(Request::get(&target).unwrap()).unwrap();
    assert_eq!(r.body().read_to_end().unwrap(), pattern(5));
    assert_eq!(seen.lock().unwrap().len(), 1);
    // An address literal goes as an address even with socks5h.
    assert_eq!(seen.lock().unwrap()[0].request[3], 1);
    let mut r = client
        .request(Request::get(&target).unwrap().no_proxy())
        .unwrap();
    assert_eq!(r.body().read_to_end().unwrap(), pattern(5));
    assert_eq!(seen.lock().unwrap().len(), 1);
    assert_eq!(client.pool_stats().opened, 2);
}

/// An HTTP proxy written here that records the CONNECT request head byte for byte, answers
/// with `status` and, on 200, relays to the target (names through the system resolver).
fn recording_http_proxy(status: u16) -> (SocketAddr, Arc<Mutex<Vec<Vec<u8>>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut c) = conn else { return };
            let log = Arc::clone(&log);
            std::thread::spawn(move || {
                let mut head = Vec::new();
                while !head.ends_with(b"\r\n\r\n") {
                    head.extend(read_n(&mut c, 1));
                }
                let line = String::from_utf8_lossy(&head).into_owned();
                log.lock().unwrap().push(head);
                if status != 200 {
                    let _ = c.write_all(
                        format!("HTTP/1.1 {status} No\r\nContent-Length: 0\r\n\r\n").as_bytes(),
                    );
                    return;
                }
                let authority = line.split(' ').nth(1).unwrap().to_owned();
                let up = TcpStream::connect(authority.as_str()).unwrap();
                c.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                    .unwrap();
                relay(c, up);
            });
        }
    });
    (addr, seen)
}

/// The exact CONNECT head: the target's authority as request target and `Host`, and
/// `Proxy-Authorization: Basic` with the URL's percent-decoded credentials; other statuses
/// become `HttpStatus`.
#[test]
fn http_connect_sends_exact_bytes() {
    let (server, _) = server(Mode::H1);
    let port = server.local_addr().port();
    let (proxy, seen) = recording_http_proxy(200);
    let client = Client::new(ClientConfig::default()).unwrap();
    let target = format!("http://localhost:{port}/len/3");
    let p = Proxy::parse(&format!("http://Aladdin:open%20sesame@{proxy}")).unwrap();
    let mut r = client
        .request(Request::get(&target).unwrap().proxy(p))
        .unwrap();
    assert_eq!(r.body().read_to_end().unwrap(), pattern(3));
    // RFC 7617's example credentials.
    let want = format!(
        "CONNECT localhost:{port} HTTP/1.1\r\nHost: localhost:{port}\r\n\
         Proxy-Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\r\n\r\n"
    );
    assert_eq!(
        String::from_utf8(seen.lock().unwrap()[0].clone()).unwrap(),
        want
    );
    let (refusing, _) = recording_http_proxy(403);
    let p = Proxy::parse(&format!("http://{refusing}")).unwrap();
    match client.request(Request::get(&target).unwrap().proxy(p)) {
        Err(Error::Proxy {
            failure: ProxyFailure::HttpStatus(403),
            proxy,
        }) => assert_eq!(proxy, format!("http://{refusing}")),
        other => panic!("{other:?}"),
    }
}

/// A proxy that accepts the connection and never answers (no CONNECT answer, no SOCKS5
/// choice, no TLS ServerHello): the handshake ends with the connect timeout, named in the
/// error.
#[test]
fn silent_proxy_ends_with_the_connect_timeout() {
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = silent.local_addr().unwrap();
    let client = Client::new(ClientConfig {
        timeouts: runtime_mio::client::ClientTimeouts {
            connect: runtime_mio::timer::Timeout::After(Duration::from_millis(500)),
            ..Default::default()
        },
        ..ClientConfig::default()
    })
    .unwrap();
    for scheme in ["http", "socks5h", "https"] {
        let p = Proxy::parse(&format!("{scheme}://{addr}")).unwrap();
        let t = Instant::now();
        match client.request(Request::get("http://example.test/").unwrap().proxy(p)) {
            Err(Error::Timeout(runtime_mio::client::TimeoutKind::Connect)) => {}
            other => panic!("{scheme}: {other:?}"),
        }
        let took = t.elapsed();
        assert!(took >= Duration::from_millis(500), "{scheme}: {took:?}");
        assert!(took < Duration::from_secs(4), "{scheme}: {took:?}");
    }
    drop(silent);
}

/// An `https://` proxy: socat's TLS in front of tinyproxy, its certificate from a CA the
/// client trusts for this proxy only ([`Proxy::with_root_pem`]). HTTP/1.1, h2c and HTTP/2
/// over TLS (TLS in TLS) come back byte-exact on one pooled connection each; tinyproxy saw
/// the CONNECTs (so they went inside the TLS the front took off).
#[test]
fn https_proxy_socat_tls_front_tunnels_h1_h2c_and_h2_over_tls() {
    let https = HttpsProxy::start();
    all_modes(&https.proxy());
    let log = log(&https.tiny, "tinyproxy.log");
    assert!(log.contains("CONNECT 127.0.0.1:"), "{log}");
    assert!(log.contains("CONNECT localhost:"), "{log}");
}

/// TLS with the proxy fails as the proxy's step ([`ProxyFailure::Tls`]), not as the
/// origin's [`Error::Tls`]: a certificate from an unknown CA, a name the certificate does not
/// carry. Turning verification off for the proxy alone lets the request through; the same
/// proxy spoken to in cleartext (`http://` to a TLS port) fails as the proxy's protocol.
#[test]
fn https_proxy_certificate_errors_name_the_proxy() {
    let https = HttpsProxy::start();
    let (server, _) = server(Mode::H1);
    let target = format!("http://127.0.0.1:{}/len/5", server.local_addr().port());
    let client = Client::new(ClientConfig::default()).unwrap();
    let get = |p: Proxy| client.request(Request::get(&target).unwrap().proxy(p));
    let named = |host: &str| Proxy::parse(&format!("https://{host}:{}", https.front.port)).unwrap();

    // Unknown CA.
    match get(named("localhost")) {
        Err(Error::Proxy {
            failure: ProxyFailure::Tls(e),
            proxy,
        }) => {
            assert!(proxy.starts_with("https://localhost:"), "{proxy}");
            let text = Error::Proxy {
                proxy,
                failure: ProxyFailure::Tls(e),
            }
            .to_string();
            assert!(text.contains("TLS with the proxy"), "{text}");
        }
        other => panic!("unknown CA: {other:?}"),
    }
    // A trusted CA, the wrong name (the certificate is for `localhost`).
    let root = https.ca.cert_pem().unwrap();
    match get(named("127.0.0.1").with_root_pem(&root)) {
        Err(Error::Proxy {
            failure: ProxyFailure::Tls(_),
            ..
        }) => {}
        other => panic!("wrong name: {other:?}"),
    }
    // Another CA's root does not help.
    let other_ca = tls::testing::Ca::new("Other CA", unix_now()).unwrap();
    match get(named("localhost").with_root_pem(&other_ca.cert_pem().unwrap())) {
        Err(Error::Proxy {
            failure: ProxyFailure::Tls(_),
            ..
        }) => {}
        other => panic!("other CA: {other:?}"),
    }
    // No verification for this proxy: through.
    let mut resp = get(named("127.0.0.1").danger_accept_invalid_certs()).unwrap();
    assert_eq!(resp.body().read_to_end().unwrap(), pattern(5));
    // The client's roots count for the proxy too.
    let trusting = Client::new(ClientConfig {
        root_pems: vec![root],
        ..ClientConfig::default()
    })
    .unwrap();
    let mut resp = trusting
        .request(Request::get(&target).unwrap().proxy(named("localhost")))
        .unwrap();
    assert_eq!(resp.body().read_to_end().unwrap(), pattern(5));
    // Cleartext CONNECT to the TLS port: socat takes it for a bad ClientHello and closes.
    match get(Proxy::parse(&format!("http://127.0.0.1:{}", https.front.port)).unwrap()) {
        Err(Error::Proxy {
            failure: ProxyFailure::Protocol(_) | ProxyFailure::Io(_),
            ..
        }) => {}
        other => panic!("cleartext to a TLS proxy: {other:?}"),
    }
    server.shutdown().unwrap();
}

/// Proxies from environment variables (given as a function: the process environment is
/// not touched): `http_proxy` without a scheme goes to tinyproxy, `NO_PROXY` sends
/// `localhost` direct, the upper-case `HTTP_PROXY` (a dead port) is ignored, and
/// `ClientConfig::proxy` (curl's `-x`) still honours the no-proxy list while a request's own
/// proxy does not.
#[test]
fn environment_proxies_and_no_proxy_through_tinyproxy() {
    let tiny = tinyproxy(None);
    let (server, _) = server(Mode::H1);
    let port = server.local_addr().port();
    let dead = free_port();
    let vars = |name: &str| match name {
        "http_proxy" => Some(format!("127.0.0.1:{}", tiny.port)),
        "HTTP_PROXY" | "https_proxy" => Some(format!("http://127.0.0.1:{dead}")),
        "NO_PROXY" => Some(" localhost ,192.0.2.0/24".to_owned()),
        _ => None,
    };
    let proxies = ProxyConfig::from_vars(vars).unwrap();
    assert_eq!(proxies.no_proxy, NoProxy::parse("localhost,192.0.2.0/24"));
    let client = Client::new(ClientConfig {
        proxies: proxies.clone(),
        ..ClientConfig::default()
    })
    .unwrap();
    let get = |host: &str| {
        let mut resp = client
            .request(Request::get(&format!("http://{host}:{port}/len/7")).unwrap())
            .unwrap_or_else(|e| panic!("{host}: {e}"));
        assert_eq!(resp.body().read_to_end().unwrap(), pattern(7), "{host}");
    };
    get("127.0.0.1");
    get("localhost");
    let log = log(&tiny, "tinyproxy.log");
    assert!(log.contains(&format!("CONNECT 127.0.0.1:{port}")), "{log}");
    assert!(!log.contains("CONNECT localhost"), "{log}");
    // `https_proxy` (a dead port) is the one for https:// URLs.
    match client.request(Request::get(&format!("https://127.0.0.1:{port}/")).unwrap()) {
        Err(Error::Proxy {
            failure: ProxyFailure::Connect { .. },
            proxy,
        }) => assert!(proxy.ends_with(&format!(":{dead}")), "{proxy}"),
        other => panic!("https_proxy: {other:?}"),
    }

    // `-x` beside the environment: the client's proxy, except for no_proxy hosts.
    let dead_proxy = Proxy::parse(&format!("127.0.0.1:{dead}")).unwrap();
    let client = Client::new(ClientConfig {
        proxy: Some(dead_proxy.clone()),
        proxies,
        ..ClientConfig::default()
    })
    .unwrap();
    let mut resp = client
        .request(Request::get(&format!("http://localhost:{port}/len/3")).unwrap())
        .unwrap();
    assert_eq!(resp.body().read_to_end().unwrap(), pattern(3));
    assert!(matches!(
        client.request(Request::get(&format!("http://127.0.0.1:{port}/")).unwrap()),
        Err(Error::Proxy { .. })
    ));
    // A request's own proxy is used even for a no_proxy host.
    assert!(matches!(
        client.request(
            Request::get(&format!("http://localhost:{port}/"))
                .unwrap()
                .proxy(dead_proxy)
        ),
        Err(Error::Proxy { .. })
    ));
    server.shutdown().unwrap();
}

/// Backpressure through an `https://` proxy: a paused download fills the reader's queue to
/// its bound and no further while the tunnel's bytes wait in TLS with the proxy; reading on
/// gets every byte, in order. HTTP/1.1 in cleartext and HTTP/2 over TLS inside the tunnel.
#[test]
fn https_proxy_paused_download_stays_bounded() {
    const LIMIT: usize = 128 * 1024;
    const LEN: usize = 8 << 20;
    let https = HttpsProxy::start();
    let proxy = https.proxy();
    for mode in [Mode::H1, Mode::H2Tls] {
        let (server, root) = server(mode);
        let client = Client::new(ClientConfig {
            body_queue: LIMIT,
            proxy: Some(proxy.clone()),
            ..mode.client_config(root)
        })
        .unwrap();
        let port = server.local_addr().port();
        let url = format!("{}/len/{LEN}", mode.base("http", "https", port));
        let mut resp = client.request(Request::get(&url).unwrap()).unwrap();
        let mut body = resp
            .body()
            .chunk(runtime_mio::client::Wait::Block)
            .unwrap()
            .unwrap()
            .to_vec();
        let mut max = 0;
        for _ in 0..20 {
            std::thread::sleep(Duration::from_millis(25));
            max = max.max(resp.body().queued());
        }
        assert!(max >= LIMIT, "{mode:?}: the queue never filled ({max})");
        assert!(max <= LIMIT + 64 * 1024, "{mode:?}: {max} queued");
        while let Some(b) = resp.body().chunk(runtime_mio::client::Wait::Block).unwrap() {
            body.extend_from_slice(&b);
            assert!(resp.body().queued() <= LIMIT + 64 * 1024);
        }
        assert!(body == pattern(LEN), "{mode:?}: the body differs");
        server.shutdown().unwrap();
    }
}
