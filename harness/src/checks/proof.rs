//! Proof checks: is there a proof, is each Data Integrity proof complete and current, does its verification method
//! resolve to a key held by the issuer, and does the signature verify over the RDFC-1.0 canonical form.
//!
//! The expensive work (key resolution, canonicalization, signature) is done once per credential by
//! [`crate::verify::verify_proofs`]; these checks only report its parts, each as its own catalogue entry.

use clr_reports::Level::{Must, Should};

use super::{ALL_KINDS, Ctx, Doc, Ptr, rule};
use crate::check::Check;
use crate::check::declare_checks;
use crate::proof::di::{DiError, Suite};
use crate::verify::{DiResult, KeyOutcome};
use crate::vocab::links;

const fn proof_rule(
    id: &'static str,
    title: &'static str,
    requirement: &'static str,
    level: clr_reports::Level,
    run: fn(&Doc, &mut Ctx),
) -> Check {
    rule(id, title, requirement, links::OB_PROOF_FORMATS, level, ALL_KINDS, run).in_area("proof")
}

declare_checks! {
    list CHECKS;
    OB30_PRF_001 = proof_rule(
        "OB30-PRF-001",
        "credential carries a proof",
        "At least one proof mechanism is expressed: an embedded proof, or the credential is a VC-JWT.",
        Must,
        has_proof,
    );
    OB30_PRF_002 = proof_rule(
        "OB30-PRF-002",
        "Data Integrity proofs are complete",
        "Each embedded proof is a DataIntegrityProof with a supported cryptosuite (eddsa-rdfc-2022), created, verificationMethod, proofPurpose and a proofValue that is z-base58btc of a 64-byte signature.",
        Must,
        proof_complete,
    );
    OB30_PRF_003 = proof_rule(
        "OB30-PRF-003",
        "proofs use a current cryptosuite",
        "Proofs SHOULD use eddsa-rdfc-2022; the deprecated eddsa-2022 and Ed25519Signature2020 are verified with a warning.",
        Should,
        proof_current,
    );
    OB30_PRF_004 = proof_rule(
        "OB30-PRF-004",
        "verificationMethod resolves to a key",
        "Each proof's verificationMethod resolves to an Ed25519 public key (a <controller>#<multibase> fragment, did:key, did:web, or an HTTPS controller or Multikey document).",
        Must,
        key_resolves,
    );
    OB30_PRF_005 = proof_rule(
        "OB30-PRF-005",
        "Data Integrity signature verifies",
        "The proof's signature verifies over SHA-256(RDFC-1.0(proof configuration)) ‖ SHA-256(RDFC-1.0(document)), computed with the embedded JSON-LD contexts.",
        Must,
        signature_verifies,
    );
    OB30_PRF_006 = proof_rule(
        "OB30-PRF-006",
        "the key belongs to the issuer",
        "The verification method's controller SHOULD be the credential's issuer (key provenance).",
        Should,
        key_provenance,
    );
}

fn results<'a>(doc: &'a Doc) -> &'a [DiResult] {
    doc.proofs.map(|p| p.embedded.as_slice()).unwrap_or(&[])
}

fn has_proof(doc: &Doc, ctx: &mut Ctx) {
    let Some(report) = doc.proofs else {
        ctx.not_applicable("proof checks are off for this run");
        return;
    };
    if report.embedded.is_empty() && !report.is_jwt {
        ctx.violation(&Ptr::root(), "the credential carries no proof")
            .expected("an embedded proof (DataIntegrityProof, eddsa-rdfc-2022) or the credential signed as a VC-JWT")
            .found("no `proof` property, and not a compact JWS")
            .hint("sign it: `clr-harness sign --key KEY.json credential.json`");
    }
}

fn no_embedded(ctx: &mut Ctx, doc: &Doc) -> bool {
    if results(doc).is_empty() {
        ctx.not_applicable(if doc.proofs.is_some_and(|p| p.is_jwt) {
            "no embedded proof (the credential is a VC-JWT)"
        } else {
            "no embedded proof"
        });
        true
    } else {
        false
    }
}

fn proof_complete(doc: &Doc, ctx: &mut Ctx) {
    if no_embedded(ctx, doc) {
        return;
    }
    for r in results(doc) {
        if let Err(e) = &r.shape {
            let report = ctx.violation(&r.ptr, format!("the proof cannot be verified: {e}"));
            let report = match e {
                DiError::UnsupportedCryptosuite { found } => {
                    report.expected("cryptosuite eddsa-rdfc-2022").found(found.clone())
                }
                DiError::UnsupportedProofType { found } => {
                    report.expected("type DataIntegrityProof").found(found.clone())
                }
                DiError::ProofValueNotMultibaseZ { found } => {
                    report.expected("z followed by base58btc").found(found.clone())
                }
                DiError::ProofValueLength { len } => report
                    .expected("64 bytes (an Ed25519 signature)")
                    .found(format!("{len} bytes")),
                _ => report,
            };
            if let DiError::SuiteContextMissing { .. } = e {
                report.hint("add https://www.w3.org/ns/credentials/v2 (which defines DataIntegrityProof) to @context");
            }
        }
    }
}

fn proof_current(doc: &Doc, ctx: &mut Ctx) {
    if no_embedded(ctx, doc) {
        return;
    }
    for r in results(doc) {
        if let Some(suite) = r.entry.suite.filter(|s| s.is_legacy()) {
            ctx.violation(&r.ptr, format!("{} is a deprecated proof suite", suite.name()))
                .expected(Suite::EddsaRdfc2022.name())
                .found(suite.name());
        }
    }
}

fn key_resolves(doc: &Doc, ctx: &mut Ctx) {
    if no_embedded(ctx, doc) {
        return;
    }
    let mut skipped = Vec::new();
    for r in results(doc) {
        match &r.key {
            KeyOutcome::Resolved { .. } | KeyOutcome::NotAttempted => {}
            KeyOutcome::Skipped(why) => skipped.push(why.clone()),
            KeyOutcome::Failed {
                message,
                trace,
                exchanges,
                transport,
            } => {
                let vm = r
                    .entry
                    .verification_method
                    .clone()
                    .unwrap_or_else(|| "no verificationMethod".into());
                let at = r.ptr.key("verificationMethod");
                let ids: Vec<String> = exchanges.iter().map(|x| x.id.clone()).collect();
                if *transport {
                    // The harness could not get an answer: an Error, never a verdict on the credential.
                    ctx.push_finding(clr_reports::Finding {
                        outcome: clr_reports::Outcome::Error,
                        message: format!("could not fetch the key: {message}"),
                        location: clr_reports::Location::pointer(at.as_str()),
                        expected: None,
                        actual: Some(vm),
                        evidence: trace.clone(),
                        exchanges: ids,
                        hint: None,
                    });
                    continue;
                }
                let mut report = ctx
                    .violation(
                        &at,
                        format!("the verification method does not resolve to a key: {message}"),
                    )
                    .found(vm);
                for e in trace {
                    report = report.evidence(e.label.clone(), e.value.clone());
                }
                report.exchanges(ids);
            }
        }
    }
    if !skipped.is_empty() {
        ctx.skipped(skipped.join("; "));
    }
}

fn signature_verifies(doc: &Doc, ctx: &mut Ctx) {
    if no_embedded(ctx, doc) {
        return;
    }
    // Any one valid proof establishes the credential (OB 3.0 § Verification); a second proof that fails is worth
    // knowing, not a failure.
    let one_valid = results(doc).iter().any(|r| matches!(r.verified, Some(Ok(_))));
    let mut not_run = Vec::new();
    for r in results(doc) {
        match &r.verified {
            None => not_run.push(format!("proof {}: no key to verify with", r.entry.index)),
            Some(Ok(_)) => {}
            Some(Err(DiError::SignatureMismatch { transcript })) => {
                let at = r.ptr.key("proofValue");
                let message = "the signature does not verify: the credential or its proof was changed after signing, or signed with another key";
                let report = if one_valid {
                    ctx.note(&at, format!("{message} (another proof of this credential verifies)"))
                } else {
                    ctx.violation(&at, message)
                };
                report
                    .expected("a signature over the canonical hashes below")
                    .found("signature mismatch")
                    .evidence(
                        "SHA-256 of canonical proof configuration",
                        transcript.proof_config_hash.clone(),
                    )
                    .evidence("SHA-256 of canonical document", transcript.document_hash.clone())
                    .evidence("canonical document (N-Quads)", transcript.document_nquads.clone());
            }
            Some(Err(e)) if r.shape.is_err() => {
                // Already reported as incomplete (OB30-PRF-002); the signature could not be checked.
                not_run.push(format!("proof {}: {e}", r.entry.index));
            }
            Some(Err(e)) if one_valid => {
                ctx.note(
                    &r.ptr,
                    format!("the proof could not be verified: {e} (another proof of this credential verifies)"),
                );
            }
            Some(Err(e)) => {
                ctx.violation(&r.ptr, format!("the proof could not be verified: {e}"));
            }
        }
    }
    if ctx.findings_len() == 0 && !not_run.is_empty() {
        ctx.skipped(not_run.join("; "));
    }
}

fn key_provenance(doc: &Doc, ctx: &mut Ctx) {
    if no_embedded(ctx, doc) {
        return;
    }
    let issuer = crate::verify::issuer_id(doc.root);
    // Provenance is a fact about a resolved key: with none, there is nothing to judge, and no pass.
    let unresolved: Vec<String> = results(doc)
        .iter()
        .filter_map(|r| match &r.key {
            KeyOutcome::Resolved { .. } => None,
            KeyOutcome::Skipped(why) => Some(format!("proof {}: the key was not resolved: {why}", r.entry.index)),
            _ => Some(format!(
                "proof {}: the key was not resolved (see OB30-PRF-004)",
                r.entry.index
            )),
        })
        .collect();
    if unresolved.len() == results(doc).len() {
        ctx.skipped(unresolved.join("; "));
        return;
    }
    for r in results(doc) {
        if let KeyOutcome::Resolved {
            controller: Some(controller),
            controller_matches_issuer: Some(false),
            ..
        } = &r.key
        {
            ctx.violation(&r.ptr.key("verificationMethod"), "the key's controller is not the credential's issuer")
                .expected(issuer.clone().unwrap_or_else(|| "the issuer id".into()))
                .found(controller.clone())
                .hint("verifiers trust a key only when the issuer controls it: use a verification method under the issuer's id");
        }
    }
}
