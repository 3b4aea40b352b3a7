//! Shape checks, one per class of the data model: the object's `type`, its required properties, the JSON type of
//! each property, single values where the model says `[0..1]`, and no extra properties on closed classes.
//!
//! All of them run the same `shape` walk over [`crate::datamodel`]; what differs is the class. Lexical forms
//! (URI, date-time, enumerations), nulls, empty arrays and "multi-valued must be an array" have checks of their own
//! in [`super::values`], so one mistake yields one finding.

use clr_reports::Level::{Must, Should};
use serde_json::Value;

use super::{ALL_KINDS, Ctx, Doc, Ptr, json_type, rule, show, type_values};
use crate::check::declare_checks;
use crate::datamodel::{Card, Class, Ty, TypeRule, class_def, each_item};
use crate::detect::DocKind;
use crate::vocab::links;

declare_checks! {
    list CHECKS;
    OB30_DM_037 = rule(
        "OB30-DM-037",
        "AchievementCredential properties have their types",
        "The AchievementCredential's own properties (name, description, image, awardedDate, evidence, endorsementJwt …) have the types and cardinalities of the data model.",
        links::OB_ACHIEVEMENT_CREDENTIAL,
        Must,
        &[DocKind::Achievement],
        achievement_credential,
    );
    OB30_DM_009 = rule(
        "OB30-DM-009",
        "credentialSubject is an AchievementSubject",
        "The subject's type contains \"AchievementSubject\", it has an achievement, and its properties have the data model's types.",
        links::OB_ACHIEVEMENT_SUBJECT,
        Must,
        &[DocKind::Achievement],
        achievement_subject,
    );
    OB30_DM_010 = rule(
        "OB30-DM-010",
        "Achievement has id, type, name, description and criteria",
        "Every Achievement has an id (URI), a type containing \"Achievement\", a name, a description and criteria, and its properties have the data model's types.",
        links::OB_ACHIEVEMENT,
        Must,
        ALL_KINDS,
        achievement,
    );
    OB30_DM_024 = rule(
        "OB30-DM-024",
        "Criteria has an id or a narrative",
        "An Achievement's criteria SHOULD give an id (URL of the criteria) or a narrative, or both.",
        links::OB_CRITERIA,
        Should,
        ALL_KINDS,
        criteria_content,
    );
    OB30_DM_025 = rule(
        "OB30-DM-025",
        "ResultDescription and RubricCriterionLevel are well-formed",
        "Every ResultDescription has id, type \"ResultDescription\", name and resultType; every RubricCriterionLevel has id, type \"RubricCriterionLevel\" and name.",
        links::OB_RESULT_DESCRIPTION,
        Must,
        ALL_KINDS,
        result_description,
    );
    OB30_DM_036 = rule(
        "OB30-DM-036",
        "Result is well-formed",
        "Every Result has a type containing \"Result\", and its achievedLevel, resultDescription, status and value have the data model's types.",
        links::OB_RESULT,
        Must,
        ALL_KINDS,
        result,
    );
    OB30_DM_014 = rule(
        "OB30-DM-014",
        "IdentityObject is well-formed",
        "Every IdentityObject has type \"IdentityObject\", a boolean hashed, an identityHash and an identityType; a hashed identityHash is <md5|sha256>$<hex>.",
        links::OB_IDENTITY_OBJECT,
        Must,
        ALL_KINDS,
        identity_object,
    );
    OB30_DM_040 = rule(
        "OB30-DM-040",
        "IdentifierEntry is well-formed",
        "Every IdentifierEntry (otherIdentifier) has type \"IdentifierEntry\", an identifier and an identifierType, and nothing else.",
        links::OB_IDENTIFIER_ENTRY,
        Must,
        ALL_KINDS,
        identifier_entry,
    );
    OB30_DM_015 = rule(
        "OB30-DM-015",
        "Image is an object with id and type \"Image\"",
        "Every image is an Image object with an id (URL or data: URI) and type exactly \"Image\" (and an optional caption).",
        links::OB_IMAGE,
        Must,
        ALL_KINDS,
        image,
    );
    OB30_DM_030 = rule(
        "OB30-DM-030",
        "Alignment has targetName and targetUrl",
        "Every Alignment has a type containing \"Alignment\", a targetName and a targetUrl.",
        links::OB_ALIGNMENT,
        Must,
        ALL_KINDS,
        alignment,
    );
    OB30_DM_032 = rule(
        "OB30-DM-032",
        "Evidence is well-formed",
        "Every Evidence has a type containing \"Evidence\", and its properties (narrative, name, description, genre, audience) are strings.",
        links::OB_EVIDENCE,
        Must,
        ALL_KINDS,
        evidence,
    );
    OB30_DM_033 = rule(
        "OB30-DM-033",
        "Profile, Address and GeoCoordinates are well-formed",
        "Every Profile (issuer, creator, source, parentOrg) has an id and a type containing \"Profile\"; Address and GeoCoordinates have their types and required properties.",
        links::OB_PROFILE,
        Must,
        ALL_KINDS,
        profile,
    );
    OB30_DM_035 = rule(
        "OB30-DM-035",
        "Related has id and type",
        "Every Related entry has an id (URI of the related Achievement) and a type containing \"Related\".",
        links::OB_RELATED,
        Must,
        ALL_KINDS,
        related,
    );
    OB30_DM_017 = rule(
        "OB30-DM-017",
        "credentialSchema entries have id and type",
        "Every credentialSchema entry has an id (schema URL) and a type; 1EdTech schemas use type \"1EdTechJsonSchemaValidator2019\".",
        links::OB_CREDENTIAL_SCHEMA,
        Must,
        ALL_KINDS,
        credential_schema,
    );
    OB30_DM_018 = rule(
        "OB30-DM-018",
        "credentialStatus has id and type",
        "credentialStatus, when present, is one object with an id (URL of the status method) and a type.",
        links::OB_CREDENTIAL_STATUS,
        Must,
        ALL_KINDS,
        credential_status,
    );
    OB30_DM_027 = rule(
        "OB30-DM-027",
        "refreshService has id and type",
        "refreshService, when present, is one object with an id (URL of the refresh service) and a type.",
        links::OB_REFRESH_SERVICE,
        Must,
        ALL_KINDS,
        refresh_service,
    );
    OB30_DM_041 = rule(
        "OB30-DM-041",
        "termsOfUse entries have a type",
        "Every termsOfUse entry is an object with a type.",
        links::OB_TERMS_OF_USE,
        Must,
        ALL_KINDS,
        terms_of_use,
    );
    OB30_DM_019 = rule(
        "OB30-DM-019",
        "proof entries are well-formed for assertion",
        "Every embedded proof has a type, and its proofPurpose is \"assertionMethod\".",
        links::OB_PROOF,
        Must,
        ALL_KINDS,
        proof,
    );
}

/// Root-credential properties with checks of their own (context, type, id, issuer, validity, subject).
pub const ROOT_DEDICATED: &[&str] = &[
    "@context",
    "type",
    "id",
    "issuer",
    "validFrom",
    "validUntil",
    "issuanceDate",
    "expirationDate",
    "credentialSubject",
];

fn achievement_credential(doc: &Doc, ctx: &mut Ctx) {
    shape(doc, ctx, &[Class::AchievementCredential]);
}
fn achievement_subject(doc: &Doc, ctx: &mut Ctx) {
    shape(doc, ctx, &[Class::AchievementSubject]);
}
fn achievement(doc: &Doc, ctx: &mut Ctx) {
    shape(doc, ctx, &[Class::Achievement, Class::Criteria]);
}
fn result_description(doc: &Doc, ctx: &mut Ctx) {
    shape(doc, ctx, &[Class::ResultDescription, Class::RubricCriterionLevel]);
}
fn result(doc: &Doc, ctx: &mut Ctx) {
    shape(doc, ctx, &[Class::Result]);
}
fn identifier_entry(doc: &Doc, ctx: &mut Ctx) {
    shape(doc, ctx, &[Class::IdentifierEntry]);
}
fn image(doc: &Doc, ctx: &mut Ctx) {
    shape(doc, ctx, &[Class::Image]);
}
fn alignment(doc: &Doc, ctx: &mut Ctx) {
    shape(doc, ctx, &[Class::Alignment]);
}
fn evidence(doc: &Doc, ctx: &mut Ctx) {
    shape(doc, ctx, &[Class::Evidence]);
}
fn profile(doc: &Doc, ctx: &mut Ctx) {
    shape(doc, ctx, &[Class::Profile, Class::Address, Class::GeoCoordinates]);
}
fn related(doc: &Doc, ctx: &mut Ctx) {
    shape(doc, ctx, &[Class::Related]);
}
fn credential_status(doc: &Doc, ctx: &mut Ctx) {
    shape(doc, ctx, &[Class::CredentialStatus]);
}
fn refresh_service(doc: &Doc, ctx: &mut Ctx) {
    shape(doc, ctx, &[Class::RefreshService]);
}
fn terms_of_use(doc: &Doc, ctx: &mut Ctx) {
    shape(doc, ctx, &[Class::TermsOfUse]);
}

fn criteria_content(doc: &Doc, ctx: &mut Ctx) {
    let mut any = false;
    for node in doc.walk.nodes_of(Class::Criteria) {
        any = true;
        let has = |k: &str| node.value.get(k).is_some_and(|v| !v.is_null());
        if !has("id") && !has("narrative") {
            ctx.violation(&node.ptr, "criteria has neither an id nor a narrative")
                .expected("an id (URL describing the criteria) and/or a narrative (Markdown)")
                .hint("tell the reader what the learner had to do to earn the achievement");
        }
    }
    if !any {
        ctx.not_applicable("no criteria objects");
    }
}

fn identity_object(doc: &Doc, ctx: &mut Ctx) {
    let before = ctx.findings_len();
    shape(doc, ctx, &[Class::IdentityObject]);
    if ctx.findings_len() > before {
        return;
    }
    for node in doc.walk.nodes_of(Class::IdentityObject) {
        let hashed = node.value.get("hashed").and_then(Value::as_bool);
        let Some(hash) = node.value.get("identityHash").and_then(Value::as_str) else {
            continue;
        };
        if hashed == Some(true)
            && let Err(why) = crate::lexical::identity_hash(hash)
        {
            ctx.violation(
                &node.ptr.key("identityHash"),
                format!("a hashed identityHash must be <alg>$<hex>: {why}"),
            )
            .expected("sha256$<64 hex digits> or md5$<32 hex digits>")
            .found(hash.to_string())
            .hint("hash the identifier concatenated with the salt, then prefix the algorithm name and '$'");
        }
    }
}

fn credential_schema(doc: &Doc, ctx: &mut Ctx) {
    let before = ctx.findings_len();
    shape(doc, ctx, &[Class::CredentialSchema]);
    if ctx.findings_len() > before {
        return;
    }
    for node in doc.walk.nodes_of(Class::CredentialSchema) {
        if node.value.get("type").and_then(Value::as_str) == Some("JsonSchemaValidator2019") {
            ctx.violation(&node.ptr.key("type"), "credentialSchema type is the pre-errata name")
                .expected(crate::vocab::SCHEMA_VALIDATOR_TYPE)
                .found("JsonSchemaValidator2019")
                .hint(
                    "the OB 3.0 errata renamed the type to 1EdTechJsonSchemaValidator2019 (defined in extensions.json)",
                );
        }
    }
}

fn proof(doc: &Doc, ctx: &mut Ctx) {
    let before = ctx.findings_len();
    shape(doc, ctx, &[Class::Proof]);
    if ctx.findings_len() > before {
        return;
    }
    for node in doc.walk.nodes_of(Class::Proof) {
        match node.value.get("proofPurpose") {
            Some(Value::String(p)) if p == "assertionMethod" => {}
            // A null is OB30-DM-016's finding (one mistake, one finding).
            Some(Value::Null) => {}
            other => {
                let found = other.map(show).unwrap_or_else(|| "no proofPurpose".into());
                ctx.violation(
                    &node.ptr.key("proofPurpose"),
                    "a credential proof's purpose must be assertionMethod",
                )
                .expected("\"assertionMethod\"")
                .found(found);
            }
        }
    }
}

/// Checks every object of `classes`: values of properties typed as these classes are objects, each object's
/// `type`, required properties, property JSON types and cardinalities, and closedness.
pub(crate) fn shape(doc: &Doc, ctx: &mut Ctx, classes: &[Class]) {
    let mut seen = false;
    // Values that should be objects of these classes but are not (e.g. "image": "https://…").
    for field in &doc.walk.fields {
        let Ty::Object(target) = field.prop.ty else { continue };
        if !classes.contains(&target) {
            continue;
        }
        // The credential's own subject (and other root properties) have checks of their own (OB30-DM-008 …).
        let at_root = field.ptr.as_str().strip_prefix('/') == Some(field.prop.name);
        if at_root && ROOT_DEDICATED.contains(&field.prop.name) {
            continue;
        }
        each_item(field.value, &field.ptr, |ptr, item| {
            if !item.is_object() && !item.is_null() && !item.is_array() {
                let name = class_def(target).name;
                ctx.violation(
                    &ptr,
                    format!(
                        "{} must be {} object, not {}",
                        field.prop.name,
                        article(name),
                        json_type(item)
                    ),
                )
                .expected(format!("{{\"type\": …, …}} ({name})"))
                .found_value(item);
            }
        });
    }
    for node in doc.walk.nodes.iter().filter(|n| classes.contains(&n.class)) {
        seen = true;
        let def = class_def(node.class);
        let Some(obj) = node.value.as_object() else { continue };
        let is_root = node.ptr.as_str().is_empty();
        // The credential's own type has a check of its own per kind.
        if !is_root {
            type_rule(ctx, &node.ptr, def.name, def.type_rule, obj.get("type"));
        }
        for prop in def.props {
            if prop.name == "type" || (is_root && ROOT_DEDICATED.contains(&prop.name)) {
                continue;
            }
            match obj.get(prop.name) {
                None if prop.card.required() => {
                    ctx.violation(
                        &node.ptr,
                        format!("{} has no {} (required {})", def.name, prop.name, prop.card.notation()),
                    )
                    .expected(format!("a {} property", prop.name));
                }
                None => {}
                Some(v) => property_type(
                    ctx,
                    &node.ptr.key(prop.name),
                    def.name,
                    prop.name,
                    prop.ty,
                    prop.card,
                    v,
                ),
            }
        }
        if def.closed {
            for key in obj.keys() {
                if !def.props.iter().any(|p| p.name == key) {
                    let allowed = def.props.iter().map(|p| p.name).collect::<Vec<_>>().join(", ");
                    ctx.violation(
                        &node.ptr.key(key),
                        format!(
                            "{} allows no other properties; \"{key}\" is not one of its properties",
                            def.name
                        ),
                    )
                    .expected(format!("only {allowed}"))
                    .found(format!("\"{key}\""));
                }
            }
        }
    }
    if !seen && ctx.findings_len() == 0 {
        let names = classes.iter().map(|c| class_def(*c).name).collect::<Vec<_>>().join("/");
        ctx.not_applicable(format!("no {names} objects in this document"));
    }
}

fn article(name: &str) -> String {
    if name.starts_with(['A', 'E', 'I', 'O', 'U']) {
        format!("an {name}")
    } else {
        format!("a {name}")
    }
}

/// Checks an object's `type` against its class's rule.
pub(crate) fn type_rule(ctx: &mut Ctx, at: &Ptr, class_name: &str, rule: TypeRule, v: Option<&Value>) {
    let tp = at.key("type");
    // A null type, or a null among its items, is OB30-DM-016's finding (one mistake, one finding): judging the
    // rest would report the same mistake again.
    let has_null = |v: &Value| v.is_null() || v.as_array().is_some_and(|a| a.iter().any(Value::is_null));
    match (rule, v) {
        (TypeRule::None, _) => {}
        (_, Some(v)) if has_null(v) => {}
        (_, None) => {
            let expected = match rule {
                TypeRule::Contains(t) => format!("[\"{t}\"]"),
                TypeRule::Exactly(t) => format!("\"{t}\""),
                _ => "a type IRI".into(),
            };
            ctx.violation(at, format!("{class_name} has no type"))
                .expected(expected);
        }
        (TypeRule::Contains(t), Some(v)) => match type_values(v) {
            Some(types) if types.contains(&t) => {}
            _ => {
                ctx.violation(&tp, format!("{class_name} type must contain \"{t}\""))
                    .expected(format!("[\"{t}\"]"))
                    .found_value(v);
            }
        },
        (TypeRule::Exactly(t), Some(v)) => {
            if v.as_str() != Some(t) {
                ctx.violation(&tp, format!("{class_name} type must be exactly \"{t}\""))
                    .expected(format!("\"{t}\""))
                    .found_value(v);
            }
        }
        (TypeRule::AnyIri, Some(v)) => {
            if !matches!(type_values(v), Some(t) if !t.is_empty()) {
                ctx.violation(&tp, format!("{class_name} type must be a type name"))
                    .expected("a string")
                    .found_value(v);
            }
        }
    }
}

/// Checks the JSON type of one property value. Nulls and empty arrays are left to their own checks.
fn property_type(ctx: &mut Ctx, at: &Ptr, class_name: &str, prop: &str, ty: Ty, card: Card, v: &Value) {
    if v.is_null() {
        return;
    }
    if let Value::Array(items) = v {
        if !card.multi() {
            ctx.violation(
                at,
                format!("{class_name}.{prop} takes one value {}, not an array", card.notation()),
            )
            .expected("a single value")
            .found(format!("an array of {} item(s)", items.len()));
            return;
        }
        for (i, item) in items.iter().enumerate() {
            item_type(ctx, &at.index(i), class_name, prop, ty, item);
        }
    } else {
        item_type(ctx, at, class_name, prop, ty, v);
    }
}

fn item_type(ctx: &mut Ctx, at: &Ptr, class_name: &str, prop: &str, ty: Ty, v: &Value) {
    if v.is_null() {
        return;
    }
    let ok = match ty {
        Ty::Str => v.is_string() || is_language_map(v),
        Ty::Uri | Ty::DateTimeZ | Ty::DateTime | Ty::Date | Ty::Lang | Ty::Jws | Ty::Enum(_) => v.is_string(),
        Ty::Bool => v.is_boolean(),
        Ty::Number => v.is_number(),
        // Objects are judged by their class's own check; references may be a URI or a Profile.
        Ty::Object(_) | Ty::ProfileRef | Ty::Embedded | Ty::TypeSet | Ty::Any => true,
    };
    if !ok {
        let expected = match ty {
            Ty::Str => "a string (or a language map)",
            Ty::Bool => "true or false",
            Ty::Number => "a JSON number",
            _ => "a string",
        };
        let hint = match (ty, v) {
            (Ty::Bool, Value::String(s)) if s == "true" || s == "false" => Some("write the boolean without quotes"),
            (Ty::Number, Value::String(s)) if s.parse::<f64>().is_ok() => Some("write the number without quotes"),
            _ => None,
        };
        let report = ctx
            .violation(
                at,
                format!("{class_name}.{prop} must be {expected}, not {}", json_type(v)),
            )
            .expected(expected)
            .found_value(v);
        if let Some(h) = hint {
            report.hint(h);
        }
    }
}

/// A JSON-LD language map as the OB 3.0 schemas allow it: `{"en": "…", "es-MX": "…"}`, keys
/// `^[a-z]{2}(-[A-Z]{2})?$`.
fn is_language_map(v: &Value) -> bool {
    let key_ok = |k: &str| {
        let b = k.as_bytes();
        (b.len() == 2 || (b.len() == 5 && b[2] == b'-' && b[3..].iter().all(u8::is_ascii_uppercase)))
            && b[..2].iter().all(u8::is_ascii_lowercase)
    };
    v.as_object()
        .is_some_and(|m| !m.is_empty() && m.iter().all(|(k, v)| v.is_string() && key_ok(k)))
}
