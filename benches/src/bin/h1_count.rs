//! `h1_count`: runs one side of one of the `h1` pairs' head rows a number of times (the
//! pair's own closure, as `compare` runs it), to count instructions under callgrind where
//! wall-clock timings are noise (a shared or loaded machine).
//!
//! ```text
//! h1_count REQ|REQ_SHORT|RESP|RESP_SHORT ours|httparse ITERATIONS
//! ```
//!
//! Instructions per parse: run it under `valgrind --tool=callgrind` with 1010 and with 10
//! iterations and divide the difference of the two totals by 1000 (that cancels the start-up
//! and the first parse's CPU detection). It prints the sum of the parses' results (bytes used
//! plus header count), so that a side that failed shows.
#![forbid(unsafe_code)]

use std::hint::black_box;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [row, side, n] = args.as_slice() else {
        eprintln!("usage: h1_count REQ|REQ_SHORT|RESP|RESP_SHORT ours|httparse ITERATIONS");
        return ExitCode::from(2);
    };
    // The row's pair as `compare` runs it (`benches::h1::pairs`): the same closures, so that
    // the code counted is the code timed there (what is inlined into what included).
    let name = match row.as_str() {
        "REQ" | "REQ_SHORT" => format!("parse request {row} ("),
        "RESP" | "RESP_SHORT" => format!("parse response {row} ("),
        other => {
            eprintln!("h1_count: unknown row {other:?}");
            return ExitCode::from(2);
        }
    };
    let Some(mut pair) = benches::h1::pairs()
        .into_iter()
        .find(|p| p.name.starts_with(&name))
    else {
        eprintln!("h1_count: no pair {name:?}");
        return ExitCode::from(2);
    };
    let parse = match side.as_str() {
        "ours" => &mut pair.ours,
        "httparse" => &mut pair.theirs,
        other => {
            eprintln!("h1_count: unknown side {other:?}");
            return ExitCode::from(2);
        }
    };
    let Ok(n) = n.parse::<u64>() else {
        eprintln!("h1_count: ITERATIONS must be a number");
        return ExitCode::from(2);
    };
    let mut sum = 0u64;
    for _ in 0..n {
        sum = sum.wrapping_add(black_box(parse()));
    }
    println!("{sum}");
    ExitCode::SUCCESS
}
