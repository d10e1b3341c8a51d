//! The crate's one FFI module: the few BoringSSL calls that `boring2` (imported as `boring`) has
//! no safe wrapper for (ALPS, the message callback that honours a server's
//! `record_size_limit`) or marks `unsafe` (resuming a cached session).

use std::ffi::{c_int, c_void};

use boring::error::ErrorStack;
use boring::ssl::{SslContextBuilder, SslRef, SslSessionRef};
use foreign_types::ForeignTypeRef;

use crate::config::info::server_record_limit;

/// Offers ALPS (application settings, draft-vvv-tls-alps) for ALPN protocol `proto` with our
/// `settings`, using the new (17613, Chrome 131 and later) or the old (17513) codepoint.
pub(crate) fn add_application_settings(
    ssl: &mut SslRef,
    proto: &[u8],
    settings: &[u8],
    new_codepoint: bool,
) -> Result<(), ErrorStack> {
    // SAFETY: `ssl` is a live SSL owned by the caller (a `&mut SslRef` cannot dangle); `proto`
    // and `settings` are valid for reads of their lengths for the duration of the call, and
    // BoringSSL copies both before returning.
    let ok = unsafe {
        boring_sys::SSL_add_application_settings(
            ssl.as_ptr(),
            proto.as_ptr(),
            proto.len(),
            settings.as_ptr(),
            settings.len(),
        )
    };
    // SAFETY: same live SSL; the call only stores a flag.
    unsafe { boring_sys::SSL_set_alps_use_new_codepoint(ssl.as_ptr(), i32::from(new_codepoint)) };
    if ok == 1 {
        Ok(())
    } else {
        Err(ErrorStack::get())
    }
}

/// Offers `session` for resumption.
///
/// The caller guarantees that `session` was created by a connection of the same `SslContext`
/// as `ssl` (the session cache keys every entry by the id of the config that made it).
pub(crate) fn set_session(ssl: &mut SslRef, session: &SslSessionRef) -> Result<(), ErrorStack> {
    // SAFETY: `boring` requires that the session comes from the same SSL_CTX as `ssl`; the
    // session cache stores sessions under the unique id of the `ClientConfig` (one SSL_CTX)
    // whose connection produced them and only hands them back to that config's connections.
    unsafe { ssl.set_session(session) }
}

/// Puts `ssl` in client (`connect == true`) or server mode before its first handshake call.
pub(crate) fn set_role(ssl: &mut SslRef, connect: bool) {
    if connect {
        // SAFETY: live SSL (from `&mut SslRef`); the call only sets the role flag and handshake
        // function pointer, valid before any handshake step.
        unsafe { boring_sys::SSL_set_connect_state(ssl.as_ptr()) }
    } else {
        // SAFETY: as above, for the server role.
        unsafe { boring_sys::SSL_set_accept_state(ssl.as_ptr()) }
    }
}

/// A zero-byte `SSL_write`: flushes what BoringSSL deferred until the next write (a TLS 1.3
/// server's NewSessionTicket messages). Memory buffers cannot stall, so sessions flush at once.
pub(crate) fn flush_deferred(ssl: &mut SslRef) {
    // SAFETY: live SSL (from `&mut SslRef`) with its BIO attached by `SslStream`; a zero-length
    // write reads no bytes from the (dangling but never dereferenced) empty-slice pointer.
    let _ = unsafe { boring_sys::SSL_write(ssl.as_ptr(), [].as_ptr(), 0) };
    // A failed flush leaves its error on the thread's queue; the next real call reports it.
}

/// Honours a server's `record_size_limit` (RFC 8449) on the connections of `ctx`: a message
/// callback reads the limit from the server's EncryptedExtensions (TLS 1.3) or ServerHello
/// (TLS 1.2), which BoringSSL parses but ignores, and lowers the connection's largest sent
/// fragment to it. BoringSSL's smallest fragment is 512 bytes, so a limit below that is
/// lowered to 512 only.
pub(crate) fn honour_server_record_limit(ctx: &mut SslContextBuilder) {
    // SAFETY: `ctx` is a live SSL_CTX (a `&mut` builder cannot dangle); the callback is a
    // plain function with the signature BoringSSL expects, and BoringSSL keeps only the
    // pointer.
    unsafe { boring_sys::SSL_CTX_set_msg_callback(ctx.as_ptr(), Some(record_limit_callback)) };
}

/// The message callback of [`honour_server_record_limit`].
unsafe extern "C" fn record_limit_callback(
    is_write: c_int,
    _version: c_int,
    content_type: c_int,
    buf: *const c_void,
    len: usize,
    ssl: *mut boring_sys::SSL,
    _arg: *mut c_void,
) {
    const HANDSHAKE: c_int = 22;
    if is_write != 0 || content_type != HANDSHAKE || buf.is_null() || ssl.is_null() {
        return;
    }
    // SAFETY: BoringSSL passes the whole received handshake message, `len` readable bytes at
    // `buf` (checked non-null), valid for the duration of the call; nothing keeps the slice.
    let msg = unsafe { std::slice::from_raw_parts(buf.cast::<u8>(), len) };
    if let Some(fragment) = server_record_limit(msg) {
        // SAFETY: `ssl` is the live connection BoringSSL is processing the message for
        // (checked non-null); the call only stores the fragment size, clamped to 512..=16384.
        unsafe { boring_sys::SSL_set_max_send_fragment(ssl, fragment) };
    }
}
