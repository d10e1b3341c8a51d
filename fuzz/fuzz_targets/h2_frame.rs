//! HTTP/2 frame decoding of arbitrary bytes: never a panic, the size limit holds, and every
//! frame decoded re-encodes to bytes that decode to the same frame.
#![no_main]

use libfuzzer_sys::fuzz_target;
use proto_h2::frame::{self, Frame};

fuzz_target!(|data: &[u8]| {
    let Some((&m, mut rest)) = data.split_first() else {
        return;
    };
    let max = frame::DEFAULT_MAX_FRAME_SIZE << (m % 4);
    while let Ok(Some((f, n))) = frame::decode(rest, max) {
        assert!(n >= frame::HEADER_LEN && n - frame::HEADER_LEN <= max as usize);
        let mut out = Vec::new();
        f.encode(&mut out);
        let (g, m) = frame::decode(&out, frame::MAX_MAX_FRAME_SIZE)
            .expect("our own encoding decodes")
            .expect("complete");
        assert_eq!(m, out.len());
        assert_eq!(f, g);
        // The vectored writer hands back exactly the payload the full writer copies.
        let mut head = Vec::new();
        let tail = f.encode_head(&mut head);
        head.extend_from_slice(tail.data);
        head.resize(head.len() + tail.padding as usize, 0);
        assert_eq!(head, out);
        if let Frame::Settings(s) = f {
            assert_eq!(s.iter().count() * 6, s.raw.len());
        }
        rest = &rest[n..];
    }
});
