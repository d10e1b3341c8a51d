//! Client and server configuration: built once, shared by every session made from it.
//!
//! Building a config may read files (PEM files, the system root store); the sessions made from
//! it never do any I/O of their own (a [`KeyLog`] sink the caller sets may write).

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::fs::File;
use std::io::Write as _;
use std::path::Path;
use std::sync::atomic::{AtomicI32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use boring::pkey::{PKey, Private};
use boring::ssl::{
    AlpnError, CertificateCompressionAlgorithm, CertificateCompressor, NameType, SniError,
    SslAlert, SslContext, SslContextBuilder, SslInfoCallbackMode, SslInfoCallbackValue, SslMethod,
    SslOptions, SslRef, SslSession, SslSessionCacheMode, SslVerifyMode, SslVersion,
};
use boring::x509::X509;
use boring::x509::store::X509StoreBuilder;

use crate::Error;
use crate::profile::Profile;

/// A TLS protocol version bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[non_exhaustive]
pub enum TlsVersion {
    /// TLS 1.2 (RFC 5246).
    Tls12,
    /// TLS 1.3 (RFC 8446).
    Tls13,
}

impl TlsVersion {
    fn ssl(self) -> SslVersion {
        match self {
            Self::Tls12 => SslVersion::TLS1_2,
            Self::Tls13 => SslVersion::TLS1_3,
        }
    }
}

/// A key-log sink: receives one line of the NSS key log format per secret (no trailing
/// newline), e.g. `CLIENT_HANDSHAKE_TRAFFIC_SECRET <client random hex> <secret hex>` in TLS 1.3
/// or `CLIENT_RANDOM <client random hex> <master secret hex>` in TLS 1.2.
///
/// Key logging is off unless a config is given a sink by name
/// ([`ClientConfigBuilder::key_log`], [`ServerConfigBuilder::key_log`]); the library never
/// turns it on from the environment. Anyone holding these lines can decrypt the connection:
/// use it for debugging only. [`KeyLogFile`] writes them to a file; any `Fn(&str)` closure
/// is a sink too.
pub trait KeyLog: Send + Sync {
    /// Takes one key log line. Called on the thread driving the handshake; it must not block
    /// for long, and it cannot fail the handshake.
    fn log(&self, line: &str);
}

impl<F: Fn(&str) + Send + Sync> KeyLog for F {
    fn log(&self, line: &str) {
        self(line);
    }
}

/// A [`KeyLog`] that appends lines to a file (the format Wireshark reads as its "(Pre)-Master
/// Secret log").
///
/// A new file is created with mode `0600` (owner read and write only, whatever the umask); an
/// existing file is appended to and its mode left as it is (never widened). Writes are best
/// effort: a failed write is dropped, it does not fail the handshake.
#[derive(Debug)]
pub struct KeyLogFile {
    file: Mutex<File>,
}

impl KeyLogFile {
    /// Opens `path` for appending, creating it with mode `0600` if it does not exist.
    ///
    /// # Errors
    /// The error from opening the file.
    pub fn create(path: impl AsRef<Path>) -> std::io::Result<Self> {
        let mut options = std::fs::OpenOptions::new();
        options.create(true).append(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            options.mode(0o600);
        }
        Ok(Self {
            file: Mutex::new(options.open(path)?),
        })
    }

    /// [`KeyLogFile::create`] on the path in the `SSLKEYLOGFILE` environment variable, or
    /// `None` when it is unset or empty. This is the only place the crate reads the
    /// environment, and only when the caller calls it (a command-line tool would).
    ///
    /// # Errors
    /// The error from opening the file.
    pub fn from_env() -> std::io::Result<Option<Self>> {
        match std::env::var_os("SSLKEYLOGFILE") {
            Some(path) if !path.is_empty() => Self::create(path).map(Some),
            _ => Ok(None),
        }
    }
}

impl KeyLog for KeyLogFile {
    fn log(&self, line: &str) {
        let mut record = String::with_capacity(line.len() + 1);
        record.push_str(line);
        record.push('\n');
        if let Ok(mut file) = self.file.lock() {
            // One write per line so concurrent appenders do not interleave within a line.
            // Best effort: a failed write must not fail the handshake.
            let _ = file.write_all(record.as_bytes());
        }
    }
}

fn install_key_log(ctx: &mut SslContextBuilder, log: Option<&Arc<dyn KeyLog>>) {
    if let Some(log) = log {
        let log = Arc::clone(log);
        ctx.set_keylog_callback(move |_ssl, line| log.log(line));
    }
}

/// The last alert each way, kept per SSL in ex-data by the info callback.
#[derive(Debug, Default)]
pub(crate) struct AlertLog {
    pub(crate) sent: AtomicI32,
    pub(crate) received: AtomicI32,
}

pub(crate) fn alert_index() -> boring::ex_data::Index<boring::ssl::Ssl, AlertLog> {
    static IDX: OnceLock<boring::ex_data::Index<boring::ssl::Ssl, AlertLog>> = OnceLock::new();
    *IDX.get_or_init(|| boring::ssl::Ssl::new_ex_index().expect("BoringSSL ex-data index"))
}

/// The raw ClientHello body a server saw, kept per SSL.
pub(crate) fn hello_index() -> boring::ex_data::Index<boring::ssl::Ssl, Vec<u8>> {
    static IDX: OnceLock<boring::ex_data::Index<boring::ssl::Ssl, Vec<u8>>> = OnceLock::new();
    *IDX.get_or_init(|| boring::ssl::Ssl::new_ex_index().expect("BoringSSL ex-data index"))
}

/// The session-cache key of a client connection.
pub(crate) fn cache_key_index() -> boring::ex_data::Index<boring::ssl::Ssl, String> {
    static IDX: OnceLock<boring::ex_data::Index<boring::ssl::Ssl, String>> = OnceLock::new();
    *IDX.get_or_init(|| boring::ssl::Ssl::new_ex_index().expect("BoringSSL ex-data index"))
}

fn install_alert_log(ctx: &mut SslContextBuilder) {
    ctx.set_info_callback(|ssl: &SslRef, mode, value| {
        let SslInfoCallbackValue::Alert(alert) = value else {
            return;
        };
        let Some(log) = ssl.ex_data(alert_index()) else {
            return;
        };
        let Some(code) = alert_code(alert.alert()) else {
            return;
        };
        if mode == SslInfoCallbackMode::READ_ALERT {
            log.received.store(code + 1, Ordering::Relaxed);
        } else if mode == SslInfoCallbackMode::WRITE_ALERT {
            log.sent.store(code + 1, Ordering::Relaxed);
        }
    });
}

/// The description code of an alert (`SslAlert` has no raw accessor in `boring` 5.4).
fn alert_code(alert: SslAlert) -> Option<i32> {
    const TABLE: &[(SslAlert, i32)] = &[
        (SslAlert::CLOSE_NOTIFY, 0),
        (SslAlert::UNEXPECTED_MESSAGE, 10),
        (SslAlert::BAD_RECORD_MAC, 20),
        (SslAlert::RECORD_OVERFLOW, 22),
        (SslAlert::HANDSHAKE_FAILURE, 40),
        (SslAlert::BAD_CERTIFICATE, 42),
        (SslAlert::UNSUPPORTED_CERTIFICATE, 43),
        (SslAlert::CERTIFICATE_REVOKED, 44),
        (SslAlert::CERTIFICATE_EXPIRED, 45),
        (SslAlert::CERTIFICATE_UNKNOWN, 46),
        (SslAlert::ILLEGAL_PARAMETER, 47),
        (SslAlert::UNKNOWN_CA, 48),
        (SslAlert::ACCESS_DENIED, 49),
        (SslAlert::DECODE_ERROR, 50),
        (SslAlert::DECRYPT_ERROR, 51),
        (SslAlert::PROTOCOL_VERSION, 70),
        (SslAlert::INSUFFICIENT_SECURITY, 71),
        (SslAlert::INTERNAL_ERROR, 80),
        (SslAlert::INAPPROPRIATE_FALLBACK, 86),
        (SslAlert::USER_CANCELLED, 90),
        (SslAlert::MISSING_EXTENSION, 109),
        (SslAlert::UNSUPPORTED_EXTENSION, 110),
        (SslAlert::UNRECOGNIZED_NAME, 112),
        (SslAlert::BAD_CERTIFICATE_STATUS_RESPONSE, 113),
        (SslAlert::UNKNOWN_PSK_IDENTITY, 115),
        (SslAlert::CERTIFICATE_REQUIRED, 116),
        (SslAlert::NO_APPLICATION_PROTOCOL, 120),
    ];
    TABLE.iter().find(|(a, _)| *a == alert).map(|(_, c)| *c)
}

/// Brotli certificate compression (RFC 8879 algorithm 2), both ways.
struct Brotli;

impl CertificateCompressor for Brotli {
    const ALGORITHM: CertificateCompressionAlgorithm = CertificateCompressionAlgorithm::BROTLI;
    const CAN_COMPRESS: bool = true;
    const CAN_DECOMPRESS: bool = true;

    fn compress<W: std::io::Write>(&self, input: &[u8], output: &mut W) -> std::io::Result<()> {
        let mut w = brotli::CompressorWriter::new(output, 4096, 9, 22);
        w.write_all(input)?;
        w.flush()
    }

    fn decompress<W: std::io::Write>(&self, input: &[u8], output: &mut W) -> std::io::Result<()> {
        let mut r = brotli::Decompressor::new(input, 4096);
        std::io::copy(&mut r, output).map(|_| ())
    }
}

/// Zlib certificate compression (RFC 8879 algorithm 1), both ways.
struct Zlib;

impl CertificateCompressor for Zlib {
    const ALGORITHM: CertificateCompressionAlgorithm = CertificateCompressionAlgorithm::ZLIB;
    const CAN_COMPRESS: bool = true;
    const CAN_DECOMPRESS: bool = true;

    fn compress<W: std::io::Write>(&self, input: &[u8], output: &mut W) -> std::io::Result<()> {
        let mut w = flate2::write::ZlibEncoder::new(output, flate2::Compression::default());
        w.write_all(input)?;
        w.finish().map(|_| ())
    }

    fn decompress<W: std::io::Write>(&self, input: &[u8], output: &mut W) -> std::io::Result<()> {
        let mut r = flate2::read::ZlibDecoder::new(input);
        std::io::copy(&mut r, output).map(|_| ())
    }
}

/// A certificate compression algorithm (RFC 8879).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CertCompression {
    /// zlib (1).
    Zlib,
    /// brotli (2).
    Brotli,
}

pub(crate) fn add_compression(
    ctx: &mut SslContextBuilder,
    algs: &[CertCompression],
) -> Result<(), Error> {
    for a in algs {
        match a {
            CertCompression::Zlib => ctx.add_certificate_compression_algorithm(Zlib)?,
            CertCompression::Brotli => ctx.add_certificate_compression_algorithm(Brotli)?,
        }
    }
    Ok(())
}

/// A client-side session cache shared by connections (and by clones of the cache), so later
/// connections to the same server resume (TLS 1.3 PSK or TLS 1.2 tickets).
///
/// Entries are keyed by the config that made them and the server name, so a session is only
/// offered to connections of the same config.
///
/// The cache is bounded: at most [`capacity`](Self::capacity) sessions in all
/// ([`DEFAULT_CAPACITY`](Self::DEFAULT_CAPACITY) by default) and at most
/// [`per_name`](Self::per_name) per config and server name
/// ([`DEFAULT_PER_NAME`](Self::DEFAULT_PER_NAME)). Beyond either bound the least recently used
/// session goes. A TLS 1.3 session is used once (taken out of the cache when offered, as
/// RFC 8446 appendix C.4 recommends, so two connections cannot be linked by their ticket);
/// servers send new tickets on every connection. A TLS 1.2 session stays and may be offered
/// again. Lookups scan the cache (at most `capacity` entries, once per new connection).
#[derive(Clone)]
pub struct SessionCache {
    inner: Arc<Mutex<CacheEntries>>,
}

/// The sessions of a [`SessionCache`], least recently used first.
struct CacheEntries {
    capacity: usize,
    per_name: usize,
    entries: VecDeque<(String, SslSession)>,
}

impl fmt::Debug for SessionCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionCache")
            .field("len", &self.len())
            .field("capacity", &self.capacity())
            .field("per_name", &self.per_name())
            .finish()
    }
}

impl Default for SessionCache {
    fn default() -> Self {
        Self::with_limits(Self::DEFAULT_CAPACITY, Self::DEFAULT_PER_NAME)
    }
}

impl SessionCache {
    /// Default bound on the number of sessions in a cache.
    pub const DEFAULT_CAPACITY: usize = 256;
    /// Default bound on the number of sessions kept for one server name (of one config).
    pub const DEFAULT_PER_NAME: usize = 4;

    /// An empty cache with the default bounds ([`Self::DEFAULT_CAPACITY`] sessions in all,
    /// [`Self::DEFAULT_PER_NAME`] per server name).
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty cache holding at most `capacity` sessions in all and `per_name` per config
    /// and server name. A `capacity` or `per_name` of 0 makes a cache that keeps nothing.
    #[must_use]
    pub fn with_limits(capacity: usize, per_name: usize) -> Self {
        Self {
            inner: Arc::new(Mutex::new(CacheEntries {
                capacity,
                per_name: per_name.min(capacity),
                entries: VecDeque::new(),
            })),
        }
    }

    /// Number of cached sessions.
    #[must_use]
    pub fn len(&self) -> usize {
        self.inner.lock().map(|m| m.entries.len()).unwrap_or(0)
    }

    /// Whether the cache is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The bound on the number of sessions.
    #[must_use]
    pub fn capacity(&self) -> usize {
        self.inner.lock().map(|m| m.capacity).unwrap_or(0)
    }

    /// The bound on the number of sessions per config and server name.
    #[must_use]
    pub fn per_name(&self) -> usize {
        self.inner.lock().map(|m| m.per_name).unwrap_or(0)
    }

    /// The newest session for `key`: a TLS 1.3 one is taken out, a TLS 1.2 one becomes the
    /// most recently used.
    pub(crate) fn get(&self, key: &str) -> Option<SslSession> {
        let mut m = self.inner.lock().ok()?;
        let i = m.entries.iter().rposition(|(k, _)| k == key)?;
        let (k, session) = m.entries.remove(i)?;
        if session.protocol_version() != SslVersion::TLS1_3 {
            m.entries.push_back((k, session.clone()));
        }
        Some(session)
    }

    fn put(&self, key: String, session: SslSession) {
        let Ok(mut m) = self.inner.lock() else {
            return;
        };
        if m.per_name == 0 {
            return;
        }
        let same = m.entries.iter().filter(|(k, _)| *k == key).count();
        if same >= m.per_name
            && let Some(i) = m.entries.iter().position(|(k, _)| *k == key)
        {
            m.entries.remove(i);
        }
        m.entries.push_back((key, session));
        while m.entries.len() > m.capacity {
            m.entries.pop_front();
        }
    }
}

static CONFIG_IDS: AtomicU64 = AtomicU64::new(1);

/// How the client verifies the server.
#[derive(Debug, Clone)]
struct Verify {
    system_roots: bool,
    pem_roots: Vec<Vec<u8>>,
    accept_invalid_certs: bool,
    verify_hostname: bool,
}

/// Builder of a [`ClientConfig`]. Verification is on by default (system roots, host name).
#[derive(Clone)]
pub struct ClientConfigBuilder {
    verify: Verify,
    alpn: Vec<Vec<u8>>,
    min: Option<TlsVersion>,
    max: Option<TlsVersion>,
    sni: bool,
    cache: Option<SessionCache>,
    client_cert: Option<(Vec<u8>, Vec<u8>)>,
    key_log: Option<Arc<dyn KeyLog>>,
    profile: Option<&'static Profile>,
}

impl fmt::Debug for ClientConfigBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientConfigBuilder")
            .field("verify", &self.verify)
            .field("alpn", &self.alpn)
            .field("profile", &self.profile.map(|p| p.name))
            .finish_non_exhaustive()
    }
}

impl ClientConfigBuilder {
    /// Adds trusted roots from PEM (one or more certificates).
    pub fn add_root_pem(&mut self, pem: &[u8]) -> &mut Self {
        self.verify.pem_roots.push(pem.to_vec());
        self
    }

    /// Whether to trust the system's roots (default `true`).
    pub fn system_roots(&mut self, on: bool) -> &mut Self {
        self.verify.system_roots = on;
        self
    }

    /// **Dangerous, for tests only**: accept any certificate chain and any host name. The
    /// connection is then open to any man in the middle.
    pub fn danger_accept_invalid_certs(&mut self, accept: bool) -> &mut Self {
        self.verify.accept_invalid_certs = accept;
        self
    }

    /// Whether to check the certificate against the server name (default `true`).
    pub fn verify_hostname(&mut self, on: bool) -> &mut Self {
        self.verify.verify_hostname = on;
        self
    }

    /// Whether to send the server name (SNI) when it is a DNS name (default `true`).
    pub fn sni(&mut self, on: bool) -> &mut Self {
        self.sni = on;
        self
    }

    /// ALPN protocols to offer, in preference order (default: none, or the profile's).
    pub fn alpn(&mut self, protocols: &[&[u8]]) -> &mut Self {
        self.alpn = protocols.iter().map(|p| p.to_vec()).collect();
        self
    }

    /// Lowest and highest TLS version (default 1.2 to 1.3).
    pub fn versions(&mut self, min: TlsVersion, max: TlsVersion) -> &mut Self {
        self.min = Some(min);
        self.max = Some(max);
        self
    }

    /// Resume sessions through `cache` (shared with other configs' clones of it). The cache's
    /// own bounds apply (see [`SessionCache`]); default: no cache, no resumption.
    pub fn session_cache(&mut self, cache: SessionCache) -> &mut Self {
        self.cache = Some(cache);
        self
    }

    /// Client certificate chain (leaf first) and private key, both PEM (mTLS).
    pub fn client_cert_pem(&mut self, chain: &[u8], key: &[u8]) -> &mut Self {
        self.client_cert = Some((chain.to_vec(), key.to_vec()));
        self
    }

    /// Gives every key log line (NSS format) of this config's connections to `log`, e.g. a
    /// [`KeyLogFile`]. Default: no key logging (`SSLKEYLOGFILE` is not read by the library).
    pub fn key_log(&mut self, log: Arc<dyn KeyLog>) -> &mut Self {
        self.key_log = Some(log);
        self
    }

    /// Shape the ClientHello like a browser (see [`crate::profile`]).
    pub fn profile(&mut self, profile: &'static Profile) -> &mut Self {
        self.profile = Some(profile);
        self
    }

    /// Builds the config.
    ///
    /// # Errors
    /// [`Error::Config`] on bad PEM, an unloadable system root store, or an option BoringSSL
    /// refuses.
    pub fn build(&self) -> Result<ClientConfig, Error> {
        let mut ctx = SslContextBuilder::new(SslMethod::tls())?;
        ctx.set_options(SslOptions::NO_COMPRESSION);
        let id = CONFIG_IDS.fetch_add(1, Ordering::Relaxed);
        if let Some(p) = self.profile {
            p.tls.apply_ctx(&mut ctx)?;
        }
        ctx.set_min_proto_version(Some(self.min.unwrap_or(TlsVersion::Tls12).ssl()))?;
        ctx.set_max_proto_version(Some(self.max.unwrap_or(TlsVersion::Tls13).ssl()))?;
        let alpn = if self.alpn.is_empty() {
            self.profile
                .map(|p| p.tls.alpn.iter().map(|a| a.as_bytes().to_vec()).collect())
                .unwrap_or_default()
        } else {
            self.alpn.clone()
        };
        if !alpn.is_empty() {
            ctx.set_alpn_protos(&alpn_wire(&alpn)?)?;
        }
        if self.verify.accept_invalid_certs {
            ctx.set_verify(SslVerifyMode::NONE);
        } else {
            ctx.set_verify(SslVerifyMode::PEER);
            let mut store = X509StoreBuilder::new()?;
            if self.verify.system_roots {
                store.set_default_paths()?;
            }
            for pem in &self.verify.pem_roots {
                for cert in X509::stack_from_pem(pem).map_err(Error::config)? {
                    store.add_cert(cert)?;
                }
            }
            ctx.set_cert_store_builder(store);
        }
        if let Some((chain, key)) = &self.client_cert {
            set_chain_and_key(&mut ctx, chain, key)?;
        }
        if let Some(cache) = &self.cache {
            ctx.set_session_cache_mode(SslSessionCacheMode::CLIENT);
            let cache = cache.clone();
            ctx.set_new_session_callback(move |ssl, session| {
                if let Some(key) = ssl.ex_data(cache_key_index()) {
                    cache.put(key.clone(), session);
                }
            });
        }
        install_key_log(&mut ctx, self.key_log.as_ref());
        install_alert_log(&mut ctx);
        Ok(ClientConfig {
            ctx: ctx.build(),
            id,
            verify_hostname: self.verify.verify_hostname && !self.verify.accept_invalid_certs,
            sni: self.sni,
            cache: self.cache.clone(),
            profile: self.profile,
        })
    }
}

/// Encodes ALPN protocol names in wire format (length-prefixed).
pub(crate) fn alpn_wire(protocols: &[Vec<u8>]) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    for p in protocols {
        let len =
            u8::try_from(p.len()).map_err(|_| Error::Config("ALPN name over 255 bytes".into()))?;
        if len == 0 {
            return Err(Error::Config("empty ALPN name".into()));
        }
        out.push(len);
        out.extend_from_slice(p);
    }
    Ok(out)
}

fn set_chain_and_key(ctx: &mut SslContextBuilder, chain: &[u8], key: &[u8]) -> Result<(), Error> {
    let mut certs = X509::stack_from_pem(chain)
        .map_err(Error::config)?
        .into_iter();
    let leaf = certs
        .next()
        .ok_or_else(|| Error::Config("no certificate in PEM".into()))?;
    ctx.set_certificate(&leaf)?;
    for c in certs {
        ctx.add_extra_chain_cert(c)?;
    }
    let key: PKey<Private> = PKey::private_key_from_pem(key).map_err(Error::config)?;
    ctx.set_private_key(&key)?;
    ctx.check_private_key().map_err(Error::config)?;
    Ok(())
}

/// Everything a client session needs; cheap to share (the BoringSSL context is reference
/// counted).
#[derive(Clone)]
pub struct ClientConfig {
    pub(crate) ctx: SslContext,
    pub(crate) id: u64,
    pub(crate) verify_hostname: bool,
    pub(crate) sni: bool,
    pub(crate) cache: Option<SessionCache>,
    pub(crate) profile: Option<&'static Profile>,
}

impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientConfig")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl ClientConfig {
    /// A builder with verification on (system roots, host name check), TLS 1.2 to 1.3.
    #[must_use]
    pub fn builder() -> ClientConfigBuilder {
        ClientConfigBuilder {
            verify: Verify {
                system_roots: true,
                pem_roots: Vec::new(),
                accept_invalid_certs: false,
                verify_hostname: true,
            },
            alpn: Vec::new(),
            min: None,
            max: None,
            sni: true,
            cache: None,
            client_cert: None,
            key_log: None,
            profile: None,
        }
    }
}

/// Whether and how the server asks for client certificates.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub enum ClientAuth {
    /// No client certificate requested (default).
    #[default]
    None,
    /// Requested and verified against these PEM roots when sent, but not required.
    Optional(Vec<u8>),
    /// Required and verified against these PEM roots.
    Required(Vec<u8>),
}

/// Builder of a [`ServerConfig`].
#[derive(Clone)]
pub struct ServerConfigBuilder {
    chain: Option<(Vec<u8>, Vec<u8>)>,
    sni: Vec<(String, Vec<u8>, Vec<u8>)>,
    alpn: Vec<Vec<u8>>,
    client_auth: ClientAuth,
    min: Option<TlsVersion>,
    max: Option<TlsVersion>,
    tickets: bool,
    compression: bool,
    key_log: Option<Arc<dyn KeyLog>>,
}

impl fmt::Debug for ServerConfigBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerConfigBuilder")
            .field("alpn", &self.alpn)
            .finish_non_exhaustive()
    }
}

impl ServerConfigBuilder {
    /// The default certificate chain (leaf first) and private key, PEM in memory.
    pub fn cert_pem(&mut self, chain: &[u8], key: &[u8]) -> &mut Self {
        self.chain = Some((chain.to_vec(), key.to_vec()));
        self
    }

    /// The default certificate chain and key from PEM files.
    ///
    /// # Errors
    /// [`Error::Config`] when a file cannot be read.
    pub fn cert_pem_files(&mut self, chain: &Path, key: &Path) -> Result<&mut Self, Error> {
        let c = std::fs::read(chain).map_err(Error::config)?;
        let k = std::fs::read(key).map_err(Error::config)?;
        Ok(self.cert_pem(&c, &k))
    }

    /// A certificate chain and key used when the client's SNI equals `server_name`
    /// (ASCII case-insensitive); other names get the default chain. Only the certificate
    /// differs: ALPN, client authentication, versions, tickets (resumption), certificate
    /// compression and key logging are the same for every name.
    pub fn sni_cert_pem(&mut self, server_name: &str, chain: &[u8], key: &[u8]) -> &mut Self {
        self.sni.push((
            server_name.to_ascii_lowercase(),
            chain.to_vec(),
            key.to_vec(),
        ));
        self
    }

    /// ALPN protocols the server speaks, in its preference order (default `h2`, `http/1.1`).
    /// The first of these the client offers wins; no overlap means no ALPN (the client's
    /// ALPN extension is then ignored, as RFC 7301 allows).
    pub fn alpn(&mut self, protocols: &[&[u8]]) -> &mut Self {
        self.alpn = protocols.iter().map(|p| p.to_vec()).collect();
        self
    }

    /// Client certificate policy (default none).
    pub fn client_auth(&mut self, auth: ClientAuth) -> &mut Self {
        self.client_auth = auth;
        self
    }

    /// Lowest and highest TLS version (default 1.2 to 1.3).
    pub fn versions(&mut self, min: TlsVersion, max: TlsVersion) -> &mut Self {
        self.min = Some(min);
        self.max = Some(max);
        self
    }

    /// Whether to issue session tickets (default `true`).
    pub fn session_tickets(&mut self, on: bool) -> &mut Self {
        self.tickets = on;
        self
    }

    /// Whether to compress the certificate chain (RFC 8879, brotli or zlib) for clients that
    /// offer it (default `true`).
    pub fn cert_compression(&mut self, on: bool) -> &mut Self {
        self.compression = on;
        self
    }

    /// Gives every key log line (NSS format) of this config's connections, on the default
    /// certificate and on every [`sni_cert_pem`](Self::sni_cert_pem) name, to `log`, e.g. a
    /// [`KeyLogFile`]. Default: a server logs no keys (`SSLKEYLOGFILE` is not read).
    pub fn key_log(&mut self, log: Arc<dyn KeyLog>) -> &mut Self {
        self.key_log = Some(log);
        self
    }

    /// The BoringSSL context for one certificate: every setting of this builder except the
    /// certificate choice. Both the default context and each [`sni_cert_pem`](Self::sni_cert_pem)
    /// context are made here, so a connection switched to a name's context by SNI keeps the
    /// same ALPN, client-certificate policy, versions, tickets, compression and key log.
    /// (After the switch BoringSSL reads ALPN, key logging, certificate compression and the
    /// client-CA store from the new context.)
    fn context(&self, chain: &[u8], key: &[u8]) -> Result<SslContextBuilder, Error> {
        let mut ctx = SslContextBuilder::new(SslMethod::tls())?;
        ctx.set_options(SslOptions::NO_COMPRESSION);
        if !self.tickets {
            ctx.set_options(SslOptions::NO_TICKET);
        }
        ctx.set_min_proto_version(Some(self.min.unwrap_or(TlsVersion::Tls12).ssl()))?;
        ctx.set_max_proto_version(Some(self.max.unwrap_or(TlsVersion::Tls13).ssl()))?;
        ctx.set_session_id_context(b"http-engine")?;
        set_chain_and_key(&mut ctx, chain, key)?;
        if self.compression {
            add_compression(&mut ctx, &[CertCompression::Brotli, CertCompression::Zlib])?;
        }
        let prefs = if self.alpn.is_empty() {
            vec![b"h2".to_vec(), b"http/1.1".to_vec()]
        } else {
            self.alpn.clone()
        };
        ctx.set_alpn_select_callback(move |_ssl, client| select_alpn(&prefs, client));
        match &self.client_auth {
            ClientAuth::None => {}
            ClientAuth::Optional(pem) | ClientAuth::Required(pem) => {
                let mut store = X509StoreBuilder::new()?;
                for cert in X509::stack_from_pem(pem).map_err(Error::config)? {
                    store.add_cert(cert)?;
                }
                ctx.set_verify_cert_store(store.build())?;
                let mut mode = SslVerifyMode::PEER;
                if matches!(self.client_auth, ClientAuth::Required(_)) {
                    mode |= SslVerifyMode::FAIL_IF_NO_PEER_CERT;
                }
                ctx.set_verify(mode);
            }
        }
        install_key_log(&mut ctx, self.key_log.as_ref());
        install_alert_log(&mut ctx);
        Ok(ctx)
    }

    /// Builds the config.
    ///
    /// # Errors
    /// [`Error::Config`] when no certificate was given or a PEM does not parse.
    pub fn build(&self) -> Result<ServerConfig, Error> {
        let (chain, key) = self
            .chain
            .as_ref()
            .ok_or_else(|| Error::Config("server needs a certificate".into()))?;
        let mut ctx = self.context(chain, key)?;
        let mut by_name = HashMap::new();
        for (name, chain, key) in &self.sni {
            by_name.insert(name.clone(), self.context(chain, key)?.build());
        }
        // Only the context a connection starts from needs these two: BoringSSL runs them
        // before (ClientHello capture) and at (SNI) the switch to a name's context.
        let by_name = Arc::new(by_name);
        ctx.set_servername_callback(move |ssl, _alert| {
            let name = ssl
                .servername(NameType::HOST_NAME)
                .map(str::to_ascii_lowercase);
            if let Some(other) = name.and_then(|n| by_name.get(&n)) {
                ssl.set_ssl_context(other)
                    .map_err(|_| SniError::ALERT_FATAL)?;
            }
            Ok(())
        });
        ctx.set_select_certificate_callback(|mut hello| {
            let body = hello.as_bytes().to_vec();
            hello.ssl_mut().set_ex_data(hello_index(), body);
            Ok(())
        });
        Ok(ServerConfig { ctx: ctx.build() })
    }
}

/// The first of the server's `prefs` that the client's ALPN list (wire format) offers.
fn select_alpn<'a>(prefs: &[Vec<u8>], client: &'a [u8]) -> Result<&'a [u8], AlpnError> {
    for want in prefs {
        let mut rest = client;
        while let Some((&len, tail)) = rest.split_first() {
            let len = usize::from(len);
            if tail.len() < len {
                break;
            }
            if &tail[..len] == want.as_slice() {
                return Ok(&tail[..len]);
            }
            rest = &tail[len..];
        }
    }
    Err(AlpnError::NOACK)
}

/// Everything a server session needs; cheap to share.
#[derive(Clone)]
pub struct ServerConfig {
    pub(crate) ctx: SslContext,
}

impl fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerConfig").finish_non_exhaustive()
    }
}

impl ServerConfig {
    /// A builder: ALPN `h2` then `http/1.1`, no client certificates, tickets on, TLS 1.2-1.3.
    #[must_use]
    pub fn builder() -> ServerConfigBuilder {
        ServerConfigBuilder {
            chain: None,
            sni: Vec::new(),
            alpn: Vec::new(),
            client_auth: ClientAuth::None,
            min: None,
            max: None,
            tickets: true,
            compression: true,
            key_log: None,
        }
    }
}
