//! `wire serve` under the issue's interop peers not covered elsewhere: `wrk` (keep-alive,
//! 16-deep pipelining, TLS), `openssl s_client` (ALPN `h2` and `http/1.1`, TLS 1.2 and 1.3,
//! an HTTP/1.1 and an HTTP/2 request through it), Python `httpx` (HTTP/2 over TLS, HTTP/2
//! with prior knowledge, HTTP/1.1, streamed uploads), `h2load -m 100` over TLS and h2c,
//! `nghttp` uploads over TLS, and `curl` with `--http2-prior-knowledge` and uploads of
//! unknown length (`-T -`). Each peer comes from the peers kit; a missing one fails the test.

use std::io::Write;
use std::process::{Command, Output, Stdio};

#[path = "support/h2_raw.rs"]
mod h2_raw;
#[path = "support/peers.rs"]
mod peers;
#[path = "support/wire_serve.rs"]
mod wire_serve;

use h2_raw::{h2_frame, h2_frames};
use wire_serve::WireServe;

/// `wire serve --threads 2` with extra arguments.
fn wire(extra: &[&str]) -> WireServe {
    let mut args = vec!["--threads", "2"];
    args.extend_from_slice(extra);
    WireServe::start(&args)
}

use peers::MISSING;

/// `tool args...` with `stdin` fed in; panics (saying how to install it) when the tool is
/// missing.
fn run(tool: &str, args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(tool)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{tool}: {e}: {MISSING}"));
    let mut input = child.stdin.take().unwrap();
    let data = stdin.to_vec();
    let feeder = std::thread::spawn(move || {
        let _ = input.write_all(&data);
    });
    let out = child.wait_with_output().unwrap();
    feeder.join().unwrap();
    out
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The number before `label` in wrk's or h2load's output (`169424 requests in 2.10s`).
fn number_before(out: &str, label: &str) -> Option<u64> {
    let i = out.find(label)?;
    out[..i].split_whitespace().last()?.parse().ok()
}

// ---------------------------------------------------------------------------------------------

/// wrk: its request count, and no non-2xx answers or socket errors (wrk prints those lines
/// only when there were some).
fn wrk(args: &[&str]) -> (u64, String) {
    let out = run("wrk", args, b"");
    let t = text(&out);
    assert!(out.status.success(), "wrk {args:?}: {t}");
    let n = number_before(&t, " requests in").unwrap_or_else(|| panic!("{t}"));
    (n, t)
}

#[test]
fn wrk_keep_alive_pipelined_and_tls() {
    let w = wire(&[]);
    let base = format!("http://{}", w.addr);
    let clean = |args: &[&str]| {
        let (n, t) = wrk(args);
        assert!(n > 100, "{t}");
        assert!(!t.contains("Non-2xx"), "{t}");
        assert!(!t.contains("Socket errors"), "{t}");
    };
    clean(&["-t2", "-c20", "-d2s", &format!("{base}/")]);
    clean(&["-t2", "-c20", "-d1s", &format!("{base}/bytes/10000")]);
    // 16 requests per write, as the benchmarks run it.
    let script = std::env::temp_dir().join(format!("wire-pipeline-{}.lua", std::process::id()));
    std::fs::write(
        &script,
        "init = function(args)\n  local r = {}\n  for i = 1, 16 do r[i] = wrk.format(nil, \"/\") end\n  req = table.concat(r)\nend\nrequest = function() return req end\n",
    )
    .unwrap();
    clean(&[
        "-t2",
        "-c20",
        "-d2s",
        "-s",
        script.to_str().unwrap(),
        &format!("{base}/"),
    ]);
    let _ = std::fs::remove_file(&script);
    // The check above can see a failure: a 404 endpoint counts every answer as non-2xx.
    let (n, t) = wrk(&["-t1", "-c4", "-d1s", &format!("{base}/status/404")]);
    let non2xx: u64 = t
        .split("Non-2xx or 3xx responses:")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("{t}"));
    assert_eq!(non2xx, n, "{t}");
    let w = wire(&["--tls"]);
    clean(&["-t2", "-c20", "-d2s", &format!("https://{}/", w.addr)]);
}

// ---------------------------------------------------------------------------------------------

fn s_client(w: &WireServe, extra: &[&str], stdin: &[u8]) -> String {
    let mut args = vec![
        "s_client",
        "-connect",
        &w.addr,
        "-servername",
        "localhost",
        "-CAfile",
        w.cert_path(),
    ];
    args.extend_from_slice(extra);
    let out = run("openssl", &args, stdin);
    let t = text(&out);
    assert!(out.status.success(), "openssl {args:?}: {t}");
    t
}

#[test]
fn openssl_s_client_alpn_and_requests() {
    let w = wire(&["--tls"]);
    let get = b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    // ALPN h2 alone, and h2 first among two: h2.
    for alpn in ["h2", "h2,http/1.1"] {
        let t = s_client(&w, &["-alpn", alpn], b"");
        assert!(t.contains("ALPN protocol: h2\n"), "{alpn}: {t}");
        assert!(t.contains("Verify return code: 0 (ok)"), "{t}");
        assert!(t.contains("New, TLSv1.3,"), "{t}");
    }
    // TLS 1.2 negotiates h2 too.
    let t = s_client(&w, &["-tls1_2", "-alpn", "h2"], b"");
    assert!(t.contains("ALPN protocol: h2\n"), "{t}");
    assert!(t.contains("New, TLSv1.2,"), "{t}");
    // http/1.1 by ALPN, and no ALPN at all: an HTTP/1.1 request through s_client is
    // answered (-ign_eof: s_client reads until the server closes).
    for (extra, said) in [
        (
            &["-alpn", "http/1.1", "-ign_eof"][..],
            "ALPN protocol: http/1.1\n",
        ),
        (&["-ign_eof"][..], "No ALPN negotiated\n"),
        (
            &["-tls1_2", "-alpn", "http/1.1", "-ign_eof"][..],
            "ALPN protocol: http/1.1\n",
        ),
    ] {
        let t = s_client(&w, extra, get);
        assert!(t.contains(said), "{extra:?}: {t}");
        assert!(t.contains("\nHTTP/1.1 200 OK\r\n"), "{extra:?}: {t}");
        assert!(t.contains("\r\n\r\nHello, World!"), "{extra:?}: {t}");
    }
    // An HTTP/2 request through s_client (-quiet: stdout holds only what the server sent):
    // the preface, SETTINGS, GET / on stream 1, then GOAWAY so that the server closes once
    // the stream is answered.
    let mut h2 = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_vec();
    h2.extend(h2_frame(4, 0, 0, b""));
    let mut head = vec![0x82, 0x87, 0x84, 0x01, 9];
    head.extend_from_slice(b"localhost");
    h2.extend(h2_frame(1, 5, 1, &head));
    h2.extend(h2_frame(7, 0, 0, &[0; 8]));
    let args = [
        "s_client",
        "-connect",
        &w.addr,
        "-servername",
        "localhost",
        "-CAfile",
        w.cert_path(),
        "-alpn",
        "h2",
        "-quiet",
    ];
    let out = run("openssl", &args, &h2);
    assert!(out.status.success(), "{}", text(&out));
    let frames = h2_frames(&out.stdout);
    // HEADERS on stream 1 with :status 200 (static index 8), then the body with END_STREAM.
    assert!(
        frames
            .iter()
            .any(|f| f.0 == 1 && f.2 == 1 && f.3.first() == Some(&0x88)),
        "{frames:?}"
    );
    let body: Vec<u8> = frames
        .iter()
        .filter(|f| f.0 == 0 && f.2 == 1)
        .flat_map(|f| f.3.clone())
        .collect();
    assert_eq!(body, b"Hello, World!", "{frames:?}");
    assert!(
        frames.iter().any(|f| f.0 == 0 && f.2 == 1 && f.1 & 1 == 1),
        "{frames:?}"
    );
}

// ---------------------------------------------------------------------------------------------

/// Python `httpx`: HTTP/2 over TLS (verified against the generated certificate), HTTP/2
/// with prior knowledge in cleartext, HTTP/1.1 over both; a download of 1 MB, an upload of
/// 1 MB and an upload streamed from a generator (chunked on HTTP/1.1, DATA frames without a
/// length on HTTP/2).
#[test]
fn httpx_http2_and_http1() {
    let tls = wire(&["--tls"]);
    let plain = wire(&[]);
    let script = r#"
import sys, httpx
cert, tls_port, plain_addr = sys.argv[1:4]
want_bytes = bytes(i % 251 for i in range(1_000_000))
def gen():
    for i in range(10):
        yield b"%d" % i * 1000
streamed = b"".join(gen()).decode()
def check(client, base, version):
    r = client.get(base + "/")
    assert (r.http_version, r.status_code, r.text) == (version, 200, "Hello, World!"), r
    r = client.get(base + "/bytes/1000000")
    assert r.http_version == version and r.content == want_bytes, r
    r = client.post(base + "/echo", content=b"u" * 1_000_000)
    assert r.json()["body"] == "u" * 1_000_000, r.text[:200]
    r = client.post(base + "/echo", content=gen())
    j = r.json()
    assert j["body"] == streamed, r.text[:200]
    names = [n.lower() for n, _ in j["headers"]]
    if version == "HTTP/1.1":
        assert ["transfer-encoding", "chunked"] in [[n.lower(), v] for n, v in j["headers"]], j["headers"]
    else:
        assert "content-length" not in names and "transfer-encoding" not in names, j["headers"]
    r = client.get(base + "/status/418")
    assert r.status_code == 418, r
    print(version, base.split(":")[0], "ok")
base_tls = "https://localhost:" + tls_port
base_plain = "http://" + plain_addr
with httpx.Client(http2=True, verify=cert) as c:
    check(c, base_tls, "HTTP/2")
with httpx.Client(verify=cert) as c:
    check(c, base_tls, "HTTP/1.1")
with httpx.Client(http1=False, http2=True) as c:
    check(c, base_plain, "HTTP/2")
with httpx.Client() as c:
    check(c, base_plain, "HTTP/1.1")
"#;
    let out = Command::new(peers::python(&["httpx", "h2"]))
        .args(["-c", script, tls.cert_path(), tls.port(), &plain.addr])
        .output()
        .unwrap();
    let t = text(&out);
    assert!(out.status.success(), "{t}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "HTTP/2 https ok\nHTTP/1.1 https ok\nHTTP/2 http ok\nHTTP/1.1 http ok\n"
    );
}

// ---------------------------------------------------------------------------------------------

fn h2load(args: &[&str], n: u64, protocol: &str) -> String {
    let out = run("h2load", args, b"");
    let t = text(&out);
    assert!(out.status.success(), "h2load {args:?}: {t}");
    assert!(
        t.contains(&format!("{n} succeeded, 0 failed, 0 errored, 0 timeout")),
        "{t}"
    );
    assert!(t.contains(&format!("status codes: {n} 2xx,")), "{t}");
    assert!(
        t.contains(&format!("Application protocol: {protocol}\n")),
        "{t}"
    );
    t
}

/// `h2load -m 100` (100 streams at once per connection) over TLS and h2c, and 10 KB
/// uploads under the same load; every request answered 2xx.
#[test]
fn h2load_100_streams_tls_and_h2c() {
    let tls = wire(&["--tls"]);
    let plain = wire(&[]);
    h2load(
        &[
            "-n",
            "20000",
            "-c",
            "10",
            "-m",
            "100",
            &format!("https://{}/", tls.addr),
        ],
        20_000,
        "h2",
    );
    h2load(
        &[
            "-n",
            "20000",
            "-c",
            "10",
            "-m",
            "100",
            &format!("http://{}/", plain.addr),
        ],
        20_000,
        "h2c",
    );
    let up = std::env::temp_dir().join(format!("wire-h2load-{}.bin", std::process::id()));
    std::fs::write(&up, vec![b'a'; 10_000]).unwrap();
    let t = h2load(
        &[
            "-n",
            "2000",
            "-c",
            "4",
            "-m",
            "100",
            "-d",
            up.to_str().unwrap(),
            &format!("https://{}/echo", tls.addr),
        ],
        2000,
        "h2",
    );
    let _ = std::fs::remove_file(&up);
    // Each answer's body is the echo: 10,000 `a`s and the request's headers as JSON.
    let data = t
        .split(" data")
        .next()
        .and_then(|s| s.rsplit('(').next())
        .and_then(|s| s.strip_suffix(')'))
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or_else(|| panic!("{t}"));
    assert!(data > 2000 * 10_000, "{t}");
}

// ---------------------------------------------------------------------------------------------

/// nghttp over TLS (ALPN h2): an upload of 300 KB echoed, and several streams at once.
#[test]
fn nghttp_uploads_over_tls() {
    let w = wire(&["--tls"]);
    let up = std::env::temp_dir().join(format!("wire-nghttp-{}.bin", std::process::id()));
    std::fs::write(&up, vec![b'n'; 300_000]).unwrap();
    let base = format!("https://localhost:{}", w.port());
    let out = run(
        "nghttp",
        &["-d", up.to_str().unwrap(), &format!("{base}/echo")],
        b"",
    );
    let _ = std::fs::remove_file(&up);
    assert!(out.status.success(), "{}", text(&out));
    let body = String::from_utf8(out.stdout).unwrap();
    assert!(body.starts_with("{\"method\":\"POST\""), "{}", &body[..200]);
    assert!(
        body.ends_with(&format!("\"body\":\"{}\"}}\n", "n".repeat(300_000))),
        "{}",
        &body[..200]
    );
    let out = run(
        "nghttp",
        &[
            &format!("{base}/status/201"),
            &format!("{base}/bytes/3"),
            &format!("{base}/"),
        ],
        b"",
    );
    assert!(out.status.success(), "{}", text(&out));
    let mut got = out.stdout.clone();
    got.sort_unstable();
    let mut want = b"\x00\x01\x02Hello, World!".to_vec();
    want.sort_unstable();
    assert_eq!(got, want);
}

// ---------------------------------------------------------------------------------------------

fn curl(args: &[&str], stdin: &[u8]) -> Vec<u8> {
    let mut all = vec!["-sS", "--max-time", "20"];
    all.extend_from_slice(args);
    let out = run("curl", &all, stdin);
    assert!(out.status.success(), "curl {args:?}: {}", text(&out));
    out.stdout
}

/// curl with `--http2-prior-knowledge` (GET, an upload of 1 MB), and uploads of unknown
/// length from stdin (`-T -`): chunked over HTTP/1.1, DATA frames over h2c and over TLS.
#[test]
fn curl_prior_knowledge_and_uploads_of_unknown_length() {
    let plain = wire(&[]);
    let tls = wire(&["--tls"]);
    let base = format!("http://{}", plain.addr);
    let out = curl(
        &[
            "--http2-prior-knowledge",
            &format!("{base}/"),
            "-w",
            " %{http_version}",
        ],
        b"",
    );
    assert_eq!(out, b"Hello, World! 2");
    let up = std::env::temp_dir().join(format!("wire-curl-{}.bin", std::process::id()));
    std::fs::write(&up, vec![b'c'; 1_000_000]).unwrap();
    let out = curl(
        &[
            "--http2-prior-knowledge",
            "--data-binary",
            &format!("@{}", up.display()),
            &format!("{base}/echo"),
        ],
        b"",
    );
    let _ = std::fs::remove_file(&up);
    let out = String::from_utf8(out).unwrap();
    assert!(
        out.ends_with(&format!("\"body\":\"{}\"}}\n", "c".repeat(1_000_000))),
        "{}",
        &out[..200]
    );
    let data: Vec<u8> = (0..200_000u32).map(|i| b'a' + (i % 26) as u8).collect();
    let want_body = format!("\"body\":\"{}\"}}\n", String::from_utf8_lossy(&data));
    let tls_base = format!("https://localhost:{}", tls.port());
    for (mode, url) in [
        ("--http1.1", format!("{base}/echo")),
        ("--http2-prior-knowledge", format!("{base}/echo")),
        ("--http2", format!("{tls_base}/echo")),
        ("--http1.1", format!("{tls_base}/echo")),
    ] {
        let out = curl(
            &[
                mode,
                "--cacert",
                tls.cert_path(),
                "-T",
                "-",
                &url,
                "-w",
                "%{http_version}",
            ],
            &data,
        );
        let out = String::from_utf8(out).unwrap();
        let (json, version) = out.rsplit_once('\n').unwrap();
        let json = format!("{json}\n");
        assert!(
            json.starts_with("{\"method\":\"PUT\""),
            "{mode} {url}: {}",
            &json[..200]
        );
        assert!(json.ends_with(&want_body), "{mode} {url}: {}", &json[..200]);
        if mode == "--http1.1" {
            assert_eq!(version, "1.1");
            assert!(
                json.contains("[\"Transfer-Encoding\",\"chunked\"]"),
                "{}",
                &json[..300]
            );
        } else {
            assert_eq!(version, "2");
        }
    }
}
