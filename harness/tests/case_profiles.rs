//! CASE: the interop profile turns the documented real-server departures into warnings and nothing else, and an
//! alignment to CASE is never a pass without its target observed.

use std::path::PathBuf;

use clr_harness::case::Profile;
use clr_harness::engine::{self, Input, Options};
use clr_harness::fetch::FetchPolicy;
use clr_harness::verify::Net;
use clr_reports::{Outcome, Subject};
use serde_json::Value;

fn vector(rel: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../vectors/fixed/case10")
        .join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn judge(bytes: Vec<u8>, profile: Profile, net: Option<&Net>) -> Subject {
    let opts = Options {
        case_profile: profile,
        net,
        ..Options::default()
    };
    let input = Input {
        source: "case".into(),
        bytes: Ok(bytes),
    };
    engine::check_inputs(&[input], &opts).remove(0)
}

fn outcome(s: &Subject, check: &str) -> Outcome {
    s.results
        .iter()
        .find(|r| r.check == check)
        .map_or(Outcome::NotApplicable, |r| r.outcome)
}

#[test]
fn interop_warns_where_strict_fails() {
    for (file, check) in [
        ("dm/package-item-with-document-link-fail.json", "CASE-DM-004"),
        ("dm/item-upper-case-identifier-fail.json", "CASE-DM-002"),
    ] {
        assert_eq!(
            outcome(&judge(vector(file), Profile::Strict, None), check),
            Outcome::Fail,
            "{file}"
        );
        let interop = judge(vector(file), Profile::Interop, None);
        assert_eq!(outcome(&interop, check), Outcome::Warn, "{file}");
        assert_eq!(interop.outcome, Outcome::Warn, "{file}: nothing else changes");
    }
}

#[test]
fn a_case_1_1_association_type_fails_strict_and_warns_interop() {
    let mut pkg: Value = serde_json::from_slice(&vector("ok/package-ok.json")).expect("json");
    pkg["CFAssociations"][3]["associationType"] = "isTranslationOf".into();
    let bytes = serde_json::to_vec(&pkg).expect("json");
    assert_eq!(
        outcome(&judge(bytes.clone(), Profile::Strict, None), "CASE-DM-005"),
        Outcome::Fail
    );
    assert_eq!(
        outcome(&judge(bytes, Profile::Interop, None), "CASE-DM-005"),
        Outcome::Warn
    );
}

#[test]
fn a_malformed_identifier_fails_under_both_profiles() {
    let mut item: Value = serde_json::from_slice(&vector("ok/item-ok.json")).expect("json");
    item["identifier"] = "item-7".into();
    let bytes = serde_json::to_vec(&item).expect("json");
    for profile in [Profile::Strict, Profile::Interop] {
        assert_eq!(
            outcome(&judge(bytes.clone(), profile, None), "CASE-DM-002"),
            Outcome::Fail
        );
    }
}

/// Verification off, or the framework's host not allowed: every alignment check is a skip with the reason.
#[test]
fn an_unresolved_alignment_is_a_skip_never_a_pass() {
    let badge = vector("align/badge-class-aligned-ok.json");
    let offline = judge(badge.clone(), Profile::Strict, None);
    let net = Net::new(FetchPolicy::default()).expect("runtime");
    let not_allowed = judge(badge, Profile::Strict, Some(&net));
    for s in [&offline, &not_allowed] {
        for n in 1..=5 {
            let id = format!("CASE-ALIGN-00{n}");
            assert_eq!(outcome(s, &id), Outcome::Skip, "{id}");
        }
    }
    let note = |s: &Subject| {
        s.results
            .iter()
            .find(|r| r.check == "CASE-ALIGN-001")
            .and_then(|r| r.note.clone())
            .unwrap_or_default()
    };
    assert!(note(&offline).contains("verification is off"), "{}", note(&offline));
    assert!(note(&not_allowed).contains("not fetched"), "{}", note(&not_allowed));
}
