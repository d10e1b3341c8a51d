//! The three error families stay apart (peer faults, caller misuse, configuration) and a
//! configuration error names what was refused.

mod common;

use std::path::Path;

use common::{client_builder, handshake, pki, server_builder};
use tls::{
    ClientConfig, ClientSession, ConfigError, Error, Misuse, PeerError, ServerConfig,
    ServerSession, profile,
};

#[test]
fn bad_root_pem_is_a_config_error_naming_the_roots() {
    let mut b = ClientConfig::builder();
    b.system_roots(false)
        .add_root_pem(b"-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n");
    let err = b.build().unwrap_err();
    assert!(
        matches!(
            &err,
            Error::Config(ConfigError::Pem {
                what: "root certificates",
                ..
            })
        ),
        "{err:?}"
    );
    assert!(!err.is_peer_fault());
    assert!(err.to_string().contains("root certificates"), "{err}");
}

#[test]
fn server_without_certificate_is_invalid_config() {
    let err = ServerConfig::builder().build().unwrap_err();
    assert!(
        matches!(
            &err,
            Error::Config(ConfigError::Invalid {
                setting: "server certificate",
                ..
            })
        ),
        "{err:?}"
    );
}

#[test]
fn server_chain_without_certificate_names_the_chain() {
    let pki = pki();
    let mut b = ServerConfig::builder();
    b.cert_pem(b"", &pki.server.key_pem);
    let err = b.build().unwrap_err();
    assert!(
        matches!(
            &err,
            Error::Config(ConfigError::Pem {
                what: "server certificate chain",
                ..
            })
        ),
        "{err:?}"
    );
}

#[test]
fn key_that_does_not_match_the_leaf_is_invalid_config() {
    let pki = pki();
    let other = pki
        .ca
        .leaf(&["other"], common::now() - 60, common::now() + 60, false)
        .unwrap();
    let mut b = ServerConfig::builder();
    b.cert_pem(&pki.server.chain_pem, &other.key_pem);
    let err = b.build().unwrap_err();
    assert!(
        matches!(
            &err,
            Error::Config(ConfigError::Invalid {
                setting: "private key",
                ..
            })
        ),
        "{err:?}"
    );
}

#[test]
fn missing_pem_file_names_the_path_and_io_kind() {
    let path = Path::new("/nonexistent/tls-test/chain.pem");
    let err = ServerConfig::builder()
        .cert_pem_files(path, path)
        .map(|_| ())
        .unwrap_err();
    let Error::Config(ConfigError::File { path: p, kind, .. }) = &err else {
        panic!("{err:?}");
    };
    assert_eq!(p, path);
    assert_eq!(*kind, std::io::ErrorKind::NotFound);
    assert!(err.to_string().contains("/nonexistent/tls-test/chain.pem"));
}

#[test]
fn empty_alpn_name_is_invalid_config() {
    let mut b = ClientConfig::builder();
    b.system_roots(false).alpn(&[b""]);
    let err = b.build().unwrap_err();
    assert!(
        matches!(
            &err,
            Error::Config(ConfigError::Invalid {
                setting: "ALPN protocol",
                ..
            })
        ),
        "{err:?}"
    );
}

#[test]
fn bad_profile_setting_names_the_profile_and_setting() {
    let mut bad = profile::CHROME.clone();
    bad.name = "broken".into();
    bad.tls.cipher_list = "NO-SUCH-CIPHER".into();
    let mut b = ClientConfig::builder();
    b.system_roots(false).profile(bad);
    let err = b.build().unwrap_err();
    assert!(
        matches!(
            &err,
            Error::Config(ConfigError::Profile {
                profile,
                setting: "cipher list",
                ..
            }) if profile == "broken"
        ),
        "{err:?}"
    );
}

#[test]
fn peer_faults_misuse_and_config_are_three_families() {
    let pki = pki();
    // Peer: a certificate from an unknown CA.
    let other = tls::testing::self_signed(&["localhost"], common::now()).unwrap();
    let mut c = ClientSession::new(&client_builder(&pki).build().unwrap(), "localhost").unwrap();
    let mut s = ServerSession::new(&server_builder(&other).build().unwrap()).unwrap();
    let (rc, _) = handshake(&mut c, &mut s);
    let err = rc.unwrap_err();
    assert!(
        matches!(err, Error::Peer(PeerError::CertificateVerification { .. })),
        "{err:?}"
    );
    assert!(err.is_peer_fault());
    // Peer: garbage instead of a ClientHello.
    let mut s = ServerSession::new(&server_builder(&pki.server).build().unwrap()).unwrap();
    s.recv(&[0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5])
        .unwrap();
    let err = s.handshake().unwrap_err();
    assert!(
        matches!(err, Error::Peer(PeerError::Handshake { .. })),
        "{err:?}"
    );
    // Misuse: the session that failed is not the peer's doing any more.
    assert_eq!(
        s.handshake().unwrap_err(),
        Error::Misuse(Misuse::SessionFailed)
    );
    assert!(!Error::Misuse(Misuse::SessionFailed).is_peer_fault());
}
