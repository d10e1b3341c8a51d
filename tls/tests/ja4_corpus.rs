//! Our ClientHello parser against FoxIO's JA4 reference: every TLS ClientHello in the captures of
//! `../shared/corpora/ja4/` (from FoxIO-LLC/ja4's `pcap/` folder) must give the `JA4.N` and
//! `JA4_r.N` strings that the reference implementation printed for its stream (`NAME.json`
//! beside each capture; `N` counts the ClientHellos of a stream, so a second one after a
//! HelloRetryRequest is `JA4.2`).
//!
//! The captures are read by a small pcap / pcapng reader written here (classic pcap in either
//! byte order and time resolution; pcapng section headers, interface descriptions, enhanced and
//! simple packet blocks), over Ethernet (with VLAN tags), BSD loopback, raw IP and Linux cooked
//! (SLL, SLL2) link layers, IPv4 and IPv6, TCP. Each TCP stream is numbered as Wireshark numbers
//! it (`tcp.stream`: in order of first appearance, a new number when a SYN reopens a closed
//! 4-tuple), and each direction's payload is reassembled in sequence order up to the first gap,
//! so a ClientHello spanning several segments or records is whole. Records are then walked from
//! the stream's first TLS record (after a SOCKS or CONNECT prefix if there is one): every
//! handshake message of type ClientHello is parsed, ChangeCipherSpec records are skipped, and
//! the walk ends at the first other handshake message or record type.
//!
//! The HTTP/1.x request at the start of a connection goes through `tls::Ja4h` and must give the
//! reference's `JA4H` and `JA4H_ro`. Connections are matched with the reference's entries by
//! their endpoints (see [`Conn`]).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt::Write as _;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use tls::ClientHello;

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpora/ja4")
}

// ---------------------------------------------------------------------------------------------
// Capture files.

/// A link-layer frame and the link type of the interface it was captured on.
struct Frame {
    link_type: u32,
    data: Vec<u8>,
}

fn u16_at(b: &[u8], at: usize, le: bool) -> Option<u16> {
    let s: [u8; 2] = b.get(at..at + 2)?.try_into().ok()?;
    Some(if le {
        u16::from_le_bytes(s)
    } else {
        u16::from_be_bytes(s)
    })
}

fn u32_at(b: &[u8], at: usize, le: bool) -> Option<u32> {
    let s: [u8; 4] = b.get(at..at + 4)?.try_into().ok()?;
    Some(if le {
        u32::from_le_bytes(s)
    } else {
        u32::from_be_bytes(s)
    })
}

fn usize_at(b: &[u8], at: usize, le: bool) -> Option<usize> {
    u32_at(b, at, le).and_then(|v| usize::try_from(v).ok())
}

/// The frames of a classic pcap or a pcapng file.
fn read_capture(bytes: &[u8]) -> Result<Vec<Frame>, String> {
    match u32_at(bytes, 0, true) {
        Some(0x0a0d_0d0a) => read_pcapng(bytes),
        Some(0xa1b2_c3d4 | 0xa1b2_3c4d) => read_pcap(bytes, true),
        Some(0xd4c3_b2a1 | 0x4d3c_b2a1) => read_pcap(bytes, false),
        other => Err(format!("not a pcap or pcapng file (magic {other:x?})")),
    }
}

fn read_pcap(bytes: &[u8], le: bool) -> Result<Vec<Frame>, String> {
    // The link type's upper bits may carry FCS information (pcap-savefile(5)).
    let link_type = u32_at(bytes, 20, le).ok_or("pcap header truncated")? & 0x0fff_ffff;
    let mut frames = Vec::new();
    let mut at = 24;
    while at < bytes.len() {
        let caplen = usize_at(bytes, at + 8, le).ok_or("pcap record header truncated")?;
        let data = bytes
            .get(at + 16..at + 16 + caplen)
            .ok_or("pcap record truncated")?;
        frames.push(Frame {
            link_type,
            data: data.to_vec(),
        });
        at += 16 + caplen;
    }
    Ok(frames)
}

fn read_pcapng(bytes: &[u8]) -> Result<Vec<Frame>, String> {
    let mut frames = Vec::new();
    let mut le = true;
    let mut interfaces: Vec<u32> = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let block_type = u32_at(bytes, at, le).ok_or("pcapng block truncated")?;
        if block_type == 0x0a0d_0d0a {
            // Section header: its byte-order magic says how to read this section.
            le = match u32_at(bytes, at + 8, true) {
                Some(0x1a2b_3c4d) => true,
                Some(0x4d3c_2b1a) => false,
                other => return Err(format!("bad pcapng byte-order magic {other:x?}")),
            };
            interfaces.clear();
        }
        let len = usize_at(bytes, at + 4, le).ok_or("pcapng block truncated")?;
        if len < 12 || len % 4 != 0 {
            return Err(format!("bad pcapng block length {len} at {at}"));
        }
        let block = bytes.get(at..at + len).ok_or("pcapng block truncated")?;
        let body = &block[8..len - 4];
        match block_type {
            // Interface description: the link type of the next interface id.
            1 => interfaces.push(u32::from(u16_at(body, 0, le).ok_or("short IDB")?)),
            // Enhanced packet: interface id, timestamp, captured and original lengths.
            6 => {
                let iface = usize_at(body, 0, le).ok_or("short EPB")?;
                let caplen = usize_at(body, 12, le).ok_or("short EPB")?;
                let link_type = *interfaces
                    .get(iface)
                    .ok_or(format!("EPB names interface {iface}, undescribed"))?;
                let data = body.get(20..20 + caplen).ok_or("EPB data truncated")?;
                frames.push(Frame {
                    link_type,
                    data: data.to_vec(),
                });
            }
            // Simple packet: interface 0, original length, data (padded).
            3 => {
                let orig = usize_at(body, 0, le).ok_or("short SPB")?;
                let link_type = *interfaces.first().ok_or("SPB before any interface")?;
                let data = body.get(4..).ok_or("short SPB")?;
                frames.push(Frame {
                    link_type,
                    data: data[..orig.min(data.len())].to_vec(),
                });
            }
            _ => {}
        }
        at += len;
    }
    Ok(frames)
}

// ---------------------------------------------------------------------------------------------
// Link, network and transport layers.

/// One TCP segment.
struct Segment {
    src: (IpAddr, u16),
    dst: (IpAddr, u16),
    seq: u32,
    flags: u8,
    payload: Vec<u8>,
}

const FIN: u8 = 0x01;
const SYN: u8 = 0x02;
const RST: u8 = 0x04;
const ACK: u8 = 0x10;

/// The IP packet inside a frame, by link type (pcap-linktype(7) numbers).
fn ip_packet(frame: &Frame) -> Option<&[u8]> {
    let d = frame.data.as_slice();
    match frame.link_type {
        // BSD loopback (host or network byte order family), raw IP.
        0 | 108 => d.get(4..),
        12 | 14 | 101 => Some(d),
        1 => {
            let mut at = 12;
            let mut ethertype = u16_at(d, at, false)?;
            while matches!(ethertype, 0x8100 | 0x88a8 | 0x9100) {
                at += 4;
                ethertype = u16_at(d, at, false)?;
            }
            matches!(ethertype, 0x0800 | 0x86dd).then(|| d.get(at + 2..))?
        }
        // Linux cooked capture v1 (protocol at 14, 16-byte header) and v2 (at 0, 20 bytes).
        113 => matches!(u16_at(d, 14, false)?, 0x0800 | 0x86dd).then(|| d.get(16..))?,
        276 => matches!(u16_at(d, 0, false)?, 0x0800 | 0x86dd).then(|| d.get(20..))?,
        _ => None,
    }
}

/// The TCP segment of an IPv4 or IPv6 packet (fragments and other protocols give `None`).
fn tcp_segment(ip: &[u8]) -> Option<Segment> {
    let (src, dst, tcp) = match ip.first()? >> 4 {
        4 => {
            let ihl = usize::from(ip[0] & 0x0f) * 4;
            let total = usize::from(u16_at(ip, 2, false)?);
            let frag = u16_at(ip, 6, false)?;
            if *ip.get(9)? != 6 || frag & 0x3fff != 0 {
                return None;
            }
            let src: [u8; 4] = ip.get(12..16)?.try_into().ok()?;
            let dst: [u8; 4] = ip.get(16..20)?.try_into().ok()?;
            // A zero total length is what TCP segmentation offload captures show.
            let end = if total == 0 {
                ip.len()
            } else {
                total.min(ip.len())
            };
            (IpAddr::from(src), IpAddr::from(dst), ip.get(ihl..end)?)
        }
        6 => {
            let src: [u8; 16] = ip.get(8..24)?.try_into().ok()?;
            let dst: [u8; 16] = ip.get(24..40)?.try_into().ok()?;
            let end = (40 + usize::from(u16_at(ip, 4, false)?)).min(ip.len());
            let mut next = *ip.get(6)?;
            let mut at = 40;
            loop {
                match next {
                    6 => break,
                    // Hop-by-hop, routing, destination options.
                    0 | 43 | 60 => {
                        next = *ip.get(at)?;
                        at += (usize::from(*ip.get(at + 1)?) + 1) * 8;
                    }
                    // Authentication header.
                    51 => {
                        next = *ip.get(at)?;
                        at += (usize::from(*ip.get(at + 1)?) + 2) * 4;
                    }
                    _ => return None, // fragments and other protocols
                }
            }
            (IpAddr::from(src), IpAddr::from(dst), ip.get(at..end)?)
        }
        _ => return None,
    };
    let data_offset = usize::from(tcp.get(12)? >> 4) * 4;
    Some(Segment {
        src: (src, u16_at(tcp, 0, false)?),
        dst: (dst, u16_at(tcp, 2, false)?),
        seq: u32_at(tcp, 4, false)?,
        flags: *tcp.get(13)?,
        payload: tcp.get(data_offset..)?.to_vec(),
    })
}

// ---------------------------------------------------------------------------------------------
// TCP streams.

type Endpoint = (IpAddr, u16);

/// What one side of a TCP connection sent.
#[derive(Default)]
struct Direction {
    /// The sequence number of the SYN, when captured.
    syn: Option<u32>,
    /// Payload-carrying segments as (sequence number, payload), in capture order.
    segments: Vec<(u32, Vec<u8>)>,
}

impl Direction {
    /// The payload in sequence order, from the first byte up to the first gap.
    fn reassemble(&self) -> Vec<u8> {
        let Some(base) = self
            .syn
            .map(|s| s.wrapping_add(1))
            .or_else(|| self.segments.first().map(|s| s.0))
        else {
            return Vec::new();
        };
        let mut pieces: Vec<(i64, &[u8])> = self
            .segments
            .iter()
            // Offsets relative to the first byte, through sequence number wrap-around.
            .map(|(seq, data)| (i64::from(seq.wrapping_sub(base) as i32), data.as_slice()))
            .collect();
        pieces.sort_by_key(|p| p.0);
        let mut out: Vec<u8> = Vec::new();
        for (offset, data) in pieces {
            let have = out.len() as i64;
            if offset > have {
                break; // a gap: what follows is not contiguous
            }
            let skip = usize::try_from(have - offset).unwrap_or(usize::MAX);
            if let Some(new) = data.get(skip..) {
                out.extend_from_slice(new);
            }
        }
        out
    }
}

/// One TCP connection: its two endpoints (the first one seen sending first) and what each sent.
struct Stream {
    ends: [Endpoint; 2],
    sent: [Direction; 2],
    closed: bool,
    has_payload: bool,
}

/// The TCP streams of a capture, indexed as Wireshark's `tcp.stream`.
fn tcp_streams(frames: &[Frame]) -> Vec<Stream> {
    let mut streams: Vec<Stream> = Vec::new();
    let mut current: HashMap<(Endpoint, Endpoint), usize> = HashMap::new();
    for seg in frames.iter().filter_map(ip_packet).filter_map(tcp_segment) {
        let key = if seg.src <= seg.dst {
            (seg.src, seg.dst)
        } else {
            (seg.dst, seg.src)
        };
        let pure_syn = seg.flags & (SYN | ACK) == SYN;
        let index = match current.get(&key) {
            // A new SYN on a 4-tuple whose connection ended (or carried data) is a new stream.
            Some(&i) if !(pure_syn && (streams[i].closed || streams[i].has_payload)) => i,
            _ => {
                streams.push(Stream {
                    ends: [seg.src, seg.dst],
                    sent: Default::default(),
                    closed: false,
                    has_payload: false,
                });
                current.insert(key, streams.len() - 1);
                streams.len() - 1
            }
        };
        let stream = &mut streams[index];
        let side = usize::from(stream.ends[0] != seg.src);
        let dir = &mut stream.sent[side];
        if seg.flags & SYN != 0 {
            dir.syn = Some(seg.seq);
        }
        if seg.flags & (FIN | RST) != 0 {
            stream.closed = true;
        }
        if !seg.payload.is_empty() {
            stream.has_payload = true;
            dir.segments.push((seg.seq, seg.payload));
        }
    }
    streams
}

// ---------------------------------------------------------------------------------------------
// TLS records.

/// A ClientHello found in a byte stream: where its records start (after the previous one's) and
/// what the parser made of its handshake message.
struct FoundHello {
    records_start: usize,
    hello: ClientHello,
}

/// Where the TLS records of a client's byte stream start: at 0, or after a short proxy prefix
/// (SOCKS, HTTP CONNECT) at the first place where a ClientHello record parses.
fn tls_start(bytes: &[u8]) -> Option<usize> {
    (0..bytes.len().min(2048)).find(|&at| {
        bytes[at..].starts_with(&[22, 3])
            && bytes.get(at + 5) == Some(&1)
            && ClientHello::parse_records(&bytes[at..]).is_ok()
    })
}

/// The body length of the handshake message at the start of `message`, once its header is in.
fn handshake_len(message: &[u8]) -> Option<usize> {
    let &[_, a, b, c, ..] = message else {
        return None;
    };
    Some(usize::from(a) << 16 | usize::from(b) << 8 | usize::from(c))
}

/// The ClientHellos that a client sent in a byte stream, in order.
fn client_hellos(bytes: &[u8]) -> Result<Vec<FoundHello>, String> {
    let mut found = Vec::new();
    let Some(start) = tls_start(bytes) else {
        return Ok(found);
    };
    let mut at = start;
    let mut records_start = start;
    let mut message: Vec<u8> = Vec::new();
    let mut after_ccs = false;
    while let (Some(&ty), Some(len)) = (bytes.get(at), u16_at(bytes, at + 3, false)) {
        let Some(fragment) = bytes.get(at + 5..at + 5 + usize::from(len)) else {
            break; // the capture ends inside this record
        };
        at += 5 + usize::from(len);
        match ty {
            20 => {
                after_ccs = true;
                continue;
            }
            22 => message.extend_from_slice(fragment),
            _ => break, // alert, application data: no more hellos
        }
        while let Some(len) = handshake_len(&message) {
            if message.len() < 4 + len {
                break;
            }
            let msg: Vec<u8> = message.drain(..4 + len).collect();
            if msg[0] != 1 {
                return Ok(found); // ClientKeyExchange, Certificate, ...: the hellos are over
            }
            match ClientHello::parse_handshake(&msg) {
                Ok(hello) => found.push(FoundHello {
                    records_start,
                    hello,
                }),
                // After a ChangeCipherSpec (TLS 1.2), handshake records are encrypted.
                Err(_) if after_ccs => return Ok(found),
                Err(e) => return Err(format!("ClientHello at byte {records_start}: {e}")),
            }
            records_start = at;
        }
        if message.is_empty() {
            records_start = at;
        }
    }
    Ok(found)
}

// ---------------------------------------------------------------------------------------------
// HTTP/1.x requests.

/// The parts of an HTTP/1.x request head that JA4H reads.
struct Request {
    method: Vec<u8>,
    version: (u8, u8),
    /// Header fields (name, value without surrounding whitespace) in the order sent.
    headers: Vec<(Vec<u8>, Vec<u8>)>,
}

/// The request head at the start of a client's byte stream, if it starts with one (lines end
/// in CRLF or LF; the head ends at an empty line).
fn http_request(bytes: &[u8]) -> Option<Request> {
    let mut lines = bytes
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l));
    let mut request_line = lines.next()?.split(|&b| b == b' ');
    let method = request_line.next()?;
    if method.is_empty() || !method.iter().all(|b| b.is_ascii_uppercase() || *b == b'-') {
        return None;
    }
    let _target = request_line.next()?;
    let version = match request_line.next()? {
        b"HTTP/1.0" => (1, 0),
        b"HTTP/1.1" => (1, 1),
        _ => return None,
    };
    let mut headers = Vec::new();
    for line in lines {
        if line.is_empty() {
            return Some(Request {
                method: method.to_vec(),
                version,
                headers,
            });
        }
        let colon = line.iter().position(|&b| b == b':')?;
        headers.push((
            line[..colon].to_vec(),
            line[colon + 1..].trim_ascii().to_vec(),
        ));
    }
    None // the head is not complete in the capture
}

// ---------------------------------------------------------------------------------------------
// The reference's JSON.

fn endpoint(entry: &serde_json::Value, addr: &str, port: &str) -> Option<Endpoint> {
    Some((
        entry.get(addr)?.as_str()?.parse().ok()?,
        entry.get(port)?.as_str()?.parse().ok()?,
    ))
}

/// A TCP connection named by its two endpoints (sorted) and which connection between them it is
/// (0 for the first; a 4-tuple is used again only after the previous connection closed).
/// Stream indexes alone do not name connections portably: Wireshark also gives an index to the
/// connection a SOCKS proxy makes for the client (`socks-https-example.pcap` has streams 0, 2
/// and 4).
type Conn = ([Endpoint; 2], usize);

/// What the reference printed for one connection.
#[derive(Default)]
struct RefStream {
    /// Wireshark's `tcp.stream`, for messages.
    index: u64,
    /// `JA4.N` and `JA4_r.N` by `N` (1 for the first ClientHello of the connection).
    ja4: BTreeMap<u32, (String, String)>,
    /// `JA4H` and `JA4H_ro` of the connection's HTTP request.
    ja4h: Option<(String, String)>,
}

fn sorted(mut ends: [Endpoint; 2]) -> [Endpoint; 2] {
    ends.sort();
    ends
}

/// The reference's output by connection. Its JSON has one or more entries per stream (the
/// TLS and HTTP parts of a stream may come in separate entries), each with the stream index and
/// endpoints.
fn read_reference(json: &str) -> Result<HashMap<Conn, RefStream>, String> {
    let entries: Vec<serde_json::Value> =
        serde_json::from_str(json).map_err(|e| format!("JSON: {e}"))?;
    // The stream indexes of each 4-tuple, in order: the n-th is connection n.
    let mut indexes: HashMap<[Endpoint; 2], BTreeSet<u64>> = HashMap::new();
    let mut parsed = Vec::new();
    for entry in &entries {
        let index = entry
            .get("stream")
            .and_then(serde_json::Value::as_u64)
            .ok_or("an entry without a stream index")?;
        let ends = sorted([
            endpoint(entry, "src", "srcport").ok_or("an entry without src")?,
            endpoint(entry, "dst", "dstport").ok_or("an entry without dst")?,
        ]);
        indexes.entry(ends).or_default().insert(index);
        parsed.push((
            ends,
            index,
            entry.as_object().ok_or("an entry not an object")?,
        ));
    }
    let mut streams: HashMap<Conn, RefStream> = HashMap::new();
    for (ends, index, map) in parsed {
        let nth = indexes[&ends].iter().position(|&i| i == index).unwrap_or(0);
        let stream = streams.entry((ends, nth)).or_default();
        stream.index = index;
        if let Some(ja4h) = map.get("JA4H") {
            let ja4h = ja4h.as_str().ok_or("JA4H is not a string")?;
            let raw = map
                .get("JA4H_ro")
                .and_then(serde_json::Value::as_str)
                .ok_or(format!("stream {index}: JA4H without JA4H_ro"))?;
            stream.ja4h = Some((ja4h.to_owned(), raw.to_owned()));
        }
        for (key, value) in map {
            let Some(n) = key.strip_prefix("JA4.").and_then(|n| n.parse::<u32>().ok()) else {
                continue;
            };
            let raw = map
                .get(&format!("JA4_r.{n}"))
                .and_then(serde_json::Value::as_str)
                .ok_or(format!("stream {index}: {key} without JA4_r.{n}"))?;
            let ja4 = value.as_str().ok_or(format!("{key} is not a string"))?;
            stream.ja4.insert(n, (ja4.to_owned(), raw.to_owned()));
        }
    }
    Ok(streams)
}

// ---------------------------------------------------------------------------------------------
// The test.

fn captures() -> Vec<PathBuf> {
    let dir = corpus_dir();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("JA4 corpus missing ({}): {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "pcap" || x == "pcapng"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no captures in {}", dir.display());
    files
}

fn json_of(capture: &Path) -> PathBuf {
    let mut name = capture.as_os_str().to_owned();
    name.push(".json");
    PathBuf::from(name)
}

/// One capture: its file name, the reference's output, and its TCP connections (each with how
/// the reference names it and a label for messages).
struct Capture {
    name: String,
    reference: HashMap<Conn, RefStream>,
    connections: Vec<(Conn, String, Stream)>,
}

fn load(path: &Path) -> Capture {
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let bytes = std::fs::read(path).unwrap();
    let json = std::fs::read_to_string(json_of(path))
        .unwrap_or_else(|e| panic!("{name}: no reference JSON: {e}"));
    let reference = read_reference(&json).unwrap_or_else(|e| panic!("{name}: {e}"));
    let frames = read_capture(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut nth: HashMap<[Endpoint; 2], usize> = HashMap::new();
    let connections = tcp_streams(&frames)
        .into_iter()
        .enumerate()
        .map(|(index, stream)| {
            let ends = sorted(stream.ends);
            let count = nth.entry(ends).or_default();
            let conn = (ends, *count);
            *count += 1;
            let label = reference
                .get(&conn)
                .map_or(format!("stream {index} (ours)"), |r| {
                    format!("stream {}", r.index)
                });
            (conn, label, stream)
        })
        .collect();
    Capture {
        name,
        reference,
        connections,
    }
}

/// Every ClientHello of every capture gives the reference's `JA4.N` and `JA4_r.N`, parsed both
/// from its handshake message and by `ClientHello::parse_records` from the records the client
/// sent after the previous hello; every reference fingerprint has its ClientHello here, and no
/// ClientHello here lacks one. Prints `matched/expected` per capture and in all.
#[test]
fn every_client_hello_matches_the_reference() {
    let mut expected_total = 0;
    let mut matched_total = 0;
    let mut failures = String::new();
    for capture in captures() {
        let Capture {
            name,
            reference,
            connections,
        } = load(&capture);
        let expected: usize = reference.values().map(|s| s.ja4.len()).sum();
        let mut matched = 0;
        let mut seen: HashSet<(Conn, u32)> = HashSet::new();
        for (conn, label, stream) in &connections {
            let conn = *conn;
            for side in 0..2 {
                let bytes = stream.sent[side].reassemble();
                let hellos = match client_hellos(&bytes) {
                    Ok(h) => h,
                    Err(e) => {
                        let _ = writeln!(failures, "{name} {label}: {e}");
                        continue;
                    }
                };
                for (i, found) in hellos.iter().enumerate() {
                    let n = u32::try_from(i + 1).unwrap();
                    seen.insert((conn, n));
                    let fp = found.hello.fingerprints();
                    // The records from the end of the previous hello (a ChangeCipherSpec
                    // first, after a HelloRetryRequest) parse as this hello.
                    let via_records = ClientHello::parse_records(&bytes[found.records_start..]);
                    let records_ok = via_records.as_ref() == Ok(&found.hello);
                    if !records_ok {
                        let _ = writeln!(
                            failures,
                            "{name} {label} hello {n}: parse_records gives {via_records:?}"
                        );
                    }
                    let Some((ja4, raw)) = reference.get(&conn).and_then(|r| r.ja4.get(&n)) else {
                        let _ = writeln!(
                            failures,
                            "{name} {label}: ClientHello {n} from {:?} not in the reference \
                             ({})",
                            stream.ends[side], fp.ja4
                        );
                        continue;
                    };
                    if fp.ja4 == *ja4 && fp.ja4_r == *raw {
                        matched += usize::from(records_ok);
                    } else {
                        let _ = writeln!(
                            failures,
                            "{name} {label} JA4.{n}:\n  ours {}\n  ref  {ja4}\n  ours {}\n  \
                             ref  {raw}",
                            fp.ja4, fp.ja4_r
                        );
                    }
                }
            }
        }
        for (conn, stream) in &reference {
            for (n, (ja4, _)) in &stream.ja4 {
                if !seen.contains(&(*conn, *n)) {
                    let _ = writeln!(
                        failures,
                        "{name} stream {}: reference JA4.{n} ({ja4}) has no ClientHello here",
                        stream.index
                    );
                }
            }
        }
        println!("{name}: {matched}/{expected} ClientHellos match");
        expected_total += expected;
        matched_total += matched;
    }
    println!("JA4 corpus: {matched_total}/{expected_total} ClientHellos match the reference");
    assert!(
        failures.is_empty() && matched_total == expected_total,
        "{matched_total}/{expected_total} ClientHellos match the reference:\n{failures}"
    );
}

/// The first HTTP/1.x request of every connection gives the reference's `JA4H` and `JA4H_ro`
/// through `tls::Ja4h`; every reference JA4H has its request here, and no request here lacks
/// one. Prints `matched/expected`.
#[test]
fn every_http_request_matches_the_reference() {
    let mut expected = 0;
    let mut matched = 0;
    let mut failures = String::new();
    for capture in captures() {
        let Capture {
            name,
            reference,
            connections,
        } = load(&capture);
        expected += reference.values().filter(|r| r.ja4h.is_some()).count();
        let mut seen = HashSet::new();
        for (conn, label, stream) in &connections {
            for side in &stream.sent {
                let Some(request) = http_request(&side.reassemble()) else {
                    continue;
                };
                let headers = request.headers.iter().map(|(n, v)| (n, v));
                let fp = tls::Ja4h::new(&request.method, request.version, headers);
                seen.insert(*conn);
                match reference.get(conn).and_then(|r| r.ja4h.as_ref()) {
                    None => {
                        let _ = writeln!(
                            failures,
                            "{name} {label}: request not in the reference ({})",
                            fp.ja4h
                        );
                    }
                    Some((ja4h, raw)) if fp.ja4h == *ja4h && fp.ja4h_ro == *raw => matched += 1,
                    Some((ja4h, raw)) => {
                        let _ = writeln!(
                            failures,
                            "{name} {label} JA4H:\n  ours {}\n  ref  {ja4h}\n  ours {}\n  ref  {raw}",
                            fp.ja4h, fp.ja4h_ro
                        );
                    }
                }
            }
        }
        for (conn, r) in &reference {
            if let (Some((ja4h, _)), false) = (&r.ja4h, seen.contains(conn)) {
                let _ = writeln!(
                    failures,
                    "{name} stream {}: reference JA4H ({ja4h}) has no request here",
                    r.index
                );
            }
        }
    }
    println!("JA4H corpus: {matched}/{expected} HTTP requests match the reference");
    assert!(
        failures.is_empty() && matched == expected,
        "{matched}/{expected} HTTP requests match the reference:\n{failures}"
    );
}
