//! CLR 2.0 ClrCredential rules: contexts, type, ClrSubject, nested credentials and associations.
//!
//! CLR 2.0's normative text was not available to us; rules stated only by the published schemas and context are
//! marked `from_schema`, rules by analogy with OB 3.0 or harness heuristics `inferred` (reported as warnings).

use clr_reports::Level::{Info, Must, Should};
use serde_json::Value;

use super::classes::shape;
use super::credential::credential_type;
use super::{Ctx, Doc, Ptr, has_type, rule, show};
use crate::check::declare_checks;
use crate::datamodel::{Class, Vocab};
use crate::decode::CompactJws;
use crate::detect::{DocKind, detect};
use crate::vocab::{self, links};

const CLR: &[DocKind] = &[DocKind::Clr];

declare_checks! {
    list CHECKS;
    CLR20_DM_001 = rule(
        "CLR20-DM-001",
        "@context is VC 2.0, CLR 2.0, OB 3.0 in that order",
        "A ClrCredential's @context has at least three items: https://www.w3.org/ns/credentials/v2, a CLR 2.0 context, then an OB 3.0 context.",
        links::CLR_CREDENTIAL,
        Must,
        CLR,
        clr_contexts,
    )
    .clr()
    .from_schema();
    CLR20_DM_002 = rule(
        "CLR20-DM-002",
        "CLR 2.0 context is the current version",
        "The CLR context SHOULD be context-2.0.1.json; context.json (2.0.0) lacks the partial and ClrSubject identifier terms.",
        links::CLR_CREDENTIAL,
        Should,
        CLR,
        clr_context_current,
    )
    .clr()
    .from_schema();
    CLR20_DM_003 = rule(
        "CLR20-DM-003",
        "type names a ClrCredential",
        "A ClrCredential's type contains \"VerifiableCredential\" and \"ClrCredential\".",
        links::CLR_CREDENTIAL,
        Must,
        CLR,
        clr_type,
    )
    .clr()
    .from_schema();
    CLR20_DM_004 = rule(
        "CLR20-DM-004",
        "ClrCredential has a name and well-typed properties",
        "A ClrCredential has a name, partial (when present) is a boolean, and its other properties have the data model's types.",
        links::CLR_CREDENTIAL,
        Must,
        CLR,
        clr_credential,
    )
    .clr()
    .from_schema();
    CLR20_DM_005 = rule(
        "CLR20-DM-005",
        "credentialSubject is a ClrSubject",
        "The subject's type contains \"ClrSubject\", it has verifiableCredential, and its properties have the data model's types.",
        links::CLR_SUBJECT,
        Must,
        CLR,
        clr_subject,
    )
    .clr()
    .from_schema();
    CLR20_DM_006 = rule(
        "CLR20-DM-006",
        "ClrSubject has an id or an identifier",
        "The ClrSubject supplies either an id or at least one identifier (IdentityObject).",
        links::CLR_SUBJECT,
        Must,
        CLR,
        clr_subject_identified,
    )
    .clr()
    .from_schema();
    CLR20_DM_007 = rule(
        "CLR20-DM-007",
        "verifiableCredential entries are credentials",
        "Every verifiableCredential entry is a credential object whose type contains \"VerifiableCredential\" (the CLR schema allows objects only, not compact JWS strings).",
        links::CLR_SUBJECT,
        Must,
        CLR,
        nested_entries,
    )
    .clr()
    .from_schema();
    CLR20_DM_008 = rule(
        "CLR20-DM-008",
        "nested credentials are OB 3.0 AchievementCredentials",
        "Each nested credential SHOULD be an OB 3.0 AchievementCredential; each is checked in full as its own subject.",
        links::CLR_SUBJECT,
        Should,
        CLR,
        nested_are_achievement_credentials,
    )
    .clr()
    .inferred();
    CLR20_DM_009 = rule(
        "CLR20-DM-009",
        "Association is well-formed",
        "Every Association has type \"Association\", an associationType from the closed AssociationType vocabulary, a sourceId and a targetId, and nothing else.",
        links::CLR_ASSOCIATION,
        Must,
        CLR,
        association,
    )
    .clr()
    .from_schema();
    CLR20_DM_010 = rule(
        "CLR20-DM-010",
        "associations connect achievements of this CLR",
        "An Association's sourceId and targetId SHOULD each be the id of an achievement in the CLR (ClrSubject.achievement or a nested credential's achievement), and differ.",
        links::CLR_ASSOCIATION,
        Should,
        CLR,
        association_endpoints,
    )
    .clr()
    .inferred();
    CLR20_DM_011 = rule(
        "CLR20-DM-011",
        "nested credentials are about the CLR's subject",
        "Each nested credential's subject is expected to be the ClrSubject (same id or a shared identifier).",
        links::CLR_SUBJECT,
        Info,
        CLR,
        nested_subjects_match,
    )
    .clr()
    .inferred();
}

fn clr_contexts(doc: &Doc, ctx: &mut Ctx) {
    let expected = format!(
        "[\"{}\", \"{}\", \"{}\", …]",
        vocab::VC_V2_CONTEXT,
        vocab::CLR_CONTEXT_CURRENT,
        vocab::OB_CONTEXT_CURRENT
    );
    let items = match doc.root.get("@context") {
        Some(Value::Array(items)) => items,
        other => {
            let found = other.map(show).unwrap_or_else(|| "no @context".into());
            ctx.violation(&Ptr::root().key("@context"), "a ClrCredential needs an @context array")
                .expected(expected)
                .found(found);
            return;
        }
    };
    let at = |i: usize| Ptr::root().key("@context").index(i);
    let s = |i: usize| items.get(i).and_then(Value::as_str);
    let legacy_v1 = doc.vcdm == crate::detect::Vcdm::V1_1 && s(0) == Some(vocab::VC_V1_CONTEXT);
    if s(0) != Some(vocab::VC_V2_CONTEXT) && !legacy_v1 {
        ctx.violation(&at(0), "the first @context item must be the VC Data Model 2.0 context")
            .expected(vocab::VC_V2_CONTEXT)
            .found(items.first().map(show).unwrap_or_else(|| "an empty array".into()));
    }
    if !s(1).is_some_and(vocab::is_clr_context) {
        let report = ctx
            .violation(&at(1), "the second @context item must be a CLR 2.0 context")
            .expected(vocab::CLR_CONTEXT_CURRENT)
            .found(items.get(1).map(show).unwrap_or_else(|| "nothing".into()));
        if s(1) == Some(vocab::CLR_CONTEXT_DRAFT) {
            report.hint("the dc.imsglobal.org draft context was never final; use context-2.0.1.json");
        } else if let Some(pos) = items.iter().position(|v| v.as_str().is_some_and(vocab::is_clr_context)) {
            report.hint(format!(
                "a CLR context is at @context[{pos}]; order matters: VC, CLR, OB"
            ));
        }
    }
    if !s(2).is_some_and(vocab::is_ob_context) {
        let report = ctx
            .violation(&at(2), "the third @context item must be an OB 3.0 context")
            .expected(vocab::OB_CONTEXT_CURRENT)
            .found(
                items
                    .get(2)
                    .map(show)
                    .unwrap_or_else(|| format!("nothing: @context has {} item(s)", items.len())),
            );
        if let Some(pos) = items.iter().position(|v| v.as_str().is_some_and(vocab::is_ob_context)) {
            report.hint(format!(
                "an OB 3.0 context is at @context[{pos}]; order matters: VC, CLR, OB"
            ));
        }
    }
}

fn clr_context_current(doc: &Doc, ctx: &mut Ctx) {
    let missing = "no CLR 2.0 context present (reported by CLR20-DM-001)";
    let found = super::credential::family_context(doc, ctx, vocab::is_clr_context, missing);
    match found {
        None => {}
        Some((_, vocab::CLR_CONTEXT_CURRENT)) => {}
        Some((i, older)) => {
            let uses_new_terms =
                doc.root.get("partial").is_some() || doc.root.pointer("/credentialSubject/identifier").is_some();
            let report = ctx
                .violation(
                    &Ptr::root().key("@context").index(i),
                    "an older CLR 2.0 context is used",
                )
                .expected(vocab::CLR_CONTEXT_CURRENT)
                .found(older.to_string());
            if uses_new_terms {
                report.hint("this CLR uses partial or ClrSubject identifier, which context.json (2.0.0) does not define: JSON-LD processing drops them");
            }
        }
    }
}

fn clr_type(doc: &Doc, ctx: &mut Ctx) {
    credential_type(doc, ctx, &["ClrCredential"]);
}

fn clr_credential(doc: &Doc, ctx: &mut Ctx) {
    shape(doc, ctx, &[Class::ClrCredential]);
}

fn clr_subject(doc: &Doc, ctx: &mut Ctx) {
    shape(doc, ctx, &[Class::ClrSubject]);
}

fn clr_subject_identified(doc: &Doc, ctx: &mut Ctx) {
    let Some(subject) = doc.root.get("credentialSubject").filter(|s| s.is_object()) else {
        ctx.not_applicable("no credentialSubject object (see OB30-DM-008)");
        return;
    };
    let has_id = subject.get("id").is_some_and(|v| !v.is_null());
    let has_identifier = subject
        .get("identifier")
        .is_some_and(|v| v.as_array().is_some_and(|a| !a.is_empty()) || v.is_object());
    if !has_id && !has_identifier {
        ctx.violation(
            &Ptr::root().key("credentialSubject"),
            "the ClrSubject has neither an id nor an identifier",
        )
        .expected("an id or at least one IdentityObject in identifier");
    }
}

/// Nested credential entries with their decoded JSON (compact JWS payloads decoded; `vc` claims unwrapped).
fn nested(doc: &Doc) -> Vec<(Ptr, Result<Value, String>)> {
    doc.walk
        .embedded
        .iter()
        .filter(|e| e.via == "verifiableCredential")
        .map(|e| {
            let decoded = match e.value {
                Value::Object(_) => Ok(e.value.clone()),
                Value::String(jws) => CompactJws::parse(jws)
                    .map_err(|err| err.message)
                    .and_then(|j| serde_json::from_str::<Value>(&j.payload_text).map_err(|err| err.to_string()))
                    .map(|p| p.get("vc").cloned().unwrap_or(p)),
                other => Err(format!(
                    "{} is neither a credential object nor a compact JWS",
                    super::json_type(other)
                )),
            };
            (e.ptr.clone(), decoded)
        })
        .collect()
}

fn nested_entries(doc: &Doc, ctx: &mut Ctx) {
    let entries = nested(doc);
    if entries.is_empty() {
        ctx.not_applicable("no verifiableCredential entries (see CLR20-DM-005)");
    }
    for (ptr, decoded) in entries {
        if doc.root.pointer(ptr.as_str()).is_some_and(Value::is_string) {
            ctx.violation(&ptr, "a verifiableCredential entry is a string; the ClrSubject holds credential objects")
                .expected("a credential object with an embedded proof")
                .found("a compact JWS string")
                .hint("VerifiableCredential is a complex type: the CLR 2.0 schema requires objects; nest the credential with a Data Integrity proof instead of its VC-JWT");
            continue;
        }
        match decoded {
            Err(why) => {
                ctx.violation(&ptr, format!("a verifiableCredential entry is not a credential: {why}"))
                    .expected("a credential object or a compact JWS");
            }
            Ok(v) if !has_type(&v, "VerifiableCredential") => {
                let found = v.get("type").map(show).unwrap_or_else(|| "no type".into());
                ctx.violation(
                    &ptr,
                    "a verifiableCredential entry's type does not contain \"VerifiableCredential\"",
                )
                .expected("[\"VerifiableCredential\", \"AchievementCredential\"]")
                .found(found);
            }
            Ok(_) => {}
        }
    }
}

fn nested_are_achievement_credentials(doc: &Doc, ctx: &mut Ctx) {
    let entries = nested(doc);
    if entries.is_empty() {
        ctx.not_applicable("no verifiableCredential entries");
    }
    for (ptr, decoded) in entries {
        let Ok(v) = decoded else { continue };
        let d = detect(&v);
        if d.kind != Some(DocKind::Achievement) {
            ctx.violation(&ptr, "a nested credential is not an OB 3.0 AchievementCredential")
                .expected("type containing \"AchievementCredential\" or \"OpenBadgeCredential\"")
                .found(d.detection.label.clone())
                .evidence("detection", d.detection.reason);
        }
    }
}

fn association(doc: &Doc, ctx: &mut Ctx) {
    shape(doc, ctx, &[Class::Association]);
    for node in doc.walk.nodes_of(Class::Association) {
        if let Some(term) = node.value.get("associationType").and_then(Value::as_str) {
            super::values::check_term(
                ctx,
                &node.ptr.key("associationType"),
                "associationType",
                Vocab::AssociationType,
                term,
            );
        }
    }
}

/// Ids of every achievement the CLR carries: ClrSubject.achievement and each nested credential's achievement.
fn achievement_ids(doc: &Doc) -> Vec<String> {
    let mut ids: Vec<String> = doc
        .root
        .pointer("/credentialSubject/achievement")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| x.get("id")?.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    for (_, decoded) in nested(doc) {
        if let Some(id) = decoded
            .ok()
            .as_ref()
            .and_then(|v| v.pointer("/credentialSubject/achievement/id"))
            .and_then(Value::as_str)
        {
            ids.push(id.to_string());
        }
    }
    ids
}

fn association_endpoints(doc: &Doc, ctx: &mut Ctx) {
    let ids = achievement_ids(doc);
    let mut any = false;
    for node in doc.walk.nodes_of(Class::Association) {
        any = true;
        let source = node.value.get("sourceId").and_then(Value::as_str);
        let target = node.value.get("targetId").and_then(Value::as_str);
        for (prop, id) in [("sourceId", source), ("targetId", target)] {
            if let Some(id) = id
                && !ids.iter().any(|known| known == id)
            {
                ctx.violation(
                    &node.ptr.key(prop),
                    format!("{prop} is not the id of an achievement in this CLR"),
                )
                .expected(if ids.is_empty() {
                    "an achievement id present in the CLR".into()
                } else {
                    format!("one of {}", ids.join(", "))
                })
                .found(id.to_string());
            }
        }
        if let (Some(s), Some(t)) = (source, target)
            && s == t
        {
            ctx.violation(&node.ptr, "an association links an achievement to itself")
                .found(format!("sourceId = targetId = {s}"));
        }
    }
    if !any {
        ctx.not_applicable("no associations");
    }
}

fn nested_subjects_match(doc: &Doc, ctx: &mut Ctx) {
    let Some(subject) = doc.root.get("credentialSubject") else {
        ctx.not_applicable("no credentialSubject");
        return;
    };
    let clr_id = subject.get("id").and_then(Value::as_str);
    let clr_hashes: Vec<&str> = identity_hashes(subject);
    let entries = nested(doc);
    if entries.is_empty() {
        ctx.not_applicable("no nested credentials");
    }
    for (ptr, decoded) in entries {
        let Ok(v) = decoded else { continue };
        let Some(sub) = v.get("credentialSubject") else {
            continue;
        };
        let id = sub.get("id").and_then(Value::as_str);
        let same_id = clr_id.is_some() && id == clr_id;
        let shared = identity_hashes(sub).iter().any(|h| clr_hashes.contains(h));
        if !same_id && !shared {
            ctx.violation(
                &ptr.key("credentialSubject"),
                "the nested credential's subject does not match the ClrSubject",
            )
            .expected(
                clr_id
                    .map(|i| format!("id {i}"))
                    .unwrap_or_else(|| "a shared identifier".into()),
            )
            .found(
                id.map(|i| format!("id {i}"))
                    .unwrap_or_else(|| "no matching id or identifier".into()),
            );
        }
    }
}

fn identity_hashes(subject: &Value) -> Vec<&str> {
    subject
        .get("identifier")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|i| i.get("identityHash")?.as_str()).collect())
        .unwrap_or_default()
}
