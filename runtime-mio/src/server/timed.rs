//! Timed bodies: a response body produced on the event loop's own thread, at times the
//! producer chooses ([`Producer`], [`Body::Timed`](super::Body::Timed)).
//!
//! A [`BodyWriter`](super::BodyWriter) needs a thread to write from; a stream that sends a
//! little now and then (Server-Sent Events, a slow drip) would cost a thread per client. A
//! [`Producer`] costs none: the connection calls it when the response starts, and again when
//! it asked to be ([`Next::WaitUntil`] joins the loop's timer structure, the one the
//! [`Timeouts`](crate::timer::Timeouts) table's deadlines are in) or at once
//! ([`Next::Continue`]), each time only while the connection's output has room:
//!
//! - never while the connection's output is backed up (HTTP/1.1: 64 KiB queued in the
//!   engine, or bytes the socket did not take; HTTP/2: the stream's send room, flow control
//!   and the engine's bounded queue, is zero, or the socket did not take the last bytes): a
//!   client that stops reading stops the calls;
//! - dropped (on the loop thread) when the client goes away, the HTTP/2 stream is reset, or
//!   the server's shutdown grace ends: its `Drop` is where it learns that;
//! - a panic cuts the response (HTTP/1.1: the connection closes short of the body's end;
//!   HTTP/2: RST_STREAM INTERNAL_ERROR), as [`Next::Abort`] does.
//!
//! Each call's output goes out as one piece: one chunk on HTTP/1.1, DATA on HTTP/2. The
//! producer runs on the loop's thread, between other connections' work: a call must not
//! block.
//!
//! ```
//! use std::time::{Duration, Instant};
//! use runtime_mio::server::{BodyOut, Next, Response};
//! // Three lines, 100 ms apart, then the end.
//! let mut sent = 0;
//! let resp = Response::timed(200, move |now: Instant, out: &mut BodyOut| {
//!     sent += 1;
//!     out.write(format!("line {sent}\n").as_bytes());
//!     if sent == 3 { Next::End } else { Next::WaitUntil(now + Duration::from_millis(100)) }
//! });
//! # drop(resp);
//! ```

use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Instant;

use bytes::Bytes;

/// What a [`Producer`] wants after a call (the bytes it wrote to its [`BodyOut`] are sent in
/// every case but [`Next::Abort`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Call again as soon as the connection's output has room. A call that wrote nothing
    /// and says this is called again at the loop's next turn (not in a tight loop, but
    /// busy all the same: say [`WaitUntil`](Next::WaitUntil) when there is nothing to do).
    Continue,
    /// Call again at this instant (not before; later when the output is backed up then).
    WaitUntil(Instant),
    /// The body is complete.
    End,
    /// Give up: the response is cut (HTTP/1.1: the connection is closed before the body's
    /// end; HTTP/2: the stream is reset), so the client sees it incomplete.
    Abort,
}

/// Where a [`Producer`] call writes the body's next piece (the bytes of one call go out
/// together). SSE helpers encode through proto-sse's encoder.
#[derive(Debug, Default)]
pub struct BodyOut {
    buf: Vec<u8>,
}

impl BodyOut {
    /// Appends `bytes`.
    pub fn write(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// Appends a Server-Sent Event (proto-sse's encoder).
    ///
    /// # Errors
    /// The message cannot be encoded (a line break in its id or type); nothing was written.
    pub fn event(&mut self, msg: &proto_sse::Message<'_>) -> Result<(), proto_sse::EncodeError> {
        let at = self.buf.len();
        proto_sse::encode(&mut self.buf, msg).inspect_err(|_| self.buf.truncate(at))
    }

    /// Appends an SSE comment (clients ignore it).
    pub fn comment(&mut self, text: &str) {
        proto_sse::encode_comment(&mut self.buf, text);
    }

    /// Appends an SSE `retry:` field: the client's reconnection time.
    pub fn retry(&mut self, ms: u64) {
        proto_sse::encode_retry(&mut self.buf, ms);
    }

    /// Bytes written by this call so far.
    #[must_use]
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    /// Nothing written by this call so far.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }
}

impl std::io::Write for BodyOut {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A response body produced on the event loop's thread (see the [`server`](super) module's
/// docs and [`Response::timed`](super::Response::timed)):
/// called with the loop's clock, it writes the next piece into `out` and says when it wants
/// to be called again. Closures `FnMut(Instant, &mut BodyOut) -> Next` are producers.
pub trait Producer: Send {
    /// Writes the body's next piece (possibly nothing) into `out`; says what next.
    fn next(&mut self, now: Instant, out: &mut BodyOut) -> Next;
}

impl<F: FnMut(Instant, &mut BodyOut) -> Next + Send> Producer for F {
    fn next(&mut self, now: Instant, out: &mut BodyOut) -> Next {
        self(now, out)
    }
}

/// A timed body as a response carries it ([`Body::Timed`](super::Body::Timed)): the
/// producer, and whether it is an SSE stream (which gets heartbeat comments while quiet).
/// Made by [`Response::timed`](super::Response::timed) and
/// [`Response::sse_timed`](super::Response::sse_timed).
pub struct TimedBody {
    producer: Box<dyn Producer>,
    sse: bool,
}

impl fmt::Debug for TimedBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TimedBody")
            .field("sse", &self.sse)
            .finish_non_exhaustive()
    }
}

impl TimedBody {
    /// A timed body; `sse`: an event stream (heartbeats apply).
    pub(crate) fn new(producer: Box<dyn Producer>, sse: bool) -> Self {
        TimedBody { producer, sse }
    }

    /// Whether it is a Server-Sent Events stream (heartbeat comments are sent while it is
    /// quiet for [`Timeouts::sse_heartbeat`](crate::timer::Timeouts::sse_heartbeat)).
    #[must_use]
    pub fn is_sse(&self) -> bool {
        self.sse
    }
}

/// What one step of a [`Timed`] gave.
#[derive(Debug)]
pub(crate) enum Step {
    /// A piece to send; the producer may be called again once it is queued.
    Data(Bytes),
    /// A last piece (possibly empty): the body ends after it.
    Last(Bytes),
    /// Not to be called now: wait for [`Timed::deadline`] (or for the output to drain).
    Wait,
    /// Cut the response.
    Abort,
}

/// A timed body in progress: the producer, when it may be called next, and when the body
/// last sent bytes (the SSE heartbeat runs from there).
pub(crate) struct Timed {
    body: TimedBody,
    /// Not to be called before this (`None`: as soon as the output has room).
    wake: Option<Instant>,
    /// The glue stopped calling for want of output room: no timer until the output drains
    /// (a deadline already passed would make the loop spin).
    blocked: bool,
    /// When body bytes (or a heartbeat) were last queued.
    pub(crate) last_sent: Instant,
}

impl Timed {
    /// A body starting at `now`.
    pub(crate) fn new(body: TimedBody, now: Instant) -> Self {
        Timed {
            body,
            wake: None,
            blocked: false,
            last_sent: now,
        }
    }

    /// Whether it is an SSE stream.
    pub(crate) fn is_sse(&self) -> bool {
        self.body.sse
    }

    /// Whether the producer is to be called at `now` (output permitting).
    pub(crate) fn due(&self, now: Instant) -> bool {
        self.wake.is_none_or(|w| w <= now)
    }

    /// The producer is due and the glue cannot take output now: no timer until it can
    /// (it calls [`step`](Self::step) again once the output drains; a deadline already
    /// passed would make the loop spin meanwhile).
    pub(crate) fn block(&mut self) {
        self.blocked = true;
    }

    /// When the producer wants to be called (the loop's timer), unless the glue is waiting
    /// for the output to drain.
    pub(crate) fn deadline(&self) -> Option<Instant> {
        if self.blocked { None } else { self.wake }
    }

    /// Calls the producer if it is due at `now` (the glue checked the output has room).
    pub(crate) fn step(&mut self, now: Instant) -> Step {
        self.blocked = false;
        if !self.due(now) {
            return Step::Wait;
        }
        let mut out = BodyOut::default();
        let producer = &mut self.body.producer;
        let next =
            catch_unwind(AssertUnwindSafe(|| producer.next(now, &mut out))).unwrap_or(Next::Abort);
        let piece = Bytes::from(out.buf);
        if !piece.is_empty() {
            self.last_sent = now;
        }
        match next {
            Next::Abort => Step::Abort,
            Next::End => Step::Last(piece),
            Next::Continue if piece.is_empty() => {
                // Nothing now: again at the loop's next turn, not in a tight loop here.
                self.wake = Some(now);
                Step::Wait
            }
            Next::Continue => {
                self.wake = None;
                Step::Data(piece)
            }
            Next::WaitUntil(at) => {
                self.wake = Some(at);
                if piece.is_empty() {
                    Step::Wait
                } else {
                    Step::Data(piece)
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn timed(p: impl Producer + 'static) -> Timed {
        Timed::new(TimedBody::new(Box::new(p), false), Instant::now())
    }

    #[test]
    fn steps_follow_the_producer() {
        let t0 = Instant::now();
        let mut n = 0;
        let mut t = timed(move |now: Instant, out: &mut BodyOut| {
            n += 1;
            match n {
                1 => {
                    out.write(b"a");
                    Next::WaitUntil(now + Duration::from_secs(1))
                }
                2 => Next::Continue,
                3 => {
                    out.write(b"b");
                    Next::Continue
                }
                _ => {
                    out.write(b"c");
                    Next::End
                }
            }
        });
        assert!(matches!(t.step(t0), Step::Data(b) if b == "a"));
        assert_eq!(t.deadline(), Some(t0 + Duration::from_secs(1)));
        // Not due: not called.
        assert!(matches!(t.step(t0), Step::Wait));
        let t1 = t0 + Duration::from_secs(1);
        // Called, nothing written: again at the next turn.
        assert!(matches!(t.step(t1), Step::Wait));
        assert_eq!(t.deadline(), Some(t1));
        // Blocked on output: no timer.
        t.block();
        assert_eq!(t.deadline(), None);
        assert!(matches!(t.step(t1), Step::Data(b) if b == "b"));
        assert_eq!(t.deadline(), None);
        assert!(matches!(t.step(t1), Step::Last(b) if b == "c"));
        assert_eq!(t.last_sent, t1);
    }

    #[test]
    fn a_panic_aborts_and_sse_helpers_encode() {
        let mut t = timed(|_: Instant, _: &mut BodyOut| -> Next { panic!("producer dies") });
        assert!(matches!(t.step(Instant::now()), Step::Abort));
        let mut out = BodyOut::default();
        out.event(&proto_sse::Message::data("x")).unwrap();
        out.comment("c");
        out.retry(5);
        let bad = proto_sse::Message {
            id: Some("a\nb"),
            ..proto_sse::Message::data("y")
        };
        assert!(out.event(&bad).is_err());
        assert_eq!(out.buf, b"data: x\n\n: c\nretry: 5\n\n");
        assert_eq!(out.len(), out.buf.len());
    }
}
