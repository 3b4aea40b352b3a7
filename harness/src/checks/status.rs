//! Verification steps that need the issuer's services: refresh (1EdTechCredentialRefresh) and status
//! (1EdTechRevocationList, BitstringStatusListEntry). They judge what the gather phase fetched under the run's
//! policy ([`crate::services`]) and do no I/O: a fetch the policy did not allow is a Skip with the reason, a service
//! that could not be reached a warning (the credential's status is unknown, not bad), and every exchange is attached
//! to the finding.

use std::io::Read;

use clr_reports::Level::{Info, Must};
use clr_reports::Outcome;
use serde_json::Value;

use super::{ALL_KINDS, Ctx, Doc, Ptr, rule, show};
use crate::check::declare_checks;
use crate::fetch::{FetchError, Fetched};
use crate::services::{ServiceFetch, bitstring_entry, refresh_url, status_list};
use crate::vocab::{self, links};

/// Largest decompressed bitstring status list accepted (a gzip bomb stops here).
const MAX_BITSTRING_BYTES: u64 = 8 * 1024 * 1024;

declare_checks! {
    list CHECKS;
    OB30_VER_001 = rule(
        "OB30-VER-001",
        "refresh service yields a verifiable credential",
        "After a valid proof, and at most once, a 1EdTechCredentialRefresh service is asked for the current credential; a refreshed credential must verify, and on any failure the original is kept (informational).",
        links::OB_VERIFICATION,
        Info,
        ALL_KINDS,
        refresh,
    )
    .in_area("verification");
    OB30_VER_002 = rule(
        "OB30-VER-002",
        "credential is not revoked",
        "A credential whose credentialStatus is a 1EdTechRevocationList listing its id (revoked absent or true), or a BitstringStatusListEntry whose bit is set for revocation/suspension, is not valid.",
        links::OB_VERIFICATION,
        Must,
        ALL_KINDS,
        status,
    )
    .in_area("verification");
}

/// What the gather phase fetched for `url`: the body on success; a refused fetch becomes a Skip, a failed one a
/// warning. `None` when nothing usable was fetched (the reason is reported).
fn gathered<'s>(ctx: &mut Ctx, fetch: Option<&'s ServiceFetch>, at: &Ptr, url: &str) -> Option<&'s Fetched> {
    let Some(fetch) = fetch.filter(|f| f.url == url) else {
        ctx.skipped(format!("{url} was not fetched in this run"));
        return None;
    };
    let (what, attempt) = (fetch.what, &fetch.attempt);
    match &attempt.result {
        Ok(f) => Some(f),
        Err(FetchError::NotAllowed { reason, .. }) => {
            ctx.skipped(format!(
                "the {what} at {url} was not fetched: {reason} (pass --allow-fetch or --allow-host)"
            ));
            None
        }
        Err(e) => {
            ctx.push_finding(clr_reports::Finding {
                outcome: Outcome::Warn,
                message: format!("the {what} could not be fetched, so the result is unknown: {e}"),
                location: clr_reports::Location::pointer(at.as_str()),
                expected: Some(format!("a {what} at {url}")),
                actual: attempt
                    .exchange
                    .error
                    .clone()
                    .or_else(|| attempt.exchange.status.map(|s| format!("HTTP {s}"))),
                evidence: vec![],
                exchanges: vec![attempt.exchange.id.clone()],
                hint: None,
            });
            None
        }
    }
}

fn refresh(doc: &Doc, ctx: &mut Ctx) {
    let Some(service) = doc.root.get("refreshService") else {
        ctx.not_applicable("no refreshService");
        return;
    };
    let at = Ptr::root().key("refreshService");
    if service.get("type").and_then(Value::as_str) != Some(vocab::CREDENTIAL_REFRESH_TYPE) {
        ctx.not_applicable(format!("refreshService type is not {}", vocab::CREDENTIAL_REFRESH_TYPE));
        return;
    }
    let (Some(services), Some(proofs)) = (doc.services, doc.proofs) else {
        ctx.not_applicable("proofs are not verified in this run (refresh follows a valid proof)");
        return;
    };
    if !proofs.any_valid() {
        ctx.not_applicable("refresh is attempted only after a valid proof, and this credential has none");
        return;
    }
    let Some(url) = refresh_url(doc.root) else {
        ctx.not_applicable("refreshService has no id (see OB30-DM-027)");
        return;
    };
    let Some(fetched) = gathered(ctx, services.refresh.as_ref(), &at, url) else {
        return;
    };
    let refreshed: Option<Value> = serde_json::from_slice(&fetched.bytes).ok();
    let report = services.refreshed_proofs.as_ref();
    match (refreshed.as_ref(), report) {
        (Some(r), Some(report)) if report.any_valid() => {
            let newer = r.get("validFrom").map(show).unwrap_or_else(|| "no validFrom".into());
            ctx.note(
                &at,
                "the refresh service returned a credential that verifies; a verifier continues with it",
            )
            .found(format!("validFrom {newer}"))
            .exchanges(vec![fetched.exchange_id.clone()]);
        }
        _ => {
            ctx.violation(
                &at,
                "the refresh service's answer is not a verifiable credential; the original is kept",
            )
            .expected("a credential with a valid proof")
            .found(String::from_utf8_lossy(&fetched.bytes[..fetched.bytes.len().min(200)]).to_string())
            .exchanges(vec![fetched.exchange_id.clone()]);
        }
    }
}

fn status(doc: &Doc, ctx: &mut Ctx) {
    let Some(entry) = doc.root.get("credentialStatus") else {
        ctx.not_applicable("no credentialStatus");
        return;
    };
    let at = Ptr::root().key("credentialStatus");
    let Some(services) = doc.services else {
        ctx.not_applicable("verification is off in this run (--no-proofs)");
        return;
    };
    let list = services.status_list.as_ref();
    match entry.get("type").and_then(Value::as_str) {
        Some(vocab::REVOCATION_LIST_TYPE) => revocation_list(doc, ctx, list, entry, &at),
        Some(vocab::BITSTRING_STATUS_TYPE) => bitstring(ctx, list, entry, &at),
        other => ctx.not_applicable(format!(
            "status type {} is not one this tool checks",
            other.unwrap_or("(none)")
        )),
    }
}

/// 1EdTechRevocationList: `{"revokedCredential": [{"id", "revoked"?, "revocationReason"?}]}`.
fn revocation_list(doc: &Doc, ctx: &mut Ctx, list: Option<&ServiceFetch>, entry: &Value, at: &Ptr) {
    let Some((url, ..)) = status_list(entry) else {
        ctx.not_applicable("credentialStatus has no id (see OB30-DM-018)");
        return;
    };
    let Some(fetched) = gathered(ctx, list, at, url) else {
        return;
    };
    let list: Option<Value> = serde_json::from_slice(&fetched.bytes).ok();
    let Some(revoked) = list
        .as_ref()
        .and_then(|l| l.get("revokedCredential"))
        .and_then(Value::as_array)
    else {
        ctx.push_finding(clr_reports::Finding {
            outcome: Outcome::Warn,
            message: "the revocation list is not a 1EdTechRevocationList, so the status is unknown".into(),
            location: clr_reports::Location::pointer(at.as_str()),
            expected: Some("{\"revokedCredential\": [ … ]}".into()),
            actual: Some(String::from_utf8_lossy(&fetched.bytes[..fetched.bytes.len().min(200)]).to_string()),
            evidence: vec![],
            exchanges: vec![fetched.exchange_id.clone()],
            hint: None,
        });
        return;
    };
    let id = doc.root.get("id").and_then(Value::as_str).unwrap_or_default();
    let hit = revoked.iter().find(|r| {
        r.get("id")
            .and_then(Value::as_str)
            .is_some_and(|rid| rid.trim() == id.trim())
    });
    if let Some(r) = hit
        && r.get("revoked").and_then(Value::as_bool) != Some(false)
    {
        let reason = r
            .get("revocationReason")
            .and_then(Value::as_str)
            .unwrap_or("no reason given");
        ctx.violation(at, "the credential has been revoked by its issuer")
            .expected("the credential's id absent from the revocation list (or revoked: false)")
            .found(format!("listed: {reason}"))
            .exchanges(vec![fetched.exchange_id.clone()]);
    }
}

/// BitstringStatusListEntry: the bit at `statusListIndex` of the list credential's GZIP'd, multibase base64url
/// `encodedList`.
fn bitstring(ctx: &mut Ctx, list: Option<&ServiceFetch>, entry: &Value, at: &Ptr) {
    let purpose = entry
        .get("statusPurpose")
        .and_then(Value::as_str)
        .unwrap_or("revocation");
    let Some((index, url)) = bitstring_entry(entry) else {
        ctx.violation(
            at,
            "a BitstringStatusListEntry needs statusListIndex and statusListCredential",
        )
        .found(show(entry));
        return;
    };
    let Some(fetched) = gathered(ctx, list, at, url) else {
        return;
    };
    let encoded = serde_json::from_slice::<Value>(&fetched.bytes).ok().and_then(|v| {
        v.pointer("/credentialSubject/encodedList")
            .and_then(Value::as_str)
            .map(str::to_owned)
    });
    let bits = encoded
        .as_deref()
        .ok_or_else(|| "no credentialSubject.encodedList".to_string())
        .and_then(decode_bitstring);
    match bits {
        Err(why) => {
            ctx.push_finding(clr_reports::Finding {
                outcome: Outcome::Warn,
                message: format!("the status list could not be read, so the status is unknown: {why}"),
                location: clr_reports::Location::pointer(at.as_str()),
                expected: None,
                actual: None,
                evidence: vec![],
                exchanges: vec![fetched.exchange_id.clone()],
                hint: None,
            });
        }
        Ok(bits) => {
            let byte = usize::try_from(index / 8).ok().and_then(|i| bits.get(i));
            match byte {
                None => {
                    ctx.violation(at, "statusListIndex is beyond the end of the status list")
                        .expected(format!("an index below {}", bits.len() * 8))
                        .found(index.to_string())
                        .exchanges(vec![fetched.exchange_id.clone()]);
                }
                Some(b) if b & (0x80 >> (index % 8)) != 0 => {
                    ctx.violation(at, format!("the status list sets this credential's bit: {purpose}"))
                        .expected("bit 0 (not revoked or suspended)")
                        .found(format!("bit {index} is 1 ({purpose})"))
                        .exchanges(vec![fetched.exchange_id.clone()]);
                }
                Some(_) => {}
            }
        }
    }
}

/// Multibase base64url (`u…`) → GZIP → bytes, capped.
pub fn decode_bitstring(encoded: &str) -> Result<Vec<u8>, String> {
    use base64::Engine;
    let b64 = encoded.strip_prefix('u').unwrap_or(encoded);
    let gz = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(b64.trim_end_matches('='))
        .map_err(|e| format!("encodedList is not base64url: {e}"))?;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(gz.as_slice())
        .take(MAX_BITSTRING_BYTES + 1)
        .read_to_end(&mut out)
        .map_err(|e| format!("encodedList is not GZIP data: {e}"))?;
    if out.len() as u64 > MAX_BITSTRING_BYTES {
        return Err(format!("the decompressed list exceeds {MAX_BITSTRING_BYTES} bytes"));
    }
    Ok(out)
}
