//! The reading side: the reader state machine that turns received bytes into events, head
//! parsing, body framing, and moving from one exchange to the next.

use super::client::InFlight;
use super::{Conn, Decoder, Event, MethodKind, Reader, Role, RoleKind, Writer};
use crate::body::{
    Chunk, ChunkedDecoder, Framing, LengthDecoder, request_framing, response_framing,
    response_has_no_body,
};
use crate::error::Error;
use crate::fields::{Fields, MAX_SPANS, RequestHead, ResponseHead, SpanSink};
use crate::head::{Version, fields, has_token, request_head, response_head};

impl<R: Role> Conn<R> {
    /// Advances the reader; returns what to report (as offsets, so that `self` is free).
    pub(super) fn step(&mut self) -> Result<Option<Ev>, Error> {
        loop {
            match &mut self.reader {
                Reader::Closed => {
                    if !self.switching && self.buf.len() > self.start {
                        return Err(Error::UnexpectedData);
                    }
                    return Ok(None);
                }
                Reader::UpgradePending => {
                    self.reader = Reader::Closed;
                    self.writer = Writer::Closed;
                    let r = (self.start, self.buf.len());
                    self.start = self.buf.len();
                    return Ok(Some(Ev::Upgrade(r)));
                }
                Reader::Done => {
                    // Servers only: wait for our response, then start over or stop.
                    if !self.next_exchange() {
                        return Ok(None);
                    }
                }
                Reader::EndPending => {
                    if self.end_clears_spans {
                        self.end_clears_spans = false;
                        self.spans.clear();
                    }
                    self.reader = Reader::Done;
                    if R::KIND == RoleKind::Client {
                        self.pop_in_flight();
                        // Over when the peer closes, or when our last request said close
                        // (no request may follow it) and nothing else is in flight.
                        let ours_done =
                            matches!(self.writer, Writer::Closed) && self.in_flight_len() == 0;
                        if self.peer_keep_alive && !ours_done {
                            self.reader = Reader::Head;
                            self.start_head();
                        } else {
                            self.reader = Reader::Closed;
                            self.writer = Writer::Closed;
                        }
                    }
                    return Ok(Some(Ev::End));
                }
                Reader::Head => {
                    if R::KIND == RoleKind::Client && self.in_flight_len() == 0 {
                        if self.buf.len() > self.start {
                            return Err(Error::UnexpectedData);
                        }
                        return Ok(None);
                    }
                    return match self.try_head()? {
                        Some(ev) => Ok(Some(ev)),
                        None => {
                            if self.eof {
                                let partial = self.buf.len() > self.start;
                                if partial
                                    || (R::KIND == RoleKind::Client && self.in_flight_len() > 0)
                                {
                                    return Err(Error::UnexpectedEof);
                                }
                                self.reader = Reader::Closed;
                                self.writer = Writer::Closed;
                            }
                            Ok(None)
                        }
                    };
                }
                Reader::Body(dec) => {
                    let input = &self.buf[self.start..];
                    match dec {
                        Decoder::Length(d) => {
                            let data = d.decode(input);
                            let done = d.is_done();
                            if !data.is_empty() {
                                let r = (self.start, self.start + data.len());
                                self.start += data.len();
                                if done {
                                    self.spans.clear();
                                    self.reader = Reader::EndPending;
                                }
                                return Ok(Some(Ev::Data(r)));
                            }
                            if done {
                                self.spans.clear();
                                self.reader = Reader::EndPending;
                                continue;
                            }
                            if self.eof {
                                return Err(Error::UnexpectedEof);
                            }
                            return Ok(None);
                        }
                        Decoder::UntilClose => {
                            if !input.is_empty() {
                                let r = (self.start, self.buf.len());
                                self.start = self.buf.len();
                                return Ok(Some(Ev::Data(r)));
                            }
                            if self.eof {
                                self.spans.clear();
                                self.peer_keep_alive = false;
                                self.reader = Reader::EndPending;
                                continue;
                            }
                            return Ok(None);
                        }
                        Decoder::Chunked(d) => {
                            let (n, ev) = d.decode(input)?;
                            let at = self.start;
                            self.start += n;
                            match ev {
                                Some(Chunk::Data(data)) => {
                                    let len = data.len();
                                    let end = at + n;
                                    return Ok(Some(Ev::Data((end - len, end))));
                                }
                                Some(Chunk::End { trailers }) => {
                                    let end = at + n;
                                    let t0 = end - trailers.len();
                                    self.parse_trailers(t0, end)?;
                                    self.reader = Reader::EndPending;
                                    continue;
                                }
                                None => {
                                    if self.eof {
                                        return Err(Error::UnexpectedEof);
                                    }
                                    if self.start == self.buf.len() {
                                        // Everything consumed; make room for the rest.
                                        self.buf.clear();
                                        self.start = 0;
                                    }
                                    return Ok(None);
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Heads up to this size are re-parsed on every `poll_event` until complete.
const EAGER_PARSE: usize = 1024;

/// An event as offsets into the receive buffer.
#[derive(Debug, Clone, Copy)]
pub(super) enum Ev {
    Request {
        method: (usize, usize),
        target: (usize, usize),
        version: Version,
        framing: Framing,
        expect_continue: bool,
    },
    Response {
        version: Version,
        code: u16,
        reason: (usize, usize),
    },
    Data((usize, usize)),
    End,
    Upgrade((usize, usize)),
}

impl<R: Role> Conn<R> {
    pub(super) fn materialize(&self, ev: Ev) -> Event<'_> {
        let buf = &self.buf[..];
        let fields = Fields {
            buf,
            spans: &self.spans,
        };
        // The parser let only ASCII into a method, a target and a reason: the ASCII check (a
        // word at a time) always holds and is cheaper than `str::from_utf8`.
        let s = |r: (usize, usize)| crate::simd::checked_ascii_str(&buf[r.0..r.1]).unwrap_or("");
        match ev {
            Ev::Request {
                method,
                target,
                version,
                framing,
                expect_continue,
            } => Event::Request(RequestHead {
                method: s(method),
                target: s(target),
                version,
                fields,
                framing,
                expect_continue,
            }),
            Ev::Response {
                version,
                code,
                reason,
            } => Event::Response(ResponseHead {
                version,
                code,
                reason: &buf[reason.0..reason.1],
                fields,
            }),
            Ev::Data(r) => Event::Data(&buf[r.0..r.1]),
            Ev::End => Event::End { trailers: fields },
            Ev::Upgrade(r) => Event::Upgrade(&buf[r.0..r.1]),
        }
    }

    pub(super) fn parse_trailers(&mut self, t0: usize, end: usize) -> Result<(), Error> {
        self.spans.clear();
        let buf = &self.buf[..end];
        let mut sink = SpanSink {
            spans: &mut self.spans,
            base: buf.as_ptr() as usize,
            max: self.config.max_headers.min(MAX_SPANS as u32) as usize,
        };
        let limits = crate::head::Limits {
            max_head_size: usize::MAX,
            ..self.config.limits()
        };
        // The decoder validated this section already; offsets count from its start.
        match fields(buf, t0, &limits, &mut sink) {
            Ok(Some(_)) => Ok(()),
            Ok(None) => Err(Error::InvalidTrailer {
                offset: end.saturating_sub(t0),
            }),
            Err(e) => Err(Error::InvalidTrailer {
                offset: e.offset().map_or(0, |o| o.saturating_sub(t0)),
            }),
        }
    }

    pub(super) fn start_head(&mut self) {
        self.scanned = 0;
        self.tried_first_line = false;
    }

    /// Whether the bytes that arrived since the last look may complete the head: the end of
    /// the first line, or the end of an empty line. Keeps a slowly arriving head from being
    /// re-parsed once per byte.
    pub(super) fn head_may_be_ready(&mut self) -> bool {
        let b = &self.buf[self.start..];
        let from = self.scanned as usize;
        self.scanned = b.len() as u32;
        let mut p = from;
        while let Some(off) = b[p..].iter().position(|&c| c == b'\n') {
            let at = p + off;
            if !self.tried_first_line {
                self.tried_first_line = true;
                return true;
            }
            let prev = at.checked_sub(1).map(|i| b[i]);
            let prev2 = at.checked_sub(2).map(|i| b[i]);
            if prev == Some(b'\n') || (prev == Some(b'\r') && prev2 == Some(b'\n')) || at < 2 {
                return true;
            }
            p = at + 1;
        }
        false
    }

    pub(super) fn try_head(&mut self) -> Result<Option<Ev>, Error> {
        let limits = self.config.limits();
        // Small heads are parsed on every call (early rejection of garbage); larger ones only
        // when a line that may end the head arrived, so a slow peer costs linear time.
        let buffered = self.buf.len() - self.start;
        let small = buffered <= EAGER_PARSE;
        let before = self.scanned as usize;
        // A small head is parsed anyway: no look for its line ends first (a later look, once
        // it is large, starts from where the last one stopped, at worst from its start).
        let ready = small || self.head_may_be_ready();
        // A request line still without its end is parsed once more when it grows past the
        // target limit (plus room for a method), so that an over-long target is a 414 and not,
        // much later, a 431.
        let past_target = limits.max_target_len.saturating_add(64);
        let crossed = R::KIND == RoleKind::Server
            && !self.tried_first_line
            && before <= past_target
            && buffered > past_target;
        if !ready && !small && !crossed {
            if buffered > limits.max_head_size {
                return Err(Error::HeadTooLarge {
                    limit: limits.max_head_size,
                });
            }
            return Ok(None);
        }
        self.spans.clear();
        if self.spans.capacity() == 0 {
            self.spans.reserve_exact(16);
        }
        let base = self.buf.as_ptr() as usize;
        let b = &self.buf[self.start..];
        let off = self.start;
        let mut sink = SpanSink {
            spans: &mut self.spans,
            base,
            max: limits.max_headers.min(MAX_SPANS),
        };
        let range = |s: &[u8]| {
            let a = s.as_ptr() as usize - base;
            (a, a + s.len())
        };
        match R::KIND {
            RoleKind::Server => {
                let Some((line, end)) = request_head(b, &limits, &mut sink)? else {
                    return Ok(None);
                };
                let (method_at, target_at) =
                    (range(line.method.as_bytes()), range(line.target.as_bytes()));
                let (method, version) = (line.method, line.version);
                let fields = Fields {
                    buf: &self.buf,
                    spans: &self.spans,
                };
                // One pass over the fields finds what the rules below need; the framing rules
                // look again only when a framing field is there.
                let scan = fields.request_scan();
                scan.host(version)?;
                let framing = if scan.framed {
                    request_framing(version, fields.iter(), &limits)?
                } else {
                    Framing::None
                };
                let keep = scan.connection.persists(version);
                let expect_continue = scan.expects_continue(version);
                let expects = expect_continue && framing != Framing::None;
                self.request_kind = MethodKind::of(method);
                self.peer_version = version;
                self.peer_keep_alive = keep;
                self.awaiting_continue = expects;
                self.start = off + end;
                self.set_body(framing);
                Ok(Some(Ev::Request {
                    method: method_at,
                    target: target_at,
                    version,
                    framing,
                    expect_continue,
                }))
            }
            RoleKind::Client => {
                let obs = self.config.obs_fold;
                let Some((line, end)) = response_head(b, &limits, obs, &mut sink)? else {
                    return Ok(None);
                };
                let ev = Ev::Response {
                    version: line.version,
                    code: line.code,
                    reason: range(line.reason),
                };
                let code = line.code;
                let version = line.version;
                let client = self.client.as_deref();
                let InFlight { kind, upgrade } = client
                    .and_then(|c| c.in_flight.front().copied())
                    .unwrap_or_default();
                let fields = Fields {
                    buf: &self.buf,
                    spans: &self.spans,
                };
                self.start = off + end;
                if (100..200).contains(&code) && code != 101 {
                    // Interim response: the final one follows.
                    self.start_head();
                    return Ok(Some(ev));
                }
                if code == 101 {
                    // RFC 9110 section 7.8: a server sends 101 only to a request with
                    // `Upgrade`, and its own `Upgrade` names the protocol(s) it switches to,
                    // which must be among those offered.
                    if upgrade.0 == upgrade.1 {
                        return Err(Error::UnsolicitedSwitch);
                    }
                    let offered = client.map_or(&[][..], |c| &c.offered[upgrade.0..upgrade.1]);
                    let mut named = false;
                    for h in fields.iter() {
                        if !h.name.eq_ignore_ascii_case("upgrade") {
                            continue;
                        }
                        for p in h.value.split(|&c| c == b',').map(crate::head::trim_ows) {
                            if p.is_empty() {
                                continue;
                            }
                            let p = core::str::from_utf8(p).map_err(|_| Error::UpgradeMismatch)?;
                            if !has_token(offered, p) {
                                return Err(Error::UpgradeMismatch);
                            }
                            named = true;
                        }
                    }
                    if !named {
                        return Err(Error::UpgradeMismatch);
                    }
                }
                if code == 101 || (kind == MethodKind::Connect && (200..300).contains(&code)) {
                    self.switching = true;
                    self.reader = Reader::UpgradePending;
                    return Ok(Some(ev));
                }
                // One pass over the fields finds the `Connection` options and the framing
                // fields; the framing rules look again only at a `Transfer-Encoding` or
                // several `Content-Length` fields, or at a bad one (for its error).
                let scan = fields.response_scan();
                let method = kind.as_str();
                let framing = if response_has_no_body(method, code) {
                    Framing::None
                } else {
                    scan.framing.framing(&limits, Framing::UntilClose, || {
                        response_framing(method, code, version, fields.iter(), &limits)
                    })?
                };
                let keep = scan.connection.persists(version) && framing != Framing::UntilClose;
                self.peer_keep_alive = keep;
                if !keep {
                    // Requests pipelined behind this one will not be answered.
                    self.our_keep_alive = false;
                    if matches!(self.writer, Writer::Idle) {
                        self.writer = Writer::Closed;
                    }
                }
                self.set_body(framing);
                Ok(Some(ev))
            }
        }
    }

    pub(super) fn set_body(&mut self, framing: Framing) {
        let limits = &self.config.limits();
        self.reader = match framing {
            Framing::Length(0) | Framing::None => {
                self.spans_after_head_end();
                Reader::EndPending
            }
            Framing::Length(n) => Reader::Body(Decoder::Length(LengthDecoder::new(n))),
            Framing::Chunked => Reader::Body(Decoder::Chunked(ChunkedDecoder::new(limits))),
            _ => Reader::Body(Decoder::UntilClose),
        };
    }

    /// For a message without body the `End` must carry no trailers, but the head event still
    /// needs its spans: `End` clears them when it is produced.
    pub(super) fn spans_after_head_end(&mut self) {
        self.end_clears_spans = true;
    }

    /// Server, request read (`Reader::Done`): once our response is complete, starts the next
    /// exchange, switches protocols, or closes. Returns whether it moved.
    pub(super) fn next_exchange(&mut self) -> bool {
        match self.writer {
            Writer::Done if self.switching => {
                self.reader = Reader::UpgradePending;
            }
            Writer::Done | Writer::Closed => {
                if self.our_keep_alive && self.peer_keep_alive {
                    self.reset_exchange();
                } else {
                    self.reader = Reader::Closed;
                    self.writer = Writer::Closed;
                }
            }
            _ => return false,
        }
        true
    }

    pub(super) fn reset_exchange(&mut self) {
        self.reader = Reader::Head;
        self.writer = Writer::Idle;
        self.peer_keep_alive = true;
        self.our_keep_alive = true;
        self.awaiting_continue = false;
        self.start_head();
    }
}
