//! The verifier checks: each names the cases of [`super::cases`] it grades — always at least one the verifier must
//! accept beside the ones it must reject — and fails on every wrong verdict, with the case, why the verdict is
//! wrong, the verifier's own words and the command or request that reproduces it.

use clr_reports::{Level, Role, RuleSource, Spec};

use super::cases::Expect;
use super::verdict::{Verdict, Verdicts};
use crate::check::findings::Collector;
use crate::check::{Check, Runner, declare_checks};

const VERIFIER: &[Role] = &[Role::Verifier];

const fn verifier_check(
    id: &'static str,
    level: Level,
    spec: Spec,
    spec_url: &'static str,
    title: &'static str,
    requirement: &'static str,
    run: fn(&Verdicts, &mut Collector),
) -> Check {
    Check {
        id,
        title,
        requirement,
        spec_url,
        level,
        source: RuleSource::Normative,
        roles: VERIFIER,
        spec,
        area: "verifier",
        applies_to: &[],
        runner: Runner::Verifier(run),
    }
}

/// A check whose rule the specification does not state in so many words (reported at most as a warning).
const fn inferred(check: Check) -> Check {
    Check {
        source: RuleSource::Inferred,
        ..check
    }
}

const OB_VERIFICATION: &str = "https://www.imsglobal.org/spec/ob/v3p0/#verification-and-validation";
const OB_DISPLAYER: &str = "https://www.imsglobal.org/spec/ob/v3p0/cert/#displayer";

declare_checks! {
    list CHECKS;
    OB30_VERDICT_001 = verifier_check(
        "OB30-VERDICT-001",
        Level::Must,
        Spec::Ob30,
        OB_DISPLAYER,
        "valid, expired and revoked told apart (VCDM 2.0)",
        "The verifier accepts a valid OB 3.0 credential (eddsa-rdfc-2022) and one its issuer's 1EdTechRevocationList lists as not revoked, and rejects one past its validUntil and one the list marks revoked.",
        trio_vcdm2,
    );
    OB30_VERDICT_002 = verifier_check(
        "OB30-VERDICT-002",
        Level::Must,
        Spec::Ob30,
        OB_DISPLAYER,
        "valid, expired and revoked told apart (VCDM 1.1)",
        "The same trio as OB30-VERDICT-001 in the legacy VCDM 1.1 shape (issuanceDate, expirationDate, Ed25519Signature2020).",
        trio_vcdm11,
    );
    OB30_VERDICT_003 = verifier_check(
        "OB30-VERDICT-003",
        Level::Must,
        Spec::Ob30,
        OB_VERIFICATION,
        "not yet valid is not valid",
        "A credential whose validFrom is in the future is rejected; the valid one is accepted.",
        not_yet_valid,
    );
    OB30_VERDICT_004 = verifier_check(
        "OB30-VERDICT-004",
        Level::Must,
        Spec::Ob30,
        OB_VERIFICATION,
        "1EdTechRevocationList read as written",
        "A credential the 1EdTechRevocationList lists without a revoked flag is revoked (rejected); one listed with revoked: false is not (accepted).",
        revocation_list,
    );
    VC_VERDICT_001 = verifier_check(
        "VC-VERDICT-001",
        Level::Should,
        Spec::Vc,
        "https://www.w3.org/TR/vc-bitstring-status-list/#validate-algorithm",
        "BitstringStatusList honoured",
        "A credential whose BitstringStatusList revocation bit is set is rejected; one whose bit is clear is accepted.",
        bitstring,
    );
    OB30_VERDICT_005 = verifier_check(
        "OB30-VERDICT-005",
        Level::Must,
        Spec::Ob30,
        "https://www.imsglobal.org/spec/ob/v3p0/#proofs-signatures",
        "a credential changed after signing, or never signed, is rejected",
        "A credential whose claims were changed after its proof was made, and one with no proof at all, are rejected; the valid one is accepted.",
        integrity,
    );
    OB30_VERDICT_006 = verifier_check(
        "OB30-VERDICT-006",
        Level::Should,
        Spec::Ob30,
        "https://www.imsglobal.org/spec/ob/v3p0/#proofs-signatures",
        "only the issuer's key",
        "A credential signed by a key its issuer does not control (a stranger's did:key) is rejected: the verification method's controller must be the issuer.",
        foreign_key,
    );
    OB30_VERDICT_007 = verifier_check(
        "OB30-VERDICT-007",
        Level::Should,
        Spec::Ob30,
        "https://www.imsglobal.org/spec/ob/v3p0/#jwt-proof",
        "VC-JWT verified, claims included",
        "A VC-JWT signed by the issuer is accepted; one whose signature was changed, and one whose sub disagrees with the credential, are rejected.",
        vc_jwt,
    );
    OB30_VERDICT_008 = verifier_check(
        "OB30-VERDICT-008",
        Level::Must,
        Spec::Ob30,
        OB_VERIFICATION,
        "generated credentials judged like the fixed ones",
        "Generated OB 3.0 credentials (valid by construction, with nested achievements, results, alignments, endorsements) are accepted, and each one's mutants are rejected: changed after signing, signed by another key in the issuer's name, signed for another proof purpose, expired, not yet valid, or carrying data its contexts do not define.",
        generated_cases,
    );
    CLR20_VERDICT_001 = inferred(verifier_check(
        "CLR20-VERDICT-001",
        Level::Should,
        Spec::Clr20,
        "https://www.imsglobal.org/spec/clr/v2p0/#verification-and-validation",
        "a CLR's nested credentials verified",
        "A CLR whose nested credentials all verify is accepted; a CLR whose own proof verifies but one of whose nested credentials was changed after signing is rejected.",
        clr_nested,
    ));
}

/// The cases each check grades: always one the verifier must accept beside the ones it must reject.
pub const CASES: &[(&str, &[&str])] = &[
    (
        "OB30-VERDICT-001",
        &["ob30-valid", "ob30-listed-not-revoked", "ob30-expired", "ob30-revoked"],
    ),
    (
        "OB30-VERDICT-002",
        &[
            "vcdm11-valid",
            "vcdm11-listed-not-revoked",
            "vcdm11-expired",
            "vcdm11-revoked",
        ],
    ),
    ("OB30-VERDICT-003", &["ob30-valid", "ob30-not-yet-valid"]),
    (
        "OB30-VERDICT-004",
        &["ob30-listed-not-revoked", "ob30-revoked-flag-absent"],
    ),
    ("VC-VERDICT-001", &["ob30-bitstring-active", "ob30-bitstring-revoked"]),
    ("OB30-VERDICT-005", &["ob30-valid", "ob30-tampered", "ob30-unsigned"]),
    ("OB30-VERDICT-006", &["ob30-valid", "ob30-foreign-key"]),
    (
        "OB30-VERDICT-007",
        &["ob30-jwt-valid", "ob30-jwt-tampered", "ob30-jwt-claim-mismatch"],
    ),
    ("CLR20-VERDICT-001", &["clr20-valid", "clr20-bad-nested"]),
];

/// The cases check `id` grades (none for an unknown id).
pub fn cases_of(id: &str) -> &'static [&'static str] {
    CASES.iter().find(|(c, _)| *c == id).map_or(&[], |(_, names)| names)
}

/// The cases check `id` grades in `set`: its named ones, or for OB30-VERDICT-008 every generated case of the set.
pub fn graded_cases<'s>(id: &str, set: &'s super::cases::CaseSet) -> Vec<&'s str> {
    if id == ids::OB30_VERDICT_008.id {
        return set
            .cases
            .iter()
            .map(|case| case.name.as_ref())
            .filter(|n| n.starts_with(GENERATED_PREFIX))
            .collect();
    }
    let named = cases_of(id);
    set.cases
        .iter()
        .map(|case| case.name.as_ref())
        .filter(|n| named.contains(n))
        .collect()
}

/// The cases the checks `selects` keeps grade, so a run of a few checks shows the verifier only what they need.
pub fn cases_for(set: &super::cases::CaseSet, selects: impl Fn(&str) -> bool) -> std::collections::BTreeSet<&str> {
    CHECKS
        .iter()
        .filter(|c| selects(c.id))
        .flat_map(|c| graded_cases(c.id, set))
        .collect()
}

fn trio_vcdm2(v: &Verdicts, c: &mut Collector) {
    grade(v, c, cases_of(ids::OB30_VERDICT_001.id));
}

fn trio_vcdm11(v: &Verdicts, c: &mut Collector) {
    grade(v, c, cases_of(ids::OB30_VERDICT_002.id));
}

fn not_yet_valid(v: &Verdicts, c: &mut Collector) {
    grade(v, c, cases_of(ids::OB30_VERDICT_003.id));
}

fn revocation_list(v: &Verdicts, c: &mut Collector) {
    grade(v, c, cases_of(ids::OB30_VERDICT_004.id));
}

fn bitstring(v: &Verdicts, c: &mut Collector) {
    grade(v, c, cases_of(ids::VC_VERDICT_001.id));
}

fn integrity(v: &Verdicts, c: &mut Collector) {
    grade(v, c, cases_of(ids::OB30_VERDICT_005.id));
}

fn foreign_key(v: &Verdicts, c: &mut Collector) {
    grade(v, c, cases_of(ids::OB30_VERDICT_006.id));
}

fn vc_jwt(v: &Verdicts, c: &mut Collector) {
    grade(v, c, cases_of(ids::OB30_VERDICT_007.id));
}

/// OB30-VERDICT-008 grades the generated cases of the set, whatever their number (`generated-*`).
fn generated_cases(v: &Verdicts, c: &mut Collector) {
    let names = graded_cases(ids::OB30_VERDICT_008.id, v.set);
    if names.is_empty() {
        c.not_reached("the set has no generated credentials (clr-harness verifier --generated N)".to_string());
        return;
    }
    grade(v, c, &names);
}

/// The name prefix of generated cases: shown when OB30-VERDICT-008 is selected.
pub const GENERATED_PREFIX: &str = "generated-";

fn clr_nested(v: &Verdicts, c: &mut Collector) {
    grade(v, c, cases_of(ids::CLR20_VERDICT_001.id));
}

/// Grades the verifier's verdicts on `names`: a wrong verdict is a violation (with the verifier's words and the
/// exchange that reproduces it); a case without an answer leaves the check an Error; a case not shown at all a Skip.
fn grade(v: &Verdicts, c: &mut Collector, names: &[&str]) {
    let mut unanswered = Vec::new();
    let mut unasked = Vec::new();
    for name in names {
        let Some(case) = v.set.get(name) else {
            unasked.push(*name);
            continue;
        };
        let Some(answer) = v.answers.iter().find(|a| a.case == *name) else {
            unasked.push(*name);
            continue;
        };
        let accepted = match &answer.verdict {
            Verdict::Accepted => true,
            Verdict::Rejected => false,
            Verdict::NoAnswer(why) => {
                unanswered.push(format!("{}: {why}", case.file_name()));
                continue;
            }
        };
        let wrong = match case.expect {
            Expect::Accept => !accepted,
            Expect::Reject => accepted,
        };
        if wrong {
            let message = if accepted {
                format!("accepted {}, which it must reject: {}", case.file_name(), case.why)
            } else {
                format!("rejected {}, which is valid: {}", case.file_name(), case.why)
            };
            let found = match (&answer.detail, accepted) {
                (Some(detail), false) => format!("rejected: {detail}"),
                (_, true) => "accepted".to_string(),
                (None, false) => "rejected".to_string(),
            };
            c.violation(message)
                .expected(case.expect.as_str())
                .found(found)
                .at(case.file_name())
                .exchange(&answer.exchange_id);
        }
    }
    if !unanswered.is_empty() && c.has_violation() {
        // A wrong verdict is proven whatever the missing ones would have been: it stays a failure.
        c.note(format!(
            "the verifier also gave no verdict on {}",
            unanswered.join("; ")
        ));
    } else if !unanswered.is_empty() {
        c.error(format!("the verifier gave no verdict on {}", unanswered.join("; ")));
    } else if !unasked.is_empty() {
        c.not_reached(format!("the verifier was not shown {}", unasked.join(", ")));
    } else {
        c.evaluated();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verifier::cases;
    use crate::verifier::verdict::Answer;
    use clr_reports::Outcome;

    fn answer(case: &str, verdict: Verdict) -> Answer {
        Answer {
            case: case.into(),
            verdict,
            detail: None,
            exchange_id: format!("ex-{case}"),
        }
    }

    fn outcome(set: &cases::CaseSet, answers: &[Answer], check: &'static Check) -> Outcome {
        let Runner::Verifier(run) = check.runner else {
            unreachable!("a verifier check")
        };
        let mut c = Collector::new(check);
        run(&Verdicts { set, answers }, &mut c);
        c.result(false).outcome
    }

    #[test]
    fn every_check_names_cases_of_the_set_with_an_accept_among_them() {
        let set =
            crate::verifier::generated::build_with(1, "http://127.0.0.1:9", 1, 1_800_000_000).expect("the set builds");
        for check in CHECKS {
            let names = graded_cases(check.id, &set);
            assert!(!names.is_empty(), "{} grades no case", check.id);
            let expects: Vec<cases::Expect> = names
                .iter()
                .map(|n| set.get(n).unwrap_or_else(|| panic!("{n} is not in the set")).expect)
                .collect();
            assert!(
                expects.contains(&cases::Expect::Accept),
                "{}: a rejection needs its control",
                check.id
            );
            assert!(expects.contains(&cases::Expect::Reject), "{}", check.id);
        }
    }

    #[test]
    fn a_wrong_verdict_stays_a_failure_when_another_case_had_no_verdict() {
        let set = cases::build(1, "http://127.0.0.1:9").expect("the set builds");
        let answers = [
            answer("ob30-valid", Verdict::Accepted),
            answer("ob30-tampered", Verdict::Accepted),
            answer("ob30-unsigned", Verdict::NoAnswer("timed out".into())),
        ];
        assert_eq!(outcome(&set, &answers, &ids::OB30_VERDICT_005), Outcome::Fail);
        // Without the wrong verdict, the missing one leaves the check an error: never a pass.
        let answers = [
            answer("ob30-valid", Verdict::Accepted),
            answer("ob30-tampered", Verdict::Rejected),
            answer("ob30-unsigned", Verdict::NoAnswer("timed out".into())),
        ];
        assert_eq!(outcome(&set, &answers, &ids::OB30_VERDICT_005), Outcome::Error);
        // A case never shown is a skip.
        assert_eq!(outcome(&set, &answers[..2], &ids::OB30_VERDICT_005), Outcome::Skip);
    }
}
