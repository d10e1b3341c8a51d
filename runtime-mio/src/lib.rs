//! The mio event loop that drives the sans-IO engines: timers, client, server and the `wire`
//! command-line tool. It depends on every protocol crate and owns all the I/O; it is the only
//! crate of the workspace that may.
//!
//! What is here so far:
//! - [`profile`]: a browser [`tls::Profile`]'s HTTP/2 side turned into the
//!   [`proto_h2::conn::Config`] a client connection sends, the one place the two crates'
//!   units meet.
//!
//! ```
//! use runtime_mio::profile::h2_config;
//!
//! let firefox = h2_config(&tls::profile::FIREFOX).unwrap();
//! assert_eq!(firefox.settings, [(1, 65536), (2, 0), (4, 131_072), (5, 16384)]);
//! ```
#![forbid(unsafe_code)]

pub mod profile;
