//! Two more issuers on the issuer's server, so the ecosystem holds more than one institution: a coding bootcamp that
//! issues a rubric-scored capstone certificate, and an employer that endorses the university's statistics course.
//! Each signs with its own Ed25519 key derived from the seed, named `<issuer id>#<multibase>` so it verifies offline.

use clr_harness::proof::di;
use serde_json::{Value, json};

use super::credentials::{OB, VALID_FROM, urn};
use super::{IssuerError, ed25519_key};

/// A partner issuer: where its Profile is served and what it signed.
pub struct Partner {
    /// Path of the Profile on the issuer's server, e.g. `/issuers/bootcamp`.
    pub path: String,
    pub profile: Value,
    /// `(slug, signed credential)`.
    pub credentials: Vec<(String, Value)>,
}

struct Identity {
    id: String,
    profile: Value,
    seed: [u8; 32],
    verification_method: String,
}

fn identity(seed: u64, base: &str, slug: &str, name: &str, url: &str) -> Result<Identity, IssuerError> {
    let id = format!("{base}/issuers/{slug}");
    let (key_seed, multibase) = ed25519_key(seed, format!("ed25519/{slug}").as_bytes(), &format!("{id}#key"), &id)?;
    Ok(Identity {
        verification_method: format!("{id}#{multibase}"),
        profile: json!({"id": id, "type": ["Profile"], "name": name, "url": url}),
        id,
        seed: key_seed,
    })
}

/// The bootcamp and the employer, with their signed credentials about `learner`.
pub fn partners(seed: u64, base: &str, learner: &str) -> Result<Vec<Partner>, IssuerError> {
    let bootcamp = identity(
        seed,
        base,
        "bootcamp",
        "Cobalt Code Academy",
        "https://cobaltcode.example.org",
    )?;
    let employer = identity(
        seed,
        base,
        "employer",
        "Harborview Analytics",
        "https://harborview.example.com",
    )?;
    let levels = format!("{base}/achievements/full-stack-capstone/rubric");
    let rubric: Vec<Value> = ["Not yet", "Meets expectations", "Exceeds expectations"]
        .iter()
        .enumerate()
        .map(|(i, name)| json!({"id": format!("{levels}/{i}"), "type": ["RubricCriterionLevel"], "name": name, "points": (i * 5).to_string()}))
        .collect();
    let capstone = json!({
        "@context": OB,
        "id": urn(seed, "bootcamp-capstone"),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": "Full-Stack Web Development Certificate",
        "issuer": bootcamp.profile,
        "validFrom": VALID_FROM,
        "credentialSubject": {
            "id": learner,
            "type": ["AchievementSubject"],
            "achievement": {
                "id": format!("{base}/achievements/full-stack-capstone"),
                "type": ["Achievement"],
                "achievementType": "Certificate",
                "name": "Full-Stack Web Development",
                "description": "A 16-week, 600-hour programme ending in a team capstone shipped to production.",
                "criteria": {"narrative": "Ship the capstone project and reach 'Meets expectations' on the review rubric."},
                "resultDescription": [{
                    "id": format!("{levels}/review"), "type": ["ResultDescription"], "name": "Capstone review",
                    "resultType": "RubricCriterionLevel", "requiredLevel": format!("{levels}/1"),
                    "rubricCriterionLevel": rubric,
                }],
            },
            "result": [{"type": ["Result"], "resultDescription": format!("{levels}/review"), "achievedLevel": format!("{levels}/2")}],
        },
    });
    let endorsement = json!({
        "@context": OB,
        "id": urn(seed, "employer-endorsement"),
        "type": ["VerifiableCredential", "EndorsementCredential"],
        "name": "Harborview Analytics endorses Statistical Inference",
        "issuer": employer.profile,
        "validFrom": VALID_FROM,
        "credentialSubject": {
            "id": format!("{base}/achievements/course-statistics"),
            "type": ["EndorsementSubject"],
            "endorsementComment": "Graduates of this course are ready for our junior analyst roles.",
        },
    });
    let mut out = Vec::new();
    for (who, slug, doc) in [
        (bootcamp, "bootcamp-capstone", capstone),
        (employer, "employer-endorsement", endorsement),
    ] {
        let signed = di::sign(&doc, &who.seed, &who.verification_method, VALID_FROM)?;
        out.push(Partner {
            path: who.id.trim_start_matches(base).to_string(),
            profile: who.profile,
            credentials: vec![(slug.to_string(), signed)],
        });
    }
    Ok(out)
}
