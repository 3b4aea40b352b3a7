//! JSON text → `serde_json::Value`, with UTF-8 and syntax errors located by line and column, and an index from
//! JSON pointers to source positions so findings can quote the offending line.

use std::collections::HashMap;

use serde_json::Value;

use super::{DecodeError, line_col};

/// serde_json's own recursion limit, which stays on: it is what turns a 100,000-deep document into an error.
const MAX_DEPTH: usize = 128;

/// A hostile document of millions of tiny values (or of long keys repeated in every pointer) would cost far more
/// memory as pointers than as text; past this budget positions fall back to the nearest recorded ancestor, which
/// the pre-order scan always recorded first.
const MAX_SPAN_BYTES: usize = 16 * 1024 * 1024;

/// JSON pointer → (1-based line, 1-based column) of the value it designates.
#[derive(Debug, Clone, Default)]
pub struct SpanIndex {
    /// Pointer → (line, column, byte offset in `text`).
    positions: HashMap<String, (u64, u64, usize)>,
    text: String,
    /// Byte offset where each line starts.
    line_starts: Vec<usize>,
}

impl SpanIndex {
    /// Indexes `text`, which must already have parsed as JSON (the scanner does not re-validate it).
    pub fn build(text: &str) -> SpanIndex {
        let mut line_starts = vec![0];
        line_starts.extend(
            text.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i + 1),
        );
        let positions = scan(text, MAX_SPAN_BYTES);
        SpanIndex {
            positions,
            text: text.to_string(),
            line_starts,
        }
    }

    /// Position of the value at `pointer`, or of its nearest existing ancestor.
    pub fn position(&self, pointer: &str) -> Option<(u64, u64)> {
        self.nearest(pointer).map(|(line, column, _)| (line, column))
    }

    fn nearest(&self, pointer: &str) -> Option<(u64, u64, usize)> {
        let mut p = pointer;
        loop {
            if let Some(pos) = self.positions.get(p) {
                return Some(*pos);
            }
            if p.is_empty() {
                return None;
            }
            p = p.rfind('/').and_then(|i| p.get(..i)).unwrap_or("");
        }
    }

    /// Where `pointer` (or its nearest existing ancestor) is: line, column, and an excerpt of its line — the whole
    /// line when it is short, else a window of [`EXCERPT_BEFORE`] + [`EXCERPT_AFTER`] characters around the value
    /// with `…` where it was cut, and the column of the value inside that window. The cost is the window's, not the
    /// line's, so a minified document with many findings stays linear.
    pub fn excerpt(&self, pointer: &str) -> Option<Excerpt> {
        let (line, column, offset) = self.nearest(pointer)?;
        let idx = usize::try_from(line).ok()?.checked_sub(1)?;
        let start = *self.line_starts.get(idx)?;
        let end = self.line_starts.get(idx + 1).map_or(self.text.len(), |next| next - 1);
        let text = self.text.get(start..end)?;
        let text = text.strip_suffix('\r').unwrap_or(text);
        if text.len() <= EXCERPT_BEFORE + EXCERPT_AFTER {
            return Some(Excerpt {
                line,
                column,
                snippet: text.to_string(),
                snippet_column: None,
            });
        }
        let at = offset.saturating_sub(start).min(text.len());
        let (before, after) = (text.get(..at)?, text.get(at..)?);
        let kept_before: Vec<char> = before.chars().rev().take(EXCERPT_BEFORE).collect();
        let cut_before = before.chars().rev().nth(EXCERPT_BEFORE).is_some();
        let mut snippet = String::new();
        if cut_before {
            snippet.push('…');
        }
        snippet.extend(kept_before.iter().rev());
        let mut rest = after.chars();
        snippet.extend(rest.by_ref().take(EXCERPT_AFTER));
        if rest.next().is_some() {
            snippet.push('…');
        }
        Some(Excerpt {
            line,
            column,
            snippet,
            snippet_column: Some(u64::from(cut_before) + kept_before.len() as u64 + 1),
        })
    }

    /// The text of a 1-based line, without its line ending.
    pub fn line(&self, line: u64) -> Option<&str> {
        let idx = usize::try_from(line).ok()?.checked_sub(1)?;
        let start = *self.line_starts.get(idx)?;
        let end = self.line_starts.get(idx + 1).map_or(self.text.len(), |next| next - 1);
        let l = self.text.get(start..end)?;
        Some(l.strip_suffix('\r').unwrap_or(l))
    }
}

/// Characters of a long line kept before a finding's position in its excerpt.
pub const EXCERPT_BEFORE: usize = 60;
/// Characters of a long line kept from a finding's position on.
pub const EXCERPT_AFTER: usize = 100;

/// A finding's place in the source text, with a bounded excerpt of its line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Excerpt {
    pub line: u64,
    pub column: u64,
    /// The line, or a window of it with `…` where it was cut.
    pub snippet: String,
    /// The 1-based column of the position inside `snippet` when it is a window (`None`: it is `column`).
    pub snippet_column: Option<u64>,
}

/// Escapes one reference token of a JSON pointer (RFC 6901 §3).
pub fn escape_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Parses `bytes` as a JSON document holding exactly one object, with its span index; errors name `check`.
pub(crate) fn parse(bytes: &[u8], check: &'static str) -> Result<(String, Value, SpanIndex), DecodeError> {
    let (text, value) = parse_value(bytes, check)?;
    let spans = SpanIndex::build(&text);
    Ok((text, value, spans))
}

/// Parses `bytes` as a JSON document holding exactly one object; errors name `check`.
pub(crate) fn parse_value(bytes: &[u8], check: &'static str) -> Result<(String, Value), DecodeError> {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let offset = e.valid_up_to();
            let bad = bytes.get(offset..).unwrap_or_default();
            let bad = bad.get(..e.error_len().unwrap_or(bad.len()).min(4)).unwrap_or_default();
            return Err(DecodeError::new(
                check,
                format!(
                    "JSON text is not valid UTF-8: invalid byte sequence {} at byte {offset}",
                    bad.escape_ascii()
                ),
            )
            .at_offset(offset)
            .at_line_col(line_col(bytes, offset))
            .expected("UTF-8 text")
            .actual(format!("bytes {}", bad.escape_ascii())));
        }
    };
    let value: Value = serde_json::from_str(text).map_err(|e| syntax_error(text, &e, check))?;
    match &value {
        Value::Object(_) => {}
        Value::Array(items) => {
            return Err(DecodeError::new(
                check,
                format!(
                    "a file MUST contain exactly one credential; found a JSON array of {} items",
                    items.len()
                ),
            )
            .at_line_col((1, 1))
            .expected("one JSON object")
            .actual(format!("a JSON array of {} items", items.len())));
        }
        other => {
            return Err(DecodeError::new(
                check,
                format!("the JSON text is {}, not an object", crate::json::json_type(other)),
            )
            .expected("one JSON object")
            .actual(crate::json::json_type(other)));
        }
    }
    Ok((text.to_string(), value))
}

fn syntax_error(text: &str, e: &serde_json::Error, check: &'static str) -> DecodeError {
    // serde_json counts columns in bytes, and reports column 0 when the offending byte was a newline it consumed;
    // findings count characters and point at the line the problem is on.
    let line_start = text
        .split_inclusive('\n')
        .take(e.line().saturating_sub(1))
        .map(str::len)
        .sum::<usize>();
    let offset = match e.column() {
        0 => line_start.saturating_sub(1),
        c => (line_start + c - 1).min(text.len()),
    };
    let (line, column) = line_col(text.as_bytes(), offset);
    let before = text.as_bytes().get(..offset).unwrap_or_default();
    let start = before.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
    let line_text = text.get(start..).unwrap_or_default().lines().next().unwrap_or_default();
    let reason = e.to_string();
    let reason = reason.split(" at line ").next().unwrap_or(&reason);
    let message = if reason.contains("recursion limit exceeded") {
        format!("JSON is nested deeper than {MAX_DEPTH} levels (line {line}, column {column})")
    } else {
        format!("JSON syntax error at line {line}, column {column}: {reason}")
    };
    let shown: String = line_text.chars().take(200).collect();
    DecodeError::new(check, message)
        .at_offset(offset)
        .at_line_col((line, column))
        .actual(shown)
}

enum Frame {
    Object { pointer: String, key: Option<String> },
    Array { pointer: String, next: usize },
}

/// Records the position of every value, in document order. Iterative, so depth costs heap, not stack.
fn scan(text: &str, mut budget: usize) -> HashMap<String, (u64, u64, usize)> {
    let b = text.as_bytes();
    let mut positions = HashMap::new();
    let mut stack: Vec<Frame> = Vec::new();
    let (mut i, mut line, mut col) = (0usize, 1u64, 1u64);
    while let Some(&c) = b.get(i) {
        let value_start = match c {
            b' ' | b'\t' | b'\r' | b',' | b':' => false,
            b'\n' => {
                line += 1;
                col = 0;
                false
            }
            b'}' | b']' => {
                stack.pop();
                value_done(&mut stack);
                false
            }
            b'"' if matches!(stack.last(), Some(Frame::Object { key: None, .. })) => {
                let end = string_end(b, i);
                let raw = text.get(i..end).unwrap_or("\"\"");
                let key: String = serde_json::from_str(raw).unwrap_or_default();
                if let Some(Frame::Object { key: k, .. }) = stack.last_mut() {
                    *k = Some(key);
                }
                col += count_chars(b.get(i..end).unwrap_or_default());
                i = end;
                continue;
            }
            _ => true,
        };
        if !value_start {
            i += 1;
            col += 1;
            continue;
        }
        let pointer = match stack.last() {
            None => String::new(),
            Some(Frame::Array { pointer, next }) => format!("{pointer}/{next}"),
            Some(Frame::Object { pointer, key }) => format!("{pointer}/{}", escape_token(key.as_deref().unwrap_or(""))),
        };
        if budget >= pointer.len() {
            budget -= pointer.len();
            positions.insert(pointer.clone(), (line, col, i));
        }
        let end = match c {
            b'{' => {
                stack.push(Frame::Object { pointer, key: None });
                i + 1
            }
            b'[' => {
                stack.push(Frame::Array { pointer, next: 0 });
                i + 1
            }
            b'"' => {
                value_done(&mut stack);
                string_end(b, i)
            }
            _ => {
                value_done(&mut stack);
                let rest = b.get(i..).unwrap_or_default();
                i + rest
                    .iter()
                    .position(|c| matches!(c, b',' | b'}' | b']') || c.is_ascii_whitespace())
                    .unwrap_or(rest.len())
            }
        };
        col += count_chars(b.get(i..end).unwrap_or_default());
        i = end;
    }
    positions
}

fn value_done(stack: &mut [Frame]) {
    match stack.last_mut() {
        Some(Frame::Array { next, .. }) => *next += 1,
        Some(Frame::Object { key, .. }) => *key = None,
        None => {}
    }
}

/// Index just past the closing quote of the string starting at `start`.
fn string_end(b: &[u8], start: usize) -> usize {
    let mut i = start + 1;
    while let Some(&c) = b.get(i) {
        match c {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    b.len()
}

fn count_chars(b: &[u8]) -> u64 {
    b.iter().filter(|c| (**c & 0xC0) != 0x80).count() as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::{CHECK_JSON, Limits, decode};

    const DOC: &str = "{\n  \"a/b\": 1,\n  \"list\": [\n    {\"x~y\": \"é\", \"n\": null},\n    [true, false]\n  ],\n  \"s\": \"q\\\"}\"\n}";

    #[test]
    fn span_index_maps_nested_pointers_to_lines_and_columns() {
        let (_, _, spans) = parse(DOC.as_bytes(), CHECK_JSON).unwrap();
        assert_eq!(spans.position(""), Some((1, 1)));
        let short = spans.excerpt("/list/0").expect("an excerpt");
        assert_eq!((short.line, short.column, short.snippet_column), (4, 5, None));
        assert_eq!(spans.position("/a~1b"), Some((2, 10)));
        assert_eq!(spans.position("/list"), Some((3, 11)));
        assert_eq!(spans.position("/list/0"), Some((4, 5)));
        assert_eq!(spans.position("/list/0/x~0y"), Some((4, 13)));
        assert_eq!(spans.position("/list/0/n"), Some((4, 23)));
        assert_eq!(spans.position("/list/1/1"), Some((5, 12)));
        assert_eq!(spans.position("/s"), Some((7, 8)));
        assert_eq!(spans.line(4), Some("    {\"x~y\": \"é\", \"n\": null},"));
        assert_eq!(spans.line(99), None);
        assert_eq!(spans.line(0), None);
    }

    #[test]
    fn missing_member_points_at_the_nearest_existing_ancestor() {
        let (_, _, spans) = parse(DOC.as_bytes(), CHECK_JSON).unwrap();
        assert_eq!(spans.position("/list/0/missing"), Some((4, 5)));
        assert_eq!(spans.position("/list/7/deeper/still"), Some((3, 11)));
        assert_eq!(spans.position("/nope"), Some((1, 1)));
    }

    #[test]
    fn syntax_error_has_line_column_and_line_text() {
        let err = decode(b"{\n  \"a\": 1,\n  \"b\": tru\n}", &Limits::default()).unwrap_err();
        assert_eq!(err.check, CHECK_JSON);
        assert_eq!((err.location.line, err.location.column), (Some(3), Some(11)));
        assert_eq!(err.actual.as_deref(), Some("  \"b\": tru"));
        assert!(err.message.contains("line 3, column 11"), "{err}");
    }

    #[test]
    fn invalid_utf8_reports_offset_line_and_column() {
        let err = decode(b"{\n \"a\": \"ok\xC3\x28\"}", &Limits::default()).unwrap_err();
        assert_eq!(err.check, CHECK_JSON);
        assert_eq!(err.location.byte_offset, Some(11));
        assert_eq!((err.location.line, err.location.column), (Some(2), Some(10)));
        assert!(
            err.message.contains("not valid UTF-8") && err.message.contains("byte 11"),
            "{err}"
        );
    }

    #[test]
    fn deep_nesting_is_a_clean_error() {
        let mut doc = "[".repeat(100_000);
        doc.push_str(&"]".repeat(100_000));
        let err = decode(doc.as_bytes(), &Limits::default()).unwrap_err();
        assert!(err.message.contains("nested deeper than 128 levels"), "{err}");
        let mut doc = "{\"a\":".repeat(100_000);
        doc.push_str(&"}".repeat(100_000));
        let err = decode(doc.as_bytes(), &Limits::default()).unwrap_err();
        assert!(err.message.contains("nested deeper than 128 levels"), "{err}");
    }

    #[test]
    fn top_level_must_be_one_object() {
        let err = decode(b"[{}, {}, {}]", &Limits::default()).unwrap_err();
        assert_eq!(
            err.message,
            "a file MUST contain exactly one credential; found a JSON array of 3 items"
        );
        let err = parse(b"\"x\"", CHECK_JSON).unwrap_err();
        assert!(err.message.contains("a string, not an object"), "{err}");
    }

    #[test]
    fn span_budget_bounds_memory_and_falls_back_to_ancestors() {
        let doc = format!("{{\"k\": [{}1]}}", "1,".repeat(1000));
        assert_eq!(SpanIndex::build(&doc).position("/k/1000"), Some((1, 2008)));
        // A budget of 4 bytes fits "" and "/k" but no element pointer: elements resolve to their array.
        let spans = SpanIndex {
            positions: scan(&doc, 4),
            ..SpanIndex::default()
        };
        assert_eq!(spans.positions.len(), 2);
        assert_eq!(spans.position("/k/1000"), Some((1, 7)));
    }

    #[test]
    fn excerpts_of_long_lines_are_windows_around_the_value() {
        let filler: String = (0..5000).map(|i| format!("\"k{i}\": null, ")).collect();
        let more = filler.replace("\"k", "\"m");
        let text = format!("{{{filler}\"target\": \"é-value\", {more}\"end\": 1}}");
        let spans = SpanIndex::build(&text);
        let e = spans.excerpt("/target").expect("an excerpt");
        assert_eq!(e.line, 1);
        assert!(e.snippet.starts_with('…') && e.snippet.ends_with('…'), "{}", e.snippet);
        assert!(e.snippet.chars().count() <= EXCERPT_BEFORE + EXCERPT_AFTER + 2);
        let col = usize::try_from(e.snippet_column.expect("windowed")).expect("small");
        let at: String = e.snippet.chars().skip(col - 1).take(9).collect();
        assert_eq!(at, "\"é-value\"", "the window's column points at the value");
        // The start of the line: nothing cut before.
        let first = spans.excerpt("/k0").expect("an excerpt");
        assert!(!first.snippet.starts_with('…'), "{first:?}");
        assert_eq!(
            first
                .snippet
                .chars()
                .nth(usize::try_from(first.snippet_column.unwrap_or(1)).unwrap_or(1) - 1),
            Some('n')
        );
    }
}
