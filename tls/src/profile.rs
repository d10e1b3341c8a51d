//! Browser profiles: what a browser's ClientHello, HTTP/2 connection preface and default
//! request headers look like, as plain data. [`CHROMIUM`] and [`FIREFOX_ESR`] model the
//! Debian browsers captured on this project's machine; their documentation says what they
//! sent and what we cannot send.
//!
//! A profile is data only: this module depends on no other module of the crate except the
//! [`CertCompression`] names and, to read JA3 strings, the GREASE rule of
//! [`crate::client_hello`]. Profiles can also be built at run time (see *Custom profiles*
//! below). The TLS half is applied by the client config
//! ([`crate::ClientConfigBuilder::profile`]), which reads these fields. The HTTP half
//! ([`Http2Profile`], the header lists) is plain data with no dependency on this crate's TLS
//! types, for `proto-h1` and `proto-h2` (or `runtime-mio`) to apply.
//!
//! The crate links BoringSSL through the `boring2` fork (the one wreq uses), which adds the
//! client controls stock BoringSSL lacks: a fixed extension order, the TLS 1.3 cipher order,
//! `record_size_limit` and `delegated_credentials` as a client, the 3DES ECDHE suites, and
//! duplicated signature algorithms.
//!
//! # Modelled versions
//! - [`CHROME`]: Chrome 143 (desktop, December 2025), checked against the published
//!   browserleaks capture: JA4 `t13d1516h2_8daaf6152771_d8a2da3f94cd`, JA3N
//!   `8e19337e7524d2573be54efb2b0784c9`.
//! - [`FIREFOX`]: Firefox 145 (desktop). JA4 `t13d1717h2_5b57614c22b0_3cbfd9057e0d` (the same
//!   ClientHello from Firefox 140 to 148); JA3 `6f7889b9fb1a62a9577e685c1fcfa919`, the string
//!   `771,4865-4867-4866-…,0-23-65281-10-11-35-16-5-34-18-51-43-13-45-28-27-65037,4588-29-23-24-25-256-257,0`
//!   of a tls.peet.ws capture of Firefox 148 (2026-03-22); its extension order is the one of
//!   Firefox 140's published ordered JA4 (`JA4_ro`).
//! - [`SAFARI`]: Safari 18 (macOS 15). JA4 `t13d2014h2_a09f3c656075_14788d8d241b` (ja4db, shared
//!   with Safari 17); JA3 `773906b0efdefa24a7f2b8eb6985bf37`, the string
//!   `771,4865-4866-4867-…-49160-49170-10,0-23-65281-10-11-16-5-13-18-51-45-43-27-21,29-23-24-25,0`
//!   of a tshark dissection of a Safari capture (browserleaks reports the same hash for Safari
//!   17 and later).
//!
//! The full strings are in `tests/profiles.rs`; JA3N is the published JA3 string with its
//! extensions sorted.
//!
//! # Recorded requests
//! The HTTP/2 navigation request of [`CHROME`], [`FIREFOX`] and [`SAFARI`] (field order and
//! values, SETTINGS, WINDOW_UPDATE, pseudo-header order) is checked against the requests
//! curl-impersonate recorded from those browsers (`lexiforest/curl-impersonate`, `bin/`,
//! generated from its `lib/impersonate.c` targets): `curl_chrome142` and `curl_chrome145`
//! around Chrome 143 (both the same order and values but for the version and the platform),
//! `curl_firefox144` and `curl_firefox147` around Firefox 145 (the same order),
//! `curl_safari180` for Safari 18.0, whose Akamai string is
//! `2:0;3:100;4:2097152;8:1;9:1|10420225|0|m,s,a,p` (Safari 18.4 and later no longer send
//! `8:1`; their JA4 differs too). `runtime-mio/tests/client_profile.rs` compares each
//! profile's first request as our server's `/echo` sees it with those records. The records
//! carry no cookie: where a profile puts it is said under "The `Cookie` field" below.
//!
//! # What matches (checked by `tests/profiles.rs` and, on real handshakes, by
//! `fingerprint-check.sh` against tshark and ja4plus)
//!
//! | profile | JA4 | JA3N | exact JA3 |
//! |---|---|---|---|
//! | Chrome 143 | equal to the target | equal to the published `8e19337e...` | random per connection by design (Chrome permutes extensions; so do we) |
//! | Firefox 145 | equal to the target | equal (`e4147a48...`) | equal (`6f7889b9...`) on every connection |
//! | Safari 18 | equal to the target | equal (`44f7ed51...`) | equal (`773906b0...`) on every connection |
//!
//! # What still differs, and why
//! None of these enter JA3, JA3N or JA4.
//! - **Certificate compression**: Firefox offers zlib, brotli and zstd; we offer zlib and
//!   brotli (the extension's contents differ, not its presence). `boring2` names the zstd
//!   codepoint, but a zstd codec here would be one more decompressor of server-supplied data
//!   to bound (its window size included); not done yet.
//! - **Delegated credentials** are offered exactly as Firefox offers them (ECDSA P-256, P-384,
//!   P-521, SHA-1) but BoringSSL's client cannot use one; see below.
//! - **TLS 1.3 cipher order** is fixed per profile, so the profiles do not depend on the
//!   machine; a real Chrome without AES instructions would put ChaCha20 first.
//! - **Padding** (21) follows BoringSSL's rule (a ClientHello of 256 to 511 bytes is padded to
//!   512), which Safari's stack shares: Safari's hello is padded to 512 bytes, ours too; the
//!   padding length depends on the server name's length, as Safari's does. Chrome's and
//!   Firefox's hellos are larger (post-quantum key share) and carry none, as in the browsers.
//! - **Resumed connections** (a `pre_shared_key` extension) and the ECH GREASE payload sizes
//!   are not compared with the browsers'.
//!
//! # What the legacy offers lead to when a server takes them up
//! - **3DES** (Safari's `c008`, `c012`, `000a`): the fork implements them, so a TLS 1.2
//!   server that picks one gets a working 3DES connection, as Safari would, and
//!   [`Session::cipher`](crate::Session::cipher) names it (`tests/profile_peers.rs`). Clients
//!   without a profile and every server keep stock BoringSSL's default suites, without 3DES
//!   (the fork's own default list adds 3DES, DHE and CBC-SHA-2 suites; the crate never uses
//!   it).
//! - **ffdhe2048 and ffdhe3072** (Firefox's groups 256 and 257): BoringSSL cannot compute
//!   them. A TLS 1.3 server that asks for one in a HelloRetryRequest ends the handshake with
//!   [`PeerError::Handshake`](crate::PeerError::Handshake) ("BoringSSL stopped without an
//!   error code"; no alert is sent) (`tests/openssl.rs`). In TLS 1.2 the profile offers no DHE
//!   suite, so the groups are never used there.
//! - **record_size_limit** (Firefox, 16385): 2^14 + 1 is what we accept anyway (the
//!   protocol's maximum), so announcing it changes nothing we receive. A server may answer
//!   with a smaller limit of its own, which Firefox honours. The fork parses that answer and
//!   ignores its value; a message callback of ours reads it (from EncryptedExtensions in TLS
//!   1.3, the ServerHello in TLS 1.2) and lowers the connection's record size to it, so we
//!   honour it too (`tests/profile_peers.rs`, against `gnutls-serv --recordsize=512` in both
//!   versions; without the callback GnuTLS ends the connection with `record_overflow`).
//!   BoringSSL cannot send records under 512 bytes: against a server whose limit is lower
//!   (RFC 8449 allows 64), a record above that limit ends the connection with the server's
//!   `record_overflow` alert, a [`PeerError::Protocol`](crate::PeerError::Protocol), never
//!   silently lost data.
//! - **delegated_credentials** (Firefox): a TLS 1.3 server that sends a delegated credential
//!   puts it in its Certificate message, whose entry extensions BoringSSL's client parses
//!   knowing only `status_request` and SCT, rejecting any other (`tls13_both.cc`,
//!   `ssl_parse_extensions` with `ignore_unknown = false`): the handshake fails with
//!   `UNEXPECTED_EXTENSION` and an `unsupported_extension` alert. Servers send one only when
//!   configured with one (rare). From the source, not a live test: `boring2` has no safe API
//!   to give a server a delegated credential.
//!
//! # Custom profiles
//! A [`Profile`] is a value: its texts and lists are [`Cow`]s, borrowed from the binary in
//! the built-in statics (which stay zero-cost) and owned in a profile built at run time.
//! Every config that takes a profile holds a [`SharedProfile`] (a `&'static` built-in, or
//! an owned profile behind an [`Arc`]), so `&CHROME`, a [`Profile`] and an `Arc<Profile>`
//! are all accepted and cloning a config never copies a profile. Three ways to build one:
//! - **by hand**, from a built-in: `Profile { tls: TlsProfile { grease: false,
//!   ..CHROME.tls.clone() }, ..CHROME.clone() }`;
//! - **from a JA3 string and an Akamai string** ([`Profile::from_ja3_akamai`],
//!   [`Profile::from_ja3_akamai_with`]), as CycleTLS's `ja3` option and tls-client's custom
//!   profiles take them;
//! - **from a JSON document** ([`Profile::from_json`], written by [`Profile::to_json`]): every
//!   field, header lists and the WebSocket request included. `wire get --impersonate-file`
//!   reads one; this crate reads no files.
//!
//! What the strings can express: the cipher suites and their order (those of the fork,
//! TLS 1.3 suites first), the extensions and their order (fixed, or permuted per connection
//! with [`ExtensionOrder::Permuted`]), the supported groups and their order, GREASE, and on
//! the HTTP/2 side the SETTINGS (identifiers 1 to 6, 8, 9) in order, the connection
//! WINDOW_UPDATE and the pseudo-header order. What they cannot: the signature algorithms,
//! ALPN protocols, certificate compression algorithms, key share count, ALPS protocol,
//! record size limit value, delegated credential algorithms, HEADERS priority and every
//! header list; those come from [`CustomOptions`], whose documented defaults apply when
//! not given (Chrome 143's signature algorithms, `h2` and `http/1.1`, brotli, BoringSSL's
//! key shares, no default header fields).
//!
//! What is refused ([`ProfileBuildError`], with the element and its position), never
//! replaced or dropped: a version other than 771; a cipher or group the fork lacks; a
//! TLS 1.3 suite after a TLS 1.2 suite; ffdhe2048 or ffdhe3072 where a key share must be
//! sent for it; an extension outside the ones the client can send (server name, status
//! request, groups, point formats, signature algorithms, ALPN, SCT, padding, extended master
//! secret, certificate compression, record size limit, delegated credentials, session
//! ticket, pre-shared key, supported versions, PSK modes, key share, ALPS old and new, ECH,
//! renegotiation info), a missing extension BoringSSL always sends, a point format other
//! than uncompressed; PRIORITY frames after the preface, an unknown SETTINGS identifier, a
//! pseudo-header other than `:method`, `:authority`, `:scheme`, `:path`, ALPS without
//! ALPN. The one exception to "as written": padding (21) and the pre-shared key (41) go out
//! when BoringSSL's rules call for them (padding for a hello of 256 to 511 bytes, the key on
//! resumption), listed or not and wherever listed, since both depend on the connection (the
//! server name's length, a cached session); likewise the server name (0) is sent for DNS
//! names only. The values' ranges (SETTINGS values, record size limit,
//! key share count) are checked where the profile is applied, as for a built-in.
//!
//! `tests/custom_profiles.rs` round-trips every built-in through its strings: the JA3 string
//! of the hello its config sends plus its Akamai string give a profile whose hello has the
//! same JA3 (JA3N for Chrome's permuted order), JA4 and JA4_r, and the same Akamai string.

//! # Other settings
//! - **Key shares**: Chrome's (X25519MLKEM768 and X25519) are BoringSSL's default; Firefox's
//!   three (X25519MLKEM768, X25519, P-256) are its first three groups
//!   ([`TlsProfile::key_shares`]).

//! # The `Cookie` field
//! Each header list has a `Cookie` entry with an empty value: a position only, filled when
//! the request carries cookies (the caller's field or the client's cookie store), absent
//! otherwise. [`Http2Profile::cookie_crumbs`] says whether HTTP/2 splits it into one `cookie`
//! field per cookie-pair (RFC 9113 section 8.2.3); HTTP/1.1 always sends one folded field.
//! Measured on this machine (2026-12-06, `runtime-mio/tests/browser_profiles.rs`: three
//! cookies set by `wire serve`'s `/cookies/keep`, then a navigation):
//!
//! | browser | HTTP/2 | HTTP/1.1 |
//! |---|---|---|
//! | Chromium 156 | one `cookie` per crumb, after `accept-language`, before `priority` | one `Cookie`, last (after `Accept-Language`) |
//! | Firefox ESR 153 | one `cookie` per crumb, after `accept-encoding`, before `upgrade-insecure-requests` | one `Cookie`, after `Connection`, before `Upgrade-Insecure-Requests` |
//!
//! [`CHROME`] and [`FIREFOX`] take the rule of the engine they share with the measured
//! browser (Chrome's network stack is Chromium's, Firefox's is Firefox ESR's); that is
//! inferred, not measured on those versions. [`SAFARI`]'s is **unverified**: no Safari runs
//! here and we found no published capture with cookies, so its `Cookie` goes last on
//! HTTP/1.1 and before `priority` on HTTP/2 (after `accept-language`), as one folded field
//! on both protocols. (curl-impersonate splits Safari's cookies on HTTP/2; we did not
//! follow it without a capture to show where the crumbs go.)

//! # The WebSocket opening request
//! [`Profile::websocket`] lists the fields of a WebSocket's opening request in the browser's
//! order: an `Upgrade` GET on HTTP/1.1 (RFC 6455), an extended CONNECT on HTTP/2 (RFC 8441).
//! Entries with an empty value are positions only, as for `Cookie` above: the handshake's own
//! fields (`Upgrade`, `Connection`, `Sec-WebSocket-Key`, `-Version`, `-Extensions`,
//! `-Protocol`), the caller's `Origin` and the cookie store's `Cookie` go there when the
//! request has them. A WebSocket request carries none of the navigation's fields
//! (`Accept`, `sec-ch-ua`, `Priority`, `Upgrade-Insecure-Requests`...), only these. Measured
//! on this machine (2026-12-06, `runtime-mio/tests/browser_ws.rs`: a page's `new
//! WebSocket(url, ["chat.v1", "chat.v2"])` to its own origin with three cookies, `wire
//! serve`'s `/ws/request` reporting the fields in received order; `Host` is first on HTTP/1.1):
//!
//! | browser | HTTP/1.1 | HTTP/2 |
//! |---|---|---|
//! | Chromium 156 | `Connection`, `Pragma`, `Cache-Control`, `User-Agent`, `Upgrade`, `Origin`, `Sec-WebSocket-Version`, `Accept-Encoding`, `Accept-Language`, `Cookie`, `Sec-WebSocket-Key`, `Sec-WebSocket-Extensions`, `Sec-WebSocket-Protocol` | the same without `Connection`, `Upgrade` and `Sec-WebSocket-Key`, lower case, `cookie` in crumbs |
//! | Firefox ESR 153 | `User-Agent`, `Accept: */*`, `Accept-Language`, `Accept-Encoding`, `Sec-WebSocket-Version`, `Origin`, `Sec-WebSocket-Protocol`, `Sec-WebSocket-Extensions`, `Sec-WebSocket-Key`, `Connection`, `Cookie`, `Sec-Fetch-Dest: empty`, `Sec-Fetch-Mode: websocket`, `Sec-Fetch-Site`, `Pragma`, `Cache-Control`, `Upgrade` | the same without `Sec-WebSocket-Key`, `Connection` and `Upgrade`, lower case, `cookie` in crumbs |
//!
//! Chromium offers `permessage-deflate; client_max_window_bits`, Firefox `permessage-deflate`
//! alone ([`WebSocketProfile::deflate_client_max_window_bits`]). Firefox's `Sec-Fetch-Site` is
//! `same-origin` from a page of the same origin (the profile's value; a caller opening a
//! socket for a page of another site gives its own).
//!
//! [`CHROME`] and [`FIREFOX`] take the rule of the engine they share with the measured
//! browser, with their own `User-Agent` and `Accept-Language`: inferred, not measured on those
//! versions. [`SAFARI`]'s is **unverified**: no Safari runs here and we found no published
//! capture; its list follows the order of WebKit's `WebSocketHandshake::clientHandshakeMessage`
//! (`Upgrade`, `Connection`, `Origin`, `Sec-WebSocket-Protocol`, `Cookie`, `Pragma`,
//! `Cache-Control`, `Sec-WebSocket-Key`, `-Version`, `-Extensions`, `User-Agent`; WebKit puts
//! `Host` third, we send it first), on both protocols.

use std::borrow::Cow;
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use crate::cert_compression::CertCompression;

mod custom;
mod file;

pub use custom::{CustomOptions, ExtensionOrder, Input, ProfileBuildError};
pub use file::ProfileFileError;

/// Text of a profile: borrowed from the binary in the built-ins, owned in a profile built at
/// run time ([`Profile::from_ja3_akamai`]).
pub type Text = Cow<'static, str>;

/// A list of a profile: borrowed in the built-ins, owned in a profile built at run time.
pub type List<T> = Cow<'static, [T]>;

/// A default header field: (name, value). An empty value is a position only (see
/// [`Profile::http1_headers`]).
pub type Header = (Text, Text);

/// A borrowed [`Text`] (for the built-in statics).
const fn t(s: &'static str) -> Text {
    Cow::Borrowed(s)
}

/// A borrowed [`Header`] (for the built-in statics).
const fn h(name: &'static str, value: &'static str) -> Header {
    (Cow::Borrowed(name), Cow::Borrowed(value))
}

/// ALPS (application settings) as the browser offers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alps {
    /// The ALPN protocol ALPS is offered for.
    pub protocol: Text,
    /// The new codepoint 17613 (0x44cd, Chrome 131+) instead of the old 17513 (0x4469).
    pub new_codepoint: bool,
}

/// The TLS half of a profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsProfile {
    /// TLS 1.3 cipher suites in order (OpenSSL names, `:`-separated), or `None` for BoringSSL's
    /// own order (AES-128-GCM, AES-256-GCM, ChaCha20 on machines with AES instructions,
    /// ChaCha20 first on machines without).
    pub tls13_ciphers: Option<Text>,
    /// TLS 1.2 cipher suites in order (OpenSSL names).
    pub cipher_list: Text,
    /// Supported groups in order (BoringSSL names).
    pub groups: Text,
    /// How many key shares the client sends: one for each of the first `n` supported groups
    /// (1 to 3). `None`: BoringSSL's default, the first group plus the first group of the other
    /// kind (classical or post-quantum), which is Chrome's behaviour.
    pub key_shares: Option<u8>,
    /// Signature algorithms in order (codepoints; a repeated one is sent twice).
    pub signature_algorithms: List<u16>,
    /// GREASE values (RFC 8701) in ciphers, extensions, groups, versions.
    pub grease: bool,
    /// Random extension order per connection (Chrome 110+).
    pub permute_extensions: bool,
    /// A fixed extension order (codepoints), for browsers that send one. Every extension the
    /// profile sends must be listed (BoringSSL appends unlisted ones in random order); GREASE
    /// extensions and `padding` (21) are placed by BoringSSL (GREASE first and last, padding
    /// after them). `None`: BoringSSL's own order, or a random one with
    /// [`TlsProfile::permute_extensions`].
    pub extension_order: Option<List<u16>>,
    /// Certificate compression algorithms offered.
    pub cert_compression: List<CertCompression>,
    /// ALPS, when the browser offers it.
    pub alps: Option<Alps>,
    /// OCSP stapling request (`status_request`).
    pub ocsp_stapling: bool,
    /// Signed certificate timestamps request.
    pub signed_cert_timestamps: bool,
    /// ECH GREASE (a fake `encrypted_client_hello`).
    pub ech_grease: bool,
    /// Session tickets (`session_ticket` extension).
    pub session_tickets: bool,
    /// ALPN protocols in order.
    pub alpn: List<Text>,
    /// The `record_size_limit` (RFC 8449) the client announces. See the module documentation
    /// for what happens when a server answers with its own limit.
    pub record_size_limit: Option<u16>,
    /// The signature algorithms offered in `delegated_credentials` (BoringSSL names,
    /// `:`-separated). See the module documentation for what happens when a server sends a
    /// delegated credential.
    pub delegated_credentials: Option<Text>,
}

/// HEADERS frame priority fields (RFC 9113 section 6.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Priority {
    /// Stream dependency.
    pub stream_dependency: u32,
    /// Weight, 1 to 256 (the wire value plus one).
    pub weight: u16,
    /// Exclusive flag.
    pub exclusive: bool,
}

/// The HTTP/2 half of a profile: what the connection preface and each HEADERS frame carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Http2Profile {
    /// SETTINGS in order, as (identifier, value).
    pub settings: List<(u16, u32)>,
    /// The connection-level WINDOW_UPDATE increment sent after SETTINGS (0: none).
    pub connection_window_update: u32,
    /// The priority carried in HEADERS frames, when the browser sets one.
    pub headers_priority: Option<Priority>,
    /// Pseudo-header order.
    pub pseudo_header_order: List<Text>,
    /// The `Cookie` field goes out as one `cookie` field per cookie-pair ("crumb", split on
    /// `"; "`, RFC 9113 section 8.2.3), in the folded field's order, where the browser does
    /// that; `false`: one folded field, as on HTTP/1.1.
    pub cookie_crumbs: bool,
}

impl Http2Profile {
    /// The Akamai HTTP/2 fingerprint text: `settings|window_update|priority_frames|pseudo`.
    #[must_use]
    pub fn akamai_text(&self) -> String {
        let settings: Vec<String> = self
            .settings
            .iter()
            .map(|(k, v)| format!("{k}:{v}"))
            .collect();
        let pseudo: Vec<&str> = self
            .pseudo_header_order
            .iter()
            .map(|p| match p.as_ref() {
                ":method" => "m",
                ":authority" => "a",
                ":scheme" => "s",
                ":path" => "p",
                other => other,
            })
            .collect();
        format!(
            "{}|{}|0|{}",
            settings.join(";"),
            self.connection_window_update,
            pseudo.join(",")
        )
    }
}

/// The WebSocket opening request of a profile (the module documentation says what each
/// browser sends).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebSocketProfile {
    /// The HTTP/1.1 `Upgrade` GET's fields in order, after `Host` (an empty value: a
    /// position only, filled by the handshake's field of that name, the caller's, or the
    /// cookie store's `Cookie`, and left out when there is none).
    pub http1_headers: List<Header>,
    /// The HTTP/2 extended CONNECT's fields in order, after the pseudo-headers (empty values
    /// as in [`WebSocketProfile::http1_headers`]).
    pub http2_headers: List<Header>,
    /// The permessage-deflate offer declares `client_max_window_bits` (without a value), as
    /// Chromium's does; `false`: `permessage-deflate` alone, as Firefox's.
    pub deflate_client_max_window_bits: bool,
}

/// A browser profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// Short name (`chrome`, `firefox`, `safari`, `chromium`, `firefox-esr`).
    pub name: Text,
    /// The browser version modelled.
    pub browser_version: Text,
    /// The browser's published JA4 (the module documentation cites the capture): the target
    /// this profile's ClientHello is measured against, and reaches (`tests/profiles.rs`).
    pub published_ja4: Text,
    /// The ClientHello.
    pub tls: TlsProfile,
    /// The HTTP/2 connection.
    pub http2: Http2Profile,
    /// Default HTTP/1.1 request headers in order (name, value). An entry with an empty
    /// value is a position only: the request's field of that name (the caller's, or the
    /// cookie store's `Cookie`) goes there, and nothing is sent when it has none.
    pub http1_headers: List<Header>,
    /// Default HTTP/2 request headers in order, after the pseudo-headers (an empty value: a
    /// position only, as in [`Profile::http1_headers`]).
    pub http2_headers: List<Header>,
    /// The WebSocket opening request's fields, which replace the header lists above there.
    pub websocket: WebSocketProfile,
}

/// A profile as a client config holds it: a built-in static (no allocation, no copy) or a
/// profile built at run time, shared by reference count (cloning a config or a client never
/// copies the profile). Every `profile(...)` setter takes `impl Into<SharedProfile>`, so
/// `&CHROME`, a [`Profile`] value and an `Arc<Profile>` are all accepted.
#[derive(Clone)]
pub enum SharedProfile {
    /// A built-in profile ([`BUILT_IN`]).
    Static(&'static Profile),
    /// A profile built at run time.
    Owned(Arc<Profile>),
}

impl Deref for SharedProfile {
    type Target = Profile;

    fn deref(&self) -> &Profile {
        match self {
            SharedProfile::Static(p) => p,
            SharedProfile::Owned(p) => p,
        }
    }
}

impl fmt::Debug for SharedProfile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("SharedProfile").field(&self.name).finish()
    }
}

impl PartialEq for SharedProfile {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl Eq for SharedProfile {}

impl From<&'static Profile> for SharedProfile {
    fn from(p: &'static Profile) -> Self {
        SharedProfile::Static(p)
    }
}

impl From<Profile> for SharedProfile {
    fn from(p: Profile) -> Self {
        SharedProfile::Owned(Arc::new(p))
    }
}

impl From<Arc<Profile>> for SharedProfile {
    fn from(p: Arc<Profile>) -> Self {
        SharedProfile::Owned(p)
    }
}

/// Every built-in profile, in the order of this module's docs.
pub static BUILT_IN: [&Profile; 5] = [&CHROME, &FIREFOX, &SAFARI, &CHROMIUM, &FIREFOX_ESR];

impl Profile {
    /// A profile by name (`chrome`, `firefox`, `safari`, `chromium`, `firefox-esr`).
    #[must_use]
    pub fn by_name(name: &str) -> Option<&'static Profile> {
        BUILT_IN.into_iter().find(|p| p.name == name)
    }
}

/// TLS 1.3 suites in BoringSSL's order on machines with AES instructions (Chrome's and
/// Safari's), fixed so that the profiles do not depend on the machine.
const TLS13_AES_FIRST: &str =
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";

const CHROME_SIGALGS: &[u16] = &[
    0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601,
];

/// Chrome 143 on desktop.
pub static CHROME: Profile = Profile {
    name: t("chrome"),
    browser_version: t("Chrome 143 (desktop)"),
    published_ja4: t("t13d1516h2_8daaf6152771_d8a2da3f94cd"),
    tls: TlsProfile {
        tls13_ciphers: Some(t(TLS13_AES_FIRST)),
        cipher_list: t("ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:\
                      ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:\
                      ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:\
                      ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES256-SHA:AES128-GCM-SHA256:\
                      AES256-GCM-SHA384:AES128-SHA:AES256-SHA"),
        groups: t("X25519MLKEM768:X25519:P-256:P-384"),
        key_shares: None,
        signature_algorithms: Cow::Borrowed(CHROME_SIGALGS),
        grease: true,
        permute_extensions: true,
        extension_order: None,
        cert_compression: Cow::Borrowed(&[CertCompression::Brotli]),
        alps: Some(Alps {
            protocol: t("h2"),
            new_codepoint: true,
        }),
        ocsp_stapling: true,
        signed_cert_timestamps: true,
        ech_grease: true,
        session_tickets: true,
        alpn: Cow::Borrowed(&[t("h2"), t("http/1.1")]),
        record_size_limit: None,
        delegated_credentials: None,
    },
    http2: Http2Profile {
        settings: Cow::Borrowed(&[(1, 65536), (2, 0), (4, 6_291_456), (6, 262_144)]),
        connection_window_update: 15_663_105,
        headers_priority: Some(Priority {
            stream_dependency: 0,
            weight: 256,
            exclusive: true,
        }),
        pseudo_header_order: Cow::Borrowed(&[
            t(":method"),
            t(":authority"),
            t(":scheme"),
            t(":path"),
        ]),
        cookie_crumbs: true,
    },
    http1_headers: Cow::Borrowed(&[
        h("Connection", "keep-alive"),
        h(
            "sec-ch-ua",
            "\"Google Chrome\";v=\"143\", \"Chromium\";v=\"143\", \"Not A(Brand\";v=\"24\"",
        ),
        h("sec-ch-ua-mobile", "?0"),
        h("sec-ch-ua-platform", "\"Windows\""),
        h("Upgrade-Insecure-Requests", "1"),
        h(
            "User-Agent",
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/143.0.0.0 Safari/537.36",
        ),
        h(
            "Accept",
            "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7",
        ),
        h("Sec-Fetch-Site", "none"),
        h("Sec-Fetch-Mode", "navigate"),
        h("Sec-Fetch-User", "?1"),
        h("Sec-Fetch-Dest", "document"),
        h("Accept-Encoding", "gzip, deflate, br, zstd"),
        h("Accept-Language", "en-US,en;q=0.9"),
        h("Cookie", ""),
    ]),
    http2_headers: Cow::Borrowed(&[
        h(
            "sec-ch-ua",
            "\"Google Chrome\";v=\"143\", \"Chromium\";v=\"143\", \"Not A(Brand\";v=\"24\"",
        ),
        h("sec-ch-ua-mobile", "?0"),
        h("sec-ch-ua-platform", "\"Windows\""),
        h("upgrade-insecure-requests", "1"),
        h(
            "user-agent",
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/143.0.0.0 Safari/537.36",
        ),
        h(
            "accept",
            "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7",
        ),
        h("sec-fetch-site", "none"),
        h("sec-fetch-mode", "navigate"),
        h("sec-fetch-user", "?1"),
        h("sec-fetch-dest", "document"),
        h("accept-encoding", "gzip, deflate, br, zstd"),
        h("accept-language", "en-US,en;q=0.9"),
        h("cookie", ""),
        h("priority", "u=0, i"),
    ]),
    websocket: WebSocketProfile {
        http1_headers: Cow::Borrowed(&[
            h("Connection", ""),
            h("Pragma", "no-cache"),
            h("Cache-Control", "no-cache"),
            h(
                "User-Agent",
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/143.0.0.0 Safari/537.36",
            ),
            h("Upgrade", ""),
            h("Origin", ""),
            h("Sec-WebSocket-Version", ""),
            h("Accept-Encoding", "gzip, deflate, br, zstd"),
            h("Accept-Language", "en-US,en;q=0.9"),
            h("Cookie", ""),
            h("Sec-WebSocket-Key", ""),
            h("Sec-WebSocket-Extensions", ""),
            h("Sec-WebSocket-Protocol", ""),
        ]),
        http2_headers: Cow::Borrowed(&[
            h("pragma", "no-cache"),
            h("cache-control", "no-cache"),
            h(
                "user-agent",
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/143.0.0.0 Safari/537.36",
            ),
            h("origin", ""),
            h("sec-websocket-version", ""),
            h("accept-encoding", "gzip, deflate, br, zstd"),
            h("accept-language", "en-US,en;q=0.9"),
            h("cookie", ""),
            h("sec-websocket-extensions", ""),
            h("sec-websocket-protocol", ""),
        ]),
        deflate_client_max_window_bits: true,
    },
};

/// Firefox 145 on desktop.
pub static FIREFOX: Profile = Profile {
    name: t("firefox"),
    browser_version: t("Firefox 145 (desktop)"),
    published_ja4: t("t13d1717h2_5b57614c22b0_3cbfd9057e0d"),
    tls: TlsProfile {
        tls13_ciphers: Some(t(
            "TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_256_GCM_SHA384",
        )),
        cipher_list: t("ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:\
                      ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:\
                      ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:\
                      ECDHE-ECDSA-AES256-SHA:ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA:\
                      ECDHE-RSA-AES256-SHA:AES128-GCM-SHA256:AES256-GCM-SHA384:AES128-SHA:AES256-SHA"),
        groups: t("X25519MLKEM768:X25519:P-256:P-384:P-521:ffdhe2048:ffdhe3072"),
        key_shares: Some(3),
        signature_algorithms: Cow::Borrowed(&[
            0x0403, 0x0503, 0x0603, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0203, 0x0201,
        ]),
        grease: false,
        permute_extensions: false,
        extension_order: Some(Cow::Borrowed(&[
            0, 23, 65281, 10, 11, 35, 16, 5, 34, 18, 51, 43, 13, 45, 28, 27, 65037,
        ])),
        cert_compression: Cow::Borrowed(&[CertCompression::Zlib, CertCompression::Brotli]),
        alps: None,
        ocsp_stapling: true,
        signed_cert_timestamps: true,
        ech_grease: true,
        session_tickets: true,
        alpn: Cow::Borrowed(&[t("h2"), t("http/1.1")]),
        record_size_limit: Some(16385),
        delegated_credentials: Some(t(
            "ecdsa_secp256r1_sha256:ecdsa_secp384r1_sha384:ecdsa_secp521r1_sha512:ecdsa_sha1",
        )),
    },
    http2: Http2Profile {
        settings: Cow::Borrowed(&[(1, 65536), (2, 0), (4, 131_072), (5, 16384)]),
        connection_window_update: 12_517_377,
        headers_priority: Some(Priority {
            stream_dependency: 0,
            weight: 42,
            exclusive: false,
        }),
        pseudo_header_order: Cow::Borrowed(&[
            t(":method"),
            t(":path"),
            t(":authority"),
            t(":scheme"),
        ]),
        cookie_crumbs: true,
    },
    http1_headers: Cow::Borrowed(&[
        h(
            "User-Agent",
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:145.0) Gecko/20100101 Firefox/145.0",
        ),
        h(
            "Accept",
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        ),
        h("Accept-Language", "en-US,en;q=0.5"),
        h("Accept-Encoding", "gzip, deflate, br, zstd"),
        h("Connection", "keep-alive"),
        h("Cookie", ""),
        h("Upgrade-Insecure-Requests", "1"),
        h("Sec-Fetch-Dest", "document"),
        h("Sec-Fetch-Mode", "navigate"),
        h("Sec-Fetch-Site", "none"),
        h("Sec-Fetch-User", "?1"),
        h("Priority", "u=0, i"),
    ]),
    http2_headers: Cow::Borrowed(&[
        h(
            "user-agent",
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:145.0) Gecko/20100101 Firefox/145.0",
        ),
        h(
            "accept",
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        ),
        h("accept-language", "en-US,en;q=0.5"),
        h("accept-encoding", "gzip, deflate, br, zstd"),
        h("cookie", ""),
        h("upgrade-insecure-requests", "1"),
        h("sec-fetch-dest", "document"),
        h("sec-fetch-mode", "navigate"),
        h("sec-fetch-site", "none"),
        h("sec-fetch-user", "?1"),
        h("priority", "u=0, i"),
        h("te", "trailers"),
    ]),
    websocket: WebSocketProfile {
        http1_headers: Cow::Borrowed(&[
            h(
                "User-Agent",
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:145.0) Gecko/20100101 Firefox/145.0",
            ),
            h("Accept", "*/*"),
            h("Accept-Language", "en-US,en;q=0.5"),
            h("Accept-Encoding", "gzip, deflate, br, zstd"),
            h("Sec-WebSocket-Version", ""),
            h("Origin", ""),
            h("Sec-WebSocket-Protocol", ""),
            h("Sec-WebSocket-Extensions", ""),
            h("Sec-WebSocket-Key", ""),
            h("Connection", ""),
            h("Cookie", ""),
            h("Sec-Fetch-Dest", "empty"),
            h("Sec-Fetch-Mode", "websocket"),
            h("Sec-Fetch-Site", "same-origin"),
            h("Pragma", "no-cache"),
            h("Cache-Control", "no-cache"),
            h("Upgrade", ""),
        ]),
        http2_headers: Cow::Borrowed(&[
            h(
                "user-agent",
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:145.0) Gecko/20100101 Firefox/145.0",
            ),
            h("accept", "*/*"),
            h("accept-language", "en-US,en;q=0.5"),
            h("accept-encoding", "gzip, deflate, br, zstd"),
            h("sec-websocket-version", ""),
            h("origin", ""),
            h("sec-websocket-protocol", ""),
            h("sec-websocket-extensions", ""),
            h("cookie", ""),
            h("sec-fetch-dest", "empty"),
            h("sec-fetch-mode", "websocket"),
            h("sec-fetch-site", "same-origin"),
            h("pragma", "no-cache"),
            h("cache-control", "no-cache"),
        ]),
        deflate_client_max_window_bits: false,
    },
};

/// Safari 18 on macOS 15.
pub static SAFARI: Profile = Profile {
    name: t("safari"),
    browser_version: t("Safari 18 (macOS 15)"),
    published_ja4: t("t13d2014h2_a09f3c656075_14788d8d241b"),
    tls: TlsProfile {
        tls13_ciphers: Some(t(TLS13_AES_FIRST)),
        cipher_list: t(
            "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256:\
                      ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-AES256-GCM-SHA384:\
                      ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-CHACHA20-POLY1305:\
                      ECDHE-ECDSA-AES256-SHA:ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES256-SHA:\
                      ECDHE-RSA-AES128-SHA:AES256-GCM-SHA384:AES128-GCM-SHA256:AES256-SHA:\
                      AES128-SHA:ECDHE-ECDSA-DES-CBC3-SHA:ECDHE-RSA-DES-CBC3-SHA:DES-CBC3-SHA",
        ),
        groups: t("X25519:P-256:P-384:P-521"),
        key_shares: None,
        signature_algorithms: Cow::Borrowed(&[
            0x0403, 0x0804, 0x0401, 0x0503, 0x0203, 0x0805, 0x0805, 0x0501, 0x0806, 0x0601, 0x0201,
        ]),
        grease: true,
        permute_extensions: false,
        extension_order: Some(Cow::Borrowed(&[
            0, 23, 65281, 10, 11, 16, 5, 13, 18, 51, 45, 43, 27,
        ])),
        cert_compression: Cow::Borrowed(&[CertCompression::Zlib]),
        alps: None,
        ocsp_stapling: true,
        signed_cert_timestamps: true,
        ech_grease: false,
        session_tickets: false,
        alpn: Cow::Borrowed(&[t("h2"), t("http/1.1")]),
        record_size_limit: None,
        delegated_credentials: None,
    },
    http2: Http2Profile {
        // Safari 18.0 still announces ENABLE_CONNECT_PROTOCOL (8); 18.4 and later drop it.
        settings: Cow::Borrowed(&[(2, 0), (3, 100), (4, 2_097_152), (8, 1), (9, 1)]),
        connection_window_update: 10_420_225,
        headers_priority: None,
        pseudo_header_order: Cow::Borrowed(&[
            t(":method"),
            t(":scheme"),
            t(":authority"),
            t(":path"),
        ]),
        cookie_crumbs: false,
    },
    http1_headers: Cow::Borrowed(&[
        h(
            "Accept",
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        ),
        h("Sec-Fetch-Site", "none"),
        h("Sec-Fetch-Mode", "navigate"),
        h(
            "User-Agent",
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Safari/605.1.15",
        ),
        h("Accept-Language", "en-US,en;q=0.9"),
        h("Sec-Fetch-Dest", "document"),
        h("Accept-Encoding", "gzip, deflate, br"),
        h("Connection", "keep-alive"),
        h("Cookie", ""),
    ]),
    // The recorded order of curl-impersonate's `safari180` (see the module docs); the cookie's
    // place is not in that record (before `priority`, as for the other profiles: unverified).
    http2_headers: Cow::Borrowed(&[
        h("sec-fetch-dest", "document"),
        h(
            "user-agent",
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Safari/605.1.15",
        ),
        h(
            "accept",
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        ),
        h("sec-fetch-site", "none"),
        h("sec-fetch-mode", "navigate"),
        h("accept-language", "en-US,en;q=0.9"),
        h("cookie", ""),
        h("priority", "u=0, i"),
        h("accept-encoding", "gzip, deflate, br"),
    ]),
    websocket: WebSocketProfile {
        http1_headers: Cow::Borrowed(&[
            h("Upgrade", ""),
            h("Connection", ""),
            h("Origin", ""),
            h("Sec-WebSocket-Protocol", ""),
            h("Cookie", ""),
            h("Pragma", "no-cache"),
            h("Cache-Control", "no-cache"),
            h("Sec-WebSocket-Key", ""),
            h("Sec-WebSocket-Version", ""),
            h("Sec-WebSocket-Extensions", ""),
            h(
                "User-Agent",
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Safari/605.1.15",
            ),
        ]),
        http2_headers: Cow::Borrowed(&[
            h("origin", ""),
            h("sec-websocket-protocol", ""),
            h("cookie", ""),
            h("pragma", "no-cache"),
            h("cache-control", "no-cache"),
            h("sec-websocket-version", ""),
            h("sec-websocket-extensions", ""),
            h(
                "user-agent",
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Safari/605.1.15",
            ),
        ]),
        deflate_client_max_window_bits: true,
    },
};

/// Debian's Chromium 156 on Linux (package `chromium` 156.0.8078.114-1~deb12u1), captured on
/// this project's machine on 2026-12-06, headless, on loopback: the raw ClientHello, and
/// `wire serve --tls`'s `/fingerprint` and `/echo` for a top-level navigation. JA4
/// `t13d1517h2_8daaf6152771_cb7bf5808d99`; Akamai
/// `1:65536;2:0;4:6291456;6:262144|15663105|0|m,a,s,p`.
///
/// # The Debian browsers: [`CHROMIUM`] and [`FIREFOX_ESR`]
///
/// What each sent, and how our profile compares (live, `runtime-mio/tests/browser_profiles.rs`,
/// which asserts exactly the differences of this table and fails on any other):
///
/// | | Chromium 156.0.8078.114 | ours (`chromium`) | Firefox ESR 153.8.0 | ours (`firefox-esr`) |
/// |---|---|---|---|---|
/// | JA4 over HTTP/2 | `t13d1517h2_8daaf6152771_cb7bf5808d99` | `t13d1516h2_8daaf6152771_d8a2da3f94cd` | `t13d1617h2_86a278354501_3cbfd9057e0d` | equal |
/// | JA4 over HTTP/1.1 (ALPN `http/1.1` alone) | `t13d1516h1_8daaf6152771_5b37b36a67c0` (no ALPS) | `t13d1515h1_8daaf6152771_0a20fe35d3a5` (no ALPS either) | `t13d1617h1_86a278354501_3cbfd9057e0d` | equal |
/// | cipher suites | 15 + GREASE: Chrome 143's | equal | 16: Firefox 145's without `c009`; TLS 1.3 order `1301,1303,1302` | equal, in order |
/// | extensions | 17 + 2 GREASE, permuted: Chrome 143's plus Trust Anchor Identifiers `0xca34` (28 anchor IDs, 186 bytes) | 16: no `0xca34` | 17 in a fixed order `0,23,65281,10,11,35,16,5,34,18,51,43,13,45,28,27,65037` | equal, in order (`record_size_limit` 16385, `delegated_credentials` `0403,0503,0603,0203`) |
/// | signature algorithms | GREASE, ML-DSA-44/65/87 (`0904,0905,0906`), then Chrome 143's 8 | Chrome 143's 8 | Firefox 145's 11 | equal |
/// | groups, key shares | GREASE, X25519MLKEM768, X25519, P-256, P-384; shares GREASE, X25519MLKEM768, X25519 | equal (BoringSSL's default shares) | X25519MLKEM768, X25519, P-256, P-384, P-521, ffdhe2048, ffdhe3072; shares X25519MLKEM768, X25519, P-256 | equal |
/// | certificate compression | brotli | equal | zlib, brotli, zstd | zlib, brotli (no zstd) |
/// | Akamai (HTTP/2) | `1:65536;2:0;4:6291456;6:262144\|15663105\|0\|m,a,s,p`, HEADERS exclusive on 0, weight 256, no PRIORITY frames | equal | `1:65536;2:0;4:131072;5:16384\|12517377\|0\|m,p,a,s`, HEADERS on 0, weight 42, no PRIORITY frames | equal |
/// | header order and values (HTTP/2 and HTTP/1.1) | Chrome 143's order; `sec-ch-ua` with the `Chromium` brand only, platform `"Linux"`, `Accept` with `image/jxl`, headless `User-Agent` `HeadlessChrome/156.0.0.0` | equal, but `User-Agent` says `Chrome/156.0.0.0` as a window does | Firefox 145's order (with `te: trailers` on HTTP/2, `Priority` on both); `Accept-Language` `en-US,en;q=0.9` | equal |
///
/// Why the rest differs:
/// - **Trust Anchor Identifiers** (`0xca34`, draft-ietf-tls-trust-anchor-ids), sent by
///   Chromium 156: the BoringSSL of the `boring2` fork (5.0.0-alpha.13) that `tls` builds on
///   has no `SSL_set1_requested_trust_anchors` (stock BoringSSL of `boring` 5.4 had). Not
///   sent, so Chromium's extension count and hash cannot match.
/// - **ML-DSA signature algorithms** (`0x0904`, `0x0905`, `0x0906`), listed first by
///   Chromium 156: the fork's BoringSSL has no ML-DSA, so a profile listing them would be
///   refused; the profile leaves them out and Chromium's signature-algorithm list (in
///   JA4_r, and so JA4's extension hash) differs. (A GREASE signature algorithm, also sent,
///   is not part of JA3 or JA4.)
/// - **ALPS** goes out only when ALPN offers its protocol (`h2`), as Chromium does: with ALPN
///   `http/1.1` alone (the client's `alpn_h2` off, a WebSocket's HTTP/1.1-only connection)
///   neither sends it.
/// - **Firefox ESR**: only the certificate compression list (no zstd), which enters neither
///   JA3 nor JA4; what the fork makes of `record_size_limit`, `delegated_credentials` and the
///   ffdhe groups when a server takes them up is in the module documentation.
/// - **Headless**: Chromium's headless `User-Agent` says `HeadlessChrome`; the profile models
///   the browser as people run it (`Chrome/156.0.0.0`, as Chromium on Linux sends in a
///   window). Firefox headless sends its usual `User-Agent`.
pub static CHROMIUM: Profile = Profile {
    name: t("chromium"),
    browser_version: t("Chromium 156 (Debian 156.0.8078.114-1~deb12u1, Linux)"),
    published_ja4: t("t13d1517h2_8daaf6152771_cb7bf5808d99"),
    tls: TlsProfile {
        tls13_ciphers: None,
        cipher_list: t("ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:\
                      ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:\
                      ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:\
                      ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES256-SHA:AES128-GCM-SHA256:\
                      AES256-GCM-SHA384:AES128-SHA:AES256-SHA"),
        groups: t("X25519MLKEM768:X25519:P-256:P-384"),
        key_shares: None,
        // Chromium 156 sends ML-DSA-44/65/87 (0x0904, 0x0905, 0x0906) first, and a GREASE
        // value before them: neither can be configured through `boring` 5.4 (module docs).
        signature_algorithms: Cow::Borrowed(CHROME_SIGALGS),
        grease: true,
        permute_extensions: true,
        extension_order: None,
        cert_compression: Cow::Borrowed(&[CertCompression::Brotli]),
        alps: Some(Alps {
            protocol: t("h2"),
            new_codepoint: true,
        }),
        ocsp_stapling: true,
        signed_cert_timestamps: true,
        ech_grease: true,
        session_tickets: true,
        alpn: Cow::Borrowed(&[t("h2"), t("http/1.1")]),
        record_size_limit: None,
        delegated_credentials: None,
    },
    http2: Http2Profile {
        settings: Cow::Borrowed(&[(1, 65536), (2, 0), (4, 6_291_456), (6, 262_144)]),
        connection_window_update: 15_663_105,
        headers_priority: Some(Priority {
            stream_dependency: 0,
            weight: 256,
            exclusive: true,
        }),
        pseudo_header_order: Cow::Borrowed(&[
            t(":method"),
            t(":authority"),
            t(":scheme"),
            t(":path"),
        ]),
        cookie_crumbs: true,
    },
    http1_headers: Cow::Borrowed(&[
        h("Connection", "keep-alive"),
        h(
            "sec-ch-ua",
            "\"Not:A-Brand\";v=\"8\", \"Chromium\";v=\"156\"",
        ),
        h("sec-ch-ua-mobile", "?0"),
        h("sec-ch-ua-platform", "\"Linux\""),
        h("Upgrade-Insecure-Requests", "1"),
        h("User-Agent", CHROMIUM_UA),
        h("Accept", CHROMIUM_ACCEPT),
        h("Sec-Fetch-Site", "none"),
        h("Sec-Fetch-Mode", "navigate"),
        h("Sec-Fetch-User", "?1"),
        h("Sec-Fetch-Dest", "document"),
        h("Accept-Encoding", "gzip, deflate, br, zstd"),
        h("Accept-Language", "en-US,en;q=0.9"),
        h("Cookie", ""),
    ]),
    http2_headers: Cow::Borrowed(&[
        h(
            "sec-ch-ua",
            "\"Not:A-Brand\";v=\"8\", \"Chromium\";v=\"156\"",
        ),
        h("sec-ch-ua-mobile", "?0"),
        h("sec-ch-ua-platform", "\"Linux\""),
        h("upgrade-insecure-requests", "1"),
        h("user-agent", CHROMIUM_UA),
        h("accept", CHROMIUM_ACCEPT),
        h("sec-fetch-site", "none"),
        h("sec-fetch-mode", "navigate"),
        h("sec-fetch-user", "?1"),
        h("sec-fetch-dest", "document"),
        h("accept-encoding", "gzip, deflate, br, zstd"),
        h("accept-language", "en-US,en;q=0.9"),
        h("cookie", ""),
        h("priority", "u=0, i"),
    ]),
    websocket: WebSocketProfile {
        http1_headers: Cow::Borrowed(&[
            h("Connection", ""),
            h("Pragma", "no-cache"),
            h("Cache-Control", "no-cache"),
            h("User-Agent", CHROMIUM_UA),
            h("Upgrade", ""),
            h("Origin", ""),
            h("Sec-WebSocket-Version", ""),
            h("Accept-Encoding", "gzip, deflate, br, zstd"),
            h("Accept-Language", "en-US,en;q=0.9"),
            h("Cookie", ""),
            h("Sec-WebSocket-Key", ""),
            h("Sec-WebSocket-Extensions", ""),
            h("Sec-WebSocket-Protocol", ""),
        ]),
        http2_headers: Cow::Borrowed(&[
            h("pragma", "no-cache"),
            h("cache-control", "no-cache"),
            h("user-agent", CHROMIUM_UA),
            h("origin", ""),
            h("sec-websocket-version", ""),
            h("accept-encoding", "gzip, deflate, br, zstd"),
            h("accept-language", "en-US,en;q=0.9"),
            h("cookie", ""),
            h("sec-websocket-extensions", ""),
            h("sec-websocket-protocol", ""),
        ]),
        deflate_client_max_window_bits: true,
    },
};

/// Chromium 156's `User-Agent` on Linux as a window (headless writes `HeadlessChrome/`).
const CHROMIUM_UA: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36";

/// Chromium 156's `Accept` for a navigation (with `image/jxl`, new since Chrome 143).
const CHROMIUM_ACCEPT: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,image/jxl,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7";

/// Debian's Firefox ESR 153 on Linux (package `firefox-esr` 153.8.0esr-1~deb12u1), captured on
/// this project's machine on 2026-12-06, headless, on loopback, as [`CHROMIUM`] was (whose
/// documentation has the table of what both sent, what our profiles send, and why the rest
/// differs). JA4 `t13d1617h2_86a278354501_3cbfd9057e0d`; Akamai
/// `1:65536;2:0;4:131072;5:16384|12517377|0|m,p,a,s`.
pub static FIREFOX_ESR: Profile = Profile {
    name: t("firefox-esr"),
    browser_version: t("Firefox ESR 153 (Debian 153.8.0esr-1~deb12u1, Linux)"),
    published_ja4: t("t13d1617h2_86a278354501_3cbfd9057e0d"),
    tls: TlsProfile {
        tls13_ciphers: Some(t(
            "TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_256_GCM_SHA384",
        )),
        cipher_list: t("ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:\
                      ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:\
                      ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:\
                      ECDHE-ECDSA-AES256-SHA:ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES256-SHA:\
                      AES128-GCM-SHA256:AES256-GCM-SHA384:AES128-SHA:AES256-SHA"),
        // Firefox also offers ffdhe2048 and ffdhe3072 (0x0100, 0x0101), which BoringSSL lacks.
        groups: t("X25519MLKEM768:X25519:P-256:P-384:P-521:ffdhe2048:ffdhe3072"),
        key_shares: Some(3),
        signature_algorithms: Cow::Borrowed(&[
            0x0403, 0x0503, 0x0603, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0203, 0x0201,
        ]),
        grease: false,
        permute_extensions: false,
        extension_order: Some(Cow::Borrowed(&[
            0, 23, 65281, 10, 11, 35, 16, 5, 34, 18, 51, 43, 13, 45, 28, 27, 65037,
        ])),
        cert_compression: Cow::Borrowed(&[CertCompression::Zlib, CertCompression::Brotli]),
        alps: None,
        ocsp_stapling: true,
        signed_cert_timestamps: true,
        ech_grease: true,
        session_tickets: true,
        alpn: Cow::Borrowed(&[t("h2"), t("http/1.1")]),
        record_size_limit: Some(16385),
        delegated_credentials: Some(t(
            "ecdsa_secp256r1_sha256:ecdsa_secp384r1_sha384:ecdsa_secp521r1_sha512:ecdsa_sha1",
        )),
    },
    http2: Http2Profile {
        settings: Cow::Borrowed(&[(1, 65536), (2, 0), (4, 131_072), (5, 16384)]),
        connection_window_update: 12_517_377,
        headers_priority: Some(Priority {
            stream_dependency: 0,
            weight: 42,
            exclusive: false,
        }),
        pseudo_header_order: Cow::Borrowed(&[
            t(":method"),
            t(":path"),
            t(":authority"),
            t(":scheme"),
        ]),
        cookie_crumbs: true,
    },
    http1_headers: Cow::Borrowed(&[
        h("User-Agent", FIREFOX_ESR_UA),
        h(
            "Accept",
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        ),
        h("Accept-Language", "en-US,en;q=0.9"),
        h("Accept-Encoding", "gzip, deflate, br, zstd"),
        h("Connection", "keep-alive"),
        h("Cookie", ""),
        h("Upgrade-Insecure-Requests", "1"),
        h("Sec-Fetch-Dest", "document"),
        h("Sec-Fetch-Mode", "navigate"),
        h("Sec-Fetch-Site", "none"),
        h("Sec-Fetch-User", "?1"),
        h("Priority", "u=0, i"),
    ]),
    http2_headers: Cow::Borrowed(&[
        h("user-agent", FIREFOX_ESR_UA),
        h(
            "accept",
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        ),
        h("accept-language", "en-US,en;q=0.9"),
        h("accept-encoding", "gzip, deflate, br, zstd"),
        h("cookie", ""),
        h("upgrade-insecure-requests", "1"),
        h("sec-fetch-dest", "document"),
        h("sec-fetch-mode", "navigate"),
        h("sec-fetch-site", "none"),
        h("sec-fetch-user", "?1"),
        h("priority", "u=0, i"),
        h("te", "trailers"),
    ]),
    websocket: WebSocketProfile {
        http1_headers: Cow::Borrowed(&[
            h("User-Agent", FIREFOX_ESR_UA),
            h("Accept", "*/*"),
            h("Accept-Language", "en-US,en;q=0.9"),
            h("Accept-Encoding", "gzip, deflate, br, zstd"),
            h("Sec-WebSocket-Version", ""),
            h("Origin", ""),
            h("Sec-WebSocket-Protocol", ""),
            h("Sec-WebSocket-Extensions", ""),
            h("Sec-WebSocket-Key", ""),
            h("Connection", ""),
            h("Cookie", ""),
            h("Sec-Fetch-Dest", "empty"),
            h("Sec-Fetch-Mode", "websocket"),
            h("Sec-Fetch-Site", "same-origin"),
            h("Pragma", "no-cache"),
            h("Cache-Control", "no-cache"),
            h("Upgrade", ""),
        ]),
        http2_headers: Cow::Borrowed(&[
            h("user-agent", FIREFOX_ESR_UA),
            h("accept", "*/*"),
            h("accept-language", "en-US,en;q=0.9"),
            h("accept-encoding", "gzip, deflate, br, zstd"),
            h("sec-websocket-version", ""),
            h("origin", ""),
            h("sec-websocket-protocol", ""),
            h("sec-websocket-extensions", ""),
            h("cookie", ""),
            h("sec-fetch-dest", "empty"),
            h("sec-fetch-mode", "websocket"),
            h("sec-fetch-site", "same-origin"),
            h("pragma", "no-cache"),
            h("cache-control", "no-cache"),
        ]),
        deflate_client_max_window_bits: false,
    },
};

/// Firefox ESR 153's `User-Agent` on Linux.
const FIREFOX_ESR_UA: &str =
    "Mozilla/5.0 (X11; Linux x86_64; rv:153.0) Gecko/20100101 Firefox/153.0";
