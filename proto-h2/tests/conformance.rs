//! A conformance suite in the manner of h2spec, driven through raw frames against our server
//! connection. Each test names the section of RFC 9113 (`s*`), RFC 7541 (`hpack_*`) or the
//! h2spec generic group (`generic_*`) it checks; the groups follow h2spec's case list.
//!
//! As in h2spec, a "stream error" passes on RST_STREAM with the code or on a GOAWAY with the
//! code; a "connection error" needs a GOAWAY with the code (and the connection ends).

use bytes::Bytes;
use proto_h2::conn::{Config, Connection, Event, PREFACE, Role};
use proto_h2::frame::{self, Builder, ErrorCode, flag, kind};
use proto_h2::hpack::Encoder;
use proto_h2::settings::id;
use std::time::Instant;

#[derive(Debug, Clone)]
struct Got {
    kind: u8,
    flags: u8,
    stream: u32,
    payload: Vec<u8>,
}

struct Peer {
    s: Connection,
    now: Instant,
    enc: Encoder,
    frames: Vec<Got>,
    failed: bool,
    body: &'static [u8],
}

const END: u8 = flag::END_STREAM | flag::END_HEADERS;

impl Peer {
    fn new() -> Self {
        Self::with(&[])
    }

    /// Preface, our SETTINGS with `settings`, ACK of the server's, as h2spec's handshake.
    fn with(settings: &[(u16, u32)]) -> Self {
        Self::with_config(settings, Config::server())
    }

    fn with_config(settings: &[(u16, u32)], cfg: Config) -> Self {
        let now = Instant::now();
        let mut p = Peer {
            s: Connection::new(Role::Server, cfg, now),
            now,
            enc: Encoder::new(),
            frames: Vec::new(),
            failed: false,
            body: b"hello",
        };
        let mut hello = PREFACE.to_vec();
        let mut b = Builder::new(kind::SETTINGS, 0);
        for &(i, v) in settings {
            b = b.setting(i, v);
        }
        hello.extend(b.build());
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
        p
    }

    fn send(&mut self, bytes: &[u8]) {
        if self.failed {
            return;
        }
        if self.s.recv(self.now, bytes).is_err() {
            self.failed = true;
        }
        self.serve();
    }

    /// A small application: answers every complete request with 200 and a body.
    fn serve(&mut self) {
        while let Some(ev) = self.s.poll_event() {
            match ev {
                Event::Request {
                    stream,
                    end_stream: true,
                    ..
                } => self.respond(stream),
                Event::Data {
                    stream, end_stream, ..
                } => {
                    while self.s.read_data(stream).is_some() {}
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
        if self.s.send_response(stream, 200, &[], false).is_ok() {
            let _ = self
                .s
                .send_data(stream, Bytes::from_static(self.body), true);
        }
    }

    fn flush(&mut self) -> Vec<Got> {
        let mut out = Vec::new();
        loop {
            let p = self.s.poll_transmit(self.now, &mut out);
            match p {
                Some(b) => out.extend_from_slice(&b),
                None => break,
            }
        }
        let mut pos = 0;
        let mut got = Vec::new();
        while let Some(h) = frame::FrameHeader::parse(&out[pos..]) {
            let end = pos + 9 + h.len as usize;
            got.push(Got {
                kind: h.kind,
                flags: h.flags,
                stream: h.stream.value(),
                payload: out[pos + 9..end].to_vec(),
            });
            pos = end;
        }
        self.frames.extend(got.iter().cloned());
        got
    }

    fn block(&mut self, fields: &[(&str, &str)]) -> Vec<u8> {
        let mut b = Vec::new();
        self.enc.encode(
            fields.iter().map(|(n, v)| (n.as_bytes(), v.as_bytes())),
            &mut b,
        );
        b
    }

    fn req(&mut self) -> Vec<u8> {
        self.block(&REQ)
    }

    fn req_with(&mut self, extra: &[(&str, &str)]) -> Vec<u8> {
        let mut v = REQ.to_vec();
        v.extend_from_slice(extra);
        self.block(&v)
    }

    fn headers(&mut self, stream: u32, flags: u8) -> Vec<u8> {
        let b = self.req();
        Builder::new(kind::HEADERS, stream)
            .flags(flags)
            .payload(&b)
            .build()
    }

    fn goaway(&mut self) -> Option<ErrorCode> {
        self.flush();
        self.frames
            .iter()
            .find(|f| f.kind == kind::GOAWAY)
            .map(|f| ErrorCode(u32::from_be_bytes(f.payload[4..8].try_into().unwrap())))
    }

    #[track_caller]
    fn conn_error(&mut self, codes: &[ErrorCode]) {
        let g = self.goaway();
        assert!(
            g.is_some_and(|c| codes.contains(&c)),
            "want GOAWAY {codes:?}, got {g:?}; frames {:?}",
            self.frames
        );
        assert!(self.failed, "connection must end");
    }

    #[track_caller]
    fn stream_error(&mut self, stream: u32, codes: &[ErrorCode]) {
        self.flush();
        let rst = self
            .frames
            .iter()
            .find(|f| f.kind == kind::RST_STREAM && f.stream == stream)
            .map(|f| ErrorCode(u32::from_be_bytes(f.payload[..4].try_into().unwrap())));
        let g = self.goaway();
        assert!(
            rst.is_some_and(|c| codes.contains(&c)) || g.is_some_and(|c| codes.contains(&c)),
            "want RST_STREAM/GOAWAY {codes:?} on {stream}, got {rst:?} / {g:?}"
        );
    }

    /// The connection is still usable: a PING is answered, no GOAWAY was sent.
    #[track_caller]
    fn alive(&mut self) {
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

    /// A response HEADERS arrived on `stream`.
    #[track_caller]
    fn response(&mut self, stream: u32) {
        self.flush();
        assert!(
            self.frames
                .iter()
                .any(|f| f.kind == kind::HEADERS && f.stream == stream),
            "no response on {stream}: {:?}",
            self.frames
        );
    }

    fn data_lens(&mut self, stream: u32) -> Vec<usize> {
        self.flush();
        self.frames
            .iter()
            .filter(|f| f.kind == kind::DATA && f.stream == stream)
            .map(|f| f.payload.len())
            .collect()
    }
}

const REQ: [(&str, &str); 4] = [
    (":method", "GET"),
    (":scheme", "http"),
    (":path", "/"),
    (":authority", "localhost"),
];

fn data(stream: u32, flags: u8, payload: &[u8]) -> Vec<u8> {
    Builder::new(kind::DATA, stream)
        .flags(flags)
        .payload(payload)
        .build()
}

fn wu(stream: u32, inc: u32) -> Vec<u8> {
    Builder::new(kind::WINDOW_UPDATE, stream).u32(inc).build()
}

fn rst(stream: u32, code: u32) -> Vec<u8> {
    Builder::new(kind::RST_STREAM, stream).u32(code).build()
}

fn prio(stream: u32, dep: u32, weight: u8) -> Vec<u8> {
    Builder::new(kind::PRIORITY, stream)
        .u32(dep)
        .payload(&[weight])
        .build()
}

fn cont(stream: u32, flags: u8, block: &[u8]) -> Vec<u8> {
    Builder::new(kind::CONTINUATION, stream)
        .flags(flags)
        .payload(block)
        .build()
}

const PROTOCOL: &[ErrorCode] = &[ErrorCode::PROTOCOL_ERROR];
const FRAME_SIZE: &[ErrorCode] = &[ErrorCode::FRAME_SIZE_ERROR];
const FLOW: &[ErrorCode] = &[ErrorCode::FLOW_CONTROL_ERROR];
const CLOSED: &[ErrorCode] = &[ErrorCode::STREAM_CLOSED];
const COMPRESSION: &[ErrorCode] = &[ErrorCode::COMPRESSION_ERROR];

// ---------------------------------------------------------------- 3.4 / 3.5 preface

#[test]
fn s3_4_valid_preface_gets_settings() {
    let mut p = Peer::new();
    p.alive();
}

#[test]
fn s3_4_invalid_preface_is_a_connection_error() {
    let mut s = Connection::new(Role::Server, Config::server(), Instant::now());
    let e = s
        .recv(Instant::now(), b"PRI * HTTP/1.1\r\n\r\nSM\r\n\r\n")
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::PROTOCOL_ERROR);
}

#[test]
fn s3_4_first_frame_must_be_settings() {
    let mut s = Connection::new(Role::Server, Config::server(), Instant::now());
    let mut b = PREFACE.to_vec();
    b.extend(Builder::new(kind::PING, 0).payload(&[0; 8]).build());
    assert_eq!(
        s.recv(Instant::now(), &b).unwrap_err().code(),
        ErrorCode::PROTOCOL_ERROR
    );
}

// ---------------------------------------------------------------- 4.1 frame format

#[test]
fn s4_1_unknown_frame_type_is_ignored() {
    let mut p = Peer::new();
    p.send(&Builder::new(0x16, 0).payload(b"ignore me").build());
    p.alive();
}

#[test]
fn s4_1_undefined_flags_are_ignored() {
    let mut p = Peer::new();
    p.send(
        &Builder::new(kind::PING, 0)
            .flags(0x16)
            .payload(b"unknownf")
            .build(),
    );
    p.flush();
    assert!(
        p.frames
            .iter()
            .any(|f| f.kind == kind::PING && f.flags == flag::ACK)
    );
    p.alive();
}

#[test]
fn s4_1_reserved_bit_is_ignored() {
    let mut p = Peer::new();
    let b = p.req();
    p.send(
        &Builder::new(kind::HEADERS, 0x8000_0001)
            .flags(END)
            .payload(&b)
            .build(),
    );
    p.response(1);
}

// ---------------------------------------------------------------- 4.2 frame size

#[test]
fn s4_2_data_of_2_14_octets_is_accepted() {
    let mut p = Peer::new();
    let h = p.headers(1, flag::END_HEADERS);
    p.send(&h);
    p.send(&data(1, flag::END_STREAM, &[b'x'; 16384]));
    p.response(1);
}

#[test]
fn s4_2_data_above_max_frame_size_is_a_frame_size_error() {
    let mut p = Peer::new();
    let h = p.headers(1, flag::END_HEADERS);
    p.send(&h);
    p.send(&data(1, flag::END_STREAM, &[b'x'; 16385]));
    p.stream_error(1, FRAME_SIZE);
}

#[test]
fn s4_2_headers_above_max_frame_size_is_a_connection_error() {
    let mut p = Peer::new();
    // A raw (not Huffman-coded) 16 384-byte value makes the frame larger than 2^14.
    let mut b = p.req();
    b.extend([0x00, 0x05]);
    b.extend(b"x-big");
    b.extend([0x7f, 0x81, 0x7f]);
    b.extend(std::iter::repeat_n(b'x', 16384));
    p.send(
        &Builder::new(kind::HEADERS, 1)
            .flags(END)
            .payload(&b)
            .build(),
    );
    p.conn_error(FRAME_SIZE);
}

// ---------------------------------------------------------------- 4.3 header compression

#[test]
fn s4_3_invalid_header_block_is_a_compression_error() {
    let mut p = Peer::new();
    p.send(
        &Builder::new(kind::HEADERS, 1)
            .flags(END)
            .payload(&[
                0x00, 0x85, 0xf2, 0xb2, 0x4a, 0x84, 0xff, 0x84, 0x49, 0x50, 0x9f, 0xff,
            ])
            .build(),
    );
    p.conn_error(COMPRESSION);
}

#[test]
fn s4_3_priority_between_headers_and_continuation() {
    let mut p = Peer::new();
    let b = p.req();
    p.send(
        &Builder::new(kind::HEADERS, 1)
            .flags(flag::END_STREAM)
            .payload(&b)
            .build(),
    );
    p.send(&prio(1, 0, 255));
    p.send(&cont(1, flag::END_HEADERS, &[]));
    p.conn_error(PROTOCOL);
}

// ---------------------------------------------------------------- 5.1 stream states

#[test]
fn s5_1_idle_data_is_a_protocol_error() {
    let mut p = Peer::new();
    p.send(&data(1, flag::END_STREAM, b"test"));
    p.conn_error(PROTOCOL);
}

#[test]
fn s5_1_idle_rst_stream_is_a_protocol_error() {
    let mut p = Peer::new();
    p.send(&rst(1, 8));
    p.conn_error(PROTOCOL);
}

#[test]
fn s5_1_idle_window_update_is_a_protocol_error() {
    let mut p = Peer::new();
    p.send(&wu(1, 100));
    p.conn_error(PROTOCOL);
}

#[test]
fn s5_1_idle_continuation_is_a_protocol_error() {
    let mut p = Peer::new();
    let b = p.req();
    p.send(&cont(1, flag::END_HEADERS, &b));
    p.conn_error(PROTOCOL);
}

#[test]
fn s5_1_half_closed_remote_data_is_stream_closed() {
    let mut p = Peer::new();
    let h = p.headers(1, END);
    p.send(&h);
    p.send(&data(1, flag::END_STREAM, b"test"));
    p.stream_error(1, CLOSED);
}

#[test]
fn s5_1_half_closed_remote_headers_is_stream_closed() {
    // Both HEADERS in one read, so the stream is still half-closed (remote) when the second
    // arrives (the application has not answered yet).
    let mut q = Peer::new();
    let h = q.headers(1, END);
    let h2 = q.headers(1, END);
    let mut both = h.clone();
    both.extend(h2);
    let mut s = Connection::new(Role::Server, Config::server(), q.now);
    let mut hello = PREFACE.to_vec();
    hello.extend(Builder::new(kind::SETTINGS, 0).build());
    hello.extend(both);
    let _ = s.recv(q.now, &hello);
    let mut out = Vec::new();
    while s.poll_transmit(q.now, &mut out).is_some() {}
    let want = rst(1, ErrorCode::STREAM_CLOSED.0);
    assert!(out.windows(want.len()).any(|w| w == &want[..]));
}

#[test]
fn s5_1_half_closed_remote_continuation() {
    let mut p = Peer::new();
    let h = p.headers(1, END);
    let b = p.req();
    let mut both = h;
    both.extend(cont(1, flag::END_HEADERS, &b));
    p.send(&both);
    p.stream_error(1, &[ErrorCode::STREAM_CLOSED, ErrorCode::PROTOCOL_ERROR]);
}

#[test]
fn s5_1_closed_data_after_rst_is_stream_closed() {
    let mut p = Peer::new();
    let h = p.headers(1, flag::END_HEADERS);
    p.send(&h);
    p.send(&rst(1, 8));
    p.send(&data(1, flag::END_STREAM, b"test"));
    p.stream_error(1, CLOSED);
}

#[test]
fn s5_1_closed_headers_after_rst_is_stream_closed() {
    let mut p = Peer::new();
    let h = p.headers(1, flag::END_HEADERS);
    p.send(&h);
    p.send(&rst(1, 8));
    let h = p.headers(1, END);
    p.send(&h);
    p.stream_error(1, CLOSED);
}

#[test]
fn s5_1_closed_continuation_after_rst() {
    let mut p = Peer::new();
    let h = p.headers(1, flag::END_HEADERS);
    p.send(&h);
    p.send(&rst(1, 8));
    let b = p.block(&[("x-dummy", "1")]);
    p.send(&cont(1, flag::END_HEADERS, &b));
    p.stream_error(1, &[ErrorCode::STREAM_CLOSED, ErrorCode::PROTOCOL_ERROR]);
}

#[test]
fn s5_1_closed_data_after_end_stream_is_a_connection_error() {
    let mut p = Peer::new();
    let h = p.headers(1, END);
    p.send(&h);
    p.response(1);
    p.send(&data(1, flag::END_STREAM, b"test"));
    p.conn_error(CLOSED);
}

#[test]
fn s5_1_closed_headers_after_end_stream_is_a_connection_error() {
    let mut p = Peer::new();
    let h = p.headers(1, END);
    p.send(&h);
    p.response(1);
    let h = p.headers(1, END);
    p.send(&h);
    p.conn_error(CLOSED);
}

#[test]
fn s5_1_closed_continuation_after_end_stream_is_a_connection_error() {
    let mut p = Peer::new();
    let h = p.headers(1, END);
    p.send(&h);
    p.response(1);
    let b = p.block(&[("x-dummy", "1")]);
    p.send(&cont(1, flag::END_HEADERS, &b));
    p.conn_error(&[ErrorCode::STREAM_CLOSED, ErrorCode::PROTOCOL_ERROR]);
}

// ---------------------------------------------------------------- 5.1.1 stream identifiers

#[test]
fn s5_1_1_even_stream_id_is_a_protocol_error() {
    let mut p = Peer::new();
    let h = p.headers(2, END);
    p.send(&h);
    p.conn_error(PROTOCOL);
}

#[test]
fn s5_1_1_smaller_stream_id_is_a_protocol_error() {
    let mut p = Peer::new();
    let h = p.headers(5, END);
    p.send(&h);
    let h = p.headers(3, END);
    p.send(&h);
    p.conn_error(PROTOCOL);
}

// ---------------------------------------------------------------- 5.1.2 concurrency

#[test]
fn s5_1_2_exceeding_max_concurrent_streams_is_refused() {
    let mut p = Peer::new();
    for i in 0..101 {
        let h = p.headers(1 + 2 * i, flag::END_HEADERS);
        p.send(&h);
    }
    p.stream_error(201, &[ErrorCode::REFUSED_STREAM, ErrorCode::PROTOCOL_ERROR]);
    p.alive();
}

// ---------------------------------------------------------------- 5.3.1 dependencies

#[test]
fn s5_3_1_headers_depending_on_itself() {
    let mut p = Peer::new();
    let b = p.req();
    p.send(
        &Builder::new(kind::HEADERS, 1)
            .flags(END | flag::PRIORITY)
            .u32(1)
            .payload(&[255])
            .payload(&b)
            .build(),
    );
    p.stream_error(1, PROTOCOL);
    // HPACK stayed in step: the next request works.
    let h = p.headers(3, END);
    p.send(&h);
    p.response(3);
}

#[test]
fn s5_3_1_priority_depending_on_itself() {
    let mut p = Peer::new();
    p.send(&prio(1, 1, 255));
    p.stream_error(1, PROTOCOL);
}

// ---------------------------------------------------------------- 5.4.1 connection errors

#[test]
fn s5_4_1_invalid_ping_gets_goaway_and_ends() {
    let mut p = Peer::new();
    p.send(&Builder::new(kind::PING, 3).payload(&[0; 8]).build());
    p.conn_error(PROTOCOL);
    // Sticky: the connection accepts nothing more.
    assert!(p.s.recv(p.now, &[0; 9]).is_err());
    assert!(p.s.is_closed());
}

#[test]
fn s5_4_1_goaway_names_the_last_stream() {
    let mut p = Peer::new();
    let h = p.headers(1, END);
    p.send(&h);
    p.send(&data(3, 0, b"x"));
    p.flush();
    let g = p.frames.iter().find(|f| f.kind == kind::GOAWAY).unwrap();
    assert_eq!(u32::from_be_bytes(g.payload[..4].try_into().unwrap()), 1);
}

// ---------------------------------------------------------------- 5.5 extensions

#[test]
fn s5_5_unknown_extension_frame_is_ignored() {
    let mut p = Peer::new();
    p.send(&Builder::new(0xff, 0).payload(&[0; 8]).build());
    p.alive();
}

#[test]
fn s5_5_unknown_extension_frame_inside_header_block() {
    let mut p = Peer::new();
    let b = p.req();
    p.send(
        &Builder::new(kind::HEADERS, 1)
            .flags(flag::END_STREAM)
            .payload(&b)
            .build(),
    );
    p.send(&Builder::new(0xff, 1).payload(&[0; 8]).build());
    p.conn_error(PROTOCOL);
}

// ---------------------------------------------------------------- 6.1 DATA

#[test]
fn s6_1_data_on_stream_0() {
    let mut p = Peer::new();
    p.send(&data(0, flag::END_STREAM, b"test"));
    p.conn_error(PROTOCOL);
}

#[test]
fn s6_1_data_on_half_closed_stream() {
    let mut p = Peer::new();
    let h = p.headers(1, END);
    p.send(&h);
    p.send(&data(1, flag::END_STREAM, b"test"));
    p.stream_error(1, CLOSED);
}

#[test]
fn s6_1_data_with_invalid_pad_length() {
    let mut p = Peer::new();
    let h = p.headers(1, flag::END_HEADERS);
    p.send(&h);
    p.send(
        &Builder::new(kind::DATA, 1)
            .flags(flag::END_STREAM | flag::PADDED)
            .payload(&[6])
            .payload(b"test")
            .build(),
    );
    p.conn_error(PROTOCOL);
}

// ---------------------------------------------------------------- 6.2 HEADERS

#[test]
fn s6_2_headers_then_priority_without_end_headers() {
    let mut p = Peer::new();
    let b = p.req();
    p.send(
        &Builder::new(kind::HEADERS, 1)
            .flags(flag::END_STREAM)
            .payload(&b)
            .build(),
    );
    p.send(&prio(1, 0, 255));
    p.conn_error(PROTOCOL);
}

#[test]
fn s6_2_headers_then_frame_on_other_stream() {
    let mut p = Peer::new();
    let b = p.req();
    p.send(
        &Builder::new(kind::HEADERS, 1)
            .flags(flag::END_STREAM)
            .payload(&b)
            .build(),
    );
    let h = p.headers(3, END);
    p.send(&h);
    p.conn_error(PROTOCOL);
}

#[test]
fn s6_2_headers_on_stream_0() {
    let mut p = Peer::new();
    let h = p.headers(0, END);
    p.send(&h);
    p.conn_error(PROTOCOL);
}

#[test]
fn s6_2_headers_with_invalid_pad_length() {
    let mut p = Peer::new();
    let b = p.req();
    p.send(
        &Builder::new(kind::HEADERS, 1)
            .flags(END | flag::PADDED)
            .payload(&[(b.len() + 1) as u8])
            .payload(&b)
            .build(),
    );
    p.conn_error(PROTOCOL);
}

// ---------------------------------------------------------------- 6.3 PRIORITY

#[test]
fn s6_3_priority_on_stream_0() {
    let mut p = Peer::new();
    p.send(&prio(0, 1, 255));
    p.conn_error(PROTOCOL);
}

#[test]
fn s6_3_priority_with_length_4() {
    let mut p = Peer::new();
    let h = p.headers(1, flag::END_HEADERS);
    p.send(&h);
    p.send(&Builder::new(kind::PRIORITY, 1).u32(0).build());
    p.stream_error(1, FRAME_SIZE);
}

// ---------------------------------------------------------------- 6.4 RST_STREAM

#[test]
fn s6_4_rst_stream_on_stream_0() {
    let mut p = Peer::new();
    p.send(&rst(0, 8));
    p.conn_error(PROTOCOL);
}

#[test]
fn s6_4_rst_stream_on_idle_stream() {
    let mut p = Peer::new();
    p.send(&rst(1, 8));
    p.conn_error(PROTOCOL);
}

#[test]
fn s6_4_rst_stream_with_length_3() {
    let mut p = Peer::new();
    let h = p.headers(1, flag::END_HEADERS);
    p.send(&h);
    p.send(
        &Builder::new(kind::RST_STREAM, 1)
            .payload(&[0, 0, 8])
            .build(),
    );
    p.conn_error(FRAME_SIZE);
}

// ---------------------------------------------------------------- 6.5 SETTINGS

#[test]
fn s6_5_settings_ack_with_payload() {
    let mut p = Peer::new();
    p.send(
        &Builder::new(kind::SETTINGS, 0)
            .flags(flag::ACK)
            .setting(id::ENABLE_PUSH, 0)
            .build(),
    );
    p.conn_error(FRAME_SIZE);
}

#[test]
fn s6_5_settings_on_a_stream() {
    let mut p = Peer::new();
    p.send(
        &Builder::new(kind::SETTINGS, 1)
            .setting(id::ENABLE_PUSH, 0)
            .build(),
    );
    p.conn_error(PROTOCOL);
}

#[test]
fn s6_5_settings_length_not_multiple_of_6() {
    let mut p = Peer::new();
    p.send(
        &Builder::new(kind::SETTINGS, 0)
            .payload(&[0, 2, 0, 0, 0])
            .build(),
    );
    p.conn_error(FRAME_SIZE);
}

// ---------------------------------------------------------------- 6.5.2 defined parameters

#[test]
fn s6_5_2_enable_push_invalid() {
    let mut p = Peer::new();
    p.send(
        &Builder::new(kind::SETTINGS, 0)
            .setting(id::ENABLE_PUSH, 2)
            .build(),
    );
    p.conn_error(PROTOCOL);
}

#[test]
fn s6_5_2_initial_window_size_above_max() {
    let mut p = Peer::new();
    p.send(
        &Builder::new(kind::SETTINGS, 0)
            .setting(id::INITIAL_WINDOW_SIZE, 1 << 31)
            .build(),
    );
    p.conn_error(FLOW);
}

#[test]
fn s6_5_2_max_frame_size_below_initial() {
    let mut p = Peer::new();
    p.send(
        &Builder::new(kind::SETTINGS, 0)
            .setting(id::MAX_FRAME_SIZE, 16383)
            .build(),
    );
    p.conn_error(PROTOCOL);
}

#[test]
fn s6_5_2_max_frame_size_above_max() {
    let mut p = Peer::new();
    p.send(
        &Builder::new(kind::SETTINGS, 0)
            .setting(id::MAX_FRAME_SIZE, 1 << 24)
            .build(),
    );
    p.conn_error(PROTOCOL);
}

#[test]
fn s6_5_2_unknown_setting_is_ignored() {
    let mut p = Peer::new();
    p.send(&Builder::new(kind::SETTINGS, 0).setting(0xff, 1).build());
    p.flush();
    assert!(
        p.frames
            .iter()
            .any(|f| f.kind == kind::SETTINGS && f.flags == flag::ACK)
    );
    p.alive();
}

// ---------------------------------------------------------------- 6.5.3 synchronization

#[test]
fn s6_5_3_multiple_values_of_a_setting_last_wins() {
    let mut p = Peer::new();
    p.send(
        &Builder::new(kind::SETTINGS, 0)
            .setting(id::INITIAL_WINDOW_SIZE, 100)
            .setting(id::INITIAL_WINDOW_SIZE, 1)
            .build(),
    );
    let h = p.headers(1, END);
    p.send(&h);
    assert_eq!(p.data_lens(1), vec![1]);
}

#[test]
fn s6_5_3_settings_are_acked() {
    let mut p = Peer::new();
    p.send(
        &Builder::new(kind::SETTINGS, 0)
            .setting(id::ENABLE_PUSH, 0)
            .build(),
    );
    p.flush();
    assert!(
        p.frames
            .iter()
            .any(|f| f.kind == kind::SETTINGS && f.flags == flag::ACK && f.payload.is_empty())
    );
}

// ---------------------------------------------------------------- 6.7 PING

#[test]
fn s6_7_ping_is_acked_with_same_payload() {
    let mut p = Peer::new();
    p.alive();
}

#[test]
fn s6_7_ping_ack_is_not_answered() {
    let mut p = Peer::new();
    p.send(
        &Builder::new(kind::PING, 0)
            .flags(flag::ACK)
            .payload(b"invalid!")
            .build(),
    );
    p.flush();
    assert!(!p.frames.iter().any(|f| f.kind == kind::PING));
    p.alive();
}

#[test]
fn s6_7_ping_on_a_stream() {
    let mut p = Peer::new();
    p.send(&Builder::new(kind::PING, 1).payload(&[0; 8]).build());
    p.conn_error(PROTOCOL);
}

#[test]
fn s6_7_ping_with_length_6() {
    let mut p = Peer::new();
    p.send(&Builder::new(kind::PING, 0).payload(&[0; 6]).build());
    p.conn_error(FRAME_SIZE);
}

// ---------------------------------------------------------------- 6.8 GOAWAY

#[test]
fn s6_8_goaway_on_a_stream() {
    let mut p = Peer::new();
    p.send(&Builder::new(kind::GOAWAY, 1).u32(0).u32(0).build());
    p.conn_error(PROTOCOL);
}

// ---------------------------------------------------------------- 6.9 WINDOW_UPDATE

#[test]
fn s6_9_zero_increment_on_the_connection() {
    let mut p = Peer::new();
    p.send(&wu(0, 0));
    p.conn_error(PROTOCOL);
}

#[test]
fn s6_9_zero_increment_on_a_stream() {
    let mut p = Peer::new();
    let h = p.headers(1, flag::END_HEADERS);
    p.send(&h);
    p.send(&wu(1, 0));
    p.stream_error(1, PROTOCOL);
}

#[test]
fn s6_9_window_update_with_length_3() {
    let mut p = Peer::new();
    p.send(
        &Builder::new(kind::WINDOW_UPDATE, 0)
            .payload(&[0, 0, 1])
            .build(),
    );
    p.conn_error(FRAME_SIZE);
}

// ---------------------------------------------------------------- 6.9.1 the window

#[test]
fn s6_9_1_initial_window_of_1_gives_1_byte_data() {
    let mut p = Peer::with(&[(id::INITIAL_WINDOW_SIZE, 1)]);
    let h = p.headers(1, END);
    p.send(&h);
    assert_eq!(p.data_lens(1), vec![1]);
}

#[test]
fn s6_9_1_connection_window_overflow() {
    let mut p = Peer::new();
    p.send(&wu(0, 0x7fff_ffff));
    p.conn_error(FLOW);
}

#[test]
fn s6_9_1_stream_window_overflow() {
    let mut p = Peer::new();
    let h = p.headers(1, flag::END_HEADERS);
    p.send(&h);
    p.send(&wu(1, 0x7fff_ffff));
    p.stream_error(1, FLOW);
}

// ---------------------------------------------------------------- 6.9.2 initial window size

#[test]
fn s6_9_2_window_change_after_headers_applies() {
    let mut p = Peer::with(&[(id::INITIAL_WINDOW_SIZE, 0)]);
    let h = p.headers(1, END);
    p.send(&h);
    assert!(p.data_lens(1).is_empty());
    p.send(
        &Builder::new(kind::SETTINGS, 0)
            .setting(id::INITIAL_WINDOW_SIZE, 1)
            .build(),
    );
    assert_eq!(p.data_lens(1), vec![1]);
}

#[test]
fn s6_9_2_negative_window() {
    let mut p = Peer::with(&[(id::INITIAL_WINDOW_SIZE, 3)]);
    p.body = b"0123456789";
    let h = p.headers(1, END);
    p.send(&h);
    assert_eq!(p.data_lens(1), vec![3]);
    // Window 3 - 3 = 0; lowering the initial size to 1 makes it -2.
    p.send(
        &Builder::new(kind::SETTINGS, 0)
            .setting(id::INITIAL_WINDOW_SIZE, 1)
            .build(),
    );
    p.send(&wu(1, 2));
    assert_eq!(p.data_lens(1), vec![3], "window back at 0: nothing sent");
    p.send(&wu(1, 2));
    assert_eq!(p.data_lens(1), vec![3, 2]);
}

#[test]
fn s6_9_2_initial_window_above_max_is_flow_control_error() {
    let mut p = Peer::new();
    p.send(
        &Builder::new(kind::SETTINGS, 0)
            .setting(id::INITIAL_WINDOW_SIZE, 0x8000_0000)
            .build(),
    );
    p.conn_error(FLOW);
}

#[test]
fn s6_9_2_settings_change_overflowing_a_stream_window() {
    let mut p = Peer::new();
    let h = p.headers(1, flag::END_HEADERS);
    p.send(&h);
    p.send(&wu(1, 0x7fff_ffff - 65_535));
    p.send(
        &Builder::new(kind::SETTINGS, 0)
            .setting(id::INITIAL_WINDOW_SIZE, 65_536)
            .build(),
    );
    p.conn_error(FLOW);
}

// ---------------------------------------------------------------- 6.10 CONTINUATION

#[test]
fn s6_10_multiple_continuations_are_accepted() {
    let mut p = Peer::new();
    let b = p.req();
    let mut v = Builder::new(kind::HEADERS, 1)
        .flags(flag::END_STREAM)
        .payload(&b[..2])
        .build();
    v.extend(cont(1, 0, &b[2..4]));
    v.extend(cont(1, flag::END_HEADERS, &b[4..]));
    p.send(&v);
    p.response(1);
}

#[test]
fn s6_10_continuation_after_end_headers() {
    let mut p = Peer::new();
    let h = p.headers(1, END);
    let b = p.block(&[("x-dummy", "1")]);
    let mut v = h;
    v.extend(cont(1, flag::END_HEADERS, &b));
    p.send(&v);
    p.conn_error(PROTOCOL);
}

#[test]
fn s6_10_continuation_on_another_stream() {
    let mut p = Peer::new();
    let b = p.req();
    let mut v = Builder::new(kind::HEADERS, 1)
        .flags(flag::END_STREAM)
        .payload(&b)
        .build();
    v.extend(cont(3, flag::END_HEADERS, &[]));
    p.send(&v);
    p.conn_error(PROTOCOL);
}

#[test]
fn s6_10_continuation_on_stream_0() {
    let mut p = Peer::new();
    let b = p.req();
    let mut v = Builder::new(kind::HEADERS, 1)
        .flags(flag::END_STREAM)
        .payload(&b)
        .build();
    v.extend(cont(0, flag::END_HEADERS, &[]));
    p.send(&v);
    p.conn_error(PROTOCOL);
}

#[test]
fn s6_10_continuation_after_data() {
    let mut p = Peer::new();
    let h = p.headers(1, flag::END_HEADERS);
    p.send(&h);
    p.send(&data(1, 0, b"test"));
    p.send(&cont(1, flag::END_HEADERS, &[]));
    p.conn_error(PROTOCOL);
}

#[test]
fn s6_10_headers_without_end_headers_then_data() {
    let mut p = Peer::new();
    let b = p.req();
    p.send(&Builder::new(kind::HEADERS, 1).payload(&b).build());
    p.send(&data(1, flag::END_STREAM, b"test"));
    p.conn_error(PROTOCOL);
}

// ---------------------------------------------------------------- 8.1 message exchange

#[test]
fn s8_1_second_headers_without_end_stream() {
    let mut p = Peer::new();
    let h = p.headers(1, flag::END_HEADERS);
    p.send(&h);
    let t = p.block(&[("x-trailer", "1")]);
    p.send(
        &Builder::new(kind::HEADERS, 1)
            .flags(flag::END_HEADERS)
            .payload(&t)
            .build(),
    );
    p.stream_error(1, PROTOCOL);
}

#[test]
fn s8_1_trailers_are_delivered() {
    let mut p = Peer::new();
    let h = p.headers(1, flag::END_HEADERS);
    p.send(&h);
    p.send(&data(1, 0, b"body"));
    let t = p.block(&[("x-trailer", "1")]);
    p.send(
        &Builder::new(kind::HEADERS, 1)
            .flags(END)
            .payload(&t)
            .build(),
    );
    p.response(1);
}

// ---------------------------------------------------------------- 8.1.2 header fields

fn malformed(extra_fields: &[(&str, &str)], replace: Option<&[(&str, &str)]>) {
    let mut p = Peer::new();
    let b = match replace {
        Some(all) => p.block(all),
        None => p.req_with(extra_fields),
    };
    p.send(
        &Builder::new(kind::HEADERS, 1)
            .flags(END)
            .payload(&b)
            .build(),
    );
    p.stream_error(1, PROTOCOL);
    p.alive();
}

#[test]
fn s8_1_2_uppercase_field_name() {
    malformed(&[("X-TEST", "ok")], None);
}

#[test]
fn s8_1_2_1_unknown_pseudo_header() {
    malformed(
        &[],
        Some(&[
            (":method", "GET"),
            (":scheme", "http"),
            (":path", "/"),
            (":authority", "a"),
            (":test", "x"),
        ]),
    );
}

#[test]
fn s8_1_2_1_response_pseudo_header_in_request() {
    malformed(
        &[],
        Some(&[
            (":method", "GET"),
            (":scheme", "http"),
            (":path", "/"),
            (":authority", "a"),
            (":status", "200"),
        ]),
    );
}

#[test]
fn s8_1_2_1_pseudo_header_in_trailers() {
    let mut p = Peer::new();
    let h = p.headers(1, flag::END_HEADERS);
    p.send(&h);
    let t = p.block(&[(":method", "GET")]);
    p.send(
        &Builder::new(kind::HEADERS, 1)
            .flags(END)
            .payload(&t)
            .build(),
    );
    p.stream_error(1, PROTOCOL);
}

#[test]
fn s8_1_2_1_pseudo_header_after_regular() {
    malformed(
        &[],
        Some(&[
            (":method", "GET"),
            (":scheme", "http"),
            ("x-a", "b"),
            (":path", "/"),
            (":authority", "a"),
        ]),
    );
}

#[test]
fn s8_1_2_2_connection_specific_field() {
    malformed(&[("connection", "keep-alive")], None);
}

#[test]
fn s8_1_2_2_te_other_than_trailers() {
    malformed(&[("te", "trailers, deflate")], None);
}

#[test]
fn s8_1_2_2_te_trailers_is_fine() {
    let mut p = Peer::new();
    let b = p.req_with(&[("te", "trailers")]);
    p.send(
        &Builder::new(kind::HEADERS, 1)
            .flags(END)
            .payload(&b)
            .build(),
    );
    p.response(1);
}

#[test]
fn s8_1_2_3_empty_path() {
    malformed(
        &[],
        Some(&[
            (":method", "GET"),
            (":scheme", "http"),
            (":path", ""),
            (":authority", "a"),
        ]),
    );
}

#[test]
fn s8_1_2_3_missing_method() {
    malformed(
        &[],
        Some(&[(":scheme", "http"), (":path", "/"), (":authority", "a")]),
    );
}

#[test]
fn s8_1_2_3_missing_scheme() {
    malformed(
        &[],
        Some(&[(":method", "GET"), (":path", "/"), (":authority", "a")]),
    );
}

#[test]
fn s8_1_2_3_missing_path() {
    malformed(
        &[],
        Some(&[(":method", "GET"), (":scheme", "http"), (":authority", "a")]),
    );
}

#[test]
fn s8_1_2_3_duplicated_method() {
    malformed(
        &[],
        Some(&[
            (":method", "GET"),
            (":method", "GET"),
            (":scheme", "http"),
            (":path", "/"),
            (":authority", "a"),
        ]),
    );
}

#[test]
fn s8_1_2_3_duplicated_scheme() {
    malformed(
        &[],
        Some(&[
            (":method", "GET"),
            (":scheme", "http"),
            (":scheme", "http"),
            (":path", "/"),
            (":authority", "a"),
        ]),
    );
}

#[test]
fn s8_1_2_3_duplicated_path() {
    malformed(
        &[],
        Some(&[
            (":method", "GET"),
            (":scheme", "http"),
            (":path", "/"),
            (":path", "/"),
            (":authority", "a"),
        ]),
    );
}

#[test]
fn s8_1_2_3_authority_and_host_disagree() {
    malformed(&[("host", "other.example")], None);
}

#[test]
fn s8_1_2_6_content_length_with_one_data_frame() {
    let mut p = Peer::new();
    let b = p.req_with(&[("content-length", "1")]);
    let mut v = Builder::new(kind::HEADERS, 1)
        .flags(flag::END_HEADERS)
        .payload(&b)
        .build();
    v.extend(data(1, flag::END_STREAM, b"test"));
    p.send(&v);
    p.stream_error(1, PROTOCOL);
}

#[test]
fn s8_1_2_6_content_length_with_several_data_frames() {
    let mut p = Peer::new();
    let b = p.req_with(&[("content-length", "1")]);
    let mut v = Builder::new(kind::HEADERS, 1)
        .flags(flag::END_HEADERS)
        .payload(&b)
        .build();
    v.extend(data(1, 0, b"test"));
    v.extend(data(1, flag::END_STREAM, b"test"));
    p.send(&v);
    p.stream_error(1, PROTOCOL);
}

#[test]
fn s8_1_2_6_content_length_short_at_end_stream() {
    let mut p = Peer::new();
    let b = p.req_with(&[("content-length", "10")]);
    let mut v = Builder::new(kind::HEADERS, 1)
        .flags(flag::END_HEADERS)
        .payload(&b)
        .build();
    v.extend(data(1, flag::END_STREAM, b"test"));
    p.send(&v);
    p.stream_error(1, PROTOCOL);
}

// ---------------------------------------------------------------- 8.4 server push

#[test]
fn s8_4_push_promise_from_a_client() {
    let mut p = Peer::new();
    let h = p.headers(1, flag::END_HEADERS);
    p.send(&h);
    let b = p.req();
    p.send(
        &Builder::new(kind::PUSH_PROMISE, 1)
            .flags(flag::END_HEADERS)
            .u32(3)
            .payload(&b)
            .build(),
    );
    p.conn_error(PROTOCOL);
}

// ---------------------------------------------------------------- 8.5 CONNECT, RFC 8441

#[test]
fn s8_5_connect_with_path_is_malformed() {
    malformed(
        &[],
        Some(&[
            (":method", "CONNECT"),
            (":scheme", "http"),
            (":path", "/"),
            (":authority", "a:443"),
        ]),
    );
}

#[test]
fn rfc8441_protocol_without_setting_is_malformed() {
    malformed(
        &[],
        Some(&[
            (":method", "CONNECT"),
            (":protocol", "websocket"),
            (":scheme", "http"),
            (":path", "/"),
            (":authority", "a"),
        ]),
    );
}

#[test]
fn rfc8441_extended_connect_accepted_when_enabled() {
    let mut cfg = Config::server();
    cfg.settings.push((id::ENABLE_CONNECT_PROTOCOL, 1));
    let mut p = Peer::with_config(&[], cfg);
    let b = p.block(&[
        (":method", "CONNECT"),
        (":protocol", "websocket"),
        (":scheme", "http"),
        (":path", "/chat"),
        (":authority", "a"),
    ]);
    p.send(
        &Builder::new(kind::HEADERS, 1)
            .flags(flag::END_HEADERS)
            .payload(&b)
            .build(),
    );
    p.send(&data(1, flag::END_STREAM, b""));
    p.response(1);
}

// ---------------------------------------------------------------- RFC 7541 (HPACK)

fn hpack_error(block: &[u8]) {
    let mut p = Peer::new();
    p.send(
        &Builder::new(kind::HEADERS, 1)
            .flags(END)
            .payload(block)
            .build(),
    );
    p.conn_error(COMPRESSION);
}

#[test]
fn hpack_2_3_3_index_beyond_the_tables() {
    hpack_error(&[0x82, 0x86, 0x84, 0xff, 0x7f]);
}

#[test]
fn hpack_4_2_size_update_at_end_of_block() {
    hpack_error(&[0x82, 0x86, 0x84, 0x41, 0x01, b'a', 0x20]);
}

#[test]
fn hpack_5_2_huffman_with_eos() {
    // A literal value whose Huffman string contains EOS (30 ones).
    hpack_error(&[0x82, 0x86, 0x84, 0x01, 0x84, 0xff, 0xff, 0xff, 0xff]);
}

#[test]
fn hpack_5_2_huffman_padding_longer_than_7_bits() {
    hpack_error(&[0x82, 0x86, 0x84, 0x01, 0x82, 0x1f, 0xff]);
}

#[test]
fn hpack_5_2_huffman_padding_not_ones() {
    hpack_error(&[0x82, 0x86, 0x84, 0x01, 0x81, 0x1c]);
}

#[test]
fn hpack_6_1_index_0() {
    hpack_error(&[0x82, 0x86, 0x84, 0x80]);
}

#[test]
fn hpack_6_3_size_update_above_the_setting() {
    hpack_error(&[0x3f, 0xe1, 0xff, 0x03, 0x82, 0x86, 0x84, 0x41, 0x01, b'a']);
}

// ---------------------------------------------------------------- generic (h2spec)

#[test]
fn generic_2_priority_on_idle_stream_is_allowed() {
    let mut p = Peer::new();
    p.send(&prio(3, 0, 255));
    let h = p.headers(1, END);
    p.send(&h);
    p.response(1);
}

#[test]
fn generic_2_window_update_on_half_closed_remote_is_allowed() {
    let mut p = Peer::with(&[(id::INITIAL_WINDOW_SIZE, 0)]);
    let h = p.headers(1, END);
    p.send(&h);
    p.send(&wu(1, 100));
    assert_eq!(p.data_lens(1), vec![5]);
    p.alive();
}

#[test]
fn generic_2_priority_and_rst_on_half_closed_remote() {
    let mut p = Peer::with(&[(id::INITIAL_WINDOW_SIZE, 0)]);
    let h = p.headers(1, END);
    p.send(&h);
    p.send(&prio(1, 0, 10));
    p.send(&rst(1, 8));
    p.alive();
}

#[test]
fn generic_2_priority_on_closed_stream() {
    let mut p = Peer::new();
    let h = p.headers(1, END);
    p.send(&h);
    p.response(1);
    p.send(&prio(1, 0, 10));
    p.alive();
}

#[test]
fn generic_3_1_data_frames_padded_and_multiple() {
    let mut p = Peer::new();
    let h = p.headers(1, flag::END_HEADERS);
    p.send(&h);
    p.send(&data(1, 0, b"one"));
    p.send(
        &Builder::new(kind::DATA, 1)
            .flags(flag::PADDED)
            .payload(&[4])
            .payload(b"two")
            .payload(&[0; 4])
            .build(),
    );
    p.send(&data(1, flag::END_STREAM, b"three"));
    p.response(1);
}

#[test]
fn generic_3_2_headers_padded_and_with_priority() {
    let mut p = Peer::new();
    let b = p.req();
    p.send(
        &Builder::new(kind::HEADERS, 1)
            .flags(END | flag::PADDED | flag::PRIORITY)
            .payload(&[3])
            .u32(0x8000_0000)
            .payload(&[200])
            .payload(&b)
            .payload(&[0; 3])
            .build(),
    );
    p.response(1);
}

#[test]
fn generic_3_3_priority_frames() {
    let mut p = Peer::new();
    for (s, dep, w) in [(1, 0, 0), (3, 0, 255), (5, 1, 10), (7, 0x8000_0001, 10)] {
        p.send(&prio(s, dep, w));
    }
    let h = p.headers(9, END);
    p.send(&h);
    p.response(9);
}

#[test]
fn generic_3_4_rst_stream() {
    let mut p = Peer::new();
    let h = p.headers(1, flag::END_HEADERS);
    p.send(&h);
    p.send(&rst(1, 8));
    p.alive();
}

#[test]
fn generic_3_5_every_defined_setting() {
    let mut p = Peer::new();
    p.send(
        &Builder::new(kind::SETTINGS, 0)
            .setting(id::HEADER_TABLE_SIZE, 0)
            .setting(id::ENABLE_PUSH, 0)
            .setting(id::MAX_CONCURRENT_STREAMS, 100)
            .setting(id::INITIAL_WINDOW_SIZE, 100)
            .setting(id::MAX_FRAME_SIZE, 1 << 20)
            .setting(id::MAX_HEADER_LIST_SIZE, 1 << 20)
            .build(),
    );
    p.alive();
    let h = p.headers(1, END);
    p.send(&h);
    p.response(1);
}

#[test]
fn generic_3_8_goaway_from_the_client() {
    let mut p = Peer::new();
    p.send(&Builder::new(kind::GOAWAY, 0).u32(0).u32(0).build());
    p.flush();
    assert!(p.s.is_closed());
}

#[test]
fn generic_3_9_window_updates() {
    let mut p = Peer::new();
    p.send(&wu(0, 1));
    let h = p.headers(1, flag::END_HEADERS);
    p.send(&h);
    p.send(&wu(1, 1));
    p.send(&data(1, flag::END_STREAM, b""));
    p.response(1);
}

#[test]
fn generic_4_methods() {
    for m in ["GET", "HEAD", "POST", "OPTIONS"] {
        let mut p = Peer::new();
        let b = p.block(&[
            (":method", m),
            (":scheme", "http"),
            (":path", "/"),
            (":authority", "a"),
        ]);
        p.send(
            &Builder::new(kind::HEADERS, 1)
                .flags(END)
                .payload(&b)
                .build(),
        );
        p.response(1);
    }
}

#[test]
fn generic_4_post_with_body_and_trailers() {
    let mut p = Peer::new();
    let b = p.block(&[
        (":method", "POST"),
        (":scheme", "http"),
        (":path", "/"),
        (":authority", "a"),
        ("content-length", "4"),
    ]);
    p.send(
        &Builder::new(kind::HEADERS, 1)
            .flags(flag::END_HEADERS)
            .payload(&b)
            .build(),
    );
    p.send(&data(1, 0, b"test"));
    let t = p.block(&[("x-trailer", "ok")]);
    p.send(
        &Builder::new(kind::HEADERS, 1)
            .flags(END)
            .payload(&t)
            .build(),
    );
    p.response(1);
}

#[test]
fn generic_5_hpack_representations() {
    let mut p = Peer::new();
    // Indexed (0x82 :method GET, 0x86 :scheme http, 0x84 :path /), literal with incremental
    // indexing and an indexed name (:authority), literal without indexing (new name), never
    // indexed, a size update at the start, and a Huffman-coded value.
    let mut block = vec![0x3f, 0xe1, 0x1f, 0x82, 0x86, 0x84, 0x41, 0x01, b'a'];
    block.extend([0x00, 0x01, b'x', 0x01, b'y', 0x10, 0x01, b'z', 0x01, b'w']);
    // "custom-key" with incremental indexing, Huffman value "custom-value" (RFC 7541 C.4.3).
    block.extend([0x40, 0x88, 0x25, 0xa8, 0x49, 0xe9, 0x5b, 0xa9, 0x7d, 0x7f]);
    block.extend([0x89, 0x25, 0xa8, 0x49, 0xe9, 0x5b, 0xb8, 0xe8, 0xb4, 0xbf]);
    p.send(
        &Builder::new(kind::HEADERS, 1)
            .flags(END)
            .payload(&block)
            .build(),
    );
    p.response(1);
    // The dynamic-table entry is usable in the next block (index 62).
    p.send(
        &Builder::new(kind::HEADERS, 3)
            .flags(END)
            .payload(&[0x82, 0x86, 0x84, 0xbf, 0xbe])
            .build(),
    );
    p.response(3);
}

// ---------------------------------------------------------------- our client role too

#[test]
fn client_rejects_server_push_when_disabled() {
    let now = Instant::now();
    let mut c = Connection::new(Role::Client, Config::client(), now);
    let id = c
        .send_request(&proto_h2::conn::Request::get(b"http", b"a", b"/"), true)
        .unwrap();
    let mut b = Builder::new(kind::SETTINGS, 0).build();
    b.extend(
        Builder::new(kind::PUSH_PROMISE, id.value())
            .flags(flag::END_HEADERS)
            .u32(2)
            .payload(&[0x82, 0x86, 0x84, 0x41, 0x01, b'a'])
            .build(),
    );
    assert_eq!(
        c.recv(now, &b).unwrap_err().code(),
        ErrorCode::PROTOCOL_ERROR
    );
}

#[test]
fn client_checks_response_rules() {
    let now = Instant::now();
    let mut c = Connection::new(Role::Client, Config::client(), now);
    let id = c
        .send_request(&proto_h2::conn::Request::get(b"http", b"a", b"/"), true)
        .unwrap();
    let mut b = Builder::new(kind::SETTINGS, 0).build();
    // A response without :status is malformed.
    b.extend(
        Builder::new(kind::HEADERS, id.value())
            .flags(END)
            .payload(&[0x40, 0x01, b'x', 0x01, b'y'])
            .build(),
    );
    c.recv(now, &b).unwrap();
    let mut out = Vec::new();
    while c.poll_transmit(now, &mut out).is_some() {}
    let want = rst(1, 1);
    assert!(out.windows(want.len()).any(|w| w == &want[..]));
}

#[test]
fn client_rejects_data_before_the_response_head() {
    let now = Instant::now();
    let mut c = Connection::new(Role::Client, Config::client(), now);
    let id = c
        .send_request(&proto_h2::conn::Request::get(b"http", b"a", b"/"), true)
        .unwrap();
    let mut b = Builder::new(kind::SETTINGS, 0).build();
    b.extend(data(id.value(), flag::END_STREAM, b"early"));
    c.recv(now, &b).unwrap();
    let mut out = Vec::new();
    while c.poll_transmit(now, &mut out).is_some() {}
    let want = rst(1, 1);
    assert!(out.windows(want.len()).any(|w| w == &want[..]));
}
