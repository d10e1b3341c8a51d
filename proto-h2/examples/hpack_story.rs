//! Runs hpack-test-case story files (JSON, see the corpus README) through our HPACK codec.
//!
//! ```text
//! cargo run -p proto-h2 --example hpack_story -- ../shared/corpora/hpack-test-case/*/story_*.json
//! ```
//!
//! For each story: every case that has `wire` must decode to its `headers` (the story's
//! `header_table_size` changes applied as acknowledged settings), and the headers re-encoded by
//! our encoder must decode back in our decoder and in fluke-hpack. Prints a line per story,
//! our compression ratio over the re-encoded stories (encoded octets over name + value octets,
//! as the corpus's `genratiotbl.py` counts; nghttp2 reaches 31.0% on `raw-data`), and
//! `N passed, N failed`; exits with status 1 if any story failed.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::process::ExitCode;

use proto_h2::hpack::{Decoder, Encoder};

type Fields = Vec<(Vec<u8>, Vec<u8>)>;

struct Case {
    table_size: Option<usize>,
    wire: Option<Vec<u8>>,
    headers: Fields,
}

fn unhex(s: &str) -> Result<Vec<u8>, String> {
    if !s.len().is_multiple_of(2) {
        return Err("odd-length wire".into());
    }
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).map_err(|e| format!("wire: {e}")))
        .collect()
}

fn load(path: &str) -> Result<Vec<Case>, String> {
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    let json: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| e.to_string())?;
    let cases = json["cases"].as_array().ok_or("no `cases` array")?;
    let mut out = Vec::with_capacity(cases.len());
    for c in cases {
        let mut headers = Vec::new();
        for h in c["headers"].as_array().ok_or("case without `headers`")? {
            for (k, v) in h.as_object().ok_or("header is not an object")? {
                let v = v.as_str().ok_or("header value is not a string")?;
                headers.push((k.as_bytes().to_vec(), v.as_bytes().to_vec()));
            }
        }
        let wire = match c.get("wire").and_then(|w| w.as_str()) {
            Some(w) => Some(unhex(w)?),
            None => None,
        };
        let table_size = c
            .get("header_table_size")
            .and_then(|v| v.as_u64())
            .map(|v| v as usize);
        out.push(Case {
            table_size,
            wire,
            headers,
        });
    }
    Ok(out)
}

fn ours(d: &mut Decoder, block: &[u8]) -> Result<Fields, String> {
    let mut out = Vec::new();
    d.decode(block, |h| out.push((h.name.to_vec(), h.value.to_vec())))
        .map_err(|e| e.to_string())?;
    Ok(out)
}

fn fluke(d: &mut fluke_hpack::Decoder<'_>, block: &[u8]) -> Result<Fields, String> {
    match catch_unwind(AssertUnwindSafe(|| d.decode(block))) {
        Ok(Ok(fields)) => Ok(fields),
        Ok(Err(e)) => Err(format!("fluke-hpack: {e:?}")),
        Err(_) => Err("fluke-hpack panicked".into()),
    }
}

/// Checks one story; returns (encoded octets, name + value octets) of our re-encoding.
fn run(path: &str) -> Result<(usize, usize, usize), String> {
    let cases = load(path)?;
    // Decode the story's own wire, if it has one.
    let mut d = Decoder::new();
    for (seq, case) in cases.iter().enumerate() {
        if let Some(n) = case.table_size {
            d.set_max_table_size(n);
        }
        if let Some(wire) = &case.wire {
            let got = ours(&mut d, wire).map_err(|e| format!("case {seq}: {e}"))?;
            if got != case.headers {
                return Err(format!("case {seq}: decoded headers differ"));
            }
        }
    }
    // Re-encode the headers and decode them back in both decoders.
    let (mut e, mut d, mut f) = (Encoder::new(), Decoder::new(), fluke_hpack::Decoder::new());
    let (mut encoded, mut raw) = (0, 0);
    let mut block = Vec::new();
    for (seq, case) in cases.iter().enumerate() {
        if let Some(n) = case.table_size {
            e.set_max_table_size(n);
            d.set_max_table_size(n);
            f.set_max_allowed_table_size(n);
        }
        block.clear();
        e.encode(
            case.headers.iter().map(|(n, v)| (&n[..], &v[..])),
            &mut block,
        );
        if ours(&mut d, &block).map_err(|e| format!("case {seq} re-encoded: {e}"))? != case.headers
        {
            return Err(format!("case {seq}: re-encoded headers decode differently"));
        }
        if fluke(&mut f, &block).map_err(|e| format!("case {seq} re-encoded: {e}"))? != case.headers
        {
            return Err(format!(
                "case {seq}: fluke-hpack decodes our encoding differently"
            ));
        }
        encoded += block.len();
        raw += case
            .headers
            .iter()
            .map(|(n, v)| n.len() + v.len())
            .sum::<usize>();
    }
    Ok((cases.len(), encoded, raw))
}

fn main() -> ExitCode {
    let paths: Vec<String> = std::env::args().skip(1).collect();
    if paths.is_empty() {
        eprintln!("usage: hpack_story STORY.json...");
        return ExitCode::from(2);
    }
    let (mut passed, mut failed) = (0, 0);
    let (mut encoded, mut raw) = (0, 0);
    for path in &paths {
        match run(path) {
            Ok((cases, e, r)) => {
                passed += 1;
                encoded += e;
                raw += r;
                println!("ok   {path} ({cases} cases, re-encoded {e}/{r})");
            }
            Err(why) => {
                failed += 1;
                println!("FAIL {path}: {why}");
            }
        }
    }
    if raw > 0 {
        println!(
            "compression ratio: {encoded}/{raw} = {:.2}% (nghttp2: 31.0% on raw-data)",
            encoded as f64 * 100.0 / raw as f64
        );
    }
    println!("{passed} passed, {failed} failed");
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
