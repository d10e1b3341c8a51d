//! Hibernation: an idle connection stored in a few hundred bytes ([`Hibernated`]) and woken
//! again by the next input or timer.

use super::defences::{FrozenBudgets, age_ms, from_age};
use super::fingerprint::PeerFingerprint;
use super::store::Closure;
use super::{Config, Connection, Role};
use crate::flow::{Bdp, RecvWindow, Window};
use crate::hpack::{self, FrozenDecoder};
use crate::settings::Settings;
use std::time::{Duration, Instant};

/// An idle [`Connection`] in its most compact form ([`Connection::hibernate`]): what it must
/// remember of the peer and of itself, and nothing it can rebuild.
///
/// Kept: both sides' settings, the peer's HPACK table (entries only, [`FrozenDecoder`]), the
/// stream ids, both connection windows, the keep-alive and idle clocks, the rate-limit
/// counters, the streams reset recently (late frames on them are still ignored or answered
/// as before), the BDP estimator, the peer's fingerprint. Instants are
/// kept as milliseconds before the hibernation (they come back at most a millisecond later).
/// The peer's fingerprint and HPACK entries share one heap buffer of exactly their compact
/// size (a few octets for the fingerprint, the entries' octets plus two per entry): one
/// allocation rather than one per part, as every allocation costs its allocator's header
/// and rounding besides.
///
/// Not kept: every buffer and collection (they regrow on use), the configuration (given back
/// to [`Hibernated::wake`]), our HPACK encoder's table (the first header block after waking
/// starts with dynamic table size updates to 0 and back, RFC 7541 sections 4.2 and 6.3, so
/// the peer's decoder empties its copy too), the memory of streams that ended normally (a
/// late frame on one is then a connection error of type STREAM_CLOSED or PROTOCOL_ERROR, as
/// for any closed stream beyond [`Limits::max_closed_remembered`](super::Limits)).
#[derive(Debug)]
pub struct Hibernated {
    /// When it went to sleep: the ages below are in milliseconds before it.
    at: Instant,
    role: Role,
    got_settings: bool,
    stream_dropped: bool,
    bdp_acked: bool,
    local: Settings,
    remote: Settings,
    /// The decoder's limits; its entries are in `state`, after the fingerprint.
    decoder: FrozenDecoder,
    /// The peer's fingerprint ([`PeerFingerprint::freeze_into`]) then the HPACK decoder's
    /// entries ([`hpack::Decoder::freeze_into`]).
    state: State,
    next_local: u32,
    last_peer: u32,
    conn_send: Window,
    conn_recv: RecvWindow,
    last_recv: u32,
    busy_at: u32,
    keepalive_sent: u32,
    pings_out: u32,
    /// The earliest timer, in milliseconds after `at` (rounded up; `u32::MAX`: none).
    wake_after: u32,
    budgets: FrozenBudgets,
    /// Reset streams still remembered, oldest first (`true`: reset by us).
    resets: Option<Box<[(u32, bool)]>>,
    bdp: Option<Box<Bdp>>,
}

/// The octets a hibernated connection keeps inline: its fingerprint and HPACK entries up to
/// this size need no allocation of their own. A hibernated connection lives in its server's
/// per-connection slot, which is as large as an HTTP/1.1 session's whatever the protocol;
/// this fills some of the room a [`Hibernated`] leaves there (a short `:authority` entry and
/// a fingerprint with few SETTINGS fit, as from h2load, curl or a load generator).
const INLINE: usize = 62;

/// A hibernated connection's fingerprint and HPACK entries ([`Hibernated`]): inline when
/// they fit in [`INLINE`] octets, else in one heap buffer of exactly their size.
#[derive(Debug)]
enum State {
    Inline { len: u8, bytes: [u8; INLINE] },
    Heap(Box<[u8]>),
}

impl State {
    fn new(v: Vec<u8>) -> State {
        if v.len() <= INLINE {
            let mut bytes = [0; INLINE];
            bytes[..v.len()].copy_from_slice(&v);
            // At most INLINE, below 256.
            let len = v.len() as u8;
            State::Inline { len, bytes }
        } else {
            State::Heap(v.into_boxed_slice())
        }
    }

    fn bytes(&self) -> &[u8] {
        match self {
            State::Inline { len, bytes } => &bytes[..usize::from(*len)],
            State::Heap(b) => b,
        }
    }

    fn heap_size(&self) -> usize {
        match self {
            State::Inline { .. } => 0,
            State::Heap(b) => b.len(),
        }
    }
}

impl Connection {
    /// Whether [`Connection::hibernate`] would take the connection now: no stream, no event,
    /// nothing received and not yet processed, nothing to write, our SETTINGS acknowledged,
    /// no GOAWAY either way, no error, the input not ended.
    #[must_use]
    pub fn can_hibernate(&self) -> bool {
        self.streams.is_empty()
            && self.events.is_empty()
            && self.rx.is_empty()
            && self.ctrl.is_empty()
            && self.partial.is_none()
            && self.pending_settings.is_empty()
            && self.error.is_none()
            && self.goaway_sent.is_none()
            && self.goaway_recv.is_none()
            && !self.draining
            && !self.eof
            && self.stall_since.is_none()
            && !self.bdp_wants_ping
            && self.queued_acks == 0
            && self.peer_streams == 0
            && (self.preface == super::PREFACE.len())
    }

    /// Stores an idle connection compactly (see [`Hibernated`] for what is kept), when
    /// [`Connection::can_hibernate`]; otherwise hands it back unchanged. Wake it with
    /// [`Hibernated::wake`] when input arrives or at [`Hibernated::poll_timeout`].
    ///
    /// # Errors
    /// The connection itself, when it is not idle.
    pub fn hibernate(self) -> Result<Hibernated, Box<Connection>> {
        if !self.can_hibernate() {
            return Err(Box::new(self));
        }
        let at = self.now;
        let wake_after = self.poll_timeout().map_or(u32::MAX, |t| {
            let after = t.saturating_duration_since(at);
            let ms = after.as_millis() + u128::from(after.subsec_nanos() % 1_000_000 != 0);
            u32::try_from(ms).unwrap_or(u32::MAX - 1).min(u32::MAX - 1)
        });
        let resets: Vec<(u32, bool)> = self
            .closed_order
            .iter()
            .filter_map(|id| match self.closed.get(id) {
                Some(Closure::ResetByUs) => Some((*id, true)),
                Some(Closure::ResetByPeer) => Some((*id, false)),
                _ => None,
            })
            .collect();
        // The fingerprint first (it says where it ends), then the entries to the end; no
        // buffer at all when there is neither (`freeze_into` then writes nothing).
        let entries = self.decoder.frozen_len();
        let mut state = Vec::new();
        if entries > 0 || self.fingerprint != PeerFingerprint::default() {
            state.reserve_exact(self.fingerprint.frozen_len() + entries);
            self.fingerprint.freeze_into(&mut state);
        }
        let decoder = self.decoder.freeze_into(&mut state);
        let state = State::new(state);
        Ok(Hibernated {
            at,
            role: self.role,
            got_settings: self.got_settings,
            stream_dropped: self.stream_dropped,
            bdp_acked: self.bdp_acked,
            local: self.local,
            remote: self.remote,
            decoder,
            state,
            next_local: self.next_local,
            last_peer: self.last_peer,
            conn_send: self.conn_send,
            conn_recv: self.conn_recv,
            last_recv: age_ms(at, Some(self.last_recv)),
            busy_at: age_ms(at, Some(self.busy_at)),
            keepalive_sent: age_ms(at, self.keepalive_sent),
            pings_out: self.pings_out,
            wake_after,
            budgets: self.budgets.freeze(at),
            resets: (!resets.is_empty()).then(|| resets.into_boxed_slice()),
            bdp: self.bdp.map(Box::new),
        })
    }
}

impl Hibernated {
    /// When the connection's earliest timer (keep-alive PING, idle GOAWAY) is due: wake it
    /// then and call [`Connection::handle_timeout`]. `None`: no timer.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        (self.wake_after != u32::MAX)
            .then(|| self.at + Duration::from_millis(u64::from(self.wake_after)))
    }

    /// Heap bytes it holds (the peer's fingerprint and HPACK entries, the reset streams
    /// remembered, the BDP estimator), beside its own size.
    #[must_use]
    pub fn heap_size(&self) -> usize {
        self.state.heap_size()
            + self
                .resets
                .as_ref()
                .map_or(0, |r| std::mem::size_of_val(&**r))
            + self.bdp.as_ref().map_or(0, |_| std::mem::size_of::<Bdp>())
    }

    /// The connection again, at `now`, with `config` (the one it was made with: it is not
    /// kept). It goes on as if it had never slept, but for what [`Hibernated`] says is not
    /// kept; its buffers grow back as it is used.
    #[must_use]
    pub fn wake(self, config: Config, now: Instant) -> Connection {
        let mut c = Connection::new(self.role, config, now);
        // `new` queued our preface and SETTINGS: they went out long ago.
        c.ctrl = Vec::new();
        c.pending_settings.clear();
        c.preface = super::PREFACE.len();
        c.got_settings = self.got_settings;
        c.stream_dropped = self.stream_dropped;
        c.bdp_acked = self.bdp_acked;
        c.local = self.local;
        c.acked_local = self.local;
        c.remote = self.remote;
        let mut state = self.state.bytes();
        if !state.is_empty() {
            // As `hibernate` wrote it, it reads back whole.
            c.fingerprint = PeerFingerprint::thaw(&mut state).unwrap_or_default();
        }
        c.decoder = self.decoder.thaw(state);
        let list = self
            .local
            .max_header_list_size
            .map_or(c.config.limits.max_header_list_size, |v| v as usize);
        c.decoder.set_max_header_list_size(list);
        let mut encoder = hpack::Encoder::new();
        // As `on_settings` sets it: at most 16 KiB whatever the peer allows.
        encoder.set_max_table_size((self.remote.header_table_size as usize).min(16 * 1024));
        encoder.reset_table();
        c.encoder = encoder;
        c.next_local = self.next_local;
        c.last_peer = self.last_peer;
        c.conn_send = self.conn_send;
        c.conn_recv = self.conn_recv;
        c.last_recv = from_age(self.at, self.last_recv).unwrap_or(self.at);
        c.busy_at = from_age(self.at, self.busy_at).unwrap_or(self.at);
        c.keepalive_sent = from_age(self.at, self.keepalive_sent);
        c.pings_out = self.pings_out;
        c.budgets = self.budgets.thaw(self.at);
        for &(id, by_us) in self.resets.as_deref().unwrap_or_default() {
            let how = if by_us {
                Closure::ResetByUs
            } else {
                Closure::ResetByPeer
            };
            c.remember_closed(id, how);
        }
        c.bdp = self.bdp.map(|b| *b);
        c
    }
}
