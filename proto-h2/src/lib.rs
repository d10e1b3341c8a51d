//! Sans-IO HTTP/2 for both roles. This crate does no I/O and reads no clock: time is an argument.
#![forbid(unsafe_code)]
