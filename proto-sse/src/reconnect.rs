//! The sans-IO reconnect policy of an SSE client (HTML Standard, 9.2.3 "Processing model").
//!
//! The policy decides when to (re)connect and with which `Last-Event-ID`; the caller does the
//! connecting and tells it what happened. Time is an argument: the caller passes `now` and asks
//! [`Reconnect::poll_timeout`] when to call [`Reconnect::handle_timeout`].

use std::time::{Duration, Instant};

use crate::mime::is_event_stream;
use crate::parser::{Event, Parser};

/// Configuration of a [`Reconnect`] policy.
///
/// Any values are accepted: every delay (these, and the server's `retry`) is capped at
/// 2^32 - 1 seconds (about 136 years), so `Duration::MAX` means "as long as that"; a floor
/// above the cap wins over it; where the clock cannot hold `now` plus the delay, the policy
/// waits a day, then again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReconnectConfig {
    /// The reconnection time before the server sets one with `retry:` ("an implementation-
    /// defined value, probably in the region of a few seconds"). Default 3 s.
    pub initial_retry: Duration,
    /// The floor every delay is clamped to, so that `retry: 0` never makes a tight loop.
    /// Default 250 ms.
    pub min_retry: Duration,
    /// The cap of the exponential backoff after failures (the server's own reconnection time is
    /// honoured even when it is longer). Default 60 s.
    pub max_backoff: Duration,
    /// How much of a backed-off delay is randomised, in thousandths (300: the delay is cut by
    /// up to 30 %). Default 300; values above 1000 count as 1000.
    pub jitter_permille: u16,
    /// The seed of the jitter's random numbers (fixed seeds make runs reproducible).
    pub seed: u64,
}

impl Default for ReconnectConfig {
    fn default() -> Self {
        ReconnectConfig {
            initial_retry: Duration::from_secs(3),
            min_retry: Duration::from_millis(250),
            max_backoff: Duration::from_secs(60),
            jitter_permille: 300,
            seed: 0x5EED_5EED_5EED_5EED,
        }
    }
}

/// Why the policy stopped for good.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Closed {
    /// The server answered 204 No Content: "a client can be told to stop reconnecting using the
    /// HTTP 204 No Content response code".
    NoContent,
    /// The server answered a status other than 200 (or 204): the connection failed.
    Status(u16),
    /// The response's `Content-Type` was missing or not `text/event-stream`: the connection
    /// failed.
    ContentType,
    /// The caller closed the source.
    ByCaller,
}

/// The state of the policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum State {
    /// A connection should be opened now: [`Reconnect::poll_connect`] says with which header.
    Connect,
    /// A request is under way; waiting for its response head.
    Connecting,
    /// The response was accepted; events are flowing.
    Open,
    /// Waiting until the instant before reconnecting.
    Waiting(Instant),
    /// Stopped for good.
    Closed(Closed),
}

/// What to send when (re)connecting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Connect<'a> {
    /// The `Last-Event-ID` header value, when the last event ID string is not empty.
    pub last_event_id: Option<&'a str>,
    /// How many connection attempts failed in a row before this one.
    pub attempt: u32,
}

/// A small seedable generator (SplitMix64) for the jitter; no cryptographic use.
#[derive(Debug, Clone)]
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// The reconnect policy of one event source.
///
/// Call order: [`poll_connect`](Reconnect::poll_connect) when the state is
/// [`State::Connect`] (initially, and after a timeout), then
/// [`on_response`](Reconnect::on_response) with the response head, or
/// [`on_connect_error`](Reconnect::on_connect_error) if there was none;
/// [`on_event`](Reconnect::on_event) / [`observe`](Reconnect::observe) while the stream is
/// open, [`on_disconnect`](Reconnect::on_disconnect) when it ends; then
/// [`poll_timeout`](Reconnect::poll_timeout) and [`handle_timeout`](Reconnect::handle_timeout).
///
/// # Examples
///
/// The clock stays with the caller: `start` below is whatever `Instant` its event loop has.
///
/// ```
/// use std::time::{Duration, Instant};
/// use proto_sse::{Parser, Reconnect, ReconnectConfig, State};
///
/// fn one_reconnect(start: Instant) {
///     let mut policy = Reconnect::new(ReconnectConfig::default());
///     assert_eq!(policy.poll_connect().unwrap().last_event_id, None);
///     policy.on_response(start, 200, Some(b"text/event-stream")).unwrap();
///     let mut parser = Parser::new();
///     let (_, event) = parser.parse(b"id: 41\nretry: 1000\ndata: x\n\n").unwrap();
///     policy.on_event(&event.unwrap());
///     policy.on_disconnect(start);
///     assert_eq!(policy.poll_timeout(), Some(start + Duration::from_secs(1)));
///     policy.handle_timeout(start + Duration::from_secs(1));
///     assert_eq!(policy.state(), State::Connect);
///     assert_eq!(policy.poll_connect().unwrap().last_event_id, Some("41"));
/// }
/// ```
#[derive(Debug, Clone)]
pub struct Reconnect {
    config: ReconnectConfig,
    state: State,
    retry: Duration,
    last_event_id: String,
    failures: u32,
    delivered: bool,
    rng: SplitMix64,
}

impl Reconnect {
    /// A policy in [`State::Connect`]: the first connection is opened right away.
    pub fn new(config: ReconnectConfig) -> Self {
        Reconnect {
            config,
            state: State::Connect,
            retry: config.initial_retry,
            last_event_id: String::new(),
            failures: 0,
            delivered: false,
            rng: SplitMix64(config.seed),
        }
    }

    /// The current state.
    pub fn state(&self) -> State {
        self.state
    }

    /// The reconnection time (the server's `retry`, or the initial value), before clamping.
    pub fn reconnection_time(&self) -> Duration {
        self.retry
    }

    /// The last event ID string.
    pub fn last_event_id(&self) -> &str {
        &self.last_event_id
    }

    /// Connection attempts that failed in a row.
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// When in [`State::Connect`], moves to [`State::Connecting`] and says what to send:
    /// "If the event source's last event ID string is not the empty string, set
    /// `Last-Event-ID` ... to the last event ID string, encoded as UTF-8." `None` otherwise.
    #[must_use = "the connection should be opened with the returned header"]
    pub fn poll_connect(&mut self) -> Option<Connect<'_>> {
        if self.state != State::Connect {
            return None;
        }
        self.state = State::Connecting;
        self.delivered = false;
        Some(Connect {
            last_event_id: (!self.last_event_id.is_empty()).then_some(self.last_event_id.as_str()),
            attempt: self.failures,
        })
    }

    /// The response head arrived. "If res's status is not 200, or if res's `Content-Type` is not
    /// `text/event-stream`, then fail the connection"; 204 stops reconnecting too.
    ///
    /// # Errors
    ///
    /// The reason, when the policy is now [`State::Closed`]. A response in any state other than
    /// [`State::Connecting`] is ignored (`Ok`).
    pub fn on_response(
        &mut self,
        _now: Instant,
        status: u16,
        content_type: Option<&[u8]>,
    ) -> Result<(), Closed> {
        if self.state != State::Connecting {
            return match self.state {
                State::Closed(c) => Err(c),
                _ => Ok(()),
            };
        }
        let closed = if status == 204 {
            Closed::NoContent
        } else if status != 200 {
            Closed::Status(status)
        } else if !content_type.is_some_and(is_event_stream) {
            Closed::ContentType
        } else {
            // "announce the connection": the stream is open.
            self.state = State::Open;
            return Ok(());
        };
        self.state = State::Closed(closed);
        Err(closed)
    }

    /// An event was dispatched: takes its ID and `retry`, and counts the connection as a
    /// success (the backoff starts over).
    pub fn on_event(&mut self, event: &Event<'_>) {
        self.on_last_event_id(&event.id);
        if let Some(ms) = event.retry {
            self.on_retry(ms);
        }
        self.delivered = true;
        self.failures = 0;
    }

    /// Takes the parser's last event ID string and reconnection time (which change also on
    /// blocks that dispatch no event).
    pub fn observe(&mut self, parser: &Parser) {
        self.on_last_event_id(parser.last_event_id());
        if let Some(ms) = parser.reconnection_time() {
            self.on_retry(ms);
        }
    }

    /// Sets the last event ID string.
    pub fn on_last_event_id(&mut self, id: &str) {
        if self.last_event_id != id {
            self.last_event_id.clear();
            self.last_event_id.push_str(id);
        }
    }

    /// Sets the reconnection time from a `retry` field, in milliseconds.
    pub fn on_retry(&mut self, ms: u64) {
        self.retry = Duration::from_millis(ms);
    }

    /// The request failed before a response head (DNS, refused, TLS, reset): a failure; the
    /// policy waits with backoff. Ignored unless [`State::Connecting`] or [`State::Open`].
    pub fn on_connect_error(&mut self, now: Instant) {
        if matches!(self.state, State::Connecting | State::Open) {
            self.failures = self.failures.saturating_add(1);
            self.wait(now);
        }
    }

    /// The open stream ended (end of body, network error, or a parser [`Error`]): "reestablish
    /// the connection" after the reconnection time. A connection that delivered no event counts
    /// as a failure, so a server that accepts and closes at once meets a growing backoff.
    /// Ignored unless [`State::Open`] or [`State::Connecting`].
    ///
    /// [`Error`]: crate::Error
    pub fn on_disconnect(&mut self, now: Instant) {
        match self.state {
            State::Open if self.delivered => {
                self.failures = 0;
                self.wait(now);
            }
            State::Open | State::Connecting => {
                self.failures = self.failures.saturating_add(1);
                self.wait(now);
            }
            _ => {}
        }
    }

    /// The caller closed the source: no more connections.
    pub fn close(&mut self) {
        self.state = State::Closed(Closed::ByCaller);
    }

    /// When [`handle_timeout`](Reconnect::handle_timeout) should be called, if waiting.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        match self.state {
            State::Waiting(at) => Some(at),
            _ => None,
        }
    }

    /// Moves from [`State::Waiting`] to [`State::Connect`] once `now` reaches the deadline; an
    /// early or spurious call does nothing.
    pub fn handle_timeout(&mut self, now: Instant) {
        if let State::Waiting(at) = self.state
            && now >= at
        {
            self.state = State::Connect;
        }
    }

    /// The delay before the next attempt: the reconnection time clamped to the floor; after
    /// `n` failures in a row, doubled `n` times up to the cap, minus a random share.
    pub fn next_delay(&mut self) -> Duration {
        let floor = self.config.min_retry.min(MAX_DELAY);
        let base = self.retry.max(floor).min(MAX_DELAY);
        if self.failures == 0 {
            return base;
        }
        let cap = self.config.max_backoff.max(base).min(MAX_DELAY);
        let shift = self.failures.min(32);
        let grown = base.as_nanos().saturating_mul(1u128 << shift);
        let delay = grown.min(cap.as_nanos());
        let permille = u128::from(self.config.jitter_permille.min(1000));
        // delay <= MAX_DELAY < 2^62 ns, so span * 2^64 fits in u128.
        let span = delay * permille / 1000;
        let cut = (u128::from(self.rng.next_u64()) * span) >> 64;
        let nanos = (delay - cut).max(floor.as_nanos());
        duration_from_nanos(nanos)
    }

    fn wait(&mut self, now: Instant) {
        let delay = self.next_delay();
        // Where `now + delay` is not representable (a platform with a narrow `Instant`), wait a
        // day, then again.
        let at = now
            .checked_add(delay)
            .or_else(|| now.checked_add(Duration::from_secs(86_400)))
            .unwrap_or(now);
        self.state = State::Waiting(at);
    }
}

/// The longest delay ever scheduled (about 136 years): a larger `retry` is clamped to it.
const MAX_DELAY: Duration = Duration::from_secs(u32::MAX as u64);

fn duration_from_nanos(nanos: u128) -> Duration {
    let secs = nanos / 1_000_000_000;
    let sub = (nanos % 1_000_000_000) as u32;
    Duration::new(u64::try_from(secs).unwrap_or(u64::MAX), sub)
}
