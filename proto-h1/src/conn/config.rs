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
    /// Parser limits and lenient options. The connection holds a whole head, trailer section
    /// or chunk-size line in its receive buffer (at most 4 GiB) one byte past its limit, to
    /// see the limit broken: a larger `max_head_size` or `max_trailer_size` is taken as
    /// 2^32 - 2 bytes, a larger `max_chunk_ext_len` as 2^32 - 97; the other limits above
    /// 2^32 - 1 as 2^32 - 1 (`max_body_len` as it is).
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

/// Room in the receive buffer for a chunk-size line besides its extension (the size, its
/// whitespace, the `;`, the line end), and one byte more.
const CHUNK_LINE_ROOM: u32 = 96;

/// The configuration as a connection keeps it: the limits saturated to 32 bits, those of what
/// the connection buffers (head, trailer section, chunk-size line) to leave the receive
/// buffer (at most 4 GiB) room to see them broken, the receive buffer's bound computed once.
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
        // The receive buffer holds a whole head, trailer section or chunk-size line one byte
        // past their limits, so that breaking one is seen (an error and a 4xx, not a full
        // buffer that waits for ever); offsets into it are 32-bit. Limits beyond what such a
        // buffer can hold are taken as the largest it can.
        let head = sat(l.max_head_size).min(u32::MAX - 1);
        let trailer = sat(l.max_trailer_size).min(u32::MAX - 1);
        let ext = sat(l.max_chunk_ext_len).min(u32::MAX - CHUNK_LINE_ROOM);
        let recv = sat(c.recv_buffer)
            .max(head + 1)
            .max(trailer + 1)
            .max(ext + CHUNK_LINE_ROOM);
        Settings {
            max_body_len: l.max_body_len,
            max_head_size: head,
            max_headers: sat(l.max_headers),
            max_target_len: sat(l.max_target_len),
            max_chunk_ext_len: ext,
            max_trailer_size: trailer,
            recv_capacity: recv,
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Limits at or near the largest integers: the receive buffer still holds a head, a
    /// trailer section and a chunk-size line one byte past their limits. It did not (the
    /// limits saturated to `u32::MAX`, the buffer too), so a head without end filled 4 GiB and
    /// waited for ever instead of failing with a 431.
    #[test]
    fn the_buffer_sees_every_limit_broken_however_large() {
        let edges = [
            0,
            1,
            u32::MAX as usize - 96,
            u32::MAX as usize - 1,
            u32::MAX as usize,
            u32::MAX as usize + 1,
            usize::MAX,
        ];
        for &n in &edges {
            for &recv_buffer in &[0, usize::MAX] {
                let mut c = ConnConfig {
                    recv_buffer,
                    ..ConnConfig::default()
                };
                c.parse.limits.max_head_size = n;
                c.parse.limits.max_trailer_size = n;
                c.parse.limits.max_chunk_ext_len = n;
                let s = Settings::new(&c);
                let cap = u64::from(s.recv_capacity);
                assert!(cap > u64::from(s.max_head_size), "{n}");
                assert!(cap > u64::from(s.max_trailer_size), "{n}");
                assert!(cap >= u64::from(s.max_chunk_ext_len) + 96, "{n}");
                // Limits that fit stay as they are.
                if n < u32::MAX as usize - 96 {
                    assert_eq!(s.limits().max_head_size, n);
                    assert_eq!(s.limits().max_chunk_ext_len, n);
                }
            }
        }
    }
}
