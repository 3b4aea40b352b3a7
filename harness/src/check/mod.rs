//! What a check is and how it reports — the interface between the checks and everything that runs them.
//!
//! - [`Check`]: one catalogue entry (stable id, requirement, spec link, level, roles) and how it is run ([`Runner`]),
//!   declared once with `declare_checks!`, which also yields its typed constant;
//! - [`findings::Collector`]: what one check observed on one subject, and the rules that turn it into a verdict;
//! - [`Doc`] and [`Ctx`]: what a document check reads and where it reports.
//!
//! Layers below (decode, detect, data model, proofs) know nothing of checks; the checks (`checks`, `api`), the
//! catalogue that assembles them and the engine that runs them all build on this module.

pub mod findings;

use clr_reports::{CheckInfo, Finding, Level, Role, RuleSource, Spec};
use serde_json::Value;

use crate::datamodel::Walk;
use crate::detect::{DocKind, Vcdm};
use crate::json::Ptr;
use findings::{Collector, FindingMut};

/// How a check is run.
#[derive(Clone, Copy)]
pub enum Runner {
    /// Reported by the decoder ([`crate::decode`]); not run on a decoded document.
    Decode,
    /// Reported by the engine while detecting what a document is.
    Detect,
    /// Run on each decoded document (and embedded credential) of the kinds in [`Check::applies_to`].
    Document(fn(&Doc, &mut Ctx)),
    /// Run by the engine against the official JSON Schemas when a spec directory is given.
    OfficialSchema,
    /// Computed by the engine from the embedded credentials found under these properties (each checked as a
    /// subject of its own): the parent passes when every one of them verifies.
    Embedded(&'static [&'static str]),
    /// Run by the provider conformance run ([`crate::api`]) against a live REST API and its OAuth 2.0 server.
    Provider,
    /// Run on what a client sent the harness playing the provider ([`crate::consumer`]).
    Consumer(fn(&Inbound, &mut Collector)),
    /// Run on a verifier's verdicts on the credentials it was shown ([`crate::verifier`]).
    Verifier(fn(&crate::verifier::verdict::Verdicts, &mut Collector)),
}

/// A catalogue entry.
#[derive(Clone, Copy)]
pub struct Check {
    pub id: &'static str,
    pub title: &'static str,
    pub requirement: &'static str,
    pub spec_url: &'static str,
    pub level: Level,
    pub source: RuleSource,
    pub roles: &'static [Role],
    pub spec: Spec,
    pub area: &'static str,
    /// Document kinds the check runs on (empty for non-document checks).
    pub applies_to: &'static [DocKind],
    pub runner: Runner,
}

impl std::fmt::Debug for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Check").field("id", &self.id).finish_non_exhaustive()
    }
}

/// A check prints as its id.
impl std::fmt::Display for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id)
    }
}

impl Check {
    pub fn info(&self) -> CheckInfo {
        CheckInfo {
            id: self.id.to_string(),
            title: self.title.to_string(),
            requirement: self.requirement.to_string(),
            spec_url: self.spec_url.to_string(),
            level: self.level,
            source: self.source,
            roles: self.roles.to_vec(),
            spec: self.spec,
            area: self.area.to_string(),
        }
    }

    /// Whether the check establishes a credential's authenticity or status (its proof, key, status, nested or
    /// returned credentials). When such a check could not observe what it requires (a Skip: fetching was off, the key
    /// was remote …) its subject is *unverified*: never a pass, and exit code 5 unless `--allow-unverified`.
    pub fn establishes_authenticity(&self) -> bool {
        matches!(self.area, "proof" | "verification") || matches!(self.id, "OB30-API-009" | "CLR20-API-009")
    }

    pub fn applies(&self, kind: DocKind) -> bool {
        self.applies_to.contains(&kind)
    }
}

/// Declares a module's checks: each `NAME = constructor;` becomes a typed constant `ids::NAME` (the [`Check`]
/// itself) and an entry of the module's list, in order. A constant's name is its id with `-` spelt `_` (proved at
/// compile time), so code names a check by its constant — `rec.violation(&ids::OAUTH_PKCE_002, …)` — and a
/// misspelt id does not compile. [`ids`] gathers every module's constants.
macro_rules! declare_checks {
    (list $list:ident; $($(#[$attr:meta])* $name:ident = $ctor:expr;)*) => {
        /// Typed handles of this module's checks (re-exported by [`crate::catalogue::ids`]).
        pub mod ids {
            #[allow(unused_imports)]
            use super::*;
            $(
                $(#[$attr])*
                pub const $name: $crate::check::Check = $ctor;
                const _: () = assert!(
                    $crate::check::names_id(stringify!($name), $name.id),
                    concat!("the constant ", stringify!($name), " does not spell its check's id")
                );
            )*
        }
        /// This module's checks, in catalogue order.
        pub const $list: &[$crate::check::Check] = &[$(ids::$name),*];
    };
}
pub(crate) use declare_checks;

/// Whether a constant's name spells a check id (`OB30_DM_002` for `OB30-DM-002`).
pub const fn names_id(name: &str, id: &str) -> bool {
    let (n, i) = (name.as_bytes(), id.as_bytes());
    if n.len() != i.len() {
        return false;
    }
    let mut k = 0;
    while k < n.len() {
        let expected = if i[k] == b'-' { b'_' } else { i[k] };
        if n[k] != expected {
            return false;
        }
        k += 1;
    }
    true
}

/// What a client under test sent the harness playing the provider, for the consumer checks: every exchange the
/// provider's request tap kept, oldest first, and where the provider's endpoints are.
pub struct Inbound<'a> {
    pub exchanges: &'a [clr_reports::Exchange],
    pub endpoints: &'a Endpoints,
    /// When each exchange's request arrived (milliseconds on the provider's clock, by exchange id), for the checks
    /// that judge how long a client waited; an exchange without one is not judged on time.
    pub started_ms: &'a std::collections::HashMap<String, u64>,
}

/// The URLs of the provider the harness plays (what its discovery documents advertise).
#[derive(Debug, Clone, Default)]
pub struct Endpoints {
    /// The discovery document of each API family served.
    pub discovery: Vec<String>,
    pub registration: String,
    pub authorization: String,
    pub token: String,
    /// The base of each API family's resources (`…/ims/ob/v3p0`).
    pub api_bases: Vec<String>,
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
    /// What the gather phase fetched from the issuer's services (status lists, refresh), when verification is on.
    pub services: Option<&'a crate::services::Services>,
    /// For the OB 2.0 / CLR 1.0 kinds: their own walk, version and verification.
    pub legacy: Option<Legacy<'a>>,
    /// For the CASE 1.0 kinds: their walk and the profile they are held to.
    pub case: Option<CaseDoc<'a>>,
    /// The CASE alignments the gather phase resolved, when verification is on.
    pub alignments: Option<&'a crate::case::align::Report>,
    /// Why they were not resolved, when they were not (verification off, the run's deadline).
    pub alignments_unresolved: Option<String>,
}

impl Doc<'_> {
    /// Where the embedded credentials are (each is checked as a subject of its own).
    pub fn embedded_pointers(&self) -> Vec<Ptr> {
        match &self.legacy {
            Some(l) => l.walk.embedded.iter().map(|e| e.ptr.clone()).collect(),
            None => self.walk.embedded.iter().map(|e| e.ptr.clone()).collect(),
        }
    }
}

/// What the CASE 1.0 data-model checks read besides the document.
pub struct CaseDoc<'a> {
    pub kind: crate::case::Kind,
    pub walk: crate::case::model::Walk<'a>,
    pub profile: crate::case::Profile,
}

/// What the OB 2.0 / CLR 1.0 checks read besides the document.
pub struct Legacy<'a> {
    pub kind: crate::ob2::Kind,
    pub walk: crate::ob2::model::Walk<'a>,
    /// The Open Badges version the document was written in (`None` for CLR 1.0).
    pub version: Option<crate::ob2::OpenBadgesVersion>,
    /// What the upgrade to OB 2.0 changed, for a legacy badge.
    pub upgrade: Option<&'a [String]>,
    /// The document came as a compact JWS.
    pub jws: bool,
    /// Verification's observations, when verification is on.
    pub verified: Option<&'a crate::ob2::verify::Report>,
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

    /// Reports the SHOULD part of a MUST check (or a tolerated departure) at `ptr`: a warning whatever the level.
    pub fn warning(&mut self, ptr: &Ptr, message: impl Into<String>) -> FindingMut<'_> {
        let at = ptr.under(&self.base);
        self.collector.warning(message).pointer(at.as_str())
    }

    /// Adds a finding made elsewhere (e.g. by the VC-JWT verifier), keeping its own outcome.
    pub fn push_finding(&mut self, mut finding: Finding) {
        if let Some(p) = &finding.location.pointer {
            finding.location.pointer = Some(Ptr::from_escaped(p).under(&self.base).as_str().to_string());
        }
        self.collector.push(finding);
    }

    /// Adds a violation found elsewhere (by the VC-JWT verifier), keeping its location and evidence, of a part of
    /// this check the spec states at `level`: the collector decides its outcome ([`findings::violation_outcome_at`]).
    pub fn push_violation(&mut self, level: Level, mut finding: Finding) {
        finding.outcome = findings::violation_outcome_at(self.check(), level);
        self.push_finding(finding);
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

/// A provider check of an API with its own table (CLR 1.0, CASE 1.0).
pub const fn provider_check(
    id: &'static str,
    spec: Spec,
    spec_url: &'static str,
    level: Level,
    source: RuleSource,
    title: &'static str,
    requirement: &'static str,
) -> Check {
    Check {
        id,
        title,
        requirement,
        spec_url,
        level,
        source,
        roles: &[Role::Provider],
        spec,
        area: "api",
        applies_to: &[],
        runner: Runner::Provider,
    }
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
        runner: Runner::Document(run),
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

    /// The rule belongs to this specification.
    pub const fn of_spec(mut self, spec: clr_reports::Spec) -> Self {
        self.spec = spec;
        self
    }

    /// The rule is inferred (by analogy, or a harness heuristic): reported as a warning at most.
    pub const fn inferred(mut self) -> Self {
        self.source = RuleSource::Inferred;
        self
    }
}
