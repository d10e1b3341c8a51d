//! The `Host` rules of RFC 9112 section 3.2 for a server receiving a request.

use crate::error::Error;
use crate::head::{Header, Version, trim_ows};

/// Checks the `Host` header fields of a received request and returns the Host value (empty
/// when the field is absent from an HTTP/1.0 request).
///
/// RFC 9112 section 3.2: "A server MUST respond with a 400 (Bad Request) status code to any
/// HTTP/1.1 request message that lacks a Host header field and to any request message that
/// contains more than one Host header field line or a Host header field with an invalid field
/// value." A valid value is `uri-host [ ":" port ]` (RFC 3986 section 3.2.2: a reg-name with
/// unreserved, pct-encoded and sub-delims characters, an IPv4 address, or an IPv6 / IPvFuture
/// literal in brackets; the port is digits) or empty ("If the authority component is missing
/// or undefined for the target URI, then a client MUST send a Host header field with an empty
/// field value"). The rule holds for every request-target form: with absolute-form the server
/// uses the target's authority, but the Host field must still be there and valid (section
/// 3.2.2). An HTTP/1.0 request may omit Host; a repeated or invalid one is still refused.
///
/// [`ServerConn`](crate::ServerConn) applies this to every request it reads.
///
/// # Errors
/// [`Error::MissingHost`], [`Error::DuplicateHost`], [`Error::InvalidHost`] (all 400).
pub fn request_host<'a>(
    version: Version,
    headers: impl IntoIterator<Item = Header<'a>>,
) -> Result<&'a [u8], Error> {
    check_fields(
        version,
        headers.into_iter().map(|h| (h.name.as_bytes(), h.value)),
    )
}

/// [`request_host`] on `(name, value)` byte pairs: the one place the rule is written, for
/// callers that hold names as bytes (the connection's field spans).
pub(crate) fn check_fields<'a>(
    version: Version,
    fields: impl Iterator<Item = (&'a [u8], &'a [u8])>,
) -> Result<&'a [u8], Error> {
    let mut host = None;
    for (field, (name, value)) in fields.enumerate() {
        if name.eq_ignore_ascii_case(b"host") {
            if host.is_some() {
                return Err(Error::DuplicateHost { field });
            }
            host = Some((field, value));
        }
    }
    check(version, host)
}

/// The rule on the value of the only Host field and its index (`None` when there is none).
pub(crate) fn check(version: Version, host: Option<(usize, &[u8])>) -> Result<&[u8], Error> {
    match host {
        None if version == Version::Http11 => Err(Error::MissingHost),
        None => Ok(b""),
        Some((field, v)) => {
            let v = trim_ows(v);
            if valid_host(v) {
                Ok(v)
            } else {
                Err(Error::InvalidHost { field })
            }
        }
    }
}

/// `Host = uri-host [ ":" port ]`, or empty.
pub(crate) fn valid_host(v: &[u8]) -> bool {
    let rest = if v.first() == Some(&b'[') {
        let Some(close) = v.iter().position(|&c| c == b']') else {
            return false;
        };
        if !ip_literal(&v[1..close]) {
            return false;
        }
        &v[close + 1..]
    } else {
        match reg_name_end(v) {
            Some(end) => &v[end..],
            None => return false,
        }
    };
    match rest {
        [] => true,
        [b':', port @ ..] => port.iter().all(u8::is_ascii_digit),
        _ => false,
    }
}

const fn unreserved(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'~')
}

const fn sub_delim(c: u8) -> bool {
    matches!(
        c,
        b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+' | b',' | b';' | b'='
    )
}

/// The bytes a reg-name holds as themselves: unreserved and sub-delims (a table: the host
/// of every request is checked).
static REG_NAME: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        t[c] = unreserved(c as u8) || sub_delim(c as u8);
        c += 1;
    }
    t
};

/// Where the `reg-name = *( unreserved / pct-encoded / sub-delims )` at the start of `h`
/// ends (IPv4 addresses fit it too): the index of the first byte that is none of these,
/// or `None` for a `%` not followed by two hex digits.
fn reg_name_end(h: &[u8]) -> Option<usize> {
    let mut i = 0;
    while i < h.len() {
        let c = h[i];
        if REG_NAME[c as usize] {
            i += 1;
        } else if c == b'%' {
            if !(h.get(i + 1)?.is_ascii_hexdigit() && h.get(i + 2)?.is_ascii_hexdigit()) {
                return None;
            }
            i += 3;
        } else {
            return Some(i);
        }
    }
    Some(i)
}

/// The inside of `IP-literal = "[" ( IPv6address / IPvFuture ) "]"`.
fn ip_literal(l: &[u8]) -> bool {
    if let [b'v' | b'V', rest @ ..] = l {
        // IPvFuture = "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" )
        let Some(dot) = rest.iter().position(|&c| c == b'.') else {
            return false;
        };
        let (ver, addr) = (&rest[..dot], &rest[dot + 1..]);
        return !ver.is_empty()
            && ver.iter().all(u8::is_ascii_hexdigit)
            && !addr.is_empty()
            && addr
                .iter()
                .all(|&c| unreserved(c) || sub_delim(c) || c == b':');
    }
    l.iter()
        .all(|&c| c.is_ascii_hexdigit() || matches!(c, b':' | b'.'))
        && core::str::from_utf8(l)
            .ok()
            .and_then(|s| s.parse::<core::net::Ipv6Addr>().ok())
            .is_some()
}
