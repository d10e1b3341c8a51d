//! Runs the llhttp test corpus (`../shared/corpora/llhttp/test/{request,response}/*.md`) through
//! the connection state machine: every case llhttp rejects in its strict mode must be rejected
//! by us, and every case it accepts must be accepted, except the documented [`EXCEPTIONS`],
//! where RFC 9112 and llhttp part ways (each with its reason). Cases that need one of llhttp's
//! lenient flags or only run in its loose mode are about llhttp options and are skipped.
//!
//! The input transformations follow llhttp's `test/md-test.ts`: a trailing newline is removed,
//! escaped newlines are joined, newlines become CRLF, then `\r`, `\n`, `\t`, `\f`, `\xHH` and
//! octal `\NNN` escapes are replaced.

use std::path::{Path, PathBuf};

use proto_h1::{ClientConn, ConnConfig, Error, Event, ServerConn};

/// (file, case title, reason). In every one of these we are stricter than llhttp's strict mode,
/// or llhttp rejects something for a reason that is not HTTP syntax or framing.
const EXCEPTIONS: &[(&str, &str, &str)] = &[
    // Incomplete heads: llhttp rejects a header value as soon as it is read; we check framing
    // fields when the head is complete (these inputs stop before the empty line). The same
    // heads, completed, are rejected by tests/smuggling.rs ("CL overflow", "differing CL").
    (
        "request/content-length.md",
        "Error on `Content-Length` overflow",
        "head incomplete; checked when complete",
    ),
    (
        "request/content-length.md",
        "Error on duplicate `Content-Length`",
        "head incomplete; checked when complete",
    ),
    // Methods: RFC 9110 section 9.1 makes any token a method ("method = token"); llhttp only
    // knows a fixed list and ties RTSP methods to RTSP. ("Invalid method", `MKCOLA / HTTP/1.1`
    // without Host, was listed here too; we now refuse it as well, for its missing Host.)
    (
        "request/invalid.md",
        "HTTP protocol and ANNOUNCE method",
        "any token is a method (RFC 9110 9.1)",
    ),
    // Asterisk-form is only for OPTIONS (RFC 9112 3.2.4). M-SEARCH is SSDP over UDP, and
    // `PRI * HTTP/2.0` is the HTTP/2 preface, which a server detects before HTTP/1.1 parsing.
    (
        "request/method.md",
        "M-SEARCH request",
        "asterisk-form only with OPTIONS (RFC 9112 3.2.4)",
    ),
    (
        "request/method.md",
        "PRI request HTTP2",
        "asterisk-form only with OPTIONS; h2 preface is not HTTP/1.1",
    ),
    // Not HTTP: RTSP and ICE (SHOUTcast) share llhttp's parser, not RFC 9112.
    (
        "request/method.md",
        "SOURCE request with ICE",
        "ICE is not HTTP",
    ),
    (
        "request/method.md",
        "OPTIONS request with RTSP",
        "RTSP is not HTTP",
    ),
    (
        "request/method.md",
        "ANNOUNCE request with RTSP",
        "RTSP is not HTTP",
    ),
    ("response/sample.md", "RTSP response", "RTSP is not HTTP"),
    ("response/sample.md", "ICE response", "ICE is not HTTP"),
    // HTTP/0.9 is gone from RFC 9112 (a request line needs HTTP-version); we speak 1.0 and 1.1.
    (
        "request/sample.md",
        "No HTTP version",
        "HTTP/0.9 request lines are not RFC 9112",
    ),
    (
        "response/sample.md",
        "HTTP version 0.9",
        "only HTTP/1.0 and HTTP/1.1",
    ),
    // Transfer codings: we implement only `chunked`. RFC 9112 6.1: "A server that receives a
    // request message with a transfer coding it does not understand SHOULD respond with 501".
    (
        "request/transfer-encoding.md",
        "POST with `chunked` as last transfer-encoding",
        "501 for a coding we do not implement",
    ),
    (
        "request/transfer-encoding.md",
        "POST with `chunked` as last transfer-encoding (multiple headers)",
        "501 for a coding we do not implement",
    ),
    // Responses whose final coding is not chunked: RFC 9112 6.3 reads them until close; we
    // refuse them (strict by default: the body would arrive still transfer-coded, and a proxy
    // must not forward such framing).
    (
        "response/transfer-encoding.md",
        "`chunked` before other transfer-encoding",
        "chunked must be the single final coding",
    ),
    (
        "response/transfer-encoding.md",
        "multiple transfer-encoding where chunked is not the last one",
        "chunked must be the single final coding",
    ),
    (
        "response/transfer-encoding.md",
        "`chunkedchunked` transfer-encoding does not enable chunked enconding",
        "unknown transfer coding refused",
    ),
];

/// (file, case title): HTTP/1.1 requests without a `Host` field, which llhttp accepts and we
/// refuse with [`Error::MissingHost`] (400). RFC 9112 section 3.2: "A server MUST respond with
/// a 400 (Bad Request) status code to any HTTP/1.1 request message that lacks a Host header
/// field". These cases test something else (framing, pausing, URIs) on a Host-less request;
/// only this error is excused for them.
const MISSING_HOST: &[(&str, &str)] = &[
    ("request/connection.md", "Setting flag"),
    (
        "request/connection.md",
        "Restarting when keep-alive is explicitly",
    ),
    ("request/connection.md", "Setting flag on `close`"),
    (
        "request/connection.md",
        "Setting flag on `close` followed by tab",
    ),
    ("request/connection.md", "Sample"),
    (
        "request/connection.md",
        "Multiple tokens with folding and LWS",
    ),
    ("request/connection.md", "Setting a flag and pausing"),
    ("request/connection.md", "Emitting part of body and pausing"),
    ("request/content-length.md", "`Content-Length` with zeroes"),
    (
        "request/content-length.md",
        "`Content-Length` with follow-up headers",
    ),
    (
        "request/content-length.md",
        "Spaces in `Content-Length` (surrounding)",
    ),
    (
        "request/content-length.md",
        "Tabs in `Content-Length` (surrounding)",
    ),
    (
        "request/content-length.md",
        "Content-Length reset when no body is received",
    ),
    (
        "request/finish.md",
        "It should be safe to finish after GET request",
    ),
    ("request/method.md", "REPORT request"),
    ("request/pausing.md", "on_message_begin"),
    ("request/pausing.md", "on_message_complete"),
    ("request/pausing.md", "on_protocol_complete"),
    ("request/pausing.md", "on_method_complete"),
    ("request/pausing.md", "on_url_complete"),
    ("request/pausing.md", "on_version_complete"),
    ("request/pausing.md", "on_header_field_complete"),
    ("request/pausing.md", "on_header_value_complete"),
    ("request/pausing.md", "on_headers_complete"),
    ("request/pausing.md", "on_chunk_header"),
    ("request/pausing.md", "on_chunk_extension_name"),
    ("request/pausing.md", "on_chunk_extension_value"),
    ("request/pausing.md", "on_chunk_complete"),
    ("request/pipelining.md", "Should parse multiple events"),
    ("request/sample.md", "Simple request"),
    ("request/sample.md", "Request with method starting with `H`"),
    ("request/sample.md", "DUMBPACK"),
    ("request/sample.md", "No headers and no body"),
    ("request/sample.md", "One header and no body"),
    ("request/sample.md", "Prefix newline"),
    ("request/sample.md", "Request starting with CRLF"),
    ("request/sample.md", "Extended Characters"),
    ("request/sample.md", "255 ASCII in header value"),
    ("request/transfer-encoding.md", "Parsing and setting flag"),
    (
        "request/transfer-encoding.md",
        "Parse chunks with lowercase size",
    ),
    (
        "request/transfer-encoding.md",
        "Parse chunks with uppercase size",
    ),
    (
        "request/transfer-encoding.md",
        "POST with `Transfer-Encoding: chunked`",
    ),
    (
        "request/transfer-encoding.md",
        "Two chunks and triple zero prefixed end chunk",
    ),
    ("request/transfer-encoding.md", "Trailing headers"),
    ("request/transfer-encoding.md", "Chunk extensions"),
    ("request/transfer-encoding.md", "Chunk extensions quoting"),
    ("request/uri.md", "Quotes in URI"),
    ("request/uri.md", "Query URL with question mark"),
    ("request/uri.md", "Host terminated by a query string"),
    ("request/uri.md", "`host:port` terminated by a query string"),
    ("request/uri.md", "Query URL with vertical bar character"),
    ("request/uri.md", "`host:port` terminated by a space"),
    ("request/uri.md", "Fragment in URI"),
    ("request/uri.md", "`host:port` and basic auth"),
];

#[derive(Debug)]
struct Case {
    file: String,
    title: String,
    kind: String,
    skip_body: bool,
    input: Vec<u8>,
    llhttp_rejects: bool,
    line: usize,
}

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpora/llhttp/test")
}

fn meta_str(meta: &str, key: &str) -> Option<String> {
    let k = format!("\"{key}\"");
    let at = meta.find(&k)? + k.len();
    let rest = meta[at..].trim_start().strip_prefix(':')?.trim_start();
    if let Some(r) = rest.strip_prefix('"') {
        return Some(r[..r.find('"')?].to_string());
    }
    Some(rest.split([',', '}']).next()?.trim().to_string())
}

/// llhttp's md-test input conversion.
fn convert(raw: &str) -> Vec<u8> {
    let mut s = raw.strip_suffix('\n').unwrap_or(raw).to_string();
    s = s.replace("\\\r\n", "").replace("\\\n", "");
    s = s
        .replace("\r\n", "\n")
        .replace('\r', "\n")
        .replace('\n', "\r\n");
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 1 < b.len() {
            let c = b[i + 1];
            match c {
                b'r' => {
                    out.push(b'\r');
                    i += 2;
                    continue;
                }
                b'n' => {
                    out.push(b'\n');
                    i += 2;
                    continue;
                }
                b't' => {
                    out.push(b'\t');
                    i += 2;
                    continue;
                }
                b'f' => {
                    out.push(0x0c);
                    i += 2;
                    continue;
                }
                b'x' => {
                    let mut j = i + 2;
                    let mut v: u32 = 0;
                    while j < b.len() && b[j].is_ascii_hexdigit() {
                        v = v * 16 + (b[j] as char).to_digit(16).unwrap();
                        j += 1;
                    }
                    if j > i + 2 {
                        out.push(v as u8);
                        i = j;
                        continue;
                    }
                }
                b'0'..=b'7' => {
                    let mut j = i + 1;
                    let mut v: u32 = 0;
                    while j < b.len() && j < i + 4 && (b'0'..=b'7').contains(&b[j]) {
                        v = v * 8 + u32::from(b[j] - b'0');
                        j += 1;
                    }
                    out.push(v as u8);
                    i = j;
                    continue;
                }
                _ => {}
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

fn load() -> Vec<Case> {
    let mut cases = Vec::new();
    for dir in ["request", "response"] {
        let mut files: Vec<_> = std::fs::read_dir(corpus_dir().join(dir))
            .expect("llhttp corpus missing (../shared/corpora/llhttp)")
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "md"))
            .collect();
        files.sort();
        for path in files {
            let text = std::fs::read_to_string(&path).unwrap();
            let file = format!("{dir}/{}", path.file_name().unwrap().to_string_lossy());
            let lines: Vec<&str> = text.split('\n').collect();
            let mut title = String::new();
            let mut meta = String::new();
            let mut i = 0;
            while i < lines.len() {
                let l = lines[i];
                if l.starts_with('#') {
                    title = l.trim_start_matches('#').trim().to_string();
                } else if l.starts_with("<!-- meta=") {
                    meta = l.to_string();
                } else if l.starts_with("```http") {
                    let start = i;
                    let mut body = String::new();
                    i += 1;
                    while !lines[i].starts_with("```") {
                        body.push_str(lines[i]);
                        body.push('\n');
                        i += 1;
                    }
                    // the log block follows
                    while !lines[i].starts_with("```log") {
                        i += 1;
                    }
                    let mut log = Vec::new();
                    i += 1;
                    while !lines[i].starts_with("```") {
                        log.push(lines[i]);
                        i += 1;
                    }
                    // An error other than a pause, or `llhttp_finish` saying the end was unsafe.
                    let rejects = log.iter().any(|l| {
                        (l.contains(" error code=")
                            && !["code=21 ", "code=22 ", "code=23 "]
                                .iter()
                                .any(|c| l.contains(c)))
                            || l.contains("finish=2")
                    });
                    let kind = meta_str(&meta, "type").unwrap_or_default();
                    let mode = meta_str(&meta, "mode");
                    if mode.as_deref() != Some("loose") {
                        cases.push(Case {
                            file: file.clone(),
                            title: title.clone(),
                            kind,
                            skip_body: meta_str(&meta, "skipBody").as_deref() == Some("true"),
                            input: convert(&body),
                            llhttp_rejects: rejects,
                            line: start + 1,
                        });
                    }
                    meta.clear();
                }
                i += 1;
            }
        }
    }
    cases
}

/// Runs a request stream through a server: answers every request, stops at an upgrade.
fn run_server(input: &[u8], finish: bool) -> Result<(), Error> {
    let mut s = ServerConn::new(ConnConfig::default());
    let mut off = 0;
    loop {
        let n = s.recv(&input[off..])?;
        off += n;
        let mut upgrade = false;
        let mut ended = false;
        while let Some(ev) = s.poll_event()? {
            match ev {
                Event::Request(h) => {
                    let conn_upgrade = h
                        .header("connection")
                        .is_some_and(|v| proto_h1::has_token(v, "upgrade"));
                    upgrade =
                        h.method == "CONNECT" || (conn_upgrade && h.header("upgrade").is_some());
                }
                Event::End { .. } => {
                    ended = true;
                    if upgrade {
                        return Ok(());
                    }
                    s.send_response(
                        200,
                        b"OK",
                        &[proto_h1::Header {
                            name: "Content-Length",
                            value: b"0",
                        }],
                    )
                    .unwrap();
                    s.send_end(&[]).unwrap();
                }
                _ => {}
            }
        }
        if s.is_closed() || (n == 0 && !ended) || off == input.len() && !ended {
            break;
        }
    }
    if finish {
        s.recv_eof()?;
        while s.poll_event()?.is_some() {}
    }
    Ok(())
}

/// Runs a response stream through a client with enough requests in flight.
///
/// A client switches protocols only on a 101 to a request that offered the upgrade (RFC 9110
/// section 7.8); llhttp's response cases assume the request asked for the upgrade they answer,
/// so every request here offers `h2c`, the protocol of the corpus's 101 responses. A server may
/// ignore the offer, so the other cases are unaffected.
fn run_client(input: &[u8], finish: bool, method: &str) -> Result<(), Error> {
    let mut c = ClientConn::new(ConnConfig::default());
    let offer = [
        proto_h1::Header {
            name: "Connection",
            value: b"upgrade",
        },
        proto_h1::Header {
            name: "Upgrade",
            value: b"h2c",
        },
    ];
    for _ in 0..8 {
        c.send_request(method, "/", &offer).unwrap();
        c.send_end(&[]).unwrap();
    }
    let mut off = 0;
    loop {
        let n = c.recv(&input[off..])?;
        off += n;
        while let Some(ev) = c.poll_event()? {
            if let Event::Upgrade(_) = ev {
                return Ok(());
            }
        }
        if n == 0 || off == input.len() {
            break;
        }
    }
    if finish {
        c.recv_eof()?;
        while c.poll_event()?.is_some() {}
    }
    Ok(())
}

#[test]
fn llhttp_corpus_agrees_except_documented_cases() {
    let cases = load();
    assert!(
        cases.len() > 150,
        "corpus not found or parsed: {} cases",
        cases.len()
    );
    let mut ran = 0;
    let mut mismatches = Vec::new();
    let mut seen_exceptions = Vec::new();
    let mut seen_missing_host = Vec::new();
    for case in &cases {
        let finish = case.kind.ends_with("-finish");
        let result = match case.kind.as_str() {
            "request" | "request-finish" => run_server(&case.input, finish),
            "response" | "response-finish" => run_client(
                &case.input,
                finish,
                if case.skip_body { "HEAD" } else { "GET" },
            ),
            _ => continue, // lenient flags of llhttp
        };
        ran += 1;
        let we_reject = result.is_err();
        let exception = EXCEPTIONS
            .iter()
            .find(|(f, t, _)| *f == case.file && *t == case.title);
        let missing_host = MISSING_HOST
            .iter()
            .find(|(f, t)| *f == case.file && *t == case.title);
        if we_reject != case.llhttp_rejects {
            if let (Some(m), Err(Error::MissingHost)) = (missing_host, &result) {
                seen_missing_host.push(*m);
            } else if let Some(e) = exception {
                seen_exceptions.push(*e);
            } else {
                mismatches.push(format!(
                    "{}:{} {:?}: llhttp {}, we {} ({:?}) input {:?}",
                    case.file,
                    case.line,
                    case.title,
                    if case.llhttp_rejects {
                        "rejects"
                    } else {
                        "accepts"
                    },
                    if we_reject { "reject" } else { "accept" },
                    result.err(),
                    String::from_utf8_lossy(&case.input)
                ));
            }
        }
    }
    eprintln!(
        "llhttp corpus: {ran} cases run, {} documented exceptions hit",
        seen_exceptions.len()
    );
    assert!(
        mismatches.is_empty(),
        "{} mismatches:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
    for e in EXCEPTIONS {
        assert!(seen_exceptions.contains(e), "stale exception {e:?}");
    }
    for e in MISSING_HOST {
        assert!(
            seen_missing_host.contains(e),
            "stale missing-Host case {e:?}"
        );
    }
}
