//! Encoder, parser and reconnect policy together, on a virtual clock: a server that drops the
//! connection every few events (sometimes mid-event, sometimes refusing connections) and
//! resumes from `Last-Event-ID`; the client must see every event exactly once, in order.

use std::time::{Duration, Instant};

use proto_sse::{Closed, Message, Parser, Reconnect, ReconnectConfig, State, encode};

/// The server's side: events 1..=total, resumable by ID.
struct Server {
    total: u32,
    connections: u32,
}

impl Server {
    /// The response to a connection: status and body bytes (cut short to simulate a drop).
    fn respond(&mut self, last_event_id: Option<&str>) -> (u16, Vec<u8>) {
        self.connections += 1;
        let from = last_event_id.map_or(1, |id| id.parse::<u32>().unwrap() + 1);
        if from > self.total {
            return (204, Vec::new());
        }
        let mut body = Vec::new();
        if self.connections == 1 {
            proto_sse::encode_retry(&mut body, 0);
        }
        let upto = (from + self.connections % 4 + 1).min(self.total + 1);
        for i in from..upto {
            let data = format!("event {i}\r\nline two of {i}");
            let id = i.to_string();
            encode(
                &mut body,
                &Message {
                    event: Some("n"),
                    id: Some(&id),
                    retry: None,
                    data: &data,
                },
            )
            .unwrap();
            proto_sse::encode_heartbeat(&mut body);
        }
        // Every third connection drops in the middle of the next event.
        if self.connections.is_multiple_of(3) && upto <= self.total {
            body.extend_from_slice(format!("id: {upto}\ndata: partial").as_bytes());
        }
        (200, body)
    }
}

#[test]
fn every_event_once_across_drops_and_reconnects() {
    let t0 = Instant::now();
    let mut now = t0;
    let mut server = Server {
        total: 40,
        connections: 0,
    };
    let mut policy = Reconnect::new(ReconnectConfig {
        seed: 3,
        ..ReconnectConfig::default()
    });
    let mut seen = Vec::new();
    let mut refused = 0;
    for round in 0..200 {
        if let State::Closed(reason) = policy.state() {
            assert_eq!(reason, Closed::NoContent);
            break;
        }
        if let Some(at) = policy.poll_timeout() {
            // The policy never asks for a reconnect sooner than the floor.
            assert!(at >= now + Duration::from_millis(250));
            now = at;
            policy.handle_timeout(now);
        }
        let Some(connect) = policy.poll_connect() else {
            panic!("round {round}: nothing to do in {:?}", policy.state());
        };
        let header = connect.last_event_id.map(str::to_owned);
        // Every seventh attempt is refused before any response.
        if round % 7 == 6 {
            refused += 1;
            policy.on_connect_error(now);
            continue;
        }
        let (status, body) = server.respond(header.as_deref());
        if policy
            .on_response(now, status, Some(b"text/event-stream; charset=utf-8"))
            .is_err()
        {
            continue;
        }
        let mut parser = Parser::with_last_event_id(Default::default(), policy.last_event_id());
        // Chunk sizes vary with the round.
        for chunk in body.chunks(round % 13 + 1) {
            let mut feed = parser.feed(chunk);
            while let Some(ev) = feed.poll_event() {
                let ev = ev.unwrap();
                assert_eq!(ev.event_type, "n");
                let i: u32 = ev.id.parse().unwrap();
                assert_eq!(ev.data, format!("event {i}\nline two of {i}"));
                seen.push(i);
                policy.on_event(&ev);
            }
        }
        policy.observe(&parser);
        assert!(parser.finish().is_none(), "the partial event is discarded");
        policy.on_disconnect(now);
    }
    assert_eq!(seen, (1..=40).collect::<Vec<_>>());
    assert_eq!(policy.state(), State::Closed(Closed::NoContent));
    assert!(refused > 0);
    // retry: 0 was clamped: reconnects took at least 250 ms each.
    assert!(now - t0 >= Duration::from_millis(250) * (server.connections - 1));
}
