//! What the two client load binaries of `benches/client.sh` share: their arguments and their
//! report, so that `client_load` (our client) and `reqwest_load` (reqwest) are driven and read
//! the same way.
//!
//! ```text
//! client_load|reqwest_load --url URL --proto h1|h2 --inflight N --duration SECS [--cacert PEM]
//! ```
//!
//! - `--proto h1`: HTTP/1.1 keep-alive, one request at a time per connection (N connections).
//! - `--proto h2`: HTTP/2 on one connection with N streams in flight: prior knowledge (h2c)
//!   for `http://`, ALPN `h2` for `https://`.
//! - `--inflight N`: requests in flight at once (each one's body read whole before its
//!   worker sends the next).
//! - `--duration SECS`: workers start no request after this long; those in flight finish.
//! - `--cacert PEM`: the only root trusted for `https://` (a test server's certificate).
//!
//! The report ([`Tally::print`]) is one `key value` pair per line on stdout: `requests`
//! (answered 200 with the body read whole), `errors`, `bytes` (body bytes read), `elapsed`
//! (seconds, from the first request to the last one's end), `rps`. The first error seen
//! goes to stderr.
//!
//! ```
//! let args = benches::load::Args::parse(
//!     ["--url", "http://127.0.0.1:1/", "--proto", "h2", "--inflight", "50", "--duration", "0.5"]
//!         .map(String::from),
//! )
//! .unwrap();
//! assert_eq!(args.proto, benches::load::Proto::H2);
//! assert!(!args.tls());
//! assert!(benches::load::Args::parse(["--inflight".to_owned()]).is_err());
//! ```

use std::path::PathBuf;
use std::time::Duration;

/// How the command line is written.
pub const USAGE: &str =
    "usage: --url URL --proto h1|h2 --inflight N --duration SECS [--cacert PEM_FILE]";

/// The protocol a load run speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Proto {
    /// HTTP/1.1 keep-alive (ALPN `http/1.1` alone over TLS).
    H1,
    /// HTTP/2: prior knowledge for `http://`, ALPN `h2` for `https://`.
    H2,
}

/// A load run's arguments.
#[derive(Clone, Debug)]
pub struct Args {
    /// The URL every request GETs.
    pub url: String,
    /// The protocol.
    pub proto: Proto,
    /// Requests in flight at once (at least 1).
    pub inflight: usize,
    /// How long workers keep starting requests.
    pub duration: Duration,
    /// The PEM file whose certificates are the only roots trusted, for `https://`.
    pub cacert: Option<PathBuf>,
}

impl Args {
    /// Parses the arguments after the program's name.
    ///
    /// # Errors
    /// A message naming the argument that is missing, unknown or malformed (with [`USAGE`]).
    pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Args, String> {
        let (mut url, mut proto, mut inflight, mut duration, mut cacert) =
            (None, None, None, None, None);
        let mut it = args.into_iter();
        while let Some(a) = it.next() {
            let v = it
                .next()
                .ok_or_else(|| format!("{a} needs a value\n{USAGE}"))?;
            let bad = |e: &dyn std::fmt::Display| format!("{a} {v}: {e}\n{USAGE}");
            match a.as_str() {
                "--url" => url = Some(v),
                "--proto" => {
                    proto = Some(match v.as_str() {
                        "h1" => Proto::H1,
                        "h2" => Proto::H2,
                        _ => return Err(bad(&"expected h1 or h2")),
                    });
                }
                "--inflight" => {
                    let n: usize = v.parse().map_err(|e| bad(&e))?;
                    inflight = Some(n.max(1));
                }
                "--duration" => {
                    let s: f64 = v.parse().map_err(|e| bad(&e))?;
                    if !(s.is_finite() && s > 0.0) {
                        return Err(bad(&"expected a positive number of seconds"));
                    }
                    duration = Some(Duration::from_secs_f64(s));
                }
                "--cacert" => cacert = Some(PathBuf::from(v)),
                _ => return Err(format!("unknown argument {a}\n{USAGE}")),
            }
        }
        match (url, proto, inflight, duration) {
            (Some(url), Some(proto), Some(inflight), Some(duration)) => Ok(Args {
                url,
                proto,
                inflight,
                duration,
                cacert,
            }),
            _ => Err(format!("missing arguments\n{USAGE}")),
        }
    }

    /// Parses the process's arguments, or prints the error and exits with status 2.
    #[must_use]
    pub fn from_env() -> Args {
        match Args::parse(std::env::args().skip(1)) {
            Ok(a) => a,
            Err(e) => {
                eprintln!("{e}");
                std::process::exit(2);
            }
        }
    }

    /// Whether the URL is `https://`.
    #[must_use]
    pub fn tls(&self) -> bool {
        self.url.starts_with("https://")
    }

    /// The `--cacert` file's bytes, or an error message naming it.
    ///
    /// # Errors
    /// The file cannot be read.
    pub fn cacert_pem(&self) -> Result<Option<Vec<u8>>, String> {
        match &self.cacert {
            None => Ok(None),
            Some(p) => std::fs::read(p)
                .map(Some)
                .map_err(|e| format!("--cacert {}: {e}", p.display())),
        }
    }
}

/// What one worker (or the whole run) counted.
#[derive(Debug, Default)]
pub struct Tally {
    /// Requests answered 200 whose body was read whole.
    pub requests: u64,
    /// Requests that failed, or were answered with another status.
    pub errors: u64,
    /// Body bytes read.
    pub bytes: u64,
    /// The first error's description.
    pub first_error: Option<String>,
}

impl Tally {
    /// Counts a request answered `status` with `bytes` of body read.
    pub fn answered(&mut self, status: u16, bytes: u64) {
        if status == 200 {
            self.requests += 1;
            self.bytes += bytes;
        } else {
            self.error(format!("status {status}"));
        }
    }

    /// Counts a failed request.
    pub fn error(&mut self, what: String) {
        self.errors += 1;
        self.first_error.get_or_insert(what);
    }

    /// Adds another worker's counts.
    pub fn merge(&mut self, other: Tally) {
        self.requests += other.requests;
        self.errors += other.errors;
        self.bytes += other.bytes;
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
    }

    /// Prints the report (see the module's documentation) for a run that took `elapsed`.
    #[allow(clippy::cast_precision_loss)]
    pub fn print(&self, elapsed: Duration) {
        use std::io::Write as _;
        let secs = elapsed.as_secs_f64().max(1e-9);
        if let Some(e) = &self.first_error {
            eprintln!("first error: {e}");
        }
        let out = format!(
            "requests {}\nerrors {}\nbytes {}\nelapsed {:.3}\nrps {:.1}\n",
            self.requests,
            self.errors,
            self.bytes,
            secs,
            self.requests as f64 / secs
        );
        // A closed stdout is not worth a panic.
        let _ = std::io::stdout().lock().write_all(out.as_bytes());
    }
}
