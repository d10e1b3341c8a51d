//! Chunk-size lines of every length and case between chunks (the decoder's fast path reads
//! one to four hex digits from an 8-byte window; longer ones take the general path), and a
//! bad byte at each position of such a line.

use proto_h1::{Chunk, ChunkedDecoder, Limits};

fn decode(input: &[u8]) -> Result<Vec<u8>, proto_h1::Error> {
    let mut dec = ChunkedDecoder::new(&Limits::default());
    let mut body = Vec::new();
    let mut i = 0;
    loop {
        let (n, ev) = dec.decode(&input[i..])?;
        i += n;
        match ev {
            Some(Chunk::Data(d)) => body.extend_from_slice(d),
            Some(Chunk::End { .. }) => return Ok(body),
            None => return Err(proto_h1::Error::UnexpectedEof),
        }
    }
}

#[test]
fn sizes_of_every_width_and_case_between_chunks() {
    for size in [
        1usize, 9, 10, 15, 16, 0xab, 0xfff, 0x1000, 0xBEEF, 0x10000, 0x12345,
    ] {
        for line in [
            format!("{size:x}"),
            format!("{size:X}"),
            format!("{size:06x}"),
            format!("0{size:X}"),
        ] {
            let data: Vec<u8> = (0..size).map(|i| b'a' + (i % 26) as u8).collect();
            let mut input = b"1\r\nz\r\n".to_vec();
            input.extend_from_slice(line.as_bytes());
            input.extend_from_slice(b"\r\n");
            input.extend_from_slice(&data);
            input.extend_from_slice(b"\r\n0\r\n\r\n");
            let body = decode(&input).unwrap_or_else(|e| panic!("{line}: {e:?}"));
            assert_eq!(body.len(), size + 1, "{line}");
            assert_eq!(&body[1..], &data[..], "{line}");
        }
    }
}

#[test]
fn a_bad_byte_anywhere_in_a_size_line_between_chunks_is_an_error() {
    for line in ["a", "1f", "A0F", "fffe"] {
        for pos in 0..line.len() {
            for bad in [
                b'g', b'G', b':', b'/', b'@', b'`', b' ', b'\n', 0x00, 0x80, b'x',
            ] {
                let mut l = line.as_bytes().to_vec();
                l[pos] = bad;
                let mut input = b"1\r\nz\r\n".to_vec();
                input.extend_from_slice(&l);
                input.extend_from_slice(b"\r\n");
                input.extend_from_slice(&vec![b'q'; 0x10000]);
                input.extend_from_slice(b"\r\n0\r\n\r\n");
                assert!(decode(&input).is_err(), "{:?}", String::from_utf8_lossy(&l));
            }
        }
    }
}
