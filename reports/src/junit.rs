//! `junit.xml` for CI test tabs: a test suite per subject, a test case per check result.
//!
//! Fail is a `failure`, a harness Error an `error` (never folded into failure), Skip and NotApplicable are
//! `skipped` with their reason, and Warn/Info pass with their findings in `system-out` (a `--strict` run has
//! already turned warnings into Fail in the model).

use std::time::Duration;

use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};

use crate::ReportError;
use crate::common::{location_text, subject_counts};
use crate::model::{CheckResult, Finding, Outcome, Run, Subject};

/// Renders the run as JUnit XML.
pub fn render(run: &Run) -> Result<String, ReportError> {
    let mut report = Report::new(run.tool.name.as_str());
    report.set_time(Duration::from_millis(run.duration_ms));
    for subject in &run.subjects {
        report.add_test_suite(suite(run, subject));
    }
    Ok(report.to_string()?)
}

fn suite(run: &Run, subject: &Subject) -> TestSuite {
    let mut suite = TestSuite::new(subject.name.as_str());
    suite.add_property(Property::new("subject.id", subject.id.as_str()));
    suite.add_property(Property::new("subject.outcome", subject.outcome.as_str()));
    if let Some(d) = &subject.detected {
        suite.add_property(Property::new("detected", d.label.as_str()));
        suite.add_property(Property::new("detected.kind", d.kind.as_str()));
    }
    if let Some(parent) = &subject.parent {
        suite.add_property(Property::new("subject.parent", parent.as_str()));
    }
    let counts = subject_counts(subject);
    suite.set_system_out(format!(
        "{} checks: {} pass, {} fail, {} warn, {} info, {} skip, {} not applicable, {} error",
        counts.total(),
        counts.pass,
        counts.fail,
        counts.warn,
        counts.info,
        counts.skip,
        counts.not_applicable,
        counts.error
    ));
    for result in &subject.results {
        suite.add_test_case(case(run, subject, result));
    }
    suite
}

fn case(run: &Run, subject: &Subject, result: &CheckResult) -> TestCase {
    let info = run.check(&result.check);
    let title = info.map_or("", |c| c.title.as_str());
    let first_message = || {
        result
            .findings
            .iter()
            .find(|f| f.outcome == result.outcome)
            .or_else(|| result.findings.first())
            .map(|f| f.message.clone())
            .or_else(|| result.note.clone())
            .unwrap_or_else(|| format!("{} {}", result.outcome.as_str(), result.check))
    };
    let status = match result.outcome {
        Outcome::Fail | Outcome::Error => {
            let kind = if result.outcome == Outcome::Fail {
                NonSuccessKind::Failure
            } else {
                NonSuccessKind::Error
            };
            let mut status = TestCaseStatus::non_success(kind);
            status.set_message(first_message());
            status.set_type(info.map_or("harness-error", |c| {
                if result.outcome == Outcome::Error {
                    "harness-error"
                } else {
                    c.level.as_str()
                }
            }));
            status.set_description(findings_text(subject, &result.findings, result.note.as_deref()));
            status
        }
        Outcome::Skip | Outcome::NotApplicable => {
            let mut status = TestCaseStatus::skipped();
            let reason = result.note.as_deref().unwrap_or("no reason given");
            status.set_message(format!("{}: {reason}", result.outcome.as_str()));
            status
        }
        Outcome::Pass | Outcome::Info | Outcome::Warn => TestCaseStatus::success(),
    };
    let name = if title.is_empty() {
        result.check.clone()
    } else {
        format!("{} {title}", result.check)
    };
    let mut case = TestCase::new(name, status);
    case.set_classname(subject.name.as_str());
    if matches!(result.outcome, Outcome::Warn | Outcome::Info) && !result.findings.is_empty() {
        case.set_system_out(findings_text(subject, &result.findings, result.note.as_deref()));
    }
    case.add_property(Property::new("check.id", result.check.as_str()));
    if let Some(c) = info {
        case.add_property(Property::new("requirement", c.requirement.as_str()));
        case.add_property(Property::new("spec_url", c.spec_url.as_str()));
        case.add_property(Property::new("level", c.level.as_str()));
    }
    case.add_property(Property::new("outcome", result.outcome.as_str()));
    case
}

/// Every finding with its location and expected/found, in the same words as the terminal report.
fn findings_text(subject: &Subject, findings: &[Finding], note: Option<&str>) -> String {
    let mut lines = Vec::new();
    if let Some(note) = note {
        lines.push(format!("note: {note}"));
    }
    for f in findings {
        lines.push(format!("{}: {}", f.outcome.as_str(), f.message));
        lines.push(format!("  at {}", location_text(subject, &f.location)));
        if let Some(expected) = &f.expected {
            lines.push(format!("  expected: {expected}"));
        }
        if let Some(actual) = &f.actual {
            lines.push(format!("  found: {actual}"));
        }
        for e in &f.evidence {
            lines.push(format!("  {}: {}", e.label, e.value));
        }
        if !f.exchanges.is_empty() {
            lines.push(format!("  exchanges: {}", f.exchanges.join(", ")));
        }
        if let Some(hint) = &f.hint {
            lines.push(format!("  help: {hint}"));
        }
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample::sample_run;

    fn parsed() -> (String, Report) {
        let xml = render(&sample_run()).expect("JUnit serialises");
        let report = Report::deserialize_from_str(&xml).expect("the output parses as JUnit XML");
        (xml, report)
    }

    #[test]
    fn one_suite_per_subject_with_the_right_counts() {
        let (_, report) = parsed();
        assert_eq!(report.tests, 12);
        assert_eq!(report.failures, 2);
        assert_eq!(report.errors, 1);
        assert_eq!(report.skipped, 5, "4 skip + 1 not applicable");
        let names: Vec<_> = report.test_suites.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "samples/bad.json",
                "samples/clr.json",
                "samples/clr.json → /credentialSubject/verifiableCredential/0"
            ]
        );
        let bad = &report.test_suites[0];
        assert_eq!((bad.tests, bad.failures, bad.errors, bad.skipped), (5, 1, 0, 2));
    }

    #[test]
    fn failures_carry_message_and_every_finding() {
        let (_, report) = parsed();
        let vc = &report.test_suites[2];
        let case = &vc.test_cases[0];
        assert_eq!(case.name.as_str(), "OB30-DM-006 Issuer is a Profile");
        assert_eq!(case.classname.as_ref().map(|c| c.as_str()), Some(vc.name.as_str()));
        let TestCaseStatus::NonSuccess {
            kind,
            message,
            ty,
            description,
            ..
        } = &case.status
        else {
            panic!("a failed check is a JUnit failure: {:?}", case.status);
        };
        assert_eq!(*kind, NonSuccessKind::Failure);
        assert_eq!(
            message.as_ref().map(|m| m.as_str()),
            Some("issuer type does not include \"Profile\"")
        );
        assert_eq!(ty.as_ref().map(|t| t.as_str()), Some("MUST"));
        let body = description.as_ref().map(|d| d.as_str()).unwrap_or_default();
        assert!(
            body.contains("at samples/clr.json:7:13 /issuer/type (in compact JWS payload)"),
            "{body}"
        );
        assert!(body.contains("fail: issuer Profile has no id"), "{body}");
        assert!(body.contains("found: no id"), "{body}");
    }

    #[test]
    fn errors_skips_and_warnings_map_to_their_junit_shape() {
        let (xml, report) = parsed();
        let proof = &report.test_suites[1].test_cases[1];
        assert!(matches!(
            proof.status,
            TestCaseStatus::NonSuccess {
                kind: NonSuccessKind::Error,
                ..
            }
        ));
        let skip = &report.test_suites[0].test_cases[3];
        let TestCaseStatus::Skipped { message, .. } = &skip.status else {
            panic!("{:?}", skip.status)
        };
        assert_eq!(message.as_ref().map(|m| m.as_str()), Some("skip: needs --spec-dir"));
        let warn = &report.test_suites[0].test_cases[2];
        assert!(matches!(warn.status, TestCaseStatus::Success { .. }));
        let out = warn.system_out.as_ref().map(|s| s.as_str()).unwrap_or_default();
        assert!(
            out.contains("warn: achievement image type should be \"Image\""),
            "{out}"
        );
        assert!(
            xml.contains("<property name=\"check.id\" value=\"OB30-DM-020\"/>"),
            "{xml}"
        );
        assert!(xml.contains("<property name=\"level\" value=\"SHOULD\"/>"));
        assert!(xml.contains("<property name=\"outcome\" value=\"warn\"/>"));
        assert!(xml.contains("<property name=\"spec_url\" value=\"https://www.imsglobal.org/spec/ob/v3p0/#image\"/>"));
    }

    #[test]
    fn input_text_with_control_characters_still_gives_valid_xml() {
        let mut run = sample_run();
        run.subjects[0].results[0].findings[0].actual = Some("\u{1b}[31m\u{0}<x>&\"Issuer\"".into());
        let xml = render(&run).expect("JUnit serialises");
        let report = Report::deserialize_from_str(&xml).expect("control characters must not break the XML");
        let TestCaseStatus::NonSuccess { description, .. } = &report.test_suites[0].test_cases[0].status else {
            panic!("still a failure");
        };
        let body = description.as_ref().map(|d| d.as_str()).unwrap_or_default();
        assert!(body.contains("<x>&\"Issuer\""), "{body}");
    }
}
