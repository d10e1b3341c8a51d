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
//! - the caller's other fields follow, in the order given;
//! - the profile's `Accept-Encoding` is sent only when the response is decoded
//!   ([`ClientConfig::decompress`], [`Request::decompress`]): the client then decodes every
//!   coding a built-in profile advertises;
//! - HTTP/1.1: a caller's `Host` goes first, where the browser sends it (without one the
//!   connection puts the URL's authority first).
//!
//! [`ClientConfig::profile`]: super::ClientConfig::profile
//! [`ClientConfig::decompress`]: super::ClientConfig::decompress
//! [`Request::decompress`]: super::Request::decompress

/// A request's fields: name as given, value.
pub(crate) type Fields = Vec<(String, Vec<u8>)>;

/// `given` merged into the profile's `defaults` by the rules of this module's docs.
/// `accept_encoding`: send the profile's `Accept-Encoding` (when the caller gave none);
/// `host_first`: move a caller's `Host` to the front (HTTP/1.1).
pub(crate) fn merge(
    defaults: &[(&'static str, &'static str)],
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
        let replaced = take(name, &mut out);
        if !replaced && (accept_encoding || !name.eq_ignore_ascii_case("accept-encoding")) {
            out.push(((*name).to_owned(), value.as_bytes().to_vec()));
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

    #[test]
    fn no_defaults_keeps_the_callers_fields() {
        let g = given(&[("b", "1"), ("a", "2")]);
        assert_eq!(merge(&[], &g, true, false), g);
    }
}
