//! The gather phase of the checks that need an issuer's services: every fetch the refresh (OB30-VER-001) and status
//! (OB30-VER-002) checks read is made here, before any check runs, so checks do no I/O — they judge what was
//! gathered. What is fetched follows the same rules the checks state: refresh only after a valid proof, the status
//! list the `credentialStatus` names; a check that was not selected fetches nothing.

use serde_json::Value;

use crate::fetch::Attempt;
use crate::verify::{Env, Net, ProofReport, verify_proofs};
use crate::vocab;

/// What a credential's refresh service is asked for.
pub const REFRESH_ACCEPT: &str = "application/vc+ld+json, application/ld+json;q=0.9, application/json;q=0.8";

/// One fetch of a service a credential names.
#[derive(Debug, Clone)]
pub struct ServiceFetch {
    pub url: String,
    /// What the service is, for messages ("revocation list").
    pub what: &'static str,
    pub attempt: Attempt,
}

/// What the refresh and status checks of one credential read.
#[derive(Debug, Clone, Default)]
pub struct Services {
    /// The refresh service's answer.
    pub refresh: Option<ServiceFetch>,
    /// The proofs of the credential the refresh service returned (when its answer was JSON).
    pub refreshed_proofs: Option<ProofReport>,
    /// The status list the `credentialStatus` names.
    pub status_list: Option<ServiceFetch>,
}

/// Which services to gather: those of the checks the run selected.
#[derive(Debug, Clone, Copy)]
pub struct Wanted {
    pub refresh: bool,
    pub status: bool,
}

/// The refresh service's URL, when `credential` has a `1EdTechCredentialRefresh` service with an id.
pub fn refresh_url(credential: &Value) -> Option<&str> {
    let service = credential.get("refreshService")?;
    (service.get("type").and_then(Value::as_str) == Some(vocab::CREDENTIAL_REFRESH_TYPE))
        .then(|| service.get("id").and_then(Value::as_str))
        .flatten()
}

/// A `BitstringStatusListEntry`'s index and list URL, when it has both.
pub fn bitstring_entry(entry: &Value) -> Option<(u64, &str)> {
    let index = entry
        .get("statusListIndex")
        .and_then(|v| v.as_str().and_then(|s| s.parse::<u64>().ok()).or_else(|| v.as_u64()))?;
    Some((index, entry.get("statusListCredential").and_then(Value::as_str)?))
}

/// The status list a `credentialStatus` entry names: its URL, the `Accept` it is fetched with, and what it is.
pub fn status_list(entry: &Value) -> Option<(&str, &'static str, &'static str)> {
    match entry.get("type").and_then(Value::as_str)? {
        vocab::REVOCATION_LIST_TYPE => Some((
            entry.get("id").and_then(Value::as_str)?,
            "application/json",
            "revocation list",
        )),
        vocab::BITSTRING_STATUS_TYPE => Some((
            bitstring_entry(entry)?.1,
            "application/vc+ld+json, application/json;q=0.9",
            "status list credential",
        )),
        _ => None,
    }
}

/// Fetches what the refresh and status checks of `credential` will read, recording every exchange in `net`.
pub fn gather(credential: &Value, proofs: Option<&ProofReport>, net: &Net, env: &Env, wanted: Wanted) -> Services {
    let fetch = |url: &str, accept: &str, what: &'static str| {
        let attempt = net.block_on(net.fetcher().get(url, accept));
        net.record(std::slice::from_ref(&attempt.exchange));
        ServiceFetch {
            url: url.to_string(),
            what,
            attempt,
        }
    };
    let mut services = Services::default();
    if wanted.refresh
        && proofs.is_some_and(ProofReport::any_valid)
        && let Some(url) = refresh_url(credential)
    {
        let fetched = fetch(url, REFRESH_ACCEPT, "refresh service");
        services.refreshed_proofs = fetched
            .attempt
            .result
            .as_ref()
            .ok()
            .and_then(|f| serde_json::from_slice::<Value>(&f.bytes).ok())
            .map(|refreshed| verify_proofs(&refreshed, None, net, env, &Default::default()));
        services.refresh = Some(fetched);
    }
    if wanted.status
        && let Some((url, accept, what)) = credential.get("credentialStatus").and_then(status_list)
    {
        services.status_list = Some(fetch(url, accept, what));
    }
    services
}
