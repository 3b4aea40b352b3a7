//! Helpers every reporter shares, so a location or a subject tree reads the same in every format.

use std::collections::HashSet;

use similar::{Algorithm, ChangeTag, TextDiff};

use crate::model::{Counts, Location, Outcome, Run, Subject};

/// Subjects in display order: each subject followed by the subjects embedded in it, with their nesting depth.
///
/// Subjects whose parent is missing from the run are shown at the top level rather than dropped, and a parent
/// cycle cannot loop: every subject appears exactly once.
pub(crate) fn subject_tree(run: &Run) -> Vec<(usize, &Subject)> {
    let ids: HashSet<&str> = run.subjects.iter().map(|s| s.id.as_str()).collect();
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(run.subjects.len());
    let roots = run
        .subjects
        .iter()
        .filter(|s| s.parent.as_deref().is_none_or(|p| !ids.contains(p)));
    for root in roots {
        visit(run, root, 0, &mut seen, &mut out);
    }
    for subject in &run.subjects {
        visit(run, subject, 0, &mut seen, &mut out);
    }
    out
}

fn visit<'a>(
    run: &'a Run,
    s: &'a Subject,
    depth: usize,
    seen: &mut HashSet<&'a str>,
    out: &mut Vec<(usize, &'a Subject)>,
) {
    if !seen.insert(s.id.as_str()) {
        return;
    }
    out.push((depth, s));
    for child in run
        .subjects
        .iter()
        .filter(|c| c.parent.as_deref() == Some(s.id.as_str()))
    {
        visit(run, child, depth + 1, seen, out);
    }
}

/// `source:line:column /pointer (in layer)`, the one-line form of a location, compiler style.
pub(crate) fn location_text(subject: &Subject, loc: &Location) -> String {
    let mut head = if subject.source.is_empty() {
        subject.name.clone()
    } else {
        subject.source.clone()
    };
    if let Some(line) = loc.line {
        head.push_str(&format!(":{line}"));
        if let Some(column) = loc.column {
            head.push_str(&format!(":{column}"));
        }
    }
    let mut parts = vec![head];
    if let Some(offset) = loc.byte_offset {
        parts.push(format!("@ byte {offset}"));
    }
    if let Some(pointer) = &loc.pointer {
        // An empty pointer is the whole document; print it so the location never looks truncated.
        parts.push(if pointer.is_empty() {
            "(document root)".to_string()
        } else {
            pointer.clone()
        });
    }
    if let Some(http) = &loc.http {
        parts.push(http.clone());
    }
    if let Some(layer) = &loc.layer {
        parts.push(format!("(in {layer})"));
    }
    parts.join(" ")
}

/// Counts of one subject's check results by outcome.
pub(crate) fn subject_counts(subject: &Subject) -> Counts {
    let mut counts = Counts::default();
    for result in &subject.results {
        counts.add(result.outcome);
    }
    counts
}

/// Outcomes a reader has to look at; everything else is summarised.
pub(crate) fn needs_attention(outcome: Outcome) -> bool {
    matches!(outcome, Outcome::Fail | Outcome::Warn | Outcome::Info | Outcome::Error)
}

/// Makes input-derived text safe to print: control characters (ANSI escapes, carriage returns …) from a document
/// or a server response could otherwise rewrite the terminal or break a one-line format. Tabs are kept so caret
/// alignment under a snippet still works.
pub(crate) fn clean(s: &str) -> String {
    if !s.chars().any(|c| c.is_control() && c != '\t') {
        return s.to_string();
    }
    s.chars()
        .map(|c| {
            if c.is_control() && c != '\t' {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Values larger than this are not diffed: diffing is superlinear in the worst case, and a deadline would make
/// the output depend on the machine's speed.
pub(crate) const MAX_DIFF_INPUT: usize = 16 * 1024;
/// Lines of context around each change in a line diff.
const DIFF_CONTEXT: usize = 3;

/// Which value a piece of a diff comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    /// Both values have it.
    Both,
    /// Only the expected value has it.
    Expected,
    /// Only the found value has it.
    Found,
}

/// One hunk of a unified line diff: 1-based start and length on each side, then its lines (without line breaks).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Hunk {
    pub expected: (usize, usize),
    pub found: (usize, usize),
    pub lines: Vec<(Side, String)>,
}

impl Hunk {
    /// `@@ -1,6 +1,4 @@`
    pub(crate) fn header(&self) -> String {
        format!(
            "@@ -{},{} +{},{} @@",
            self.expected.0, self.expected.1, self.found.0, self.found.1
        )
    }
}

/// Expected against found, computed once so that every reporter shows the same change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ValueDiff {
    /// Both are the same JSON; they differ only in formatting.
    SameJson,
    /// A unified line diff: for JSON objects and arrays (both pretty-printed first, so the layout of the originals
    /// does not matter) and for multi-line values.
    Lines(Vec<Hunk>),
    /// An inline word diff of short values that share words: runs of shared, expected-only and found-only text.
    Words(Vec<(Side, String)>),
}

/// The diff of `expected` against `found`, or `None` when it would not help: equal or oversized values, or short
/// values that share no word (the diff would only repeat them).
pub(crate) fn value_diff(expected: &str, found: &str) -> Option<ValueDiff> {
    if expected == found || expected.len() > MAX_DIFF_INPUT || found.len() > MAX_DIFF_INPUT {
        return None;
    }
    if let (Some(e), Some(f)) = (structured_json(expected), structured_json(found)) {
        return Some(if e == f {
            ValueDiff::SameJson
        } else {
            ValueDiff::Lines(line_hunks(&e, &f))
        });
    }
    if expected.contains('\n') || found.contains('\n') {
        return Some(ValueDiff::Lines(line_hunks(expected, found)));
    }
    word_runs(expected, found).map(ValueDiff::Words)
}

/// Pretty-printed JSON when the value is a JSON object or array, so both sides compare line by line in one layout
/// whatever their original formatting. Scalars are left to the word diff.
fn structured_json(s: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(s).ok()?;
    if !(value.is_object() || value.is_array()) {
        return None;
    }
    let mut pretty = serde_json::to_string_pretty(&value).ok()?;
    pretty.push('\n');
    Some(pretty)
}

fn line_hunks(expected: &str, found: &str) -> Vec<Hunk> {
    let diff = TextDiff::configure()
        .algorithm(Algorithm::Patience)
        .diff_lines(expected, found);
    let mut hunks = Vec::new();
    for group in diff.grouped_ops(DIFF_CONTEXT) {
        let (Some(first), Some(last)) = (group.first(), group.last()) else {
            continue;
        };
        let old = first.old_range().start..last.old_range().end;
        let new = first.new_range().start..last.new_range().end;
        let lines = group
            .iter()
            .flat_map(|op| diff.iter_changes(op))
            .map(|change| {
                let side = match change.tag() {
                    ChangeTag::Delete => Side::Expected,
                    ChangeTag::Insert => Side::Found,
                    ChangeTag::Equal => Side::Both,
                };
                (side, change.value().trim_end_matches(['\n', '\r']).to_string())
            })
            .collect();
        hunks.push(Hunk {
            expected: (old.start + 1, old.len()),
            found: (new.start + 1, new.len()),
            lines,
        });
    }
    hunks
}

/// Runs of shared, expected-only and found-only text; `None` when the two share no word.
fn word_runs(expected: &str, found: &str) -> Option<Vec<(Side, String)>> {
    let diff = TextDiff::configure()
        .algorithm(Algorithm::Myers)
        .diff_words(expected, found);
    let changes: Vec<(ChangeTag, &str)> = diff.iter_all_changes().map(|c| (c.tag(), c.value())).collect();
    if !changes
        .iter()
        .any(|(tag, v)| *tag == ChangeTag::Equal && !v.trim().is_empty())
    {
        return None;
    }
    let mut runs: Vec<(Side, String)> = Vec::new();
    let (mut del, mut ins) = (String::new(), String::new());
    let flush = |runs: &mut Vec<(Side, String)>, del: &mut String, ins: &mut String| {
        if !del.is_empty() {
            runs.push((Side::Expected, std::mem::take(del)));
        }
        if !ins.is_empty() {
            runs.push((Side::Found, std::mem::take(ins)));
        }
    };
    for (i, &(tag, value)) in changes.iter().enumerate() {
        // A space shared between two changed words belongs to the change: otherwise a replaced phrase reads as
        // alternating one-word deletions and insertions.
        let inside_change = (!del.is_empty() || !ins.is_empty())
            && value.trim().is_empty()
            && changes.get(i + 1).is_some_and(|(next, _)| *next != ChangeTag::Equal);
        match tag {
            ChangeTag::Delete => del.push_str(value),
            ChangeTag::Insert => ins.push_str(value),
            ChangeTag::Equal if inside_change => {
                del.push_str(value);
                ins.push_str(value);
            }
            ChangeTag::Equal => {
                flush(&mut runs, &mut del, &mut ins);
                match runs.last_mut() {
                    Some((Side::Both, text)) => text.push_str(value),
                    _ => runs.push((Side::Both, value.to_string())),
                }
            }
        }
    }
    flush(&mut runs, &mut del, &mut ins);
    Some(runs)
}

/// The legend of graded outcomes, shared by the terminal (verbose) and Markdown reports.
pub(crate) const LEGEND: [(Outcome, &str); 7] = [
    (Outcome::Pass, "the requirement holds"),
    (Outcome::Fail, "a MUST is violated"),
    (Outcome::Warn, "a SHOULD (or an inferred rule) is violated"),
    (Outcome::Info, "worth knowing, not a violation"),
    (Outcome::Skip, "not run; the reason says why"),
    (Outcome::NotApplicable, "nothing to check in this subject"),
    (Outcome::Error, "the harness could not run the check"),
];

/// What an exit code means (mirrors the README's table and `clr_harness::exit`).
pub(crate) fn exit_code_meaning(code: i32) -> &'static str {
    match code {
        0 => "all required checks passed",
        1 => "at least one required check failed",
        2 => "usage or configuration error",
        3 => "the run could not complete (unreachable target or harness error)",
        4 => "no checks were selected",
        5 => {
            "unverified: no required check failed, but a proof, key or status could not be checked, or a document is of a kind this tool does not check yet"
        }
        101 => "a bug in the harness",
        _ => "unknown exit code",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tree_puts_embedded_subjects_under_their_parent() {
        let run = crate::sample::sample_run();
        let tree: Vec<_> = subject_tree(&run)
            .into_iter()
            .map(|(d, s)| (d, s.id.as_str()))
            .collect();
        assert_eq!(tree, [(0, "doc-1"), (0, "doc-2"), (1, "doc-2/vc-0")]);
    }

    #[test]
    fn tree_survives_parent_cycles() {
        let mut run = crate::sample::sample_run();
        run.subjects[0].parent = Some("doc-2/vc-0".into());
        run.subjects[1].parent = Some("doc-1".into());
        assert_eq!(subject_tree(&run).len(), run.subjects.len());
    }

    #[test]
    fn json_values_diff_line_by_line_in_one_layout() {
        let Some(ValueDiff::Lines(hunks)) = value_diff("{\"a\": 1, \"b\": [1]}", "{\n  \"a\": 1,\n  \"b\": 2\n}")
        else {
            panic!("JSON objects get a line diff");
        };
        assert_eq!(hunks.len(), 1);
        assert_eq!(hunks[0].header(), "@@ -1,6 +1,4 @@");
        assert_eq!(
            hunks[0].lines,
            [
                (Side::Both, "{".to_string()),
                (Side::Both, "  \"a\": 1,".to_string()),
                (Side::Expected, "  \"b\": [".to_string()),
                (Side::Expected, "    1".to_string()),
                (Side::Expected, "  ]".to_string()),
                (Side::Found, "  \"b\": 2".to_string()),
                (Side::Both, "}".to_string()),
            ]
        );
        assert_eq!(value_diff("[1, 2]", "[1,2]"), Some(ValueDiff::SameJson));
        assert_eq!(
            value_diff("a b", "a c"),
            Some(ValueDiff::Words(vec![
                (Side::Both, "a ".to_string()),
                (Side::Expected, "b".to_string()),
                (Side::Found, "c".to_string()),
            ]))
        );
        assert_eq!(value_diff("x", "y"), None);
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(clean("a\u{1b}[31mb\tc"), "a\\u{1b}[31mb\tc");
        assert_eq!(clean("plain"), "plain");
    }
}
