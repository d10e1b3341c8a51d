//! Typed errors in three families that never mix, so a runtime can pick its reaction from the
//! type alone:
//! - [`PeerError`]: the peer (or the network) sent something wrong: bad bytes, a certificate
//!   that does not verify, an alert, a truncated stream. Close the connection and log the peer.
//! - [`Misuse`]: the caller called something in the wrong state. A bug in the caller; the peer
//!   did nothing wrong.
//! - [`ConfigError`]: a configuration or connection setting was refused (bad PEM, an unreadable
//!   file, a setting BoringSSL refuses, a bad profile). A startup failure (or, from
//!   [`crate::ClientSession::new`], a bad server name).
//!
//! [`Error`] is the crate's one error type: one variant per family.

use std::fmt;
use std::path::PathBuf;

use boring::error::ErrorStack;

/// A TLS alert (RFC 8446 section 6) and who sent it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Alert {
    /// The alert description code (40 `handshake_failure`, 42 `bad_certificate`, 48
    /// `unknown_ca`, 112 `unrecognized_name`, 120 `no_application_protocol`, ...).
    pub code: u8,
    /// `true` when the peer sent it to us, `false` when we sent it to the peer.
    pub received: bool,
}

impl Alert {
    /// The RFC name of the alert description, or `"unknown"`.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self.code {
            0 => "close_notify",
            10 => "unexpected_message",
            20 => "bad_record_mac",
            22 => "record_overflow",
            40 => "handshake_failure",
            42 => "bad_certificate",
            43 => "unsupported_certificate",
            44 => "certificate_revoked",
            45 => "certificate_expired",
            46 => "certificate_unknown",
            47 => "illegal_parameter",
            48 => "unknown_ca",
            49 => "access_denied",
            50 => "decode_error",
            51 => "decrypt_error",
            70 => "protocol_version",
            71 => "insufficient_security",
            80 => "internal_error",
            86 => "inappropriate_fallback",
            90 => "user_canceled",
            109 => "missing_extension",
            110 => "unsupported_extension",
            112 => "unrecognized_name",
            113 => "bad_certificate_status_response",
            115 => "unknown_psk_identity",
            116 => "certificate_required",
            120 => "no_application_protocol",
            _ => "unknown",
        }
    }
}

impl fmt::Display for Alert {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let dir = if self.received { "received" } else { "sent" };
        write!(f, "{dir} alert {} ({})", self.name(), self.code)
    }
}

/// Caller misuse: the session is fine, the call is not (never caused by the peer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Misuse {
    /// Application data written before the handshake completed.
    HandshakeIncomplete,
    /// Data written after [`crate::Session::close`].
    WriteAfterClose,
    /// A call on a session that already failed; the first error was returned before.
    SessionFailed,
    /// Ciphertext fed after [`crate::Session::recv_eof`].
    RecvAfterEof,
}

impl std::error::Error for Misuse {}

impl fmt::Display for Misuse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::HandshakeIncomplete => "application data written before the handshake completed",
            Self::WriteAfterClose => "write after close_notify was sent",
            Self::SessionFailed => "the session already failed",
            Self::RecvAfterEof => "ciphertext fed after end of stream",
        })
    }
}

/// A peer or network fault: the connection is over; close it and log the peer.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PeerError {
    /// The handshake failed. `alert` is the alert sent or received, when there was one;
    /// `reason` is BoringSSL's reason (for example `NO_SHARED_CIPHER`).
    Handshake {
        /// The alert that ended the handshake.
        alert: Option<Alert>,
        /// BoringSSL's reason string.
        reason: String,
    },
    /// The peer's certificate chain did not verify. `code` is the X.509 verification code
    /// (`X509_V_ERR_*`: 10 expired, 18 self-signed, 20 unknown issuer, 62 hostname mismatch).
    CertificateVerification {
        /// `X509_V_ERR_*` code.
        code: i32,
        /// Its description (for example `certificate has expired`).
        reason: String,
    },
    /// A peer fault after the handshake (bad record MAC, a fatal alert, a malformed record).
    Protocol {
        /// The alert sent or received, when there was one.
        alert: Option<Alert>,
        /// BoringSSL's reason string.
        reason: String,
    },
    /// The transport ended (see [`crate::Session::recv_eof`]) without a close_notify: the data
    /// may be truncated.
    UnexpectedEof,
}

impl PeerError {
    /// The alert involved, when there was one.
    #[must_use]
    pub fn alert(&self) -> Option<Alert> {
        match self {
            Self::Handshake { alert, .. } | Self::Protocol { alert, .. } => *alert,
            _ => None,
        }
    }
}

impl fmt::Display for PeerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Handshake {
                alert: Some(a),
                reason,
            } => write!(f, "handshake failed: {a}: {reason}"),
            Self::Handshake {
                alert: None,
                reason,
            } => write!(f, "handshake failed: {reason}"),
            Self::CertificateVerification { code, reason } => {
                write!(f, "certificate verification failed: {reason} ({code})")
            }
            Self::Protocol {
                alert: Some(a),
                reason,
            } => write!(f, "TLS protocol error: {a}: {reason}"),
            Self::Protocol {
                alert: None,
                reason,
            } => write!(f, "TLS protocol error: {reason}"),
            Self::UnexpectedEof => f.write_str("transport closed without close_notify"),
        }
    }
}

impl std::error::Error for PeerError {}

/// A configuration or connection setting that was refused; each variant names what.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// A PEM input did not parse, or held no certificate where one is needed.
    Pem {
        /// Which input (for example `root certificates`, `server certificate chain`).
        what: &'static str,
        /// Why (BoringSSL's reason, or `no certificate`).
        reason: String,
    },
    /// A file the caller named could not be read.
    File {
        /// The path as given.
        path: PathBuf,
        /// The I/O error's kind.
        kind: std::io::ErrorKind,
        /// The I/O error's message.
        reason: String,
    },
    /// A value the caller gave is invalid (an empty or over-long ALPN name, a missing server
    /// certificate, a server name BoringSSL refuses).
    Invalid {
        /// Which setting.
        setting: &'static str,
        /// Why.
        reason: String,
    },
    /// A browser profile's setting could not be applied.
    Profile {
        /// The profile's name.
        profile: String,
        /// Which setting (for example `cipher list`, `signature algorithms`).
        setting: &'static str,
        /// Why.
        reason: String,
    },
    /// BoringSSL refused or failed a setting (including running out of memory while building
    /// a context or a connection).
    Rejected {
        /// Which setting or step (for example `certificate store`, `new connection`).
        setting: &'static str,
        /// BoringSSL's reason.
        reason: String,
    },
}

impl ConfigError {
    /// A mapper for `map_err`: BoringSSL refused `setting`.
    pub(crate) fn rejected(setting: &'static str) -> impl FnOnce(ErrorStack) -> Error {
        move |e| {
            Self::Rejected {
                setting,
                reason: e.to_string(),
            }
            .into()
        }
    }

    /// A mapper for `map_err`: the PEM input `what` did not parse.
    pub(crate) fn pem(what: &'static str) -> impl FnOnce(ErrorStack) -> Error {
        move |e| {
            Self::Pem {
                what,
                reason: e.to_string(),
            }
            .into()
        }
    }

    /// `setting` is invalid for `reason`.
    pub(crate) fn invalid(setting: &'static str, reason: impl fmt::Display) -> Error {
        Self::Invalid {
            setting,
            reason: reason.to_string(),
        }
        .into()
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Pem { what, reason } => write!(f, "bad PEM ({what}): {reason}"),
            Self::File { path, reason, .. } => {
                write!(f, "cannot read {}: {reason}", path.display())
            }
            Self::Invalid { setting, reason } => write!(f, "invalid {setting}: {reason}"),
            Self::Profile {
                profile,
                setting,
                reason,
            } => write!(f, "profile {profile}: {setting}: {reason}"),
            Self::Rejected { setting, reason } => {
                write!(f, "BoringSSL refused the {setting}: {reason}")
            }
        }
    }
}

impl std::error::Error for ConfigError {}

/// Every error of the crate: one variant per family, so a runtime picks its reaction from the
/// variant alone.
///
/// | variant | who is at fault | reaction |
/// |---|---|---|
/// | [`Error::Peer`] | the peer or the network | close the connection, log the peer |
/// | [`Error::Misuse`] | the caller (a bug) | fix the caller; the session is unchanged unless it already failed |
/// | [`Error::Config`] | the configuration | a startup failure (or, from [`crate::ClientSession::new`], that connection's server name) |
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The peer or the network is at fault: close the connection and log the peer.
    Peer(PeerError),
    /// Caller misuse; the peer did nothing wrong (a bug in the caller).
    Misuse(Misuse),
    /// A configuration or connection setting was refused (a startup failure).
    Config(ConfigError),
}

impl Error {
    /// Whether the peer (or the network) caused this error, as opposed to the caller.
    #[must_use]
    pub fn is_peer_fault(&self) -> bool {
        matches!(self, Self::Peer(_))
    }

    /// The alert involved, when there was one.
    #[must_use]
    pub fn alert(&self) -> Option<Alert> {
        match self {
            Self::Peer(p) => p.alert(),
            _ => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Peer(p) => p.fmt(f),
            Self::Misuse(m) => write!(f, "misuse: {m}"),
            Self::Config(c) => write!(f, "configuration: {c}"),
        }
    }
}

/// The [`Display`](fmt::Display) already includes the family's message, so there is no
/// separate `source`.
impl std::error::Error for Error {}

impl From<PeerError> for Error {
    fn from(p: PeerError) -> Self {
        Self::Peer(p)
    }
}

impl From<Misuse> for Error {
    fn from(m: Misuse) -> Self {
        Self::Misuse(m)
    }
}

impl From<ConfigError> for Error {
    fn from(c: ConfigError) -> Self {
        Self::Config(c)
    }
}
