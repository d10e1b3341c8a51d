//! A connection's output: what is pending from an earlier turn, then what its engine gives,
//! gathered into the loop's scratch buffer (short payloads copied in, the last or a long one
//! left for a vectored write) and written until done or `WouldBlock`; only then does the
//! connection keep a copy of what is left ([`Backlog`]).

use std::io::{self, IoSlice, Write};
use std::time::Instant;

use bytes::Bytes;
use mio::net::TcpStream;

use super::{Backlog, Conn, Session};
use crate::engine::Engine;

/// Writes `buf[*pos..]` then `payload` to `stream` until both are gone (`Ok(true)`) or the
/// socket would block (`Ok(false)`), advancing `pos`, `payload` and `written`.
fn write_out(
    stream: &mut TcpStream,
    buf: &[u8],
    pos: &mut usize,
    payload: &mut Option<Bytes>,
    written: &mut usize,
) -> io::Result<bool> {
    loop {
        let head = &buf[*pos..];
        let tail = payload.as_deref().unwrap_or(&[]);
        if head.is_empty() && tail.is_empty() {
            *payload = None;
            return Ok(true);
        }
        let res = if tail.is_empty() {
            stream.write(head)
        } else if head.is_empty() {
            stream.write(tail)
        } else {
            stream.write_vectored(&[IoSlice::new(head), IoSlice::new(tail)])
        };
        match res {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => {
                *written += n;
                let from_head = n.min(head.len());
                *pos += from_head;
                let rest = n - from_head;
                if rest > 0 {
                    let p = payload.take().unwrap_or_default();
                    if rest < p.len() {
                        *payload = Some(p.slice(rest..));
                    }
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// What one write gathers at most: [`gather`] stops adding to its buffer past this.
const GATHER_BYTES: usize = 64 * 1024;
/// Payloads shorter than this are copied into the write buffer when more output follows them
/// (a copy of a few KiB costs less than the system call it saves).
const GATHER_COPY_BELOW: usize = 16 * 1024;

/// Fills `out` with the engine's output for one write and returns the payload to write after
/// it: payloads followed by more output are copied in while they are short and the buffer has
/// room, so that pipelined responses with bodies queued uncopied (512 bytes and more, see
/// proto-h1's `send_data_bytes`) still leave in one write per batch, not one per response.
/// The last payload, and any long one, is written uncopied after `out` (a vectored write).
pub(super) fn gather<E: Engine>(engine: &mut E, now: Instant, out: &mut Vec<u8>) -> Option<Bytes> {
    loop {
        let payload = engine.poll_transmit(now, out)?;
        if payload.len() >= GATHER_COPY_BELOW
            || out.len() + payload.len() > GATHER_BYTES
            || !engine.wants_write()
        {
            return Some(payload);
        }
        out.extend_from_slice(&payload);
    }
}

/// Writes what `c` has pending, then what its engine gives (filled into the loop's
/// `scratch`), until done or `WouldBlock`; only then does the connection keep a copy of what
/// is left. Returns the bytes written.
fn flush<S: Session>(c: &mut Conn<S>, now: Instant, scratch: &mut Vec<u8>) -> io::Result<usize> {
    let mut written = 0;
    if let Some(b) = &mut c.backlog {
        let before = written;
        let done = write_out(
            &mut c.stream,
            &b.tx,
            &mut b.pos,
            &mut b.payload,
            &mut written,
        )?;
        if written > before {
            b.progress = now;
        }
        if !done {
            return Ok(written);
        }
        c.backlog = None;
    }
    while c.session.engine().wants_write() {
        scratch.clear();
        let mut payload = gather(c.session.engine_mut(), now, scratch);
        if scratch.is_empty() && payload.as_ref().is_none_or(Bytes::is_empty) {
            break;
        }
        let mut pos = 0;
        if !write_out(&mut c.stream, scratch, &mut pos, &mut payload, &mut written)? {
            // Backed up: the stall clock starts now; keep the rest.
            c.backlog = Some(Box::new(Backlog {
                tx: scratch[pos..].to_vec(),
                pos: 0,
                payload,
                progress: now,
            }));
            break;
        }
    }
    Ok(written)
}

/// [`flush`], unless a write failed before; a write error on a session that watches while
/// sending stops the writing (the backlog dropped) and leaves the reading.
pub(super) fn flush_or_stop<S: Session>(
    c: &mut Conn<S>,
    now: Instant,
    scratch: &mut Vec<u8>,
) -> io::Result<usize> {
    if c.write_failed {
        return Ok(0);
    }
    match flush(c, now, scratch) {
        Err(_) if !c.eof && c.session.watches_while_sending() => {
            c.write_failed = true;
            c.backlog = None;
            Ok(0)
        }
        r => r,
    }
}
