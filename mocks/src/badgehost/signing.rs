//! RS256 compact JWS over an OB 2.0 Assertion, and the PEM public key its CryptographicKey document publishes.
//!
//! OB 2.0 signed badges predate JWKs: the key is an RSA `publicKeyPem`, and badgecheck only handles RSA + RS256.
//! RSA keys cannot be derived from a seed, so one fixed test key (`mocks/data/badgehost-rsa-test-key.pem`, made
//! with `openssl genrsa 2048`) signs everything; PKCS#1 v1.5 signatures are deterministic, so the same assertion
//! always gives the same JWS bytes.

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeyPair;
use aws_lc_rs::signature::{KeyPair as _, RSA_PKCS1_SHA256};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Value, json};

use super::BadgeHostError;

/// The committed test key (PKCS#8 PEM). A test key: never use it for anything real.
const TEST_KEY_PEM: &str = include_str!("../../data/badgehost-rsa-test-key.pem");

/// The badge host's signing key.
pub struct Signer {
    pair: KeyPair,
    public_pem: String,
}

impl std::fmt::Debug for Signer {
    // The private key stays out of logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer").field("public_pem", &self.public_pem).finish()
    }
}

impl Signer {
    /// The committed test key.
    pub fn test_key() -> Result<Signer, BadgeHostError> {
        Signer::from_pkcs8_pem(TEST_KEY_PEM)
    }

    /// A key from a `-----BEGIN PRIVATE KEY-----` PEM (what OpenSSL 3 `genrsa` writes).
    pub fn from_pkcs8_pem(pem: &str) -> Result<Signer, BadgeHostError> {
        let der = pem_body(pem, "PRIVATE KEY").ok_or_else(|| BadgeHostError::Key("not a PKCS#8 PEM".into()))?;
        let pair = KeyPair::from_pkcs8(&der).map_err(|e| BadgeHostError::Key(e.to_string()))?;
        let spki = pair
            .public_key()
            .as_der()
            .map_err(|_| BadgeHostError::Key("cannot encode the public key".into()))?;
        Ok(Signer {
            public_pem: to_pem(spki.as_ref(), "PUBLIC KEY"),
            pair,
        })
    }

    /// The SubjectPublicKeyInfo PEM for a CryptographicKey's `publicKeyPem`.
    pub fn public_pem(&self) -> &str {
        &self.public_pem
    }

    /// `base64url(header).base64url(payload).base64url(RS256 signature)` with header `{"alg":"RS256"}`.
    pub fn sign(&self, payload: &Value) -> Result<String, BadgeHostError> {
        let input = format!("{}.{}", b64_json(&json!({"alg": "RS256"}))?, b64_json(payload)?);
        let mut signature = vec![0u8; self.pair.public_modulus_len()];
        self.pair
            .sign(
                &RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                input.as_bytes(),
                &mut signature,
            )
            .map_err(|_| BadgeHostError::Sign)?;
        Ok(format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature)))
    }
}

/// Swaps the payload of a compact JWS and keeps its signature: what an attacker editing a signed badge produces.
pub fn replace_payload(jws: &str, payload: &Value) -> Result<String, BadgeHostError> {
    let mut parts = jws.split('.');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(header), Some(_), Some(signature), None) => Ok(format!("{header}.{}.{signature}", b64_json(payload)?)),
        _ => Err(BadgeHostError::Sign),
    }
}

fn b64_json(value: &Value) -> Result<String, BadgeHostError> {
    Ok(URL_SAFE_NO_PAD.encode(serde_json::to_vec(value)?))
}

fn pem_body(pem: &str, label: &str) -> Option<Vec<u8>> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let inner = pem.split_once(&begin)?.1.split_once(&end)?.0;
    let b64: String = inner.chars().filter(|c| !c.is_whitespace()).collect();
    STANDARD.decode(b64).ok()
}

fn to_pem(der: &[u8], label: &str) -> String {
    let b64 = STANDARD.encode(der);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .filter_map(|c| std::str::from_utf8(c).ok())
        .collect();
    format!("-----BEGIN {label}-----\n{}\n-----END {label}-----\n", lines.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lc_rs::signature::{RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey};

    #[test]
    fn signatures_are_deterministic_and_verify_with_the_published_pem() {
        let signer = Signer::test_key().expect("test key");
        let payload = json!({"type": "Assertion", "id": "urn:uuid:1"});
        let jws = signer.sign(&payload).expect("signs");
        assert_eq!(jws, signer.sign(&payload).expect("signs"));
        let (input, sig) = jws.rsplit_once('.').expect("three parts");
        let spki = pem_body(signer.public_pem(), "PUBLIC KEY").expect("pem");
        UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, spki)
            .verify(input.as_bytes(), &URL_SAFE_NO_PAD.decode(sig).expect("b64"))
            .expect("verifies");
        let forged = replace_payload(&jws, &json!({"id": "urn:uuid:2"})).expect("three parts");
        assert_ne!(forged.split('.').nth(1), jws.split('.').nth(1));
        assert_eq!(forged.rsplit_once('.').map(|p| p.1), Some(sig));
    }
}
