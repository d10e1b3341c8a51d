//! Client configuration: [`ClientConfigBuilder`] and [`ClientConfig`] (verification, ALPN,
//! client certificate, session resumption), and applying a browser [`Profile`]'s TLS half to a
//! BoringSSL context and connection (the profile itself is data and knows nothing of this).

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use boring::error::ErrorStack;
use boring::ssl::{
    ExtensionType, SslContext, SslContextBuilder, SslMethod, SslOptions, SslRef,
    SslSessionCacheMode, SslSignatureAlgorithm, SslVerifyMode,
};
use boring::x509::X509;
use boring::x509::store::X509StoreBuilder;

use super::info::{cache_key_index, install_alert_log};
use super::key_log::{KeyLog, install_key_log};
use super::session_cache::SessionCache;
use super::{
    DEFAULT_CIPHERS, DEFAULT_GROUPS, DEFAULT_WRITE_QUEUE_LIMIT, TlsVersion, alpn_wire,
    set_chain_and_key, set_versions,
};
use crate::cert_compression::add_compression;
use crate::profile::{Profile, SharedProfile};
use crate::{ConfigError, Error, ffi};

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
    write_limit: usize,
    profile: Option<SharedProfile>,
}

impl fmt::Debug for ClientConfigBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientConfigBuilder")
            .field("verify", &self.verify)
            .field("alpn", &self.alpn)
            .field("profile", &self.profile.as_ref().map(|p| &p.name))
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
    /// [`KeyLogFile`](crate::KeyLogFile). Default: no key logging (`SSLKEYLOGFILE` is not read by the library).
    pub fn key_log(&mut self, log: Arc<dyn KeyLog>) -> &mut Self {
        self.key_log = Some(log);
        self
    }

    /// Shape the ClientHello like a browser (see [`crate::profile`]): a built-in
    /// (`&CHROME`) or a profile built at run time ([`Profile::from_ja3_akamai`], a
    /// [`Profile`] value or an `Arc<Profile>`).
    pub fn profile(&mut self, profile: impl Into<SharedProfile>) -> &mut Self {
        self.profile = Some(profile.into());
        self
    }

    /// The write queue limit of this config's sessions: once this many bytes of ciphertext
    /// wait in [`Session::poll_transmit`](crate::Session::poll_transmit), writes take no more
    /// plaintext until the caller drains them (default
    /// [`DEFAULT_WRITE_QUEUE_LIMIT`](crate::DEFAULT_WRITE_QUEUE_LIMIT), 64 KiB). The queue holds
    /// at most this plus one record; 0 means one record at a time.
    pub fn write_queue_limit(&mut self, bytes: usize) -> &mut Self {
        self.write_limit = bytes;
        self
    }

    /// Builds the config.
    ///
    /// # Errors
    /// [`Error::Config`]: [`ConfigError::Pem`] for bad root or client-certificate PEM,
    /// [`ConfigError::Invalid`] for a bad ALPN name or a key that does not match its
    /// certificate, [`ConfigError::Profile`] for a profile setting BoringSSL refuses,
    /// [`ConfigError::Rejected`] for an unloadable system root store or another refused option.
    pub fn build(&self) -> Result<ClientConfig, Error> {
        let mut ctx = SslContextBuilder::new(SslMethod::tls())
            .map_err(ConfigError::rejected("new client context"))?;
        ctx.set_options(SslOptions::NO_COMPRESSION);
        let id = CONFIG_IDS.fetch_add(1, Ordering::Relaxed);
        match &self.profile {
            Some(p) => apply_profile_ctx(p, &mut ctx)?,
            None => {
                ctx.set_cipher_list(DEFAULT_CIPHERS)
                    .map_err(ConfigError::rejected("cipher list"))?;
                ctx.set_curves_list(DEFAULT_GROUPS)
                    .map_err(ConfigError::rejected("groups"))?;
            }
        }
        set_versions(&mut ctx, self.min, self.max)?;
        let alpn = if self.alpn.is_empty() {
            self.profile
                .as_ref()
                .map(|p| p.tls.alpn.iter().map(|a| a.as_bytes().to_vec()).collect())
                .unwrap_or_default()
        } else {
            self.alpn.clone()
        };
        if !alpn.is_empty() {
            ctx.set_alpn_protos(&alpn_wire(&alpn)?)
                .map_err(ConfigError::rejected("ALPN protocols"))?;
        }
        if self.verify.accept_invalid_certs {
            ctx.set_verify(SslVerifyMode::NONE);
        } else {
            ctx.set_verify(SslVerifyMode::PEER);
            let mut store =
                X509StoreBuilder::new().map_err(ConfigError::rejected("certificate store"))?;
            if self.verify.system_roots {
                store
                    .set_default_paths()
                    .map_err(ConfigError::rejected("system root store"))?;
            }
            for pem in &self.verify.pem_roots {
                for cert in
                    X509::stack_from_pem(pem).map_err(ConfigError::pem("root certificates"))?
                {
                    store
                        .add_cert(cert)
                        .map_err(ConfigError::rejected("root certificate"))?;
                }
            }
            ctx.set_cert_store_builder(store);
        }
        if let Some((chain, key)) = &self.client_cert {
            set_chain_and_key(&mut ctx, "client certificate chain", chain, key)?;
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
            profile: self.profile.clone(),
            alps: self
                .profile
                .as_ref()
                .and_then(|p| p.tls.alps.as_ref())
                .is_some_and(|a| alpn.iter().any(|proto| proto == a.protocol.as_bytes())),
            write_limit: self.write_limit,
        })
    }
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
    pub(crate) profile: Option<SharedProfile>,
    /// The profile's ALPS goes out: its protocol is offered by ALPN (a browser that offers
    /// `http/1.1` alone sends no ALPS: Chromium with `--disable-http2`).
    pub(crate) alps: bool,
    pub(crate) write_limit: usize,
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
            write_limit: DEFAULT_WRITE_QUEUE_LIMIT,
            profile: None,
        }
    }
}

/// The `boring` constant of a signature algorithm codepoint.
fn sigalg(v: u16) -> Option<SslSignatureAlgorithm> {
    Some(match v {
        0x0201 => SslSignatureAlgorithm::RSA_PKCS1_SHA1,
        0x0401 => SslSignatureAlgorithm::RSA_PKCS1_SHA256,
        0x0501 => SslSignatureAlgorithm::RSA_PKCS1_SHA384,
        0x0601 => SslSignatureAlgorithm::RSA_PKCS1_SHA512,
        0x0203 => SslSignatureAlgorithm::ECDSA_SHA1,
        0x0403 => SslSignatureAlgorithm::ECDSA_SECP256R1_SHA256,
        0x0503 => SslSignatureAlgorithm::ECDSA_SECP384R1_SHA384,
        0x0603 => SslSignatureAlgorithm::ECDSA_SECP521R1_SHA512,
        0x0804 => SslSignatureAlgorithm::RSA_PSS_RSAE_SHA256,
        0x0805 => SslSignatureAlgorithm::RSA_PSS_RSAE_SHA384,
        0x0806 => SslSignatureAlgorithm::RSA_PSS_RSAE_SHA512,
        0x0807 => SslSignatureAlgorithm::ED25519,
        _ => return None,
    })
}

/// The error for BoringSSL refusing `setting` of profile `p`, for `map_err`.
fn profile_refused(p: &Profile, setting: &'static str) -> impl FnOnce(ErrorStack) -> Error {
    let profile = p.name.to_string();
    move |e| {
        ConfigError::Profile {
            profile,
            setting,
            reason: e.to_string(),
        }
        .into()
    }
}

/// The error for a profile value BoringSSL would not refuse but cannot honour.
fn profile_invalid(p: &Profile, setting: &'static str, reason: String) -> Error {
    ConfigError::Profile {
        profile: p.name.to_string(),
        setting,
        reason,
    }
    .into()
}

/// Applies a profile's context-wide settings (ciphers, groups, key shares, signature
/// algorithms, GREASE, extension order or permutation, certificate compression, stapling, SCT,
/// tickets, record size limit, delegated credentials) to `ctx`.
pub(crate) fn apply_profile_ctx(p: &Profile, ctx: &mut SslContextBuilder) -> Result<(), Error> {
    let profile = &p.tls;
    let bad = |setting| profile_refused(p, setting);
    match &profile.tls13_ciphers {
        Some(tls13) => {
            // Must come before set_cipher_list, which then also builds the TLS 1.3 list from
            // the TLS 1.3 names in the string (the TLS 1.2 list skips them).
            ctx.set_preserve_tls13_cipher_list(true);
            ctx.set_cipher_list(&format!("{tls13}:{}", profile.cipher_list))
                .map_err(bad("cipher list"))?;
        }
        None => ctx
            .set_cipher_list(&profile.cipher_list)
            .map_err(bad("cipher list"))?,
    }
    ctx.set_curves_list(&profile.groups)
        .map_err(bad("groups"))?;
    if let Some(n) = profile.key_shares {
        if !(1..=3).contains(&n) {
            return Err(profile_invalid(
                p,
                "key shares",
                format!("{n} key shares: BoringSSL sends 1 to 3"),
            ));
        }
        ctx.set_key_shares_limit(n);
    }
    let algs: Vec<SslSignatureAlgorithm> = profile
        .signature_algorithms
        .iter()
        .map(|v| {
            sigalg(*v).ok_or_else(|| -> Error {
                ConfigError::Profile {
                    profile: p.name.to_string(),
                    setting: "signature algorithms",
                    reason: format!("unknown codepoint {v:#06x}"),
                }
                .into()
            })
        })
        .collect::<Result<_, _>>()?;
    ctx.set_verify_algorithm_prefs(&algs)
        .map_err(bad("signature algorithms"))?;
    ctx.set_grease_enabled(profile.grease);
    ctx.set_permute_extensions(profile.permute_extensions);
    if let Some(order) = &profile.extension_order {
        if profile.permute_extensions {
            return Err(profile_invalid(
                p,
                "extension order",
                "a fixed extension order and permuted extensions exclude each other".to_owned(),
            ));
        }
        let order: Vec<ExtensionType> = order.iter().map(|&e| ExtensionType::from(e)).collect();
        ctx.set_extension_permutation(&order)
            .map_err(bad("extension order"))?;
    }
    if let Some(limit) = profile.record_size_limit {
        // RFC 8449 section 4: at least 64; a TLS 1.3 value counts the content type byte, so
        // 2^14 + 1 is the largest meaningful one.
        if !(64..=16385).contains(&limit) {
            return Err(profile_invalid(
                p,
                "record size limit",
                format!("{limit} is outside RFC 8449's 64 to 16385"),
            ));
        }
        ctx.set_record_size_limit(limit);
        ffi::honour_server_record_limit(ctx);
    }
    if let Some(algs) = &profile.delegated_credentials {
        if algs.contains('\0') {
            return Err(profile_invalid(
                p,
                "delegated credentials",
                "NUL byte in the algorithm list".to_owned(),
            ));
        }
        ctx.set_delegated_credentials(algs)
            .map_err(bad("delegated credentials"))?;
    }
    add_compression(ctx, &profile.cert_compression)?;
    if profile.ocsp_stapling {
        ctx.enable_ocsp_stapling();
    }
    if profile.signed_cert_timestamps {
        ctx.enable_signed_cert_timestamps();
    }
    if !profile.session_tickets {
        ctx.set_options(SslOptions::NO_TICKET);
    }
    Ok(())
}

/// Applies a profile's per-connection settings (ALPS when `alps`, ECH GREASE) to `ssl`.
pub(crate) fn apply_profile_ssl(p: &Profile, alps: bool, ssl: &mut SslRef) -> Result<(), Error> {
    let profile = &p.tls;
    let bad = |setting| profile_refused(p, setting);
    if let Some(alps) = profile.alps.as_ref().filter(|_| alps) {
        ffi::add_application_settings(ssl, alps.protocol.as_bytes(), &[], alps.new_codepoint)
            .map_err(bad("ALPS"))?;
    }
    if profile.ech_grease {
        ssl.set_enable_ech_grease(true);
    }
    Ok(())
}
