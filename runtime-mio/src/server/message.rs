//! The handler API: a [`Request`] in, a [`Response`] out.

use std::sync::{Arc, Mutex};

use bytes::Bytes;

use super::reader::BodyReader;
use super::writer::{self, BodyReceiver, BodyWriter, SseWriter};
use crate::fingerprint::ClientFingerprint;

/// A request as a handler sees it: method, target, the header fields in the order and case
/// they were received, and the whole body, or (for a request that
/// [`ServerConfig::stream_bodies`](super::ServerConfig::stream_bodies) streams) a
/// [`BodyReader`] to read it from as it arrives.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub(crate) method: String,
    pub(crate) target: String,
    pub(crate) headers: Vec<(String, Vec<u8>)>,
    pub(crate) body: Vec<u8>,
    /// The connection's fingerprint, shared by its requests (`None` unless the server
    /// computes fingerprints).
    pub(crate) fingerprint: Option<Arc<ClientFingerprint>>,
    /// A streamed body's reader, until the handler takes it.
    pub(crate) reader: ReaderSlot,
}

/// Where a streamed request's [`BodyReader`] waits for its handler. A clone of the request
/// does not carry it (there is one reader per body).
#[derive(Debug, Default)]
pub(crate) struct ReaderSlot(Mutex<Option<BodyReader>>);

impl ReaderSlot {
    pub(crate) fn new(reader: BodyReader) -> Self {
        ReaderSlot(Mutex::new(Some(reader)))
    }

    fn take(&self) -> Option<BodyReader> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
    }
}

impl Clone for ReaderSlot {
    fn clone(&self) -> Self {
        ReaderSlot::default()
    }
}

impl Request {
    /// A request (for handler tests; the server builds its own).
    #[must_use]
    pub fn new(method: &str, target: &str) -> Self {
        Request {
            method: method.to_owned(),
            target: target.to_owned(),
            ..Request::default()
        }
    }

    /// Adds a header field (builder style).
    #[must_use]
    pub fn with_header(mut self, name: &str, value: &[u8]) -> Self {
        self.headers.push((name.to_owned(), value.to_vec()));
        self
    }

    /// Sets the body (builder style).
    #[must_use]
    pub fn with_body(mut self, body: &[u8]) -> Self {
        self.body = body.to_vec();
        self
    }

    /// The method, as received (`GET`, `POST`, ...).
    #[must_use]
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The request-target as received (`/path?query`).
    #[must_use]
    pub fn target(&self) -> &str {
        &self.target
    }

    /// The target's path: the target up to `?`.
    #[must_use]
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }

    /// The target's query (after `?`), if any.
    #[must_use]
    pub fn query(&self) -> Option<&str> {
        self.target.split_once('?').map(|(_, q)| q)
    }

    /// The header fields, in received order and case.
    pub fn headers(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.headers.iter().map(|(n, v)| (n.as_str(), v.as_slice()))
    }

    /// The first field named `name` (case-insensitive).
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        self.headers()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    /// The body, whole. Empty for a streamed request (see
    /// [`take_body_reader`](Self::take_body_reader)).
    #[must_use]
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The body's reader, once, when the server streams this request's body
    /// ([`ServerConfig::stream_bodies`](super::ServerConfig::stream_bodies)): the handler was
    /// called as soon as the head arrived and the body is read from this, on another thread
    /// than the handler's (which is the event loop's). `None` for a body given whole, and
    /// after the first call. A reader not taken (or dropped early) makes the server read and
    /// drop the rest of the body.
    #[must_use]
    pub fn take_body_reader(&self) -> Option<BodyReader> {
        self.reader.take()
    }

    /// The fingerprint of the client's connection (TLS ClientHello, HTTP/2 preface),
    /// computed once per connection and shared by its requests. `None` unless
    /// [`ServerConfig::fingerprint`](super::ServerConfig::fingerprint) is on, and on a
    /// cleartext HTTP/1.1 connection (nothing to fingerprint but the header order, which
    /// [`Request::headers`] keeps).
    #[must_use]
    pub fn fingerprint(&self) -> Option<&ClientFingerprint> {
        self.fingerprint.as_deref()
    }

    /// Sets the fingerprint (builder style; for handler tests).
    #[must_use]
    pub fn with_fingerprint(mut self, fp: Arc<ClientFingerprint>) -> Self {
        self.fingerprint = Some(fp);
        self
    }
}

/// A WebSocket message, as a [`WsHandler`] receives and sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WsMessage {
    /// A text message.
    Text(String),
    /// A binary message.
    Binary(Bytes),
    /// The close handshake. Returned by a handler: send a Close frame with this code and
    /// reason and send nothing after it (the peer then has
    /// [`Timeouts::ws_close`](crate::timer::Timeouts::ws_close) to answer); a code that may
    /// not be sent (RFC 6455 section 7.4: 1005, 1006, 1015, below 1000...) is sent as 1011,
    /// a reason is cut to the 123 bytes a Close frame holds. Given to a handler: the peer
    /// closed (`code` 1005 when its frame had none); the answer is already queued, and what
    /// the handler returns then is not sent.
    Close {
        /// The status code.
        code: u16,
        /// The reason (UTF-8, at most 123 bytes).
        reason: String,
    },
}

impl WsMessage {
    /// A Close with `code` and `reason` (see [`WsMessage::Close`]).
    ///
    /// ```
    /// use runtime_mio::server::{Response, WsMessage};
    /// // Echo until the client says "bye", then close normally.
    /// let resp = Response::websocket(|m| match &m {
    ///     WsMessage::Text(t) if t == "bye" => vec![WsMessage::close(1000, "see you")],
    ///     _ => vec![m],
    /// });
    /// # drop(resp);
    /// ```
    #[must_use]
    pub fn close(code: u16, reason: &str) -> Self {
        WsMessage::Close {
            code,
            reason: reason.to_owned(),
        }
    }
}

/// What a WebSocket connection runs after the upgrade: called with each message received,
/// it returns the messages to send back (an echo returns what it got).
pub type WsHandler = Box<dyn FnMut(WsMessage) -> Vec<WsMessage> + Send>;

/// A response body.
pub enum Body {
    /// The whole body (sent with `Content-Length` unless the handler set its framing).
    Full(Bytes),
    /// A body produced piece by piece as the connection's output drains (sent chunked unless
    /// the handler set `Content-Length`). The server pulls the next piece only while less
    /// than 64 KiB is queued, so a long stream costs bounded memory.
    Stream(Box<dyn Iterator<Item = Bytes> + Send>),
    /// Accept a WebSocket upgrade (HTTP/1.1, RFC 6455; permessage-deflate when the client
    /// offers it) and run this handler on the connection; over HTTP/2, an extended CONNECT
    /// (RFC 8441, `:protocol websocket`) is answered 200 and the handler runs on the stream.
    /// A request that is not a valid upgrade gets 400 instead. The subprotocols the handler
    /// speaks are set with [`Response::with_protocols`].
    WebSocket(WsHandler),
    /// A body pushed through a [`BodyWriter`] from any thread (sent chunked on HTTP/1.1
    /// unless the handler set `Content-Length`, as DATA frames on HTTP/2). Made by
    /// [`Response::streaming`] and [`Response::sse`].
    Writer(BodyReceiver),
}

impl std::fmt::Debug for Body {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Body::Full(b) => f.debug_tuple("Full").field(&b.len()).finish(),
            Body::Stream(_) => f.write_str("Stream(..)"),
            Body::WebSocket(_) => f.write_str("WebSocket(..)"),
            Body::Writer(_) => f.write_str("Writer(..)"),
        }
    }
}

/// A response: status, header fields (sent in this order and case) and a body.
///
/// ```
/// use runtime_mio::server::Response;
/// let r = Response::text(200, "hi").with_header("X-Id", "7");
/// assert_eq!(r.status(), 200);
/// assert_eq!(r.headers().count(), 2); // Content-Type and X-Id
/// ```
#[derive(Debug)]
pub struct Response {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, Vec<u8>)>,
    pub(crate) body: Body,
    /// WebSocket: the subprotocols the handler speaks, most preferred first.
    pub(crate) ws_protocols: Vec<String>,
}

impl Response {
    /// A response with `status`, no field and an empty body.
    #[must_use]
    pub fn new(status: u16) -> Self {
        Response {
            status,
            headers: Vec::new(),
            body: Body::Full(Bytes::new()),
            ws_protocols: Vec::new(),
        }
    }

    /// A `text/plain; charset=utf-8` response.
    #[must_use]
    pub fn text(status: u16, text: impl Into<String>) -> Self {
        Response::new(status)
            .with_header("Content-Type", "text/plain; charset=utf-8")
            .with_body(Bytes::from(text.into()))
    }

    /// Adds a header field (builder style).
    #[must_use]
    pub fn with_header(mut self, name: &str, value: impl AsRef<[u8]>) -> Self {
        self.headers
            .push((name.to_owned(), value.as_ref().to_vec()));
        self
    }

    /// Sets the whole body (builder style).
    #[must_use]
    pub fn with_body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = Body::Full(body.into());
        self
    }

    /// Sets a streamed body (builder style): the pieces are sent as the output drains.
    #[must_use]
    pub fn with_stream(mut self, pieces: impl Iterator<Item = Bytes> + Send + 'static) -> Self {
        self.body = Body::Stream(Box::new(pieces));
        self
    }

    /// A 200 response whose body is `file` from its current position to its end, with that
    /// `Content-Length`, read in 64 KiB pieces as the connection's output drains (so a large
    /// file costs 64 KiB of memory, not its size). The reads happen on the event loop's
    /// thread: fine for local disks, not for a file system that may stall. A read error or a
    /// file that shrinks meanwhile cuts the response (HTTP/1.1: the connection is closed short
    /// of the length; HTTP/2: the stream is reset), so the client never takes a short body
    /// for a whole one. Set `Content-Type` with [`with_header`](Self::with_header).
    ///
    /// ```
    /// use runtime_mio::server::{Body, Response};
    /// let path = std::env::temp_dir().join("runtime-mio-doc-file.txt");
    /// std::fs::write(&path, b"file body").unwrap();
    /// let resp = Response::file(std::fs::File::open(&path).unwrap()).unwrap();
    /// assert_eq!(resp.headers().find(|(n, _)| *n == "Content-Length").unwrap().1, b"9");
    /// assert!(matches!(resp.body(), Body::Stream(_)));
    /// # std::fs::remove_file(&path).unwrap();
    /// ```
    ///
    /// # Errors
    /// The file's metadata or position could not be read, or it is not a regular file.
    pub fn file(mut file: std::fs::File) -> std::io::Result<Self> {
        use std::io::{Read, Seek};
        const PIECE: u64 = 64 * 1024;
        let meta = file.metadata()?;
        if !meta.is_file() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "not a regular file",
            ));
        }
        let mut left = meta.len().saturating_sub(file.stream_position()?);
        Ok(Response::new(200)
            .with_header("Content-Length", left.to_string())
            .with_stream(std::iter::from_fn(move || {
                if left == 0 {
                    return None;
                }
                let mut buf = vec![0u8; PIECE.min(left) as usize];
                // Interrupted reads are retried by read's callers in std; an error or an end
                // before `left` ends the stream short, which the server turns into a cut.
                let n = file.read(&mut buf).ok().filter(|&n| n > 0)?;
                buf.truncate(n);
                left -= n as u64;
                Some(Bytes::from(buf))
            })))
    }

    /// A response with `status` whose body is written through the returned [`BodyWriter`]
    /// (from any thread; at most 64 KiB wait in its
    /// queue before `send` blocks). Add fields with [`with_header`](Self::with_header).
    ///
    /// The handler runs on the event loop's thread and the body is sent only after it
    /// returns: write the body from another thread (as below), or use
    /// [`BodyWriter::try_send`] for what the handler queues itself. A blocking `send` on the
    /// handler's own thread beyond the limit would wait for the loop it is holding.
    ///
    /// ```
    /// use runtime_mio::server::Response;
    /// let (resp, w) = Response::streaming(200);
    /// std::thread::spawn(move || {
    ///     let _ = w.send("hello\n");
    /// });
    /// # drop(resp);
    /// ```
    #[must_use]
    pub fn streaming(status: u16) -> (Self, BodyWriter) {
        Self::streaming_with_limit(status, writer::DEFAULT_LIMIT)
    }

    /// As [`streaming`](Self::streaming), with at most `limit` bytes queued.
    #[must_use]
    pub fn streaming_with_limit(status: u16, limit: usize) -> (Self, BodyWriter) {
        let (w, r) = writer::channel(limit, false);
        let mut resp = Response::new(status);
        resp.body = Body::Writer(r);
        (resp, w)
    }

    /// A Server-Sent Events response: 200, `Content-Type: text/event-stream`,
    /// `Cache-Control: no-cache`, and the [`SseWriter`] that sends its events. While no
    /// event is sent for [`Timeouts::sse_heartbeat`](crate::timer::Timeouts::sse_heartbeat)
    /// the server sends a heartbeat comment.
    ///
    /// ```
    /// use runtime_mio::server::Response;
    /// let (resp, events) = Response::sse();
    /// std::thread::spawn(move || {
    ///     let _ = events.data("tick");
    /// });
    /// # drop(resp);
    /// ```
    #[must_use]
    pub fn sse() -> (Self, SseWriter) {
        let (w, r) = writer::channel(writer::DEFAULT_LIMIT, true);
        let mut resp = Response::new(200)
            .with_header("Content-Type", "text/event-stream")
            .with_header("Cache-Control", "no-cache");
        resp.body = Body::Writer(r);
        (resp, SseWriter::new(w))
    }

    /// Accepts a WebSocket upgrade and runs `handler` on the connection (see
    /// [`Body::WebSocket`]).
    #[must_use]
    pub fn websocket(handler: impl FnMut(WsMessage) -> Vec<WsMessage> + Send + 'static) -> Self {
        Response {
            status: 101,
            headers: Vec::new(),
            body: Body::WebSocket(Box::new(handler)),
            ws_protocols: Vec::new(),
        }
    }

    /// WebSocket (builder style): the subprotocols the handler speaks, most preferred first.
    /// Of those the client offers in `Sec-WebSocket-Protocol`, the first in this list is
    /// chosen and sent back (HTTP/1.1 and HTTP/2 alike); when none matches, or the client
    /// offers none, the connection is accepted without a subprotocol.
    ///
    /// ```
    /// use runtime_mio::server::Response;
    /// let r = Response::websocket(|m| vec![m]).with_protocols(&["chat.v2", "chat"]);
    /// assert_eq!(r.protocols().collect::<Vec<_>>(), ["chat.v2", "chat"]);
    /// ```
    #[must_use]
    pub fn with_protocols(mut self, protocols: &[&str]) -> Self {
        self.ws_protocols = protocols.iter().map(|p| (*p).to_owned()).collect();
        self
    }

    /// WebSocket: the subprotocols set with [`with_protocols`](Self::with_protocols).
    pub fn protocols(&self) -> impl Iterator<Item = &str> {
        self.ws_protocols.iter().map(String::as_str)
    }

    /// The status code.
    #[must_use]
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The header fields.
    pub fn headers(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.headers.iter().map(|(n, v)| (n.as_str(), v.as_slice()))
    }

    /// The body.
    #[must_use]
    pub fn body(&self) -> &Body {
        &self.body
    }
}

/// The reason phrase sent with `code`.
#[must_use]
pub fn reason(code: u16) -> &'static str {
    match code {
        100 => "Continue",
        101 => "Switching Protocols",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        206 => "Partial Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        413 => "Content Too Large",
        414 => "URI Too Long",
        415 => "Unsupported Media Type",
        418 => "I'm a teapot",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        _ => "Unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_accessors() {
        let r = Request::new("GET", "/a/b?x=1")
            .with_header("X-One", b"1")
            .with_header("x-two", b"2")
            .with_body(b"hi");
        assert_eq!(r.path(), "/a/b");
        assert_eq!(r.query(), Some("x=1"));
        assert_eq!(r.header("X-TWO"), Some(&b"2"[..]));
        let names: Vec<&str> = r.headers().map(|(n, _)| n).collect();
        assert_eq!(names, ["X-One", "x-two"]);
        assert_eq!(r.body(), b"hi");
        assert_eq!(Request::new("GET", "/").query(), None);
    }

    #[test]
    fn reasons() {
        assert_eq!(reason(404), "Not Found");
        assert_eq!(reason(799), "Unknown");
    }
}
