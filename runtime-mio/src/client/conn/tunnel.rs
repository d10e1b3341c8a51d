//! A client connection after an HTTP/1.1 protocol switch (101): the exchange that asked
//! for it owns the connection, and its bytes go both ways as they are (the response body is
//! what the server sends, the request body what the caller writes).

use std::collections::VecDeque;
use std::time::Instant;

use bytes::Bytes;

use super::{Active, H1_SEND_BUDGET, SEND_PIECE};

/// An HTTP/1.1 connection after a 101: one exchange's bytes both ways, as they are.
pub(super) struct Tunnel {
    pub(super) a: Active,
    /// Bytes taken from the request body and not yet written.
    pub(super) tx: VecDeque<Bytes>,
    pub(super) queued: usize,
    /// The server closed its side.
    pub(super) eof: bool,
}

/// A tunnel's turn: a cancel closes the connection; request body bytes are taken while
/// the socket keeps up.
pub(super) fn step_tunnel(t: &mut Tunnel, now: Instant, backed_up: bool, closing: &mut bool) {
    if t.a.ex.is_cancelled() {
        *closing = true;
        return;
    }
    while !t.a.send.done && !backed_up && t.queued < H1_SEND_BUDGET {
        match t.a.send.next(SEND_PIECE) {
            Ok(Some(b)) => {
                t.queued += b.len();
                t.tx.push_back(b);
                t.a.send.progress = now;
            }
            Ok(None) => {
                if t.a.send.at_end() {
                    // The caller finished writing; the server may still talk.
                    t.a.body_sent(now);
                }
                break;
            }
            Err(e) => {
                t.a.ex.fail(e);
                *closing = true;
                break;
            }
        }
    }
}
