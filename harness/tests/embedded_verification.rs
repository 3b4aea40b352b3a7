//! Embedded credentials are verified on their own and their verdict reaches the parent: a tampered endorsement
//! fails OB30-VER-005 on the credential that carries it, a tampered nested credential warns CLR20-VER-001 on the
//! CLR (the rule is inferred for CLR 2.0), while intact ones pass.

use clr_harness::catalogue::Selection;
use clr_harness::engine::{self, Input, Options};
use clr_harness::fetch::FetchPolicy;
use clr_harness::proof::{di, multikey};
use clr_harness::verify::{Env, Net};
use clr_reports::{Outcome, Subject};
use serde_json::{Value, json};

const SEED: [u8; 32] = [11; 32];

fn sign(doc: Value) -> Value {
    let public = ed25519_dalek::SigningKey::from_bytes(&SEED).verifying_key().to_bytes();
    let issuer = doc
        .pointer("/issuer/id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let vm = format!("{issuer}#{}", multikey::encode_ed25519_public(&public));
    di::sign(&doc, &SEED, &vm, "2025-02-01T00:00:00Z").expect("signs")
}

fn achievement_credential(n: u32, endorsements: Vec<Value>) -> Value {
    let mut doc = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
        "id": format!("urn:uuid:6a1e2b3c-4d5e-4f60-8a7b-{n:012}"),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": "https://academy.example.org/issuer", "type": ["Profile"], "name": "Example Academy"},
        "validFrom": "2025-02-01T00:00:00Z",
        "name": format!("Module {n}"),
        "credentialSubject": {
            "id": "did:example:learner-7",
            "type": ["AchievementSubject"],
            "achievement": {
                "id": format!("https://academy.example.org/modules/{n}"),
                "type": ["Achievement"],
                "name": format!("Module {n}"),
                "description": "A module of the programme.",
                "criteria": {"narrative": "Complete the module project."}
            }
        }
    });
    if !endorsements.is_empty() {
        doc["endorsement"] = Value::Array(endorsements);
    }
    sign(doc)
}

fn endorsement() -> Value {
    sign(json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
        "id": "urn:uuid:9b8a7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
        "type": ["VerifiableCredential", "EndorsementCredential"],
        "issuer": {"id": "https://guild.example.com/profile", "type": ["Profile"], "name": "Example Guild"},
        "validFrom": "2025-02-01T00:00:00Z",
        "name": "Guild endorsement",
        "credentialSubject": {"id": "https://academy.example.org/modules/1", "type": ["EndorsementSubject"], "endorsementComment": "Industry-relevant."}
    }))
}

fn clr(nested: Vec<Value>) -> Value {
    sign(json!({
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
        ],
        "id": "urn:uuid:2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f",
        "type": ["VerifiableCredential", "ClrCredential"],
        "issuer": {"id": "https://academy.example.org/issuer", "type": ["Profile"], "name": "Example Academy"},
        "validFrom": "2025-02-01T00:00:00Z",
        "name": "Programme record",
        "credentialSubject": {"id": "did:example:learner-7", "type": ["ClrSubject"], "verifiableCredential": nested}
    }))
}

fn run(doc: &Value) -> Vec<Subject> {
    let net = Net::new(FetchPolicy::default()).expect("runtime");
    let input = Input {
        source: "doc.json".into(),
        bytes: Ok(serde_json::to_vec(doc).expect("json")),
    };
    let opts = Options {
        selection: Selection::default(),
        env: Env::at("2025-12-01T00:00:00Z").expect("time"),
        net: Some(&net),
        ..Options::default()
    };
    engine::check_inputs(&[input], &opts)
}

fn outcome(s: &Subject, check: &str) -> Outcome {
    s.results
        .iter()
        .find(|r| r.check == check)
        .map(|r| r.outcome)
        .unwrap_or(Outcome::Skip)
}

#[test]
fn a_tampered_endorsement_fails_the_parent_and_points_at_the_child() {
    let intact = achievement_credential(1, vec![endorsement()]);
    let subjects = run(&intact);
    assert_eq!(outcome(&subjects[0], "OB30-VER-005"), Outcome::Pass);
    assert_eq!(
        subjects[0].outcome,
        Outcome::Pass,
        "{:#?}",
        subjects[0]
            .results
            .iter()
            .filter(|r| r.outcome != Outcome::Pass && r.outcome != Outcome::NotApplicable && r.outcome != Outcome::Skip)
            .collect::<Vec<_>>()
    );

    let mut tampered_endorsement = endorsement();
    tampered_endorsement["credentialSubject"]["endorsementComment"] = json!("Tampered.");
    // Sign the parent over the tampered endorsement: only the endorsement's own proof is broken.
    let doc = achievement_credential(1, vec![tampered_endorsement]);
    let subjects = run(&doc);
    assert_eq!(
        outcome(&subjects[0], "OB30-PRF-005"),
        Outcome::Pass,
        "the parent's own proof holds"
    );
    assert_eq!(outcome(&subjects[0], "OB30-VER-005"), Outcome::Fail);
    let child = subjects
        .iter()
        .find(|s| s.parent.as_deref() == Some("doc-1"))
        .expect("the endorsement is a subject");
    assert_eq!(outcome(child, "OB30-PRF-005"), Outcome::Fail);
    let finding = &subjects[0]
        .results
        .iter()
        .find(|r| r.check == "OB30-VER-005")
        .unwrap()
        .findings[0];
    assert_eq!(finding.location.pointer.as_deref(), Some("/endorsement/0"));
}

#[test]
fn a_tampered_nested_credential_warns_the_clr() {
    let intact = clr(vec![
        achievement_credential(2, vec![]),
        achievement_credential(3, vec![]),
    ]);
    assert_eq!(outcome(&run(&intact)[0], "CLR20-VER-001"), Outcome::Pass);

    let mut broken = achievement_credential(3, vec![]);
    broken["name"] = json!("Module 3 (edited)");
    let doc = clr(vec![achievement_credential(2, vec![]), broken]);
    let subjects = run(&doc);
    assert_eq!(
        outcome(&subjects[0], "CLR20-VER-001"),
        Outcome::Warn,
        "inferred CLR rule: a warning"
    );
    let nested: Vec<&Subject> = subjects
        .iter()
        .filter(|s| s.parent.as_deref() == Some("doc-1"))
        .collect();
    assert_eq!(nested.len(), 2);
    assert_eq!(outcome(nested[0], "OB30-PRF-005"), Outcome::Pass);
    assert_eq!(outcome(nested[1], "OB30-PRF-005"), Outcome::Fail);
}

/// A proof set: any one valid proof establishes the credential; a second, broken proof is reported but is not a
/// failure. With no valid proof at all, OB30-PRF-005 fails.
#[test]
fn one_valid_proof_of_a_proof_set_suffices() {
    let once = achievement_credential(4, vec![]);
    let other_seed = [12u8; 32];
    let other_public = ed25519_dalek::SigningKey::from_bytes(&other_seed)
        .verifying_key()
        .to_bytes();
    let vm = format!(
        "https://academy.example.org/issuer#{}",
        multikey::encode_ed25519_public(&other_public)
    );
    let mut twice = di::sign(&once, &other_seed, &vm, "2025-02-02T00:00:00Z").expect("signs");
    // Break the second proof only: give it the first proof's signature.
    let first_value = twice["proof"][0]["proofValue"].clone();
    twice["proof"][1]["proofValue"] = first_value.clone();
    let subjects = run(&twice);
    assert_eq!(
        outcome(&subjects[0], "OB30-PRF-005"),
        Outcome::Info,
        "one valid proof suffices"
    );

    twice["proof"][0]["proofValue"] = twice["proof"][1]["proofValue"].clone();
    twice["name"] = json!("Module 4 (edited)");
    let subjects = run(&twice);
    assert_eq!(
        outcome(&subjects[0], "OB30-PRF-005"),
        Outcome::Fail,
        "no valid proof: a failure"
    );
}
