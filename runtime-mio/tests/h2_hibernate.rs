//! An idle HTTP/2 connection hibernates (the server keeps a few hundred bytes of it) and
//! wakes up for its next request, its timer or the server's shutdown. Seen from the client:
//! the response after a pause opens with HPACK dynamic table size updates to 0 and back to
//! 4096 (the server's encoder dropped its table while the connection slept) and decodes to
//! the same fields as the first; the one after that is back to indices; a shutdown while
//! the connection sleeps still sends its GOAWAY; the client's HTTP/2 fingerprint, kept in
//! compact form while it sleeps, is the same after waking.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use proto_h2::conn::{Config, Connection, Event, Request as H2Request, Role};
use proto_h2::frame::{self, kind};
use runtime_mio::server::{Request, Response, Server, ServerConfig};

fn handler(req: &Request) -> Response {
    Response::text(200, format!("{} {}", req.method(), req.path()))
        .with_header("x-served-by", "the same server")
}

/// A client connection to the server over a blocking socket, keeping the server's raw bytes.
struct Client {
    sock: TcpStream,
    conn: Connection,
    authority: String,
    buf: Vec<u8>,
}

/// One response: its fields (in order), its body, and the raw HPACK block of its HEADERS.
#[derive(Debug)]
struct Answer {
    fields: Vec<(Vec<u8>, Vec<u8>)>,
    body: Vec<u8>,
    block: Vec<u8>,
}

impl Client {
    fn connect(server: &Server) -> Client {
        let sock = TcpStream::connect(server.local_addr()).unwrap();
        sock.set_read_timeout(Some(Duration::from_millis(20)))
            .unwrap();
        Client {
            sock,
            conn: Connection::new(Role::Client, Config::client(), Instant::now()),
            authority: server.local_addr().to_string(),
            buf: vec![0; 1 << 16],
        }
    }

    /// Writes what the client has, reads what comes (20 ms at most): the raw bytes read, or
    /// `None` once the server closed.
    fn round(&mut self) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        while self.conn.wants_write() {
            if let Some(p) = self.conn.poll_transmit(Instant::now(), &mut out) {
                out.extend_from_slice(&p);
            }
        }
        if !out.is_empty() {
            self.sock.write_all(&out).ok()?;
        }
        match self.sock.read(&mut self.buf) {
            Ok(0) => None,
            Ok(n) => {
                let raw = self.buf[..n].to_vec();
                self.conn.recv(Instant::now(), &raw).unwrap();
                Some(raw)
            }
            Err(_) => Some(Vec::new()),
        }
    }

    fn get(&mut self, path: &str) -> Answer {
        let head = H2Request::get(b"http", self.authority.as_bytes(), path.as_bytes());
        let id = self.conn.send_request(&head, true).unwrap();
        let mut raw = Vec::new();
        let (mut fields, mut body, mut done) = (Vec::new(), Vec::new(), false);
        let deadline = Instant::now() + Duration::from_secs(10);
        while !done {
            assert!(Instant::now() < deadline, "no answer to {path}");
            raw.extend(self.round().expect("the server closed"));
            while let Some(ev) = self.conn.poll_event() {
                match ev {
                    Event::Response {
                        stream,
                        head,
                        end_stream,
                    } if stream == id => {
                        fields = head
                            .headers()
                            .map(|(n, v)| (n.to_vec(), v.to_vec()))
                            .collect();
                        done |= end_stream;
                    }
                    Event::Data {
                        stream, end_stream, ..
                    } if stream == id => {
                        while let Some(b) = self.conn.read_data(stream) {
                            body.extend_from_slice(&b);
                        }
                        done |= end_stream;
                    }
                    _ => {}
                }
            }
        }
        Answer {
            fields,
            body,
            block: headers_block(&raw),
        }
    }
}

/// The HPACK block of the one HEADERS frame in `raw` (the server sends it whole, unpadded).
fn headers_block(raw: &[u8]) -> Vec<u8> {
    let mut pos = 0;
    let mut blocks = Vec::new();
    while let Some(h) = frame::FrameHeader::parse(&raw[pos..]) {
        let start = pos + frame::HEADER_LEN;
        let end = start + h.len as usize;
        if h.kind == kind::HEADERS {
            blocks.push(raw[start..end].to_vec());
        }
        pos = end;
    }
    assert_eq!(blocks.len(), 1, "HEADERS frames in {raw:?}");
    blocks.remove(0)
}

fn start() -> Server {
    let config = ServerConfig {
        threads: 1,
        ..ServerConfig::default()
    };
    Server::bind("127.0.0.1:0".parse().unwrap(), config, handler).unwrap()
}

/// The client's Akamai HTTP/2 fingerprint as the server computed it, as the body.
fn akamai(req: &Request) -> Response {
    let fp = req.fingerprint().and_then(|f| f.h2.as_ref());
    Response::text(200, fp.map_or_else(String::new, |h2| h2.akamai.clone()))
}

#[test]
fn the_fingerprint_is_the_same_after_waking() {
    let config = ServerConfig {
        threads: 1,
        fingerprint: true,
        ..ServerConfig::default()
    };
    let server = Server::bind("127.0.0.1:0".parse().unwrap(), config, akamai).unwrap();
    let mut c = Client::connect(&server);
    let first = c.get("/fingerprint");
    // Our client's defaults (`Config::client`): its SETTINGS in order, its connection
    // WINDOW_UPDATE up to 4 MiB, no PRIORITY, `m,s,a,p`.
    assert_eq!(
        String::from_utf8_lossy(&first.body),
        "2:0;4:1048576;6:65536|4128769|0|m,s,a,p"
    );
    c.round();
    std::thread::sleep(Duration::from_millis(300));
    let second = c.get("/fingerprint");
    // It slept (our encoder's table was dropped) and woke with the same fingerprint.
    assert_eq!(&second.block[..4], &[0x20, 0x3f, 0xe1, 0x1f], "{second:?}");
    assert_eq!(second.body, first.body);
    drop(c);
    server.shutdown().unwrap();
}

#[test]
fn idle_connection_hibernates_and_answers_after_waking() {
    let server = start();
    let mut c = Client::connect(&server);
    let first = c.get("/one");
    assert_eq!(first.body, b"GET /one");
    assert!(
        first
            .fields
            .contains(&(b"x-served-by".to_vec(), b"the same server".to_vec()))
    );
    // A fresh encoder has nothing to signal: the first block has no size update.
    assert_ne!(first.block[0] & 0xe0, 0x20);
    // Our SETTINGS ACK goes out (a connection waiting for it does not hibernate).
    c.round();
    // Idle: it hibernates once the ACK is read. Let it.
    std::thread::sleep(Duration::from_millis(300));
    let second = c.get("/two");
    assert_eq!(second.body, b"GET /two");
    assert_eq!(second.fields, first.fields);
    assert_eq!(&second.block[..4], &[0x20, 0x3f, 0xe1, 0x1f], "{second:?}");
    // Awake again (and kept awake for a second of idleness now): indices.
    let third = c.get("/six");
    assert_eq!(third.fields, first.fields);
    assert_ne!(third.block[0] & 0xe0, 0x20);
    assert!(third.block.len() < second.block.len());
    drop(c);
    server.shutdown().unwrap();
}

/// A shutdown while the connection sleeps wakes it for its GOAWAY, and the server closes it.
#[test]
fn shutdown_wakes_a_hibernated_connection_for_its_goaway() {
    let server = start();
    let mut c = Client::connect(&server);
    assert_eq!(c.get("/").body, b"GET /");
    c.round();
    std::thread::sleep(Duration::from_millis(300));
    server.stopper().stop().unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut goaway = false;
    while Instant::now() < deadline {
        let open = c.round().is_some();
        while let Some(ev) = c.conn.poll_event() {
            goaway |= matches!(ev, Event::GoAway { .. });
        }
        if !open {
            break;
        }
    }
    assert!(goaway, "no GOAWAY from the server");
    server.join().unwrap();
}
