//! Proof mutation operators: each breaks one rule of a *signed* generated document — a claim changed after
//! signing, a wrong or foreign key, a proof for the wrong purpose, a validity window that has closed or not yet
//! opened, VC-JWT claims that disagree with the credential — and declares, exactly, which checks must trip where.
//!
//! They work on the two halves of [`super::sign`]: [`prepare`] (issuers renamed to DIDs, embedded credentials
//! signed) and [`sign_root`] (the document's own proof). An operator changes the prepared document and signs it
//! properly (the issuer meant it: expired, tampered nested credential), signs it improperly (wrong key, purpose or
//! claims), or changes the signed result (tampering after signing).

use std::collections::BTreeSet;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use super::choice::Chooser;
use super::mutate::Trip;
use super::sign::{
    Signing, ed25519_key, is_credential, jws_payload, key_reference, prepare, root_key, sign_di, sign_root,
};
use crate::catalogue::ids;
use crate::proof::di::{self, Suite};
use crate::proof::jwt;
use crate::proof::keyfile::KeyAlgorithm;
use crate::proof::multikey;
use crate::proof::sign::{SignError, Signed};

/// A signed mutant with the trips it must produce.
#[derive(Debug, Clone)]
pub struct SignedMutant {
    pub operator: &'static str,
    pub signed: Signed,
    /// What was changed, for failure messages and manifests.
    pub what: String,
    /// The exact set of (check, pointer) findings the checks must report, beside the signing's own
    /// ([`Signing::declared_trips`]).
    pub trips: BTreeSet<Trip>,
}

/// What an operator is given: the unsigned generated document, how to sign it, the key seed, and the instant the
/// mutant will be judged at (validity windows are set around it).
pub struct Input<'a> {
    pub doc: &'a serde_json::Value,
    pub signing: Signing,
    pub seed: u64,
    /// Seconds since the epoch; [`Input::at_epoch`] gives the generator's judging instant.
    pub now: i64,
}

impl Input<'_> {
    /// The generator's judging instant ([`super::EPOCH`]), as `validate --now 2025-12-01T00:00:00Z` judges.
    pub fn at_epoch() -> i64 {
        super::values::epoch_secs()
    }
}

/// A named proof mutation operator.
pub struct SignedOperator {
    pub name: &'static str,
    pub summary: &'static str,
    /// The checks it trips, in words.
    pub trips: &'static str,
    apply: fn(&Input, &mut Chooser) -> Result<Option<SignedMutant>, SignError>,
}

impl SignedOperator {
    /// Mutates the document at a site chosen by `ch`; `Ok(None)` when this signing or document has no site.
    pub fn apply(&self, input: &Input, ch: &mut Chooser) -> Result<Option<SignedMutant>, SignError> {
        (self.apply)(input, ch)
    }
}

/// Every proof operator.
pub static SIGNED_OPERATORS: &[SignedOperator] = &[
    SignedOperator {
        name: "tamper-claim",
        summary: "changes a claim of the signed credential (its name, or validFrom by one second) after signing",
        trips: "OB30-PRF-005 at /proof/proofValue (Data Integrity) or OB30-JWT-006 (VC-JWT)",
        apply: tamper_claim,
    },
    SignedOperator {
        name: "undefined-term",
        summary: "adds, after signing, a property no context defines (or a language map): JSON-LD would drop it silently, so only data loss detection keeps the signature from covering less than the document says",
        trips: "OB30-PRF-005 at /proof (Data Integrity: the document cannot be canonicalized without loss) or OB30-JWT-006 (VC-JWT: the payload changed)",
        apply: undefined_term,
    },
    SignedOperator {
        name: "tamper-proof-options",
        summary: "changes the proof's created by one second after signing (the proof options are signed too)",
        trips: "OB30-PRF-005 at /proof/proofValue",
        apply: tamper_proof_options,
    },
    SignedOperator {
        name: "tamper-embedded",
        summary: "changes an embedded endorsement or nested credential after its issuer signed it; the outer credential is signed over the change",
        trips: "OB30-PRF-005 (OB30-JWT-006 for an endorsementJwt) on the embedded credential, OB30-VER-005 at an endorsement or CLR20-VER-001 at a nested credential, and CLR20-VER-001 at the nested credential that holds a changed endorsement",
        apply: tamper_embedded,
    },
    SignedOperator {
        name: "wrong-key",
        summary: "signs with another key while naming the issuer's (Ed25519 signings)",
        trips: "OB30-PRF-005 at /proof/proofValue or OB30-JWT-006",
        apply: wrong_key,
    },
    SignedOperator {
        name: "stranger-key",
        summary: "signs with a stranger's did:key and names it: the signature verifies, the key is not the issuer's (Ed25519 signings)",
        trips: "OB30-PRF-006 at /proof/verificationMethod or OB30-JWT-007",
        apply: stranger_key,
    },
    SignedOperator {
        name: "wrong-proof-purpose",
        summary: "signs the Data Integrity proof for authentication instead of assertionMethod",
        trips: "OB30-DM-019 at /proof/proofPurpose",
        apply: wrong_proof_purpose,
    },
    SignedOperator {
        name: "expired",
        summary: "the issuer signs a credential whose validUntil (expirationDate) has passed at the judging instant",
        trips: "OB30-VER-003 at /validUntil (/expirationDate)",
        apply: expired,
    },
    SignedOperator {
        name: "not-yet-valid",
        summary: "the issuer signs a credential whose validFrom (issuanceDate) is after the judging instant",
        trips: "OB30-VER-003 at /validFrom (/issuanceDate)",
        apply: not_yet_valid,
    },
    SignedOperator {
        name: "jwt-claim-mismatch",
        summary: "signs a VC-JWT whose iss, jti, sub, nbf or exp claim disagrees with the credential",
        trips: "OB30-JWT-004",
        apply: jwt_claim_mismatch,
    },
    SignedOperator {
        name: "jwt-header",
        summary: "signs a VC-JWT whose header has a member beyond alg, kid, jwk and typ, or a typ other than JWT",
        trips: "OB30-JWT-001",
        apply: jwt_header,
    },
];

/// The operator named `name`.
pub fn signed_operator(name: &str) -> Option<&'static SignedOperator> {
    SIGNED_OPERATORS.iter().find(|o| o.name == name)
}

fn trip(check: &str, at: &str) -> Trip {
    (check.to_string(), at.to_string())
}

fn mutant(operator: &'static str, signed: Signed, what: impl Into<String>, trips: &[Trip]) -> Option<SignedMutant> {
    Some(SignedMutant {
        operator,
        signed,
        what: what.into(),
        trips: trips.iter().cloned().collect(),
    })
}

/// Where a signature failure is reported: at the proof for Data Integrity, at the document for a VC-JWT.
fn signature_trip(signing: Signing) -> Trip {
    match signing {
        Signing::DataIntegrity => trip(ids::OB30_PRF_005.id, "/proof/proofValue"),
        Signing::Jwt(_) => trip(ids::OB30_JWT_006.id, ""),
    }
}

fn is_ed25519(signing: Signing) -> bool {
    matches!(signing, Signing::DataIntegrity | Signing::Jwt(KeyAlgorithm::Ed25519))
}

/// The signed document with its payload changed by `change`, keeping the signature (a JWS keeps its header and
/// signature segments; a JSON document its proof).
fn change_signed(signed: &Signed, change: impl FnOnce(&mut Value)) -> Signed {
    match signed {
        Signed::Json(doc) => {
            let mut doc = doc.clone();
            change(&mut doc);
            Signed::Json(doc)
        }
        Signed::Jws(jws) => {
            let mut parts = jws.split('.');
            let (header, _, signature) = (parts.next(), parts.next(), parts.next());
            let mut payload = jws_payload(jws).unwrap_or(Value::Null);
            change(&mut payload);
            let encoded = URL_SAFE_NO_PAD.encode(payload.to_string());
            Signed::Jws(format!(
                "{}.{encoded}.{}",
                header.unwrap_or_default(),
                signature.unwrap_or_default()
            ))
        }
    }
}

fn tamper_claim(input: &Input, ch: &mut Chooser) -> Result<Option<SignedMutant>, SignError> {
    let (prepared, mut ring) = prepare(input.doc, input.signing, input.seed)?;
    let signed = sign_root(&prepared, input.signing, &mut ring)?;
    let date = ["validFrom", "issuanceDate"]
        .into_iter()
        .find(|m| prepared.get(*m).is_some());
    let has_name = prepared.get("name").is_some_and(Value::is_string);
    let (what, changed) = match (ch.below(2) == 0 || !has_name, date) {
        (true, Some(member)) => (
            format!("/{member} one second earlier"),
            change_signed(&signed, |d| {
                let earlier = d
                    .get(member)
                    .and_then(Value::as_str)
                    .and_then(crate::datetime::epoch_seconds)
                    .map(|s| crate::datetime::rfc3339(s as i64 - 1));
                if let (Some(earlier), Some(o)) = (earlier, d.as_object_mut()) {
                    o.insert(member.into(), json!(earlier));
                    // A VC-JWT's nbf follows validFrom, so only the signature is wrong.
                    if let Some(nbf) = o.get("nbf").and_then(Value::as_i64) {
                        o.insert("nbf".into(), json!(nbf - 1));
                    }
                }
            }),
        ),
        _ => (
            "/name changed".to_string(),
            change_signed(&signed, |d| {
                if let Some(name) = d.get("name").and_then(Value::as_str) {
                    d["name"] = json!(format!("{name} (changed)"));
                }
            }),
        ),
    };
    Ok(mutant("tamper-claim", changed, what, &[signature_trip(input.signing)]))
}

fn undefined_term(input: &Input, ch: &mut Chooser) -> Result<Option<SignedMutant>, SignError> {
    let (prepared, mut ring) = prepare(input.doc, input.signing, input.seed)?;
    let signed = sign_root(&prepared, input.signing, &mut ring)?;
    let (what, changed) = if ch.flag(50) {
        (
            "an undefined property favouriteColour added",
            change_signed(&signed, |d| {
                if let Some(o) = d.as_object_mut() {
                    o.insert("favouriteColour".into(), json!("teal"));
                }
            }),
        )
    } else {
        (
            "name turned into a language map",
            change_signed(&signed, |d| {
                // A VC-JWT document may already hold a language map there (nothing JSON-LD-processes it).
                let name = d.get("name").and_then(Value::as_str).unwrap_or("Name").to_string();
                if let Some(o) = d.as_object_mut() {
                    o.insert("name".into(), json!({"en": name, "fr": "Nom"}));
                }
            }),
        )
    };
    let at = match input.signing {
        Signing::DataIntegrity => trip(ids::OB30_PRF_005.id, "/proof"),
        Signing::Jwt(_) => trip(ids::OB30_JWT_006.id, ""),
    };
    Ok(mutant("undefined-term", changed, what, &[at]))
}

fn tamper_proof_options(input: &Input, _ch: &mut Chooser) -> Result<Option<SignedMutant>, SignError> {
    if input.signing != Signing::DataIntegrity {
        return Ok(None);
    }
    let (prepared, mut ring) = prepare(input.doc, input.signing, input.seed)?;
    let signed = sign_root(&prepared, input.signing, &mut ring)?;
    let changed = change_signed(&signed, |d| {
        let earlier = d
            .pointer("/proof/created")
            .and_then(Value::as_str)
            .and_then(crate::datetime::epoch_seconds)
            .map(|s| crate::datetime::rfc3339(s as i64 - 1));
        if let (Some(earlier), Some(created)) = (earlier, d.pointer_mut("/proof/created")) {
            *created = json!(earlier);
        }
    });
    Ok(mutant(
        "tamper-proof-options",
        changed,
        "/proof/created one second earlier",
        &[signature_trip(input.signing)],
    ))
}

/// An embedded credential of the prepared document: its pointer and whether it is a nested CLR credential.
enum Embedded {
    Object { at: String, nested: bool },
    Jwt { at: String },
}

fn embedded_sites(v: &Value, at: &str, out: &mut Vec<Embedded>) {
    match v {
        Value::Object(o) => {
            for (k, child) in o {
                let here = crate::json::Ptr::from_escaped(at).key(k).as_str().to_string();
                match (k.as_str(), child) {
                    ("proof", _) => {}
                    ("endorsementJwt", Value::Array(jwts)) => {
                        for (i, j) in jwts.iter().enumerate() {
                            if j.is_string() {
                                out.push(Embedded::Jwt {
                                    at: format!("{here}/{i}"),
                                });
                            }
                        }
                    }
                    ("verifiableCredential", Value::Array(items)) => {
                        for (i, item) in items.iter().enumerate() {
                            let item_at = format!("{here}/{i}");
                            if is_credential(item) {
                                out.push(Embedded::Object {
                                    at: item_at.clone(),
                                    nested: true,
                                });
                            }
                            embedded_sites(item, &item_at, out);
                        }
                    }
                    (_, child) => {
                        if child.is_object() && is_credential(child) {
                            out.push(Embedded::Object {
                                at: here.clone(),
                                nested: false,
                            });
                        }
                        embedded_sites(child, &here, out);
                    }
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let here = format!("{at}/{i}");
                if is_credential(item) {
                    out.push(Embedded::Object {
                        at: here.clone(),
                        nested: false,
                    });
                }
                embedded_sites(item, &here, out);
            }
        }
        _ => {}
    }
}

/// The embedded credentials that hold the value at `at`, innermost first, each with whether it is a nested CLR
/// credential.
fn enclosing(sites: &[Embedded], at: &str) -> Vec<(String, bool)> {
    let mut out: Vec<(String, bool)> = sites
        .iter()
        .filter_map(|s| match s {
            Embedded::Object { at: p, nested } if at.starts_with(&format!("{p}/")) => Some((p.clone(), *nested)),
            _ => None,
        })
        .collect();
    out.sort_by_key(|(p, _)| std::cmp::Reverse(p.len()));
    out
}

fn tamper_embedded(input: &Input, ch: &mut Chooser) -> Result<Option<SignedMutant>, SignError> {
    let (mut prepared, mut ring) = prepare(input.doc, input.signing, input.seed)?;
    let mut sites = Vec::new();
    embedded_sites(&prepared, "", &mut sites);
    if sites.is_empty() {
        return Ok(None);
    }
    let site = ch.below(sites.len());
    let (at, mut trips) = match &sites[site] {
        Embedded::Object { at, nested } => {
            let Some(target) = prepared.pointer_mut(at) else {
                return Ok(None);
            };
            let name = target.get("name").and_then(Value::as_str).unwrap_or("").to_string();
            target["name"] = json!(format!("{name} (changed)"));
            let mut trips = vec![trip(ids::OB30_PRF_005.id, &format!("{at}/proof/proofValue"))];
            trips.push(if *nested {
                trip(ids::CLR20_VER_001.id, at)
            } else {
                trip(ids::OB30_VER_005.id, at)
            });
            (at.clone(), trips)
        }
        Embedded::Jwt { at } => {
            let Some(target) = prepared.pointer_mut(at) else {
                return Ok(None);
            };
            let Some(jws) = target.as_str().map(str::to_owned) else {
                return Ok(None);
            };
            let changed = change_signed(&Signed::Jws(jws), |d| {
                let name = d.get("name").and_then(Value::as_str).unwrap_or("").to_string();
                if let Some(o) = d.as_object_mut() {
                    o.insert("name".into(), json!(format!("{name} (changed)")));
                }
            });
            *target = json!(crate::proof::sign::to_text(&changed).trim_end());
            // The endorsement's own subject is its JWS payload: its findings point into that.
            (
                at.clone(),
                vec![trip(ids::OB30_JWT_006.id, ""), trip(ids::OB30_VER_005.id, at)],
            )
        }
    };
    // The issuers of the credentials around it sign what they were given, the changed credential included: only
    // the changed one is broken, and a nested CLR credential holding it does not pass verification as a whole.
    for (outer, nested) in enclosing(&sites, &at) {
        let Some(target) = prepared.pointer_mut(&outer) else {
            return Ok(None);
        };
        let issuer = crate::verify::issuer_id(target).unwrap_or_default();
        *target = sign_di(&crate::proof::sign::without_proof(target), &issuer, &mut ring)?;
        // A credential holding a changed one does not verify as a whole: a nested CLR credential trips the CLR's
        // nested-credential check, an endorsement the endorsement check of its parent.
        trips.push(if nested {
            trip(ids::CLR20_VER_001.id, &outer)
        } else {
            trip(ids::OB30_VER_005.id, &outer)
        });
    }
    let signed = sign_root(&prepared, input.signing, &mut ring)?;
    Ok(mutant(
        "tamper-embedded",
        signed,
        format!("{at} changed after signing"),
        &trips,
    ))
}

/// Signs the prepared document's root with `key`, naming `reference` as its key (Ed25519 signings only).
fn sign_root_with(
    prepared: &Value,
    signing: Signing,
    seed: &[u8; 32],
    key: &crate::proof::keyfile::JwtSigningKey,
    reference: &str,
) -> Result<Signed, SignError> {
    let unsigned = crate::proof::sign::without_proof(prepared);
    match signing {
        Signing::DataIntegrity => {
            let created = crate::proof::sign::default_created(&unsigned).ok_or(SignError::NoCreated)?;
            Ok(Signed::Json(di::sign_with_suite(
                &unsigned,
                seed,
                Suite::EddsaRdfc2022,
                reference,
                &created,
            )?))
        }
        _ => Ok(Signed::Jws(jwt::sign_vc_jwt(&unsigned, key, reference)?)),
    }
}

fn wrong_key(input: &Input, _ch: &mut Chooser) -> Result<Option<SignedMutant>, SignError> {
    if !is_ed25519(input.signing) {
        return Ok(None);
    }
    let (prepared, _) = prepare(input.doc, input.signing, input.seed)?;
    let issuer = crate::verify::issuer_id(&prepared).unwrap_or_default();
    let (seed, key) = ed25519_key(input.seed, "a key that is not the issuer's")?;
    let signed = sign_root_with(&prepared, input.signing, &seed, &key, &key_reference(&issuer))?;
    Ok(mutant(
        "wrong-key",
        signed,
        "signed with another key, naming the issuer's",
        &[signature_trip(input.signing)],
    ))
}

fn stranger_key(input: &Input, _ch: &mut Chooser) -> Result<Option<SignedMutant>, SignError> {
    if !is_ed25519(input.signing) {
        return Ok(None);
    }
    let (prepared, _) = prepare(input.doc, input.signing, input.seed)?;
    let (seed, key) = ed25519_key(input.seed, "a stranger")?;
    let crate::proof::multikey::PublicKey::Ed25519(public) = key.public_key() else {
        return Ok(None);
    };
    let stranger = multikey::ed25519_did_key(public);
    let signed = sign_root_with(&prepared, input.signing, &seed, &key, &key_reference(&stranger))?;
    let at = match input.signing {
        Signing::DataIntegrity => trip(ids::OB30_PRF_006.id, "/proof/verificationMethod"),
        _ => trip(ids::OB30_JWT_007.id, ""),
    };
    Ok(mutant("stranger-key", signed, format!("signed by {stranger}"), &[at]))
}

fn wrong_proof_purpose(input: &Input, ch: &mut Chooser) -> Result<Option<SignedMutant>, SignError> {
    if input.signing != Signing::DataIntegrity {
        return Ok(None);
    }
    let (prepared, mut ring) = prepare(input.doc, input.signing, input.seed)?;
    let issuer = crate::verify::issuer_id(&prepared).unwrap_or_default();
    let purpose = *ch.pick(&["authentication", "capabilityInvocation", "keyAgreement"]);
    let unsigned = crate::proof::sign::without_proof(&prepared);
    let created = crate::proof::sign::default_created(&unsigned).ok_or(SignError::NoCreated)?;
    let seed = ring.ed25519_seed(&issuer)?;
    let signed = di::sign_for_purpose(
        &unsigned,
        &seed,
        Suite::EddsaRdfc2022,
        &key_reference(&issuer),
        &created,
        purpose,
    )?;
    Ok(mutant(
        "wrong-proof-purpose",
        Signed::Json(signed),
        format!("proofPurpose {purpose}"),
        &[trip(ids::OB30_DM_019.id, "/proof/proofPurpose")],
    ))
}

/// The names of the validity members: VCDM 2.0 or 1.1.
fn validity_members(doc: &Value) -> (&'static str, &'static str) {
    if doc.get("issuanceDate").is_some() {
        ("issuanceDate", "expirationDate")
    } else {
        ("validFrom", "validUntil")
    }
}

/// Sets the document's validity window and signs it as the issuer would.
fn with_window(
    input: &Input,
    from: f64,
    until: Option<f64>,
) -> Result<(Signed, &'static str, &'static str), SignError> {
    let (mut prepared, mut ring) = prepare(input.doc, input.signing, input.seed)?;
    let (from_m, until_m) = validity_members(&prepared);
    if let Some(o) = prepared.as_object_mut() {
        o.insert(from_m.into(), json!(crate::datetime::rfc3339(from as i64)));
        match until {
            Some(u) => {
                o.insert(until_m.into(), json!(crate::datetime::rfc3339(u as i64)));
            }
            None => {
                o.shift_remove(until_m);
            }
        }
    }
    Ok((sign_root(&prepared, input.signing, &mut ring)?, from_m, until_m))
}

const DAY: f64 = 86_400.0;

fn expired(input: &Input, ch: &mut Chooser) -> Result<Option<SignedMutant>, SignError> {
    let until = input.now as f64 - DAY * (1 + ch.below(400)) as f64;
    let (signed, _, until_m) = with_window(input, until - 400.0 * DAY, Some(until))?;
    Ok(mutant(
        "expired",
        signed,
        format!("{until_m} before the judging instant"),
        &[trip(ids::OB30_VER_003.id, &format!("/{until_m}"))],
    ))
}

fn not_yet_valid(input: &Input, ch: &mut Chooser) -> Result<Option<SignedMutant>, SignError> {
    let from = input.now as f64 + DAY * (1 + ch.below(400)) as f64;
    let until = ch.flag(50).then_some(from + 400.0 * DAY);
    let (signed, from_m, _) = with_window(input, from, until)?;
    Ok(mutant(
        "not-yet-valid",
        signed,
        format!("{from_m} after the judging instant"),
        &[trip(ids::OB30_VER_003.id, &format!("/{from_m}"))],
    ))
}

fn jwt_claim_mismatch(input: &Input, ch: &mut Chooser) -> Result<Option<SignedMutant>, SignError> {
    let Signing::Jwt(_) = input.signing else {
        return Ok(None);
    };
    let (prepared, mut ring) = prepare(input.doc, input.signing, input.seed)?;
    let issuer = crate::verify::issuer_id(&prepared).unwrap_or_default();
    let unsigned = crate::proof::sign::without_proof(&prepared);
    let mut payload = jwt::vc_jwt_payload(&unsigned)?;
    let present: Vec<&str> = ["iss", "jti", "sub", "nbf", "exp"]
        .into_iter()
        .filter(|c| payload.get(*c).is_some())
        .collect();
    if present.is_empty() {
        return Ok(None);
    }
    let claim = *ch.pick(&present);
    payload[claim] = match payload.get(claim) {
        Some(Value::Number(n)) => json!(n.as_i64().unwrap_or(0).saturating_add(3600)),
        _ => json!(format!("urn:uuid:{}", uuid_like(input.seed))),
    };
    let key = root_key(input.signing, &issuer, &mut ring)?;
    let header = json!({"alg": key.alg_name(), "typ": "JWT", "kid": key_reference(&issuer)});
    let signed = jwt::sign_jws(&header, &payload, key)?;
    Ok(mutant(
        "jwt-claim-mismatch",
        Signed::Jws(signed),
        format!("the {claim} claim disagrees with the credential"),
        &[trip(ids::OB30_JWT_004.id, "")],
    ))
}

fn uuid_like(seed: u64) -> String {
    let a = super::values::splitmix64(seed ^ 0x5157);
    let b = super::values::splitmix64(a);
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        b >> 52,
        b & 0xffff_ffff_ffff
    )
}

fn jwt_header(input: &Input, ch: &mut Chooser) -> Result<Option<SignedMutant>, SignError> {
    let Signing::Jwt(_) = input.signing else {
        return Ok(None);
    };
    let (prepared, mut ring) = prepare(input.doc, input.signing, input.seed)?;
    let issuer = crate::verify::issuer_id(&prepared).unwrap_or_default();
    let unsigned = crate::proof::sign::without_proof(&prepared);
    let payload = jwt::vc_jwt_payload(&unsigned)?;
    let key = root_key(input.signing, &issuer, &mut ring)?;
    let mut header = json!({"alg": key.alg_name(), "typ": "JWT", "kid": key_reference(&issuer)});
    let what = if ch.flag(50) {
        header["x5u"] = json!("https://example.org/cert.pem");
        "an x5u header member"
    } else {
        header["typ"] = json!("vc+ld+json");
        "typ vc+ld+json"
    };
    let signed = jwt::sign_jws(&header, &payload, key)?;
    Ok(mutant(
        "jwt-header",
        Signed::Jws(signed),
        what,
        &[trip(ids::OB30_JWT_001.id, "")],
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::{Case, Family, Gen, case_seed, check_signed, findings};

    /// One case per family and signing (tests/generated.rs runs many): each operator trips exactly its declaration.
    #[test]
    fn every_signed_operator_trips_what_it_declares() {
        let net = crate::verify::Net::new(crate::fetch::FetchPolicy::default()).expect("runtime");
        let mut bad = Vec::new();
        for family in Family::ALL {
            for signing in Signing::ALL {
                for i in 0..1 {
                    let mut g = Gen::from_size_and_seed(16, case_seed(4, "tamper-unit", i));
                    let case = Case::random(family, &mut g);
                    let doc = case.generate().doc;
                    for op in SIGNED_OPERATORS {
                        let mut ch = case.chooser();
                        let Some(m) = op
                            .apply(
                                &Input {
                                    doc: &doc,
                                    signing,
                                    seed: 4,
                                    now: Input::at_epoch(),
                                },
                                &mut ch,
                            )
                            .expect("signs")
                        else {
                            continue;
                        };
                        let mut want = m.trips.clone();
                        want.extend(signing.declared_trips());
                        let got = findings(&check_signed(&m.signed, &net));
                        if got != want {
                            bad.push(format!(
                                "{family:?} {} {i} {}: {}\n  want {want:?}\n  got  {got:?}",
                                signing.name(),
                                op.name,
                                m.what
                            ));
                        }
                    }
                }
            }
        }
        assert!(bad.is_empty(), "{}", bad.join("\n"));
    }
}
