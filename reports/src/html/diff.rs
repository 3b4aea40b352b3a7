//! Expected-against-found diffs as HTML: a unified line diff for JSON and multi-line values, an inline word diff for
//! short values that share words, nothing when a diff would only repeat the two values. The diff is computed by
//! `common::value_diff`, shared with the terminal report, so both show the same change.

use std::fmt::Write as _;

use super::esc;
use crate::common::{Side, ValueDiff, value_diff};

/// The diff of `expected` against `found` as HTML, or `None` when it would not help. The diff itself is
/// [`value_diff`], which the terminal report prints too.
pub(super) fn render(expected: &str, found: &str) -> Option<String> {
    Some(match value_diff(expected, found)? {
        ValueDiff::SameJson => "<p class=\"meta\">The same JSON; the two differ only in formatting.</p>".to_string(),
        ValueDiff::Lines(hunks) => {
            let mut out = String::from(
                "<pre class=\"diff\"><span class=\"dh\">--- expected</span>\n<span class=\"dh\">+++ found</span>\n",
            );
            for hunk in hunks {
                let _ = writeln!(out, "<span class=\"hunk\">{}</span>", hunk.header());
                for (side, line) in &hunk.lines {
                    let line = esc(line);
                    let _ = match side {
                        Side::Expected => writeln!(out, "<span class=\"del\">-{line}</span>"),
                        Side::Found => writeln!(out, "<span class=\"ins\">+{line}</span>"),
                        Side::Both => writeln!(out, " {line}"),
                    };
                }
            }
            out.push_str("</pre>");
            out
        }
        ValueDiff::Words(runs) => {
            let mut out = String::from("<code class=\"wdiff\">");
            for (side, text) in &runs {
                let text = esc(text);
                let _ = match side {
                    Side::Expected => write!(out, "<del title=\"expected\">{text}</del>"),
                    Side::Found => write!(out, "<ins title=\"found\">{text}</ins>"),
                    Side::Both => write!(out, "{text}"),
                };
            }
            out.push_str("</code> <span class=\"meta\">(− expected only, + found only)</span>");
            out
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::common::MAX_DIFF_INPUT;

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
