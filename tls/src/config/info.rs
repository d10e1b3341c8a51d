//! What BoringSSL callbacks record per connection, in the SSL's ex-data, for the sessions to
//! read back: the last alert sent and received (the info callback), the raw ClientHello a
//! server saw, and a client connection's session-cache key.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicI32, Ordering};

use boring::ssl::{SslAlert, SslContextBuilder, SslInfoCallbackMode, SslInfoCallbackValue, SslRef};

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

/// Records the last alert each way into the connection's [`AlertLog`].
pub(crate) fn install_alert_log(ctx: &mut SslContextBuilder) {
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

/// The description code of an alert (`SslAlert` has no raw accessor in `boring2`).
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
