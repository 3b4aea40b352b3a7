//! Collects what the provider run observed, check by check, and turns it into [`CheckResult`]s.
//!
//! A provider check is decided by several requests spread over the run, so findings accumulate per check id.
//! A check nobody evaluated is a Skip with the reason the run gave (a step it needed failed), never a pass.

use std::collections::BTreeMap;

use clr_reports::{CheckResult, Evidence, Finding, Location, Outcome, fold_outcome};

use crate::catalogue;

#[derive(Debug, Default)]
struct Slot {
    evaluated: bool,
    findings: Vec<Finding>,
    not_applicable: Option<String>,
    skipped: Option<String>,
    error: Option<String>,
}

/// Findings per check id.
#[derive(Debug, Default)]
pub struct Recorder {
    slots: BTreeMap<String, Slot>,
    /// Checks that sent a request in the step under way (see [`Recorder::interrupt_in_flight`]).
    in_flight: std::collections::BTreeSet<String>,
}

/// The outcome a violation of `id` gets, as for document checks ([`crate::checks::violation_outcome`]).
fn violation_outcome(id: &str) -> Outcome {
    catalogue::get(id).map_or(Outcome::Fail, crate::checks::violation_outcome)
}

impl Recorder {
    fn slot(&mut self, id: &str) -> &mut Slot {
        self.slots.entry(id.to_string()).or_default()
    }

    /// `id` sends a request in the step under way.
    pub fn begin(&mut self, id: &str) {
        self.in_flight.insert(id.to_string());
    }

    /// The step under way finished: its checks sent everything they meant to.
    pub fn settle_in_flight(&mut self) {
        self.in_flight.clear();
    }

    /// The step under way was cut short (the run's time budget): every check it had begun and not yet found
    /// violated is an Error with `why`, never a pass on the probes that happened to be sent.
    pub fn interrupt_in_flight(&mut self, why: &str) {
        self.interrupt_in_flight_with(|_| why.to_string());
    }

    /// [`Recorder::interrupt_in_flight`] with a reason per check.
    pub fn interrupt_in_flight_with(&mut self, why: impl Fn(&str) -> String) {
        for id in std::mem::take(&mut self.in_flight) {
            if !self.has_violation(&id) {
                let reason = why(&id);
                self.error(&id, reason);
            }
        }
    }

    /// The check was evaluated (with or without findings).
    pub fn evaluated(&mut self, id: &str) {
        self.slot(id).evaluated = true;
    }

    /// A violation of `id`'s requirement.
    pub fn violation(&mut self, id: &str, message: impl Into<String>) -> FindingRef<'_> {
        let outcome = violation_outcome(id);
        self.push(id, outcome, message.into())
    }

    /// A lesser observation under a MUST check (its SHOULD part): a warning whatever the check's level.
    pub fn warning(&mut self, id: &str, message: impl Into<String>) -> FindingRef<'_> {
        let outcome = match violation_outcome(id) {
            Outcome::Fail => Outcome::Warn,
            o => o,
        };
        self.push(id, outcome, message.into())
    }

    fn push(&mut self, id: &str, outcome: Outcome, message: String) -> FindingRef<'_> {
        let slot = self.slot(id);
        slot.evaluated = true;
        slot.findings.push(Finding {
            outcome,
            message,
            location: Location::default(),
            expected: None,
            actual: None,
            evidence: Vec::new(),
            exchanges: Vec::new(),
            hint: None,
        });
        let last = slot.findings.len() - 1;
        FindingRef(&mut slot.findings[last])
    }

    /// The check does not apply to this provider (it does not claim the capability).
    pub fn not_applicable(&mut self, id: &str, why: impl Into<String>) {
        self.slot(id).not_applicable.get_or_insert_with(|| why.into());
    }

    /// The check could not be run for a reason that is not the provider's fault.
    pub fn skip(&mut self, id: &str, why: impl Into<String>) {
        self.slot(id).skipped.get_or_insert_with(|| why.into());
    }

    /// The check ran but could not observe what it requires (e.g. a returned credential whose key was not fetched):
    /// a Skip with the reason even if it was marked evaluated, never a pass.
    pub fn undetermined(&mut self, id: &str, why: impl Into<String>) {
        let slot = self.slot(id);
        slot.evaluated = false;
        slot.skipped = Some(why.into());
    }

    /// The harness could not complete the check (no response, timeout): an Error, never a Fail.
    pub fn error(&mut self, id: &str, why: impl Into<String>) {
        self.slot(id).error.get_or_insert_with(|| why.into());
    }

    /// Has `id` any finding of outcome Fail or Warn so far?
    pub fn has_violation(&self, id: &str) -> bool {
        self.slots.get(id).is_some_and(|s| {
            s.findings
                .iter()
                .any(|f| matches!(f.outcome, Outcome::Fail | Outcome::Warn))
        })
    }

    /// The result of `id`. `strict` turns SHOULD warnings into failures.
    pub fn result(&self, id: &str, strict: bool) -> CheckResult {
        let empty = Slot::default();
        let slot = self.slots.get(id).unwrap_or(&empty);
        let mut findings = slot.findings.clone();
        crate::engine::cap_findings(&mut findings);
        if strict {
            for f in &mut findings {
                if f.outcome == Outcome::Warn {
                    f.outcome = Outcome::Fail;
                }
            }
        }
        let (outcome, note) = if !findings.is_empty() {
            let folded = fold_outcome(&findings);
            let errored = slot.error.is_some() && folded.rank() < Outcome::Error.rank();
            if errored {
                (Outcome::Error, slot.error.clone())
            } else {
                (folded, None)
            }
        } else if let Some(e) = &slot.error {
            (Outcome::Error, Some(e.clone()))
        } else if slot.evaluated {
            (Outcome::Pass, None)
        } else if let Some(why) = &slot.not_applicable {
            (Outcome::NotApplicable, Some(why.clone()))
        } else {
            let why = slot
                .skipped
                .clone()
                .unwrap_or_else(|| "not reached: a step this check needs did not complete".into());
            (Outcome::Skip, Some(why))
        };
        CheckResult {
            check: id.to_string(),
            outcome,
            note,
            findings,
        }
    }
}

/// Adds detail to a recorded finding.
pub struct FindingRef<'a>(&'a mut Finding);

impl FindingRef<'_> {
    pub fn expected(self, e: impl Into<String>) -> Self {
        self.0.expected = Some(e.into());
        self
    }

    pub fn found(self, a: impl Into<String>) -> Self {
        self.0.actual = Some(a.into());
        self
    }

    /// Where in the HTTP exchange: e.g. `GET /ims/ob/v3p0/credentials → header X-Total-Count`.
    pub fn at(self, http: impl Into<String>) -> Self {
        self.0.location.http = Some(http.into());
        self
    }

    pub fn pointer(self, p: impl Into<String>) -> Self {
        self.0.location.pointer = Some(p.into());
        self
    }

    pub fn exchange(self, id: &str) -> Self {
        if !id.is_empty() && !self.0.exchanges.iter().any(|e| e == id) {
            self.0.exchanges.push(id.to_string());
        }
        self
    }

    pub fn hint(self, h: impl Into<String>) -> Self {
        self.0.hint = Some(h.into());
        self
    }

    pub fn evidence(self, label: &str, value: impl Into<String>) -> Self {
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

    #[test]
    fn outcomes_follow_level_and_evaluation() {
        let mut r = Recorder::default();
        r.evaluated("OB30-API-001");
        r.violation("OB30-API-002", "missing info.title").exchange("api-1");
        r.violation("OB30-API-013", "since ignored");
        r.violation("CLR20-API-002", "missing info.title");
        r.not_applicable("OAUTH-REVOKE-001", "no revocation endpoint");
        r.error("OB30-API-008", "timeout");
        assert_eq!(r.result("OB30-API-001", false).outcome, Outcome::Pass);
        let failed = r.result("OB30-API-002", false);
        assert_eq!(failed.outcome, Outcome::Fail);
        assert_eq!(failed.findings[0].exchanges, ["api-1"]);
        assert_eq!(r.result("OB30-API-013", false).outcome, Outcome::Warn);
        assert_eq!(r.result("OB30-API-013", true).outcome, Outcome::Fail);
        assert_eq!(
            r.result("CLR20-API-002", false).outcome,
            Outcome::Warn,
            "CLR API rules are inferred"
        );
        assert_eq!(r.result("OAUTH-REVOKE-001", false).outcome, Outcome::NotApplicable);
        assert_eq!(r.result("OB30-API-008", false).outcome, Outcome::Error);
        let untouched = r.result("OB30-API-009", false);
        assert_eq!(untouched.outcome, Outcome::Skip);
        assert!(untouched.note.is_some_and(|n| n.contains("not reached")));
    }

    #[test]
    fn a_step_cut_short_leaves_its_begun_checks_unpassed() {
        let mut r = Recorder::default();
        r.begin("OAUTH-DCR-001");
        r.evaluated("OAUTH-DCR-001");
        r.settle_in_flight();
        // The next step sends PKCE-001's first probe, then the budget runs out before the second.
        r.begin("OAUTH-PKCE-001");
        r.evaluated("OAUTH-PKCE-001");
        r.begin("OAUTH-AUTHZ-003");
        r.violation("OAUTH-AUTHZ-003", "redirected to an unregistered URI");
        r.interrupt_in_flight("the budget ran out");
        assert_eq!(
            r.result("OAUTH-DCR-001", false).outcome,
            Outcome::Pass,
            "settled before"
        );
        let cut = r.result("OAUTH-PKCE-001", false);
        assert_eq!(cut.outcome, Outcome::Error, "never a pass on half its probes");
        assert!(cut.note.is_some_and(|n| n.contains("budget")));
        assert_eq!(
            r.result("OAUTH-AUTHZ-003", false).outcome,
            Outcome::Fail,
            "a violation seen stays"
        );
    }
}
