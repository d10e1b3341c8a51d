//! `h2frame_count`: runs one side of one of the `h2` group's frame rows a number of times, to
//! count instructions under callgrind where wall-clock timings are noise (a shared or loaded
//! machine).
//!
//! ```text
//! h2frame_count decode-bulk|decode-control|encode-head|encode-slots|encode-control \
//!     ours|http2parse ITERATIONS
//! ```
//!
//! Instructions per iteration: run it under `valgrind --tool=callgrind` with 110 and with 10
//! iterations and divide the difference of the two totals by 100 (that cancels the start-up and
//! the building of the inputs). It prints the sum of the iterations' results, so that a side
//! that failed or did different work shows.
#![forbid(unsafe_code)]

use std::hint::black_box;
use std::process::ExitCode;

use benches::h2::{frame_peer, frames};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [row, side, n] = args.as_slice() else {
        eprintln!(
            "usage: h2frame_count decode-bulk|decode-control|encode-head|encode-slots|\
             encode-control ours|http2parse ITERATIONS"
        );
        return ExitCode::from(2);
    };
    let ours = match side.as_str() {
        "ours" => true,
        "http2parse" => false,
        other => {
            eprintln!("h2frame_count: unknown side {other:?}");
            return ExitCode::from(2);
        }
    };
    let Ok(n) = n.parse::<u64>() else {
        eprintln!("h2frame_count: ITERATIONS must be a number");
        return ExitCode::from(2);
    };
    // The inputs and buffers of the pairs' rows (`benches::h2::pairs`).
    let body = vec![0x5au8; 16 * 1024];
    let ctl_len = frames::control_wire().len();
    let mut run: Box<dyn FnMut() -> u64> = match (row.as_str(), ours) {
        ("decode-bulk" | "decode-control", _) => {
            let wire = if row == "decode-bulk" {
                frames::bulk_wire()
            } else {
                frames::control_wire()
            };
            if ours {
                Box::new(move || frames::decode_all(black_box(&wire)))
            } else {
                Box::new(move || frame_peer::decode_all(black_box(&wire)))
            }
        }
        ("encode-head", true) => {
            let mut out = Vec::with_capacity(64 * 1024);
            Box::new(move || frames::encode_data_heads(black_box(&body), &mut out))
        }
        ("encode-slots", true) => {
            let mut slots = vec![0u8; 64 * 9];
            Box::new(move || frames::encode_data_heads_into(black_box(&body), &mut slots))
        }
        ("encode-head" | "encode-slots", false) => {
            let mut slots = vec![0u8; 64 * 9];
            Box::new(move || frame_peer::encode_data_heads(black_box(&body), &mut slots))
        }
        ("encode-control", true) => {
            let mut out = Vec::with_capacity(ctl_len);
            Box::new(move || frames::encode_control(&mut out))
        }
        ("encode-control", false) => {
            let mut slots = vec![0u8; ctl_len];
            Box::new(move || frame_peer::encode_control(&mut slots))
        }
        (other, _) => {
            eprintln!("h2frame_count: unknown row {other:?}");
            return ExitCode::from(2);
        }
    };
    let mut sum = 0u64;
    for _ in 0..n {
        sum = sum.wrapping_add(run());
    }
    println!("{sum}");
    ExitCode::SUCCESS
}
