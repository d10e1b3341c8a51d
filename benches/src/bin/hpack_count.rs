//! `hpack_count`: runs one of the HPACK rows' work on our side a number of times, to count
//! instructions under callgrind where wall-clock timings are noise (a shared or loaded
//! machine).
//!
//! ```text
//! hpack_count decode|decode-plain|encode|encode-raw ITERATIONS
//! ```
//!
//! The inputs are those of the `hpack` pairs (`benches::h2::hpack::pairs`): `decode` the
//! nghttp2 stories (Huffman), `decode-plain` the go-hpack stories re-sent plain, `encode` and
//! `encode-raw` the raw-data stories' header lists with and without Huffman coding.
//! Instructions per run: run it under `valgrind --tool=callgrind` with 11 and with 1
//! iterations and divide the difference of the two totals by 10 (that cancels the start-up
//! and the loading of the corpus). It prints the sum of the runs' results, so that a run that
//! failed shows.
#![forbid(unsafe_code)]

use std::hint::black_box;
use std::process::ExitCode;

use benches::h2::hpack::{
    HeaderLists, decode_ours, encode_ours, encode_ours_raw, load, without_huffman,
};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [row, n] = args.as_slice() else {
        eprintln!("usage: hpack_count decode|decode-plain|encode|encode-raw ITERATIONS");
        return ExitCode::from(2);
    };
    let Ok(n) = n.parse::<u64>() else {
        eprintln!("hpack_count: ITERATIONS must be a number");
        return ExitCode::from(2);
    };
    let mut sum = 0u64;
    match row.as_str() {
        "decode" | "decode-plain" => {
            let stories = if row == "decode" {
                load("nghttp2")
            } else {
                without_huffman(&load("go-hpack"))
            };
            if stories.is_empty() {
                eprintln!("hpack_count: the hpack-test-case corpus is missing");
                return ExitCode::FAILURE;
            }
            for _ in 0..n {
                sum = sum.wrapping_add(decode_ours(black_box(&stories)));
            }
        }
        "encode" | "encode-raw" => {
            let stories = load("raw-data");
            if stories.is_empty() {
                eprintln!("hpack_count: the hpack-test-case corpus is missing");
                return ExitCode::FAILURE;
            }
            let lists = HeaderLists::new(&stories);
            let encode = if row == "encode" {
                encode_ours
            } else {
                encode_ours_raw
            };
            let mut out = Vec::new();
            for _ in 0..n {
                sum = sum.wrapping_add(encode(black_box(&lists), &mut out));
            }
        }
        other => {
            eprintln!("hpack_count: unknown row {other:?}");
            return ExitCode::from(2);
        }
    }
    println!("{sum}");
    ExitCode::SUCCESS
}
