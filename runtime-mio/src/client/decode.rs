//! Response decoding: `Content-Encoding` gzip, deflate (zlib-wrapped, or raw deflate as
//! browsers also accept), br and zstd, stacked codings undone in reverse order, streamed
//! through [`Body::chunk`](super::Body::chunk).
//!
//! Each coding is a stage with push-style state (flate2's `Decompress`, brotli's
//! `BrotliDecompressStream`, libzstd's `ZSTD_decompressStream`): a stage holds at most the
//! piece of input it was given (one body chunk, or one output piece of the stage before it)
//! and produces at most [`OUT_CHUNK`] bytes per call. A read asks the last stage for output;
//! a stage with nothing left to give pulls from the stage before it, and the first stage
//! from the wire. So a decompression bomb costs one output piece per read, never the whole
//! expansion: memory stays at the body queue, the decoders' windows (32 KiB for deflate, at
//! most 16 MiB for brotli, at most 8 MiB for zstd as RFC 9659 asks) and one piece.

use std::fmt;

use bytes::Bytes;
use flate2::{Decompress, FlushDecompress, Status};

use super::error::Error;

/// The most decoded bytes one [`Body::chunk`](super::Body::chunk) returns (and each stage
/// produces per call).
pub(crate) const OUT_CHUNK: usize = 64 * 1024;

/// The `Accept-Encoding` value the client sends when decoding is on and the caller set none.
pub const ACCEPT_ENCODING: &str = "gzip, deflate, br, zstd";

/// zstd frames asking for a larger window than 2^23 (8 MiB) are refused (RFC 9659 3).
const ZSTD_WINDOW_LOG_MAX: u32 = 23;

/// A content coding this client decodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Coding {
    /// `gzip` (also `x-gzip`): RFC 1952, several members in a row accepted.
    Gzip,
    /// `deflate`: a zlib stream (RFC 1950) as the RFC says, or a raw deflate stream
    /// (RFC 1951) as some servers send and browsers accept; told apart by the zlib header.
    Deflate,
    /// `br`: Brotli (RFC 7932).
    Brotli,
    /// `zstd`: Zstandard (RFC 8878), window at most 8 MiB (RFC 9659).
    Zstd,
}

impl Coding {
    /// The coding's token as `Content-Encoding` names it.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Coding::Gzip => "gzip",
            Coding::Deflate => "deflate",
            Coding::Brotli => "br",
            Coding::Zstd => "zstd",
        }
    }

    /// The coding a `Content-Encoding` token names (ASCII case-insensitive), if this client
    /// decodes it.
    #[must_use]
    pub fn from_token(token: &str) -> Option<Coding> {
        let t = token.trim();
        if t.eq_ignore_ascii_case("gzip") || t.eq_ignore_ascii_case("x-gzip") {
            Some(Coding::Gzip)
        } else if t.eq_ignore_ascii_case("deflate") {
            Some(Coding::Deflate)
        } else if t.eq_ignore_ascii_case("br") {
            Some(Coding::Brotli)
        } else if t.eq_ignore_ascii_case("zstd") {
            Some(Coding::Zstd)
        } else {
            None
        }
    }
}

impl fmt::Display for Coding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The codings of a response's `Content-Encoding` fields in the order applied (`identity`
/// left out); `None` when one of them is a coding this client does not decode (then the
/// body is handed over as it came).
pub(crate) fn codings<'a, N: AsRef<[u8]>>(
    headers: impl IntoIterator<Item = (N, &'a [u8])>,
) -> Option<Vec<Coding>> {
    let mut out = Vec::new();
    for (name, value) in headers {
        if !name.as_ref().eq_ignore_ascii_case(b"content-encoding") {
            continue;
        }
        let value = std::str::from_utf8(value).ok()?;
        for token in value.split(',') {
            let token = token.trim();
            if token.is_empty() || token.eq_ignore_ascii_case("identity") {
                continue;
            }
            out.push(Coding::from_token(token)?);
        }
    }
    Some(out)
}

type BrotliState = brotli_decompressor::BrotliState<
    brotli_decompressor::StandardAlloc,
    brotli_decompressor::StandardAlloc,
    brotli_decompressor::StandardAlloc,
>;

enum Codec {
    Gzip(Box<Decompress>),
    /// Deflate before its first two bytes decided zlib or raw: the bytes seen so far.
    DeflateUndecided(Vec<u8>),
    Deflate(Box<Decompress>),
    Brotli(Box<BrotliState>),
    Zstd(Box<zstd::stream::raw::Decoder<'static>>),
}

/// Whether two bytes open a zlib stream: CM 8 (deflate), a window of at most 32 KiB, the
/// header check (RFC 1950 2.2).
fn is_zlib_header(cmf: u8, flg: u8) -> bool {
    cmf & 0x0f == 8 && cmf >> 4 <= 7 && (u16::from(cmf) << 8 | u16::from(flg)) % 31 == 0
}

struct Stage {
    coding: Coding,
    codec: Codec,
    /// Input given and not yet consumed.
    input: Bytes,
    /// The last call filled its output: the codec may have more without new input.
    more_out: bool,
    /// The stream ended (a gzip member, the deflate/brotli stream, a zstd frame).
    ended: bool,
    /// Any input at all arrived.
    started: bool,
}

impl Stage {
    fn new(coding: Coding) -> Result<Stage, Error> {
        let codec = match coding {
            Coding::Gzip => Codec::Gzip(Box::new(Decompress::new_gzip(15))),
            Coding::Deflate => Codec::DeflateUndecided(Vec::with_capacity(2)),
            Coding::Brotli => Codec::Brotli(Box::new(BrotliState::new(
                brotli_decompressor::StandardAlloc::default(),
                brotli_decompressor::StandardAlloc::default(),
                brotli_decompressor::StandardAlloc::default(),
            ))),
            Coding::Zstd => {
                let mut d = zstd::stream::raw::Decoder::new().map_err(|e| Error::Decoding {
                    coding,
                    reason: e.to_string(),
                })?;
                d.set_parameter(zstd::stream::raw::DParameter::WindowLogMax(
                    ZSTD_WINDOW_LOG_MAX,
                ))
                .map_err(|e| Error::Decoding {
                    coding,
                    reason: e.to_string(),
                })?;
                Codec::Zstd(Box::new(d))
            }
        };
        Ok(Stage {
            coding,
            codec,
            input: Bytes::new(),
            more_out: false,
            ended: false,
            started: false,
        })
    }

    fn error(&self, reason: impl Into<String>) -> Error {
        Error::Decoding {
            coding: self.coding,
            reason: reason.into(),
        }
    }

    /// Runs the codec once on the pending input; returns what it produced (at most
    /// [`OUT_CHUNK`] bytes, possibly none).
    fn run(&mut self) -> Result<Vec<u8>, Error> {
        if self.ended && !self.input.is_empty() {
            match &mut self.codec {
                // Another gzip member follows (as `gzip -d` accepts); zstd frames follow
                // each other by design.
                Codec::Gzip(d) => d.reset(true),
                Codec::Zstd(_) => {}
                _ => return Err(self.error("data after the end of the stream")),
            }
            self.ended = false;
        }
        let mut out = Vec::with_capacity(OUT_CHUNK);
        match &mut self.codec {
            Codec::DeflateUndecided(seen) => {
                let take = (2 - seen.len()).min(self.input.len());
                seen.extend_from_slice(&self.input.split_to(take));
                if seen.len() == 2 {
                    let zlib = is_zlib_header(seen[0], seen[1]);
                    let mut rest = Vec::with_capacity(2 + self.input.len());
                    rest.extend_from_slice(seen);
                    rest.extend_from_slice(&self.input);
                    self.input = Bytes::from(rest);
                    self.codec = Codec::Deflate(Box::new(Decompress::new(zlib)));
                    return self.run();
                }
            }
            Codec::Gzip(d) | Codec::Deflate(d) => {
                let before = d.total_in();
                let status = d
                    .decompress_vec(&self.input, &mut out, FlushDecompress::None)
                    .map_err(|e| Error::Decoding {
                        coding: self.coding,
                        reason: e.to_string(),
                    })?;
                let used = usize::try_from(d.total_in() - before).unwrap_or(usize::MAX);
                let _ = self.input.split_to(used.min(self.input.len()));
                if status == Status::StreamEnd {
                    self.ended = true;
                }
            }
            Codec::Brotli(state) => {
                out.resize(OUT_CHUNK, 0);
                let (mut avail_in, mut in_off) = (self.input.len(), 0);
                let (mut avail_out, mut out_off, mut total) = (OUT_CHUNK, 0, 0);
                let r = brotli_decompressor::BrotliDecompressStream(
                    &mut avail_in,
                    &mut in_off,
                    &self.input,
                    &mut avail_out,
                    &mut out_off,
                    &mut out,
                    &mut total,
                    state,
                );
                out.truncate(out_off);
                let _ = self.input.split_to(in_off.min(self.input.len()));
                match r {
                    brotli_decompressor::BrotliResult::ResultSuccess => self.ended = true,
                    brotli_decompressor::BrotliResult::ResultFailure => {
                        let reason = format!("corrupt stream ({:?})", state.error_code);
                        return Err(self.error(reason));
                    }
                    _ => {}
                }
            }
            Codec::Zstd(d) => {
                use zstd::stream::raw::{InBuffer, Operation, OutBuffer};
                let mut inb = InBuffer::around(&self.input);
                let hint = {
                    let mut outb = OutBuffer::around(&mut out);
                    d.run(&mut inb, &mut outb).map_err(|e| Error::Decoding {
                        coding: self.coding,
                        reason: e.to_string(),
                    })?
                };
                let used = inb.pos();
                let _ = self.input.split_to(used);
                if hint == 0 {
                    self.ended = true;
                }
            }
        }
        self.more_out = out.len() == OUT_CHUNK;
        Ok(out)
    }
}

/// The decoding stages of one response body.
pub(crate) struct Decoder {
    /// In the order they are undone: the last coding listed first.
    stages: Vec<Stage>,
}

impl fmt::Debug for Decoder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let codings: Vec<Coding> = self.stages.iter().map(|s| s.coding).collect();
        f.debug_struct("Decoder")
            .field("codings", &codings)
            .finish_non_exhaustive()
    }
}

impl Decoder {
    /// Undoes `codings` (in the order the server applied them).
    pub(crate) fn new(codings: &[Coding]) -> Result<Decoder, Error> {
        let stages = codings
            .iter()
            .rev()
            .map(|&c| Stage::new(c))
            .collect::<Result<_, _>>()?;
        Ok(Decoder { stages })
    }

    /// Whether the decoder takes another piece of the wire body (it has used the last).
    pub(crate) fn wants_input(&self) -> bool {
        self.stages[0].input.is_empty() && !self.stages[0].more_out
    }

    /// Gives the decoder the next piece of the wire body (only when
    /// [`wants_input`](Self::wants_input)).
    pub(crate) fn push(&mut self, data: Bytes) {
        debug_assert!(self.stages[0].input.is_empty());
        if !data.is_empty() {
            self.stages[0].started = true;
            self.stages[0].input = data;
        }
    }

    /// Compressed or intermediate bytes held (at most one wire chunk plus one piece per
    /// stacked stage).
    pub(crate) fn held(&self) -> usize {
        self.stages.iter().map(|s| s.input.len()).sum()
    }

    /// The next decoded piece (at most [`OUT_CHUNK`] bytes), or `None` when the decoder
    /// needs more of the wire body.
    pub(crate) fn pull(&mut self) -> Result<Option<Bytes>, Error> {
        let last = self.stages.len() - 1;
        self.produce(last)
    }

    fn produce(&mut self, i: usize) -> Result<Option<Bytes>, Error> {
        loop {
            if self.stages[i].input.is_empty() && !self.stages[i].more_out {
                if i == 0 {
                    return Ok(None);
                }
                match self.produce(i - 1)? {
                    Some(b) => {
                        self.stages[i].started = true;
                        self.stages[i].input = b;
                    }
                    None => return Ok(None),
                }
            }
            let before = self.stages[i].input.len();
            let mut out = self.stages[i].run()?;
            if !out.is_empty() {
                // A piece shorter than the OUT_CHUNK it was decoded into (a server's small
                // flushes) gives the rest back: a caller that keeps many small pieces must
                // not keep 64 KiB for each.
                out.shrink_to_fit();
                return Ok(Some(Bytes::from(out)));
            }
            let stage = &self.stages[i];
            if stage.input.len() == before && !stage.input.is_empty() && !stage.ended {
                return Err(stage.error("the decoder made no progress"));
            }
        }
    }

    /// The wire body ended: every stage must have seen its stream's end (an empty body is
    /// fine: nothing was encoded).
    pub(crate) fn finish(&self) -> Result<(), Error> {
        for s in &self.stages {
            if s.started && !s.ended {
                return Err(s.error("the body ended inside the compressed stream"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn decode(codings: &[Coding], wire: &[u8], piece: usize) -> Result<Vec<u8>, Error> {
        let mut d = Decoder::new(codings)?;
        let mut out = Vec::new();
        let mut pieces = wire.chunks(piece.max(1));
        loop {
            if let Some(b) = d.pull()? {
                assert!(b.len() <= OUT_CHUNK);
                out.extend_from_slice(&b);
                continue;
            }
            match pieces.next() {
                Some(p) => d.push(Bytes::copy_from_slice(p)),
                None => {
                    d.finish()?;
                    return Ok(out);
                }
            }
        }
    }

    #[test]
    fn parses_content_encoding() {
        let h = |v: &'static str| [("Content-Encoding", v.as_bytes())];
        assert_eq!(
            codings(h("gzip, br")),
            Some(vec![Coding::Gzip, Coding::Brotli])
        );
        assert_eq!(codings(h("identity")), Some(vec![]));
        assert_eq!(codings(h("X-GZIP")), Some(vec![Coding::Gzip]));
        assert_eq!(codings(h("gzip, compress")), None);
    }

    /// A gzip stream flushed every 10 bytes, each flush its own wire piece: each decoded
    /// piece holds its 10 bytes, not the 64 KiB it was decoded into. 200 pieces kept stay
    /// under 200 x 1 KiB (they held 200 x 64 KiB before).
    #[test]
    fn small_decoded_pieces_keep_no_spare_capacity() {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        let mut flushes = Vec::new();
        let mut at = 0;
        for i in 0..200u32 {
            e.write_all(format!("event {i:03};").as_bytes()).unwrap();
            e.flush().unwrap();
            let len = e.get_ref().len();
            flushes.push(e.get_ref()[at..len].to_vec());
            at = len;
        }
        let mut d = Decoder::new(&[Coding::Gzip]).unwrap();
        let measure = test_support::alloc::Measure::start();
        let mut kept = Vec::new();
        for f in flushes {
            d.push(Bytes::from(f));
            while let Some(b) = d.pull().unwrap() {
                kept.push(b);
            }
        }
        let live = measure.stats().live_bytes;
        let text: Vec<u8> = kept.iter().flat_map(|b| b.iter().copied()).collect();
        assert_eq!(&text[..20], b"event 000;event 001;");
        assert_eq!(text.len(), 200 * 10);
        assert!(kept.len() >= 200, "one piece per flush at least");
        assert!(
            live < 200 * 1024,
            "{live} bytes live for {} pieces",
            kept.len()
        );
    }

    #[test]
    fn zlib_header_check() {
        assert!(is_zlib_header(0x78, 0x9c));
        assert!(is_zlib_header(0x78, 0x01));
        assert!(!is_zlib_header(0x78, 0x00));
        assert!(!is_zlib_header(0xcb, 0x48));
    }

    #[test]
    fn gzip_one_byte_pieces_and_truncation() {
        let data: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        let z = gzip(&data);
        assert_eq!(decode(&[Coding::Gzip], &z, 1).unwrap(), data);
        // Two members in a row.
        let mut two = z.clone();
        two.extend_from_slice(&gzip(b"tail"));
        let mut want = data.clone();
        want.extend_from_slice(b"tail");
        assert_eq!(decode(&[Coding::Gzip], &two, 777).unwrap(), want);
        let err = decode(&[Coding::Gzip], &z[..z.len() - 3], 1000).unwrap_err();
        assert!(
            matches!(
                err,
                Error::Decoding {
                    coding: Coding::Gzip,
                    ..
                }
            ),
            "{err:?}"
        );
        assert_eq!(decode(&[Coding::Gzip], b"", 1).unwrap(), b"");
    }

    /// How a test encodes with each coding: `deflate` both zlib-wrapped and raw.
    #[derive(Debug, Clone, Copy)]
    enum Encoding {
        Gzip,
        Zlib,
        RawDeflate,
        Brotli,
        Zstd,
    }

    impl Encoding {
        const ALL: [Encoding; 5] = [
            Encoding::Gzip,
            Encoding::Zlib,
            Encoding::RawDeflate,
            Encoding::Brotli,
            Encoding::Zstd,
        ];

        fn coding(self) -> Coding {
            match self {
                Encoding::Gzip => Coding::Gzip,
                Encoding::Zlib | Encoding::RawDeflate => Coding::Deflate,
                Encoding::Brotli => Coding::Brotli,
                Encoding::Zstd => Coding::Zstd,
            }
        }

        fn encode(self, data: &[u8]) -> Vec<u8> {
            let level = flate2::Compression::default();
            match self {
                Encoding::Gzip => gzip(data),
                Encoding::Zlib => {
                    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), level);
                    e.write_all(data).unwrap();
                    e.finish().unwrap()
                }
                Encoding::RawDeflate => {
                    let mut e = flate2::write::DeflateEncoder::new(Vec::new(), level);
                    e.write_all(data).unwrap();
                    e.finish().unwrap()
                }
                Encoding::Brotli => {
                    let mut out = Vec::new();
                    let mut w = brotli::CompressorWriter::new(&mut out, 4096, 5, 22);
                    w.write_all(data).unwrap();
                    drop(w);
                    out
                }
                Encoding::Zstd => zstd::encode_all(data, 3).unwrap(),
            }
        }
    }

    /// Decodes `wire` cut at `cuts`, checking each step's bounds: a piece out is at most
    /// [`OUT_CHUNK`], the bytes held at most the wire piece being worked on plus one piece
    /// per later stage.
    fn decode_cut(codings: &[Coding], wire: &[u8], cuts: &[usize]) -> Result<Vec<u8>, Error> {
        let mut d = Decoder::new(codings)?;
        let mut out = Vec::new();
        let mut bounds: Vec<usize> = cuts.iter().map(|&c| c % (wire.len() + 1)).collect();
        bounds.push(wire.len());
        bounds.sort_unstable();
        let mut start = 0;
        let mut pieces = bounds.into_iter().map(|end| {
            let piece = &wire[start..end];
            start = end;
            piece
        });
        let mut piece_len = 0;
        loop {
            let pulled = d.pull()?;
            assert!(d.held() <= piece_len + (codings.len() - 1) * OUT_CHUNK);
            if let Some(b) = pulled {
                assert!(!b.is_empty() && b.len() <= OUT_CHUNK);
                out.extend_from_slice(&b);
                continue;
            }
            assert!(d.wants_input());
            match pieces.next() {
                Some(p) => {
                    piece_len = p.len();
                    d.push(Bytes::copy_from_slice(p));
                }
                None => {
                    d.finish()?;
                    return Ok(out);
                }
            }
        }
    }

    /// Data that compresses well (a short pattern: long matches, output pieces of
    /// [`OUT_CHUNK`]) or not at all (xorshift bytes).
    fn sample(len: usize, seed: u64, repetitive: bool) -> Vec<u8> {
        let mut x = seed | 1;
        (0..len)
            .map(|i| {
                if repetitive {
                    (i % 7) as u8
                } else {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    x as u8
                }
            })
            .collect()
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(48))]

        /// Encode then decode is the identity, for one coding or two stacked, whatever
        /// pieces the wire body comes in; the same body short of its last bytes is an error.
        #[test]
        fn any_stack_in_any_pieces_decodes_to_the_data(
            len in 0usize..150_000,
            seed: u64,
            repetitive: bool,
            stack in proptest::collection::vec(0..Encoding::ALL.len(), 1..=2),
            cuts in proptest::collection::vec(proptest::prelude::any::<usize>(), 0..24),
            short in 1usize..4,
        ) {
            let data = sample(len, seed, repetitive);
            let stack: Vec<Encoding> = stack.into_iter().map(|i| Encoding::ALL[i]).collect();
            let mut wire = data.clone();
            for e in &stack {
                wire = e.encode(&wire);
            }
            let codings: Vec<Coding> = stack.iter().map(|e| e.coding()).collect();
            let got = decode_cut(&codings, &wire, &cuts).unwrap();
            proptest::prop_assert!(got == data, "{} bytes back for {}", got.len(), data.len());
            // Cut to nothing it is an empty body, which is fine (nothing was encoded).
            if wire.len() > short {
                let cut = &wire[..wire.len() - short];
                proptest::prop_assert!(decode_cut(&codings, cut, &cuts).is_err());
            }
        }

        /// Any bytes under any stack: pieces out stay bounded and the decoder ends with
        /// data or a typed error, never a panic or a loop.
        #[test]
        fn any_bytes_decode_or_fail_within_bounds(
            wire in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..4096),
            stack in proptest::collection::vec(0..Encoding::ALL.len(), 1..=2),
            cuts in proptest::collection::vec(proptest::prelude::any::<usize>(), 0..8),
        ) {
            let codings: Vec<Coding> = stack.iter().map(|&i| Encoding::ALL[i].coding()).collect();
            let _ = decode_cut(&codings, &wire, &cuts);
        }
    }
}
