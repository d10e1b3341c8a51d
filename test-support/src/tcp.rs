//! A TCP socket's segment counters (Linux's `TCP_INFO`), so that a test can count the writes
//! its peer made: on loopback with `TCP_NODELAY` each `write`/`writev` below the segment size
//! (some 64 KiB there) leaves as one data segment, so the data segments a client socket
//! received over an exchange are the server's writes.
//!
//! ```no_run
//! use std::net::TcpStream;
//! let s = TcpStream::connect("127.0.0.1:8080").unwrap();
//! let before = test_support::tcp::data_segments_in(&s).unwrap();
//! // ... a request written, its response read ...
//! let writes = test_support::tcp::data_segments_in(&s).unwrap() - before;
//! # let _ = writes;
//! ```
#![allow(unsafe_code)]

use std::io;
use std::os::fd::AsRawFd;

/// Data segments (segments carrying payload) the socket has received since it opened:
/// `tcpi_data_segs_in` of `TCP_INFO` (Linux 4.6 and later).
///
/// # Errors
/// `getsockopt` failed (not a TCP socket, say).
pub fn data_segments_in(socket: &impl AsRawFd) -> io::Result<u32> {
    Ok(info(socket)?.tcpi_data_segs_in)
}

/// Data segments the socket has sent since it opened (`tcpi_data_segs_out`).
///
/// # Errors
/// As [`data_segments_in`].
pub fn data_segments_out(socket: &impl AsRawFd) -> io::Result<u32> {
    Ok(info(socket)?.tcpi_data_segs_out)
}

fn info(socket: &impl AsRawFd) -> io::Result<libc::tcp_info> {
    // SAFETY: `tcp_info` is plain old data (integers only), for which all zeroes is a value.
    let mut info: libc::tcp_info = unsafe { std::mem::zeroed() };
    let mut len = std::mem::size_of::<libc::tcp_info>() as libc::socklen_t;
    // SAFETY: `info` is a writable `tcp_info` of `len` bytes that outlives the call, and the
    // kernel writes at most `len` bytes into it (less from an older kernel: the rest stays
    // zero).
    let rc = unsafe {
        libc::getsockopt(
            socket.as_raw_fd(),
            libc::IPPROTO_TCP,
            libc::TCP_INFO,
            std::ptr::addr_of_mut!(info).cast(),
            &mut len,
        )
    };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(info)
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::net::{TcpListener, TcpStream};

    /// Three writes with a reply awaited after each are three data segments in on the other
    /// side, and three out on this one.
    #[test]
    fn counts_the_peers_writes() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut c = TcpStream::connect(l.local_addr().unwrap()).unwrap();
        let (mut s, _) = l.accept().unwrap();
        c.set_nodelay(true).unwrap();
        s.set_nodelay(true).unwrap();
        let in0 = super::data_segments_in(&s).unwrap();
        let out0 = super::data_segments_out(&c).unwrap();
        let mut buf = [0u8; 64];
        for _ in 0..3 {
            c.write_all(b"ping").unwrap();
            s.read_exact(&mut buf[..4]).unwrap();
            s.write_all(b"pong").unwrap();
            c.read_exact(&mut buf[..4]).unwrap();
        }
        assert_eq!(super::data_segments_in(&s).unwrap() - in0, 3);
        assert_eq!(super::data_segments_out(&c).unwrap() - out0, 3);
    }
}
