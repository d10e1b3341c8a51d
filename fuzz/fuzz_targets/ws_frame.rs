//! proto-ws frame headers and the receive path on arbitrary bytes. The first byte picks the
//! role and whether permessage-deflate is on; the second drives the chunking. Invariants: no
//! panic; a decoded header re-encodes to the same bytes; chunked and whole feeding agree.
#![no_main]

use libfuzzer_sys::fuzz_target;
use proto_ws::{Config, Connection, DeflateParams, FrameHeader, Role};

fn run(cfg: Config, server: bool, data: &[u8], step: usize) -> Vec<String> {
    let mut conn = if server {
        Connection::server(cfg)
    } else {
        Connection::client_predictable(cfg, 1)
    };
    let mut log = Vec::new();
    for chunk in data.chunks(step.max(1)) {
        let mut rest = chunk;
        while !rest.is_empty() {
            match conn.recv(rest) {
                Ok(n) => rest = &rest[n..],
                Err(e) => {
                    log.push(format!("{e:?}"));
                    return log;
                }
            }
            loop {
                match conn.poll_event() {
                    Ok(Some(ev)) => log.push(format!("{ev:?}")),
                    Ok(None) => break,
                    Err(e) => {
                        log.push(format!("{e:?}"));
                        return log;
                    }
                }
            }
        }
    }
    log
}

fuzz_target!(|data: &[u8]| {
    let [flags, step, rest @ ..] = data else {
        return;
    };
    let role = if flags & 1 == 1 {
        Role::Server
    } else {
        Role::Client
    };
    if let Ok(Some((h, n))) = FrameHeader::decode(rest, role) {
        let mut out = Vec::new();
        h.encode(&mut out);
        assert_eq!(out.as_slice(), &rest[..n]);
    }
    let deflate = (flags & 2 == 2).then_some(DeflateParams {
        server_no_context_takeover: flags & 4 == 4,
        client_no_context_takeover: flags & 8 == 8,
        server_max_window_bits: 15,
        client_max_window_bits: 15,
        level: 1,
    });
    let cfg = Config::default()
        .max_message_size(1 << 16)
        .max_frame_size(1 << 16)
        .deflate(deflate);
    let whole = run(cfg, role == Role::Server, rest, rest.len());
    let chunked = run(cfg, role == Role::Server, rest, usize::from(*step % 17) + 1);
    assert_eq!(whole, chunked);
});
