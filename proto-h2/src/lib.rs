//! Sans-IO HTTP/2 (RFC 9113) for both roles: frame codec, HPACK, stream states, flow control
//! and the connection.
//!
//! This crate does no I/O and reads no clock: the caller hands it the bytes it read and the
//! current time (`now: Instant` is always an argument), and takes from it the bytes to write
//! and the next deadline. The blocking adapter in `examples/support/h2_io.rs` is a whole
//! runtime in forty lines.
//!
//! | module | what it is |
//! |---|---|
//! | [`frame`] | the ten frame types, zero-copy decoding, head-only writers for vectored writes, a frame [`frame::Builder`] |
//! | [`hpack`] | RFC 7541: Huffman, static and dynamic tables, limits |
//! | [`stream`] | the RFC 9113 5.1 state machine as one table |
//! | [`flow`] | [`flow::Window`] whose checked arithmetic is the flow-control check, credit on read, BDP growth |
//! | [`settings`] | SETTINGS identifiers, ranges and effective values |
//! | [`head`] | decoded header blocks and the HTTP message rules of section 8 |
//! | [`conn`] | [`conn::Connection`], both roles in one type, with limits and defences |
//! | [`error`] | connection, stream and caller errors, each knowing its wire reaction |
//! | [`pair`] | an in-memory client/server pair with a virtual clock, for tests and fuzzing |
//!
//! ```
//! use proto_h2::conn::{Config, Event, Request};
//! use proto_h2::pair::Pair;
//! use std::time::Instant;
//!
//! // The clock belongs to the caller: `start` is whatever `Instant` its event loop has (the
//! // same exchange runs in `tests/conn.rs`).
//! fn exchange(start: Instant) {
//!     // A client and a server connected in memory; time is virtual from here on.
//!     let mut p = Pair::new(start, Config::client(), Config::server());
//!     let req = Request::get(b"https", b"example.com", b"/");
//!     let id = p.client.send_request(&req, true).unwrap();
//!     p.drive();
//!     p.server.send_response(id, 200, &[(b"content-type", b"text/plain")], false).unwrap();
//!     p.server.send_data(id, bytes::Bytes::from_static(b"hello"), true).unwrap();
//!     p.drive();
//!     assert!(p.client_events.iter().any(|e| matches!(e,
//!         Event::Response { head, .. } if head.status() == Some(200))));
//!     assert_eq!(&p.client.read_data(id).unwrap()[..], b"hello");
//! }
//! ```
#![forbid(unsafe_code)]

mod compact;
pub mod conn;
pub mod error;
pub mod flow;
pub mod frame;
pub mod head;
pub mod hpack;
pub mod id_hash;
pub mod pair;
mod recvbuf;
pub mod settings;
pub mod stream;
