//! Server-Sent Events on the streaming client (HTML Standard, 9.2 "Server-sent events"):
//! [`Client::sse`] opens an [`EventSource`], whose [`next_event`](EventSource::next_event)
//! hands out the events, and the reconnections, with a bounded wait.
//!
//! The protocol is proto-sse's, not this file's: its [`Parser`] reads the event stream
//! chunk by chunk as [`Body::chunk`] returns it, and its [`Reconnect`] policy decides what
//! to send (`Last-Event-ID`), how long to wait (the server's `retry:`, a floor, backoff with
//! jitter after failures), and when to stop (204, a status other than 200, a content type
//! other than `text/event-stream`). This file only does what the policy says with the
//! client's requests, and turns it into [`SseItem`]s.
//!
//! Threads: the first connection is opened on the caller's thread (inside [`Client::sse`]);
//! a reconnection runs [`Client::request`] on a short-lived thread of its own, so that
//! [`next_event`](EventSource::next_event)'s wait bound and [`SseCloseHandle::close`] hold
//! while a connection is being opened too (a request cannot be interrupted before its
//! head arrives; a closed source drops the late response, which cancels it).

use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use proto_sse::{Closed, Parser, Reconnect, ReconnectConfig};

use super::body::{Body, CancelHandle, Response, Version, Wait};
use super::error::Error;
use super::upload::ReqBody;
use super::{Client, Request};
use crate::timer::Timeout;

/// How an [`EventSource`] reads and reconnects.
///
/// ```
/// use std::time::Duration;
/// use runtime_mio::client::SseConfig;
/// use runtime_mio::timer::Timeout;
///
/// let config = SseConfig {
///     // Retry 5 failures in a row, then give up.
///     max_retries: Some(5),
///     // The server sends a heartbeat comment every 15 s: 40 s of silence is a lost stream.
///     idle: Timeout::After(Duration::from_secs(40)),
///     reconnect: proto_sse::ReconnectConfig {
///         initial_retry: Duration::from_secs(1),
///         ..proto_sse::ReconnectConfig::default()
///     },
///     ..SseConfig::default()
/// };
/// assert_eq!(config.last_event_id, None);
/// ```
#[derive(Debug, Clone)]
pub struct SseConfig {
    /// proto-sse's reconnect policy: the reconnection time before the server sends
    /// `retry:` (default 3 s), its floor (250 ms), the backoff cap after failures (60 s) and
    /// the jitter.
    pub reconnect: ReconnectConfig,
    /// proto-sse's parser: line and event size limits, and whether an event cut by the end
    /// of a connection is dropped (the standard, the default) or dispatched.
    pub parser: proto_sse::Config,
    /// How many failures in a row are retried before the source gives up with
    /// [`SseFailure::GaveUp`]. A failure is a connection attempt that got no accepted
    /// response, or a connection that ended without delivering an event; an event starts
    /// the count again. `None` (the default): retry for ever, as browsers do.
    pub max_retries: Option<u32>,
    /// The longest quiet gap on an open stream before it counts as lost (and is reopened
    /// by the policy): it replaces the request's [`ClientTimeouts::body_idle`]. Default
    /// [`Timeout::Unlimited`]: a stream may legitimately stay quiet for hours. A server that
    /// sends heartbeat comments allows a limit somewhat above their period.
    ///
    /// [`ClientTimeouts::body_idle`]: super::ClientTimeouts::body_idle
    pub idle: Timeout,
    /// A last event ID to resume after: sent as `Last-Event-ID` from the first connection
    /// on (a `Last-Event-ID` field of the request does the same). Default none.
    pub last_event_id: Option<String>,
}

impl Default for SseConfig {
    fn default() -> Self {
        SseConfig {
            reconnect: ReconnectConfig::default(),
            parser: proto_sse::Config::default(),
            max_retries: None,
            idle: Timeout::Unlimited,
            last_event_id: None,
        }
    }
}

/// One event, as the parser dispatched it (a `MessageEvent` in a browser).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    /// The event type: the `event` field, or `message` when there was none.
    pub event_type: String,
    /// The `data` fields joined with line feeds.
    pub data: String,
    /// The last event ID string when the event was dispatched (it persists across events
    /// until an `id` field changes it; empty when there is none).
    pub id: String,
    /// The `retry` field of the event's block, in milliseconds, if it had a valid one (the
    /// policy already took it).
    pub retry: Option<u64>,
}

impl From<proto_sse::Event<'_>> for SseEvent {
    fn from(e: proto_sse::Event<'_>) -> Self {
        SseEvent {
            event_type: e.event_type.into_owned(),
            data: e.data.into_owned(),
            id: e.id.into_owned(),
            retry: e.retry,
        }
    }
}

/// What [`EventSource::next_event`] hands out: an event, or news of the connection.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum SseItem {
    /// An event.
    Event(SseEvent),
    /// The stream ended or broke, or a reconnection attempt failed: the next attempt starts
    /// after `delay` (the policy's: the reconnection time, backed off after failures).
    Retrying {
        /// Why: `None` when the server ended the body; the error otherwise
        /// ([`Error::Timeout`] with `BodyIdle` when the stream stayed quiet longer than
        /// [`SseConfig::idle`], [`SseFailure::Parse`] for a stream over the parser's limits).
        error: Option<Error>,
        /// The wait before the next attempt.
        delay: Duration,
        /// Failures in a row so far (0 after a connection that delivered events).
        failures: u32,
    },
    /// A new connection was accepted (200, `text/event-stream`) and events flow again.
    Reconnected {
        /// Reconnections so far, this one included (1 for the first).
        reconnects: u32,
        /// Attempts that failed in a row just before this one (proto-sse's
        /// [`Connect::attempt`](proto_sse::Connect::attempt)).
        attempt: u32,
        /// The `Last-Event-ID` sent, if any.
        last_event_id: Option<String>,
        /// The HTTP version of the new connection.
        version: Version,
    },
}

/// Why an event source failed for good (inside [`Error::Sse`]), or why one connection was
/// dropped ([`SseFailure::Parse`], reported in [`SseItem::Retrying`]).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum SseFailure {
    /// The server answered a status other than 200 and 204: "fail the connection", no
    /// reconnection.
    Status(u16),
    /// The response's `Content-Type` (as received, when there was one) is not
    /// `text/event-stream`: the connection failed, no reconnection.
    ContentType(Option<String>),
    /// The stream exceeded a parser limit ([`proto_sse::Limits`]); the connection was
    /// closed and counts as a failure.
    Parse(proto_sse::Error),
    /// [`SseConfig::max_retries`] failures in a row were retried and one more failed.
    GaveUp {
        /// Failures in a row.
        failures: u32,
        /// The last failure's error (`None`: the server ended a connection that delivered
        /// no event).
        last: Option<Box<Error>>,
    },
}

impl fmt::Display for SseFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SseFailure::Status(s) => write!(f, "the server answered {s}, not 200"),
            SseFailure::ContentType(Some(t)) => {
                write!(f, "the content type is {t:?}, not text/event-stream")
            }
            SseFailure::ContentType(None) => {
                f.write_str("the response has no content type (text/event-stream expected)")
            }
            SseFailure::Parse(e) => e.fmt(f),
            SseFailure::GaveUp {
                failures,
                last: Some(e),
            } => write!(f, "gave up after {failures} failures in a row: {e}"),
            SseFailure::GaveUp {
                failures,
                last: None,
            } => write!(
                f,
                "gave up after {failures} failures in a row: the stream ended without an event"
            ),
        }
    }
}

/// What the source and its close handles share.
#[derive(Debug, Default)]
struct Shared {
    state: Mutex<SharedState>,
    changed: Condvar,
}

#[derive(Debug, Default)]
struct SharedState {
    /// [`SseCloseHandle::close`] was called (or the source dropped).
    closed: bool,
    /// Cancels the open stream's exchange.
    body: Option<CancelHandle>,
    /// What a reconnection thread got.
    outcome: Option<Result<Response, Error>>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, SharedState> {
        // Nothing panics while it is held: a poisoned state is consistent.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn is_closed(&self) -> bool {
        self.lock().closed
    }

    fn close(&self) {
        let (body, outcome) = {
            let mut s = self.lock();
            s.closed = true;
            self.changed.notify_all();
            (s.body.take(), s.outcome.take())
        };
        if let Some(b) = body {
            b.cancel();
        }
        // A late response is dropped here, outside the lock: that cancels its exchange.
        drop(outcome);
    }

    /// Keeps `handle` to cancel the open stream; false (and nothing kept) once closed.
    fn hold(&self, handle: CancelHandle) -> bool {
        let mut s = self.lock();
        if s.closed {
            return false;
        }
        s.body = Some(handle);
        true
    }

    fn release(&self) {
        self.lock().body = None;
    }

    /// A reconnection thread's result; dropped when the source is closed.
    fn deliver(&self, outcome: Result<Response, Error>) {
        let mut s = self.lock();
        if s.closed {
            drop(s);
            drop(outcome);
            return;
        }
        s.outcome = Some(outcome);
        self.changed.notify_all();
    }

    /// Waits until `until` (for ever when `None`), a change (close, an outcome), or a
    /// spurious wake-up; returns the outcome when `take` and one came.
    fn wait(&self, until: Option<Instant>, take: bool) -> Option<Result<Response, Error>> {
        let mut s = self.lock();
        if s.closed {
            return None;
        }
        if take && s.outcome.is_some() {
            return s.outcome.take();
        }
        s = match until {
            None => self.changed.wait(s).unwrap_or_else(PoisonError::into_inner),
            Some(at) => {
                let left = at.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return None;
                }
                self.changed
                    .wait_timeout(s, left)
                    .unwrap_or_else(PoisonError::into_inner)
                    .0
            }
        };
        if take && !s.closed {
            s.outcome.take()
        } else {
            None
        }
    }
}

/// Closes an [`EventSource`] from any thread: a blocked
/// [`next_event`](EventSource::next_event) returns `Ok(None)` at once, whether it waits for
/// stream bytes, for the reconnection delay or for a connection being opened; the open
/// stream's exchange is cancelled (an HTTP/2 stream reset, an HTTP/1.1 connection closed)
/// and no connection is opened any more. Idempotent.
///
/// ```
/// # use runtime_mio::client::{Client, ClientConfig, Request, SseConfig, Wait};
/// # use runtime_mio::server::{Response, Server, ServerConfig};
/// # let server = Server::bind("127.0.0.1:0".parse().unwrap(),
/// #     ServerConfig { threads: 1, ..ServerConfig::default() },
/// #     |_req| {
/// #         let (resp, events) = Response::sse();
/// #         // A stream that stays open and quiet until the client goes.
/// #         std::thread::spawn(move || while !events.is_closed() {
/// #             std::thread::sleep(std::time::Duration::from_millis(10));
/// #         });
/// #         resp
/// #     })
/// #     .unwrap();
/// # let client = Client::new(ClientConfig::default()).unwrap();
/// # let url = format!("http://{}/", server.local_addr());
/// let mut source = client.sse(Request::get(&url).unwrap(), SseConfig::default()).unwrap();
/// let closer = source.close_handle();
/// std::thread::spawn(move || closer.close());
/// // Blocks until the other thread closes the source (the stream itself stays quiet).
/// assert!(source.next_event(Wait::Block).unwrap().is_none());
/// # server.shutdown().unwrap();
/// ```
#[derive(Debug, Clone)]
pub struct SseCloseHandle {
    shared: Arc<Shared>,
}

impl SseCloseHandle {
    /// Closes the source.
    pub fn close(&self) {
        self.shared.close();
    }
}

/// Where the source is.
#[derive(Debug)]
enum Phase {
    /// A stream is open: its body is read and parsed.
    Open(Body),
    /// Waiting for the policy's reconnection time.
    Waiting,
    /// A reconnection thread runs the request.
    Connecting,
    /// Stopped without error: 204, or closed by the caller.
    Ended,
    /// Stopped with this error (returned by every later call).
    Failed(Error),
}

/// A Server-Sent Events source: one stream at a time, reopened by proto-sse's reconnect
/// policy when it ends or breaks. Made by [`Client::sse`].
///
/// [`next_event`](EventSource::next_event) hands out [`SseItem`]s: the events, and the
/// reconnections ([`SseItem::Retrying`] when a stream is lost or an attempt fails,
/// [`SseItem::Reconnected`] when a new stream is accepted). Every reconnection sends
/// `Last-Event-ID` (the last event ID string, when not empty) and waits the server's
/// `retry:` time first. Dropping the source closes it.
///
/// # Examples
///
/// ```
/// use runtime_mio::client::{Client, ClientConfig, Request, SseConfig, SseItem, Wait};
/// use runtime_mio::server::{Response, Server, ServerConfig};
///
/// let server = Server::bind(
///     "127.0.0.1:0".parse().unwrap(),
///     ServerConfig { threads: 1, ..ServerConfig::default() },
///     |_req| {
///         let (resp, events) = Response::sse();
///         std::thread::spawn(move || {
///             let msg = proto_sse::Message { id: Some("1"), data: "hello", ..Default::default() };
///             let _ = events.send(&msg);
///         });
///         resp
///     },
/// )
/// .unwrap();
/// let client = Client::new(ClientConfig::default()).unwrap();
/// let url = format!("http://{}/events", server.local_addr());
/// let mut source = client.sse(Request::get(&url).unwrap(), SseConfig::default()).unwrap();
/// match source.next_event(Wait::Block).unwrap() {
///     Some(SseItem::Event(e)) => assert_eq!((&*e.id, &*e.event_type, &*e.data), ("1", "message", "hello")),
///     other => panic!("{other:?}"),
/// }
/// assert_eq!(source.last_event_id(), "1");
/// source.close();
/// assert!(source.next_event(Wait::Block).unwrap().is_none());
/// server.shutdown().unwrap();
/// ```
#[derive(Debug)]
pub struct EventSource {
    client: Client,
    /// The request every connection sends (with `Last-Event-ID` added when there is one).
    base: Request,
    max_retries: Option<u32>,
    policy: Reconnect,
    parser: Parser,
    phase: Phase,
    items: VecDeque<SseItem>,
    shared: Arc<Shared>,
    version: Version,
    reconnects: u32,
    /// What the running reconnection attempt sent: failures before it, `Last-Event-ID`.
    pending: (u32, Option<String>),
}

impl EventSource {
    /// See [`Client::sse`].
    pub(crate) fn connect(
        client: &Client,
        mut req: Request,
        config: SseConfig,
    ) -> Result<EventSource, Error> {
        if matches!(req.body, ReqBody::Writer(..)) {
            return Err(Error::InvalidRequest(
                "an event source sends its request again on each reconnection: its body \
                 cannot be a BodyWriter"
                    .to_owned(),
            ));
        }
        // A `Last-Event-ID` of the caller's is where the stream resumes: the policy sends
        // it (and later ones) itself.
        let mut last_event_id = config.last_event_id.clone().unwrap_or_default();
        req.headers.retain(|(n, v)| {
            if n.eq_ignore_ascii_case("last-event-id") {
                if config.last_event_id.is_none() {
                    last_event_id = String::from_utf8_lossy(v).into_owned();
                }
                return false;
            }
            true
        });
        let has = |req: &Request, name: &str| {
            req.headers
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case(name))
        };
        if !has(&req, "accept") {
            req = req.header("Accept", "text/event-stream");
        }
        if !has(&req, "cache-control") {
            req = req.header("Cache-Control", "no-cache");
        }
        let mut timeouts = req.timeouts.unwrap_or(client.inner.config.timeouts);
        timeouts.body_idle = config.idle;
        req = req.timeouts(timeouts);

        let mut policy = Reconnect::new(config.reconnect);
        policy.on_last_event_id(&last_event_id);
        let parser = Parser::with_last_event_id(config.parser, &last_event_id);
        let mut source = EventSource {
            client: client.clone(),
            base: req,
            max_retries: config.max_retries,
            policy,
            parser,
            phase: Phase::Connecting,
            items: VecDeque::new(),
            shared: Arc::new(Shared::default()),
            version: Version::Http11,
            reconnects: 0,
            pending: (0, None),
        };
        let sent = source
            .policy
            .poll_connect()
            .and_then(|c| c.last_event_id.map(str::to_owned));
        let request = source.request(sent.as_deref());
        let resp = client.request(request)?;
        source.accept(resp, true)?;
        Ok(source)
    }

    /// The request for one connection.
    fn request(&self, last_event_id: Option<&str>) -> Request {
        let req = self.base.clone();
        match last_event_id {
            Some(id) => req.header("Last-Event-ID", id),
            None => req,
        }
    }

    /// The next item: an event, or news of a reconnection.
    ///
    /// `Ok(None)` once the source stopped without error: the server answered a
    /// reconnection with 204 No Content ([`closed`](EventSource::closed) says
    /// `NoContent`), or it was closed ([`close`](EventSource::close),
    /// [`SseCloseHandle::close`]). `wait` bounds the whole call, whatever the source is
    /// doing: reading the stream, waiting to reconnect, or opening a connection.
    ///
    /// # Errors
    /// [`Error::WouldBlock`] when nothing came within `wait` (the source goes on: call
    /// again). The source's end, returned again by every later call: [`Error::Sse`] with
    /// [`SseFailure::Status`] or [`SseFailure::ContentType`] when a reconnection's response
    /// was refused ("fail the connection": nothing more is tried), or
    /// [`SseFailure::GaveUp`] after [`SseConfig::max_retries`]; [`Error::InvalidRequest`]
    /// when a reconnection cannot be sent (the server set a last event ID that is no valid
    /// header field value). Lost streams and failed attempts are not errors: they come as
    /// [`SseItem::Retrying`].
    pub fn next_event(&mut self, wait: Wait) -> Result<Option<SseItem>, Error> {
        let (wait, deadline) = wait.start(Instant::now());
        let past_deadline = || deadline.is_some_and(|at| Instant::now() >= at);
        loop {
            if !matches!(self.phase, Phase::Ended | Phase::Failed(_)) && self.shared.is_closed() {
                self.end_by_caller();
            }
            if let Some(item) = self.items.pop_front() {
                return Ok(Some(item));
            }
            match &mut self.phase {
                Phase::Ended => return Ok(None),
                Phase::Failed(e) => return Err(e.clone()),
                Phase::Open(body) => {
                    let w = match deadline {
                        Some(at) => Wait::Timeout(at.saturating_duration_since(Instant::now())),
                        None => wait,
                    };
                    match body.chunk(w) {
                        Ok(Some(bytes)) => self.on_chunk(&bytes),
                        Ok(None) => self.lost(None),
                        Err(Error::WouldBlock) => return Err(Error::WouldBlock),
                        // Closed meanwhile: the next turn ends the source.
                        Err(Error::Cancelled) if self.shared.is_closed() => {}
                        Err(e) => self.lost(Some(e)),
                    }
                }
                Phase::Waiting => {
                    let now = Instant::now();
                    self.policy.handle_timeout(now);
                    match self.policy.poll_timeout() {
                        None => self.start_attempt(),
                        Some(at) => {
                            if wait == Wait::NoWait || past_deadline() {
                                return Err(Error::WouldBlock);
                            }
                            let until = deadline.map_or(at, |d| d.min(at));
                            let _ = self.shared.wait(Some(until), false);
                        }
                    }
                }
                Phase::Connecting => {
                    let until = match (wait, deadline) {
                        (Wait::NoWait, _) => Some(Instant::now()),
                        (_, Some(at)) => Some(at),
                        _ => None,
                    };
                    match self.shared.wait(until, true) {
                        Some(Ok(resp)) => {
                            if let Err(e) = self.accept(resp, false) {
                                self.phase = Phase::Failed(e);
                            }
                        }
                        // A request the client refuses to send (a last event ID that is
                        // no valid field value): trying again cannot help.
                        Some(Err(e @ Error::InvalidRequest(_))) => {
                            self.policy.close();
                            self.phase = Phase::Failed(e);
                        }
                        Some(Err(e)) => {
                            let now = Instant::now();
                            self.policy.on_connect_error(now);
                            self.schedule(now, Some(e));
                        }
                        None => {
                            if (wait == Wait::NoWait || past_deadline()) && !self.shared.is_closed()
                            {
                                return Err(Error::WouldBlock);
                            }
                        }
                    }
                }
            }
        }
    }

    /// Closes the source (as [`SseCloseHandle::close`]): the next
    /// [`next_event`](EventSource::next_event) returns `Ok(None)`.
    pub fn close(&mut self) {
        self.shared.close();
        self.end_by_caller();
    }

    /// A handle that closes the source from any thread.
    #[must_use]
    pub fn close_handle(&self) -> SseCloseHandle {
        SseCloseHandle {
            shared: Arc::clone(&self.shared),
        }
    }

    /// The last event ID string: what the next reconnection sends as `Last-Event-ID`
    /// (empty: none).
    #[must_use]
    pub fn last_event_id(&self) -> &str {
        self.policy.last_event_id()
    }

    /// The reconnection time: the server's last `retry:`, or
    /// [`ReconnectConfig::initial_retry`] (before the policy's floor and backoff).
    #[must_use]
    pub fn reconnection_time(&self) -> Duration {
        self.policy.reconnection_time()
    }

    /// The HTTP version of the last accepted connection.
    #[must_use]
    pub fn version(&self) -> Version {
        self.version
    }

    /// Why the source stopped, once it did: 204 No Content, a refused response, the
    /// caller. `None` while it runs (and after [`SseFailure::GaveUp`]: then
    /// [`next_event`](EventSource::next_event) returns the error).
    #[must_use]
    pub fn closed(&self) -> Option<Closed> {
        match self.policy.state() {
            proto_sse::State::Closed(c) => Some(c),
            _ => None,
        }
    }

    /// Takes a response head as the policy says: open the stream, stop (204), or fail.
    fn accept(&mut self, resp: Response, first: bool) -> Result<(), Error> {
        let content_type = resp.header("content-type").map(<[u8]>::to_vec);
        let verdict =
            self.policy
                .on_response(Instant::now(), resp.status(), content_type.as_deref());
        match verdict {
            Ok(()) => {
                if !self.shared.hold(resp.cancel_handle()) {
                    // Closed meanwhile: dropping the response cancels it.
                    self.end_by_caller();
                    return Ok(());
                }
                self.version = resp.version();
                self.phase = Phase::Open(resp.into_body());
                if !first {
                    self.reconnects = self.reconnects.saturating_add(1);
                    let (attempt, last_event_id) = std::mem::take(&mut self.pending);
                    self.items.push_back(SseItem::Reconnected {
                        reconnects: self.reconnects,
                        attempt,
                        last_event_id,
                        version: self.version,
                    });
                }
                Ok(())
            }
            Err(Closed::Status(s)) => Err(Error::Sse(SseFailure::Status(s))),
            Err(Closed::ContentType) => Err(Error::Sse(SseFailure::ContentType(
                content_type.map(|t| String::from_utf8_lossy(&t).into_owned()),
            ))),
            // 204 (or closed): no more connections, no error.
            Err(_) => {
                self.phase = Phase::Ended;
                Ok(())
            }
        }
    }

    /// Parses a chunk of the stream: its events go to the queue, and to the policy with the
    /// parser's last event ID and reconnection time.
    fn on_chunk(&mut self, chunk: &[u8]) {
        let mut broken = None;
        let mut feed = self.parser.feed(chunk);
        while let Some(r) = feed.poll_event() {
            match r {
                Ok(event) => {
                    self.policy.on_event(&event);
                    self.items.push_back(SseItem::Event(event.into()));
                }
                Err(e) => {
                    broken = Some(e);
                    break;
                }
            }
        }
        self.policy.observe(&self.parser);
        if let Some(e) = broken {
            // "the reconnect policy treats it as a failed connection": close this one.
            self.lost(Some(Error::Sse(SseFailure::Parse(e))));
        }
    }

    /// The open stream ended (`None`) or broke: the parser ends the stream, the policy
    /// schedules the next attempt.
    fn lost(&mut self, error: Option<Error>) {
        self.shared.release();
        // Dropping an unfinished body cancels its exchange.
        self.phase = Phase::Waiting;
        if let Some(event) = self.parser.finish() {
            self.policy.on_event(&event);
            self.items.push_back(SseItem::Event(event.into()));
        }
        let now = Instant::now();
        self.policy.on_disconnect(now);
        self.schedule(now, error);
    }

    /// After a loss or a failed attempt: give up, or wait for the policy's delay.
    fn schedule(&mut self, now: Instant, error: Option<Error>) {
        let failures = self.policy.failures();
        if self.max_retries.is_some_and(|max| failures > max) {
            self.policy.close();
            self.phase = Phase::Failed(Error::Sse(SseFailure::GaveUp {
                failures,
                last: error.map(Box::new),
            }));
            return;
        }
        let delay = self
            .policy
            .poll_timeout()
            .map_or(Duration::ZERO, |at| at.saturating_duration_since(now));
        self.items.push_back(SseItem::Retrying {
            error,
            delay,
            failures,
        });
        self.phase = Phase::Waiting;
    }

    /// Starts a reconnection on a thread of its own.
    fn start_attempt(&mut self) {
        let Some(connect) = self.policy.poll_connect() else {
            // Not the policy's time (it is closed): nothing more to do.
            self.phase = Phase::Ended;
            return;
        };
        let attempt = connect.attempt;
        let last_event_id = connect.last_event_id.map(str::to_owned);
        let req = self.request(last_event_id.as_deref());
        self.pending = (attempt, last_event_id);
        let client = self.client.clone();
        let shared = Arc::clone(&self.shared);
        let spawned = std::thread::Builder::new()
            .name("wire-sse-connect".into())
            .spawn(move || shared.deliver(client.request(req)));
        match spawned {
            Ok(_) => self.phase = Phase::Connecting,
            Err(e) => {
                let now = Instant::now();
                self.policy.on_connect_error(now);
                self.schedule(now, Some(Error::Io(Arc::new(e))));
            }
        }
    }

    fn end_by_caller(&mut self) {
        self.policy.close();
        self.items.clear();
        self.shared.release();
        // Dropping the body (if any) cancels its exchange.
        self.phase = Phase::Ended;
    }
}

impl Drop for EventSource {
    fn drop(&mut self) {
        self.shared.close();
    }
}
