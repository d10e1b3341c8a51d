//! Differential HPACK: our decoder against fluke-hpack (the oracle) on arbitrary blocks, and our
//! encoder's output decoded by both.
//!
//! fluke-hpack panics on some malformed blocks (a truncated size update such as `0x3f`): its
//! panic counts as a rejection, and we must reject those blocks too. The only differences
//! allowed are where we follow RFC 7541 more closely (see `proto-h2/src/hpack/tests.rs`): a
//! size update after a field (we reject it) and a block of only size updates (fluke-hpack
//! rejects it).
#![no_main]

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Once;

use arbitrary::Arbitrary;
use fluke_hpack::decoder::DecoderError as F;
use libfuzzer_sys::fuzz_target;
use proto_h2::hpack::{DecodeError, Decoder, Encoder};

type Fields = Vec<(Vec<u8>, Vec<u8>)>;

thread_local! {
    static IN_ORACLE: Cell<bool> = const { Cell::new(false) };
}

/// libfuzzer-sys's panic hook aborts the process; let the oracle's panics unwind instead.
fn install_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !IN_ORACLE.with(Cell::get) {
                previous(info);
            }
        }));
    });
}

fn fluke(d: &mut fluke_hpack::Decoder<'_>, block: &[u8]) -> Option<Result<Fields, F>> {
    IN_ORACLE.with(|c| c.set(true));
    let r = catch_unwind(AssertUnwindSafe(|| d.decode(block))).ok();
    IN_ORACLE.with(|c| c.set(false));
    r
}

fn ours(d: &mut Decoder, block: &[u8]) -> Result<Fields, DecodeError> {
    let mut out = Vec::new();
    d.decode(block, |h| out.push((h.name.to_vec(), h.value.to_vec())))?;
    Ok(out)
}

#[derive(Arbitrary, Debug)]
struct Input {
    /// Blocks for the differential decoding.
    blocks: Vec<Vec<u8>>,
    /// Header lists for our encoder, with a peer table size before each.
    lists: Vec<(Option<u16>, Vec<(Vec<u8>, Vec<u8>)>)>,
}

fuzz_target!(|input: Input| {
    install_hook();
    let mut d = Decoder::new();
    d.set_max_header_list_size(usize::MAX);
    let mut f = fluke_hpack::Decoder::new();
    f.set_max_allowed_table_size(4096);
    for block in &input.blocks {
        let a = ours(&mut d, block);
        let b = fluke(&mut f, block);
        match (&a, &b) {
            (Ok(x), Some(Ok(y))) => assert_eq!(x, y, "block {block:02x?}"),
            (Err(_), None | Some(Err(_))) => break,
            (Err(DecodeError::SizeUpdateNotAtStart), Some(Ok(_))) => break,
            (Ok(x), Some(Err(F::SizeUpdateAtEnd))) if x.is_empty() => break,
            _ => panic!("disagreement on {block:02x?}: ours {a:?}, fluke-hpack {b:?}"),
        }
    }

    let mut e = Encoder::new();
    let mut d = Decoder::new();
    d.set_max_header_list_size(usize::MAX);
    let mut f = fluke_hpack::Decoder::new();
    let mut block = Vec::new();
    for (size, list) in &input.lists {
        if let Some(n) = size {
            e.set_max_table_size(*n as usize);
            d.set_max_table_size(*n as usize);
            f.set_max_allowed_table_size(*n as usize);
        }
        block.clear();
        e.encode(list.iter().map(|(n, v)| (&n[..], &v[..])), &mut block);
        assert_eq!(ours(&mut d, &block).as_ref(), Ok(list));
        match fluke(&mut f, &block) {
            Some(Ok(got)) => assert_eq!(&got, list),
            Some(Err(F::SizeUpdateAtEnd)) if list.is_empty() => {}
            other => panic!("fluke-hpack on our encoding of {list:?}: {other:?}"),
        }
    }
});
