//! The plaintext side of TLS input, the counterpart of [`tls_out`](crate::tls_out): what TLS
//! decrypted that an engine has not taken yet, and the loop that moves it in. The client
//! drives it for TLS with the origin and for TLS with an `https://` proxy (whose engine is
//! the connection inside the tunnel); the server's `TlsSession` for its inner session,
//! through a [`Plain`] of its own.

use std::time::Instant;

use crate::engine::Engine;

/// What [`PlainIn::pump`] moves plaintext into. Any [`Engine`] is one as it is (the
/// client's); the server's inner session has rules of its own (it is told the agreed ALPN
/// protocol before its first bytes, and an error of its engine stops its input quietly).
pub(crate) trait Plain<R> {
    /// What the pump returns for an error, of TLS (through its `tls_error`) or of this.
    type Error;

    /// An emptied buffer of bytes kept for it larger than this is given back (by default
    /// it is kept).
    const KEEP: usize = usize::MAX;

    /// Takes what it can of `input`, which `tls` decrypted, as [`Engine::recv`].
    fn recv(
        &mut self,
        tls: &tls::Session<R>,
        now: Instant,
        input: &[u8],
    ) -> Result<usize, Self::Error>;

    /// The input ended, as [`Engine::recv_eof`].
    fn recv_eof(&mut self) -> Result<(), Self::Error>;

    /// It takes nothing more (its engine failed and its reaction is queued): the pump stops
    /// before it reads again or keeps bytes for it.
    fn stopped(&self) -> bool {
        false
    }
}

impl<R, E: Engine> Plain<R> for E {
    type Error = E::Error;

    fn recv(&mut self, _: &tls::Session<R>, now: Instant, input: &[u8]) -> Result<usize, E::Error> {
        Engine::recv(self, now, input)
    }

    fn recv_eof(&mut self) -> Result<(), E::Error> {
        Engine::recv_eof(self)
    }
}

/// When the input through TLS ends, for [`PlainIn::pump`].
#[derive(Clone, Copy, Debug)]
pub(crate) enum End {
    /// At close_notify only: TLS is read, and its errors are errors, as long as the pump is
    /// called (a caller that gets the socket's end without close_notify passes it on itself).
    CloseNotify,
    /// Also at the socket's end (`true` once it came): then a read that fails or finds no
    /// record ends the input too (the engine knows whether its message was complete); once
    /// the end was passed, nothing more is read.
    Socket(bool),
}

/// Decrypted bytes an engine has not taken yet (backpressure), and whether it was told
/// that the input ended.
#[derive(Debug, Default)]
pub(crate) struct PlainIn {
    plain: Vec<u8>,
    pos: usize,
    eof_passed: bool,
}

impl PlainIn {
    /// The caller tells the engine of the end now: false when it was told already.
    pub(crate) fn pass_eof_once(&mut self) -> bool {
        !std::mem::replace(&mut self.eof_passed, true)
    }

    /// Decrypts what `tls` holds into `engine` as far as it takes it (what it does not take
    /// waits here for the next call; nothing once it [stopped](Plain::stopped)), and tells it
    /// once of the end as `end` says. TLS's errors become the engine's through `tls_error`.
    /// Returns whether plaintext moved.
    pub(crate) fn pump<R, E: Plain<R>>(
        &mut self,
        tls: &mut tls::Session<R>,
        engine: &mut E,
        now: Instant,
        end: End,
        tls_error: impl FnOnce(tls::Error) -> E::Error,
    ) -> Result<bool, E::Error> {
        let mut moved = false;
        loop {
            if engine.stopped() {
                return Ok(moved);
            }
            if self.pos < self.plain.len() {
                let n = engine.recv(tls, now, &self.plain[self.pos..])?;
                self.pos += n;
                moved |= n > 0;
                if self.pos < self.plain.len() {
                    // The engine is full: its session drains events first.
                    return Ok(moved);
                }
                self.plain.clear();
                if self.plain.capacity() > E::KEEP {
                    self.plain = Vec::new();
                }
                self.pos = 0;
            }
            let socket_ended = match end {
                End::CloseNotify => false,
                End::Socket(_) if self.eof_passed => return Ok(moved),
                End::Socket(ended) => ended,
            };
            let mut buf = [0u8; 16 * 1024];
            match tls.read(&mut buf) {
                Ok(tls::Plaintext::Data(n)) if n > 0 => {
                    moved = true;
                    let k = engine.recv(tls, now, &buf[..n])?;
                    if k < n && !engine.stopped() {
                        self.plain.extend_from_slice(&buf[k..n]);
                    }
                    continue;
                }
                Ok(tls::Plaintext::Closed) => {}
                Err(_) | Ok(_) if socket_ended => {}
                Err(e) => return Err(tls_error(e)),
                Ok(_) => return Ok(moved),
            }
            if !self.eof_passed {
                self.eof_passed = true;
                moved = true;
                engine.recv_eof()?;
            }
            return Ok(moved);
        }
    }
}
