//! What the caller's timers and buffer pool see of a connection: where it is ([`ConnState`])
//! and its heap buffers ([`Buffers`]), which an idle connection gives back.

use std::collections::VecDeque;

use bytes::Bytes;

use super::client::InFlight;
use super::{ClientState, Conn, Reader, Role, RoleKind, Writer};
use crate::fields::Span;

/// Where a connection is, as its caller's timers need it ([`Conn::state`]).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnState {
    /// Nothing in progress: a server waits for a request of which no byte arrived (a new or
    /// kept-alive connection: the keep-alive idle timer applies), a client has no request in
    /// flight. [`Conn::take_buffers`] can release the buffers (once output is flushed).
    Idle,
    /// A head is due and incomplete: a server has received the first bytes of a request
    /// (`partial` is then always true: the request-head timer applies); a client waits for
    /// the response to a request in flight (`partial`: some of its bytes arrived).
    AwaitingHead {
        /// At least one byte of the head arrived.
        partial: bool,
    },
    /// Reading the peer's message body (a body-gap timer applies).
    ReadingBody,
    /// The peer's message was read (or a client's request is still being written): our side
    /// is due. A server's handler is answering; write-stall timers apply.
    Sending,
    /// The connection switched protocols ([`Event::Upgrade`](crate::Event::Upgrade)).
    Switched,
    /// The connection is over ([`Conn::is_closed`]).
    Closed,
}

/// The heap buffers of a connection (receive, transmit, header offsets), given back by an
/// idle connection ([`Conn::take_buffers`]) and lent to another ([`Conn::put_buffers`]), so
/// that a pool the caller owns holds buffers only for the connections at work.
#[derive(Debug, Default)]
pub struct Buffers {
    recv: Vec<u8>,
    send: Vec<u8>,
    spans: Vec<Span>,
}

impl Buffers {
    /// Empty buffers (no heap until used).
    #[must_use]
    pub fn new() -> Self {
        Buffers::default()
    }

    /// Heap bytes these buffers hold (their capacities).
    #[must_use]
    pub fn heap_size(&self) -> usize {
        self.recv.capacity()
            + self.send.capacity()
            + self.spans.capacity() * core::mem::size_of::<Span>()
    }

    fn clear(&mut self) {
        self.recv.clear();
        self.send.clear();
        self.spans.clear();
    }
}

impl<R: Role> Conn<R> {
    /// Where the connection is, for the caller's timers (head, body gap, keep-alive idle).
    #[must_use]
    pub fn state(&self) -> ConnState {
        if self.error.is_some() {
            return ConnState::Closed;
        }
        match self.reader {
            Reader::Closed | Reader::UpgradePending if self.switching => ConnState::Switched,
            Reader::Closed if matches!(self.writer, Writer::Closed) => ConnState::Closed,
            Reader::Closed => ConnState::Sending,
            Reader::Body(_) => ConnState::ReadingBody,
            Reader::UpgradePending | Reader::EndPending | Reader::Done => ConnState::Sending,
            Reader::Head => {
                let partial = self.buf.len() > self.start;
                let waiting = match R::KIND {
                    RoleKind::Server => partial,
                    RoleKind::Client => self.in_flight_len() > 0,
                };
                if waiting {
                    ConnState::AwaitingHead { partial }
                } else if matches!(self.writer, Writer::Body(_)) {
                    ConnState::Sending
                } else {
                    ConnState::Idle
                }
            }
        }
    }

    /// Gives back the connection's buffers when it is idle ([`ConnState::Idle`], nothing
    /// buffered, nothing to transmit): the connection then holds no heap at all until bytes
    /// arrive or are queued again. Keep them in a pool and lend them to the next connection
    /// that needs some with [`put_buffers`](Self::put_buffers), or drop them. `None` when the
    /// connection is not idle or holds no heap.
    pub fn take_buffers(&mut self) -> Option<Buffers> {
        if self.state() != ConnState::Idle || self.wants_write() || self.buf.len() > self.start {
            return None;
        }
        if self.heap_size() == 0 {
            return None;
        }
        self.buf.clear();
        self.start = 0;
        self.tx.clear();
        self.tx_sent = 0;
        self.spans.clear();
        self.start_head();
        // Empty when idle, but their capacity is heap too: the queue of payloads handed over
        // by `send_data_bytes`, and a client's queue of requests in flight (made again by the
        // next `send_request`).
        self.payloads = VecDeque::new();
        self.client = None;
        let mut b = Buffers {
            recv: core::mem::take(&mut self.buf),
            send: core::mem::take(&mut self.tx),
            spans: core::mem::take(&mut self.spans),
        };
        b.clear();
        Some(b)
    }

    /// Lends the connection buffers (from a pool): each one replaces a buffer the connection
    /// does not have (no capacity); the others are dropped. Use it on a connection that holds
    /// none (a new one, or one that gave its own back with [`take_buffers`](Self::take_buffers)),
    /// before [`recv`](Self::recv) or a `send_*`.
    pub fn put_buffers(&mut self, mut buffers: Buffers) {
        buffers.clear();
        if self.buf.capacity() == 0 {
            self.buf = buffers.recv;
            self.start = 0;
        }
        if self.tx.capacity() == 0 {
            self.tx = buffers.send;
            self.tx_sent = 0;
        }
        if self.spans.capacity() == 0 {
            self.spans = buffers.spans;
        }
    }

    /// Heap bytes the connection holds in its buffers (their capacities).
    #[must_use]
    pub fn heap_size(&self) -> usize {
        self.buf.capacity()
            + self.tx.capacity()
            + self.spans.capacity() * core::mem::size_of::<Span>()
            + self.payloads.capacity() * core::mem::size_of::<(usize, Bytes)>()
            + self.client.as_ref().map_or(0, |c| {
                core::mem::size_of::<ClientState>()
                    + c.in_flight.capacity() * core::mem::size_of::<InFlight>()
                    + c.offered.capacity()
            })
    }
}
