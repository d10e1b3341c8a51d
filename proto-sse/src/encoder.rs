//! The encoder for servers: events, comments and keep-alive heartbeats appended to the caller's
//! buffer, in a form that [`Parser`](crate::Parser) reads back as the same event.

use std::fmt;

/// An event to send. `data` may contain any line breaks: each line becomes a `data:` line, so
/// the client sees the same text with every line break (CRLF, LF or CR) as LF.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Message<'a> {
    /// The event type (`event:` field). `None` or `Some("")` give the default type `message`.
    pub event: Option<&'a str>,
    /// The event ID (`id:` field). `Some("")` resets the client's last event ID.
    pub id: Option<&'a str>,
    /// The reconnection time in milliseconds (`retry:` field).
    pub retry: Option<u64>,
    /// The data.
    pub data: &'a str,
}

impl<'a> Message<'a> {
    /// A message with only data.
    pub fn data(data: &'a str) -> Self {
        Message {
            data,
            ..Message::default()
        }
    }
}

/// A value that the event stream format cannot carry. Caller misuse: nothing was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum EncodeError {
    /// The event type contains CR or LF (it would end the field's line).
    LineBreakInEventType,
    /// The ID contains CR or LF.
    LineBreakInId,
    /// The ID contains U+0000 NULL, which makes clients ignore the `id` field.
    NulInId,
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            EncodeError::LineBreakInEventType => "event type contains a line break",
            EncodeError::LineBreakInId => "event id contains a line break",
            EncodeError::NulInId => "event id contains U+0000 NULL",
        })
    }
}

impl std::error::Error for EncodeError {}

fn has_line_break(s: &str) -> bool {
    memchr::memchr2(b'\r', b'\n', s.as_bytes()).is_some()
}

/// Appends `name:` and the value with one separating space (so a value's own leading space
/// survives the parser's removal of one space), then LF.
fn field(out: &mut Vec<u8>, name: &[u8], value: &[u8]) {
    out.extend_from_slice(name);
    out.push(b':');
    if !value.is_empty() {
        out.push(b' ');
        out.extend_from_slice(value);
    }
    out.push(b'\n');
}

/// Calls `f` with each line of `text`, split at CRLF, LF and lone CR.
fn for_each_line(text: &[u8], mut f: impl FnMut(&[u8])) {
    let mut pos = 0;
    while let Some(i) = memchr::memchr2(b'\r', b'\n', &text[pos..]) {
        let end = pos + i;
        f(&text[pos..end]);
        pos = end + 1;
        if text[end] == b'\r' && text.get(pos) == Some(&b'\n') {
            pos += 1;
        }
    }
    f(&text[pos..]);
}

/// Appends an event (its fields and the blank line that dispatches it) to `out`.
///
/// # Errors
///
/// [`EncodeError`] when the event type or the ID cannot be encoded; `out` is then unchanged.
///
/// # Examples
///
/// ```
/// use proto_sse::{encode, Message};
///
/// let mut out = Vec::new();
/// let msg = Message { event: Some("add"), id: Some("7"), retry: None, data: "a\r\nb" };
/// encode(&mut out, &msg).unwrap();
/// assert_eq!(out, b"event: add\nid: 7\ndata: a\ndata: b\n\n");
/// ```
pub fn encode(out: &mut Vec<u8>, msg: &Message<'_>) -> Result<(), EncodeError> {
    if msg.event.is_some_and(has_line_break) {
        return Err(EncodeError::LineBreakInEventType);
    }
    if let Some(id) = msg.id {
        if has_line_break(id) {
            return Err(EncodeError::LineBreakInId);
        }
        if id.as_bytes().contains(&0) {
            return Err(EncodeError::NulInId);
        }
    }
    out.reserve(msg.data.len() + 16);
    if let Some(event) = msg.event.filter(|e| !e.is_empty()) {
        field(out, b"event", event.as_bytes());
    }
    if let Some(id) = msg.id {
        field(out, b"id", id.as_bytes());
    }
    if let Some(retry) = msg.retry {
        retry_field(out, retry);
    }
    for_each_line(msg.data.as_bytes(), |line| field(out, b"data", line));
    out.push(b'\n');
    Ok(())
}

fn retry_field(out: &mut Vec<u8>, ms: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    let mut n = ms;
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    field(out, b"retry", &digits[i..]);
}

/// Appends a `retry:` field and a blank line: sets the client's reconnection time without
/// dispatching an event.
pub fn encode_retry(out: &mut Vec<u8>, ms: u64) {
    retry_field(out, ms);
    out.push(b'\n');
}

/// Appends a comment, one `:` line per line of `text`. Clients ignore comments.
pub fn encode_comment(out: &mut Vec<u8>, text: &str) {
    for_each_line(text.as_bytes(), |line| {
        out.push(b':');
        if !line.is_empty() {
            out.push(b' ');
            out.extend_from_slice(line);
        }
        out.push(b'\n');
    });
}

/// Appends a keep-alive heartbeat: an empty comment line (`:` LF), which keeps proxies from
/// timing the connection out and dispatches nothing.
pub fn encode_heartbeat(out: &mut Vec<u8>) {
    out.extend_from_slice(b":\n");
}
