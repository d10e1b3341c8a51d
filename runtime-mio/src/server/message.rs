//! The handler API: a [`Request`] in, a [`Response`] out.

use std::borrow::Cow;
use std::sync::{Arc, Mutex};

use bytes::Bytes;

use super::reader::BodyReader;
use super::timed::{Producer, TimedBody};
use super::writer::{self, BodyReceiver, BodyWriter, SseWriter};
use crate::fingerprint::ClientFingerprint;

/// A request as a handler sees it: method, target, the header fields in the order and case
/// they were received, and the whole body, or (for a request that
/// [`ServerConfig::stream_bodies`](super::ServerConfig::stream_bodies) streams) a
/// [`BodyReader`] to read it from as it arrives.
///
/// Its text lives in a few buffers that the server's loop thread reuses from one request
/// to the next, so handing a request to a handler costs no allocation
/// once the loop is warm.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub(crate) store: RequestStorage,
    /// The connection's fingerprint, shared by its requests (`None` unless the server
    /// computes fingerprints).
    pub(crate) fingerprint: Option<Arc<ClientFingerprint>>,
    /// A streamed body's reader, until the handler takes it.
    pub(crate) reader: ReaderSlot,
}

/// Where one field of a [`Request`] ends in its storage's `text` (name) and `values`.
#[derive(Debug, Clone, Copy)]
struct FieldEnd {
    name: u32,
    value: u32,
}

/// The text of a request: method, target and field names in one string, field values in
/// one byte buffer (they may hold obs-text), the field boundaries, and the body. Taken from
/// the loop thread's spare list when the request is built and given back to it when the
/// request is dropped (see [`keep_spare_storage`]); buffers over [`SPARE_MAX_BYTES`] are
/// freed instead, so a large request does not pin memory after it.
///
/// Boxed, so that handing it from one request to the next moves a pointer; the box goes
/// round with the buffers through the spare list.
#[derive(Debug, Clone, Default)]
pub(crate) struct RequestStorage(Option<Box<Parts>>);

/// The buffers of a [`RequestStorage`].
#[derive(Debug, Clone, Default)]
pub(crate) struct Parts {
    text: String,
    method_end: u32,
    target_end: u32,
    values: Vec<u8>,
    fields: Vec<FieldEnd>,
    pub(crate) body: Vec<u8>,
    /// Trailer fields after a whole body (rare: empty, no allocation, otherwise).
    pub(crate) trailers: Vec<(String, Vec<u8>)>,
}

/// Most storages a loop thread keeps for its next requests (as many as it has requests in
/// flight at once, up to this).
const SPARE_STORAGES: usize = 64;
/// Largest storage kept (the capacities of its buffers), in bytes.
const SPARE_MAX_BYTES: usize = 16 * 1024;

/// Where a target's first `?` is.
fn query_at(target: &str) -> Option<usize> {
    target.bytes().position(|b| b == b'?')
}

std::thread_local! {
    /// The loop thread's spare storages; `None` on other threads (a request dropped there,
    /// a clone a handler sent away, is simply freed).
    // The boxes are what is kept: a storage is handed from request to request as one.
    #[allow(clippy::vec_box)]
    static SPARE: std::cell::RefCell<Option<Vec<Box<Parts>>>> =
        const { std::cell::RefCell::new(None) };
}

/// Makes the current thread (a server's event loop) keep the storage of the requests
/// dropped on it for the next ones.
pub(crate) fn keep_spare_storage() {
    SPARE.with(|s| *s.borrow_mut() = Some(Vec::with_capacity(SPARE_STORAGES)));
}

/// What a storage taken apart (in its drop) reads as: nothing.
static NO_PARTS: Parts = Parts {
    text: String::new(),
    method_end: 0,
    target_end: 0,
    values: Vec::new(),
    fields: Vec::new(),
    body: Vec::new(),
    trailers: Vec::new(),
};

impl std::ops::Deref for RequestStorage {
    type Target = Parts;

    fn deref(&self) -> &Parts {
        self.0.as_deref().unwrap_or(&NO_PARTS)
    }
}

impl std::ops::DerefMut for RequestStorage {
    fn deref_mut(&mut self) -> &mut Parts {
        self.0.get_or_insert_with(Box::default)
    }
}

impl RequestStorage {
    /// Empty storage: a spare one of this thread's when there is one.
    fn take() -> RequestStorage {
        let spare = SPARE
            .try_with(|s| s.try_borrow_mut().ok()?.as_mut()?.pop())
            .ok()
            .flatten();
        RequestStorage(Some(spare.unwrap_or_default()))
    }
}

impl Parts {
    /// Empties it, keeping the buffers' capacity.
    fn clear(&mut self) {
        self.text.clear();
        (self.method_end, self.target_end) = (0, 0);
        self.values.clear();
        self.fields.clear();
        self.body.clear();
        self.trailers = Vec::new();
    }

    fn heap_size(&self) -> usize {
        self.text.capacity()
            + self.values.capacity()
            + self.fields.capacity() * std::mem::size_of::<FieldEnd>()
            + self.body.capacity()
    }

    /// Starts a request with `method` and `target`.
    fn start(&mut self, method: &str, target: &str) {
        self.text.push_str(method);
        self.method_end = self.text.len() as u32;
        self.text.push_str(target);
        self.target_end = self.text.len() as u32;
    }

    fn push_field(&mut self, name: &str, value: &[u8]) {
        self.text.push_str(name);
        self.values.extend_from_slice(value);
        self.fields.push(FieldEnd {
            name: self.text.len() as u32,
            value: self.values.len() as u32,
        });
    }

    fn method(&self) -> &str {
        &self.text[..self.method_end as usize]
    }

    fn target(&self) -> &str {
        &self.text[self.method_end as usize..self.target_end as usize]
    }

    fn fields(&self) -> impl Iterator<Item = (&str, &[u8])> {
        let mut name_at = self.target_end as usize;
        let mut value_at = 0;
        self.fields.iter().map(move |end| {
            let (n, v) = (end.name as usize, end.value as usize);
            let field = (&self.text[name_at..n], &self.values[value_at..v]);
            name_at = n;
            value_at = v;
            field
        })
    }
}

impl Drop for RequestStorage {
    fn drop(&mut self) {
        let Some(mut parts) = self.0.take() else {
            return;
        };
        if parts.heap_size() > SPARE_MAX_BYTES {
            return;
        }
        let _ = SPARE.try_with(|s| {
            if let Ok(mut s) = s.try_borrow_mut()
                && let Some(spare) = s.as_mut()
                && spare.len() < SPARE_STORAGES
            {
                parts.clear();
                spare.push(parts);
            }
        });
    }
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
        let mut store = RequestStorage::take();
        store.start(method, target);
        // Not `..Request::default()`: that would build (and drop) a second storage.
        Request {
            store,
            fingerprint: None,
            reader: ReaderSlot::default(),
        }
    }

    /// A request built by the server from a received head: `fields` in received order.
    pub(crate) fn received<'a>(
        method: &str,
        target: &str,
        fields: impl Iterator<Item = (&'a str, &'a [u8])>,
    ) -> Self {
        Request::received_in(None, method, target, fields)
    }

    /// [`received`](Self::received) into `store` (emptied storage of an earlier request, see
    /// [`into_storage`](Self::into_storage)) when there is one: pipelined requests answered
    /// in one go reuse one storage without going through the thread's spare list.
    pub(crate) fn received_in<'a>(
        store: Option<RequestStorage>,
        method: &str,
        target: &str,
        fields: impl Iterator<Item = (&'a str, &'a [u8])>,
    ) -> Self {
        let mut store = store.unwrap_or_else(RequestStorage::take);
        store.start(method, target);
        for (n, v) in fields {
            store.push_field(n, v);
        }
        Request {
            store,
            fingerprint: None,
            reader: ReaderSlot::default(),
        }
    }

    /// The request's storage, emptied for the next request, unless it grew past what the
    /// spare list keeps (then it is freed).
    pub(crate) fn into_storage(self) -> Option<RequestStorage> {
        let Request { mut store, .. } = self;
        if store.heap_size() > SPARE_MAX_BYTES {
            return None;
        }
        store.clear();
        Some(store)
    }

    /// Adds a header field (builder style).
    #[must_use]
    pub fn with_header(mut self, name: &str, value: &[u8]) -> Self {
        self.store.push_field(name, value);
        self
    }

    /// Sets the body (builder style).
    #[must_use]
    pub fn with_body(mut self, body: &[u8]) -> Self {
        self.store.body.clear();
        self.store.body.extend_from_slice(body);
        self
    }

    /// The method, as received (`GET`, `POST`, ...).
    #[must_use]
    pub fn method(&self) -> &str {
        self.store.method()
    }

    /// The request-target as received (`/path?query`).
    #[must_use]
    pub fn target(&self) -> &str {
        self.store.target()
    }

    /// The target's path: the target up to `?`.
    #[must_use]
    pub fn path(&self) -> &str {
        let t = self.target();
        // A byte scan (`?` is ASCII, so its index is a char boundary): `split('?')` set up a
        // char searcher for every call, some 100 instructions per request on `wire serve`.
        match query_at(t) {
            Some(i) => &t[..i],
            None => t,
        }
    }

    /// The target's query (after `?`), if any.
    #[must_use]
    pub fn query(&self) -> Option<&str> {
        let t = self.target();
        query_at(t).map(|i| &t[i + 1..])
    }

    /// The header fields, in received order and case.
    pub fn headers(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.store.fields()
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
        &self.store.body
    }

    /// The trailer fields that ended a whole body (HTTP/1.1: a chunked body's trailer
    /// section; HTTP/2: a trailing HEADERS), in received order; none for a streamed body.
    pub fn trailers(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.store
            .trailers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_slice()))
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

/// A response body (new kinds may be added: match with a wildcard arm).
#[non_exhaustive]
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
    /// A body produced on the event loop's thread at times its [`Producer`] chooses (sent
    /// chunked on HTTP/1.1 unless the handler set `Content-Length`, as DATA frames on
    /// HTTP/2): a timed stream without a thread of its own. Made by [`Response::timed`] and
    /// [`Response::sse_timed`].
    Timed(TimedBody),
}

impl std::fmt::Debug for Body {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Body::Full(b) => f.debug_tuple("Full").field(&b.len()).finish(),
            Body::Stream(_) => f.write_str("Stream(..)"),
            Body::WebSocket(_) => f.write_str("WebSocket(..)"),
            Body::Writer(_) => f.write_str("Writer(..)"),
            Body::Timed(t) => f.debug_tuple("Timed").field(t).finish(),
        }
    }
}

/// One response header field: name and value, borrowed when `'static`.
type Field = (Cow<'static, str>, Cow<'static, [u8]>);

/// A response's header fields in order: a first field that is all `'static` held inline,
/// the rest in a `Vec`, so a response with one static field (`Response::text`, most
/// handlers' answers) allocates no list, and the response stays small enough to be moved
/// without a `memcpy` call.
#[derive(Debug, Default)]
pub(crate) struct FieldList {
    first: Option<(&'static str, &'static [u8])>,
    rest: Vec<Field>,
}

impl FieldList {
    fn push_static(&mut self, name: &'static str, value: &'static [u8]) {
        if self.first.is_none() && self.rest.is_empty() {
            self.first = Some((name, value));
        } else {
            self.rest.push((Cow::Borrowed(name), Cow::Borrowed(value)));
        }
    }

    fn push(&mut self, field: Field) {
        self.rest.push(field);
    }

    /// How many fields there are.
    pub(crate) fn len(&self) -> usize {
        usize::from(self.first.is_some()) + self.rest.len()
    }

    /// The fields in order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, &[u8])> + Clone {
        self.first
            .iter()
            .map(|&(n, v)| (n, v))
            .chain(self.rest.iter().map(|(n, v)| (&**n, &**v)))
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
    pub(crate) headers: FieldList,
    pub(crate) body: Body,
    /// WebSocket: the subprotocols the handler speaks, most preferred first.
    pub(crate) ws_protocols: Box<[String]>,
}

impl Response {
    /// A response with `status`, no field and an empty body.
    #[must_use]
    pub fn new(status: u16) -> Self {
        Response {
            status,
            headers: FieldList::default(),
            body: Body::Full(Bytes::new()),
            ws_protocols: Box::default(),
        }
    }

    /// A `text/plain; charset=utf-8` response.
    #[must_use]
    pub fn text(status: u16, text: impl Into<String>) -> Self {
        Response::new(status)
            .with_static_header("Content-Type", b"text/plain; charset=utf-8")
            .with_body(Bytes::from(text.into()))
    }

    /// Adds a header field (builder style).
    #[must_use]
    pub fn with_header(mut self, name: &str, value: impl AsRef<[u8]>) -> Self {
        self.headers.push((
            Cow::Owned(name.to_owned()),
            Cow::Owned(value.as_ref().to_vec()),
        ));
        self
    }

    /// Adds a header field whose name and value are `'static` (builder style): nothing is
    /// copied, so a response built from static parts and a [`Bytes`] body allocates only its
    /// field list.
    ///
    /// ```
    /// use runtime_mio::server::Response;
    /// let r = Response::new(200).with_static_header("Cache-Control", b"no-store");
    /// assert_eq!(r.headers().next(), Some(("Cache-Control", &b"no-store"[..])));
    /// ```
    #[must_use]
    pub fn with_static_header(mut self, name: &'static str, value: &'static [u8]) -> Self {
        self.headers.push_static(name, value);
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
            .with_static_header("Content-Type", b"text/event-stream")
            .with_static_header("Cache-Control", b"no-cache");
        resp.body = Body::Writer(r);
        (resp, SseWriter::new(w))
    }

    /// A response with `status` whose body `producer` produces on the event loop's thread,
    /// called when the response starts and then when it asks to be
    /// ([`Next`](super::Next)), only while the connection's output has room; dropped when
    /// the client goes away. No thread per response: a server holds as many timed streams
    /// as connections. See [`Producer`] and the [`server`](super) module's example.
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// use runtime_mio::server::{Body, BodyOut, Next, Response};
    /// // One byte every 100 ms, five in all.
    /// let mut left = 5;
    /// let resp = Response::timed(200, move |now: Instant, out: &mut BodyOut| {
    ///     out.write(b"*");
    ///     left -= 1;
    ///     if left == 0 { Next::End } else { Next::WaitUntil(now + Duration::from_millis(100)) }
    /// });
    /// assert!(matches!(resp.body(), Body::Timed(_)));
    /// ```
    #[must_use]
    pub fn timed(status: u16, producer: impl Producer + 'static) -> Self {
        let mut resp = Response::new(status);
        resp.body = Body::Timed(TimedBody::new(Box::new(producer), false));
        resp
    }

    /// A Server-Sent Events response whose events `producer` writes on the event loop's
    /// thread (with [`BodyOut::event`](super::BodyOut::event)): 200, `Content-Type:
    /// text/event-stream`, `Cache-Control: no-cache`, and a heartbeat comment while no byte
    /// was sent for [`Timeouts::sse_heartbeat`](crate::timer::Timeouts::sse_heartbeat), as
    /// [`Response::sse`] without its thread.
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// use runtime_mio::server::{BodyOut, Next, Response};
    /// let mut i = 0;
    /// let resp = Response::sse_timed(move |now: Instant, out: &mut BodyOut| {
    ///     i += 1;
    ///     let _ = out.event(&proto_sse::Message::data(&format!("tick {i}")));
    ///     Next::WaitUntil(now + Duration::from_secs(1))
    /// });
    /// # drop(resp);
    /// ```
    #[must_use]
    pub fn sse_timed(producer: impl Producer + 'static) -> Self {
        let mut resp = Response::new(200)
            .with_static_header("Content-Type", b"text/event-stream")
            .with_static_header("Cache-Control", b"no-cache");
        resp.body = Body::Timed(TimedBody::new(Box::new(producer), true));
        resp
    }

    /// Accepts a WebSocket upgrade and runs `handler` on the connection (see
    /// [`Body::WebSocket`]).
    #[must_use]
    pub fn websocket(handler: impl FnMut(WsMessage) -> Vec<WsMessage> + Send + 'static) -> Self {
        Response {
            status: 101,
            headers: FieldList::default(),
            body: Body::WebSocket(Box::new(handler)),
            ws_protocols: Box::default(),
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
        self.headers.iter()
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

    /// A response's fields come out in the order they were added, whichever of them is
    /// static (the first static one is held apart from the others).
    #[test]
    fn response_fields_keep_their_order() {
        let r = Response::new(200)
            .with_static_header("A", b"1")
            .with_header("B", "2")
            .with_static_header("C", b"3");
        let names: Vec<&str> = r.headers().map(|(n, _)| n).collect();
        assert_eq!(names, ["A", "B", "C"]);
        let r = Response::new(200)
            .with_header("B", "2")
            .with_static_header("A", b"1")
            .with_static_header("C", b"3");
        let fields: Vec<(&str, &[u8])> = r.headers().collect();
        assert_eq!(fields, [("B", &b"2"[..]), ("A", b"1"), ("C", b"3")]);
        assert_eq!(r.headers.len(), 3);
        assert_eq!(Response::new(204).headers().count(), 0);
    }

    /// A request's storage, taken back after it was answered, holds nothing of it when the
    /// next request is built in it.
    #[test]
    fn reused_storage_starts_empty() {
        let fields: [(&str, &[u8]); 2] = [("Host", b"a"), ("X-Long", b"value")];
        let first = Request::received("POST", "/first", fields.into_iter()).with_body(b"body");
        let store = first.into_storage();
        assert!(store.is_some());
        let next = Request::received_in(store, "GET", "/n", [("Host", &b"b"[..])].into_iter());
        assert_eq!((next.method(), next.target()), ("GET", "/n"));
        assert_eq!(next.headers().collect::<Vec<_>>(), [("Host", &b"b"[..])]);
        assert!(next.body().is_empty());
        assert_eq!(next.trailers().count(), 0);
        // Storage grown past what the spare list keeps is freed, not reused.
        let big = Request::received("POST", "/", std::iter::empty()).with_body(&[0; 20_000]);
        assert!(big.into_storage().is_none());
    }

    #[test]
    fn received_request_keeps_fields_in_order_with_empty_names_and_values() {
        let fields: [(&str, &[u8]); 3] = [("Host", b"a"), ("X-Empty", b""), ("host", b"\xff")];
        let r = Request::received("POST", "/p", fields.into_iter());
        assert_eq!(r.method(), "POST");
        assert_eq!(r.target(), "/p");
        assert_eq!(r.headers().collect::<Vec<_>>(), fields);
        assert_eq!(r.header("HOST"), Some(&b"a"[..]));
        let c = r.clone();
        assert_eq!(c.headers().collect::<Vec<_>>(), fields);
        assert_eq!(Request::default().method(), "");
        assert_eq!(Request::default().headers().count(), 0);
    }

    #[test]
    fn a_loop_thread_reuses_dropped_request_storage_and_frees_large_ones() {
        std::thread::spawn(|| {
            keep_spare_storage();
            let r = Request::new("GET", "/one").with_header("A", b"1");
            let text = r.store.text.as_ptr();
            drop(r);
            // The next request takes the same buffer, emptied.
            let r = Request::new("PUT", "/two");
            assert_eq!(r.store.text.as_ptr(), text);
            assert_eq!(
                (r.method(), r.target(), r.headers().count()),
                ("PUT", "/two", 0)
            );
            drop(r);
            let spare_len = || SPARE.with(|s| s.borrow().as_ref().unwrap().len());
            assert_eq!(spare_len(), 1);
            // A request that grew over the size bound (it took that spare) is freed, not kept.
            let big = Request::new("POST", "/").with_body(&vec![0; SPARE_MAX_BYTES + 1]);
            assert_eq!(spare_len(), 0);
            drop(big);
            assert_eq!(spare_len(), 0);
        })
        .join()
        .unwrap();
        // Other threads keep nothing.
        drop(Request::new("GET", "/"));
        SPARE.with(|s| assert!(s.borrow().is_none()));
    }

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
        for (target, path, query) in [
            ("/", "/", None),
            ("", "", None),
            ("/?", "/", Some("")),
            ("?x", "", Some("x")),
            ("/a?b?c", "/a", Some("b?c")),
            ("/é?ü=1", "/é", Some("ü=1")),
        ] {
            let r = Request::new("GET", target);
            assert_eq!((r.path(), r.query()), (path, query), "{target}");
        }
    }

    #[test]
    fn reasons() {
        assert_eq!(reason(404), "Not Found");
        assert_eq!(reason(799), "Unknown");
    }
}
