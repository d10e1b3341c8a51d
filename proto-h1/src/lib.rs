//! Sans-IO HTTP/1.1 for both roles. This crate does no I/O and reads no clock: bytes come in
//! through function arguments, bytes and events go out through return values and the caller's
//! buffers.
//!
//! - [`Request`] / [`Response`]: strict, hand-written head parsers that borrow from the input
//!   into caller-provided [`Header`] slots (names exactly as received, in order), scanning a
//!   word at a time: 8-byte SWAR everywhere; on x86_64, SSE4.2 or AVX2 detected once at run
//!   time (cached) for values and request-targets. No NEON path yet: aarch64 runs SWAR.
//! - [`request_framing`] / [`response_framing`]: the body framing of RFC 9112 section 6 with
//!   the request-smuggling rules; [`LengthDecoder`] and [`ChunkedDecoder`] return slices of
//!   the input and never buffer body bytes.
//! - [`write_request_head`] / [`write_response_head`] and [`BodyEncoder`]: heads written exactly
//!   as given, bodies framed as the head announces ([`BodyEncoder::frame`] writes only the
//!   framing, so a payload need not be copied).
//! - [`Conn`] ([`ServerConn`], [`ClientConn`]): the connection state machine of each role
//!   (keep-alive, pipelining, `Expect: 100-continue`, upgrades and CONNECT tunnels), with the
//!   call order and the state table on the type. It follows the workspace's engine contract:
//!   `recv` only consumes, `poll_event` hands out events, [`Conn::poll_transmit`] is the one
//!   output call (bytes appended to the caller's buffer, a queued [`bytes::Bytes`] payload
//!   handed back uncopied), [`Conn::wants_write`] and [`Conn::is_closed`] say what is left.
//!   A server answers a bad request itself (400, 413, 414, 431, 501, 505; 408 through
//!   [`Conn::send_timeout`]) and then closes, including requests that break the `Host` rules
//!   of RFC 9112 section 3.2 ([`request_host`]); a client switches protocols only on a 101 to
//!   a request that offered that protocol. [`Conn::state`] tells the caller's timers where the
//!   connection is; an idle connection holds no heap once it gave its buffers back
//!   ([`Conn::take_buffers`]).
//!
//! Limits ([`Limits`]) bound every size and count, with safe defaults, and apply to partial
//! input; every rejection is a typed [`Error`] that knows its status code ([`Error::status`]).
//!
//! ```
//! use proto_h1::{Request, Status, EMPTY_HEADER};
//!
//! let mut slots = [EMPTY_HEADER; 32];
//! let mut req = Request::new(&mut slots);
//! let buf = b"POST /upload HTTP/1.1\r\nHost: example.com\r\nX-Trace-ID: 7\r\n\r\n";
//! assert_eq!(req.parse(buf), Ok(Status::Complete(buf.len())));
//! assert_eq!(req.headers()[1].name, "X-Trace-ID"); // case and order kept
//! assert_eq!(req.header("x-trace-id"), Some(&b"7"[..]));
//! ```
//!
//! A client connection (the runtime's view):
//!
//! ```
//! use proto_h1::{ClientConn, ConnConfig, Event, Header};
//!
//! let mut conn = ClientConn::new(ConnConfig::default());
//! conn.send_request("GET", "/", &[Header { name: "Host", value: b"example.com" }]).unwrap();
//! conn.send_end(&[]).unwrap();
//! let mut tx = Vec::new();
//! while conn.wants_write() {
//!     let payload = conn.poll_transmit(&mut tx); // write `tx`, then `payload` if any
//!     assert!(payload.is_none());
//! }
//! conn.recv(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi").unwrap();
//! let mut body = Vec::new();
//! while let Some(ev) = conn.poll_event().unwrap() {
//!     match ev {
//!         Event::Response(head) => assert_eq!(head.code, 200),
//!         Event::Data(d) => body.extend_from_slice(d),
//!         Event::End { .. } => break,
//!         _ => {}
//!     }
//! }
//! assert_eq!(body, b"hi");
//! ```
#![deny(unsafe_code)]
#![deny(clippy::undocumented_unsafe_blocks)]

mod body;
mod conn;
mod error;
mod fields;
mod head;
mod host;
pub mod scan;
mod ser;
#[allow(unsafe_code)]
mod simd;

pub use body::{Chunk, ChunkedDecoder, Framing, LengthDecoder, request_framing, response_framing};
pub use conn::{
    Buffers, Client, ClientConn, Conn, ConnConfig, ConnState, Event, Role, RoleKind, Server,
    ServerConn,
};
pub use error::{Error, SendError};
pub use fields::{Fields, RequestHead, ResponseHead};
pub use head::{
    Config, EMPTY_HEADER, Header, Limits, Request, Response, Status, TargetForm, Version, find,
    has_token, parse_headers, parse_request_forced, target_form,
};
pub use host::request_host;
pub use ser::{BodyEncoder, write_request_head, write_response_head};
