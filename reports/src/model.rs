//! The run model: one versioned, serde-serialisable description of a run that every reporter renders.
//!
//! A run holds the catalogue entries it used (so a report is self-describing), the subjects it examined (a
//! document, a nested credential inside a document, later a provider or consumer), one [`CheckResult`] per
//! applicable check per subject, and the HTTP exchanges that findings point at.
//!
//! Format changes bump [`REPORT_FORMAT`]; `reports/schema/report.schema.json` describes this shape.

use serde::{Deserialize, Serialize};

/// Identifier of the `report.json` format. Bump on any incompatible change of the model.
pub const REPORT_FORMAT: &str = "clr-harness-report/1";

/// Requirement level of a check, as the specification words it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Level {
    Must,
    Should,
    Info,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Must => "MUST",
            Level::Should => "SHOULD",
            Level::Info => "INFO",
        }
    }
}

/// Where a rule comes from. Rules the digests mark as inferred are never reported above `Warn`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RuleSource {
    /// Normative text of the specification.
    Normative,
    /// Stated by the published JSON Schemas or contexts only.
    Schema,
    /// Stated by analogy (e.g. CLR 2.0 by analogy with OB 3.0) or a harness heuristic; not confirmed normative.
    Inferred,
}

/// The role of the system under test a check applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// Produces credentials (the harness validates the documents).
    Issuer,
    /// Serves the REST API behind OAuth 2.0.
    Provider,
    /// Fetches or pushes credentials through a provider, verifies them.
    Consumer,
    /// Verifies/displays credentials.
    Verifier,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Issuer => "issuer",
            Role::Provider => "provider",
            Role::Consumer => "consumer",
            Role::Verifier => "verifier",
        }
    }
}

/// The specification a check belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Spec {
    #[serde(rename = "OB 3.0")]
    Ob30,
    #[serde(rename = "CLR 2.0")]
    Clr20,
    #[serde(rename = "VC")]
    Vc,
    #[serde(rename = "OAuth 2.0")]
    OAuth,
    #[serde(rename = "OB 2.0")]
    Ob20,
    #[serde(rename = "CLR 1.0")]
    Clr10,
    #[serde(rename = "CASE 1.0")]
    Case10,
}

impl Spec {
    pub fn as_str(self) -> &'static str {
        match self {
            Spec::Ob30 => "OB 3.0",
            Spec::Clr20 => "CLR 2.0",
            Spec::Vc => "VC",
            Spec::OAuth => "OAuth 2.0",
            Spec::Ob20 => "OB 2.0",
            Spec::Clr10 => "CLR 1.0",
            Spec::Case10 => "CASE 1.0",
        }
    }
}

/// One catalogue entry as recorded in a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckInfo {
    /// Stable id, e.g. `OB30-DM-004`.
    pub id: String,
    /// Short title.
    pub title: String,
    /// The requirement, one sentence.
    pub requirement: String,
    /// Link to the spec section that states it.
    pub spec_url: String,
    pub level: Level,
    pub source: RuleSource,
    pub roles: Vec<Role>,
    pub spec: Spec,
    /// Area within the spec: `data-model`, `format`, `schema`, `proof`, `api`, `oauth` …
    pub area: String,
}

/// The graded outcome of a check (Autobahn/OpenID style). Order is severity for display, not for exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// The requirement holds.
    Pass,
    /// Informational: unspecified or legacy behaviour worth knowing.
    Info,
    /// The check did not apply to this subject (e.g. no `credentialStatus` to check).
    NotApplicable,
    /// The check was not run; the reason says why (not selected input, needs `--spec-dir`, fetch not allowed …).
    Skip,
    /// A SHOULD is violated, or an inferred rule is violated.
    Warn,
    /// A MUST is violated.
    Fail,
    /// The harness could not run the check (unreachable target, timeout, internal limit). Never folded into Fail.
    Error,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Info => "info",
            Outcome::NotApplicable => "not-applicable",
            Outcome::Skip => "skip",
            Outcome::Warn => "warn",
            Outcome::Fail => "fail",
            Outcome::Error => "error",
        }
    }

    /// Rank used to fold several findings into one check outcome: the worst wins.
    pub fn rank(self) -> u8 {
        match self {
            Outcome::NotApplicable => 0,
            Outcome::Skip => 1,
            Outcome::Pass => 2,
            Outcome::Info => 3,
            Outcome::Warn => 4,
            Outcome::Fail => 5,
            Outcome::Error => 6,
        }
    }

    /// Whether this outcome makes a run non-conformant (exit code 1).
    pub fn is_failure(self) -> bool {
        matches!(self, Outcome::Fail)
    }
}

/// Where a finding is: a JSON pointer into the decoded document, a position in the source text, an HTTP step.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    /// JSON pointer (RFC 6901) into the subject's JSON, e.g. `/credentialSubject/achievement/criteria`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
    /// 1-based line in the source text of the layer the pointer refers to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// 1-based column (in characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<u64>,
    /// The text of `line`, without its line break: reporters show it with a caret under `column` without having to
    /// re-read (or re-decode) the input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snippet: Option<String>,
    /// When `snippet` is a window of a long line (cut with `…`), the 1-based column of the position inside it;
    /// reporters put their caret there. Absent: the snippet is the whole line and `column` applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snippet_column: Option<u64>,
    /// 0-based byte offset in the input (PNG chunk offset, JSON syntax error …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub byte_offset: Option<u64>,
    /// Encoding layer, e.g. `PNG iTXt chunk "openbadgecredential" → compact JWS payload`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<String>,
    /// HTTP step or header, for API checks (e.g. `GET /ims/ob/v3p0/credentials → header Link`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http: Option<String>,
}

impl Location {
    pub fn pointer(pointer: impl Into<String>) -> Self {
        Location {
            pointer: Some(pointer.into()),
            ..Location::default()
        }
    }

    pub fn is_empty(&self) -> bool {
        self == &Location::default()
    }
}

/// A piece of structured evidence behind a finding (a resolution step, a computed value, a schema path …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    pub label: String,
    pub value: String,
}

/// One observation of a check on a subject. A check with no findings passed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub outcome: Outcome,
    /// What is wrong (or noteworthy), one line, readable on its own.
    pub message: String,
    #[serde(default, skip_serializing_if = "Location::is_empty")]
    pub location: Location,
    /// What a conforming document or peer has here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    /// What was found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actual: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
    /// Ids of [`Exchange`]s this finding rests on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exchanges: Vec<String>,
    /// A likely fix, when the harness can tell.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl Finding {
    /// A finding with only an outcome and a message; the builder-style fields are filled by the caller.
    pub fn new(outcome: Outcome, message: impl Into<String>) -> Self {
        Finding {
            outcome,
            message: message.into(),
            location: Location::default(),
            expected: None,
            actual: None,
            evidence: Vec::new(),
            exchanges: Vec::new(),
            hint: None,
        }
    }
}

/// The result of one check on one subject.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckResult {
    /// Catalogue id; its [`CheckInfo`] is in [`Run::checks`].
    pub check: String,
    pub outcome: Outcome,
    /// Why the check was skipped / not applicable, or a note on a pass.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<Finding>,
}

impl Subject {
    /// What the subject was recognised as, for headings: the detection label, or the kind for subjects that are not
    /// documents.
    pub fn what(&self) -> String {
        match (&self.detected, self.kind) {
            (Some(d), _) => d.label.clone(),
            (None, SubjectKind::Provider) => "provider (REST API and OAuth 2.0)".into(),
            (None, SubjectKind::Consumer) => "consumer".into(),
            (None, SubjectKind::Verifier) => "verifier".into(),
            (None, _) => "not recognised".into(),
        }
    }
}

/// What kind of thing a subject is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SubjectKind {
    /// A document given to the harness (file, URL, stdin).
    Document,
    /// A credential embedded in another subject (nested CLR credential, endorsement).
    Embedded,
    /// A provider (REST API + OAuth 2.0 server).
    Provider,
    /// A consumer (an API client) tested by the harness acting as provider.
    Consumer,
    /// A verifier (displayer, wallet, verification service) graded on its verdicts on the credentials it was shown.
    Verifier,
}

/// What the harness decided a document is, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Detection {
    /// e.g. `OB 3.0 AchievementCredential (VCDM 2.0)`.
    pub label: String,
    /// Machine-readable kind: `ob30-achievement-credential`, `ob30-endorsement-credential`, `clr20-clr-credential`,
    /// `unknown` …
    pub kind: String,
    /// VC data model version the document follows, when it is a VC (`2.0` or `1.1`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vcdm: Option<String>,
    /// The evidence used, in words (“`@context[0]` is `https://www.w3.org/2018/credentials/v1` and issuanceDate is present”).
    pub reason: String,
}

/// A thing the harness examined.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subject {
    /// Unique within the run: `doc-1`, `doc-1/vc-0`, …
    pub id: String,
    pub kind: SubjectKind,
    /// Human name: the path or URL for documents; `<parent> → /credentialSubject/verifiableCredential/0` for embedded.
    pub name: String,
    /// File path, URL, `-` for stdin.
    pub source: String,
    /// For embedded subjects: the parent subject id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// For embedded subjects: where in the parent (JSON pointer), plus the layer if it was decoded (compact JWS).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<Location>,
    /// The chain of encodings that was unwrapped to reach the JSON (`PNG iTXt "openbadgecredential"`, `compact JWS`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub layers: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detected: Option<Detection>,
    /// The worst outcome of its checks; a subject whose proof, key or status could not be observed is never
    /// `pass` (see [`Subject::unverified`]).
    pub outcome: Outcome,
    /// Why the subject could not be fully verified (a proof, key, status or nested credential that was not observed,
    /// e.g. because fetching was off), when nothing worse was found. Such a subject is *unverified*, never passed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unverified: Option<String>,
    pub results: Vec<CheckResult>,
}

/// One recorded HTTP exchange (request, response, timing), printable as a curl command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exchange {
    pub id: String,
    pub method: String,
    pub url: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub request_headers: Vec<(String, String)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_body: Option<String>,
    /// The request body was cut at the recording limit (what judges a body must not judge a cut one).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub request_body_truncated: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub response_headers: Vec<(String, String)>,
    /// Response body, possibly truncated (see `response_body_truncated`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_body: Option<String>,
    #[serde(default)]
    pub response_body_truncated: bool,
    /// Transport error, when no response came back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub duration_ms: u64,
    /// A curl command that repeats the request.
    pub curl: String,
}

/// The method of an exchange that records a command run (a verifier adapter's), not an HTTP request: its `url` is the
/// file it was given, its `curl` the shell line that repeats it, its `response_body` what it printed, and its exit
/// status is the `exit-status` response header.
pub const EXEC_METHOD: &str = "EXEC";

impl Exchange {
    /// A command run's exit status (`0`, `1`; or `signal`, `timeout`, `not run`), when the exchange records one.
    pub fn exit_status(&self) -> Option<&str> {
        (self.method == EXEC_METHOD)
            .then(|| {
                self.response_headers
                    .iter()
                    .find(|(k, _)| k == "exit-status")
                    .map(|(_, v)| v.as_str())
            })
            .flatten()
    }

    /// How a command run ended, for one line: `exit 1`, `timeout`.
    pub fn exit_text(&self) -> Option<String> {
        self.exit_status().map(|s| {
            if s.parse::<i32>().is_ok() {
                format!("exit {s}")
            } else {
                s.to_string()
            }
        })
    }
}

/// Counts of check results by outcome.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub pass: u64,
    pub fail: u64,
    pub warn: u64,
    pub info: u64,
    pub skip: u64,
    pub not_applicable: u64,
    pub error: u64,
}

impl Counts {
    pub fn add(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Pass => self.pass += 1,
            Outcome::Fail => self.fail += 1,
            Outcome::Warn => self.warn += 1,
            Outcome::Info => self.info += 1,
            Outcome::Skip => self.skip += 1,
            Outcome::NotApplicable => self.not_applicable += 1,
            Outcome::Error => self.error += 1,
        }
    }

    pub fn total(&self) -> u64 {
        self.pass + self.fail + self.warn + self.info + self.skip + self.not_applicable + self.error
    }
}

/// Roll-up of the whole run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Counts over all check results of all subjects.
    pub results: Counts,
    /// Counts of subjects by their overall outcome.
    pub subjects: Counts,
    /// Top-level subjects (documents, provider parts) that are unverified: no required check failed, but a proof, key,
    /// status or returned credential could not be observed.
    #[serde(default)]
    pub unverified: u64,
    /// The exit code the run ends with (see the README's table).
    pub exit_code: i32,
    /// One line: `3 documents, 2 failed: 4 MUST failures, 1 warning`.
    pub verdict: String,
}

/// Versions the run was made with, printed in every report header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolInfo {
    pub name: String,
    pub version: String,
    /// Version of the shipped vector set.
    pub vectors_version: String,
    /// Spec versions the catalogue covers, e.g. `OB 3.0 (context 3.0.3)`.
    pub specs: Vec<String>,
}

/// Options that change verdicts, recorded so a report says how it was produced.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunOptions {
    /// SHOULD violations, and inferred rules, count as failures.
    pub strict: bool,
    /// Unverified subjects (proofs, keys or status not observed) do not change the exit code.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub allow_unverified: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub only: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skip: Vec<String>,
    /// Official spec artefacts used for cross-checks, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spec_dir: Option<String>,
}

/// A whole run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Run {
    /// Always [`REPORT_FORMAT`].
    pub format: String,
    pub tool: ToolInfo,
    /// The command line that produced the run, for reproduction.
    pub command: Vec<String>,
    /// RFC 3339 UTC start time.
    pub started_at: String,
    pub duration_ms: u64,
    pub options: RunOptions,
    /// Catalogue entries of every check that appears in `subjects`.
    pub checks: Vec<CheckInfo>,
    pub subjects: Vec<Subject>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exchanges: Vec<Exchange>,
    pub summary: Summary,
}

/// The longest text a finding field (message, expected, found, an evidence value, a hint, a note, a snippet) keeps
/// in a report. A provider can answer megabytes where a check expected a credential; the report needs the start and
/// the size, not every byte in every format.
pub const MAX_VALUE_BYTES: usize = 16 * 1024;

/// `text` cut to at most `max` bytes (on a character boundary) with a visible `… N more bytes` when it was longer.
pub fn capped(text: &str, max: usize) -> std::borrow::Cow<'_, str> {
    if text.len() <= max {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let kept = text.get(..end).unwrap_or_default();
    std::borrow::Cow::Owned(format!("{kept}… {} more bytes", text.len() - end))
}

/// The finding text a whole run keeps (messages, expected and found values, hints, snippets, evidence, notes, and
/// the recorded exchange bodies), in bytes. Past it, findings keep their check, outcome, location and the start of
/// their message, and say that they were shortened; exchanges keep their request line, status and headers.
pub const MAX_RUN_DETAIL_BYTES: usize = 64 << 20;

/// Where a finding shortened by the run's budget says so.
pub const RUN_DETAIL_SPENT: &str = "shortened: the run's report had kept its 64 MiB of finding detail by here";

/// The start of a message a finding keeps once the run's detail budget is spent.
const SPENT_MESSAGE_BYTES: usize = 512;

impl Run {
    /// Caps every finding field and note at [`MAX_VALUE_BYTES`] (exchanges keep their own, smaller body cap), and
    /// the run's detail as a whole at [`MAX_RUN_DETAIL_BYTES`], so neither a value the run met nor the number of
    /// findings can make a report arbitrarily large.
    pub fn cap_values(&mut self) {
        self.cap_values_within(MAX_RUN_DETAIL_BYTES);
    }

    /// [`Run::cap_values`] with another run-wide budget; how many findings and exchanges it shortened.
    pub fn cap_values_within(&mut self, budget: usize) -> usize {
        let cap = |s: &mut String| {
            if s.len() > MAX_VALUE_BYTES {
                *s = capped(s, MAX_VALUE_BYTES).into_owned();
            }
        };
        let mut spent = 0usize;
        let mut shortened = 0usize;
        for subject in &mut self.subjects {
            for result in &mut subject.results {
                result.note.iter_mut().for_each(cap);
                if let Some(note) = &mut result.note
                    && spent + note.len() > budget
                {
                    *note = capped(note, SPENT_MESSAGE_BYTES).into_owned();
                }
                spent += result.note.as_ref().map_or(0, String::len);
                for f in &mut result.findings {
                    cap(&mut f.message);
                    let optional = [&mut f.expected, &mut f.actual, &mut f.hint, &mut f.location.snippet];
                    optional.into_iter().flatten().for_each(cap);
                    f.evidence.iter_mut().for_each(|e| cap(&mut e.value));
                    let detail = f.message.len()
                        + [&f.expected, &f.actual, &f.hint, &f.location.snippet]
                            .into_iter()
                            .flatten()
                            .map(String::len)
                            .sum::<usize>()
                        + f.evidence.iter().map(|e| e.label.len() + e.value.len()).sum::<usize>();
                    if spent + detail > budget {
                        f.message = capped(&f.message, SPENT_MESSAGE_BYTES).into_owned();
                        f.expected = None;
                        f.actual = None;
                        f.location.snippet = None;
                        f.evidence.clear();
                        f.hint = Some(RUN_DETAIL_SPENT.to_string());
                        shortened += 1;
                        spent += f.message.len() + RUN_DETAIL_SPENT.len();
                    } else {
                        spent += detail;
                    }
                }
            }
        }
        for e in &mut self.exchanges {
            let bodies =
                e.request_body.as_ref().map_or(0, String::len) + e.response_body.as_ref().map_or(0, String::len);
            if spent + bodies > budget {
                e.request_body_truncated |= e.request_body.take().is_some();
                e.response_body_truncated |= e.response_body.take().is_some();
                shortened += 1;
            } else {
                spent += bodies;
            }
        }
        shortened
    }

    /// The catalogue entry for a check id used in this run.
    pub fn check(&self, id: &str) -> Option<&CheckInfo> {
        self.checks.iter().find(|c| c.id == id)
    }
}

/// Folds findings into a check outcome: the worst finding, or `Pass` when there are none.
pub fn fold_outcome<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> Outcome {
    findings
        .into_iter()
        .map(|f| f.outcome)
        .max_by_key(|o| o.rank())
        .unwrap_or(Outcome::Pass)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worst_finding_decides_the_outcome() {
        let f = |outcome| Finding {
            outcome,
            message: String::new(),
            location: Location::default(),
            expected: None,
            actual: None,
            evidence: vec![],
            exchanges: vec![],
            hint: None,
        };
        assert_eq!(fold_outcome(&[]), Outcome::Pass);
        assert_eq!(
            fold_outcome(&[f(Outcome::Warn), f(Outcome::Fail), f(Outcome::Info)]),
            Outcome::Fail
        );
        assert_eq!(fold_outcome(&[f(Outcome::Fail), f(Outcome::Error)]), Outcome::Error);
    }

    /// Past the run-wide budget, findings keep where and what (check, outcome, location, the start of the message)
    /// and say they were shortened; what came before the budget ran out is untouched.
    #[test]
    fn the_run_keeps_a_bounded_amount_of_finding_detail() {
        let mut run = crate::sample::sample_run();
        let finding = |i: usize| Finding {
            outcome: Outcome::Fail,
            message: format!("finding {i}: {}", "m".repeat(1000)),
            location: Location {
                snippet: Some("s".repeat(1000)),
                ..Location::default()
            },
            expected: Some("e".repeat(1000)),
            actual: Some("a".repeat(1000)),
            evidence: vec![Evidence {
                label: "value".into(),
                value: "v".repeat(1000),
            }],
            exchanges: vec![],
            hint: None,
        };
        let template = run.subjects[0].results[0].clone();
        run.subjects[0].results = (0..100)
            .map(|i| CheckResult {
                findings: vec![finding(i)],
                ..template.clone()
            })
            .collect();
        let budget = 20 * 5_000;
        let shortened = run.cap_values_within(budget);
        let findings: Vec<&Finding> = run
            .subjects
            .iter()
            .flat_map(|s| &s.results)
            .flat_map(|r| &r.findings)
            .collect();
        let kept = findings.iter().filter(|f| f.expected.is_some()).count();
        assert!(
            (15..=20).contains(&kept),
            "about budget / size findings keep their detail: {kept}"
        );
        assert!(shortened >= 80, "the rest are shortened: {shortened}");
        let last = findings
            .iter()
            .rev()
            .find(|f| f.message.starts_with("finding 99"))
            .expect("the last finding");
        assert_eq!(last.hint.as_deref(), Some(RUN_DETAIL_SPENT));
        assert!(last.message.len() < 600 && last.expected.is_none() && last.evidence.is_empty());
        assert_eq!(last.outcome, Outcome::Fail, "the verdict is unchanged");
        let total: usize = findings
            .iter()
            .map(|f| {
                f.message.len() + f.expected.as_ref().map_or(0, String::len) + f.actual.as_ref().map_or(0, String::len)
            })
            .sum();
        assert!(total < 2 * budget, "{total}");
    }

    #[test]
    fn long_values_are_capped_visibly_on_a_character_boundary() {
        let long = "é".repeat(MAX_VALUE_BYTES);
        let cut = capped(&long, 11);
        assert_eq!(cut, format!("{}… {} more bytes", "é".repeat(5), long.len() - 10));
        assert_eq!(capped("short", 11), "short");
    }

    #[test]
    fn outcomes_serialise_in_kebab_case() {
        assert_eq!(
            serde_json::to_string(&Outcome::NotApplicable).unwrap(),
            "\"not-applicable\""
        );
        assert_eq!(serde_json::to_string(&Level::Should).unwrap(), "\"SHOULD\"");
        assert_eq!(serde_json::to_string(&Spec::Clr20).unwrap(), "\"CLR 2.0\"");
    }
}
