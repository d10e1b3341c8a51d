//! Receiving the frames that steer the connection and its streams rather than carry a
//! message: PING, GOAWAY, RST_STREAM and WINDOW_UPDATE (SETTINGS are in `settings`). Each is
//! counted against its budget in `defences` where a peer could send it without end.

use super::defences::Budget;
use super::event::Event;
use super::store::Closure;
use super::timers::{DRAIN_PING, KEEPALIVE_PING};
use super::{Connection, GOAWAY_DEBUG_MAX};
use crate::error::{Error, StreamError};
use crate::flow::Bdp;
use crate::frame::{self, ErrorCode, Frame, StreamId, kind};
use crate::stream::{Event as Ev, Side, State};
use bytes::Bytes;

impl Connection {
    /// A PING: an ACK is matched to what we sent (graceful-shutdown round trip, BDP probe,
    /// keep-alive, or [`Connection::ping`]); a PING is answered with an ACK carrying its
    /// payload (6.7), within the PING budget.
    pub(super) fn on_ping(&mut self, p: frame::Ping) -> Result<(), Error> {
        if p.ack {
            if p.payload == DRAIN_PING && self.draining {
                self.draining = false;
                let last = self.last_peer;
                self.goaway_sent = Some(last);
                Frame::GoAway(frame::GoAway {
                    last_stream: StreamId::new(last),
                    code: ErrorCode::NO_ERROR,
                    debug: b"",
                })
                .encode(&mut self.ctrl);
                return Ok(());
            }
            if p.payload == Bdp::PAYLOAD && self.bdp.is_some() {
                // Evaluated at the end of this input: data that came in the same read
                // as the ACK was in flight in the same round trip.
                self.bdp_acked = true;
                return Ok(());
            }
            if p.payload == KEEPALIVE_PING && self.config.keepalive_interval.is_some() {
                // Its arrival already cleared the keep-alive timer, as any frame does.
                return Ok(());
            }
            if self.pings_out == 0 {
                // An ACK for a PING nobody sent.
                self.ignored_frame(kind::PING)?;
            }
            self.pings_out = self.pings_out.saturating_sub(1);
            self.events.push_back(Event::PingAck(p.payload));
        } else {
            // "Receivers of a PING frame that does not include an ACK flag MUST send
            // a PING frame with the ACK flag set in response" (6.7).
            self.control_frame(kind::PING)?;
            self.queue_ack()?;
            Frame::Ping(frame::Ping {
                ack: true,
                payload: p.payload,
            })
            .encode(&mut self.ctrl);
            self.events.push_back(Event::Ping(p.payload));
        }
        Ok(())
    }

    /// A GOAWAY: our streams above its last stream id were not processed and are reported
    /// reset with REFUSED_STREAM. Later GOAWAYs that do not lower the id change nothing.
    pub(super) fn on_goaway(&mut self, g: frame::GoAway<'_>) -> Result<(), Error> {
        let last = g.last_stream.value();
        if let Some(prev) = self.goaway_recv {
            if last >= prev {
                // Nothing new (the id "MUST NOT increase", 6.8): no walk, no event.
                return self.ignored_frame(kind::GOAWAY);
            }
            self.control_frame(kind::GOAWAY)?;
        }
        self.goaway_recv = Some(last);
        self.goaway_recv_at.get_or_insert(self.now);
        let refused: Vec<u32> = self
            .streams
            .iter()
            .filter(|(id, s)| s.local && **id > last)
            .map(|(id, _)| *id)
            .collect();
        self.events.push_back(Event::GoAway {
            last_stream: g.last_stream,
            code: g.code,
            debug: Bytes::copy_from_slice(&g.debug[..g.debug.len().min(GOAWAY_DEBUG_MAX)]),
        });
        for id in refused {
            let sid = StreamId::new(id);
            self.close_stream(sid, Closure::ResetByPeer);
            self.events.push_back(Event::Reset {
                stream: sid,
                code: ErrorCode::REFUSED_STREAM,
                remote: true,
                error: None,
            });
        }
        Ok(())
    }

    pub(super) fn on_rst(&mut self, r: frame::RstStream) -> Result<(), Error> {
        let id = r.stream;
        let Some(s) = self.streams.get(&id.value()) else {
            return self.absent(id, Ev::Reset, kind::RST_STREAM);
        };
        let local = s.local;
        if let Err(e) = s.state.on(Side::Recv, Ev::Reset) {
            return self.state_violation(id, e);
        }
        if r.code == ErrorCode::NO_ERROR
            && s.state == State::HalfClosedRemote
            && s.got_head
            && !s.inbuf.is_empty()
            && let Some(s) = self.streams.get_mut(&id.value())
        {
            // The peer's message is complete and it asks us to stop sending ours: "Clients
            // MUST NOT discard responses as a result of receiving such a RST_STREAM" (8.1).
            // Our unsent data is dropped; the unread response stays readable, and the stream
            // goes once it is read.
            s.state = State::Closed;
            s.out.clear();
            s.out_len = 0;
            s.out_end = true;
            s.end_sent = true;
            s.out_trailers = None;
            s.stalled_since = None;
        } else {
            self.close_stream(id, Closure::ResetByPeer);
        }
        self.events.push_back(Event::Reset {
            stream: id,
            code: r.code,
            remote: true,
            error: None,
        });
        if !local {
            // CVE-2023-44487: a peer that opens and cancels streams costs us work for each;
            // count its resets.
            self.spend(Budget::RemoteReset)?;
        }
        Ok(())
    }

    pub(super) fn on_window_update(&mut self, w: frame::WindowUpdate) -> Result<(), Error> {
        if w.stream.is_zero() {
            self.fingerprint.on_connection_window_update(w.increment);
            self.control_frame(kind::WINDOW_UPDATE)?;
            self.conn_send = self.conn_send.increase(w.increment).map_err(Error::Flow)?;
            self.wake_senders();
            return Ok(());
        }
        let id = w.stream;
        let Some(s) = self.streams.get_mut(&id.value()) else {
            return self.absent(id, Ev::WindowUpdate, kind::WINDOW_UPDATE);
        };
        if let Err(e) = s.state.on(Side::Recv, Ev::WindowUpdate) {
            return self.state_violation(id, e);
        }
        match s.send.increase(w.increment) {
            Ok(n) => s.send = n,
            Err(e) => return self.stream_error(id, StreamError::Flow(e)),
        }
        let waiting = s.send_waiting;
        if s.out_len > 0 {
            self.enqueue(id.value());
        }
        if waiting {
            self.wake_senders();
        }
        Ok(())
    }
}
