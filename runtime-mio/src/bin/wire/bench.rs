//! `wire bench URL -c CONNS -n REQS [--http2 -m STREAMS] [--duration S]`: a load test
//! through the client, reported as h2load does: requests/s, latency (min, mean, p50, p99,
//! max), status code counts, errors.
//!
//! One client; CONNS connections opened first ([`Client::preconnect`]); then one thread keeps
//! CONNS requests (HTTP/1.1 keep-alive: one in flight per connection) or CONNS x STREAMS
//! over HTTP/2 (at most STREAMS streams per connection, [`ClientConfig::h2_max_streams`]) in
//! flight, sending the next request as each response's body ended. Each body is received
//! whole and counted, never kept ([`CompletionMode::Discard`]), so any length costs no
//! memory. Redirects are not followed (as h2load).
//!
//! Where the client's loop runs: on the bench's own thread (a [`LocalQueue`]: no hand-over
//! between threads, the least CPU per request) unless HTTP/2 carries several streams per
//! connection; then on the client's loop thread (a [`CompletionQueue`]: the streams
//! submitted while the loop was busy leave in one write, which a server on a busy core
//! answers in fewer, larger batches). `--local` and `--threaded` choose either. The report's
//! `loop:` line says which ran.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use runtime_mio::client::{
    Client, ClientConfig, Completion, CompletionMode, CompletionQueue, Error, LocalQueue, Request,
    Scheme, Ticket, Url, Wait,
};

use crate::fetch::exit_code;

/// Arguments of `wire bench`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The URL to GET.
    url: String,
    /// Connections to open.
    #[arg(short = 'c', long = "clients", default_value_t = 1)]
    connections: usize,
    /// Requests to send in all (ignored with --duration).
    #[arg(short = 'n', long = "requests", default_value_t = 1000)]
    requests: u64,
    /// Speak HTTP/2 (h2c with prior knowledge for http://, ALPN h2 for https://).
    #[arg(long = "http2")]
    http2: bool,
    /// Streams in flight per HTTP/2 connection.
    #[arg(short = 'm', long = "max-concurrent-streams", default_value_t = 1)]
    streams: usize,
    /// Run for this many seconds instead of a number of requests.
    #[arg(short = 'D', long = "duration", value_name = "SECS")]
    duration: Option<f64>,
    /// A header field `Name: value` added to every request (repeatable).
    #[arg(short = 'H', long = "header", value_name = "HEADER")]
    headers: Vec<String>,
    /// Accept any server certificate.
    #[arg(short = 'k', long = "insecure")]
    insecure: bool,
    /// Trust the certificates in this PEM file.
    #[arg(long = "cacert", value_name = "FILE")]
    cacert: Option<PathBuf>,
    /// Run the client's loop on this thread (a `LocalQueue`; the default but for HTTP/2 with
    /// several streams per connection).
    #[arg(long = "local", conflicts_with = "threaded")]
    local: bool,
    /// Run the client's loop on its own thread (a `CompletionQueue`; the default for HTTP/2
    /// with several streams per connection).
    #[arg(long = "threaded")]
    threaded: bool,
}

/// The queue the requests go through: a [`LocalQueue`] (this thread runs the client's
/// loop) or the client's [`CompletionQueue`] (the loop on its own thread); either way each
/// request completes once its body was received and dropped ([`CompletionMode::Discard`]).
enum Queue {
    Local(Box<LocalQueue>),
    Threaded(Client, CompletionQueue),
}

impl Queue {
    fn new(config: ClientConfig, args: &Args) -> Result<Queue, Error> {
        let batches = args.http2 && args.streams > 1;
        if args.local || (!args.threaded && !batches) {
            Ok(Queue::Local(Box::new(LocalQueue::new(config)?)))
        } else {
            let client = Client::new(config)?;
            let queue = client.queue();
            Ok(Queue::Threaded(client, queue))
        }
    }

    fn preconnect(&mut self, url: &str) -> Result<u64, Error> {
        match self {
            Queue::Local(q) => q.preconnect(url),
            Queue::Threaded(c, _) => c.preconnect(url),
        }
    }

    fn submit(&mut self, req: Request) -> Result<Ticket, Error> {
        match self {
            Queue::Local(q) => q.submit_discard(req),
            Queue::Threaded(_, q) => q.submit(req, CompletionMode::Discard),
        }
    }

    fn wait(&mut self) -> Vec<Completion> {
        match self {
            Queue::Local(q) => q.wait(Wait::Block),
            Queue::Threaded(_, q) => q.wait(Wait::Block),
        }
    }

    fn in_flight(&self) -> usize {
        match self {
            Queue::Local(q) => q.in_flight(),
            Queue::Threaded(_, q) => q.in_flight(),
        }
    }

    /// Where the client's loop runs, for the report.
    fn place(&self) -> &'static str {
        match self {
            Queue::Local(_) => "this thread (a LocalQueue)",
            Queue::Threaded(..) => "the client's own thread (a CompletionQueue)",
        }
    }

    /// Connections opened.
    fn opened(&self) -> u64 {
        match self {
            Queue::Local(q) => q.pool_stats().opened,
            Queue::Threaded(c, _) => c.pool_stats().opened,
        }
    }
}

/// What one worker saw.
#[derive(Default)]
struct Tally {
    /// Each completed request's latency in nanoseconds, in completion order (the
    /// percentiles are picked from it exactly at the end, without sorting it).
    latencies: Vec<u64>,
    statuses: BTreeMap<u16, u64>,
    errors: BTreeMap<String, u64>,
    bytes: u64,
}

/// The latency figures `wire bench` reports.
#[derive(Debug, PartialEq, Eq)]
struct Latency {
    min: Duration,
    mean: Duration,
    p50: Duration,
    p99: Duration,
    max: Duration,
}

/// The figures of `nanos` (one latency per request, in nanoseconds; reordered), exactly:
/// percentile `p` is the value at rank `ceil(n * p)` (1-based) of the sorted list, picked
/// in linear time ([`slice::select_nth_unstable`]) rather than by sorting the whole list.
/// `None` when it is empty.
#[allow(clippy::cast_precision_loss)]
fn latency(nanos: &mut [u64]) -> Option<Latency> {
    let n = nanos.len();
    let (&min, &max) = (nanos.iter().min()?, nanos.iter().max()?);
    let sum: u128 = nanos.iter().map(|&x| u128::from(x)).sum();
    let mut pct = |p: f64| {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let rank = ((n as f64 * p).ceil() as usize).clamp(1, n);
        *nanos.select_nth_unstable(rank - 1).1
    };
    let (p50, p99) = (pct(0.50), pct(0.99));
    Some(Latency {
        min: Duration::from_nanos(min),
        mean: Duration::from_nanos(u64::try_from(sum / n as u128).unwrap_or(u64::MAX)),
        p50: Duration::from_nanos(p50),
        p99: Duration::from_nanos(p99),
        max: Duration::from_nanos(max),
    })
}

fn ms(d: Duration) -> String {
    let us = d.as_micros();
    if us >= 1_000_000 {
        format!("{:.2}s", d.as_secs_f64())
    } else if us >= 1000 {
        format!("{:.2}ms", d.as_secs_f64() * 1e3)
    } else {
        format!("{us}us")
    }
}

/// Runs `wire bench`; the exit code.
pub(crate) fn run(args: &Args) -> u8 {
    let fail = |code: u8, msg: String| {
        eprintln!("wire bench: ({code}) {msg}");
        code
    };
    let url = match Url::parse(&args.url) {
        Ok(u) => u,
        Err(e) => return fail(exit_code(&e), e.to_string()),
    };
    let conns = args.connections.max(1);
    let streams = if args.http2 { args.streams.max(1) } else { 1 };
    let mut config = ClientConfig {
        alpn_h2: args.http2,
        h2_prior_knowledge: args.http2 && url.origin.scheme == Scheme::Http,
        h2_max_streams: Some(streams),
        ..ClientConfig::default()
    };
    if let Err((code, message)) =
        crate::connection::trust(&mut config, args.insecure, args.cacert.as_deref())
    {
        return fail(code, message);
    }
    let mut headers = Vec::new();
    for h in &args.headers {
        match h.split_once(':') {
            Some((n, v)) => headers.push((n.trim().to_owned(), v.trim_start().to_owned())),
            None => return fail(2, format!("-H {h:?}: expected 'Name: value'")),
        }
    }
    // Every request is a clone of this one: the URL is parsed and the fields are copied
    // once, not per request (as wrk and h2load send one prepared request again and again).
    let mut template = match Request::get(&args.url) {
        Ok(r) => r,
        Err(e) => return fail(exit_code(&e), e.to_string()),
    };
    for (n, v) in &headers {
        template = template.header(n, v);
    }
    let mut queue = match Queue::new(config, args) {
        Ok(q) => q,
        Err(e) => return fail(exit_code(&e), e.to_string()),
    };
    for _ in 0..conns {
        if let Err(e) = queue.preconnect(&args.url) {
            return fail(exit_code(&e), e.to_string());
        }
    }
    let workers = conns * streams;
    let end = args
        .duration
        .filter(|d| d.is_finite() && *d > 0.0)
        .map(|d| Duration::try_from_secs_f64(d).unwrap_or(Duration::MAX));
    let total = if end.is_some() {
        u64::MAX
    } else {
        args.requests
    };
    let started = Instant::now();
    // A duration past what the clock can reach runs until interrupted.
    let deadline = end.and_then(|d| started.checked_add(d));
    let mut all = Tally::default();
    let mut submitted = 0u64;
    // A latency runs from the submission (`Response::started`) to the body's end.
    let mut submit = |queue: &mut Queue, t: &mut Tally| -> bool {
        if deadline.is_some_and(|d| Instant::now() >= d) || submitted >= total {
            return false;
        }
        submitted += 1;
        if let Err(e) = queue.submit(template.clone()) {
            *t.errors.entry(e.to_string()).or_default() += 1;
        }
        true
    };
    for _ in 0..workers {
        if !submit(&mut queue, &mut all) {
            break;
        }
    }
    while queue.in_flight() > 0 {
        for done in queue.wait() {
            match done.result {
                Ok(mut resp) => {
                    let (status, n) = (resp.status(), resp.body().discarded());
                    let latency = resp.started().elapsed();
                    all.latencies
                        .push(u64::try_from(latency.as_nanos()).unwrap_or(u64::MAX));
                    *all.statuses.entry(status).or_default() += 1;
                    all.bytes += n;
                }
                Err(e) => *all.errors.entry(e.to_string()).or_default() += 1,
            }
            submit(&mut queue, &mut all);
        }
    }
    let elapsed = started.elapsed();
    let opened = queue.opened();
    report(all, elapsed, conns, streams, opened, queue.place());
    0
}

#[allow(clippy::cast_precision_loss)]
fn report(
    mut all: Tally,
    elapsed: Duration,
    conns: usize,
    streams: usize,
    opened: u64,
    place: &str,
) {
    use std::fmt::Write as _;
    // Written at once, and a closed stdout (`| head`) is not an error worth a panic.
    let mut o = String::new();
    let done = all.latencies.len() as u64;
    let errored: u64 = all.errors.values().sum();
    let secs = elapsed.as_secs_f64().max(1e-9);
    let class = |lo: u16| {
        all.statuses
            .iter()
            .filter(|(s, _)| (lo..lo + 100).contains(*s))
            .map(|(_, n)| n)
            .sum::<u64>()
    };
    let succeeded = class(200) + class(300);
    let _ = writeln!(
        o,
        "finished in {:.2}s, {:.2} req/s, {:.2}MB/s",
        secs,
        done as f64 / secs,
        all.bytes as f64 / secs / 1e6
    );
    let _ = writeln!(
        o,
        "requests: {} total, {} done, {} succeeded, {} failed, {} errored",
        done + errored,
        done,
        succeeded,
        done + errored - succeeded,
        errored
    );
    let _ = writeln!(
        o,
        "status codes: {} 2xx, {} 3xx, {} 4xx, {} 5xx",
        class(200),
        class(300),
        class(400),
        class(500)
    );
    let counts: Vec<String> = all
        .statuses
        .iter()
        .map(|(s, n)| format!("{s}={n}"))
        .collect();
    let _ = writeln!(o, "status code counts: {}", counts.join(" "));
    let _ = writeln!(
        o,
        "connections: {conns} asked, {opened} opened, {streams} stream(s) each in flight"
    );
    let _ = writeln!(o, "loop: {place}");
    let _ = writeln!(o, "traffic: {} body bytes", all.bytes);
    match latency(&mut all.latencies) {
        None => {
            let _ = writeln!(o, "latency: no request completed");
        }
        Some(l) => {
            let _ = writeln!(
                o,
                "latency: min {}, mean {}, p50 {}, p99 {}, max {}",
                ms(l.min),
                ms(l.mean),
                ms(l.p50),
                ms(l.p99),
                ms(l.max)
            );
        }
    }
    if all.errors.is_empty() {
        let _ = writeln!(o, "errors: none");
    } else {
        for (e, n) in &all.errors {
            let _ = writeln!(o, "errors: {n} x {e}");
        }
    }
    let _ = std::io::Write::write_all(&mut std::io::stdout().lock(), o.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::{Latency, latency};
    use std::time::Duration;

    /// The figures are those of the sorted list: rank ceil(n * p), 1-based, for each
    /// percentile, whatever order the latencies came in.
    #[test]
    fn latency_figures_are_exact_ranks_of_the_sorted_list() {
        assert_eq!(latency(&mut []), None);
        let ns = Duration::from_nanos;
        assert_eq!(
            latency(&mut [7]),
            Some(Latency {
                min: ns(7),
                mean: ns(7),
                p50: ns(7),
                p99: ns(7),
                max: ns(7)
            })
        );
        // 1..=200 shuffled: p50 is the 100th smallest, p99 the 198th.
        let mut v: Vec<u64> = (1..=200).map(|i| (i * 73) % 200 + 1).collect();
        let mut sorted = v.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (1..=200).collect::<Vec<u64>>());
        assert_eq!(
            latency(&mut v),
            Some(Latency {
                min: ns(1),
                mean: ns(100),
                p50: ns(100),
                p99: ns(198),
                max: ns(200)
            })
        );
        // Three values: p50 is the 2nd, p99 the 3rd.
        assert_eq!(
            latency(&mut [30, 10, 20]).map(|l| (l.p50, l.p99)),
            Some((ns(20), ns(30)))
        );
    }
}
