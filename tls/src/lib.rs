//! BoringSSL driven through memory buffers: sans-IO TLS sessions for both roles, browser
//! ClientHello profiles, and JA3/JA4 fingerprinting.
//!
//! A [`Session`] never touches a socket, starts no thread and reads no clock: the caller feeds
//! received ciphertext with [`Session::recv`], takes ciphertext to send with
//! [`Session::poll_transmit`], and reads and writes plaintext. It plugs into the sans-IO
//! engines (`proto-h1`, `proto-h2`) and into `runtime-mio` the same way they do.
//!
//! # Structure
//! Dependencies point one way: `session` → `config` → `profile` → `cert_compression`.
//! - `session`: [`Session`], one connection driven through memory (`buffer` is its in-memory
//!   duplex; `ffi` the few raw BoringSSL calls).
//! - `config`: building [`ClientConfig`] and [`ServerConfig`], one file per job (client, server,
//!   session cache, key log, the per-connection info BoringSSL callbacks record).
//! - [`profile`]: browser profiles as plain data; the client config applies them.
//! - `cert_compression`: RFC 8879 algorithm names and codecs, used by profiles and configs.
//! - [`client_hello`]: ClientHello parsing and JA3/JA4; [`testing`]: certificates for tests.
//! - `error`: [`Error`] and its families.
//!
//! # Environment and files
//! The library reads no environment variable: `SSLKEYLOGFILE` is read only when the caller
//! calls [`KeyLogFile::from_env`] (a command-line tool would; a server config does not). The one
//! outside influence is BoringSSL's system root store, loaded when
//! [`ClientConfigBuilder::system_roots`] is on (the default): BoringSSL then honours
//! `SSL_CERT_FILE` and `SSL_CERT_DIR`.
//!
//! Building a config may read files: PEM files the caller names
//! ([`ServerConfigBuilder::cert_pem_files`]) and the system root store. Sessions do no I/O.
//! The library writes a file only through a [`KeyLogFile`] the caller creates and hands to a
//! config with `key_log`: it appends to the path the caller gave (or `$SSLKEYLOGFILE` with
//! [`KeyLogFile::from_env`]) and creates it with mode `0600`. Without a `key_log` on the config,
//! no key is logged anywhere, for clients and servers alike.
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
pub mod profile;
mod session;
pub mod testing;

pub use cert_compression::CertCompression;
pub use client_hello::{ClientHello, Fingerprints, ParseError};
pub use config::{
    ClientAuth, ClientConfig, ClientConfigBuilder, KeyLog, KeyLogFile, ServerConfig,
    ServerConfigBuilder, SessionCache, TlsVersion,
};
pub use error::{Alert, ConfigError, Error, Misuse, PeerError};
pub use profile::Profile;
pub use session::{
    Client, ClientSession, HandshakeStatus, Plaintext, Server, ServerSession, Session, Version,
};
