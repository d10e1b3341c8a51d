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

/// The largest plaintext fragment a server's `record_size_limit` (RFC 8449) allows us to send,
/// from one handshake message the server sent: EncryptedExtensions (TLS 1.3, where the limit
/// counts the inner content type byte) or ServerHello (TLS 1.2). `None` for other messages, a
/// message without the extension, or a malformed one (BoringSSL rejects those itself).
pub(crate) fn server_record_limit(msg: &[u8]) -> Option<usize> {
    fn u16_at(b: &[u8], i: usize) -> Option<usize> {
        Some(usize::from(u16::from_be_bytes([
            *b.get(i)?,
            *b.get(i + 1)?,
        ])))
    }
    let (&kind, rest) = msg.split_first()?;
    let body = rest.get(3..)?;
    let (mut i, tls13) = match kind {
        // EncryptedExtensions: the extension list only.
        8 => (0, true),
        // ServerHello: version, random, session id, cipher suite, compression method.
        2 => {
            let sid = usize::from(*body.get(34)?);
            (2 + 32 + 1 + sid + 2 + 1, false)
        }
        _ => return None,
    };
    let end = i.checked_add(2)?.checked_add(u16_at(body, i)?)?;
    i += 2;
    while i + 4 <= end {
        let (kind, len) = (u16_at(body, i)?, u16_at(body, i + 2)?);
        if kind == 28 && len == 2 {
            let limit = u16_at(body, i + 4)?;
            let fragment = if tls13 { limit.checked_sub(1)? } else { limit };
            return Some(fragment.min(16384));
        }
        i += 4 + len;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::server_record_limit;

    /// A handshake message of `kind` with `body`.
    fn msg(kind: u8, body: &[u8]) -> Vec<u8> {
        let n = body.len();
        let mut m = vec![kind, (n >> 16) as u8, (n >> 8) as u8, n as u8];
        m.extend_from_slice(body);
        m
    }

    #[test]
    fn encrypted_extensions_limit_counts_the_content_type() {
        // alpn (16) "h2", then record_size_limit 513.
        let exts = [0, 16, 0, 5, 0, 3, 2, b'h', b'2', 0, 28, 0, 2, 0x02, 0x01];
        let mut body = vec![0, exts.len() as u8];
        body.extend_from_slice(&exts);
        assert_eq!(server_record_limit(&msg(8, &body)), Some(512));
        // 2^14 + 1: no limit below the protocol's.
        let body = [0, 6, 0, 28, 0, 2, 0x40, 0x01];
        assert_eq!(server_record_limit(&msg(8, &body)), Some(16384));
        let body = [0, 4, 0, 16, 0, 0];
        assert_eq!(server_record_limit(&msg(8, &body)), None);
    }

    #[test]
    fn tls12_server_hello_limit_is_the_fragment() {
        let mut body = vec![3, 3];
        body.extend_from_slice(&[7; 32]);
        body.extend_from_slice(&[4, 1, 2, 3, 4]); // session id
        body.extend_from_slice(&[0xc0, 0x2f, 0]); // cipher, compression
        body.extend_from_slice(&[0, 6, 0, 28, 0, 2, 0x04, 0x00]);
        assert_eq!(server_record_limit(&msg(2, &body)), Some(1024));
        body.truncate(body.len() - 8); // no extensions at all
        assert_eq!(server_record_limit(&msg(2, &body)), None);
    }

    #[test]
    fn other_and_malformed_messages_give_nothing() {
        assert_eq!(server_record_limit(&[]), None);
        assert_eq!(server_record_limit(&msg(11, &[0, 0, 0])), None);
        assert_eq!(server_record_limit(&msg(8, &[0, 9, 0, 28, 0, 2])), None);
        assert_eq!(
            server_record_limit(&msg(8, &[0, 6, 0, 28, 0, 2, 0, 0])),
            None
        );
    }
}
