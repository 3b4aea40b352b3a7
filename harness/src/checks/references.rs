//! References inside an achievement: Result → ResultDescription → RubricCriterionLevel, result status, and CASE
//! CFItem alignments. None of these can be expressed in the JSON Schemas; they are what a displayer needs to render
//! a result ("Level 3 of 4 on Rubric X").

use clr_reports::Level::{Must, Should};
use serde_json::Value;

use super::{ALL_KINDS, Ctx, Doc, Ptr, rule};
use crate::check::declare_checks;
use crate::datamodel::{Class, Vocab};
use crate::detect::DocKind;
use crate::vocab::links;

declare_checks! {
    list CHECKS;
    OB30_DM_012 = rule(
        "OB30-DM-012",
        "result status is a ResultStatusType, present when required",
        "Result.status is one of Completed, Enrolled, Failed, InProgress, OnHold, Provisional, Withdrew, and is present when the linked ResultDescription's resultType is \"Status\".",
        links::OB_RESULT,
        Must,
        &[DocKind::Achievement],
        result_status,
    );
    OB30_DM_013 = rule(
        "OB30-DM-013",
        "results reference descriptions and levels of the same achievement",
        "Result.resultDescription SHOULD be the id of a ResultDescription of the credential's achievement, and achievedLevel the id of one of its RubricCriterionLevels.",
        links::OB_RESULT,
        Should,
        &[DocKind::Achievement],
        result_references,
    );
    OB30_DM_043 = rule(
        "OB30-DM-043",
        "requiredLevel names a level of its ResultDescription",
        "ResultDescription.requiredLevel SHOULD be the id of one of that ResultDescription's rubricCriterionLevel entries.",
        links::OB_RESULT_DESCRIPTION,
        Should,
        ALL_KINDS,
        required_level,
    );
    OB30_DM_031 = rule(
        "OB30-DM-031",
        "CASE CFItem alignments carry the item identifier",
        "An Alignment with targetType \"CFItem\" SHOULD give the CFItem's identifier (a UUID) as targetCode, matching the identifier at the end of its targetUrl when the URL ends with one.",
        links::OB_ALIGNMENT,
        Should,
        ALL_KINDS,
        case_alignment,
    )
    .inferred();
}

/// The ResultDescriptions of the credential's own achievement, by id.
fn result_descriptions<'a>(doc: &Doc<'a>) -> Vec<(&'a str, &'a Value)> {
    doc.root
        .pointer("/credentialSubject/achievement/resultDescription")
        .and_then(Value::as_array)
        .map(|rds| {
            rds.iter()
                .filter_map(|rd| Some((rd.get("id")?.as_str()?, rd)))
                .collect()
        })
        .unwrap_or_default()
}

fn level_ids(rd: &Value) -> Vec<&str> {
    rd.get("rubricCriterionLevel")
        .and_then(Value::as_array)
        .map(|ls| ls.iter().filter_map(|l| l.get("id")?.as_str()).collect())
        .unwrap_or_default()
}

fn results<'a, 'b>(doc: &'b Doc<'a>) -> impl Iterator<Item = (&'b Ptr, &'a Value)> {
    doc.walk.nodes_of(Class::Result).map(|n| (&n.ptr, n.value))
}

fn result_status(doc: &Doc, ctx: &mut Ctx) {
    let rds = result_descriptions(doc);
    let mut any = false;
    for (ptr, result) in results(doc) {
        any = true;
        match result.get("status").and_then(Value::as_str) {
            Some(term) => {
                super::values::check_term(ctx, &ptr.key("status"), "status", Vocab::ResultStatusType, term);
            }
            None => {
                let linked = result.get("resultDescription").and_then(Value::as_str);
                let rd = linked.and_then(|id| rds.iter().find(|(rid, _)| *rid == id));
                if let Some((rid, rd)) = rd
                    && rd.get("resultType").and_then(Value::as_str) == Some("Status")
                {
                    ctx.violation(
                        ptr,
                        "the result has no status, but its ResultDescription's resultType is \"Status\"",
                    )
                    .expected("status: one of Completed, Enrolled, Failed, InProgress, OnHold, Provisional, Withdrew")
                    .evidence("resultDescription", rid.to_string());
                }
            }
        }
    }
    if !any {
        ctx.not_applicable("no results");
    }
}

fn result_references(doc: &Doc, ctx: &mut Ctx) {
    let rds = result_descriptions(doc);
    let mut any = false;
    for (ptr, result) in results(doc) {
        any = true;
        let linked = result.get("resultDescription").and_then(Value::as_str);
        let rd = match linked {
            Some(id) => match rds.iter().find(|(rid, _)| *rid == id) {
                Some((_, rd)) => Some(*rd),
                None => {
                    let known = rds.iter().map(|(id, _)| *id).collect::<Vec<_>>();
                    ctx.violation(
                        &ptr.key("resultDescription"),
                        "resultDescription names no ResultDescription of this achievement",
                    )
                    .expected(if known.is_empty() {
                        "an achievement with resultDescription entries".into()
                    } else {
                        format!("one of {}", known.join(", "))
                    })
                    .found(id.to_string());
                    continue;
                }
            },
            None => None,
        };
        let Some(level) = result.get("achievedLevel").and_then(Value::as_str) else {
            continue;
        };
        let candidates: Vec<&str> = match rd {
            Some(rd) => level_ids(rd),
            None => rds.iter().flat_map(|(_, rd)| level_ids(rd)).collect(),
        };
        if !candidates.contains(&level) {
            let where_ = if rd.is_some() {
                "its ResultDescription"
            } else {
                "any ResultDescription of this achievement"
            };
            ctx.violation(
                &ptr.key("achievedLevel"),
                format!("achievedLevel names no RubricCriterionLevel of {where_}"),
            )
            .expected(if candidates.is_empty() {
                "a ResultDescription with rubricCriterionLevel entries".into()
            } else {
                format!("one of {}", candidates.join(", "))
            })
            .found(level.to_string());
        }
    }
    if !any {
        ctx.not_applicable("no results");
    }
}

fn required_level(doc: &Doc, ctx: &mut Ctx) {
    let mut any = false;
    for node in doc.walk.nodes_of(Class::ResultDescription) {
        let Some(level) = node.value.get("requiredLevel").and_then(Value::as_str) else {
            continue;
        };
        any = true;
        let ids = level_ids(node.value);
        if !ids.contains(&level) {
            ctx.violation(
                &node.ptr.key("requiredLevel"),
                "requiredLevel names none of this ResultDescription's rubric levels",
            )
            .expected(if ids.is_empty() {
                "rubricCriterionLevel entries to refer to".into()
            } else {
                format!("one of {}", ids.join(", "))
            })
            .found(level.to_string());
        }
    }
    if !any {
        ctx.not_applicable("no requiredLevel values");
    }
}

/// Whether `s` is a UUID in its canonical 8-4-4-4-12 hex form (CASE identifiers are UUIDs).
pub fn is_uuid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && p.bytes().all(|c| c.is_ascii_hexdigit()))
}

fn case_alignment(doc: &Doc, ctx: &mut Ctx) {
    let mut any = false;
    for node in doc.walk.nodes_of(Class::Alignment) {
        if node.value.get("targetType").and_then(Value::as_str) != Some("CFItem") {
            continue;
        }
        any = true;
        let url_id = node
            .value
            .get("targetUrl")
            .and_then(Value::as_str)
            .and_then(|u| u.trim_end_matches('/').rsplit('/').next())
            .filter(|last| is_uuid(last));
        let Some(code) = node.value.get("targetCode").and_then(Value::as_str) else {
            if let Some(id) = url_id {
                ctx.violation(&node.ptr, "a CFItem alignment gives no targetCode")
                    .expected(format!("targetCode: \"{id}\" (the identifier at the end of targetUrl)"));
            }
            continue;
        };
        if !is_uuid(code) {
            ctx.violation(
                &node.ptr.key("targetCode"),
                "the targetCode of a CFItem alignment is not a CASE identifier (UUID)",
            )
            .expected("a UUID such as 74f5bb7d-d7cc-11e8-824f-0242ac160002")
            .found(code.to_string());
        } else if let Some(id) = url_id.filter(|id| !id.eq_ignore_ascii_case(code)) {
            ctx.violation(
                &node.ptr.key("targetCode"),
                "targetCode and the identifier in targetUrl name different CFItems",
            )
            .expected(id.to_string())
            .found(code.to_string());
        }
    }
    if !any {
        ctx.not_applicable("no CFItem alignments");
    }
}
