//! A bug in the harness during a provider run (here: a clock hook that panics in the expiry step) costs the run that
//! step, not the results of the steps before it: the checks the step had begun are "harness bug" errors, the run's
//! exit code is 101, and everything observed earlier is still reported.

use std::time::Instant;

use clr_ecosystem::Embedded;
use clr_harness::api::{self, Hooks};
use clr_harness::engine::{self, HARNESS_BUG, Options};
use clr_harness::exit;
use clr_mocks::faults::Faults;
use clr_reports::{Outcome, RunOptions};

#[test]
fn a_panic_in_a_provider_step_is_a_harness_bug_not_a_lost_run() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let eco = runtime
        .block_on(Embedded::start(1, Faults::none()))
        .expect("the ecosystem starts");
    let hooks = Hooks {
        advance_clock: Some(Box::new(|_| panic!("the clock hook broke"))),
    };
    let run = runtime.block_on(api::run(&eco.target(), eco.uploads.clone(), &hooks, &|_| {}));
    let subjects = api::into_subjects(run, &Options::default());
    runtime.block_on(eco.shutdown());
    let results: Vec<_> = subjects.iter().flat_map(|s| &s.results).collect();
    let outcome = |id: &str| results.iter().find(|r| r.check == id).map(|r| r.outcome);
    let bug = results
        .iter()
        .find(|r| r.check == "OAUTH-TOKEN-003")
        .expect("the expiry step's check");
    assert_eq!(bug.outcome, Outcome::Error);
    let note = bug.note.clone().unwrap_or_default();
    assert!(
        note.starts_with(HARNESS_BUG) && note.contains("the clock hook broke"),
        "{note}"
    );
    assert_eq!(
        outcome("OAUTH-DCR-001"),
        Some(Outcome::Pass),
        "earlier steps keep their results"
    );
    assert_eq!(outcome("OB30-API-019"), Some(Outcome::Pass));
    let run = engine::build_run(
        subjects,
        RunOptions::default(),
        vec![],
        String::new(),
        Instant::now(),
        vec![],
    );
    assert_eq!(run.summary.exit_code, exit::BUG);
}
