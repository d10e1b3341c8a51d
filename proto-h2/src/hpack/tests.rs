//! Property tests of the whole codec: encode -> decode identity (with table size changes) in
//! our decoder and in fluke-hpack, and differential decoding against fluke-hpack on structured
//! and on arbitrary blocks.
//!
//! fluke-hpack is the oracle. It panics on some malformed blocks (a truncated size update such
//! as the single byte `0x3f`): a panic counts as a rejection, and ours must reject those too.
//! Where the RFC asks for more than fluke-hpack checks, the difference is listed in
//! [`agree`] and nowhere else.

use std::panic::{AssertUnwindSafe, catch_unwind};

use proptest::prelude::*;

use super::{DecodeError, Decoder, Encoder, Header, huffman, integer};

type Fields = Vec<(Vec<u8>, Vec<u8>)>;

/// fluke-hpack's verdict on a block: `None` when it panicked.
fn fluke_decode(
    d: &mut fluke_hpack::Decoder<'_>,
    block: &[u8],
) -> Option<Result<Fields, fluke_hpack::decoder::DecoderError>> {
    // Keep the expected panics of the oracle out of the test output.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let r = catch_unwind(AssertUnwindSafe(|| d.decode(block))).ok();
    std::panic::set_hook(hook);
    r
}

fn our_decode(d: &mut Decoder, block: &[u8]) -> Result<Fields, DecodeError> {
    let mut out = Vec::new();
    d.decode(block, |h| out.push((h.name.to_vec(), h.value.to_vec())))?;
    Ok(out)
}

/// Whether the two verdicts agree. Returns whether decoding may go on with the next block.
///
/// The differences allowed, each where we follow RFC 7541 more closely than fluke-hpack:
/// - a size update after a header field: section 4.2 says it "MUST occur at the beginning" of
///   a block; fluke-hpack applies it anywhere (unless it ends the block);
/// - a block made only of size updates: an empty header list for us; fluke-hpack rejects any
///   block that ends with a size update, which the RFC does not ask for.
fn agree(
    block: &[u8],
    ours: &Result<Fields, DecodeError>,
    fluke: &Option<Result<Fields, fluke_hpack::decoder::DecoderError>>,
) -> Result<bool, TestCaseError> {
    use fluke_hpack::decoder::DecoderError as F;
    match (ours, fluke) {
        (Ok(a), Some(Ok(b))) => {
            prop_assert_eq!(a, b, "block {:02x?}", block);
            Ok(true)
        }
        (Err(_), None) | (Err(_), Some(Err(_))) => Ok(false),
        (Err(DecodeError::SizeUpdateNotAtStart), Some(Ok(_))) => Ok(false),
        (Ok(a), Some(Err(F::SizeUpdateAtEnd))) if a.is_empty() => Ok(false),
        (a, b) => {
            prop_assert!(
                false,
                "disagreement on {:02x?}: ours {:?}, fluke-hpack {:?}",
                block,
                a,
                b
            );
            Ok(false)
        }
    }
}

/// One field representation (or size update) of a structured block.
#[derive(Debug, Clone)]
enum Rep {
    Indexed(usize),
    Literal {
        kind: u8,
        name_index: usize,
        name: Vec<u8>,
        value: Vec<u8>,
        huff_name: bool,
        huff_value: bool,
    },
    SizeUpdate(usize),
}

fn string(out: &mut Vec<u8>, s: &[u8], huff: bool) {
    if huff {
        integer::encode(out, 0x80, 7, huffman::encoded_len(s));
        huffman::encode(s, out);
    } else {
        integer::encode(out, 0, 7, s.len());
        out.extend_from_slice(s);
    }
}

fn serialize(reps: &[Rep]) -> Vec<u8> {
    let mut out = Vec::new();
    for r in reps {
        match r {
            Rep::Indexed(i) => integer::encode(&mut out, 0x80, 7, *i),
            Rep::SizeUpdate(n) => integer::encode(&mut out, 0x20, 5, *n),
            Rep::Literal {
                kind,
                name_index,
                name,
                value,
                huff_name,
                huff_value,
            } => {
                match kind {
                    0 => integer::encode(&mut out, 0x40, 6, *name_index),
                    1 => integer::encode(&mut out, 0x00, 4, *name_index),
                    _ => integer::encode(&mut out, 0x10, 4, *name_index),
                }
                if *name_index == 0 {
                    string(&mut out, name, *huff_name);
                }
                string(&mut out, value, *huff_value);
            }
        }
    }
    out
}

fn small_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => proptest::collection::vec(prop_oneof![Just(b'a'), Just(b'x'), Just(b'-'), Just(b'1')], 0..12),
        1 => proptest::collection::vec(any::<u8>(), 0..40),
    ]
}

fn rep() -> impl Strategy<Value = Rep> {
    prop_oneof![
        4 => (0usize..80).prop_map(Rep::Indexed),
        6 => (0u8..3, prop_oneof![Just(0usize), 0usize..80], small_bytes(), small_bytes(), any::<bool>(), any::<bool>())
            .prop_map(|(kind, name_index, name, value, huff_name, huff_value)| Rep::Literal { kind, name_index, name, value, huff_name, huff_value }),
        1 => prop_oneof![0usize..300, 0usize..5000].prop_map(Rep::SizeUpdate),
    ]
}

/// A block: structured representations, sometimes with one octet changed or the end cut.
fn block() -> impl Strategy<Value = Vec<u8>> {
    (
        proptest::collection::vec(rep(), 0..10),
        0u8..4,
        any::<usize>(),
        any::<u8>(),
    )
        .prop_map(|(reps, mutate, at, byte)| {
            let mut b = serialize(&reps);
            if !b.is_empty() {
                let at = at % b.len();
                match mutate {
                    0 => b[at] = byte,
                    1 => b.truncate(at),
                    _ => {}
                }
            }
            b
        })
}

fn run_differential(blocks: &[Vec<u8>]) -> Result<(), TestCaseError> {
    let mut ours = Decoder::new();
    ours.set_max_header_list_size(usize::MAX);
    let mut fluke = fluke_hpack::Decoder::new();
    fluke.set_max_allowed_table_size(4096);
    for b in blocks {
        let a = our_decode(&mut ours, b);
        let f = fluke_decode(&mut fluke, b);
        if !agree(b, &a, &f)? {
            break;
        }
    }
    Ok(())
}

#[derive(Debug, Clone)]
enum Step {
    Block(Vec<(Vec<u8>, Vec<u8>, bool)>),
    TableSize(usize),
}

fn field() -> impl Strategy<Value = (Vec<u8>, Vec<u8>, bool)> {
    let name = prop_oneof![
        Just(b":method".to_vec()),
        Just(b":path".to_vec()),
        Just(b"cookie".to_vec()),
        Just(b"authorization".to_vec()),
        Just(b"accept-encoding".to_vec()),
        Just(b"x-a".to_vec()),
        Just(b"x-b".to_vec()),
        proptest::collection::vec(any::<u8>(), 0..20),
    ];
    let value = prop_oneof![
        Just(b"GET".to_vec()),
        Just(b"gzip, deflate".to_vec()),
        Just(b"/".to_vec()),
        proptest::collection::vec(prop_oneof![Just(b'a'), Just(b'b')], 0..4),
        proptest::collection::vec(any::<u8>(), 0..60),
        proptest::collection::vec(any::<u8>(), 0..2000),
    ];
    (name, value, proptest::bool::weighted(0.1))
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        8 => proptest::collection::vec(field(), 0..12).prop_map(Step::Block),
        1 => prop_oneof![0usize..200, 0usize..8192].prop_map(Step::TableSize),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Our encoder's output decodes to the input in our decoder and in fluke-hpack, across
    /// table size changes (settings the decoder sets and the encoder is told about).
    #[test]
    fn encode_decode_identity(steps in proptest::collection::vec(step(), 1..12)) {
        let (mut e, mut d, mut f) = (Encoder::new(), Decoder::new(), fluke_hpack::Decoder::new());
        d.set_max_header_list_size(usize::MAX);
        let mut block = Vec::new();
        for s in steps {
            match s {
                Step::TableSize(n) => {
                    e.set_max_table_size(n);
                    d.set_max_table_size(n);
                    f.set_max_allowed_table_size(n);
                }
                Step::Block(fields) => {
                    block.clear();
                    e.encode_headers(fields.iter().map(|(n, v, s)| Header { name: n, value: v, sensitive: *s }), &mut block);
                    let mut got = Vec::new();
                    d.decode(&block, |h| got.push((h.name.to_vec(), h.value.to_vec(), h.sensitive))).unwrap();
                    prop_assert_eq!(got.len(), fields.len());
                    for (g, w) in got.iter().zip(&fields) {
                        prop_assert_eq!(&g.0, &w.0);
                        prop_assert_eq!(&g.1, &w.1);
                        // Fields marked sensitive arrive sensitive.
                        prop_assert!(g.2 || !w.2);
                    }
                    let theirs = fluke_decode(&mut f, &block);
                    let want: Fields = fields.into_iter().map(|(n, v, _)| (n, v)).collect();
                    if want.is_empty() {
                        // A block of only a size update: see `agree`.
                        agree(&block, &Ok(want), &theirs)?;
                    } else {
                        prop_assert_eq!(theirs, Some(Ok(want)));
                    }
                    prop_assert_eq!(d.table_size(), e.table_size());
                }
            }
        }
    }

    /// Structured blocks (with mutations): both decoders agree.
    #[test]
    fn differential_structured(blocks in proptest::collection::vec(block(), 1..6)) {
        run_differential(&blocks)?;
    }

    /// Arbitrary bytes: never a panic, and both decoders agree.
    #[test]
    fn differential_arbitrary_bytes(blocks in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..64), 1..4)) {
        run_differential(&blocks)?;
    }

    /// Arbitrary bytes under small limits: never a panic, and the limit holds.
    #[test]
    fn arbitrary_bytes_under_limits(blocks in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..256), 1..4), limit in 0usize..200, table in 0usize..300) {
        let mut d = Decoder::new();
        d.set_max_header_list_size(limit);
        d.set_max_table_size(table);
        for b in &blocks {
            let mut size = 0;
            let r = d.decode(b, |h| size += h.name.len() + h.value.len() + 32);
            prop_assert!(size <= limit);
            prop_assert!(d.table_size() <= d.table_capacity() && d.table_capacity() <= table.max(4096));
            if matches!(r, Err(e) if e.is_compression_error()) {
                break;
            }
        }
    }
}

/// The single octet `0x3f` (a truncated size update) makes fluke-hpack panic; we reject it.
#[test]
fn truncated_size_update_panics_the_oracle_and_is_rejected_here() {
    let mut f = fluke_hpack::Decoder::new();
    assert!(fluke_decode(&mut f, &[0x3f]).is_none());
    assert_eq!(
        our_decode(&mut Decoder::new(), &[0x3f]),
        Err(DecodeError::Truncated)
    );
}
