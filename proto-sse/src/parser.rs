//! The incremental event stream parser (HTML Standard, section 9.2.5 "Parsing an event stream"
//! and 9.2.6 "Interpreting an event stream").
//!
//! The parser takes bytes as they arrive, in any chunking, and hands out [`Event`]s that borrow
//! from the chunk when every field of the event lies within it, and from the parser's own buffers
//! when the event was spread over several chunks. Each input byte is scanned once: a line cut by
//! a chunk boundary is carried in a buffer and only the new bytes are scanned when more arrive.

use std::borrow::Cow;
use std::fmt;

/// The UTF-8 encoding of U+FEFF BYTE ORDER MARK.
const BOM: [u8; 3] = [0xEF, 0xBB, 0xBF];

/// Limits on what the parser buffers for one stream. Exceeding one is an [`Error`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The longest line, in bytes, without its line terminator (default 1 MiB).
    pub max_line_len: usize,
    /// The largest event, in bytes: the sum of its data lines (with the line feeds that join
    /// them) and its event type (default 4 MiB).
    pub max_event_len: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_line_len: 1 << 20,
            max_event_len: 4 << 20,
        }
    }
}

impl Limits {
    /// The most heap memory, in bytes, that a [`Parser`] with these limits holds between calls,
    /// whatever the input: the carried line and the event type (each at most `max_line_len`),
    /// the data buffer (at most `max_event_len`), the last event ID buffer and string (each at
    /// most `3 * max_line_len`, invalid UTF-8 becoming U+FFFD), each buffer with up to twice
    /// its length in capacity as vectors grow by doubling, and at least 8 bytes each once used
    /// (the smallest allocation of a growing vector, which also covers the up to two bytes of a
    /// partial byte order mark carried with a zero line limit): `2 * max_event_len + 16 *
    /// max_line_len + 64`, saturating. An event handed out borrows these buffers, except that data
    /// or an ID with invalid UTF-8 is decoded into a string that the event owns (up to three
    /// times its length) and frees when it is dropped.
    pub const fn max_held_bytes(&self) -> usize {
        self.max_event_len
            .saturating_mul(2)
            .saturating_add(self.max_line_len.saturating_mul(16))
            .saturating_add(64)
    }
}

/// What the parser does at the end of the stream with an event that was not yet dispatched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum EndOfStream {
    /// Discard it, as the HTML Standard says ("If the file ends in the middle of an event, before
    /// the final empty line, the incomplete event is not dispatched."). The default.
    #[default]
    Discard,
    /// Process the last unterminated line as a line and dispatch the pending event as if a blank
    /// line had followed. Streaming-API clients (for example `fetch`-based SSE readers of LLM
    /// responses) ask for this; browsers' `EventSource` does not do it.
    Flush,
}

/// Configuration of a [`Parser`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Config {
    /// Buffering limits.
    pub limits: Limits,
    /// What [`Parser::finish`] does with an incomplete event.
    pub end_of_stream: EndOfStream,
}

/// A limit of [`Limits`] was exceeded. The stream cannot be parsed further: the parser stays in
/// this error (every later call returns it) until [`Parser::reset`].
///
/// Wire reaction: a client closes the connection (it is a peer misbehaving, not a transient
/// failure); the reconnect policy treats it as a failed connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// A line grew longer than [`Limits::max_line_len`].
    LineTooLong {
        /// The limit in force.
        limit: usize,
        /// Offset in the stream (bytes since the start) at which the limit was crossed.
        offset: u64,
    },
    /// An event grew larger than [`Limits::max_event_len`].
    EventTooLarge {
        /// The limit in force.
        limit: usize,
        /// Offset in the stream of the start of the input (chunk) in which the limit was
        /// crossed.
        offset: u64,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::LineTooLong { limit, offset } => {
                write!(
                    f,
                    "event stream line longer than {limit} bytes at offset {offset}"
                )
            }
            Error::EventTooLarge { limit, offset } => {
                write!(f, "event larger than {limit} bytes at offset {offset}")
            }
        }
    }
}

impl std::error::Error for Error {}

/// A dispatched event (a `MessageEvent` in a browser).
///
/// `data` and `event_type` borrow from the chunk given to [`Parser::parse`] when the event's
/// lines lie within it and it has one `data` line, otherwise from the parser's buffers (whose
/// capacity is reused, so a warm parser does not allocate); `id` borrows from the parser, which
/// keeps it across events. A string is owned only where invalid UTF-8 had to be replaced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event<'a> {
    /// The event type: the last `event` field's value, or `message` when there was none or it
    /// was empty.
    pub event_type: Cow<'a, str>,
    /// The `data` field values joined with U+000A LINE FEED.
    pub data: Cow<'a, str>,
    /// The last event ID string of the stream when the event was dispatched (it persists across
    /// events until an `id` field changes it; empty when there is none).
    pub id: Cow<'a, str>,
    /// The reconnection time in milliseconds, if a valid `retry` field was part of this event's
    /// block. The stream-wide value is [`Parser::reconnection_time`].
    pub retry: Option<u64>,
}

impl Event<'_> {
    /// A copy that owns its strings.
    pub fn into_owned(self) -> Event<'static> {
        Event {
            event_type: Cow::Owned(self.event_type.into_owned()),
            data: Cow::Owned(self.data.into_owned()),
            id: Cow::Owned(self.id.into_owned()),
            retry: self.retry,
        }
    }
}

/// Where a field value of the event being built lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    /// No value.
    Empty,
    /// A range of the input of the current [`Parser::parse`] call. Never survives the call.
    In(usize, usize),
    /// The parser's own buffer.
    Own,
}

/// Where a line being processed lives.
#[derive(Clone, Copy)]
enum Src {
    /// `input[start..end]` of the current call.
    In,
    /// The carried line buffer.
    Carried,
}

/// The incremental event stream parser.
///
/// Call [`parse`](Parser::parse) with the bytes received (any chunking: one byte at a time gives
/// the same events as the whole stream at once), feeding the unconsumed rest again until it is
/// all consumed, and [`finish`](Parser::finish) at the end of the stream. [`feed`](Parser::feed)
/// wraps that loop. The parser does no I/O and reads no clock.
///
/// Memory is bounded by the [`Limits`]: a parser never holds more than
/// [`Limits::max_held_bytes`] of heap between calls, however hostile the stream (the
/// `sse_parser` fuzz target checks it after every chunk with a counting allocator).
///
/// # Examples
///
/// ```
/// use proto_sse::Parser;
///
/// let mut parser = Parser::new();
/// let mut events = Vec::new();
/// for chunk in [&b"\xEF\xBB\xBFevent: add\nid: 7\nda"[..], b"ta: 1\n\ndata: 2\r\n\r\n"] {
///     let mut feed = parser.feed(chunk);
///     while let Some(event) = feed.poll_event() {
///         let event = event.unwrap();
///         events.push((event.event_type.into_owned(), event.data.into_owned(), event.id.into_owned()));
///     }
/// }
/// assert_eq!(events[0], ("add".into(), "1".into(), "7".into()));
/// assert_eq!(events[1], ("message".into(), "2".into(), "7".into()));
/// ```
#[derive(Debug, Clone)]
pub struct Parser {
    config: Config,
    /// How many bytes of a leading BOM were matched so far (0..=2), while `started` is false.
    bom_matched: u8,
    /// Whether the first byte after a possible BOM was reached.
    started: bool,
    /// The last line ended in a CR at the end of an input: an LF at the start of the next input
    /// belongs to that line end.
    skip_lf: bool,
    /// A line cut by the end of an input, without its terminator.
    line: Vec<u8>,
    /// The data buffer, when `data` is [`Slot::Own`]: data lines joined with LF (no trailing LF).
    data_buf: Vec<u8>,
    data: Slot,
    /// The event type buffer, when `event_type` is [`Slot::Own`].
    type_buf: Vec<u8>,
    event_type: Slot,
    /// Size of the event being built (data with joining LFs, plus the event type).
    event_len: usize,
    /// The last event ID buffer.
    id_buf: String,
    /// The last event ID string (set from the buffer on every dispatch).
    last_event_id: String,
    /// A `retry` field seen in the current block.
    retry: Option<u64>,
    /// The stream's reconnection time, from the last valid `retry` field.
    reconnection_time: Option<u64>,
    /// Bytes consumed since the start of the stream.
    offset: u64,
    /// A sticky error.
    error: Option<Error>,
}

impl Default for Parser {
    fn default() -> Self {
        Parser::new()
    }
}

impl Parser {
    /// A parser with the default [`Config`].
    pub fn new() -> Self {
        Parser::with_config(Config::default())
    }

    /// A parser with the given configuration.
    pub fn with_config(config: Config) -> Self {
        Parser {
            config,
            bom_matched: 0,
            started: false,
            skip_lf: false,
            line: Vec::new(),
            data_buf: Vec::new(),
            data: Slot::Empty,
            type_buf: Vec::new(),
            event_type: Slot::Empty,
            event_len: 0,
            id_buf: String::new(),
            last_event_id: String::new(),
            retry: None,
            reconnection_time: None,
            offset: 0,
            error: None,
        }
    }

    /// A parser for a stream that resumes after `last_event_id` (the value sent in the
    /// `Last-Event-ID` header): events without an `id` field report it.
    pub fn with_last_event_id(config: Config, last_event_id: &str) -> Self {
        let mut parser = Parser::with_config(config);
        parser.id_buf.push_str(last_event_id);
        parser.last_event_id.push_str(last_event_id);
        parser
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The last event ID string: the ID of the last dispatched event block (empty when none or
    /// reset by an empty `id` field). This is what a client sends as `Last-Event-ID`.
    pub fn last_event_id(&self) -> &str {
        &self.last_event_id
    }

    /// The reconnection time in milliseconds from the last valid `retry` field, if any.
    pub fn reconnection_time(&self) -> Option<u64> {
        self.reconnection_time
    }

    /// Bytes consumed since the start of the stream.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Starts a new stream (a new connection), keeping the last event ID string and the
    /// reconnection time, and clearing a sticky error.
    ///
    /// The new stream's last event ID buffer starts as the last event ID string, not empty:
    /// the standard's "initialized to the empty string" would make the first event of a resumed
    /// stream without an `id` field reset the ID that was just sent as `Last-Event-ID`; browsers
    /// (Chromium's parser takes the last event ID when it is created) keep it, and so do we.
    pub fn reset(&mut self) {
        self.bom_matched = 0;
        self.started = false;
        self.skip_lf = false;
        self.line.clear();
        self.data = Slot::Empty;
        self.event_type = Slot::Empty;
        self.event_len = 0;
        self.id_buf.clone_from(&self.last_event_id);
        self.retry = None;
        self.offset = 0;
        self.error = None;
    }

    /// A lending iterator over the events of `input`: wraps the [`parse`](Parser::parse) loop.
    pub fn feed<'p>(&'p mut self, input: &'p [u8]) -> Feed<'p> {
        Feed {
            parser: self,
            input,
        }
    }

    /// Parses `input` up to and including the line that dispatches the next event.
    ///
    /// Returns how many bytes were consumed and the event, if one was dispatched. Without an
    /// event, all of `input` was consumed (what could not be processed yet is buffered); with
    /// one, call again with the rest of `input`.
    ///
    /// # Errors
    ///
    /// [`Error`] when a limit is exceeded; the error is sticky.
    pub fn parse<'b>(&'b mut self, input: &'b [u8]) -> Result<(usize, Option<Event<'b>>), Error> {
        if let Some(e) = self.error {
            return Err(e);
        }
        match self.parse_inner(input) {
            Ok((n, dispatched)) => {
                self.offset += n as u64;
                if dispatched {
                    Ok((n, Some(self.take_event(input))))
                } else {
                    Ok((n, None))
                }
            }
            Err(e) => {
                self.error = Some(e);
                // Nothing of the input may stay borrowed.
                self.data = Slot::Empty;
                self.event_type = Slot::Empty;
                Err(e)
            }
        }
    }

    /// Ends the stream. With [`EndOfStream::Discard`] (the default) the incomplete event, if
    /// any, is dropped and `None` is returned; with [`EndOfStream::Flush`] the unterminated last
    /// line is processed and the pending event dispatched. Then the parser is [`reset`] for a new
    /// stream.
    ///
    /// [`reset`]: Parser::reset
    pub fn finish(&mut self) -> Option<Event<'_>> {
        if self.error.is_some() || self.config.end_of_stream == EndOfStream::Discard {
            self.reset();
            return None;
        }
        if !self.started && self.bom_matched > 0 {
            // A stream that ended inside what looked like a BOM: those bytes are a line.
            self.line
                .extend_from_slice(&BOM[..self.bom_matched as usize]);
        }
        let mut dispatched = false;
        if !self.line.is_empty() {
            let end = self.line.len();
            match self.process_line(&[], Src::Carried, 0, end) {
                Ok(d) => dispatched = d,
                Err(_) => {
                    self.reset();
                    return None;
                }
            }
        }
        if !dispatched {
            dispatched = self.dispatch();
        }
        if dispatched {
            Some(self.take_event_then_reset())
        } else {
            self.reset();
            None
        }
    }

    fn take_event_then_reset(&mut self) -> Event<'_> {
        // The event is made owned-by-parser (`Slot::Own`, no input) and detached from the state
        // that `reset` clears; `reset` keeps data_buf and type_buf contents untouched.
        let data = self.data;
        let event_type = self.event_type;
        let retry = self.retry;
        self.reset();
        self.data = data;
        self.event_type = event_type;
        self.retry = retry;
        self.take_event(&[])
    }

    /// The parsing loop. Returns the bytes consumed and whether an event was dispatched (its
    /// parts are then in the slots).
    fn parse_inner(&mut self, input: &[u8]) -> Result<(usize, bool), Error> {
        let mut pos = 0;
        if !self.started {
            // "One leading U+FEFF BYTE ORDER MARK character must be ignored if any are present."
            // The BOM may be split over inputs; the bytes of a partial match that turns out not
            // to be a BOM are the start of the first line.
            while pos < input.len() {
                if input[pos] == BOM[self.bom_matched as usize] {
                    self.bom_matched += 1;
                    pos += 1;
                    if self.bom_matched == 3 {
                        self.started = true;
                        break;
                    }
                } else {
                    self.line
                        .extend_from_slice(&BOM[..self.bom_matched as usize]);
                    self.started = true;
                    break;
                }
            }
            if !self.started {
                return Ok((input.len(), false));
            }
        }
        if self.skip_lf && pos < input.len() {
            // "... a U+000D CARRIAGE RETURN U+000A LINE FEED (CRLF) character pair ..." is one
            // line end even when the pair is split over two inputs.
            self.skip_lf = false;
            if input[pos] == b'\n' {
                pos += 1;
            }
        }
        let max_line = self.config.limits.max_line_len;
        loop {
            let rest = &input[pos..];
            let Some(i) = find_line_end(rest) else {
                // An unterminated line: carry it, scanning only new bytes next time.
                if self.line.len() + rest.len() > max_line {
                    return Err(Error::LineTooLong {
                        limit: max_line,
                        offset: self.offset
                            + pos as u64
                            + max_line.saturating_sub(self.line.len()) as u64,
                    });
                }
                if let [b] = rest {
                    // Byte-at-a-time input: a push, not a memcpy call.
                    self.line.push(*b);
                } else {
                    self.line.extend_from_slice(rest);
                }
                self.spill(input);
                return Ok((input.len(), false));
            };
            let end = pos + i;
            let mut next = end + 1;
            if input[end] == b'\r' {
                if next < input.len() {
                    if input[next] == b'\n' {
                        next += 1;
                    }
                } else {
                    self.skip_lf = true;
                }
            }
            let dispatched = if self.line.is_empty() {
                if i > max_line {
                    return Err(Error::LineTooLong {
                        limit: max_line,
                        offset: self.offset + (pos + max_line) as u64,
                    });
                }
                self.process_line(input, Src::In, pos, end)?
            } else {
                if self.line.len() + i > max_line {
                    return Err(Error::LineTooLong {
                        limit: max_line,
                        offset: self.offset
                            + pos as u64
                            + max_line.saturating_sub(self.line.len()) as u64,
                    });
                }
                self.line.extend_from_slice(&input[pos..end]);
                let len = self.line.len();
                let d = self.process_line(input, Src::Carried, 0, len)?;
                self.line.clear();
                d
            };
            pos = next;
            if dispatched {
                return Ok((pos, true));
            }
        }
    }

    /// Moves the field values that still point into `input` into the parser's buffers, before
    /// the call returns without an event.
    fn spill(&mut self, input: &[u8]) {
        if let Slot::In(s, e) = self.data {
            self.data_buf.clear();
            self.data_buf.extend_from_slice(&input[s..e]);
            self.data = Slot::Own;
        }
        if let Slot::In(s, e) = self.event_type {
            self.type_buf.clear();
            self.type_buf.extend_from_slice(&input[s..e]);
            self.event_type = Slot::Own;
        }
    }

    /// Processes one line, `input[start..end]` or `self.line[start..end]`. Returns whether an
    /// event is ready in the slots.
    fn process_line(
        &mut self,
        input: &[u8],
        src: Src,
        start: usize,
        end: usize,
    ) -> Result<bool, Error> {
        // The line, borrowed from a local copy of the carried buffer's handle so that `self`
        // stays free for the field updates.
        let carried = std::mem::take(&mut self.line);
        let bytes: &[u8] = match src {
            Src::In => &input[start..end],
            Src::Carried => &carried[start..end],
        };
        let result = self.process_line_bytes(input, src, start, bytes);
        self.line = carried;
        result
    }

    fn process_line_bytes(
        &mut self,
        input: &[u8],
        src: Src,
        start: usize,
        line: &[u8],
    ) -> Result<bool, Error> {
        // "If the line is empty (a blank line): Dispatch the event, as defined below."
        if line.is_empty() {
            return Ok(self.dispatch());
        }
        // "If the line starts with a U+003A COLON character (:): Ignore the line."
        if line[0] == b':' {
            return Ok(false);
        }
        // "If the line contains a U+003A COLON character (:): Collect the characters on the line
        // before the first U+003A COLON character (:), and let field be that string. Collect the
        // characters on the line after the first U+003A COLON character (:), and let value be
        // that string. If value starts with a U+0020 SPACE character, remove it from value."
        // "Otherwise, the string is not empty but does not contain a U+003A COLON character (:):
        // Process the field using the steps described below, using the whole line as the field
        // name, and the empty string as the field value."
        let colon = match line {
            // The usual field names, without a scan for the colon.
            [b'd', b'a', b't', b'a', b':', ..] => Some(4),
            [b'i', b'd', b':', ..] => Some(2),
            [b'e', b'v', b'e', b'n', b't', b':', ..] => Some(5),
            _ => memchr::memchr(b':', line),
        };
        let (name, vstart) = match colon {
            Some(c) => {
                let v = if line.get(c + 1) == Some(&b' ') {
                    c + 2
                } else {
                    c + 1
                };
                (&line[..c], v)
            }
            None => (line, line.len()),
        };
        let value = &line[vstart..];
        // Field names are compared on bytes: invalid UTF-8 decodes to U+FFFD, which is in none
        // of the names below, so comparing before decoding gives the same answer.
        match name {
            b"data" => {
                // "Append the field value to the data buffer, then append a single U+000A LINE
                // FEED (LF) character to the data buffer." The buffer is kept without the
                // trailing LF that dispatch would remove.
                let added = value.len() + usize::from(self.data != Slot::Empty);
                self.grow_event(added)?;
                match (self.data, src) {
                    (Slot::Empty, Src::In) => {
                        self.data = Slot::In(start + vstart, start + line.len());
                    }
                    (Slot::Empty, Src::Carried) => {
                        self.data_buf.clear();
                        self.data_buf.extend_from_slice(value);
                        self.data = Slot::Own;
                    }
                    (Slot::In(s, e), _) => {
                        self.data_buf.clear();
                        self.data_buf.extend_from_slice(&input[s..e]);
                        self.data_buf.push(b'\n');
                        self.data_buf.extend_from_slice(value);
                        self.data = Slot::Own;
                    }
                    (Slot::Own, _) => {
                        self.data_buf.push(b'\n');
                        self.data_buf.extend_from_slice(value);
                    }
                }
            }
            b"event" => {
                // "Set the event type buffer to field value."
                let old = self.type_len();
                self.event_len -= old;
                self.grow_event(value.len())?;
                match src {
                    Src::In => self.event_type = Slot::In(start + vstart, start + line.len()),
                    Src::Carried => {
                        self.type_buf.clear();
                        self.type_buf.extend_from_slice(value);
                        self.event_type = Slot::Own;
                    }
                }
            }
            // "If the field value does not contain U+0000 NULL, then set the last event ID
            // buffer to the field value. Otherwise, ignore the field."
            b"id" if memchr::memchr(0, value).is_none() => {
                self.id_buf.clear();
                self.id_buf.push_str(&decode(value));
            }
            // "If the field value consists of only ASCII digits, then interpret the field value
            // as an integer in base ten, and set the event stream's reconnection time to that
            // integer. Otherwise, ignore the field."
            // An empty value is ignored too (it names no integer), as browsers do. Values past
            // u64 saturate.
            b"retry" if !value.is_empty() && value.iter().all(u8::is_ascii_digit) => {
                let ms = value.iter().fold(0u64, |acc, d| {
                    acc.saturating_mul(10).saturating_add(u64::from(d - b'0'))
                });
                self.retry = Some(ms);
                self.reconnection_time = Some(ms);
            }
            // "Otherwise: The field is ignored."
            _ => {}
        }
        Ok(false)
    }

    fn type_len(&self) -> usize {
        match self.event_type {
            Slot::Empty => 0,
            Slot::In(s, e) => e - s,
            Slot::Own => self.type_buf.len(),
        }
    }

    fn grow_event(&mut self, added: usize) -> Result<(), Error> {
        self.event_len += added;
        if self.event_len > self.config.limits.max_event_len {
            return Err(Error::EventTooLarge {
                limit: self.config.limits.max_event_len,
                offset: self.offset,
            });
        }
        Ok(())
    }

    /// "When the user agent is required to dispatch the event, the user agent must process the
    /// data buffer, the event type buffer, and the last event ID buffer using steps appropriate
    /// for the user agent." For `EventSource`:
    ///
    /// "1. Set the last event ID string of the event source to the value of the last event ID
    /// buffer. The buffer does not get reset, so the last event ID string of the event source
    /// remains set to this value until the next time it is set by the server.
    /// 2. If the data buffer is an empty string, set the data buffer and the event type buffer to
    /// the empty string and return."
    ///
    /// Returns whether an event is to be handed out (its parts stay in the slots).
    fn dispatch(&mut self) -> bool {
        if self.last_event_id != self.id_buf {
            self.last_event_id.clone_from(&self.id_buf);
        }
        if self.data == Slot::Empty {
            self.event_type = Slot::Empty;
            self.event_len = 0;
            self.retry = None;
            return false;
        }
        true
    }

    /// Builds the dispatched event from the slots and clears them.
    ///
    /// "3. If the data buffer's last character is a U+000A LINE FEED (LF) character, then remove
    /// the last character from the data buffer." (The buffer is kept without it.)
    /// "5. Initialize event's type attribute to "message", its data attribute to data, ... and
    /// its lastEventId attribute to the last event ID string of the event source.
    /// 6. If the event type buffer has a value other than the empty string, change the type of
    /// the newly created event to equal the value of the event type buffer.
    /// 7. Set the data buffer and the event type buffer to the empty string."
    fn take_event<'b>(&'b mut self, input: &'b [u8]) -> Event<'b> {
        let data = std::mem::replace(&mut self.data, Slot::Empty);
        let event_type = std::mem::replace(&mut self.event_type, Slot::Empty);
        let retry = self.retry.take();
        self.event_len = 0;
        let this: &'b Parser = self;
        let data = match data {
            Slot::Empty => Cow::Borrowed(""),
            Slot::In(s, e) => decode(&input[s..e]),
            Slot::Own => decode(&this.data_buf),
        };
        let type_bytes: &[u8] = match event_type {
            Slot::Empty => b"",
            Slot::In(s, e) => &input[s..e],
            Slot::Own => &this.type_buf,
        };
        let event_type = if type_bytes.is_empty() {
            Cow::Borrowed("message")
        } else {
            decode(type_bytes)
        };
        Event {
            event_type,
            data,
            id: Cow::Borrowed(&this.last_event_id),
            retry,
        }
    }
}

/// The index of the first CR or LF. `memchr2` (SIMD, picked at run time) pays off on longer
/// inputs; on the few bytes of tiny chunks a plain loop avoids its set-up, which dominated
/// byte-at-a-time parsing.
fn find_line_end(hay: &[u8]) -> Option<usize> {
    if hay.len() < 16 {
        hay.iter().position(|&b| b == b'\r' || b == b'\n')
    } else {
        memchr::memchr2(b'\r', b'\n', hay)
    }
}

/// "Streams must be decoded using the UTF-8 decode algorithm": invalid sequences become U+FFFD
/// (Rust's lossy decoding replaces maximal subparts, as the Encoding Standard's decoder does).
/// Decoding a field value on its own gives the same characters as decoding the whole stream:
/// values are delimited by ASCII bytes, which are never part of a multi-byte sequence.
///
/// Valid input (the common case) takes `str::from_utf8`'s fast path; only invalid input goes
/// through the slower lossy decoder.
fn decode(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

/// The events of one input, from [`Parser::feed`]. A lending iterator: each event borrows the
/// `Feed` until the next call.
#[derive(Debug)]
pub struct Feed<'p> {
    parser: &'p mut Parser,
    input: &'p [u8],
}

impl Feed<'_> {
    /// The next event of the input, `None` when the input is all consumed (what remains of an
    /// event is buffered in the parser).
    ///
    /// # Errors
    ///
    /// [`Error`] when a limit is exceeded; the error is sticky.
    #[must_use = "events are only produced by calling poll_event until it returns None"]
    pub fn poll_event(&mut self) -> Option<Result<Event<'_>, Error>> {
        let input = self.input;
        match self.parser.parse(input) {
            Ok((n, event)) => {
                self.input = &input[n..];
                event.map(Ok)
            }
            Err(e) => {
                self.input = &[];
                Some(Err(e))
            }
        }
    }

    /// Bytes of the input not consumed yet.
    pub fn remaining(&self) -> usize {
        self.input.len()
    }
}
