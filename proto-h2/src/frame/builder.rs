//! Raw frames of any shape, valid or not, for tests, fuzzing and tools.

use super::HEADER_LEN;

/// A small builder of raw frames for tests and tools: any type, any flags, any stream, any
/// payload, including frames the codec would refuse.
///
/// ```
/// use proto_h2::frame::{Builder, kind, flag};
/// let bytes = Builder::new(kind::PING, 0).payload(&[0; 8]).flags(flag::ACK).build();
/// assert_eq!(bytes.len(), 9 + 8);
/// ```
#[derive(Clone, Debug)]
pub struct Builder {
    kind: u8,
    flags: u8,
    stream: u32,
    payload: Vec<u8>,
    len: Option<u32>,
}

impl Builder {
    /// A frame of type `kind` on stream `stream` (the raw 32 bits, reserved bit included).
    pub fn new(kind: u8, stream: u32) -> Self {
        Builder {
            kind,
            flags: 0,
            stream,
            payload: Vec::new(),
            len: None,
        }
    }
    /// Sets the flags.
    pub fn flags(mut self, flags: u8) -> Self {
        self.flags = flags;
        self
    }
    /// Appends payload bytes.
    pub fn payload(mut self, bytes: &[u8]) -> Self {
        self.payload.extend_from_slice(bytes);
        self
    }
    /// Appends a big-endian u32 to the payload.
    pub fn u32(self, v: u32) -> Self {
        self.payload(&v.to_be_bytes())
    }
    /// Appends a SETTINGS parameter to the payload.
    pub fn setting(self, id: u16, v: u32) -> Self {
        self.payload(&id.to_be_bytes()).u32(v)
    }
    /// Declares a length in the header other than the payload's (for broken frames).
    pub fn declared_len(mut self, len: u32) -> Self {
        self.len = Some(len);
        self
    }
    /// The frame's bytes.
    pub fn build(self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_LEN + self.payload.len());
        let l = self.len.unwrap_or(self.payload.len() as u32).to_be_bytes();
        out.extend_from_slice(&[l[1], l[2], l[3], self.kind, self.flags]);
        out.extend_from_slice(&self.stream.to_be_bytes());
        out.extend_from_slice(&self.payload);
        out
    }
}
