//! The sans-IO connection: bytes in, events out; commands in, bytes out.

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
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_frame_size: 16 << 20,
            max_message_size: 64 << 20,
            deflate: None,
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
    /// Both Close frames were exchanged (or queued), or the connection failed. Flush
    /// `poll_transmit`, then close the transport (a server closes it first).
    Closed,
}

/// What the peer said. Data borrows the input buffer when a message is one whole frame in it,
/// the connection's assembly buffer otherwise.
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

/// Where a completed item lives, decided before any borrow is handed out.
enum Outcome<'a> {
    /// Built from the input buffer.
    Ready(Event<'a>),
    /// A message in the assembly buffer.
    Assembled { text: bool },
    /// A control frame in the control buffer.
    Control(OpCode),
}

/// Capacity of the message buffer an idle connection keeps; a larger one (left by a large
/// fragmented or compressed message) is released by the next [`Connection::recv`].
const RETAIN_BUF: usize = 8 * 1024;

/// Bytes of queued pongs beyond which further pings are reported but not answered.
const MAX_PENDING: usize = 16 * 1024;

/// A WebSocket connection (either role) after the opening handshake. No I/O, no clock.
///
/// Call order:
/// - Feed received bytes with [`recv`](Self::recv) in a loop: each call returns how many bytes
///   it consumed and at most one [`Event`]. `Ok((n, None))` means "need more bytes": keep
///   `input[n..]` and present it again with what arrives next.
/// - After each batch of input, call [`poll_transmit`](Self::poll_transmit): pongs and close
///   replies the engine queued itself.
/// - Send with [`send_text`](Self::send_text), [`send_binary`](Self::send_binary),
///   [`send_ping`](Self::send_ping), [`close`](Self::close); each first appends anything queued,
///   so frames stay in order.
/// - On `Err` from `recv`, call `poll_transmit` (it holds the Close frame with the code the
///   engine chose), write it, and close the transport.
///
/// Event data borrows the connection: copy it before sending a reply that uses it.
///
/// Memory: a message that is one whole frame in the input is handed out from the input. A
/// fragmented or compressed one is assembled in a buffer whose capacity never exceeds
/// [`Config::max_message_size`]; a buffer above 8 KiB is released by the next `recv` call
/// (the one that ends the caller's loop with "need more bytes"), so an idle connection keeps
/// at most 8 KiB of it (plus the inflater's fixed state with permessage-deflate).
#[derive(Debug)]
pub struct Connection {
    role: Role,
    config: Config,
    keys: KeyBatch,
    rx: Rx,
    msg: Option<Message>,
    buf: Vec<u8>,
    utf8: Utf8Validator,
    ctrl: [u8; 125],
    ctrl_len: usize,
    pending: Vec<u8>,
    failed: Option<ProtocolError>,
    close_sent: bool,
    close_received: bool,
    deflate: Option<Deflate>,
    sending: Option<OpCode>,
    scratch: Vec<u8>,
}

impl Connection {
    fn with_source(role: Role, config: Config, source: Source) -> Connection {
        Connection {
            role,
            deflate: config
                .deflate
                .as_ref()
                .map(|p| Deflate::new(p, role == Role::Server)),
            config,
            keys: KeyBatch::new(source),
            rx: Rx::Header,
            msg: None,
            buf: Vec::new(),
            utf8: Utf8Validator::default(),
            ctrl: [0; 125],
            ctrl_len: 0,
            pending: Vec::new(),
            failed: None,
            close_sent: false,
            close_received: false,
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
        self.role
    }

    /// The configuration in force.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Where the close handshake is.
    pub fn state(&self) -> State {
        if self.close_received || self.failed.is_some() {
            State::Closed
        } else if self.close_sent {
            State::Closing
        } else {
            State::Open
        }
    }

    /// Whether frames are queued for [`poll_transmit`](Self::poll_transmit).
    #[must_use]
    pub fn has_pending(&self) -> bool {
        !self.pending.is_empty()
    }

    /// Appends the frames the engine queued itself (pongs, close replies, the close of a
    /// failed connection) to `out`.
    #[inline]
    pub fn poll_transmit(&mut self, out: &mut Vec<u8>) {
        if !self.pending.is_empty() {
            out.extend_from_slice(&self.pending);
            self.pending.clear();
        }
    }

    /// Parses `input` up to the next event. Returns the number of bytes consumed and the event,
    /// or `None` when more bytes are needed (keep `input[consumed..]`). Masked payloads are
    /// unmasked in place in `input`.
    ///
    /// # Errors
    /// [`Error::Protocol`] when the peer broke the protocol (the Close frame with its code is
    /// queued), [`Error::Closed`] once the close handshake is over.
    pub fn recv<'a>(
        &'a mut self,
        input: &'a mut [u8],
    ) -> Result<(usize, Option<Event<'a>>), Error> {
        if self.buf.capacity() > RETAIN_BUF && self.msg.is_none() {
            // The last message was handed out by the previous call; nothing borrows it now.
            self.release_buf();
        }
        if let Some(e) = self.failed {
            return Err(Error::Protocol(e));
        }
        if self.close_received {
            return Err(Error::Closed);
        }
        match self.step(input) {
            Ok((n, None)) => Ok((n, None)),
            Ok((n, Some(Outcome::Ready(ev)))) => Ok((n, Some(ev))),
            Ok((n, Some(Outcome::Assembled { text }))) => {
                if text {
                    // Validated piece by piece while it was assembled; this cannot fail.
                    match simdutf8::basic::from_utf8(&self.buf) {
                        Ok(s) => Ok((n, Some(Event::Text(s)))),
                        Err(_) => Err(Error::Protocol(ProtocolError::InvalidUtf8)),
                    }
                } else {
                    Ok((n, Some(Event::Binary(&self.buf))))
                }
            }
            Ok((n, Some(Outcome::Control(op)))) => {
                let payload = &self.ctrl[..self.ctrl_len];
                let ev = match op {
                    OpCode::Ping => Event::Ping(payload),
                    OpCode::Pong => Event::Pong(payload),
                    _ => match parse_close(payload) {
                        Ok((code, reason)) => Event::Close { code, reason },
                        Err(_) => Event::Close {
                            code: None,
                            reason: "",
                        },
                    },
                };
                Ok((n, Some(ev)))
            }
            Err(e) => Err(self.fail(e)),
        }
    }

    /// Drops the contents of the message buffer and shrinks it to [`RETAIN_BUF`].
    #[cold]
    fn release_buf(&mut self) {
        self.buf.clear();
        self.buf.shrink_to(RETAIN_BUF);
    }

    /// Fails the connection: queues a Close frame with the error's code (unless one was sent).
    fn fail(&mut self, e: ProtocolError) -> Error {
        self.failed = Some(e);
        if !self.close_sent {
            self.close_sent = true;
            let code = e.close_code().as_u16().to_be_bytes();
            self.queue_control(OpCode::Close, &code);
        }
        Error::Protocol(e)
    }

    fn queue_control(&mut self, op: OpCode, payload: &[u8]) {
        let mut pending = core::mem::take(&mut self.pending);
        self.write_frame(true, false, op, payload, &mut pending);
        self.pending = pending;
    }

    fn step<'a>(
        &mut self,
        input: &'a mut [u8],
    ) -> Result<(usize, Option<Outcome<'a>>), ProtocolError> {
        let mut pos = 0;
        loop {
            match self.rx {
                Rx::Header => {
                    let Some((h, hlen)) = FrameHeader::decode(&input[pos..], self.role)? else {
                        return Ok((pos, None));
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
                    pos += hlen;
                    let avail = (input.len() - pos) as u64;
                    if avail >= len {
                        let end = pos + len as usize;
                        // Whole frame in the input: fast paths that borrow it.
                        if control {
                            if let Some(key) = h.mask {
                                apply_mask(&mut input[pos..end], key, 0);
                            }
                            self.on_control(h.opcode, &input[pos..end])?;
                            let payload: &'a [u8] = &input[pos..end];
                            let ev = match h.opcode {
                                OpCode::Ping => Event::Ping(payload),
                                OpCode::Pong => Event::Pong(payload),
                                _ => {
                                    let (code, reason) = parse_close(payload)?;
                                    Event::Close { code, reason }
                                }
                            };
                            return Ok((end, Some(Outcome::Ready(ev))));
                        }
                        if self.msg.is_none() && h.fin && !h.rsv1 {
                            if len > self.config.max_message_size as u64 {
                                return Err(ProtocolError::MessageTooLarge {
                                    limit: self.config.max_message_size as u64,
                                });
                            }
                            if let Some(key) = h.mask {
                                apply_mask(&mut input[pos..end], key, 0);
                            }
                            let payload: &'a [u8] = &input[pos..end];
                            let ev = if h.opcode == OpCode::Text {
                                Event::Text(
                                    simdutf8::basic::from_utf8(payload)
                                        .map_err(|_| ProtocolError::InvalidUtf8)?,
                                )
                            } else {
                                Event::Binary(payload)
                            };
                            return Ok((end, Some(Outcome::Ready(ev))));
                        }
                    }
                    if control {
                        self.ctrl_len = 0;
                    } else {
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
                    let n = remaining.min((input.len() - pos) as u64) as usize;
                    let chunk = &mut input[pos..pos + n];
                    let offset = match key {
                        Some(k) => apply_mask(chunk, k, offset),
                        None => offset,
                    };
                    if opcode.is_control() {
                        self.ctrl[self.ctrl_len..self.ctrl_len + n].copy_from_slice(chunk);
                        self.ctrl_len += n;
                    } else {
                        self.absorb(chunk)?;
                    }
                    pos += n;
                    let remaining = remaining - n as u64;
                    if remaining > 0 {
                        self.rx = Rx::Payload {
                            opcode,
                            fin,
                            key,
                            offset,
                            remaining,
                        };
                        return Ok((pos, None));
                    }
                    self.rx = Rx::Header;
                    if opcode.is_control() {
                        let ctrl = self.ctrl;
                        self.on_control(opcode, &ctrl[..self.ctrl_len])?;
                        return Ok((pos, Some(Outcome::Control(opcode))));
                    }
                    if fin {
                        let Some(m) = self.msg.take() else {
                            return Err(ProtocolError::UnexpectedContinuation);
                        };
                        if m.compressed {
                            self.inflate_into_buf(&[], m.text, true)?;
                        }
                        if m.text {
                            self.utf8.finish().map_err(|_| ProtocolError::InvalidUtf8)?;
                        }
                        return Ok((pos, Some(Outcome::Assembled { text: m.text })));
                    }
                }
            }
        }
    }

    /// Appends a piece of (unmasked) data payload to the message being assembled.
    fn absorb(&mut self, chunk: &[u8]) -> Result<(), ProtocolError> {
        let Some(m) = self.msg else {
            return Err(ProtocolError::UnexpectedContinuation);
        };
        if m.compressed {
            return self.inflate_into_buf(chunk, m.text, false);
        }
        let old = self.buf.len();
        // The length was checked against the limit with the frame header.
        crate::deflate::grow_within(&mut self.buf, chunk.len(), self.config.max_message_size);
        self.buf.extend_from_slice(chunk);
        if m.text {
            self.utf8
                .feed(&self.buf[old..])
                .map_err(|_| ProtocolError::InvalidUtf8)?;
        }
        Ok(())
    }

    /// Inflates a piece of a compressed message (or, with `finish`, its stripped tail) into the
    /// message buffer and validates the text it produced.
    ///
    /// The bytes inflated before an inflate error (bad DEFLATE data, or output past the message
    /// limit) come first in the stream, so a UTF-8 error among them (up to the limit) is the one
    /// reported: the same error whatever the chunking of the input.
    fn inflate_into_buf(
        &mut self,
        input: &[u8],
        text: bool,
        finish: bool,
    ) -> Result<(), ProtocolError> {
        let old = self.buf.len();
        let limit = self.config.max_message_size;
        let inflated = match self.deflate.as_mut() {
            Some(d) if finish => d.finish_message(&mut self.buf, limit),
            Some(d) => d.inflate(input, &mut self.buf, limit),
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

    /// The engine's own reactions to a complete control frame.
    fn on_control(&mut self, op: OpCode, payload: &[u8]) -> Result<(), ProtocolError> {
        match op {
            OpCode::Ping if !self.close_sent && self.pending.len() < MAX_PENDING => {
                self.queue_control(OpCode::Pong, payload);
            }
            OpCode::Close => {
                let (code, _) = parse_close(payload)?;
                self.close_received = true;
                if !self.close_sent {
                    self.close_sent = true;
                    // "When sending a Close frame in response, the endpoint typically echos the
                    // status code it received."
                    match code {
                        Some(c) => self.queue_control(OpCode::Close, &c.as_u16().to_be_bytes()),
                        None => self.queue_control(OpCode::Close, &[]),
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Writes one frame (header, payload masked in `out` for a client).
    #[inline(always)]
    fn write_frame(
        &mut self,
        fin: bool,
        rsv1: bool,
        op: OpCode,
        payload: &[u8],
        out: &mut Vec<u8>,
    ) {
        let mask = (self.role == Role::Client).then(|| self.keys.mask_key());
        let mut h = FrameHeader::new(op, mask, payload.len() as u64);
        h.fin = fin;
        h.rsv1 = rsv1;
        // One capacity check for the whole frame: the header's and the payload's appends then
        // find room without taking their growth paths.
        out.reserve(MAX_HEADER_LEN + payload.len());
        h.encode(out);
        match mask {
            None => out.extend_from_slice(payload),
            Some(key) => {
                let start = out.len();
                out.extend_from_slice(payload);
                apply_mask(&mut out[start..], key, 0);
            }
        }
    }

    #[inline]
    fn check_send(&mut self, out: &mut Vec<u8>) -> Result<(), SendError> {
        if self.close_sent {
            return Err(SendError::Closed);
        }
        self.poll_transmit(out);
        Ok(())
    }

    #[inline]
    fn send_message(
        &mut self,
        op: OpCode,
        payload: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), SendError> {
        if self.sending.is_some() {
            return Err(SendError::FragmentOrder);
        }
        self.check_send(out)?;
        if self.deflate.is_some() {
            self.send_compressed(op, payload, out);
        } else {
            self.write_frame(true, false, op, payload, out);
        }
        Ok(())
    }

    /// The permessage-deflate half of [`send_message`](Self::send_message), kept out of line
    /// so that the plain path inlines into the caller.
    #[inline(never)]
    fn send_compressed(&mut self, op: OpCode, payload: &[u8], out: &mut Vec<u8>) {
        let mut scratch = core::mem::take(&mut self.scratch);
        scratch.clear();
        let compressed = self
            .deflate
            .as_mut()
            .is_some_and(|d| d.compress(payload, &mut scratch));
        if compressed {
            self.write_frame(true, true, op, &scratch, out);
        } else {
            self.write_frame(true, false, op, payload, out);
        }
        self.scratch = scratch;
    }

    /// Sends a text message as one frame (compressed when permessage-deflate is in force).
    ///
    /// # Errors
    /// [`SendError::Closed`] after a Close was sent; [`SendError::FragmentOrder`] in the middle
    /// of a fragmented message.
    #[inline]
    pub fn send_text(&mut self, text: &str, out: &mut Vec<u8>) -> Result<(), SendError> {
        self.send_message(OpCode::Text, text.as_bytes(), out)
    }

    /// Sends a binary message as one frame (compressed when permessage-deflate is in force).
    ///
    /// # Errors
    /// As [`send_text`](Self::send_text).
    #[inline]
    pub fn send_binary(&mut self, data: &[u8], out: &mut Vec<u8>) -> Result<(), SendError> {
        self.send_message(OpCode::Binary, data, out)
    }

    /// Sends a message as one frame writing only its header into `out` where possible, and
    /// returns the bytes that must follow it on the wire: the payload itself for a server
    /// without compression (write `out` then the returned slice, e.g. with a vectored write),
    /// an empty slice when the whole frame is in `out` (a client masks, so it must copy; a
    /// compressed message is new bytes).
    ///
    /// # Errors
    /// As [`send_text`](Self::send_text).
    pub fn send_vectored<'p>(
        &mut self,
        kind: MessageKind,
        payload: &'p [u8],
        out: &mut Vec<u8>,
    ) -> Result<&'p [u8], SendError> {
        let op = match kind {
            MessageKind::Text => OpCode::Text,
            MessageKind::Binary => OpCode::Binary,
        };
        if self.role == Role::Client || self.deflate.as_ref().is_some_and(Deflate::compresses) {
            self.send_message(op, payload, out)?;
            return Ok(&[]);
        }
        if self.sending.is_some() {
            return Err(SendError::FragmentOrder);
        }
        self.check_send(out)?;
        FrameHeader::new(op, None, payload.len() as u64).encode(out);
        Ok(payload)
    }

    /// Sends one fragment of a message (never compressed). The first fragment of a message
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
        out: &mut Vec<u8>,
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
        self.check_send(out)?;
        self.write_frame(fin, false, wire_op, payload, out);
        self.sending = if fin { None } else { Some(op) };
        Ok(())
    }

    /// Sends a ping (at most 125 bytes of payload).
    ///
    /// # Errors
    /// [`SendError::ControlTooLong`], [`SendError::Closed`].
    pub fn send_ping(&mut self, payload: &[u8], out: &mut Vec<u8>) -> Result<(), SendError> {
        self.send_control(OpCode::Ping, payload, out)
    }

    /// Sends an unsolicited pong (at most 125 bytes of payload).
    ///
    /// # Errors
    /// [`SendError::ControlTooLong`], [`SendError::Closed`].
    pub fn send_pong(&mut self, payload: &[u8], out: &mut Vec<u8>) -> Result<(), SendError> {
        self.send_control(OpCode::Pong, payload, out)
    }

    fn send_control(
        &mut self,
        op: OpCode,
        payload: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), SendError> {
        if payload.len() > 125 {
            return Err(SendError::ControlTooLong);
        }
        self.check_send(out)?;
        self.write_frame(true, false, op, payload, out);
        Ok(())
    }

    /// Starts (or, after the peer's Close, completes) the close handshake: sends a Close frame
    /// with `code` and `reason`. State goes Open -> Closing; no more data may be sent.
    ///
    /// # Errors
    /// [`SendError::InvalidCloseCode`] for a code not valid on the wire,
    /// [`SendError::ControlTooLong`] when the reason is over 123 bytes, [`SendError::Closed`]
    /// when a Close was already sent.
    pub fn close(
        &mut self,
        code: CloseCode,
        reason: &str,
        out: &mut Vec<u8>,
    ) -> Result<(), SendError> {
        if !code.is_valid_on_wire() {
            return Err(SendError::InvalidCloseCode(code.as_u16()));
        }
        if reason.len() > 123 {
            return Err(SendError::ControlTooLong);
        }
        self.check_send(out)?;
        let mut payload = [0u8; 125];
        payload[..2].copy_from_slice(&code.as_u16().to_be_bytes());
        payload[2..2 + reason.len()].copy_from_slice(reason.as_bytes());
        self.write_frame(
            true,
            false,
            OpCode::Close,
            &payload[..2 + reason.len()],
            out,
        );
        self.close_sent = true;
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
