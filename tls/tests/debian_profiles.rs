//! The `chromium` and `firefox-esr` profiles against the captures they cite (Debian's
//! Chromium 156 and Firefox ESR 153 on loopback, 2026-12-06), without the browsers: our own
//! ClientHello, taken from the memory buffer, equals Firefox ESR's capture and falls short of
//! Chromium's by exactly the elements the profile documentation lists as unsendable, and the
//! HTTP/2 side gives the captured Akamai strings. (`runtime-mio/tests/browser_profiles.rs` compares with the live
//! browsers.)

use tls::client_hello::ja4_from_raw;
use tls::profile::{CHROMIUM, FIREFOX_ESR};
use tls::{ClientConfig, ClientHello, ClientSession, Profile};

/// Our ClientHello for `profile` to `localhost` (the captures' server name).
fn hello(profile: &'static Profile) -> ClientHello {
    let mut b = ClientConfig::builder();
    b.system_roots(false).profile(profile);
    let config = b.build().unwrap();
    let mut c = ClientSession::new(&config, "localhost").unwrap();
    c.handshake().unwrap();
    let mut wire = Vec::new();
    c.poll_transmit(&mut wire);
    ClientHello::parse_records(&wire).unwrap()
}

/// Our JA4_r with `extensions` added to its extension list and `sigalgs` put before its
/// signature algorithms, the extension count raised to match, hashed back into a JA4.
fn ja4_with(ours_r: &str, extensions: &[&str], sigalgs: &[&str]) -> String {
    let parts: Vec<&str> = ours_r.splitn(4, '_').collect();
    let mut exts: Vec<&str> = parts[2].split(',').collect();
    for e in extensions {
        assert!(!exts.contains(e), "{e} already in {ours_r}");
    }
    exts.extend(extensions);
    exts.sort_unstable();
    let mut algs: Vec<&str> = sigalgs.to_vec();
    algs.extend(parts[3].split(','));
    // JA4_a: `t13d` + cipher count + extension count (SNI and ALPN included) + ALPN.
    let a = parts[0];
    let count: usize = a[6..8].parse().unwrap();
    let a = format!("{}{:02}{}", &a[..6], count + extensions.len(), &a[8..]);
    ja4_from_raw(&format!(
        "{a}_{}_{}_{}",
        parts[1],
        exts.join(","),
        algs.join(",")
    ))
    .unwrap()
}

/// Chromium 156: our JA4 is `t13d1516h2_8daaf6152771_d8a2da3f94cd` (Chrome 143's: the same
/// ciphers, extensions and signature algorithms); adding the Trust Anchor Identifiers
/// extension (0xca34) and the ML-DSA signature algorithms (0x0904..0x0906) that our `tls`
/// cannot send gives the captured JA4.
#[test]
fn chromium_short_of_the_capture_by_trust_anchors_and_ml_dsa() {
    let fp = hello(&CHROMIUM).fingerprints();
    assert_eq!(fp.ja4, "t13d1516h2_8daaf6152771_d8a2da3f94cd");
    assert_eq!(
        ja4_with(&fp.ja4_r, &["ca34"], &["0904", "0905", "0906"]),
        CHROMIUM.published_ja4
    );
    assert_eq!(
        CHROMIUM.published_ja4,
        "t13d1517h2_8daaf6152771_cb7bf5808d99"
    );
}

/// Firefox ESR 153: our ClientHello gives the captured JA4 and the captured JA3 string
/// (ciphers, extensions in Firefox's order, groups with ffdhe2048 and ffdhe3072), with no
/// GREASE and three key shares.
#[test]
fn firefox_esr_equals_the_capture() {
    let h = hello(&FIREFOX_ESR);
    let fp = h.fingerprints();
    assert_eq!(fp.ja4, FIREFOX_ESR.published_ja4);
    assert_eq!(
        FIREFOX_ESR.published_ja4,
        "t13d1617h2_86a278354501_3cbfd9057e0d"
    );
    assert_eq!(
        fp.ja3_text,
        "771,4865-4867-4866-49195-49199-52393-52392-49196-49200-49162-49171-49172-156-157-47-53,\
         0-23-65281-10-11-35-16-5-34-18-51-43-13-45-28-27-65037,4588-29-23-24-25-256-257,0"
    );
    assert!(
        !h.extensions
            .iter()
            .chain(&h.cipher_suites)
            .any(|v| tls::client_hello::is_grease(*v))
    );
    assert_eq!(FIREFOX_ESR.tls.key_shares, Some(3));
}

/// The HTTP/2 prefaces as the captures show them (Akamai strings from `/fingerprint`).
#[test]
fn akamai_strings_of_the_captures() {
    assert_eq!(
        CHROMIUM.http2.akamai_text(),
        "1:65536;2:0;4:6291456;6:262144|15663105|0|m,a,s,p"
    );
    assert_eq!(
        FIREFOX_ESR.http2.akamai_text(),
        "1:65536;2:0;4:131072;5:16384|12517377|0|m,p,a,s"
    );
    for p in [&CHROMIUM, &FIREFOX_ESR] {
        assert_eq!(Profile::by_name(&p.name), Some(p));
    }
}
