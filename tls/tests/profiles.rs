//! Browser profiles: our own ClientHello, captured from the memory buffer, against the
//! published fingerprints of the browsers they model.

use tls::profile::{CHROME, FIREFOX, SAFARI};
use tls::{ClientConfig, ClientHello, ClientSession, Fingerprints, Profile};

fn hello(profile: Option<&'static Profile>) -> ClientHello {
    let mut b = ClientConfig::builder();
    b.system_roots(false);
    match profile {
        Some(p) => b.profile(p),
        None => b.alpn(&[b"h2", b"http/1.1"]),
    };
    let config = b.build().unwrap();
    let mut c = ClientSession::new(&config, "example.com").unwrap();
    c.handshake().unwrap();
    let mut wire = Vec::new();
    c.poll_transmit(&mut wire);
    ClientHello::parse_records(&wire).unwrap()
}

fn fp(profile: Option<&'static Profile>) -> Fingerprints {
    hello(profile).fingerprints()
}

/// Chrome 143's JA4 (browserleaks capture and the target).
#[test]
fn chrome_ja4_matches_target() {
    assert_eq!(
        fp(Some(&CHROME)).ja4,
        "t13d1516h2_8daaf6152771_d8a2da3f94cd"
    );
}

/// Chrome permutes its extensions, so its JA3 changes per connection; JA3N sorts them and must
/// equal the published Chrome 143 JA3N on every connection.
#[test]
fn chrome_ja3n_stable_and_published_while_ja3_permutes() {
    let runs: Vec<Fingerprints> = (0..8).map(|_| fp(Some(&CHROME))).collect();
    for r in &runs {
        assert_eq!(r.ja3n, "8e19337e7524d2573be54efb2b0784c9");
        assert_eq!(r.ja3n, runs[0].ja3n);
    }
    let distinct_ja3: std::collections::HashSet<&str> =
        runs.iter().map(|r| r.ja3.as_str()).collect();
    assert!(distinct_ja3.len() > 1, "extension permutation is on");
}

#[test]
fn chrome_sends_grease_alps_ech_and_brotli() {
    let h = hello(Some(&CHROME));
    assert!(
        h.extensions
            .iter()
            .any(|e| tls::client_hello::is_grease(*e))
    );
    assert!(
        h.cipher_suites
            .iter()
            .any(|c| tls::client_hello::is_grease(*c))
    );
    for ext in [17613u16, 65037, 27, 5, 18] {
        assert!(h.extensions.contains(&ext), "{ext}");
    }
    let groups: Vec<u16> = h
        .groups
        .iter()
        .copied()
        .filter(|g| !tls::client_hello::is_grease(*g))
        .collect();
    assert_eq!(groups, [4588, 29, 23, 24]);
}

/// Every extension of a ClientHello with its payload, in wire order, from the records our
/// client wrote (a small walker of its own, independent of the crate's parser).
fn extensions_raw(wire: &[u8]) -> (usize, Vec<(u16, Vec<u8>)>) {
    let u16_at = |b: &[u8], i: usize| u16::from_be_bytes([b[i], b[i + 1]]);
    // One handshake record: 5-byte record header, then the 4-byte handshake header.
    assert_eq!(wire[0], 22);
    let body_len = usize::from(wire[6]) << 16 | usize::from(u16_at(wire, 7));
    let hs_len = 4 + body_len;
    let b = &wire[9..9 + body_len];
    let mut i = 2 + 32; // legacy_version, random
    i += 1 + usize::from(b[i]); // session id
    i += 2 + usize::from(u16_at(b, i)); // cipher suites
    i += 1 + usize::from(b[i]); // compression methods
    let end = i + 2 + usize::from(u16_at(b, i));
    i += 2;
    let mut out = Vec::new();
    while i < end {
        let (t, n) = (u16_at(b, i), usize::from(u16_at(b, i + 2)));
        out.push((t, b[i + 4..i + 4 + n].to_vec()));
        i += 4 + n;
    }
    assert_eq!(i, end);
    (hs_len, out)
}

fn hello_wire(profile: &'static Profile) -> Vec<u8> {
    let mut b = ClientConfig::builder();
    b.system_roots(false).profile(profile);
    let mut c = ClientSession::new(&b.build().unwrap(), "example.com").unwrap();
    c.handshake().unwrap();
    let mut wire = Vec::new();
    c.poll_transmit(&mut wire);
    wire
}

fn ext(exts: &[(u16, Vec<u8>)], t: u16) -> &[u8] {
    &exts
        .iter()
        .find(|(e, _)| *e == t)
        .unwrap_or_else(|| panic!("no extension {t}"))
        .1
}

/// JA3N from a published JA3 string: the same fields with the extensions sorted.
fn ja3n_text_of(ja3_text: &str) -> String {
    let mut parts: Vec<String> = ja3_text.split(',').map(str::to_owned).collect();
    let mut exts: Vec<u32> = parts[2].split('-').map(|e| e.parse().unwrap()).collect();
    exts.sort_unstable();
    parts[2] = exts
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join("-");
    parts.join(",")
}

/// Firefox's published fingerprints (tls.peet.ws capture of Firefox 148 on 2026-03-22, the
/// same ClientHello as Firefox 140 to 148): JA4 `t13d1717h2_5b57614c22b0_3cbfd9057e0d`, the JA3
/// string below (MD5 `6f7889b9fb1a62a9577e685c1fcfa919`). Firefox sends a fixed extension
/// order, so the exact JA3 is reached too, on every connection.
const FIREFOX_JA3: &str = "771,4865-4867-4866-49195-49199-52393-52392-49196-49200-49162-49161-49171-49172-156-157-47-53,0-23-65281-10-11-35-16-5-34-18-51-43-13-45-28-27-65037,4588-29-23-24-25-256-257,0";

#[test]
fn firefox_ja4_ja3_and_ja3n_match_published() {
    for _ in 0..8 {
        let ours = fp(Some(&FIREFOX));
        assert_eq!(ours.ja4, "t13d1717h2_5b57614c22b0_3cbfd9057e0d");
        assert_eq!(ours.ja3_text, FIREFOX_JA3);
        assert_eq!(ours.ja3, "6f7889b9fb1a62a9577e685c1fcfa919");
        assert_eq!(ours.ja3n_text, ja3n_text_of(FIREFOX_JA3));
        assert_eq!(ours.ja3n, "e4147a4860c1f347354f0a84d8787c02");
    }
}

/// Safari's published fingerprints: JA4 `t13d2014h2_a09f3c656075_14788d8d241b` (ja4db, Safari
/// 17 and 18), JA3 string below (MD5 `773906b0efdefa24a7f2b8eb6985bf37`, tshark's JA3 of a
/// Safari capture, the same hash browserleaks reports for Safari 17+).
const SAFARI_JA3: &str = "771,4865-4866-4867-49196-49195-52393-49200-49199-52392-49162-49161-49172-49171-157-156-53-47-49160-49170-10,0-23-65281-10-11-16-5-13-18-51-45-43-27-21,29-23-24-25,0";

#[test]
fn safari_ja4_ja3_and_ja3n_match_published() {
    for _ in 0..8 {
        let ours = fp(Some(&SAFARI));
        assert_eq!(ours.ja4, "t13d2014h2_a09f3c656075_14788d8d241b");
        assert_eq!(ours.ja3_text, SAFARI_JA3);
        assert_eq!(ours.ja3, "773906b0efdefa24a7f2b8eb6985bf37");
        assert_eq!(ours.ja3n_text, ja3n_text_of(SAFARI_JA3));
        assert_eq!(ours.ja3n, "44f7ed5185d22c92b96da72dbe68d307");
    }
}

/// What the fingerprints do not show: the contents of Firefox's extensions.
#[test]
fn firefox_extension_contents() {
    let h = hello(Some(&FIREFOX));
    assert!(
        !h.extensions
            .iter()
            .chain(&h.cipher_suites)
            .any(|v| tls::client_hello::is_grease(*v))
    );
    assert_eq!(h.groups, [4588, 29, 23, 24, 25, 256, 257]);
    assert_eq!(h.cipher_suites[..3], [0x1301, 0x1303, 0x1302]);
    assert_eq!(h.signature_algorithms.len(), 11);
    let (_, exts) = extensions_raw(&hello_wire(&FIREFOX));
    // record_size_limit: 2^14 + 1 (TLS 1.3 counts the content type byte).
    assert_eq!(ext(&exts, 28), [0x40, 0x01]);
    // delegated_credentials: ECDSA P-256, P-384, P-521, SHA-1, as Firefox offers them.
    assert_eq!(ext(&exts, 34), [0, 8, 4, 3, 5, 3, 6, 3, 2, 3]);
    // key_share: three shares, X25519MLKEM768 (1216 bytes), X25519, P-256.
    let ks = ext(&exts, 51);
    let mut shares = Vec::new();
    let mut i = 2;
    while i < ks.len() {
        let (g, n) = (
            u16::from_be_bytes([ks[i], ks[i + 1]]),
            usize::from(u16::from_be_bytes([ks[i + 2], ks[i + 3]])),
        );
        shares.push((g, n));
        i += 4 + n;
    }
    assert_eq!(shares, [(4588, 1216), (29, 32), (23, 65)]);
}

/// Safari lists `rsa_pss_rsae_sha384` twice, offers the 3DES ECDHE suites, and pads its
/// ClientHello to 512 bytes (BoringSSL's padding rule, which Safari's stack shares).
#[test]
fn safari_extension_contents() {
    let h = hello(Some(&SAFARI));
    assert_eq!(
        h.signature_algorithms
            .iter()
            .filter(|a| **a == 0x0805)
            .count(),
        2
    );
    for c in [0xc008, 0xc012, 0x000a] {
        assert!(h.cipher_suites.contains(&c), "{c:#06x}");
    }
    assert!(!h.extensions.contains(&35));
    let (hs_len, exts) = extensions_raw(&hello_wire(&SAFARI));
    assert_eq!(exts.last().unwrap().0, 21, "padding last");
    assert_eq!(hs_len, 512);
    assert!(tls::client_hello::is_grease(exts[0].0));
    assert!(tls::client_hello::is_grease(exts[exts.len() - 2].0));
}

/// A fixed extension order and random permutation exclude each other; a key-share count
/// BoringSSL cannot send is refused with the setting named, not replaced.
#[test]
fn inconsistent_profiles_are_refused() {
    let both = Profile {
        tls: tls::profile::TlsProfile {
            permute_extensions: true,
            ..FIREFOX.tls.clone()
        },
        ..FIREFOX.clone()
    };
    let four_shares = Profile {
        tls: tls::profile::TlsProfile {
            key_shares: Some(4),
            ..FIREFOX.tls.clone()
        },
        ..FIREFOX.clone()
    };
    let tiny_limit = Profile {
        tls: tls::profile::TlsProfile {
            record_size_limit: Some(63),
            ..FIREFOX.tls.clone()
        },
        ..FIREFOX.clone()
    };
    for (p, setting) in [
        (both, "extension order"),
        (four_shares, "key shares"),
        (tiny_limit, "record size limit"),
    ] {
        let mut b = ClientConfig::builder();
        b.system_roots(false).profile(p);
        match b.build() {
            Err(tls::Error::Config(tls::ConfigError::Profile { setting: s, .. })) => {
                assert_eq!(s, setting)
            }
            other => panic!("{setting}: {other:?}"),
        }
    }
}

/// A client without a profile keeps the groups and suites of `boring` 5.4's BoringSSL, not the
/// fork's: the post-quantum hybrids first (key shares for X25519MLKEM768 and X25519), and no
/// 3DES, DHE or CBC-SHA-2 suites.
#[test]
fn default_client_keeps_stock_boringssl_defaults() {
    let h = hello(None);
    assert_eq!(h.groups, [4588, 65074, 29, 23, 24]);
    assert_eq!(
        h.cipher_suites,
        [
            0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc009, 0xc013,
            0xc00a, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035
        ]
    );
}

#[test]
fn default_client_fingerprint_is_stable() {
    let a = fp(None);
    assert_eq!(a.ja3n, fp(None).ja3n);
    assert_eq!(a.ja4, fp(None).ja4);
    assert!(a.ja4.starts_with("t13d"), "{}", a.ja4);
}

#[test]
fn http2_profile_data() {
    assert_eq!(
        CHROME.http2.akamai_text(),
        "1:65536;2:0;4:6291456;6:262144|15663105|0|m,a,s,p"
    );
    assert_eq!(
        FIREFOX.http2.akamai_text(),
        "1:65536;2:0;4:131072;5:16384|12517377|0|m,p,a,s"
    );
    for p in [&CHROME, &FIREFOX, &SAFARI] {
        assert_eq!(p.http2.pseudo_header_order.len(), 4);
        assert!(
            p.http2_headers.iter().any(|(k, _)| *k == "user-agent"),
            "{}",
            p.name
        );
        assert!(
            p.http1_headers.iter().any(|(k, _)| *k == "User-Agent"),
            "{}",
            p.name
        );
        assert!(Profile::by_name(&p.name).is_some());
    }
}

/// ALPS carries HTTP/2 settings: with ALPN `http/1.1` alone (a WebSocket's HTTP/1.1-only
/// connection, `alpn_h2` off) Chrome's profile sends none, as Chromium with
/// `--disable-http2` (`runtime-mio/tests/browser_profiles.rs` compares that live).
#[test]
fn alps_only_when_its_protocol_is_offered() {
    let hello_with = |alpn: &[&[u8]]| {
        let mut b = ClientConfig::builder();
        b.system_roots(false).profile(&CHROME).alpn(alpn);
        let config = b.build().unwrap();
        let mut c = ClientSession::new(&config, "example.com").unwrap();
        c.handshake().unwrap();
        let mut wire = Vec::new();
        c.poll_transmit(&mut wire);
        ClientHello::parse_records(&wire).unwrap()
    };
    let h1 = hello_with(&[b"http/1.1"]);
    assert!(!h1.extensions.contains(&17613), "{:?}", h1.extensions);
    // One extension fewer than over HTTP/2, the cipher hash unchanged.
    assert!(
        h1.fingerprints()
            .ja4
            .starts_with("t13d1515h1_8daaf6152771_")
    );
    let h2 = hello_with(&[b"h2", b"http/1.1"]);
    assert!(h2.extensions.contains(&17613), "{:?}", h2.extensions);
}
