//! The small hand-written JSON writer `wire serve` answers with (`/echo`, `/fingerprint`):
//! string literals with proper escaping, nothing more. Invalid UTF-8 becomes U+FFFD.

use std::fmt::Write as _;

/// Appends the JSON string literal of `bytes` to `out` (invalid UTF-8 replaced by U+FFFD;
/// `"`, `\`, and control characters escaped).
pub fn push_string(out: &mut String, bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    out.reserve(text.len() + 2);
    out.push('"');
    for ch in text.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// The JSON string literal of `bytes` (see [`push_string`]).
///
/// ```
/// assert_eq!(runtime_mio::json::string(b"a\"b\n"), r#""a\"b\n""#);
/// ```
#[must_use]
pub fn string(bytes: &[u8]) -> String {
    let mut s = String::new();
    push_string(&mut s, bytes);
    s
}

/// Appends `"key":` (the key escaped) to `out`, preceded by a comma unless `out` ends with
/// `{`.
pub fn push_key(out: &mut String, key: &str) {
    if !out.ends_with('{') {
        out.push(',');
    }
    push_string(out, key.as_bytes());
    out.push(':');
}

/// Appends the JSON string literal of `s`, or `null` when `None`.
pub fn push_opt_string(out: &mut String, s: Option<&str>) {
    match s {
        Some(s) => push_string(out, s.as_bytes()),
        None => out.push_str("null"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(string(b"a\"b\\c\n\x01\x7f"), r#""a\"b\\c\n\u0001\u007f""#);
        assert_eq!(string(b"caf\xc3\xa9"), "\"caf\u{e9}\"");
        assert_eq!(string(b"\xff"), "\"\u{fffd}\"");
        assert_eq!(string(b"\r\t"), r#""\r\t""#);
    }

    #[test]
    fn keys_and_nulls() {
        let mut s = String::from("{");
        push_key(&mut s, "a");
        push_opt_string(&mut s, None);
        push_key(&mut s, "b\"");
        push_opt_string(&mut s, Some("x"));
        s.push('}');
        assert_eq!(s, r#"{"a":null,"b\"":"x"}"#);
    }
}
