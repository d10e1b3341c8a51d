//! proto-h2's own client on a blocking `std::net::TcpStream` (h2c with prior knowledge), for
//! the tests that drive our server's HTTP/2 side frame by frame: each [`H2Client::turn`]
//! writes what the client has to send, reads what the server sent within the socket's read
//! timeout and records each stream's [`Outcome`]; [`H2Client::finish`] turns until a set of
//! streams is answered. Each test binary that includes this module uses part of it.
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use bytes::Bytes;
use proto_h2::conn::{Config, Connection, Event, Request as H2Request, Role};
use proto_h2::frame::{ErrorCode, StreamId};

/// What one stream got.
#[derive(Debug, Default)]
pub(crate) struct Outcome {
    pub(crate) status: Option<u16>,
    /// The response's header fields (name, value), in the order received.
    pub(crate) fields: Vec<(Vec<u8>, Vec<u8>)>,
    pub(crate) body: Vec<u8>,
    pub(crate) reset: Option<ErrorCode>,
    /// The response ended (END_STREAM).
    pub(crate) ended: bool,
}

impl Outcome {
    /// The response ended, or the stream was reset.
    pub(crate) fn done(&self) -> bool {
        self.ended || self.reset.is_some()
    }
}

/// proto-h2's client connection and its socket.
pub(crate) struct H2Client {
    pub(crate) sock: TcpStream,
    pub(crate) conn: Connection,
    /// What each stream got so far, by stream id ([`H2Client::turn`] records it).
    pub(crate) got: HashMap<u32, Outcome>,
    /// [`H2Client::turn`] writes one byte at a time.
    pub(crate) split: bool,
    /// Streams whose DATA [`H2Client::turn`] leaves unread in the engine (their window stays
    /// closed).
    pub(crate) unread: Vec<u32>,
    /// The server's `IP:PORT`, the requests' `:authority`.
    pub(crate) authority: String,
    buf: Vec<u8>,
}

impl H2Client {
    /// Connects to `addr` (no Nagle delay); a read waits up to `read_timeout`.
    pub(crate) fn connect(addr: SocketAddr, read_timeout: Duration) -> H2Client {
        let sock = TcpStream::connect(addr).unwrap();
        sock.set_read_timeout(Some(read_timeout)).unwrap();
        sock.set_nodelay(true).unwrap();
        H2Client {
            sock,
            conn: Connection::new(Role::Client, Config::client(), Instant::now()),
            got: HashMap::new(),
            split: false,
            unread: Vec::new(),
            authority: addr.to_string(),
            buf: vec![0u8; 1 << 16],
        }
    }

    /// Opens a stream: `METHOD http://AUTHORITY/PATH`, ending it when `end_stream`.
    pub(crate) fn send_request(
        &mut self,
        method: &[u8],
        path: &[u8],
        end_stream: bool,
    ) -> StreamId {
        let head = H2Request {
            method,
            path,
            ..H2Request::get(b"http", self.authority.as_bytes(), b"/")
        };
        self.conn.send_request(&head, end_stream).unwrap()
    }

    /// Opens a stream: `GET http://AUTHORITY/PATH`, ended.
    pub(crate) fn get(&mut self, path: &str) -> StreamId {
        self.send_request(b"GET", path.as_bytes(), true)
    }

    /// Writes everything the client has to send (payloads included), one byte per write
    /// when `split`.
    pub(crate) fn send(&mut self, split: bool) -> io::Result<()> {
        let mut out = Vec::new();
        while self.conn.wants_write() {
            if let Some(p) = self.conn.poll_transmit(Instant::now(), &mut out) {
                out.extend_from_slice(&p);
            }
        }
        if split {
            for b in &out {
                self.sock.write_all(&[*b])?;
            }
            Ok(())
        } else {
            self.sock.write_all(&out)
        }
    }

    /// Reads once (up to the read timeout) and gives the client all of it. `Ok(false)`: the
    /// server closed the connection; a read that timed out is `Ok(true)`.
    pub(crate) fn receive(&mut self) -> io::Result<bool> {
        match self.sock.read(&mut self.buf) {
            Ok(0) => Ok(false),
            Ok(n) => {
                let k = self.conn.recv(Instant::now(), &self.buf[..n]).unwrap();
                assert_eq!(k, n);
                Ok(true)
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                Ok(true)
            }
            Err(e) => Err(e),
        }
    }

    /// Writes what the client queued ([`H2Client::send`]), reads once
    /// ([`H2Client::receive`]; panics when the server closed), and records the events in
    /// [`H2Client::got`] (the DATA of streams in [`H2Client::unread`] stays in the engine).
    pub(crate) fn turn(&mut self) {
        self.send(self.split).unwrap();
        assert!(self.receive().unwrap(), "server closed: {:?}", self.got);
        while let Some(ev) = self.conn.poll_event() {
            match ev {
                Event::Response {
                    stream,
                    head,
                    end_stream,
                } => {
                    let o = self.got.entry(stream.value()).or_default();
                    o.status = head.status();
                    o.fields = head
                        .headers()
                        .map(|(n, v)| (n.to_vec(), v.to_vec()))
                        .collect();
                    o.ended |= end_stream;
                }
                Event::Data {
                    stream, end_stream, ..
                } => {
                    if !self.unread.contains(&stream.value()) {
                        self.read(stream);
                    }
                    self.got.entry(stream.value()).or_default().ended |= end_stream;
                }
                Event::Reset { stream, code, .. } => {
                    self.got.entry(stream.value()).or_default().reset = Some(code);
                }
                _ => {}
            }
        }
    }

    /// Moves what the engine holds for `stream` into its body (opening its window).
    pub(crate) fn read(&mut self, stream: StreamId) {
        let o = self.got.entry(stream.value()).or_default();
        while let Some(b) = self.conn.read_data(stream) {
            o.body.extend_from_slice(&b);
        }
    }

    /// How many body bytes `stream` got so far.
    pub(crate) fn body_len(&self, stream: StreamId) -> usize {
        self.got.get(&stream.value()).map_or(0, |o| o.body.len())
    }

    /// Turns until `cond` holds (panicking after 20 s, naming `what`).
    pub(crate) fn until(&mut self, what: &str, mut cond: impl FnMut(&H2Client) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while !cond(self) {
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            self.turn();
        }
    }

    /// Stream `id`'s response ended, or the stream was reset.
    pub(crate) fn done(&self, id: u32) -> bool {
        self.got.get(&id).is_some_and(Outcome::done)
    }

    /// Stream `id`'s response ended (END_STREAM; a reset is not an end).
    pub(crate) fn ended(&self, id: u32) -> bool {
        self.got.get(&id).is_some_and(|o| o.ended)
    }

    /// Turns until every stream of `ids` is done (panicking after `limit`), sending first
    /// what is left of `bodies` as flow control allows (ending each stream with its last
    /// byte); returns (and forgets) their [`Outcome`]s, in the order of `ids`.
    pub(crate) fn finish(
        &mut self,
        ids: &[StreamId],
        bodies: &mut [(StreamId, Bytes)],
        limit: Duration,
    ) -> Vec<Outcome> {
        let deadline = Instant::now() + limit;
        while !ids.iter().all(|id| self.done(id.value())) {
            assert!(Instant::now() < deadline, "timed out: {:?}", self.got);
            for (id, rest) in bodies.iter_mut() {
                if !rest.is_empty() {
                    let n = self.conn.send_data(*id, rest.clone(), true).unwrap();
                    *rest = rest.slice(n..);
                }
            }
            self.turn();
        }
        ids.iter()
            .map(|id| self.got.remove(&id.value()).unwrap())
            .collect()
    }
}
