//! What one h2spec case is (the types of the rows in `table.rs`), how its bytes are built for a
//! role, and how a case is run against our server or client connection.
//!
//! A case runs against a [`Target`]: [`Memory`] (our sans-IO connection, fed in memory through
//! [`Peer`]) here, or a live server over TCP (runtime-mio's `tests/h2spec_live.rs`, which
//! includes this file and `table.rs` by path). The script's bytes and the order of its checks
//! are the same for every target; each target says how it delivers bytes and how it observes a
//! reaction ([`Wire::check`]).
//!
//! A case is data: the h2spec ids it has in server mode and in client mode (`h2spec client`),
//! the h2spec source it follows, h2spec's description and requirement, and its script: the
//! frames h2spec writes and the reactions it waits for. The few places where h2spec's client
//! cases differ from its server cases only by role are role-neutral here and resolved when the
//! case runs: [`Part::Common`] (h2spec's `CommonHeaders` request or its `CommonRespHeaders`
//! response), [`Part::Post`] and [`Sid::Idle`] (an idle stream the peer could open).

use crate::support::{DELIVERIES, Delivery, Got, Peer, REQ, split_frames, transmit_all};
use proto_h2::conn::{Config, Connection};
use proto_h2::frame::{Builder, ErrorCode, flag, kind};
use proto_h2::hpack::Encoder;
use std::time::Instant;

/// Our endpoint under test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    /// Our server; the test plays `h2spec` (its client).
    Server,
    /// Our client; the test plays `h2spec client` (its server).
    Client,
}

/// The h2spec source a case follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Follows {
    /// The 2.6.0 release (the `v2.6.0` tag).
    V2_6_0,
    /// The 2.6.0 release, a case h2spec runs only with `--strict`.
    V2_6_0Strict,
    /// A revision of h2spec's source after 2.6.0: commit 2bfee85.
    Later2bfee85,
}

impl Follows {
    /// As `H2SPEC.md` writes it.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Follows::V2_6_0 => "2.6.0",
            Follows::V2_6_0Strict => "2.6.0 `--strict`",
            Follows::Later2bfee85 => "later (2bfee85)",
        }
    }
}

/// One h2spec case, run against every role it has an id for.
pub(crate) struct Case {
    /// Its id in h2spec's server mode (`http2/5.1/1`), if h2spec tests servers with it.
    pub(crate) server: Option<&'static str>,
    /// Its id in h2spec's client mode (`client/5.1/1`), if h2spec tests clients with it.
    pub(crate) client: Option<&'static str>,
    /// The h2spec source whose bytes and expected reaction the case follows.
    pub(crate) follows: Follows,
    /// h2spec's description, verbatim.
    pub(crate) desc: &'static str,
    /// h2spec's requirement, verbatim (its server case's, where both modes have the case).
    pub(crate) requirement: &'static str,
    /// h2spec's client case's requirement, where its wording differs.
    pub(crate) client_requirement: Option<&'static str>,
    /// Ours: the RFC section, and where and why the case departs from h2spec's text.
    pub(crate) note: &'static str,
    /// What is sent and what must happen.
    pub(crate) script: Script,
}

impl Case {
    /// The case's h2spec id for `role`, if it runs against that role.
    pub(crate) fn id(&self, role: Role) -> Option<&'static str> {
        match role {
            Role::Server => self.server,
            Role::Client => self.client,
        }
    }
}

/// What a case sends and checks.
pub(crate) enum Script {
    /// On a server connection before any byte arrived: everything in one read, once.
    Fresh {
        /// The bytes h2spec opens the connection with.
        input: &'static [Frame],
        /// What must happen.
        expect: &'static [FreshExpect],
    },
    /// After h2spec's handshake, once per [`Delivery`].
    Handshaken {
        /// Header blocks, HPACK-encoded in this order (before anything is sent) with the peer's
        /// encoder, so a block encoded twice uses the dynamic table as h2spec's second
        /// encoding does; frames name them by index.
        blocks: &'static [&'static [Part]],
        /// Sends and checks, in order.
        steps: &'static [Step],
    },
}

/// One piece of a header block, encoded with one call of the peer's HPACK encoder (or copied).
pub(crate) enum Part {
    /// h2spec's common headers: its GET request for `/` (server role, `CommonHeaders`) or
    /// `:status 200` (client role, `CommonRespHeaders`).
    Common,
    /// Where h2spec's server case sends the common request as a POST with these fields
    /// appended, its client case sends `:status 200` with these fields appended.
    Post(&'static [(&'static str, &'static str)]),
    /// Exactly these fields.
    Fields(&'static [(&'static str, &'static str)]),
    /// h2spec's `DummyHeaders(n)`: `x-dummy<i>` fields of 4000 `x` each.
    Dummy(usize),
    /// These representation bytes, as they are.
    Rep(&'static [u8]),
    /// A dynamic table size update (001 prefix, 5-bit integer) to our endpoint's
    /// SETTINGS_HEADER_TABLE_SIZE plus one.
    SizeUpdateAboveTable,
}

/// A stream identifier.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Sid {
    /// This one.
    N(u32),
    /// An idle stream the peer may open: 1 against our server, 2 (server-initiated) against
    /// our client.
    Idle,
    /// The first request beyond our server's SETTINGS_MAX_CONCURRENT_STREAMS (see
    /// [`Frame::RequestsBeyondLimit`]).
    BeyondLimit,
}

/// Stream 0.
pub(crate) const S0: Sid = Sid::N(0);
/// Stream 1.
pub(crate) const S1: Sid = Sid::N(1);
/// Stream 3.
pub(crate) const S3: Sid = Sid::N(3);
/// Stream 5.
pub(crate) const S5: Sid = Sid::N(5);

/// A part of a header block named by a frame.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Blk {
    /// Block `i`, whole.
    All(usize),
    /// Bytes `a..b` of block `i`.
    Range(usize, usize, usize),
    /// Bytes `a..` of block `i`.
    From(usize, usize),
}

/// What comes before the block in a frame's payload.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Pre {
    /// These bytes (pad length, priority fields, promised stream id).
    Bytes(&'static [u8]),
    /// A pad length of the block's length plus `n` (more than the frame holds).
    PadOverBlock(u8),
}

/// A frame h2spec writes (or bytes it writes as they are).
#[derive(Clone, Copy, Debug)]
pub(crate) enum Frame {
    /// HEADERS carrying a block.
    Headers(Sid, u8, Blk),
    /// CONTINUATION carrying a block.
    Cont(Sid, u8, Blk),
    /// A frame of `kind` whose payload is `pre`, a block, then `post`.
    Block {
        /// Frame type.
        kind: u8,
        /// Flags.
        flags: u8,
        /// Stream.
        stream: Sid,
        /// Before the block.
        pre: Pre,
        /// The block.
        block: Blk,
        /// After the block (padding).
        post: &'static [u8],
    },
    /// DATA.
    Data(Sid, u8, &'static [u8]),
    /// DATA of `n` times the byte `b`.
    DataOf(Sid, u8, u8, usize),
    /// PRIORITY: dependency (with the exclusive bit), weight.
    Prio(Sid, u32, u8),
    /// RST_STREAM with this code.
    Rst(Sid, u32),
    /// WINDOW_UPDATE with this increment.
    Wu(Sid, u32),
    /// PING on stream 0: flags, payload.
    Ping(u8, [u8; 8]),
    /// SETTINGS on stream 0 with these parameters.
    Settings(&'static [(u16, u32)]),
    /// Any frame: type, flags, the stream field as written (reserved bit included), payload.
    Raw(u8, u8, u32, &'static [u8]),
    /// Bytes as they are.
    Bytes(&'static [u8]),
    /// HEADERS with the common request, END_STREAM and END_HEADERS, on streams 1, 3, ...
    /// one more than our server's SETTINGS_MAX_CONCURRENT_STREAMS (each block encoded in turn).
    RequestsBeyondLimit,
}

/// A step of a handshaken script.
pub(crate) enum Step {
    /// h2spec's writes, back to back: the frames' bytes in one `send`.
    Send(&'static [Frame]),
    /// A check of our endpoint's reaction so far.
    Expect(Expect),
}

/// A reaction h2spec waits for (its `Verify*` functions), or one we check besides.
#[derive(Debug)]
pub(crate) enum Expect {
    /// `VerifyConnectionError`: a GOAWAY with one of the codes, and the connection ends.
    ConnError(&'static [ErrorCode]),
    /// `VerifyStreamError`: a RST_STREAM on the stream or a GOAWAY, with one of the codes.
    StreamError(Sid, &'static [ErrorCode]),
    /// A RST_STREAM on the stream with exactly this code.
    RstCode(Sid, ErrorCode),
    /// `VerifyConnectionClose`: the connection is over.
    Closed,
    /// A GOAWAY, any code.
    GoAway,
    /// `VerifyPingFrameWithAck`: a PING ACK carrying this payload.
    PingAck([u8; 8]),
    /// No PING carrying this payload came back.
    NoPing([u8; 8]),
    /// `VerifyEventType`: a frame of this type.
    Got(u8),
    /// A SETTINGS ACK arrived since the last `SettingsAcked` (h2spec waits for it).
    SettingsAcked,
    /// A SETTINGS frame with flags exactly ACK and an empty payload.
    SettingsAckEmpty,
    /// `VerifyHeadersFrame`: a response HEADERS on the stream.
    Response(Sid),
    /// `VerifyStreamClose`: the stream ended from our side (END_STREAM).
    StreamEnded(Sid),
    /// The DATA frames on the stream have exactly these lengths.
    DataLens(Sid, &'static [usize]),
    /// The first DATA frame on the stream has this length.
    FirstDataLen(Sid, usize),
    /// The request our server's application got on the stream has this field.
    RequestField(Sid, &'static str, &'static str),
    /// Our endpoint did not fail.
    NoFailure,
    /// The application got exactly this many heads.
    Heads(usize),
    /// The first head the application got has this status.
    Status(u16),
    /// The application read exactly this body.
    Body(&'static [u8]),
    /// The application read this many body bytes.
    BodyLen(usize),
    /// A check of our own bytes: block `i` is longer than `n` octets.
    BlockLonger(usize, usize),
}

/// What must happen when a fresh server connection reads a case's input.
#[derive(Debug)]
pub(crate) enum FreshExpect {
    /// `recv` takes the input.
    Accepted,
    /// `recv` fails with this code, and the connection is over.
    Refused(ErrorCode),
    /// The first frame our server sends has this type, and these flags under `mask`.
    FirstFrame {
        /// Type.
        kind: u8,
        /// Wanted flags.
        flags: u8,
        /// The flags compared.
        mask: u8,
    },
}

/// Where a case runs: our endpoint, reached in memory or over a socket.
pub(crate) trait Target {
    /// One connection to our endpoint, after h2spec's handshake.
    type Wire: Wire;

    /// A connection after h2spec's handshake with our endpoint in `role`; later sends are
    /// delivered as `delivery` says.
    fn handshaken(&mut self, role: Role, delivery: Delivery) -> Self::Wire;

    /// A fresh server connection that reads `input` at once; panics, naming `id`, unless every
    /// one of `expect` happens.
    fn fresh(&mut self, id: &str, input: &[u8], expect: &[FreshExpect]);
}

/// One handshaken connection, as a case's script drives it.
pub(crate) trait Wire {
    /// Delivers h2spec's bytes (split as the connection's [`Delivery`] says); nothing once our
    /// endpoint ended the connection.
    fn send(&mut self, bytes: &[u8]);

    /// h2spec's HPACK encoder on this connection.
    fn encoder(&mut self) -> &mut Encoder;

    /// Our endpoint's SETTINGS_HEADER_TABLE_SIZE.
    fn header_table_size(&self) -> u32;

    /// Our endpoint's SETTINGS_MAX_CONCURRENT_STREAMS.
    fn max_concurrent_streams(&self) -> Option<u32>;

    /// Checks one reaction (`sid` resolves the case's stream ids); panics, naming `id`, when
    /// it is not the expected one. [`Expect::BlockLonger`] checks our own bytes and never
    /// comes here.
    fn check(&mut self, id: &str, e: &Expect, sid: &dyn Fn(Sid) -> u32);
}

/// Our sans-IO connection in memory: a [`Peer`] per run.
pub(crate) struct Memory;

impl Target for Memory {
    type Wire = Peer;

    fn handshaken(&mut self, role: Role, delivery: Delivery) -> Peer {
        match role {
            Role::Server => Peer::h2spec(delivery),
            Role::Client => Peer::h2spec_client(delivery),
        }
    }

    fn fresh(&mut self, id: &str, input: &[u8], expect: &[FreshExpect]) {
        run_fresh(id, input, expect);
    }
}

/// A running case: the peer, the role, the encoded blocks.
struct Run<'a, W> {
    p: W,
    role: Role,
    blocks: Vec<Vec<u8>>,
    id: &'a str,
}

/// Runs `case` against `role` in memory; returns how many times it ran (one per delivery, or
/// once for a fresh connection). Panics, naming the case, on the first reaction that is not
/// the expected one.
pub(crate) fn run(case: &Case, role: Role) -> usize {
    run_on(&mut Memory, case, role)
}

/// Runs `case` against `role` on `target`, as [`run`] does in memory.
pub(crate) fn run_on<T: Target>(target: &mut T, case: &Case, role: Role) -> usize {
    let id = case.id(role).expect("the case has an id for this role");
    match &case.script {
        Script::Fresh { input, expect } => {
            assert_eq!(role, Role::Server, "{id}: fresh scripts start a server");
            let bytes: Vec<u8> = input.iter().flat_map(fixed_bytes).collect();
            target.fresh(id, &bytes, expect);
            1
        }
        Script::Handshaken { blocks, steps } => {
            for d in DELIVERIES {
                run_handshaken(target.handshaken(role, d), id, role, blocks, steps);
            }
            DELIVERIES.len()
        }
    }
}

fn run_fresh(id: &str, bytes: &[u8], expect: &[FreshExpect]) {
    let now = Instant::now();
    let mut s = Connection::new(proto_h2::conn::Role::Server, Config::server(), now);
    let r = s.recv(now, bytes);
    let (got, _) = split_frames(&transmit_all(&mut s, now));
    for e in expect {
        match e {
            FreshExpect::Accepted => assert!(r.is_ok(), "{id}: recv failed: {r:?}"),
            FreshExpect::Refused(code) => {
                let err = r.as_ref().expect_err("recv must fail");
                assert_eq!(err.code(), *code, "{id}");
                assert!(s.is_closed(), "{id}: connection still open");
            }
            FreshExpect::FirstFrame { kind, flags, mask } => {
                let first = got.first().unwrap_or_else(|| panic!("{id}: no frame"));
                assert_eq!(
                    (first.kind, first.flags & mask),
                    (*kind, *flags),
                    "{id}: first frame {first:?}"
                );
            }
        }
    }
}

/// The bytes of a frame that names no block and no role-dependent stream.
fn fixed_bytes(f: &Frame) -> Vec<u8> {
    match f {
        Frame::Bytes(b) => b.to_vec(),
        Frame::Settings(params) => settings(params),
        other => panic!("{other:?} needs a handshaken script"),
    }
}

fn settings(params: &[(u16, u32)]) -> Vec<u8> {
    let mut b = Builder::new(kind::SETTINGS, 0);
    for &(i, v) in params {
        b = b.setting(i, v);
    }
    b.build()
}

fn run_handshaken<W: Wire>(p: W, id: &str, role: Role, blocks: &[&[Part]], steps: &[Step]) {
    let mut r = Run {
        p,
        role,
        blocks: Vec::new(),
        id,
    };
    r.blocks = blocks.iter().map(|parts| r.encode(parts)).collect();
    for step in steps {
        match step {
            Step::Send(frames) => {
                let mut bytes = Vec::new();
                for f in *frames {
                    r.frame(f, &mut bytes);
                }
                r.p.send(&bytes);
            }
            Step::Expect(e) => r.check(e),
        }
    }
}

/// A stream id of a case, for `role` (with our server's concurrency limit `max`).
fn resolve(s: Sid, role: Role, max: Option<u32>) -> u32 {
    match (s, role) {
        (Sid::N(n), _) => n,
        (Sid::Idle, Role::Server) => 1,
        (Sid::Idle, Role::Client) => 2,
        (Sid::BeyondLimit, _) => 1 + 2 * max.expect("our server advertises a limit"),
    }
}

/// An HPACK block of `fields`, with `enc`.
fn block(enc: &mut Encoder, fields: &[(&str, &str)]) -> Vec<u8> {
    let mut b = Vec::new();
    enc.encode(
        fields.iter().map(|(n, v)| (n.as_bytes(), v.as_bytes())),
        &mut b,
    );
    b
}

impl<W: Wire> Run<'_, W> {
    fn encode(&mut self, parts: &[Part]) -> Vec<u8> {
        let mut out = Vec::new();
        for part in parts {
            let enc = self.p.encoder();
            match (part, self.role) {
                (Part::Common, Role::Server) => out.extend(block(enc, &REQ)),
                (Part::Common, Role::Client) => out.extend(block(enc, &[(":status", "200")])),
                (Part::Post(extra), Role::Server) => {
                    // h2spec's common request as a POST, with `extra` appended.
                    let mut v = REQ.to_vec();
                    v[0].1 = "POST";
                    v.extend_from_slice(extra);
                    out.extend(block(enc, &v));
                }
                (Part::Post(extra), Role::Client) => {
                    let mut v = vec![(":status", "200")];
                    v.extend_from_slice(extra);
                    out.extend(block(enc, &v));
                }
                (Part::Fields(fields), _) => out.extend(block(enc, fields)),
                (Part::Dummy(n), _) => {
                    // h2spec's `DummyHeaders(n)`: `x-dummy<i>` fields of 4000 `x` each.
                    let value = "x".repeat(4000);
                    let names: Vec<String> = (0..*n).map(|i| format!("x-dummy{i}")).collect();
                    let fields: Vec<(&str, &str)> =
                        names.iter().map(|n| (n.as_str(), value.as_str())).collect();
                    out.extend(block(enc, &fields));
                }
                (Part::Rep(b), _) => out.extend_from_slice(b),
                (Part::SizeUpdateAboveTable, _) => {
                    let size = self.p.header_table_size() + 1;
                    out.push(0x3f);
                    let mut rest = size - 31;
                    while rest >= 128 {
                        out.push(0x80 | (rest & 0x7f) as u8);
                        rest >>= 7;
                    }
                    out.push(rest as u8);
                }
            }
        }
        out
    }

    fn max_concurrent(&self) -> u32 {
        self.p
            .max_concurrent_streams()
            .expect("our server advertises a limit")
    }

    fn sid(&self, s: Sid) -> u32 {
        resolve(s, self.role, self.p.max_concurrent_streams())
    }

    fn blk(&self, b: Blk) -> &[u8] {
        let (i, range) = match b {
            Blk::All(i) => (i, 0..usize::MAX),
            Blk::Range(i, a, z) => (i, a..z),
            Blk::From(i, a) => (i, a..usize::MAX),
        };
        let block = &self.blocks[i];
        let end = range.end.min(block.len());
        block
            .get(range.start..end)
            .unwrap_or_else(|| panic!("{}: block {i} is {} octets", self.id, block.len()))
    }

    fn frame(&mut self, f: &Frame, out: &mut Vec<u8>) {
        let built = match *f {
            Frame::Headers(s, flags, b) => Builder::new(kind::HEADERS, self.sid(s))
                .flags(flags)
                .payload(self.blk(b))
                .build(),
            Frame::Cont(s, flags, b) => Builder::new(kind::CONTINUATION, self.sid(s))
                .flags(flags)
                .payload(self.blk(b))
                .build(),
            Frame::Block {
                kind,
                flags,
                stream,
                pre,
                block,
                post,
            } => {
                let body = self.blk(block);
                let pre = match pre {
                    Pre::Bytes(b) => b.to_vec(),
                    Pre::PadOverBlock(n) => vec![(body.len() + usize::from(n)) as u8],
                };
                Builder::new(kind, self.sid(stream))
                    .flags(flags)
                    .payload(&pre)
                    .payload(body)
                    .payload(post)
                    .build()
            }
            Frame::Data(s, flags, payload) => Builder::new(kind::DATA, self.sid(s))
                .flags(flags)
                .payload(payload)
                .build(),
            Frame::DataOf(s, flags, byte, n) => Builder::new(kind::DATA, self.sid(s))
                .flags(flags)
                .payload(&vec![byte; n])
                .build(),
            Frame::Prio(s, dep, weight) => Builder::new(kind::PRIORITY, self.sid(s))
                .u32(dep)
                .payload(&[weight])
                .build(),
            Frame::Rst(s, code) => Builder::new(kind::RST_STREAM, self.sid(s))
                .u32(code)
                .build(),
            Frame::Wu(s, inc) => Builder::new(kind::WINDOW_UPDATE, self.sid(s))
                .u32(inc)
                .build(),
            Frame::Ping(flags, payload) => Builder::new(kind::PING, 0)
                .flags(flags)
                .payload(&payload)
                .build(),
            Frame::Settings(params) => settings(params),
            Frame::Raw(kind, flags, stream, payload) => Builder::new(kind, stream)
                .flags(flags)
                .payload(payload)
                .build(),
            Frame::Bytes(b) => b.to_vec(),
            Frame::RequestsBeyondLimit => {
                assert_eq!(self.role, Role::Server, "{}: a server-only frame", self.id);
                let mut all = Vec::new();
                for i in 0..=self.max_concurrent() {
                    let b = block(self.p.encoder(), &REQ);
                    all.extend(
                        Builder::new(kind::HEADERS, 1 + 2 * i)
                            .flags(flag::END_STREAM | flag::END_HEADERS)
                            .payload(&b)
                            .build(),
                    );
                }
                all
            }
        };
        out.extend(built);
    }

    /// Runs a check, naming the case when it fails.
    fn check(&mut self, e: &Expect) {
        if let Expect::BlockLonger(i, n) = *e {
            let len = self.blocks[i].len();
            assert!(
                len > n,
                "{}: block {i} is {len} octets, not more than {n}",
                self.id
            );
            return;
        }
        let (role, max) = (self.role, self.p.max_concurrent_streams());
        self.p.check(self.id, e, &move |s| resolve(s, role, max));
    }
}

impl Wire for Peer {
    fn send(&mut self, bytes: &[u8]) {
        Peer::send(self, bytes);
    }

    fn encoder(&mut self) -> &mut Encoder {
        &mut self.enc
    }

    fn header_table_size(&self) -> u32 {
        self.s.local_settings().header_table_size
    }

    fn max_concurrent_streams(&self) -> Option<u32> {
        self.s.local_settings().max_concurrent_streams
    }

    /// Everything our connection has to send is taken at once (it answers synchronously).
    fn check(&mut self, id: &str, e: &Expect, sid: &dyn Fn(Sid) -> u32) {
        let d = self.delivery;
        let p = self;
        match *e {
            Expect::ConnError(codes) => p.conn_error(codes),
            Expect::StreamError(s, codes) => p.stream_error(sid(s), codes),
            Expect::RstCode(s, code) => {
                p.flush();
                let rst = rst_code(&p.frames, sid(s));
                assert_eq!(rst, Some(code), "{id} [{d:?}] {:?}", p.frames);
            }
            Expect::Closed => p.closed(),
            Expect::GoAway => assert!(p.goaway().is_some(), "{id} [{d:?}] no GOAWAY"),
            Expect::PingAck(payload) => p.ping_ack(&payload),
            Expect::NoPing(payload) => {
                p.flush();
                assert!(
                    !p.frames
                        .iter()
                        .any(|f| f.kind == kind::PING && f.payload == payload),
                    "{id} [{d:?}] answered a PING ACK"
                );
            }
            Expect::Got(k) => p.got(k),
            Expect::SettingsAcked => p.settings_acked(),
            Expect::SettingsAckEmpty => {
                p.flush();
                assert!(
                    p.frames.iter().any(|f| f.kind == kind::SETTINGS
                        && f.flags == flag::ACK
                        && f.payload.is_empty()),
                    "{id} [{d:?}] no empty SETTINGS ACK: {:?}",
                    p.frames
                );
            }
            Expect::Response(s) => p.response(sid(s)),
            Expect::StreamEnded(s) => p.stream_ended(sid(s)),
            Expect::DataLens(s, lens) => {
                assert_eq!(p.data_lens(sid(s)), lens, "{id} [{d:?}]");
            }
            Expect::FirstDataLen(s, n) => {
                assert_eq!(p.data_lens(sid(s)).first(), Some(&n), "{id} [{d:?}]");
            }
            Expect::RequestField(s, name, value) => {
                assert_eq!(
                    p.request_field(sid(s), name).as_deref(),
                    Some(value.as_bytes()),
                    "{id} [{d:?}]"
                );
            }
            Expect::NoFailure => {
                p.flush();
                assert!(!p.failed, "{id} [{d:?}] {:?}", p.s.error());
            }
            Expect::Heads(n) => assert_eq!(p.heads.len(), n, "{id} [{d:?}] heads"),
            Expect::Status(status) => {
                let head = p.heads.first().map(|(_, h)| h.status());
                assert_eq!(head, Some(Some(status)), "{id} [{d:?}]");
            }
            Expect::Body(body) => assert_eq!(p.body_in, body, "{id} [{d:?}]"),
            Expect::BodyLen(n) => assert_eq!(p.body_in.len(), n, "{id} [{d:?}]"),
            Expect::BlockLonger(..) => unreachable!("{id}: checked by the runner"),
        }
    }
}

/// The code of the first RST_STREAM on `stream` in `frames`.
pub(crate) fn rst_code(frames: &[Got], stream: u32) -> Option<ErrorCode> {
    frames
        .iter()
        .find(|f| f.kind == kind::RST_STREAM && f.stream == stream)
        .map(|f| ErrorCode(u32::from_be_bytes(f.payload[..4].try_into().unwrap())))
}
