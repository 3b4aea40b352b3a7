//! Finding the public key behind a proof: a Data Integrity `verificationMethod` or a VC-JWT header (`jwk`, `kid`).
//!
//! Every step is recorded (the DID, the document URL, the method, the key) so a report can show how the key was
//! found, and every HTTP attempt is kept as an exchange. Whether the key belongs to the issuer (key provenance) is
//! a separate answer, never a resolution error: a key can resolve fine and still be someone else's.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use clr_reports::{Evidence, Exchange};
use serde_json::Value;

use super::multikey::{self, MultikeyError, PublicKey};
use crate::fetch::{FetchError, Fetcher};

/// What is asked for when dereferencing key material.
pub const KEY_ACCEPT: &str = "application/did+json, application/did+ld+json;q=0.9, application/jwk-set+json;q=0.9, \
                              application/jwk+json;q=0.9, application/ld+json;q=0.8, application/json;q=0.8";

/// A resolved key and how it was found.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub key: PublicKey,
    /// Id of the verification method (or JWK `kid`) the key came from, when it has one.
    pub method_id: Option<String>,
    /// The key's controller: the method's `controller`, the DID, or the part before `#`.
    pub controller: Option<String>,
    /// The JWK the key came from (public members only), for `kid`/`iss` provenance checks.
    pub jwk: Option<Value>,
    /// Whether `controller` equals the issuer id given to the resolver; `None` when either is unknown.
    pub controller_matches_issuer: Option<bool>,
    /// DID → document → method → key.
    pub trace: Vec<Evidence>,
    pub exchanges: Vec<Exchange>,
}

/// A key that could not be found, with the steps and exchanges that led there.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{kind}")]
pub struct KeyError {
    /// Boxed: results carrying a `KeyError` stay small.
    pub kind: Box<KeyErrorKind>,
    pub trace: Vec<Evidence>,
    pub exchanges: Vec<Exchange>,
}

impl KeyError {
    /// The fetch policy's reason when resolution needed a fetch the policy refused: report a Skip, not a Fail.
    pub fn skip_reason(&self) -> Option<&str> {
        match &*self.kind {
            KeyErrorKind::Fetch(e) => e.not_allowed_reason(),
            _ => None,
        }
    }

    /// The harness could not get an answer (timeout, connection, size limit): report an Error, not a Fail.
    pub fn is_transport(&self) -> bool {
        matches!(&*self.kind, KeyErrorKind::Fetch(e) if e.is_transport())
    }
}

/// Why a key could not be found. Messages read after "failed to …".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyErrorKind {
    #[error("resolve verification method {0:?}: it has no URI scheme")]
    NoScheme(String),
    #[error("resolve {id}: {scheme}: URIs cannot be dereferenced to a key")]
    UnsupportedScheme { id: String, scheme: String },
    #[error("resolve {did}: the DID method {method:?} is not supported (did:key, did:jwk and did:web are)")]
    UnsupportedDidMethod { did: String, method: String },
    #[error("resolve {did}: not a valid did:web: {reason}")]
    BadDidWeb { did: String, reason: String },
    #[error("resolve {did}: not a valid did:jwk (base64url of a JSON JWK): {reason}")]
    BadDidJwk { did: String, reason: String },
    #[error("resolve {id}: {source}")]
    Multikey { id: String, source: MultikeyError },
    #[error("resolve {id}: {source}")]
    Jwk { id: String, source: JwkError },
    #[error("{0}")]
    Fetch(FetchError),
    #[error("resolve {id}: the document at {url} is not JSON: {reason}")]
    NotJson { id: String, url: String, reason: String },
    #[error("resolve {id}: the document at {url} is about {found:?}, not this id")]
    WrongDocument { id: String, url: String, found: String },
    #[error("resolve {id}: the document at {url} has no verification method with this id")]
    MethodNotFound { id: String, url: String },
    #[error(
        "resolve {id}: the document at {url} has no key material (publicKeyMultibase, publicKeyJwk, a JWK or a JWKS)"
    )]
    NoKeyMaterial { id: String, url: String },
    #[error("resolve {kid}: the JWKS at {url} has no key with this kid")]
    NotInJwks { kid: String, url: String },
    #[error("find the JWT key: the header has neither a kid nor a jwk")]
    NoKeyReference,
}

/// A JWK that cannot serve as a public key. Messages read after "failed to …" (via the key error).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwkError {
    #[error("the JWK is not a JSON object")]
    NotObject,
    /// A JWK must never carry private key material (`d`, RSA primes, symmetric `k`).
    #[error("the JWK contains the private key member {0:?}; a published key must never contain it")]
    Private(String),
    #[error("the JWK member {0:?} is missing or not a string")]
    Missing(&'static str),
    #[error("the JWK member {member:?} is not base64url: {reason}")]
    BadBase64 { member: &'static str, reason: String },
    #[error("the JWK member {member:?} has {actual} bytes, {expected} expected")]
    Length {
        member: &'static str,
        expected: usize,
        actual: usize,
    },
    #[error("the JWK key type kty={kty:?} crv={crv:?} is not supported (RSA, EC P-256/P-384, OKP Ed25519 are)")]
    Unsupported { kty: String, crv: String },
}

/// Members that only private (or symmetric) JWKs have.
const PRIVATE_MEMBERS: [&str; 7] = ["d", "p", "q", "dp", "dq", "qi", "k"];

/// The public key of a public JWK; refuses JWKs carrying private members.
pub fn jwk_public_key(jwk: &Value) -> Result<PublicKey, JwkError> {
    let obj = jwk.as_object().ok_or(JwkError::NotObject)?;
    if let Some(member) = PRIVATE_MEMBERS.iter().find(|m| obj.contains_key(**m)) {
        return Err(JwkError::Private((*member).to_string()));
    }
    let text = |m: &'static str| obj.get(m).and_then(Value::as_str).ok_or(JwkError::Missing(m));
    let bytes = |m: &'static str| {
        URL_SAFE_NO_PAD.decode(text(m)?).map_err(|e| JwkError::BadBase64 {
            member: m,
            reason: e.to_string(),
        })
    };
    let sized = |m: &'static str, expected: usize| {
        let b = bytes(m)?;
        if b.len() == expected {
            Ok(b)
        } else {
            Err(JwkError::Length {
                member: m,
                expected,
                actual: b.len(),
            })
        }
    };
    let kty = text("kty")?;
    let crv = obj.get("crv").and_then(Value::as_str).unwrap_or_default();
    let point = |size| -> Result<Vec<u8>, JwkError> { Ok([vec![4], sized("x", size)?, sized("y", size)?].concat()) };
    match (kty, crv) {
        ("RSA", _) => {
            let strip = |b: Vec<u8>| {
                b.iter()
                    .position(|x| *x != 0)
                    .map_or_else(Vec::new, |i| b[i..].to_vec())
            };
            Ok(PublicKey::Rsa {
                n: strip(bytes("n")?),
                e: strip(bytes("e")?),
            })
        }
        ("EC", "P-256") => Ok(PublicKey::P256(point(32)?)),
        ("EC", "P-384") => Ok(PublicKey::P384(point(48)?)),
        ("OKP", "Ed25519") => {
            let x = sized("x", 32)?;
            let mut key = [0u8; 32];
            key.copy_from_slice(&x);
            Ok(PublicKey::Ed25519(key))
        }
        _ => Err(JwkError::Unsupported {
            kty: kty.to_string(),
            crv: crv.to_string(),
        }),
    }
}

/// Resolves a Data Integrity `verificationMethod`: `<controller>#<multibase>` (offline), `did:key` (offline),
/// `did:web` (fetched, or mapped by the policy), or an http(s) URL of a controller document or key document.
pub async fn resolve_verification_method(
    vm: &str,
    issuer_id: Option<&str>,
    fetcher: &Fetcher,
) -> Result<Resolved, KeyError> {
    let mut trail = Trail::default();
    trail.step("verification method", vm);
    let found = resolve_id(vm, fetcher, &mut trail).await;
    trail.finish(found, issuer_id)
}

/// Resolves the key of a VC-JWT from its JOSE header: the `jwk` member, else the `kid` (a URL of a JWK, JWKS,
/// key or controller document, or a DID URL). A `kid` without a scheme is looked up in the issuer's JWKS.
pub async fn resolve_jwt_key(header: &Value, issuer_id: Option<&str>, fetcher: &Fetcher) -> Result<Resolved, KeyError> {
    let mut trail = Trail::default();
    let found = if let Some(jwk) = header.get("jwk") {
        trail.step("key source", "the JOSE header's jwk member");
        jwk_found("jwk", jwk, &mut trail)
    } else if let Some(kid) = header.get("kid").and_then(Value::as_str) {
        trail.step("kid", kid);
        match (scheme(kid), issuer_jwks_url(issuer_id)) {
            (None, Some(url)) => {
                trail.step(
                    "kid lookup",
                    format!("not a URI; looked up in the issuer's JWKS at {url}"),
                );
                match fetch_json(&url, kid, fetcher, &mut trail).await {
                    Ok(doc) => key_in_jwks(&doc, kid, &url, &mut trail),
                    Err(e) => Err(e),
                }
            }
            _ => resolve_id(kid, fetcher, &mut trail).await,
        }
    } else {
        Err(KeyErrorKind::NoKeyReference)
    };
    trail.finish(found, issuer_id)
}

/// `https://{authority of the issuer id}/.well-known/jwks.json`, where an issuer SHOULD publish its JWT keys. An
/// http issuer id (loopback mocks) keeps http; DIDs and other ids have no such place.
pub fn issuer_jwks_url(issuer_id: Option<&str>) -> Option<String> {
    let url = url::Url::parse(issuer_id?).ok()?;
    let host = url.host_str()?;
    matches!(url.scheme(), "https" | "http").then(|| match url.port() {
        Some(port) => format!("{}://{host}:{port}/.well-known/jwks.json", url.scheme()),
        None => format!("{}://{host}/.well-known/jwks.json", url.scheme()),
    })
}

/// The JWKS-at-issuer-authority provenance check of a JWT key.
#[derive(Debug, Clone)]
pub struct JwksProvenance {
    pub url: String,
    /// Whether the issuer's JWKS lists the key (same key material); `Err` when the set could not be read, the
    /// fetch policy's refusal included ([`KeyError::skip_reason`]).
    pub listed: Result<bool, KeyError>,
    /// Whether a JWK listing the key has a `kid` equal to the header's.
    pub kid_listed: bool,
    /// `iss` members of the resolved JWK and of the matching set entry, each required to equal the issuer id;
    /// `None` when neither has one.
    pub iss_matches: Option<bool>,
    pub trace: Vec<Evidence>,
    pub exchanges: Vec<Exchange>,
}

/// Checks that the issuer's JWKS lists `resolved`'s key. `None` when the issuer id is not an http(s) URL.
pub async fn jwks_provenance(
    resolved: &Resolved,
    kid: Option<&str>,
    issuer_id: &str,
    fetcher: &Fetcher,
) -> Option<JwksProvenance> {
    let url = issuer_jwks_url(Some(issuer_id))?;
    let mut trail = Trail::default();
    trail.step("issuer JWKS", &url);
    let set = fetch_json(&url, &url, fetcher, &mut trail).await;
    let mut iss = resolved
        .jwk
        .as_ref()
        .and_then(|j| j.get("iss"))
        .map(|v| v.as_str() == Some(issuer_id));
    let mut kid_listed = false;
    let listed = set.map(|doc| {
        let entries = doc.get("keys").and_then(Value::as_array).cloned().unwrap_or_default();
        let matching: Vec<&Value> = entries
            .iter()
            .filter(|jwk| jwk_public_key(jwk).is_ok_and(|k| k == resolved.key))
            .collect();
        kid_listed = kid.is_some_and(|kid| {
            matching
                .iter()
                .any(|j| j.get("kid").and_then(Value::as_str) == Some(kid))
        });
        if let Some(entry_iss) = matching.iter().find_map(|j| j.get("iss")) {
            iss = Some(iss.unwrap_or(true) && entry_iss.as_str() == Some(issuer_id));
        }
        !matching.is_empty()
    });
    let (trace, exchanges) = (trail.trace, trail.exchanges);
    let listed = listed.map_err(|kind| KeyError {
        kind: Box::new(kind),
        trace: trace.clone(),
        exchanges: exchanges.clone(),
    });
    Some(JwksProvenance {
        url,
        listed,
        kid_listed,
        iss_matches: iss,
        trace,
        exchanges,
    })
}

/// A key found, before provenance.
struct Found {
    key: PublicKey,
    method_id: Option<String>,
    controller: Option<String>,
    jwk: Option<Value>,
}

#[derive(Default)]
struct Trail {
    trace: Vec<Evidence>,
    exchanges: Vec<Exchange>,
}

impl Trail {
    fn step(&mut self, label: &str, value: impl Into<String>) {
        self.trace.push(Evidence {
            label: label.into(),
            value: value.into(),
        });
    }

    fn finish(mut self, found: Result<Found, KeyErrorKind>, issuer_id: Option<&str>) -> Result<Resolved, KeyError> {
        match found {
            Ok(found) => {
                self.step("key", found.key.kind());
                if let Some(controller) = &found.controller {
                    self.step("controller", controller);
                }
                Ok(Resolved {
                    controller_matches_issuer: issuer_id.zip(found.controller.as_deref()).map(|(i, c)| i == c),
                    key: found.key,
                    method_id: found.method_id,
                    controller: found.controller,
                    jwk: found.jwk,
                    trace: self.trace,
                    exchanges: self.exchanges,
                })
            }
            Err(kind) => Err(KeyError {
                kind: Box::new(kind),
                trace: self.trace,
                exchanges: self.exchanges,
            }),
        }
    }
}

/// The URI scheme of `id`, if it has a syntactically valid one.
fn scheme(id: &str) -> Option<&str> {
    let (scheme, _) = id.split_once(':')?;
    let mut chars = scheme.chars();
    let valid = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    valid.then_some(scheme)
}

async fn resolve_id(id: &str, fetcher: &Fetcher, trail: &mut Trail) -> Result<Found, KeyErrorKind> {
    let Some(scheme) = scheme(id) else {
        return Err(KeyErrorKind::NoScheme(id.into()));
    };
    let (base, fragment) = id.split_once('#').map_or((id, None), |(b, f)| (b, Some(f)));
    if scheme == "did" {
        let rest = base.strip_prefix("did:").unwrap_or_default();
        let (method, specific) = rest.split_once(':').unwrap_or((rest, ""));
        return match method {
            "key" => did_key(id, specific, fragment, trail),
            "jwk" => did_jwk(id, base, specific, fragment, trail),
            "web" => did_web(id, base, fragment, fetcher, trail).await,
            _ => Err(KeyErrorKind::UnsupportedDidMethod {
                did: base.into(),
                method: method.into(),
            }),
        };
    }
    // 1EdTech's vectors name the key in the fragment of the controller's URL; it is the key, nothing is fetched.
    if let Some(mb) = fragment.filter(|f| ["z6Mk", "zDn", "z82"].iter().any(|p| f.starts_with(p))) {
        trail.step(
            "key source",
            "the fragment of the verification method (nothing fetched)",
        );
        let key = multikey::decode_public_key(mb).map_err(|source| KeyErrorKind::Multikey { id: id.into(), source })?;
        return Ok(Found {
            key,
            method_id: Some(id.into()),
            controller: Some(base.into()),
            jwk: None,
        });
    }
    if !matches!(scheme, "http" | "https") {
        return Err(KeyErrorKind::UnsupportedScheme {
            id: id.into(),
            scheme: scheme.into(),
        });
    }
    let doc = fetch_json(base, id, fetcher, trail).await?;
    key_in_document(&doc, id, base, trail)
}

fn did_key(id: &str, specific: &str, fragment: Option<&str>, trail: &mut Trail) -> Result<Found, KeyErrorKind> {
    trail.step("DID", format!("did:key:{specific} (resolved offline)"));
    if fragment.is_some_and(|f| f != specific) {
        return Err(KeyErrorKind::MethodNotFound {
            id: id.into(),
            url: format!("did:key:{specific}"),
        });
    }
    let key =
        multikey::decode_public_key(specific).map_err(|source| KeyErrorKind::Multikey { id: id.into(), source })?;
    Ok(Found {
        key,
        method_id: Some(format!("did:key:{specific}#{specific}")),
        controller: Some(format!("did:key:{specific}")),
        jwk: None,
    })
}

/// A `did:jwk` (its method-specific id is the base64url of the public JWK; its one method is `#0`), resolved
/// offline.
fn did_jwk(
    id: &str,
    did: &str,
    specific: &str,
    fragment: Option<&str>,
    trail: &mut Trail,
) -> Result<Found, KeyErrorKind> {
    trail.step("DID", format!("{did} (resolved offline)"));
    if fragment.is_some_and(|f| f != "0") {
        return Err(KeyErrorKind::MethodNotFound {
            id: id.into(),
            url: did.into(),
        });
    }
    let bad = |reason: String| KeyErrorKind::BadDidJwk {
        did: did.into(),
        reason,
    };
    let bytes = URL_SAFE_NO_PAD.decode(specific).map_err(|e| bad(e.to_string()))?;
    let jwk: Value = serde_json::from_slice(&bytes).map_err(|e| bad(e.to_string()))?;
    let mut found = jwk_found(id, &jwk, trail)?;
    found.method_id = Some(format!("{did}#0"));
    found.controller = Some(did.into());
    Ok(found)
}

/// The `did:jwk` of a public JWK (`did:jwk:<base64url of its JSON>`); its verification method is `#0`.
pub fn did_jwk_of(public_jwk: &Value) -> String {
    format!("did:jwk:{}", URL_SAFE_NO_PAD.encode(public_jwk.to_string()))
}

/// The URL of a did:web DID document, honouring the policy's `did_web_map`.
pub fn did_web_url(did: &str, map: &[(String, String)]) -> Result<String, String> {
    let specific = did.strip_prefix("did:web:").ok_or("it does not start with did:web:")?;
    let mut parts = specific.split(':');
    let host = parts.next().unwrap_or_default().replace("%3A", ":").replace("%3a", ":");
    let path: Vec<&str> = parts.collect();
    let bad = |c: char| matches!(c, '/' | '?' | '#' | '@' | '\\' | '%') || c.is_whitespace();
    if host.is_empty() || host.contains(bad) || path.iter().any(|p| p.is_empty() || p.contains(bad) || *p == "..") {
        return Err(format!(
            "{specific:?} is not host[%3Aport][:path…] without '/', '?', '#', '@' or empty parts"
        ));
    }
    let tail = if path.is_empty() {
        "/.well-known/did.json".to_string()
    } else {
        format!("/{}/did.json", path.join("/"))
    };
    let mapped = map
        .iter()
        .filter(|(d, _)| did == d || did.starts_with(&format!("{d}:")));
    if let Some((mapped_did, base)) = mapped.max_by_key(|(d, _)| d.len()) {
        let extra: Vec<&str> = did[mapped_did.len()..].split(':').filter(|s| !s.is_empty()).collect();
        let tail = if extra.is_empty() {
            "/.well-known/did.json".to_string()
        } else {
            format!("/{}/did.json", extra.join("/"))
        };
        return Ok(format!("{}{tail}", base.trim_end_matches('/')));
    }
    let url = format!("https://{host}{tail}");
    // The host must survive URL parsing unchanged, or the DID named one host and the fetch would reach another.
    match url::Url::parse(&url) {
        Ok(u)
            if u.host_str()
                .zip(Some(host.split(':').next().unwrap_or_default()))
                .is_some_and(|(a, b)| a == b) =>
        {
            Ok(url)
        }
        _ => Err(format!("{host:?} is not a valid host name")),
    }
}

async fn did_web(
    id: &str,
    did: &str,
    fragment: Option<&str>,
    fetcher: &Fetcher,
    trail: &mut Trail,
) -> Result<Found, KeyErrorKind> {
    trail.step("DID", did);
    let url = did_web_url(did, &fetcher.policy().did_web_map).map_err(|reason| KeyErrorKind::BadDidWeb {
        did: did.into(),
        reason,
    })?;
    trail.step("DID document URL", &url);
    let doc = fetch_json(&url, id, fetcher, trail).await?;
    let doc_id = doc.get("id").and_then(Value::as_str).unwrap_or_default();
    if doc_id != did {
        return Err(KeyErrorKind::WrongDocument {
            id: id.into(),
            url,
            found: doc_id.into(),
        });
    }
    let wanted = match fragment {
        Some(_) => id.to_string(),
        // No fragment: the DID's first assertion method, as the proof purpose is assertionMethod.
        None => match doc.get("assertionMethod").and_then(|a| a.get(0)) {
            Some(Value::String(s)) => absolute(s, did),
            Some(m) => absolute(m.get("id").and_then(Value::as_str).unwrap_or_default(), did),
            None => id.to_string(),
        },
    };
    key_in_document(&doc, &wanted, did, trail).map(|mut found| {
        found.controller = found.controller.or_else(|| Some(did.into()));
        found
    })
}

fn absolute(id: &str, base: &str) -> String {
    if id.starts_with('#') {
        format!("{base}{id}")
    } else {
        id.to_string()
    }
}

async fn fetch_json(url: &str, id: &str, fetcher: &Fetcher, trail: &mut Trail) -> Result<Value, KeyErrorKind> {
    let attempt = fetcher.get(url, KEY_ACCEPT).await;
    trail.step("fetched", format!("GET {url} (exchange {})", attempt.exchange.id));
    trail.exchanges.push(attempt.exchange);
    let fetched = attempt.result.map_err(KeyErrorKind::Fetch)?;
    serde_json::from_slice(&fetched.bytes).map_err(|e| KeyErrorKind::NotJson {
        id: id.into(),
        url: url.into(),
        reason: e.to_string(),
    })
}

/// Finds the key `id` in a fetched document: a controller/DID document, a key document, a JWK or a JWKS.
fn key_in_document(doc: &Value, id: &str, base: &str, trail: &mut Trail) -> Result<Found, KeyErrorKind> {
    let url = base.to_string();
    let methods = ["verificationMethod", "assertionMethod"]
        .iter()
        .filter_map(|m| doc.get(*m).and_then(Value::as_array))
        .flatten()
        .filter(|m| m.is_object());
    if doc.get("verificationMethod").is_some() || doc.get("assertionMethod").is_some() {
        trail.step("document", format!("controller document {}", text(doc.get("id"))));
        let doc_base = doc.get("id").and_then(Value::as_str).unwrap_or(base);
        let method = methods
            .into_iter()
            .find(|m| {
                m.get("id")
                    .and_then(Value::as_str)
                    .is_some_and(|m_id| absolute(m_id, doc_base) == id)
            })
            .ok_or_else(|| KeyErrorKind::MethodNotFound { id: id.into(), url })?;
        trail.step("method", format!("{id} ({})", text(method.get("type"))));
        let mut found = method_key(method, id, base)?;
        found.controller = found
            .controller
            .or_else(|| doc.get("id").and_then(Value::as_str).map(str::to_owned));
        return Ok(found);
    }
    if doc.get("keys").is_some() {
        trail.step("document", "JWKS");
        return key_in_jwks(doc, id, base, trail);
    }
    if doc.get("kty").is_some() {
        trail.step("document", "JWK");
        return jwk_found(id, doc, trail);
    }
    let doc_id = doc.get("id").and_then(Value::as_str);
    if doc_id.is_some_and(|d| d != id && d != base) {
        return Err(KeyErrorKind::WrongDocument {
            id: id.into(),
            url,
            found: doc_id.unwrap_or_default().into(),
        });
    }
    trail.step("document", format!("key document ({})", text(doc.get("type"))));
    method_key(doc, id, base)
}

fn text(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => "no id".into(),
    }
}

/// The key of one verification method object.
fn method_key(method: &Value, id: &str, base: &str) -> Result<Found, KeyErrorKind> {
    let controller = method.get("controller").and_then(Value::as_str).map(str::to_owned);
    let key = if let Some(mb) = method.get("publicKeyMultibase").and_then(Value::as_str) {
        multikey::decode_public_key(mb).map_err(|source| KeyErrorKind::Multikey { id: id.into(), source })?
    } else if let Some(jwk) = method.get("publicKeyJwk") {
        jwk_public_key(jwk).map_err(|source| KeyErrorKind::Jwk { id: id.into(), source })?
    } else {
        return Err(KeyErrorKind::NoKeyMaterial {
            id: id.into(),
            url: base.into(),
        });
    };
    Ok(Found {
        key,
        method_id: Some(id.into()),
        controller,
        jwk: method.get("publicKeyJwk").cloned(),
    })
}

fn jwk_found(id: &str, jwk: &Value, trail: &mut Trail) -> Result<Found, KeyErrorKind> {
    let key = jwk_public_key(jwk).map_err(|source| KeyErrorKind::Jwk { id: id.into(), source })?;
    if let Some(kid) = jwk.get("kid").and_then(Value::as_str) {
        trail.step("JWK kid", kid);
    }
    Ok(Found {
        key,
        method_id: jwk.get("kid").and_then(Value::as_str).map(str::to_owned),
        controller: None,
        jwk: Some(jwk.clone()),
    })
}

/// Picks the JWK whose `kid` is the whole `kid` or its fragment; a set of one key without a `kid` is that key.
fn key_in_jwks(doc: &Value, kid: &str, url: &str, trail: &mut Trail) -> Result<Found, KeyErrorKind> {
    let keys = doc
        .get("keys")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let fragment = kid.split_once('#').map(|(_, f)| f);
    let wanted = |k: &&Value| {
        let k_kid = k.get("kid").and_then(Value::as_str);
        k_kid == Some(kid) || (k_kid.is_some() && k_kid == fragment)
    };
    let jwk = match keys.iter().find(wanted) {
        Some(jwk) => jwk,
        None => match keys {
            [only] if only.get("kid").is_none() => only,
            _ => {
                return Err(KeyErrorKind::NotInJwks {
                    kid: kid.into(),
                    url: url.into(),
                });
            }
        },
    };
    jwk_found(kid, jwk, trail)
}

#[cfg(test)]
mod tests;
