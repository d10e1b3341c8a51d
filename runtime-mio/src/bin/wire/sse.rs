//! `wire sse URL`: reads a Server-Sent Events stream through the client's [`EventSource`],
//! one line per event on stdout (`id: 3  event: message  data: event 3`, line feeds in the
//! data shown as `\n`), and one line per lost stream and per reconnection on stderr.
//!
//! Exit codes: 0 after `--max-events` events or when the stream stops cleanly (204), else
//! as `wire get` (curl's): 7 connect, 28 timeout, 35 TLS, 56 the connection failed; 22 for
//! a status other than 200 (the connection is failed, not retried), 8 for a content type
//! other than `text/event-stream`, 23 when stdout cannot be written.

use std::io::Write as _;

use runtime_mio::client::{
    Client, ClientConfig, Error, EventSource, Request, SseConfig, SseEvent, SseFailure, SseItem,
    Wait,
};
use runtime_mio::timer::Timeout;

use crate::fetch;

/// Arguments of `wire sse`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The URL (`http://` or `https://`).
    url: String,
    /// A header field `Name: value` (repeatable; sent in the order given).
    #[arg(short = 'H', long = "header", value_name = "HEADER")]
    headers: Vec<String>,
    /// Exit (0) after this many events.
    #[arg(short = 'n', long = "max-events", value_name = "N")]
    max_events: Option<u64>,
    /// Resume after this event ID (sent as `Last-Event-ID` from the first connection on).
    #[arg(long = "last-event-id", value_name = "ID")]
    last_event_id: Option<String>,
    /// Give up after this many failures in a row (attempts that got no stream, streams
    /// that ended without an event); default: retry for ever.
    #[arg(long = "max-retries", value_name = "N")]
    max_retries: Option<u32>,
    /// Treat a stream quiet for this many seconds as lost and reconnect (default: no limit).
    #[arg(long = "idle-timeout", value_name = "SECS")]
    idle_timeout: Option<f64>,
    /// Opening a connection may take at most this many seconds.
    #[arg(long = "connect-timeout", value_name = "SECS")]
    connect_timeout: Option<f64>,
    #[command(flatten)]
    connection: crate::connection::ConnectionArgs,
    /// Tell on stderr which protocol the first connection speaks.
    #[arg(short = 'v', long = "verbose")]
    verbose: bool,
}

fn seconds(s: f64, what: &str) -> Result<Timeout, (u8, String)> {
    crate::connection::seconds(s, what).map_err(|m| (2, m))
}

/// The exit code for a client error (curl's, as `wire get`, plus the event stream's own).
fn exit_code(e: &Error) -> u8 {
    match e {
        Error::Sse(SseFailure::Status(_)) => 22,
        Error::Sse(SseFailure::ContentType(_)) => 8,
        Error::Sse(SseFailure::GaveUp { last: Some(e), .. }) => exit_code(e),
        Error::Sse(_) => 56,
        e => fetch::exit_code(e),
    }
}

/// One event as a line: `id: ID  event: TYPE  data: DATA  retry: MS` (no `id` when the ID is
/// empty, no `retry` without one), line feeds in the data as `\n`, backslashes as `\\`.
fn event_line(e: &SseEvent) -> String {
    let mut line = String::new();
    if !e.id.is_empty() {
        line.push_str("id: ");
        line.push_str(&e.id);
        line.push_str("  ");
    }
    line.push_str("event: ");
    line.push_str(&e.event_type);
    line.push_str("  data: ");
    for c in e.data.chars() {
        match c {
            '\n' => line.push_str("\\n"),
            '\\' => line.push_str("\\\\"),
            c => line.push(c),
        }
    }
    if let Some(ms) = e.retry {
        line.push_str(&format!("  retry: {ms}"));
    }
    line
}

pub(crate) fn run(args: &Args) -> u8 {
    match run_inner(args) {
        Ok(()) => 0,
        Err((code, message)) => {
            eprintln!("wire: ({code}) {message}");
            code
        }
    }
}

fn run_inner(args: &Args) -> Result<(), (u8, String)> {
    let client_err = |e: Error| (exit_code(&e), e.to_string());
    let mut c = ClientConfig::default();
    if let Some(s) = args.connect_timeout {
        c.timeouts.connect = seconds(s, "--connect-timeout")?;
    }
    // Event streams are read as sent.
    c.decompress = false;
    args.connection.apply(&mut c)?;
    let mut config = SseConfig {
        max_retries: args.max_retries,
        last_event_id: args.last_event_id.clone(),
        ..SseConfig::default()
    };
    if let Some(s) = args.idle_timeout {
        config.idle = seconds(s, "--idle-timeout")?;
    }
    let mut req = Request::get(&args.url).map_err(client_err)?;
    for h in &args.headers {
        let Some((name, value)) = h.split_once(':') else {
            return Err((2, format!("-H {h:?}: expected `Name: value`")));
        };
        req = req.header(name.trim(), value.trim());
    }
    let client = Client::new(c).map_err(client_err)?;
    let mut source: EventSource = client.sse(req, config).map_err(client_err)?;
    if args.verbose {
        eprintln!("* connected ({})", fetch::version_name(source.version()));
    }
    let mut out = std::io::stdout().lock();
    let mut seen = 0u64;
    if args.max_events == Some(0) {
        return Ok(());
    }
    loop {
        match source.next_event(Wait::Block).map_err(client_err)? {
            None => {
                if let Some(why) = source.closed() {
                    eprintln!("wire: the stream stopped ({why:?})");
                }
                return Ok(());
            }
            Some(SseItem::Event(e)) => {
                writeln!(out, "{}", event_line(&e))
                    .and_then(|()| out.flush())
                    .map_err(|e| (23, format!("stdout: {e}")))?;
                seen += 1;
                if args.max_events.is_some_and(|n| seen >= n) {
                    return Ok(());
                }
            }
            Some(SseItem::Retrying {
                error,
                delay,
                failures,
            }) => {
                let why = error.map_or_else(|| "the server ended it".to_owned(), |e| e.to_string());
                eprintln!(
                    "wire: stream lost ({why}); reconnecting in {:.3} s (failures in a row: {failures})",
                    delay.as_secs_f64()
                );
            }
            Some(SseItem::Reconnected {
                reconnects,
                last_event_id,
                version,
                ..
            }) => {
                let id = last_event_id.map_or_else(
                    || "no Last-Event-ID".to_owned(),
                    |id| format!("Last-Event-ID: {id}"),
                );
                eprintln!(
                    "wire: reconnected (#{reconnects}, {}, {id})",
                    fetch::version_name(version)
                );
            }
            Some(other) => eprintln!("wire: {other:?}"),
        }
    }
}
