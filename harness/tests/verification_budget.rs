//! The verification budget, asserted through counters (not the clock): a document's proofs share one canonical form
//! of the document, proofs past the per-document cap are not verified (the document is then unverified, never
//! passed), and embedded credentials past the per-document cap are not opened (likewise). One test in its own
//! process, because the canonicalization counter is process-wide.

mod common;

use clr_harness::engine::{self, Input, MAX_EMBEDDED_PER_DOCUMENT, Options};
use clr_harness::fetch::FetchPolicy;
use clr_harness::jsonld::canon;
use clr_harness::proof::{di, multikey};
use clr_harness::verify::{Env, MAX_PROOFS_PER_DOCUMENT, Net};
use clr_reports::{Outcome, Subject};
use serde_json::{Value, json};

const SEED: [u8; 32] = [11; 32];

fn check(doc: &Value) -> Vec<Subject> {
    let net = Net::new(FetchPolicy::default()).expect("runtime");
    let input = Input {
        source: "budget.json".into(),
        bytes: Ok(serde_json::to_vec(doc).expect("json")),
    };
    let opts = Options {
        env: Env::at("2025-12-01T00:00:00Z").expect("time"),
        net: Some(&net),
        ..Options::default()
    };
    engine::check_inputs(&[input], &opts)
}

fn outcome(s: &Subject, id: &str) -> Option<Outcome> {
    s.results.iter().find(|r| r.check == id).map(|r| r.outcome)
}

#[test]
fn proofs_and_embedded_credentials_are_verified_within_the_budget() {
    let issuer = "https://registrar.example.edu/issuers/1";
    let public = ed25519_dalek::SigningKey::from_bytes(&SEED).verifying_key().to_bytes();
    let vm = format!("{issuer}#{}", multikey::encode_ed25519_public(&public));
    let credential = common::ob_credential("urn:uuid:8a1f0c3e-5b7d-4e2a-9c6f-1d3b5a7e9f20", issuer, json!({}));

    // Twenty proofs: the first MAX_PROOFS_PER_DOCUMENT are verified over one canonical form of the document.
    let mut signed = credential.clone();
    for _ in 0..20 {
        signed = di::sign(&signed, &SEED, &vm, "2025-01-15T00:00:00Z").expect("signs");
    }
    let before = canon::canonicalizations();
    let subjects = check(&signed);
    let used = canon::canonicalizations() - before;
    assert!(
        used <= MAX_PROOFS_PER_DOCUMENT as u64 + 1,
        "{used} canonicalizations: one per verified proof configuration and one of the document"
    );
    let doc = &subjects[0];
    assert_eq!(
        outcome(doc, "OB30-PRF-004"),
        Some(Outcome::Skip),
        "the rest were not verified"
    );
    assert_ne!(doc.outcome, Outcome::Pass);
    assert!(
        doc.unverified
            .as_deref()
            .is_some_and(|u| u.contains("verification covers the first")),
        "{:?}",
        doc.unverified
    );

    // Past MAX_EMBEDDED_PER_DOCUMENT endorsements, the rest are not opened and the parent says so.
    let mut many = credential.clone();
    let endorsement = json!({"id": "urn:uuid:0", "type": ["VerifiableCredential", "EndorsementCredential"]});
    many["endorsement"] = Value::Array(vec![endorsement; MAX_EMBEDDED_PER_DOCUMENT + 50]);
    let subjects = check(&many);
    assert_eq!(subjects.len(), 1 + MAX_EMBEDDED_PER_DOCUMENT, "the rest are not opened");
    let parent = &subjects[0];
    assert!(parent.outcome != Outcome::Pass, "never a pass on what was not verified");
    let noted = parent.results.iter().any(|r| {
        r.note
            .as_deref()
            .is_some_and(|n| n.contains("50 embedded credentials were not verified"))
    });
    assert!(noted || parent.outcome == Outcome::Fail, "{:#?}", parent.results);
}
