//! The HPACK decoder (RFC 7541 sections 3, 4 and 6).

use super::table::{DynamicTable, STATIC};
use super::{DEFAULT_MAX_HEADER_LIST_SIZE, DEFAULT_TABLE_SIZE, DecodeError, Header};
use super::{huffman, integer};
use crate::compact;

/// `n`, or `u32::MAX` when it does not fit (a limit kept by a frozen decoder; an entry's
/// lengths always fit, the table being at most `u32::MAX` octets).
fn narrow(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Where a decoded string lives until it is handed to the callback.
#[derive(Clone, Copy)]
enum Src {
    /// `block[start..end]`: a raw literal, borrowed from the input.
    Block(usize, usize),
    /// `scratch[start..end]`: a Huffman-decoded literal.
    Scratch(usize, usize),
    /// A static table name.
    Static(&'static [u8]),
    /// The name of dynamic entry `i`.
    Dynamic(usize),
}

#[inline(always)]
fn resolve<'a>(src: Src, block: &'a [u8], scratch: &'a [u8], table: &'a DynamicTable) -> &'a [u8] {
    match src {
        Src::Block(s, e) => &block[s..e],
        Src::Scratch(s, e) => &scratch[s..e],
        Src::Static(b) => b,
        Src::Dynamic(i) => table.get(i).map_or(&[][..], |(n, _)| n),
    }
}

/// Like [`resolve`] for a source that is not in the dynamic table (so the table can be borrowed
/// mutably meanwhile).
#[inline]
fn resolve_unindexed<'a>(src: Src, block: &'a [u8], scratch: &'a [u8]) -> &'a [u8] {
    match src {
        Src::Block(s, e) => &block[s..e],
        Src::Scratch(s, e) => &scratch[s..e],
        Src::Static(b) => b,
        Src::Dynamic(_) => &[],
    }
}

/// Reads a string literal (RFC 7541 section 5.2) at `*pos`, Huffman-decoding into `scratch`.
///
/// Inlined into the field loop (a raw literal is a few instructions: its length and a range
/// of the block); the Huffman decoder is a call.
#[inline(always)]
fn read_string(
    block: &[u8],
    pos: &mut usize,
    scratch: &mut Vec<u8>,
    memo: &mut Memo,
) -> Result<Src, DecodeError> {
    let rest = &block[*pos..];
    let (len, used) = integer::decode(rest, 7)?;
    let start = *pos + used;
    let end = start
        .checked_add(len)
        .filter(|&e| e <= block.len())
        .ok_or(DecodeError::Truncated)?;
    *pos = end;
    if rest[0] & 0x80 == 0 {
        Ok(Src::Block(start, end))
    } else {
        huffman_string(&block[start..end], scratch, memo)
    }
}

/// Huffman-decodes a string literal's octets to the end of `scratch`, or copies the decoding
/// `memo` remembers for the same octets.
#[inline(never)]
fn huffman_string(src: &[u8], scratch: &mut Vec<u8>, memo: &mut Memo) -> Result<Src, DecodeError> {
    let s = scratch.len();
    if let Some(decoded) = memo.get(src) {
        scratch.extend_from_slice(decoded);
    } else {
        huffman::decode(src, scratch)?;
        memo.put(src, &scratch[s..]);
    }
    Ok(Src::Scratch(s, scratch.len()))
}

/// Octets of a Huffman-coded literal that [`Memo`] keeps, at most (a date, a content type).
const MEMO_CODED: usize = 24;
/// What so many coded octets decode to, at most (every code is at least 5 bits).
const MEMO_DECODED: usize = MEMO_CODED * 8 / 5;
/// Decodings [`Memo`] keeps.
const MEMO_SLOTS: usize = 4;

/// One remembered decoding: the coded octets and what they decode to.
#[derive(Debug, Clone, Copy)]
struct MemoSlot {
    coded_len: u8,
    decoded_len: u8,
    coded: [u8; MEMO_CODED],
    decoded: [u8; MEMO_DECODED],
}

/// The last few short Huffman-coded literals decoded, each with its decoding. A peer that
/// sends the same values as literals on every message (nginx sends `server`, `date` and
/// `content-type` so, Huffman-coded, on every response) has them copied instead of decoded
/// again. A decoding depends on the coded octets alone, so the one kept for octets equal to
/// these is exact; only valid strings are kept. Held in place (no allocation, 256 octets);
/// a string's slot is chosen by its length and its ends.
#[derive(Debug, Clone)]
pub(super) struct Memo {
    slots: [MemoSlot; MEMO_SLOTS],
}

impl Memo {
    pub(super) const fn new() -> Self {
        let empty = MemoSlot {
            coded_len: 0,
            decoded_len: 0,
            coded: [0; MEMO_CODED],
            decoded: [0; MEMO_DECODED],
        };
        Memo {
            slots: [empty; MEMO_SLOTS],
        }
    }

    /// Where `coded` (not empty) is kept, if it is.
    fn slot(coded: &[u8]) -> usize {
        let ends = usize::from(coded[0]) + usize::from(coded[coded.len() - 1]);
        (coded.len() + ends) % MEMO_SLOTS
    }

    /// The decoding kept for `coded`.
    fn get(&self, coded: &[u8]) -> Option<&[u8]> {
        if coded.is_empty() || coded.len() > MEMO_CODED {
            return None;
        }
        let s = &self.slots[Self::slot(coded)];
        (s.coded[..usize::from(s.coded_len)] == *coded)
            .then(|| &s.decoded[..usize::from(s.decoded_len)])
    }

    /// Keeps `decoded` as the decoding of `coded` (in the place of what its slot held).
    fn put(&mut self, coded: &[u8], decoded: &[u8]) {
        if coded.is_empty() || coded.len() > MEMO_CODED || decoded.len() > MEMO_DECODED {
            return;
        }
        let s = &mut self.slots[Self::slot(coded)];
        s.coded[..coded.len()].copy_from_slice(coded);
        s.decoded[..decoded.len()].copy_from_slice(decoded);
        s.coded_len = coded.len() as u8;
        s.decoded_len = decoded.len() as u8;
    }
}

/// A [`Decoder`] stored compactly while its connection is idle ([`Decoder::freeze_into`]):
/// its limits. Its dynamic table's entries go to a buffer the caller keeps (a hibernated
/// connection keeps them in its one buffer beside its other state), oldest first, each as
/// its name's and its value's lengths (LEB128, one octet each below 128) then its name and
/// value; [`FrozenDecoder::thaw`] is given them back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrozenDecoder {
    capacity: u32,
    max_table_size: u32,
    required_update: Option<u32>,
    max_header_list_size: u32,
}

impl FrozenDecoder {
    /// A decoder again, with the table entries [`Decoder::freeze_into`] wrote (`entries`:
    /// exactly those octets) and the same table size and limits as the one frozen. Its
    /// table's rings are laid out anew for the entries (they grow with use as a new
    /// decoder's do). Octets that do not form a whole entry end the table there.
    #[must_use]
    pub fn thaw(&self, entries: &[u8]) -> Decoder {
        let mut table = DynamicTable::new(self.capacity as usize);
        let mut rest = entries;
        while !rest.is_empty() {
            let (Some(n), Some(v)) = (compact::get(&mut rest), compact::get(&mut rest)) else {
                break;
            };
            let Some((name, tail)) = rest.split_at_checked(n as usize) else {
                break;
            };
            let Some((value, tail)) = tail.split_at_checked(v as usize) else {
                break;
            };
            table.insert(name, value);
            rest = tail;
        }
        Decoder {
            table,
            scratch: Vec::new(),
            memo: Memo::new(),
            max_table_size: self.max_table_size as usize,
            required_update: self.required_update.map(|n| n as usize),
            max_header_list_size: self.max_header_list_size as usize,
        }
    }
}

/// Decodes header blocks of one connection direction.
///
/// Fields go to a callback, borrowed from the block, the dynamic table or a scratch buffer that
/// is reused: after warm-up, decoding allocates nothing. The dynamic table only grows (an
/// allocation) when a size update raises it beyond what it had.
///
/// Give [`Decoder::decode`] whole blocks (HEADERS or PUSH_PROMISE plus their CONTINUATION
/// frames); a failed block other than [`DecodeError::HeaderListTooLarge`] leaves the decoder out
/// of sync with the peer, and the connection must end.
#[derive(Debug, Clone)]
pub struct Decoder {
    table: DynamicTable,
    scratch: Vec<u8>,
    /// Recent Huffman-coded literals and their decodings.
    memo: Memo,
    /// Our `SETTINGS_HEADER_TABLE_SIZE`: the largest size update allowed.
    max_table_size: usize,
    /// The lowest setting since the last block, when it went below the table size: the next
    /// block must start with a size update to at most this.
    required_update: Option<usize>,
    max_header_list_size: usize,
}

impl Default for Decoder {
    fn default() -> Self {
        Self::new()
    }
}

impl Decoder {
    /// A decoder with a 4096-octet table and a header list limit of
    /// [`DEFAULT_MAX_HEADER_LIST_SIZE`].
    pub fn new() -> Self {
        Decoder {
            table: DynamicTable::new(DEFAULT_TABLE_SIZE),
            scratch: Vec::with_capacity(256),
            memo: Memo::new(),
            max_table_size: DEFAULT_TABLE_SIZE,
            required_update: None,
            max_header_list_size: DEFAULT_MAX_HEADER_LIST_SIZE,
        }
    }

    /// Sets our `SETTINGS_HEADER_TABLE_SIZE` once the peer acknowledged it: size updates above it
    /// are errors, and if it is below the current table size the next block must begin with a
    /// size update to at most it (to at most the lowest value, when set several times).
    pub fn set_max_table_size(&mut self, n: usize) {
        self.max_table_size = n;
        if n < self.table.capacity() || self.required_update.is_some() {
            self.required_update = Some(self.required_update.map_or(n, |m| m.min(n)));
        }
    }

    /// Sets the limit on a block's header list size (the sum of name + value + 32 over its
    /// fields, RFC 9113 section 6.5.2). Past it, the callback stops being called and
    /// [`Decoder::decode`] returns [`DecodeError::HeaderListTooLarge`] after decoding the rest.
    pub fn set_max_header_list_size(&mut self, n: usize) {
        self.max_header_list_size = n;
    }

    /// Our `SETTINGS_HEADER_TABLE_SIZE`, as last set.
    pub fn max_table_size(&self) -> usize {
        self.max_table_size
    }

    /// The dynamic table's current maximum size (the last size update's value).
    pub fn table_capacity(&self) -> usize {
        self.table.capacity()
    }

    /// The dynamic table's current size (the sum of name + value + 32 over its entries).
    pub fn table_size(&self) -> usize {
        self.table.size()
    }

    /// Gives back what an idle decoder need not hold: the table's rings beyond its live
    /// entries (up to 12 KiB at the default size) and the Huffman scratch. The entries are kept; the
    /// next block that inserts grows the rings back.
    pub fn shrink(&mut self) {
        self.table.compact();
        self.scratch = Vec::new();
    }

    /// Heap bytes the decoder holds.
    #[must_use]
    pub fn heap_size(&self) -> usize {
        self.table.heap_size() + self.scratch.capacity()
    }

    /// The octets [`Decoder::freeze_into`] appends for the dynamic table's entries: theirs
    /// plus two to ten per entry for the lengths (two below 128 octets each).
    #[must_use]
    pub fn frozen_len(&self) -> usize {
        (0..self.table.len())
            .filter_map(|i| self.table.get(i))
            .map(|(n, v)| {
                compact::len(narrow(n.len())) + compact::len(narrow(v.len())) + n.len() + v.len()
            })
            .sum()
    }

    /// The decoder in its most compact form, for a connection that will be idle a while: the
    /// dynamic table's entries (the peer's, which must be kept) appended to `out`
    /// ([`Decoder::frozen_len`] octets, oldest entry first), and the limits, returned;
    /// [`FrozenDecoder::thaw`], given those octets, gives back a decoder that decodes every
    /// later block as this one would. Limits above `u32::MAX` are kept as `u32::MAX`.
    pub fn freeze_into(&self, out: &mut Vec<u8>) -> FrozenDecoder {
        for i in (0..self.table.len()).rev() {
            if let Some((n, v)) = self.table.get(i) {
                compact::put(out, narrow(n.len()));
                compact::put(out, narrow(v.len()));
                out.extend_from_slice(n);
                out.extend_from_slice(v);
            }
        }
        FrozenDecoder {
            capacity: narrow(self.table.capacity()),
            max_table_size: narrow(self.max_table_size),
            required_update: self.required_update.map(narrow),
            max_header_list_size: narrow(self.max_header_list_size),
        }
    }

    /// Forgets the dynamic table and returns to the state of [`Decoder::new`] (limits included),
    /// keeping the memory: for reusing a decoder on a new connection.
    pub fn reset(&mut self) {
        self.table.clear();
        self.table.set_capacity(DEFAULT_TABLE_SIZE);
        self.max_table_size = DEFAULT_TABLE_SIZE;
        self.required_update = None;
        self.max_header_list_size = DEFAULT_MAX_HEADER_LIST_SIZE;
    }

    /// Decodes one complete header block, calling `f` with each field in order.
    ///
    /// # Errors
    /// A [`DecodeError`]; after any but [`DecodeError::HeaderListTooLarge`] the connection must
    /// end with `COMPRESSION_ERROR`. `f` may have been called for the fields before the error.
    pub fn decode(
        &mut self,
        block: &[u8],
        mut f: impl FnMut(Header<'_>),
    ) -> Result<(), DecodeError> {
        let mut pos = 0;
        // RFC 7541 section 4.2: "This dynamic table size update MUST occur at the beginning of
        // the first header block following the change to the dynamic table size."
        let mut smallest_update = usize::MAX;
        while let Some(&b) = block.get(pos) {
            if b & 0xe0 != 0x20 {
                break;
            }
            let (n, used) = integer::decode(&block[pos..], 5)?;
            pos += used;
            // Section 6.3: "The new maximum size MUST be lower than or equal to the limit
            // determined by the protocol using HPACK."
            if n > self.max_table_size {
                return Err(DecodeError::SizeUpdateTooLarge {
                    requested: n,
                    max: self.max_table_size,
                });
            }
            smallest_update = smallest_update.min(n);
            self.table.set_capacity(n);
        }
        if let Some(max) = self.required_update.take()
            && smallest_update > max
        {
            return Err(DecodeError::MissingSizeUpdate { max });
        }

        let mut list_size: usize = 0;
        while let Some(&b) = block.get(pos) {
            let (name, sensitive, index) = if b & 0x80 != 0 {
                // 6.1 Indexed Header Field.
                let (i, used) = integer::decode(&block[pos..], 7)?;
                pos += used;
                let (name, value) = self.entry(i)?;
                list_size = list_size.saturating_add(name.len() + value.len() + 32);
                if list_size <= self.max_header_list_size {
                    f(Header {
                        name,
                        value,
                        sensitive: false,
                    });
                }
                continue;
            } else if b & 0x40 != 0 {
                // 6.2.1 Literal Header Field with Incremental Indexing.
                let (i, used) = integer::decode(&block[pos..], 6)?;
                pos += used;
                (i, false, true)
            } else if b & 0x20 != 0 {
                return Err(DecodeError::SizeUpdateNotAtStart);
            } else {
                // 6.2.2 without indexing (0000) and 6.2.3 never indexed (0001).
                let (i, used) = integer::decode(&block[pos..], 4)?;
                pos += used;
                (i, b & 0x10 != 0, false)
            };
            self.scratch.clear();
            let name_src = if name == 0 {
                read_string(block, &mut pos, &mut self.scratch, &mut self.memo)?
            } else if name <= STATIC.len() {
                Src::Static(STATIC[name - 1].0)
            } else if name - STATIC.len() <= self.table.len() {
                Src::Dynamic(name - STATIC.len() - 1)
            } else {
                return Err(DecodeError::InvalidIndex(name));
            };
            let value_src = read_string(block, &mut pos, &mut self.scratch, &mut self.memo)?;
            {
                let name = resolve(name_src, block, &self.scratch, &self.table);
                let value = resolve(value_src, block, &self.scratch, &self.table);
                list_size = list_size.saturating_add(name.len() + value.len() + 32);
                if list_size <= self.max_header_list_size {
                    f(Header {
                        name,
                        value,
                        sensitive,
                    });
                }
            }
            if index {
                let name_src = if let Src::Dynamic(i) = name_src {
                    // The entry may be evicted by this insertion: copy its name first.
                    let s = self.scratch.len();
                    if let Some((n, _)) = self.table.get(i) {
                        self.scratch.extend_from_slice(n);
                    }
                    Src::Scratch(s, self.scratch.len())
                } else {
                    name_src
                };
                let name = resolve_unindexed(name_src, block, &self.scratch);
                let value = resolve_unindexed(value_src, block, &self.scratch);
                self.table.insert(name, value);
            }
        }
        if list_size > self.max_header_list_size {
            return Err(DecodeError::HeaderListTooLarge {
                size: list_size,
                max: self.max_header_list_size,
            });
        }
        Ok(())
    }

    /// The entry at 1-based index `i` of the static then dynamic table.
    #[inline]
    fn entry(&self, i: usize) -> Result<(&[u8], &[u8]), DecodeError> {
        if i == 0 {
            return Err(DecodeError::InvalidIndex(0));
        }
        if i <= STATIC.len() {
            return Ok(STATIC[i - 1]);
        }
        self.table
            .get(i - STATIC.len() - 1)
            .ok_or(DecodeError::InvalidIndex(i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Huffman-decodes `coded` through [`huffman_string`] with `memo`: the string, or `None`
    /// when it is invalid.
    fn through_memo(coded: &[u8], memo: &mut Memo) -> Option<Vec<u8>> {
        let mut scratch = b"before".to_vec();
        match huffman_string(coded, &mut scratch, memo) {
            Ok(Src::Scratch(s, e)) => {
                assert_eq!(&scratch[..s], b"before");
                Some(scratch[s..e].to_vec())
            }
            Ok(_) => panic!("a Huffman string decodes into the scratch"),
            Err(_) => None,
        }
    }

    /// Strings decoded again, with others between them that take the same slots or are too
    /// long to be kept, come out as the first time; short ones are then kept; invalid ones
    /// (EOS inside, padding not made of ones) stay errors and are never kept.
    #[test]
    fn remembered_huffman_decodings_are_exact() {
        let plain: Vec<Vec<u8>> = [
            &b""[..],
            b"nginx",
            b"Tue, 08 Dec 2026 00:24:23 GMT",
            b"text/plain; charset=utf-8",
            b"a",
            b"b",
            b"ab",
            b"ba",
            b"\x00\xff;{}",
            b"a much longer value than a slot keeps, forty-odd octets or more",
        ]
        .iter()
        .map(|p| p.to_vec())
        .chain((0..=255u8).map(|b| vec![b; 3]))
        .collect();
        let coded: Vec<Vec<u8>> = plain
            .iter()
            .map(|p| {
                let mut c = Vec::new();
                huffman::encode(p, &mut c);
                c
            })
            .collect();
        let mut memo = Memo::new();
        for round in 0..3 {
            for i in 0..coded.len() {
                // Each string twice in a row (the second from the memo when it fits), and in
                // a different order each round.
                let i = (i * (2 * round + 1)) % coded.len();
                let c = &coded[i];
                for _ in 0..2 {
                    assert_eq!(through_memo(c, &mut memo).as_ref(), Some(&plain[i]), "{i}");
                }
                let kept = memo.get(c).is_some();
                assert_eq!(kept, !c.is_empty() && c.len() <= MEMO_CODED, "{i}");
            }
        }
        // 30 ones hold EOS; eight ones after a whole code are padding too long.
        for bad in [&[0xff, 0xff, 0xff, 0xfc][..], &[0x1f, 0xff], &[0x00]] {
            assert_eq!(through_memo(bad, &mut memo), None, "{bad:?}");
            assert!(memo.get(bad).is_none(), "{bad:?}");
        }
    }

    /// A frozen decoder's entries are their octets plus one per length below 128; thawed, it
    /// decodes the next blocks (indices into the old entries, insertions that evict them)
    /// exactly as a twin that was never frozen, and keeps a pending required size update.
    #[test]
    fn freeze_and_thaw_keep_the_table() {
        let mut enc = crate::hpack::Encoder::new();
        enc.set_max_table_size(200);
        let (mut a, mut twin) = (Decoder::new(), Decoder::new());
        a.set_max_table_size(200);
        twin.set_max_table_size(200);
        let mut blocks = Vec::new();
        for i in 0..6 {
            let v = format!("value-{i}");
            let mut block = Vec::new();
            enc.encode(
                [(&b"x-name"[..], v.as_bytes()), (b"x-other", b"same")],
                &mut block,
            );
            blocks.push(block);
        }
        for b in &blocks[..3] {
            assert_eq!(decode_all(&mut a, b), decode_all(&mut twin, b));
        }
        let mut entries = Vec::new();
        let frozen = a.freeze_into(&mut entries);
        // The entries (short names and values: one octet per length), nothing more.
        let live: usize = (0..a.table.len())
            .map(|i| a.table.get(i).map_or(0, |(n, v)| 2 + n.len() + v.len()))
            .sum();
        assert!(a.table.len() >= 3);
        assert_eq!(entries.len(), live);
        assert_eq!(a.frozen_len(), live);
        let mut thawed = frozen.thaw(&entries);
        assert_eq!(thawed.table_size(), twin.table_size());
        assert_eq!(thawed.table_capacity(), 200);
        for b in &blocks[3..] {
            assert_eq!(decode_all(&mut thawed, b), decode_all(&mut twin, b));
            assert_eq!(thawed.table_size(), twin.table_size());
        }
        // An empty table freezes to nothing; a size update owed survives.
        let mut d = Decoder::new();
        d.set_max_table_size(0);
        let mut entries = Vec::new();
        let frozen = d.freeze_into(&mut entries);
        assert!(entries.is_empty());
        let mut thawed = frozen.thaw(&entries);
        assert_eq!(
            decode_all(&mut thawed, &[0x82]),
            Err(DecodeError::MissingSizeUpdate { max: 0 })
        );
    }

    /// Names and values of 128 octets and more take longer lengths (two octets each up to
    /// 16 KiB), and come back whole.
    #[test]
    fn long_entries_freeze_and_thaw() {
        let mut enc = crate::hpack::Encoder::new();
        let (mut a, mut twin) = (Decoder::new(), Decoder::new());
        let name = [b'n'; 130];
        let value = vec![b'v'; 1_000];
        let mut block = Vec::new();
        enc.encode([(&name[..], &value[..]), (b"short", b"x")], &mut block);
        assert_eq!(decode_all(&mut a, &block), decode_all(&mut twin, &block));
        let mut entries = Vec::new();
        let frozen = a.freeze_into(&mut entries);
        assert_eq!(entries.len(), 2 + 2 + 130 + 1_000 + 2 + 5 + 1);
        assert_eq!(a.frozen_len(), entries.len());
        let mut thawed = frozen.thaw(&entries);
        assert_eq!(thawed.table_size(), twin.table_size());
        let mut next = Vec::new();
        enc.encode([(&name[..], &value[..]), (b"short", b"x")], &mut next);
        let got = decode_all(&mut thawed, &next).unwrap();
        assert_eq!(got, decode_all(&mut twin, &next).unwrap());
        assert_eq!(got[0].1.len(), 1_000);
    }

    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    fn decode_all(
        d: &mut Decoder,
        block: &[u8],
    ) -> Result<Vec<(String, String, bool)>, DecodeError> {
        let mut out = Vec::new();
        d.decode(block, |h| {
            out.push((
                String::from_utf8_lossy(h.name).into_owned(),
                String::from_utf8_lossy(h.value).into_owned(),
                h.sensitive,
            ))
        })?;
        Ok(out)
    }

    fn pairs(v: &[(String, String, bool)]) -> Vec<(&str, &str)> {
        v.iter().map(|(n, v, _)| (n.as_str(), v.as_str())).collect()
    }

    /// RFC 7541 C.2: literal representations.
    #[test]
    fn rfc7541_c2_literals() {
        let mut d = Decoder::new();
        let h = decode_all(
            &mut d,
            &hex("400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572"),
        )
        .unwrap();
        assert_eq!(pairs(&h), [("custom-key", "custom-header")]);
        assert_eq!(d.table_size(), 55);

        let mut d = Decoder::new();
        let h = decode_all(&mut d, &hex("040c 2f73 616d 706c 652f 7061 7468")).unwrap();
        assert_eq!(pairs(&h), [(":path", "/sample/path")]);
        assert_eq!(d.table_size(), 0);

        let mut d = Decoder::new();
        let h = decode_all(&mut d, &hex("1008 7061 7373 776f 7264 0673 6563 7265 74")).unwrap();
        assert_eq!(h, [("password".into(), "secret".into(), true)]);
        assert_eq!(d.table_size(), 0);

        let mut d = Decoder::new();
        assert_eq!(
            pairs(&decode_all(&mut d, &hex("82")).unwrap()),
            [(":method", "GET")]
        );
    }

    /// RFC 7541 C.4: requests with Huffman coding, sharing one table.
    #[test]
    fn rfc7541_c4_requests_with_huffman() {
        let mut d = Decoder::new();
        let h = decode_all(&mut d, &hex("8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff")).unwrap();
        assert_eq!(
            pairs(&h),
            [
                (":method", "GET"),
                (":scheme", "http"),
                (":path", "/"),
                (":authority", "www.example.com")
            ]
        );
        assert_eq!(d.table_size(), 57);
        let h = decode_all(&mut d, &hex("8286 84be 5886 a8eb 1064 9cbf")).unwrap();
        assert_eq!(
            pairs(&h),
            [
                (":method", "GET"),
                (":scheme", "http"),
                (":path", "/"),
                (":authority", "www.example.com"),
                ("cache-control", "no-cache")
            ]
        );
        assert_eq!(d.table_size(), 110);
        let h = decode_all(
            &mut d,
            &hex("8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf"),
        )
        .unwrap();
        assert_eq!(
            pairs(&h),
            [
                (":method", "GET"),
                (":scheme", "https"),
                (":path", "/index.html"),
                (":authority", "www.example.com"),
                ("custom-key", "custom-value")
            ]
        );
        assert_eq!(d.table_size(), 164);
    }

    /// RFC 7541 C.5: responses with a 256-octet table, evicting.
    #[test]
    fn rfc7541_c5_responses_with_eviction() {
        let mut d = Decoder::new();
        d.set_max_table_size(256);
        let block = hex(
            "3fe1 0148 0333 3032 5807 7072 6976 6174 6561 1d4d 6f6e 2c20 3231 204f 6374 2032 3031
             3320 3230 3a31 333a 3231 2047 4d54 6e17 6874 7470 733a 2f2f 7777 772e 6578 616d 706c
             652e 636f 6d",
        );
        let h = decode_all(&mut d, &block).unwrap();
        assert_eq!(
            pairs(&h),
            [
                (":status", "302"),
                ("cache-control", "private"),
                ("date", "Mon, 21 Oct 2013 20:13:21 GMT"),
                ("location", "https://www.example.com")
            ]
        );
        assert_eq!(d.table_size(), 222);
        let h = decode_all(&mut d, &hex("4803 3330 37c1 c0bf")).unwrap();
        assert_eq!(h[0].1, "307");
        assert_eq!(d.table_size(), 222);
    }

    #[test]
    fn size_update_rules() {
        // At the start: fine, and bounded by the setting.
        let mut d = Decoder::new();
        assert_eq!(decode_all(&mut d, &[0x20, 0x82]).unwrap().len(), 1);
        assert_eq!(d.table_capacity(), 0);
        assert_eq!(
            decode_all(&mut d, &[0x3f, 0xe2, 0x1f]),
            Err(DecodeError::SizeUpdateTooLarge {
                requested: 4097,
                max: 4096
            })
        );
        // After a field: an error.
        let mut d = Decoder::new();
        assert_eq!(
            decode_all(&mut d, &[0x82, 0x20]),
            Err(DecodeError::SizeUpdateNotAtStart)
        );
        // The single byte 0x3f (which panics fluke-hpack) is a truncated integer.
        let mut d = Decoder::new();
        assert_eq!(decode_all(&mut d, &[0x3f]), Err(DecodeError::Truncated));
        // Lowering the setting requires an update to at most the lowest value set.
        let mut d = Decoder::new();
        d.set_max_table_size(100);
        d.set_max_table_size(4096);
        assert_eq!(
            decode_all(&mut d, &[0x82]),
            Err(DecodeError::MissingSizeUpdate { max: 100 })
        );
        let mut d = Decoder::new();
        d.set_max_table_size(100);
        d.set_max_table_size(4096);
        assert_eq!(
            decode_all(&mut d, &[0x3f, 0x45, 0x3f, 0xe1, 0x1f, 0x82])
                .unwrap()
                .len(),
            1
        );
        assert_eq!(d.table_capacity(), 4096);
        // Raising it requires nothing.
        let mut d = Decoder::new();
        d.set_max_table_size(8192);
        assert_eq!(decode_all(&mut d, &[0x82]).unwrap().len(), 1);
        // A block of size updates only is an empty header list.
        let mut d = Decoder::new();
        assert_eq!(decode_all(&mut d, &[0x20]).unwrap().len(), 0);
    }

    #[test]
    fn bad_indices_and_truncation() {
        let mut d = Decoder::new();
        assert_eq!(
            decode_all(&mut d, &[0x80]),
            Err(DecodeError::InvalidIndex(0))
        );
        assert_eq!(
            decode_all(&mut d, &[0xbe]),
            Err(DecodeError::InvalidIndex(62))
        );
        assert_eq!(
            decode_all(&mut d, &[0x7e, 0x00]),
            Err(DecodeError::InvalidIndex(62))
        );
        assert_eq!(
            decode_all(&mut d, &[0x40, 0x03, b'a']),
            Err(DecodeError::Truncated)
        );
        assert_eq!(decode_all(&mut d, &[0x41]), Err(DecodeError::Truncated));
        assert_eq!(
            decode_all(&mut d, &[0x00, 0x81, 0xff, 0x00]),
            Err(DecodeError::InvalidHuffman)
        );
    }

    /// An indexed name whose entry the insertion itself evicts (RFC 7541 section 4.4).
    #[test]
    fn insertion_can_reference_the_entry_it_evicts() {
        let mut d = Decoder::new();
        d.set_max_table_size(64);
        // Size update to 64, then "aaaa: b" (37) indexed, then a literal with name index 62
        // ("aaaa") and value "cc": 38 octets, evicting the entry it names.
        let block = [
            0x3f, 0x21, 0x40, 4, b'a', b'a', b'a', b'a', 1, b'b', 0x7e, 2, b'c', b'c', 0xbe,
        ];
        let h = decode_all(&mut d, &block).unwrap();
        assert_eq!(pairs(&h), [("aaaa", "b"), ("aaaa", "cc"), ("aaaa", "cc")]);
        assert_eq!(d.table_size(), 38);
    }

    #[test]
    fn header_list_limit_stops_the_callback_but_keeps_the_table_in_sync() {
        let mut d = Decoder::new();
        d.set_max_header_list_size(100);
        // A 40-octet entry then three references to it: 4 * 72 octets.
        let mut block = vec![0x40, 4, b'n', b'a', b'm', b'e'];
        block.push(36);
        block.extend_from_slice(&[b'v'; 36]);
        block.extend_from_slice(&[0xbe, 0xbe, 0xbe]);
        let mut seen = 0;
        let r = d.decode(&block, |_| seen += 1);
        assert_eq!(
            r,
            Err(DecodeError::HeaderListTooLarge {
                size: 4 * 72,
                max: 100
            })
        );
        assert!(!r.unwrap_err().is_compression_error());
        assert_eq!(seen, 1);
        // The table still holds the entry: the next block can use it.
        d.set_max_header_list_size(1000);
        assert_eq!(decode_all(&mut d, &[0xbe]).unwrap()[0].0, "name");
    }
}
