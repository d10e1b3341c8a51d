//! Custom profiles built from a JA3 string and an Akamai string: every built-in round-trips
//! through its strings, and every element that cannot be sent is refused by name.

use tls::client_hello::is_grease;
use tls::profile::{
    BUILT_IN, CustomOptions, ExtensionOrder, Input, ProfileBuildError as E, SharedProfile,
};
use tls::{ClientConfig, ClientHello, ClientSession, Profile};

/// The ClientHello a config with `profile` sends first, as bytes parsed.
fn hello(profile: impl Into<SharedProfile>) -> ClientHello {
    let mut b = ClientConfig::builder();
    b.system_roots(false).profile(profile);
    let config = b.build().unwrap();
    let mut c = ClientSession::new(&config, "example.com").unwrap();
    c.handshake().unwrap();
    let mut wire = Vec::new();
    c.poll_transmit(&mut wire);
    ClientHello::parse_records(&wire).unwrap()
}

/// What the wire shows beyond JA3 (the signature algorithms and ALPN, both in JA4), and the
/// two things JA3 cannot say at all (GREASE, which JA3 leaves out, and whether the order is
/// permuted), taken from the built-in; the rest is left at its default.
fn options_from(p: &Profile, h: &ClientHello) -> CustomOptions {
    CustomOptions {
        name: p.name.clone(),
        signature_algorithms: h.signature_algorithms.clone().into(),
        alpn: h
            .alpn
            .iter()
            .map(|a| String::from_utf8(a.clone()).unwrap().into())
            .collect::<Vec<_>>()
            .into(),
        grease: h.cipher_suites.iter().any(|c| is_grease(*c)),
        extension_order: if p.tls.permute_extensions {
            ExtensionOrder::Permuted
        } else {
            ExtensionOrder::AsGiven
        },
        ..CustomOptions::default()
    }
}

/// Each built-in's JA3 string (from the hello its config sends) and Akamai string give a
/// custom profile whose hello has the same JA3 (JA3N for a permuting profile, whose JA3
/// changes per connection), the same JA4 and JA4_r, and whose Akamai string is the same.
#[test]
fn every_built_in_round_trips_through_its_strings() {
    for p in BUILT_IN {
        let original = hello(p);
        let want = original.fingerprints();
        let akamai = p.http2.akamai_text();
        let custom =
            Profile::from_ja3_akamai_with(&want.ja3_text, &akamai, &options_from(p, &original))
                .unwrap_or_else(|e| panic!("{}: {e}", p.name));
        assert_eq!(custom.http2.akamai_text(), akamai, "{}", p.name);
        assert_eq!(custom.http2.settings, p.http2.settings, "{}", p.name);
        let got = hello(custom.clone()).fingerprints();
        assert_eq!(got.ja4, want.ja4, "{}", p.name);
        assert_eq!(got.ja4_r, want.ja4_r, "{}", p.name);
        assert_eq!(got.ja3n, want.ja3n, "{}", p.name);
        if p.tls.permute_extensions {
            // The order is random per connection in both.
            assert!(custom.tls.permute_extensions && custom.tls.extension_order.is_none());
        } else {
            assert_eq!(got.ja3_text, want.ja3_text, "{}", p.name);
            // And on every connection.
            assert_eq!(hello(custom).fingerprints().ja3, want.ja3, "{}", p.name);
        }
        // The published JA4 of the browser is the built-in's target, reached by the custom
        // profile too where the built-in reaches it.
        if want.ja4 == p.published_ja4 {
            assert_eq!(got.ja4, p.published_ja4, "{}", p.name);
        }
    }
}

/// The strings say what the TLS half switches on: the extension list decides stapling, SCT,
/// tickets, ALPN, certificate compression, ALPS, ECH GREASE, record size limit and delegated
/// credentials, each off when its extension is absent.
#[test]
fn extensions_switch_the_settings() {
    let firefox = "771,4865-4867-4866-49195-49199,0-23-65281-10-11-35-16-5-34-18-51-43-13-45-28-27-65037,4588-29-23-24-25-256-257,0";
    let p = Profile::from_ja3_akamai(firefox, "1:65536;2:0;4:131072;5:16384|12517377|0|m,p,a,s")
        .unwrap();
    let t = &p.tls;
    assert_eq!(
        t.tls13_ciphers.as_deref(),
        Some("TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_256_GCM_SHA384")
    );
    assert_eq!(
        t.cipher_list,
        "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256"
    );
    assert_eq!(
        t.groups,
        "X25519MLKEM768:X25519:P-256:P-384:P-521:ffdhe2048:ffdhe3072"
    );
    assert!(t.ocsp_stapling && t.signed_cert_timestamps && t.session_tickets && t.ech_grease);
    assert_eq!(t.record_size_limit, Some(16385));
    assert!(t.delegated_credentials.is_some());
    assert!(!t.grease && !t.permute_extensions && t.alps.is_none());
    assert_eq!(
        t.extension_order.as_deref(),
        Some(
            &[
                0, 23, 65281, 10, 11, 35, 16, 5, 34, 18, 51, 43, 13, 45, 28, 27, 65037
            ][..]
        )
    );
    assert_eq!(
        p.http2
            .pseudo_header_order
            .iter()
            .map(|s| &**s)
            .collect::<Vec<_>>(),
        [":method", ":path", ":authority", ":scheme"]
    );

    let minimal = "771,4865-49199,0-23-65281-10-11-13-51-45-43-21,29,0";
    let p = Profile::from_ja3_akamai(minimal, "|0|0|m,a,s,p").unwrap();
    let t = &p.tls;
    assert!(!t.ocsp_stapling && !t.signed_cert_timestamps && !t.session_tickets && !t.ech_grease);
    assert!(t.alpn.is_empty() && t.cert_compression.is_empty() && t.alps.is_none());
    assert_eq!(
        (t.record_size_limit, t.delegated_credentials.as_ref()),
        (None, None)
    );
    // Padding is placed by BoringSSL, not listed in the fixed order.
    assert_eq!(
        t.extension_order.as_deref(),
        Some(&[0, 23, 65281, 10, 11, 13, 51, 45, 43][..])
    );
    assert!(p.http2.settings.is_empty());
    let h = hello(p);
    assert_eq!(h.cipher_suites, [0x1301, 0xc02f]);
    assert_eq!(h.groups, [29]);
    assert!(!h.extensions.contains(&35) && !h.extensions.contains(&16));
    // Nothing switched off is sent anyway (5, 18, 27, 65037...): the hello's JA3 is the
    // string, but for padding, which BoringSSL adds only to a hello of 256 to 511 bytes (this
    // one is shorter; the Safari round trip shows it placed when the length calls for it).
    assert_eq!(h.fingerprints().ja3_text, minimal.replace("-21,", ","));
}

/// GREASE values in any list turn GREASE on and are not sent as ciphers or groups of their own.
#[test]
fn grease_in_the_string_means_grease_on() {
    let ja3 = "771,2570-4865-4866-49199,2570-0-23-65281-10-11-13-51-45-43,6682-29-23,0";
    let p = Profile::from_ja3_akamai(ja3, "2:0|0|0|m,a,s,p").unwrap();
    assert!(p.tls.grease);
    assert_eq!(p.tls.groups, "X25519:P-256");
    let h = hello(p);
    assert!(is_grease(h.cipher_suites[0]));
    assert_eq!(
        h.fingerprints().ja3_text,
        "771,4865-4866-49199,0-23-65281-10-11-13-51-45-43,29-23,0"
    );
}

const BASE_AKAMAI: &str = "1:65536|15663105|0|m,a,s,p";

fn ja3_err(ja3: &str) -> E {
    Profile::from_ja3_akamai(ja3, BASE_AKAMAI).unwrap_err()
}

fn akamai_err(akamai: &str) -> E {
    Profile::from_ja3_akamai("771,4865-49199,0-23-65281-10-11-13-51-45-43,29,0", akamai)
        .unwrap_err()
}

/// Each kind of element a profile cannot honour is refused with the element and its
/// position, and the message names it.
#[test]
fn refused_elements_are_named() {
    const EXTS: &str = "0-23-65281-10-11-13-51-45-43";
    let cases: Vec<(E, &str)> = vec![
        (
            ja3_err("771,4865-49199,0-23"),
            "JA3 string: fields element 3",
        ),
        (
            ja3_err(&format!("771,4865-x,{EXTS},29,0")),
            "ciphers element 1 (\"x\")",
        ),
        (
            ja3_err(&format!("769,4865-49199,{EXTS},29,0")),
            "JA3 version 769",
        ),
        (
            ja3_err(&format!("771,4865-49199-255,{EXTS},29,0")),
            "JA3 cipher 255 (0x00ff) at position 2",
        ),
        (
            ja3_err(&format!("771,4865-49199-4866,{EXTS},29,0")),
            "JA3 cipher 4866 (0x1302) at position 2: a TLS 1.3 suite after",
        ),
        (
            ja3_err(&format!("771,49199,{EXTS},29,0")),
            "no TLS 1.3 suite",
        ),
        (
            ja3_err(&format!("771,4865,{EXTS},29,0")),
            "no TLS 1.2 suite",
        ),
        (
            ja3_err("771,4865-49199,0-23-65281-10-11-13-51-45-43-22,29,0"),
            "JA3 extension 22 (0x0016) at position 9",
        ),
        (
            ja3_err("771,4865-49199,0-23-65281-10-11-13-51-45-43-5-5,29,0"),
            "JA3 extension 5 at position 10: given twice",
        ),
        (
            ja3_err("771,4865-49199,0-23-65281-10-11-13-51-45,29,0"),
            "43 missing",
        ),
        (
            ja3_err(&format!("771,4865-49199,{EXTS},29-30,0")),
            "JA3 group 30 (0x001e) at position 1",
        ),
        (
            ja3_err(&format!("771,4865-49199,{EXTS},29,0-1")),
            "JA3 point format 1 at position 1",
        ),
        (
            akamai_err("1:65536;7:1|0|0|m,a,s,p"),
            "SETTINGS identifier 7 at position 1",
        ),
        (
            akamai_err("1:65536;1:1|0|0|m,a,s,p"),
            "identifier 1 at position 1: given twice",
        ),
        (
            akamai_err("1:x|0|0|m,a,s,p"),
            "settings element 0 (\"1:x\")",
        ),
        (
            akamai_err("1:1|0|3:0:0:201|m,a,s,p"),
            "PRIORITY frames \"3:0:0:201\"",
        ),
        (
            akamai_err("1:1|0|0|m,a,x,p"),
            "pseudo-header \"x\" at position 2",
        ),
        (
            akamai_err("1:1|0|0|m,a,m,p"),
            "pseudo-header \"m\" at position 2",
        ),
        (
            akamai_err("1:1|0|0|m,a,s"),
            "pseudo-header \"\" at position 3",
        ),
        (akamai_err("1:1|0|0"), "Akamai string: fields element 3"),
        (
            akamai_err("1:1|+5|0|m,a,s,p"),
            "window update element 0 (\"+5\")",
        ),
    ];
    for (err, text) in &cases {
        assert!(err.to_string().contains(text), "{err} lacks {text:?}");
    }
    // The typed fields, one per kind.
    assert_eq!(
        cases[3].0,
        E::Cipher {
            id: 255,
            position: 2
        }
    );
    assert_eq!(cases[2].0, E::Version { version: 769 });
    assert_eq!(cases[6].0, E::NoTls12Cipher);
    assert_eq!(
        cases[7].0,
        E::Extension {
            id: 22,
            position: 9
        }
    );
    assert_eq!(cases[9].0, E::MissingExtension { id: 43 });
    assert_eq!(
        cases[10].0,
        E::Group {
            id: 30,
            position: 1
        }
    );
    assert_eq!(cases[12].0, E::Setting { id: 7, position: 1 });
    assert!(matches!(
        &cases[1].0,
        E::Malformed { input: Input::Ja3, field: "ciphers", position: 1, element } if element == "x"
    ));
    assert!(matches!(
        &cases[14].0,
        E::Malformed {
            input: Input::Akamai,
            ..
        }
    ));
    assert!(matches!(&cases[15].0, E::PriorityFrames { .. }));
}

/// `ec_point_formats` (11) goes out in every hello, with or without a TLS 1.2 ECDHE suite
/// (what the fork does, whatever BoringSSL's source suggests), so a string must list it, with
/// `uncompressed` (0) alone; ALPS needs ALPN.
#[test]
fn point_formats_always_and_alps_with_alpn() {
    let without_ecdhe = "771,4865-47,0-23-65281-10-11-13-51-45-43,29,0";
    let p = Profile::from_ja3_akamai(without_ecdhe, BASE_AKAMAI).unwrap();
    assert_eq!(hello(p).fingerprints().ja3_text, without_ecdhe);
    assert_eq!(
        ja3_err("771,4865-47,0-23-65281-10-13-51-45-43,29,"),
        E::MissingExtension { id: 11 }
    );
    assert!(matches!(
        ja3_err("771,4865-49199,0-23-65281-10-11-13-51-45-43,29,"),
        E::Malformed {
            field: "point formats",
            ..
        }
    ));
    let err = ja3_err("771,4865-49199,0-23-65281-10-11-13-51-45-43-17613,29,0");
    assert_eq!(
        err,
        E::ExtensionNotSent {
            id: 17613,
            position: 9,
            reason: "ALPS is sent only with ALPN (16)"
        }
    );
    assert!(
        err.to_string()
            .contains("JA3 extension 17613 at position 9"),
        "{err}"
    );
    // Positions count GREASE values, as in the string.
    assert_eq!(
        ja3_err("771,4865-49199,2570-0-23-65281-10-11-13-51-45-43-17613,29,0"),
        E::ExtensionNotSent {
            id: 17613,
            position: 10,
            reason: "ALPS is sent only with ALPN (16)"
        }
    );
    assert_eq!(
        ja3_err("771,4865-49199,0-23-65281-10-11-13-51-45-43-16-17513-17613,29,0"),
        E::DuplicateExtension {
            id: 17613,
            position: 11
        }
    );
}
