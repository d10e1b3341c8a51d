//! What the peer's connection preface says about its HTTP/2 stack: the fields of the Akamai
//! HTTP/2 fingerprint (Akamai, "Passive Fingerprinting of HTTP/2 Clients", Black Hat EU
//! 2017), recorded as frames arrive so that a server can compute it.
//!
//! See [`PeerFingerprint`] for what is kept.

use super::Connection;
use super::config::Pseudo;
use crate::compact;
use crate::frame::{Priority, PriorityFrame, StreamId};
use std::fmt::Write as _;

/// At most this many SETTINGS parameters are kept (the limit
/// [`Limits::max_settings_params`](super::Limits::max_settings_params) refuses more by
/// default).
pub const MAX_SETTINGS: usize = 32;

/// At most this many PRIORITY frames are kept (old Firefox sent six; current browsers none).
pub const MAX_PRIORITIES: usize = 16;

/// The peer's HTTP/2 fingerprint fields, from [`Connection::peer_fingerprint`]: what its
/// connection preface says about its HTTP/2 stack, for the Akamai fingerprint
/// ([`PeerFingerprint::akamai_string`]).
///
/// | field | what is kept | bound |
/// |---|---|---|
/// | SETTINGS | the peer's first SETTINGS frame, (id, value) in the order received, unknown ids included | [`MAX_SETTINGS`] pairs |
/// | WINDOW_UPDATE | the increment of the first WINDOW_UPDATE on stream 0 received before the first HEADERS | one `u32` |
/// | PRIORITY | PRIORITY frames received before the first HEADERS, in order | [`MAX_PRIORITIES`] frames; later ones are counted, not kept |
/// | pseudo-header order | `:method`, `:authority`, `:scheme`, `:path` as they come in the first HEADERS block | four |
///
/// Recording stops with the first HEADERS frame (the pseudo-header order is taken when its
/// block is complete), so the fingerprint is fixed from the first request on, and nothing is
/// allocated for it after that: the two lists are allocated once each, at their first entry.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PeerFingerprint {
    settings: Vec<(u16, u32)>,
    settings_seen: bool,
    window_update: Option<u32>,
    priorities: Vec<PriorityFrame>,
    priorities_dropped: u32,
    headers_priority: Option<Priority>,
    pseudo: [Option<Pseudo>; 4],
    /// The first HEADERS frame arrived: nothing but its pseudo-header order is recorded now.
    headers_seen: bool,
    /// The first HEADERS block was decoded and its pseudo-header order taken.
    pseudo_seen: bool,
}

impl PeerFingerprint {
    /// The parameters of the peer's first SETTINGS frame, in the order received, unknown
    /// identifiers included (at most [`MAX_SETTINGS`]).
    pub fn settings(&self) -> &[(u16, u32)] {
        &self.settings
    }

    /// The increment of the peer's first WINDOW_UPDATE on stream 0, if one came before its
    /// first HEADERS.
    pub fn window_update(&self) -> Option<u32> {
        self.window_update
    }

    /// The PRIORITY frames received before the first HEADERS, in order (at most
    /// [`MAX_PRIORITIES`]).
    pub fn priorities(&self) -> &[PriorityFrame] {
        &self.priorities
    }

    /// PRIORITY frames received before the first HEADERS beyond [`MAX_PRIORITIES`], counted
    /// but not kept.
    pub fn priorities_dropped(&self) -> u32 {
        self.priorities_dropped
    }

    /// The priority fields of the first HEADERS frame, if it carried them (not part of the
    /// Akamai string; Chrome sends exclusive, dependency 0, weight 256).
    pub fn headers_priority(&self) -> Option<Priority> {
        self.headers_priority
    }

    /// The request pseudo-headers of the first HEADERS block, in the order received (others,
    /// such as `:protocol` or a response's `:status`, are not listed).
    pub fn pseudo_order(&self) -> impl Iterator<Item = Pseudo> + '_ {
        self.pseudo.iter().map_while(|p| *p)
    }

    /// Whether the first HEADERS block has arrived, after which nothing changes.
    pub fn is_complete(&self) -> bool {
        self.pseudo_seen
    }

    /// The Akamai HTTP/2 fingerprint `S[;]|WU|P[,]|PS`: SETTINGS as `id:value` joined by `;`;
    /// the WINDOW_UPDATE increment, or `00` when none came (as Akamai's paper writes it);
    /// PRIORITY frames as `stream:exclusive:dependency:weight` (the weight 1..=256, the wire
    /// value plus one) joined by `,`, or `0` when none came; the pseudo-header order as
    /// letters `m`, `a`, `s`, `p` joined by `,`. Chrome's:
    /// `1:65536;2:0;4:6291456;6:262144|15663105|0|m,a,s,p`. Allocates the string.
    pub fn akamai_string(&self) -> String {
        let mut s = String::with_capacity(96);
        for (i, (id, v)) in self.settings.iter().enumerate() {
            let sep = if i == 0 { "" } else { ";" };
            let _ = write!(s, "{sep}{id}:{v}");
        }
        s.push('|');
        match self.window_update {
            Some(w) => {
                let _ = write!(s, "{w}");
            }
            None => s.push_str("00"),
        }
        s.push('|');
        if self.priorities.is_empty() {
            s.push('0');
        }
        for (i, p) in self.priorities.iter().enumerate() {
            let sep = if i == 0 { "" } else { "," };
            let _ = write!(
                s,
                "{sep}{}:{}:{}:{}",
                p.stream.value(),
                u8::from(p.priority.exclusive),
                p.priority.dependency.value(),
                u16::from(p.priority.weight) + 1
            );
        }
        s.push('|');
        for (i, p) in self.pseudo_order().enumerate() {
            if i > 0 {
                s.push(',');
            }
            s.push(match p {
                Pseudo::Method => 'm',
                Pseudo::Authority => 'a',
                Pseudo::Scheme => 's',
                Pseudo::Path => 'p',
            });
        }
        s
    }

    /// The peer's first SETTINGS frame (later ones are not recorded).
    pub(super) fn on_settings(&mut self, params: impl Iterator<Item = (u16, u32)>) {
        if self.settings_seen {
            return;
        }
        self.settings_seen = true;
        let (n, _) = params.size_hint();
        self.settings = Vec::with_capacity(n.min(MAX_SETTINGS));
        self.settings.extend(params.take(MAX_SETTINGS));
    }

    /// A WINDOW_UPDATE on stream 0.
    pub(super) fn on_connection_window_update(&mut self, increment: u32) {
        if !self.headers_seen && self.window_update.is_none() {
            self.window_update = Some(increment);
        }
    }

    /// A PRIORITY frame.
    pub(super) fn on_priority(&mut self, p: PriorityFrame) {
        if self.headers_seen {
            return;
        }
        if self.priorities.len() >= MAX_PRIORITIES {
            self.priorities_dropped = self.priorities_dropped.saturating_add(1);
            return;
        }
        if self.priorities.capacity() == 0 {
            self.priorities = Vec::with_capacity(MAX_PRIORITIES);
        }
        self.priorities.push(p);
    }

    /// A HEADERS frame (the first one ends the preface).
    pub(super) fn on_headers(&mut self, priority: Option<Priority>) {
        if !self.headers_seen {
            self.headers_seen = true;
            self.headers_priority = priority;
        }
    }

    /// Whether the next decoded HEADERS block is the first one, whose pseudo-header order
    /// is wanted.
    pub(super) fn wants_pseudo(&self) -> bool {
        self.headers_seen && !self.pseudo_seen
    }

    /// The field names of the first HEADERS block, in wire order.
    pub(super) fn on_first_block<'n>(&mut self, names: impl Iterator<Item = &'n [u8]>) {
        self.pseudo_seen = true;
        let mut n = 0;
        for name in names.take_while(|n| n.first() == Some(&b':')) {
            let p = match name {
                b":method" => Pseudo::Method,
                b":authority" => Pseudo::Authority,
                b":scheme" => Pseudo::Scheme,
                b":path" => Pseudo::Path,
                _ => continue,
            };
            if n < self.pseudo.len() && !self.pseudo[..n].contains(&Some(p)) {
                self.pseudo[n] = Some(p);
                n += 1;
            }
        }
    }
}

/// Flags of the first octet of a frozen [`PeerFingerprint`]; its bits 5 to 7 hold the
/// number of pseudo-headers recorded (0 to 4).
mod frozen {
    pub(super) const SETTINGS_SEEN: u8 = 0x01;
    pub(super) const HEADERS_SEEN: u8 = 0x02;
    pub(super) const PSEUDO_SEEN: u8 = 0x04;
    pub(super) const WINDOW_UPDATE: u8 = 0x08;
    pub(super) const HEADERS_PRIORITY: u8 = 0x10;
    pub(super) const PSEUDO_SHIFT: u8 = 5;
}

/// A priority's exclusive flag and dependency as one number (the flag in bit 31, as on the
/// wire: a dependency is 31 bits).
fn dependency_word(p: Priority) -> u32 {
    p.dependency.value() | (u32::from(p.exclusive) << 31)
}

fn priority_of(word: u32, weight: u8) -> Priority {
    Priority {
        exclusive: word >> 31 == 1,
        dependency: StreamId::new(word & 0x7fff_ffff),
        weight,
    }
}

impl PeerFingerprint {
    /// The octets [`PeerFingerprint::freeze_into`] appends.
    pub(super) fn frozen_len(&self) -> usize {
        let mut n = 1 + usize::from(self.pseudo[0].is_some());
        n += compact::len(self.settings.len() as u32);
        n += self
            .settings
            .iter()
            .map(|&(id, v)| compact::len(u32::from(id)) + compact::len(v))
            .sum::<usize>();
        n += self.window_update.map_or(0, compact::len);
        n += compact::len(self.priorities.len() as u32) + compact::len(self.priorities_dropped);
        n += self
            .priorities
            .iter()
            .map(|p| compact::len(p.stream.value()) + compact::len(dependency_word(p.priority)) + 1)
            .sum::<usize>();
        n + self
            .headers_priority
            .map_or(0, |p| compact::len(dependency_word(p)) + 1)
    }

    /// Appends the fingerprint in a compact form (for a hibernated connection; a few octets
    /// when the peer sent few SETTINGS and no PRIORITY): a flags octet (what was seen, which
    /// optional fields follow, how many pseudo-headers), the pseudo-header order in one octet
    /// (two bits each), then the lists and numbers as LEB128. [`PeerFingerprint::thaw`] reads
    /// it back.
    pub(super) fn freeze_into(&self, out: &mut Vec<u8>) {
        let pseudo = self.pseudo_order().count() as u8;
        let mut flags = pseudo << frozen::PSEUDO_SHIFT;
        for (set, bit) in [
            (self.settings_seen, frozen::SETTINGS_SEEN),
            (self.headers_seen, frozen::HEADERS_SEEN),
            (self.pseudo_seen, frozen::PSEUDO_SEEN),
            (self.window_update.is_some(), frozen::WINDOW_UPDATE),
            (self.headers_priority.is_some(), frozen::HEADERS_PRIORITY),
        ] {
            if set {
                flags |= bit;
            }
        }
        out.push(flags);
        if pseudo > 0 {
            let order = self
                .pseudo_order()
                .enumerate()
                .fold(0u8, |acc, (i, p)| acc | ((p as u8) << (2 * i)));
            out.push(order);
        }
        compact::put(out, self.settings.len() as u32);
        for &(id, v) in &self.settings {
            compact::put(out, u32::from(id));
            compact::put(out, v);
        }
        if let Some(w) = self.window_update {
            compact::put(out, w);
        }
        compact::put(out, self.priorities.len() as u32);
        compact::put(out, self.priorities_dropped);
        for p in &self.priorities {
            compact::put(out, p.stream.value());
            compact::put(out, dependency_word(p.priority));
            out.push(p.priority.weight);
        }
        if let Some(p) = self.headers_priority {
            compact::put(out, dependency_word(p));
            out.push(p.weight);
        }
    }

    /// The fingerprint [`PeerFingerprint::freeze_into`] wrote at the front of `*buf`, which
    /// is advanced past it; `None` when the octets are not such a fingerprint.
    pub(super) fn thaw(buf: &mut &[u8]) -> Option<PeerFingerprint> {
        let flags = compact::get_u8(buf)?;
        let mut f = PeerFingerprint {
            settings_seen: flags & frozen::SETTINGS_SEEN != 0,
            headers_seen: flags & frozen::HEADERS_SEEN != 0,
            pseudo_seen: flags & frozen::PSEUDO_SEEN != 0,
            ..PeerFingerprint::default()
        };
        let pseudo = usize::from(flags >> frozen::PSEUDO_SHIFT);
        if pseudo > f.pseudo.len() {
            return None;
        }
        if pseudo > 0 {
            let order = compact::get_u8(buf)?;
            for (i, slot) in f.pseudo.iter_mut().take(pseudo).enumerate() {
                *slot = Some(match (order >> (2 * i)) & 3 {
                    0 => Pseudo::Method,
                    1 => Pseudo::Authority,
                    2 => Pseudo::Scheme,
                    _ => Pseudo::Path,
                });
            }
        }
        let n = compact::get(buf)? as usize;
        if n > MAX_SETTINGS {
            return None;
        }
        if n > 0 {
            f.settings = Vec::with_capacity(n);
            for _ in 0..n {
                let id = u16::try_from(compact::get(buf)?).ok()?;
                f.settings.push((id, compact::get(buf)?));
            }
        }
        if flags & frozen::WINDOW_UPDATE != 0 {
            f.window_update = Some(compact::get(buf)?);
        }
        let n = compact::get(buf)? as usize;
        if n > MAX_PRIORITIES {
            return None;
        }
        f.priorities_dropped = compact::get(buf)?;
        if n > 0 {
            f.priorities = Vec::with_capacity(MAX_PRIORITIES);
            for _ in 0..n {
                let stream = StreamId::new(compact::get(buf)?);
                let word = compact::get(buf)?;
                let weight = compact::get_u8(buf)?;
                f.priorities.push(PriorityFrame {
                    stream,
                    priority: priority_of(word, weight),
                });
            }
        }
        if flags & frozen::HEADERS_PRIORITY != 0 {
            let word = compact::get(buf)?;
            f.headers_priority = Some(priority_of(word, compact::get_u8(buf)?));
        }
        Some(f)
    }
}

impl Connection {
    /// The peer's HTTP/2 fingerprint fields (its first SETTINGS, first connection
    /// WINDOW_UPDATE, PRIORITY frames before its first HEADERS and that block's
    /// pseudo-header order), for the Akamai fingerprint a server computes
    /// ([`PeerFingerprint::akamai_string`]). Complete once the first request arrived.
    pub fn peer_fingerprint(&self) -> &PeerFingerprint {
        &self.fingerprint
    }
}
