//! Decoding allocates nothing per header: with a counting global allocator, every story of the
//! hpack-test-case corpus decodes a second time (same decoder, [`Decoder::reset`] between the
//! passes, so its buffers are warm) without a single allocation, and the first pass allocates
//! a handful of times, not once per header. Encoding allocates nothing once the encoder has
//! grown (its table and lookup caches start empty and grow with the table, a few times in a
//! story's first pass) and the caller's output buffer exists: every header list of the raw-data
//! stories, encoded a second time.

use std::fs;
use std::path::{Path, PathBuf};

use proto_h2::hpack::{Decoder, Encoder};
use test_support::alloc::{CountingAllocator, Measure};

#[global_allocator]
static ALLOC: CountingAllocator = CountingAllocator::new();

fn load(path: &Path) -> Vec<(Option<usize>, Vec<u8>)> {
    let json: serde_json::Value = serde_json::from_slice(&fs::read(path).unwrap()).unwrap();
    json["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let hex = c["wire"].as_str().unwrap();
            let wire = (0..hex.len() / 2)
                .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
                .collect();
            (
                c.get("header_table_size")
                    .and_then(|v| v.as_u64())
                    .map(|v| v as usize),
                wire,
            )
        })
        .collect()
}

/// Decodes a story; returns the number of headers.
fn decode_story(d: &mut Decoder, cases: &[(Option<usize>, Vec<u8>)]) -> usize {
    let mut headers = 0;
    for (size, wire) in cases {
        if let Some(n) = size {
            d.set_max_table_size(*n);
        }
        d.decode(wire, |h| {
            headers += 1;
            std::hint::black_box(h);
        })
        .unwrap();
    }
    headers
}

#[test]
fn hpack_decoding_allocates_nothing_after_warm_up() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpora/hpack-test-case");
    let mut stories: Vec<PathBuf> = Vec::new();
    for folder in [
        "nghttp2",
        "nghttp2-change-table-size",
        "go-hpack",
        "python-hpack",
    ] {
        for e in fs::read_dir(root.join(folder)).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "json") {
                stories.push(p);
            }
        }
    }
    assert!(stories.len() > 100);
    let mut total_headers = 0;
    for path in &stories {
        let cases = load(path);
        let mut d = Decoder::new();
        let m = Measure::start();
        let headers = decode_story(&mut d, &cases);
        let warm_up = m.stats().allocations;
        // Growing the scratch buffer and (for larger size updates) the table: a few times.
        assert!(
            warm_up <= 16,
            "{}: {warm_up} allocations for {headers} headers",
            path.display()
        );

        d.reset();
        let m = Measure::start();
        let again = decode_story(&mut d, &cases);
        let after = m.stats().allocations;
        assert_eq!(again, headers);
        assert_eq!(
            after,
            0,
            "{}: {after} allocations decoding {headers} headers warm",
            path.display()
        );
        total_headers += headers;
    }
    assert!(total_headers > 50_000, "{total_headers}");
}

/// The header lists of a raw-data story (`"headers": [{name: value}, ...]` per case).
fn load_lists(path: &Path) -> Vec<Vec<(Vec<u8>, Vec<u8>)>> {
    let json: serde_json::Value = serde_json::from_slice(&fs::read(path).unwrap()).unwrap();
    json["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            c["headers"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|h| h.as_object().unwrap().iter())
                .map(|(n, v)| {
                    (
                        n.as_bytes().to_vec(),
                        v.as_str().unwrap().as_bytes().to_vec(),
                    )
                })
                .collect()
        })
        .collect()
}

#[test]
fn hpack_encoding_allocates_nothing() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpora/hpack-test-case");
    let mut stories: Vec<PathBuf> = fs::read_dir(root.join("raw-data"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    stories.sort();
    assert!(stories.len() > 30);
    let mut fields = 0;
    let mut octets = 0;
    for path in &stories {
        let lists = load_lists(path);
        // The caller's output buffer exists first. The encoder's table and lookup caches
        // start empty and grow with the table: a few times, in the first pass over the story
        // (each growth allocates the two rings and the two caches).
        let mut e = Encoder::new();
        let mut out = Vec::with_capacity(64 * 1024);
        let m = Measure::start();
        for list in &lists {
            out.clear();
            e.encode(list.iter().map(|(n, v)| (&n[..], &v[..])), &mut out);
        }
        let warm_up = m.stats().allocations;
        assert!(
            warm_up <= 24,
            "{}: {warm_up} allocations growing the encoder",
            path.display()
        );
        // Grown: the same lists again allocate nothing.
        let m = Measure::start();
        for list in &lists {
            out.clear();
            e.encode(list.iter().map(|(n, v)| (&n[..], &v[..])), &mut out);
            fields += list.len();
            octets += out.len();
        }
        let n = m.stats().allocations;
        assert_eq!(
            n,
            0,
            "{}: {n} allocations encoding {} header lists",
            path.display(),
            lists.len()
        );
    }
    // The corpus really went through the encoder.
    assert!(fields > 30_000 && octets > 300_000, "{fields} {octets}");
}
