//! SETTINGS parameters (RFC 9113 6.5.2, RFC 8441 section 3): identifiers, ranges and the
//! effective values of one side of a connection.

use crate::frame::{DEFAULT_MAX_FRAME_SIZE, ErrorCode, MAX_MAX_FRAME_SIZE};
use core::fmt;

/// SETTINGS identifiers.
pub mod id {
    /// SETTINGS_HEADER_TABLE_SIZE.
    pub const HEADER_TABLE_SIZE: u16 = 0x1;
    /// SETTINGS_ENABLE_PUSH.
    pub const ENABLE_PUSH: u16 = 0x2;
    /// SETTINGS_MAX_CONCURRENT_STREAMS.
    pub const MAX_CONCURRENT_STREAMS: u16 = 0x3;
    /// SETTINGS_INITIAL_WINDOW_SIZE.
    pub const INITIAL_WINDOW_SIZE: u16 = 0x4;
    /// SETTINGS_MAX_FRAME_SIZE.
    pub const MAX_FRAME_SIZE: u16 = 0x5;
    /// SETTINGS_MAX_HEADER_LIST_SIZE.
    pub const MAX_HEADER_LIST_SIZE: u16 = 0x6;
    /// SETTINGS_ENABLE_CONNECT_PROTOCOL (RFC 8441).
    pub const ENABLE_CONNECT_PROTOCOL: u16 = 0x8;
    /// SETTINGS_NO_RFC7540_PRIORITIES (RFC 9218).
    pub const NO_RFC7540_PRIORITIES: u16 = 0x9;
}

/// The initial flow-control window of every stream and of the connection (RFC 9113 6.9.2).
pub const DEFAULT_WINDOW: u32 = 65_535;
/// The largest flow-control window, 2^31 - 1.
pub const MAX_WINDOW: u32 = 0x7fff_ffff;

/// A SETTINGS value outside its allowed range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SettingsError {
    /// ENABLE_PUSH, ENABLE_CONNECT_PROTOCOL or NO_RFC7540_PRIORITIES not 0 or 1: PROTOCOL_ERROR.
    NotBoolean {
        /// The identifier.
        id: u16,
        /// The value received.
        value: u32,
    },
    /// INITIAL_WINDOW_SIZE above 2^31-1: FLOW_CONTROL_ERROR.
    WindowTooLarge {
        /// The value received.
        value: u32,
    },
    /// MAX_FRAME_SIZE outside 2^14..=2^24-1: PROTOCOL_ERROR.
    FrameSizeOutOfRange {
        /// The value received.
        value: u32,
    },
    /// ENABLE_CONNECT_PROTOCOL went from 1 back to 0 (RFC 8441 3): PROTOCOL_ERROR.
    ConnectProtocolWithdrawn,
}

impl SettingsError {
    /// The GOAWAY code (every SETTINGS error is a connection error).
    pub fn code(&self) -> ErrorCode {
        match self {
            SettingsError::WindowTooLarge { .. } => ErrorCode::FLOW_CONTROL_ERROR,
            _ => ErrorCode::PROTOCOL_ERROR,
        }
    }
}

impl fmt::Display for SettingsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SettingsError::NotBoolean { id, value } => {
                write!(f, "setting {id:#x} must be 0 or 1, got {value}")
            }
            SettingsError::WindowTooLarge { value } => {
                write!(f, "SETTINGS_INITIAL_WINDOW_SIZE {value} exceeds 2^31-1")
            }
            SettingsError::FrameSizeOutOfRange { value } => {
                write!(
                    f,
                    "SETTINGS_MAX_FRAME_SIZE {value} outside 16384..=16777215"
                )
            }
            SettingsError::ConnectProtocolWithdrawn => {
                f.write_str("SETTINGS_ENABLE_CONNECT_PROTOCOL changed from 1 to 0")
            }
        }
    }
}

impl std::error::Error for SettingsError {}

/// The effective SETTINGS of one endpoint: the initial values of RFC 9113 6.5.2, changed by
/// each SETTINGS frame that endpoint sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Settings {
    /// SETTINGS_HEADER_TABLE_SIZE (HPACK table the sender's decoder allows).
    pub header_table_size: u32,
    /// SETTINGS_ENABLE_PUSH.
    pub enable_push: bool,
    /// SETTINGS_MAX_CONCURRENT_STREAMS; `None` is unlimited.
    pub max_concurrent_streams: Option<u32>,
    /// SETTINGS_INITIAL_WINDOW_SIZE.
    pub initial_window_size: u32,
    /// SETTINGS_MAX_FRAME_SIZE.
    pub max_frame_size: u32,
    /// SETTINGS_MAX_HEADER_LIST_SIZE; `None` is unlimited.
    pub max_header_list_size: Option<u32>,
    /// SETTINGS_ENABLE_CONNECT_PROTOCOL.
    pub enable_connect_protocol: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            header_table_size: 4096,
            enable_push: true,
            max_concurrent_streams: None,
            initial_window_size: DEFAULT_WINDOW,
            max_frame_size: DEFAULT_MAX_FRAME_SIZE,
            max_header_list_size: None,
            enable_connect_protocol: false,
        }
    }
}

impl Settings {
    /// Applies one parameter. Unknown identifiers are ignored (RFC 9113 6.5.2: "An endpoint that
    /// receives a SETTINGS frame with any unknown or unsupported identifier MUST ignore that
    /// setting").
    ///
    /// # Errors
    /// A value out of its range.
    pub fn apply(&mut self, id: u16, value: u32) -> Result<(), SettingsError> {
        let boolean = |v: u32| match v {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(SettingsError::NotBoolean { id, value }),
        };
        match id {
            id::HEADER_TABLE_SIZE => self.header_table_size = value,
            id::ENABLE_PUSH => self.enable_push = boolean(value)?,
            id::MAX_CONCURRENT_STREAMS => self.max_concurrent_streams = Some(value),
            id::INITIAL_WINDOW_SIZE => {
                if value > MAX_WINDOW {
                    return Err(SettingsError::WindowTooLarge { value });
                }
                self.initial_window_size = value;
            }
            id::MAX_FRAME_SIZE => {
                if !(DEFAULT_MAX_FRAME_SIZE..=MAX_MAX_FRAME_SIZE).contains(&value) {
                    return Err(SettingsError::FrameSizeOutOfRange { value });
                }
                self.max_frame_size = value;
            }
            id::MAX_HEADER_LIST_SIZE => self.max_header_list_size = Some(value),
            id::ENABLE_CONNECT_PROTOCOL => {
                let on = boolean(value)?;
                if self.enable_connect_protocol && !on {
                    return Err(SettingsError::ConnectProtocolWithdrawn);
                }
                self.enable_connect_protocol = on;
            }
            id::NO_RFC7540_PRIORITIES => {
                boolean(value)?;
            }
            _ => {}
        }
        Ok(())
    }

    /// Applies every parameter of a list, in order.
    ///
    /// # Errors
    /// The first value out of range.
    pub fn apply_all(
        &mut self,
        params: impl IntoIterator<Item = (u16, u32)>,
    ) -> Result<(), SettingsError> {
        params.into_iter().try_for_each(|(i, v)| self.apply(i, v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        let mut s = Settings::default();
        assert_eq!(s.apply(id::ENABLE_PUSH, 0), Ok(()));
        assert!(!s.enable_push);
        assert_eq!(
            s.apply(id::ENABLE_PUSH, 2).unwrap_err().code(),
            ErrorCode::PROTOCOL_ERROR
        );
        assert_eq!(
            s.apply(id::INITIAL_WINDOW_SIZE, MAX_WINDOW + 1)
                .unwrap_err()
                .code(),
            ErrorCode::FLOW_CONTROL_ERROR
        );
        assert_eq!(s.apply(id::INITIAL_WINDOW_SIZE, MAX_WINDOW), Ok(()));
        assert!(s.apply(id::MAX_FRAME_SIZE, 16383).is_err());
        assert!(s.apply(id::MAX_FRAME_SIZE, 1 << 24).is_err());
        assert_eq!(s.apply(id::MAX_FRAME_SIZE, 1 << 20), Ok(()));
        assert_eq!(s.apply(0xff, 12345), Ok(()));
        assert_eq!(s.apply(id::ENABLE_CONNECT_PROTOCOL, 1), Ok(()));
        assert_eq!(
            s.apply(id::ENABLE_CONNECT_PROTOCOL, 0),
            Err(SettingsError::ConnectProtocolWithdrawn)
        );
        assert_eq!(s.max_frame_size, 1 << 20);
        assert_eq!(s.initial_window_size, MAX_WINDOW);
    }
}
