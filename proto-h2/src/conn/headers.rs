//! Receiving header blocks: HEADERS and PUSH_PROMISE with their CONTINUATIONs, decoded
//! (always, to keep HPACK in step with the peer) and turned into requests, responses,
//! trailers or promises.

use super::event::Event;
use super::store::{Closure, Stream};
use super::{Connection, Role};
use crate::error::{Error, StreamError};
use crate::frame::{FrameError, Priority, StreamId, kind};
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

    /// A complete header block (HEADERS or PUSH_PROMISE plus CONTINUATIONs).
    pub(super) fn on_block(
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
