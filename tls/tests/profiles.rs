//! Browser profiles: our own ClientHello, captured from the memory buffer, against the
//! published fingerprints of the browsers they model.

use tls::client_hello::ja4_from_raw;
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

/// Firefox's target JA4 is `t13d1717h2_5b57614c22b0_3cbfd9057e0d`: out of reach, because
/// BoringSSL cannot send `record_size_limit` (0x001c) or `delegated_credentials` (0x0022) as
/// a client. Everything else matches: the cipher hash equals the target's, and adding exactly
/// those two extensions to our raw JA4 gives the target's extension hash.
#[test]
fn firefox_ja4_target_unreachable() {
    let ours = fp(Some(&FIREFOX));
    assert_ne!(ours.ja4, "t13d1717h2_5b57614c22b0_3cbfd9057e0d");
    assert!(
        ours.ja4.starts_with("t13d1715h2_5b57614c22b0_"),
        "{}",
        ours.ja4
    );
    let mut parts: Vec<String> = ours.ja4_r.splitn(4, '_').map(str::to_owned).collect();
    let mut exts: Vec<&str> = parts[2].split(',').collect();
    assert!(!exts.contains(&"001c") && !exts.contains(&"0022"));
    exts.extend(["001c", "0022"]);
    exts.sort_unstable();
    parts[2] = exts.join(",");
    parts[0] = "t13d1717h2".to_owned();
    assert_eq!(
        ja4_from_raw(&parts.join("_")).unwrap(),
        "t13d1717h2_5b57614c22b0_3cbfd9057e0d"
    );
}

#[test]
fn firefox_has_no_grease_and_three_key_shares_offered_groups() {
    let h = hello(Some(&FIREFOX));
    assert!(
        !h.extensions
            .iter()
            .chain(&h.cipher_suites)
            .any(|v| tls::client_hello::is_grease(*v))
    );
    assert_eq!(h.groups, [4588, 29, 23, 24, 25]);
    assert_eq!(h.signature_algorithms.len(), 11);
    let f1 = fp(Some(&FIREFOX));
    assert_eq!(
        f1.ja3,
        fp(Some(&FIREFOX)).ja3,
        "no permutation: JA3 itself is stable"
    );
}

/// Safari 18's JA4 is `t13d2014h2_a09f3c656075_14788d8d241b`: out of reach (3DES ECDHE suites
/// BoringSSL lacks, a duplicated signature algorithm BoringSSL refuses, padding). The parts
/// that do not depend on those match: TLS 1.3, SNI, h2, and no session_ticket extension.
#[test]
fn safari_ja4_partial() {
    let ours = fp(Some(&SAFARI));
    assert_ne!(ours.ja4, "t13d2014h2_a09f3c656075_14788d8d241b");
    assert!(ours.ja4.starts_with("t13d18"), "{}", ours.ja4);
    assert!(ours.ja4[6..].starts_with("13h2"), "{}", ours.ja4);
    let h = hello(Some(&SAFARI));
    assert!(!h.extensions.contains(&35));
    assert!(h.extensions.contains(&27));
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
        assert!(Profile::by_name(p.name).is_some());
    }
}
