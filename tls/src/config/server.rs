//! Server configuration: [`ServerConfigBuilder`] and [`ServerConfig`] (the default and per-SNI
//! certificates, ALPN selection, client authentication, tickets, certificate compression).

use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::sync::Arc;

use boring::ssl::{
    AlpnError, NameType, SniError, SslContext, SslContextBuilder, SslMethod, SslOptions,
    SslSessionCacheMode, SslVerifyMode,
};
use boring::x509::X509;
use boring::x509::store::X509StoreBuilder;

use super::info::{hello_index, install_alert_log};
use super::key_log::{KeyLog, install_key_log};
use super::{
    DEFAULT_CIPHERS, DEFAULT_GROUPS, DEFAULT_WRITE_QUEUE_LIMIT, TlsVersion, set_chain_and_key,
    set_versions,
};
use crate::cert_compression::{CertCompression, add_compression};
use crate::{ConfigError, Error};

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
    write_limit: usize,
    keep_hello: bool,
    cache_size: u32,
}

/// The default bound of a server's session cache ([`ServerConfigBuilder::session_cache_size`]):
/// 20,480 sessions, BoringSSL's own default, written down here so that it is a number the
/// docs can state and a test can hold.
pub const DEFAULT_SERVER_SESSION_CACHE: u32 = 20 * 1024;

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
    /// [`ConfigError::File`] (with the path and the I/O error) when a file cannot be read.
    pub fn cert_pem_files(&mut self, chain: &Path, key: &Path) -> Result<&mut Self, Error> {
        let read = |path: &Path| {
            std::fs::read(path).map_err(|e| ConfigError::File {
                path: path.to_path_buf(),
                kind: e.kind(),
                reason: e.to_string(),
            })
        };
        let c = read(chain)?;
        let k = read(key)?;
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

    /// The most sessions the server keeps for session-ID resumption (the stateful cache TLS 1.2
    /// clients without tickets resume from), default [`DEFAULT_SERVER_SESSION_CACHE`]. When
    /// full, BoringSSL evicts the least recently used session, so the cache's memory stays
    /// bounded however many clients connect. `0` turns the stateful cache off: only tickets
    /// (which the server does not store) resume. A name given to
    /// [`sni_cert_pem`](Self::sni_cert_pem) has its own cache with the same bound.
    pub fn session_cache_size(&mut self, sessions: u32) -> &mut Self {
        self.cache_size = sessions;
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
    /// [`KeyLogFile`](crate::KeyLogFile). Default: a server logs no keys (`SSLKEYLOGFILE` is not read).
    pub fn key_log(&mut self, log: Arc<dyn KeyLog>) -> &mut Self {
        self.key_log = Some(log);
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

    /// Whether each session keeps a copy of the client's ClientHello body for fingerprinting
    /// ([`ServerSession::client_hello_bytes`](crate::ServerSession::client_hello_bytes),
    /// [`ServerSession::client_fingerprints`](crate::ServerSession::client_fingerprints)).
    /// Default `false`: the ClientHello is not copied, and both give `None`.
    pub fn keep_client_hello(&mut self, on: bool) -> &mut Self {
        self.keep_hello = on;
        self
    }

    /// The BoringSSL context for one certificate: every setting of this builder except the
    /// certificate choice. Both the default context and each [`sni_cert_pem`](Self::sni_cert_pem)
    /// context are made here, so a connection switched to a name's context by SNI keeps the
    /// same ALPN, client-certificate policy, versions, tickets, compression and key log.
    /// (After the switch BoringSSL reads ALPN, key logging, certificate compression and the
    /// client-CA store from the new context.)
    fn context(&self, chain: &[u8], key: &[u8]) -> Result<SslContextBuilder, Error> {
        let mut ctx = SslContextBuilder::new(SslMethod::tls())
            .map_err(ConfigError::rejected("new server context"))?;
        ctx.set_options(SslOptions::NO_COMPRESSION);
        ctx.set_cipher_list(DEFAULT_CIPHERS)
            .map_err(ConfigError::rejected("cipher list"))?;
        ctx.set_curves_list(DEFAULT_GROUPS)
            .map_err(ConfigError::rejected("groups"))?;
        if !self.tickets {
            ctx.set_options(SslOptions::NO_TICKET);
        }
        set_versions(&mut ctx, self.min, self.max)?;
        ctx.set_session_id_context(b"http-engine")
            .map_err(ConfigError::rejected("session id context"))?;
        if self.cache_size == 0 {
            ctx.set_session_cache_mode(SslSessionCacheMode::OFF);
        } else {
            ctx.set_session_cache_mode(SslSessionCacheMode::SERVER);
            ctx.set_session_cache_size(self.cache_size);
        }
        set_chain_and_key(&mut ctx, "server certificate chain", chain, key)?;
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
                let mut store =
                    X509StoreBuilder::new().map_err(ConfigError::rejected("certificate store"))?;
                for cert in
                    X509::stack_from_pem(pem).map_err(ConfigError::pem("client CA certificates"))?
                {
                    store
                        .add_cert(cert)
                        .map_err(ConfigError::rejected("client CA certificate"))?;
                }
                ctx.set_verify_cert_store(store.build())
                    .map_err(ConfigError::rejected("client CA store"))?;
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
    /// [`Error::Config`]: [`ConfigError::Invalid`] when no certificate was given or a key does
    /// not match its certificate, [`ConfigError::Pem`] when a PEM does not parse,
    /// [`ConfigError::Rejected`] for an option BoringSSL refuses.
    pub fn build(&self) -> Result<ServerConfig, Error> {
        let (chain, key) = self
            .chain
            .as_ref()
            .ok_or_else(|| ConfigError::invalid("server certificate", "none given"))?;
        let mut ctx = self.context(chain, key)?;
        let mut by_name = HashMap::new();
        for (name, chain, key) in &self.sni {
            by_name.insert(name.clone(), self.context(chain, key)?.build());
        }
        // Only the context a connection starts from needs these two: BoringSSL runs them
        // before (ClientHello capture, when asked for) and at (SNI) the switch to a name's
        // context.
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
        if self.keep_hello {
            ctx.set_select_certificate_callback(|mut hello| {
                let body = hello.as_bytes().to_vec();
                hello.ssl_mut().set_ex_data(hello_index(), body);
                Ok(())
            });
        }
        Ok(ServerConfig {
            ctx: ctx.build(),
            write_limit: self.write_limit,
        })
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
    pub(crate) write_limit: usize,
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
            write_limit: DEFAULT_WRITE_QUEUE_LIMIT,
            keep_hello: false,
            cache_size: DEFAULT_SERVER_SESSION_CACHE,
        }
    }
}
