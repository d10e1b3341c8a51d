//! h2spec's server cases against the live server over TCP: the case table of proto-h2
//! (`proto-h2/tests/h2spec/table.rs`, 148 server rows: h2spec 2.6.0's 146, its `--strict` case
//! and one of a later revision), run by its own runner (`case.rs`, included by path with the
//! in-memory peer it builds on) against a [`Server`] started in this process, through the mio
//! event loop and real sockets, instead of against the sans-IO connection in memory.
//!
//! Every case keeps its bytes and its expected reaction; only how bytes travel and how a
//! reaction is observed differ ([`TcpWire`]): h2spec's writes go to a `TcpStream` (all at once,
//! one write per frame, or one write per byte, the three deliveries of the in-memory suite),
//! and a check reads the server's frames until what it waits for arrived, the connection ended,
//! or [`WAIT`] passed. A check that wants something *not* to happen (no PING answer, exactly
//! these DATA lengths) first makes sure the server has caught up: a PING of our own, whose
//! ACK the server writes after reacting to everything sent before it.
//!
//! The server answers every complete request as the in-memory application does (`200` and the
//! body `hello`) and echoes each request field `name: value` as a response field
//! `echo-name: value`, so that the cases that check the request the application got
//! (`generic/5/*`) read it from the response.
//!
//! Two listeners:
//! - [`Server::bind`] with its defaults (HTTP/1.1 and HTTP/2 by prior knowledge on one port,
//!   as `wire serve`): every server case but `http2/3.5/2`. That case sends an invalid preface
//!   and wants GOAWAY(PROTOCOL_ERROR); on a port that also serves HTTP/1.1, bytes that are not
//!   the HTTP/2 preface are an HTTP/1.1 request (here: `400 Bad Request`, then the connection
//!   is closed), so the case's reaction cannot be the one it expects there.
//! - an [`EventLoop`] whose every connection is an [`H2Session`] (HTTP/2 only, the same glue
//!   the first listener hands a connection to once it saw the preface): all 148.

// (It allows its own dead code.)
#[path = "../../proto-h2/tests/support/mod.rs"]
mod support;

#[allow(dead_code)]
#[path = "../../proto-h2/tests/h2spec/case.rs"]
mod case;

#[allow(dead_code)]
#[path = "../../proto-h2/tests/h2spec/table.rs"]
mod table;

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::time::{Duration, Instant};

use case::{Expect, FreshExpect, Role, Sid, Target, Wire};
use proto_h2::conn::PREFACE;
use proto_h2::frame::{Builder, ErrorCode, flag, kind};
use proto_h2::hpack::{Decoder, Encoder};
use proto_h2::settings::id;
use runtime_mio::event_loop::{EventLoop, LoopConfig};
use runtime_mio::server::{H2Session, Handler, Request, Response, Server, ServerConfig};
use support::{Delivery, Got, split_frames};
use table::{SERVER_CASES, TABLE};

/// How long a check waits for the reaction it expects (it returns as soon as it arrived).
const WAIT: Duration = Duration::from_secs(5);

/// The payload of our own PING that shows the server caught up ([`TcpWire::settle`]); no case
/// sends it.
const SYNC: [u8; 8] = *b"livesync";

/// The application: `200` with the body `hello` (as the in-memory suite's), and every request
/// field echoed as `echo-NAME`.
fn handler(req: &Request) -> Response {
    let mut resp = Response::new(200);
    for (name, value) in req.headers() {
        resp = resp.with_header(&format!("echo-{name}"), value);
    }
    resp.with_body(&b"hello"[..])
}

/// The fields of a decoded header block, in order.
type Fields = Vec<(Vec<u8>, Vec<u8>)>;

/// A connection to the live server, seen as h2spec sees it: the frames that arrived, and
/// whether the connection ended.
struct TcpWire {
    sock: TcpStream,
    delivery: Delivery,
    /// h2spec's HPACK encoder.
    enc: Encoder,
    /// Decodes the server's header blocks (responses), in the order they arrive.
    dec: Decoder,
    /// Bytes read that do not make a whole frame yet.
    buf: Vec<u8>,
    /// Every frame since the handshake.
    frames: Vec<Got>,
    /// The decoded header blocks: stream, fields (or why the block did not decode).
    blocks: Vec<(u32, Result<Fields, String>)>,
    /// A header block still waiting for its CONTINUATION frames.
    pending: Option<(u32, Vec<u8>)>,
    /// The server closed (or reset) the connection.
    ended: bool,
    /// A write failed: nothing more is sent (as the in-memory peer stops delivering once the
    /// server failed).
    send_failed: bool,
    /// The server's SETTINGS_HEADER_TABLE_SIZE and SETTINGS_MAX_CONCURRENT_STREAMS.
    header_table_size: u32,
    max_concurrent_streams: Option<u32>,
}

impl TcpWire {
    /// A fresh connection: nothing sent yet.
    fn connect(addr: SocketAddr, delivery: Delivery) -> Self {
        let sock = TcpStream::connect(addr).expect("connect to the live server");
        sock.set_nodelay(true).unwrap();
        // A server that stopped reading makes a write fail rather than hang.
        sock.set_write_timeout(Some(WAIT)).unwrap();
        let mut dec = Decoder::new();
        // The server's blocks echo h2spec's fields (some of 4000 octets each); the test takes
        // whatever the server sends and checks it.
        dec.set_max_table_size(1 << 20);
        dec.set_max_header_list_size(usize::MAX);
        TcpWire {
            sock,
            delivery,
            enc: Encoder::new(),
            dec,
            buf: Vec::new(),
            frames: Vec::new(),
            blocks: Vec::new(),
            pending: None,
            ended: false,
            send_failed: false,
            header_table_size: 4096,
            max_concurrent_streams: None,
        }
    }

    /// h2spec's handshake, as the in-memory peer makes it: the preface, SETTINGS with
    /// INITIAL_WINDOW_SIZE 65535 and the ACK of the server's SETTINGS in one write; then the
    /// server's SETTINGS and its ACK of ours must arrive. The server's settings are kept and
    /// its frames so far forgotten.
    fn h2spec(addr: SocketAddr, delivery: Delivery) -> Self {
        let mut w = Self::connect(addr, delivery);
        let mut hello = PREFACE.to_vec();
        hello.extend(
            Builder::new(kind::SETTINGS, 0)
                .setting(id::INITIAL_WINDOW_SIZE, 65_535)
                .build(),
        );
        hello.extend(Builder::new(kind::SETTINGS, 0).flags(flag::ACK).build());
        w.sock.write_all(&hello).expect("write h2spec's handshake");
        let done = w.wait(|w| {
            w.frames
                .iter()
                .any(|f| f.kind == kind::SETTINGS && f.flags & flag::ACK == 0)
                && w.frames
                    .iter()
                    .any(|f| f.kind == kind::SETTINGS && f.flags & flag::ACK != 0)
        });
        assert!(
            done,
            "handshake: no SETTINGS and ACK from the server: {:?}",
            w.frames
        );
        let settings = w
            .frames
            .iter()
            .find(|f| f.kind == kind::SETTINGS && f.flags & flag::ACK == 0)
            .expect("server SETTINGS")
            .payload
            .clone();
        for p in settings.chunks_exact(6) {
            let value = u32::from_be_bytes([p[2], p[3], p[4], p[5]]);
            match u16::from_be_bytes([p[0], p[1]]) {
                id::HEADER_TABLE_SIZE => w.header_table_size = value,
                id::MAX_CONCURRENT_STREAMS => w.max_concurrent_streams = Some(value),
                _ => {}
            }
        }
        w.frames.clear();
        w
    }

    /// One read of at most `wait`: takes the whole frames it completes. Returns whether bytes
    /// came (or the connection ended).
    fn read_once(&mut self, wait: Duration) -> bool {
        if self.ended {
            return false;
        }
        self.sock
            .set_read_timeout(Some(wait.max(Duration::from_millis(1))))
            .unwrap();
        let mut chunk = [0u8; 65_536];
        match self.sock.read(&mut chunk) {
            Ok(0) => {
                self.ended = true;
                true
            }
            Ok(n) => {
                self.buf.extend_from_slice(&chunk[..n]);
                self.take_frames();
                true
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => false,
            Err(e) if e.kind() == ErrorKind::Interrupted => true,
            // A reset: the server closed with our bytes unread.
            Err(_) => {
                self.ended = true;
                true
            }
        }
    }

    /// Reads without waiting until nothing more is there.
    fn drain(&mut self) {
        while self.read_once(Duration::from_millis(1)) && !self.ended {}
    }

    /// Moves the whole frames of `buf` to `frames`, decoding header blocks on the way.
    fn take_frames(&mut self) {
        let (got, pos) = split_frames(&self.buf);
        self.buf.drain(..pos);
        for f in got {
            match f.kind {
                kind::HEADERS => {
                    let mut p = &f.payload[..];
                    if f.flags & flag::PADDED != 0 && !p.is_empty() {
                        let pad = usize::from(p[0]);
                        p = p.get(1..p.len().saturating_sub(pad)).unwrap_or_default();
                    }
                    if f.flags & flag::PRIORITY != 0 {
                        p = p.get(5..).unwrap_or_default();
                    }
                    self.pending = Some((f.stream, p.to_vec()));
                    if f.flags & flag::END_HEADERS != 0 {
                        self.decode_pending();
                    }
                }
                kind::CONTINUATION => {
                    if let Some((_, b)) = &mut self.pending {
                        b.extend_from_slice(&f.payload);
                    }
                    if f.flags & flag::END_HEADERS != 0 {
                        self.decode_pending();
                    }
                }
                _ => {}
            }
            self.frames.push(f);
        }
    }

    fn decode_pending(&mut self) {
        let Some((stream, block)) = self.pending.take() else {
            return;
        };
        let mut fields = Vec::new();
        let r = self.dec.decode(&block, |h| {
            fields.push((h.name.to_vec(), h.value.to_vec()));
        });
        self.blocks
            .push((stream, r.map(|()| fields).map_err(|e| format!("{e:?}"))));
    }

    /// Reads until `done` holds, the connection ended, or [`WAIT`] passed; returns `done`.
    fn wait(&mut self, done: impl Fn(&Self) -> bool) -> bool {
        let deadline = Instant::now() + WAIT;
        loop {
            if done(self) {
                return true;
            }
            let now = Instant::now();
            if self.ended || now >= deadline {
                return false;
            }
            self.read_once(deadline - now);
        }
    }

    /// Makes sure the server reacted to everything sent so far: our own PING, whose ACK it
    /// writes after its reactions to the bytes before it, then what it wrote right after.
    /// The ACK is not kept. Nothing is sent on a connection that ended (there is nothing more
    /// to wait for).
    fn settle(&mut self) {
        if self.ended || self.send_failed {
            return;
        }
        let ping = Builder::new(kind::PING, 0).payload(&SYNC).build();
        if self.sock.write_all(&ping).is_err() {
            self.send_failed = true;
        }
        let synced = |f: &Got| f.kind == kind::PING && f.payload == SYNC;
        self.wait(|w| w.frames.iter().any(synced));
        self.drain();
        self.frames.retain(|f| !synced(f));
    }

    fn first_goaway(&self) -> Option<ErrorCode> {
        self.frames
            .iter()
            .find(|f| f.kind == kind::GOAWAY)
            .map(|f| ErrorCode(u32::from_be_bytes(f.payload[4..8].try_into().unwrap())))
    }

    fn has(&self, pred: impl Fn(&Got) -> bool) -> bool {
        self.frames.iter().any(pred)
    }

    fn data_lens(&self, stream: u32) -> Vec<usize> {
        self.frames
            .iter()
            .filter(|f| f.kind == kind::DATA && f.stream == stream)
            .map(|f| f.payload.len())
            .collect()
    }

    fn ended_stream(&self, stream: u32) -> bool {
        self.has(|f| {
            f.stream == stream
                && (f.kind == kind::DATA || f.kind == kind::HEADERS)
                && f.flags & flag::END_STREAM != 0
        })
    }
}

impl Wire for TcpWire {
    /// Writes as the delivery says: all at once, a write per frame, a write per byte.
    fn send(&mut self, bytes: &[u8]) {
        let mut chunks = Vec::new();
        match self.delivery {
            Delivery::Whole => chunks.push(bytes),
            Delivery::PerByte => chunks.extend(bytes.chunks(1)),
            Delivery::PerFrame => {
                let mut rest = bytes;
                while !rest.is_empty() {
                    let n = proto_h2::frame::FrameHeader::parse(rest)
                        .map_or(rest.len(), |h| (9 + h.len as usize).min(rest.len()));
                    chunks.push(&rest[..n]);
                    rest = &rest[n..];
                }
            }
        }
        let mut unread = 0;
        for c in chunks {
            if self.send_failed || self.ended {
                return;
            }
            if self.sock.write_all(c).is_err() {
                self.send_failed = true;
                return;
            }
            // Take what the server wrote now and then, so that its output never backs up
            // while we write.
            unread += c.len();
            if unread >= 16 * 1024 {
                unread = 0;
                self.drain();
            }
        }
    }

    fn encoder(&mut self) -> &mut Encoder {
        &mut self.enc
    }

    fn header_table_size(&self) -> u32 {
        self.header_table_size
    }

    fn max_concurrent_streams(&self) -> Option<u32> {
        self.max_concurrent_streams
    }

    fn check(&mut self, id: &str, e: &Expect, sid: &dyn Fn(Sid) -> u32) {
        let d = self.delivery;
        match *e {
            Expect::ConnError(codes) => {
                self.wait(|w| w.ended);
                let g = self.first_goaway();
                assert!(
                    g.is_some_and(|c| codes.contains(&c)),
                    "{id} [{d:?}] want GOAWAY {codes:?}, got {g:?}; frames {:?}",
                    self.frames
                );
                assert!(self.ended, "{id} [{d:?}] connection must end");
            }
            Expect::StreamError(s, codes) => {
                let s = sid(s);
                let is_rst = move |f: &Got| f.kind == kind::RST_STREAM && f.stream == s;
                self.wait(|w| w.has(is_rst) || w.has(|f| f.kind == kind::GOAWAY));
                let rst = case::rst_code(&self.frames, s);
                let g = self.first_goaway();
                assert!(
                    rst.is_some_and(|c| codes.contains(&c))
                        || g.is_some_and(|c| codes.contains(&c)),
                    "{id} [{d:?}] want RST_STREAM/GOAWAY {codes:?} on {s}, got {rst:?} / {g:?}; frames {:?}",
                    self.frames
                );
            }
            Expect::RstCode(s, code) => {
                let s = sid(s);
                self.wait(|w| w.has(|f| f.kind == kind::RST_STREAM && f.stream == s));
                let rst = case::rst_code(&self.frames, s);
                assert_eq!(rst, Some(code), "{id} [{d:?}] {:?}", self.frames);
            }
            Expect::Closed => {
                self.wait(|w| w.ended);
                assert!(
                    self.ended,
                    "{id} [{d:?}] connection still open; frames {:?}",
                    self.frames
                );
            }
            Expect::GoAway => {
                self.wait(|w| w.has(|f| f.kind == kind::GOAWAY));
                assert!(self.first_goaway().is_some(), "{id} [{d:?}] no GOAWAY");
            }
            Expect::PingAck(payload) => {
                let ack = move |f: &Got| {
                    f.kind == kind::PING && f.flags & flag::ACK != 0 && f.payload == payload
                };
                assert!(
                    self.wait(|w| w.has(ack)),
                    "{id} [{d:?}] no PING ACK {payload:?}; frames {:?}",
                    self.frames
                );
            }
            Expect::NoPing(payload) => {
                self.settle();
                assert!(
                    !self.has(|f| f.kind == kind::PING && f.payload == payload),
                    "{id} [{d:?}] answered a PING ACK"
                );
            }
            Expect::Got(k) => {
                assert!(
                    self.wait(|w| w.has(|f| f.kind == k)),
                    "{id} [{d:?}] no frame of type {k}; frames {:?}",
                    self.frames
                );
            }
            Expect::SettingsAcked => {
                let ack = |f: &Got| f.kind == kind::SETTINGS && f.flags & flag::ACK != 0;
                assert!(
                    self.wait(|w| w.has(ack)),
                    "{id} [{d:?}] no SETTINGS ACK; frames {:?}",
                    self.frames
                );
                // Forget it, so that the next wait needs a new one.
                let i = self.frames.iter().position(ack).unwrap();
                self.frames.remove(i);
            }
            Expect::SettingsAckEmpty => {
                let ack = |f: &Got| {
                    f.kind == kind::SETTINGS && f.flags == flag::ACK && f.payload.is_empty()
                };
                assert!(
                    self.wait(|w| w.has(ack)),
                    "{id} [{d:?}] no empty SETTINGS ACK: {:?}",
                    self.frames
                );
            }
            Expect::Response(s) => {
                let s = sid(s);
                assert!(
                    self.wait(|w| w.has(|f| f.kind == kind::HEADERS && f.stream == s)),
                    "{id} [{d:?}] no response on {s}: {:?}",
                    self.frames
                );
            }
            Expect::StreamEnded(s) => {
                let s = sid(s);
                assert!(
                    self.wait(|w| w.ended_stream(s)),
                    "{id} [{d:?}] stream {s} did not end: {:?}",
                    self.frames
                );
            }
            Expect::DataLens(s, lens) => {
                let s = sid(s);
                let total: usize = lens.iter().sum();
                self.wait(|w| w.data_lens(s).iter().sum::<usize>() >= total || w.ended_stream(s));
                self.settle();
                assert_eq!(self.data_lens(s), lens, "{id} [{d:?}]");
            }
            Expect::FirstDataLen(s, n) => {
                let s = sid(s);
                self.wait(|w| w.has(|f| f.kind == kind::DATA && f.stream == s));
                assert_eq!(self.data_lens(s).first(), Some(&n), "{id} [{d:?}]");
            }
            Expect::RequestField(s, name, value) => {
                let s = sid(s);
                self.wait(|w| w.blocks.iter().any(|(b, _)| *b == s));
                let echoed = format!("echo-{name}");
                let field = match self.blocks.iter().find(|(b, _)| *b == s) {
                    None => panic!("{id} [{d:?}] no response on {s}: {:?}", self.frames),
                    Some((_, Err(e))) => panic!("{id} [{d:?}] the response on {s}: {e}"),
                    Some((_, Ok(fields))) => fields
                        .iter()
                        .find(|(n, _)| *n == echoed.as_bytes())
                        .map(|(_, v)| v.clone()),
                };
                assert_eq!(field.as_deref(), Some(value.as_bytes()), "{id} [{d:?}]");
            }
            Expect::NoFailure => {
                self.settle();
                assert!(
                    !self.ended && self.first_goaway().is_none(),
                    "{id} [{d:?}] the server failed: {:?}",
                    self.frames
                );
            }
            Expect::Heads(_) | Expect::Status(_) | Expect::Body(_) | Expect::BodyLen(_) => {
                panic!(
                    "{id}: {e:?} checks what our client's application got; no server case has it"
                )
            }
            Expect::BlockLonger(..) => unreachable!("{id}: checked by the runner"),
        }
    }
}

/// A live server's address.
struct Live {
    addr: SocketAddr,
}

impl Target for Live {
    type Wire = TcpWire;

    fn handshaken(&mut self, role: Role, delivery: Delivery) -> TcpWire {
        assert_eq!(role, Role::Server, "the live suite runs server cases");
        TcpWire::h2spec(self.addr, delivery)
    }

    /// The input in one write on a new connection.
    fn fresh(&mut self, id: &str, input: &[u8], expect: &[FreshExpect]) {
        let mut w = TcpWire::connect(self.addr, Delivery::Whole);
        w.sock.write_all(input).expect("write the input");
        for e in expect {
            match e {
                FreshExpect::Accepted => {
                    w.settle();
                    assert!(
                        !w.ended && w.first_goaway().is_none(),
                        "{id}: the server refused the input: {:?}",
                        w.frames
                    );
                }
                FreshExpect::Refused(code) => {
                    w.wait(|w| w.ended);
                    assert_eq!(
                        w.first_goaway(),
                        Some(*code),
                        "{id}: frames {:?}, then {:?}",
                        w.frames,
                        String::from_utf8_lossy(&w.buf)
                    );
                    assert!(w.ended, "{id}: connection still open");
                }
                FreshExpect::FirstFrame { kind, flags, mask } => {
                    w.wait(|w| !w.frames.is_empty());
                    let first = w.frames.first().unwrap_or_else(|| panic!("{id}: no frame"));
                    assert_eq!(
                        (first.kind, first.flags & mask),
                        (*kind, *flags),
                        "{id}: first frame {first:?}"
                    );
                }
            }
        }
    }
}

/// Runs every server row of the table against `addr` but those named in `not_here`; fails,
/// naming them, when a case fails, and when fewer cases ran than expected.
fn run_live(what: &str, addr: SocketAddr, not_here: &[&str]) {
    let rows: Vec<_> = TABLE.iter().filter(|c| c.server.is_some()).collect();
    assert_eq!(rows.len(), SERVER_CASES, "the table's server rows");
    for id in not_here {
        assert!(
            rows.iter().any(|c| c.server == Some(id)),
            "{id} is not a server case"
        );
    }
    let expected = SERVER_CASES - not_here.len();
    let mut target = Live { addr };
    let (mut ran, mut runs, mut failed) = (0, 0, Vec::new());
    for c in rows {
        let id = c.server.unwrap();
        if not_here.contains(&id) {
            continue;
        }
        match catch_unwind(AssertUnwindSafe(|| {
            case::run_on(&mut target, c, Role::Server)
        })) {
            Ok(n) => {
                ran += 1;
                runs += n;
            }
            Err(_) => {
                eprintln!(
                    "{id} failed: \"{}\"; requirement: \"{}\"",
                    c.desc, c.requirement
                );
                failed.push(id);
            }
        }
    }
    assert!(
        failed.is_empty(),
        "{what}: {} of {expected} cases failed: {failed:?}",
        failed.len()
    );
    assert_eq!(
        ran, expected,
        "{what}: expected {expected} cases, ran {ran}"
    );
    println!("{what}: {ran} of {expected} h2spec server cases passed live ({runs} runs)");
}

/// The server as `wire serve` runs it (HTTP/1.1 and h2c on one port, one loop): every server
/// case but `http2/3.5/2` (an invalid preface is an HTTP/1.1 request on this port; see the
/// module's doc).
#[test]
fn server_cases_live_h1_and_h2c() {
    let config = ServerConfig {
        threads: 1,
        ..ServerConfig::default()
    };
    let server = Server::bind("127.0.0.1:0".parse().unwrap(), config, handler).unwrap();
    run_live("h1+h2c", server.local_addr(), &["http2/3.5/2"]);
    server.shutdown().unwrap();
}

/// An HTTP/2-only listener: every connection is an [`H2Session`] from its first byte. All 148
/// server cases.
#[test]
fn server_cases_live_h2_only() {
    let listener = mio::net::TcpListener::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let addr = listener.local_addr().unwrap();
    let defaults = ServerConfig::default();
    let (timeouts, max_body) = (defaults.timeouts, defaults.max_body);
    let app: Handler = Arc::new(handler);
    let config = LoopConfig {
        timeouts,
        ..LoopConfig::default()
    };
    let mut ev = EventLoop::new(listener, config, move |now| {
        Some(H2Session::new(&timeouts, max_body, Arc::clone(&app), now))
    })
    .unwrap();
    let stopper = ev.stopper();
    let thread = std::thread::spawn(move || ev.run());
    run_live("h2 only", addr, &[]);
    stopper.stop().unwrap();
    thread.join().unwrap().unwrap();
}

/// The reason `http2/3.5/2` does not run against the HTTP/1.1 + h2c port holds: its invalid
/// preface gets an HTTP/1.1 400 there and the connection is closed (what h2spec's
/// requirement, "The endpoint MUST terminate the TCP connection", asks), not the GOAWAY the
/// case wants.
#[test]
fn invalid_preface_on_the_h1_and_h2c_port_is_http1() {
    let config = ServerConfig {
        threads: 1,
        ..ServerConfig::default()
    };
    let server = Server::bind("127.0.0.1:0".parse().unwrap(), config, handler).unwrap();
    let mut sock = TcpStream::connect(server.local_addr()).unwrap();
    sock.set_read_timeout(Some(WAIT)).unwrap();
    sock.write_all(b"INVALID CONNECTION PREFACE\r\n\r\n")
        .unwrap();
    let mut answer = Vec::new();
    // Ends with the connection (an error here would be a timeout: still open).
    sock.read_to_end(&mut answer).expect("the server closes");
    assert!(
        answer.starts_with(b"HTTP/1.1 400 "),
        "{:?}",
        String::from_utf8_lossy(&answer)
    );
    server.shutdown().unwrap();
}
