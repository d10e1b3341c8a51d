//! Sans-IO WebSocket (RFC 6455, RFC 7692) for both roles. This crate does no I/O and reads no clock.
#![forbid(unsafe_code)]
