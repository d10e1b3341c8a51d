//! `ws_count`: runs one side of one WebSocket pair (`benches::ws::pairs`) a number of times, to
//! count instructions under callgrind where wall-clock timings are noise (a shared or loaded
//! machine).
//!
//! ```text
//! ws_count list
//! ws_count INDEX ours|theirs ITERATIONS
//! ```
//!
//! `list` prints each pair's index, name and peer. Instructions per iteration: run it under
//! `valgrind --tool=callgrind` with 110 and with 10 iterations and divide the difference of the
//! two totals by 100 (that cancels the start-up and the building of every pair). It prints the
//! sum of the iterations' results, so that a side that failed shows.
#![forbid(unsafe_code)]

use std::hint::black_box;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut pairs = benches::ws::pairs();
    if let [list] = args.as_slice()
        && list == "list"
    {
        for (i, p) in pairs.iter().enumerate() {
            println!("{i:>2}  {} vs {}", p.name, p.peer);
        }
        return ExitCode::SUCCESS;
    }
    let [index, side, n] = args.as_slice() else {
        eprintln!("usage: ws_count list | ws_count INDEX ours|theirs ITERATIONS");
        return ExitCode::from(2);
    };
    let Some(pair) = index.parse::<usize>().ok().and_then(|i| pairs.get_mut(i)) else {
        eprintln!("ws_count: no pair {index:?} (see `ws_count list`)");
        return ExitCode::from(2);
    };
    let run = match side.as_str() {
        "ours" => &mut pair.ours,
        "theirs" => &mut pair.theirs,
        other => {
            eprintln!("ws_count: unknown side {other:?}");
            return ExitCode::from(2);
        }
    };
    let Ok(n) = n.parse::<u64>() else {
        eprintln!("ws_count: ITERATIONS must be a number");
        return ExitCode::from(2);
    };
    let mut sum = 0u64;
    for _ in 0..n {
        sum = sum.wrapping_add(black_box(run()));
    }
    println!("{sum}");
    ExitCode::SUCCESS
}
