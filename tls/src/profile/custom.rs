//! Profiles built at run time from a JA3 string and an Akamai HTTP/2 string
//! ([`Profile::from_ja3_akamai`], [`Profile::from_ja3_akamai_with`]), as CycleTLS's `ja3`
//! option and tls-client's custom client profiles take them.
//!
//! Every element of both strings is either sent as written or refused with a
//! [`ProfileBuildError`] naming it and its position; nothing is dropped or replaced. What the
//! strings cannot say comes from [`CustomOptions`], whose defaults are documented there.

use std::borrow::Cow;
use std::fmt;

use super::{
    Alps, Header, Http2Profile, List, Priority, Profile, Text, TlsProfile, WebSocketProfile,
};
use crate::cert_compression::CertCompression;
use crate::client_hello::is_grease;

/// TLS cipher suites the `boring2` fork offers as a client, by codepoint: TLS 1.3 suites (their
/// RFC 8446 names) and TLS 1.2 suites (OpenSSL names). `tests/custom_profiles.rs` checks that
/// each one is accepted and appears in the ClientHello.
pub(crate) const CIPHERS: &[(u16, &str)] = &[
    (0x1301, "TLS_AES_128_GCM_SHA256"),
    (0x1302, "TLS_AES_256_GCM_SHA384"),
    (0x1303, "TLS_CHACHA20_POLY1305_SHA256"),
    (0xc02b, "ECDHE-ECDSA-AES128-GCM-SHA256"),
    (0xc02f, "ECDHE-RSA-AES128-GCM-SHA256"),
    (0xc02c, "ECDHE-ECDSA-AES256-GCM-SHA384"),
    (0xc030, "ECDHE-RSA-AES256-GCM-SHA384"),
    (0xcca9, "ECDHE-ECDSA-CHACHA20-POLY1305"),
    (0xcca8, "ECDHE-RSA-CHACHA20-POLY1305"),
    (0xc009, "ECDHE-ECDSA-AES128-SHA"),
    (0xc00a, "ECDHE-ECDSA-AES256-SHA"),
    (0xc013, "ECDHE-RSA-AES128-SHA"),
    (0xc014, "ECDHE-RSA-AES256-SHA"),
    (0xc023, "ECDHE-ECDSA-AES128-SHA256"),
    (0xc024, "ECDHE-ECDSA-AES256-SHA384"),
    (0xc027, "ECDHE-RSA-AES128-SHA256"),
    (0xc028, "ECDHE-RSA-AES256-SHA384"),
    (0x009c, "AES128-GCM-SHA256"),
    (0x009d, "AES256-GCM-SHA384"),
    (0x002f, "AES128-SHA"),
    (0x0035, "AES256-SHA"),
    (0x003c, "AES128-SHA256"),
    (0x003d, "AES256-SHA256"),
    (0xc008, "ECDHE-ECDSA-DES-CBC3-SHA"),
    (0xc012, "ECDHE-RSA-DES-CBC3-SHA"),
    (0x000a, "DES-CBC3-SHA"),
];

/// Supported groups the fork offers, by codepoint (BoringSSL names). `ffdhe2048` and
/// `ffdhe3072` are offered but cannot be computed (see the module documentation of
/// [`crate::profile`]).
pub(crate) const GROUPS: &[(u16, &str)] = &[
    (29, "X25519"),
    (23, "P-256"),
    (24, "P-384"),
    (25, "P-521"),
    (4588, "X25519MLKEM768"),
    (25497, "X25519Kyber768Draft00"),
    (256, "ffdhe2048"),
    (257, "ffdhe3072"),
];

/// Extensions BoringSSL sends in every ClientHello of a TLS 1.2-to-1.3 client: a JA3 string
/// without one of them describes a hello we cannot send. `server_name` (0) is among them: the
/// client sends it for every DNS name (a config can turn it off with
/// [`ClientConfigBuilder::sni`](crate::ClientConfigBuilder::sni)).
/// `ec_point_formats` (11) too, with or without a TLS 1.2 ECDHE suite
/// (`tests/custom_profiles.rs`).
const ALWAYS_SENT: &[u16] = &[0, 10, 11, 13, 23, 43, 45, 51, 65281];

/// Extensions sent when a profile setting asks for them (see [`Profile::from_ja3_akamai_with`]).
const SWITCHED: &[u16] = &[5, 16, 18, 27, 28, 34, 35, 17513, 17613, 65037];

/// Extensions BoringSSL places itself, accepted in a JA3 string but not part of a fixed
/// order: `padding` (21, sent by BoringSSL's rule when the hello is 256 to 511 bytes long) and
/// `pre_shared_key` (41, sent, last, when a session is resumed).
const PLACED: &[u16] = &[21, 41];

/// Chrome 143's signature algorithms, the default of [`CustomOptions::signature_algorithms`].
const DEFAULT_SIGALGS: &[u16] = &[
    0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601,
];

/// How the extensions of a JA3 string are ordered in the ClientHello.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExtensionOrder {
    /// In the string's order, on every connection (Firefox, Safari).
    AsGiven,
    /// In a random order per connection (Chrome 110 and later); the string's order is then
    /// one sample and only its set counts (JA3N, JA4).
    Permuted,
}

/// What a JA3 string and an Akamai string cannot say, for [`Profile::from_ja3_akamai_with`].
/// [`CustomOptions::default`] gives the defaults named on each field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomOptions {
    /// The profile's name (default `custom`).
    pub name: Text,
    /// Signature algorithms in order (default: Chrome 143's eight,
    /// `0403,0804,0401,0503,0805,0501,0806,0601`).
    pub signature_algorithms: List<u16>,
    /// ALPN protocols, sent when the string lists extension 16 (default `h2`, `http/1.1`).
    pub alpn: List<Text>,
    /// Certificate compression algorithms, offered when the string lists extension 27
    /// (default brotli, Chrome's).
    pub cert_compression: List<CertCompression>,
    /// The protocol ALPS is offered for, when the string lists 17513 or 17613 (default `h2`).
    pub alps_protocol: Text,
    /// Key shares sent (see [`TlsProfile::key_shares`]; default `None`: BoringSSL's, Chrome's).
    pub key_shares: Option<u8>,
    /// The `record_size_limit` announced when the string lists extension 28 (default 16385,
    /// Firefox's).
    pub record_size_limit: u16,
    /// The `delegated_credentials` algorithms when the string lists extension 34 (default
    /// Firefox's `ecdsa_secp256r1_sha256:ecdsa_secp384r1_sha384:ecdsa_secp521r1_sha512:ecdsa_sha1`).
    pub delegated_credentials: Text,
    /// GREASE (RFC 8701). JA3 leaves GREASE values out, so a string without any says nothing
    /// about it; a GREASE value anywhere in the string turns it on whatever this says (default
    /// `false`).
    pub grease: bool,
    /// Extension order (default [`ExtensionOrder::AsGiven`]).
    pub extension_order: ExtensionOrder,
    /// The priority in HEADERS frames, which the Akamai string does not carry (default `None`).
    pub headers_priority: Option<Priority>,
    /// See [`Http2Profile::cookie_crumbs`] (default `true`, as Chromium and Firefox).
    pub cookie_crumbs: bool,
    /// Default HTTP/1.1 fields (default none: only the caller's fields are sent).
    pub http1_headers: List<Header>,
    /// Default HTTP/2 fields (default none).
    pub http2_headers: List<Header>,
    /// The WebSocket opening request (default: no fields of its own, `permessage-deflate`
    /// without `client_max_window_bits`).
    pub websocket: WebSocketProfile,
}

impl Default for CustomOptions {
    fn default() -> Self {
        CustomOptions {
            name: Cow::Borrowed("custom"),
            signature_algorithms: Cow::Borrowed(DEFAULT_SIGALGS),
            alpn: Cow::Borrowed(&[Cow::Borrowed("h2"), Cow::Borrowed("http/1.1")]),
            cert_compression: Cow::Borrowed(&[CertCompression::Brotli]),
            alps_protocol: Cow::Borrowed("h2"),
            key_shares: None,
            record_size_limit: 16385,
            delegated_credentials: Cow::Borrowed(
                "ecdsa_secp256r1_sha256:ecdsa_secp384r1_sha384:ecdsa_secp521r1_sha512:ecdsa_sha1",
            ),
            grease: false,
            extension_order: ExtensionOrder::AsGiven,
            headers_priority: None,
            cookie_crumbs: true,
            http1_headers: Cow::Borrowed(&[]),
            http2_headers: Cow::Borrowed(&[]),
            websocket: WebSocketProfile {
                http1_headers: Cow::Borrowed(&[]),
                http2_headers: Cow::Borrowed(&[]),
                deflate_client_max_window_bits: false,
            },
        }
    }
}

/// Which input string an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// The JA3 string.
    Ja3,
    /// The Akamai HTTP/2 string.
    Akamai,
}

impl fmt::Display for Input {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Input::Ja3 => "JA3",
            Input::Akamai => "Akamai",
        })
    }
}

/// An element of a JA3 or Akamai string that a profile cannot honour. Positions count from 0
/// within their list (the `-`, `;` or `,` separated list named by the variant).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProfileBuildError {
    /// The string does not have the expected shape: `field` names the part (`ciphers`,
    /// `settings`...), `element` is the text that does not parse.
    Malformed {
        /// Which string.
        input: Input,
        /// The part of the string.
        field: &'static str,
        /// The position in that part (0 for a part that is not a list).
        position: usize,
        /// The text found.
        element: String,
    },
    /// A JA3 version other than 771 (the `legacy_version` of every TLS 1.2 and 1.3 hello).
    Version {
        /// The version found.
        version: u16,
    },
    /// A cipher suite the fork cannot offer (or a signalling value such as `0x00ff`).
    Cipher {
        /// The codepoint.
        id: u16,
        /// Its position in the cipher list.
        position: usize,
    },
    /// A TLS 1.3 suite after a TLS 1.2 suite: BoringSSL sends the TLS 1.3 suites first.
    CipherOrder {
        /// The TLS 1.3 suite's codepoint.
        id: u16,
        /// Its position in the cipher list.
        position: usize,
    },
    /// No TLS 1.3 suite: a TLS 1.3 client offers at least one.
    NoTls13Cipher,
    /// No TLS 1.2 suite: BoringSSL's client offers TLS 1.2 too and needs one.
    NoTls12Cipher,
    /// An extension the fork cannot send, or cannot send from a client profile.
    Extension {
        /// The codepoint.
        id: u16,
        /// Its position in the extension list.
        position: usize,
    },
    /// An extension BoringSSL would not send with the rest of the string.
    ExtensionNotSent {
        /// The codepoint.
        id: u16,
        /// Its position in the extension list.
        position: usize,
        /// What it needs.
        reason: &'static str,
    },
    /// The same extension twice.
    DuplicateExtension {
        /// The codepoint.
        id: u16,
        /// The position of the second one.
        position: usize,
    },
    /// An extension BoringSSL sends in every ClientHello is missing from the string.
    MissingExtension {
        /// The codepoint.
        id: u16,
    },
    /// A supported group the fork lacks.
    Group {
        /// The codepoint.
        id: u16,
        /// Its position in the group list.
        position: usize,
    },
    /// A group BoringSSL can offer but not compute (`ffdhe2048`, `ffdhe3072`) where the
    /// client must send a key share for it: the first group, or one of the first
    /// [`CustomOptions::key_shares`].
    KeyShareGroup {
        /// The codepoint.
        id: u16,
        /// Its position in the group list.
        position: usize,
    },
    /// An EC point format other than `uncompressed` (0), the only one BoringSSL sends.
    PointFormat {
        /// The format.
        format: u8,
        /// Its position.
        position: usize,
    },
    /// A SETTINGS identifier we cannot send (known ones: 1 to 6, 8, 9).
    Setting {
        /// The identifier.
        id: u16,
        /// Its position in the SETTINGS list.
        position: usize,
    },
    /// The same SETTINGS identifier twice.
    DuplicateSetting {
        /// The identifier.
        id: u16,
        /// The position of the second one.
        position: usize,
    },
    /// PRIORITY frames after the preface (anything but `0` in the third field): the client
    /// sends none.
    PriorityFrames {
        /// The field as given.
        element: String,
    },
    /// A pseudo-header letter other than `m`, `a`, `s`, `p`, a repeated one, or fewer than
    /// four.
    PseudoHeader {
        /// The element as given (empty when one is missing).
        element: String,
        /// Its position.
        position: usize,
    },
}

impl fmt::Display for ProfileBuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Malformed {
                input,
                field,
                position,
                element,
            } => write!(
                f,
                "{input} string: {field} element {position} ({element:?}) does not parse"
            ),
            Self::Version { version } => {
                write!(
                    f,
                    "JA3 version {version}: only 771 (TLS 1.2 and 1.3) is sent"
                )
            }
            Self::Cipher { id, position } => write!(
                f,
                "JA3 cipher {id} ({id:#06x}) at position {position}: BoringSSL cannot offer it"
            ),
            Self::CipherOrder { id, position } => write!(
                f,
                "JA3 cipher {id} ({id:#06x}) at position {position}: a TLS 1.3 suite after a \
                 TLS 1.2 suite, BoringSSL sends the TLS 1.3 suites first"
            ),
            Self::NoTls13Cipher => write!(f, "JA3 ciphers: no TLS 1.3 suite"),
            Self::NoTls12Cipher => write!(f, "JA3 ciphers: no TLS 1.2 suite"),
            Self::Extension { id, position } => write!(
                f,
                "JA3 extension {id} ({id:#06x}) at position {position}: not one we can send"
            ),
            Self::DuplicateExtension { id, position } => {
                write!(f, "JA3 extension {id} at position {position}: given twice")
            }
            Self::MissingExtension { id } => write!(
                f,
                "JA3 extensions: {id} missing, but BoringSSL sends it in every ClientHello"
            ),
            Self::ExtensionNotSent {
                id,
                position,
                reason,
            } => write!(
                f,
                "JA3 extension {id} at position {position}: BoringSSL would not send it: {reason}"
            ),
            Self::Group { id, position } => write!(
                f,
                "JA3 group {id} ({id:#06x}) at position {position}: BoringSSL lacks it"
            ),
            Self::KeyShareGroup { id, position } => write!(
                f,
                "JA3 group {id} at position {position}: needs a key share, which BoringSSL \
                 cannot compute for it"
            ),
            Self::PointFormat { format, position } => write!(
                f,
                "JA3 point format {format} at position {position}: only 0 (uncompressed) is sent"
            ),
            Self::Setting { id, position } => write!(
                f,
                "Akamai SETTINGS identifier {id} at position {position}: not one we send"
            ),
            Self::DuplicateSetting { id, position } => write!(
                f,
                "Akamai SETTINGS identifier {id} at position {position}: given twice"
            ),
            Self::PriorityFrames { element } => write!(
                f,
                "Akamai PRIORITY frames {element:?}: the client sends none (only \"0\")"
            ),
            Self::PseudoHeader { element, position } => write!(
                f,
                "Akamai pseudo-header {element:?} at position {position}: need m, a, s, p once each"
            ),
        }
    }
}

impl std::error::Error for ProfileBuildError {}

/// A `sep`-separated list of numbers (empty text: an empty list).
fn numbers<T: std::str::FromStr>(
    input: Input,
    field: &'static str,
    text: &str,
    sep: char,
) -> Result<Vec<T>, ProfileBuildError> {
    if text.is_empty() {
        return Ok(Vec::new());
    }
    text.split(sep)
        .enumerate()
        .map(|(position, e)| number(input, field, position, e))
        .collect()
}

/// One decimal number, digits only.
fn number<T: std::str::FromStr>(
    input: Input,
    field: &'static str,
    position: usize,
    e: &str,
) -> Result<T, ProfileBuildError> {
    // `u16::from_str` takes a leading `+`; these strings never have one.
    if e.is_empty() || !e.bytes().all(|b| b.is_ascii_digit()) {
        return Err(malformed(input, field, position, e));
    }
    e.parse().map_err(|_| malformed(input, field, position, e))
}

fn malformed(input: Input, field: &'static str, position: usize, e: &str) -> ProfileBuildError {
    ProfileBuildError::Malformed {
        input,
        field,
        position,
        element: e.to_owned(),
    }
}

/// The TLS half from a JA3 string.
fn tls_from_ja3(ja3: &str, o: &CustomOptions) -> Result<TlsProfile, ProfileBuildError> {
    let ja3 = ja3.trim();
    let fields: Vec<&str> = ja3.split(',').collect();
    if fields.len() != 5 {
        return Err(malformed(Input::Ja3, "fields", fields.len(), ja3));
    }
    let version: u16 = number(Input::Ja3, "version", 0, fields[0])?;
    if version != 771 {
        return Err(ProfileBuildError::Version { version });
    }
    let mut grease = o.grease;

    let mut tls13 = Vec::new();
    let mut tls12 = Vec::new();
    for (position, id) in numbers::<u16>(Input::Ja3, "ciphers", fields[1], '-')?
        .into_iter()
        .enumerate()
    {
        if is_grease(id) {
            grease = true;
            continue;
        }
        let name = CIPHERS
            .iter()
            .find(|(c, _)| *c == id)
            .map(|(_, n)| *n)
            .ok_or(ProfileBuildError::Cipher { id, position })?;
        if (0x1301..=0x1303).contains(&id) {
            if !tls12.is_empty() {
                return Err(ProfileBuildError::CipherOrder { id, position });
            }
            tls13.push(name);
        } else {
            tls12.push(name);
        }
    }
    if tls13.is_empty() {
        return Err(ProfileBuildError::NoTls13Cipher);
    }
    if tls12.is_empty() {
        return Err(ProfileBuildError::NoTls12Cipher);
    }

    let mut exts: Vec<u16> = Vec::new();
    // Each one's position in the string (GREASE values counted).
    let mut ext_positions: Vec<usize> = Vec::new();
    for (position, id) in numbers::<u16>(Input::Ja3, "extensions", fields[2], '-')?
        .into_iter()
        .enumerate()
    {
        if is_grease(id) {
            grease = true;
            continue;
        }
        if !(ALWAYS_SENT.contains(&id) || SWITCHED.contains(&id) || PLACED.contains(&id)) {
            return Err(ProfileBuildError::Extension { id, position });
        }
        if exts.contains(&id) {
            return Err(ProfileBuildError::DuplicateExtension { id, position });
        }
        exts.push(id);
        ext_positions.push(position);
    }
    if let Some(&id) = ALWAYS_SENT.iter().find(|id| !exts.contains(id)) {
        return Err(ProfileBuildError::MissingExtension { id });
    }
    let alps: Vec<(u16, usize)> = exts
        .iter()
        .zip(&ext_positions)
        .filter(|(e, _)| matches!(e, 17513 | 17613))
        .map(|(&e, &p)| (e, p))
        .collect();
    if let [(id, position), ..] = alps[..]
        && !exts.contains(&16)
    {
        return Err(ProfileBuildError::ExtensionNotSent {
            id,
            position,
            reason: "ALPS is sent only with ALPN (16)",
        });
    }
    if let [_, (id, position), ..] = alps[..] {
        // Both codepoints: a browser sends one.
        return Err(ProfileBuildError::DuplicateExtension { id, position });
    }

    let mut groups = Vec::new();
    for (position, id) in numbers::<u16>(Input::Ja3, "groups", fields[3], '-')?
        .into_iter()
        .enumerate()
    {
        if is_grease(id) {
            grease = true;
            continue;
        }
        let name = GROUPS
            .iter()
            .find(|(g, _)| *g == id)
            .map(|(_, n)| *n)
            .ok_or(ProfileBuildError::Group { id, position })?;
        let shares = usize::from(o.key_shares.unwrap_or(1).max(1));
        if (id == 256 || id == 257) && groups.len() < shares {
            return Err(ProfileBuildError::KeyShareGroup { id, position });
        }
        groups.push(name);
    }
    if groups.is_empty() {
        return Err(malformed(Input::Ja3, "groups", 0, fields[3]));
    }
    let formats = numbers::<u8>(Input::Ja3, "point formats", fields[4], '-')?;
    for (position, &format) in formats.iter().enumerate() {
        if format != 0 || position > 0 {
            return Err(ProfileBuildError::PointFormat { format, position });
        }
    }
    // The extension's contents, always sent: `uncompressed` alone.
    if formats.is_empty() {
        return Err(malformed(Input::Ja3, "point formats", 0, fields[4]));
    }

    let has = |id: u16| exts.contains(&id);
    let extension_order = match o.extension_order {
        ExtensionOrder::Permuted => None,
        ExtensionOrder::AsGiven => Some(Cow::Owned(
            exts.iter()
                .copied()
                .filter(|e| !PLACED.contains(e))
                .collect(),
        )),
    };
    let alps = [17513, 17613].into_iter().find(|&e| has(e)).map(|e| Alps {
        protocol: o.alps_protocol.clone(),
        new_codepoint: e == 17613,
    });
    Ok(TlsProfile {
        tls13_ciphers: Some(Cow::Owned(tls13.join(":"))),
        cipher_list: Cow::Owned(tls12.join(":")),
        groups: Cow::Owned(groups.join(":")),
        key_shares: o.key_shares,
        signature_algorithms: o.signature_algorithms.clone(),
        grease,
        permute_extensions: o.extension_order == ExtensionOrder::Permuted,
        extension_order,
        cert_compression: if has(27) {
            o.cert_compression.clone()
        } else {
            Cow::Borrowed(&[])
        },
        alps,
        ocsp_stapling: has(5),
        signed_cert_timestamps: has(18),
        ech_grease: has(65037),
        session_tickets: has(35),
        alpn: if has(16) {
            o.alpn.clone()
        } else {
            Cow::Borrowed(&[])
        },
        record_size_limit: has(28).then_some(o.record_size_limit),
        delegated_credentials: has(34).then(|| o.delegated_credentials.clone()),
    })
}

/// SETTINGS identifiers the client can send (RFC 9113 6.5.2, RFC 8441, RFC 9218).
const SETTING_IDS: &[u16] = &[1, 2, 3, 4, 5, 6, 8, 9];

/// The HTTP/2 half from an Akamai string.
fn http2_from_akamai(akamai: &str, o: &CustomOptions) -> Result<Http2Profile, ProfileBuildError> {
    let akamai = akamai.trim();
    let fields: Vec<&str> = akamai.split('|').collect();
    if fields.len() != 4 {
        return Err(malformed(Input::Akamai, "fields", fields.len(), akamai));
    }
    let mut settings: Vec<(u16, u32)> = Vec::new();
    if !fields[0].is_empty() {
        for (position, s) in fields[0].split(';').enumerate() {
            let bad = || malformed(Input::Akamai, "settings", position, s);
            let (id, value) = s.split_once(':').ok_or_else(bad)?;
            let id: u16 = number(Input::Akamai, "settings", position, id).map_err(|_| bad())?;
            let value: u32 =
                number(Input::Akamai, "settings", position, value).map_err(|_| bad())?;
            if !SETTING_IDS.contains(&id) {
                return Err(ProfileBuildError::Setting { id, position });
            }
            if settings.iter().any(|&(seen, _)| seen == id) {
                return Err(ProfileBuildError::DuplicateSetting { id, position });
            }
            settings.push((id, value));
        }
    }
    let connection_window_update: u32 = number(Input::Akamai, "window update", 0, fields[1])?;
    if fields[2] != "0" {
        return Err(ProfileBuildError::PriorityFrames {
            element: fields[2].to_owned(),
        });
    }
    let mut pseudo: Vec<Text> = Vec::with_capacity(4);
    for (position, p) in fields[3].split(',').enumerate() {
        let name = match p {
            "m" => ":method",
            "a" => ":authority",
            "s" => ":scheme",
            "p" => ":path",
            _ => "",
        };
        if name.is_empty() || pseudo.iter().any(|q| q == name) {
            return Err(ProfileBuildError::PseudoHeader {
                element: p.to_owned(),
                position,
            });
        }
        pseudo.push(Cow::Borrowed(name));
    }
    if pseudo.len() != 4 {
        return Err(ProfileBuildError::PseudoHeader {
            element: String::new(),
            position: pseudo.len(),
        });
    }
    Ok(Http2Profile {
        settings: Cow::Owned(settings),
        connection_window_update,
        headers_priority: o.headers_priority,
        pseudo_header_order: Cow::Owned(pseudo),
        cookie_crumbs: o.cookie_crumbs,
    })
}

impl Profile {
    /// A profile from a JA3 string (`771,ciphers,extensions,groups,point_formats`, decimal,
    /// `-` separated) and an Akamai HTTP/2 string
    /// (`SETTINGS|WINDOW_UPDATE|PRIORITY|pseudo-header order`, e.g. Chrome's
    /// `1:65536;2:0;4:6291456;6:262144|15663105|0|m,a,s,p`), with
    /// [`CustomOptions::default`] for what the strings cannot say. See
    /// [`Profile::from_ja3_akamai_with`].
    ///
    /// # Errors
    /// [`ProfileBuildError`] naming the first element that cannot be sent as written.
    ///
    /// ```
    /// use tls::Profile;
    /// let ja3 = "771,4865-4867-4866-49195-49199,0-23-65281-10-11-35-16-5-13-51-45-43,29-23-24,0";
    /// let p = Profile::from_ja3_akamai(ja3, "1:65536;2:0;4:131072;5:16384|12517377|0|m,p,a,s")
    ///     .unwrap();
    /// assert_eq!(p.http2.akamai_text(), "1:65536;2:0;4:131072;5:16384|12517377|0|m,p,a,s");
    /// assert_eq!(p.tls.groups, "X25519:P-256:P-384");
    /// ```
    pub fn from_ja3_akamai(ja3: &str, akamai: &str) -> Result<Profile, ProfileBuildError> {
        Self::from_ja3_akamai_with(ja3, akamai, &CustomOptions::default())
    }

    /// [`Profile::from_ja3_akamai`] with `options` for what the strings cannot say.
    ///
    /// From the JA3 string:
    /// - the version must be 771;
    /// - each cipher is offered in the string's order, the TLS 1.3 suites (which must come
    ///   first, as BoringSSL sends them) fixed in their order; at least one TLS 1.3 and one
    ///   TLS 1.2 suite;
    /// - the extensions: `server_name` (0), `supported_groups` (10),
    ///   `signature_algorithms` (13), `extended_master_secret` (23), `supported_versions` (43),
    ///   `psk_key_exchange_modes` (45), `key_share` (51) and `renegotiation_info` (65281) are
    ///   sent by BoringSSL in every hello and must be listed, and so is `ec_point_formats`
    ///   (11), with or without a TLS 1.2 ECDHE suite; ALPS needs ALPN; `status_request` (5), ALPN (16),
    ///   SCT (18), `compress_certificate` (27), `record_size_limit` (28),
    ///   `delegated_credentials` (34), `session_ticket` (35), ALPS (17513 or 17613) and ECH
    ///   GREASE (65037) are sent exactly when listed; `padding` (21) and `pre_shared_key` (41)
    ///   are accepted, and sent when BoringSSL's rules call for them, listed or not (padding
    ///   for a hello of 256 to 511 bytes, the PSK on resumption: both depend on the
    ///   connection). Any other extension is refused. The order is kept
    ///   ([`ExtensionOrder::AsGiven`]) or permuted per connection
    ///   ([`ExtensionOrder::Permuted`]);
    /// - each group is offered in order; the point formats must be `0`;
    /// - a GREASE value (`0x?a?a`) anywhere turns GREASE on.
    ///
    /// From the Akamai string: the SETTINGS in order (identifiers 1 to 6, 8, 9; their values
    /// are range-checked when the HTTP/2 config is built from the profile), the connection
    /// WINDOW_UPDATE, `0` PRIORITY frames, and the pseudo-header order (`m`, `a`, `s`, `p`).
    ///
    /// From `options`: the name, signature algorithms, ALPN protocols, certificate compression
    /// algorithms, ALPS protocol, key share count, record size limit, delegated credential
    /// algorithms, HEADERS priority, cookie splitting, header lists and the WebSocket request.
    /// The profile's [`Profile::published_ja4`] is empty (no published target) and its
    /// [`Profile::browser_version`] says it was built from strings.
    ///
    /// # Errors
    /// [`ProfileBuildError`] naming the first element that cannot be sent as written.
    pub fn from_ja3_akamai_with(
        ja3: &str,
        akamai: &str,
        options: &CustomOptions,
    ) -> Result<Profile, ProfileBuildError> {
        Ok(Profile {
            name: options.name.clone(),
            browser_version: Cow::Borrowed("custom (from JA3 and Akamai strings)"),
            published_ja4: Cow::Borrowed(""),
            tls: tls_from_ja3(ja3, options)?,
            http2: http2_from_akamai(akamai, options)?,
            http1_headers: options.http1_headers.clone(),
            http2_headers: options.http2_headers.clone(),
            websocket: options.websocket.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ClientConfig, ClientHello, ClientSession};

    fn hello(p: Profile) -> ClientHello {
        let mut b = ClientConfig::builder();
        b.system_roots(false).profile(p);
        let config = b.build().unwrap();
        let mut c = ClientSession::new(&config, "example.com").unwrap();
        c.handshake().unwrap();
        let mut wire = Vec::new();
        c.poll_transmit(&mut wire);
        ClientHello::parse_records(&wire).unwrap()
    }

    const EXTS: &str = "0-23-65281-10-11-13-51-45-43";

    /// Every cipher of the table is accepted by the fork and offered under its codepoint.
    #[test]
    fn every_table_cipher_is_offered() {
        for &(id, name) in CIPHERS {
            let ciphers = match id {
                0x1301..=0x1303 => format!("{id}-49199"),
                _ => format!("4865-{id}"),
            };
            let ja3 = format!("771,{ciphers},{EXTS},29,0");
            let p = Profile::from_ja3_akamai(&ja3, "|0|0|m,a,s,p").unwrap();
            let h = hello(p);
            assert!(
                h.cipher_suites.contains(&id),
                "{name}: {:?}",
                h.cipher_suites
            );
            assert_eq!(h.cipher_suites.len(), 2, "{name}: {:?}", h.cipher_suites);
        }
    }

    /// Every group of the table is accepted by the fork and offered under its codepoint.
    #[test]
    fn every_table_group_is_offered() {
        for &(id, name) in GROUPS {
            // ffdhe cannot take the key share: behind X25519.
            let (groups, want) = match id {
                256 | 257 => (format!("29-{id}"), vec![29, id]),
                _ => (id.to_string(), vec![id]),
            };
            let ja3 = format!("771,4865-49199,{EXTS},{groups},0");
            let p = Profile::from_ja3_akamai(&ja3, "|0|0|m,a,s,p").unwrap();
            assert_eq!(hello(p).groups, want, "{name}");
        }
        let ja3 = format!("771,4865-49199,{EXTS},256-29,0");
        assert_eq!(
            Profile::from_ja3_akamai(&ja3, "|0|0|m,a,s,p").unwrap_err(),
            ProfileBuildError::KeyShareGroup {
                id: 256,
                position: 0
            }
        );
        let three = CustomOptions {
            key_shares: Some(3),
            ..CustomOptions::default()
        };
        let ja3 = format!("771,4865-49199,{EXTS},29-23-257,0");
        assert_eq!(
            Profile::from_ja3_akamai_with(&ja3, "|0|0|m,a,s,p", &three).unwrap_err(),
            ProfileBuildError::KeyShareGroup {
                id: 257,
                position: 2
            }
        );
    }
}
