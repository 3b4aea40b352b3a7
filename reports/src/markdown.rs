//! `report.md` for pull-request comments: verdict first, a table per subject, then one short section per
//! failing or warning check. Long lists fold into `<details>` so a comment stays skimmable.

use std::collections::BTreeMap;

use crate::bundles::{self, BundleVerdict};
use crate::common::{LEGEND, exit_code_meaning, location_text, subject_counts, subject_tree};
use crate::model::{CheckResult, Finding, Outcome, RuleSource, Run, Subject};

/// Findings shown per check before the rest fold away.
const FINDINGS_SHOWN: usize = 3;
/// Check sections shown before the rest fold away.
const SECTIONS_SHOWN: usize = 10;
/// Check ids of a bundle shown before the rest fold away.
const IDS_SHOWN: usize = 8;

/// Renders the run as GitHub-flavoured Markdown.
pub fn render(run: &Run) -> String {
    let mut out = Vec::new();
    let (icon, word) = match run.summary.exit_code {
        0 => ("✅", "conformant"),
        1 => ("❌", "not conformant"),
        5 => ("❔", "unverified"),
        _ => ("⚠️", "incomplete"),
    };
    out.push(format!("## {icon} {} report: {word}", text(&run.tool.name)));
    out.push(String::new());
    out.push(format!(
        "`{} {}` · vectors `{}` · {}{}",
        text(&run.tool.name),
        text(&run.tool.version),
        text(&run.tool.vectors_version),
        text(&run.tool.specs.join(", ")),
        if run.options.strict { " · strict" } else { "" }
    ));
    out.push(String::new());
    out.push(format!(
        "**Verdict:** {} (exit code {}: {})",
        text(&run.summary.verdict),
        run.summary.exit_code,
        exit_code_meaning(run.summary.exit_code)
    ));
    out.push(String::new());
    table(run, &mut out);
    let unverified: Vec<&Subject> = run.subjects.iter().filter(|s| s.unverified.is_some()).collect();
    if !unverified.is_empty() {
        out.push(String::new());
        out.push("**Unverified** (nothing failed, but this was not observed):".to_string());
        for s in unverified {
            out.push(format!(
                "- {}: {}",
                code(&s.name),
                text(s.unverified.as_deref().unwrap_or_default())
            ));
        }
    }

    bundle_table(run, &mut out);

    let sections: Vec<(&Subject, &CheckResult)> = run
        .subjects
        .iter()
        .flat_map(|s| s.results.iter().map(move |r| (s, r)))
        .filter(|(_, r)| matches!(r.outcome, Outcome::Fail | Outcome::Error | Outcome::Warn))
        .collect();
    if !sections.is_empty() {
        out.push(String::new());
        out.push("### Failures and warnings".to_string());
        for (i, (subject, result)) in sections.iter().enumerate() {
            if i == SECTIONS_SHOWN {
                out.push(String::new());
                out.push(format!(
                    "<details><summary>{} more checks</summary>",
                    sections.len() - SECTIONS_SHOWN
                ));
            }
            section(run, subject, result, &mut out);
        }
        if sections.len() > SECTIONS_SHOWN {
            out.push(String::new());
            out.push("</details>".to_string());
        }
    }
    skipped(run, &mut out);
    out.push(String::new());
    let legend: Vec<String> = LEGEND
        .iter()
        .map(|(o, meaning)| format!("{} {} = {meaning}", icon_of(*o), o.as_str()))
        .collect();
    out.push(format!("<sub>{}</sub>", legend.join(" · ")));
    let mut md = out.join("\n");
    md.push('\n');
    md
}

fn icon_of(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Pass => "✅",
        Outcome::Info => "ℹ️",
        Outcome::NotApplicable => "➖",
        Outcome::Skip => "⏭️",
        Outcome::Warn => "⚠️",
        Outcome::Fail => "❌",
        Outcome::Error => "💥",
    }
}

fn table(run: &Run, out: &mut Vec<String>) {
    out.push("| Subject | Detected as | Outcome | Pass | Fail | Warn | Error | Info | Skip | N/A |".to_string());
    out.push("|---|---|---|--:|--:|--:|--:|--:|--:|--:|".to_string());
    for (depth, s) in subject_tree(run) {
        let c = subject_counts(s);
        let nest = if depth == 0 {
            String::new()
        } else {
            format!("{}↳ ", "&nbsp;&nbsp;".repeat(depth - 1))
        };
        let detected = text(&s.what());
        out.push(format!(
            "| {nest}{} | {detected} | {} {} | {} | {} | {} | {} | {} | {} | {} |",
            code(&s.name),
            icon_of(s.outcome),
            s.outcome.as_str(),
            c.pass,
            c.fail,
            c.warn,
            c.error,
            c.info,
            c.skip,
            c.not_applicable
        ));
    }
}

fn section(run: &Run, s: &Subject, result: &CheckResult, out: &mut Vec<String>) {
    let info = run.check(&result.check);
    let title = info.map_or(String::new(), |c| format!(" {}", text(&c.title)));
    out.push(String::new());
    out.push(format!(
        "#### {} `{}`{title} · {}",
        icon_of(result.outcome),
        result.check,
        code(&s.name)
    ));
    if let Some(c) = info {
        let inferred = if c.source == RuleSource::Inferred {
            ", inferred rule"
        } else {
            ""
        };
        let (requirement, level, link) = (text(&c.requirement), c.level.as_str(), url(&c.spec_url));
        out.push(format!("{requirement} ({level}{inferred}) · [spec]({link})"));
    }
    if let Some(note) = &result.note {
        out.push(format!("> {}", text(note)));
    }
    out.push(String::new());
    for (i, f) in result.findings.iter().enumerate() {
        if i == FINDINGS_SHOWN {
            out.push(String::new());
            out.push(format!(
                "<details><summary>{} more findings</summary>",
                result.findings.len() - FINDINGS_SHOWN
            ));
            out.push(String::new());
        }
        finding(s, f, out);
    }
    if result.findings.len() > FINDINGS_SHOWN {
        out.push(String::new());
        out.push("</details>".to_string());
    }
}

fn finding(s: &Subject, f: &Finding, out: &mut Vec<String>) {
    let mut line = format!(
        "- {} {} at {}",
        icon_of(f.outcome),
        text(&f.message),
        code(&location_text(s, &f.location))
    );
    let mut facts = Vec::new();
    if let Some(expected) = &f.expected {
        facts.push(format!("expected {}", code(expected)));
    }
    if let Some(actual) = &f.actual {
        facts.push(format!("found {}", code(actual)));
    }
    if let Some(hint) = &f.hint {
        facts.push(format!("help: {}", text(hint)));
    }
    if !facts.is_empty() {
        line.push_str(&format!(": {}", facts.join("; ")));
    }
    out.push(line);
}

/// The certification bundles, with what each one that does not pass still needs.
fn bundle_table(run: &Run, out: &mut Vec<String>) {
    out.push(String::new());
    out.push("### Certification bundles".to_string());
    out.push(String::new());
    out.push("| Bundle | Verdict | Why | Still needs |".to_string());
    out.push("|---|---|---|---|".to_string());
    for b in bundles::evaluate(run) {
        let icon = match b.verdict {
            BundleVerdict::Pass => "✅",
            BundleVerdict::Fail => "❌",
            BundleVerdict::Error => "💥",
            BundleVerdict::Incomplete => "❔",
            BundleVerdict::NotTested => "➖",
        };
        let mut needs = Vec::new();
        if !b.failing.is_empty() {
            needs.push(format!("failing: {}", ids(&b.failing)));
        }
        // A pass needs nothing more; any other verdict lists the required checks not yet evaluated.
        if b.verdict != BundleVerdict::Pass && !b.needed.is_empty() {
            needs.push(format!("not evaluated: {}", ids(&b.needed)));
        }
        out.push(format!(
            "| {} | {icon} {} | {} | {} |",
            text(b.bundle.name),
            b.verdict.as_str(),
            text(&b.reason),
            needs.join(" · ")
        ));
    }
    out.push(String::new());
    out.push(
        "<sub>A bundle is judged on what this run shows about its role (input and upserted credentials of its \
         family and API clients for an Issuer, providers and API clients for a Host, graded verifiers for a \
         Displayer); it passes when every required check was evaluated \
         and none failed.</sub>"
            .to_string(),
    );
}

/// Check ids as inline code; past [`IDS_SHOWN`] the rest fold into a `<details>` that stays inside the table cell.
fn ids(ids: &[String]) -> String {
    let codes: Vec<String> = ids.iter().map(|id| code(id)).collect();
    if codes.len() <= IDS_SHOWN {
        return codes.join(", ");
    }
    let (shown, rest) = codes.split_at(IDS_SHOWN);
    format!(
        "{} <details><summary>{} more</summary>{}</details>",
        shown.join(", "),
        rest.len(),
        rest.join(", ")
    )
}

/// Skipped checks are rarely what a reviewer came for, so they live folded, grouped by reason.
fn skipped(run: &Run, out: &mut Vec<String>) {
    let mut by_reason: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for s in &run.subjects {
        for r in s.results.iter().filter(|r| r.outcome == Outcome::Skip) {
            let reason = r.note.as_deref().unwrap_or("no reason given");
            by_reason
                .entry(reason)
                .or_default()
                .push(format!("`{}` on {}", r.check, code(&s.name)));
        }
    }
    if by_reason.is_empty() {
        return;
    }
    let total: usize = by_reason.values().map(Vec::len).sum();
    out.push(String::new());
    out.push(format!("<details><summary>{total} skipped</summary>"));
    out.push(String::new());
    for (reason, checks) in by_reason {
        out.push(format!("- **{}**: {}", text(reason), checks.join(", ")));
    }
    out.push(String::new());
    out.push("</details>".to_string());
}

/// Escapes free text for a table cell or paragraph: Markdown punctuation, raw HTML and line breaks. Documents and
/// servers under test supply much of this text; it must not be able to restructure the comment.
fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Inline code that survives backticks and pipes in its content: the fence is longer than any backtick run, and
/// pipes are escaped because GFM splits table cells on them even inside code.
fn code(s: &str) -> String {
    let flat: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .replace('|', "\\|");
    let longest = flat.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if flat.starts_with('`') || flat.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{flat}{pad}{fence}")
}

/// Spec links come from the catalogue, but a stray `)` or space would still end the link early.
fn url(s: &str) -> String {
    s.replace(' ', "%20").replace('(', "%28").replace(')', "%29")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::CheckInfo;
    use crate::sample::sample_run;

    #[test]
    fn header_carries_versions_and_verdict() {
        let md = render(&sample_run());
        assert!(md.starts_with("## ❌ clr-harness report: not conformant\n"), "{md}");
        assert!(md.contains("`clr-harness 0.1.0` · vectors `2025.06.1` · OB 3.0 (context 3.0.3), CLR 2.0"));
        assert!(md.contains("**Verdict:** 2 documents (1 embedded credential), 2 failed: 3 MUST failures"));
        assert!(md.contains("(exit code 1: at least one required check failed)"));
    }

    #[test]
    fn summary_table_has_a_row_per_subject() {
        let md = render(&sample_run());
        assert!(md.contains("| Subject | Detected as | Outcome | Pass | Fail | Warn | Error | Info | Skip | N/A |"));
        assert!(md.contains(
            "| `samples/bad.json` | OB 3.0 AchievementCredential (VCDM 2.0) | ❌ fail | 1 | 1 | 1 | 0 | 0 | 1 | 1 |"
        ));
        assert!(md.contains(
            "| `samples/clr.json` | CLR 2.0 ClrCredential (VCDM 2.0) | 💥 error | 1 | 0 | 0 | 1 | 0 | 1 | 0 |"
        ));
        assert!(
            md.contains("| ↳ `samples/clr.json → /credentialSubject/verifiableCredential/0` |"),
            "{md}"
        );
    }

    #[test]
    fn failing_checks_get_compact_sections() {
        let md = render(&sample_run());
        assert!(
            md.contains("#### ❌ `OB30-DM-006` Issuer is a Profile · `samples/bad.json`"),
            "{md}"
        );
        assert!(md.contains("(MUST) · [spec](https://www.imsglobal.org/spec/ob/v3p0/#profile)"));
        assert!(
            md.contains(
                "- ❌ issuer must be a URI or a Profile object with an id at `samples/bad.json:14:13 /issuer/type`: \
             expected `an array containing \"Profile\"`; found `\"Issuer\"`"
            ),
            "{md}"
        );
        assert!(
            md.contains("An Image object has a type of \"Image\" (SHOULD, inferred rule) · [spec]"),
            "{md}"
        );
        assert!(md.contains("#### 💥 `OB30-PR-002` Proof verifies"));
        assert!(!md.contains("#### ✅"), "passing checks get no section");
        assert!(md.contains("<details><summary>4 skipped</summary>"), "{md}");
        assert!(
            md.contains("- **needs --spec-dir**: `OB30-SC-001` on `samples/bad.json`"),
            "{md}"
        );
    }

    #[test]
    fn long_finding_lists_fold_into_details() {
        let mut run = sample_run();
        let findings = &mut run.subjects[0].results[0].findings;
        let first = findings[0].clone();
        findings.extend(std::iter::repeat_n(first, 4));
        let md = render(&run);
        assert!(md.contains("<details><summary>2 more findings</summary>"), "{md}");
    }

    #[test]
    fn bundles_say_why_and_what_they_still_need() {
        let md = render(&sample_run());
        assert!(
            md.contains("### Certification bundles\n\n| Bundle | Verdict | Why | Still needs |"),
            "{md}"
        );
        assert!(
            md.contains(
                "| OB 3.0 Issuer | ❌ fail | 1 of its checks failed or errored on the 2 credentials given as input | \
                 failing: `OB30-DM-006` · not evaluated: `OB30-SC-001`, `OB30-PR-002` |"
            ),
            "{md}"
        );
        assert!(
            md.contains(
                "| OB 3.0 Host | ➖ not tested | no provider was tested in this run (\\`clr-harness run\\`) |  |"
            ),
            "{md}"
        );
        assert!(
            md.contains("| CLR 2.0 Displayer | ➖ not tested | no verifier was graded in this run"),
            "{md}"
        );
    }

    #[test]
    fn long_lists_of_needed_checks_fold() {
        let mut run = sample_run();
        let template = run.checks[0].clone();
        for i in 0..12 {
            run.checks.push(CheckInfo {
                id: format!("OB30-X-{i:03}"),
                ..template.clone()
            });
            run.subjects[0].results.push(CheckResult {
                check: format!("OB30-X-{i:03}"),
                outcome: Outcome::Skip,
                note: None,
                findings: vec![],
            });
        }
        let md = render(&run);
        assert!(
            md.contains(
                "`OB30-X-005` <details><summary>6 more</summary>`OB30-X-006`, `OB30-X-007`, `OB30-X-008`, \
                 `OB30-X-009`, `OB30-X-010`, `OB30-X-011`</details> |"
            ),
            "{md}"
        );
    }

    #[test]
    fn input_text_cannot_break_out_of_cells_or_code() {
        assert_eq!(text("<img src=x> | *a*"), "&lt;img src=x&gt; \\| \\*a\\*");
        assert_eq!(code("a`b|c"), "``a`b\\|c``");
        assert_eq!(code("`x`"), "`` `x` ``");
    }
}
