//! CLR 1.0 checks (`CLR10-*`): the record's data model as the Final (2021-01-14) JSON Schemas and the information
//! model state it (`CLR10-DM-*`), and its verification (`CLR10-VER-*`), which reuses the OB 2.0 model — hosted or
//! signed (JWS with the publisher's CryptographicKey), revocation lists, recipients hashed like OB 2.0's.
//!
//! The Candidate (2020) schemas spelt several properties differently; documents written to them are told so
//! (`CLR10-DM-016`) rather than failed on every renamed property without a word.

use std::collections::BTreeMap;

use clr_reports::Level::{Info, Must, Should};
use clr_reports::Spec;
use serde_json::Value;

use super::legacy::{
    hosted, key_listed, legacy, legacy_rule, revocation, scope, shape, signature, step, values, verification_rule,
    with_report,
};
use super::ob20::{dates, identity_rules, recipient_matches};
use super::{Ctx, Doc, Ptr, show};
use crate::check::declare_checks;
use crate::detect::DocKind;
use crate::ob2::model::{Class, each_item};
use crate::ob2::verify::Step;
use crate::ob2::{CLR1_CONTEXT, Kind, links};

/// Every CLR 1.0 document kind.
pub const CLR10_ALL: &[DocKind] = &[
    DocKind::Legacy(Kind::Clr),
    DocKind::Legacy(Kind::ClrSet),
    DocKind::Legacy(Kind::ClrAssertion),
];
const CLR: &[DocKind] = &[DocKind::Legacy(Kind::Clr)];
/// Kinds holding assertions (a record, or one assertion).
const WITH_ASSERTIONS: &[DocKind] = &[DocKind::Legacy(Kind::Clr), DocKind::Legacy(Kind::ClrAssertion)];

declare_checks! {
    list CHECKS;
    CLR10_DM_001 = legacy_rule(
        Spec::Clr10,
        "CLR10-DM-001",
        "CLR 1.0 context",
        "A CLR 1.0 document's @context is (or contains) https://purl.imsglobal.org/spec/clr/v1p0/context/clr_v1p0.jsonld.",
        links::CLR1_INFO_MODEL,
        Must,
        CLR10_ALL,
        context,
    )
    .from_schema();
    CLR10_DM_002 = legacy_rule(
        Spec::Clr10,
        "CLR10-DM-002",
        "Clr has id, issuedOn, learner and publisher, and nothing else",
        "A Clr has @context, an id, issuedOn, a learner Profile and a publisher Profile; its other properties are the ones the getClr schema names (additionalProperties: false).",
        links::CLR1_INFO_MODEL,
        Must,
        CLR,
        clr,
    )
    .from_schema();
    CLR10_DM_003 = legacy_rule(
        Spec::Clr10,
        "CLR10-DM-003",
        "ClrSet holds clrs and signedClrs only",
        "A ClrSet (the getClrs response) has @context and carries CLRs in clrs (objects) and signedClrs (compact JWS), nothing else.",
        links::CLR1_REST,
        Must,
        &[DocKind::Legacy(Kind::ClrSet)],
        clr_set,
    )
    .from_schema();
    CLR10_DM_004 = legacy_rule(
        Spec::Clr10,
        "CLR10-DM-004",
        "Assertion has id, issuedOn, recipient and achievement",
        "Every Assertion has an id; unless revoked it has issuedOn and a recipient; it names its achievement (unless it is an Open Badge); its evidence has names.",
        links::CLR1_INFO_MODEL,
        Must,
        WITH_ASSERTIONS,
        assertion,
    );
    CLR10_DM_005 = legacy_rule(
        Spec::Clr10,
        "CLR10-DM-005",
        "Achievement has id, name and issuer",
        "Every Achievement has an id, a name and an issuer Profile; its requirement, identifiers and associations are well-formed (an Association has associationType, targetId and title).",
        links::CLR1_INFO_MODEL,
        Must,
        WITH_ASSERTIONS,
        achievement,
    );
    CLR10_DM_006 = legacy_rule(
        Spec::Clr10,
        "CLR10-DM-006",
        "Alignment has targetName and targetUrl",
        "Every alignment (of an achievement, result, result description or rubric level) has a targetName and a targetUrl.",
        links::CLR1_INFO_MODEL,
        Must,
        WITH_ASSERTIONS,
        alignment,
    );
    CLR10_DM_007 = legacy_rule(
        Spec::Clr10,
        "CLR10-DM-007",
        "results and result descriptions are well-formed",
        "Every Result names its resultDescription; every ResultDescription has id, name and resultType; every RubricCriterionLevel has id and name.",
        links::CLR1_INFO_MODEL,
        Must,
        WITH_ASSERTIONS,
        results,
    );
    CLR10_DM_008 = legacy_rule(
        Spec::Clr10,
        "CLR10-DM-008",
        "Profiles are well-formed",
        "Every Profile (learner, publisher, issuer, source, parentOrg) has an id; an embedded CryptographicKey has id, owner and publicKeyPem.",
        links::CLR1_INFO_MODEL,
        Must,
        WITH_ASSERTIONS,
        profiles,
    );
    CLR10_DM_009 = legacy_rule(
        Spec::Clr10,
        "CLR10-DM-009",
        "recipient Identity is well-formed",
        "An Assertion's recipient names a learner Profile property (id, email, url, telephone, sourcedId or studentId) in type, has an identity and a boolean hashed; a hashed identity is sha256$<hex> or md5$<hex>, an unhashed one is not hash-shaped.",
        links::CLR1_INFO_MODEL,
        Must,
        WITH_ASSERTIONS,
        identity,
    );
    CLR10_DM_010 = legacy_rule(
        Spec::Clr10,
        "CLR10-DM-010",
        "Verification objects are well-formed",
        "A Verification has type Hosted, Signed or Verification; a Hosted document's id is the http(s) URL it is served at.",
        links::CLR1_INFO_MODEL,
        Must,
        WITH_ASSERTIONS,
        verification,
    );
    CLR10_DM_011 = legacy_rule(
        Spec::Clr10,
        "CLR10-DM-011",
        "values have their data types",
        "Every value has the schema's type: URIs, date-times with a time zone, dates, booleans, numbers, arrays where the schema says array, compact JWS strings, and the enumerations (achievementType, targetType, resultType, status, associationType, identifierType) or an ext: term.",
        links::CLR1_INFO_MODEL,
        Must,
        CLR10_ALL,
        all_values,
    )
    .from_schema();
    CLR10_DM_012 = legacy_rule(
        Spec::Clr10,
        "CLR10-DM-012",
        "results reference their achievement's result descriptions",
        "A Result's resultDescription is the id of a ResultDescription of the assertion's achievement; achievedLevel is a RubricCriterionLevel of it; status is given exactly when its resultType is Status; a value is one of allowedValues when they are listed.",
        links::CLR1_INFO_MODEL,
        Must,
        WITH_ASSERTIONS,
        result_references,
    );
    CLR10_DM_013 = legacy_rule(
        Spec::Clr10,
        "CLR10-DM-013",
        "an achievement listed twice is the same both times",
        "An Achievement that appears both in the Clr's achievements and in an assertion matches exactly.",
        links::CLR1_INFO_MODEL,
        Must,
        CLR,
        achievements_match,
    );
    CLR10_DM_014 = legacy_rule(
        Spec::Clr10,
        "CLR10-DM-014",
        "associations point at achievements of the record",
        "An Association's targetId SHOULD be the id of another Achievement in the CLR, so that the pathway it describes can be followed.",
        links::CLR1_INFO_MODEL,
        Should,
        CLR,
        association_targets,
    )
    .inferred();
    CLR10_DM_015 = legacy_rule(
        Spec::Clr10,
        "CLR10-DM-015",
        "Endorsement has id, claim, issuedOn, issuer and verification",
        "Every Endorsement has an id, a claim with an id, issuedOn, an issuer with an id, and a verification.",
        links::CLR1_INFO_MODEL,
        Must,
        WITH_ASSERTIONS,
        endorsements,
    );
    CLR10_DM_016 = legacy_rule(
        Spec::Clr10,
        "CLR10-DM-016",
        "written to the Final schemas, not the Candidate ones",
        "The document uses the Final (2021) spellings: activityStartDate/activityEndDate (not startDate/endDate), targetFramework (not educationalFramework), Assessment or Assignment (not AssessmentResult).",
        links::CLR1,
        Info,
        WITH_ASSERTIONS,
        candidate_spellings,
    );
    CLR10_VER_001 = verification_rule(
        Spec::Clr10,
        "CLR10-VER-001",
        "hosted record is served at its id",
        "A CLR (or Assertion) with Hosted verification, fetched from its id, answers 200 with a document declaring that id.",
        links::CLR1_INFO_MODEL,
        Must,
        WITH_ASSERTIONS,
        hosted,
    );
    CLR10_VER_002 = verification_rule(
        Spec::Clr10,
        "CLR10-VER-002",
        "hosted id is within the publisher's verification policy",
        "A hosted id starts with one of the publisher's (issuer's) startsWith prefixes and lies on one of its allowedOrigins — by default the origin of the profile's own id.",
        links::CLR1_INFO_MODEL,
        Must,
        WITH_ASSERTIONS,
        scope,
    );
    CLR10_VER_003 = verification_rule(
        Spec::Clr10,
        "CLR10-VER-003",
        "signature verifies with the creator key",
        "A signed CLR or Assertion (compact JWS, RS256) verifies with the publicKeyPem of the CryptographicKey named by verification.creator.",
        links::CLR1_INFO_MODEL,
        Must,
        WITH_ASSERTIONS,
        signature,
    );
    CLR10_VER_004 = verification_rule(
        Spec::Clr10,
        "CLR10-VER-004",
        "signing key belongs to the publisher",
        "The key that signed the CLR (or Assertion) is the publicKey of its publisher (or achievement issuer) Profile, as served at that profile's id.",
        links::CLR1_INFO_MODEL,
        Must,
        WITH_ASSERTIONS,
        key_listed,
    );
    CLR10_VER_005 = verification_rule(
        Spec::Clr10,
        "CLR10-VER-005",
        "not revoked",
        "The record is not revoked: revoked is not true, a hosted record does not answer 410 Gone, and a signed one is not in its publisher's RevocationList.",
        links::CLR1_INFO_MODEL,
        Must,
        WITH_ASSERTIONS,
        revocation,
    );
    CLR10_VER_006 = verification_rule(
        Spec::Clr10,
        "CLR10-VER-006",
        "hosted assertions are served at their ids",
        "Every assertion of the record with Hosted verification, fetched from its id, answers 200 with a document declaring that id (410 Gone: revoked).",
        links::CLR1_INFO_MODEL,
        Must,
        CLR,
        hosted_assertions,
    );
    CLR10_VER_007 = verification_rule(
        Spec::Clr10,
        "CLR10-VER-007",
        "assertions are issued in the past and not expired",
        "At verification time no assertion's issuedOn is in the future, none has expired, and none expires before it was issued.",
        links::CLR1_INFO_MODEL,
        Must,
        WITH_ASSERTIONS,
        timestamps,
    );
    CLR10_VER_008 = verification_rule(
        Spec::Clr10,
        "CLR10-VER-008",
        "assertions are about the record's learner",
        "Each assertion's recipient SHOULD match the CLR's learner on the property its type names (plain, or hashed with its salt).",
        links::CLR1_INFO_MODEL,
        Should,
        CLR,
        recipients_are_the_learner,
    );
}

fn context(doc: &Doc, ctx: &mut Ctx) {
    let found = doc.root.get("@context");
    let has = match found {
        Some(Value::String(s)) => s == CLR1_CONTEXT,
        Some(Value::Array(items)) => items.iter().any(|c| c.as_str() == Some(CLR1_CONTEXT)),
        _ => false,
    };
    if !has {
        ctx.violation(
            &Ptr::root().key("@context"),
            "the document does not name the CLR 1.0 context",
        )
        .expected(CLR1_CONTEXT)
        .found(found.map_or("no @context".to_string(), show));
    }
}

fn clr(doc: &Doc, ctx: &mut Ctx) {
    let Some(l) = legacy(doc, ctx) else { return };
    shape(l, ctx, &[Class::Clr]);
}

fn clr_set(doc: &Doc, ctx: &mut Ctx) {
    let Some(l) = legacy(doc, ctx) else { return };
    shape(l, ctx, &[Class::ClrSet]);
}

fn assertion(doc: &Doc, ctx: &mut Ctx) {
    let Some(l) = legacy(doc, ctx) else { return };
    shape(l, ctx, &[Class::ClrAssertion, Class::ClrEvidence, Class::ClrArtifact]);
    for node in l.walk.nodes_of(Class::ClrAssertion) {
        let revoked = node.value.get("revoked").and_then(Value::as_bool) == Some(true);
        let missing = |k: &str| node.value.get(k).is_none_or(Value::is_null);
        if !revoked {
            for k in ["issuedOn", "recipient"] {
                if missing(k) {
                    ctx.violation(
                        &node.ptr,
                        format!("the Assertion has no {k} (required unless it is revoked)"),
                    )
                    .expected(format!("a {k}"))
                    .found("absent");
                }
            }
        }
        if missing("achievement") && missing("badge") {
            ctx.violation(&node.ptr, "the Assertion names no achievement")
                .expected("an achievement (required unless the assertion is an Open Badge)")
                .found("absent");
        }
    }
}

fn achievement(doc: &Doc, ctx: &mut Ctx) {
    let Some(l) = legacy(doc, ctx) else { return };
    shape(
        l,
        ctx,
        &[
            Class::ClrAchievement,
            Class::ClrCriteria,
            Class::ClrSystemIdentifier,
            Class::ClrAssociation,
        ],
    );
}

fn alignment(doc: &Doc, ctx: &mut Ctx) {
    let Some(l) = legacy(doc, ctx) else { return };
    shape(l, ctx, &[Class::ClrAlignment]);
}

fn results(doc: &Doc, ctx: &mut Ctx) {
    let Some(l) = legacy(doc, ctx) else { return };
    shape(
        l,
        ctx,
        &[
            Class::ClrResult,
            Class::ClrResultDescription,
            Class::ClrRubricCriterionLevel,
        ],
    );
}

fn profiles(doc: &Doc, ctx: &mut Ctx) {
    let Some(l) = legacy(doc, ctx) else { return };
    shape(
        l,
        ctx,
        &[Class::ClrProfile, Class::ClrAddress, Class::ClrCryptographicKey],
    );
}

/// The learner Profile properties an Identity's type may name.
const IDENTITY_TYPES: &[&str] = &["id", "email", "url", "telephone", "sourcedId", "studentId"];

fn identity(doc: &Doc, ctx: &mut Ctx) {
    let Some(l) = legacy(doc, ctx) else { return };
    let before = ctx.findings_len();
    shape(l, ctx, &[Class::ClrIdentity]);
    if ctx.findings_len() > before {
        return;
    }
    for node in l.walk.nodes_of(Class::ClrIdentity) {
        let ty = node.value.get("type").and_then(Value::as_str).unwrap_or_default();
        if !IDENTITY_TYPES.contains(&ty) {
            ctx.violation(
                &node.ptr.key("type"),
                format!("{ty:?} is not a learner Profile property"),
            )
            .expected(IDENTITY_TYPES.join(", "))
            .found(ty.to_string());
        }
        identity_rules(ctx, &node.ptr, node.value);
    }
}

fn verification(doc: &Doc, ctx: &mut Ctx) {
    let Some(l) = legacy(doc, ctx) else { return };
    let before = ctx.findings_len();
    shape(l, ctx, &[Class::ClrVerification]);
    if ctx.findings_len() > before {
        return;
    }
    for node in l.walk.nodes.iter().filter(|n| {
        matches!(n.class, Class::Clr | Class::ClrAssertion | Class::ClrEndorsement)
            && n.value.pointer("/verification/type").and_then(Value::as_str) == Some("Hosted")
    }) {
        let id = node.value.get("id").and_then(Value::as_str).unwrap_or_default();
        let root_signed = node.ptr.as_str().is_empty() && l.jws;
        if !root_signed && super::legacy::http_url(id).is_err() {
            ctx.violation(
                &node.ptr.key("id"),
                "a Hosted document's id must be the http(s) URL it is served at",
            )
            .expected("an http(s) URL")
            .found(id.to_string());
        }
    }
}

fn all_values(doc: &Doc, ctx: &mut Ctx) {
    let Some(l) = legacy(doc, ctx) else { return };
    values(l, ctx);
}

fn result_references(doc: &Doc, ctx: &mut Ctx) {
    let Some(l) = legacy(doc, ctx) else { return };
    let mut any = false;
    for node in l.walk.nodes_of(Class::ClrAssertion) {
        let Some(Value::Array(results)) = node.value.get("results") else {
            continue;
        };
        let descriptions: BTreeMap<&str, &Value> = node
            .value
            .pointer("/achievement/resultDescriptions")
            .and_then(Value::as_array)
            .map(|rds| {
                rds.iter()
                    .filter_map(|rd| Some((rd.get("id")?.as_str()?, rd)))
                    .collect()
            })
            .unwrap_or_default();
        for (i, result) in results.iter().enumerate() {
            any = true;
            let at = node.ptr.key("results").index(i);
            let Some(rd_id) = result.get("resultDescription").and_then(Value::as_str) else {
                continue;
            };
            let Some(rd) = descriptions.get(rd_id) else {
                let known: Vec<&str> = descriptions.keys().copied().collect();
                ctx.violation(
                    &at.key("resultDescription"),
                    "the result's resultDescription is not one of its achievement's",
                )
                .expected(if known.is_empty() {
                    "a ResultDescription id (the achievement lists none)".to_string()
                } else {
                    format!("one of {}", known.join(", "))
                })
                .found(rd_id.to_string());
                continue;
            };
            if let Some(level) = result.get("achievedLevel").and_then(Value::as_str) {
                let levels: Vec<&str> = rd
                    .get("rubricCriterionLevels")
                    .and_then(Value::as_array)
                    .map(|ls| ls.iter().filter_map(|l| l.get("id")?.as_str()).collect())
                    .unwrap_or_default();
                if !levels.contains(&level) {
                    ctx.violation(
                        &at.key("achievedLevel"),
                        "achievedLevel is not a level of its result description",
                    )
                    .expected(format!("one of {}", levels.join(", ")))
                    .found(level.to_string());
                }
            }
            let is_status = rd.get("resultType").and_then(Value::as_str) == Some("Status");
            match (is_status, result.get("status")) {
                (true, None) => {
                    ctx.violation(&at, "a result of resultType Status must give its status")
                        .expected("status: Completed, Enrolled, Failed, InProgress, OnHold or Withdrew")
                        .found("no status");
                }
                (false, Some(s)) => {
                    ctx.violation(&at.key("status"), "status is only for results of resultType Status")
                        .expected("no status, or resultType Status")
                        .found(show(s));
                }
                _ => {}
            }
            if let (Some(value), Some(Value::Array(allowed))) = (result.get("value"), rd.get("allowedValues"))
                && !allowed.contains(value)
            {
                ctx.violation(&at.key("value"), "the value is not one of the allowed values")
                    .expected(format!("one of {}", show(&Value::Array(allowed.clone()))))
                    .found(show(value));
            }
        }
    }
    if !any {
        ctx.not_applicable("no results");
    }
}

fn achievements_match(doc: &Doc, ctx: &mut Ctx) {
    let listed: BTreeMap<&str, &Value> = doc
        .root
        .get("achievements")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|x| Some((x.get("id")?.as_str()?, x))).collect())
        .unwrap_or_default();
    let mut compared = false;
    for (i, a) in doc
        .root
        .get("assertions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let Some(achievement) = a.get("achievement") else {
            continue;
        };
        let Some(other) = achievement
            .get("id")
            .and_then(Value::as_str)
            .and_then(|id| listed.get(id))
        else {
            continue;
        };
        compared = true;
        if *other != achievement {
            let at = Ptr::root().key("assertions").index(i).key("achievement");
            let differing: Vec<String> = differing_keys(achievement, other);
            ctx.violation(
                &at,
                "the achievement differs from the one with the same id in the Clr's achievements",
            )
            .expected("the same Achievement in both places")
            .found(format!("different {}", differing.join(", ")));
        }
    }
    if !compared {
        ctx.not_applicable("no achievement appears both in achievements and in an assertion");
    }
}

fn differing_keys(a: &Value, b: &Value) -> Vec<String> {
    let (Some(a), Some(b)) = (a.as_object(), b.as_object()) else {
        return vec!["values".into()];
    };
    let mut keys: Vec<String> = a
        .keys()
        .chain(b.keys())
        .filter(|k| a.get(*k) != b.get(*k))
        .cloned()
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

fn association_targets(doc: &Doc, ctx: &mut Ctx) {
    let Some(l) = legacy(doc, ctx) else { return };
    let mut ids: Vec<String> = l
        .walk
        .nodes_of(Class::ClrAchievement)
        .filter_map(|n| n.value.get("id")?.as_str())
        .map(str::to_string)
        .collect();
    // Achievements of the signed assertions count too (their payloads are read, not verified, here).
    for jws in doc
        .root
        .get("signedAssertions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        if let Ok(parsed) = crate::decode::CompactJws::parse(jws)
            && let Some(id) = parsed.payload.pointer("/achievement/id").and_then(Value::as_str)
        {
            ids.push(id.to_string());
        }
    }
    let mut any = false;
    for node in l.walk.nodes_of(Class::ClrAssociation) {
        any = true;
        let Some(target) = node.value.get("targetId").and_then(Value::as_str) else {
            continue;
        };
        if !ids.iter().any(|i| i == target) {
            ctx.violation(
                &node.ptr.key("targetId"),
                "the association points at no achievement of this CLR",
            )
            .expected("the id of an Achievement in the record")
            .found(target.to_string());
        }
    }
    if !any {
        ctx.not_applicable("no associations");
    }
}

fn endorsements(doc: &Doc, ctx: &mut Ctx) {
    let Some(l) = legacy(doc, ctx) else { return };
    shape(
        l,
        ctx,
        &[
            Class::ClrEndorsement,
            Class::ClrEndorsementClaim,
            Class::ClrEndorsementProfile,
        ],
    );
}

fn candidate_spellings(doc: &Doc, ctx: &mut Ctx) {
    let Some(l) = legacy(doc, ctx) else { return };
    let renamed = [
        (Class::ClrAssertion, "startDate", "activityStartDate"),
        (Class::ClrAssertion, "endDate", "activityEndDate"),
        (Class::ClrAlignment, "educationalFramework", "targetFramework"),
    ];
    for node in &l.walk.nodes {
        for (class, old, new) in renamed {
            if node.class == class && node.value.get(old).is_some() {
                ctx.violation(&node.ptr.key(old), format!("{old} is the Candidate (2020) spelling"))
                    .expected(new)
                    .found(old);
            }
        }
    }
    for field in l.walk.fields.iter().filter(|f| f.prop.name == "achievementType") {
        each_item(field.value, &field.ptr, |ptr, v| {
            if v.as_str() == Some("AssessmentResult") {
                ctx.violation(&ptr, "AssessmentResult is the Candidate (2020) achievement type")
                    .expected("Assessment or Assignment")
                    .found("AssessmentResult");
            }
        });
    }
}

fn hosted_assertions(doc: &Doc, ctx: &mut Ctx) {
    with_report(doc, ctx, |r, ctx| {
        if r.assertions.is_empty() {
            ctx.not_applicable("no assertion of the record declares Hosted verification");
            return;
        }
        let skipped: Vec<&str> = r
            .assertions
            .iter()
            .filter_map(|(_, s)| match s {
                Step::Skipped(why) => Some(why.as_str()),
                _ => None,
            })
            .collect();
        for (_, s) in &r.assertions {
            if matches!(s, Step::Violated(_)) {
                step(ctx, s);
            }
        }
        if let Some(first) = skipped.first()
            && ctx.findings_len() == 0
        {
            ctx.skipped(format!("{} hosted assertion(s) not verified: {first}", skipped.len()));
        }
    });
}

fn timestamps(doc: &Doc, ctx: &mut Ctx) {
    let Some(l) = legacy(doc, ctx) else { return };
    let mut any = false;
    for node in l.walk.nodes_of(Class::ClrAssertion) {
        any |= dates(ctx, node.value, &node.ptr, doc.env.now);
    }
    if !any {
        ctx.not_applicable("no assertion with issuedOn or expires");
    }
}

fn recipients_are_the_learner(doc: &Doc, ctx: &mut Ctx) {
    let Some(learner) = doc.root.get("learner").filter(|l| l.is_object()) else {
        ctx.not_applicable("no learner Profile (CLR10-DM-002 reports it)");
        return;
    };
    // The record's assertions, and the payloads of its signed ones (read, not verified, here: whom they are about
    // is the question), each with where its recipient is reported.
    let mut recipients: Vec<(Ptr, Value)> = Vec::new();
    for (i, a) in doc
        .root
        .get("assertions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        if let Some(r) = a.get("recipient").filter(|r| r.is_object()) {
            recipients.push((Ptr::root().key("assertions").index(i).key("recipient"), r.clone()));
        }
    }
    for (i, jws) in doc
        .root
        .get("signedAssertions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        if let Some(r) = jws
            .as_str()
            .and_then(|t| crate::decode::CompactJws::parse(t).ok())
            .and_then(|p| p.payload.get("recipient").filter(|r| r.is_object()).cloned())
        {
            recipients.push((Ptr::root().key("signedAssertions").index(i), r));
        }
    }
    let mut any = false;
    for (at, r) in &recipients {
        let ty = r.get("type").and_then(Value::as_str).unwrap_or_default();
        if !IDENTITY_TYPES.contains(&ty) {
            // Not a learner property at all: CLR10-DM-009's finding.
            continue;
        }
        any = true;
        match learner.get(ty).and_then(Value::as_str) {
            Some(value) => recipient_matches(ctx, r, at, ty, value),
            None => {
                ctx.violation(
                    &at.key("type"),
                    format!("the learner Profile has no {ty} to match the recipient against"),
                )
                .expected(format!("learner.{ty}"))
                .found("absent");
            }
        }
    }
    if !any {
        ctx.not_applicable("no assertion with a recipient");
    }
}
