//! The HTTP/2 connection: one type for both roles.
//!
//! # Call order
//! A [`Connection`] never touches a socket or a clock. The caller:
//! 1. feeds what it read with [`Connection::recv`]`(now, bytes)` (it buffers partial frames
//!    itself, so any split of the input gives the same result);
//! 2. drains [`Connection::poll_event`] until `None` (requests, responses, data, resets, ...),
//!    pulls body bytes with [`Connection::read_data`] (which is what returns flow-control
//!    credit to the peer), and issues commands (`send_request`, `send_response`, `send_data`,
//!    `send_trailers`, `reset`, `ping`, `go_away`, `push_promise`);
//! 3. calls [`Connection::poll_transmit`]`(now, &mut out)` until it returns `None` and `out`
//!    stops growing, writing `out` (and any payload handed back) to the socket;
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

use crate::error::{Error, StreamError, UserError};
use crate::flow::{Bdp, RecvWindow, Window};
use crate::frame::{
    self, ErrorCode, Frame, FrameError, FrameHeader, HEADER_LEN, Priority, StreamId, flag, kind,
};
use crate::head::{self, Collector, Fields, Head, Kind, Malformed};
use crate::hpack::{self, DecodeError};
use crate::recvbuf::RecvBuf;
use crate::settings::{DEFAULT_WINDOW, Settings, id as sid};
use crate::stream::{Event as Ev, Reaction, Side, State, StateError};
use bytes::{Bytes, BytesMut};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::time::{Duration, Instant};

/// The client connection preface (RFC 9113 3.4).
pub const PREFACE: &[u8; 24] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// The PING payload that measures the round trip of a graceful shutdown.
const DRAIN_PING: [u8; 8] = *b"h2-drain";

/// The PING payload of keep-alive probes ([`Config::keepalive_interval`]).
const KEEPALIVE_PING: [u8; 8] = *b"h2-alive";

/// The debug data of a received GOAWAY is cut to this many bytes in [`Event::GoAway`] (it is
/// copied, so the event does not hold the frame's buffer).
pub const GOAWAY_DEBUG_MAX: usize = 256;

/// Payloads at least this long are handed back by [`Connection::poll_transmit`] for a
/// vectored write instead of being copied into the output buffer.
pub const VECTORED_MIN: usize = 1024;

/// Which side of the connection we are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// We sent the preface and open odd streams.
    Client,
    /// We accept the preface and open even (pushed) streams.
    Server,
}

/// A request pseudo-header, for [`Config::pseudo_order`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Pseudo {
    /// `:method` (`m` in the Akamai fingerprint).
    Method,
    /// `:authority` (`a`).
    Authority,
    /// `:scheme` (`s`).
    Scheme,
    /// `:path` (`p`).
    Path,
}

/// Limits and defences; every one has a safe default.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Decoded header list size (name + value + 32 per field) above which a block is refused
    /// with ENHANCE_YOUR_CALM (HPACK bombs). Used when our SETTINGS do not set one.
    pub max_header_list_size: usize,
    /// Compressed header block size (HEADERS plus CONTINUATIONs) above which the connection
    /// ends with ENHANCE_YOUR_CALM.
    pub max_header_block: usize,
    /// CONTINUATION frames per header block (CONTINUATION floods).
    pub max_continuations: u32,
    /// SETTINGS and PING acknowledgements queued and not yet taken by `poll_transmit`: a
    /// peer that sends PINGs but does not read (so the caller stops calling
    /// `poll_transmit`) makes us queue at most this many ACKs before the connection ends with
    /// ENHANCE_YOUR_CALM ([`Error::ControlFlood`]). Default 256 (4.3 KiB of PING ACKs). How
    /// many the peer may make us send at all is bounded by `max_pings` and `max_settings`.
    pub max_queued_acks: u32,
    /// Streams the peer may reset per `reset_window` (rapid reset, CVE-2023-44487).
    pub max_remote_resets: u32,
    /// Streams the peer may make us reset per `reset_window` ("MadeYouReset").
    pub max_local_resets: u32,
    /// Streams we may refuse per `reset_window` before the connection ends.
    pub max_refused: u32,
    /// Empty DATA frames without END_STREAM the peer may send per `reset_window`
    /// (CVE-2019-9518, "empty frames flood").
    pub max_empty_frames: u32,
    /// The window the counters above are taken over.
    pub reset_window: Duration,
    /// Concurrent streams we accept when our SETTINGS do not say. Streams answered but with
    /// their body still unread count until read (see [`Connection`], "Memory bounds").
    pub max_concurrent_streams: u32,
    /// Closed streams remembered to tell "closed" from "idle" and to ignore late frames.
    pub max_closed_remembered: usize,
    /// How long queued data may wait on a zero *connection* send window before the
    /// connection ends ([`Error::WindowStall`]). Default 60 s.
    pub stall_timeout: Option<Duration>,
    /// How long a stream's queued data may wait on that stream's zero send window before the
    /// stream is reset with CANCEL ([`StreamError::WindowStall`], reported as
    /// [`Event::Reset`]); the connection goes on. Default 60 s.
    pub stream_stall_timeout: Option<Duration>,
    /// Frames that cost work and change nothing, per `reset_window`: PRIORITY frames
    /// (CVE-2019-9513), frames of unknown type, WINDOW_UPDATE, RST_STREAM, PRIORITY or
    /// HEADERS on streams already closed or above our GOAWAY, and PING or SETTINGS
    /// acknowledgements nobody asked for. Above it the connection ends with
    /// ENHANCE_YOUR_CALM ([`Error::IgnoredFrameFlood`]). Default 1000 per 10 s, the burst
    /// nghttp2's "glitch" limiter allowed when it was introduced; late DATA on streams we
    /// reset is not counted (flow control bounds it).
    pub max_ignored_frames: u32,
    /// Parameters one SETTINGS frame may carry (CVE-2020-11080: each costs work, and a
    /// 16 KiB frame holds 2730). Default 32, as nghttp2; above it ENHANCE_YOUR_CALM
    /// ([`Error::TooManySettings`]).
    pub max_settings_params: usize,
    /// PINGs (without ACK) the peer may send per `reset_window` (CVE-2019-9512 "ping flood":
    /// each costs an ACK even when the peer reads it). Each DATA frame we send gives one free
    /// PING on top (a peer probing the bandwidth-delay product pings as our data arrives).
    /// Above it the connection ends with ENHANCE_YOUR_CALM ([`Error::ControlFrameFlood`]).
    /// Default 1000 per 10 s: a keep-alive or health-check PING a second uses 10.
    pub max_pings: u32,
    /// SETTINGS frames (without ACK) the peer may send per `reset_window` (CVE-2019-9515
    /// "settings flood": each costs an ACK, an event and, when the initial window changes, a
    /// walk over all streams). Above it ENHANCE_YOUR_CALM ([`Error::ControlFrameFlood`]).
    /// Default 100 per 10 s; a browser sends one per connection, a peer growing its windows
    /// a few.
    pub max_settings: u32,
    /// WINDOW_UPDATE frames on stream 0 the peer may send per `reset_window` beyond one per
    /// DATA frame we sent (a peer may credit every DATA frame it receives, and those are
    /// never counted). Above it ENHANCE_YOUR_CALM ([`Error::ControlFrameFlood`]). Default 1000
    /// per 10 s.
    pub max_connection_window_updates: u32,
    /// GOAWAY frames after the first that lower the last stream id, per `reset_window` (each
    /// walks our streams and reports the refused ones). A GOAWAY that does not lower it
    /// changes nothing and is counted with `max_ignored_frames` instead, with no walk and no
    /// event. Above it ENHANCE_YOUR_CALM ([`Error::ControlFrameFlood`]). Default 10 per 10 s
    /// (a graceful shutdown sends two GOAWAYs).
    pub max_goaways: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_header_list_size: 64 * 1024,
            max_header_block: 256 * 1024,
            max_continuations: 64,
            max_queued_acks: 256,
            max_remote_resets: 200,
            max_local_resets: 200,
            max_refused: 200,
            max_empty_frames: 1000,
            reset_window: Duration::from_secs(10),
            max_concurrent_streams: 100,
            max_closed_remembered: 1024,
            stall_timeout: Some(Duration::from_secs(60)),
            stream_stall_timeout: Some(Duration::from_secs(60)),
            max_ignored_frames: 1000,
            max_settings_params: 32,
            max_pings: 1000,
            max_settings: 100,
            max_connection_window_updates: 1000,
            max_goaways: 10,
        }
    }
}

/// How a connection behaves: the SETTINGS it sends (order included), windows, fingerprint
/// controls and limits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// The SETTINGS parameters we send, in this order (identifier, value). Their values are
    /// also what we enforce.
    pub settings: Vec<(u16, u32)>,
    /// The connection receive window we want; if above 65535 a WINDOW_UPDATE with the
    /// difference follows our SETTINGS.
    pub connection_window: u32,
    /// Priority fields on the HEADERS of our requests (client fingerprint).
    pub headers_priority: Option<Priority>,
    /// The order of the request pseudo-headers (any permutation).
    pub pseudo_order: [Pseudo; 4],
    /// The order of regular request fields (client fingerprint): names listed here go first,
    /// in this order; the others follow in the order the caller gave. Empty: caller's order.
    pub header_order: Vec<Vec<u8>>,
    /// How long the peer has to acknowledge our SETTINGS.
    pub settings_timeout: Duration,
    /// BDP-style window growth up to this window (None: off).
    pub bdp_max_window: Option<u32>,
    /// Limits and defences.
    pub limits: Limits,
    /// With no stream open and no frame other than PING received for this long, the
    /// connection shuts down gracefully: GOAWAY(NO_ERROR) naming the last stream the peer
    /// opened, after which [`Connection::is_closed`] is true. PINGs do not count as activity,
    /// so the peer's (or our own) keep-alive does not hold an idle connection open. Default:
    /// off for clients (the pool decides), 75 s for servers (nginx's keep-alive default; it
    /// also closes a connection that never sends a request).
    pub idle_timeout: Option<Duration>,
    /// With nothing received for this long, send a keep-alive PING (RFC 9113 6.7). Default:
    /// off.
    pub keepalive_interval: Option<Duration>,
    /// How long after a keep-alive PING some frame (its ACK or anything else) must arrive;
    /// otherwise the connection ends with [`Error::KeepaliveTimeout`]. Used only with
    /// `keepalive_interval`. Default 20 s (as hyper).
    pub keepalive_timeout: Duration,
}

impl Config {
    /// Client defaults: push refused (ENABLE_PUSH 0), 1 MiB stream windows, 4 MiB connection
    /// window, `m,s,a,p` pseudo-header order.
    pub fn client() -> Self {
        Config {
            settings: vec![
                (sid::ENABLE_PUSH, 0),
                (sid::INITIAL_WINDOW_SIZE, 1 << 20),
                (sid::MAX_HEADER_LIST_SIZE, 64 * 1024),
            ],
            connection_window: 4 << 20,
            headers_priority: None,
            pseudo_order: [
                Pseudo::Method,
                Pseudo::Scheme,
                Pseudo::Authority,
                Pseudo::Path,
            ],
            header_order: Vec::new(),
            settings_timeout: Duration::from_secs(10),
            bdp_max_window: None,
            limits: Limits::default(),
            idle_timeout: None,
            keepalive_interval: None,
            keepalive_timeout: Duration::from_secs(20),
        }
    }

    /// Server defaults: 100 concurrent streams, default stream windows, 1 MiB connection
    /// window, extended CONNECT off, 75 s idle timeout.
    pub fn server() -> Self {
        Config {
            settings: vec![
                (sid::MAX_CONCURRENT_STREAMS, 100),
                (sid::MAX_HEADER_LIST_SIZE, 64 * 1024),
            ],
            connection_window: 1 << 20,
            idle_timeout: Some(Duration::from_secs(75)),
            ..Config::client()
        }
    }

    /// Chrome's HTTP/2 client fingerprint: Akamai
    /// `1:65536;2:0;4:6291456;6:262144|15663105|0|m,a,s,p`, HEADERS with exclusive
    /// dependency on 0 and weight 256.
    pub fn chrome() -> Self {
        Config {
            settings: vec![
                (sid::HEADER_TABLE_SIZE, 65536),
                (sid::ENABLE_PUSH, 0),
                (sid::INITIAL_WINDOW_SIZE, 6_291_456),
                (sid::MAX_HEADER_LIST_SIZE, 262_144),
            ],
            connection_window: 15_663_105 + DEFAULT_WINDOW,
            headers_priority: Some(Priority {
                exclusive: true,
                dependency: StreamId::ZERO,
                weight: 255,
            }),
            pseudo_order: [
                Pseudo::Method,
                Pseudo::Authority,
                Pseudo::Scheme,
                Pseudo::Path,
            ],
            ..Config::client()
        }
    }
}

/// A request head to send.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Request<'a> {
    /// `:method`.
    pub method: &'a [u8],
    /// `:scheme` (not sent for plain CONNECT).
    pub scheme: &'a [u8],
    /// `:authority`.
    pub authority: &'a [u8],
    /// `:path` (not sent for plain CONNECT).
    pub path: &'a [u8],
    /// `:protocol` for extended CONNECT (RFC 8441), e.g. `websocket`.
    pub protocol: Option<&'a [u8]>,
    /// Regular fields, sent in this order (lowercase names).
    pub headers: &'a [(&'a [u8], &'a [u8])],
}

impl<'a> Request<'a> {
    /// A GET without extra fields.
    pub fn get(scheme: &'a [u8], authority: &'a [u8], path: &'a [u8]) -> Self {
        Request {
            method: b"GET",
            scheme,
            authority,
            path,
            protocol: None,
            headers: &[],
        }
    }
}

/// What the peer said. Body bytes are not in [`Event::Data`]: pull them with
/// [`Connection::read_data`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// A request arrived (server).
    Request {
        /// The new stream.
        stream: StreamId,
        /// The head.
        head: Box<Head>,
        /// No body follows.
        end_stream: bool,
    },
    /// A response head arrived (client); 1xx heads are informational and a final one follows.
    Response {
        /// The stream.
        stream: StreamId,
        /// The head.
        head: Box<Head>,
        /// No body follows.
        end_stream: bool,
    },
    /// Trailers arrived; the stream's body is complete.
    Trailers {
        /// The stream.
        stream: StreamId,
        /// The trailer fields.
        fields: Fields,
    },
    /// `len` body bytes arrived on `stream`; read them with [`Connection::read_data`].
    Data {
        /// The stream.
        stream: StreamId,
        /// Bytes (padding excluded).
        len: usize,
        /// The body is complete.
        end_stream: bool,
    },
    /// The server promised a pushed response (client with push enabled).
    PushPromise {
        /// The request stream it belongs to.
        stream: StreamId,
        /// The reserved stream the response will come on.
        promised: StreamId,
        /// The promised request.
        head: Box<Head>,
    },
    /// A stream was reset: by the peer (`remote`), or by us because the peer broke a rule.
    Reset {
        /// The stream.
        stream: StreamId,
        /// The code.
        code: ErrorCode,
        /// Whether the peer sent the RST_STREAM.
        remote: bool,
        /// Why we reset it, when we did: the rule the peer broke, or
        /// [`StreamError::WindowStall`] when its window kept our data waiting too long.
        error: Option<StreamError>,
    },
    /// The peer's SETTINGS, applied and acknowledged.
    Settings(Settings),
    /// The peer acknowledged our SETTINGS.
    SettingsAcked,
    /// The peer sent a PING; the ACK is already queued.
    Ping([u8; 8]),
    /// The peer acknowledged our PING.
    PingAck([u8; 8]),
    /// The peer is going away: streams above `last_stream` that we opened were not processed.
    /// Reported for the first GOAWAY and for each later one that lowers the last stream id;
    /// one that does not is ignored ([`Limits::max_goaways`]).
    GoAway {
        /// The last stream the peer may have processed.
        last_stream: StreamId,
        /// Why.
        code: ErrorCode,
        /// Debug data, at most [`GOAWAY_DEBUG_MAX`] bytes (the rest is dropped).
        debug: Bytes,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Closure {
    ResetByUs,
    ResetByPeer,
    Ended,
}

#[derive(Debug)]
struct Stream {
    state: State,
    local: bool,
    send: Window,
    recv: RecvWindow,
    out: VecDeque<Bytes>,
    out_len: usize,
    out_end: bool,
    end_sent: bool,
    out_trailers: Option<Vec<(Vec<u8>, Vec<u8>)>>,
    queued: bool,
    inbuf: RecvBuf,
    got_head: bool,
    sent_head: bool,
    no_body: bool,
    content_length: Option<u64>,
    received: u64,
    /// Since when queued data has waited on this stream's zero send window.
    stalled_since: Option<Instant>,
    /// Whether an entry for this stream is in `Connection::stalls`.
    in_stalls: bool,
    /// A request stream the peer opened, counted in `Connection::peer_streams`.
    counted: bool,
}

impl Stream {
    fn new(state: State, local: bool, send: u32, recv: u32, target: u32) -> Self {
        Stream {
            state,
            local,
            send: Window::new(send),
            recv: RecvWindow::new(recv, target),
            out: VecDeque::new(),
            out_len: 0,
            out_end: false,
            end_sent: false,
            out_trailers: None,
            queued: false,
            inbuf: RecvBuf::default(),
            got_head: false,
            sent_head: false,
            no_body: false,
            content_length: None,
            received: 0,
            stalled_since: None,
            in_stalls: false,
            counted: false,
        }
    }
}

#[derive(Debug)]
struct Partial {
    stream: StreamId,
    end_stream: bool,
    priority: Option<Priority>,
    promised: Option<StreamId>,
    buf: Vec<u8>,
    frames: u32,
}

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

/// The budgets of the control frames a peer may send for good reasons but not without end
/// (PING, SETTINGS, WINDOW_UPDATE on stream 0, GOAWAY lowering the last stream id), each over
/// `Limits::reset_window`; see [`Connection::control_frame`].
#[derive(Clone, Copy, Debug)]
struct ControlBudget {
    pings: Rate,
    settings: Rate,
    window_updates: Rate,
    goaways: Rate,
    /// DATA frames we sent that have not yet paid for a PING: each pays for one.
    ping_credit: u32,
    /// DATA frames we sent that have not yet paid for a connection WINDOW_UPDATE.
    update_credit: u32,
}

impl ControlBudget {
    const NEW: ControlBudget = ControlBudget {
        pings: Rate::NEW,
        settings: Rate::NEW,
        window_updates: Rate::NEW,
        goaways: Rate::NEW,
        ping_credit: 0,
        update_credit: 0,
    };

    /// We sent a DATA frame: the peer may answer it with a PING and a connection
    /// WINDOW_UPDATE that do not count.
    fn data_sent(&mut self) {
        self.ping_credit = self.ping_credit.saturating_add(1);
        self.update_credit = self.update_credit.saturating_add(1);
    }
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
    streams: HashMap<u32, Stream>,
    closed: HashMap<u32, Closure>,
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
    error: Option<Error>,
    remote_resets: Rate,
    local_resets: Rate,
    refused: Rate,
    empty: Rate,
    stall_since: Option<Instant>,
    bdp: Option<Bdp>,
    bdp_wants_ping: bool,
    bdp_acked: bool,
    draining: bool,
    ignored: Rate,
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
    /// PING, SETTINGS, connection WINDOW_UPDATE and GOAWAY budgets.
    control: ControlBudget,
    /// Request streams the peer opened that are still tracked, whatever their state (a
    /// stream answered but with its body unread included): what SETTINGS_MAX_CONCURRENT_STREAMS
    /// is checked against, counted as streams come and go.
    peer_streams: u32,
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
        let target = config.connection_window.max(DEFAULT_WINDOW);
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
            streams: HashMap::new(),
            closed: HashMap::new(),
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
            error: None,
            remote_resets: Rate {
                start: None,
                count: 0,
            },
            local_resets: Rate {
                start: None,
                count: 0,
            },
            refused: Rate {
                start: None,
                count: 0,
            },
            empty: Rate {
                start: None,
                count: 0,
            },
            stall_since: None,
            bdp,
            bdp_wants_ping: false,
            bdp_acked: false,
            draining: false,
            ignored: Rate::NEW,
            stalls: BinaryHeap::new(),
            last_recv: now,
            busy_at: now,
            stream_dropped: false,
            keepalive_sent: None,
            pings_out: 0,
            control: ControlBudget::NEW,
            peer_streams: 0,
            config,
        }
    }

    // ---------------------------------------------------------------- getters

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
    /// received and every stream is finished. Flush `poll_transmit` and close the socket.
    pub fn is_closed(&self) -> bool {
        self.error.is_some()
            || (!self.draining
                && (self.goaway_sent.is_some() || self.goaway_recv.is_some())
                && self.streams.values().all(|s| s.state == State::Closed))
    }
    /// Whether [`Connection::poll_transmit`] has bytes to give now. Data waiting on a zero
    /// flow-control window does not count (a WINDOW_UPDATE must come first), so an event loop
    /// that writes while this is true does not spin on a stalled stream; the end of a stream
    /// (an empty END_STREAM DATA frame or trailers) needs no window and counts.
    pub fn wants_transmit(&self) -> bool {
        let conn_open = self.conn_send.available() > 0;
        !self.ctrl.is_empty()
            || self.send_queue.iter().any(|id| {
                self.streams.get(id).is_some_and(|s| {
                    if s.out_len > 0 {
                        conn_open && s.send.available() > 0
                    } else {
                        s.out_end
                    }
                })
            })
    }

    // ---------------------------------------------------------------- input

    /// Feeds bytes read from the peer. Frames are handled as far as the input allows; a
    /// partial frame is kept for the next call. Returns how many bytes were consumed (all of
    /// them: partial frames are buffered, bounded by the maximum frame size).
    ///
    /// # Errors
    /// A connection [`Error`]: its GOAWAY is already queued, and the error is sticky.
    pub fn recv(&mut self, now: Instant, input: &[u8]) -> Result<usize, Error> {
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        self.now = now;
        self.note_busy(now);
        let mut rest = input;
        if self.preface < PREFACE.len() {
            let n = (PREFACE.len() - self.preface).min(rest.len());
            if rest[..n] != PREFACE[self.preface..self.preface + n] {
                return Err(self.fail(Error::BadPreface));
            }
            self.preface += n;
            rest = &rest[n..];
        }
        // A frame split across reads is completed first, in a buffer of its own size (so a
        // DATA payload kept from it holds only that frame).
        if !self.rx.is_empty() {
            if self.rx.len() < HEADER_LEN {
                let n = (HEADER_LEN - self.rx.len()).min(rest.len());
                self.rx.extend_from_slice(&rest[..n]);
                rest = &rest[n..];
            }
            if let Some(head) = FrameHeader::parse(&self.rx) {
                self.check_frame_len(head)?;
                let total = HEADER_LEN + head.len as usize;
                self.rx.reserve(total - self.rx.len());
                let n = (total - self.rx.len()).min(rest.len());
                self.rx.extend_from_slice(&rest[..n]);
                rest = &rest[n..];
                if self.rx.len() == total {
                    let buf = std::mem::take(&mut self.rx).freeze();
                    self.frame_in(now, head, &buf, Some(&buf))?;
                }
            }
        }
        // Whole frames are handled in place in the caller's input: nothing is copied but the
        // DATA payloads kept for the application, each on its own (never a view that would
        // keep the whole read alive).
        while let Some(head) = FrameHeader::parse(rest) {
            self.check_frame_len(head)?;
            let total = HEADER_LEN + head.len as usize;
            if rest.len() < total {
                break;
            }
            let (buf, r) = rest.split_at(total);
            rest = r;
            self.frame_in(now, head, buf, None)?;
        }
        if !rest.is_empty() {
            // The start of a frame (its length already checked): kept for the next read.
            let total =
                FrameHeader::parse(rest).map_or(HEADER_LEN, |h| HEADER_LEN + h.len as usize);
            self.rx = BytesMut::with_capacity(total);
            self.rx.extend_from_slice(rest);
        }
        if std::mem::take(&mut self.bdp_acked)
            && let Some(b) = &mut self.bdp
        {
            let target = self.conn_recv.target();
            if let Some(new) = b.on_ping_ack(now, target) {
                self.grow_windows(new);
            }
        }
        self.note_busy(now);
        Ok(input.len())
    }

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
            && now >= sent + self.config.settings_timeout
        {
            let e = Error::SettingsTimeout {
                after: self.config.settings_timeout,
            };
            return Err(self.fail(e));
        }
        if let (Some(since), Some(t)) = (self.stall_since, self.config.limits.stall_timeout)
            && now >= since + t
        {
            return Err(self.fail(Error::WindowStall { after: t }));
        }
        if let Some(sent) = self.keepalive_sent
            && now >= sent + self.config.keepalive_timeout
        {
            let after = self.config.keepalive_timeout;
            return Err(self.fail(Error::KeepaliveTimeout { after }));
        }
        if let Some(interval) = self.config.keepalive_interval
            && self.keepalive_sent.is_none()
            && now >= self.last_recv + interval
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
            && now >= self.busy_at + t
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
            .map(|&(_, sent)| sent + self.config.settings_timeout);
        let stall = self
            .stall_since
            .zip(self.config.limits.stall_timeout)
            .map(|(s, t)| s + t);
        let stream_stall = self.stalls.peek().map(|Reverse((t, _))| *t);
        let keepalive = match self.keepalive_sent {
            Some(sent) => Some(sent + self.config.keepalive_timeout),
            None => self.config.keepalive_interval.map(|i| self.last_recv + i),
        };
        let idle = self
            .config
            .idle_timeout
            .filter(|_| self.goaway_sent.is_none() && self.streams.is_empty())
            .map(|t| self.busy_at + t);
        [settings, stall, stream_stall, keepalive, idle]
            .into_iter()
            .flatten()
            .min()
    }

    /// The next event, if any.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// Takes the next chunk of body bytes received on `stream`. A payload of 1 KiB or more
    /// comes in an allocation of its own, copied once from the input given to `recv` (as the
    /// whole input used to be) and not again; smaller ones are gathered per stream. Reading
    /// is what returns flow-control credit to the peer, so the memory held for unread bytes
    /// is bounded by the receive windows we advertise (see [`Connection`]).
    pub fn read_data(&mut self, stream: StreamId) -> Option<Bytes> {
        let s = self.streams.get_mut(&stream.value())?;
        let b = s.inbuf.pop()?;
        let n = b.len() as u32;
        s.recv.release(n);
        if s.state.can_recv()
            && let Some(inc) = s.recv.take_update()
        {
            Frame::WindowUpdate(frame::WindowUpdate {
                stream,
                increment: inc,
            })
            .encode(&mut self.ctrl);
        }
        self.conn_release(n);
        self.maybe_forget(stream.value());
        Some(b)
    }

    // ---------------------------------------------------------------- commands

    /// Opens a stream with a request (client).
    ///
    /// # Errors
    /// [`UserError`] when the role, state, concurrency limit or fields do not allow it.
    pub fn send_request(
        &mut self,
        req: &Request<'_>,
        end_stream: bool,
    ) -> Result<StreamId, UserError> {
        if self.role != Role::Client {
            return Err(UserError::WrongRole);
        }
        self.check_open()?;
        if self.goaway_recv.is_some() || self.goaway_sent.is_some() {
            return Err(UserError::GoingAway);
        }
        let active = self
            .streams
            .values()
            .filter(|s| s.local && s.state.is_active())
            .count() as u32;
        if let Some(max) = self.remote.max_concurrent_streams
            && active >= max
        {
            return Err(UserError::ConcurrencyLimit(max));
        }
        if self.next_local > StreamId::MAX.value() {
            return Err(UserError::StreamIdsExhausted);
        }
        if req.protocol.is_some() && !self.remote.enable_connect_protocol {
            return Err(UserError::ConnectProtocolDisabled);
        }
        check_fields(req.headers)?;
        let plain_connect = req.method == b"CONNECT" && req.protocol.is_none();
        let mut fields: Vec<(&[u8], &[u8])> = Vec::with_capacity(5 + req.headers.len());
        for p in self.config.pseudo_order {
            match p {
                Pseudo::Method => fields.push((b":method", req.method)),
                Pseudo::Authority => fields.push((b":authority", req.authority)),
                Pseudo::Scheme if !plain_connect => fields.push((b":scheme", req.scheme)),
                Pseudo::Path if !plain_connect => fields.push((b":path", req.path)),
                _ => {}
            }
        }
        if let Some(p) = req.protocol {
            fields.push((b":protocol", p));
        }
        let first = fields.len();
        fields.extend_from_slice(req.headers);
        if !self.config.header_order.is_empty() {
            let order = &self.config.header_order;
            let rank = |n: &[u8]| order.iter().position(|o| o == n).unwrap_or(order.len());
            fields[first..].sort_by_key(|(n, _)| rank(n));
        }
        self.check_list_size(fields.iter().copied())?;
        let id = StreamId::new(self.next_local);
        self.next_local += 2;
        let prio = self.config.headers_priority;
        self.write_headers(id, None, &fields, end_stream, prio);
        let state = State::Idle
            .on(Side::Send, Ev::Headers { end_stream })
            .unwrap_or(State::Closed);
        // The receive window starts at the acknowledged value; a pending change is applied
        // with the ACK (6.9.2), which the peer sends before it can send DATA on this stream.
        let init = self.acked_local.initial_window_size;
        let mut s = Stream::new(state, true, self.remote.initial_window_size, init, init);
        s.no_body = req.method == b"HEAD";
        s.sent_head = true;
        self.streams.insert(id.value(), s);
        self.stream_opened();
        Ok(id)
    }

    /// Sends a response head (server) on a request stream or a promised stream. A 1xx status
    /// is informational and may not end the stream. A response that ends here or with its
    /// last DATA or trailers while the request is still open is followed by RST_STREAM
    /// (NO_ERROR), and the unread request body is dropped (RFC 9113 8.1).
    ///
    /// # Errors
    /// [`UserError`] when the role or the stream's state does not allow it;
    /// [`UserError::InvalidStatus`] for a status outside 100..=599 or 101, which a receiver
    /// (ours included) treats as a malformed response.
    pub fn send_response(
        &mut self,
        stream: StreamId,
        status: u16,
        headers: &[(&[u8], &[u8])],
        end_stream: bool,
    ) -> Result<(), UserError> {
        if self.role != Role::Server {
            return Err(UserError::WrongRole);
        }
        self.check_open()?;
        if !(100..=599).contains(&status) || status == 101 || (status < 200 && end_stream) {
            return Err(UserError::InvalidStatus(status));
        }
        check_fields(headers)?;
        let status_field: (&[u8], &[u8]) = (b":status", b"000");
        self.check_list_size(std::iter::once(status_field).chain(headers.iter().copied()))?;
        let s = self.stream_for_send(stream)?;
        let next = s
            .state
            .on(Side::Send, Ev::Headers { end_stream })
            .map_err(|_| UserError::InvalidState {
                stream,
                state: s.state,
            })?;
        if s.sent_head {
            return Err(UserError::InvalidState {
                stream,
                state: s.state,
            });
        }
        if status >= 200 {
            s.sent_head = true;
            s.state = next;
            if end_stream {
                s.end_sent = true;
                s.out_end = true;
            }
        }
        let mut digits = [0u8; 3];
        digits[0] = b'0' + (status / 100) as u8;
        digits[1] = b'0' + (status / 10 % 10) as u8;
        digits[2] = b'0' + (status % 10) as u8;
        let mut fields: Vec<(&[u8], &[u8])> = Vec::with_capacity(1 + headers.len());
        fields.push((b":status", &digits));
        fields.extend_from_slice(headers);
        self.write_headers(stream, None, &fields, end_stream, None);
        self.end_early(stream.value());
        self.maybe_forget(stream.value());
        Ok(())
    }

    /// Queues body bytes on `stream`; they go out as flow control allows, through
    /// `poll_transmit` (without being copied when large).
    ///
    /// # Errors
    /// [`UserError`] when the stream cannot send (unknown, or its sending side is done).
    pub fn send_data(
        &mut self,
        stream: StreamId,
        data: Bytes,
        end_stream: bool,
    ) -> Result<(), UserError> {
        self.check_open()?;
        let s = self.stream_for_send(stream)?;
        // DATA and trailers only after the message head (8.1).
        if !s.state.can_send() || s.out_end || !s.sent_head || s.state == State::ReservedLocal {
            return Err(UserError::InvalidState {
                stream,
                state: s.state,
            });
        }
        if !data.is_empty() {
            s.out_len += data.len();
            s.out.push_back(data);
        }
        s.out_end = end_stream;
        self.enqueue(stream.value());
        Ok(())
    }

    /// Queues trailers, which end the stream after its queued data.
    ///
    /// # Errors
    /// [`UserError`] when the stream cannot send.
    pub fn send_trailers(
        &mut self,
        stream: StreamId,
        trailers: &[(&[u8], &[u8])],
    ) -> Result<(), UserError> {
        self.check_open()?;
        check_fields(trailers)?;
        self.check_list_size(trailers.iter().copied())?;
        let s = self.stream_for_send(stream)?;
        // DATA and trailers only after the message head (8.1).
        if !s.state.can_send() || s.out_end || !s.sent_head || s.state == State::ReservedLocal {
            return Err(UserError::InvalidState {
                stream,
                state: s.state,
            });
        }
        s.out_trailers = Some(
            trailers
                .iter()
                .map(|(n, v)| (n.to_vec(), v.to_vec()))
                .collect(),
        );
        s.out_end = true;
        self.enqueue(stream.value());
        Ok(())
    }

    /// Resets a stream with `code` (RST_STREAM). Unread data is dropped and its credit
    /// returned to the connection.
    ///
    /// # Errors
    /// [`UserError::UnknownStream`] when the stream is not open.
    pub fn reset(&mut self, stream: StreamId, code: ErrorCode) -> Result<(), UserError> {
        self.check_open()?;
        if !self.streams.contains_key(&stream.value()) {
            return Err(UserError::UnknownStream(stream));
        }
        self.close_stream(stream, Closure::ResetByUs);
        Frame::RstStream(frame::RstStream { stream, code }).encode(&mut self.ctrl);
        Ok(())
    }

    /// Sends new SETTINGS. They are enforced at once where that is safe, and applied to the
    /// HPACK decoder and to open streams' receive windows when the peer acknowledges them
    /// (6.5.3, 6.9.2); the acknowledgement timer runs from `now`.
    ///
    /// # Errors
    /// [`UserError::InvalidSetting`] for a value out of range; nothing is sent.
    pub fn send_settings(&mut self, now: Instant, params: &[(u16, u32)]) -> Result<(), UserError> {
        self.check_open()?;
        let mut next = self.local;
        next.apply_all(params.iter().copied())
            .map_err(UserError::InvalidSetting)?;
        self.local = next;
        if let Some(n) = next.max_header_list_size {
            self.decoder.set_max_header_list_size(n as usize);
        }
        frame::encode_settings(params, &mut self.ctrl);
        self.pending_settings.push_back((params.to_vec(), now));
        Ok(())
    }

    /// Sends a PING; its ACK comes back as [`Event::PingAck`].
    ///
    /// # Errors
    /// [`UserError::Closed`] after a connection error.
    pub fn ping(&mut self, payload: [u8; 8]) -> Result<(), UserError> {
        self.check_open()?;
        self.pings_out = self.pings_out.saturating_add(1);
        Frame::Ping(frame::Ping {
            ack: false,
            payload,
        })
        .encode(&mut self.ctrl);
        Ok(())
    }

    /// Starts a graceful shutdown. With NO_ERROR, a server (or a client that enabled push, so
    /// the server may be creating streams too) sends GOAWAY(2^31-1) and a PING, and when the
    /// PING returns a second GOAWAY with the last stream the peer opened (so streams in flight
    /// are not lost); otherwise one GOAWAY with the last stream the peer opened: for a client
    /// without push that is 0 ("the last server-initiated stream that was processed", 6.8).
    /// Streams up to it, and every stream we opened, finish; the peer's later ones are
    /// ignored, and we open no more (`send_request` and `push_promise` return
    /// [`UserError::GoingAway`]). [`Connection::is_closed`] turns true when all are done.
    ///
    /// # Errors
    /// [`UserError::Closed`] after a connection error.
    pub fn go_away(&mut self, code: ErrorCode) -> Result<(), UserError> {
        self.check_open()?;
        let peer_opens = self.role == Role::Server || self.local.enable_push;
        if peer_opens && code == ErrorCode::NO_ERROR && self.goaway_sent.is_none() {
            // "A server that is attempting to gracefully shut down a connection SHOULD send an
            // initial GOAWAY frame with the last stream identifier set to 2^31-1 and a NO_ERROR
            // code ... After allowing time for any in-flight stream creation (at least one
            // round-trip time), the server MAY send another GOAWAY frame with an updated last
            // stream identifier" (6.8). The round trip is a PING.
            self.goaway_sent = Some(StreamId::MAX.value());
            self.draining = true;
            Frame::GoAway(frame::GoAway {
                last_stream: StreamId::MAX,
                code,
                debug: b"",
            })
            .encode(&mut self.ctrl);
            Frame::Ping(frame::Ping {
                ack: false,
                payload: DRAIN_PING,
            })
            .encode(&mut self.ctrl);
            return Ok(());
        }
        // A second call during a drain ends it at once, naming the last stream as it is now.
        self.draining = false;
        self.send_goaway(self.last_peer, code);
        Ok(())
    }

    /// Promises a pushed response on `stream` (server): sends PUSH_PROMISE with `req` and
    /// returns the reserved stream, on which [`Connection::send_response`] sends the response.
    ///
    /// # Errors
    /// [`UserError::PushDisabled`] when the client disabled push, and the usual state errors.
    pub fn push_promise(
        &mut self,
        stream: StreamId,
        req: &Request<'_>,
    ) -> Result<StreamId, UserError> {
        if self.role != Role::Server {
            return Err(UserError::WrongRole);
        }
        self.check_open()?;
        if !self.remote.enable_push {
            return Err(UserError::PushDisabled);
        }
        if self.goaway_recv.is_some() || self.goaway_sent.is_some() {
            return Err(UserError::GoingAway);
        }
        check_fields(req.headers)?;
        let pseudo: [(&[u8], &[u8]); 4] = [
            (b":method", req.method),
            (b":scheme", req.scheme),
            (b":authority", req.authority),
            (b":path", req.path),
        ];
        self.check_list_size(pseudo.into_iter().chain(req.headers.iter().copied()))?;
        let s = self.stream_for_send(stream)?;
        if !matches!(s.state, State::Open | State::HalfClosedRemote) {
            return Err(UserError::InvalidState {
                stream,
                state: s.state,
            });
        }
        if self.next_local > StreamId::MAX.value() {
            return Err(UserError::StreamIdsExhausted);
        }
        let promised = StreamId::new(self.next_local);
        self.next_local += 2;
        let mut fields: Vec<(&[u8], &[u8])> = vec![
            (b":method", req.method),
            (b":scheme", req.scheme),
            (b":authority", req.authority),
            (b":path", req.path),
        ];
        fields.extend_from_slice(req.headers);
        self.write_headers(stream, Some(promised), &fields, false, None);
        let mut s = Stream::new(
            State::ReservedLocal,
            true,
            self.remote.initial_window_size,
            0,
            0,
        );
        s.state = State::Idle
            .on(Side::Send, Ev::PushPromise)
            .unwrap_or(State::Closed);
        self.streams.insert(promised.value(), s);
        self.stream_opened();
        Ok(promised)
    }

    // ---------------------------------------------------------------- output

    /// Appends what there is to send to `out`: queued control frames and header blocks, then
    /// DATA frames as flow control allows.
    ///
    /// When it returns `Some(payload)`, the bytes to send are `out` followed by `payload` (a
    /// vectored write; the payload was not copied): write both, clear `out`, and call again
    /// until it returns `None`.
    #[must_use = "a returned payload must be written after `out`"]
    pub fn poll_transmit(&mut self, now: Instant, out: &mut Vec<u8>) -> Option<Bytes> {
        self.now = now;
        self.note_busy(now);
        if !self.ctrl.is_empty() {
            out.extend_from_slice(&self.ctrl);
            self.ctrl.clear();
            self.queued_acks = 0;
        }
        if self.error.is_some() {
            self.send_queue.clear();
            return None;
        }
        if self.bdp_wants_ping
            && let Some(b) = &mut self.bdp
        {
            self.bdp_wants_ping = false;
            b.on_ping_sent(now);
            Frame::Ping(frame::Ping {
                ack: false,
                payload: Bdp::PAYLOAD,
            })
            .encode(out);
        }
        let mut rounds = self.send_queue.len();
        let mut stalled = false;
        while rounds > 0 {
            rounds -= 1;
            let Some(id) = self.send_queue.pop_front() else {
                break;
            };
            let max_frame = self.remote.max_frame_size as usize;
            let conn_avail = self.conn_send.available() as usize;
            let Some(s) = self.streams.get_mut(&id) else {
                continue;
            };
            s.queued = false;
            if s.out_len > 0 {
                let cap = (s.send.available() as usize).min(conn_avail).min(max_frame);
                if cap == 0 {
                    s.queued = true;
                    self.send_queue.push_back(id);
                    if s.send.available() == 0 {
                        // Held back by the stream's own window: a timer per stream, kept in
                        // a heap with at most one entry per stream.
                        if let Some(t) = self.config.limits.stream_stall_timeout {
                            let since = *s.stalled_since.get_or_insert(now);
                            if !s.in_stalls {
                                s.in_stalls = true;
                                self.stalls.push(Reverse((since + t, id)));
                            }
                        }
                    } else {
                        // Held back by the connection window only.
                        s.stalled_since = None;
                        stalled = true;
                    }
                    continue;
                }
                let Some(front) = s.out.front_mut() else {
                    continue;
                };
                let n = cap.min(front.len());
                let piece = front.split_to(n);
                if front.is_empty() {
                    s.out.pop_front();
                }
                s.out_len -= n;
                s.stalled_since = None;
                s.send = s.send.consume(n as u32).unwrap_or(Window::new(0));
                self.conn_send = self.conn_send.consume(n as u32).unwrap_or(Window::new(0));
                let end = s.out_len == 0 && s.out_end && s.out_trailers.is_none();
                if end {
                    s.end_sent = true;
                }
                s.state = s
                    .state
                    .on(Side::Send, Ev::Data { end_stream: end })
                    .unwrap_or(State::Closed);
                let more = s.out_len > 0 || (s.out_end && !s.end_sent);
                if more {
                    s.queued = true;
                    self.send_queue.push_back(id);
                }
                let sid = StreamId::new(id);
                self.control.data_sent();
                let tail = Frame::Data(frame::Data::new(sid, &piece, end)).encode_head(out);
                let _ = tail;
                self.end_early(id);
                self.maybe_forget(id);
                if n >= VECTORED_MIN {
                    self.stall_since = None;
                    return Some(piece);
                }
                out.extend_from_slice(&piece);
                continue;
            }
            if s.out_end && !s.end_sent {
                s.end_sent = true;
                let sid = StreamId::new(id);
                if let Some(trailers) = s.out_trailers.take() {
                    s.state = s
                        .state
                        .on(Side::Send, Ev::Headers { end_stream: true })
                        .unwrap_or(State::Closed);
                    let fields: Vec<(&[u8], &[u8])> = trailers
                        .iter()
                        .map(|(n, v)| (n.as_slice(), v.as_slice()))
                        .collect();
                    let mut tmp = std::mem::take(&mut self.ctrl);
                    self.write_headers(sid, None, &fields, true, None);
                    std::mem::swap(&mut tmp, &mut self.ctrl);
                    out.extend_from_slice(&tmp);
                } else {
                    s.state = s
                        .state
                        .on(Side::Send, Ev::Data { end_stream: true })
                        .unwrap_or(State::Closed);
                    self.control.data_sent();
                    Frame::Data(frame::Data::new(sid, b"", true)).encode(out);
                }
                self.end_early(id);
                self.maybe_forget(id);
            }
        }
        if stalled {
            self.stall_since.get_or_insert(now);
        } else {
            self.stall_since = None;
        }
        // RST_STREAM(NO_ERROR) queued by `end_early` after a response that ended above.
        if !self.ctrl.is_empty() {
            out.extend_from_slice(&self.ctrl);
            self.ctrl.clear();
        }
        self.note_busy(now);
        None
    }

    // ---------------------------------------------------------------- internals

    /// "An endpoint MUST send an error code of FRAME_SIZE_ERROR if a frame exceeds the size
    /// defined in SETTINGS_MAX_FRAME_SIZE" (4.2), checked from the header alone.
    fn check_frame_len(&mut self, head: FrameHeader) -> Result<(), Error> {
        if head.len > self.local.max_frame_size {
            let e = FrameError::TooLarge {
                kind: head.kind,
                len: head.len,
                max: self.local.max_frame_size,
            };
            return Err(self.fail(Error::Frame(e)));
        }
        Ok(())
    }

    /// One whole frame from `recv`; a connection error is made sticky.
    fn frame_in(
        &mut self,
        now: Instant,
        head: FrameHeader,
        buf: &[u8],
        owned: Option<&Bytes>,
    ) -> Result<(), Error> {
        // Any frame shows the peer alive (keep-alive); any but PING shows it busy (idle).
        self.last_recv = now;
        self.keepalive_sent = None;
        if head.kind != kind::PING {
            self.busy_at = now;
        }
        self.on_frame(head, buf, owned).map_err(|e| self.fail(e))
    }

    fn check_open(&self) -> Result<(), UserError> {
        if self.error.is_some() {
            Err(UserError::Closed)
        } else {
            Ok(())
        }
    }

    /// Brings the idle timer's `busy_at` up to `now` if a stream is open or was dropped since
    /// the last timed call (streams can be dropped by `read_data`, which has no `now`).
    fn note_busy(&mut self, now: Instant) {
        if !self.streams.is_empty() || std::mem::take(&mut self.stream_dropped) {
            self.busy_at = now;
        }
    }

    /// "An endpoint can use the SETTINGS_MAX_HEADER_LIST_SIZE to advise peers of limits that
    /// might apply on the size of field blocks" (10.5.1): a list above the peer's limit would
    /// be refused, so it is refused here, before anything is encoded. The size is "the
    /// uncompressed size of field names and field values plus an overhead of 32 bytes for
    /// each field" (6.5.2).
    fn check_list_size<'f>(
        &self,
        fields: impl Iterator<Item = (&'f [u8], &'f [u8])>,
    ) -> Result<(), UserError> {
        let Some(limit) = self.remote.max_header_list_size else {
            return Ok(());
        };
        let size: usize = fields.map(|(n, v)| n.len() + v.len() + 32).sum();
        if size > limit as usize {
            return Err(UserError::HeaderListTooLarge { size, limit });
        }
        Ok(())
    }

    /// Queues a GOAWAY naming `last` and remembers it.
    fn send_goaway(&mut self, last: u32, code: ErrorCode) {
        self.goaway_sent = Some(last);
        Frame::GoAway(frame::GoAway {
            last_stream: StreamId::new(last),
            code,
            debug: b"",
        })
        .encode(&mut self.ctrl);
    }

    /// Resets the streams whose data waited on their own zero window past the stream stall
    /// timeout. Heap entries whose stall ended are dropped; those whose stall restarted are
    /// put back with the new deadline.
    fn expire_stream_stalls(&mut self, now: Instant) {
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
                Some(since) if now >= since + t => {
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
                Some(since) => self.stalls.push(Reverse((since + t, id))),
                None => s.in_stalls = false,
            }
        }
    }

    /// A new stream (either side's) forgives one ignored frame: normal traffic makes a few
    /// per stream (a WINDOW_UPDATE or RST_STREAM that crossed the stream's end, a browser's
    /// PRIORITY), so a busy connection does not hit a limit meant for frames without work.
    fn stream_opened(&mut self) {
        self.ignored.count = self.ignored.count.saturating_sub(1);
    }

    /// Counts a frame that costs work and has no effect; too many in a window end the
    /// connection.
    fn ignored_frame(&mut self, kind: u8) -> Result<(), Error> {
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
    fn control_frame(&mut self, kind: u8) -> Result<(), Error> {
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

    fn stream_for_send(&mut self, stream: StreamId) -> Result<&mut Stream, UserError> {
        self.streams
            .get_mut(&stream.value())
            .ok_or(UserError::UnknownStream(stream))
    }

    fn enqueue(&mut self, id: u32) {
        if let Some(s) = self.streams.get_mut(&id)
            && !s.queued
        {
            s.queued = true;
            self.send_queue.push_back(id);
        }
    }

    /// Encodes a header block and writes HEADERS (or PUSH_PROMISE) + CONTINUATION frames.
    fn write_headers(
        &mut self,
        stream: StreamId,
        promised: Option<StreamId>,
        fields: &[(&[u8], &[u8])],
        end_stream: bool,
        priority: Option<Priority>,
    ) {
        let mut block = std::mem::take(&mut self.scratch);
        block.clear();
        self.encoder.encode(fields.iter().copied(), &mut block);
        let max = self.remote.max_frame_size as usize;
        let first_room =
            max - if priority.is_some() { 5 } else { 0 } - if promised.is_some() { 4 } else { 0 };
        let (first, mut rest) = block.split_at(first_room.min(block.len()));
        let end_headers = rest.is_empty();
        match promised {
            Some(p) => Frame::PushPromise(frame::PushPromise {
                stream,
                promised: p,
                end_headers,
                block: first,
                pad: None,
            })
            .encode(&mut self.ctrl),
            None => Frame::Headers(frame::Headers {
                stream,
                end_stream,
                end_headers,
                priority,
                block: first,
                pad: None,
            })
            .encode(&mut self.ctrl),
        }
        while !rest.is_empty() {
            let (chunk, r) = rest.split_at(max.min(rest.len()));
            rest = r;
            Frame::Continuation(frame::Continuation {
                stream,
                end_headers: rest.is_empty(),
                block: chunk,
            })
            .encode(&mut self.ctrl);
        }
        self.scratch = block;
    }

    fn fail(&mut self, e: Error) -> Error {
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

    fn conn_release(&mut self, n: u32) {
        self.conn_recv.release(n);
        if let Some(inc) = self.conn_recv.take_update() {
            Frame::WindowUpdate(frame::WindowUpdate {
                stream: StreamId::ZERO,
                increment: inc,
            })
            .encode(&mut self.ctrl);
        }
    }

    fn is_peer_initiated(&self, id: StreamId) -> bool {
        id.is_client_initiated() == (self.role == Role::Server)
    }

    fn is_idle(&self, id: StreamId) -> bool {
        if self.is_peer_initiated(id) {
            id.value() > self.last_peer
        } else {
            id.value() >= self.next_local
        }
    }

    fn remember_closed(&mut self, id: u32, how: Closure) {
        if self.closed.insert(id, how).is_none() {
            self.closed_order.push_back(id);
            while self.closed_order.len() > self.config.limits.max_closed_remembered {
                if let Some(old) = self.closed_order.pop_front() {
                    self.closed.remove(&old);
                }
            }
        }
    }

    /// Drops a stream: unread data goes back to the connection window.
    fn close_stream(&mut self, id: StreamId, how: Closure) -> bool {
        let Some(s) = self.streams.remove(&id.value()) else {
            self.remember_closed(id.value(), how);
            return false;
        };
        self.stream_dropped = true;
        self.peer_streams -= u32::from(s.counted);
        let unread = s.inbuf.len();
        if unread > 0 {
            self.conn_release(unread as u32);
        }
        self.remember_closed(id.value(), how);
        true
    }

    /// A server has sent a complete response while the request is still open (half-closed
    /// local): "the server MAY request that the client abort transmission of a request without
    /// error by sending a RST_STREAM with an error code of NO_ERROR after sending a complete
    /// response" (RFC 9113 8.1). The stream is reset so, released, and its unread body
    /// dropped (credit back to the connection); [`Event::Reset`] tells the application. The
    /// RST_STREAM is queued after the frame that ended the response.
    fn end_early(&mut self, id: u32) {
        let Some(s) = self.streams.get(&id) else {
            return;
        };
        if self.role != Role::Server || s.local || !s.end_sent || s.state != State::HalfClosedLocal
        {
            return;
        }
        let stream = StreamId::new(id);
        let code = ErrorCode::NO_ERROR;
        Frame::RstStream(frame::RstStream { stream, code }).encode(&mut self.ctrl);
        self.close_stream(stream, Closure::ResetByUs);
        self.events.push_back(Event::Reset {
            stream,
            code,
            remote: false,
            error: None,
        });
    }

    /// Forgets a closed stream once the application has read everything.
    fn maybe_forget(&mut self, id: u32) {
        if let Some(s) = self.streams.get(&id)
            && s.state == State::Closed
            && s.inbuf.is_empty()
            && s.out_len == 0
            && (!s.out_end || s.end_sent)
        {
            if let Some(s) = self.streams.remove(&id) {
                self.peer_streams -= u32::from(s.counted);
            }
            self.stream_dropped = true;
            self.remember_closed(id, Closure::Ended);
        }
    }

    /// A stream error: RST_STREAM queued, stream closed, event reported; too many of them in a
    /// window is "MadeYouReset".
    fn stream_error(&mut self, id: StreamId, err: StreamError) -> Result<(), Error> {
        let code = err.code();
        Frame::RstStream(frame::RstStream { stream: id, code }).encode(&mut self.ctrl);
        self.close_stream(id, Closure::ResetByUs);
        self.events.push_back(Event::Reset {
            stream: id,
            code,
            remote: false,
            error: Some(err),
        });
        let l = &self.config.limits;
        if let StreamError::Refused { .. } = err {
            if let Err(n) = self.refused.hit(self.now, l.reset_window, l.max_refused) {
                return Err(Error::TooManyStreams {
                    refused: n,
                    limit: l.max_refused,
                });
            }
        } else if let Err(n) = self
            .local_resets
            .hit(self.now, l.reset_window, l.max_local_resets)
        {
            return Err(Error::MadeYouReset {
                resets: n,
                limit: l.max_local_resets,
            });
        }
        Ok(())
    }

    fn state_violation(&mut self, id: StreamId, e: StateError) -> Result<(), Error> {
        match e.reaction {
            Reaction::Stream(_) => self.stream_error(id, StreamError::State(e)),
            Reaction::Connection(_) | Reaction::Misuse => Err(Error::State {
                stream: id,
                error: e,
            }),
        }
    }

    /// A frame for a stream we do not track: idle, or closed (and how).
    fn absent(&mut self, id: StreamId, event: Ev, kind: u8) -> Result<(), Error> {
        // "Once the GOAWAY is sent, the sender will ignore frames sent on streams initiated by
        // the receiver if the stream has an identifier higher than the included last stream
        // identifier" (6.8).
        if self.is_peer_initiated(id) && self.goaway_sent.is_some_and(|last| id.value() > last) {
            // DATA is not counted: flow control bounds it.
            return if kind == kind::DATA {
                Ok(())
            } else {
                self.ignored_frame(kind)
            };
        }
        if self.is_idle(id) {
            let error = State::Idle.on(Side::Recv, event).err();
            return match error {
                Some(error) => Err(Error::State { stream: id, error }),
                None => Ok(()),
            };
        }
        match (self.closed.get(&id.value()).copied(), event) {
            (_, Ev::Priority | Ev::WindowUpdate | Ev::Reset) => self.ignored_frame(kind),
            (Some(Closure::ResetByUs), _) => Ok(()),
            (Some(Closure::ResetByPeer), _) => self.stream_error(id, StreamError::ClosedByReset),
            (Some(Closure::Ended), _) | (None, _) => Err(Error::StreamClosed { stream: id, kind }),
        }
    }

    fn queue_ack(&mut self) -> Result<(), Error> {
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

    /// One whole frame, `buf` (header included); `owned` is set when `buf` is an allocation of
    /// its own (a frame reassembled across reads) that DATA may keep instead of a copy.
    fn on_frame(
        &mut self,
        head: FrameHeader,
        buf: &[u8],
        owned: Option<&Bytes>,
    ) -> Result<(), Error> {
        let payload = &buf[HEADER_LEN..];
        if let Some(p) = &self.partial
            && (head.kind != kind::CONTINUATION || head.stream != p.stream)
        {
            // "A receiver MUST treat the receipt of any other type of frame or a frame on a
            // different stream as a connection error of type PROTOCOL_ERROR" (6.10).
            return Err(Error::ExpectedContinuation {
                stream: p.stream,
                kind: head.kind,
            });
        }
        if !self.got_settings && (head.kind != kind::SETTINGS || head.flags & flag::ACK != 0) {
            // "The server connection preface consists of a potentially empty SETTINGS frame
            // that MUST be the first frame the server sends" (3.4), and likewise the client's.
            return Err(Error::FirstFrameNotSettings { kind: head.kind });
        }
        let frame = match Frame::parse(head, payload) {
            Ok(f) => f,
            Err(e) => {
                return match e.stream_error() {
                    Some(id) => self.stream_error(id, StreamError::Frame(e)),
                    None => Err(Error::Frame(e)),
                };
            }
        };
        match frame {
            Frame::Data(d) => self.on_data(d, owned),
            Frame::Headers(h) => {
                if h.end_headers {
                    self.on_block(h.stream, h.end_stream, h.priority, None, h.block)
                } else {
                    self.start_partial(h.stream, h.end_stream, h.priority, None, h.block)
                }
            }
            Frame::Continuation(c) => {
                let limits = &self.config.limits;
                let Some(p) = &mut self.partial else {
                    return Err(Error::UnexpectedContinuation { stream: c.stream });
                };
                p.frames += 1;
                if p.frames > limits.max_continuations {
                    return Err(Error::ContinuationFlood {
                        stream: p.stream,
                        frames: p.frames,
                        limit: limits.max_continuations,
                    });
                }
                if p.buf.len() + c.block.len() > limits.max_header_block {
                    return Err(Error::HeaderBlockTooLarge {
                        stream: p.stream,
                        size: p.buf.len() + c.block.len(),
                        limit: limits.max_header_block,
                    });
                }
                p.buf.extend_from_slice(c.block);
                if c.end_headers {
                    let Some(p) = self.partial.take() else {
                        return Ok(());
                    };
                    self.on_block(p.stream, p.end_stream, p.priority, p.promised, &p.buf)
                } else {
                    Ok(())
                }
            }
            Frame::Priority(p) => {
                // Deprecated (RFC 9113 5.3.2): parsed, checked, otherwise ignored, and counted
                // so that an endless stream of them (CVE-2019-9513) ends the connection.
                let _ = p;
                self.ignored_frame(kind::PRIORITY)
            }
            Frame::RstStream(r) => self.on_rst(r),
            Frame::Settings(s) => self.on_settings(s),
            Frame::PushPromise(p) => {
                if self.role == Role::Server || !self.local.enable_push {
                    // "A client cannot push" (8.4); with ENABLE_PUSH 0, PUSH_PROMISE is a
                    // connection error of type PROTOCOL_ERROR (6.6).
                    return Err(Error::PushNotAllowed { stream: p.stream });
                }
                if p.end_headers {
                    self.on_block(p.stream, false, None, Some(p.promised), p.block)
                } else {
                    self.start_partial(p.stream, false, None, Some(p.promised), p.block)
                }
            }
            Frame::Ping(p) => {
                if p.ack {
                    if p.payload == DRAIN_PING && self.draining {
                        self.draining = false;
                        let last = self.last_peer;
                        self.goaway_sent = Some(last);
                        Frame::GoAway(frame::GoAway {
                            last_stream: StreamId::new(last),
                            code: ErrorCode::NO_ERROR,
                            debug: b"",
                        })
                        .encode(&mut self.ctrl);
                        return Ok(());
                    }
                    if p.payload == Bdp::PAYLOAD && self.bdp.is_some() {
                        // Evaluated at the end of this input: data that came in the same read
                        // as the ACK was in flight in the same round trip.
                        self.bdp_acked = true;
                        return Ok(());
                    }
                    if p.payload == KEEPALIVE_PING && self.config.keepalive_interval.is_some() {
                        // Its arrival already cleared the keep-alive timer, as any frame does.
                        return Ok(());
                    }
                    if self.pings_out == 0 {
                        // An ACK for a PING nobody sent.
                        self.ignored_frame(kind::PING)?;
                    }
                    self.pings_out = self.pings_out.saturating_sub(1);
                    self.events.push_back(Event::PingAck(p.payload));
                } else {
                    // "Receivers of a PING frame that does not include an ACK flag MUST send
                    // a PING frame with the ACK flag set in response" (6.7).
                    self.control_frame(kind::PING)?;
                    self.queue_ack()?;
                    Frame::Ping(frame::Ping {
                        ack: true,
                        payload: p.payload,
                    })
                    .encode(&mut self.ctrl);
                    self.events.push_back(Event::Ping(p.payload));
                }
                Ok(())
            }
            Frame::GoAway(g) => {
                let last = g.last_stream.value();
                if let Some(prev) = self.goaway_recv {
                    if last >= prev {
                        // Nothing new (the id "MUST NOT increase", 6.8): no walk, no event.
                        return self.ignored_frame(kind::GOAWAY);
                    }
                    self.control_frame(kind::GOAWAY)?;
                }
                self.goaway_recv = Some(last);
                let refused: Vec<u32> = self
                    .streams
                    .iter()
                    .filter(|(id, s)| s.local && **id > last)
                    .map(|(id, _)| *id)
                    .collect();
                self.events.push_back(Event::GoAway {
                    last_stream: g.last_stream,
                    code: g.code,
                    debug: Bytes::copy_from_slice(&g.debug[..g.debug.len().min(GOAWAY_DEBUG_MAX)]),
                });
                for id in refused {
                    let sid = StreamId::new(id);
                    self.close_stream(sid, Closure::ResetByPeer);
                    self.events.push_back(Event::Reset {
                        stream: sid,
                        code: ErrorCode::REFUSED_STREAM,
                        remote: true,
                        error: None,
                    });
                }
                Ok(())
            }
            Frame::WindowUpdate(w) => self.on_window_update(w),
            // "Implementations MUST ignore and discard frames of unknown types" (4.1).
            // Counted all the same: each costs a read and a parse.
            Frame::Unknown(_) => self.ignored_frame(head.kind),
        }
    }

    fn grow_windows(&mut self, new: u32) {
        self.conn_recv.set_target(new);
        if let Some(inc) = self.conn_recv.take_update() {
            Frame::WindowUpdate(frame::WindowUpdate {
                stream: StreamId::ZERO,
                increment: inc,
            })
            .encode(&mut self.ctrl);
        }
        for s in self.streams.values_mut() {
            if s.recv.target() < new {
                s.recv.set_target(new);
            }
        }
    }

    fn start_partial(
        &mut self,
        stream: StreamId,
        end_stream: bool,
        priority: Option<Priority>,
        promised: Option<StreamId>,
        block: &[u8],
    ) -> Result<(), Error> {
        if block.len() > self.config.limits.max_header_block {
            return Err(Error::HeaderBlockTooLarge {
                stream,
                size: block.len(),
                limit: self.config.limits.max_header_block,
            });
        }
        self.partial = Some(Partial {
            stream,
            end_stream,
            priority,
            promised,
            buf: block.to_vec(),
            frames: 0,
        });
        Ok(())
    }

    fn on_data(&mut self, d: frame::Data<'_>, owned: Option<&Bytes>) -> Result<(), Error> {
        let flow = d.flow_len() as u32;
        let len = d.data.len() as u32;
        if len == 0 && !d.end_stream {
            let l = &self.config.limits;
            if let Err(n) = self.empty.hit(self.now, l.reset_window, l.max_empty_frames) {
                return Err(Error::EmptyFrameFlood {
                    frames: n,
                    limit: l.max_empty_frames,
                });
            }
        }
        // Connection-level flow control counts every DATA frame, whatever its stream.
        self.conn_recv.recv(flow).map_err(Error::Flow)?;
        let id = d.stream;
        let ev = Ev::Data {
            end_stream: d.end_stream,
        };
        let Some(s) = self.streams.get_mut(&id.value()) else {
            self.conn_release(flow);
            return self.absent(id, ev, kind::DATA);
        };
        let next = match s.state.on(Side::Recv, ev) {
            Ok(n) => n,
            Err(e) => {
                self.conn_release(flow);
                return self.state_violation(id, e);
            }
        };
        if let Err(e) = s.recv.recv(flow) {
            self.conn_release(flow);
            return self.stream_error(id, StreamError::Flow(e));
        }
        if !s.got_head {
            // A response's DATA before its final HEADERS: "an HTTP request or response ...
            // consists of ... one HEADERS frame ... zero or more DATA frames" (8.1).
            self.conn_release(flow);
            let m = Malformed::DataBeforeHead;
            return self.stream_error(id, StreamError::Malformed(m));
        }
        // Padding is credited back at once: the application never sees it.
        s.recv.release(flow - len);
        s.received += u64::from(len);
        let mismatch = match s.content_length {
            Some(cl) if !s.no_body => cl < s.received || (d.end_stream && cl != s.received),
            _ => false,
        };
        if mismatch {
            let m = Malformed::ContentLengthMismatch {
                declared: s.content_length.unwrap_or(0),
                received: s.received,
            };
            self.conn_release(flow);
            return self.stream_error(id, StreamError::Malformed(m));
        }
        s.state = next;
        // Copied out of the caller's input, or kept in the buffer of the one frame it was
        // reassembled in: never a view that keeps a whole read alive (`RecvBuf`).
        s.inbuf.push(d.data, owned);
        self.conn_release(flow - len);
        self.events.push_back(Event::Data {
            stream: id,
            len: len as usize,
            end_stream: d.end_stream,
        });
        if let Some(b) = &mut self.bdp
            && len > 0
            && b.on_data(len as usize)
        {
            self.bdp_wants_ping = true;
        }
        Ok(())
    }

    fn on_rst(&mut self, r: frame::RstStream) -> Result<(), Error> {
        let id = r.stream;
        let Some(s) = self.streams.get(&id.value()) else {
            return self.absent(id, Ev::Reset, kind::RST_STREAM);
        };
        let local = s.local;
        if let Err(e) = s.state.on(Side::Recv, Ev::Reset) {
            return self.state_violation(id, e);
        }
        if r.code == ErrorCode::NO_ERROR
            && s.state == State::HalfClosedRemote
            && s.got_head
            && !s.inbuf.is_empty()
            && let Some(s) = self.streams.get_mut(&id.value())
        {
            // The peer's message is complete and it asks us to stop sending ours: "Clients
            // MUST NOT discard responses as a result of receiving such a RST_STREAM" (8.1).
            // Our unsent data is dropped; the unread response stays readable, and the stream
            // goes once it is read.
            s.state = State::Closed;
            s.out.clear();
            s.out_len = 0;
            s.out_end = true;
            s.end_sent = true;
            s.out_trailers = None;
            s.stalled_since = None;
        } else {
            self.close_stream(id, Closure::ResetByPeer);
        }
        self.events.push_back(Event::Reset {
            stream: id,
            code: r.code,
            remote: true,
            error: None,
        });
        if !local {
            // CVE-2023-44487: a peer that opens and cancels streams costs us work for each;
            // count its resets.
            let l = &self.config.limits;
            if let Err(n) = self
                .remote_resets
                .hit(self.now, l.reset_window, l.max_remote_resets)
            {
                return Err(Error::RapidReset {
                    resets: n,
                    limit: l.max_remote_resets,
                });
            }
        }
        Ok(())
    }

    fn on_window_update(&mut self, w: frame::WindowUpdate) -> Result<(), Error> {
        if w.stream.is_zero() {
            self.control_frame(kind::WINDOW_UPDATE)?;
            self.conn_send = self.conn_send.increase(w.increment).map_err(Error::Flow)?;
            return Ok(());
        }
        let id = w.stream;
        let Some(s) = self.streams.get_mut(&id.value()) else {
            return self.absent(id, Ev::WindowUpdate, kind::WINDOW_UPDATE);
        };
        if let Err(e) = s.state.on(Side::Recv, Ev::WindowUpdate) {
            return self.state_violation(id, e);
        }
        match s.send.increase(w.increment) {
            Ok(n) => s.send = n,
            Err(e) => return self.stream_error(id, StreamError::Flow(e)),
        }
        if s.out_len > 0 {
            self.enqueue(id.value());
        }
        Ok(())
    }

    fn on_settings(&mut self, s: frame::Settings<'_>) -> Result<(), Error> {
        if s.ack {
            if let Some((params, _)) = self.pending_settings.pop_front() {
                let old = self.acked_local;
                let _ = self.acked_local.apply_all(params.iter().copied());
                let new = self.acked_local;
                if new.header_table_size != old.header_table_size {
                    self.decoder
                        .set_max_table_size(new.header_table_size as usize);
                }
                if new.initial_window_size != old.initial_window_size {
                    for st in self.streams.values_mut() {
                        st.recv
                            .apply_initial_delta(old.initial_window_size, new.initial_window_size);
                    }
                }
                self.events.push_back(Event::SettingsAcked);
                return Ok(());
            }
            // An ACK for SETTINGS we never sent.
            return self.ignored_frame(kind::SETTINGS);
        }
        self.control_frame(kind::SETTINGS)?;
        let params = s.raw.len() / 6;
        if params > self.config.limits.max_settings_params {
            return Err(Error::TooManySettings {
                params,
                limit: self.config.limits.max_settings_params,
            });
        }
        self.got_settings = true;
        let old_window = self.remote.initial_window_size;
        for (i, v) in s.iter() {
            self.remote.apply(i, v).map_err(Error::Settings)?;
            if i == sid::HEADER_TABLE_SIZE {
                // We use at most 16 KiB of table whatever the peer allows.
                self.encoder.set_max_table_size((v as usize).min(16 * 1024));
            }
        }
        let new_window = self.remote.initial_window_size;
        if new_window != old_window {
            // "When the value of SETTINGS_INITIAL_WINDOW_SIZE changes, a receiver MUST adjust
            // the size of all stream flow-control windows that it maintains by the difference
            // between the new value and the old value" (6.9.2).
            let delta = i64::from(new_window) - i64::from(old_window);
            for (&id, st) in self.streams.iter_mut() {
                st.send = st
                    .send
                    .adjust(delta)
                    .map_err(|_| Error::InitialWindowOverflow {
                        stream: StreamId::new(id),
                    })?;
            }
            let ids: Vec<u32> = self
                .streams
                .iter()
                .filter(|(_, s)| s.out_len > 0)
                .map(|(i, _)| *i)
                .collect();
            for id in ids {
                self.enqueue(id);
            }
        }
        self.queue_ack()?;
        Frame::Settings(frame::Settings {
            ack: true,
            raw: &[],
        })
        .encode(&mut self.ctrl);
        self.events.push_back(Event::Settings(self.remote));
        Ok(())
    }

    /// A complete header block (HEADERS or PUSH_PROMISE plus CONTINUATIONs).
    fn on_block(
        &mut self,
        stream: StreamId,
        end_stream: bool,
        priority: Option<Priority>,
        promised: Option<StreamId>,
        block: &[u8],
    ) -> Result<(), Error> {
        enum Disp {
            New,
            Existing,
            Ignore,
            ClosedByReset,
        }
        // Where the block goes, decided before decoding; the block is decoded in every case
        // so that the HPACK state stays in step with the peer's.
        let disp = if let Some(p) = promised {
            let assoc_ok = self.streams.get(&stream.value()).is_some_and(|s| {
                s.local && matches!(s.state, State::Open | State::HalfClosedLocal)
            });
            if !assoc_ok || p.is_client_initiated() || p.value() <= self.last_peer {
                return Err(Error::UnexpectedStreamId {
                    stream: p,
                    last: StreamId::new(self.last_peer),
                });
            }
            if self.goaway_sent.is_some_and(|l| p.value() > l) {
                // A push the server started after our GOAWAY: ignored (6.8).
                Disp::Ignore
            } else {
                Disp::New
            }
        } else if self.streams.contains_key(&stream.value()) {
            Disp::Existing
        } else if self.role == Role::Server
            && stream.is_client_initiated()
            && stream.value() > self.last_peer
        {
            if self.goaway_sent.is_some_and(|l| stream.value() > l) {
                Disp::Ignore
            } else {
                Disp::New
            }
        } else if self.is_peer_initiated(stream)
            && self.goaway_sent.is_some_and(|l| stream.value() > l)
        {
            // The response on a push we ignored after our GOAWAY (6.8).
            Disp::Ignore
        } else if !self.is_peer_initiated(stream) && self.is_idle(stream)
            || self.role == Role::Server && !stream.is_client_initiated()
        {
            return Err(Error::UnexpectedStreamId {
                stream,
                last: StreamId::new(self.last_peer),
            });
        } else {
            match self.closed.get(&stream.value()) {
                Some(Closure::ResetByUs) => Disp::Ignore,
                Some(Closure::ResetByPeer) => Disp::ClosedByReset,
                Some(Closure::Ended) => {
                    // Decode first to keep HPACK in sync, then fail.
                    let _ = self.decoder.decode(block, |_| {});
                    return Err(Error::StreamClosed {
                        stream,
                        kind: kind::HEADERS,
                    });
                }
                None => {
                    return Err(Error::UnexpectedStreamId {
                        stream,
                        last: StreamId::new(self.last_peer),
                    });
                }
            }
        };
        let kind = match (&disp, promised) {
            (_, Some(_)) => Kind::Request {
                connect_protocol: false,
            },
            (Disp::New, None) => Kind::Request {
                connect_protocol: self.local.enable_connect_protocol,
            },
            (Disp::Existing, None) => {
                let s = &self.streams[&stream.value()];
                if s.got_head || (self.role == Role::Server && !s.local) {
                    Kind::Trailers
                } else {
                    Kind::Response
                }
            }
            _ => Kind::Trailers,
        };
        let mut head = Head::default();
        let mut col = Collector::new(&mut head, kind);
        let res = self
            .decoder
            .decode(block, |h| col.push(h.name, h.value, h.sensitive));
        let valid = col.finish();
        let too_large = match res {
            Ok(()) => None,
            Err(DecodeError::HeaderListTooLarge { size, max }) => {
                Some(StreamError::HeaderListTooLarge { size, limit: max })
            }
            Err(error) => {
                return Err(Error::Compression {
                    stream: promised.unwrap_or(stream),
                    error,
                });
            }
        };
        let target = promised.unwrap_or(stream);
        match disp {
            Disp::Ignore => return self.ignored_frame(kind::HEADERS),
            Disp::ClosedByReset => return self.stream_error(stream, StreamError::ClosedByReset),
            _ => {}
        }
        if let Some(p) = promised {
            self.last_peer = p.value();
            self.stream_opened();
            if let Some(e) = too_large {
                return self.stream_error(p, e);
            }
            if let Err(m) = valid {
                return self.stream_error(p, StreamError::Malformed(m));
            }
            let init = self.acked_local.initial_window_size;
            let mut s = Stream::new(State::ReservedRemote, false, 0, init, init);
            s.state = State::Idle
                .on(Side::Recv, Ev::PushPromise)
                .unwrap_or(State::Closed);
            self.streams.insert(p.value(), s);
            self.events.push_back(Event::PushPromise {
                stream,
                promised: p,
                head: Box::new(head),
            });
            return Ok(());
        }
        if let Disp::New = disp {
            self.last_peer = stream.value();
            self.stream_opened();
            if priority.is_some_and(|p| p.dependency == stream) {
                // "A stream cannot depend on itself. An endpoint MUST treat this as a stream
                // error of type PROTOCOL_ERROR" (5.3.1).
                return self.stream_error(
                    stream,
                    StreamError::Frame(FrameError::SelfDependency { stream }),
                );
            }
            let limit = self
                .local
                .max_concurrent_streams
                .unwrap_or(self.config.limits.max_concurrent_streams);
            // Streams answered but not yet read count too: each holds memory until read.
            if self.peer_streams >= limit {
                // "An endpoint that receives a HEADERS frame that causes its advertised
                // concurrent stream limit to be exceeded MUST treat this as a stream error of
                // type PROTOCOL_ERROR or REFUSED_STREAM" (5.1.2).
                return self.stream_error(stream, StreamError::Refused { limit });
            }
            if let Some(e) = too_large {
                return self.stream_error(stream, e);
            }
            if let Err(m) = valid {
                return self.stream_error(stream, StreamError::Malformed(m));
            }
            let state = match State::Idle.on(Side::Recv, Ev::Headers { end_stream }) {
                Ok(s) => s,
                Err(e) => return self.state_violation(stream, e),
            };
            if end_stream && head.content_length.is_some_and(|n| n != 0) {
                let m = Malformed::ContentLengthMismatch {
                    declared: head.content_length.unwrap_or(0),
                    received: 0,
                };
                return self.stream_error(stream, StreamError::Malformed(m));
            }
            // The window the peer assumed: our SETTINGS as it had acknowledged them when it
            // sent this HEADERS; a later ACK applies the difference (6.9.2).
            let init = self.acked_local.initial_window_size;
            let mut s = Stream::new(state, false, self.remote.initial_window_size, init, init);
            if let Some(b) = &self.bdp {
                let _ = b;
                let t = self.conn_recv.target().min(crate::settings::MAX_WINDOW);
                if t > init {
                    s.recv
                        .set_target(t.min(self.config.bdp_max_window.unwrap_or(init)));
                }
            }
            s.got_head = true;
            s.content_length = head.content_length;
            s.no_body = head.method() == Some(b"HEAD");
            s.counted = true;
            self.peer_streams += 1;
            self.streams.insert(stream.value(), s);
            self.events.push_back(Event::Request {
                stream,
                head: Box::new(head),
                end_stream,
            });
            return Ok(());
        }
        // An existing stream: response head, informational head, or trailers.
        let _ = target;
        let Some(s) = self.streams.get_mut(&stream.value()) else {
            return Ok(());
        };
        let next = match s.state.on(Side::Recv, Ev::Headers { end_stream }) {
            Ok(n) => n,
            Err(e) => return self.state_violation(stream, e),
        };
        if let Some(e) = too_large {
            return self.stream_error(stream, e);
        }
        if let Err(m) = valid {
            return self.stream_error(stream, StreamError::Malformed(m));
        }
        match kind {
            Kind::Trailers => {
                if !end_stream {
                    return self.stream_error(
                        stream,
                        StreamError::Malformed(Malformed::UnexpectedHeaders),
                    );
                }
                if let Some(cl) = s.content_length
                    && !s.no_body
                    && cl != s.received
                {
                    let m = Malformed::ContentLengthMismatch {
                        declared: cl,
                        received: s.received,
                    };
                    return self.stream_error(stream, StreamError::Malformed(m));
                }
                s.state = next;
                self.events.push_back(Event::Trailers {
                    stream,
                    fields: head.fields,
                });
            }
            _ => {
                let status = head.status().unwrap_or(0);
                if status < 200 {
                    if end_stream {
                        return self.stream_error(
                            stream,
                            StreamError::Malformed(Malformed::UnexpectedHeaders),
                        );
                    }
                } else {
                    s.got_head = true;
                    if status == 204 || status == 304 {
                        s.no_body = true;
                    }
                    s.content_length = head.content_length;
                    if end_stream && !s.no_body && head.content_length.is_some_and(|n| n != 0) {
                        let m = Malformed::ContentLengthMismatch {
                            declared: head.content_length.unwrap_or(0),
                            received: 0,
                        };
                        return self.stream_error(stream, StreamError::Malformed(m));
                    }
                }
                s.state = next;
                self.events.push_back(Event::Response {
                    stream,
                    head: Box::new(head),
                    end_stream,
                });
            }
        }
        self.maybe_forget(stream.value());
        Ok(())
    }
}

fn check_fields(fields: &[(&[u8], &[u8])]) -> Result<(), UserError> {
    for (n, v) in fields {
        head::check_name(n).map_err(UserError::InvalidField)?;
        head::check_value(v).map_err(UserError::InvalidField)?;
        if head::connection_specific(n) {
            return Err(UserError::InvalidField(Malformed::ConnectionSpecific));
        }
    }
    Ok(())
}
