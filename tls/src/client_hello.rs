//! A ClientHello parser and the JA3, JA3N, JA4 and JA4_r fingerprints computed from it.
//!
//! Pure Rust over borrowed bytes: no BoringSSL state is involved in parsing (the MD5 and SHA-256
//! digests of the fingerprints come from BoringSSL's hash functions). Every length is checked, so
//! any input gives `Ok` or a [`ParseError`], never a panic.
//!
//! GREASE (RFC 8701: every value of the form `0x?A?A` with both bytes equal) is left out of every
//! list, as both specifications say: JA3 ("GREASE values are ignored", Salesforce's reference
//! implementation) and JA4 ("The program needs to ignore GREASE values anywhere it sees them").
//!
//! JA4 and JA4_r equal what FoxIO's reference implementation prints for every ClientHello of the
//! captures published with it (`tests/ja4_corpus.rs` reads them from `../shared/corpora/ja4`),
//! including a second ClientHello after a HelloRetryRequest and an ALPN value outside ASCII.
//!
//! # Examples
//! ```
//! # let mut config = tls::ClientConfig::builder();
//! # config.danger_accept_invalid_certs(true);
//! # let config = config.build().unwrap();
//! let mut client = tls::ClientSession::new(&config, "example.com").unwrap();
//! client.handshake().unwrap();
//! let mut hello = Vec::new();
//! client.poll_transmit(&mut hello);
//! let parsed = tls::ClientHello::parse_records(&hello).unwrap();
//! assert!(parsed.fingerprints().ja4.starts_with("t13d"));
//! ```

use std::fmt::Write as _;

/// Why bytes are not a ClientHello.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParseError {
    /// The input ended before the structure did (`need` more bytes were announced).
    Truncated,
    /// A TLS record that is not a handshake record (content type 22).
    NotHandshakeRecord(u8),
    /// A handshake message that is not a ClientHello (type 1).
    NotClientHello(u8),
    /// A length field that disagrees with its contents (field name).
    BadLength(&'static str),
    /// The same extension twice (RFC 8446 section 4.2 forbids it).
    DuplicateExtension(u16),
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Truncated => f.write_str("ClientHello truncated"),
            Self::NotHandshakeRecord(t) => write!(f, "record content type {t} is not handshake"),
            Self::NotClientHello(t) => write!(f, "handshake type {t} is not ClientHello"),
            Self::BadLength(what) => write!(f, "bad length of {what}"),
            Self::DuplicateExtension(e) => write!(f, "duplicate extension {e}"),
        }
    }
}

impl std::error::Error for ParseError {}

/// Whether a 16-bit value is a GREASE value (RFC 8701 section 2: `0x0A0A`, `0x1A1A`, ... `0xFAFA`).
#[must_use]
pub fn is_grease(v: u16) -> bool {
    (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff)
}

/// The fields of a ClientHello that fingerprints use, in wire order, GREASE included (the
/// fingerprint functions drop it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientHello {
    /// `legacy_version` of the ClientHello body (0x0303 for TLS 1.2 and 1.3).
    pub legacy_version: u16,
    /// Cipher suites, in order.
    pub cipher_suites: Vec<u16>,
    /// Extension types, in order.
    pub extensions: Vec<u16>,
    /// `supported_groups` (10), in order.
    pub groups: Vec<u16>,
    /// `ec_point_formats` (11), in order.
    pub point_formats: Vec<u8>,
    /// `signature_algorithms` (13), in order.
    pub signature_algorithms: Vec<u16>,
    /// `supported_versions` (43), in order.
    pub supported_versions: Vec<u16>,
    /// ALPN protocol names (16), in order.
    pub alpn: Vec<Vec<u8>>,
    /// The SNI host name (0), when present.
    pub server_name: Option<Vec<u8>>,
}

/// JA3, JA3N, JA4 and the raw JA4 of one ClientHello.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprints {
    /// The JA3 string: `version,ciphers,extensions,groups,point_formats` (decimal, `-` joined).
    pub ja3_text: String,
    /// MD5 of [`Fingerprints::ja3_text`], lower-case hex.
    pub ja3: String,
    /// JA3 with the extensions sorted numerically (stable under extension permutation).
    pub ja3n_text: String,
    /// MD5 of [`Fingerprints::ja3n_text`].
    pub ja3n: String,
    /// JA4 (FoxIO): `t13d1516h2_<ciphers hash>_<extensions and signature algorithms hash>`.
    pub ja4: String,
    /// JA4_r: JA4 with the sorted lists in clear instead of their hashes.
    pub ja4_r: String,
}

struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], ParseError> {
        if self.buf.len() < n {
            return Err(ParseError::Truncated);
        }
        let (head, rest) = self.buf.split_at(n);
        self.buf = rest;
        Ok(head)
    }
    fn u8(&mut self) -> Result<u8, ParseError> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Result<u16, ParseError> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }
    fn u24(&mut self) -> Result<usize, ParseError> {
        let b = self.take(3)?;
        Ok((usize::from(b[0]) << 16) | (usize::from(b[1]) << 8) | usize::from(b[2]))
    }
    fn vec8(&mut self) -> Result<&'a [u8], ParseError> {
        let n = self.u8()?;
        self.take(usize::from(n))
    }
    fn vec16(&mut self) -> Result<&'a [u8], ParseError> {
        let n = self.u16()?;
        self.take(usize::from(n))
    }
}

fn u16_list(bytes: &[u8], what: &'static str) -> Result<Vec<u16>, ParseError> {
    if !bytes.len().is_multiple_of(2) {
        return Err(ParseError::BadLength(what));
    }
    Ok(bytes
        .chunks_exact(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .collect())
}

/// The largest handshake message accepted from records (a ClientHello is far smaller).
const MAX_HELLO: usize = 1 << 17;

/// TLS record content types (RFC 8446 section 5.1).
const CHANGE_CIPHER_SPEC: u8 = 20;
const HANDSHAKE: u8 = 22;

impl ClientHello {
    /// Parses TLS records (as a client sends them on the wire) holding one ClientHello, which
    /// may span several records. Bytes after the ClientHello are ignored.
    ///
    /// ChangeCipherSpec records (content type 20, the one byte `1`) before the ClientHello are
    /// skipped: a TLS 1.3 client in middlebox compatibility mode (RFC 8446 appendix D.4) sends
    /// one just before its second ClientHello, the one answering a HelloRetryRequest, so the
    /// bytes it sends after the server's HelloRetryRequest parse as that second ClientHello.
    ///
    /// # Errors
    /// [`ParseError`] when the records or the message are malformed or incomplete.
    pub fn parse_records(input: &[u8]) -> Result<Self, ParseError> {
        let mut r = Reader { buf: input };
        let mut message = Vec::new();
        loop {
            let content_type = r.u8()?;
            let skip = content_type == CHANGE_CIPHER_SPEC && message.is_empty();
            if content_type != HANDSHAKE && !skip {
                return Err(ParseError::NotHandshakeRecord(content_type));
            }
            let _version = r.u16()?;
            let fragment = r.vec16()?;
            if skip {
                // RFC 8446 appendix D.4 (middlebox compatibility): a client sends a
                // ChangeCipherSpec record before its second ClientHello, after a
                // HelloRetryRequest, often in the same segment. Its body is the one byte 1.
                if fragment != [1] {
                    return Err(ParseError::NotHandshakeRecord(content_type));
                }
                continue;
            }
            message.extend_from_slice(fragment);
            if message.len() >= 4 {
                let len = (usize::from(message[1]) << 16)
                    | (usize::from(message[2]) << 8)
                    | usize::from(message[3]);
                if len > MAX_HELLO {
                    return Err(ParseError::BadLength("handshake message"));
                }
                if message.len() >= len + 4 {
                    return Self::parse_handshake(&message[..len + 4]);
                }
            }
        }
    }

    /// Parses one handshake message (type, 24-bit length, ClientHello body).
    ///
    /// # Errors
    /// [`ParseError`] when the message is malformed or incomplete.
    pub fn parse_handshake(input: &[u8]) -> Result<Self, ParseError> {
        let mut r = Reader { buf: input };
        let ty = r.u8()?;
        if ty != 1 {
            return Err(ParseError::NotClientHello(ty));
        }
        let len = r.u24()?;
        Self::parse_body(r.take(len)?)
    }

    /// Parses a ClientHello body (what follows the handshake header; BoringSSL's
    /// `SSL_CLIENT_HELLO` holds exactly this).
    ///
    /// # Errors
    /// [`ParseError`] when the body is malformed or incomplete.
    pub fn parse_body(input: &[u8]) -> Result<Self, ParseError> {
        let mut r = Reader { buf: input };
        let mut hello = ClientHello {
            legacy_version: r.u16()?,
            ..ClientHello::default()
        };
        r.take(32)?; // random
        r.vec8()?; // legacy_session_id
        hello.cipher_suites = u16_list(r.vec16()?, "cipher_suites")?;
        r.vec8()?; // legacy_compression_methods
        if r.buf.is_empty() {
            return Ok(hello); // no extensions block at all (SSL 3.0 style)
        }
        let mut exts = Reader { buf: r.vec16()? };
        while !exts.buf.is_empty() {
            let ty = exts.u16()?;
            let data = exts.vec16()?;
            if hello.extensions.contains(&ty) {
                return Err(ParseError::DuplicateExtension(ty));
            }
            hello.extensions.push(ty);
            let mut d = Reader { buf: data };
            match ty {
                0 => {
                    let mut list = Reader { buf: d.vec16()? };
                    while !list.buf.is_empty() {
                        let name_type = list.u8()?;
                        let name = list.vec16()?;
                        if name_type == 0 && hello.server_name.is_none() {
                            hello.server_name = Some(name.to_vec());
                        }
                    }
                }
                10 => hello.groups = u16_list(d.vec16()?, "supported_groups")?,
                11 => hello.point_formats = d.vec8()?.to_vec(),
                13 => hello.signature_algorithms = u16_list(d.vec16()?, "signature_algorithms")?,
                16 => {
                    let mut list = Reader { buf: d.vec16()? };
                    while !list.buf.is_empty() {
                        hello.alpn.push(list.vec8()?.to_vec());
                    }
                }
                43 => hello.supported_versions = u16_list(d.vec8()?, "supported_versions")?,
                _ => {}
            }
        }
        Ok(hello)
    }

    /// Computes JA3, JA3N, JA4 and JA4_r (TLS over TCP).
    #[must_use]
    pub fn fingerprints(&self) -> Fingerprints {
        let ciphers: Vec<u16> = self
            .cipher_suites
            .iter()
            .copied()
            .filter(|v| !is_grease(*v))
            .collect();
        let exts: Vec<u16> = self
            .extensions
            .iter()
            .copied()
            .filter(|v| !is_grease(*v))
            .collect();
        let groups: Vec<u16> = self
            .groups
            .iter()
            .copied()
            .filter(|v| !is_grease(*v))
            .collect();
        let sigalgs: Vec<u16> = self
            .signature_algorithms
            .iter()
            .copied()
            .filter(|v| !is_grease(*v))
            .collect();

        // JA3: SSLVersion,Cipher,SSLExtension,EllipticCurve,EllipticCurvePointFormat
        let dec = |v: &[u16]| v.iter().map(u16::to_string).collect::<Vec<_>>().join("-");
        let formats = self
            .point_formats
            .iter()
            .map(u8::to_string)
            .collect::<Vec<_>>()
            .join("-");
        let ja3_text = format!(
            "{},{},{},{},{}",
            self.legacy_version,
            dec(&ciphers),
            dec(&exts),
            dec(&groups),
            formats
        );
        let mut sorted_exts = exts.clone();
        sorted_exts.sort_unstable();
        let ja3n_text = format!(
            "{},{},{},{},{}",
            self.legacy_version,
            dec(&ciphers),
            dec(&sorted_exts),
            dec(&groups),
            formats
        );

        // JA4 part a.
        let version = self
            .supported_versions
            .iter()
            .copied()
            .filter(|v| !is_grease(*v))
            .max()
            .unwrap_or(self.legacy_version);
        let version = match version {
            0x0304 => "13",
            0x0303 => "12",
            0x0302 => "11",
            0x0301 => "10",
            0x0300 => "s3",
            0x0002 => "s2",
            0xfeff => "d1",
            0xfefd => "d2",
            0xfefc => "d3",
            _ => "00",
        };
        let sni = if exts.contains(&0) { 'd' } else { 'i' };
        let alpn = ja4_alpn(self.alpn.first().map(Vec::as_slice));
        let part_a = format!(
            "t{version}{sni}{:02}{:02}{alpn}",
            ciphers.len().min(99),
            exts.len().min(99)
        );

        let mut sorted_ciphers = ciphers.clone();
        sorted_ciphers.sort_unstable();
        let cipher_list = hex_list(&sorted_ciphers);
        let ext_list: Vec<u16> = sorted_exts
            .iter()
            .copied()
            .filter(|e| *e != 0 && *e != 16)
            .collect();
        let mut ext_text = hex_list(&ext_list);
        if !sigalgs.is_empty() {
            ext_text.push('_');
            ext_text.push_str(&hex_list(&sigalgs));
        }
        let part_b = if sorted_ciphers.is_empty() {
            "000000000000".to_owned()
        } else {
            sha256_12(&cipher_list)
        };
        let part_c = if ext_list.is_empty() {
            "000000000000".to_owned()
        } else {
            sha256_12(&ext_text)
        };
        Fingerprints {
            ja3: md5_hex(&ja3_text),
            ja3_text,
            ja3n: md5_hex(&ja3n_text),
            ja3n_text,
            ja4: format!("{part_a}_{part_b}_{part_c}"),
            ja4_r: format!("{part_a}_{cipher_list}_{ext_text}"),
        }
    }
}

/// JA4 from a JA4_r string (`a_ciphers_extensions[_sigalgs]`): hashes the two raw lists the
/// way [`ClientHello::fingerprints`] does. `None` when the string lacks its three parts.
///
/// ```
/// let ja4 = tls::client_hello::ja4_from_raw(
///     "t13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9_\
///      0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01_\
///      0403,0804,0401,0503,0805,0501,0806,0601",
/// );
/// assert_eq!(ja4.as_deref(), Some("t13d1516h2_8daaf6152771_e5627efa2ab1")); // FoxIO's example
/// ```
#[must_use]
pub fn ja4_from_raw(ja4_r: &str) -> Option<String> {
    let mut parts = ja4_r.splitn(3, '_');
    let (a, ciphers, rest) = (parts.next()?, parts.next()?, parts.next()?);
    let hash = |s: &str| {
        if s.is_empty() {
            "000000000000".to_owned()
        } else {
            sha256_12(s)
        }
    };
    Some(format!("{a}_{}_{}", hash(ciphers), hash(rest)))
}

/// The two ALPN characters of JA4 part a, from the first ALPN value (`None`: no ALPN).
///
/// - No value, or an empty one: `00`.
/// - First and last bytes ASCII alphanumeric: those two characters (`h2`, `h1` for
///   `http/1.1`; a one-byte value gives its character twice), as the specification says.
/// - A first or last byte outside ASCII (0x80 and up): `9` in its place, the other end as
///   above, so `0xBA 0xAD` gives `99` and `'h' 0xFF` gives `h9`. This is what FoxIO's
///   reference tools print (their Rust `ja4` reads Wireshark's rendering of the value and
///   writes `9` for a character outside ASCII; their Python `ja4.py` writes `99` when the first
///   one is), and what the output published with their captures expects
///   (`tls-non-ascii-alpn.pcapng`: `t13d151699_...`, checked by `tests/ja4_corpus.rs`). The
///   specification's text now says "the first and last characters of the hex representation"
///   for any non-alphanumeric end (`bd` for `0xBA 0xAD`); FoxIO's tools, as of their 2026
///   sources, do not print that, and fingerprint databases hold what the tools print.
/// - Otherwise (a first or last byte that is ASCII but not alphanumeric, such as a space or
///   `/`, where the reference tools would put that character into the fingerprint): the
///   specification's rule, the first and last characters of the value's hex form (`0x20 0x61`
///   gives `21`).
fn ja4_alpn(first: Option<&[u8]>) -> String {
    let Some(&[a, .., z] | &[a @ z]) = first else {
        return "00".to_owned();
    };
    let plain = |b: u8| b.is_ascii_alphanumeric() || !b.is_ascii();
    if plain(a) && plain(z) {
        let show = |b: u8| if b.is_ascii() { char::from(b) } else { '9' };
        return [show(a), show(z)].iter().collect();
    }
    let digit = |nibble: u8| char::from_digit(u32::from(nibble), 16).unwrap_or('0');
    [digit(a >> 4), digit(z & 0x0f)].iter().collect()
}

fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

fn hex_list(values: &[u16]) -> String {
    values
        .iter()
        .map(|v| format!("{v:04x}"))
        .collect::<Vec<_>>()
        .join(",")
}

fn md5_hex(text: &str) -> String {
    boring::hash::hash(boring::hash::MessageDigest::md5(), text.as_bytes())
        .map(|d| hex(&d))
        .unwrap_or_default()
}

/// The first 12 hex digits of the SHA-256 of `text`, as JA4+ hashes lists.
pub(crate) fn sha256_12(text: &str) -> String {
    let digest = boring::sha::sha256(text.as_bytes());
    let mut s = hex(&digest);
    s.truncate(12);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds a ClientHello handshake message from lists, the way a test vector describes one.
    pub(crate) fn build(ciphers: &[u16], exts: &[(u16, Vec<u8>)]) -> Vec<u8> {
        let mut body = vec![3, 3];
        body.extend_from_slice(&[7; 32]);
        body.push(0);
        body.extend_from_slice(&((ciphers.len() * 2) as u16).to_be_bytes());
        for c in ciphers {
            body.extend_from_slice(&c.to_be_bytes());
        }
        body.extend_from_slice(&[1, 0]);
        let mut e = Vec::new();
        for (ty, data) in exts {
            e.extend_from_slice(&ty.to_be_bytes());
            e.extend_from_slice(&(data.len() as u16).to_be_bytes());
            e.extend_from_slice(data);
        }
        body.extend_from_slice(&(e.len() as u16).to_be_bytes());
        body.extend_from_slice(&e);
        let mut msg = vec![1, 0, (body.len() >> 8) as u8, body.len() as u8];
        msg.extend_from_slice(&body);
        msg
    }

    fn list16(prefix_len: usize, v: &[u16]) -> Vec<u8> {
        let mut out = Vec::new();
        let n = v.len() * 2;
        if prefix_len == 2 {
            out.extend_from_slice(&(n as u16).to_be_bytes());
        } else {
            out.push(n as u8);
        }
        for x in v {
            out.extend_from_slice(&x.to_be_bytes());
        }
        out
    }

    /// The published browserleaks record of Chrome 143 (JA3 text and hash, JA3N hash, JA4,
    /// JA4_r), rebuilt as a ClientHello with two GREASE values added the way Chrome adds them.
    #[test]
    fn chrome_143_published_vector() {
        let ciphers = [
            0x2a2a, 4865, 4866, 4867, 49195, 49199, 49196, 49200, 52393, 52392, 49171, 49172, 156,
            157, 47, 53,
        ];
        let sni = {
            let name = b"tls.browserleaks.com";
            let mut v = ((name.len() + 3) as u16).to_be_bytes().to_vec();
            v.push(0);
            v.extend_from_slice(&(name.len() as u16).to_be_bytes());
            v.extend_from_slice(name);
            v
        };
        let alpn = vec![
            0, 12, 2, b'h', b'2', 8, b'h', b't', b't', b'p', b'/', b'1', b'.', b'1',
        ];
        let order: [u16; 17] = [
            0x3a3a, 45, 51, 16, 65037, 23, 17613, 0, 11, 10, 43, 65281, 35, 18, 5, 13, 27,
        ];
        let exts: Vec<(u16, Vec<u8>)> = order
            .iter()
            .map(|&t| {
                let data = match t {
                    0 => sni.clone(),
                    16 => alpn.clone(),
                    10 => list16(2, &[0x4a4a, 4588, 29, 23, 24]),
                    11 => vec![1, 0],
                    13 => list16(
                        2,
                        &[
                            0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601,
                        ],
                    ),
                    43 => list16(1, &[0x5a5a, 0x0304, 0x0303]),
                    _ => Vec::new(),
                };
                (t, data)
            })
            .collect();
        let msg = build(&ciphers, &exts);
        let hello = ClientHello::parse_handshake(&msg).unwrap();
        let fp = hello.fingerprints();
        assert_eq!(
            fp.ja3_text,
            "771,4865-4866-4867-49195-49199-49196-49200-52393-52392-49171-49172-156-157-47-53,45-51-16-65037-23-17613-0-11-10-43-65281-35-18-5-13-27,4588-29-23-24,0"
        );
        assert_eq!(fp.ja3, "98487aa16281980e7d1120d399efb6a4");
        assert_eq!(fp.ja3n, "8e19337e7524d2573be54efb2b0784c9");
        assert_eq!(fp.ja4, "t13d1516h2_8daaf6152771_d8a2da3f94cd");
        assert_eq!(
            fp.ja4_r,
            "t13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9_0005,000a,000b,000d,0012,0017,001b,0023,002b,002d,0033,44cd,fe0d,ff01_0403,0804,0401,0503,0805,0501,0806,0601"
        );
        assert_eq!(
            hello.server_name.as_deref(),
            Some(&b"tls.browserleaks.com"[..])
        );
    }

    /// The worked example of the FoxIO JA4 specification (technical_details/JA4.md).
    #[test]
    fn foxio_spec_example() {
        let ciphers = [
            0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014,
            0x009c, 0x009d, 0x002f, 0x0035,
        ];
        let order = [
            0x001b, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017, 0x002d, 0x000d, 0x0005, 0x0023, 0x0012,
            0x002b, 0xff01, 0x000b, 0x000a, 0x0015,
        ];
        let exts: Vec<(u16, Vec<u8>)> = order
            .iter()
            .map(|&t| {
                let data = match t {
                    0x10 => vec![0, 3, 2, b'h', b'2'],
                    0x0a => list16(2, &[0x001d]),
                    0x00 => vec![0, 4, 0, 0, 1, b'a'],
                    0x0b => vec![1, 0],
                    0x0d => list16(
                        2,
                        &[
                            0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601,
                        ],
                    ),
                    0x2b => list16(1, &[0x0304, 0x0303]),
                    _ => Vec::new(),
                };
                (t, data)
            })
            .collect();
        let fp = ClientHello::parse_handshake(&build(&ciphers, &exts))
            .unwrap()
            .fingerprints();
        assert_eq!(fp.ja4, "t13d1516h2_8daaf6152771_e5627efa2ab1");
        // An empty signature algorithm list: the string ends without an underscore.
        let exts: Vec<(u16, Vec<u8>)> = exts
            .into_iter()
            .map(|(t, d)| {
                if t == 0x0d {
                    (t, list16(2, &[]))
                } else {
                    (t, d)
                }
            })
            .collect();
        let fp = ClientHello::parse_handshake(&build(&ciphers, &exts))
            .unwrap()
            .fingerprints();
        assert_eq!(fp.ja4, "t13d1516h2_8daaf6152771_6d807ffa2a79");
    }

    #[test]
    fn grease_values() {
        assert!(is_grease(0x0a0a));
        assert!(is_grease(0xfafa));
        assert!(!is_grease(0x0a1a));
        assert!(!is_grease(0x1301));
    }

    #[test]
    fn records_split_and_errors() {
        let msg = build(&[0x1301], &[(43, list16(1, &[0x0304]))]);
        let mut rec = Vec::new();
        for chunk in msg.chunks(7) {
            rec.extend_from_slice(&[22, 3, 1]);
            rec.extend_from_slice(&(chunk.len() as u16).to_be_bytes());
            rec.extend_from_slice(chunk);
        }
        let a = ClientHello::parse_records(&rec).unwrap();
        assert_eq!(a, ClientHello::parse_handshake(&msg).unwrap());
        assert_eq!(
            a.fingerprints().ja4,
            format!("t13i010100_{}_{}", sha256_12("1301"), sha256_12("002b"))
        );
        for cut in 0..rec.len() {
            assert!(ClientHello::parse_records(&rec[..cut]).is_err());
        }
        assert_eq!(
            ClientHello::parse_records(&[23, 3, 3, 0, 0]),
            Err(ParseError::NotHandshakeRecord(23))
        );
        assert_eq!(
            ClientHello::parse_handshake(&[2, 0, 0, 0]),
            Err(ParseError::NotClientHello(2))
        );
    }

    /// The ALPN characters of JA4 part a, in each case `ja4_alpn` documents.
    #[test]
    fn alpn_characters() {
        let cases: [(&[u8], &str); 12] = [
            (b"h2", "h2"),
            (b"http/1.1", "h1"),
            (b"x", "xx"),
            (b"", "00"),
            // Outside ASCII: 9 in place of the byte, as the reference tools print it
            // (FoxIO's tls-non-ascii-alpn.pcapng: 0xBA 0xAD gives 99).
            (&[0xba, 0xad], "99"),
            (&[0xab], "99"),
            (&[b'h', 0xff], "h9"),
            (&[0x30, 0xab, 0xcd, 0x31], "01"),
            (&[0x30, 0x31, 0xab, 0xcd], "09"),
            // ASCII but not alphanumeric: the first and last hex digits (the spec's examples).
            (&[0x20], "20"),
            (&[0x20, 0x61], "21"),
            (&[0x61, 0x20], "60"),
        ];
        for (value, want) in cases {
            assert_eq!(ja4_alpn(Some(value)), want, "{value:02x?}");
        }
        assert_eq!(ja4_alpn(None), "00");
        // Through a whole ClientHello: the first ALPN value decides, the second is ignored.
        let alpn = vec![
            0, 12, 2, 0xba, 0xad, 8, b'h', b't', b't', b'p', b'/', b'1', b'.', b'1',
        ];
        let msg = build(&[0x1301], &[(16, alpn), (43, list16(1, &[0x0304]))]);
        let fp = ClientHello::parse_handshake(&msg).unwrap().fingerprints();
        assert!(fp.ja4.starts_with("t13i010299_"), "{}", fp.ja4);
    }

    /// After a HelloRetryRequest a client in middlebox compatibility mode sends a
    /// ChangeCipherSpec record and its second ClientHello together; the records parse as that
    /// ClientHello. Any other record before the hello is still refused.
    #[test]
    fn change_cipher_spec_before_second_hello() {
        let first = build(&[0x1301, 0x1302], &[(43, list16(1, &[0x0304]))]);
        let second = build(&[0x1301], &[(43, list16(1, &[0x0304]))]);
        let record = |ty: u8, body: &[u8]| {
            let mut r = vec![ty, 3, 3];
            r.extend_from_slice(&(body.len() as u16).to_be_bytes());
            r.extend_from_slice(body);
            r
        };
        let mut segment = record(20, &[1]);
        segment.extend_from_slice(&record(22, &second));
        let parsed = ClientHello::parse_records(&segment).unwrap();
        assert_eq!(parsed, ClientHello::parse_handshake(&second).unwrap());
        assert_ne!(parsed, ClientHello::parse_handshake(&first).unwrap());
        assert_eq!(parsed.cipher_suites, [0x1301]);
        // A ChangeCipherSpec whose body is not the byte 1, or one inside the hello's records,
        // or an alert, is not skipped.
        let mut bad = record(20, &[2]);
        bad.extend_from_slice(&record(22, &second));
        assert_eq!(
            ClientHello::parse_records(&bad),
            Err(ParseError::NotHandshakeRecord(20))
        );
        let mut split = record(22, &second[..10]);
        split.extend_from_slice(&record(20, &[1]));
        split.extend_from_slice(&record(22, &second[10..]));
        assert_eq!(
            ClientHello::parse_records(&split),
            Err(ParseError::NotHandshakeRecord(20))
        );
        let mut alert = record(21, &[1, 0]);
        alert.extend_from_slice(&record(22, &second));
        assert_eq!(
            ClientHello::parse_records(&alert),
            Err(ParseError::NotHandshakeRecord(21))
        );
        // A lone ChangeCipherSpec is an incomplete input, not a hello.
        assert_eq!(
            ClientHello::parse_records(&record(20, &[1])),
            Err(ParseError::Truncated)
        );
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..600)) {
            if let Ok(h) = ClientHello::parse_records(&bytes) { let _ = h.fingerprints(); }
            if let Ok(h) = ClientHello::parse_body(&bytes) { let _ = h.fingerprints(); }
        }
    }
}
