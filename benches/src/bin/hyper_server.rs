//! `hyper_server`: hyper 1.x on a current-thread tokio runtime, serving `/` ("Hello, World!") the
//! way `wire serve` does, as the peer of `benches/system.sh`.
//!
//! ```text
//! hyper_server --listen 127.0.0.1:PORT [--cert PEM --key PEM]
//! ```
//!
//! In cleartext one port serves HTTP/1.1 (keep-alive, pipelining with `pipeline_flush`) and h2c
//! by the prior-knowledge preface (hyper-util's `auto` connection); with `--cert`/`--key` it
//! serves TLS through tokio-boring (the BoringSSL the workspace already builds) with ALPN `h2`
//! and `http/1.1`. One thread, like `wire serve --threads 1`. The response carries what ours
//! carries: `content-type: text/plain; charset=utf-8` and `content-length: 13`, no `date`
//! (hyper's automatic `date` header is turned off so both write the same bytes).

use std::convert::Infallible;
use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use boring::ssl::{AlpnError, SslAcceptor, SslFiletype, SslMethod};
use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;

const USAGE: &str = "usage: hyper_server --listen ADDR [--cert PEM --key PEM]";

struct Args {
    listen: SocketAddr,
    tls: Option<(PathBuf, PathBuf)>,
}

fn parse_args() -> Result<Args, String> {
    let mut listen = None;
    let mut cert = None;
    let mut key = None;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = || {
            it.next()
                .ok_or_else(|| format!("{a} needs a value\n{USAGE}"))
        };
        match a.as_str() {
            "--listen" => {
                let v = value()?;
                listen = Some(v.parse().map_err(|e| format!("--listen {v}: {e}"))?);
            }
            "--cert" => cert = Some(PathBuf::from(value()?)),
            "--key" => key = Some(PathBuf::from(value()?)),
            _ => return Err(format!("unknown argument {a}\n{USAGE}")),
        }
    }
    let listen = listen.ok_or_else(|| USAGE.to_owned())?;
    let tls = match (cert, key) {
        (Some(c), Some(k)) => Some((c, k)),
        (None, None) => None,
        _ => return Err(format!("--cert and --key go together\n{USAGE}")),
    };
    Ok(Args { listen, tls })
}

/// BoringSSL acceptor with ALPN `h2` preferred over `http/1.1`.
fn acceptor(cert: &PathBuf, key: &PathBuf) -> Result<SslAcceptor, boring::error::ErrorStack> {
    let mut b = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls())?;
    b.set_certificate_chain_file(cert)?;
    b.set_private_key_file(key, SslFiletype::PEM)?;
    b.check_private_key()?;
    b.set_alpn_select_callback(|_, offered| {
        boring::ssl::select_next_proto(b"\x02h2\x08http/1.1", offered).ok_or(AlpnError::NOACK)
    });
    Ok(b.build())
}

/// The TLS handshake of one accepted connection (`None` when it fails: a peer's fault, not
/// ours to report).
async fn accept(
    acceptor: &SslAcceptor,
    stream: tokio::net::TcpStream,
) -> Option<tokio_boring::SslStream<tokio::net::TcpStream>> {
    let ssl = boring::ssl::Ssl::new(acceptor.context()).ok()?;
    let mut s = tokio_boring::SslStream::new(ssl, stream).ok()?;
    std::pin::Pin::new(&mut s).accept().await.ok()?;
    Some(s)
}

/// The endpoint: `/` answers "Hello, World!", anything else 404.
async fn handle(req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let mut resp = if req.uri().path() == "/" {
        Response::new(Full::new(Bytes::from_static(b"Hello, World!")))
    } else {
        let mut r = Response::new(Full::new(Bytes::from_static(b"not found\n")));
        *r.status_mut() = StatusCode::NOT_FOUND;
        r
    };
    resp.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    Ok(resp)
}

async fn serve(args: Args) -> std::io::Result<()> {
    let tls = match &args.tls {
        Some((c, k)) => Some(Arc::new(acceptor(c, k).map_err(std::io::Error::other)?)),
        None => None,
    };
    let listener = tokio::net::TcpListener::bind(args.listen).await?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    let mut out = std::io::stdout().lock();
    writeln!(out, "listening on {scheme}://{}", listener.local_addr()?)?;
    out.flush()?;
    drop(out);

    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder.http1().pipeline_flush(true).auto_date_header(false);
    builder.http2().auto_date_header(false);
    let builder = Arc::new(builder);
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(s) => s,
            // Out of file descriptors and the like: keep serving the connections we have.
            Err(e) => {
                eprintln!("hyper_server: accept: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let builder = Arc::clone(&builder);
        let tls = tls.clone();
        tokio::spawn(async move {
            let svc = hyper::service::service_fn(handle);
            // Connection errors (peers resetting at the end of a load run) are not ours to report.
            match tls {
                Some(acceptor) => {
                    if let Some(s) = accept(&acceptor, stream).await {
                        let _ = builder.serve_connection(TokioIo::new(s), svc).await;
                    }
                }
                None => {
                    let _ = builder.serve_connection(TokioIo::new(stream), svc).await;
                }
            }
        });
    }
}

fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()
        .expect("tokio runtime");
    if let Err(e) = rt.block_on(serve(args)) {
        eprintln!("hyper_server: {e}");
        std::process::exit(1);
    }
}
