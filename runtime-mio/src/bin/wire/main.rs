//! `wire`: the command-line face of the engine. One file per command: `serve`, the client
//! commands `get|post|put|delete|head` (fetch.rs), `ws`, `sse`, `bench`, `demo`, and
//! `profile` (a profile's JSON for `--impersonate-file`).

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod bench;
mod connection;
mod demo;
mod fetch;
mod profile;
mod proxy;
mod serve;
mod sse;
mod ws;

/// HTTP engine tool.
#[derive(Debug, Parser)]
#[command(name = "wire", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Start `wire serve --tls` in-process and run the client through HTTP/1.1, HTTP/2, a
    /// cancelled download, a WebSocket, an SSE reconnect and a browser profile.
    Demo(demo::Args),
    /// Serve httpbin-like endpoints over HTTP/1.1 and HTTP/2 with prior knowledge (cleartext).
    Serve(serve::Args),
    /// GET a URL; the body to stdout (or -o FILE).
    Get(fetch::Args),
    /// POST to a URL (-d, --data-binary, -F for the body).
    Post(fetch::Args),
    /// PUT to a URL (-d, --data-binary, -F for the body).
    Put(fetch::Args),
    /// DELETE a URL.
    Delete(fetch::Args),
    /// HEAD a URL; the response head to stdout.
    Head(fetch::Args),
    /// Read a Server-Sent Events stream: one line per event, reconnecting (with
    /// Last-Event-ID) when it ends or breaks.
    Sse(sse::Args),
    /// Load-test a URL: N requests over C connections (h2load-style report).
    Bench(bench::Args),
    /// A WebSocket session: stdin lines sent as text messages, messages received printed.
    Ws(ws::Args),
    /// Print a browser profile as the JSON `--impersonate-file` reads: a built-in, or the
    /// profile a JA3 and an Akamai string give (a starting point for a custom profile).
    Profile(profile::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Serve(args) => match serve::run(&args) {
            Ok(()) => 0,
            Err(e) => {
                eprintln!("wire: {e}");
                1
            }
        },
        Command::Get(args) => fetch::run("GET", &args),
        Command::Post(args) => fetch::run("POST", &args),
        Command::Put(args) => fetch::run("PUT", &args),
        Command::Delete(args) => fetch::run("DELETE", &args),
        Command::Head(args) => fetch::run("HEAD", &args),
        Command::Sse(args) => sse::run(&args),
        Command::Bench(args) => bench::run(&args),
        Command::Demo(args) => demo::run(&args),
        Command::Ws(args) => ws::run(&args),
        Command::Profile(args) => profile::run(&args),
    };
    ExitCode::from(code)
}
