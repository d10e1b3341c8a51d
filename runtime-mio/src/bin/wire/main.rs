//! `wire`: the command-line face of the engine. One file per command; `serve` for now.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod serve;

/// HTTP engine tool.
#[derive(Debug, Parser)]
#[command(name = "wire", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve httpbin-like endpoints over HTTP/1.1 and HTTP/2 with prior knowledge (cleartext).
    Serve(serve::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(args) => serve::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("wire: {e}");
            ExitCode::FAILURE
        }
    }
}
