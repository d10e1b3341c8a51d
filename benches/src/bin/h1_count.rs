//! `h1_count`: parses one of the `h1` pairs' heads a number of times with one side, to count
//! instructions under callgrind where wall-clock timings are noise (a shared or loaded
//! machine).
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

use benches::h1::{
    REQ, REQ_SHORT, RESP, RESP_SHORT, httparse_request, httparse_response, ours_request,
    ours_response,
};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [row, side, n] = args.as_slice() else {
        eprintln!("usage: h1_count REQ|REQ_SHORT|RESP|RESP_SHORT ours|httparse ITERATIONS");
        return ExitCode::from(2);
    };
    // The inputs of the pairs' four head rows (`benches::h1::pairs`).
    let (input, request) = match row.as_str() {
        "REQ" => (REQ, true),
        "REQ_SHORT" => (REQ_SHORT, true),
        "RESP" => (RESP, false),
        "RESP_SHORT" => (RESP_SHORT, false),
        other => {
            eprintln!("h1_count: unknown row {other:?}");
            return ExitCode::from(2);
        }
    };
    let parse: fn(&[u8]) -> u64 = match (side.as_str(), request) {
        ("ours", true) => ours_request,
        ("ours", false) => ours_response,
        ("httparse", true) => httparse_request,
        ("httparse", false) => httparse_response,
        (other, _) => {
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
        sum = sum.wrapping_add(parse(black_box(input)));
    }
    println!("{sum}");
    ExitCode::SUCCESS
}
