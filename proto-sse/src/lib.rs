//! Sans-IO Server-Sent Events (WHATWG HTML, section 9.2 "Server-sent events").
//!
//! This crate does no I/O and reads no clock: bytes come in as arguments, events and encoded
//! bytes go out, and time is an `Instant` the caller passes in.
//!
//! - [`Parser`]: the incremental, zero-copy event stream parser ("interpreting an event
//!   stream", exactly): any chunking gives the same events, and an event whose fields lie
//!   within one chunk borrows from it.
//! - [`encode`] and friends: the encoder for servers; encode then parse is the identity (line
//!   breaks in data come back as LF).
//! - [`Reconnect`]: the client's reconnect policy (reconnection time, `Last-Event-ID`, backoff
//!   with jitter, 204 and failure handling).
//!
//! # Examples
//!
//! ```
//! use proto_sse::{encode, Message, Parser};
//!
//! let mut wire = Vec::new();
//! encode(&mut wire, &Message { event: Some("tick"), id: Some("1"), retry: None, data: "a\nb" })
//!     .unwrap();
//!
//! let mut parser = Parser::new();
//! let (used, event) = parser.parse(&wire).unwrap();
//! let event = event.unwrap();
//! assert_eq!((&*event.event_type, &*event.data, &*event.id), ("tick", "a\nb", "1"));
//! assert_eq!(used, wire.len());
//! ```
#![forbid(unsafe_code)]

mod encoder;
mod mime;
mod parser;
mod reconnect;

pub use encoder::{EncodeError, Message, encode, encode_comment, encode_heartbeat, encode_retry};
pub use mime::{MediaType, is_event_stream};
pub use parser::{Config, EndOfStream, Error, Event, Feed, Limits, Parser};
pub use reconnect::{Closed, Connect, Reconnect, ReconnectConfig, State};
