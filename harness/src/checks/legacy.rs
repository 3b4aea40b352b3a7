//! What the OB 2.0 and CLR 1.0 checks share: the shape of a class over [`crate::ob2::model`], the lexical forms
//! of their data types, and the reporting of a verification step.
//!
//! The shape rules follow each family's serialization: OB 2.0 is JSON-LD, so a one-item array is a single value
//! and a single value a one-item array, and a linked object may be its IRI; CLR 1.0 follows its JSON Schemas, so an
//! array is an array and an object an object.

use serde_json::Value;

use super::{Ctx, Doc, Ptr, json_type, show, type_values};
use crate::check::{Check, Legacy};
use crate::ob2::model::{Class, Family, Ty, TypeRule, Vocab, class_def, each_item};
use crate::ob2::verify::Step;

/// A data-model rule of OB 2.0 or CLR 1.0 (`spec`).
#[allow(clippy::too_many_arguments)]
pub(crate) const fn legacy_rule(
    spec: clr_reports::Spec,
    id: &'static str,
    title: &'static str,
    requirement: &'static str,
    link: &'static str,
    level: clr_reports::Level,
    applies_to: &'static [crate::detect::DocKind],
    run: fn(&Doc, &mut Ctx),
) -> Check {
    super::rule(id, title, requirement, link, level, applies_to, run).of_spec(spec)
}

/// A verification rule of OB 2.0 or CLR 1.0: a skip makes its document unverified, never a pass.
#[allow(clippy::too_many_arguments)]
pub(crate) const fn verification_rule(
    spec: clr_reports::Spec,
    id: &'static str,
    title: &'static str,
    requirement: &'static str,
    link: &'static str,
    level: clr_reports::Level,
    applies_to: &'static [crate::detect::DocKind],
    run: fn(&Doc, &mut Ctx),
) -> Check {
    legacy_rule(spec, id, title, requirement, link, level, applies_to, run).in_area("verification")
}

/// The OB 2.0 / CLR 1.0 facts of a document the check runs on. The checks apply only to those kinds, so this is
/// always there; a check reached without it reports nothing (not applicable).
pub fn legacy<'d, 'a>(doc: &'d Doc<'a>, ctx: &mut Ctx) -> Option<&'d Legacy<'a>> {
    let l = doc.legacy.as_ref();
    if l.is_none() {
        ctx.not_applicable("not an OB 2.0 or CLR 1.0 document");
    }
    l
}

/// Checks every object of `classes`: values of properties typed as these classes are objects (or IRIs, for a
/// linked class), each object's `type`, its required properties, and closedness. Data types of the values have a
/// check of their own ([`values`]), so one mistake yields one finding.
pub fn shape(l: &Legacy, ctx: &mut Ctx, classes: &[Class]) {
    for field in &l.walk.fields {
        let (target, linkable) = match field.prop.ty {
            Ty::Object(c) => (c, false),
            Ty::Ref(c) => (c, true),
            _ => continue,
        };
        if !classes.contains(&target) {
            continue;
        }
        each_item(field.value, &field.ptr, |ptr, item| {
            let ok = item.is_object() || item.is_null() || item.is_array() || (linkable && item.is_string());
            if !ok {
                let name = class_def(target).name;
                let expected = if linkable {
                    format!("the IRI of {name}, or {name} itself")
                } else {
                    format!("{name} object")
                };
                ctx.violation(
                    &ptr,
                    format!("{} must be {expected}, not {}", field.prop.name, json_type(item)),
                )
                .expected(expected)
                .found_value(item);
            }
        });
    }
    let mut seen = false;
    for node in l.walk.nodes.iter().filter(|n| classes.contains(&n.class)) {
        seen = true;
        let def = class_def(node.class);
        let Some(obj) = node.value.as_object() else { continue };
        type_rule(ctx, &node.ptr, def.name, def.type_rule, obj.get("type"));
        for prop in def.props.iter().filter(|p| p.name != "type" && p.card.required()) {
            let missing = match obj.get(prop.name) {
                None | Some(Value::Null) => true,
                Some(Value::Array(items)) => items.is_empty() || items.iter().all(Value::is_null),
                Some(Value::String(s)) => s.is_empty() && prop.name != "identity",
                Some(_) => false,
            };
            if missing {
                let found = obj.get(prop.name).map_or("absent".to_string(), show);
                ctx.violation(&node.ptr, format!("{} has no {} (required)", def.name, prop.name))
                    .expected(format!("a {} property with a value", prop.name))
                    .found(found);
            }
        }
        if def.closed {
            for key in obj.keys().filter(|k| !def.props.iter().any(|p| p.name == k.as_str())) {
                let allowed = def.props.iter().map(|p| p.name).collect::<Vec<_>>().join(", ");
                ctx.violation(
                    &node.ptr.key(key),
                    format!("{} allows no other properties; \"{key}\" is not one of them", def.name),
                )
                .expected(format!("only {allowed}"))
                .found(format!("\"{key}\""));
            }
        }
    }
    if !seen && ctx.findings_len() == 0 {
        let names = classes.iter().map(|c| class_def(*c).name).collect::<Vec<_>>().join("/");
        ctx.not_applicable(format!("no {names} in this document"));
    }
}

fn type_rule(ctx: &mut Ctx, at: &Ptr, class_name: &str, rule: TypeRule, v: Option<&Value>) {
    let allowed = match rule {
        TypeRule::Free => return,
        TypeRule::OneOf(a) => a,
        TypeRule::DefaultOneOf(a) => match v {
            None => return,
            Some(_) => a,
        },
    };
    let expected = allowed
        .iter()
        .map(|t| format!("\"{t}\""))
        .collect::<Vec<_>>()
        .join(" or ");
    match v.and_then(type_values) {
        Some(types) if types.iter().any(|t| allowed.contains(t)) => {}
        Some(_) => {
            ctx.violation(&at.key("type"), format!("{class_name} type must be {expected}"))
                .expected(expected)
                .found(v.map(show).unwrap_or_default());
        }
        None => {
            let found = v.map_or("no type".to_string(), show);
            ctx.violation(at, format!("{class_name} has no valid type"))
                .expected(expected)
                .found(found);
        }
    }
}

/// Checks the data type, lexical form and cardinality of every value of the document's classes.
pub fn values(l: &Legacy, ctx: &mut Ctx) {
    for field in &l.walk.fields {
        let def = class_def(field.owner);
        let loose = def.family.loose_arrays();
        let (prop, v) = (field.prop, field.value);
        if v.is_null() {
            ctx.violation(&field.ptr, format!("{}.{} is null", def.name, prop.name))
                .expected("a value, or no property at all")
                .found("null");
            continue;
        }
        match v {
            Value::Array(items) if !(prop.card.multi() || loose && items.len() == 1) => {
                let message = if loose {
                    format!("{}.{} has more than the single allowed value", def.name, prop.name)
                } else {
                    format!("{}.{} takes one value, not an array", def.name, prop.name)
                };
                ctx.violation(&field.ptr, message)
                    .expected("a single value")
                    .found(format!("an array of {} items", items.len()));
                continue;
            }
            Value::Array(_) => {}
            _ if prop.card.multi() && !loose && !matches!(prop.ty, Ty::Any) => {
                ctx.violation(&field.ptr, format!("{}.{} must be an array", def.name, prop.name))
                    .expected(format!("[{}]", show(v)))
                    .found(json_type(v).to_string());
                continue;
            }
            _ => {}
        }
        each_item(v, &field.ptr, |ptr, item| {
            if let Err((expected, why)) = value_form(def.family, prop.ty, item) {
                ctx.violation(&ptr, format!("{}.{}: {why}", def.name, prop.name))
                    .expected(expected)
                    .found_value(item);
            }
        });
    }
}

/// Whether one value has the form of its type: `Err((expected, why))` when not.
fn value_form(family: Family, ty: Ty, v: &Value) -> Result<(), (String, String)> {
    let s = match (ty, v) {
        (Ty::Any | Ty::Embedded | Ty::Object(_), _) => return Ok(()),
        (Ty::Ref(_), Value::Object(_)) => return Ok(()),
        (Ty::ImageRef, Value::Object(_)) if family == Family::Ob20 => return Ok(()),
        (Ty::Bool, Value::Bool(_)) | (Ty::Number, Value::Number(_)) | (Ty::TextOrNumber, Value::Number(_)) => {
            return Ok(());
        }
        (Ty::Bool, _) => return Err(("true or false".into(), format!("{} is not a boolean", json_type(v)))),
        (Ty::Number, _) => return Err(("a JSON number".into(), format!("{} is not a number", json_type(v)))),
        (Ty::TypeSet, Value::Array(_)) if family == Family::Ob20 => return Ok(()),
        (_, Value::String(s)) => s.as_str(),
        _ => return Err(("a string".into(), format!("{} is not a string", json_type(v)))),
    };
    let bad = |expected: &str, why: String| Err((expected.to_string(), why));
    match ty {
        Ty::Iri | Ty::Ref(_) => match iri(family, s) {
            Ok(()) => Ok(()),
            Err(why) => bad(
                "an IRI (http(s) URL, urn:uuid:…, or a _: blank node)",
                format!("{s:?} is not an IRI: {why}"),
            ),
        },
        Ty::Url => match http_url(s) {
            Ok(()) => Ok(()),
            Err(why) => bad("an http(s) URL", format!("{s:?} is not an http(s) URL: {why}")),
        },
        Ty::ImageRef => {
            if s.starts_with("data:") || http_url(s).is_ok() {
                Ok(())
            } else {
                bad("an http(s) URL or a data: URI", format!("{s:?} is neither"))
            }
        }
        Ty::DateTime => match date_time(s) {
            Ok(()) => Ok(()),
            Err(why) => bad("an ISO 8601 date-time with a time zone, e.g. 2025-01-31T09:00:00Z", why),
        },
        Ty::Date => crate::lexical::date(s).or_else(|why| bad("YYYY-MM-DD", why)),
        Ty::Email => {
            if email(s) {
                Ok(())
            } else {
                bad("an email address", format!("{s:?} is not an email address"))
            }
        }
        Ty::Telephone => {
            if telephone(s) {
                Ok(())
            } else {
                bad(
                    "an E.164 number such as +15555550123",
                    format!("{s:?} is not an E.164 telephone number"),
                )
            }
        }
        Ty::Lang => {
            let ok = !s.is_empty()
                && s.split('-')
                    .all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()));
            if ok {
                Ok(())
            } else {
                bad("a BCP 47 language tag", format!("{s:?} is not a BCP 47 tag"))
            }
        }
        Ty::Jws => {
            let parts: Vec<&str> = s.split('.').collect();
            let ok = parts.len() == 3
                && parts
                    .iter()
                    .all(|p| p.len() >= 4 && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
            if ok {
                Ok(())
            } else {
                bad(
                    "a compact JWS (header.payload.signature)",
                    format!("{} is not a compact JWS", show(v)),
                )
            }
        }
        Ty::Enum(vocab) => enum_term(vocab, s),
        Ty::TypeSet if family == Family::Clr10 || s.is_empty() => {
            if s.is_empty() {
                bad("a type name", "the type is empty".into())
            } else {
                Ok(())
            }
        }
        _ => Ok(()),
    }
}

/// A member of a CLR 1.0 vocabulary, or an anchored `ext:` term where the vocabulary allows one.
fn enum_term(vocab: Vocab, s: &str) -> Result<(), (String, String)> {
    if vocab.terms().contains(&s) {
        return Ok(());
    }
    let ext = s
        .strip_prefix("ext:")
        .is_some_and(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b)));
    if ext && vocab.extensible() {
        return Ok(());
    }
    let expected = format!(
        "one of {}{}",
        vocab.terms().join(", "),
        if vocab.extensible() { ", or ext:<name>" } else { "" }
    );
    let near = vocab.terms().iter().find(|t| t.eq_ignore_ascii_case(s));
    let why = match near {
        Some(t) => format!("{s:?} is not a {} term (terms are case-sensitive: {t})", vocab.name()),
        None if s.contains("ext:") => format!(
            "{s:?} is not a {} term; an extension is exactly ext:<name>",
            vocab.name()
        ),
        None => format!("{s:?} is not a {} term", vocab.name()),
    };
    Err((expected, why))
}

/// OB 2.0 IRIs: an http(s) URL, a `urn:uuid:` or a `_:` blank node. CLR 1.0's schemas say `format: uri`.
fn iri(family: Family, s: &str) -> Result<(), String> {
    if family == Family::Clr10 {
        return crate::lexical::uri(s);
    }
    if s.starts_with("_:") && s.len() > 2 {
        return Ok(());
    }
    if let Some(uuid) = s.strip_prefix("urn:uuid:") {
        return if is_uuid(uuid) {
            Ok(())
        } else {
            Err("the urn:uuid: is not followed by a UUID".into())
        };
    }
    http_url(s).map_err(|_| "OB 2.0 IRIs are http(s) URLs, urn:uuid: or _: blank nodes".to_string())
}

use crate::lexical::rfc4122_uuid as is_uuid;

/// An email address as OB 2.0 reads one: something, one `@`, something, no whitespace.
pub(crate) fn email(s: &str) -> bool {
    s.split_once('@')
        .is_some_and(|(a, b)| !a.is_empty() && !b.is_empty() && !b.contains('@'))
        && !s.chars().any(char::is_whitespace)
}

pub(crate) fn http_url(s: &str) -> Result<(), String> {
    crate::lexical::uri(s)?;
    match url::Url::parse(s) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => Ok(()),
        Ok(u) => Err(format!("the scheme is {}", u.scheme())),
        Err(e) => Err(e.to_string()),
    }
}

/// OB 2.0 DateTime: ISO 8601 with a time zone (`Z`, `±hh:mm`, `±hhmm` or `±hh`).
pub(crate) fn date_time(s: &str) -> Result<(), String> {
    crate::lexical::date_time(&rfc3339_offset(s), crate::lexical::Zone::Required).map_err(|why| format!("{s:?} {why}"))
}

/// Rewrites the compact offsets ISO 8601 also allows (`±hhmm`, `±hh`) into RFC 3339's `±hh:mm`.
pub(crate) fn rfc3339_offset(s: &str) -> String {
    let b = s.as_bytes();
    let offset_at = |len: usize| {
        let i = b.len().checked_sub(len)?;
        let tail = b.get(i..)?;
        (i >= 19 && matches!(tail[0], b'+' | b'-') && tail[1..].iter().all(u8::is_ascii_digit)).then_some(i)
    };
    if let Some(i) = offset_at(5)
        && let (Some(head), Some(tail)) = (s.get(..i + 3), s.get(i + 3..))
    {
        return format!("{head}:{tail}");
    }
    if offset_at(3).is_some() {
        return format!("{s}:00");
    }
    s.to_string()
}

fn telephone(s: &str) -> bool {
    let (number, ext) = match s.split_once(";ext=") {
        Some((n, e)) => (n, Some(e)),
        None => (s, None),
    };
    let digits = number.strip_prefix('+').unwrap_or(number);
    let ok = (2..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) && !digits.starts_with('0');
    ok && ext.is_none_or(|e| !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit()))
}

/// Reports a verification step: a violation where it was violated, a skip (never a pass) where it could not be
/// observed, not applicable where it does not apply.
pub fn step(ctx: &mut Ctx, step: &Step) {
    match step {
        Step::Holds(_) => {}
        Step::NotApplicable(why) => ctx.not_applicable(why.clone()),
        Step::Skipped(why) => ctx.skipped(why.clone()),
        Step::Violated(p) => {
            let at = p.at.clone().unwrap_or_else(Ptr::root);
            let mut f = ctx
                .violation(&at, p.message.clone())
                .expected(p.expected.clone())
                .found(p.found.clone());
            if !p.exchanges.is_empty() {
                f = f.exchanges(p.exchanges.clone());
            }
            let _ = f;
        }
    }
}

/// The verification steps both families report as they are (`OB20-VER-*`, `CLR10-VER-*`).
pub(crate) fn hosted(doc: &Doc, ctx: &mut Ctx) {
    with_report(doc, ctx, |r, ctx| step(ctx, &r.hosted));
}
pub(crate) fn scope(doc: &Doc, ctx: &mut Ctx) {
    with_report(doc, ctx, |r, ctx| step(ctx, &r.scope));
}
pub(crate) fn signature(doc: &Doc, ctx: &mut Ctx) {
    with_report(doc, ctx, |r, ctx| step(ctx, &r.signature));
}
pub(crate) fn key_listed(doc: &Doc, ctx: &mut Ctx) {
    with_report(doc, ctx, |r, ctx| step(ctx, &r.key_listed));
}
pub(crate) fn revocation(doc: &Doc, ctx: &mut Ctx) {
    with_report(doc, ctx, |r, ctx| step(ctx, &r.revocation));
}

/// Runs `f` on the verification report, or skips when verification is off (data model only).
pub fn with_report(doc: &Doc, ctx: &mut Ctx, f: impl FnOnce(&crate::ob2::verify::Report, &mut Ctx)) {
    let Some(l) = legacy(doc, ctx) else { return };
    match l.verified {
        Some(report) => f(report, ctx),
        None => ctx.skipped("verification is off in this run (--no-proofs), so nothing was fetched or verified"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ob2_date_times_need_a_zone_in_any_iso_form() {
        assert!(date_time("2025-01-31T09:00:00Z").is_ok());
        assert!(date_time("2025-01-31T09:00:00+0200").is_ok());
        assert!(date_time("2025-01-31T09:00:00+02").is_ok());
        assert!(date_time("2025-01-31T09:00:00").is_err());
        assert!(date_time("2025-01-31").is_err());
    }

    #[test]
    fn iris_telephones_and_enums() {
        assert!(iri(Family::Ob20, "urn:uuid:2f3c3d6e-5a4b-4c1d-9e8f-0a1b2c3d4e5f").is_ok());
        assert!(iri(Family::Ob20, "urn:uuid2f3c").is_err());
        assert!(iri(Family::Ob20, "did:example:1").is_err());
        assert!(iri(Family::Clr10, "did:example:1").is_ok());
        assert!(telephone("+15555550123") && telephone("15555550123;ext=12"));
        assert!(!telephone("555-0123") && !telephone("+0123"));
        assert!(enum_term(Vocab::AchievementType, "ext:Micro.Credential").is_ok());
        assert!(enum_term(Vocab::AchievementType, "xext:Foo").is_err());
        assert!(enum_term(Vocab::ResultStatus, "ext:Paused").is_err());
    }
}
