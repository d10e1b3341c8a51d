//! Client and server configuration: built once, shared by every session made from it.
//!
//! One file per job:
//! - [`client`]: [`ClientConfigBuilder`] and [`ClientConfig`] (verification, ALPN, client
//!   certificate, session resumption, applying a browser [`Profile`](crate::Profile)).
//! - [`server`]: [`ServerConfigBuilder`] and [`ServerConfig`] (certificates by SNI, ALPN
//!   selection, client authentication, tickets).
//! - [`session_cache`]: the client-side [`SessionCache`].
//! - [`key_log`]: the [`KeyLog`] sink and [`KeyLogFile`].
//! - [`info`]: the per-connection state BoringSSL callbacks record (alerts sent and received,
//!   the raw ClientHello, the session-cache key), read back by the sessions.
//! - this file: what both roles share (version bounds, ALPN wire encoding, loading a
//!   certificate chain and key).
//!
//! Building a config may read files (PEM files, the system root store); the sessions made from
//! it never do any I/O of their own (a [`KeyLog`] sink the caller sets may write).

pub(crate) mod client;
pub(crate) mod info;
pub(crate) mod key_log;
pub(crate) mod server;
pub(crate) mod session_cache;

use boring::pkey::{PKey, Private};
use boring::ssl::{SslContextBuilder, SslVersion};
use boring::x509::X509;

use crate::{ConfigError, Error};

pub use client::{ClientConfig, ClientConfigBuilder};
pub use key_log::{KeyLog, KeyLogFile};
pub use server::{ClientAuth, DEFAULT_SERVER_SESSION_CACHE, ServerConfig, ServerConfigBuilder};
pub use session_cache::SessionCache;

/// The default write queue limit of a session: 64 KiB of ciphertext waiting in
/// [`Session::poll_transmit`](crate::Session::poll_transmit) (see
/// [`Session::write_vectored`](crate::Session::write_vectored), "Backpressure").
pub const DEFAULT_WRITE_QUEUE_LIMIT: usize = 64 * 1024;

/// The TLS 1.2 cipher suites of every context that no browser profile shapes (all servers,
/// clients without a profile): stock BoringSSL's default list. The `boring2` fork's own default
/// (`ALL`) adds suites that stock BoringSSL leaves out or never had, for browser profiles to
/// offer: 3DES (`c008`, `c012`, `000a`), CBC with HMAC-SHA256/384 (`003c`, `003d`, `c023`,
/// `c024`, `c028`) and finite-field DHE (`0033`, `0039`, `0067`, `006b`, `009e`, `009f`; the fork
/// has no alias for DHE, so they are named). The rules keep BoringSSL's ordering, which puts
/// AES-GCM or ChaCha20 first depending on AES instructions.
pub(crate) const DEFAULT_CIPHERS: &str = "ALL:!3DES:!SHA256:!SHA384:!DHE-RSA-AES128-SHA:\
     !DHE-RSA-AES256-SHA:!DHE-RSA-AES128-GCM-SHA256:!DHE-RSA-AES256-GCM-SHA384";

/// The supported groups of every context that no browser profile shapes: the default of the
/// `boring` 5.4 crate the workspace used before (post-quantum X25519MLKEM768 first, then
/// Cloudflare's P256Kyber768Draft00), which the fork's own default (X25519, P-256, P-384)
/// lacks. A client sends key shares for X25519MLKEM768 and X25519. (The fork's BoringSSL is
/// older: a client without a profile no longer offers the ML-DSA signature algorithms
/// `0904`-`0906`, the one difference left in its ClientHello.)
pub(crate) const DEFAULT_GROUPS: &str = "X25519MLKEM768:P256Kyber768Draft00:X25519:P-256:P-384";

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

/// Encodes ALPN protocol names in wire format (length-prefixed).
pub(crate) fn alpn_wire(protocols: &[Vec<u8>]) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    for p in protocols {
        let len = u8::try_from(p.len())
            .map_err(|_| ConfigError::invalid("ALPN protocol", "name over 255 bytes"))?;
        if len == 0 {
            return Err(ConfigError::invalid("ALPN protocol", "empty name"));
        }
        out.push(len);
        out.extend_from_slice(p);
    }
    Ok(out)
}

/// Loads a certificate chain (leaf first) and its private key, both PEM, into `ctx`; `what`
/// names the chain in errors (`server certificate chain`, `client certificate chain`).
pub(crate) fn set_chain_and_key(
    ctx: &mut SslContextBuilder,
    what: &'static str,
    chain: &[u8],
    key: &[u8],
) -> Result<(), Error> {
    let mut certs = X509::stack_from_pem(chain)
        .map_err(ConfigError::pem(what))?
        .into_iter();
    let leaf = certs.next().ok_or(ConfigError::Pem {
        what,
        reason: "no certificate".to_owned(),
    })?;
    ctx.set_certificate(&leaf)
        .map_err(ConfigError::rejected("leaf certificate"))?;
    for c in certs {
        ctx.add_extra_chain_cert(c)
            .map_err(ConfigError::rejected("chain certificate"))?;
    }
    let key: PKey<Private> =
        PKey::private_key_from_pem(key).map_err(ConfigError::pem("private key"))?;
    // BoringSSL checks here that the key matches the leaf (KEY_VALUES_MISMATCH).
    ctx.set_private_key(&key)
        .map_err(|e| ConfigError::invalid("private key", format!("does not fit the leaf: {e}")))?;
    ctx.check_private_key().map_err(|e| {
        ConfigError::invalid("private key", format!("does not match the leaf: {e}"))
    })?;
    Ok(())
}

/// Sets the version bounds (default TLS 1.2 to 1.3).
pub(crate) fn set_versions(
    ctx: &mut SslContextBuilder,
    min: Option<TlsVersion>,
    max: Option<TlsVersion>,
) -> Result<(), Error> {
    ctx.set_min_proto_version(Some(min.unwrap_or(TlsVersion::Tls12).ssl()))
        .map_err(ConfigError::rejected("lowest TLS version"))?;
    ctx.set_max_proto_version(Some(max.unwrap_or(TlsVersion::Tls13).ssl()))
        .map_err(ConfigError::rejected("highest TLS version"))?;
    Ok(())
}
