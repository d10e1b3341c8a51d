//! The connection's configuration: [`ConnConfig`] as the caller gives it, and the compact
//! form a connection keeps.

use crate::head::{Config, Limits};

/// Connection configuration.
///
/// The per-request body limit is `parse.limits.max_body_len` ([`Limits::max_body_len`]): a
/// larger `Content-Length`, or chunks that add up to more, is [`Error::BodyTooLarge`](crate::Error::BodyTooLarge) and a
/// server answers 413. It is unlimited by default because the connection never buffers a
/// body (each piece is handed out as it arrives, bounded by `recv_buffer`); a server that
/// stores bodies sets it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnConfig {
    /// Parser limits and lenient options.
    pub parse: Config,
    /// Most bytes the receive buffer holds (at least the head and trailer limits, at most
    /// 4 GiB). The buffer starts empty and grows by doubling up to this as bytes arrive that
    /// events have not handed out yet. Default 64 KiB.
    pub recv_buffer: usize,
    /// Most requests a client may have in flight (pipelining). Default 16.
    pub max_in_flight: usize,
}

impl Default for ConnConfig {
    fn default() -> Self {
        ConnConfig {
            parse: Config::default(),
            recv_buffer: 64 * 1024,
            max_in_flight: 16,
        }
    }
}

/// The configuration as a connection keeps it: the limits saturated to 32 bits (no head,
/// line or section the connection buffers can pass 4 GiB, its receive buffer's bound), the
/// receive buffer's bound computed once.
#[derive(Debug, Clone, Copy)]
pub(super) struct Settings {
    pub(super) max_body_len: u64,
    pub(super) max_head_size: u32,
    pub(super) max_headers: u32,
    pub(super) max_target_len: u32,
    pub(super) max_chunk_ext_len: u32,
    pub(super) max_trailer_size: u32,
    pub(super) recv_capacity: u32,
    pub(super) max_in_flight: u32,
    pub(super) obs_fold: bool,
}

impl Settings {
    pub(super) fn new(c: &ConnConfig) -> Self {
        let l = &c.parse.limits;
        let sat = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        // The receive buffer holds a whole head, trailer section or chunk-size line at their
        // limits; offsets into it are 32-bit.
        let recv = c
            .recv_buffer
            .max(l.max_head_size.saturating_add(1))
            .max(l.max_trailer_size.saturating_add(1))
            .max(l.max_chunk_ext_len.saturating_add(96));
        Settings {
            max_body_len: l.max_body_len,
            max_head_size: sat(l.max_head_size),
            max_headers: sat(l.max_headers),
            max_target_len: sat(l.max_target_len),
            max_chunk_ext_len: sat(l.max_chunk_ext_len),
            max_trailer_size: sat(l.max_trailer_size),
            recv_capacity: sat(recv),
            max_in_flight: sat(c.max_in_flight),
            obs_fold: c.parse.allow_obs_fold_in_responses,
        }
    }

    pub(super) fn limits(&self) -> Limits {
        Limits {
            max_head_size: self.max_head_size as usize,
            max_headers: self.max_headers as usize,
            max_target_len: self.max_target_len as usize,
            max_chunk_ext_len: self.max_chunk_ext_len as usize,
            max_trailer_size: self.max_trailer_size as usize,
            max_body_len: self.max_body_len,
        }
    }
}
