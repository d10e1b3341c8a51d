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
        copy_record(&mut buf[..n], &avail[..n]);
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

/// Copies received ciphertext into BoringSSL's record buffer in 64-byte blocks (vector moves)
/// and then the tail, instead of one `copy_from_slice`. For a record's body (16 KiB) glibc's
/// `memcpy` uses `rep movsb`, which on this project's benchmark machine (AMD Zen 4) ran at a
/// third of its speed for most placements of our buffer relative to BoringSSL's (the body
/// starts 5 bytes into ours, after the record header): the `tls: bulk` row measured 0.64x
/// against boring's `SslStream` at four heap layouts in five, 0.96x at the fifth and with
/// `rep movsb` turned off (`GLIBC_TUNABLES=glibc.cpu.x86_rep_movsb_threshold=4194304`).
fn copy_record(dst: &mut [u8], src: &[u8]) {
    const BLOCK: usize = 64;
    let mut d = dst.chunks_exact_mut(BLOCK);
    let mut s = src.chunks_exact(BLOCK);
    for (d, s) in (&mut d).zip(&mut s) {
        d.copy_from_slice(s);
    }
    d.into_remainder().copy_from_slice(s.remainder());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_record_copies_every_length_and_offset() {
        let src: Vec<u8> = (0..600u32).map(|i| (i * 7 + 3) as u8).collect();
        for off in 0..8 {
            for len in 0..(src.len() - off) {
                let mut dst = vec![0xeeu8; len + 2];
                copy_record(&mut dst[1..=len], &src[off..off + len]);
                assert_eq!(&dst[1..=len], &src[off..off + len], "len {len} off {off}");
                assert_eq!((dst[0], dst[len + 1]), (0xee, 0xee), "guards, len {len}");
            }
        }
    }
}
