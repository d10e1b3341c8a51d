//! `idle_conns`: opens N keep-alive connections to a server, makes one request on each, then
//! holds them idle, so that `benches/system.sh` can read the server's resident memory per idle
//! connection.
//!
//! ```text
//! idle_conns --connect 127.0.0.1:PORT --count 10000 --proto h1|h2 [--hold-secs 4]
//! ```
//!
//! - `h1`: `GET / HTTP/1.1`, reads the whole response (status 200, `Content-Length` body).
//! - `h2`: the prior-knowledge preface, an empty SETTINGS, one `GET /` (HEADERS with
//!   END_STREAM), acknowledges the server's SETTINGS, reads until the response's END_STREAM
//!   (status 200).
//!
//! Connections are opened in batches (connect and write a whole batch, then read its responses).
//! When all are open it prints `ready N`, holds them for `--hold-secs` (the script samples the
//! server's memory meanwhile), checks that none was closed by the server and prints
//! `alive N closed M`; it exits non-zero if any connection failed or was closed. Every socket has
//! SO_LINGER 0, so the exit resets them all and no TIME_WAIT piles up across runs.
//!
//! It runs as a process of its own (a file limit is per process): its soft RLIMIT_NOFILE must
//! cover N (the script raises it to the hard limit with `ulimit -n` before starting it); it
//! checks that first and says so if not.

use std::io::{ErrorKind, Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

const USAGE: &str =
    "usage: idle_conns --connect ADDR --count N --proto h1|h2 [--hold-secs S] [--batch B]";
const IO_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Clone, Copy, PartialEq)]
enum Proto {
    H1,
    H2,
}

struct Args {
    addr: SocketAddr,
    count: usize,
    proto: Proto,
    hold: Duration,
    batch: usize,
}

fn parse_args() -> Result<Args, String> {
    let (mut addr, mut count, mut proto) = (None, None, None);
    let (mut hold, mut batch) = (Duration::from_secs(4), 100);
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let v = it
            .next()
            .ok_or_else(|| format!("{a} needs a value\n{USAGE}"))?;
        let bad = |e: &dyn std::fmt::Display| format!("{a} {v}: {e}");
        match a.as_str() {
            "--connect" => addr = Some(v.parse().map_err(|e| bad(&e))?),
            "--count" => count = Some(v.parse().map_err(|e| bad(&e))?),
            "--hold-secs" => hold = Duration::from_secs(v.parse().map_err(|e| bad(&e))?),
            "--batch" => batch = v.parse::<usize>().map_err(|e| bad(&e))?.max(1),
            "--proto" => {
                proto = Some(match v.as_str() {
                    "h1" => Proto::H1,
                    "h2" => Proto::H2,
                    _ => return Err(format!("--proto is h1 or h2\n{USAGE}")),
                });
            }
            _ => return Err(format!("unknown argument {a}\n{USAGE}")),
        }
    }
    match (addr, count, proto) {
        (Some(addr), Some(count), Some(proto)) => Ok(Args {
            addr,
            count,
            proto,
            hold,
            batch,
        }),
        _ => Err(USAGE.to_owned()),
    }
}

/// The soft limit on open files, from `/proc/self/limits`.
fn nofile_soft_limit() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    let soft = line["Max open files".len()..].split_whitespace().next()?;
    soft.parse().ok()
}

/// The bytes a connection sends: one request (after the preface and SETTINGS on HTTP/2).
fn request(proto: Proto, addr: SocketAddr) -> Vec<u8> {
    let authority = addr.to_string();
    match proto {
        Proto::H1 => format!("GET / HTTP/1.1\r\nHost: {authority}\r\n\r\n").into_bytes(),
        Proto::H2 => {
            let mut out = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_vec();
            out.extend_from_slice(&frame_head(0, 0x4, 0, 0)); // SETTINGS, empty
            // HPACK: :method GET (2), :scheme http (6), :path / (4), then :authority as a
            // literal with incremental indexing (name index 1), as h2load and curl send it.
            let mut block = vec![0x82, 0x86, 0x84, 0x41];
            block.push(u8::try_from(authority.len()).expect("short authority"));
            block.extend_from_slice(authority.as_bytes());
            // HEADERS on stream 1: END_STREAM | END_HEADERS.
            out.extend_from_slice(&frame_head(block.len(), 0x1, 0x5, 1));
            out.extend_from_slice(&block);
            out
        }
    }
}

fn frame_head(len: usize, kind: u8, flags: u8, stream: u32) -> [u8; 9] {
    let l = u32::try_from(len).expect("frame length").to_be_bytes();
    let s = stream.to_be_bytes();
    [l[1], l[2], l[3], kind, flags, s[0], s[1], s[2], s[3]]
}

fn fail(what: &str) -> std::io::Error {
    std::io::Error::other(what.to_owned())
}

/// Reads one HTTP/1.1 response to the end of its `Content-Length` body; its status must be 200.
fn read_h1(s: &mut TcpStream) -> std::io::Result<()> {
    let mut buf = Vec::with_capacity(512);
    let mut chunk = [0u8; 512];
    loop {
        let n = s.read(&mut chunk)?;
        if n == 0 {
            return Err(fail("connection closed before the response ended"));
        }
        buf.extend_from_slice(&chunk[..n]);
        let mut headers = [httparse::EMPTY_HEADER; 32];
        let mut resp = httparse::Response::new(&mut headers);
        let status = resp
            .parse(&buf)
            .map_err(|e| fail(&format!("bad response: {e}")))?;
        if let httparse::Status::Complete(head) = status {
            if resp.code != Some(200) {
                return Err(fail(&format!("status {:?}, expected 200", resp.code)));
            }
            let len = resp
                .headers
                .iter()
                .find(|h| h.name.eq_ignore_ascii_case("content-length"))
                .and_then(|h| {
                    std::str::from_utf8(h.value)
                        .ok()?
                        .trim()
                        .parse::<usize>()
                        .ok()
                })
                .ok_or_else(|| fail("response without Content-Length"))?;
            if buf.len() >= head + len {
                return Ok(());
            }
        }
    }
}

/// Reads frames until the response on stream 1 ends (status 200), acknowledging the server's
/// SETTINGS on the way.
fn read_h2(s: &mut TcpStream) -> std::io::Result<()> {
    let mut status = None;
    loop {
        let mut head = [0u8; 9];
        s.read_exact(&mut head)?;
        let len = usize::from(head[0]) << 16 | usize::from(head[1]) << 8 | usize::from(head[2]);
        let (kind, flags) = (head[3], head[4]);
        let stream = u32::from_be_bytes([head[5], head[6], head[7], head[8]]) & 0x7fff_ffff;
        let mut payload = vec![0u8; len];
        s.read_exact(&mut payload)?;
        match kind {
            0x4 if flags & 0x1 == 0 => s.write_all(&frame_head(0, 0x4, 0x1, 0))?,
            0x7 => return Err(fail("GOAWAY from the server")),
            0x3 if stream == 1 => return Err(fail("RST_STREAM on the request")),
            0x1 if stream == 1 => {
                if flags & 0x4 == 0 {
                    return Err(fail("CONTINUATION not supported here"));
                }
                let mut block = &payload[..];
                if flags & 0x8 != 0 {
                    let pad = usize::from(*block.first().ok_or_else(|| fail("empty HEADERS"))?);
                    block = block
                        .get(1..block.len().saturating_sub(pad))
                        .ok_or_else(|| fail("bad padding"))?;
                }
                if flags & 0x20 != 0 {
                    block = block.get(5..).ok_or_else(|| fail("bad priority"))?;
                }
                let fields = fluke_hpack::Decoder::new()
                    .decode(block)
                    .map_err(|e| fail(&format!("HPACK: {e:?}")))?;
                status = fields
                    .iter()
                    .find(|(n, _)| n == b":status")
                    .map(|(_, v)| v.clone());
                if status.as_deref() != Some(b"200") {
                    return Err(fail(&format!("status {status:?}, expected 200")));
                }
                if flags & 0x1 != 0 {
                    return Ok(());
                }
            }
            0x0 if stream == 1 && flags & 0x1 != 0 => {
                return match status {
                    Some(_) => Ok(()),
                    None => Err(fail("DATA before HEADERS")),
                };
            }
            _ => {}
        }
    }
}

fn open(args: &Args, req: &[u8]) -> std::io::Result<TcpStream> {
    let mut s = TcpStream::connect_timeout(&args.addr, IO_TIMEOUT)?;
    s.set_nodelay(true)?;
    s.set_read_timeout(Some(IO_TIMEOUT))?;
    socket2::SockRef::from(&s).set_linger(Some(Duration::ZERO))?;
    s.write_all(req)?;
    Ok(s)
}

fn run(args: &Args) -> Result<(), String> {
    let need = u64::try_from(args.count).unwrap_or(u64::MAX) + 16;
    match nofile_soft_limit() {
        Some(n) if n >= need => {}
        n => {
            return Err(format!(
                "the soft limit on open files is {n:?}, {need} needed: raise it first \
                 (ulimit -n \"$(ulimit -Hn)\")"
            ));
        }
    }
    let req = request(args.proto, args.addr);
    let mut conns: Vec<TcpStream> = Vec::with_capacity(args.count);
    while conns.len() < args.count {
        let n = args.batch.min(args.count - conns.len());
        let base = conns.len();
        let mut batch = Vec::with_capacity(n);
        for i in 0..n {
            batch.push(open(args, &req).map_err(|e| format!("connection {}: {e}", base + i))?);
        }
        for (i, mut s) in batch.into_iter().enumerate() {
            match args.proto {
                Proto::H1 => read_h1(&mut s),
                Proto::H2 => read_h2(&mut s),
            }
            .map_err(|e| format!("connection {}: {e}", base + i))?;
            conns.push(s);
        }
    }
    let mut out = std::io::stdout().lock();
    writeln!(out, "ready {}", conns.len()).map_err(|e| e.to_string())?;
    out.flush().map_err(|e| e.to_string())?;
    std::thread::sleep(args.hold);
    let mut closed = 0;
    let mut buf = [0u8; 256];
    for s in &mut conns {
        s.set_nonblocking(true).map_err(|e| e.to_string())?;
        match s.read(&mut buf) {
            Ok(0) => closed += 1,
            Err(e) if e.kind() == ErrorKind::WouldBlock => {}
            // Bytes (a PING, say) mean the connection is still there.
            Ok(_) => {}
            Err(_) => closed += 1,
        }
    }
    writeln!(out, "alive {} closed {closed}", conns.len() - closed).map_err(|e| e.to_string())?;
    out.flush().map_err(|e| e.to_string())?;
    if closed > 0 {
        return Err(format!("the server closed {closed} idle connections"));
    }
    Ok(())
}

fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    if let Err(e) = run(&args) {
        eprintln!("idle_conns: {e}");
        std::process::exit(1);
    }
}
