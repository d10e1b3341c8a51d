//! Chunked decoding with the input cut in two at a fuzzed point: the body and the outcome do
//! not depend on the cut, and data never exceeds the input.
#![no_main]
use libfuzzer_sys::fuzz_target;
use proto_h1::{Chunk, ChunkedDecoder, Limits};

fn decode(parts: &[&[u8]]) -> (Vec<u8>, Option<bool>) {
    let mut dec = ChunkedDecoder::new(&Limits::default());
    let mut body = Vec::new();
    let mut pending = Vec::new();
    for part in parts {
        pending.extend_from_slice(part);
        loop {
            match dec.decode(&pending) {
                Err(_) => return (body, Some(false)),
                Ok((n, ev)) => {
                    let stop = match ev {
                        Some(Chunk::Data(d)) => {
                            body.extend_from_slice(d);
                            false
                        }
                        Some(Chunk::End { .. }) => {
                            pending.drain(..n);
                            return (body, Some(true));
                        }
                        None => true,
                    };
                    pending.drain(..n);
                    if stop {
                        break;
                    }
                }
            }
        }
    }
    (body, None)
}

fuzz_target!(|data: &[u8]| {
    let Some((&cut, data)) = data.split_first() else {
        return;
    };
    let cut = (cut as usize).min(data.len());
    let whole = decode(&[data]);
    assert!(whole.0.len() <= data.len());
    let split = decode(&[&data[..cut], &data[cut..]]);
    // A split can only delay an error or the end, never change the bytes decoded before it.
    if whole.1 == Some(true) {
        assert_eq!(split, whole);
    }
    if split.1.is_none() && whole.1.is_none() {
        assert_eq!(split.0, whole.0);
    }
});
