//! h2spec's client test cases (`h2spec client`, spec group `client`), one test each, driven
//! through raw frames against our client connection. The peer plays h2spec's server: it
//! takes our client's preface, SETTINGS and GET request on stream 1, sends its SETTINGS and
//! the ACK of ours, then runs the case. `H2SPEC.md` maps every id to its test.
//!
//! The checks are those of `h2spec.rs` (see there); every case runs with h2spec's writes in
//! one read, one frame per read and one byte per read.

mod support;

use proto_h2::frame::{Builder, ErrorCode, flag, kind};
use proto_h2::settings::id;
use support::*;

/// Runs `case` after h2spec's server-side handshake with our client, once per delivery.
fn each(case: impl Fn(&mut Peer)) {
    for d in DELIVERIES {
        let mut p = Peer::h2spec_client(d);
        case(&mut p);
    }
}

/// h2spec's `CommonRespHeaders`: `:status 200`.
fn resp(p: &mut Peer) -> Vec<u8> {
    p.block(&[(":status", "200")])
}

const ZERO8: [u8; 8] = [0; 8];
const H2SPEC8: [u8; 8] = *b"h2spec\0\0";

// ================================================================ client/1 Starting HTTP/2

/// h2spec `client/1/1`: "Sends a client connection preface".
/// Requirement: "The endpoint MUST accept client connection preface." (RFC 9113 §3.4; the
/// handshake checks our preface and first SETTINGS, and the response must reach the
/// application.)
#[test]
fn client_1_1_client_connection_preface() {
    each(|p| {
        let r = p.success_response(1);
        p.send(&r);
        p.flush();
        assert!(!p.failed, "[{:?}] {:?}", p.delivery, p.s.error());
        assert_eq!(p.heads.len(), 1, "[{:?}] no response head", p.delivery);
        assert_eq!(p.heads[0].1.status(), Some(200));
        assert_eq!(p.body_in, b"success");
    });
}

// ================================================================ client/4.1 Frame Format

/// h2spec `client/4.1/1`: "Sends a frame with unknown type".
/// Requirement: "The endpoint MUST ignore and discard any frame that has a type that is
/// unknown." (RFC 9113 §4.1.)
#[test]
fn client_4_1_1_frame_with_unknown_type() {
    each(|p| {
        p.send_all(&[
            Builder::new(0x16, 0).payload(&[0; 8]).build(),
            ping(0, &ZERO8),
        ]);
        p.ping_ack(&ZERO8);
    });
}

/// h2spec `client/4.1/2`: "Sends a frame with undefined flag".
/// Requirement: "The endpoint MUST ignore any flags that is undefined." (RFC 9113 §4.1.)
#[test]
fn client_4_1_2_frame_with_undefined_flag() {
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

/// h2spec `client/4.1/3`: "Sends a frame with reserved field bit".
/// Requirement: "The endpoint MUST ignore the value of reserved field." (RFC 9113 §4.1.)
#[test]
fn client_4_1_3_frame_with_reserved_bit() {
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

// ================================================================ client/4.2 Frame Size

/// h2spec `client/4.2/1`: "Sends a DATA frame with 2^14 octets in length".
/// Requirement: "The endpoint MUST be capable of receiving and minimally processing frames
/// up to 2^14 octets in length." (RFC 9113 §4.2.)
#[test]
fn client_4_2_1_data_frame_of_2_14_octets() {
    each(|p| {
        let b = resp(p);
        p.send_all(&[
            headers_frame(1, flag::END_HEADERS, &b),
            data(1, flag::END_STREAM, &[b'x'; 16_384]),
            ping(0, &ZERO8),
        ]);
        p.ping_ack(&ZERO8);
        assert_eq!(p.body_in.len(), 16_384, "[{:?}]", p.delivery);
    });
}

/// h2spec `client/4.2/2`: "Sends a large size DATA frame that exceeds the
/// SETTINGS_MAX_FRAME_SIZE".
/// Requirement: "The endpoint MUST send an error code of FRAME_SIZE_ERROR." (RFC 9113 §4.2.)
#[test]
fn client_4_2_2_data_frame_above_max_frame_size() {
    each(|p| {
        let b = resp(p);
        p.send_all(&[
            headers_frame(1, flag::END_HEADERS, &b),
            data(1, flag::END_STREAM, &[b'x'; 16_385]),
        ]);
        p.stream_error(1, FRAME_SIZE);
    });
}

/// h2spec `client/4.2/3`: "Sends a large size HEADERS frame that exceeds the
/// SETTINGS_MAX_FRAME_SIZE".
/// Requirement: "The endpoint MUST respond with a connection error of type
/// FRAME_SIZE_ERROR." (RFC 9113 §4.2.)
#[test]
fn client_4_2_3_headers_frame_above_max_frame_size() {
    each(|p| {
        let mut b = resp(p);
        b.extend(p.dummy(5));
        assert!(b.len() > 16_384);
        p.send(&headers_frame(1, END, &b));
        p.conn_error(FRAME_SIZE);
    });
}

// ================================================================ client/4.3 Header Compression

/// h2spec `client/4.3/1`: "Sends invalid header block fragment".
/// Requirement: "The endpoint MUST terminate the connection with a connection error of type
/// COMPRESSION_ERROR." (RFC 9113 §4.3.)
///
/// h2spec writes the stream id little-endian, so its frame goes to stream 0x01000000, an
/// idle server stream, where a PROTOCOL_ERROR for the stream id (RFC 9113 §5.1.1) is as
/// right as the COMPRESSION_ERROR (h2spec passes on either, as it passes on the close that
/// follows any GOAWAY). We send the case's intent on the request's stream, and h2spec's bytes.
#[test]
fn client_4_3_1_invalid_header_block_fragment() {
    each(|p| {
        p.send(&headers_frame(1, END, &[0x40]));
        p.conn_error(COMPRESSION);
    });
    each(|p| {
        p.send(&[0, 0, 1, 1, 5, 1, 0, 0, 0, 0x40]);
        p.conn_error(&[ErrorCode::COMPRESSION_ERROR, ErrorCode::PROTOCOL_ERROR]);
    });
}

// ================================================================ client/5.1 Stream States

/// h2spec `client/5.1/1`: "idle: Sends a DATA frame".
/// Requirement: "The endpoint MUST treat this as a connection error of type
/// PROTOCOL_ERROR." (RFC 9113 §5.1, idle.)
#[test]
fn client_5_1_1_idle_data() {
    each(|p| {
        p.send(&data(2, flag::END_STREAM, b"test"));
        p.conn_error(PROTOCOL);
    });
}

/// h2spec `client/5.1/2`: "idle: Sends a RST_STREAM frame".
/// Requirement: "The endpoint MUST treat this as a connection error of type
/// PROTOCOL_ERROR." (RFC 9113 §5.1, idle.)
#[test]
fn client_5_1_2_idle_rst_stream() {
    each(|p| {
        p.send(&rst(2, ErrorCode::CANCEL.0));
        p.conn_error(PROTOCOL);
    });
}

/// h2spec `client/5.1/3`: "idle: Sends a WINDOW_UPDATE frame".
/// Requirement: "The endpoint MUST treat this as a connection error of type
/// PROTOCOL_ERROR." (RFC 9113 §5.1, idle.)
#[test]
fn client_5_1_3_idle_window_update() {
    each(|p| {
        p.send(&wu(2, 100));
        p.conn_error(PROTOCOL);
    });
}

/// h2spec `client/5.1/4`: "idle: Sends a CONTINUATION frame".
/// Requirement: "The endpoint MUST treat this as a connection error of type
/// PROTOCOL_ERROR." (RFC 9113 §5.1, idle.)
#[test]
fn client_5_1_4_idle_continuation() {
    each(|p| {
        let b = resp(p);
        p.send(&cont(2, flag::END_HEADERS, &b));
        p.conn_error(PROTOCOL);
    });
}

/// h2spec `client/5.1/5`: "closed: Sends a DATA frame after sending RST_STREAM frame".
/// Requirement: "The endpoint MUST treat this as a stream error of type STREAM_CLOSED."
/// (RFC 9113 §5.1, closed.)
#[test]
fn client_5_1_5_closed_data_after_rst_stream() {
    each(|p| {
        let b = resp(p);
        p.send_all(&[
            headers_frame(1, flag::END_HEADERS, &b),
            rst(1, ErrorCode::CANCEL.0),
            data(1, flag::END_STREAM, b"test"),
        ]);
        p.stream_error(1, CLOSED);
    });
}

/// h2spec `client/5.1/6`: "closed: Sends a HEADERS frame after sending RST_STREAM frame".
/// Requirement: "The endpoint MUST treat this as a stream error of type STREAM_CLOSED."
/// (RFC 9113 §5.1, closed.)
#[test]
fn client_5_1_6_closed_headers_after_rst_stream() {
    each(|p| {
        let b = resp(p);
        let b2 = resp(p);
        p.send_all(&[
            headers_frame(1, flag::END_HEADERS, &b),
            rst(1, ErrorCode::CANCEL.0),
            headers_frame(1, END, &b2),
        ]);
        p.stream_error(1, CLOSED);
    });
}

/// h2spec `client/5.1/7`: "closed: Sends a CONTINUATION frame after sending RST_STREAM
/// frame".
/// Requirement: "The endpoint MUST treat this as a stream error of type STREAM_CLOSED."
/// (RFC 9113 §5.1; h2spec also takes PROTOCOL_ERROR.)
#[test]
fn client_5_1_7_closed_continuation_after_rst_stream() {
    each(|p| {
        let b = resp(p);
        let d = p.dummy(1);
        p.send_all(&[
            headers_frame(1, flag::END_HEADERS, &b),
            rst(1, ErrorCode::CANCEL.0),
            cont(1, flag::END_HEADERS, &d),
        ]);
        p.stream_error(1, &[ErrorCode::STREAM_CLOSED, ErrorCode::PROTOCOL_ERROR]);
    });
}

/// h2spec `client/5.1/8`: "closed: Sends a DATA frame".
/// Requirement: "The endpoint MUST treat this as a connection error of type
/// STREAM_CLOSED." (RFC 9113 §5.1, closed: frames after END_STREAM.)
#[test]
fn client_5_1_8_closed_data() {
    each(|p| {
        let b = resp(p);
        p.send_all(&[
            headers_frame(1, END, &b),
            data(1, flag::END_STREAM, b"test"),
        ]);
        p.conn_error(CLOSED);
    });
}

/// h2spec `client/5.1/9`: "closed: Sends a HEADERS frame".
/// Requirement: "The endpoint MUST treat this as a connection error of type
/// STREAM_CLOSED." (RFC 9113 §5.1, closed.)
#[test]
fn client_5_1_9_closed_headers() {
    each(|p| {
        let b = resp(p);
        let h = headers_frame(1, END, &b);
        p.send_all(&[h.clone(), h]);
        p.conn_error(CLOSED);
    });
}

/// h2spec `client/5.1/10`: "closed: Sends a CONTINUATION frame".
/// Requirement: "The endpoint MUST treat this as a connection error of type
/// STREAM_CLOSED." (RFC 9113 §5.1; h2spec also takes PROTOCOL_ERROR.)
#[test]
fn client_5_1_10_closed_continuation() {
    each(|p| {
        let b = resp(p);
        let d = p.dummy(1);
        p.send_all(&[headers_frame(1, END, &b), cont(1, flag::END_HEADERS, &d)]);
        p.conn_error(&[ErrorCode::STREAM_CLOSED, ErrorCode::PROTOCOL_ERROR]);
    });
}

// ================================================================ client/5.1.1 Stream Identifiers

/// h2spec `client/5.1.1/1`: "Sends an unexpected stream identifier".
/// Requirement: "The endpoint MUST respond with a connection error of type PROTOCOL_ERROR."
/// (RFC 9113 §5.1.1: a HEADERS on stream 101, which our client never opened.)
#[test]
fn client_5_1_1_1_unexpected_stream_identifier() {
    each(|p| {
        let b = resp(p);
        p.send(&headers_frame(101, END, &b));
        p.conn_error(PROTOCOL);
    });
}

// ================================================================ client/5.4.1 Connection Errors

/// h2spec `client/5.4.1/1`: "Sends an invalid PING frame for connection close".
/// Requirement: "The endpoint MUST close the TCP connection" (RFC 9113 §5.4.1).
#[test]
fn client_5_4_1_1_invalid_ping_closes_the_connection() {
    each(|p| {
        p.send(&Builder::new(kind::PING, 3).payload(&[0; 8]).build());
        p.closed();
    });
}

/// h2spec `client/5.4.1/2`: "Sends an invalid PING frame to receive GOAWAY frame".
/// Requirement: "An endpoint that encounters a connection error SHOULD first send a GOAWAY
/// frame" (RFC 9113 §5.4.1).
#[test]
fn client_5_4_1_2_invalid_ping_gets_goaway() {
    each(|p| {
        p.send(&Builder::new(kind::PING, 3).payload(&[0; 8]).build());
        assert!(p.goaway().is_some(), "[{:?}] no GOAWAY", p.delivery);
    });
}

// ================================================================ client/5.5 Extending HTTP/2

/// h2spec `client/5.5/1`: "Sends an unknown extension frame".
/// Requirement: "The endpoint MUST ignore unknown or unsupported values in all extensible
/// protocol elements." (RFC 9113 §5.5.)
#[test]
fn client_5_5_1_unknown_extension_frame() {
    each(|p| {
        p.send_all(&[
            Builder::new(0x16, 0).payload(&[0; 8]).build(),
            ping(0, &ZERO8),
        ]);
        p.ping_ack(&ZERO8);
    });
}

// ================================================================ client/6.1 DATA

/// h2spec `client/6.1/1`: "Sends a DATA frame with 0x0 stream identifier".
/// Requirement: "The endpoint MUST respond with a connection error of type PROTOCOL_ERROR."
/// (RFC 9113 §6.1.)
#[test]
fn client_6_1_1_data_on_stream_0() {
    each(|p| {
        p.send(&data(0, flag::END_STREAM, b"test"));
        p.conn_error(PROTOCOL);
    });
}

/// h2spec `client/6.1/2`: "Sends a DATA frame on the stream that is not in "open" or
/// "half-closed (local)" state".
/// Requirement: "The endpoint MUST respond with a stream error of type STREAM_CLOSED."
/// (RFC 9113 §6.1.)
#[test]
fn client_6_1_2_data_on_stream_not_open() {
    each(|p| {
        let b = resp(p);
        p.send_all(&[
            headers_frame(1, END, &b),
            data(1, flag::END_STREAM, b"test"),
        ]);
        p.stream_error(1, CLOSED);
    });
}

/// h2spec `client/6.1/3`: "Sends a DATA frame with invalid pad length".
/// Requirement: "The endpoint MUST treat this as a connection error of type
/// PROTOCOL_ERROR." (RFC 9113 §6.1; h2spec checks it as a stream error.)
#[test]
fn client_6_1_3_data_with_invalid_pad_length() {
    each(|p| {
        let b = p.block(&[(":status", "200"), ("content-length", "4")]);
        p.send_all(&[
            headers_frame(1, flag::END_HEADERS, &b),
            Builder::new(kind::DATA, 1)
                .flags(flag::END_STREAM | flag::PADDED)
                .payload(&[6])
                .payload(b"Test")
                .build(),
        ]);
        p.stream_error(1, PROTOCOL);
    });
}

// ================================================================ client/6.2 HEADERS

/// h2spec `client/6.2/1`: "Sends a HEADERS frame without the END_HEADERS flag, and a
/// PRIORITY frame".
/// Requirement: "The endpoint MUST treat this as a connection error of type
/// PROTOCOL_ERROR." (RFC 9113 §6.2, END_HEADERS.)
#[test]
fn client_6_2_1_headers_without_end_headers_then_priority() {
    each(|p| {
        let b = resp(p);
        let d = p.dummy(1);
        p.send_all(&[
            headers_frame(1, 0, &b),
            prio(1, 0, 255),
            cont(1, flag::END_HEADERS, &d),
        ]);
        p.conn_error(PROTOCOL);
    });
}

/// h2spec `client/6.2/2`: "Sends a HEADERS frame with 0x0 stream identifier".
/// Requirement: "The endpoint MUST respond with a connection error of type PROTOCOL_ERROR."
/// (RFC 9113 §6.2.)
#[test]
fn client_6_2_2_headers_on_stream_0() {
    each(|p| {
        let b = resp(p);
        p.send(&headers_frame(0, END, &b));
        p.conn_error(PROTOCOL);
    });
}

/// h2spec `client/6.2/3`: "Sends a HEADERS frame with invalid pad length".
/// Requirement: "The endpoint MUST treat this as a connection error of type
/// PROTOCOL_ERROR." (RFC 9113 §6.2: pad length 17 in a frame of 2 octets, without
/// END_HEADERS, as h2spec sends it; h2spec checks it as a stream error.)
#[test]
fn client_6_2_3_headers_with_invalid_pad_length() {
    each(|p| {
        let b = resp(p);
        p.send(
            &Builder::new(kind::HEADERS, 1)
                .flags(flag::PADDED)
                .payload(&[0x11])
                .payload(&b)
                .build(),
        );
        p.stream_error(1, PROTOCOL);
    });
}

// ================================================================ client/6.3 PRIORITY

/// h2spec `client/6.3/1`: "Sends a PRIORITY frame with 0x0 stream identifier".
/// Requirement: "The endpoint MUST respond with a connection error of type PROTOCOL_ERROR."
/// (RFC 9113 §6.3.)
#[test]
fn client_6_3_1_priority_on_stream_0() {
    each(|p| {
        p.send(&prio(0, 0, 255));
        p.conn_error(PROTOCOL);
    });
}

/// h2spec `client/6.3/2`: "Sends a PRIORITY frame with a length other than 5 octets".
/// Requirement: "The endpoint MUST respond with a stream error of type FRAME_SIZE_ERROR."
/// (RFC 9113 §6.3.)
#[test]
fn client_6_3_2_priority_with_length_4() {
    each(|p| {
        let b = resp(p);
        p.send_all(&[
            headers_frame(1, END, &b),
            Builder::new(kind::PRIORITY, 1).u32(0x8000_0001).build(),
        ]);
        p.stream_error(1, FRAME_SIZE);
    });
}

// ================================================================ client/6.4 RST_STREAM

/// h2spec `client/6.4/1`: "Sends a RST_STREAM frame with 0x0 stream identifier".
/// Requirement: "The endpoint MUST respond with a connection error of type PROTOCOL_ERROR."
/// (RFC 9113 §6.4.)
#[test]
fn client_6_4_1_rst_stream_on_stream_0() {
    each(|p| {
        p.send(&rst(0, ErrorCode::CANCEL.0));
        p.conn_error(PROTOCOL);
    });
}

/// h2spec `client/6.4/2`: "Sends a RST_STREAM frame on a idle stream".
/// Requirement: "The endpoint MUST respond with a connection error of type PROTOCOL_ERROR."
/// (RFC 9113 §6.4.)
#[test]
fn client_6_4_2_rst_stream_on_idle_stream() {
    each(|p| {
        p.send(&rst(2, ErrorCode::CANCEL.0));
        p.conn_error(PROTOCOL);
    });
}

/// h2spec `client/6.4/3`: "Sends a RST_STREAM frame with a length other than 4 octets".
/// Requirement: "The endpoint MUST respond with a connection error of type
/// FRAME_SIZE_ERROR." (RFC 9113 §6.4; h2spec checks it as a stream error.)
#[test]
fn client_6_4_3_rst_stream_with_length_3() {
    each(|p| {
        let b = resp(p);
        p.send_all(&[
            headers_frame(1, END, &b),
            Builder::new(kind::RST_STREAM, 1).payload(&[0; 3]).build(),
        ]);
        p.stream_error(1, FRAME_SIZE);
    });
}

// ================================================================ client/6.5 SETTINGS

/// h2spec `client/6.5/1`: "Sends a SETTINGS frame with ACK flag and payload".
/// Requirement: "The endpoint MUST respond with a connection error of type
/// FRAME_SIZE_ERROR." (RFC 9113 §6.5.)
#[test]
fn client_6_5_1_settings_ack_with_payload() {
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

/// h2spec `client/6.5/2`: "Sends a SETTINGS frame with a stream identifier other than 0x0".
/// Requirement: "The endpoint MUST respond with a connection error of type PROTOCOL_ERROR."
/// (RFC 9113 §6.5.)
#[test]
fn client_6_5_2_settings_on_a_stream() {
    each(|p| {
        p.send(
            &Builder::new(kind::SETTINGS, 1)
                .setting(id::MAX_CONCURRENT_STREAMS, 100)
                .build(),
        );
        p.conn_error(PROTOCOL);
    });
}

/// h2spec `client/6.5/3`: "Sends a SETTINGS frame with a length other than a multiple of 6
/// octets".
/// Requirement: "The endpoint MUST respond with a connection error of type
/// FRAME_SIZE_ERROR." (RFC 9113 §6.5; h2spec takes PROTOCOL_ERROR or FRAME_SIZE_ERROR.)
#[test]
fn client_6_5_3_settings_length_not_multiple_of_6() {
    each(|p| {
        p.send(&Builder::new(kind::SETTINGS, 0).payload(&[0, 3, 0]).build());
        p.conn_error(&[ErrorCode::PROTOCOL_ERROR, ErrorCode::FRAME_SIZE_ERROR]);
    });
}

// ================================================================ client/6.5.2 Defined Parameters

/// h2spec `client/6.5.2/1`: "SETTINGS_INITIAL_WINDOW_SIZE (0x4): Sends the value above the
/// maximum flow control window size".
/// Requirement: "The endpoint MUST treat this as a connection error of type
/// FLOW_CONTROL_ERROR." (RFC 9113 §6.5.2.)
#[test]
fn client_6_5_2_1_initial_window_size_above_maximum() {
    each(|p| {
        p.send(&settings_frame(&[(id::INITIAL_WINDOW_SIZE, 1 << 31)]));
        p.conn_error(FLOW);
    });
}

/// h2spec `client/6.5.2/2`: "SETTINGS_MAX_FRAME_SIZE (0x5): Sends the value below the
/// initial value".
/// Requirement: "The endpoint MUST treat this as a connection error of type
/// PROTOCOL_ERROR." (RFC 9113 §6.5.2.)
#[test]
fn client_6_5_2_2_max_frame_size_below_initial_value() {
    each(|p| {
        p.send(&settings_frame(&[(id::MAX_FRAME_SIZE, 16_383)]));
        p.conn_error(PROTOCOL);
    });
}

/// h2spec `client/6.5.2/3`: "SETTINGS_MAX_FRAME_SIZE (0x5): Sends the value above the
/// maximum allowed frame size".
/// Requirement: "The endpoint MUST treat this as a connection error of type
/// PROTOCOL_ERROR." (RFC 9113 §6.5.2.)
#[test]
fn client_6_5_2_3_max_frame_size_above_maximum() {
    each(|p| {
        p.send(&settings_frame(&[(id::MAX_FRAME_SIZE, 16_777_216)]));
        p.conn_error(PROTOCOL);
    });
}

/// h2spec `client/6.5.2/4`: "Sends a SETTINGS frame with unknown identifier".
/// Requirement: "The endpoint MUST ignore that setting." (RFC 9113 §6.5.2.)
#[test]
fn client_6_5_2_4_unknown_setting_identifier() {
    each(|p| {
        p.send_all(&[settings_frame(&[(0xff, 1)]), ping(0, &ZERO8)]);
        p.ping_ack(&ZERO8);
    });
}

// ================================================================ client/6.5.3 Synchronization

/// h2spec `client/6.5.3/1`: "Sends a SETTINGS frame without ACK flag".
/// Requirement: "The endpoint MUST immediately emit a SETTINGS frame with the ACK flag
/// set." (RFC 9113 §6.5.3.)
#[test]
fn client_6_5_3_1_settings_are_acknowledged() {
    each(|p| {
        p.send(&settings_frame(&[(id::ENABLE_PUSH, 0)]));
        p.settings_acked();
    });
}

// ================================================================ client/6.7 PING

/// h2spec `client/6.7/1`: "Sends a PING frame".
/// Requirement: "The endpoint MUST sends a PING frame with ACK, with an identical payload."
/// (RFC 9113 §6.7.)
#[test]
fn client_6_7_1_ping_frame() {
    each(|p| {
        p.send(&ping(0, &H2SPEC8));
        p.ping_ack(&H2SPEC8);
    });
}

/// h2spec `client/6.7/2`: "Sends a PING frame with ACK".
/// Requirement: "The endpoint MUST NOT respond to PING frames with ACK." (RFC 9113 §6.7.)
#[test]
fn client_6_7_2_ping_ack_is_not_answered() {
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

/// h2spec `client/6.7/3`: "Sends a PING frame with a stream identifier field value other
/// than 0x0".
/// Requirement: "The endpoint MUST respond with a connection error of type PROTOCOL_ERROR."
/// (RFC 9113 §6.7.)
#[test]
fn client_6_7_3_ping_on_a_stream() {
    each(|p| {
        p.send(&Builder::new(kind::PING, 1).payload(&[0; 8]).build());
        p.conn_error(PROTOCOL);
    });
}

/// h2spec `client/6.7/4`: "Sends a PING frame with a length field value other than 8".
/// Requirement: "The endpoint MUST treat this as a connection error of type
/// FRAME_SIZE_ERROR." (RFC 9113 §6.7.)
#[test]
fn client_6_7_4_ping_with_length_6() {
    each(|p| {
        p.send(&Builder::new(kind::PING, 0).payload(&[0; 6]).build());
        p.conn_error(FRAME_SIZE);
    });
}

// ================================================================ client/6.8 GOAWAY

/// h2spec `client/6.8/1`: "Sends a GOAWAY frame with a stream identifier other than 0x0".
/// Requirement: "The endpoint MUST treat this as a connection error of type
/// PROTOCOL_ERROR." (RFC 9113 §6.8.)
#[test]
fn client_6_8_1_goaway_on_a_stream() {
    each(|p| {
        p.send(&Builder::new(kind::GOAWAY, 1).u32(0).u32(0).build());
        p.conn_error(PROTOCOL);
    });
}

// ================================================================ client/6.9 WINDOW_UPDATE

/// h2spec `client/6.9/1`: "Sends a WINDOW_UPDATE frame with a flow control window increment
/// of 0".
/// Requirement: "The endpoint MUST treat this as a connection error of type
/// PROTOCOL_ERROR." (RFC 9113 §6.9.)
#[test]
fn client_6_9_1_zero_increment_on_the_connection() {
    each(|p| {
        p.send(&wu(0, 0));
        p.conn_error(PROTOCOL);
    });
}

/// h2spec `client/6.9/2`: "Sends a WINDOW_UPDATE frame with a flow control window increment
/// of 0 on a stream".
/// Requirement: "The endpoint MUST treat this as a connection error of type
/// PROTOCOL_ERROR." (RFC 9113 §6.9: a stream error; h2spec checks it as one.)
#[test]
fn client_6_9_2_zero_increment_on_a_stream() {
    each(|p| {
        let b = resp(p);
        p.send_all(&[headers_frame(1, flag::END_HEADERS, &b), wu(1, 0)]);
        p.stream_error(1, PROTOCOL);
    });
}

/// h2spec `client/6.9/3`: "Sends a WINDOW_UPDATE frame with a length other than 4 octets".
/// Requirement: "The endpoint MUST treat this as a connection error of type
/// FRAME_SIZE_ERROR." (RFC 9113 §6.9.)
#[test]
fn client_6_9_3_window_update_with_length_3() {
    each(|p| {
        p.send(
            &Builder::new(kind::WINDOW_UPDATE, 0)
                .payload(&[0, 0, 1])
                .build(),
        );
        p.conn_error(FRAME_SIZE);
    });
}

// ================================================================ client/6.9.1 Flow-Control Window

/// h2spec `client/6.9.1/1`: "Sends multiple WINDOW_UPDATE frames increasing the flow control
/// window to above 2^31-1".
/// Requirement: "The endpoint MUST sends a GOAWAY frame with a FLOW_CONTROL_ERROR code."
/// (RFC 9113 §6.9.1.)
#[test]
fn client_6_9_1_1_connection_window_above_maximum() {
    each(|p| {
        p.send_all(&[wu(0, 0x7fff_ffff), wu(0, 0x7fff_ffff)]);
        p.conn_error(FLOW);
    });
}

/// h2spec `client/6.9.1/2`: "Sends multiple WINDOW_UPDATE frames increasing the flow control
/// window to above 2^31-1 on a stream".
/// Requirement: "The endpoint MUST sends a RST_STREAM frame with a FLOW_CONTROL_ERROR
/// code." (RFC 9113 §6.9.1; h2spec wants the RST_STREAM itself.)
#[test]
fn client_6_9_1_2_stream_window_above_maximum() {
    each(|p| {
        let b = resp(p);
        p.send_all(&[
            headers_frame(1, flag::END_HEADERS, &b),
            wu(1, 0x7fff_ffff),
            wu(1, 0x7fff_ffff),
        ]);
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

// ================================================================ client/6.10 CONTINUATION

/// h2spec `client/6.10/1`: "Sends multiple CONTINUATION frames preceded by a HEADERS frame".
/// Requirement: "The endpoint must accept the frame." (RFC 9113 §6.10.)
#[test]
fn client_6_10_1_multiple_continuations_after_headers() {
    each(|p| {
        let b = resp(p);
        let d1 = p.dummy(1);
        let d2 = p.dummy(1);
        p.send_all(&[
            headers_frame(1, flag::END_STREAM, &b),
            cont(1, 0, &d1),
            cont(1, flag::END_HEADERS, &d2),
            ping(0, &ZERO8),
        ]);
        p.ping_ack(&ZERO8);
        assert_eq!(p.heads.len(), 1, "[{:?}] no response head", p.delivery);
    });
}

/// h2spec `client/6.10/2`: "Sends a CONTINUATION frame followed by any frame other than
/// CONTINUATION".
/// Requirement: "The endpoint MUST treat this as a connection error of type
/// PROTOCOL_ERROR." (RFC 9113 §6.10.)
#[test]
fn client_6_10_2_continuation_followed_by_data() {
    each(|p| {
        let b = resp(p);
        let d = p.dummy(1);
        p.send_all(&[
            headers_frame(1, 0, &b),
            cont(1, 0, &d),
            data(1, flag::END_STREAM, b"test"),
        ]);
        p.conn_error(PROTOCOL);
    });
}

/// h2spec `client/6.10/3`: "Sends a CONTINUATION frame with 0x0 stream identifier".
/// Requirement: "The endpoint MUST respond with a connection error of type PROTOCOL_ERROR."
/// (RFC 9113 §6.10.)
#[test]
fn client_6_10_3_continuation_on_stream_0() {
    each(|p| {
        let b = resp(p);
        let d = p.dummy(1);
        p.send_all(&[
            headers_frame(1, flag::END_STREAM, &b),
            cont(0, flag::END_HEADERS, &d),
        ]);
        p.conn_error(PROTOCOL);
    });
}

/// h2spec `client/6.10/4`: "Sends a CONTINUATION frame preceded by a HEADERS frame with
/// END_HEADERS flag".
/// Requirement: "The endpoint MUST respond with a connection error of type PROTOCOL_ERROR."
/// (RFC 9113 §6.10.)
#[test]
fn client_6_10_4_continuation_after_headers_with_end_headers() {
    each(|p| {
        let b = resp(p);
        let d = p.dummy(1);
        p.send_all(&[headers_frame(1, END, &b), cont(1, flag::END_HEADERS, &d)]);
        p.conn_error(PROTOCOL);
    });
}

/// h2spec `client/6.10/5`: "Sends a CONTINUATION frame preceded by a CONTINUATION frame with
/// END_HEADERS flag".
/// Requirement: "The endpoint MUST respond with a connection error of type PROTOCOL_ERROR."
/// (RFC 9113 §6.10.)
#[test]
fn client_6_10_5_continuation_after_continuation_with_end_headers() {
    each(|p| {
        let b = resp(p);
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

/// h2spec `client/6.10/6`: "Sends a CONTINUATION frame preceded by a DATA frame".
/// Requirement: "The endpoint MUST respond with a connection error of type PROTOCOL_ERROR."
/// (RFC 9113 §6.10.)
#[test]
fn client_6_10_6_continuation_after_data() {
    each(|p| {
        let b = resp(p);
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
