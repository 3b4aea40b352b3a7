//! VC-JWT checks (OB 3.0 § JSON Web Token Proof Format): header, payload form, claims, key, signature and key
//! provenance, each its own catalogue entry. The verification itself ([`crate::proof::jwt`]) runs once per
//! credential; these checks report its parts.

use clr_reports::Level::{Must, Should};
use clr_reports::{Finding, Location, Outcome};

use super::{ALL_KINDS, Ctx, Doc, rule};
use crate::check::Check;
use crate::check::declare_checks;
use crate::proof::jwt::{JwtFinding, JwtRule, Verdict};
use crate::vocab::links;

const fn jwt_rule(
    id: &'static str,
    title: &'static str,
    requirement: &'static str,
    level: clr_reports::Level,
    run: fn(&Doc, &mut Ctx),
) -> Check {
    rule(id, title, requirement, links::OB_JWT_PROOF, level, ALL_KINDS, run).in_area("proof")
}

declare_checks! {
    list CHECKS;
    OB30_JWT_001 = jwt_rule(
        "OB30-JWT-001",
        "JOSE header is a VC-JWT header",
        "The header has a supported alg (never none), typ absent or \"JWT\", no members beyond alg, kid, jwk and typ, a kid or a jwk, and a jwk without private members.",
        Must,
        header,
    );
    OB30_JWT_002 = jwt_rule(
        "OB30-JWT-002",
        "alg is RS256",
        "Certification requires RS256; ES256 and EdDSA VC-JWTs are verified but are not certifiable.",
        Should,
        certifiable_alg,
    );
    OB30_JWT_003 = jwt_rule(
        "OB30-JWT-003",
        "payload is the VCDM 2.0 credential",
        "The JWT payload is the credential itself (VCDM 2.0), not a VCDM 1.1 `vc` claim (legacy, verified with a warning).",
        Should,
        payload_form,
    );
    OB30_JWT_004 = jwt_rule(
        "OB30-JWT-004",
        "JWT claims match the credential",
        "iss equals issuer.id, jti the credential id, sub credentialSubject.id, nbf validFrom, and exp validUntil when present.",
        Must,
        claims,
    );
    OB30_JWT_005 = jwt_rule(
        "OB30-JWT-005",
        "the signing key can be found",
        "The kid dereferences to a public JWK (URL of a JWK or JWKS, or a DID URL), or the header carries the jwk.",
        Must,
        key,
    );
    OB30_JWT_006 = jwt_rule(
        "OB30-JWT-006",
        "JWS signature verifies",
        "The compact JWS signature verifies with the resolved key over the encoded header and payload (RFC 7515).",
        Must,
        signature,
    );
    OB30_JWT_007 = jwt_rule(
        "OB30-JWT-007",
        "the key is published by the issuer",
        "The key SHOULD be controlled by the issuer and listed in the issuer's /.well-known/jwks.json (a JWK iss, if present, equals the issuer id).",
        Should,
        provenance,
    );
}

/// Reports the JWT results of `rules` (only the ones that are not passes): violations at the level the spec states
/// each rule (the collector decides the outcome), what could not be observed as a Skip, a harness failure as an
/// error.
fn report(doc: &Doc, ctx: &mut Ctx, rules: &[JwtRule], keep: impl Fn(&JwtFinding) -> bool) {
    let Some(jwt) = doc.proofs.and_then(|p| p.jwt.as_ref()) else {
        ctx.not_applicable("the credential is not a VC-JWT");
        return;
    };
    let mut skipped = Vec::new();
    for f in jwt.findings().filter(|f| rules.contains(&f.rule) && keep(f)) {
        match f.verdict {
            Verdict::Holds | Verdict::NotApplicable => {}
            Verdict::Unknown => skipped.push(f.message.clone()),
            Verdict::Violated(level) => ctx.push_violation(level, finding(f, Outcome::Fail)),
            Verdict::Error => ctx.push_finding(finding(f, Outcome::Error)),
        }
    }
    if !skipped.is_empty() {
        ctx.skipped(skipped.join("; "));
    }
}

/// The report finding of a verifier result; `at` becomes the location's layer (`compact JWS header/alg`).
fn finding(f: &JwtFinding, outcome: Outcome) -> Finding {
    Finding {
        outcome,
        message: f.message.clone(),
        location: Location {
            layer: f.at.as_ref().map(|a| format!("compact JWS {a}")),
            ..Location::default()
        },
        expected: f.expected.clone(),
        actual: f.actual.clone(),
        evidence: f.evidence.clone(),
        exchanges: f.exchanges.clone(),
        hint: None,
    }
}

fn header(doc: &Doc, ctx: &mut Ctx) {
    let rules = [
        JwtRule::Alg,
        JwtRule::Typ,
        JwtRule::HeaderMembers,
        JwtRule::KeyReference,
        JwtRule::JwkPublicOnly,
    ];
    // A non-certifiable but verified alg (ES256, EdDSA) is OB30-JWT-002's finding, not a header defect.
    report(doc, ctx, &rules, |f| {
        !(f.rule == JwtRule::Alg && f.verdict == Verdict::Violated(Should))
    });
}

fn certifiable_alg(doc: &Doc, ctx: &mut Ctx) {
    report(doc, ctx, &[JwtRule::Alg], |f| f.verdict == Verdict::Violated(Should));
}

fn payload_form(doc: &Doc, ctx: &mut Ctx) {
    report(doc, ctx, &[JwtRule::PayloadForm], |_| true);
}

fn claims(doc: &Doc, ctx: &mut Ctx) {
    report(
        doc,
        ctx,
        &[JwtRule::Iss, JwtRule::Jti, JwtRule::Sub, JwtRule::Nbf, JwtRule::Exp],
        |_| true,
    );
}

fn key(doc: &Doc, ctx: &mut Ctx) {
    report(doc, ctx, &[JwtRule::Key], |_| true);
}

fn signature(doc: &Doc, ctx: &mut Ctx) {
    report(doc, ctx, &[JwtRule::Signature], |_| true);
}

fn provenance(doc: &Doc, ctx: &mut Ctx) {
    report(doc, ctx, &[JwtRule::KeyController, JwtRule::IssuerJwks], |_| true);
}
