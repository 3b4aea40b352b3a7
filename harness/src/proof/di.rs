//! Data Integrity proofs with Ed25519 over RDFC-1.0: `DataIntegrityProof` / `eddsa-rdfc-2022`, its predecessor
//! `eddsa-2022`, and `Ed25519Signature2020`. All three sign the same 64 bytes:
//! SHA-256(canon(proof configuration)) ‖ SHA-256(canon(document without `proof`)), where the proof configuration is
//! the proof minus its signature value, carrying the document's `@context` (for the 2020 suite this is what
//! jsonld-signatures does; the Data Integrity algorithm states it). `proofValue` is `z` + base58btc(signature).
//!
//! Key resolution is the caller's business: [`verify`] takes the raw public key, so the same code serves
//! `<controller>#z6Mk…`, did:key and fetched key documents.

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde_json::{Map, Value};

use crate::jsonld::canon::{self, Budget, CanonError};
use crate::jsonld::contexts;

/// The proof suites this module verifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Suite {
    /// `DataIntegrityProof` with `cryptosuite: eddsa-rdfc-2022` (the current one).
    EddsaRdfc2022,
    /// `DataIntegrityProof` with `cryptosuite: eddsa-2022` (a draft name still met in the wild).
    Eddsa2022,
    /// `Ed25519Signature2020` (VCDM 1.1 era).
    Ed25519Signature2020,
}

impl Suite {
    /// Deprecated suites still verify, but a report should say so.
    pub fn is_legacy(self) -> bool {
        !matches!(self, Suite::EddsaRdfc2022)
    }

    pub fn name(self) -> &'static str {
        match self {
            Suite::EddsaRdfc2022 => "DataIntegrityProof/eddsa-rdfc-2022",
            Suite::Eddsa2022 => "DataIntegrityProof/eddsa-2022",
            Suite::Ed25519Signature2020 => "Ed25519Signature2020",
        }
    }

    /// Context URLs of which the document must name one, or the proof's own terms would not expand as signed.
    fn contexts(self) -> &'static [&'static str] {
        match self {
            Suite::EddsaRdfc2022 | Suite::Eddsa2022 => &[contexts::VC_V2_URL, contexts::DI_V2_URL, contexts::DI_V1_URL],
            Suite::Ed25519Signature2020 => &[contexts::ED25519_2020_V1_URL],
        }
    }
}

/// Which of the two canonicalized inputs a problem concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    ProofConfig,
    Document,
}

impl std::fmt::Display for Part {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Part::ProofConfig => "proof configuration",
            Part::Document => "document",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DiError {
    #[error("the credential is not a JSON object")]
    NotAnObject,
    #[error("the credential has no `proof`")]
    NoProof,
    #[error("proof #{index} does not exist (the credential has {count})")]
    NoSuchProof { index: usize, count: usize },
    #[error("proof #{index} is not a JSON object")]
    ProofNotAnObject { index: usize },
    #[error("the proof has no `{field}` (or it is not a string)")]
    MissingField { field: &'static str },
    #[error("unsupported proof type `{found}` (supported: DataIntegrityProof, Ed25519Signature2020)")]
    UnsupportedProofType { found: String },
    #[error("unsupported cryptosuite `{found}` (supported: eddsa-rdfc-2022, legacy eddsa-2022)")]
    UnsupportedCryptosuite { found: String },
    #[error("{suite} needs one of these contexts in the credential's @context: {expected:?}")]
    SuiteContextMissing {
        suite: &'static str,
        expected: &'static [&'static str],
    },
    #[error("proofValue is not base58btc multibase: it must start with `z`, found {found:?}")]
    ProofValueNotMultibaseZ { found: String },
    #[error("proofValue is not valid base58btc: {message}")]
    ProofValueBase58 { message: String },
    #[error("proofValue decodes to {len} bytes, an Ed25519 signature has 64")]
    ProofValueLength { len: usize },
    #[error("proofValue has {chars} characters, far more than the 64-byte signature it should encode")]
    ProofValueTooLong { chars: usize },
    #[error("the public key is not a valid Ed25519 point")]
    BadPublicKey,
    #[error("canonicalizing the {part}: {source}")]
    Canonicalization {
        part: Part,
        #[source]
        source: CanonError,
    },
    #[error("the signature does not match the canonical document and proof configuration")]
    SignatureMismatch { transcript: Box<Transcript> },
}

/// What was hashed and signed: enough to show a diff against another implementation's canonical form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transcript {
    pub proof_config_nquads: String,
    pub document_nquads: String,
    /// Hex SHA-256 of `proof_config_nquads`.
    pub proof_config_hash: String,
    /// Hex SHA-256 of `document_nquads`.
    pub document_hash: String,
    hash_data: Vec<u8>,
}

impl Transcript {
    /// The 64 bytes the Ed25519 signature covers.
    pub fn hash_data(&self) -> &[u8] {
        &self.hash_data
    }
}

/// A proof that verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiVerified {
    pub suite: Suite,
    /// `eddsa-2022` or `Ed25519Signature2020`: accepted, but deprecated.
    pub legacy: bool,
    pub verification_method: String,
    pub proof_purpose: String,
    pub transcript: Transcript,
}

/// One entry of a credential's `proof` (a single object or an array), as found, for choosing which to verify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProofEntry {
    pub index: usize,
    pub proof_type: Option<String>,
    pub cryptosuite: Option<String>,
    pub verification_method: Option<String>,
    pub proof_purpose: Option<String>,
    /// `Some` when this module can verify it.
    pub suite: Option<Suite>,
}

impl ProofEntry {
    /// A proof that can establish the credential's issuance: supported suite and `assertionMethod` purpose.
    pub fn is_assertion_candidate(&self) -> bool {
        self.suite.is_some() && self.proof_purpose.as_deref() == Some("assertionMethod")
    }
}

/// Every proof of the credential, in document order (empty when there is none).
pub fn list_proofs(doc: &Value) -> Vec<ProofEntry> {
    proofs(doc)
        .iter()
        .enumerate()
        .map(|(index, p)| {
            let text = |k: &str| p.get(k).and_then(Value::as_str).map(str::to_owned);
            ProofEntry {
                index,
                proof_type: text("type"),
                cryptosuite: text("cryptosuite"),
                verification_method: text("verificationMethod"),
                proof_purpose: text("proofPurpose"),
                suite: suite_of(p).ok(),
            }
        })
        .collect()
}

/// Verify proof number `proof_index` of `doc` with an Ed25519 public key.
pub fn verify(doc: &Value, proof_index: usize, public_key: &[u8; 32], budget: &Budget) -> Result<DiVerified, DiError> {
    verify_sharing(doc, proof_index, public_key, budget, &UnsecuredForm::default())
}

/// The canonical form of a document without its proofs, computed once and shared by all its proofs: every proof of
/// a proof set signs the same unsecured document, so a credential with many proofs is canonicalized once, not once
/// per proof.
#[derive(Debug, Default)]
pub struct UnsecuredForm(std::cell::OnceCell<Result<String, canon::CanonError>>);

/// [`verify`] with the document's canonical form shared through `unsecured` (one per document).
pub fn verify_sharing(
    doc: &Value,
    proof_index: usize,
    public_key: &[u8; 32],
    budget: &Budget,
    unsecured: &UnsecuredForm,
) -> Result<DiVerified, DiError> {
    let (suite, proof) = select(doc, proof_index)?;
    let verification_method = required(proof, "verificationMethod")?.to_owned();
    let proof_purpose = required(proof, "proofPurpose")?.to_owned();
    let signature = decode_proof_value(required(proof, "proofValue")?)?;
    let key = VerifyingKey::from_bytes(public_key).map_err(|_| DiError::BadPublicKey)?;
    let transcript = transcript_for(doc, proof, suite, budget, unsecured)?;
    if key.verify(transcript.hash_data(), &signature).is_err() {
        return Err(DiError::SignatureMismatch {
            transcript: Box::new(transcript),
        });
    }
    Ok(DiVerified {
        suite,
        legacy: suite.is_legacy(),
        verification_method,
        proof_purpose,
        transcript,
    })
}

/// Checks that proof `proof_index` is complete enough to verify — supported suite, the credential names the suite's
/// context, verificationMethod, proofPurpose, `created`, and a proofValue that decodes to a 64-byte signature —
/// without resolving a key or canonicalizing anything.
pub fn check_shape(doc: &Value, proof_index: usize) -> Result<(), DiError> {
    let (suite, proof) = select(doc, proof_index)?;
    required(proof, "verificationMethod")?;
    required(proof, "proofPurpose")?;
    required(proof, "created")?;
    decode_proof_value(required(proof, "proofValue")?)?;
    let map = doc.as_object().ok_or(DiError::NotAnObject)?;
    check_suite_context(map, suite)
}

/// The canonical forms and hashes of proof `proof_index` without checking a signature (for reports and vectors).
pub fn transcript(doc: &Value, proof_index: usize, budget: &Budget) -> Result<(Suite, Transcript), DiError> {
    let (suite, proof) = select(doc, proof_index)?;
    Ok((
        suite,
        transcript_for(doc, proof, suite, budget, &UnsecuredForm::default())?,
    ))
}

/// Sign `doc` with an `eddsa-rdfc-2022` `DataIntegrityProof` for `assertionMethod`. Deterministic for a given key
/// and `created`. Existing proofs are kept and the new one is added next to them (a proof set, not a chain).
pub fn sign(doc: &Value, secret_seed: &[u8; 32], verification_method: &str, created: &str) -> Result<Value, DiError> {
    sign_with_suite(doc, secret_seed, Suite::EddsaRdfc2022, verification_method, created)
}

/// [`sign`] for any supported suite (the legacy ones exist to produce test vectors for the verifier).
pub fn sign_with_suite(
    doc: &Value,
    secret_seed: &[u8; 32],
    suite: Suite,
    verification_method: &str,
    created: &str,
) -> Result<Value, DiError> {
    sign_for_purpose(doc, secret_seed, suite, verification_method, created, "assertionMethod")
}

/// [`sign_with_suite`] with another proof purpose than `assertionMethod` (a test vector for the purpose check:
/// a credential's proof must be for assertionMethod).
pub fn sign_for_purpose(
    doc: &Value,
    secret_seed: &[u8; 32],
    suite: Suite,
    verification_method: &str,
    created: &str,
    purpose: &str,
) -> Result<Value, DiError> {
    let mut out = doc.as_object().ok_or(DiError::NotAnObject)?.clone();
    // shift_remove keeps the order of the other members (with preserve_order, `remove` swaps the last one in).
    let existing = out.shift_remove("proof");
    ensure_suite_context(&mut out, suite);

    let mut proof = Map::new();
    let (proof_type, cryptosuite) = match suite {
        Suite::EddsaRdfc2022 => ("DataIntegrityProof", Some("eddsa-rdfc-2022")),
        Suite::Eddsa2022 => ("DataIntegrityProof", Some("eddsa-2022")),
        Suite::Ed25519Signature2020 => ("Ed25519Signature2020", None),
    };
    proof.insert("type".into(), proof_type.into());
    if let Some(cs) = cryptosuite {
        proof.insert("cryptosuite".into(), cs.into());
    }
    proof.insert("created".into(), created.into());
    proof.insert("verificationMethod".into(), verification_method.into());
    proof.insert("proofPurpose".into(), purpose.into());

    let unsecured = Value::Object(out);
    let transcript = transcript_for(&unsecured, &proof, suite, &Budget::default(), &UnsecuredForm::default())?;
    let signature = SigningKey::from_bytes(secret_seed).sign(transcript.hash_data());
    proof.insert(
        "proofValue".into(),
        format!("z{}", bs58::encode(signature.to_bytes()).into_string()).into(),
    );

    let Value::Object(mut out) = unsecured else {
        return Err(DiError::NotAnObject);
    };
    let proof = Value::Object(proof);
    let proof = match existing {
        None => proof,
        Some(Value::Array(mut all)) => {
            all.push(proof);
            Value::Array(all)
        }
        Some(one) => Value::Array(vec![one, proof]),
    };
    out.insert("proof".into(), proof);
    Ok(Value::Object(out))
}

fn proofs(doc: &Value) -> &[Value] {
    match doc.get("proof") {
        Some(Value::Array(all)) => all,
        Some(one) => std::slice::from_ref(one),
        None => &[],
    }
}

fn select(doc: &Value, index: usize) -> Result<(Suite, &Map<String, Value>), DiError> {
    if !doc.is_object() {
        return Err(DiError::NotAnObject);
    }
    let all = proofs(doc);
    if all.is_empty() {
        return Err(DiError::NoProof);
    }
    let proof = all.get(index).ok_or(DiError::NoSuchProof {
        index,
        count: all.len(),
    })?;
    let proof = proof.as_object().ok_or(DiError::ProofNotAnObject { index })?;
    let suite = suite_of_map(proof)?;
    Ok((suite, proof))
}

fn suite_of(proof: &Value) -> Result<Suite, DiError> {
    suite_of_map(proof.as_object().ok_or(DiError::ProofNotAnObject { index: 0 })?)
}

fn suite_of_map(proof: &Map<String, Value>) -> Result<Suite, DiError> {
    match required(proof, "type")? {
        "DataIntegrityProof" => match required(proof, "cryptosuite")? {
            "eddsa-rdfc-2022" => Ok(Suite::EddsaRdfc2022),
            "eddsa-2022" => Ok(Suite::Eddsa2022),
            other => Err(DiError::UnsupportedCryptosuite {
                found: other.to_owned(),
            }),
        },
        "Ed25519Signature2020" => Ok(Suite::Ed25519Signature2020),
        other => Err(DiError::UnsupportedProofType {
            found: other.to_owned(),
        }),
    }
}

fn required<'a>(proof: &'a Map<String, Value>, field: &'static str) -> Result<&'a str, DiError> {
    proof
        .get(field)
        .and_then(Value::as_str)
        .ok_or(DiError::MissingField { field })
}

fn decode_proof_value(value: &str) -> Result<Signature, DiError> {
    let Some(encoded) = value.strip_prefix('z') else {
        return Err(DiError::ProofValueNotMultibaseZ {
            found: value.chars().take(1).collect(),
        });
    };
    // Base58 decoding is quadratic; anything far longer than a signature's 86-88 characters is rejected unread.
    if encoded.len() > 200 {
        return Err(DiError::ProofValueTooLong { chars: value.len() });
    }
    let bytes = bs58::decode(encoded)
        .into_vec()
        .map_err(|e| DiError::ProofValueBase58 { message: e.to_string() })?;
    let bytes: [u8; 64] = bytes
        .as_slice()
        .try_into()
        .map_err(|_| DiError::ProofValueLength { len: bytes.len() })?;
    Ok(Signature::from_bytes(&bytes))
}

fn context_urls(doc: &Map<String, Value>) -> Vec<&str> {
    match doc.get("@context") {
        Some(Value::String(url)) => vec![url.as_str()],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

fn check_suite_context(doc: &Map<String, Value>, suite: Suite) -> Result<(), DiError> {
    let urls = context_urls(doc);
    if suite.contexts().iter().any(|c| urls.contains(c)) {
        Ok(())
    } else {
        Err(DiError::SuiteContextMissing {
            suite: suite.name(),
            expected: suite.contexts(),
        })
    }
}

/// Signers add the suite's context when the credential lacks it (VCDM 1.1 credentials have no proof terms).
fn ensure_suite_context(doc: &mut Map<String, Value>, suite: Suite) {
    if check_suite_context(doc, suite).is_ok() {
        return;
    }
    let add = match suite {
        Suite::Ed25519Signature2020 => contexts::ED25519_2020_V1_URL,
        _ => contexts::DI_V2_URL,
    };
    // Edit `@context` in place so it stays the first member of the signed document.
    match doc.get_mut("@context") {
        Some(Value::Array(items)) => items.push(add.into()),
        Some(one) => *one = Value::Array(vec![one.take(), add.into()]),
        None => {
            doc.shift_insert(0, "@context".into(), Value::Array(vec![add.into()]));
        }
    }
}

fn transcript_for(
    doc: &Value,
    proof: &Map<String, Value>,
    suite: Suite,
    budget: &Budget,
    unsecured_form: &UnsecuredForm,
) -> Result<Transcript, DiError> {
    let mut unsecured = doc.as_object().ok_or(DiError::NotAnObject)?.clone();
    unsecured.shift_remove("proof");
    check_suite_context(&unsecured, suite)?;

    let mut config = Map::new();
    if let Some(ctx) = unsecured.get("@context") {
        config.insert("@context".into(), ctx.clone());
    }
    for (k, v) in proof {
        // The signature itself is not signed; jws/signatureValue are the 2018-era names of the same thing.
        if !matches!(k.as_str(), "@context" | "proofValue" | "jws" | "signatureValue") {
            config.insert(k.clone(), v.clone());
        }
    }

    let canon = |v: &Value, part| {
        canon::canonical_nquads(v, budget).map_err(|source| DiError::Canonicalization { part, source })
    };
    let proof_config_nquads = canon(&Value::Object(config), Part::ProofConfig)?;
    let document_nquads = unsecured_form
        .0
        .get_or_init(|| canon::canonical_nquads(&Value::Object(unsecured), budget))
        .clone()
        .map_err(|source| DiError::Canonicalization {
            part: Part::Document,
            source,
        })?;
    let proof_hash = canon::sha256(&proof_config_nquads);
    let doc_hash = canon::sha256(&document_nquads);
    Ok(Transcript {
        proof_config_hash: crate::jsonld::rdfc::hex(&proof_hash),
        document_hash: crate::jsonld::rdfc::hex(&doc_hash),
        hash_data: [proof_hash, doc_hash].concat(),
        proof_config_nquads,
        document_nquads,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const SEED: [u8; 32] = [7; 32];
    const VM: &str = "https://example.edu/issuers/1#key-1";
    const CREATED: &str = "2024-05-01T10:00:00Z";

    fn public() -> [u8; 32] {
        SigningKey::from_bytes(&SEED).verifying_key().to_bytes()
    }

    fn credential() -> Value {
        json!({
            "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
            "id": "urn:uuid:8c1c5f2e-0000-4000-8000-000000000001",
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "issuer": {"id": "https://example.edu/issuers/1", "type": ["Profile"], "name": "Example"},
            "validFrom": "2024-01-01T00:00:00Z",
            "name": "Badge",
            "credentialSubject": {"type": ["AchievementSubject"], "achievement": {
                "id": "https://example.edu/achievements/1", "type": ["Achievement"], "name": "Rust",
                "criteria": {"narrative": "Write Rust."}}}
        })
    }

    fn signed() -> Value {
        sign(&credential(), &SEED, VM, CREATED).expect("signs")
    }

    fn with_proof_value(pv: &str) -> Value {
        let mut doc = signed();
        doc["proof"]["proofValue"] = pv.into();
        doc
    }

    fn verify0(doc: &Value) -> Result<DiVerified, DiError> {
        verify(doc, 0, &public(), &Budget::default())
    }

    #[test]
    fn sign_then_verify_round_trips_deterministically() {
        let doc = signed();
        assert_eq!(doc, signed(), "Ed25519 and RDFC-1.0 are deterministic");
        assert_eq!(doc["proof"]["cryptosuite"], "eddsa-rdfc-2022");
        assert_eq!(doc["proof"]["proofPurpose"], "assertionMethod");
        let ok = verify0(&doc).expect("verifies");
        assert_eq!(ok.suite, Suite::EddsaRdfc2022);
        assert!(!ok.legacy);
        assert_eq!(ok.transcript.hash_data().len(), 64);
        assert!(ok.transcript.document_nquads.contains("\"Rust\""));
    }

    #[test]
    fn one_changed_claim_is_a_signature_mismatch() {
        let mut doc = signed();
        doc["credentialSubject"]["achievement"]["name"] = "Rust (changed)".into();
        match verify0(&doc) {
            Err(DiError::SignatureMismatch { transcript }) => assert!(transcript.document_nquads.contains("changed")),
            other => panic!("expected a mismatch, got {other:?}"),
        }
        let mut doc = signed();
        doc["proof"]["created"] = "2024-05-01T10:00:01Z".into();
        assert!(
            matches!(verify0(&doc), Err(DiError::SignatureMismatch { .. })),
            "the proof options are signed too"
        );
    }

    #[test]
    fn malformed_proof_values_say_what_is_wrong() {
        let good = signed()["proof"]["proofValue"].as_str().expect("string").to_owned();
        assert_eq!(
            verify0(&with_proof_value(&good.replacen('z', "u", 1))),
            Err(DiError::ProofValueNotMultibaseZ { found: "u".into() })
        );
        assert!(matches!(
            verify0(&with_proof_value("z0OIl")),
            Err(DiError::ProofValueBase58 { .. })
        ));
        let short = format!("z{}", bs58::encode([1u8; 63]).into_string());
        assert_eq!(
            verify0(&with_proof_value(&short)),
            Err(DiError::ProofValueLength { len: 63 })
        );
        let long = format!("z{}", "2".repeat(10_000));
        assert_eq!(
            verify0(&with_proof_value(&long)),
            Err(DiError::ProofValueTooLong { chars: 10_001 })
        );
    }

    #[test]
    fn unsupported_suites_and_missing_fields() {
        let mut doc = signed();
        doc["proof"]["cryptosuite"] = "ecdsa-rdfc-2019".into();
        assert_eq!(
            verify0(&doc),
            Err(DiError::UnsupportedCryptosuite {
                found: "ecdsa-rdfc-2019".into()
            })
        );
        doc["proof"]["type"] = "RsaSignature2018".into();
        assert_eq!(
            verify0(&doc),
            Err(DiError::UnsupportedProofType {
                found: "RsaSignature2018".into()
            })
        );
        let mut doc = signed();
        doc["proof"]
            .as_object_mut()
            .expect("object")
            .remove("verificationMethod");
        assert_eq!(
            verify0(&doc),
            Err(DiError::MissingField {
                field: "verificationMethod"
            })
        );
        assert_eq!(verify0(&credential()), Err(DiError::NoProof));
        assert_eq!(
            verify(&signed(), 1, &public(), &Budget::default()),
            Err(DiError::NoSuchProof { index: 1, count: 1 })
        );
        assert_eq!(verify0(&json!([1])), Err(DiError::NotAnObject));
    }

    #[test]
    fn unknown_context_is_a_canonicalization_error_naming_the_url() {
        let mut doc = signed();
        doc["@context"]
            .as_array_mut()
            .expect("array")
            .push("https://example.org/evil.json".into());
        match verify0(&doc) {
            Err(DiError::Canonicalization {
                source: CanonError::UnknownContext { url },
                ..
            }) => {
                assert_eq!(url, "https://example.org/evil.json")
            }
            other => panic!("expected UnknownContext, got {other:?}"),
        }
    }

    #[test]
    fn wrong_key_is_a_mismatch() {
        let other = SigningKey::from_bytes(&[8; 32]).verifying_key().to_bytes();
        assert!(matches!(
            verify(&signed(), 0, &other, &Budget::default()),
            Err(DiError::SignatureMismatch { .. })
        ));
    }

    #[test]
    fn legacy_suites_verify_and_are_marked() {
        for suite in [Suite::Eddsa2022, Suite::Ed25519Signature2020] {
            let mut vc1 = credential();
            vc1["@context"][0] = contexts::VC_V1_URL.into();
            vc1["issuanceDate"] = "2024-01-01T00:00:00Z".into();
            let doc = sign_with_suite(&vc1, &SEED, suite, VM, CREATED).expect("signs");
            let ok = verify0(&doc).unwrap_or_else(|e| panic!("{suite:?}: {e}"));
            assert_eq!(ok.suite, suite);
            assert!(ok.legacy);
        }
    }

    #[test]
    fn proof_without_its_suite_context_is_rejected() {
        let mut doc = signed();
        doc["proof"]["type"] = "Ed25519Signature2020".into();
        assert!(matches!(verify0(&doc), Err(DiError::SuiteContextMissing { .. })));
    }

    #[test]
    fn proof_sets_are_listed_and_each_verifies_alone() {
        let twice = sign(&signed(), &[9; 32], "did:example:other#k", CREATED).expect("signs");
        let listed = list_proofs(&twice);
        assert_eq!(listed.len(), 2);
        assert!(listed.iter().all(ProofEntry::is_assertion_candidate));
        assert_eq!(listed[1].verification_method.as_deref(), Some("did:example:other#k"));
        verify(&twice, 0, &public(), &Budget::default()).expect("first proof");
        let second = SigningKey::from_bytes(&[9; 32]).verifying_key().to_bytes();
        verify(&twice, 1, &second, &Budget::default()).expect("second proof");
        assert!(list_proofs(&json!({"proof": "x"}))[0].suite.is_none());
    }
}
