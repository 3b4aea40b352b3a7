//! EndorsementCredential rules, and the rule that embedded `endorsement` / `endorsementJwt` entries are
//! endorsements. Each embedded endorsement is also checked in full as a subject of its own by the engine.

use clr_reports::Level::Must;
use serde_json::Value;

use super::classes::shape;
use super::credential::credential_type;
use super::{ALL_KINDS, Ctx, Doc, has_type, rule, show};
use crate::check::declare_checks;
use crate::datamodel::Class;
use crate::decode::CompactJws;
use crate::detect::DocKind;
use crate::vocab::links;

declare_checks! {
    list CHECKS;
    OB30_END_001 = rule(
        "OB30-END-001",
        "type names an EndorsementCredential",
        "An EndorsementCredential's type contains \"VerifiableCredential\" and \"EndorsementCredential\".",
        links::OB_ENDORSEMENT,
        Must,
        &[DocKind::Endorsement],
        endorsement_type,
    );
    OB30_END_002 = rule(
        "OB30-END-002",
        "EndorsementCredential has a name and well-typed properties",
        "An EndorsementCredential has a name, and its own properties have the data model's types and cardinalities.",
        links::OB_ENDORSEMENT,
        Must,
        &[DocKind::Endorsement],
        endorsement_credential,
    );
    OB30_END_003 = rule(
        "OB30-END-003",
        "credentialSubject is an EndorsementSubject",
        "The subject has an id (URI of the endorsed entity) and a type containing \"EndorsementSubject\"; endorsementComment is a string.",
        links::OB_ENDORSEMENT_SUBJECT,
        Must,
        &[DocKind::Endorsement],
        endorsement_subject,
    );
    OB30_END_004 = rule(
        "OB30-END-004",
        "embedded endorsements are EndorsementCredentials",
        "Every endorsement entry is an EndorsementCredential object and every endorsementJwt entry a compact JWS whose payload is one.",
        links::OB_ENDORSEMENT,
        Must,
        ALL_KINDS,
        embedded_endorsements,
    );
}

fn endorsement_type(doc: &Doc, ctx: &mut Ctx) {
    credential_type(doc, ctx, &["EndorsementCredential"]);
}

fn endorsement_credential(doc: &Doc, ctx: &mut Ctx) {
    shape(doc, ctx, &[Class::EndorsementCredential]);
}

fn endorsement_subject(doc: &Doc, ctx: &mut Ctx) {
    shape(doc, ctx, &[Class::EndorsementSubject]);
}

fn embedded_endorsements(doc: &Doc, ctx: &mut Ctx) {
    let mut any = false;
    for e in doc.walk.embedded.iter().filter(|e| e.via.starts_with("endorsement")) {
        any = true;
        match (e.via, e.value) {
            ("endorsement", Value::Object(_)) => {
                if !has_type(e.value, "EndorsementCredential") {
                    let found = e.value.get("type").map(show).unwrap_or_else(|| "no type".into());
                    ctx.violation(&e.ptr, "an endorsement entry is not an EndorsementCredential")
                        .expected("type containing \"EndorsementCredential\"")
                        .found(found);
                }
            }
            ("endorsement", other) => {
                let report = ctx
                    .violation(&e.ptr, "an endorsement entry must be an EndorsementCredential object")
                    .expected("an object")
                    .found_value(other);
                if other.is_string() {
                    report.hint("a VC-JWT endorsement belongs in endorsementJwt");
                }
            }
            (_, Value::String(jws)) => match CompactJws::parse(jws) {
                Err(err) => {
                    ctx.violation(
                        &e.ptr,
                        format!("an endorsementJwt entry is not a compact JWS: {}", err.message),
                    )
                    .expected("header.payload.signature, each base64url");
                }
                Ok(parsed) => {
                    let payload: Option<Value> = serde_json::from_str(&parsed.payload_text).ok();
                    let credential = payload.as_ref().map(|p| p.get("vc").unwrap_or(p));
                    if !credential.is_some_and(|c| has_type(c, "EndorsementCredential")) {
                        let found = credential
                            .and_then(|c| c.get("type"))
                            .map(show)
                            .unwrap_or_else(|| "no type".into());
                        ctx.violation(&e.ptr, "the endorsementJwt payload is not an EndorsementCredential")
                            .expected("type containing \"EndorsementCredential\"")
                            .found(found);
                    }
                }
            },
            (_, other) => {
                ctx.violation(&e.ptr, "an endorsementJwt entry must be a compact JWS string")
                    .expected("a string")
                    .found_value(other);
            }
        }
    }
    if !any {
        ctx.not_applicable("no embedded endorsements");
    }
}
