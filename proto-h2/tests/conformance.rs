//! Conformance checks beyond h2spec's cases (those are in `h2spec.rs`, one test per h2spec
//! id), driven through raw frames against our server connection, plus a few for our client
//! role. Each test names the section of RFC 9113 (`s*`), RFC 8441 or RFC 7541 (`hpack_*`) it
//! checks; many are stricter variants of an h2spec case (a connection error where h2spec also
//! takes a stream error, the connection still usable after a stream error, and so on).
//!
//! A "stream error" passes on RST_STREAM with the code or on a GOAWAY with the code; a
//! "connection error" needs a GOAWAY with the code (and the connection ends).

mod support;

use proto_h2::conn::{Config, Connection, PREFACE, Role};
use proto_h2::frame::{Builder, ErrorCode, flag, kind};
use proto_h2::settings::id;
use std::time::Instant;
use support::*;

// ---------------------------------------------------------------- 3.4 / 3.5 preface

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

// ---------------------------------------------------------------- 5.1.2 concurrency

#[test]
fn s5_1_2_refused_stream_leaves_the_connection_usable() {
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
fn s5_3_1_self_dependency_keeps_hpack_in_step() {
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

// ---------------------------------------------------------------- 5.4.1 connection errors

#[test]
fn s5_4_1_connection_error_is_sticky() {
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

// ---------------------------------------------------------------- 6.2 HEADERS

#[test]
fn s6_2_invalid_pad_length_is_a_connection_error() {
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

// ---------------------------------------------------------------- 6.4 RST_STREAM

#[test]
fn s6_4_rst_stream_of_length_3_is_a_connection_error() {
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
fn s6_5_settings_length_not_multiple_of_6_is_frame_size_error() {
    let mut p = Peer::new();
    p.send(
        &Builder::new(kind::SETTINGS, 0)
            .payload(&[0, 2, 0, 0, 0])
            .build(),
    );
    p.conn_error(FRAME_SIZE);
}

// ---------------------------------------------------------------- 6.9.2 initial window size

#[test]
fn s6_9_2_negative_window_blocks_until_positive() {
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
fn s6_10_continuation_after_data() {
    let mut p = Peer::new();
    let h = p.headers(1, flag::END_HEADERS);
    p.send(&h);
    p.send(&data(1, 0, b"test"));
    p.send(&cont(1, flag::END_HEADERS, &[]));
    p.conn_error(PROTOCOL);
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
fn s8_1_2_1_pseudo_header_in_final_trailers() {
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
fn s8_1_2_3_authority_and_host_disagree() {
    malformed(&[("host", "other.example")], None);
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
fn s8_4_push_promise_on_an_open_stream() {
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

// ---------------------------------------------------------------- SETTINGS values, HPACK state

#[test]
fn s6_5_2_every_setting_applied_then_a_request() {
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
fn hpack_mixed_representations_and_dynamic_table_reuse() {
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
