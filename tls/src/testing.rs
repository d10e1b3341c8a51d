//! Throwaway certificates for tests, examples and benches: a CA and leaf certificates made with
//! BoringSSL's X.509 builder (P-256 keys, SHA-256 signatures).
//!
//! Validity is given in Unix seconds by the caller (the crate reads no clock).
//!
//! ```
//! let now = 1_700_000_000;
//! let ca = tls::testing::Ca::new("Test CA", now).unwrap();
//! let leaf = ca.leaf(&["localhost"], now - 60, now + 3600, false).unwrap();
//! assert!(leaf.chain_pem.starts_with(b"-----BEGIN CERTIFICATE-----"));
//! ```

use boring::asn1::{Asn1Integer, Asn1Time};
use boring::bn::BigNum;
use boring::ec::{EcGroup, EcKey};
use boring::hash::MessageDigest;
use boring::nid::Nid;
use boring::pkey::{PKey, Private};
use boring::x509::extension::{
    BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAlternativeName,
};
use boring::x509::{X509, X509Builder, X509Name, X509NameBuilder};

use boring::error::ErrorStack;

use crate::{ConfigError, Error};

/// The error of this module's functions: BoringSSL failed to make a test certificate.
fn cert_error(e: ErrorStack) -> Error {
    ConfigError::rejected("test certificate")(e)
}

/// A certificate chain (leaf first) and its key, both PEM.
#[derive(Debug, Clone)]
pub struct CertifiedKey {
    /// The chain, leaf first.
    pub chain_pem: Vec<u8>,
    /// The private key (PKCS#8 PEM).
    pub key_pem: Vec<u8>,
}

/// A certificate authority.
pub struct Ca {
    cert: X509,
    key: PKey<Private>,
    serial: std::cell::Cell<u32>,
}

impl std::fmt::Debug for Ca {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ca").finish_non_exhaustive()
    }
}

fn key() -> Result<PKey<Private>, ErrorStack> {
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1)?;
    PKey::from_ec_key(EcKey::generate(&group)?)
}

fn name(cn: &str) -> Result<X509Name, ErrorStack> {
    let mut b = X509NameBuilder::new()?;
    b.append_entry_by_nid(Nid::COMMONNAME, cn)?;
    Ok(b.build())
}

#[allow(clippy::too_many_arguments)]
fn build(
    subject: &X509Name,
    issuer: Option<(&X509, &PKey<Private>)>,
    key: &PKey<Private>,
    serial: u32,
    not_before: i64,
    not_after: i64,
    ca: bool,
    dns: &[&str],
    client: bool,
) -> Result<X509, ErrorStack> {
    let mut b = X509Builder::new()?;
    b.set_version(2)?;
    let serial = BigNum::from_u32(serial)?;
    let serial = Asn1Integer::from_bn(&serial)?;
    b.set_serial_number(&serial)?;
    b.set_subject_name(subject)?;
    match issuer {
        Some((c, _)) => b.set_issuer_name(c.subject_name())?,
        None => b.set_issuer_name(subject)?,
    }
    b.set_pubkey(key)?;
    let (nb, na) = (
        Asn1Time::from_unix(not_before)?,
        Asn1Time::from_unix(not_after)?,
    );
    b.set_not_before(&nb)?;
    b.set_not_after(&na)?;
    if ca {
        let ext = BasicConstraints::new().critical().ca().build()?;
        b.append_extension(&ext)?;
        let ext = KeyUsage::new()
            .critical()
            .key_cert_sign()
            .digital_signature()
            .build()?;
        b.append_extension(&ext)?;
    } else {
        let ext = BasicConstraints::new().build()?;
        b.append_extension(&ext)?;
        // A self-signed leaf may sign itself (as `openssl req -x509` makes them).
        let mut ku = KeyUsage::new();
        ku.critical().digital_signature();
        if issuer.is_none() {
            ku.key_cert_sign();
        }
        let ext = ku.build()?;
        b.append_extension(&ext)?;
        let mut eku = ExtendedKeyUsage::new();
        eku.server_auth();
        if client {
            eku.client_auth();
        }
        let ext = eku.build()?;
        b.append_extension(&ext)?;
    }
    if !dns.is_empty() {
        let mut san = SubjectAlternativeName::new();
        for d in dns {
            if d.parse::<std::net::IpAddr>().is_ok() {
                san.ip(d);
            } else {
                san.dns(d);
            }
        }
        let ext = san.build(&b.x509v3_context(issuer.map(|(c, _)| c.as_ref()), None))?;
        b.append_extension(&ext)?;
    }
    let signer = issuer.map_or(key, |(_, k)| k);
    b.sign(signer, MessageDigest::sha256())?;
    Ok(b.build())
}

impl Ca {
    /// A CA valid from a day before `now` to ten years after it.
    ///
    /// # Errors
    /// [`ConfigError::Rejected`] when BoringSSL fails.
    pub fn new(common_name: &str, now: i64) -> Result<Self, Error> {
        Self::make(common_name, now).map_err(cert_error)
    }

    fn make(common_name: &str, now: i64) -> Result<Self, ErrorStack> {
        let key = key()?;
        let cert = build(
            &name(common_name)?,
            None,
            &key,
            1,
            now - 86_400,
            now + 3_650 * 86_400,
            true,
            &[],
            false,
        )?;
        Ok(Self {
            cert,
            key,
            serial: std::cell::Cell::new(2),
        })
    }

    /// The CA certificate, PEM (a trust root for clients or for client-certificate checks).
    ///
    /// # Errors
    /// [`ConfigError::Rejected`] when BoringSSL fails.
    pub fn cert_pem(&self) -> Result<Vec<u8>, Error> {
        self.cert.to_pem().map_err(cert_error)
    }

    /// A leaf certificate for `names` (DNS names or IP addresses), valid in
    /// `[not_before, not_after]`, usable for client authentication too when `client`.
    ///
    /// # Errors
    /// [`ConfigError::Rejected`] when BoringSSL fails.
    pub fn leaf(
        &self,
        names: &[&str],
        not_before: i64,
        not_after: i64,
        client: bool,
    ) -> Result<CertifiedKey, Error> {
        self.make_leaf(names, not_before, not_after, client)
            .map_err(cert_error)
    }

    fn make_leaf(
        &self,
        names: &[&str],
        not_before: i64,
        not_after: i64,
        client: bool,
    ) -> Result<CertifiedKey, ErrorStack> {
        let key = key()?;
        let serial = self.serial.get();
        self.serial.set(serial + 1);
        let cn = names.first().copied().unwrap_or("leaf");
        let cert = build(
            &name(cn)?,
            Some((&self.cert, &self.key)),
            &key,
            serial,
            not_before,
            not_after,
            false,
            names,
            client,
        )?;
        let mut chain_pem = cert.to_pem()?;
        chain_pem.extend_from_slice(&self.cert.to_pem()?);
        Ok(CertifiedKey {
            chain_pem,
            key_pem: key.private_key_to_pem_pkcs8()?,
        })
    }
}

/// A self-signed leaf certificate for `names`.
///
/// # Errors
/// [`ConfigError::Rejected`] when BoringSSL fails.
pub fn self_signed(names: &[&str], now: i64) -> Result<CertifiedKey, Error> {
    make_self_signed(names, now).map_err(cert_error)
}

fn make_self_signed(names: &[&str], now: i64) -> Result<CertifiedKey, ErrorStack> {
    let key = key()?;
    let cn = names.first().copied().unwrap_or("self-signed");
    let cert = build(
        &name(cn)?,
        None,
        &key,
        7,
        now - 3600,
        now + 86_400,
        false,
        names,
        false,
    )?;
    Ok(CertifiedKey {
        chain_pem: cert.to_pem()?,
        key_pem: key.private_key_to_pem_pkcs8()?,
    })
}
