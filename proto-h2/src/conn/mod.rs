//! The HTTP/2 connection: one type for both roles.
//!
//! # Call order
//! A [`Connection`] never touches a socket or a clock. The caller:
//! 1. feeds what it read with [`Connection::recv`]`(now, bytes)` (it buffers partial frames
//!    itself, so any split of the input gives the same result);
//! 2. drains [`Connection::poll_event`] until `None` (requests, responses, data, resets, ...),
//!    pulls body bytes with [`Connection::read_data`] (which is what returns flow-control
//!    credit to the peer), and issues commands (`send_request`, `send_response`, `send_data`,
//!    `send_trailers`, `reset`, `ping`, `go_away`, `push_promise`). `send_data` takes at most
//!    [`Limits::max_send_queue`] bytes beyond what flow control lets go and says how many it
//!    took; the rest is offered again after [`Event::SendReady`];
//! 3. while [`Connection::wants_write`] is true, calls
//!    [`Connection::poll_transmit`]`(now, &mut out)` and writes `out` followed by the payload
//!    it may hand back (a vectored write; the payload is never copied);
//! 4. sleeps until [`Connection::poll_timeout`] or readable input, and calls
//!    [`Connection::handle_timeout`] when the deadline passes.
//!
//! Replies the RFC demands (SETTINGS ACK, PING ACK, RST_STREAM and GOAWAY on errors) are
//! queued by the connection itself and reported as events. A protocol error queues its
//! GOAWAY before `recv` returns `Err`; the error is sticky.
//!
//! ```
//! use proto_h2::conn::{Config, Connection, Event, Request, Role};
//! use std::time::Instant;
//!
//! // `now` comes from the caller's clock; the connection never reads one.
//! fn first_request(now: Instant) {
//!     let mut client = Connection::new(Role::Client, Config::client(), now);
//!     let mut server = Connection::new(Role::Server, Config::server(), now);
//!     let req = Request::get(b"http", b"example.com", b"/");
//!     let id = client.send_request(&req, true).unwrap();
//!     let mut wire = Vec::new();
//!     while client.poll_transmit(now, &mut wire).is_some() {}
//!     server.recv(now, &wire).unwrap();
//!     let mut saw_request = false;
//!     while let Some(ev) = server.poll_event() {
//!         if let Event::Request { stream, head, .. } = ev {
//!             assert_eq!(stream, id);
//!             assert_eq!(head.path(), Some(&b"/"[..]));
//!             saw_request = true;
//!         }
//!     }
//!     assert!(saw_request);
//! }
//! ```

mod config;
mod control;
mod defences;
mod eof;
mod event;
mod fingerprint;
mod headers;
mod hibernate;
mod recv;
mod send;
mod settings;
mod store;
mod timers;
mod transmit;

pub use config::{Config, Limits, Pseudo};
pub use event::Event;
pub use fingerprint::{MAX_PRIORITIES, MAX_SETTINGS, PeerFingerprint};
pub use hibernate::Hibernated;
pub use send::Request;

use crate::error::Error;
use crate::flow::{Bdp, RecvWindow, Window};
use crate::frame::{self, Frame, StreamId};
use crate::head::Head;
use crate::hpack::{self};
use crate::id_hash::StreamMap;
use crate::settings::{DEFAULT_WINDOW, Settings};
use crate::stream::State;
use bytes::BytesMut;
use defences::Budgets;
use headers::Partial;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::time::{Duration, Instant};
use store::{Closure, Stream};

/// The client connection preface (RFC 9113 3.4).
pub const PREFACE: &[u8; 24] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// The debug data of a received GOAWAY is cut to this many bytes in [`Event::GoAway`] (it is
/// copied, so the event does not hold the frame's buffer).
pub const GOAWAY_DEBUG_MAX: usize = 256;

/// Payloads at least this long are handed back by [`Connection::poll_transmit`] for a
/// vectored write instead of being copied into the output buffer.
pub const VECTORED_MIN: usize = 1024;

/// The scratch buffers a connection reuses across messages (the decoded header block, the
/// spare per-stream send queues) are kept only up to about this many bytes each; a larger one
/// (from an unusually large head) is freed after use, so an idle connection holds no large
/// buffer.
const SCRATCH_KEEP: usize = 4096;

/// Which side of the connection we are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// We sent the preface and open odd streams.
    Client,
    /// We accept the preface and open even (pushed) streams.
    Server,
}

/// An HTTP/2 connection in either role. See the [module documentation](self) for the call
/// order.
///
/// # Memory bounds
/// - Unread body bytes: at most the connection receive window we advertise
///   ([`Config::connection_window`], or its BDP growth up to [`Config::bdp_max_window`]),
///   since credit returns only when the application reads ([`Connection::read_data`]) or
///   the stream is dropped; and no more than a stream's window per stream. The memory that
///   holds them is about that much again at most (small payloads are gathered in a buffer
///   that grows by doubling) plus a constant per chunk of 1 KiB or more: a DATA frame never
///   keeps alive the read it arrived in, nor any other frame's bytes. Only one partial frame
///   (at most the maximum frame size) is buffered between reads.
/// - Streams the peer opens: at most our SETTINGS_MAX_CONCURRENT_STREAMS (or
///   [`Limits::max_concurrent_streams`]) are tracked at once; a stream counts until it is
///   gone from the table, so one answered but with its request body unread still counts, and
///   new streams above the limit are refused with REFUSED_STREAM (RFC 9113 5.1.2). The count
///   is kept as streams come and go (no scan per new stream).
/// - A server that completes its response while the request is still open resets the stream
///   with NO_ERROR right after the response (RFC 9113 8.1), drops its unread body and releases
///   it ([`Event::Reset`] with `remote: false` reports it); read the body first if it is
///   needed. A client that receives such a RST_STREAM after a complete response keeps the
///   response readable and stops sending.
/// - Body bytes we send: a stream queues at most [`Limits::max_send_queue`] bytes beyond
///   what its send window and the connection's let go ([`Connection::send_data`] returns how
///   much of what it was offered it took, and [`Event::SendReady`] says when to offer more),
///   so a handler that writes faster than the peer reads is held back instead of filling
///   memory. The window part is the peer's to grant (at most 2^31-1, shared by all streams
///   for the connection window) and leaves at the next `poll_transmit`.
/// - Buffers reused across messages: the scratch head header blocks are decoded into, the
///   buffer our header blocks are encoded into and the control-frame output buffer are kept
///   only while at most 4 KiB each; the send queues of dropped streams are kept for new streams,
///   at most 8 of at most 1 KiB each. A buffer grown larger (a large head, many queued
///   chunks) is freed after use, so an idle connection keeps no large buffer.
#[derive(Debug)]
pub struct Connection {
    role: Role,
    config: Config,
    now: Instant,
    preface: usize,
    got_settings: bool,
    rx: BytesMut,
    local: Settings,
    pending_settings: VecDeque<(Vec<(u16, u32)>, Instant)>,
    acked_local: Settings,
    remote: Settings,
    decoder: hpack::Decoder,
    encoder: hpack::Encoder,
    scratch: Vec<u8>,
    /// Where header blocks are decoded before being copied out at their exact size; kept
    /// only while it holds at most [`SCRATCH_KEEP`] bytes.
    head_scratch: Head,
    /// Emptied send queues of dropped streams, reused by new streams (bounded, see
    /// `store::recycle`).
    spare_queues: Vec<VecDeque<bytes::Bytes>>,
    /// Heads the application gave back ([`Connection::recycle_head`]), reused for the next
    /// heads received (bounded, see `store::SPARE_HEADS`). Boxed on purpose: the box of an
    /// [`Event::Request`]'s head is reused as well as its buffer.
    #[allow(clippy::vec_box)]
    spare_heads: Vec<Box<Head>>,
    streams: StreamMap<Stream>,
    closed: StreamMap<Closure>,
    closed_order: VecDeque<u32>,
    next_local: u32,
    last_peer: u32,
    conn_send: Window,
    conn_recv: RecvWindow,
    partial: Option<Partial>,
    events: VecDeque<Event>,
    ctrl: Vec<u8>,
    queued_acks: u32,
    send_queue: VecDeque<u32>,
    goaway_sent: Option<u32>,
    goaway_recv: Option<u32>,
    /// When the peer's first GOAWAY arrived ([`Config::goaway_grace`]).
    goaway_recv_at: Option<Instant>,
    error: Option<Error>,
    stall_since: Option<Instant>,
    bdp: Option<Bdp>,
    bdp_wants_ping: bool,
    bdp_acked: bool,
    draining: bool,
    /// The transport reached end of stream ([`Connection::recv_eof`]).
    eof: bool,
    /// Stream stall deadlines (deadline, stream id), earliest first; at most one entry per
    /// stream (`Stream::in_stalls`), checked lazily against `Stream::stalled_since`.
    stalls: BinaryHeap<Reverse<(Instant, u32)>>,
    /// When the last frame arrived (keep-alive).
    last_recv: Instant,
    /// The last time the connection was seen busy: a frame other than PING arrived, or a
    /// stream was open (idle timeout).
    busy_at: Instant,
    /// A stream was dropped since `busy_at` was last brought up to date.
    stream_dropped: bool,
    /// When our keep-alive PING went out, while it waits for an answer.
    keepalive_sent: Option<Instant>,
    /// PINGs sent by `ping` and not yet acknowledged.
    pings_out: u32,
    /// Every rate limit's counter (resets, refused streams, empty DATA, ignored and control
    /// frames): see [`defences`].
    budgets: Budgets,
    /// Request streams the peer opened that are still tracked, whatever their state (a
    /// stream answered but with its body unread included): what SETTINGS_MAX_CONCURRENT_STREAMS
    /// is checked against, counted as streams come and go.
    peer_streams: u32,
    /// Streams waiting for [`Event::SendReady`] (each with `Stream::send_waiting` set; a
    /// stream gone since is dropped from the list when it is next walked). At most one entry
    /// per stream.
    send_waiters: Vec<u32>,
    /// The peer's fingerprint fields, recorded until its first HEADERS.
    fingerprint: PeerFingerprint,
}

impl Connection {
    /// A new connection at time `now`. A client queues the preface; both roles queue their
    /// SETTINGS (and the connection WINDOW_UPDATE) for the first `poll_transmit`.
    pub fn new(role: Role, config: Config, now: Instant) -> Self {
        let mut local = Settings::default();
        for &(i, v) in &config.settings {
            // A value out of range in our own configuration is skipped, not sent as is.
            let _ = local.apply(i, v);
        }
        let mut ctrl = Vec::with_capacity(128);
        if role == Role::Client {
            ctrl.extend_from_slice(PREFACE);
        }
        let params: Vec<(u16, u32)> = config
            .settings
            .iter()
            .copied()
            .filter(|&(i, v)| Settings::default().apply(i, v).is_ok())
            .collect();
        frame::encode_settings(&params, &mut ctrl);
        // RFC 9113 6.9.1: a window above 2^31-1 is a flow-control error; ours stops there.
        let target = config
            .connection_window
            .clamp(DEFAULT_WINDOW, crate::settings::MAX_WINDOW);
        let conn_recv = RecvWindow::new(target, target);
        if target > DEFAULT_WINDOW {
            let inc = target - DEFAULT_WINDOW;
            Frame::WindowUpdate(frame::WindowUpdate {
                stream: StreamId::ZERO,
                increment: inc,
            })
            .encode(&mut ctrl);
        }
        let mut decoder = hpack::Decoder::new();
        let list = local
            .max_header_list_size
            .map_or(config.limits.max_header_list_size, |v| v as usize);
        decoder.set_max_header_list_size(list);
        let bdp = config.bdp_max_window.map(Bdp::new);
        Connection {
            role,
            now,
            preface: if role == Role::Server {
                0
            } else {
                PREFACE.len()
            },
            got_settings: false,
            rx: BytesMut::new(),
            local,
            pending_settings: VecDeque::from([(params, now)]),
            acked_local: Settings::default(),
            remote: Settings::default(),
            decoder,
            encoder: hpack::Encoder::new(),
            scratch: Vec::new(),
            head_scratch: Head::default(),
            spare_queues: Vec::new(),
            spare_heads: Vec::new(),
            streams: StreamMap::default(),
            closed: StreamMap::default(),
            closed_order: VecDeque::new(),
            next_local: if role == Role::Client { 1 } else { 2 },
            last_peer: 0,
            conn_send: Window::new(DEFAULT_WINDOW),
            conn_recv,
            partial: None,
            events: VecDeque::new(),
            ctrl,
            queued_acks: 0,
            send_queue: VecDeque::new(),
            goaway_sent: None,
            goaway_recv: None,
            goaway_recv_at: None,
            error: None,
            stall_since: None,
            bdp,
            bdp_wants_ping: false,
            bdp_acked: false,
            draining: false,
            eof: false,
            stalls: BinaryHeap::new(),
            last_recv: now,
            busy_at: now,
            stream_dropped: false,
            keepalive_sent: None,
            pings_out: 0,
            budgets: Budgets::NEW,
            peer_streams: 0,
            send_waiters: Vec::new(),
            fingerprint: PeerFingerprint::default(),
            config,
        }
    }

    /// Our role.
    pub fn role(&self) -> Role {
        self.role
    }

    /// The peer's SETTINGS as applied so far.
    pub fn remote_settings(&self) -> &Settings {
        &self.remote
    }

    /// Our SETTINGS as sent (enforced from the moment they are sent).
    pub fn local_settings(&self) -> &Settings {
        &self.local
    }

    /// The connection error that ended the connection, if any.
    pub fn error(&self) -> Option<&Error> {
        self.error.as_ref()
    }

    /// A stream's state; `None` for a stream that is idle or forgotten.
    pub fn stream_state(&self, stream: StreamId) -> Option<State> {
        self.streams.get(&stream.value()).map(|s| s.state)
    }

    /// Streams currently tracked.
    pub fn stream_count(&self) -> usize {
        self.streams.len()
    }

    /// How many bytes `send_data` could send on `stream` right now (both windows).
    pub fn send_capacity(&self, stream: StreamId) -> u32 {
        self.streams.get(&stream.value()).map_or(0, |s| {
            s.send
                .available()
                .min(self.conn_send.available())
                .saturating_sub(s.out_len as u32)
        })
    }

    /// How many body bytes [`Connection::send_data`] would take on `stream` now:
    /// [`Limits::max_send_queue`] plus what the stream's and the connection's send windows
    /// allow, less what is already queued (0 for a stream that cannot send).
    pub fn send_room(&self, stream: StreamId) -> usize {
        self.streams
            .get(&stream.value())
            .map_or(0, |s| self.room(s))
    }

    /// Body bytes received on `stream` and not yet read.
    pub fn buffered(&self, stream: StreamId) -> usize {
        self.streams
            .get(&stream.value())
            .map_or(0, |s| s.inbuf.len())
    }

    /// The connection receive window the peer sees.
    pub fn connection_recv_window(&self) -> i32 {
        self.conn_recv.window().size()
    }

    /// The size the connection receive window is kept topped up to (grows with BDP probing).
    pub fn connection_recv_target(&self) -> u32 {
        self.conn_recv.target()
    }

    /// A stream's receive window (what the peer may still send).
    pub fn stream_recv_window(&self, stream: StreamId) -> Option<i32> {
        self.streams
            .get(&stream.value())
            .map(|s| s.recv.window().size())
    }

    /// The connection send window.
    pub fn connection_send_window(&self) -> i32 {
        self.conn_send.size()
    }

    /// The last round-trip time measured by BDP probing.
    pub fn rtt(&self) -> Option<Duration> {
        self.bdp.and_then(|b| b.rtt())
    }

    /// True once the connection has nothing left to do: it failed, or a GOAWAY was sent or
    /// received and every stream is finished (after the peer's GOAWAY, also once
    /// [`Config::goaway_grace`] is over). Flush `poll_transmit` and close the socket.
    pub fn is_closed(&self) -> bool {
        self.error.is_some()
            || (!self.draining
                && (self.goaway_sent.is_some() || self.goaway_recv.is_some())
                && self.streams.values().all(|s| s.state == State::Closed)
                && !self.in_goaway_grace())
    }

    /// The peer's GOAWAY holds the connection open ([`Config::goaway_grace`]): it came, and
    /// neither has the grace passed, nor did the peer end its side, nor did we send a GOAWAY
    /// of our own. A grace too long for `Instant` never passes.
    pub(super) fn in_goaway_grace(&self) -> bool {
        match (self.goaway_recv_at, self.config.goaway_grace) {
            (Some(at), Some(grace)) if self.goaway_sent.is_none() && !self.eof => {
                timers::expiry(at, grace).is_none_or(|end| self.now < end)
            }
            _ => false,
        }
    }

    /// Gives back the memory an idle connection need not hold, when it has no open stream and
    /// nothing half-received or waiting to be written (otherwise it does nothing and returns
    /// `false`): the peer's HPACK table is compacted to its live entries, our encoder's
    /// table and lookup caches are dropped ([`hpack::Encoder::reset_table`]: the next header
    /// block starts with size updates to 0 and back; up to some 38 KiB at the default table
    /// size once the tables have grown; they start small, so a connection that carried only a
    /// few small header blocks holds a few KiB without this), the receive, scratch and control
    /// buffers and the event and stream collections freed. The peer's table entries and every
    /// setting are kept, and the next stream grows what it needs back (as much allocation as
    /// was given back, and a few microseconds, so call this after an idle period, not after
    /// every stream; the runtime waits a second). [`Connection::hibernate`] goes further.
    pub fn shrink(&mut self) -> bool {
        if !self.streams.is_empty()
            || !self.events.is_empty()
            || !self.rx.is_empty()
            || !self.ctrl.is_empty()
            || self.partial.is_some()
        {
            return false;
        }
        self.encoder.reset_table();
        self.decoder.shrink();
        self.rx = BytesMut::new();
        self.scratch = Vec::new();
        self.ctrl = Vec::new();
        self.head_scratch = Head::default();
        self.spare_queues = Vec::new();
        self.spare_heads = Vec::new();
        self.streams = StreamMap::default();
        self.events = VecDeque::new();
        self.send_queue = VecDeque::new();
        self.send_waiters = Vec::new();
        self.stalls.shrink_to_fit();
        self.closed.shrink_to_fit();
        self.closed_order.shrink_to_fit();
        true
    }

    /// Heap bytes held by the buffers and tables [`shrink`](Self::shrink) gives back (the
    /// HPACK tables and caches, the receive, scratch and control buffers); not the stream
    /// collections.
    #[must_use]
    pub fn heap_size(&self) -> usize {
        self.encoder.heap_size()
            + self.decoder.heap_size()
            + self.rx.capacity()
            + self.scratch.capacity()
            + self.ctrl.capacity()
            + self
                .spare_heads
                .iter()
                .map(|h| std::mem::size_of::<Head>() + h.fields.heap_bytes())
                .sum::<usize>()
    }

    /// Whether [`Connection::poll_transmit`] has bytes to give now (the engine contract's
    /// "output is pending"): queued control frames, a BDP probe PING, or stream data a window
    /// lets go. Data waiting on a zero flow-control window does not count (a WINDOW_UPDATE
    /// must come first), so an event loop that writes while this is true does not spin on a
    /// stalled stream; the end of a stream (an empty END_STREAM DATA frame or trailers) needs
    /// no window and counts. After a connection error only its GOAWAY is left to write.
    pub fn wants_write(&self) -> bool {
        if !self.ctrl.is_empty() {
            return true;
        }
        if self.error.is_some() {
            return false;
        }
        if self.bdp_wants_ping && self.bdp.is_some() {
            return true;
        }
        let conn_open = self.conn_send.available() > 0;
        self.send_queue.iter().any(|id| {
            self.streams.get(id).is_some_and(|s| {
                if s.out_len > 0 {
                    conn_open && s.send.available() > 0
                } else {
                    s.out_end
                }
            })
        })
    }

    pub(super) fn fail(&mut self, e: Error) -> Error {
        if self.error.is_none() {
            let code = e.code();
            let debug = e.to_string();
            let debug = &debug.as_bytes()[..debug.len().min(128)];
            Frame::GoAway(frame::GoAway {
                last_stream: StreamId::new(self.last_peer),
                code,
                debug,
            })
            .encode(&mut self.ctrl);
            self.goaway_sent = Some(self.last_peer);
            self.error = Some(e.clone());
            self.partial = None;
        }
        e
    }
}
