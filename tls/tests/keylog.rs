//! Key logging happens only through a sink the caller sets on a config; the library reads no
//! environment variable, and a key log file it creates is readable by its owner only.

mod common;

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use common::*;
use tls::{KeyLog, KeyLogFile, TlsVersion};

/// A fresh directory for one test.
fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tls-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs the test named `child` of this binary in a child process, through `sh` so that `umask`
/// can be set, with `SSLKEYLOGFILE` set to `keylog`.
fn run_child(child: &str, umask: &str, keylog: &Path) {
    let status = std::process::Command::new("sh")
        .args([
            "-c",
            &format!("umask {umask} && exec \"$0\" --exact {child} --test-threads=1"),
        ])
        .arg(std::env::current_exe().unwrap())
        .env("SSLKEYLOGFILE", keylog)
        .status()
        .unwrap();
    assert!(status.success(), "child {child} failed");
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn collector() -> (Arc<Mutex<Vec<String>>>, Arc<dyn KeyLog>) {
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = lines.clone();
    (
        lines,
        Arc::new(move |l: &str| sink.lock().unwrap().push(l.to_owned())),
    )
}

/// In a child with SSLKEYLOGFILE set: handshakes with configs that set no key log (client and
/// server), and with a client whose key log is a callback. On its own (variable unset) it
/// checks the same handshakes work.
#[test]
fn default_configs_child() {
    let pki = pki();
    let server = server_builder(&pki.server).build().unwrap();
    let client = client_builder(&pki).build().unwrap();
    connect(&client, &server, "localhost");
    connect(&client, &server, "localhost");
    let (lines, log) = collector();
    let mut cb = client_builder(&pki);
    cb.key_log(log);
    connect(&cb.build().unwrap(), &server, "localhost");
    assert!(!lines.lock().unwrap().is_empty());
}

/// A config with no key log writes none, client or server, even with SSLKEYLOGFILE set; a
/// callback set on the client gets the lines and still nothing is written to the file.
#[test]
fn no_key_log_configured_writes_nothing_with_sslkeylogfile_set() {
    let dir = scratch("keylog-env");
    let file = dir.join("keys.log");
    run_child("default_configs_child", "022", &file);
    let written = std::fs::read_to_string(&file).ok();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(written, None, "a key log file was written");
}

/// In a child under umask 022 with SSLKEYLOGFILE set: the caller asks for the environment's
/// key log file explicitly and logs a client's keys to it; a control file made with
/// `File::create` shows what the umask alone gives.
#[test]
fn key_log_file_from_env_child() {
    let Some(path) = std::env::var_os("SSLKEYLOGFILE") else {
        return;
    };
    let path = PathBuf::from(path);
    std::fs::File::create(path.with_extension("control")).unwrap();
    let log = KeyLogFile::from_env()
        .unwrap()
        .expect("SSLKEYLOGFILE is set");
    let pki = pki();
    let mut cb = client_builder(&pki);
    cb.key_log(Arc::new(log));
    connect(
        &cb.build().unwrap(),
        &server_builder(&pki.server).build().unwrap(),
        "localhost",
    );
}

#[test]
fn key_log_file_is_created_0600_under_umask_022() {
    let dir = scratch("keylog-mode");
    let file = dir.join("keys.log");
    run_child("key_log_file_from_env_child", "022", &file);
    let control = mode(&file.with_extension("control"));
    let created = mode(&file);
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(control, 0o644, "the child ran under umask 022");
    assert_eq!(created, 0o600, "key log file mode {created:o}");
    assert!(
        text.lines()
            .any(|l| l.starts_with("CLIENT_HANDSHAKE_TRAFFIC_SECRET ")),
        "{text}"
    );
}

/// An existing file is appended to, and its mode is left alone (not widened to 0600).
#[test]
fn key_log_file_appends_and_keeps_an_existing_mode() {
    let dir = scratch("keylog-existing");
    let file = dir.join("keys.log");
    std::fs::write(&file, "# earlier line\n").unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o200)).unwrap();
    let log = KeyLogFile::create(&file).unwrap();
    log.log("CLIENT_RANDOM 00 11");
    drop(log);
    let kept = mode(&file);
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(kept, 0o200, "mode changed to {kept:o}");
    assert_eq!(text, "# earlier line\nCLIENT_RANDOM 00 11\n");
}

/// A client with a key log file gets NSS key log lines, one per secret per connection; the
/// server, which has none, adds nothing.
#[test]
fn client_key_log_file_gets_nss_lines() {
    let dir = scratch("keylog-nss");
    let file = dir.join("keys.log");
    let pki = pki();
    let server = server_builder(&pki.server).build().unwrap();
    for (version, labels) in [
        (
            TlsVersion::Tls13,
            &[
                "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
                "SERVER_HANDSHAKE_TRAFFIC_SECRET",
                "CLIENT_TRAFFIC_SECRET_0",
                "SERVER_TRAFFIC_SECRET_0",
            ][..],
        ),
        (TlsVersion::Tls12, &["CLIENT_RANDOM"][..]),
    ] {
        let _ = std::fs::remove_file(&file);
        let mut cb = client_builder(&pki);
        cb.versions(TlsVersion::Tls12, version)
            .key_log(Arc::new(KeyLogFile::create(&file).unwrap()));
        let (c, _) = connect(&cb.build().unwrap(), &server, "localhost");
        assert!(!c.is_resumed());
        let text = std::fs::read_to_string(&file).unwrap();
        for label in labels {
            let n = text
                .lines()
                .filter(|l| l.split(' ').next() == Some(label))
                .count();
            assert_eq!(n, 1, "{label} in {text}");
        }
        // NSS format: LABEL <64 hex client random> <hex secret>
        for l in text.lines() {
            let parts: Vec<&str> = l.split(' ').collect();
            assert_eq!(parts.len(), 3, "{l}");
            assert_eq!(parts[1].len(), 64, "{l}");
            assert!(
                parts[1..]
                    .iter()
                    .all(|p| p.bytes().all(|b| b.is_ascii_hexdigit())),
                "{l}"
            );
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A symbolic link at the key log path is refused, so secrets are not written through a link
/// to a file of someone else's choosing; the link's target stays untouched.
#[test]
fn key_log_file_refuses_a_symlink() {
    let dir = scratch("symlink");
    let target = dir.join("target.txt");
    std::fs::write(&target, b"").unwrap();
    let link = dir.join("keys.log");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let err = tls::KeyLogFile::create(&link).unwrap_err();
    assert_eq!(err.raw_os_error(), Some(libc::ELOOP), "{err}");
    assert_eq!(std::fs::read(&target).unwrap(), b"");
    // A regular file at the path is appended to.
    std::fs::remove_file(&link).unwrap();
    tls::KeyLogFile::create(&link).unwrap();
    assert!(std::fs::symlink_metadata(&link).unwrap().is_file());
}
