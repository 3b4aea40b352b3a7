//! VC-JWT (OB 3.0 §8.2, DIGEST §4.1): verifying a compact JWS credential rule by rule, and signing one.
//!
//! Verification keeps separate results for the header rules, the payload form, each claim mapping, the key, the
//! signature and the key's provenance, so each maps to its own finding. An `alg` outside RS256/ES256/EdDSA
//! (`none` and HMAC included) is rejected before any key is looked up: a verifier that lets the token choose its
//! algorithm can be made to accept forgeries.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use clr_reports::Level::{Info, Must, Should};
use clr_reports::{Evidence, Exchange, Level};
use jsonwebtoken::{Algorithm, DecodingKey};
use serde_json::{Value, json};

use super::keyfile::JwtSigningKey;
use super::keys::{self, KeyError, Resolved};
use super::multikey::PublicKey;
use crate::datetime::epoch_seconds;
use crate::decode::jws::CompactJws;
use crate::fetch::Fetcher;

/// The rule a [`JwtFinding`] is about; each maps to one catalogue check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JwtRule {
    /// `alg` is RS256 (certifiable), ES256/EdDSA (verified, not certifiable), anything else rejected.
    Alg,
    /// `typ` is absent or `JWT` (`vc+jwt` accepted with a note).
    Typ,
    /// No header members beyond alg, kid, jwk, typ.
    HeaderMembers,
    /// At least one of kid and jwk; kid a URI.
    KeyReference,
    /// The header's jwk has no private members.
    JwkPublicOnly,
    /// The payload is the VCDM 2.0 credential, not a VCDM 1.1 `vc` claim.
    PayloadForm,
    Iss,
    Jti,
    Sub,
    Nbf,
    Exp,
    /// nbf is not in the future.
    NotBefore,
    /// exp is not in the past.
    NotExpired,
    /// The key could be found.
    Key,
    Signature,
    /// The key's controller (DID or controller document) is the issuer.
    KeyController,
    /// The issuer's `/.well-known/jwks.json` lists the key (and JWK `iss`, if present, is the issuer).
    IssuerJwks,
}

impl JwtRule {
    /// A stable name for mapping to catalogue checks.
    pub fn id(self) -> &'static str {
        match self {
            JwtRule::Alg => "jwt-header-alg",
            JwtRule::Typ => "jwt-header-typ",
            JwtRule::HeaderMembers => "jwt-header-members",
            JwtRule::KeyReference => "jwt-header-key-reference",
            JwtRule::JwkPublicOnly => "jwt-header-jwk-public",
            JwtRule::PayloadForm => "jwt-payload-form",
            JwtRule::Iss => "jwt-claim-iss",
            JwtRule::Jti => "jwt-claim-jti",
            JwtRule::Sub => "jwt-claim-sub",
            JwtRule::Nbf => "jwt-claim-nbf",
            JwtRule::Exp => "jwt-claim-exp",
            JwtRule::NotBefore => "jwt-not-before",
            JwtRule::NotExpired => "jwt-not-expired",
            JwtRule::Key => "jwt-key",
            JwtRule::Signature => "jwt-signature",
            JwtRule::KeyController => "jwt-key-controller",
            JwtRule::IssuerJwks => "jwt-issuer-jwks",
        }
    }
}

/// What the verifier observed about one rule. The verifier says how strongly the spec states the rule (a violated
/// MUST, SHOULD or informational rule); the check that reports it turns that into an outcome through the one
/// findings collector (`crate::check::findings`), so `--strict` and inferred rules apply here as everywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The rule holds.
    Holds,
    /// The rule is violated; the level is the spec's for this rule.
    Violated(Level),
    /// It could not be observed (a fetch the policy does not allow …): never a pass.
    Unknown,
    NotApplicable,
    /// The harness could not complete the observation (a transport failure).
    Error,
}

/// One result of one rule, ready to become a report finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JwtFinding {
    pub rule: JwtRule,
    pub verdict: Verdict,
    pub message: String,
    pub expected: Option<String>,
    pub actual: Option<String>,
    /// Where in the decoded JWT: `header/alg`, `payload/iss` …
    pub at: Option<String>,
    /// The key resolution trace, for key, signature and provenance results.
    pub evidence: Vec<Evidence>,
    /// Ids of the exchanges behind this result.
    pub exchanges: Vec<String>,
}

impl JwtFinding {
    fn new(rule: JwtRule, verdict: Verdict, message: impl Into<String>) -> Self {
        JwtFinding {
            rule,
            verdict,
            message: message.into(),
            expected: None,
            actual: None,
            at: None,
            evidence: Vec::new(),
            exchanges: Vec::new(),
        }
    }

    fn expected(mut self, v: impl Into<String>) -> Self {
        self.expected = Some(v.into());
        self
    }

    fn actual(mut self, v: impl Into<String>) -> Self {
        self.actual = Some(v.into());
        self
    }

    fn at(mut self, v: &str) -> Self {
        self.at = Some(v.into());
        self
    }

    fn traced(mut self, trace: &[Evidence], exchanges: &[Exchange]) -> Self {
        self.evidence = trace.to_vec();
        self.exchanges = exchanges.iter().map(|e| e.id.clone()).collect();
        self
    }
}

/// Which credential data model the payload carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayloadForm {
    /// The credential is the payload (what OB 3.0 / CLR 2.0 require).
    Vcdm20,
    /// The credential sits in a `vc` claim: VCDM 1.1, legacy.
    Vcdm11,
}

/// Everything verification found, kept apart by concern.
#[derive(Debug, Clone)]
pub struct JwtReport {
    pub alg: Option<String>,
    pub header: Vec<JwtFinding>,
    pub payload_form: PayloadForm,
    pub payload: Vec<JwtFinding>,
    pub claims: Vec<JwtFinding>,
    pub key: JwtFinding,
    pub signature: JwtFinding,
    pub provenance: Vec<JwtFinding>,
    /// The key, when it was resolved.
    pub resolved: Option<Resolved>,
    /// Every HTTP attempt made (key resolution and provenance), for the run's exchange list.
    pub exchanges: Vec<Exchange>,
}

impl JwtReport {
    /// The signature verified with the resolved key.
    pub fn signature_verified(&self) -> bool {
        self.signature.verdict == Verdict::Holds
    }

    /// Every result, in report order.
    pub fn findings(&self) -> impl Iterator<Item = &JwtFinding> {
        self.header
            .iter()
            .chain(&self.payload)
            .chain(&self.claims)
            .chain([&self.key, &self.signature])
            .chain(&self.provenance)
    }

    /// Results of one rule.
    pub fn rule(&self, rule: JwtRule) -> Vec<&JwtFinding> {
        self.findings().filter(|f| f.rule == rule).collect()
    }
}

const HEADER_MEMBERS: [&str; 4] = ["alg", "kid", "jwk", "typ"];

/// Verifies a VC-JWT now.
pub async fn verify_vc_jwt(jws: &CompactJws, fetcher: &Fetcher) -> JwtReport {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    verify_vc_jwt_at(jws, fetcher, now).await
}

/// Verifies a VC-JWT as of `now` (seconds since the epoch).
pub async fn verify_vc_jwt_at(jws: &CompactJws, fetcher: &Fetcher, now: i64) -> JwtReport {
    let header = &jws.header;
    let alg = header.get("alg").and_then(Value::as_str).map(str::to_owned);
    let payload_form = if jws.vc_claim {
        PayloadForm::Vcdm11
    } else {
        PayloadForm::Vcdm20
    };
    let credential = match payload_form {
        PayloadForm::Vcdm11 => jws.payload.get("vc").unwrap_or(&Value::Null),
        PayloadForm::Vcdm20 => &jws.payload,
    };
    let issuer_id = issuer_id(credential);
    let mut report = JwtReport {
        alg: alg.clone(),
        header: header_rules(header),
        payload_form,
        payload: vec![payload_rule(payload_form)],
        claims: claim_rules(&jws.payload, credential, payload_form, now),
        key: JwtFinding::new(JwtRule::Key, Verdict::NotApplicable, "no key was looked up"),
        signature: JwtFinding::new(
            JwtRule::Signature,
            Verdict::Violated(Must),
            "the signature was not verified",
        ),
        provenance: Vec::new(),
        resolved: None,
        exchanges: Vec::new(),
    };
    let Some(algorithm) = alg.as_deref().and_then(accepted_alg) else {
        let shown = alg.as_deref().map_or("no alg".to_string(), |a| format!("alg {a:?}"));
        report.signature = JwtFinding::new(
            JwtRule::Signature,
            Verdict::Violated(Must),
            format!("the signature is never verified with {shown}"),
        )
        .expected("RS256 (ES256 and EdDSA are verified but not certifiable)")
        .actual(shown)
        .at("header/alg");
        return report;
    };
    match keys::resolve_jwt_key(header, issuer_id.as_deref(), fetcher).await {
        Err(e) => {
            report.exchanges.extend(e.exchanges.iter().cloned());
            let outcome = key_error_verdict(&e);
            report.key =
                JwtFinding::new(JwtRule::Key, outcome, format!("failed to {e}")).traced(&e.trace, &e.exchanges);
            let why = e.skip_reason().map_or("the key could not be found".into(), |r| {
                format!("fetch not allowed: {r}")
            });
            // A key the document names badly is the key rule's failure (OB30-JWT-005); the signature was simply
            // not checked, as for a Data Integrity proof without a key. Policy refusals and transport failures
            // keep their Skip / Error: the verdict is open, not negative.
            let signature_outcome = if outcome == Verdict::Violated(Must) {
                Verdict::Unknown
            } else {
                outcome
            };
            report.signature = JwtFinding::new(JwtRule::Signature, signature_outcome, format!("not verified: {why}"));
            // Whether the issuer publishes the key is a fact about a resolved key: no key, no verdict.
            report.provenance = vec![JwtFinding::new(
                JwtRule::KeyController,
                Verdict::Unknown,
                format!("not judged: the key was not resolved ({why})"),
            )];
        }
        Ok(resolved) => {
            report.exchanges.extend(resolved.exchanges.iter().cloned());
            report.key = JwtFinding::new(
                JwtRule::Key,
                Verdict::Holds,
                format!("found a {} key", resolved.key.kind()),
            )
            .traced(&resolved.trace, &resolved.exchanges);
            report.signature = match verify_signature(jws, algorithm, &resolved.key) {
                Ok(()) => JwtFinding::new(JwtRule::Signature, Verdict::Holds, "the signature verifies"),
                Err(why) => JwtFinding::new(JwtRule::Signature, Verdict::Violated(Must), why),
            }
            .traced(&resolved.trace, &resolved.exchanges);
            let kid = header.get("kid").and_then(Value::as_str);
            report.provenance =
                provenance_rules(&resolved, kid, issuer_id.as_deref(), fetcher, &mut report.exchanges).await;
            report.resolved = Some(resolved);
        }
    }
    report
}

fn accepted_alg(alg: &str) -> Option<Algorithm> {
    match alg {
        "RS256" => Some(Algorithm::RS256),
        "ES256" => Some(Algorithm::ES256),
        "EdDSA" => Some(Algorithm::EdDSA),
        _ => None,
    }
}

/// Skip for a policy refusal, Error when the harness got no answer, Fail when the document's key is unusable.
fn key_error_verdict(e: &KeyError) -> Verdict {
    if e.skip_reason().is_some() {
        Verdict::Unknown
    } else if e.is_transport() {
        Verdict::Error
    } else {
        Verdict::Violated(Must)
    }
}

fn issuer_id(credential: &Value) -> Option<String> {
    let issuer = credential.get("issuer")?;
    issuer
        .as_str()
        .or_else(|| issuer.get("id").and_then(Value::as_str))
        .map(str::to_owned)
}

fn header_rules(header: &Value) -> Vec<JwtFinding> {
    let mut out = Vec::new();
    let alg = header.get("alg");
    out.push(match alg.and_then(Value::as_str) {
        Some("RS256") => JwtFinding::new(JwtRule::Alg, Verdict::Holds, "alg is RS256"),
        Some(a @ ("ES256" | "EdDSA")) => JwtFinding::new(
            JwtRule::Alg,
            Verdict::Violated(Should),
            format!("alg {a} is verified but not certifiable: 1EdTech certification requires RS256"),
        ),
        Some("none") => JwtFinding::new(
            JwtRule::Alg,
            Verdict::Violated(Must),
            "alg \"none\" (an unsigned JWT) is rejected",
        ),
        Some(a) => JwtFinding::new(JwtRule::Alg, Verdict::Violated(Must), format!("alg {a:?} is rejected")),
        None => JwtFinding::new(JwtRule::Alg, Verdict::Violated(Must), "the header has no alg string"),
    });
    let last = out.len() - 1;
    out[last] = out[last].clone().expected("RS256").actual(show(alg)).at("header/alg");
    let typ = header.get("typ");
    out.push(match typ.map(|t| t.as_str()) {
        None | Some(Some("JWT")) => JwtFinding::new(JwtRule::Typ, Verdict::Holds, "typ is absent or JWT"),
        Some(Some("vc+jwt")) => JwtFinding::new(
            JwtRule::Typ,
            Verdict::Violated(Info),
            "typ vc+jwt (the VCDM 2.0 media type) is accepted; OB 3.0 says typ is JWT when present",
        ),
        Some(_) => JwtFinding::new(
            JwtRule::Typ,
            Verdict::Violated(Must),
            "typ must be \"JWT\" when present",
        ),
    });
    let last = out.len() - 1;
    out[last] = out[last]
        .clone()
        .expected("absent or \"JWT\"")
        .actual(show(typ))
        .at("header/typ");
    let extra: Vec<&str> = header
        .as_object()
        .map(|o| {
            o.keys()
                .map(String::as_str)
                .filter(|k| !HEADER_MEMBERS.contains(k))
                .collect()
        })
        .unwrap_or_default();
    out.push(if extra.is_empty() {
        JwtFinding::new(
            JwtRule::HeaderMembers,
            Verdict::Holds,
            "no header members beyond alg, kid, jwk, typ",
        )
    } else {
        JwtFinding::new(
            JwtRule::HeaderMembers,
            Verdict::Violated(Must),
            format!(
                "header members beyond alg, kid, jwk, typ are not allowed: {}",
                extra.join(", ")
            ),
        )
        .expected("only alg, kid, jwk, typ")
        .actual(extra.join(", "))
        .at("header")
    });
    let (kid, jwk) = (header.get("kid"), header.get("jwk"));
    out.push(match (kid, jwk) {
        (None, None) => JwtFinding::new(
            JwtRule::KeyReference,
            Verdict::Violated(Must),
            "the header has neither kid nor jwk",
        )
        .expected("a kid (URI of the key) or a jwk (public JWK)")
        .at("header"),
        (Some(Value::String(k)), _) if !k.contains(':') => JwtFinding::new(
            JwtRule::KeyReference,
            Verdict::Violated(Should),
            "kid is not a URI that dereferences to a JWK",
        )
        .expected("an absolute URI")
        .actual(k.clone())
        .at("header/kid"),
        (Some(k), _) if !k.is_string() => {
            JwtFinding::new(JwtRule::KeyReference, Verdict::Violated(Must), "kid is not a string")
                .actual(k.to_string())
                .at("header/kid")
        }
        _ => JwtFinding::new(JwtRule::KeyReference, Verdict::Holds, "the header names its key"),
    });
    out.push(match jwk.map(keys::jwk_public_key) {
        None => JwtFinding::new(JwtRule::JwkPublicOnly, Verdict::NotApplicable, "no jwk in the header"),
        Some(Err(keys::JwkError::Private(m))) => JwtFinding::new(
            JwtRule::JwkPublicOnly,
            Verdict::Violated(Must),
            format!("the header's jwk contains the private key member {m:?}"),
        )
        .expected("a public JWK without d")
        .actual(format!("{m:?} present"))
        .at("header/jwk"),
        Some(Err(e)) => {
            JwtFinding::new(JwtRule::JwkPublicOnly, Verdict::Violated(Must), e.to_string()).at("header/jwk")
        }
        Some(Ok(_)) => JwtFinding::new(
            JwtRule::JwkPublicOnly,
            Verdict::Holds,
            "the header's jwk is a public key",
        ),
    });
    out
}

fn show(v: Option<&Value>) -> String {
    v.map_or_else(|| "absent".into(), Value::to_string)
}

fn payload_rule(form: PayloadForm) -> JwtFinding {
    match form {
        PayloadForm::Vcdm20 => JwtFinding::new(JwtRule::PayloadForm, Verdict::Holds, "the payload is the credential"),
        PayloadForm::Vcdm11 => JwtFinding::new(
            JwtRule::PayloadForm,
            Verdict::Violated(Should),
            "the payload wraps the credential in a vc claim (VCDM 1.1, legacy); OB 3.0 puts the credential itself in the payload",
        )
        .expected("the VCDM 2.0 credential as the payload")
        .actual("a vc claim")
        .at("payload/vc"),
    }
}

fn claim_rules(payload: &Value, credential: &Value, form: PayloadForm, now: i64) -> Vec<JwtFinding> {
    let (from_name, until_name) = match form {
        PayloadForm::Vcdm20 => ("validFrom", "validUntil"),
        PayloadForm::Vcdm11 => ("issuanceDate", "expirationDate"),
    };
    let subject = match credential.get("credentialSubject") {
        Some(Value::Array(a)) => a.first(),
        other => other,
    };
    let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
    let mut out = vec![
        string_claim(JwtRule::Iss, payload, "iss", issuer_id(credential), "issuer id"),
        string_claim(
            JwtRule::Jti,
            payload,
            "jti",
            text(credential.get("id")),
            "credential id",
        ),
        string_claim(
            JwtRule::Sub,
            payload,
            "sub",
            text(subject.and_then(|s| s.get("id"))),
            "credentialSubject.id",
        ),
        date_claim(JwtRule::Nbf, payload, "nbf", credential.get(from_name), from_name, true),
        date_claim(
            JwtRule::Exp,
            payload,
            "exp",
            credential.get(until_name),
            until_name,
            false,
        ),
    ];
    if let Some(nbf) = payload
        .get("nbf")
        .and_then(Value::as_f64)
        .filter(|nbf| *nbf > now as f64)
    {
        out.push(
            JwtFinding::new(
                JwtRule::NotBefore,
                Verdict::Violated(Must),
                "the credential is not yet valid (nbf is in the future)",
            )
            .expected(format!("nbf ≤ {now} (now)"))
            .actual(format!("nbf = {nbf}"))
            .at("payload/nbf"),
        );
    }
    if let Some(exp) = payload
        .get("exp")
        .and_then(Value::as_f64)
        .filter(|exp| *exp < now as f64)
    {
        out.push(
            JwtFinding::new(
                JwtRule::NotExpired,
                Verdict::Violated(Must),
                "the credential has expired (exp is in the past)",
            )
            .expected(format!("exp ≥ {now} (now)"))
            .actual(format!("exp = {exp}"))
            .at("payload/exp"),
        );
    }
    out
}

fn string_claim(rule: JwtRule, payload: &Value, claim: &str, expected: Option<String>, what: &str) -> JwtFinding {
    let at = format!("payload/{claim}");
    let actual = payload.get(claim);
    match (actual, &expected) {
        (None, None) => JwtFinding::new(rule, Verdict::NotApplicable, format!("no {claim} claim and no {what}")),
        (None, Some(e)) => JwtFinding::new(rule, Verdict::Violated(Must), format!("the {claim} claim is missing"))
            .expected(e.clone())
            .actual("absent"),
        (Some(a), Some(e)) if a.as_str() == Some(e.as_str()) => {
            JwtFinding::new(rule, Verdict::Holds, format!("{claim} equals the {what}"))
        }
        (Some(a), e) => JwtFinding::new(
            rule,
            Verdict::Violated(Must),
            format!("the {claim} claim does not equal the {what}"),
        )
        .expected(
            e.clone()
                .unwrap_or_else(|| format!("no {claim}: the credential has no {what}")),
        )
        .actual(a.to_string()),
    }
    .at(&at)
}

fn date_claim(
    rule: JwtRule,
    payload: &Value,
    claim: &str,
    date: Option<&Value>,
    name: &str,
    required: bool,
) -> JwtFinding {
    let at = format!("payload/{claim}");
    let expected = date
        .and_then(Value::as_str)
        .and_then(epoch_seconds)
        .map(|s| s.floor() as i64);
    let actual = payload.get(claim);
    let shown_date = show(date);
    let finding = match (actual, expected) {
        (None, None) if !required || date.is_none() => {
            JwtFinding::new(rule, Verdict::NotApplicable, format!("no {claim} claim and no {name}"))
        }
        (None, _) => JwtFinding::new(rule, Verdict::Violated(Must), format!("the {claim} claim is missing"))
            .expected(expected.map_or_else(
                || format!("{name} as a NumericDate"),
                |e| format!("{e} ({name} {shown_date})"),
            ))
            .actual("absent"),
        (Some(a), _) if !a.is_number() => JwtFinding::new(
            rule,
            Verdict::Violated(Must),
            format!("the {claim} claim is not a NumericDate (seconds since 1970)"),
        )
        .expected("a JSON number")
        .actual(a.to_string()),
        (Some(a), Some(e)) if a.as_f64().map(|a| a.floor() as i64) == Some(e) => {
            JwtFinding::new(rule, Verdict::Holds, format!("{claim} equals {name}"))
        }
        (Some(a), Some(e)) => JwtFinding::new(
            rule,
            Verdict::Violated(Must),
            format!("the {claim} claim does not equal {name}"),
        )
        .expected(format!("{e} ({name} {shown_date})"))
        .actual(a.to_string()),
        (Some(a), None) => JwtFinding::new(
            rule,
            if date.is_none() {
                Verdict::Violated(Should)
            } else {
                Verdict::Violated(Must)
            },
            format!("the {claim} claim has no valid {name} to equal"),
        )
        .expected(format!("{name} as an RFC 3339 date-time"))
        .actual(format!("{claim} = {a}, {name} = {shown_date}")),
    };
    finding.at(&at)
}

async fn provenance_rules(
    resolved: &Resolved,
    kid: Option<&str>,
    issuer: Option<&str>,
    fetcher: &Fetcher,
    exchanges: &mut Vec<Exchange>,
) -> Vec<JwtFinding> {
    let mut out = Vec::new();
    let Some(issuer) = issuer else {
        out.push(JwtFinding::new(
            JwtRule::KeyController,
            Verdict::Violated(Must),
            "the credential has no issuer id to tie the key to",
        ));
        return out;
    };
    if let Some(controller) = &resolved.controller {
        let matches = controller == issuer;
        out.push(
            JwtFinding::new(
                JwtRule::KeyController,
                if matches {
                    Verdict::Holds
                } else {
                    Verdict::Violated(Should)
                },
                if matches {
                    "the key's controller is the issuer".to_string()
                } else {
                    "the key's controller is not the issuer, so the key is not shown to be the issuer's".to_string()
                },
            )
            .expected(issuer)
            .actual(controller.clone())
            .traced(&resolved.trace, &resolved.exchanges),
        );
        return out;
    }
    let Some(check) = keys::jwks_provenance(resolved, kid, issuer, fetcher).await else {
        out.push(JwtFinding::new(
            JwtRule::IssuerJwks,
            Verdict::NotApplicable,
            "the issuer id is not an http(s) URL, so there is no issuer JWKS to check",
        ));
        return out;
    };
    exchanges.extend(check.exchanges.iter().cloned());
    let finding = |outcome, message: String| {
        JwtFinding::new(JwtRule::IssuerJwks, outcome, message)
            .expected(format!("the key listed in {}", check.url))
            .traced(&check.trace, &check.exchanges)
    };
    out.push(match &check.listed {
        Ok(true) => finding(
            Verdict::Holds,
            format!("the issuer's JWKS lists the key (kid listed: {})", check.kid_listed),
        ),
        Ok(false) => finding(
            Verdict::Violated(Should),
            "the issuer's JWKS does not list the key: treat it as untrustworthy".into(),
        )
        .actual("not listed"),
        Err(e) if e.skip_reason().is_some() => finding(Verdict::Unknown, format!("failed to {e}")),
        Err(e) if e.is_transport() => finding(Verdict::Error, format!("failed to {e}")),
        Err(e) => finding(
            Verdict::Violated(Should),
            format!("the issuer publishes no usable JWKS: failed to {e}"),
        ),
    });
    if check.iss_matches == Some(false) {
        out.push(
            finding(
                Verdict::Violated(Should),
                "the JWK's iss member is not the issuer id".into(),
            )
            .expected(issuer)
            .actual(
                resolved
                    .jwk
                    .as_ref()
                    .and_then(|j| j.get("iss"))
                    .map_or("(set entry)".into(), Value::to_string),
            ),
        );
    }
    out
}

fn verify_signature(jws: &CompactJws, alg: Algorithm, key: &PublicKey) -> Result<(), String> {
    let decoding = match (alg, key) {
        (Algorithm::RS256, PublicKey::Rsa { n, e }) => DecodingKey::from_rsa_raw_components(n, e),
        (Algorithm::ES256, PublicKey::P256(point)) => DecodingKey::from_ec_der(point),
        (Algorithm::EdDSA, PublicKey::Ed25519(x)) => DecodingKey::from_ed_der(x),
        _ => return Err(format!("a {} key cannot verify alg {alg:?}", key.kind())),
    };
    let signature = jws.raw.rsplit('.').next().unwrap_or_default();
    match jsonwebtoken::crypto::verify(signature, jws.signing_input().as_bytes(), &decoding, alg) {
        Ok(true) => Ok(()),
        Ok(false) => Err(format!(
            "the signature ({} bytes) does not verify with the {} key",
            jws.signature.len(),
            key.kind()
        )),
        Err(e) => Err(format!("the signature could not be checked: {e}")),
    }
}

/// A VC-JWT that cannot be produced. Messages read after "failed to …".
#[derive(Debug, thiserror::Error)]
pub enum JwtError {
    #[error("sign the VC-JWT: the credential is not a JSON object")]
    NotAnObject,
    #[error("sign the VC-JWT: {member} {value} is not an RFC 3339 date-time with a time zone")]
    BadDate { member: &'static str, value: String },
    #[error("sign the VC-JWT: {0}")]
    Sign(String),
}

/// Signs a credential as a VCDM 2.0 VC-JWT: header `{"alg","typ":"JWT","kid"}`, payload the credential plus the
/// iss/jti/sub/nbf/exp claims derived from it (each only when its source is present).
///
/// RS256 (PKCS#1 v1.5) and EdDSA signatures are deterministic: the same credential and key give the same JWT.
/// ES256 signatures use a fresh random nonce, so they differ on every call while all verifying.
pub fn sign_vc_jwt(credential: &Value, key: &JwtSigningKey, kid: &str) -> Result<String, JwtError> {
    sign_vc_jwt_with(credential, key, Some(kid), false)
}

/// [`sign_vc_jwt`] with a choice of key reference: a `kid`, the public key itself as the header's `jwk` (so a
/// verifier needs no fetch, and provenance rests on the issuer's JWKS), or both. At least one is required.
pub fn sign_vc_jwt_with(
    credential: &Value,
    key: &JwtSigningKey,
    kid: Option<&str>,
    embed_jwk: bool,
) -> Result<String, JwtError> {
    let payload = vc_jwt_payload(credential)?;
    let mut header = json!({"alg": key.alg_name(), "typ": "JWT"});
    if let Some(kid) = kid {
        header["kid"] = kid.into();
    }
    if embed_jwk {
        header["jwk"] = key.public_jwk();
    }
    if kid.is_none() && !embed_jwk {
        return Err(JwtError::Sign("the header needs a kid or the jwk".into()));
    }
    sign_jws(&header, &payload, key)
}

/// The VCDM 2.0 VC-JWT payload of a credential: the credential plus iss/jti/sub/nbf/exp derived from it.
pub fn vc_jwt_payload(credential: &Value) -> Result<Value, JwtError> {
    let mut payload = credential.as_object().cloned().ok_or(JwtError::NotAnObject)?;
    let date = |member: &'static str| -> Result<Option<i64>, JwtError> {
        match credential.get(member) {
            None => Ok(None),
            Some(v) => v
                .as_str()
                .and_then(epoch_seconds)
                .map(|s| Some(s.floor() as i64))
                .ok_or_else(|| JwtError::BadDate {
                    member,
                    value: v.to_string(),
                }),
        }
    };
    let subject = match credential.get("credentialSubject") {
        Some(Value::Array(a)) => a.first(),
        other => other,
    };
    let claims = [
        ("iss", issuer_id(credential).map(Value::from)),
        ("jti", credential.get("id").filter(|v| v.is_string()).cloned()),
        (
            "sub",
            subject.and_then(|s| s.get("id")).filter(|v| v.is_string()).cloned(),
        ),
        ("nbf", date("validFrom")?.map(Value::from)),
        ("exp", date("validUntil")?.map(Value::from)),
    ];
    for (name, value) in claims {
        if let Some(value) = value {
            payload.insert(name.into(), value);
        }
    }
    Ok(Value::Object(payload))
}

/// Signs any header and payload as a compact JWS with `key` (the header's `alg` is taken as given, so test
/// vectors can carry a wrong one). Serialization keeps member order: the same input gives the same bytes.
pub fn sign_jws(header: &Value, payload: &Value, key: &JwtSigningKey) -> Result<String, JwtError> {
    let encode = |v: &Value| serde_json::to_vec(v).map(|b| URL_SAFE_NO_PAD.encode(b));
    let input = format!(
        "{}.{}",
        encode(header).map_err(|e| JwtError::Sign(e.to_string()))?,
        encode(payload).map_err(|e| JwtError::Sign(e.to_string()))?
    );
    let signature =
        jsonwebtoken::crypto::sign(input.as_bytes(), &key.key, key.alg).map_err(|e| JwtError::Sign(e.to_string()))?;
    Ok(format!("{input}.{signature}"))
}

#[cfg(test)]
mod tests;
