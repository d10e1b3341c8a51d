//! The sans-IO connection: bytes in, events out; commands in, bytes out.

use std::collections::VecDeque;

use bytes::Bytes;

use crate::deflate::Deflate;
use crate::frame::{FrameHeader, MAX_HEADER_LEN, OpCode, Role};
use crate::rng::{KeyBatch, Source};
use crate::utf8::Utf8Validator;
use crate::{
    CloseCode, CryptoMask, DeflateParams, Error, MaskSource, PredictableMask, ProtocolError,
    SendError, apply_mask,
};

/// Limits and negotiated extensions of a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Config {
    /// Largest payload of one received data frame (close 1009 above it). Default 16 MiB.
    pub max_frame_size: u64,
    /// Largest received message, after decompression (close 1009 above it). Default 64 MiB.
    ///
    /// It also bounds memory: the buffer that assembles or inflates a message never has a
    /// capacity above it, and inflation stops exactly there (a deflate bomb is refused with
    /// [`ProtocolError::MessageTooLarge`] once this many bytes are out, not after inflating
    /// more).
    pub max_message_size: usize,
    /// Negotiated permessage-deflate parameters (from the handshake), if any.
    pub deflate: Option<DeflateParams>,
    /// Bytes [`Connection::recv`] takes into the receive buffer before events must be
    /// drained. A one-frame message larger than this is still taken whole (up to the frame
    /// and message limits), so that it is handed out from the buffer. Default 64 KiB.
    pub recv_buffer: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_frame_size: 16 << 20,
            max_message_size: 64 << 20,
            deflate: None,
            recv_buffer: 64 << 10,
        }
    }
}

impl Config {
    /// Sets the largest received frame payload.
    pub fn max_frame_size(mut self, n: u64) -> Self {
        self.max_frame_size = n;
        self
    }

    /// Sets the largest received message.
    pub fn max_message_size(mut self, n: usize) -> Self {
        self.max_message_size = n;
        self
    }

    /// Sets the receive buffer's size (see [`Config::recv_buffer`]).
    pub fn recv_buffer(mut self, n: usize) -> Self {
        self.recv_buffer = n;
        self
    }

    /// Enables permessage-deflate with negotiated parameters.
    pub fn deflate(mut self, params: Option<DeflateParams>) -> Self {
        self.deflate = params;
        self
    }
}

/// Where the close handshake is (RFC 6455 section 7).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum State {
    /// Messages flow both ways.
    Open,
    /// We sent a Close frame and wait for the peer's.
    Closing,
    /// Both Close frames were exchanged (or queued), the connection failed, or the transport
    /// ended. Flush `poll_transmit`, then close the transport (a server closes it first).
    Closed,
}

/// What the peer said. Data borrows the connection's receive buffer when a message is one
/// frame, its assembly buffer otherwise.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event<'a> {
    /// A complete text message (valid UTF-8).
    Text(&'a str),
    /// A complete binary message.
    Binary(&'a [u8]),
    /// A ping; the pong is already queued (unless we are closing).
    Ping(&'a [u8]),
    /// A pong.
    Pong(&'a [u8]),
    /// The peer's Close frame; our reply, if one was due, is already queued.
    Close {
        /// The status code, if the frame had one.
        code: Option<CloseCode>,
        /// The reason (valid UTF-8, possibly empty).
        reason: &'a str,
    },
}

/// The type of a data message, for [`Connection::send_fragment`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MessageKind {
    /// UTF-8 text.
    Text,
    /// Binary data.
    Binary,
}

#[derive(Clone, Copy, Debug)]
enum Rx {
    Header,
    /// Inside a data frame that is streamed into the message buffer (a fragment, or a
    /// compressed message).
    Payload {
        opcode: OpCode,
        fin: bool,
        key: Option<[u8; 4]>,
        offset: usize,
        remaining: u64,
    },
}

#[derive(Clone, Copy, Debug)]
struct Message {
    text: bool,
    compressed: bool,
}

/// A frame at the start of received bytes that is handed out whole (see
/// `Connection::whole_frame`).
#[derive(Clone, Copy, Debug)]
struct WholeFrame {
    /// Length of its header.
    header: usize,
    /// Its length with the header.
    len: usize,
    /// Its masking key.
    key: Option<[u8; 4]>,
}

/// Where a completed item lives, decided before any borrow is handed out (offsets, so that
/// `self` is free for the engine's own reactions).
enum Item {
    /// A whole unfragmented, uncompressed message in the receive buffer (unmasked).
    Data {
        text: bool,
        start: usize,
        end: usize,
    },
    /// A message in the assembly buffer (text already validated).
    Assembled { text: bool },
    /// A control frame in the receive buffer (unmasked, already checked).
    Control {
        op: OpCode,
        start: usize,
        end: usize,
    },
}

/// Capacity of the message buffer an idle connection keeps; a larger one (left by a large
/// fragmented or compressed message) is released by the next [`Connection::poll_event`].
const RETAIN_BUF: usize = 8 * 1024;

/// Capacity of the receive buffer an idle connection keeps; a larger one is released by the
/// `poll_event` call that finds it drained.
const RETAIN_RECV: usize = 8 * 1024;

/// Bytes of pongs the engine queued itself (not yet taken by `poll_transmit`) beyond which
/// further pings are reported but not answered.
const MAX_PENDING: usize = 16 * 1024;

/// Capacity of the output buffer a connection keeps once `poll_transmit` drained it; a larger
/// one (left by a large copied message) is given back.
const RETAIN_TX: usize = 256 * 1024;

/// Reads shorter than this are copied into the receive buffer as they are and unmasked there
/// (still in the nearest cache); from this size a whole masked frame at their start is unmasked
/// while it is copied in. Below it, decoding the header one more time costs more than the
/// second pass saves (a 16-byte message took 4 ns longer, 23 -> 27 ns).
const FUSED_MIN: usize = 2048;

/// Payloads shorter than this given to [`Connection::send_binary_bytes`] are copied into the
/// queue: a separate slice in a vectored write costs more than copying them.
const VECTORED_MIN: usize = 1024;

/// The output side: what `send_*` and the engine's own reactions queue, in wire order.
#[derive(Debug)]
struct Out {
    role: Role,
    keys: KeyBatch,
    /// The payload of a server's uncopied binary message queued while nothing else was. It
    /// comes before everything in `tx` and `payloads`, and `poll_transmit` encodes its header
    /// straight into the caller's buffer (no header bytes stored, no queue entry): the common
    /// case of one large message at a time costs two moves of a `Bytes`. (An `Option<Bytes>`
    /// on its own, not with the opcode: a tuple put the `Bytes` at an odd offset, and its
    /// moves then loaded it across the stores that had just written it.)
    lone: Option<Bytes>,
    /// Frame bytes (headers, copied payloads).
    tx: Vec<u8>,
    /// Payloads to hand back from `poll_transmit`, each with the position in `tx` it follows.
    payloads: VecDeque<(usize, Bytes)>,
    /// Bytes of pongs queued by the engine since `tx` was last drained.
    auto: usize,
}

impl Out {
    /// Queues one frame (header, payload copied and masked for a client).
    #[inline(always)]
    fn frame(&mut self, fin: bool, rsv1: bool, op: OpCode, payload: &[u8]) {
        let mask = (self.role == Role::Client).then(|| self.keys.mask_key());
        let mut h = FrameHeader::new(op, mask, payload.len() as u64);
        h.fin = fin;
        h.rsv1 = rsv1;
        // One capacity check for the whole frame, header and payload (masked while copied for
        // a client): `encode_frame`.
        crate::frame::encode_frame(&h, payload, &mut self.tx);
    }

    /// Queues a server's binary frame header and `payload` to be handed back as it is.
    #[inline]
    fn binary_bytes(&mut self, payload: Bytes) {
        if self.lone.is_none() && self.tx.is_empty() && self.payloads.is_empty() {
            self.lone = Some(payload);
            return;
        }
        self.frame_bytes_queued(OpCode::Binary, payload);
    }

    /// [`binary_bytes`](Self::binary_bytes) behind other output: the header in `tx`, the payload
    /// in the queue.
    #[inline(never)]
    fn frame_bytes_queued(&mut self, op: OpCode, payload: Bytes) {
        FrameHeader::new(op, None, payload.len() as u64).encode(&mut self.tx);
        self.payloads.push_back((self.tx.len(), payload));
    }

    fn wants_write(&self) -> bool {
        self.lone.is_some() || !self.tx.is_empty() || !self.payloads.is_empty()
    }

    #[inline(always)]
    fn poll(&mut self, out: &mut Vec<u8>) -> Option<Bytes> {
        if self.lone.is_some() {
            return self.poll_lone(out);
        }
        if !self.payloads.is_empty() {
            return self.poll_payload(out);
        }
        // The length on its own first: the swap below then does not load it together with
        // the pointer as one 16-byte value right after a send stored it (a store that cannot
        // be forwarded to that load costs about 4 ns).
        if self.tx.is_empty() {
            return None;
        }
        if out.is_empty() && out.capacity() <= self.tx.capacity().saturating_mul(2) {
            // Appending to an empty `out` is taking our buffer: no copy. Only when the
            // caller's is not much larger, so the connection never ends up holding more than
            // twice what it had. (`out` was empty: so is our buffer now.)
            core::mem::swap(out, &mut self.tx);
        } else {
            out.extend_from_slice(&self.tx);
            self.tx.clear();
        }
        if self.tx.capacity() > RETAIN_TX {
            self.release_tx();
        }
        self.auto = 0;
        None
    }

    /// [`poll`](Self::poll) with `lone` set: its header, then its payload.
    #[inline]
    fn poll_lone(&mut self, out: &mut Vec<u8>) -> Option<Bytes> {
        let payload = self.lone.take()?;
        FrameHeader::new(OpCode::Binary, None, payload.len() as u64).encode(out);
        Some(payload)
    }

    /// Gives back a drained output buffer above [`RETAIN_TX`].
    #[cold]
    fn release_tx(&mut self) {
        self.tx = Vec::new();
    }

    /// [`poll`](Self::poll) with a payload queued: the bytes before it, then the payload.
    #[inline(never)]
    fn poll_payload(&mut self, out: &mut Vec<u8>) -> Option<Bytes> {
        let (at, payload) = self.payloads.pop_front()?;
        out.extend_from_slice(&self.tx[..at]);
        if at == self.tx.len() {
            self.tx.clear();
        } else {
            self.tx.drain(..at);
        }
        for (pos, _) in &mut self.payloads {
            *pos -= at;
        }
        Some(payload)
    }
}

/// Whether the connection failed or the close handshake moved.
#[derive(Clone, Copy, Debug, Default)]
struct Status {
    failed: Option<ProtocolError>,
    close_sent: bool,
    close_received: bool,
    eof: bool,
}

impl Status {
    /// Fails the connection: queues a Close frame with the error's code (unless one was sent).
    #[cold]
    fn fail(&mut self, out: &mut Out, e: ProtocolError) -> Error {
        self.failed = Some(e);
        if !self.close_sent {
            self.close_sent = true;
            let code = e.close_code().as_u16().to_be_bytes();
            out.frame(true, false, OpCode::Close, &code);
        }
        Error::Protocol(e)
    }
}

/// A WebSocket connection (either role) after the opening handshake. No I/O, no clock.
///
/// Call order (the engine contract shared with proto-h1 and proto-h2):
/// - Offer received bytes with [`recv`](Self::recv): it copies as many as fit into the
///   connection's receive buffer and returns how many. Fewer than offered means the buffer is
///   full: drain events, then offer the rest again.
/// - Call [`poll_event`](Self::poll_event) until it returns `Ok(None)`. Masked payloads are
///   unmasked in the receive buffer; events borrow the connection.
/// - Send with [`send_text`](Self::send_text), [`send_binary`](Self::send_binary),
///   [`send_binary_bytes`](Self::send_binary_bytes), [`send_fragment`](Self::send_fragment),
///   [`send_ping`](Self::send_ping), [`close`](Self::close): they queue frames inside the
///   connection, after anything the engine queued itself (pongs, close replies).
/// - While [`wants_write`](Self::wants_write), call [`poll_transmit`](Self::poll_transmit) and
///   write what it appended to `out`, then the payload it returned, if any.
/// - On `Err` from `poll_event`, flush `poll_transmit` (it holds the Close frame with the code
///   the engine chose) and close the transport. Once [`is_closed`](Self::is_closed) and
///   nothing is left to write, close the transport (a server closes it first).
///
/// Event data borrows the connection: copy it before sending a reply that uses it.
///
/// Memory: a message that is one frame is handed out from the receive buffer, which holds
/// [`Config::recv_buffer`] bytes, or one whole such frame when it is larger (at most
/// [`Config::max_frame_size`] and [`Config::max_message_size`] plus its header). A fragmented
/// or compressed message is assembled in a buffer whose capacity never exceeds
/// [`Config::max_message_size`], fed from the receive buffer at most `recv_buffer` bytes at a
/// time. A receive buffer above 8 KiB is released by the `poll_event` call that finds it
/// drained, and a message buffer above 8 KiB by the `poll_event` call after its message, so
/// an idle connection keeps at most 8 KiB of each (plus the inflater's fixed state with
/// permessage-deflate). The output queue holds what the caller sent until `poll_transmit`
/// takes it (a drained queue keeps at most 256 KiB); pongs the engine queues itself are
/// bounded (16 KiB).
#[derive(Debug)]
pub struct Connection {
    config: Config,
    rx: Rx,
    msg: Option<Message>,
    buf: Vec<u8>,
    utf8: Utf8Validator,
    /// Received bytes; `rbuf[rstart..]` is not parsed yet.
    rbuf: Vec<u8>,
    rstart: usize,
    /// Bytes the receive buffer must hold for the frame at its front (0 when not waiting for
    /// a whole frame).
    need: usize,
    /// Payload bytes of the one-frame text message at the front already unmasked and checked
    /// (it arrives in pieces).
    checked: usize,
    /// Payload bytes of the frame at the front of the receive buffer that `recv` already
    /// unmasked while copying them in (0 when it did not).
    unmasked: usize,
    out: Out,
    status: Status,
    deflate: Option<Deflate>,
    sending: Option<OpCode>,
    scratch: Vec<u8>,
}

impl Connection {
    fn with_source(role: Role, config: Config, source: Source) -> Connection {
        Connection {
            deflate: config
                .deflate
                .as_ref()
                .map(|p| Deflate::new(p, role == Role::Server)),
            config,
            rx: Rx::Header,
            msg: None,
            buf: Vec::new(),
            utf8: Utf8Validator::default(),
            rbuf: Vec::new(),
            rstart: 0,
            need: 0,
            checked: 0,
            unmasked: 0,
            out: Out {
                role,
                keys: KeyBatch::new(source),
                lone: None,
                tx: Vec::new(),
                payloads: VecDeque::new(),
                auto: 0,
            },
            status: Status::default(),
            sending: None,
            scratch: Vec::new(),
        }
    }

    /// A client connection whose masking keys come from `keys`, ChaCha12 keyed with 32 bytes
    /// from the caller's cryptographic source (RFC 6455 section 5.3; this crate reads no
    /// randomness itself), drawn 256 bytes (64 keys) at a time: a frame costs a 4-byte load.
    ///
    /// ```
    /// use proto_ws::{Config, Connection, CryptoMask};
    ///
    /// # fn os_random_seed() -> [u8; 32] { [7; 32] } // the OS's generator, in a real program
    /// let client = Connection::client(Config::default(), CryptoMask::from_seed(os_random_seed()));
    /// ```
    pub fn client(config: Config, keys: CryptoMask) -> Connection {
        Connection::with_source(Role::Client, config, Source::Crypto(keys))
    }

    /// A client connection whose masking keys come from `source` (a runtime's own CSPRNG).
    /// The source must be unpredictable (RFC 6455 section 5.3); it is called for
    /// [`KEY_BATCH`](crate::KEY_BATCH) bytes at a time. Boxes `source` (one allocation unless
    /// it is zero-sized).
    pub fn client_with_source(
        config: Config,
        source: impl MaskSource + Send + 'static,
    ) -> Connection {
        Connection::with_source(Role::Client, config, Source::Custom(Box::new(source)))
    }

    /// A client connection with predictable masking keys ([`PredictableMask`] from `seed`):
    /// the same seed gives the same wire bytes. For tests, benches and fuzzing only: anyone who
    /// sees a few frames can predict the next keys, which RFC 6455 section 5.3 forbids on a
    /// real connection.
    pub fn client_predictable(config: Config, seed: u64) -> Connection {
        Connection::client_with_source(config, PredictableMask::new(seed))
    }

    /// A server connection (it never masks, so it takes no source of keys).
    pub fn server(config: Config) -> Connection {
        Connection::with_source(Role::Server, config, Source::Server)
    }

    /// Our role.
    pub fn role(&self) -> Role {
        self.out.role
    }

    /// The configuration in force.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Where the close handshake is.
    pub fn state(&self) -> State {
        let s = &self.status;
        if s.close_received || s.failed.is_some() || s.eof {
            State::Closed
        } else if s.close_sent {
            State::Closing
        } else {
            State::Open
        }
    }

    /// Whether output is queued: [`poll_transmit`](Self::poll_transmit) would produce
    /// something.
    #[must_use]
    #[inline]
    pub fn wants_write(&self) -> bool {
        self.out.wants_write()
    }

    /// Whether the connection is over: the close handshake completed, the connection failed,
    /// or the transport ended ([`recv_eof`](Self::recv_eof)). Once [`wants_write`](Self::wants_write)
    /// is false too, close the transport.
    #[must_use]
    #[inline]
    pub fn is_closed(&self) -> bool {
        self.state() == State::Closed
    }

    /// The one output call: appends queued frame bytes to `out` and may hand back one payload
    /// that must be written right after them (a server's
    /// [`send_binary_bytes`](Self::send_binary_bytes), never copied). Write `out`, then the
    /// payload, and call again while [`wants_write`](Self::wants_write).
    ///
    /// When `out` is empty and at most twice as large as the connection's own buffer, the two
    /// are swapped instead of copied (the contents are the same as an append).
    #[inline(always)]
    #[must_use = "a returned payload must be written after `out`"]
    pub fn poll_transmit(&mut self, out: &mut Vec<u8>) -> Option<Bytes> {
        self.out.poll(out)
    }

    /// Takes received bytes: copies as many as fit into the receive buffer and returns how
    /// many. Fewer than `input.len()` (possibly 0) means the buffer is full: drain
    /// [`poll_event`](Self::poll_event), then offer the rest again. The buffer holds
    /// [`Config::recv_buffer`] bytes, or a whole one-frame message at its front when that is
    /// larger.
    ///
    /// # Errors
    /// The sticky [`Error::Protocol`] once the peer broke the protocol; [`Error::Closed`] for
    /// bytes after the peer's Close frame (nothing is taken).
    pub fn recv(&mut self, input: &[u8]) -> Result<usize, Error> {
        if let Some(e) = self.status.failed {
            return Err(Error::Protocol(e));
        }
        if self.status.close_received || self.status.eof {
            return if input.is_empty() {
                Ok(0)
            } else {
                Err(Error::Closed)
            };
        }
        if self.rstart > 0 {
            if self.rstart == self.rbuf.len() {
                self.rbuf.clear();
            } else {
                self.rbuf.drain(..self.rstart);
            }
            self.rstart = 0;
        }
        let mut whole = None;
        if self.rbuf.is_empty()
            && self.need == 0
            && (input.len() >= FUSED_MIN || input.len() > self.config.recv_buffer)
        {
            whole = self.whole_frame(input);
            if input.len() > self.config.recv_buffer {
                self.need = whole.map_or(0, |w| w.len);
            }
        }
        let limit = self.config.recv_buffer.max(self.need).max(MAX_HEADER_LEN);
        let n = input.len().min(limit.saturating_sub(self.rbuf.len()));
        if n > self.rbuf.capacity() - self.rbuf.len() {
            // At least the size an idle connection keeps, so that small reads do not grow it
            // step by step.
            let want = n.max(RETAIN_RECV.saturating_sub(self.rbuf.len()));
            crate::deflate::grow_within(&mut self.rbuf, want, limit);
        }
        match whole {
            // A masked frame handed out whole, all of it here: unmask its payload while
            // copying it in, rather than copy it now and read it all again in `poll_event`.
            Some(WholeFrame {
                header,
                len,
                key: Some(key),
            }) if len <= n => {
                self.rbuf.extend_from_slice(&input[..header]);
                crate::mask::extend_masked(&mut self.rbuf, &input[header..len], key, 0);
                self.rbuf.extend_from_slice(&input[len..n]);
                self.unmasked = len - header;
            }
            _ => self.rbuf.extend_from_slice(&input[..n]),
        }
        Ok(n)
    }

    /// When `input` starts with the header of a frame that is handed out whole (a control
    /// frame, or a one-frame uncompressed message within the limits, as `step` decides): its
    /// header's length, its length with the header, and its key. `recv` then takes all of it
    /// at once when it is larger than the receive buffer (a frame straddling two `recv` calls
    /// would be checked piece by piece, then again whole), and unmasks it while copying it in
    /// when it is all there. `None` otherwise; errors are left for `poll_event`.
    #[inline]
    fn whole_frame(&self, input: &[u8]) -> Option<WholeFrame> {
        if !matches!(self.rx, Rx::Header) || self.msg.is_some() {
            return None;
        }
        match FrameHeader::decode(input, self.out.role) {
            Ok(Some((h, hlen)))
                if h.fin
                    && !h.rsv1
                    && h.opcode != OpCode::Continuation
                    && h.payload_len <= self.config.max_frame_size
                    && h.payload_len <= self.config.max_message_size as u64 =>
            {
                Some(WholeFrame {
                    header: hlen,
                    len: hlen + h.payload_len as usize,
                    key: h.mask,
                })
            }
            _ => None,
        }
    }

    /// The transport reached end of stream: the connection is over ([`is_closed`](Self::is_closed));
    /// without a Close frame first, that is an abnormal closure (close code 1006, never sent).
    pub fn recv_eof(&mut self) {
        self.status.eof = true;
    }

    /// The next event in the received bytes, or `None` when more bytes are needed. Call it
    /// until `None` after each [`recv`](Self::recv). Pongs and close replies the RFC demands
    /// are queued by the engine itself (take them with [`poll_transmit`](Self::poll_transmit)).
    ///
    /// # Errors
    /// [`Error::Protocol`] when the peer broke the protocol (the Close frame with its code is
    /// queued; sticky), [`Error::Closed`] for bytes received after the peer's Close frame
    /// (they are dropped).
    pub fn poll_event(&mut self) -> Result<Option<Event<'_>>, Error> {
        if self.buf.capacity() > RETAIN_BUF && self.msg.is_none() {
            // The last message was handed out by the previous call; nothing borrows it now.
            self.release_buf();
        }
        if let Some(e) = self.status.failed {
            return Err(Error::Protocol(e));
        }
        if self.status.close_received {
            let left = self.rbuf.len() > self.rstart;
            self.rbuf = Vec::new();
            self.rstart = 0;
            self.unmasked = 0;
            return if left { Err(Error::Closed) } else { Ok(None) };
        }
        let item = match self.step() {
            Ok(Some(item)) => item,
            Ok(None) => {
                if self.rstart == self.rbuf.len() {
                    self.rstart = 0;
                    self.rbuf.clear();
                    if self.rbuf.capacity() > RETAIN_RECV {
                        self.rbuf = Vec::new();
                    }
                }
                return Ok(None);
            }
            Err(e) => return Err(self.status.fail(&mut self.out, e)),
        };
        // Disjoint fields: the event borrows a buffer while a failure queues its Close frame.
        let Connection {
            rbuf,
            buf,
            out,
            status,
            ..
        } = self;
        match item {
            Item::Data { text, start, end } => {
                let payload = &rbuf[start..end];
                if !text {
                    return Ok(Some(Event::Binary(payload)));
                }
                match simdutf8::basic::from_utf8(payload) {
                    Ok(t) => Ok(Some(Event::Text(t))),
                    Err(_) => Err(status.fail(out, ProtocolError::InvalidUtf8)),
                }
            }
            Item::Assembled { text: false } => Ok(Some(Event::Binary(buf))),
            Item::Assembled { text: true } => {
                // Validated piece by piece while it was assembled; this cannot fail.
                match simdutf8::basic::from_utf8(buf) {
                    Ok(s) => Ok(Some(Event::Text(s))),
                    Err(_) => Err(status.fail(out, ProtocolError::InvalidUtf8)),
                }
            }
            Item::Control { op, start, end } => {
                let payload = &rbuf[start..end];
                Ok(Some(match op {
                    OpCode::Ping => Event::Ping(payload),
                    OpCode::Pong => Event::Pong(payload),
                    // Checked by `on_control`.
                    _ => match parse_close(payload) {
                        Ok((code, reason)) => Event::Close { code, reason },
                        Err(_) => Event::Close {
                            code: None,
                            reason: "",
                        },
                    },
                }))
            }
        }
    }

    /// Drops the contents of the message buffer and shrinks it to [`RETAIN_BUF`].
    #[cold]
    fn release_buf(&mut self) {
        self.buf.clear();
        self.buf.shrink_to(RETAIN_BUF);
    }

    /// Parses the receive buffer up to the next item.
    fn step(&mut self) -> Result<Option<Item>, ProtocolError> {
        loop {
            match self.rx {
                Rx::Header => {
                    let Some((h, hlen)) =
                        FrameHeader::decode(&self.rbuf[self.rstart..], self.out.role)?
                    else {
                        return Ok(None);
                    };
                    if h.rsv2 || h.rsv3 {
                        return Err(ProtocolError::ReservedBits);
                    }
                    if h.rsv1
                        && (self.deflate.is_none()
                            || !matches!(h.opcode, OpCode::Text | OpCode::Binary))
                    {
                        return Err(ProtocolError::ReservedBits);
                    }
                    match h.opcode {
                        OpCode::Continuation if self.msg.is_none() => {
                            return Err(ProtocolError::UnexpectedContinuation);
                        }
                        OpCode::Text | OpCode::Binary if self.msg.is_some() => {
                            return Err(ProtocolError::ExpectedContinuation);
                        }
                        _ => {}
                    }
                    let len = h.payload_len;
                    let control = h.opcode.is_control();
                    if !control && len > self.config.max_frame_size {
                        return Err(ProtocolError::FrameTooLarge {
                            limit: self.config.max_frame_size,
                            len,
                        });
                    }
                    // Control frames (at most 125 bytes) and one-frame uncompressed messages
                    // are handed out whole from the receive buffer: wait until it holds them.
                    if control || (self.msg.is_none() && h.fin && !h.rsv1) {
                        if !control && len > self.config.max_message_size as u64 {
                            return Err(ProtocolError::MessageTooLarge {
                                limit: self.config.max_message_size as u64,
                            });
                        }
                        // Both bounded by the limits above, which fit in memory.
                        let total = hlen + len as usize;
                        let start = self.rstart + hlen;
                        let have = self.rbuf.len() - start;
                        if have < len as usize {
                            self.need = total;
                            if h.opcode == OpCode::Text && have > self.checked {
                                self.check_prefix(start, have, h.mask)?;
                            }
                            return Ok(None);
                        }
                        self.need = 0;
                        let end = self.rstart + total;
                        self.rstart = end;
                        // `recv` may have unmasked the payload already (all of it: it does
                        // so only when the whole frame arrived at once).
                        let from = self.checked.max(self.unmasked);
                        if let Some(key) = h.mask {
                            apply_mask(&mut self.rbuf[start + from..end], key, from);
                        }
                        self.checked = 0;
                        self.unmasked = 0;
                        if control {
                            self.on_control(h.opcode, start, end)?;
                            return Ok(Some(Item::Control {
                                op: h.opcode,
                                start,
                                end,
                            }));
                        }
                        return Ok(Some(Item::Data {
                            text: h.opcode == OpCode::Text,
                            start,
                            end,
                        }));
                    }
                    self.rstart += hlen;
                    if h.opcode != OpCode::Continuation {
                        self.msg = Some(Message {
                            text: h.opcode == OpCode::Text,
                            compressed: h.rsv1,
                        });
                        self.buf.clear();
                        self.utf8.reset();
                    }
                    let compressed = self.msg.is_some_and(|m| m.compressed);
                    if !compressed
                        && self.buf.len() as u64 + len > self.config.max_message_size as u64
                    {
                        return Err(ProtocolError::MessageTooLarge {
                            limit: self.config.max_message_size as u64,
                        });
                    }
                    self.rx = Rx::Payload {
                        opcode: h.opcode,
                        fin: h.fin,
                        key: h.mask,
                        offset: 0,
                        remaining: len,
                    };
                }
                Rx::Payload {
                    opcode,
                    fin,
                    key,
                    offset,
                    remaining,
                } => {
                    let start = self.rstart;
                    let n = remaining.min((self.rbuf.len() - start) as u64) as usize;
                    let offset = match key {
                        Some(k) => apply_mask(&mut self.rbuf[start..start + n], k, offset),
                        None => offset,
                    };
                    self.rstart += n;
                    self.absorb(start, start + n)?;
                    let remaining = remaining - n as u64;
                    if remaining > 0 {
                        self.rx = Rx::Payload {
                            opcode,
                            fin,
                            key,
                            offset,
                            remaining,
                        };
                        return Ok(None);
                    }
                    self.rx = Rx::Header;
                    if fin {
                        let Some(m) = self.msg.take() else {
                            return Err(ProtocolError::UnexpectedContinuation);
                        };
                        if m.compressed {
                            self.inflate_into_buf(0, 0, m.text, true)?;
                        }
                        if m.text {
                            self.utf8.finish().map_err(|_| ProtocolError::InvalidUtf8)?;
                        }
                        return Ok(Some(Item::Assembled { text: m.text }));
                    }
                }
            }
        }
    }

    /// A one-frame text message that has not fully arrived: unmasks and checks the UTF-8 of
    /// what has (`have` bytes of payload from `rbuf[start..]`), so that invalid text fails the
    /// connection at once rather than when the frame ends (RFC 6455 section 8.1). The whole
    /// payload is checked again when it is handed out as `&str`.
    #[cold]
    fn check_prefix(
        &mut self,
        start: usize,
        have: usize,
        key: Option<[u8; 4]>,
    ) -> Result<(), ProtocolError> {
        if self.checked == 0 {
            self.utf8.reset();
        }
        let (from, to) = (start + self.checked, start + have);
        let masked_from = self.checked.max(self.unmasked).min(have);
        if let Some(key) = key {
            apply_mask(&mut self.rbuf[start + masked_from..to], key, masked_from);
        }
        self.checked = have;
        self.utf8
            .feed(&self.rbuf[from..to])
            .map_err(|_| ProtocolError::InvalidUtf8)
    }

    /// Appends `rbuf[start..end]` (unmasked data payload) to the message being assembled.
    fn absorb(&mut self, start: usize, end: usize) -> Result<(), ProtocolError> {
        let Some(m) = self.msg else {
            return Err(ProtocolError::UnexpectedContinuation);
        };
        if m.compressed {
            return self.inflate_into_buf(start, end, m.text, false);
        }
        let old = self.buf.len();
        // The length was checked against the limit with the frame header.
        crate::deflate::grow_within(&mut self.buf, end - start, self.config.max_message_size);
        self.buf.extend_from_slice(&self.rbuf[start..end]);
        if m.text {
            self.utf8
                .feed(&self.buf[old..])
                .map_err(|_| ProtocolError::InvalidUtf8)?;
        }
        Ok(())
    }

    /// Inflates `rbuf[start..end]` (part of a compressed message) or, with `finish`, its
    /// stripped tail, into the message buffer, and validates the text it produced.
    ///
    /// The bytes inflated before an inflate error (bad DEFLATE data, or output past the message
    /// limit) come first in the stream, so a UTF-8 error among them (up to the limit) is the one
    /// reported: the same error whatever the chunking of the input.
    fn inflate_into_buf(
        &mut self,
        start: usize,
        end: usize,
        text: bool,
        finish: bool,
    ) -> Result<(), ProtocolError> {
        let old = self.buf.len();
        let limit = self.config.max_message_size;
        let inflated = match self.deflate.as_mut() {
            Some(d) if finish => d.finish_message(&mut self.buf, limit),
            Some(d) => d.inflate(&self.rbuf[start..end], &mut self.buf, limit),
            None => Ok(()),
        };
        if text {
            let end = self.buf.len().min(limit).max(old);
            self.utf8
                .feed(&self.buf[old..end])
                .map_err(|_| ProtocolError::InvalidUtf8)?;
        }
        inflated
    }

    /// The engine's own reactions to a complete control frame in `rbuf[start..end]`.
    fn on_control(&mut self, op: OpCode, start: usize, end: usize) -> Result<(), ProtocolError> {
        let payload = &self.rbuf[start..end];
        match op {
            OpCode::Ping if !self.status.close_sent && self.out.auto < MAX_PENDING => {
                self.out.auto += MAX_HEADER_LEN + payload.len();
                self.out.frame(true, false, OpCode::Pong, payload);
            }
            OpCode::Close => {
                let (code, _) = parse_close(payload)?;
                self.status.close_received = true;
                if !self.status.close_sent {
                    self.status.close_sent = true;
                    // "When sending a Close frame in response, the endpoint typically echos the
                    // status code it received."
                    match code {
                        Some(c) => {
                            self.out
                                .frame(true, false, OpCode::Close, &c.as_u16().to_be_bytes())
                        }
                        None => self.out.frame(true, false, OpCode::Close, &[]),
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    #[inline]
    fn check_send(&self) -> Result<(), SendError> {
        if self.status.close_sent || self.status.eof {
            return Err(SendError::Closed);
        }
        Ok(())
    }

    // Always inlined into the caller with `poll_transmit`: when the queue's length is stored
    // by a call and then loaded with its pointer as one 16-byte value by the buffer swap, the
    // store cannot be forwarded to the load, which cost a third of a 1 KiB frame's time.
    #[inline(always)]
    fn send_message(&mut self, op: OpCode, payload: &[u8]) -> Result<(), SendError> {
        if self.sending.is_some() {
            return Err(SendError::FragmentOrder);
        }
        self.check_send()?;
        if self.deflate.is_some() {
            self.send_compressed(op, payload);
        } else {
            self.out.frame(true, false, op, payload);
        }
        Ok(())
    }

    /// The permessage-deflate half of [`send_message`](Self::send_message), kept out of line
    /// so that the plain path inlines into the caller.
    #[inline(never)]
    fn send_compressed(&mut self, op: OpCode, payload: &[u8]) {
        let mut scratch = core::mem::take(&mut self.scratch);
        scratch.clear();
        let compressed = self
            .deflate
            .as_mut()
            .is_some_and(|d| d.compress(payload, &mut scratch));
        if compressed {
            self.out.frame(true, true, op, &scratch);
        } else {
            self.out.frame(true, false, op, payload);
        }
        self.scratch = scratch;
    }

    /// Queues a text message as one frame (compressed when permessage-deflate is in force).
    ///
    /// # Errors
    /// [`SendError::Closed`] after a Close was sent; [`SendError::FragmentOrder`] in the middle
    /// of a fragmented message.
    #[inline(always)]
    pub fn send_text(&mut self, text: &str) -> Result<(), SendError> {
        self.send_message(OpCode::Text, text.as_bytes())
    }

    /// Queues a binary message as one frame (compressed when permessage-deflate is in force);
    /// the payload is copied (masked, for a client) into the output queue.
    ///
    /// # Errors
    /// As [`send_text`](Self::send_text).
    #[inline(always)]
    pub fn send_binary(&mut self, data: &[u8]) -> Result<(), SendError> {
        self.send_message(OpCode::Binary, data)
    }

    /// Queues a binary message as one frame without copying its payload where the wire allows:
    /// a server not compressing queues only the frame header, and
    /// [`poll_transmit`](Self::poll_transmit) hands `data` back to be written after it (a
    /// vectored write). A client masks and a compressed message is new bytes, so those (and
    /// payloads under 1 KiB, cheaper to copy than to write as a separate slice) go the way of
    /// [`send_binary`](Self::send_binary).
    ///
    /// # Errors
    /// As [`send_text`](Self::send_text).
    #[inline]
    pub fn send_binary_bytes(&mut self, data: Bytes) -> Result<(), SendError> {
        // The common case, inlined into the caller: a server, not compressing, not inside a
        // fragmented message, open, with nothing else queued.
        if self.out.role == Role::Server
            && data.len() >= VECTORED_MIN
            && self.deflate.is_none()
            && self.sending.is_none()
            && !self.status.close_sent
            && !self.status.eof
            && !self.out.wants_write()
        {
            self.out.lone = Some(data);
            return Ok(());
        }
        self.send_binary_bytes_slow(data)
    }

    /// [`send_binary_bytes`](Self::send_binary_bytes) in every other case.
    #[inline(never)]
    fn send_binary_bytes_slow(&mut self, data: Bytes) -> Result<(), SendError> {
        if self.out.role == Role::Client
            || data.len() < VECTORED_MIN
            || self.deflate.as_ref().is_some_and(Deflate::compresses)
        {
            return self.send_message(OpCode::Binary, &data);
        }
        if self.sending.is_some() {
            return Err(SendError::FragmentOrder);
        }
        self.check_send()?;
        self.out.binary_bytes(data);
        Ok(())
    }

    /// Queues one fragment of a message (never compressed). The first fragment of a message
    /// carries `kind`; the following ones must have the same `kind`; `fin` ends the message.
    /// Control frames may be sent between fragments. For text, the whole message must be
    /// UTF-8; fragments may split code points.
    ///
    /// # Errors
    /// As [`send_text`](Self::send_text); [`SendError::FragmentOrder`] when `kind` changes
    /// within a message.
    pub fn send_fragment(
        &mut self,
        kind: MessageKind,
        payload: &[u8],
        fin: bool,
    ) -> Result<(), SendError> {
        let op = match kind {
            MessageKind::Text => OpCode::Text,
            MessageKind::Binary => OpCode::Binary,
        };
        let wire_op = match self.sending {
            None => op,
            Some(o) if o == op => OpCode::Continuation,
            Some(_) => return Err(SendError::FragmentOrder),
        };
        self.check_send()?;
        self.out.frame(fin, false, wire_op, payload);
        self.sending = if fin { None } else { Some(op) };
        Ok(())
    }

    /// Queues a ping (at most 125 bytes of payload).
    ///
    /// # Errors
    /// [`SendError::ControlTooLong`], [`SendError::Closed`].
    pub fn send_ping(&mut self, payload: &[u8]) -> Result<(), SendError> {
        self.send_control(OpCode::Ping, payload)
    }

    /// Queues an unsolicited pong (at most 125 bytes of payload).
    ///
    /// # Errors
    /// [`SendError::ControlTooLong`], [`SendError::Closed`].
    pub fn send_pong(&mut self, payload: &[u8]) -> Result<(), SendError> {
        self.send_control(OpCode::Pong, payload)
    }

    fn send_control(&mut self, op: OpCode, payload: &[u8]) -> Result<(), SendError> {
        if payload.len() > 125 {
            return Err(SendError::ControlTooLong);
        }
        self.check_send()?;
        self.out.frame(true, false, op, payload);
        Ok(())
    }

    /// Starts (or, after the peer's Close, completes) the close handshake: queues a Close
    /// frame with `code` and `reason`. State goes Open -> Closing; no more data may be sent.
    ///
    /// # Errors
    /// [`SendError::InvalidCloseCode`] for a code not valid on the wire,
    /// [`SendError::ControlTooLong`] when the reason is over 123 bytes, [`SendError::Closed`]
    /// when a Close was already sent.
    pub fn close(&mut self, code: CloseCode, reason: &str) -> Result<(), SendError> {
        if !code.is_valid_on_wire() {
            return Err(SendError::InvalidCloseCode(code.as_u16()));
        }
        if reason.len() > 123 {
            return Err(SendError::ControlTooLong);
        }
        self.check_send()?;
        let mut payload = [0u8; 125];
        payload[..2].copy_from_slice(&code.as_u16().to_be_bytes());
        payload[2..2 + reason.len()].copy_from_slice(reason.as_bytes());
        self.out
            .frame(true, false, OpCode::Close, &payload[..2 + reason.len()]);
        self.status.close_sent = true;
        Ok(())
    }
}

/// Parses a Close frame's payload: nothing, or a valid code and a UTF-8 reason.
fn parse_close(payload: &[u8]) -> Result<(Option<CloseCode>, &str), ProtocolError> {
    match payload {
        [] => Ok((None, "")),
        [_] => Err(ProtocolError::CloseTooShort),
        [a, b, reason @ ..] => {
            let code = CloseCode::new(u16::from_be_bytes([*a, *b]));
            if !code.is_valid_on_wire() {
                return Err(ProtocolError::InvalidCloseCode(code.as_u16()));
            }
            let reason =
                simdutf8::basic::from_utf8(reason).map_err(|_| ProtocolError::InvalidUtf8)?;
            Ok((Some(code), reason))
        }
    }
}
