//! A small blocking adapter: a [`tls::Session`] over a `std::net::TcpStream`. It shows the whole
//! sans-IO contract in a few lines (read from the socket into `recv`, write what
//! `poll_transmit` gives), and lets tests talk to `openssl s_server` / `s_client`.

use std::io::{Read, Write};
use std::net::TcpStream;

use tls::{HandshakeStatus, Plaintext, Session};

/// Any error of the adapter.
pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A TLS session bound to a blocking socket.
pub(crate) struct Blocking<R> {
    pub(crate) sock: TcpStream,
    pub(crate) tls: Session<R>,
    /// The first bytes we sent (a client's ClientHello), kept for fingerprinting.
    pub(crate) first_flight: Vec<u8>,
    out: Vec<u8>,
    buf: Vec<u8>,
}

impl<R> Blocking<R> {
    /// Wraps a connected socket and a fresh session.
    pub(crate) fn new(sock: TcpStream, tls: Session<R>) -> Self {
        Self {
            sock,
            tls,
            first_flight: Vec::new(),
            out: Vec::new(),
            buf: vec![0; 16 * 1024],
        }
    }

    fn flush(&mut self) -> Result<(), BoxError> {
        self.out.clear();
        self.tls.poll_transmit(&mut self.out);
        if !self.out.is_empty() {
            if self.first_flight.is_empty() {
                self.first_flight = self.out.clone();
            }
            self.sock.write_all(&self.out)?;
        }
        Ok(())
    }

    /// Reads once from the socket into the session; `false` at end of stream.
    fn fill(&mut self) -> Result<bool, BoxError> {
        let n = self.sock.read(&mut self.buf)?;
        if n == 0 {
            self.tls.recv_eof();
            return Ok(false);
        }
        // The session takes up to 1 MiB of unprocessed ciphertext; this adapter reads plaintext
        // before each socket read, so one socket read (16 KiB) always fits.
        if self.tls.recv(&self.buf[..n])? < n {
            return Err("the session's input buffer is full".into());
        }
        Ok(true)
    }

    /// Runs the handshake to completion.
    pub(crate) fn handshake(&mut self) -> Result<(), BoxError> {
        loop {
            let status = self.tls.handshake();
            self.flush()?;
            match status? {
                HandshakeStatus::Complete => return Ok(()),
                _ => {
                    if !self.fill()? {
                        // Let the session turn the EOF into its error.
                        self.tls.handshake()?;
                        return Err("connection closed during the handshake".into());
                    }
                }
            }
        }
    }

    /// Writes all of `data`: the session takes plaintext while its write queue has room
    /// (backpressure), so each part is sent before the rest is offered.
    pub(crate) fn write_all(&mut self, data: &[u8]) -> Result<(), BoxError> {
        let mut written = 0;
        while written < data.len() {
            written += self.tls.write(&data[written..])?;
            self.flush()?;
        }
        Ok(())
    }

    /// Reads some plaintext; `Ok(0)` after the peer's close_notify.
    pub(crate) fn read(&mut self, out: &mut [u8]) -> Result<usize, BoxError> {
        loop {
            let r = self.tls.read(out);
            self.flush()?;
            match r? {
                Plaintext::Data(n) => return Ok(n),
                Plaintext::Closed => return Ok(0),
                _ => {
                    self.fill()?;
                }
            }
        }
    }

    /// Sends close_notify and shuts the write half.
    pub(crate) fn close(&mut self) -> Result<(), BoxError> {
        self.tls.close()?;
        self.flush()?;
        self.sock.shutdown(std::net::Shutdown::Write)?;
        Ok(())
    }
}
