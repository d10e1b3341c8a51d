//! Helpers shared by the connection tests (`conn.rs`, `defences.rs`: a handshaken server,
//! draining its output, the GOAWAYs in it) and the raw-frame peer of the conformance suites
//! (`h2spec/`, `conformance.rs`): it
//! plays h2spec's client against our server connection, in memory, with a small application
//! that answers every complete request with `200` and a five-byte body.
//!
//! Bytes can reach the server in one read ([`Delivery::Whole`]), a frame per read
//! ([`Delivery::PerFrame`], so the application answers between frames) or a byte per read
//! ([`Delivery::PerByte`]); h2spec's outcome does not depend on how TCP splits its writes, so
//! the h2spec suite runs every case in all three.

// Each test crate uses a part of this module.
#![allow(dead_code)]

use bytes::Bytes;
use proto_h2::conn::{Config, Connection, Event, PREFACE, Request, Role};
use proto_h2::frame::{self, Builder, ErrorCode, flag, kind};
use proto_h2::head::Head;
use proto_h2::hpack::Encoder;
use proto_h2::settings::id;
use std::time::Instant;

/// A frame the server sent.
#[derive(Debug, Clone)]
pub(crate) struct Got {
    /// Frame type.
    pub(crate) kind: u8,
    /// Flags.
    pub(crate) flags: u8,
    /// Stream identifier.
    pub(crate) stream: u32,
    /// Payload.
    pub(crate) payload: Vec<u8>,
}

/// Everything `c` has to send at `now`, header and payload bytes in wire order.
pub(crate) fn transmit_all(c: &mut Connection, now: Instant) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(b) = c.poll_transmit(now, &mut out) {
        out.extend_from_slice(&b);
    }
    out
}

/// A server connection with `cfg` after a client's preface, empty SETTINGS and the ACK of the
/// server's, everything it sent and reported taken.
pub(crate) fn handshaken(cfg: Config, now: Instant) -> Connection {
    let mut s = Connection::new(Role::Server, cfg, now);
    let mut hello = PREFACE.to_vec();
    hello.extend(Builder::new(kind::SETTINGS, 0).build());
    hello.extend(Builder::new(kind::SETTINGS, 0).flags(flag::ACK).build());
    s.recv(now, &hello).expect("handshake");
    transmit_all(&mut s, now);
    while s.poll_event().is_some() {}
    s
}

/// The GOAWAY frames in `wire`: (last stream, code).
pub(crate) fn goaways(wire: &[u8]) -> Vec<(u32, ErrorCode)> {
    let mut pos = 0;
    let mut found = Vec::new();
    while let Ok(Some((f, n))) = frame::decode(&wire[pos..], frame::MAX_MAX_FRAME_SIZE) {
        if let frame::Frame::GoAway(g) = f {
            found.push((g.last_stream.value(), g.code));
        }
        pos += n;
    }
    found
}

/// The whole frames at the start of `out`, and the offset where they end (a partial frame
/// after it is left alone).
pub(crate) fn split_frames(out: &[u8]) -> (Vec<Got>, usize) {
    let mut got = Vec::new();
    let mut pos = 0;
    while let Some(h) = frame::FrameHeader::parse(&out[pos..]) {
        let end = pos + 9 + h.len as usize;
        let Some(payload) = out.get(pos + 9..end) else {
            break;
        };
        got.push(Got {
            kind: h.kind,
            flags: h.flags,
            stream: h.stream.value(),
            payload: payload.to_vec(),
        });
        pos = end;
    }
    (got, pos)
}

/// How the bytes of one `send` reach the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Delivery {
    /// One `recv` for everything.
    Whole,
    /// One `recv` per frame; the application runs between frames.
    PerFrame,
    /// One `recv` per byte.
    PerByte,
}

/// Every delivery, for suites that must not depend on how TCP splits writes.
pub(crate) const DELIVERIES: [Delivery; 3] =
    [Delivery::Whole, Delivery::PerFrame, Delivery::PerByte];

/// The client side of a connection to our server.
pub(crate) struct Peer {
    /// The server under test.
    pub(crate) s: Connection,
    /// The (virtual) time.
    pub(crate) now: Instant,
    /// Our HPACK encoder (its state follows the server's decoder).
    pub(crate) enc: Encoder,
    /// Every frame the server sent since the handshake.
    pub(crate) frames: Vec<Got>,
    /// The server returned a connection error from `recv`.
    pub(crate) failed: bool,
    /// The body the application answers with.
    pub(crate) body: &'static [u8],
    /// Heads the application saw: requests (server) or responses (client).
    pub(crate) heads: Vec<(u32, Head)>,
    /// Body bytes the application read, all streams.
    pub(crate) body_in: Vec<u8>,
    /// The application answers complete requests (server role).
    pub(crate) answer: bool,
    /// How `send` delivers bytes.
    pub(crate) delivery: Delivery,
}

/// END_STREAM | END_HEADERS.
pub(crate) const END: u8 = flag::END_STREAM | flag::END_HEADERS;

/// The request fields h2spec sends ("CommonHeaders"): GET on `/` of `127.0.0.1:8080`.
pub(crate) const REQ: [(&str, &str); 4] = [
    (":method", "GET"),
    (":scheme", "http"),
    (":path", "/"),
    (":authority", "127.0.0.1:8080"),
];

impl Peer {
    /// Preface, an empty SETTINGS and the ACK of the server's, in one read.
    pub(crate) fn new() -> Self {
        Self::with(&[])
    }

    /// Preface, our SETTINGS with `settings`, ACK of the server's.
    pub(crate) fn with(settings: &[(u16, u32)]) -> Self {
        Self::with_config(settings, Config::server())
    }

    /// As [`Peer::with`] with a server configuration.
    pub(crate) fn with_config(settings: &[(u16, u32)], cfg: Config) -> Self {
        Self::start(settings, cfg, Delivery::Whole)
    }

    /// h2spec's handshake (preface, SETTINGS with INITIAL_WINDOW_SIZE 65535, ACK of the
    /// server's SETTINGS, the server's ACK of ours); later sends use `delivery`.
    pub(crate) fn h2spec(delivery: Delivery) -> Self {
        Self::start(
            &[(id::INITIAL_WINDOW_SIZE, 65_535)],
            Config::server(),
            delivery,
        )
    }

    /// h2spec's client mode: our client (default configuration) sends a GET for `/` on
    /// stream 1, and the peer plays h2spec's server: it reads the preface, SETTINGS and
    /// request, then sends SETTINGS with INITIAL_WINDOW_SIZE 65535 and the ACK of ours. Later
    /// sends use `delivery`.
    pub(crate) fn h2spec_client(delivery: Delivery) -> Self {
        let now = Instant::now();
        let mut p = Peer {
            s: Connection::new(Role::Client, Config::client(), now),
            now,
            enc: Encoder::new(),
            frames: Vec::new(),
            failed: false,
            body: b"",
            heads: Vec::new(),
            body_in: Vec::new(),
            answer: false,
            delivery: Delivery::Whole,
        };
        let req = Request::get(b"http", b"127.0.0.1:8080", b"/");
        let id = p.s.send_request(&req, true).expect("request");
        assert_eq!(id.value(), 1);
        let out = transmit_all(&mut p.s, now);
        assert!(out.starts_with(PREFACE), "client preface");
        let first = frame::FrameHeader::parse(&out[PREFACE.len()..]).expect("a frame");
        assert_eq!(
            (first.kind, first.flags),
            (kind::SETTINGS, 0),
            "SETTINGS first"
        );
        let mut pos = PREFACE.len();
        let mut request = false;
        while let Some(h) = frame::FrameHeader::parse(&out[pos..]) {
            request |= h.kind == kind::HEADERS && h.stream.value() == 1;
            pos += 9 + h.len as usize;
        }
        assert!(request, "request HEADERS on stream 1");
        let mut hello = settings_frame(&[(id::INITIAL_WINDOW_SIZE, 65_535)]);
        hello.extend(Builder::new(kind::SETTINGS, 0).flags(flag::ACK).build());
        p.send(&hello);
        let got = p.flush();
        assert!(
            got.iter()
                .any(|f| f.kind == kind::SETTINGS && f.flags & flag::ACK != 0),
            "ACK of the server's SETTINGS"
        );
        p.frames.clear();
        p.delivery = delivery;
        p
    }

    /// h2spec's `WriteSuccessResponse`: `:status 200` and the body `success`.
    pub(crate) fn success_response(&mut self, stream: u32) -> Vec<u8> {
        let b = self.block(&[(":status", "200")]);
        let mut v = headers_frame(stream, flag::END_HEADERS, &b);
        v.extend(data(stream, flag::END_STREAM, b"success"));
        v
    }

    fn start(settings: &[(u16, u32)], cfg: Config, delivery: Delivery) -> Self {
        let now = Instant::now();
        let mut p = Peer {
            s: Connection::new(Role::Server, cfg, now),
            now,
            enc: Encoder::new(),
            frames: Vec::new(),
            failed: false,
            body: b"hello",
            heads: Vec::new(),
            body_in: Vec::new(),
            answer: true,
            delivery: Delivery::Whole,
        };
        let mut hello = PREFACE.to_vec();
        hello.extend(settings_frame(settings));
        hello.extend(Builder::new(kind::SETTINGS, 0).flags(flag::ACK).build());
        p.send(&hello);
        let got = p.flush();
        assert!(
            got.iter()
                .any(|f| f.kind == kind::SETTINGS && f.flags & flag::ACK == 0),
            "server SETTINGS"
        );
        assert!(
            got.iter()
                .any(|f| f.kind == kind::SETTINGS && f.flags & flag::ACK != 0),
            "ACK of ours"
        );
        p.frames.clear();
        p.delivery = delivery;
        p
    }

    /// Delivers `bytes` to the server as `self.delivery` says, running the application after
    /// every read. Nothing is delivered once the server failed.
    pub(crate) fn send(&mut self, bytes: &[u8]) {
        let mut chunks = Vec::new();
        match self.delivery {
            Delivery::Whole => chunks.push(bytes),
            Delivery::PerByte => chunks.extend(bytes.chunks(1)),
            Delivery::PerFrame => {
                let mut rest = bytes;
                while !rest.is_empty() {
                    let n = frame::FrameHeader::parse(rest)
                        .map_or(rest.len(), |h| (9 + h.len as usize).min(rest.len()));
                    chunks.push(&rest[..n]);
                    rest = &rest[n..];
                }
            }
        }
        for c in chunks {
            if self.failed {
                return;
            }
            if self.s.recv(self.now, c).is_err() {
                self.failed = true;
            }
            self.serve();
        }
    }

    /// Sends several frames back to back (one write each, as h2spec does).
    pub(crate) fn send_all(&mut self, frames: &[Vec<u8>]) {
        self.send(&frames.concat());
    }

    /// A small application: answers every complete request with 200 and a body.
    fn serve(&mut self) {
        while let Some(ev) = self.s.poll_event() {
            match ev {
                Event::Request {
                    stream,
                    head,
                    end_stream,
                } => {
                    self.heads.push((stream.value(), *head));
                    if end_stream {
                        self.respond(stream);
                    }
                }
                Event::Response { stream, head, .. } => self.heads.push((stream.value(), *head)),
                Event::Data {
                    stream, end_stream, ..
                } => {
                    while let Some(b) = self.s.read_data(stream) {
                        self.body_in.extend_from_slice(&b);
                    }
                    if end_stream {
                        self.respond(stream);
                    }
                }
                Event::Trailers { stream, .. } => self.respond(stream),
                _ => {}
            }
        }
    }

    fn respond(&mut self, stream: frame::StreamId) {
        if self.answer && self.s.send_response(stream, 200, &[], false).is_ok() {
            let _ = self
                .s
                .send_data(stream, Bytes::from_static(self.body), true);
        }
    }

    /// Takes everything the server has to send; returns the new frames (also kept in
    /// `frames`).
    pub(crate) fn flush(&mut self) -> Vec<Got> {
        let out = transmit_all(&mut self.s, self.now);
        let (got, pos) = split_frames(&out);
        assert_eq!(pos, out.len(), "server output ends in a partial frame");
        self.frames.extend(got.iter().cloned());
        got
    }

    /// An HPACK block of `fields`, with our encoder.
    pub(crate) fn block(&mut self, fields: &[(&str, &str)]) -> Vec<u8> {
        let mut b = Vec::new();
        self.enc.encode(
            fields.iter().map(|(n, v)| (n.as_bytes(), v.as_bytes())),
            &mut b,
        );
        b
    }

    /// The block of h2spec's common request fields.
    pub(crate) fn req(&mut self) -> Vec<u8> {
        self.block(&REQ)
    }

    /// The common request with another method (h2spec's `headers[0].Value = ...`).
    pub(crate) fn req_method(&mut self, method: &str) -> Vec<u8> {
        let mut v = REQ.to_vec();
        v[0].1 = method;
        self.block(&v)
    }

    /// The common request followed by `extra`.
    pub(crate) fn req_with(&mut self, extra: &[(&str, &str)]) -> Vec<u8> {
        let mut v = REQ.to_vec();
        v.extend_from_slice(extra);
        self.block(&v)
    }

    /// A POST with `extra` fields.
    pub(crate) fn post_with(&mut self, extra: &[(&str, &str)]) -> Vec<u8> {
        let mut v = REQ.to_vec();
        v[0].1 = "POST";
        v.extend_from_slice(extra);
        self.block(&v)
    }

    /// h2spec's `DummyHeaders(c, n)`: `x-dummy<i>` fields of 4000 `x` each.
    pub(crate) fn dummy(&mut self, n: usize) -> Vec<u8> {
        let value = "x".repeat(4000);
        let names: Vec<String> = (0..n).map(|i| format!("x-dummy{i}")).collect();
        let fields: Vec<(&str, &str)> =
            names.iter().map(|n| (n.as_str(), value.as_str())).collect();
        self.block(&fields)
    }

    /// A HEADERS frame with the common request.
    pub(crate) fn headers(&mut self, stream: u32, flags: u8) -> Vec<u8> {
        let b = self.req();
        headers_frame(stream, flags, &b)
    }

    /// The first GOAWAY's error code.
    pub(crate) fn goaway(&mut self) -> Option<ErrorCode> {
        self.flush();
        self.frames
            .iter()
            .find(|f| f.kind == kind::GOAWAY)
            .map(|f| ErrorCode(u32::from_be_bytes(f.payload[4..8].try_into().unwrap())))
    }

    /// h2spec's `VerifyConnectionError`: a GOAWAY with one of `codes`, and the connection
    /// ends.
    #[track_caller]
    pub(crate) fn conn_error(&mut self, codes: &[ErrorCode]) {
        let g = self.goaway();
        assert!(
            g.is_some_and(|c| codes.contains(&c)),
            "[{:?}] want GOAWAY {codes:?}, got {g:?}; frames {:?}",
            self.delivery,
            self.frames
        );
        assert!(self.failed, "[{:?}] connection must end", self.delivery);
        assert!(self.s.is_closed());
    }

    /// h2spec's `VerifyStreamError`: a RST_STREAM on `stream` or a GOAWAY, with one of
    /// `codes`.
    #[track_caller]
    pub(crate) fn stream_error(&mut self, stream: u32, codes: &[ErrorCode]) {
        self.flush();
        let rst = self
            .frames
            .iter()
            .find(|f| f.kind == kind::RST_STREAM && f.stream == stream)
            .map(|f| ErrorCode(u32::from_be_bytes(f.payload[..4].try_into().unwrap())));
        let g = self.goaway();
        assert!(
            rst.is_some_and(|c| codes.contains(&c)) || g.is_some_and(|c| codes.contains(&c)),
            "[{:?}] want RST_STREAM/GOAWAY {codes:?} on {stream}, got {rst:?} / {g:?}; frames {:?}",
            self.delivery,
            self.frames
        );
    }

    /// h2spec's `VerifyConnectionClose`: the connection is over (the adapter closes the
    /// socket once `is_closed` says so).
    #[track_caller]
    pub(crate) fn closed(&mut self) {
        self.flush();
        assert!(
            self.s.is_closed(),
            "[{:?}] connection still open; frames {:?}",
            self.delivery,
            self.frames
        );
    }

    /// A PING ACK with `payload` arrived (h2spec's `VerifyPingFrameWithAck`).
    #[track_caller]
    pub(crate) fn ping_ack(&mut self, payload: &[u8; 8]) {
        self.flush();
        assert!(
            self.frames
                .iter()
                .any(|f| f.kind == kind::PING && f.flags & flag::ACK != 0 && f.payload == payload),
            "[{:?}] no PING ACK {payload:?}; frames {:?}",
            self.delivery,
            self.frames
        );
    }

    /// A frame of type `kind` arrived (h2spec's `VerifyEventType`).
    #[track_caller]
    pub(crate) fn got(&mut self, kind: u8) {
        self.flush();
        assert!(
            self.frames.iter().any(|f| f.kind == kind),
            "[{:?}] no frame of type {kind}; frames {:?}",
            self.delivery,
            self.frames
        );
    }

    /// A SETTINGS ACK arrived since the last call of `settings_acked` (h2spec waits for it
    /// before going on).
    #[track_caller]
    pub(crate) fn settings_acked(&mut self) {
        self.flush();
        let i = self
            .frames
            .iter()
            .position(|f| f.kind == kind::SETTINGS && f.flags & flag::ACK != 0);
        assert!(
            i.is_some(),
            "[{:?}] no SETTINGS ACK; frames {:?}",
            self.delivery,
            self.frames
        );
        // Forget it, so that the next wait needs a new one.
        self.frames.remove(i.unwrap());
    }

    /// The connection is still usable: a PING is answered, no GOAWAY was sent.
    #[track_caller]
    pub(crate) fn alive(&mut self) {
        let ping = Builder::new(kind::PING, 0).payload(b"h2spec!!").build();
        self.send(&ping);
        let got = self.flush();
        assert!(!self.failed, "connection failed: {:?}", self.s.error());
        assert!(
            got.iter().any(|f| f.kind == kind::PING
                && f.flags & flag::ACK != 0
                && f.payload == b"h2spec!!"),
            "no PING ACK"
        );
        assert!(self.goaway().is_none());
    }

    /// A response HEADERS arrived on `stream` (h2spec's `VerifyHeadersFrame`).
    #[track_caller]
    pub(crate) fn response(&mut self, stream: u32) {
        self.flush();
        assert!(
            self.frames
                .iter()
                .any(|f| f.kind == kind::HEADERS && f.stream == stream),
            "[{:?}] no response on {stream}: {:?}; error {:?}",
            self.delivery,
            self.frames,
            self.s.error()
        );
    }

    /// The stream ended from the server's side (h2spec's `VerifyStreamClose`).
    #[track_caller]
    pub(crate) fn stream_ended(&mut self, stream: u32) {
        self.flush();
        assert!(
            self.frames.iter().any(|f| f.stream == stream
                && (f.kind == kind::DATA || f.kind == kind::HEADERS)
                && f.flags & flag::END_STREAM != 0),
            "[{:?}] stream {stream} did not end: {:?}",
            self.delivery,
            self.frames
        );
    }

    /// The lengths of the DATA frames received on `stream`.
    pub(crate) fn data_lens(&mut self, stream: u32) -> Vec<usize> {
        self.flush();
        self.frames
            .iter()
            .filter(|f| f.kind == kind::DATA && f.stream == stream)
            .map(|f| f.payload.len())
            .collect()
    }

    /// The value of field `name` in the request the application got on `stream`.
    pub(crate) fn request_field(&self, stream: u32, name: &str) -> Option<Vec<u8>> {
        self.heads
            .iter()
            .find(|(s, _)| *s == stream)
            .and_then(|(_, h)| {
                h.headers()
                    .find(|(n, _)| *n == name.as_bytes())
                    .map(|(_, v)| v.to_vec())
            })
    }
}

/// A SETTINGS frame with `params`.
pub(crate) fn settings_frame(params: &[(u16, u32)]) -> Vec<u8> {
    let mut b = Builder::new(kind::SETTINGS, 0);
    for &(i, v) in params {
        b = b.setting(i, v);
    }
    b.build()
}

/// A HEADERS frame carrying `block`.
pub(crate) fn headers_frame(stream: u32, flags: u8, block: &[u8]) -> Vec<u8> {
    Builder::new(kind::HEADERS, stream)
        .flags(flags)
        .payload(block)
        .build()
}

/// A DATA frame.
pub(crate) fn data(stream: u32, flags: u8, payload: &[u8]) -> Vec<u8> {
    Builder::new(kind::DATA, stream)
        .flags(flags)
        .payload(payload)
        .build()
}

/// A WINDOW_UPDATE frame.
pub(crate) fn wu(stream: u32, inc: u32) -> Vec<u8> {
    Builder::new(kind::WINDOW_UPDATE, stream).u32(inc).build()
}

/// A RST_STREAM frame.
pub(crate) fn rst(stream: u32, code: u32) -> Vec<u8> {
    Builder::new(kind::RST_STREAM, stream).u32(code).build()
}

/// A PRIORITY frame (`dep` carries the exclusive bit).
pub(crate) fn prio(stream: u32, dep: u32, weight: u8) -> Vec<u8> {
    Builder::new(kind::PRIORITY, stream)
        .u32(dep)
        .payload(&[weight])
        .build()
}

/// A CONTINUATION frame.
pub(crate) fn cont(stream: u32, flags: u8, block: &[u8]) -> Vec<u8> {
    Builder::new(kind::CONTINUATION, stream)
        .flags(flags)
        .payload(block)
        .build()
}

/// A PING frame.
pub(crate) fn ping(flags: u8, payload: &[u8; 8]) -> Vec<u8> {
    Builder::new(kind::PING, 0)
        .flags(flags)
        .payload(payload)
        .build()
}

/// PROTOCOL_ERROR.
pub(crate) const PROTOCOL: &[ErrorCode] = &[ErrorCode::PROTOCOL_ERROR];
/// FRAME_SIZE_ERROR.
pub(crate) const FRAME_SIZE: &[ErrorCode] = &[ErrorCode::FRAME_SIZE_ERROR];
/// FLOW_CONTROL_ERROR.
pub(crate) const FLOW: &[ErrorCode] = &[ErrorCode::FLOW_CONTROL_ERROR];
/// STREAM_CLOSED.
pub(crate) const CLOSED: &[ErrorCode] = &[ErrorCode::STREAM_CLOSED];
/// COMPRESSION_ERROR.
pub(crate) const COMPRESSION: &[ErrorCode] = &[ErrorCode::COMPRESSION_ERROR];
