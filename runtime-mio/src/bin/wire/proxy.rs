//! The proxy flags every client command shares, and the environment's proxies, as curl
//! takes them: `http_proxy`, `https_proxy`, `all_proxy`, `no_proxy` (and their upper-case
//! names but `HTTP_PROXY`) apply unless `-x` names a proxy or `--noproxy` the hosts to reach
//! directly.

use std::path::PathBuf;

use runtime_mio::client::{ClientConfig, NoProxy, Proxy, ProxyConfig};

/// `-x`, `--noproxy`, `--proxy-cacert`, `--proxy-insecure`.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct ProxyArgs {
    /// Go through this proxy, instead of the environment's (`http_proxy`, `https_proxy`,
    /// `all_proxy`): `[http://][user:pass@]host:port` (a CONNECT tunnel), `https://` (the
    /// same inside TLS with the proxy), `socks5://` (we resolve the name) or `socks5h://`
    /// (the proxy does). `-x ""` goes direct whatever the environment says.
    #[arg(short = 'x', long = "proxy", value_name = "URL")]
    proxy: Option<String>,
    /// Hosts to reach without a proxy, instead of the environment's `no_proxy`: a comma
    /// list of names (with the names under them), IP addresses, CIDR ranges; `*` for all.
    #[arg(long = "noproxy", value_name = "LIST")]
    noproxy: Option<String>,
    /// An `https://` proxy's certificate is checked against the roots in this PEM file too.
    #[arg(long = "proxy-cacert", value_name = "FILE")]
    proxy_cacert: Option<PathBuf>,
    /// Accept any certificate from an `https://` proxy (no verification: for tests only).
    #[arg(long = "proxy-insecure")]
    proxy_insecure: bool,
}

impl ProxyArgs {
    /// Sets `c`'s proxies from the environment and the flags; exit 5 for a proxy that does
    /// not parse (curl's "couldn't resolve proxy"), 77 for an unreadable `--proxy-cacert`.
    pub(crate) fn apply(&self, c: &mut ClientConfig) -> Result<(), (u8, String)> {
        c.proxies = ProxyConfig::from_env().map_err(|e| (5, format!("environment: {e}")))?;
        if let Some(list) = &self.noproxy {
            c.proxies.no_proxy = NoProxy::parse(list);
        }
        match self.proxy.as_deref() {
            None => {}
            Some("") => {
                c.proxies = ProxyConfig {
                    no_proxy: std::mem::take(&mut c.proxies.no_proxy),
                    ..ProxyConfig::default()
                };
            }
            Some(p) => {
                c.proxy = Some(Proxy::parse(p).map_err(|e| (5, format!("--proxy: {e}")))?);
            }
        }
        let root = match &self.proxy_cacert {
            Some(path) => Some(
                std::fs::read(path)
                    .map_err(|e| (77, format!("--proxy-cacert {}: {e}", path.display())))?,
            ),
            None => None,
        };
        for p in [
            &mut c.proxy,
            &mut c.proxies.http,
            &mut c.proxies.https,
            &mut c.proxies.all,
        ]
        .into_iter()
        .flatten()
        {
            if let Some(pem) = &root {
                *p = p.clone().with_root_pem(pem);
            }
            if self.proxy_insecure {
                *p = p.clone().danger_accept_invalid_certs();
            }
        }
        Ok(())
    }
}
