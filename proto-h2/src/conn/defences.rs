//! Defences: the rate limits that end a connection whose peer makes us work for nothing
//! (rapid reset, "MadeYouReset", refused streams, empty DATA, ignored frames, control-frame
//! floods) and the bound on queued acknowledgements.

use super::{Connection, Limits};
use crate::error::Error;
use crate::frame::kind;
use std::time::{Duration, Instant};

/// What a peer may make us do only so often per [`Limits::reset_window`]: each kind has its
/// own counter and its own limit in [`Limits`], and going over it ends the connection with
/// ENHANCE_YOUR_CALM and the error [`Budget::error`] names. One mechanism for every rate
/// limit: [`Connection::spend`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Budget {
    /// RST_STREAM on a stream the peer opened (rapid reset, CVE-2023-44487):
    /// [`Limits::max_remote_resets`], [`Error::RapidReset`].
    RemoteReset,
    /// A stream we reset because the peer broke a rule ("MadeYouReset"):
    /// [`Limits::max_local_resets`], [`Error::MadeYouReset`].
    LocalReset,
    /// A stream we refused (REFUSED_STREAM): [`Limits::max_refused`], [`Error::TooManyStreams`].
    Refused,
    /// An empty DATA frame without END_STREAM (CVE-2019-9518):
    /// [`Limits::max_empty_frames`], [`Error::EmptyFrameFlood`].
    EmptyData,
    /// A frame of type `kind` that costs work and changes nothing:
    /// [`Limits::max_ignored_frames`], [`Error::IgnoredFrameFlood`].
    Ignored {
        /// The frame type.
        kind: u8,
    },
    /// A control frame of type `kind` (PING, SETTINGS, WINDOW_UPDATE on stream 0, GOAWAY
    /// lowering the last stream id): [`Limits::max_pings`], [`Limits::max_settings`],
    /// [`Limits::max_connection_window_updates`], [`Limits::max_goaways`],
    /// [`Error::ControlFrameFlood`].
    Control {
        /// The frame type.
        kind: u8,
    },
}

/// The number of counters: one per budget, the four control frames each their own.
const BUDGETS: usize = 9;

impl Budget {
    /// Which counter this budget uses.
    fn slot(self) -> usize {
        match self {
            Budget::RemoteReset => 0,
            Budget::LocalReset => 1,
            Budget::Refused => 2,
            Budget::EmptyData => 3,
            Budget::Ignored { .. } => 4,
            Budget::Control { kind: kind::PING } => 5,
            Budget::Control {
                kind: kind::SETTINGS,
            } => 6,
            Budget::Control {
                kind: kind::WINDOW_UPDATE,
            } => 7,
            Budget::Control { .. } => 8,
        }
    }

    /// The limit per window, from the connection's [`Limits`].
    pub(super) fn limit(self, l: &Limits) -> u32 {
        match self {
            Budget::RemoteReset => l.max_remote_resets,
            Budget::LocalReset => l.max_local_resets,
            Budget::Refused => l.max_refused,
            Budget::EmptyData => l.max_empty_frames,
            Budget::Ignored { .. } => l.max_ignored_frames,
            Budget::Control { kind: kind::PING } => l.max_pings,
            Budget::Control {
                kind: kind::SETTINGS,
            } => l.max_settings,
            Budget::Control {
                kind: kind::WINDOW_UPDATE,
            } => l.max_connection_window_updates,
            Budget::Control { .. } => l.max_goaways,
        }
    }

    /// The connection error for going over: `count` events in the window, `limit` allowed.
    fn error(self, count: u32, limit: u32) -> Error {
        match self {
            Budget::RemoteReset => Error::RapidReset {
                resets: count,
                limit,
            },
            Budget::LocalReset => Error::MadeYouReset {
                resets: count,
                limit,
            },
            Budget::Refused => Error::TooManyStreams {
                refused: count,
                limit,
            },
            Budget::EmptyData => Error::EmptyFrameFlood {
                frames: count,
                limit,
            },
            Budget::Ignored { kind } => Error::IgnoredFrameFlood {
                kind,
                frames: count,
                limit,
            },
            Budget::Control { kind } => Error::ControlFrameFlood {
                kind,
                frames: count,
                limit,
            },
        }
    }
}

/// A counter over a fixed window that restarts when an event arrives after the window ended.
#[derive(Clone, Copy, Debug)]
struct Rate {
    start: Option<Instant>,
    count: u32,
}

impl Rate {
    const NEW: Rate = Rate {
        start: None,
        count: 0,
    };

    /// Counts one event at `now`; `Err(count)` once the window holds more than `limit`.
    fn hit(&mut self, now: Instant, window: Duration, limit: u32) -> Result<(), u32> {
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

/// Every budget's counter, and the credit DATA frames we sent give the peer: a peer may answer
/// each with a PING and a connection WINDOW_UPDATE that are not counted.
#[derive(Clone, Copy, Debug)]
pub(super) struct Budgets {
    rates: [Rate; BUDGETS],
    /// DATA frames we sent that have not yet paid for a PING: each pays for one. At most
    /// [`Limits::max_pings`], so a long download cannot bank a later free flood.
    ping_credit: u32,
    /// DATA frames we sent that have not yet paid for a connection WINDOW_UPDATE. At most
    /// [`Limits::max_connection_window_updates`].
    update_credit: u32,
}

impl Budgets {
    pub(super) const NEW: Budgets = Budgets {
        rates: [Rate::NEW; BUDGETS],
        ping_credit: 0,
        update_credit: 0,
    };

    /// We sent a DATA frame: the peer may answer it with a PING and a connection WINDOW_UPDATE
    /// that do not count. Each credit is capped at its budget (`max_pings`,
    /// `max_connection_window_updates`), so what a long download banks is at most one
    /// window's worth of free frames on top of the window's own budget.
    pub(super) fn data_sent(&mut self, l: &Limits) {
        self.ping_credit = (self.ping_credit + 1).min(l.max_pings);
        self.update_credit = (self.update_credit + 1).min(l.max_connection_window_updates);
    }

    /// The DATA credit `budget` may spend instead of its counter, if any.
    fn credit(&mut self, budget: Budget) -> Option<&mut u32> {
        match budget {
            Budget::Control { kind: kind::PING } => Some(&mut self.ping_credit),
            Budget::Control {
                kind: kind::WINDOW_UPDATE,
            } => Some(&mut self.update_credit),
            _ => None,
        }
    }

    /// Gives one event of `budget` back (the count never goes below zero).
    pub(super) fn forgive(&mut self, budget: Budget) {
        let r = &mut self.rates[budget.slot()];
        r.count = r.count.saturating_sub(1);
    }
}

impl Connection {
    /// Counts one event of `budget` at the current time; over its limit in
    /// [`Limits::reset_window`] the connection ends with the budget's error (its GOAWAY
    /// carries ENHANCE_YOUR_CALM). A PING or connection WINDOW_UPDATE paid for by a DATA frame
    /// we sent is not counted.
    pub(super) fn spend(&mut self, budget: Budget) -> Result<(), Error> {
        if let Some(credit) = self.budgets.credit(budget)
            && *credit > 0
        {
            *credit -= 1;
            return Ok(());
        }
        let l = &self.config.limits;
        let limit = budget.limit(l);
        self.budgets.rates[budget.slot()]
            .hit(self.now, l.reset_window, limit)
            .map_err(|count| budget.error(count, limit))
    }

    /// A new stream (either side's) forgives one ignored frame: normal traffic makes a few
    /// per stream (a WINDOW_UPDATE or RST_STREAM that crossed the stream's end, a browser's
    /// PRIORITY), so a busy connection does not hit a limit meant for frames without work.
    pub(super) fn stream_opened(&mut self) {
        self.budgets.forgive(Budget::Ignored { kind: 0 });
    }

    /// Counts a frame that costs work and has no effect ([`Budget::Ignored`]).
    pub(super) fn ignored_frame(&mut self, kind: u8) -> Result<(), Error> {
        self.spend(Budget::Ignored { kind })
    }

    /// Counts a control frame of type `kind` (PING, SETTINGS, WINDOW_UPDATE on stream 0,
    /// GOAWAY) against its budget ([`Budget::Control`]).
    pub(super) fn control_frame(&mut self, kind: u8) -> Result<(), Error> {
        self.spend(Budget::Control { kind })
    }

    /// Counts an acknowledgement (SETTINGS or PING ACK) queued and not yet taken by
    /// `poll_transmit`: more than [`Limits::max_queued_acks`] is [`Error::ControlFlood`].
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

/// Milliseconds from `at` back to `base` (rounded down, at most `u32::MAX - 1`; `u32::MAX`
/// stands for none): how [`FrozenBudgets`] and the hibernated connection keep past instants.
pub(super) fn age_ms(base: Instant, at: Option<Instant>) -> u32 {
    at.map_or(u32::MAX, |at| {
        u32::try_from(base.saturating_duration_since(at).as_millis())
            .unwrap_or(u32::MAX - 1)
            .min(u32::MAX - 1)
    })
}

/// The instant `age` milliseconds before `base` (see [`age_ms`]): at most a millisecond
/// later than the one recorded; `base` itself when that is before the clock's origin.
pub(super) fn from_age(base: Instant, age: u32) -> Option<Instant> {
    (age != u32::MAX).then(|| {
        base.checked_sub(Duration::from_millis(u64::from(age)))
            .unwrap_or(base)
    })
}

/// [`Budgets`] while the connection hibernates: each rate's start as milliseconds before the
/// hibernation ([`age_ms`]: it comes back at most a millisecond later, so a window ends at
/// most that much later, never sooner), its count and the credits as they were.
#[derive(Clone, Copy, Debug)]
pub(super) struct FrozenBudgets {
    starts: [u32; BUDGETS],
    counts: [u32; BUDGETS],
    ping_credit: u32,
    update_credit: u32,
}

impl Budgets {
    /// The budgets with their instants kept relative to `base`.
    pub(super) fn freeze(&self, base: Instant) -> FrozenBudgets {
        FrozenBudgets {
            starts: self.rates.map(|r| age_ms(base, r.start)),
            counts: self.rates.map(|r| r.count),
            ping_credit: self.ping_credit,
            update_credit: self.update_credit,
        }
    }
}

impl FrozenBudgets {
    /// The budgets again, `base` being the instant [`Budgets::freeze`] was given.
    pub(super) fn thaw(&self, base: Instant) -> Budgets {
        let mut rates = [Rate::NEW; BUDGETS];
        for (r, (&start, &count)) in rates.iter_mut().zip(self.starts.iter().zip(&self.counts)) {
            *r = Rate {
                start: from_age(base, start),
                count,
            };
        }
        Budgets {
            rates,
            ping_credit: self.ping_credit,
            update_credit: self.update_credit,
        }
    }
}
