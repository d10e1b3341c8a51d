//! The mio event loop that drives the sans-IO engines: timers, client, server and the `wire`
//! command-line tool.
//!
//! This crate is filled by the runtime issue; until then it only fixes the crate's place in the
//! workspace: it will depend on every protocol crate and own all the I/O, and is the only crate
//! that may.
#![forbid(unsafe_code)]
