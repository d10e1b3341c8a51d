//! Runs the `sse_parse` example (cargo builds examples before integration tests).

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// The example's binary, (re)built here: `cargo test --test example` does not build examples,
/// and a stale one would be tested otherwise.
fn example() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().parent().unwrap();
    let path = dir
        .join("examples")
        .join(format!("sse_parse{}", std::env::consts::EXE_SUFFIX));
    {
        let mut cargo = Command::new(env!("CARGO"));
        cargo.args(["build", "-q", "-p", "proto-sse", "--example", "sse_parse"]);
        if dir.ends_with("release") {
            cargo.arg("--release");
        }
        assert!(
            cargo.status().unwrap().success(),
            "building the example failed"
        );
    }
    path
}

fn run(args: &[&str], input: &[u8]) -> (String, i32) {
    let mut child = Command::new(example())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the sse_parse example is built by cargo test");
    child.stdin.take().unwrap().write_all(input).unwrap();
    let out = child.wait_with_output().unwrap();
    (
        String::from_utf8(out.stdout).unwrap(),
        out.status.code().unwrap_or(-1),
    )
}

#[test]
fn prints_one_json_line_per_event() {
    let input = "\u{FEFF}event: add\nid: 7\nretry: 50\ndata: \"quoted\"\ndata: \\ and \u{2026}\n\ndata: tab\t\0\r\n\r\ndata: partial";
    let (out, code) = run(&[], input.as_bytes());
    assert_eq!(code, 0);
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        lines,
        [
            serde_json::json!({"type": "add", "data": "\"quoted\"\n\\ and \u{2026}", "id": "7", "retry": 50}),
            serde_json::json!({"type": "message", "data": "tab\t\0", "id": "7", "retry": null}),
        ]
    );
}

#[test]
fn flush_flag_dispatches_the_incomplete_event() {
    let (out, code) = run(&["--flush"], b"data: a\n\ndata: partial");
    assert_eq!(code, 0);
    assert_eq!(out.lines().count(), 2);
    assert!(out.lines().nth(1).unwrap().contains("\"partial\""));
}

#[test]
fn keys_in_order_and_escapes_exact() {
    let (out, _) = run(&[], b"event: a\x01\ndata: \"x\\\n\n");
    assert_eq!(
        out,
        "{\"type\":\"a\\u0001\",\"data\":\"\\\"x\\\\\",\"id\":\"\",\"retry\":null}\n"
    );
}
