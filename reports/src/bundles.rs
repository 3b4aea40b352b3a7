//! Certification bundles: the groups of checks a product has to pass to claim a 1EdTech role ("OB 3.0 Issuer",
//! "CLR 2.0 Host" …), derived from each check's catalogue entry (spec, roles, area) rather than from a hand-kept
//! list of ids, so a check added to the catalogue lands in its bundles without touching this file.

use crate::model::{CheckInfo, Counts, Outcome, Role, Run, Spec};

/// Which side of the ecosystem a bundle certifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BundleRole {
    /// Issues credentials: judged by the credential checks that apply to issuers.
    Issuer,
    /// 1EdTech's name for a verifier that shows credentials to people: judged by the checks that apply to verifiers.
    Displayer,
    /// Serves the REST API behind OAuth 2.0: judged by the provider checks.
    Host,
}

/// One certification bundle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bundle {
    /// Display name, e.g. `OB 3.0 Issuer`.
    pub name: &'static str,
    /// The specification whose certification this is: [`Spec::Ob30`] or [`Spec::Clr20`].
    pub family: Spec,
    pub role: BundleRole,
}

/// Every bundle, in display order.
pub const BUNDLES: [Bundle; 6] = [
    Bundle {
        name: "OB 3.0 Issuer",
        family: Spec::Ob30,
        role: BundleRole::Issuer,
    },
    Bundle {
        name: "OB 3.0 Displayer",
        family: Spec::Ob30,
        role: BundleRole::Displayer,
    },
    Bundle {
        name: "OB 3.0 Host",
        family: Spec::Ob30,
        role: BundleRole::Host,
    },
    Bundle {
        name: "CLR 2.0 Issuer",
        family: Spec::Clr20,
        role: BundleRole::Issuer,
    },
    Bundle {
        name: "CLR 2.0 Displayer",
        family: Spec::Clr20,
        role: BundleRole::Displayer,
    },
    Bundle {
        name: "CLR 2.0 Host",
        family: Spec::Clr20,
        role: BundleRole::Host,
    },
];

/// Areas whose checks are not about a credential document, so they never count for an Issuer or Displayer.
const SERVICE_AREAS: [&str; 2] = ["api", "oauth"];
/// OB 3.0 areas whose rules CLR 2.0 credentials follow as well: CLR 2.0 secures and packages credentials the OB
/// 3.0 way, so a CLR product is held to them too.
const SHARED_WITH_CLR: [&str; 2] = ["proof", "format"];

impl Bundle {
    /// Whether a check counts towards this bundle.
    pub fn includes(&self, check: &CheckInfo) -> bool {
        let in_family = check.spec == self.family
            // The VC data model underlies both families.
            || check.spec == Spec::Vc
            || (self.family == Spec::Clr20 && check.spec == Spec::Ob30 && SHARED_WITH_CLR.contains(&check.area.as_str()));
        let document_check = !SERVICE_AREAS.contains(&check.area.as_str());
        match self.role {
            BundleRole::Issuer => in_family && document_check && check.roles.contains(&Role::Issuer),
            BundleRole::Displayer => in_family && document_check && check.roles.contains(&Role::Verifier),
            // Both Host certifications require the OAuth 2.0 flows the APIs are protected by.
            BundleRole::Host => {
                check.roles.contains(&Role::Provider) && (check.spec == self.family || check.spec == Spec::OAuth)
            }
        }
    }
}

/// The verdict of a bundle over a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum BundleVerdict {
    /// Some of its checks ran and none failed or errored (warnings and informational findings allowed; `--strict`
    /// already turned SHOULD violations into failures).
    Pass,
    /// At least one of its checks failed.
    Fail,
    /// None failed, but the harness could not run at least one: the verdict is unknown, not a pass.
    Error,
    /// None of its checks ran (not selected, skipped or not applicable), so the run says nothing about it.
    NotTested,
}

impl BundleVerdict {
    pub fn as_str(self) -> &'static str {
        match self {
            BundleVerdict::Pass => "pass",
            BundleVerdict::Fail => "fail",
            BundleVerdict::Error => "error",
            BundleVerdict::NotTested => "not tested",
        }
    }
}

/// A bundle's verdict over a run, with the numbers behind it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleResult {
    pub bundle: Bundle,
    pub verdict: BundleVerdict,
    /// Results of the bundle's checks across all subjects, by outcome.
    pub counts: Counts,
    /// Distinct checks of the bundle that have at least one result in the run.
    pub checks: usize,
    /// Ids of the bundle's checks that failed or errored on some subject, in catalogue order.
    pub failing: Vec<String>,
}

/// Evaluates every bundle of [`BUNDLES`] over the run. Results whose check is missing from `run.checks` cannot be
/// placed in a bundle and are left out.
pub fn evaluate(run: &Run) -> Vec<BundleResult> {
    BUNDLES.iter().map(|b| evaluate_one(run, *b)).collect()
}

fn evaluate_one(run: &Run, bundle: Bundle) -> BundleResult {
    let mut counts = Counts::default();
    let mut checks = 0;
    let mut failing = Vec::new();
    for check in run.checks.iter().filter(|c| bundle.includes(c)) {
        let results: Vec<Outcome> = run
            .subjects
            .iter()
            .flat_map(|s| &s.results)
            .filter(|r| r.check == check.id)
            .map(|r| r.outcome)
            .collect();
        if results.is_empty() {
            continue;
        }
        checks += 1;
        for &outcome in &results {
            counts.add(outcome);
        }
        if results.iter().any(|o| matches!(o, Outcome::Fail | Outcome::Error)) {
            failing.push(check.id.clone());
        }
    }
    let verdict = if counts.fail > 0 {
        BundleVerdict::Fail
    } else if counts.error > 0 {
        BundleVerdict::Error
    } else if counts.pass + counts.warn + counts.info > 0 {
        BundleVerdict::Pass
    } else {
        BundleVerdict::NotTested
    };
    BundleResult {
        bundle,
        verdict,
        counts,
        checks,
        failing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CheckResult, Level, RuleSource, Subject, SubjectKind};
    use crate::sample::sample_run;

    fn check(id: &str, spec: Spec, area: &str, roles: &[Role]) -> CheckInfo {
        CheckInfo {
            id: id.into(),
            title: String::new(),
            requirement: String::new(),
            spec_url: String::new(),
            level: Level::Must,
            source: RuleSource::Normative,
            roles: roles.to_vec(),
            spec,
            area: area.into(),
        }
    }

    fn bundles_of(c: &CheckInfo) -> Vec<&'static str> {
        BUNDLES.iter().filter(|b| b.includes(c)).map(|b| b.name).collect()
    }

    const DOC: &[Role] = &[Role::Issuer, Role::Verifier];

    #[test]
    fn document_checks_go_to_the_issuer_and_displayer_of_their_family() {
        let ob = check("OB30-DM-006", Spec::Ob30, "data-model", DOC);
        assert_eq!(bundles_of(&ob), ["OB 3.0 Issuer", "OB 3.0 Displayer"]);
        let clr = check("CLR20-DM-003", Spec::Clr20, "data-model", DOC);
        assert_eq!(bundles_of(&clr), ["CLR 2.0 Issuer", "CLR 2.0 Displayer"]);
        let verifier_only = check("CLR20-VER-001", Spec::Clr20, "verification", &[Role::Verifier]);
        assert_eq!(bundles_of(&verifier_only), ["CLR 2.0 Displayer"]);
    }

    #[test]
    fn ob_proof_and_format_rules_also_bind_clr_products() {
        for area in ["proof", "format"] {
            let c = check("OB30-PRF-005", Spec::Ob30, area, DOC);
            assert_eq!(
                bundles_of(&c),
                [
                    "OB 3.0 Issuer",
                    "OB 3.0 Displayer",
                    "CLR 2.0 Issuer",
                    "CLR 2.0 Displayer"
                ],
                "{area}"
            );
        }
        let vc = check("VC-001", Spec::Vc, "data-model", DOC);
        assert_eq!(bundles_of(&vc).len(), 4, "the VC data model underlies both families");
        let schema = check("OB30-SCHEMA-001", Spec::Ob30, "schema", DOC);
        assert_eq!(bundles_of(&schema), ["OB 3.0 Issuer", "OB 3.0 Displayer"]);
    }

    #[test]
    fn provider_checks_go_to_their_host_and_oauth_to_both() {
        let provider = &[Role::Provider];
        assert_eq!(
            bundles_of(&check("OB30-API-001", Spec::Ob30, "api", provider)),
            ["OB 3.0 Host"]
        );
        assert_eq!(
            bundles_of(&check("CLR20-API-001", Spec::Clr20, "api", provider)),
            ["CLR 2.0 Host"]
        );
        assert_eq!(
            bundles_of(&check("OAUTH-PKCE-001", Spec::OAuth, "oauth", provider)),
            ["OB 3.0 Host", "CLR 2.0 Host"]
        );
        let legacy = check("OB20-X-001", Spec::Ob20, "data-model", DOC);
        assert!(bundles_of(&legacy).is_empty(), "older specs have no 3.0-era bundle");
    }

    #[test]
    fn verdicts_follow_the_worst_result_across_subjects() {
        let run = sample_run();
        let by_name = |name: &str| {
            evaluate(&run)
                .into_iter()
                .find(|r| r.bundle.name == name)
                .expect("bundle exists")
        };
        let ob = by_name("OB 3.0 Issuer");
        assert_eq!(ob.verdict, BundleVerdict::Fail);
        assert_eq!(ob.failing, ["OB30-DM-006", "OB30-PR-002"]);
        // OB30-DM-006 ×2 fail, DM-010 pass, DM-020 warn, FMT-001 info, SC-001 ×3 skip, ST-001 n/a, PR-002 error + skip.
        assert_eq!(
            (ob.counts.fail, ob.counts.pass, ob.counts.error, ob.counts.skip),
            (2, 1, 1, 4)
        );
        assert_eq!(ob.checks, 7);

        // The CLR bundle sees CLR20-DM-003 (pass) and the shared proof/format checks (error, info).
        let clr = by_name("CLR 2.0 Issuer");
        assert_eq!(clr.verdict, BundleVerdict::Error);
        assert_eq!(clr.failing, ["OB30-PR-002"]);
        assert_eq!(clr.checks, 3);
        assert_eq!(by_name("CLR 2.0 Host").verdict, BundleVerdict::NotTested);
    }

    #[test]
    fn passing_needs_a_check_that_ran() {
        let mut run = sample_run();
        run.checks = vec![check("CLR20-DM-003", Spec::Clr20, "data-model", DOC)];
        let subject = |outcome| Subject {
            id: "s".into(),
            kind: SubjectKind::Document,
            name: "s".into(),
            source: "s".into(),
            parent: None,
            scope: None,
            layers: vec![],
            detected: None,
            outcome,
            unverified: None,
            results: vec![CheckResult {
                check: "CLR20-DM-003".into(),
                outcome,
                note: None,
                findings: vec![],
            }],
        };
        run.subjects = vec![subject(Outcome::Skip)];
        assert_eq!(evaluate(&run)[3].verdict, BundleVerdict::NotTested);
        run.subjects.push(subject(Outcome::Warn));
        let clr = &evaluate(&run)[3];
        assert_eq!((clr.verdict, clr.checks, clr.counts.warn), (BundleVerdict::Pass, 1, 1));
    }
}
