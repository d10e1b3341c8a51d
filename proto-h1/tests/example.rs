//! Runs `examples/h1_parse.rs` on a few inputs and checks its JSON lines and exit status.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

fn example() -> PathBuf {
    // `cargo test` builds examples next to the test binaries' directory.
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().parent().unwrap().join("examples");
    let path = dir.join(format!("h1_parse{}", std::env::consts::EXE_SUFFIX));
    // Build it explicitly: `cargo test --test example` alone does not rebuild examples.
    {
        let status = Command::new(env!("CARGO"))
            .args(["build", "-q", "-p", "proto-h1", "--example", "h1_parse"])
            .status()
            .unwrap();
        assert!(status.success());
    }
    path
}

fn run(args: &[&str], input: &[u8]) -> (bool, Vec<String>) {
    let mut child = Command::new(example())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    (
        out.status.success(),
        text.lines().map(String::from).collect(),
    )
}

#[test]
fn request_events() {
    let (ok, lines) = run(
        &[],
        b"POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
    );
    assert!(ok);
    assert_eq!(
        lines,
        [
            r#"{"event":"head","method":"POST","target":"/a","version":"HTTP/1.1","headers":[["Host","x"],["Content-Length","5"]]}"#,
            r#"{"event":"body","len":5}"#,
            r#"{"event":"end"}"#,
        ]
    );
}

#[test]
fn response_events_and_errors() {
    let (ok, lines) = run(
        &["--response"],
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX: 1\r\n\r\n",
    );
    assert!(ok);
    assert_eq!(lines[1], r#"{"event":"body","len":3}"#);
    assert_eq!(lines[2], r#"{"event":"end","trailers":[["X","1"]]}"#);

    let (ok, lines) = run(
        &[],
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
    );
    assert!(!ok);
    assert_eq!(
        lines.last().unwrap(),
        r#"{"error":"content_length_with_transfer_encoding","status":400}"#
    );

    let (ok, lines) = run(
        &[],
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc",
    );
    assert!(!ok);
    assert_eq!(
        lines.last().unwrap(),
        r#"{"error":"unexpected_eof","status":400}"#
    );
}
