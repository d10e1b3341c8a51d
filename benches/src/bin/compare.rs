//! `compare`: runs every bench pair (our code and its public peer on the same input, in the same
//! process) and prints `bench | ours | peer | ratio`, ratios of medians.
//!
//! `--quick` finishes in under a minute; `--filter TEXT` keeps the rows whose group or name
//! contains TEXT.
#![forbid(unsafe_code)]

use std::time::Duration;

fn main() {
    let mut quick = false;
    let mut filter: Option<String> = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--quick" => quick = true,
            "--filter" => filter = args.next(),
            "-h" | "--help" => {
                println!("usage: compare [--quick] [--filter TEXT]");
                return;
            }
            other => {
                eprintln!("compare: unknown argument {other:?} (try --help)");
                std::process::exit(2);
            }
        }
    }
    let (rounds, samples, sample_time) = if quick {
        (3, 7, Duration::from_millis(5))
    } else {
        (7, 15, Duration::from_millis(20))
    };
    let mut pairs = benches::all_pairs();
    if let Some(f) = &filter {
        pairs.retain(|p| p.group.contains(f.as_str()) || p.name.contains(f.as_str()));
    }
    println!(
        "{:<52} | {:>12} | {:>12} | {:<28} | {:>6}",
        "bench", "ours", "peer", "peer name", "ratio"
    );
    println!("{}", "-".repeat(52 + 12 + 12 + 28 + 6 + 12));
    for pair in &mut pairs {
        let row = benches::measure(pair, rounds, samples, sample_time);
        println!(
            "{:<52} | {:>12} | {:>12} | {:<28} | {:>5.2}x",
            format!("{}: {}", row.group, row.name),
            benches::throughput(row.bytes, row.ours_ns),
            benches::throughput(row.bytes, row.theirs_ns),
            row.peer,
            row.ratio()
        );
    }
    println!(
        "ratio = peer median time / our median time (above 1: ours is faster); medians of {rounds} rounds"
    );
}
