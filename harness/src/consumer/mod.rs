//! Consumer conformance: the harness plays the provider (the reference provider behind its request tap) and judges
//! the client under test by what it sent — its registration, authorization and token requests, where it put its
//! tokens, whether it found the endpoints through discovery, how it upserted.
//!
//! The checks ([`checks`]) are functions over the tapped exchanges ([`crate::check::Inbound`]); they do no I/O.
//! [`judge`] runs the selected ones and makes the consumer's subject.

pub mod checks;

use clr_reports::{Subject, SubjectKind};

use crate::catalogue::Selection;
use crate::check::findings::Collector;
use crate::check::{Inbound, Runner};

/// The consumer's subject: every selected consumer check run on what the client sent.
pub fn judge(inbound: &Inbound, name: &str, selection: &Selection, strict: bool) -> Subject {
    let mut results = Vec::new();
    for check in checks::CHECKS.iter().filter(|c| selection.selects(c.id)) {
        let Runner::Consumer(run) = check.runner else { continue };
        let mut collector = Collector::new(check);
        run(inbound, &mut collector);
        results.push(collector.result(strict));
    }
    let (outcome, mut unverified) = crate::engine::settle(&results);
    // What the client was not seen doing is not evidence that it does it right: the subject stays unverified (exit 5
    // unless allowed), never a pass.
    let unobserved: Vec<&str> = results
        .iter()
        .filter(|r| r.outcome == clr_reports::Outcome::Skip)
        .map(|r| r.check.as_str())
        .collect();
    if unverified.is_none() && outcome.rank() < clr_reports::Outcome::Fail.rank() && !unobserved.is_empty() {
        unverified = Some(format!(
            "the client was not seen doing what {} judge{}",
            unobserved.join(", "),
            if unobserved.len() == 1 { "s" } else { "" }
        ));
    }
    Subject {
        id: "consumer".into(),
        kind: SubjectKind::Consumer,
        name: name.to_string(),
        // The provider the client talked to: findings then read `https://host:port GET /oauth/authorize`.
        source: inbound
            .endpoints
            .discovery
            .first()
            .and_then(|d| url::Url::parse(d).ok())
            .map(|u| u.origin().ascii_serialization())
            .unwrap_or_default(),
        parent: None,
        scope: None,
        layers: Vec::new(),
        detected: None,
        outcome,
        unverified,
        results,
    }
}
