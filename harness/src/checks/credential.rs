//! Credential-level rules shared by AchievementCredential, EndorsementCredential and ClrCredential: contexts,
//! `type`, `id`, `issuer`, validity dates, the subject, and the VCDM 1.1 legacy verdict.

use clr_reports::Level::{Must, Should};
use serde_json::Value;

use super::{ALL_KINDS, Ctx, Doc, OB_KINDS, Ptr, json_type, rule, show, type_values};
use crate::check::declare_checks;
use crate::check::{Check, Runner};
use crate::datetime;
use crate::detect::{DocKind, Vcdm};
use crate::lexical::{self, Zone};
use crate::vocab::{self, links};

declare_checks! {
    list CHECKS;
    OB30_DM_001 = Check {
        id: "OB30-DM-001",
        title: "document is a credential this tool knows",
        requirement: "A document contains exactly one credential: an OB 3.0 AchievementCredential or EndorsementCredential, a CLR 2.0 ClrCredential, or an Open Badges 2.0 (0.5–1.1 upgraded) or CLR 1.0 document.",
        spec_url: links::OB_FILE_FORMAT,
        level: Must,
        source: clr_reports::RuleSource::Normative,
        roles: crate::checks::DOC_ROLES,
        spec: clr_reports::Spec::Ob30,
        area: "data-model",
        applies_to: &[],
        runner: Runner::Detect,
    };
    OB30_DM_002 = rule(
        "OB30-DM-002",
        "@context starts with the VC 2.0 context",
        "@context is an ordered array whose first item is https://www.w3.org/ns/credentials/v2.",
        links::OB_JSONLD,
        Must,
        OB_KINDS,
        context_vc_first,
    );
    OB30_DM_003 = rule(
        "OB30-DM-003",
        "@context[1] is an OB 3.0 context",
        "The second @context item is an OB 3.0 context URI (https://purl.imsglobal.org/spec/ob/v3p0/context-3.x.y.json).",
        links::OB_JSONLD,
        Must,
        OB_KINDS,
        context_ob_second,
    );
    OB30_DM_021 = rule(
        "OB30-DM-021",
        "OB 3.0 context is the current version",
        "The OB 3.0 context SHOULD be the current context-3.0.3.json; older versions and aliases are accepted with a warning.",
        links::OB_CONTEXT,
        Should,
        ALL_KINDS,
        context_ob_current,
    );
    OB30_DM_004 = rule(
        "OB30-DM-004",
        "type names an OB 3.0 AchievementCredential",
        "type contains \"VerifiableCredential\" and one of \"AchievementCredential\" or \"OpenBadgeCredential\".",
        links::OB_ACHIEVEMENT_CREDENTIAL,
        Must,
        &[DocKind::Achievement],
        achievement_type,
    );
    OB30_DM_005 = rule(
        "OB30-DM-005",
        "credential id is a URI",
        "The credential has an id, and it is an absolute URI.",
        links::OB_ACHIEVEMENT_CREDENTIAL,
        Must,
        ALL_KINDS,
        credential_id,
    );
    OB30_DM_006 = rule(
        "OB30-DM-006",
        "issuer is a URI or a Profile",
        "issuer is present and is either a URI or a Profile object (whose shape OB30-DM-033 checks).",
        links::OB_PROFILE,
        Must,
        ALL_KINDS,
        issuer,
    );
    OB30_DM_007 = rule(
        "OB30-DM-007",
        "validFrom is a date-time with a time zone",
        "validFrom (issuanceDate for VCDM 1.1) is present and is an RFC 3339 date-time with a time-zone offset.",
        links::OB_VC,
        Must,
        ALL_KINDS,
        valid_from,
    );
    OB30_DM_022 = rule(
        "OB30-DM-022",
        "validUntil is a date-time after validFrom",
        "validUntil (expirationDate for VCDM 1.1), when present, is an RFC 3339 date-time with offset, later than validFrom.",
        links::OB_VC,
        Must,
        ALL_KINDS,
        valid_until,
    );
    OB30_DM_008 = rule(
        "OB30-DM-008",
        "credentialSubject is one object",
        "credentialSubject is present and is a single object (OB 3.0 and CLR 2.0 credentials have exactly one subject).",
        links::OB_VC,
        Must,
        ALL_KINDS,
        one_subject,
    );
    OB30_DM_020 = rule(
        "OB30-DM-020",
        "credential uses the VC Data Model 2.0",
        "New credentials SHOULD use VCDM 2.0; a VCDM 1.1 credential is verifiable as legacy but not certifiable for new issuance.",
        links::OB_VCDM11,
        Should,
        ALL_KINDS,
        legacy_vcdm,
    );
    OB30_DM_023 = rule(
        "OB30-DM-023",
        "AchievementSubject has an id or an identifier",
        "The AchievementSubject supplies either an id or at least one identifier (IdentityObject).",
        links::OB_ACHIEVEMENT_SUBJECT,
        Must,
        &[DocKind::Achievement],
        subject_identified,
    );
}

/// The `@context` array, or a violation explaining what is there instead.
fn contexts<'a>(doc: &'a Doc, ctx: &mut Ctx) -> Option<&'a [Value]> {
    match doc.root.get("@context") {
        None => {
            ctx.violation(&Ptr::root(), "the credential has no @context")
                .expected(format!(
                    "[\"{}\", \"{}\", …]",
                    vocab::VC_V2_CONTEXT,
                    vocab::OB_CONTEXT_CURRENT
                ));
            None
        }
        Some(Value::Array(items)) => Some(items),
        Some(other) => {
            ctx.violation(
                &Ptr::from_escaped("/@context"),
                "@context must be an ordered array of contexts",
            )
            .expected("an array")
            .found(format!("{} {}", json_type(other), show(other)));
            None
        }
    }
}

fn context_vc_first(doc: &Doc, ctx: &mut Ctx) {
    let Some(items) = contexts(doc, ctx) else { return };
    let at = Ptr::from_escaped("/@context/0");
    match items.first().and_then(Value::as_str) {
        Some(vocab::VC_V2_CONTEXT) => {}
        Some(vocab::VC_V1_CONTEXT) if doc.vcdm == Vcdm::V1_1 => {
            ctx.not_applicable("VCDM 1.1 legacy credential (see OB30-DM-020)");
        }
        first => {
            let found = items.first().map(show).unwrap_or_else(|| "an empty array".into());
            let report = ctx
                .violation(&at, "the first @context item must be the VC Data Model 2.0 context")
                .expected(vocab::VC_V2_CONTEXT)
                .found(found);
            if let Some(pos) = items.iter().position(|v| v.as_str() == Some(vocab::VC_V2_CONTEXT)) {
                report.hint(format!(
                    "the VC 2.0 context is at @context[{pos}]; move it to the front: order matters"
                ));
            } else if first.is_some_and(vocab::is_ob_context) {
                report.hint("the VC context must come before the OB 3.0 context");
            }
        }
    }
}

fn context_ob_second(doc: &Doc, ctx: &mut Ctx) {
    let Some(items) = contexts(doc, ctx) else { return };
    let at = Ptr::from_escaped("/@context/1");
    if items.get(1).and_then(Value::as_str).is_some_and(vocab::is_ob_context) {
        return;
    }
    let found = items
        .get(1)
        .map(show)
        .unwrap_or_else(|| format!("nothing: @context has {} item(s)", items.len()));
    let report = ctx
        .violation(&at, "the second @context item must be an OB 3.0 context")
        .expected(vocab::OB_CONTEXT_CURRENT)
        .found(found);
    if let Some(pos) = items.iter().position(|v| v.as_str().is_some_and(vocab::is_ob_context)) {
        report.hint(format!("an OB 3.0 context is at @context[{pos}]; move it to index 1"));
    } else if items.iter().any(|v| v.as_str().is_some_and(vocab::is_clr_context)) {
        report.hint("a CLR 2.0 context is present: a ClrCredential needs type \"ClrCredential\"");
    }
}

/// The first `@context` entry of a family (OB or CLR) and its index, or `None` after saying why it does not apply.
pub(crate) fn family_context<'a>(
    doc: &Doc<'a>,
    ctx: &mut Ctx,
    is_family: fn(&str) -> bool,
    missing: &str,
) -> Option<(usize, &'a str)> {
    let Some(Value::Array(items)) = doc.root.get("@context") else {
        ctx.not_applicable("no @context array");
        return None;
    };
    let found = items
        .iter()
        .enumerate()
        .find_map(|(i, v)| v.as_str().filter(|s| is_family(s)).map(|s| (i, s)));
    if found.is_none() {
        ctx.not_applicable(missing);
    }
    found
}

fn context_ob_current(doc: &Doc, ctx: &mut Ctx) {
    let missing = "no OB 3.0 context present (reported by the context-order checks)";
    match family_context(doc, ctx, vocab::is_ob_context, missing) {
        None | Some((_, vocab::OB_CONTEXT_CURRENT)) => {}
        Some((i, older)) => {
            ctx.violation(
                &Ptr::from_escaped("/@context").index(i),
                "an older or alias OB 3.0 context is used",
            )
            .expected(vocab::OB_CONTEXT_CURRENT)
            .found(older)
            .hint("switch to context-3.0.3.json; older contexts lack terms added by later errata");
        }
    }
}

fn achievement_type(doc: &Doc, ctx: &mut Ctx) {
    credential_type(doc, ctx, &["AchievementCredential", "OpenBadgeCredential"]);
}

/// Shared by the three credential kinds: `type` contains `VerifiableCredential` and one of `kind_types`.
pub(crate) fn credential_type(doc: &Doc, ctx: &mut Ctx, kind_types: &[&str]) {
    let at = Ptr::root().key("type");
    let expected = format!("[\"VerifiableCredential\", \"{}\"]", kind_types[0]);
    let Some(v) = doc.root.get("type") else {
        ctx.violation(&Ptr::root(), "the credential has no type")
            .expected(expected);
        return;
    };
    let Some(types) = type_values(v) else {
        ctx.violation(&at, "type must be a string or an array of strings")
            .expected(expected)
            .found_value(v);
        return;
    };
    if !types.contains(&"VerifiableCredential") {
        ctx.violation(&at, "type must contain \"VerifiableCredential\"")
            .expected(expected.clone())
            .found_value(v);
    }
    if !kind_types.iter().any(|k| types.contains(k)) {
        let alternatives = kind_types
            .iter()
            .map(|k| format!("\"{k}\""))
            .collect::<Vec<_>>()
            .join(" or ");
        ctx.violation(&at, format!("type must contain {alternatives}"))
            .expected(expected)
            .found_value(v);
    }
}

fn credential_id(doc: &Doc, ctx: &mut Ctx) {
    match doc.root.get("id") {
        None => {
            ctx.violation(&Ptr::root(), "the credential has no id")
                .expected("an absolute URI, e.g. urn:uuid:… or https://…")
                .hint("give every credential a unique id (urn:uuid:<uuid> is common)");
        }
        Some(Value::String(s)) => {
            if let Err(why) = lexical::uri(s) {
                ctx.violation(&Ptr::root().key("id"), format!("the credential id is not a URI: {why}"))
                    .expected("an absolute URI")
                    .found(show(&Value::String(s.clone())));
            }
        }
        Some(other) => {
            ctx.violation(&Ptr::root().key("id"), "the credential id must be a string")
                .expected("a URI string")
                .found_value(other);
        }
    }
}

fn issuer(doc: &Doc, ctx: &mut Ctx) {
    let at = Ptr::root().key("issuer");
    match doc.root.get("issuer") {
        None => {
            ctx.violation(&Ptr::root(), "the credential has no issuer")
                .expected("a URI or a Profile object");
        }
        Some(Value::String(s)) => {
            if let Err(why) = lexical::uri(s) {
                ctx.violation(&at, format!("issuer is not a URI: {why}"))
                    .expected("a URI or a Profile object")
                    .found(show(&doc.root["issuer"]));
            }
        }
        // The Profile's own id and type are the Profile check's (OB30-DM-033), so one mistake is one finding.
        Some(Value::Object(_)) => {}
        Some(other) => {
            ctx.violation(&at, "issuer must be a URI or a Profile object")
                .expected("a string or an object")
                .found_value(other);
        }
    }
}

/// The names of the validity properties for the document's VCDM generation.
fn validity_names(vcdm: Vcdm) -> (&'static str, &'static str) {
    match vcdm {
        Vcdm::V2 => ("validFrom", "validUntil"),
        Vcdm::V1_1 => ("issuanceDate", "expirationDate"),
    }
}

fn valid_from(doc: &Doc, ctx: &mut Ctx) {
    let (from, _) = validity_names(doc.vcdm);
    match doc.root.get(from) {
        None => {
            let report = ctx
                .violation(&Ptr::root(), format!("the credential has no {from}"))
                .expected(format!("{from}: an RFC 3339 date-time, e.g. 2024-05-01T00:00:00Z"));
            if doc.vcdm == Vcdm::V2 && doc.root.get("issuanceDate").is_some() {
                report.hint(
                    "issuanceDate is the VCDM 1.1 name; this document uses the VCDM 2.0 context, so rename it to validFrom",
                );
            }
        }
        Some(v) => date_time_value(ctx, &Ptr::root().key(from), from, v),
    }
}

fn valid_until(doc: &Doc, ctx: &mut Ctx) {
    let (from, until) = validity_names(doc.vcdm);
    let Some(v) = doc.root.get(until) else {
        ctx.not_applicable(format!("no {until}"));
        return;
    };
    let at = Ptr::root().key(until);
    let before = ctx.findings_len();
    date_time_value(ctx, &at, until, v);
    if ctx.findings_len() > before {
        return;
    }
    if let (Some(start), Some(end)) = (doc.root.get(from).and_then(Value::as_str), v.as_str())
        && datetime::compare_instants(end, start).is_some_and(|o| o.is_le())
    {
        ctx.violation(
            &at,
            format!("{until} is not after {from}: the credential is never valid"),
        )
        .expected(format!("a date-time after {start}"))
        .found(end.to_string());
    }
}

/// Reports a value that is not an RFC 3339 date-time with offset.
fn date_time_value(ctx: &mut Ctx, at: &Ptr, name: &str, v: &Value) {
    match v.as_str() {
        None => {
            ctx.violation(at, format!("{name} must be a date-time string"))
                .found_value(v);
        }
        Some(s) => {
            if let Err(why) = lexical::date_time(s, Zone::Required) {
                ctx.violation(at, format!("{name} is not an RFC 3339 date-time: {why}"))
                    .expected("YYYY-MM-DDThh:mm:ss with Z or ±hh:mm, e.g. 2024-05-01T00:00:00Z")
                    .found(s.to_string());
            }
        }
    }
}

fn one_subject(doc: &Doc, ctx: &mut Ctx) {
    let at = Ptr::root().key("credentialSubject");
    match doc.root.get("credentialSubject") {
        None => {
            ctx.violation(&Ptr::root(), "the credential has no credentialSubject")
                .expected("one subject object");
        }
        Some(Value::Object(_)) => {}
        Some(Value::Array(items)) => {
            ctx.violation(&at, "credentialSubject must be a single object, not an array")
                .expected("an object")
                .found(format!("an array of {} item(s)", items.len()));
        }
        Some(other) => {
            ctx.violation(&at, "credentialSubject must be an object")
                .expected("an object")
                .found_value(other);
        }
    }
}

fn legacy_vcdm(doc: &Doc, ctx: &mut Ctx) {
    if doc.vcdm == Vcdm::V1_1 {
        let first = doc
            .root
            .get("@context")
            .and_then(|c| c.get(0))
            .map(show)
            .unwrap_or_else(|| "no @context".into());
        ctx.violation(&Ptr::from_escaped("/@context/0"), "VCDM 1.1 credential: verifiable as legacy, not certifiable for new issuance")
            .expected(vocab::VC_V2_CONTEXT)
            .found(first)
            .hint("issue new credentials on VCDM 2.0: VC v2 context first, validFrom/validUntil instead of issuanceDate/expirationDate");
    }
}

fn subject_identified(doc: &Doc, ctx: &mut Ctx) {
    let Some(subject) = doc.root.get("credentialSubject").filter(|s| s.is_object()) else {
        ctx.not_applicable("no credentialSubject object (see OB30-DM-008)");
        return;
    };
    let has_id = subject.get("id").is_some_and(|v| !v.is_null());
    let has_identifier = subject.get("identifier").is_some_and(|v| match v {
        Value::Array(items) => !items.is_empty(),
        Value::Object(_) => true,
        _ => false,
    });
    if !has_id && !has_identifier {
        ctx.violation(
            &Ptr::root().key("credentialSubject"),
            "the subject has neither an id nor an identifier",
        )
        .expected("an id (e.g. did:… or mailto:…) or at least one IdentityObject in identifier")
        .hint("without either, nobody can tell whom the credential was awarded to");
    }
}
