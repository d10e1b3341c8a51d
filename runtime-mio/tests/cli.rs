//! The `wire` client commands, run as the built binary against an in-process server:
//! `get|post|put|head` with `-H` (order kept), `-d`, `--data-binary @file`, `-F` (checked by
//! Python's `email` parser), `-o` and stdout byte-exact (1 MiB + 1 random bytes, by SHA-256),
//! `-i`, `--http2-prior-knowledge`, TLS with `--cacert` and `--insecure` (and `-v` naming the
//! TLS version, ALPN and our JA4), exit codes (connect refused 7, timeout 28, TLS 35, `-f`
//! 22), proxies from the environment (`http_proxy`, not `HTTP_PROXY`; `no_proxy`) and the
//! flags over them (`-x ""`, `--noproxy`) through a CONNECT proxy written here, and `wire
//! bench` reporting every request done with status 200.

use std::io::Write as _;
use std::process::{Output, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use runtime_mio::server::{Response, Server, ServerConfig};

#[path = "support/profile_ja4.rs"]
mod profile_ja4;
#[path = "support/tls_server.rs"]
mod tls_server;
use tls_server::{self_signed_tls, self_signed_tls_with};
#[path = "support/uploads.rs"]
mod uploads;
use uploads::{multipart_parts, sha256};
#[path = "support/wire_command.rs"]
mod wire_command;
use wire_command::wire_command;

/// 1 MiB + 1 bytes from a xorshift seeded by the clock: different every run.
fn random_blob() -> Vec<u8> {
    let mut x = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    (0..(1 << 20) + 1)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// `/echo`: the request as text (method, target, each header `name: value` on a line in
/// received order, an empty line, the body). `/raw`: the content type, a newline, the body.
/// `/blob`: the blob. `/status/N`: status N. `/slow`: answers after 3 s.
fn server(blob: Arc<Vec<u8>>, tls: Option<Arc<tls::ServerConfig>>) -> Server {
    let config = ServerConfig {
        threads: 2,
        max_body: 64 << 20,
        tls,
        ..ServerConfig::default()
    };
    Server::bind("127.0.0.1:0".parse().unwrap(), config, move |req| {
        let path = req.path();
        if path == "/echo" {
            let mut t = format!("{} {}\n", req.method(), req.target()).into_bytes();
            for (n, v) in req.headers() {
                t.extend_from_slice(n.as_bytes());
                t.extend_from_slice(b": ");
                t.extend_from_slice(v);
                t.push(b'\n');
            }
            t.push(b'\n');
            t.extend_from_slice(req.body());
            return Response::new(200).with_body(t);
        }
        if path == "/raw" {
            let mut t = req.header("content-type").unwrap_or_default().to_vec();
            t.push(b'\n');
            t.extend_from_slice(req.body());
            return Response::new(200).with_body(t);
        }
        if path == "/blob" {
            return Response::new(200).with_body(blob.to_vec());
        }
        if path == "/slow" {
            std::thread::sleep(Duration::from_secs(3));
            return Response::text(200, "late\n");
        }
        if path == "/hop" {
            return Response::new(302).with_header("Location", "/hop2");
        }
        if path == "/hop2" {
            return Response::new(307).with_header("Location", "/echo");
        }
        if path == "/gz" {
            use std::io::Write as _;
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            e.write_all(&b"compressed hello\n".repeat(100)).unwrap();
            return Response::new(200)
                .with_header("Content-Encoding", "gzip")
                .with_body(e.finish().unwrap());
        }
        if let Some(code) = path.strip_prefix("/status/") {
            return Response::text(code.parse().unwrap_or(500), "status\n");
        }
        Response::text(200, "hello\n")
    })
    .unwrap()
}

fn wire(args: &[&str]) -> Output {
    wire_stdin(args, None)
}

fn wire_stdin(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = wire_command()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("wire runs");
    let input = child.stdin.take().unwrap();
    let data = stdin.map(<[u8]>::to_vec);
    let feeder = std::thread::spawn(move || {
        let mut input = input;
        if let Some(d) = data {
            input.write_all(&d).unwrap();
        }
    });
    let out = child.wait_with_output().unwrap();
    feeder.join().unwrap();
    out
}

/// `wire` with exactly these proxy variables (and `NO_PROXY` unset unless given).
fn wire_env(args: &[&str], vars: &[(&str, &str)]) -> Output {
    let mut cmd = wire_command();
    cmd.args(args).stdin(Stdio::null());
    for (k, v) in vars {
        cmd.env(k, v);
    }
    cmd.output().expect("wire runs")
}

/// A CONNECT proxy on loopback that records each request line and relays the tunnel.
fn connect_proxy() -> (u16, Arc<std::sync::Mutex<Vec<String>>>) {
    use std::io::Read as _;
    use std::net::{TcpListener, TcpStream};
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    std::thread::spawn(move || {
        for c in l.incoming() {
            let Ok(mut c) = c else { return };
            let log = Arc::clone(&log);
            std::thread::spawn(move || {
                let mut head = Vec::new();
                let mut b = [0u8];
                while !head.ends_with(b"\r\n\r\n") {
                    if c.read(&mut b).unwrap_or(0) == 0 {
                        return;
                    }
                    head.push(b[0]);
                }
                let head = String::from_utf8_lossy(&head).into_owned();
                let line = head.lines().next().unwrap_or_default().to_owned();
                log.lock().unwrap().push(line.clone());
                let target = line.split(' ').nth(1).unwrap_or_default().to_owned();
                let Ok(up) = TcpStream::connect(&target) else {
                    let _ = c.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n");
                    return;
                };
                c.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                    .unwrap();
                let (mut c2, mut up2) = (c.try_clone().unwrap(), up.try_clone().unwrap());
                let (mut c, mut up) = (c, up);
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut up2, &mut c2);
                    let _ = c2.shutdown(std::net::Shutdown::Write);
                });
                let _ = std::io::copy(&mut c, &mut up);
                let _ = up.shutdown(std::net::Shutdown::Write);
            });
        }
    });
    (port, seen)
}

fn ok(out: &Output) -> &[u8] {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    &out.stdout
}

fn temp(name: &str, data: &[u8]) -> String {
    let dir = std::env::temp_dir().join(format!("wire-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, data).unwrap();
    p.to_str().unwrap().to_owned()
}

#[test]
fn get_include_header_order_and_head() {
    let s = server(Arc::new(Vec::new()), None);
    let base = format!("http://{}", s.local_addr());
    let out = wire(&[
        "get",
        "-i",
        "-H",
        "X-Zeta: 1",
        "-H",
        "x-alpha: 2",
        "-H",
        "X-Mid: a b",
        &format!("{base}/echo?q=1"),
    ]);
    let text = String::from_utf8(ok(&out).to_vec()).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").expect("a head with -i");
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert!(
        head.to_ascii_lowercase().contains("content-length: "),
        "{head}"
    );
    assert!(body.starts_with("GET /echo?q=1\n"), "{body}");
    let zeta = body.find("X-Zeta: 1\n").expect("X-Zeta sent");
    let alpha = body.find("x-alpha: 2\n").expect("x-alpha sent in its case");
    let mid = body.find("X-Mid: a b\n").expect("X-Mid sent");
    assert!(zeta < alpha && alpha < mid, "order kept: {body}");

    // Without -i, only the body; HEAD prints the head.
    let out = wire(&["get", &format!("{base}/")]);
    assert_eq!(ok(&out), b"hello\n");
    let out = wire(&["head", &format!("{base}/")]);
    let text = String::from_utf8(ok(&out).to_vec()).unwrap();
    assert!(
        text.starts_with("HTTP/1.1 200 OK\r\n") && text.ends_with("\r\n\r\n"),
        "{text}"
    );
    s.shutdown().unwrap();
}

#[test]
fn post_data_binary_and_put() {
    let blob = Arc::new(random_blob());
    let s = server(Arc::clone(&blob), None);
    let base = format!("http://{}", s.local_addr());
    let file = temp("data.txt", b"b=2\r\nc=3\n");
    let out = wire(&[
        "post",
        "-d",
        "a=1",
        "-d",
        &format!("@{file}"),
        &format!("{base}/raw"),
    ]);
    assert_eq!(
        ok(&out),
        b"application/x-www-form-urlencoded\na=1&b=2c=3",
        "-d joins with & and drops CR/LF from @file"
    );
    // --data-binary @file: streamed from disk, byte-exact, over HTTP/1.1 and h2c.
    let blob_file = temp("blob.bin", &blob);
    for extra in [&[][..], &["--http2-prior-knowledge"][..]] {
        let mut args = vec!["put", "--data-binary"];
        let at = format!("@{blob_file}");
        args.push(&at);
        args.extend_from_slice(extra);
        let url = format!("{base}/raw");
        args.push(&url);
        let out = wire(&args);
        let got = ok(&out);
        assert_eq!(got[0], b'\n', "no content type");
        assert_eq!(sha256(&got[1..]), sha256(&blob), "{extra:?}");
    }
    // --data-binary @-: stdin streamed (chunked).
    let out = wire_stdin(
        &["post", "--data-binary", "@-", &format!("{base}/raw")],
        Some(&blob),
    );
    let got = ok(&out);
    assert!(got[1..] == blob[..], "stdin upload differs");
    s.shutdown().unwrap();
}

#[test]
fn form_multipart_parses_with_python() {
    let s = server(Arc::new(Vec::new()), None);
    let base = format!("http://{}", s.local_addr());
    let all: Vec<u8> = (0..=255u8).collect();
    let file = temp("every-byte.bin", &all);
    let out = wire(&[
        "post",
        "-F",
        "title=hello world",
        "-F",
        &format!("pic=@{file};type=image/png;filename=p.png"),
        "-F",
        &format!("doc=@{file}"),
        &format!("{base}/raw"),
    ]);
    let got = ok(&out).to_vec();
    // The content type, a line, then the body: what `/raw` sends back.
    let nl = got
        .iter()
        .position(|&b| b == b'\n')
        .expect("a content type line");
    let ct = std::str::from_utf8(&got[..nl]).unwrap();
    let lines = multipart_parts(ct, &got[nl + 1..]);
    let h = sha256(&all);
    assert_eq!(
        lines,
        [
            format!("title None text/plain 11 {}", sha256(b"hello world")),
            format!("pic p.png image/png 256 {h}"),
            format!("doc every-byte.bin application/octet-stream 256 {h}"),
        ]
    );
    s.shutdown().unwrap();
}

#[test]
fn output_is_byte_exact_on_stdout_and_file() {
    let blob = Arc::new(random_blob());
    let s = server(Arc::clone(&blob), None);
    let url = format!("http://{}/blob", s.local_addr());
    let want = sha256(&blob);
    for extra in [&[][..], &["--http2-prior-knowledge"][..]] {
        let mut args = vec!["get"];
        args.extend_from_slice(extra);
        args.push(&url);
        let out = wire(&args);
        assert_eq!(sha256(ok(&out)), want, "stdout {extra:?}");
        let path = temp("out.bin", b"");
        let mut args = vec!["get", "-o", &path];
        args.extend_from_slice(extra);
        args.push(&url);
        let out = wire(&args);
        assert!(ok(&out).is_empty(), "-o: nothing on stdout");
        // stderr is not a terminal here: no progress bar.
        assert!(
            out.stderr.is_empty(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(sha256(&std::fs::read(&path).unwrap()), want, "-o {extra:?}");
    }
    s.shutdown().unwrap();
}

#[test]
fn tls_with_cacert_insecure_and_verbose() {
    let (tls, pem) = self_signed_tls(&["localhost"]);
    let s = server(Arc::new(Vec::new()), Some(tls));
    let url = format!("https://localhost:{}/", s.local_addr().port());
    let ca = temp("ca.pem", &pem);

    let out = wire(&["get", "-v", "--cacert", &ca, &url]);
    assert_eq!(ok(&out), b"hello\n");
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("* TLS TLSv1.3, cipher TLS_"), "{err}");
    assert!(err.contains("ALPN h2"), "{err}");
    assert!(err.contains("* JA4 (our ClientHello) t13d"), "{err}");
    assert!(err.contains("* HTTP/2 SETTINGS sent: "), "{err}");
    // What our server's first SETTINGS frame holds, as it sent it: no ENABLE_PUSH (a server
    // may only send 0 there), which the effective values, with the protocol's defaults,
    // would show as 1.
    assert!(
        err.contains("* HTTP/2 SETTINGS received: MAX_CONCURRENT_STREAMS=100, MAX_HEADER_LIST_SIZE=65536, ENABLE_CONNECT_PROTOCOL=1\n"),
        "{err}"
    );
    assert!(err.contains("< HTTP/2 200"), "{err}");

    let out = wire(&["get", "-v", "--http1.1", "--cacert", &ca, &url]);
    assert_eq!(ok(&out), b"hello\n");
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("ALPN http/1.1"), "{err}");
    assert!(err.contains("< HTTP/1.1 200 OK"), "{err}");

    // A streamed file upload over TLS, HTTP/2 and HTTP/1.1, byte-exact.
    let blob = random_blob();
    let blob_file = format!("@{}", temp("tls-blob.bin", &blob));
    let raw = format!("https://localhost:{}/raw", s.local_addr().port());
    for alpn in ["--http2", "--http1.1"] {
        let out = wire(&[
            "put",
            alpn,
            "--cacert",
            &ca,
            "--data-binary",
            &blob_file,
            &raw,
        ]);
        let got = ok(&out);
        assert_eq!(sha256(&got[1..]), sha256(&blob), "{alpn}");
    }

    // Not trusted: TLS failure, exit 35; --insecure accepts it.
    let out = wire(&["get", &url]);
    assert_eq!(
        out.status.code(),
        Some(35),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = wire(&["get", "--insecure", &url]);
    assert_eq!(ok(&out), b"hello\n");
    s.shutdown().unwrap();
}

#[test]
fn exit_codes() {
    let s = server(Arc::new(Vec::new()), None);
    let base = format!("http://{}", s.local_addr());
    // Connection refused: a port that was just free.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let out = wire(&["get", &format!("http://127.0.0.1:{port}/")]);
    assert_eq!(
        out.status.code(),
        Some(7),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // --max-time before a slow answer: 28, within the timeout and a generous margin.
    let t0 = Instant::now();
    let out = wire(&["get", "--max-time", "0.5", &format!("{base}/slow")]);
    assert_eq!(
        out.status.code(),
        Some(28),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        t0.elapsed() < Duration::from_millis(2900),
        "{:?}",
        t0.elapsed()
    );

    // Timeouts longer than a Duration holds are the longest wait, not a panic; a negative
    // one is a usage error (2).
    let out = wire(&[
        "get",
        "--max-time",
        "1e30",
        "--connect-timeout",
        "1e300",
        &format!("{base}/status/200"),
    ]);
    assert_eq!(ok(&out), b"status\n");
    let out = wire(&["get", "--max-time", "-1", &format!("{base}/status/200")]);
    assert_eq!(out.status.code(), Some(2));

    // --fail: 22 for >= 400 (no body), 0 without it; 0 below 400 with it.
    let out = wire(&["get", "-f", &format!("{base}/status/404")]);
    assert_eq!(out.status.code(), Some(22));
    assert!(out.stdout.is_empty());
    let out = wire(&["get", &format!("{base}/status/404")]);
    assert_eq!(ok(&out), b"status\n");
    let out = wire(&["get", "-f", &format!("{base}/status/204")]);
    assert_eq!(out.status.code(), Some(0));
    // A malformed URL: 3.
    let out = wire(&["get", "ftp://x/"]);
    assert_eq!(out.status.code(), Some(3));
    s.shutdown().unwrap();

    // A body cut short by the server's close: what came is written, then 18 (curl's
    // "partial file"), with an error that names the cut and no server status.
    let addr = raw_server(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab");
    let out = wire(&["get", &format!("http://{addr}/")]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(18), "{err}");
    assert_eq!(out.stdout, b"ab", "{err}");
    assert!(
        err.contains("HTTP/1.1: unexpected_eof") && !err.contains("400"),
        "{err}"
    );

    // The server closes without a byte of answer: 52 (curl's "empty reply from server").
    let addr = raw_server(b"");
    let out = wire(&["get", &format!("http://{addr}/")]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(52), "{err}");
    assert!(
        out.stdout.is_empty() && err.contains("empty reply"),
        "{err}"
    );
}

/// A raw HTTP/1.1 server for one connection: reads the request head, writes `answer`,
/// closes.
fn raw_server(answer: &'static [u8]) -> std::net::SocketAddr {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    std::thread::spawn(move || {
        use std::io::Read as _;
        let (mut c, _) = l.accept().unwrap();
        let mut head = Vec::new();
        let mut b = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") && c.read(&mut b).unwrap_or(0) == 1 {
            head.push(b[0]);
        }
        c.write_all(answer).unwrap();
    });
    addr
}

/// `-i` writes the head as the server sent it, as curl does: an informational head first,
/// an HTTP/1.0 status line with its own reason phrase, the fields in order and case, a value
/// byte above 0x7f unchanged; `-v` shows the same lines on stderr.
#[test]
fn include_writes_the_head_as_received() {
    const ANSWER: &[u8] = b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n\
        HTTP/1.0 200 Fine, thanks\r\nx-Mixed-CASE: caf\xe9\r\nContent-Length: 2\r\n\r\nok";
    let addr = raw_server(ANSWER);
    let out = wire(&["get", "-i", &format!("http://{addr}/")]);
    assert_eq!(ok(&out), ANSWER);
    let addr = raw_server(ANSWER);
    let out = wire(&["get", "-v", &format!("http://{addr}/")]);
    assert_eq!(ok(&out), b"ok");
    let mut want = b"< HTTP/1.1 103 Early Hints\n< Link: </a.css>; rel=preload\n<\n".to_vec();
    want.extend_from_slice(b"< HTTP/1.0 200 Fine, thanks\n< x-Mixed-CASE: caf\xe9\n");
    want.extend_from_slice(b"< Content-Length: 2\n<\n");
    assert!(
        out.stderr.windows(want.len()).any(|w| w == want),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The environment's proxies as curl takes them: `http_proxy` (no scheme: http://) is used,
/// `HTTP_PROXY` is not (CGI puts a request's `Proxy:` header there), `NO_PROXY` and
/// `--noproxy` send hosts direct (the flag replacing the variable), `-x ""` ignores the
/// environment, `-x` replaces it, and a proxy variable that does not parse fails with 5.
#[test]
fn proxies_from_the_environment_and_flags() {
    let s = server(Arc::new(Vec::new()), None);
    let url = format!("http://{}/", s.local_addr());
    let (port, seen) = connect_proxy();
    let proxy = format!("127.0.0.1:{port}");
    let connect = format!("CONNECT {} HTTP/1.1", s.local_addr());
    let mut expect = 0;
    let mut run = |args: &[&str], vars: &[(&str, &str)], proxied: bool| {
        let mut all = vec!["get"];
        all.extend_from_slice(args);
        all.push(&url);
        let out = wire_env(&all, vars);
        assert_eq!(ok(&out), b"hello\n", "{args:?} {vars:?}");
        expect += usize::from(proxied);
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), expect, "{args:?} {vars:?}: {seen:?}");
        assert!(seen.iter().all(|l| *l == connect), "{seen:?}");
    };
    run(&[], &[("http_proxy", &proxy)], true);
    run(&[], &[("HTTP_PROXY", &proxy)], false);
    run(&[], &[("all_proxy", &format!("http://{proxy}"))], true);
    // https_proxy is for https:// URLs only.
    run(&[], &[("https_proxy", &proxy)], false);
    run(
        &[],
        &[("http_proxy", &proxy), ("NO_PROXY", "127.0.0.1")],
        false,
    );
    run(
        &[],
        &[("http_proxy", &proxy), ("no_proxy", "127.0.0.0/8")],
        false,
    );
    run(
        &["--noproxy", "example.com"],
        &[("http_proxy", &proxy), ("NO_PROXY", "127.0.0.1")],
        true,
    );
    run(&["--noproxy", "*"], &[("http_proxy", &proxy)], false);
    run(&["-x", ""], &[("http_proxy", &proxy)], false);
    run(&["-x", &proxy], &[("http_proxy", "127.0.0.1:1")], true);
    let out = wire_env(&["get", &url], &[("http_proxy", "gopher://x:1")]);
    assert_eq!(
        out.status.code(),
        Some(5),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("http_proxy"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    s.shutdown().unwrap();
}

fn bench_line<'a>(text: &'a str, prefix: &str) -> &'a str {
    text.lines()
        .find(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no {prefix:?} line in {text}"))
}

/// Every request is counted, in each place the client's loop can run (by default the
/// bench's thread, the client's loop thread for HTTP/2 with several streams per connection;
/// `--local` and `--threaded` force either), and every body byte: a body four times the
/// client's body queue (1 MiB + 1) is received whole and dropped as it came, a gzip body
/// counts as it came over the wire.
#[test]
fn bench_counts_every_request() {
    let blob = Arc::new(random_blob());
    let s = server(Arc::clone(&blob), None);
    let base = format!("http://{}", s.local_addr());
    let gz_len = ok(&wire(&["get", &format!("{base}/gz")])).len() as u64;
    assert!(
        gz_len > 20 && gz_len < 1700,
        "a gzip body, shorter than its text"
    );
    let (here, thread) = ("loop: this thread", "loop: the client's own thread");
    for (args, path, n, conns, each) in [
        (vec!["bench", "-c", "3", "-n", "301"], "/", 301, 3, 6),
        (
            vec!["bench", "--http2", "-c", "2", "-m", "5", "-n", "407"],
            "/",
            407,
            2,
            6,
        ),
        (
            vec!["bench", "--http2", "-c", "2", "-m", "1", "-n", "99"],
            "/",
            99,
            2,
            6,
        ),
        // The loop on its own thread for HTTP/1.1, on this one for HTTP/2.
        (
            vec!["bench", "--threaded", "-c", "3", "-n", "301"],
            "/",
            301,
            3,
            6,
        ),
        (
            vec![
                "bench", "--local", "--http2", "-c", "2", "-m", "5", "-n", "407",
            ],
            "/",
            407,
            2,
            6,
        ),
        (
            vec!["bench", "-c", "2", "-n", "9"],
            "/blob",
            9,
            2,
            blob.len() as u64,
        ),
        (
            vec!["bench", "--http2", "-c", "1", "-m", "3", "-n", "9"],
            "/blob",
            9,
            1,
            blob.len() as u64,
        ),
        (
            vec!["bench", "--threaded", "-c", "2", "-n", "9"],
            "/blob",
            9,
            2,
            blob.len() as u64,
        ),
        (vec!["bench", "-c", "2", "-n", "5"], "/gz", 5, 2, gz_len),
        (
            vec!["bench", "--http2", "-c", "1", "-m", "2", "-n", "5"],
            "/gz",
            5,
            1,
            gz_len,
        ),
    ] {
        let mut args = args;
        let url = format!("{base}{path}");
        args.push(&url);
        let out = wire(&args);
        let text = String::from_utf8(ok(&out).to_vec()).unwrap();
        assert_eq!(
            bench_line(&text, "requests:"),
            format!("requests: {n} total, {n} done, {n} succeeded, 0 failed, 0 errored"),
            "{args:?}"
        );
        assert_eq!(
            bench_line(&text, "status code counts:"),
            format!("status code counts: 200={n}")
        );
        assert!(
            bench_line(&text, "connections:")
                .starts_with(&format!("connections: {conns} asked, {conns} opened")),
            "{text}"
        );
        assert_eq!(
            bench_line(&text, "traffic:"),
            format!("traffic: {} body bytes", n * each),
            "{args:?}"
        );
        assert!(
            bench_line(&text, "latency: min ").contains(" p99 "),
            "{text}"
        );
        assert_eq!(bench_line(&text, "errors:"), "errors: none");
        let streams = args
            .iter()
            .position(|a| *a == "-m")
            .map_or(1, |i| args[i + 1].parse::<u32>().unwrap());
        let threaded = args.contains(&"--threaded")
            || (args.contains(&"--http2") && !args.contains(&"--local") && streams > 1);
        assert!(
            bench_line(&text, "loop: ").starts_with(if threaded { thread } else { here }),
            "{args:?}: {text}"
        );
    }
    let out = wire(&["bench", "--local", "--threaded", &base]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "--local and --threaded conflict"
    );
    s.shutdown().unwrap();
}

/// `-L` follows redirects (`--max-redirs` bounds them, exit 47 past it, as curl);
/// `--compressed` asks for and decodes a compressed body, without it the bytes come as sent.
#[test]
fn location_and_compressed() {
    let server = server(Arc::new(Vec::new()), None);
    let base = format!("http://{}", server.local_addr());
    let hop = format!("{base}/hop");
    let out = wire(&["get", &hop]);
    assert!(ok(&out).is_empty(), "not followed without -L");
    let out = wire(&["get", "-i", &hop]);
    assert!(ok(&out).starts_with(b"HTTP/1.1 302"));
    let out = wire(&["get", "-L", &hop]);
    assert!(ok(&out).starts_with(b"GET /echo\n"));
    let out = wire(&["get", "-L", "--max-redirs", "1", &hop]);
    assert_eq!(
        out.status.code(),
        Some(47),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let gz = format!("{base}/gz");
    let out = wire(&["get", "--compressed", &gz]);
    assert_eq!(ok(&out), b"compressed hello\n".repeat(100));
    let out = wire(&["get", &gz]);
    let raw = ok(&out);
    assert!(raw.starts_with(&[0x1f, 0x8b]), "gzip bytes as sent");
    // Without --compressed no Accept-Encoding is sent; with it, the four codings.
    let echo = format!("{base}/echo");
    let out = wire(&["get", &echo]);
    assert!(
        !String::from_utf8_lossy(ok(&out))
            .to_ascii_lowercase()
            .contains("accept-encoding")
    );
    let out = wire(&["get", "--compressed", &echo]);
    assert!(String::from_utf8_lossy(ok(&out)).contains("Accept-Encoding: gzip, deflate, br, zstd"));
    server.shutdown().unwrap();
}

/// `wire get --impersonate chrome -k https://127.0.0.1:PORT/fingerprint` against our own TLS
/// server keeping the ClientHello: Chrome's JA4 (the published one), its Akamai string and its
/// header names in its order; `-v` says so; with `SSLKEYLOGFILE` set the secrets the server
/// derived are appended to that file; an unknown browser is refused, naming the known ones.
#[test]
fn impersonate_chrome_and_key_log_file() {
    let chrome = &tls::profile::CHROME;
    let server_lines: Arc<std::sync::Mutex<Vec<String>>> = Arc::default();
    let sl = Arc::clone(&server_lines);
    let (tls, _) = self_signed_tls_with(&["localhost"], |b| {
        b.keep_client_hello(true).key_log(Arc::new(move |l: &str| {
            sl.lock().unwrap().push(l.to_owned())
        }));
    });
    let config = ServerConfig {
        threads: 1,
        tls: Some(tls),
        fingerprint: true,
        ..ServerConfig::default()
    };
    let s = Server::bind("127.0.0.1:0".parse().unwrap(), config, |req| {
        Response::new(200).with_body(runtime_mio::fingerprint::to_json(
            req.fingerprint(),
            req.headers().map(|(n, _)| n),
        ))
    })
    .unwrap();
    let url = format!("https://127.0.0.1:{}/fingerprint", s.local_addr().port());
    let keylog = std::env::temp_dir()
        .join(format!("wire-cli-{}", std::process::id()))
        .join("keylog.txt");
    std::fs::create_dir_all(keylog.parent().unwrap()).unwrap();
    let _ = std::fs::remove_file(&keylog);

    let out = wire_command()
        .args(["get", "-v", "--impersonate", "chrome", "-k", &url])
        .env("SSLKEYLOGFILE", &keylog)
        .output()
        .unwrap();
    let json = String::from_utf8(ok(&out).to_vec()).unwrap();
    let field = |key: &str| {
        let pat = format!("\"{key}\":\"");
        let start = json.find(&pat).map(|i| i + pat.len())?;
        let len = json[start..].find('"')?;
        Some(json[start..start + len].to_owned())
    };
    // An IP address: no SNI, so Chrome's published JA4 with `i` for `d` and one extension
    // fewer (as Chrome itself sends to an address).
    assert_eq!(
        field("ja4"),
        Some(profile_ja4::expected_ja4(chrome, None, "127.0.0.1")),
        "{json}"
    );
    assert_eq!(
        field("ja4"),
        Some(profile_ja4::CHROME_JA4.replacen("t13d1516", "t13i1515", 1)),
        "{json}"
    );
    assert_eq!(field("akamai"), Some(chrome.http2.akamai_text()), "{json}");
    let names: Vec<String> = chrome
        .http2_headers
        .iter()
        // An empty value is a position only (`cookie`): sent only with cookies.
        .filter(|(_, v)| !v.is_empty())
        .map(|(n, _)| format!("\"{n}\""))
        .collect();
    assert!(
        json.ends_with(&format!("\"headers\":[{}]}}\n", names.join(","))),
        "{json}"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("* Impersonating Chrome 143"), "{err}");
    assert!(
        err.contains("* HTTP/2 SETTINGS sent: HEADER_TABLE_SIZE=65536, ENABLE_PUSH=0, INITIAL_WINDOW_SIZE=6291456, MAX_HEADER_LIST_SIZE=262144; connection window 15728640"),
        "{err}"
    );

    let logged = std::fs::read_to_string(&keylog).unwrap();
    let secret = logged
        .lines()
        .find(|l| l.starts_with("CLIENT_TRAFFIC_SECRET_0 ") || l.starts_with("CLIENT_RANDOM "))
        .unwrap_or_else(|| panic!("no secret in {logged:?}"));
    assert!(
        server_lines.lock().unwrap().iter().any(|l| l == secret),
        "{secret} not among the server's lines"
    );
    let _ = std::fs::remove_file(&keylog);

    let out = wire(&["get", "--impersonate", "netscape", "-k", &url]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "unknown browser \"netscape\" (known: chrome, firefox, safari, chromium, firefox-esr)"
        ),
        "{err}"
    );
    s.shutdown().unwrap();
}

/// `wire demo` (the README's main job): every step passes and says what it checked.
#[test]
fn demo_runs_every_step() {
    let out = wire(&["demo"]);
    let text = String::from_utf8_lossy(ok(&out)).into_owned();
    for step in [
        "HTTP/1.1 ",
        "HTTP/2 ",
        "streaming ",
        "WebSocket ",
        "SSE ",
        "profile ",
    ] {
        assert!(
            text.lines()
                .any(|l| l.trim_start().starts_with(step) && !l.contains("FAILED")),
            "no line for {step:?}:\n{text}"
        );
    }
    assert!(text.contains("every check passed"), "{text}");
    assert!(text.contains("Last-Event-ID 3"), "{text}");
    assert!(text.contains("RFC 8441"), "{text}");
}

/// `wire ws`: stdin lines echoed by `/ws` over HTTP/1.1 and over HTTP/2 (h2c prior
/// knowledge, RFC 8441); a refused handshake exits 22.
#[test]
fn ws_session_echoes_stdin_lines() {
    let server = Server::bind(
        "127.0.0.1:0".parse().unwrap(),
        ServerConfig {
            threads: 1,
            ..ServerConfig::default()
        },
        |req| match req.path() {
            "/ws" => Response::websocket(|m| vec![m]),
            _ => Response::text(404, "no\n"),
        },
    )
    .unwrap();
    let url = format!("ws://{}/ws", server.local_addr());
    for (flags, over) in [
        (vec!["-v"], "HTTP/1.1"),
        (vec!["-v", "--http2-prior-knowledge"], "HTTP/2"),
    ] {
        let mut args = vec!["ws"];
        args.extend(flags);
        args.push(&url);
        let out = wire_stdin(&args, Some("first line\nsecond ✓\n".as_bytes()));
        assert_eq!(ok(&out), "first line\nsecond ✓\n".as_bytes());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(&format!("WebSocket over {over}")), "{err}");
        assert!(err.contains("< close 1000"), "{err}");
    }
    let out = wire(&["ws", &format!("ws://{}/nope", server.local_addr())]);
    assert_eq!(out.status.code(), Some(22));
    server.shutdown().unwrap();
}

/// Custom profiles in `wire get`: `--impersonate-file` with Firefox's profile as JSON, and
/// `--ja3`/`--akamai` with the strings the server saw from `--impersonate firefox`, are seen
/// by the server as that profile (same JA3, Akamai string; the file's also the same JA4 and
/// header order). A string element that cannot be sent, a bad file and two profile flags at
/// once are refused with exit code 2, naming the element.
#[test]
fn impersonate_file_and_ja3_akamai() {
    let firefox = &tls::profile::FIREFOX;
    let (tls, _) = self_signed_tls_with(&["localhost"], |b| {
        b.keep_client_hello(true);
    });
    let config = ServerConfig {
        threads: 1,
        tls: Some(tls),
        fingerprint: true,
        ..ServerConfig::default()
    };
    let s = Server::bind("127.0.0.1:0".parse().unwrap(), config, |req| {
        Response::new(200).with_body(runtime_mio::fingerprint::to_json(
            req.fingerprint(),
            req.headers().map(|(n, _)| n),
        ))
    })
    .unwrap();
    let port = s.local_addr().port();
    let url = format!("https://localhost:{port}/fingerprint");
    let resolve = format!("localhost:{port}:127.0.0.1");
    let get = |profile_args: &[&str]| {
        let mut args = vec!["get", "-k", "--resolve", &resolve];
        args.extend_from_slice(profile_args);
        args.push(&url);
        String::from_utf8(ok(&wire(&args)).to_vec()).unwrap()
    };
    let field = |json: &str, key: &str| {
        let pat = format!("\"{key}\":\"");
        let start = json.find(&pat).map(|i| i + pat.len())?;
        let len = json[start..].find('"')?;
        Some(json[start..start + len].to_owned())
    };

    let builtin = get(&["--impersonate", "firefox"]);
    assert_eq!(
        field(&builtin, "ja4").as_deref(),
        Some(&*firefox.published_ja4)
    );
    // `wire profile firefox` prints the document `--impersonate-file` reads.
    let printed = wire(&["profile", "firefox"]);
    assert_eq!(ok(&printed), firefox.to_json().as_bytes());
    let path = temp("firefox-profile.json", ok(&printed));
    let from_file = get(&["--impersonate-file", &path]);
    for key in ["ja4", "ja3_text", "akamai"] {
        assert_eq!(
            field(&from_file, key),
            field(&builtin, key),
            "{key}: {from_file}"
        );
    }
    assert!(
        from_file.ends_with(&builtin[builtin.find("\"headers\"").unwrap()..]),
        "{from_file}"
    );

    let ja3 = field(&builtin, "ja3_text").unwrap();
    let akamai = field(&builtin, "akamai").unwrap();
    let from_strings = get(&["--ja3", &ja3, "--akamai", &akamai]);
    assert_eq!(
        field(&from_strings, "ja3_text"),
        Some(ja3.clone()),
        "{from_strings}"
    );
    assert_eq!(
        field(&from_strings, "akamai"),
        Some(akamai.clone()),
        "{from_strings}"
    );

    let refused = |args: &[&str], text: &str| {
        let out = wire(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(text), "{args:?}: {err}");
    };
    let bad_ja3 = ja3.replacen("771,", "771,10-", 1);
    refused(
        &["get", "--ja3", &bad_ja3, "--akamai", &akamai, &url],
        "JA3 cipher 4865 (0x1301) at position 1: a TLS 1.3 suite after a TLS 1.2 suite",
    );
    refused(
        &[
            "get",
            "--ja3",
            "771,4865-49199,0-23-65281-10-11-13-51-45-43-22,29,0",
            "--akamai",
            &akamai,
            &url,
        ],
        "JA3 extension 22 (0x0016) at position 9: not one we can send",
    );
    let bad_file = temp(
        "bad-profile.json",
        firefox
            .to_json()
            .replace("\"grease\"", "\"greese\"")
            .as_bytes(),
    );
    refused(
        &["get", "--impersonate-file", &bad_file, &url],
        "profile file: tls.grease: missing",
    );
    refused(
        &[
            "get",
            "--impersonate",
            "chrome",
            "--ja3",
            &ja3,
            "--akamai",
            &akamai,
            &url,
        ],
        "cannot be used with",
    );
    refused(&["get", "--ja3", &ja3, &url], "--akamai");
    // `wire profile --ja3 --akamai` prints the profile the strings give.
    let printed = wire(&["profile", "--ja3", &ja3, "--akamai", &akamai]);
    let from_strings = tls::Profile::from_ja3_akamai(&ja3, &akamai).unwrap();
    assert_eq!(
        tls::Profile::from_json(std::str::from_utf8(ok(&printed)).unwrap()).unwrap(),
        from_strings
    );
    refused(&["profile", "netscape"], "unknown browser \"netscape\"");
    refused(
        &["profile", "--ja3", "771,1", "--akamai", &akamai],
        "JA3 string: fields element 2",
    );
    s.shutdown().unwrap();
}

/// An upload over 1 MiB gets `Expect: 100-continue` by itself over HTTP/1.1, as with curl;
/// `-H 'Expect:'` turns that off and sends no `Expect` field (curl's way).
#[test]
fn large_upload_expects_continue_unless_expect_is_emptied() {
    let server = server(Arc::new(Vec::new()), None);
    let url = format!("http://{}/echo", server.local_addr());
    let big = temp("expect-big.bin", &vec![b'x'; (1 << 20) + 1]);
    let data = format!("@{big}");
    let out = wire(&["post", &url, "--data-binary", &data]);
    let text = String::from_utf8_lossy(ok(&out)).into_owned();
    assert!(
        text.contains("\nExpect: 100-continue\n"),
        "{}",
        &text[..300]
    );
    let out = wire(&["post", &url, "--data-binary", &data, "-H", "Expect:"]);
    let text = String::from_utf8_lossy(ok(&out)).into_owned();
    let head = text.split("\n\n").next().unwrap();
    assert!(!head.to_ascii_lowercase().contains("expect"), "{head}");
    assert!(text.ends_with(&"x".repeat(100)));
    server.shutdown().unwrap();
}
