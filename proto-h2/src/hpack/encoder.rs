//! The HPACK encoder: representation choices after nghttp2's, whose output on the
//! hpack-test-case corpus is the reference compression ratio (31.0%).

use super::table::{DynamicTable, ENTRY_OVERHEAD, STATIC, hash, same, static_name, static_value};
use super::{DEFAULT_TABLE_SIZE, Header, huffman, integer};

/// Fields whose values are too variable to be worth a table entry (nghttp2's list).
const NOT_INDEXED: [&[u8]; 8] = [
    b":path",
    b"age",
    b"content-length",
    b"etag",
    b"if-modified-since",
    b"if-none-match",
    b"location",
    b"set-cookie",
];

/// `cookie` values shorter than this are sent never-indexed (short values are easy to guess
/// through the table; nghttp2 uses the same rule).
const SHORT_COOKIE: usize = 20;

/// Always sent never-indexed: credentials.
const SENSITIVE_NAMES: [&[u8]; 2] = [b"authorization", b"proxy-authorization"];

/// [`POLICY`] flag: a field whose values rarely repeat ([`NOT_INDEXED`]).
const RARELY_REPEATS: u8 = 1;
/// [`POLICY`] flag: always a never-indexed literal ([`SENSITIVE_NAMES`]).
const SENSITIVE: u8 = 2;
/// [`POLICY`] flag: `cookie`, never-indexed when shorter than [`SHORT_COOKIE`].
const COOKIE: u8 = 4;

/// Generated table (by `build_policy`, at compile time): the flags above for each 1-based
/// static index that starts a name; index 0 (a name not in the static table) has none. Every
/// name of the lists is a static-table name (the build fails otherwise), so one static lookup
/// answers all of them.
static POLICY: [u8; STATIC.len() + 1] = build_policy();

const fn static_first(name: &[u8]) -> usize {
    let mut i = 0;
    while i < STATIC.len() {
        if same(STATIC[i].0, name) {
            return i + 1;
        }
        i += 1;
    }
    panic!("not a static-table name");
}

const fn build_policy() -> [u8; STATIC.len() + 1] {
    let mut t = [0u8; STATIC.len() + 1];
    let mut i = 0;
    while i < NOT_INDEXED.len() {
        t[static_first(NOT_INDEXED[i])] |= RARELY_REPEATS;
        i += 1;
    }
    let mut i = 0;
    while i < SENSITIVE_NAMES.len() {
        t[static_first(SENSITIVE_NAMES[i])] |= SENSITIVE;
        i += 1;
    }
    t[static_first(b"cookie")] |= COOKIE;
    t
}

/// Encodes header blocks of one connection direction.
///
/// Choices, after nghttp2: a field already in the static or dynamic table is sent as an index;
/// otherwise as a literal (naming a table entry when the name is there) that is added to the
/// dynamic table unless it is sensitive, one of the fields whose values rarely repeat (`:path`,
/// `age`, `content-length`, `etag`, `if-modified-since`, `if-none-match`, `location`,
/// `set-cookie`), or larger than three quarters of the table. Sensitive fields (`authorization`,
/// `proxy-authorization`, `cookie` values under 20 octets, and any field the caller marks) are
/// never-indexed literals. Strings are Huffman-coded when that is shorter.
#[derive(Debug, Clone)]
pub struct Encoder {
    table: DynamicTable,
    /// The most table we use, whatever the peer allows.
    limit: usize,
    /// The peer's `SETTINGS_HEADER_TABLE_SIZE`.
    peer_max: usize,
    /// Size updates owed at the start of the next block: the smallest size since the last block
    /// and the final size.
    pending: Option<(usize, usize)>,
    /// Two-way set-associative caches from a field's hash (and a name's hash) to the sequence
    /// number (plus one) of entries with that hash: lookups in O(1). Lossy when three live
    /// entries share a set (a miss then only costs compression); hits are checked byte for byte.
    /// Sized to the table's reach, rebuilt when it grows; `None` until the first block and
    /// after [`Encoder::shrink`], built from the table at the next block.
    caches: Option<Caches>,
    /// Whether strings are Huffman-coded when that is shorter ([`Encoder::set_huffman`]).
    huffman: bool,
}

/// Sets of a lookup cache (a 4096-octet table holds at most 128 entries: eight sets an
/// entry).
const SETS: usize = 1024;

/// Sets of a lookup cache while the table's rings are laid out for at most [`SMALL_REACH`]
/// octets (at most 8 entries, still eight sets an entry).
const SMALL_SETS: usize = 64;

/// The table reach ([`DynamicTable::reach`]) up to which the caches are small.
const SMALL_REACH: usize = 256;

/// The encoder's lookup caches: [`SMALL_SETS`] sets (1 KiB in all) while the table's rings
/// are small (a connection that carried a few small header blocks), [`SETS`] (16 KiB) once
/// they grow past that: rebuilt once, not at each growth of the table, as each rebuild hashes
/// the live entries again. Dropped while idle.
#[derive(Debug, Clone)]
struct Caches {
    /// Two ways per set, by a field's hash.
    by_field: Box<[u32]>,
    /// Two ways per set, by a name's hash.
    by_name: Box<[u32]>,
    /// The shift from a hash to its set (64 minus the bits of the set count).
    shift: u32,
    /// The table reach ([`DynamicTable::reach`]) past which the caches are too small.
    grow_past: usize,
}

impl Caches {
    /// Caches sized to `table`'s reach holding its live entries, oldest first (so that the
    /// newest win).
    fn of(table: &DynamicTable) -> Caches {
        let (sets, grow_past) = if table.reach() <= SMALL_REACH {
            (SMALL_SETS, SMALL_REACH)
        } else {
            (SETS, usize::MAX)
        };
        let mut c = Caches {
            by_field: vec![0; 2 * sets].into_boxed_slice(),
            by_name: vec![0; 2 * sets].into_boxed_slice(),
            shift: 64 - sets.trailing_zeros(),
            grow_past,
        };
        let next = table.next_seq() as u32;
        for i in (0..table.len()).rev() {
            if let Some((name, value)) = table.get(i) {
                let name_hash = hash(0, name);
                let seq1 = next.wrapping_sub(i as u32);
                cache_insert(
                    table,
                    &mut c.by_field,
                    c.shift,
                    hash(name_hash, value),
                    seq1,
                );
                cache_insert(table, &mut c.by_name, c.shift, name_hash, seq1);
            }
        }
        c
    }

    /// Heap bytes the caches hold.
    fn heap_size(&self) -> usize {
        (self.by_field.len() + self.by_name.len()) * std::mem::size_of::<u32>()
    }
}

impl Default for Encoder {
    fn default() -> Self {
        Self::new()
    }
}

impl Encoder {
    /// An encoder with the default 4096-octet table, which is also the most it will use. It
    /// holds no memory until its first block; its table and lookup caches grow with what the
    /// table holds.
    pub fn new() -> Self {
        Encoder {
            caches: None,
            table: DynamicTable::new(DEFAULT_TABLE_SIZE),
            limit: DEFAULT_TABLE_SIZE,
            peer_max: DEFAULT_TABLE_SIZE,
            pending: None,
            huffman: true,
        }
    }

    /// Sets the peer's `SETTINGS_HEADER_TABLE_SIZE`. The table used is the smaller of it and
    /// the limit ([`Encoder::set_table_size_limit`]); when that changes, the next block starts
    /// with the size updates RFC 7541 section 4.2 asks for (the smallest size since the last
    /// block, then the final one).
    pub fn set_max_table_size(&mut self, n: usize) {
        self.peer_max = n;
        self.retarget();
    }

    /// Whether string literals are Huffman-coded when that makes them shorter (the default,
    /// `true`). Off, every string is sent raw: about a third less encoding work for blocks
    /// some 20-30% larger; the table choices are the same either way.
    pub fn set_huffman(&mut self, on: bool) {
        self.huffman = on;
    }

    /// Sets the most dynamic table this encoder uses even if the peer allows more (default
    /// 4096; a larger table costs memory and rarely compresses better).
    pub fn set_table_size_limit(&mut self, n: usize) {
        self.limit = n;
        self.retarget();
    }

    fn retarget(&mut self) {
        let target = self.peer_max.min(self.limit);
        self.pending = match self.pending {
            Some((min, _)) => Some((min.min(target), target)),
            None if target != self.table.capacity() => Some((target, target)),
            None => None,
        };
    }

    /// The dynamic table's current size (the sum of name + value + 32 over its entries).
    pub fn table_size(&self) -> usize {
        self.table.size()
    }

    /// Appends the block encoding `headers` (name, value pairs, in order) to `out`.
    pub fn encode<'a>(
        &mut self,
        headers: impl IntoIterator<Item = (&'a [u8], &'a [u8])>,
        out: &mut Vec<u8>,
    ) {
        self.start_block(out);
        for (name, value) in headers {
            self.encode_field(name, value, false, out);
        }
    }

    /// Like [`Encoder::encode`], with a `sensitive` flag per field: sensitive fields are sent
    /// as never-indexed literals (RFC 7541 section 7.1.3), in addition to those this encoder
    /// always treats so.
    pub fn encode_headers<'a>(
        &mut self,
        headers: impl IntoIterator<Item = Header<'a>>,
        out: &mut Vec<u8>,
    ) {
        self.start_block(out);
        for h in headers {
            self.encode_field(h.name, h.value, h.sensitive, out);
        }
    }

    /// Gives back what an idle encoder need not hold: the lookup caches (up to 16 KiB) and
    /// the table's rings beyond its live entries (up to 8 KiB or more at the default size). The table's
    /// entries are kept, so the encoding of later blocks is what it would have been; the next
    /// block rebuilds the caches (at most 128 entries hashed) and the rings.
    pub fn shrink(&mut self) {
        self.caches = None;
        self.table.compact();
    }

    /// Empties the dynamic table and frees everything the encoder holds (table rings and
    /// lookup caches): an idle connection's encoder then holds no heap at all. The next block
    /// starts with a dynamic table size update to 0 (the peer's decoder evicts every entry,
    /// RFC 7541 section 4.3) and then one back to the current size (section 6.3: an encoder
    /// may signal a size change at the start of any block, and a decoder must accept one up
    /// to the protocol's limit), so both tables are empty and in step again. Costs the next
    /// blocks the entries they would have indexed (a few dozen octets), not correctness.
    pub fn reset_table(&mut self) {
        let target = self.pending.map_or(self.table.capacity(), |(_, last)| last);
        self.table = DynamicTable::new(self.table.capacity());
        self.caches = None;
        self.pending = Some((0, target));
    }

    /// Heap bytes the encoder holds.
    #[must_use]
    pub fn heap_size(&self) -> usize {
        self.table.heap_size() + self.caches.as_ref().map_or(0, Caches::heap_size)
    }

    /// Emits owed dynamic table size updates (RFC 7541 section 6.3).
    fn start_block(&mut self, out: &mut Vec<u8>) {
        if self.caches.is_none() {
            self.caches = Some(Caches::of(&self.table));
        }
        if let Some((min, last)) = self.pending.take() {
            if min < last {
                integer::encode(out, 0x20, 5, min);
                self.table.set_capacity(min);
            }
            integer::encode(out, 0x20, 5, last);
            self.table.set_capacity(last);
        }
    }

    #[inline]
    fn encode_field(&mut self, name: &[u8], value: &[u8], sensitive: bool, out: &mut Vec<u8>) {
        let name_hash = hash(0, name);
        let static_name = static_name(name, name_hash);
        let policy = POLICY.get(static_name).copied().unwrap_or(0);
        let never = sensitive
            || policy & SENSITIVE != 0
            || (policy & COOKIE != 0 && value.len() < SHORT_COOKIE);
        if static_name != 0
            && !never
            && let Some(i) = static_value(static_name, value)
        {
            // 6.1 Indexed Header Field.
            integer::encode(out, 0x80, 7, i);
            return;
        }
        // Fields we never index cannot be in the dynamic table whole: only their name is
        // looked up (and their value, often long, is not hashed).
        let indexable = !never && policy & RARELY_REPEATS == 0;
        let mut field_hash = 0;
        let dyn_name = if indexable {
            field_hash = hash(name_hash, value);
            let (dyn_exact, dyn_name) = self.find(name, value, name_hash, field_hash);
            if let Some(i) = dyn_exact {
                integer::encode(out, 0x80, 7, STATIC.len() + 1 + i);
                return;
            }
            dyn_name
        } else if static_name == 0 {
            self.find_name(name, name_hash)
        } else {
            None
        };
        let name_index = if static_name != 0 {
            static_name
        } else {
            dyn_name.map_or(0, |i| STATIC.len() + 1 + i)
        };
        let indexing = indexable
            && (name.len() + value.len() + ENTRY_OVERHEAD) * 4 <= self.table.capacity() * 3;
        if indexing {
            // 6.2.1 Literal Header Field with Incremental Indexing.
            integer::encode(out, 0x40, 6, name_index);
        } else if never {
            // 6.2.3 Literal Header Field Never Indexed.
            integer::encode(out, 0x10, 4, name_index);
        } else {
            // 6.2.2 Literal Header Field without Indexing.
            integer::encode(out, 0x00, 4, name_index);
        }
        if name_index == 0 {
            encode_string(name, self.huffman, out);
        }
        encode_string(value, self.huffman, out);
        if indexing {
            let seq = (self.table.next_seq() as u32).wrapping_add(1);
            self.table.insert(name, value);
            if let Some(c) = &mut self.caches {
                if self.table.reach() <= c.grow_past {
                    cache_insert(&self.table, &mut c.by_field, c.shift, field_hash, seq);
                    cache_insert(&self.table, &mut c.by_name, c.shift, name_hash, seq);
                } else {
                    // The table's rings grew past the small caches: so do they (once).
                    *c = Caches::of(&self.table);
                }
            }
        }
    }

    /// Dynamic indices of an entry equal to `(name, value)` and of the newest entry named
    /// `name`, through the caches.
    #[inline]
    fn find(
        &self,
        name: &[u8],
        value: &[u8],
        name_hash: u64,
        field_hash: u64,
    ) -> (Option<usize>, Option<usize>) {
        let Some(c) = self.caches.as_ref() else {
            return (None, None);
        };
        let exact = cache_lookup(&self.table, &c.by_field, c.shift, field_hash, |n, v| {
            same(n, name) && same(v, value)
        });
        if exact.is_some() {
            return (exact, exact);
        }
        (None, self.find_name(name, name_hash))
    }

    /// The dynamic index of the newest entry named `name`, through the cache.
    #[inline]
    fn find_name(&self, name: &[u8], name_hash: u64) -> Option<usize> {
        let c = self.caches.as_ref()?;
        cache_lookup(&self.table, &c.by_name, c.shift, name_hash, |n, _| {
            same(n, name)
        })
    }
}

/// The set of `hash` in a lookup cache of `64 - shift` bits of sets: its top bits, the ones
/// every input octet reaches through the multiplications.
#[inline]
fn set_of(hash: u64, shift: u32) -> usize {
    const _: () = assert!(SETS.is_power_of_two() && SMALL_SETS.is_power_of_two());
    (hash >> shift) as usize
}

/// The dynamic index of a cached sequence number (plus one), if that entry is still live.
#[inline]
fn live(table: &DynamicTable, seq1: u32) -> Option<usize> {
    if seq1 == 0 {
        return None;
    }
    // Sequence numbers are kept modulo 2^32: an alias is harmless, hits are checked.
    let next = table.next_seq() as u32;
    let age = next.wrapping_sub(seq1) as usize; // 0 for the newest entry
    (age < table.len()).then_some(age)
}

/// The newest live entry of `hash`'s set that `matches`.
#[inline]
fn cache_lookup(
    table: &DynamicTable,
    cache: &[u32],
    shift: u32,
    hash: u64,
    matches: impl Fn(&[u8], &[u8]) -> bool,
) -> Option<usize> {
    let set = set_of(hash, shift) * 2;
    let Some(&[a, b]) = cache.get(set..set + 2) else {
        return None;
    };
    let mut best: Option<usize> = None;
    for seq1 in [a, b] {
        if let Some(i) = live(table, seq1)
            && best.is_none_or(|b| i < b)
            && table.get(i).is_some_and(|(n, v)| matches(n, v))
        {
            best = Some(i);
        }
    }
    best
}

/// Records entry `seq1` in `hash`'s set, replacing a dead or the older entry.
#[inline]
fn cache_insert(table: &DynamicTable, cache: &mut [u32], shift: u32, hash: u64, seq1: u32) {
    let set = set_of(hash, shift) * 2;
    let Some([a, b]) = cache.get_mut(set..set + 2) else {
        return;
    };
    let age = |s: u32| live(table, s).unwrap_or(usize::MAX);
    if age(*a) >= age(*b) {
        *a = seq1;
    } else {
        *b = seq1;
    }
}

/// Appends a string literal (RFC 7541 section 5.2), Huffman-coded when `huffman` is set and
/// that is shorter.
#[inline]
fn encode_string(s: &[u8], huffman: bool, out: &mut Vec<u8>) {
    if huffman {
        let huff = huffman::measure(s);
        if huff.len < s.len() {
            integer::encode(out, 0x80, 7, huff.len);
            huffman::encode_measured(s, huff, out);
            return;
        }
    }
    integer::encode(out, 0x00, 7, s.len());
    out.extend_from_slice(s);
}

#[cfg(test)]
mod tests {
    use super::super::Decoder;
    use super::*;

    fn round_trip(e: &mut Encoder, d: &mut Decoder, fields: &[(&[u8], &[u8])]) -> Vec<u8> {
        let mut block = Vec::new();
        e.encode(fields.iter().copied(), &mut block);
        let mut got = Vec::new();
        d.decode(&block, |h| got.push((h.name.to_vec(), h.value.to_vec())))
            .unwrap();
        let want: Vec<_> = fields
            .iter()
            .map(|(n, v)| (n.to_vec(), v.to_vec()))
            .collect();
        assert_eq!(got, want);
        block
    }

    /// Without Huffman coding, strings go raw (RFC 7541 C.3.1's first field), with the same
    /// table choices: the repeated field is the same index either way.
    #[test]
    fn huffman_off_sends_raw_strings_with_the_same_table_choices() {
        let fields: &[(&[u8], &[u8])] = &[
            (b"custom-key", b"custom-value"),
            (b"custom-key", b"custom-value"),
        ];
        let (mut raw, mut d) = (Encoder::new(), Decoder::new());
        raw.set_huffman(false);
        let block = round_trip(&mut raw, &mut d, fields);
        let mut want = vec![0x40, 10];
        want.extend_from_slice(b"custom-key");
        want.push(12);
        want.extend_from_slice(b"custom-value");
        want.push(0xbe);
        assert_eq!(block, want);
        let (mut huff, mut d) = (Encoder::new(), Decoder::new());
        let coded = round_trip(&mut huff, &mut d, fields);
        assert!(coded.len() < block.len());
        assert_eq!(coded[0], 0x40);
        assert_eq!(coded.last(), Some(&0xbe));
        assert_eq!(raw.table_size(), huff.table_size());
    }

    #[test]
    fn repeated_fields_become_one_octet_indices() {
        let (mut e, mut d) = (Encoder::new(), Decoder::new());
        let fields: &[(&[u8], &[u8])] = &[
            (b":method", b"GET"),
            (b":scheme", b"https"),
            (b":authority", b"example.com"),
            (b":path", b"/a"),
            (b"user-agent", b"test/1.0"),
        ];
        let first = round_trip(&mut e, &mut d, fields);
        let second = round_trip(&mut e, &mut d, fields);
        // :path is not indexed (a literal naming index 4), the rest are one-octet indices.
        assert!(second.len() < first.len());
        assert_eq!(&second[..3], &[0x82, 0x87, 0xbf]);
        assert_eq!(second[3], 0x04);
        assert_eq!(second.last(), Some(&0xbe));
    }

    #[test]
    fn sensitive_fields_are_never_indexed() {
        let (mut e, mut d) = (Encoder::new(), Decoder::new());
        let mut block = Vec::new();
        e.encode_headers(
            [
                Header {
                    name: b"authorization",
                    value: b"Basic xyz",
                    sensitive: false,
                },
                Header {
                    name: b"cookie",
                    value: b"a=1",
                    sensitive: false,
                },
                Header {
                    name: b"cookie",
                    value: b"a-much-longer-cookie-value=1",
                    sensitive: false,
                },
                Header {
                    name: b"x-secret",
                    value: b"1",
                    sensitive: true,
                },
            ],
            &mut block,
        );
        let mut got = Vec::new();
        d.decode(&block, |h| got.push(h.sensitive)).unwrap();
        assert_eq!(got, [true, true, false, true]);
        // Only the long cookie is in the table.
        assert_eq!(e.table_size(), 6 + 28 + 32);
        assert_eq!(d.table_size(), e.table_size());
    }

    #[test]
    fn table_size_changes_emit_size_updates() {
        let (mut e, mut d) = (Encoder::new(), Decoder::new());
        round_trip(&mut e, &mut d, &[(b"x-a", b"1")]);
        e.set_max_table_size(0);
        d.set_max_table_size(0);
        let block = round_trip(&mut e, &mut d, &[(b"x-a", b"1")]);
        assert_eq!(block[0], 0x20);
        assert_eq!(d.table_size(), 0);
        // Lowered then raised between blocks: both updates, smallest first.
        e.set_max_table_size(4096);
        d.set_max_table_size(4096);
        round_trip(&mut e, &mut d, &[(b"x-a", b"1")]);
        e.set_max_table_size(10);
        d.set_max_table_size(10);
        e.set_max_table_size(4096);
        d.set_max_table_size(4096);
        let block = round_trip(&mut e, &mut d, &[(b"x-a", b"1")]);
        assert_eq!(&block[..4], &[0x2a, 0x3f, 0xe1, 0x1f]);
        // A peer allowing more than the limit changes nothing.
        e.set_max_table_size(65536);
        d.set_max_table_size(65536);
        let block = round_trip(&mut e, &mut d, &[(b"x-a", b"1")]);
        assert_eq!(block, [0xbe]);
    }

    /// After `reset_table` the encoder holds no heap, its next block opens with the size
    /// updates 0 and 4096, and an independent decoder that kept the old entries follows it.
    #[test]
    fn reset_table_frees_everything_and_signals_size_zero() {
        let (mut e, mut d) = (Encoder::new(), Decoder::new());
        let fields: &[(&[u8], &[u8])] = &[(b"content-type", b"text/plain"), (b"x-a", b"1")];
        round_trip(&mut e, &mut d, fields);
        assert!(e.heap_size() > 0);
        assert!(d.table_size() > 0);
        e.reset_table();
        assert_eq!(e.heap_size(), 0);
        assert_eq!(e.table_size(), 0);
        let block = round_trip(&mut e, &mut d, fields);
        // 0x20: size 0; 0x3f 0xe1 0x1f: size 4096; then literals again (incremental indexing).
        assert_eq!(&block[..4], &[0x20, 0x3f, 0xe1, 0x1f]);
        assert_eq!(block[4] & 0xc0, 0x40);
        assert_eq!(d.table_size(), e.table_size());
        let again = round_trip(&mut e, &mut d, fields);
        assert_eq!(again, [0xbf, 0xbe]);
        // A lowered peer size still pending is what the table goes back to.
        e.set_max_table_size(100);
        d.set_max_table_size(100);
        e.reset_table();
        let block = round_trip(&mut e, &mut d, fields);
        assert_eq!(&block[..2], &[0x20, 0x3f]);
        assert_eq!(d.table_capacity(), 100);
    }

    #[test]
    fn large_fields_are_not_indexed() {
        let (mut e, mut d) = (Encoder::new(), Decoder::new());
        let big = vec![b'v'; 3100];
        round_trip(&mut e, &mut d, &[(b"x-big", &big)]);
        assert_eq!(e.table_size(), 0);
    }
}
