//! The h2spec case table: every case of h2spec 2.6.0's server mode (146, plus the `--strict`
//! case and one case of a later revision) and of its client mode (57), each written once. A
//! row with a `server` id runs against our server; a row with a `client` id runs against our
//! client; a row with both is the same case in both of h2spec's modes, the same frames
//! (with the role-neutral parts of [`Part`](crate::case::Part) and
//! [`Sid::Idle`](crate::case::Sid::Idle)) and the same expected reaction.
//!
//! Rows follow h2spec's order. Where h2spec's client case sends other bytes or waits for
//! something else than its server case of the same section, it is a row of its own.
//! `H2SPEC.md` is generated from this table (`H2SPEC_BLESS=1 cargo test -p proto-h2 --test
//! h2spec`) and checked against it.

use crate::case::Expect::*;
use crate::case::Follows::*;
use crate::case::Frame::*;
use crate::case::FreshExpect::*;
use crate::case::Part::*;
use crate::case::Script::*;
use crate::case::Step::*;
use crate::case::{Blk, Case, Pre, S0, S1, S3, S5, Sid};
use crate::support::{CLOSED, COMPRESSION, FLOW, FRAME_SIZE, PROTOCOL};
use proto_h2::conn::PREFACE;
use proto_h2::frame::{ErrorCode, flag, kind};
use proto_h2::settings::id;

/// How many rows run against our server: h2spec 2.6.0's 146 server cases, its `--strict` case
/// and one case of a later revision.
pub(crate) const SERVER_CASES: usize = 148;
/// How many rows run against our client: h2spec 2.6.0's 57 client cases, one of them
/// (`client/4.3/1`) twice: its intent and its bytes.
pub(crate) const CLIENT_CASES: usize = 58;

const ES: u8 = flag::END_STREAM;
const EH: u8 = flag::END_HEADERS;
const END: u8 = ES | EH;
const ACK: u8 = flag::ACK;
const PADDED: u8 = flag::PADDED;
const PRIORITY: u8 = flag::PRIORITY;
const IWS: u16 = id::INITIAL_WINDOW_SIZE;
const CANCEL: u32 = ErrorCode::CANCEL.0;
const B0: Blk = Blk::All(0);
const B1: Blk = Blk::All(1);
const B2: Blk = Blk::All(2);
/// PING payloads h2spec sends.
const ZERO8: [u8; 8] = [0; 8];
const H2SPEC8: [u8; 8] = *b"h2spec\0\0";
/// The fields of h2spec's common request, one by one.
const GET: (&str, &str) = (":method", "GET");
const SCHEME: (&str, &str) = (":scheme", "http");
const PATH: (&str, &str) = (":path", "/");
const AUTHORITY: (&str, &str) = (":authority", "127.0.0.1:8080");
const CLOSED_OR_PROTOCOL: &[ErrorCode] = &[ErrorCode::STREAM_CLOSED, ErrorCode::PROTOCOL_ERROR];
const PROTOCOL_OR_FRAME_SIZE: &[ErrorCode] =
    &[ErrorCode::PROTOCOL_ERROR, ErrorCode::FRAME_SIZE_ERROR];
const PROTOCOL_OR_REFUSED: &[ErrorCode] = &[ErrorCode::PROTOCOL_ERROR, ErrorCode::REFUSED_STREAM];
const COMPRESSION_OR_PROTOCOL: &[ErrorCode] =
    &[ErrorCode::COMPRESSION_ERROR, ErrorCode::PROTOCOL_ERROR];

/// Every case, in h2spec's order.
pub(crate) static TABLE: &[Case] = &[
    Case {
        server: Some("generic/1/1"),
        client: None,
        follows: V2_6_0,
        desc: "Sends a client connection preface",
        requirement: "The first HTTP/2 frame sent by the server MUST be a server connection preface.",
        client_requirement: None,
        note: "(RFC 9113 §3.4: the server connection preface is a SETTINGS frame.)",
        script: Fresh {
            input: &[Bytes(PREFACE), Settings(&[(IWS, 65_535)])],
            expect: &[
                Accepted,
                FirstFrame {
                    kind: kind::SETTINGS,
                    flags: 0,
                    mask: ACK,
                },
            ],
        },
    },
    Case {
        server: None,
        client: Some("client/1/1"),
        follows: V2_6_0,
        desc: "Sends a client connection preface",
        requirement: "The endpoint MUST accept client connection preface.",
        client_requirement: None,
        note: "(RFC 9113 §3.4; the handshake checks our preface and first SETTINGS, and the response must reach the application.)",
        script: Handshaken {
            blocks: &[&[Common]],
            steps: &[
                Send(&[Headers(S1, EH, B0), Data(S1, ES, b"success")]),
                Expect(NoFailure),
                Expect(Heads(1)),
                Expect(Status(200)),
                Expect(Body(b"success")),
            ],
        },
    },
    Case {
        server: Some("generic/2/1"),
        client: None,
        follows: V2_6_0,
        desc: "Sends a PRIORITY frame on idle stream",
        requirement: "The endpoint MUST accept PRIORITY frame.",
        client_requirement: None,
        note: "(RFC 9113 §5.1, idle.)",
        script: Handshaken {
            blocks: &[],
            steps: &[
                Send(&[Prio(S1, 0, 255), Ping(0, ZERO8)]),
                Expect(PingAck(ZERO8)),
            ],
        },
    },
    Case {
        server: Some("generic/2/2"),
        client: None,
        follows: V2_6_0,
        desc: "Sends a WINDOW_UPDATE frame on half-closed (remote) stream",
        requirement: "The endpoint MUST accept WINDOW_UPDATE frame.",
        client_requirement: None,
        note: "(RFC 9113 §5.1, half-closed (remote).)",
        script: Handshaken {
            blocks: &[&[Common]],
            steps: &[
                Send(&[Settings(&[(IWS, 0)]), Headers(S1, END, B0), Wu(S1, 1)]),
                Expect(DataLens(S1, &[1])),
            ],
        },
    },
    Case {
        server: Some("generic/2/3"),
        client: None,
        follows: V2_6_0,
        desc: "Sends a PRIORITY frame on half-closed (remote) stream",
        requirement: "The endpoint MUST accept PRIORITY frame.",
        client_requirement: None,
        note: "(RFC 9113 §5.1.)",
        script: Handshaken {
            blocks: &[&[Common]],
            steps: &[
                Send(&[
                    Settings(&[(IWS, 0)]),
                    Headers(S1, END, B0),
                    Prio(S1, 0, 255),
                    Wu(S1, 1),
                ]),
                Expect(DataLens(S1, &[1])),
            ],
        },
    },
    Case {
        server: Some("generic/2/4"),
        client: None,
        follows: V2_6_0,
        desc: "Sends a RST_STREAM frame on half-closed (remote) stream",
        requirement: "The endpoint MUST accept RST_STREAM frame.",
        client_requirement: None,
        note: "(RFC 9113 §5.1.) h2spec 2.6.0 wants the PING ACK with the payload sent (later revisions, commit 3dd9398, also take a connection close).",
        script: Handshaken {
            blocks: &[&[Common]],
            steps: &[
                Send(&[Headers(S1, END, B0), Rst(S1, CANCEL), Ping(0, ZERO8)]),
                Expect(PingAck(ZERO8)),
            ],
        },
    },
    Case {
        server: Some("generic/2/5"),
        client: None,
        follows: V2_6_0,
        desc: "Sends a PRIORITY frame on closed stream",
        requirement: "The endpoint MUST accept PRIORITY frame.",
        client_requirement: None,
        note: "(RFC 9113 §5.1, closed.)",
        script: Handshaken {
            blocks: &[&[Common]],
            steps: &[
                Send(&[Headers(S1, END, B0)]),
                Expect(StreamEnded(S1)),
                Send(&[Prio(S1, 0, 255), Ping(0, ZERO8)]),
                Expect(PingAck(ZERO8)),
            ],
        },
    },
    Case {
        server: Some("generic/3.1/1"),
        client: None,
        follows: V2_6_0,
        desc: "Sends a DATA frame",
        requirement: "The endpoint MUST accept DATA frame.",
        client_requirement: None,
        note: "(RFC 9113 §6.1.)",
        script: Handshaken {
            blocks: &[&[Post(&[])]],
            steps: &[
                Send(&[Headers(S1, EH, B0), Data(S1, ES, b"test")]),
                Expect(Response(S1)),
            ],
        },
    },
    Case {
        server: Some("generic/3.1/2"),
        client: None,
        follows: V2_6_0,
        desc: "Sends multiple DATA frames",
        requirement: "The endpoint MUST accept multiple DATA frames.",
        client_requirement: None,
        note: "(RFC 9113 §6.1.)",
        script: Handshaken {
            blocks: &[&[Post(&[])]],
            steps: &[
                Send(&[
                    Headers(S1, EH, B0),
                    Data(S1, 0, b"test"),
                    Data(S1, ES, b"test"),
                ]),
                Expect(Response(S1)),
            ],
        },
    },
    Case {
        server: Some("generic/3.1/3"),
        client: None,
        follows: V2_6_0,
        desc: "Sends a DATA frame with padding",
        requirement: "The endpoint MUST accept DATA frame with padding.",
        client_requirement: None,
        note: "(RFC 9113 §6.1.) As h2spec, the padding octets are the text `padded`, not zeros.",
        script: Handshaken {
            blocks: &[&[Post(&[])]],
            steps: &[
                Send(&[
                    Headers(S1, EH, B0),
                    Raw(kind::DATA, ES | PADDED, 1, b"\x06testpadded"),
                ]),
                Expect(Response(S1)),
            ],
        },
    },
    Case {
        server: Some("generic/3.2/1"),
        client: None,
        follows: V2_6_0,
        desc: "Sends a HEADERS frame",
        requirement: "The endpoint MUST accept HEADERS frame.",
        client_requirement: None,
        note: "(RFC 9113 §6.2.)",
        script: Handshaken {
            blocks: &[&[Common]],
            steps: &[Send(&[Headers(S1, END, B0)]), Expect(Response(S1))],
        },
    },
    Case {
        server: Some("generic/3.2/2"),
        client: None,
        follows: V2_6_0,
        desc: "Sends a HEADERS frame with padding",
        requirement: "The endpoint MUST accept HEADERS frame with padding.",
        client_requirement: None,
        note: "(RFC 9113 §6.2.)",
        script: Handshaken {
            blocks: &[&[Common]],
            steps: &[
                Send(&[Block {
                    kind: kind::HEADERS,
                    flags: END | PADDED,
                    stream: S1,
                    pre: Pre::Bytes(&[8]),
                    block: B0,
                    post: &[0; 8],
                }]),
                Expect(Response(S1)),
            ],
        },
    },
    Case {
        server: Some("generic/3.2/3"),
        client: None,
        follows: V2_6_0,
        desc: "Sends a HEADERS frame with priority",
        requirement: "The endpoint MUST accept HEADERS frame with priority.",
        client_requirement: None,
        note: "(RFC 9113 §6.2.)",
        script: Handshaken {
            blocks: &[&[Common]],
            steps: &[
                Send(&[Block {
                    kind: kind::HEADERS,
                    flags: END | PRIORITY,
                    stream: S1,
                    pre: Pre::Bytes(&[0, 0, 0, 0, 255]),
                    block: B0,
                    post: &[],
                }]),
                Expect(Response(S1)),
            ],
        },
    },
    Case {
        server: Some("generic/3.3/1"),
        client: None,
        follows: V2_6_0,
        desc: "Sends a PRIORITY frame with priority 1",
        requirement: "The endpoint MUST accept PRIORITY frame with priority 1.",
        client_requirement: None,
        note: "(RFC 9113 §6.3.)",
        script: Handshaken {
            blocks: &[&[Common]],
            steps: &[
                Send(&[Prio(S1, 0, 0), Headers(S1, END, B0)]),
                Expect(Response(S1)),
            ],
        },
    },
    Case {
        server: Some("generic/3.3/2"),
        client: None,
        follows: V2_6_0,
        desc: "Sends a PRIORITY frame with priority 256",
        requirement: "The endpoint MUST accept PRIORITY frame with priority 256.",
        client_requirement: None,
        note: "(RFC 9113 §6.3.)",
        script: Handshaken {
            blocks: &[&[Common]],
            steps: &[
                Send(&[Prio(S1, 0, 255), Headers(S1, END, B0)]),
                Expect(Response(S1)),
            ],
        },
    },
    Case {
        server: Some("generic/3.3/3"),
        client: None,
        follows: V2_6_0,
        desc: "Sends a PRIORITY frame with stream dependency",
        requirement: "The endpoint MUST accept PRIORITY frame with stream dependency.",
        client_requirement: None,
        note: "(RFC 9113 §6.3.)",
        script: Handshaken {
            blocks: &[&[Common]],
            steps: &[
                Send(&[Prio(S3, 1, 0), Headers(S1, END, B0)]),
                Expect(Response(S1)),
            ],
        },
    },
    Case {
        server: Some("generic/3.3/4"),
        client: None,
        follows: V2_6_0,
        desc: "Sends a PRIORITY frame with exclusive",
        requirement: "The endpoint MUST accept PRIORITY frame with exclusive.",
        client_requirement: None,
        note: "(RFC 9113 §6.3.)",
        script: Handshaken {
            blocks: &[&[Common]],
            steps: &[
                Send(&[Prio(S1, 0x8000_0000, 0), Headers(S1, END, B0)]),
                Expect(Response(S1)),
            ],
        },
    },
    Case {
        server: Some("generic/3.3/5"),
        client: None,
        follows: V2_6_0,
        desc: "Sends a PRIORITY frame for an idle stream, then send a HEADER frame for a lower stream ID",
        requirement: "The endpoint MUST respond the HEADER frame.",
        client_requirement: None,
        note: "(RFC 9113 §6.3: PRIORITY can be sent for a stream in the idle state; it does not open it.)",
        script: Handshaken {
            blocks: &[&[Common]],
            steps: &[
                Send(&[Prio(S3, 0, 255), Headers(S1, END, B0)]),
                Expect(Response(S1)),
            ],
        },
    },
    Case {
        server: Some("generic/3.4/1"),
        client: None,
        follows: V2_6_0,
        desc: "Sends a RST_STREAM frame",
        requirement: "The endpoint MUST accept RST_STREAM frame.",
        client_requirement: None,
        note: "(RFC 9113 §6.4.) h2spec 2.6.0 wants the PING ACK with the payload sent (later revisions, commit 3dd9398, also take a connection close).",
        script: Handshaken {
            blocks: &[&[Common]],
            steps: &[
                Send(&[Headers(S1, EH, B0), Rst(S1, CANCEL), Ping(0, ZERO8)]),
                Expect(PingAck(ZERO8)),
            ],
        },
    },
    Case {
        server: Some("generic/3.5/1"),
        client: None,
        follows: V2_6_0,
        desc: "Sends a SETTINGS frame",
        requirement: "The endpoint MUST accept SETTINGS frame.",
        client_requirement: None,
        note: "(RFC 9113 §6.5: every defined parameter, acknowledged.)",
        script: Handshaken {
            blocks: &[],
            steps: &[
                Send(&[Settings(&[
                    (id::HEADER_TABLE_SIZE, 4096),
                    (id::ENABLE_PUSH, 1),
                    (id::MAX_CONCURRENT_STREAMS, 100),
                    (IWS, 65_535),
                    (id::MAX_FRAME_SIZE, 16_384),
                    (id::MAX_HEADER_LIST_SIZE, 100),
                ])]),
                Expect(SettingsAcked),
            ],
        },
    },
    Case {
        server: Some("generic/3.7/1"),
        client: None,
        follows: V2_6_0,
        desc: "Sends a PING frame",
        requirement: "The endpoint MUST accept PING frame.",
        client_requirement: None,
        note: "(RFC 9113 §6.7.)",
        script: Handshaken {
            blocks: &[],
            steps: &[Send(&[Ping(0, H2SPEC8)]), Expect(PingAck(H2SPEC8))],
        },
    },
    Case {
        server: Some("generic/3.8/1"),
        client: None,
        follows: V2_6_0,
        desc: "Sends a GOAWAY frame",
        requirement: "The endpoint MUST accept GOAWAY frame.",
        client_requirement: None,
        note: "(RFC 9113 §6.8.) h2spec 2.6.0 sends a PING after the GOAWAY and takes its ACK (with its payload) or a closed connection; we want both: the ACK, and the connection over since no stream is open.",
        script: Handshaken {
            blocks: &[],
            steps: &[
                Send(&[
                    Raw(kind::GOAWAY, 0, 0, b"\0\0\0\0\0\0\0\0h2spec"),
                    Ping(0, H2SPEC8),
                ]),
                Expect(PingAck(H2SPEC8)),
                Expect(Closed),
            ],
        },
    },
    Case {
        server: Some("generic/3.9/1"),
        client: None,
        follows: V2_6_0,
        desc: "Sends a WINDOW_UPDATE frame with stream ID 0",
        requirement: "The endpoint MUST accept WINDOW_UPDATE frame.",
        client_requirement: None,
        note: "(RFC 9113 §6.9.)",
        script: Handshaken {
            blocks: &[],
            steps: &[Send(&[Wu(S0, 1), Ping(0, ZERO8)]), Expect(PingAck(ZERO8))],
        },
    },
    Case {
        server: Some("generic/3.9/2"),
        client: None,
        follows: V2_6_0,
        desc: "Sends a WINDOW_UPDATE frame with stream ID 1",
        requirement: "The endpoint MUST accept WINDOW_UPDATE frame.",
        client_requirement: None,
        note: "(RFC 9113 §6.9.)",
        script: Handshaken {
            blocks: &[&[Common]],
            steps: &[
                Send(&[Headers(S1, END, B0), Wu(S1, 1)]),
                Expect(Response(S1)),
            ],
        },
    },
    Case {
        server: Some("generic/3.10/1"),
        client: None,
        follows: V2_6_0,
        desc: "Sends a CONTINUATION frame",
        requirement: "The endpoint MUST accept CONTINUATION frame.",
        client_requirement: None,
        note: "(RFC 9113 §6.10.)",
        script: Handshaken {
            blocks: &[&[Common]],
            steps: &[
                Send(&[
                    Headers(S1, ES, Blk::Range(0, 0, 5)),
                    Cont(S1, EH, Blk::From(0, 5)),
                ]),
                Expect(Response(S1)),
            ],
        },
    },
    Case {
        server: Some("generic/3.10/2"),
        client: None,
        follows: V2_6_0,
        desc: "Sends multiple CONTINUATION frames",
        requirement: "The endpoint MUST accept multiple CONTINUATION frames.",
        client_requirement: None,
        note: "(RFC 9113 §6.10.)",
        script: Handshaken {
            blocks: &[&[Common]],
            steps: &[
                Expect(BlockLonger(0, 10)),
                Send(&[
                    Headers(S1, ES, Blk::Range(0, 0, 5)),
                    Cont(S1, 0, Blk::Range(0, 5, 10)),
                    Cont(S1, EH, Blk::From(0, 10)),
                ]),
                Expect(Response(S1)),
            ],
        },
    },
    Case {
        server: Some("generic/4/1"),
        client: None,
        follows: V2_6_0,
        desc: "Sends a GET request",
        requirement: "The endpoint MUST respond to the request.",
        client_requirement: None,
        note: "(RFC 9113 §8.1.)",
        script: Handshaken {
            blocks: &[&[Common]],
            steps: &[Send(&[Headers(S1, END, B0)]), Expect(Response(S1))],
        },
    },
    Case {
        server: Some("generic/4/2"),
        client: None,
        follows: V2_6_0,
        desc: "Sends a HEAD request",
        requirement: "The endpoint MUST respond to the request.",
        client_requirement: None,
        note: "(RFC 9113 §8.1.)",
        script: Handshaken {
            blocks: &[&[Fields(&[(":method", "HEAD"), SCHEME, PATH, AUTHORITY])]],
            steps: &[Send(&[Headers(S1, END, B0)]), Expect(Response(S1))],
        },
    },
    Case {
        server: Some("generic/4/3"),
        client: None,
        follows: V2_6_0,
        desc: "Sends a POST request",
        requirement: "The endpoint MUST respond to the request.",
        client_requirement: None,
        note: "(RFC 9113 §8.1.)",
        script: Handshaken {
            blocks: &[&[Post(&[])]],
            steps: &[
                Send(&[Headers(S1, EH, B0), Data(S1, ES, b"test")]),
                Expect(Response(S1)),
            ],
        },
    },
    Case {
        server: Some("generic/4/4"),
        client: None,
        follows: V2_6_0,
        desc: "Sends a POST request with trailers",
        requirement: "The endpoint MUST respond to the request.",
        client_requirement: None,
        note: "(RFC 9113 §8.1.)",
        script: Handshaken {
            blocks: &[
                &[Post(&[("trailer", "x-test")])],
                &[Fields(&[("x-test", "ok")])],
            ],
            steps: &[
                Send(&[
                    Headers(S1, EH, B0),
                    Data(S1, 0, b"test"),
                    Headers(S1, END, B1),
                ]),
                Expect(Response(S1)),
            ],
        },
    },
    Case {
        server: Some("generic/5/1"),
        client: None,
        follows: V2_6_0,
        desc: "Sends a indexed header field representation",
        requirement: "The endpoint MUST accept indexed header field representation",
        client_requirement: None,
        note: "(RFC 7541 §6.1; index 58 is `user-agent` with an empty value).",
        script: Handshaken {
            blocks: &[&[Common, Rep(&[0xba])]],
            steps: &[
                Send(&[Headers(S1, END, B0)]),
                Expect(Response(S1)),
                Expect(RequestField(S1, "user-agent", "")),
            ],
        },
    },
    Case {
        server: Some("generic/5/2"),
        client: None,
        follows: V2_6_0,
        desc: "Sends a literal header field with incremental indexing - indexed name",
        requirement: "The endpoint MUST accept literal header field with incremental indexing",
        client_requirement: None,
        note: "(RFC 7541 §6.2.1).",
        script: Handshaken {
            blocks: &[&[Common, Rep(b"\x7a\x06h2spec")]],
            steps: &[
                Send(&[Headers(S1, END, B0)]),
                Expect(Response(S1)),
                Expect(RequestField(S1, "user-agent", "h2spec")),
            ],
        },
    },
    Case {
        server: Some("generic/5/3"),
        client: None,
        follows: V2_6_0,
        desc: "Sends a literal header field with incremental indexing - indexed name (with Huffman coding)",
        requirement: "The endpoint MUST accept literal header field with incremental indexing",
        client_requirement: None,
        note: "(RFC 7541 §6.2.1, §5.2).",
        script: Handshaken {
            blocks: &[&[Common, Rep(b"\x7a\x84\x9c\x48\xac\xa4")]],
            steps: &[
                Send(&[Headers(S1, END, B0)]),
                Expect(Response(S1)),
                Expect(RequestField(S1, "user-agent", "h2spec")),
            ],
        },
    },
    Case {
        server: Some("generic/5/4"),
        client: None,
        follows: V2_6_0,
        desc: "Sends a literal header field with incremental indexing - new name",
        requirement: "The endpoint MUST accept literal header field with incremental indexing",
        client_requirement: None,
        note: "(RFC 7541 §6.2.1).",
        script: Handshaken {
            blocks: &[&[Common, Rep(b"\x40\x06x-test\x06h2spec")]],
            steps: &[
                Send(&[Headers(S1, END, B0)]),
                Expect(Response(S1)),
                Expect(RequestField(S1, "x-test", "h2spec")),
            ],
        },
    },
    Case {
        server: Some("generic/5/5"),
        client: None,
        follows: V2_6_0,
        desc: "Sends a literal header field with incremental indexing - new name (with Huffman coding)",
        requirement: "The endpoint MUST accept literal header field with incremental indexing",
        client_requirement: None,
        note: "(RFC 7541 §6.2.1, §5.2).",
        script: Handshaken {
            blocks: &[&[
                Common,
                Rep(b"\x40\x85\xf2\xb2\x4a\x84\xff\x84\x9c\x48\xac\xa4"),
            ]],
            steps: &[
                Send(&[Headers(S1, END, B0)]),
                Expect(Response(S1)),
                Expect(RequestField(S1, "x-test", "h2spec")),
            ],
        },
    },
    Case {
        server: Some("generic/5/6"),
        client: None,
        follows: V2_6_0,
        desc: "Sends a literal header field without indexing - indexed name",
        requirement: "The endpoint MUST accept literal header field without indexing",
        client_requirement: None,
        note: "(RFC 7541 §6.2.2; index 58 needs the 4-bit prefix's continuation: 15 + 43).",
        script: Handshaken {
            blocks: &[&[Common, Rep(b"\x0f\x2b\x06h2spec")]],
            steps: &[
                Send(&[Headers(S1, END, B0)]),
                Expect(Response(S1)),
                Expect(RequestField(S1, "user-agent", "h2spec")),
            ],
        },
    },
    Case {
        server: Some("generic/5/7"),
        client: None,
        follows: V2_6_0,
        desc: "Sends a literal header field without indexing - indexed name (with Huffman coding)",
        requirement: "The endpoint MUST accept literal header field without indexing",
        client_requirement: None,
        note: "(RFC 7541 §6.2.2, §5.2).",
        script: Handshaken {
            blocks: &[&[Common, Rep(b"\x0f\x2b\x84\x9c\x48\xac\xa4")]],
            steps: &[
                Send(&[Headers(S1, END, B0)]),
                Expect(Response(S1)),
                Expect(RequestField(S1, "user-agent", "h2spec")),
            ],
        },
    },
    Case {
        server: Some("generic/5/8"),
        client: None,
        follows: V2_6_0,
        desc: "Sends a literal header field without indexing - new name",
        requirement: "The endpoint MUST accept literal header field without indexing",
        client_requirement: None,
        note: "(RFC 7541 §6.2.2).",
        script: Handshaken {
            blocks: &[&[Common, Rep(b"\x00\x06x-test\x06h2spec")]],
            steps: &[
                Send(&[Headers(S1, END, B0)]),
                Expect(Response(S1)),
                Expect(RequestField(S1, "x-test", "h2spec")),
            ],
        },
    },
    Case {
        server: Some("generic/5/9"),
        client: None,
        follows: V2_6_0,
        desc: "Sends a literal header field without indexing - new name (huffman encoded)",
        requirement: "The endpoint MUST accept literal header field without indexing",
        client_requirement: None,
        note: "(RFC 7541 §6.2.2, §5.2).",
        script: Handshaken {
            blocks: &[&[
                Common,
                Rep(b"\x00\x85\xf2\xb2\x4a\x84\xff\x84\x9c\x48\xac\xa4"),
            ]],
            steps: &[
                Send(&[Headers(S1, END, B0)]),
                Expect(Response(S1)),
                Expect(RequestField(S1, "x-test", "h2spec")),
            ],
        },
    },
    Case {
        server: Some("generic/5/10"),
        client: None,
        follows: V2_6_0,
        desc: "Sends a literal header field never indexed - indexed name",
        requirement: "The endpoint MUST accept literal header field never indexed",
        client_requirement: None,
        note: "(RFC 7541 §6.2.3).",
        script: Handshaken {
            blocks: &[&[Common, Rep(b"\x1f\x2b\x06h2spec")]],
            steps: &[
                Send(&[Headers(S1, END, B0)]),
                Expect(Response(S1)),
                Expect(RequestField(S1, "user-agent", "h2spec")),
            ],
        },
    },
    Case {
        server: Some("generic/5/11"),
        client: None,
        follows: V2_6_0,
        desc: "Sends a literal header field never indexed - indexed name (huffman encoded)",
        requirement: "The endpoint MUST accept literal header field never indexed",
        client_requirement: None,
        note: "(RFC 7541 §6.2.3, §5.2).",
        script: Handshaken {
            blocks: &[&[Common, Rep(b"\x1f\x2b\x84\x9c\x48\xac\xa4")]],
            steps: &[
                Send(&[Headers(S1, END, B0)]),
                Expect(Response(S1)),
                Expect(RequestField(S1, "user-agent", "h2spec")),
            ],
        },
    },
    Case {
        server: Some("generic/5/12"),
        client: None,
        follows: V2_6_0,
        desc: "Sends a literal header field never indexed - new name",
        requirement: "The endpoint MUST accept literal header field never indexed",
        client_requirement: None,
        note: "(RFC 7541 §6.2.3).",
        script: Handshaken {
            blocks: &[&[Common, Rep(b"\x10\x06x-test\x06h2spec")]],
            steps: &[
                Send(&[Headers(S1, END, B0)]),
                Expect(Response(S1)),
                Expect(RequestField(S1, "x-test", "h2spec")),
            ],
        },
    },
    Case {
        server: Some("generic/5/13"),
        client: None,
        follows: V2_6_0,
        desc: "Sends a literal header field never indexed - new name (huffman encoded)",
        requirement: "The endpoint MUST accept literal header field never indexed",
        client_requirement: None,
        note: "(RFC 7541 §6.2.3, §5.2).",
        script: Handshaken {
            blocks: &[&[
                Common,
                Rep(b"\x10\x85\xf2\xb2\x4a\x84\xff\x84\x9c\x48\xac\xa4"),
            ]],
            steps: &[
                Send(&[Headers(S1, END, B0)]),
                Expect(Response(S1)),
                Expect(RequestField(S1, "x-test", "h2spec")),
            ],
        },
    },
    Case {
        server: Some("generic/5/14"),
        client: None,
        follows: V2_6_0,
        desc: "Sends a dynamic table size update",
        requirement: "The endpoint MUST accept dynamic table size update",
        client_requirement: None,
        note: "(RFC 7541 §6.3; a size update to 0 at the start of the block).",
        script: Handshaken {
            blocks: &[&[Rep(&[0x20]), Common]],
            steps: &[Send(&[Headers(S1, END, B0)]), Expect(Response(S1))],
        },
    },
    Case {
        server: Some("generic/5/15"),
        client: None,
        follows: V2_6_0,
        desc: "Sends multiple dynamic table size update",
        requirement: "The endpoint MUST accept multiple dynamic table size update",
        client_requirement: None,
        note: "(RFC 7541 §4.2: two updates, 0 then 4096, at the start of the block).",
        script: Handshaken {
            blocks: &[&[Rep(&[0x20, 0x3f, 0xe1, 0x1f]), Common]],
            steps: &[Send(&[Headers(S1, END, B0)]), Expect(Response(S1))],
        },
    },
    Case {
        server: Some("http2/3.5/1"),
        client: None,
        follows: V2_6_0,
        desc: "Sends client connection preface",
        requirement: "The server connection preface MUST be the first frame the server sends in the HTTP/2 connection.",
        client_requirement: None,
        note: "(RFC 9113 §3.4.) As h2spec 2.6.0: after the preface and a SETTINGS frame (INITIAL_WINDOW_SIZE 65535), the first frame that arrives is a SETTINGS frame without ACK.",
        script: Fresh {
            input: &[Bytes(PREFACE), Settings(&[(IWS, 65_535)])],
            expect: &[
                Accepted,
                FirstFrame {
                    kind: kind::SETTINGS,
                    flags: 0,
                    mask: 0xff,
                },
            ],
        },
    },
    Case {
        server: Some("http2/3.5/2"),
        client: None,
        follows: V2_6_0,
        desc: "Sends invalid connection preface",
        requirement: "The endpoint MUST terminate the TCP connection.",
        client_requirement: None,
        note: "(RFC 9113 §3.4: an invalid preface is a connection error of type PROTOCOL_ERROR.)",
        script: Fresh {
            input: &[Bytes(b"INVALID CONNECTION PREFACE\r\n\r\n")],
            expect: &[Refused(ErrorCode::PROTOCOL_ERROR)],
        },
    },
    Case {
        server: Some("http2/4.1/1"),
        client: Some("client/4.1/1"),
        follows: V2_6_0,
        desc: "Sends a frame with unknown type",
        requirement: "The endpoint MUST ignore and discard any frame that has a type that is unknown.",
        client_requirement: None,
        note: "(RFC 9113 §4.1.)",
        script: Handshaken {
            blocks: &[],
            steps: &[
                Send(&[Raw(0x16, 0, 0, &[0; 8]), Ping(0, ZERO8)]),
                Expect(PingAck(ZERO8)),
            ],
        },
    },
    Case {
        server: Some("http2/4.1/2"),
        client: Some("client/4.1/2"),
        follows: V2_6_0,
        desc: "Sends a frame with undefined flag",
        requirement: "The endpoint MUST ignore any flags that is undefined.",
        client_requirement: None,
        note: "(RFC 9113 §4.1.)",
        script: Handshaken {
            blocks: &[],
            steps: &[
                Send(&[Raw(kind::PING, 0x16, 0, &[0; 8])]),
                Expect(Got(kind::PING)),
            ],
        },
    },
    Case {
        server: Some("http2/4.1/3"),
        client: Some("client/4.1/3"),
        follows: V2_6_0,
        desc: "Sends a frame with reserved field bit",
        requirement: "The endpoint MUST ignore the value of reserved field.",
        client_requirement: None,
        note: "(RFC 9113 §4.1.)",
        script: Handshaken {
            blocks: &[],
            steps: &[
                Send(&[Raw(kind::PING, 0x16, 0x8000_0000, &[0; 8])]),
                Expect(Got(kind::PING)),
            ],
        },
    },
    Case {
        server: Some("http2/4.2/1"),
        client: None,
        follows: V2_6_0,
        desc: "Sends a DATA frame with 2^14 octets in length",
        requirement: "The endpoint MUST be capable of receiving and minimally processing frames up to 2^14 octets in length.",
        client_requirement: None,
        note: "(RFC 9113 §4.2.)",
        script: Handshaken {
            blocks: &[&[Post(&[])]],
            steps: &[
                Send(&[Headers(S1, EH, B0), DataOf(S1, ES, b'x', 16_384)]),
                Expect(Response(S1)),
            ],
        },
    },
    Case {
        server: None,
        client: Some("client/4.2/1"),
        follows: V2_6_0,
        desc: "Sends a DATA frame with 2^14 octets in length",
        requirement: "The endpoint MUST be capable of receiving and minimally processing frames up to 2^14 octets in length.",
        client_requirement: None,
        note: "(RFC 9113 §4.2.)",
        script: Handshaken {
            blocks: &[&[Common]],
            steps: &[
                Send(&[
                    Headers(S1, EH, B0),
                    DataOf(S1, ES, b'x', 16_384),
                    Ping(0, ZERO8),
                ]),
                Expect(PingAck(ZERO8)),
                Expect(BodyLen(16_384)),
            ],
        },
    },
    Case {
        server: Some("http2/4.2/2"),
        client: Some("client/4.2/2"),
        follows: V2_6_0,
        desc: "Sends a large size DATA frame that exceeds the SETTINGS_MAX_FRAME_SIZE",
        requirement: "The endpoint MUST send an error code of FRAME_SIZE_ERROR.",
        client_requirement: None,
        note: "(RFC 9113 §4.2; h2spec checks it as a stream error.)",
        script: Handshaken {
            blocks: &[&[Post(&[])]],
            steps: &[
                Send(&[Headers(S1, EH, B0), DataOf(S1, ES, b'x', 16_385)]),
                Expect(StreamError(S1, FRAME_SIZE)),
            ],
        },
    },
    Case {
        server: Some("http2/4.2/3"),
        client: Some("client/4.2/3"),
        follows: V2_6_0,
        desc: "Sends a large size HEADERS frame that exceeds the SETTINGS_MAX_FRAME_SIZE",
        requirement: "The endpoint MUST respond with a connection error of type FRAME_SIZE_ERROR.",
        client_requirement: None,
        note: "(RFC 9113 §4.2.)",
        script: Handshaken {
            blocks: &[&[Common, Dummy(5)]],
            steps: &[
                Expect(BlockLonger(0, 16_384)),
                Send(&[Headers(S1, END, B0)]),
                Expect(ConnError(FRAME_SIZE)),
            ],
        },
    },
    Case {
        server: Some("http2/4.3/1"),
        client: Some("client/4.3/1"),
        follows: V2_6_0,
        desc: "Sends invalid header block fragment",
        requirement: "The endpoint MUST terminate the connection with a connection error of type COMPRESSION_ERROR.",
        client_requirement: None,
        note: "(RFC 9113 §4.3: a literal with incremental indexing and nothing after it.) Against our client this is the case's intent, on the request's stream; the next row sends h2spec's client bytes as they are.",
        script: Handshaken {
            blocks: &[&[Rep(&[0x40])]],
            steps: &[
                Send(&[Headers(S1, END, B0)]),
                Expect(ConnError(COMPRESSION)),
            ],
        },
    },
    Case {
        server: None,
        client: Some("client/4.3/1"),
        follows: V2_6_0,
        desc: "Sends invalid header block fragment",
        requirement: "The endpoint MUST terminate the connection with a connection error of type COMPRESSION_ERROR.",
        client_requirement: None,
        note: "h2spec's own bytes for `client/4.3/1`: it writes the stream id little-endian, so its frame goes to stream 0x01000000, an idle server stream, where a PROTOCOL_ERROR for the stream id (RFC 9113 §5.1.1) is as right as the COMPRESSION_ERROR (h2spec passes on either, as it passes on the close that follows any GOAWAY).",
        script: Handshaken {
            blocks: &[],
            steps: &[
                Send(&[Bytes(&[0, 0, 1, 1, 5, 1, 0, 0, 0, 0x40])]),
                Expect(ConnError(COMPRESSION_OR_PROTOCOL)),
            ],
        },
    },
    Case {
        server: Some("http2/4.3/2"),
        client: None,
        follows: V2_6_0,
        desc: "Sends a PRIORITY frame while sending the header blocks",
        requirement: "The endpoint MUST terminate the connection with a connection error of type PROTOCOL_ERROR.",
        client_requirement: None,
        note: "(RFC 9113 §4.3: header blocks are contiguous.)",
        script: Handshaken {
            blocks: &[&[Common], &[Dummy(1)]],
            steps: &[
                Send(&[Headers(S1, 0, B0), Prio(S1, 0, 255), Cont(S1, EH, B1)]),
                Expect(ConnError(PROTOCOL)),
            ],
        },
    },
    Case {
        server: Some("http2/4.3/3"),
        client: None,
        follows: V2_6_0,
        desc: "Sends a HEADERS frame to another stream while sending the header blocks",
        requirement: "The endpoint MUST terminate the connection with a connection error of type PROTOCOL_ERROR.",
        client_requirement: None,
        note: "(RFC 9113 §4.3.)",
        script: Handshaken {
            blocks: &[&[Common], &[Common], &[Dummy(1)]],
            steps: &[
                Send(&[Headers(S1, 0, B0), Headers(S3, END, B1), Cont(S1, EH, B2)]),
                Expect(ConnError(PROTOCOL)),
            ],
        },
    },
    Case {
        server: Some("http2/5.1/1"),
        client: Some("client/5.1/1"),
        follows: V2_6_0,
        desc: "idle: Sends a DATA frame",
        requirement: "The endpoint MUST treat this as a connection error of type PROTOCOL_ERROR.",
        client_requirement: None,
        note: "(RFC 9113 §5.1, idle.) As h2spec 2.6.0; later revisions (commit f03bb16) also take a stream error.",
        script: Handshaken {
            blocks: &[],
            steps: &[
                Send(&[Data(Sid::Idle, ES, b"test")]),
                Expect(ConnError(PROTOCOL)),
            ],
        },
    },
    Case {
        server: Some("http2/5.1/2"),
        client: Some("client/5.1/2"),
        follows: V2_6_0,
        desc: "idle: Sends a RST_STREAM frame",
        requirement: "The endpoint MUST treat this as a connection error of type PROTOCOL_ERROR.",
        client_requirement: None,
        note: "(RFC 9113 §5.1, idle.)",
        script: Handshaken {
            blocks: &[],
            steps: &[Send(&[Rst(Sid::Idle, CANCEL)]), Expect(ConnError(PROTOCOL))],
        },
    },
    Case {
        server: Some("http2/5.1/3"),
        client: Some("client/5.1/3"),
        follows: V2_6_0,
        desc: "idle: Sends a WINDOW_UPDATE frame",
        requirement: "The endpoint MUST treat this as a connection error of type PROTOCOL_ERROR.",
        client_requirement: None,
        note: "(RFC 9113 §5.1, idle.)",
        script: Handshaken {
            blocks: &[],
            steps: &[Send(&[Wu(Sid::Idle, 100)]), Expect(ConnError(PROTOCOL))],
        },
    },
    Case {
        server: Some("http2/5.1/4"),
        client: Some("client/5.1/4"),
        follows: V2_6_0,
        desc: "idle: Sends a CONTINUATION frame",
        requirement: "The endpoint MUST treat this as a connection error of type PROTOCOL_ERROR.",
        client_requirement: None,
        note: "(RFC 9113 §5.1, idle.)",
        script: Handshaken {
            blocks: &[&[Common]],
            steps: &[
                Send(&[Cont(Sid::Idle, EH, B0)]),
                Expect(ConnError(PROTOCOL)),
            ],
        },
    },
    Case {
        server: Some("http2/5.1/5"),
        client: None,
        follows: V2_6_0,
        desc: "half closed (remote): Sends a DATA frame",
        requirement: "The endpoint MUST respond with a stream error of type STREAM_CLOSED.",
        client_requirement: None,
        note: "(RFC 9113 §5.1, half-closed (remote).)",
        script: Handshaken {
            blocks: &[&[Common]],
            steps: &[
                Send(&[Headers(S1, END, B0), Data(S1, ES, b"test")]),
                Expect(StreamError(S1, CLOSED)),
            ],
        },
    },
    Case {
        server: Some("http2/5.1/6"),
        client: None,
        follows: V2_6_0,
        desc: "half closed (remote): Sends a HEADERS frame",
        requirement: "The endpoint MUST respond with a stream error of type STREAM_CLOSED.",
        client_requirement: None,
        note: "(RFC 9113 §5.1, half-closed (remote).)",
        script: Handshaken {
            blocks: &[&[Common], &[Common]],
            steps: &[
                Send(&[Headers(S1, END, B0), Headers(S1, END, B1)]),
                Expect(StreamError(S1, CLOSED)),
            ],
        },
    },
    Case {
        server: Some("http2/5.1/7"),
        client: None,
        follows: V2_6_0,
        desc: "half closed (remote): Sends a CONTINUATION frame",
        requirement: "The endpoint MUST respond with a stream error of type STREAM_CLOSED.",
        client_requirement: None,
        note: "(RFC 9113 §5.1; h2spec also takes PROTOCOL_ERROR.)",
        script: Handshaken {
            blocks: &[&[Common]],
            steps: &[
                Send(&[Headers(S1, END, B0), Cont(S1, EH, B0)]),
                Expect(StreamError(S1, CLOSED_OR_PROTOCOL)),
            ],
        },
    },
    Case {
        server: Some("http2/5.1/8"),
        client: Some("client/5.1/5"),
        follows: V2_6_0,
        desc: "closed: Sends a DATA frame after sending RST_STREAM frame",
        requirement: "The endpoint MUST treat this as a stream error of type STREAM_CLOSED.",
        client_requirement: None,
        note: "(RFC 9113 §5.1, closed.)",
        script: Handshaken {
            blocks: &[&[Common]],
            steps: &[
                Send(&[Headers(S1, EH, B0), Rst(S1, CANCEL), Data(S1, ES, b"test")]),
                Expect(StreamError(S1, CLOSED)),
            ],
        },
    },
    Case {
        server: Some("http2/5.1/9"),
        client: Some("client/5.1/6"),
        follows: V2_6_0,
        desc: "closed: Sends a HEADERS frame after sending RST_STREAM frame",
        requirement: "The endpoint MUST treat this as a stream error of type STREAM_CLOSED.",
        client_requirement: None,
        note: "(RFC 9113 §5.1, closed.)",
        script: Handshaken {
            blocks: &[&[Common], &[Common]],
            steps: &[
                Send(&[Headers(S1, EH, B0), Rst(S1, CANCEL), Headers(S1, END, B1)]),
                Expect(StreamError(S1, CLOSED)),
            ],
        },
    },
    Case {
        server: Some("http2/5.1/10"),
        client: Some("client/5.1/7"),
        follows: V2_6_0,
        desc: "closed: Sends a CONTINUATION frame after sending RST_STREAM frame",
        requirement: "The endpoint MUST treat this as a stream error of type STREAM_CLOSED.",
        client_requirement: None,
        note: "(RFC 9113 §5.1; h2spec also takes PROTOCOL_ERROR.)",
        script: Handshaken {
            blocks: &[&[Common], &[Dummy(1)]],
            steps: &[
                Send(&[Headers(S1, EH, B0), Rst(S1, CANCEL), Cont(S1, EH, B1)]),
                Expect(StreamError(S1, CLOSED_OR_PROTOCOL)),
            ],
        },
    },
    Case {
        server: Some("http2/5.1/11"),
        client: None,
        follows: V2_6_0,
        desc: "closed: Sends a DATA frame",
        requirement: "The endpoint MUST treat this as a connection error of type STREAM_CLOSED.",
        client_requirement: None,
        note: "(RFC 9113 §5.1, closed: frames after END_STREAM.)",
        script: Handshaken {
            blocks: &[&[Common]],
            steps: &[
                Send(&[Headers(S1, END, B0)]),
                Expect(StreamEnded(S1)),
                Send(&[Data(S1, ES, b"test")]),
                Expect(ConnError(CLOSED)),
            ],
        },
    },
    Case {
        server: Some("http2/5.1/12"),
        client: None,
        follows: V2_6_0,
        desc: "closed: Sends a HEADERS frame",
        requirement: "The endpoint MUST treat this as a connection error of type STREAM_CLOSED.",
        client_requirement: None,
        note: "(RFC 9113 §5.1, closed.)",
        script: Handshaken {
            blocks: &[&[Common]],
            steps: &[
                Send(&[Headers(S1, END, B0)]),
                Expect(StreamEnded(S1)),
                Send(&[Headers(S1, END, B0)]),
                Expect(ConnError(CLOSED)),
            ],
        },
    },
    Case {
        server: Some("http2/5.1/13"),
        client: None,
        follows: V2_6_0,
        desc: "closed: Sends a CONTINUATION frame",
        requirement: "The endpoint MUST treat this as a connection error of type STREAM_CLOSED.",
        client_requirement: None,
        note: "(RFC 9113 §5.1; h2spec also takes PROTOCOL_ERROR.)",
        script: Handshaken {
            blocks: &[&[Common], &[Dummy(1)]],
            steps: &[
                Send(&[Headers(S1, END, B0)]),
                Expect(StreamEnded(S1)),
                Send(&[Cont(S1, EH, B1)]),
                Expect(ConnError(CLOSED_OR_PROTOCOL)),
            ],
        },
    },
    Case {
        server: None,
        client: Some("client/5.1/8"),
        follows: V2_6_0,
        desc: "closed: Sends a DATA frame",
        requirement: "The endpoint MUST treat this as a connection error of type STREAM_CLOSED.",
        client_requirement: None,
        note: "(RFC 9113 §5.1, closed: frames after END_STREAM.)",
        script: Handshaken {
            blocks: &[&[Common]],
            steps: &[
                Send(&[Headers(S1, END, B0), Data(S1, ES, b"test")]),
                Expect(ConnError(CLOSED)),
            ],
        },
    },
    Case {
        server: None,
        client: Some("client/5.1/9"),
        follows: V2_6_0,
        desc: "closed: Sends a HEADERS frame",
        requirement: "The endpoint MUST treat this as a connection error of type STREAM_CLOSED.",
        client_requirement: None,
        note: "(RFC 9113 §5.1, closed.)",
        script: Handshaken {
            blocks: &[&[Common]],
            steps: &[
                Send(&[Headers(S1, END, B0), Headers(S1, END, B0)]),
                Expect(ConnError(CLOSED)),
            ],
        },
    },
    Case {
        server: None,
        client: Some("client/5.1/10"),
        follows: V2_6_0,
        desc: "closed: Sends a CONTINUATION frame",
        requirement: "The endpoint MUST treat this as a connection error of type STREAM_CLOSED.",
        client_requirement: None,
        note: "(RFC 9113 §5.1; h2spec also takes PROTOCOL_ERROR.)",
        script: Handshaken {
            blocks: &[&[Common], &[Dummy(1)]],
            steps: &[
                Send(&[Headers(S1, END, B0), Cont(S1, EH, B1)]),
                Expect(ConnError(CLOSED_OR_PROTOCOL)),
            ],
        },
    },
    Case {
        server: Some("http2/5.1.1/1"),
        client: None,
        follows: V2_6_0,
        desc: "Sends even-numbered stream identifier",
        requirement: "The endpoint MUST respond with a connection error of type PROTOCOL_ERROR.",
        client_requirement: None,
        note: "(RFC 9113 §5.1.1.)",
        script: Handshaken {
            blocks: &[&[Common]],
            steps: &[
                Send(&[Headers(Sid::N(2), END, B0)]),
                Expect(ConnError(PROTOCOL)),
            ],
        },
    },
    Case {
        server: Some("http2/5.1.1/2"),
        client: None,
        follows: V2_6_0,
        desc: "Sends stream identifier that is numerically smaller than previous",
        requirement: "The endpoint MUST respond with a connection error of type PROTOCOL_ERROR.",
        client_requirement: None,
        note: "(RFC 9113 §5.1.1.)",
        script: Handshaken {
            blocks: &[&[Common], &[Common]],
            steps: &[
                Send(&[Headers(S5, END, B0), Headers(S3, END, B1)]),
                Expect(ConnError(PROTOCOL)),
            ],
        },
    },
    Case {
        server: Some("http2/5.1.1/3"),
        client: None,
        follows: Later2bfee85,
        desc: "Sends HEADERS frame with the stream which is in half-closed (remote) state",
        requirement: "The endpoint MUST respond with a RST_FRAME frame",
        client_requirement: None,
        note: "(checked as a stream error of type STREAM_CLOSED).",
        script: Handshaken {
            blocks: &[&[Common], &[Common]],
            steps: &[
                Send(&[Headers(S5, END, B0), Headers(S5, END, B1)]),
                Expect(StreamError(S5, CLOSED)),
            ],
        },
    },
    Case {
        server: None,
        client: Some("client/5.1.1/1"),
        follows: V2_6_0,
        desc: "Sends an unexpected stream identifier",
        requirement: "The endpoint MUST respond with a connection error of type PROTOCOL_ERROR.",
        client_requirement: None,
        note: "(RFC 9113 §5.1.1: a HEADERS on stream 101, which our client never opened.)",
        script: Handshaken {
            blocks: &[&[Common]],
            steps: &[
                Send(&[Headers(Sid::N(101), END, B0)]),
                Expect(ConnError(PROTOCOL)),
            ],
        },
    },
    Case {
        server: Some("http2/5.1.2/1"),
        client: None,
        follows: V2_6_0,
        desc: "Sends HEADERS frames that causes their advertised concurrent stream limit to be exceeded",
        requirement: "The endpoint MUST treat this as a stream error of type PROTOCOL_ERROR or REFUSED_STREAM.",
        client_requirement: None,
        note: "(RFC 9113 §5.1.2.)",
        script: Handshaken {
            blocks: &[],
            steps: &[
                Send(&[Settings(&[(IWS, 0)]), RequestsBeyondLimit]),
                Expect(StreamError(Sid::BeyondLimit, PROTOCOL_OR_REFUSED)),
            ],
        },
    },
    Case {
        server: Some("http2/5.3.1/1"),
        client: None,
        follows: V2_6_0,
        desc: "Sends HEADERS frame that depends on itself",
        requirement: "The endpoint MUST treat this as a stream error of type PROTOCOL_ERROR.",
        client_requirement: None,
        note: "(RFC 9113 §5.3.1.)",
        script: Handshaken {
            blocks: &[&[Common]],
            steps: &[
                Send(&[Block {
                    kind: kind::HEADERS,
                    flags: END | PRIORITY,
                    stream: S1,
                    pre: Pre::Bytes(&[0, 0, 0, 1, 255]),
                    block: B0,
                    post: &[],
                }]),
                Expect(StreamError(S1, PROTOCOL)),
            ],
        },
    },
    Case {
        server: Some("http2/5.3.1/2"),
        client: None,
        follows: V2_6_0,
        desc: "Sends PRIORITY frame that depend on itself",
        requirement: "The endpoint MUST treat this as a stream error of type PROTOCOL_ERROR.",
        client_requirement: None,
        note: "(RFC 9113 §5.3.1.)",
        script: Handshaken {
            blocks: &[],
            steps: &[Send(&[Prio(S1, 1, 255)]), Expect(StreamError(S1, PROTOCOL))],
        },
    },
    Case {
        server: Some("http2/5.4.1/1"),
        client: Some("client/5.4.1/1"),
        follows: V2_6_0,
        desc: "Sends an invalid PING frame for connection close",
        requirement: "The endpoint MUST close the TCP connection",
        client_requirement: None,
        note: "(RFC 9113 §5.4.1: after the GOAWAY for an error condition).",
        script: Handshaken {
            blocks: &[],
            steps: &[Send(&[Raw(kind::PING, 0, 3, &[0; 8])]), Expect(Closed)],
        },
    },
    Case {
        server: Some("http2/5.4.1/2"),
        client: Some("client/5.4.1/2"),
        follows: V2_6_0Strict,
        desc: "Sends an invalid PING frame to receive GOAWAY frame",
        requirement: "An endpoint that encounters a connection error SHOULD first send a GOAWAY frame",
        client_requirement: None,
        note: "(RFC 9113 §5.4.1).",
        script: Handshaken {
            blocks: &[],
            steps: &[Send(&[Raw(kind::PING, 0, 3, &[0; 8])]), Expect(GoAway)],
        },
    },
    Case {
        server: Some("http2/5.5/1"),
        client: Some("client/5.5/1"),
        follows: V2_6_0,
        desc: "Sends an unknown extension frame",
        requirement: "The endpoint MUST ignore unknown or unsupported values in all extensible protocol elements.",
        client_requirement: None,
        note: "(RFC 9113 §5.5.)",
        script: Handshaken {
            blocks: &[],
            steps: &[
                Send(&[Raw(0x16, 0, 0, &[0; 8]), Ping(0, ZERO8)]),
                Expect(PingAck(ZERO8)),
            ],
        },
    },
    Case {
        server: Some("http2/5.5/2"),
        client: None,
        follows: V2_6_0,
        desc: "Sends an unknown extension frame in the middle of a header block",
        requirement: "The endpoint MUST treat as a connection error of type PROTOCOL_ERROR.",
        client_requirement: None,
        note: "(RFC 9113 §5.5.)",
        script: Handshaken {
            blocks: &[&[Common]],
            steps: &[
                Send(&[Headers(S1, ES, B0), Raw(0x16, 0, 0, &[0; 8])]),
                Expect(ConnError(PROTOCOL)),
            ],
        },
    },
    Case {
        server: Some("http2/6.1/1"),
        client: Some("client/6.1/1"),
        follows: V2_6_0,
        desc: "Sends a DATA frame with 0x0 stream identifier",
        requirement: "The endpoint MUST respond with a connection error of type PROTOCOL_ERROR.",
        client_requirement: None,
        note: "(RFC 9113 §6.1.)",
        script: Handshaken {
            blocks: &[],
            steps: &[Send(&[Data(S0, ES, b"test")]), Expect(ConnError(PROTOCOL))],
        },
    },
    Case {
        server: Some("http2/6.1/2"),
        client: Some("client/6.1/2"),
        follows: V2_6_0,
        desc: "Sends a DATA frame on the stream that is not in \"open\" or \"half-closed (local)\" state",
        requirement: "The endpoint MUST respond with a stream error of type STREAM_CLOSED.",
        client_requirement: None,
        note: "(RFC 9113 §6.1.)",
        script: Handshaken {
            blocks: &[&[Post(&[])]],
            steps: &[
                Send(&[Headers(S1, END, B0), Data(S1, ES, b"test")]),
                Expect(StreamError(S1, CLOSED)),
            ],
        },
    },
    Case {
        server: Some("http2/6.1/3"),
        client: Some("client/6.1/3"),
        follows: V2_6_0,
        desc: "Sends a DATA frame with invalid pad length",
        requirement: "The endpoint MUST treat this as a connection error of type PROTOCOL_ERROR.",
        client_requirement: None,
        note: "(RFC 9113 §6.1: padding as long as the payload or longer.) h2spec's client case checks it as a stream error; the shared case wants the connection error of the requirement in both roles.",
        script: Handshaken {
            blocks: &[&[Post(&[("content-length", "4")])]],
            steps: &[
                Send(&[
                    Headers(S1, EH, B0),
                    Raw(kind::DATA, ES | PADDED, 1, b"\x06Test"),
                ]),
                Expect(ConnError(PROTOCOL)),
            ],
        },
    },
    Case {
        server: Some("http2/6.2/1"),
        client: Some("client/6.2/1"),
        follows: V2_6_0,
        desc: "Sends a HEADERS frame without the END_HEADERS flag, and a PRIORITY frame",
        requirement: "The endpoint MUST treat this as a connection error of type PROTOCOL_ERROR.",
        client_requirement: None,
        note: "(RFC 9113 §6.2, END_HEADERS.)",
        script: Handshaken {
            blocks: &[&[Common], &[Dummy(1)]],
            steps: &[
                Send(&[Headers(S1, 0, B0), Prio(S1, 0, 255), Cont(S1, EH, B1)]),
                Expect(ConnError(PROTOCOL)),
            ],
        },
    },
    Case {
        server: Some("http2/6.2/2"),
        client: None,
        follows: V2_6_0,
        desc: "Sends a HEADERS frame to another stream while sending a HEADERS frame",
        requirement: "The endpoint MUST treat this as a connection error of type PROTOCOL_ERROR.",
        client_requirement: None,
        note: "(RFC 9113 §6.2, END_HEADERS.)",
        script: Handshaken {
            blocks: &[&[Common], &[Common], &[Dummy(1)]],
            steps: &[
                Send(&[Headers(S1, 0, B0), Headers(S3, END, B1), Cont(S1, EH, B2)]),
                Expect(ConnError(PROTOCOL)),
            ],
        },
    },
    Case {
        server: Some("http2/6.2/3"),
        client: Some("client/6.2/2"),
        follows: V2_6_0,
        desc: "Sends a HEADERS frame with 0x0 stream identifier",
        requirement: "The endpoint MUST respond with a connection error of type PROTOCOL_ERROR.",
        client_requirement: None,
        note: "(RFC 9113 §6.2.)",
        script: Handshaken {
            blocks: &[&[Common]],
            steps: &[Send(&[Headers(S0, END, B0)]), Expect(ConnError(PROTOCOL))],
        },
    },
    Case {
        server: Some("http2/6.2/4"),
        client: None,
        follows: V2_6_0,
        desc: "Sends a HEADERS frame with invalid pad length",
        requirement: "The endpoint MUST treat this as a connection error of type PROTOCOL_ERROR.",
        client_requirement: None,
        note: "(RFC 9113 §6.2; h2spec checks it as a stream error.)",
        script: Handshaken {
            blocks: &[&[Common]],
            steps: &[
                Send(&[Block {
                    kind: kind::HEADERS,
                    flags: END | PADDED,
                    stream: S1,
                    pre: Pre::PadOverBlock(2),
                    block: B0,
                    post: &[],
                }]),
                Expect(StreamError(S1, PROTOCOL)),
            ],
        },
    },
    Case {
        server: None,
        client: Some("client/6.2/3"),
        follows: V2_6_0,
        desc: "Sends a HEADERS frame with invalid pad length",
        requirement: "The endpoint MUST treat this as a connection error of type PROTOCOL_ERROR.",
        client_requirement: None,
        note: "(RFC 9113 §6.2: pad length 17 in a frame of 2 octets, without END_HEADERS, as h2spec sends it; h2spec checks it as a stream error.)",
        script: Handshaken {
            blocks: &[&[Common]],
            steps: &[
                Send(&[Block {
                    kind: kind::HEADERS,
                    flags: PADDED,
                    stream: S1,
                    pre: Pre::Bytes(&[0x11]),
                    block: B0,
                    post: &[],
                }]),
                Expect(StreamError(S1, PROTOCOL)),
            ],
        },
    },
    Case {
        server: Some("http2/6.3/1"),
        client: Some("client/6.3/1"),
        follows: V2_6_0,
        desc: "Sends a PRIORITY frame with 0x0 stream identifier",
        requirement: "The endpoint MUST respond with a connection error of type PROTOCOL_ERROR.",
        client_requirement: None,
        note: "(RFC 9113 §6.3.)",
        script: Handshaken {
            blocks: &[],
            steps: &[Send(&[Prio(S0, 0, 255)]), Expect(ConnError(PROTOCOL))],
        },
    },
    Case {
        server: Some("http2/6.3/2"),
        client: Some("client/6.3/2"),
        follows: V2_6_0,
        desc: "Sends a PRIORITY frame with a length other than 5 octets",
        requirement: "The endpoint MUST respond with a stream error of type FRAME_SIZE_ERROR.",
        client_requirement: None,
        note: "(RFC 9113 §6.3.)",
        script: Handshaken {
            blocks: &[&[Common]],
            steps: &[
                Send(&[
                    Headers(S1, END, B0),
                    Raw(kind::PRIORITY, 0, 1, &[0x80, 0, 0, 1]),
                ]),
                Expect(StreamError(S1, FRAME_SIZE)),
            ],
        },
    },
    Case {
        server: Some("http2/6.4/1"),
        client: Some("client/6.4/1"),
        follows: V2_6_0,
        desc: "Sends a RST_STREAM frame with 0x0 stream identifier",
        requirement: "The endpoint MUST respond with a connection error of type PROTOCOL_ERROR.",
        client_requirement: None,
        note: "(RFC 9113 §6.4.)",
        script: Handshaken {
            blocks: &[],
            steps: &[Send(&[Rst(S0, CANCEL)]), Expect(ConnError(PROTOCOL))],
        },
    },
    Case {
        server: Some("http2/6.4/2"),
        client: Some("client/6.4/2"),
        follows: V2_6_0,
        desc: "Sends a RST_STREAM frame on a idle stream",
        requirement: "The endpoint MUST respond with a connection error of type PROTOCOL_ERROR.",
        client_requirement: None,
        note: "(RFC 9113 §6.4.)",
        script: Handshaken {
            blocks: &[],
            steps: &[Send(&[Rst(Sid::Idle, CANCEL)]), Expect(ConnError(PROTOCOL))],
        },
    },
    Case {
        server: Some("http2/6.4/3"),
        client: Some("client/6.4/3"),
        follows: V2_6_0,
        desc: "Sends a RST_STREAM frame with a length other than 4 octets",
        requirement: "The endpoint MUST respond with a connection error of type FRAME_SIZE_ERROR.",
        client_requirement: None,
        note: "(RFC 9113 §6.4; h2spec checks it as a stream error.)",
        script: Handshaken {
            blocks: &[&[Common]],
            steps: &[
                Send(&[Headers(S1, END, B0), Raw(kind::RST_STREAM, 0, 1, &[0; 3])]),
                Expect(StreamError(S1, FRAME_SIZE)),
            ],
        },
    },
    Case {
        server: Some("http2/6.5/1"),
        client: Some("client/6.5/1"),
        follows: V2_6_0,
        desc: "Sends a SETTINGS frame with ACK flag and payload",
        requirement: "The endpoint MUST respond with a connection error of type FRAME_SIZE_ERROR.",
        client_requirement: None,
        note: "(RFC 9113 §6.5.)",
        script: Handshaken {
            blocks: &[],
            steps: &[
                Send(&[Raw(kind::SETTINGS, ACK, 0, &[0])]),
                Expect(ConnError(FRAME_SIZE)),
            ],
        },
    },
    Case {
        server: Some("http2/6.5/2"),
        client: Some("client/6.5/2"),
        follows: V2_6_0,
        desc: "Sends a SETTINGS frame with a stream identifier other than 0x0",
        requirement: "The endpoint MUST respond with a connection error of type PROTOCOL_ERROR.",
        client_requirement: None,
        note: "(RFC 9113 §6.5.)",
        script: Handshaken {
            blocks: &[],
            steps: &[
                Send(&[Raw(kind::SETTINGS, 0, 1, &[0, 3, 0, 0, 0, 100])]),
                Expect(ConnError(PROTOCOL)),
            ],
        },
    },
    Case {
        server: Some("http2/6.5/3"),
        client: Some("client/6.5/3"),
        follows: V2_6_0,
        desc: "Sends a SETTINGS frame with a length other than a multiple of 6 octets",
        requirement: "The endpoint MUST respond with a connection error of type FRAME_SIZE_ERROR.",
        client_requirement: None,
        note: "(RFC 9113 §6.5; h2spec takes PROTOCOL_ERROR or FRAME_SIZE_ERROR.)",
        script: Handshaken {
            blocks: &[],
            steps: &[
                Send(&[Raw(kind::SETTINGS, 0, 0, &[0, 3, 0])]),
                Expect(ConnError(PROTOCOL_OR_FRAME_SIZE)),
            ],
        },
    },
    Case {
        server: Some("http2/6.5.2/1"),
        client: None,
        follows: V2_6_0,
        desc: "SETTINGS_ENABLE_PUSH (0x2): Sends the value other than 0 or 1",
        requirement: "The endpoint MUST treat this as a connection error of type PROTOCOL_ERROR.",
        client_requirement: None,
        note: "(RFC 9113 §6.5.2.)",
        script: Handshaken {
            blocks: &[],
            steps: &[
                Send(&[Settings(&[(id::ENABLE_PUSH, 2)])]),
                Expect(ConnError(PROTOCOL)),
            ],
        },
    },
    Case {
        server: Some("http2/6.5.2/2"),
        client: Some("client/6.5.2/1"),
        follows: V2_6_0,
        desc: "SETTINGS_INITIAL_WINDOW_SIZE (0x4): Sends the value above the maximum flow control window size",
        requirement: "The endpoint MUST treat this as a connection error of type FLOW_CONTROL_ERROR.",
        client_requirement: None,
        note: "(RFC 9113 §6.5.2.)",
        script: Handshaken {
            blocks: &[],
            steps: &[
                Send(&[Settings(&[(IWS, 1 << 31)])]),
                Expect(ConnError(FLOW)),
            ],
        },
    },
    Case {
        server: Some("http2/6.5.2/3"),
        client: Some("client/6.5.2/2"),
        follows: V2_6_0,
        desc: "SETTINGS_MAX_FRAME_SIZE (0x5): Sends the value below the initial value",
        requirement: "The endpoint MUST treat this as a connection error of type PROTOCOL_ERROR.",
        client_requirement: None,
        note: "(RFC 9113 §6.5.2.)",
        script: Handshaken {
            blocks: &[],
            steps: &[
                Send(&[Settings(&[(id::MAX_FRAME_SIZE, 16_383)])]),
                Expect(ConnError(PROTOCOL)),
            ],
        },
    },
    Case {
        server: Some("http2/6.5.2/4"),
        client: Some("client/6.5.2/3"),
        follows: V2_6_0,
        desc: "SETTINGS_MAX_FRAME_SIZE (0x5): Sends the value above the maximum allowed frame size",
        requirement: "The endpoint MUST treat this as a connection error of type PROTOCOL_ERROR.",
        client_requirement: None,
        note: "(RFC 9113 §6.5.2.)",
        script: Handshaken {
            blocks: &[],
            steps: &[
                Send(&[Settings(&[(id::MAX_FRAME_SIZE, 16_777_216)])]),
                Expect(ConnError(PROTOCOL)),
            ],
        },
    },
    Case {
        server: Some("http2/6.5.2/5"),
        client: Some("client/6.5.2/4"),
        follows: V2_6_0,
        desc: "Sends a SETTINGS frame with unknown identifier",
        requirement: "The endpoint MUST ignore that setting.",
        client_requirement: None,
        note: "(RFC 9113 §6.5.2.)",
        script: Handshaken {
            blocks: &[],
            steps: &[
                Send(&[Settings(&[(0xff, 1)]), Ping(0, ZERO8)]),
                Expect(PingAck(ZERO8)),
            ],
        },
    },
    Case {
        server: Some("http2/6.5.3/1"),
        client: None,
        follows: V2_6_0,
        desc: "Sends multiple values of SETTINGS_INITIAL_WINDOW_SIZE",
        requirement: "The endpoint MUST process the values in the settings in the order they apper.",
        client_requirement: None,
        note: "(RFC 9113 §6.5.3: 100 then 1, so the first DATA frame carries 1 octet.)",
        script: Handshaken {
            blocks: &[&[Common]],
            steps: &[
                Send(&[Settings(&[(IWS, 100), (IWS, 1)])]),
                Expect(SettingsAcked),
                Send(&[Headers(S1, END, B0)]),
                Expect(FirstDataLen(S1, 1)),
            ],
        },
    },
    Case {
        server: Some("http2/6.5.3/2"),
        client: Some("client/6.5.3/1"),
        follows: V2_6_0,
        desc: "Sends a SETTINGS frame without ACK flag",
        requirement: "The endpoint MUST immediately emit a SETTINGS frame with the ACK flag set.",
        client_requirement: None,
        note: "(RFC 9113 §6.5.3.) The ACK must have flags exactly ACK and an empty payload, in both roles.",
        script: Handshaken {
            blocks: &[],
            steps: &[
                Send(&[Settings(&[(id::ENABLE_PUSH, 0)])]),
                Expect(SettingsAckEmpty),
            ],
        },
    },
    Case {
        server: Some("http2/6.7/1"),
        client: Some("client/6.7/1"),
        follows: V2_6_0,
        desc: "Sends a PING frame",
        requirement: "The endpoint MUST sends a PING frame with ACK, with an identical payload.",
        client_requirement: None,
        note: "(RFC 9113 §6.7.)",
        script: Handshaken {
            blocks: &[],
            steps: &[Send(&[Ping(0, H2SPEC8)]), Expect(PingAck(H2SPEC8))],
        },
    },
    Case {
        server: Some("http2/6.7/2"),
        client: Some("client/6.7/2"),
        follows: V2_6_0,
        desc: "Sends a PING frame with ACK",
        requirement: "The endpoint MUST NOT respond to PING frames with ACK.",
        client_requirement: None,
        note: "(RFC 9113 §6.7.)",
        script: Handshaken {
            blocks: &[],
            steps: &[
                Send(&[Ping(ACK, *b"invalid\0"), Ping(0, H2SPEC8)]),
                Expect(PingAck(H2SPEC8)),
                Expect(NoPing(*b"invalid\0")),
            ],
        },
    },
    Case {
        server: Some("http2/6.7/3"),
        client: Some("client/6.7/3"),
        follows: V2_6_0,
        desc: "Sends a PING frame with a stream identifier field value other than 0x0",
        requirement: "The endpoint MUST respond with a connection error of type PROTOCOL_ERROR.",
        client_requirement: None,
        note: "(RFC 9113 §6.7.)",
        script: Handshaken {
            blocks: &[],
            steps: &[
                Send(&[Raw(kind::PING, 0, 1, &[0; 8])]),
                Expect(ConnError(PROTOCOL)),
            ],
        },
    },
    Case {
        server: Some("http2/6.7/4"),
        client: Some("client/6.7/4"),
        follows: V2_6_0,
        desc: "Sends a PING frame with a length field value other than 8",
        requirement: "The endpoint MUST treat this as a connection error of type FRAME_SIZE_ERROR.",
        client_requirement: None,
        note: "(RFC 9113 §6.7.)",
        script: Handshaken {
            blocks: &[],
            steps: &[
                Send(&[Raw(kind::PING, 0, 0, &[0; 6])]),
                Expect(ConnError(FRAME_SIZE)),
            ],
        },
    },
    Case {
        server: Some("http2/6.8/1"),
        client: Some("client/6.8/1"),
        follows: V2_6_0,
        desc: "Sends a GOAWAY frame with a stream identifier other than 0x0",
        requirement: "The endpoint MUST treated as a connection error of type PROTOCOL_ERROR.",
        client_requirement: Some(
            "The endpoint MUST treat this as a connection error of type PROTOCOL_ERROR.",
        ),
        note: "(RFC 9113 §6.8.)",
        script: Handshaken {
            blocks: &[],
            steps: &[
                Send(&[Raw(kind::GOAWAY, 0, 1, &[0; 8])]),
                Expect(ConnError(PROTOCOL)),
            ],
        },
    },
    Case {
        server: Some("http2/6.9/1"),
        client: Some("client/6.9/1"),
        follows: V2_6_0,
        desc: "Sends a WINDOW_UPDATE frame with a flow control window increment of 0",
        requirement: "The endpoint MUST respond with a connection error of type PROTOCOL_ERROR.",
        client_requirement: Some(
            "The endpoint MUST treat this as a connection error of type PROTOCOL_ERROR.",
        ),
        note: "(RFC 9113 §6.9.)",
        script: Handshaken {
            blocks: &[],
            steps: &[Send(&[Wu(S0, 0)]), Expect(ConnError(PROTOCOL))],
        },
    },
    Case {
        server: Some("http2/6.9/2"),
        client: Some("client/6.9/2"),
        follows: V2_6_0,
        desc: "Sends a WINDOW_UPDATE frame with a flow control window increment of 0 on a stream",
        requirement: "The endpoint MUST respond with a stream error of type PROTOCOL_ERROR.",
        client_requirement: Some(
            "The endpoint MUST treat this as a connection error of type PROTOCOL_ERROR.",
        ),
        note: "(RFC 9113 §6.9.)",
        script: Handshaken {
            blocks: &[&[Common]],
            steps: &[
                Send(&[Headers(S1, EH, B0), Wu(S1, 0)]),
                Expect(StreamError(S1, PROTOCOL)),
            ],
        },
    },
    Case {
        server: Some("http2/6.9/3"),
        client: Some("client/6.9/3"),
        follows: V2_6_0,
        desc: "Sends a WINDOW_UPDATE frame with a length other than 4 octets",
        requirement: "The endpoint MUST treated as a connection error of type FRAME_SIZE_ERROR.",
        client_requirement: Some(
            "The endpoint MUST treat this as a connection error of type FRAME_SIZE_ERROR.",
        ),
        note: "(RFC 9113 §6.9.)",
        script: Handshaken {
            blocks: &[],
            steps: &[
                Send(&[Raw(kind::WINDOW_UPDATE, 0, 0, &[0, 0, 1])]),
                Expect(ConnError(FRAME_SIZE)),
            ],
        },
    },
    Case {
        server: Some("http2/6.9.1/1"),
        client: None,
        follows: V2_6_0,
        desc: "Sends SETTINGS frame to set the initial window size to 1 and sends HEADERS frame",
        requirement: "The endpoint MUST NOT send a flow-controlled frame with a length that exceeds the space available.",
        client_requirement: None,
        note: "(RFC 9113 §6.9.1.)",
        script: Handshaken {
            blocks: &[&[Common]],
            steps: &[
                Send(&[Settings(&[(IWS, 1)])]),
                Expect(SettingsAcked),
                Send(&[Headers(S1, END, B0)]),
                Expect(FirstDataLen(S1, 1)),
            ],
        },
    },
    Case {
        server: Some("http2/6.9.1/2"),
        client: Some("client/6.9.1/1"),
        follows: V2_6_0,
        desc: "Sends multiple WINDOW_UPDATE frames increasing the flow control window to above 2^31-1",
        requirement: "The endpoint MUST sends a GOAWAY frame with a FLOW_CONTROL_ERROR code.",
        client_requirement: None,
        note: "(RFC 9113 §6.9.1.)",
        script: Handshaken {
            blocks: &[],
            steps: &[
                Send(&[Wu(S0, 0x7fff_ffff), Wu(S0, 0x7fff_ffff)]),
                Expect(ConnError(FLOW)),
            ],
        },
    },
    Case {
        server: Some("http2/6.9.1/3"),
        client: Some("client/6.9.1/2"),
        follows: V2_6_0,
        desc: "Sends multiple WINDOW_UPDATE frames increasing the flow control window to above 2^31-1 on a stream",
        requirement: "The endpoint MUST sends a RST_STREAM frame with a FLOW_CONTROL_ERROR code.",
        client_requirement: None,
        note: "(RFC 9113 §6.9.1; h2spec wants the RST_STREAM itself.)",
        script: Handshaken {
            blocks: &[&[Common]],
            steps: &[
                Send(&[
                    Headers(S1, EH, B0),
                    Wu(S1, 0x7fff_ffff),
                    Wu(S1, 0x7fff_ffff),
                ]),
                Expect(RstCode(S1, ErrorCode::FLOW_CONTROL_ERROR)),
            ],
        },
    },
    Case {
        server: Some("http2/6.9.2/1"),
        client: None,
        follows: V2_6_0,
        desc: "Changes SETTINGS_INITIAL_WINDOW_SIZE after sending HEADERS frame",
        requirement: "The endpoint MUST adjust the size of all stream flow-control windows.",
        client_requirement: None,
        note: "(RFC 9113 §6.9.2.)",
        script: Handshaken {
            blocks: &[&[Common]],
            steps: &[
                Send(&[Settings(&[(IWS, 0)])]),
                Expect(SettingsAcked),
                Send(&[Headers(S1, END, B0)]),
                Send(&[Settings(&[(IWS, 1)])]),
                Expect(SettingsAcked),
                Expect(FirstDataLen(S1, 1)),
            ],
        },
    },
    Case {
        server: Some("http2/6.9.2/2"),
        client: None,
        follows: V2_6_0,
        desc: "Sends a SETTINGS frame for window size to be negative",
        requirement: "The endpoint MUST track the negative flow-control window.",
        client_requirement: None,
        note: "(RFC 9113 §6.9.2: window 3, 3 octets sent, initial size lowered to 2 makes it -1; an increment of 2 allows 1 octet.)",
        script: Handshaken {
            blocks: &[&[Common]],
            steps: &[
                Send(&[Settings(&[(IWS, 3)])]),
                Expect(SettingsAcked),
                Send(&[Headers(S1, END, B0)]),
                Expect(DataLens(S1, &[3])),
                Send(&[Settings(&[(IWS, 2)])]),
                Expect(SettingsAcked),
                Send(&[Wu(S1, 2)]),
                Expect(DataLens(S1, &[3, 1])),
            ],
        },
    },
    Case {
        server: Some("http2/6.9.2/3"),
        client: None,
        follows: V2_6_0,
        desc: "Sends a SETTINGS_INITIAL_WINDOW_SIZE settings with an exceeded maximum window size value",
        requirement: "The endpoint MUST treat this as a connection error of type FLOW_CONTROL_ERROR.",
        client_requirement: None,
        note: "(RFC 9113 §6.9.2.)",
        script: Handshaken {
            blocks: &[],
            steps: &[
                Send(&[Settings(&[(IWS, 0x8000_0000)])]),
                Expect(ConnError(FLOW)),
            ],
        },
    },
    Case {
        server: Some("http2/6.10/1"),
        client: None,
        follows: V2_6_0,
        desc: "Sends multiple CONTINUATION frames preceded by a HEADERS frame",
        requirement: "The endpoint must accept the frame.",
        client_requirement: None,
        note: "(RFC 9113 §6.10.)",
        script: Handshaken {
            blocks: &[&[Common], &[Dummy(1)], &[Dummy(1)]],
            steps: &[
                Send(&[Headers(S1, ES, B0), Cont(S1, 0, B1), Cont(S1, EH, B2)]),
                Expect(Response(S1)),
            ],
        },
    },
    Case {
        server: None,
        client: Some("client/6.10/1"),
        follows: V2_6_0,
        desc: "Sends multiple CONTINUATION frames preceded by a HEADERS frame",
        requirement: "The endpoint must accept the frame.",
        client_requirement: None,
        note: "(RFC 9113 §6.10.)",
        script: Handshaken {
            blocks: &[&[Common], &[Dummy(1)], &[Dummy(1)]],
            steps: &[
                Send(&[
                    Headers(S1, ES, B0),
                    Cont(S1, 0, B1),
                    Cont(S1, EH, B2),
                    Ping(0, ZERO8),
                ]),
                Expect(PingAck(ZERO8)),
                Expect(Heads(1)),
            ],
        },
    },
    Case {
        server: Some("http2/6.10/2"),
        client: Some("client/6.10/2"),
        follows: V2_6_0,
        desc: "Sends a CONTINUATION frame followed by any frame other than CONTINUATION",
        requirement: "The endpoint MUST treat this as a connection error of type PROTOCOL_ERROR.",
        client_requirement: None,
        note: "(RFC 9113 §6.10.)",
        script: Handshaken {
            blocks: &[&[Post(&[])], &[Dummy(1)]],
            steps: &[
                Send(&[Headers(S1, 0, B0), Cont(S1, 0, B1), Data(S1, ES, b"test")]),
                Expect(ConnError(PROTOCOL)),
            ],
        },
    },
    Case {
        server: Some("http2/6.10/3"),
        client: Some("client/6.10/3"),
        follows: V2_6_0,
        desc: "Sends a CONTINUATION frame with 0x0 stream identifier",
        requirement: "The endpoint MUST respond with a connection error of type PROTOCOL_ERROR.",
        client_requirement: None,
        note: "(RFC 9113 §6.10.)",
        script: Handshaken {
            blocks: &[&[Common], &[Dummy(1)]],
            steps: &[
                Send(&[Headers(S1, ES, B0), Cont(S0, EH, B1)]),
                Expect(ConnError(PROTOCOL)),
            ],
        },
    },
    Case {
        server: Some("http2/6.10/4"),
        client: Some("client/6.10/4"),
        follows: V2_6_0,
        desc: "Sends a CONTINUATION frame preceded by a HEADERS frame with END_HEADERS flag",
        requirement: "The endpoint MUST respond with a connection error of type PROTOCOL_ERROR.",
        client_requirement: None,
        note: "(RFC 9113 §6.10.)",
        script: Handshaken {
            blocks: &[&[Common], &[Dummy(1)]],
            steps: &[
                Send(&[Headers(S1, END, B0), Cont(S1, EH, B1)]),
                Expect(ConnError(PROTOCOL)),
            ],
        },
    },
    Case {
        server: Some("http2/6.10/5"),
        client: Some("client/6.10/5"),
        follows: V2_6_0,
        desc: "Sends a CONTINUATION frame preceded by a CONTINUATION frame with END_HEADERS flag",
        requirement: "The endpoint MUST respond with a connection error of type PROTOCOL_ERROR.",
        client_requirement: None,
        note: "(RFC 9113 §6.10.)",
        script: Handshaken {
            blocks: &[&[Common], &[Dummy(1)], &[Dummy(1)]],
            steps: &[
                Send(&[Headers(S1, ES, B0), Cont(S1, EH, B1), Cont(S1, EH, B2)]),
                Expect(ConnError(PROTOCOL)),
            ],
        },
    },
    Case {
        server: Some("http2/6.10/6"),
        client: Some("client/6.10/6"),
        follows: V2_6_0,
        desc: "Sends a CONTINUATION frame preceded by a DATA frame",
        requirement: "The endpoint MUST respond with a connection error of type PROTOCOL_ERROR.",
        client_requirement: None,
        note: "(RFC 9113 §6.10.)",
        script: Handshaken {
            blocks: &[&[Post(&[])], &[Dummy(1)], &[Dummy(1)]],
            steps: &[
                Send(&[
                    Headers(S1, 0, B0),
                    Data(S1, ES, b"test"),
                    Cont(S1, 0, B1),
                    Cont(S0, EH, B2),
                ]),
                Expect(ConnError(PROTOCOL)),
            ],
        },
    },
    Case {
        server: Some("http2/7/1"),
        client: None,
        follows: V2_6_0,
        desc: "Sends a GOAWAY frame with unknown error code",
        requirement: "The endpoint MUST NOT trigger any special behavior.",
        client_requirement: None,
        note: "(RFC 9113 §7.) h2spec 2.6.0 sends a PING after the GOAWAY and takes its ACK (with its payload) or a closed connection; we want both: the ACK, and the connection over since no stream is open.",
        script: Handshaken {
            blocks: &[],
            steps: &[
                Send(&[
                    Raw(kind::GOAWAY, 0, 0, &[0, 0, 0, 0, 0, 0, 0, 0xff]),
                    Ping(0, H2SPEC8),
                ]),
                Expect(PingAck(H2SPEC8)),
                Expect(Closed),
            ],
        },
    },
    Case {
        server: Some("http2/7/2"),
        client: None,
        follows: V2_6_0,
        desc: "Sends a RST_STREAM frame with unknown error code",
        requirement: "The endpoint MUST NOT trigger any special behavior.",
        client_requirement: None,
        note: "(RFC 9113 §7.) h2spec 2.6.0 wants the PING ACK with the payload sent (later revisions, commit 3dd9398, also take a connection close).",
        script: Handshaken {
            blocks: &[&[Post(&[])]],
            steps: &[
                Send(&[Headers(S1, EH, B0), Rst(S1, 0xff), Ping(0, ZERO8)]),
                Expect(PingAck(ZERO8)),
            ],
        },
    },
    Case {
        server: Some("http2/8.1/1"),
        client: None,
        follows: V2_6_0,
        desc: "Sends a second HEADERS frame without the END_STREAM flag",
        requirement: "The endpoint MUST respond with a stream error of type PROTOCOL_ERROR.",
        client_requirement: None,
        note: "(RFC 9113 §8.1: a trailer section must end the stream.)",
        script: Handshaken {
            blocks: &[&[Post(&[])], &[Fields(&[("x-test", "ok")])]],
            steps: &[
                Send(&[
                    Headers(S1, EH, B0),
                    Data(S1, 0, b"test"),
                    Headers(S1, EH, B1),
                ]),
                Expect(StreamError(S1, PROTOCOL)),
            ],
        },
    },
    Case {
        server: Some("http2/8.1.2/1"),
        client: None,
        follows: V2_6_0,
        desc: "Sends a HEADERS frame that contains the header field name in uppercase letters",
        requirement: "The endpoint MUST respond with a stream error of type PROTOCOL_ERROR.",
        client_requirement: None,
        note: "(RFC 9113 §8.2.)",
        script: Handshaken {
            blocks: &[&[Fields(&[GET, SCHEME, PATH, AUTHORITY, ("X-TEST", "ok")])]],
            steps: &[
                Send(&[Headers(S1, END, B0)]),
                Expect(StreamError(S1, PROTOCOL)),
            ],
        },
    },
    Case {
        server: Some("http2/8.1.2.1/1"),
        client: None,
        follows: V2_6_0,
        desc: "Sends a HEADERS frame that contains a unknown pseudo-header field",
        requirement: "The endpoint MUST respond with a stream error of type PROTOCOL_ERROR.",
        client_requirement: None,
        note: "(RFC 9113 §8.3.)",
        script: Handshaken {
            blocks: &[&[Fields(&[GET, SCHEME, PATH, AUTHORITY, (":test", "ok")])]],
            steps: &[
                Send(&[Headers(S1, END, B0)]),
                Expect(StreamError(S1, PROTOCOL)),
            ],
        },
    },
    Case {
        server: Some("http2/8.1.2.1/2"),
        client: None,
        follows: V2_6_0,
        desc: "Sends a HEADERS frame that contains the pseudo-header field defined for response",
        requirement: "The endpoint MUST respond with a stream error of type PROTOCOL_ERROR.",
        client_requirement: None,
        note: "(RFC 9113 §8.3.)",
        script: Handshaken {
            blocks: &[&[Fields(&[GET, SCHEME, PATH, AUTHORITY, (":status", "200")])]],
            steps: &[
                Send(&[Headers(S1, END, B0)]),
                Expect(StreamError(S1, PROTOCOL)),
            ],
        },
    },
    Case {
        server: Some("http2/8.1.2.1/3"),
        client: None,
        follows: V2_6_0,
        desc: "Sends a HEADERS frame that contains a pseudo-header field as trailers",
        requirement: "The endpoint MUST respond with a stream error of type PROTOCOL_ERROR.",
        client_requirement: None,
        note: "(RFC 9113 §8.3. As in h2spec's source, the trailers do not carry END_STREAM.)",
        script: Handshaken {
            blocks: &[&[Post(&[])], &[Fields(&[(":method", "POST")])]],
            steps: &[
                Send(&[
                    Headers(S1, EH, B0),
                    Data(S1, 0, b"test"),
                    Headers(S1, EH, B1),
                ]),
                Expect(StreamError(S1, PROTOCOL)),
            ],
        },
    },
    Case {
        server: Some("http2/8.1.2.1/4"),
        client: None,
        follows: V2_6_0,
        desc: "Sends a HEADERS frame that contains a pseudo-header field that appears in a header block after a regular header field",
        requirement: "The endpoint MUST respond with a stream error of type PROTOCOL_ERROR.",
        client_requirement: None,
        note: "(RFC 9113 §8.3.)",
        script: Handshaken {
            blocks: &[&[Fields(&[("x-test", "ok"), GET, SCHEME, PATH, AUTHORITY])]],
            steps: &[
                Send(&[Headers(S1, END, B0)]),
                Expect(StreamError(S1, PROTOCOL)),
            ],
        },
    },
    Case {
        server: Some("http2/8.1.2.2/1"),
        client: None,
        follows: V2_6_0,
        desc: "Sends a HEADERS frame that contains the connection-specific header field",
        requirement: "The endpoint MUST respond with a stream error of type PROTOCOL_ERROR.",
        client_requirement: None,
        note: "(RFC 9113 §8.2.2.)",
        script: Handshaken {
            blocks: &[&[Fields(&[
                GET,
                SCHEME,
                PATH,
                AUTHORITY,
                ("connection", "keep-alive"),
            ])]],
            steps: &[
                Send(&[Headers(S1, END, B0)]),
                Expect(StreamError(S1, PROTOCOL)),
            ],
        },
    },
    Case {
        server: Some("http2/8.1.2.2/2"),
        client: None,
        follows: V2_6_0,
        desc: "Sends a HEADERS frame that contains the TE header field with any value other than \"trailers\"",
        requirement: "The endpoint MUST respond with a stream error of type PROTOCOL_ERROR.",
        client_requirement: None,
        note: "(RFC 9113 §8.2.2.)",
        script: Handshaken {
            blocks: &[&[Fields(&[
                GET,
                SCHEME,
                PATH,
                AUTHORITY,
                ("trailers", "test"),
                ("te", "trailers, deflate"),
            ])]],
            steps: &[
                Send(&[Headers(S1, END, B0)]),
                Expect(StreamError(S1, PROTOCOL)),
            ],
        },
    },
    Case {
        server: Some("http2/8.1.2.3/1"),
        client: None,
        follows: V2_6_0,
        desc: "Sends a HEADERS frame with empty \":path\" pseudo-header field",
        requirement: "The endpoint MUST respond with a stream error of type PROTOCOL_ERROR.",
        client_requirement: None,
        note: "(RFC 9113 §8.3.1.)",
        script: Handshaken {
            blocks: &[&[Fields(&[GET, SCHEME, (":path", ""), AUTHORITY])]],
            steps: &[
                Send(&[Headers(S1, END, B0)]),
                Expect(StreamError(S1, PROTOCOL)),
            ],
        },
    },
    Case {
        server: Some("http2/8.1.2.3/2"),
        client: None,
        follows: V2_6_0,
        desc: "Sends a HEADERS frame that omits \":method\" pseudo-header field",
        requirement: "The endpoint MUST respond with a stream error of type PROTOCOL_ERROR.",
        client_requirement: None,
        note: "(RFC 9113 §8.3.1.)",
        script: Handshaken {
            blocks: &[&[Fields(&[SCHEME, PATH, AUTHORITY])]],
            steps: &[
                Send(&[Headers(S1, END, B0)]),
                Expect(StreamError(S1, PROTOCOL)),
            ],
        },
    },
    Case {
        server: Some("http2/8.1.2.3/3"),
        client: None,
        follows: V2_6_0,
        desc: "Sends a HEADERS frame that omits \":scheme\" pseudo-header field",
        requirement: "The endpoint MUST respond with a stream error of type PROTOCOL_ERROR.",
        client_requirement: None,
        note: "(RFC 9113 §8.3.1.)",
        script: Handshaken {
            blocks: &[&[Fields(&[GET, PATH, AUTHORITY])]],
            steps: &[
                Send(&[Headers(S1, END, B0)]),
                Expect(StreamError(S1, PROTOCOL)),
            ],
        },
    },
    Case {
        server: Some("http2/8.1.2.3/4"),
        client: None,
        follows: V2_6_0,
        desc: "Sends a HEADERS frame that omits \":path\" pseudo-header field",
        requirement: "The endpoint MUST respond with a stream error of type PROTOCOL_ERROR.",
        client_requirement: None,
        note: "(RFC 9113 §8.3.1.)",
        script: Handshaken {
            blocks: &[&[Fields(&[GET, SCHEME, AUTHORITY])]],
            steps: &[
                Send(&[Headers(S1, END, B0)]),
                Expect(StreamError(S1, PROTOCOL)),
            ],
        },
    },
    Case {
        server: Some("http2/8.1.2.3/5"),
        client: None,
        follows: V2_6_0,
        desc: "Sends a HEADERS frame with duplicated \":method\" pseudo-header field",
        requirement: "The endpoint MUST respond with a stream error of type PROTOCOL_ERROR.",
        client_requirement: None,
        note: "(RFC 9113 §8.3.1. h2spec appends the duplicate after the other pseudo-header fields.)",
        script: Handshaken {
            blocks: &[&[Fields(&[GET, SCHEME, PATH, AUTHORITY, (":method", "GET")])]],
            steps: &[
                Send(&[Headers(S1, END, B0)]),
                Expect(StreamError(S1, PROTOCOL)),
            ],
        },
    },
    Case {
        server: Some("http2/8.1.2.3/6"),
        client: None,
        follows: V2_6_0,
        desc: "Sends a HEADERS frame with duplicated \":scheme\" pseudo-header field",
        requirement: "The endpoint MUST respond with a stream error of type PROTOCOL_ERROR.",
        client_requirement: None,
        note: "(RFC 9113 §8.3.1.)",
        script: Handshaken {
            blocks: &[&[Fields(&[GET, SCHEME, PATH, AUTHORITY, (":scheme", "http")])]],
            steps: &[
                Send(&[Headers(S1, END, B0)]),
                Expect(StreamError(S1, PROTOCOL)),
            ],
        },
    },
    Case {
        server: Some("http2/8.1.2.3/7"),
        client: None,
        follows: V2_6_0,
        desc: "Sends a HEADERS frame with duplicated \":path\" pseudo-header field",
        requirement: "The endpoint MUST respond with a stream error of type PROTOCOL_ERROR.",
        client_requirement: None,
        note: "(RFC 9113 §8.3.1. The stored h2spec source appends `:method: /` here, an evident slip for `:path: /`; we send what the description says.)",
        script: Handshaken {
            blocks: &[&[Fields(&[GET, SCHEME, PATH, AUTHORITY, (":path", "/")])]],
            steps: &[
                Send(&[Headers(S1, END, B0)]),
                Expect(StreamError(S1, PROTOCOL)),
            ],
        },
    },
    Case {
        server: Some("http2/8.1.2.6/1"),
        client: None,
        follows: V2_6_0,
        desc: "Sends a HEADERS frame with the \"content-length\" header field which does not equal the DATA frame payload length",
        requirement: "The endpoint MUST treat this as a stream error of type PROTOCOL_ERROR.",
        client_requirement: None,
        note: "(RFC 9113 §8.1.1.)",
        script: Handshaken {
            blocks: &[&[Post(&[("content-length", "1")])]],
            steps: &[
                Send(&[Headers(S1, EH, B0), Data(S1, ES, b"test")]),
                Expect(StreamError(S1, PROTOCOL)),
            ],
        },
    },
    Case {
        server: Some("http2/8.1.2.6/2"),
        client: None,
        follows: V2_6_0,
        desc: "Sends a HEADERS frame with the \"content-length\" header field which does not equal the sum of the multiple DATA frames payload length",
        requirement: "The endpoint MUST treat this as a stream error of type PROTOCOL_ERROR.",
        client_requirement: None,
        note: "(RFC 9113 §8.1.1.)",
        script: Handshaken {
            blocks: &[&[Post(&[("content-length", "1")])]],
            steps: &[
                Send(&[
                    Headers(S1, EH, B0),
                    Data(S1, 0, b"test"),
                    Data(S1, ES, b"test"),
                ]),
                Expect(StreamError(S1, PROTOCOL)),
            ],
        },
    },
    Case {
        server: Some("http2/8.2/1"),
        client: None,
        follows: V2_6_0,
        desc: "Sends a PUSH_PROMISE frame",
        requirement: "The endpoint MUST treat this as a connection error of type PROTOCOL_ERROR.",
        client_requirement: None,
        note: "(RFC 9113 §8.4: a client cannot push.)",
        script: Handshaken {
            blocks: &[&[Common]],
            steps: &[
                Send(&[Block {
                    kind: kind::PUSH_PROMISE,
                    flags: EH,
                    stream: S1,
                    pre: Pre::Bytes(&[0, 0, 0, 3]),
                    block: B0,
                    post: &[],
                }]),
                Expect(ConnError(PROTOCOL)),
            ],
        },
    },
    Case {
        server: Some("hpack/2.3.3/1"),
        client: None,
        follows: V2_6_0,
        desc: "Sends a indexed header field representation with invalid index",
        requirement: "The endpoint MUST treat this as a decoding error.",
        client_requirement: None,
        note: "(RFC 7541 §2.3.3: index 70.)",
        script: Handshaken {
            blocks: &[&[Common, Rep(&[0xc6])]],
            steps: &[
                Send(&[Headers(S1, END, B0)]),
                Expect(ConnError(COMPRESSION)),
            ],
        },
    },
    Case {
        server: Some("hpack/2.3.3/2"),
        client: None,
        follows: V2_6_0,
        desc: "Sends a literal header field representation with invalid index",
        requirement: "The endpoint MUST treat this as a decoding error.",
        client_requirement: None,
        note: "(RFC 7541 §2.3.3: a literal with incremental indexing naming index 70.)",
        script: Handshaken {
            blocks: &[&[Common, Rep(&[0x7f, 0x07, 0x00])]],
            steps: &[
                Send(&[Headers(S1, END, B0)]),
                Expect(ConnError(COMPRESSION)),
            ],
        },
    },
    Case {
        server: Some("hpack/4.2/1"),
        client: None,
        follows: V2_6_0,
        desc: "Sends a dynamic table size update at the end of header block",
        requirement: "The endpoint MUST treat this as a decoding error.",
        client_requirement: None,
        note: "(RFC 7541 §4.2.)",
        script: Handshaken {
            blocks: &[&[Common, Rep(&[0x21])]],
            steps: &[
                Send(&[Headers(S1, END, B0)]),
                Expect(ConnError(COMPRESSION)),
            ],
        },
    },
    Case {
        server: Some("hpack/5.2/1"),
        client: None,
        follows: V2_6_0,
        desc: "Sends a Huffman-encoded string literal representation with padding longer than 7 bits",
        requirement: "The endpoint MUST treat this as a decoding error.",
        client_requirement: None,
        note: "(RFC 7541 §5.2.)",
        script: Handshaken {
            blocks: &[&[
                Common,
                Rep(&[
                    0x00, 0x85, 0xf2, 0xb2, 0x4a, 0x84, 0xff, 0x84, 0x49, 0x50, 0x9f, 0xff,
                ]),
            ]],
            steps: &[
                Send(&[Headers(S1, END, B0)]),
                Expect(ConnError(COMPRESSION)),
            ],
        },
    },
    Case {
        server: Some("hpack/5.2/2"),
        client: None,
        follows: V2_6_0,
        desc: "Sends a Huffman-encoded string literal representation padded by zero",
        requirement: "The endpoint MUST treat this as a decoding error.",
        client_requirement: None,
        note: "(RFC 7541 §5.2.)",
        script: Handshaken {
            blocks: &[&[
                Common,
                Rep(&[
                    0x00, 0x85, 0xf2, 0xb2, 0x4a, 0x84, 0xff, 0x83, 0x49, 0x50, 0x90,
                ]),
            ]],
            steps: &[
                Send(&[Headers(S1, END, B0)]),
                Expect(ConnError(COMPRESSION)),
            ],
        },
    },
    Case {
        server: Some("hpack/5.2/3"),
        client: None,
        follows: V2_6_0,
        desc: "Sends a Huffman-encoded string literal representation containing the EOS symbol",
        requirement: "The endpoint MUST treat this as a decoding error.",
        client_requirement: None,
        note: "(RFC 7541 §5.2: \"A Huffman-encoded string literal containing the EOS symbol MUST be treated as a decoding error\".) The bytes of h2spec 2.6.0 (commit ce109b0, \"Fix invalid string value with EOS\"): a literal whose 7-byte Huffman value has the EOS code after its first symbols and more bits after it, not at its start as in earlier releases.",
        script: Handshaken {
            blocks: &[&[
                Common,
                Rep(&[
                    0x00, 0x85, 0xf2, 0xb2, 0x4a, 0x84, 0xff, 0x87, 0x49, 0x51, 0xff, 0xff, 0xff,
                    0xfa, 0x7f,
                ]),
            ]],
            steps: &[
                Send(&[Headers(S1, END, B0)]),
                Expect(ConnError(COMPRESSION)),
            ],
        },
    },
    Case {
        server: Some("hpack/6.1/1"),
        client: None,
        follows: V2_6_0,
        desc: "Sends a indexed header field representation with index 0",
        requirement: "The endpoint MUST treat this as a decoding error.",
        client_requirement: None,
        note: "(RFC 7541 §6.1.)",
        script: Handshaken {
            blocks: &[&[Common, Rep(&[0x80])]],
            steps: &[
                Send(&[Headers(S1, END, B0)]),
                Expect(ConnError(COMPRESSION)),
            ],
        },
    },
    Case {
        server: Some("hpack/6.3/1"),
        client: None,
        follows: V2_6_0,
        desc: "Sends a dynamic table size update larger than the value of SETTINGS_HEADER_TABLE_SIZE",
        requirement: "The endpoint MUST treat this as a decoding error.",
        client_requirement: None,
        note: "(RFC 7541 §6.3: the server's SETTINGS_HEADER_TABLE_SIZE plus one, at the start of the block.)",
        script: Handshaken {
            blocks: &[&[SizeUpdateAboveTable, Common]],
            steps: &[
                Send(&[Headers(S1, END, B0)]),
                Expect(ConnError(COMPRESSION)),
            ],
        },
    },
];
