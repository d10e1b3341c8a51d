//! Response heads, strict and with the lenient obs-fold option (chosen by the first byte).
#![no_main]
use libfuzzer_sys::fuzz_target;
use proto_h1::{Config, EMPTY_HEADER, Limits, Response, Status, response_framing};

fuzz_target!(|data: &[u8]| {
    let Some((&first, data)) = data.split_first() else {
        return;
    };
    let config = Config {
        allow_obs_fold_in_responses: first & 1 == 1,
        ..Config::default()
    };
    let mut slots = [EMPTY_HEADER; 32];
    let mut res = Response::new(&mut slots);
    if let Ok(Status::Complete(n)) = res.parse_with(data, &config) {
        assert!(n <= data.len());
        assert!((100..=999).contains(&res.code));
        let method = if first & 2 == 2 { "HEAD" } else { "GET" };
        let _ = response_framing(
            method,
            res.code,
            res.version,
            res.headers().iter().copied(),
            &Limits::default(),
        );
    }
});
