//! HTTP/2 inputs and pairs: HPACK (against fluke-hpack and httlib-hpack) and, in their own
//! section below, frame encode/decode.

use crate::Pair;

/// Every pair of the `h2` group.
pub fn pairs() -> Vec<Pair> {
    let mut pairs = hpack::pairs();
    pairs.extend(frame_pairs());
    pairs
}

// ---------------------------------------------------------------------------------------------
// Frames (rows added by the connection side).
// ---------------------------------------------------------------------------------------------

pub mod frames;

/// Frame encode/decode pairs against `http2parse`, a standalone HTTP/2 frame codec over byte
/// slices (zero-copy payloads, encoding into a caller's buffer), on the inputs of [`frames`].
///
/// It checks less than we do (no `SETTINGS_MAX_FRAME_SIZE`, no stream-id rules per frame type)
/// and writes into a pre-sized slice where we append to a `Vec`; the rows measure the codec
/// work both must do.
fn frame_pairs() -> Vec<Pair> {
    use std::hint::black_box;
    use std::rc::Rc;

    let mut pairs = Vec::new();
    // Throughput only where both sides look at every octet: the DATA rows handle frame heads
    // and hand the payloads on untouched, so they report time per iteration (`bytes: 0`).
    for (name, wire, touches_every_octet) in [
        (
            "decode 64 DATA x 16 KiB + control",
            frames::bulk_wire(),
            false,
        ),
        ("decode 10000 control frames", frames::control_wire(), true),
    ] {
        let a = Rc::new(wire);
        let b = Rc::clone(&a);
        pairs.push(Pair {
            group: "h2",
            name: format!("frame {name} ({} B)", a.len()),
            peer: "http2parse",
            bytes: if touches_every_octet {
                a.len() as u64
            } else {
                0
            },
            ours: Box::new(move || frames::decode_all(black_box(&a))),
            theirs: Box::new(move || frame_peer::decode_all(black_box(&b))),
        });
    }
    let body = vec![0x5au8; 16 * 1024];
    let (body_a, body_b) = (body.clone(), body);
    let mut out = Vec::with_capacity(64 * 1024);
    let mut slots = vec![0u8; 64 * 9];
    // Not quite the same work, and the label says so: our public API appends each head to a
    // `Vec` (a capacity check and a length update per head, the price of a buffer that grows),
    // theirs writes into a slice the caller sized beforehand. The row below gives both sides
    // the caller's slots.
    pairs.push(Pair {
        group: "h2",
        name: "frame encode 64 DATA x 16 KiB, head only (ours: Vec append, theirs: slots)".into(),
        peer: "http2parse",
        bytes: 0,
        ours: Box::new(move || frames::encode_data_heads(black_box(&body_a), &mut out)),
        theirs: Box::new(move || frame_peer::encode_data_heads(black_box(&body_b), &mut slots)),
    });
    // The same heads written into a caller's 64 x 9 octet slots on both sides (what a vectored
    // writer that keeps its own head buffer does): our FrameHeader::encode_into against theirs.
    let body = vec![0x5au8; 16 * 1024];
    let (body_a, body_b) = (body.clone(), body);
    let mut slots_a = vec![0u8; 64 * 9];
    let mut slots_b = vec![0u8; 64 * 9];
    pairs.push(Pair {
        group: "h2",
        name: "frame encode 64 DATA x 16 KiB, head into slots".into(),
        peer: "http2parse",
        bytes: 0,
        ours: Box::new(move || frames::encode_data_heads_into(black_box(&body_a), &mut slots_a)),
        theirs: Box::new(move || frame_peer::encode_data_heads(black_box(&body_b), &mut slots_b)),
    });
    let ctl_len = frames::control_wire().len();
    // Both sides write into a buffer that holds the whole output from the first iteration on.
    let mut out = Vec::with_capacity(ctl_len);
    let mut slots = vec![0u8; ctl_len];
    pairs.push(Pair {
        group: "h2",
        name: "frame encode 10000 control frames".into(),
        peer: "http2parse",
        bytes: ctl_len as u64,
        ours: Box::new(move || frames::encode_control(&mut out)),
        theirs: Box::new(move || frame_peer::encode_control(&mut slots)),
    });
    pairs
}

/// The same workloads as [`frames`], written with `http2parse`.
pub mod frame_peer {
    use http2parse::{Flag, Frame, FrameHeader, Kind, Payload, Priority, StreamIdentifier};

    /// Decodes every frame of `wire`; returns what [`super::frames::decode_all`] returns.
    pub fn decode_all(wire: &[u8]) -> u64 {
        let mut rest = wire;
        let mut sum = 0u64;
        while let Ok(header) = FrameHeader::parse(rest) {
            let Some(payload) = rest.get(9..9 + header.length as usize) else {
                break;
            };
            let Ok(frame) = Frame::parse(header, payload) else {
                break;
            };
            sum += match frame.payload {
                Payload::Data { data } => data.len() as u64,
                Payload::WindowUpdate(w) => u64::from(w.0 & 0x7fff_ffff),
                _ => u64::from(frame.header.id.0) + 1,
            };
            rest = &rest[9 + header.length as usize..];
        }
        sum
    }

    /// Writes the heads of 64 DATA frames carrying `body` into `slots` (64 x 9 octets); returns
    /// the payload octets plus the octets written.
    pub fn encode_data_heads(body: &[u8], slots: &mut [u8]) -> u64 {
        let mut n = 0u64;
        for (i, slot) in slots.chunks_exact_mut(9).take(64).enumerate() {
            FrameHeader {
                length: body.len() as u32,
                kind: Kind::Data,
                flag: Flag::empty(),
                id: StreamIdentifier(1 + 2 * i as u32),
            }
            .encode(slot);
            n += body.len() as u64 + 9;
        }
        n
    }

    /// Writes the frames of [`super::frames::control_wire`] into `buf` (exactly that long);
    /// returns the octets written.
    pub fn encode_control(buf: &mut [u8]) -> u64 {
        let Ok((_, Some(priority))) = Priority::parse(true, &[0, 0, 0, 0, 16]) else {
            return 0;
        };
        let mut at = 0;
        for i in 0..2500u32 {
            let id = StreamIdentifier(1 + 2 * i);
            for (payload, flag, id) in [
                (
                    Payload::WindowUpdate(http2parse::SizeIncrement(100)),
                    Flag::empty(),
                    id,
                ),
                (
                    Payload::Ping(u64::from_be_bytes([7; 8])),
                    Flag::ack(),
                    StreamIdentifier(0),
                ),
                (Payload::Reset(http2parse::ErrorCode(8)), Flag::empty(), id),
                (Payload::Priority(priority), Flag::empty(), id),
            ] {
                let frame = Frame {
                    header: FrameHeader {
                        length: payload.encoded_len() as u32,
                        kind: payload.kind(),
                        flag,
                        id,
                    },
                    payload,
                };
                let Some(slot) = buf.get_mut(at..at + frame.encoded_len()) else {
                    return 0;
                };
                at += frame.encode(slot);
            }
        }
        at as u64
    }
}

// ---------------------------------------------------------------------------------------------
// HPACK
// ---------------------------------------------------------------------------------------------

/// HPACK on the hpack-test-case stories: decoding nghttp2's Huffman-coded encodings and go-hpack's
/// plain ones, encoding the raw-data header lists. One iteration handles every story of the
/// folder, each with a fresh decoder or encoder, as a connection would.
pub mod hpack {
    use std::hint::black_box;
    use std::path::{Path, PathBuf};
    use std::rc::Rc;

    use crate::Pair;

    /// One header block of a story.
    pub struct Case {
        /// `SETTINGS_HEADER_TABLE_SIZE` acknowledged before this block, if it changed.
        pub table_size: Option<usize>,
        /// The encoded block (empty for raw-data stories).
        pub wire: Vec<u8>,
        /// The header list.
        pub headers: Vec<(Vec<u8>, Vec<u8>)>,
    }

    /// What the encoders read: the header lists of a folder's stories with every name and value
    /// back to back in one buffer, in story and block order, as a parsed request or response
    /// head holds them and where a server that has just built a head finds it. Kept apart from
    /// the [`Case`]s, whose thousands of small allocations would otherwise lie between the
    /// blocks and make the bench measure cache misses on its own input rather than encoding.
    pub struct HeaderLists {
        arena: Vec<u8>,
        /// `(name end, value end)` offsets into `arena`, per field.
        ends: Vec<(u32, u32)>,
        /// Per block: the table size acknowledged before it, the offset in `arena` where its
        /// first field starts, and its fields' range in `ends`.
        blocks: Vec<(Option<usize>, u32, std::ops::Range<u32>)>,
        /// Per story: its blocks' range in `blocks`.
        stories: Vec<std::ops::Range<usize>>,
    }

    impl HeaderLists {
        /// Lays out the header lists of `stories`.
        pub fn new(stories: &[Story]) -> HeaderLists {
            let mut lists = HeaderLists {
                arena: Vec::new(),
                ends: Vec::new(),
                blocks: Vec::new(),
                stories: Vec::new(),
            };
            for story in stories {
                let first_block = lists.blocks.len();
                for case in story {
                    let start = lists.arena.len() as u32;
                    let first_field = lists.ends.len() as u32;
                    for (n, v) in &case.headers {
                        lists.arena.extend_from_slice(n);
                        let name_end = lists.arena.len() as u32;
                        lists.arena.extend_from_slice(v);
                        lists.ends.push((name_end, lists.arena.len() as u32));
                    }
                    let fields = first_field..lists.ends.len() as u32;
                    lists.blocks.push((case.table_size, start, fields));
                }
                lists.stories.push(first_block..lists.blocks.len());
            }
            lists
        }

        /// Each story's blocks, as indices for [`HeaderLists::table_size`] and
        /// [`HeaderLists::fields`].
        pub fn stories(&self) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
            self.stories.iter().cloned()
        }

        /// The `SETTINGS_HEADER_TABLE_SIZE` acknowledged before block `block`, if it changed.
        pub fn table_size(&self, block: usize) -> Option<usize> {
            self.blocks[block].0
        }

        /// The header list of block `block` as (name, value) slices of the buffer.
        pub fn fields(&self, block: usize) -> impl Iterator<Item = (&[u8], &[u8])> + '_ {
            let (_, mut start, ref range) = self.blocks[block];
            self.ends[range.start as usize..range.end as usize]
                .iter()
                .map(move |&(n, v)| {
                    let f = (
                        &self.arena[start as usize..n as usize],
                        &self.arena[n as usize..v as usize],
                    );
                    start = v;
                    f
                })
        }

        /// Octets of names and values.
        pub fn len(&self) -> usize {
            self.arena.len()
        }

        /// Whether there is no name or value octet at all.
        pub fn is_empty(&self) -> bool {
            self.arena.is_empty()
        }
    }

    /// A story: blocks sharing one compression context.
    pub type Story = Vec<Case>;

    /// The hpack-test-case corpus, beside the repository (`../shared/corpora`).
    pub fn corpus_dir() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpora/hpack-test-case")
    }

    fn unhex(s: &str) -> Option<Vec<u8>> {
        (0..s.len() / 2)
            .map(|i| u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok())
            .collect()
    }

    fn parse(bytes: &[u8]) -> Option<Story> {
        let json: serde_json::Value = serde_json::from_slice(bytes).ok()?;
        let mut story = Vec::new();
        for c in json.get("cases")?.as_array()? {
            let mut headers = Vec::new();
            for h in c.get("headers")?.as_array()? {
                for (k, v) in h.as_object()? {
                    headers.push((k.as_bytes().to_vec(), v.as_str()?.as_bytes().to_vec()));
                }
            }
            let wire = match c.get("wire").and_then(|w| w.as_str()) {
                Some(w) => unhex(w)?,
                None => Vec::new(),
            };
            let table_size = c
                .get("header_table_size")
                .and_then(|v| v.as_u64())
                .map(|v| v as usize);
            story.push(Case {
                table_size,
                wire,
                headers,
            });
        }
        Some(story)
    }

    /// The stories of one corpus folder, in file order; empty when the corpus is missing.
    pub fn load(folder: &str) -> Vec<Story> {
        let Ok(dir) = std::fs::read_dir(corpus_dir().join(folder)) else {
            return Vec::new();
        };
        let mut paths: Vec<PathBuf> = dir
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        paths.sort();
        paths
            .iter()
            .filter_map(|p| parse(&std::fs::read(p).ok()?))
            .collect()
    }

    /// Decodes every story with our decoder; returns the octets of names and values seen.
    pub fn decode_ours(stories: &[Story]) -> u64 {
        let mut n = 0u64;
        for story in stories {
            let mut d = proto_h2::hpack::Decoder::new();
            for case in story {
                if let Some(s) = case.table_size {
                    d.set_max_table_size(s);
                }
                let r = d.decode(&case.wire, |h| n += (h.name.len() + h.value.len()) as u64);
                if r.is_err() {
                    return 0;
                }
            }
        }
        n
    }

    /// Decodes every story with fluke-hpack (its callback API, which borrows when it can).
    pub fn decode_fluke(stories: &[Story]) -> u64 {
        let mut n = 0u64;
        for story in stories {
            let mut d = fluke_hpack::Decoder::new();
            for case in story {
                if let Some(s) = case.table_size {
                    d.set_max_allowed_table_size(s);
                }
                let r = d.decode_with_cb(&case.wire, |name, value| {
                    n += (name.len() + value.len()) as u64
                });
                if r.is_err() {
                    return 0;
                }
            }
        }
        n
    }

    /// Decodes every story with httlib-hpack.
    ///
    /// Its `Decoder::decode` takes the block as a `&mut Vec<u8>` and drains it, so the block has
    /// to be copied into a `Vec` it may consume: one buffer, reused across blocks (a copy, no
    /// allocation), as a caller that keeps a receive buffer would do. The per-field `Vec`s of
    /// its output are its API's own.
    pub fn decode_httlib(stories: &[Story]) -> u64 {
        let mut n = 0u64;
        let mut fields = Vec::new();
        let mut buf = Vec::new();
        for story in stories {
            let mut d = httlib_hpack::Decoder::with_dynamic_size(4096);
            for case in story {
                if let Some(s) = case.table_size {
                    d.set_max_dynamic_size(s as u32);
                }
                buf.clear();
                buf.extend_from_slice(&case.wire);
                fields.clear();
                if d.decode(&mut buf, &mut fields).is_err() {
                    return 0;
                }
                n += fields
                    .iter()
                    .map(|(a, b, _)| (a.len() + b.len()) as u64)
                    .sum::<u64>();
            }
        }
        n
    }

    /// Encodes every story's header lists with our encoder; returns the encoded octets.
    pub fn encode_ours(lists: &HeaderLists, out: &mut Vec<u8>) -> u64 {
        encode_ours_with(lists, out, true)
    }

    /// Like [`encode_ours`] without Huffman coding: the work fluke-hpack's encoder does
    /// (indexing, every string raw).
    pub fn encode_ours_raw(lists: &HeaderLists, out: &mut Vec<u8>) -> u64 {
        encode_ours_with(lists, out, false)
    }

    fn encode_ours_with(lists: &HeaderLists, out: &mut Vec<u8>, huffman: bool) -> u64 {
        let mut n = 0u64;
        for story in lists.stories() {
            let mut e = proto_h2::hpack::Encoder::new();
            e.set_huffman(huffman);
            for block in story {
                if let Some(s) = lists.table_size(block) {
                    e.set_max_table_size(s);
                }
                out.clear();
                e.encode(lists.fields(block), out);
                n += out.len() as u64;
            }
        }
        n
    }

    /// Encodes every story's header lists with fluke-hpack (indexing, no Huffman).
    pub fn encode_fluke(lists: &HeaderLists, out: &mut Vec<u8>) -> u64 {
        let mut n = 0u64;
        for story in lists.stories() {
            let mut e = fluke_hpack::Encoder::new();
            for block in story {
                if let Some(s) = lists.table_size(block) {
                    e.set_max_table_size(s);
                }
                out.clear();
                if e.encode_into(lists.fields(block), out).is_err() {
                    return 0;
                }
                n += out.len() as u64;
            }
        }
        n
    }

    /// Encodes every story's header lists with httlib-hpack (best format: indexing and Huffman).
    ///
    /// Its `Encoder::encode` takes each field as owned `(Vec<u8>, Vec<u8>, flags)`, so every
    /// name and value is copied into two new `Vec`s: its API requires it (the row's label says
    /// so).
    pub fn encode_httlib(lists: &HeaderLists, out: &mut Vec<u8>) -> u64 {
        use httlib_hpack::Encoder as E;
        let flags = E::BEST_FORMAT | E::HUFFMAN_NAME | E::HUFFMAN_VALUE | E::WITH_INDEXING;
        let mut n = 0u64;
        for story in lists.stories() {
            let mut e = E::with_dynamic_size(4096);
            for block in story {
                out.clear();
                for (a, b) in lists.fields(block) {
                    if e.encode((a.to_vec(), b.to_vec(), flags), out).is_err() {
                        return 0;
                    }
                }
                n += out.len() as u64;
            }
        }
        n
    }

    /// Reads a prefix integer (RFC 7541 section 5.1) at `*pos`.
    fn read_int(wire: &[u8], pos: &mut usize, prefix_bits: u32) -> Option<usize> {
        let mask = (1usize << prefix_bits) - 1;
        let mut v = usize::from(*wire.get(*pos)?) & mask;
        *pos += 1;
        if v < mask {
            return Some(v);
        }
        let mut shift = 0;
        loop {
            let b = *wire.get(*pos)?;
            *pos += 1;
            v += usize::from(b & 0x7f) << shift;
            shift += 7;
            if b & 0x80 == 0 || shift > 28 {
                return Some(v);
            }
        }
    }

    /// Appends a prefix integer with flags `flags` above the prefix.
    fn write_int(out: &mut Vec<u8>, flags: u8, prefix_bits: u32, v: usize) {
        let mask = (1usize << prefix_bits) - 1;
        if v < mask {
            out.push(flags | v as u8);
            return;
        }
        out.push(flags | mask as u8);
        let mut rest = v - mask;
        while rest >= 0x80 {
            out.push(rest as u8 | 0x80);
            rest >>= 7;
        }
        out.push(rest as u8);
    }

    /// Copies the string literal at `*pos` to `out` as a raw (not Huffman-coded) literal.
    fn copy_string_plain(wire: &[u8], pos: &mut usize, out: &mut Vec<u8>) -> Option<()> {
        let huffman = *wire.get(*pos)? & 0x80 != 0;
        let start = *pos;
        let len = read_int(wire, pos, 7)?;
        let body = wire.get(*pos..*pos + len)?;
        *pos += len;
        if !huffman {
            write_int(out, 0, 7, len);
            out.extend_from_slice(body);
            return Some(());
        }
        // Decode the string alone as the value of a literal with a raw empty name.
        let mut one = vec![0x00, 0x00];
        one.extend_from_slice(&wire[start..*pos]);
        let mut value = None;
        proto_h2::hpack::Decoder::new()
            .decode(&one, |h| value = Some(h.value.to_vec()))
            .ok()?;
        let value = value?;
        write_int(out, 0, 7, value.len());
        out.extend_from_slice(&value);
        Some(())
    }

    /// The same blocks with every Huffman-coded string re-sent as a raw literal (the same
    /// representations, indices and table operations otherwise).
    pub fn without_huffman(stories: &[Story]) -> Vec<Story> {
        let block = |wire: &[u8]| -> Option<Vec<u8>> {
            let mut out = Vec::with_capacity(wire.len() * 2);
            let mut pos = 0;
            while let Some(&b) = wire.get(pos) {
                let start = pos;
                if b & 0x80 != 0 || b & 0xe0 == 0x20 {
                    // Indexed field or size update: copied as is.
                    read_int(wire, &mut pos, if b & 0x80 != 0 { 7 } else { 5 })?;
                    out.extend_from_slice(&wire[start..pos]);
                    continue;
                }
                let prefix = if b & 0x40 != 0 { 6 } else { 4 };
                let index = read_int(wire, &mut pos, prefix)?;
                out.extend_from_slice(&wire[start..pos]);
                if index == 0 {
                    copy_string_plain(wire, &mut pos, &mut out)?;
                }
                copy_string_plain(wire, &mut pos, &mut out)?;
            }
            Some(out)
        };
        stories
            .iter()
            .filter_map(|story| {
                story
                    .iter()
                    .map(|c| {
                        Some(Case {
                            table_size: c.table_size,
                            wire: block(&c.wire)?,
                            headers: c.headers.clone(),
                        })
                    })
                    .collect()
            })
            .collect()
    }

    fn wire_bytes(stories: &[Story]) -> u64 {
        stories.iter().flatten().map(|c| c.wire.len() as u64).sum()
    }

    #[cfg(test)]
    fn raw_bytes(stories: &[Story]) -> u64 {
        stories
            .iter()
            .flatten()
            .flat_map(|c| &c.headers)
            .map(|(a, b)| (a.len() + b.len()) as u64)
            .sum()
    }

    type Run = fn(&[Story]) -> u64;
    type EncodeRun = fn(&HeaderLists, &mut Vec<u8>) -> u64;

    fn decode_pair(
        name: String,
        peer: &'static str,
        stories: &Rc<Vec<Story>>,
        theirs: Run,
    ) -> Pair {
        let (a, b) = (Rc::clone(stories), Rc::clone(stories));
        Pair {
            group: "h2",
            name,
            peer,
            bytes: wire_bytes(stories),
            ours: Box::new(move || decode_ours(black_box(&a))),
            theirs: Box::new(move || theirs(black_box(&b))),
        }
    }

    fn encode_pair(
        name: String,
        peer: &'static str,
        lists: &Rc<HeaderLists>,
        ours: EncodeRun,
        theirs: EncodeRun,
    ) -> Pair {
        let (a, b) = (Rc::clone(lists), Rc::clone(lists));
        let (mut out_a, mut out_b) = (Vec::new(), Vec::new());
        Pair {
            group: "h2",
            name,
            peer,
            bytes: lists.len() as u64,
            ours: Box::new(move || ours(black_box(&a), &mut out_a)),
            theirs: Box::new(move || theirs(black_box(&b), &mut out_b)),
        }
    }

    /// The HPACK pairs; none when the corpus is missing.
    pub fn pairs() -> Vec<Pair> {
        let mut pairs = Vec::new();
        let huffman = Rc::new(load("nghttp2"));
        if !huffman.is_empty() {
            let name = format!("hpack decode nghttp2 stories, Huffman ({})", huffman.len());
            pairs.push(decode_pair(
                name.clone(),
                "fluke-hpack",
                &huffman,
                decode_fluke,
            ));
            pairs.push(decode_pair(
                format!("{name}, peer copies each block (API drains a Vec)"),
                "httlib-hpack",
                &huffman,
                decode_httlib,
            ));
        }
        // Every string of the corpus folders is Huffman-coded (go-hpack's included): the plain
        // row is go-hpack's stories with each string re-sent as a raw literal.
        let plain = Rc::new(without_huffman(&load("go-hpack")));
        if !plain.is_empty() {
            let name = format!(
                "hpack decode go-hpack stories, strings re-sent plain ({})",
                plain.len()
            );
            pairs.push(decode_pair(
                name.clone(),
                "fluke-hpack",
                &plain,
                decode_fluke,
            ));
            pairs.push(decode_pair(
                format!("{name}, peer copies each block (API drains a Vec)"),
                "httlib-hpack",
                &plain,
                decode_httlib,
            ));
        }
        let stories = load("raw-data");
        if !stories.is_empty() {
            let raw = Rc::new(HeaderLists::new(&stories));
            let name = format!("hpack encode raw-data stories ({})", stories.len());
            // fluke-hpack's encoder never Huffman-codes: its row compares ours doing the
            // same (indexing, raw strings); the httlib row compares both Huffman-coding.
            pairs.push(encode_pair(
                format!("{name}, both without Huffman"),
                "fluke-hpack",
                &raw,
                encode_ours_raw,
                encode_fluke,
            ));
            pairs.push(encode_pair(
                format!("{name}, peer copies fields (API takes owned Vecs)"),
                "httlib-hpack",
                &raw,
                encode_ours,
                encode_httlib,
            ));
        }
        pairs
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        /// Every implementation decodes the same corpus to the same octets, so the pairs
        /// measure the same work.
        #[test]
        fn peers_decode_the_corpus_alike() {
            for folder in ["nghttp2", "go-hpack"] {
                let mut stories = load(folder);
                assert!(stories.len() >= 30, "{folder}");
                // A few stories: fluke-hpack is slow in debug builds.
                stories.truncate(3);
                let ours = decode_ours(&stories);
                assert!(ours > 0);
                assert_eq!(decode_fluke(&stories), ours, "{folder}");
                assert_eq!(decode_httlib(&stories), ours, "{folder}");
                let plain = without_huffman(&stories);
                assert_eq!(decode_ours(&plain), ours, "{folder}");
                assert_eq!(decode_fluke(&plain), ours, "{folder}");
                assert_eq!(decode_httlib(&plain), ours, "{folder}");
            }
        }

        /// The plain row's input decodes to the same header lists as the corpus, and holds no
        /// Huffman-coded string.
        #[test]
        fn plain_stories_are_plain_and_equivalent() {
            let mut stories = load("go-hpack");
            stories.truncate(3);
            let plain = without_huffman(&stories);
            assert_eq!(plain.len(), stories.len());
            for (a, b) in stories.iter().zip(&plain) {
                let (mut da, mut db) = (
                    proto_h2::hpack::Decoder::new(),
                    proto_h2::hpack::Decoder::new(),
                );
                for (ca, cb) in a.iter().zip(b) {
                    assert!(cb.wire.len() > ca.wire.len() || ca.wire == cb.wire);
                    let (mut fa, mut fb) = (Vec::new(), Vec::new());
                    da.decode(&ca.wire, |h| fa.push((h.name.to_vec(), h.value.to_vec())))
                        .unwrap();
                    db.decode(&cb.wire, |h| fb.push((h.name.to_vec(), h.value.to_vec())))
                        .unwrap();
                    assert_eq!(fa, fb);
                    assert_eq!(fa, ca.headers);
                }
            }
            // No string literal has the H bit: re-encoding changes nothing.
            assert_eq!(
                without_huffman(&plain)
                    .iter()
                    .flatten()
                    .map(|c| &c.wire)
                    .collect::<Vec<_>>(),
                plain.iter().flatten().map(|c| &c.wire).collect::<Vec<_>>()
            );
        }

        #[test]
        fn every_encoder_runs_on_raw_data() {
            let mut stories = load("raw-data");
            stories.truncate(3);
            let lists = HeaderLists::new(&stories);
            // The layout holds every name and value of the stories, in order.
            assert_eq!(lists.len() as u64, raw_bytes(&stories));
            let blocks: Vec<_> = lists.stories().flatten().collect();
            let cases: Vec<_> = stories.iter().flatten().collect();
            assert_eq!(blocks.len(), cases.len());
            for (&block, case) in blocks.iter().zip(cases) {
                assert_eq!(lists.table_size(block), case.table_size);
                let fields: Vec<_> = lists
                    .fields(block)
                    .map(|(n, v)| (n.to_vec(), v.to_vec()))
                    .collect();
                assert_eq!(fields, case.headers);
            }
            let mut out = Vec::new();
            let ours = encode_ours(&lists, &mut out);
            assert!(ours > 0 && ours < raw_bytes(&stories));
            // Without Huffman coding the same lists take more octets.
            assert!(encode_ours_raw(&lists, &mut out) > ours);
            assert!(encode_fluke(&lists, &mut out) > 0);
            assert!(encode_httlib(&lists, &mut out) > 0);
        }
    }
}

#[cfg(test)]
mod frame_peer_tests {
    use super::{frame_peer, frames};

    /// Both codecs see the same frames in the decode inputs, and write the same octets.
    #[test]
    fn http2parse_does_the_same_work() {
        for wire in [frames::bulk_wire(), frames::control_wire()] {
            let ours = frames::decode_all(&wire);
            assert!(ours > 0);
            assert_eq!(frame_peer::decode_all(&wire), ours);
        }
        let mut ours = Vec::new();
        frames::encode_control(&mut ours);
        let mut theirs = vec![0u8; frames::control_wire().len()];
        assert_eq!(frame_peer::encode_control(&mut theirs), ours.len() as u64);
        assert_eq!(theirs, ours);
        let body = [1u8; 100];
        let mut slots = vec![0u8; 64 * 9];
        assert_eq!(
            frame_peer::encode_data_heads(&body, &mut slots),
            frames::encode_data_heads(&body, &mut ours)
        );
        assert_eq!(slots, ours);
        let mut our_slots = vec![0u8; 64 * 9];
        assert_eq!(
            frames::encode_data_heads_into(&body, &mut our_slots),
            frames::encode_data_heads(&body, &mut ours)
        );
        assert_eq!(our_slots, slots);
    }
}
