//! A small blocking `std::net` adapter for [`Connection`]: the whole runtime an HTTP/2
//! connection needs, in one loop (write what the engine has, read with the engine's deadline
//! as the socket timeout, feed the engine, let the application react to events).
//!
//! Shared by the `h2_client` and `h2_server` examples (included with `#[path]`).

use proto_h2::conn::{Connection, Event};
use proto_h2::error::Error;
use std::io::{self, IoSlice, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// Writes everything the engine has to send; large payloads go out in vectored writes.
pub(crate) fn flush(conn: &mut Connection, sock: &mut TcpStream) -> io::Result<()> {
    let mut out = Vec::with_capacity(16 * 1024);
    loop {
        let payload = conn.poll_transmit(Instant::now(), &mut out);
        match payload {
            Some(p) => write_all_vectored(sock, &out, &p)?,
            None => {
                sock.write_all(&out)?;
                return Ok(());
            }
        }
        out.clear();
    }
}

fn write_all_vectored(sock: &mut TcpStream, a: &[u8], b: &[u8]) -> io::Result<()> {
    let (mut a, mut b) = (a, b);
    while !a.is_empty() || !b.is_empty() {
        let n = sock.write_vectored(&[IoSlice::new(a), IoSlice::new(b)])?;
        if n == 0 {
            return Err(io::ErrorKind::WriteZero.into());
        }
        let from_a = n.min(a.len());
        a = &a[from_a..];
        b = &b[n - from_a..];
    }
    Ok(())
}

/// Runs the connection until `app` returns false, the connection closes, or the peer leaves.
/// `app` sees every event and may issue commands.
pub(crate) fn run(
    conn: &mut Connection,
    sock: &mut TcpStream,
    mut app: impl FnMut(&mut Connection, Event) -> bool,
) -> Result<(), Error> {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        if flush(conn, sock).is_err() {
            return Ok(());
        }
        if conn.is_closed() {
            return conn.error().cloned().map_or(Ok(()), Err);
        }
        let wait = conn
            .poll_timeout()
            .map(|t| t.saturating_duration_since(Instant::now()))
            .unwrap_or(Duration::from_secs(30))
            .max(Duration::from_millis(1));
        let _ = sock.set_read_timeout(Some(wait));
        match sock.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => {
                if let Err(e) = conn.recv(Instant::now(), &buf[..n]) {
                    let _ = flush(conn, sock);
                    return Err(e);
                }
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                if let Err(e) = conn.handle_timeout(Instant::now()) {
                    let _ = flush(conn, sock);
                    return Err(e);
                }
            }
            Err(_) => return Ok(()),
        }
        while let Some(ev) = conn.poll_event() {
            if !app(conn, ev) {
                let _ = flush(conn, sock);
                return Ok(());
            }
        }
    }
}
