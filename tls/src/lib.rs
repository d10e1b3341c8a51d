//! BoringSSL driven through memory buffers: sans-IO TLS sessions for both roles, browser
//! ClientHello profiles, and JA3/JA4 fingerprinting.
//!
//! A [`Session`] never touches a socket and starts no thread: the caller feeds received
//! ciphertext with [`Session::recv`], takes ciphertext to send with [`Session::poll_transmit`],
//! and reads and writes plaintext. What BoringSSL still does outside memory (the wall clock,
//! files, OS randomness) is listed below. It plugs into the sans-IO
//! engines (`proto-h1`, `proto-h2`) and into `runtime-mio` the same way they do.
//!
//! # Structure
//! Dependencies point one way: `session` → `config` → `profile` → `cert_compression` (and
//! `profile` → `client_hello` for the GREASE rule when it reads a JA3 string).
//! - `session`: [`Session`], one connection driven through memory (`buffer` is its in-memory
//!   duplex; `ffi` the few raw BoringSSL calls).
//! - `config`: building [`ClientConfig`] and [`ServerConfig`], one file per job (client, server,
//!   session cache, key log, the per-connection info BoringSSL callbacks record).
//! - [`profile`]: browser profiles as plain data, built-in or built at run time (from JA3 and
//!   Akamai strings, or JSON); the client config applies them.
//! - `cert_compression`: RFC 8879 algorithm names and codecs, used by profiles and configs.
//! - [`client_hello`]: ClientHello parsing and JA3/JA4; [`ja4h`]: the JA4H fingerprint of an
//!   HTTP request; [`testing`]: certificates for tests.
//! - `error`: [`Error`] and its families.
//!
//! # What it does outside memory
//! The crate's own code reads no clock, no environment variable and no file except where listed
//! here; BoringSSL, inside a config or a session, does the following.
//!
//! **Wall clock** (BoringSSL's `gettimeofday`/`time`; no config here sets a time callback, so
//! a test cannot move it):
//! - certificate verification, during the handshake: each certificate's `notBefore` and
//!   `notAfter` are checked against the current time (an expired or not-yet-valid chain is a
//!   [`PeerError::CertificateVerification`], code 10 or 9);
//! - session resumption: a session's creation time and timeout (BoringSSL's defaults: 2 hours
//!   for a TLS 1.2 session, 2 days for a TLS 1.3 PSK renewed by resumption, 7 days at most in
//!   all) decide whether a client offers it and whether a server accepts it, and a TLS 1.3
//!   client reports the ticket's age from the clock;
//! - session tickets on a server ([`ServerConfigBuilder::session_tickets`], on by default):
//!   the ticket encryption key is generated on first use and rotated every 2 days, by the
//!   clock, inside the config's context (shared by its sessions).
//!
//! **Files:**
//! - [`ClientConfigBuilder::system_roots`] (on by default): building the config reads the
//!   system root file (`$SSL_CERT_FILE`, or BoringSSL's built-in default path), and remembers
//!   the root directory (`$SSL_CERT_DIR`, or the default). Verification then opens
//!   `<dir>/<subject hash>.<n>` files **during a session's handshake**, when it looks up an
//!   issuer there. These two variables are the only environment BoringSSL reads for us. With
//!   `system_roots(false)` (only [`ClientConfigBuilder::add_root_pem`] roots) no file is read.
//! - [`ServerConfigBuilder::cert_pem_files`] reads the two PEM files the caller names, once,
//!   when called.
//! - Key logging writes a file only through a [`KeyLogFile`] the caller creates and hands to a
//!   config with `key_log`: it appends to the path the caller gave (or `$SSLKEYLOGFILE` with
//!   [`KeyLogFile::from_env`], the crate's one read of the environment, and only when called)
//!   and creates it with mode `0600`. Without a `key_log` on the config no key is logged
//!   anywhere, for clients and servers alike.
//!
//! **Randomness:** BoringSSL draws from the OS (`getrandom(2)`, or `/dev/urandom` where that is
//! missing) for key shares, the hello randoms, session tickets and their keys, GREASE values
//! and extension order ([`profile`]), and the test certificates of [`testing`].
//!
//! No other I/O: sessions make no system call for the network, spawn nothing, and never block.
//!
//! # Allocation
//! After the handshake, once the buffers have grown to the traffic's size, moving application
//! data allocates nothing on the Rust heap: [`Session::write`], [`Session::write_vectored`]
//! (its gathering buffer is on the stack), [`Session::poll_transmit`], [`Session::recv`] and
//! [`Session::read`] reuse the session's two ciphertext buffers, provided the caller reuses its
//! own (`poll_transmit` into an emptied `Vec` swaps buffers with the session instead of copying,
//! so the caller's capacity comes back on the next call). The ciphertext queue is bounded (see
//! [`Session::write_vectored`], "Backpressure"), so those buffers stop growing at the limit.
//! `tests/alloc.rs` checks this with a counting global allocator, for 100-byte, 16 KiB,
//! multi-record and vectored writes in both directions.
//!
//! That count does not see BoringSSL's C heap: BoringSSL takes its record read and write
//! buffers from `malloc` while a record is in flight and frees them as soon as they are empty
//! (`SSLBuffer::Clear` and `DiscardConsumed` in its `ssl/ssl_buffer.cc`), so each record costs
//! it about one `malloc`/`free` pair per direction. That is BoringSSL's design (it keeps no
//! idle buffers per connection) and is not measured by the test.
//!
//! # Examples
//! ```
//! use tls::{ClientConfig, ClientSession, HandshakeStatus};
//!
//! let mut config = ClientConfig::builder();
//! config.alpn(&[b"h2", b"http/1.1"]).system_roots(false);
//! let config = config.build()?;
//! let mut client = ClientSession::new(&config, "example.com")?;
//! assert_eq!(client.handshake()?, HandshakeStatus::InProgress);
//! let mut wire = Vec::new();
//! client.poll_transmit(&mut wire); // the ClientHello, ready for a socket
//! let hello = tls::ClientHello::parse_records(&wire)?;
//! assert_eq!(hello.server_name.as_deref(), Some(&b"example.com"[..]));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(unsafe_code)]
#![deny(clippy::undocumented_unsafe_blocks)]

mod buffer;
mod cert_compression;
pub mod client_hello;
mod config;
mod error;
#[allow(unsafe_code)]
mod ffi;
pub mod ja4h;
pub mod profile;
mod session;
pub mod testing;

pub use cert_compression::CertCompression;
pub use client_hello::{ClientHello, Fingerprints, ParseError};
pub use config::{
    ClientAuth, ClientConfig, ClientConfigBuilder, DEFAULT_SERVER_SESSION_CACHE,
    DEFAULT_WRITE_QUEUE_LIMIT, KeyLog, KeyLogFile, ServerConfig, ServerConfigBuilder, SessionCache,
    TlsVersion,
};
pub use error::{Alert, ConfigError, Error, Misuse, PeerError};
pub use ja4h::Ja4h;
pub use profile::{Profile, SharedProfile};
pub use session::{
    Client, ClientSession, HandshakeStatus, Plaintext, Server, ServerSession, Session, Version,
};

/// Fills `buf` from BoringSSL's cryptographically secure generator (`RAND_bytes`): for keys
/// and nonces the layers above need, such as a WebSocket client's `Sec-WebSocket-Key` and
/// masking-key seed (RFC 6455 sections 4.1 and 5.3).
///
/// ```
/// let mut seed = [0u8; 32];
/// tls::fill_random(&mut seed).unwrap();
/// assert_ne!(seed, [0u8; 32]);
/// ```
///
/// # Errors
/// [`ConfigError::Rejected`] (setting `random bytes`) when the generator fails (it does
/// not on a working system).
pub fn fill_random(buf: &mut [u8]) -> Result<(), Error> {
    boring::rand::rand_bytes(buf).map_err(ConfigError::rejected("random bytes"))
}
