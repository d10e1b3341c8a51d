//! Request heads: any bytes give Complete, Partial or a typed error, never a panic; a complete
//! head's framing decision never panics either.
#![no_main]
use libfuzzer_sys::fuzz_target;
use proto_h1::{Config, EMPTY_HEADER, Limits, Request, Status, request_framing};

fuzz_target!(|data: &[u8]| {
    let mut slots = [EMPTY_HEADER; 32];
    let mut req = Request::new(&mut slots);
    if let Ok(Status::Complete(n)) = req.parse_with(data, &Config::default()) {
        assert!(n <= data.len());
        assert!(!req.method.is_empty() && !req.target.is_empty());
        for h in req.headers() {
            assert!(!h.name.is_empty());
        }
        let _ = request_framing(
            req.version,
            req.headers().iter().copied(),
            &Limits::default(),
        );
    }
});
