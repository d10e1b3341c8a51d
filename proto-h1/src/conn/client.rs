//! The client role: what a client remembers of its requests in flight (to frame and check
//! their responses), and [`Conn::send_request`].

use std::collections::VecDeque;

use super::{Client, Conn, MethodKind, Role, Writer};
use crate::error::SendError;
use crate::head::{ConnectionOptions, Header, Version, has_token};
use crate::ser::{BodyEncoder, write_request_head};

/// What a client remembers of the requests it sent (boxed: a server has none).
#[derive(Debug, Default)]
pub(super) struct ClientState {
    /// Requests in flight, oldest first.
    pub(super) in_flight: VecDeque<InFlight>,
    /// The `Upgrade` values of the requests in flight that offered an upgrade (ranges in
    /// [`InFlight::upgrade`]); an answered request's offer leaves with it.
    pub(super) offered: Vec<u8>,
}

/// A request a client sent and has no final response for yet.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct InFlight {
    pub(super) kind: MethodKind,
    /// The protocols it offered to switch to: a range of `Conn::offered` (empty: none).
    pub(super) upgrade: (usize, usize),
}

impl<R: Role> Conn<R> {
    /// The front request got its final response: it leaves the pipeline, with its upgrade
    /// offer. `offered` then holds only what the requests in flight offered (their ranges
    /// are in order, so the answered ones are its front), bounded by `max_in_flight`
    /// requests' `Upgrade` values however long a pipeline runs.
    pub(super) fn pop_in_flight(&mut self) {
        if let Some(c) = &mut self.client {
            c.in_flight.pop_front();
            let answered = c.in_flight.front().map_or(c.offered.len(), |f| f.upgrade.0);
            if answered > 0 {
                c.offered.drain(..answered);
                for f in &mut c.in_flight {
                    f.upgrade = (f.upgrade.0 - answered, f.upgrade.1 - answered);
                }
            }
        }
    }
}

impl Conn<Client> {
    /// Writes a request head (HTTP/1.1). Requests may be pipelined: the next one may start as
    /// soon as this one's body is ended. The method is remembered to frame the response
    /// (HEAD has no response body, 2xx to CONNECT opens a tunnel).
    ///
    /// # Errors
    /// [`SendError::NotReady`] while a request body is in progress or after a message that
    /// closes the connection, [`SendError::PipelineFull`] with
    /// [`ConnConfig::max_in_flight`](crate::ConnConfig::max_in_flight) requests unanswered, [`SendError::InvalidHead`].
    pub fn send_request(
        &mut self,
        method: &str,
        target: &str,
        headers: &[Header<'_>],
    ) -> Result<(), SendError> {
        if self.error.is_some() {
            return Err(SendError::Closed);
        }
        if !matches!(self.writer, Writer::Idle) || self.switching {
            return Err(SendError::NotReady);
        }
        if self.in_flight_len() >= self.config.max_in_flight.max(1) as usize {
            return Err(SendError::PipelineFull);
        }
        let framing = write_request_head(&mut self.tx, method, target, Version::Http11, headers)?;
        let c = self.client.get_or_insert_with(Box::default);
        let start = c.offered.len();
        // Every `Connection` line counts (several lines make one list), read in one pass.
        let mut options = ConnectionOptions::default();
        let mut upgrade = false;
        for h in headers
            .iter()
            .filter(|h| h.name.eq_ignore_ascii_case("connection"))
        {
            options.add(h.value);
            upgrade |= has_token(h.value, "upgrade");
        }
        if upgrade {
            for h in headers
                .iter()
                .filter(|h| h.name.eq_ignore_ascii_case("upgrade"))
            {
                c.offered.extend_from_slice(h.value);
                c.offered.push(b',');
            }
        }
        let end = c.offered.len();
        c.in_flight.push_back(InFlight {
            kind: MethodKind::of(method),
            upgrade: (start, end),
        });
        if !options.persists(Version::Http11) {
            self.our_keep_alive = false;
        }
        self.writer = Writer::Body(BodyEncoder::new(framing));
        Ok(())
    }

    /// Requests sent and not yet answered by a final response.
    #[must_use]
    pub fn in_flight(&self) -> usize {
        self.in_flight_len()
    }
}

#[cfg(test)]
mod tests {
    use super::super::{ClientConn, ConnConfig, Event};
    use crate::head::Header;

    /// A client that always keeps one request in flight, each offering an upgrade, holds
    /// only the offers of the requests in flight.
    #[test]
    fn upgrade_offers_of_answered_requests_are_dropped() {
        let mut conn = ClientConn::new(ConnConfig::default());
        let headers = [
            Header {
                name: "Host",
                value: b"a",
            },
            Header {
                name: "Connection",
                value: b"upgrade",
            },
            Header {
                name: "Upgrade",
                value: b"websocket",
            },
        ];
        let mut tx = Vec::new();
        let mut send = |conn: &mut ClientConn| {
            conn.send_request("GET", "/", &headers).unwrap();
            conn.send_end(&[]).unwrap();
            while conn.wants_write() {
                let _ = conn.poll_transmit(&mut tx);
            }
            tx.clear();
        };
        send(&mut conn);
        for _ in 0..1000 {
            send(&mut conn);
            conn.recv(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
                .unwrap();
            while let Some(ev) = conn.poll_event().unwrap() {
                if matches!(ev, Event::End { .. }) {
                    break;
                }
            }
        }
        let c = conn.client.as_ref().unwrap();
        assert_eq!(c.in_flight.len(), 1);
        assert_eq!(c.offered, b"websocket,");
        assert_eq!(c.in_flight[0].upgrade, (0, 10));
    }
}
