//! A request's cancel signal, for [`Request::cancel_handle`](super::Request::cancel_handle):
//! it reaches the call wherever it waits. Before the request left, the call fails at once;
//! in name resolution and in the connect race, the wait wakes (a hook registered for that
//! step); in a proxy handshake, the socket is shut down under the blocking read; once an
//! exchange exists (waiting for a pooled connection, for the head, or reading the body),
//! the exchange is cancelled as [`CancelHandle`](super::CancelHandle) does.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use super::body::Exchange;
use super::error::Error;

/// What a hook does when the request is cancelled (wakes a wait, shuts a socket).
type Hook = Arc<dyn Fn() + Send + Sync>;

struct CancelState {
    cancelled: bool,
    /// The exchange in progress (the latest hop's).
    exchange: Option<Arc<Exchange>>,
    /// The waits in progress, by id.
    hooks: Vec<(u64, Hook)>,
    next_hook: u64,
}

/// One request's cancel signal (its redirects' hops share it).
pub(crate) struct Cancel {
    state: Mutex<CancelState>,
}

impl std::fmt::Debug for Cancel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = self.lock();
        f.debug_struct("Cancel")
            .field("cancelled", &s.cancelled)
            .field("hooks", &s.hooks.len())
            .finish_non_exhaustive()
    }
}

impl Cancel {
    pub(crate) fn new() -> Arc<Cancel> {
        Arc::new(Cancel::unshared())
    }

    /// A signal nobody else holds (no allocation): what a request whose handle was never
    /// taken ([`Request::cancel_signal`](super::Request::cancel_signal)) waits with, so the
    /// steps that take a `&Cancel` need no other path. Nothing cancels it.
    pub(crate) fn unshared() -> Cancel {
        Cancel {
            state: Mutex::new(CancelState {
                cancelled: false,
                exchange: None,
                hooks: Vec::new(),
                next_hook: 0,
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, CancelState> {
        // Nothing panics under this lock (hooks run outside it): a poisoned state is whole.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Cancels: the exchange in progress, then every wait's hook. Idempotent.
    pub(crate) fn cancel(&self) {
        let (exchange, hooks) = {
            let mut s = self.lock();
            if s.cancelled {
                return;
            }
            s.cancelled = true;
            let hooks: Vec<Hook> = s.hooks.iter().map(|(_, h)| Arc::clone(h)).collect();
            (s.exchange.clone(), hooks)
        };
        if let Some(ex) = exchange {
            ex.cancel();
        }
        for hook in hooks {
            hook();
        }
    }

    pub(crate) fn is_cancelled(&self) -> bool {
        self.lock().cancelled
    }

    /// [`Error::Cancelled`] once cancelled.
    pub(crate) fn check(&self) -> Result<(), Error> {
        if self.is_cancelled() {
            Err(Error::Cancelled)
        } else {
            Ok(())
        }
    }

    /// `ex` is the exchange in progress from now on; it is cancelled at once (and
    /// [`Error::Cancelled`] returned) when the request already was.
    pub(crate) fn attach(&self, ex: &Arc<Exchange>) -> Result<(), Error> {
        let mut s = self.lock();
        if s.cancelled {
            drop(s);
            ex.cancel();
            return Err(Error::Cancelled);
        }
        s.exchange = Some(Arc::clone(ex));
        Ok(())
    }

    /// Runs `hook` on cancel while the returned guard lives (a wait in progress);
    /// [`Error::Cancelled`] when the request already was.
    pub(crate) fn on_cancel(
        &self,
        hook: impl Fn() + Send + Sync + 'static,
    ) -> Result<HookGuard<'_>, Error> {
        let mut s = self.lock();
        if s.cancelled {
            return Err(Error::Cancelled);
        }
        let id = s.next_hook;
        s.next_hook += 1;
        s.hooks.push((id, Arc::new(hook)));
        Ok(HookGuard { cancel: self, id })
    }
}

/// Removes its hook when the wait is over.
pub(crate) struct HookGuard<'a> {
    cancel: &'a Cancel,
    id: u64,
}

impl Drop for HookGuard<'_> {
    fn drop(&mut self) {
        self.cancel.lock().hooks.retain(|(id, _)| *id != self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn hooks_run_once_and_only_while_registered() {
        let c = Cancel::new();
        let runs = Arc::new(AtomicUsize::new(0));
        {
            let r = Arc::clone(&runs);
            let _gone = c.on_cancel(move || {
                r.fetch_add(100, Ordering::SeqCst);
            });
        }
        let r = Arc::clone(&runs);
        let live = c
            .on_cancel(move || {
                r.fetch_add(1, Ordering::SeqCst);
            })
            .unwrap();
        c.cancel();
        c.cancel();
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        drop(live);
        assert!(matches!(c.on_cancel(|| {}), Err(Error::Cancelled)));
        assert!(matches!(c.check(), Err(Error::Cancelled)));
    }

    #[test]
    fn an_exchange_attached_after_the_cancel_is_cancelled() {
        let c = Cancel::new();
        let first = Exchange::new(16, std::time::Instant::now());
        c.attach(&first).unwrap();
        c.cancel();
        assert!(first.is_cancelled());
        let second = Exchange::new(16, std::time::Instant::now());
        assert!(matches!(c.attach(&second), Err(Error::Cancelled)));
        assert!(second.is_cancelled());
    }
}
