//! Sessions: one TLS connection whose ciphertext goes through memory buffers.

use std::marker::PhantomData;
use std::sync::atomic::Ordering;

use boring::ssl::{ErrorCode, NameType, ShutdownResult, Ssl, SslStream, SslVerifyMode};

use crate::buffer::Duplex;
use crate::client_hello::{ClientHello, Fingerprints};
use crate::config::client::apply_profile_ssl;
use crate::config::info::{AlertLog, alert_index, cache_key_index, hello_index};
use crate::error::{Alert, ConfigError, Error, Misuse, PeerError};
use crate::{ClientConfig, ServerConfig, ffi};

/// The client role (type-level marker of [`Session`]).
#[derive(Debug)]
pub enum Client {}
/// The server role (type-level marker of [`Session`]).
#[derive(Debug)]
pub enum Server {}

/// A client session.
pub type ClientSession = Session<Client>;
/// A server session.
pub type ServerSession = Session<Server>;

/// What [`Session::handshake`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum HandshakeStatus {
    /// More ciphertext from the peer is needed: call [`Session::poll_transmit`], send what it
    /// gives, then feed the peer's answer to [`Session::recv`].
    InProgress,
    /// The handshake is done; application data can flow.
    Complete,
}

/// What [`Session::read`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Plaintext {
    /// This many bytes of application data were copied into the buffer.
    Data(usize),
    /// No complete record is buffered: feed more ciphertext.
    NeedInput,
    /// The peer sent close_notify: no more data will come.
    Closed,
}

/// A negotiated TLS version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Version {
    /// TLS 1.2.
    Tls12,
    /// TLS 1.3.
    Tls13,
    /// Something else (BoringSSL's name).
    Other(&'static str),
}

/// The most unprocessed ciphertext a session buffers (a few full records).
const MAX_BUFFERED: usize = 1 << 20;

/// The most plaintext in one TLS record (RFC 8446 section 5.1), BoringSSL's default fragment.
const RECORD: usize = 16 * 1024;

/// One TLS connection, ciphertext in and out through memory; no socket and no thread.
/// BoringSSL reads the wall clock during the handshake (certificate validity, session
/// lifetimes) and, with system roots, may open root files in `$SSL_CERT_DIR`: see the crate
/// doc, "What it does outside memory".
///
/// # Call order
/// 1. Feed what the transport received with [`Session::recv`] (and [`Session::recv_eof`] at
///    end of stream); what it did not take is offered again after reading plaintext.
/// 2. Drive [`Session::handshake`] until it says [`HandshakeStatus::Complete`]; then
///    [`Session::read`] plaintext until it says [`Plaintext::NeedInput`], and
///    [`Session::write`] plaintext.
/// 3. After every call, [`Session::poll_transmit`] appends the ciphertext to send, while
///    [`Session::wants_write`] says some is pending.
/// 4. [`Session::close`] queues close_notify; [`Session::read`] reports the peer's as
///    [`Plaintext::Closed`]. [`Session::is_closed`] says when the connection is over.
///
/// Errors are sticky: after a peer fault every call returns [`Misuse::SessionFailed`].
///
/// After the handshake and a warm-up, [`Session::write`], [`Session::poll_transmit`],
/// [`Session::recv`] and [`Session::read`] allocate nothing on the Rust heap when the caller
/// reuses its buffers (see the crate doc, "Allocation", for BoringSSL's own buffers).
pub struct Session<R> {
    stream: SslStream<Duplex>,
    done: bool,
    failed: bool,
    closed: bool,
    peer_closed: bool,
    /// [`Session::close`] came before the handshake completed: nothing was sent, the
    /// connection is abandoned.
    abandoned: bool,
    /// The write queue limit (bytes of ciphertext waiting in `poll_transmit`).
    write_limit: usize,
    fingerprints: Option<Fingerprints>,
    _role: PhantomData<R>,
}

impl<R> std::fmt::Debug for Session<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("handshake_complete", &self.done)
            .field("failed", &self.failed)
            .finish_non_exhaustive()
    }
}

impl ClientSession {
    /// A client session for `server_name` (a DNS name or an IP address): SNI is sent for DNS
    /// names, the certificate is checked against the name unless the config turned that off,
    /// and a cached session for the name is offered for resumption.
    ///
    /// # Errors
    /// [`Error::Config`]: [`ConfigError::Rejected`] when BoringSSL refuses the server name
    /// (SNI or the name to verify) or cannot allocate the connection, [`ConfigError::Profile`]
    /// for a profile setting it refuses. Never a peer error: nothing was received yet.
    pub fn new(config: &ClientConfig, server_name: &str) -> Result<Self, Error> {
        let mut ssl = Ssl::new(&config.ctx).map_err(ConfigError::rejected("new connection"))?;
        let ip = server_name.parse::<std::net::IpAddr>().ok();
        if config.sni && ip.is_none() {
            ssl.set_hostname(server_name)
                .map_err(ConfigError::rejected("server name (SNI)"))?;
        }
        if config.verify_hostname {
            let param = ssl.param_mut();
            match ip {
                Some(ip) => param
                    .set_ip(ip)
                    .map_err(ConfigError::rejected("IP address to verify"))?,
                None => param
                    .set_host(server_name)
                    .map_err(ConfigError::rejected("host name to verify"))?,
            }
        }
        if let Some(p) = &config.profile {
            apply_profile_ssl(p, config.alps, &mut ssl)?;
        }
        if let Some(cache) = &config.cache {
            let key = format!("{}/{}", config.id, server_name.to_ascii_lowercase());
            if let Some(session) = cache.get(&key) {
                ffi::set_session(&mut ssl, &session)
                    .map_err(ConfigError::rejected("cached session"))?;
            }
            ssl.set_ex_data(cache_key_index(), key);
        }
        ffi::set_role(&mut ssl, true);
        Self::from_ssl(ssl, config.write_limit)
    }
}

impl ServerSession {
    /// A server session.
    ///
    /// # Errors
    /// [`ConfigError::Rejected`] when BoringSSL cannot allocate the connection.
    pub fn new(config: &ServerConfig) -> Result<Self, Error> {
        let mut ssl = Ssl::new(&config.ctx).map_err(ConfigError::rejected("new connection"))?;
        ffi::set_role(&mut ssl, false);
        Self::from_ssl(ssl, config.write_limit)
    }

    /// The server name the client asked for (SNI), once the ClientHello arrived.
    #[must_use]
    pub fn server_name(&self) -> Option<&str> {
        self.stream.ssl().servername(NameType::HOST_NAME)
    }

    /// The client's ClientHello body as received, once it arrived; `None` unless the config
    /// asked for it with
    /// [`ServerConfigBuilder::keep_client_hello`](crate::ServerConfigBuilder::keep_client_hello).
    #[must_use]
    pub fn client_hello_bytes(&self) -> Option<&[u8]> {
        self.stream.ssl().ex_data(hello_index()).map(Vec::as_slice)
    }

    /// JA3, JA3N, JA4 and JA4_r of the client's ClientHello, once it arrived; `None` unless
    /// the config keeps the ClientHello
    /// ([`ServerConfigBuilder::keep_client_hello`](crate::ServerConfigBuilder::keep_client_hello)).
    #[must_use]
    pub fn client_fingerprints(&mut self) -> Option<&Fingerprints> {
        if self.fingerprints.is_none() {
            let hello = ClientHello::parse_body(self.client_hello_bytes()?).ok()?;
            self.fingerprints = Some(hello.fingerprints());
        }
        self.fingerprints.as_ref()
    }
}

impl<R> Session<R> {
    fn from_ssl(mut ssl: Ssl, write_limit: usize) -> Result<Self, Error> {
        ssl.set_ex_data(alert_index(), AlertLog::default());
        Ok(Self {
            stream: SslStream::new(ssl, Duplex::default())
                .map_err(ConfigError::rejected("memory BIO"))?,
            done: false,
            failed: false,
            closed: false,
            peer_closed: false,
            abandoned: false,
            write_limit,
            fingerprints: None,
            _role: PhantomData,
        })
    }

    /// Feeds ciphertext received from the peer; returns how many bytes were taken. Fewer
    /// than given (0 when full) means the session's input buffer holds its limit of 1 MiB of
    /// unprocessed ciphertext: [`Session::read`] plaintext, then offer the rest again.
    ///
    /// # Errors
    /// [`Misuse::RecvAfterEof`], [`Misuse::SessionFailed`].
    pub fn recv(&mut self, ciphertext: &[u8]) -> Result<usize, Error> {
        self.check()?;
        let io = self.stream.get_mut();
        if io.eof {
            return Err(Misuse::RecvAfterEof.into());
        }
        let n = ciphertext
            .len()
            .min(MAX_BUFFERED.saturating_sub(io.buffered()));
        io.feed(&ciphertext[..n]);
        Ok(n)
    }

    /// The transport reached end of stream; a later read without the peer's close_notify
    /// gives [`PeerError::UnexpectedEof`].
    pub fn recv_eof(&mut self) {
        self.stream.get_mut().eof = true;
    }

    /// Appends the ciphertext to send to `out`; returns how many bytes were appended. Call it
    /// after every other call, until [`Session::wants_write`] is `false`.
    ///
    /// Unlike the engines' `poll_transmit` (which may hand back a `Bytes` payload to write after
    /// `out`), a session has no payload to hand back: every ciphertext byte is made by
    /// BoringSSL into the session's own buffer, so there is nothing to pass through uncopied,
    /// and the count is returned instead.
    ///
    /// When `out` is empty the session's buffer and `out` are swapped (no copy): `out`'s
    /// capacity becomes the session's next buffer, so a caller that clears and reuses one
    /// `Vec` makes the steady state allocation-free.
    pub fn poll_transmit(&mut self, out: &mut Vec<u8>) -> usize {
        let tx = &mut self.stream.get_mut().tx;
        let n = tx.len();
        if out.is_empty() {
            std::mem::swap(out, tx);
        } else {
            out.append(tx);
        }
        n
    }

    /// Whether ciphertext waits in [`Session::poll_transmit`] (the engine contract's
    /// `wants_write`: output is pending).
    #[must_use]
    pub fn wants_write(&self) -> bool {
        !self.stream.get_ref().tx.is_empty()
    }

    /// Whether the connection is over: close_notify was sent and received, [`Session::close`]
    /// was called before the handshake completed (nothing to shut down), or a fatal error
    /// occurred (errors are sticky). Once this is `true` and [`Session::wants_write`] is
    /// `false` (a fatal alert or our close_notify may still wait in
    /// [`Session::poll_transmit`]), the transport can be closed.
    #[must_use]
    pub fn is_closed(&self) -> bool {
        self.failed || self.abandoned || (self.closed && self.peer_closed)
    }

    /// Drives the handshake as far as the buffered ciphertext allows.
    ///
    /// # Errors
    /// [`PeerError::Handshake`] (with the alert), [`PeerError::CertificateVerification`] (with the
    /// X.509 reason), [`PeerError::UnexpectedEof`]; then [`Misuse::SessionFailed`].
    pub fn handshake(&mut self) -> Result<HandshakeStatus, Error> {
        self.check()?;
        if self.done {
            return Ok(HandshakeStatus::Complete);
        }
        match self.stream.do_handshake() {
            Ok(()) => {
                self.done = true;
                ffi::flush_deferred(self.stream.ssl_mut());
                Ok(HandshakeStatus::Complete)
            }
            Err(e) if e.code() == ErrorCode::WANT_READ => Ok(HandshakeStatus::InProgress),
            Err(e) => Err(self.fail(&e)),
        }
    }

    /// Whether the handshake completed.
    #[must_use]
    pub fn is_handshake_complete(&self) -> bool {
        self.done
    }

    /// Decrypts buffered ciphertext into `buf` (drives the handshake first if needed; also
    /// processes post-handshake messages such as TLS 1.3 session tickets).
    ///
    /// # Errors
    /// [`PeerError::Protocol`], [`PeerError::UnexpectedEof`], handshake errors, then
    /// [`Misuse::SessionFailed`].
    pub fn read(&mut self, buf: &mut [u8]) -> Result<Plaintext, Error> {
        self.check()?;
        if self.peer_closed {
            return Ok(Plaintext::Closed);
        }
        if buf.is_empty() {
            return Ok(Plaintext::Data(0));
        }
        match self.stream.ssl_read(buf) {
            Ok(n) => {
                if !self.done {
                    self.done = true;
                    ffi::flush_deferred(self.stream.ssl_mut());
                }
                Ok(Plaintext::Data(n))
            }
            Err(e) if e.code() == ErrorCode::WANT_READ => {
                if !self.done && self.stream.ssl().is_init_finished() {
                    self.done = true;
                    ffi::flush_deferred(self.stream.ssl_mut());
                }
                Ok(Plaintext::NeedInput)
            }
            Err(e) if e.code() == ErrorCode::ZERO_RETURN => {
                self.peer_closed = true;
                Ok(Plaintext::Closed)
            }
            Err(e) => Err(self.fail(&e)),
        }
    }

    /// Encrypts `data` into records queued for [`Session::poll_transmit`]; returns how much of
    /// `data` was taken. Same as [`Session::write_vectored`] with one slice: full 16 KiB
    /// records, no copy, and fewer bytes than given (0 when the queue was already full) once
    /// the queued ciphertext reaches the config's write queue limit
    /// ([`ClientConfigBuilder::write_queue_limit`](crate::ClientConfigBuilder::write_queue_limit)).
    /// Send what [`Session::poll_transmit`] gives, then offer the rest again.
    ///
    /// # Errors
    /// [`Misuse::HandshakeIncomplete`], [`Misuse::WriteAfterClose`],
    /// [`Misuse::SessionFailed`], or a protocol error.
    pub fn write(&mut self, data: &[u8]) -> Result<usize, Error> {
        self.check_writable()?;
        self.write_records(data)
    }

    /// Encrypts the concatenation of `bufs` into full records (16 KiB of plaintext each, the
    /// last one possibly shorter) queued for [`Session::poll_transmit`]; returns how many
    /// plaintext bytes were taken, counted from the start of `bufs`.
    ///
    /// Small slices are gathered into one record through a 16 KiB stack buffer (one copy, one
    /// `SSL_write` per record) instead of one record per slice: 1000 slices of 100 bytes make
    /// 7 records, not 1000. A slice that starts a record and holds a full record or more, and
    /// the last slice when nothing is gathered, go to BoringSSL without that copy.
    ///
    /// # Backpressure
    /// A new record is started only while the ciphertext waiting in
    /// [`Session::poll_transmit`] is below the config's write queue limit (64 KiB by default,
    /// see [`ClientConfigBuilder::write_queue_limit`](crate::ClientConfigBuilder::write_queue_limit)),
    /// or when nothing waits at all. So the queue holds at most the limit plus one record
    /// (16 KiB and 22 bytes of TLS 1.3 overhead), and a call on a full queue takes 0 bytes:
    /// drain with [`Session::poll_transmit`], then offer the rest again.
    ///
    /// # Errors
    /// [`Misuse::HandshakeIncomplete`], [`Misuse::WriteAfterClose`],
    /// [`Misuse::SessionFailed`], or a protocol error.
    pub fn write_vectored(&mut self, bufs: &[&[u8]]) -> Result<usize, Error> {
        self.check_writable()?;
        match bufs {
            [] => Ok(0),
            [one] => self.write_records(one),
            _ => self.write_gathered(bufs),
        }
    }

    fn check_writable(&self) -> Result<(), Error> {
        self.check()?;
        if self.closed {
            return Err(Misuse::WriteAfterClose.into());
        }
        if !self.done {
            return Err(Misuse::HandshakeIncomplete.into());
        }
        Ok(())
    }

    /// `data` straight to BoringSSL, one record per `SSL_write`, while the queue has room.
    fn write_records(&mut self, mut data: &[u8]) -> Result<usize, Error> {
        let mut taken = 0;
        while !data.is_empty() && !self.write_queue_full() {
            let n = data.len().min(RECORD);
            self.ssl_write_all(&data[..n])?;
            taken += n;
            data = &data[n..];
        }
        Ok(taken)
    }

    /// Several slices: small ones gathered into full records in a stack buffer (only this path
    /// pays for zeroing it).
    fn write_gathered(&mut self, bufs: &[&[u8]]) -> Result<usize, Error> {
        let mut stage = [0u8; RECORD];
        let mut staged = 0;
        let mut taken = 0;
        for (i, buf) in bufs.iter().enumerate() {
            let mut rest = *buf;
            while !rest.is_empty() {
                if staged == 0 {
                    if i + 1 == bufs.len() {
                        // Nothing gathered and nothing after: no copy needed.
                        return Ok(taken + self.write_records(rest)?);
                    }
                    if self.write_queue_full() {
                        return Ok(taken);
                    }
                    if rest.len() >= RECORD {
                        self.ssl_write_all(&rest[..RECORD])?;
                        taken += RECORD;
                        rest = &rest[RECORD..];
                        continue;
                    }
                }
                let n = rest.len().min(RECORD - staged);
                stage[staged..staged + n].copy_from_slice(&rest[..n]);
                staged += n;
                rest = &rest[n..];
                if staged == RECORD {
                    self.ssl_write_all(&stage)?;
                    taken += RECORD;
                    staged = 0;
                }
            }
        }
        if staged > 0 {
            self.ssl_write_all(&stage[..staged])?;
            taken += staged;
        }
        Ok(taken)
    }

    /// How many more ciphertext bytes the write queue takes before [`Session::write`] stops
    /// starting records (0: full, drain with [`Session::poll_transmit`] first). A runtime can
    /// stop reading a connection whose output is backed up by this.
    #[must_use]
    pub fn write_capacity(&self) -> usize {
        let queued = self.stream.get_ref().tx.len();
        if queued == 0 {
            self.write_limit.max(1)
        } else {
            self.write_limit.saturating_sub(queued)
        }
    }

    fn write_queue_full(&self) -> bool {
        self.write_capacity() == 0
    }

    /// One `SSL_write` of at most one record; memory buffers never stall, so it takes all.
    fn ssl_write_all(&mut self, data: &[u8]) -> Result<(), Error> {
        let mut written = 0;
        while written < data.len() {
            match self.stream.ssl_write(&data[written..]) {
                Ok(n) => written += n,
                Err(e) => return Err(self.fail(&e)),
            }
        }
        Ok(())
    }

    /// Queues close_notify (once). The peer's close_notify is reported by [`Session::read`].
    ///
    /// # Errors
    /// [`Misuse::SessionFailed`].
    pub fn close(&mut self) -> Result<(), Error> {
        self.check()?;
        if self.closed {
            return Ok(());
        }
        self.closed = true;
        if !self.done {
            self.abandoned = true;
            return Ok(());
        }
        match self.stream.shutdown() {
            Ok(ShutdownResult::Sent | ShutdownResult::Received) => Ok(()),
            Err(e) if e.code() == ErrorCode::WANT_READ => Ok(()),
            Err(e) => Err(self.fail(&e)),
        }
    }

    /// Whether the peer sent close_notify.
    #[must_use]
    pub fn is_peer_closed(&self) -> bool {
        self.peer_closed
    }

    /// The negotiated ALPN protocol.
    #[must_use]
    pub fn alpn(&self) -> Option<&[u8]> {
        self.stream.ssl().selected_alpn_protocol()
    }

    /// The negotiated TLS version, once the handshake completed.
    #[must_use]
    pub fn version(&self) -> Option<Version> {
        if !self.done {
            return None;
        }
        let ssl = self.stream.ssl();
        Some(match ssl.version2() {
            Some(v) if v == boring::ssl::SslVersion::TLS1_3 => Version::Tls13,
            Some(v) if v == boring::ssl::SslVersion::TLS1_2 => Version::Tls12,
            _ => Version::Other(ssl.version_str()),
        })
    }

    /// The negotiated cipher suite's standard (IANA) name, once the handshake completed.
    #[must_use]
    pub fn cipher(&self) -> Option<&'static str> {
        let c = self.stream.ssl().current_cipher()?;
        c.standard_name()
    }

    /// The negotiated key-exchange group's name (e.g. `"X25519MLKEM768"`, `"X25519"`,
    /// `"P-256"`), once the handshake chose one; `None` before, and on a TLS 1.2 resumption,
    /// which runs no key exchange.
    #[must_use]
    pub fn key_exchange_group(&self) -> Option<&'static str> {
        self.stream.ssl().curve_name()
    }

    /// The peer's certificate chain in DER, leaf first (empty when none was sent).
    #[must_use]
    pub fn peer_certificates(&self) -> Vec<Vec<u8>> {
        let ssl = self.stream.ssl();
        let mut out = Vec::new();
        // On the server side the chain excludes the leaf (OpenSSL convention).
        if let Some(leaf) = ssl.peer_certificate()
            && let Ok(der) = leaf.to_der()
        {
            out.push(der);
        }
        if let Some(chain) = ssl.peer_cert_chain() {
            for c in chain {
                if let Ok(der) = c.to_der()
                    && !out.contains(&der)
                {
                    out.push(der);
                }
            }
        }
        out
    }

    /// Whether this connection resumed an earlier session.
    #[must_use]
    pub fn is_resumed(&self) -> bool {
        self.stream.ssl().session_reused()
    }

    fn check(&self) -> Result<(), Error> {
        if self.failed {
            Err(Misuse::SessionFailed.into())
        } else {
            Ok(())
        }
    }

    fn alerts(&self) -> Option<Alert> {
        let log = self.stream.ssl().ex_data(alert_index())?;
        let received = log.received.load(Ordering::Relaxed);
        let sent = log.sent.load(Ordering::Relaxed);
        let to_alert = |v: i32, received| {
            (v > 0).then(|| Alert {
                code: u8::try_from(v - 1).unwrap_or(u8::MAX),
                received,
            })
        };
        to_alert(received, true).or_else(|| to_alert(sent, false))
    }

    fn fail(&mut self, e: &boring::ssl::Error) -> Error {
        self.failed = true;
        let silent =
            e.code() == ErrorCode::SYSCALL && e.io_error().is_none() && e.ssl_error().is_none();
        if silent && self.stream.get_ref().eof {
            return PeerError::UnexpectedEof.into();
        }
        let reason = match e.ssl_error() {
            Some(stack) => stack
                .errors()
                .iter()
                .map(|x| x.reason().unwrap_or("unknown").to_owned())
                .collect::<Vec<_>>()
                .join(": "),
            // BoringSSL stopped without queueing an error while the transport is still open: a
            // step it cannot take, for example a HelloRetryRequest for a group that a browser
            // profile lists but BoringSSL cannot compute (Firefox's ffdhe2048).
            None if silent => "BoringSSL stopped without an error code".to_owned(),
            None => e.to_string(),
        };
        let ssl = self.stream.ssl();
        if let Err(v) = ssl.verify_result()
            && !self.done
            && ssl.verify_mode().contains(SslVerifyMode::PEER)
            && reason.contains("CERTIFICATE_VERIFY_FAILED")
        {
            return PeerError::CertificateVerification {
                code: v.as_raw(),
                reason: v.error_string().to_owned(),
            }
            .into();
        }
        let alert = self.alerts();
        if self.done {
            PeerError::Protocol { alert, reason }.into()
        } else {
            PeerError::Handshake { alert, reason }.into()
        }
    }
}
