//! The fixed vectors against the catalogue, both ways: each vector trips exactly the checks its manifest names,
//! and every check of the catalogue is tripped by some vector (a check nothing can trip is a defect).
//!
//! One libtest-mimic trial per vector (`cargo test -p clr-harness-tests --test vectors -- <filter>`).

use std::collections::BTreeSet;

use clr_harness::catalogue;
use clr_harness::check::Runner;
use clr_harness_tests::{
    Expect, Vector, check_vector, explain, files_under, load_manifests, repo_root, tripped, worst,
};
use clr_reports::Outcome;
use libtest_mimic::{Arguments, Failed, Trial};

fn main() {
    let args = Arguments::from_args();
    let vectors = match load_manifests() {
        Ok(v) => v,
        Err(e) => {
            eprintln!("cannot load vector manifests: {e}");
            std::process::exit(2);
        }
    };
    let mut trials: Vec<Trial> = vectors
        .iter()
        .cloned()
        .map(|v| {
            let name = v
                .path
                .strip_prefix(repo_root().join("vectors/fixed"))
                .unwrap_or(&v.path)
                .display()
                .to_string();
            Trial::test(name, move || vector_trial(&v)).with_kind("vector")
        })
        .collect();
    let all = vectors.clone();
    trials.push(
        Trial::test("coverage: every check is tripped by some vector", move || {
            coverage(&all)
        })
        .with_kind("coverage"),
    );
    let all = vectors.clone();
    trials
        .push(Trial::test("coverage: every vector file is in a manifest", move || listed(&all)).with_kind("coverage"));
    libtest_mimic::run(&args, trials).exit();
}

fn vector_trial(v: &Vector) -> Result<(), Failed> {
    let name = v.path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    let stem = name.rsplit_once('.').map(|(s, _)| s).unwrap_or(name);
    // A served document of a `site/` (what a url_map answers) keeps the name its URL needs.
    let served = v.path.components().any(|c| c.as_os_str() == "site");
    match (stem.ends_with("-ok"), stem.ends_with("-fail"), v.expect) {
        _ if served => {}
        (true, _, Expect::Fail) => return Err(format!("{name} is named -ok but expects fail").into()),
        (_, true, Expect::Pass) => return Err(format!("{name} is named -fail but expects pass").into()),
        (_, _, Expect::Unsupported) if !stem.ends_with("-unsupported") => {
            return Err(format!("{name} expects unsupported, so its name ends in -unsupported").into());
        }
        (false, false, Expect::Unsupported) => {}
        (false, false, _) => return Err(format!("{name} must end in -ok or -fail").into()),
        _ => {}
    }
    for id in &v.trips {
        if catalogue::get(id).is_none() {
            return Err(format!("manifest names unknown check {id}").into());
        }
    }
    let subjects = check_vector(v, None)?;
    let got = tripped(&subjects);
    let want: BTreeSet<String> = v.trips.iter().cloned().collect();
    let outcome = worst(&subjects);
    let expected_outcome = match v.expect {
        Expect::Pass => matches!(
            outcome,
            Outcome::Pass | Outcome::Info | Outcome::NotApplicable | Outcome::Skip
        ),
        Expect::Warn => outcome == Outcome::Warn,
        Expect::Fail => outcome == Outcome::Fail,
        Expect::Unsupported => {
            outcome == Outcome::Skip
                && subjects
                    .iter()
                    .all(|s| s.unverified.as_deref().is_some_and(|u| u.starts_with("unsupported: ")))
        }
    };
    // Where a directory is verified, a vector expected to pass or warn must be verified in full: an unverified one
    // (a key or hosted document not reached) would pass here for the wrong reason.
    let unverified: Vec<String> = subjects.iter().filter_map(|s| s.unverified.clone()).collect();
    if v.verify_proofs && matches!(v.expect, Expect::Pass | Expect::Warn) && !v.unverified && !unverified.is_empty() {
        return Err(format!(
            "{}: expected verified, but unverified: {}",
            v.description,
            unverified.join("; ")
        )
        .into());
    }
    if got != want || !expected_outcome {
        return Err(format!(
            "{}: expected {:?} tripping {:?}, got {} tripping {:?}\n{}",
            v.description,
            v.expect,
            want,
            outcome.as_str(),
            got,
            explain(&subjects)
        )
        .into());
    }
    Ok(())
}

/// Checks whose failing case needs live services (loopback mock servers) or signatures made at test time, and the
/// test file that trips each of them.
const PROVEN_BY_TESTS: &[(&str, &str)] = &[
    ("OB30-VER-001", "harness/tests/status_refresh.rs"),
    ("OB30-VER-002", "harness/tests/status_refresh.rs"),
    ("OB30-VER-005", "harness/tests/embedded_verification.rs"),
    ("CLR20-VER-001", "harness/tests/embedded_verification.rs"),
];

/// Every check that can run on a document (data model, format, detection, proofs) is tripped by some vector, or by a
/// named test that exercises it. The official schema checks are proven by the spec cross-check tests instead (they
/// need the official artefacts), and the provider checks by the fault table (`provider_faults.rs`), which has its
/// own coverage trial.
fn coverage(vectors: &[Vector]) -> Result<(), Failed> {
    for (id, file) in PROVEN_BY_TESTS {
        let text = std::fs::read_to_string(repo_root().join(file)).unwrap_or_default();
        if !text.contains(id) {
            return Err(format!("{file} is said to prove {id} but does not mention it").into());
        }
    }
    let mut tripped: BTreeSet<&str> = vectors
        .iter()
        .flat_map(|v| v.trips.iter().map(String::as_str))
        .collect();
    tripped.extend(PROVEN_BY_TESTS.iter().map(|(id, _)| *id));
    let untripped: Vec<&str> = catalogue::all()
        .iter()
        // Provider checks are tripped by the fault table (tests/provider_faults.rs), consumer checks by their
        // -fail flows (harness/src/consumer/checks/tests.rs), verifier checks by the verifier fault table
        // (ecosystem/tests/verifier_faults.rs).
        .filter(|c| {
            !matches!(
                c.runner,
                Runner::OfficialSchema | Runner::Provider | Runner::Consumer(_) | Runner::Verifier(_)
            )
        })
        .map(|c| c.id)
        .filter(|id| !tripped.contains(id))
        .collect();
    if untripped.is_empty() {
        Ok(())
    } else {
        Err(format!("no vector trips {}", untripped.join(", ")).into())
    }
}

fn listed(vectors: &[Vector]) -> Result<(), Failed> {
    let known: BTreeSet<_> = vectors.iter().map(|v| v.path.clone()).collect();
    // A `site/` directory holds what a manifest's url_map serves, not vectors.
    let unlisted: Vec<String> = files_under(&repo_root().join("vectors/fixed"), |p| {
        !p.file_name()
            .is_some_and(|n| n == "manifest.toml" || n.to_string_lossy().ends_with(".md"))
            && !p.components().any(|c| c.as_os_str() == "site")
    })
    .into_iter()
    .filter(|p| !known.contains(p))
    .map(|p| p.display().to_string())
    .collect();
    let missing: Vec<String> = vectors
        .iter()
        .filter(|v| !v.path.is_file())
        .map(|v| v.path.display().to_string())
        .collect();
    if unlisted.is_empty() && missing.is_empty() {
        Ok(())
    } else {
        Err(format!("not in any manifest: {unlisted:?}; listed but missing: {missing:?}").into())
    }
}
