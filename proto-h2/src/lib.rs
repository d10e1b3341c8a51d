//! Sans-IO HTTP/2 (RFC 9113) for both roles: frame codec, HPACK, stream states, flow control
//! and the connection.
//!
//! This crate does no I/O and reads no clock: the caller hands it the bytes it read and the
//! current time, and takes from it the bytes to write and the next deadline.
//!
//! ```
//! use proto_h2::frame::{self, Frame, Ping};
//! let mut out = Vec::new();
//! Frame::Ping(Ping { ack: false, payload: *b"12345678" }).encode(&mut out);
//! let (f, n) = frame::decode(&out, frame::DEFAULT_MAX_FRAME_SIZE).unwrap().unwrap();
//! assert_eq!(n, 17);
//! assert!(matches!(f, Frame::Ping(p) if !p.ack));
//! ```
#![forbid(unsafe_code)]

pub mod conn;
pub mod error;
pub mod flow;
pub mod frame;
pub mod head;
pub mod hpack;
pub mod pair;
pub mod settings;
pub mod stream;
