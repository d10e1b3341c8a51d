//! Request bodies beyond bytes: a [`BodyWriter`] the caller streams into from any thread,
//! and bodies made of pieces (a file, a multipart form) that a pump thread streams from disk.
//!
//! Both go through a [`Pipe`]: a bounded queue between the writing thread and the connection
//! on the loop thread. [`BodyWriter::write`] blocks while the queue holds its limit; the
//! connection takes from it only as fast as the transport drains (HTTP/1.1: while its send
//! queue is short and the socket is not backed up; HTTP/2: as flow control lets go). When
//! nothing moves for [`ClientTimeouts::write_stall`](super::ClientTimeouts::write_stall)
//! while bytes wait, the exchange ends with [`TimeoutKind::WriteStall`] and a blocked write
//! returns that error.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use bytes::Bytes;

use super::error::Error;
use crate::event_loop::ConnWaker;

/// Bytes a file piece is read in.
const READ_PIECE: usize = 64 * 1024;

/// Most bytes a [`Pipe`] queues before [`BodyWriter::write`] blocks.
pub(crate) const PIPE_LIMIT: usize = 256 * 1024;

/// One piece of a body made of pieces.
#[derive(Debug, Clone)]
pub(crate) enum Piece {
    /// Bytes in memory.
    Bytes(Bytes),
    /// A file read from disk in pieces; its length when the body was built.
    File(PathBuf, u64),
}

impl Piece {
    pub(crate) fn len(&self) -> u64 {
        match self {
            Piece::Bytes(b) => b.len() as u64,
            Piece::File(_, n) => *n,
        }
    }
}

/// A request body as the client holds it.
#[derive(Debug, Clone)]
pub(crate) enum ReqBody {
    /// Bytes in memory.
    Bytes(Bytes),
    /// Pieces streamed by a pump thread (a fresh one per attempt, so the request can be
    /// sent again).
    Pieces(Arc<Vec<Piece>>),
    /// What a [`BodyWriter`] streams in; sent once.
    Writer(Arc<Pipe>, Option<u64>),
}

impl ReqBody {
    /// The length to announce, when known.
    pub(crate) fn len(&self) -> Option<u64> {
        match self {
            ReqBody::Bytes(b) => Some(b.len() as u64),
            ReqBody::Pieces(p) => Some(p.iter().map(Piece::len).sum()),
            ReqBody::Writer(_, n) => *n,
        }
    }

    /// Whether there is nothing to send.
    pub(crate) fn is_empty(&self) -> bool {
        self.len() == Some(0)
    }

    /// Whether the body can be sent again (on another connection): a writer's only when
    /// none of it was taken.
    pub(crate) fn can_send_again(&self) -> bool {
        match self {
            ReqBody::Writer(p, _) => !p.was_taken(),
            _ => true,
        }
    }

    /// The source one attempt sends from: the bytes, or a pipe (a pump thread started for
    /// pieces).
    pub(crate) fn start(&self, now: Instant) -> Result<Source, Error> {
        match self {
            ReqBody::Bytes(b) => Ok(Source::bytes(b.clone(), now)),
            ReqBody::Writer(p, _) => Ok(Source::pipe(Arc::clone(p), now)),
            ReqBody::Pieces(pieces) => {
                let pipe = Pipe::new(PIPE_LIMIT);
                let mut w = BodyWriter {
                    pipe: Arc::clone(&pipe),
                    length: None,
                    written: 0,
                    finished: false,
                };
                let pieces = Arc::clone(pieces);
                std::thread::Builder::new()
                    .name("wire-body".into())
                    .spawn(move || {
                        if let Err(e) = pump(&pieces, &mut w) {
                            w.abort(e);
                        } else {
                            let _ = w.finish_ref();
                        }
                    })
                    .map_err(|e| Error::Io(Arc::new(e)))?;
                let mut source = Source::pipe(pipe, now);
                source.owned = true;
                Ok(source)
            }
        }
    }

    /// The exchange failed for good: a caller's writer learns it.
    pub(crate) fn abort(&self, e: &Error) {
        if let ReqBody::Writer(p, _) = self {
            p.fail(e.clone());
        }
    }
}

/// Streams `pieces` into `w`: files are read in 64 KiB pieces, and a file whose length
/// changed since the body was built is an error (the announced length would be wrong).
fn pump(pieces: &[Piece], w: &mut BodyWriter) -> Result<(), Error> {
    let mut buf = vec![0u8; READ_PIECE];
    for piece in pieces {
        match piece {
            Piece::Bytes(b) => w.write_bytes(b.clone())?,
            Piece::File(path, len) => {
                let io = |e: io::Error| {
                    Error::RequestBody(Arc::new(io::Error::new(
                        e.kind(),
                        format!("{}: {e}", path.display()),
                    )))
                };
                let mut f = File::open(path).map_err(io)?;
                let mut left = *len;
                while left > 0 {
                    let want = usize::try_from(left).unwrap_or(usize::MAX).min(buf.len());
                    let n = f.read(&mut buf[..want]).map_err(io)?;
                    if n == 0 {
                        return Err(io(io::Error::new(
                            io::ErrorKind::UnexpectedEof,
                            "the file became shorter while it was sent",
                        )));
                    }
                    left -= n as u64;
                    w.write_bytes(Bytes::copy_from_slice(&buf[..n]))?;
                }
            }
        }
    }
    Ok(())
}

/// A file's length, for a body built from it.
pub(crate) fn file_len(path: &Path) -> Result<u64, Error> {
    std::fs::metadata(path)
        .map_err(|e| {
            Error::RequestBody(Arc::new(io::Error::new(
                e.kind(),
                format!("{}: {e}", path.display()),
            )))
        })
        .and_then(|m| {
            if m.is_file() {
                Ok(m.len())
            } else {
                Err(Error::RequestBody(Arc::new(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("{}: not a regular file", path.display()),
                ))))
            }
        })
}

#[derive(Debug)]
struct PipeState {
    queue: VecDeque<Bytes>,
    queued: usize,
    /// The writer finished: what is queued is the rest.
    finished: bool,
    /// The writer failed or was dropped before finishing.
    aborted: Option<Error>,
    /// The exchange ended (the connection's side): writes fail with this.
    failed: Option<Error>,
    /// Since when the queue holds bytes (the write-stall clock does not run while the
    /// writer is the slow one).
    since: Option<Instant>,
    /// The connection took bytes: the body cannot be sent again.
    taken: bool,
    waker: Option<ConnWaker>,
    /// Trailer fields the writer finished with ([`BodyWriter::finish_with_trailers`]).
    trailers: Vec<(String, Vec<u8>)>,
}

/// The bounded queue between a body's writer and its connection.
#[derive(Debug)]
pub(crate) struct Pipe {
    state: Mutex<PipeState>,
    room: Condvar,
    limit: usize,
}

/// What the connection found in the pipe.
pub(crate) enum Taken {
    Data(Bytes),
    /// Nothing now: the writer is woken when room opens, the connection when bytes come.
    Empty,
    /// The body is complete.
    End,
    /// The writer failed.
    Aborted(Error),
}

impl Pipe {
    pub(crate) fn new(limit: usize) -> Arc<Self> {
        Arc::new(Pipe {
            state: Mutex::new(PipeState {
                queue: VecDeque::new(),
                queued: 0,
                finished: false,
                aborted: None,
                failed: None,
                since: None,
                taken: false,
                waker: None,
                trailers: Vec::new(),
            }),
            room: Condvar::new(),
            limit: limit.max(1),
        })
    }

    fn lock(&self) -> MutexGuard<'_, PipeState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The connection that sends this body; it is woken when bytes come.
    pub(crate) fn attach(&self, waker: Option<ConnWaker>) {
        self.lock().waker = waker;
    }

    /// At most `max` bytes (one queued piece or part of it).
    pub(crate) fn take(&self, max: usize) -> Taken {
        let mut s = self.lock();
        if let Some(e) = &s.failed {
            return Taken::Aborted(e.clone());
        }
        if let Some(front) = s.queue.front_mut() {
            let b = if front.len() > max {
                front.split_to(max)
            } else {
                s.queue.pop_front().expect("front exists")
            };
            s.queued -= b.len();
            s.taken = true;
            s.since = if s.queue.is_empty() {
                None
            } else {
                Some(Instant::now())
            };
            self.room.notify_all();
            return Taken::Data(b);
        }
        if let Some(e) = &s.aborted {
            return Taken::Aborted(e.clone());
        }
        if s.finished { Taken::End } else { Taken::Empty }
    }

    /// Since when bytes wait to be taken (none wait: `None`).
    pub(crate) fn waiting_since(&self) -> Option<Instant> {
        self.lock().since
    }

    /// Whether the connection took bytes from it.
    pub(crate) fn was_taken(&self) -> bool {
        self.lock().taken
    }

    /// The exchange ended: the writer's next (or blocked) write fails with `e`.
    pub(crate) fn fail(&self, e: Error) {
        let mut s = self.lock();
        if s.failed.is_none() {
            s.failed = Some(e);
        }
        s.queue.clear();
        s.queued = 0;
        s.since = None;
        s.waker = None;
        self.room.notify_all();
    }

    fn wake(s: MutexGuard<'_, PipeState>) {
        let w = s.waker.clone();
        drop(s);
        if let Some(w) = w {
            w.wake();
        }
    }
}

/// The writing end of a streamed request body ([`Request::body_writer`](super::Request::body_writer)):
/// `Send`, so it can be moved to the thread that produces the body while another thread
/// waits for the response. [`BodyWriter::write`] blocks while the connection's bounded
/// queue is full (backpressure) and fails once the exchange ended (with
/// [`TimeoutKind::WriteStall`](super::TimeoutKind::WriteStall) when the server stopped
/// reading). [`BodyWriter::finish`] ends the body; dropping the writer before it aborts the
/// request ([`Error::RequestBody`]).
///
/// Without a length the body goes chunked over HTTP/1.1; with one, `Content-Length` is sent
/// and writing more, or finishing with less, is an error.
#[derive(Debug)]
pub struct BodyWriter {
    pipe: Arc<Pipe>,
    length: Option<u64>,
    written: u64,
    finished: bool,
}

impl BodyWriter {
    pub(crate) fn new(length: Option<u64>) -> (Arc<Pipe>, BodyWriter) {
        let pipe = Pipe::new(PIPE_LIMIT);
        let w = BodyWriter {
            pipe: Arc::clone(&pipe),
            length,
            written: 0,
            finished: false,
        };
        (pipe, w)
    }

    /// Queues `data` for the connection, blocking while the queue holds its limit.
    ///
    /// # Errors
    /// The exchange's error once it ended (a timeout such as
    /// [`TimeoutKind::WriteStall`](super::TimeoutKind::WriteStall), the connection closed,
    /// a cancel); [`Error::InvalidRequest`] for bytes beyond the announced length or after
    /// [`BodyWriter::finish`].
    pub fn write(&mut self, data: &[u8]) -> Result<(), Error> {
        if data.is_empty() {
            return Ok(());
        }
        self.write_bytes(Bytes::copy_from_slice(data))
    }

    /// As [`BodyWriter::write`], without a copy.
    ///
    /// # Errors
    /// As [`BodyWriter::write`].
    pub fn write_bytes(&mut self, data: Bytes) -> Result<(), Error> {
        if self.finished {
            return Err(Error::InvalidRequest("a write after finish".into()));
        }
        if data.is_empty() {
            return Ok(());
        }
        let total = self.written + data.len() as u64;
        if let Some(n) = self.length
            && total > n
        {
            let e = Error::InvalidRequest(format!("{total} body bytes written, {n} announced"));
            self.abort(e.clone());
            return Err(e);
        }
        let mut s = self.pipe.lock();
        loop {
            if let Some(e) = &s.failed {
                return Err(e.clone());
            }
            if s.queued < self.pipe.limit {
                break;
            }
            s = self
                .pipe
                .room
                .wait(s)
                .unwrap_or_else(PoisonError::into_inner);
        }
        self.written = total;
        s.queued += data.len();
        s.queue.push_back(data);
        if s.since.is_none() {
            s.since = Some(Instant::now());
        }
        Pipe::wake(s);
        Ok(())
    }

    /// Ends the body. Returns at once: the response says whether the server got it.
    ///
    /// # Errors
    /// [`Error::InvalidRequest`] when fewer bytes than the announced length were written
    /// (the request is aborted); without a length, the exchange's error when it already
    /// ended (with one, the body was complete at its last byte and the response tells).
    pub fn finish(mut self) -> Result<(), Error> {
        self.finish_ref()
    }

    /// Ends the body with trailer fields (RFC 9110 6.5): over HTTP/1.1 the chunked body's
    /// trailer section, over HTTP/2 a HEADERS frame that ends the stream. Names are sent in
    /// the given case over HTTP/1.1, lowercase over HTTP/2. Only for a body without a length
    /// ([`Request::body_writer`](super::Request::body_writer) with `None`): HTTP/1.1 has no
    /// trailers after a `Content-Length` body. Empty `trailers` is [`BodyWriter::finish`].
    ///
    /// # Errors
    /// [`Error::TrailersWithLength`] for a body with an announced length and
    /// [`Error::InvalidRequest`] for a field name that is not a token or a value with CR,
    /// LF, NUL or leading or trailing whitespace (the request is aborted either way);
    /// otherwise as
    /// [`BodyWriter::finish`].
    pub fn finish_with_trailers(mut self, trailers: &[(&str, &[u8])]) -> Result<(), Error> {
        if !trailers.is_empty() {
            let bad = if self.length.is_some() {
                Some(Error::TrailersWithLength)
            } else {
                trailers.iter().find_map(|(n, v)| {
                    let name_ok = !n.is_empty()
                        && n.bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
                    // RFC 9110 5.5: no CR, LF or NUL, no leading or trailing whitespace
                    // (HTTP/2 refuses it, RFC 9113 8.2.1).
                    let value_ok = !v.iter().any(|&b| matches!(b, b'\r' | b'\n' | 0))
                        && v.trim_ascii().len() == v.len();
                    (!name_ok || !value_ok)
                        .then(|| Error::InvalidRequest(format!("trailer field {n:?}")))
                })
            };
            if let Some(e) = bad {
                self.abort(e.clone());
                return Err(e);
            }
            self.pipe.lock().trailers = trailers
                .iter()
                .map(|(n, v)| ((*n).to_owned(), v.to_vec()))
                .collect();
        }
        self.finish_ref()
    }

    fn finish_ref(&mut self) -> Result<(), Error> {
        if self.finished {
            return Ok(());
        }
        if let Some(n) = self.length
            && self.written < n
        {
            let e = Error::InvalidRequest(format!(
                "the body ended after {} bytes, {n} announced",
                self.written
            ));
            self.abort(e.clone());
            return Err(e);
        }
        self.finished = true;
        let mut s = self.pipe.lock();
        // With a length, the body was complete at its last byte: the exchange may have ended
        // since (the server answered), which is no error of the body's.
        if let Some(e) = &s.failed
            && self.length.is_none()
        {
            return Err(e.clone());
        }
        s.finished = true;
        Pipe::wake(s);
        Ok(())
    }

    /// Bytes written so far.
    #[must_use]
    pub fn written(&self) -> u64 {
        self.written
    }

    fn abort(&mut self, e: Error) {
        self.finished = true;
        let mut s = self.pipe.lock();
        if s.aborted.is_none() && !s.finished {
            s.aborted = Some(e);
        }
        Pipe::wake(s);
    }
}

impl io::Write for BodyWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        BodyWriter::write(self, buf)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for BodyWriter {
    fn drop(&mut self) {
        if !self.finished {
            self.abort(Error::RequestBody(Arc::new(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "the body writer was dropped before finish",
            ))));
        }
    }
}

/// What one attempt sends: bytes not yet handed to the engine, then a pipe.
#[derive(Debug)]
pub(crate) struct Source {
    pub(crate) rest: Bytes,
    pub(crate) pipe: Option<Arc<Pipe>>,
    /// Everything was handed to the engine (and the body ended).
    pub(crate) done: bool,
    /// When bytes last went to the engine (the write-stall clock).
    pub(crate) progress: Instant,
    /// The pipe is fed by our own pump thread: dropping the source stops it. (A caller's
    /// [`BodyWriter`] is not stopped by a dropped attempt: the request may go again.)
    owned: bool,
}

impl Drop for Source {
    fn drop(&mut self) {
        if self.owned {
            self.fail(&Error::ConnectionClosed);
        }
    }
}

impl Source {
    /// No body (`now`: the write-stall clock's start, as for the others).
    pub(crate) fn empty(now: Instant) -> Self {
        Source::bytes(Bytes::new(), now)
    }

    /// `now` (the caller's clock reading; no clock is read here): when the write-stall
    /// clock starts, until the connection that takes the source starts it again.
    fn bytes(b: Bytes, now: Instant) -> Self {
        Source {
            rest: b,
            pipe: None,
            done: false,
            progress: now,
            owned: false,
        }
    }

    fn pipe(p: Arc<Pipe>, now: Instant) -> Self {
        Source {
            rest: Bytes::new(),
            pipe: Some(p),
            done: false,
            progress: now,
            owned: false,
        }
    }

    /// When the write-stall timer fires: bytes wait and none moved for `stall`.
    pub(crate) fn stall_deadline(&self, stall: crate::timer::Timeout) -> Option<Instant> {
        if self.done {
            return None;
        }
        let waiting = if self.rest.is_empty() {
            self.pipe.as_ref()?.waiting_since()?.max(self.progress)
        } else {
            self.progress
        };
        stall.deadline(waiting)
    }

    /// The next bytes to hand over (at most `max`): `Ok(None)` when none now or at the end
    /// (see `done`).
    pub(crate) fn next(&mut self, max: usize) -> Result<Option<Bytes>, Error> {
        if !self.rest.is_empty() {
            let n = self.rest.len().min(max);
            return Ok(Some(self.rest.split_to(n)));
        }
        let Some(p) = &self.pipe else {
            return Ok(None);
        };
        match p.take(max) {
            Taken::Data(b) => Ok(Some(b)),
            Taken::Empty | Taken::End => Ok(None),
            Taken::Aborted(e) => Err(e),
        }
    }

    /// Whether all bytes were taken and the body ended.
    pub(crate) fn at_end(&self) -> bool {
        self.rest.is_empty()
            && self.pipe.as_ref().is_none_or(|p| {
                let s = p.lock();
                s.queue.is_empty() && s.finished && s.failed.is_none()
            })
    }

    /// The trailer fields the body ended with (taken once, at its end).
    pub(crate) fn take_trailers(&mut self) -> Vec<(String, Vec<u8>)> {
        self.pipe
            .as_ref()
            .map(|p| std::mem::take(&mut p.lock().trailers))
            .unwrap_or_default()
    }

    /// Gives `b` back (the engine took only part of it).
    pub(crate) fn unread(&mut self, b: Bytes) {
        if self.rest.is_empty() {
            self.rest = b;
        } else {
            let mut v = b.to_vec();
            v.extend_from_slice(&self.rest);
            self.rest = Bytes::from(v);
        }
    }

    /// The exchange ended before the body was sent: a writer learns it.
    pub(crate) fn fail(&self, e: &Error) {
        if let Some(p) = &self.pipe
            && !self.done
        {
            p.fail(e.clone());
        }
    }
}
