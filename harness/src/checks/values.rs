//! Value rules that cut across classes: URI and date-time lexical forms, enumerations and their `ext:` extension
//! rule, language codes, nulls, empty arrays, and "multi-valued properties are arrays".

use clr_reports::Level::Must;
use serde_json::Value;

use super::classes::ROOT_DEDICATED;
use super::{ALL_KINDS, Ctx, Doc, Ptr, rule, show};
use crate::check::declare_checks;
use crate::datamodel::{Class, Field, Ty, Vocab, each_item};
use crate::lexical::{self, Zone};
use crate::vocab::{self, links};

declare_checks! {
    list CHECKS;
    OB30_DM_011 = rule(
        "OB30-DM-011",
        "enumerated values are in their vocabulary or ext:",
        "achievementType, alignment targetType, resultType, identityType and identifierType use a term of their vocabulary or an extension term matching ext:[A-Za-z0-9._-]+.",
        links::OB_EXTENDING,
        Must,
        ALL_KINDS,
        enumerations,
    );
    OB30_DM_016 = rule(
        "OB30-DM-016",
        "no null values",
        "Properties without a value are omitted: no JSON null anywhere in the credential.",
        links::OB_SERIALIZATION,
        Must,
        ALL_KINDS,
        no_nulls,
    );
    OB30_DM_026 = rule(
        "OB30-DM-026",
        "no empty arrays",
        "Properties without values are omitted rather than given as empty arrays.",
        links::OB_SERIALIZATION,
        Must,
        ALL_KINDS,
        no_empty_arrays,
    );
    OB30_DM_028 = rule(
        "OB30-DM-028",
        "URI-typed values are absolute URIs",
        "Every URI-typed value (ids, targetUrl, url, requiredLevel, verificationMethod …) is an absolute URI: a scheme, no whitespace.",
        links::OB_DERIVED_TYPES,
        Must,
        ALL_KINDS,
        uris,
    );
    OB30_DM_029 = rule(
        "OB30-DM-029",
        "date and date-time values have their lexical form",
        "DateTime values (awardedDate, activityStartDate, created …) are RFC 3339 date-times with a time-zone offset; Date values are YYYY-MM-DD.",
        links::OB_PRIMITIVE_TYPES,
        Must,
        ALL_KINDS,
        date_times,
    );
    OB30_DM_034 = rule(
        "OB30-DM-034",
        "multi-valued properties are arrays",
        "Properties with cardinality [0..*] or [1..*] are JSON arrays, even with one value (only type, proof, credentialSchema and termsOfUse may be compacted to one value).",
        links::OB_SERIALIZATION,
        Must,
        ALL_KINDS,
        arrays,
    );
    OB30_DM_039 = rule(
        "OB30-DM-039",
        "inLanguage is a language code",
        "inLanguage values are BCP 47 language codes of the form language[-Script][-REGION].",
        links::OB_DERIVED_TYPES,
        Must,
        ALL_KINDS,
        languages,
    );
}

/// Vocabulary terms and whether extension terms are allowed.
pub fn vocabulary(v: Vocab) -> (&'static [&'static str], bool, &'static str) {
    match v {
        Vocab::AchievementType => (vocab::ACHIEVEMENT_TYPES, true, "AchievementType"),
        Vocab::AlignmentTargetType => (vocab::ALIGNMENT_TARGET_TYPES, true, "AlignmentTargetType"),
        Vocab::ResultType => (vocab::RESULT_TYPES, true, "ResultType"),
        Vocab::IdentifierType => (vocab::IDENTIFIER_TYPES, true, "IdentifierTypeEnum"),
        Vocab::ResultStatusType => (vocab::RESULT_STATUS_TYPES, false, "ResultStatusType"),
        Vocab::AssociationType => (vocab::ASSOCIATION_TYPES, false, "AssociationType"),
    }
}

/// Reports `term` if it is not in `vocab` (or an allowed extension); returns whether it was reported.
pub fn check_term(ctx: &mut Ctx, at: &Ptr, prop: &str, v: Vocab, term: &str) -> bool {
    let (terms, extensible, name) = vocabulary(v);
    if terms.contains(&term) || (extensible && vocab::is_extension_term(term)) {
        return false;
    }
    let close = terms
        .iter()
        .find(|t| t.eq_ignore_ascii_case(term) || t.eq_ignore_ascii_case(term.trim_start_matches("ext:")));
    let expected = if extensible {
        format!("one of the {name} terms or ext:<name>")
    } else {
        format!("one of {} (closed vocabulary)", terms.join(", "))
    };
    let report = ctx
        .violation(at, format!("{prop} \"{term}\" is not a {name} term"))
        .expected(expected)
        .found(format!("\"{term}\""));
    match close {
        Some(t) => {
            report.hint(format!("terms are case-sensitive: did you mean \"{t}\"?"));
        }
        None if extensible => {
            report.hint(format!(
                "a term of your own must be written \"ext:{}\"",
                term.trim_start_matches("ext:")
            ));
        }
        None => {}
    }
    true
}

fn enumerations(doc: &Doc, ctx: &mut Ctx) {
    let mut any = false;
    for field in &doc.walk.fields {
        let Ty::Enum(v) = field.prop.ty else { continue };
        // Closed vocabularies have checks of their own (result status, CLR associations).
        if matches!(v, Vocab::ResultStatusType | Vocab::AssociationType) {
            continue;
        }
        any = true;
        each_item(field.value, &field.ptr, |ptr, item| {
            if let Some(term) = item.as_str() {
                check_term(ctx, &ptr, field.prop.name, v, term);
            }
        });
    }
    if !any {
        ctx.not_applicable("no enumerated values in this document");
    }
}

/// Visits every value of the document except embedded credentials (they are checked on their own).
fn visit_values<'a>(doc: &'a Doc, mut f: impl FnMut(&Ptr, &'a Value)) {
    let embedded: Vec<&str> = doc.walk.embedded.iter().map(|e| e.ptr.as_str()).collect();
    let mut stack = vec![(Ptr::root(), doc.root)];
    while let Some((ptr, v)) = stack.pop() {
        if embedded.contains(&ptr.as_str()) {
            continue;
        }
        f(&ptr, v);
        match v {
            Value::Object(m) => stack.extend(m.iter().rev().map(|(k, v)| (ptr.key(k), v))),
            Value::Array(items) => stack.extend(items.iter().enumerate().rev().map(|(i, v)| (ptr.index(i), v))),
            _ => {}
        }
    }
}

fn no_nulls(doc: &Doc, ctx: &mut Ctx) {
    visit_values(doc, |ptr, v| {
        if v.is_null() {
            ctx.violation(ptr, "null value: omit a property that has no value")
                .expected("the property left out")
                .found("null");
        }
    });
}

fn no_empty_arrays(doc: &Doc, ctx: &mut Ctx) {
    visit_values(doc, |ptr, v| {
        if v.as_array().is_some_and(Vec::is_empty) {
            ctx.violation(ptr, "empty array: omit a property that has no values")
                .expected("the property left out")
                .found("[]");
        }
    });
}

/// Fields with dedicated checks on the credential itself (id, issuer, validity dates).
fn dedicated(field: &Field) -> bool {
    matches!(
        field.owner,
        Class::AchievementCredential | Class::EndorsementCredential | Class::ClrCredential
    ) && ROOT_DEDICATED.contains(&field.prop.name)
}

fn uris(doc: &Doc, ctx: &mut Ctx) {
    for field in doc.walk.fields.iter().filter(|f| f.prop.ty == Ty::Uri && !dedicated(f)) {
        each_item(field.value, &field.ptr, |ptr, item| {
            if let Some(s) = item.as_str()
                && let Err(why) = lexical::uri(s)
            {
                ctx.violation(&ptr, format!("{} is not a URI: {why}", field.prop.name))
                    .expected("an absolute URI (https://…, urn:…, did:…, data:…)")
                    .found(show(item));
            }
        });
    }
}

fn date_times(doc: &Doc, ctx: &mut Ctx) {
    for field in doc.walk.fields.iter().filter(|f| !dedicated(f)) {
        let date_only = match field.prop.ty {
            Ty::DateTime | Ty::DateTimeZ => false,
            Ty::Date => true,
            _ => continue,
        };
        each_item(field.value, &field.ptr, |ptr, item| {
            let Some(s) = item.as_str() else { return };
            let (result, expected) = if date_only {
                (lexical::date(s), "YYYY-MM-DD")
            } else {
                (
                    lexical::date_time(s, Zone::Required),
                    "YYYY-MM-DDThh:mm:ss with Z or ±hh:mm",
                )
            };
            if let Err(why) = result {
                ctx.violation(
                    &ptr,
                    format!(
                        "{} is not a valid {}: {why}",
                        field.prop.name,
                        if date_only { "date" } else { "date-time" }
                    ),
                )
                .expected(expected)
                .found(s.to_string());
            }
        });
    }
}

fn arrays(doc: &Doc, ctx: &mut Ctx) {
    for field in &doc.walk.fields {
        if !field.prop.card.multi() || field.prop.compactable || field.value.is_array() || field.value.is_null() {
            continue;
        }
        // The shape and order of `@context` have checks of their own.
        if field.prop.name == "@context" {
            continue;
        }
        ctx.violation(
            &field.ptr,
            format!(
                "{} is multi-valued {}: it must be an array even with one value",
                field.prop.name,
                field.prop.card.notation()
            ),
        )
        .expected(format!("[{}]", show(field.value)))
        .found(show(field.value));
    }
}

fn languages(doc: &Doc, ctx: &mut Ctx) {
    let mut any = false;
    for field in doc.walk.fields.iter().filter(|f| f.prop.ty == Ty::Lang) {
        any = true;
        if let Some(s) = field.value.as_str()
            && let Err(why) = lexical::language_code(s)
        {
            ctx.violation(&field.ptr, format!("inLanguage is not a language code: {why}"))
                .expected("e.g. en, en-US, zh-Hant-TW")
                .found(s.to_string());
        }
    }
    if !any {
        ctx.not_applicable("no inLanguage values");
    }
}
