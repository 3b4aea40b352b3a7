//! The consumer fault table: the reference consumer passes every consumer check against the reference provider, and
//! each named consumer fault makes exactly the checks of its row not pass (a conformant provider refuses some
//! faulty requests, so the checks of the steps the consumer then never reached are skips, listed too). Together the
//! rows trip every consumer check.

use std::collections::BTreeSet;

use clr_ecosystem::Embedded;
use clr_ecosystem::consumer::{self, ConsumerFault};
use clr_harness::catalogue::Selection;
use clr_mocks::faults::Faults;
use clr_mocks::provider::Provocation;
use clr_reports::Outcome;
use libtest_mimic::{Arguments, Failed, Trial};

/// The steps after a refused request: nothing to judge there.
const AFTER_AUTHORIZATION: &[&str] = &[
    "OAUTH-CLIENT-005",
    "OAUTH-CLIENT-006",
    "OAUTH-CLIENT-009",
    "API-CLIENT-002",
];

struct Row {
    fault: Option<ConsumerFault>,
    /// What provokes the consumer: a provider fault (`foreign-state`) or a situation (`small-pages` …).
    provoke: &'static str,
    /// The checks that fail or warn.
    trips: &'static [&'static str],
    /// The checks never reached because the provider refused the faulty request.
    unreached: &'static [&'static str],
}

const ROWS: &[Row] = &[
    Row {
        fault: None,
        provoke: "",
        trips: &[],
        unreached: &[],
    },
    Row {
        fault: Some(ConsumerFault::IncompleteRegistration),
        provoke: "",
        trips: &["OAUTH-CLIENT-001"],
        unreached: &[
            "OAUTH-CLIENT-002",
            "OAUTH-CLIENT-003",
            "OAUTH-CLIENT-004",
            "OAUTH-CLIENT-005",
            "OAUTH-CLIENT-006",
            "OAUTH-CLIENT-007",
            "OAUTH-CLIENT-009",
            "API-CLIENT-002",
        ],
    },
    Row {
        fault: Some(ConsumerFault::NoPkce),
        provoke: "",
        trips: &["OAUTH-CLIENT-002"],
        unreached: AFTER_AUTHORIZATION,
    },
    Row {
        fault: Some(ConsumerFault::PlainPkce),
        provoke: "",
        trips: &["OAUTH-CLIENT-002"],
        unreached: AFTER_AUTHORIZATION,
    },
    Row {
        fault: Some(ConsumerFault::FixedState),
        provoke: "",
        trips: &["OAUTH-CLIENT-003"],
        unreached: &[],
    },
    Row {
        fault: Some(ConsumerFault::WrongRedirectUri),
        provoke: "",
        trips: &["OAUTH-CLIENT-004"],
        unreached: AFTER_AUTHORIZATION,
    },
    Row {
        fault: Some(ConsumerFault::SecretInBody),
        provoke: "",
        trips: &["OAUTH-CLIENT-005"],
        unreached: &["OAUTH-CLIENT-006", "OAUTH-CLIENT-009", "API-CLIENT-002"],
    },
    Row {
        fault: Some(ConsumerFault::TokenInQuery),
        provoke: "",
        trips: &["OAUTH-CLIENT-006"],
        unreached: &[],
    },
    Row {
        fault: Some(ConsumerFault::HardCodedEndpoints),
        provoke: "",
        trips: &["API-CLIENT-001"],
        unreached: &[],
    },
    Row {
        fault: Some(ConsumerFault::JwsAsJson),
        provoke: "",
        trips: &["API-CLIENT-002"],
        unreached: &[],
    },
    // Provoked: the provider answers with another state. A conformant consumer stops there; one that does not
    // check redeems the code.
    Row {
        fault: None,
        provoke: "foreign-state",
        trips: &[],
        unreached: AFTER_AUTHORIZATION,
    },
    Row {
        fault: Some(ConsumerFault::StateNotChecked),
        provoke: "foreign-state",
        trips: &["OAUTH-CLIENT-007"],
        unreached: &[],
    },
    Row {
        fault: None,
        provoke: "upsert-always-200",
        trips: &[],
        unreached: &[],
    },
    Row {
        fault: Some(ConsumerFault::Only201IsSuccess),
        provoke: "upsert-always-200",
        trips: &["API-CLIENT-006"],
        unreached: &[],
    },
    // The CLR 1.0 API's traffic is judged like the others': a ClrPayload is JSON.
    Row {
        fault: Some(ConsumerFault::ClrPayloadAsText),
        provoke: "",
        trips: &["API-CLIENT-002"],
        unreached: &[],
    },
    Row {
        fault: Some(ConsumerFault::GreedyScope),
        provoke: "",
        trips: &["OAUTH-CLIENT-009"],
        unreached: &[],
    },
    Row {
        fault: Some(ConsumerFault::PartialProfile),
        provoke: "",
        trips: &["API-CLIENT-005"],
        unreached: &[],
    },
    // Conformant situations: the reference consumer walks every page, refreshes, waits; each fault does not.
    Row {
        fault: None,
        provoke: "small-pages",
        trips: &[],
        unreached: &[],
    },
    Row {
        fault: Some(ConsumerFault::IgnoresPaging),
        provoke: "small-pages",
        trips: &["API-CLIENT-003"],
        unreached: &[],
    },
    Row {
        fault: None,
        provoke: "token-expiry",
        trips: &[],
        unreached: &[],
    },
    Row {
        fault: Some(ConsumerFault::NoRefresh),
        provoke: "token-expiry",
        trips: &["OAUTH-CLIENT-008"],
        unreached: &[],
    },
    Row {
        fault: None,
        provoke: "throttle",
        trips: &[],
        unreached: &[],
    },
    Row {
        fault: Some(ConsumerFault::IgnoresRetryAfter),
        provoke: "throttle",
        trips: &["API-CLIENT-004"],
        unreached: &[],
    },
];

/// The check each provocation creates the situation for: against a conformant consumer it must pass (judged), not
/// be not-applicable.
const PROVOKED_CHECK: &[(&str, &str)] = &[
    ("foreign-state", "OAUTH-CLIENT-007"),
    ("small-pages", "API-CLIENT-003"),
    ("token-expiry", "OAUTH-CLIENT-008"),
    ("throttle", "API-CLIENT-004"),
    ("upsert-always-200", "API-CLIENT-006"),
];

fn main() {
    let args = Arguments::from_args();
    let mut trials: Vec<Trial> = ROWS
        .iter()
        .map(|row| {
            let mut name = row.fault.map_or("conformant".to_string(), |f| f.name().to_string());
            if !row.provoke.is_empty() {
                name = format!("{name}, provoked by {}", row.provoke);
            }
            Trial::test(format!("consumer {name}"), move || check_row(row))
        })
        .collect();
    trials.push(Trial::test(
        "every consumer check is tripped and every fault has a row",
        coverage,
    ));
    libtest_mimic::run(&args, trials).exit();
}

fn check_row(row: &Row) -> Result<(), Failed> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let situation = Provocation::parse(row.provoke);
    let fault = if situation.is_some() { "" } else { row.provoke };
    let eco = runtime.block_on(Embedded::start(1, Faults::parse_list(fault)?))?;
    if let Some(p) = situation {
        eco.servers.provider_state.provoke(p);
    }
    let payloads = eco.payloads().ok_or("the ecosystem has a JSON and a JWS upload")?;
    let faults: Vec<ConsumerFault> = row.fault.into_iter().collect();
    let stopped = runtime.block_on(consumer::run(
        &eco.discovery_url(),
        eco.servers.ca_pem.as_deref(),
        &payloads,
        &faults,
    ));
    let subject = eco.judge_consumer("reference consumer", &Selection::default(), false);
    runtime.block_on(eco.shutdown());
    if row.unreached.is_empty() {
        if let Err(e) = stopped {
            return Err(format!("the consumer stopped early: {e}").into());
        }
    } else if stopped.is_ok() {
        return Err("the provider accepted what the faulty consumer sent".into());
    }
    let mut tripped = BTreeSet::new();
    let mut unreached = BTreeSet::new();
    let mut why = Vec::new();
    for r in &subject.results {
        match r.outcome {
            // A check whose situation the run did not create (the returned state, unprovoked).
            Outcome::Pass | Outcome::NotApplicable => {}
            Outcome::Fail | Outcome::Warn => {
                tripped.insert(r.check.clone());
            }
            Outcome::Skip => {
                unreached.insert(r.check.clone());
            }
            other => return Err(format!("{} is {other:?}: {:?}", r.check, r.note).into()),
        }
        if !matches!(r.outcome, Outcome::Pass | Outcome::NotApplicable) {
            why.push(format!(
                "{} {:?}: {}",
                r.check,
                r.outcome,
                r.findings
                    .first()
                    .map(|f| f.message.clone())
                    .or(r.note.clone())
                    .unwrap_or_default()
            ));
        }
    }
    if row.fault.is_none()
        && let Some((_, check)) = PROVOKED_CHECK.iter().find(|(p, _)| *p == row.provoke)
    {
        let judged = subject.results.iter().find(|r| r.check == *check).map(|r| r.outcome);
        if judged != Some(Outcome::Pass) {
            return Err(format!("{} provoked {check}, which is {judged:?} instead of pass", row.provoke).into());
        }
    }
    let want = |ids: &[&str]| ids.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
    if tripped != want(row.trips) || unreached != want(row.unreached) {
        return Err(format!(
            "tripped {tripped:?} (want {:?}), not reached {unreached:?} (want {:?}):\n  {}",
            row.trips,
            row.unreached,
            why.join("\n  ")
        )
        .into());
    }
    Ok(())
}

fn coverage() -> Result<(), Failed> {
    let tripped: BTreeSet<&str> = ROWS.iter().flat_map(|r| r.trips.iter().copied()).collect();
    let untripped: Vec<&str> = clr_harness::consumer::checks::CHECKS
        .iter()
        .map(|c| c.id)
        .filter(|id| !tripped.contains(id))
        .collect();
    let without_row: Vec<&str> = ConsumerFault::ALL
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
