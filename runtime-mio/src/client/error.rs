//! The client's typed errors: one [`Error`] whose variants say what a caller can do about
//! them (try another address, fix the trust store, raise a timeout, report the server).

use std::fmt;
use std::io;
use std::sync::Arc;

use super::proxy::ProxyFailure;
use super::sse::SseFailure;

/// Which of the client's timeouts ran out (see [`Timeouts`](super::Timeouts)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TimeoutKind {
    /// Opening the TCP connection (every resolved address had its try).
    Connect,
    /// The TLS handshake.
    TlsHandshake,
    /// Waiting for the response head after the request was handed to its connection.
    ResponseHead,
    /// The gap between two pieces of the response body while the caller was ready for more.
    BodyIdle,
    /// The whole exchange, from the call to the body's end.
    Total,
    /// Request body bytes waited this long for the connection to take any (the server
    /// stopped reading).
    WriteStall,
}

impl fmt::Display for TimeoutKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TimeoutKind::Connect => "connect",
            TimeoutKind::TlsHandshake => "TLS handshake",
            TimeoutKind::ResponseHead => "response head",
            TimeoutKind::BodyIdle => "body idle gap",
            TimeoutKind::Total => "total",
            TimeoutKind::WriteStall => "write stall",
        })
    }
}

/// How the peer broke HTTP.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProtocolError {
    /// An HTTP/1.1 response the engine refused (a malformed head, bad chunking, a body cut
    /// short by the end of the connection).
    H1(proto_h1::Error),
    /// An HTTP/2 connection error (the engine sent GOAWAY with its code).
    H2(proto_h2::error::Error),
    /// The server reset the HTTP/2 stream (RST_STREAM with this code), or the engine did
    /// because the server broke a stream rule.
    Reset(proto_h2::frame::ErrorCode),
    /// The server answered with something this client does not handle (a protocol switch).
    Unsupported(&'static str),
    /// The server's HTTP/2 does not allow extended CONNECT (its
    /// SETTINGS_ENABLE_CONNECT_PROTOCOL is not 1; RFC 8441 section 3), so a WebSocket
    /// cannot open on this connection.
    NoExtendedConnect,
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // proto-h1's status is a server's answer to a bad request: nothing to say of
            // a response.
            ProtocolError::H1(e) => write!(f, "HTTP/1.1: {}", e.without_status()),
            ProtocolError::H2(e) => write!(f, "HTTP/2: {e}"),
            ProtocolError::Reset(c) => write!(f, "HTTP/2 stream reset with code {:#x}", c.0),
            ProtocolError::Unsupported(what) => write!(f, "unsupported: {what}"),
            ProtocolError::NoExtendedConnect => {
                f.write_str("the server's HTTP/2 does not allow extended CONNECT (RFC 8441)")
            }
        }
    }
}

/// Why a request or a body read failed.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Error {
    /// The URL is not one this client can fetch (scheme, host, port).
    InvalidUrl(String),
    /// The request cannot be sent as given (a header name or value HTTP does not allow).
    InvalidRequest(String),
    /// The host name did not resolve (or resolved to no address).
    Dns {
        /// The host.
        host: String,
        /// The resolver's error.
        source: Arc<io::Error>,
    },
    /// No resolved address accepted a connection; the last address's error.
    Connect {
        /// The last address tried.
        addr: std::net::SocketAddr,
        /// Its error.
        source: Arc<io::Error>,
    },
    /// Going through the proxy failed; which step, and how ([`ProxyFailure`]).
    Proxy {
        /// The proxy (`scheme://[user@]host:port`, never the password).
        proxy: String,
        /// The step that failed.
        failure: ProxyFailure,
    },
    /// TLS failed: the handshake (with the alert), the certificate (with the X.509 reason),
    /// or a record after it.
    Tls(tls::Error),
    /// A timeout ran out; which one.
    Timeout(TimeoutKind),
    /// The server broke the protocol.
    Protocol(ProtocolError),
    /// The connection ended (or failed) before the response was complete.
    ConnectionClosed,
    /// The exchange was cancelled ([`CancelHandle::cancel`](super::CancelHandle::cancel), or
    /// the body was dropped before its end).
    Cancelled,
    /// A [`CompletionQueue`](super::CompletionQueue) request submitted to complete with its
    /// whole body buffered: the body grew past that limit (the exchange was cancelled).
    BodyTooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// [`Body::chunk`](super::Body::chunk) with [`Wait::NoWait`](super::Wait::NoWait) or
    /// [`Wait::Timeout`](super::Wait::Timeout): nothing arrived within the wait. The body
    /// goes on; read again.
    WouldBlock,
    /// The client's event loop is gone (the client is shutting down).
    Shutdown,
    /// A local I/O failure (starting the client's loop thread or its poller).
    Io(Arc<io::Error>),
    /// The request body's source failed: a file could not be read, or a
    /// [`BodyWriter`](super::BodyWriter) was dropped before it finished.
    RequestBody(Arc<io::Error>),
    /// HTTP/1.1: the server answered before the request body was all sent, with a status of
    /// 300 or more or `Connection: close`, so the rest of the body was not sent (RFC 9112
    /// 9.5, as curl does); or, over either protocol, it answered a request with `Expect:
    /// 100-continue` ([`Request::expect_continue`](super::Request::expect_continue)) finally
    /// before the body went, so none of it was sent. The request returns that response; a
    /// [`BodyWriter`](super::BodyWriter) still writing gets this error.
    AnsweredEarly {
        /// The response's status.
        status: u16,
    },
    /// [`BodyWriter::finish_with_trailers`](super::BodyWriter::finish_with_trailers) on a
    /// body with an announced length: HTTP/1.1 carries trailer fields only in a chunked
    /// body, so they need a writer without a length.
    TrailersWithLength,
    /// The body could not be decoded from its `Content-Encoding` (a corrupt or truncated
    /// stream, data after its end, a zstd window over 8 MiB).
    Decoding {
        /// The coding whose decoder failed.
        coding: super::Coding,
        /// The decoder's reason.
        reason: String,
    },
    /// A redirect was not followed: the policy's limit was reached.
    TooManyRedirects {
        /// The policy's limit (redirects followed before this one).
        limit: usize,
    },
    /// A redirect's `Location` is not a URL this client can fetch (another scheme, a
    /// malformed reference).
    InvalidRedirect(String),
    /// A WebSocket's handshake, frames or send failed
    /// ([`Client::websocket`](super::Client::websocket)).
    WebSocket(super::ws::WebSocketError),
    /// [`ClientConfig::profile`](super::ClientConfig::profile) has an HTTP/2 element a
    /// connection cannot send ([`Client::new`](super::Client::new)).
    Profile(crate::profile::ProfileError),
    /// An event source ([`EventSource`](super::EventSource)) stopped for good: its
    /// response was refused, or it gave up reconnecting; or one of its streams broke a
    /// parser limit (reported in [`SseItem::Retrying`](super::SseItem::Retrying)).
    Sse(SseFailure),
}

impl Error {
    /// Whether the exchange can be tried again as it is: nothing about the request is at
    /// fault (DNS, connect, a closed connection, a timeout of the network's making).
    #[must_use]
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Error::Dns { .. }
                | Error::Connect { .. }
                | Error::ConnectionClosed
                | Error::Timeout(_)
                | Error::Proxy {
                    failure: ProxyFailure::Resolve(_)
                        | ProxyFailure::Connect { .. }
                        | ProxyFailure::Io(_),
                    ..
                }
        )
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidUrl(u) => write!(f, "invalid URL: {u}"),
            Error::InvalidRequest(why) => write!(f, "invalid request: {why}"),
            Error::Dns { host, source } => write!(f, "cannot resolve {host}: {source}"),
            Error::Connect { addr, source } => write!(f, "cannot connect to {addr}: {source}"),
            Error::Proxy { proxy, failure } => write!(f, "proxy {proxy}: {failure}"),
            Error::Tls(e) => write!(f, "TLS: {e}"),
            Error::Timeout(which) => write!(f, "{which} timeout"),
            Error::Protocol(p) => p.fmt(f),
            Error::ConnectionClosed => {
                f.write_str("the connection closed before the response ended")
            }
            Error::Cancelled => f.write_str("cancelled"),
            Error::BodyTooLarge { limit } => {
                write!(
                    f,
                    "the response body is larger than the {limit} bytes allowed"
                )
            }
            Error::WouldBlock => f.write_str("no body bytes arrived within the wait"),
            Error::Shutdown => f.write_str("the client is shutting down"),
            Error::Io(e) => write!(f, "I/O: {e}"),
            Error::RequestBody(e) => write!(f, "request body: {e}"),
            Error::AnsweredEarly { status } => write!(
                f,
                "the server answered {status} before the request body was sent; the rest was not sent"
            ),
            Error::TrailersWithLength => f.write_str(
                "trailer fields need a request body without a length (chunked over HTTP/1.1)",
            ),
            Error::Decoding { coding, reason } => write!(f, "cannot decode {coding}: {reason}"),
            Error::TooManyRedirects { limit } => write!(f, "more than {limit} redirects"),
            Error::InvalidRedirect(l) => write!(f, "cannot follow the redirect to {l:?}"),
            Error::WebSocket(e) => write!(f, "WebSocket: {e}"),
            Error::Profile(e) => e.fmt(f),
            Error::Sse(failure) => write!(f, "event stream: {failure}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Dns { source, .. }
            | Error::Connect { source, .. }
            | Error::Io(source)
            | Error::RequestBody(source) => Some(&**source),
            Error::Proxy {
                failure:
                    ProxyFailure::Resolve(source)
                    | ProxyFailure::Connect { source, .. }
                    | ProxyFailure::Io(source),
                ..
            } => Some(&**source),
            Error::Proxy {
                failure: ProxyFailure::Tls(e),
                ..
            } => Some(e),
            Error::Profile(e) => Some(e),
            Error::Sse(SseFailure::GaveUp { last: Some(e), .. }) => Some(&**e),
            Error::Sse(SseFailure::Parse(e)) => Some(e),
            _ => None,
        }
    }
}

impl From<Error> for io::Error {
    fn from(e: Error) -> io::Error {
        let kind = match &e {
            Error::Timeout(_) => io::ErrorKind::TimedOut,
            Error::WouldBlock => io::ErrorKind::WouldBlock,
            Error::ConnectionClosed => io::ErrorKind::UnexpectedEof,
            Error::AnsweredEarly { .. } => io::ErrorKind::BrokenPipe,
            Error::TrailersWithLength => io::ErrorKind::InvalidInput,
            // Not `Interrupted`: `io::copy` and `read_to_end` would retry it forever.
            Error::Cancelled => io::ErrorKind::ConnectionAborted,
            Error::BodyTooLarge { .. } => io::ErrorKind::FileTooLarge,
            Error::Protocol(_)
            | Error::Decoding { .. }
            | Error::WebSocket(_)
            | Error::Sse(SseFailure::Parse(_)) => io::ErrorKind::InvalidData,
            _ => io::ErrorKind::Other,
        };
        io::Error::new(kind, e)
    }
}
