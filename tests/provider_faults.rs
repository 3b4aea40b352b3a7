//! The fault table: against the reference provider every provider check passes, and against each fault profile of
//! the mocks exactly the checks that fault targets do not pass — nothing else. Together the rows trip every provider
//! check, so none of them is a check nothing can fail.

use std::collections::{BTreeMap, BTreeSet};

use clr_ecosystem::Embedded;
use clr_harness::api::{self, ApiSpec, Family};
use clr_harness::session::run_provider;
use clr_mocks::faults::{Fault, Faults};
use clr_reports::{Outcome, SubjectKind};
use libtest_mimic::{Arguments, Failed, Trial};

/// One row: a fault and the checks it trips. `API-NNN` names the check in both families.
struct Row {
    fault: &'static str,
    trips: &'static [&'static str],
    /// The returned credentials themselves fail their document checks.
    documents_fail: bool,
}

const fn row(fault: &'static str, trips: &'static [&'static str]) -> Row {
    Row {
        fault,
        trips,
        documents_fail: false,
    }
}

const ROWS: &[Row] = &[
    row("pkce-not-verified", &["OAUTH-PKCE-002"]),
    row("auth-code-reusable", &["OAUTH-TOKEN-002"]),
    row("redirect-uri-not-checked", &["OAUTH-AUTHZ-003"]),
    row("state-not-echoed", &["OAUTH-AUTHZ-002"]),
    row("foreign-state", &["OAUTH-AUTHZ-002"]),
    row("scope-not-enforced", &["API-006", "CLR10-API-006"]),
    row("expired-token-accepted", &["API-005"]),
    // A revoked token is also what a reused code's tokens should become, so the reuse check's SHOULD part warns.
    row("revoked-token-accepted", &["OAUTH-REVOKE-002", "OAUTH-TOKEN-002"]),
    row("wrong-total-count", &["API-010", "CLR10-API-009"]),
    row("missing-link-next", &["API-011", "CLR10-API-009"]),
    row("paging-overlaps", &["API-012"]),
    row("since-ignored", &["API-013"]),
    row("upsert-always-200", &["API-015", "CLR10-API-011"]),
    row("error-without-statusinfo", &["API-021", "CLR10-API-014"]),
    row("discovery-requires-auth", &["API-001", "CLR10-API-001"]),
    row("wrong-content-type", &["API-007"]),
    row("token-cache-control-missing", &["OAUTH-TOKEN-004"]),
    // A credential changed on the way out is both unverifiable and not what was stored.
    Row {
        fault: "unsigned-credentials",
        trips: &["API-009", "API-018"],
        documents_fail: true,
    },
    Row {
        fault: "tampered-credentials",
        trips: &["API-009", "API-018"],
        documents_fail: true,
    },
    row("sdd-missing-fields", &["API-002", "CLR10-API-002"]),
    row("sdd-missing-scopes", &["API-003", "CLR10-API-003"]),
    row("anonymous-access", &["API-004", "CLR10-API-004"]),
    row("extra-response-property", &["API-008", "CLR10-API-007"]),
    row("bad-query-accepted", &["API-014", "CLR10-API-010"]),
    row("upsert-always-201", &["API-016", "CLR10-API-011"]),
    // Allowed: an identical re-upsert answered 304 shows no replacement, so API-016 is a skip, not a pass; CLR 1.0
    // names 304 for an identical CLR only, so a changed one answered 304 fails CLR10-API-011.
    row("upsert-held-not-modified", &["API-016", "CLR10-API-011"]),
    row("malformed-upsert-accepted", &["API-017", "CLR10-API-017"]),
    // The refused JWS is also a create that did not answer 201 (it is not expected back: API-018 judges what was
    // accepted).
    row("jws-upsert-refused", &["API-015", "API-017"]),
    // putProfile sends back what getProfile gave; without a Profile there is nothing to send (Skip).
    row("profile-without-type", &["API-019", "API-020"]),
    row("put-profile-refused", &["API-020"]),
    row("wrong-method-allowed", &["API-022", "CLR10-API-015"]),
    row("registration-response-incomplete", &["OAUTH-DCR-001"]),
    row("registration-accepts-incomplete", &["OAUTH-DCR-002"]),
    row("registration-accepts-bad-redirect", &["OAUTH-DCR-003"]),
    row("scope-not-returned", &["OAUTH-AUTHZ-001"]),
    row("pkce-optional", &["OAUTH-PKCE-001"]),
    row("client-secret-not-checked", &["OAUTH-TOKEN-001"]),
    row("codes-never-expire", &["OAUTH-TOKEN-003"]),
    row("unknown-scope-granted", &["OAUTH-TOKEN-005"]),
    row("refreshed-token-unusable", &["OAUTH-REFRESH-001"]),
    // The response's own defect is TOKEN-004's; that no token came back is REFRESH-001's (it passed before).
    row(
        "refresh-without-access-token",
        &["OAUTH-REFRESH-001", "OAUTH-TOKEN-004"],
    ),
    row("refresh-widens-scope", &["OAUTH-REFRESH-002"]),
    row("revocation-rejects-unknown", &["OAUTH-REVOKE-001"]),
    row("clr10-unknown-token-accepted", &["CLR10-API-005"]),
    row("clr10-returned-invalid", &["CLR10-API-008"]),
    // A provider that finds every id finds the deleted ones too.
    row("clr10-unknown-clr-found", &["CLR10-API-012", "CLR10-API-013"]),
    row("clr10-delete-keeps", &["CLR10-API-013"]),
];

/// API rules that RFC 6749/6750 make mandatory on their own: a fault that trips them fails them, CLR included.
const RFC_MUSTS: &[&str] = &["-API-004", "-API-005", "-API-006", "-API-023", "CLR10-API-016"];

/// What serving the reference provider over plain http trips.
const PLAIN_HTTP: &[&str] = &["API-023", "CLR10-API-016"];

/// Full check ids of a row entry.
fn expand(entry: &str) -> Vec<String> {
    if entry.starts_with("API-") {
        Family::ALL.iter().map(|f| format!("{}-{entry}", f.prefix())).collect()
    } else {
        vec![entry.to_string()]
    }
}

/// What one conformance run against the ecosystem with `faults` produced.
struct Observed {
    /// Outcome of every provider check.
    provider: BTreeMap<String, Outcome>,
    /// Why each non-passing check did not pass (first finding or note), for failure messages.
    why: BTreeMap<String, String>,
    documents_failed: usize,
    documents: usize,
}

fn conformance_run(faults: Faults, https: bool) -> Result<Observed, String> {
    conformance_run_of(faults, https, &[ApiSpec::Ob30, ApiSpec::Clr20, ApiSpec::Clr10])
}

/// A conformance run against the ecosystem's provider, claiming only `families`.
fn conformance_run_of(faults: Faults, https: bool, families: &[ApiSpec]) -> Result<Observed, String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let eco = runtime
        .block_on(Embedded::start_with(1, faults, https))
        .map_err(|e| e.to_string())?;
    let mut config = eco.run_config();
    config.target.specs = families.to_vec();
    let run = run_provider(config, &runtime, &|_| {});
    runtime.block_on(eco.shutdown());
    let subjects = run.map_err(|e| e.to_string())?.subjects;
    let mut observed = Observed {
        provider: BTreeMap::new(),
        why: BTreeMap::new(),
        documents_failed: 0,
        documents: 0,
    };
    for s in &subjects {
        if s.kind == SubjectKind::Provider {
            for r in &s.results {
                observed.provider.insert(r.check.clone(), r.outcome);
                if r.outcome != Outcome::Pass {
                    let why = r
                        .findings
                        .first()
                        .map(|f| f.message.clone())
                        .or_else(|| r.note.clone())
                        .unwrap_or_default();
                    observed.why.insert(r.check.clone(), why);
                }
            }
        } else {
            observed.documents += 1;
            if matches!(s.outcome, Outcome::Fail | Outcome::Error) {
                observed.documents_failed += 1;
            }
        }
    }
    Ok(observed)
}

/// Checks that run only when the run is asked for them, never in the fault table's runs, with the test proving
/// them: `*-API-024` needs `run --generated` (it is not applicable otherwise).
const PROVEN_ELSEWHERE: &[(&str, &str)] = &[("API-024", "cli/tests/run.rs")];

fn not_passing(o: &Observed) -> BTreeSet<String> {
    o.provider
        .iter()
        .filter(|(_, out)| **out != Outcome::Pass)
        .filter(|(id, out)| !(**out == Outcome::NotApplicable && PROVEN_ELSEWHERE.iter().any(|(e, _)| id.ends_with(e))))
        .map(|(id, _)| id.clone())
        .collect()
}

fn explain(o: &Observed, ids: &BTreeSet<String>) -> String {
    ids.iter()
        .map(|id| {
            format!(
                "\n    {id}: {:?} — {}",
                o.provider.get(id),
                o.why.get(id).cloned().unwrap_or_default()
            )
        })
        .collect()
}

fn check_row(trips: &[&str], faults: Faults, https: bool, documents_fail: bool) -> Result<(), Failed> {
    let o = conformance_run(faults, https)?;
    let expected: BTreeSet<String> = trips.iter().flat_map(|e| expand(e)).collect();
    let got = not_passing(&o);
    let unexpected: BTreeSet<String> = got.difference(&expected).cloned().collect();
    let missing: BTreeSet<String> = expected.difference(&got).cloned().collect();
    if !unexpected.is_empty() || !missing.is_empty() {
        return Err(format!(
            "not passing, but not targeted:{}\n  targeted, but passing:{}",
            explain(&o, &unexpected),
            explain(&o, &missing)
        )
        .into());
    }
    // OAuth 2.0 makes these security rules MUST for any protected resource: tripped, they fail in both families
    // (a CLR-2.0-only provider that serves credentials without a token cannot pass with a warning).
    for id in expected.iter().filter(|id| RFC_MUSTS.iter().any(|m| id.ends_with(m))) {
        if o.provider.get(id) != Some(&Outcome::Fail) {
            return Err(format!("{id} should fail, got{}", explain(&o, &BTreeSet::from([id.clone()]))).into());
        }
    }
    if o.documents == 0 {
        return Err("the provider returned no credentials to verify".into());
    }
    match (documents_fail, o.documents_failed) {
        (true, 0) => Err("the returned credentials were expected to fail verification, and all passed".into()),
        (false, n) if n > 0 => Err(format!("{n} returned credential(s) failed verification").into()),
        _ => Ok(()),
    }
}

fn main() {
    let args = Arguments::from_args();
    let mut trials = vec![Trial::test("reference provider: every provider check passes", || {
        check_row(&[], Faults::none(), true, false)
    })];
    // Not a fault of the provider's code but of its deployment: the same provider served over plain http.
    trials.push(Trial::test("plain http: the TLS check fails", || {
        check_row(PLAIN_HTTP, Faults::none(), false, false)
    }));
    for r in ROWS {
        trials.push(Trial::test(format!("fault {}", r.fault), move || {
            let fault: Fault = r.fault.parse().map_err(|e| format!("{e}"))?;
            check_row(r.trips, Faults::one(fault), true, r.documents_fail)
        }));
    }
    // An allowed answer is never a failure: the identical re-upsert answered 304 leaves API-016 unobserved.
    trials.push(Trial::test(
        "an identical re-upsert answered 304 is a skip of API-016, not a failure",
        || {
            let o = conformance_run_of(Faults::one(Fault::UpsertHeldNotModified), true, &[ApiSpec::Ob30])?;
            match o.provider.get("OB30-API-016") {
                Some(Outcome::Skip) => Ok(()),
                other => Err(format!("OB30-API-016 should be a skip, got {other:?}").into()),
            }
        },
    ));
    // CLR 2.0 states its API by analogy with OB 3.0, but OAuth 2.0's own MUSTs hold for it alone too.
    trials.push(Trial::test(
        "a CLR-2.0-only provider serving credentials without a token or scope fails",
        || {
            let faults = Faults::parse_list("anonymous-access,scope-not-enforced").map_err(|e| e.to_string())?;
            let o = conformance_run_of(faults, true, &[ApiSpec::Clr20])?;
            for id in ["CLR20-API-004", "CLR20-API-006"] {
                if o.provider.get(id) != Some(&Outcome::Fail) {
                    return Err(format!("{id} should fail:{}", explain(&o, &BTreeSet::from([id.to_string()]))).into());
                }
            }
            if o.provider.keys().any(|id| id.starts_with("OB30-")) {
                return Err("OB 3.0 checks ran for a provider that claims CLR 2.0 only".into());
            }
            Ok(())
        },
    ));
    // A provider of the CLR 1.0 API alone: the OAuth checks probe that API, everything passes on the reference
    // provider, and OAuth 2.0's own MUSTs fail when broken.
    trials.push(Trial::test(
        "a CLR-1.0-only provider passes, and fails without a token or scope check",
        || {
            let o = conformance_run_of(Faults::none(), true, &[ApiSpec::Clr10])?;
            let got = not_passing(&o);
            if !got.is_empty() {
                return Err(format!("not passing:{}", explain(&o, &got)).into());
            }
            if o.provider
                .keys()
                .any(|id| id.starts_with("OB30-") || id.starts_with("CLR20-"))
            {
                return Err("OB 3.0 / CLR 2.0 checks ran for a provider that claims CLR 1.0 only".into());
            }
            let faults = Faults::parse_list("anonymous-access,scope-not-enforced").map_err(|e| e.to_string())?;
            let o = conformance_run_of(faults, true, &[ApiSpec::Clr10])?;
            for id in ["CLR10-API-004", "CLR10-API-006"] {
                if o.provider.get(id) != Some(&Outcome::Fail) {
                    return Err(format!("{id} should fail:{}", explain(&o, &BTreeSet::from([id.to_string()]))).into());
                }
            }
            Ok(())
        },
    ));
    trials.push(Trial::test("coverage: every fault has a row", || {
        // The CASE server's faults have their own table (tests/case_faults.rs).
        let missing: Vec<&str> = Fault::ALL
            .iter()
            .filter(|f| !f.is_case())
            .map(|f| f.name())
            .filter(|n| !ROWS.iter().any(|r| r.fault == *n))
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(format!("faults without a row: {missing:?}").into())
        }
    }));
    trials.push(Trial::test(
        "coverage: every provider check is tripped by some row",
        || {
            for (id, file) in PROVEN_ELSEWHERE {
                let text = std::fs::read_to_string(clr_harness_tests::repo_root().join(file)).unwrap_or_default();
                if !text.contains(id) {
                    return Err(format!("{file} is said to prove {id} but does not mention it").into());
                }
            }
            let tripped: BTreeSet<String> = ROWS
                .iter()
                .flat_map(|r| r.trips.iter())
                .chain(PLAIN_HTTP)
                .chain(PROVEN_ELSEWHERE.iter().map(|(id, _)| id))
                .flat_map(|e| expand(e))
                .collect();
            let untripped: Vec<&str> = api::provider_checks_of(&[ApiSpec::Ob30, ApiSpec::Clr20, ApiSpec::Clr10])
                .into_iter()
                .map(|c| c.id)
                .filter(|id| !tripped.contains(*id))
                .collect();
            if untripped.is_empty() {
                Ok(())
            } else {
                Err(format!("provider checks no fault trips: {untripped:?}").into())
            }
        },
    ));
    libtest_mimic::run(&args, trials).exit();
}
