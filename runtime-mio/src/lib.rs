//! The mio event loop that drives the sans-IO engines: timers, buffers, the server and the
//! `wire` command-line tool.
#![forbid(unsafe_code)]

pub mod buffer;
pub mod engine;
pub mod event_loop;
pub mod server;
pub mod timer;
