//! `wire serve`: httpbin-like endpoints.
//!
//! | endpoint | answer |
//! |----------|--------|
//! | `/` | `Hello, World!` |
//! | `/echo` | the request as JSON: method, target, headers in received order and case as `[[name, value], ...]`, body as a string |
//! | `/bytes/N` | N bytes, byte `i` being `i % 251` (at most 1 GiB, streamed with `Content-Length`) |
//! | `/status/CODE` | an empty response with that status (200..=599) |
//! | `/stream/N` | N JSON lines, chunked (at most 100,000) |

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;
use runtime_mio::server::{Request, Response, Server, ServerConfig};

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
}

const MAX_BYTES: u64 = 1 << 30;
const MAX_LINES: u64 = 100_000;
const PIECE: u64 = 64 * 1024;

pub(crate) fn run(args: &Args) -> std::io::Result<()> {
    let mut config = ServerConfig::default();
    if let Some(n) = args.threads {
        config.threads = n.max(1);
    }
    let mut scheme = "http";
    let mut cert_note = None;
    if args.tls || args.cert.is_some() {
        let mut builder = tls::ServerConfig::builder();
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
    let server = Server::bind(args.listen, config, handle)?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "listening on {scheme}://{}", server.local_addr())?;
    if let Some(path) = cert_note {
        writeln!(out, "certificate: {}", path.display())?;
    }
    out.flush()?;
    drop(out);
    // SIGINT/SIGTERM: stop accepting, finish in-flight requests within the grace timeout.
    let mut signals = signal_hook::iterator::Signals::new([
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGTERM,
    ])?;
    let stopper = server.stopper();
    std::thread::spawn(move || {
        if signals.forever().next().is_some() {
            eprintln!("wire: shutting down");
            let _ = stopper.stop();
        }
    });
    server.join()
}

/// The endpoints.
fn handle(req: &Request) -> Response {
    let path = req.path();
    if path == "/" {
        return Response::text(200, "Hello, World!");
    }
    if path == "/echo" {
        return Response::new(200)
            .with_header("Content-Type", "application/json")
            .with_body(echo_json(req));
    }
    if let Some(n) = path.strip_prefix("/bytes/") {
        return match n.parse::<u64>() {
            Ok(n) if n <= MAX_BYTES => Response::new(200)
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
        return match code.parse::<u16>() {
            Ok(c) if (200..=599).contains(&c) => Response::new(c),
            _ => Response::text(400, "CODE must be 200..=599\n"),
        };
    }
    if let Some(n) = path.strip_prefix("/stream/") {
        return match n.parse::<u64>() {
            Ok(n) if n <= MAX_LINES => {
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
    Response::text(404, "not found\n")
}

/// `/echo`'s JSON.
fn echo_json(req: &Request) -> String {
    let mut s = String::with_capacity(256 + req.body().len());
    s.push_str("{\"method\":");
    s.push_str(&json_string(req.method().as_bytes()));
    s.push_str(",\"target\":");
    s.push_str(&json_string(req.target().as_bytes()));
    s.push_str(",\"headers\":[");
    for (i, (n, v)) in req.headers().enumerate() {
        if i > 0 {
            s.push(',');
        }
        s.push('[');
        s.push_str(&json_string(n.as_bytes()));
        s.push(',');
        s.push_str(&json_string(v));
        s.push(']');
    }
    s.push_str("],\"body\":");
    s.push_str(&json_string(req.body()));
    s.push_str("}\n");
    s
}

/// A JSON string literal of `bytes` (invalid UTF-8 replaced by U+FFFD).
fn json_string(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut s = String::with_capacity(text.len() + 2);
    s.push('"');
    for ch in text.chars() {
        match ch {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            '\n' => s.push_str("\\n"),
            '\r' => s.push_str("\\r"),
            '\t' => s.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                s.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => s.push(c),
        }
    }
    s.push('"');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_escaping() {
        assert_eq!(
            json_string(b"a\"b\\c\n\x01\x7f"),
            r#""a\"b\\c\n\u0001\u007f""#
        );
        assert_eq!(json_string(b"caf\xc3\xa9"), "\"caf\u{e9}\"");
        assert_eq!(json_string(b"\xff"), "\"\u{fffd}\"");
    }

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

    #[test]
    fn status_and_errors() {
        assert_eq!(handle(&Request::new("GET", "/status/418")).status(), 418);
        assert_eq!(handle(&Request::new("GET", "/status/99")).status(), 400);
        assert_eq!(handle(&Request::new("GET", "/bytes/x")).status(), 400);
        assert_eq!(handle(&Request::new("GET", "/nope")).status(), 404);
    }
}
