//! A cookie store (RFC 6265 5.2-5.4, with RFC 6265bis's rule that a `Secure` cookie is only
//! set over `https`): `Set-Cookie` parsed and stored per domain and path, host-only cookies,
//! `Expires`/`Max-Age`, a cookie replaced by the next one of the same name, domain and path,
//! `SameSite` parsed and kept; the matching cookies sent as one `Cookie` header.
//!
//! What a server can put in the store is bounded, as in browsers:
//! - a `Domain` that is a public suffix (`com`, `co.uk`, `github.io`: the public suffix list
//!   compiled in by the `psl` crate, its implicit `*` rule included) is refused, or ignored
//!   when it is the request's own host (RFC 6265 5.3 step 5), so no site sets cookies for
//!   every site under a suffix;
//! - the `__Secure-` and `__Host-` name prefixes are enforced (RFC 6265bis 4.1.3): `Secure`
//!   from an `https` URL, and for `__Host-` also no `Domain` and `Path=/`;
//! - a name and value longer than [`MAX_COOKIE_SIZE`] together is refused, an attribute value
//!   longer than [`MAX_ATTRIBUTE_SIZE`] ignored (RFC 6265bis 5.6);
//! - the store keeps at most [`MAX_COOKIES_PER_DOMAIN`] cookies per domain and
//!   [`MAX_COOKIES`] in all (Chromium's limits): past them, expired cookies go first, then
//!   the oldest.
//!
//!
//! `SameSite` (RFC 6265bis 5.2, 5.7 and 5.8.3) is enforced against the [`SiteContext`] of
//! each request: a request is same-site when the page it comes from
//! ([`Request::site_for_cookies`](super::Request::site_for_cookies); none: a URL the user
//! typed, same-site) and every URL of its redirect chain are on the request URL's site
//! (its scheme and registrable domain: "schemeful same-site"). Cross-site, `Strict` cookies
//! are withheld, and `Lax` ones go only with a top-level navigation by GET or HEAD; such
//! responses cannot set `Strict`/`Lax` cookies either when they answer a subresource
//! request. `SameSite=None` without `Secure` is refused, as the draft (5.7) and
//! Chromium, Firefox and Safari do. A cookie without `SameSite` (or with an unknown value)
//! goes everywhere, as the draft's "Default" enforcement and Firefox and Safari do;
//! Chromium treats it as `Lax` (sending it with cross-site POST navigations for its first
//! two minutes), which this store does not mimic.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::url::{Scheme, Url};

/// A cookie's `SameSite` attribute (RFC 6265bis 4.1.2.7): which cross-site requests it goes
/// with ([`SiteContext`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SameSite {
    /// `SameSite=Strict`.
    Strict,
    /// `SameSite=Lax`.
    Lax,
    /// `SameSite=None`.
    None,
}

/// How a request relates to the site it is made from (RFC 6265bis 5.2), which decides the
/// `SameSite` cookies that go with it and that its response may set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SiteContext {
    /// Same-site: every matching cookie goes.
    SameSite,
    /// Cross-site, a top-level navigation with a safe method (GET, HEAD): `Lax`, `None` and
    /// cookies without `SameSite` go; `Strict` ones are withheld.
    CrossSiteNavigation,
    /// Cross-site otherwise (a subresource, an unsafe method): only `None` cookies and
    /// cookies without `SameSite` go.
    CrossSite,
}

impl SiteContext {
    /// The context of a request to `url` made by `method`, from the page at `initiator`
    /// (`None`: the user typed the URL), as a top-level navigation or not, after the
    /// redirects through `chain` (the URLs requested before `url`, oldest first). Same-site
    /// when the initiator and every URL of the chain share `url`'s site (RFC 6265bis 5.2:
    /// a redirect through another site makes the rest of the chain cross-site).
    #[must_use]
    pub fn of<'a>(
        url: &Url,
        method: &str,
        initiator: Option<&Url>,
        top_level: bool,
        chain: impl IntoIterator<Item = &'a Url>,
    ) -> SiteContext {
        let mut chain = chain.into_iter().peekable();
        if initiator.is_none() && chain.peek().is_none() {
            // Typed by the user, no redirect: no public suffix lookup.
            return SiteContext::SameSite;
        }
        let site = Site::of(url);
        let same =
            initiator.is_none_or(|i| Site::of(i) == site) && chain.all(|u| Site::of(u) == site);
        if same {
            SiteContext::SameSite
        } else if top_level && matches!(method, "GET" | "HEAD") {
            SiteContext::CrossSiteNavigation
        } else {
            SiteContext::CrossSite
        }
    }

    /// Whether a cookie with `same_site` goes with a request in this context (RFC 6265bis
    /// 5.8.3 step 2).
    fn sends(self, same_site: Option<SameSite>) -> bool {
        match (self, same_site) {
            (SiteContext::SameSite, _) | (_, None | Some(SameSite::None)) => true,
            (SiteContext::CrossSiteNavigation, Some(SameSite::Lax)) => true,
            (_, Some(SameSite::Strict | SameSite::Lax)) => false,
        }
    }

    /// Whether a response in this context may set a cookie with `same_site` (RFC 6265bis
    /// 5.7: not a `Strict` or `Lax` one from a cross-site request that is not a top-level
    /// navigation).
    fn accepts(self, same_site: Option<SameSite>) -> bool {
        !matches!(
            (self, same_site),
            (
                SiteContext::CrossSite,
                Some(SameSite::Strict | SameSite::Lax)
            )
        )
    }
}

/// A URL's site for `SameSite` (RFC 6265bis 5.2, "schemeful same-site"): its scheme and its
/// registrable domain by the public suffix list (the host itself for an IP address, a host
/// that is a public suffix or one the list knows nothing under).
#[derive(Debug, PartialEq, Eq)]
struct Site<'a> {
    scheme: Scheme,
    domain: &'a str,
}

impl<'a> Site<'a> {
    fn of(url: &'a Url) -> Site<'a> {
        let host = url.origin.host.as_str();
        let domain = if is_ip(host) {
            host
        } else {
            psl::domain(host.as_bytes())
                .and_then(|d| std::str::from_utf8(d.as_bytes()).ok())
                .map_or(host, |d| &host[host.len() - d.len()..])
        };
        Site {
            scheme: url.origin.scheme,
            domain,
        }
    }
}

/// A stored cookie.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cookie {
    /// The name.
    pub name: String,
    /// The value (as received, quotes included).
    pub value: String,
    /// The domain (lowercase, no leading dot): the host that set it, or its `Domain`.
    pub domain: String,
    /// Sent only to `domain` itself, not its subdomains (no `Domain` attribute).
    pub host_only: bool,
    /// The path it applies to (and below).
    pub path: String,
    /// Sent only over `https`.
    pub secure: bool,
    /// `HttpOnly` (kept; this client has no scripts to hide it from).
    pub http_only: bool,
    /// `SameSite`, when given.
    pub same_site: Option<SameSite>,
    /// When it expires; `None` for a session cookie (kept until the store goes).
    pub expires: Option<SystemTime>,
}

impl Cookie {
    /// A host-only session cookie for `host` at path `/`, for seeding a store.
    #[must_use]
    pub fn new(name: &str, value: &str, host: &str) -> Cookie {
        Cookie {
            name: name.to_owned(),
            value: value.to_owned(),
            domain: host.trim_start_matches('.').to_ascii_lowercase(),
            host_only: true,
            path: "/".to_owned(),
            secure: false,
            http_only: false,
            same_site: None,
            expires: None,
        }
    }

    fn expired(&self, now: SystemTime) -> bool {
        self.expires.is_some_and(|t| t <= now)
    }

    /// Whether the cookie goes with a request to `url` (RFC 6265 5.4: domain, path,
    /// `Secure`, expiry).
    #[must_use]
    pub fn matches(&self, url: &Url) -> bool {
        let host = url.origin.host.as_str();
        let domain_ok = if self.host_only {
            host == self.domain
        } else {
            domain_match(host, &self.domain)
        };
        let path = url.target.split('?').next().unwrap_or("/");
        domain_ok
            && path_match(path, &self.path)
            && (!self.secure || url.origin.scheme == Scheme::Https)
            && !self.expired(SystemTime::now())
    }
}

/// The longest name and value a stored cookie may have together, in bytes (RFC 6265bis 5.6).
pub const MAX_COOKIE_SIZE: usize = 4096;

/// The longest attribute value taken, in bytes; a longer one is ignored (RFC 6265bis 5.6).
pub const MAX_ATTRIBUTE_SIZE: usize = 1024;

/// The most cookies the store keeps for one domain (Chromium's limit).
pub const MAX_COOKIES_PER_DOMAIN: usize = 180;

/// The most cookies the store keeps in all (Chromium's limit).
pub const MAX_COOKIES: usize = 3000;

#[derive(Debug, Default)]
struct Store {
    /// In creation order (the order cookies of equal path length are sent in).
    cookies: Vec<Cookie>,
}

impl Store {
    /// Brings the store back within its limits after a cookie for `domain` was added.
    fn bound(&mut self, domain: &str, now: SystemTime) {
        let in_domain = self.cookies.iter().filter(|c| c.domain == domain).count();
        if in_domain > MAX_COOKIES_PER_DOMAIN || self.cookies.len() > MAX_COOKIES {
            self.cookies.retain(|c| !c.expired(now));
        }
        let mut in_domain = self.cookies.iter().filter(|c| c.domain == domain).count();
        while in_domain > MAX_COOKIES_PER_DOMAIN {
            // The oldest of the domain (creation order).
            let oldest = self
                .cookies
                .iter()
                .position(|c| c.domain == domain)
                .expect("counted above");
            self.cookies.remove(oldest);
            in_domain -= 1;
        }
        if self.cookies.len() > MAX_COOKIES {
            let excess = self.cookies.len() - MAX_COOKIES;
            self.cookies.drain(..excess);
        }
    }
}

/// A cookie store: `Set-Cookie` fields of responses go in, a `Cookie` field for each
/// request comes out. Cloning gives another handle on the same store (a [`Client`]'s
/// clones share theirs: [`Client::cookie_jar`]).
///
/// ```
/// use runtime_mio::client::{CookieJar, Url};
/// let jar = CookieJar::new();
/// let url = Url::parse("https://example.com/app/page").unwrap();
/// assert!(jar.set_cookie(&url, "sid=1; Path=/app; Secure; HttpOnly"));
/// assert!(jar.set_cookie(&url, "lang=en; Domain=example.com"));
/// let sub = Url::parse("https://www.example.com/app/x").unwrap();
/// assert_eq!(jar.header_for(&sub).as_deref(), Some("lang=en"));
/// assert_eq!(jar.header_for(&url).as_deref(), Some("sid=1; lang=en"));
/// let http = Url::parse("http://example.com/app/").unwrap();
/// assert_eq!(jar.header_for(&http).as_deref(), Some("lang=en"));
/// ```
///
/// [`Client`]: super::Client
/// [`Client::cookie_jar`]: super::Client::cookie_jar
#[derive(Debug, Clone, Default)]
pub struct CookieJar {
    store: Arc<Mutex<Store>>,
}

impl CookieJar {
    /// An empty store.
    #[must_use]
    pub fn new() -> CookieJar {
        CookieJar::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Stores the cookie of a `Set-Cookie` field received from `url` (RFC 6265 5.2-5.3);
    /// returns whether it was taken (a cookie that expires at once deletes its namesake and
    /// returns true). Refused: no `=`, an empty name, a name and value over
    /// [`MAX_COOKIE_SIZE`], a `Domain` that does not cover the host (or names a bare
    /// top-level label, or any other host when the host is an IP address) or that is a
    /// public suffix other than the host itself, `Secure` from an `http` URL, a `__Secure-`
    /// or `__Host-` name without what its prefix requires.
    /// `SameSite=None` without `Secure` is refused too. The response is taken as same-site
    /// ([`CookieJar::set_cookie_in`] says otherwise).
    pub fn set_cookie(&self, url: &Url, set_cookie: &str) -> bool {
        self.set_cookie_in(url, set_cookie, SiteContext::SameSite)
    }

    /// As [`CookieJar::set_cookie`] for a response to a request in `context`: a
    /// [`SiteContext::CrossSite`] one cannot set a `Strict` or `Lax` cookie (RFC 6265bis
    /// 5.7).
    pub fn set_cookie_in(&self, url: &Url, set_cookie: &str, context: SiteContext) -> bool {
        let Some(c) = parse(url, set_cookie, SystemTime::now()) else {
            return false;
        };
        if !context.accepts(c.same_site) {
            return false;
        }
        self.insert(c);
        true
    }

    /// Puts `cookie` in the store, replacing the one of the same name, domain and path (an
    /// expired cookie only removes its namesake). A new cookie beyond
    /// [`MAX_COOKIES_PER_DOMAIN`] for its domain, or [`MAX_COOKIES`] in all, pushes out the
    /// expired cookies, then the oldest (of its domain, or of all).
    pub fn insert(&self, cookie: Cookie) {
        let now = SystemTime::now();
        let mut s = self.lock();
        let same = s.cookies.iter().position(|c| {
            c.name == cookie.name && c.domain == cookie.domain && c.path == cookie.path
        });
        match (same, cookie.expired(now)) {
            (Some(i), true) => {
                s.cookies.remove(i);
            }
            // Keeps the old one's place (its creation time orders sending).
            (Some(i), false) => s.cookies[i] = cookie,
            (None, true) => {}
            (None, false) => {
                let domain = cookie.domain.clone();
                s.cookies.push(cookie);
                s.bound(&domain, now);
            }
        }
    }

    /// The cookies stored and not expired, in creation order.
    #[must_use]
    pub fn cookies(&self) -> Vec<Cookie> {
        let now = SystemTime::now();
        let mut s = self.lock();
        s.cookies.retain(|c| !c.expired(now));
        s.cookies.clone()
    }

    /// Removes every cookie.
    pub fn clear(&self) {
        self.lock().cookies.clear();
    }

    /// The `Cookie` field value for a same-site request to `url` (RFC 6265 5.4: longer
    /// paths first, then older cookies first), or `None` when no cookie matches.
    #[must_use]
    pub fn header_for(&self, url: &Url) -> Option<String> {
        self.header_in(url, SiteContext::SameSite)
    }

    /// As [`CookieJar::header_for`] for a request in `context`: cross-site, the cookies
    /// whose `SameSite` keeps them back are left out (RFC 6265bis 5.8.3).
    #[must_use]
    pub fn header_in(&self, url: &Url, context: SiteContext) -> Option<String> {
        let mut matching: Vec<Cookie> = self
            .lock()
            .cookies
            .iter()
            .filter(|c| c.matches(url) && context.sends(c.same_site))
            .cloned()
            .collect();
        if matching.is_empty() {
            return None;
        }
        // Stable: equal path lengths keep creation order.
        matching.sort_by_key(|c| std::cmp::Reverse(c.path.len()));
        let parts: Vec<String> = matching
            .iter()
            .map(|c| {
                if c.name.is_empty() {
                    c.value.clone()
                } else {
                    format!("{}={}", c.name, c.value)
                }
            })
            .collect();
        Some(parts.join("; "))
    }
}

/// Whether `domain` (lower case, no leading dot) is a public suffix: the public suffix list's
/// suffix of it is the whole of it (the list's implicit `*` rule makes any unlisted top-level
/// label one).
fn is_public_suffix(domain: &str) -> bool {
    psl::suffix(domain.as_bytes()).is_some_and(|s| s.as_bytes() == domain.as_bytes())
}

fn is_ip(host: &str) -> bool {
    host.contains(':') || host.parse::<std::net::Ipv4Addr>().is_ok()
}

/// RFC 6265 5.1.3.
fn domain_match(host: &str, domain: &str) -> bool {
    host == domain
        || (host.len() > domain.len()
            && host.ends_with(domain)
            && host.as_bytes()[host.len() - domain.len() - 1] == b'.'
            && !is_ip(host))
}

/// RFC 6265 5.1.4.
fn path_match(path: &str, cookie_path: &str) -> bool {
    path == cookie_path
        || (path.starts_with(cookie_path)
            && (cookie_path.ends_with('/') || path.as_bytes()[cookie_path.len()] == b'/'))
}

/// RFC 6265 5.1.4: the default path, the request path's "directory".
fn default_path(url: &Url) -> String {
    let path = url.target.split('?').next().unwrap_or("/");
    if !path.starts_with('/') {
        return "/".to_owned();
    }
    match path.rfind('/') {
        Some(0) | None => "/".to_owned(),
        Some(i) => path[..i].to_owned(),
    }
}

/// RFC 6265 5.2 and 5.3 (with 6265bis's `Secure` rule).
fn parse(url: &Url, line: &str, now: SystemTime) -> Option<Cookie> {
    let mut parts = line.split(';');
    let pair = parts.next()?;
    let (name, value) = pair.split_once('=')?;
    let (name, value) = (name.trim(), value.trim());
    // RFC 6265bis 5.7 step 4: a control character (HTAB aside) in the name or the value
    // makes the cookie ignored; the value would otherwise go back out in `Cookie` fields.
    let control = |c: char| c.is_ascii_control() && c != '\t';
    if name.is_empty()
        || name.contains(control)
        || value.contains(control)
        || name.len() + value.len() > MAX_COOKIE_SIZE
    {
        return None;
    }
    let host = url.origin.host.as_str();
    let mut c = Cookie {
        name: name.to_owned(),
        value: value.to_owned(),
        domain: host.to_owned(),
        host_only: true,
        path: default_path(url),
        secure: false,
        http_only: false,
        same_site: None,
        expires: None,
    };
    let mut max_age: Option<SystemTime> = None;
    let mut expires: Option<SystemTime> = None;
    let mut domain: Option<String> = None;
    for attr in parts {
        let (k, v) = match attr.split_once('=') {
            Some((k, v)) => (k.trim(), v.trim()),
            None => (attr.trim(), ""),
        };
        if v.len() > MAX_ATTRIBUTE_SIZE {
            continue;
        }
        if k.eq_ignore_ascii_case("expires") {
            if let Some(t) = parse_date(v) {
                expires = Some(t);
            }
        } else if k.eq_ignore_ascii_case("max-age") {
            let digits = v.strip_prefix('-').unwrap_or(v);
            if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
                let secs: u64 = digits.parse().unwrap_or(u64::MAX);
                max_age = Some(if v.starts_with('-') || secs == 0 {
                    UNIX_EPOCH
                } else {
                    now.checked_add(Duration::from_secs(secs))
                        .unwrap_or(now + Duration::from_secs(100 * 365 * 86_400))
                });
            }
        } else if k.eq_ignore_ascii_case("domain") {
            let d = v.trim_start_matches('.').to_ascii_lowercase();
            if !d.is_empty() {
                domain = Some(d);
            }
        } else if k.eq_ignore_ascii_case("path") {
            if v.starts_with('/') {
                c.path = v.to_owned();
            }
        } else if k.eq_ignore_ascii_case("secure") {
            c.secure = true;
        } else if k.eq_ignore_ascii_case("httponly") {
            c.http_only = true;
        } else if k.eq_ignore_ascii_case("samesite") {
            c.same_site = if v.eq_ignore_ascii_case("strict") {
                Some(SameSite::Strict)
            } else if v.eq_ignore_ascii_case("lax") {
                Some(SameSite::Lax)
            } else if v.eq_ignore_ascii_case("none") {
                Some(SameSite::None)
            } else {
                None
            };
        }
    }
    c.expires = max_age.or(expires);
    let had_domain = domain.is_some();
    if let Some(d) = domain {
        if is_public_suffix(&d) {
            // RFC 6265 5.3 step 5: a public suffix is the request's own host (a host-only
            // cookie, as if `Domain` were absent) or the cookie is ignored.
            if d != host {
                return None;
            }
        } else {
            if !domain_match(host, &d) || (!d.contains('.') && d != host) {
                return None;
            }
            c.host_only = false;
            c.domain = d;
        }
    }
    let https = url.origin.scheme == Scheme::Https;
    if c.secure && !https {
        return None;
    }
    // RFC 6265bis 5.7: "If the cookie's same-site-flag is "None", abort these steps and
    // ignore the cookie entirely unless the cookie's secure-only-flag is true."
    if c.same_site == Some(SameSite::None) && !c.secure {
        return None;
    }
    // RFC 6265bis 4.1.3 (the prefixes are matched without regard to case, 5.7 step 20).
    let prefixed = |p: &str| {
        name.as_bytes()
            .get(..p.len())
            .is_some_and(|b| b.eq_ignore_ascii_case(p.as_bytes()))
    };
    if (prefixed("__Secure-") || prefixed("__Host-")) && !(c.secure && https) {
        return None;
    }
    if prefixed("__Host-") && (had_domain || c.path != "/") {
        return None;
    }
    Some(c)
}

/// RFC 6265 5.1.1: the cookie date (`Sun, 06 Nov 1994 08:49:37 GMT` and its variants).
fn parse_date(s: &str) -> Option<SystemTime> {
    let is_delim = |c: char| {
        c == '\t'
            || (' '..='/').contains(&c)
            || (';'..='@').contains(&c)
            || ('['..='`').contains(&c)
            || ('{'..='~').contains(&c)
    };
    let (mut time, mut day, mut month, mut year) = (None, None, None, None);
    for token in s.split(is_delim).filter(|t| !t.is_empty()) {
        if time.is_none() {
            let f: Vec<&str> = token.split(':').collect();
            if f.len() == 3
                && f.iter()
                    .all(|x| (1..=2).contains(&x.len()) && x.bytes().all(|b| b.is_ascii_digit()))
            {
                let n: Vec<u64> = f.iter().map(|x| x.parse().unwrap_or(99)).collect();
                time = Some((n[0], n[1], n[2]));
                continue;
            }
        }
        let digits = token.bytes().take_while(u8::is_ascii_digit).count();
        if day.is_none() && (1..=2).contains(&digits) {
            day = token[..digits].parse::<u64>().ok();
            continue;
        }
        if month.is_none() && token.len() >= 3 {
            // The first three bytes, not characters: a token need not be ASCII, and a
            // string cut inside a character panics.
            let m = &token.as_bytes()[..3];
            let names = [
                "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
            ];
            if let Some(i) = names
                .iter()
                .position(|n| n.as_bytes().eq_ignore_ascii_case(m))
            {
                month = Some(i as u64 + 1);
                continue;
            }
        }
        if year.is_none() && (2..=4).contains(&digits) {
            let mut y: u64 = token[..digits].parse().ok()?;
            if (70..=99).contains(&y) {
                y += 1900;
            } else if y <= 69 {
                y += 2000;
            }
            year = Some(y);
        }
    }
    let (h, mi, sec) = time?;
    let (d, m, y) = (day?, month?, year?);
    if !(1..=31).contains(&d) || y < 1601 || h > 23 || mi > 59 || sec > 59 {
        return None;
    }
    // Days since 1970-01-01 (Howard Hinnant's days_from_civil), in signed arithmetic.
    let (y, m, d) = (y as i64, m as i64, d as i64);
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + (h * 3600 + mi * 60 + sec) as i64;
    if secs < 0 {
        return Some(UNIX_EPOCH);
    }
    Some(UNIX_EPOCH + Duration::from_secs(secs as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        let t = |s| parse_date(s).map(|t| t.duration_since(UNIX_EPOCH).unwrap().as_secs());
        assert_eq!(t("Sun, 06 Nov 1994 08:49:37 GMT"), Some(784_111_777));
        assert_eq!(t("Sunday, 06-Nov-94 08:49:37 GMT"), Some(784_111_777));
        assert_eq!(t("Sun Nov  6 08:49:37 1994"), Some(784_111_777));
        assert_eq!(t("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
        assert_eq!(t("Wed, 09 Jun 2021 10:18:14 GMT"), Some(1_623_233_894));
        assert_eq!(t("garbage"), None);
    }

    /// A date token that is not ASCII (a `Set-Cookie` value may hold any UTF-8 after the
    /// header's obs-text): no panic where a month name is looked for in its first three
    /// bytes, which may end inside a character. `Expires=abé` made the request that received
    /// it panic.
    #[test]
    fn dates_with_tokens_that_are_not_ascii() {
        let t = |s: &str| parse_date(s).map(|t| t.duration_since(UNIX_EPOCH).unwrap().as_secs());
        for token in ["abé", "aé", "éa", "日本", "x日", "Nové", "nov日", "ñov"] {
            assert_eq!(t(token), None, "{token}");
            let date = format!("Sun, 06 {token} Nov 1994 08:49:37 GMT");
            assert_eq!(t(&date), Some(784_111_777), "{date}");
        }
        let url = Url::parse("http://example.com/").unwrap();
        let jar = CookieJar::new();
        assert!(jar.set_cookie(&url, "a=b; Expires=abé"));
        assert!(jar.set_cookie(&url, "c=d; Expires=Sun, 06 Nov 2094 08:49:37 GMT; x=日本"));
        assert_eq!(jar.cookies().len(), 2);
    }

    #[test]
    fn domains_and_paths() {
        assert!(domain_match("a.example.com", "example.com"));
        assert!(!domain_match("aexample.com", "example.com"));
        assert!(!domain_match("1.2.3.4", "2.3.4"));
        assert!(path_match("/a/b", "/a"));
        assert!(path_match("/a/", "/a/"));
        assert!(!path_match("/ab", "/a"));
        let u = Url::parse("http://h/a/b/c?x=/y").unwrap();
        assert_eq!(default_path(&u), "/a/b");
        assert_eq!(default_path(&Url::parse("http://h/x").unwrap()), "/");
    }

    #[test]
    fn set_rules() {
        let u = Url::parse("http://www.example.com/").unwrap();
        let now = SystemTime::now();
        assert!(parse(&u, "noequals", now).is_none());
        assert!(parse(&u, "=v", now).is_none());
        assert!(parse(&u, "a=b; Domain=other.com", now).is_none());
        assert!(parse(&u, "a=b; Domain=com", now).is_none());
        assert!(parse(&u, "a=b; Secure", now).is_none());
        // RFC 6265bis 5.7 step 4: controls (HTAB aside) in the name or value; an HTTP/2
        // field value may carry them.
        for bad in [
            "a=b\x01c",
            "a=\x7f",
            "a\x00=b",
            "a\x1f=b",
            "a=b\x0bc; Path=/",
        ] {
            assert!(parse(&u, bad, now).is_none(), "{bad:?}");
        }
        assert_eq!(parse(&u, "a=b\tc", now).unwrap().value, "b\tc");
        assert_eq!(parse(&u, "a\tz=b", now).unwrap().name, "a\tz");
        let c = parse(&u, "a=b; Domain=.Example.COM; SameSite=Lax", now).unwrap();
        assert_eq!(c.domain, "example.com");
        assert!(!c.host_only);
        assert_eq!(c.same_site, Some(SameSite::Lax));
        let c = parse(&u, "a=b; Domain=www.example.com", now).unwrap();
        assert!(!c.host_only, "an explicit Domain covers subdomains");
        let c = parse(&u, "a=b", now).unwrap();
        assert!(c.host_only);
        // Max-Age wins over Expires.
        let c = parse(
            &u,
            "a=b; Max-Age=60; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
            now,
        )
        .unwrap();
        assert!(c.expires.unwrap() > now);
    }

    /// RFC 6265 5.3 step 5 with the public suffix list: a suffix is refused as `Domain`
    /// unless it is the host itself (then the cookie is host-only); a registrable domain
    /// under a multi-label suffix is taken.
    #[test]
    fn public_suffixes() {
        let now = SystemTime::now();
        let u = Url::parse("https://a.example.co.uk/").unwrap();
        assert!(parse(&u, "x=1; Domain=co.uk", now).is_none());
        assert!(parse(&u, "x=1; Domain=uk", now).is_none());
        let c = parse(&u, "x=1; Domain=example.co.uk", now).unwrap();
        assert_eq!((c.domain.as_str(), c.host_only), ("example.co.uk", false));
        let pages = Url::parse("https://me.github.io/").unwrap();
        assert!(parse(&pages, "x=1; Domain=github.io", now).is_none());
        // The suffix is the host itself: taken, as if it had no `Domain`.
        let suffix_host = Url::parse("https://github.io/").unwrap();
        let c = parse(&suffix_host, "x=1; Domain=github.io", now).unwrap();
        assert_eq!((c.domain.as_str(), c.host_only), ("github.io", true));
        // An unlisted top-level label is a suffix by the list's `*` rule.
        let local = Url::parse("http://a.b.internal-tld/").unwrap();
        assert!(parse(&local, "x=1; Domain=internal-tld", now).is_none());
        assert!(parse(&local, "x=1; Domain=b.internal-tld", now).is_some());
        assert!(is_public_suffix("com") && is_public_suffix("co.uk"));
        assert!(!is_public_suffix("example.com") && !is_public_suffix("127.0.0.1"));
    }

    /// RFC 6265bis 4.1.3: `__Secure-` needs `Secure` over https; `__Host-` also no `Domain`
    /// and `Path=/`. The prefixes match without regard to case.
    #[test]
    fn name_prefixes() {
        let now = SystemTime::now();
        let https = Url::parse("https://example.com/a/b").unwrap();
        let http = Url::parse("http://example.com/").unwrap();
        assert!(parse(&https, "__Secure-a=1; Secure", now).is_some());
        assert!(parse(&https, "__Secure-a=1", now).is_none());
        assert!(parse(&https, "__secure-a=1", now).is_none());
        assert!(parse(&http, "__Secure-a=1; Secure", now).is_none());
        assert!(parse(&https, "__Host-a=1; Secure; Path=/", now).is_some());
        assert!(
            parse(&https, "__Host-a=1; Secure", now).is_none(),
            "default path /a"
        );
        assert!(
            parse(
                &https,
                "__Host-a=1; Secure; Path=/; Domain=example.com",
                now
            )
            .is_none()
        );
        assert!(parse(&https, "__HOST-a=1; Path=/", now).is_none());
        // Not a prefix; a name that is not ASCII at the prefix's length is fine.
        assert!(parse(&https, "__Hosted=1", now).is_some());
        assert!(parse(&https, "__Sécure-=1", now).is_some());
    }

    /// RFC 6265bis 5.6: name and value over 4096 bytes refused; an attribute value over
    /// 1024 bytes ignored.
    #[test]
    fn sizes() {
        let now = SystemTime::now();
        let u = Url::parse("https://example.com/").unwrap();
        let fits = format!("n={}", "v".repeat(MAX_COOKIE_SIZE - 1));
        assert!(parse(&u, &fits, now).is_some());
        let over = format!("n={}", "v".repeat(MAX_COOKIE_SIZE));
        assert!(parse(&u, &over, now).is_none());
        let long_path = format!("n=1; Path=/{}", "p".repeat(MAX_ATTRIBUTE_SIZE));
        assert_eq!(parse(&u, &long_path, now).unwrap().path, "/");
        let path = format!("n=1; Path=/{}", "p".repeat(MAX_ATTRIBUTE_SIZE - 1));
        assert_eq!(
            parse(&u, &path, now).unwrap().path.len(),
            MAX_ATTRIBUTE_SIZE
        );
    }

    /// A server cannot grow the store without bound: per domain and in all, the oldest
    /// cookies make room (expired ones first), and the newest are kept.
    #[test]
    fn store_limits() {
        let jar = CookieJar::new();
        let u = Url::parse("https://example.com/").unwrap();
        for i in 0..MAX_COOKIES_PER_DOMAIN + 20 {
            assert!(jar.set_cookie(&u, &format!("c{i}=1")));
        }
        let kept = jar.cookies();
        assert_eq!(kept.len(), MAX_COOKIES_PER_DOMAIN);
        assert_eq!(kept[0].name, "c20");
        assert_eq!(
            kept.last().unwrap().name,
            format!("c{}", MAX_COOKIES_PER_DOMAIN + 19)
        );
        // An expired cookie goes before the oldest live one.
        let jar = CookieJar::new();
        let mut old = Cookie::new("old", "1", "example.com");
        old.expires = Some(SystemTime::now() + Duration::from_millis(1));
        jar.insert(old);
        jar.insert(Cookie::new("first", "1", "example.com"));
        std::thread::sleep(Duration::from_millis(5));
        for i in 0..MAX_COOKIES_PER_DOMAIN - 1 {
            jar.insert(Cookie::new(&format!("c{i}"), "1", "example.com"));
        }
        let names: Vec<String> = jar.cookies().into_iter().map(|c| c.name).collect();
        assert_eq!(names.len(), MAX_COOKIES_PER_DOMAIN);
        assert_eq!(names[0], "first", "the expired cookie made room");
        // In all: spread over many domains, the store holds MAX_COOKIES, the newest.
        let jar = CookieJar::new();
        for i in 0..MAX_COOKIES + 10 {
            jar.insert(Cookie::new("c", "1", &format!("d{i}.example")));
        }
        let all = jar.cookies();
        assert_eq!(all.len(), MAX_COOKIES);
        assert_eq!(all[0].domain, "d10.example");
    }

    #[test]
    fn site_contexts() {
        let u = |s: &str| Url::parse(s).unwrap();
        let of = |url: &str, method: &str, page: Option<&str>, top: bool, chain: &[&str]| {
            let page = page.map(u);
            let chain: Vec<Url> = chain.iter().map(|c| u(c)).collect();
            SiteContext::of(&u(url), method, page.as_ref(), top, &chain)
        };
        let target = "https://www.example.co.uk/x";
        assert_eq!(of(target, "POST", None, true, &[]), SiteContext::SameSite);
        // Another subdomain and port of the registrable domain: same site.
        let page = Some("https://login.example.co.uk:8443/");
        assert_eq!(of(target, "POST", page, false, &[]), SiteContext::SameSite);
        // Schemeful: the same host over http is another site.
        let page = Some("http://www.example.co.uk/");
        assert_eq!(of(target, "GET", page, false, &[]), SiteContext::CrossSite);
        let page = Some("https://other.test/");
        assert_eq!(
            of(target, "GET", page, true, &[]),
            SiteContext::CrossSiteNavigation
        );
        assert_eq!(
            of(target, "HEAD", page, true, &[]),
            SiteContext::CrossSiteNavigation
        );
        assert_eq!(of(target, "POST", page, true, &[]), SiteContext::CrossSite);
        assert_eq!(of(target, "GET", page, false, &[]), SiteContext::CrossSite);
        // A public suffix's subdomains are sites of their own; addresses are their own site.
        let gh = "https://a.github.io/";
        assert_eq!(
            of(gh, "GET", Some("https://b.github.io/"), false, &[]),
            SiteContext::CrossSite
        );
        let ip = "http://127.0.0.1:1/";
        assert_eq!(
            of(ip, "GET", Some("http://127.0.0.1:2/"), false, &[]),
            SiteContext::SameSite
        );
        assert_eq!(
            of(ip, "GET", Some("http://127.0.0.2/"), false, &[]),
            SiteContext::CrossSite
        );
        // A redirect through another site makes the rest of the chain cross-site, typed
        // by the user or not.
        let chain = ["https://www.example.co.uk/a", "https://other.test/b"];
        assert_eq!(
            of(target, "GET", None, true, &chain),
            SiteContext::CrossSiteNavigation
        );
        assert_eq!(
            of(target, "GET", None, true, &chain[..1]),
            SiteContext::SameSite
        );
    }

    #[test]
    fn same_site_sent_and_set_by_context() {
        let url = Url::parse("https://example.com/").unwrap();
        let jar = CookieJar::new();
        for c in [
            "strict=1; SameSite=Strict",
            "lax=1; SameSite=Lax",
            "none=1; SameSite=None; Secure",
            "plain=1",
            "odd=1; SameSite=Sometimes",
        ] {
            assert!(jar.set_cookie(&url, c), "{c}");
        }
        // RFC 6265bis 5.7: `SameSite=None` needs `Secure`.
        assert!(!jar.set_cookie(&url, "insecure=1; SameSite=None"));
        let sent = |ctx| jar.header_in(&url, ctx);
        assert_eq!(
            sent(SiteContext::SameSite).as_deref(),
            Some("strict=1; lax=1; none=1; plain=1; odd=1")
        );
        assert_eq!(
            sent(SiteContext::CrossSiteNavigation).as_deref(),
            Some("lax=1; none=1; plain=1; odd=1")
        );
        assert_eq!(
            sent(SiteContext::CrossSite).as_deref(),
            Some("none=1; plain=1; odd=1")
        );
        // A cross-site subresource's response cannot set Strict or Lax cookies; a
        // cross-site top-level navigation's can.
        let other = CookieJar::new();
        assert!(!other.set_cookie_in(&url, "s=1; SameSite=Strict", SiteContext::CrossSite));
        assert!(!other.set_cookie_in(&url, "l=1; SameSite=Lax", SiteContext::CrossSite));
        assert!(other.set_cookie_in(&url, "p=1", SiteContext::CrossSite));
        assert!(other.set_cookie_in(
            &url,
            "s=1; SameSite=Strict",
            SiteContext::CrossSiteNavigation
        ));
        assert_eq!(other.header_for(&url).as_deref(), Some("p=1; s=1"));
    }
}
