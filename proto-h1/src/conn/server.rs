//! The server role: answering requests ([`Conn::send_response`], 100 Continue, 408), and
//! closing after the exchange in progress.

use super::{Conn, ConnState, MethodKind, Reader, Server, Writer};
use crate::body::Framing;
use crate::error::SendError;
use crate::head::{Header, Version};
use crate::ser::{BodyEncoder, response_head};

impl Conn<Server> {
    /// Writes a response head to the request being answered. 1xx heads (other than 101) may
    /// come first; `101` or a 2xx answer to CONNECT switches protocols once the request is
    /// complete (then [`Event::Upgrade`](crate::Event::Upgrade) hands over the remaining bytes). A final response
    /// after which the connection closes (the request or this head says `Connection: close`,
    /// an HTTP/1.0 request without keep-alive, a close-delimited body) gets
    /// `Connection: close` added when `headers` do not say it.
    ///
    /// # Errors
    /// [`SendError::NotReady`] without a request head to answer or while a response is in
    /// progress, [`SendError::InvalidHead`] for a malformed head, or chunked framing to an
    /// HTTP/1.0 client; [`SendError::Closed`] after a peer error (the connection answered it
    /// itself) or a timeout.
    pub fn send_response(
        &mut self,
        code: u16,
        reason: &[u8],
        headers: &[Header<'_>],
    ) -> Result<(), SendError> {
        self.send_response_fields(code, reason, headers.iter().copied())
    }

    /// [`send_response`](Self::send_response) with the fields from an iterator, for a caller
    /// that holds its fields in another form than a slice of [`Header`] (no list to build
    /// first). The iterator is walked once, and once more for a head with a
    /// `Transfer-Encoding` field or several `Content-Length` fields.
    ///
    /// # Errors
    /// As [`send_response`](Self::send_response).
    pub fn send_response_fields<'h, I>(
        &mut self,
        code: u16,
        reason: &[u8],
        headers: I,
    ) -> Result<(), SendError>
    where
        I: IntoIterator<Item = Header<'h>>,
        I::IntoIter: Clone,
    {
        self.response(code, reason, headers.into_iter(), None)
    }

    /// [`send_response_fields`](Self::send_response_fields) for a body of `length` bytes:
    /// the connection writes `Content-Length: length` after `headers` itself (no decimal to
    /// format and read back), as if it were the last of them.
    ///
    /// # Errors
    /// As [`send_response`](Self::send_response); [`SendError::InvalidHead`] also when
    /// `headers` hold a `Content-Length` or `Transfer-Encoding` field.
    pub fn send_response_sized<'h, I>(
        &mut self,
        code: u16,
        reason: &[u8],
        headers: I,
        length: u64,
    ) -> Result<(), SendError>
    where
        I: IntoIterator<Item = Header<'h>>,
        I::IntoIter: Clone,
    {
        self.response(code, reason, headers.into_iter(), Some(length))
    }

    fn response<'h, I>(
        &mut self,
        code: u16,
        reason: &[u8],
        headers: I,
        length: Option<u64>,
    ) -> Result<(), SendError>
    where
        I: Iterator<Item = Header<'h>> + Clone,
    {
        if self.error.is_some() || matches!(self.writer, Writer::Closed) {
            return Err(SendError::Closed);
        }
        if !matches!(self.writer, Writer::Idle) || matches!(self.reader, Reader::Head) {
            return Err(SendError::NotReady);
        }
        let kind = self.request_kind;
        let mark = self.tx.len();
        let written = response_head(
            &mut self.tx,
            kind.as_str(),
            Version::Http11,
            code,
            reason,
            headers,
            length,
        )?;
        let framing = written.framing;
        if framing == Framing::Chunked && !self.peer_keep_alive_version_11() {
            self.tx.truncate(mark);
            return Err(SendError::InvalidHead);
        }
        if (100..200).contains(&code) && code != 101 {
            if code == 100 {
                self.awaiting_continue = false;
            }
            return Ok(());
        }
        let switch = code == 101 || (kind == MethodKind::Connect && (200..300).contains(&code));
        if switch {
            if !matches!(self.reader, Reader::Done | Reader::EndPending) {
                self.tx.truncate(mark);
                return Err(SendError::NotReady);
            }
            self.switching = true;
            self.writer = Writer::Done;
            return Ok(());
        }
        let conn = written.connection;
        let ours = conn.persists(self.peer_version) && framing != Framing::UntilClose;
        if !ours {
            self.our_keep_alive = false;
        }
        let closes = !(self.our_keep_alive && self.peer_keep_alive);
        let says_close = conn.close;
        if closes && !says_close {
            // RFC 9112 section 9.6: a server that closes after this response SHOULD say so.
            // The head ends with the empty line: put the field before it.
            self.tx.truncate(self.tx.len() - 2);
            self.tx.extend_from_slice(b"Connection: close\r\n\r\n");
        }
        self.writer = Writer::Body(BodyEncoder::new(framing));
        Ok(())
    }

    /// Graceful shutdown: no request after the current one. An idle connection
    /// ([`ConnState::Idle`]) closes at once; otherwise the exchange in progress finishes, its
    /// response gets `Connection: close` (if not written yet), and the connection closes after
    /// it ([`is_closed`](Self::is_closed)). Requests pipelined behind it are not read.
    pub fn shutdown(&mut self) {
        self.our_keep_alive = false;
        if self.error.is_none() && self.state() == ConnState::Idle {
            self.reader = Reader::Closed;
            self.writer = Writer::Closed;
        }
    }

    /// The caller's request timer fired (the request head, or a gap in the request body, took
    /// too long; slowloris): queues `408 Request Timeout` with `Connection: close` when a
    /// request has started to arrive and no response is in progress, and closes the
    /// connection either way ([`is_closed`](Self::is_closed) is true; flush `poll_transmit`,
    /// then close the transport). Returns whether the 408 was queued.
    ///
    /// A connection with no byte of a request ([`ConnState::Idle`]: a new or kept-alive
    /// connection whose idle timer fired) closes without a reply, as RFC 9112 section 9.5
    /// allows and as common servers do: a client may be sending a request at that moment.
    pub fn send_timeout(&mut self) -> bool {
        let state = self.state();
        let reply = matches!(self.writer, Writer::Idle)
            && self.error.is_none()
            && matches!(
                state,
                ConnState::AwaitingHead { .. } | ConnState::ReadingBody
            );
        if reply {
            self.queue_close_reply(408, format_args!("request timeout"));
        }
        self.reader = Reader::Closed;
        self.writer = Writer::Closed;
        self.switching = false;
        reply
    }

    /// Writes `HTTP/1.1 100 Continue` (for a request that `expects_continue`).
    ///
    /// # Errors
    /// As [`send_response`](Self::send_response).
    pub fn send_continue(&mut self) -> Result<(), SendError> {
        self.send_response(100, b"Continue", &[])
    }

    fn peer_keep_alive_version_11(&self) -> bool {
        self.peer_version == Version::Http11
    }
}
