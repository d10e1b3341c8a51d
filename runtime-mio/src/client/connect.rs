//! Opening a connection, on the caller's thread: name resolution (the system resolver
//! through [`ToSocketAddrs`], or the client's [`ResolveOverride`]s first), Happy Eyeballs
//! over the resolved addresses, and the proxy handshake when the route has a proxy.
//!
//! # Name resolution
//! The system resolver blocks, for as long as its own configuration says (glibc: seconds per
//! server and attempt). So a lookup runs on a thread of its own and the caller waits for it
//! until the connect deadline or a cancel ([`Request::cancel_handle`]), whichever comes
//! first; a lookup the caller gave up on finishes alone and its answer is dropped. At most
//! [`MAX_LOOKUPS`] lookups run at once in the process: past that a lookup fails at once
//! ([`Error::Dns`]) rather than pile up threads behind a resolver that does not answer. IP
//! literals and overrides need no lookup.
//!
//! [`Request::cancel_handle`]: super::Request::cancel_handle
//!
//! # Happy Eyeballs (RFC 8305)
//! The addresses are interleaved by family, starting with the family of the first one the
//! resolver returned (RFC 8305 4). The first attempt starts at once; each next one starts
//! when the previous failed or after [`ATTEMPT_DELAY`] (250 ms, RFC 8305 5) without an
//! answer, while the earlier attempts go on. The first connection that completes wins; the
//! others are closed. The connect timeout bounds the whole race. The same staggering applies
//! when all addresses have one family: a blackholed first address costs 250 ms, not the
//! whole connect timeout.

use std::fmt;
use std::net::{IpAddr, Shutdown, SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

use mio::{Events, Interest, Poll, Token, Waker};

use super::cancel::Cancel;
use super::error::{Error, TimeoutKind};
use super::proxy::{self, Proxy, ProxyFailure, ProxyKind, Target};
use super::url::Origin;
use super::{ClientConfig, ClientTimeouts, ProxyChoice};

/// How long an attempt runs alone before the next address's attempt starts (RFC 8305 5's
/// recommended Connection Attempt Delay).
pub const ATTEMPT_DELAY: Duration = Duration::from_millis(250);

/// A fixed answer for one `host:port`, like curl's `--resolve host:port:addr[,addr]`:
/// connections to that host and port go to these addresses (in this order, Happy Eyeballs
/// between them) without asking the resolver. The URL's host still names the server: it is
/// the `Host` header, the TLS server name (SNI) and the name the certificate is checked
/// against. Overrides apply to proxy hosts too.
///
/// ```
/// use runtime_mio::client::ResolveOverride;
/// let r = ResolveOverride::parse("example.com:443:127.0.0.1,[::1]").unwrap();
/// assert_eq!(r.host, "example.com");
/// assert_eq!(r.port, 443);
/// assert_eq!(r.addrs, vec!["127.0.0.1".parse::<std::net::IpAddr>().unwrap(), "::1".parse().unwrap()]);
/// assert!(ResolveOverride::parse("example.com:443:").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolveOverride {
    /// The host name as URLs give it (compared without regard to ASCII case).
    pub host: String,
    /// The port.
    pub port: u16,
    /// The addresses, tried in this order.
    pub addrs: Vec<IpAddr>,
}

impl ResolveOverride {
    /// Parses curl's `--resolve` argument: `host:port:addr[,addr]...`, IPv6 addresses with
    /// or without brackets.
    ///
    /// # Errors
    /// [`Error::InvalidUrl`] for anything else (curl's `+` and `-` prefixes and `*` host
    /// are not supported).
    pub fn parse(spec: &str) -> Result<ResolveOverride, Error> {
        let bad = || Error::InvalidUrl(format!("resolve override {spec:?}"));
        let mut parts = spec.splitn(3, ':');
        let (Some(host), Some(port), Some(addrs)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(bad());
        };
        if host.is_empty() || host == "*" || host.starts_with(['+', '-']) {
            return Err(bad());
        }
        let port = port.parse().map_err(|_| bad())?;
        let addrs = addrs
            .split(',')
            .map(|a| {
                let a = a.trim();
                let a = a
                    .strip_prefix('[')
                    .and_then(|a| a.strip_suffix(']'))
                    .unwrap_or(a);
                a.parse::<IpAddr>().map_err(|_| bad())
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ResolveOverride {
            host: host.to_ascii_lowercase(),
            port,
            addrs,
        })
    }
}

/// Where a pooled connection goes and how: the origin, the proxy it goes through and the
/// TLS server name it was opened for. Connections are shared only within one route.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Route {
    pub(crate) origin: Origin,
    pub(crate) proxy: Option<Proxy>,
    /// The TLS server name (SNI, and the name verified) when it is not the origin's host.
    pub(crate) server_name: Option<String>,
    /// HTTP/1.1 only: ALPN offers just `http/1.1` and h2c prior knowledge is off (a
    /// WebSocket to a server whose HTTP/2 does not allow extended CONNECT, as browsers do).
    pub(crate) http1_only: bool,
}

impl Route {
    /// The route to `origin` through the request's `proxy` choice; the client's choice is
    /// [`ClientConfig::proxy`] or [`ClientConfig::proxies`], unless their `no_proxy` names
    /// the origin.
    pub(crate) fn new(origin: Origin, proxy: &ProxyChoice, config: &ClientConfig) -> Self {
        let proxy = match proxy {
            ProxyChoice::Client => {
                if config.proxies.no_proxy.matches(&origin.host, origin.port) {
                    None
                } else {
                    config
                        .proxy
                        .as_ref()
                        .or_else(|| config.proxies.proxy_for(&origin))
                        .cloned()
                }
            }
            ProxyChoice::Direct => None,
            ProxyChoice::Via(p) => Some(p.clone()),
        };
        Route {
            origin,
            proxy,
            server_name: None,
            http1_only: false,
        }
    }

    /// The name TLS sends and verifies.
    pub(crate) fn tls_name(&self) -> &str {
        self.server_name.as_deref().unwrap_or(&self.origin.host)
    }
}

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.origin.fmt(f)?;
        if let Some(p) = &self.proxy {
            write!(f, " via {p}")?;
        }
        Ok(())
    }
}

/// Lookups of the system resolver that may run at once in the process (see the module doc).
pub const MAX_LOOKUPS: usize = 256;

/// Lookup threads running now.
static LOOKUPS: AtomicUsize = AtomicUsize::new(0);

/// Why a wait for work on another thread ended without its result.
#[derive(Debug)]
enum Interrupted {
    Timeout,
    Cancelled,
    /// No thread: [`MAX_LOOKUPS`] run already, or the spawn failed.
    NoThread(std::io::Error),
}

/// Runs `work` on a thread of its own and waits for its result until `deadline` or a
/// cancel. A wait given up leaves the thread to finish alone; its result is dropped.
fn off_thread<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
    deadline: Option<Instant>,
    cancel: &Cancel,
) -> Result<T, Interrupted> {
    struct Slot<T> {
        value: Mutex<Option<T>>,
        ready: Condvar,
    }
    if cancel.is_cancelled() {
        return Err(Interrupted::Cancelled);
    }
    if LOOKUPS.fetch_add(1, Ordering::SeqCst) >= MAX_LOOKUPS {
        LOOKUPS.fetch_sub(1, Ordering::SeqCst);
        return Err(Interrupted::NoThread(std::io::Error::new(
            std::io::ErrorKind::WouldBlock,
            format!("{MAX_LOOKUPS} lookups already in progress"),
        )));
    }
    let slot = Arc::new(Slot {
        value: Mutex::new(None),
        ready: Condvar::new(),
    });
    let theirs = Arc::clone(&slot);
    let spawned = std::thread::Builder::new()
        .name("wire-lookup".into())
        .spawn(move || {
            let v = work();
            *theirs.value.lock().unwrap_or_else(PoisonError::into_inner) = Some(v);
            theirs.ready.notify_all();
            LOOKUPS.fetch_sub(1, Ordering::SeqCst);
        });
    if let Err(e) = spawned {
        LOOKUPS.fetch_sub(1, Ordering::SeqCst);
        return Err(Interrupted::NoThread(e));
    }
    let woken = Arc::clone(&slot);
    // The hook takes the slot's lock before it notifies: the waiter holds it from its check
    // of the cancel flag until it sleeps, so the notification cannot fall in between.
    let _hook = cancel
        .on_cancel(move || {
            let _held = woken.value.lock().unwrap_or_else(PoisonError::into_inner);
            woken.ready.notify_all();
        })
        .map_err(|_| Interrupted::Cancelled)?;
    let mut value = slot.value.lock().unwrap_or_else(PoisonError::into_inner);
    loop {
        if let Some(v) = value.take() {
            return Ok(v);
        }
        if cancel.is_cancelled() {
            return Err(Interrupted::Cancelled);
        }
        value = match deadline {
            None => slot
                .ready
                .wait(value)
                .unwrap_or_else(PoisonError::into_inner),
            Some(d) => {
                let left = d.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Err(Interrupted::Timeout);
                }
                slot.ready
                    .wait_timeout(value, left)
                    .unwrap_or_else(PoisonError::into_inner)
                    .0
            }
        };
    }
}

/// Why no address came back.
#[derive(Debug)]
enum ResolveError {
    /// The resolver's (or the override's) answer: an error or no address.
    Failed(std::io::Error),
    Interrupted(Interrupted),
}

/// Resolves `host`:`port`: an override when one matches, an IP literal as it is, else the
/// system resolver off this thread, until `deadline` or a cancel.
fn resolve(
    host: &str,
    port: u16,
    overrides: &[ResolveOverride],
    deadline: Option<Instant>,
    cancel: &Cancel,
) -> Result<Vec<SocketAddr>, ResolveError> {
    if let Some(o) = overrides
        .iter()
        .find(|o| o.port == port && o.host.eq_ignore_ascii_case(host))
    {
        let addrs: Vec<SocketAddr> = o.addrs.iter().map(|a| SocketAddr::new(*a, port)).collect();
        if addrs.is_empty() {
            return Err(ResolveError::Failed(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "an override with no address",
            )));
        }
        return Ok(addrs);
    }
    // `[v6]` hosts come without their brackets.
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    let name = host.to_owned();
    let answer = off_thread(
        move || {
            (name.as_str(), port)
                .to_socket_addrs()
                .map(Iterator::collect::<Vec<SocketAddr>>)
        },
        deadline,
        cancel,
    )
    .map_err(ResolveError::Interrupted)?;
    let addrs = answer.map_err(ResolveError::Failed)?;
    if addrs.is_empty() {
        return Err(ResolveError::Failed(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "no address",
        )));
    }
    Ok(addrs)
}

/// The addresses in the order Happy Eyeballs tries them: families alternating, starting with
/// the first address's family, each family in the resolver's order.
fn interleave(addrs: &[SocketAddr]) -> Vec<SocketAddr> {
    let Some(first) = addrs.first() else {
        return Vec::new();
    };
    let (mut a, mut b): (Vec<SocketAddr>, Vec<SocketAddr>) =
        addrs.iter().partition(|x| x.is_ipv4() == first.is_ipv4());
    a.reverse();
    b.reverse();
    let mut out = Vec::with_capacity(addrs.len());
    while !a.is_empty() || !b.is_empty() {
        out.extend(a.pop());
        out.extend(b.pop());
    }
    out
}

/// Why a race found no connection.
enum RaceError {
    Timeout,
    Cancelled,
    /// Every address failed; the last one's error.
    Failed(SocketAddr, std::io::Error),
}

/// The race's poll token for a cancel (attempts use their index).
const CANCEL: Token = Token(usize::MAX);

/// Connects to one of `addrs` (Happy Eyeballs, see the module doc) before `deadline`,
/// unless cancelled first.
fn race(
    addrs: &[SocketAddr],
    deadline: Option<Instant>,
    cancel: &Cancel,
) -> Result<TcpStream, RaceError> {
    let order = interleave(addrs);
    let mut poll = Poll::new().map_err(|e| RaceError::Failed(order[0], e))?;
    let waker =
        Arc::new(Waker::new(poll.registry(), CANCEL).map_err(|e| RaceError::Failed(order[0], e))?);
    let _hook = cancel
        .on_cancel(move || {
            let _ = waker.wake();
        })
        .map_err(|_| RaceError::Cancelled)?;
    let mut events = Events::with_capacity(8);
    let mut attempts: Vec<Option<mio::net::TcpStream>> = Vec::with_capacity(order.len());
    let mut active = 0usize;
    let mut last: Option<(SocketAddr, std::io::Error)> = None;
    let mut next_start = Instant::now();
    loop {
        if cancel.is_cancelled() {
            return Err(RaceError::Cancelled);
        }
        let now = Instant::now();
        if deadline.is_some_and(|d| now >= d) {
            return Err(RaceError::Timeout);
        }
        let next = attempts.len();
        if next < order.len() && (active == 0 || now >= next_start) {
            let addr = order[next];
            let started = mio::net::TcpStream::connect(addr).and_then(|mut s| {
                poll.registry()
                    .register(&mut s, Token(next), Interest::WRITABLE)
                    .map(|()| s)
            });
            match started {
                Ok(s) => {
                    attempts.push(Some(s));
                    active += 1;
                    next_start = now + ATTEMPT_DELAY;
                }
                Err(e) => {
                    attempts.push(None);
                    last = Some((addr, e));
                }
            }
            continue;
        }
        if active == 0 {
            let (addr, e) = last.expect("every address was tried and failed");
            return Err(RaceError::Failed(addr, e));
        }
        let mut wake = deadline;
        if next < order.len() {
            wake = Some(wake.map_or(next_start, |d| d.min(next_start)));
        }
        if let Err(e) = poll.poll(&mut events, wake.map(|w| w.saturating_duration_since(now))) {
            if e.kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            return Err(RaceError::Failed(order[0], e));
        }
        for ev in &events {
            if ev.token() == CANCEL {
                continue;
            }
            let i = ev.token().0;
            let Some(s) = attempts.get(i).and_then(Option::as_ref) else {
                continue;
            };
            let failed = match s.take_error() {
                Ok(Some(e)) | Err(e) => Some(e),
                Ok(None) => match s.peer_addr() {
                    Ok(_) => None,
                    // Not connected yet (a spurious wake-up): wait on.
                    Err(e) if e.kind() == std::io::ErrorKind::NotConnected => continue,
                    Err(e) => Some(e),
                },
            };
            let s = attempts[i].take().expect("checked above");
            match failed {
                None => {
                    // The winner; the other attempts close as `attempts` drops.
                    let mut s = s;
                    let _ = poll.registry().deregister(&mut s);
                    return Ok(TcpStream::from(s));
                }
                Some(e) => {
                    active -= 1;
                    last = Some((order[i], e));
                    // RFC 8305 5: a failed attempt starts the next one at once.
                    next_start = Instant::now();
                }
            }
        }
    }
}

/// The deadline for opening a connection (connect timeout, or what is left of the total)
/// and which timeout it is.
fn deadline(started: Instant, timeouts: &ClientTimeouts) -> Option<(Instant, TimeoutKind)> {
    let connect = timeouts.connect.deadline(Instant::now());
    let total = timeouts.total.deadline(started);
    match (connect, total) {
        (Some(c), Some(t)) if t < c => Some((t, TimeoutKind::Total)),
        (None, Some(t)) => Some((t, TimeoutKind::Total)),
        (Some(c), _) => Some((c, TimeoutKind::Connect)),
        (None, None) => None,
    }
}

/// Opens a connection for `route`: to the origin, or through its proxy to the origin. The
/// connect timeout covers resolution, the race and the proxy handshake (TLS with an
/// `https://` proxy included, made from `proxy_tls`: that session comes back beside the
/// socket, the tunnel inside it); a cancel ends any of them at once ([`Error::Cancelled`]).
pub(crate) fn open(
    route: &Route,
    overrides: &[ResolveOverride],
    started: Instant,
    timeouts: &ClientTimeouts,
    cancel: &Cancel,
    proxy_tls: Option<&tls::ClientConfig>,
) -> Result<(TcpStream, Option<tls::ClientSession>), Error> {
    cancel.check()?;
    let deadline = deadline(started, timeouts);
    let when = deadline.map(|(d, _)| d);
    let timeout = || Error::Timeout(deadline.map_or(TimeoutKind::Connect, |(_, k)| k));
    let origin = &route.origin;
    // A failed lookup: `named` says whose (the origin's, or the proxy's).
    let lookup_failed = |e: ResolveError, named: &dyn Fn(std::io::Error) -> Error| match e {
        ResolveError::Failed(e) | ResolveError::Interrupted(Interrupted::NoThread(e)) => named(e),
        ResolveError::Interrupted(Interrupted::Timeout) => timeout(),
        ResolveError::Interrupted(Interrupted::Cancelled) => Error::Cancelled,
    };
    let dns = |e: std::io::Error| Error::Dns {
        host: origin.host.clone(),
        source: Arc::new(e),
    };
    let Some(proxy) = &route.proxy else {
        let addrs = resolve(&origin.host, origin.port, overrides, when, cancel)
            .map_err(|e| lookup_failed(e, &dns))?;
        return race(&addrs, when, cancel)
            .map(|s| (s, None))
            .map_err(|e| match e {
                RaceError::Timeout => timeout(),
                RaceError::Cancelled => Error::Cancelled,
                RaceError::Failed(addr, e) => Error::Connect {
                    addr,
                    source: Arc::new(e),
                },
            });
    };
    let failed = |failure| Error::Proxy {
        proxy: proxy.to_string(),
        failure,
    };
    let proxy_addrs = resolve(proxy.host(), proxy.port(), overrides, when, cancel)
        .map_err(|e| lookup_failed(e, &|e| failed(ProxyFailure::Resolve(Arc::new(e)))))?;
    let to_proxy = || {
        race(&proxy_addrs, when, cancel).map_err(|e| match e {
            RaceError::Timeout => timeout(),
            RaceError::Cancelled => Error::Cancelled,
            RaceError::Failed(addr, e) => failed(ProxyFailure::Connect {
                addr,
                source: Arc::new(e),
            }),
        })
    };
    let literal = origin.host.parse::<IpAddr>().ok();
    let targets: Vec<Target<'_>> = match (proxy.kind(), literal) {
        (_, Some(ip)) => vec![Target::Addr(ip)],
        (ProxyKind::Http | ProxyKind::Https | ProxyKind::Socks5h, None) => {
            vec![Target::Name(&origin.host)]
        }
        (ProxyKind::Socks5, None) => {
            let addrs = resolve(&origin.host, origin.port, overrides, when, cancel)
                .map_err(|e| lookup_failed(e, &dns))?;
            interleave(&addrs)
                .into_iter()
                .map(|a| Target::Addr(a.ip()))
                .collect()
        }
    };
    let mut result = Err(timeout());
    for (i, target) in targets.iter().enumerate() {
        let mut stream = to_proxy()?;
        // A cancel shuts the socket under the handshake's blocking reads and writes.
        let shut = stream
            .try_clone()
            .map_err(|e| failed(ProxyFailure::Io(Arc::new(e))))?;
        let hook = cancel.on_cancel(move || {
            let _ = shut.shutdown(Shutdown::Both);
        })?;
        let handshake = proxy::handshake(
            &mut stream,
            proxy,
            proxy_tls,
            *target,
            origin.port,
            deadline,
        );
        drop(hook);
        match handshake {
            Ok(_) if cancel.is_cancelled() => return Err(Error::Cancelled),
            Ok(outer) => return Ok((stream, outer)),
            Err(_) if cancel.is_cancelled() => return Err(Error::Cancelled),
            Err(proxy::Fail::Proxy(f)) if f.target_unreachable() && i + 1 < targets.len() => {
                // The proxy cannot reach this address of the target: the next one.
                result = Err(failed(f));
            }
            Err(e) => return Err(proxy::error(proxy, e)),
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bounded wait behind every lookup: a slow resolver is given up at the deadline or
    /// on a cancel, at once; a quick one answers.
    #[test]
    fn a_lookup_wait_ends_at_the_deadline_or_on_cancel() {
        let slow = || {
            std::thread::sleep(Duration::from_secs(3));
            7
        };
        let cancel = Cancel::new();
        let t = Instant::now();
        let got = off_thread(slow, Some(t + Duration::from_millis(100)), &cancel);
        assert!(matches!(got, Err(Interrupted::Timeout)), "{got:?}");
        assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());

        let theirs = Arc::clone(&cancel);
        let canceller = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(100));
            theirs.cancel();
        });
        let t = Instant::now();
        let got = off_thread(slow, None, &cancel);
        canceller.join().unwrap();
        assert!(matches!(got, Err(Interrupted::Cancelled)), "{got:?}");
        assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
        // Cancelled already: no thread starts.
        assert!(matches!(
            off_thread(|| 1, None, &cancel),
            Err(Interrupted::Cancelled)
        ));

        let got = off_thread(
            || 7,
            Some(Instant::now() + Duration::from_secs(5)),
            &Cancel::new(),
        );
        assert_eq!(got.unwrap(), 7);
    }

    #[test]
    fn literals_and_overrides_need_no_lookup() {
        let cancel = Cancel::new();
        cancel.cancel();
        // A cancelled request would fail any lookup: these resolve without one.
        let got = resolve("::1", 80, &[], None, &cancel).unwrap();
        assert_eq!(got, vec!["[::1]:80".parse().unwrap()]);
        let o = ResolveOverride::parse("example.com:443:127.0.0.2").unwrap();
        let got = resolve("EXAMPLE.com", 443, &[o], None, &cancel).unwrap();
        assert_eq!(got, vec!["127.0.0.2:443".parse().unwrap()]);
        assert!(matches!(
            resolve("localhost", 80, &[], None, &cancel),
            Err(ResolveError::Interrupted(Interrupted::Cancelled))
        ));
    }

    #[test]
    fn interleaves_families_starting_with_the_first() {
        let a = |s: &str| s.parse::<SocketAddr>().unwrap();
        let got = interleave(&[a("[::1]:1"), a("[::2]:1"), a("[::3]:1"), a("10.0.0.1:1")]);
        assert_eq!(
            got,
            vec![a("[::1]:1"), a("10.0.0.1:1"), a("[::2]:1"), a("[::3]:1")]
        );
    }

    #[test]
    fn parses_resolve_overrides() {
        let r = ResolveOverride::parse("Example.COM:80:[2001:db8::1], 10.0.0.1").unwrap();
        assert_eq!(r.host, "example.com");
        assert_eq!(r.addrs.len(), 2);
        for bad in [
            "h:80",
            "h:x:1.2.3.4",
            "h:80:1.2.3",
            ":80:1.2.3.4",
            "*:80:1.2.3.4",
        ] {
            assert!(ResolveOverride::parse(bad).is_err(), "{bad}");
        }
    }
}
