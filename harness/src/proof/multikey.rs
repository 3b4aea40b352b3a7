//! Multikey encoding (`publicKeyMultibase`, `secretKeyMultibase`, `did:key`): multibase base58btc (`z…`) over a
//! multicodec prefix and the raw key bytes.
//!
//! Also home of [`PublicKey`], the verification key every proof check ends up with, whichever form it came in
//! (Multikey, JWK, did:key …).

/// Multicodec prefix of an Ed25519 public key (`ed25519-pub`, varint 0xed).
pub const ED25519_PUB: [u8; 2] = [0xed, 0x01];
/// Multicodec prefix of a P-256 public key (`p256-pub`, varint 0x1200), SEC1 compressed.
pub const P256_PUB: [u8; 2] = [0x80, 0x24];
/// Multicodec prefix of a P-384 public key (`p384-pub`, varint 0x1201), SEC1 compressed.
pub const P384_PUB: [u8; 2] = [0x81, 0x24];
/// Multicodec prefix of an Ed25519 secret key (`ed25519-priv`, varint 0x1300), as Digital Bazaar key files use.
pub const ED25519_PRIV: [u8; 2] = [0x80, 0x26];

/// A public key able to verify a proof.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublicKey {
    Ed25519([u8; 32]),
    /// SEC1 point, compressed (33 bytes) or uncompressed (65 bytes).
    P256(Vec<u8>),
    /// SEC1 point, compressed (49 bytes) or uncompressed (97 bytes).
    P384(Vec<u8>),
    /// Big-endian modulus and exponent, without leading zeros.
    Rsa {
        n: Vec<u8>,
        e: Vec<u8>,
    },
}

impl PublicKey {
    /// A short name for messages: `Ed25519`, `P-256`, `P-384`, `RSA 2048`.
    pub fn kind(&self) -> String {
        match self {
            PublicKey::Ed25519(_) => "Ed25519".into(),
            PublicKey::P256(_) => "P-256".into(),
            PublicKey::P384(_) => "P-384".into(),
            PublicKey::Rsa { n, .. } => format!("RSA {}", n.len() * 8),
        }
    }
}

/// A Multikey value that cannot be used. Messages read after "failed to …".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MultikeyError {
    #[error("decode multibase key {value:?}: it does not start with 'z' (base58btc)")]
    NotBase58btc { value: String },
    #[error("decode multibase key {value:?}: not base58btc: {reason}")]
    BadBase58 { value: String, reason: String },
    #[error("decode multibase key {value:?}: unknown multicodec prefix {prefix}")]
    UnknownPrefix { value: String, prefix: String },
    #[error("decode multibase key {value:?}: {kind} keys have {expected} bytes after the prefix, found {actual}")]
    WrongLength {
        value: String,
        kind: &'static str,
        expected: &'static str,
        actual: usize,
    },
    #[error("decode multibase key {value:?}: the public half does not match the secret key")]
    Mismatch { value: String },
}

/// Longest multibase key text decoded; real keys are under 100 characters.
const MAX_MULTIBASE_LEN: usize = 1024;

/// Decodes `z…` multibase base58btc text to bytes.
pub fn decode_multibase(value: &str) -> Result<Vec<u8>, MultikeyError> {
    let Some(body) = value.strip_prefix('z') else {
        return Err(MultikeyError::NotBase58btc { value: clip(value) });
    };
    if value.len() > MAX_MULTIBASE_LEN {
        return Err(MultikeyError::BadBase58 {
            value: clip(value),
            reason: format!("{} characters, more than any key has", value.len()),
        });
    }
    bs58::decode(body).into_vec().map_err(|e| MultikeyError::BadBase58 {
        value: clip(value),
        reason: e.to_string(),
    })
}

/// Encodes bytes as `z…` multibase base58btc.
pub fn encode_multibase(bytes: &[u8]) -> String {
    format!("z{}", bs58::encode(bytes).into_string())
}

/// Decodes a `publicKeyMultibase` value (Ed25519, P-256 or P-384).
pub fn decode_public_key(value: &str) -> Result<PublicKey, MultikeyError> {
    let bytes = decode_multibase(value)?;
    let (prefix, key) = bytes.split_at(bytes.len().min(2));
    let wrong = |kind, expected| MultikeyError::WrongLength {
        value: clip(value),
        kind,
        expected,
        actual: key.len(),
    };
    match <[u8; 2]>::try_from(prefix) {
        Ok(ED25519_PUB) => <[u8; 32]>::try_from(key)
            .map(PublicKey::Ed25519)
            .map_err(|_| wrong("Ed25519", "32")),
        Ok(P256_PUB) if key.len() == 33 && matches!(key[0], 2 | 3) => Ok(PublicKey::P256(key.to_vec())),
        Ok(P256_PUB) => Err(wrong("P-256", "33 (compressed point starting 02 or 03)")),
        Ok(P384_PUB) if key.len() == 49 && matches!(key[0], 2 | 3) => Ok(PublicKey::P384(key.to_vec())),
        Ok(P384_PUB) => Err(wrong("P-384", "49 (compressed point starting 02 or 03)")),
        _ => Err(MultikeyError::UnknownPrefix {
            value: clip(value),
            prefix: prefix
                .iter()
                .map(|b| format!("0x{b:02x}"))
                .collect::<Vec<_>>()
                .join(" "),
        }),
    }
}

/// Encodes an Ed25519 public key as `publicKeyMultibase` (`z6Mk…`).
pub fn encode_ed25519_public(key: &[u8; 32]) -> String {
    encode_multibase(&[&ED25519_PUB[..], key].concat())
}

/// Encodes an Ed25519 secret key as Digital Bazaar's `secretKeyMultibase`: prefix, seed, public key.
pub fn encode_ed25519_secret(seed: &[u8; 32], public: &[u8; 32]) -> String {
    encode_multibase(&[&ED25519_PRIV[..], seed, public].concat())
}

/// Decodes a `secretKeyMultibase` Ed25519 key to its 32-byte seed; the 64-byte form (seed and public key) must
/// carry the public key that `public` (when given) says.
pub fn decode_ed25519_secret(value: &str, public: Option<&[u8; 32]>) -> Result<[u8; 32], MultikeyError> {
    let bytes = decode_multibase(value)?;
    let (prefix, key) = bytes.split_at(bytes.len().min(2));
    if prefix != ED25519_PRIV {
        return Err(MultikeyError::UnknownPrefix {
            value: "(secret key)".into(),
            prefix: prefix
                .iter()
                .map(|b| format!("0x{b:02x}"))
                .collect::<Vec<_>>()
                .join(" "),
        });
    }
    let (seed, embedded) = match key.len() {
        32 => (key, None),
        64 => (&key[..32], Some(&key[32..])),
        actual => {
            return Err(MultikeyError::WrongLength {
                value: "(secret key)".into(),
                kind: "Ed25519 secret",
                expected: "32 or 64",
                actual,
            });
        }
    };
    if let (Some(embedded), Some(public)) = (embedded, public)
        && embedded != public
    {
        return Err(MultikeyError::Mismatch {
            value: "(secret key)".into(),
        });
    }
    <[u8; 32]>::try_from(seed).map_err(|_| MultikeyError::Mismatch {
        value: "(secret key)".into(),
    })
}

/// The `did:key` DID of an Ed25519 public key.
pub fn ed25519_did_key(key: &[u8; 32]) -> String {
    format!("did:key:{}", encode_ed25519_public(key))
}

/// The verification method id of an Ed25519 `did:key`: `did:key:z6Mk…#z6Mk…`.
pub fn ed25519_did_key_method(key: &[u8; 32]) -> String {
    let mb = encode_ed25519_public(key);
    format!("did:key:{mb}#{mb}")
}

/// Keeps hostile values short in messages.
fn clip(value: &str) -> String {
    match value.char_indices().nth(80) {
        Some((i, _)) => format!("{}…", &value[..i]),
        None => value.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Known-answer key from 1EdTech's linked-data-proof test vector (DIGEST §4.2).
    const PUB_HEX: &str = "4bdeafde2ea8beefadd8c699b5c7e0704cf51154d52e17b20b71337ca04cc5a5";
    const SEED_HEX: &str = "6241a409e6707bb640a0140a8a32bc3d193c33a661747284d6adfa4ed4180be4";
    const MULTIBASE: &str = "z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi";

    fn hex32(s: &str) -> [u8; 32] {
        let v: Vec<u8> = (0..32)
            .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
            .collect();
        v.try_into().unwrap()
    }

    #[test]
    fn known_answer_key_round_trips() {
        let public = hex32(PUB_HEX);
        assert_eq!(encode_ed25519_public(&public), MULTIBASE);
        assert_eq!(decode_public_key(MULTIBASE), Ok(PublicKey::Ed25519(public)));
        assert_eq!(ed25519_did_key(&public), format!("did:key:{MULTIBASE}"));
        assert_eq!(
            ed25519_did_key_method(&public),
            format!("did:key:{MULTIBASE}#{MULTIBASE}")
        );
        let secret = encode_ed25519_secret(&hex32(SEED_HEX), &public);
        assert!(secret.starts_with("zrv"), "{secret}");
        assert_eq!(decode_ed25519_secret(&secret, Some(&public)), Ok(hex32(SEED_HEX)));
        let other = [7u8; 32];
        assert!(matches!(
            decode_ed25519_secret(&secret, Some(&other)),
            Err(MultikeyError::Mismatch { .. })
        ));
        let short = encode_multibase(&[&ED25519_PRIV[..], &hex32(SEED_HEX)].concat());
        assert_eq!(decode_ed25519_secret(&short, None), Ok(hex32(SEED_HEX)));
    }

    #[test]
    fn p256_compressed_keys_decode() {
        let mut point = vec![0x02];
        point.extend([9u8; 32]);
        let mb = encode_multibase(&[&P256_PUB[..], &point].concat());
        assert!(mb.starts_with("zDn"), "{mb}");
        assert_eq!(decode_public_key(&mb), Ok(PublicKey::P256(point)));
    }

    #[test]
    fn errors_name_the_problem() {
        let err = decode_public_key("u7QE").unwrap_err();
        assert!(matches!(err, MultikeyError::NotBase58btc { .. }), "{err}");
        let err = decode_public_key("z0OIl").unwrap_err();
        assert!(matches!(err, MultikeyError::BadBase58 { .. }), "{err}");
        let err = decode_public_key(&encode_multibase(&[0x12, 0x00, 1, 2])).unwrap_err();
        assert!(
            err.to_string().ends_with("unknown multicodec prefix 0x12 0x00"),
            "{err}"
        );
        let err = decode_public_key(&encode_multibase(&[0xed, 0x01, 1, 2, 3])).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "decode multibase key {:?}: Ed25519 keys have 32 bytes after the prefix, found 3",
                encode_multibase(&[0xed, 0x01, 1, 2, 3])
            )
        );
        let err = decode_public_key(&encode_multibase(&[0x80, 0x24, 4, 1])).unwrap_err();
        assert!(matches!(err, MultikeyError::WrongLength { kind: "P-256", .. }), "{err}");
        assert!(matches!(
            decode_public_key("z"),
            Err(MultikeyError::UnknownPrefix { .. })
        ));
        let long = format!("z{}", "1".repeat(5000));
        assert!(matches!(decode_public_key(&long), Err(MultikeyError::BadBase58 { .. })));
    }
}
