//! Verifiers nobody here wrote, graded through the command adapter on the verifier case set: Digital Bazaar's
//! `@digitalbazaar/vc` (`verify.mjs`) and DCC's verifier-core (`verify-dcc.mjs`, its result turned into a verdict by
//! `tests/adapters/dcc-verdict.mjs`), from `../shared/peers/node` (or `CLR_PEER_NODE_DIR`). The assertions are what
//! they really do, found by running them; each wrong verdict is a finding naming the credential and the requirement.
//! Skipped with a note when the Node peer is not installed (`bash ../shared/peers/setup.sh node`); under `CI=true`
//! a missing peer fails, since CI installs it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clr_ecosystem::verifier::VerifierBench;
use clr_harness::catalogue::Selection;
use clr_harness::verifier::adapter::Adapter;
use clr_reports::{Outcome, Subject};

fn peer_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("CLR_PEER_NODE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/peers/node"));
    if dir.join("node_modules").is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "the Node peer is not installed at {} (CI installs it: bash ../shared/peers/setup.sh node)",
        dir.display()
    );
    eprintln!(
        "note: skipped, Node peer not installed at {} (bash ../shared/peers/setup.sh node)",
        dir.display()
    );
    None
}

fn grade(command: String, name: &str) -> Subject {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let dir = std::env::temp_dir().join(format!("clr-verifier-peers-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let bench = runtime.block_on(VerifierBench::start(1)).expect("bench");
    let graded = runtime.block_on(bench.grade(
        &Adapter::Command(command),
        &dir,
        Duration::from_secs(120),
        &Selection::default(),
        false,
        &clr_harness::redact::Recording::default(),
    ));
    runtime.block_on(bench.shutdown());
    let _ = std::fs::remove_dir_all(&dir);
    graded.subject
}

/// Each check's outcome, and the first finding's words for the ones that did not pass.
fn outcomes(subject: &Subject) -> BTreeMap<String, (Outcome, String)> {
    subject
        .results
        .iter()
        .map(|r| {
            let why = r
                .findings
                .first()
                .map(|f| format!("{} — {}", f.message, f.actual.clone().unwrap_or_default()))
                .unwrap_or_default();
            (r.check.clone(), (r.outcome, why))
        })
        .collect()
}

fn assert_grades(subject: &Subject, want: &[(&str, Outcome, &str)]) {
    let got = outcomes(subject);
    for (check, outcome, words) in want {
        let (o, why) = got
            .get(*check)
            .unwrap_or_else(|| panic!("{check} has no result: {got:?}"));
        assert_eq!(o, outcome, "{check}: {why}");
        assert!(why.contains(words), "{check}: {why:?} should mention {words:?}");
    }
    assert_eq!(got.len(), want.len(), "{got:?}");
}

#[test]
fn digital_bazaar_vc_verifier() {
    let Some(dir) = peer_dir() else { return };
    let subject = grade(format!("node '{}' {{file}}", dir.join("verify.mjs").display()), "db");
    assert_grades(
        &subject,
        &[
            // It never fetches a status list (verify.mjs refuses any credentialStatus offline), so the trio's
            // control listed as not revoked is rejected (VCDM 2.0 and 1.1), with the revoked-flag control.
            (
                "OB30-VERDICT-001",
                Outcome::Fail,
                "rejected ob30-listed-not-revoked.json, which is valid",
            ),
            (
                "OB30-VERDICT-002",
                Outcome::Fail,
                "rejected vcdm11-listed-not-revoked.json, which is valid",
            ),
            ("OB30-VERDICT-003", Outcome::Pass, ""),
            (
                "OB30-VERDICT-004",
                Outcome::Fail,
                "status lists are not fetched offline",
            ),
            // It never fetches a status list: a credential with a BitstringStatusList entry fails unchecked.
            ("VC-VERDICT-001", Outcome::Warn, "status lists are not fetched offline"),
            ("OB30-VERDICT-005", Outcome::Pass, ""),
            ("OB30-VERDICT-006", Outcome::Pass, ""),
            // No VC-JWT support: it reads the file as JSON and says the credential failed.
            ("OB30-VERDICT-007", Outcome::Warn, "rejected ob30-jwt-valid.jwt"),
            // Generated credentials and their proof mutants: it agrees with every verdict.
            ("OB30-VERDICT-008", Outcome::Pass, ""),
            // It verifies the CLR's own proof only.
            ("CLR20-VERDICT-001", Outcome::Warn, "accepted clr20-bad-nested.json"),
        ],
    );
}

#[test]
fn dcc_verifier_core() {
    let Some(dir) = peer_dir() else { return };
    let adapter = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/adapters/dcc-verdict.mjs");
    let command = format!(
        "node '{}' --json {{file}} | node '{}'",
        dir.join("verify-dcc.mjs").display(),
        adapter.display()
    );
    let subject = grade(command, "dcc");
    assert_grades(
        &subject,
        &[
            // It does not read 1EdTechRevocationList: credentials the list revokes are accepted (VCDM 2.0 and 1.1,
            // and the one listed without a revoked flag).
            ("OB30-VERDICT-001", Outcome::Fail, "accepted ob30-revoked.json"),
            ("OB30-VERDICT-002", Outcome::Fail, "accepted vcdm11-revoked.json"),
            ("OB30-VERDICT-003", Outcome::Pass, ""),
            (
                "OB30-VERDICT-004",
                Outcome::Fail,
                "accepted ob30-revoked-flag-absent.json",
            ),
            // It fetches and reads BitstringStatusList.
            ("VC-VERDICT-001", Outcome::Pass, ""),
            ("OB30-VERDICT-005", Outcome::Pass, ""),
            ("OB30-VERDICT-006", Outcome::Pass, ""),
            // Given a VC-JWT it prints no result at all: no verdict, so the check is an error, never a pass.
            ("OB30-VERDICT-007", Outcome::Error, ""),
            ("OB30-VERDICT-008", Outcome::Pass, ""),
            ("CLR20-VERDICT-001", Outcome::Warn, "accepted clr20-bad-nested.json"),
        ],
    );
}
