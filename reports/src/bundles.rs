//! Certification bundles: the groups of checks a product has to pass to claim a 1EdTech role ("OB 3.0 Issuer",
//! "CLR 2.0 Host" …), derived from each check's catalogue entry (spec, roles, area) rather than from a hand-kept
//! list of ids, so a check added to the catalogue lands in its bundles without touching this file.
//!
//! A bundle says only what the run shows about its role. It is judged on the subjects that are evidence about a
//! product in that role ([`Bundle::judges`]): input credentials of its family and API clients (Service Consumer
//! Write) for an Issuer, graded verifiers for a Displayer, providers and API clients (Service Consumer Read) for a
//! Host. The client part is required for a CLR 2.0 Issuer (CLR 2.0 makes the API mandatory) and counted for the
//! others when the run graded one. Its verdict is, in this order:
//!
//! 1. **not tested** when the run has no such subject, or none of the bundle's own-family checks ran on one;
//! 2. **fail** / **error** when one of its checks failed / could not run on one of them;
//! 3. **not tested** when every result on them is a skip or not applicable;
//! 4. **incomplete** when a required (MUST, not inferred) check of the bundle that the run holds was not evaluated
//!    on any of them ([`BundleResult::needed`]), or when checks were deselected with `--only`/`--skip`;
//! 5. **pass** otherwise: every required check judged a subject (pass, warning, info, or not applicable because
//!    the subject does not use what it governs) and none failed.

use std::collections::HashMap;

use crate::model::{CheckInfo, Counts, Level, Outcome, Role, RuleSource, Run, Spec, Subject, SubjectKind};

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

/// Areas whose checks are not about a credential document, so they never count as an Issuer's document checks.
const SERVICE_AREAS: [&str; 4] = ["api", "oauth", "consumer", "verifier"];
/// Consumer checks about writing (upserting) only: not part of a Host's Service Consumer (Read).
const WRITE_ONLY: [&str; 1] = ["API-CLIENT-002"];
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
        let client_check = check.area == "consumer";
        match self.role {
            BundleRole::Issuer => (in_family && document_check && check.roles.contains(&Role::Issuer)) || client_check,
            // A displayer is graded on its verdicts; the CLR 2.0 one verifies the OB 3.0 credentials a CLR nests.
            BundleRole::Displayer => {
                check.area == "verifier" && (in_family || (self.family == Spec::Clr20 && check.spec == Spec::Ob30))
            }
            // Both Host certifications require the OAuth 2.0 flows the APIs are protected by, and a Host also reads
            // other hosts (Service Consumer Read).
            BundleRole::Host => {
                (check.roles.contains(&Role::Provider) && (check.spec == self.family || check.spec == Spec::OAuth))
                    || (client_check && !WRITE_ONLY.contains(&check.id.as_str()))
            }
        }
    }

    /// Whether a check of the bundle is needed only when the run graded a subject of its kind: the API-client part
    /// of an OB 3.0 Issuer (an add-on there) and of a Host (graded by its own command). A CLR 2.0 Issuer must use the
    /// API, so its client checks are always needed.
    fn needed_only_if_graded(&self, check: &CheckInfo) -> bool {
        check.area == "consumer" && !(self.role == BundleRole::Issuer && self.family == Spec::Clr20)
    }
}

/// Where a subject sits in the run: the subject and its ancestors, nearest first. A missing parent ends the chain,
/// and a parent cycle cannot loop.
fn lineage<'a>(run: &'a Run, subject: &'a Subject) -> Vec<&'a Subject> {
    let mut chain = vec![subject];
    let mut next = subject.parent.as_deref();
    while let Some(id) = next {
        // More links than subjects can only be a cycle.
        if chain.len() > run.subjects.len() {
            break;
        }
        let Some(parent) = run.subjects.iter().find(|s| s.id == id) else {
            break;
        };
        chain.push(parent);
        next = parent.parent.as_deref();
    }
    chain
}

/// What a subject was detected as, for the Issuer bundles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    /// A credential of a certification family: OB 3.0 or CLR 2.0.
    Of(Spec),
    /// Nothing recognised it (undecodable, or `unknown`): it may be a broken credential of either family.
    Unrecognised,
    /// Recognised as something else (an OB 2.0 or CLR 1.0 document …): no evidence about an OB 3.0 / CLR 2.0 issuer.
    Other,
}

fn family_of(subject: &Subject) -> Family {
    let Some(detected) = &subject.detected else {
        return Family::Unrecognised;
    };
    let kind = detected.kind.as_str();
    if kind.starts_with("ob30-") {
        Family::Of(Spec::Ob30)
    } else if kind.starts_with("clr20-") {
        Family::Of(Spec::Clr20)
    } else if kind == "unknown" {
        Family::Unrecognised
    } else {
        Family::Other
    }
}

impl Bundle {
    /// Whether the bundle is judged on `subject`'s results: whether the subject is evidence about a product in the
    /// bundle's role.
    ///
    /// - **Issuer**: credentials given to the harness as input (documents and the credentials embedded in them) of
    ///   the bundle's family, by their own detection or that of a credential they are nested in; an input nothing
    ///   recognised counts for both families, since it was given as an issuer's output, and one recognised as
    ///   another standard's (OB 2.0, CLR 1.0 …) for neither. Credentials a provider
    ///   returned are not evidence about an issuer (the harness cannot tell who issued them): the provider's own
    ///   "returned credentials verify" check judges them for its Host bundle.
    /// - **Host**: provider subjects.
    ///   API clients (consumer subjects) too: an Issuer with the API option is a Service Consumer (Write).
    /// - **Displayer**: verifier subjects (`clr-harness verifier`): validating a credential judges the issuer that
    ///   produced it, not a product that displays it.
    /// - **Host** also judges consumer subjects: a Host is a Service Consumer (Read) of other hosts.
    pub fn judges(&self, run: &Run, subject: &Subject) -> bool {
        match self.role {
            BundleRole::Host => matches!(subject.kind, SubjectKind::Provider | SubjectKind::Consumer),
            BundleRole::Displayer => subject.kind == SubjectKind::Verifier,
            BundleRole::Issuer if subject.kind == SubjectKind::Consumer => true,
            BundleRole::Issuer => {
                let chain = lineage(run, subject);
                let from_input = chain
                    .iter()
                    .all(|s| matches!(s.kind, SubjectKind::Document | SubjectKind::Embedded));
                let families: Vec<Family> = chain
                    .iter()
                    .map(|s| family_of(s))
                    .filter(|f| *f != Family::Unrecognised)
                    .collect();
                from_input && (families.is_empty() || families.contains(&Family::Of(self.family)))
            }
        }
    }

    /// What the subjects the bundle is judged on are, for verdict reasons: `1 provider subject and 1 API client`.
    fn judged_on(&self, judged: &[&Subject]) -> String {
        let clients = judged.iter().filter(|s| s.kind == SubjectKind::Consumer).count();
        let others = judged.len() - clients;
        let (one, many) = match self.role {
            BundleRole::Issuer => ("credential given as input", "credentials given as input"),
            BundleRole::Displayer => ("verifier", "verifiers"),
            BundleRole::Host => ("provider subject", "provider subjects"),
        };
        let mut parts = Vec::new();
        if others > 0 || clients == 0 {
            parts.push(format!("{others} {}", if others == 1 { one } else { many }));
        }
        if clients > 0 {
            parts.push(format!("{clients} API client{}", if clients == 1 { "" } else { "s" }));
        }
        parts.join(" and ")
    }

    /// Why nothing in the run is evidence for this bundle.
    fn not_exercised(&self) -> String {
        match self.role {
            BundleRole::Issuer => format!(
                "no {} credential was given as input (validate the issuer's credentials to test it); credentials \
                 a provider returns count for its Host bundle, not for an issuer, since the harness cannot tell who \
                 issued them",
                self.family.as_str()
            ),
            BundleRole::Displayer => "no verifier was graded in this run (`clr-harness verifier`): validating a \
                                      credential judges the issuer that produced it, not a product that displays it"
                .to_string(),
            BundleRole::Host => "no provider was tested in this run (`clr-harness run`)".to_string(),
        }
    }
}

/// The verdict of a bundle over a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum BundleVerdict {
    /// Every required check of the bundle was evaluated on a subject the bundle is judged on, none failed or
    /// errored, and no check was deselected (warnings and informational findings allowed; `--strict` already turned
    /// SHOULD violations into failures).
    Pass,
    /// At least one of its checks failed.
    Fail,
    /// None failed, but the harness could not run at least one: the verdict is unknown, not a pass.
    Error,
    /// None failed, but a pass is not shown: required checks were not evaluated ([`BundleResult::needed`]) or
    /// checks were deselected with `--only`/`--skip`.
    Incomplete,
    /// The run did not exercise the bundle's role: no subject it is judged on, none of its family's checks ran on
    /// one, or all of them were skipped or not applicable.
    NotTested,
}

impl BundleVerdict {
    pub fn as_str(self) -> &'static str {
        match self {
            BundleVerdict::Pass => "pass",
            BundleVerdict::Fail => "fail",
            BundleVerdict::Error => "error",
            BundleVerdict::Incomplete => "incomplete",
            BundleVerdict::NotTested => "not tested",
        }
    }

    /// CSS-friendly form (`not-tested`).
    pub fn slug(self) -> &'static str {
        match self {
            BundleVerdict::NotTested => "not-tested",
            other => other.as_str(),
        }
    }
}

/// A bundle's verdict over a run, with the numbers behind it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleResult {
    pub bundle: Bundle,
    pub verdict: BundleVerdict,
    /// Why, in one sentence.
    pub reason: String,
    /// How many subjects of the run the bundle was judged on ([`Bundle::judges`]).
    pub subjects: usize,
    /// Results of the bundle's checks on those subjects, by outcome.
    pub counts: Counts,
    /// Distinct checks of the bundle that have at least one result on those subjects.
    pub checks: usize,
    /// Ids of the bundle's checks that failed or errored on one of those subjects, in catalogue order.
    pub failing: Vec<String>,
    /// Ids of the bundle's required checks (normative or schema MUST) that the run holds but that were not evaluated
    /// on any of those subjects: skipped, or run on other subjects only. In catalogue order. With [`failing`], what
    /// the bundle still needs to pass. Empty when there is no subject to judge at all: that is what it needs first,
    /// and [`reason`] says so.
    ///
    /// [`failing`]: BundleResult::failing
    /// [`reason`]: BundleResult::reason
    pub needed: Vec<String>,
}

/// Whether a check must hold for a bundle to pass: a MUST the specification states. Inferred rules are never
/// reported above a warning, so they cannot hold a certification back either.
fn required(check: &CheckInfo) -> bool {
    check.level == Level::Must && check.source != RuleSource::Inferred
}

/// Whether an outcome shows the check judged the subject. Not applicable counts: the check looked and the subject
/// does not use what it governs (a Data Integrity credential has no VC-JWT header), which an issuer is free to do.
fn evaluated(outcome: Outcome) -> bool {
    matches!(
        outcome,
        Outcome::Pass | Outcome::Info | Outcome::Warn | Outcome::NotApplicable
    )
}

/// Evaluates every bundle of [`BUNDLES`] over the run. Results whose check is missing from `run.checks` cannot be
/// placed in a bundle and are left out.
pub fn evaluate(run: &Run) -> Vec<BundleResult> {
    BUNDLES.iter().map(|b| evaluate_one(run, *b)).collect()
}

fn evaluate_one(run: &Run, bundle: Bundle) -> BundleResult {
    let mut judged: Vec<&Subject> = run.subjects.iter().filter(|s| bundle.judges(run, s)).collect();
    // A Host is a provider first: an API client alone (a `consumer` run) says nothing about a Host, and the run
    // cannot tell whose client it graded.
    if bundle.role == BundleRole::Host && !judged.iter().any(|s| s.kind == SubjectKind::Provider) {
        judged.clear();
    }
    let mut outcomes: HashMap<&str, Vec<Outcome>> = HashMap::new();
    for r in judged.iter().flat_map(|s| &s.results) {
        outcomes.entry(r.check.as_str()).or_default().push(r.outcome);
    }
    let mut counts = Counts::default();
    let mut checks = 0;
    let mut own_family_ran = false;
    let mut failing = Vec::new();
    let mut needed = Vec::new();
    let graded_clients = judged.iter().any(|s| s.kind == SubjectKind::Consumer);
    for check in run.checks.iter().filter(|c| bundle.includes(c)) {
        let results = outcomes.get(check.id.as_str()).map_or(&[][..], Vec::as_slice);
        if !results.is_empty() {
            checks += 1;
            own_family_ran |= check.spec == bundle.family;
        }
        for &outcome in results {
            counts.add(outcome);
        }
        if results.iter().any(|o| matches!(o, Outcome::Fail | Outcome::Error)) {
            failing.push(check.id.clone());
        } else if required(check)
            && !results.iter().copied().any(evaluated)
            && (graded_clients || !bundle.needed_only_if_graded(check))
        {
            needed.push(check.id.clone());
        }
    }
    let on = bundle.judged_on(&judged);
    let deselected = !run.options.only.is_empty() || !run.options.skip.is_empty();
    let (verdict, reason) = if judged.is_empty() {
        // What it needs first is a subject to judge, which the reason names; listing every check would only repeat
        // the bundle.
        needed.clear();
        (BundleVerdict::NotTested, bundle.not_exercised())
    } else if !own_family_ran {
        needed.clear();
        (
            BundleVerdict::NotTested,
            format!("no {} check ran on the {on}", bundle.family.as_str()),
        )
    } else if counts.fail > 0 {
        (
            BundleVerdict::Fail,
            format!("{} of its checks failed or errored on the {on}", failing.len()),
        )
    } else if counts.error > 0 {
        (
            BundleVerdict::Error,
            format!(
                "the harness could not run {} of its checks on the {on}, so the verdict is unknown",
                failing.len()
            ),
        )
    } else if counts.pass + counts.warn + counts.info == 0 {
        (
            BundleVerdict::NotTested,
            format!("none of its checks judged anything on the {on}: all were skipped or not applicable"),
        )
    } else if !needed.is_empty() {
        let n = needed.len();
        let api = if !graded_clients
            && needed
                .iter()
                .any(|id| run.check(id).is_some_and(|c| c.area == "consumer"))
        {
            "; CLR 2.0 makes the API mandatory: grade the issuer's client with `clr-harness consumer`"
        } else {
            ""
        };
        (
            BundleVerdict::Incomplete,
            format!(
                "{n} required {} not evaluated on the {on} (skipped, or not run on them){api}",
                if n == 1 { "check was" } else { "checks were" }
            ),
        )
    } else if deselected {
        (
            BundleVerdict::Incomplete,
            "checks were deselected with --only/--skip: a bundle passes only on a run of all its checks".to_string(),
        )
    } else {
        (
            BundleVerdict::Pass,
            format!("every required check was evaluated on the {on} and none failed"),
        )
    };
    BundleResult {
        bundle,
        verdict,
        reason,
        subjects: judged.len(),
        counts,
        checks,
        failing,
        needed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::CheckResult;
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
    fn document_checks_go_to_the_issuer_of_their_family() {
        let ob = check("OB30-DM-006", Spec::Ob30, "data-model", DOC);
        assert_eq!(bundles_of(&ob), ["OB 3.0 Issuer"]);
        let clr = check("CLR20-DM-003", Spec::Clr20, "data-model", DOC);
        assert_eq!(bundles_of(&clr), ["CLR 2.0 Issuer"]);
        // A displayer is judged on its verdicts, not on the checks a document passes.
        let verifier_only = check("CLR20-VER-001", Spec::Clr20, "verification", &[Role::Verifier]);
        assert!(bundles_of(&verifier_only).is_empty());
    }

    #[test]
    fn verdict_checks_go_to_the_displayers_and_client_checks_to_issuers_and_hosts() {
        let verdict = check("OB30-VERDICT-001", Spec::Ob30, "verifier", &[Role::Verifier]);
        assert_eq!(bundles_of(&verdict), ["OB 3.0 Displayer", "CLR 2.0 Displayer"]);
        let clr_verdict = check("CLR20-VERDICT-001", Spec::Clr20, "verifier", &[Role::Verifier]);
        assert_eq!(bundles_of(&clr_verdict), ["CLR 2.0 Displayer"]);
        let client = check("OAUTH-CLIENT-002", Spec::OAuth, "consumer", &[Role::Consumer]);
        assert_eq!(
            bundles_of(&client),
            ["OB 3.0 Issuer", "OB 3.0 Host", "CLR 2.0 Issuer", "CLR 2.0 Host"]
        );
        let upsert = check("API-CLIENT-002", Spec::Ob30, "consumer", &[Role::Consumer]);
        assert_eq!(
            bundles_of(&upsert),
            ["OB 3.0 Issuer", "CLR 2.0 Issuer"],
            "upserting is the Write side"
        );
    }

    #[test]
    fn ob_proof_and_format_rules_also_bind_clr_products() {
        for area in ["proof", "format"] {
            let c = check("OB30-PRF-005", Spec::Ob30, area, DOC);
            assert_eq!(bundles_of(&c), ["OB 3.0 Issuer", "CLR 2.0 Issuer"], "{area}");
        }
        let vc = check("VC-001", Spec::Vc, "data-model", DOC);
        assert_eq!(bundles_of(&vc).len(), 2, "the VC data model underlies both families");
        let schema = check("OB30-SCHEMA-001", Spec::Ob30, "schema", DOC);
        assert_eq!(bundles_of(&schema), ["OB 3.0 Issuer"]);
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

    fn by_name(run: &Run, name: &str) -> BundleResult {
        evaluate(run)
            .into_iter()
            .find(|r| r.bundle.name == name)
            .expect("bundle exists")
    }

    #[test]
    fn verdicts_follow_the_worst_result_on_the_subjects_a_bundle_judges() {
        let run = sample_run();
        // OB 3.0 Issuer: the OB badge and the OB credential nested in the CLR, not the CLR itself.
        let ob = by_name(&run, "OB 3.0 Issuer");
        assert_eq!(ob.verdict, BundleVerdict::Fail);
        assert_eq!(ob.subjects, 2);
        assert_eq!(ob.failing, ["OB30-DM-006"]);
        // OB30-DM-006 ×2 fail, DM-010 pass, DM-020 warn, FMT-001 info, SC-001 ×2 skip, ST-001 n/a, PR-002 skip.
        assert_eq!(
            (ob.counts.fail, ob.counts.pass, ob.counts.error, ob.counts.skip),
            (2, 1, 0, 3)
        );
        assert_eq!(ob.checks, 7);
        assert_eq!(
            ob.needed,
            ["OB30-SC-001", "OB30-PR-002"],
            "MUSTs that were only skipped"
        );

        // The CLR bundle judges the CLR and its nested credential: CLR20-DM-003 (pass) and the shared proof/format
        // checks (error, info).
        let clr = by_name(&run, "CLR 2.0 Issuer");
        assert_eq!(clr.verdict, BundleVerdict::Error);
        assert_eq!(clr.failing, ["OB30-PR-002"]);
        assert_eq!(clr.checks, 3);
        assert!(clr.needed.is_empty(), "{:?}", clr.needed);
    }

    fn doc(id: &str, kind: SubjectKind, detected: Option<&str>, results: &[(&str, Outcome)]) -> Subject {
        Subject {
            id: id.into(),
            kind,
            name: id.into(),
            source: id.into(),
            parent: None,
            scope: None,
            layers: vec![],
            detected: detected.map(|kind| crate::model::Detection {
                label: kind.into(),
                kind: kind.into(),
                vcdm: None,
                reason: String::new(),
            }),
            outcome: Outcome::Pass,
            unverified: None,
            results: results
                .iter()
                .map(|&(check, outcome)| CheckResult {
                    check: check.into(),
                    outcome,
                    note: None,
                    findings: vec![],
                })
                .collect(),
        }
    }

    fn catalogue() -> Vec<CheckInfo> {
        let provider = &[Role::Provider];
        vec![
            check("OB30-DM-010", Spec::Ob30, "data-model", DOC),
            check("OB30-SCHEMA-001", Spec::Ob30, "schema", DOC),
            check("OB30-PRF-005", Spec::Ob30, "proof", DOC),
            check("OB30-API-004", Spec::Ob30, "api", provider),
            check("OB30-API-009", Spec::Ob30, "api", provider),
            check("OAUTH-PKCE-001", Spec::OAuth, "oauth", provider),
        ]
    }

    const PASSING_DOCUMENT: &[(&str, Outcome)] = &[
        ("OB30-DM-010", Outcome::Pass),
        ("OB30-SCHEMA-001", Outcome::Pass),
        ("OB30-PRF-005", Outcome::Pass),
    ];

    /// A provider whose API and OAuth checks pass, and a credential it returned that passes every document check.
    fn provider_only_run() -> Run {
        let mut run = sample_run();
        run.checks = catalogue();
        let provider = doc(
            "provider-ob30",
            SubjectKind::Provider,
            None,
            &[
                ("OB30-API-004", Outcome::Pass),
                ("OB30-API-009", Outcome::Pass),
                ("OAUTH-PKCE-001", Outcome::Pass),
            ],
        );
        let mut returned = doc(
            "ob30-received-1",
            SubjectKind::Document,
            Some("ob30-achievement-credential"),
            PASSING_DOCUMENT,
        );
        returned.parent = Some(provider.id.clone());
        let mut nested = doc(
            "ob30-received-1/vc-0",
            SubjectKind::Embedded,
            Some("ob30-endorsement-credential"),
            PASSING_DOCUMENT,
        );
        nested.parent = Some(returned.id.clone());
        run.subjects = vec![provider, returned, nested];
        run
    }

    #[test]
    fn a_provider_only_run_tests_the_host_and_no_issuer_or_displayer() {
        let run = provider_only_run();
        let host = by_name(&run, "OB 3.0 Host");
        assert_eq!((host.verdict, host.subjects, host.checks), (BundleVerdict::Pass, 1, 3));
        for name in ["OB 3.0 Issuer", "CLR 2.0 Issuer"] {
            let issuer = by_name(&run, name);
            assert_eq!(
                (issuer.verdict, issuer.subjects, issuer.checks),
                (BundleVerdict::NotTested, 0, 0),
                "credentials a provider returned are no evidence about an issuer: {issuer:?}"
            );
            assert!(
                issuer.reason.contains("cannot tell who issued them"),
                "{}",
                issuer.reason
            );
            assert!(issuer.needed.is_empty(), "the reason says what it needs: {issuer:?}");
        }
        for name in ["OB 3.0 Displayer", "CLR 2.0 Displayer"] {
            let displayer = by_name(&run, name);
            assert_eq!(displayer.verdict, BundleVerdict::NotTested, "{displayer:?}");
            assert!(
                displayer.reason.contains("no verifier was graded"),
                "{}",
                displayer.reason
            );
        }
        // The provider serves no CLR API: its OAuth results alone do not test a CLR 2.0 Host.
        let clr_host = by_name(&run, "CLR 2.0 Host");
        assert_eq!(clr_host.verdict, BundleVerdict::NotTested, "{clr_host:?}");
        assert_eq!(clr_host.reason, "no CLR 2.0 check ran on the 1 provider subject");
    }

    /// The catalogue with an API-client check and two verdict checks (one per family).
    fn catalogue_with_clients_and_verifiers() -> Vec<CheckInfo> {
        let mut checks = catalogue();
        checks.push(check("OAUTH-CLIENT-002", Spec::OAuth, "consumer", &[Role::Consumer]));
        checks.push(check("OB30-VERDICT-001", Spec::Ob30, "verifier", &[Role::Verifier]));
        checks.push(check("CLR20-VERDICT-001", Spec::Clr20, "verifier", &[Role::Verifier]));
        checks
    }

    #[test]
    fn an_api_client_alone_tests_no_host() {
        let mut run = sample_run();
        run.checks = catalogue_with_clients_and_verifiers();
        run.checks
            .push(check("API-CLIENT-001", Spec::Ob30, "consumer", &[Role::Consumer]));
        run.subjects = vec![doc(
            "consumer",
            SubjectKind::Consumer,
            None,
            &[("OAUTH-CLIENT-002", Outcome::Pass), ("API-CLIENT-001", Outcome::Pass)],
        )];
        for name in ["OB 3.0 Host", "CLR 2.0 Host"] {
            let host = by_name(&run, name);
            assert_eq!((host.verdict, host.subjects), (BundleVerdict::NotTested, 0), "{host:?}");
            assert!(host.reason.contains("no provider was tested"), "{}", host.reason);
        }
        // The OB 3.0 Issuer is judged on the client, but its document checks did not run: not a pass.
        assert_ne!(by_name(&run, "OB 3.0 Issuer").verdict, BundleVerdict::Pass);
    }

    #[test]
    fn a_graded_verifier_tests_the_displayers() {
        let mut run = sample_run();
        run.checks = catalogue_with_clients_and_verifiers();
        run.subjects = vec![doc(
            "verifier",
            SubjectKind::Verifier,
            None,
            &[
                ("OB30-VERDICT-001", Outcome::Pass),
                ("CLR20-VERDICT-001", Outcome::Warn),
            ],
        )];
        for name in ["OB 3.0 Displayer", "CLR 2.0 Displayer"] {
            let displayer = by_name(&run, name);
            assert_eq!(
                (displayer.verdict, displayer.subjects),
                (BundleVerdict::Pass, 1),
                "{displayer:?}"
            );
            assert_eq!(
                displayer.reason,
                "every required check was evaluated on the 1 verifier and none failed"
            );
        }
        run.subjects[0].results[0].outcome = Outcome::Fail;
        assert_eq!(by_name(&run, "CLR 2.0 Displayer").failing, ["OB30-VERDICT-001"]);
        for name in ["OB 3.0 Issuer", "OB 3.0 Host"] {
            assert_eq!(by_name(&run, name).verdict, BundleVerdict::NotTested, "{name}");
        }
    }

    #[test]
    fn a_clr_issuer_needs_its_api_client_graded_and_an_ob_issuer_may_add_it() {
        let mut run = sample_run();
        run.checks = catalogue_with_clients_and_verifiers();
        run.checks.push(check("CLR20-DM-003", Spec::Clr20, "data-model", DOC));
        let clr = doc(
            "doc-1",
            SubjectKind::Document,
            Some("clr20-clr-credential"),
            &[("CLR20-DM-003", Outcome::Pass), ("OB30-PRF-005", Outcome::Pass)],
        );
        let ob = doc(
            "doc-2",
            SubjectKind::Document,
            Some("ob30-achievement-credential"),
            PASSING_DOCUMENT,
        );
        run.subjects = vec![clr, ob];
        let clr_issuer = by_name(&run, "CLR 2.0 Issuer");
        assert_eq!(clr_issuer.verdict, BundleVerdict::Incomplete, "{clr_issuer:?}");
        assert_eq!(clr_issuer.needed, ["OAUTH-CLIENT-002"]);
        assert!(
            clr_issuer.reason.contains("`clr-harness consumer`"),
            "{}",
            clr_issuer.reason
        );
        assert_eq!(
            by_name(&run, "OB 3.0 Issuer").verdict,
            BundleVerdict::Pass,
            "the API is an add-on for an OB 3.0 Issuer"
        );

        // The client graded in the same run: both issuers are judged on it too.
        run.subjects.push(doc(
            "consumer",
            SubjectKind::Consumer,
            None,
            &[("OAUTH-CLIENT-002", Outcome::Pass)],
        ));
        let clr_issuer = by_name(&run, "CLR 2.0 Issuer");
        assert_eq!(clr_issuer.verdict, BundleVerdict::Pass, "{clr_issuer:?}");
        assert_eq!(
            clr_issuer.reason,
            "every required check was evaluated on the 1 credential given as input and 1 API client and none failed"
        );
        run.subjects[2].results[0].outcome = Outcome::Fail;
        for name in ["OB 3.0 Issuer", "CLR 2.0 Issuer"] {
            assert_eq!(by_name(&run, name).failing, ["OAUTH-CLIENT-002"], "{name}");
        }
        // Without a provider in the run, the client is no evidence about a Host.
        assert_eq!(by_name(&run, "OB 3.0 Host").verdict, BundleVerdict::NotTested);
    }

    #[test]
    fn a_document_only_run_tests_no_host_and_no_displayer() {
        let mut run = sample_run();
        run.checks = catalogue();
        run.subjects = vec![doc(
            "doc-1",
            SubjectKind::Document,
            Some("ob30-achievement-credential"),
            PASSING_DOCUMENT,
        )];
        let issuer = by_name(&run, "OB 3.0 Issuer");
        assert_eq!(issuer.verdict, BundleVerdict::Pass, "{issuer:?}");
        assert_eq!(
            issuer.reason,
            "every required check was evaluated on the 1 credential given as input and none failed"
        );
        for name in ["OB 3.0 Host", "CLR 2.0 Host"] {
            let host = by_name(&run, name);
            assert_eq!(host.verdict, BundleVerdict::NotTested, "{host:?}");
            assert!(host.reason.contains("no provider was tested"), "{}", host.reason);
        }
        assert_eq!(by_name(&run, "OB 3.0 Displayer").verdict, BundleVerdict::NotTested);
        // An OB badge passes the proof rules CLR products share, but it is not a CLR: no CLR 2.0 Issuer verdict.
        let clr = by_name(&run, "CLR 2.0 Issuer");
        assert_eq!(clr.verdict, BundleVerdict::NotTested, "{clr:?}");
        assert!(
            clr.reason.contains("no CLR 2.0 credential was given as input"),
            "{}",
            clr.reason
        );
    }

    #[test]
    fn a_required_check_that_was_only_skipped_keeps_the_bundle_incomplete() {
        let mut run = sample_run();
        run.checks = catalogue();
        let skipped = [
            ("OB30-DM-010", Outcome::Pass),
            ("OB30-SCHEMA-001", Outcome::Skip),
            ("OB30-PRF-005", Outcome::NotApplicable),
        ];
        run.subjects = vec![doc(
            "doc-1",
            SubjectKind::Document,
            Some("ob30-achievement-credential"),
            &skipped,
        )];
        let ob = by_name(&run, "OB 3.0 Issuer");
        assert_eq!(ob.verdict, BundleVerdict::Incomplete);
        assert_eq!(ob.needed, ["OB30-SCHEMA-001"], "not applicable counts as evaluated");
        assert_eq!(
            ob.reason,
            "1 required check was not evaluated on the 1 credential given as input (skipped, or not run on them)"
        );

        // Evaluated on another input credential: the bundle has seen the rule judged.
        run.subjects.push(doc(
            "doc-2",
            SubjectKind::Document,
            Some("ob30-achievement-credential"),
            PASSING_DOCUMENT,
        ));
        assert_eq!(by_name(&run, "OB 3.0 Issuer").verdict, BundleVerdict::Pass);

        // Deselected checks may be required ones the run cannot name.
        run.options.skip = vec!["OB30-END".into()];
        let ob = by_name(&run, "OB 3.0 Issuer");
        assert_eq!(ob.verdict, BundleVerdict::Incomplete);
        assert!(ob.reason.contains("--only/--skip"), "{}", ob.reason);
    }

    #[test]
    fn an_unrecognised_input_counts_against_both_issuer_families() {
        let mut run = sample_run();
        run.checks = catalogue();
        run.subjects = vec![doc(
            "doc-1",
            SubjectKind::Document,
            Some("unknown"),
            &[("OB30-DM-010", Outcome::Fail), ("OB30-PRF-005", Outcome::Fail)],
        )];
        let ob = by_name(&run, "OB 3.0 Issuer");
        assert_eq!((ob.verdict, ob.failing.len()), (BundleVerdict::Fail, 2));
        // No CLR 2.0 check ran on it, so it says nothing about a CLR issuer.
        assert_eq!(by_name(&run, "CLR 2.0 Issuer").verdict, BundleVerdict::NotTested);

        // A document recognised as another standard's is no evidence about an OB 3.0 or CLR 2.0 issuer.
        run.subjects[0].detected = run.subjects[0].detected.take().map(|d| crate::model::Detection {
            kind: "unsupported".into(),
            ..d
        });
        let ob = by_name(&run, "OB 3.0 Issuer");
        assert_eq!((ob.verdict, ob.subjects), (BundleVerdict::NotTested, 0));
    }

    #[test]
    fn passing_needs_a_check_that_ran() {
        let mut run = sample_run();
        run.checks = vec![check("CLR20-DM-003", Spec::Clr20, "data-model", DOC)];
        run.subjects = vec![doc(
            "s",
            SubjectKind::Document,
            None,
            &[("CLR20-DM-003", Outcome::Skip)],
        )];
        assert_eq!(evaluate(&run)[3].verdict, BundleVerdict::NotTested);
        run.subjects.push(doc(
            "t",
            SubjectKind::Document,
            None,
            &[("CLR20-DM-003", Outcome::Warn)],
        ));
        let clr = &evaluate(&run)[3];
        assert_eq!((clr.verdict, clr.checks, clr.counts.warn), (BundleVerdict::Pass, 1, 1));
    }
}
