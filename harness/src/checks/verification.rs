//! Steps of the OB 3.0 verification algorithm (§ Verification) that judge the credential against the verifier's
//! situation rather than its shape: the validity window at "now" and the expected recipient.

use clr_reports::Level::Must;
use serde_json::Value;

use super::{ALL_KINDS, Ctx, Doc, Ptr, rule};
use crate::check::Check;
use crate::check::declare_checks;
use crate::datetime;
use crate::detect::Vcdm;
use crate::verify::identity_hash;
use crate::vocab::links;

declare_checks! {
    list CHECKS;
    OB30_VER_005 = Check {
        area: "verification",
        applies_to: ALL_KINDS,
        runner: crate::check::Runner::Embedded(&["endorsement", "endorsementJwt"]),
        ..rule(
            "OB30-VER-005",
            "embedded endorsements verify",
            "Every embedded EndorsementCredential (endorsement and endorsementJwt, on the credential, its achievement or its issuer) passes verification on its own.",
            links::OB_VERIFICATION,
            Must,
            ALL_KINDS,
            |_, _| {},
        )
    };
    CLR20_VER_001 = Check {
        area: "verification",
        applies_to: &[crate::detect::DocKind::Clr],
        runner: crate::check::Runner::Embedded(&["verifiableCredential"]),
        spec: clr_reports::Spec::Clr20,
        source: clr_reports::RuleSource::Inferred,
        ..rule(
            "CLR20-VER-001",
            "every nested credential verifies on its own",
            "Each credential in ClrSubject.verifiableCredential SHOULD pass verification on its own (its issuer may differ from the CLR's).",
            links::CLR_SUBJECT,
            clr_reports::Level::Should,
            &[crate::detect::DocKind::Clr],
            |_, _| {},
        )
    };
    OB30_VER_003 = rule(
        "OB30-VER-003",
        "credential is within its validity window",
        "At verification time the credential is valid: now is not before validFrom (issuanceDate for VCDM 1.1) and not after validUntil (expirationDate).",
        links::OB_VERIFICATION,
        Must,
        ALL_KINDS,
        validity_window,
    )
    .in_area("verification");
    OB30_VER_004 = rule(
        "OB30-VER-004",
        "credential is about the expected recipient",
        "With an expected recipient (--recipient), the subject's id equals it, or one of its identifiers of the same identityType matches it (plain, or hashed with salt as md5/sha256).",
        links::OB_VERIFICATION,
        Must,
        ALL_KINDS,
        recipient,
    )
    .in_area("verification");
}

fn validity_window(doc: &Doc, ctx: &mut Ctx) {
    let (from, until) = match doc.vcdm {
        Vcdm::V2 => ("validFrom", "validUntil"),
        Vcdm::V1_1 => ("issuanceDate", "expirationDate"),
    };
    let now = doc.env.now as f64;
    let now_text = datetime::rfc3339(doc.env.now);
    let instant = |k: &str| {
        doc.root
            .get(k)
            .and_then(Value::as_str)
            .and_then(|s| Some((s, datetime::epoch_seconds(s)?)))
    };
    let start = instant(from);
    let end = instant(until);
    if start.is_none() && end.is_none() {
        ctx.not_applicable(format!("no valid {from}/{until} to judge (see OB30-DM-007)"));
        return;
    }
    if let (Some((_, s)), Some((_, e))) = (start, end)
        && e <= s
    {
        ctx.not_applicable(format!(
            "{until} is not after {from}: the window is empty (see OB30-DM-022)"
        ));
        return;
    }
    if let Some((text, t)) = start
        && t > now
    {
        ctx.violation(
            &Ptr::root().key(from),
            format!("the credential is not yet valid: {from} is in the future"),
        )
        .expected(format!("{from} at or before {now_text}"))
        .found(text.to_string())
        .evidence("judged at", now_text.clone());
    }
    if let Some((text, t)) = end
        && t < now
    {
        ctx.violation(
            &Ptr::root().key(until),
            format!("the credential has expired: {until} is in the past"),
        )
        .expected(format!("{until} at or after {now_text}"))
        .found(text.to_string())
        .evidence("judged at", now_text);
    }
}

fn recipient(doc: &Doc, ctx: &mut Ctx) {
    let Some(want) = &doc.env.recipient else {
        ctx.not_applicable("no expected recipient given (--recipient TYPE:VALUE)");
        return;
    };
    let Some(subject) = doc.root.get("credentialSubject") else {
        ctx.not_applicable("no credentialSubject");
        return;
    };
    if want.kind == "id" {
        if subject.get("id").and_then(Value::as_str) == Some(want.value.as_str()) {
            return;
        }
    } else {
        let identifiers = subject
            .get("identifier")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for identity in &identifiers {
            if identity.get("identityType").and_then(Value::as_str) != Some(want.kind.as_str()) {
                continue;
            }
            let Some(stored) = identity.get("identityHash").and_then(Value::as_str) else {
                continue;
            };
            let matched = if identity.get("hashed").and_then(Value::as_bool) == Some(true) {
                let salt = identity.get("salt").and_then(Value::as_str).unwrap_or("");
                let alg = stored.split('$').next().unwrap_or("");
                identity_hash(alg, &want.value, salt).is_some_and(|h| h.eq_ignore_ascii_case(stored))
            } else {
                stored == want.value
            };
            if matched {
                return;
            }
        }
    }
    let found = match (
        subject.get("id").and_then(Value::as_str),
        subject.get("identifier").and_then(Value::as_array),
    ) {
        (Some(id), _) if want.kind == "id" => format!("id {id}"),
        (_, Some(ids)) => format!("{} identifier(s), none of type {} matching", ids.len(), want.kind),
        (Some(id), None) => format!("only id {id}"),
        (None, None) => "neither id nor identifier".into(),
    };
    ctx.violation(
        &Ptr::root().key("credentialSubject"),
        "the credential is not about the expected recipient",
    )
    .expected(format!("{}:{}", want.kind, want.value))
    .found(found);
}
