//! Response decoding against our own server serving bodies compressed by independent tools
//! (Debian's `gzip`, `brotli` and `zstd`, Python's `zlib` for zlib-wrapped and raw deflate):
//! byte-exact at sizes around chunk boundaries, with `Content-Length` and chunked, over
//! HTTP/1.1 and h2c; stacked codings; the default `Accept-Encoding` and turning decoding
//! off; a 1 GiB gzip bomb read in bounded pieces; corrupt streams as `Error::Decoding`.

use std::collections::HashMap;
use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::Arc;

use bytes::Bytes;
use runtime_mio::client::{Client, ClientConfig, Coding, Error, Request, Version, Wait};
use runtime_mio::server::{Response, Server, ServerConfig};

#[path = "support/wire_serve.rs"]
mod wire_serve;

use wire_serve::WireServe;

/// The sizes tried: around 16 KiB (an HTTP/2 frame, the HTTP/1.1 engine's reads) and 64 KiB
/// (the decoder's output piece), and past 1 MiB.
const SIZES: [usize; 10] = [
    0,
    1,
    16_383,
    16_384,
    16_385,
    65_535,
    65_536,
    65_537,
    200_000,
    (1 << 20) + 1,
];

/// The largest piece a decoded read returns.
const PIECE: usize = 64 * 1024;

/// Compressible but not periodic at a power of two; the upper half of each 4 KiB is
/// noise (xorshift) so that some pieces do not compress.
fn data(len: usize) -> Vec<u8> {
    let mut x: u32 = 0x9e37_79b9;
    (0..len)
        .map(|i| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            if i % 4096 < 2048 {
                b"the quick brown fox jumps over the lazy dog "[(i + i / 977) % 44]
            } else {
                x as u8
            }
        })
        .collect()
}

/// Runs `cmd args` with `input` on stdin; its stdout. Panics (the test fails) when the tool
/// is missing: `scripts/setup.sh` installs it.
fn run_tool(cmd: &str, args: &[&str], input: &[u8]) -> Vec<u8> {
    let mut child = Command::new(cmd)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{cmd} is needed (scripts/setup.sh installs it): {e}"));
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(out.status.success(), "{cmd} {args:?} failed");
    out.stdout
}

/// What each coding's independent encoder makes of `input`.
fn compress(how: &str, input: &[u8]) -> Vec<u8> {
    match how {
        "gzip" => run_tool("gzip", &["-c", "-n", "-6"], input),
        "br" => run_tool("brotli", &["-c", "-q", "9"], input),
        "zstd" => run_tool("zstd", &["-c", "-q", "-19"], input),
        "zlib" => run_tool(
            "python3",
            &[
                "-c",
                "import sys, zlib; sys.stdout.buffer.write(zlib.compress(sys.stdin.buffer.read(), 6))",
            ],
            input,
        ),
        "raw" => run_tool(
            "python3",
            &[
                "-c",
                "import sys, zlib; c = zlib.compressobj(6, zlib.DEFLATED, -15); \
                 sys.stdout.buffer.write(c.compress(sys.stdin.buffer.read()) + c.flush())",
            ],
            input,
        ),
        _ => unreachable!(),
    }
}

/// A route: the `Content-Encoding` value and the body, sent with `Content-Length` under
/// `/len/NAME` and chunked in 1,000-byte pieces under `/chunked/NAME`.
type Routes = HashMap<String, (String, Bytes)>;

fn serve(routes: Routes) -> Server {
    let routes = Arc::new(routes);
    Server::bind(
        "127.0.0.1:0".parse().unwrap(),
        ServerConfig {
            threads: 1,
            ..ServerConfig::default()
        },
        move |req| {
            let path = req.path();
            if path == "/fields" {
                let names: Vec<&str> = req.headers().map(|(n, _)| n).collect();
                return Response::new(200).with_body(names.join(","));
            }
            if path == "/accept-encoding" {
                let ae = req.header("accept-encoding").unwrap_or(b"(none)").to_vec();
                return Response::new(200).with_body(ae);
            }
            if let Some(name) = path.strip_prefix("/slow/") {
                // The body in two halves, 200 ms apart, from another thread.
                let Some((coding, body)) = routes.get(name).cloned() else {
                    return Response::text(404, "no such body");
                };
                let (resp, w) = Response::streaming(200);
                std::thread::spawn(move || {
                    let half = body.len() / 2;
                    let _ = w.send(body.slice(..half));
                    std::thread::sleep(std::time::Duration::from_millis(200));
                    let _ = w.send(body.slice(half..));
                    w.finish();
                });
                return resp.with_header("Content-Encoding", coding.as_bytes());
            }
            let (chunked, name) = if let Some(n) = path.strip_prefix("/len/") {
                (false, n)
            } else if let Some(n) = path.strip_prefix("/chunked/") {
                (true, n)
            } else {
                return Response::text(404, "no such route");
            };
            let Some((coding, body)) = routes.get(name) else {
                return Response::text(404, "no such body");
            };
            let resp = if chunked {
                let body = body.clone();
                let pieces: Vec<Bytes> = (0..body.len())
                    .step_by(1000)
                    .map(|i| body.slice(i..(i + 1000).min(body.len())))
                    .collect();
                Response::new(200).with_stream(pieces.into_iter())
            } else {
                Response::new(200).with_body(body.clone())
            };
            resp.with_header("Content-Encoding", coding.as_bytes())
        },
    )
    .unwrap()
}

/// Reads the whole body chunk by chunk, checking the piece bound.
fn read_all(resp: &mut runtime_mio::client::Response) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    while let Some(c) = resp.body().chunk(Wait::Block)? {
        assert!(c.len() <= PIECE, "a decoded read of {} bytes", c.len());
        out.extend_from_slice(&c);
    }
    Ok(out)
}

fn client(h2c: bool) -> Client {
    Client::new(ClientConfig {
        h2_prior_knowledge: h2c,
        ..ClientConfig::default()
    })
    .unwrap()
}

#[test]
fn every_coding_byte_exact_at_boundary_sizes() {
    // (the name the encoder goes by, the Content-Encoding sent, the coding reported)
    let kinds = [
        ("gzip", "gzip", Coding::Gzip),
        ("zlib", "deflate", Coding::Deflate),
        ("raw", "deflate", Coding::Deflate),
        ("br", "br", Coding::Brotli),
        ("zstd", "zstd", Coding::Zstd),
    ];
    let mut routes = Routes::new();
    let mut originals = HashMap::new();
    for (how, header, _) in kinds {
        for size in SIZES {
            let plain = data(size);
            let name = format!("{how}-{size}");
            routes.insert(
                name.clone(),
                (header.to_owned(), Bytes::from(compress(how, &plain))),
            );
            originals.insert(name, plain);
        }
    }
    let server = serve(routes.clone());
    let base = format!("http://{}", server.local_addr());
    let mut checked = 0;
    for h2c in [false, true] {
        let client = client(h2c);
        for (how, _, coding) in kinds {
            for size in SIZES {
                for framing in ["len", "chunked"] {
                    let name = format!("{how}-{size}");
                    let url = format!("{base}/{framing}/{name}");
                    let mut resp = client.request(Request::get(&url).unwrap()).unwrap();
                    assert_eq!(resp.status(), 200, "{url}");
                    let want_version = if h2c { Version::H2 } else { Version::Http11 };
                    assert_eq!(resp.version(), want_version);
                    assert_eq!(resp.decoded(), &[coding], "{url}");
                    if framing == "len" && !h2c {
                        // The head is the one received: it counts the encoded bytes.
                        let encoded = routes[&name].1.len().to_string();
                        assert_eq!(
                            resp.header("content-length"),
                            Some(encoded.as_bytes()),
                            "{url}"
                        );
                    }
                    let body = read_all(&mut resp).unwrap();
                    assert!(body == originals[&name], "{url}: decoded body differs");
                    checked += 1;
                }
            }
        }
    }
    assert_eq!(checked, 2 * 5 * SIZES.len() * 2);
    server.shutdown().unwrap();
}

#[test]
fn stacked_codings_are_undone_in_reverse_order() {
    let plain = data(300_000);
    let gz_then_br = compress("br", &compress("gzip", &plain));
    let zstd_then_gzip = compress("gzip", &compress("zstd", &plain));
    let routes = Routes::from([
        (
            "gb".to_owned(),
            ("gzip, br".to_owned(), Bytes::from(gz_then_br)),
        ),
        (
            "zg".to_owned(),
            (
                "zstd, identity, gzip".to_owned(),
                Bytes::from(zstd_then_gzip),
            ),
        ),
    ]);
    let server = serve(routes);
    let client = client(false);
    for (name, want) in [
        ("gb", vec![Coding::Gzip, Coding::Brotli]),
        ("zg", vec![Coding::Zstd, Coding::Gzip]),
    ] {
        for framing in ["len", "chunked"] {
            let url = format!("http://{}/{framing}/{name}", server.local_addr());
            let mut resp = client.request(Request::get(&url).unwrap()).unwrap();
            assert_eq!(resp.decoded(), &want[..]);
            assert!(read_all(&mut resp).unwrap() == plain, "{url}");
        }
    }
    server.shutdown().unwrap();
}

#[test]
fn accept_encoding_default_override_and_off() {
    let plain = data(50_000);
    let gz = compress("gzip", &plain);
    let routes = Routes::from([("g".to_owned(), ("gzip".to_owned(), Bytes::from(gz.clone())))]);
    let server = serve(routes);
    let base = format!("http://{}", server.local_addr());
    let client = client(false);
    let ae = |req: Request| {
        let mut r = client.request(req).unwrap();
        String::from_utf8(r.body().read_to_end().unwrap()).unwrap()
    };
    let url = format!("{base}/accept-encoding");
    assert_eq!(ae(Request::get(&url).unwrap()), "gzip, deflate, br, zstd");
    assert_eq!(
        ae(Request::get(&url).unwrap().header("Accept-Encoding", "br")),
        "br"
    );
    assert_eq!(ae(Request::get(&url).unwrap().decompress(false)), "(none)");

    // Off for one request: the raw bytes, nothing reported decoded.
    let url = format!("{base}/len/g");
    let mut raw = client
        .request(Request::get(&url).unwrap().decompress(false))
        .unwrap();
    assert!(raw.decoded().is_empty());
    assert_eq!(raw.header("content-encoding"), Some(&b"gzip"[..]));
    assert!(raw.body().read_to_end().unwrap() == gz);
    // On (the default) for the next one on the same client.
    let mut dec = client.request(Request::get(&url).unwrap()).unwrap();
    assert!(dec.body().read_to_end().unwrap() == plain);

    // Off for the whole client; a request may turn it back on.
    let off = Client::new(ClientConfig {
        decompress: false,
        ..ClientConfig::default()
    })
    .unwrap();
    let mut r = off
        .request(Request::get(format!("{base}/accept-encoding").as_str()).unwrap())
        .unwrap();
    assert_eq!(r.body().read_to_end().unwrap(), b"(none)");
    let mut r = off.request(Request::get(&url).unwrap()).unwrap();
    assert!(r.body().read_to_end().unwrap() == gz);
    let mut r = off
        .request(Request::get(&url).unwrap().decompress(true))
        .unwrap();
    assert!(r.body().read_to_end().unwrap() == plain);
    server.shutdown().unwrap();
}

#[test]
fn unknown_coding_is_handed_over_raw() {
    let routes = Routes::from([(
        "c".to_owned(),
        (
            "gzip, compress".to_owned(),
            Bytes::from_static(b"not ours to decode"),
        ),
    )]);
    let server = serve(routes);
    let url = format!("http://{}/len/c", server.local_addr());
    let mut r = client(false).request(Request::get(&url).unwrap()).unwrap();
    assert!(r.decoded().is_empty());
    assert_eq!(r.body().read_to_end().unwrap(), b"not ours to decode");
    server.shutdown().unwrap();
}

#[test]
fn corrupt_and_truncated_streams_are_decoding_errors() {
    let plain = data(200_000);
    let mut flipped = compress("gzip", &plain);
    let mid = flipped.len() / 2;
    for b in &mut flipped[mid..mid + 16] {
        *b ^= 0x55;
    }
    let br = compress("br", &plain);
    let zstd = compress("zstd", &plain);
    let zlib = compress("zlib", &plain);
    let mut trailing = compress("raw", &plain);
    trailing.extend_from_slice(b"junk after the end");
    let routes = Routes::from([
        (
            "gzip-flipped".to_owned(),
            ("gzip".to_owned(), Bytes::from(flipped)),
        ),
        (
            "br-cut".to_owned(),
            (
                "br".to_owned(),
                Bytes::copy_from_slice(&br[..br.len() - 10]),
            ),
        ),
        (
            "zstd-cut".to_owned(),
            (
                "zstd".to_owned(),
                Bytes::copy_from_slice(&zstd[..zstd.len() / 2]),
            ),
        ),
        (
            "zlib-cut".to_owned(),
            (
                "deflate".to_owned(),
                Bytes::copy_from_slice(&zlib[..zlib.len() - 1]),
            ),
        ),
        (
            "deflate-trailing".to_owned(),
            ("deflate".to_owned(), Bytes::from(trailing)),
        ),
        (
            "not-gzip".to_owned(),
            (
                "gzip".to_owned(),
                Bytes::from_static(b"plain text, not gzip at all"),
            ),
        ),
        (
            "not-zstd".to_owned(),
            ("zstd".to_owned(), Bytes::from(plain.clone())),
        ),
    ]);
    let server = serve(routes);
    let client = client(false);
    for (name, coding) in [
        ("gzip-flipped", Coding::Gzip),
        ("br-cut", Coding::Brotli),
        ("zstd-cut", Coding::Zstd),
        ("zlib-cut", Coding::Deflate),
        ("deflate-trailing", Coding::Deflate),
        ("not-gzip", Coding::Gzip),
        ("not-zstd", Coding::Zstd),
    ] {
        for framing in ["len", "chunked"] {
            let url = format!("http://{}/{framing}/{name}", server.local_addr());
            let mut resp = client.request(Request::get(&url).unwrap()).unwrap();
            let err = read_all(&mut resp).unwrap_err();
            match &err {
                Error::Decoding { coding: c, .. } => assert_eq!(*c, coding, "{url}"),
                other => panic!("{url}: {other:?}"),
            }
            assert!(err.to_string().contains(coding.as_str()), "{err}");
            // The error stays.
            assert!(matches!(
                resp.body().chunk(Wait::NoWait),
                Err(Error::Decoding { .. })
            ));
        }
    }
    // The client goes on after the failed exchanges.
    let url = format!("http://{}/accept-encoding", server.local_addr());
    assert_eq!(
        client
            .request(Request::get(&url).unwrap())
            .unwrap()
            .status(),
        200
    );
    server.shutdown().unwrap();
}

/// 1 GiB of zeros compressed by `gzip -9` (about 1 MiB): read chunk by chunk, every read
/// returns at most 64 KiB and what the client holds for the body (the queue plus the
/// decoder's input) stays within the queue's bound, while reading it all gives 1 GiB of
/// zeros. Also through `io::Read` with a small buffer.
#[test]
fn gzip_bomb_is_read_in_bounded_pieces() {
    const GIB: usize = 1 << 30;
    let bomb = {
        let mut child = Command::new("sh")
            .args(["-c", "head -c 1073741824 /dev/zero | gzip -c -9 -n"])
            .stdout(Stdio::piped())
            .spawn()
            .expect("sh, head and gzip are needed");
        let mut out = Vec::new();
        std::io::Read::read_to_end(child.stdout.as_mut().unwrap(), &mut out).unwrap();
        assert!(child.wait().unwrap().success());
        out
    };
    assert!(bomb.len() < 2 << 20, "gzip -9 made {} bytes", bomb.len());
    let routes = Routes::from([("bomb".to_owned(), ("gzip".to_owned(), Bytes::from(bomb)))]);
    let server = serve(routes);
    let queue = 32 * 1024;
    let client = Client::new(ClientConfig {
        body_queue: queue,
        ..ClientConfig::default()
    })
    .unwrap();
    let url = format!("http://{}/len/bomb", server.local_addr());
    let mut resp = client.request(Request::get(&url).unwrap()).unwrap();
    let zeros = vec![0u8; PIECE];
    let (mut total, mut reads, mut most_held) = (0usize, 0usize, 0usize);
    while let Some(c) = resp.body().chunk(Wait::Block).unwrap() {
        assert!(c.len() <= PIECE, "a read of {} bytes", c.len());
        assert!(c[..] == zeros[..c.len()], "a non-zero byte near {total}");
        total += c.len();
        reads += 1;
        most_held = most_held.max(resp.body().queued());
    }
    assert_eq!(total, GIB);
    // The queue's bound plus one received chunk (at most 64 KiB for HTTP/1.1) held by the
    // decoder: the 1 GiB never accumulates.
    assert!(
        most_held <= queue + 2 * PIECE,
        "held {most_held} bytes for the body"
    );
    eprintln!("1 GiB decoded in {reads} reads; at most {most_held} bytes held for the body");
    server.shutdown().unwrap();
}

#[test]
fn small_reads_through_io_read() {
    let plain = data(100_003);
    let routes = Routes::from([(
        "z".to_owned(),
        ("zstd".to_owned(), Bytes::from(compress("zstd", &plain))),
    )]);
    let server = serve(routes);
    let url = format!("http://{}/chunked/z", server.local_addr());
    let resp = client(false).request(Request::get(&url).unwrap()).unwrap();
    let mut body = resp.into_body();
    let mut out = Vec::new();
    let mut buf = [0u8; 7];
    loop {
        let n = std::io::Read::read(&mut body, &mut buf).unwrap();
        if n == 0 {
            break;
        }
        out.extend_from_slice(&buf[..n]);
    }
    assert!(out == plain);
    server.shutdown().unwrap();
}

/// Against `wire serve` as a process: its `/gzip`, `/deflate`, `/brotli` and `/zstd` decode
/// to what its `/echo` says about the same request, and `/cookies/set` (a redirect setting
/// cookies) lands on `/cookies` with them.
#[test]
fn wire_serve_encoded_endpoints_and_cookies() {
    let wire = WireServe::start(&["--threads", "1"]);
    let base = format!("http://{}", wire.addr);
    let client = client(false);
    for (path, coding) in [
        ("/gzip", Coding::Gzip),
        ("/deflate", Coding::Deflate),
        ("/brotli", Coding::Brotli),
        ("/zstd", Coding::Zstd),
    ] {
        let mut r = client
            .request(Request::get(&format!("{base}{path}")).unwrap())
            .unwrap();
        assert_eq!(r.decoded(), &[coding]);
        let body = String::from_utf8(r.body().read_to_end().unwrap()).unwrap();
        assert!(
            body.starts_with(&format!("{{\"method\":\"GET\",\"target\":\"{path}\"")),
            "{body}"
        );
        assert!(
            body.contains("[\"Accept-Encoding\",\"gzip, deflate, br, zstd\"]"),
            "{body}"
        );
    }
    let mut r = client
        .request(Request::get(&format!("{base}/cookies/set?a=1&b=2")).unwrap())
        .unwrap();
    assert_eq!(r.history().len(), 1);
    assert_eq!(
        r.body().read_to_end().unwrap(),
        b"{\"cookie\":\"a=1; b=2\"}\n"
    );
    drop(wire);
}

/// Bounded waits on a decoded body: `Wait::NoWait` and `Wait::Timeout` give
/// `Error::WouldBlock` while the next compressed bytes are late (the decoder keeps its
/// state) and the body still decodes byte-exact.
#[test]
fn bounded_waits_on_a_decoded_body() {
    let plain = data(300_000);
    let routes = Routes::from([(
        "b".to_owned(),
        ("br".to_owned(), Bytes::from(compress("br", &plain))),
    )]);
    let server = serve(routes);
    let url = format!("http://{}/slow/b", server.local_addr());
    let client = client(false);
    for wait in [
        Wait::NoWait,
        Wait::Timeout(std::time::Duration::from_millis(10)),
    ] {
        let mut resp = client.request(Request::get(&url).unwrap()).unwrap();
        assert_eq!(resp.decoded(), &[Coding::Brotli]);
        let mut out = Vec::new();
        loop {
            match resp.body().chunk(wait) {
                Ok(Some(c)) => out.extend_from_slice(&c),
                Ok(None) => break,
                Err(Error::WouldBlock) => std::thread::sleep(std::time::Duration::from_millis(1)),
                Err(e) => panic!("{e:?}"),
            }
        }
        assert!(out == plain, "{wait:?}");
    }
    server.shutdown().unwrap();
}

/// The default `Accept-Encoding` goes where it always went: after the caller's own fields,
/// before the `Cookie` the store adds; over HTTP/1.1 and h2c, through `Client::request` and
/// a completion queue (it is no field of the request but a place among them).
#[test]
fn the_default_accept_encoding_follows_the_callers_fields_and_precedes_the_cookie() {
    let server = serve(Routes::new());
    let base = format!("http://{}", server.local_addr());
    let url = runtime_mio::client::Url::parse(&format!("{base}/fields")).unwrap();
    for h2c in [false, true] {
        let client = client(h2c);
        assert!(client.cookie_jar().unwrap().set_cookie(&url, "k=v"));
        let req = || {
            Request::get(&format!("{base}/fields"))
                .unwrap()
                .header("X-First", "1")
                .header("X-Second", "2")
        };
        let want = if h2c {
            "x-first,x-second,accept-encoding,cookie"
        } else {
            "Host,X-First,X-Second,Accept-Encoding,Cookie"
        };
        let mut r = client.request(req()).unwrap();
        assert_eq!(
            String::from_utf8(r.body().read_to_end().unwrap()).unwrap(),
            want,
            "h2c {h2c}"
        );
        let mut q = client.queue();
        q.submit(req(), runtime_mio::client::CompletionMode::Buffered(1024))
            .unwrap();
        let mut done = q.wait(runtime_mio::client::Wait::Block);
        let mut r = done.pop().unwrap().result.unwrap();
        assert_eq!(
            String::from_utf8(r.body().read_to_end().unwrap()).unwrap(),
            want,
            "queue, h2c {h2c}"
        );
    }
    server.shutdown().unwrap();
}
