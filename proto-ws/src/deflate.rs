//! permessage-deflate (RFC 7692): parameter negotiation and the per-connection compressor and
//! decompressor.
//!
//! Built on `flate2` with its `zlib-rs` backend: raw DEFLATE streams, sync flush, and a choice of
//! window bits 9..=15 for the compressor. A window of 8 bits cannot be produced by zlib's raw
//! deflate; when the peer limits our window to 8 we accept the parameter and send our messages
//! uncompressed (RSV1 clear), which RFC 7692 allows per message. The decompressor always uses a
//! 15-bit window, which inflates streams made with any smaller window.

use crate::ProtocolError;
use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};

/// The extension's registered name.
pub const EXTENSION_NAME: &str = "permessage-deflate";

/// The smallest window our compressor can use.
const MIN_COMPRESS_BITS: u8 = 9;

/// What a client offers or a server is willing to accept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeflateConfig {
    /// Client: ask the server not to keep its compression context between messages. Server:
    /// never keep ours, even when the client did not ask.
    pub server_no_context_takeover: bool,
    /// Client: promise (and declare) not to keep our compression context. Server: ask the
    /// client not to keep its context.
    pub client_no_context_takeover: bool,
    /// Client: ask the server to use at most this window (8..=15). Server: use at most this
    /// window ourselves.
    pub server_max_window_bits: Option<u8>,
    /// Client: declare that we can limit our window, to at most this value (15 offers the
    /// parameter without a value). Server: when the client declared it, ask it for this window.
    pub client_max_window_bits: Option<u8>,
    /// Compression level 0..=9 for our messages.
    pub level: u32,
}

impl Default for DeflateConfig {
    /// Offers/accepts permessage-deflate with context takeover, 15-bit windows, declares
    /// `client_max_window_bits` support, level 6.
    fn default() -> Self {
        DeflateConfig {
            server_no_context_takeover: false,
            client_no_context_takeover: false,
            server_max_window_bits: None,
            client_max_window_bits: Some(15),
            level: 6,
        }
    }
}

/// The parameters in force on a connection, after negotiation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeflateParams {
    /// The server resets its compression context after each message.
    pub server_no_context_takeover: bool,
    /// The client resets its compression context after each message.
    pub client_no_context_takeover: bool,
    /// The server's compression window (8..=15; a value outside is taken as the nearest one,
    /// in [`response_header`](Self::response_header) and by the connection alike).
    pub server_max_window_bits: u8,
    /// The client's compression window (8..=15; a value outside is taken as the nearest one,
    /// in [`response_header`](Self::response_header) and by the connection alike).
    pub client_max_window_bits: u8,
    /// Our compression level (local, not negotiated).
    pub level: u32,
}

/// One extension offer or response, parsed.
#[derive(Default, Debug, PartialEq, Eq)]
struct Params {
    server_nct: bool,
    client_nct: bool,
    server_mwb: Option<u8>,
    /// `Some(None)`: present without a value.
    client_mwb: Option<Option<u8>>,
}

fn trim(b: &[u8]) -> &[u8] {
    let s = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    let e = b
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(s, |e| e + 1);
    &b[s..e.max(s)]
}

fn bits(v: &[u8]) -> Option<u8> {
    let v = trim(v);
    let v = v
        .strip_prefix(b"\"")
        .and_then(|v| v.strip_suffix(b"\""))
        .unwrap_or(v);
    if v.is_empty() || v.len() > 2 || !v.iter().all(u8::is_ascii_digit) || v[0] == b'0' {
        return None;
    }
    let n = v.iter().fold(0u8, |a, d| a * 10 + (d - b'0'));
    (8..=15).contains(&n).then_some(n)
}

/// Splits an extension list into extensions (name, params) by commas.
pub(crate) fn split_extensions(value: &[u8]) -> impl Iterator<Item = &[u8]> {
    value
        .split(|&c| c == b',')
        .map(trim)
        .filter(|e| !e.is_empty())
}

/// The name of one extension element (`name; p=v`).
pub(crate) fn extension_name(ext: &[u8]) -> &[u8] {
    trim(ext.split(|&c| c == b';').next().unwrap_or(b""))
}

/// Parses the parameters of one `permessage-deflate` element; `None` when one is unknown,
/// repeated or has a bad value.
fn parse_params(ext: &[u8]) -> Option<Params> {
    let mut p = Params::default();
    for param in ext.split(|&c| c == b';').skip(1) {
        let param = trim(param);
        let (name, value) = match param.iter().position(|&c| c == b'=') {
            Some(i) => (trim(&param[..i]), Some(&param[i + 1..])),
            None => (param, None),
        };
        match (name.to_ascii_lowercase().as_slice(), value) {
            (b"server_no_context_takeover", None) if !p.server_nct => p.server_nct = true,
            (b"client_no_context_takeover", None) if !p.client_nct => p.client_nct = true,
            (b"server_max_window_bits", Some(v)) if p.server_mwb.is_none() => {
                p.server_mwb = Some(bits(v)?)
            }
            (b"client_max_window_bits", None) if p.client_mwb.is_none() => {
                p.client_mwb = Some(None)
            }
            (b"client_max_window_bits", Some(v)) if p.client_mwb.is_none() => {
                p.client_mwb = Some(Some(bits(v)?))
            }
            _ => return None,
        }
    }
    Some(p)
}

impl DeflateParams {
    /// The `Sec-WebSocket-Extensions` value of a server's response accepting these parameters.
    pub fn response_header(&self) -> String {
        let mut s = String::from(EXTENSION_NAME);
        if self.server_no_context_takeover {
            s.push_str("; server_no_context_takeover");
        }
        if self.client_no_context_takeover {
            s.push_str("; client_no_context_takeover");
        }
        // RFC 7692 section 7.1.2: a window of 8..=15 bits; below 8 our compressor sends
        // uncompressed messages, as at 8, and above 15 it uses 15.
        let server_bits = self.server_max_window_bits.clamp(8, 15);
        if server_bits < 15 {
            s.push_str(&format!("; server_max_window_bits={server_bits}"));
        }
        let client_bits = self.client_max_window_bits.clamp(8, 15);
        if client_bits < 15 {
            s.push_str(&format!("; client_max_window_bits={client_bits}"));
        }
        s
    }
}

impl DeflateConfig {
    /// The `Sec-WebSocket-Extensions` value a client sends.
    pub fn offer_header(&self) -> String {
        let mut s = String::from(EXTENSION_NAME);
        if self.server_no_context_takeover {
            s.push_str("; server_no_context_takeover");
        }
        if self.client_no_context_takeover {
            s.push_str("; client_no_context_takeover");
        }
        if let Some(b) = self.server_max_window_bits {
            s.push_str(&format!("; server_max_window_bits={}", b.clamp(8, 15)));
        }
        match self.client_max_window_bits {
            Some(b) if b < 15 => s.push_str(&format!("; client_max_window_bits={}", b.max(8))),
            Some(_) => s.push_str("; client_max_window_bits"),
            None => {}
        }
        s
    }

    /// Server side: picks the first acceptable `permessage-deflate` offer among the values of
    /// the request's `Sec-WebSocket-Extensions` headers. Offers with unknown, repeated or
    /// out-of-range parameters are declined (RFC 7692 section 5).
    pub fn accept_offer<'h>(
        &self,
        values: impl IntoIterator<Item = &'h [u8]>,
    ) -> Option<DeflateParams> {
        for value in values {
            for ext in split_extensions(value) {
                if !extension_name(ext).eq_ignore_ascii_case(EXTENSION_NAME.as_bytes()) {
                    continue;
                }
                let Some(offer) = parse_params(ext) else {
                    continue;
                };
                let ours = self.server_max_window_bits.unwrap_or(15).clamp(8, 15);
                let server_bits = offer.server_mwb.map_or(ours, |b| b.min(ours));
                let client_bits = match (offer.client_mwb, self.client_max_window_bits) {
                    (Some(v), Some(want)) => want.clamp(8, 15).min(v.unwrap_or(15)),
                    (Some(Some(v)), None) => v,
                    _ => 15,
                };
                return Some(DeflateParams {
                    server_no_context_takeover: offer.server_nct || self.server_no_context_takeover,
                    client_no_context_takeover: self.client_no_context_takeover,
                    server_max_window_bits: server_bits,
                    client_max_window_bits: client_bits,
                    level: self.level,
                });
            }
        }
        None
    }

    /// Client side: checks the server's `permessage-deflate` response element against what we
    /// offered ([`DeflateConfig::offer_header`]). `None` when it is malformed or asks for
    /// something we did not offer: fail the handshake.
    pub fn check_response(&self, ext: &[u8]) -> Option<DeflateParams> {
        if !extension_name(ext).eq_ignore_ascii_case(EXTENSION_NAME.as_bytes()) {
            return None;
        }
        let r = parse_params(ext)?;
        let server_bits = match (r.server_mwb, self.server_max_window_bits) {
            (Some(b), Some(asked)) if b > asked.clamp(8, 15) => return None,
            (Some(b), _) => b,
            (None, Some(asked)) if asked < 15 => return None,
            (None, _) => 15,
        };
        let client_bits = match (r.client_mwb, self.client_max_window_bits) {
            (None, offered) => offered.unwrap_or(15).clamp(8, 15),
            (Some(Some(b)), Some(offered)) if b <= offered.clamp(8, 15) => b,
            _ => return None,
        };
        Some(DeflateParams {
            server_no_context_takeover: r.server_nct,
            client_no_context_takeover: r.client_nct || self.client_no_context_takeover,
            server_max_window_bits: server_bits,
            client_max_window_bits: client_bits,
            level: self.level,
        })
    }
}

/// Makes room for at least `want` more bytes in `buf` (fewer if that would pass `limit`), with
/// a capacity that never exceeds `limit`: doubling (amortised, like `Vec::reserve`) but capped
/// there, where `Vec::reserve` could overshoot it by up to the whole buffer.
pub(crate) fn grow_within(buf: &mut Vec<u8>, want: usize, limit: usize) {
    let need = buf.len().saturating_add(want).min(limit);
    if need <= buf.capacity() {
        return;
    }
    let cap = buf.capacity().saturating_mul(2).max(need).min(limit);
    buf.reserve_exact(cap - buf.len());
}

/// The compressor and decompressor of one connection.
pub(crate) struct Deflate {
    compress: Option<Compress>,
    decompress: Decompress,
    reset_compress: bool,
    reset_decompress: bool,
    /// Whether the message being inflated had any payload yet.
    fed: bool,
}

impl core::fmt::Debug for Deflate {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Deflate")
            .field("compress", &self.compress.is_some())
            .finish_non_exhaustive()
    }
}

const TAIL: [u8; 4] = [0, 0, 0xff, 0xff];

impl Deflate {
    /// The state for `params`, as the given side.
    pub(crate) fn new(params: &DeflateParams, we_are_server: bool) -> Deflate {
        let (our_bits, our_reset, their_reset) = if we_are_server {
            (
                params.server_max_window_bits,
                params.server_no_context_takeover,
                params.client_no_context_takeover,
            )
        } else {
            (
                params.client_max_window_bits,
                params.client_no_context_takeover,
                params.server_no_context_takeover,
            )
        };
        let compress = (our_bits >= MIN_COMPRESS_BITS).then(|| {
            Compress::new_with_window_bits(
                Compression::new(params.level.min(9)),
                false,
                our_bits.min(15),
            )
        });
        Deflate {
            compress,
            decompress: Decompress::new(false),
            reset_compress: our_reset,
            reset_decompress: their_reset,
            fed: false,
        }
    }

    /// Whether our messages get compressed (the negotiated window suits our compressor).
    pub(crate) fn compresses(&self) -> bool {
        self.compress.is_some()
    }

    /// Compresses one whole message into `out` (appended). `false` when we do not compress
    /// (the negotiated window is too small for our compressor): send it uncompressed.
    pub(crate) fn compress(&mut self, data: &[u8], out: &mut Vec<u8>) -> bool {
        let Some(c) = self.compress.as_mut() else {
            return false;
        };
        let start = out.len();
        let mut rest = data;
        loop {
            out.reserve(rest.len() / 2 + 64);
            let before = c.total_in();
            if c.compress_vec(rest, out, FlushCompress::Sync).is_err() {
                // Cannot happen with a valid stream; fall back to sending uncompressed, with
                // a fresh context so both sides stay in step.
                out.truncate(start);
                c.reset();
                return false;
            }
            rest = &rest[(c.total_in() - before) as usize..];
            if rest.is_empty() && out.len() < out.capacity() {
                break;
            }
        }
        if out[start..].ends_with(&TAIL) {
            out.truncate(out.len() - 4);
        }
        if out.len() == start {
            // Nothing was pending (an empty message): an empty stored block's first byte.
            out.push(0);
        }
        if self.reset_compress {
            c.reset();
        }
        true
    }

    /// Inflates `input` (part of a compressed message), appending to `out`.
    ///
    /// Inflation runs in bounded steps into `out`'s spare capacity, and `out` grows with
    /// [`grow_within`]: its capacity never exceeds `limit`. Once `limit` bytes are out, one
    /// more output byte (probed into a 1-byte buffer) is [`ProtocolError::MessageTooLarge`]:
    /// a deflate bomb costs at most `limit` bytes of buffer, however much it would inflate to.
    pub(crate) fn inflate(
        &mut self,
        mut input: &[u8],
        out: &mut Vec<u8>,
        limit: usize,
    ) -> Result<(), ProtocolError> {
        let too_big = ProtocolError::MessageTooLarge {
            limit: limit as u64,
        };
        self.fed |= !input.is_empty();
        loop {
            if out.len() == out.capacity() {
                if out.len() >= limit {
                    // Any more output is over the limit; see whether there is any.
                    let mut probe = [0u8; 1];
                    let before = self.decompress.total_out();
                    self.decompress
                        .decompress(input, &mut probe, FlushDecompress::None)
                        .map_err(|_| ProtocolError::BadDeflate)?;
                    if self.decompress.total_out() != before {
                        return Err(too_big);
                    }
                    return Ok(());
                }
                grow_within(out, (input.len() * 4).clamp(4096, 1 << 18), limit);
            }
            let (in0, out0) = (self.decompress.total_in(), self.decompress.total_out());
            let status = self
                .decompress
                .decompress_vec(input, out, FlushDecompress::None)
                .map_err(|_| ProtocolError::BadDeflate)?;
            if out.len() > limit {
                return Err(too_big);
            }
            let used = (self.decompress.total_in() - in0) as usize;
            let produced = self.decompress.total_out() - out0;
            input = &input[used..];
            if status == Status::StreamEnd {
                // A final block ends the DEFLATE stream; a new one may follow.
                self.decompress.reset(false);
            }
            if input.is_empty() && out.len() < out.capacity() {
                return Ok(());
            }
            if used == 0 && produced == 0 && out.len() < out.capacity() {
                return Err(ProtocolError::BadDeflate);
            }
        }
    }

    /// Ends a compressed message: feeds the stripped `00 00 ff ff` tail (same bound as
    /// [`inflate`](Self::inflate)).
    pub(crate) fn finish_message(
        &mut self,
        out: &mut Vec<u8>,
        limit: usize,
    ) -> Result<(), ProtocolError> {
        if self.fed {
            self.inflate(&TAIL, out, limit)?;
        }
        self.fed = false;
        if self.reset_decompress {
            self.decompress.reset(false);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_accepts_autobahn_style_offers() {
        let cfg = DeflateConfig::default();
        let p = cfg
            .accept_offer([
                &b"permessage-deflate; client_no_context_takeover; client_max_window_bits"[..],
            ])
            .unwrap();
        assert_eq!(p.server_max_window_bits, 15);
        assert_eq!(p.response_header(), "permessage-deflate");
        let p = cfg
            .accept_offer([
                &b"permessage-deflate; server_no_context_takeover; server_max_window_bits=9"[..],
            ])
            .unwrap();
        assert!(p.server_no_context_takeover);
        assert_eq!(
            p.response_header(),
            "permessage-deflate; server_no_context_takeover; server_max_window_bits=9"
        );
        // First offer invalid (bad value), second accepted.
        let p = cfg
            .accept_offer([
                &b"permessage-deflate; server_max_window_bits=7, permessage-deflate"[..],
            ])
            .unwrap();
        assert_eq!(p.server_max_window_bits, 15);
        assert!(cfg.accept_offer([&b"x-webkit-deflate-frame"[..]]).is_none());
        assert!(
            cfg.accept_offer([&b"permessage-deflate; foo"[..]])
                .is_none()
        );
        assert!(
            cfg.accept_offer([
                &b"permessage-deflate; server_no_context_takeover; server_no_context_takeover"[..]
            ])
            .is_none()
        );
    }

    #[test]
    fn client_checks_responses() {
        let cfg = DeflateConfig {
            client_no_context_takeover: true,
            ..DeflateConfig::default()
        };
        assert_eq!(
            cfg.offer_header(),
            "permessage-deflate; client_no_context_takeover; client_max_window_bits"
        );
        let p = cfg
            .check_response(b"permessage-deflate; client_max_window_bits=9")
            .unwrap();
        assert_eq!(p.client_max_window_bits, 9);
        assert!(p.client_no_context_takeover);
        let no_cmwb = DeflateConfig {
            client_max_window_bits: None,
            ..cfg
        };
        assert!(
            no_cmwb
                .check_response(b"permessage-deflate; client_max_window_bits=9")
                .is_none()
        );
        assert!(cfg.check_response(b"permessage-deflate; bogus=1").is_none());
        assert!(
            cfg.check_response(b"permessage-deflate; server_max_window_bits=16")
                .is_none()
        );
    }

    fn roundtrip(params: DeflateParams, msgs: &[&[u8]]) {
        let mut server = Deflate::new(&params, true);
        let mut client = Deflate::new(&params, false);
        for m in msgs {
            let mut wire = Vec::new();
            assert!(server.compress(m, &mut wire));
            let mut got = Vec::new();
            // Feed in pieces.
            for piece in wire.chunks(3) {
                client.inflate(piece, &mut got, 1 << 20).unwrap();
            }
            client.finish_message(&mut got, 1 << 20).unwrap();
            assert_eq!(&got, m);
        }
    }

    #[test]
    fn compress_inflate_roundtrip_with_every_parameter() {
        let text = b"Hello hello hello hello, permessage-deflate world! ".repeat(50);
        for nct in [false, true] {
            for bits in [9, 12, 15] {
                let params = DeflateParams {
                    server_no_context_takeover: nct,
                    client_no_context_takeover: nct,
                    server_max_window_bits: bits,
                    client_max_window_bits: bits,
                    level: 6,
                };
                roundtrip(params, &[&text, b"", b"x", &text, &text[..100]]);
            }
        }
    }

    #[test]
    fn window_8_sends_uncompressed_and_bombs_are_bounded() {
        let params = DeflateParams {
            server_no_context_takeover: false,
            client_no_context_takeover: false,
            server_max_window_bits: 8,
            client_max_window_bits: 15,
            level: 6,
        };
        let mut server = Deflate::new(&params, true);
        assert!(!server.compress(b"abc", &mut Vec::new()));
        let mut client = Deflate::new(&params, false);
        let mut bomb = Vec::new();
        assert!(client.compress(&vec![0u8; 10 << 20], &mut bomb));
        assert!(bomb.len() < 20_000);
        let mut s2 = Deflate::new(&params, true);
        let mut out = Vec::new();
        let r = s2
            .inflate(&bomb, &mut out, 1 << 20)
            .and_then(|_| s2.finish_message(&mut out, 1 << 20));
        assert_eq!(r, Err(ProtocolError::MessageTooLarge { limit: 1 << 20 }));
        assert!(out.len() <= 2 << 20);
    }
}
