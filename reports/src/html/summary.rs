//! The summary at the top of the page: certification bundles, results by spec and by role, and the subjects.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::{Page, badge, esc, kind_label};
use crate::bundles::{self, BundleVerdict};
use crate::common::{subject_counts, subject_tree};
use crate::model::{Counts, Role, Spec};

impl Page<'_> {
    pub(super) fn summary(&mut self) {
        let run = self.run;
        self.w("<section id=\"summary\">\n<h2>Summary</h2>\n");
        self.w("<h3>Certification bundles</h3>\n<table class=\"bundles\">\n<thead><tr><th>Bundle</th><th>Verdict</th>");
        self.w("<th class=\"n\">Checks run</th>");
        counts_head(&mut self.out);
        self.w("<th>Failing checks</th><th>Not yet evaluated</th></tr></thead>\n<tbody>\n");
        for b in bundles::evaluate(run) {
            let _ = write!(
                self.out,
                "<tr><td>{}</td><td><span class=\"badge o-{}\">{}</span><div class=\"meta\">{}</div></td>\
                 <td class=\"n\">{}</td>",
                esc(b.bundle.name),
                b.verdict.slug(),
                b.verdict.as_str(),
                esc(&b.reason),
                b.checks
            );
            counts_cells(&mut self.out, &b.counts);
            // A pass needs nothing more; any other verdict lists what it still needs.
            let needed = if b.verdict == BundleVerdict::Pass {
                String::new()
            } else {
                id_list(&b.needed)
            };
            let _ = writeln!(self.out, "<td>{}</td><td>{needed}</td></tr>", id_list(&b.failing));
        }
        self.w("</tbody>\n</table>\n");
        self.w(
            "<p class=\"meta\">A bundle is judged only on what this run shows about its role: input and upserted \
                credentials of its family and the API client that upserted them for an Issuer, provider subjects and \
                API clients for a Host, graded verifiers for a Displayer. Credentials a provider returns count for \
                its Host, not for an issuer. It passes when every required (MUST) check was evaluated on one of those \
                subjects (not applicable counts) and none failed or errored; a required check that was only skipped \
                or did not run leaves it incomplete, and so do checks deselected with --only/--skip.</p>\n",
        );

        let mut by_spec: BTreeMap<Option<Spec>, Counts> = BTreeMap::new();
        let mut by_role: BTreeMap<Option<Role>, Counts> = BTreeMap::new();
        for result in run.subjects.iter().flat_map(|s| &s.results) {
            let info = run.check(&result.check);
            by_spec.entry(info.map(|c| c.spec)).or_default().add(result.outcome);
            match info.map(|c| c.roles.as_slice()) {
                Some(roles) if !roles.is_empty() => {
                    for role in roles {
                        by_role.entry(Some(*role)).or_default().add(result.outcome);
                    }
                }
                _ => by_role.entry(None).or_default().add(result.outcome),
            }
        }
        let spec_rows = by_spec
            .into_iter()
            .map(|(spec, c)| (spec.map_or("not in catalogue", |s| s.as_str()).to_string(), c));
        self.counts_table("By specification", "Specification", spec_rows.collect());
        let role_rows = by_role
            .into_iter()
            .map(|(role, c)| (role.map_or("not in catalogue", |r| r.as_str()).to_string(), c));
        self.counts_table("By role", "Role", role_rows.collect());

        self.w("<h3>Subjects</h3>\n<table class=\"subjects\">\n<thead><tr><th>Subject</th><th>Detected as</th>");
        self.w("<th>Outcome</th>");
        counts_head(&mut self.out);
        self.w("</tr></thead>\n<tbody>\n");
        for (i, (depth, s)) in subject_tree(run).into_iter().enumerate() {
            let nest = if depth == 0 {
                String::new()
            } else {
                format!("<span style=\"padding-left:{}em\">↳ </span>", depth - 1)
            };
            let detected = s
                .detected
                .as_ref()
                .map_or_else(|| kind_label(s).to_string(), |d| esc(&d.label));
            let _ = write!(
                self.out,
                "<tr data-outcome=\"{}\"><td>{nest}<a href=\"#subject-{i}\">{}</a></td><td>{detected}</td><td>{}</td>",
                s.outcome.as_str(),
                esc(&s.name),
                badge(s.outcome)
            );
            counts_cells(&mut self.out, &subject_counts(s));
            self.w("</tr>\n");
        }
        self.w("</tbody>\n</table>\n</section>\n");
    }

    fn counts_table(&mut self, title: &str, first: &str, rows: Vec<(String, Counts)>) {
        let _ = write!(self.out, "<h3>{title}</h3>\n<table>\n<thead><tr><th>{first}</th>");
        counts_head(&mut self.out);
        self.w("</tr></thead>\n<tbody>\n");
        for (name, counts) in rows {
            let _ = write!(self.out, "<tr><td>{}</td>", esc(&name));
            counts_cells(&mut self.out, &counts);
            self.w("</tr>\n");
        }
        self.w("</tbody>\n</table>\n");
    }
}

/// Check ids shown before the rest of a list folds away.
const IDS_SHOWN: usize = 8;

/// Check ids as code, the ones past [`IDS_SHOWN`] folded into a `<details>`.
fn id_list(ids: &[String]) -> String {
    let codes: Vec<String> = ids.iter().map(|id| format!("<code>{}</code>", esc(id))).collect();
    if codes.len() <= IDS_SHOWN {
        return codes.join(" ");
    }
    let (shown, rest) = codes.split_at(IDS_SHOWN);
    format!(
        "{} <details class=\"rest\"><summary>{} more</summary>{}</details>",
        shown.join(" "),
        rest.len(),
        rest.join(" ")
    )
}

const COUNT_COLUMNS: [&str; 8] = ["Total", "Pass", "Fail", "Warn", "Error", "Info", "Skip", "N/A"];

fn counts_head(out: &mut String) {
    for c in COUNT_COLUMNS {
        let _ = write!(out, "<th class=\"n\">{c}</th>");
    }
}

fn counts_cells(out: &mut String, c: &Counts) {
    for n in [
        c.total(),
        c.pass,
        c.fail,
        c.warn,
        c.error,
        c.info,
        c.skip,
        c.not_applicable,
    ] {
        let class = if n == 0 { "n zero" } else { "n" };
        let _ = write!(out, "<td class=\"{class}\">{n}</td>");
    }
}
