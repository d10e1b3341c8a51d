//! The server: HTTP/1.1 (keep-alive, pipelining) and HTTP/2 (prior knowledge in cleartext, or
//! ALPN `h2` under TLS when [`ServerConfig::tls`] is set) on N threads, each with its own
//! [`EventLoop`] and its own `SO_REUSEPORT` listener on the same address, so the kernel
//! spreads connections over the threads and no lock is shared on the hot path.
//!
//! ```no_run
//! use runtime_mio::server::{Response, Server, ServerConfig};
//! let server = Server::bind("127.0.0.1:8080".parse().unwrap(), ServerConfig::default(), |req| {
//!     Response::text(200, format!("you asked for {}\n", req.target()))
//! })
//! .unwrap();
//! println!("listening on {}", server.local_addr());
//! server.join().unwrap();
//! ```
//!
//! A body the handler pushes from another thread, with backpressure ([`Response::streaming`],
//! [`BodyWriter`]), and Server-Sent Events ([`Response::sse`], [`SseWriter`]):
//!
//! ```no_run
//! use runtime_mio::server::{Response, Server, ServerConfig};
//! let server = Server::bind("127.0.0.1:8080".parse().unwrap(), ServerConfig::default(), |_req| {
//!     let (resp, events) = Response::sse();
//!     std::thread::spawn(move || {
//!         for i in 0.. {
//!             // Fails once the client went away: the thread stops.
//!             if events.data(&format!("tick {i}")).is_err() {
//!                 return;
//!             }
//!             std::thread::sleep(std::time::Duration::from_secs(1));
//!         }
//!     });
//!     resp
//! })
//! .unwrap();
//! server.join().unwrap();
//! ```
//!
//! A thread per stream does not scale to thousands of streams that send a little now and
//! then. A [`Producer`] (a closure will do) makes the body on the event loop's own thread
//! instead ([`Response::timed`], [`Response::sse_timed`]): the connection calls it when the
//! response starts, then when it asks to be ([`Next::WaitUntil`] joins the loop's timers,
//! the ones the [`Timeouts`] table's deadlines are in) or at once
//! ([`Next::Continue`]); never while the connection's output is backed up (HTTP/1.1: 64 KiB
//! queued, or bytes the socket did not take; HTTP/2: no send room under flow control), so
//! a client that stops reading stops the calls. It is dropped on the loop's thread when the
//! client goes away (a closed connection, an HTTP/2 RST_STREAM). Each call's bytes go out as
//! one piece: a chunk on HTTP/1.1, DATA on HTTP/2, plain or TLS alike; an SSE stream gets
//! heartbeat comments while quiet. Three events, 20 ms apart, read back over a socket:
//!
//! ```
//! use std::io::{Read, Write};
//! use std::time::{Duration, Instant};
//! use runtime_mio::server::{BodyOut, Next, Response, Server, ServerConfig};
//! let config = ServerConfig { threads: 1, ..ServerConfig::default() };
//! let server = Server::bind("127.0.0.1:0".parse().unwrap(), config, |_req| {
//!     let mut i = 0;
//!     Response::sse_timed(move |now: Instant, out: &mut BodyOut| {
//!         i += 1;
//!         out.event(&proto_sse::Message::data(&format!("tick {i}"))).unwrap();
//!         if i == 3 {
//!             Next::End
//!         } else {
//!             Next::WaitUntil(now + Duration::from_millis(20))
//!         }
//!     })
//! })
//! .unwrap();
//! let mut c = std::net::TcpStream::connect(server.local_addr()).unwrap();
//! c.write_all(b"GET /ticks HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
//! let mut got = String::new();
//! c.read_to_string(&mut got).unwrap();
//! assert!(got.starts_with("HTTP/1.1 200 OK\r\n"));
//! assert!(got.contains("Content-Type: text/event-stream\r\n"));
//! // One chunk per call, then the chunked body's end.
//! let body = "E\r\ndata: tick 1\n\n\r\nE\r\ndata: tick 2\n\n\r\nE\r\ndata: tick 3\n\n\r\n0\r\n\r\n";
//! assert!(got.ends_with(&format!("\r\n\r\n{body}")), "{got:?}");
//! server.shutdown().unwrap();
//! ```
//!
//! A handler that panics costs its own request only: the panic is caught and the client gets
//! a 500 (HTTP/1.1) or RST_STREAM(INTERNAL_ERROR) (HTTP/2); the connection and its neighbours
//! go on. [`Server::shutdown`] stops accepting,
//! lets in-flight requests finish (HTTP/1.1 responses say `Connection: close`, HTTP/2
//! connections get GOAWAY) within
//! [`Timeouts::shutdown_grace`](crate::timer::Timeouts::shutdown_grace), and returns.

use std::io;
use std::net::{SocketAddr, TcpListener as StdListener};
use std::sync::Arc;
use std::thread::JoinHandle;

use proto_h1::ConnConfig;
use socket2::{Domain, Protocol, Socket, Type};

use crate::event_loop::{EventLoop, LoopConfig, Stopper};
use crate::timer::Timeouts;

mod h1;
mod h2;
mod message;
mod reader;
mod sniff;
mod timed;
mod tls;
mod writer;
mod ws;

pub use h1::{H1Session, Handler};
pub use h2::H2Session;
pub use message::{Body, Request, Response, WsHandler, WsMessage, reason};
pub use reader::{BodyError, BodyReader, BodyStreaming};
pub use sniff::{ConnError, ServerSession};
pub use timed::{BodyOut, Next, Producer, TimedBody};
pub use tls::{TlsError, TlsSession};
pub use writer::{BodyReceiver, BodyWriter, Closed, SseError, SseWriter, TrySendError};
pub use ws::WsSession;

/// Server configuration.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Event-loop threads, each with its own listener. Default: the number of cores.
    pub threads: usize,
    /// The timeout table.
    pub timeouts: Timeouts,
    /// Largest request body a handler receives (a larger one is answered 413 by the engine).
    /// Default 16 MiB.
    pub max_body: u64,
    /// The HTTP/1.1 engine's limits (its `max_body_len` is replaced by `max_body`).
    pub h1: ConnConfig,
    /// Most connections per thread. Default 10,000.
    pub max_connections: usize,
    /// Accept HTTP/2 with prior knowledge (a connection that opens with the HTTP/2
    /// preface). Default true.
    pub h2c: bool,
    /// Serve TLS with this configuration (its ALPN should offer `h2` and `http/1.1`; HTTP/2
    /// is then chosen by the preface the client sends). Default: cleartext.
    pub tls: Option<Arc<::tls::ServerConfig>>,
    /// Compute each connection's [`ClientFingerprint`](crate::fingerprint::ClientFingerprint)
    /// once and give it to its requests ([`Request::fingerprint`]). Its TLS part (JA3, JA4)
    /// needs a `tls` configuration that keeps the ClientHello
    /// ([`ServerConfigBuilder::keep_client_hello`](::tls::ServerConfigBuilder::keep_client_hello));
    /// its HTTP/2 part (Akamai) comes from the HTTP/2 preface. Default false: nothing is
    /// computed and [`Request::fingerprint`] is `None`.
    pub fingerprint: bool,
    /// Which requests' bodies the handler reads as they arrive
    /// ([`Request::take_body_reader`]) instead of whole: an upload larger than memory
    /// should be, a form need not. A streamed body is still bounded by `max_body`. Default
    /// [`BodyStreaming::Never`].
    pub stream_bodies: BodyStreaming,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            timeouts: Timeouts::default(),
            max_body: 16 << 20,
            h1: ConnConfig::default(),
            max_connections: 10_000,
            h2c: true,
            tls: None,
            fingerprint: false,
            stream_bodies: BodyStreaming::Never,
        }
    }
}

/// A running server: its threads and the handles that stop them.
#[derive(Debug)]
pub struct Server {
    addr: SocketAddr,
    threads: Vec<JoinHandle<io::Result<()>>>,
    stoppers: Vec<Stopper>,
}

/// Starts one loop on its own thread.
fn spawn<S, F>(
    name: String,
    listener: mio::net::TcpListener,
    config: LoopConfig,
    new_session: F,
) -> io::Result<(Stopper, JoinHandle<io::Result<()>>)>
where
    S: crate::event_loop::Session + Send + 'static,
    S::Pooled: Send,
    F: FnMut(std::time::Instant) -> Option<S> + Send + 'static,
{
    let mut ev = EventLoop::new(listener, config, new_session)?;
    let stopper = ev.stopper();
    let thread = std::thread::Builder::new().name(name).spawn(move || {
        message::keep_spare_storage();
        ev.run()
    })?;
    Ok((stopper, thread))
}

/// A listening socket with `SO_REUSEPORT`, non-blocking.
fn listener(addr: SocketAddr) -> io::Result<StdListener> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    socket.set_reuse_address(true)?;
    socket.set_reuse_port(true)?;
    socket.set_nonblocking(true)?;
    socket.bind(&addr.into())?;
    socket.listen(1024)?;
    Ok(socket.into())
}

impl Server {
    /// Binds `addr` (port 0 picks a free port, shared by all threads) and starts
    /// `config.threads` event loops calling `handler` for every request.
    ///
    /// # Errors
    /// Binding or starting a loop failed.
    pub fn bind<H>(addr: SocketAddr, config: ServerConfig, handler: H) -> io::Result<Server>
    where
        H: Fn(&Request) -> Response + Send + Sync + 'static,
    {
        let handler: Handler = Arc::new(handler);
        let first = listener(addr)?;
        let addr = first.local_addr()?;
        let mut listeners = vec![first];
        for _ in 1..config.threads.max(1) {
            listeners.push(listener(addr)?);
        }
        let mut h1 = config.h1;
        h1.parse.limits.max_body_len = config.max_body;
        let shared = Arc::new(sniff::Shared {
            h1,
            timeouts: config.timeouts,
            max_body: config.max_body,
            h2c: config.h2c,
            handler,
            fingerprint: config.fingerprint,
            stream_bodies: config.stream_bodies.clone(),
        });
        let loop_config = LoopConfig {
            timeouts: config.timeouts,
            max_connections: config.max_connections,
            ..LoopConfig::default()
        };
        let mut threads = Vec::new();
        let mut stoppers = Vec::new();
        for (i, l) in listeners.into_iter().enumerate() {
            let shared = Arc::clone(&shared);
            let l = mio::net::TcpListener::from_std(l);
            let name = format!("wire-loop-{i}");
            let (stopper, thread) = match &config.tls {
                None => spawn(name, l, loop_config, move |now| {
                    Some(ServerSession::new(Arc::clone(&shared), now))
                })?,
                Some(tls_config) => {
                    let tls_config = Arc::clone(tls_config);
                    let handshake = config.timeouts.tls_handshake;
                    let fingerprint = config.fingerprint;
                    spawn(name, l, loop_config, move |now| {
                        let session = ::tls::ServerSession::new(&tls_config).ok()?;
                        let inner = ServerSession::new(Arc::clone(&shared), now);
                        Some(
                            TlsSession::new(session, inner, handshake, now)
                                .with_fingerprint(fingerprint),
                        )
                    })?
                }
            };
            stoppers.push(stopper);
            threads.push(thread);
        }
        Ok(Server {
            addr,
            threads,
            stoppers,
        })
    }

    /// The bound address (with the port chosen when binding port 0).
    #[must_use]
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// A handle that stops the server gracefully from anywhere (see [`Server::shutdown`]).
    #[must_use]
    pub fn stopper(&self) -> ShutdownHandle {
        ShutdownHandle {
            stoppers: self.stoppers.clone(),
        }
    }

    /// Graceful shutdown: stop accepting, finish in-flight requests (answered with
    /// `Connection: close`) within the shutdown grace timeout, then return.
    ///
    /// # Errors
    /// A loop failed, or panicked.
    pub fn shutdown(self) -> io::Result<()> {
        self.stopper().stop()?;
        self.join()
    }

    /// Waits for every loop to end (after a [`ShutdownHandle::stop`]).
    ///
    /// # Errors
    /// A loop failed, or panicked.
    pub fn join(self) -> io::Result<()> {
        let mut result = Ok(());
        for t in self.threads {
            let r = t
                .join()
                .unwrap_or_else(|_| Err(io::Error::other("event loop panicked")));
            if result.is_ok() {
                result = r;
            }
        }
        result
    }
}

/// Stops a [`Server`] gracefully from any thread.
#[derive(Debug, Clone)]
pub struct ShutdownHandle {
    stoppers: Vec<Stopper>,
}

impl ShutdownHandle {
    /// Asks every loop to shut down gracefully; returns at once.
    ///
    /// # Errors
    /// Waking a loop failed.
    pub fn stop(&self) -> io::Result<()> {
        for s in &self.stoppers {
            s.stop()?;
        }
        Ok(())
    }
}
