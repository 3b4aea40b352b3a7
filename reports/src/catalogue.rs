//! The check list, for `clr-harness checks` and the README. JSON is plain serde: [`catalogue_json`].

use crate::ReportError;
use crate::model::{CheckInfo, Level, Role};

fn roles(roles: &[Role]) -> String {
    roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(",")
}

/// Aligned columns (id, level, roles, title) with the requirement on the next line, indented under the title.
pub fn catalogue_text(checks: &[CheckInfo], color: bool) -> String {
    let width = |f: &dyn Fn(&CheckInfo) -> usize| checks.iter().map(f).max().unwrap_or(0);
    let id_w = width(&|c| c.id.chars().count());
    let level_w = width(&|c| c.level.as_str().len());
    let roles_w = width(&|c| roles(&c.roles).chars().count());
    let indent = " ".repeat(id_w + level_w + roles_w + 6);
    let mut out = String::new();
    for c in checks {
        // Pad before painting: escape codes have no width, so padding painted text would misalign columns.
        let id = format!("{:<id_w$}", c.id);
        let level = format!("{:<level_w$}", c.level.as_str());
        let (id, level) = if color {
            let level_code = match c.level {
                Level::Must => "1;31",
                Level::Should => "1;33",
                Level::Info => "1;36",
            };
            (
                format!("\u{1b}[1m{id}\u{1b}[0m"),
                format!("\u{1b}[{level_code}m{level}\u{1b}[0m"),
            )
        } else {
            (id, level)
        };
        let line = format!("{id}  {level}  {:<roles_w$}  {}", roles(&c.roles), c.title);
        out.push_str(line.trim_end());
        out.push('\n');
        out.push_str(&format!("{indent}{}\n", c.requirement));
    }
    out
}

/// A Markdown table: id | level | roles | requirement, the requirement linked to its spec section.
pub fn catalogue_markdown(checks: &[CheckInfo]) -> String {
    let mut out = String::from("| Id | Level | Roles | Requirement |\n|---|---|---|---|\n");
    for c in checks {
        let requirement = cell(&c.requirement).replace('[', "\\[").replace(']', "\\]");
        let link = c.spec_url.replace(' ', "%20").replace(')', "%29");
        let inferred = if c.source == crate::RuleSource::Inferred {
            " (inferred)"
        } else {
            ""
        };
        out.push_str(&format!(
            "| `{}` | {}{inferred} | {} | [{requirement}]({link}) |\n",
            c.id,
            c.level.as_str(),
            cell(&roles(&c.roles).replace(',', ", "))
        ));
    }
    out
}

/// The catalogue as pretty JSON, the same shape as `checks` in `report.json`.
pub fn catalogue_json(checks: &[CheckInfo]) -> Result<String, ReportError> {
    Ok(serde_json::to_string_pretty(checks)?)
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace(['\n', '\r'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample::sample_run;

    #[test]
    fn text_columns_are_aligned_with_requirement_below() {
        let checks = sample_run().checks;
        let text = catalogue_text(&checks, false);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), checks.len() * 2);
        assert_eq!(lines[0], "OB30-DM-006   MUST    issuer,verifier  Issuer is a Profile");
        assert_eq!(lines[4], "OB30-DM-020   SHOULD  issuer,verifier  Image has type Image");
        assert_eq!(
            lines[1],
            format!(
                "{}The issuer is a URI or a Profile whose type includes \"Profile\"",
                " ".repeat(39)
            )
        );
        let title_col = lines[0].find("Issuer is").expect("title present");
        assert!(lines.iter().step_by(2).all(|l| l.len() > title_col), "{text}");
        assert!(!text.contains('\u{1b}'));
    }

    #[test]
    fn text_colour_is_optional_and_keeps_alignment() {
        let checks = sample_run().checks;
        let coloured = catalogue_text(&checks, true);
        assert!(coloured.contains("\u{1b}[1;31mMUST  \u{1b}[0m"), "{coloured}");
        let stripped = coloured
            .replace("\u{1b}[1m", "")
            .replace("\u{1b}[1;31m", "")
            .replace("\u{1b}[1;33m", "");
        let stripped = stripped.replace("\u{1b}[1;36m", "").replace("\u{1b}[0m", "");
        assert_eq!(stripped, catalogue_text(&checks, false));
    }

    #[test]
    fn markdown_table_links_requirements() {
        let md = catalogue_markdown(&sample_run().checks);
        assert!(md.starts_with("| Id | Level | Roles | Requirement |\n|---|---|---|---|\n"));
        assert!(md.contains(
            "| `CLR20-DM-003` | MUST | issuer, verifier | \
             [ClrSubject.verifiableCredential has at least one credential](https://www.imsglobal.org/spec/clr/v2p0/#clrsubject) |"
        ), "{md}");
        assert_eq!(md.lines().count(), 2 + sample_run().checks.len());
    }

    #[test]
    fn json_is_the_model_shape() {
        let checks = sample_run().checks;
        let json = catalogue_json(&checks).expect("serialises");
        let back: Vec<CheckInfo> = serde_json::from_str(&json).expect("deserialises");
        assert_eq!(back, checks);
        assert!(json.contains("\"level\": \"SHOULD\""));
    }
}
