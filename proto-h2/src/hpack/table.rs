//! The static table (RFC 7541 Appendix A) and the dynamic table (section 4) as a ring buffer.

/// The static table, RFC 7541 Appendix A. Index 1 is `STATIC[0]`.
pub(crate) const STATIC: [(&[u8], &[u8]); 61] = [
    (b":authority", b""),
    (b":method", b"GET"),
    (b":method", b"POST"),
    (b":path", b"/"),
    (b":path", b"/index.html"),
    (b":scheme", b"http"),
    (b":scheme", b"https"),
    (b":status", b"200"),
    (b":status", b"204"),
    (b":status", b"206"),
    (b":status", b"304"),
    (b":status", b"400"),
    (b":status", b"404"),
    (b":status", b"500"),
    (b"accept-charset", b""),
    (b"accept-encoding", b"gzip, deflate"),
    (b"accept-language", b""),
    (b"accept-ranges", b""),
    (b"accept", b""),
    (b"access-control-allow-origin", b""),
    (b"age", b""),
    (b"allow", b""),
    (b"authorization", b""),
    (b"cache-control", b""),
    (b"content-disposition", b""),
    (b"content-encoding", b""),
    (b"content-language", b""),
    (b"content-length", b""),
    (b"content-location", b""),
    (b"content-range", b""),
    (b"content-type", b""),
    (b"cookie", b""),
    (b"date", b""),
    (b"etag", b""),
    (b"expect", b""),
    (b"expires", b""),
    (b"from", b""),
    (b"host", b""),
    (b"if-match", b""),
    (b"if-modified-since", b""),
    (b"if-none-match", b""),
    (b"if-range", b""),
    (b"if-unmodified-since", b""),
    (b"last-modified", b""),
    (b"link", b""),
    (b"location", b""),
    (b"max-forwards", b""),
    (b"proxy-authenticate", b""),
    (b"proxy-authorization", b""),
    (b"range", b""),
    (b"referer", b""),
    (b"refresh", b""),
    (b"retry-after", b""),
    (b"server", b""),
    (b"set-cookie", b""),
    (b"strict-transport-security", b""),
    (b"transfer-encoding", b""),
    (b"user-agent", b""),
    (b"vary", b""),
    (b"via", b""),
    (b"www-authenticate", b""),
];

/// Size overhead of an entry (RFC 7541 section 4.1: "The size of an entry is the sum of its
/// name's length in octets, its value's length in octets, and 32").
pub(crate) const ENTRY_OVERHEAD: usize = 32;

/// The eight octets of `b` at `at` as a little-endian word (0 if they run past the end).
#[inline(always)]
const fn word(b: &[u8], at: usize) -> u64 {
    match b.split_at(at).1.first_chunk::<8>() {
        Some(w) => u64::from_le_bytes(*w),
        None => 0,
    }
}

/// The four octets of `b` at `at` as a little-endian word (0 if they run past the end).
#[inline(always)]
const fn half(b: &[u8], at: usize) -> u64 {
    match b.split_at(at).1.first_chunk::<4>() {
        Some(w) => u32::from_le_bytes(*w) as u64,
        None => 0,
    }
}

/// A fast, non-cryptographic hash of `bytes` (with `seed`, for instance a name's hash when
/// hashing its value) for table lookups; matches are always verified octet for octet.
///
/// Whole 8-octet words, the tail as one overlapping word, short strings as two overlapping
/// halves or three octets: no copy and no call, whatever the length. Use the top bits: they are
/// the ones every octet reaches through the multiplications. A `const fn`, so that the
/// static table's index is built with it at compile time.
#[inline]
pub(crate) const fn hash(seed: u64, bytes: &[u8]) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let n = bytes.len();
    let mut h = (seed ^ n as u64).wrapping_mul(K);
    if n >= 8 {
        let mut at = 0;
        while at + 8 < n {
            h = (h.rotate_left(5) ^ word(bytes, at)).wrapping_mul(K);
            at += 8;
        }
        h = (h.rotate_left(5) ^ word(bytes, n - 8)).wrapping_mul(K);
    } else if n >= 4 {
        let w = half(bytes, 0) | half(bytes, n - 4) << 32;
        h = (h.rotate_left(5) ^ w).wrapping_mul(K);
    } else if n > 0 {
        let w = bytes[0] as u64 | (bytes[n / 2] as u64) << 8 | (bytes[n - 1] as u64) << 16;
        h = (h.rotate_left(5) ^ w).wrapping_mul(K);
    }
    h
}

/// Whether `a` and `b` hold the same octets, compared a word at a time without a call (the
/// strings compared here are mostly short, where a call to `memcmp` costs more than the work).
#[inline]
pub(crate) const fn same(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    if n >= 8 {
        let mut at = 0;
        while at + 8 < n {
            if word(a, at) != word(b, at) {
                return false;
            }
            at += 8;
        }
        word(a, n - 8) == word(b, n - 8)
    } else if n >= 4 {
        (half(a, 0) ^ half(b, 0)) | (half(a, n - 4) ^ half(b, n - 4)) == 0
    } else if n > 0 {
        a[0] == b[0] && a[n / 2] == b[n / 2] && a[n - 1] == b[n - 1]
    } else {
        true
    }
}

/// Slots of [`STATIC_BY_HASH`], a power of two above twice the 52 distinct static names.
const STATIC_SLOTS: usize = 128;

/// The slot of a name's hash in [`STATIC_BY_HASH`] (its top 7 bits).
#[inline]
const fn static_slot(name_hash: u64) -> usize {
    (name_hash >> 57) as usize
}

/// Generated table (by `build_static_by_hash`, at compile time): an open-addressed index
/// from [`hash`]`(0, name)` to the 1-based static index of the first entry of each distinct
/// name (0 = empty slot; collisions probe the next slots).
static STATIC_BY_HASH: [u8; STATIC_SLOTS] = build_static_by_hash();

const fn build_static_by_hash() -> [u8; STATIC_SLOTS] {
    let mut t = [0u8; STATIC_SLOTS];
    let mut i = 0;
    while i < STATIC.len() {
        let name = STATIC[i].0;
        if i == 0 || !same(STATIC[i - 1].0, name) {
            let mut slot = static_slot(hash(0, name));
            while t[slot] != 0 {
                slot = (slot + 1) % STATIC_SLOTS;
            }
            t[slot] = (i + 1) as u8;
        }
        i += 1;
    }
    t
}

/// Generated table (by `build_static_runs`, at compile time): for each 1-based static index
/// that starts a name, how many consecutive entries have that name.
static STATIC_RUNS: [u8; STATIC.len() + 1] = build_static_runs();

const fn build_static_runs() -> [u8; STATIC.len() + 1] {
    let mut t = [0u8; STATIC.len() + 1];
    let mut i = 0;
    while i < STATIC.len() {
        let mut end = i + 1;
        while end < STATIC.len() && same(STATIC[end].0, STATIC[i].0) {
            end += 1;
        }
        t[i + 1] = (end - i) as u8;
        i = end;
    }
    t
}

/// The 1-based static index of the first entry named `name` (0 if none), given
/// `name_hash = hash(0, name)`.
#[inline]
pub(crate) fn static_name(name: &[u8], name_hash: u64) -> usize {
    let mut slot = static_slot(name_hash);
    loop {
        let first = STATIC_BY_HASH[slot] as usize;
        if first == 0 {
            return 0;
        }
        if let Some((n, _)) = STATIC.get(first - 1)
            && same(n, name)
        {
            return first;
        }
        slot = (slot + 1) % STATIC_SLOTS;
    }
}

/// The 1-based static index of the entry with name index `first` (from [`static_name`]) and
/// `value`, if any.
#[inline]
pub(crate) fn static_value(first: usize, value: &[u8]) -> Option<usize> {
    let run = *STATIC_RUNS.get(first)? as usize;
    (first..first + run).find(|&i| STATIC.get(i - 1).is_some_and(|(_, v)| same(v, value)))
}

/// Looks `name` (and `value`) up in the static table: the index of an entry with both equal,
/// and the index of the first entry with the name.
#[cfg(test)]
fn static_find(name: &[u8], value: &[u8]) -> (Option<usize>, Option<usize>) {
    let first = static_name(name, hash(0, name));
    if first == 0 {
        return (None, None);
    }
    (static_value(first, value), Some(first))
}

/// The reach (see [`DynamicTable`]) the rings first grow to: a 512-octet byte ring and 9
/// entries, room for the few fields of a small request or response.
const MIN_REACH: usize = 256;

/// One dynamic-table entry: its name and value stored back to back at `off` in the byte ring.
#[derive(Debug, Clone, Copy, Default)]
struct Entry {
    off: usize,
    name_len: usize,
    value_len: usize,
}

/// The dynamic table: a FIFO of `(name, value)` entries in a byte ring, evicting the oldest
/// entries to stay within `capacity` (its maximum size in RFC 7541 terms).
///
/// Each entry's bytes are contiguous. When an entry does not fit between the write position
/// and the end of the ring it starts over at offset 0 and the tail is left unused; with a ring
/// of twice the table size this never overwrites a live entry (the live bytes plus the one
/// unused tail, shorter than a live entry, are at most twice the size).
///
/// The rings start empty and grow with the table: they are laid out for a size up to `reach`
/// (a byte ring of `2 * reach`, an entry ring of `reach / 32 + 1`), and an insertion that
/// would take the size past it re-lays them for at least four times that reach, up to the
/// capacity. A connection that carries a few small header blocks holds a few hundred bytes;
/// once the rings reach the capacity, insertions and evictions never allocate.
#[derive(Debug, Clone)]
pub(crate) struct DynamicTable {
    bytes: Vec<u8>,
    /// Ring of entries; `first` is the oldest, `len` are live.
    entries: Vec<Entry>,
    first: usize,
    len: usize,
    /// Write position in `bytes`.
    head: usize,
    /// Sum of entry sizes (RFC 7541 section 4.1).
    size: usize,
    /// Maximum size (RFC 7541 section 4.2).
    capacity: usize,
    /// The most size the rings are laid out for: insertions up to it cannot overwrite a live
    /// entry (0 after [`DynamicTable::compact`]).
    reach: usize,
    /// The reach before [`DynamicTable::compact`], which the rings grow back to (0 when not
    /// compacted).
    regrow: usize,
    /// Entries inserted so far: the live ones have sequence numbers `inserted - len..inserted`.
    inserted: u64,
}

impl DynamicTable {
    /// An empty table of maximum size `capacity`, holding no memory yet.
    pub(crate) fn new(capacity: usize) -> Self {
        DynamicTable {
            bytes: Vec::new(),
            entries: Vec::new(),
            first: 0,
            len: 0,
            head: 0,
            size: 0,
            capacity,
            reach: 0,
            regrow: 0,
            inserted: 0,
        }
    }

    /// Number of entries.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Sum of the entries' sizes.
    #[inline]
    pub(crate) fn size(&self) -> usize {
        self.size
    }

    /// Maximum size.
    #[inline]
    pub(crate) fn capacity(&self) -> usize {
        self.capacity
    }

    /// Empties the table, keeping the memory.
    pub(crate) fn clear(&mut self) {
        self.first = 0;
        self.len = 0;
        self.head = 0;
        self.size = 0;
    }

    /// Gives back the memory the rings hold beyond the live entries (a table that will be
    /// idle for a while): the entries are laid out oldest first, back to back, in buffers of
    /// exactly their size. Lookups work as before; the next insertion grows the rings back
    /// first. Allocates only when there are live entries.
    pub(crate) fn compact(&mut self) {
        let live: usize = (0..self.len)
            .map(|i| {
                let e = self.slot(i);
                e.name_len + e.value_len
            })
            .sum();
        let mut bytes = Vec::with_capacity(live);
        let mut entries = Vec::with_capacity(self.len);
        for k in 0..self.len {
            let e = *self.slot(self.len - 1 - k);
            let off = bytes.len();
            bytes.extend_from_slice(&self.bytes[e.off..e.off + e.name_len + e.value_len]);
            entries.push(Entry { off, ..e });
        }
        self.bytes = bytes;
        self.entries = entries;
        self.first = 0;
        self.head = live;
        self.regrow = self.regrow.max(self.reach);
        self.reach = 0;
    }

    /// Heap bytes the table holds.
    pub(crate) fn heap_size(&self) -> usize {
        self.bytes.capacity() + self.entries.capacity() * std::mem::size_of::<Entry>()
    }

    #[inline]
    fn slot(&self, i: usize) -> &Entry {
        // i = 0 is the newest entry.
        let n = self.entries.len();
        let mut k = self.first + self.len - 1 - i;
        if k >= n {
            k -= n;
        }
        &self.entries[k]
    }

    /// The entry at dynamic index `i` (0 is the newest), if any.
    #[inline]
    pub(crate) fn get(&self, i: usize) -> Option<(&[u8], &[u8])> {
        if i >= self.len {
            return None;
        }
        let e = self.slot(i);
        let mid = e.off + e.name_len;
        Some((&self.bytes[e.off..mid], &self.bytes[mid..mid + e.value_len]))
    }

    /// Sets the maximum size, evicting as needed (RFC 7541 section 4.3). Never allocates: the
    /// rings grow when an insertion needs it.
    pub(crate) fn set_capacity(&mut self, capacity: usize) {
        self.capacity = capacity;
        while self.size > capacity {
            self.evict();
        }
    }

    /// Re-lays the rings for a table size of at least `size` (at most the capacity, at least
    /// four times the current reach and [`MIN_REACH`], so that a table growing one entry at a
    /// time is re-laid twice on its way to 4096 octets; back to the reach before a [`DynamicTable::compact`]),
    /// the live entries oldest first from offset 0.
    #[cold]
    #[inline(never)]
    fn grow(&mut self, size: usize) {
        let reach = size
            .max(self.reach.saturating_mul(4))
            .max(MIN_REACH)
            .max(std::mem::take(&mut self.regrow))
            .min(self.capacity)
            .max(size);
        self.reach = reach;
        let want_bytes = reach.saturating_mul(2);
        let want_entries = reach / ENTRY_OVERHEAD + 1;
        // Re-lay the live entries, oldest first, into new rings.
        let mut bytes = vec![0u8; want_bytes.max(self.bytes.len())];
        let mut entries = vec![Entry::default(); want_entries.max(self.entries.len())];
        let mut off = 0;
        for (k, slot) in entries.iter_mut().enumerate().take(self.len) {
            let e = *self.slot(self.len - 1 - k);
            let n = e.name_len + e.value_len;
            bytes[off..off + n].copy_from_slice(&self.bytes[e.off..e.off + n]);
            *slot = Entry { off, ..e };
            off += n;
        }
        self.bytes = bytes;
        self.entries = entries;
        self.first = 0;
        self.head = off;
    }

    fn evict(&mut self) {
        debug_assert!(self.len > 0);
        let e = self.entries[self.first];
        self.size -= e.name_len + e.value_len + ENTRY_OVERHEAD;
        self.first += 1;
        if self.first == self.entries.len() {
            self.first = 0;
        }
        self.len -= 1;
        if self.len == 0 {
            self.first = 0;
            self.head = 0;
        }
    }

    /// Adds an entry (RFC 7541 section 4.4): evicts from the oldest until it fits; an entry
    /// larger than the maximum size empties the table and is not added.
    ///
    /// `name` must not borrow from this table (copy it first: "implementations are cautioned
    /// to avoid deleting the referenced name if the referenced entry is evicted").
    pub(crate) fn insert(&mut self, name: &[u8], value: &[u8]) {
        let n = name.len() + value.len();
        let need = n + ENTRY_OVERHEAD;
        if need > self.capacity {
            while self.len > 0 {
                self.evict();
            }
            return;
        }
        while self.size + need > self.capacity {
            self.evict();
        }
        if self.size + need > self.reach {
            // Past what the rings are laid out for (or compacted, see `compact`).
            self.grow(self.size + need);
        }
        let off = if self.head + n <= self.bytes.len() {
            self.head
        } else {
            0
        };
        self.bytes[off..off + name.len()].copy_from_slice(name);
        self.bytes[off + name.len()..off + n].copy_from_slice(value);
        self.head = off + n;
        let mut k = self.first + self.len;
        if k >= self.entries.len() {
            k -= self.entries.len();
        }
        self.entries[k] = Entry {
            off,
            name_len: name.len(),
            value_len: value.len(),
        };
        self.len += 1;
        self.size += need;
        self.inserted += 1;
    }

    /// The table size the rings are laid out for (or, compacted, will be laid out for at
    /// the next insertion): it changes only when an insertion grows them.
    #[inline]
    pub(crate) fn reach(&self) -> usize {
        self.reach.max(self.regrow)
    }

    /// Sequence number the next inserted entry gets.
    #[inline]
    pub(crate) fn next_seq(&self) -> u64 {
        self.inserted
    }
}

#[cfg(test)]
mod tests {

    fn contents(t: &DynamicTable) -> Vec<(Vec<u8>, Vec<u8>)> {
        (0..t.len())
            .map(|i| {
                let (n, v) = t.get(i).unwrap();
                (n.to_vec(), v.to_vec())
            })
            .collect()
    }

    /// A compacted table (rings wrapped, entries evicted) holds only its live bytes, looks
    /// up the same entries, and after further insertions (evicting, wrapping) is the same as
    /// a twin that was never compacted.
    #[test]
    fn compact_keeps_entries_and_regrows() {
        let mut a = DynamicTable::new(256);
        let mut b = DynamicTable::new(256);
        for i in 0..40u32 {
            let v = format!("value-{i}-{}", "x".repeat((i % 7) as usize));
            a.insert(b"name", v.as_bytes());
            b.insert(b"name", v.as_bytes());
        }
        let before = contents(&a);
        a.compact();
        assert_eq!(contents(&a), before);
        let live: usize = before.iter().map(|(n, v)| n.len() + v.len()).sum();
        assert_eq!(a.bytes.capacity(), live);
        assert_eq!(a.entries.capacity(), a.len());
        for i in 0..40u32 {
            let v = format!("again-{i}-{}", "y".repeat((i % 5) as usize));
            a.insert(b"other", v.as_bytes());
            b.insert(b"other", v.as_bytes());
            assert_eq!(contents(&a), contents(&b));
            if i % 9 == 0 {
                a.compact();
            }
        }
        assert_eq!(a.next_seq(), b.next_seq());
        let mut empty = DynamicTable::new(256);
        empty.compact();
        assert_eq!(empty.heap_size(), 0);
        empty.insert(b"n", b"v");
        assert_eq!(contents(&empty), [(b"n".to_vec(), b"v".to_vec())]);
    }

    use super::*;
    use proptest::prelude::*;
    use std::collections::VecDeque;

    /// The rings start empty and grow with the entries, by four from [`MIN_REACH`] up to the
    /// capacity, and no further: a full-size table then never allocates again.
    #[test]
    fn rings_start_empty_and_grow_to_the_capacity() {
        let mut t = DynamicTable::new(4096);
        assert_eq!(t.heap_size(), 0);
        t.set_capacity(4096);
        assert_eq!(t.heap_size(), 0);
        t.insert(b"content-type", b"text/plain");
        t.insert(b"x-served-by", b"the same server");
        let small = t.heap_size();
        assert_eq!(t.reach, MIN_REACH);
        assert!(small < 1024, "{small}");
        let mut reaches = vec![t.reach];
        for i in 0..400u32 {
            t.insert(b"name", format!("value {i}").as_bytes());
            if reaches.last() != Some(&t.reach) {
                reaches.push(t.reach);
            }
        }
        assert_eq!(reaches, [256, 1024, 4096]);
        assert_eq!(t.bytes.len(), 2 * 4096);
        assert_eq!(t.entries.len(), 4096 / ENTRY_OVERHEAD + 1);
        let full = t.heap_size();
        t.insert(b"name", b"one more");
        assert_eq!(t.heap_size(), full);
        assert_eq!(t.get(0), Some((&b"name"[..], &b"one more"[..])));
        assert_eq!(t.get(1), Some((&b"name"[..], &b"value 399"[..])));
        // A lower capacity keeps the rings; a larger one grows them only when filled.
        t.set_capacity(100);
        assert_eq!(t.heap_size(), full);
        t.set_capacity(8192);
        assert_eq!(t.heap_size(), full);
        t.insert(b"n", &[b'v'; 5000]);
        assert_eq!(t.reach, 8192);
        assert_eq!(t.len(), 3);
        assert_eq!(t.get(1), Some((&b"name"[..], &b"one more"[..])));
        assert_eq!(t.get(2), Some((&b"name"[..], &b"value 399"[..])));
    }

    #[test]
    fn static_lookup_finds_every_entry() {
        for (i, (name, value)) in STATIC.iter().enumerate() {
            let (exact, by_name) = static_find(name, value);
            assert_eq!(exact, Some(i + 1), "{}", String::from_utf8_lossy(name));
            let first = STATIC.iter().position(|(n, _)| n == name).unwrap() + 1;
            assert_eq!(by_name, Some(first));
        }
        assert_eq!(static_find(b":method", b"PUT"), (None, Some(2)));
        assert_eq!(static_find(b":status", b"500"), (Some(14), Some(8)));
        assert_eq!(static_find(b"x-custom", b""), (None, None));
        assert_eq!(static_find(&[b'a'; 100], b""), (None, None));
        assert_eq!(static_find(b"", b""), (None, None));
    }

    proptest! {
        /// The word-at-a-time comparison agrees with `==`, and equal strings hash alike.
        #[test]
        fn same_is_equality(a in proptest::collection::vec(0u8..3, 0..40), b in proptest::collection::vec(0u8..3, 0..40)) {
            prop_assert_eq!(same(&a, &b), a == b);
            prop_assert!(same(&a, &a.clone()));
            prop_assert_eq!(hash(7, &a), hash(7, &a.clone()));
            if a.len() == b.len() && a != b {
                // The first and the last octet each take part in the hash: every step maps
                // the state one to one, so flipping either changes it.
                let mut c = a.clone();
                c[0] ^= 1;
                prop_assert_ne!(hash(7, &a), hash(7, &c));
                let mut c = a.clone();
                let last = c.len() - 1;
                c[last] ^= 1;
                prop_assert_ne!(hash(7, &a), hash(7, &c));
            }
        }
    }

    #[test]
    fn eviction_is_fifo_and_oversized_entries_empty_the_table() {
        let mut t = DynamicTable::new(100);
        t.insert(b"a", b"1"); // 34
        t.insert(b"b", b"2"); // 68
        assert_eq!(t.get(0), Some((&b"b"[..], &b"2"[..])));
        assert_eq!(t.get(1), Some((&b"a"[..], &b"1"[..])));
        t.insert(b"c", b"3"); // 102 > 100: "a" goes
        assert_eq!(t.len(), 2);
        assert_eq!(t.size(), 68);
        assert_eq!(t.get(1), Some((&b"b"[..], &b"2"[..])));
        assert_eq!(t.get(2), None);
        t.insert(b"x", &[b'v'; 70]); // 103 > 100
        assert_eq!(t.len(), 0);
        assert_eq!(t.size(), 0);
        t.set_capacity(0);
        t.insert(b"", b"");
        assert_eq!(t.len(), 0);
    }

    #[derive(Debug, Clone)]
    enum Op {
        Insert(Vec<u8>, Vec<u8>),
        Capacity(usize),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            8 => (proptest::collection::vec(any::<u8>(), 0..40), proptest::collection::vec(any::<u8>(), 0..120))
                .prop_map(|(n, v)| Op::Insert(n, v)),
            1 => (0usize..600).prop_map(Op::Capacity),
        ]
    }

    proptest! {
        /// The ring agrees with a plain `VecDeque` model of RFC 7541 section 4.
        #[test]
        fn ring_matches_model(start in 0usize..600, ops in proptest::collection::vec(op(), 0..200)) {
            let mut t = DynamicTable::new(start);
            let mut model: VecDeque<(Vec<u8>, Vec<u8>)> = VecDeque::new();
            let mut cap = start;
            let size = |m: &VecDeque<(Vec<u8>, Vec<u8>)>| m.iter().map(|(n, v)| n.len() + v.len() + 32).sum::<usize>();
            for op in ops {
                match op {
                    Op::Insert(n, v) => {
                        t.insert(&n, &v);
                        model.push_front((n, v));
                    }
                    Op::Capacity(c) => {
                        t.set_capacity(c);
                        cap = c;
                    }
                }
                while size(&model) > cap {
                    model.pop_back();
                }
                prop_assert_eq!(t.len(), model.len());
                prop_assert_eq!(t.size(), size(&model));
                for (i, (n, v)) in model.iter().enumerate() {
                    prop_assert_eq!(t.get(i), Some((&n[..], &v[..])));
                }
            }
        }
    }
}
