//! HTTP/1.1 inputs and pairs: httparse's own benchmark messages (`REQ`, `REQ_SHORT`, `RESP`,
//! `RESP_SHORT` from its `benches/parse.rs`) parsed by `proto-h1` and by `httparse`, and
//! chunked body decoding by `proto-h1`'s `ChunkedDecoder` against a straightforward decoder
//! driven by `httparse::parse_chunk_size`.

use std::hint::black_box;
use std::mem::MaybeUninit;

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

// The head rows: each side parses the whole head with its own public API the way a server
// or client that parses many heads would, and pays for nothing its API does not need.
// - Ours writes fields into caller slots that it never reads: one slot array serves every
//   parse (the row's closure owns it), so no parse pays for filling slots.
// - httparse's cheapest public form is the one hyper uses: `parse_with_uninit_headers` (and
//   `ParserConfig::parse_response_with_uninit_headers`) with `MaybeUninit` slots, which cost
//   nothing to make. (Its `new(&mut [EMPTY_HEADER; 16])` form makes a parse fill 16 slots
//   first; so did ours, which weighed most on the short rows.)
// Both expose the start line and every field name and value; `both_sides_parse_the_same_head`
// compares them field by field through these same functions.
// - The row functions pass the parsed request or response through `black_box`: its start
//   line must be stored where a caller could read it. Without that, a parse inlined into the
//   row (ours is `#[inline]`) could drop the stores of the method, target or reason that the
//   row never reads, which would be less work than a caller that reads them pays for.

/// Ours: parses a request head into `slots`, then hands the bytes used and the request to
/// `then`; `None` when the head is not complete and valid.
#[inline(always)]
pub fn ours_request_then<'b, R>(
    buf: &'b [u8],
    slots: &mut [proto_h1::Header<'b>],
    then: impl FnOnce(usize, &proto_h1::Request<'_, 'b>) -> R,
) -> Option<R> {
    let mut req = proto_h1::Request::new(slots);
    match req.parse(black_box(buf)) {
        Ok(proto_h1::Status::Complete(n)) => Some(then(n, &req)),
        _ => None,
    }
}

/// httparse: parses a request head into uninitialised slots, then hands the bytes used and
/// the request to `then`; `None` when the head is not complete and valid.
#[inline(always)]
pub fn httparse_request_then<'b, R>(
    buf: &'b [u8],
    then: impl FnOnce(usize, &httparse::Request<'_, 'b>) -> R,
) -> Option<R> {
    let mut slots = [MaybeUninit::<httparse::Header<'b>>::uninit(); 16];
    let mut req = httparse::Request::new(&mut []);
    match req.parse_with_uninit_headers(black_box(buf), &mut slots) {
        Ok(httparse::Status::Complete(n)) => Some(then(n, &req)),
        _ => None,
    }
}

/// Ours: parses a response head into `slots` (see [`ours_request_then`]).
#[inline(always)]
pub fn ours_response_then<'b, R>(
    buf: &'b [u8],
    slots: &mut [proto_h1::Header<'b>],
    then: impl FnOnce(usize, &proto_h1::Response<'_, 'b>) -> R,
) -> Option<R> {
    let mut res = proto_h1::Response::new(slots);
    match res.parse(black_box(buf)) {
        Ok(proto_h1::Status::Complete(n)) => Some(then(n, &res)),
        _ => None,
    }
}

/// httparse: parses a response head into uninitialised slots (see [`httparse_request_then`]).
#[inline(always)]
pub fn httparse_response_then<'b, R>(
    buf: &'b [u8],
    then: impl FnOnce(usize, &httparse::Response<'_, 'b>) -> R,
) -> Option<R> {
    let mut slots = [MaybeUninit::<httparse::Header<'b>>::uninit(); 16];
    let mut res = httparse::Response::new(&mut []);
    match httparse::ParserConfig::default().parse_response_with_uninit_headers(
        &mut res,
        black_box(buf),
        &mut slots,
    ) {
        Ok(httparse::Status::Complete(n)) => Some(then(n, &res)),
        _ => None,
    }
}

/// Ours, as the request rows run it: the bytes used plus the header count (0 on failure).
pub fn ours_request<'b>(buf: &'b [u8], slots: &mut [proto_h1::Header<'b>]) -> u64 {
    ours_request_then(buf, slots, |n, r| (n + black_box(r).headers().len()) as u64).unwrap_or(0)
}

/// httparse, as the request rows run it: the bytes used plus the header count.
pub fn httparse_request(buf: &[u8]) -> u64 {
    httparse_request_then(buf, |n, r| (n + black_box(r).headers.len()) as u64).unwrap_or(0)
}

/// Ours, as the response rows run it: the bytes used plus the header count.
pub fn ours_response<'b>(buf: &'b [u8], slots: &mut [proto_h1::Header<'b>]) -> u64 {
    ours_response_then(buf, slots, |n, r| (n + black_box(r).headers().len()) as u64).unwrap_or(0)
}

/// httparse, as the response rows run it: the bytes used plus the header count.
pub fn httparse_response(buf: &[u8]) -> u64 {
    httparse_response_then(buf, |n, r| (n + black_box(r).headers.len()) as u64).unwrap_or(0)
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
        // Reused by every parse of the row (see the note above `ours_request_then`).
        let mut slots = [proto_h1::EMPTY_HEADER; 16];
        pairs.push(Pair {
            group: "h1",
            name: format!("parse request {name} ({} B, slots reused)", input.len()),
            peer: "httparse, uninit slots",
            bytes: input.len() as u64,
            ours: Box::new(move || ours_request(input, &mut slots)),
            theirs: Box::new(move || httparse_request(input)),
        });
    }
    for (name, input) in [("RESP", RESP), ("RESP_SHORT", RESP_SHORT)] {
        let mut slots = [proto_h1::EMPTY_HEADER; 16];
        pairs.push(Pair {
            group: "h1",
            name: format!("parse response {name} ({} B, slots reused)", input.len()),
            peer: "httparse, uninit slots",
            bytes: input.len() as u64,
            ours: Box::new(move || ours_response(input, &mut slots)),
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

    /// A parsed head as both sides expose it: bytes used, the start line's parts as text, and
    /// every field's name and value.
    type Head = (usize, String, Vec<(String, Vec<u8>)>);

    fn ours_fields(h: &[proto_h1::Header<'_>]) -> Vec<(String, Vec<u8>)> {
        h.iter()
            .map(|h| (h.name.to_owned(), h.value.to_vec()))
            .collect()
    }

    fn httparse_fields(h: &[httparse::Header<'_>]) -> Vec<(String, Vec<u8>)> {
        h.iter()
            .map(|h| (h.name.to_owned(), h.value.to_vec()))
            .collect()
    }

    /// The functions the rows run, read through in full: the same start line and the same
    /// fields (names, values, order) on both sides, not only the same byte and field counts.
    #[test]
    fn both_sides_parse_the_same_head() {
        let mut slots = [proto_h1::EMPTY_HEADER; 16];
        for input in [REQ, REQ_SHORT] {
            let ours: Option<Head> = ours_request_then(input, &mut slots, |n, r| {
                let v = r.version.as_str();
                let line = format!("{} {} {}", r.method, r.target, &v[5..]);
                (n, line, ours_fields(r.headers()))
            });
            let theirs: Option<Head> = httparse_request_then(input, |n, r| {
                let (m, t, v) = (r.method.unwrap(), r.path.unwrap(), r.version.unwrap());
                (n, format!("{m} {t} 1.{v}"), httparse_fields(r.headers))
            });
            let ours = ours.expect("ours parses");
            assert_eq!(ours.0, input.len());
            assert!(ours.2.len() >= 2, "{:?}", ours.2);
            assert_eq!(Some(ours), theirs);
        }
        for input in [RESP, RESP_SHORT] {
            let ours: Option<Head> = ours_response_then(input, &mut slots, |n, r| {
                let v = r.version.as_str();
                let reason = String::from_utf8(r.reason.to_vec()).unwrap();
                let line = format!("{} {} {reason}", &v[5..], r.code);
                (n, line, ours_fields(r.headers()))
            });
            let theirs: Option<Head> = httparse_response_then(input, |n, r| {
                let (v, c, why) = (r.version.unwrap(), r.code.unwrap(), r.reason.unwrap());
                (n, format!("1.{v} {c} {why}"), httparse_fields(r.headers))
            });
            let ours = ours.expect("ours parses");
            assert_eq!(ours.0, input.len());
            assert!(ours.2.len() >= 2, "{:?}", ours.2);
            assert_eq!(Some(ours), theirs);
        }
    }

    /// What the rows' closures return agrees, and the slots one closure reuses do not carry a
    /// parse's fields into the next.
    #[test]
    fn both_sides_do_the_same_work() {
        let mut slots = [proto_h1::EMPTY_HEADER; 16];
        for input in [REQ, REQ_SHORT, REQ] {
            assert_eq!(ours_request(input, &mut slots), httparse_request(input));
            assert_ne!(ours_request(input, &mut slots), 0);
        }
        for input in [RESP, RESP_SHORT, RESP] {
            assert_eq!(ours_response(input, &mut slots), httparse_response(input));
            assert_ne!(ours_response(input, &mut slots), 0);
        }
        assert_eq!(ours_request(b"GET / HTTP/1.1\r\n", &mut slots), 0);
        assert_eq!(httparse_request(b"GET / HTTP/1.1\r\n"), 0);
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
