//! A field line's value: its OWS trimmed, and why a line does not end where its scan stopped.

use crate::error::Error;

/// The value of a field line, `b[v1..v_end]` trimmed of OWS, where `b[v_end]` is the line's
/// CR. The OWS is usually one SP after the colon and nothing at the end; a value's bytes are
/// HTAB, SP, VCHAR or obs-text, so a first and last byte above SP end the trim: that case
/// costs three compares, any other goes the general way ([`trim_ows`]).
#[inline(always)]
pub(super) fn line_value(b: &[u8], v1: usize, v_end: usize) -> &[u8] {
    let v = &b[v1..v_end];
    if v.len() >= 2 && v[0] == b' ' && v[1] > b' ' && v[v.len() - 1] > b' ' {
        return &v[1..];
    }
    trim_ows_outlined(v)
}

/// [`trim_ows`] out of the field loop, for the values [`line_value`] does not take.
#[cold]
#[inline(never)]
fn trim_ows_outlined(v: &[u8]) -> &[u8] {
    trim_ows(v)
}

/// Why a field line does not end in CRLF at `at`, where the value scan stopped: the typed
/// error for the bytes found, or `None` when more bytes are needed (the caller has seen that
/// `at` does not start a CRLF).
#[cold]
#[inline(never)]
pub(super) fn line_end_error(b: &[u8], at: usize) -> Option<Error> {
    match (b.get(at), b.get(at + 1)) {
        (None, _) | (Some(b'\r'), None | Some(b'\n')) => None,
        (Some(b'\r'), Some(_)) => Some(Error::BareCr { offset: at }),
        (Some(b'\n'), _) => Some(Error::BareLf { offset: at }),
        (Some(_), _) => Some(Error::InvalidHeaderValue { offset: at }),
    }
}

/// `value` without leading and trailing SP/HTAB.
pub(crate) fn trim_ows(mut v: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = v {
        v = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = v {
        v = rest;
    }
    v
}
