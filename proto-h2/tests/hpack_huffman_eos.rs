//! RFC 7541 5.2: "A Huffman-encoded string literal containing the EOS symbol MUST be treated
//! as a decoding error." Checked through the public [`Decoder`] with the EOS code (30 one
//! bits) at the start, in the middle and at the end of a string, in a field name and value;
//! strings without it decode. (Unit tests of the Huffman decoder itself, kept here because
//! `src/hpack` is being changed elsewhere.)

use proto_h2::hpack::{DecodeError, Decoder};

/// Huffman codes from RFC 7541 Appendix B: (code, bit length).
const A: (u32, u32) = (0x3, 5); // 'a' 00011
const B: (u32, u32) = (0x23, 6); // 'b' 100011
const C: (u32, u32) = (0x4, 5); // 'c' 00100
const EOS: (u32, u32) = (0x3fff_ffff, 30);

/// The codes packed most significant bit first, the last byte padded with ones (the prefix
/// of EOS, as 5.2 requires).
fn huffman(codes: &[(u32, u32)]) -> Vec<u8> {
    let mut bits: Vec<bool> = Vec::new();
    for &(code, len) in codes {
        for i in (0..len).rev() {
            bits.push(code >> i & 1 == 1);
        }
    }
    while !bits.len().is_multiple_of(8) {
        bits.push(true);
    }
    bits.chunks(8)
        .map(|b| b.iter().fold(0u8, |acc, &bit| acc << 1 | u8::from(bit)))
        .collect()
}

/// A string literal with the Huffman bit (lengths under 127).
fn literal(huff: &[u8]) -> Vec<u8> {
    assert!(huff.len() < 127);
    let mut v = vec![0x80 | huff.len() as u8];
    v.extend_from_slice(huff);
    v
}

/// "Literal Header Field without Indexing -- New Name" (6.2.2) with a Huffman name and value.
fn field(name: &[u8], value: &[u8]) -> Vec<u8> {
    let mut block = vec![0x00];
    block.extend(literal(name));
    block.extend(literal(value));
    block
}

/// Decoded (name, value) pairs.
type Fields = Vec<(Vec<u8>, Vec<u8>)>;

fn decode(block: &[u8]) -> Result<Fields, DecodeError> {
    let mut d = Decoder::new();
    let mut fields = Vec::new();
    d.decode(block, |h| fields.push((h.name.to_vec(), h.value.to_vec())))?;
    Ok(fields)
}

#[test]
fn strings_without_eos_decode() {
    let block = field(&huffman(&[A, B]), &huffman(&[C, A, B]));
    assert_eq!(decode(&block), Ok(vec![(b"ab".to_vec(), b"cab".to_vec())]));
}

#[test]
fn eos_in_the_middle_of_a_value_is_a_decoding_error() {
    let block = field(&huffman(&[A]), &huffman(&[A, EOS, B]));
    assert_eq!(decode(&block), Err(DecodeError::InvalidHuffman));
}

#[test]
fn eos_in_the_middle_of_a_name_is_a_decoding_error() {
    let block = field(&huffman(&[A, B, EOS, C, A]), &huffman(&[A]));
    assert_eq!(decode(&block), Err(DecodeError::InvalidHuffman));
}

#[test]
fn eos_at_the_end_of_a_string_is_a_decoding_error() {
    // 41 bits then 7 bits of padding: EOS is whole, not padding.
    let block = field(&huffman(&[A]), &huffman(&[A, B, EOS]));
    assert_eq!(decode(&block), Err(DecodeError::InvalidHuffman));
    // EOS ending exactly on a byte boundary (5 + 5 + 30 = 40 bits), no padding at all.
    let exact = huffman(&[A, C, EOS]);
    assert_eq!(exact.len(), 5);
    let block = field(&huffman(&[A]), &exact);
    assert_eq!(decode(&block), Err(DecodeError::InvalidHuffman));
}

#[test]
fn eos_alone_or_first_is_a_decoding_error() {
    let block = field(&huffman(&[A]), &huffman(&[EOS]));
    assert_eq!(decode(&block), Err(DecodeError::InvalidHuffman));
    let block = field(&huffman(&[A]), &huffman(&[EOS, A, B]));
    assert_eq!(decode(&block), Err(DecodeError::InvalidHuffman));
}

#[test]
fn h2spec_2_6_0_hpack_5_2_3_bytes_are_a_decoding_error() {
    // h2spec 2.6.0 `hpack/5.2/3`: the value `49 51 ff ff ff fa 7f` holds EOS after its first
    // symbols.
    let block = [
        0x00, 0x85, 0xf2, 0xb2, 0x4a, 0x84, 0xff, 0x87, 0x49, 0x51, 0xff, 0xff, 0xff, 0xfa, 0x7f,
    ];
    assert_eq!(decode(&block), Err(DecodeError::InvalidHuffman));
    // The same name with a valid value decodes: the error is the value's EOS.
    let mut ok = block[..7].to_vec();
    ok.extend(literal(&huffman(&[A, B])));
    assert!(decode(&ok).is_ok());
}
