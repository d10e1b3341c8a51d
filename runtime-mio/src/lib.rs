//! The mio event loop that drives the sans-IO engines, and what stands on it: the timer
//! table, the buffer pool, the server (HTTP/1.1, HTTP/2 by prior knowledge or by ALPN under
//! TLS) and the `wire` command-line tool. It depends on every protocol crate and owns all the
//! I/O; it is the only crate of the workspace that may.
//!
//! ```
//! use std::io::{Read, Write};
//! use runtime_mio::server::{Response, Server, ServerConfig};
//!
//! let config = ServerConfig { threads: 1, ..ServerConfig::default() };
//! let server = Server::bind("127.0.0.1:0".parse().unwrap(), config, |req| {
//!     Response::text(200, format!("hello {}", req.path()))
//! })
//! .unwrap();
//! let mut c = std::net::TcpStream::connect(server.local_addr()).unwrap();
//! c.write_all(b"GET /you HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
//! let mut answer = String::new();
//! c.read_to_string(&mut answer).unwrap();
//! assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"));
//! assert!(answer.ends_with("\r\n\r\nhello /you"));
//! server.shutdown().unwrap();
//! ```
//!
//! One job per file, each using only those above it (DESIGN.md, "Runtime"):
//! - [`engine`]: the one trait the loop drives, with its impls for the engines;
//! - [`buffer`]: the buffer pool;
//! - [`timer`]: the timeout table and the deadline heap;
//! - [`event_loop`]: the mio readiness loop over a slab of connections;
//! - [`json`]: the small JSON writer of `wire serve`'s answers;
//! - [`fingerprint`]: JA3/JA4/Akamai of a peer, from what `tls` and `proto-h2` surface;
//! - [`profile`]: a browser [`tls::Profile`]'s HTTP/2 side turned into the
//!   [`proto_h2::conn::Config`] a client connection sends, the one place the two crates'
//!   units meet;
//! - [`server`]: the handler API, the HTTP/1.1 and HTTP/2 glue, protocol sniffing, TLS,
//!   threads and shutdown;
//! - [`client`]: the HTTP/1.1 and HTTP/2 client on its own loop thread: pool, streaming
//!   responses, cancellation, timeouts.
//!
//! ```
//! use runtime_mio::profile::h2_config;
//!
//! let firefox = h2_config(&tls::profile::FIREFOX).unwrap();
//! assert_eq!(firefox.settings, [(1, 65536), (2, 0), (4, 131_072), (5, 16384)]);
//! ```
#![forbid(unsafe_code)]

/// The unit tests' allocator: it counts per thread (`test_support::alloc`), so that a test can
/// measure what the code under it keeps.
#[cfg(test)]
#[global_allocator]
static ALLOC: test_support::alloc::CountingAllocator =
    test_support::alloc::CountingAllocator::new();

pub mod buffer;
pub mod client;
mod decimal;
pub mod engine;
pub mod event_loop;
pub mod fingerprint;
pub mod json;
pub mod profile;
pub mod server;
pub mod timer;
mod tls_in;
mod tls_out;
