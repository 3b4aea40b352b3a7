//! HTTPS for the mocks: a certificate authority generated at start (with `rcgen`) and one leaf certificate it signs
//! for `localhost`, `127.0.0.1` and `::1`, served by rustls.
//!
//! Real providers are HTTPS, and some clients (the `oauth2` crate's revocation, browsers' secure contexts) insist on
//! it. The CA exists only in memory for the life of the process; [`MockCa::ca_pem`] is the certificate a client (the
//! harness's `--ca-cert`, curl's `--cacert`, a partner system's trust store) adds to trust every mock. Its private key
//! is never written anywhere.
//!
//! The crypto provider is aws-lc-rs, the one reqwest already uses, passed explicitly
//! ([`rustls::ServerConfig::builder_with_provider`]) so no process-wide default provider is needed or installed.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// The names the leaf certificate is valid for: every way a loopback mock is addressed.
pub const SERVER_NAMES: [&str; 3] = ["localhost", "127.0.0.1", "::1"];

/// Why the CA or the server configuration could not be made.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("generating the mock CA: {0}")]
    Certificate(#[from] rcgen::Error),
    #[error("configuring TLS: {0}")]
    Rustls(#[from] rustls::Error),
}

/// A certificate authority made at start and the server configuration for a leaf it signed. Cheap to clone: every
/// mock of an ecosystem shares one, so a client trusts one certificate for all of them.
#[derive(Clone)]
pub struct MockCa {
    ca_pem: Arc<str>,
    config: Arc<rustls::ServerConfig>,
}

impl std::fmt::Debug for MockCa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockCa")
            .field("names", &SERVER_NAMES)
            .finish_non_exhaustive()
    }
}

impl MockCa {
    /// Generates a P-256 CA ("clr-harness mock CA") and a leaf for [`SERVER_NAMES`] signed by it.
    pub fn generate() -> Result<MockCa, TlsError> {
        let day = Duration::from_secs(24 * 3600);
        let now = rcgen::date_time_ymd(1970, 1, 1) + SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        let ca_key = KeyPair::generate()?;
        let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
        ca_params.distinguished_name = name("clr-harness mock CA");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        // A day back absorbs clock skew between the mocks and a client on another machine.
        ca_params.not_before = now - day;
        ca_params.not_after = now + 3650 * day;
        ca_params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca_cert = ca_params.self_signed(&ca_key)?;
        let ca = Issuer::new(ca_params, ca_key);

        let leaf_key = KeyPair::generate()?;
        let names: Vec<String> = SERVER_NAMES.iter().map(|n| (*n).to_string()).collect();
        // `new` turns "127.0.0.1" and "::1" into IP address SANs, "localhost" into a DNS name.
        let mut leaf_params = CertificateParams::new(names)?;
        leaf_params.distinguished_name = name("clr-harness mock server");
        leaf_params.is_ca = IsCa::ExplicitNoCa;
        // Within the 398 days browsers accept for a server certificate.
        leaf_params.not_before = now - day;
        leaf_params.not_after = now + 365 * day;
        leaf_params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        leaf_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        leaf_params.use_authority_key_identifier_extension = true;
        let leaf = leaf_params.signed_by(&leaf_key, &ca)?;

        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
        let chain: Vec<CertificateDer<'static>> = vec![leaf.der().clone(), ca_cert.der().clone()];
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_single_cert(chain, key)?;
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(MockCa {
            ca_pem: Arc::from(ca_cert.pem()),
            config: Arc::new(config),
        })
    }

    /// The CA certificate (PEM), to give to clients: trusting it trusts every mock served with this CA.
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// The rustls configuration the mocks serve with (leaf chain and key, ALPN h2 and http/1.1).
    pub fn server_config(&self) -> Arc<rustls::ServerConfig> {
        self.config.clone()
    }
}

fn name(common_name: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, common_name);
    dn.push(DnType::OrganizationName, "clr-harness mocks");
    dn
}
