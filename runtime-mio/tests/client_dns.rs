//! Where the client connects: resolve overrides (curl's `--resolve`) sending a made-up name to
//! a loopback server, over cleartext and over TLS (SNI and verification against the made-up
//! name); the SNI override; every address tried in turn; Happy Eyeballs (RFC 8305) past a
//! first address that never answers (a listener whose accept queue is full drops the SYN).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use runtime_mio::client::{
    ATTEMPT_DELAY, Client, ClientConfig, ClientTimeouts, Error, Request, ResolveOverride,
    TimeoutKind, Version,
};
use runtime_mio::server::{Response, Server, ServerConfig};
use runtime_mio::timer::Timeout;
use socket2::{Domain, Socket, Type};

#[path = "support/tls_server.rs"]
mod tls_server;
use tls_server::self_signed_tls;

/// A server on `addr` answering with the `Host` header it got; under TLS its certificate
/// names only `names`.
fn server(addr: SocketAddr, names: Option<&[&str]>) -> std::io::Result<(Server, Vec<Vec<u8>>)> {
    let mut config = ServerConfig {
        threads: 1,
        ..ServerConfig::default()
    };
    let mut roots = Vec::new();
    if let Some(names) = names {
        let (tls, pem) = self_signed_tls(names);
        config.tls = Some(tls);
        roots.push(pem);
    }
    let s = Server::bind(addr, config, |req| {
        Response::new(200).with_body(req.header("host").unwrap_or_default().to_vec())
    })?;
    Ok((s, roots))
}

fn loopback_server(names: Option<&[&str]>) -> (Server, Vec<Vec<u8>>) {
    server("127.0.0.1:0".parse().unwrap(), names).unwrap()
}

fn body_of(client: &Client, req: Request) -> Result<(Version, Vec<u8>), Error> {
    let mut resp = client.request(req)?;
    let body = resp.body().read_to_end()?;
    Ok((resp.version(), body))
}

fn overrides(spec: &str) -> Vec<ResolveOverride> {
    vec![ResolveOverride::parse(spec).unwrap()]
}

#[test]
fn resolve_override_sends_a_made_up_name_to_loopback() {
    let (server, _) = loopback_server(None);
    let port = server.local_addr().port();
    let client = Client::new(ClientConfig {
        resolve: overrides(&format!("made-up.test:{port}:127.0.0.1")),
        ..ClientConfig::default()
    })
    .unwrap();
    let (_, body) = body_of(
        &client,
        Request::get(&format!("http://made-up.test:{port}/")).unwrap(),
    )
    .unwrap();
    // The URL's name stays the Host.
    assert_eq!(body, format!("made-up.test:{port}").as_bytes());
    // Another port of the same name is not overridden: the system resolver fails on it.
    match client.request(Request::get(&format!("http://made-up.test:{}/", port ^ 1)).unwrap()) {
        Err(Error::Dns { host, .. }) => assert_eq!(host, "made-up.test"),
        other => panic!("{other:?}"),
    }
}

/// The `Host` an HTTP/1.1 request carried (the server shows no `:authority`: over HTTP/2 the
/// body is empty).
fn host_seen(version: Version, body: &[u8], want: &str) {
    match version {
        Version::Http11 => assert_eq!(body, want.as_bytes()),
        _ => assert_eq!(body, b""),
    }
}

#[test]
fn resolve_override_over_tls_sends_and_verifies_the_made_up_name() {
    let (server, roots) = loopback_server(Some(&["made-up.test"]));
    let port = server.local_addr().port();
    assert!(
        ClientConfig::default().verify,
        "verification is on by default"
    );
    for (alpn_h2, want) in [(true, Version::H2), (false, Version::Http11)] {
        let client = Client::new(ClientConfig {
            resolve: overrides(&format!("made-up.test:{port}:127.0.0.1")),
            root_pems: roots.clone(),
            alpn_h2,
            ..ClientConfig::default()
        })
        .unwrap();
        let (version, body) = body_of(
            &client,
            Request::get(&format!("https://made-up.test:{port}/")).unwrap(),
        )
        .unwrap();
        assert_eq!(version, want);
        host_seen(version, &body, &format!("made-up.test:{port}"));
    }
}

#[test]
fn sni_override_sends_and_verifies_another_name() {
    let (server, roots) = loopback_server(Some(&["made-up.test"]));
    let port = server.local_addr().port();
    let url = format!("https://127.0.0.1:{port}/");
    for (alpn_h2, want) in [(true, Version::H2), (false, Version::Http11)] {
        let client = Client::new(ClientConfig {
            root_pems: roots.clone(),
            alpn_h2,
            ..ClientConfig::default()
        })
        .unwrap();
        // The certificate does not name 127.0.0.1: verification refuses it.
        match client.request(Request::get(&url).unwrap()) {
            Err(Error::Tls(_)) => {}
            other => panic!("no override: {other:?}"),
        }
        // Checked against the override, it passes; the Host is still the URL's.
        let (version, body) = body_of(
            &client,
            Request::get(&url).unwrap().server_name("made-up.test"),
        )
        .unwrap();
        assert_eq!(version, want);
        host_seen(version, &body, &format!("127.0.0.1:{port}"));
        // A name the certificate does not have is refused as well: the override is verified.
        match client.request(Request::get(&url).unwrap().server_name("other.test")) {
            Err(Error::Tls(_)) => {}
            other => panic!("wrong override: {other:?}"),
        }
        // The same server name again reuses its connection; the refused ones are gone.
        body_of(
            &client,
            Request::get(&url).unwrap().server_name("made-up.test"),
        )
        .unwrap();
        assert_eq!(client.pool_stats().opened, 3);
        assert_eq!(client.pool_stats().open, 1);
    }
}

#[test]
fn every_address_is_tried_in_turn() {
    let (server, _) = loopback_server(None);
    let port = server.local_addr().port();
    // Nothing listens on 127.0.0.2 and 127.0.0.3 at that port: refused at once, then the
    // third address answers.
    let client = Client::new(ClientConfig {
        resolve: overrides(&format!("multi.test:{port}:127.0.0.2,127.0.0.3,127.0.0.1")),
        ..ClientConfig::default()
    })
    .unwrap();
    let (_, body) = body_of(
        &client,
        Request::get(&format!("http://multi.test:{port}/")).unwrap(),
    )
    .unwrap();
    assert_eq!(body, format!("multi.test:{port}").as_bytes());
    // When every address refuses, the error names the last one.
    let client = Client::new(ClientConfig {
        resolve: overrides(&format!("multi.test:{port}:127.0.0.2,127.0.0.3")),
        ..ClientConfig::default()
    })
    .unwrap();
    match client.request(Request::get(&format!("http://multi.test:{port}/")).unwrap()) {
        Err(Error::Connect { addr, .. }) => {
            assert_eq!(
                addr,
                SocketAddr::new(Ipv4Addr::new(127, 0, 0, 3).into(), port)
            );
        }
        other => panic!("{other:?}"),
    }
}

/// A listener on `addr` whose accept queue is full (backlog 0, filled here and never
/// accepted): the kernel drops further SYNs, so a connect to it neither succeeds nor fails.
struct Blackhole {
    _listener: Socket,
    _fill: Vec<TcpStream>,
}

fn blackhole(addr: SocketAddr) -> std::io::Result<Blackhole> {
    let s = Socket::new(Domain::for_address(addr), Type::STREAM, None)?;
    s.bind(&addr.into())?;
    s.listen(0)?;
    let addr = s.local_addr()?.as_socket().unwrap();
    let mut fill = Vec::new();
    for _ in 0..16 {
        match TcpStream::connect_timeout(&addr, Duration::from_millis(200)) {
            Ok(c) => fill.push(c),
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {
                return Ok(Blackhole {
                    _listener: s,
                    _fill: fill,
                });
            }
            Err(e) => return Err(e),
        }
    }
    panic!("the accept queue of {addr} never filled");
}

/// A blackhole on `bad` and a server on `good`, both at one port.
fn blackhole_and_server(bad: IpAddr, good: IpAddr) -> (Blackhole, Server) {
    for _ in 0..20 {
        let (server, _) = server(SocketAddr::new(good, 0), None).unwrap();
        let port = server.local_addr().port();
        if let Ok(b) = blackhole(SocketAddr::new(bad, port)) {
            return (b, server);
        }
    }
    panic!("no port free on both {bad} and {good}");
}

fn timeouts(connect: Duration) -> ClientTimeouts {
    ClientTimeouts {
        connect: Timeout::After(connect),
        ..ClientTimeouts::default()
    }
}

/// RFC 8305: the first address (IPv6) never answers; the IPv4 attempt starts 250 ms later
/// and wins, long before the 10 s connect timeout.
#[test]
fn happy_eyeballs_moves_past_a_blackholed_first_address() {
    let (_hole, server) =
        blackhole_and_server(Ipv6Addr::LOCALHOST.into(), Ipv4Addr::LOCALHOST.into());
    let port = server.local_addr().port();
    let client = Client::new(ClientConfig {
        resolve: overrides(&format!("both.test:{port}:[::1],127.0.0.1")),
        timeouts: timeouts(Duration::from_secs(10)),
        ..ClientConfig::default()
    })
    .unwrap();
    let t = Instant::now();
    let (_, body) = body_of(
        &client,
        Request::get(&format!("http://both.test:{port}/")).unwrap(),
    )
    .unwrap();
    let took = t.elapsed();
    assert_eq!(body, format!("both.test:{port}").as_bytes());
    // It did wait on the first address (it was tried first), and not for the connect
    // timeout (the margin is generous: the machine is shared).
    assert!(took >= ATTEMPT_DELAY, "{took:?}");
    assert!(took < Duration::from_secs(4), "{took:?}");
}

/// The same within one family: a blackholed 127.0.0.2 first, 127.0.0.1 second.
#[test]
fn staggered_attempts_within_one_family() {
    let (_hole, server) = blackhole_and_server(
        Ipv4Addr::new(127, 0, 0, 2).into(),
        Ipv4Addr::LOCALHOST.into(),
    );
    let port = server.local_addr().port();
    let client = Client::new(ClientConfig {
        resolve: overrides(&format!("one.test:{port}:127.0.0.2,127.0.0.1")),
        timeouts: timeouts(Duration::from_secs(10)),
        ..ClientConfig::default()
    })
    .unwrap();
    let t = Instant::now();
    body_of(
        &client,
        Request::get(&format!("http://one.test:{port}/")).unwrap(),
    )
    .unwrap();
    let took = t.elapsed();
    assert!(took >= ATTEMPT_DELAY, "{took:?}");
    assert!(took < Duration::from_secs(4), "{took:?}");
}

/// Every address blackholed: the connect timeout ends the race, named in the error.
#[test]
fn blackholed_addresses_end_with_the_connect_timeout() {
    let (_hole, server) =
        blackhole_and_server(Ipv6Addr::LOCALHOST.into(), Ipv4Addr::LOCALHOST.into());
    let port = server.local_addr().port();
    let client = Client::new(ClientConfig {
        resolve: overrides(&format!("hole.test:{port}:[::1]")),
        timeouts: timeouts(Duration::from_millis(600)),
        ..ClientConfig::default()
    })
    .unwrap();
    let t = Instant::now();
    match client.request(Request::get(&format!("http://hole.test:{port}/")).unwrap()) {
        Err(Error::Timeout(TimeoutKind::Connect)) => {}
        other => panic!("{other:?}"),
    }
    let took = t.elapsed();
    assert!(took >= Duration::from_millis(600), "{took:?}");
    assert!(took < Duration::from_secs(4), "{took:?}");
}
