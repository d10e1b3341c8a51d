//! The forms of a request-target (RFC 9112 section 3.2), and which method takes which.

/// The form of a request-target (RFC 9112 section 3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetForm {
    /// `/path?query`
    Origin,
    /// `http://host/path`
    Absolute,
    /// `host:port`, only with CONNECT.
    Authority,
    /// `*`, only with OPTIONS.
    Asterisk,
}

/// The form of a request-target, or `None` when it fits no form.
#[must_use]
pub fn target_form(target: &str) -> Option<TargetForm> {
    let t = target.as_bytes();
    match t.first()? {
        b'/' => Some(TargetForm::Origin),
        b'*' if t.len() == 1 => Some(TargetForm::Asterisk),
        c if c.is_ascii_alphabetic() => {
            let colon = t.iter().position(|&c| c == b':')?;
            let scheme_ok = t[..colon]
                .iter()
                .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.'));
            if scheme_ok && t[colon + 1..].starts_with(b"//") {
                Some(TargetForm::Absolute)
            } else if is_authority(t) {
                Some(TargetForm::Authority)
            } else {
                None
            }
        }
        _ if is_authority(t) => Some(TargetForm::Authority),
        _ => None,
    }
}

/// `uri-host ":" port` with a non-empty host and port.
fn is_authority(t: &[u8]) -> bool {
    let Some(colon) = t.iter().rposition(|&c| c == b':') else {
        return false;
    };
    let (host, port) = (&t[..colon], &t[colon + 1..]);
    !host.is_empty()
        && !port.is_empty()
        && port.len() <= 5
        && port.iter().all(u8::is_ascii_digit)
        && host
            .iter()
            .all(|&c| !matches!(c, b'/' | b'?' | b'#' | b'@'))
        && (host[0] != b'[' || host[host.len() - 1] == b']')
}

/// RFC 9112 section 3.2: CONNECT takes authority-form and only it; asterisk-form is only for
/// OPTIONS; every other request takes origin-form or absolute-form.
#[inline(always)]
pub(super) fn check_target_form(method: &str, target: &str) -> bool {
    if method == "CONNECT" {
        return is_authority(target.as_bytes());
    }
    let t = target.as_bytes();
    if t[0] == b'/' {
        return true;
    }
    match target_form(target) {
        Some(TargetForm::Absolute) => true,
        Some(TargetForm::Asterisk) => method == "OPTIONS",
        _ => false,
    }
}
