//! The credentials a verifier (a displayer, a wallet, a verification service) is shown, each with the verdict a
//! conformant verifier gives: valid ones it must accept, and the provocations it must reject — expired, not yet
//! valid, revoked (1EdTechRevocationList and BitstringStatusList), tampered, unsigned, signed by a key the issuer does
//! not control, a VC-JWT whose claims disagree with the credential, a CLR with one bad nested credential — in VCDM 2.0
//! and, for the certification trio, VCDM 1.1.
//!
//! The set is built at run time with keys derived from a seed (the same seed gives the same bytes) and status lists
//! served under a base URL the caller provides (the status host). The issuer is a `did:key`, so every verifier can
//! resolve its key offline; the expiry dates are far from any run's clock, so verdicts do not drift.

use std::borrow::Cow;
use std::io::Write;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::jsonld::contexts::{VC_V1_URL, VC_V2_URL};
use crate::proof::di::Suite;
use crate::proof::keyfile::{self, JwtSigningKey};
use crate::proof::multikey::{self, PublicKey};
use crate::proof::sign::{self, Format, SignError, Signed, Signer};

const OB_CONTEXT: &str = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json";
const CLR_CONTEXT: &str = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json";
/// Defines 1EdTechRevocationList (and the other 1EdTech VC extensions): without it the status type is an undefined
/// term, which a Data Integrity verifier must refuse as data loss.
const OB_EXTENSIONS: &str = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json";
const VALID_FROM: &str = "2024-01-15T09:00:00Z";
/// When the expired credentials became valid.
const LONGER_AGO: &str = "2019-09-01T00:00:00Z";
/// Long past: every run's clock is after it.
const LONG_AGO: &str = "2020-06-30T00:00:00Z";
/// Far ahead: no run's clock reaches it.
const FAR_AHEAD: &str = "2099-01-01T00:00:00Z";
/// The BitstringStatusList index of the revoked credential (the active one uses the next index).
const REVOKED_INDEX: usize = 42;

/// The verdict a conformant verifier gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    Accept,
    Reject,
}

impl Expect {
    pub fn as_str(self) -> &'static str {
        match self {
            Expect::Accept => "accept",
            Expect::Reject => "reject",
        }
    }
}

/// One credential shown to the verifier.
#[derive(Debug, Clone)]
pub struct Case {
    /// Stable name, also the file name's stem (`ob30-expired`, `generated-1-tamper-claim`).
    pub name: Cow<'static, str>,
    pub expect: Expect,
    /// Why a conformant verifier gives that verdict.
    pub why: Cow<'static, str>,
    /// The credential: JSON, or a compact JWS for VC-JWT cases.
    pub document: Signed,
}

impl Case {
    /// The file name the command adapter is given (`.json` or `.jwt`).
    pub fn file_name(&self) -> String {
        match self.document {
            Signed::Json(_) => format!("{}.json", self.name),
            Signed::Jws(_) => format!("{}.jwt", self.name),
        }
    }

    /// The bytes written to that file.
    pub fn text(&self) -> String {
        sign::to_text(&self.document)
    }
}

/// A document the status host serves.
#[derive(Debug, Clone)]
pub struct Served {
    /// Path under the status host's base URL, starting with `/`.
    pub path: String,
    pub content_type: &'static str,
    pub body: String,
}

/// The whole set: the cases, and what the status host must serve for them.
#[derive(Debug, Clone)]
pub struct CaseSet {
    pub cases: Vec<Case>,
    pub served: Vec<Served>,
    /// The issuer every case claims (a `did:key`).
    pub issuer: String,
}

impl CaseSet {
    pub fn get(&self, name: &str) -> Option<&Case> {
        self.cases.iter().find(|c| c.name == name)
    }
}

/// A generation's shape: VCDM 2.0 (validFrom/validUntil) or VCDM 1.1 (issuanceDate/expirationDate).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Vcdm {
    V2,
    V11,
}

struct Keys {
    issuer_seed: [u8; 32],
    issuer_public: [u8; 32],
    issuer_jwt: JwtSigningKey,
    stranger_seed: [u8; 32],
}

fn derive_seed(seed: u64, role: &str) -> [u8; 32] {
    Sha256::digest(format!("clr-harness verifier set {seed} {role}").as_bytes()).into()
}

/// Why the case set could not be built (a harness bug: its inputs are its own).
#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    #[error("derive the verifier set's key: {0}")]
    Key(#[from] keyfile::KeyFileError),
    #[error("the verifier set's key is not Ed25519")]
    NotEd25519,
    #[error("{0}")]
    Sign(#[from] SignError),
    #[error("sign the VC-JWT: {0}")]
    Jwt(#[from] crate::proof::jwt::JwtError),
    #[error("the signed {0} is not what was asked for (JSON or compact JWS)")]
    Shape(&'static str),
}

fn ed25519(seed: [u8; 32]) -> Result<([u8; 32], JwtSigningKey), CaseError> {
    let key = keyfile::ed25519_from_seed(&seed, "key", None)?;
    let signing = keyfile::signing_key(&key.private_jwk)?;
    let PublicKey::Ed25519(public) = *signing.public_key() else {
        return Err(CaseError::NotEd25519);
    };
    Ok((public, signing))
}

/// A deterministic `urn:uuid:` (version-4 shape) from the seed and a name.
fn urn(seed: u64, name: &str) -> String {
    let h = Sha256::digest(format!("clr-harness verifier set {seed} id {name}").as_bytes());
    let hex: String = h.iter().take(16).map(|b| format!("{b:02x}")).collect();
    let at = |a: usize, b: usize| hex.get(a..b).unwrap_or_default().to_string();
    format!(
        "urn:uuid:{}-{}-4{}-a{}-{}",
        at(0, 8),
        at(8, 12),
        at(13, 16),
        at(17, 20),
        at(20, 32)
    )
}

/// Builds the set for `seed`, with status lists under `status_base` (e.g. `http://127.0.0.1:4312`): the fixed cases
/// (`super::generated::build_with` adds generated ones).
pub fn build(seed: u64, status_base: &str) -> Result<CaseSet, CaseError> {
    let base = status_base.trim_end_matches('/');
    let issuer_seed = derive_seed(seed, "issuer");
    let (issuer_public, issuer_jwt) = ed25519(issuer_seed)?;
    let keys = Keys {
        issuer_seed,
        issuer_public,
        issuer_jwt,
        stranger_seed: derive_seed(seed, "stranger"),
    };
    let issuer = multikey::ed25519_did_key(&keys.issuer_public);
    let revocations = format!("{base}/status/revocations");
    let bitstring = format!("{base}/status/bitstring");
    let b = Builder {
        seed,
        issuer: &issuer,
        keys: &keys,
    };

    let mut cases = Vec::new();
    let mut add = |name: &'static str, expect: Expect, why: &'static str, document: Signed| {
        cases.push(Case {
            name: name.into(),
            expect,
            why: why.into(),
            document,
        });
    };
    let revocation_entry = json!({"id": revocations, "type": "1EdTechRevocationList"});
    let bitstring_entry = |index: usize| {
        json!({"id": format!("{bitstring}#{index}"), "type": "BitstringStatusListEntry", "statusPurpose": "revocation",
               "statusListIndex": index.to_string(), "statusListCredential": bitstring})
    };

    // The certification trio, VCDM 2.0 then 1.1 (revoked = listed in the 1EdTechRevocationList), each with the
    // controls that make a rejection evidence: the valid one has an end of validity (far ahead), and one listed as
    // not revoked names the same revocation list.
    for vcdm in [Vcdm::V2, Vcdm::V11] {
        let (valid, expired, revoked, listed) = match vcdm {
            Vcdm::V2 => ("ob30-valid", "ob30-expired", "ob30-revoked", "ob30-listed-not-revoked"),
            Vcdm::V11 => (
                "vcdm11-valid",
                "vcdm11-expired",
                "vcdm11-revoked",
                "vcdm11-listed-not-revoked",
            ),
        };
        let status = || vec![("credentialStatus", revocation_entry.clone())];
        let ends = |at: &str| vec![(end_member(vcdm), Value::from(at))];
        add(
            valid,
            Expect::Accept,
            "a well-formed credential, signed by its issuer's key, in its validity window (until 2099), not revoked",
            b.signed_variant(valid, vcdm, ends(FAR_AHEAD))?,
        );
        add(
            listed,
            Expect::Accept,
            "the 1EdTechRevocationList lists its id with revoked: false, which means not revoked",
            b.signed_variant(listed, vcdm, status())?,
        );
        let mut window = ends(LONG_AGO);
        window.push((start_member(vcdm), Value::from(LONGER_AGO)));
        add(
            expired,
            Expect::Reject,
            "its validity ended in 2020: the credential has expired",
            b.signed_variant(expired, vcdm, window)?,
        );
        add(
            revoked,
            Expect::Reject,
            "the issuer's 1EdTechRevocationList lists its id as revoked",
            b.signed_variant(revoked, vcdm, status())?,
        );
    }

    let v2 = |name: &'static str, member: &'static str, value: Value| {
        b.signed_variant(name, Vcdm::V2, vec![(member, value)])
    };
    add(
        "ob30-not-yet-valid",
        Expect::Reject,
        "its validFrom is in 2099: the credential is not yet valid",
        v2("ob30-not-yet-valid", "validFrom", FAR_AHEAD.into())?,
    );
    add(
        "ob30-revoked-flag-absent",
        Expect::Reject,
        "the 1EdTechRevocationList lists its id without a revoked flag, which means revoked",
        v2("ob30-revoked-flag-absent", "credentialStatus", revocation_entry.clone())?,
    );
    add(
        "ob30-bitstring-revoked",
        Expect::Reject,
        "its BitstringStatusList bit (revocation) is set",
        v2(
            "ob30-bitstring-revoked",
            "credentialStatus",
            bitstring_entry(REVOKED_INDEX),
        )?,
    );
    add(
        "ob30-bitstring-active",
        Expect::Accept,
        "its BitstringStatusList bit is not set",
        v2(
            "ob30-bitstring-active",
            "credentialStatus",
            bitstring_entry(REVOKED_INDEX + 1),
        )?,
    );

    let Signed::Json(mut tampered) = b.signed(b.credential("ob30-tampered", Vcdm::V2))? else {
        return Err(CaseError::Shape("ob30-tampered"));
    };
    tampered["credentialSubject"]["achievement"]["name"] = "Advanced Data Science (with distinction)".into();
    add(
        "ob30-tampered",
        Expect::Reject,
        "the achievement's name was changed after signing: the proof no longer verifies",
        Signed::Json(tampered),
    );
    add(
        "ob30-unsigned",
        Expect::Reject,
        "the credential carries no proof at all",
        Signed::Json(b.credential("ob30-unsigned", Vcdm::V2)),
    );
    add(
        "ob30-foreign-key",
        Expect::Reject,
        "signed by a did:key that is not the issuer's: anyone could have signed it",
        b.signed_by_stranger(b.credential("ob30-foreign-key", Vcdm::V2))?,
    );

    add(
        "ob30-jwt-valid",
        Expect::Accept,
        "a VC-JWT whose iss, sub, jti and nbf match the credential, signed by the issuer's key",
        b.jwt(&b.credential("ob30-jwt-valid", Vcdm::V2))?,
    );
    let original = b.credential("ob30-jwt-claim-mismatch", Vcdm::V2);
    let mut changed = original.clone();
    changed["credentialSubject"]["id"] = "did:example:someone-else".into();
    add(
        "ob30-jwt-claim-mismatch",
        Expect::Reject,
        "the JWT's sub is not the credentialSubject.id of the payload's credential",
        b.jwt_mismatched(&original, &changed)?,
    );
    let Signed::Jws(good) = b.jwt(&b.credential("ob30-jwt-tampered", Vcdm::V2))? else {
        return Err(CaseError::Shape("ob30-jwt-tampered"));
    };
    add(
        "ob30-jwt-tampered",
        Expect::Reject,
        "the JWT's signature was changed: it does not verify",
        Signed::Jws(tamper_jws(&good)),
    );

    add(
        "clr20-valid",
        Expect::Accept,
        "a CLR whose nested credentials and the CLR itself are signed by the issuer",
        b.clr("clr20-valid", false)?,
    );
    add(
        "clr20-bad-nested",
        Expect::Reject,
        "the CLR's own proof verifies, but one nested credential was changed after it was signed",
        b.clr("clr20-bad-nested", true)?,
    );

    // What the status host serves.
    let ids = |names: &[&str]| -> Vec<String> {
        names
            .iter()
            .filter_map(|n| cases_id(&cases, n))
            .collect::<Vec<String>>()
    };
    let mut revoked = Vec::new();
    for id in ids(&["ob30-revoked", "vcdm11-revoked"]) {
        revoked.push(json!({"id": id, "revoked": true, "revocationReason": "issued in error"}));
    }
    for id in ids(&["ob30-revoked-flag-absent"]) {
        revoked.push(json!({"id": id}));
    }
    for id in ids(&["ob30-listed-not-revoked", "vcdm11-listed-not-revoked"]) {
        revoked.push(json!({"id": id, "revoked": false}));
    }
    let list = json!({"id": revocations, "issuer": issuer, "revokedCredential": revoked});
    let status_list = b.signed(json!({
        "@context": [VC_V2_URL],
        "id": bitstring,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": VALID_FROM,
        "credentialSubject": {"id": format!("{bitstring}#list"), "type": "BitstringStatusList",
                              "statusPurpose": "revocation", "encodedList": encoded_list(REVOKED_INDEX)},
    }))?;
    let served = vec![
        Served {
            path: "/status/revocations".into(),
            content_type: "application/json",
            body: serde_json::to_string_pretty(&list).unwrap_or_default(),
        },
        Served {
            path: "/status/bitstring".into(),
            content_type: "application/vc+ld+json",
            body: sign::to_text(&status_list),
        },
    ];
    Ok(CaseSet { cases, served, issuer })
}

fn cases_id(cases: &[Case], name: &str) -> Option<String> {
    match &cases.iter().find(|c| c.name == name)?.document {
        Signed::Json(v) => v.get("id").and_then(Value::as_str).map(str::to_owned),
        Signed::Jws(_) => None,
    }
}

fn start_member(vcdm: Vcdm) -> &'static str {
    match vcdm {
        Vcdm::V2 => "validFrom",
        Vcdm::V11 => "issuanceDate",
    }
}

fn end_member(vcdm: Vcdm) -> &'static str {
    match vcdm {
        Vcdm::V2 => "validUntil",
        Vcdm::V11 => "expirationDate",
    }
}

struct Builder<'a> {
    seed: u64,
    issuer: &'a str,
    keys: &'a Keys,
}

impl Builder<'_> {
    /// A valid, unsigned OB 3.0 AchievementCredential.
    fn credential(&self, name: &str, vcdm: Vcdm) -> Value {
        let vc_context = match vcdm {
            Vcdm::V2 => VC_V2_URL,
            Vcdm::V11 => VC_V1_URL,
        };
        let mut c = json!({
            "@context": [vc_context, OB_CONTEXT, OB_EXTENSIONS],
            "id": urn(self.seed, name),
            "type": ["VerifiableCredential", "AchievementCredential"],
            "name": "Data Science Foundations",
            "issuer": {"id": self.issuer, "type": ["Profile"], "name": "clr-harness verifier test issuer"},
            "credentialSubject": {
                "id": "did:example:learner-4f1c9a",
                "type": ["AchievementSubject"],
                "achievement": {
                    "id": "https://university.example.org/achievements/data-science-foundations",
                    "type": ["Achievement"],
                    "name": "Data Science Foundations",
                    "description": "Statistics, data wrangling and reproducible analysis in one semester.",
                    "criteria": {"narrative": "Pass the final project and three of four assessed labs."},
                },
            },
        });
        c[start_member(vcdm)] = VALID_FROM.into();
        c
    }

    /// Signed by the issuer's key: eddsa-rdfc-2022 for VCDM 2.0, Ed25519Signature2020 for VCDM 1.1 (what VCDM 1.1
    /// credentials in circulation carry).
    fn signed(&self, credential: Value) -> Result<Signed, SignError> {
        let suite = if credential["@context"][0] == VC_V1_URL {
            Suite::Ed25519Signature2020
        } else {
            Suite::EddsaRdfc2022
        };
        let signer = Signer {
            key: &self.keys.issuer_jwt,
            ed25519_seed: Some(self.keys.issuer_seed),
            format: Format::DataIntegrity(suite),
            verification_method: None,
            kid: None,
            embed_jwk: false,
            created: None,
        };
        sign::sign(&credential, &signer)
    }

    /// The valid credential `name` with `members` set, signed by the issuer.
    fn signed_variant(&self, name: &str, vcdm: Vcdm, members: Vec<(&str, Value)>) -> Result<Signed, SignError> {
        let mut c = self.credential(name, vcdm);
        for (member, value) in members {
            c[member] = value;
        }
        self.signed(c)
    }

    /// Signed by a key that is not the issuer's (its own did:key as the verification method).
    fn signed_by_stranger(&self, credential: Value) -> Result<Signed, CaseError> {
        let (public, key) = ed25519(self.keys.stranger_seed)?;
        let signer = Signer {
            key: &key,
            ed25519_seed: Some(self.keys.stranger_seed),
            format: Format::DataIntegrity(Suite::EddsaRdfc2022),
            verification_method: Some(multikey::ed25519_did_key_method(&public)),
            kid: None,
            embed_jwk: false,
            created: None,
        };
        Ok(sign::sign(&credential, &signer)?)
    }

    /// A VC-JWT (EdDSA) whose kid is the issuer's did:key verification method, so the key is the issuer's.
    fn jwt(&self, credential: &Value) -> Result<Signed, SignError> {
        let signer = Signer {
            key: &self.keys.issuer_jwt,
            ed25519_seed: None,
            format: Format::Jwt,
            verification_method: None,
            kid: Some(multikey::ed25519_did_key_method(&self.keys.issuer_public)),
            embed_jwk: false,
            created: None,
        };
        sign::sign(credential, &signer)
    }

    /// A VC-JWT signed by the issuer whose claims are those derived from `claims_from` but whose credential is
    /// `credential`: every part is the issuer's, yet they disagree.
    fn jwt_mismatched(&self, claims_from: &Value, credential: &Value) -> Result<Signed, CaseError> {
        let claims = crate::proof::jwt::vc_jwt_payload(claims_from)?;
        let mut payload = credential.clone();
        for claim in ["iss", "sub", "jti", "nbf", "exp"] {
            if let Some(v) = claims.get(claim) {
                payload[claim] = v.clone();
            }
        }
        let header =
            json!({"alg": "EdDSA", "typ": "JWT", "kid": multikey::ed25519_did_key_method(&self.keys.issuer_public)});
        Ok(Signed::Jws(crate::proof::jwt::sign_jws(
            &header,
            &payload,
            &self.keys.issuer_jwt,
        )?))
    }

    /// A CLR 2.0 with two nested credentials; with `bad_nested` the second is changed after signing (and before the
    /// CLR is signed, so the CLR's own proof verifies).
    fn clr(&self, name: &str, bad_nested: bool) -> Result<Signed, CaseError> {
        let mut nested = Vec::new();
        for (i, title) in ["Statistics I", "Machine Learning"].into_iter().enumerate() {
            let mut c = self.credential(&format!("{name}-nested-{i}"), Vcdm::V2);
            c["name"] = title.into();
            c["credentialSubject"]["achievement"]["id"] =
                format!("https://university.example.org/achievements/course-{i}").into();
            c["credentialSubject"]["achievement"]["name"] = title.into();
            let Signed::Json(mut signed) = self.signed(c)? else {
                return Err(CaseError::Shape("nested credential"));
            };
            if bad_nested && i == 1 {
                signed["credentialSubject"]["achievement"]["name"] = "Machine Learning (Honours)".into();
            }
            nested.push(signed);
        }
        let achievements: Vec<Value> = nested
            .iter()
            .map(|c| c["credentialSubject"]["achievement"].clone())
            .collect();
        let clr = json!({
            "@context": [VC_V2_URL, CLR_CONTEXT, OB_CONTEXT],
            "id": urn(self.seed, name),
            "type": ["VerifiableCredential", "ClrCredential"],
            "name": "University Comprehensive Learner Record",
            "issuer": {"id": self.issuer, "type": ["Profile"], "name": "clr-harness verifier test issuer"},
            "validFrom": VALID_FROM,
            "credentialSubject": {
                "id": "did:example:learner-4f1c9a",
                "type": ["ClrSubject"],
                "achievement": achievements,
                "verifiableCredential": nested,
            },
        });
        Ok(self.signed(clr)?)
    }
}

/// The JWS with one byte of its signature changed (still base64url).
fn tamper_jws(jws: &str) -> String {
    let Some((input, signature)) = jws.rsplit_once('.') else {
        return jws.to_string();
    };
    let mut bytes = URL_SAFE_NO_PAD.decode(signature).unwrap_or_default();
    if let Some(b) = bytes.first_mut() {
        *b ^= 0x01;
    }
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// A 16 KiB status list with one bit set: multibase `u` + base64url of its GZIP.
fn encoded_list(set: usize) -> String {
    let mut bits = vec![0u8; 16 * 1024];
    if let Some(b) = bits.get_mut(set / 8) {
        *b |= 0x80 >> (set % 8);
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing into a Vec cannot fail.
    let _ = gz.write_all(&bits);
    format!("u{}", URL_SAFE_NO_PAD.encode(gz.finish().unwrap_or_default()))
}
