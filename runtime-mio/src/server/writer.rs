//! Push-style response bodies: a [`BodyWriter`] the handler (or a thread it spawns) writes to,
//! and the [`BodyReceiver`] the connection drains as its output allows.
//!
//! The two share a bounded queue. [`BodyWriter::send`] blocks once `limit` bytes wait in it
//! (backpressure: a slow reader holds the writer back, so memory stays bounded), and fails
//! with [`Closed`] once the connection is gone (the client went away, the HTTP/2 stream was
//! reset, the server shut down), so the writer's thread can stop. A send to an idle
//! connection wakes its event loop through a [`ConnWaker`]. [`SseWriter`] encodes Server-Sent
//! Events (proto-sse's encoder) on top; the server sends a heartbeat comment when an SSE
//! stream was quiet for [`Timeouts::sse_heartbeat`](crate::timer::Timeouts::sse_heartbeat).
//!
//! ```
//! use runtime_mio::server::Response;
//! let (resp, writer) = Response::streaming(200);
//! let resp = resp.with_header("Content-Type", "text/plain");
//! std::thread::spawn(move || {
//!     for i in 0..3 {
//!         if writer.send(format!("line {i}\n")).is_err() {
//!             return; // the client went away
//!         }
//!     }
//!     writer.finish();
//! });
//! # drop(resp);
//! ```

use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;

use crate::event_loop::ConnWaker;

/// Default bound on the bytes queued between a [`BodyWriter`] and its connection.
pub(crate) const DEFAULT_LIMIT: usize = 64 * 1024;

/// The connection is gone (client disconnected, stream reset, server stopped): nothing sent
/// now reaches anybody.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Closed;

impl fmt::Display for Closed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the response's connection is closed")
    }
}

impl std::error::Error for Closed {}

/// Why [`BodyWriter::try_send`] did not queue its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrySendError {
    /// The queue holds its limit: the bytes are handed back; wait with
    /// [`BodyWriter::wait_ready`] and try again.
    Full(Bytes),
    /// The connection is gone.
    Closed,
}

impl fmt::Display for TrySendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrySendError::Full(_) => f.write_str("the response body's queue is full"),
            TrySendError::Closed => Closed.fmt(f),
        }
    }
}

impl std::error::Error for TrySendError {}

/// How the body ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    /// Still open.
    Open,
    /// Complete: the response ends normally.
    Finished,
    /// Abandoned (aborted, or its writer's thread panicked): the response is cut.
    Aborted,
}

#[derive(Debug)]
struct State {
    queue: VecDeque<Bytes>,
    queued: usize,
    end: End,
    /// The receiver is gone.
    closed: bool,
    /// The receiver found the queue empty and waits for a wake.
    waiting: bool,
    waker: Option<ConnWaker>,
}

#[derive(Debug)]
struct Pipe {
    state: Mutex<State>,
    /// Signalled when the queue drains below the limit or the receiver goes.
    ready: Condvar,
    limit: usize,
    /// An SSE stream: the server sends heartbeat comments while it is quiet.
    sse: bool,
}

impl Pipe {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves the state consistent (no code here panics
        // mid-update), so a poisoned lock is used as is.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Wakes the connection if it waits; called with the state locked.
    fn wake(state: &mut State) {
        if state.waiting {
            state.waiting = false;
            if let Some(w) = &state.waker {
                w.wake();
            }
        }
    }
}

/// The writing end of a streamed response body ([`Response::streaming`](super::Response::streaming)):
/// bounded (a send blocks while the connection is behind), and failing once the client is gone.
///
/// Dropping it ends the body like [`finish`](Self::finish), except while its thread panics,
/// which cuts the response like [`abort`](Self::abort).
#[derive(Debug)]
pub struct BodyWriter {
    pipe: Arc<Pipe>,
}

/// The connection's end of a [`BodyWriter`]: carried by [`Body::Writer`](super::Body::Writer).
#[derive(Debug)]
pub struct BodyReceiver {
    pipe: Arc<Pipe>,
}

/// What [`BodyReceiver::poll`] found.
#[derive(Debug)]
pub(crate) enum Poll {
    /// The next piece.
    Data(Bytes),
    /// Nothing queued now; the connection is woken when that changes.
    Pending,
    /// The body is complete.
    End,
    /// The writer gave up: cut the response.
    Aborted,
}

/// A bounded body channel: the writer and the receiver the response carries.
pub(crate) fn channel(limit: usize, sse: bool) -> (BodyWriter, BodyReceiver) {
    let pipe = Arc::new(Pipe {
        state: Mutex::new(State {
            queue: VecDeque::new(),
            queued: 0,
            end: End::Open,
            closed: false,
            waiting: false,
            waker: None,
        }),
        ready: Condvar::new(),
        limit: limit.max(1),
        sse,
    });
    (
        BodyWriter {
            pipe: Arc::clone(&pipe),
        },
        BodyReceiver { pipe },
    )
}

impl BodyWriter {
    /// Queues `data`, blocking while the queue holds its limit (the connection's reader is
    /// slower than this writer). One piece may take the queue past the limit by its own size.
    ///
    /// # Errors
    /// [`Closed`]: the connection is gone; stop writing.
    pub fn send(&self, data: impl Into<Bytes>) -> Result<(), Closed> {
        let data = data.into();
        let mut st = self.pipe.lock();
        loop {
            if st.closed {
                return Err(Closed);
            }
            if st.queued < self.pipe.limit {
                break;
            }
            st = self
                .pipe
                .ready
                .wait(st)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
        Self::push(&mut st, data);
        Ok(())
    }

    /// Queues `data` unless the queue holds its limit.
    ///
    /// # Errors
    /// [`TrySendError::Full`] with the bytes, or [`TrySendError::Closed`].
    pub fn try_send(&self, data: impl Into<Bytes>) -> Result<(), TrySendError> {
        let data = data.into();
        let mut st = self.pipe.lock();
        if st.closed {
            return Err(TrySendError::Closed);
        }
        if st.queued >= self.pipe.limit {
            return Err(TrySendError::Full(data));
        }
        Self::push(&mut st, data);
        Ok(())
    }

    /// Waits until the queue has room or the connection is gone, at most `timeout`;
    /// `true` when a send would not block now.
    pub fn wait_ready(&self, timeout: Duration) -> bool {
        let st = self.pipe.lock();
        let (st, _) = self
            .pipe
            .ready
            .wait_timeout_while(st, timeout, |s| !s.closed && s.queued >= self.pipe.limit)
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        st.closed || st.queued < self.pipe.limit
    }

    /// The connection is gone: sends fail.
    #[must_use]
    pub fn is_closed(&self) -> bool {
        self.pipe.lock().closed
    }

    /// Bytes queued and not yet taken by the connection.
    #[must_use]
    pub fn queued(&self) -> usize {
        self.pipe.lock().queued
    }

    /// Ends the body: the response completes once the queue drains.
    pub fn finish(self) {
        self.end(End::Finished);
    }

    /// Abandons the body: the response is cut (HTTP/1.1: the connection is closed before
    /// the body's end; HTTP/2: the stream is reset), so the client sees it incomplete.
    pub fn abort(self) {
        self.end(End::Aborted);
    }

    fn end(&self, end: End) {
        let mut st = self.pipe.lock();
        if st.end == End::Open {
            st.end = end;
            st.waiting = true;
            Pipe::wake(&mut st);
        }
    }

    fn push(st: &mut State, data: Bytes) {
        if data.is_empty() {
            return;
        }
        st.queued += data.len();
        st.queue.push_back(data);
        Pipe::wake(st);
    }
}

impl Drop for BodyWriter {
    fn drop(&mut self) {
        self.end(if std::thread::panicking() {
            End::Aborted
        } else {
            End::Finished
        });
    }
}

impl BodyReceiver {
    /// Sets who is woken when data or the end arrives.
    pub(crate) fn set_waker(&self, waker: Option<ConnWaker>) {
        if let Some(w) = waker {
            self.pipe.lock().waker = Some(w);
        }
    }

    /// An SSE body (heartbeats apply).
    pub(crate) fn is_sse(&self) -> bool {
        self.pipe.sse
    }

    /// Takes the next piece; at most `max` bytes of a larger one (the rest stays queued).
    pub(crate) fn poll(&self, max: usize) -> Poll {
        let mut st = self.pipe.lock();
        let Some(front) = st.queue.front_mut() else {
            return match st.end {
                End::Open => {
                    st.waiting = true;
                    Poll::Pending
                }
                End::Finished => Poll::End,
                End::Aborted => Poll::Aborted,
            };
        };
        let piece = if front.len() > max.max(1) {
            front.split_to(max.max(1))
        } else {
            st.queue.pop_front().unwrap_or_default()
        };
        let was_full = st.queued >= self.pipe.limit;
        st.queued -= piece.len();
        if was_full && st.queued < self.pipe.limit {
            self.pipe.ready.notify_all();
        }
        Poll::Data(piece)
    }
}

impl Drop for BodyReceiver {
    fn drop(&mut self) {
        let mut st = self.pipe.lock();
        st.closed = true;
        st.queue.clear();
        st.queued = 0;
        st.waker = None;
        drop(st);
        self.pipe.ready.notify_all();
    }
}

/// A Server-Sent Events stream's writer: each call encodes through proto-sse's encoder and
/// sends through the [`BodyWriter`] under it (blocking while the client is slow). Made by
/// [`Response::sse`](super::Response::sse).
#[derive(Debug)]
pub struct SseWriter {
    writer: BodyWriter,
}

/// Why an [`SseWriter`] call failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SseError {
    /// The connection is gone.
    Closed,
    /// The message cannot be encoded (a line break in its id or type); nothing was sent.
    Encode(proto_sse::EncodeError),
}

impl fmt::Display for SseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SseError::Closed => Closed.fmt(f),
            SseError::Encode(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for SseError {}

impl From<Closed> for SseError {
    fn from(_: Closed) -> Self {
        SseError::Closed
    }
}

impl SseWriter {
    pub(crate) fn new(writer: BodyWriter) -> Self {
        SseWriter { writer }
    }

    /// Sends an event.
    ///
    /// # Errors
    /// [`SseError::Closed`]: the client went away; [`SseError::Encode`]: a bad id or type.
    pub fn send(&self, msg: &proto_sse::Message<'_>) -> Result<(), SseError> {
        let mut out = Vec::with_capacity(msg.data.len() + 32);
        proto_sse::encode(&mut out, msg).map_err(SseError::Encode)?;
        Ok(self.writer.send(out)?)
    }

    /// Sends an event with only data.
    ///
    /// # Errors
    /// As [`send`](Self::send).
    pub fn data(&self, data: &str) -> Result<(), SseError> {
        self.send(&proto_sse::Message::data(data))
    }

    /// Sends a comment (clients ignore it).
    ///
    /// # Errors
    /// [`Closed`]: the client went away.
    pub fn comment(&self, text: &str) -> Result<(), Closed> {
        let mut out = Vec::new();
        proto_sse::encode_comment(&mut out, text);
        self.writer.send(out)
    }

    /// Sets the client's reconnection time.
    ///
    /// # Errors
    /// [`Closed`]: the client went away.
    pub fn retry(&self, ms: u64) -> Result<(), Closed> {
        let mut out = Vec::new();
        proto_sse::encode_retry(&mut out, ms);
        self.writer.send(out)
    }

    /// The connection is gone.
    #[must_use]
    pub fn is_closed(&self) -> bool {
        self.writer.is_closed()
    }

    /// Ends the stream.
    pub fn finish(self) {
        self.writer.finish();
    }
}

/// The heartbeat comment an SSE stream gets when quiet.
pub(crate) fn heartbeat() -> Bytes {
    let mut out = Vec::with_capacity(2);
    proto_sse::encode_heartbeat(&mut out);
    Bytes::from(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_blocking_and_closed() {
        let (w, r) = channel(10, false);
        w.send(&b"0123456789"[..]).unwrap();
        assert!(matches!(w.try_send(&b"x"[..]), Err(TrySendError::Full(_))));
        assert!(!w.wait_ready(Duration::from_millis(10)));
        let t = std::thread::spawn(move || {
            // Blocks until the receiver takes something.
            w.send(&b"abc"[..]).unwrap();
            w
        });
        std::thread::sleep(Duration::from_millis(50));
        assert!(matches!(r.poll(4), Poll::Data(b) if b == "0123"));
        let w = t.join().unwrap();
        assert!(matches!(r.poll(100), Poll::Data(b) if b == "456789"));
        assert!(matches!(r.poll(100), Poll::Data(b) if b == "abc"));
        assert!(matches!(r.poll(100), Poll::Pending));
        let t = std::thread::spawn(move || {
            w.send(&b"0123456789"[..]).unwrap();
            // Full: blocks until the receiver is dropped, then fails.
            w.send(&b"more"[..])
        });
        std::thread::sleep(Duration::from_millis(50));
        drop(r);
        assert_eq!(t.join().unwrap(), Err(Closed));
    }

    #[test]
    fn end_and_abort() {
        let (w, r) = channel(10, false);
        w.send(&b"a"[..]).unwrap();
        w.finish();
        assert!(matches!(r.poll(100), Poll::Data(_)));
        assert!(matches!(r.poll(100), Poll::End));
        let (w, r) = channel(10, false);
        w.abort();
        assert!(matches!(r.poll(100), Poll::Aborted));
        let (w, r) = channel(10, false);
        let _ = std::thread::spawn(move || {
            let _w = w;
            panic!("writer thread dies");
        })
        .join();
        assert!(matches!(r.poll(100), Poll::Aborted));
    }
}
