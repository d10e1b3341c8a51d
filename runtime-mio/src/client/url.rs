//! The part of a URL a request needs: scheme, host, port (the [`Origin`] connections are
//! pooled by) and the request target. Only `http` and `https` are fetched.

use std::fmt;

use super::error::Error;

/// `http` or `https`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// Cleartext.
    Http,
    /// TLS.
    Https,
}

impl Scheme {
    /// The scheme's name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }
}

/// Where connections go: scheme, host (lowercase, IPv6 without brackets) and port. The
/// pool keeps connections per origin.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Origin {
    /// The scheme.
    pub scheme: Scheme,
    /// The host name or address literal.
    pub host: String,
    /// The port (the scheme's default when the URL has none).
    pub port: u16,
}

impl Origin {
    /// `host` or `host:port` as the `Host` header and `:authority` say it (the port only
    /// when it is not the scheme's default; IPv6 in brackets).
    /// One allocation, sized at once (a connection makes its `Host`/`:authority` with it
    /// when it opens).
    #[must_use]
    pub fn authority(&self) -> String {
        let default = match self.scheme {
            Scheme::Http => 80,
            Scheme::Https => 443,
        };
        let v6 = self.host.contains(':');
        // Brackets, a colon and five digits at most.
        let mut out = String::with_capacity(self.host.len() + 8);
        if v6 {
            out.push('[');
        }
        out.push_str(&self.host);
        if v6 {
            out.push(']');
        }
        if self.port != default {
            let mut digits = [0; 20];
            out.push(':');
            for &d in crate::decimal::decimal_bytes(u64::from(self.port), &mut digits) {
                out.push(char::from(d));
            }
        }
        out
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}", self.scheme.as_str(), self.authority())
    }
}

/// A parsed URL: its origin and the request target (path and query, never empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url {
    /// Where to connect.
    pub origin: Origin,
    /// The path and query (`/` when the URL has none); the fragment is dropped.
    pub target: String,
}

impl Url {
    /// A URL with an empty host and target (allocates nothing): what a request's URL is
    /// replaced with when it moves out of a request that ends.
    pub(crate) fn empty(scheme: Scheme) -> Url {
        Url {
            origin: Origin {
                scheme,
                host: String::new(),
                port: 0,
            },
            target: String::new(),
        }
    }

    /// Parses `scheme://host[:port][/path][?query][#fragment]`. Refused: user information, a
    /// host outside `A-Za-z0-9-._` (names beyond ASCII must come punycoded) unless it is an
    /// IPv6 address in brackets, spaces and control characters. Bytes beyond ASCII and `"`,
    /// `<`, `>` in the path and query are percent-encoded, as the WHATWG URL standard does.
    ///
    /// ```
    /// use runtime_mio::client::Url;
    /// let u = Url::parse("HTTP://Example.com:8080/a?b=1#frag").unwrap();
    /// assert_eq!(u.origin.host, "example.com");
    /// assert_eq!(u.origin.port, 8080);
    /// assert_eq!(u.target, "/a?b=1");
    /// assert_eq!(Url::parse("https://[::1]").unwrap().origin.authority(), "[::1]");
    /// assert_eq!(Url::parse("http://h/caf\u{e9}?q=<a>").unwrap().target, "/caf%C3%A9?q=%3Ca%3E");
    /// assert!(Url::parse("ftp://x/").is_err());
    /// assert!(Url::parse("http://[example.com]/").is_err());
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidUrl`].
    pub fn parse(url: &str) -> Result<Url, Error> {
        let bad = || Error::InvalidUrl(url.to_owned());
        // The scheme is what comes before the first "://": `http` or `https`, in any case.
        // Byte scans below, not `str` searchers: a client parses one URL per request.
        let b = url.as_bytes();
        let (scheme, rest) = if b.len() >= 7 && b[..7].eq_ignore_ascii_case(b"http://") {
            (Scheme::Http, &url[7..])
        } else if b.len() >= 8 && b[..8].eq_ignore_ascii_case(b"https://") {
            (Scheme::Https, &url[8..])
        } else {
            return Err(bad());
        };
        // The authority ends at the path, the query or the fragment; the fragment is not
        // sent. User information (an `@` in the authority) is seen in the same pass.
        let mut end = rest.len();
        let mut userinfo = false;
        for (i, c) in rest.bytes().enumerate() {
            match c {
                b'/' | b'?' | b'#' => {
                    end = i;
                    break;
                }
                b'@' => userinfo = true,
                _ => {}
            }
        }
        let (authority, tail) = rest.split_at(end);
        let target = match tail.bytes().position(|c| c == b'#') {
            Some(i) => &tail[..i],
            None => tail,
        };
        if authority.is_empty() || userinfo {
            return Err(bad());
        }
        let (host, port) = split_host_port(authority).ok_or_else(bad)?;
        let port = match port {
            None | Some("") => match scheme {
                Scheme::Http => 80,
                Scheme::Https => 443,
            },
            Some(p) => parse_port(p).ok_or_else(bad)?,
        };
        let target = if target.is_empty() {
            "/".to_owned()
        } else if target.starts_with('?') {
            format!("/{target}")
        } else {
            target.to_owned()
        };
        // Spaces and controls are refused; what a request line cannot carry but a browser's
        // address bar takes (bytes beyond ASCII, `"`, `<`, `>`) is percent-encoded, as the
        // WHATWG URL standard does, so both protocols send the same target.
        let mut encode = false;
        for b in target.bytes() {
            if b <= b' ' || b == 0x7f {
                return Err(bad());
            }
            encode |= needs_encoding(b);
        }
        let target = if encode {
            percent_encode_target(&target)
        } else {
            target
        };
        Ok(Url {
            origin: Origin {
                scheme,
                host: host.to_ascii_lowercase(),
                port,
            },
            target,
        })
    }
}

/// A port's text as `u16::from_str` reads it: up to five digits added up at once, anything
/// else (a sign, leading zeros past five digits, a stray byte) left to `from_str`.
fn parse_port(p: &str) -> Option<u16> {
    let b = p.as_bytes();
    if (1..=5).contains(&b.len()) && b.iter().all(u8::is_ascii_digit) {
        let n = b.iter().fold(0u32, |n, &d| n * 10 + u32::from(d - b'0'));
        return u16::try_from(n).ok();
    }
    p.parse().ok()
}

/// The bytes a host name or IPv4 address may have (`A-Za-z0-9-._`), by value: one load per
/// byte.
const HOST_BYTES: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_');
        b += 1;
    }
    t
};

/// Splits `host[:port]` or `[v6]:port` (no userinfo) into the host (brackets removed) and the
/// port text, if any; `None` for an empty host, a host with characters outside
/// `A-Za-z0-9-._`, brackets around anything but an IPv6 address, or a malformed bracket. The
/// port text is not checked.
pub(crate) fn split_host_port(authority: &str) -> Option<(&str, Option<&str>)> {
    if let Some(v6) = authority.strip_prefix('[') {
        let (host, after) = v6.split_once(']')?;
        // RFC 3986 3.2.2: IP-literal; the IPvFuture form and zone identifiers are not taken.
        host.parse::<std::net::Ipv6Addr>().ok()?;
        return match after {
            "" => Some((host, None)),
            p => Some((host, Some(p.strip_prefix(':')?))),
        };
    }
    let (host, port) = match authority.bytes().position(|c| c == b':') {
        Some(i) => (&authority[..i], Some(&authority[i + 1..])),
        None => (authority, None),
    };
    (!host.is_empty() && host.bytes().all(|b| HOST_BYTES[usize::from(b)])).then_some((host, port))
}

/// Whether a byte of a target is percent-encoded on its way to the request line: bytes
/// beyond ASCII and DEL, and `"`, `<`, `>` (spaces and controls are the caller's to refuse or
/// encode).
pub(crate) fn needs_encoding(b: u8) -> bool {
    b >= 0x7f || matches!(b, b'"' | b'<' | b'>')
}

/// `s` with spaces, controls and the bytes [`needs_encoding`] names percent-encoded (`%XX`,
/// upper-case hexadecimal), every other byte as it is.
pub(crate) fn percent_encode_target(s: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(s.len() + 8);
    for b in s.bytes() {
        if b <= b' ' || needs_encoding(b) {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0xf)]));
        } else {
            out.push(char::from(b));
        }
    }
    out
}

/// Decodes `%XX` escapes (RFC 3986 section 2.1: `%` and exactly two hexadecimal digits);
/// every other byte, `+` included, stands for itself. `None` for a malformed escape (a
/// truncated one, or one whose digits are not hexadecimal) or a result that is not UTF-8.
///
/// ```
/// use runtime_mio::client::percent_decode;
/// assert_eq!(percent_decode("a%20b+c%C3%A9").as_deref(), Some("a b+c\u{e9}"));
/// assert_eq!(percent_decode("%4"), None);
/// assert_eq!(percent_decode("%+4"), None);
/// assert_eq!(percent_decode("%FF"), None); // not UTF-8
/// ```
#[must_use]
pub fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hi = hex_digit(*b.get(i + 1)?)?;
            let lo = hex_digit(*b.get(i + 2)?)?;
            out.push(hi << 4 | lo);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn hex_digit(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding_is_strict() {
        assert_eq!(percent_decode("").as_deref(), Some(""));
        assert_eq!(percent_decode("%2e%2E/%41").as_deref(), Some("../A"));
        assert_eq!(percent_decode("%00").as_deref(), Some("\0"));
        assert_eq!(percent_decode("a+b%2B").as_deref(), Some("a+b+"));
        // Every byte value through an escape of each case.
        for v in 0..=0x7fu8 {
            assert_eq!(
                percent_decode(&format!("%{v:02x}")),
                Some(char::from(v).to_string())
            );
            assert_eq!(
                percent_decode(&format!("%{v:02X}")),
                Some(char::from(v).to_string())
            );
        }
        // `from_str_radix` would take a sign: "%+5" is not an escape.
        for bad in ["%", "%4", "a%4", "%+5", "%-5", "%g0", "%0g", "% 1", "%C3"] {
            assert_eq!(percent_decode(bad), None, "{bad}");
        }
    }

    /// The parser as it was before its byte scans (`str` searchers): the reference the
    /// current one must agree with.
    fn parse_reference(url: &str) -> Option<(Scheme, String, u16, String)> {
        let (scheme, rest) = url.split_once("://")?;
        let scheme = if scheme.eq_ignore_ascii_case("http") {
            Scheme::Http
        } else if scheme.eq_ignore_ascii_case("https") {
            Scheme::Https
        } else {
            return None;
        };
        let rest = rest.split('#').next().unwrap_or_default();
        let end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, target) = rest.split_at(end);
        if authority.contains('@') || authority.is_empty() {
            return None;
        }
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (host, after) = v6.split_once(']')?;
            match after {
                "" => (host, None),
                p => (host, Some(p.strip_prefix(':')?)),
            }
        } else {
            match authority.rsplit_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (authority, None),
            }
        };
        let valid = |b: u8| b.is_ascii_alphanumeric() || b"-._".contains(&b);
        let bracketed = authority.starts_with('[');
        if bracketed && host.parse::<std::net::Ipv6Addr>().is_err()
            || !bracketed && (host.is_empty() || !host.bytes().all(valid))
        {
            return None;
        }
        let port = match port {
            None | Some("") => match scheme {
                Scheme::Http => 80,
                Scheme::Https => 443,
            },
            Some(p) => p.parse().ok()?,
        };
        let target = if target.is_empty() {
            "/".to_owned()
        } else if target.starts_with('?') {
            format!("/{target}")
        } else {
            target.to_owned()
        };
        if target.bytes().any(|b| b <= b' ' || b == 0x7f) {
            return None;
        }
        let mut encoded = String::new();
        for c in target.chars() {
            if c.is_ascii() && !"\"<>".contains(c) {
                encoded.push(c);
            } else {
                let mut utf8 = [0; 4];
                for b in c.encode_utf8(&mut utf8).bytes() {
                    encoded.push_str(&format!("%{b:02X}"));
                }
            }
        }
        Some((scheme, host.to_ascii_lowercase(), port, encoded))
    }

    #[test]
    fn parse_agrees_with_the_reference() {
        let schemes = [
            "http", "HTTPS", "hTtP", "https", "ftp", "http:", "", "httpss",
        ];
        let seps = ["://", ":/", "//", ":///", "://://"];
        let hosts = [
            "h",
            "H.Example",
            "127.0.0.1",
            "[::1]",
            "[::1",
            "::1",
            "[1:2:3:4:5:6:7:8]",
            "[::ffff:1.2.3.4]",
            "[h]",
            "[]",
            "[::1]x",
            "h:1",
            "a@b",
            "",
            "a b",
            "é",
            "#",
        ];
        let ports = [
            "", ":", ":80", ":443", ":8080", ":99999", ":x", "::1", ":+80", ":-1", ":0", ":080",
            ":65535", ":65536", ":000080", ":8 0", ":+",
        ];
        let tails = [
            "",
            "/",
            "/a?b#c",
            "?q",
            "#f",
            "#f/x",
            "/a b",
            "/%20",
            "?",
            "/é",
            "/\x7f",
            "//x",
            "/\"<>?<é>",
        ];
        let mut n = 0;
        for s in schemes {
            for sep in seps {
                for h in hosts {
                    for p in ports {
                        for t in tails {
                            let url = format!("{s}{sep}{h}{p}{t}");
                            let got = Url::parse(&url)
                                .ok()
                                .map(|u| (u.origin.scheme, u.origin.host, u.origin.port, u.target));
                            assert_eq!(got, parse_reference(&url), "{url:?}");
                            n += 1;
                        }
                    }
                }
            }
        }
        assert!(n > 20_000);
    }

    #[test]
    fn authority_writes_the_port_unless_default() {
        let a = |url: &str| Url::parse(url).unwrap().origin.authority();
        assert_eq!(a("http://h:8080/"), "h:8080");
        assert_eq!(a("http://h:443/"), "h:443");
        assert_eq!(a("https://h:443/"), "h");
        assert_eq!(a("https://h:80/"), "h:80");
        assert_eq!(a("http://h:0/"), "h:0");
        assert_eq!(a("http://h:65535/"), "h:65535");
        assert_eq!(a("https://[::1]:1/"), "[::1]:1");
    }

    #[test]
    fn parses_and_refuses() {
        let u = Url::parse("http://127.0.0.1:1234").unwrap();
        assert_eq!(u.origin.authority(), "127.0.0.1:1234");
        assert_eq!(u.target, "/");
        assert_eq!(Url::parse("http://h?q").unwrap().target, "/?q");
        assert_eq!(Url::parse("http://h:80/").unwrap().origin.authority(), "h");
        assert_eq!(
            Url::parse("http://h/\u{e9}t\u{e9}?a=\"\u{1f600}\"")
                .unwrap()
                .target,
            "/%C3%A9t%C3%A9?a=%22%F0%9F%98%80%22"
        );
        assert_eq!(
            Url::parse("https://[::1]:8443/x")
                .unwrap()
                .origin
                .authority(),
            "[::1]:8443"
        );
        for bad in [
            "h/x",
            "http://",
            "http://u@h/",
            "http://h:99999/",
            "http://h/a b",
            "http://[::1/",
            "http://[example.com]/",
            "http://a:b:80/",
            "http://::1/",
            "http://h/\x01",
        ] {
            assert!(Url::parse(bad).is_err(), "{bad}");
        }
    }
}
