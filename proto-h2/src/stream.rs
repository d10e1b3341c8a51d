//! The stream state machine of RFC 9113 section 5.1, as one table.
//!
//! ```text
//!                              +--------+
//!                      send PP |        | recv PP
//!                     ,--------+  idle  +--------.
//!                    /         |        |         \
//!                   v          +--------+          v
//!            +----------+          |           +----------+
//!            |          |          | send H /  |          |
//!     ,------+ reserved |          | recv H    | reserved +------.
//!     |      | (local)  |          |           | (remote) |      |
//!     |      +---+------+          v           +------+---+      |
//!     |          |             +--------+             |          |
//!     |          |     recv ES |        | send ES     |          |
//!     |   send H |     ,-------+  open  +-------.     | recv H   |
//!     |          |    /        |        |        \    |          |
//!     |          v   v         +---+----+         v   v          |
//!     |      +----------+          |           +----------+      |
//!     |      |   half   |          |           |   half   |      |
//!     |      |  closed  |          | send R /  |  closed  |      |
//!     |      | (remote) |          | recv R    | (local)  |      |
//!     |      +----+-----+          |           +-----+----+      |
//!     |           |                |                 |           |
//!     |           | send ES /      |       recv ES / |           |
//!     |           |  send R /      v        send R / |           |
//!     |           |  recv R    +--------+   recv R   |           |
//!     | send R /  `----------->|        |<-----------'  send R / |
//!     | recv R                 | closed |               recv R   |
//!     `----------------------->|        |<-----------------------'
//!                              +--------+
//!
//!   send:  endpoint sends this frame       H:  HEADERS frame (with implied CONTINUATION frames)
//!   recv:  endpoint receives this frame    ES: END_STREAM flag
//!   PP:    PUSH_PROMISE (state transitions are for the promised stream)
//!   R:     RST_STREAM frame
//! ```
//!
//! [`State::on`] is the whole diagram as a single `match (state, event)`; every pair it does not
//! list falls through to the last arm, which is the protocol error (for received frames) or a
//! misuse (for frames we would send). The same rules serve local and remote moves.

use crate::frame::ErrorCode;
use core::fmt;

/// A stream state (RFC 9113 5.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum State {
    /// Not yet used.
    Idle,
    /// Promised by us with PUSH_PROMISE.
    ReservedLocal,
    /// Promised by the peer with PUSH_PROMISE.
    ReservedRemote,
    /// Both sides may send.
    Open,
    /// We have sent END_STREAM.
    HalfClosedLocal,
    /// The peer has sent END_STREAM.
    HalfClosedRemote,
    /// Done.
    Closed,
}

/// Who moves the stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Side {
    /// We send the frame.
    Send,
    /// We receive the frame.
    Recv,
}

/// A frame as far as stream state is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Event {
    /// HEADERS (with its CONTINUATIONs).
    Headers {
        /// END_STREAM.
        end_stream: bool,
    },
    /// DATA.
    Data {
        /// END_STREAM.
        end_stream: bool,
    },
    /// PUSH_PROMISE, applied to the promised stream.
    PushPromise,
    /// RST_STREAM.
    Reset,
    /// PRIORITY.
    Priority,
    /// WINDOW_UPDATE.
    WindowUpdate,
}

/// What breaking the state machine means.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reaction {
    /// A connection error: GOAWAY with this code.
    Connection(ErrorCode),
    /// A stream error: RST_STREAM with this code.
    Stream(ErrorCode),
    /// We tried to send a frame the state does not allow (caller misuse, nothing on the wire).
    Misuse,
}

/// A frame not allowed in a state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct StateError {
    /// The state.
    pub state: State,
    /// Who sent the frame.
    pub side: Side,
    /// The frame.
    pub event: Event,
    /// The wire reaction.
    pub reaction: Reaction,
}

impl fmt::Display for StateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?} {:?} not allowed in state {:?} ({:?})",
            self.side, self.event, self.state, self.reaction
        )
    }
}

impl std::error::Error for StateError {}

impl State {
    /// The state after `side` sends `event`, or the error the RFC demands.
    ///
    /// # Errors
    /// [`StateError`] with the [`Reaction`] of RFC 9113 5.1 for the pair.
    pub fn on(self, side: Side, event: Event) -> Result<State, StateError> {
        use Event::*;
        use Side::*;
        use State::*;
        let next = match (self, side, event) {
            // PRIORITY "can be sent or received in any state" (6.3) and changes nothing.
            (s, _, Priority) => s,

            // idle
            (Idle, Send, Headers { end_stream: false }) => Open,
            (Idle, Send, Headers { end_stream: true }) => HalfClosedLocal,
            (Idle, Recv, Headers { end_stream: false }) => Open,
            (Idle, Recv, Headers { end_stream: true }) => HalfClosedRemote,
            (Idle, Send, PushPromise) => ReservedLocal,
            (Idle, Recv, PushPromise) => ReservedRemote,

            // reserved (local): "the endpoint can send a HEADERS frame", "Either endpoint can
            // send a RST_STREAM", "An endpoint MAY receive PRIORITY or WINDOW_UPDATE".
            (ReservedLocal, Send, Headers { end_stream: false }) => HalfClosedRemote,
            (ReservedLocal, Send, Headers { end_stream: true }) => Closed,
            (ReservedLocal, _, Reset) => Closed,
            (ReservedLocal, Recv, WindowUpdate) => ReservedLocal,

            // reserved (remote)
            (ReservedRemote, Recv, Headers { end_stream: false }) => HalfClosedLocal,
            (ReservedRemote, Recv, Headers { end_stream: true }) => Closed,
            (ReservedRemote, _, Reset) => Closed,
            (ReservedRemote, Send, WindowUpdate) => ReservedRemote,

            // open: either side may send any frame; END_STREAM half-closes its sender's side.
            (Open, Send, Headers { end_stream } | Data { end_stream }) => {
                if end_stream {
                    HalfClosedLocal
                } else {
                    Open
                }
            }
            (Open, Recv, Headers { end_stream } | Data { end_stream }) => {
                if end_stream {
                    HalfClosedRemote
                } else {
                    Open
                }
            }
            (Open, _, Reset) => Closed,
            (Open, _, WindowUpdate) => Open,

            // half-closed (local): we are done sending; the peer is not.
            (HalfClosedLocal, Recv, Headers { end_stream } | Data { end_stream }) => {
                if end_stream {
                    Closed
                } else {
                    HalfClosedLocal
                }
            }
            (HalfClosedLocal, _, Reset) => Closed,
            (HalfClosedLocal, _, WindowUpdate) => HalfClosedLocal,

            // half-closed (remote): the peer is done sending.
            (HalfClosedRemote, Send, Headers { end_stream } | Data { end_stream }) => {
                if end_stream { Closed } else { HalfClosedRemote }
            }
            (HalfClosedRemote, _, Reset) => Closed,
            (HalfClosedRemote, _, WindowUpdate) => HalfClosedRemote,

            // closed: sending RST_STREAM again is harmless (we may not know the peer closed).
            (Closed, Send, Reset) => Closed,

            // Everything else is an error.
            (state, side, event) => {
                return Err(StateError {
                    state,
                    side,
                    event,
                    reaction: reaction(state, side, event),
                });
            }
        };
        Ok(next)
    }

    /// Whether this stream counts against SETTINGS_MAX_CONCURRENT_STREAMS (5.1.2: "open" or
    /// either "half-closed" state).
    pub fn is_active(self) -> bool {
        matches!(
            self,
            State::Open | State::HalfClosedLocal | State::HalfClosedRemote
        )
    }
    /// May we still send DATA or HEADERS?
    pub fn can_send(self) -> bool {
        matches!(
            self,
            State::Open | State::HalfClosedRemote | State::ReservedLocal
        )
    }
    /// May the peer still send DATA or HEADERS?
    pub fn can_recv(self) -> bool {
        matches!(
            self,
            State::Open | State::HalfClosedLocal | State::ReservedRemote
        )
    }
}

/// The wire reaction for a pair the table does not allow.
fn reaction(state: State, side: Side, event: Event) -> Reaction {
    if side == Side::Send {
        return Reaction::Misuse;
    }
    match state {
        // "Receiving any frame other than HEADERS or PRIORITY on a stream in this state MUST be
        // treated as a connection error of type PROTOCOL_ERROR" (idle), and likewise for the
        // reserved states.
        State::Idle | State::ReservedLocal | State::ReservedRemote => {
            Reaction::Connection(ErrorCode::PROTOCOL_ERROR)
        }
        // "If an endpoint receives additional frames, other than WINDOW_UPDATE, PRIORITY, or
        // RST_STREAM, for a stream that is in this state, it MUST respond with a stream error
        // of type STREAM_CLOSED" (half-closed remote); closed streams likewise.
        State::HalfClosedRemote | State::Closed => Reaction::Stream(ErrorCode::STREAM_CLOSED),
        // Open and half-closed (local) accept every received frame except PUSH_PROMISE for
        // the stream itself, which is a protocol error.
        State::Open | State::HalfClosedLocal => {
            let _ = event;
            Reaction::Connection(ErrorCode::PROTOCOL_ERROR)
        }
    }
}

/// Every state, for tests and tools.
pub const ALL_STATES: [State; 7] = [
    State::Idle,
    State::ReservedLocal,
    State::ReservedRemote,
    State::Open,
    State::HalfClosedLocal,
    State::HalfClosedRemote,
    State::Closed,
];

/// Every event, for tests and tools.
pub const ALL_EVENTS: [Event; 8] = [
    Event::Headers { end_stream: false },
    Event::Headers { end_stream: true },
    Event::Data { end_stream: false },
    Event::Data { end_stream: true },
    Event::PushPromise,
    Event::Reset,
    Event::Priority,
    Event::WindowUpdate,
];

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn request_response_lifecycle() {
        let s = State::Idle;
        let s = s
            .on(Side::Recv, Event::Headers { end_stream: false })
            .unwrap();
        let s = s.on(Side::Recv, Event::Data { end_stream: true }).unwrap();
        assert_eq!(s, State::HalfClosedRemote);
        let e = s
            .on(Side::Recv, Event::Data { end_stream: false })
            .unwrap_err();
        assert_eq!(e.reaction, Reaction::Stream(ErrorCode::STREAM_CLOSED));
        let s = s
            .on(Side::Send, Event::Headers { end_stream: true })
            .unwrap();
        assert_eq!(s, State::Closed);
        let e = State::Idle
            .on(Side::Recv, Event::Data { end_stream: false })
            .unwrap_err();
        assert_eq!(e.reaction, Reaction::Connection(ErrorCode::PROTOCOL_ERROR));
    }

    #[test]
    fn every_pair_is_decided() {
        // Every (state, side, event) gives a state or an error with a reaction; receiving
        // RST_STREAM or END_STREAM never leaves a stream more open than before.
        for s in ALL_STATES {
            for side in [Side::Send, Side::Recv] {
                for e in ALL_EVENTS {
                    match s.on(side, e) {
                        Ok(n) => {
                            if e == Event::Reset {
                                assert_eq!(n, State::Closed, "{s:?} {side:?}");
                            }
                            if matches!(e, Event::Priority) {
                                assert_eq!(n, s);
                            }
                        }
                        Err(err) => {
                            assert_eq!(err.state, s);
                            if side == Side::Send {
                                assert_eq!(err.reaction, Reaction::Misuse);
                            } else {
                                assert_ne!(err.reaction, Reaction::Misuse);
                            }
                        }
                    }
                }
            }
        }
    }

    fn rank(s: State) -> u8 {
        match s {
            State::Idle => 0,
            State::ReservedLocal | State::ReservedRemote => 1,
            State::Open => 2,
            State::HalfClosedLocal | State::HalfClosedRemote => 3,
            State::Closed => 4,
        }
    }

    proptest! {
        #[test]
        fn walks_only_forward(path in proptest::collection::vec((0usize..2, 0usize..ALL_EVENTS.len()), 0..20)) {
            let mut s = State::Idle;
            for (side, e) in path {
                let side = [Side::Send, Side::Recv][side];
                if let Ok(n) = s.on(side, ALL_EVENTS[e]) {
                    prop_assert!(rank(n) >= rank(s));
                    // Once we sent END_STREAM we can never send again.
                    if !s.can_send() && s != State::Idle {
                        prop_assert!(!n.can_send());
                    }
                    s = n;
                }
            }
        }
    }
}
