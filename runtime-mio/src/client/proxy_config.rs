//! Which proxy a URL takes: [`ProxyConfig`] (one proxy per scheme, one for all, and the
//! [`NoProxy`] hosts reached directly), read from the environment the way curl reads it when
//! the caller asks ([`ProxyConfig::from_env`]; the library itself reads no environment).

use std::net::IpAddr;

use super::error::Error;
use super::proxy::Proxy;
use super::url::{Origin, Scheme};

/// The proxies of [`ClientConfig::proxies`](super::ClientConfig::proxies): one for `http://`
/// URLs, one for `https://` URLs, one for either when its own is unset, and the hosts that
/// none of them (nor [`ClientConfig::proxy`](super::ClientConfig::proxy)) is used for.
///
/// ```
/// use runtime_mio::client::{ProxyConfig, Url};
/// let vars = |name: &str| match name {
///     "https_proxy" => Some("proxy.corp:3128".to_owned()),
///     "NO_PROXY" => Some("localhost,.internal".to_owned()),
///     _ => None,
/// };
/// let config = ProxyConfig::from_vars(vars).unwrap();
/// let origin = |u: &str| Url::parse(u).unwrap().origin;
/// assert_eq!(config.proxy_for(&origin("https://example.com/")).unwrap().to_string(), "http://proxy.corp:3128");
/// assert!(config.proxy_for(&origin("http://example.com/")).is_none());
/// assert!(config.proxy_for(&origin("https://db.internal/")).is_none());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProxyConfig {
    /// For `http://` (and `ws://`) URLs (curl's `http_proxy`).
    pub http: Option<Proxy>,
    /// For `https://` (and `wss://`) URLs (curl's `https_proxy`).
    pub https: Option<Proxy>,
    /// For URLs whose scheme has no proxy of its own (curl's `all_proxy`).
    pub all: Option<Proxy>,
    /// Hosts reached directly (curl's `no_proxy`).
    pub no_proxy: NoProxy,
}

impl ProxyConfig {
    /// The proxies the process environment names, as curl reads them: `http_proxy` (lower
    /// case only: a CGI server puts a request's `Proxy:` header in `HTTP_PROXY`),
    /// `https_proxy` or `HTTPS_PROXY`, `all_proxy` or `ALL_PROXY`, `no_proxy` or `NO_PROXY`
    /// (the lower-case name first; an empty value is unset). See [`ProxyConfig::from_vars`].
    ///
    /// # Errors
    /// [`Error::InvalidUrl`] naming the variable whose proxy does not parse.
    pub fn from_env() -> Result<ProxyConfig, Error> {
        ProxyConfig::from_vars(|name| std::env::var(name).ok())
    }

    /// The proxies that `var` gives for the environment variables [`ProxyConfig::from_env`]
    /// reads: each value is a [`Proxy::parse`] URL (no scheme meaning `http://`; `https://`,
    /// `socks5://`, `socks5h://`), `no_proxy` a [`NoProxy::parse`] list.
    ///
    /// # Errors
    /// [`Error::InvalidUrl`] naming the variable whose proxy does not parse.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<ProxyConfig, Error> {
        let get = |names: &[&'static str]| -> Option<(&'static str, String)> {
            names
                .iter()
                .find_map(|n| var(n).filter(|v| !v.trim().is_empty()).map(|v| (*n, v)))
        };
        let proxy = |names: &[&'static str]| -> Result<Option<Proxy>, Error> {
            match get(names) {
                None => Ok(None),
                Some((name, v)) => Proxy::parse(v.trim()).map(Some).map_err(|e| match e {
                    Error::InvalidUrl(m) => Error::InvalidUrl(format!("{name}: {m}")),
                    e => e,
                }),
            }
        };
        Ok(ProxyConfig {
            http: proxy(&["http_proxy"])?,
            https: proxy(&["https_proxy", "HTTPS_PROXY"])?,
            all: proxy(&["all_proxy", "ALL_PROXY"])?,
            no_proxy: get(&["no_proxy", "NO_PROXY"])
                .map(|(_, v)| NoProxy::parse(&v))
                .unwrap_or_default(),
        })
    }

    /// The proxy for `origin`: none when [`ProxyConfig::no_proxy`] matches it, else its
    /// scheme's, else [`ProxyConfig::all`].
    #[must_use]
    pub fn proxy_for(&self, origin: &Origin) -> Option<&Proxy> {
        if self.no_proxy.matches(&origin.host, origin.port) {
            return None;
        }
        match origin.scheme {
            Scheme::Http => self.http.as_ref(),
            Scheme::Https => self.https.as_ref(),
        }
        .or(self.all.as_ref())
    }
}

/// Hosts reached without a proxy: curl's `no_proxy` / `--noproxy` list.
///
/// Comma-separated entries (blanks around them ignored), each one of:
/// - `*` alone: every host;
/// - a host name, with or without a leading dot: that host and every name under it
///   (`example.com` and `.example.com` both match `example.com` and `www.example.com`, not
///   `badexample.com`), without regard to ASCII case or a trailing dot;
/// - an IP address (IPv6 with or without brackets): that address;
/// - an address range in CIDR notation, `10.0.0.0/8`, `fd00::/8`;
/// - any of those with `:port` (an IPv6 address in brackets then): only on that port.
///
/// A host given as an IP address is matched by addresses and ranges only, never as a name.
///
/// ```
/// use runtime_mio::client::NoProxy;
/// let n = NoProxy::parse("localhost, .corp.example,10.0.0.0/8, [::1], intranet:8080");
/// assert!(n.matches("localhost", 80));
/// assert!(n.matches("wiki.corp.example", 443) && n.matches("corp.example", 443));
/// assert!(!n.matches("notcorp.example", 443));
/// assert!(n.matches("10.1.2.3", 80) && !n.matches("11.0.0.1", 80));
/// assert!(n.matches("::1", 80));
/// assert!(n.matches("intranet", 8080) && !n.matches("intranet", 80));
/// assert!(NoProxy::parse("*").matches("anything", 1));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NoProxy {
    entries: Vec<Entry>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Pattern {
    All,
    /// Lower case, without a leading or trailing dot.
    Name(String),
    /// An address and how many leading bits must match (the full width: the address).
    Net(IpAddr, u8),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    pattern: Pattern,
    port: Option<u16>,
}

impl NoProxy {
    /// Parses a comma-separated list (see the type's doc). Entries that cannot match
    /// anything (empty ones, a range with too long a prefix, a bad port) are dropped.
    #[must_use]
    pub fn parse(list: &str) -> NoProxy {
        NoProxy {
            entries: list.split(',').filter_map(Entry::parse).collect(),
        }
    }

    /// Whether no entry is given (nothing goes direct).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Whether `host` (a name, or an IP address without brackets) on `port` goes direct.
    #[must_use]
    pub fn matches(&self, host: &str, port: u16) -> bool {
        // The usual case, asked once or twice per request: no address to parse.
        if self.entries.is_empty() {
            return false;
        }
        let host = host.trim_end_matches('.');
        let bare = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        let ip = bare.parse::<IpAddr>().ok();
        self.entries.iter().any(|e| {
            e.port.is_none_or(|p| p == port)
                && match (&e.pattern, ip) {
                    (Pattern::All, _) => true,
                    (Pattern::Net(net, bits), Some(ip)) => in_net(ip, *net, *bits),
                    (Pattern::Name(name), None) => {
                        let h = host.as_bytes();
                        let n = name.as_bytes();
                        h.len() >= n.len()
                            && h[h.len() - n.len()..].eq_ignore_ascii_case(n)
                            && (h.len() == n.len() || h[h.len() - n.len() - 1] == b'.')
                    }
                    _ => false,
                }
        })
    }
}

/// `s` as a number when it is one or more ASCII digits and fits `T` (`str::parse` alone would
/// also take a leading `+`).
fn digits<T: std::str::FromStr>(s: &str) -> Option<T> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

impl Entry {
    fn parse(raw: &str) -> Option<Entry> {
        let e = raw.trim();
        if e.is_empty() {
            return None;
        }
        if e == "*" {
            return Some(Entry {
                pattern: Pattern::All,
                port: None,
            });
        }
        // The port: after `]` for a bracketed IPv6 address, after the only `:` otherwise
        // (an unbracketed IPv6 address has several and no port).
        let (body, port) = if let Some(rest) = e.strip_prefix('[') {
            let (inside, after) = rest.split_once(']')?;
            let port = match after.strip_prefix(':') {
                Some(p) => Some(digits(p)?),
                None if after.is_empty() => None,
                None => return None,
            };
            (inside, port)
        } else if e.matches(':').count() == 1 && !e.contains('/') {
            let (h, p) = e.split_once(':')?;
            (h, Some(digits(p)?))
        } else {
            (e, None)
        };
        let pattern = if let Some((addr, bits)) = body.split_once('/') {
            let addr = addr.parse::<IpAddr>().ok()?;
            let bits: u8 = digits(bits)?;
            if bits > width(addr) {
                return None;
            }
            Pattern::Net(addr, bits)
        } else if let Ok(addr) = body.parse::<IpAddr>() {
            Pattern::Net(addr, width(addr))
        } else {
            let name = body.trim_start_matches('.').trim_end_matches('.');
            if name.is_empty() {
                return None;
            }
            Pattern::Name(name.to_ascii_lowercase())
        };
        Some(Entry { pattern, port })
    }
}

fn width(a: IpAddr) -> u8 {
    if a.is_ipv4() { 32 } else { 128 }
}

/// Whether the first `bits` bits of `ip` and `net` agree (an IPv4-mapped IPv6 address is
/// matched against IPv4 ranges as its IPv4 address).
fn in_net(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    let ip = match (ip, net) {
        (IpAddr::V6(v6), IpAddr::V4(_)) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        _ => ip,
    };
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(bits)).unwrap_or(0);
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(bits)).unwrap_or(0);
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::ProxyKind;
    use std::collections::HashMap;

    fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |k| map.get(k).cloned()
    }

    fn origin(url: &str) -> Origin {
        crate::client::Url::parse(url).unwrap().origin
    }

    #[test]
    fn upper_case_http_proxy_is_ignored() {
        let c = ProxyConfig::from_vars(vars(&[("HTTP_PROXY", "http://evil:1")])).unwrap();
        assert_eq!(c, ProxyConfig::default());
        let c = ProxyConfig::from_vars(vars(&[("http_proxy", "good:3128")])).unwrap();
        let p = c.proxy_for(&origin("http://a/")).unwrap();
        assert_eq!(
            (p.kind(), p.host(), p.port()),
            (ProxyKind::Http, "good", 3128)
        );
        assert!(c.proxy_for(&origin("https://a/")).is_none());
    }

    #[test]
    fn lower_case_first_empty_is_unset() {
        let c = ProxyConfig::from_vars(vars(&[
            ("https_proxy", "lower:1"),
            ("HTTPS_PROXY", "upper:2"),
            ("all_proxy", " "),
            ("ALL_PROXY", "socks5h://all:3"),
        ]))
        .unwrap();
        assert_eq!(c.https.as_ref().unwrap().host(), "lower");
        assert_eq!(c.all.as_ref().unwrap().kind(), ProxyKind::Socks5h);
        let c = ProxyConfig::from_vars(vars(&[("HTTPS_PROXY", "upper:2")])).unwrap();
        assert_eq!(c.https.as_ref().unwrap().host(), "upper");
    }

    #[test]
    fn all_proxy_fills_in_and_no_proxy_wins() {
        let c = ProxyConfig::from_vars(vars(&[
            ("all_proxy", "socks5://s:1080"),
            ("https_proxy", "https://p:8443"),
            ("NO_PROXY", "example.com"),
        ]))
        .unwrap();
        assert_eq!(
            c.proxy_for(&origin("http://x/")).unwrap().kind(),
            ProxyKind::Socks5
        );
        assert_eq!(
            c.proxy_for(&origin("https://x/")).unwrap().kind(),
            ProxyKind::Https
        );
        assert!(c.proxy_for(&origin("https://www.example.com/")).is_none());
        assert!(c.proxy_for(&origin("http://example.com/")).is_none());
    }

    #[test]
    fn a_bad_proxy_names_its_variable() {
        match ProxyConfig::from_vars(vars(&[("ALL_PROXY", "socks4://u:pw@h:1")])) {
            Err(Error::InvalidUrl(m)) => {
                assert!(m.starts_with("ALL_PROXY: "), "{m}");
                assert!(!m.contains("pw"), "{m}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn no_proxy_names() {
        let n = NoProxy::parse("Example.COM, .Corp.Local.,,  ");
        assert_eq!(n.entries.len(), 2);
        for yes in [
            "example.com",
            "EXAMPLE.com.",
            "a.b.example.com",
            "corp.local",
            "x.corp.local",
        ] {
            assert!(n.matches(yes, 1), "{yes}");
        }
        for no in [
            "badexample.com",
            "example.co",
            "com",
            "local",
            "xcorp.local",
            "127.0.0.1",
        ] {
            assert!(!n.matches(no, 1), "{no}");
        }
        assert!(NoProxy::parse("").is_empty());
        assert!(!NoProxy::parse("").matches("a", 1));
    }

    #[test]
    fn no_proxy_addresses_and_ranges() {
        let n =
            NoProxy::parse("192.168.0.0/16,127.0.0.1,::1,fd00::/8,[2001:db8::1]:8443,0.0.0.0/0x");
        assert!(n.matches("192.168.44.1", 80));
        assert!(!n.matches("192.169.0.1", 80));
        assert!(n.matches("127.0.0.1", 80));
        assert!(!n.matches("127.0.0.2", 80));
        assert!(n.matches("::1", 80) && n.matches("[::1]", 80));
        assert!(n.matches("fdab::1", 80) && !n.matches("fe80::1", 80));
        assert!(n.matches("2001:db8::1", 8443) && !n.matches("2001:db8::1", 443));
        // A mapped IPv4 address is its IPv4 address.
        assert!(n.matches("::ffff:192.168.1.1", 80));
        // An address is never matched as a name, nor a name as an address.
        assert!(!NoProxy::parse("0.1").matches("10.0.0.1", 80));
        assert!(!NoProxy::parse("1.1/8").matches("1.1.1.1", 80));
        assert!(NoProxy::parse("0.0.0.0/0").matches("8.8.8.8", 80));
        assert!(!NoProxy::parse("0.0.0.0/0").matches("dns.google", 80));
        assert!(!NoProxy::parse("10.0.0.0/33").matches("10.0.0.1", 80));
    }

    #[test]
    fn no_proxy_ports_and_star() {
        let n = NoProxy::parse("intranet:8080, *.x");
        assert!(n.matches("intranet", 8080) && !n.matches("intranet", 80));
        assert!(n.matches("a.intranet", 8080));
        // `*` only counts alone.
        assert!(!n.matches("y", 1));
        assert!(NoProxy::parse("a, *").matches("[::1]", 9));
        assert!(!NoProxy::parse("intranet:http").matches("intranet", 80));
        // Ports and prefix lengths are digits only.
        assert!(!NoProxy::parse("intranet:+80").matches("intranet", 80));
        assert!(!NoProxy::parse("[::1]:+80").matches("::1", 80));
        assert!(!NoProxy::parse("10.0.0.0/+8").matches("10.0.0.1", 80));
        assert!(NoProxy::parse("10.0.0.0/8").matches("10.0.0.1", 80));
    }
}
