//! The mio event loop that drives the sans-IO engines: timers, client, server and the `wire`
//! command-line tool.
//!
//! This crate is filled by the runtime issue; until then it only fixes the crate's place in the
//! workspace (it depends on every protocol crate and owns all I/O).
#![forbid(unsafe_code)]
