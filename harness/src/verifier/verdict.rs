//! What a verifier answered: the types the verifier checks read (kept apart from the judging in `mod.rs`, so the
//! check interface can name them without importing the engine).

use super::cases;

/// What the verifier said about one case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Accepted,
    Rejected,
    /// No verdict: why (a crash, a timeout, an exit status or a response that is not a verdict).
    NoAnswer(String),
}

/// The verifier's answer on one case.
#[derive(Debug, Clone)]
pub struct Answer {
    /// The case's name.
    pub case: String,
    pub verdict: Verdict,
    /// The verifier's own words (its error, its output), when it gave any.
    pub detail: Option<String>,
    /// The recorded exchange or command run behind the answer.
    pub exchange_id: String,
}

/// What the verifier checks read: the set shown and the answers given.
pub struct Verdicts<'a> {
    pub set: &'a cases::CaseSet,
    pub answers: &'a [Answer],
}
