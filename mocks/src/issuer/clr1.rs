//! The university's CLR 1.0 transcript, hosted and signed, with what verifying it needs: the registrar's Profile
//! (its `publicKey`, its revocation list), the CryptographicKey, and the RevocationList.
//!
//! Routes (GET, `application/ld+json` unless said):
//! - `/clr1/profile` → the publisher Profile; `/clr1/keys/1` → its CryptographicKey (RSA `publicKeyPem`);
//!   `/clr1/revocations` → RevocationList (the revoked record's id)
//! - `/ims/clr/v1p0/clrs/{uuid}` → the hosted transcript (Hosted verification; its id is that URL)
//! - `/clr1/transcript.jws` → the signed transcript (`text/plain`); `/clr1/transcript-revoked.jws` → a signed record
//!   the revocation list names
//!
//! Signed with the issuer's RSA test key (RS256, the only algorithm OB 2.0-era verifiers know).

use clr_harness::ob2::{self, CLR1_CONTEXT};
use clr_harness::proof::keyfile::JwtSigningKey;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::IssuerError;

/// The transcript in its two forms and the documents that verify them.
#[derive(Debug, Clone)]
pub struct Clr1 {
    pub profile: Value,
    pub key: Value,
    pub revocations: Value,
    /// The hosted transcript's URL path (below the base URL) and the document.
    pub hosted_path: String,
    pub hosted: Value,
    pub signed: String,
    pub signed_revoked: String,
}

impl Clr1 {
    /// The transcript of `seed` at `base`; `alignment`, when given, aligns its statistics course (to a CASE item).
    pub fn new(
        seed: u64,
        base: &str,
        learner_email: &str,
        rsa: &JwtSigningKey,
        alignment: Option<Value>,
    ) -> Result<Clr1, IssuerError> {
        let publisher_id = format!("{base}/clr1/profile");
        let key_id = format!("{base}/clr1/keys/1");
        let pem = ob2::sign::public_key_pem(rsa.public_key())
            .ok_or_else(|| IssuerError::Clr1("the issuer's RSA test key is not RSA".into()))?;
        let profile = json!({
            "@context": CLR1_CONTEXT,
            "type": "Profile",
            "id": publisher_id,
            "name": "Northfield University — Office of the Registrar",
            "url": format!("{base}/"),
            "email": "registrar@northfield.example.edu",
            "publicKey": {"id": key_id, "owner": publisher_id, "publicKeyPem": pem},
            "revocationList": format!("{base}/clr1/revocations"),
        });
        let key = json!({
            "@context": CLR1_CONTEXT,
            "type": "CryptographicKey",
            "id": key_id,
            "owner": publisher_id,
            "publicKeyPem": pem,
        });
        let uuid = |what: &str| uuid(seed, what);
        let hosted_path = format!("/ims/clr/v1p0/clrs/{}", uuid("clr1/hosted"));
        let mut hosted = transcript(seed, base, learner_email, &publisher_id, alignment.as_ref());
        hosted["id"] = format!("{base}{hosted_path}").into();
        hosted["verification"] = json!({"type": "Hosted"});
        let signed_doc = |id: String| {
            let mut t = transcript(seed, base, learner_email, &publisher_id, alignment.as_ref());
            t["id"] = id.into();
            t["verification"] = json!({"type": "Signed", "creator": key_id});
            t
        };
        let revoked_id = format!("urn:uuid:{}", uuid("clr1/revoked"));
        let sign = |doc: &Value| ob2::sign::sign(doc, rsa).map_err(|e| IssuerError::Clr1(e.to_string()));
        Ok(Clr1 {
            revocations: json!({
                "@context": CLR1_CONTEXT,
                "type": "RevocationList",
                "id": format!("{base}/clr1/revocations"),
                "issuer": publisher_id,
                "revokedAssertions": [{"id": revoked_id, "revocationReason": "Reissued after a grade appeal."}],
            }),
            signed: sign(&signed_doc(format!("urn:uuid:{}", uuid("clr1/signed"))))?,
            signed_revoked: sign(&signed_doc(revoked_id))?,
            profile,
            key,
            hosted_path,
            hosted,
        })
    }
}

use crate::case::uuid;

/// The learner's transcript: two course assertions with grades, aligned to a competency, and the program they
/// make up.
fn transcript(seed: u64, base: &str, learner_email: &str, publisher_id: &str, alignment: Option<&Value>) -> Value {
    let salt = &uuid(seed, "clr1/salt")[..8];
    let identity = format!(
        "sha256${}",
        Sha256::digest(format!("{learner_email}{salt}"))
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    let issuer = json!({"id": publisher_id, "type": "Profile", "name": "Northfield University"});
    let course = |code: &str, name: &str, credits: f64, grade: &str, n: u32| {
        let id = format!("{base}/clr1/achievements/{code}");
        let rd = format!("{id}/results/grade");
        json!({
            "id": format!("urn:uuid:{}", uuid(seed, &format!("clr1/assertion/{n}"))),
            "type": "Assertion",
            "achievement": {
                "id": id, "type": "Achievement", "achievementType": "Course", "name": name,
                "humanCode": code.to_uppercase(), "creditsAvailable": credits, "issuer": issuer,
                "resultDescriptions": [{"id": rd, "type": "ResultDescription", "name": "Final grade",
                    "resultType": "LetterGrade", "allowedValues": ["F", "D", "C", "B", "A"]}],
            },
            "issuedOn": "2025-05-20T17:00:00Z",
            "recipient": {"type": "email", "hashed": true, "salt": salt, "identity": identity},
            "results": [{"resultDescription": rd, "value": grade}],
            "creditsEarned": credits,
            "term": "Spring 2025",
        })
    };
    let mut statistics = course("stat-210", "Statistical Inference", 4.0, "A", 1);
    if let Some(a) = alignment {
        statistics["achievement"]["alignments"] = json!([a]);
    }
    json!({
        "@context": CLR1_CONTEXT,
        "type": "Clr",
        "name": "Transcript — Statistics and Machine Learning",
        "issuedOn": "2025-05-22T09:00:00Z",
        "learner": {"id": format!("urn:uuid:{}", uuid(seed, "clr1/learner")), "type": "Profile",
                    "name": "Ada Learner", "email": learner_email},
        "publisher": {"id": publisher_id, "type": "Profile", "name": "Northfield University — Office of the Registrar",
                      "url": format!("{base}/")},
        "assertions": [
            statistics,
            course("cs-320", "Machine Learning", 3.0, "B", 2),
        ],
    })
}
