//! Collects what the provider run observed, check by check, and turns it into [`CheckResult`]s.
//!
//! A provider check is decided by several requests spread over the run, so findings accumulate per check id.
//! A check nobody evaluated is a Skip with the reason the run gave (a step it needed failed), never a pass.

use std::collections::{BTreeMap, BTreeSet};

use clr_reports::CheckResult;

use crate::check::Check;
use crate::check::findings::{Collector, FindingMut};

/// One [`Collector`] per provider check, kept across the run.
#[derive(Debug, Default)]
pub struct Recorder {
    collectors: BTreeMap<&'static str, Collector>,
    /// Checks that sent a request in the step under way (see [`Recorder::interrupt_in_flight`]).
    in_flight: BTreeSet<&'static str>,
}

impl Recorder {
    fn of(&mut self, check: &'static Check) -> &mut Collector {
        self.collectors.entry(check.id).or_insert_with(|| Collector::new(check))
    }

    /// `check` sends a request in the step under way.
    pub fn begin(&mut self, check: &'static Check) {
        self.of(check);
        self.in_flight.insert(check.id);
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
    pub fn interrupt_in_flight_with(&mut self, why: impl Fn(&'static Check) -> String) {
        for id in std::mem::take(&mut self.in_flight) {
            if let Some(c) = self.collectors.get_mut(id)
                && !c.has_violation()
            {
                let reason = why(c.check());
                c.error(reason);
            }
        }
    }

    /// The check was evaluated (with or without findings).
    pub fn evaluated(&mut self, check: &'static Check) {
        self.of(check).evaluated();
    }

    /// A violation of `check`'s requirement.
    pub fn violation(&mut self, check: &'static Check, message: impl Into<String>) -> FindingMut<'_> {
        self.of(check).violation(message)
    }

    /// A lesser observation under a MUST check (its SHOULD part): a warning whatever the check's level.
    pub fn warning(&mut self, check: &'static Check, message: impl Into<String>) -> FindingMut<'_> {
        self.of(check).warning(message)
    }

    /// The check does not apply to this provider (it does not claim the capability).
    pub fn not_applicable(&mut self, check: &'static Check, why: impl Into<String>) {
        self.of(check).not_applicable(why);
    }

    /// The check could not be run for a reason that is not the provider's fault.
    pub fn skip(&mut self, check: &'static Check, why: impl Into<String>) {
        self.of(check).not_reached(why);
    }

    /// The check ran but could not observe what it requires (e.g. a returned credential whose key was not fetched):
    /// a Skip with the reason even if it was marked evaluated, never a pass.
    pub fn undetermined(&mut self, check: &'static Check, why: impl Into<String>) {
        self.of(check).undetermined(why);
    }

    /// The harness could not complete the check (no response, timeout): an Error, never a Fail.
    pub fn error(&mut self, check: &'static Check, why: impl Into<String>) {
        self.of(check).error(why);
    }

    /// Has `check` any finding of outcome Fail or Warn so far?
    pub fn has_violation(&self, check: &'static Check) -> bool {
        self.collectors.get(check.id).is_some_and(Collector::has_violation)
    }

    /// The result of `check`. `strict` turns warnings into failures.
    pub fn result(&self, check: &'static Check, strict: bool) -> CheckResult {
        match self.collectors.get(check.id) {
            Some(c) => c.result(strict),
            None => Collector::new(check).result(strict),
        }
    }
}

#[cfg(test)]
mod tests {
    use clr_reports::Outcome;

    use super::*;
    use crate::catalogue::ids::{OAUTH_AUTHZ_003, OAUTH_DCR_001, OAUTH_PKCE_001, OAUTH_REVOKE_001};

    #[test]
    fn checks_are_collected_apart() {
        let mut r = Recorder::default();
        r.evaluated(&OAUTH_DCR_001);
        r.not_applicable(&OAUTH_REVOKE_001, "no revocation endpoint");
        assert_eq!(r.result(&OAUTH_DCR_001, false).outcome, Outcome::Pass);
        assert_eq!(r.result(&OAUTH_REVOKE_001, false).outcome, Outcome::NotApplicable);
        let untouched = r.result(&OAUTH_PKCE_001, false);
        assert_eq!(untouched.outcome, Outcome::Skip);
        assert!(untouched.note.is_some_and(|n| n.contains("not reached")));
    }

    #[test]
    fn a_step_cut_short_leaves_its_begun_checks_unpassed() {
        let mut r = Recorder::default();
        r.begin(&OAUTH_DCR_001);
        r.evaluated(&OAUTH_DCR_001);
        r.settle_in_flight();
        // The next step sends PKCE-001's first probe, then the budget runs out before the second.
        r.begin(&OAUTH_PKCE_001);
        r.evaluated(&OAUTH_PKCE_001);
        r.begin(&OAUTH_AUTHZ_003);
        r.violation(&OAUTH_AUTHZ_003, "redirected to an unregistered URI");
        r.interrupt_in_flight("the budget ran out");
        assert_eq!(r.result(&OAUTH_DCR_001, false).outcome, Outcome::Pass, "settled before");
        let cut = r.result(&OAUTH_PKCE_001, false);
        assert_eq!(cut.outcome, Outcome::Error, "never a pass on half its probes");
        assert!(cut.note.is_some_and(|n| n.contains("budget")));
        assert_eq!(
            r.result(&OAUTH_AUTHZ_003, false).outcome,
            Outcome::Fail,
            "a violation seen stays"
        );
    }
}
