//! Timers: SETTINGS acknowledgement, connection and stream window stalls, keep-alive and idle
//! timeout; [`Connection::poll_timeout`] is the earliest deadline and
//! [`Connection::handle_timeout`] acts on the expired ones.

#[cfg(doc)]
use super::Config;
use super::Connection;
use super::event::Event;
use super::store::Closure;
use crate::error::{Error, StreamError};
use crate::frame::{self, ErrorCode, Frame, StreamId};
use std::cmp::Reverse;
use std::time::{Duration, Instant};

/// When a timer begun `since` and running `after` expires; `None` (never) for a duration
/// longer than the clock can reach (`Duration::MAX` spells "never" that way).
pub(super) fn expiry(since: Instant, after: Duration) -> Option<Instant> {
    since.checked_add(after)
}

/// Whether a timer begun `since` and running `after` has expired at `now`.
fn expired(now: Instant, since: Instant, after: Duration) -> bool {
    expiry(since, after).is_some_and(|at| now >= at)
}

/// The PING payload that measures the round trip of a graceful shutdown.
pub(super) const DRAIN_PING: [u8; 8] = *b"h2-drain";

/// The PING payload of keep-alive probes ([`Config::keepalive_interval`]).
pub(super) const KEEPALIVE_PING: [u8; 8] = *b"h2-alive";

impl Connection {
    /// Handles expired timers. A spurious call does nothing.
    ///
    /// - SETTINGS not acknowledged in time: [`Error::SettingsTimeout`].
    /// - Data waiting on a zero connection window too long: [`Error::WindowStall`].
    /// - Data waiting on a zero stream window too long: that stream is reset with CANCEL and
    ///   [`Event::Reset`] reports [`StreamError::WindowStall`]; the connection goes on.
    /// - Nothing received for [`Config::keepalive_interval`]: a PING is queued; no answer
    ///   within [`Config::keepalive_timeout`]: [`Error::KeepaliveTimeout`].
    /// - Idle for [`Config::idle_timeout`]: GOAWAY(NO_ERROR) is queued and
    ///   [`Connection::is_closed`] turns true; not an error.
    /// - [`Config::goaway_grace`] passed since the peer's GOAWAY: [`Connection::is_closed`]
    ///   turns true once no stream is left.
    ///
    /// # Errors
    /// The connection errors above; their GOAWAY is queued.
    pub fn handle_timeout(&mut self, now: Instant) -> Result<(), Error> {
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        self.now = now;
        self.note_busy(now);
        if let Some(&(_, sent)) = self.pending_settings.front()
            && expired(now, sent, self.config.settings_timeout)
        {
            let e = Error::SettingsTimeout {
                after: self.config.settings_timeout,
            };
            return Err(self.fail(e));
        }
        if let (Some(since), Some(t)) = (self.stall_since, self.config.limits.stall_timeout)
            && expired(now, since, t)
        {
            return Err(self.fail(Error::WindowStall { after: t }));
        }
        if let Some(sent) = self.keepalive_sent
            && expired(now, sent, self.config.keepalive_timeout)
        {
            let after = self.config.keepalive_timeout;
            return Err(self.fail(Error::KeepaliveTimeout { after }));
        }
        if let Some(interval) = self.config.keepalive_interval
            && self.keepalive_sent.is_none()
            && expired(now, self.last_recv, interval)
        {
            self.keepalive_sent = Some(now);
            Frame::Ping(frame::Ping {
                ack: false,
                payload: KEEPALIVE_PING,
            })
            .encode(&mut self.ctrl);
        }
        self.expire_stream_stalls(now);
        if let Some(t) = self.config.idle_timeout
            && self.goaway_sent.is_none()
            && self.streams.is_empty()
            && expired(now, self.busy_at, t)
        {
            // Nothing is in flight: one GOAWAY naming the last stream the peer opened.
            self.send_goaway(self.last_peer, ErrorCode::NO_ERROR);
        }
        Ok(())
    }

    /// The next deadline at which [`Connection::handle_timeout`] must be called: the earliest
    /// of the timers [`Connection::handle_timeout`] lists (constant time: stream stalls are
    /// kept in a heap). It may be early (a timer that was re-armed since); then
    /// `handle_timeout` does nothing and a later deadline follows.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.error.is_some() {
            return None;
        }
        let settings = self
            .pending_settings
            .front()
            .and_then(|&(_, sent)| expiry(sent, self.config.settings_timeout));
        let stall = self
            .stall_since
            .zip(self.config.limits.stall_timeout)
            .and_then(|(s, t)| expiry(s, t));
        let stream_stall = self.stalls.peek().map(|Reverse((t, _))| *t);
        let keepalive = match self.keepalive_sent {
            Some(sent) => expiry(sent, self.config.keepalive_timeout),
            None => (self.config.keepalive_interval).and_then(|i| expiry(self.last_recv, i)),
        };
        let idle = self
            .config
            .idle_timeout
            .filter(|_| self.goaway_sent.is_none() && self.streams.is_empty())
            .and_then(|t| expiry(self.busy_at, t));
        [
            settings,
            stall,
            stream_stall,
            keepalive,
            idle,
            self.goaway_recv_at
                .zip(self.config.goaway_grace)
                .filter(|_| self.in_goaway_grace())
                .and_then(|(at, grace)| expiry(at, grace)),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Brings the idle timer's `busy_at` up to `now` if a stream is open or was dropped since
    /// the last timed call (streams can be dropped by `read_data`, which has no `now`).
    pub(super) fn note_busy(&mut self, now: Instant) {
        if !self.streams.is_empty() || std::mem::take(&mut self.stream_dropped) {
            self.busy_at = now;
        }
    }

    /// Resets the streams whose data waited on their own zero window past the stream stall
    /// timeout. Heap entries whose stall ended are dropped; those whose stall restarted are
    /// put back with the new deadline.
    pub(super) fn expire_stream_stalls(&mut self, now: Instant) {
        let Some(t) = self.config.limits.stream_stall_timeout else {
            return;
        };
        while let Some(&Reverse((deadline, id))) = self.stalls.peek() {
            if deadline > now {
                break;
            }
            self.stalls.pop();
            let Some(s) = self.streams.get_mut(&id) else {
                continue;
            };
            match s.stalled_since {
                Some(since) if expired(now, since, t) => {
                    let stream = StreamId::new(id);
                    let error = StreamError::WindowStall { after: t };
                    let code = error.code();
                    Frame::RstStream(frame::RstStream { stream, code }).encode(&mut self.ctrl);
                    self.close_stream(stream, Closure::ResetByUs);
                    self.events.push_back(Event::Reset {
                        stream,
                        code,
                        remote: false,
                        error: Some(error),
                    });
                }
                // Restarted since: back in with its new deadline (none when it never ends).
                Some(since) => match expiry(since, t) {
                    Some(at) => self.stalls.push(Reverse((at, id))),
                    None => s.in_stalls = false,
                },
                None => s.in_stalls = false,
            }
        }
    }
}
