//! Sans-IO Server-Sent Events (WHATWG HTML, "Server-sent events"). This crate does no I/O and reads
//! no clock: time is an argument.
#![forbid(unsafe_code)]
