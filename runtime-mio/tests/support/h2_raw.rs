//! Raw HTTP/2 bytes for tests that speak to `wire serve` without a client library: one
//! frame, an HPACK request head, and the frames of a received byte stream. Each test binary
//! that includes this module uses part of it.
#![allow(dead_code)]

/// One frame: the 9-byte header (length, type, flags, stream) and `payload`.
pub(crate) fn h2_frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
    let mut f = (payload.len() as u32).to_be_bytes()[1..].to_vec();
    f.extend_from_slice(&[kind, flags]);
    f.extend_from_slice(&stream.to_be_bytes());
    f.extend_from_slice(payload);
    f
}

/// An HPACK request head: `:method` by its static index (0x82 GET, 0x83 POST), `:scheme
/// http`, `:path` and `:authority` as literals without indexing.
pub(crate) fn h2_request(method: u8, path: &str) -> Vec<u8> {
    let mut h = vec![method, 0x86, 0x04, path.len() as u8];
    h.extend_from_slice(path.as_bytes());
    h.extend_from_slice(&[0x01, 0x01, b'x']);
    h
}

/// The frames of an HTTP/2 byte stream: (type, flags, stream, payload), a cut last frame as
/// far as it came.
pub(crate) fn h2_frames(mut b: &[u8]) -> Vec<(u8, u8, u32, Vec<u8>)> {
    let mut frames = Vec::new();
    while b.len() >= 9 {
        let len = usize::from(b[0]) << 16 | usize::from(b[1]) << 8 | usize::from(b[2]);
        let stream = u32::from_be_bytes([b[5], b[6], b[7], b[8]]) & 0x7fff_ffff;
        let end = (9 + len).min(b.len());
        frames.push((b[3], b[4], stream, b[9..end].to_vec()));
        b = &b[end..];
    }
    frames
}
