//! Signing credentials the way an issuer should: the choices `clr-harness sign` makes (verification method,
//! `created`, nested CLR credentials) live here so the CLI, the signed vectors and the samples agree byte for byte.

use serde_json::Value;

use super::di::{self, DiError, Suite};
use super::jwt::{self, JwtError};
use super::keyfile::JwtSigningKey;
use super::multikey;

/// A credential that cannot be signed. Messages read after "failed to …".
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    #[error("sign: the credential is not a JSON object")]
    NotAnObject,
    #[error("sign: the credential has no validFrom (or issuanceDate) to use as the proof's created; pass --created")]
    NoCreated,
    #[error("sign: created {0:?} is not an RFC 3339 date-time with a time zone")]
    BadCreated(String),
    #[error("sign the nested credential {index}: {source}")]
    Nested {
        index: usize,
        #[source]
        source: Box<SignError>,
    },
    #[error("sign: {0}")]
    Di(#[from] DiError),
    #[error("{0}")]
    Jwt(#[from] JwtError),
}

/// How a credential is signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// An embedded Data Integrity proof (Ed25519 keys only).
    DataIntegrity(Suite),
    /// A VC-JWT (compact JWS).
    Jwt,
}

/// The key and the choices that are not derived from the credential.
pub struct Signer<'a> {
    pub key: &'a JwtSigningKey,
    /// The Ed25519 seed, required for Data Integrity.
    pub ed25519_seed: Option<[u8; 32]>,
    pub format: Format,
    /// Overrides [`default_verification_method`] (Data Integrity).
    pub verification_method: Option<String>,
    /// The JWT header's `kid`; `None` with `embed_jwk` names the key by the `jwk` alone.
    pub kid: Option<String>,
    /// Put the public key in the JWT header (`jwk`), so verifiers need no fetch.
    pub embed_jwk: bool,
    /// Overrides [`default_created`] (Data Integrity).
    pub created: Option<String>,
}

/// A signed credential: a JSON document with its proof, or a compact JWS.
#[derive(Debug, Clone, PartialEq)]
pub enum Signed {
    Json(Value),
    Jws(String),
}

/// The verification method a Data Integrity proof names by default: `<issuer id>#<multibase>` when the issuer id
/// is an https URL — the fragment is the key, so the issuer is its controller and key provenance holds offline —
/// else the key's `did:key` (which verifies, but whose controller is not the issuer).
pub fn default_verification_method(credential: &Value, ed25519_public: &[u8; 32]) -> String {
    match crate::verify::issuer_id(credential) {
        Some(issuer) if issuer.starts_with("https://") && !issuer.contains('#') => {
            format!("{issuer}#{}", multikey::encode_ed25519_public(ed25519_public))
        }
        _ => multikey::ed25519_did_key_method(ed25519_public),
    }
}

/// The proof's `created` by default: the credential's `validFrom` (`issuanceDate` for VCDM 1.1), so signing the
/// same credential with the same key gives the same bytes.
pub fn default_created(credential: &Value) -> Option<String> {
    ["validFrom", "issuanceDate"]
        .iter()
        .find_map(|m| credential.get(*m).and_then(Value::as_str))
        .map(str::to_owned)
}

/// Signs one credential (its nested credentials untouched).
pub fn sign(credential: &Value, signer: &Signer) -> Result<Signed, SignError> {
    if !credential.is_object() {
        return Err(SignError::NotAnObject);
    }
    match signer.format {
        Format::Jwt => Ok(Signed::Jws(jwt::sign_vc_jwt_with(
            credential,
            signer.key,
            signer.kid.as_deref(),
            signer.embed_jwk,
        )?)),
        Format::DataIntegrity(suite) => {
            let (Some(seed), multikey::PublicKey::Ed25519(public)) = (signer.ed25519_seed, signer.key.public_key())
            else {
                return Err(SignError::Di(DiError::BadPublicKey));
            };
            let vm = signer
                .verification_method
                .clone()
                .unwrap_or_else(|| default_verification_method(credential, public));
            let created = match &signer.created {
                Some(c) => c.clone(),
                None => default_created(credential).ok_or(SignError::NoCreated)?,
            };
            if crate::datetime::epoch_seconds(&created).is_none() {
                return Err(SignError::BadCreated(created));
            }
            let credential = with_suite_context(credential, suite);
            Ok(Signed::Json(di::sign_with_suite(
                &credential,
                &seed,
                suite,
                &vm,
                &created,
            )?))
        }
    }
}

/// The credential with the suite's context appended to `@context` in place, when it names none of the contexts
/// that define the proof's terms. `di::sign_with_suite` would add it too, but by removing and re-inserting
/// `@context`, which with `preserve_order` is a swap-remove: the last member would jump to the top and `@context`
/// to the bottom. Adding it here first keeps the issuer's member order.
fn with_suite_context(credential: &Value, suite: Suite) -> Value {
    use crate::jsonld::contexts::{DI_V1_URL, DI_V2_URL, ED25519_2020_V1_URL, VC_V2_URL};
    let (defining, add): (&[&str], &str) = match suite {
        Suite::Ed25519Signature2020 => (&[ED25519_2020_V1_URL], ED25519_2020_V1_URL),
        Suite::EddsaRdfc2022 | Suite::Eddsa2022 => (&[VC_V2_URL, DI_V2_URL, DI_V1_URL], DI_V2_URL),
    };
    let mut out = credential.clone();
    let Some(ctx) = out.get_mut("@context") else {
        return out;
    };
    let named = |v: &Value| v.as_str().is_some_and(|u| defining.contains(&u));
    match ctx {
        Value::Array(items) if !items.iter().any(named) => items.push(add.into()),
        Value::String(_) if !named(ctx) => *ctx = Value::Array(vec![ctx.clone(), add.into()]),
        _ => {}
    }
    out
}

/// Drops a document's proof, keeping the order of the other members (`Map::remove` would swap the last one in).
pub fn without_proof(credential: &Value) -> Value {
    let mut out = credential.clone();
    if let Some(obj) = out.as_object_mut() {
        obj.shift_remove("proof");
    }
    out
}

/// Whether a document is a ClrCredential (its `type` names ClrCredential).
pub fn is_clr(credential: &Value) -> bool {
    match credential.get("type") {
        Some(Value::Array(types)) => types.iter().any(|t| t == "ClrCredential"),
        Some(t) => t == "ClrCredential",
        None => false,
    }
}

/// Signs a ClrCredential's nested credentials (`credentialSubject.verifiableCredential[i]`) that carry no proof,
/// each with its own defaults (verification method under its issuer, created from its validFrom), then the CLR
/// itself. Nested credentials already signed (a proof, or a compact JWS string) are kept as they are: re-signing
/// them would change what their issuer signed. Returns the signed CLR and the indexes of the credentials signed.
pub fn sign_nested(clr: &Value, signer: &Signer) -> Result<(Signed, Vec<usize>), SignError> {
    let mut clr = clr.clone();
    let mut signed = Vec::new();
    // The nested defaults are per credential: an explicit VM or created applies to the CLR only.
    let nested_signer = Signer {
        key: signer.key,
        ed25519_seed: signer.ed25519_seed,
        format: signer.format,
        verification_method: None,
        kid: signer.kid.clone(),
        embed_jwk: signer.embed_jwk,
        created: None,
    };
    let subjects = match clr.get_mut("credentialSubject") {
        Some(Value::Array(all)) => all.iter_mut().collect::<Vec<_>>(),
        Some(one) => vec![one],
        None => vec![],
    };
    let mut index = 0;
    for subject in subjects {
        let Some(Value::Array(nested)) = subject.get_mut("verifiableCredential") else {
            continue;
        };
        for entry in nested.iter_mut() {
            if entry.is_object() && entry.get("proof").is_none() {
                let out = sign(entry, &nested_signer).map_err(|e| SignError::Nested {
                    index,
                    source: Box::new(e),
                })?;
                *entry = match out {
                    Signed::Json(v) => v,
                    Signed::Jws(s) => Value::String(s),
                };
                signed.push(index);
            }
            index += 1;
        }
    }
    Ok((sign(&clr, signer)?, signed))
}

/// Serializes a signed credential as written to a file: pretty JSON or the compact JWS, with a final newline.
pub fn to_text(signed: &Signed) -> String {
    match signed {
        Signed::Json(v) => format!("{}\n", serde_json::to_string_pretty(v).unwrap_or_default()),
        Signed::Jws(s) => format!("{s}\n"),
    }
}
