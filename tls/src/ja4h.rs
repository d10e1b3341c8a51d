//! JA4H, FoxIO's fingerprint of an HTTP client from one request: method, version, whether it
//! sends a Cookie and a Referer, how many other headers, its first Accept-Language, then hashes
//! of its header names in order, of its cookie names sorted and of its cookies sorted.
//!
//! ```text
//! ge11cr04da00_8ddaef5d77af_280f366eaa04_c2fb0fe53442
//! a: ge (GET) 11 (HTTP/1.1) c (Cookie) r (Referer) 04 (other headers) da00 (Accept-Language)
//! b: header names in order, Cookie and Referer left out
//! c: cookie names, sorted          d: cookie name=value fields, sorted
//! ```
//!
//! Pure computation over what the caller hands in (the request's header fields in received
//! order and case, as the server's request parsers keep them), so it serves HTTP/1.x and
//! HTTP/2 alike. The output equals what FoxIO's reference implementation prints for the
//! requests in its published captures (`tests/ja4_corpus.rs`).
//!
//! JA4H is one of the JA4+ methods, which FoxIO licenses under its FoxIO License 1.1 (JA4 itself
//! is BSD-3-Clause); that licence allows internal and non-commercial use of the methods but not
//! offering them as part of a paid fingerprinting product or service.
//!
//! # Examples
//! ```
//! let ja4h = tls::Ja4h::new(
//!     b"GET",
//!     (1, 1),
//!     [
//!         ("Host", "localhost:8000"),
//!         ("User-Agent", "curl/8.1.2"),
//!         ("Accept", "*/*"),
//!         ("Referer", "https://fake.example"),
//!         ("Cookie", "yummy_cookie=choco; tasty_cookie=strawberry"),
//!         ("Accept-Language", "da, en-GB;q=0.8, en;q=0.7"),
//!     ],
//! );
//! assert_eq!(ja4h.ja4h, "ge11cr04da00_8ddaef5d77af_280f366eaa04_c2fb0fe53442");
//! ```

use crate::client_hello::sha256_12;

/// JA4H of one HTTP request, hashed and in clear.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ja4h {
    /// JA4H: `a_b_c_d`, each of `b`, `c`, `d` the first 12 hex digits of a SHA-256, or
    /// `000000000000` when its list is empty.
    pub ja4h: String,
    /// JA4H_r: part `a`, then the header names, the sorted cookie names and the sorted cookie
    /// fields in clear (comma-separated, `_` between lists); a request without cookies ends
    /// after the header names and an `_`.
    pub ja4h_r: String,
    /// JA4H_ro: JA4H_r with the cookie names and fields in the order sent.
    pub ja4h_ro: String,
}

impl Ja4h {
    /// JA4H of a request.
    ///
    /// - `method`: as sent (`GET`, or HTTP/2's `:method`); JA4H keeps its first two characters,
    ///   in lower case.
    /// - `version`: (major, minor): `(1, 1)` for HTTP/1.1, `(2, 0)` for HTTP/2, `(3, 0)` for
    ///   HTTP/3; JA4H writes the two digits.
    /// - `headers`: the request's header fields (name, value) in the order received, names in
    ///   the case received. HTTP/2 pseudo-headers (names starting with `:`) are left out, as
    ///   are `Cookie` and `Referer` from the list and the count (they set the `c` and `r`
    ///   flags). Every `Cookie` field is split at `;` into cookies (HTTP/2 sends one field per
    ///   cookie, HTTP/1.1 one field for all); the first `Accept-Language` gives part `a`'s last
    ///   four characters: its first language tag, lower case, without dashes, cut or padded
    ///   with `0` to four.
    #[must_use]
    pub fn new<N, V>(
        method: &[u8],
        version: (u8, u8),
        headers: impl IntoIterator<Item = (N, V)>,
    ) -> Self
    where
        N: AsRef<[u8]>,
        V: AsRef<[u8]>,
    {
        let mut names: Vec<String> = Vec::new();
        let mut cookie = false;
        let mut referer = false;
        let mut language: Option<String> = None;
        // (name, whole field) of each cookie, in the order sent.
        let mut cookies: Vec<(String, String)> = Vec::new();
        for (name, value) in headers {
            let (name, value) = (name.as_ref(), value.as_ref());
            if name.is_empty() || name.starts_with(b":") {
                continue;
            }
            if name.eq_ignore_ascii_case(b"cookie") {
                cookie = true;
                for crumb in value.split(|&b| b == b';') {
                    let crumb = String::from_utf8_lossy(crumb.trim_ascii());
                    if crumb.is_empty() {
                        continue;
                    }
                    let name = crumb.split_once('=').map_or(&*crumb, |(n, _)| n.trim_end());
                    cookies.push((name.to_owned(), crumb.clone().into_owned()));
                }
                continue;
            }
            if name.eq_ignore_ascii_case(b"referer") {
                referer = true;
                continue;
            }
            if language.is_none() && name.eq_ignore_ascii_case(b"accept-language") {
                language = Some(primary_language(value));
            }
            names.push(String::from_utf8_lossy(name).into_owned());
        }

        let method: String = String::from_utf8_lossy(method)
            .chars()
            .take(2)
            .flat_map(char::to_lowercase)
            .collect();
        let part_a = format!(
            "{method}{}{}{}{}{:02}{}",
            version.0 % 10,
            version.1 % 10,
            if cookie { 'c' } else { 'n' },
            if referer { 'r' } else { 'n' },
            names.len().min(99),
            language.as_deref().unwrap_or("0000"),
        );
        let names = names.join(",");
        let raw = |cookies: &[(String, String)]| {
            let mut s = format!("{part_a}_{names}_");
            if !cookies.is_empty() {
                s.push_str(&join(cookies.iter().map(|c| c.0.as_str())));
                s.push('_');
                s.push_str(&join(cookies.iter().map(|c| c.1.as_str())));
            }
            s
        };
        let ja4h_ro = raw(&cookies);
        // Sorted by name; cookies of the same name stay in the order sent.
        cookies.sort_by(|a, b| a.0.cmp(&b.0));
        let ja4h_r = raw(&cookies);
        let ja4h = format!(
            "{part_a}_{}_{}_{}",
            hash(&names),
            hash(&join(cookies.iter().map(|c| c.0.as_str()))),
            hash(&join(cookies.iter().map(|c| c.1.as_str()))),
        );
        Ja4h {
            ja4h,
            ja4h_r,
            ja4h_ro,
        }
    }
}

/// The four characters of an Accept-Language value in JA4H: its first tag (up to `,` or `;`),
/// dashes removed, lower case, cut or padded with `0` to four.
fn primary_language(value: &[u8]) -> String {
    let value = String::from_utf8_lossy(value);
    let tag = value
        .trim_start()
        .split([',', ';'])
        .next()
        .unwrap_or_default();
    let mut out: String = tag
        .chars()
        .filter(|&c| c != '-')
        .flat_map(char::to_lowercase)
        .take(4)
        .collect();
    while out.chars().count() < 4 {
        out.push('0');
    }
    out
}

fn join<'a>(items: impl Iterator<Item = &'a str>) -> String {
    items.collect::<Vec<_>>().join(",")
}

fn hash(list: &str) -> String {
    if list.is_empty() {
        "000000000000".to_owned()
    } else {
        sha256_12(list)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages() {
        assert_eq!(primary_language(b"en-US,en;q=0.9"), "enus");
        assert_eq!(primary_language(b"da, en-GB;q=0.8, en;q=0.7"), "da00");
        assert_eq!(primary_language(b"fr;q=0.9"), "fr00");
        assert_eq!(primary_language(b" zh-Hant-TW"), "zhha");
        assert_eq!(primary_language(b""), "0000");
        assert_eq!(primary_language(b"*"), "*000");
    }

    /// FoxIO's http1-with-cookies.pcapng request: the reference prints this JA4H and JA4H_ro.
    #[test]
    fn reference_request_with_cookies() {
        let headers = [
            ("Host", "localhost:8000"),
            ("User-Agent", "curl/8.1.2"),
            ("Accept", "*/*"),
            ("Referer", "https://fake.example"),
            ("Cookie", "yummy_cookie=choco; tasty_cookie=strawberry"),
            ("Accept-Language", "da, en-GB;q=0.8, en;q=0.7"),
        ];
        let fp = Ja4h::new(b"GET", (1, 1), headers);
        assert_eq!(
            fp.ja4h,
            "ge11cr04da00_8ddaef5d77af_280f366eaa04_c2fb0fe53442"
        );
        assert_eq!(
            fp.ja4h_ro,
            "ge11cr04da00_Host,User-Agent,Accept,Accept-Language_yummy_cookie,tasty_cookie_\
             yummy_cookie=choco,tasty_cookie=strawberry"
        );
        assert_eq!(
            fp.ja4h_r,
            "ge11cr04da00_Host,User-Agent,Accept,Accept-Language_tasty_cookie,yummy_cookie_\
             tasty_cookie=strawberry,yummy_cookie=choco"
        );
        assert_eq!(
            fp.ja4h,
            format!(
                "ge11cr04da00_{}_{}_{}",
                sha256_12("Host,User-Agent,Accept,Accept-Language"),
                sha256_12("tasty_cookie,yummy_cookie"),
                sha256_12("tasty_cookie=strawberry,yummy_cookie=choco")
            )
        );
    }

    /// HTTP/2: pseudo-headers left out, one cookie per field gives the same cookie parts as
    /// one folded field, names counted as sent (lower case).
    #[test]
    fn http2_request() {
        let h2 = Ja4h::new(
            b"POST",
            (2, 0),
            [
                (":method", "POST"),
                (":authority", "example.com"),
                (":scheme", "https"),
                (":path", "/"),
                ("cookie", "b=2"),
                ("user-agent", "x"),
                ("cookie", "a=1"),
                ("referer", "https://example.com/"),
            ],
        );
        assert!(h2.ja4h.starts_with("po20cr010000_"), "{}", h2.ja4h);
        assert_eq!(h2.ja4h_ro, "po20cr010000_user-agent_b,a_b=2,a=1");
        assert_eq!(h2.ja4h_r, "po20cr010000_user-agent_a,b_a=1,b=2");
        let folded = Ja4h::new(
            b"POST",
            (2, 0),
            [
                ("user-agent", "x"),
                ("cookie", "b=2; a=1"),
                ("referer", "/"),
            ],
        );
        assert_eq!(folded, h2);
    }

    /// No cookies and no headers: zero hashes, the raw forms end after the header list.
    #[test]
    fn empty_lists() {
        let fp = Ja4h::new(b"GET", (1, 0), [("User-Agent", "")]);
        assert_eq!(
            fp.ja4h,
            format!(
                "ge10nn010000_{}_000000000000_000000000000",
                sha256_12("User-Agent")
            )
        );
        assert_eq!(fp.ja4h_ro, "ge10nn010000_User-Agent_");
        let none = Ja4h::new(b"OPTIONS", (1, 1), std::iter::empty::<(&[u8], &[u8])>());
        assert_eq!(
            none.ja4h,
            "op11nn000000_000000000000_000000000000_000000000000"
        );
        // A Cookie field with no cookie in it sets the flag and hashes nothing.
        let empty_cookie = Ja4h::new(b"GET", (1, 1), [("Cookie", " ; ")]);
        assert_eq!(
            empty_cookie.ja4h,
            "ge11cn000000_000000000000_000000000000_000000000000"
        );
        // More than 99 headers count as 99.
        let many: Vec<(String, &str)> = (0..120).map(|i| (format!("x-{i}"), "v")).collect();
        assert!(
            Ja4h::new(b"GET", (1, 1), many)
                .ja4h
                .starts_with("ge11nn990000_")
        );
    }
}
