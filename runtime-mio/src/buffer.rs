//! The buffer pool an event loop owns: connections borrow buffers while they work and give
//! them back when idle, so an idle keep-alive connection holds no receive buffer.
//!
//! [`Pool`] is generic over what it keeps ([`Recycle`]): plain `Vec<u8>` and proto-h1's
//! [`Buffers`] (what [`ServerConn::take_buffers`](proto_h1::ServerConn::take_buffers) gives
//! back and [`put_buffers`](proto_h1::ServerConn::put_buffers) lends again). It holds at most
//! `max` items, and any item larger than `max_bytes` is dropped rather than kept, so the pool
//! itself never grows without bound. Items come back cleared.

use proto_h1::Buffers;

/// What a [`Pool`] can keep: something that can be emptied and that knows its heap size.
pub trait Recycle: Default {
    /// Empties it, keeping its capacity.
    fn clear(&mut self);
    /// Heap bytes it holds.
    fn heap_size(&self) -> usize;
}

impl Recycle for Vec<u8> {
    fn clear(&mut self) {
        Vec::clear(self);
    }
    fn heap_size(&self) -> usize {
        self.capacity()
    }
}

impl Recycle for Buffers {
    fn clear(&mut self) {
        // `Buffers` is emptied by `take_buffers` and again by `put_buffers`; nothing is
        // visible to clear here.
    }
    fn heap_size(&self) -> usize {
        Buffers::heap_size(self)
    }
}

/// A bounded pool of reusable buffers.
///
/// ```
/// use runtime_mio::buffer::Pool;
/// let mut pool: Pool<Vec<u8>> = Pool::new(2, 1 << 20);
/// let mut b = pool.get();
/// b.extend_from_slice(b"hello");
/// pool.put(b);
/// let b = pool.get();
/// assert!(b.is_empty() && b.capacity() >= 5); // the same allocation, cleared
/// ```
#[derive(Debug)]
pub struct Pool<T> {
    free: Vec<T>,
    max: usize,
    max_bytes: usize,
}

impl<T: Recycle> Pool<T> {
    /// A pool keeping at most `max` items of at most `max_bytes` heap each.
    #[must_use]
    pub fn new(max: usize, max_bytes: usize) -> Self {
        Pool {
            free: Vec::new(),
            max,
            max_bytes,
        }
    }

    /// A pooled item (empty), or a new one (no heap until used).
    pub fn get(&mut self) -> T {
        self.free.pop().unwrap_or_default()
    }

    /// Gives an item back: kept (cleared) if the pool has room and it is not oversized and
    /// has heap worth keeping; dropped otherwise.
    pub fn put(&mut self, mut item: T) {
        let size = item.heap_size();
        if self.free.len() >= self.max || size > self.max_bytes || size == 0 {
            return;
        }
        item.clear();
        self.free.push(item);
    }

    /// Items waiting in the pool.
    #[must_use]
    pub fn len(&self) -> usize {
        self.free.len()
    }

    /// Nothing in the pool.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.free.is_empty()
    }

    /// Heap bytes held by the pooled items.
    #[must_use]
    pub fn heap_size(&self) -> usize {
        self.free.iter().map(Recycle::heap_size).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proto_h1::{ConnConfig, ServerConn};

    #[test]
    fn bounded_count_and_size() {
        let mut pool: Pool<Vec<u8>> = Pool::new(2, 100);
        for _ in 0..5 {
            pool.put(Vec::with_capacity(10));
        }
        assert_eq!(pool.len(), 2);
        pool.get();
        pool.put(Vec::with_capacity(1000)); // oversized: dropped
        assert_eq!(pool.len(), 1);
        pool.put(Vec::new()); // nothing worth keeping
        assert_eq!(pool.len(), 1);
        assert!(pool.heap_size() >= 10);
    }

    #[test]
    fn returned_cleared() {
        let mut pool: Pool<Vec<u8>> = Pool::new(4, 1 << 20);
        let mut v = pool.get();
        v.extend_from_slice(&[1, 2, 3]);
        let ptr = v.as_ptr();
        pool.put(v);
        let v = pool.get();
        assert!(v.is_empty());
        assert_eq!(v.as_ptr(), ptr);
    }

    /// With proto-h1: an idle keep-alive connection gives its buffers to the pool and holds
    /// no heap; the next connection borrows them and allocates nothing new for the receive
    /// buffer.
    #[test]
    fn h1_idle_connection_holds_no_buffer() {
        let mut pool: Pool<Buffers> = Pool::new(8, 1 << 20);
        let mut a = ServerConn::new(ConnConfig::default());
        a.put_buffers(pool.get());
        a.recv(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        while a.poll_event().unwrap().is_some() {}
        a.send_response(204, b"No Content", &[]).unwrap();
        a.send_end(&[]).unwrap();
        let mut out = Vec::new();
        while a.wants_write() {
            let _ = a.poll_transmit(&mut out);
        }
        assert!(a.heap_size() > 0);
        let bufs = a
            .take_buffers()
            .expect("idle connection gives its buffers back");
        assert_eq!(a.heap_size(), 0);
        let kept = bufs.heap_size();
        pool.put(bufs);
        assert_eq!(pool.len(), 1);
        assert_eq!(pool.heap_size(), kept);
        // The next connection reuses them.
        let mut b = ServerConn::new(ConnConfig::default());
        b.put_buffers(pool.get());
        assert!(pool.is_empty());
        assert_eq!(b.heap_size(), kept);
        b.recv(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        assert_eq!(b.heap_size(), kept);
    }
}
