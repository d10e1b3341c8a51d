//! The HTTP/2 side of a client connection: one exchange per stream on proto-h2's
//! [`Connection`], new streams as far as the server's concurrency limit allows, request
//! bodies offered as flow control takes them, response bodies moved into the readers' queues
//! as they have room (reading is what returns window credit), cancels as RST_STREAM CANCEL,
//! and extended CONNECT (RFC 8441) for tunnels once the server's SETTINGS allow it.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use proto_h2::conn::{Connection, Event as H2Event, Request as H2Request};
use proto_h2::error::UserError;
use proto_h2::frame::{ErrorCode, StreamId};

use super::{Active, InlineList, SEND_PIECE};
use crate::client::body::{Fields, Head, Reason, Version};
use crate::client::error::{Error, ProtocolError};
use crate::client::pool::{ConnShared, Job};
use crate::event_loop::ConnWaker;

/// Fields that are connection-specific in HTTP/1.1 and not sent over HTTP/2 (RFC 9113
/// 8.2.2); `host` becomes `:authority`.
const H2_DROPPED: [&str; 6] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "upgrade",
    "host",
];

/// Hashes numbers this side hands out itself with one multiplication instead of SipHash: the
/// stream ids of [`H2::streams`] (a step looks up every stream it walks; odd numbers counting
/// up) and a completion queue's tickets (counting up from 0, looked up twice per request).
/// Nobody picks them to collide, so SipHash's protection against chosen keys buys nothing.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct IdHasher(u64);

impl IdHasher {
    /// 2^64 divided by the golden ratio (Fibonacci hashing).
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
}

impl std::hash::Hasher for IdHasher {
    fn finish(&self) -> u64 {
        // The product's high bits are the well-mixed ones; folded down, they reach the low
        // bits the table indexes with (odd ids would otherwise all end in 1).
        self.0 ^ (self.0 >> 32)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(Self::K);
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.0 = (self.0 ^ u64::from(n)).wrapping_mul(Self::K);
    }

    fn write_u64(&mut self, n: u64) {
        // The high half folded in first: numbers below 2^32 hash as their u32 would.
        self.0 = (self.0 ^ n ^ (n >> 32).rotate_left(29)).wrapping_mul(Self::K);
    }
}

/// A map keyed by numbers this side hands out ([`IdHasher`]).
pub(crate) type IdMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<IdHasher>>;

/// The exchanges of an HTTP/2 connection by stream id.
pub(super) type Streams = IdMap<u32, Active>;

/// An HTTP/2 connection and its exchanges by stream.
pub(super) struct H2 {
    pub(super) conn: Connection,
    pub(super) streams: Streams,
    /// The server's SETTINGS arrived (an extended CONNECT waits for them).
    pub(super) peer_settings: Option<proto_h2::settings::Settings>,
    /// The streams a step found over, removed after its walk (kept for its capacity: a
    /// step runs on every turn).
    pub(super) ids: Vec<u32>,
}

/// Usual request field names, lowercase: found here, a name needs no copy to be lowered.
const USUAL_NAMES: [&str; 14] = [
    "accept",
    "accept-encoding",
    "accept-language",
    "authorization",
    "cache-control",
    "content-length",
    "content-type",
    "cookie",
    "origin",
    "pragma",
    "priority",
    "referer",
    "te",
    "user-agent",
];

/// `name` lowercase without a copy: itself when it is lowercase already, else the usual
/// name it spells in other case; `None` for another name with capitals.
fn lowercase_name(name: &str) -> Option<&[u8]> {
    if !name.bytes().any(|b| b.is_ascii_uppercase()) {
        return Some(name.as_bytes());
    }
    USUAL_NAMES
        .iter()
        .find(|u| u.eq_ignore_ascii_case(name))
        .map(|u| u.as_bytes())
}

/// The client's copy of a response head: its regular fields in one pass, into a buffer sized
/// at once from the head's own totals (pseudo-headers included: a few octets too many).
fn h2_head(head: &proto_h2::head::Head, status: u16) -> Head {
    let fields = Fields::from_tokens(head.fields.len(), head.fields.octets(), head.headers());
    Head {
        status,
        version: Version::H2,
        reason: Reason::None,
        fields,
        informational: Vec::new(),
    }
}

/// Offers request body bytes to the HTTP/2 engine as far as flow control and its bounded
/// queue take them (what it does not take waits for `SendReady`, which wakes the next
/// step); ends the stream when the body ended.
fn feed_h2(
    conn: &mut Connection,
    sid: StreamId,
    a: &mut Active,
    now: Instant,
) -> Result<(), Error> {
    let user = |e: UserError| Error::InvalidRequest(e.to_string());
    while !a.send.done {
        if a.send.pipe.is_none() {
            // Bytes: the end of the stream goes with the last of them.
            let rest = std::mem::take(&mut a.send.rest);
            let n = conn.send_data(sid, rest.clone(), true).map_err(user)?;
            if n > 0 {
                a.send.progress = now;
            }
            if n == rest.len() {
                a.body_sent(now);
            } else {
                a.send.rest = rest.slice(n..);
            }
            return Ok(());
        }
        match a.send.next(SEND_PIECE)? {
            Some(b) => {
                let n = conn.send_data(sid, b.clone(), false).map_err(user)?;
                if n > 0 {
                    a.send.progress = now;
                }
                if n < b.len() {
                    a.send.unread(b.slice(n..));
                    return Ok(());
                }
            }
            None => {
                if a.send.at_end() {
                    let trailers = a.send.take_trailers();
                    if trailers.is_empty() {
                        conn.send_data(sid, Bytes::new(), true).map_err(user)?;
                    } else {
                        // A trailing HEADERS ends the stream (RFC 9113 8.1), names lowercase.
                        let lower: Vec<(Vec<u8>, &[u8])> = trailers
                            .iter()
                            .map(|(n, v)| (n.to_ascii_lowercase().into_bytes(), v.as_slice()))
                            .collect();
                        let fields: Vec<(&[u8], &[u8])> =
                            lower.iter().map(|(n, v)| (n.as_slice(), *v)).collect();
                        conn.send_trailers(sid, &fields).map_err(user)?;
                    }
                    a.body_sent(now);
                }
                return Ok(());
            }
        }
    }
    Ok(())
}

/// Opens streams for queued requests, as far as the server's concurrency limit allows. An
/// extended CONNECT waits for the server's SETTINGS, and fails with
/// [`ProtocolError::NoExtendedConnect`] when they do not allow it.
fn start_h2(
    h: &mut H2,
    jobs: &mut VecDeque<Job>,
    shared: &ConnShared,
    waker: Option<&ConnWaker>,
    now: Instant,
) {
    while let Some(job) = jobs.front() {
        if job.ex.is_cancelled() {
            jobs.pop_front();
            shared.release();
            continue;
        }
        if shared.is_closed() {
            break;
        }
        let req = &job.req;
        let protocol = match &req.tunnel {
            None => None,
            Some(t) => match &h.peer_settings {
                None => break,
                Some(s) if s.enable_connect_protocol => Some(t.protocol.as_bytes()),
                Some(_) => {
                    let job = jobs.pop_front().expect("front exists");
                    job.ex
                        .fail(Error::Protocol(ProtocolError::NoExtendedConnect));
                    shared.release();
                    continue;
                }
            },
        };
        // One walk over the fields: `host` becomes `:authority` (the first one), a given
        // `content-length` is noted, the connection-specific ones are dropped, and names go
        // lowercase (RFC 9113 8.2.1): as they are when they already are, a static copy for
        // the usual ones; only other names are copied (into `owned`, with the slot each
        // takes, filled in after the walk).
        let mut authority = None;
        let mut framed = false;
        let mut owned: Vec<(usize, Vec<u8>)> = Vec::new();
        let mut fields = InlineList::new((&b""[..], &b""[..]));
        for (n, v) in req.h2_fields() {
            if n.eq_ignore_ascii_case("host") {
                authority.get_or_insert(v);
                continue;
            }
            framed |= n.eq_ignore_ascii_case("content-length");
            if H2_DROPPED.iter().any(|d| n.eq_ignore_ascii_case(d)) {
                continue;
            }
            match lowercase_name(n) {
                Some(name) => fields.push((name, v)),
                None => {
                    owned.push((fields.len(), n.to_ascii_lowercase().into_bytes()));
                    fields.push((b"", v));
                }
            }
        }
        let slots = fields.as_mut_slice();
        for (i, name) in &owned {
            slots[*i].0 = name;
        }
        let mut digits = [0; 20];
        let length = req
            .body
            .len()
            .map(|n| crate::decimal::decimal(n, &mut digits));
        if !framed
            && let Some(length) = length
            && (length != "0" || req.method_has_body())
        {
            fields.push((b"content-length", length.as_bytes()));
        }
        let authority = authority.unwrap_or(shared.authority.as_bytes());
        let head = H2Request {
            method: if protocol.is_some() {
                b"CONNECT"
            } else {
                req.method.as_bytes()
            },
            scheme: req.scheme.as_str().as_bytes(),
            authority,
            path: req.target.as_bytes(),
            protocol,
            headers: fields.as_slice(),
        };
        let no_body = req.body.is_empty();
        match h.conn.send_request(&head, no_body) {
            Ok(id) => {
                let mut job = jobs.pop_front().expect("front exists");
                let mut a = Active::new(&mut job, now, waker, false);
                if no_body {
                    a.body_sent(now);
                }
                job.ex.attach(waker.cloned());
                h.streams.insert(id.value(), a);
            }
            Err(UserError::ConcurrencyLimit(_)) => break,
            Err(UserError::GoingAway | UserError::StreamIdsExhausted) => {
                // The jobs left fail as not sent when the connection ends; new ones go
                // elsewhere.
                shared.mark_closed();
                break;
            }
            Err(e) => {
                let job = jobs.pop_front().expect("front exists");
                job.ex.fail(Error::InvalidRequest(e.to_string()));
                shared.release();
            }
        }
    }
}

pub(super) fn step_h2(
    h: &mut H2,
    jobs: &mut VecDeque<Job>,
    shared: &ConnShared,
    waker: Option<&ConnWaker>,
    now: Instant,
) -> Result<(), Error> {
    start_h2(h, jobs, shared, waker, now);
    let settings_known = h.peer_settings.is_some();
    while let Some(ev) = h.conn.poll_event() {
        match ev {
            H2Event::Response {
                stream,
                head,
                end_stream,
            } => {
                if let Some(a) = h.streams.get_mut(&stream.value()) {
                    // Interim heads (HEADERS without END_STREAM, :status 1xx) let a body that
                    // waits for `100 Continue` go; a final one before it means the body is
                    // not sent (the stream is reset with NO_ERROR once the response is
                    // complete, RFC 9113 8.1).
                    let status = head.status().unwrap_or(0);
                    a.interim_or_refused(status, now);
                    if status >= 200 {
                        // Signalled with the body below, in this same step (or by a failure).
                        a.set_head_deferred(h2_head(&head, status));
                        a.head = true;
                        a.last_data = now;
                        a.ended |= end_stream;
                    } else if (100..200).contains(&status) {
                        a.informational(h2_head(&head, status));
                    }
                }
                // Copied out: its memory takes the next head the engine decodes.
                h.conn.recycle_head(head);
            }
            H2Event::Data {
                stream, end_stream, ..
            } => {
                if let Some(a) = h.streams.get_mut(&stream.value()) {
                    a.ended |= end_stream;
                    a.last_data = now;
                }
            }
            H2Event::Trailers { stream, .. } => {
                if let Some(a) = h.streams.get_mut(&stream.value()) {
                    a.ended = true;
                }
            }
            H2Event::Reset {
                stream,
                code,
                remote,
                ..
            } => {
                if let Some(a) = h.streams.get_mut(&stream.value())
                    && remote
                    && code == ErrorCode::NO_ERROR
                    && a.ended
                {
                    // RFC 9113 8.1: the response is complete and the server asks us to stop
                    // sending; clients "MUST NOT discard responses as a result". The rest
                    // of the request body is not sent (a writer learns it); the body stays
                    // readable below.
                    a.send.fail(&Error::ConnectionClosed);
                    a.send.done = true;
                    continue;
                }
                if let Some(a) = h.streams.remove(&stream.value()) {
                    a.ex.fail(Error::Protocol(ProtocolError::Reset(code)));
                    shared.release();
                }
            }
            H2Event::Settings(s) => {
                h.peer_settings = Some(s);
                let mut info = shared.info();
                info.h2_peer_settings = Some(s);
                if info.h2_peer_settings_frame.is_none() {
                    info.h2_peer_settings_frame =
                        Some(h.conn.peer_fingerprint().settings().to_vec());
                }
                drop(info);
                if let Some(n) = s.max_concurrent_streams {
                    shared.set_max_streams(n);
                }
            }
            H2Event::GoAway { last_stream, .. } => {
                shared.mark_closed();
                let unprocessed: Vec<u32> = h
                    .streams
                    .keys()
                    .copied()
                    .filter(|&id| id > last_stream.value())
                    .collect();
                for id in unprocessed {
                    if let Some(a) = h.streams.remove(&id) {
                        a.ex.fail(Error::ConnectionClosed);
                    }
                }
            }
            _ => {}
        }
    }
    if !settings_known && h.peer_settings.is_some() {
        // An extended CONNECT may have waited for them.
        start_h2(h, jobs, shared, waker, now);
    }
    // Body bytes into the readers' queues while they have room (reading is what returns
    // window credit to the server), cancels, and the streams that are complete.
    // The streams walked in place (no lookup per stream); those that are over are removed
    // after the walk, their exchanges signalled before (an `Active`'s drop reads its
    // exchange).
    let H2 {
        conn, streams, ids, ..
    } = h;
    ids.clear();
    for (&id, a) in streams.iter_mut() {
        let sid = StreamId::new(id);
        if a.ex.is_cancelled() {
            // The stream may be closed already (its response complete): nothing to reset.
            let _ = conn.reset(sid, ErrorCode::CANCEL);
            ids.push(id);
            shared.release();
            continue;
        }
        if !a.send.done
            && a.may_send()
            && let Err(e) = feed_h2(conn, sid, a, now)
        {
            let _ = conn.reset(sid, ErrorCode::CANCEL);
            a.ex.fail(e);
            ids.push(id);
            shared.release();
            continue;
        }
        if !a.head {
            continue;
        }
        // The head (set above), the body bytes and the end reach a waiting caller with one
        // signal, when `d` is dropped.
        let ex = Arc::clone(&a.ex);
        let mut d = ex.deliver();
        let mut drained = false;
        loop {
            let room = d.reserve();
            if !a.note_room(room, now) {
                break;
            }
            match conn.read_data(sid) {
                Some(b) => d.push(b),
                None => {
                    drained = true;
                    break;
                }
            }
        }
        if drained && a.ended {
            if !a.send.done {
                // Answered before the request body was all sent (RFC 9113 8.1).
                let _ = conn.reset(sid, ErrorCode::NO_ERROR);
            }
            // The stream slot is free before the caller learns the body ended.
            shared.release();
            d.finish();
            drop(d);
            ids.push(id);
        }
    }
    for id in ids.iter() {
        streams.remove(id);
    }
    if let Some(e) = h.conn.error() {
        return Err(Error::Protocol(ProtocolError::H2(e.clone())));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{IdHasher, lowercase_name};
    use std::hash::{BuildHasher, BuildHasherDefault};

    /// Consecutive stream ids (odd numbers) spread over the low bits a table indexes with,
    /// and over the high bits it keeps as tags.
    #[test]
    fn stream_ids_hash_apart() {
        let b = BuildHasherDefault::<IdHasher>::default();
        let hashes: Vec<u64> = (0..256u32).map(|i| b.hash_one(2 * i + 1)).collect();
        let low: std::collections::HashSet<u64> = hashes.iter().map(|h| h & 0xff).collect();
        let high: std::collections::HashSet<u64> = hashes.iter().map(|h| h >> 57).collect();
        assert!(low.len() > 128, "{} low bytes of 256", low.len());
        assert!(high.len() > 100, "{} high 7-bit tags of 128", high.len());
    }

    /// Consecutive tickets (u64, from 0) spread the same way, and a u64 below 2^32 hashes
    /// as the u32 it holds.
    #[test]
    fn tickets_hash_apart() {
        let b = BuildHasherDefault::<IdHasher>::default();
        let hashes: Vec<u64> = (0..256u64).map(|i| b.hash_one(i)).collect();
        let low: std::collections::HashSet<u64> = hashes.iter().map(|h| h & 0xff).collect();
        let high: std::collections::HashSet<u64> = hashes.iter().map(|h| h >> 57).collect();
        assert!(low.len() > 128, "{} low bytes of 256", low.len());
        assert!(high.len() > 100, "{} high 7-bit tags of 128", high.len());
        assert_eq!(b.hash_one(77u64), b.hash_one(77u32));
        assert_ne!(b.hash_one(1u64 << 32), b.hash_one(0u64));
    }

    /// Lowercase names pass as they are, usual names in any case come lowercase from the
    /// table, other names with capitals are left to be copied.
    #[test]
    fn names_are_lowered_without_a_copy_when_they_can_be() {
        assert_eq!(lowercase_name("x-custom"), Some(&b"x-custom"[..]));
        assert_eq!(
            lowercase_name("Accept-Encoding"),
            Some(&b"accept-encoding"[..])
        );
        assert_eq!(lowercase_name("USER-AGENT"), Some(&b"user-agent"[..]));
        assert_eq!(lowercase_name("X-Custom"), None);
    }
}
