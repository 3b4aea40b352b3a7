//! Verifier conformance: the harness shows a verifier (a displayer, a wallet, a verification service) the
//! credentials of [`cases`] — valid ones and provocations — through an [`adapter`] (a command, or the W3C VC-API),
//! and the checks of [`checks`] grade each verdict against the one a conformant verifier gives.
//!
//! A rejection is only evidence next to the matching acceptance: every check holds both a credential the verifier
//! must accept and the ones it must reject, so a verifier that rejects everything fails, never passes. A case the
//! verifier did not answer (it crashed, timed out, or said something that is not a verdict) leaves its check an
//! Error, never a pass.

pub mod adapter;
pub mod cases;
pub mod checks;
pub mod generated;
pub mod verdict;

pub use verdict::{Answer, Verdict, Verdicts};

use clr_reports::{Subject, SubjectKind};

use crate::catalogue::Selection;
use crate::check::Runner;
use crate::check::findings::Collector;

/// The verifier's subject: every selected verifier check on its answers.
pub fn judge(verdicts: &Verdicts, name: &str, source: &str, selection: &Selection, strict: bool) -> Subject {
    let mut results = Vec::new();
    for check in checks::CHECKS.iter().filter(|c| selection.selects(c.id)) {
        let Runner::Verifier(run) = check.runner else { continue };
        let mut collector = Collector::new(check);
        run(verdicts, &mut collector);
        results.push(collector.result(strict));
    }
    // A case without a verdict is an Error (exit 3), never a pass; a case never shown (a Skip) leaves the verifier
    // unverified.
    crate::engine::party_subject(
        "verifier",
        SubjectKind::Verifier,
        name,
        source.to_string(),
        results,
        |checks| format!("the verifier was not shown what {checks}"),
    )
}
