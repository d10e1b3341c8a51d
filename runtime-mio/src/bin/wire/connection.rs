//! The connection flags every client command (`get` and the other methods, `ws`, `sse`)
//! shares: the protocol choice, trust, the proxy and address overrides.

use std::path::PathBuf;
use std::time::Duration;

use runtime_mio::client::{ClientConfig, ResolveOverride};
use runtime_mio::timer::Timeout;

use crate::proxy::ProxyArgs;

/// A timeout flag's seconds (`what` names the flag in the message): any positive number; one
/// longer than a `Duration` holds is the longest wait there is, as curl takes it.
pub(crate) fn seconds(s: f64, what: &str) -> Result<Timeout, String> {
    if !(s.is_finite() && s > 0.0) {
        return Err(format!("{what}: {s} is not a positive number"));
    }
    Ok(Timeout::After(
        Duration::try_from_secs_f64(s).unwrap_or(Duration::MAX),
    ))
}

/// `--http1.1`, `--http2-prior-knowledge`, `-k`, `--cacert`, the proxy flags, `--resolve`.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct ConnectionArgs {
    /// Speak HTTP/1.1 only: no `h2` offered by ALPN (for `wire ws`: no WebSocket over
    /// HTTP/2).
    #[arg(long = "http1.1", conflicts_with = "http2_prior_knowledge")]
    pub(crate) http1_1: bool,
    /// Speak HTTP/2 at once to `http://` and `ws://` URLs (h2c with prior knowledge).
    #[arg(long = "http2-prior-knowledge")]
    pub(crate) http2_prior_knowledge: bool,
    /// Accept any server certificate (no verification: for tests only).
    #[arg(short = 'k', long = "insecure")]
    insecure: bool,
    /// Trust the certificates in this PEM file instead of the system's.
    #[arg(long = "cacert", value_name = "FILE")]
    cacert: Option<PathBuf>,
    #[command(flatten)]
    proxy: ProxyArgs,
    /// Use ADDR for HOST:PORT instead of resolving it: `HOST:PORT:ADDR[,ADDR]` (repeatable).
    #[arg(long = "resolve", value_name = "HOST:PORT:ADDR")]
    resolve: Vec<String>,
}

impl ConnectionArgs {
    /// Sets `c` as the flags say. Exit codes as curl's: 77 for an unreadable `--cacert`,
    /// 5 for a proxy that does not parse, 2 for a bad `--resolve`.
    pub(crate) fn apply(&self, c: &mut ClientConfig) -> Result<(), (u8, String)> {
        c.alpn_h2 = !self.http1_1;
        c.h2_prior_knowledge = self.http2_prior_knowledge;
        trust(c, self.insecure, self.cacert.as_deref())?;
        self.proxy.apply(c)?;
        for r in &self.resolve {
            c.resolve
                .push(ResolveOverride::parse(r).map_err(|e| (2, format!("--resolve: {e}")))?);
        }
        Ok(())
    }
}

/// `-k` (no verification) and `--cacert FILE` (these roots instead of the system's); exit
/// 77 when the file cannot be read, as curl.
pub(crate) fn trust(
    c: &mut ClientConfig,
    insecure: bool,
    cacert: Option<&std::path::Path>,
) -> Result<(), (u8, String)> {
    if insecure {
        c.verify = false;
    }
    if let Some(path) = cacert {
        let pem =
            std::fs::read(path).map_err(|e| (77, format!("--cacert {}: {e}", path.display())))?;
        c.root_pems.push(pem);
        c.system_roots = false;
    }
    Ok(())
}
