//! Receiving header blocks: HEADERS and PUSH_PROMISE with their CONTINUATIONs, decoded
//! (always, to keep HPACK in step with the peer) and turned into requests, responses,
//! trailers or promises.

use super::event::Event;
use super::store::{Closure, Stream};
use super::{Connection, Role, SCRATCH_KEEP};
use crate::error::{Error, StreamError};
use crate::frame::{self, FrameError, Priority, StreamId, kind};
use crate::head::{Collector, Head, Kind, Malformed};
use crate::hpack::DecodeError;
use crate::stream::{Event as Ev, Side, State};

#[derive(Debug)]
pub(super) struct Partial {
    pub(super) stream: StreamId,
    pub(super) end_stream: bool,
    pub(super) priority: Option<Priority>,
    pub(super) promised: Option<StreamId>,
    pub(super) buf: Vec<u8>,
    pub(super) frames: u32,
}

impl Connection {
    pub(super) fn start_partial(
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

    /// A CONTINUATION frame: appended to the block being gathered, within
    /// [`Limits::max_continuations`](super::Limits::max_continuations) frames and
    /// [`Limits::max_header_block`](super::Limits::max_header_block) bytes; the last one
    /// completes the block.
    pub(super) fn on_continuation(&mut self, c: frame::Continuation<'_>) -> Result<(), Error> {
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
        if !c.end_headers {
            return Ok(());
        }
        let Some(p) = self.partial.take() else {
            return Ok(());
        };
        self.on_block(p.stream, p.end_stream, p.priority, p.promised, &p.buf)
    }

    /// A complete header block (HEADERS or PUSH_PROMISE plus CONTINUATIONs), in three steps:
    /// where it goes ([`Connection::block_target`]), decoding it (always, so that the HPACK
    /// state stays in step with the peer's), and what it does: a promise, a new request, or a
    /// head or trailers on a stream we have.
    pub(super) fn on_block(
        &mut self,
        stream: StreamId,
        end_stream: bool,
        priority: Option<Priority>,
        promised: Option<StreamId>,
        block: &[u8],
    ) -> Result<(), Error> {
        let target = match self.block_target(stream, promised) {
            Ok(t) => t,
            Err(e) => {
                if matches!(e, Error::StreamClosed { .. }) {
                    // Decoded first to keep HPACK in sync, then the connection fails.
                    let _ = self.decoder.decode(block, |_| {});
                }
                return Err(e);
            }
        };
        let kind = self.block_kind(target, stream, promised);
        let decoded = self.decode_block(block, kind, stream, promised)?;
        match (target, promised) {
            (Target::Ignore, _) => self.ignored_frame(kind::HEADERS),
            (Target::ClosedByReset, _) => self.stream_error(stream, StreamError::ClosedByReset),
            (_, Some(p)) => self.on_promise(stream, p, decoded),
            (Target::New, None) => self.on_request(stream, end_stream, priority, decoded),
            (Target::Existing, None) => self.on_stream_head(stream, end_stream, kind, decoded),
        }
    }

    /// Where a header block goes, decided before it is decoded. Errors are connection errors;
    /// [`Error::StreamClosed`] still needs the block decoded (the caller does it).
    fn block_target(&self, stream: StreamId, promised: Option<StreamId>) -> Result<Target, Error> {
        let last = StreamId::new(self.last_peer);
        let after_goaway = |id: StreamId| self.goaway_sent.is_some_and(|l| id.value() > l);
        if let Some(p) = promised {
            let assoc_ok = self.streams.get(&stream.value()).is_some_and(|s| {
                s.local && matches!(s.state, State::Open | State::HalfClosedLocal)
            });
            if !assoc_ok || p.is_client_initiated() || p.value() <= self.last_peer {
                return Err(Error::UnexpectedStreamId { stream: p, last });
            }
            // A push the server started after our GOAWAY: ignored (6.8).
            return Ok(if after_goaway(p) {
                Target::Ignore
            } else {
                Target::New
            });
        }
        if self.streams.contains_key(&stream.value()) {
            return Ok(Target::Existing);
        }
        if self.role == Role::Server
            && stream.is_client_initiated()
            && stream.value() > self.last_peer
        {
            return Ok(if after_goaway(stream) {
                Target::Ignore
            } else {
                Target::New
            });
        }
        if self.is_peer_initiated(stream) && after_goaway(stream) {
            // The response on a push we ignored after our GOAWAY (6.8).
            return Ok(Target::Ignore);
        }
        if !self.is_peer_initiated(stream) && self.is_idle(stream)
            || self.role == Role::Server && !stream.is_client_initiated()
        {
            return Err(Error::UnexpectedStreamId { stream, last });
        }
        match self.closed.get(&stream.value()) {
            Some(Closure::ResetByUs) => Ok(Target::Ignore),
            Some(Closure::ResetByPeer) => Ok(Target::ClosedByReset),
            Some(Closure::Ended) => Err(Error::StreamClosed {
                stream,
                kind: kind::HEADERS,
            }),
            None => Err(Error::UnexpectedStreamId { stream, last }),
        }
    }

    /// What the block must be, for the HTTP rules of section 8: a request (new or promised),
    /// a response head, or trailers.
    fn block_kind(&self, target: Target, stream: StreamId, promised: Option<StreamId>) -> Kind {
        match (target, promised) {
            (_, Some(_)) => Kind::Request {
                connect_protocol: false,
            },
            (Target::New, None) => Kind::Request {
                connect_protocol: self.local.enable_connect_protocol,
            },
            (Target::Existing, None) => {
                let s = &self.streams[&stream.value()];
                if s.got_head || (self.role == Role::Server && !s.local) {
                    Kind::Trailers
                } else {
                    Kind::Response
                }
            }
            _ => Kind::Trailers,
        }
    }

    /// Decodes a block into a head. An HPACK error is a connection error (COMPRESSION_ERROR,
    /// charged to `stream`); a list above our limit or a malformed head is only reported in
    /// [`Decoded::problem`], to become a stream error once the stream is known.
    fn decode_block(
        &mut self,
        block: &[u8],
        kind: Kind,
        stream: StreamId,
        promised: Option<StreamId>,
    ) -> Result<Decoded, Error> {
        // Errors are charged to the promised stream of a PUSH_PROMISE.
        let stream = promised.unwrap_or(stream);
        // Decoded into the connection's scratch head (its buffers grow to fit once and are
        // reused), then copied out at exactly its size: two allocations per head instead of
        // one per doubling of each buffer.
        let mut scratch = std::mem::take(&mut self.head_scratch);
        let mut col = Collector::new(&mut scratch, kind);
        let res = self
            .decoder
            .decode(block, |h| col.push(h.name, h.value, h.sensitive));
        let valid = col.finish();
        if promised.is_none() && self.fingerprint.wants_pseudo() {
            self.fingerprint
                .on_first_block(scratch.fields.iter().map(|(n, _)| n));
        }
        let problem = match res {
            Ok(()) => valid.err().map(StreamError::Malformed),
            Err(DecodeError::HeaderListTooLarge { size, max }) => {
                Some(StreamError::HeaderListTooLarge { size, limit: max })
            }
            Err(error) => return Err(Error::Compression { stream, error }),
        };
        // A head with a problem is never handed out; `Clone` copies at the exact length.
        let head = if problem.is_none() {
            self.head_from(&scratch)
        } else {
            Box::default()
        };
        if scratch.fields.heap_bytes() <= SCRATCH_KEEP {
            self.head_scratch = scratch;
        }
        Ok(Decoded { head, problem })
    }

    /// A PUSH_PROMISE on `stream` reserving `promised` (client).
    fn on_promise(
        &mut self,
        stream: StreamId,
        promised: StreamId,
        d: Decoded,
    ) -> Result<(), Error> {
        self.last_peer = promised.value();
        self.stream_opened();
        if let Some(e) = d.problem {
            return self.stream_error(promised, e);
        }
        let init = self.acked_local.initial_window_size;
        let mut s = Stream::new(State::ReservedRemote, false, 0, init, init);
        s.state = State::Idle
            .on(Side::Recv, Ev::PushPromise)
            .unwrap_or(State::Closed);
        self.insert_stream(promised, s);
        self.events.push_back(Event::PushPromise {
            stream,
            promised,
            head: d.head,
        });
        Ok(())
    }

    /// HEADERS opening a new stream (server): the stream-level checks (self-dependency, the
    /// concurrency limit, the head itself), then the stream is stored and reported.
    fn on_request(
        &mut self,
        stream: StreamId,
        end_stream: bool,
        priority: Option<Priority>,
        d: Decoded,
    ) -> Result<(), Error> {
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
        if let Some(e) = d.problem {
            return self.stream_error(stream, e);
        }
        let head = d.head;
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
        if let Some(limit) = self.config.limits.max_request_body
            && let Some(declared) = head.content_length
            && declared > limit
        {
            return self.body_too_large(stream, limit, declared);
        }
        // The window the peer assumed: our SETTINGS as it had acknowledged them when it
        // sent this HEADERS; a later ACK applies the difference (6.9.2).
        let init = self.acked_local.initial_window_size;
        let mut s = Stream::new(state, false, self.remote.initial_window_size, init, init);
        if self.bdp.is_some() {
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
        self.insert_stream(stream, s);
        self.events.push_back(Event::Request {
            stream,
            head,
            end_stream,
        });
        Ok(())
    }

    /// A header block on a stream we have: a response head (final or 1xx) or trailers.
    fn on_stream_head(
        &mut self,
        stream: StreamId,
        end_stream: bool,
        kind: Kind,
        d: Decoded,
    ) -> Result<(), Error> {
        let Some(s) = self.streams.get_mut(&stream.value()) else {
            return Ok(());
        };
        let next = match s.state.on(Side::Recv, Ev::Headers { end_stream }) {
            Ok(n) => n,
            Err(e) => return self.state_violation(stream, e),
        };
        if let Some(e) = d.problem {
            return self.stream_error(stream, e);
        }
        let head = d.head;
        if let Kind::Trailers = kind {
            if !end_stream {
                return self
                    .stream_error(stream, StreamError::Malformed(Malformed::UnexpectedHeaders));
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
        } else {
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
                head,
                end_stream,
            });
        }
        self.maybe_forget(stream.value());
        Ok(())
    }
}

/// Where a header block goes, decided before it is decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target {
    /// A stream the peer opens (or promises).
    New,
    /// A stream we have: a response head or trailers.
    Existing,
    /// Decoded and dropped: a stream we reset, or one above our GOAWAY (counted as ignored).
    Ignore,
    /// A stream the peer reset: a stream error.
    ClosedByReset,
}

/// A decoded header block.
struct Decoded {
    head: Box<Head>,
    /// Why the head cannot be used, as a stream error: a list above our limit, or a head that
    /// breaks the rules of section 8.
    problem: Option<StreamError>,
}
