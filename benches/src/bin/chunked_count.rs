//! `chunked_count`: decodes one of the `h1` pairs' chunked bodies a number of times with one
//! side, to count instructions under callgrind where wall-clock timings are noise (a shared or
//! loaded machine).
//!
//! ```text
//! chunked_count varying|64k|16k ours|httparse ITERATIONS
//! ```
//!
//! Instructions per decode: run it under `valgrind --tool=callgrind` with 110 and with 10
//! iterations and divide the difference of the two totals by 100 (that cancels the start-up and
//! the building of the body). It prints the sum of the decodes' results, so that a side that
//! failed shows.
#![forbid(unsafe_code)]

use std::hint::black_box;
use std::process::ExitCode;

use benches::h1::{chunked_body, chunked_body_varying, httparse_chunked, ours_chunked};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [body, side, n] = args.as_slice() else {
        eprintln!("usage: chunked_count varying|64k|16k ours|httparse ITERATIONS");
        return ExitCode::from(2);
    };
    // The bodies of the pairs' three chunked rows (`benches::h1::pairs`).
    let body = match body.as_str() {
        "varying" => chunked_body_varying(16 * 1024),
        "64k" => chunked_body(64 * 1024, 1024),
        "16k" => chunked_body(16 * 1024, 64),
        other => {
            eprintln!("chunked_count: unknown body {other:?}");
            return ExitCode::from(2);
        }
    };
    let decode: fn(&[u8]) -> u64 = match side.as_str() {
        "ours" => ours_chunked,
        "httparse" => httparse_chunked,
        other => {
            eprintln!("chunked_count: unknown side {other:?}");
            return ExitCode::from(2);
        }
    };
    let Ok(n) = n.parse::<u64>() else {
        eprintln!("chunked_count: ITERATIONS must be a number");
        return ExitCode::from(2);
    };
    let mut sum = 0u64;
    for _ in 0..n {
        sum = sum.wrapping_add(decode(black_box(&body)));
    }
    println!("{sum}");
    ExitCode::SUCCESS
}
