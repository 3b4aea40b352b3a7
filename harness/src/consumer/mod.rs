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
    // What the client was not seen doing is not evidence that it does it right: the subject stays unverified (exit 5
    // unless allowed), never a pass.
    crate::engine::party_subject(
        "consumer",
        SubjectKind::Consumer,
        name,
        // The provider the client talked to: findings then read `https://host:port GET /oauth/authorize`.
        inbound
            .endpoints
            .discovery
            .first()
            .and_then(|d| url::Url::parse(d).ok())
            .map(|u| u.origin().ascii_serialization())
            .unwrap_or_default(),
        results,
        |checks| format!("the client was not seen doing what {checks}"),
    )
}
