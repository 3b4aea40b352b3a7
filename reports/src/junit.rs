//! `junit.xml` for CI test tabs: a test suite per subject, a test case per check result.
//!
//! Names are stable across runs, so a CI's test history lines up run after run: a suite is named by the subject's
//! role and what it is (`document · badge.json`, `provider · OB 3.0 API`, `provider · OAuth 2.0 authorization
//! server`, an embedded credential as `<parent suite> → /credentialSubject/…`), never by an ephemeral port or a
//! temporary directory; the full name and source (path or URL) are suite properties. Suites that would share a name
//! get ` (2)`, ` (3)` … in report order. A test case is named by its check id and title.
//!
//! Fail is a `failure`, a harness Error an `error` (never folded into failure), Skip and NotApplicable are
//! `skipped` with their reason, and Warn/Info pass with their findings in `system-out` (a `--strict` run has
//! already turned warnings into Fail in the model).

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};

use crate::ReportError;
use crate::common::{location_text, subject_counts, subject_tree};
use crate::model::{CheckResult, Finding, Outcome, Run, Spec, Subject, SubjectKind};

/// Renders the run as JUnit XML.
pub fn render(run: &Run) -> Result<String, ReportError> {
    let mut out = Vec::new();
    write(run, &mut out)?;
    String::from_utf8(out).map_err(|e| ReportError::Io {
        path: "junit.xml".into(),
        source: std::io::Error::other(e),
    })
}

/// Writes the run as JUnit XML into `out` one test suite at a time: quick-junit renders each suite on its own
/// (escaping, indentation) and the `<testsuites>` element around them from the run's totals, so a run of thousands of
/// subjects is never held as one in-memory report and one string.
pub fn write(run: &Run, out: &mut dyn std::io::Write) -> Result<(), ReportError> {
    let io = |source| ReportError::Io {
        path: "junit.xml".into(),
        source,
    };
    let mut totals = Report::new(run.tool.name.as_str());
    totals.set_time(Duration::from_millis(run.duration_ms));
    for r in run.subjects.iter().flat_map(|s| &s.results) {
        totals.tests += 1;
        match r.outcome {
            Outcome::Fail => totals.failures += 1,
            Outcome::Error => totals.errors += 1,
            Outcome::Skip | Outcome::NotApplicable => totals.skipped += 1,
            Outcome::Pass | Outcome::Warn | Outcome::Info => {}
        }
    }
    let frame = totals.to_string()?;
    let (head, _) = split_testsuites(&frame);
    out.write_all(head.as_bytes()).map_err(io)?;
    for (subject, name) in run.subjects.iter().zip(suite_names(run)) {
        let mut one = Report::new(run.tool.name.as_str());
        one.add_test_suite(suite(run, subject, &name));
        let text = one.to_string()?;
        let (_, inner) = split_testsuites(&text);
        // Each suite starts on a new line, indented, as in a report rendered whole.
        out.write_all(inner.trim_end_matches('\n').as_bytes()).map_err(io)?;
    }
    out.write_all(b"\n</testsuites>\n").map_err(io)
}

/// A report's text split after the `<testsuites …>` start tag: what comes before it (declaration and tag), and what
/// lies between it and `</testsuites>` (its suites).
fn split_testsuites(text: &str) -> (&str, &str) {
    let start = text.find("<testsuites").unwrap_or(0);
    let after_tag = text
        .get(start..)
        .and_then(|t| t.find('>'))
        .map_or(text.len(), |i| start + i + 1);
    let end = text.rfind("</testsuites>").unwrap_or(text.len()).max(after_tag);
    (
        text.get(..after_tag).unwrap_or_default(),
        text.get(after_tag..end).unwrap_or_default(),
    )
}

/// The stable suite name of every subject, aligned with `run.subjects`: parents are named before the subjects
/// embedded in them, whose names extend their parent's.
fn suite_names(run: &Run) -> Vec<String> {
    let mut names: Vec<Option<String>> = vec![None; run.subjects.len()];
    let mut taken: HashSet<String> = HashSet::new();
    let position: HashMap<*const Subject, usize> = run
        .subjects
        .iter()
        .enumerate()
        .map(|(i, s)| (std::ptr::from_ref(s), i))
        .collect();
    let by_id: HashMap<&str, usize> = run
        .subjects
        .iter()
        .enumerate()
        .rev()
        .map(|(i, s)| (s.id.as_str(), i))
        .collect();
    for (_, subject) in subject_tree(run) {
        let Some(&i) = position.get(&std::ptr::from_ref(subject)) else {
            continue;
        };
        let parent = subject
            .parent
            .as_deref()
            .and_then(|p| by_id.get(p).copied())
            .and_then(|j| names[j].clone());
        let base = stable_name(run, subject, parent.as_deref());
        let (mut name, mut n) = (base.clone(), 1);
        while !taken.insert(name.clone()) {
            n += 1;
            name = format!("{base} ({n})");
        }
        names[i] = Some(name);
    }
    // `subject_tree` lists every subject exactly once, so every slot is filled; the default is never used.
    names.into_iter().map(Option::unwrap_or_default).collect()
}

/// A subject's suite name without run-specific parts (ports, temporary directories).
fn stable_name(run: &Run, s: &Subject, parent: Option<&str>) -> String {
    match (s.kind, parent) {
        (SubjectKind::Provider, _) => format!("provider · {}", served(run, s)),
        (SubjectKind::Consumer, _) => format!("consumer · {}", served(run, s)),
        (SubjectKind::Verifier, _) => format!("verifier · {}", s.name),
        // Where in the parent: the scope's pointer, or the tail of the name the engine built as `<parent> → <where>`.
        (SubjectKind::Embedded, _) => {
            let at = s
                .scope
                .as_ref()
                .and_then(|l| l.pointer.clone())
                .or_else(|| s.name.rsplit_once(" → ").map(|(_, tail)| tail.to_string()))
                .unwrap_or_else(|| s.id.clone());
            match parent {
                Some(parent) => format!("{parent} → {at}"),
                None => format!("embedded · {} → {at}", file_name(&s.source)),
            }
        }
        // A credential a provider returned: its name is the harness's own label (`OB 3.0 getCredentials /credential/2`).
        (SubjectKind::Document, Some(parent)) => format!("{parent} → {}", s.name),
        (SubjectKind::Document, None) => {
            let source = if s.source.is_empty() { &s.name } else { &s.source };
            format!("document · {}", file_name(source))
        }
    }
}

/// What a provider or consumer subject was tested as, from the specifications of its checks: `OB 3.0 API`,
/// `OAuth 2.0 authorization server`, or several joined with ` + `.
fn served(run: &Run, s: &Subject) -> String {
    let mut specs: Vec<Spec> = s
        .results
        .iter()
        .filter_map(|r| run.check(&r.check))
        .map(|c| c.spec)
        .collect();
    specs.sort();
    specs.dedup();
    if specs.is_empty() {
        return "no checks".to_string();
    }
    let label = |spec: Spec| match spec {
        Spec::Ob30 | Spec::Clr20 => format!("{} API", spec.as_str()),
        Spec::OAuth => "OAuth 2.0 authorization server".to_string(),
        other => other.as_str().to_string(),
    };
    specs.into_iter().map(label).collect::<Vec<_>>().join(" + ")
}

/// The last segment of a path or URL (`badge.json`), without the directories or the scheme and authority around
/// it; `stdin` for `-`.
fn file_name(source: &str) -> String {
    if source == "-" {
        return "stdin".to_string();
    }
    let path = match source.split_once("://") {
        Some((_, rest)) => {
            let rest = rest.split(['?', '#']).next().unwrap_or_default();
            rest.find('/').map_or("", |i| &rest[i..])
        }
        None => source,
    };
    path.rsplit(['/', '\\'])
        .find(|segment| !segment.is_empty())
        .unwrap_or("/")
        .to_string()
}

fn suite(run: &Run, subject: &Subject, name: &str) -> TestSuite {
    let mut suite = TestSuite::new(name);
    suite.add_property(Property::new("subject.id", subject.id.as_str()));
    suite.add_property(Property::new("subject.name", subject.name.as_str()));
    suite.add_property(Property::new("subject.source", subject.source.as_str()));
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
        suite.add_test_case(case(run, subject, name, result));
    }
    suite
}

fn case(run: &Run, subject: &Subject, suite: &str, result: &CheckResult) -> TestCase {
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
    case.set_classname(suite);
    if matches!(result.outcome, Outcome::Warn | Outcome::Info) && !result.findings.is_empty() {
        case.set_system_out(findings_text(subject, &result.findings, result.note.as_deref()));
    }
    case.add_property(Property::new("check.id", result.check.as_str()));
    // The requirement, its level and spec link where a reader has an outcome to act on. A passing or not-applicable
    // case carries its id and outcome only: over a corpus of thousands of credentials each requirement would
    // otherwise be repeated thousands of times (the catalogue, `clr-harness checks`, has them once).
    if let Some(c) = info.filter(|_| !matches!(result.outcome, Outcome::Pass | Outcome::NotApplicable)) {
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

    /// The run rendered whole by quick-junit, as the streamed writer must reproduce it byte for byte.
    fn rendered_whole(run: &Run) -> String {
        let mut report = Report::new(run.tool.name.as_str());
        report.set_time(Duration::from_millis(run.duration_ms));
        for (subject, name) in run.subjects.iter().zip(suite_names(run)) {
            report.add_test_suite(suite(run, subject, &name));
        }
        report.to_string().expect("renders")
    }

    #[test]
    fn suites_written_one_at_a_time_are_the_report_rendered_whole() {
        for run in [sample_run(), crate::sample::sample_run_with_provider()] {
            assert_eq!(render(&run).expect("streams"), rendered_whole(&run));
        }
        let mut empty = sample_run();
        empty.subjects.clear();
        assert_eq!(render(&empty).expect("streams"), rendered_whole(&empty));
    }

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
                "document · bad.json",
                "document · clr.json",
                "document · clr.json → /credentialSubject/verifiableCredential/0"
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

    /// A provider run as the engine names it (base URL with its ephemeral port) plus a document from a temporary
    /// directory, with `port` and `tmp` varying between runs.
    fn run_at(port: u16, tmp: &str) -> Run {
        let mut run = crate::sample::sample_run_with_provider();
        let base = format!("http://127.0.0.1:{port}/");
        let provider = run.subjects.pop().expect("the sample has a provider");
        let (mut oauth, mut ob) = (provider.clone(), provider);
        oauth.id = "provider-oauth".into();
        oauth.name = format!("OAuth 2.0 authorization server of {base}");
        oauth.source = base.clone();
        oauth.results.retain(|r| r.check.starts_with("OAUTH-"));
        ob.id = "provider-ob30".into();
        ob.name = format!("OB 3.0 API at http://127.0.0.1:{port}/ims/ob/v3p0");
        ob.source = base;
        ob.results.retain(|r| r.check.starts_with("OB30-"));
        // A credential the provider returned, and one embedded in it.
        let mut returned = run.subjects[1].clone();
        returned.id = "ob30-received-1".into();
        returned.name = "OB 3.0 getCredentials /credential/0".into();
        returned.source = returned.name.clone();
        returned.parent = Some(ob.id.clone());
        let mut nested = run.subjects[2].clone();
        nested.id = "ob30-received-1/vc-0".into();
        nested.name = format!("{} → /credentialSubject/verifiableCredential/0", returned.name);
        nested.source = returned.name.clone();
        nested.parent = Some(returned.id.clone());
        run.subjects[0].name = format!("{tmp}/bad.json");
        run.subjects[0].source = run.subjects[0].name.clone();
        run.subjects[1].source = format!("http://127.0.0.1:{port}/credentials/clr.json?x=1");
        run.subjects[1].name = run.subjects[1].source.clone();
        run.subjects[2].name = format!("{} → /credentialSubject/verifiableCredential/0", run.subjects[1].name);
        run.subjects.extend([oauth, ob, returned, nested]);
        run
    }

    /// A test case's name and class name.
    type CaseNames = (String, Option<String>);

    /// Every suite's name with its test cases' names, in report order.
    fn names(run: &Run) -> Vec<(String, Vec<CaseNames>)> {
        let xml = render(run).expect("JUnit serialises");
        let report = Report::deserialize_from_str(&xml).expect("parses");
        report
            .test_suites
            .iter()
            .map(|s| {
                let cases = s
                    .test_cases
                    .iter()
                    .map(|c| (c.name.to_string(), c.classname.as_ref().map(|n| n.to_string())))
                    .collect();
                (s.name.to_string(), cases)
            })
            .collect()
    }

    #[test]
    fn names_do_not_depend_on_ports_or_temporary_directories() {
        let a = names(&run_at(41234, "/tmp/.tmpAbC123"));
        let b = names(&run_at(50999, "/var/folders/x/T/.tmpZz9"));
        assert_eq!(a, b);
        let suites: Vec<&str> = a.iter().map(|(s, _)| s.as_str()).collect();
        assert_eq!(
            suites,
            [
                "document · bad.json",
                "document · clr.json",
                "document · clr.json → /credentialSubject/verifiableCredential/0",
                "provider · OAuth 2.0 authorization server",
                "provider · OB 3.0 API",
                "provider · OB 3.0 API → OB 3.0 getCredentials /credential/0",
                "provider · OB 3.0 API → OB 3.0 getCredentials /credential/0 → /credentialSubject/verifiableCredential/0",
            ]
        );
        for (suite, cases) in &a {
            assert!(
                cases.iter().all(|(_, class)| class.as_deref() == Some(suite.as_str())),
                "{suite}: {cases:?}"
            );
        }
        // The full name and source stay available as properties.
        let xml = render(&run_at(41234, "/tmp/.tmpAbC123")).expect("JUnit serialises");
        assert!(
            xml.contains(
                "<property name=\"subject.name\" value=\"OB 3.0 API at http://127.0.0.1:41234/ims/ob/v3p0\"/>"
            ),
            "{xml}"
        );
        assert!(
            xml.contains("<property name=\"subject.source\" value=\"/tmp/.tmpAbC123/bad.json\"/>"),
            "{xml}"
        );
    }

    #[test]
    fn suites_that_would_share_a_name_are_numbered() {
        let mut run = sample_run();
        run.subjects[1].name = "a/bad.json".into();
        run.subjects[1].source = "a/bad.json".into();
        let suites: Vec<String> = names(&run).into_iter().map(|(s, _)| s).collect();
        assert_eq!(
            suites,
            [
                "document · bad.json",
                "document · bad.json (2)",
                "document · bad.json (2) → /credentialSubject/verifiableCredential/0"
            ]
        );
        assert_eq!(file_name("-"), "stdin");
        assert_eq!(file_name("C:\\Users\\me\\badge.png"), "badge.png");
        assert_eq!(file_name("https://127.0.0.1:8443/"), "/");
        assert_eq!(file_name("https://h.example/b/c.json#x"), "c.json");
        assert_eq!(file_name("dir/"), "dir");
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
