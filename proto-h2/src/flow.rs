//! Flow control (RFC 9113 5.2 and 6.9): windows whose checked arithmetic is the check.
//!
//! A [`Window`] can only be changed through methods that fail exactly where the RFC says the
//! peer broke flow control: an increment that takes it above 2^31-1, or data larger than what
//! is left. [`RecvWindow`] is the receiving side: credit goes back to the peer when the
//! application *releases* data it has read, not when data arrives, so a slow reader keeps the
//! peer from filling memory: the connection holds unread bytes up to the windows it
//! advertised, in memory of about that size (each payload is held on its own, never as a view
//! that keeps a whole read alive; see `conn::Connection`, "Memory bounds"). [`Bdp`] grows a receive window when the measured bandwidth-delay
//! product says the window is what limits a download.

use crate::frame::ErrorCode;
use crate::settings::MAX_WINDOW;
use core::fmt;
use std::time::{Duration, Instant};

/// A window broke the rules of RFC 9113 6.9.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FlowError {
    /// An increment would take the window above 2^31-1 (6.9.1).
    Overflow {
        /// The window before.
        window: i32,
        /// The increment (or settings delta).
        increment: i64,
    },
    /// The peer sent more data than the window allowed (6.9).
    Exceeded {
        /// The window before.
        window: i32,
        /// The flow-controlled length received.
        len: u32,
    },
}

impl FlowError {
    /// Always FLOW_CONTROL_ERROR.
    pub fn code(&self) -> ErrorCode {
        ErrorCode::FLOW_CONTROL_ERROR
    }
}

impl fmt::Display for FlowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FlowError::Overflow { window, increment } => {
                write!(f, "window {window} + {increment} exceeds 2^31-1")
            }
            FlowError::Exceeded { window, len } => {
                write!(f, "{len} bytes of data exceed the window of {window}")
            }
        }
    }
}

impl std::error::Error for FlowError {}

/// A flow-control window: may be negative after a SETTINGS_INITIAL_WINDOW_SIZE decrease,
/// never above 2^31-1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Window(i32);

impl Window {
    /// A window of `size` bytes (clamped to 2^31-1).
    pub const fn new(size: u32) -> Window {
        Window(if size > MAX_WINDOW {
            MAX_WINDOW as i32
        } else {
            size as i32
        })
    }
    /// The signed size.
    pub const fn size(self) -> i32 {
        self.0
    }
    /// How many bytes may be sent now (0 when the window is negative).
    pub const fn available(self) -> u32 {
        if self.0 < 0 { 0 } else { self.0 as u32 }
    }

    /// A WINDOW_UPDATE: "A sender MUST NOT allow a flow-control window to exceed 2^31-1 octets.
    /// If a sender receives a WINDOW_UPDATE that causes a flow-control window to exceed this
    /// maximum, it MUST terminate either the stream or the connection" (6.9.1).
    ///
    /// # Errors
    /// [`FlowError::Overflow`].
    pub fn increase(self, increment: u32) -> Result<Window, FlowError> {
        self.adjust(i64::from(increment))
    }

    /// A change of SETTINGS_INITIAL_WINDOW_SIZE by `delta`, which may make the window negative
    /// (6.9.2).
    ///
    /// # Errors
    /// [`FlowError::Overflow`] above 2^31-1 (or below -2^31).
    pub fn adjust(self, delta: i64) -> Result<Window, FlowError> {
        let n = i64::from(self.0) + delta;
        if n > i64::from(MAX_WINDOW) || n < i64::from(i32::MIN) {
            return Err(FlowError::Overflow {
                window: self.0,
                increment: delta,
            });
        }
        Ok(Window(n as i32))
    }

    /// Data of `len` flow-controlled bytes went through this window.
    ///
    /// # Errors
    /// [`FlowError::Exceeded`] when `len` is more than the window allowed.
    pub fn consume(self, len: u32) -> Result<Window, FlowError> {
        if i64::from(len) > i64::from(self.0) {
            return Err(FlowError::Exceeded {
                window: self.0,
                len,
            });
        }
        Ok(Window(self.0 - len as i32))
    }
}

/// The receiving side of a stream or of the connection.
///
/// `window` is what the peer may still send. Data that arrives lowers it; data the application
/// has consumed is [`release`](RecvWindow::release)d, and once enough is released
/// [`take_update`](RecvWindow::take_update) gives the WINDOW_UPDATE increment to send.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecvWindow {
    window: Window,
    target: u32,
    /// Released by the application, not yet announced.
    pending: u32,
    /// Received, not yet released.
    buffered: u32,
}

impl RecvWindow {
    /// A window that starts at `initial` (what the peer believes) and that we keep topped up
    /// to `target`.
    pub fn new(initial: u32, target: u32) -> Self {
        RecvWindow {
            window: Window::new(initial),
            target: target.min(MAX_WINDOW),
            pending: target.min(MAX_WINDOW).saturating_sub(initial),
            buffered: 0,
        }
    }
    /// The window the peer sees.
    pub fn window(&self) -> Window {
        self.window
    }
    /// The size we keep the window topped up to.
    pub fn target(&self) -> u32 {
        self.target
    }
    /// Bytes received and not yet released by the application.
    pub fn buffered(&self) -> u32 {
        self.buffered
    }

    /// `len` flow-controlled bytes arrived.
    ///
    /// # Errors
    /// [`FlowError::Exceeded`]: the peer broke flow control.
    pub fn recv(&mut self, len: u32) -> Result<(), FlowError> {
        self.window = self.window.consume(len)?;
        self.buffered = self.buffered.saturating_add(len);
        Ok(())
    }

    /// The application consumed `len` bytes (or they were discarded): they may be credited back.
    pub fn release(&mut self, len: u32) {
        let len = len.min(self.buffered);
        self.buffered -= len;
        self.pending = self.pending.saturating_add(len);
    }

    /// Changes the target, e.g. on BDP growth. A larger target is announced by the next update.
    pub fn set_target(&mut self, target: u32) {
        let target = target.min(MAX_WINDOW);
        if target > self.target {
            self.pending = self.pending.saturating_add(target - self.target);
        } else {
            self.pending = self.pending.saturating_sub(self.target - target);
        }
        self.target = target;
    }

    /// Our own SETTINGS_INITIAL_WINDOW_SIZE changed (after the peer acknowledged it): the
    /// window and target both move by the difference (6.9.2).
    pub fn apply_initial_delta(&mut self, old: u32, new: u32) {
        let delta = i64::from(new) - i64::from(old);
        if let Ok(w) = self.window.adjust(delta) {
            self.window = w;
        }
        self.target = (i64::from(self.target) + delta).clamp(0, i64::from(MAX_WINDOW)) as u32;
    }

    /// The WINDOW_UPDATE increment to send now, if enough credit has built up (half the target,
    /// or anything once the window is nearly empty); the window grows by it.
    pub fn take_update(&mut self) -> Option<u32> {
        if self.pending == 0 {
            return None;
        }
        let low = self.window.available() < self.target / 2;
        if self.pending >= self.target / 2 || low {
            let inc = self.pending;
            match self.window.increase(inc) {
                Ok(w) => {
                    self.window = w;
                    self.pending = 0;
                    Some(inc)
                }
                Err(_) => {
                    let room = (MAX_WINDOW as i64 - i64::from(self.window.size())) as u32;
                    self.pending -= room.min(self.pending);
                    if room == 0 {
                        return None;
                    }
                    self.window = Window::new(MAX_WINDOW);
                    Some(room)
                }
            }
        } else {
            None
        }
    }
}

/// BDP-style window growth (as in hyper and gRPC): while data flows, a PING measures the round
/// trip; the bytes received during one round trip estimate the bandwidth-delay product, and
/// when it reaches two thirds of the window the window doubles, up to a maximum.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bdp {
    max: u32,
    bytes: u64,
    sent: Option<Instant>,
    rtt: Option<Duration>,
}

impl Bdp {
    /// The PING payload that marks a BDP probe.
    pub const PAYLOAD: [u8; 8] = *b"bdp-prob";

    /// A new estimator that never grows a window above `max`.
    pub fn new(max: u32) -> Self {
        Bdp {
            max: max.min(MAX_WINDOW),
            bytes: 0,
            sent: None,
            rtt: None,
        }
    }
    /// The last measured round-trip time.
    pub fn rtt(&self) -> Option<Duration> {
        self.rtt
    }
    /// Data arrived. Returns true when a probe PING should be sent now.
    pub fn on_data(&mut self, len: usize) -> bool {
        self.bytes += len as u64;
        self.sent.is_none()
    }
    /// The probe was sent at `now`.
    pub fn on_ping_sent(&mut self, now: Instant) {
        self.sent = Some(now);
        self.bytes = 0;
    }
    /// The probe was acknowledged at `now`: returns the new window size when `window` (the
    /// current target) should grow.
    pub fn on_ping_ack(&mut self, now: Instant, window: u32) -> Option<u32> {
        let sent = self.sent.take()?;
        self.rtt = Some(now.saturating_duration_since(sent));
        let bdp = self.bytes;
        self.bytes = 0;
        if window < self.max && bdp * 3 >= u64::from(window) * 2 {
            Some(window.saturating_mul(2).min(self.max))
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn window_rules() {
        let w = Window::new(10);
        assert_eq!(w.consume(10).unwrap().size(), 0);
        assert!(matches!(w.consume(11), Err(FlowError::Exceeded { .. })));
        assert!(Window::new(MAX_WINDOW).increase(1).is_err());
        assert_eq!(
            Window::new(MAX_WINDOW - 1).increase(1).unwrap().size(),
            i32::MAX
        );
        let neg = w.adjust(-20).unwrap();
        assert_eq!(neg.size(), -10);
        assert_eq!(neg.available(), 0);
        assert!(neg.consume(1).is_err());
    }

    #[test]
    fn credit_returns_on_release_not_on_arrival() {
        let mut r = RecvWindow::new(100, 100);
        r.recv(60).unwrap();
        assert_eq!(r.take_update(), None);
        r.release(60);
        assert_eq!(r.take_update(), Some(60));
        assert_eq!(r.window().size(), 100);
        r.recv(100).unwrap();
        assert!(r.recv(1).is_err());
    }

    #[test]
    fn target_above_initial_is_announced_first() {
        let mut r = RecvWindow::new(65_535, 15_728_640);
        assert_eq!(r.take_update(), Some(15_663_105));
    }

    proptest! {
        #[test]
        fn window_never_exceeds_max(ops in proptest::collection::vec((any::<bool>(), any::<u32>()), 0..50)) {
            let mut w = Window::new(65_535);
            for (inc, n) in ops {
                let r = if inc { w.increase(n & MAX_WINDOW) } else { w.consume(n) };
                if let Ok(n) = r { w = n; }
                prop_assert!(w.size() >= 0);
            }
        }
    }
}
