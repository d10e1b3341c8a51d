//! HPACK header compression (RFC 7541), written by hand: prefix integers, strings with the
//! Huffman code, the static table, a dynamic table in a ring buffer, a decoder that borrows and
//! allocates nothing per header, and an encoder that picks representations the way nghttp2 does.
//!
//! Like the rest of the crate it does no I/O and reads no clock.
//!
//! # Examples
//! ```
//! use proto_h2::hpack::{Decoder, Encoder};
//!
//! let mut encoder = Encoder::new();
//! let mut block = Vec::new();
//! encoder.encode(
//!     [(&b":method"[..], &b"GET"[..]), (b":path", b"/"), (b"authorization", b"secret")],
//!     &mut block,
//! );
//!
//! let mut decoder = Decoder::new();
//! let mut fields = Vec::new();
//! decoder
//!     .decode(&block, |h| fields.push((h.name.to_vec(), h.value.to_vec(), h.sensitive)))
//!     .unwrap();
//! assert_eq!(fields[0], (b":method".to_vec(), b"GET".to_vec(), false));
//! // `authorization` is sent as a never-indexed literal, and the decoder says so.
//! assert_eq!(fields[2], (b"authorization".to_vec(), b"secret".to_vec(), true));
//! ```

mod decoder;
mod encoder;
mod huffman;
mod integer;
mod table;
#[cfg(test)]
mod tests;

pub use decoder::{Decoder, FrozenDecoder};
pub use encoder::Encoder;

use std::fmt;

/// The initial value of `SETTINGS_HEADER_TABLE_SIZE` (RFC 9113 section 6.5.2), the dynamic
/// table size both sides start with.
pub const DEFAULT_TABLE_SIZE: usize = 4096;

/// The decoder's default limit on a header list's size (name + value + 32 per field, RFC 9113
/// section 6.5.2), the guard against HPACK bombs. 64 KiB: far above real requests and
/// responses, far below what hurts.
pub const DEFAULT_MAX_HEADER_LIST_SIZE: usize = 64 * 1024;

/// One decoded header field, borrowed from the decoder (its table or scratch space) or from
/// the block for the duration of the callback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header<'a> {
    /// The field name, as sent (HPACK does not check case or characters; HTTP/2 rules do).
    pub name: &'a [u8],
    /// The field value.
    pub value: &'a [u8],
    /// The field came as a never-indexed literal (RFC 7541 section 6.2.3): an intermediary
    /// must re-encode it the same way. For the encoder: always send it never-indexed.
    pub sensitive: bool,
}

/// Why a header block could not be decoded.
///
/// Every variant but [`DecodeError::HeaderListTooLarge`] is a connection error of type
/// `COMPRESSION_ERROR` (RFC 9113 section 4.3): the decoder's state no longer matches the
/// peer's. [`DecodeError::HeaderListTooLarge`] leaves the decoder in sync (the block was decoded
/// to the end, only the callback stopped) so the connection can refuse just that message.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecodeError {
    /// The block ends inside a field representation.
    Truncated,
    /// An integer has more continuation octets than any valid HPACK integer needs.
    IntegerOverflow,
    /// An index of 0, or beyond the static and dynamic tables (RFC 7541 section 2.3.3).
    InvalidIndex(usize),
    /// A Huffman string contains EOS, or has padding longer than 7 bits or not all ones.
    InvalidHuffman,
    /// A dynamic table size update above our `SETTINGS_HEADER_TABLE_SIZE` (RFC 7541 section
    /// 6.3).
    SizeUpdateTooLarge {
        /// The size the peer asked for.
        requested: usize,
        /// Our setting, the most it may ask for.
        max: usize,
    },
    /// A dynamic table size update after a header field (RFC 7541 section 4.2: it "MUST occur
    /// at the beginning of the first header block following the change").
    SizeUpdateNotAtStart,
    /// We lowered `SETTINGS_HEADER_TABLE_SIZE` below the table size, and the block does not
    /// begin with a size update to at most the lowest value we set (RFC 7541 section 4.2).
    MissingSizeUpdate {
        /// The lowest setting since the last block, the size the peer had to signal.
        max: usize,
    },
    /// The decoded header list is larger than the limit (name + value + 32 per field). Not a
    /// compression error: the decoder is still in sync.
    HeaderListTooLarge {
        /// The size of the whole list.
        size: usize,
        /// The limit.
        max: usize,
    },
}

impl DecodeError {
    /// Whether this is a `COMPRESSION_ERROR` (connection error); false only for
    /// [`DecodeError::HeaderListTooLarge`].
    pub fn is_compression_error(&self) -> bool {
        !matches!(self, DecodeError::HeaderListTooLarge { .. })
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Truncated => f.write_str("header block ends inside a field"),
            DecodeError::IntegerOverflow => f.write_str("HPACK integer too long"),
            DecodeError::InvalidIndex(i) => write!(f, "HPACK index {i} is not in the tables"),
            DecodeError::InvalidHuffman => f.write_str("invalid Huffman-coded string"),
            DecodeError::SizeUpdateTooLarge { requested, max } => {
                write!(
                    f,
                    "dynamic table size update to {requested} above the setting {max}"
                )
            }
            DecodeError::SizeUpdateNotAtStart => {
                f.write_str("dynamic table size update after a header field")
            }
            DecodeError::MissingSizeUpdate { max } => {
                write!(
                    f,
                    "header block lacks the dynamic table size update to at most {max}"
                )
            }
            DecodeError::HeaderListTooLarge { size, max } => {
                write!(f, "header list of {size} octets exceeds the limit of {max}")
            }
        }
    }
}

impl std::error::Error for DecodeError {}
