//! What the upload tests (`expect_continue.rs`, `request_trailers.rs`, `client_body.rs`,
//! `cli.rs`) share: their client, Python's `h2` as an h2c server (`tests/expect_h2_peer.py`,
//! from `SETUP_PEERS=1 . scripts/setup.sh`), and Python's reading of a multipart body and of
//! a SHA-256. Each test binary that includes this module uses part of it.
#![allow(dead_code)]

#[path = "peers.rs"]
mod peers;

use std::io::{BufRead as _, BufReader, Write as _};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use runtime_mio::client::{Client, ClientConfig, ClientTimeouts};
use runtime_mio::timer::Timeout;

/// A client speaking h2c with prior knowledge when `h2` (else HTTP/1.1) that waits `wait`
/// for `100 Continue`, and gives up on any request after 30 s (a hang guard).
pub(crate) fn client(h2: bool, wait: Timeout) -> Client {
    Client::new(ClientConfig {
        h2_prior_knowledge: h2,
        timeouts: ClientTimeouts {
            expect_continue: wait,
            // Hang guard.
            total: Timeout::After(Duration::from_secs(30)),
            ..ClientTimeouts::default()
        },
        ..ClientConfig::default()
    })
    .unwrap()
}

/// Python's `h2` server (`tests/expect_h2_peer.py`), h2c; its lines come through a channel
/// (a hang guard: a line that never comes fails the test after 20 s). Killed on drop.
pub(crate) struct PyPeer {
    child: Child,
    /// The port it listens on (127.0.0.1), its first line.
    pub(crate) port: u16,
    lines: mpsc::Receiver<String>,
}

impl PyPeer {
    /// Starts the peer and reads its port.
    pub(crate) fn start() -> PyPeer {
        let python = peers::python(&["h2"]);
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/expect_h2_peer.py");
        let mut child = Command::new(python)
            .arg(script)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let out = BufReader::new(child.stdout.take().unwrap());
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for l in out.lines() {
                let Ok(l) = l else { break };
                if tx.send(l.trim().to_owned()).is_err() {
                    break;
                }
            }
        });
        let mut peer = PyPeer {
            child,
            port: 0,
            lines,
        };
        peer.port = peer.line().parse().unwrap();
        peer
    }

    /// Its next line (trimmed): what it saw of a request.
    pub(crate) fn line(&mut self) -> String {
        self.lines
            .recv_timeout(Duration::from_secs(20))
            .expect("the peer printed no line")
    }
}

impl Drop for PyPeer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `python3 -c script args...` with `input` on its standard input; its standard output
/// (it must succeed, else the test fails with its standard error).
pub(crate) fn python(script: &str, args: &[&str], input: &[u8]) -> String {
    let mut p = Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    p.stdin.take().unwrap().write_all(input).unwrap();
    let out = p.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// `data`'s SHA-256 in hex, as Python's `hashlib` has it.
pub(crate) fn sha256(data: &[u8]) -> String {
    python(
        "import sys,hashlib;print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())",
        &[],
        data,
    )
    .trim()
    .to_owned()
}

/// Python's `email` parser on a multipart `body` of content type `content_type`: a line a
/// part, `name filename content-type length sha256` (Python's `None` for what is missing).
pub(crate) fn multipart_parts(content_type: &str, body: &[u8]) -> Vec<String> {
    const PARSE: &str = r#"
import sys, hashlib, email, email.policy
ct = sys.argv[1]
body = sys.stdin.buffer.read()
msg = email.message_from_bytes(b"Content-Type: " + ct.encode() + b"\r\n\r\n" + body, policy=email.policy.HTTP)
assert msg.is_multipart(), "not multipart"
for part in msg.iter_parts():
    name = part.get_param("name", header="content-disposition")
    filename = part.get_filename()
    data = part.get_payload(decode=True)
    print(name, filename, part.get_content_type(), len(data), hashlib.sha256(data).hexdigest())
"#;
    python(PARSE, &[content_type], body)
        .lines()
        .map(str::to_owned)
        .collect()
}
