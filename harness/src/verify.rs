//! What verification needs beyond the document: the time it is judged at, the recipient the verifier expects, and
//! the identity-hash computation of OB 3.0 §8 (`IdentityHash`).

use md5::Md5;
use sha2::{Digest, Sha256};

/// The verification environment of a run.
#[derive(Debug, Clone)]
pub struct Env {
    /// The instant validity windows are judged at (seconds since the Unix epoch).
    pub now: i64,
    /// Whether `now` was pinned by the user (`--now`), for the report.
    pub now_pinned: bool,
    /// The recipient the verifier expects (`--recipient`), if any.
    pub recipient: Option<Recipient>,
}

impl Default for Env {
    fn default() -> Self {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        Env {
            now,
            now_pinned: false,
            recipient: None,
        }
    }
}

impl Env {
    /// An environment judged at a fixed instant (RFC 3339), for reproducible runs and tests.
    pub fn at(rfc3339: &str) -> Option<Env> {
        let now = crate::datetime::epoch_seconds(rfc3339)? as i64;
        Some(Env {
            now,
            now_pinned: true,
            recipient: None,
        })
    }
}

/// A recipient identifier: `id:<uri>` matches `credentialSubject.id`; `<identityType>:<value>` matches an
/// IdentityObject of that type (`email:` is short for `emailAddress:`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    /// `id`, or an IdentifierTypeEnum term such as `emailAddress`.
    pub kind: String,
    pub value: String,
}

impl std::str::FromStr for Recipient {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (kind, value) = s.split_once(':').ok_or_else(|| {
            format!("expected TYPE:VALUE (e.g. email:learner@example.edu or id:did:example:123), got `{s}`")
        })?;
        if value.is_empty() {
            return Err(format!("`{s}` has no value after `{kind}:`"));
        }
        let kind = match kind {
            "email" | "mailto" => "emailAddress".to_string(),
            "id" => "id".to_string(),
            other if crate::vocab::IDENTIFIER_TYPES.contains(&other) || crate::vocab::is_extension_term(other) => {
                other.to_string()
            }
            other => {
                return Err(format!(
                    "unknown identifier type `{other}`: use id, email, or an IdentifierTypeEnum term ({})",
                    crate::vocab::IDENTIFIER_TYPES.join(", ")
                ));
            }
        };
        Ok(Recipient {
            kind,
            value: value.to_string(),
        })
    }
}

/// `<alg>$<hex>` of `hash(identifier ‖ salt)`, the form IdentityObject.identityHash takes when hashed.
pub fn identity_hash(alg: &str, identifier: &str, salt: &str) -> Option<String> {
    let input = format!("{identifier}{salt}");
    let hex = match alg {
        "sha256" => to_hex(&Sha256::digest(input.as_bytes())),
        "md5" => to_hex(&Md5::digest(input.as_bytes())),
        _ => return None,
    };
    Some(format!("{alg}${hex}"))
}

fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_hash_matches_the_specs_worked_example() {
        // sha256("a@example.com" + "Kosher"), the value the OB 3.0 examples use.
        assert_eq!(
            identity_hash("sha256", "a@example.com", "Kosher").as_deref(),
            Some("sha256$b5809d8a92f8858436d7e6b87c12ebc0ae1eac4baecc2c0b913aee2c922ef399")
        );
        assert_eq!(
            identity_hash("md5", "", "").as_deref(),
            Some("md5$d41d8cd98f00b204e9800998ecf8427e")
        );
        assert_eq!(identity_hash("sha1", "x", ""), None);
    }

    #[test]
    fn recipients_parse_with_aliases_and_clear_errors() {
        let r: Recipient = "email:a@example.com".parse().unwrap();
        assert_eq!((r.kind.as_str(), r.value.as_str()), ("emailAddress", "a@example.com"));
        let r: Recipient = "id:did:example:123".parse().unwrap();
        assert_eq!((r.kind.as_str(), r.value.as_str()), ("id", "did:example:123"));
        assert!("nocolon".parse::<Recipient>().unwrap_err().contains("TYPE:VALUE"));
        assert!(
            "shoe:42"
                .parse::<Recipient>()
                .unwrap_err()
                .contains("unknown identifier type")
        );
    }

    #[test]
    fn pinned_time_parses() {
        assert_eq!(Env::at("1970-01-02T00:00:00Z").map(|e| e.now), Some(86400));
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Proofs: the expensive work of verification, done once per credential and read by the proof checks.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use clr_reports::{Evidence, Exchange};
use serde_json::Value;

use crate::decode::CompactJws;
use crate::fetch::{FetchPolicy, Fetcher};
use crate::json::Ptr;
use crate::jsonld::canon::Budget;
use crate::proof::di::{self, DiError, DiVerified, ProofEntry};
use crate::proof::jwt::{self, JwtReport};
use crate::proof::keys::{self, KeyError};
use crate::proof::multikey::PublicKey;

/// Network access for verification: a fetcher under the run's policy, a runtime to drive it from the (synchronous)
/// checks, and the log of every exchange for the report.
pub struct Net {
    fetcher: Fetcher,
    /// Shared with the document scopes ([`Net::for_document`]); a current-thread runtime may be entered by several
    /// threads at once (each polls its own future; one at a time drives the I/O).
    runtime: Arc<tokio::runtime::Runtime>,
    exchanges: Mutex<ExchangeLog>,
}

#[derive(Default)]
struct ExchangeLog {
    ids: HashSet<String>,
    entries: Vec<Exchange>,
}

impl Net {
    pub fn new(policy: FetchPolicy) -> std::io::Result<Net> {
        Net::with_id_prefix(policy, "fetch")
    }

    /// A network whose exchange ids are `{prefix}-{n}`: give each network whose exchanges share a run's report its
    /// own prefix, so no two exchanges of one report have the same id.
    pub fn with_id_prefix(policy: FetchPolicy, prefix: &str) -> std::io::Result<Net> {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        Ok(Net {
            fetcher: Fetcher::with_id_prefix(policy, prefix),
            runtime: Arc::new(runtime),
            exchanges: Mutex::default(),
        })
    }

    /// The network for one document: the same policy and runtime, its own exchange log, and exchange ids numbered
    /// within the document (`{document}-fetch-{n}`), whatever other documents fetch before or beside it. Its
    /// exchanges go into this log with [`Net::record`] once the document is done.
    pub fn for_document(&self, document: &str) -> Net {
        Net {
            fetcher: self.fetcher.scoped(&format!("{document}-fetch")),
            runtime: Arc::clone(&self.runtime),
            exchanges: Mutex::default(),
        }
    }

    pub fn fetcher(&self) -> &Fetcher {
        &self.fetcher
    }

    /// Runs a future to completion (checks are synchronous; fetching is not).
    pub fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.runtime.block_on(f)
    }

    /// Keeps exchanges for the report (deduplicated by id).
    pub fn record(&self, exchanges: &[Exchange]) {
        if let Ok(mut log) = self.exchanges.lock() {
            for e in exchanges {
                if log.ids.insert(e.id.clone()) {
                    log.entries.push(e.clone());
                }
            }
        }
    }

    /// Every exchange recorded so far, in order.
    pub fn exchanges(&self) -> Vec<Exchange> {
        self.exchanges.lock().map(|l| l.entries.clone()).unwrap_or_default()
    }
}

/// How a verification method's key was (or was not) obtained.
#[derive(Debug, Clone)]
pub enum KeyOutcome {
    /// The proof was not verifiable at all (unsupported suite, no verificationMethod): nothing to resolve.
    NotAttempted,
    Resolved {
        controller: Option<String>,
        controller_matches_issuer: Option<bool>,
        trace: Vec<Evidence>,
        exchanges: Vec<Exchange>,
    },
    /// Resolution needed a fetch the policy does not allow: a Skip with this reason.
    Skipped(String),
    /// The key could not be obtained (transport failures included; `transport` tells them apart).
    Failed {
        message: String,
        trace: Vec<Evidence>,
        exchanges: Vec<Exchange>,
        transport: bool,
    },
}

/// One embedded proof: its entry, shape, key and signature results.
#[derive(Debug, Clone)]
pub struct DiResult {
    pub entry: ProofEntry,
    /// Pointer of the proof object (relative to the credential).
    pub ptr: Ptr,
    /// Whether the proof is complete and of a supported suite (the reason when not).
    pub shape: Result<(), DiError>,
    pub key: KeyOutcome,
    /// `None` when there was no key to verify with.
    pub verified: Option<Result<DiVerified, DiError>>,
}

/// Proof results of one credential.
#[derive(Debug, Clone, Default)]
pub struct ProofReport {
    /// The credential arrived as a compact JWS (VC-JWT).
    pub is_jwt: bool,
    pub embedded: Vec<DiResult>,
    pub jwt: Option<JwtReport>,
}

impl ProofReport {
    /// Whether some proof establishes the credential: an embedded proof that verified, or a verified VC-JWT.
    pub fn any_valid(&self) -> bool {
        self.embedded.iter().any(|r| matches!(r.verified, Some(Ok(_))))
            || self.jwt.as_ref().is_some_and(JwtReport::signature_verified)
    }
}

/// The issuer's id: `issuer` as a string or `issuer.id`.
pub fn issuer_id(credential: &Value) -> Option<String> {
    match credential.get("issuer")? {
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => o.get("id").and_then(Value::as_str).map(str::to_owned),
        _ => None,
    }
}

/// Proofs of one document that are verified; the rest are reported as not verified (a skip: the document is then
/// unverified, never passed). Real credentials carry one or two; hundreds are an attack on the verifier's time.
pub const MAX_PROOFS_PER_DOCUMENT: usize = 8;

/// Verifies every proof of a credential: its embedded Data Integrity proofs, and the VC-JWT it came in, if any.
pub fn verify_proofs(
    credential: &Value,
    jws: Option<&CompactJws>,
    net: &Net,
    env: &Env,
    budget: &Budget,
) -> ProofReport {
    let issuer = issuer_id(credential);
    let mut report = ProofReport {
        is_jwt: jws.is_some(),
        ..ProofReport::default()
    };
    let single = credential.get("proof").is_some_and(Value::is_object);
    // One budget for the whole document, and one canonical form of it shared by its proofs.
    let budget = budget.shared_from_now();
    let unsecured = di::UnsecuredForm::default();
    let proofs = di::list_proofs(credential);
    let total = proofs.len();
    for entry in proofs {
        if entry.index >= MAX_PROOFS_PER_DOCUMENT {
            let why = format!(
                "not verified: the document has {total} proofs and verification covers the first \
                 {MAX_PROOFS_PER_DOCUMENT}"
            );
            report.embedded.push(DiResult {
                ptr: Ptr::root().key("proof").index(entry.index),
                shape: di::check_shape(credential, entry.index),
                key: KeyOutcome::Skipped(why),
                verified: None,
                entry,
            });
            continue;
        }
        let ptr = if single {
            Ptr::root().key("proof")
        } else {
            Ptr::root().key("proof").index(entry.index)
        };
        let shape = di::check_shape(credential, entry.index);
        let (key, verified) = match (&shape, entry.verification_method.as_deref()) {
            (Ok(()), Some(vm)) => {
                let resolved = net.block_on(keys::resolve_verification_method(vm, issuer.as_deref(), net.fetcher()));
                key_result(resolved, net, |key| {
                    di::verify_sharing(credential, entry.index, key, &budget, &unsecured)
                })
            }
            _ => (KeyOutcome::NotAttempted, None),
        };
        report.embedded.push(DiResult {
            entry,
            ptr,
            shape,
            key,
            verified,
        });
    }
    if let Some(jws) = jws {
        let jwt = net.block_on(jwt::verify_vc_jwt_at(jws, net.fetcher(), env.now));
        net.record(&jwt.exchanges);
        report.jwt = Some(jwt);
    }
    report
}

/// Maps a key resolution to its outcome, verifying with `verify` when an Ed25519 key came back.
fn key_result(
    resolved: Result<keys::Resolved, KeyError>,
    net: &Net,
    verify: impl FnOnce(&[u8; 32]) -> Result<DiVerified, DiError>,
) -> (KeyOutcome, Option<Result<DiVerified, DiError>>) {
    match resolved {
        Ok(r) => {
            net.record(&r.exchanges);
            let outcome = KeyOutcome::Resolved {
                controller: r.controller.clone(),
                controller_matches_issuer: r.controller_matches_issuer,
                trace: r.trace.clone(),
                exchanges: r.exchanges.clone(),
            };
            match r.key {
                PublicKey::Ed25519(key) => (outcome, Some(verify(&key))),
                other => (
                    KeyOutcome::Failed {
                        message: format!(
                            "the key is {}, but the proof's cryptosuite needs an Ed25519 key",
                            other.kind()
                        ),
                        trace: r.trace,
                        exchanges: r.exchanges,
                        transport: false,
                    },
                    None,
                ),
            }
        }
        Err(e) => {
            net.record(&e.exchanges);
            let outcome = match e.skip_reason() {
                Some(why) => KeyOutcome::Skipped(why.to_string()),
                None => KeyOutcome::Failed {
                    message: e.to_string(),
                    transport: e.is_transport(),
                    trace: e.trace,
                    exchanges: e.exchanges,
                },
            };
            (outcome, None)
        }
    }
}
