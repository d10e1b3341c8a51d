//! Typed errors: peer faults (handshake failure with its alert, certificate verification failure
//! with its reason, protocol faults after the handshake) kept apart from caller misuse.

use std::fmt;

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
    /// More buffered, unprocessed ciphertext than the session's limit: read plaintext first.
    InputBufferFull,
}

impl fmt::Display for Misuse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::HandshakeIncomplete => "application data written before the handshake completed",
            Self::WriteAfterClose => "write after close_notify was sent",
            Self::SessionFailed => "the session already failed",
            Self::RecvAfterEof => "ciphertext fed after end of stream",
            Self::InputBufferFull => "too much unprocessed ciphertext buffered",
        })
    }
}

/// Every error of the crate.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
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
    /// Caller misuse; the peer did nothing wrong.
    Misuse(Misuse),
    /// Invalid configuration (bad PEM, unknown cipher or group name, unsupported option).
    Config(String),
}

impl Error {
    /// Whether the peer (or the network) caused this error, as opposed to the caller.
    #[must_use]
    pub fn is_peer_fault(&self) -> bool {
        matches!(
            self,
            Self::Handshake { .. }
                | Self::CertificateVerification { .. }
                | Self::Protocol { .. }
                | Self::UnexpectedEof
        )
    }

    /// The alert involved, when there was one.
    #[must_use]
    pub fn alert(&self) -> Option<Alert> {
        match self {
            Self::Handshake { alert, .. } | Self::Protocol { alert, .. } => *alert,
            _ => None,
        }
    }

    pub(crate) fn config(e: impl fmt::Display) -> Self {
        Self::Config(e.to_string())
    }
}

impl fmt::Display for Error {
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
            Self::Misuse(m) => write!(f, "misuse: {m}"),
            Self::Config(c) => write!(f, "configuration: {c}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<Misuse> for Error {
    fn from(m: Misuse) -> Self {
        Self::Misuse(m)
    }
}

impl From<boring::error::ErrorStack> for Error {
    fn from(e: boring::error::ErrorStack) -> Self {
        Self::config(e)
    }
}
