//! Signing keys: generation (aws-lc-rs), key files (Ed25519 Multikey JSON, private JWKs for Ed25519, RSA 2048 and
//! P-256), the public JWK / JWKS to publish, and the [`JwtSigningKey`] that signs VC-JWTs.

use std::path::Path;

use aws_lc_rs::encoding::{AsBigEndian, AsDer};
use aws_lc_rs::rsa::{KeyPair as RsaKeyPair, KeyPairComponents, KeySize, PublicKeyComponents};
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, Ed25519KeyPair, KeyPair as _};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey};
use serde_json::{Map, Value, json};

use super::keys::{JwkError, jwk_public_key};
use super::multikey::{self, MultikeyError, PublicKey};

/// Largest key file read; real ones are a few kilobytes.
const MAX_KEY_FILE_BYTES: u64 = 64 * 1024;

/// Key types the harness generates and signs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyAlgorithm {
    Ed25519,
    Rsa2048,
    P256,
}

impl KeyAlgorithm {
    /// The JOSE `alg` this key signs with.
    pub fn jwt_alg(self) -> &'static str {
        match self {
            KeyAlgorithm::Ed25519 => "EdDSA",
            KeyAlgorithm::Rsa2048 => "RS256",
            KeyAlgorithm::P256 => "ES256",
        }
    }
}

/// A key that cannot be generated, read or used. Messages read after "failed to …".
#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    #[error("generate a {0} key")]
    Generate(&'static str),
    #[error("read key file {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("write key file {path}: {source}")]
    Write { path: String, source: std::io::Error },
    #[error("use the key: it is neither a private JWK (with \"d\") nor a Multikey with secretKeyMultibase")]
    NotAPrivateKey,
    #[error("use the key: the private JWK member {member:?} is missing or not base64url")]
    Member { member: &'static str },
    #[error("use the key: {0}")]
    Public(#[from] JwkError),
    #[error("use the key: {0}")]
    Multikey(#[from] MultikeyError),
    #[error("use the key: the private and public parts do not form a valid {0} key")]
    Inconsistent(&'static str),
}

/// A private key ready to sign VC-JWTs.
pub struct JwtSigningKey {
    pub(crate) alg: Algorithm,
    pub(crate) key: EncodingKey,
    public: PublicKey,
}

impl std::fmt::Debug for JwtSigningKey {
    // The private key stays out of logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtSigningKey")
            .field("alg", &self.alg)
            .field("public", &self.public)
            .finish()
    }
}

impl JwtSigningKey {
    pub fn public_key(&self) -> &PublicKey {
        &self.public
    }

    /// The public key as a minimal JWK (`kty`, `crv`, `x`, `y` / `n`, `e`), for a VC-JWT header's `jwk`.
    pub fn public_jwk(&self) -> Value {
        public_key_jwk(&self.public)
    }

    /// The JOSE `alg` name.
    pub fn alg_name(&self) -> &'static str {
        match self.alg {
            Algorithm::RS256 => "RS256",
            Algorithm::ES256 => "ES256",
            _ => "EdDSA",
        }
    }
}

/// A freshly generated key in its file forms.
#[derive(Debug, Clone)]
pub struct GeneratedKey {
    pub algorithm: KeyAlgorithm,
    /// Private JWK (with `d`) carrying `kid` and `alg`.
    pub private_jwk: Value,
    /// The same without private members, with `use: sig`: what an issuer publishes.
    pub public_jwk: Value,
    /// Ed25519 only: the Multikey key file (`publicKeyMultibase` and `secretKeyMultibase`).
    pub multikey: Option<Value>,
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Generates a key; `id` becomes the JWK `kid` and the Multikey `id`, `controller` the Multikey `controller`.
pub fn generate(algorithm: KeyAlgorithm, id: &str, controller: Option<&str>) -> Result<GeneratedKey, KeyFileError> {
    let private = match algorithm {
        KeyAlgorithm::Ed25519 => {
            let pair = Ed25519KeyPair::generate().map_err(|_| KeyFileError::Generate("Ed25519"))?;
            let seed = pair
                .seed()
                .and_then(|s| s.as_be_bytes())
                .map_err(|_| KeyFileError::Generate("Ed25519"))?;
            let seed = <[u8; 32]>::try_from(seed.as_ref()).map_err(|_| KeyFileError::Generate("Ed25519"))?;
            return ed25519_from_seed(&seed, id, controller);
        }
        KeyAlgorithm::P256 => {
            let pair = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING)
                .map_err(|_| KeyFileError::Generate("P-256"))?;
            let d = pair
                .private_key()
                .as_be_bytes()
                .map_err(|_| KeyFileError::Generate("P-256"))?;
            let point = pair.public_key().as_ref();
            let (x, y) = point
                .get(1..)
                .unwrap_or_default()
                .split_at(point.len().saturating_sub(1) / 2);
            json!({"kty": "EC", "crv": "P-256", "x": b64(x), "y": b64(y), "d": b64(d.as_ref())})
        }
        KeyAlgorithm::Rsa2048 => {
            let pair = RsaKeyPair::generate(KeySize::Rsa2048).map_err(|_| KeyFileError::Generate("RSA 2048"))?;
            let pkcs8 = pair.as_der().map_err(|_| KeyFileError::Generate("RSA 2048"))?;
            let ints = pkcs1_of_pkcs8(pkcs8.as_ref())
                .and_then(rsa_private_integers)
                .ok_or(KeyFileError::Generate("RSA 2048"))?;
            let names = ["n", "e", "d", "p", "q", "dp", "dq", "qi"];
            let mut jwk = Map::new();
            jwk.insert("kty".into(), "RSA".into());
            for (name, int) in names.iter().zip(ints) {
                jwk.insert((*name).into(), b64(int).into());
            }
            Value::Object(jwk)
        }
    };
    Ok(key_forms(algorithm, private, id, None))
}

/// The Ed25519 key of a 32-byte seed in its file forms: deterministic, for test vectors and reproducible demos
/// (a seed written in a test is no secret; [`generate`] is for real keys).
pub fn ed25519_from_seed(seed: &[u8; 32], id: &str, controller: Option<&str>) -> Result<GeneratedKey, KeyFileError> {
    let pair = Ed25519KeyPair::from_seed_unchecked(seed).map_err(|_| KeyFileError::Generate("Ed25519"))?;
    let public = <[u8; 32]>::try_from(pair.public_key().as_ref()).map_err(|_| KeyFileError::Generate("Ed25519"))?;
    let multikey_doc = json!({
        "type": "Multikey",
        "id": id,
        "controller": controller.unwrap_or_else(|| id.split('#').next().unwrap_or(id)),
        "publicKeyMultibase": multikey::encode_ed25519_public(&public),
        "secretKeyMultibase": multikey::encode_ed25519_secret(seed, &public),
    });
    let private = json!({"kty": "OKP", "crv": "Ed25519", "x": b64(&public), "d": b64(seed)});
    Ok(key_forms(KeyAlgorithm::Ed25519, private, id, Some(multikey_doc)))
}

fn key_forms(algorithm: KeyAlgorithm, private: Value, id: &str, multikey: Option<Value>) -> GeneratedKey {
    let mut private_jwk = private;
    if let Some(obj) = private_jwk.as_object_mut() {
        obj.insert("kid".into(), id.into());
        obj.insert("alg".into(), algorithm.jwt_alg().into());
    }
    GeneratedKey {
        algorithm,
        public_jwk: public_jwk(&private_jwk),
        private_jwk,
        multikey,
    }
}

/// An Ed25519 key pair as bytes: the 32-byte seed and the 32-byte public key.
pub type Ed25519Pair = ([u8; 32], [u8; 32]);

/// The Ed25519 seed and public key of a key file (an OKP private JWK or a Multikey with secretKeyMultibase), for
/// Data Integrity signing; `Ok(None)` for other key types.
pub fn ed25519_secret(file: &Value) -> Result<Option<Ed25519Pair>, KeyFileError> {
    if let Some(secret) = file.get("secretKeyMultibase").and_then(Value::as_str) {
        let public_mb = file
            .get("publicKeyMultibase")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let PublicKey::Ed25519(public) = multikey::decode_public_key(public_mb)? else {
            return Err(KeyFileError::Inconsistent("Ed25519"));
        };
        let seed = multikey::decode_ed25519_secret(secret, Some(&public))?;
        return Ok(Some((seed, public)));
    }
    if file.get("d").is_none() {
        return Err(KeyFileError::NotAPrivateKey);
    }
    let PublicKey::Ed25519(public) = jwk_public_key(&public_jwk(file))? else {
        return Ok(None);
    };
    let seed = file
        .get("d")
        .and_then(Value::as_str)
        .and_then(|s| URL_SAFE_NO_PAD.decode(s).ok())
        .and_then(|d| <[u8; 32]>::try_from(d).ok())
        .ok_or(KeyFileError::Member { member: "d" })?;
    // A seed that does not give the stated public key would sign with a key nobody can resolve.
    let derived = ed25519_from_seed(&seed, "", None)?;
    if jwk_public_key(&derived.public_jwk).as_ref() != Ok(&PublicKey::Ed25519(public)) {
        return Err(KeyFileError::Inconsistent("Ed25519"));
    }
    Ok(Some((seed, public)))
}

/// The publishable form of a JWK: private members removed, `use: sig` added.
pub fn public_jwk(jwk: &Value) -> Value {
    let mut out = jwk.clone();
    if let Some(obj) = out.as_object_mut() {
        for member in ["d", "p", "q", "dp", "dq", "qi", "k"] {
            obj.remove(member);
        }
        obj.insert("use".into(), "sig".into());
    }
    out
}

/// The minimal public JWK of a key. EC points are expected uncompressed (as keys loaded from JWKs are); a
/// compressed point is written as `x` alone, which verifiers will refuse rather than misread.
pub fn public_key_jwk(key: &PublicKey) -> Value {
    let ec = |crv: &str, point: &[u8]| {
        let coords = point.get(1..).unwrap_or_default();
        if point.first() == Some(&4) {
            let (x, y) = coords.split_at(coords.len() / 2);
            json!({"kty": "EC", "crv": crv, "x": b64(x), "y": b64(y)})
        } else {
            json!({"kty": "EC", "crv": crv, "x": b64(coords)})
        }
    };
    match key {
        PublicKey::Ed25519(x) => json!({"kty": "OKP", "crv": "Ed25519", "x": b64(x)}),
        PublicKey::P256(point) => ec("P-256", point),
        PublicKey::P384(point) => ec("P-384", point),
        PublicKey::Rsa { n, e } => json!({"kty": "RSA", "n": b64(n), "e": b64(e)}),
    }
}

/// A JWKS (`{"keys": [...]}`) of public JWKs, as served at `/.well-known/jwks.json`.
pub fn jwks(public_jwks: &[Value]) -> Value {
    json!({ "keys": public_jwks })
}

/// Reads a key file (a JSON object) of at most 64 KiB.
pub fn read_key_file(path: &Path) -> Result<Value, KeyFileError> {
    let bytes = crate::input::read_file(path, MAX_KEY_FILE_BYTES).map_err(|e| KeyFileError::Read {
        path: path.display().to_string(),
        reason: e.to_string(),
    })?;
    serde_json::from_slice::<Value>(&bytes)
        .map_err(|e| e.to_string())
        .and_then(|v| {
            if v.is_object() {
                Ok(v)
            } else {
                Err("not a JSON object".into())
            }
        })
        .map_err(|reason| KeyFileError::Read {
            path: path.display().to_string(),
            reason,
        })
}

/// Writes a key file, readable by its owner only (on Unix): it holds a private key.
pub fn write_key_file(path: &Path, key: &Value) -> Result<(), KeyFileError> {
    let failed = |source| KeyFileError::Write {
        path: path.display().to_string(),
        source,
    };
    let text = serde_json::to_string_pretty(key).map_err(|e| failed(std::io::Error::other(e)))?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(failed)?;
    std::io::Write::write_all(&mut file, format!("{text}\n").as_bytes()).map_err(failed)
}

/// A signing key from a key file: a private JWK (OKP Ed25519, EC P-256, RSA) or an Ed25519 Multikey.
pub fn signing_key(file: &Value) -> Result<JwtSigningKey, KeyFileError> {
    if let Some(secret) = file.get("secretKeyMultibase").and_then(Value::as_str) {
        let public_mb = file
            .get("publicKeyMultibase")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let PublicKey::Ed25519(public) = multikey::decode_public_key(public_mb)? else {
            return Err(KeyFileError::Inconsistent("Ed25519"));
        };
        let seed = multikey::decode_ed25519_secret(secret, Some(&public))?;
        return ed25519_signing_key(&seed, &public);
    }
    if file.get("d").is_none() {
        return Err(KeyFileError::NotAPrivateKey);
    }
    let public = jwk_public_key(&public_jwk(file))?;
    let member = |m: &'static str| {
        file.get(m)
            .and_then(Value::as_str)
            .and_then(|s| URL_SAFE_NO_PAD.decode(s).ok())
            .ok_or(KeyFileError::Member { member: m })
    };
    match &public {
        PublicKey::Ed25519(x) => {
            let seed = <[u8; 32]>::try_from(member("d")?).map_err(|_| KeyFileError::Member { member: "d" })?;
            ed25519_signing_key(&seed, x)
        }
        PublicKey::P256(point) => {
            let pair =
                EcdsaKeyPair::from_private_key_and_public_key(&ECDSA_P256_SHA256_FIXED_SIGNING, &member("d")?, point)
                    .map_err(|_| KeyFileError::Inconsistent("P-256"))?;
            let pkcs8 = pair.to_pkcs8v1().map_err(|_| KeyFileError::Inconsistent("P-256"))?;
            Ok(JwtSigningKey {
                alg: Algorithm::ES256,
                key: EncodingKey::from_ec_der(pkcs8.as_ref()),
                public,
            })
        }
        PublicKey::Rsa { n, e } => {
            let components = KeyPairComponents {
                public_key: PublicKeyComponents {
                    n: n.clone(),
                    e: e.clone(),
                },
                d: member("d")?,
                p: member("p")?,
                q: member("q")?,
                dP: member("dp")?,
                dQ: member("dq")?,
                qInv: member("qi")?,
            };
            let pkcs8 = RsaKeyPair::from_components(&components)
                .ok()
                .and_then(|pair| pair.as_der().ok())
                .ok_or(KeyFileError::Inconsistent("RSA"))?;
            // jsonwebtoken signs RS256 with a PKCS#1 RSAPrivateKey, which PKCS#8 wraps.
            let pkcs1 = pkcs1_of_pkcs8(pkcs8.as_ref()).ok_or(KeyFileError::Inconsistent("RSA"))?;
            Ok(JwtSigningKey {
                alg: Algorithm::RS256,
                key: EncodingKey::from_rsa_der(pkcs1),
                public,
            })
        }
        PublicKey::P384(_) => Err(KeyFileError::Inconsistent("supported signing")),
    }
}

fn ed25519_signing_key(seed: &[u8; 32], public: &[u8; 32]) -> Result<JwtSigningKey, KeyFileError> {
    let pkcs8 = Ed25519KeyPair::from_seed_and_public_key(seed, public)
        .ok()
        .and_then(|pair| pair.to_pkcs8v1().ok())
        .ok_or(KeyFileError::Inconsistent("Ed25519"))?;
    Ok(JwtSigningKey {
        alg: Algorithm::EdDSA,
        key: EncodingKey::from_ed_der(pkcs8.as_ref()),
        public: PublicKey::Ed25519(*public),
    })
}

/// Splits one DER element: (tag, content, rest). Lengths up to 4 bytes.
fn der_element(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 || rest.len() < count {
            return None;
        }
        let len = rest[..count].iter().fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (len, &rest[count..])
    };
    (rest.len() >= len).then(|| (tag, &rest[..len], &rest[len..]))
}

/// The PKCS#1 `RSAPrivateKey` inside a PKCS#8 `PrivateKeyInfo`.
fn pkcs1_of_pkcs8(pkcs8: &[u8]) -> Option<&[u8]> {
    let (0x30, info, _) = der_element(pkcs8)? else {
        return None;
    };
    let (0x02, _, rest) = der_element(info)? else {
        return None;
    };
    let (0x30, _, rest) = der_element(rest)? else {
        return None;
    };
    let (0x04, pkcs1, _) = der_element(rest)? else {
        return None;
    };
    Some(pkcs1)
}

/// n, e, d, p, q, dp, dq, qi of a PKCS#1 `RSAPrivateKey`, leading zero bytes removed.
fn rsa_private_integers(pkcs1: &[u8]) -> Option<Vec<&[u8]>> {
    let (0x30, mut rest, _) = der_element(pkcs1)? else {
        return None;
    };
    let mut ints = Vec::new();
    while !rest.is_empty() {
        let (0x02, int, next) = der_element(rest)? else {
            return None;
        };
        let start = int.iter().position(|b| *b != 0).unwrap_or(int.len());
        ints.push(&int[start..]);
        rest = next;
    }
    // version, then the eight numbers a JWK carries.
    (ints.len() == 9).then(|| ints.split_off(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_load_back_and_publish_without_private_members() {
        for algorithm in [KeyAlgorithm::Ed25519, KeyAlgorithm::P256, KeyAlgorithm::Rsa2048] {
            let key = generate(algorithm, "https://issuer.example/keys/1", None).unwrap();
            assert_eq!(key.private_jwk["alg"], algorithm.jwt_alg());
            assert!(key.private_jwk.get("d").is_some());
            let signing = signing_key(&key.private_jwk).unwrap();
            assert_eq!(signing.alg_name(), algorithm.jwt_alg());
            assert_eq!(jwk_public_key(&key.public_jwk).as_ref(), Ok(signing.public_key()));
            assert!(matches!(jwk_public_key(&key.private_jwk), Err(JwkError::Private(_))));
            assert!(matches!(
                signing_key(&key.public_jwk),
                Err(KeyFileError::NotAPrivateKey)
            ));
        }
        let key = generate(KeyAlgorithm::Rsa2048, "k", None).unwrap();
        assert!(matches!(
            signing_key(&key.public_jwk),
            Err(KeyFileError::NotAPrivateKey)
        ));
        let PublicKey::Rsa { n, .. } = jwk_public_key(&key.public_jwk).unwrap() else {
            panic!()
        };
        assert_eq!(n.len(), 256);
    }

    #[test]
    fn ed25519_multikey_files_round_trip() {
        let key = generate(KeyAlgorithm::Ed25519, "did:example:issuer#key-1", None).unwrap();
        let file = key.multikey.unwrap();
        assert_eq!(file["controller"], "did:example:issuer");
        assert!(file["publicKeyMultibase"].as_str().unwrap().starts_with("z6Mk"));
        let path = std::env::temp_dir().join(format!("clr-harness-keyfile-{}.json", std::process::id()));
        write_key_file(&path, &file).unwrap();
        let read = read_key_file(&path);
        std::fs::remove_file(&path).ok();
        let signing = signing_key(&read.unwrap()).unwrap();
        assert_eq!(signing.alg_name(), "EdDSA");
        let mut tampered = file.clone();
        tampered["publicKeyMultibase"] = multikey::encode_ed25519_public(&[1; 32]).into();
        assert!(signing_key(&tampered).is_err());
    }

    #[test]
    fn inconsistent_private_jwks_are_refused() {
        let mut jwk = generate(KeyAlgorithm::P256, "k", None).unwrap().private_jwk;
        jwk["d"] = b64(&[1; 32]).into();
        assert!(matches!(signing_key(&jwk), Err(KeyFileError::Inconsistent("P-256"))));
        let mut jwk = generate(KeyAlgorithm::Rsa2048, "k", None).unwrap().private_jwk;
        jwk["qi"] = "!".into();
        assert!(matches!(signing_key(&jwk), Err(KeyFileError::Member { member: "qi" })));
        assert!(pkcs1_of_pkcs8(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]).is_none());
    }
}
