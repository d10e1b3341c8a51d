//! The client-side session cache: bounded, keyed by config and server name, TLS 1.3 tickets
//! used once.

use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, Mutex};

use boring::ssl::{SslSession, SslVersion};

/// A client-side session cache shared by connections (and by clones of the cache), so later
/// connections to the same server resume (TLS 1.3 PSK or TLS 1.2 tickets).
///
/// Entries are keyed by the config that made them and the server name, so a session is only
/// offered to connections of the same config.
///
/// The cache is bounded: at most [`capacity`](Self::capacity) sessions in all
/// ([`DEFAULT_CAPACITY`](Self::DEFAULT_CAPACITY) by default) and at most
/// [`per_name`](Self::per_name) per config and server name
/// ([`DEFAULT_PER_NAME`](Self::DEFAULT_PER_NAME)). Beyond either bound the least recently used
/// session goes. A TLS 1.3 session is used once (taken out of the cache when offered, as
/// RFC 8446 appendix C.4 recommends, so two connections cannot be linked by their ticket);
/// servers send new tickets on every connection. A TLS 1.2 session stays and may be offered
/// again. Lookups scan the cache (at most `capacity` entries, once per new connection).
#[derive(Clone)]
pub struct SessionCache {
    inner: Arc<Mutex<CacheEntries>>,
}

/// The sessions of a [`SessionCache`], least recently used first.
struct CacheEntries {
    capacity: usize,
    per_name: usize,
    entries: VecDeque<(String, SslSession)>,
}

impl fmt::Debug for SessionCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionCache")
            .field("len", &self.len())
            .field("capacity", &self.capacity())
            .field("per_name", &self.per_name())
            .finish()
    }
}

impl Default for SessionCache {
    fn default() -> Self {
        Self::with_limits(Self::DEFAULT_CAPACITY, Self::DEFAULT_PER_NAME)
    }
}

impl SessionCache {
    /// Default bound on the number of sessions in a cache.
    pub const DEFAULT_CAPACITY: usize = 256;
    /// Default bound on the number of sessions kept for one server name (of one config).
    pub const DEFAULT_PER_NAME: usize = 4;

    /// An empty cache with the default bounds ([`Self::DEFAULT_CAPACITY`] sessions in all,
    /// [`Self::DEFAULT_PER_NAME`] per server name).
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty cache holding at most `capacity` sessions in all and `per_name` per config
    /// and server name. A `capacity` or `per_name` of 0 makes a cache that keeps nothing.
    #[must_use]
    pub fn with_limits(capacity: usize, per_name: usize) -> Self {
        Self {
            inner: Arc::new(Mutex::new(CacheEntries {
                capacity,
                per_name: per_name.min(capacity),
                entries: VecDeque::new(),
            })),
        }
    }

    /// Number of cached sessions.
    #[must_use]
    pub fn len(&self) -> usize {
        self.inner.lock().map(|m| m.entries.len()).unwrap_or(0)
    }

    /// Whether the cache is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The bound on the number of sessions.
    #[must_use]
    pub fn capacity(&self) -> usize {
        self.inner.lock().map(|m| m.capacity).unwrap_or(0)
    }

    /// The bound on the number of sessions per config and server name.
    #[must_use]
    pub fn per_name(&self) -> usize {
        self.inner.lock().map(|m| m.per_name).unwrap_or(0)
    }

    /// The newest session for `key`: a TLS 1.3 one is taken out, a TLS 1.2 one becomes the
    /// most recently used.
    pub(crate) fn get(&self, key: &str) -> Option<SslSession> {
        let mut m = self.inner.lock().ok()?;
        let i = m.entries.iter().rposition(|(k, _)| k == key)?;
        let (k, session) = m.entries.remove(i)?;
        if session.protocol_version() != SslVersion::TLS1_3 {
            m.entries.push_back((k, session.clone()));
        }
        Some(session)
    }

    /// Stores `session` under `key`, evicting per the bounds.
    pub(crate) fn put(&self, key: String, session: SslSession) {
        let Ok(mut m) = self.inner.lock() else {
            return;
        };
        if m.per_name == 0 {
            return;
        }
        let same = m.entries.iter().filter(|(k, _)| *k == key).count();
        if same >= m.per_name
            && let Some(i) = m.entries.iter().position(|(k, _)| *k == key)
        {
            m.entries.remove(i);
        }
        m.entries.push_back((key, session));
        while m.entries.len() > m.capacity {
            m.entries.pop_front();
        }
    }
}
