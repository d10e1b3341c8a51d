//! Differential against httparse: whatever httparse rejects as malformed we reject too, and
//! when both parse a head completely they agree on every part of it.
#![no_main]
use libfuzzer_sys::fuzz_target;
use proto_h1::{EMPTY_HEADER, Request, Response, Status, Version};

fuzz_target!(|data: &[u8]| {
    let mut th = [httparse::EMPTY_HEADER; 16];
    let mut theirs = httparse::Request::new(&mut th);
    let t = theirs.parse(data);
    let mut oh = [EMPTY_HEADER; 16];
    let mut ours = Request::new(&mut oh);
    let o = ours.parse(data);
    match (t, o) {
        (Err(_), Ok(Status::Complete(_))) => panic!("httparse rejects a request we accept"),
        (Ok(httparse::Status::Complete(n)), Ok(Status::Complete(m))) => {
            assert_eq!(n, m);
            assert_eq!(theirs.method, Some(ours.method));
            assert_eq!(theirs.path, Some(ours.target));
            assert_eq!(
                theirs.version,
                Some(if ours.version == Version::Http10 {
                    0
                } else {
                    1
                })
            );
            assert_eq!(theirs.headers.len(), ours.headers().len());
            for (a, b) in theirs.headers.iter().zip(ours.headers()) {
                assert_eq!((a.name, a.value), (b.name, b.value));
            }
        }
        _ => {}
    }
    let mut th = [httparse::EMPTY_HEADER; 16];
    let mut theirs = httparse::Response::new(&mut th);
    let t = theirs.parse(data);
    let mut oh = [EMPTY_HEADER; 16];
    let mut ours = Response::new(&mut oh);
    let o = ours.parse(data);
    match (t, o) {
        (Err(_), Ok(Status::Complete(_))) => panic!("httparse rejects a response we accept"),
        (Ok(httparse::Status::Complete(n)), Ok(Status::Complete(m))) => {
            assert_eq!(n, m);
            assert_eq!(theirs.code, Some(ours.code));
            assert_eq!(theirs.headers.len(), ours.headers().len());
            for (a, b) in theirs.headers.iter().zip(ours.headers()) {
                assert_eq!((a.name, a.value), (b.name, b.value));
            }
        }
        _ => {}
    }
});
