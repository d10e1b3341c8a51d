//! `wire get|post|put|delete|head URL`: one request, curl's flags where curl has one.
//!
//! The body goes to stdout (or `-o FILE`) chunk by chunk as it arrives, byte-exact, never
//! whole in memory. Exit codes follow curl's: 0 success, 2 bad arguments, 3 bad URL, 6 DNS,
//! 7 connect, 16 HTTP/2, 18 the body was cut short (HTTP/1.1; what came was written), 22 HTTP
//! status >= 400 with `-f`, 23 writing the output, 26 reading a file to send, 28 timeout, 35
//! TLS, 52 the server closed the connection without a response head, 56 the connection failed
//! while receiving.
//!
//! Flags other commands will need (`--proxy`, `--resolve`, `--compressed`, `-L`,
//! `--impersonate`) go into [`Args`] and [`client_config`] beside the ones here.
//!
//! `SSLKEYLOGFILE`, when set, names a file the TLS secrets are appended to (NSS key log
//! format, for Wireshark), as curl and browsers do.

use std::io::{IsTerminal as _, Read as _, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use runtime_mio::client::{
    Client, ClientConfig, Error, Headers, KeyLogSink, Multipart, Part, Redirects, Request,
    Response, Version, Wait,
};
use runtime_mio::timer::Timeout;

use crate::connection::ConnectionArgs;

/// Arguments shared by `wire get|post|put|delete|head`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The URL (`http://` or `https://`).
    url: String,
    /// A header field `Name: value` (repeatable; sent in the order given).
    #[arg(short = 'H', long = "header", value_name = "HEADER")]
    headers: Vec<String>,
    /// Body data, sent as `application/x-www-form-urlencoded` unless `-H` sets a type;
    /// `@FILE` reads the file (CR and LF removed, as curl does). Repeated: joined by `&`.
    #[arg(short = 'd', long = "data", value_name = "DATA")]
    data: Vec<String>,
    /// Body data sent as it is; `@FILE` streams the file from disk, `@-` streams stdin.
    #[arg(long = "data-binary", value_name = "DATA", conflicts_with = "data")]
    data_binary: Vec<String>,
    /// A multipart/form-data field: `name=value`, or `name=@FILE[;type=TYPE][;filename=NAME]`
    /// for a file (streamed). Repeatable.
    #[arg(short = 'F', long = "form", value_name = "FIELD", conflicts_with_all = ["data", "data_binary"])]
    form: Vec<String>,
    /// Write the body to FILE instead of stdout (a progress bar on stderr when it is a
    /// terminal).
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
    /// Include the response head in the output.
    #[arg(short = 'i', long = "include")]
    include: bool,
    /// Tell what happens on stderr: the connection, TLS, our JA4, HTTP/2 SETTINGS, the heads.
    #[arg(short = 'v', long = "verbose")]
    verbose: bool,
    /// Exit with 22 (and no body) when the status is 400 or above.
    #[arg(short = 'f', long = "fail")]
    fail: bool,
    /// Offer HTTP/2 by ALPN under TLS (the default).
    #[arg(long = "http2", conflicts_with = "http1_1")]
    http2: bool,
    /// The whole exchange may take at most this many seconds.
    #[arg(short = 'm', long = "max-time", value_name = "SECS")]
    max_time: Option<f64>,
    /// Opening the connection may take at most this many seconds.
    #[arg(long = "connect-timeout", value_name = "SECS")]
    connect_timeout: Option<f64>,
    /// How long a body sent with `-H 'Expect: 100-continue'` waits for the server's `100
    /// Continue` (or a final answer, which means it is not sent) before it goes anyway
    /// (curl's flag; default 1 s). Unlike curl, `Expect` is never added on its own.
    #[arg(long = "expect100-timeout", value_name = "SECS")]
    expect100_timeout: Option<f64>,
    /// Ask for a compressed response (`Accept-Encoding: gzip, deflate, br, zstd`) and
    /// decode it. Without it the body is written as received, as curl does.
    #[arg(long = "compressed")]
    compressed: bool,
    /// Follow redirects (at most `--max-redirs`).
    #[arg(short = 'L', long = "location")]
    location: bool,
    #[command(flatten)]
    connection: ConnectionArgs,
    /// The most redirects `-L` follows (curl's default: 50).
    #[arg(long = "max-redirs", value_name = "N", default_value_t = 50)]
    max_redirs: usize,
    /// Look like this browser (`chrome`, `firefox`, `safari`, `chromium`, `firefox-esr`): its
    /// TLS ClientHello, HTTP/2 settings and default header fields in its order (`-H` replaces
    /// one of the same name in place). Implies `--compressed`: a browser asks for compressed
    /// bodies and decodes them.
    #[arg(
        long = "impersonate",
        value_name = "BROWSER",
        conflicts_with_all = ["ja3", "impersonate_file"]
    )]
    impersonate: Option<String>,
    /// Look like the profile in this JSON file (`tls::Profile::from_json`'s format, every
    /// field of a profile; `wire profile NAME` prints a built-in's to start from). Implies
    /// `--compressed`.
    #[arg(long = "impersonate-file", value_name = "PATH", conflicts_with = "ja3")]
    impersonate_file: Option<std::path::PathBuf>,
    /// Look like the client of this JA3 string (`771,ciphers,extensions,groups,formats`), with
    /// `--akamai` for its HTTP/2 side: a custom profile (`tls::Profile::from_ja3_akamai`;
    /// what the strings cannot say takes its documented defaults, and no default header
    /// fields are sent). An element that cannot be sent as written is an error naming it.
    /// Implies `--compressed`.
    #[arg(long = "ja3", value_name = "JA3", requires = "akamai")]
    ja3: Option<String>,
    /// The Akamai HTTP/2 string of `--ja3`'s client (`SETTINGS|WINDOW_UPDATE|0|m,a,s,p`).
    #[arg(long = "akamai", value_name = "AKAMAI", requires = "ja3")]
    akamai: Option<String>,
    /// With `--ja3`: permute the extensions per connection, as Chrome does, instead of
    /// sending them in the string's order.
    #[arg(long = "ja3-permute", requires = "ja3")]
    ja3_permute: bool,
}

/// How a run failed: the exit code and what to say.
pub(crate) struct Failure {
    pub(crate) code: u8,
    pub(crate) message: String,
}

impl Failure {
    fn new(code: u8, message: impl Into<String>) -> Self {
        Failure {
            code,
            message: message.into(),
        }
    }
}

/// curl's exit code for a client error.
pub(crate) fn exit_code(e: &Error) -> u8 {
    match e {
        Error::InvalidUrl(_) => 3,
        Error::Dns { .. } => 6,
        Error::Connect { .. } => 7,
        Error::Timeout(_) => 28,
        Error::Tls(_) => 35,
        Error::Protocol(runtime_mio::client::ProtocolError::H2(_)) => 16,
        // The connection closed inside the body: curl's "partial file".
        Error::Protocol(runtime_mio::client::ProtocolError::H1(proto_h1::Error::UnexpectedEof)) => {
            18
        }
        Error::RequestBody(_) => 26,
        Error::InvalidRequest(_) => 2,
        Error::TooManyRedirects { .. } => 47,
        Error::Proxy { .. } => 97,
        Error::Decoding { .. } => 61,
        Error::Profile(_) => 2,
        _ => 56,
    }
}

fn client_error(e: &Error) -> Failure {
    Failure::new(exit_code(e), e.to_string())
}

fn seconds(s: f64, what: &str) -> Result<Timeout, Failure> {
    crate::connection::seconds(s, what).map_err(|m| Failure::new(2, m))
}

/// The client configuration the flags ask for.
pub(crate) fn client_config(args: &Args) -> Result<ClientConfig, Failure> {
    let mut c = ClientConfig::default();
    if let Some(s) = args.max_time {
        c.timeouts.total = seconds(s, "--max-time")?;
    }
    if let Some(s) = args.connect_timeout {
        c.timeouts.connect = seconds(s, "--connect-timeout")?;
    }
    if let Some(s) = args.expect100_timeout {
        c.timeouts.expect_continue = seconds(s, "--expect100-timeout")?;
    }
    // curl's `-H 'Expect:'`: no `Expect: 100-continue` added to large uploads.
    if args.headers.iter().any(|h| is_empty_expect(h)) {
        c.expect_continue_over = None;
    }
    c.decompress = args.compressed;
    c.redirects = if args.location {
        Redirects::Follow {
            limit: args.max_redirs,
        }
    } else {
        Redirects::None
    };
    args.connection
        .apply(&mut c)
        .map_err(|(code, m)| Failure::new(code, m))?;
    if let Some(name) = &args.impersonate {
        let profile = tls::Profile::by_name(name).ok_or_else(|| {
            let names: Vec<&str> = tls::profile::BUILT_IN.iter().map(|p| &*p.name).collect();
            Failure::new(
                2,
                format!(
                    "--impersonate: unknown browser {name:?} (known: {})",
                    names.join(", ")
                ),
            )
        })?;
        c.profile = Some(profile.into());
        c.decompress = true;
    }
    if let Some(path) = &args.impersonate_file {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Failure::new(2, format!("--impersonate-file {}: {e}", path.display())))?;
        let profile = tls::Profile::from_json(&text)
            .map_err(|e| Failure::new(2, format!("--impersonate-file {}: {e}", path.display())))?;
        c.profile = Some(profile.into());
        c.decompress = true;
    }
    if let (Some(ja3), Some(akamai)) = (&args.ja3, &args.akamai) {
        let options = tls::profile::CustomOptions {
            extension_order: if args.ja3_permute {
                tls::profile::ExtensionOrder::Permuted
            } else {
                tls::profile::ExtensionOrder::AsGiven
            },
            ..tls::profile::CustomOptions::default()
        };
        let profile = tls::Profile::from_ja3_akamai_with(ja3, akamai, &options)
            .map_err(|e| Failure::new(2, format!("--ja3/--akamai: {e}")))?;
        c.profile = Some(profile.into());
        c.decompress = true;
    }
    c.key_log =
        KeyLogSink::from_env().map_err(|e| Failure::new(2, format!("SSLKEYLOGFILE: {e}")))?;
    Ok(c)
}

/// Reads `@FILE` data for `-d` (CR and LF removed, as curl does).
fn data_arg(d: &str) -> Result<Vec<u8>, Failure> {
    match d.strip_prefix('@') {
        Some("-") => {
            let mut v = Vec::new();
            std::io::stdin()
                .read_to_end(&mut v)
                .map_err(|e| Failure::new(26, format!("stdin: {e}")))?;
            v.retain(|&b| b != b'\r' && b != b'\n');
            Ok(v)
        }
        Some(path) => {
            let mut v =
                std::fs::read(path).map_err(|e| Failure::new(26, format!("{path}: {e}")))?;
            v.retain(|&b| b != b'\r' && b != b'\n');
            Ok(v)
        }
        None => Ok(d.as_bytes().to_vec()),
    }
}

/// A `-F` field as a multipart part.
fn form_part(spec: &str) -> Result<Part, Failure> {
    let (name, value) = spec
        .split_once('=')
        .ok_or_else(|| Failure::new(2, format!("-F {spec:?}: expected name=value")))?;
    let Some(file) = value.strip_prefix('@') else {
        return Ok(Part::bytes(name, value.as_bytes().to_vec()));
    };
    let mut items = file.split(';');
    let path = items.next().unwrap_or_default();
    let mut part = Part::file(name, path).map_err(|e| client_error(&e))?;
    for item in items {
        match item.split_once('=') {
            Some(("type", t)) => part = part.content_type(t),
            Some(("filename", f)) => part = part.filename(f),
            _ => return Err(Failure::new(2, format!("-F {spec:?}: unknown {item:?}"))),
        }
    }
    Ok(part)
}

/// Whether `-H h` is `Expect:` with no value (curl's way to turn the expectation off; the
/// field itself is not sent).
fn is_empty_expect(h: &str) -> bool {
    h.split_once(':')
        .is_some_and(|(n, v)| n.trim().eq_ignore_ascii_case("expect") && v.trim().is_empty())
}

/// The request the flags describe; a thread streaming stdin when `--data-binary @-`.
fn build_request(method: &str, args: &Args) -> Result<Request, Failure> {
    let mut req = Request::new(method, &args.url).map_err(|e| client_error(&e))?;
    for h in args.headers.iter().filter(|h| !is_empty_expect(h)) {
        let (name, value) = h
            .split_once(':')
            .ok_or_else(|| Failure::new(2, format!("-H {h:?}: expected 'Name: value'")))?;
        req = req.header(name.trim(), value.trim_start());
    }
    let has_type = args.headers.iter().any(|h| {
        h.split(':')
            .next()
            .is_some_and(|n| n.trim().eq_ignore_ascii_case("content-type"))
    });
    if !args.form.is_empty() {
        let mut form = Multipart::new();
        for f in &args.form {
            form = form.part(form_part(f)?);
        }
        req = req.multipart(form).map_err(|e| client_error(&e))?;
    } else if !args.data.is_empty() {
        let mut body = Vec::new();
        for (i, d) in args.data.iter().enumerate() {
            if i > 0 {
                body.push(b'&');
            }
            body.extend_from_slice(&data_arg(d)?);
        }
        if !has_type {
            req = req.header("Content-Type", "application/x-www-form-urlencoded");
        }
        req = req.body(body);
    } else if let [one] = args.data_binary.as_slice()
        && let Some(path) = one.strip_prefix('@')
    {
        if path == "-" {
            let (r, mut w) = req.body_writer(None);
            std::thread::spawn(move || {
                let mut stdin = std::io::stdin().lock();
                let mut buf = vec![0u8; 64 * 1024];
                loop {
                    match stdin.read(&mut buf) {
                        Ok(0) => {
                            let _ = w.finish();
                            return;
                        }
                        Ok(n) => {
                            if w.write(&buf[..n]).is_err() {
                                return;
                            }
                        }
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                        // Dropping the writer aborts the request.
                        Err(_) => return,
                    }
                }
            });
            req = r;
        } else {
            req = req.body_file(path).map_err(|e| client_error(&e))?;
        }
    } else if !args.data_binary.is_empty() {
        let mut body = Vec::new();
        for (i, d) in args.data_binary.iter().enumerate() {
            if i > 0 {
                body.push(b'&');
            }
            match d.strip_prefix('@') {
                Some(path) => body.extend_from_slice(
                    &std::fs::read(path).map_err(|e| Failure::new(26, format!("{path}: {e}")))?,
                ),
                None => body.extend_from_slice(d.as_bytes()),
            }
        }
        req = req.body(body);
    }
    Ok(req)
}

/// The name of `v` as a status line writes it.
pub(crate) fn version_name(v: Version) -> &'static str {
    match v {
        Version::Http10 => "HTTP/1.0",
        Version::H2 => "HTTP/2",
        _ => "HTTP/1.1",
    }
}

/// The response head as curl shows it: each informational (1xx) head the server sent first,
/// then the final one; each is its status line (HTTP/1.x with its reason phrase as received,
/// HTTP/2 with none), its fields byte for byte, each ending in CRLF, then an empty line.
fn head_bytes(resp: &Response) -> Vec<u8> {
    let mut s = Vec::new();
    for i in resp.informational() {
        write_head(&mut s, i.version(), i.status(), i.reason(), i.headers());
    }
    write_head(
        &mut s,
        resp.version(),
        resp.status(),
        resp.reason(),
        resp.headers(),
    );
    s
}

fn write_head(
    s: &mut Vec<u8>,
    version: Version,
    status: u16,
    reason: Option<&[u8]>,
    headers: Headers<'_>,
) {
    s.extend_from_slice(format!("{} {status}", version_name(version)).as_bytes());
    if let Some(reason) = reason {
        s.push(b' ');
        s.extend_from_slice(reason);
    }
    s.extend_from_slice(b"\r\n");
    for (n, v) in headers {
        s.extend_from_slice(n.as_bytes());
        s.extend_from_slice(b": ");
        s.extend_from_slice(v);
        s.extend_from_slice(b"\r\n");
    }
    s.extend_from_slice(b"\r\n");
}

fn settings_name(id: u16) -> String {
    match id {
        1 => "HEADER_TABLE_SIZE".into(),
        2 => "ENABLE_PUSH".into(),
        3 => "MAX_CONCURRENT_STREAMS".into(),
        4 => "INITIAL_WINDOW_SIZE".into(),
        5 => "MAX_FRAME_SIZE".into(),
        6 => "MAX_HEADER_LIST_SIZE".into(),
        8 => "ENABLE_CONNECT_PROTOCOL".into(),
        n => format!("0x{n:x}"),
    }
}

/// `-v`: what the connection learned (to stderr).
fn verbose_conn(config: &ClientConfig, resp: &Response, err: &mut impl Write) {
    let info = resp.conn_info();
    if let Some(a) = info.remote {
        let _ = writeln!(
            err,
            "* Connected to {a} (connection #{})",
            resp.connection_id()
        );
    }
    if let Some(v) = &info.proxy_tls_version {
        let _ = writeln!(
            err,
            "* Proxy TLS {v}, cipher {}",
            info.proxy_cipher.unwrap_or("?")
        );
    }
    if let Some(v) = &info.tls_version {
        let _ = writeln!(
            err,
            "* TLS {v}, cipher {}, ALPN {}",
            info.cipher.unwrap_or("?"),
            info.alpn
                .as_deref()
                .map_or("none".into(), |a| String::from_utf8_lossy(a).into_owned())
        );
    }
    if let Some(p) = &config.profile {
        let _ = writeln!(err, "* Impersonating {}", p.browser_version);
    }
    if let Some(j) = &info.ja4 {
        let _ = writeln!(err, "* JA4 (our ClientHello) {j}");
    }
    if resp.version() == Version::H2 {
        // What the client sends: a profile's SETTINGS and window replace the config's.
        let h2 = config
            .profile
            .as_ref()
            .and_then(|p| runtime_mio::profile::h2_config(p).ok())
            .unwrap_or_else(|| config.h2.clone());
        let sent: Vec<String> = h2
            .settings
            .iter()
            .map(|&(id, v)| format!("{}={v}", settings_name(id)))
            .collect();
        let _ = writeln!(
            err,
            "* HTTP/2 SETTINGS sent: {}; connection window {}",
            sent.join(", "),
            h2.connection_window
        );
        if let Some(frame) = &info.h2_peer_settings_frame {
            // As the server sent them: the effective values would print the defaults of what
            // it left out (ENABLE_PUSH=1 from a server, which may not send that value).
            let received: Vec<String> = frame
                .iter()
                .map(|&(id, v)| format!("{}={v}", settings_name(id)))
                .collect();
            let _ = writeln!(
                err,
                "* HTTP/2 SETTINGS received: {}",
                if received.is_empty() {
                    "(none: the defaults)".to_owned()
                } else {
                    received.join(", ")
                }
            );
        }
    }
}

/// A progress bar on stderr: bytes, percent, rate and ETA (when the length is known).
struct Progress {
    total: Option<u64>,
    done: u64,
    started: Instant,
    last: Option<Instant>,
}

fn human(n: f64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    format!("{v:.1} {}", UNITS[u])
}

impl Progress {
    fn add(&mut self, n: usize, force: bool) {
        self.done += n as u64;
        let now = Instant::now();
        if !force
            && self
                .last
                .is_some_and(|l| now - l < Duration::from_millis(100))
        {
            return;
        }
        self.last = Some(now);
        let secs = (now - self.started).as_secs_f64().max(1e-3);
        #[allow(clippy::cast_precision_loss)]
        let rate = self.done as f64 / secs;
        let mut line = String::new();
        if let Some(t) = self.total.filter(|&t| t > 0) {
            #[allow(clippy::cast_precision_loss)]
            let frac = (self.done as f64 / t as f64).min(1.0);
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let filled = (frac * 30.0) as usize;
            #[allow(clippy::cast_precision_loss)]
            let eta = if rate > 0.0 {
                (t.saturating_sub(self.done)) as f64 / rate
            } else {
                0.0
            };
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let eta = eta as u64;
            #[allow(clippy::cast_precision_loss)]
            line.push_str(&format!(
                "[{}{}] {:3.0}% {} / {} {}/s ETA {}:{:02}",
                "#".repeat(filled),
                "-".repeat(30 - filled),
                frac * 100.0,
                human(self.done as f64),
                human(t as f64),
                human(rate),
                eta / 60,
                eta % 60
            ));
        } else {
            #[allow(clippy::cast_precision_loss)]
            line.push_str(&format!("{} {}/s", human(self.done as f64), human(rate)));
        }
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r{line:<72}");
        if force {
            let _ = writeln!(err);
        }
    }
}

/// Runs `wire METHOD`; the exit code (0 on success).
pub(crate) fn run(method: &str, args: &Args) -> u8 {
    match run_inner(method, args) {
        Ok(code) => code,
        Err(f) => {
            eprintln!("wire: ({}) {}", f.code, f.message);
            f.code
        }
    }
}

fn run_inner(method: &str, args: &Args) -> Result<u8, Failure> {
    let config = client_config(args)?;
    let req = build_request(method, args)?;
    let verbose = args.verbose;
    if verbose {
        let url = req.url();
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "> {} {}", req.method(), url.target);
        if !req
            .headers()
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("host"))
        {
            let _ = writeln!(err, "> Host: {}", url.origin.authority());
        }
        for (n, v) in req.headers() {
            let _ = writeln!(err, "> {n}: {}", String::from_utf8_lossy(v));
        }
        if let Some(n) = req.body_len().filter(|&n| n > 0) {
            let _ = writeln!(err, "> Content-Length: {n}");
        }
        let _ = writeln!(err, ">");
    }
    let client = Client::new(config.clone()).map_err(|e| client_error(&e))?;
    let mut resp = client.request(req).map_err(|e| match e {
        // No response head came: curl's "empty reply from server".
        Error::ConnectionClosed => Failure::new(52, format!("empty reply from server ({e})")),
        e => client_error(&e),
    })?;
    let head = head_bytes(&resp);
    if verbose {
        let mut err = std::io::stderr().lock();
        verbose_conn(&config, &resp, &mut err);
        // Each line as received (stderr is for people, but it changes no byte either), `<`
        // alone for the empty line that ends each head.
        let lines = head.strip_suffix(b"\n").unwrap_or(&head);
        for line in lines.split(|&b| b == b'\n') {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            let _ = err.write_all(if line.is_empty() { b"<" } else { b"< " });
            let _ = err.write_all(line);
            let _ = err.write_all(b"\n");
        }
    }
    if args.fail && resp.status() >= 400 {
        return Err(Failure::new(
            22,
            format!("the requested URL returned error: {}", resp.status()),
        ));
    }
    let stdout = std::io::stdout();
    let mut out_lock = stdout.lock();
    let write_err = |e: std::io::Error| Failure::new(23, format!("writing the output: {e}"));
    if args.include || method == "HEAD" {
        out_lock.write_all(&head).map_err(write_err)?;
        out_lock.flush().map_err(write_err)?;
    }
    let total = resp
        .header("content-length")
        .and_then(|v| std::str::from_utf8(v).ok()?.trim().parse::<u64>().ok());
    let mut file;
    let (out, mut progress): (&mut dyn Write, Option<Progress>) = match &args.output {
        Some(path) => {
            file = std::fs::File::create(path)
                .map_err(|e| Failure::new(23, format!("{}: {e}", path.display())))?;
            let bar = std::io::stderr().is_terminal().then(|| Progress {
                total,
                done: 0,
                started: Instant::now(),
                last: None,
            });
            (&mut file, bar)
        }
        None => (&mut out_lock, None),
    };
    let body = resp.body();
    loop {
        match body.chunk(Wait::Block) {
            Ok(Some(chunk)) => {
                out.write_all(&chunk).map_err(write_err)?;
                if let Some(p) = &mut progress {
                    p.add(chunk.len(), false);
                }
            }
            Ok(None) => break,
            Err(e) => {
                let _ = out.flush();
                return Err(client_error(&e));
            }
        }
    }
    out.flush().map_err(write_err)?;
    if let Some(p) = &mut progress {
        p.add(0, true);
    }
    if verbose {
        eprintln!("* done");
    }
    Ok(0)
}
