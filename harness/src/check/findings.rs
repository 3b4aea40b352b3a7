//! One findings collector for every kind of check — document, proof, provider and OAuth alike.
//!
//! A [`Collector`] gathers what one check observed and owns the rules that turn observations into a verdict, so no
//! check chooses a severity by hand:
//! - **level → outcome**: a violation of a MUST is a Fail; of a SHOULD, or of a rule the digests mark as inferred, a
//!   Warn; of an INFO rule, an Info ([`violation_outcome`]);
//! - **`--strict`**: every Warn becomes a Fail (SHOULD-level violations and inferred rules count as failures);
//! - **no pass without evidence**: a check passes only when it was evaluated and found nothing. One that could not
//!   observe what it requires is a Skip with the reason ([`Collector::undetermined`]); one the harness could not
//!   complete is an Error; one nothing reached is a Skip saying so.

use clr_reports::{CheckResult, Evidence, Finding, Level, Outcome, RuleSource, fold_outcome};

use crate::check::Check;

/// Findings one check keeps per subject; the rest are counted in one last finding. A hostile document can make
/// every array item a violation, and the reader needs the first few and the count, not thirty thousand copies.
pub const MAX_FINDINGS_PER_CHECK: usize = 50;

/// The outcome a violation of `check` gets: MUST → Fail; SHOULD, or a rule the digests mark as inferred → Warn;
/// INFO → Info.
pub const fn violation_outcome(check: &Check) -> Outcome {
    violation_outcome_at(check, check.level)
}

/// The outcome a violation of one part of `check` gets when the spec states that part at `level` (a VC-JWT header
/// check whose `typ` rule is only informational): the weaker of that level and the check's own, then the rule above.
pub const fn violation_outcome_at(check: &Check, level: Level) -> Outcome {
    let level = match (level, check.level) {
        (Level::Info, _) | (_, Level::Info) => Level::Info,
        (Level::Should, _) | (_, Level::Should) => Level::Should,
        (Level::Must, Level::Must) => Level::Must,
    };
    match (level, check.source) {
        (Level::Must, RuleSource::Inferred) | (Level::Should, _) => Outcome::Warn,
        (Level::Must, _) => Outcome::Fail,
        (Level::Info, _) => Outcome::Info,
    }
}

/// What one check observed, on one subject.
#[derive(Debug, Clone)]
pub struct Collector {
    check: &'static Check,
    findings: Vec<Finding>,
    evaluated: bool,
    not_applicable: Option<String>,
    /// Not reached, for this reason (a step it needed failed); an evaluation later still passes.
    not_reached: Option<String>,
    /// Evaluated without observing what the check requires: never a pass, whatever else happened.
    undetermined: Option<String>,
    error: Option<String>,
    /// Findings past [`MAX_FINDINGS_PER_CHECK`]: counted with their worst outcome, never stored, so a document that
    /// makes millions of violations costs a counter, not millions of findings.
    overflow: usize,
    overflow_worst: Option<Outcome>,
    /// Where the details of an uncounted finding go (and are dropped).
    scratch: Finding,
}

impl Collector {
    /// A collector for a check that has not been evaluated yet.
    pub fn new(check: &'static Check) -> Self {
        Collector {
            check,
            findings: Vec::new(),
            evaluated: false,
            not_applicable: None,
            not_reached: None,
            undetermined: None,
            error: None,
            overflow: 0,
            overflow_worst: None,
            scratch: Finding::new(Outcome::Info, String::new()),
        }
    }

    pub fn check(&self) -> &'static Check {
        self.check
    }

    /// The check observed what it requires (with or without findings).
    pub fn evaluated(&mut self) {
        self.evaluated = true;
    }

    /// A violation of the check's requirement; the outcome follows the check's level.
    pub fn violation(&mut self, message: impl Into<String>) -> FindingMut<'_> {
        self.add(violation_outcome(self.check), message.into())
    }

    /// A lesser observation under a MUST check (its SHOULD part): a warning whatever the check's level.
    pub fn warning(&mut self, message: impl Into<String>) -> FindingMut<'_> {
        let outcome = match violation_outcome(self.check) {
            Outcome::Fail => Outcome::Warn,
            o => o,
        };
        self.add(outcome, message.into())
    }

    /// Something worth knowing that is not a violation.
    pub fn note(&mut self, message: impl Into<String>) -> FindingMut<'_> {
        self.add(Outcome::Info, message.into())
    }

    /// A finding made elsewhere (a verifier's result), keeping its own outcome.
    pub fn push(&mut self, finding: Finding) -> FindingMut<'_> {
        self.evaluated = true;
        if self.findings.len() >= MAX_FINDINGS_PER_CHECK {
            self.overflow += 1;
            let worst = match self.overflow_worst {
                Some(w) if w.rank() >= finding.outcome.rank() => w,
                _ => finding.outcome,
            };
            self.overflow_worst = Some(worst);
            self.scratch = finding;
            return FindingMut(&mut self.scratch);
        }
        self.findings.push(finding);
        let last = self.findings.len() - 1;
        FindingMut(&mut self.findings[last])
    }

    fn add(&mut self, outcome: Outcome, message: String) -> FindingMut<'_> {
        self.push(Finding::new(outcome, message))
    }

    /// The check does not apply (the subject lacks what it is about, or the provider does not claim it).
    pub fn not_applicable(&mut self, why: impl Into<String>) {
        self.not_applicable.get_or_insert_with(|| why.into());
    }

    /// The check was not reached for this reason (not the subject's fault); the first reason given is kept.
    pub fn not_reached(&mut self, why: impl Into<String>) {
        self.not_reached.get_or_insert_with(|| why.into());
    }

    /// The check could not observe what it requires (a fetch the policy forbids, a key that was not resolved): a Skip
    /// with the reason, even if it was evaluated, never a pass.
    pub fn undetermined(&mut self, why: impl Into<String>) {
        self.undetermined = Some(why.into());
    }

    /// The harness could not complete the check (no response, a timeout, the budget): an Error, never a Fail.
    pub fn error(&mut self, why: impl Into<String>) {
        self.error.get_or_insert_with(|| why.into());
    }

    /// Has the check a Fail or Warn finding so far?
    pub fn has_violation(&self) -> bool {
        self.findings
            .iter()
            .map(|f| f.outcome)
            .chain(self.overflow_worst)
            .any(|o| matches!(o, Outcome::Fail | Outcome::Warn))
    }

    /// How many findings so far (to stop after a first, more basic, problem).
    pub fn findings_len(&self) -> usize {
        self.findings.len()
    }

    /// The findings, to add what only the caller knows (source positions).
    pub fn findings_mut(&mut self) -> &mut [Finding] {
        &mut self.findings
    }

    /// The check's result. `strict` turns every warning into a failure.
    pub fn result(&self, strict: bool) -> CheckResult {
        let mut findings = self.findings.clone();
        cap_findings(&mut findings);
        if let Some(worst) = self.overflow_worst {
            findings.push(Finding::new(
                worst,
                format!(
                    "… and {} more findings of this check (the first {MAX_FINDINGS_PER_CHECK} are shown)",
                    self.overflow
                ),
            ));
        }
        if strict {
            for f in &mut findings {
                if f.outcome == Outcome::Warn {
                    f.outcome = Outcome::Fail;
                }
            }
        }
        let (outcome, note) = if !findings.is_empty() {
            let folded = fold_outcome(&findings);
            match &self.error {
                Some(e) if folded.rank() <= Outcome::Error.rank() => (Outcome::Error, Some(e.clone())),
                _ => (folded, None),
            }
        } else if let Some(e) = &self.error {
            (Outcome::Error, Some(e.clone()))
        } else if let Some(why) = &self.undetermined {
            (Outcome::Skip, Some(why.clone()))
        } else if self.evaluated {
            (Outcome::Pass, None)
        } else if let Some(why) = &self.not_applicable {
            (Outcome::NotApplicable, Some(why.clone()))
        } else {
            let why = self
                .not_reached
                .clone()
                .unwrap_or_else(|| "not reached: a step this check needs did not complete".into());
            (Outcome::Skip, Some(why))
        };
        CheckResult {
            check: self.check.id.to_string(),
            outcome,
            note,
            findings,
        }
    }
}

/// The result of a check that could not observe what it requires: a Skip with the reason.
pub fn undetermined(check: &'static Check, why: impl Into<String>) -> CheckResult {
    let mut c = Collector::new(check);
    c.undetermined(why);
    c.result(false)
}

/// The result of a check that does not apply.
pub fn not_applicable(check: &'static Check, why: impl Into<String>) -> CheckResult {
    let mut c = Collector::new(check);
    c.not_applicable(why);
    c.result(false)
}

/// Keeps the first [`MAX_FINDINGS_PER_CHECK`] findings and says how many more there were, with the worst outcome
/// among them, so the check's verdict is unchanged.
pub fn cap_findings(findings: &mut Vec<Finding>) {
    if findings.len() <= MAX_FINDINGS_PER_CHECK {
        return;
    }
    let rest = findings.split_off(MAX_FINDINGS_PER_CHECK);
    let outcome = fold_outcome(&rest);
    findings.push(Finding::new(
        outcome,
        format!(
            "… and {} more findings of this check (the first {MAX_FINDINGS_PER_CHECK} are shown)",
            rest.len()
        ),
    ));
}

/// Adds detail to a finding just collected.
pub struct FindingMut<'a>(&'a mut Finding);

impl FindingMut<'_> {
    pub fn expected(self, expected: impl Into<String>) -> Self {
        self.0.expected = Some(expected.into());
        self
    }

    pub fn found(self, actual: impl Into<String>) -> Self {
        self.0.actual = Some(actual.into());
        self
    }

    /// Records the JSON value found, abbreviated.
    pub fn found_value(self, v: &serde_json::Value) -> Self {
        self.found(crate::json::show(v))
    }

    /// Where in an HTTP exchange: e.g. `GET /ims/ob/v3p0/credentials → header X-Total-Count`.
    pub fn at(self, http: impl Into<String>) -> Self {
        self.0.location.http = Some(http.into());
        self
    }

    /// Where, in full (a nested credential's place in its parent).
    pub fn located(self, location: clr_reports::Location) -> Self {
        self.0.location = location;
        self
    }

    /// Where in a JSON document (an escaped JSON pointer).
    pub fn pointer(self, p: impl Into<String>) -> Self {
        self.0.location.pointer = Some(p.into());
        self
    }

    /// The id of a recorded HTTP exchange behind the finding (once each).
    pub fn exchange(self, id: &str) -> Self {
        if !id.is_empty() && !self.0.exchanges.iter().any(|e| e == id) {
            self.0.exchanges.push(id.to_string());
        }
        self
    }

    /// Ids of the recorded HTTP exchanges behind the finding.
    pub fn exchanges(self, ids: Vec<String>) -> Self {
        ids.iter().fold(self, |f, id| f.exchange(id))
    }

    pub fn hint(self, hint: impl Into<String>) -> Self {
        self.0.hint = Some(hint.into());
        self
    }

    pub fn evidence(self, label: impl Into<String>, value: impl Into<String>) -> Self {
        self.0.evidence.push(Evidence {
            label: label.into(),
            value: value.into(),
        });
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::Family;
    use crate::api::checks::ApiRule;
    use crate::catalogue::ids;

    #[test]
    fn a_part_of_a_check_is_judged_at_the_weaker_of_the_two_levels() {
        let must = &ids::OB30_JWT_001;
        let should = &ids::OB30_JWT_002;
        assert_eq!(violation_outcome_at(must, Level::Must), Outcome::Fail);
        assert_eq!(violation_outcome_at(must, Level::Should), Outcome::Warn);
        assert_eq!(violation_outcome_at(must, Level::Info), Outcome::Info);
        assert_eq!(violation_outcome_at(should, Level::Must), Outcome::Warn);
        assert_eq!(violation_outcome(must), Outcome::Fail);
        let inferred = Check {
            source: RuleSource::Inferred,
            ..*must
        };
        assert_eq!(violation_outcome_at(&inferred, Level::Must), Outcome::Warn);
    }

    #[test]
    fn outcomes_follow_level_and_evaluation() {
        let mut pass = Collector::new(&ids::OAUTH_DCR_001);
        pass.evaluated();
        assert_eq!(pass.result(false).outcome, Outcome::Pass);

        let mut must = Collector::new(ApiRule::DiscoveryFields.of(Family::Ob30));
        must.violation("missing info.title").exchange("api-1");
        let failed = must.result(false);
        assert_eq!(failed.outcome, Outcome::Fail);
        assert_eq!(failed.findings[0].exchanges, ["api-1"]);

        let mut should = Collector::new(ApiRule::Since.of(Family::Ob30));
        should.violation("since ignored");
        assert_eq!(should.result(false).outcome, Outcome::Warn);
        assert_eq!(should.result(true).outcome, Outcome::Fail, "--strict");

        let mut inferred = Collector::new(ApiRule::DiscoveryFields.of(Family::Clr20));
        inferred.violation("missing info.title");
        assert_eq!(
            inferred.result(false).outcome,
            Outcome::Warn,
            "CLR API rules are inferred"
        );
        assert_eq!(
            inferred.result(true).outcome,
            Outcome::Fail,
            "--strict counts inferred rules"
        );

        let mut part = Collector::new(&ids::OB30_DM_005);
        part.warning("the SHOULD part of a MUST rule");
        assert_eq!(part.result(false).outcome, Outcome::Warn);
        assert_eq!(part.result(true).outcome, Outcome::Fail);

        let mut na = Collector::new(&ids::OAUTH_REVOKE_001);
        na.not_applicable("no revocation endpoint");
        assert_eq!(na.result(false).outcome, Outcome::NotApplicable);

        let mut error = Collector::new(ApiRule::ListShape.of(Family::Ob30));
        error.error("timeout");
        assert_eq!(error.result(false).outcome, Outcome::Error);

        let untouched = Collector::new(ApiRule::ReturnedVerify.of(Family::Ob30)).result(false);
        assert_eq!(untouched.outcome, Outcome::Skip);
        assert!(untouched.note.is_some_and(|n| n.contains("not reached")));
    }

    #[test]
    fn undetermined_is_never_a_pass() {
        let mut c = Collector::new(ApiRule::ReturnedVerify.of(Family::Ob30));
        c.evaluated();
        c.undetermined("a returned credential's key was not fetched");
        c.evaluated();
        let r = c.result(false);
        assert_eq!(r.outcome, Outcome::Skip);
        assert!(r.note.is_some_and(|n| n.contains("not fetched")));
        // A document check that could not observe (a forbidden fetch) skips even though it ran.
        let mut doc = Collector::new(&ids::OB30_PRF_004);
        doc.evaluated();
        doc.undetermined("fetching is off");
        assert_eq!(doc.result(false).outcome, Outcome::Skip);
    }

    #[test]
    fn findings_are_capped_without_changing_the_verdict() {
        let mut c = Collector::new(&ids::OB30_DM_005);
        for i in 0..MAX_FINDINGS_PER_CHECK {
            c.note(format!("note {i}"));
        }
        c.violation("the one that matters comes last");
        let r = c.result(false);
        assert_eq!(r.findings.len(), MAX_FINDINGS_PER_CHECK + 1);
        assert_eq!(r.outcome, Outcome::Fail);
    }
}
