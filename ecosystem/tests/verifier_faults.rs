//! The verifier fault table: the reference verifier (the harness's verification behind a VC-API endpoint) passes
//! every verifier check on the case set, and each named verifier fault makes exactly the checks of its row fail.
//! Together the rows trip every verifier check.

use std::collections::BTreeSet;

use clr_ecosystem::verifier::{VerifierBench, VerifierFault};
use clr_harness::catalogue::Selection;
use clr_reports::Outcome;
use libtest_mimic::{Arguments, Failed, Trial};

struct Row {
    fault: Option<VerifierFault>,
    /// The checks that fail or warn.
    trips: &'static [&'static str],
}

const ROWS: &[Row] = &[
    Row {
        fault: None,
        trips: &[],
    },
    Row {
        fault: Some(VerifierFault::IgnoresValidityWindow),
        // The generated credential's expired and not-yet-valid mutants too.
        trips: &[
            "OB30-VERDICT-001",
            "OB30-VERDICT-002",
            "OB30-VERDICT-003",
            "OB30-VERDICT-008",
        ],
    },
    Row {
        fault: Some(VerifierFault::IgnoresRevocationList),
        trips: &["OB30-VERDICT-001", "OB30-VERDICT-002", "OB30-VERDICT-004"],
    },
    Row {
        fault: Some(VerifierFault::IgnoresBitstring),
        trips: &["VC-VERDICT-001"],
    },
    // Rejecting every credential with a status gets the revoked ones "right": the controls listed as not revoked
    // show it is not evidence.
    Row {
        fault: Some(VerifierFault::RejectsAnyStatus),
        trips: &[
            "OB30-VERDICT-001",
            "OB30-VERDICT-002",
            "OB30-VERDICT-004",
            "VC-VERDICT-001",
        ],
    },
    Row {
        fault: Some(VerifierFault::AcceptsTampered),
        // The generated credential's tampered, wrong-key and undefined-term mutants too.
        trips: &["OB30-VERDICT-005", "OB30-VERDICT-007", "OB30-VERDICT-008"],
    },
    Row {
        fault: Some(VerifierFault::AcceptsForeignKey),
        trips: &["OB30-VERDICT-006"],
    },
    Row {
        fault: Some(VerifierFault::IgnoresJwtClaims),
        trips: &["OB30-VERDICT-007"],
    },
    Row {
        fault: Some(VerifierFault::SkipsNested),
        trips: &["CLR20-VERDICT-001"],
    },
    Row {
        fault: Some(VerifierFault::RejectsVcdm11),
        trips: &["OB30-VERDICT-002"],
    },
];

fn main() {
    let args = Arguments::from_args();
    let mut trials: Vec<Trial> = ROWS
        .iter()
        .map(|row| {
            let name = row.fault.map_or("conformant".to_string(), |f| f.name().to_string());
            Trial::test(format!("verifier {name}"), move || check_row(row))
        })
        .collect();
    trials.push(Trial::test(
        "every verifier check is tripped and every fault has a row",
        coverage,
    ));
    libtest_mimic::run(&args, trials).exit();
}

fn check_row(row: &Row) -> Result<(), Failed> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let bench = runtime.block_on(VerifierBench::start(1))?;
    let faults: Vec<VerifierFault> = row.fault.into_iter().collect();
    let graded = runtime.block_on(bench.grade_reference(&faults, &Selection::default(), false))?;
    runtime.block_on(bench.shutdown());
    let mut tripped = BTreeSet::new();
    let mut why = Vec::new();
    for r in &graded.subject.results {
        match r.outcome {
            Outcome::Pass => {}
            Outcome::Fail | Outcome::Warn => {
                tripped.insert(r.check.clone());
            }
            other => return Err(format!("{} is {other:?}: {:?}", r.check, r.note).into()),
        }
        for f in &r.findings {
            why.push(format!(
                "{} {}: {}",
                r.check,
                f.message,
                f.actual.clone().unwrap_or_default()
            ));
        }
    }
    let want: BTreeSet<String> = row.trips.iter().map(|s| s.to_string()).collect();
    if tripped != want {
        return Err(format!("tripped {tripped:?} (want {:?}):\n  {}", row.trips, why.join("\n  ")).into());
    }
    if row.fault.is_none() && graded.subject.unverified.is_some() {
        return Err(format!("the conformant verifier is unverified: {:?}", graded.subject.unverified).into());
    }
    Ok(())
}

fn coverage() -> Result<(), Failed> {
    let tripped: BTreeSet<&str> = ROWS.iter().flat_map(|r| r.trips.iter().copied()).collect();
    let untripped: Vec<&str> = clr_harness::verifier::checks::CHECKS
        .iter()
        .map(|c| c.id)
        .filter(|id| !tripped.contains(id))
        .collect();
    let without_row: Vec<&str> = VerifierFault::ALL
        .iter()
        .filter(|f| !ROWS.iter().any(|r| r.fault == Some(**f)))
        .map(|f| f.name())
        .collect();
    if untripped.is_empty() && without_row.is_empty() {
        Ok(())
    } else {
        Err(format!("no row trips {untripped:?}; faults without a row: {without_row:?}").into())
    }
}
