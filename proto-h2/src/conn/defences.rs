//! Defences: the rate limits that end a connection whose peer makes us work for nothing
//! (rapid reset, "MadeYouReset", refused streams, empty DATA, ignored frames, control-frame
//! floods) and the bound on queued acknowledgements.

use super::Connection;
use crate::error::Error;
use crate::frame::kind;
use std::time::{Duration, Instant};

#[derive(Clone, Copy, Debug)]
pub(super) struct Rate {
    pub(super) start: Option<Instant>,
    pub(super) count: u32,
}

impl Rate {
    pub(super) const NEW: Rate = Rate {
        start: None,
        count: 0,
    };

    pub(super) fn hit(&mut self, now: Instant, window: Duration, limit: u32) -> Result<(), u32> {
        match self.start {
            Some(s) if now.saturating_duration_since(s) < window => {}
            _ => {
                self.start = Some(now);
                self.count = 0;
            }
        }
        self.count += 1;
        if self.count > limit {
            Err(self.count)
        } else {
            Ok(())
        }
    }
}

/// The budgets of the control frames a peer may send for good reasons but not without end
/// (PING, SETTINGS, WINDOW_UPDATE on stream 0, GOAWAY lowering the last stream id), each over
/// `Limits::reset_window`; see [`Connection::control_frame`].
#[derive(Clone, Copy, Debug)]
pub(super) struct ControlBudget {
    pub(super) pings: Rate,
    pub(super) settings: Rate,
    pub(super) window_updates: Rate,
    pub(super) goaways: Rate,
    /// DATA frames we sent that have not yet paid for a PING: each pays for one.
    pub(super) ping_credit: u32,
    /// DATA frames we sent that have not yet paid for a connection WINDOW_UPDATE.
    pub(super) update_credit: u32,
}

impl ControlBudget {
    pub(super) const NEW: ControlBudget = ControlBudget {
        pings: Rate::NEW,
        settings: Rate::NEW,
        window_updates: Rate::NEW,
        goaways: Rate::NEW,
        ping_credit: 0,
        update_credit: 0,
    };

    /// We sent a DATA frame: the peer may answer it with a PING and a connection
    /// WINDOW_UPDATE that do not count.
    pub(super) fn data_sent(&mut self) {
        self.ping_credit = self.ping_credit.saturating_add(1);
        self.update_credit = self.update_credit.saturating_add(1);
    }
}

impl Connection {
    /// A new stream (either side's) forgives one ignored frame: normal traffic makes a few
    /// per stream (a WINDOW_UPDATE or RST_STREAM that crossed the stream's end, a browser's
    /// PRIORITY), so a busy connection does not hit a limit meant for frames without work.
    pub(super) fn stream_opened(&mut self) {
        self.ignored.count = self.ignored.count.saturating_sub(1);
    }

    /// Counts a frame that costs work and has no effect; too many in a window end the
    /// connection.
    pub(super) fn ignored_frame(&mut self, kind: u8) -> Result<(), Error> {
        let l = &self.config.limits;
        match self
            .ignored
            .hit(self.now, l.reset_window, l.max_ignored_frames)
        {
            Ok(()) => Ok(()),
            Err(frames) => Err(Error::IgnoredFrameFlood {
                kind,
                frames,
                limit: l.max_ignored_frames,
            }),
        }
    }

    /// Counts a control frame of type `kind` (PING, SETTINGS, WINDOW_UPDATE on stream 0,
    /// GOAWAY) against its budget in `Limits` (`max_pings`, `max_settings`,
    /// `max_connection_window_updates`, `max_goaways`) per `reset_window`; a PING or
    /// WINDOW_UPDATE paid for by a DATA frame we sent is not counted. Over budget the
    /// connection ends with [`Error::ControlFrameFlood`].
    pub(super) fn control_frame(&mut self, kind: u8) -> Result<(), Error> {
        let l = &self.config.limits;
        let c = &mut self.control;
        let (rate, credit, limit) = match kind {
            kind::PING => (&mut c.pings, Some(&mut c.ping_credit), l.max_pings),
            kind::WINDOW_UPDATE => (
                &mut c.window_updates,
                Some(&mut c.update_credit),
                l.max_connection_window_updates,
            ),
            kind::SETTINGS => (&mut c.settings, None, l.max_settings),
            _ => (&mut c.goaways, None, l.max_goaways),
        };
        if let Some(credit) = credit
            && *credit > 0
        {
            *credit -= 1;
            return Ok(());
        }
        rate.hit(self.now, l.reset_window, limit)
            .map_err(|frames| Error::ControlFrameFlood {
                kind,
                frames,
                limit,
            })
    }

    pub(super) fn queue_ack(&mut self) -> Result<(), Error> {
        self.queued_acks += 1;
        let limit = self.config.limits.max_queued_acks;
        if self.queued_acks > limit {
            return Err(Error::ControlFlood {
                queued: self.queued_acks,
                limit,
            });
        }
        Ok(())
    }
}
