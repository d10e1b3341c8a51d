//! `reqwest_load`: the peer of `client_load` for `benches/client.sh`: reqwest on a
//! current-thread tokio runtime doing the same work (same arguments, same report), so that the
//! script can put the two processes' CPU time per request side by side.
//!
//! ```text
//! reqwest_load --url URL --proto h1|h2 --inflight N --duration SECS [--cacert PEM]
//! ```
//!
//! One task per request in flight, each sending a GET and reading the body chunk by chunk
//! before the next. HTTP/1.1 (`http1_only`): one keep-alive connection per task, opened by a
//! first round of requests before the clock starts. HTTP/2: one connection, h2c with prior
//! knowledge for `http://`, ALPN `h2` (then `http/1.1`) for `https://`, opened by a first
//! request before the clock starts; reqwest multiplexes every task's streams on it.
//!
//! TLS is rustls on *ring*, handed to reqwest whole (`tls_backend_preconfigured`) with the
//! `--cacert` certificates as its only roots. reqwest is built without cookies and without
//! response decoding (`benches/Cargo.toml`). Arguments and report: [`benches::load`]. Exits 1
//! when the client cannot start or its first requests fail, 2 on bad arguments.

use std::sync::Arc;
use std::time::Instant;

use benches::load::{Args, Proto, Tally};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject as _;

fn fail(msg: &str) -> ! {
    eprintln!("reqwest_load: {msg}");
    std::process::exit(1);
}

/// rustls on *ring*, trusting `pem`'s certificates alone, offering `alpn`.
fn tls_config(pem: &[u8], alpn: &[&[u8]]) -> Result<rustls::ClientConfig, String> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(pem) {
        let cert = cert.map_err(|e| format!("--cacert: {e}"))?;
        roots.add(cert).map_err(|e| format!("--cacert: {e}"))?;
    }
    // *ring* has no post-quantum key exchange (hence the deprecation): nginx here offers none
    // either, and a keep-alive load run makes its handshakes before the clock starts. The
    // default provider, aws-lc-rs, would build a second C crypto library beside BoringSSL.
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("rustls: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    Ok(config)
}

fn client(args: &Args) -> Result<reqwest::Client, String> {
    // reqwest's cleartext connector wants a process-wide provider too (*ring*, as above).
    #[allow(deprecated)]
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut b = reqwest::Client::builder();
    b = match args.proto {
        Proto::H1 => b.http1_only(),
        Proto::H2 if !args.tls() => b.http2_prior_knowledge(),
        Proto::H2 => b,
    };
    if args.tls() {
        let pem = args
            .cacert_pem()?
            .ok_or_else(|| "an https:// URL needs --cacert".to_owned())?;
        let alpn: &[&[u8]] = match args.proto {
            Proto::H1 => &[b"http/1.1"],
            Proto::H2 => &[b"h2", b"http/1.1"],
        };
        b = b.tls_backend_preconfigured(tls_config(&pem, alpn)?);
    }
    b.build().map_err(|e| format!("client: {e}"))
}

/// An error with its sources ("error sending request" alone says little).
fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut next = e.source();
    while let Some(cause) = next {
        s = format!("{s}: {cause}");
        next = cause.source();
    }
    s
}

async fn get(client: &reqwest::Client, url: &str) -> Result<(u16, u64), reqwest::Error> {
    let mut resp = client.get(url).send().await?;
    let status = resp.status().as_u16();
    let mut n = 0u64;
    while let Some(c) = resp.chunk().await? {
        n += c.len() as u64;
    }
    Ok((status, n))
}

async fn run(args: Args) -> Result<(), String> {
    let client = client(&args)?;
    let url: Arc<str> = Arc::from(args.url.as_str());
    // The connections first: one per task over HTTP/1.1, the one HTTP/2 connection otherwise.
    let first = if args.proto == Proto::H1 {
        args.inflight
    } else {
        1
    };
    let opening: Vec<_> = (0..first)
        .map(|_| {
            let (client, url) = (client.clone(), Arc::clone(&url));
            tokio::spawn(async move { get(&client, &url).await })
        })
        .collect();
    for o in opening {
        match o.await {
            Ok(Ok((200, _))) => {}
            Ok(Ok((status, _))) => return Err(format!("first request: status {status}")),
            Ok(Err(e)) => return Err(format!("first request: {}", chain(&e))),
            Err(e) => return Err(format!("first request: {e}")),
        }
    }
    let started = Instant::now();
    let deadline = started + args.duration;
    let tasks: Vec<_> = (0..args.inflight)
        .map(|_| {
            let (client, url) = (client.clone(), Arc::clone(&url));
            tokio::spawn(async move {
                let mut t = Tally::default();
                while Instant::now() < deadline {
                    match get(&client, &url).await {
                        Ok((status, n)) => t.answered(status, n),
                        Err(e) => t.error(chain(&e)),
                    }
                }
                t
            })
        })
        .collect();
    let mut all = Tally::default();
    for task in tasks {
        match task.await {
            Ok(t) => all.merge(t),
            Err(e) => all.error(format!("task: {e}")),
        }
    }
    all.print(started.elapsed());
    Ok(())
}

fn main() {
    let args = Args::from_env();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| fail(&format!("tokio runtime: {e}")));
    if let Err(e) = rt.block_on(run(args)) {
        fail(&e);
    }
}
