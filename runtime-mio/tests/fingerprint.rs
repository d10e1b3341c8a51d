//! `/fingerprint` over real sockets: our own `tls` client with each built-in browser profile
//! over TLS and HTTP/2 (proto-h2 configured by `runtime_mio::profile::h2_config`) against an
//! in-process server, `wire serve --tls` with curl (HTTP/2 and HTTP/1.1; a peer: the test
//! fails when it is missing), and cleartext h2c. The server answers with the same JSON
//! writer `wire serve` uses ([`runtime_mio::fingerprint::to_json`]).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use proto_h2::conn::{Config, Connection, Event, Request as H2Request, Role};
use runtime_mio::fingerprint::to_json;
use runtime_mio::profile::h2_config;
use runtime_mio::server::{Request, Response, Server, ServerConfig};
use tls::profile::BUILT_IN;
use tls::{ClientConfig, ClientSession};

#[path = "support/profile_ja4.rs"]
mod profile_ja4;
use profile_ja4::{CHROME_JA4, expected_ja4};
#[path = "support/tls_server.rs"]
mod tls_server;
use tls_server::self_signed_tls_with;

fn handler(req: &Request) -> Response {
    Response::new(200)
        .with_header("Content-Type", "application/json")
        .with_body(to_json(req.fingerprint(), req.headers().map(|(n, _)| n)))
}

/// A TLS server keeping ClientHellos, fingerprinting; and its root certificate.
fn tls_server(fingerprint: bool, keep_hello: bool) -> (Server, Vec<u8>) {
    let (tls, pem) = self_signed_tls_with(&["localhost"], |b| {
        b.keep_client_hello(keep_hello);
    });
    let config = ServerConfig {
        threads: 1,
        tls: Some(tls),
        fingerprint,
        ..ServerConfig::default()
    };
    let s = Server::bind("127.0.0.1:0".parse().unwrap(), config, handler).unwrap();
    (s, pem)
}

/// One HTTP/2 GET of `path` by a proto-h2 client with `config`, through `tls` (when given)
/// on a blocking socket; the response body.
fn h2_get(
    addr: SocketAddr,
    mut tls: Option<ClientSession>,
    config: Config,
    path: &str,
    fields: &[(&[u8], &[u8])],
) -> Vec<u8> {
    let now = Instant::now();
    let mut h2 = Connection::new(Role::Client, config, now);
    let scheme: &[u8] = if tls.is_some() { b"https" } else { b"http" };
    let req = H2Request {
        headers: fields,
        ..H2Request::get(scheme, b"localhost", path.as_bytes())
    };
    let id = h2.send_request(&req, true).unwrap();
    let mut sock = TcpStream::connect(addr).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut buf = vec![0u8; 1 << 16];
    let mut body = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        assert!(Instant::now() < deadline, "timed out");
        // Our output: HTTP/2 bytes, encrypted once the handshake is done.
        let ready = match &mut tls {
            Some(t) => t.handshake().unwrap() == tls::HandshakeStatus::Complete,
            None => true,
        };
        let mut plain = Vec::new();
        if ready {
            while h2.wants_write() {
                if let Some(p) = h2.poll_transmit(now, &mut plain) {
                    plain.extend_from_slice(&p);
                }
            }
        }
        let mut out = Vec::new();
        match &mut tls {
            Some(t) => {
                if !plain.is_empty() {
                    assert_eq!(t.write(&plain).unwrap(), plain.len());
                }
                t.poll_transmit(&mut out);
            }
            None => out = plain,
        }
        sock.write_all(&out).unwrap();
        // Their input.
        let n = sock.read(&mut buf).unwrap();
        assert!(n > 0, "server closed early");
        let mut input = Vec::new();
        match &mut tls {
            Some(t) => {
                assert_eq!(t.recv(&buf[..n]).unwrap(), n);
                if t.is_handshake_complete() {
                    let mut pbuf = vec![0u8; 1 << 16];
                    while let tls::Plaintext::Data(k) = t.read(&mut pbuf).unwrap() {
                        if k == 0 {
                            break;
                        }
                        input.extend_from_slice(&pbuf[..k]);
                    }
                }
            }
            None => input.extend_from_slice(&buf[..n]),
        }
        let mut off = 0;
        while off < input.len() {
            off += h2.recv(now, &input[off..]).unwrap();
            let mut done = false;
            while let Some(ev) = h2.poll_event() {
                match ev {
                    Event::Response {
                        stream, end_stream, ..
                    } if stream == id => done |= end_stream,
                    Event::Data {
                        stream, end_stream, ..
                    } if stream == id => {
                        while let Some(b) = h2.read_data(stream) {
                            body.extend_from_slice(&b);
                        }
                        done |= end_stream;
                    }
                    _ => {}
                }
            }
            if done {
                return body;
            }
        }
    }
}

/// The string value of `"key":"..."` in `json` (no escapes in the values looked up here).
fn field<'a>(json: &'a str, key: &str) -> Option<&'a str> {
    let pat = format!("\"{key}\":\"");
    let start = json.find(&pat)? + pat.len();
    let len = json[start..].find('"')?;
    Some(&json[start..start + len])
}

/// Each built-in profile, TLS and HTTP/2 shaped by it, is seen by `/fingerprint` with the
/// JA4 its ClientHello has (Chrome's the published one) and its Akamai string.
#[test]
fn each_profile_over_tls_h2() {
    let (s, root) = tls_server(true, true);
    for profile in BUILT_IN {
        let mut b = ClientConfig::builder();
        b.system_roots(false).add_root_pem(&root).profile(profile);
        let config = b.build().unwrap();
        let session = ClientSession::new(&config, "localhost").unwrap();
        // An empty value is a position only (`cookie`), not a field to send.
        let fields: Vec<(&[u8], &[u8])> = profile
            .http2_headers
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(n, v)| (n.as_bytes(), v.as_bytes()))
            .collect();
        let body = h2_get(
            s.local_addr(),
            Some(session),
            h2_config(profile).unwrap(),
            "/fingerprint",
            &fields,
        );
        let json = String::from_utf8(body).unwrap();
        let ja4 = field(&json, "ja4").unwrap_or_else(|| panic!("{}: {json}", profile.name));
        assert_eq!(
            ja4,
            expected_ja4(profile, None, "localhost"),
            "{}: {json}",
            profile.name
        );
        if profile.name == "chrome" {
            assert_eq!(ja4, CHROME_JA4);
        }
        assert_eq!(
            field(&json, "akamai"),
            Some(profile.http2.akamai_text().as_str()),
            "{}: {json}",
            profile.name
        );
        assert_eq!(field(&json, "alpn"), Some("h2"), "{json}");
        assert_eq!(field(&json, "version"), Some("TLSv1.3"), "{json}");
        assert_eq!(field(&json, "server_name"), Some("localhost"), "{json}");
        assert!(
            field(&json, "ja4_r").is_some_and(|r| r.starts_with(&ja4[..10])),
            "{json}"
        );
        assert_eq!(field(&json, "ja3").map(str::len), Some(32), "{json}");
        // The profile's regular header names, in its order.
        let names: Vec<String> = profile
            .http2_headers
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(n, _)| format!("\"{n}\""))
            .collect();
        assert!(
            json.ends_with(&format!("\"headers\":[{}]}}\n", names.join(","))),
            "{}: {json}",
            profile.name
        );
    }
    s.shutdown().unwrap();
}

/// Cleartext HTTP/2 with prior knowledge: the Akamai part, no TLS part.
#[test]
fn h2c_has_akamai_and_no_tls() {
    let config = ServerConfig {
        threads: 1,
        fingerprint: true,
        ..ServerConfig::default()
    };
    let s = Server::bind("127.0.0.1:0".parse().unwrap(), config, handler).unwrap();
    let chrome = &tls::profile::CHROME;
    let body = h2_get(
        s.local_addr(),
        None,
        h2_config(chrome).unwrap(),
        "/",
        &[(b"x-b", b"1"), (b"x-a", b"2")],
    );
    let json = String::from_utf8(body).unwrap();
    assert!(json.starts_with("{\"tls\":null,\"http2\":{"), "{json}");
    assert_eq!(
        field(&json, "akamai"),
        Some("1:65536;2:0;4:6291456;6:262144|15663105|0|m,a,s,p")
    );
    assert!(
        json.contains(
            "\"pseudo_order\":[\":method\",\":authority\",\":scheme\",\":path\"],\"headers_priority\":{\"exclusive\":true,\"dependency\":0,\"weight\":256}"
        ),
        "{json}"
    );
    assert!(json.ends_with("\"headers\":[\"x-b\",\"x-a\"]}\n"), "{json}");
    s.shutdown().unwrap();
}

/// Nothing is computed unless asked: fingerprinting off gives `None` over TLS and h2c; a
/// TLS configuration that does not keep the ClientHello gives no TLS part.
#[test]
fn off_unless_asked() {
    let (s, root) = tls_server(false, true);
    let chrome = &tls::profile::CHROME;
    let tls_client = |root: &[u8]| {
        let mut b = ClientConfig::builder();
        b.system_roots(false).add_root_pem(root).profile(chrome);
        ClientSession::new(&b.build().unwrap(), "localhost").unwrap()
    };
    let body = h2_get(
        s.local_addr(),
        Some(tls_client(&root)),
        h2_config(chrome).unwrap(),
        "/",
        &[],
    );
    assert_eq!(body, b"{\"tls\":null,\"http2\":null,\"headers\":[]}\n");
    s.shutdown().unwrap();

    let (s, root) = tls_server(true, false);
    let body = h2_get(
        s.local_addr(),
        Some(tls_client(&root)),
        h2_config(chrome).unwrap(),
        "/",
        &[],
    );
    let json = String::from_utf8(body).unwrap();
    assert!(
        json.starts_with("{\"tls\":null,\"http2\":{\"akamai\":"),
        "{json}"
    );
    s.shutdown().unwrap();

    let s = Server::bind(
        "127.0.0.1:0".parse().unwrap(),
        ServerConfig {
            threads: 1,
            ..ServerConfig::default()
        },
        handler,
    )
    .unwrap();
    let body = h2_get(s.local_addr(), None, Config::client(), "/", &[]);
    assert_eq!(body, b"{\"tls\":null,\"http2\":null,\"headers\":[]}\n");
    s.shutdown().unwrap();
}

#[path = "support/peers.rs"]
mod peers;
#[path = "support/wire_serve.rs"]
mod wire_serve;

use wire_serve::WireServe;

fn curl(args: &[&str]) -> String {
    let out = Command::new("curl")
        .args(["-sS", "--max-time", "20"])
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("curl not runnable ({e}): {}", peers::MISSING));
    assert!(
        out.status.success(),
        "curl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// `wire serve --tls` answers curl's `/fingerprint` with a TLS 1.3 JA4 and, on HTTP/2, an
/// Akamai string; on HTTP/1.1 curl's header names in its order and case.
#[test]
fn curl_fingerprint_over_tls() {
    let (wire, port, cert) = wire_tls();
    let url = format!("https://localhost:{port}/fingerprint");

    let h2 = curl(&["--http2", "--cacert", &cert, &url]);
    let ja4 = field(&h2, "ja4").unwrap_or_else(|| panic!("{h2}"));
    assert!(ja4.starts_with("t13"), "{h2}");
    assert_eq!(field(&h2, "alpn"), Some("h2"), "{h2}");
    let akamai = field(&h2, "akamai").unwrap_or_else(|| panic!("{h2}"));
    assert_eq!(akamai.split('|').count(), 4, "{akamai}");
    // curl (nghttp2) sends :method, :path, :scheme, :authority.
    assert!(akamai.ends_with("|m,p,s,a"), "{akamai}");

    let h1 = curl(&["--http1.1", "--cacert", &cert, "-H", "X-Test: 1", &url]);
    assert!(
        field(&h1, "ja4").is_some_and(|j| j.starts_with("t13")),
        "{h1}"
    );
    assert_eq!(field(&h1, "alpn"), Some("http/1.1"), "{h1}");
    assert!(h1.contains("\"http2\":null"), "{h1}");
    assert!(
        h1.ends_with("\"headers\":[\"Host\",\"User-Agent\",\"Accept\",\"X-Test\"]}\n"),
        "{h1}"
    );
    drop(wire);
}

/// Starts `wire serve --tls`: the process, its port and its certificate's path (removed
/// when the process is dropped).
fn wire_tls() -> (WireServe, String, String) {
    let wire = WireServe::start(&["--threads", "1", "--tls"]);
    let (port, cert) = (wire.port().to_owned(), wire.cert_path().to_owned());
    (wire, port, cert)
}

/// The value of `"key": "..."` in the first JSON line of ja4plus's output.
fn ja4plus_field<'a>(out: &'a str, key: &str) -> Option<&'a str> {
    let line = out.lines().find(|l| l.trim_start().starts_with('{'))?;
    let pat = format!("\"{key}\": \"");
    let start = line.find(&pat)? + pat.len();
    let len = line[start..].find('"')?;
    Some(&line[start..start + len])
}

/// `/fingerprint` answers curl's ClientHello with the JA3 tshark and the JA4 and JA4_r
/// ja4plus compute from a capture of the same handshake (tshark 4.0 has no JA4 field).
/// Ignored by default: capturing needs root (`-i any`, as `tls/fingerprint-check.sh` does);
/// `scripts/test.sh` runs it (`cargo test -p runtime-mio --test fingerprint -- --ignored`).
/// Needs tshark and the peers kit's ja4plus (`../shared/peers/install.sh`).
#[test]
#[ignore = "captures packets: needs root, tshark and the peers kit's ja4plus"]
fn curl_fingerprint_matches_tshark_and_ja4plus() {
    let ja4plus = peers::kit_file("venv/bin/ja4plus");
    let (wire, port, cert) = wire_tls();
    let dir = std::env::temp_dir().join(format!("rt-fp-capture-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let pcap = dir.join("curl.pcap");
    let err = dir.join("tshark.err");
    let mut tshark = Command::new("tshark")
        .args(["-i", "any", "-f", &format!("tcp port {port}"), "-w"])
        .arg(&pcap)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&err).unwrap())
        .spawn()
        .unwrap_or_else(|e| panic!("tshark not runnable ({e}): apt-get install tshark"));
    let deadline = Instant::now() + Duration::from_secs(30);
    while !std::fs::read_to_string(&err).is_ok_and(|s| s.contains("Capturing on")) {
        assert!(Instant::now() < deadline, "tshark did not start capturing");
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(500));
    let url = format!("https://localhost:{port}/fingerprint");
    let json = curl(&["--http2", "--cacert", &cert, &url]);
    std::thread::sleep(Duration::from_secs(1));
    // SIGINT lets tshark finish the file.
    let _ = Command::new("kill")
        .args(["-INT", &tshark.id().to_string()])
        .status();
    let _ = tshark.wait();
    drop(wire);

    let out = Command::new("tshark")
        .arg("-r")
        .arg(&pcap)
        .args([
            "-Y",
            "tls.handshake.type==1",
            "-T",
            "fields",
            "-e",
            "tls.handshake.ja3",
        ])
        .output()
        .unwrap();
    let their_ja3 = String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .unwrap_or_default()
        .trim()
        .to_owned();
    let out = Command::new(&ja4plus)
        .args(["--format", "json", "--types", "ja4", "analyze"])
        .arg(&pcap)
        .output()
        .unwrap();
    let their = String::from_utf8_lossy(&out.stdout).into_owned();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(field(&json, "ja3"), Some(their_ja3.as_str()), "{json}");
    assert_eq!(
        field(&json, "ja4"),
        ja4plus_field(&their, "fingerprint"),
        "{json}\n{their}"
    );
    assert_eq!(
        field(&json, "ja4_r"),
        ja4plus_field(&their, "raw"),
        "{json}\n{their}"
    );
}

/// The fingerprint is computed once per connection: two requests on one HTTP/2 connection
/// see the same shared value (the same address).
#[test]
fn computed_once_per_connection() {
    let config = ServerConfig {
        threads: 1,
        fingerprint: true,
        ..ServerConfig::default()
    };
    // Each request is kept (with its share of the fingerprint), so a fingerprint computed
    // anew could not reuse the address of one freed.
    let kept = std::sync::Mutex::new(Vec::new());
    let s = Server::bind(
        "127.0.0.1:0".parse().unwrap(),
        config,
        move |req: &Request| {
            let fp = req.fingerprint().expect("h2c with fingerprinting on");
            let text = format!("{fp:p};");
            kept.lock().unwrap().push(req.clone());
            Response::text(200, text)
        },
    )
    .unwrap();
    let url = format!("http://{}/a", s.local_addr());
    let url2 = format!("http://{}/b", s.local_addr());
    // nghttp: curl 7.88 fails its second request on a reused prior-knowledge connection
    // ("Error in the HTTP2 framing layer") before sending it, whatever the server.
    let out = Command::new("nghttp")
        .args([&url, &url2])
        .output()
        .unwrap_or_else(|e| panic!("nghttp not runnable ({e}): {}", peers::MISSING));
    assert!(out.status.success(), "{out:?}");
    let one = String::from_utf8(out.stdout).unwrap();
    let addrs: Vec<&str> = one.split_terminator(';').collect();
    assert_eq!(addrs.len(), 2, "{one}");
    assert_eq!(addrs[0], addrs[1], "one connection, one fingerprint: {one}");
    s.shutdown().unwrap();
}
