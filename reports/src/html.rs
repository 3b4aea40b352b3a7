//! `report.html`: one self-contained page for people — verdict, summaries by spec, role and certification bundle,
//! then every subject's checks with their findings, diffs of expected against found, and the HTTP transcripts
//! behind them.
//!
//! Everything in a run may come from a hostile document or server, so every run-derived string goes through
//! `esc` (or `href` for links) and nothing from the run is ever written raw. A Content-Security-Policy that
//! allows no network access and only the page's own script (by hash) is the second line of defence. The page
//! reads the same with JavaScript off: the script only adds filter buttons.
//!
//! The output depends on the run alone (no clock, no randomness, no hash-map order), so the same run renders to
//! the same bytes.

mod diff;
mod exchange;
mod summary;
#[cfg(test)]
mod tests;

use std::fmt::Write as _;

use crate::common::{LEGEND, exit_code_meaning, needs_attention, subject_tree};
use crate::model::{CheckInfo, CheckResult, Counts, Finding, Location, Outcome, RuleSource, Run, Subject};

const CSS: &str = include_str!("html/report.css");
const SCRIPT: &str = include_str!("html/filter.js");
/// `sha256-…` of [`SCRIPT`], for the CSP; a unit test recomputes it, so editing the script fails the tests until
/// this is updated.
const SCRIPT_HASH: &str = "sha256-g7M1FnS/dgMuJ/GaHz/H9TnagENVpDAiIZFysTOcJr8=";

/// Renders the run as one HTML page with inline CSS and script and no external resources.
pub fn render(run: &Run) -> String {
    let mut page = Page {
        run,
        out: String::with_capacity(64 * 1024),
        shown: vec![false; run.exchanges.len()],
        sink: None,
    };
    page.document();
    page.out
}

/// [`render`] written into `sink` subject by subject, so a run of thousands of subjects is never held as one page.
pub fn write(run: &Run, sink: &mut dyn std::io::Write) -> std::io::Result<()> {
    let mut page = Page {
        run,
        out: String::with_capacity(64 * 1024),
        shown: vec![false; run.exchanges.len()],
        sink: Some(Sink {
            out: sink,
            failed: None,
        }),
    };
    page.document();
    page.flush();
    match page.sink.and_then(|s| s.failed) {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Where a page being written goes, and the first write error (after which nothing more is written).
struct Sink<'a> {
    out: &'a mut dyn std::io::Write,
    failed: Option<std::io::Error>,
}

/// Escapes text for element content and for quoted attribute values alike. Control characters (other than line
/// breaks and tabs) and bidirectional overrides are made visible, since they could hide or reorder what a reader
/// sees; a CR before LF is dropped so CRLF transcripts read as plain lines.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' | '\t' => out.push(c),
            '\r' if chars.peek() == Some(&'\n') => {}
            c if c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}') => {
                out.push_str(&c.escape_unicode().to_string());
            }
            c => out.push(c),
        }
    }
    out
}

/// A link target, or `None` when the URL is not plain http(s): a `javascript:` or `data:` URL from a hostile run
/// must not become clickable, even escaped.
pub(crate) fn href(url: &str) -> Option<String> {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    let web = lower.starts_with("https://") || lower.starts_with("http://");
    (web && !url.chars().any(|c| c.is_whitespace() || c.is_control())).then(|| esc(url))
}

fn badge(outcome: Outcome) -> String {
    let o = outcome.as_str();
    format!("<span class=\"badge o-{o}\">{}</span>", o.replace('-', " "))
}

fn duration(ms: u64) -> String {
    if ms < 1000 {
        format!("{ms} ms")
    } else {
        format!("{}.{:02} s", ms / 1000, (ms % 1000) / 10)
    }
}

struct Page<'a> {
    run: &'a Run,
    out: String,
    /// Exchanges already transcribed (by index in `run.exchanges`): later references link to the first transcript.
    shown: Vec<bool>,
    /// When set, what has been rendered goes there after each subject.
    sink: Option<Sink<'a>>,
}

impl Page<'_> {
    fn w(&mut self, s: &str) {
        self.out.push_str(s);
    }

    /// Hands what has been rendered so far to the sink, if there is one.
    fn flush(&mut self) {
        if let Some(sink) = &mut self.sink {
            if sink.failed.is_none()
                && let Err(e) = sink.out.write_all(self.out.as_bytes())
            {
                sink.failed = Some(e);
            }
            self.out.clear();
        }
    }

    fn document(&mut self) {
        let run = self.run;
        let word = match run.summary.exit_code {
            0 => "Conformant",
            1 => "Not conformant",
            5 => "Unverified",
            _ => "Incomplete",
        };
        self.w("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        self.w("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        let _ = writeln!(
            self.out,
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; \
             script-src '{SCRIPT_HASH}'; form-action 'none'; base-uri 'none'\">"
        );
        self.w("<meta name=\"referrer\" content=\"no-referrer\">\n");
        let _ = writeln!(
            self.out,
            "<title>{} report: {}</title>",
            esc(&run.tool.name),
            word.to_lowercase()
        );
        let _ = writeln!(self.out, "<style>\n{CSS}</style>\n</head>\n<body>");
        self.header(word);
        self.filters();
        self.w("<main>\n");
        self.summary();
        for (index, (depth, subject)) in subject_tree(run).into_iter().enumerate() {
            self.subject(index, depth, subject);
            self.flush();
        }
        self.unreferenced_exchanges();
        self.checks();
        self.w("</main>\n");
        self.legend();
        let _ = write!(self.out, "<script>{SCRIPT}</script>\n</body>\n</html>\n");
    }

    fn header(&mut self, word: &str) {
        let run = self.run;
        let class = match run.summary.exit_code {
            0 => "pass",
            1 => "fail",
            5 => "skip",
            _ => "error",
        };
        let _ = write!(
            self.out,
            "<header>\n<h1>{} report</h1>\n<div class=\"verdict o-{class}\" id=\"verdict\">{}: {}</div>\n\
             <dl class=\"facts\">\n",
            esc(&run.tool.name),
            word,
            esc(&run.summary.verdict),
        );
        let mut fact = |k: &str, v: String| {
            let _ = writeln!(self.out, "<dt>{k}</dt><dd>{v}</dd>");
        };
        fact(
            "Exit code",
            format!(
                "{} — {}",
                run.summary.exit_code,
                exit_code_meaning(run.summary.exit_code)
            ),
        );
        fact(
            "Tool",
            format!(
                "{} {} · vectors {}",
                esc(&run.tool.name),
                esc(&run.tool.version),
                esc(&run.tool.vectors_version)
            ),
        );
        fact("Specifications", esc(&run.tool.specs.join(", ")));
        fact("Command", format!("<code>{}</code>", esc(&run.command.join(" "))));
        fact("Started", esc(&run.started_at));
        fact("Duration", duration(run.duration_ms));
        let o = &run.options;
        let mut options = Vec::new();
        if o.strict {
            options.push("strict (SHOULD violations fail)".to_string());
        }
        if !o.only.is_empty() {
            options.push(format!("only <code>{}</code>", esc(&o.only.join(", "))));
        }
        if !o.skip.is_empty() {
            options.push(format!("skip <code>{}</code>", esc(&o.skip.join(", "))));
        }
        if let Some(dir) = &o.spec_dir {
            options.push(format!("spec dir <code>{}</code>", esc(dir)));
        }
        if !options.is_empty() {
            fact("Options", options.join(" · "));
        }
        self.w("</dl>\n</header>\n");
    }

    /// Hidden until the script runs, so a reader without JavaScript never sees buttons that do nothing.
    fn filters(&mut self) {
        self.w("<nav class=\"filters\" id=\"filters\" hidden>Show: ");
        for (outcome, _) in LEGEND {
            let o = outcome.as_str();
            let _ = write!(
                self.out,
                "<button type=\"button\" data-filter=\"{o}\" aria-pressed=\"true\">{}</button>",
                o.replace('-', " ")
            );
        }
        self.w(" · <button type=\"button\" data-open=\"all\">expand all</button>");
        self.w("<button type=\"button\" data-open=\"none\">collapse all</button></nav>\n");
    }

    /// `index` is the subject's place in the display order, which names its anchor: ids from the run could hold
    /// anything, so they never become attribute values.
    fn subject(&mut self, index: usize, depth: usize, s: &Subject) {
        let run = self.run;
        let _ = write!(
            self.out,
            "<section class=\"subject\" id=\"subject-{index}\">\n<h2>{} <span>{}</span></h2>\n\
             <dl class=\"facts\">\n<dt>Kind</dt><dd>{}{}</dd>\n",
            badge(s.outcome),
            esc(&s.name),
            kind_label(s),
            if depth > 0 { " (nested)" } else { "" },
        );
        if s.source != s.name {
            let _ = writeln!(self.out, "<dt>Source</dt><dd><code>{}</code></dd>", esc(&s.source));
        }
        if let Some(parent) = &s.parent {
            let parent_name = run
                .subjects
                .iter()
                .find(|p| &p.id == parent)
                .map_or(parent, |p| &p.name);
            let scope = s.scope.as_ref().map(where_text).unwrap_or_default();
            let _ = writeln!(self.out, "<dt>Inside</dt><dd>{} {scope}</dd>", esc(parent_name));
        }
        if !s.layers.is_empty() {
            let _ = writeln!(self.out, "<dt>Decoded from</dt><dd>{}</dd>", esc(&s.layers.join(" → ")));
        }
        if let Some(why) = &s.unverified {
            let _ = writeln!(self.out, "<dt>Unverified</dt><dd>{}</dd>", esc(why));
        }
        if let Some(d) = &s.detected {
            let vcdm = d
                .vcdm
                .as_ref()
                .map(|v| format!(" · VCDM {}", esc(v)))
                .unwrap_or_default();
            let _ = writeln!(
                self.out,
                "<dt>Detected as</dt><dd>{}{vcdm} <span class=\"muted\">— {}</span></dd>",
                esc(&d.label),
                esc(&d.reason)
            );
        }
        self.w("</dl>\n");

        let mut attention: Vec<&CheckResult> = s.results.iter().filter(|r| needs_attention(r.outcome)).collect();
        // Worst first; the sort is stable, so equal outcomes keep the engine's (data-flow) order.
        attention.sort_by_key(|r| std::cmp::Reverse(r.outcome.rank()));
        for r in attention {
            self.check(s, r);
        }
        let rest: Vec<&CheckResult> = s.results.iter().filter(|r| !needs_attention(r.outcome)).collect();
        if !rest.is_empty() {
            self.rest(&rest);
        }
        self.w("</section>\n");
    }

    fn check(&mut self, s: &Subject, r: &CheckResult) {
        let info = self.run.check(&r.check);
        let open = if matches!(r.outcome, Outcome::Fail | Outcome::Error | Outcome::Warn) {
            " open"
        } else {
            ""
        };
        let o = r.outcome.as_str();
        let _ = write!(
            self.out,
            "<details class=\"check o-{o}\" data-outcome=\"{o}\"{open}>\n<summary>{} <code>{}</code> {}{}</summary>\n\
             <div class=\"body\">\n",
            badge(r.outcome),
            esc(&r.check),
            info.map(|c| esc(&c.title)).unwrap_or_default(),
            info.map(|c| format!(" <span class=\"meta\">{}</span>", level_text(c)))
                .unwrap_or_default(),
        );
        match info {
            Some(c) => {
                let _ = writeln!(
                    self.out,
                    "<p class=\"req\">{}</p>\n<p class=\"meta\">{}</p>",
                    esc(&c.requirement),
                    check_meta(c)
                );
            }
            None => self.w("<p class=\"meta\">This check is not in the report's catalogue.</p>\n"),
        }
        if let Some(note) = &r.note {
            let _ = writeln!(self.out, "<p class=\"note\">{}</p>", esc(note));
        }
        for f in &r.findings {
            self.finding(s, f);
        }
        self.w("</div>\n</details>\n");
    }

    /// Passing, skipped and not-applicable checks: one folded table, since readers come for the failures.
    fn rest(&mut self, rest: &[&CheckResult]) {
        let mut counts = Counts::default();
        rest.iter().for_each(|r| counts.add(r.outcome));
        let mut parts = Vec::new();
        for (n, word) in [
            (counts.pass, "passed"),
            (counts.skip, "skipped"),
            (counts.not_applicable, "not applicable"),
        ] {
            if n > 0 {
                parts.push(format!("{n} {word}"));
            }
        }
        let _ = write!(
            self.out,
            "<details class=\"rest\">\n<summary>{}</summary>\n<table>\n<thead><tr><th>Outcome</th><th>Check</th>\
             <th>Note</th></tr></thead>\n<tbody>\n",
            parts.join(", ")
        );
        // The requirement is one link away, in the report's list of checks: a corpus of thousands of credentials
        // would otherwise repeat every requirement thousands of times.
        for r in rest {
            let info = self.run.check(&r.check);
            let _ = writeln!(
                self.out,
                "<tr data-outcome=\"{}\"><td>{}</td><td><code>{}</code> {}</td><td>{}</td></tr>",
                r.outcome.as_str(),
                badge(r.outcome),
                esc(&r.check),
                info.map(|c| format!("<a href=\"#check-{}\">{}</a>", esc(&c.id), esc(&c.title)))
                    .unwrap_or_default(),
                r.note.as_deref().map(esc).unwrap_or_default(),
            );
        }
        self.w("</tbody>\n</table>\n</details>\n");
    }

    fn finding(&mut self, s: &Subject, f: &Finding) {
        let _ = write!(
            self.out,
            "<div class=\"finding\" data-outcome=\"{}\">\n<p class=\"msg\">{} {}</p>\n<dl class=\"facts\">\n",
            f.outcome.as_str(),
            badge(f.outcome),
            esc(&f.message)
        );
        if !f.location.is_empty() {
            let _ = writeln!(self.out, "<dt>Where</dt><dd>{}</dd>", where_html(s, &f.location));
        }
        if let Some(e) = &f.expected {
            let _ = writeln!(self.out, "<dt>Expected</dt><dd>{}</dd>", value_html(e));
        }
        if let Some(a) = &f.actual {
            let _ = writeln!(self.out, "<dt>Found</dt><dd>{}</dd>", value_html(a));
        }
        if let (Some(e), Some(a)) = (&f.expected, &f.actual)
            && let Some(d) = diff::render(e, a)
        {
            let _ = writeln!(self.out, "<dt>Diff</dt><dd>{d}</dd>");
        }
        if let Some(hint) = &f.hint {
            let _ = writeln!(self.out, "<dt>Hint</dt><dd>{}</dd>", esc(hint));
        }
        for ev in &f.evidence {
            let _ = writeln!(
                self.out,
                "<dt>{}</dt><dd>{}</dd>",
                esc(&ev.label),
                value_html(&ev.value)
            );
        }
        self.w("</dl>\n");
        for id in &f.exchanges {
            self.exchange_ref(id);
        }
        self.w("</div>\n");
    }

    fn exchange_ref(&mut self, id: &str) {
        let run = self.run;
        match run.exchanges.iter().position(|e| e.id == id) {
            Some(i) if self.shown[i] => {
                let e = &run.exchanges[i];
                let _ = writeln!(
                    self.out,
                    "<p class=\"meta\">HTTP exchange: <a href=\"#exchange-{i}\">{} {}</a> (transcript above)</p>",
                    esc(&e.method),
                    esc(&e.url)
                );
            }
            Some(i) => {
                self.shown[i] = true;
                exchange::transcript(&mut self.out, &run.exchanges[i], i);
            }
            None => {
                let _ = writeln!(
                    self.out,
                    "<p class=\"meta\">HTTP exchange <code>{}</code> is not recorded in this report.</p>",
                    esc(id)
                );
            }
        }
    }

    /// Exchanges no finding refers to still belong to the record of the run.
    fn unreferenced_exchanges(&mut self) {
        let run = self.run;
        let rest: Vec<usize> = (0..run.exchanges.len()).filter(|&i| !self.shown[i]).collect();
        if rest.is_empty() {
            return;
        }
        let _ = writeln!(
            self.out,
            "<section id=\"exchanges\">\n<h2>Other HTTP exchanges</h2>\n<details class=\"appendix\">\n\
             <summary>{} exchanges no finding refers to</summary>",
            rest.len()
        );
        for i in rest {
            exchange::transcript(&mut self.out, &run.exchanges[i], i);
        }
        self.w("</details>\n</section>\n");
    }

    /// Every check of the run once, with its requirement, level and spec link: what the folded tables link to.
    fn checks(&mut self) {
        if self.run.checks.is_empty() {
            return;
        }
        self.w("<section id=\"checks\">\n<h2>Checks in this report</h2>\n<dl class=\"catalogue\">\n");
        for c in &self.run.checks {
            let _ = writeln!(
                self.out,
                "<dt id=\"check-{}\"><code>{}</code> {}</dt><dd>{} <span class=\"meta\">{}</span></dd>",
                esc(&c.id),
                esc(&c.id),
                esc(&c.title),
                esc(&c.requirement),
                check_meta(c)
            );
        }
        self.w("</dl>\n</section>\n");
    }

    fn legend(&mut self) {
        self.w("<footer>\n<h2>Legend</h2>\n<dl class=\"facts\">\n");
        for (outcome, meaning) in LEGEND {
            let _ = writeln!(self.out, "<dt>{}</dt><dd>{meaning}</dd>", badge(outcome));
        }
        let _ = writeln!(
            self.out,
            "</dl>\n<p>Generated by {} {}; format <code>{}</code>. The same run is in <code>report.json</code>.</p>\n</footer>",
            esc(&self.run.tool.name),
            esc(&self.run.tool.version),
            esc(&self.run.format)
        );
    }
}

fn kind_label(s: &Subject) -> &'static str {
    match s.kind {
        crate::model::SubjectKind::Document => "document",
        crate::model::SubjectKind::Embedded => "embedded credential",
        crate::model::SubjectKind::Provider => "provider",
        crate::model::SubjectKind::Consumer => "consumer",
        crate::model::SubjectKind::Verifier => "verifier",
    }
}

fn level_text(c: &CheckInfo) -> String {
    let inferred = if c.source == RuleSource::Inferred {
        " (inferred)"
    } else {
        ""
    };
    format!("{}{inferred}", c.level.as_str())
}

/// Spec, area, roles and the spec link of a check.
fn check_meta(c: &CheckInfo) -> String {
    let roles: Vec<&str> = c.roles.iter().map(|r| r.as_str()).collect();
    let link = match href(&c.spec_url) {
        Some(url) => format!(" · <a href=\"{url}\">spec section</a>"),
        None if c.spec_url.is_empty() => String::new(),
        None => format!(" · spec: <code>{}</code>", esc(&c.spec_url)),
    };
    format!(
        "{} · {} · {} · roles: {}{link}",
        level_text(c),
        c.spec.as_str(),
        esc(&c.area),
        roles.join(", ")
    )
}

/// A value: inline code when short and on one line, a block otherwise.
fn value_html(v: &str) -> String {
    if v.contains('\n') || v.chars().count() > 100 {
        format!("<pre>{}</pre>", esc(v))
    } else {
        format!("<code>{}</code>", esc(v))
    }
}

/// A location without its subject, for a nested subject's place in its parent.
fn where_text(loc: &Location) -> String {
    let mut parts = Vec::new();
    if let Some(p) = &loc.pointer {
        parts.push(format!(
            "<code>{}</code>",
            esc(if p.is_empty() { "(document root)" } else { p })
        ));
    }
    if let Some(layer) = &loc.layer {
        parts.push(format!("(in {})", esc(layer)));
    }
    parts.join(" ")
}

/// Every part of a location, and the source line with a caret under the column when the run carries it.
fn where_html(s: &Subject, loc: &Location) -> String {
    let mut parts = Vec::new();
    if let Some(line) = loc.line {
        let column = loc.column.map(|c| format!(":{c}")).unwrap_or_default();
        parts.push(format!("<code>{}:{line}{column}</code>", esc(&s.source)));
    }
    if let Some(offset) = loc.byte_offset {
        parts.push(format!("byte {offset}"));
    }
    let pointer_and_layer = where_text(loc);
    if !pointer_and_layer.is_empty() {
        parts.push(pointer_and_layer);
    }
    if let Some(http) = &loc.http {
        parts.push(format!("HTTP <code>{}</code>", esc(http)));
    }
    let mut html = parts.join(" ");
    if let (Some(snippet), Some(line)) = (&loc.snippet, loc.line) {
        let gutter = line.to_string();
        let pad = " ".repeat(gutter.len());
        let _ = write!(html, "<pre class=\"snippet\">{gutter} | {}", esc(snippet));
        if let Some(column) = loc.snippet_column.or(loc.column) {
            // Tabs stay tabs under the snippet so the caret lines up whatever the tab width.
            let lead: String = snippet
                .chars()
                .take(usize::try_from(column.saturating_sub(1)).unwrap_or(usize::MAX))
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            let _ = write!(html, "\n{pad} | {lead}<span class=\"caret\">^</span>");
        }
        html.push_str("</pre>");
    }
    html
}
