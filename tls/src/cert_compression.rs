//! Certificate compression (RFC 8879): the algorithms a profile or a server config names, and
//! their codecs (brotli, zlib) installed into a BoringSSL context.

use std::io::Write as _;

use boring::ssl::{CertificateCompressionAlgorithm, CertificateCompressor, SslContextBuilder};

use crate::{ConfigError, Error};

/// Brotli certificate compression (RFC 8879 algorithm 2), both ways.
struct Brotli;

impl CertificateCompressor for Brotli {
    const ALGORITHM: CertificateCompressionAlgorithm = CertificateCompressionAlgorithm::BROTLI;
    const CAN_COMPRESS: bool = true;
    const CAN_DECOMPRESS: bool = true;

    fn compress<W: std::io::Write>(&self, input: &[u8], output: &mut W) -> std::io::Result<()> {
        let mut w = brotli::CompressorWriter::new(output, 4096, 9, 22);
        w.write_all(input)?;
        w.flush()
    }

    fn decompress<W: std::io::Write>(&self, input: &[u8], output: &mut W) -> std::io::Result<()> {
        let mut r = brotli::Decompressor::new(input, 4096);
        std::io::copy(&mut r, output).map(|_| ())
    }
}

/// Zlib certificate compression (RFC 8879 algorithm 1), both ways.
struct Zlib;

impl CertificateCompressor for Zlib {
    const ALGORITHM: CertificateCompressionAlgorithm = CertificateCompressionAlgorithm::ZLIB;
    const CAN_COMPRESS: bool = true;
    const CAN_DECOMPRESS: bool = true;

    fn compress<W: std::io::Write>(&self, input: &[u8], output: &mut W) -> std::io::Result<()> {
        let mut w = flate2::write::ZlibEncoder::new(output, flate2::Compression::default());
        w.write_all(input)?;
        w.finish().map(|_| ())
    }

    fn decompress<W: std::io::Write>(&self, input: &[u8], output: &mut W) -> std::io::Result<()> {
        let mut r = flate2::read::ZlibDecoder::new(input);
        std::io::copy(&mut r, output).map(|_| ())
    }
}

/// A certificate compression algorithm (RFC 8879).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CertCompression {
    /// zlib (1).
    Zlib,
    /// brotli (2).
    Brotli,
}

/// Installs the codecs of `algs` into `ctx` (both directions).
pub(crate) fn add_compression(
    ctx: &mut SslContextBuilder,
    algs: &[CertCompression],
) -> Result<(), Error> {
    for a in algs {
        match a {
            CertCompression::Zlib => ctx
                .add_certificate_compression_algorithm(Zlib)
                .map_err(ConfigError::rejected("zlib certificate compression"))?,
            CertCompression::Brotli => ctx
                .add_certificate_compression_algorithm(Brotli)
                .map_err(ConfigError::rejected("brotli certificate compression"))?,
        }
    }
    Ok(())
}
