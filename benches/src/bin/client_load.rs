//! `client_load`: drives our client (`runtime_mio::client::Client`) with a fixed number of
//! requests in flight for a fixed time, for `benches/client.sh`, which measures the process's
//! CPU time per request beside `reqwest_load` doing the same work.
//!
//! ```text
//! client_load --url URL --proto h1|h2 --inflight N --duration SECS [--cacert PEM] [--queue|--local]
//!             [--requests COUNT]
//! ```
//!
//! `--requests COUNT` (with `--queue` or `--local`): stop submitting after COUNT requests
//! (or at the deadline, whichever comes first), for instruction counts per request under
//! callgrind, where a fixed count cancels start-up between two runs.
//!
//! With `--queue`: one thread keeps the N requests in flight through the client's completion
//! queue ([`Client::queue`]), each completing with its body buffered
//! ([`CompletionMode::Buffered`]) and submitted again at once, until the time is up.
//!
//! With `--local`: the same through a [`LocalQueue`], whose thread (the only one) runs the
//! client's loop itself inside its waits.
//!
//! Without it:
//! The client is blocking: one worker thread per request in flight (one thread for
//! `--inflight 1`), each sending a GET and reading the body whole before the next; the client's
//! own event-loop thread moves the bytes. HTTP/1.1: N keep-alive connections, opened before the
//! clock starts ([`Client::preconnect`]). HTTP/2: one connection (prior knowledge for
//! `http://`, ALPN `h2` for `https://`) carrying up to N streams
//! ([`ClientConfig::h2_max_streams`]).
//!
//! The configuration is the default one except for what reqwest, built with the features
//! `benches/Cargo.toml` gives it, does not do either: no cookie store and no response
//! decoding (so no `Accept-Encoding`). Redirects and the default timeouts stay on.
//! Arguments and report: [`benches::load`]. Exits 1 when the client cannot start or connect,
//! 2 on bad arguments; request errors are counted in the report.

use std::sync::Arc;
use std::time::Instant;

use benches::load::{Args, Proto, Tally};
use runtime_mio::client::{
    Client, ClientConfig, CompletionMode, Error, LocalQueue, Request, Response, Wait,
};

fn fail(msg: &str) -> ! {
    eprintln!("client_load: {msg}");
    std::process::exit(1);
}

/// Reads `result`'s body to its end and counts the answer (status, bytes) or the error.
fn count(t: &mut Tally, result: Result<Response, Error>) {
    let read = result.and_then(|mut resp| {
        let mut n = 0u64;
        while let Some(c) = resp.body().chunk(Wait::Block)? {
            n += c.len() as u64;
        }
        Ok((resp.status(), n))
    });
    match read {
        Ok((status, n)) => t.answered(status, n),
        Err(e) => t.error(e.to_string()),
    }
}

/// When to stop submitting: at the deadline, or after a number of requests.
struct Budget {
    deadline: Instant,
    left: Option<u64>,
}

impl Budget {
    /// Whether one more request may be submitted (and counts it).
    fn take(&mut self) -> bool {
        if let Some(n) = &mut self.left {
            if *n == 0 {
                return false;
            }
            *n -= 1;
        }
        Instant::now() < self.deadline
    }
}

fn main() {
    let queue = std::env::args().any(|a| a == "--queue");
    let local = std::env::args().any(|a| a == "--local");
    let mut rest: Vec<String> = std::env::args().skip(1).collect();
    let mut requests = None;
    if let Some(i) = rest.iter().position(|a| a == "--requests") {
        let n = rest.get(i + 1).and_then(|v| v.parse::<u64>().ok());
        let Some(n) = n else {
            eprintln!("--requests needs a count");
            std::process::exit(2);
        };
        requests = Some(n);
        rest.drain(i..i + 2);
    }
    let args = match Args::parse(
        rest.into_iter()
            .filter(|a| a != "--queue" && a != "--local"),
    ) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e} [--queue|--local]");
            std::process::exit(2);
        }
    };
    let h2 = args.proto == Proto::H2;
    let mut config = ClientConfig {
        alpn_h2: h2,
        h2_prior_knowledge: h2 && !args.tls(),
        h2_max_streams: h2.then_some(args.inflight),
        cookies: false,
        decompress: false,
        ..ClientConfig::default()
    };
    match args.cacert_pem() {
        Ok(Some(pem)) => {
            config.root_pems.push(pem);
            config.system_roots = false;
        }
        Ok(None) => {}
        Err(e) => fail(&e),
    }
    let conns = if h2 { 1 } else { args.inflight };
    if local {
        let mut q = LocalQueue::new(config).unwrap_or_else(|e| fail(&format!("client: {e}")));
        for _ in 0..conns {
            if let Err(e) = q.preconnect(&args.url) {
                fail(&format!("connect to {}: {e}", args.url));
            }
        }
        let started = Instant::now();
        let budget = Budget {
            deadline: started + args.duration,
            left: requests,
        };
        let all = run_local(&mut q, &args.url, args.inflight, budget);
        all.print(started.elapsed());
        let opened = q.pool_stats().opened;
        if opened as usize != conns {
            eprintln!("client_load: {opened} connections opened, {conns} expected");
        }
        return;
    }
    let client = Client::new(config).unwrap_or_else(|e| fail(&format!("client: {e}")));
    for _ in 0..conns {
        if let Err(e) = client.preconnect(&args.url) {
            fail(&format!("connect to {}: {e}", args.url));
        }
    }
    let url: Arc<str> = Arc::from(args.url.as_str());
    let started = Instant::now();
    let deadline = started + args.duration;
    if queue {
        let budget = Budget {
            deadline,
            left: requests,
        };
        let all = run_queue(&client, &url, args.inflight, budget);
        all.print(started.elapsed());
        report_conns(&client, conns);
        return;
    }
    let workers: Vec<_> = (0..args.inflight)
        .map(|_| {
            let client = client.clone();
            let url = Arc::clone(&url);
            std::thread::spawn(move || {
                let mut t = Tally::default();
                while Instant::now() < deadline {
                    let result = Request::get(&url).and_then(|req| client.request(req));
                    count(&mut t, result);
                }
                t
            })
        })
        .collect();
    let mut all = Tally::default();
    for w in workers {
        match w.join() {
            Ok(t) => all.merge(t),
            Err(_) => all.error("a worker thread panicked".to_owned()),
        }
    }
    all.print(started.elapsed());
    report_conns(&client, conns);
}

/// Says so when the run opened another number of connections than `conns`.
fn report_conns(client: &Client, conns: usize) {
    if client.pool_stats().opened as usize != conns {
        eprintln!(
            "client_load: {} connections opened, {conns} expected",
            client.pool_stats().opened
        );
    }
}

/// One thread, `inflight` requests kept in flight through a completion queue until the
/// budget is spent.
fn run_queue(client: &Client, url: &str, inflight: usize, mut budget: Budget) -> Tally {
    // The body is 13 bytes: complete once it is all there.
    const MODE: CompletionMode = CompletionMode::Buffered(64 * 1024);
    let mut t = Tally::default();
    let mut q = client.queue();
    let submit = |q: &mut runtime_mio::client::CompletionQueue, t: &mut Tally| {
        if let Err(e) = Request::get(url).and_then(|req| q.submit(req, MODE)) {
            t.error(e.to_string());
        }
    };
    for _ in 0..inflight {
        if budget.take() {
            submit(&mut q, &mut t);
        }
    }
    while q.in_flight() > 0 {
        for done in q.wait(Wait::Block) {
            count(&mut t, done.result);
            if budget.take() {
                submit(&mut q, &mut t);
            }
        }
    }
    t
}

/// As [`run_queue`], through a [`LocalQueue`]: this thread also runs the client's loop.
fn run_local(q: &mut LocalQueue, url: &str, inflight: usize, mut budget: Budget) -> Tally {
    // The body is 13 bytes: complete once it is all there.
    const LIMIT: usize = 64 * 1024;
    let mut t = Tally::default();
    let submit = |q: &mut LocalQueue, t: &mut Tally| {
        if let Err(e) = Request::get(url).and_then(|req| q.submit(req, LIMIT)) {
            t.error(e.to_string());
        }
    };
    for _ in 0..inflight {
        if budget.take() {
            submit(q, &mut t);
        }
    }
    while q.in_flight() > 0 {
        for done in q.wait(Wait::Block) {
            count(&mut t, done.result);
            if budget.take() {
                submit(q, &mut t);
            }
        }
    }
    t
}
