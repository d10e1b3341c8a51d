//! Running the `wire` binary from a test without the machine's proxies: curl's proxy
//! variables are removed from its environment, so a test machine's own `http_proxy` cannot
//! carry our loopback requests (`wire` honours them as curl does).

use std::process::Command;

/// The proxy variables curl reads (`NO_PROXY` too).
pub(crate) const PROXY_VARS: [&str; 8] = [
    "http_proxy",
    "HTTP_PROXY",
    "https_proxy",
    "HTTPS_PROXY",
    "all_proxy",
    "ALL_PROXY",
    "no_proxy",
    "NO_PROXY",
];

/// `wire` (this package's binary), without [`PROXY_VARS`] in its environment.
pub(crate) fn wire_command() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wire"));
    for v in PROXY_VARS {
        cmd.env_remove(v);
    }
    cmd
}
