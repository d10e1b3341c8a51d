//! A whole profile as a small JSON document ([`Profile::to_json`], [`Profile::from_json`]):
//! every field of [`Profile`], named as in the structs, all required, no other key allowed.
//! Parsed from text (the crate reads no files; `wire get --impersonate-file` reads one).
//!
//! ```json
//! {
//!   "name": "firefox", "browser_version": "Firefox 145 (desktop)", "published_ja4": "t13d...",
//!   "tls": {
//!     "tls13_ciphers": "TLS_AES_128_GCM_SHA256:...", "cipher_list": "ECDHE-ECDSA-...",
//!     "groups": "X25519MLKEM768:X25519:...", "key_shares": 3,
//!     "signature_algorithms": [1027, 1283], "grease": false, "permute_extensions": false,
//!     "extension_order": [0, 23, 65281], "cert_compression": ["zlib", "brotli"],
//!     "alps": null, "ocsp_stapling": true, "signed_cert_timestamps": true,
//!     "ech_grease": true, "session_tickets": true, "alpn": ["h2", "http/1.1"],
//!     "record_size_limit": 16385, "delegated_credentials": "ecdsa_secp256r1_sha256"
//!   },
//!   "http2": {
//!     "settings": [[1, 65536], [2, 0]], "connection_window_update": 12517377,
//!     "headers_priority": {"stream_dependency": 0, "weight": 42, "exclusive": false},
//!     "pseudo_header_order": [":method", ":path", ":authority", ":scheme"],
//!     "cookie_crumbs": true
//!   },
//!   "http1_headers": [["User-Agent", "Mozilla/5.0 ..."], ["Cookie", ""]],
//!   "http2_headers": [["user-agent", "Mozilla/5.0 ..."]],
//!   "websocket": {
//!     "http1_headers": [["Origin", ""]], "http2_headers": [["origin", ""]],
//!     "deflate_client_max_window_bits": false
//!   }
//! }
//! ```
//!
//! `null` stands for `None`. Numbers are decimal integers (signature algorithms and extension
//! codepoints as in JA3: `1027` is `0x0403`). Whether BoringSSL and the HTTP/2 config accept
//! the values is checked where they are applied, as for any profile
//! ([`ClientConfigBuilder::build`](crate::ClientConfigBuilder::build), `runtime-mio`'s
//! `h2_config`).

use std::borrow::Cow;
use std::fmt::{self, Write as _};

use super::{Alps, Header, Http2Profile, Priority, Profile, Text, TlsProfile, WebSocketProfile};
use crate::cert_compression::CertCompression;

/// Why a profile document was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProfileFileError {
    /// Not JSON (or nested deeper than a profile is), at this byte offset.
    Syntax {
        /// Byte offset in the text.
        offset: usize,
        /// What was wrong.
        reason: &'static str,
    },
    /// A field missing, of the wrong type, out of range, or not a field of a profile.
    Field {
        /// The field's path, e.g. `tls.signature_algorithms[3]`.
        path: String,
        /// What was wrong.
        reason: String,
    },
}

impl fmt::Display for ProfileFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Syntax { offset, reason } => {
                write!(f, "profile file: byte {offset}: {reason}")
            }
            Self::Field { path, reason } => write!(f, "profile file: {path}: {reason}"),
        }
    }
}

impl std::error::Error for ProfileFileError {}

/// A parsed JSON value (integers only: a profile has no fractions).
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Str(String),
    Array(Vec<Value>),
    Object(Vec<(String, Value)>),
}

/// Deepest nesting a profile needs (headers: object, array, array) with room to spare.
const MAX_DEPTH: usize = 8;

struct Parser<'a> {
    text: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn err(&self, reason: &'static str) -> ProfileFileError {
        ProfileFileError::Syntax {
            offset: self.pos,
            reason,
        }
    }

    fn skip_ws(&mut self) {
        while self
            .text
            .get(self.pos)
            .is_some_and(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
        {
            self.pos += 1;
        }
    }

    fn eat(&mut self, b: u8) -> bool {
        self.skip_ws();
        if self.text.get(self.pos) == Some(&b) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value, ProfileFileError> {
        if depth > MAX_DEPTH {
            return Err(self.err("nested too deep"));
        }
        self.skip_ws();
        match self.text.get(self.pos) {
            None => Err(self.err("unexpected end")),
            Some(b'{') => {
                self.pos += 1;
                let mut fields = Vec::new();
                if self.eat(b'}') {
                    return Ok(Value::Object(fields));
                }
                loop {
                    self.skip_ws();
                    if self.text.get(self.pos) != Some(&b'"') {
                        return Err(self.err("expected a key"));
                    }
                    let key = self.string()?;
                    if fields.iter().any(|(k, _)| *k == key) {
                        return Err(self.err("duplicate key"));
                    }
                    if !self.eat(b':') {
                        return Err(self.err("expected ':'"));
                    }
                    let v = self.value(depth + 1)?;
                    fields.push((key, v));
                    if self.eat(b'}') {
                        return Ok(Value::Object(fields));
                    }
                    if !self.eat(b',') {
                        return Err(self.err("expected ',' or '}'"));
                    }
                }
            }
            Some(b'[') => {
                self.pos += 1;
                let mut items = Vec::new();
                if self.eat(b']') {
                    return Ok(Value::Array(items));
                }
                loop {
                    items.push(self.value(depth + 1)?);
                    if self.eat(b']') {
                        return Ok(Value::Array(items));
                    }
                    if !self.eat(b',') {
                        return Err(self.err("expected ',' or ']'"));
                    }
                }
            }
            Some(b'"') => Ok(Value::Str(self.string()?)),
            Some(b't') => self.word("true", Value::Bool(true)),
            Some(b'f') => self.word("false", Value::Bool(false)),
            Some(b'n') => self.word("null", Value::Null),
            Some(b'-' | b'0'..=b'9') => {
                let start = self.pos;
                if self.text[self.pos] == b'-' {
                    self.pos += 1;
                }
                let digits = self.pos;
                while self.text.get(self.pos).is_some_and(u8::is_ascii_digit) {
                    self.pos += 1;
                }
                if self.pos == digits {
                    return Err(self.err("expected a digit"));
                }
                if matches!(self.text.get(self.pos), Some(b'.' | b'e' | b'E')) {
                    return Err(self.err("only integers are allowed"));
                }
                std::str::from_utf8(&self.text[start..self.pos])
                    .ok()
                    .and_then(|s| s.parse().ok())
                    .map(Value::Int)
                    .ok_or_else(|| self.err("integer out of range"))
            }
            Some(_) => Err(self.err("unexpected character")),
        }
    }

    fn word(&mut self, w: &'static str, v: Value) -> Result<Value, ProfileFileError> {
        if self.text[self.pos..].starts_with(w.as_bytes()) {
            self.pos += w.len();
            Ok(v)
        } else {
            Err(self.err("unexpected word"))
        }
    }

    /// A string literal at `pos` (which holds its opening quote).
    fn string(&mut self) -> Result<String, ProfileFileError> {
        self.pos += 1;
        let mut out = String::new();
        loop {
            let start = self.pos;
            while self
                .text
                .get(self.pos)
                .is_some_and(|&b| b != b'"' && b != b'\\' && b >= 0x20)
            {
                self.pos += 1;
            }
            out.push_str(
                std::str::from_utf8(&self.text[start..self.pos])
                    .map_err(|_| self.err("invalid UTF-8"))?,
            );
            match self.text.get(self.pos) {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.pos += 1;
                    let c = match self.text.get(self.pos) {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => {
                            let hi = self.hex4()?;
                            if (0xd800..0xdc00).contains(&hi) {
                                if !self.text[self.pos + 1..].starts_with(b"\\u") {
                                    return Err(self.err("lone surrogate"));
                                }
                                self.pos += 2;
                                let lo = self.hex4()?;
                                if !(0xdc00..0xe000).contains(&lo) {
                                    return Err(self.err("lone surrogate"));
                                }
                                char::from_u32(0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00))
                                    .ok_or_else(|| self.err("bad escape"))?
                            } else {
                                char::from_u32(hi).ok_or_else(|| self.err("lone surrogate"))?
                            }
                        }
                        _ => return Err(self.err("bad escape")),
                    };
                    self.pos += 1;
                    out.push(c);
                }
                Some(_) => return Err(self.err("control character in a string")),
                None => return Err(self.err("unterminated string")),
            }
        }
    }

    /// The four hex digits after `\u` (`pos` on the `u`); leaves `pos` on the last digit.
    fn hex4(&mut self) -> Result<u32, ProfileFileError> {
        let digits = self
            .text
            .get(self.pos + 1..self.pos + 5)
            .and_then(|d| std::str::from_utf8(d).ok())
            .filter(|d| d.bytes().all(|b| b.is_ascii_hexdigit()))
            .ok_or_else(|| self.err("bad \\u escape"))?;
        let v = u32::from_str_radix(digits, 16).map_err(|_| self.err("bad \\u escape"))?;
        self.pos += 4;
        Ok(v)
    }
}

fn field_err(path: &str, reason: impl Into<String>) -> ProfileFileError {
    ProfileFileError::Field {
        path: path.to_owned(),
        reason: reason.into(),
    }
}

/// An object's fields, each taken once; unknown keys are refused by [`Obj::finish`].
struct Obj {
    path: String,
    fields: Vec<(String, Option<Value>)>,
}

impl Obj {
    fn new(path: &str, v: Value) -> Result<Obj, ProfileFileError> {
        match v {
            Value::Object(f) => Ok(Obj {
                path: path.to_owned(),
                fields: f.into_iter().map(|(k, v)| (k, Some(v))).collect(),
            }),
            _ => Err(field_err(path, "expected an object")),
        }
    }

    fn sub(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_owned()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    fn take(&mut self, key: &str) -> Result<(String, Value), ProfileFileError> {
        let path = self.sub(key);
        self.fields
            .iter_mut()
            .find(|(k, _)| k == key)
            .and_then(|(_, v)| v.take())
            .map(|v| (path.clone(), v))
            .ok_or_else(|| field_err(&path, "missing"))
    }

    fn finish(self) -> Result<(), ProfileFileError> {
        match self.fields.iter().find(|(_, v)| v.is_some()) {
            Some((k, _)) => Err(field_err(&self.sub(k), "not a field of a profile")),
            None => Ok(()),
        }
    }

    fn text(&mut self, key: &str) -> Result<Text, ProfileFileError> {
        let (path, v) = self.take(key)?;
        text(&path, v)
    }

    fn opt_text(&mut self, key: &str) -> Result<Option<Text>, ProfileFileError> {
        match self.take(key)? {
            (_, Value::Null) => Ok(None),
            (path, v) => text(&path, v).map(Some),
        }
    }

    fn bool(&mut self, key: &str) -> Result<bool, ProfileFileError> {
        match self.take(key)? {
            (_, Value::Bool(b)) => Ok(b),
            (path, _) => Err(field_err(&path, "expected true or false")),
        }
    }

    fn int<T: TryFrom<i64>>(&mut self, key: &str) -> Result<T, ProfileFileError> {
        let (path, v) = self.take(key)?;
        int(&path, v)
    }

    fn opt_int<T: TryFrom<i64>>(&mut self, key: &str) -> Result<Option<T>, ProfileFileError> {
        match self.take(key)? {
            (_, Value::Null) => Ok(None),
            (path, v) => int(&path, v).map(Some),
        }
    }

    fn array<T>(
        &mut self,
        key: &str,
        each: impl Fn(&str, Value) -> Result<T, ProfileFileError>,
    ) -> Result<Vec<T>, ProfileFileError> {
        let (path, v) = self.take(key)?;
        array(&path, v, each)
    }

    fn headers(&mut self, key: &str) -> Result<Vec<Header>, ProfileFileError> {
        self.array(key, |path, v| {
            let pair = array(path, v, text)?;
            match <[Text; 2]>::try_from(pair) {
                Ok([n, v]) => Ok((n, v)),
                Err(_) => Err(field_err(path, "expected [name, value]")),
            }
        })
    }
}

fn text(path: &str, v: Value) -> Result<Text, ProfileFileError> {
    match v {
        Value::Str(s) => Ok(Cow::Owned(s)),
        _ => Err(field_err(path, "expected a string")),
    }
}

fn int<T: TryFrom<i64>>(path: &str, v: Value) -> Result<T, ProfileFileError> {
    match v {
        Value::Int(i) => T::try_from(i).map_err(|_| field_err(path, format!("{i} out of range"))),
        _ => Err(field_err(path, "expected an integer")),
    }
}

fn array<T>(
    path: &str,
    v: Value,
    each: impl Fn(&str, Value) -> Result<T, ProfileFileError>,
) -> Result<Vec<T>, ProfileFileError> {
    match v {
        Value::Array(items) => items
            .into_iter()
            .enumerate()
            .map(|(i, v)| each(&format!("{path}[{i}]"), v))
            .collect(),
        _ => Err(field_err(path, "expected an array")),
    }
}

fn cert_compression(path: &str, v: Value) -> Result<CertCompression, ProfileFileError> {
    match text(path, v)?.as_ref() {
        "zlib" => Ok(CertCompression::Zlib),
        "brotli" => Ok(CertCompression::Brotli),
        other => Err(field_err(
            path,
            format!("{other:?}: not zlib or brotli (the algorithms we can decompress)"),
        )),
    }
}

fn cert_compression_name(c: CertCompression) -> &'static str {
    match c {
        CertCompression::Zlib => "zlib",
        CertCompression::Brotli => "brotli",
    }
}

fn tls_from(mut o: Obj) -> Result<TlsProfile, ProfileFileError> {
    let alps = match o.take("alps")? {
        (_, Value::Null) => None,
        (path, v) => {
            let mut a = Obj::new(&path, v)?;
            let alps = Alps {
                protocol: a.text("protocol")?,
                new_codepoint: a.bool("new_codepoint")?,
            };
            a.finish()?;
            Some(alps)
        }
    };
    let extension_order = match o.take("extension_order")? {
        (_, Value::Null) => None,
        (path, v) => Some(array(&path, v, int)?.into()),
    };
    let t = TlsProfile {
        tls13_ciphers: o.opt_text("tls13_ciphers")?,
        cipher_list: o.text("cipher_list")?,
        groups: o.text("groups")?,
        key_shares: o.opt_int("key_shares")?,
        signature_algorithms: o.array("signature_algorithms", int)?.into(),
        grease: o.bool("grease")?,
        permute_extensions: o.bool("permute_extensions")?,
        extension_order,
        cert_compression: o.array("cert_compression", cert_compression)?.into(),
        alps,
        ocsp_stapling: o.bool("ocsp_stapling")?,
        signed_cert_timestamps: o.bool("signed_cert_timestamps")?,
        ech_grease: o.bool("ech_grease")?,
        session_tickets: o.bool("session_tickets")?,
        alpn: o.array("alpn", text)?.into(),
        record_size_limit: o.opt_int("record_size_limit")?,
        delegated_credentials: o.opt_text("delegated_credentials")?,
    };
    o.finish()?;
    Ok(t)
}

fn http2_from(mut o: Obj) -> Result<Http2Profile, ProfileFileError> {
    let settings = o.array("settings", |path, v| {
        let pair: Vec<i64> = array(path, v, int)?;
        match pair[..] {
            [id, value] => Ok((int(path, Value::Int(id))?, int(path, Value::Int(value))?)),
            _ => Err(field_err(path, "expected [identifier, value]")),
        }
    })?;
    let headers_priority = match o.take("headers_priority")? {
        (_, Value::Null) => None,
        (path, v) => {
            let mut p = Obj::new(&path, v)?;
            let prio = Priority {
                stream_dependency: p.int("stream_dependency")?,
                weight: p.int("weight")?,
                exclusive: p.bool("exclusive")?,
            };
            p.finish()?;
            Some(prio)
        }
    };
    let h2 = Http2Profile {
        settings: settings.into(),
        connection_window_update: o.int("connection_window_update")?,
        headers_priority,
        pseudo_header_order: o.array("pseudo_header_order", text)?.into(),
        cookie_crumbs: o.bool("cookie_crumbs")?,
    };
    o.finish()?;
    Ok(h2)
}

impl Profile {
    /// A profile from its JSON document (the format of [`Profile::to_json`], described in
    /// this module's source documentation and the [`crate::profile`] docs): every field
    /// required, no unknown key, `null` for `None`.
    ///
    /// # Errors
    /// [`ProfileFileError::Syntax`] for text that is not JSON, [`ProfileFileError::Field`]
    /// naming the field (`tls.alpn[1]`) that is missing, unknown, or of the wrong type or range.
    ///
    /// ```
    /// let text = tls::profile::FIREFOX.to_json();
    /// assert_eq!(tls::Profile::from_json(&text).unwrap(), tls::profile::FIREFOX);
    /// ```
    pub fn from_json(text: &str) -> Result<Profile, ProfileFileError> {
        let mut parser = Parser {
            text: text.as_bytes(),
            pos: 0,
        };
        let v = parser.value(0)?;
        parser.skip_ws();
        if parser.pos != parser.text.len() {
            return Err(parser.err("text after the document"));
        }
        let mut o = Obj::new("", v)?;
        let name = o.text("name")?;
        let browser_version = o.text("browser_version")?;
        let published_ja4 = o.text("published_ja4")?;
        let (path, v) = o.take("tls")?;
        let tls = tls_from(Obj::new(&path, v)?)?;
        let (path, v) = o.take("http2")?;
        let http2 = http2_from(Obj::new(&path, v)?)?;
        let http1_headers = o.headers("http1_headers")?.into();
        let http2_headers = o.headers("http2_headers")?.into();
        let (path, v) = o.take("websocket")?;
        let mut w = Obj::new(&path, v)?;
        let websocket = WebSocketProfile {
            http1_headers: w.headers("http1_headers")?.into(),
            http2_headers: w.headers("http2_headers")?.into(),
            deflate_client_max_window_bits: w.bool("deflate_client_max_window_bits")?,
        };
        w.finish()?;
        o.finish()?;
        Ok(Profile {
            name,
            browser_version,
            published_ja4,
            tls,
            http2,
            http1_headers,
            http2_headers,
            websocket,
        })
    }

    /// The profile as a JSON document that [`Profile::from_json`] reads back equal.
    #[must_use]
    pub fn to_json(&self) -> String {
        let t = &self.tls;
        let h = &self.http2;
        let mut o = String::new();
        o.push_str("{\n");
        let _ = writeln!(o, "  \"name\": {},", s(&self.name));
        let _ = writeln!(o, "  \"browser_version\": {},", s(&self.browser_version));
        let _ = writeln!(o, "  \"published_ja4\": {},", s(&self.published_ja4));
        o.push_str("  \"tls\": {\n");
        let _ = writeln!(
            o,
            "    \"tls13_ciphers\": {},",
            opt(t.tls13_ciphers.as_deref().map(s))
        );
        let _ = writeln!(o, "    \"cipher_list\": {},", s(&t.cipher_list));
        let _ = writeln!(o, "    \"groups\": {},", s(&t.groups));
        let _ = writeln!(
            o,
            "    \"key_shares\": {},",
            opt(t.key_shares.map(|n| n.to_string()))
        );
        let _ = writeln!(
            o,
            "    \"signature_algorithms\": {},",
            nums(&t.signature_algorithms)
        );
        let _ = writeln!(o, "    \"grease\": {},", t.grease);
        let _ = writeln!(o, "    \"permute_extensions\": {},", t.permute_extensions);
        let _ = writeln!(
            o,
            "    \"extension_order\": {},",
            opt(t.extension_order.as_deref().map(nums))
        );
        let cc: Vec<String> = t
            .cert_compression
            .iter()
            .map(|c| s(cert_compression_name(*c)))
            .collect();
        let _ = writeln!(o, "    \"cert_compression\": [{}],", cc.join(", "));
        let alps = t.alps.as_ref().map(|a| {
            format!(
                "{{\"protocol\": {}, \"new_codepoint\": {}}}",
                s(&a.protocol),
                a.new_codepoint
            )
        });
        let _ = writeln!(o, "    \"alps\": {},", opt(alps));
        let _ = writeln!(o, "    \"ocsp_stapling\": {},", t.ocsp_stapling);
        let _ = writeln!(
            o,
            "    \"signed_cert_timestamps\": {},",
            t.signed_cert_timestamps
        );
        let _ = writeln!(o, "    \"ech_grease\": {},", t.ech_grease);
        let _ = writeln!(o, "    \"session_tickets\": {},", t.session_tickets);
        let _ = writeln!(o, "    \"alpn\": {},", strs(&t.alpn));
        let _ = writeln!(
            o,
            "    \"record_size_limit\": {},",
            opt(t.record_size_limit.map(|n| n.to_string()))
        );
        let _ = writeln!(
            o,
            "    \"delegated_credentials\": {}",
            opt(t.delegated_credentials.as_deref().map(s))
        );
        o.push_str("  },\n  \"http2\": {\n");
        let settings: Vec<String> = h
            .settings
            .iter()
            .map(|(k, v)| format!("[{k}, {v}]"))
            .collect();
        let _ = writeln!(o, "    \"settings\": [{}],", settings.join(", "));
        let _ = writeln!(
            o,
            "    \"connection_window_update\": {},",
            h.connection_window_update
        );
        let prio = h.headers_priority.map(|p| {
            format!(
                "{{\"stream_dependency\": {}, \"weight\": {}, \"exclusive\": {}}}",
                p.stream_dependency, p.weight, p.exclusive
            )
        });
        let _ = writeln!(o, "    \"headers_priority\": {},", opt(prio));
        let _ = writeln!(
            o,
            "    \"pseudo_header_order\": {},",
            strs(&h.pseudo_header_order)
        );
        let _ = writeln!(o, "    \"cookie_crumbs\": {}", h.cookie_crumbs);
        o.push_str("  },\n");
        let _ = writeln!(
            o,
            "  \"http1_headers\": {},",
            headers(&self.http1_headers, "  ")
        );
        let _ = writeln!(
            o,
            "  \"http2_headers\": {},",
            headers(&self.http2_headers, "  ")
        );
        o.push_str("  \"websocket\": {\n");
        let w = &self.websocket;
        let _ = writeln!(
            o,
            "    \"http1_headers\": {},",
            headers(&w.http1_headers, "    ")
        );
        let _ = writeln!(
            o,
            "    \"http2_headers\": {},",
            headers(&w.http2_headers, "    ")
        );
        let _ = writeln!(
            o,
            "    \"deflate_client_max_window_bits\": {}",
            w.deflate_client_max_window_bits
        );
        o.push_str("  }\n}\n");
        o
    }
}

/// A JSON string literal.
fn s(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
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
    out
}

fn opt(v: Option<String>) -> String {
    v.unwrap_or_else(|| "null".to_owned())
}

fn nums(v: &[u16]) -> String {
    let v: Vec<String> = v.iter().map(u16::to_string).collect();
    format!("[{}]", v.join(", "))
}

fn strs(v: &[Text]) -> String {
    let v: Vec<String> = v.iter().map(|t| s(t)).collect();
    format!("[{}]", v.join(", "))
}

fn headers(list: &[Header], indent: &str) -> String {
    if list.is_empty() {
        return "[]".to_owned();
    }
    let lines: Vec<String> = list
        .iter()
        .map(|(n, v)| format!("{indent}  [{}, {}]", s(n), s(v)))
        .collect();
    format!("[\n{}\n{indent}]", lines.join(",\n"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::BUILT_IN;

    #[test]
    fn every_built_in_round_trips_exactly() {
        for p in BUILT_IN {
            let text = p.to_json();
            assert_eq!(&Profile::from_json(&text).unwrap(), p, "{}", p.name);
        }
    }

    #[test]
    fn escapes_round_trip() {
        let mut p = crate::profile::CHROME.clone();
        p.name = "a \"quoted\" \\ name\t\u{1}é😀".into();
        assert_eq!(Profile::from_json(&p.to_json()).unwrap(), p);
        let mut text = p.to_json();
        text = text.replace("\\u0001", "\\ud83d\\ude00");
        assert!(Profile::from_json(&text).unwrap().name.ends_with("\t😀é😀"));
    }

    fn field(text: &str) -> (String, String) {
        match Profile::from_json(text).unwrap_err() {
            ProfileFileError::Field { path, reason } => (path, reason),
            e => panic!("{e}"),
        }
    }

    #[test]
    fn refusals_name_the_field() {
        let good = crate::profile::FIREFOX.to_json();
        let (path, reason) = field(&good.replace("\"grease\": false", "\"grease\": 1"));
        assert_eq!(
            (path.as_str(), reason.as_str()),
            ("tls.grease", "expected true or false")
        );
        let (path, _) =
            field(&good.replace("\"alpn\": [\"h2\", \"http/1.1\"]", "\"alpn\": [\"h2\", 3]"));
        assert_eq!(path, "tls.alpn[1]");
        let (path, reason) = field(&good.replace("[1, 65536]", "[1, 70000000000]"));
        assert_eq!(path, "http2.settings[0]");
        assert!(reason.contains("out of range"), "{reason}");
        let (path, reason) = field(&good.replace("\"zlib\"", "\"zstd\""));
        assert_eq!(path, "tls.cert_compression[0]");
        assert!(reason.contains("zstd"), "{reason}");
        let (path, reason) = field(&good.replace(
            "\"cookie_crumbs\": true",
            "\"cookie_crumbs\": true, \"extra\": 1",
        ));
        assert_eq!(
            (path.as_str(), reason.as_str()),
            ("http2.extra", "not a field of a profile")
        );
        let (path, reason) = field(&good.replace("  \"published_ja4\"", "  \"x_published_ja4\""));
        assert_eq!(
            (path.as_str(), reason.as_str()),
            ("published_ja4", "missing")
        );
        let (path, _) = field(&good.replace("[\"Cookie\", \"\"]", "[\"Cookie\"]"));
        assert_eq!(path, "http1_headers[5]");
        for (bad, reason) in [
            ("", "unexpected end"),
            ("{\"name\": 1.5}", "only integers are allowed"),
            ("{\"a\": 1, \"a\": 2}", "duplicate key"),
            ("{\"a\": \"\\q\"}", "bad escape"),
            ("{\"a\": \"\\ud800\"}", "lone surrogate"),
            ("[[[[[[[[[[1]]]]]]]]]]", "nested too deep"),
            ("{} x", "text after the document"),
        ] {
            match Profile::from_json(bad) {
                Err(ProfileFileError::Syntax { reason: r, .. }) => assert_eq!(r, reason, "{bad}"),
                other => panic!("{bad}: {other:?}"),
            }
        }
    }
}
