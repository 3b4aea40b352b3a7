//! Provider conformance: the harness acts as the client a certification suite would be and checks a provider's
//! OB 3.0 / CLR 2.0 REST API and its OAuth 2.0 authorization server.
//!
//! Data flow: a [`Target`] → [`run`] (async: discovery, registration, authorization, tokens, every API operation;
//! each request recorded by [`http::ApiClient`], each observation recorded per check id by [`record::Recorder`])
//! → [`ProviderRun`] → [`into_subjects`] (sync: every credential the provider returned goes through the document
//! checks and the verifier, and their verdicts decide `*-API-009`) → subjects of the run model.

mod authorize;
pub mod case10;
pub mod checks;
pub mod clr10;
mod discovery;
mod family;
pub mod http;
mod interactive;
mod listing;
mod oauth;
pub mod record;
mod resources;
pub mod target;
mod tokens;
pub mod upload;

use std::time::Instant;

use clr_reports::{CheckResult, Exchange, Outcome, Subject, SubjectKind};
use url::Url;

use crate::catalogue;
use crate::check::{Check, Runner};
use crate::engine::{self, Options};
use crate::redact::{Kind, Recording, Redactor};
use checks::ApiRule;
use http::{ApiClient, HttpError, Req, Resp};
use record::Recorder;
pub use target::{ApiSpec, AuthMode, Family, Target};
pub use upload::Upload;

/// What only an embedded provider offers: moving its clock, so expiry checks need no waiting.
#[derive(Default)]
pub struct Hooks {
    pub advance_clock: Option<Box<dyn Fn(i64) + Send + Sync>>,
}

/// A credential the provider returned, to be checked as a document of its own.
#[derive(Debug, Clone)]
pub struct Received {
    pub family: Family,
    /// Where it came from, e.g. `OB 3.0 getCredentials /credential/2`.
    pub source: String,
    /// JSON pointer inside the getCredentials body.
    pub pointer: String,
    pub bytes: Vec<u8>,
}

/// A CLR the CLR 1.0 API's getClrs returned, judged after the run (`CLR10-API-008`).
#[derive(Debug, Clone)]
pub struct ReceivedClr {
    /// Where in the ClrSet: `/clrs/0`, `/signedClrs/1` …
    pub pointer: String,
    /// The CLR's JSON (the set's @context added when it had none), or the compact JWS.
    pub bytes: Vec<u8>,
    /// The getClrs exchange it came in.
    pub exchange: String,
}

/// The observations of a provider run, before the received credentials are checked.
pub struct ProviderRun {
    pub base_url: String,
    pub families: Vec<Family>,
    /// The CLR 1.0 API is claimed too.
    pub clr10: bool,
    /// A CASE 1.0 server is claimed.
    pub case10: bool,
    /// An API behind the OAuth 2.0 flow is claimed (the OAuth checks ran).
    pub oauth: bool,
    /// The CASE packages getCFPackage answered, judged as documents of their own.
    pub received_case: Vec<case10::ReceivedPackage>,
    /// The CASE profile the packages are judged under.
    pub case_profile: crate::case::Profile,
    pub recorder: Recorder,
    pub received: Vec<Received>,
    pub received_clr10: Vec<ReceivedClr>,
    /// Recorded with their secrets redacted (unless the redactor is disabled).
    pub exchanges: Vec<Exchange>,
    /// The run's secrets and their placeholders: sweep the finished run with it ([`crate::redact::scrub_run`]).
    pub redactor: Redactor,
}

/// Tokens and endpoints found along the run.
#[derive(Debug, Default, Clone)]
struct Endpoints {
    registration: Option<String>,
    authorization: Option<String>,
    token: Option<String>,
    revocation: Option<String>,
    /// Scope URIs the SDDs advertise.
    advertised_scopes: Vec<String>,
}

#[derive(Debug, Clone)]
struct Tokens {
    access: String,
    refresh: Option<String>,
    expires_in: Option<i64>,
}

/// State shared by the steps of one run.
struct Session<'a> {
    target: &'a Target,
    base: Url,
    http: ApiClient,
    rec: Recorder,
    hooks: &'a Hooks,
    endpoints: Endpoints,
    client: Option<oauth::RegisteredClient>,
    main: Option<Tokens>,
    readonly: Option<Tokens>,
    received: Vec<Received>,
    received_clr10: Vec<ReceivedClr>,
    received_case: Vec<case10::ReceivedPackage>,
    log: &'a (dyn Fn(&str) + Sync),
    nonce: u64,
    /// Families whose discovery failed without a token: fetched again with one for the field checks.
    sdd_retry: Vec<Family>,
    /// The CLR 1.0 discovery failed without a token: fetched again with one for its field checks.
    clr10_discovery_retry: bool,
    callback: Option<interactive::Callback>,
    /// Browser approvals asked of the person so far (interactive mode), to number the prompts.
    approvals: usize,
}

impl Session<'_> {
    /// Sends a request; a transport failure is recorded as an Error of `check` and returned as `None`.
    async fn send(&mut self, check: &'static Check, req: Req) -> Option<Resp> {
        self.rec.begin(check);
        match self.http.send(req).await {
            Ok(r) => Some(r),
            Err(e) => {
                self.transport_error(check, &e);
                None
            }
        }
    }

    fn transport_error(&mut self, check: &'static Check, e: &HttpError) {
        match e.not_allowed_reason() {
            // A URL we refuse to contact is the provider's choice, not an outage.
            Some(why) => {
                self.rec.violation(
                    check,
                    format!("the provider sent the harness to a URL it must not contact: {why}"),
                );
            }
            None => self.rec.error(check, e.provider_text()),
        }
    }

    fn api_url(&self, family: Family, rest: &str) -> String {
        format!("{}{}{rest}", self.base.as_str().trim_end_matches('/'), family.path())
    }

    /// A fresh unguessable-enough value (state, verifier); unpredictability is not what the checks test.
    fn fresh(&mut self, what: &str) -> String {
        use sha2::{Digest, Sha256};
        self.nonce += 1;
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let digest = Sha256::new()
            .chain_update(what.as_bytes())
            .chain_update(self.nonce.to_le_bytes())
            .chain_update(t.to_le_bytes())
            .chain_update(std::process::id().to_le_bytes())
            .finalize();
        base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, digest)
    }

    fn say(&self, msg: &str) {
        (self.log)(msg);
    }

    /// The OB 3.0 / CLR 2.0 families claimed (the CLR 1.0 API has its own steps).
    fn families(&self) -> Vec<Family> {
        self.target.families()
    }

    /// One protected read of every claimed API, `(label, URL)`: what the token checks try a token on.
    fn probes(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = self
            .families()
            .into_iter()
            .map(|f| (format!("{} credentials", f.label()), self.api_url(f, "/credentials")))
            .collect();
        if self.target.claims(ApiSpec::Clr10) {
            let base = self.base.as_str().trim_end_matches('/');
            out.push(("CLR 1.0 clrs".into(), format!("{base}{}/clrs", clr10::PATH)));
        }
        out
    }
}

/// Runs every provider check against `target`. `uploads` are the credentials the write checks upsert; `log` gets
/// one line per step (and, in interactive mode, the authorization URLs a person must open). Exchanges are recorded
/// with their secrets redacted; [`run_with`] says how to record them.
pub async fn run(target: &Target, uploads: Vec<Upload>, hooks: &Hooks, log: &(dyn Fn(&str) + Sync)) -> ProviderRun {
    run_with(target, uploads, hooks, log, Recording::default()).await
}

/// [`run`], recording the exchanges as `recording` says (redacted or not, the CA file the curl commands name).
/// The tokens the target gives are known secrets from the start.
pub async fn run_with(
    target: &Target,
    uploads: Vec<Upload>,
    hooks: &Hooks,
    log: &(dyn Fn(&str) + Sync),
    recording: Recording,
) -> ProviderRun {
    let families = target.families();
    let clr10 = target.claims(ApiSpec::Clr10);
    let base_url = target.base_url.clone();
    let mut rec = Recorder::default();
    let redactor = recording.redactor.clone();
    let auth = &target.auth;
    for (kind, token) in [
        (Kind::AccessToken, &auth.access_token),
        (Kind::RefreshToken, &auth.refresh_token),
        (Kind::AccessToken, &auth.readonly_access_token),
    ] {
        if let Some(t) = token {
            redactor.learn(kind, t);
        }
    }
    let (base, http) = match prepare(target, recording) {
        Ok(p) => p,
        Err(why) => {
            for c in provider_checks_of(&target.specs) {
                rec.error(c, why.clone());
            }
            return ProviderRun {
                base_url,
                families,
                clr10,
                case10: target.claims(ApiSpec::Case10),
                oauth: target.uses_oauth(),
                received_case: Vec::new(),
                case_profile: target.case.profile,
                recorder: rec,
                received: Vec::new(),
                received_clr10: Vec::new(),
                exchanges: Vec::new(),
                redactor,
            };
        }
    };
    let mut s = Session {
        target,
        base,
        http,
        rec,
        hooks,
        endpoints: Endpoints::default(),
        client: None,
        main: None,
        readonly: None,
        received: Vec::new(),
        received_clr10: Vec::new(),
        received_case: Vec::new(),
        log,
        nonce: 0,
        sdd_retry: Vec::new(),
        clr10_discovery_retry: false,
        callback: None,
        approvals: 0,
    };
    let budget = target.run_timeout();
    let started = Instant::now();
    let ran = tokio::time::timeout(budget, CatchPanic(Box::pin(steps(&mut s, uploads)))).await;
    if let Ok(Err(panic)) = &ran {
        // A bug in a step: the checks it had begun are harness bugs (exit 101), the rest keep what was observed.
        s.rec
            .interrupt_in_flight_with(|c| format!("{}{}: {panic}", crate::engine::HARNESS_BUG, c.id));
        for c in provider_checks_of(&target.specs) {
            if s.rec.result(c, false).outcome == Outcome::Skip {
                let why = format!(
                    "{}the provider run: {panic} (this check was not reached)",
                    crate::engine::HARNESS_BUG
                );
                s.rec.error(c, why);
            }
        }
    }
    if ran.is_err() {
        let why = format!(
            "the run's time budget ({} s) ran out after {:?}",
            budget.as_secs(),
            started.elapsed()
        );
        for c in provider_checks_of(&target.specs) {
            let r = s.rec.result(c, false);
            if r.outcome == Outcome::Skip {
                s.rec.error(c, why.clone());
            }
        }
        // Begun in the step that was cut short: maybe not every probe was sent, so no pass.
        s.rec
            .interrupt_in_flight(&format!("{why}, before every request of this check was sent"));
    }
    ProviderRun {
        base_url,
        families,
        clr10,
        case10: target.claims(ApiSpec::Case10),
        oauth: target.uses_oauth(),
        received_case: s.received_case,
        case_profile: target.case.profile,
        exchanges: s.http.exchanges(),
        redactor,
        recorder: s.rec,
        received: s.received,
        received_clr10: s.received_clr10,
    }
}

fn prepare(target: &Target, recording: Recording) -> Result<(Url, ApiClient), String> {
    target.validate().map_err(|e| e.to_string())?;
    let base = target.base().map_err(|e| e.to_string())?;
    let mut ca: Vec<Vec<u8>> = target.tls.ca_pem.iter().map(|p| p.as_bytes().to_vec()).collect();
    if let Some(path) = &target.tls.ca_file {
        ca.push(std::fs::read(path).map_err(|e| format!("cannot read the CA file {}: {e}", path.display()))?);
    }
    let http = ApiClient::new(
        &base,
        target.allowed_hosts.clone(),
        &ca,
        target.http_limits(),
        recording,
    )
    .map_err(|e| e.provider_text())?;
    // A CASE server is often tested in the same report as a provider: its exchanges are numbered apart.
    let http = if target.uses_oauth() {
        http
    } else {
        http.with_id_prefix("case")
    };
    Ok((base, http))
}

/// A future whose panic becomes its message, so a bug in one provider step costs the run that step, not the
/// results and reports of everything before it.
struct CatchPanic<'a>(std::pin::Pin<Box<dyn std::future::Future<Output = ()> + 'a>>);

impl std::future::Future for CatchPanic<'_> {
    type Output = Result<(), String>;

    fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<Self::Output> {
        let inner = self.0.as_mut();
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| inner.poll(cx))) {
            Ok(poll) => poll.map(Ok),
            Err(payload) => std::task::Poll::Ready(Err(clr_reports::panic_message(payload.as_ref()))),
        }
    }
}

/// The run, step by step. A check is *settled* once the step that sent its requests has finished: if the run's
/// time budget cuts a step short, the checks it had begun may not have sent every probe, so they cannot pass.
async fn steps(s: &mut Session<'_>, uploads: Vec<Upload>) {
    if s.target.claims(ApiSpec::Case10) {
        s.say(&format!("CASE server {}: CASE 1.0 API", s.base));
        case10::api(s).await;
        s.rec.settle_in_flight();
    }
    if s.target.uses_oauth() {
        oauth_apis(s, uploads).await;
    }
}

/// The APIs behind the OAuth 2.0 flow, and the flow's own checks.
async fn oauth_apis(s: &mut Session<'_>, uploads: Vec<Upload>) {
    s.say(&format!("provider {}: discovery", s.base));
    discovery::discovery(s).await;
    if s.target.claims(ApiSpec::Clr10) {
        clr10::discovery(s).await;
    }
    discovery::tls(s);
    s.rec.settle_in_flight();
    authorize::authorize_all(s).await;
    s.rec.settle_in_flight();
    // Every family's upsert checks send the compact JWS representation too, signed by the harness if need be.
    let uploads = Upload::with_jws_probes(uploads, &s.families());
    for family in s.families() {
        let mine: Vec<Upload> = uploads.iter().filter(|u| u.family == family).cloned().collect();
        s.say(&format!("provider {}: {} API", s.base, family.label()));
        resources::family(s, family, mine).await;
        s.rec.settle_in_flight();
    }
    if s.target.claims(ApiSpec::Clr10) {
        s.say(&format!("provider {}: CLR 1.0 API", s.base));
        clr10::api(s, clr10::default_upload()).await;
        s.rec.settle_in_flight();
    }
    tokens::revocation(s).await;
    s.rec.settle_in_flight();
    tokens::expiry(s).await;
    s.rec.settle_in_flight();
}

/// The provider checks that apply to the claimed APIs (OAuth ones always), in catalogue order.
pub fn provider_checks_of(specs: &[ApiSpec]) -> Vec<&'static Check> {
    let families: Vec<Family> = specs.iter().filter_map(|s| s.family()).collect();
    let clr10 = specs.contains(&ApiSpec::Clr10);
    let case10 = specs.contains(&ApiSpec::Case10);
    let oauth = specs.iter().any(|s| *s != ApiSpec::Case10);
    provider_checks(&families)
        .filter(|c| oauth || !checks::OAUTH.iter().any(|o| o.id == c.id))
        .chain(clr10::CHECKS.iter().filter(move |_| clr10))
        .chain(case10::CHECKS.iter().filter(move |_| case10))
        .collect()
}

/// The provider checks that apply to the claimed OB 3.0 / CLR 2.0 families (OAuth ones always), in catalogue order.
pub fn provider_checks(families: &[Family]) -> impl Iterator<Item = &'static Check> + '_ {
    catalogue::all().iter().filter(move |c| {
        matches!(c.runner, Runner::Provider)
            && (checks::OAUTH.iter().any(|o| o.id == c.id)
                || families
                    .iter()
                    .any(|f| ApiRule::ALL.iter().any(|r| r.of(*f).id == c.id)))
    })
}

/// Checks the credentials the provider returned (document checks and proofs), decides `*-API-009` from their
/// verdicts, and returns the subjects: the authorization server, one per claimed API, and the received credentials
/// (children of their API's subject).
pub fn into_subjects(mut run: ProviderRun, opts: &Options) -> Vec<Subject> {
    let mut documents: Vec<(Family, Vec<Subject>)> = Vec::new();
    let mut unverified: std::collections::BTreeMap<Family, Vec<String>> = Default::default();
    for (i, r) in run.received.iter().enumerate() {
        let mut out = Vec::new();
        engine::check_bytes(
            &format!("{}-received-{}", r.family.prefix().to_lowercase(), i + 1),
            &r.source,
            &r.bytes,
            opts,
            &mut out,
        );
        let check = ApiRule::ReturnedVerify.of(r.family);
        let failed: Vec<&CheckResult> = out
            .iter()
            .flat_map(|s| s.results.iter())
            .filter(|c| matches!(c.outcome, Outcome::Fail | Outcome::Error))
            .collect();
        if !failed.is_empty() {
            let ids: Vec<&str> = failed.iter().map(|c| c.check.as_str()).collect();
            run.recorder
                .violation(check, format!("{} does not pass the verifier", r.source))
                .pointer(r.pointer.clone())
                .expected("every required document check passes")
                .found(format!("failed: {}", ids.join(", ")));
        } else if let Some(why) = out.first().and_then(|d| d.unverified.clone()) {
            // Verified means observed: a credential whose proof or status could not be checked is no evidence.
            unverified
                .entry(r.family)
                .or_default()
                .push(format!("{}: {why}", r.source));
        }
        run.recorder.evaluated(check);
        documents.push((r.family, out));
    }
    for (family, open) in unverified {
        let check = ApiRule::ReturnedVerify.of(family);
        if !run.recorder.has_violation(check) {
            run.recorder.undetermined(
                check,
                format!(
                    "{} returned credential{} could not be verified — {}",
                    open.len(),
                    if open.len() == 1 { "" } else { "s" },
                    open.join(" · ")
                ),
            );
        }
    }
    judge_received_clrs(&mut run);
    let strict = opts.strict;
    let selected = |id: &str| opts.selection.selects(id);
    let mut subjects = Vec::new();
    let oauth_results: Vec<CheckResult> = provider_checks(&[])
        .filter(|c| run.oauth && selected(c.id))
        .map(|c| run.recorder.result(c, strict))
        .collect();
    if !oauth_results.is_empty() {
        subjects.push(provider_subject(
            "provider-oauth",
            format!("OAuth 2.0 authorization server of {}", run.base_url),
            &run.base_url,
            oauth_results,
        ));
    }
    for family in &run.families {
        let id = format!("provider-{}", family.prefix().to_lowercase());
        let results: Vec<CheckResult> = provider_checks(std::slice::from_ref(family))
            .filter(|c| c.area != "oauth" && selected(c.id))
            .map(|c| run.recorder.result(c, strict))
            .collect();
        subjects.push(provider_subject(
            &id,
            format!(
                "{} API at {}{}",
                family.label(),
                run.base_url.trim_end_matches('/'),
                family.path()
            ),
            &run.base_url,
            results,
        ));
        for (f, docs) in &documents {
            if f == family {
                for mut d in docs.iter().cloned() {
                    if d.parent.is_none() {
                        d.parent = Some(id.clone());
                    }
                    subjects.push(d);
                }
            }
        }
    }
    if run.clr10 {
        let results: Vec<CheckResult> = clr10::CHECKS
            .iter()
            .filter(|c| selected(c.id))
            .map(|c| run.recorder.result(c, strict))
            .collect();
        subjects.push(provider_subject(
            "provider-clr10",
            format!("CLR 1.0 API at {}{}", run.base_url.trim_end_matches('/'), clr10::PATH),
            &run.base_url,
            results,
        ));
    }
    if run.case10 {
        subjects.extend(case_subjects(&mut run, opts));
    }
    subjects
}

/// The CASE server's subject and, under it, each package it served judged as a document (which decides the
/// data-model part of `CASE-API-004`).
fn case_subjects(run: &mut ProviderRun, opts: &Options) -> Vec<Subject> {
    let check = &case10::ids::CASE_API_004;
    // `004` judges every package by every CASE-DM check, whatever the selection shows; the packages are subjects of
    // their own when some CASE-DM check is selected.
    let judge = Options {
        selection: crate::catalogue::Selection {
            only: vec!["CASE-DM-*".into()],
            skip: Vec::new(),
        },
        case_profile: run.case_profile,
        ..Options::default()
    };
    let shown = Options {
        selection: opts.selection.clone(),
        strict: opts.strict,
        case_profile: run.case_profile,
        ..Options::default()
    };
    let any_dm_selected = crate::checks::case10::CHECKS
        .iter()
        .any(|c| c.id.starts_with("CASE-DM-") && opts.selection.selects(c.id));
    let mut documents = Vec::new();
    for (i, p) in run.received_case.iter().enumerate() {
        let failing: Vec<CheckResult> = match serde_json::from_slice::<serde_json::Value>(&p.bytes) {
            Ok(v) => engine::judge_case(&v, crate::case::Kind::Package, &judge)
                .into_iter()
                .filter(|c| c.outcome.is_failure())
                .collect(),
            Err(_) => Vec::new(),
        };
        if let Some(first) = failing.first() {
            let ids: Vec<&str> = failing.iter().map(|c| c.check.as_str()).collect();
            let why = first.findings.first().map(|f| f.message.clone()).unwrap_or_default();
            run.recorder
                .violation(
                    check,
                    format!("the package of {} fails the CASE data model: {why}", p.document),
                )
                .expected("every required CASE-DM check passes")
                .found(format!("failed: {}", ids.join(", ")))
                .exchange(&p.exchange);
        }
        if any_dm_selected {
            engine::check_bytes(
                &format!("case-package-{}", i + 1),
                &p.url,
                &p.bytes,
                &shown,
                &mut documents,
            );
        }
    }
    let results: Vec<CheckResult> = case10::CHECKS
        .iter()
        .filter(|c| opts.selection.selects(c.id))
        .map(|c| run.recorder.result(c, opts.strict))
        .collect();
    let id = "provider-case10".to_string();
    let mut subjects = vec![provider_subject(
        &id,
        format!(
            "CASE 1.0 API at {}{}",
            run.base_url.trim_end_matches('/'),
            crate::case::PATH
        ),
        &run.base_url,
        results,
    )];
    for mut d in documents {
        if d.parent.is_none() {
            d.parent = Some(id.clone());
        }
        subjects.push(d);
    }
    subjects
}

/// `CLR10-API-008`: every CLR getClrs returned passes the CLR 1.0 data-model checks. Checked with verification off:
/// CLR 1.0 verification depends on where the publisher hosts its profile and keys, which the API does not promise.
fn judge_received_clrs(run: &mut ProviderRun) {
    let check = &clr10::ids::CLR10_API_008;
    if run.received_clr10.is_empty() {
        return;
    }
    run.recorder.evaluated(check);
    let opts = Options {
        selection: crate::catalogue::Selection {
            only: vec!["CLR10-DM".into()],
            skip: Vec::new(),
        },
        ..Options::default()
    };
    for r in &run.received_clr10 {
        let mut out = Vec::new();
        engine::check_bytes("clr10-received", &r.pointer, &r.bytes, &opts, &mut out);
        let failing: Vec<&CheckResult> = out
            .iter()
            .flat_map(|d| &d.results)
            .filter(|c| c.outcome.is_failure())
            .collect();
        let detected = out.first().and_then(|d| d.detected.as_ref()).map(|d| d.kind.clone());
        if detected.as_deref() != Some("clr10-clr") {
            run.recorder
                .violation(check, format!("the ClrSet entry {} is not a CLR 1.0 record", r.pointer))
                .pointer(r.pointer.clone())
                .expected("a Clr")
                .found(detected.unwrap_or_else(|| "undecodable".into()))
                .exchange(&r.exchange);
        } else if let Some(first) = failing.first() {
            let ids: Vec<&str> = failing.iter().map(|c| c.check.as_str()).collect();
            let why = first.findings.first().map(|f| f.message.clone()).unwrap_or_default();
            run.recorder
                .violation(
                    check,
                    format!("the CLR at {} fails the CLR 1.0 data model: {why}", r.pointer),
                )
                .pointer(r.pointer.clone())
                .expected("every required CLR10-DM check passes")
                .found(format!("failed: {}", ids.join(", ")))
                .exchange(&r.exchange);
        }
    }
}

fn provider_subject(id: &str, name: String, source: &str, results: Vec<CheckResult>) -> Subject {
    let (outcome, unverified) = engine::settle(&results);
    Subject {
        id: id.to_string(),
        kind: SubjectKind::Provider,
        name,
        source: source.to_string(),
        parent: None,
        scope: None,
        layers: Vec::new(),
        detected: None,
        outcome,
        unverified,
        results,
    }
}
