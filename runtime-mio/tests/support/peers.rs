//! The loopback peers kit (`../shared/peers/install.sh`, which `SETUP_PEERS=1 . scripts/setup.sh`
//! runs, as `scripts/test.sh` does): where it lives, and a failing test that says how to
//! install it when a peer is missing. Each test binary that includes this module uses part of it.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;

/// How the peers are installed: the end of every "peer missing" failure.
pub(crate) const MISSING: &str = "the peers are installed by `SETUP_PEERS=1 . scripts/setup.sh` \
                                  (../shared/peers/install.sh), as scripts/test.sh does";

/// The kit's directory by `scripts/setup.sh`'s rule: `$PEERS_DIR`, else
/// `$TMPDIR/http-engine-peers`, else `/tmp/http-engine-peers`.
pub(crate) fn peers_dir() -> PathBuf {
    match std::env::var_os("PEERS_DIR") {
        Some(d) => PathBuf::from(d),
        None => std::env::var_os("TMPDIR")
            .map_or_else(|| PathBuf::from("/tmp"), PathBuf::from)
            .join("http-engine-peers"),
    }
}

/// A file of the kit (`venv/bin/hypercorn`, `py/ws_echo_server.py`); fails, saying how to
/// install it, when it is not there.
pub(crate) fn kit_file(rel: &str) -> PathBuf {
    let p = peers_dir().join(rel);
    assert!(p.exists(), "no {}: {MISSING}", p.display());
    p
}

/// The kit's Python (`venv/bin/python`), which must import every one of `modules`; fails,
/// saying how to install it, when it cannot.
pub(crate) fn python(modules: &[&str]) -> PathBuf {
    let python = kit_file("venv/bin/python");
    for module in modules {
        let imports = Command::new(&python)
            .args(["-c", &format!("import {module}")])
            .status()
            .is_ok_and(|s| s.success());
        assert!(
            imports,
            "{} cannot import {module}: {MISSING}",
            python.display()
        );
    }
    python
}

/// Fails, saying how to install it, unless `tool --version` runs and succeeds (curl, nghttp,
/// h2load: the kit puts them on `PATH`).
pub(crate) fn need(tool: &str) {
    let runs = Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(runs, "{tool} not installed: {MISSING}");
}
