//! The ClientHello parser and JA3/JA4 computation: any bytes give `Ok` or a typed error, never a
//! panic; a body wrapped in a handshake header and cut into records of any size parses the same
//! as the body alone.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tls::ClientHello;

fuzz_target!(|data: &[u8]| {
    let Some((&frag, body)) = data.split_first() else {
        return;
    };
    let _ = ClientHello::parse_records(body).map(|h| h.fingerprints());
    let direct = ClientHello::parse_body(body);
    if let Ok(h) = &direct {
        let fp = h.fingerprints();
        assert!(fp.ja4.len() >= 36, "{}", fp.ja4);
    }
    if body.len() >= 1 << 16 {
        return;
    }
    let mut msg = vec![1, 0, (body.len() >> 8) as u8, body.len() as u8];
    msg.extend_from_slice(body);
    let mut records = Vec::new();
    for chunk in msg.chunks(usize::from(frag).max(1)) {
        records.extend_from_slice(&[22, 3, 1]);
        records.extend_from_slice(&(chunk.len() as u16).to_be_bytes());
        records.extend_from_slice(chunk);
    }
    let via_records = ClientHello::parse_records(&records);
    assert_eq!(via_records.is_ok(), direct.is_ok());
    if let (Ok(a), Ok(b)) = (&via_records, &direct) {
        assert_eq!(a, b);
    }
});
