//! `wire serve` (this package's binary) as a child process: started on a free loopback port,
//! its address read from its first line (`listening on http://IP:PORT`), its certificate's
//! path from its second under `--tls` (`certificate: PATH`), killed and its certificate
//! removed on drop. Each test binary that includes this module uses part of it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `wire serve`.
pub(crate) struct WireServe {
    child: Child,
    /// `IP:PORT` it listens on.
    pub(crate) addr: String,
    /// `--tls`: the path of the certificate it generated.
    cert: Option<String>,
    /// Kept open: the server may print more, and a closed pipe would fail its writes.
    _stdout: BufReader<ChildStdout>,
}

impl WireServe {
    /// `wire serve --listen 127.0.0.1:0 ARGS...`.
    pub(crate) fn start(args: &[&str]) -> WireServe {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_wire"));
        cmd.args(["serve", "--listen", "127.0.0.1:0"]).args(args);
        WireServe::spawn(cmd, args)
    }

    /// As [`WireServe::start`], its standard error written to `stderr` (to look for panics
    /// afterwards).
    pub(crate) fn start_with_stderr(args: &[&str], stderr: std::fs::File) -> WireServe {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_wire"));
        cmd.args(["serve", "--listen", "127.0.0.1:0"])
            .args(args)
            .stderr(stderr);
        WireServe::spawn(cmd, args)
    }

    /// As [`WireServe::start`], with the server's soft limit on open files set to `limit`
    /// first (a number, or shell that prints one, such as `$(ulimit -Hn)`).
    pub(crate) fn start_with_file_limit(limit: &str, args: &[&str]) -> WireServe {
        let mut cmd = Command::new("sh");
        cmd.args([
            "-c",
            &format!(r#"ulimit -n "{limit}" && exec "$0" "$@""#),
            env!("CARGO_BIN_EXE_wire"),
            "serve",
            "--listen",
            "127.0.0.1:0",
        ])
        .args(args);
        WireServe::spawn(cmd, args)
    }

    fn spawn(mut cmd: Command, args: &[&str]) -> WireServe {
        let mut child = cmd.stdout(Stdio::piped()).spawn().unwrap();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        let addr = line
            .trim()
            .strip_prefix("listening on http://")
            .or_else(|| line.trim().strip_prefix("listening on https://"))
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_owned();
        let cert = args.contains(&"--tls").then(|| {
            let mut l = String::new();
            out.read_line(&mut l).unwrap();
            l.trim()
                .strip_prefix("certificate: ")
                .unwrap_or_else(|| panic!("unexpected second line {l:?}"))
                .to_owned()
        });
        WireServe {
            child,
            addr,
            cert,
            _stdout: out,
        }
    }

    /// The port it listens on.
    pub(crate) fn port(&self) -> &str {
        self.addr.rsplit(':').next().unwrap()
    }

    /// The path of the certificate `--tls` generated; panics without `--tls`.
    pub(crate) fn cert_path(&self) -> &str {
        self.cert
            .as_deref()
            .expect("wire serve was started without --tls")
    }

    /// The certificate `--tls` generated, as PEM, or `None` without `--tls`.
    pub(crate) fn cert_pem(&self) -> Option<Vec<u8>> {
        self.cert.as_ref().map(|p| std::fs::read(p).unwrap())
    }

    /// The server's process.
    pub(crate) fn child(&mut self) -> &mut Child {
        &mut self.child
    }

    /// The server's process id.
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Open descriptors of the server process.
    pub(crate) fn fds(&self) -> usize {
        std::fs::read_dir(format!("/proc/{}/fd", self.pid()))
            .unwrap()
            .count()
    }

    /// Threads of the server process (the `Threads:` line of `/proc/PID/status`).
    pub(crate) fn threads(&self) -> usize {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix("Threads:"))
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    }

    /// Panics when the server has exited (crashed or ended).
    pub(crate) fn assert_alive(&mut self) {
        assert!(
            self.child.try_wait().unwrap().is_none(),
            "wire serve exited"
        );
    }

    /// Waits (up to 10 s) until the server holds `fds` descriptors and `threads` threads.
    pub(crate) fn settle(&self, fds: usize, threads: usize) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let (f, t) = (self.fds(), self.threads());
            if f == fds && t == threads {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "after 10 s the server holds {f} descriptors and {t} threads, {fds} and {threads} before"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for WireServe {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(c) = &self.cert {
            let _ = std::fs::remove_file(Path::new(c));
        }
    }
}
