//! Helpers every reporter shares, so a location or a subject tree reads the same in every format.

use std::collections::HashSet;

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
        5 => "no required check failed, but a proof, key or status could not be checked (unverified)",
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
    fn control_characters_are_escaped() {
        assert_eq!(clean("a\u{1b}[31mb\tc"), "a\\u{1b}[31mb\tc");
        assert_eq!(clean("plain"), "plain");
    }
}
