//! Media type parsing for the `Content-Type` check (WHATWG MIME Sniffing, "parse a MIME type").

/// HTTP whitespace: U+0009 TAB, U+000A LF, U+000D CR, U+0020 SPACE.
fn is_http_ws(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | b'\r' | b' ')
}

/// An HTTP token code point (RFC 9110 `tchar`).
fn is_token(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn trim_ws(mut s: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = s {
        if !is_http_ws(*first) {
            break;
        }
        s = rest;
    }
    while let [rest @ .., last] = s {
        if !is_http_ws(*last) {
            break;
        }
        s = rest;
    }
    s
}

/// A parsed media type. Type and subtype are compared ASCII case-insensitively.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MediaType<'a> {
    /// The type (`text`), as written.
    pub type_: &'a [u8],
    /// The subtype (`event-stream`), as written.
    pub subtype: &'a [u8],
    /// Everything after the first `;` (the parameters), unparsed.
    pub params: &'a [u8],
}

impl<'a> MediaType<'a> {
    /// Parses a `Content-Type` value: optional whitespace, a token type, `/`, a token subtype,
    /// optional whitespace, then optional `;` parameters (which never make the value invalid:
    /// the standard skips malformed parameters). `None` when the essence is malformed.
    pub fn parse(value: &'a [u8]) -> Option<Self> {
        let value = trim_ws(value);
        let slash = value.iter().position(|&b| b == b'/')?;
        let type_ = &value[..slash];
        let rest = &value[slash + 1..];
        let semi = rest.iter().position(|&b| b == b';').unwrap_or(rest.len());
        let subtype = trim_ws(&rest[..semi]);
        let params = rest.get(semi + 1..).unwrap_or(&[]);
        if type_.is_empty() || !type_.iter().all(|&b| is_token(b)) {
            return None;
        }
        if subtype.is_empty() || !subtype.iter().all(|&b| is_token(b)) {
            return None;
        }
        Some(MediaType {
            type_,
            subtype,
            params,
        })
    }

    /// Whether the essence is `type/subtype`, ignoring ASCII case.
    pub fn is(&self, type_: &str, subtype: &str) -> bool {
        self.type_.eq_ignore_ascii_case(type_.as_bytes())
            && self.subtype.eq_ignore_ascii_case(subtype.as_bytes())
    }

    /// The parameters as `(name, value)` pairs, names as written (compare them ignoring ASCII
    /// case), quoted values without their quotes and escapes kept as written. Malformed
    /// parameters are skipped.
    pub fn params(&self) -> impl Iterator<Item = (&'a [u8], &'a [u8])> {
        let mut rest = self.params;
        std::iter::from_fn(move || {
            loop {
                rest = trim_ws(rest);
                if rest.is_empty() {
                    return None;
                }
                let name_end = rest
                    .iter()
                    .position(|&b| b == b';' || b == b'=')
                    .unwrap_or(rest.len());
                let name = &rest[..name_end];
                if rest.get(name_end) != Some(&b'=') {
                    rest = rest.get(name_end + 1..).unwrap_or(&[]);
                    continue;
                }
                rest = &rest[name_end + 1..];
                let value;
                if rest.first() == Some(&b'"') {
                    // A quoted string: up to the closing quote, skipping backslash escapes.
                    let mut i = 1;
                    while i < rest.len() && rest[i] != b'"' {
                        i += if rest[i] == b'\\' { 2 } else { 1 };
                    }
                    let end = i.min(rest.len());
                    value = &rest[1..end];
                    rest = rest.get(end + 1..).unwrap_or(&[]);
                    let skip = rest
                        .iter()
                        .position(|&b| b == b';')
                        .map_or(rest.len(), |p| p + 1);
                    rest = &rest[skip..];
                } else {
                    let end = rest.iter().position(|&b| b == b';').unwrap_or(rest.len());
                    value = trim_ws(&rest[..end]);
                    rest = rest.get(end + 1..).unwrap_or(&[]);
                }
                if !name.is_empty() && name.iter().all(|&b| is_token(b)) && !value.is_empty() {
                    return Some((name, value));
                }
            }
        })
    }
}

/// Whether a `Content-Type` value is `text/event-stream` (any case, any parameters).
///
/// ```
/// assert!(proto_sse::is_event_stream(b"Text/Event-Stream; charset=utf-8"));
/// assert!(!proto_sse::is_event_stream(b"text/event-streams"));
/// ```
pub fn is_event_stream(content_type: &[u8]) -> bool {
    MediaType::parse(content_type).is_some_and(|m| m.is("text", "event-stream"))
}
