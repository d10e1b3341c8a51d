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

/// Longest name in the static table.
const MAX_STATIC_NAME: usize = 27;

/// Generated table (by `build_static_by_len`, at compile time): for each name length, the
/// 1-based static indices of the first entry of each distinct name of that length (0 = none).
static STATIC_BY_LEN: [[u8; 8]; MAX_STATIC_NAME + 1] = build_static_by_len();

const fn bytes_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

const fn build_static_by_len() -> [[u8; 8]; MAX_STATIC_NAME + 1] {
    let mut t = [[0u8; 8]; MAX_STATIC_NAME + 1];
    let mut i = 0;
    while i < STATIC.len() {
        let name = STATIC[i].0;
        let first_of_name = i == 0 || !bytes_eq(STATIC[i - 1].0, name);
        if first_of_name {
            let row = &mut t[name.len()];
            let mut k = 0;
            while row[k] != 0 {
                k += 1;
            }
            row[k] = (i + 1) as u8;
        }
        i += 1;
    }
    t
}

/// Looks `name` (and `value`) up in the static table: the index of an entry with both equal,
/// and the index of the first entry with the name.
#[inline]
pub(crate) fn static_find(name: &[u8], value: &[u8]) -> (Option<usize>, Option<usize>) {
    let Some(row) = STATIC_BY_LEN.get(name.len()) else {
        return (None, None);
    };
    for &first in row {
        if first == 0 {
            break;
        }
        let first = first as usize;
        if STATIC[first - 1].0 != name {
            continue;
        }
        let mut i = first;
        while i <= STATIC.len() && STATIC[i - 1].0 == name {
            if STATIC[i - 1].1 == value {
                return (Some(i), Some(first));
            }
            i += 1;
        }
        return (None, Some(first));
    }
    (None, None)
}

/// One dynamic-table entry: its name and value stored back to back at `off` in the byte ring.
#[derive(Debug, Clone, Copy, Default)]
struct Entry {
    off: usize,
    name_len: usize,
    value_len: usize,
}

/// The dynamic table: a FIFO of `(name, value)` entries in a fixed byte ring, evicting the
/// oldest entries to stay within `capacity` (its maximum size in RFC 7541 terms).
///
/// Each entry's bytes are contiguous. When an entry does not fit between the write position
/// and the end of the ring it starts over at offset 0 and the tail is left unused; with a ring
/// of twice the capacity this never overwrites a live entry (live bytes plus the one unused
/// tail are at most two capacities). Insertions and evictions never allocate; only a size
/// update above the current ring's reach does.
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
    /// Entries inserted so far: the live ones have sequence numbers `inserted - len..inserted`.
    inserted: u64,
}

impl DynamicTable {
    /// An empty table of maximum size `capacity`.
    pub(crate) fn new(capacity: usize) -> Self {
        let mut t = DynamicTable {
            bytes: Vec::new(),
            entries: Vec::new(),
            first: 0,
            len: 0,
            head: 0,
            size: 0,
            capacity: 0,
            inserted: 0,
        };
        t.set_capacity(capacity);
        t
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

    /// Empties the table and sets its maximum size, keeping the memory.
    pub(crate) fn clear(&mut self) {
        self.first = 0;
        self.len = 0;
        self.head = 0;
        self.size = 0;
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

    /// Sets the maximum size, evicting as needed (RFC 7541 section 4.3). Grows the ring (an
    /// allocation) only when the new size is beyond what it was built for.
    pub(crate) fn set_capacity(&mut self, capacity: usize) {
        self.capacity = capacity;
        while self.size > capacity {
            self.evict();
        }
        let want_bytes = capacity.saturating_mul(2);
        let want_entries = capacity / ENTRY_OVERHEAD + 1;
        if want_bytes > self.bytes.len() || want_entries > self.entries.len() {
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

    /// Sequence number the next inserted entry gets.
    #[inline]
    pub(crate) fn next_seq(&self) -> u64 {
        self.inserted
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::VecDeque;

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
