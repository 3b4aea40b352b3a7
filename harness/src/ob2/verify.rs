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
use std::time::Instant;

use serde_json::{Value, json};
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
    /// The run's deadline: no fetch starts after it.
    until: Option<Instant>,
}

impl Session<'_> {
    fn get(&mut self, url: &str, accept: &str) -> Result<crate::fetch::Fetched, Step> {
        if self.fetches >= MAX_FETCHES {
            return Err(Step::Skipped(format!(
                "not fetched: verification of one document makes at most {MAX_FETCHES} fetches"
            )));
        }
        if self.until.is_some_and(|d| Instant::now() >= d) {
            return Err(Step::Skipped(format!(
                "{url} was not fetched: the run's time budget ran out"
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

    /// A linked document fetched from its URL, which must declare that URL as its id: a document that names
    /// another id is not the one linked (and a profile could otherwise claim any issuer's identity).
    fn hosted_doc(&mut self, url: &str, name: &str) -> Result<Value, Step> {
        match self.json(url) {
            Got::Json { mut value, exchange } => {
                let declared = value.get("id").and_then(Value::as_str).unwrap_or_default().to_string();
                // An Open Badges 1.0 BadgeClass or Issuer has no @context and no id: it is known by its URL.
                let ob1_node = declared.is_empty() && value.get("@context").is_none();
                if ob1_node && let Some(o) = value.as_object_mut() {
                    o.insert("id".into(), url.into());
                }
                if declared == url || ob1_node {
                    Ok(value)
                } else {
                    Err(violated(
                        format!("the {name} served at {url} declares another id"),
                        url.to_string(),
                        if declared.is_empty() {
                            "no id".to_string()
                        } else {
                            declared.to_string()
                        },
                    )
                    .shown_by(&exchange))
                }
            }
            Got::Gone { exchange } => {
                Err(
                    violated(format!("the {name} at {url} answered 410 Gone"), "200 OK", "HTTP 410")
                        .shown_by(&exchange),
                )
            }
            Got::Failed(step) => Err(step),
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

/// The items of a value that may be one item or an array of them.
fn items(v: &Value) -> Vec<&Value> {
    match v {
        Value::Array(a) => a.iter().collect(),
        other => vec![other],
    }
}

/// Verifies an OB 2.0 assertion or a CLR 1.0 record (`doc`, already upgraded to OB 2.0 when legacy), given as the
/// compact JWS `jws` when it came signed; no fetch starts after `until`.
pub fn verify(kind: Kind, doc: &Value, jws: Option<&CompactJws>, net: &Net, until: Option<Instant>) -> Report {
    let mut s = Session {
        net,
        fetches: 0,
        cache: BTreeMap::new(),
        until,
    };
    let mut report = Report::default();
    let verification_ptr = Ptr::root().key("verification");
    if !matches!(
        kind,
        Kind::Assertion | Kind::Endorsement | Kind::ClrAssertion | Kind::Clr
    ) {
        return report;
    }
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

    // The issuer as the verifier may trust it: the Profile served at its own http(s) id. Keys, the hosting policy
    // and the revocation list come from there, never from the document being verified.
    let issuer: Result<Value, Step> = match kind {
        Kind::Assertion => resolve_badge_and_issuer(&mut s, doc, &mut report),
        Kind::Endorsement => {
            let link = doc.get("issuer");
            let resolved = resolve(&mut s, link, "issuer");
            report.linked = match &resolved {
                Ok(_) => Step::Holds("the issuer Profile resolves".into()),
                Err(step) => step.clone(),
            };
            resolved.and_then(|r| r.trusted())
        }
        Kind::ClrAssertion => {
            report.linked = Step::NotApplicable("CLR 1.0 profiles are embedded in the record".into());
            hosted_profile(&mut s, doc.pointer("/achievement/issuer"), "achievement's issuer")
        }
        _ => {
            report.linked = Step::NotApplicable("CLR 1.0 profiles are embedded in the record".into());
            hosted_profile(&mut s, doc.get("publisher"), "publisher")
        }
    };
    report.issuer = issuer.as_ref().ok().cloned();

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
            let (hosted, revoked) = hosted_copy(&mut s, doc, &id, &Ptr::root());
            report.hosted = hosted;
            if let Some(r) = revoked {
                report.revocation = r;
            }
            report.scope = scope(&id, &issuer, kind);
        }
        Some(Method::Signed) => {
            report.hosted = Step::NotApplicable("signed verification: the document is not fetched again".into());
            report.scope = Step::NotApplicable("signed verification: no hosting policy applies".into());
            signed(&mut s, doc, jws, &issuer, &verification_ptr, &mut report);
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
            Some(Method::Signed) => revocation_list(&mut s, doc, &id, &issuer),
            None => Step::Skipped("no verification method to establish status by".into()),
        };
    }
    report
}

/// Fetches the hosted copy of a document from its id: whether it is served there, the same (beyond `@context`), and
/// (the second value) revoked when it answers 410 or says `revoked: true`. `at` locates the document.
fn hosted_copy(s: &mut Session, given: &Value, id: &str, at: &Ptr) -> (Step, Option<Step>) {
    if id.starts_with("_:") {
        let why = "the document has no id of its own (an Open Badges 0.5 badge): it can only be verified from the URL \
                   it was published at";
        return (Step::Skipped(why.into()), None);
    }
    if !is_http(id) {
        let step = violated(
            "a hosted document's id must be the http(s) URL it is served at",
            "an http(s) URL",
            if id.is_empty() {
                "no id".to_string()
            } else {
                id.to_string()
            },
        )
        .at(at.key("id"));
        return (step, None);
    }
    match s.json(id) {
        Got::Json { value, exchange } => {
            let served = value.get("id").and_then(Value::as_str).unwrap_or_default();
            if served != id {
                let step = violated(
                    format!("the document served at {id} declares another id"),
                    id.to_string(),
                    if served.is_empty() {
                        "no id".into()
                    } else {
                        served.to_string()
                    },
                )
                .shown_by(&exchange)
                .at(at.key("id"));
                return (step, None);
            }
            if value.get("revoked").and_then(Value::as_bool) == Some(true) {
                let reason = value
                    .get("revocationReason")
                    .and_then(Value::as_str)
                    .unwrap_or("no reason given");
                let revoked = violated(
                    format!("the hosted document at {id} says it is revoked"),
                    "a document that is not revoked",
                    format!("revoked: true ({reason})"),
                )
                .shown_by(&exchange)
                .at(at.key("id"));
                return (Step::Holds(format!("served at its id ({exchange})")), Some(revoked));
            }
            let differing = differing_keys(&strip_context(given), &strip_context(&value));
            if differing.is_empty() {
                (Step::Holds(format!("served at its id, identical ({exchange})")), None)
            } else {
                // The hosted copy is the one that counts: claims only the given copy makes are not the issuer's.
                let step = violated(
                    format!("the document given differs from the one its issuer hosts at {id}"),
                    "the document as hosted at its id",
                    format!("different {}", differing.join(", ")),
                )
                .shown_by(&exchange)
                .at(at.clone());
                (step, None)
            }
        }
        Got::Gone { exchange } => {
            let revoked = violated(
                format!("{id} answered 410 Gone: the issuer has revoked it"),
                "200 OK",
                "HTTP 410 Gone",
            )
            .shown_by(&exchange)
            .at(at.key("id"));
            (Step::Holds("the id answers 410 Gone (revoked)".into()), Some(revoked))
        }
        Got::Failed(step) => (step.at(at.key("id")), None),
    }
}

fn strip_context(v: &Value) -> Value {
    let mut v = v.clone();
    if let Some(o) = v.as_object_mut() {
        o.remove("@context");
    }
    v
}

/// The top-level members two objects disagree on, sorted.
fn differing_keys(a: &Value, b: &Value) -> Vec<String> {
    let (Some(a), Some(b)) = (a.as_object(), b.as_object()) else {
        return if a == b { Vec::new() } else { vec!["values".into()] };
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

/// The OB 2.0 hosted-verification policy: `startsWith` first, then the id's origin against `allowedOrigins`
/// (by default the origin of the issuer's own id).
fn scope(id: &str, issuer: &Result<Value, Step>, kind: Kind) -> Step {
    let issuer = match issuer {
        Ok(i) => i,
        Err(Step::Skipped(why)) | Err(Step::NotApplicable(why)) => {
            return Step::Skipped(format!("the issuer's hosting policy is unknown: {why}"));
        }
        Err(_) => {
            return Step::Skipped("the issuer Profile could not be resolved, so its hosting policy is unknown".into());
        }
    };
    let issuer_id = issuer.get("id").and_then(Value::as_str).unwrap_or_default();
    let policy = issuer.get("verification").cloned().unwrap_or(Value::Null);
    let list = |k: &str| -> Vec<String> {
        policy
            .get(k)
            .map(items)
            .unwrap_or_default()
            .into_iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect()
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
            // A trusted issuer was fetched from its http(s) id, so this does not happen; say so if it does.
            None => return Step::Skipped(format!("the issuer id {issuer_id} has no origin to hold the id to")),
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

/// A linked object as resolved.
struct Resolved {
    value: Value,
    /// Fetched from its own http(s) id (not the embedded copy the document carries).
    hosted: bool,
}

impl Resolved {
    /// The profile as a verifier may trust it: only a hosted one.
    fn trusted(self) -> Result<Value, Step> {
        if self.hosted {
            return Ok(self.value);
        }
        let id = self.value.get("id").and_then(Value::as_str).unwrap_or("no id");
        Err(Step::Skipped(format!(
            "the issuer {id} is not hosted at an http(s) id: its keys, hosting policy and revocation list cannot be \
             learned from where it is published, and the document's own copy proves nothing"
        )))
    }
}

/// Resolves an OB 2.0 assertion's BadgeClass and its Issuer; returns the issuer Profile a verifier may trust.
fn resolve_badge_and_issuer(s: &mut Session, doc: &Value, report: &mut Report) -> Result<Value, Step> {
    let badge = match resolve(s, doc.get("badge"), "BadgeClass") {
        Ok(b) => b,
        Err(step) => {
            report.linked = step.clone();
            report.image = Step::Skipped("the BadgeClass could not be resolved".into());
            return Err(Step::Skipped(
                "the BadgeClass, and so its issuer, could not be resolved".into(),
            ));
        }
    };
    report.image = image(s, badge.value.get("image"));
    match resolve(s, badge.value.get("issuer"), "issuer") {
        Ok(issuer) => {
            report.linked = Step::Holds("the BadgeClass and its Issuer resolve".into());
            issuer.trusted()
        }
        Err(step) => {
            report.linked = step;
            Err(Step::Skipped("the issuer Profile could not be resolved".into()))
        }
    }
}

/// The Profile that signs a CLR 1.0 document, as served at its id: the record's own copy of it is what the record
/// claims about itself, so the keys come from the hosted one or from nowhere.
fn hosted_profile(s: &mut Session, embedded: Option<&Value>, name: &str) -> Result<Value, Step> {
    let Some(id) = embedded.and_then(ref_id) else {
        return Err(Step::Skipped(format!("the {name} has no id to fetch its Profile from")));
    };
    if !is_http(id) {
        return Err(Step::Skipped(format!(
            "the {name} {id} is not an http(s) URL: its keys and revocation list cannot be learned from where it is \
             published, and the record's own copy proves nothing"
        )));
    }
    s.hosted_doc(id, &format!("{name} Profile"))
}

/// A linked object: fetched from its id when that is a URL (the hosted copy overrides an embedded one), else the
/// embedded object (which is then not hosted).
fn resolve(s: &mut Session, link: Option<&Value>, name: &str) -> Result<Resolved, Step> {
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
        let id = id.to_string();
        return s.hosted_doc(&id, name).map(|value| Resolved { value, hosted: true });
    }
    match single(link) {
        Some(v @ Value::Object(_)) => Ok(Resolved {
            value: v.clone(),
            hosted: false,
        }),
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

/// The ids of the keys a Profile lists in `publicKey` (IRIs or embedded keys).
fn listed_keys(profile: &Value) -> Vec<String> {
    profile
        .get("publicKey")
        .map(items)
        .unwrap_or_default()
        .into_iter()
        .filter_map(ref_id)
        .map(str::to_string)
        .collect()
}

/// A key document: fetched from its URL (a CryptographicKey declaring that id, or — OB 1.x — a bare PEM), or the key
/// a hosted Profile embeds under that id.
fn key_document(s: &mut Session, id: &str, issuer: &Result<Value, Step>) -> Result<Value, Step> {
    if !is_http(id) {
        let embedded = issuer.as_ref().ok().and_then(|i| {
            i.get("publicKey")
                .map(items)
                .unwrap_or_default()
                .into_iter()
                .find(|k| k.get("id").and_then(Value::as_str) == Some(id))
                .cloned()
        });
        return embedded.ok_or_else(|| match issuer {
            Ok(_) => violated(
                format!("the key {id} is not a URL and the issuer's hosted Profile embeds no key with that id"),
                "an http(s) URL of a CryptographicKey",
                id.to_string(),
            ),
            Err(_) => Step::Skipped(format!(
                "the key {id} is not a URL and the issuer is not hosted: the key cannot be obtained from anywhere but \
                 the document itself"
            )),
        });
    }
    // One fetch: a CryptographicKey document, or (Open Badges 1.x) the bare PEM the verify URL named.
    let fetched = s.get(
        id,
        "application/ld+json, application/json, application/x-pem-file, text/plain",
    );
    let f = match fetched {
        Ok(f) => f,
        Err(Step::Violated(p)) if p.found == "HTTP 410" => {
            return Err(violated(
                format!("the key {id} answered 410 Gone (the issuer withdrew it)"),
                "200 OK",
                "HTTP 410",
            ));
        }
        Err(step) => return Err(step),
    };
    match serde_json::from_slice::<Value>(&f.bytes) {
        Ok(key) if key.is_object() => {
            let declared = key.get("id").and_then(Value::as_str).unwrap_or_default();
            if declared == id {
                Ok(key)
            } else {
                Err(violated(
                    format!("the CryptographicKey served at {id} declares another id"),
                    id.to_string(),
                    if declared.is_empty() {
                        "no id".to_string()
                    } else {
                        declared.to_string()
                    },
                )
                .shown_by(&f.exchange_id))
            }
        }
        _ => match std::str::from_utf8(&f.bytes) {
            Ok(text) if text.contains("-----BEGIN") => Ok(json!({"id": id, "publicKeyPem": text})),
            _ => Err(violated(
                format!("{id} answered neither a CryptographicKey nor a PEM public key"),
                "a CryptographicKey (JSON-LD) or a PEM public key",
                format!("{} bytes", f.bytes.len()),
            )
            .shown_by(&f.exchange_id)),
        },
    }
}

/// Checks a signed document's JWS with its creator key, and that the issuer's hosted Profile lists that key.
fn signed(
    s: &mut Session,
    doc: &Value,
    jws: Option<&CompactJws>,
    issuer: &Result<Value, Step>,
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
    let issuer_keys = issuer.as_ref().map(listed_keys).unwrap_or_default();
    // Without a creator the spec has the verifier try the issuer's keys.
    let candidates: Vec<String> = match doc.pointer(creator_ptr.as_str()).and_then(ref_id) {
        Some(c) => vec![c.to_string()],
        None => issuer_keys.clone(),
    };
    if candidates.is_empty() {
        let step = match issuer {
            Ok(_) => violated(
                "the signed document names no key: verification.creator is missing and the issuer lists no publicKey",
                "verification.creator: the URL of the issuer's CryptographicKey",
                "no creator",
            )
            .at(creator_ptr),
            Err(why) => Step::Skipped(format!(
                "the signed document names no key (no verification.creator), and the issuer's keys are unknown: {}",
                step_reason(why)
            )),
        };
        report.signature = step.clone();
        report.key_listed = step;
        report.key_owner = Step::Skipped("no key to check the owner of".into());
        return;
    }
    if alg != "RS256" {
        report.signature = violated(
            format!("the JWS alg is {alg:?}: OB 2.0 signed badges use RS256"),
            "RS256",
            alg.to_string(),
        );
        report.key_listed = Step::Skipped("the signature was not checked".into());
        report.key_owner = Step::Skipped("the signature was not checked".into());
        return;
    }
    let mut last = Step::default();
    let mut verified = None;
    for creator in &candidates {
        let key = match key_document(s, creator, issuer) {
            Ok(k) => k,
            Err(step) => {
                last = step.at(creator_ptr.clone());
                continue;
            }
        };
        last = match key.get("publicKeyPem").and_then(Value::as_str) {
            None => violated(
                format!("the CryptographicKey {creator} has no publicKeyPem"),
                "a PEM-encoded RSA public key",
                "none",
            ),
            Some(pem) => match rs256(jws, pem) {
                Ok(()) => {
                    verified = Some((creator.clone(), key));
                    break;
                }
                Err(why) => violated(
                    format!("the JWS signature does not verify with {creator}: {why}"),
                    "a signature made with the creator key over the JWS signing input",
                    why,
                ),
            },
        };
    }
    let Some((creator, key)) = verified else {
        report.signature = last;
        report.key_listed = Step::Skipped("no key verified the signature".into());
        report.key_owner = Step::Skipped("no key verified the signature".into());
        return;
    };
    report.signature = Step::Holds(format!("RS256 signature verifies with {creator}"));
    let issuer = match issuer {
        Ok(i) => i,
        Err(why) => {
            report.key_listed = Step::Skipped(format!("whose key it is cannot be established: {}", step_reason(why)));
            report.key_owner = Step::Skipped("the issuer's hosted Profile is unknown".into());
            return;
        }
    };
    let issuer_id = issuer.get("id").and_then(Value::as_str).unwrap_or_default();
    report.key_listed = if issuer_keys.contains(&creator) {
        Step::Holds(format!("{creator} is listed in the issuer's publicKey"))
    } else {
        violated(
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
        .at(creator_ptr.clone())
    };
    report.key_owner = match key.get("owner").and_then(Value::as_str) {
        None => Step::Skipped(format!("the key {creator} names no owner (a bare PEM)")),
        Some(owner) if owner == issuer_id => Step::Holds(format!("the key's owner is the issuer {issuer_id}")),
        Some(owner) => violated(
            format!("the key {creator} names another owner than the issuer"),
            issuer_id.to_string(),
            owner.to_string(),
        ),
    };
}

fn step_reason(step: &Step) -> String {
    match step {
        Step::Skipped(why) | Step::NotApplicable(why) | Step::Holds(why) => why.clone(),
        Step::Violated(p) => p.message.clone(),
    }
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

/// The issuer's RevocationList must not list the document's id (or, for an OB 1.0 badge, its uid).
fn revocation_list(s: &mut Session, doc: &Value, id: &str, issuer: &Result<Value, Step>) -> Step {
    let issuer = match issuer {
        Ok(i) => i,
        Err(why) => return Step::Skipped(format!("the issuer's revocation list is unknown: {}", step_reason(why))),
    };
    let Some(url) = issuer.get("revocationList").and_then(ref_id) else {
        return Step::Holds("the issuer publishes no revocation list".into());
    };
    let url = url.to_string();
    let (list, exchange) = match s.json(&url) {
        Got::Json { value, exchange } => (value, exchange),
        Got::Gone { exchange } => {
            return violated(
                format!("the revocation list {url} answered 410 Gone"),
                "200 OK",
                "HTTP 410",
            )
            .shown_by(&exchange);
        }
        // An unreadable revocation list leaves the status unknown: not a pass.
        Got::Failed(step) => {
            return Step::Skipped(format!("the revocation list could not be read: {}", step_reason(&step)));
        }
    };
    let uid = doc.get("uid").and_then(Value::as_str);
    let Some(entries) = list.get("revokedAssertions") else {
        // Open Badges 1.0 revocation lists map each revoked badge's uid to the reason.
        if let Some(uid) = uid.filter(|_| list.get("@context").is_none()) {
            return match list.get(uid).and_then(Value::as_str) {
                Some(reason) => violated(
                    format!("the badge's uid {uid} is in the issuer's revocation list {url}: {reason}"),
                    "a uid the revocation list does not name",
                    format!("revoked ({reason})"),
                )
                .shown_by(&exchange),
                None => Step::Holds(format!("the uid is not in the OB 1.0 revocation list {url}")),
            };
        }
        return Step::Skipped(format!("the revocation list {url} has no revokedAssertions"));
    };
    for entry in items(entries) {
        let listed = match entry {
            Value::String(s) => s == id,
            Value::Object(o) => {
                o.get("id").and_then(Value::as_str) == Some(id)
                    || (uid.is_some() && o.get("uid").and_then(Value::as_str) == uid)
            }
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
        let hosted = a.pointer("/verification/type").and_then(single).and_then(Value::as_str) == Some("Hosted");
        if !hosted {
            continue;
        }
        let ptr = Ptr::root().key("assertions").index(i);
        let id = a.get("id").and_then(Value::as_str).unwrap_or_default();
        // A served copy may carry the CLR's @context of its own; the comparison ignores it.
        let (served, revoked) = hosted_copy(s, a, id, &ptr);
        // Served at its id and not revoked: the id must also lie in its issuer's hosting policy.
        let step = match (revoked, served) {
            (Some(r), _) => r,
            (None, held @ Step::Holds(_)) => {
                let issuer = hosted_profile(s, a.pointer("/achievement/issuer"), "achievement's issuer");
                match scope(id, &issuer, Kind::ClrAssertion) {
                    Step::Violated(p) => Step::Violated(Problem {
                        at: Some(ptr.key("id")),
                        ..p
                    }),
                    Step::Skipped(why) => Step::Skipped(why),
                    _ => held,
                }
            }
            (None, other) => other,
        };
        report.assertions.push((ptr, step));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_ob1_revocation_list_names_revoked_badges_by_uid() {
        let dir = std::env::temp_dir().join(format!("clr-ob1-revocations-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        std::fs::write(dir.join("revocations.json"), br#"{"badge-7": "Awarded in error."}"#).expect("write");
        let mut policy = crate::fetch::FetchPolicy::default();
        policy.url_map.add("https://issuer.example.org", &dir);
        let net = Net::new(policy).expect("net");
        let mut s = Session {
            net: &net,
            fetches: 0,
            cache: BTreeMap::new(),
            until: None,
        };
        let issuer = Ok(
            json!({"id": "https://issuer.example.org/org", "revocationList": "https://issuer.example.org/revocations"}),
        );
        let revoked = revocation_list(&mut s, &json!({"uid": "badge-7"}), "_:b0", &issuer);
        assert!(
            matches!(revoked, Step::Violated(ref p) if p.message.contains("Awarded in error")),
            "{revoked:?}"
        );
        let kept = revocation_list(&mut s, &json!({"uid": "badge-8"}), "_:b0", &issuer);
        assert!(matches!(kept, Step::Holds(_)), "{kept:?}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn the_hosting_policy_defaults_to_the_issuer_origin_and_honours_starts_with() {
        let issuer = json!({"id": "https://badges.example.org/issuer"});
        assert!(matches!(
            scope("https://badges.example.org/a/1", &Ok(issuer.clone()), Kind::Assertion),
            Step::Holds(_)
        ));
        assert!(matches!(
            scope("https://evil.example.com/a/1", &Ok(issuer.clone()), Kind::Assertion),
            Step::Violated(_)
        ));
        let with_policy = json!({"id": "https://badges.example.org/issuer",
            "verification": {"startsWith": "https://badges.example.org/a/", "allowedOrigins": ["badges.example.org"]}});
        assert!(matches!(
            scope(
                "https://badges.example.org/b/1",
                &Ok(with_policy.clone()),
                Kind::Assertion
            ),
            Step::Violated(_)
        ));
        assert!(matches!(
            scope(
                "https://badges.example.org/a/1",
                &Ok(with_policy.clone()),
                Kind::Assertion
            ),
            Step::Holds(_)
        ));
        // Ports count: 127.0.0.1:8080 is another origin than 127.0.0.1:9090.
        let local = json!({"id": "http://127.0.0.1:8080/issuer"});
        assert!(matches!(
            scope("http://127.0.0.1:9090/a", &Ok(local), Kind::Assertion),
            Step::Violated(_)
        ));
    }
}
