//! The human report, shaped like rustc diagnostics: one located block per problem, quiet about what passed.
//!
//! Layout: a header with versions, then per subject (embedded ones indented under their parent) a status line,
//! its diagnostics, and one line summarising skipped checks; then counts, the verdict and the exit code.

use std::collections::BTreeMap;

use crate::common::{
    Hunk, LEGEND, Side, ValueDiff, clean, exit_code_meaning, location_text, needs_attention, subject_tree, value_diff,
};
use crate::model::{CheckInfo, CheckResult, Finding, Outcome, RuleSource, Run, Subject};

/// How the terminal report is rendered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TerminalOptions {
    /// Emit ANSI colour codes.
    pub color: bool,
    /// Also list passing and not-applicable checks, exchanges as curl commands, and the outcome legend.
    pub verbose: bool,
}

/// Widest snippet shown in full; longer lines (minified JSON) are cut to a window around the column.
const SNIPPET_WIDTH: usize = 100;

#[derive(Clone, Copy)]
enum Style {
    Error,
    Warning,
    Note,
    Harness,
    Pass,
    Dim,
    Gutter,
    Bold,
    /// A diff line only the expected value has.
    Deleted,
    /// A diff line only the found value has.
    Inserted,
    /// A diff hunk header.
    Hunk,
}

struct Painter {
    on: bool,
}

impl Painter {
    fn paint(&self, style: Style, text: &str) -> String {
        if !self.on || text.is_empty() {
            return text.to_string();
        }
        let code = match style {
            Style::Error => "1;31",
            Style::Warning => "1;33",
            Style::Note => "1;36",
            Style::Harness => "1;35",
            Style::Pass => "1;32",
            Style::Dim => "2",
            Style::Gutter => "1;34",
            Style::Bold => "1",
            Style::Deleted => "31",
            Style::Inserted => "32",
            Style::Hunk => "36",
        };
        format!("\u{1b}[{code}m{text}\u{1b}[0m")
    }
}

fn outcome_style(outcome: Outcome) -> Style {
    match outcome {
        Outcome::Fail => Style::Error,
        Outcome::Warn => Style::Warning,
        Outcome::Info => Style::Note,
        Outcome::Error => Style::Harness,
        Outcome::Pass => Style::Pass,
        Outcome::Skip | Outcome::NotApplicable => Style::Dim,
    }
}

/// Tag in front of a subject line, padded so subject names line up.
fn outcome_tag(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Pass => "PASS ",
        Outcome::Info => "PASS ",
        Outcome::NotApplicable => "N/A  ",
        Outcome::Skip => "SKIP ",
        Outcome::Warn => "WARN ",
        Outcome::Fail => "FAIL ",
        Outcome::Error => "ERROR",
    }
}

/// Diagnostic label; harness errors get their own word so they never read as a failed requirement without colour.
fn diagnostic_label(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Fail => "error",
        Outcome::Warn => "warning",
        Outcome::Error => "harness error",
        _ => "info",
    }
}

/// Renders the whole run for a terminal (or `report.txt` without colour).
pub fn render(run: &Run, opts: &TerminalOptions) -> String {
    let mut r = Renderer {
        run,
        verbose: opts.verbose,
        p: Painter { on: opts.color },
        out: Vec::new(),
    };
    r.header();
    for (depth, subject) in subject_tree(run) {
        r.subject(subject, depth);
    }
    r.summary();
    let mut text = r.out.join("\n");
    text.push('\n');
    text
}

struct Renderer<'a> {
    run: &'a Run,
    verbose: bool,
    p: Painter,
    out: Vec<String>,
}

impl Renderer<'_> {
    fn header(&mut self) {
        let tool = &self.run.tool;
        let name = self.p.paint(Style::Bold, &format!("{} {}", tool.name, tool.version));
        let mut line = format!("{name} · vectors {} · {}", tool.vectors_version, tool.specs.join(", "));
        if self.run.options.strict {
            line.push_str(" · strict (SHOULD violations fail)");
        }
        self.out.push(line);
    }

    fn subject(&mut self, s: &Subject, depth: usize) {
        let ind = "  ".repeat(depth);
        let what = match &s.detected {
            Some(d) => format!("{}: {}", clean(&d.label), clean(&d.reason)),
            None => s.what(),
        };
        let tag = self.p.paint(outcome_style(s.outcome), outcome_tag(s.outcome));
        let name = self.p.paint(Style::Bold, &clean(&s.name));
        self.out.push(String::new());
        self.out.push(format!("{ind}{tag} {name} — {what}"));
        if !s.layers.is_empty() {
            let layers = format!("decoded from {}", clean(&s.layers.join(" → ")));
            self.out
                .push(format!("{ind}      {}", self.p.paint(Style::Dim, &layers)));
        }
        if let Some(why) = &s.unverified {
            let line = format!("unverified — {}", clean(why));
            self.out.push(format!("{ind}  {}", self.p.paint(Style::Warning, &line)));
        }
        // Summary lines sit right under the subject line, before the diagnostics, so they read as its header.
        self.grouped(s, Outcome::Skip, "skipped", &ind);
        if self.verbose {
            self.grouped(s, Outcome::NotApplicable, "not applicable", &ind);
            for result in s.results.iter().filter(|r| r.outcome == Outcome::Pass) {
                let title = self.run.check(&result.check).map_or("", |c| c.title.as_str());
                let pass = self.p.paint(Style::Pass, "pass");
                self.out.push(format!("{ind}  {pass} {} {title}", result.check));
            }
        }
        for result in s.results.iter().filter(|r| needs_attention(r.outcome)) {
            self.diagnostics(s, result, &ind);
        }
    }

    /// One line for all checks with `outcome`, grouped by reason, because ten `needs --spec-dir` lines are noise.
    fn grouped(&mut self, s: &Subject, outcome: Outcome, word: &str, ind: &str) {
        let mut by_reason: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for r in s.results.iter().filter(|r| r.outcome == outcome) {
            by_reason
                .entry(r.note.as_deref().unwrap_or("no reason given"))
                .or_default()
                .push(&r.check);
        }
        if by_reason.is_empty() {
            return;
        }
        let total: usize = by_reason.values().map(Vec::len).sum();
        let reasons: Vec<String> = by_reason
            .iter()
            .map(|(reason, ids)| format!("{}: {}", clean(reason), ids.join(", ")))
            .collect();
        let checks = if total == 1 { "check" } else { "checks" };
        let line = format!("{word} {total} {checks} — {}", reasons.join(" · "));
        self.out.push(format!("{ind}  {}", self.p.paint(Style::Dim, &line)));
    }

    fn diagnostics(&mut self, s: &Subject, result: &CheckResult, ind: &str) {
        let info = self.run.check(&result.check);
        let shown: Vec<&Finding> = result.findings.iter().filter(|f| needs_attention(f.outcome)).collect();
        if shown.is_empty() {
            // A non-passing result without findings still deserves a block, or the failure would be invisible.
            let message = result
                .note
                .clone()
                .or_else(|| info.map(|c| c.title.clone()))
                .unwrap_or_default();
            let synthetic = Finding {
                outcome: result.outcome,
                message,
                location: Default::default(),
                expected: None,
                actual: None,
                evidence: vec![],
                exchanges: vec![],
                hint: None,
            };
            self.block(s, &result.check, info, &synthetic, ind);
        }
        for finding in shown {
            self.block(s, &result.check, info, finding, ind);
        }
    }

    fn block(&mut self, s: &Subject, id: &str, info: Option<&CheckInfo>, f: &Finding, ind: &str) {
        let p = &self.p;
        let style = outcome_style(f.outcome);
        let loc = &f.location;
        let out = &mut self.out;
        out.push(String::new());
        let label = p.paint(style, &format!("{}[{id}]", diagnostic_label(f.outcome)));
        out.push(format!("{ind}{label}: {}", p.paint(Style::Bold, &clean(&f.message))));
        // The gutter is as wide as the line number, as in rustc, so `|`, `-->` and `=` line up under it.
        let line_no = loc.line.map(|l| l.to_string());
        let pad = " ".repeat(line_no.as_ref().map_or(1, String::len));
        let gutter = |text: &str| p.paint(Style::Gutter, text);
        out.push(format!("{ind}{pad}{} {}", gutter("-->"), clean(&location_text(s, loc))));
        if let (Some(line_no), Some(snippet)) = (&line_no, &loc.snippet) {
            let (text, caret) = excerpt(snippet, loc.snippet_column.or(loc.column));
            out.push(format!("{ind}{pad} {}", gutter("|")));
            out.push(format!("{ind}{} {text}", gutter(&format!("{line_no} |"))));
            if let Some(caret) = caret {
                out.push(format!("{ind}{pad} {} {caret}{}", gutter("|"), p.paint(style, "^")));
            }
        }
        let note =
            |label: &str, value: &str| format!("{ind}{pad} {} {}: {value}", gutter("="), p.paint(Style::Bold, label));
        if let Some(c) = info {
            let inferred = if c.source == RuleSource::Inferred {
                ", inferred rule"
            } else {
                ""
            };
            out.push(note(
                "requirement",
                &format!("{} ({}{inferred})", c.requirement, c.level.as_str()),
            ));
        }
        // Multi-line or long JSON values read as their line diff (the one the HTML report shows), not as two
        // escaped one-liners.
        let hunks = match (&f.expected, &f.actual) {
            (Some(e), Some(a)) if is_long(e) || is_long(a) => match value_diff(e, a) {
                Some(ValueDiff::Lines(hunks)) => Some(hunks),
                _ => None,
            },
            _ => None,
        };
        match hunks {
            Some(hunks) => {
                out.push(note("diff", "expected (-) against found (+)"));
                for line in diff_lines(p, &hunks) {
                    out.push(format!("{ind}{pad} {} {line}", gutter("|")));
                }
            }
            None => {
                if let Some(expected) = &f.expected {
                    out.push(note("expected", &clean(expected)));
                }
                if let Some(actual) = &f.actual {
                    out.push(note("found", &clean(actual)));
                }
            }
        }
        for e in &f.evidence {
            out.push(note("note", &format!("{}: {}", clean(&e.label), clean(&e.value))));
        }
        for ex in f
            .exchanges
            .iter()
            .filter_map(|id| self.run.exchanges.iter().find(|e| &e.id == id))
        {
            let result = match (ex.status, &ex.error) {
                _ if ex.exit_status().is_some() => ex.exit_text().unwrap_or_default(),
                (Some(status), _) => status.to_string(),
                (None, Some(err)) => clean(err),
                (None, None) => "no response".to_string(),
            };
            let exchange = format!("{} {} → {result} ({} ms)", ex.method, clean(&ex.url), ex.duration_ms);
            out.push(note("exchange", &exchange));
            if self.verbose {
                out.push(note("repeat", &clean(&ex.curl)));
            }
        }
        if let Some(hint) = &f.hint {
            out.push(note("help", &clean(hint)));
        }
        if let Some(c) = info {
            out.push(note("spec", &c.spec_url));
        }
    }
}

/// Values past this many characters, or spanning lines, are shown as a line diff when they have one.
const LONG_VALUE: usize = 80;

fn is_long(value: &str) -> bool {
    value.contains('\n') || value.chars().count() > LONG_VALUE
}

/// The unified diff of [`value_diff`], line by line with `-`/`+` markers, coloured when colour is on.
fn diff_lines(p: &Painter, hunks: &[Hunk]) -> Vec<String> {
    let mut lines = vec![p.paint(Style::Bold, "--- expected"), p.paint(Style::Bold, "+++ found")];
    for hunk in hunks {
        lines.push(p.paint(Style::Hunk, &hunk.header()));
        for (side, text) in &hunk.lines {
            let text = clean(text);
            lines.push(match side {
                Side::Expected => p.paint(Style::Deleted, &format!("-{text}")),
                Side::Found => p.paint(Style::Inserted, &format!("+{text}")),
                Side::Both => format!(" {text}"),
            });
        }
    }
    lines
}

/// The snippet to print and the padding that puts a caret under `column`.
///
/// Padding copies tabs from the snippet so the caret lines up whatever the terminal's tab width is.
fn excerpt(snippet: &str, column: Option<u64>) -> (String, Option<String>) {
    let chars: Vec<char> = snippet.trim_end_matches(['\r', '\n']).chars().collect();
    let col = column.map(|c| {
        usize::try_from(c.saturating_sub(1))
            .unwrap_or(usize::MAX)
            .min(chars.len())
    });
    let focus = col.unwrap_or(0);
    let (start, end) = if chars.len() <= SNIPPET_WIDTH {
        (0, chars.len())
    } else {
        let start = focus.saturating_sub(SNIPPET_WIDTH / 2).min(chars.len() - SNIPPET_WIDTH);
        (start, start + SNIPPET_WIDTH)
    };
    let lead = if start > 0 { "…" } else { "" };
    let tail = if end < chars.len() { "…" } else { "" };
    let before = format!(
        "{lead}{}",
        clean(&chars[start..focus.max(start)].iter().collect::<String>())
    );
    let after = clean(&chars[focus.max(start)..end].iter().collect::<String>());
    let caret = col.map(|_| before.chars().map(|c| if c == '\t' { '\t' } else { ' ' }).collect());
    (format!("{before}{after}{tail}"), caret)
}

impl Renderer<'_> {
    fn summary(&mut self) {
        let (run, p, out) = (self.run, &self.p, &mut self.out);
        let sum = &run.summary;
        let r = &sum.results;
        out.push(String::new());
        let parts = [
            (r.pass, "pass", Style::Pass),
            (r.fail, "fail", Style::Error),
            (r.warn, "warn", Style::Warning),
            (r.info, "info", Style::Note),
            (r.error, "error", Style::Harness),
            (r.skip, "skipped", Style::Dim),
            (r.not_applicable, "not applicable", Style::Dim),
        ];
        let counts: Vec<String> = parts
            .iter()
            .filter(|(n, _, _)| *n > 0)
            .map(|(n, word, style)| p.paint(*style, &format!("{n} {word}")))
            .collect();
        let subjects = run.subjects.len();
        out.push(format!(
            "{} {} results in {subjects} subject{}: {}",
            p.paint(Style::Bold, "summary:"),
            r.total(),
            if subjects == 1 { "" } else { "s" },
            if counts.is_empty() {
                "nothing ran".to_string()
            } else {
                counts.join(" · ")
            }
        ));
        let s = &sum.subjects;
        // Unverified subjects are reported as skip; they did not pass.
        let unverified_skips = run
            .subjects
            .iter()
            .filter(|x| x.unverified.is_some() && x.outcome == Outcome::Skip)
            .count() as u64;
        let mut line = format!(
            "{} passed",
            s.pass + s.info + s.skip + s.not_applicable - unverified_skips
        );
        for (n, word) in [
            (unverified_skips, "unverified"),
            (s.warn, "passed with warnings"),
            (s.fail, "failed"),
            (s.error, "could not be fully checked"),
        ] {
            if n > 0 {
                line.push_str(&format!(", {n} {word}"));
            }
        }
        out.push(format!("{} {line}", p.paint(Style::Bold, "subjects:")));
        let verdict_style = match sum.exit_code {
            0 => Style::Pass,
            1 => Style::Error,
            5 => Style::Warning,
            _ => Style::Harness,
        };
        out.push(format!(
            "{} {}",
            p.paint(Style::Bold, "verdict:"),
            p.paint(verdict_style, &clean(&sum.verdict))
        ));
        out.push(format!(
            "{} {}: {}",
            p.paint(Style::Bold, "exit code"),
            sum.exit_code,
            exit_code_meaning(sum.exit_code)
        ));
        let consumers_only =
            !run.subjects.is_empty() && run.subjects.iter().all(|s| s.kind == crate::SubjectKind::Consumer);
        if sum.exit_code == 5 && consumers_only {
            out.push(p.paint(
                Style::Note,
                "to complete verification: let the client run its whole flow against the harness (discovery, \
                 registration, authorization, token, API); or accept a partial flow with --allow-unverified",
            ));
        } else if sum.exit_code == 5 {
            out.push(p.paint(
                Style::Note,
                "to complete verification: --allow-fetch (keys and status lists on public hosts), --allow-host HOST \
                 (a test server), --did-web-map DID=URL; or accept shape-only verdicts with --allow-unverified",
            ));
        }
        if self.verbose {
            let legend: Vec<String> = LEGEND
                .iter()
                .map(|(o, meaning)| format!("{} = {meaning}", o.as_str()))
                .collect();
            out.push(p.paint(Style::Dim, &format!("legend: {}", legend.join("; "))));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample::sample_run;

    fn plain(run: &Run) -> String {
        render(run, &TerminalOptions::default())
    }

    #[test]
    fn failures_render_as_rustc_style_blocks_with_caret() {
        let text = plain(&sample_run());
        let expected = [
            "error[OB30-DM-006]: issuer must be a URI or a Profile object with an id",
            "  --> samples/bad.json:14:13 /issuer/type",
            "   |",
            "14 |     \"type\": \"Issuer\",",
            "   |             ^",
            "   = requirement: The issuer is a URI or a Profile whose type includes \"Profile\" (MUST)",
            "   = expected: an array containing \"Profile\"",
            "   = found: \"Issuer\"",
            "   = help: use \"type\": [\"Profile\"]",
            "   = spec: https://www.imsglobal.org/spec/ob/v3p0/#profile",
        ]
        .join("\n");
        assert!(text.contains(&expected), "{text}");
    }

    #[test]
    fn caret_keeps_tabs_and_warnings_say_warning() {
        let text = plain(&sample_run());
        assert!(
            text.contains("warning[OB30-DM-020]: achievement image type should be \"Image\""),
            "{text}"
        );
        assert!(text.contains("31 | \t\t\"type\": \"Img\","), "{text}");
        assert!(text.contains("   | \t\t        ^"), "{text}");
        assert!(text.contains("(SHOULD, inferred rule)"), "{text}");
    }

    #[test]
    fn subjects_show_detection_and_embedded_ones_are_indented() {
        let text = plain(&sample_run());
        assert!(
            text.starts_with("clr-harness 0.1.0 · vectors 2025.06.1 · OB 3.0 (context 3.0.3), CLR 2.0"),
            "{text}"
        );
        assert!(text.contains("\nFAIL  samples/bad.json — OB 3.0 AchievementCredential (VCDM 2.0): @context[0] is"));
        assert!(text.contains(
            "\n  FAIL  samples/clr.json → /credentialSubject/verifiableCredential/0 — \
             OB 3.0 AchievementCredential (VCDM 1.1): @context[0] is https://www.w3.org/2018/credentials/v1"
        ));
        assert!(
            text.contains(
                "\n   --> samples/clr.json:7:13 /issuer/type (in compact JWS payload)\n    |\n  7 |     \"type\""
            ),
            "{text}"
        );
        assert!(
            text.contains("\n  info[OB30-FMT-001]: uses the VCDM 1.1 issuanceDate"),
            "{text}"
        );
    }

    #[test]
    fn harness_errors_are_distinct_and_show_the_exchange() {
        let text = plain(&sample_run());
        assert!(
            text.contains("harness error[OB30-PR-002]: could not resolve the verification method"),
            "{text}"
        );
        assert!(
            text.contains(
                "= exchange: GET https://issuer.example/.well-known/did.json → timed out after 10 s (10000 ms)"
            ),
            "{text}"
        );
        assert!(!text.contains("= repeat: curl"), "curl commands are verbose-only");
    }

    #[test]
    fn skips_are_grouped_by_reason_and_passes_are_quiet() {
        let text = plain(&sample_run());
        assert!(
            text.contains("  skipped 1 check — needs --spec-dir: OB30-SC-001"),
            "{text}"
        );
        assert!(
            text.contains(
                "    skipped 2 checks — needs --spec-dir: OB30-SC-001 · \
                 secured by a compact JWS: verified on the JWS layer: OB30-PR-002"
            ),
            "{text}"
        );
        assert!(
            !text.contains("OB30-DM-010"),
            "passing checks are not listed without --verbose"
        );
        assert!(!text.contains("not applicable 1"), "{text}");
    }

    #[test]
    fn verbose_lists_passes_not_applicable_curl_and_legend() {
        let text = render(
            &sample_run(),
            &TerminalOptions {
                color: false,
                verbose: true,
            },
        );
        assert!(text.contains("  pass OB30-DM-010 Achievement has criteria"), "{text}");
        assert!(
            text.contains("not applicable 1 check — no credentialStatus: OB30-ST-001"),
            "{text}"
        );
        assert!(
            text.contains("= repeat: curl -H 'Accept: application/did+json'"),
            "{text}"
        );
        assert!(text.contains("legend: pass = the requirement holds"), "{text}");
    }

    #[test]
    fn summary_has_counts_verdict_and_exit_code() {
        let text = plain(&sample_run());
        assert!(text.contains("summary: 12 results in 3 subjects: 2 pass · 2 fail · 1 warn · 1 info · 1 error · 4 skipped · 1 not applicable"), "{text}");
        assert!(
            text.contains("subjects: 0 passed, 2 failed, 1 could not be fully checked"),
            "{text}"
        );
        assert!(
            text.contains("verdict: 2 documents (1 embedded credential), 2 failed"),
            "{text}"
        );
        assert!(
            text.ends_with("exit code 1: at least one required check failed\n"),
            "{text}"
        );
    }

    #[test]
    fn colour_only_when_asked() {
        let run = sample_run();
        assert!(!plain(&run).contains('\u{1b}'));
        let coloured = render(
            &run,
            &TerminalOptions {
                color: true,
                verbose: false,
            },
        );
        assert!(
            coloured.contains("\u{1b}[1;31merror[OB30-DM-006]\u{1b}[0m"),
            "{coloured}"
        );
        assert!(
            coloured.contains("\u{1b}[1;35mharness error[OB30-PR-002]\u{1b}[0m"),
            "{coloured}"
        );
        assert!(
            coloured.contains("\u{1b}[1;33mwarning[OB30-DM-020]\u{1b}[0m"),
            "{coloured}"
        );
    }

    #[test]
    fn long_json_values_show_the_same_line_diff_as_the_html_report() {
        let run = crate::sample::sample_run_with_provider();
        let text = plain(&run);
        // The profile finding compares a multi-line JSON object with a one-line one.
        let expected = [
            "error[OB30-API-004]: the profile is not a Profile: type is \"Issuer\"",
            " --> https://provider.example /type GET /ims/ob/v3p0/profile → body",
            "  = requirement: GET /ims/ob/v3p0/profile returns 200 with the authenticated user's Profile (MUST)",
            "  = diff: expected (-) against found (+)",
            "  | --- expected",
            "  | +++ found",
            "  | @@ -1,6 +1,4 @@",
            "  |  {",
            "  |    \"id\": \"https://provider.example/u/1\",",
            "  | -  \"type\": [",
            "  | -    \"Profile\"",
            "  | -  ]",
            "  | +  \"type\": \"Issuer\"",
            "  |  }",
            "  = exchange: GET https://provider.example/ims/ob/v3p0/profile → 200 (12 ms)",
        ]
        .join("\n");
        assert!(text.contains(&expected), "{text}");
        // The HTML report shows the same lines.
        let html = crate::html::render(&run);
        for line in [
            "-  &quot;type&quot;: [",
            "+  &quot;type&quot;: &quot;Issuer&quot;",
            "@@ -1,6 +1,4 @@",
        ] {
            assert!(html.contains(line), "{line}");
        }
        // Short values keep their expected/found lines.
        assert!(text.contains("  = expected: Cache-Control: no-store\n"), "{text}");
        assert!(
            text.contains("  = found: Cache-Control: private, max-age=60\n"),
            "{text}"
        );

        let coloured = render(
            &run,
            &TerminalOptions {
                color: true,
                verbose: false,
            },
        );
        assert!(
            coloured.contains("\u{1b}[31m-  \"type\": [\u{1b}[0m"),
            "deleted lines are red: {coloured}"
        );
        assert!(
            coloured.contains("\u{1b}[32m+  \"type\": \"Issuer\"\u{1b}[0m"),
            "inserted lines are green: {coloured}"
        );
        assert!(coloured.contains("\u{1b}[36m@@ -1,6 +1,4 @@\u{1b}[0m"), "{coloured}");
    }

    #[test]
    fn input_text_cannot_inject_escape_sequences() {
        let mut run = sample_run();
        run.subjects[0].results[0].findings[0].actual = Some("\u{1b}[2J\"Issuer\"".into());
        let text = plain(&run);
        assert!(!text.contains('\u{1b}'), "{text}");
        assert!(text.contains("= found: \\u{1b}[2J\"Issuer\""), "{text}");
    }

    #[test]
    fn long_snippets_are_windowed_around_the_column() {
        let line = format!("{}\"type\":\"Issuer\"{}", "x".repeat(300), "y".repeat(300));
        let (text, caret) = excerpt(&line, Some(308));
        assert!(text.starts_with('…') && text.ends_with('…'), "{text}");
        assert!(text.chars().count() <= SNIPPET_WIDTH + 2);
        let caret = caret.expect("a column gives a caret");
        let under: String = text.chars().skip(caret.chars().count()).take(8).collect();
        assert_eq!(under, "\"Issuer\"");
    }

    #[test]
    fn result_without_findings_still_gets_a_block() {
        let mut run = sample_run();
        run.subjects[0].results[0].findings.clear();
        run.subjects[0].results[0].note = Some("issuer could not be read".into());
        let text = plain(&run);
        assert!(
            text.contains("error[OB30-DM-006]: issuer could not be read\n --> samples/bad.json\n"),
            "{text}"
        );
    }
}
