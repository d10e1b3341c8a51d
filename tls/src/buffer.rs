//! The in-memory duplex that stands where a socket would: BoringSSL reads received ciphertext
//! from `rx` and writes ciphertext to send into `tx`. An empty `rx` reads as `WouldBlock`, so
//! BoringSSL reports `WANT_READ` instead of blocking.

use std::io;

#[derive(Debug, Default)]
pub(crate) struct Duplex {
    pub(crate) rx: Vec<u8>,
    pub(crate) rx_pos: usize,
    pub(crate) tx: Vec<u8>,
    pub(crate) eof: bool,
}

impl Duplex {
    pub(crate) fn buffered(&self) -> usize {
        self.rx.len() - self.rx_pos
    }

    pub(crate) fn feed(&mut self, input: &[u8]) {
        if self.rx_pos == self.rx.len() {
            self.rx.clear();
            self.rx_pos = 0;
        } else if self.rx_pos > 4096 && self.rx_pos * 2 > self.rx.len() {
            self.rx.drain(..self.rx_pos);
            self.rx_pos = 0;
        }
        self.rx.extend_from_slice(input);
    }
}

impl io::Read for Duplex {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let avail = &self.rx[self.rx_pos..];
        if avail.is_empty() {
            return if self.eof {
                Ok(0)
            } else {
                Err(io::ErrorKind::WouldBlock.into())
            };
        }
        let n = avail.len().min(buf.len());
        buf[..n].copy_from_slice(&avail[..n]);
        self.rx_pos += n;
        Ok(n)
    }
}

impl io::Write for Duplex {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.tx.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
