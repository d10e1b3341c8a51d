//! Unit tests of the frame codec.

use super::*;
use proptest::prelude::*;

fn roundtrip(f: Frame<'_>) {
    let mut out = Vec::new();
    f.encode(&mut out);
    let (g, n) = decode(&out, MAX_MAX_FRAME_SIZE).unwrap().unwrap();
    assert_eq!(n, out.len());
    assert_eq!(f, g);
    for cut in 0..out.len() {
        assert_eq!(decode(&out[..cut], MAX_MAX_FRAME_SIZE), Ok(None));
    }
    // The head writer plus the tail it hands back writes the same octets.
    let mut split = Vec::new();
    let tail = f.encode_head(&mut split);
    split.extend_from_slice(tail.data);
    split.resize(split.len() + usize::from(tail.padding), 0);
    assert_eq!(split, out);
}

#[test]
fn every_type_roundtrips() {
    let s = StreamId::new(3);
    let p = Priority {
        exclusive: true,
        dependency: StreamId::new(1),
        weight: 255,
    };
    roundtrip(Frame::Data(Data {
        stream: s,
        end_stream: true,
        data: b"abc",
        pad: Some(4),
    }));
    roundtrip(Frame::Data(Data::new(s, b"", false)));
    roundtrip(Frame::Headers(Headers {
        stream: s,
        end_stream: false,
        end_headers: true,
        priority: Some(p),
        block: b"\x82",
        pad: Some(2),
    }));
    roundtrip(Frame::Priority(PriorityFrame {
        stream: s,
        priority: p,
    }));
    roundtrip(Frame::RstStream(RstStream {
        stream: s,
        code: ErrorCode(0xdead),
    }));
    roundtrip(Frame::Settings(Settings {
        ack: false,
        raw: &[0, 4, 0, 0, 1, 0],
    }));
    roundtrip(Frame::Settings(Settings {
        ack: true,
        raw: &[],
    }));
    roundtrip(Frame::PushPromise(PushPromise {
        stream: s,
        promised: StreamId::new(2),
        end_headers: false,
        block: b"xy",
        pad: None,
    }));
    roundtrip(Frame::Ping(Ping {
        ack: true,
        payload: *b"12345678",
    }));
    roundtrip(Frame::GoAway(GoAway {
        last_stream: s,
        code: ErrorCode::ENHANCE_YOUR_CALM,
        debug: b"calm",
    }));
    roundtrip(Frame::WindowUpdate(WindowUpdate {
        stream: StreamId::ZERO,
        increment: 0x7fff_ffff,
    }));
    roundtrip(Frame::Continuation(Continuation {
        stream: s,
        end_headers: true,
        block: b"zz",
    }));
    roundtrip(Frame::Unknown(Unknown {
        kind: 0xfa,
        flags: 0xff,
        stream: s,
        payload: b"?",
    }));
}

#[test]
fn rules_of_section_4_and_6() {
    let d = |b: Vec<u8>| decode(&b, DEFAULT_MAX_FRAME_SIZE).map(|o| o.map(|(_, n)| n));
    assert!(matches!(
        d(Builder::new(kind::DATA, 1).payload(&[0; 16385]).build()),
        Err(FrameError::TooLarge { len: 16385, .. })
    ));
    // The limit is checked from the header alone.
    let big = Builder::new(kind::DATA, 1).declared_len(20000).build();
    assert!(matches!(d(big), Err(FrameError::TooLarge { .. })));
    assert_eq!(
        d(Builder::new(kind::DATA, 0).build()),
        Err(FrameError::StreamIdRequired { kind: 0 })
    );
    assert!(matches!(
        d(Builder::new(kind::PING, 1).payload(&[0; 8]).build()),
        Err(FrameError::StreamIdForbidden { .. })
    ));
    let e = d(Builder::new(kind::PRIORITY, 1).payload(&[0; 4]).build()).unwrap_err();
    assert_eq!(e.stream_error(), Some(StreamId::new(1)));
    assert_eq!(e.code(), ErrorCode::FRAME_SIZE_ERROR);
    let e = d(Builder::new(kind::DATA, 1)
        .flags(flag::PADDED)
        .payload(&[4, 0, 0, 0])
        .build())
    .unwrap_err();
    assert_eq!(e.code(), ErrorCode::PROTOCOL_ERROR);
    assert_eq!(e.stream_error(), None);
    let e = d(Builder::new(kind::WINDOW_UPDATE, 5).u32(0).build()).unwrap_err();
    assert_eq!(e.stream_error(), Some(StreamId::new(5)));
    let e = d(Builder::new(kind::WINDOW_UPDATE, 0).u32(0).build()).unwrap_err();
    assert_eq!(e.stream_error(), None);
    let e = d(Builder::new(kind::SETTINGS, 0)
        .flags(flag::ACK)
        .setting(1, 1)
        .build())
    .unwrap_err();
    assert_eq!(e.code(), ErrorCode::FRAME_SIZE_ERROR);
    assert!(d(Builder::new(kind::SETTINGS, 0).payload(&[0; 5]).build()).is_err());
    let e = d(Builder::new(kind::PRIORITY, 3).u32(3).payload(&[0]).build()).unwrap_err();
    assert_eq!(
        e,
        FrameError::SelfDependency {
            stream: StreamId::new(3)
        }
    );
    // Reserved bit is ignored, undefined flags are ignored.
    let ping = Builder::new(kind::PING, 0)
        .flags(0xfe)
        .payload(&[1; 8])
        .build();
    let (f, _) = decode(&ping, 16384).unwrap().unwrap();
    assert_eq!(
        f,
        Frame::Ping(Ping {
            ack: false,
            payload: [1; 8]
        })
    );
    let data = Builder::new(kind::DATA, 0x8000_0001).build();
    let (f, _) = decode(&data, 16384).unwrap().unwrap();
    assert_eq!(f.stream(), StreamId::new(1));
}

#[test]
fn head_writer_leaves_payload_out() {
    let body = vec![7u8; 1000];
    let mut out = Vec::new();
    let t = Frame::Data(Data {
        stream: StreamId::new(1),
        end_stream: false,
        data: &body,
        pad: Some(3),
    })
    .encode_head(&mut out);
    assert_eq!(out.len(), HEADER_LEN + 1);
    assert_eq!(t.data.as_ptr(), body.as_ptr());
    assert_eq!(t.padding, 3);
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(b in proptest::collection::vec(any::<u8>(), 0..64), max in 0u32..100) {
        let _ = decode(&b, max);
    }

    #[test]
    fn header_bytes_roundtrip(len in 0u32..1 << 24, kind: u8, flags: u8, raw_stream: u32, tail in proptest::collection::vec(any::<u8>(), 0..4)) {
        let h = FrameHeader { len, kind, flags, stream: StreamId::new(raw_stream) };
        let bytes = h.to_bytes();
        let mut appended = Vec::new();
        h.encode(&mut appended);
        prop_assert_eq!(&appended[..], &bytes[..]);
        let mut slot = [0u8; HEADER_LEN];
        h.encode_into(&mut slot);
        prop_assert_eq!(slot, bytes);
        prop_assert_eq!(FrameHeader::from_bytes(&bytes), h);
        // The reserved bit on the wire is dropped when parsing.
        let mut wire = Builder::new(kind, raw_stream).flags(flags).declared_len(len).build();
        prop_assert_eq!(&wire[..5], &bytes[..5]);
        wire.extend_from_slice(&tail);
        prop_assert_eq!(FrameHeader::parse(&wire), Some(h));
        prop_assert_eq!(FrameHeader::parse(&wire[..HEADER_LEN - 1]), None);
    }

    #[test]
    fn data_head_writers_agree(len in 0usize..300, pad in proptest::option::of(any::<u8>()), es: bool, id in 1u32..0x7fff_ffff) {
        let body = vec![3u8; len];
        let d = Data { stream: StreamId::new(id), end_stream: es, data: &body, pad };
        let (mut via_frame, mut via_data) = (vec![1, 2], vec![1, 2]);
        let t1 = Frame::Data(d).encode_head(&mut via_frame);
        let t2 = d.encode_head(&mut via_data);
        prop_assert_eq!(t1, t2);
        prop_assert_eq!(&via_frame, &via_data);
        prop_assert_eq!(via_data.len(), 2 + HEADER_LEN + usize::from(pad.is_some()));
    }

    #[test]
    fn data_roundtrip(data in proptest::collection::vec(any::<u8>(), 0..300), pad in proptest::option::of(any::<u8>()), es: bool, id in 1u32..0x7fff_ffff) {
        let f = Frame::Data(Data { stream: StreamId::new(id), end_stream: es, data: &data, pad });
        let mut out = Vec::new();
        f.encode(&mut out);
        let (g, n) = decode(&out, MAX_MAX_FRAME_SIZE).unwrap().unwrap();
        prop_assert_eq!(n, out.len());
        prop_assert_eq!(f, g);
    }

    #[test]
    fn stream_of_frames_split_anywhere(cuts in proptest::collection::vec(0usize..200, 0..6)) {
        let mut wire = Vec::new();
        Frame::Ping(Ping { ack: false, payload: [9; 8] }).encode(&mut wire);
        Frame::Data(Data::new(StreamId::new(1), &[5; 40], true)).encode(&mut wire);
        Frame::WindowUpdate(WindowUpdate { stream: StreamId::new(1), increment: 9 }).encode(&mut wire);
        // Feeding in any chunking gives the same frames as the whole buffer.
        let mut whole = Vec::new();
        let mut pos = 0;
        while let Some((f, n)) = decode(&wire[pos..], 16384).unwrap() { whole.push(format!("{f:?}")); pos += n; }
        let mut buf = Vec::new();
        let mut got = Vec::new();
        let mut cuts = cuts.clone();
        cuts.sort();
        let mut last = 0;
        for c in cuts.into_iter().map(|c| c.min(wire.len())).chain([wire.len()]) {
            buf.extend_from_slice(&wire[last..c]);
            last = c;
            loop {
                let r = decode(&buf, 16384).unwrap();
                let Some((f, n)) = r else { break };
                got.push(format!("{f:?}"));
                buf.drain(..n);
            }
        }
        prop_assert_eq!(whole, got);
    }
}
