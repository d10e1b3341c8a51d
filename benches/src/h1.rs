//! HTTP/1.1 inputs and pairs: httparse's own benchmark messages (`REQ`, `REQ_SHORT`, `RESP`,
//! `RESP_SHORT` from its `benches/parse.rs`) parsed by `proto-h1` and by `httparse`, and
//! chunked body decoding by `proto-h1`'s `ChunkedDecoder` against a straightforward decoder
//! driven by `httparse::parse_chunk_size`.

use std::hint::black_box;

use crate::Pair;

/// httparse's 720-byte browser request (`REQ` in its benches).
pub const REQ: &[u8] = b"\
GET /wp-content/uploads/2010/03/hello-kitty-darth-vader-pink.jpg HTTP/1.1\r\n\
Host: www.kittyhell.com\r\n\
User-Agent: Mozilla/5.0 (Macintosh; U; Intel Mac OS X 10.6; ja-JP-mac; rv:1.9.2.3) Gecko/20100401 Firefox/3.6.3 Pathtraq/0.9\r\n\
Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n\
Accept-Language: ja,en-us;q=0.7,en;q=0.3\r\n\
Accept-Encoding: gzip,deflate\r\n\
Accept-Charset: Shift_JIS,utf-8;q=0.7,*;q=0.7\r\n\
Keep-Alive: 115\r\n\
Connection: keep-alive\r\n\
Cookie: wp_ozh_wsa_visits=2; wp_ozh_wsa_visit_lasttime=xxxxxxxxxx; __utma=xxxxxxxxx.xxxxxxxxxx.xxxxxxxxxx.xxxxxxxxxx.xxxxxxxxxx.x; __utmz=xxxxxxxxx.xxxxxxxxxx.x.x.utmccn=(referral)|utmcsr=reader.livedoor.com|utmcct=/reader/|utmcmd=referral|padding=under256\r\n\r\n";

/// httparse's 68-byte request (`REQ_SHORT`).
pub const REQ_SHORT: &[u8] = b"\
GET / HTTP/1.0\r\n\
Host: example.com\r\n\
Cookie: session=60; user_id=1\r\n\r\n";

/// httparse's response counterpart of `REQ` (`RESP`: the same fields after a status line and
/// a `Date`).
pub const RESP: &[u8] = b"\
HTTP/1.1 200 OK\r\n\
Date: Wed, 21 Oct 2015 07:28:00 GMT\r\n\
Host: www.kittyhell.com\r\n\
User-Agent: Mozilla/5.0 (Macintosh; U; Intel Mac OS X 10.6; ja-JP-mac; rv:1.9.2.3) Gecko/20100401 Firefox/3.6.3 Pathtraq/0.9\r\n\
Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n\
Accept-Language: ja,en-us;q=0.7,en;q=0.3\r\n\
Accept-Encoding: gzip,deflate\r\n\
Accept-Charset: Shift_JIS,utf-8;q=0.7,*;q=0.7\r\n\
Keep-Alive: 115\r\n\
Connection: keep-alive\r\n\
Cookie: wp_ozh_wsa_visits=2; wp_ozh_wsa_visit_lasttime=xxxxxxxxxx; __utma=xxxxxxxxx.xxxxxxxxxx.xxxxxxxxxx.xxxxxxxxxx.xxxxxxxxxx.x; __utmz=xxxxxxxxx.xxxxxxxxxx.x.x.utmccn=(referral)|utmcsr=reader.livedoor.com|utmcct=/reader/|utmcmd=referral|padding=under256\r\n\r\n";

/// httparse's short response (`RESP_SHORT`).
pub const RESP_SHORT: &[u8] = b"\
HTTP/1.0 200 OK\r\n\
Date: Wed, 21 Oct 2015 07:28:00 GMT\r\n\
Set-Cookie: session=60; user_id=1\r\n\r\n";

/// A chunked body of `total` bytes in chunks of `chunk` bytes, ending with a trailer-less
/// last chunk.
pub fn chunked_body(total: usize, chunk: usize) -> Vec<u8> {
    chunked_body_of(total, |_| chunk)
}

/// A chunked body of `total` bytes whose chunk sizes vary (1 to 128 bytes, a fixed
/// pseudo-random sequence), so no two consecutive size lines are alike: what a decoder pays
/// when a sender's chunks follow its writes rather than a fixed buffer size.
pub fn chunked_body_varying(total: usize) -> Vec<u8> {
    let mut state = 0x9e37_79b9u32;
    chunked_body_of(total, move |last| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let n = (state % 128) as usize + 1;
        if n == last { n % 128 + 1 } else { n }
    })
}

/// A chunked body of `total` bytes (letters `a` to `z` in turn), each chunk as long as
/// `next_size(previous size)` says (the last one cut to what is left), then the last chunk.
fn chunked_body_of(total: usize, mut next_size: impl FnMut(usize) -> usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(total * 2 + 8);
    let (mut left, mut byte, mut last) = (total, 0u8, 0);
    while left > 0 {
        last = next_size(last);
        let n = last.min(left);
        out.extend_from_slice(format!("{n:x}\r\n").as_bytes());
        for _ in 0..n {
            out.push(b'a' + byte % 26);
            byte = byte.wrapping_add(1);
        }
        out.extend_from_slice(b"\r\n");
        left -= n;
    }
    out.extend_from_slice(b"0\r\n\r\n");
    out
}

/// Ours: parse a request head; returns the bytes used plus the header count.
pub fn ours_request(buf: &[u8]) -> u64 {
    let mut slots = [proto_h1::EMPTY_HEADER; 16];
    let mut req = proto_h1::Request::new(&mut slots);
    match req.parse(black_box(buf)) {
        Ok(proto_h1::Status::Complete(n)) => (n + req.headers().len()) as u64,
        _ => 0,
    }
}

/// httparse: parse a request head; returns the bytes used plus the header count.
pub fn httparse_request(buf: &[u8]) -> u64 {
    let mut slots = [httparse::EMPTY_HEADER; 16];
    let mut req = httparse::Request::new(&mut slots);
    match req.parse(black_box(buf)) {
        Ok(httparse::Status::Complete(n)) => (n + req.headers.len()) as u64,
        _ => 0,
    }
}

/// Ours: parse a response head.
pub fn ours_response(buf: &[u8]) -> u64 {
    let mut slots = [proto_h1::EMPTY_HEADER; 16];
    let mut res = proto_h1::Response::new(&mut slots);
    match res.parse(black_box(buf)) {
        Ok(proto_h1::Status::Complete(n)) => (n + res.headers().len()) as u64,
        _ => 0,
    }
}

/// httparse: parse a response head.
pub fn httparse_response(buf: &[u8]) -> u64 {
    let mut slots = [httparse::EMPTY_HEADER; 16];
    let mut res = httparse::Response::new(&mut slots);
    match res.parse(black_box(buf)) {
        Ok(httparse::Status::Complete(n)) => (n + res.headers.len()) as u64,
        _ => 0,
    }
}

/// Ours: decode a whole chunked body; returns the sum of a byte of each data slice and the
/// body length (the slices are not copied by either side).
pub fn ours_chunked(buf: &[u8]) -> u64 {
    let limits = proto_h1::Limits::default();
    let mut dec = proto_h1::ChunkedDecoder::new(&limits);
    let mut i = 0;
    let mut acc = 0u64;
    loop {
        match dec.decode(&buf[i..]) {
            Ok((n, Some(proto_h1::Chunk::Data(d)))) => {
                i += n;
                acc += d.len() as u64 + u64::from(d[0]);
            }
            Ok((_, Some(proto_h1::Chunk::End { .. }))) => return acc,
            _ => return 0,
        }
    }
}

/// The peer: a straightforward chunked decoder on `httparse::parse_chunk_size` (size line and
/// extensions by httparse, data and CRLF checks by hand, trailer section assumed empty).
pub fn httparse_chunked(buf: &[u8]) -> u64 {
    let mut i = 0;
    let mut acc = 0u64;
    loop {
        match httparse::parse_chunk_size(&buf[i..]) {
            Ok(httparse::Status::Complete((used, size))) => {
                i += used;
                if size == 0 {
                    return if buf[i..].starts_with(b"\r\n") {
                        acc
                    } else {
                        0
                    };
                }
                let size = size as usize;
                let Some(d) = buf.get(i..i + size) else {
                    return 0;
                };
                acc += d.len() as u64 + u64::from(d[0]);
                i += size;
                if buf.get(i..i + 2) != Some(b"\r\n") {
                    return 0;
                }
                i += 2;
            }
            _ => return 0,
        }
    }
}

/// The pairs of the HTTP/1.1 group.
pub fn pairs() -> Vec<Pair> {
    let mut pairs = Vec::new();
    for (name, input) in [("REQ", REQ), ("REQ_SHORT", REQ_SHORT)] {
        pairs.push(Pair {
            group: "h1",
            name: format!("parse request {name} ({} B)", input.len()),
            peer: "httparse",
            bytes: input.len() as u64,
            ours: Box::new(move || ours_request(input)),
            theirs: Box::new(move || httparse_request(input)),
        });
    }
    for (name, input) in [("RESP", RESP), ("RESP_SHORT", RESP_SHORT)] {
        pairs.push(Pair {
            group: "h1",
            name: format!("parse response {name} ({} B)", input.len()),
            peer: "httparse",
            bytes: input.len() as u64,
            ours: Box::new(move || ours_response(input)),
            theirs: Box::new(move || httparse_response(input)),
        });
    }
    for (total, chunk) in [(64 * 1024, 1024), (16 * 1024, 64)] {
        let body: &'static [u8] = Box::leak(chunked_body(total, chunk).into_boxed_slice());
        pairs.push(Pair {
            group: "h1",
            name: format!("decode chunked {} KiB in {chunk} B chunks", total / 1024),
            peer: "httparse::parse_chunk_size",
            // Zero-copy: neither side touches the data bytes (both hand back slices), so a
            // bytes-per-second figure would only measure the chunk count. Time per body.
            bytes: 0,
            ours: Box::new(move || ours_chunked(body)),
            theirs: Box::new(move || httparse_chunked(body)),
        });
    }
    // The rows above repeat one chunk size, which a decoder can remember; this one never does.
    let body: &'static [u8] = Box::leak(chunked_body_varying(16 * 1024).into_boxed_slice());
    pairs.push(Pair {
        group: "h1",
        name: "decode chunked 16 KiB in varying 1-128 B chunks".into(),
        peer: "httparse::parse_chunk_size",
        bytes: 0,
        ours: Box::new(move || ours_chunked(body)),
        theirs: Box::new(move || httparse_chunked(body)),
    });
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_have_httparse_sizes() {
        assert_eq!(REQ.len(), 720);
        assert_eq!(REQ_SHORT.len(), 68);
    }

    /// Zero-copy chunked decoding touches only the size lines: its rows report time per body,
    /// never bytes per second (the report once printed 213 GB/s for it).
    #[test]
    fn chunked_rows_report_time_not_throughput() {
        let chunked: Vec<_> = pairs()
            .into_iter()
            .filter(|p| p.name.contains("chunked"))
            .collect();
        assert_eq!(chunked.len(), 3);
        for p in &chunked {
            assert_eq!(p.bytes, 0, "{}", p.name);
            assert!(crate::throughput(p.bytes, 1234.0).ends_with("ns/op"));
        }
    }

    #[test]
    fn both_sides_do_the_same_work() {
        for input in [REQ, REQ_SHORT] {
            assert_eq!(ours_request(input), httparse_request(input));
            assert_ne!(ours_request(input), 0);
        }
        for input in [RESP, RESP_SHORT] {
            assert_eq!(ours_response(input), httparse_response(input));
            assert_ne!(ours_response(input), 0);
        }
        let varying = chunked_body_varying(16 * 1024);
        for body in [
            chunked_body(64 * 1024, 1024),
            chunked_body(1000, 7),
            varying,
        ] {
            assert_eq!(ours_chunked(&body), httparse_chunked(&body));
            assert_ne!(ours_chunked(&body), 0);
        }
    }
}
