//! Configuration: the SETTINGS we send, windows, fingerprint controls ([`Config`]) and the
//! limits and defences ([`Limits`]), each with a safe default.

#[cfg(doc)]
use super::{Connection, Event};
#[cfg(doc)]
use crate::error::{Error, StreamError};
use crate::frame::{Priority, StreamId};
use crate::settings::{DEFAULT_WINDOW, id as sid};
use std::time::Duration;

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
    /// The largest request body a server accepts per stream (DATA payload bytes, padding
    /// excluded), or `None` for no limit (the default, as hyperium/h2 and nghttp2: memory is
    /// bounded by the receive windows whatever the body's size; this is a policy limit).
    /// A request whose `content-length` declares more, or whose DATA goes beyond it, is
    /// refused as RFC 9110 15.5.14 (413 Content Too Large) and RFC 9113 8.1 allow: if no
    /// response head was sent yet, the server sends `:status 413` ending the stream and then
    /// RST_STREAM(NO_ERROR), asking the client to stop sending the body; otherwise
    /// RST_STREAM(CANCEL). Either way the stream is released (unread body dropped, its
    /// credit returned) and [`Event::Reset`] carries [`StreamError::BodyTooLarge`]. Counted
    /// with `max_local_resets`. Not applied to a client's responses.
    pub max_request_body: Option<u64>,
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
    /// PING on top (a peer probing the bandwidth-delay product pings as our data arrives);
    /// unspent free PINGs are capped at `max_pings`, so at most twice this many pass in one
    /// window however much we sent before.
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
    /// not counted; unspent ones are capped at this limit, as for `max_pings`). Above it ENHANCE_YOUR_CALM ([`Error::ControlFrameFlood`]). Default 1000
    /// per 10 s.
    pub max_connection_window_updates: u32,
    /// Bytes [`Connection::send_data`] accepts per stream beyond what flow control lets go
    /// now: a stream's queued, unsent body is at most this plus the smaller of its send
    /// window and the connection's. `send_data` takes at most that much of what it is given
    /// and says how much it took; when it takes less, [`Event::SendReady`] tells when to
    /// offer the rest. Default 400 KiB, as hyperium/h2's `max_send_buffer_size`.
    pub max_send_queue: usize,
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
            max_request_body: None,
            max_closed_remembered: 1024,
            stall_timeout: Some(Duration::from_secs(60)),
            stream_stall_timeout: Some(Duration::from_secs(60)),
            max_ignored_frames: 1000,
            max_settings_params: 32,
            max_pings: 1000,
            max_settings: 100,
            max_connection_window_updates: 1000,
            max_goaways: 10,
            max_send_queue: 400 * 1024,
        }
    }
}

/// How a connection behaves: the SETTINGS it sends (order included), windows, fingerprint
/// controls and limits.
///
/// A timer whose duration is longer than the clock can reach (`Duration::MAX`) never
/// expires, here and in [`Limits`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// The SETTINGS parameters we send, in this order (identifier, value). Their values are
    /// also what we enforce.
    pub settings: Vec<(u16, u32)>,
    /// The connection receive window we want; if above 65535 a WINDOW_UPDATE with the
    /// difference follows our SETTINGS. At most 2^31-1 (RFC 9113 6.9.1): a larger value is
    /// taken as that.
    pub connection_window: u32,
    /// Priority fields on the HEADERS of our requests (client fingerprint).
    pub headers_priority: Option<Priority>,
    /// The order of the request pseudo-headers (any permutation).
    pub pseudo_order: [Pseudo; 4],
    /// The order of regular request fields (client fingerprint): names listed here go first,
    /// in this order; the others follow in the order the caller gave. Empty: caller's order.
    /// Non-empty, each request sorts a copy of its field list (one allocation per request);
    /// empty, the fields are encoded from the caller's slice without one.
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
    /// After the peer's GOAWAY (and none of ours), how long the connection stays open for
    /// the peer to close its side once no stream is left: frames it sent after its GOAWAY (a
    /// PING, a SETTINGS) are still read and answered, where a transport that closed at once
    /// would drop them. [`Connection::is_closed`] turns true at the peer's end of stream
    /// ([`Connection::recv_eof`]) or once this passed since the GOAWAY arrived
    /// ([`Connection::handle_timeout`]); a grace too long for `Instant` (`Duration::MAX`)
    /// waits for the peer's end of stream (or the idle timeout's GOAWAY). Default `None`:
    /// the connection is over as soon as the GOAWAY leaves no stream open.
    pub goaway_grace: Option<Duration>,
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
            goaway_grace: None,
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
