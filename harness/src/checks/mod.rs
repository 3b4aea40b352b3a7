//! Document checks: small named functions, each registered in the catalogue with its requirement.
//!
//! A check reads a [`Doc`] (the credential, what it was detected as, and its walk over the data model) and
//! reports violations through its [`Ctx`] (a [`Collector`]); the check's level decides the outcome (MUST → Fail,
//! SHOULD → Warn, INFO → Info), so check code never chooses severities by hand.

pub mod classes;
pub mod clr;
pub mod credential;
pub mod endorsement;
pub mod format;
pub mod jwt;
pub mod lexical;
pub mod official_schema;
pub mod proof;
pub mod references;
pub mod status;
pub mod values;
pub mod verification;

use std::fmt;

use clr_reports::{Finding, Level, RuleSource};
use serde_json::Value;

use crate::catalogue::Check;
use crate::datamodel::Walk;
use crate::detect::{DocKind, Vcdm};
pub use crate::findings::violation_outcome;
use crate::findings::{Collector, FindingMut};

/// A JSON pointer (RFC 6901) under construction.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Ptr(String);

impl Ptr {
    pub fn root() -> Self {
        Ptr(String::new())
    }

    /// Parses an already-escaped pointer string.
    pub fn from_escaped(s: &str) -> Self {
        Ptr(s.to_string())
    }

    pub fn key(&self, key: &str) -> Self {
        Ptr(format!("{}/{}", self.0, key.replace('~', "~0").replace('/', "~1")))
    }

    pub fn index(&self, i: usize) -> Self {
        Ptr(format!("{}/{}", self.0, i))
    }

    /// This pointer below `base` (for embedded credentials located inside a parent document).
    pub fn under(&self, base: &Ptr) -> Self {
        Ptr(format!("{}{}", base.0, self.0))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Ptr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The root pointer is the empty string; print it so a reader sees where.
        if self.0.is_empty() {
            f.write_str("/")
        } else {
            f.write_str(&self.0)
        }
    }
}

/// A document (or embedded credential) under check.
pub struct Doc<'a> {
    pub root: &'a Value,
    pub kind: DocKind,
    pub vcdm: Vcdm,
    pub walk: Walk<'a>,
    /// The verification environment (time, expected recipient).
    pub env: &'a crate::verify::Env,
    /// Proof results, when proofs are verified in this run.
    pub proofs: Option<&'a crate::verify::ProofReport>,
    /// Network access under the run's fetch policy (status lists, refresh services), when verification is on.
    pub net: Option<&'a crate::verify::Net>,
}

/// Collects one check's findings on one document: a [`Collector`] that places each finding by its JSON pointer in
/// the document (or in its parent, for an embedded credential).
pub struct Ctx {
    collector: Collector,
    /// Pointer of the document inside its parent when findings should point into the parent's text.
    base: Ptr,
    applies: bool,
}

impl Ctx {
    pub fn new(check: &'static Check, base: Ptr) -> Self {
        Ctx {
            collector: Collector::new(check),
            base,
            applies: true,
        }
    }

    pub fn check(&self) -> &'static Check {
        self.collector.check()
    }

    /// How many findings were reported so far (to stop after a first, more basic, problem).
    pub fn findings_len(&self) -> usize {
        self.collector.findings_len()
    }

    /// Reports a violation of this check's requirement at `ptr`; the outcome follows the check's level.
    pub fn violation(&mut self, ptr: &Ptr, message: impl Into<String>) -> FindingMut<'_> {
        let at = ptr.under(&self.base);
        self.collector.violation(message).pointer(at.as_str())
    }

    /// Adds a finding made elsewhere (e.g. by the VC-JWT verifier), keeping its own outcome.
    pub fn push_finding(&mut self, mut finding: Finding) {
        if let Some(p) = &finding.location.pointer {
            finding.location.pointer = Some(Ptr::from_escaped(p).under(&self.base).as_str().to_string());
        }
        self.collector.push(finding);
    }

    /// Reports something worth knowing that is not a violation.
    pub fn note(&mut self, ptr: &Ptr, message: impl Into<String>) -> FindingMut<'_> {
        let at = ptr.under(&self.base);
        self.collector.note(message).pointer(at.as_str())
    }

    /// The check does not apply to this document (e.g. it has no `credentialStatus`).
    pub fn not_applicable(&mut self, reason: impl Into<String>) {
        self.applies = false;
        self.collector.not_applicable(reason);
    }

    /// The check could not run for a reason that is not the document's fault (a fetch the policy does not allow):
    /// reported as Skip with the reason, never as a pass.
    pub fn skipped(&mut self, reason: impl Into<String>) {
        self.collector.undetermined(reason);
    }

    /// What the check collected: a check that ran to its end on a document it applies to was evaluated, so
    /// finding nothing is a pass.
    pub fn finish(mut self) -> Collector {
        if self.applies {
            self.collector.evaluated();
        }
        self.collector
    }
}

/// A JSON value in one line, cut to a readable length.
pub fn show(v: &Value) -> String {
    const MAX: usize = 120;
    let s = serde_json::to_string(v).unwrap_or_else(|_| "<unprintable>".into());
    if s.chars().count() <= MAX {
        s
    } else {
        let cut: String = s.chars().take(MAX).collect();
        format!("{cut}… ({} bytes)", s.len())
    }
}

/// The JSON type name of a value, for "expected a string, found a number" messages.
pub fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The values of a `type` property (a string or an array of strings); `None` if it has another shape.
pub fn type_values(v: &Value) -> Option<Vec<&str>> {
    match v {
        Value::String(s) => Some(vec![s.as_str()]),
        Value::Array(items) => items.iter().map(Value::as_str).collect(),
        _ => None,
    }
}

/// Whether the object's `type` contains `name`.
pub fn has_type(obj: &Value, name: &str) -> bool {
    obj.get("type").and_then(type_values).is_some_and(|t| t.contains(&name))
}

/// Roles of document checks: issuers produce the documents, verifiers must judge them the same way.
pub const DOC_ROLES: &[clr_reports::Role] = &[clr_reports::Role::Issuer, clr_reports::Role::Verifier];
/// Every credential kind.
pub const ALL_KINDS: &[DocKind] = &[DocKind::Achievement, DocKind::Endorsement, DocKind::Clr];
/// The OB 3.0 credential kinds.
pub const OB_KINDS: &[DocKind] = &[DocKind::Achievement, DocKind::Endorsement];

/// A normative OB 3.0 data-model check; adjust with the `const fn` modifiers below.
pub const fn rule(
    id: &'static str,
    title: &'static str,
    requirement: &'static str,
    spec_url: &'static str,
    level: Level,
    applies_to: &'static [DocKind],
    run: fn(&Doc, &mut Ctx),
) -> Check {
    Check {
        id,
        title,
        requirement,
        spec_url,
        level,
        source: RuleSource::Normative,
        roles: DOC_ROLES,
        spec: clr_reports::Spec::Ob30,
        area: "data-model",
        applies_to,
        runner: crate::catalogue::Runner::Document(run),
    }
}

impl Check {
    /// The rule belongs to CLR 2.0.
    pub const fn clr(mut self) -> Self {
        self.spec = clr_reports::Spec::Clr20;
        self
    }

    /// The rule is stated by the published schemas/contexts only.
    pub const fn from_schema(mut self) -> Self {
        self.source = RuleSource::Schema;
        self
    }

    /// The rule belongs to another area of the catalogue than the data model (`proof`, `verification` …).
    pub const fn in_area(mut self, area: &'static str) -> Self {
        self.area = area;
        self
    }

    /// The rule is inferred (by analogy, or a harness heuristic): reported as a warning at most.
    pub const fn inferred(mut self) -> Self {
        self.source = RuleSource::Inferred;
        self
    }
}
