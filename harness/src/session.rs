//! A provider conformance run as one library call: a [`ProviderRunConfig`] in, the run model out.
//!
//! The CLI (`clr-harness run`), the tests and the embedded ecosystem all go through [`run_provider`], so a test of
//! the run exercises exactly what a user runs: the provider and OAuth 2.0 checks against the target, then the
//! returned credentials checked as subjects of their own (verified under the fetch policy unless verification is
//! off), every exchange recorded and redacted, and the run model every report is written from.

use std::path::PathBuf;
use std::time::Instant;

use clr_reports::{Exchange, Run, RunOptions, Subject};

use crate::api::{self, Hooks, Target, Upload};
use crate::catalogue::Selection;
use crate::engine::{self, Options};
use crate::fetch::FetchPolicy;
use crate::jsonld::canon::Budget;
use crate::redact::{self, Recording};
use crate::verify::{Env, Net};

/// Everything a provider conformance run needs.
pub struct ProviderRunConfig {
    /// The provider, as a validated target.
    pub target: Target,
    /// The credentials the run upserts.
    pub uploads: Vec<Upload>,
    /// Ways the run may act on the provider besides HTTP (the embedded provider's clock).
    pub hooks: Hooks,
    pub selection: Selection,
    /// Every warning fails.
    pub strict: bool,
    /// A subject left unverified does not fail the exit code.
    pub allow_unverified: bool,
    /// Verify the credentials the provider returns (proofs, keys, status); off checks their data model only.
    pub verify: bool,
    /// Let verification fetch public URLs besides the allowed hosts.
    pub allow_fetch: bool,
    /// Hosts verification may fetch from besides the target's `allowed_hosts` (the embedded issuer and CASE server).
    pub allowed_hosts: Vec<String>,
    /// URLs verification answers from local files (`--url-map PREFIX=DIR`).
    pub url_map: crate::fetch::UrlMap,
    /// How exchanges are recorded: the redactor and the CA file curl commands name.
    pub recording: Recording,
    /// The command line, for the report.
    pub command: Vec<String>,
    /// When the run started (the run's time budget counts from here), and its RFC 3339 text.
    pub started: Instant,
    pub started_at: String,
}

impl ProviderRunConfig {
    /// A run of every check against `target`, upserting `uploads`, started now; verification on, fetching only from
    /// the target's allowed hosts, secrets redacted.
    pub fn new(target: Target, uploads: Vec<Upload>) -> Self {
        ProviderRunConfig {
            target,
            uploads,
            hooks: Hooks::default(),
            selection: Selection::default(),
            strict: false,
            allow_unverified: false,
            verify: true,
            allow_fetch: false,
            allowed_hosts: Vec::new(),
            url_map: crate::fetch::UrlMap::default(),
            recording: Recording::default(),
            command: vec!["clr-harness".into(), "run".into()],
            started: Instant::now(),
            started_at: crate::datetime::now_rfc3339(),
        }
    }
}

/// Why a run could not start.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("cannot read the CA file {path}: {source}")]
    CaFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Trust(String),
    #[error("failed to start the fetcher: {0}")]
    Fetcher(#[source] std::io::Error),
}

/// Runs the provider and OAuth 2.0 checks against `config.target` on `runtime`, then checks what the provider
/// returned, and builds the run model (redacted). `log` hears progress lines and interactive prompts.
///
/// Blocking: call it outside the runtime. Verification fetches on a runtime of its own, which must be dropped
/// outside any async context.
pub fn run_provider(
    config: ProviderRunConfig,
    runtime: &tokio::runtime::Runtime,
    log: &(dyn Fn(&str) + Sync),
) -> Result<Run, SessionError> {
    run_provider_then(config, runtime, log, Vec::new)
}

/// [`run_provider`], with more subjects in the same run: `then` runs after the provider's checks (the embedded
/// run grades the reference consumer there) and returns its subjects and their exchanges, already redacted.
pub fn run_provider_then(
    config: ProviderRunConfig,
    runtime: &tokio::runtime::Runtime,
    log: &(dyn Fn(&str) + Sync),
    then: impl FnOnce() -> Vec<(Subject, Vec<Exchange>)>,
) -> Result<Run, SessionError> {
    let ProviderRunConfig {
        target,
        uploads,
        hooks,
        selection,
        strict,
        allow_unverified,
        verify,
        allow_fetch,
        allowed_hosts,
        url_map,
        recording,
        command,
        started,
        started_at,
    } = config;
    let provider_run = runtime.block_on(api::run_with(&target, uploads, &hooks, log, recording.clone()));
    let redactor = provider_run.redactor.clone();
    let net = if verify {
        Some(verification_net(
            &target,
            allow_fetch,
            &allowed_hosts,
            url_map,
            recording,
        )?)
    } else {
        None
    };
    let opts = Options {
        selection: selection.clone(),
        strict,
        env: Env::default(),
        net: net.as_ref(),
        // The run's time budget covers verifying what the provider returned too.
        budget: Budget {
            until: Some(started + target.run_timeout()),
            ..Budget::default()
        },
        schemas_missing: Some("the official schema cross-check runs with `clr-harness validate --spec-dir`".into()),
        ..Options::default()
    };
    let mut exchanges = provider_run.exchanges.clone();
    let mut subjects = api::into_subjects(provider_run, &opts);
    exchanges.extend(net.as_ref().map(Net::exchanges).unwrap_or_default());
    for (subject, theirs) in then() {
        subjects.push(subject);
        exchanges.extend(theirs);
    }
    let options = RunOptions {
        strict,
        allow_unverified,
        only: selection.only,
        skip: selection.skip,
        spec_dir: None,
    };
    let mut run = engine::build_run(subjects, options, command, started_at, started, exchanges);
    redact::scrub_run(&redactor, &mut run);
    Ok(run)
}

/// The fetcher that verifies returned credentials: the allowed hosts, and the target's CAs (credentials name their
/// keys and status lists on the same servers, behind the same CA). It records through the same redactor, so a token
/// the provider issued is the same placeholder in a document fetch.
fn verification_net(
    target: &Target,
    allow_fetch: bool,
    allowed_hosts: &[String],
    url_map: crate::fetch::UrlMap,
    recording: Recording,
) -> Result<Net, SessionError> {
    let mut policy = FetchPolicy {
        allow_fetch,
        recording,
        url_map,
        ..FetchPolicy::default()
    };
    policy
        .allowed_hosts
        .extend(allowed_hosts.iter().chain(target.allowed_hosts.iter()).cloned());
    for pem in &target.tls.ca_pem {
        policy.trust_pem(pem).map_err(SessionError::Trust)?;
    }
    if let Some(path) = &target.tls.ca_file {
        let pem = std::fs::read_to_string(path).map_err(|source| SessionError::CaFile {
            path: path.clone(),
            source,
        })?;
        policy.trust_pem(&pem).map_err(SessionError::Trust)?;
    }
    // Distinct from the other networks of an embedded run, whose exchanges share its report.
    Net::with_id_prefix(policy, "verify-fetch").map_err(SessionError::Fetcher)
}
