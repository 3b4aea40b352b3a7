//! Open Badges 2.0 checks (`OB20-*`): the data model of Assertions, BadgeClasses, Issuer Profiles, Endorsements,
//! CryptographicKeys and RevocationLists (`OB20-DM-*`), and the verification of an assertion (`OB20-VER-*`):
//! hosted or signed, not revoked, within its dates, about the expected recipient, its BadgeClass and Issuer
//! resolvable. Legacy badges (0.5, 1.0, 1.1) are judged as the OB 2.0 documents they upgrade to, with a warning.
//!
//! Where the rules come from: the OB 2.0 specification (IMS Final 2018, rev. 2021) and, where the specification is
//! silent about how a verifier decides, the behaviour of the reference validator (badgecheck) the digest records.

use clr_reports::Level::{Must, Should};
use clr_reports::Spec;
use serde_json::Value;

use super::legacy::{
    hosted, key_listed, legacy, legacy_rule, revocation, scope, shape, signature, step, values, verification_rule,
    with_report,
};
use super::{Ctx, Doc, Ptr, show};
use crate::check::declare_checks;
use crate::detect::DocKind;
use crate::ob2::model::{Class, ref_id, single};
use crate::ob2::{Kind, OB2_CONTEXT, links};

/// Every OB 2.0 document kind.
pub const OB20_ALL: &[DocKind] = &[
    DocKind::Legacy(Kind::Assertion),
    DocKind::Legacy(Kind::BadgeClass),
    DocKind::Legacy(Kind::Profile),
    DocKind::Legacy(Kind::Endorsement),
    DocKind::Legacy(Kind::CryptographicKey),
    DocKind::Legacy(Kind::RevocationList),
];
const ASSERTION: &[DocKind] = &[DocKind::Legacy(Kind::Assertion)];
/// Kinds that may contain (or be) a BadgeClass.
const WITH_BADGE: &[DocKind] = &[DocKind::Legacy(Kind::Assertion), DocKind::Legacy(Kind::BadgeClass)];
/// Kinds that may contain (or be) an issuer Profile.
const WITH_PROFILE: &[DocKind] = &[
    DocKind::Legacy(Kind::Assertion),
    DocKind::Legacy(Kind::BadgeClass),
    DocKind::Legacy(Kind::Profile),
    DocKind::Legacy(Kind::Endorsement),
];
/// Kinds verified hosted or signed.
const VERIFIED: &[DocKind] = &[DocKind::Legacy(Kind::Assertion), DocKind::Legacy(Kind::Endorsement)];
const ENDORSEMENT: &[DocKind] = &[
    DocKind::Legacy(Kind::Assertion),
    DocKind::Legacy(Kind::BadgeClass),
    DocKind::Legacy(Kind::Profile),
    DocKind::Legacy(Kind::Endorsement),
];

declare_checks! {
    list CHECKS;
    OB20_DM_001 = legacy_rule(
        Spec::Ob20,
        "OB20-DM-001",
        "Open Badges 2.0 context",
        "An OB 2.0 document's @context is (or contains) https://w3id.org/openbadges/v2.",
        links::OB2,
        Must,
        OB20_ALL,
        context,
    );
    OB20_DM_002 = legacy_rule(
        Spec::Ob20,
        "OB20-DM-002",
        "written in Open Badges 2.0, not an older version",
        "A badge SHOULD be published as OB 2.0; an Open Badges 0.5, 1.0 or 1.1 badge is upgraded to OB 2.0 before it is judged, and the upgrade is reported.",
        links::OB2_HISTORY,
        Should,
        OB20_ALL,
        version,
    );
    OB20_DM_003 = legacy_rule(
        Spec::Ob20,
        "OB20-DM-003",
        "Assertion has id, type, recipient, badge, verification and issuedOn",
        "An Assertion has an id (IRI), a type containing \"Assertion\", a recipient IdentityObject, a badge (BadgeClass or its IRI), a verification object and issuedOn (a revoked assertion needs only id and revoked).",
        links::OB2_ASSERTION,
        Must,
        ASSERTION,
        assertion,
    );
    OB20_DM_004 = legacy_rule(
        Spec::Ob20,
        "OB20-DM-004",
        "recipient IdentityObject is well-formed",
        "The recipient has a type (id, email, url or telephone), an identity and a boolean hashed; a hashed identity is sha256$<hex> or md5$<hex>, an unhashed one is not hash-shaped, and an unhashed email is an email address.",
        links::OB2_IDENTITY,
        Must,
        ASSERTION,
        identity,
    );
    OB20_DM_005 = legacy_rule(
        Spec::Ob20,
        "OB20-DM-005",
        "verification names hosted or signed verification",
        "An Assertion's (or Endorsement's) verification has type HostedBadge or SignedBadge (or their aliases hosted / signed); a hosted document's id is the http(s) URL it is served at.",
        links::OB2_VERIFICATION,
        Must,
        VERIFIED,
        verification_object,
    );
    OB20_DM_006 = legacy_rule(
        Spec::Ob20,
        "OB20-DM-006",
        "BadgeClass has id, type, name, description, image, criteria and issuer",
        "Every BadgeClass (a document, or embedded in an Assertion) has an id, type \"BadgeClass\", a name, a description, an image, criteria and an issuer.",
        links::OB2_BADGE_CLASS,
        Must,
        WITH_BADGE,
        badge_class,
    );
    OB20_DM_007 = legacy_rule(
        Spec::Ob20,
        "OB20-DM-007",
        "issuer Profile has id, type, name, url and email",
        "Every issuer Profile has an id, a type \"Issuer\" or \"Profile\", a name, a url (http(s)) and an email.",
        links::OB2_PROFILE,
        Must,
        WITH_PROFILE,
        profile,
    );
    OB20_DM_008 = legacy_rule(
        Spec::Ob20,
        "OB20-DM-008",
        "criteria without an id have a narrative",
        "Criteria given as an object without an id (a blank node) carry a narrative saying what the earner did.",
        links::OB2_CRITERIA,
        Must,
        WITH_BADGE,
        criteria,
    );
    OB20_DM_009 = legacy_rule(
        Spec::Ob20,
        "OB20-DM-009",
        "AlignmentObject has targetName and targetUrl",
        "Every alignment of a BadgeClass has a targetName and a targetUrl (http(s)).",
        links::OB2_ALIGNMENT,
        Must,
        WITH_BADGE,
        alignment,
    );
    OB20_DM_010 = legacy_rule(
        Spec::Ob20,
        "OB20-DM-010",
        "images are PNG or SVG, and an Assertion's image is a URL",
        "A BadgeClass image given as a data URI is image/png or image/svg+xml; an Assertion's image is not a data URI.",
        links::OB2_IMAGE,
        Must,
        WITH_BADGE,
        images,
    );
    OB20_DM_011 = legacy_rule(
        Spec::Ob20,
        "OB20-DM-011",
        "values have their data types",
        "Every value has its data type and cardinality: IRIs (http(s), urn:uuid:, _:), URLs, ISO 8601 date-times with a time zone, email addresses, E.164 telephone numbers, BCP 47 language tags, booleans, text; single-valued properties have one value.",
        links::OB2_DATA_TYPES,
        Must,
        OB20_ALL,
        all_values,
    );
    OB20_DM_012 = legacy_rule(
        Spec::Ob20,
        "OB20-DM-012",
        "issuer id is an HTTP(S) URL",
        "An issuer Profile's id SHOULD be the http(s) URL it is hosted at, so that verifiers can fetch it and apply its verification policy.",
        links::OB2_PROFILE,
        Should,
        WITH_PROFILE,
        issuer_http,
    );
    OB20_DM_013 = legacy_rule(
        Spec::Ob20,
        "OB20-DM-013",
        "issuer verification policy is well-formed",
        "An issuer's verification policy names verificationProperty \"id\" (the only one defined), startsWith URL prefixes, and allowedOrigins as bare host names (no scheme, path or port).",
        links::OB2_VERIFICATION,
        Must,
        WITH_PROFILE,
        policy,
    );
    OB20_DM_014 = legacy_rule(
        Spec::Ob20,
        "OB20-DM-014",
        "Endorsement has id, type, claim, issuer, issuedOn and verification",
        "An Endorsement has an id, type \"Endorsement\", a claim with the id of what it endorses, an issuer, issuedOn and a verification object.",
        links::OB2_ENDORSEMENT,
        Must,
        ENDORSEMENT,
        endorsement,
    );
    OB20_DM_015 = legacy_rule(
        Spec::Ob20,
        "OB20-DM-015",
        "CryptographicKey has id, owner and a PEM public key",
        "A CryptographicKey has an id, the owner Profile's IRI and a publicKeyPem holding a PEM-encoded public key.",
        links::OB2_KEY,
        Must,
        &[DocKind::Legacy(Kind::CryptographicKey), DocKind::Legacy(Kind::Profile)],
        key,
    );
    OB20_DM_016 = legacy_rule(
        Spec::Ob20,
        "OB20-DM-016",
        "RevocationList entries are ids or objects with an id",
        "A RevocationList has type \"RevocationList\" and revokedAssertions, each an assertion IRI, an object with an id (and an optional revocationReason), or a legacy object with a uid.",
        links::OB2_REVOCATION,
        Must,
        &[DocKind::Legacy(Kind::RevocationList)],
        revocation_list,
    );
    OB20_VER_001 = verification_rule(
        Spec::Ob20,
        "OB20-VER-001",
        "hosted document is served at its id",
        "A hosted Assertion (or Endorsement) fetched from its id answers 200 with a JSON-LD document declaring that same id; the hosted copy is the one that counts.",
        links::OB2_HOSTED,
        Must,
        VERIFIED,
        hosted,
    );
    OB20_VER_002 = verification_rule(
        Spec::Ob20,
        "OB20-VER-002",
        "hosted id is within the issuer's verification policy",
        "A hosted id starts with one of the issuer policy's startsWith prefixes, and its origin is one of allowedOrigins — by default the origin of the issuer's own id.",
        links::OB2_HOSTED,
        Must,
        VERIFIED,
        scope,
    );
    OB20_VER_003 = verification_rule(
        Spec::Ob20,
        "OB20-VER-003",
        "signature verifies with the creator key",
        "A signed document's compact JWS (RS256) verifies with the publicKeyPem of the CryptographicKey named by verification.creator.",
        links::OB2_SIGNED,
        Must,
        VERIFIED,
        signature,
    );
    OB20_VER_004 = verification_rule(
        Spec::Ob20,
        "OB20-VER-004",
        "signing key belongs to the issuer",
        "The CryptographicKey that signed the document is listed in the publicKey of the issuer Profile fetched from the issuer's id.",
        links::OB2_SIGNED,
        Must,
        VERIFIED,
        key_listed,
    );
    OB20_VER_005 = verification_rule(
        Spec::Ob20,
        "OB20-VER-005",
        "signing key names the issuer as its owner",
        "The signing CryptographicKey's owner SHOULD be the issuer's id (the key and the profile point at each other).",
        links::OB2_KEY,
        Should,
        VERIFIED,
        key_owner,
    );
    OB20_VER_006 = verification_rule(
        Spec::Ob20,
        "OB20-VER-006",
        "not revoked",
        "The document is not revoked: a hosted one does not answer 410 Gone or say revoked: true; a signed one's id is not in the issuer's RevocationList.",
        links::OB2_REVOCATION,
        Must,
        VERIFIED,
        revocation,
    );
    OB20_VER_007 = verification_rule(
        Spec::Ob20,
        "OB20-VER-007",
        "issued in the past and not expired",
        "At verification time issuedOn is not in the future, expires (when given) is not in the past, and expires is not before issuedOn.",
        links::OB2_VERIFY,
        Must,
        VERIFIED,
        timestamps,
    );
    OB20_VER_008 = verification_rule(
        Spec::Ob20,
        "OB20-VER-008",
        "BadgeClass and Issuer resolve",
        "The Assertion's BadgeClass and the BadgeClass's issuer Profile can be obtained: fetched from their ids when those are URLs (hosted copies override embedded ones), else embedded.",
        links::OB2_VERIFY,
        Must,
        VERIFIED,
        linked,
    );
    OB20_VER_009 = verification_rule(
        Spec::Ob20,
        "OB20-VER-009",
        "BadgeClass image is retrievable",
        "A BadgeClass image given as a URL answers 2xx (the badge must be displayable).",
        links::OB2_IMAGE,
        Must,
        ASSERTION,
        image_fetch,
    );
    OB20_VER_010 = verification_rule(
        Spec::Ob20,
        "OB20-VER-010",
        "awarded to the expected recipient",
        "With an expected recipient (--recipient), the Assertion's recipient is of that type and its identity matches: plain, or sha256/md5 of the identifier followed by the salt.",
        links::OB2_IDENTITY,
        Must,
        ASSERTION,
        recipient,
    );
}

fn context(doc: &Doc, ctx: &mut Ctx) {
    let Some(l) = legacy(doc, ctx) else { return };
    if let Some(v) = l.version.filter(|_| l.upgrade.is_some()) {
        ctx.not_applicable(format!(
            "an Open Badges {} document, upgraded to OB 2.0 (see OB20-DM-002)",
            v.as_str()
        ));
        return;
    }
    let ok = |s: &str| s == OB2_CONTEXT || s == "https://openbadgespec.org/v2/context.json";
    let found = doc.root.get("@context");
    let has = match found {
        Some(Value::String(s)) => ok(s),
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).any(ok),
        _ => false,
    };
    if !has {
        ctx.violation(
            &Ptr::root().key("@context"),
            "the document does not name the Open Badges 2.0 context",
        )
        .expected(OB2_CONTEXT)
        .found(found.map_or("no @context".to_string(), show));
    }
}

fn version(doc: &Doc, ctx: &mut Ctx) {
    let Some(l) = legacy(doc, ctx) else { return };
    if let (Some(v), Some(changes)) = (l.version, l.upgrade) {
        ctx.violation(
            &Ptr::root(),
            format!("an Open Badges {} document: judged as upgraded to OB 2.0", v.as_str()),
        )
        .expected("an Open Badges 2.0 document")
        .found(format!("Open Badges {}", v.as_str()))
        .evidence("upgrade", changes.join("; "))
        .hint("re-issue the badge as OB 2.0 (or OB 3.0); verifiers upgrade older badges, but not all do");
    }
}

fn assertion(doc: &Doc, ctx: &mut Ctx) {
    let Some(l) = legacy(doc, ctx) else { return };
    if doc.root.get("revoked").and_then(Value::as_bool) == Some(true) {
        ctx.not_applicable("a revoked assertion needs only its id and revoked (OB20-VER-006 reports it)");
        return;
    }
    shape(l, ctx, &[Class::Assertion]);
}

fn identity(doc: &Doc, ctx: &mut Ctx) {
    let Some(l) = legacy(doc, ctx) else { return };
    let before = ctx.findings_len();
    shape(l, ctx, &[Class::IdentityObject]);
    if ctx.findings_len() > before {
        return;
    }
    for node in l.walk.nodes_of(Class::IdentityObject) {
        identity_rules(ctx, &node.ptr, node.value);
    }
}

/// The IdentityObject rules OB 2.0 and CLR 1.0 share: hashed ⇒ hash-shaped, unhashed ⇒ not, plaintext email.
pub(crate) fn identity_rules(ctx: &mut Ctx, at: &Ptr, value: &Value) {
    let Some(identity) = value.get("identity").and_then(Value::as_str) else {
        return;
    };
    let hashed = value.get("hashed").and_then(Value::as_bool);
    let shaped = crate::lexical::identity_hash(&identity.to_ascii_lowercase());
    let kind = value.get("type").and_then(Value::as_str).unwrap_or_default();
    match (hashed, shaped) {
        (Some(true), Err(why)) => {
            ctx.violation(
                &at.key("identity"),
                format!("a hashed identity must be sha256$<hex> or md5$<hex>: {why}"),
            )
            .expected("sha256$<64 hex digits> or md5$<32 hex digits>")
            .found(identity.to_string());
        }
        (Some(false), Ok(())) => {
            ctx.violation(&at.key("identity"), "hashed is false, but the identity is a hash")
                .expected("the plain identifier, or hashed: true")
                .found(identity.to_string());
        }
        (Some(false), Err(_)) if kind == "email" && !super::legacy::email(identity) => {
            ctx.violation(
                &at.key("identity"),
                "an unhashed email identity must be an email address",
            )
            .expected("name@example.org")
            .found(identity.to_string());
        }
        _ => {}
    }
}

fn verification_object(doc: &Doc, ctx: &mut Ctx) {
    let Some(l) = legacy(doc, ctx) else { return };
    let before = ctx.findings_len();
    shape(l, ctx, &[Class::VerificationObject]);
    if ctx.findings_len() > before {
        return;
    }
    let Some(v) = doc.root.get("verification") else { return };
    let kind = v
        .get("type")
        .and_then(single)
        .and_then(Value::as_str)
        .unwrap_or_default();
    let id = doc.root.get("id").and_then(Value::as_str).unwrap_or_default();
    // An OB 0.5 badge has no id: the upgrade gives it a blank node, which is not the document's fault.
    let blank = id.starts_with("_:") && l.upgrade.is_some();
    if matches!(kind, "HostedBadge" | "hosted") && !l.jws && !blank && super::legacy::http_url(id).is_err() {
        ctx.violation(
            &Ptr::root().key("id"),
            "a hosted document's id must be the http(s) URL it is served at",
        )
        .expected("an http(s) URL")
        .found(id.to_string())
        .hint("use SignedBadge verification for an id that is not a URL (urn:uuid:…)");
    }
}

fn badge_class(doc: &Doc, ctx: &mut Ctx) {
    let Some(l) = legacy(doc, ctx) else { return };
    shape(l, ctx, &[Class::BadgeClass]);
}

fn profile(doc: &Doc, ctx: &mut Ctx) {
    let Some(l) = legacy(doc, ctx) else { return };
    let before = ctx.findings_len();
    shape(l, ctx, &[Class::Profile]);
    if ctx.findings_len() > before {
        return;
    }
    // As an issuer, a Profile needs what lets a viewer know and reach the issuer.
    for node in l.walk.nodes_of(Class::Profile) {
        for prop in ["name", "url", "email"] {
            let present = node
                .value
                .get(prop)
                .is_some_and(|v| !v.is_null() && v.as_str() != Some(""));
            if !present {
                ctx.violation(&node.ptr, format!("the issuer Profile has no {prop}"))
                    .expected(format!("a {prop}"))
                    .found("absent");
            }
        }
    }
}

fn criteria(doc: &Doc, ctx: &mut Ctx) {
    let Some(l) = legacy(doc, ctx) else { return };
    let mut any = false;
    for node in l.walk.nodes_of(Class::Criteria) {
        any = true;
        let has = |k: &str| {
            node.value
                .get(k)
                .is_some_and(|v| v.as_str().is_some_and(|s| !s.is_empty()))
        };
        if !has("id") && !has("narrative") {
            ctx.violation(&node.ptr, "embedded criteria without an id must have a narrative")
                .expected("a narrative (Markdown) or the id of a criteria page")
                .found(show(node.value));
        }
    }
    if !any {
        ctx.not_applicable("no embedded criteria");
    }
}

fn alignment(doc: &Doc, ctx: &mut Ctx) {
    let Some(l) = legacy(doc, ctx) else { return };
    shape(l, ctx, &[Class::Alignment]);
}

fn images(doc: &Doc, ctx: &mut Ctx) {
    let Some(l) = legacy(doc, ctx) else { return };
    let mut any = false;
    for field in l.walk.fields.iter().filter(|f| f.prop.name == "image") {
        let Some(url) = ref_id(field.value) else { continue };
        any = true;
        let Some(media) = url.strip_prefix("data:") else {
            continue;
        };
        let mime = media.split([';', ',']).next().unwrap_or_default().to_ascii_lowercase();
        match field.owner {
            Class::Assertion => {
                ctx.violation(&field.ptr, "an Assertion's image must be a URL, not a data URI")
                    .expected("an http(s) URL of the (baked) image")
                    .found(format!("data:{mime}…"));
            }
            _ if mime != "image/png" && mime != "image/svg+xml" => {
                ctx.violation(&field.ptr, format!("a badge image must be PNG or SVG, not {mime}"))
                    .expected("data:image/png or data:image/svg+xml")
                    .found(format!("data:{mime}…"));
            }
            _ => {}
        }
    }
    if !any {
        ctx.not_applicable("no images");
    }
}

fn all_values(doc: &Doc, ctx: &mut Ctx) {
    let Some(l) = legacy(doc, ctx) else { return };
    values(l, ctx);
}

fn issuer_http(doc: &Doc, ctx: &mut Ctx) {
    let Some(l) = legacy(doc, ctx) else { return };
    let mut any = false;
    let ids = l
        .walk
        .fields
        .iter()
        .filter(|f| f.prop.name == "issuer" && f.owner == Class::BadgeClass)
        .filter_map(|f| Some((f.ptr.clone(), ref_id(f.value)?)))
        .chain(
            l.walk
                .nodes_of(Class::Profile)
                .filter_map(|n| Some((n.ptr.key("id"), n.value.get("id")?.as_str()?))),
        )
        .collect::<Vec<_>>();
    let mut seen = std::collections::BTreeSet::new();
    for (ptr, id) in ids {
        any = true;
        if seen.insert(id) && super::legacy::http_url(id).is_err() {
            ctx.violation(&ptr, "the issuer is not identified by an http(s) URL")
                .expected("the https URL the issuer Profile is hosted at")
                .found(id.to_string())
                .hint("verifiers fetch the issuer from its id to learn its keys and hosting policy");
        }
    }
    if !any {
        ctx.not_applicable("no issuer");
    }
}

fn policy(doc: &Doc, ctx: &mut Ctx) {
    let Some(l) = legacy(doc, ctx) else { return };
    let mut any = false;
    for node in l.walk.nodes_of(Class::VerificationPolicy) {
        any = true;
        if let Some(p) = node.value.get("verificationProperty").and_then(Value::as_str)
            && p != "id"
        {
            ctx.violation(
                &node.ptr.key("verificationProperty"),
                "the only verificationProperty defined is id",
            )
            .expected("\"id\"")
            .found(format!("{p:?}"));
        }
        let origins = node.value.get("allowedOrigins");
        for (i, origin) in origins
            .map(|o| match o {
                Value::Array(a) => a.iter().collect(),
                other => vec![other],
            })
            .unwrap_or_default()
            .into_iter()
            .enumerate()
        {
            let Some(o) = origin.as_str() else { continue };
            if !host_name(o) {
                let at = if origins.is_some_and(Value::is_array) {
                    node.ptr.key("allowedOrigins").index(i)
                } else {
                    node.ptr.key("allowedOrigins")
                };
                ctx.violation(&at, "allowedOrigins holds bare host names")
                    .expected("a host name such as badges.example.org (no scheme, port or path)")
                    .found(o.to_string());
            }
        }
    }
    if !any {
        ctx.not_applicable("no issuer verification policy (the default applies: the issuer id's origin)");
    }
}

/// A DNS host name as OB 2.0's allowedOrigins wants it: labels of letters, digits and hyphens, a TLD of letters.
fn host_name(s: &str) -> bool {
    let labels: Vec<&str> = s.split('.').collect();
    (4..=253).contains(&s.len())
        && labels.len() >= 2
        && labels.iter().all(|l| {
            (1..=63).contains(&l.len())
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
        && labels
            .last()
            .is_some_and(|t| t.len() >= 2 && t.bytes().all(|b| b.is_ascii_alphabetic()))
}

fn endorsement(doc: &Doc, ctx: &mut Ctx) {
    let Some(l) = legacy(doc, ctx) else { return };
    shape(l, ctx, &[Class::Endorsement, Class::EndorsementClaim]);
}

fn key(doc: &Doc, ctx: &mut Ctx) {
    let Some(l) = legacy(doc, ctx) else { return };
    let before = ctx.findings_len();
    shape(l, ctx, &[Class::CryptographicKey]);
    if ctx.findings_len() > before {
        return;
    }
    for node in l.walk.nodes_of(Class::CryptographicKey) {
        let Some(pem) = node.value.get("publicKeyPem").and_then(Value::as_str) else {
            continue;
        };
        if !(pem.contains("-----BEGIN PUBLIC KEY-----") || pem.contains("-----BEGIN RSA PUBLIC KEY-----")) {
            ctx.violation(&node.ptr.key("publicKeyPem"), "publicKeyPem is not a PEM public key")
                .expected("-----BEGIN PUBLIC KEY----- … -----END PUBLIC KEY-----")
                .found(show(&Value::String(pem.chars().take(60).collect())));
        }
    }
}

fn revocation_list(doc: &Doc, ctx: &mut Ctx) {
    let Some(l) = legacy(doc, ctx) else { return };
    let before = ctx.findings_len();
    shape(l, ctx, &[Class::RevocationList]);
    if ctx.findings_len() > before {
        return;
    }
    let at = Ptr::root().key("revokedAssertions");
    let items: Vec<&Value> = match doc.root.get("revokedAssertions") {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(other) => vec![other],
        None => Vec::new(),
    };
    for (i, entry) in items.into_iter().enumerate() {
        let ok = match entry {
            Value::String(s) => !s.is_empty(),
            Value::Object(o) => {
                o.get("id").and_then(Value::as_str).is_some() || o.get("uid").and_then(Value::as_str).is_some()
            }
            _ => false,
        };
        if !ok {
            ctx.violation(
                &at.index(i),
                "a revocation entry is an assertion id or an object with an id",
            )
            .expected("\"urn:uuid:…\" or {\"id\": …, \"revocationReason\": …}")
            .found(show(entry));
        }
    }
}

fn key_owner(doc: &Doc, ctx: &mut Ctx) {
    with_report(doc, ctx, |r, ctx| step(ctx, &r.key_owner));
}
fn linked(doc: &Doc, ctx: &mut Ctx) {
    with_report(doc, ctx, |r, ctx| step(ctx, &r.linked));
}
fn image_fetch(doc: &Doc, ctx: &mut Ctx) {
    with_report(doc, ctx, |r, ctx| step(ctx, &r.image));
}

fn timestamps(doc: &Doc, ctx: &mut Ctx) {
    if !dates(ctx, doc.root, &Ptr::root(), doc.env.now) {
        ctx.not_applicable("no issuedOn or expires to judge (their form is OB20-DM-011's)");
    }
}

/// issuedOn ≤ now ≤ expires, and issuedOn ≤ expires, for one assertion at `at` (shared with CLR 1.0); false when
/// it has neither date in a readable form.
pub(crate) fn dates(ctx: &mut Ctx, assertion: &Value, at: &Ptr, now: i64) -> bool {
    let instant = |k: &str| {
        let s = assertion.get(k).and_then(single)?.as_str()?;
        super::legacy::date_time(s).ok()?;
        let s = super::legacy::rfc3339_offset(s);
        crate::datetime::epoch_seconds(&s).map(|t| (t as i64, s))
    };
    let now_text = crate::datetime::rfc3339(now);
    let issued = instant("issuedOn");
    let expires = instant("expires");
    if issued.is_none() && expires.is_none() {
        return false;
    }
    if let Some((t, s)) = &issued
        && *t > now
    {
        ctx.violation(&at.key("issuedOn"), format!("issuedOn {s} is in the future"))
            .expected(format!("an instant before now ({now_text})"))
            .found(s.clone());
    }
    if let Some((t, s)) = &expires {
        if *t < now {
            ctx.violation(&at.key("expires"), format!("expired on {s}"))
                .expected(format!("an expiry after now ({now_text})"))
                .found(s.clone());
        }
        if let Some((i, is)) = &issued
            && t < i
        {
            ctx.violation(&at.key("expires"), "the expiration is prior to the issue date")
                .expected(format!("an expiry after issuedOn {is}"))
                .found(s.clone());
        }
    }
    true
}

fn recipient(doc: &Doc, ctx: &mut Ctx) {
    let Some(expected) = &doc.env.recipient else {
        ctx.not_applicable("no expected recipient given (--recipient)");
        return;
    };
    let Some(r) = doc.root.get("recipient").filter(|r| r.is_object()) else {
        ctx.not_applicable("no recipient IdentityObject (OB20-DM-003 reports it)");
        return;
    };
    recipient_matches(ctx, r, &Ptr::root().key("recipient"), &expected.kind, &expected.value);
}

/// Whether an IdentityObject `r` is `kind` (`--recipient`'s type, `emailAddress` for email) and names `value`.
pub(crate) fn recipient_matches(ctx: &mut Ctx, r: &Value, at: &Ptr, kind: &str, value: &str) {
    let want = match kind {
        "emailAddress" => "email",
        "phone" => "telephone",
        other => other,
    };
    let ty = r.get("type").and_then(Value::as_str).unwrap_or_default();
    let identity = r.get("identity").and_then(Value::as_str).unwrap_or_default();
    if ty != want {
        ctx.violation(
            &at.key("type"),
            format!("the recipient is identified by {ty:?}, not by {want:?}"),
        )
        .expected(format!("recipient type {want}"))
        .found(ty.to_string());
        return;
    }
    let matches = if r.get("hashed").and_then(Value::as_bool) == Some(true) {
        let salt = r.get("salt").and_then(Value::as_str).unwrap_or_default();
        let lowered = identity.to_ascii_lowercase();
        let alg = lowered.split('$').next().unwrap_or_default();
        crate::verify::identity_hash(alg, value, salt).is_some_and(|h| h == lowered)
    } else {
        identity == value
    };
    if !matches {
        let how = if r.get("hashed").and_then(Value::as_bool) == Some(true) {
            "the hash of the expected identifier (followed by the salt) differs from the identity"
        } else {
            "the identity differs from the expected identifier"
        };
        ctx.violation(&at.key("identity"), format!("the recipient does not match: {how}"))
            .expected(value.to_string())
            .found(identity.to_string());
    }
}
