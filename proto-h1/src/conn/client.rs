//! The client role: what a client remembers of its requests in flight (to frame and check
//! their responses), and [`Conn::send_request`].

use std::collections::VecDeque;

use super::{Client, Conn, MethodKind, Role, Writer};
use crate::error::SendError;
use crate::head::{Header, Version};
use crate::ser::{BodyEncoder, WrittenRequest, request_head};

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
        // Every `Connection` line counts (several lines make one list), read in the pass
        // that checks the fields.
        let WrittenRequest {
            framing,
            connection: options,
            upgrade,
        } = request_head(&mut self.tx, method, target, Version::Http11, headers)?;
        let c = self.client.get_or_insert_with(Box::default);
        let start = c.offered.len();
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

    /// A response's framing, read in the one pass over its fields that also reads
    /// `Connection`, is what `response_framing` decides for every pair of framing fields
    /// (one, two or none; good and bad values; names in any case), status and method:
    /// the same error, or a connection kept alive exactly when the body is delimited and
    /// no `close` came.
    #[test]
    fn response_framing_in_one_pass_agrees_with_the_rules() {
        use crate::body::{Framing, response_framing};
        use crate::head::{Limits, Version};
        let values: [&str; 10] = [
            "Content-Length: 3",
            "content-length: 3",
            "Content-Length: 3, 3",
            "Content-Length: 4",
            "Content-Length: x",
            "CONTENT-LENGTH: 0",
            "Transfer-Encoding: chunked",
            "transfer-encoding: gzip",
            "Connection: close",
            "X-Other: 1",
        ];
        let mut sets: Vec<Vec<&str>> = vec![Vec::new()];
        for a in values {
            sets.push(vec![a]);
            for b in values {
                sets.push(vec![a, b]);
            }
        }
        for (method, code) in [("GET", 200), ("HEAD", 200), ("GET", 204), ("GET", 304)] {
            for set in &sets {
                let mut conn = ClientConn::new(ConnConfig::default());
                conn.send_request(
                    method,
                    "/",
                    &[Header {
                        name: "Host",
                        value: b"a",
                    }],
                )
                .unwrap();
                conn.send_end(&[]).unwrap();
                let mut head = format!("HTTP/1.1 {code} X\r\n");
                for f in set {
                    head.push_str(f);
                    head.push_str("\r\n");
                }
                head.push_str("\r\n");
                conn.recv(head.as_bytes()).unwrap();
                let fields: Vec<Header<'_>> = set
                    .iter()
                    .map(|f| {
                        let (n, v) = f.split_once(": ").unwrap();
                        Header {
                            name: n,
                            value: v.as_bytes(),
                        }
                    })
                    .collect();
                let rules =
                    response_framing(method, code, Version::Http11, fields, &Limits::default());
                let close = set.contains(&"Connection: close");
                match conn.poll_event() {
                    Ok(Some(Event::Response(head))) => {
                        // The fields as bytes are the fields.
                        assert!(
                            head.fields
                                .iter_bytes()
                                .eq(head.headers().map(|h| (h.name.as_bytes(), h.value)))
                        );
                        assert_eq!(head.fields.iter_bytes().count(), set.len());
                        let framing = rules.unwrap();
                        assert_eq!(
                            conn.peer_keeps_alive(),
                            framing != Framing::UntilClose && !close,
                            "{method} {code} {set:?}"
                        );
                    }
                    Err(e) => assert_eq!(Err(e), rules, "{method} {code} {set:?}"),
                    other => panic!("{method} {code} {set:?}: {other:?}"),
                }
            }
        }
    }
}
