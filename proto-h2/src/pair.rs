//! An in-memory client/server pair with a virtual clock, for tests, fuzzing and examples.
//!
//! [`Pair::step`] moves what each side transmits to the other once; [`Pair::drive`] steps
//! until nothing moves; [`Pair::jump`] advances the virtual clock to the earliest deadline and
//! fires it, so a 60-second timeout runs in microseconds. A hook sees every chunk in flight
//! and may corrupt, drop or split it.
//!
//! ```
//! use proto_h2::conn::{Config, Event, Request};
//! use proto_h2::pair::Pair;
//! use std::time::Instant;
//!
//! fn demo(start: Instant) {
//!     let mut p = Pair::new(start, Config::client(), Config::server());
//!     let id = p.client.send_request(&Request::get(b"http", b"x", b"/"), true).unwrap();
//!     p.drive();
//!     assert!(p.server_events.iter().any(|e| matches!(e,
//!         Event::Request { stream, .. } if *stream == id)));
//! }
//! ```

use crate::conn::{Config, Connection, Event, Role};
use crate::error::Error;
use std::time::Instant;

/// Which way bytes travel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// Client to server.
    ToServer,
    /// Server to client.
    ToClient,
}

/// A hook on bytes in flight: may change, truncate or clear them.
pub type Hook = Box<dyn FnMut(Direction, &mut Vec<u8>)>;

/// A client and a server connected in memory.
pub struct Pair {
    /// The client.
    pub client: Connection,
    /// The server.
    pub server: Connection,
    /// The virtual clock.
    pub now: Instant,
    /// Every event the client reported, in order.
    pub client_events: Vec<Event>,
    /// Every event the server reported, in order.
    pub server_events: Vec<Event>,
    /// The client's connection error, once it has one.
    pub client_error: Option<Error>,
    /// The server's connection error, once it has one.
    pub server_error: Option<Error>,
    /// Deliver input in chunks of at most this many bytes (0: whole).
    pub chunk: usize,
    /// Bytes moved so far, each way.
    pub moved: [usize; 2],
    hook: Option<Hook>,
}

impl Pair {
    /// A new pair at time `now`.
    pub fn new(now: Instant, client: Config, server: Config) -> Self {
        Pair {
            client: Connection::new(Role::Client, client, now),
            server: Connection::new(Role::Server, server, now),
            now,
            client_events: Vec::new(),
            server_events: Vec::new(),
            client_error: None,
            server_error: None,
            chunk: 0,
            moved: [0, 0],
            hook: None,
        }
    }

    /// Installs a hook that sees (and may alter) every chunk in flight.
    pub fn set_hook(&mut self, hook: impl FnMut(Direction, &mut Vec<u8>) + 'static) {
        self.hook = Some(Box::new(hook));
    }

    fn transmit(conn: &mut Connection, now: Instant) -> Vec<u8> {
        let mut wire = Vec::new();
        let mut out = Vec::new();
        loop {
            let payload = conn.poll_transmit(now, &mut out);
            wire.extend_from_slice(&out);
            out.clear();
            match payload {
                Some(p) => wire.extend_from_slice(&p),
                None => break,
            }
        }
        wire
    }

    fn deliver(
        conn: &mut Connection,
        now: Instant,
        bytes: &[u8],
        chunk: usize,
        err: &mut Option<Error>,
    ) {
        if err.is_some() {
            return;
        }
        let size = if chunk == 0 {
            bytes.len().max(1)
        } else {
            chunk
        };
        for piece in bytes.chunks(size) {
            if let Err(e) = conn.recv(now, piece) {
                *err = Some(e);
                return;
            }
        }
    }

    /// Moves each side's output to the other once and collects events. Returns whether any
    /// bytes moved.
    pub fn step(&mut self) -> bool {
        let mut to_server = Self::transmit(&mut self.client, self.now);
        let mut to_client = Self::transmit(&mut self.server, self.now);
        if let Some(h) = &mut self.hook {
            h(Direction::ToServer, &mut to_server);
            h(Direction::ToClient, &mut to_client);
        }
        self.moved[0] += to_server.len();
        self.moved[1] += to_client.len();
        Self::deliver(
            &mut self.server,
            self.now,
            &to_server,
            self.chunk,
            &mut self.server_error,
        );
        Self::deliver(
            &mut self.client,
            self.now,
            &to_client,
            self.chunk,
            &mut self.client_error,
        );
        while let Some(e) = self.client.poll_event() {
            self.client_events.push(e);
        }
        while let Some(e) = self.server.poll_event() {
            self.server_events.push(e);
        }
        !to_server.is_empty() || !to_client.is_empty()
    }

    /// Steps until nothing moves (at most 10 000 steps). Returns the number of steps.
    pub fn drive(&mut self) -> usize {
        let mut n = 0;
        while n < 10_000 && self.step() {
            n += 1;
        }
        n
    }

    /// Jumps the clock to the earliest deadline of either side and fires it. Returns false
    /// when neither side has a deadline.
    pub fn jump(&mut self) -> bool {
        let next = [self.client.poll_timeout(), self.server.poll_timeout()]
            .into_iter()
            .flatten()
            .min();
        let Some(t) = next else {
            return false;
        };
        if t > self.now {
            self.now = t;
        }
        if let Err(e) = self.client.handle_timeout(self.now) {
            self.client_error.get_or_insert(e);
        }
        if let Err(e) = self.server.handle_timeout(self.now) {
            self.server_error.get_or_insert(e);
        }
        true
    }
}
