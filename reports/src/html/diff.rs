//! Expected-against-found diffs: a unified line diff for JSON and multi-line values, an inline word diff for short
//! values that share words, nothing when a diff would only repeat the two values.

use std::fmt::Write as _;

use similar::{Algorithm, ChangeTag, TextDiff};

use super::esc;

/// Values larger than this are not diffed: diffing is superlinear in the worst case, and a deadline would make
/// the output depend on the machine's speed.
const MAX_DIFF_INPUT: usize = 16 * 1024;
/// Lines of context around each change in a line diff.
const CONTEXT: usize = 3;

/// The diff of `expected` against `found` as HTML, or `None` when it would not help.
pub(super) fn render(expected: &str, found: &str) -> Option<String> {
    if expected == found || expected.len() > MAX_DIFF_INPUT || found.len() > MAX_DIFF_INPUT {
        return None;
    }
    if let (Some(e), Some(f)) = (structured_json(expected), structured_json(found)) {
        return Some(if e == f {
            "<p class=\"meta\">The same JSON; the two differ only in formatting.</p>".to_string()
        } else {
            lines(&e, &f)
        });
    }
    if expected.contains('\n') || found.contains('\n') {
        return Some(lines(expected, found));
    }
    words(expected, found)
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

fn lines(expected: &str, found: &str) -> String {
    let diff = TextDiff::configure()
        .algorithm(Algorithm::Patience)
        .diff_lines(expected, found);
    let mut out = String::from(
        "<pre class=\"diff\"><span class=\"dh\">--- expected</span>\n<span class=\"dh\">+++ found</span>\n",
    );
    for group in diff.grouped_ops(CONTEXT) {
        let (Some(first), Some(last)) = (group.first(), group.last()) else {
            continue;
        };
        let old = first.old_range().start..last.old_range().end;
        let new = first.new_range().start..last.new_range().end;
        let _ = writeln!(
            out,
            "<span class=\"hunk\">@@ -{},{} +{},{} @@</span>",
            old.start + 1,
            old.len(),
            new.start + 1,
            new.len()
        );
        for op in &group {
            for change in diff.iter_changes(op) {
                let (class, sign) = match change.tag() {
                    ChangeTag::Delete => (Some("del"), '-'),
                    ChangeTag::Insert => (Some("ins"), '+'),
                    ChangeTag::Equal => (None, ' '),
                };
                let line = esc(change.value().trim_end_matches(['\n', '\r']));
                match class {
                    Some(class) => {
                        let _ = writeln!(out, "<span class=\"{class}\">{sign}{line}</span>");
                    }
                    None => {
                        let _ = writeln!(out, "{sign}{line}");
                    }
                }
            }
        }
    }
    out.push_str("</pre>");
    out
}

/// One line with what only `expected` has as `<del>` and what only `found` has as `<ins>`; `None` when the two
/// share no word, since the diff would then just repeat them.
fn words(expected: &str, found: &str) -> Option<String> {
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
    let mut out = String::from("<code class=\"wdiff\">");
    let (mut del, mut ins) = (String::new(), String::new());
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
                flush(&mut out, &mut del, &mut ins);
                out.push_str(&esc(value));
            }
        }
    }
    flush(&mut out, &mut del, &mut ins);
    out.push_str("</code> <span class=\"meta\">(− expected only, + found only)</span>");
    Some(out)
}

fn flush(out: &mut String, del: &mut String, ins: &mut String) {
    if !del.is_empty() {
        let _ = write!(out, "<del title=\"expected\">{}</del>", esc(del));
        del.clear();
    }
    if !ins.is_empty() {
        let _ = write!(out, "<ins title=\"found\">{}</ins>", esc(ins));
        ins.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_values_compare_line_by_line_after_pretty_printing() {
        let d = render(
            "{\n  \"id\": \"u1\",\n  \"type\": [\n    \"Profile\"\n  ]\n}",
            "{\"id\":\"u1\",\"type\":\"Issuer\"}",
        )
        .expect("a diff");
        assert!(d.starts_with("<pre class=\"diff\">"), "{d}");
        assert!(d.contains("<span class=\"del\">-  &quot;type&quot;: [</span>"), "{d}");
        assert!(d.contains("<span class=\"del\">-    &quot;Profile&quot;</span>"), "{d}");
        assert!(
            d.contains("<span class=\"ins\">+  &quot;type&quot;: &quot;Issuer&quot;</span>"),
            "{d}"
        );
        assert!(
            d.contains("\n   &quot;id&quot;: &quot;u1&quot;,\n"),
            "unchanged lines are context: {d}"
        );
        assert!(d.contains("<span class=\"hunk\">@@ -1,6 +1,4 @@</span>"), "{d}");
    }

    #[test]
    fn equal_json_in_another_layout_is_said_so() {
        let d = render("{\"a\": 1}", "{\n\"a\":1}").expect("a note");
        assert!(d.contains("differ only in formatting"), "{d}");
    }

    #[test]
    fn short_values_sharing_words_get_an_inline_diff() {
        let d = render("Cache-Control: no-store", "Cache-Control: private, max-age=60").expect("a diff");
        assert!(d.starts_with("<code class=\"wdiff\">Cache-Control: "), "{d}");
        assert!(d.contains("<del title=\"expected\">no-store</del>"), "{d}");
        assert!(
            d.contains("<ins title=\"found\">private, max-age=60</ins>"),
            "one run per side: {d}"
        );
        let d = render("a Link header with rel=\"next\"", "no Link header (X-Total-Count: 3)").expect("a diff");
        assert_eq!(
            d,
            "<code class=\"wdiff\"><del title=\"expected\">a</del><ins title=\"found\">no</ins> Link header \
             <del title=\"expected\">with rel=&quot;next&quot;</del><ins title=\"found\">(X-Total-Count: 3)</ins>\
             </code> <span class=\"meta\">(− expected only, + found only)</span>"
        );
    }

    #[test]
    fn no_diff_when_it_would_repeat_the_values() {
        assert_eq!(render("\"Image\"", "\"Img\""), None, "nothing shared");
        assert_eq!(render("same", "same"), None);
        let big = "x ".repeat(MAX_DIFF_INPUT);
        assert_eq!(render(&big, "x y"), None, "too large to diff");
    }

    #[test]
    fn diffed_text_is_escaped() {
        let d = render("a <b>\n&c", "a <i>\n&c").expect("a diff");
        assert!(d.contains("-a &lt;b&gt;"), "{d}");
        assert!(d.contains("+a &lt;i&gt;"), "{d}");
        assert!(d.contains(" &amp;c"), "{d}");
        assert!(!d.contains("<b>") && !d.contains("<i>"), "{d}");
    }
}
