//! Key logging: the [`KeyLog`] sink a config hands every secret to, and [`KeyLogFile`], the
//! sink that appends them to a file. Off unless the caller sets a sink; the library reads no
//! environment variable on its own.

use std::fs::File;
use std::io::Write as _;
use std::path::Path;
use std::sync::{Arc, Mutex};

use boring::ssl::SslContextBuilder;

/// A key-log sink: receives one line of the NSS key log format per secret (no trailing
/// newline), e.g. `CLIENT_HANDSHAKE_TRAFFIC_SECRET <client random hex> <secret hex>` in TLS 1.3
/// or `CLIENT_RANDOM <client random hex> <master secret hex>` in TLS 1.2.
///
/// Key logging is off unless a config is given a sink by name
/// ([`ClientConfigBuilder::key_log`](crate::ClientConfigBuilder::key_log), [`ServerConfigBuilder::key_log`](crate::ServerConfigBuilder::key_log)); the library never
/// turns it on from the environment. Anyone holding these lines can decrypt the connection:
/// use it for debugging only. [`KeyLogFile`] writes them to a file; any `Fn(&str)` closure
/// is a sink too.
pub trait KeyLog: Send + Sync {
    /// Takes one key log line. Called on the thread driving the handshake; it must not block
    /// for long, and it cannot fail the handshake.
    fn log(&self, line: &str);
}

impl<F: Fn(&str) + Send + Sync> KeyLog for F {
    fn log(&self, line: &str) {
        self(line);
    }
}

/// A [`KeyLog`] that appends lines to a file (the format Wireshark reads as its "(Pre)-Master
/// Secret log").
///
/// A new file is created with mode `0600` (owner read and write only, whatever the umask); an
/// existing file is appended to and its mode left as it is (never widened). On Unix the path's
/// last component must not be a symbolic link (`O_NOFOLLOW`): secrets are never written
/// through a link someone else may have planted at the path to a file of their choosing.
/// Writes are best effort: a failed write is dropped, it does not fail the handshake.
#[derive(Debug)]
pub struct KeyLogFile {
    file: Mutex<File>,
}

impl KeyLogFile {
    /// Opens `path` for appending, creating it with mode `0600` if it does not exist.
    ///
    /// # Errors
    /// The error from opening the file; on Unix, a symbolic link at `path` is refused (the
    /// error of `O_NOFOLLOW`, `ELOOP`).
    pub fn create(path: impl AsRef<Path>) -> std::io::Result<Self> {
        let mut options = std::fs::OpenOptions::new();
        options.create(true).append(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            options.mode(0o600).custom_flags(libc::O_NOFOLLOW);
        }
        Ok(Self {
            file: Mutex::new(options.open(path)?),
        })
    }

    /// [`KeyLogFile::create`] on the path in the `SSLKEYLOGFILE` environment variable, or
    /// `None` when it is unset or empty. This is the only place the crate reads the
    /// environment, and only when the caller calls it (a command-line tool would).
    ///
    /// # Errors
    /// The error from opening the file.
    pub fn from_env() -> std::io::Result<Option<Self>> {
        match std::env::var_os("SSLKEYLOGFILE") {
            Some(path) if !path.is_empty() => Self::create(path).map(Some),
            _ => Ok(None),
        }
    }
}

impl KeyLog for KeyLogFile {
    fn log(&self, line: &str) {
        let mut record = String::with_capacity(line.len() + 1);
        record.push_str(line);
        record.push('\n');
        if let Ok(mut file) = self.file.lock() {
            // One write per line so concurrent appenders do not interleave within a line.
            // Best effort: a failed write must not fail the handshake.
            let _ = file.write_all(record.as_bytes());
        }
    }
}

/// Hands every key log line of `ctx`'s connections to `log`, when there is one.
pub(crate) fn install_key_log(ctx: &mut SslContextBuilder, log: Option<&Arc<dyn KeyLog>>) {
    if let Some(log) = log {
        let log = Arc::clone(log);
        ctx.set_keylog_callback(move |_ssl, line| log.log(line));
    }
}
