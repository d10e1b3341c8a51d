//! Output: the bytes and payloads queued by `send_*` and by the connection's own replies, and
//! [`Conn::poll_transmit`], the one call that hands them out.

use bytes::Bytes;

use super::{Conn, Reader, Role, RoleKind, Writer};
use crate::error::SendError;
use crate::head::Header;

/// Payloads shorter than this are copied by [`Conn::send_data_bytes`] rather than queued.
const COPY_BELOW: usize = 512;

/// The reason phrase the connection's own replies carry.
fn reason(code: u16) -> &'static str {
    match code {
        400 => "Bad Request",
        408 => "Request Timeout",
        413 => "Content Too Large",
        414 => "URI Too Long",
        431 => "Request Header Fields Too Large",
        501 => "Not Implemented",
        505 => "HTTP Version Not Supported",
        _ => "Error",
    }
}

impl<R: Role> Conn<R> {
    /// Whether [`poll_transmit`](Self::poll_transmit) has something to give: bytes or a
    /// queued payload.
    #[must_use]
    pub fn wants_write(&self) -> bool {
        self.tx_sent < self.tx.len() || !self.payloads.is_empty()
    }

    /// Bytes queued for [`poll_transmit`](Self::poll_transmit) and not yet given out:
    /// framing and copied bytes plus queued payloads. The queue has no bound of its own: a
    /// caller that produces faster than the transport drains should stop sending while this
    /// is above its budget.
    #[must_use]
    pub fn queued(&self) -> usize {
        self.tx.len() - self.tx_sent + self.payloads.iter().map(|(_, p)| p.len()).sum::<usize>()
    }

    /// Queues a short `text/plain` response with `Connection: close` (the engine's own
    /// reply to a peer error or a timeout). The body is at most 120 bytes.
    pub(super) fn queue_close_reply(&mut self, code: u16, body: core::fmt::Arguments<'_>) {
        use std::io::Write as _;
        let mut text = [0u8; 120];
        let len = {
            let mut cur = std::io::Cursor::new(&mut text[..118]);
            // A longer text is cut (the cursor stops at the end of the array).
            let _ = cur.write_fmt(body);
            cur.position() as usize
        };
        text[len] = b'\n';
        let text = &text[..len + 1];
        let tx = &mut self.tx;
        let _ = write!(
            tx,
            "HTTP/1.1 {code} {}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            reason(code),
            text.len()
        );
        tx.extend_from_slice(text);
    }

    /// The one output call: appends the bytes to send to `out` and may hand back one payload
    /// (queued by [`send_data_bytes`](Self::send_data_bytes)) to be written right after
    /// `out`, uncopied (a vectored write). Call it until [`wants_write`](Self::wants_write) is
    /// false; bytes that follow a payload (a chunk's closing CRLF) start the next call's
    /// output.
    #[must_use = "a returned payload must be written after `out`"]
    pub fn poll_transmit(&mut self, out: &mut Vec<u8>) -> Option<Bytes> {
        if let Some((at, payload)) = self.payloads.pop_front() {
            out.extend_from_slice(&self.tx[self.tx_sent..at]);
            self.tx_sent = at;
            return Some(payload);
        }
        out.extend_from_slice(&self.tx[self.tx_sent..]);
        self.tx.clear();
        self.tx_sent = 0;
        None
    }

    /// Body bytes of the message we are sending, copied into the transmit buffer with their
    /// framing.
    ///
    /// # Errors
    /// [`SendError::NoMessage`] without a message head sent, the [`BodyEncoder`](crate::BodyEncoder) errors.
    pub fn send_data(&mut self, data: &[u8]) -> Result<(), SendError> {
        match &mut self.writer {
            Writer::Body(enc) => enc.encode(data, &mut self.tx),
            _ => Err(SendError::NoMessage),
        }
    }

    /// Body bytes without copying: the framing is queued, and `data` itself is held until
    /// [`poll_transmit`](Self::poll_transmit) hands it back to be written after the bytes
    /// before it. Payloads shorter than 512 bytes are copied instead (a write segment of
    /// their own would cost more). Queued payloads count in [`queued`](Self::queued); nothing
    /// bounds them but the caller.
    ///
    /// # Errors
    /// As [`send_data`](Self::send_data).
    pub fn send_data_bytes(&mut self, data: Bytes) -> Result<(), SendError> {
        if data.len() < COPY_BELOW {
            return self.send_data(&data);
        }
        let Writer::Body(enc) = &mut self.writer else {
            return Err(SendError::NoMessage);
        };
        let suffix = enc.frame(data.len(), &mut self.tx)?;
        self.payloads.push_back((self.tx.len(), data));
        self.tx.extend_from_slice(suffix);
        Ok(())
    }

    /// Ends the message we are sending (with trailer fields for a chunked body).
    ///
    /// # Errors
    /// [`SendError::NoMessage`] without a message in progress, [`SendError::LengthMismatch`]
    /// before `Content-Length` bytes were sent.
    pub fn send_end(&mut self, trailers: &[Header<'_>]) -> Result<(), SendError> {
        let Writer::Body(enc) = &mut self.writer else {
            return Err(SendError::NoMessage);
        };
        enc.finish(trailers, &mut self.tx)?;
        self.after_our_end();
        Ok(())
    }

    pub(super) fn after_our_end(&mut self) {
        match R::KIND {
            RoleKind::Client => {
                self.writer = if self.our_keep_alive {
                    Writer::Idle
                } else {
                    Writer::Closed
                };
            }
            RoleKind::Server => {
                self.writer = Writer::Done;
                if self.awaiting_continue
                    && !matches!(self.reader, Reader::Done | Reader::EndPending)
                {
                    // We answered without 100 Continue: the body may never come.
                    self.our_keep_alive = false;
                    self.reader = Reader::Closed;
                    self.writer = Writer::Closed;
                } else if matches!(self.reader, Reader::Done) {
                    // The request was read: the next exchange starts (or the connection
                    // closes) now, so `is_closed` and `state` are right before any poll.
                    self.next_exchange();
                }
            }
        }
    }
}
