//! Signing generated documents with real keys, so they can be verified (by the harness and by any other verifier)
//! and so proof mutations have something to break.
//!
//! The generator's documents carry placeholder proofs and JWS signatures, and issuers named by https URLs nobody
//! serves. [`sign_generated`] makes them verifiable offline: every issuer id is replaced, everywhere it occurs, by a
//! DID whose key resolves without a fetch (`did:key` for Ed25519, `did:jwk` for the P-256 and RSA keys of
//! VC-JWTs), then every embedded credential is signed innermost first — endorsements, `endorsementJwt` entries
//! (RS256 VC-JWTs, the algorithm certification asks for) and a CLR's nested credentials — and the document last, as the [`Signing`] says.
//!
//! Ed25519 keys derive from the run seed and the issuer id; the P-256 and RSA keys are the test keys published in
//! `vectors/keys/`. So a document signed with Data Integrity, EdDSA or RS256 is the same bytes on every run with
//! the same seed (ES256 signatures are randomised by design: those verify the same way, with other bytes).
//!
//! What a Data Integrity proof covers is made expressible in RDF without loss first (`rdf_safe_document`: no
//! `endorsementJwt`, no language maps — the contexts define neither).
//!
//! Generated credentials name status lists and refresh services on hosts nobody serves; a signed document must be
//! verifiable offline (no pass without evidence, and no skip either), so signing drops `credentialStatus` and
//! `refreshService` (status and refresh are proven against loopback servers in `harness/tests/status_refresh.rs`).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::proof::di::Suite;
use crate::proof::keyfile::{self, JwtSigningKey, KeyAlgorithm};
use crate::proof::keys::did_jwk_of;
use crate::proof::multikey::{self, PublicKey};
use crate::proof::sign::{self, Format, SignError, Signed, Signer};

/// How a generated document is signed. Embedded credentials are always Data Integrity (eddsa-rdfc-2022) and
/// `endorsementJwt` entries RS256 VC-JWTs; this is the document's own proof.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signing {
    /// An embedded `DataIntegrityProof` (eddsa-rdfc-2022) by the issuer's `did:key`.
    DataIntegrity,
    /// A VC-JWT with the given key type: EdDSA by a `did:key`, ES256 and RS256 by a `did:jwk`.
    Jwt(KeyAlgorithm),
}

impl Signing {
    pub const ALL: [Signing; 4] = [
        Signing::DataIntegrity,
        Signing::Jwt(KeyAlgorithm::Ed25519),
        Signing::Jwt(KeyAlgorithm::P256),
        Signing::Jwt(KeyAlgorithm::Rsa2048),
    ];

    /// The name the CLI and manifests use.
    pub fn name(self) -> &'static str {
        match self {
            Signing::DataIntegrity => "di",
            Signing::Jwt(KeyAlgorithm::Ed25519) => "jwt-eddsa",
            Signing::Jwt(KeyAlgorithm::P256) => "jwt-es256",
            Signing::Jwt(KeyAlgorithm::Rsa2048) => "jwt-rs256",
        }
    }

    /// What a valid document signed this way trips: the warning that only RS256 VC-JWTs are certifiable
    /// (OB30-JWT-002, which judges CLR VC-JWTs too), for EdDSA and ES256.
    pub fn declared_trips(self) -> BTreeSet<(String, String)> {
        match self {
            Signing::Jwt(KeyAlgorithm::Ed25519 | KeyAlgorithm::P256) => {
                BTreeSet::from([(crate::catalogue::ids::OB30_JWT_002.to_string(), String::new())])
            }
            _ => BTreeSet::new(),
        }
    }

    pub fn parse(name: &str) -> Option<Signing> {
        Signing::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// The keys of one signed document: each issuer's key by its new id.
pub struct Keyring {
    seed: u64,
    /// Issuer id as generated → the DID that replaces it.
    renamed: BTreeMap<String, String>,
    /// DID → its Ed25519 key (seed and signing key).
    ed25519: BTreeMap<String, ([u8; 32], JwtSigningKey)>,
}

impl Keyring {
    /// The Ed25519 key of the issuer named `did`, made on first use.
    fn ed25519_of(&mut self, did: &str) -> Result<&([u8; 32], JwtSigningKey), SignError> {
        if !self.ed25519.contains_key(did) {
            let key = ed25519_key(self.seed, did)?;
            self.ed25519.insert(did.to_string(), key);
        }
        self.ed25519
            .get(did)
            .ok_or_else(|| SignError::Jwt(crate::proof::jwt::JwtError::Sign(format!("no key for {did}"))))
    }
}

impl Keyring {
    /// The Ed25519 seed of the issuer named `did` (for signing Data Integrity proofs by hand).
    pub fn ed25519_seed(&mut self, did: &str) -> Result<[u8; 32], SignError> {
        Ok(self.ed25519_of(did)?.0)
    }
}

/// An Ed25519 key derived from the run seed and a name.
pub fn ed25519_key(seed: u64, name: &str) -> Result<([u8; 32], JwtSigningKey), SignError> {
    let bytes: [u8; 32] = Sha256::digest(format!("clr-harness generated key {seed} {name}").as_bytes()).into();
    let key = keyfile::ed25519_from_seed(&bytes, name, None)
        .and_then(|k| keyfile::signing_key(&k.private_jwk))
        .map_err(|e| SignError::Jwt(crate::proof::jwt::JwtError::Sign(e.to_string())))?;
    Ok((bytes, key))
}

/// The P-256 or RSA key of generated VC-JWTs: the test keys published in `vectors/keys/`, so that RS256
/// signatures (deterministic, like EdDSA) give the same bytes on every run. They sign test vectors only.
fn process_key(alg: KeyAlgorithm) -> Result<&'static JwtSigningKey, SignError> {
    static P256: OnceLock<Result<JwtSigningKey, String>> = OnceLock::new();
    static RSA: OnceLock<Result<JwtSigningKey, String>> = OnceLock::new();
    let (cell, text) = match alg {
        KeyAlgorithm::P256 => (&P256, include_str!("../../../vectors/keys/test-p256.private.jwk.json")),
        _ => (
            &RSA,
            include_str!("../../../vectors/keys/test-rsa-2048.private.jwk.json"),
        ),
    };
    cell.get_or_init(|| {
        serde_json::from_str::<Value>(text)
            .map_err(|e| e.to_string())
            .and_then(|jwk| keyfile::signing_key(&jwk).map_err(|e| e.to_string()))
    })
    .as_ref()
    .map_err(|e| SignError::Jwt(crate::proof::jwt::JwtError::Sign(e.clone())))
}

/// The DID of a key: `did:key` for Ed25519, `did:jwk` for the others.
fn did_of(key: &JwtSigningKey) -> String {
    match key.public_key() {
        PublicKey::Ed25519(pk) => multikey::ed25519_did_key(pk),
        other => did_jwk_of(&keyfile::public_key_jwk(other)),
    }
}

/// The key reference (`kid` / verification method) of a DID issuer: `did:key:z…#z…` or `did:jwk:…#0`.
fn method_of(did: &str) -> String {
    match did.strip_prefix("did:key:") {
        Some(specific) => format!("{did}#{specific}"),
        None => format!("{did}#0"),
    }
}

/// Signs a generated document as `signing` says, with keys derived from `seed`. See the module documentation.
pub fn sign_generated(doc: &Value, signing: Signing, seed: u64) -> Result<Signed, SignError> {
    let (signed, _) = sign_with_keys(doc, signing, seed)?;
    Ok(signed)
}

/// [`sign_generated`], also returning the keyring.
pub fn sign_with_keys(doc: &Value, signing: Signing, seed: u64) -> Result<(Signed, Keyring), SignError> {
    let (prepared, mut ring) = prepare(doc, signing, seed)?;
    let signed = sign_root(&prepared, signing, &mut ring)?;
    Ok((signed, ring))
}

/// The first half of signing: issuers renamed to their DIDs and every embedded credential signed, the document's
/// own proof not made yet ([`sign_root`] makes it). Proof mutations change this document before the last step.
pub fn prepare(doc: &Value, signing: Signing, seed: u64) -> Result<(Value, Keyring), SignError> {
    let mut issuers = Vec::new();
    collect_issuers(doc, false, &mut issuers);
    let root_issuer = crate::verify::issuer_id(doc);
    let mut ring = Keyring {
        seed,
        renamed: BTreeMap::new(),
        ed25519: BTreeMap::new(),
    };
    // One DID per issuer, so one kind of key: an issuer that signed both the document as an ES256/RS256 VC-JWT (or
    // an RS256 endorsementJwt) and a Data Integrity credential inside it cannot be given one key for both.
    let mut kinds: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    // `collect_issuers` lists the document's own issuer first.
    for (i, (issuer, in_jwt)) in issuers.iter().enumerate() {
        let kind = match signing {
            Signing::Jwt(KeyAlgorithm::P256 | KeyAlgorithm::Rsa2048) if i == 0 => "the document's VC-JWT key",
            _ if *in_jwt => "an RS256 endorsementJwt key",
            _ => "an Ed25519 key",
        };
        kinds.entry(issuer.as_str()).or_default().insert(kind);
    }
    if let Some((issuer, both)) = kinds.iter().find(|(_, k)| k.len() > 1) {
        return Err(SignError::Jwt(crate::proof::jwt::JwtError::Sign(format!(
            "issuer {issuer} would need {} at once",
            both.iter().copied().collect::<Vec<_>>().join(" and ")
        ))));
    }
    for (issuer, in_jwt) in issuers {
        if ring.renamed.contains_key(&issuer) {
            continue;
        }
        let did = match signing {
            Signing::Jwt(alg @ (KeyAlgorithm::P256 | KeyAlgorithm::Rsa2048))
                if Some(&issuer) == root_issuer.as_ref() =>
            {
                did_of(process_key(alg)?)
            }
            _ if in_jwt => did_of(process_key(KeyAlgorithm::Rsa2048)?),
            _ => did_of(&ring.ed25519_of(&format!("issuer {issuer}"))?.1),
        };
        // The key was made under the generated id; file it under the DID too.
        if let Some(key) = ring.ed25519.remove(&format!("issuer {issuer}")) {
            ring.ed25519.insert(did.clone(), key);
        }
        ring.renamed.insert(issuer, did);
    }
    let mut doc = doc.clone();
    rename(&mut doc, &ring.renamed);
    drop_services(&mut doc);
    rdf_safe_document(&mut doc, signing == Signing::DataIntegrity);
    sign_children(&mut doc, &mut ring)?;
    Ok((doc, ring))
}

/// Signs `doc` (already renamed, its embedded credentials already signed) with the issuer's key.
pub fn sign_root(doc: &Value, signing: Signing, ring: &mut Keyring) -> Result<Signed, SignError> {
    let issuer = crate::verify::issuer_id(doc).unwrap_or_default();
    let unsigned = sign::without_proof(doc);
    match signing {
        Signing::DataIntegrity => sign_di(&unsigned, &issuer, ring).map(Signed::Json),
        Signing::Jwt(KeyAlgorithm::Ed25519) => sign_jwt(&unsigned, &issuer, ring).map(Signed::Jws),
        Signing::Jwt(alg) => {
            let key = process_key(alg)?;
            sign::sign(
                &unsigned,
                &Signer {
                    key,
                    ed25519_seed: None,
                    format: Format::Jwt,
                    verification_method: None,
                    kid: Some(method_of(&issuer)),
                    embed_jwk: false,
                    created: None,
                },
            )
        }
    }
}

/// Signs `credential` with a Data Integrity proof by the issuer's key.
pub fn sign_di(credential: &Value, issuer: &str, ring: &mut Keyring) -> Result<Value, SignError> {
    let (seed, key) = ring.ed25519_of(issuer)?;
    let signer = Signer {
        key,
        ed25519_seed: Some(*seed),
        format: Format::DataIntegrity(Suite::EddsaRdfc2022),
        verification_method: Some(method_of(issuer)),
        kid: None,
        embed_jwk: false,
        created: None,
    };
    match sign::sign(credential, &signer)? {
        Signed::Json(v) => Ok(v),
        Signed::Jws(s) => Ok(Value::String(s)),
    }
}

/// Signs `credential` as an EdDSA VC-JWT by the issuer's key.
pub fn sign_jwt(credential: &Value, issuer: &str, ring: &mut Keyring) -> Result<String, SignError> {
    let (_, key) = ring.ed25519_of(issuer)?;
    Ok(crate::proof::jwt::sign_vc_jwt(credential, key, &method_of(issuer))?)
}

/// The key reference (`kid` / verification method) of a DID: `did:key:z…#z…` or `did:jwk:…#0`.
pub fn key_reference(did: &str) -> String {
    method_of(did)
}

/// The signing key of the document itself under `signing`: the issuer's Ed25519 key, or the process key.
pub fn root_key<'a>(signing: Signing, issuer: &str, ring: &'a mut Keyring) -> Result<&'a JwtSigningKey, SignError> {
    match signing {
        Signing::Jwt(alg @ (KeyAlgorithm::P256 | KeyAlgorithm::Rsa2048)) => process_key(alg),
        _ => Ok(&ring.ed25519_of(issuer)?.1),
    }
}

/// An `endorsementJwt` entry: RS256 by the process's RSA key, named by its `did:jwk`.
fn sign_endorsement_jwt(credential: &Value, issuer: &str) -> Result<String, SignError> {
    let key = process_key(KeyAlgorithm::Rsa2048)?;
    Ok(crate::proof::jwt::sign_vc_jwt(credential, key, &method_of(issuer))?)
}

/// Whether an object is a credential (it has an issuer and a subject).
pub fn is_credential(v: &Value) -> bool {
    v.get("issuer").is_some() && v.get("credentialSubject").is_some()
}

/// The payload of a compact JWS, when it decodes to JSON.
pub fn jws_payload(jws: &str) -> Option<Value> {
    let payload = jws.split('.').nth(1)?;
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()
}

/// Every credential's issuer id, the document's own first, then embedded ones (JWS payloads included, marked).
fn collect_issuers(v: &Value, in_jwt: bool, out: &mut Vec<(String, bool)>) {
    match v {
        Value::Object(o) => {
            if is_credential(v)
                && let Some(id) = crate::verify::issuer_id(v)
            {
                out.push((id, in_jwt));
            }
            for (k, child) in o {
                match (k.as_str(), child) {
                    ("endorsementJwt", Value::Array(jwts)) => {
                        for payload in jwts.iter().filter_map(Value::as_str).filter_map(jws_payload) {
                            collect_issuers(&payload, true, out);
                        }
                    }
                    _ => collect_issuers(child, in_jwt, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| collect_issuers(i, in_jwt, out)),
        _ => {}
    }
}

/// Removes `credentialStatus` and `refreshService` from every credential (JWS payloads included): they name
/// services on hosts nobody serves, which an offline verifier could only skip.
fn drop_services(v: &mut Value) {
    match v {
        Value::Object(o) => {
            if o.contains_key("issuer") && o.contains_key("credentialSubject") {
                o.shift_remove("credentialStatus");
                o.shift_remove("refreshService");
            }
            for (k, child) in o.iter_mut() {
                if k == "endorsementJwt"
                    && let Value::Array(jwts) = child
                {
                    for jwt in jwts.iter_mut() {
                        if let Some(mut payload) = jwt.as_str().and_then(jws_payload) {
                            drop_services(&mut payload);
                            // Unsigned for now: sign_children signs it again from this payload.
                            *jwt = Value::String(format!("e30.{}.", URL_SAFE_NO_PAD.encode(payload.to_string())));
                        }
                    }
                } else {
                    drop_services(child);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(drop_services),
        _ => {}
    }
}

/// Makes what a Data Integrity proof will cover expressible in RDF without loss. The OB 3.0 and CLR 2.0 contexts
/// define neither `endorsementJwt` nor language maps (`{"en": "…"}`, which the JSON Schemas allow for texts), so
/// JSON-LD drops them, and VC Data Integrity 1.0 requires a verifier to refuse such a document (data loss
/// detection). Inside every credential that gets a Data Integrity proof (`inside_di`: the document itself when it
/// is signed that way, and every embedded credential object), `endorsementJwt` is removed, a language map
/// becomes its first text and a TermsOfUse type term becomes an IRI. A VC-JWT document keeps them outside its
/// embedded credentials: nothing JSON-LD-processes it.
fn rdf_safe_document(doc: &mut Value, data_integrity: bool) {
    if data_integrity {
        rdf_safe(doc, true);
        return;
    }
    // A VC-JWT document: only its embedded credentials are JSON-LD-processed.
    if let Value::Object(o) = doc {
        for child in o.values_mut() {
            rdf_safe(child, false);
        }
    }
}

fn rdf_safe(v: &mut Value, inside_di: bool) {
    match v {
        Value::Object(o) => {
            let inside = inside_di || (o.contains_key("issuer") && o.contains_key("credentialSubject"));
            if inside {
                o.shift_remove("endorsementJwt");
            }
            for (k, child) in o.iter_mut() {
                if inside && k == "termsOfUse" {
                    absolute_policy_types(child);
                }
                if inside && is_language_map(k, child) {
                    let first = child
                        .as_object()
                        .and_then(|m| m.values().next())
                        .cloned()
                        .unwrap_or(Value::Null);
                    *child = first;
                    continue;
                }
                rdf_safe(child, inside);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| rdf_safe(i, inside_di)),
        _ => {}
    }
}

/// TermsOfUse types as absolute IRIs: the generator's `IssuerPolicy` / `TrustFrameworkPolicy` are terms no
/// context defines.
fn absolute_policy_types(terms: &mut Value) {
    let items: Vec<&mut Value> = match terms {
        Value::Array(items) => items.iter_mut().collect(),
        one => vec![one],
    };
    for item in items {
        if let Some(t) = item.get_mut("type")
            && let Some(term) = t.as_str().filter(|t| !t.contains(':'))
        {
            *t = Value::String(format!("https://example.org/terms-of-use#{term}"));
        }
    }
}

/// Whether `value` of property `key` is a language map: an object of strings keyed by language tags (what the
/// generator writes for display texts).
fn is_language_map(key: &str, value: &Value) -> bool {
    super::values::LANGUAGE_MAP_PROPS.contains(&key)
        && value
            .as_object()
            .is_some_and(|m| !m.is_empty() && m.iter().all(|(k, v)| v.is_string() && !k.starts_with('@')))
}

/// Replaces every string equal to a renamed issuer id. JWS payloads are strings here: [`sign_children`] renames
/// inside them when it re-signs them.
fn rename(v: &mut Value, renamed: &BTreeMap<String, String>) {
    match v {
        Value::String(s) => {
            if let Some(new) = renamed.get(s.as_str()) {
                *s = new.clone();
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| rename(i, renamed)),
        Value::Object(o) => o.values_mut().for_each(|c| rename(c, renamed)),
        _ => {}
    }
}

/// Signs every credential embedded in `v` (not `v` itself), innermost first: objects get a Data Integrity proof,
/// `endorsementJwt` entries become RS256 VC-JWTs over their (renamed) payloads.
fn sign_children(v: &mut Value, ring: &mut Keyring) -> Result<(), SignError> {
    match v {
        Value::Object(o) => {
            for (k, child) in o.iter_mut() {
                match (k.as_str(), child) {
                    ("proof", _) => {}
                    ("endorsementJwt", Value::Array(jwts)) => {
                        for jwt in jwts.iter_mut() {
                            let Some(mut payload) = jwt.as_str().and_then(jws_payload) else {
                                continue;
                            };
                            rename(&mut payload, &ring.renamed);
                            sign_children(&mut payload, ring)?;
                            let issuer = crate::verify::issuer_id(&payload).unwrap_or_default();
                            let credential = without_jwt_claims(&sign::without_proof(&payload));
                            *jwt = Value::String(sign_endorsement_jwt(&credential, &issuer)?);
                        }
                    }
                    (_, child) => sign_embedded(child, ring)?,
                }
            }
            Ok(())
        }
        Value::Array(items) => items.iter_mut().try_for_each(|i| sign_embedded(i, ring)),
        _ => Ok(()),
    }
}

/// Signs a value that may itself be an embedded credential, after its own embedded ones.
fn sign_embedded(v: &mut Value, ring: &mut Keyring) -> Result<(), SignError> {
    sign_children(v, ring)?;
    if v.is_object() && is_credential(v) {
        let issuer = crate::verify::issuer_id(v).unwrap_or_default();
        *v = sign_di(&sign::without_proof(v), &issuer, ring)?;
    }
    Ok(())
}

/// A VC-JWT payload without its registered claims (they are derived again when it is signed).
fn without_jwt_claims(payload: &Value) -> Value {
    let mut out = payload.clone();
    if let Some(o) = out.as_object_mut() {
        for claim in ["iss", "jti", "sub", "nbf", "exp", "iat"] {
            o.shift_remove(claim);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::{Case, Family, Gen, case_seed};

    #[test]
    fn signing_names_round_trip() {
        for s in Signing::ALL {
            assert_eq!(Signing::parse(s.name()), Some(s));
        }
        assert_eq!(Signing::parse("jwt"), None);
    }

    /// An issuer cannot be given two kinds of key: the document's RS256 key and an Ed25519 key for a credential it
    /// also issued inside the document.
    #[test]
    fn one_issuer_needing_two_kinds_of_key_is_an_error() {
        let mut doc = Case {
            family: Family::Ob30,
            tape: vec![],
        }
        .generate()
        .doc;
        let issuer = crate::verify::issuer_id(&doc).expect("an issuer");
        doc["endorsement"] = serde_json::json!([{"issuer": issuer, "credentialSubject": {"id": "urn:x"}}]);
        let err = sign_generated(&doc, Signing::Jwt(KeyAlgorithm::Rsa2048), 1).expect_err("two kinds of key");
        assert!(err.to_string().contains("at once"), "{err}");
    }

    #[test]
    fn ed25519_signed_documents_are_reproducible() {
        let mut g = Gen::from_size_and_seed(16, case_seed(3, "sign", 0));
        let doc = Case::random(Family::Clr20, &mut g).generate().doc;
        let a = sign_generated(&doc, Signing::DataIntegrity, 5).expect("signs");
        let b = sign_generated(&doc, Signing::DataIntegrity, 5).expect("signs");
        assert_eq!(a, b);
        let c = sign_generated(&doc, Signing::DataIntegrity, 6).expect("signs");
        assert_ne!(a, c, "another seed, other keys");
        let Signed::Json(signed) = a else {
            panic!("a JSON document")
        };
        let issuer = crate::verify::issuer_id(&signed).unwrap_or_default();
        assert!(issuer.starts_with("did:key:z6Mk"), "{issuer}");
    }
}
