//! The plaintext side of TLS output, shared by the server's `TlsSession` and the client's
//! connections: what an engine wrote that TLS has not taken yet (bytes, then a payload for a
//! vectored write), and the loop that moves it into TLS records.

use std::time::Instant;

use bytes::Bytes;

use crate::engine::Engine;

/// An engine's output that TLS has not taken yet.
#[derive(Debug, Default)]
pub(crate) struct PlainOut {
    tx: Vec<u8>,
    tx_pos: usize,
    payload: Option<Bytes>,
    /// Our close_notify went out once the engine was closed.
    close_sent: bool,
}

impl PlainOut {
    /// Output waits for TLS to take it.
    pub(crate) fn pending(&self) -> bool {
        self.tx_pos < self.tx.len() || self.payload.is_some()
    }

    pub(crate) fn close_sent(&self) -> bool {
        self.close_sent
    }

    /// Whether [`pump`](Self::pump) has something to do for `engine`: output waiting, or a
    /// close_notify to send for a closed engine.
    pub(crate) fn wants_write<E: Engine>(&self, engine: &E) -> bool {
        self.pending() || engine.wants_write() || (engine.is_closed() && !self.close_sent)
    }

    /// Encrypts `engine`'s output while `tls` takes it (none before the handshake
    /// completed), then sends close_notify once the engine is closed and all of its output
    /// went in. An emptied buffer larger than `keep` bytes is given back.
    pub(crate) fn pump<R, E: Engine>(
        &mut self,
        tls: &mut tls::Session<R>,
        engine: &mut E,
        now: Instant,
        keep: usize,
    ) -> Result<(), tls::Error> {
        if !tls.is_handshake_complete() {
            return Ok(());
        }
        loop {
            if self.pending() {
                let head = &self.tx[self.tx_pos..];
                let tail = self.payload.as_deref().unwrap_or(&[]);
                let n = if tail.is_empty() {
                    tls.write(head)?
                } else {
                    tls.write_vectored(&[head, tail])?
                };
                let from_head = n.min(head.len());
                self.tx_pos += from_head;
                let rest = n - from_head;
                if rest > 0 {
                    let p = self.payload.take().unwrap_or_default();
                    if rest < p.len() {
                        self.payload = Some(p.slice(rest..));
                    }
                }
                if self.pending() {
                    // TLS's write queue is full: what it has goes out first.
                    return Ok(());
                }
                self.tx_pos = 0;
                self.tx.clear();
                if self.tx.capacity() > keep {
                    self.tx = Vec::new();
                }
            } else if engine.wants_write() {
                let p = engine.poll_transmit(now, &mut self.tx);
                self.payload = p.filter(|p| !p.is_empty());
                if !self.pending() {
                    return Ok(());
                }
            } else {
                break;
            }
        }
        if engine.is_closed() && !self.close_sent {
            self.close_sent = true;
            tls.close()?;
        }
        Ok(())
    }
}
