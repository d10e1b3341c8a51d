//! The client's URLs: `Url::parse` of any text and `Url::join` of any `Location` against any
//! parsed base give a typed error or a URL a request can go out with, never a panic. What a
//! URL it gives holds: a lowercase host of host bytes (an IPv6 literal when it has a colon), a
//! target that starts with `/` with no byte a request line refuses and no fragment, and
//! printing it and parsing it back gives the same URL. A joined target carries no dot segments
//! in its path (unless the reference's path is empty: then it is the base's); a relative
//! reference keeps the base's origin.
#![no_main]
use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use runtime_mio::client::Url;

#[derive(Arbitrary, Debug)]
struct Input<'a> {
    base: &'a str,
    reference: &'a str,
}

/// What every URL the client hands out must hold.
fn check(u: &Url) {
    let host = &u.origin.host;
    assert!(!host.is_empty());
    assert!(
        host.bytes()
            .all(|b| b.is_ascii_alphanumeric() && !b.is_ascii_uppercase()
                || matches!(b, b'-' | b'.' | b'_' | b':')),
        "host {host:?}"
    );
    if host.contains(':') {
        assert!(
            host.parse::<std::net::Ipv6Addr>().is_ok(),
            "a host with a colon must be an IPv6 literal: {host:?}"
        );
    }
    assert!(u.target.starts_with('/'), "target {:?}", u.target);
    assert!(
        !u.target
            .bytes()
            .any(|b| b <= b' ' || b >= 0x7f || b == b'#'),
        "target {:?}",
        u.target
    );
    // Printed and parsed back: the same URL.
    let printed = format!("{}{}", u.origin, u.target);
    let again = Url::parse(&printed).unwrap_or_else(|e| panic!("{printed:?} does not parse: {e}"));
    assert_eq!(&again, u, "{printed:?}");
}

/// The path of a target has no `.` or `..` segment.
fn no_dot_segments(target: &str) -> bool {
    let path = target.split('?').next().unwrap_or_default();
    !path.split('/').any(|s| s == "." || s == "..")
}

fuzz_target!(|input: Input<'_>| {
    let Ok(base) = Url::parse(input.base) else {
        return;
    };
    check(&base);
    if let Ok(joined) = base.join(input.reference) {
        check(&joined);
        let r = input
            .reference
            .trim_matches(|c: char| c.is_ascii_whitespace());
        // RFC 3986 5.2.2: a reference with an empty path keeps the base's path as it is.
        let r_path = r.split(['#', '?']).next().unwrap_or_default();
        if !r_path.is_empty() {
            assert!(no_dot_segments(&joined.target), "{:?}", joined.target);
        }
        let has_scheme = r.find(':').is_some_and(|i| {
            let s = &r.as_bytes()[..i];
            !s.is_empty()
                && s[0].is_ascii_alphabetic()
                && s.iter()
                    .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
        });
        if !has_scheme && !r.starts_with("//") {
            assert_eq!(joined.origin, base.origin);
        }
    }
});
