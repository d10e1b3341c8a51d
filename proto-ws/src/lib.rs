//! Sans-IO WebSocket (RFC 6455, RFC 7692 permessage-deflate) for both roles. This crate does no
//! I/O and reads no clock: bytes go in through [`Connection::recv`], events come out of
//! [`Connection::poll_event`], and everything to send is queued by `send_*` and taken with
//! [`Connection::poll_transmit`] (the engine contract shared with proto-h1 and proto-h2).
//!
//! - [`FrameHeader`]: the frame codec (every opcode, RSV bits, 7/16/64-bit lengths, masking
//!   rules by role, control-frame rules).
//! - [`apply_mask`]: unmasking with AVX2/SSE2/NEON chosen at run time, words otherwise.
//! - [`Connection`]: message assembly, incremental UTF-8 checks, size limits, ping/pong, the
//!   close handshake, permessage-deflate; every protocol error picks its close code.
//! - [`accept_request`], [`ClientHandshake`]: the opening handshake (HTTP/1.1 and RFC 8441).
//! - [`MaskSource`]: where a client's masking keys and `Sec-WebSocket-Key` nonces come from:
//!   the caller (this crate reads no randomness of its own): ChaCha12 keyed with a seed from
//!   the caller's cryptographic source ([`CryptoMask`]), a caller's CSPRNG, or, for tests only
//!   and asked for by name, the reproducible [`PredictableMask`].
//!
//! # Examples
//! ```
//! use proto_ws::{Config, Connection, CryptoMask, Event};
//!
//! # fn os_random_seed() -> [u8; 32] { [7; 32] } // the OS's generator, in a real program
//! let keys = CryptoMask::from_seed(os_random_seed());
//! let mut client = Connection::client(Config::default(), keys);
//! let mut server = Connection::server(Config::default());
//! client.send_text("Hello").unwrap();
//! let mut wire = Vec::new();
//! assert_eq!(client.poll_transmit(&mut wire), None);
//! assert!(!client.wants_write());
//!
//! assert_eq!(server.recv(&wire), Ok(11));
//! assert_eq!(server.poll_event(), Ok(Some(Event::Text("Hello"))));
//! assert_eq!(server.poll_event(), Ok(None));
//! ```
#![deny(unsafe_code, clippy::undocumented_unsafe_blocks)]

mod close;
mod conn;
mod deflate;
mod error;
mod frame;
mod handshake;
mod mask;
mod rng;
#[allow(unsafe_code)]
mod simd;
mod utf8;

pub use close::CloseCode;
pub use conn::{Config, Connection, Event, MessageKind, State};
pub use deflate::{DeflateConfig, DeflateParams, EXTENSION_NAME};
pub use error::{Error, ProtocolError, SendError};
pub use frame::{FrameHeader, MAX_HEADER_LEN, OpCode, Role, encode_frame};
pub use handshake::{
    AcceptKey, Accepted, ClientHandshake, ClientKey, GUID, HandshakeError, Negotiated,
    ServerOptions, accept_extended_connect, accept_key, accept_request,
};
pub use mask::{MaskPath, apply_mask, apply_mask_bytewise, apply_mask_with};
pub use rng::{CryptoMask, KEY_BATCH, MaskSource, PredictableMask};
