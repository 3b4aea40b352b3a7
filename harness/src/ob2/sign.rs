//! Signing OB 2.0 assertions and CLR 1.0 records the way their specifications describe: a compact JWS (header
//! `{"alg":"RS256"}`) whose payload is the document's JSON, and the `publicKeyPem` a CryptographicKey publishes. Used
//! by the test vectors and the mocks; RS256 (PKCS#1 v1.5) is deterministic, so the same input gives the same bytes.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use crate::proof::jwt::{JwtError, sign_jws};
use crate::proof::keyfile::JwtSigningKey;
use crate::proof::multikey::PublicKey;

/// The document as a compact JWS signed with `key` (an RS256 key: OB 2.0 verifiers only know RSA).
pub fn sign(doc: &Value, key: &JwtSigningKey) -> Result<String, JwtError> {
    sign_jws(&json!({"alg": key.alg_name()}), doc, key)
}

/// The SubjectPublicKeyInfo PEM of an RSA public key (`-----BEGIN PUBLIC KEY-----`), `None` for other key types.
pub fn public_key_pem(key: &PublicKey) -> Option<String> {
    let PublicKey::Rsa { n, e } = key else { return None };
    // SEQUENCE { SEQUENCE { OID rsaEncryption, NULL }, BIT STRING { SEQUENCE { INTEGER n, INTEGER e } } }
    const RSA_ENCRYPTION: &[u8] = &[
        0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00,
    ];
    let rsa_key = der(0x30, &[der_integer(n), der_integer(e)].concat());
    let mut bits = vec![0u8];
    bits.extend_from_slice(&rsa_key);
    let spki = der(0x30, &[der(0x30, RSA_ENCRYPTION), der(0x03, &bits)].concat());
    let b64 = STANDARD.encode(spki);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .filter_map(|c| std::str::from_utf8(c).ok())
        .collect();
    Some(format!(
        "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
        lines.join("\n")
    ))
}

fn der(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len.to_be_bytes().into_iter().skip_while(|b| *b == 0).collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend_from_slice(&bytes);
    }
    out.extend_from_slice(content);
    out
}

fn der_integer(big_endian: &[u8]) -> Vec<u8> {
    let trimmed: &[u8] = match big_endian.iter().position(|b| *b != 0) {
        Some(i) => &big_endian[i..],
        None => &[0],
    };
    let mut content = Vec::with_capacity(trimmed.len() + 1);
    // A set high bit would make the INTEGER negative.
    if trimmed.first().is_some_and(|b| b & 0x80 != 0) {
        content.push(0);
    }
    content.extend_from_slice(trimmed);
    der(0x02, &content)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::CompactJws;

    #[test]
    fn a_signed_assertion_verifies_with_the_published_pem() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../vectors/keys/test-rsa-2048.private.jwk.json"
        );
        let file = crate::proof::keyfile::read_key_file(std::path::Path::new(path)).expect("test key");
        let key = crate::proof::keyfile::signing_key(&file).expect("rsa key");
        let assertion = json!({"type": "Assertion", "id": "urn:uuid:00000000-0000-4000-8000-000000000001"});
        let jws = sign(&assertion, &key).expect("signs");
        assert_eq!(jws, sign(&assertion, &key).expect("signs"), "RS256 is deterministic");
        let pem = public_key_pem(key.public_key()).expect("rsa");
        let parsed = CompactJws::parse(&jws).expect("a JWS");
        assert_eq!(super::super::verify::rs256(&parsed, &pem), Ok(()));
        assert!(public_key_pem(&PublicKey::Ed25519([0; 32])).is_none());
    }
}
