//! Blocking std::net plumbing shared by the examples: a tiny HTTP head reader and the echo loop.
#![allow(dead_code)]

use proto_ws::{CloseCode, Connection, Event, Role};
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::Duration;

/// A parsed HTTP/1.1 head: start line and headers (owned; heads are small).
pub(crate) struct Head {
    pub(crate) start: String,
    pub(crate) headers: Vec<(Vec<u8>, Vec<u8>)>,
}

impl Head {
    pub(crate) fn pairs(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        self.headers
            .iter()
            .map(|(n, v)| (n.as_slice(), v.as_slice()))
    }
}

/// Reads until the end of an HTTP head. Returns the head and any bytes read past it.
pub(crate) fn read_head(stream: &mut TcpStream) -> io::Result<(Head, Vec<u8>)> {
    let mut buf = Vec::with_capacity(4096);
    let mut chunk = [0u8; 4096];
    let end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        if buf.len() > 64 * 1024 {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "head too long"));
        }
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "eof in head"));
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let text = &buf[..end - 4];
    let mut lines = text
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l));
    let start = String::from_utf8_lossy(lines.next().unwrap_or(b"")).into_owned();
    let mut headers = Vec::new();
    for line in lines {
        let Some(i) = line.iter().position(|&b| b == b':') else {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "bad header line",
            ));
        };
        headers.push((line[..i].to_vec(), line[i + 1..].trim_ascii().to_vec()));
    }
    Ok((Head { start, headers }, buf[end..].to_vec()))
}

enum Reply {
    None,
    Text,
    Binary,
}

/// Writes everything `conn` has queued: the framing bytes, then any payload handed back.
pub(crate) fn flush(
    stream: &mut TcpStream,
    conn: &mut Connection,
    out: &mut Vec<u8>,
) -> io::Result<()> {
    while conn.wants_write() {
        let payload = conn.poll_transmit(out);
        stream.write_all(out)?;
        out.clear();
        if let Some(p) = payload {
            stream.write_all(&p)?;
        }
    }
    Ok(())
}

/// Echoes every message until the close handshake ends or the peer goes away.
pub(crate) fn echo(
    mut stream: TcpStream,
    mut conn: Connection,
    leftover: Vec<u8>,
) -> io::Result<()> {
    stream.set_nodelay(true)?;
    let mut rbuf = vec![0u8; 256 * 1024];
    rbuf[..leftover.len()].copy_from_slice(&leftover);
    let mut len = leftover.len();
    let mut out: Vec<u8> = Vec::with_capacity(256 * 1024);
    let mut text = String::new();
    let mut bin: Vec<u8> = Vec::new();
    loop {
        let mut pos = 0;
        while pos < len {
            match conn.recv(&rbuf[pos..len]) {
                Ok(n) => pos += n,
                Err(_) => {
                    let _ = flush(&mut stream, &mut conn, &mut out);
                    return finish(stream, conn.role());
                }
            }
            loop {
                let reply = match conn.poll_event() {
                    Ok(None) => break,
                    Ok(Some(Event::Text(t))) => {
                        text.clear();
                        text.push_str(t);
                        Reply::Text
                    }
                    Ok(Some(Event::Binary(b))) => {
                        bin.clear();
                        bin.extend_from_slice(b);
                        Reply::Binary
                    }
                    Ok(Some(_)) => Reply::None,
                    Err(_) => {
                        let _ = flush(&mut stream, &mut conn, &mut out);
                        return finish(stream, conn.role());
                    }
                };
                let _ = match reply {
                    Reply::Text => conn.send_text(&text),
                    Reply::Binary => conn.send_binary(&bin),
                    Reply::None => Ok(()),
                };
            }
            flush(&mut stream, &mut conn, &mut out)?;
        }
        flush(&mut stream, &mut conn, &mut out)?;
        if conn.is_closed() {
            return finish(stream, conn.role());
        }
        len = match stream.read(&mut rbuf) {
            Ok(0) => {
                conn.recv_eof();
                return Ok(());
            }
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => 0,
            Err(e) => return Err(e),
        };
    }
}

/// Ends the transport: a server closes first; a client waits (briefly) for the server to.
fn finish(mut stream: TcpStream, role: Role) -> io::Result<()> {
    if role == Role::Client {
        stream.set_read_timeout(Some(Duration::from_secs(2)))?;
        let mut sink = [0u8; 4096];
        while let Ok(n) = stream.read(&mut sink) {
            if n == 0 {
                break;
            }
        }
    }
    let _ = stream.shutdown(Shutdown::Both);
    Ok(())
}

/// Sends a normal close (used by examples that end a session themselves).
pub(crate) fn close(stream: &mut TcpStream, conn: &mut Connection) -> io::Result<()> {
    let _ = conn.close(CloseCode::NORMAL, "");
    flush(stream, conn, &mut Vec::new())
}
