//! Request bodies read as they arrive: the [`BodyReader`] a handler takes from a streamed
//! request ([`Request::take_body_reader`](super::Request::take_body_reader)) and the
//! connection's end, [`BodyFeed`], which fills it.
//!
//! The two share a bounded queue. The connection takes body bytes from its engine only while
//! less than the limit waits in the queue; when it is full the connection stops (HTTP/1.1:
//! its receive buffer fills and the socket is no longer read; HTTP/2: the stream's window is
//! not reopened), so a slow reader costs bounded memory and holds the client back. A read
//! that drains the queue wakes the connection's loop.
//!
//! The reader is read from another thread than the loop's (a handler runs on the loop
//! thread; blocking there on the body would wait for the loop it holds):
//!
//! ```
//! use std::io::Read;
//! use runtime_mio::server::{BodyStreaming, Response, ServerConfig};
//!
//! let config = ServerConfig {
//!     stream_bodies: BodyStreaming::when(|req| req.path() == "/upload"),
//!     ..ServerConfig::default()
//! };
//! let handler = |req: &runtime_mio::server::Request| {
//!     let Some(mut body) = req.take_body_reader() else {
//!         return Response::text(200, format!("{} bytes\n", req.body().len()));
//!     };
//!     let (resp, out) = Response::streaming(200);
//!     std::thread::spawn(move || {
//!         let mut n = 0u64;
//!         let mut buf = [0u8; 8192];
//!         loop {
//!             match body.read(&mut buf) {
//!                 Ok(0) => break,
//!                 Ok(k) => n += k as u64,
//!                 Err(_) => return out.abort(), // the client went away mid-body
//!             }
//!         }
//!         let _ = out.send(format!("{n} bytes\n"));
//!     });
//!     resp
//! };
//! # let _ = (config, handler);
//! ```

use std::collections::VecDeque;
use std::fmt;
use std::io;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use bytes::Bytes;

use super::message::Request;
use crate::event_loop::ConnWaker;

/// Bytes a streamed request body may queue between its connection and its reader.
pub(crate) const FEED_LIMIT: usize = 64 * 1024;

/// Which requests a handler gets as soon as their head arrives, with their body to read in
/// chunks ([`Request::take_body_reader`](super::Request::take_body_reader)) instead of whole
/// in [`Request::body`](super::Request::body). Requests without a body are always given whole.
#[derive(Clone, Default)]
pub enum BodyStreaming {
    /// Every body is read whole before the handler is called (the default).
    #[default]
    Never,
    /// Every request with a body is streamed.
    Always,
    /// The requests whose head this predicate accepts (by path, method, content type...).
    When(Arc<dyn Fn(&Request) -> bool + Send + Sync>),
}

impl BodyStreaming {
    /// [`BodyStreaming::When`] from a closure.
    pub fn when(f: impl Fn(&Request) -> bool + Send + Sync + 'static) -> Self {
        BodyStreaming::When(Arc::new(f))
    }

    /// Whether the request with this head (its body not read yet) is streamed.
    #[must_use]
    pub fn applies(&self, head: &Request) -> bool {
        match self {
            BodyStreaming::Never => false,
            BodyStreaming::Always => true,
            BodyStreaming::When(f) => f(head),
        }
    }
}

impl fmt::Debug for BodyStreaming {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BodyStreaming::Never => "Never",
            BodyStreaming::Always => "Always",
            BodyStreaming::When(_) => "When(..)",
        })
    }
}

/// Why a streamed request body could not be read to its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyError {
    /// The body will not complete: the client went away, reset the stream, sent a malformed
    /// body, or was too slow (the body-gap timeout), or the server shut down.
    Aborted,
    /// Nothing arrived within the wait given to [`BodyReader::chunk_timeout`]; the body
    /// may still come.
    TimedOut,
}

impl fmt::Display for BodyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BodyError::Aborted => "the request body was cut short",
            BodyError::TimedOut => "no request body bytes arrived in time",
        })
    }
}

impl std::error::Error for BodyError {}

/// How the body ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    Open,
    Complete,
    Aborted,
}

#[derive(Debug)]
struct State {
    queue: VecDeque<Bytes>,
    queued: usize,
    end: End,
    /// The reader is gone: what arrives is dropped.
    reader_gone: bool,
    /// The connection found the queue full and waits for a wake.
    feed_waiting: bool,
    waker: Option<ConnWaker>,
}

#[derive(Debug)]
struct Channel {
    state: Mutex<State>,
    /// Signalled when bytes or the end arrive.
    arrived: Condvar,
    limit: usize,
}

impl Channel {
    fn lock(&self) -> MutexGuard<'_, State> {
        // No code here panics mid-update: a poisoned lock's state is consistent.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A request body as it arrives, read from any thread: chunk by chunk ([`chunk`](Self::chunk),
/// [`chunk_timeout`](Self::chunk_timeout)) or through [`io::Read`] (into a file with
/// [`io::copy`], say). Each chunk is what the connection received, not copied again.
///
/// Dropping it before the end tells the server the rest is not wanted: the connection reads
/// and drops it (so an HTTP/1.1 connection can carry the next request).
#[derive(Debug)]
pub struct BodyReader {
    channel: Arc<Channel>,
    /// What an `io::Read` call left of the last chunk.
    rest: Bytes,
}

/// The connection's end of a [`BodyReader`].
#[derive(Debug)]
pub(crate) struct BodyFeed {
    channel: Arc<Channel>,
}

/// A bounded body channel: the connection's feed and the handler's reader.
pub(crate) fn channel(limit: usize) -> (BodyFeed, BodyReader) {
    let channel = Arc::new(Channel {
        state: Mutex::new(State {
            queue: VecDeque::new(),
            queued: 0,
            end: End::Open,
            reader_gone: false,
            feed_waiting: false,
            waker: None,
        }),
        arrived: Condvar::new(),
        limit: limit.max(1),
    });
    (
        BodyFeed {
            channel: Arc::clone(&channel),
        },
        BodyReader {
            channel,
            rest: Bytes::new(),
        },
    )
}

impl BodyReader {
    /// The next chunk, waiting as long as it takes; `Ok(None)` once the body is complete.
    ///
    /// # Errors
    /// [`BodyError::Aborted`]: the body will not complete.
    pub fn chunk(&mut self) -> Result<Option<Bytes>, BodyError> {
        self.next(None)
    }

    /// The next chunk, waiting at most `wait` (zero: only what is there now; a wait longer
    /// than the clock can reach, such as `Duration::MAX`, is no limit, as [`chunk`]);
    /// `Ok(None)` once the body is complete.
    ///
    /// # Errors
    /// [`BodyError::TimedOut`] when nothing arrived within `wait` (call again),
    /// [`BodyError::Aborted`] when the body will not complete.
    ///
    /// [`chunk`]: Self::chunk
    pub fn chunk_timeout(&mut self, wait: Duration) -> Result<Option<Bytes>, BodyError> {
        self.next(Instant::now().checked_add(wait))
    }

    fn next(&mut self, deadline: Option<Instant>) -> Result<Option<Bytes>, BodyError> {
        if !self.rest.is_empty() {
            return Ok(Some(std::mem::take(&mut self.rest)));
        }
        let ch = &self.channel;
        let mut st = ch.lock();
        loop {
            if let Some(b) = st.queue.pop_front() {
                st.queued -= b.len();
                if st.feed_waiting && st.queued < ch.limit {
                    // The connection stopped taking bytes for want of room: there is room.
                    st.feed_waiting = false;
                    if let Some(w) = &st.waker {
                        w.wake();
                    }
                }
                return Ok(Some(b));
            }
            match st.end {
                End::Complete => return Ok(None),
                End::Aborted => return Err(BodyError::Aborted),
                End::Open => {}
            }
            st = match deadline {
                None => ch
                    .arrived
                    .wait(st)
                    .unwrap_or_else(std::sync::PoisonError::into_inner),
                Some(d) => {
                    let left = d.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return Err(BodyError::TimedOut);
                    }
                    ch.arrived
                        .wait_timeout(st, left)
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .0
                }
            };
        }
    }
}

impl io::Read for BodyReader {
    /// Reads body bytes, blocking until some arrive; 0 at the body's end. A cut body is an
    /// [`io::ErrorKind::UnexpectedEof`] error.
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let mut chunk = match self.next(None) {
            Ok(Some(c)) => c,
            Ok(None) => return Ok(0),
            Err(e) => return Err(io::Error::new(io::ErrorKind::UnexpectedEof, e)),
        };
        let n = buf.len().min(chunk.len());
        buf[..n].copy_from_slice(&chunk[..n]);
        self.rest = chunk.split_off(n);
        Ok(n)
    }
}

impl Drop for BodyReader {
    fn drop(&mut self) {
        let mut st = self.channel.lock();
        st.reader_gone = true;
        st.queue.clear();
        st.queued = 0;
        if st.feed_waiting {
            st.feed_waiting = false;
            if let Some(w) = &st.waker {
                w.wake();
            }
        }
        st.waker = None;
    }
}

impl BodyFeed {
    /// Sets who is woken when the reader makes room.
    pub(crate) fn set_waker(&self, waker: Option<ConnWaker>) {
        if let Some(w) = waker {
            self.channel.lock().waker = Some(w);
        }
    }

    /// Whether the connection may take more body bytes from its engine now. `false` (the
    /// queue holds its limit) arranges for the next read that makes room to wake the loop.
    pub(crate) fn has_room(&self) -> bool {
        let mut st = self.channel.lock();
        if st.reader_gone || st.queued < self.channel.limit {
            return true;
        }
        st.feed_waiting = true;
        false
    }

    /// Queues a piece of the body (dropped when the reader is gone). One piece may take the
    /// queue past its limit by its own size.
    pub(crate) fn push(&self, data: Bytes) {
        if data.is_empty() {
            return;
        }
        let mut st = self.channel.lock();
        if st.reader_gone {
            return;
        }
        st.queued += data.len();
        st.queue.push_back(data);
        drop(st);
        self.channel.arrived.notify_all();
    }

    /// The body is complete.
    pub(crate) fn finish(self) {
        self.end(End::Complete);
    }

    fn end(&self, end: End) {
        let mut st = self.channel.lock();
        if st.end == End::Open {
            st.end = end;
        }
        st.waker = None;
        drop(st);
        self.channel.arrived.notify_all();
    }
}

impl Drop for BodyFeed {
    /// A feed dropped before [`finish`](Self::finish) (the connection failed, timed out, was
    /// reset or closed) aborts the body.
    fn drop(&mut self) {
        self.end(End::Aborted);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn chunks_arrive_in_order_then_end() {
        let (feed, mut reader) = channel(16);
        feed.push(Bytes::from_static(b"ab"));
        feed.push(Bytes::from_static(b"cd"));
        feed.finish();
        assert_eq!(reader.chunk().unwrap().unwrap(), "ab");
        assert_eq!(reader.chunk().unwrap().unwrap(), "cd");
        assert_eq!(reader.chunk(), Ok(None));
        assert_eq!(reader.chunk(), Ok(None));
    }

    #[test]
    fn dropped_feed_aborts_after_what_arrived() {
        let (feed, mut reader) = channel(16);
        feed.push(Bytes::from_static(b"ab"));
        drop(feed);
        assert_eq!(reader.chunk().unwrap().unwrap(), "ab");
        assert_eq!(reader.chunk(), Err(BodyError::Aborted));
        let mut buf = [0; 4];
        let e = reader.read(&mut buf).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof);
    }

    #[test]
    fn timeout_then_data() {
        let (feed, mut reader) = channel(16);
        assert_eq!(
            reader.chunk_timeout(Duration::ZERO),
            Err(BodyError::TimedOut)
        );
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            feed.push(Bytes::from_static(b"late"));
            feed.finish();
        });
        assert_eq!(
            reader
                .chunk_timeout(Duration::from_secs(10))
                .unwrap()
                .unwrap(),
            "late"
        );
        t.join().unwrap();
        assert_eq!(reader.chunk_timeout(Duration::ZERO), Ok(None));
    }

    /// A wait the clock cannot reach is no limit, not a panic in the handler.
    #[test]
    fn the_longest_timeout_waits_without_limit() {
        let (feed, mut reader) = channel(16);
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            feed.push(Bytes::from_static(b"late"));
            feed.finish();
        });
        assert_eq!(
            reader.chunk_timeout(Duration::MAX).unwrap().unwrap(),
            "late"
        );
        t.join().unwrap();
        assert_eq!(reader.chunk_timeout(Duration::MAX), Ok(None));
    }

    #[test]
    fn room_is_bounded_and_reopened_by_reads() {
        let (feed, mut reader) = channel(4);
        assert!(feed.has_room());
        feed.push(Bytes::from_static(b"abcdef"));
        assert!(!feed.has_room());
        assert!(feed.channel.lock().feed_waiting);
        assert_eq!(reader.chunk().unwrap().unwrap(), "abcdef");
        assert!(!feed.channel.lock().feed_waiting);
        assert!(feed.has_room());
    }

    #[test]
    fn io_read_splits_chunks_and_keeps_the_rest() {
        let (feed, mut reader) = channel(64);
        feed.push(Bytes::from_static(b"hello world"));
        feed.finish();
        let mut buf = [0; 5];
        assert_eq!(reader.read(&mut buf).unwrap(), 5);
        assert_eq!(&buf, b"hello");
        let mut rest = Vec::new();
        reader.read_to_end(&mut rest).unwrap();
        assert_eq!(rest, b" world");
    }

    #[test]
    fn a_gone_reader_makes_the_feed_drop_bytes() {
        let (feed, reader) = channel(4);
        feed.push(Bytes::from_static(b"abcdef"));
        assert!(!feed.has_room());
        drop(reader);
        assert!(feed.has_room());
        feed.push(Bytes::from_static(b"more"));
        assert_eq!(feed.channel.lock().queued, 0);
    }
}
