//! The frame codec allocates nothing: decoding borrows from the input, and the head writer
//! appends into the caller's buffer (shown with a counting global allocator; this file is its
//! own test binary).

use proto_h2::frame::{self, Data, Frame, StreamId, WindowUpdate};
use test_support::alloc::{CountingAllocator, Measure};

#[global_allocator]
static ALLOC: CountingAllocator = CountingAllocator::new();

#[test]
fn decode_and_head_writes_allocate_nothing() {
    let body = vec![9u8; 16 * 1024];
    let mut wire = Vec::new();
    for i in 0..32u32 {
        Frame::Data(Data::new(StreamId::new(1 + 2 * i), &body, i == 31)).encode(&mut wire);
        Frame::WindowUpdate(WindowUpdate {
            stream: StreamId::ZERO,
            increment: 1 + i,
        })
        .encode(&mut wire);
    }
    wire.extend(
        frame::Builder::new(frame::kind::SETTINGS, 0)
            .setting(4, 1 << 20)
            .setting(1, 0)
            .build(),
    );
    let mut out = Vec::with_capacity(4096);

    let m = Measure::start();
    let mut pos = 0;
    let mut data = 0;
    let mut frames = 0;
    while let Ok(Some((f, n))) = frame::decode(&wire[pos..], frame::DEFAULT_MAX_FRAME_SIZE) {
        frames += 1;
        match f {
            Frame::Data(d) => {
                data += d.data.len();
                let tail = Frame::Data(d).encode_head(&mut out);
                assert_eq!(tail.data.len(), d.data.len());
            }
            Frame::Settings(s) => frames += s.iter().count(),
            _ => {}
        }
        pos += n;
    }
    let allocations = m.stats().allocations;

    assert_eq!(frames, 65 + 2);
    assert_eq!(data, 32 * 16 * 1024);
    assert_eq!(out.len(), 32 * frame::HEADER_LEN);
    assert_eq!(
        allocations, 0,
        "allocations while decoding and writing heads"
    );
}
