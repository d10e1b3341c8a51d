//! Sans-IO HTTP/1.1 for both roles. This crate does no I/O and reads no clock.
#![forbid(unsafe_code)]
