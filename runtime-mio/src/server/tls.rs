//! TLS under any session: [`TlsSession`] wraps an inner [`Session`] (the server's
//! [`ServerSession`](super::ServerSession)) in a `tls` server session, so the loop drives it
//! like any other engine: ciphertext in, ciphertext out.
//!
//! Ciphertext from the socket goes into the TLS session, which decrypts it (driving the
//! handshake first) into a 16 KiB stack buffer and on into the inner engine; what the inner
//! engine does not take waits here and is offered again after the inner session drained its
//! events. The inner engine's output (bytes and payload) is encrypted with one
//! `write_vectored` into whole records; TLS's bounded write queue is the backpressure: what it
//! does not take waits here, and the inner engine is asked for more only once it did. Nothing
//! of this is allocated while the connection is idle.
//!
//! The protocol is chosen as in cleartext: a client that negotiated ALPN `h2` opens with the
//! HTTP/2 preface, which the inner session recognises.

use std::fmt;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;

use crate::engine::Engine;
use crate::event_loop::{Context, Session};
use crate::fingerprint::{ClientFingerprint, TlsFingerprint};
use crate::timer::Timeout;
use crate::tls_in::{self, End, PlainIn};
use crate::tls_out::PlainOut;

/// Plaintext larger than this kept between two responses is released.
const KEEP_TX: usize = 16 * 1024;

/// A connection error of a TLS connection.
#[derive(Debug)]
pub enum TlsError<E> {
    /// TLS itself (handshake, record, alert).
    Tls(tls::Error),
    /// The protocol inside.
    Inner(E),
}

impl<E: fmt::Display> fmt::Display for TlsError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TlsError::Tls(e) => write!(f, "TLS: {e}"),
            TlsError::Inner(e) => e.fmt(f),
        }
    }
}

impl<E: fmt::Debug + fmt::Display> std::error::Error for TlsError<E> {}

/// An inner session behind TLS.
pub struct TlsSession<S: Session> {
    tls: tls::ServerSession,
    inner: Inner<S>,
    since: Instant,
    handshake: Timeout,
    now: Instant,
    /// Decrypted bytes the inner engine has not taken yet.
    input: PlainIn,
    /// Inner output TLS has not taken yet.
    out: PlainOut,
    /// TLS failed (its alert may be queued) or the handshake timed out.
    failed: bool,
    /// The client's TLS fingerprint is wanted and not computed yet.
    fingerprint_wanted: bool,
    /// The client's TLS fingerprint, computed once the handshake completed; given to the
    /// inner session's [`Context::fingerprint`].
    fingerprint: Option<Arc<ClientFingerprint>>,
}

impl<S: Session> fmt::Debug for TlsSession<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsSession")
            .field("tls", &self.tls)
            .field("failed", &self.failed)
            .finish_non_exhaustive()
    }
}

impl<S: Session> TlsSession<S> {
    /// Wraps `inner` in `tls`; the handshake must complete within `handshake`.
    #[must_use]
    pub fn new(tls: tls::ServerSession, inner: S, handshake: Timeout, now: Instant) -> Self {
        TlsSession {
            tls,
            inner: Inner {
                session: inner,
                alpn_told: false,
                failed: false,
            },
            since: now,
            handshake,
            now,
            input: PlainIn::default(),
            out: PlainOut::default(),
            failed: false,
            fingerprint_wanted: false,
            fingerprint: None,
        }
    }

    /// Computes the client's TLS fingerprint (JA3, JA4, ...) once the handshake completes
    /// and gives it to the inner session's requests (builder style). It needs a `tls`
    /// configuration that keeps the ClientHello
    /// ([`ServerConfigBuilder::keep_client_hello`](::tls::ServerConfigBuilder::keep_client_hello));
    /// without one there is no TLS part. Default off.
    #[must_use]
    pub fn with_fingerprint(mut self, on: bool) -> Self {
        self.fingerprint_wanted = on;
        self
    }

    /// The client's fingerprint (its TLS part), once the handshake completed, when
    /// [`TlsSession::with_fingerprint`] asked for it.
    #[must_use]
    pub fn fingerprint(&self) -> Option<&ClientFingerprint> {
        self.fingerprint.as_deref()
    }

    /// Computes the fingerprint once, when wanted and the handshake is complete.
    fn take_fingerprint(&mut self) {
        if self.fingerprint_wanted && self.tls.is_handshake_complete() {
            self.fingerprint_wanted = false;
            self.fingerprint = TlsFingerprint::of(&mut self.tls).map(|t| {
                Arc::new(ClientFingerprint {
                    tls: Some(t),
                    h2: None,
                })
            });
        }
    }

    /// The TLS session (ALPN, SNI, version).
    #[must_use]
    pub fn tls(&self) -> &tls::ServerSession {
        &self.tls
    }

    /// The inner session.
    #[must_use]
    pub fn inner(&self) -> &S {
        &self.inner.session
    }

    /// Decrypts what TLS holds into the inner engine as far as it takes it (nothing more
    /// once TLS or the inner engine failed). Returns whether any plaintext moved.
    fn pump_in(&mut self) -> Result<bool, tls::Error> {
        if self.failed {
            return Ok(false);
        }
        self.input.pump(
            &mut self.tls,
            &mut self.inner,
            self.now,
            End::CloseNotify,
            |e| e,
        )
    }

    /// Encrypts inner output while TLS takes it.
    fn pump_out(&mut self, now: Instant) -> Result<(), tls::Error> {
        if self.failed {
            return Ok(());
        }
        self.out
            .pump(&mut self.tls, self.inner.session.engine_mut(), now, KEEP_TX)
    }
}

/// The inner session, as [`PlainIn`] moves plaintext into it: told the agreed ALPN protocol
/// before its first bytes (the read that completed the handshake may bring them), and once its
/// engine returned an error (its reaction is queued), it takes nothing more.
struct Inner<S> {
    session: S,
    /// The session was told the agreed ALPN protocol ([`Session::alpn_agreed`]).
    alpn_told: bool,
    /// Its engine returned an error: nothing more goes in.
    failed: bool,
}

impl<S: Session> tls_in::Plain<tls::Server> for Inner<S> {
    type Error = tls::Error;

    /// Nothing is allocated while a connection is idle.
    const KEEP: usize = 0;

    fn recv(
        &mut self,
        tls: &tls::ServerSession,
        now: Instant,
        input: &[u8],
    ) -> Result<usize, tls::Error> {
        if !self.alpn_told {
            self.alpn_told = true;
            self.session.alpn_agreed(tls.alpn());
        }
        // Nothing of `input` is taken once the engine failed (the pump stops).
        Ok(
            Engine::recv(self.session.engine_mut(), now, input).unwrap_or_else(|_| {
                self.failed = true;
                0
            }),
        )
    }

    fn recv_eof(&mut self) -> Result<(), tls::Error> {
        if Engine::recv_eof(self.session.engine_mut()).is_err() {
            self.failed = true;
        }
        Ok(())
    }

    fn stopped(&self) -> bool {
        self.failed
    }
}

impl<S: Session> Engine for TlsSession<S> {
    type Error = TlsError<<S::Engine as Engine>::Error>;

    fn recv(&mut self, now: Instant, input: &[u8]) -> Result<usize, Self::Error> {
        self.now = now;
        let n = self.tls.recv(input).map_err(TlsError::Tls)?;
        if let Err(e) = self.pump_in() {
            self.failed = true;
            return Err(TlsError::Tls(e));
        }
        Ok(n)
    }

    fn recv_eof(&mut self) -> Result<(), Self::Error> {
        self.tls.recv_eof();
        // Whatever is still buffered goes in; a missing close_notify is not held against a
        // client (the inner protocol knows whether its message was complete).
        let _ = self.pump_in();
        if self.input.pass_eof_once() && !self.inner.failed {
            self.inner
                .session
                .engine_mut()
                .recv_eof()
                .map_err(TlsError::Inner)?;
        }
        Ok(())
    }

    fn poll_transmit(&mut self, now: Instant, out: &mut Vec<u8>) -> Option<Bytes> {
        self.now = now;
        if self.pump_out(now).is_err() {
            self.failed = true;
        }
        self.tls.poll_transmit(out);
        None
    }

    fn wants_write(&self) -> bool {
        if self.tls.wants_write() {
            return true;
        }
        if self.failed || !self.tls.is_handshake_complete() {
            return false;
        }
        self.out.wants_write(self.inner.session.engine())
    }

    fn is_closed(&self) -> bool {
        self.failed || self.tls.is_closed() || self.out.close_sent()
    }

    fn poll_timeout(&self) -> Option<Instant> {
        self.inner.session.engine().poll_timeout()
    }

    fn handle_timeout(&mut self, now: Instant) -> Result<(), Self::Error> {
        self.now = now;
        self.inner
            .session
            .engine_mut()
            .handle_timeout(now)
            .map_err(TlsError::Inner)
    }
}

/// `cx` as the inner session gets it: with the client's fingerprint once TLS computed it.
fn inner_cx<'a, P>(
    cx: &'a mut Context<'_, P>,
    fingerprint: Option<&'a Arc<ClientFingerprint>>,
) -> Context<'a, P> {
    Context {
        now: cx.now,
        pool: &mut *cx.pool,
        draining: cx.draining,
        backed_up: cx.backed_up,
        fingerprint: fingerprint.or(cx.fingerprint),
        wake: cx.wake,
    }
}

impl<S: Session> Session for TlsSession<S> {
    type Engine = Self;
    type Pooled = S::Pooled;

    fn engine(&self) -> &Self {
        self
    }

    fn engine_mut(&mut self) -> &mut Self {
        self
    }

    fn prepare(&mut self, cx: &mut Context<'_, S::Pooled>) {
        self.inner.session.prepare(cx);
    }

    fn process(&mut self, cx: &mut Context<'_, S::Pooled>) {
        self.now = cx.now;
        self.take_fingerprint();
        loop {
            self.inner
                .session
                .process(&mut inner_cx(cx, self.fingerprint.as_ref()));
            match self.pump_in() {
                Ok(true) => {}
                Ok(false) => break,
                Err(_) => {
                    self.failed = true;
                    break;
                }
            }
        }
    }

    fn poll_timeout(&self) -> Option<Instant> {
        if self.failed {
            return None;
        }
        if !self.tls.is_handshake_complete() {
            return self.handshake.deadline(self.since);
        }
        self.inner.session.poll_timeout()
    }

    fn handle_timeout(&mut self, cx: &mut Context<'_, S::Pooled>) {
        self.now = cx.now;
        if !self.tls.is_handshake_complete() {
            if self
                .handshake
                .deadline(self.since)
                .is_some_and(|d| d <= cx.now)
            {
                self.failed = true;
            }
            return;
        }
        self.inner.session.handle_timeout(cx);
    }

    fn shutdown(&mut self, cx: &mut Context<'_, S::Pooled>) {
        if !self.tls.is_handshake_complete() {
            self.failed = true;
            return;
        }
        self.take_fingerprint();
        self.inner
            .session
            .shutdown(&mut inner_cx(cx, self.fingerprint.as_ref()));
    }
}
