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

/// A package that chains thirty thousand items is walked without recursion (it once recursed per link, which
/// overflows the stack), and a cycle among them is found.
#[test]
fn a_very_deep_is_child_of_chain_is_judged_without_recursion() {
    // Deep enough that one stack frame per link would overflow a test thread's stack.
    const N: usize = 30_000;
    let uuid = |n: usize| format!("{n:08x}-0000-4000-8000-000000000000");
    let link =
        |id: &str| serde_json::json!({"title": "t", "identifier": id, "uri": format!("https://f.example/uri/{id}")});
    let doc_id = uuid(N + 1);
    let items: Vec<Value> = (0..N)
        .map(|i| serde_json::json!({"identifier": uuid(i), "fullStatement": "s", "uri": format!("https://f.example/uri/{}", uuid(i)), "lastChangeDateTime": "2025-01-01T00:00:00Z"}))
        .collect();
    let chain = |cyclic: bool| -> Vec<Value> {
        (0..N)
            .map(|i| {
                let parent = match (i, cyclic) {
                    (0, false) => doc_id.clone(),
                    (0, true) => uuid(N - 1),
                    _ => uuid(i - 1),
                };
                serde_json::json!({"identifier": uuid(N + 2 + i), "associationType": "isChildOf",
                    "uri": format!("https://f.example/uri/{}", uuid(N + 2 + i)), "originNodeURI": link(&uuid(i)),
                    "destinationNodeURI": link(&parent), "lastChangeDateTime": "2025-01-01T00:00:00Z"})
            })
            .collect()
    };
    for (cyclic, want) in [(false, Outcome::Pass), (true, Outcome::Fail)] {
        let pkg = serde_json::json!({
            "CFDocument": {"identifier": doc_id, "uri": "https://f.example/d", "creator": "c", "title": "t",
                           "lastChangeDateTime": "2025-01-01T00:00:00Z"},
            "CFItems": items, "CFAssociations": chain(cyclic),
        });
        let opts = Options {
            selection: clr_harness::catalogue::Selection {
                only: vec!["CASE-DM-008".into()],
                skip: Vec::new(),
            },
            limits: clr_harness::decode::Limits {
                max_input_bytes: 1 << 30,
            },
            ..Options::default()
        };
        let input = Input {
            source: "deep".into(),
            bytes: Ok(serde_json::to_vec(&pkg).expect("json")),
        };
        let s = engine::check_inputs(&[input], &opts).remove(0);
        assert_eq!(outcome(&s, "CASE-DM-008"), want, "cyclic: {cyclic}");
    }
}

/// A million-fold violation costs a counter: the findings kept stop at the cap, and the count of the rest is exact.
#[test]
fn findings_past_the_cap_are_counted_not_kept() {
    let docs: Vec<Value> = (0..20_000).map(|_| serde_json::json!({})).collect();
    let bytes = serde_json::to_vec(&serde_json::json!({"CFDocuments": docs})).expect("json");
    let s = judge(bytes, Profile::Strict, None);
    let r = s
        .results
        .iter()
        .find(|r| r.check == "CASE-DM-001")
        .expect("CASE-DM-001");
    assert_eq!(r.outcome, Outcome::Fail);
    let cap = clr_harness::check::findings::MAX_FINDINGS_PER_CHECK;
    assert_eq!(r.findings.len(), cap + 1);
    // Six required properties of a stand-alone CFDocument, on each of 20,000.
    let last = &r.findings[cap].message;
    assert!(last.contains(&format!("{} more findings", 6 * 20_000 - cap)), "{last}");
}
