//! h2spec's server test cases, one test each, driven through raw frames against our server
//! connection. h2spec (github.com/summerwind/h2spec, release 2.6.0) has 146 server cases plus
//! one `--strict` case (`http2/5.4.1/2`); `H2SPEC.md` next to this file maps every h2spec id
//! to its test here.
//!
//! Test names are the h2spec id (`generic_3_1_2_…`, `http2_6_5_3_2_…`, `hpack_6_1_1_…`). Each
//! doc comment quotes h2spec's description and requirement. The checks are h2spec's:
//!
//! - "connection error of type X": a GOAWAY with X, and the connection ends;
//! - "stream error of type X": a RST_STREAM with X on the stream, or a GOAWAY with X;
//! - "connection close": the connection is over (`is_closed`);
//! - "responds": a HEADERS frame on the request's stream.
//!
//! h2spec also takes a bare TCP close as a connection or stream error; we always want the
//! GOAWAY or RST_STREAM with the right code, which is stricter.
//!
//! Every case runs three times: with all of h2spec's writes in one read, one frame per read
//! (the application answers between frames), and one byte per read.

mod support;

use proto_h2::conn::{Config, Connection, PREFACE, Role};
use proto_h2::frame::{Builder, ErrorCode, flag, kind};
use proto_h2::settings::id;
use std::time::Instant;
use support::*;

/// Runs `case` after h2spec's handshake, once per delivery.
fn each(case: impl Fn(&mut Peer)) {
    for d in DELIVERIES {
        let mut p = Peer::h2spec(d);
        case(&mut p);
    }
}

/// A server connection before any byte arrived, and the bytes it sends to a peer that sent
/// `input`.
fn raw(input: &[u8]) -> (Connection, Result<usize, proto_h2::error::Error>, Vec<Got>) {
    let now = Instant::now();
    let mut s = Connection::new(Role::Server, Config::server(), now);
    let r = s.recv(now, input);
    let (got, _) = split_frames(&transmit_all(&mut s, now));
    (s, r, got)
}

/// h2spec's client preface: the magic and SETTINGS with INITIAL_WINDOW_SIZE 65535.
fn client_preface() -> Vec<u8> {
    let mut b = PREFACE.to_vec();
    b.extend(settings_frame(&[(id::INITIAL_WINDOW_SIZE, 65_535)]));
    b
}

/// A HEADERS frame with the common request and a literal appended to its block.
fn req_plus(p: &mut Peer, rep: &[u8]) -> Vec<u8> {
    let mut b = p.req();
    b.extend_from_slice(rep);
    headers_frame(1, END, &b)
}

/// A HEADERS frame with a representation put before the common request.
fn req_after(p: &mut Peer, rep: &[u8]) -> Vec<u8> {
    let mut b = rep.to_vec();
    b.extend(p.req());
    headers_frame(1, END, &b)
}

const ZERO8: [u8; 8] = [0; 8];
const H2SPEC8: [u8; 8] = *b"h2spec\0\0";

// ================================================================ generic/1 Starting HTTP/2

/// h2spec `generic/1/1`: "Sends a client connection preface".
/// Requirement: "The first HTTP/2 frame sent by the server MUST be a server connection
/// preface." (RFC 9113 §3.4: the server connection preface is a SETTINGS frame.)
#[test]
fn generic_1_1_client_connection_preface() {
    let (_, r, got) = raw(&client_preface());
    assert!(r.is_ok());
    let first = got.first().expect("a frame");
    assert_eq!((first.kind, first.flags & flag::ACK), (kind::SETTINGS, 0));
}

// ================================================================ generic/2 Streams and Multiplexing

/// h2spec `generic/2/1`: "Sends a PRIORITY frame on idle stream".
/// Requirement: "The endpoint MUST accept PRIORITY frame." (RFC 9113 §5.1, idle.)
#[test]
fn generic_2_1_priority_on_idle_stream() {
    each(|p| {
        p.send_all(&[prio(1, 0, 255), ping(0, &ZERO8)]);
        p.ping_ack(&ZERO8);
    });
}

/// h2spec `generic/2/2`: "Sends a WINDOW_UPDATE frame on half-closed (remote) stream".
/// Requirement: "The endpoint MUST accept WINDOW_UPDATE frame." (RFC 9113 §5.1,
/// half-closed (remote).)
#[test]
fn generic_2_2_window_update_on_half_closed_remote() {
    each(|p| {
        let h = p.headers(1, END);
        p.send_all(&[settings_frame(&[(id::INITIAL_WINDOW_SIZE, 0)]), h, wu(1, 1)]);
        assert_eq!(p.data_lens(1), vec![1], "[{:?}]", p.delivery);
    });
}

/// h2spec `generic/2/3`: "Sends a PRIORITY frame on half-closed (remote) stream".
/// Requirement: "The endpoint MUST accept PRIORITY frame." (RFC 9113 §5.1.)
#[test]
fn generic_2_3_priority_on_half_closed_remote() {
    each(|p| {
        let h = p.headers(1, END);
        p.send_all(&[
            settings_frame(&[(id::INITIAL_WINDOW_SIZE, 0)]),
            h,
            prio(1, 0, 255),
            wu(1, 1),
        ]);
        assert_eq!(p.data_lens(1), vec![1], "[{:?}]", p.delivery);
    });
}

/// h2spec `generic/2/4`: "Sends a RST_STREAM frame on half-closed (remote) stream".
/// Requirement: "The endpoint MUST accept RST_STREAM frame." (RFC 9113 §5.1.) h2spec 2.6.0
/// wants the PING ACK with the payload sent (later revisions, commit 3dd9398, also take a
/// connection close).
#[test]
fn generic_2_4_rst_stream_on_half_closed_remote() {
    each(|p| {
        let h = p.headers(1, END);
        p.send_all(&[h, rst(1, ErrorCode::CANCEL.0), ping(0, &ZERO8)]);
        p.ping_ack(&ZERO8);
    });
}

/// h2spec `generic/2/5`: "Sends a PRIORITY frame on closed stream".
/// Requirement: "The endpoint MUST accept PRIORITY frame." (RFC 9113 §5.1, closed.)
#[test]
fn generic_2_5_priority_on_closed_stream() {
    each(|p| {
        let h = p.headers(1, END);
        p.send(&h);
        p.stream_ended(1);
        p.send_all(&[prio(1, 0, 255), ping(0, &ZERO8)]);
        p.ping_ack(&ZERO8);
    });
}

// ================================================================ generic/3.1 DATA

/// h2spec `generic/3.1/1`: "Sends a DATA frame".
/// Requirement: "The endpoint MUST accept DATA frame." (RFC 9113 §6.1.)
#[test]
fn generic_3_1_1_data_frame() {
    each(|p| {
        let b = p.req_method("POST");
        p.send_all(&[
            headers_frame(1, flag::END_HEADERS, &b),
            data(1, flag::END_STREAM, b"test"),
        ]);
        p.response(1);
    });
}

/// h2spec `generic/3.1/2`: "Sends multiple DATA frames".
/// Requirement: "The endpoint MUST accept multiple DATA frames." (RFC 9113 §6.1.)
#[test]
fn generic_3_1_2_multiple_data_frames() {
    each(|p| {
        let b = p.req_method("POST");
        p.send_all(&[
            headers_frame(1, flag::END_HEADERS, &b),
            data(1, 0, b"test"),
            data(1, flag::END_STREAM, b"test"),
        ]);
        p.response(1);
    });
}

/// h2spec `generic/3.1/3`: "Sends a DATA frame with padding".
/// Requirement: "The endpoint MUST accept DATA frame with padding." (RFC 9113 §6.1.) As
/// h2spec, the padding octets are the text `padded`, not zeros.
#[test]
fn generic_3_1_3_data_frame_with_padding() {
    each(|p| {
        let b = p.req_method("POST");
        let padded = Builder::new(kind::DATA, 1)
            .flags(flag::END_STREAM | flag::PADDED)
            .payload(&[6])
            .payload(b"test")
            .payload(b"padded")
            .build();
        p.send_all(&[headers_frame(1, flag::END_HEADERS, &b), padded]);
        p.response(1);
    });
}

// ================================================================ generic/3.2 HEADERS

/// h2spec `generic/3.2/1`: "Sends a HEADERS frame".
/// Requirement: "The endpoint MUST accept HEADERS frame." (RFC 9113 §6.2.)
#[test]
fn generic_3_2_1_headers_frame() {
    each(|p| {
        let h = p.headers(1, END);
        p.send(&h);
        p.response(1);
    });
}

/// h2spec `generic/3.2/2`: "Sends a HEADERS frame with padding".
/// Requirement: "The endpoint MUST accept HEADERS frame with padding." (RFC 9113 §6.2.)
#[test]
fn generic_3_2_2_headers_frame_with_padding() {
    each(|p| {
        let b = p.req();
        p.send(
            &Builder::new(kind::HEADERS, 1)
                .flags(END | flag::PADDED)
                .payload(&[8])
                .payload(&b)
                .payload(&[0; 8])
                .build(),
        );
        p.response(1);
    });
}

/// h2spec `generic/3.2/3`: "Sends a HEADERS frame with priority".
/// Requirement: "The endpoint MUST accept HEADERS frame with priority." (RFC 9113 §6.2.)
#[test]
fn generic_3_2_3_headers_frame_with_priority() {
    each(|p| {
        let b = p.req();
        p.send(
            &Builder::new(kind::HEADERS, 1)
                .flags(END | flag::PRIORITY)
                .u32(0)
                .payload(&[255])
                .payload(&b)
                .build(),
        );
        p.response(1);
    });
}

// ================================================================ generic/3.3 PRIORITY

/// h2spec `generic/3.3/1`: "Sends a PRIORITY frame with priority 1".
/// Requirement: "The endpoint MUST accept PRIORITY frame with priority 1." (RFC 9113 §6.3.)
#[test]
fn generic_3_3_1_priority_weight_1() {
    each(|p| {
        let h = p.headers(1, END);
        p.send_all(&[prio(1, 0, 0), h]);
        p.response(1);
    });
}

/// h2spec `generic/3.3/2`: "Sends a PRIORITY frame with priority 256".
/// Requirement: "The endpoint MUST accept PRIORITY frame with priority 256." (RFC 9113 §6.3.)
#[test]
fn generic_3_3_2_priority_weight_256() {
    each(|p| {
        let h = p.headers(1, END);
        p.send_all(&[prio(1, 0, 255), h]);
        p.response(1);
    });
}

/// h2spec `generic/3.3/3`: "Sends a PRIORITY frame with stream dependency".
/// Requirement: "The endpoint MUST accept PRIORITY frame with stream dependency."
/// (RFC 9113 §6.3.)
#[test]
fn generic_3_3_3_priority_with_stream_dependency() {
    each(|p| {
        let h = p.headers(1, END);
        p.send_all(&[prio(3, 1, 0), h]);
        p.response(1);
    });
}

/// h2spec `generic/3.3/4`: "Sends a PRIORITY frame with exclusive".
/// Requirement: "The endpoint MUST accept PRIORITY frame with exclusive." (RFC 9113 §6.3.)
#[test]
fn generic_3_3_4_priority_exclusive() {
    each(|p| {
        let h = p.headers(1, END);
        p.send_all(&[prio(1, 0x8000_0000, 0), h]);
        p.response(1);
    });
}

/// h2spec `generic/3.3/5`: "Sends a PRIORITY frame for an idle stream, then send a HEADER
/// frame for a lower stream ID".
/// Requirement: "The endpoint MUST respond the HEADER frame." (RFC 9113 §6.3: PRIORITY can
/// be sent for a stream in the idle state; it does not open it.)
#[test]
fn generic_3_3_5_priority_on_idle_then_headers_on_lower_stream() {
    each(|p| {
        let h = p.headers(1, END);
        p.send_all(&[prio(3, 0, 255), h]);
        p.response(1);
    });
}

// ================================================================ generic/3.4 .. 3.10

/// h2spec `generic/3.4/1`: "Sends a RST_STREAM frame".
/// Requirement: "The endpoint MUST accept RST_STREAM frame." (RFC 9113 §6.4.) h2spec 2.6.0
/// wants the PING ACK with the payload sent (later revisions, commit 3dd9398, also take a
/// connection close).
#[test]
fn generic_3_4_1_rst_stream_frame() {
    each(|p| {
        let h = p.headers(1, flag::END_HEADERS);
        p.send_all(&[h, rst(1, ErrorCode::CANCEL.0), ping(0, &ZERO8)]);
        p.ping_ack(&ZERO8);
    });
}

/// h2spec `generic/3.5/1`: "Sends a SETTINGS frame".
/// Requirement: "The endpoint MUST accept SETTINGS frame." (RFC 9113 §6.5: every defined
/// parameter, acknowledged.)
#[test]
fn generic_3_5_1_settings_frame() {
    each(|p| {
        p.send(&settings_frame(&[
            (id::HEADER_TABLE_SIZE, 4096),
            (id::ENABLE_PUSH, 1),
            (id::MAX_CONCURRENT_STREAMS, 100),
            (id::INITIAL_WINDOW_SIZE, 65_535),
            (id::MAX_FRAME_SIZE, 16_384),
            (id::MAX_HEADER_LIST_SIZE, 100),
        ]));
        p.settings_acked();
    });
}

/// h2spec `generic/3.7/1`: "Sends a PING frame".
/// Requirement: "The endpoint MUST accept PING frame." (RFC 9113 §6.7.)
#[test]
fn generic_3_7_1_ping_frame() {
    each(|p| {
        p.send(&ping(0, &H2SPEC8));
        p.ping_ack(&H2SPEC8);
    });
}

/// h2spec `generic/3.8/1`: "Sends a GOAWAY frame".
/// Requirement: "The endpoint MUST accept GOAWAY frame." (RFC 9113 §6.8.) h2spec 2.6.0 sends
/// a PING after the GOAWAY and takes its ACK (with its payload) or a closed connection; we
/// want both: the ACK, and the connection over since no stream is open.
#[test]
fn generic_3_8_1_goaway_frame() {
    each(|p| {
        p.send_all(&[
            Builder::new(kind::GOAWAY, 0)
                .u32(0)
                .u32(ErrorCode::NO_ERROR.0)
                .payload(b"h2spec")
                .build(),
            ping(0, &H2SPEC8),
        ]);
        p.ping_ack(&H2SPEC8);
        p.closed();
    });
}

/// h2spec `generic/3.9/1`: "Sends a WINDOW_UPDATE frame with stream ID 0".
/// Requirement: "The endpoint MUST accept WINDOW_UPDATE frame." (RFC 9113 §6.9.)
#[test]
fn generic_3_9_1_window_update_on_stream_0() {
    each(|p| {
        p.send_all(&[wu(0, 1), ping(0, &ZERO8)]);
        p.ping_ack(&ZERO8);
    });
}

/// h2spec `generic/3.9/2`: "Sends a WINDOW_UPDATE frame with stream ID 1".
/// Requirement: "The endpoint MUST accept WINDOW_UPDATE frame." (RFC 9113 §6.9.)
#[test]
fn generic_3_9_2_window_update_on_stream_1() {
    each(|p| {
        let h = p.headers(1, END);
        p.send_all(&[h, wu(1, 1)]);
        p.response(1);
    });
}

/// h2spec `generic/3.10/1`: "Sends a CONTINUATION frame".
/// Requirement: "The endpoint MUST accept CONTINUATION frame." (RFC 9113 §6.10.)
#[test]
fn generic_3_10_1_continuation_frame() {
    each(|p| {
        let b = p.req();
        p.send_all(&[
            headers_frame(1, flag::END_STREAM, &b[..5]),
            cont(1, flag::END_HEADERS, &b[5..]),
        ]);
        p.response(1);
    });
}

/// h2spec `generic/3.10/2`: "Sends multiple CONTINUATION frames".
/// Requirement: "The endpoint MUST accept multiple CONTINUATION frames." (RFC 9113 §6.10.)
#[test]
fn generic_3_10_2_multiple_continuation_frames() {
    each(|p| {
        let b = p.req();
        assert!(b.len() > 10);
        p.send_all(&[
            headers_frame(1, flag::END_STREAM, &b[..5]),
            cont(1, 0, &b[5..10]),
            cont(1, flag::END_HEADERS, &b[10..]),
        ]);
        p.response(1);
    });
}

// ================================================================ generic/4 HTTP Message Exchanges

/// h2spec `generic/4/1`: "Sends a GET request".
/// Requirement: "The endpoint MUST respond to the request." (RFC 9113 §8.1.)
#[test]
fn generic_4_1_get_request() {
    each(|p| {
        let h = p.headers(1, END);
        p.send(&h);
        p.response(1);
    });
}

/// h2spec `generic/4/2`: "Sends a HEAD request".
/// Requirement: "The endpoint MUST respond to the request." (RFC 9113 §8.1.)
#[test]
fn generic_4_2_head_request() {
    each(|p| {
        let b = p.req_method("HEAD");
        p.send(&headers_frame(1, END, &b));
        p.response(1);
    });
}

/// h2spec `generic/4/3`: "Sends a POST request".
/// Requirement: "The endpoint MUST respond to the request." (RFC 9113 §8.1.)
#[test]
fn generic_4_3_post_request() {
    each(|p| {
        let b = p.req_method("POST");
        p.send_all(&[
            headers_frame(1, flag::END_HEADERS, &b),
            data(1, flag::END_STREAM, b"test"),
        ]);
        p.response(1);
    });
}

/// h2spec `generic/4/4`: "Sends a POST request with trailers".
/// Requirement: "The endpoint MUST respond to the request." (RFC 9113 §8.1.)
#[test]
fn generic_4_4_post_request_with_trailers() {
    each(|p| {
        let b = p.post_with(&[("trailer", "x-test")]);
        let t = p.block(&[("x-test", "ok")]);
        p.send_all(&[
            headers_frame(1, flag::END_HEADERS, &b),
            data(1, 0, b"test"),
            headers_frame(1, END, &t),
        ]);
        p.response(1);
    });
}

// ================================================================ generic/5 HPACK

/// Sends the common request with `rep` appended; the server must answer, and the request it
/// decoded must carry `name: value`.
fn hpack_accepted(rep: &[u8], name: &str, value: &str) {
    each(|p| {
        let h = req_plus(p, rep);
        p.send(&h);
        p.response(1);
        assert_eq!(
            p.request_field(1, name).as_deref(),
            Some(value.as_bytes()),
            "[{:?}]",
            p.delivery
        );
    });
}

/// `h2spec` Huffman-coded.
const HUF_H2SPEC: [u8; 4] = [0x9c, 0x48, 0xac, 0xa4];
/// `x-test` Huffman-coded.
const HUF_X_TEST: [u8; 5] = [0xf2, 0xb2, 0x4a, 0x84, 0xff];

/// A literal representation: `first` (prefix bits and index), then an optional new name,
/// then the value `h2spec`, each raw or Huffman-coded.
fn literal(first: &[u8], new_name: bool, huffman: bool) -> Vec<u8> {
    let mut v = first.to_vec();
    if new_name {
        if huffman {
            v.push(0x80 | HUF_X_TEST.len() as u8);
            v.extend(HUF_X_TEST);
        } else {
            v.push(6);
            v.extend(b"x-test");
        }
    }
    if huffman {
        v.push(0x80 | HUF_H2SPEC.len() as u8);
        v.extend(HUF_H2SPEC);
    } else {
        v.push(6);
        v.extend(b"h2spec");
    }
    v
}

/// h2spec `generic/5/1`: "Sends a indexed header field representation".
/// Requirement: "The endpoint MUST accept indexed header field representation"
/// (RFC 7541 §6.1; index 58 is `user-agent` with an empty value).
#[test]
fn generic_5_1_indexed_header_field() {
    hpack_accepted(&[0xba], "user-agent", "");
}

/// h2spec `generic/5/2`: "Sends a literal header field with incremental indexing - indexed
/// name".
/// Requirement: "The endpoint MUST accept literal header field with incremental indexing"
/// (RFC 7541 §6.2.1).
#[test]
fn generic_5_2_literal_incremental_indexed_name() {
    hpack_accepted(&literal(&[0x40 | 58], false, false), "user-agent", "h2spec");
}

/// h2spec `generic/5/3`: "Sends a literal header field with incremental indexing - indexed
/// name (with Huffman coding)".
/// Requirement: "The endpoint MUST accept literal header field with incremental indexing"
/// (RFC 7541 §6.2.1, §5.2).
#[test]
fn generic_5_3_literal_incremental_indexed_name_huffman() {
    hpack_accepted(&literal(&[0x40 | 58], false, true), "user-agent", "h2spec");
}

/// h2spec `generic/5/4`: "Sends a literal header field with incremental indexing - new name".
/// Requirement: "The endpoint MUST accept literal header field with incremental indexing"
/// (RFC 7541 §6.2.1).
#[test]
fn generic_5_4_literal_incremental_new_name() {
    hpack_accepted(&literal(&[0x40], true, false), "x-test", "h2spec");
}

/// h2spec `generic/5/5`: "Sends a literal header field with incremental indexing - new name
/// (with Huffman coding)".
/// Requirement: "The endpoint MUST accept literal header field with incremental indexing"
/// (RFC 7541 §6.2.1, §5.2).
#[test]
fn generic_5_5_literal_incremental_new_name_huffman() {
    hpack_accepted(&literal(&[0x40], true, true), "x-test", "h2spec");
}

/// h2spec `generic/5/6`: "Sends a literal header field without indexing - indexed name".
/// Requirement: "The endpoint MUST accept literal header field without indexing"
/// (RFC 7541 §6.2.2; index 58 needs the 4-bit prefix's continuation: 15 + 43).
#[test]
fn generic_5_6_literal_without_indexing_indexed_name() {
    hpack_accepted(&literal(&[0x0f, 43], false, false), "user-agent", "h2spec");
}

/// h2spec `generic/5/7`: "Sends a literal header field without indexing - indexed name (with
/// Huffman coding)".
/// Requirement: "The endpoint MUST accept literal header field without indexing"
/// (RFC 7541 §6.2.2, §5.2).
#[test]
fn generic_5_7_literal_without_indexing_indexed_name_huffman() {
    hpack_accepted(&literal(&[0x0f, 43], false, true), "user-agent", "h2spec");
}

/// h2spec `generic/5/8`: "Sends a literal header field without indexing - new name".
/// Requirement: "The endpoint MUST accept literal header field without indexing"
/// (RFC 7541 §6.2.2).
#[test]
fn generic_5_8_literal_without_indexing_new_name() {
    hpack_accepted(&literal(&[0x00], true, false), "x-test", "h2spec");
}

/// h2spec `generic/5/9`: "Sends a literal header field without indexing - new name (huffman
/// encoded)".
/// Requirement: "The endpoint MUST accept literal header field without indexing"
/// (RFC 7541 §6.2.2, §5.2).
#[test]
fn generic_5_9_literal_without_indexing_new_name_huffman() {
    hpack_accepted(&literal(&[0x00], true, true), "x-test", "h2spec");
}

/// h2spec `generic/5/10`: "Sends a literal header field never indexed - indexed name".
/// Requirement: "The endpoint MUST accept literal header field never indexed"
/// (RFC 7541 §6.2.3).
#[test]
fn generic_5_10_literal_never_indexed_indexed_name() {
    hpack_accepted(&literal(&[0x1f, 43], false, false), "user-agent", "h2spec");
}

/// h2spec `generic/5/11`: "Sends a literal header field never indexed - indexed name (huffman
/// encoded)".
/// Requirement: "The endpoint MUST accept literal header field never indexed"
/// (RFC 7541 §6.2.3, §5.2).
#[test]
fn generic_5_11_literal_never_indexed_indexed_name_huffman() {
    hpack_accepted(&literal(&[0x1f, 43], false, true), "user-agent", "h2spec");
}

/// h2spec `generic/5/12`: "Sends a literal header field never indexed - new name".
/// Requirement: "The endpoint MUST accept literal header field never indexed"
/// (RFC 7541 §6.2.3).
#[test]
fn generic_5_12_literal_never_indexed_new_name() {
    hpack_accepted(&literal(&[0x10], true, false), "x-test", "h2spec");
}

/// h2spec `generic/5/13`: "Sends a literal header field never indexed - new name (huffman
/// encoded)".
/// Requirement: "The endpoint MUST accept literal header field never indexed"
/// (RFC 7541 §6.2.3, §5.2).
#[test]
fn generic_5_13_literal_never_indexed_new_name_huffman() {
    hpack_accepted(&literal(&[0x10], true, true), "x-test", "h2spec");
}

/// h2spec `generic/5/14`: "Sends a dynamic table size update".
/// Requirement: "The endpoint MUST accept dynamic table size update" (RFC 7541 §6.3; a size
/// update to 0 at the start of the block).
#[test]
fn generic_5_14_dynamic_table_size_update() {
    each(|p| {
        let h = req_after(p, &[0x20]);
        p.send(&h);
        p.response(1);
    });
}

/// h2spec `generic/5/15`: "Sends multiple dynamic table size update".
/// Requirement: "The endpoint MUST accept multiple dynamic table size update" (RFC 7541
/// §4.2: two updates, 0 then 4096, at the start of the block).
#[test]
fn generic_5_15_multiple_dynamic_table_size_updates() {
    each(|p| {
        let h = req_after(p, &[0x20, 0x3f, 0xe1, 0x1f]);
        p.send(&h);
        p.response(1);
    });
}

// ================================================================ http2/3.5 Connection Preface

/// h2spec `http2/3.5/1`: "Sends client connection preface".
/// Requirement: "The server connection preface MUST be the first frame the server sends in
/// the HTTP/2 connection." (RFC 9113 §3.4.) As h2spec 2.6.0: after the preface and a
/// SETTINGS frame (INITIAL_WINDOW_SIZE 65535), the first frame that arrives is a SETTINGS
/// frame without ACK.
#[test]
fn http2_3_5_1_client_connection_preface() {
    let (_, r, got) = raw(&client_preface());
    assert!(r.is_ok());
    let first = got.first().expect("a frame");
    assert_eq!((first.kind, first.flags), (kind::SETTINGS, 0));
}

/// h2spec `http2/3.5/2`: "Sends invalid connection preface".
/// Requirement: "The endpoint MUST terminate the TCP connection." (RFC 9113 §3.4: an invalid
/// preface is a connection error of type PROTOCOL_ERROR.)
#[test]
fn http2_3_5_2_invalid_connection_preface() {
    let (s, r, _) = raw(b"INVALID CONNECTION PREFACE\r\n\r\n");
    assert_eq!(r.unwrap_err().code(), ErrorCode::PROTOCOL_ERROR);
    assert!(s.is_closed());
}

// ================================================================ http2/4.1 Frame Format

/// h2spec `http2/4.1/1`: "Sends a frame with unknown type".
/// Requirement: "The endpoint MUST ignore and discard any frame that has a type that is
/// unknown." (RFC 9113 §4.1.)
#[test]
fn http2_4_1_1_frame_with_unknown_type() {
    each(|p| {
        p.send_all(&[
            Builder::new(0x16, 0).payload(&[0; 8]).build(),
            ping(0, &ZERO8),
        ]);
        p.ping_ack(&ZERO8);
    });
}

/// h2spec `http2/4.1/2`: "Sends a frame with undefined flag".
/// Requirement: "The endpoint MUST ignore any flags that is undefined." (RFC 9113 §4.1.)
#[test]
fn http2_4_1_2_frame_with_undefined_flag() {
    each(|p| {
        p.send(
            &Builder::new(kind::PING, 0)
                .flags(0x16)
                .payload(&[0; 8])
                .build(),
        );
        p.got(kind::PING);
    });
}

/// h2spec `http2/4.1/3`: "Sends a frame with reserved field bit".
/// Requirement: "The endpoint MUST ignore the value of reserved field." (RFC 9113 §4.1.)
#[test]
fn http2_4_1_3_frame_with_reserved_bit() {
    each(|p| {
        p.send(
            &Builder::new(kind::PING, 0x8000_0000)
                .flags(0x16)
                .payload(&[0; 8])
                .build(),
        );
        p.got(kind::PING);
    });
}

// ================================================================ http2/4.2 Frame Size

/// h2spec `http2/4.2/1`: "Sends a DATA frame with 2^14 octets in length".
/// Requirement: "The endpoint MUST be capable of receiving and minimally processing frames
/// up to 2^14 octets in length." (RFC 9113 §4.2.)
#[test]
fn http2_4_2_1_data_frame_of_2_14_octets() {
    each(|p| {
        let b = p.req_method("POST");
        p.send_all(&[
            headers_frame(1, flag::END_HEADERS, &b),
            data(1, flag::END_STREAM, &[b'x'; 16_384]),
        ]);
        p.response(1);
    });
}

/// h2spec `http2/4.2/2`: "Sends a large size DATA frame that exceeds the
/// SETTINGS_MAX_FRAME_SIZE".
/// Requirement: "The endpoint MUST send an error code of FRAME_SIZE_ERROR." (RFC 9113 §4.2;
/// h2spec checks it as a stream error.)
#[test]
fn http2_4_2_2_data_frame_above_max_frame_size() {
    each(|p| {
        let b = p.req_method("POST");
        p.send_all(&[
            headers_frame(1, flag::END_HEADERS, &b),
            data(1, flag::END_STREAM, &[b'x'; 16_385]),
        ]);
        p.stream_error(1, FRAME_SIZE);
    });
}

/// h2spec `http2/4.2/3`: "Sends a large size HEADERS frame that exceeds the
/// SETTINGS_MAX_FRAME_SIZE".
/// Requirement: "The endpoint MUST respond with a connection error of type
/// FRAME_SIZE_ERROR." (RFC 9113 §4.2.)
#[test]
fn http2_4_2_3_headers_frame_above_max_frame_size() {
    each(|p| {
        let mut b = p.req();
        b.extend(p.dummy(5));
        assert!(b.len() > 16_384);
        p.send(&headers_frame(1, END, &b));
        p.conn_error(FRAME_SIZE);
    });
}

// ================================================================ http2/4.3 Header Compression

/// h2spec `http2/4.3/1`: "Sends invalid header block fragment".
/// Requirement: "The endpoint MUST terminate the connection with a connection error of type
/// COMPRESSION_ERROR." (RFC 9113 §4.3: a literal with incremental indexing and nothing
/// after it.)
#[test]
fn http2_4_3_1_invalid_header_block_fragment() {
    each(|p| {
        p.send(&headers_frame(1, END, &[0x40]));
        p.conn_error(COMPRESSION);
    });
}

/// h2spec `http2/4.3/2`: "Sends a PRIORITY frame while sending the header blocks".
/// Requirement: "The endpoint MUST terminate the connection with a connection error of type
/// PROTOCOL_ERROR." (RFC 9113 §4.3: header blocks are contiguous.)
#[test]
fn http2_4_3_2_priority_inside_header_block() {
    each(|p| {
        let b = p.req();
        let d = p.dummy(1);
        p.send_all(&[
            headers_frame(1, 0, &b),
            prio(1, 0, 255),
            cont(1, flag::END_HEADERS, &d),
        ]);
        p.conn_error(PROTOCOL);
    });
}

/// h2spec `http2/4.3/3`: "Sends a HEADERS frame to another stream while sending the header
/// blocks".
/// Requirement: "The endpoint MUST terminate the connection with a connection error of type
/// PROTOCOL_ERROR." (RFC 9113 §4.3.)
#[test]
fn http2_4_3_3_headers_on_other_stream_inside_header_block() {
    each(|p| {
        let b = p.req();
        let b3 = p.req();
        let d = p.dummy(1);
        p.send_all(&[
            headers_frame(1, 0, &b),
            headers_frame(3, END, &b3),
            cont(1, flag::END_HEADERS, &d),
        ]);
        p.conn_error(PROTOCOL);
    });
}

// ================================================================ http2/5.1 Stream States

/// h2spec `http2/5.1/1`: "idle: Sends a DATA frame".
/// Requirement: "The endpoint MUST treat this as a connection error of type
/// PROTOCOL_ERROR." (RFC 9113 §5.1, idle.) As h2spec 2.6.0; later revisions (commit
/// f03bb16) also take a stream error.
#[test]
fn http2_5_1_1_idle_data() {
    each(|p| {
        p.send(&data(1, flag::END_STREAM, b"test"));
        p.conn_error(PROTOCOL);
    });
}

/// h2spec `http2/5.1/2`: "idle: Sends a RST_STREAM frame".
/// Requirement: "The endpoint MUST treat this as a connection error of type
/// PROTOCOL_ERROR." (RFC 9113 §5.1, idle.)
#[test]
fn http2_5_1_2_idle_rst_stream() {
    each(|p| {
        p.send(&rst(1, ErrorCode::CANCEL.0));
        p.conn_error(PROTOCOL);
    });
}

/// h2spec `http2/5.1/3`: "idle: Sends a WINDOW_UPDATE frame".
/// Requirement: "The endpoint MUST treat this as a connection error of type
/// PROTOCOL_ERROR." (RFC 9113 §5.1, idle.)
#[test]
fn http2_5_1_3_idle_window_update() {
    each(|p| {
        p.send(&wu(1, 100));
        p.conn_error(PROTOCOL);
    });
}

/// h2spec `http2/5.1/4`: "idle: Sends a CONTINUATION frame".
/// Requirement: "The endpoint MUST treat this as a connection error of type
/// PROTOCOL_ERROR." (RFC 9113 §5.1, idle.)
#[test]
fn http2_5_1_4_idle_continuation() {
    each(|p| {
        let b = p.req();
        p.send(&cont(1, flag::END_HEADERS, &b));
        p.conn_error(PROTOCOL);
    });
}

/// h2spec `http2/5.1/5`: "half closed (remote): Sends a DATA frame".
/// Requirement: "The endpoint MUST respond with a stream error of type STREAM_CLOSED."
/// (RFC 9113 §5.1, half-closed (remote).)
#[test]
fn http2_5_1_5_half_closed_remote_data() {
    each(|p| {
        let h = p.headers(1, END);
        p.send_all(&[h, data(1, flag::END_STREAM, b"test")]);
        p.stream_error(1, CLOSED);
    });
}

/// h2spec `http2/5.1/6`: "half closed (remote): Sends a HEADERS frame".
/// Requirement: "The endpoint MUST respond with a stream error of type STREAM_CLOSED."
/// (RFC 9113 §5.1, half-closed (remote).)
#[test]
fn http2_5_1_6_half_closed_remote_headers() {
    each(|p| {
        let h = p.headers(1, END);
        let h2 = p.headers(1, END);
        p.send_all(&[h, h2]);
        p.stream_error(1, CLOSED);
    });
}

/// h2spec `http2/5.1/7`: "half closed (remote): Sends a CONTINUATION frame".
/// Requirement: "The endpoint MUST respond with a stream error of type STREAM_CLOSED."
/// (RFC 9113 §5.1; h2spec also takes PROTOCOL_ERROR.)
#[test]
fn http2_5_1_7_half_closed_remote_continuation() {
    each(|p| {
        let b = p.req();
        p.send_all(&[headers_frame(1, END, &b), cont(1, flag::END_HEADERS, &b)]);
        p.stream_error(1, &[ErrorCode::STREAM_CLOSED, ErrorCode::PROTOCOL_ERROR]);
    });
}

/// h2spec `http2/5.1/8`: "closed: Sends a DATA frame after sending RST_STREAM frame".
/// Requirement: "The endpoint MUST treat this as a stream error of type STREAM_CLOSED."
/// (RFC 9113 §5.1, closed.)
#[test]
fn http2_5_1_8_closed_data_after_rst_stream() {
    each(|p| {
        let h = p.headers(1, flag::END_HEADERS);
        p.send_all(&[
            h,
            rst(1, ErrorCode::CANCEL.0),
            data(1, flag::END_STREAM, b"test"),
        ]);
        p.stream_error(1, CLOSED);
    });
}

/// h2spec `http2/5.1/9`: "closed: Sends a HEADERS frame after sending RST_STREAM frame".
/// Requirement: "The endpoint MUST treat this as a stream error of type STREAM_CLOSED."
/// (RFC 9113 §5.1, closed.)
#[test]
fn http2_5_1_9_closed_headers_after_rst_stream() {
    each(|p| {
        let h = p.headers(1, flag::END_HEADERS);
        let h2 = p.headers(1, END);
        p.send_all(&[h, rst(1, ErrorCode::CANCEL.0), h2]);
        p.stream_error(1, CLOSED);
    });
}

/// h2spec `http2/5.1/10`: "closed: Sends a CONTINUATION frame after sending RST_STREAM
/// frame".
/// Requirement: "The endpoint MUST treat this as a stream error of type STREAM_CLOSED."
/// (RFC 9113 §5.1; h2spec also takes PROTOCOL_ERROR.)
#[test]
fn http2_5_1_10_closed_continuation_after_rst_stream() {
    each(|p| {
        let h = p.headers(1, flag::END_HEADERS);
        let d = p.dummy(1);
        p.send_all(&[
            h,
            rst(1, ErrorCode::CANCEL.0),
            cont(1, flag::END_HEADERS, &d),
        ]);
        p.stream_error(1, &[ErrorCode::STREAM_CLOSED, ErrorCode::PROTOCOL_ERROR]);
    });
}

/// h2spec `http2/5.1/11`: "closed: Sends a DATA frame".
/// Requirement: "The endpoint MUST treat this as a connection error of type
/// STREAM_CLOSED." (RFC 9113 §5.1, closed: frames after END_STREAM.)
#[test]
fn http2_5_1_11_closed_data() {
    each(|p| {
        let h = p.headers(1, END);
        p.send(&h);
        p.stream_ended(1);
        p.send(&data(1, flag::END_STREAM, b"test"));
        p.conn_error(CLOSED);
    });
}

/// h2spec `http2/5.1/12`: "closed: Sends a HEADERS frame".
/// Requirement: "The endpoint MUST treat this as a connection error of type
/// STREAM_CLOSED." (RFC 9113 §5.1, closed.)
#[test]
fn http2_5_1_12_closed_headers() {
    each(|p| {
        let h = p.headers(1, END);
        p.send(&h);
        p.stream_ended(1);
        // h2spec sends the same frame again (same block bytes).
        p.send(&h);
        p.conn_error(CLOSED);
    });
}

/// h2spec `http2/5.1/13`: "closed: Sends a CONTINUATION frame".
/// Requirement: "The endpoint MUST treat this as a connection error of type
/// STREAM_CLOSED." (RFC 9113 §5.1; h2spec also takes PROTOCOL_ERROR.)
#[test]
fn http2_5_1_13_closed_continuation() {
    each(|p| {
        let h = p.headers(1, END);
        p.send(&h);
        p.stream_ended(1);
        let d = p.dummy(1);
        p.send(&cont(1, flag::END_HEADERS, &d));
        p.conn_error(&[ErrorCode::STREAM_CLOSED, ErrorCode::PROTOCOL_ERROR]);
    });
}

// ================================================================ http2/5.1.1 Stream Identifiers

/// h2spec `http2/5.1.1/1`: "Sends even-numbered stream identifier".
/// Requirement: "The endpoint MUST respond with a connection error of type PROTOCOL_ERROR."
/// (RFC 9113 §5.1.1.)
#[test]
fn http2_5_1_1_1_even_numbered_stream_identifier() {
    each(|p| {
        let h = p.headers(2, END);
        p.send(&h);
        p.conn_error(PROTOCOL);
    });
}

/// h2spec `http2/5.1.1/2`: "Sends stream identifier that is numerically smaller than
/// previous".
/// Requirement: "The endpoint MUST respond with a connection error of type PROTOCOL_ERROR."
/// (RFC 9113 §5.1.1.)
#[test]
fn http2_5_1_1_2_stream_identifier_smaller_than_previous() {
    each(|p| {
        let h5 = p.headers(5, END);
        let h3 = p.headers(3, END);
        p.send_all(&[h5, h3]);
        p.conn_error(PROTOCOL);
    });
}

/// h2spec `http2/5.1.1/3` (only in a later revision of h2spec's source, commit 2bfee85, not
/// in the 2.6.0 release): "Sends HEADERS frame with the stream which is in half-closed
/// (remote) state".
/// Requirement: "The endpoint MUST respond with a RST_FRAME frame" (checked as a stream error
/// of type STREAM_CLOSED).
#[test]
fn http2_5_1_1_3_headers_on_half_closed_remote_stream() {
    each(|p| {
        let h = p.headers(5, END);
        let h2 = p.headers(5, END);
        p.send_all(&[h, h2]);
        p.stream_error(5, CLOSED);
    });
}

// ================================================================ http2/5.1.2 Stream Concurrency

/// h2spec `http2/5.1.2/1`: "Sends HEADERS frames that causes their advertised concurrent
/// stream limit to be exceeded".
/// Requirement: "The endpoint MUST treat this as a stream error of type PROTOCOL_ERROR or
/// REFUSED_STREAM." (RFC 9113 §5.1.2.)
#[test]
fn http2_5_1_2_1_exceeding_max_concurrent_streams() {
    each(|p| {
        let max =
            p.s.local_settings()
                .max_concurrent_streams
                .expect("our server advertises a limit");
        // INITIAL_WINDOW_SIZE 0 keeps the responses from finishing the streams.
        let mut frames = vec![settings_frame(&[(id::INITIAL_WINDOW_SIZE, 0)])];
        for i in 0..=max {
            frames.push(p.headers(1 + 2 * i, END));
        }
        p.send_all(&frames);
        p.stream_error(
            1 + 2 * max,
            &[ErrorCode::PROTOCOL_ERROR, ErrorCode::REFUSED_STREAM],
        );
    });
}

// ================================================================ http2/5.3.1 Stream Dependencies

/// h2spec `http2/5.3.1/1`: "Sends HEADERS frame that depends on itself".
/// Requirement: "The endpoint MUST treat this as a stream error of type PROTOCOL_ERROR."
/// (RFC 9113 §5.3.1.)
#[test]
fn http2_5_3_1_1_headers_depending_on_itself() {
    each(|p| {
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
    });
}

/// h2spec `http2/5.3.1/2`: "Sends PRIORITY frame that depend on itself".
/// Requirement: "The endpoint MUST treat this as a stream error of type PROTOCOL_ERROR."
/// (RFC 9113 §5.3.1.)
#[test]
fn http2_5_3_1_2_priority_depending_on_itself() {
    each(|p| {
        p.send(&prio(1, 1, 255));
        p.stream_error(1, PROTOCOL);
    });
}

// ================================================================ http2/5.4.1 Connection Errors

/// h2spec `http2/5.4.1/1`: "Sends an invalid PING frame for connection close".
/// Requirement: "The endpoint MUST close the TCP connection" (RFC 9113 §5.4.1: after the
/// GOAWAY for an error condition).
#[test]
fn http2_5_4_1_1_invalid_ping_closes_the_connection() {
    each(|p| {
        p.send(&Builder::new(kind::PING, 3).payload(&[0; 8]).build());
        p.closed();
    });
}

/// h2spec `http2/5.4.1/2` (a `--strict` case, not among the 146): "Sends an invalid PING
/// frame to receive GOAWAY frame".
/// Requirement: "An endpoint that encounters a connection error SHOULD first send a GOAWAY
/// frame" (RFC 9113 §5.4.1).
#[test]
fn http2_5_4_1_2_invalid_ping_gets_goaway() {
    each(|p| {
        p.send(&Builder::new(kind::PING, 3).payload(&[0; 8]).build());
        assert!(p.goaway().is_some(), "[{:?}] no GOAWAY", p.delivery);
    });
}

// ================================================================ http2/5.5 Extending HTTP/2

/// h2spec `http2/5.5/1`: "Sends an unknown extension frame".
/// Requirement: "The endpoint MUST ignore unknown or unsupported values in all extensible
/// protocol elements." (RFC 9113 §5.5.)
#[test]
fn http2_5_5_1_unknown_extension_frame() {
    each(|p| {
        p.send_all(&[
            Builder::new(0x16, 0).payload(&[0; 8]).build(),
            ping(0, &ZERO8),
        ]);
        p.ping_ack(&ZERO8);
    });
}

/// h2spec `http2/5.5/2`: "Sends an unknown extension frame in the middle of a header block".
/// Requirement: "The endpoint MUST treat as a connection error of type PROTOCOL_ERROR."
/// (RFC 9113 §5.5.)
#[test]
fn http2_5_5_2_unknown_extension_frame_inside_header_block() {
    each(|p| {
        let b = p.req();
        p.send_all(&[
            headers_frame(1, flag::END_STREAM, &b),
            Builder::new(0x16, 0).payload(&[0; 8]).build(),
        ]);
        p.conn_error(PROTOCOL);
    });
}

// ================================================================ http2/6.1 DATA

/// h2spec `http2/6.1/1`: "Sends a DATA frame with 0x0 stream identifier".
/// Requirement: "The endpoint MUST respond with a connection error of type PROTOCOL_ERROR."
/// (RFC 9113 §6.1.)
#[test]
fn http2_6_1_1_data_on_stream_0() {
    each(|p| {
        p.send(&data(0, flag::END_STREAM, b"test"));
        p.conn_error(PROTOCOL);
    });
}

/// h2spec `http2/6.1/2`: "Sends a DATA frame on the stream that is not in "open" or
/// "half-closed (local)" state".
/// Requirement: "The endpoint MUST respond with a stream error of type STREAM_CLOSED."
/// (RFC 9113 §6.1.)
#[test]
fn http2_6_1_2_data_on_stream_not_open() {
    each(|p| {
        let b = p.req_method("POST");
        p.send_all(&[
            headers_frame(1, END, &b),
            data(1, flag::END_STREAM, b"test"),
        ]);
        p.stream_error(1, CLOSED);
    });
}

/// h2spec `http2/6.1/3`: "Sends a DATA frame with invalid pad length".
/// Requirement: "The endpoint MUST treat this as a connection error of type
/// PROTOCOL_ERROR." (RFC 9113 §6.1: padding as long as the payload or longer.)
#[test]
fn http2_6_1_3_data_with_invalid_pad_length() {
    each(|p| {
        let b = p.post_with(&[("content-length", "4")]);
        p.send_all(&[
            headers_frame(1, flag::END_HEADERS, &b),
            Builder::new(kind::DATA, 1)
                .flags(flag::END_STREAM | flag::PADDED)
                .payload(&[6])
                .payload(b"Test")
                .build(),
        ]);
        p.conn_error(PROTOCOL);
    });
}

// ================================================================ http2/6.2 HEADERS

/// h2spec `http2/6.2/1`: "Sends a HEADERS frame without the END_HEADERS flag, and a PRIORITY
/// frame".
/// Requirement: "The endpoint MUST treat this as a connection error of type
/// PROTOCOL_ERROR." (RFC 9113 §6.2, END_HEADERS.)
#[test]
fn http2_6_2_1_headers_without_end_headers_then_priority() {
    each(|p| {
        let b = p.req();
        let d = p.dummy(1);
        p.send_all(&[
            headers_frame(1, 0, &b),
            prio(1, 0, 255),
            cont(1, flag::END_HEADERS, &d),
        ]);
        p.conn_error(PROTOCOL);
    });
}

/// h2spec `http2/6.2/2`: "Sends a HEADERS frame to another stream while sending a HEADERS
/// frame".
/// Requirement: "The endpoint MUST treat this as a connection error of type
/// PROTOCOL_ERROR." (RFC 9113 §6.2, END_HEADERS.)
#[test]
fn http2_6_2_2_headers_on_other_stream_while_sending_headers() {
    each(|p| {
        let b = p.req();
        let b3 = p.req();
        let d = p.dummy(1);
        p.send_all(&[
            headers_frame(1, 0, &b),
            headers_frame(3, END, &b3),
            cont(1, flag::END_HEADERS, &d),
        ]);
        p.conn_error(PROTOCOL);
    });
}

/// h2spec `http2/6.2/3`: "Sends a HEADERS frame with 0x0 stream identifier".
/// Requirement: "The endpoint MUST respond with a connection error of type PROTOCOL_ERROR."
/// (RFC 9113 §6.2.)
#[test]
fn http2_6_2_3_headers_on_stream_0() {
    each(|p| {
        let h = p.headers(0, END);
        p.send(&h);
        p.conn_error(PROTOCOL);
    });
}

/// h2spec `http2/6.2/4`: "Sends a HEADERS frame with invalid pad length".
/// Requirement: "The endpoint MUST treat this as a connection error of type
/// PROTOCOL_ERROR." (RFC 9113 §6.2; h2spec checks it as a stream error.)
#[test]
fn http2_6_2_4_headers_with_invalid_pad_length() {
    each(|p| {
        let b = p.req();
        p.send(
            &Builder::new(kind::HEADERS, 1)
                .flags(END | flag::PADDED)
                .payload(&[(b.len() + 2) as u8])
                .payload(&b)
                .build(),
        );
        p.stream_error(1, PROTOCOL);
    });
}

// ================================================================ http2/6.3 PRIORITY

/// h2spec `http2/6.3/1`: "Sends a PRIORITY frame with 0x0 stream identifier".
/// Requirement: "The endpoint MUST respond with a connection error of type PROTOCOL_ERROR."
/// (RFC 9113 §6.3.)
#[test]
fn http2_6_3_1_priority_on_stream_0() {
    each(|p| {
        p.send(&prio(0, 0, 255));
        p.conn_error(PROTOCOL);
    });
}

/// h2spec `http2/6.3/2`: "Sends a PRIORITY frame with a length other than 5 octets".
/// Requirement: "The endpoint MUST respond with a stream error of type FRAME_SIZE_ERROR."
/// (RFC 9113 §6.3.)
#[test]
fn http2_6_3_2_priority_with_length_4() {
    each(|p| {
        let h = p.headers(1, END);
        p.send_all(&[h, Builder::new(kind::PRIORITY, 1).u32(0x8000_0001).build()]);
        p.stream_error(1, FRAME_SIZE);
    });
}

// ================================================================ http2/6.4 RST_STREAM

/// h2spec `http2/6.4/1`: "Sends a RST_STREAM frame with 0x0 stream identifier".
/// Requirement: "The endpoint MUST respond with a connection error of type PROTOCOL_ERROR."
/// (RFC 9113 §6.4.)
#[test]
fn http2_6_4_1_rst_stream_on_stream_0() {
    each(|p| {
        p.send(&rst(0, ErrorCode::CANCEL.0));
        p.conn_error(PROTOCOL);
    });
}

/// h2spec `http2/6.4/2`: "Sends a RST_STREAM frame on a idle stream".
/// Requirement: "The endpoint MUST respond with a connection error of type PROTOCOL_ERROR."
/// (RFC 9113 §6.4.)
#[test]
fn http2_6_4_2_rst_stream_on_idle_stream() {
    each(|p| {
        p.send(&rst(1, ErrorCode::CANCEL.0));
        p.conn_error(PROTOCOL);
    });
}

/// h2spec `http2/6.4/3`: "Sends a RST_STREAM frame with a length other than 4 octets".
/// Requirement: "The endpoint MUST respond with a connection error of type
/// FRAME_SIZE_ERROR." (RFC 9113 §6.4; h2spec checks it as a stream error.)
#[test]
fn http2_6_4_3_rst_stream_with_length_3() {
    each(|p| {
        let h = p.headers(1, END);
        p.send_all(&[
            h,
            Builder::new(kind::RST_STREAM, 1).payload(&[0; 3]).build(),
        ]);
        p.stream_error(1, FRAME_SIZE);
    });
}

// ================================================================ http2/6.5 SETTINGS

/// h2spec `http2/6.5/1`: "Sends a SETTINGS frame with ACK flag and payload".
/// Requirement: "The endpoint MUST respond with a connection error of type
/// FRAME_SIZE_ERROR." (RFC 9113 §6.5.)
#[test]
fn http2_6_5_1_settings_ack_with_payload() {
    each(|p| {
        p.send(
            &Builder::new(kind::SETTINGS, 0)
                .flags(flag::ACK)
                .payload(&[0])
                .build(),
        );
        p.conn_error(FRAME_SIZE);
    });
}

/// h2spec `http2/6.5/2`: "Sends a SETTINGS frame with a stream identifier other than 0x0".
/// Requirement: "The endpoint MUST respond with a connection error of type PROTOCOL_ERROR."
/// (RFC 9113 §6.5.)
#[test]
fn http2_6_5_2_settings_on_a_stream() {
    each(|p| {
        p.send(
            &Builder::new(kind::SETTINGS, 1)
                .setting(id::MAX_CONCURRENT_STREAMS, 100)
                .build(),
        );
        p.conn_error(PROTOCOL);
    });
}

/// h2spec `http2/6.5/3`: "Sends a SETTINGS frame with a length other than a multiple of 6
/// octets".
/// Requirement: "The endpoint MUST respond with a connection error of type
/// FRAME_SIZE_ERROR." (RFC 9113 §6.5; h2spec takes PROTOCOL_ERROR or FRAME_SIZE_ERROR.)
#[test]
fn http2_6_5_3_settings_length_not_multiple_of_6() {
    each(|p| {
        p.send(&Builder::new(kind::SETTINGS, 0).payload(&[0, 3, 0]).build());
        p.conn_error(&[ErrorCode::PROTOCOL_ERROR, ErrorCode::FRAME_SIZE_ERROR]);
    });
}

// ================================================================ http2/6.5.2 Defined Parameters

/// h2spec `http2/6.5.2/1`: "SETTINGS_ENABLE_PUSH (0x2): Sends the value other than 0 or 1".
/// Requirement: "The endpoint MUST treat this as a connection error of type
/// PROTOCOL_ERROR." (RFC 9113 §6.5.2.)
#[test]
fn http2_6_5_2_1_enable_push_other_than_0_or_1() {
    each(|p| {
        p.send(&settings_frame(&[(id::ENABLE_PUSH, 2)]));
        p.conn_error(PROTOCOL);
    });
}

/// h2spec `http2/6.5.2/2`: "SETTINGS_INITIAL_WINDOW_SIZE (0x4): Sends the value above the
/// maximum flow control window size".
/// Requirement: "The endpoint MUST treat this as a connection error of type
/// FLOW_CONTROL_ERROR." (RFC 9113 §6.5.2.)
#[test]
fn http2_6_5_2_2_initial_window_size_above_maximum() {
    each(|p| {
        p.send(&settings_frame(&[(id::INITIAL_WINDOW_SIZE, 1 << 31)]));
        p.conn_error(FLOW);
    });
}

/// h2spec `http2/6.5.2/3`: "SETTINGS_MAX_FRAME_SIZE (0x5): Sends the value below the initial
/// value".
/// Requirement: "The endpoint MUST treat this as a connection error of type
/// PROTOCOL_ERROR." (RFC 9113 §6.5.2.)
#[test]
fn http2_6_5_2_3_max_frame_size_below_initial_value() {
    each(|p| {
        p.send(&settings_frame(&[(id::MAX_FRAME_SIZE, 16_383)]));
        p.conn_error(PROTOCOL);
    });
}

/// h2spec `http2/6.5.2/4`: "SETTINGS_MAX_FRAME_SIZE (0x5): Sends the value above the maximum
/// allowed frame size".
/// Requirement: "The endpoint MUST treat this as a connection error of type
/// PROTOCOL_ERROR." (RFC 9113 §6.5.2.)
#[test]
fn http2_6_5_2_4_max_frame_size_above_maximum() {
    each(|p| {
        p.send(&settings_frame(&[(id::MAX_FRAME_SIZE, 16_777_216)]));
        p.conn_error(PROTOCOL);
    });
}

/// h2spec `http2/6.5.2/5`: "Sends a SETTINGS frame with unknown identifier".
/// Requirement: "The endpoint MUST ignore that setting." (RFC 9113 §6.5.2.)
#[test]
fn http2_6_5_2_5_unknown_setting_identifier() {
    each(|p| {
        p.send_all(&[settings_frame(&[(0xff, 1)]), ping(0, &ZERO8)]);
        p.ping_ack(&ZERO8);
    });
}

// ================================================================ http2/6.5.3 Synchronization

/// h2spec `http2/6.5.3/1`: "Sends multiple values of SETTINGS_INITIAL_WINDOW_SIZE".
/// Requirement: "The endpoint MUST process the values in the settings in the order they
/// apper." (RFC 9113 §6.5.3: 100 then 1, so the first DATA frame carries 1 octet.)
#[test]
fn http2_6_5_3_1_multiple_values_of_initial_window_size() {
    each(|p| {
        p.send(&settings_frame(&[
            (id::INITIAL_WINDOW_SIZE, 100),
            (id::INITIAL_WINDOW_SIZE, 1),
        ]));
        p.settings_acked();
        let h = p.headers(1, END);
        p.send(&h);
        assert_eq!(p.data_lens(1).first(), Some(&1), "[{:?}]", p.delivery);
    });
}

/// h2spec `http2/6.5.3/2`: "Sends a SETTINGS frame without ACK flag".
/// Requirement: "The endpoint MUST immediately emit a SETTINGS frame with the ACK flag
/// set." (RFC 9113 §6.5.3.)
#[test]
fn http2_6_5_3_2_settings_are_acknowledged() {
    each(|p| {
        p.send(&settings_frame(&[(id::ENABLE_PUSH, 0)]));
        p.flush();
        assert!(
            p.frames
                .iter()
                .any(|f| f.kind == kind::SETTINGS && f.flags == flag::ACK && f.payload.is_empty()),
            "[{:?}]",
            p.delivery
        );
    });
}

// ================================================================ http2/6.7 PING

/// h2spec `http2/6.7/1`: "Sends a PING frame".
/// Requirement: "The endpoint MUST sends a PING frame with ACK, with an identical payload."
/// (RFC 9113 §6.7.)
#[test]
fn http2_6_7_1_ping_frame() {
    each(|p| {
        p.send(&ping(0, &H2SPEC8));
        p.ping_ack(&H2SPEC8);
    });
}

/// h2spec `http2/6.7/2`: "Sends a PING frame with ACK".
/// Requirement: "The endpoint MUST NOT respond to PING frames with ACK." (RFC 9113 §6.7.)
#[test]
fn http2_6_7_2_ping_ack_is_not_answered() {
    each(|p| {
        let unexpected = *b"invalid\0";
        p.send_all(&[ping(flag::ACK, &unexpected), ping(0, &H2SPEC8)]);
        p.ping_ack(&H2SPEC8);
        assert!(
            !p.frames
                .iter()
                .any(|f| f.kind == kind::PING && f.payload == unexpected),
            "[{:?}] answered a PING ACK",
            p.delivery
        );
    });
}

/// h2spec `http2/6.7/3`: "Sends a PING frame with a stream identifier field value other than
/// 0x0".
/// Requirement: "The endpoint MUST respond with a connection error of type PROTOCOL_ERROR."
/// (RFC 9113 §6.7.)
#[test]
fn http2_6_7_3_ping_on_a_stream() {
    each(|p| {
        p.send(&Builder::new(kind::PING, 1).payload(&[0; 8]).build());
        p.conn_error(PROTOCOL);
    });
}

/// h2spec `http2/6.7/4`: "Sends a PING frame with a length field value other than 8".
/// Requirement: "The endpoint MUST treat this as a connection error of type
/// FRAME_SIZE_ERROR." (RFC 9113 §6.7.)
#[test]
fn http2_6_7_4_ping_with_length_6() {
    each(|p| {
        p.send(&Builder::new(kind::PING, 0).payload(&[0; 6]).build());
        p.conn_error(FRAME_SIZE);
    });
}

// ================================================================ http2/6.8 GOAWAY

/// h2spec `http2/6.8/1`: "Sends a GOAWAY frame with a stream identifier other than 0x0".
/// Requirement: "The endpoint MUST treated as a connection error of type PROTOCOL_ERROR."
/// (RFC 9113 §6.8.)
#[test]
fn http2_6_8_1_goaway_on_a_stream() {
    each(|p| {
        p.send(&Builder::new(kind::GOAWAY, 1).u32(0).u32(0).build());
        p.conn_error(PROTOCOL);
    });
}

// ================================================================ http2/6.9 WINDOW_UPDATE

/// h2spec `http2/6.9/1`: "Sends a WINDOW_UPDATE frame with a flow control window increment
/// of 0".
/// Requirement: "The endpoint MUST respond with a connection error of type PROTOCOL_ERROR."
/// (RFC 9113 §6.9.)
#[test]
fn http2_6_9_1_zero_increment_on_the_connection() {
    each(|p| {
        p.send(&wu(0, 0));
        p.conn_error(PROTOCOL);
    });
}

/// h2spec `http2/6.9/2`: "Sends a WINDOW_UPDATE frame with a flow control window increment
/// of 0 on a stream".
/// Requirement: "The endpoint MUST respond with a stream error of type PROTOCOL_ERROR."
/// (RFC 9113 §6.9.)
#[test]
fn http2_6_9_2_zero_increment_on_a_stream() {
    each(|p| {
        let h = p.headers(1, flag::END_HEADERS);
        p.send_all(&[h, wu(1, 0)]);
        p.stream_error(1, PROTOCOL);
    });
}

/// h2spec `http2/6.9/3`: "Sends a WINDOW_UPDATE frame with a length other than 4 octets".
/// Requirement: "The endpoint MUST treated as a connection error of type FRAME_SIZE_ERROR."
/// (RFC 9113 §6.9.)
#[test]
fn http2_6_9_3_window_update_with_length_3() {
    each(|p| {
        p.send(
            &Builder::new(kind::WINDOW_UPDATE, 0)
                .payload(&[0, 0, 1])
                .build(),
        );
        p.conn_error(FRAME_SIZE);
    });
}

// ================================================================ http2/6.9.1 Flow-Control Window

/// h2spec `http2/6.9.1/1`: "Sends SETTINGS frame to set the initial window size to 1 and
/// sends HEADERS frame".
/// Requirement: "The endpoint MUST NOT send a flow-controlled frame with a length that
/// exceeds the space available." (RFC 9113 §6.9.1.)
#[test]
fn http2_6_9_1_1_initial_window_of_1() {
    each(|p| {
        p.send(&settings_frame(&[(id::INITIAL_WINDOW_SIZE, 1)]));
        p.settings_acked();
        let h = p.headers(1, END);
        p.send(&h);
        assert_eq!(p.data_lens(1).first(), Some(&1), "[{:?}]", p.delivery);
    });
}

/// h2spec `http2/6.9.1/2`: "Sends multiple WINDOW_UPDATE frames increasing the flow control
/// window to above 2^31-1".
/// Requirement: "The endpoint MUST sends a GOAWAY frame with a FLOW_CONTROL_ERROR code."
/// (RFC 9113 §6.9.1.)
#[test]
fn http2_6_9_1_2_connection_window_above_maximum() {
    each(|p| {
        p.send_all(&[wu(0, 0x7fff_ffff), wu(0, 0x7fff_ffff)]);
        p.conn_error(FLOW);
    });
}

/// h2spec `http2/6.9.1/3`: "Sends multiple WINDOW_UPDATE frames increasing the flow control
/// window to above 2^31-1 on a stream".
/// Requirement: "The endpoint MUST sends a RST_STREAM frame with a FLOW_CONTROL_ERROR
/// code." (RFC 9113 §6.9.1; h2spec wants the RST_STREAM itself.)
#[test]
fn http2_6_9_1_3_stream_window_above_maximum() {
    each(|p| {
        let h = p.headers(1, flag::END_HEADERS);
        p.send_all(&[h, wu(1, 0x7fff_ffff), wu(1, 0x7fff_ffff)]);
        p.flush();
        let rst = p
            .frames
            .iter()
            .find(|f| f.kind == kind::RST_STREAM && f.stream == 1)
            .map(|f| u32::from_be_bytes(f.payload[..4].try_into().unwrap()));
        assert_eq!(
            rst,
            Some(ErrorCode::FLOW_CONTROL_ERROR.0),
            "[{:?}] {:?}",
            p.delivery,
            p.frames
        );
    });
}

// ================================================================ http2/6.9.2 Initial Window Size

/// h2spec `http2/6.9.2/1`: "Changes SETTINGS_INITIAL_WINDOW_SIZE after sending HEADERS
/// frame".
/// Requirement: "The endpoint MUST adjust the size of all stream flow-control windows."
/// (RFC 9113 §6.9.2.)
#[test]
fn http2_6_9_2_1_initial_window_change_after_headers() {
    each(|p| {
        p.send(&settings_frame(&[(id::INITIAL_WINDOW_SIZE, 0)]));
        p.settings_acked();
        let h = p.headers(1, END);
        p.send(&h);
        p.send(&settings_frame(&[(id::INITIAL_WINDOW_SIZE, 1)]));
        p.settings_acked();
        assert_eq!(p.data_lens(1).first(), Some(&1), "[{:?}]", p.delivery);
    });
}

/// h2spec `http2/6.9.2/2`: "Sends a SETTINGS frame for window size to be negative".
/// Requirement: "The endpoint MUST track the negative flow-control window." (RFC 9113
/// §6.9.2: window 3, 3 octets sent, initial size lowered to 2 makes it -1; an increment of 2
/// allows 1 octet.)
#[test]
fn http2_6_9_2_2_negative_window() {
    each(|p| {
        p.send(&settings_frame(&[(id::INITIAL_WINDOW_SIZE, 3)]));
        p.settings_acked();
        let h = p.headers(1, END);
        p.send(&h);
        assert_eq!(p.data_lens(1), vec![3], "[{:?}]", p.delivery);
        p.send(&settings_frame(&[(id::INITIAL_WINDOW_SIZE, 2)]));
        p.settings_acked();
        p.send(&wu(1, 2));
        assert_eq!(p.data_lens(1), vec![3, 1], "[{:?}]", p.delivery);
    });
}

/// h2spec `http2/6.9.2/3`: "Sends a SETTINGS_INITIAL_WINDOW_SIZE settings with an exceeded
/// maximum window size value".
/// Requirement: "The endpoint MUST treat this as a connection error of type
/// FLOW_CONTROL_ERROR." (RFC 9113 §6.9.2.)
#[test]
fn http2_6_9_2_3_initial_window_size_exceeding_maximum() {
    each(|p| {
        p.send(&settings_frame(&[(id::INITIAL_WINDOW_SIZE, 0x8000_0000)]));
        p.conn_error(FLOW);
    });
}

// ================================================================ http2/6.10 CONTINUATION

/// h2spec `http2/6.10/1`: "Sends multiple CONTINUATION frames preceded by a HEADERS frame".
/// Requirement: "The endpoint must accept the frame." (RFC 9113 §6.10.)
#[test]
fn http2_6_10_1_multiple_continuations_after_headers() {
    each(|p| {
        let b = p.req();
        let d1 = p.dummy(1);
        let d2 = p.dummy(1);
        p.send_all(&[
            headers_frame(1, flag::END_STREAM, &b),
            cont(1, 0, &d1),
            cont(1, flag::END_HEADERS, &d2),
        ]);
        p.response(1);
    });
}

/// h2spec `http2/6.10/2`: "Sends a CONTINUATION frame followed by any frame other than
/// CONTINUATION".
/// Requirement: "The endpoint MUST treat this as a connection error of type
/// PROTOCOL_ERROR." (RFC 9113 §6.10.)
#[test]
fn http2_6_10_2_continuation_followed_by_data() {
    each(|p| {
        let b = p.req_method("POST");
        let d = p.dummy(1);
        p.send_all(&[
            headers_frame(1, 0, &b),
            cont(1, 0, &d),
            data(1, flag::END_STREAM, b"test"),
        ]);
        p.conn_error(PROTOCOL);
    });
}

/// h2spec `http2/6.10/3`: "Sends a CONTINUATION frame with 0x0 stream identifier".
/// Requirement: "The endpoint MUST respond with a connection error of type PROTOCOL_ERROR."
/// (RFC 9113 §6.10.)
#[test]
fn http2_6_10_3_continuation_on_stream_0() {
    each(|p| {
        let b = p.req();
        let d = p.dummy(1);
        p.send_all(&[
            headers_frame(1, flag::END_STREAM, &b),
            cont(0, flag::END_HEADERS, &d),
        ]);
        p.conn_error(PROTOCOL);
    });
}

/// h2spec `http2/6.10/4`: "Sends a CONTINUATION frame preceded by a HEADERS frame with
/// END_HEADERS flag".
/// Requirement: "The endpoint MUST respond with a connection error of type PROTOCOL_ERROR."
/// (RFC 9113 §6.10.)
#[test]
fn http2_6_10_4_continuation_after_headers_with_end_headers() {
    each(|p| {
        let h = p.headers(1, END);
        let d = p.dummy(1);
        p.send_all(&[h, cont(1, flag::END_HEADERS, &d)]);
        p.conn_error(PROTOCOL);
    });
}

/// h2spec `http2/6.10/5`: "Sends a CONTINUATION frame preceded by a CONTINUATION frame with
/// END_HEADERS flag".
/// Requirement: "The endpoint MUST respond with a connection error of type PROTOCOL_ERROR."
/// (RFC 9113 §6.10.)
#[test]
fn http2_6_10_5_continuation_after_continuation_with_end_headers() {
    each(|p| {
        let b = p.req();
        let d1 = p.dummy(1);
        let d2 = p.dummy(1);
        p.send_all(&[
            headers_frame(1, flag::END_STREAM, &b),
            cont(1, flag::END_HEADERS, &d1),
            cont(1, flag::END_HEADERS, &d2),
        ]);
        p.conn_error(PROTOCOL);
    });
}

/// h2spec `http2/6.10/6`: "Sends a CONTINUATION frame preceded by a DATA frame".
/// Requirement: "The endpoint MUST respond with a connection error of type PROTOCOL_ERROR."
/// (RFC 9113 §6.10.)
#[test]
fn http2_6_10_6_continuation_after_data() {
    each(|p| {
        let b = p.req_method("POST");
        let d1 = p.dummy(1);
        let d2 = p.dummy(1);
        p.send_all(&[
            headers_frame(1, 0, &b),
            data(1, flag::END_STREAM, b"test"),
            cont(1, 0, &d1),
            cont(0, flag::END_HEADERS, &d2),
        ]);
        p.conn_error(PROTOCOL);
    });
}

// ================================================================ http2/7 Error Codes

/// h2spec `http2/7/1`: "Sends a GOAWAY frame with unknown error code".
/// Requirement: "The endpoint MUST NOT trigger any special behavior." (RFC 9113 §7.) h2spec
/// 2.6.0 sends a PING after the GOAWAY and takes its ACK (with its payload) or a closed
/// connection; we want both: the ACK, and the connection over since no stream is open.
#[test]
fn http2_7_1_goaway_with_unknown_error_code() {
    each(|p| {
        p.send_all(&[
            Builder::new(kind::GOAWAY, 0).u32(0).u32(0xff).build(),
            ping(0, &H2SPEC8),
        ]);
        p.ping_ack(&H2SPEC8);
        p.closed();
    });
}

/// h2spec `http2/7/2`: "Sends a RST_STREAM frame with unknown error code".
/// Requirement: "The endpoint MUST NOT trigger any special behavior." (RFC 9113 §7.) h2spec
/// 2.6.0 wants the PING ACK with the payload sent (later revisions, commit 3dd9398, also take
/// a connection close).
#[test]
fn http2_7_2_rst_stream_with_unknown_error_code() {
    each(|p| {
        let b = p.req_method("POST");
        p.send_all(&[
            headers_frame(1, flag::END_HEADERS, &b),
            rst(1, 0xff),
            ping(0, &ZERO8),
        ]);
        p.ping_ack(&ZERO8);
    });
}

// ================================================================ http2/8.1 Request/Response

/// h2spec `http2/8.1/1`: "Sends a second HEADERS frame without the END_STREAM flag".
/// Requirement: "The endpoint MUST respond with a stream error of type PROTOCOL_ERROR."
/// (RFC 9113 §8.1: a trailer section must end the stream.)
#[test]
fn http2_8_1_1_second_headers_without_end_stream() {
    each(|p| {
        let b = p.req_method("POST");
        let t = p.block(&[("x-test", "ok")]);
        p.send_all(&[
            headers_frame(1, flag::END_HEADERS, &b),
            data(1, 0, b"test"),
            headers_frame(1, flag::END_HEADERS, &t),
        ]);
        p.stream_error(1, PROTOCOL);
    });
}

// ================================================================ http2/8.1.2 Header Fields

/// Sends a request with END_STREAM whose block encodes `fields`; wants a stream error of
/// type PROTOCOL_ERROR.
fn malformed(fields: &[(&str, &str)]) {
    each(|p| {
        let b = p.block(fields);
        p.send(&headers_frame(1, END, &b));
        p.stream_error(1, PROTOCOL);
    });
}

/// The common request plus `extra`.
fn req_plus_fields<'a>(extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut v = REQ.to_vec();
    v.extend_from_slice(extra);
    v
}

/// h2spec `http2/8.1.2/1`: "Sends a HEADERS frame that contains the header field name in
/// uppercase letters".
/// Requirement: "The endpoint MUST respond with a stream error of type PROTOCOL_ERROR."
/// (RFC 9113 §8.2.)
#[test]
fn http2_8_1_2_1_uppercase_field_name() {
    malformed(&req_plus_fields(&[("X-TEST", "ok")]));
}

/// h2spec `http2/8.1.2.1/1`: "Sends a HEADERS frame that contains a unknown pseudo-header
/// field".
/// Requirement: "The endpoint MUST respond with a stream error of type PROTOCOL_ERROR."
/// (RFC 9113 §8.3.)
#[test]
fn http2_8_1_2_1_1_unknown_pseudo_header() {
    malformed(&req_plus_fields(&[(":test", "ok")]));
}

/// h2spec `http2/8.1.2.1/2`: "Sends a HEADERS frame that contains the pseudo-header field
/// defined for response".
/// Requirement: "The endpoint MUST respond with a stream error of type PROTOCOL_ERROR."
/// (RFC 9113 §8.3.)
#[test]
fn http2_8_1_2_1_2_response_pseudo_header_in_request() {
    malformed(&req_plus_fields(&[(":status", "200")]));
}

/// h2spec `http2/8.1.2.1/3`: "Sends a HEADERS frame that contains a pseudo-header field as
/// trailers".
/// Requirement: "The endpoint MUST respond with a stream error of type PROTOCOL_ERROR."
/// (RFC 9113 §8.3. As in h2spec's source, the trailers do not carry END_STREAM.)
#[test]
fn http2_8_1_2_1_3_pseudo_header_in_trailers() {
    each(|p| {
        let b = p.req_method("POST");
        let t = p.block(&[(":method", "POST")]);
        p.send_all(&[
            headers_frame(1, flag::END_HEADERS, &b),
            data(1, 0, b"test"),
            headers_frame(1, flag::END_HEADERS, &t),
        ]);
        p.stream_error(1, PROTOCOL);
    });
}

/// h2spec `http2/8.1.2.1/4`: "Sends a HEADERS frame that contains a pseudo-header field that
/// appears in a header block after a regular header field".
/// Requirement: "The endpoint MUST respond with a stream error of type PROTOCOL_ERROR."
/// (RFC 9113 §8.3.)
#[test]
fn http2_8_1_2_1_4_pseudo_header_after_regular_field() {
    let mut v = vec![("x-test", "ok")];
    v.extend_from_slice(&REQ);
    malformed(&v);
}

/// h2spec `http2/8.1.2.2/1`: "Sends a HEADERS frame that contains the connection-specific
/// header field".
/// Requirement: "The endpoint MUST respond with a stream error of type PROTOCOL_ERROR."
/// (RFC 9113 §8.2.2.)
#[test]
fn http2_8_1_2_2_1_connection_specific_field() {
    malformed(&req_plus_fields(&[("connection", "keep-alive")]));
}

/// h2spec `http2/8.1.2.2/2`: "Sends a HEADERS frame that contains the TE header field with
/// any value other than "trailers"".
/// Requirement: "The endpoint MUST respond with a stream error of type PROTOCOL_ERROR."
/// (RFC 9113 §8.2.2.)
#[test]
fn http2_8_1_2_2_2_te_other_than_trailers() {
    malformed(&req_plus_fields(&[
        ("trailers", "test"),
        ("te", "trailers, deflate"),
    ]));
}

/// h2spec `http2/8.1.2.3/1`: "Sends a HEADERS frame with empty ":path" pseudo-header field".
/// Requirement: "The endpoint MUST respond with a stream error of type PROTOCOL_ERROR."
/// (RFC 9113 §8.3.1.)
#[test]
fn http2_8_1_2_3_1_empty_path() {
    let mut v = REQ.to_vec();
    v[2].1 = "";
    malformed(&v);
}

/// h2spec `http2/8.1.2.3/2`: "Sends a HEADERS frame that omits ":method" pseudo-header
/// field".
/// Requirement: "The endpoint MUST respond with a stream error of type PROTOCOL_ERROR."
/// (RFC 9113 §8.3.1.)
#[test]
fn http2_8_1_2_3_2_missing_method() {
    malformed(&[REQ[1], REQ[2], REQ[3]]);
}

/// h2spec `http2/8.1.2.3/3`: "Sends a HEADERS frame that omits ":scheme" pseudo-header
/// field".
/// Requirement: "The endpoint MUST respond with a stream error of type PROTOCOL_ERROR."
/// (RFC 9113 §8.3.1.)
#[test]
fn http2_8_1_2_3_3_missing_scheme() {
    malformed(&[REQ[0], REQ[2], REQ[3]]);
}

/// h2spec `http2/8.1.2.3/4`: "Sends a HEADERS frame that omits ":path" pseudo-header field".
/// Requirement: "The endpoint MUST respond with a stream error of type PROTOCOL_ERROR."
/// (RFC 9113 §8.3.1.)
#[test]
fn http2_8_1_2_3_4_missing_path() {
    malformed(&[REQ[0], REQ[1], REQ[3]]);
}

/// h2spec `http2/8.1.2.3/5`: "Sends a HEADERS frame with duplicated ":method" pseudo-header
/// field".
/// Requirement: "The endpoint MUST respond with a stream error of type PROTOCOL_ERROR."
/// (RFC 9113 §8.3.1. h2spec appends the duplicate after the other pseudo-header fields.)
#[test]
fn http2_8_1_2_3_5_duplicated_method() {
    malformed(&req_plus_fields(&[(":method", "GET")]));
}

/// h2spec `http2/8.1.2.3/6`: "Sends a HEADERS frame with duplicated ":scheme" pseudo-header
/// field".
/// Requirement: "The endpoint MUST respond with a stream error of type PROTOCOL_ERROR."
/// (RFC 9113 §8.3.1.)
#[test]
fn http2_8_1_2_3_6_duplicated_scheme() {
    malformed(&req_plus_fields(&[(":scheme", "http")]));
}

/// h2spec `http2/8.1.2.3/7`: "Sends a HEADERS frame with duplicated ":path" pseudo-header
/// field".
/// Requirement: "The endpoint MUST respond with a stream error of type PROTOCOL_ERROR."
/// (RFC 9113 §8.3.1. The stored h2spec source appends `:method: /` here, an evident slip for
/// `:path: /`; we send what the description says.)
#[test]
fn http2_8_1_2_3_7_duplicated_path() {
    malformed(&req_plus_fields(&[(":path", "/")]));
}

/// h2spec `http2/8.1.2.6/1`: "Sends a HEADERS frame with the "content-length" header field
/// which does not equal the DATA frame payload length".
/// Requirement: "The endpoint MUST treat this as a stream error of type PROTOCOL_ERROR."
/// (RFC 9113 §8.1.1.)
#[test]
fn http2_8_1_2_6_1_content_length_not_equal_to_data_length() {
    each(|p| {
        let b = p.post_with(&[("content-length", "1")]);
        p.send_all(&[
            headers_frame(1, flag::END_HEADERS, &b),
            data(1, flag::END_STREAM, b"test"),
        ]);
        p.stream_error(1, PROTOCOL);
    });
}

/// h2spec `http2/8.1.2.6/2`: "Sends a HEADERS frame with the "content-length" header field
/// which does not equal the sum of the multiple DATA frames payload length".
/// Requirement: "The endpoint MUST treat this as a stream error of type PROTOCOL_ERROR."
/// (RFC 9113 §8.1.1.)
#[test]
fn http2_8_1_2_6_2_content_length_not_equal_to_sum_of_data() {
    each(|p| {
        let b = p.post_with(&[("content-length", "1")]);
        p.send_all(&[
            headers_frame(1, flag::END_HEADERS, &b),
            data(1, 0, b"test"),
            data(1, flag::END_STREAM, b"test"),
        ]);
        p.stream_error(1, PROTOCOL);
    });
}

// ================================================================ http2/8.2 Server Push

/// h2spec `http2/8.2/1`: "Sends a PUSH_PROMISE frame".
/// Requirement: "The endpoint MUST treat this as a connection error of type
/// PROTOCOL_ERROR." (RFC 9113 §8.4: a client cannot push.)
#[test]
fn http2_8_2_1_push_promise_from_a_client() {
    each(|p| {
        let b = p.req();
        p.send(
            &Builder::new(kind::PUSH_PROMISE, 1)
                .flags(flag::END_HEADERS)
                .u32(3)
                .payload(&b)
                .build(),
        );
        p.conn_error(PROTOCOL);
    });
}

// ================================================================ hpack (RFC 7541)

/// Sends the common request with `rep` appended (or, `first`, put before it); wants a
/// connection error of type COMPRESSION_ERROR.
fn decoding_error(rep: &[u8], first: bool) {
    each(|p| {
        let h = if first {
            req_after(p, rep)
        } else {
            req_plus(p, rep)
        };
        p.send(&h);
        p.conn_error(COMPRESSION);
    });
}

/// h2spec `hpack/2.3.3/1`: "Sends a indexed header field representation with invalid
/// index".
/// Requirement: "The endpoint MUST treat this as a decoding error." (RFC 7541 §2.3.3: index
/// 70.)
#[test]
fn hpack_2_3_3_1_indexed_field_with_invalid_index() {
    decoding_error(&[0xc6], false);
}

/// h2spec `hpack/2.3.3/2`: "Sends a literal header field representation with invalid index".
/// Requirement: "The endpoint MUST treat this as a decoding error." (RFC 7541 §2.3.3: a
/// literal with incremental indexing naming index 70.)
#[test]
fn hpack_2_3_3_2_literal_field_with_invalid_index() {
    decoding_error(&[0x7f, 0x07, 0x00], false);
}

/// h2spec `hpack/4.2/1`: "Sends a dynamic table size update at the end of header block".
/// Requirement: "The endpoint MUST treat this as a decoding error." (RFC 7541 §4.2.)
#[test]
fn hpack_4_2_1_size_update_at_end_of_block() {
    decoding_error(&[0x21], false);
}

/// h2spec `hpack/5.2/1`: "Sends a Huffman-encoded string literal representation with padding
/// longer than 7 bits".
/// Requirement: "The endpoint MUST treat this as a decoding error." (RFC 7541 §5.2.)
#[test]
fn hpack_5_2_1_huffman_padding_longer_than_7_bits() {
    decoding_error(
        &[
            0x00, 0x85, 0xf2, 0xb2, 0x4a, 0x84, 0xff, 0x84, 0x49, 0x50, 0x9f, 0xff,
        ],
        false,
    );
}

/// h2spec `hpack/5.2/2`: "Sends a Huffman-encoded string literal representation padded by
/// zero".
/// Requirement: "The endpoint MUST treat this as a decoding error." (RFC 7541 §5.2.)
#[test]
fn hpack_5_2_2_huffman_padded_by_zero() {
    decoding_error(
        &[
            0x00, 0x85, 0xf2, 0xb2, 0x4a, 0x84, 0xff, 0x83, 0x49, 0x50, 0x90,
        ],
        false,
    );
}

/// h2spec `hpack/5.2/3`: "Sends a Huffman-encoded string literal representation containing
/// the EOS symbol".
/// Requirement: "The endpoint MUST treat this as a decoding error." (RFC 7541 §5.2: "A
/// Huffman-encoded string literal containing the EOS symbol MUST be treated as a decoding
/// error".) The bytes of h2spec 2.6.0 (commit ce109b0, "Fix invalid string value with EOS"):
/// a literal whose 7-byte Huffman value has the EOS code after its first symbols and more
/// bits after it, not at its start as in earlier releases.
#[test]
fn hpack_5_2_3_huffman_containing_eos() {
    decoding_error(
        &[
            0x00, 0x85, 0xf2, 0xb2, 0x4a, 0x84, 0xff, 0x87, 0x49, 0x51, 0xff, 0xff, 0xff, 0xfa,
            0x7f,
        ],
        false,
    );
}

/// h2spec `hpack/6.1/1`: "Sends a indexed header field representation with index 0".
/// Requirement: "The endpoint MUST treat this as a decoding error." (RFC 7541 §6.1.)
#[test]
fn hpack_6_1_1_indexed_field_with_index_0() {
    decoding_error(&[0x80], false);
}

/// h2spec `hpack/6.3/1`: "Sends a dynamic table size update larger than the value of
/// SETTINGS_HEADER_TABLE_SIZE".
/// Requirement: "The endpoint MUST treat this as a decoding error." (RFC 7541 §6.3: the
/// server's SETTINGS_HEADER_TABLE_SIZE plus one, at the start of the block.)
#[test]
fn hpack_6_3_1_size_update_above_header_table_size() {
    let limit = Peer::h2spec(Delivery::Whole)
        .s
        .local_settings()
        .header_table_size;
    // A size update (001 prefix, 5-bit integer) of limit + 1.
    let mut rep = vec![0x3f];
    let mut rest = limit + 1 - 31;
    while rest >= 128 {
        rep.push(0x80 | (rest & 0x7f) as u8);
        rest >>= 7;
    }
    rep.push(rest as u8);
    decoding_error(&rep, true);
}
