//! JA3/JA4/Akamai of a peer, from what `tls` and `proto-h2` surface: a [`ClientFingerprint`]
//! is computed once per connection (when the server is asked to, see
//! [`ServerConfig::fingerprint`](crate::server::ServerConfig::fingerprint)) and shared with
//! each of its requests through an [`Arc`]
//! ([`Request::fingerprint`](crate::server::Request::fingerprint)).
//!
//! - The TLS part ([`TlsFingerprint`]) comes from the client's ClientHello, parsed by `tls`
//!   ([`tls::ServerSession::client_fingerprints`]): JA3 (text and MD5), JA3N, JA4 and JA4_r,
//!   beside the negotiated ALPN and version. It needs a `tls` server configuration that keeps
//!   the ClientHello ([`tls::ServerConfigBuilder::keep_client_hello`]); without it there is
//!   no TLS part.
//! - The HTTP/2 part ([`H2Fingerprint`]) comes from `proto-h2`'s record of the client's
//!   connection preface ([`proto_h2::conn::Connection::peer_fingerprint`]): SETTINGS in the
//!   order received, the first connection WINDOW_UPDATE, PRIORITY frames, the pseudo-header
//!   order and the first HEADERS frame's priority, with the Akamai string built from them.
//! - The request header names in received order and case are per request:
//!   [`Request::headers`](crate::server::Request::headers) keeps them (HTTP/1.1 as sent;
//!   HTTP/2 lower case, as the protocol requires); [`to_json`] lists them.

use std::sync::Arc;

use proto_h2::conn::{PeerFingerprint, Pseudo};

use crate::json::{push_key, push_opt_string, push_string};

/// What a client's handshakes say about its TLS and HTTP/2 stacks, computed once per
/// connection.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientFingerprint {
    /// The TLS side; `None` in cleartext, or when the `tls` configuration does not keep the
    /// ClientHello.
    pub tls: Option<TlsFingerprint>,
    /// The HTTP/2 side; `None` on HTTP/1.1.
    pub h2: Option<H2Fingerprint>,
}

/// The TLS side of a [`ClientFingerprint`]: the ClientHello's fingerprints and what was
/// negotiated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsFingerprint {
    /// The JA3 string: `version,ciphers,extensions,groups,point_formats` (decimal, `-`
    /// joined, GREASE dropped), extensions in the order sent.
    pub ja3_text: String,
    /// MD5 of [`TlsFingerprint::ja3_text`], lower-case hex.
    pub ja3: String,
    /// JA3N: the JA3 string with the extensions sorted (stable under the extension
    /// permutation Chrome applies).
    pub ja3n_text: String,
    /// MD5 of [`TlsFingerprint::ja3n_text`], lower-case hex.
    pub ja3n: String,
    /// JA4 (FoxIO), such as Chrome's `t13d1516h2_8daaf6152771_d8a2da3f94cd`.
    pub ja4: String,
    /// JA4_r: JA4 with the sorted cipher, extension and signature-algorithm lists in clear.
    pub ja4_r: String,
    /// The ALPN protocol negotiated (`h2`, `http/1.1`), if any.
    pub alpn: Option<String>,
    /// The TLS version negotiated (`TLSv1.3`, `TLSv1.2`, or BoringSSL's name).
    pub version: Option<String>,
    /// The server name the client asked for (SNI), if any.
    pub server_name: Option<String>,
}

impl TlsFingerprint {
    /// The TLS part of a connection whose handshake completed; `None` when the session's
    /// configuration did not keep the ClientHello (or it could not be parsed).
    #[must_use]
    pub fn of(session: &mut tls::ServerSession) -> Option<Self> {
        let fp = session.client_fingerprints()?.clone();
        let version = session.version().map(|v| match v {
            tls::Version::Tls12 => "TLSv1.2".to_owned(),
            tls::Version::Tls13 => "TLSv1.3".to_owned(),
            tls::Version::Other(name) => name.to_owned(),
            other => format!("{other:?}"),
        });
        Some(TlsFingerprint {
            ja3_text: fp.ja3_text,
            ja3: fp.ja3,
            ja3n_text: fp.ja3n_text,
            ja3n: fp.ja3n,
            ja4: fp.ja4,
            ja4_r: fp.ja4_r,
            alpn: session
                .alpn()
                .map(|a| String::from_utf8_lossy(a).into_owned()),
            version,
            server_name: session.server_name().map(str::to_owned),
        })
    }
}

/// Priority fields as an HTTP/2 client sent them (in a PRIORITY frame or a HEADERS frame).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct H2Priority {
    /// The exclusive flag.
    pub exclusive: bool,
    /// The stream depended on.
    pub dependency: u32,
    /// The weight, 1..=256 (the wire value plus one, as the Akamai string writes it).
    pub weight: u16,
}

impl From<proto_h2::frame::Priority> for H2Priority {
    fn from(p: proto_h2::frame::Priority) -> Self {
        H2Priority {
            exclusive: p.exclusive,
            dependency: p.dependency.value(),
            weight: u16::from(p.weight) + 1,
        }
    }
}

/// The HTTP/2 side of a [`ClientFingerprint`]: the client's connection preface up to its
/// first HEADERS frame.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct H2Fingerprint {
    /// The Akamai HTTP/2 fingerprint `S|WU|P|PS`, such as Chrome's
    /// `1:65536;2:0;4:6291456;6:262144|15663105|0|m,a,s,p`.
    pub akamai: String,
    /// The parameters of the client's first SETTINGS frame, (id, value) in the order
    /// received, unknown ids included (at most [`proto_h2::conn::MAX_SETTINGS`]).
    pub settings: Vec<(u16, u32)>,
    /// The increment of the first WINDOW_UPDATE on stream 0 before the first HEADERS.
    pub window_update: Option<u32>,
    /// PRIORITY frames before the first HEADERS, in order, as (stream, priority) (at most
    /// [`proto_h2::conn::MAX_PRIORITIES`]).
    pub priorities: Vec<(u32, H2Priority)>,
    /// PRIORITY frames beyond those kept, counted.
    pub priorities_dropped: u32,
    /// The request pseudo-headers of the first HEADERS block in the order received
    /// (`:method`, `:authority`, `:scheme`, `:path`).
    pub pseudo_order: Vec<&'static str>,
    /// The priority fields of the first HEADERS frame, if it carried them.
    pub headers_priority: Option<H2Priority>,
}

impl H2Fingerprint {
    /// The HTTP/2 part from what `proto-h2` recorded of the client's preface (complete once
    /// the first request arrived).
    #[must_use]
    pub fn of(peer: &PeerFingerprint) -> Self {
        H2Fingerprint {
            akamai: peer.akamai_string(),
            settings: peer.settings().to_vec(),
            window_update: peer.window_update(),
            priorities: peer
                .priorities()
                .iter()
                .map(|p| (p.stream.value(), p.priority.into()))
                .collect(),
            priorities_dropped: peer.priorities_dropped(),
            pseudo_order: peer
                .pseudo_order()
                .map(|p| match p {
                    Pseudo::Method => ":method",
                    Pseudo::Authority => ":authority",
                    Pseudo::Scheme => ":scheme",
                    Pseudo::Path => ":path",
                })
                .collect(),
            headers_priority: peer.headers_priority().map(H2Priority::from),
        }
    }
}

/// A connection's fingerprint as a request carries it: shared, computed once.
pub type Shared = Arc<ClientFingerprint>;

fn push_priority(out: &mut String, p: H2Priority) {
    out.push('{');
    push_key(out, "exclusive");
    out.push_str(if p.exclusive { "true" } else { "false" });
    push_key(out, "dependency");
    out.push_str(&p.dependency.to_string());
    push_key(out, "weight");
    out.push_str(&p.weight.to_string());
    out.push('}');
}

fn push_tls(out: &mut String, t: &TlsFingerprint) {
    out.push('{');
    for (k, v) in [
        ("ja3", &t.ja3),
        ("ja3_text", &t.ja3_text),
        ("ja3n", &t.ja3n),
        ("ja3n_text", &t.ja3n_text),
        ("ja4", &t.ja4),
        ("ja4_r", &t.ja4_r),
    ] {
        push_key(out, k);
        push_string(out, v.as_bytes());
    }
    push_key(out, "alpn");
    push_opt_string(out, t.alpn.as_deref());
    push_key(out, "version");
    push_opt_string(out, t.version.as_deref());
    push_key(out, "server_name");
    push_opt_string(out, t.server_name.as_deref());
    out.push('}');
}

fn push_h2(out: &mut String, h: &H2Fingerprint) {
    out.push('{');
    push_key(out, "akamai");
    push_string(out, h.akamai.as_bytes());
    push_key(out, "settings");
    out.push('[');
    for (i, (id, v)) in h.settings.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&format!("[{id},{v}]"));
    }
    out.push(']');
    push_key(out, "window_update");
    match h.window_update {
        Some(w) => out.push_str(&w.to_string()),
        None => out.push_str("null"),
    }
    push_key(out, "priorities");
    out.push('[');
    for (i, (stream, p)) in h.priorities.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push('{');
        push_key(out, "stream");
        out.push_str(&stream.to_string());
        push_key(out, "priority");
        push_priority(out, *p);
        out.push('}');
    }
    out.push(']');
    push_key(out, "priorities_dropped");
    out.push_str(&h.priorities_dropped.to_string());
    push_key(out, "pseudo_order");
    out.push('[');
    for (i, p) in h.pseudo_order.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_string(out, p.as_bytes());
    }
    out.push(']');
    push_key(out, "headers_priority");
    match h.headers_priority {
        Some(p) => push_priority(out, p),
        None => out.push_str("null"),
    }
    out.push('}');
}

/// `/fingerprint`'s JSON: `{"tls": {...} | null, "http2": {...} | null, "headers": [names]}`,
/// the TLS object with `ja3`, `ja3_text`, `ja3n`, `ja3n_text`, `ja4`, `ja4_r`, `alpn`,
/// `version`, `server_name`; the HTTP/2 object with `akamai`, `settings` (`[[id, value],
/// ...]`), `window_update`, `priorities` (`[{"stream", "priority": {"exclusive",
/// "dependency", "weight"}}]`), `priorities_dropped`, `pseudo_order` and `headers_priority`;
/// `headers` the request's header names in received order and case. Ends with a newline.
///
/// ```
/// use runtime_mio::fingerprint::to_json;
/// assert_eq!(
///     to_json(None, ["Host", "X-A"].into_iter()),
///     "{\"tls\":null,\"http2\":null,\"headers\":[\"Host\",\"X-A\"]}\n"
/// );
/// ```
#[must_use]
pub fn to_json<'a>(
    fp: Option<&ClientFingerprint>,
    header_names: impl Iterator<Item = &'a str>,
) -> String {
    let mut s = String::with_capacity(1024);
    s.push('{');
    push_key(&mut s, "tls");
    match fp.and_then(|f| f.tls.as_ref()) {
        Some(t) => push_tls(&mut s, t),
        None => s.push_str("null"),
    }
    push_key(&mut s, "http2");
    match fp.and_then(|f| f.h2.as_ref()) {
        Some(h) => push_h2(&mut s, h),
        None => s.push_str("null"),
    }
    push_key(&mut s, "headers");
    s.push('[');
    for (i, n) in header_names.enumerate() {
        if i > 0 {
            s.push(',');
        }
        push_string(&mut s, n.as_bytes());
    }
    s.push_str("]}\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_shape() {
        let fp = ClientFingerprint {
            tls: Some(TlsFingerprint {
                ja3_text: "771,4865,0,,".into(),
                ja3: "abc".into(),
                ja3n_text: "771,4865,0,,".into(),
                ja3n: "abc".into(),
                ja4: "t13d0101h2_x_y".into(),
                ja4_r: "t13d0101h2_1301_0000".into(),
                alpn: Some("h2".into()),
                version: Some("TLSv1.3".into()),
                server_name: None,
            }),
            h2: Some(H2Fingerprint {
                akamai: "1:65536|15663105|0|m,a,s,p".into(),
                settings: vec![(1, 65536), (0x9a, 1)],
                window_update: Some(15_663_105),
                priorities: vec![(
                    3,
                    H2Priority {
                        exclusive: false,
                        dependency: 0,
                        weight: 201,
                    },
                )],
                priorities_dropped: 0,
                pseudo_order: vec![":method", ":authority", ":scheme", ":path"],
                headers_priority: Some(H2Priority {
                    exclusive: true,
                    dependency: 0,
                    weight: 256,
                }),
            }),
        };
        let j = to_json(Some(&fp), ["user-agent", "X-\"q\""].into_iter());
        assert_eq!(
            j,
            concat!(
                r#"{"tls":{"ja3":"abc","ja3_text":"771,4865,0,,","ja3n":"abc","ja3n_text":"771,4865,0,,","#,
                r#""ja4":"t13d0101h2_x_y","ja4_r":"t13d0101h2_1301_0000","alpn":"h2","version":"TLSv1.3","server_name":null},"#,
                r#""http2":{"akamai":"1:65536|15663105|0|m,a,s,p","settings":[[1,65536],[154,1]],"window_update":15663105,"#,
                r#""priorities":[{"stream":3,"priority":{"exclusive":false,"dependency":0,"weight":201}}],"priorities_dropped":0,"#,
                r#""pseudo_order":[":method",":authority",":scheme",":path"],"#,
                r#""headers_priority":{"exclusive":true,"dependency":0,"weight":256}},"#,
                r#""headers":["user-agent","X-\"q\""]}"#,
                "\n"
            )
        );
    }

    /// The HTTP/2 part of a real preface: the one our Chrome profile's client config
    /// encodes, fed to a server connection.
    #[test]
    fn h2_part_from_a_client_preface() {
        use proto_h2::pair::Pair;
        let config = crate::profile::h2_config(&tls::profile::CHROME).unwrap();
        let mut p = Pair::new(
            std::time::Instant::now(),
            config,
            proto_h2::conn::Config::server(),
        );
        let req = proto_h2::conn::Request::get(b"https", b"example.com", b"/");
        p.client.send_request(&req, true).unwrap();
        p.drive();
        let server = &p.server;
        let h2 = H2Fingerprint::of(server.peer_fingerprint());
        assert_eq!(h2.akamai, tls::profile::CHROME.http2.akamai_text());
        assert_eq!(
            h2.pseudo_order,
            [":method", ":authority", ":scheme", ":path"]
        );
        assert_eq!(h2.window_update, Some(15_663_105));
        assert_eq!(h2.settings.first(), Some(&(1, 65536)));
    }
}
