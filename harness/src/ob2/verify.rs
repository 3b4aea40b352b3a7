//! Verification of OB 2.0 assertions and CLR 1.0 records: the gather phase, which makes every fetch and signature
//! check the verification checks read (checks do no I/O).
//!
//! - **Hosted** (OB 2.0 §Verification, HostedBadge; CLR 1.0 `Hosted`): the document is fetched again from its `id`,
//!   which must answer 200 with the same `id` (410 Gone, or a body with `revoked: true`, means revoked), and the id
//!   must lie in the issuer's verification policy (`startsWith`, `allowedOrigins`, by default the issuer id's
//!   origin).
//! - **Signed** (SignedBadge / `Signed`): the compact JWS is checked (RS256) with the CryptographicKey named by
//!   `verification.creator`; the key must be one the issuer's hosted Profile lists in `publicKey` (its `owner` SHOULD
//!   be the issuer), and the document's id must not be in the issuer's RevocationList.
//! - The BadgeClass and Issuer an assertion links to are resolved from their ids (hosted copies override embedded
//!   ones), and a BadgeClass image given as a URL must be retrievable.
//!
//! Every fetch goes through the run's [`Net`]: when its policy refuses one, the step is a [`Step::Skipped`] with the
//! reason — the document is then unverified, never passed.

use std::collections::BTreeMap;

use aws_lc_rs::signature::{RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;
use url::Url;

use super::Kind;
use super::model::{ref_id, single};
use crate::decode::CompactJws;
use crate::fetch::FetchError;
use crate::json::Ptr;
use crate::verify::Net;

/// Documents fetched per verification at most (linked objects, keys, lists, hosted assertions of a CLR): a CLR
/// with hundreds of hosted assertions is an attack on the verifier's time; the rest are reported as not verified.
pub const MAX_FETCHES: usize = 40;

/// What a verification step observed.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// The step does not apply (e.g. no revocation list for a hosted badge); the reason says why.
    NotApplicable(String),
    /// The requirement was observed to hold; the note says how.
    Holds(String),
    /// The requirement was observed to be violated.
    Violated(Problem),
    /// The step could not observe what it needs (a fetch the policy refused, a server that did not answer).
    Skipped(String),
}

impl Default for Step {
    fn default() -> Self {
        Step::NotApplicable("not reached".into())
    }
}

/// A violated requirement, located.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Problem {
    pub message: String,
    pub expected: String,
    pub found: String,
    /// Where in the document (pointer relative to its root), when the problem is about one of its values.
    pub at: Option<Ptr>,
    /// The recorded exchanges that show it.
    pub exchanges: Vec<String>,
}

fn violated(message: impl Into<String>, expected: impl Into<String>, found: impl Into<String>) -> Step {
    Step::Violated(Problem {
        message: message.into(),
        expected: expected.into(),
        found: found.into(),
        ..Problem::default()
    })
}

impl Step {
    fn at(mut self, ptr: Ptr) -> Step {
        if let Step::Violated(p) = &mut self {
            p.at = Some(ptr);
        }
        self
    }

    fn shown_by(mut self, exchange: &str) -> Step {
        if let Step::Violated(p) = &mut self
            && !exchange.is_empty()
        {
            p.exchanges.push(exchange.to_string());
        }
        self
    }
}

/// How a document declares it is verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Hosted,
    Signed,
}

/// Everything verification observed on one document.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub method: Option<Method>,
    /// The document fetched again from its id answers 200 with the same id (hosted).
    pub hosted: Step,
    /// The hosted id lies in the issuer's verification policy.
    pub scope: Step,
    /// The document is not revoked (410, `revoked: true`, or listed in the RevocationList).
    pub revocation: Step,
    /// The JWS signature verifies with the creator key (signed).
    pub signature: Step,
    /// The creator key is listed in the issuer Profile's `publicKey`.
    pub key_listed: Step,
    /// The creator key's `owner` is the issuer.
    pub key_owner: Step,
    /// The linked BadgeClass and Issuer Profile resolve.
    pub linked: Step,
    /// The BadgeClass image, when given as a URL, is retrievable.
    pub image: Step,
    /// CLR 1.0: each hosted assertion of the record, fetched again from its id.
    pub assertions: Vec<(Ptr, Step)>,
    /// The issuer (or CLR publisher) Profile as resolved, for the checks that compare with it.
    pub issuer: Option<Value>,
}

/// A fetched JSON document, or why there is none.
enum Got {
    Json { value: Value, exchange: String },
    Gone { exchange: String },
    Failed(Step),
}

struct Session<'n> {
    net: &'n Net,
    fetches: usize,
    cache: BTreeMap<String, (Value, String)>,
}

impl Session<'_> {
    fn get(&mut self, url: &str, accept: &str) -> Result<crate::fetch::Fetched, Step> {
        if self.fetches >= MAX_FETCHES {
            return Err(Step::Skipped(format!(
                "not fetched: verification of one document makes at most {MAX_FETCHES} fetches"
            )));
        }
        self.fetches += 1;
        let attempt = self.net.block_on(self.net.fetcher().get(url, accept));
        self.net.record(std::slice::from_ref(&attempt.exchange));
        let exchange = attempt.exchange.id.clone();
        attempt.result.map_err(|e| fetch_failure(url, &e).shown_by(&exchange))
    }

    /// GETs a JSON(-LD) document; 410 Gone is reported as such.
    fn json(&mut self, url: &str) -> Got {
        if let Some((value, exchange)) = self.cache.get(url) {
            return Got::Json {
                value: value.clone(),
                exchange: exchange.clone(),
            };
        }
        match self.get(url, "application/ld+json, application/json") {
            Ok(fetched) => match serde_json::from_slice::<Value>(&fetched.bytes) {
                Ok(value) if value.is_object() => {
                    // An OB 1.x document is read as the OB 2.0 document it upgrades to, as the input was.
                    let value = match super::version::detect(&value).and_then(|d| d.version) {
                        Some(v) => super::version::upgrade(&value, v).map_or(value, |u| u.doc),
                        None => value,
                    };
                    self.cache
                        .insert(url.to_string(), (value.clone(), fetched.exchange_id.clone()));
                    Got::Json {
                        value,
                        exchange: fetched.exchange_id,
                    }
                }
                _ => Got::Failed(
                    violated(
                        format!("{url} did not answer with a JSON object"),
                        "a JSON-LD document (application/ld+json or application/json)",
                        format!(
                            "{} bytes of {}",
                            fetched.bytes.len(),
                            fetched.content_type.as_deref().unwrap_or("unknown type")
                        ),
                    )
                    .shown_by(&fetched.exchange_id),
                ),
            },
            Err(Step::Violated(p)) if p.found == "HTTP 410" => Got::Gone {
                exchange: p.exchanges.first().cloned().unwrap_or_default(),
            },
            Err(step) => Got::Failed(step),
        }
    }
}

fn fetch_failure(url: &str, e: &FetchError) -> Step {
    match e {
        FetchError::NotAllowed { reason, .. } => Step::Skipped(format!("{url} was not fetched: {reason}")),
        FetchError::Status { status, .. } => violated(
            format!("{url} answered HTTP {status}"),
            "200 OK",
            format!("HTTP {status}"),
        ),
        other => Step::Skipped(format!("could not fetch {url}: {other}")),
    }
}

fn is_http(s: &str) -> bool {
    Url::parse(s).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
}

/// Verifies an OB 2.0 assertion or a CLR 1.0 record (`doc`, already upgraded to OB 2.0 when legacy), given as the
/// compact JWS `jws` when it came signed.
pub fn verify(kind: Kind, doc: &Value, jws: Option<&CompactJws>, net: &Net) -> Report {
    let mut s = Session {
        net,
        fetches: 0,
        cache: BTreeMap::new(),
    };
    let mut report = Report::default();
    let (verification_ptr, issuer_link) = match kind {
        Kind::Assertion | Kind::Endorsement => (Ptr::root().key("verification"), None),
        Kind::ClrAssertion => (
            Ptr::root().key("verification"),
            doc.pointer("/achievement/issuer").cloned(),
        ),
        Kind::Clr => (Ptr::root().key("verification"), doc.get("publisher").cloned()),
        _ => return report,
    };
    let declared = doc
        .pointer(verification_ptr.as_str())
        .and_then(|v| v.get("type"))
        .and_then(single)
        .and_then(Value::as_str)
        .map(str::to_string);
    let method = match (declared.as_deref(), jws) {
        (_, Some(_)) => Some(Method::Signed),
        (Some("HostedBadge" | "hosted" | "Hosted"), None) => Some(Method::Hosted),
        (Some("SignedBadge" | "signed" | "Signed"), None) => Some(Method::Signed),
        _ => None,
    };
    report.method = method;
    let id = doc.get("id").and_then(Value::as_str).unwrap_or_default().to_string();

    // The BadgeClass and Issuer (for an OB 2.0 assertion), or the profile that signs (CLR 1.0).
    let issuer = match kind {
        Kind::Assertion => resolve_badge_and_issuer(&mut s, doc, &mut report),
        Kind::Endorsement => resolve_profile(&mut s, doc.get("issuer"), &mut report.linked),
        _ => {
            report.linked = Step::NotApplicable("CLR 1.0 profiles are embedded in the record".into());
            profile_for_keys(&mut s, issuer_link.as_ref())
        }
    };
    report.issuer = issuer.clone();

    // Revoked in the document itself.
    if doc.get("revoked").and_then(Value::as_bool) == Some(true) {
        let reason = doc
            .get("revocationReason")
            .and_then(Value::as_str)
            .unwrap_or("no reason given");
        report.revocation = violated(
            "the document says it is revoked",
            "revoked absent or false",
            format!("revoked: true ({reason})"),
        )
        .at(Ptr::root().key("revoked"));
    }

    match method {
        None => {
            let why = match declared.as_deref() {
                None => "the document declares no verification (hosted or signed) and came without a JWS: nothing \
                         establishes who issued it"
                    .to_string(),
                Some(other) => format!("the document's verification type {other:?} is neither hosted nor signed"),
            };
            for step in [&mut report.hosted, &mut report.signature, &mut report.scope] {
                *step = Step::Skipped(why.clone());
            }
        }
        Some(Method::Hosted) => {
            report.signature = Step::NotApplicable("hosted verification: there is no signature".into());
            report.key_listed = Step::NotApplicable("hosted verification uses no key".into());
            report.key_owner = Step::NotApplicable("hosted verification uses no key".into());
            hosted(&mut s, doc, &id, &mut report);
            report.scope = scope(&id, issuer.as_ref(), kind);
        }
        Some(Method::Signed) => {
            report.hosted = Step::NotApplicable("signed verification: the document is not fetched again".into());
            report.scope = Step::NotApplicable("signed verification: no hosting policy applies".into());
            signed(&mut s, doc, jws, issuer.as_ref(), &verification_ptr, &mut report);
        }
    }
    if kind == Kind::Clr {
        hosted_assertions(&mut s, doc, &mut report);
    }
    if report.revocation == Step::default() {
        report.revocation = match method {
            Some(Method::Hosted) => match &report.hosted {
                Step::Holds(_) => Step::Holds("the hosted document is served and not marked revoked".into()),
                Step::Violated(_) => Step::Skipped("the hosted document could not be read back".into()),
                other => other.clone(),
            },
            Some(Method::Signed) => revocation_list(&mut s, &id, issuer.as_ref()),
            None => Step::Skipped("no verification method to establish status by".into()),
        };
    }
    report
}

/// Fetches the hosted copy of `doc` from its id and compares.
fn hosted(s: &mut Session, doc: &Value, id: &str, report: &mut Report) {
    if id.starts_with("_:") {
        report.hosted = Step::Skipped(
            "the document has no id of its own (an Open Badges 0.5 badge): it can only be verified from the URL it \
             was published at"
                .into(),
        );
        return;
    }
    if !is_http(id) {
        report.hosted = violated(
            "a hosted document's id must be the http(s) URL it is served at",
            "an http(s) URL",
            if id.is_empty() {
                "no id".to_string()
            } else {
                id.to_string()
            },
        )
        .at(Ptr::root().key("id"));
        return;
    }
    report.hosted = match s.json(id) {
        Got::Json { value, exchange } => {
            let served = value.get("id").and_then(Value::as_str).unwrap_or_default();
            if served != id {
                violated(
                    format!("the document served at {id} declares another id"),
                    id.to_string(),
                    if served.is_empty() {
                        "no id".into()
                    } else {
                        served.to_string()
                    },
                )
                .shown_by(&exchange)
            } else if value.get("revoked").and_then(Value::as_bool) == Some(true) {
                let reason = value
                    .get("revocationReason")
                    .and_then(Value::as_str)
                    .unwrap_or("no reason given");
                report.revocation = violated(
                    format!("the hosted document at {id} says it is revoked"),
                    "a document that is not revoked",
                    format!("revoked: true ({reason})"),
                )
                .shown_by(&exchange);
                Step::Holds(format!("served at its id ({exchange})"))
            } else if strip_context(&value) != strip_context(doc) {
                Step::Holds(format!(
                    "served at its id ({exchange}); the served copy differs from the one given, and is the one that counts"
                ))
            } else {
                Step::Holds(format!("served at its id, identical ({exchange})"))
            }
        }
        Got::Gone { exchange } => {
            report.revocation = violated(
                format!("{id} answered 410 Gone: the issuer has revoked it"),
                "200 OK",
                "HTTP 410 Gone",
            )
            .shown_by(&exchange);
            Step::Holds("the id answers 410 Gone (revoked)".into())
        }
        Got::Failed(step) => step.at(Ptr::root().key("id")),
    };
}

fn strip_context(v: &Value) -> Value {
    let mut v = v.clone();
    if let Some(o) = v.as_object_mut() {
        o.remove("@context");
    }
    v
}

/// The OB 2.0 hosted-verification policy: `startsWith` first, then the id's origin against `allowedOrigins`
/// (by default the issuer id's own origin).
fn scope(id: &str, issuer: Option<&Value>, kind: Kind) -> Step {
    let Some(issuer) = issuer else {
        return Step::Skipped("the issuer Profile could not be resolved, so its verification policy is unknown".into());
    };
    let issuer_id = issuer.get("id").and_then(Value::as_str).unwrap_or_default();
    let policy = issuer.get("verification").cloned().unwrap_or(Value::Null);
    let list = |k: &str| -> Vec<String> {
        match policy.get(k) {
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).map(str::to_string).collect(),
            _ => Vec::new(),
        }
    };
    let starts = list("startsWith");
    if !starts.is_empty() && !starts.iter().any(|p| id.starts_with(p.as_str())) {
        return violated(
            "the hosted id does not start with any startsWith prefix of the issuer's verification policy",
            format!("an id starting with {}", starts.join(" or ")),
            id.to_string(),
        )
        .at(Ptr::root().key("id"));
    }
    let origin = |u: &str| {
        Url::parse(u).ok().and_then(|u| {
            let host = u.host_str()?.to_ascii_lowercase();
            Some(match u.port() {
                Some(port) => format!("{host}:{port}"),
                None => host,
            })
        })
    };
    let mut allowed = list("allowedOrigins");
    let default_policy = allowed.is_empty();
    if default_policy {
        match origin(issuer_id).filter(|_| is_http(issuer_id)) {
            Some(o) => allowed.push(o),
            None => {
                return Step::Holds(format!(
                    "the issuer id {issuer_id} is not an http(s) URL: no origin to enforce the hosting policy against"
                ));
            }
        }
    }
    let Some(mine) = origin(id) else {
        return violated("the hosted id has no origin", "an http(s) URL", id.to_string());
    };
    if allowed.iter().any(|a| a.eq_ignore_ascii_case(&mine)) {
        Step::Holds(format!("{mine} is an allowed origin"))
    } else {
        let whose = if kind == Kind::Clr { "publisher" } else { "issuer" };
        violated(
            format!(
                "the hosted id is on {mine}, which the {whose}'s verification policy does not allow{}",
                if default_policy {
                    " (by default only the issuer id's own origin)"
                } else {
                    ""
                }
            ),
            format!("an id on {}", allowed.join(" or ")),
            mine,
        )
        .at(Ptr::root().key("id"))
    }
}

/// Resolves an OB 2.0 assertion's BadgeClass and its Issuer; returns the issuer Profile.
fn resolve_badge_and_issuer(s: &mut Session, doc: &Value, report: &mut Report) -> Option<Value> {
    let badge = match resolve(s, doc.get("badge"), "badge") {
        Ok(b) => b,
        Err(step) => {
            report.linked = step;
            report.image = Step::Skipped("the BadgeClass could not be resolved".into());
            return None;
        }
    };
    report.image = image(s, badge.get("image"));
    let issuer = match resolve(s, badge.get("issuer"), "issuer") {
        Ok(i) => i,
        Err(step) => {
            report.linked = step;
            return None;
        }
    };
    report.linked = Step::Holds("the BadgeClass and its Issuer resolve".into());
    Some(issuer)
}

fn resolve_profile(s: &mut Session, link: Option<&Value>, step: &mut Step) -> Option<Value> {
    match resolve(s, link, "issuer") {
        Ok(p) => {
            *step = Step::Holds("the issuer Profile resolves".into());
            Some(p)
        }
        Err(e) => {
            *step = e;
            None
        }
    }
}

/// The profile whose keys sign a CLR 1.0 document: its hosted copy when its id is a URL (the embedded copy is
/// what the document claims about itself), else the embedded one.
fn profile_for_keys(s: &mut Session, embedded: Option<&Value>) -> Option<Value> {
    let embedded = embedded?;
    let id = ref_id(embedded)?;
    if is_http(id)
        && let Got::Json { value, .. } = s.json(id)
    {
        return Some(value);
    }
    embedded.is_object().then(|| embedded.clone())
}

/// A linked object: fetched from its id when that is a URL (the hosted copy overrides an embedded one), else the
/// embedded object.
fn resolve(s: &mut Session, link: Option<&Value>, name: &str) -> Result<Value, Step> {
    let Some(link) = link else {
        return Err(violated(
            format!("there is no {name} to resolve"),
            format!("a {name}"),
            "nothing",
        ));
    };
    let Some(id) = ref_id(link) else {
        return Err(violated(
            format!("the {name} is neither an IRI nor an object with an id"),
            "an IRI or an embedded object with an id",
            crate::json::show(link),
        ));
    };
    if is_http(id) {
        return match s.json(id) {
            Got::Json { value, .. } => Ok(value),
            Got::Gone { exchange } => {
                Err(violated(format!("the {name} at {id} answered 410 Gone"), "200 OK", "HTTP 410").shown_by(&exchange))
            }
            Got::Failed(step) => Err(step),
        };
    }
    match single(link) {
        Some(v @ Value::Object(_)) => Ok(v.clone()),
        _ => Err(violated(
            format!("the {name} {id} is not a URL, and no embedded copy is given"),
            "an http(s) URL or an embedded object",
            id.to_string(),
        )),
    }
}

/// A BadgeClass image given as a URL must be retrievable (data URIs are checked by the data-model checks).
fn image(s: &mut Session, image: Option<&Value>) -> Step {
    let Some(url) = image.and_then(ref_id) else {
        return Step::NotApplicable("the BadgeClass has no image URL".into());
    };
    if url.starts_with("data:") {
        return Step::NotApplicable("the image is a data URI".into());
    }
    if !is_http(url) {
        return Step::NotApplicable(format!("the image {url} is not an http(s) URL"));
    }
    match s.get(url, "image/png, image/svg+xml, image/*") {
        Ok(f) => Step::Holds(format!("{url} answers {} ({} bytes)", f.status, f.bytes.len())),
        Err(step) => step,
    }
}

/// Checks a signed document's JWS with its creator key, and that the issuer lists that key.
fn signed(
    s: &mut Session,
    doc: &Value,
    jws: Option<&CompactJws>,
    issuer: Option<&Value>,
    verification: &Ptr,
    report: &mut Report,
) {
    let Some(jws) = jws else {
        let why = "a signed document is verified from its compact JWS; this input is its bare JSON (give the JWS, \
                   or the baked image that carries it)";
        report.signature = Step::Skipped(why.into());
        report.key_listed = Step::Skipped(why.into());
        report.key_owner = Step::Skipped(why.into());
        return;
    };
    let alg = jws.header.get("alg").and_then(Value::as_str).unwrap_or_default();
    let creator_ptr = verification.key("creator");
    let creator = doc.pointer(creator_ptr.as_str()).and_then(ref_id).map(str::to_string);
    let issuer_keys: Vec<String> = issuer
        .and_then(|i| i.get("publicKey"))
        .map(|k| match k {
            Value::Array(items) => items.iter().filter_map(ref_id).map(str::to_string).collect(),
            other => ref_id(other).map(str::to_string).into_iter().collect(),
        })
        .unwrap_or_default();
    let Some(creator) = creator.or_else(|| issuer_keys.first().cloned()) else {
        let step = violated(
            "the signed document names no key: verification.creator is missing and the issuer lists no publicKey",
            "verification.creator: the URL of the issuer's CryptographicKey",
            "no creator",
        )
        .at(creator_ptr);
        report.signature = step.clone();
        report.key_listed = step;
        report.key_owner = Step::Skipped("no key to check the owner of".into());
        return;
    };
    // The key document: fetched from the creator URL, or embedded in the issuer profile when it is not a URL.
    let key = if is_http(&creator) {
        match s.json(&creator) {
            Got::Json { value, .. } => Ok(value),
            Got::Gone { exchange } => Err(violated(
                format!("the key {creator} answered 410 Gone (the issuer withdrew it)"),
                "200 OK",
                "HTTP 410",
            )
            .shown_by(&exchange)),
            Got::Failed(step) => Err(step),
        }
    } else {
        embedded_key(issuer, &creator).ok_or_else(|| {
            violated(
                format!("the key {creator} is not a URL and the issuer embeds no key with that id"),
                "an http(s) URL of a CryptographicKey",
                creator.clone(),
            )
        })
    };
    let key = match key {
        Ok(k) => k,
        Err(step) => {
            report.signature = step.clone().at(creator_ptr.clone());
            report.key_listed = Step::Skipped("the key could not be obtained".into());
            report.key_owner = Step::Skipped("the key could not be obtained".into());
            return;
        }
    };
    report.signature = if alg != "RS256" {
        violated(
            format!("the JWS alg is {alg:?}: OB 2.0 signed badges use RS256"),
            "RS256",
            alg.to_string(),
        )
    } else {
        match key.get("publicKeyPem").and_then(Value::as_str) {
            None => violated(
                format!("the CryptographicKey {creator} has no publicKeyPem"),
                "a PEM-encoded RSA public key",
                "none",
            ),
            Some(pem) => match rs256(jws, pem) {
                Ok(()) => Step::Holds(format!("RS256 signature verifies with {creator}")),
                Err(why) => violated(
                    format!("the JWS signature does not verify with {creator}: {why}"),
                    "a signature made with the creator key over the JWS signing input",
                    why,
                ),
            },
        }
    };
    let issuer_id = issuer
        .and_then(|i| i.get("id"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    report.key_listed = match issuer {
        None => Step::Skipped("the issuer Profile could not be resolved, so its keys are unknown".into()),
        Some(_) if issuer_keys.contains(&creator) => {
            Step::Holds(format!("{creator} is listed in the issuer's publicKey"))
        }
        Some(_) => violated(
            format!("the document is signed with {creator}, a key the issuer Profile {issuer_id} does not list"),
            format!(
                "one of the issuer's publicKey entries: {}",
                if issuer_keys.is_empty() {
                    "(none)".to_string()
                } else {
                    issuer_keys.join(", ")
                }
            ),
            creator.clone(),
        )
        .at(creator_ptr.clone()),
    };
    let owner = key.get("owner").and_then(Value::as_str).unwrap_or_default();
    report.key_owner = match issuer {
        None => Step::Skipped("the issuer Profile could not be resolved".into()),
        Some(_) if owner == issuer_id => Step::Holds(format!("the key's owner is the issuer {issuer_id}")),
        Some(_) => violated(
            format!("the key {creator} names another owner than the issuer"),
            issuer_id.to_string(),
            if owner.is_empty() {
                "no owner".into()
            } else {
                owner.to_string()
            },
        ),
    };
}

fn embedded_key(issuer: Option<&Value>, id: &str) -> Option<Value> {
    let keys = issuer?.get("publicKey")?;
    let items: Vec<&Value> = match keys {
        Value::Array(a) => a.iter().collect(),
        other => vec![other],
    };
    items
        .into_iter()
        .find(|k| k.get("id").and_then(Value::as_str) == Some(id))
        .cloned()
}

/// Verifies an RS256 JWS with a PEM SubjectPublicKeyInfo (or PKCS#1 `RSA PUBLIC KEY`).
pub fn rs256(jws: &CompactJws, pem: &str) -> Result<(), String> {
    let der = pem_der(pem).ok_or("the publicKeyPem is not a PEM public key")?;
    let key = UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, &der);
    key.verify(jws.signing_input().as_bytes(), &jws.signature)
        .map_err(|_| "the signature does not match".to_string())
}

/// The DER bytes of a PEM public key, as a SubjectPublicKeyInfo.
fn pem_der(pem: &str) -> Option<Vec<u8>> {
    let body = |label: &str| -> Option<Vec<u8>> {
        let begin = format!("-----BEGIN {label}-----");
        let end = format!("-----END {label}-----");
        let inner = pem.split_once(&begin)?.1.split_once(&end)?.0;
        let b64: String = inner.chars().filter(|c| !c.is_whitespace()).collect();
        STANDARD.decode(b64).ok()
    };
    // aws-lc reads a bare RSAPublicKey for the PKCS#1 form and a SubjectPublicKeyInfo for the other.
    body("PUBLIC KEY").or_else(|| body("RSA PUBLIC KEY"))
}

/// The issuer's RevocationList must not list the document's id.
fn revocation_list(s: &mut Session, id: &str, issuer: Option<&Value>) -> Step {
    let Some(issuer) = issuer else {
        return Step::Skipped("the issuer Profile could not be resolved, so its revocation list is unknown".into());
    };
    let Some(url) = issuer.get("revocationList").and_then(ref_id) else {
        return Step::Holds("the issuer publishes no revocation list".into());
    };
    let list = match s.json(url) {
        Got::Json { value, exchange } => (value, exchange),
        Got::Gone { exchange } => {
            return violated(
                format!("the revocation list {url} answered 410 Gone"),
                "200 OK",
                "HTTP 410",
            )
            .shown_by(&exchange);
        }
        Got::Failed(Step::Violated(p)) => {
            // An unreadable revocation list leaves the status unknown: not a pass.
            return Step::Skipped(format!("the revocation list could not be read: {}", p.message));
        }
        Got::Failed(step) => return step,
    };
    let (list, exchange) = list;
    let Some(entries) = list.get("revokedAssertions") else {
        return Step::Skipped(format!("the revocation list {url} has no revokedAssertions"));
    };
    let items: Vec<&Value> = match entries {
        Value::Array(a) => a.iter().collect(),
        other => vec![other],
    };
    for entry in items {
        let listed = match entry {
            Value::String(s) => s == id,
            Value::Object(o) => o.get("id").and_then(Value::as_str) == Some(id),
            _ => false,
        };
        if listed {
            let reason = entry
                .get("revocationReason")
                .and_then(Value::as_str)
                .unwrap_or("no reason given");
            return violated(
                format!("{id} is listed in the issuer's RevocationList {url}: {reason}"),
                "an id the revocation list does not name",
                format!("revoked ({reason})"),
            )
            .shown_by(&exchange);
        }
    }
    Step::Holds(format!("not listed in {url}"))
}

/// CLR 1.0: each embedded assertion that declares hosted verification is fetched again from its id.
fn hosted_assertions(s: &mut Session, doc: &Value, report: &mut Report) {
    let Some(Value::Array(assertions)) = doc.get("assertions") else {
        return;
    };
    for (i, a) in assertions.iter().enumerate() {
        let hosted = a
            .pointer("/verification/type")
            .and_then(Value::as_str)
            .is_some_and(|t| t == "Hosted");
        if !hosted {
            continue;
        }
        let ptr = Ptr::root().key("assertions").index(i);
        let id = a.get("id").and_then(Value::as_str).unwrap_or_default();
        let step = if !is_http(id) {
            violated(
                "a hosted assertion's id must be the http(s) URL it is served at",
                "an http(s) URL",
                id.to_string(),
            )
            .at(ptr.key("id"))
        } else {
            match s.json(id) {
                Got::Json { value, exchange } => {
                    let served = value.get("id").and_then(Value::as_str).unwrap_or_default();
                    if served == id {
                        Step::Holds(format!("served at its id ({exchange})"))
                    } else {
                        violated(format!("the assertion served at {id} declares another id"), id, served)
                            .shown_by(&exchange)
                            .at(ptr.key("id"))
                    }
                }
                Got::Gone { exchange } => violated(
                    format!("the assertion {id} answered 410 Gone: revoked"),
                    "200 OK",
                    "HTTP 410 Gone",
                )
                .shown_by(&exchange)
                .at(ptr.key("id")),
                Got::Failed(step) => step.at(ptr.key("id")),
            }
        };
        report.assertions.push((ptr, step));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_hosting_policy_defaults_to_the_issuer_origin_and_honours_starts_with() {
        let issuer = json!({"id": "https://badges.example.org/issuer"});
        assert!(matches!(
            scope("https://badges.example.org/a/1", Some(&issuer), Kind::Assertion),
            Step::Holds(_)
        ));
        assert!(matches!(
            scope("https://evil.example.com/a/1", Some(&issuer), Kind::Assertion),
            Step::Violated(_)
        ));
        let with_policy = json!({"id": "https://badges.example.org/issuer",
            "verification": {"startsWith": "https://badges.example.org/a/", "allowedOrigins": ["badges.example.org"]}});
        assert!(matches!(
            scope("https://badges.example.org/b/1", Some(&with_policy), Kind::Assertion),
            Step::Violated(_)
        ));
        assert!(matches!(
            scope("https://badges.example.org/a/1", Some(&with_policy), Kind::Assertion),
            Step::Holds(_)
        ));
        // Ports count: 127.0.0.1:8080 is another origin than 127.0.0.1:9090.
        let local = json!({"id": "http://127.0.0.1:8080/issuer"});
        assert!(matches!(
            scope("http://127.0.0.1:9090/a", Some(&local), Kind::Assertion),
            Step::Violated(_)
        ));
    }
}
