//! Cross-check against the official 1EdTech JSON Schemas (offline; from `--spec-dir`).
//!
//! The engine loads [`OfficialSchemas`] once per run when `--spec-dir` is given and, for every decoded document and
//! embedded credential, calls [`run`] with the detected [`DocKind`] and VCDM version:
//!
//! ```no_run
//! # use clr_harness::{checks::official_schema, detect::DocKind, schema::{OfficialSchemas, Vcdm}};
//! # fn demo(spec_dir: &std::path::Path, doc: &serde_json::Value) -> Result<(), Box<dyn std::error::Error>> {
//! let schemas = OfficialSchemas::load(spec_dir)?;
//! let (check_id, findings) = official_schema::run(&schemas, DocKind::Achievement, doc, Vcdm::V2);
//! // no findings = the check passed; otherwise fold them into the CheckResult of `check_id`.
//! # Ok(()) }
//! ```
//!
//! Findings come in the order [`OfficialSchemas::validate`] gives: root causes first (with a hint to fix them
//! first), then errors of the schema branch for the detected VCDM version, then the rest. The one-line summary of
//! the other VCDM branch is an `Info` finding: it is not a defect by itself.

use clr_reports::{Evidence, Finding, Level, Location, Outcome, Role, RuleSource, Spec};
use serde_json::Value;

use crate::check::declare_checks;
use crate::check::{Check, Runner};
use crate::detect::DocKind;
use crate::schema::{OfficialSchema, OfficialSchemas, SchemaViolation, Vcdm};
use crate::vocab::links;

pub const OB_ACHIEVEMENT_ID: &str = "OB30-SCHEMA-001";
pub const OB_ENDORSEMENT_ID: &str = "OB30-SCHEMA-002";
pub const CLR_ID: &str = "CLR20-SCHEMA-001";

const ROLES: &[Role] = &[Role::Issuer, Role::Verifier];

declare_checks! {
    list CHECKS;
    OB30_SCHEMA_001 = Check {
        id: OB_ACHIEVEMENT_ID,
        title: "AchievementCredential validates against the official OB 3.0 JSON Schema",
        requirement: "An OpenBadgeCredential (AchievementCredential) MUST be valid against the published OB 3.0 JSON \
                      Schema ob_v3p0_achievementcredential_schema.json.",
        spec_url: links::OB_SCHEMAS,
        level: Level::Must,
        source: RuleSource::Schema,
        roles: ROLES,
        spec: Spec::Ob30,
        area: "schema",
        applies_to: &[DocKind::Achievement],
        runner: Runner::OfficialSchema,
    };
    OB30_SCHEMA_002 = Check {
        id: OB_ENDORSEMENT_ID,
        title: "EndorsementCredential validates against the official OB 3.0 JSON Schema",
        requirement: "An EndorsementCredential MUST be valid against the published OB 3.0 JSON Schema \
                      ob_v3p0_endorsementcredential_schema.json.",
        spec_url: links::OB_SCHEMAS,
        level: Level::Must,
        source: RuleSource::Schema,
        roles: ROLES,
        spec: Spec::Ob30,
        area: "schema",
        applies_to: &[DocKind::Endorsement],
        runner: Runner::OfficialSchema,
    };
    CLR20_SCHEMA_001 = Check {
        id: CLR_ID,
        title: "ClrCredential validates against the official CLR 2.0 JSON Schema",
        requirement: "A ClrCredential MUST be valid against the published CLR 2.0 JSON Schema \
                      clr_v2p0_clrcredential_schema.json.",
        spec_url: links::CLR_SCHEMAS,
        level: Level::Must,
        source: RuleSource::Schema,
        roles: ROLES,
        spec: Spec::Clr20,
        area: "schema",
        applies_to: &[DocKind::Clr],
        runner: Runner::OfficialSchema,
    };
}

/// The check id and (strict) official schema for a document kind.
pub fn check_for(kind: DocKind) -> (&'static str, OfficialSchema) {
    match kind {
        // The OB 2.0 / CLR 1.0 kinds have no official JSON Schema check (OB 2.0 publishes none); the schema checks
        // do not apply to them, so this arm is never asked for.
        DocKind::Achievement | DocKind::Legacy(_) | DocKind::Case(_) => {
            (OB_ACHIEVEMENT_ID, OfficialSchema::AchievementCredential)
        }
        DocKind::Endorsement => (OB_ENDORSEMENT_ID, OfficialSchema::EndorsementCredential),
        DocKind::Clr => (CLR_ID, OfficialSchema::ClrCredential),
    }
}

/// Validates `doc` against the official schema for `kind` and returns the check id with its findings (none = pass).
/// A VCDM 1.1 document is validated against the tolerant "any" schema when the spec dir has it.
pub fn run(schemas: &OfficialSchemas, kind: DocKind, doc: &Value, vcdm: Vcdm) -> (&'static str, Vec<Finding>) {
    let (id, which) = check_for(kind);
    let which = schemas.pick(which, vcdm);
    let findings = schemas
        .validate(which, doc, vcdm)
        .into_iter()
        .map(|v| finding(schemas, which, doc, v))
        .collect();
    (id, findings)
}

fn finding(schemas: &OfficialSchemas, which: OfficialSchema, doc: &Value, v: SchemaViolation) -> Finding {
    let summary = v.is_other_branch_summary();
    let (expected, actual) = if summary {
        (None, None)
    } else {
        expected_actual(schemas, doc, &v)
    };
    let mut evidence = vec![
        Evidence {
            label: "schema".into(),
            value: which.id().into(),
        },
        Evidence {
            label: "schema keyword".into(),
            value: v.schema_path.clone(),
        },
    ];
    if let Some(branch) = &v.branch {
        evidence.push(Evidence {
            label: "schema branch".into(),
            value: branch.clone(),
        });
    }
    if !v.common_to.is_empty() {
        evidence.push(Evidence {
            label: "common to branches".into(),
            value: v.common_to.join(", "),
        });
    }
    let hint = if v.root_cause && v.common_to.len() > 1 {
        Some("this error is common to the VCDM 1.1 and 2.0 branches: fix it first".to_string())
    } else if v.root_cause {
        Some(
            "this is where the value departs from the form it evidently takes (the other allowed forms fail \
             earlier): fix it first"
                .to_string(),
        )
    } else if summary {
        Some("only the branch of the detected VCDM version is reported; the other is listed for completeness".into())
    } else {
        None
    };
    Finding {
        outcome: if summary { Outcome::Info } else { Outcome::Fail },
        message: v.message,
        location: Location::pointer(v.pointer),
        expected,
        actual,
        evidence,
        exchanges: Vec::new(),
        hint,
    }
}

/// What the failing keyword wants and what the document has, in words a credential author reads without the schema.
fn expected_actual(schemas: &OfficialSchemas, doc: &Value, v: &SchemaViolation) -> (Option<String>, Option<String>) {
    let rule = schemas.keyword_value(&v.schema_path);
    let instance = doc.pointer(&v.pointer);
    if v.keyword == "required" {
        let property = v.message.split('"').nth(1).unwrap_or("the property");
        return (Some(format!("property \"{property}\" present")), Some("absent".into()));
    }
    let expected = rule.map(|r| match (v.keyword.as_str(), r) {
        ("type", r) => match v.message.split_once(" is not of type ") {
            // The message names every acceptable type, also when it merges the branches of a composite.
            Some((_, types)) => format!("a value of type {types}"),
            None => format!("a value of type {}", short(r)),
        },
        ("pattern", Value::String(p)) => format!("a string matching /{p}/"),
        ("format", Value::String(f)) => format!("a valid {f}"),
        ("enum", r) => format!("one of {}", short(r)),
        ("const", r) => format!("exactly {}", short(r)),
        (keyword, r) => format!("{keyword}: {}", short(r)),
    });
    let actual = instance.map(|i| format!("{} {}", json_type(i), short(i)));
    (expected, actual)
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Compact JSON, cut at 120 characters so one finding stays one readable line.
fn short(v: &Value) -> String {
    const MAX: usize = 120;
    let s = v.to_string();
    if s.chars().count() <= MAX {
        s
    } else {
        format!("{}…", s.chars().take(MAX).collect::<String>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_maps_to_its_catalogue_entry() {
        for kind in [DocKind::Achievement, DocKind::Endorsement, DocKind::Clr] {
            let (id, _) = check_for(kind);
            let check = CHECKS.iter().find(|c| c.id == id).expect("registered");
            assert!(check.applies(kind));
            assert!(matches!(check.runner, Runner::OfficialSchema));
        }
    }

    #[test]
    fn long_values_are_cut_on_a_character_boundary() {
        let s = short(&Value::String("é".repeat(200)));
        assert!(s.ends_with('…'));
        assert_eq!(s.chars().count(), 121);
    }
}
