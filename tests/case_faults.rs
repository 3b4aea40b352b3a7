//! The CASE fault table: against the CASE mock every CASE check passes, and with each `case-*` fault exactly the
//! checks that fault targets do not pass — nothing else. Together the rows trip every CASE check.

use std::collections::{BTreeMap, BTreeSet};

use clr_ecosystem::Embedded;
use clr_harness::api::case10::CHECKS;
use clr_harness::catalogue::Selection;
use clr_harness::redact::Recording;
use clr_mocks::faults::{Fault, Faults};
use clr_reports::{Outcome, SubjectKind};
use libtest_mimic::{Arguments, Failed, Trial};

/// One row: a fault, the checks it trips, and whether the packages the server serves fail their data model.
struct Row {
    fault: &'static str,
    trips: &'static [&'static str],
    packages_fail: bool,
}

const fn row(fault: &'static str, trips: &'static [&'static str]) -> Row {
    Row {
        fault,
        trips,
        packages_fail: false,
    }
}

const ROWS: &[Row] = &[
    row("case-documents-bare-array", &["CASE-API-001"]),
    row("case-document-without-package-link", &["CASE-API-002"]),
    row("case-wrong-item", &["CASE-API-003"]),
    row("case-package-other-document", &["CASE-API-004"]),
    Row {
        fault: "case-package-extra-property",
        trips: &["CASE-API-004"],
        packages_fail: true,
    },
    row("case-item-associations-origin-only", &["CASE-API-005"]),
    row("case-definitions-unwrapped", &["CASE-API-006"]),
    row("case-unknown-as-invaliduuid", &["CASE-API-007"]),
    row("case-invaliduuid-as-unknown", &["CASE-API-008"]),
    row("case-error-bad-codemajor", &["CASE-API-009"]),
    row("case-wrong-total-count", &["CASE-API-010"]),
    row("case-stale-item", &["CASE-API-011"]),
    row("case-order-ignored", &["CASE-API-012"]),
    row("case-unknown-filter-accepted", &["CASE-API-013"]),
    row("case-blank-fields-accepted", &["CASE-API-014"]),
    row("case-wrong-content-type", &["CASE-API-015"]),
    row("case-uri-unresolvable", &["CASE-API-016"]),
];

/// What serving the CASE mock over plain http trips.
const PLAIN_HTTP: &[&str] = &["CASE-API-017"];

struct Observed {
    outcomes: BTreeMap<String, Outcome>,
    why: BTreeMap<String, String>,
    packages: usize,
    packages_failed: usize,
}

fn case_run(faults: Faults, https: bool) -> Result<Observed, String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let eco = runtime
        .block_on(Embedded::start_with(1, faults, https))
        .map_err(|e| e.to_string())?;
    let (subjects, _) = runtime.block_on(eco.judge_case_server(&Selection::default(), false, Recording::default()));
    runtime.block_on(eco.shutdown());
    let mut o = Observed {
        outcomes: BTreeMap::new(),
        why: BTreeMap::new(),
        packages: 0,
        packages_failed: 0,
    };
    for s in &subjects {
        if s.kind == SubjectKind::Provider {
            for r in &s.results {
                o.outcomes.insert(r.check.clone(), r.outcome);
                if r.outcome != Outcome::Pass {
                    let why = r.findings.first().map(|f| f.message.clone()).or_else(|| r.note.clone());
                    o.why.insert(r.check.clone(), why.unwrap_or_default());
                }
            }
        } else {
            o.packages += 1;
            if s.outcome.is_failure() {
                o.packages_failed += 1;
            }
        }
    }
    Ok(o)
}

fn check_row(trips: &[&str], faults: Faults, https: bool, packages_fail: bool) -> Result<(), Failed> {
    let o = case_run(faults, https)?;
    let expected: BTreeSet<String> = trips.iter().map(|t| t.to_string()).collect();
    let got: BTreeSet<String> = o
        .outcomes
        .iter()
        .filter(|(_, out)| **out != Outcome::Pass)
        .map(|(id, _)| id.clone())
        .collect();
    if got != expected {
        let explain = |ids: BTreeSet<&String>| -> String {
            ids.iter()
                .map(|id| {
                    format!(
                        "\n    {id}: {:?} — {}",
                        o.outcomes.get(*id),
                        o.why.get(*id).cloned().unwrap_or_default()
                    )
                })
                .collect()
        };
        return Err(format!(
            "not passing, but not targeted:{}\n  targeted, but passing:{}",
            explain(got.difference(&expected).collect()),
            explain(expected.difference(&got).collect())
        )
        .into());
    }
    if o.outcomes.len() != CHECKS.len() {
        return Err(format!(
            "{} CASE checks reported, {} in the catalogue",
            o.outcomes.len(),
            CHECKS.len()
        )
        .into());
    }
    if o.packages == 0 {
        return Err("the CASE server served no package".into());
    }
    match (packages_fail, o.packages_failed) {
        (true, 0) => Err("the packages were expected to fail their data model, and all passed".into()),
        (false, n) if n > 0 => Err(format!("{n} package(s) failed their data model").into()),
        _ => Ok(()),
    }
}

fn main() {
    let args = Arguments::from_args();
    let mut trials = vec![
        Trial::test("the CASE mock: every CASE check passes", || {
            check_row(&[], Faults::none(), true, false)
        }),
        Trial::test("the CASE mock over plain http: the TLS check fails", || {
            check_row(PLAIN_HTTP, Faults::none(), false, false)
        }),
    ];
    for r in ROWS {
        trials.push(Trial::test(format!("fault {}", r.fault), move || {
            let fault: Fault = r.fault.parse().map_err(|e| format!("{e}"))?;
            check_row(r.trips, Faults::one(fault), true, r.packages_fail)
        }));
    }
    trials.push(Trial::test("coverage: every CASE fault has a row", || {
        let missing: Vec<&str> = Fault::ALL
            .iter()
            .filter(|f| f.is_case())
            .map(|f| f.name())
            .filter(|n| !ROWS.iter().any(|r| r.fault == *n))
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(format!("CASE faults without a row: {missing:?}").into())
        }
    }));
    trials.push(Trial::test("coverage: every CASE check is tripped by some row", || {
        let tripped: BTreeSet<&str> = ROWS
            .iter()
            .flat_map(|r| r.trips.iter().copied())
            .chain(PLAIN_HTTP.iter().copied())
            .collect();
        let untripped: Vec<&str> = CHECKS.iter().map(|c| c.id).filter(|id| !tripped.contains(id)).collect();
        if untripped.is_empty() {
            Ok(())
        } else {
            Err(format!("CASE checks no fault trips: {untripped:?}").into())
        }
    }));
    libtest_mimic::run(&args, trials).exit();
}
