//! h2spec's cases, server mode and client mode, from one table (`table.rs`), run in memory
//! against our server connection and our client connection.
//!
//! h2spec (github.com/summerwind/h2spec, release 2.6.0) tests a server with 146 cases (147
//! with `--strict`) and, as `h2spec client`, a client with 57. Most client cases are its
//! server cases of the same section seen from the other side; the table writes each such
//! case once and runs it against both roles. `H2SPEC.md` next to this directory lists every
//! case, generated from the table.
//!
//! The checks are h2spec's (see [`case::Expect`]): a connection error is a GOAWAY with the
//! code and the end of the connection; a stream error a RST_STREAM on the stream or a GOAWAY
//! with the code. h2spec also takes a bare TCP close as either; we always want the frame with
//! the right code, which is stricter. Every case runs three times: all of h2spec's writes in
//! one read, one frame per read (the application answers between frames), one byte per read.
//!
//! Each role is one test that runs every row the table has for it and fails, naming them,
//! when a case fails, and when fewer cases ran (or a case checked nothing) than the table
//! holds for the role.
//!
//! The same rows with a server id also run against the live server over TCP
//! (`runtime-mio/tests/h2spec_live.rs`, which includes `case.rs` and `table.rs` by path and
//! brings its own [`case::Target`]).

#[path = "../support/mod.rs"]
mod support;

mod case;
mod table;

use case::{Case, Role, Script, Step};
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::panic::{AssertUnwindSafe, catch_unwind};
use table::{CLIENT_CASES, SERVER_CASES, TABLE};

/// The rows the table has for `role`.
fn rows(role: Role) -> Vec<&'static Case> {
    TABLE.iter().filter(|c| c.id(role).is_some()).collect()
}

/// How many checks a case makes in one run: a case that checks nothing cannot pass.
fn checks(c: &Case) -> usize {
    match &c.script {
        Script::Fresh { expect, .. } => expect.len(),
        Script::Handshaken { steps, .. } => steps
            .iter()
            .filter(|s| matches!(s, Step::Expect(_)))
            .count(),
    }
}

/// Runs every case of `role`; fails unless all `expected` cases ran and passed.
fn run_role(role: Role, expected: usize) {
    let rows = rows(role);
    assert_eq!(
        rows.len(),
        expected,
        "{role:?}: the table holds {} cases, {expected} expected",
        rows.len()
    );
    let (mut ran, mut runs, mut failed) = (0, 0, Vec::new());
    for c in &rows {
        let id = c.id(role).expect("a row of this role");
        assert!(checks(c) > 0, "{id}: the case checks nothing");
        match catch_unwind(AssertUnwindSafe(|| case::run(c, role))) {
            Ok(n) => {
                ran += 1;
                runs += n;
            }
            Err(_) => {
                let requirement = match role {
                    Role::Server => c.requirement,
                    Role::Client => c.client_requirement.unwrap_or(c.requirement),
                };
                eprintln!(
                    "{id} failed: \"{}\"; requirement: \"{requirement}\"",
                    c.desc
                );
                failed.push(id);
            }
        }
    }
    assert!(
        failed.is_empty(),
        "{role:?}: {} of {expected} cases failed: {failed:?}",
        failed.len()
    );
    assert_eq!(
        ran, expected,
        "{role:?}: expected {expected} cases, ran {ran}"
    );
    println!("{role:?}: {ran} of {expected} h2spec cases passed ({runs} runs)");
}

/// Every row with a `server` id, against our server.
#[test]
fn server_role() {
    run_role(Role::Server, SERVER_CASES);
}

/// Every row with a `client` id, against our client.
#[test]
fn client_role() {
    run_role(Role::Client, CLIENT_CASES);
}

/// An id names one case per role, but for `client/4.3/1` (its intent and its bytes).
#[test]
fn ids_are_unique() {
    for role in [Role::Server, Role::Client] {
        let mut seen = BTreeSet::new();
        for c in rows(role) {
            let id = c.id(role).unwrap();
            assert!(seen.insert(id) || id == "client/4.3/1", "{id} twice");
        }
    }
}

/// `H2SPEC.md` is the table's; `H2SPEC_BLESS=1` rewrites it.
#[test]
fn h2spec_md_is_the_table() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/H2SPEC.md");
    let md = markdown();
    if std::env::var_os("H2SPEC_BLESS").is_some() {
        std::fs::write(path, &md).expect("write H2SPEC.md");
    }
    let on_disk = std::fs::read_to_string(path).expect("read H2SPEC.md");
    assert!(
        on_disk == md,
        "H2SPEC.md differs from the table; run H2SPEC_BLESS=1 cargo test -p proto-h2 --test h2spec"
    );
}

fn distinct(role: Role, main: bool) -> usize {
    rows(role)
        .iter()
        .filter(|c| !main || c.follows == case::Follows::V2_6_0)
        .map(|c| c.id(role).unwrap())
        .collect::<BTreeSet<_>>()
        .len()
}

fn markdown() -> String {
    let shared = TABLE
        .iter()
        .filter(|c| c.server.is_some() && c.client.is_some())
        .count();
    let mut m = String::new();
    let _ = write!(
        m,
        "# h2spec cases → tests

Generated from `h2spec/table.rs` by `H2SPEC_BLESS=1 cargo test -p proto-h2 --test h2spec`
(the test `h2spec_md_is_the_table` fails when this file and the table differ).

Every case follows [h2spec](https://github.com/summerwind/h2spec) **2.6.0**: its source at
the `v2.6.0` tag (`generic/`, `http2/`, `hpack/` for the server, `client/` for `h2spec
client`), bytes and expected reaction included; the rows below say otherwise where a case
follows another revision.

Each case is one row of the table in `h2spec/table.rs`: its h2spec id in server mode, its id
in client mode, the source it follows, h2spec's description and requirement, our note, the
frames h2spec writes and the reactions it waits for. A row with both ids is the same case in
both of h2spec's modes and runs against our server and our client; where h2spec's client case
sends the common request, it sends h2spec's common response instead (`:status 200`), and an
idle stream is 1 against the server and 2 against the client. {shared} rows are shared this way.
Where h2spec's client case sends other bytes or waits for something else than its server case,
it is a row of its own. The test `server_role` runs every row with a server id against our
server, `client_role` every row with a client id against our client; each fails when a case
fails, when a case checks nothing, and when fewer cases ran than the table holds for its role
({SERVER_CASES} server, {CLIENT_CASES} client). Each case runs three times: all of h2spec's
writes in one read, one frame per read, one byte per read (the three connection-preface cases
run once, on a fresh server).

**{} of 146 h2spec server cases covered** (all passing), plus the one `--strict` case
(`http2/5.4.1/2`; h2spec counts 147 with `--strict`) and one case found only in a later
revision of h2spec's source (`http2/5.1.1/3`).

**{} of 57 h2spec client cases covered** (all passing); `client/4.3/1` runs twice, as
its intent and as h2spec's bytes.

Revisions after 2.6.0 loosened four server cases: `generic/2/4`, `generic/3.4/1` and
`http2/7/2` also accept a connection close instead of the PING ACK (commit 3dd9398), and
`http2/5.1/1` also accepts a stream error (commit f03bb16). The cases keep 2.6.0's check.
Every case that waits for a PING ACK (h2spec's `VerifyPingFrameWithAck`,
`VerifyPingFrameOrConnectionClose`) checks that the ACK carries the payload sent.
`hpack/5.2/3` sends 2.6.0's bytes (commit ce109b0: EOS after the first symbols of the
value), not the earlier ones (EOS at the start).

Two shared cases check more than h2spec's client mode: `client/6.1/3` wants the connection
error of its requirement (h2spec checks a stream error), and `client/6.5.3/1` wants the
SETTINGS ACK with flags exactly ACK and an empty payload, as the server case does.

Where the h2spec source has an evident slip, the case follows its description:
`http2/8.1.2.3/7` (\"duplicated `:path`\") appends `:path: /`, where the source appends
`:method: /`; `client/4.3/1` is also sent as h2spec writes it (stream id little-endian).
`http2/8.1.2.1/3` sends the pseudo-header trailers without END_STREAM, as the source does;
`conformance.rs` has the variant with END_STREAM.

## Server

| h2spec id | follows | description | same case in client mode |
| --- | --- | --- | --- |
",
        distinct(Role::Server, true),
        distinct(Role::Client, false),
    );
    let server = rows(Role::Server);
    for c in server.iter().filter(|c| c.follows == case::Follows::V2_6_0) {
        let _ = writeln!(
            m,
            "| `{}` | {} | {} | {} |",
            c.server.unwrap(),
            c.follows.label(),
            c.desc,
            c.client.map_or(String::new(), |id| format!("`{id}`"))
        );
    }
    m.push_str(
        "\n### Beyond the 146\n\n| h2spec id | follows | description | same case in client mode | note |\n| --- | --- | --- | --- | --- |\n",
    );
    for c in server.iter().filter(|c| c.follows != case::Follows::V2_6_0) {
        let _ = writeln!(
            m,
            "| `{}` | {} | {} | {} | {} |",
            c.server.unwrap(),
            c.follows.label(),
            c.desc,
            c.client.map_or(String::new(), |id| format!("`{id}`")),
            c.note
        );
    }
    m.push_str(
        "\n## Client\n\n| h2spec id | follows | description | same case in server mode |\n| --- | --- | --- | --- |\n",
    );
    for c in rows(Role::Client) {
        let _ = writeln!(
            m,
            "| `{}` | {} | {} | {} |",
            c.client.unwrap(),
            c.follows.label(),
            c.desc,
            c.server
                .map_or("(own row)".to_string(), |id| format!("`{id}`"))
        );
    }
    m
}
