//! TLS pairs: full handshakes and bulk encrypt/decrypt through the `tls` crate's memory-buffer
//! sessions, against BoringSSL's own `SslStream` over [`MemDuplex`], an in-memory transport
//! (`Read + Write` on two `Vec` buffers, `WouldBlock` when empty), in the same process. Neither
//! side makes a system call, so the ratio measures the TLS engine wrappers, not socket I/O.
//! Both sides use the same BoringSSL build, the same certificate (P-256, made at start-up by
//! `tls::testing`), TLS 1.3, the same groups (the `tls` crate's defaults, `GROUPS`, given to
//! boring's contexts too, so both run the X25519MLKEM768 key exchange) and the same cipher, and
//! both verify the chain and the host name. A test checks that both negotiate the same group
//! and cipher.

use std::cell::RefCell;
use std::hint::black_box;
use std::io::{self, ErrorKind, Read, Write};
use std::rc::Rc;
use std::time::{SystemTime, UNIX_EPOCH};

use boring::pkey::PKey;
use boring::ssl::{
    HandshakeError, MidHandshakeSslStream, Ssl, SslContext, SslMethod, SslStream, SslVerifyMode,
};
use boring::x509::X509;
use boring::x509::store::X509StoreBuilder;
use tls::{ClientConfig, ClientSession, HandshakeStatus, Plaintext, ServerConfig, ServerSession};

use crate::Pair;

/// Bytes of application data per bulk iteration (four 16 KiB writes).
pub const BULK: usize = 64 * 1024;
const CHUNK: usize = 16 * 1024;

/// The supported groups of a `tls` config without a browser profile (its `DEFAULT_GROUPS`),
/// set on boring's contexts as well: the fork's own default (X25519, P-256, P-384) would
/// spare the peer the post-quantum key exchange that ours runs.
const GROUPS: &str = "X25519MLKEM768:P256Kyber768Draft00:X25519:P-256:P-384";

struct Setup {
    ours: (ClientConfig, ServerConfig),
    theirs: (SslContext, SslContext),
}

fn setup() -> Setup {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let ca = tls::testing::Ca::new("bench CA", now).expect("CA");
    let leaf = ca
        .leaf(&["localhost"], now - 60, now + 86_400, false)
        .expect("leaf");
    let ca_pem = ca.cert_pem().expect("CA PEM");

    let mut cb = ClientConfig::builder();
    cb.system_roots(false).add_root_pem(&ca_pem);
    let mut sb = ServerConfig::builder();
    sb.cert_pem(&leaf.chain_pem, &leaf.key_pem);
    let ours = (
        cb.build().expect("client config"),
        sb.build().expect("server config"),
    );

    let mut c = SslContext::builder(SslMethod::tls()).expect("ctx");
    c.set_curves_list(GROUPS).expect("groups");
    c.set_verify(SslVerifyMode::PEER);
    let mut store = X509StoreBuilder::new().expect("store");
    store
        .add_cert(X509::from_pem(&ca_pem).expect("CA"))
        .expect("add CA");
    c.set_cert_store_builder(store);
    let mut s = SslContext::builder(SslMethod::tls()).expect("ctx");
    s.set_curves_list(GROUPS).expect("groups");
    let mut chain = X509::stack_from_pem(&leaf.chain_pem)
        .expect("chain")
        .into_iter();
    s.set_certificate(&chain.next().expect("leaf"))
        .expect("cert");
    for extra in chain {
        s.add_extra_chain_cert(extra).expect("chain");
    }
    s.set_private_key(&PKey::private_key_from_pem(&leaf.key_pem).expect("key"))
        .expect("key");
    Setup {
        ours,
        theirs: (c.build(), s.build()),
    }
}

/// One full handshake between our client and server sessions, bytes moved through memory.
fn ours_handshake(
    cc: &ClientConfig,
    sc: &ServerConfig,
    buf: &mut Vec<u8>,
) -> (ClientSession, ServerSession) {
    let mut c = ClientSession::new(cc, "localhost").expect("client");
    let mut s = ServerSession::new(sc).expect("server");
    let (mut cd, mut sd) = (false, false);
    while !(cd && sd) {
        if !cd {
            cd = c.handshake().expect("client handshake") == HandshakeStatus::Complete;
        }
        buf.clear();
        c.poll_transmit(buf);
        s.recv(buf).expect("recv");
        if !sd {
            sd = s.handshake().expect("server handshake") == HandshakeStatus::Complete;
        }
        buf.clear();
        s.poll_transmit(buf);
        c.recv(buf).expect("recv");
    }
    (c, s)
}

/// One direction of a [`MemDuplex`]: bytes written and not yet read.
#[derive(Debug, Default)]
struct Pipe {
    buf: Vec<u8>,
    pos: usize,
}

/// One end of an in-memory transport for boring's `SslStream`: reads what the other end
/// wrote (`WouldBlock` when nothing is there, like a non-blocking socket), writes append for
/// the other end. The same buffering as the `tls` crate's own memory duplex: one copy in, one
/// copy out, buffers reused once grown.
#[derive(Debug)]
pub struct MemDuplex {
    rx: Rc<RefCell<Pipe>>,
    tx: Rc<RefCell<Pipe>>,
}

impl MemDuplex {
    /// Two connected ends.
    pub fn pair() -> (MemDuplex, MemDuplex) {
        let (a, b) = (Rc::default(), Rc::default());
        (
            MemDuplex {
                rx: Rc::clone(&a),
                tx: Rc::clone(&b),
            },
            MemDuplex { rx: b, tx: a },
        )
    }
}

impl Read for MemDuplex {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let mut p = self.rx.borrow_mut();
        let avail = &p.buf[p.pos..];
        if avail.is_empty() {
            return Err(ErrorKind::WouldBlock.into());
        }
        let n = avail.len().min(out.len());
        out[..n].copy_from_slice(&avail[..n]);
        p.pos += n;
        if p.pos == p.buf.len() {
            p.buf.clear();
            p.pos = 0;
        }
        Ok(n)
    }
}

impl Write for MemDuplex {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.tx.borrow_mut().buf.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

type Stream = SslStream<MemDuplex>;

/// One full handshake with boring's `SslStream` on both ends of a [`MemDuplex`].
fn theirs_handshake(cc: &SslContext, sc: &SslContext) -> (Stream, Stream) {
    let (a, b) = MemDuplex::pair();
    let mut ssl = Ssl::new(cc).expect("ssl");
    ssl.set_hostname("localhost").expect("sni");
    ssl.param_mut().set_host("localhost").expect("host");
    let mut client: Result<Stream, MidHandshakeSslStream<MemDuplex>> = Err(ssl.setup_connect(a));
    let mut server: Result<Stream, MidHandshakeSslStream<MemDuplex>> =
        Err(Ssl::new(sc).expect("ssl").setup_accept(b));
    loop {
        client = match client {
            Err(mid) => match mid.handshake() {
                Ok(s) => Ok(s),
                Err(HandshakeError::WouldBlock(mid)) => Err(mid),
                Err(e) => panic!("client handshake: {e}"),
            },
            done => done,
        };
        server = match server {
            Err(mid) => match mid.handshake() {
                Ok(s) => Ok(s),
                Err(HandshakeError::WouldBlock(mid)) => Err(mid),
                Err(e) => panic!("server handshake: {e}"),
            },
            done => done,
        };
        if let (Ok(_), Ok(_)) = (&client, &server) {
            break;
        }
    }
    match (client, server) {
        (Ok(c), Ok(s)) => (c, s),
        _ => unreachable!("loop exits only when both are done"),
    }
}

/// The TLS pairs.
pub fn pairs() -> Vec<Pair> {
    let setup = setup();
    let mut out = Vec::new();

    let (cc, sc) = setup.ours.clone();
    let (tc, ts) = setup.theirs.clone();
    let mut buf = Vec::new();
    out.push(Pair {
        group: "tls",
        name: "full handshake TLS 1.3 (X25519MLKEM768, P-256 cert, verified)".to_owned(),
        peer: "boring SslStream/MemDuplex",
        bytes: 0,
        ours: Box::new(move || {
            let (c, s) = ours_handshake(&cc, &sc, &mut buf);
            black_box(c.is_handshake_complete() as u64 + s.is_handshake_complete() as u64)
        }),
        theirs: Box::new(move || {
            let (c, s) = theirs_handshake(&tc, &ts);
            black_box(c.ssl().is_init_finished() as u64 + s.ssl().is_init_finished() as u64)
        }),
    });

    // Bulk: four 16 KiB writes, each read back whole on the other side.
    let (cc, sc) = setup.ours.clone();
    let mut buf = Vec::new();
    let (mut oc, mut os) = ours_handshake(&cc, &sc, &mut buf);
    let data = vec![0x5au8; CHUNK];
    let data2 = data.clone();
    let mut plain = vec![0u8; CHUNK];
    let mut wire = Vec::with_capacity(CHUNK + 64);
    let ours_bulk = Box::new(move || {
        let mut total = 0u64;
        for _ in 0..BULK / CHUNK {
            // One record into an empty write queue: taken whole.
            assert_eq!(oc.write(&data).expect("write"), CHUNK);
            wire.clear();
            oc.poll_transmit(&mut wire);
            os.recv(&wire).expect("recv");
            let mut got = 0;
            while got < CHUNK {
                match os.read(&mut plain[got..]).expect("read") {
                    Plaintext::Data(n) => got += n,
                    _ => panic!("short read"),
                }
            }
            total += got as u64;
        }
        black_box(total)
    });
    let (tc, ts) = setup.theirs.clone();
    let (mut c, mut s) = theirs_handshake(&tc, &ts);
    let mut plain2 = vec![0u8; CHUNK];
    let theirs_bulk = Box::new(move || {
        let mut total = 0u64;
        for _ in 0..BULK / CHUNK {
            c.write_all(&data2).expect("write");
            let mut got = 0;
            while got < CHUNK {
                match s.read(&mut plain2[got..]) {
                    Ok(n) => got += n,
                    Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                    Err(e) => panic!("read: {e}"),
                }
            }
            total += got as u64;
        }
        black_box(total)
    });
    out.push(Pair {
        group: "tls",
        name: "bulk encrypt+decrypt 64 KiB (16 KiB writes)".to_owned(),
        peer: "boring SslStream/MemDuplex",
        bytes: BULK as u64,
        ours: ours_bulk,
        theirs: theirs_bulk,
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mem_duplex_carries_bytes_each_way_and_would_blocks_when_empty() {
        let (mut a, mut b) = MemDuplex::pair();
        let mut buf = [0u8; 8];
        assert_eq!(b.read(&mut buf).unwrap_err().kind(), ErrorKind::WouldBlock);
        a.write_all(b"hello").unwrap();
        assert_eq!(b.read(&mut buf[..3]).unwrap(), 3);
        assert_eq!(b.read(&mut buf[3..]).unwrap(), 2);
        assert_eq!(&buf[..5], b"hello");
        b.write_all(b"back").unwrap();
        assert_eq!(a.read(&mut buf).unwrap(), 4);
        assert_eq!(&buf[..4], b"back");
        assert_eq!(a.read(&mut buf).unwrap_err().kind(), ErrorKind::WouldBlock);
    }

    #[test]
    fn both_sides_negotiate_the_same_group_and_cipher() {
        let setup = setup();
        let mut buf = Vec::new();
        let (oc, os) = ours_handshake(&setup.ours.0, &setup.ours.1, &mut buf);
        let (tc, ts) = theirs_handshake(&setup.theirs.0, &setup.theirs.1);
        assert_eq!(oc.key_exchange_group(), Some("X25519MLKEM768"));
        for theirs in [tc.ssl(), ts.ssl()] {
            assert_eq!(theirs.curve_name(), oc.key_exchange_group());
            assert_eq!(
                theirs.current_cipher().and_then(|c| c.standard_name()),
                oc.cipher()
            );
        }
        assert_eq!(os.key_exchange_group(), oc.key_exchange_group());
        assert_eq!(oc.version(), Some(tls::Version::Tls13));
        assert_eq!(tc.ssl().version2(), Some(boring::ssl::SslVersion::TLS1_3));
    }

    #[test]
    fn both_sides_of_every_tls_pair_do_the_same_work() {
        for mut pair in pairs() {
            let (ours, theirs) = ((pair.ours)(), (pair.theirs)());
            assert_eq!(ours, theirs, "{}", pair.name);
        }
    }
}
