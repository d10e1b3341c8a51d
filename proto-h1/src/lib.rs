//! Sans-IO HTTP/1.1 for both roles. This crate does no I/O and reads no clock: bytes come in
//! through function arguments, bytes and events go out through return values and the caller's
//! buffers.
//!
//! - [`Request`] / [`Response`]: strict, hand-written head parsers that borrow from the input
//!   into caller-provided [`Header`] slots (names exactly as received, in order), scanning a
//!   word at a time (SWAR everywhere, SSE4.2/AVX2 on x86_64 chosen at run time).
//! - [`request_framing`] / [`response_framing`]: the body framing of RFC 9112 section 6 with
//!   the request-smuggling rules; [`LengthDecoder`] and [`ChunkedDecoder`] return slices of
//!   the input and never buffer body bytes.
//! - [`write_request_head`] / [`write_response_head`] and [`BodyEncoder`]: heads written exactly
//!   as given, bodies framed as the head announces, with a vectored form ([`Vectored`]) that
//!   only writes chunk framing and hands the payload back.
//! - [`Conn`] ([`ServerConn`], [`ClientConn`]): the connection state machine of each role
//!   (keep-alive, pipelining, `Expect: 100-continue`, upgrades and CONNECT tunnels), with the
//!   call order and the state table on the type.
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
#![deny(unsafe_code)]
#![deny(clippy::undocumented_unsafe_blocks)]

mod body;
mod conn;
mod error;
mod head;
pub mod scan;
mod ser;
#[allow(unsafe_code)]
mod simd;

pub use body::{Chunk, ChunkedDecoder, Framing, LengthDecoder, request_framing, response_framing};
pub use conn::{
    Client, ClientConn, Conn, ConnConfig, Event, Fields, RequestHead, ResponseHead, Role, RoleKind,
    Server, ServerConn,
};
pub use error::{Error, SendError};
pub use head::{
    Config, EMPTY_HEADER, Header, Limits, Request, Response, Status, TargetForm, Version, find,
    has_token, parse_headers, parse_request_forced, target_form,
};
pub use ser::{BodyEncoder, Vectored, write_request_head, write_response_head};
