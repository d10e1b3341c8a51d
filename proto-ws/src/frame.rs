//! Frame codec (RFC 6455 section 5.2).
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-------+-+-------------+-------------------------------+
//! |F|R|R|R| opcode|M| Payload len |    Extended payload length    |
//! |I|S|S|S|  (4)  |A|     (7)     |             (16/64)           |
//! |N|V|V|V|       |S|             |   (if payload len==126/127)   |
//! | |1|2|3|       |K|             |                               |
//! +-+-+-+-+-------+-+-------------+ - - - - - - - - - - - - - - - +
//! |     Extended payload length continued, if payload len == 127  |
//! + - - - - - - - - - - - - - - - +-------------------------------+
//! |                               |Masking-key, if MASK set to 1  |
//! +-------------------------------+-------------------------------+
//! ```

use crate::ProtocolError;

/// Which end of the connection we are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// The end that sent the opening handshake; masks every frame it sends.
    Client,
    /// The end that accepted it; receives only masked frames.
    Server,
}

/// A frame's opcode. Reserved opcodes are rejected when decoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
#[repr(u8)]
pub enum OpCode {
    /// 0x0: continues a fragmented message.
    Continuation = 0,
    /// 0x1: the first frame of a text message.
    Text = 1,
    /// 0x2: the first frame of a binary message.
    Binary = 2,
    /// 0x8: close.
    Close = 8,
    /// 0x9: ping.
    Ping = 9,
    /// 0xA: pong.
    Pong = 10,
}

impl OpCode {
    /// The opcode for a 4-bit value; `None` for the reserved ones.
    pub const fn from_u8(v: u8) -> Option<OpCode> {
        Some(match v {
            0 => OpCode::Continuation,
            1 => OpCode::Text,
            2 => OpCode::Binary,
            8 => OpCode::Close,
            9 => OpCode::Ping,
            10 => OpCode::Pong,
            _ => return None,
        })
    }

    /// The 4-bit wire value (the discriminant: no table to look it up in).
    pub const fn as_u8(self) -> u8 {
        self as u8
    }

    /// Whether this is a control opcode (close, ping, pong).
    pub const fn is_control(self) -> bool {
        matches!(self, OpCode::Close | OpCode::Ping | OpCode::Pong)
    }
}

/// The longest frame header: 2 bytes, 8 of extended length, 4 of masking key.
pub const MAX_HEADER_LEN: usize = 14;

/// A decoded or to-be-encoded frame header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameHeader {
    /// Last frame of its message.
    pub fin: bool,
    /// RSV1 (set on the first frame of a compressed message with permessage-deflate).
    pub rsv1: bool,
    /// RSV2 (no extension of ours uses it).
    pub rsv2: bool,
    /// RSV3 (no extension of ours uses it).
    pub rsv3: bool,
    /// The opcode.
    pub opcode: OpCode,
    /// The masking key, present on every client-to-server frame.
    pub mask: Option<[u8; 4]>,
    /// Length of the payload that follows the header.
    pub payload_len: u64,
}

impl FrameHeader {
    /// A header with FIN set and no RSV bits.
    pub const fn new(opcode: OpCode, mask: Option<[u8; 4]>, payload_len: u64) -> FrameHeader {
        FrameHeader {
            fin: true,
            rsv1: false,
            rsv2: false,
            rsv3: false,
            opcode,
            mask,
            payload_len,
        }
    }

    /// Decodes a header from the start of `input`, checking every rule that does not depend on
    /// the connection: reserved opcodes, minimal lengths, the 64-bit top bit, control frames at
    /// most 125 bytes and never fragmented, and the masking rule for `receiver` (a server
    /// receives only masked frames, a client only unmasked ones). RSV bits are left to the
    /// caller, who knows the negotiated extensions.
    ///
    /// `Ok(None)` means more bytes are needed; `Ok(Some((header, header_len)))` otherwise.
    ///
    /// # Errors
    /// The [`ProtocolError`] of the first broken rule.
    #[inline]
    pub fn decode(
        input: &[u8],
        receiver: Role,
    ) -> Result<Option<(FrameHeader, usize)>, ProtocolError> {
        let [b0, b1, ..] = *input else {
            return Ok(None);
        };
        let opcode = OpCode::from_u8(b0 & 0x0f).ok_or(ProtocolError::ReservedOpcode(b0 & 0x0f))?;
        let fin = b0 & 0x80 != 0;
        let masked = b1 & 0x80 != 0;
        match (receiver, masked) {
            (Role::Server, false) => return Err(ProtocolError::UnmaskedFrame),
            (Role::Client, true) => return Err(ProtocolError::MaskedFrame),
            _ => {}
        }
        let len7 = b1 & 0x7f;
        if opcode.is_control() {
            if !fin {
                return Err(ProtocolError::ControlFragmented);
            }
            if len7 > 125 {
                // The extended length, when present, says how long; report what we can.
                return Err(ProtocolError::ControlTooLong(u64::from(len7)));
            }
        }
        let (payload_len, mut pos) = match len7 {
            126 => {
                let Some(b) = input.get(2..4) else {
                    return Ok(None);
                };
                let n = u16::from_be_bytes([b[0], b[1]]);
                if n < 126 {
                    return Err(ProtocolError::NonMinimalLength);
                }
                (u64::from(n), 4)
            }
            127 => {
                let Some(b) = input.get(2..10) else {
                    return Ok(None);
                };
                let mut a = [0u8; 8];
                a.copy_from_slice(b);
                let n = u64::from_be_bytes(a);
                if n >> 63 != 0 {
                    return Err(ProtocolError::LengthTopBit);
                }
                if n <= 0xffff {
                    return Err(ProtocolError::NonMinimalLength);
                }
                (n, 10)
            }
            n => (u64::from(n), 2),
        };
        let mask = if masked {
            let Some(b) = input.get(pos..pos + 4) else {
                return Ok(None);
            };
            pos += 4;
            Some([b[0], b[1], b[2], b[3]])
        } else {
            None
        };
        let header = FrameHeader {
            fin,
            rsv1: b0 & 0x40 != 0,
            rsv2: b0 & 0x20 != 0,
            rsv3: b0 & 0x10 != 0,
            opcode,
            mask,
            payload_len,
        };
        Ok(Some((header, pos)))
    }

    /// The encoded length of this header.
    pub const fn encoded_len(&self) -> usize {
        let len = match self.payload_len {
            0..=125 => 2,
            126..=0xffff => 4,
            _ => 10,
        };
        if self.mask.is_some() { len + 4 } else { len }
    }

    /// Encodes the header (only the header) into `buf`, returning its length. Lengths use the
    /// minimal form.
    ///
    /// A branch on the length form, each form written as one array (the key, if any, as
    /// another). A branch-free selection of the form (conditional moves, then two word stores)
    /// was measured against it with 64 headers of mixed forms per iteration: about twice the
    /// time when the forms repeat in a pattern the branch predictor learns, about a third of it
    /// when their order is random (the benches' header rows have both); the branches were
    /// kept, as a connection's message sizes usually repeat.
    ///
    /// Measured again with fixed-width stores instead (the two first octets; the length as one
    /// 8-octet big-endian store at offset 2 of `len` or `len << 48`; the key at offset 2, 4
    /// or 10 chosen by a select; nothing but the loop's branch left): 1,776 instructions per
    /// 64 headers against 977 for the branches (callgrind), 0.39x fastwebsockets' `fmt_head`
    /// in the repeating rows and 2.05x in the shuffled one. Branching on the 7-bit form alone
    /// (the others selected) took 0.42 of the time in the shuffled row and a quarter to a
    /// third more in the repeating ones. With the branches, this compiles to the instructions `fmt_head` compiles
    /// to (per form: a compare and branch, two or three stores, the length), so the repeating
    /// rows are near parity by construction.
    #[inline]
    pub fn encode_into(&self, buf: &mut [u8; MAX_HEADER_LEN]) -> usize {
        let len = self.payload_len;
        let b0 = self.first_byte();
        let m = if self.mask.is_some() { 0x80 } else { 0 };
        let pos = if len <= 125 {
            buf[..2].copy_from_slice(&[b0, m | len as u8]);
            2
        } else if len <= 0xffff {
            let [l0, l1] = (len as u16).to_be_bytes();
            buf[..4].copy_from_slice(&[b0, m | 126, l0, l1]);
            4
        } else {
            let [l0, l1, l2, l3, l4, l5, l6, l7] = len.to_be_bytes();
            buf[..8].copy_from_slice(&[b0, m | 127, l0, l1, l2, l3, l4, l5]);
            buf[8..10].copy_from_slice(&[l6, l7]);
            10
        };
        match self.mask {
            Some(key) => {
                buf[pos..pos + 4].copy_from_slice(&key);
                pos + 4
            }
            None => pos,
        }
    }

    /// Appends the encoded header (only the header) to `out`.
    ///
    /// Each length form appends one fixed-size array, so the copy compiles to a few stores
    /// instead of a variable-length `memcpy` from a stack buffer (which also stalls on store
    /// forwarding): this is most of the fixed cost of encoding a small frame.
    #[inline(always)]
    pub fn encode(&self, out: &mut Vec<u8>) {
        let b0 = self.first_byte();
        let m = if self.mask.is_some() { 0x80 } else { 0 };
        match self.payload_len {
            n @ 0..=125 => out.extend_from_slice(&[b0, m | n as u8]),
            n @ 126..=0xffff => {
                let [l0, l1] = (n as u16).to_be_bytes();
                out.extend_from_slice(&[b0, m | 126, l0, l1]);
            }
            n => {
                let [l0, l1, l2, l3, l4, l5, l6, l7] = n.to_be_bytes();
                out.extend_from_slice(&[b0, m | 127, l0, l1, l2, l3, l4, l5, l6, l7]);
            }
        }
        if let Some(key) = self.mask {
            out.extend_from_slice(&key);
        }
    }

    /// FIN, RSV1-3 and the opcode.
    #[inline]
    const fn first_byte(&self) -> u8 {
        ((self.fin as u8) << 7)
            | ((self.rsv1 as u8) << 6)
            | ((self.rsv2 as u8) << 5)
            | ((self.rsv3 as u8) << 4)
            | self.opcode.as_u8()
    }
}

/// Appends a whole frame to `out`: the header, then the payload, masked in `out` when the
/// header has a key (the caller's `payload` is not modified).
///
/// Always inlined: a caller's header is usually known where it is built (a constant opcode, no
/// key for a server), and its first byte and length form then fold into a few stores. A
/// payload the vector copy takes (see `mask::extend_copy` and `mask::extend_masked`) goes out
/// with its header in one call: one capacity check, the header in one store, one length update.
#[inline(always)]
pub fn encode_frame(header: &FrameHeader, payload: &[u8], out: &mut Vec<u8>) {
    debug_assert_eq!(header.payload_len, payload.len() as u64);
    #[cfg(target_arch = "x86_64")]
    {
        let (head, head_len) = header.words();
        let done = match header.mask {
            None => {
                payload.len() <= crate::mask::OWN_COPY_MAX
                    && crate::simd::extend_frame_avx2::<false>(out, head, head_len, payload, [0; 4])
            }
            Some(key) => crate::simd::extend_frame_avx2::<true>(out, head, head_len, payload, key),
        };
        if done {
            return;
        }
    }
    header.encode(out);
    match header.mask {
        None => crate::mask::extend_copy(out, payload),
        // Masked while copied: one pass over the payload, not a copy and then a second.
        Some(key) => {
            crate::mask::extend_masked(out, payload, key, 0);
        }
    }
}

impl FrameHeader {
    /// The encoded header as two little-endian words (its octets in order, zeros after them)
    /// and its length ([`FrameHeader::encoded_len`], at most 14), for a store of 16 octets.
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    fn words(&self) -> ((u64, u64), usize) {
        let b0 = u64::from(self.first_byte());
        let m: u64 = if self.mask.is_some() { 0x80 } else { 0 };
        let key = self.mask.map_or(0, |k| u64::from(u32::from_le_bytes(k)));
        let len = self.payload_len;
        let (lo, hi, pos) = if len <= 125 {
            (b0 | (m | len) << 8, 0, 2)
        } else if len <= 0xffff {
            let l = u64::from((len as u16).swap_bytes());
            (b0 | (m | 126) << 8 | l << 16, 0, 4)
        } else {
            // The length's eight octets big-endian: the first six in `lo`, the last two in `hi`.
            let l = len.swap_bytes();
            (b0 | (m | 127) << 8 | l << 16, l >> 48, 10)
        };
        let (lo, hi) = match (self.mask.is_some(), pos) {
            (false, _) => (lo, hi),
            (true, 10) => (lo, hi | key << 16),
            (true, _) => (lo | key << (8 * pos), hi),
        };
        ((lo, hi), if self.mask.is_some() { pos + 4 } else { pos })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(b: &[u8], r: Role) -> Result<Option<(FrameHeader, usize)>, ProtocolError> {
        FrameHeader::decode(b, r)
    }

    #[test]
    fn lengths_7_16_64_and_minimality() {
        for (len, hl) in [
            (0u64, 2),
            (125, 2),
            (126, 4),
            (65535, 4),
            (65536, 10),
            (1 << 40, 10),
        ] {
            let h = FrameHeader::new(OpCode::Binary, None, len);
            let mut out = Vec::new();
            h.encode(&mut out);
            assert_eq!(out.len(), hl);
            assert_eq!(h.encoded_len(), hl);
            assert_eq!(dec(&out, Role::Client), Ok(Some((h, hl))));
            for cut in 0..hl {
                assert_eq!(dec(&out[..cut], Role::Client), Ok(None));
            }
        }
        assert_eq!(
            dec(&[0x82, 126, 0, 125], Role::Client),
            Err(ProtocolError::NonMinimalLength)
        );
        assert_eq!(
            dec(&[0x82, 127, 0, 0, 0, 0, 0, 0, 0xff, 0xff], Role::Client),
            Err(ProtocolError::NonMinimalLength)
        );
        assert_eq!(
            dec(&[0x82, 127, 0x80, 0, 0, 0, 0, 0, 0, 0], Role::Client),
            Err(ProtocolError::LengthTopBit)
        );
    }

    #[test]
    fn encode_appends_what_encode_into_writes_for_every_form() {
        for len in [0u64, 1, 125, 126, 1000, 65535, 65536, 1 << 40] {
            for mask in [None, Some([0x37, 0xfa, 0x21, 0x3d])] {
                for bits in 0..32u8 {
                    let mut h = FrameHeader::new(OpCode::Text, mask, len);
                    h.fin = bits & 1 != 0;
                    h.rsv1 = bits & 2 != 0;
                    h.rsv2 = bits & 4 != 0;
                    h.rsv3 = bits & 8 != 0;
                    h.opcode = if bits & 16 != 0 {
                        OpCode::Continuation
                    } else {
                        OpCode::Binary
                    };
                    let mut buf = [0u8; MAX_HEADER_LEN];
                    let n = h.encode_into(&mut buf);
                    let mut out = vec![0xee];
                    h.encode(&mut out);
                    assert_eq!(out[0], 0xee);
                    assert_eq!(&out[1..], &buf[..n], "{h:?}");
                    assert_eq!(n, h.encoded_len());
                }
            }
        }
    }

    /// RFC 6455 section 5.2 written out byte by byte: the reference for the encoders.
    fn reference_header(h: &FrameHeader) -> Vec<u8> {
        let mut b0 = h.opcode.as_u8();
        for (bit, set) in [
            (0x80, h.fin),
            (0x40, h.rsv1),
            (0x20, h.rsv2),
            (0x10, h.rsv3),
        ] {
            if set {
                b0 |= bit;
            }
        }
        let mask_bit = if h.mask.is_some() { 0x80 } else { 0 };
        let mut out = vec![b0];
        if h.payload_len <= 125 {
            out.push(mask_bit | h.payload_len as u8);
        } else if h.payload_len <= 65535 {
            out.push(mask_bit | 126);
            out.push((h.payload_len >> 8) as u8);
            out.push(h.payload_len as u8);
        } else {
            out.push(mask_bit | 127);
            for shift in (0..8).rev() {
                out.push((h.payload_len >> (8 * shift)) as u8);
            }
        }
        if let Some(key) = h.mask {
            out.extend_from_slice(&key);
        }
        out
    }

    #[test]
    fn encoders_match_the_reference_at_every_length_boundary_and_first_byte() {
        let lens = [
            0u64,
            1,
            124,
            125,
            126,
            127,
            255,
            256,
            1000,
            65534,
            65535,
            65536,
            65537,
            1 << 32,
            (1 << 40) + 0x0102_0304,
            0x0123_4567_89ab_cdef,
            (1 << 63) - 1,
            u64::MAX,
        ];
        let ops = [
            OpCode::Continuation,
            OpCode::Text,
            OpCode::Binary,
            OpCode::Close,
            OpCode::Ping,
            OpCode::Pong,
        ];
        for len in lens {
            for mask in [
                None,
                Some([0x37, 0xfa, 0x21, 0x3d]),
                Some([0xff; 4]),
                Some([0; 4]),
            ] {
                for op in ops {
                    for bits in 0..16u8 {
                        let h = FrameHeader {
                            fin: bits & 1 != 0,
                            rsv1: bits & 2 != 0,
                            rsv2: bits & 4 != 0,
                            rsv3: bits & 8 != 0,
                            opcode: op,
                            mask,
                            payload_len: len,
                        };
                        let want = reference_header(&h);
                        // Whatever the buffer held before.
                        for fill in [0x00, 0xff] {
                            let mut buf = [fill; MAX_HEADER_LEN];
                            let n = h.encode_into(&mut buf);
                            assert_eq!(&buf[..n], &want[..], "{h:?}");
                        }
                        assert_eq!(h.encoded_len(), want.len(), "{h:?}");
                        let mut out = vec![0xee];
                        h.encode(&mut out);
                        assert_eq!(&out[1..], &want[..], "{h:?}");
                        // What a receiver decodes (the rules it checks allowing).
                        let receiver = if mask.is_some() {
                            Role::Server
                        } else {
                            Role::Client
                        };
                        if len >> 63 == 0 && (!op.is_control() || (h.fin && len <= 125)) {
                            assert_eq!(dec(&want, receiver), Ok(Some((h, want.len()))));
                        }
                    }
                }
            }
        }
    }

    /// A payload length in every form and at its edges, or any at all.
    fn any_len() -> impl proptest::strategy::Strategy<Value = u64> {
        use proptest::prelude::*;
        prop_oneof![
            0u64..=140,
            65_400u64..=65_700,
            any::<u64>(),
            any::<u16>().prop_map(u64::from),
            any::<u32>().prop_map(u64::from),
            (0u32..64).prop_map(|k| (1u64 << k).wrapping_sub(1)),
            (0u32..64).prop_map(|k| 1u64 << k),
        ]
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

        /// Any length, key, opcode and first-byte bits: `encode_into` (whatever its buffer held
        /// before), `encode`, `encoded_len` and (on x86-64) the words `encode_frame` stores
        /// give the octets of `reference_header`, and a receiver decodes them back to the
        /// header where its rules allow.
        #[test]
        fn encoders_match_the_reference_for_any_header(
            len in any_len(),
            mask in proptest::option::of(proptest::prelude::any::<[u8; 4]>()),
            op in proptest::sample::select(vec![
                OpCode::Continuation,
                OpCode::Text,
                OpCode::Binary,
                OpCode::Close,
                OpCode::Ping,
                OpCode::Pong,
            ]),
            bits in 0..16u8,
            fill in proptest::prelude::any::<u8>(),
        ) {
            let h = FrameHeader {
                fin: bits & 1 != 0,
                rsv1: bits & 2 != 0,
                rsv2: bits & 4 != 0,
                rsv3: bits & 8 != 0,
                opcode: op,
                mask,
                payload_len: len,
            };
            let want = reference_header(&h);
            let mut buf = [fill; MAX_HEADER_LEN];
            let n = h.encode_into(&mut buf);
            proptest::prop_assert_eq!(&buf[..n], &want[..]);
            proptest::prop_assert_eq!(h.encoded_len(), want.len());
            let mut out = vec![fill];
            h.encode(&mut out);
            proptest::prop_assert_eq!(&out[1..], &want[..]);
            #[cfg(target_arch = "x86_64")]
            {
                let ((lo, hi), k) = h.words();
                let mut words = lo.to_le_bytes().to_vec();
                words.extend_from_slice(&hi.to_le_bytes());
                proptest::prop_assert_eq!(&words[..k], &want[..]);
            }
            let receiver = if mask.is_some() { Role::Server } else { Role::Client };
            if len >> 63 == 0 && (!op.is_control() || (h.fin && len <= 125)) {
                proptest::prop_assert_eq!(dec(&want, receiver), Ok(Some((h, want.len()))));
            }
        }
    }

    #[test]
    fn opcodes_control_rules_and_masking_by_role() {
        for op in [3u8, 4, 5, 6, 7, 11, 12, 13, 14, 15] {
            assert_eq!(
                dec(&[0x80 | op, 0], Role::Client),
                Err(ProtocolError::ReservedOpcode(op))
            );
            assert!(OpCode::from_u8(op).is_none());
        }
        for op in [0u8, 1, 2, 8, 9, 10] {
            assert_eq!(OpCode::from_u8(op).map(OpCode::as_u8), Some(op));
        }
        assert_eq!(
            dec(&[0x09, 0], Role::Client),
            Err(ProtocolError::ControlFragmented)
        );
        assert_eq!(
            dec(&[0x89, 126, 0, 126], Role::Client),
            Err(ProtocolError::ControlTooLong(126))
        );
        assert!(dec(&[0x89, 125], Role::Client).unwrap().is_some());
        assert_eq!(
            dec(&[0x81, 0], Role::Server),
            Err(ProtocolError::UnmaskedFrame)
        );
        assert_eq!(
            dec(&[0x81, 0x80, 1, 2, 3, 4], Role::Client),
            Err(ProtocolError::MaskedFrame)
        );
        let (h, n) = dec(&[0xf1, 0x80, 1, 2, 3, 4], Role::Server)
            .unwrap()
            .unwrap();
        assert_eq!(n, 6);
        assert!(h.fin && h.rsv1 && h.rsv2 && h.rsv3);
        assert_eq!(h.mask, Some([1, 2, 3, 4]));
    }

    #[test]
    fn encode_frame_masks_in_output_only() {
        let payload = b"Hello";
        let h = FrameHeader::new(OpCode::Text, Some([0x37, 0xfa, 0x21, 0x3d]), 5);
        let mut out = Vec::new();
        encode_frame(&h, payload, &mut out);
        // RFC 6455 section 5.7: a single-frame masked text message "Hello".
        assert_eq!(
            out,
            [
                0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58
            ]
        );
        assert_eq!(payload, b"Hello");
    }

    /// `encode_frame` (which writes header and payload in one call when the vector copy takes
    /// the payload) gives the octets of the header's `encode` followed by the payload, masked
    /// byte by byte, for every length form, with and without a key and every first bit and
    /// RSV bit, behind any octets already in the output; and the frame decodes back.
    #[test]
    fn encode_frame_is_header_encode_then_payload() {
        let key = [0x37, 0xfa, 0x21, 0x3d];
        let lens = (0..40)
            .chain(120..135)
            .chain([1023, 1024, 1025, 65535, 65536, 65536 + 33])
            .chain([crate::mask::OWN_COPY_MAX, crate::mask::OWN_COPY_MAX + 1]);
        for len in lens {
            let payload: Vec<u8> = (0..len).map(|i| (i * 31 + 7) as u8).collect();
            for mask in [None, Some(key)] {
                for (fin, rsv1) in [(true, false), (false, true)] {
                    let mut h = FrameHeader::new(OpCode::Binary, mask, len as u64);
                    h.fin = fin;
                    h.rsv1 = rsv1;
                    for prefix in [0usize, 1, 5, 31] {
                        let mut want = vec![0xee; prefix];
                        h.encode(&mut want);
                        let at = want.len();
                        want.extend_from_slice(&payload);
                        if let Some(k) = mask {
                            crate::mask::apply_mask_bytewise(&mut want[at..], k, 0);
                        }
                        let mut got = vec![0xee; prefix];
                        encode_frame(&h, &payload, &mut got);
                        assert_eq!(got, want, "len {len} mask {mask:?} prefix {prefix}");
                        let role = if mask.is_some() {
                            Role::Server
                        } else {
                            Role::Client
                        };
                        let (back, hl) = dec(&got[prefix..], role).unwrap().unwrap();
                        assert_eq!((back, prefix + hl + len), (h, got.len()));
                    }
                }
            }
        }
    }
}
