//! A browser profile's default request fields ([`ClientConfig::profile`]) merged with the
//! caller's, once per exchange, where the request is prepared.
//!
//! The protocol is only known once a connection is chosen (ALPN picks it under TLS), so a
//! prepared request carries both lists: the HTTP/1.1 one ([`tls::Profile::http1_headers`])
//! and the HTTP/2 one ([`tls::Profile::http2_headers`]); the connection sends the one of its
//! protocol.
//!
//! The rules, the same for both lists:
//! - the profile's fields go first, in the browser's order, names in the profile's case;
//! - a caller's field with the name (ASCII case-insensitive) of a default replaces it in
//!   place, in the caller's case and with the caller's value (several of that name all go
//!   there, in the caller's order);
//! - a default with an empty value is a position only: the caller's field of that name goes
//!   there (the cookie store's `Cookie` is a caller's field here), and nothing when there
//!   is none. The built-in profiles place `Cookie` so, where the browser sends it;
//! - the caller's other fields follow, in the order given;
//! - the profile's `Accept-Encoding` is sent only when the response is decoded
//!   ([`ClientConfig::decompress`], [`Request::decompress`]): the client then decodes every
//!   coding a built-in profile advertises;
//! - HTTP/1.1: a caller's `Host` goes first, where the browser sends it (without one the
//!   connection puts the URL's authority first).
//!
//! On HTTP/2, when the profile says so ([`tls::profile::Http2Profile::cookie_crumbs`]), the
//! merged `Cookie` field is then split into one `cookie` field per cookie-pair ([`crumbs`],
//! RFC 9113 section 8.2.3), as Chromium and Firefox send it; HTTP/1.1 keeps one field.
//!
//! [`ClientConfig::profile`]: super::ClientConfig::profile
//! [`ClientConfig::decompress`]: super::ClientConfig::decompress
//! [`Request::decompress`]: super::Request::decompress

/// A request's fields: name as given, value.
pub(crate) type Fields = Vec<(String, Vec<u8>)>;

/// `given` merged into the profile's `defaults` by the rules of this module's docs.
/// `accept_encoding`: send the profile's `Accept-Encoding` (when the caller gave none);
/// `host_first`: move a caller's `Host` to the front (HTTP/1.1).
pub(crate) fn merge<N: AsRef<str>, V: AsRef<str>>(
    defaults: &[(N, V)],
    given: &[(String, Vec<u8>)],
    accept_encoding: bool,
    host_first: bool,
) -> Fields {
    let mut out: Fields = Vec::with_capacity(defaults.len() + given.len());
    let mut taken = vec![false; given.len()];
    let mut take = |name: &str, out: &mut Fields| {
        let mut found = false;
        for ((n, v), t) in given.iter().zip(taken.iter_mut()) {
            if !*t && n.eq_ignore_ascii_case(name) {
                out.push((n.clone(), v.clone()));
                *t = true;
                found = true;
            }
        }
        found
    };
    if host_first {
        take("host", &mut out);
    }
    for (name, value) in defaults {
        let (name, value) = (name.as_ref(), value.as_ref());
        let replaced = take(name, &mut out);
        if !replaced
            && !value.is_empty()
            && (accept_encoding || !name.eq_ignore_ascii_case("accept-encoding"))
        {
            out.push((name.to_string(), value.as_bytes().to_vec()));
        }
    }
    out.extend(
        given
            .iter()
            .zip(&taken)
            .filter(|(_, t)| !**t)
            .map(|(f, _)| f.clone()),
    );
    out
}

/// `fields` with each `Cookie` field (any case) split into one field per cookie-pair, in
/// place and in order, on `"; "` exactly (RFC 9113 section 8.2.3: the pairs of a folded
/// field are separated by that two-octet delimiter); the other fields as they are.
pub(crate) fn crumbs(fields: Fields) -> Fields {
    if !fields.iter().any(|(n, _)| n.eq_ignore_ascii_case("cookie")) {
        return fields;
    }
    let mut out: Fields = Vec::with_capacity(fields.len() + 4);
    for (name, value) in fields {
        if !name.eq_ignore_ascii_case("cookie") {
            out.push((name, value));
            continue;
        }
        let mut rest = value.as_slice();
        while let Some(i) = rest.windows(2).position(|w| w == b"; ") {
            out.push((name.clone(), rest[..i].to_vec()));
            rest = &rest[i + 2..];
        }
        out.push((name, rest.to_vec()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn given(fields: &[(&str, &str)]) -> Fields {
        fields
            .iter()
            .map(|(n, v)| ((*n).to_owned(), v.as_bytes().to_vec()))
            .collect()
    }

    fn names(fields: &Fields) -> Vec<&str> {
        fields.iter().map(|(n, _)| n.as_str()).collect()
    }

    const DEFAULTS: &[(&str, &str)] = &[
        ("User-Agent", "browser"),
        ("Accept", "*/*"),
        ("Accept-Encoding", "gzip"),
        ("Accept-Language", "en"),
    ];

    #[test]
    fn defaults_in_order_caller_replaces_in_place_extras_after() {
        let g = given(&[
            ("X-Extra", "1"),
            ("accept", "text/html"),
            ("Host", "example.com"),
            ("ACCEPT", "application/json"),
        ]);
        let m = merge(DEFAULTS, &g, true, true);
        assert_eq!(
            names(&m),
            [
                "Host",
                "User-Agent",
                "accept",
                "ACCEPT",
                "Accept-Encoding",
                "Accept-Language",
                "X-Extra"
            ]
        );
        assert_eq!(m[2].1, b"text/html");
        assert_eq!(m[3].1, b"application/json");
        assert_eq!(m[1].1, b"browser");
        // HTTP/2 (no host_first): the caller's Host is an extra like any other.
        let m = merge(DEFAULTS, &g, true, false);
        assert_eq!(names(&m)[4..], ["Accept-Language", "X-Extra", "Host"]);
    }

    #[test]
    fn accept_encoding_only_when_decoding_unless_given() {
        let m = merge(DEFAULTS, &[], false, true);
        assert_eq!(names(&m), ["User-Agent", "Accept", "Accept-Language"]);
        let g = given(&[("accept-encoding", "identity")]);
        let m = merge(DEFAULTS, &g, false, true);
        assert_eq!(
            names(&m),
            ["User-Agent", "Accept", "accept-encoding", "Accept-Language"]
        );
        assert_eq!(m[2].1, b"identity");
    }

    const WITH_COOKIE: &[(&str, &str)] = &[
        ("user-agent", "browser"),
        ("accept-encoding", "gzip"),
        ("cookie", ""),
        ("priority", "u=0, i"),
    ];

    #[test]
    fn an_empty_default_is_a_position_only() {
        // No cookie given: no `cookie` field at all.
        let m = merge(WITH_COOKIE, &given(&[("x-extra", "1")]), true, false);
        assert_eq!(
            names(&m),
            ["user-agent", "accept-encoding", "priority", "x-extra"]
        );
        // Given (as the cookie store adds it, last): it goes to its place, value kept.
        let g = given(&[("x-extra", "1"), ("Cookie", "a=1; b=2")]);
        let m = merge(WITH_COOKIE, &g, true, false);
        assert_eq!(
            names(&m),
            [
                "user-agent",
                "accept-encoding",
                "Cookie",
                "priority",
                "x-extra"
            ]
        );
        assert_eq!(m[2].1, b"a=1; b=2");
        // Its place holds when the default before it is left out.
        let m = merge(WITH_COOKIE, &g, false, false);
        assert_eq!(names(&m), ["user-agent", "Cookie", "priority", "x-extra"]);
        // Without a position, the same field follows the defaults (the rule before).
        let m = merge(DEFAULTS, &g, true, false);
        assert_eq!(names(&m)[4..], ["x-extra", "Cookie"]);
    }

    #[test]
    fn crumbs_split_on_semicolon_space_only() {
        let g = given(&[
            ("user-agent", "b"),
            ("cookie", "a=1; bb=22; ccc=3;3"),
            ("x", "y; z"),
            ("Cookie", "d=4"),
        ]);
        let c = crumbs(g);
        let pairs: Vec<(&str, &[u8])> = c.iter().map(|(n, v)| (n.as_str(), &v[..])).collect();
        assert_eq!(
            pairs,
            [
                ("user-agent", &b"b"[..]),
                ("cookie", b"a=1"),
                ("cookie", b"bb=22"),
                ("cookie", b"ccc=3;3"),
                ("x", b"y; z"),
                ("Cookie", b"d=4"),
            ]
        );
        // Joined again with "; ", the crumbs are the folded field (RFC 9113 8.2.3).
        let folded: Vec<&[u8]> = pairs[1..4].iter().map(|(_, v)| *v).collect();
        assert_eq!(folded.join(&b"; "[..]), b"a=1; bb=22; ccc=3;3");
        // No cookie: the list as it was.
        let g = given(&[("a", "1")]);
        assert_eq!(crumbs(g.clone()), g);
    }

    #[test]
    fn no_defaults_keeps_the_callers_fields() {
        let g = given(&[("b", "1"), ("a", "2")]);
        assert_eq!(merge::<&str, &str>(&[], &g, true, false), g);
    }
}
