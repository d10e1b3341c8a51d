//! `wire serve`: httpbin-like endpoints.
//!
//! | endpoint | answer |
//! |----------|--------|
//! | `/` | `Hello, World!` |
//! | `/echo` | the request as JSON: method, target, headers in received order and case as `[[name, value], ...]`, trailers (only when the body ended with trailer fields) the same way, body as a string |
//! | `/bytes/N` | N bytes, byte `i` being `i % 251` (at most 1 GiB, streamed with `Content-Length`) |
//! | `/status/CODE` | an empty response with that status (200..=599) |
//! | `/stream/N` | N JSON lines, chunked (at most 100,000) |
//! | `/redirect/N` | 302 to `/redirect/N-1`, and `/redirect/0` to `/` |
//! | `/sse?count=N&interval_ms=M` | N Server-Sent Events (ids 1..=N, data `event I`), M ms apart; with `Last-Event-ID: K` it resumes at K+1 (defaults 10 and 1000; at most 100,000 and 60,000); `per_connection=K` ends each response after K events (the client reconnects), `retry_ms=R` sends `retry: R` first |
//! | `/drip?bytes=N&delay_ms=M` | N bytes `*`, one every M ms, chunked (defaults 10 and 100; at most 10,000 and 10,000) |
//! | `/ws` | WebSocket echo (HTTP/1.1 upgrade, or RFC 8441 extended CONNECT over HTTP/2; permessage-deflate when offered) |
//! | `/ws/request` | WebSocket that answers every message with its opening request as `/echo`'s JSON (method, target, headers in received order and case): a client's handshake fields as the server saw them; subprotocols `chat.v1` and `chat.v2` accepted |
//! | `/files/PATH` | the file `PATH` under `--dir` (404 without `--dir`; `..` refused) |
//! | `/fingerprint` | the client's fingerprint as JSON: JA3, JA3N, JA4, JA4_r, ALPN and version under TLS, the Akamai HTTP/2 fingerprint and its fields on HTTP/2, and the request's header names in received order and case (see [`runtime_mio::fingerprint::to_json`]) |
//! | `/gzip`, `/deflate`, `/brotli`, `/zstd` | `/echo`'s JSON with that `Content-Encoding` (`deflate`: zlib) |
//! | `/cookies/set?K=V&...` | 302 to `/cookies`, one `Set-Cookie: K=V; Path=/` each |
//! | `/cookies/keep?K=V&...` | 200, one `Set-Cookie: K=V; Path=/; Max-Age=86400` each (kept across a browser's restarts) |
//! | `/cookies` | `{"cookie": the request's Cookie field, or null}` |

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use runtime_mio::client::percent_decode;
use runtime_mio::json::string as json_string;
use runtime_mio::server::{BodyOut, Next, Request, Response, Server, ServerConfig, WsMessage};

/// Arguments of `wire serve`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Address to listen on (port 0 picks a free one; the bound address is printed).
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Event-loop threads (default: one per core).
    #[arg(long)]
    threads: Option<usize>,
    /// Serve TLS with a freshly generated self-signed certificate for `localhost` and
    /// `127.0.0.1` (its path is printed, for a client's trust store).
    #[arg(long, conflicts_with_all = ["cert", "key"])]
    tls: bool,
    /// Serve TLS with this certificate chain (PEM, leaf first).
    #[arg(long, requires = "key")]
    cert: Option<PathBuf>,
    /// The private key of `--cert` (PEM).
    #[arg(long, requires = "cert")]
    key: Option<PathBuf>,
    /// Serve the files under this directory at `/files/...`.
    #[arg(long)]
    dir: Option<PathBuf>,
}

const MAX_BYTES: u64 = 1 << 30;
const MAX_LINES: u64 = 100_000;
const PIECE: u64 = 64 * 1024;

pub(crate) fn run(args: &Args) -> std::io::Result<()> {
    let mut config = ServerConfig {
        // `/fingerprint`: each connection's fingerprint is computed once.
        fingerprint: true,
        ..ServerConfig::default()
    };
    if let Some(n) = args.threads {
        config.threads = n.max(1);
    }
    let mut scheme = "http";
    let mut cert_note = None;
    if args.tls || args.cert.is_some() {
        let mut builder = tls::ServerConfig::builder();
        // `/fingerprint` reports JA3/JA4 from the ClientHello.
        builder.keep_client_hello(true);
        if let (Some(cert), Some(key)) = (&args.cert, &args.key) {
            builder
                .cert_pem_files(cert, key)
                .map_err(std::io::Error::other)?;
        } else {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
            let ck = tls::testing::self_signed(&["localhost", "127.0.0.1"], now)
                .map_err(std::io::Error::other)?;
            let path = std::env::temp_dir().join(format!("wire-{}-cert.pem", std::process::id()));
            std::fs::write(&path, &ck.chain_pem)?;
            builder.cert_pem(&ck.chain_pem, &ck.key_pem);
            cert_note = Some(path);
        }
        config.tls = Some(Arc::new(builder.build().map_err(std::io::Error::other)?));
        scheme = "https";
    }
    let dir = args.dir.clone();
    // SIGINT/SIGTERM: stop accepting, finish in-flight requests within the grace timeout.
    // Handled before the address is printed: a signal sent as soon as a script read it must
    // not meet the default action (killed, no graceful shutdown). Everything (descriptors,
    // threads) is in place by then.
    let mut signals = signal_hook::iterator::Signals::new([
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGTERM,
    ])?;
    let server = Server::bind(args.listen, config, move |req| handle(req, dir.as_deref()))?;
    let stopper = server.stopper();
    std::thread::spawn(move || {
        if signals.forever().next().is_some() {
            eprintln!("wire: shutting down");
            let _ = stopper.stop();
        }
    });
    let mut out = std::io::stdout().lock();
    writeln!(out, "listening on {scheme}://{}", server.local_addr())?;
    if let Some(path) = cert_note {
        writeln!(out, "certificate: {}", path.display())?;
    }
    out.flush()?;
    drop(out);
    server.join()
}

/// `wire serve --tls` on `listen` with one event-loop thread and a fresh self-signed
/// certificate for `localhost` and `127.0.0.1` (`wire demo`'s server): the server and the
/// certificate's PEM, for a client to trust.
pub(crate) fn self_signed_server(listen: SocketAddr) -> std::io::Result<(Server, Vec<u8>)> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    let ck = tls::testing::self_signed(&["localhost", "127.0.0.1"], now)
        .map_err(std::io::Error::other)?;
    let mut builder = tls::ServerConfig::builder();
    builder
        .keep_client_hello(true)
        .cert_pem(&ck.chain_pem, &ck.key_pem);
    let config = ServerConfig {
        threads: 1,
        fingerprint: true,
        tls: Some(Arc::new(builder.build().map_err(std::io::Error::other)?)),
        ..ServerConfig::default()
    };
    let server = Server::bind(listen, config, |req| handle(req, None))?;
    Ok((server, ck.chain_pem))
}

/// `s` as a number when it is one or more ASCII digits and fits `T` (`str::parse` alone
/// would also take a leading `+`).
fn digits<T: std::str::FromStr>(s: &str) -> Option<T> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// The endpoints.
fn handle(req: &Request, dir: Option<&Path>) -> Response {
    let path = req.path();
    if let Some(n) = path.strip_prefix("/redirect/") {
        return match digits::<u32>(n) {
            Some(0) => Response::new(302).with_header("Location", "/"),
            Some(n) => Response::new(302).with_header("Location", format!("/redirect/{}", n - 1)),
            None => Response::text(400, "N must be an integer\n"),
        };
    }
    if let Some(rel) = path.strip_prefix("/files/") {
        return match dir {
            Some(d) => file(d, rel),
            None => Response::text(404, "no --dir given\n"),
        };
    }
    if path == "/" {
        // `Response::text` with static parts: nothing copied, no body allocated.
        return Response::new(200)
            .with_static_header("Content-Type", b"text/plain; charset=utf-8")
            .with_body(Bytes::from_static(b"Hello, World!"));
    }
    if path == "/ws" {
        return Response::websocket(|m| vec![m]);
    }
    if path == "/ws/request" {
        // The opening request, as `/echo` reports a request, answers every message.
        let opening = echo_json(req);
        return Response::websocket(move |m| match m {
            WsMessage::Close { .. } => Vec::new(),
            _ => vec![WsMessage::Text(opening.clone())],
        })
        // Offered subprotocols are accepted (browsers fail a handshake that offered some
        // and got none back).
        .with_protocols(&["chat.v1", "chat.v2"]);
    }
    if path == "/fingerprint" {
        return Response::new(200)
            .with_header("Content-Type", "application/json")
            .with_body(runtime_mio::fingerprint::to_json(
                req.fingerprint(),
                req.headers().map(|(n, _)| n),
            ));
    }
    if path == "/echo" {
        return Response::new(200)
            .with_header("Content-Type", "application/json")
            .with_body(echo_json(req));
    }
    if let Some(n) = path.strip_prefix("/bytes/") {
        return match digits::<u64>(n) {
            Some(n) if n <= MAX_BYTES => Response::new(200)
                .with_header("Content-Type", "application/octet-stream")
                .with_header("Content-Length", n.to_string())
                .with_stream((0..n.div_ceil(PIECE)).map(move |k| {
                    let start = k * PIECE;
                    let end = (start + PIECE).min(n);
                    Bytes::from((start..end).map(|i| (i % 251) as u8).collect::<Vec<u8>>())
                })),
            _ => Response::text(400, format!("N must be an integer up to {MAX_BYTES}\n")),
        };
    }
    if let Some(code) = path.strip_prefix("/status/") {
        return match digits::<u16>(code) {
            Some(c) if (200..=599).contains(&c) => Response::new(c),
            _ => Response::text(400, "CODE must be 200..=599\n"),
        };
    }
    if path == "/sse" {
        return sse(req);
    }
    if path == "/drip" {
        return drip(req);
    }
    if let Some(n) = path.strip_prefix("/stream/") {
        return match digits::<u64>(n) {
            Some(n) if n <= MAX_LINES => {
                let target = json_string(req.target().as_bytes());
                Response::new(200)
                    .with_header("Content-Type", "application/x-ndjson")
                    .with_stream(
                        (0..n).map(move |i| {
                            Bytes::from(format!("{{\"id\":{i},\"target\":{target}}}\n"))
                        }),
                    )
            }
            _ => Response::text(400, format!("N must be an integer up to {MAX_LINES}\n")),
        };
    }
    if let Some(r) = client_helpers(req) {
        return r;
    }
    Response::text(404, "not found\n")
}

/// The value of query parameter `name` as a number up to `max` (`default` when absent);
/// `Err` with the 400 reply otherwise.
fn query_num(req: &Request, name: &str, default: u64, max: u64) -> Result<u64, Response> {
    let value = req
        .query()
        .unwrap_or("")
        .split('&')
        .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='));
    match value.map(digits::<u64>) {
        None => Ok(default),
        Some(Some(n)) if n <= max => Ok(n),
        Some(_) => Err(Response::text(
            400,
            format!("{name} must be an integer up to {max}\n"),
        )),
    }
}

/// `/sse?count=N&interval_ms=M`: events with ids 1..=N (after `Last-Event-ID` when given),
/// produced on the event loop's thread ([`Response::sse_timed`]: no thread per client),
/// dropped when the client goes away. With `per_connection=K` a response ends after K events
/// (the client reconnects and resumes, as after a lost connection); with `retry_ms=R` the
/// first event carries `retry: R`.
fn sse(req: &Request) -> Response {
    let (count, interval, per_connection, retry) = match (
        query_num(req, "count", 10, 100_000),
        query_num(req, "interval_ms", 1000, 60_000),
        query_num(req, "per_connection", 100_000, 100_000),
        query_num(req, "retry_ms", 0, 3_600_000),
    ) {
        (Ok(c), Ok(i), Ok(k), Ok(r)) => (c, Duration::from_millis(i), k, r),
        (Err(r), ..) | (_, Err(r), ..) | (_, _, Err(r), _) | (.., Err(r)) => return r,
    };
    let after = req
        .header("last-event-id")
        .and_then(|v| std::str::from_utf8(v).ok())
        .and_then(|v| digits::<u64>(v.trim()))
        .unwrap_or(0);
    let first = after.saturating_add(1);
    let last = count.min(after.saturating_add(per_connection));
    let mut i = first;
    Response::sse_timed(move |now: Instant, out: &mut BodyOut| {
        if i > last {
            return Next::End;
        }
        let id = i.to_string();
        let data = format!("event {i}");
        let msg = proto_sse::Message {
            id: Some(&id),
            data: &data,
            retry: (i == first && retry > 0).then_some(retry),
            ..proto_sse::Message::default()
        };
        // A decimal id has no line break: this cannot fail.
        let _ = out.event(&msg);
        i += 1;
        if i > last {
            Next::End
        } else {
            Next::WaitUntil(now + interval)
        }
    })
}

/// `/drip?bytes=N&delay_ms=M`: N bytes, one every M ms, chunked; produced on the event loop's
/// thread ([`Response::timed`]).
fn drip(req: &Request) -> Response {
    let (n, delay) = match (
        query_num(req, "bytes", 10, 10_000),
        query_num(req, "delay_ms", 100, 10_000),
    ) {
        (Ok(n), Ok(d)) => (n, Duration::from_millis(d)),
        (Err(r), _) | (_, Err(r)) => return r,
    };
    let mut left = n;
    Response::timed(200, move |now: Instant, out: &mut BodyOut| {
        if left == 0 {
            return Next::End;
        }
        out.write(b"*");
        left -= 1;
        if left == 0 {
            Next::End
        } else {
            Next::WaitUntil(now + delay)
        }
    })
    .with_header("Content-Type", "application/octet-stream")
}

/// `/files/REL`: the file under `dir`, streamed in 64 KiB pieces with its length.
fn file(dir: &Path, rel: &str) -> Response {
    let Some(rel) = percent_decode(rel) else {
        return Response::text(400, "bad percent-encoding\n");
    };
    let mut path = dir.to_path_buf();
    for seg in rel.split('/') {
        if seg.is_empty() || seg == "." {
            continue;
        }
        if seg == ".." || seg.contains('\\') || seg.contains('\0') {
            return Response::text(403, "forbidden\n");
        }
        path.push(seg);
    }
    let Ok(f) = std::fs::File::open(&path) else {
        return Response::text(404, "not found\n");
    };
    match Response::file(f) {
        Ok(r) => r.with_header("Content-Type", content_type(&path)),
        // A directory, or metadata that cannot be read.
        Err(_) => Response::text(404, "not found\n"),
    }
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("html" | "htm") => "text/html; charset=utf-8",
        Some("txt") => "text/plain; charset=utf-8",
        Some("css") => "text/css",
        Some("js") => "text/javascript",
        Some("json") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("wasm") => "application/wasm",
        _ => "application/octet-stream",
    }
}

/// Fields as a JSON array of `[name, value]` pairs, in the order given.
fn push_fields<'a>(s: &mut String, fields: impl Iterator<Item = (&'a str, &'a [u8])>) {
    s.push('[');
    for (i, (n, v)) in fields.enumerate() {
        if i > 0 {
            s.push(',');
        }
        s.push('[');
        s.push_str(&json_string(n.as_bytes()));
        s.push(',');
        s.push_str(&json_string(v));
        s.push(']');
    }
    s.push(']');
}

/// `/echo`'s JSON.
fn echo_json(req: &Request) -> String {
    let mut s = String::with_capacity(256 + req.body().len());
    s.push_str("{\"method\":");
    s.push_str(&json_string(req.method().as_bytes()));
    s.push_str(",\"target\":");
    s.push_str(&json_string(req.target().as_bytes()));
    s.push_str(",\"headers\":");
    push_fields(&mut s, req.headers());
    // Only when the body ended with trailer fields (the JSON stays as it was otherwise).
    if req.trailers().next().is_some() {
        s.push_str(",\"trailers\":");
        push_fields(&mut s, req.trailers());
    }
    s.push_str(",\"body\":");
    s.push_str(&json_string(req.body()));
    s.push_str("}\n");
    s
}

/// Endpoints for the client's decoding and cookies (httpbin's names): `/gzip`, `/deflate`
/// (zlib), `/brotli`, `/zstd`: `/echo`'s JSON in that coding; `/cookies/set?k=v&...`: a 302
/// to `/cookies` setting each `k=v` (`Path=/`); `/cookies/keep?k=v&...`: a 200 setting each
/// `k=v` for a day (`Path=/; Max-Age=86400`: a browser keeps them when it restarts);
/// `/cookies`: `{"cookie": the request's Cookie field or null}`.
fn client_helpers(req: &Request) -> Option<Response> {
    let path = req.path();
    let coded = |coding: &str, body: Vec<u8>| {
        Response::new(200)
            .with_header("Content-Type", "application/json")
            .with_header("Content-Encoding", coding)
            .with_body(body)
    };
    let json = echo_json(req);
    let write = |mut w: Box<dyn std::io::Write + '_>| {
        let _ = w.write_all(json.as_bytes());
    };
    match path {
        "/gzip" | "/deflate" => {
            let mut out = Vec::new();
            if path == "/gzip" {
                let mut e = flate2::write::GzEncoder::new(&mut out, flate2::Compression::default());
                write(Box::new(&mut e));
                let _ = e.finish();
                return Some(coded("gzip", out));
            }
            let mut e = flate2::write::ZlibEncoder::new(&mut out, flate2::Compression::default());
            write(Box::new(&mut e));
            let _ = e.finish();
            Some(coded("deflate", out))
        }
        "/brotli" => {
            let mut out = Vec::new();
            {
                let mut e = brotli::CompressorWriter::new(&mut out, 4096, 5, 22);
                write(Box::new(&mut e));
            }
            Some(coded("br", out))
        }
        "/zstd" => Some(coded(
            "zstd",
            zstd::stream::encode_all(json.as_bytes(), 3).unwrap_or_default(),
        )),
        "/cookies/set" | "/cookies/keep" => {
            let (mut r, attributes) = if path == "/cookies/set" {
                (
                    Response::new(302).with_header("Location", "/cookies"),
                    "Path=/",
                )
            } else {
                (
                    Response::text(200, "cookies kept\n"),
                    "Path=/; Max-Age=86400",
                )
            };
            for kv in req
                .query()
                .unwrap_or("")
                .split('&')
                .filter(|kv| kv.contains('='))
            {
                r = r.with_header("Set-Cookie", format!("{kv}; {attributes}"));
            }
            Some(r)
        }
        "/cookies" => {
            let cookie = req.header("cookie").map_or("null".to_owned(), json_string);
            Some(
                Response::new(200)
                    .with_header("Content-Type", "application/json")
                    .with_body(format!("{{\"cookie\":{cookie}}}\n")),
            )
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn echo_shape() {
        let r = Request::new("POST", "/echo?x=1")
            .with_header("X-B", b"2")
            .with_header("x-a", b"\"1\"")
            .with_body(b"hi\n");
        assert_eq!(
            echo_json(&r),
            "{\"method\":\"POST\",\"target\":\"/echo?x=1\",\"headers\":[[\"X-B\",\"2\"],[\"x-a\",\"\\\"1\\\"\"]],\"body\":\"hi\\n\"}\n"
        );
    }

    fn get(target: &str) -> Response {
        handle(&Request::new("GET", target), None)
    }

    #[test]
    fn status_and_errors() {
        assert_eq!(get("/status/418").status(), 418);
        assert_eq!(get("/status/99").status(), 400);
        assert_eq!(get("/bytes/x").status(), 400);
        assert_eq!(get("/nope").status(), 404);
        assert_eq!(get("/files/x").status(), 404);
    }

    #[test]
    fn redirects() {
        let r = get("/redirect/2");
        assert_eq!(r.status(), 302);
        assert!(
            r.headers()
                .any(|(n, v)| n == "Location" && v == b"/redirect/1")
        );
        let r = get("/redirect/0");
        assert!(r.headers().any(|(n, v)| n == "Location" && v == b"/"));
    }

    #[test]
    fn files_refuse_parent_segments() {
        let dir = std::env::temp_dir();
        let f = |t: &str| handle(&Request::new("GET", t), Some(&dir)).status();
        assert_eq!(f("/files/../etc/passwd"), 403);
        assert_eq!(f("/files/%2e%2e/etc/passwd"), 403);
        assert_eq!(f("/files/a/%zz"), 400);
        assert_eq!(f("/files/a/%+5"), 400);
        assert_eq!(f("/files/no-such-file-here"), 404);
        assert_eq!(percent_decode("a%20b").as_deref(), Some("a b"));
    }

    #[test]
    fn numbers_in_paths_and_queries_are_digits_only() {
        let status = |t: &str| handle(&Request::new("GET", t), None).status();
        for t in [
            "/bytes/+5",
            "/stream/+2",
            "/status/+204",
            "/redirect/+1",
            "/sse?count=+3",
        ] {
            assert_eq!(status(t), 400, "{t}");
        }
        for t in [
            "/bytes/-5",
            "/bytes/5 ",
            "/bytes/",
            "/status/2O4",
            "/drip?bytes=+1",
        ] {
            assert_eq!(status(t), 400, "{t}");
        }
        assert_eq!(status("/bytes/5"), 200);
        assert_eq!(status("/status/204"), 204);
        assert_eq!(status("/redirect/1"), 302);
        assert_eq!(digits::<u8>("255"), Some(255));
        assert_eq!(digits::<u8>("256"), None);
        assert_eq!(digits::<u64>("007"), Some(7));
    }

    #[test]
    fn encoded_echo_and_cookies() {
        use std::io::Read as _;
        let body = |r: &Response| match r.body() {
            runtime_mio::server::Body::Full(b) => b.to_vec(),
            _ => panic!("a full body"),
        };
        let want = echo_json(&Request::new("GET", "/gzip"));
        let r = get("/gzip");
        assert!(
            r.headers()
                .any(|(n, v)| n == "Content-Encoding" && v == b"gzip")
        );
        let mut got = String::new();
        flate2::read::GzDecoder::new(&body(&r)[..])
            .read_to_string(&mut got)
            .unwrap();
        assert_eq!(got, want);
        let want = echo_json(&Request::new("GET", "/deflate"));
        let mut got = String::new();
        flate2::read::ZlibDecoder::new(&body(&get("/deflate"))[..])
            .read_to_string(&mut got)
            .unwrap();
        assert_eq!(got, want);
        let want = echo_json(&Request::new("GET", "/brotli"));
        let mut got = String::new();
        brotli::Decompressor::new(&body(&get("/brotli"))[..], 4096)
            .read_to_string(&mut got)
            .unwrap();
        assert_eq!(got, want);
        let want = echo_json(&Request::new("GET", "/zstd"));
        let got = zstd::stream::decode_all(&body(&get("/zstd"))[..]).unwrap();
        assert_eq!(got, want.as_bytes());

        let r = get("/cookies/set?a=1&b=2");
        assert_eq!(r.status(), 302);
        let set: Vec<&[u8]> = r
            .headers()
            .filter(|(n, _)| *n == "Set-Cookie")
            .map(|(_, v)| v)
            .collect();
        assert_eq!(set, [&b"a=1; Path=/"[..], b"b=2; Path=/"]);
        let r = get("/cookies/keep?a=1&b=2");
        assert_eq!(r.status(), 200);
        let set: Vec<&[u8]> = r
            .headers()
            .filter(|(n, _)| *n == "Set-Cookie")
            .map(|(_, v)| v)
            .collect();
        assert_eq!(
            set,
            [
                &b"a=1; Path=/; Max-Age=86400"[..],
                b"b=2; Path=/; Max-Age=86400"
            ]
        );
        assert_eq!(body(&get("/cookies")), b"{\"cookie\":null}\n");
        let r = handle(
            &Request::new("GET", "/cookies").with_header("Cookie", b"a=1; b=2"),
            None,
        );
        assert_eq!(body(&r), b"{\"cookie\":\"a=1; b=2\"}\n");
    }
}
