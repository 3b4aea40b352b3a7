//! clr-ecosystem: the embedded reference ecosystem as a harness target.
//!
//! The mocks (`clr-mocks`) are servers that know nothing of the harness; the harness (`clr-harness`) runs checks
//! against any target. This crate joins them: it starts the reference provider, the mock issuer and the CASE server
//! in-process ([`Embedded::start`]) and describes them to the harness — the provider as a [`Target`], its clock as
//! [`Hooks`], the issuer's credentials as [`Upload`]s, and the hosts verification may fetch from — ready for one
//! [`clr_harness::session::run_provider`] call. `clr-harness run` without a target and the end-to-end tests share it, so both
//! exercise exactly the same world.

pub mod consumer;
pub mod verifier;

use clr_harness::api::{ApiSpec, AuthMode, Family, Hooks, Target, Upload};
use clr_harness::catalogue::Selection;
use clr_harness::check::{Endpoints, Inbound};
use clr_harness::engine::{self, Input, InputFailure, Options};
use clr_harness::fetch::FetchPolicy;
use clr_harness::http::{RECORDED_BODY_BYTES, curl};
use clr_harness::redact::Redactor;
use clr_harness::session::ProviderRunConfig;
use clr_harness::verify::Net;
use clr_mocks::ecosystem::{Ecosystem, EcosystemError};
use clr_mocks::faults::Faults;
use clr_mocks::tap::KEPT_UPLOADS;
use clr_reports::{Exchange, Subject};

pub use clr_mocks::ecosystem::USER;

/// Credentials of the mock issuer the run upserts (its valid ones; revoked ones would rightly fail verification).
const UPSERTED: [&str; 5] = [
    "course-statistics",
    "datathon",
    "competency",
    "bootcamp-capstone",
    "clr",
];

/// The issuer's VC-JWT the run upserts besides its JSON credentials.
const UPSERTED_JWT: &str = "course-machine-learning";

#[derive(Debug, thiserror::Error)]
pub enum EmbeddedError {
    #[error(transparent)]
    Start(#[from] EcosystemError),
    #[error("the issuer's credential {0} cannot be upserted: {1}")]
    Upload(String, String),
}

/// The running mocks and what a run against them upserts.
pub struct Embedded {
    pub servers: Ecosystem,
    /// What the run upserts: the issuer's valid credentials (one as a VC-JWT) and the harness's signed samples.
    pub uploads: Vec<Upload>,
}

impl Embedded {
    /// Starts every server over https with a CA generated now; `faults` apply to the provider.
    pub async fn start(seed: u64, faults: Faults) -> Result<Embedded, EmbeddedError> {
        Embedded::from_servers(Ecosystem::start(seed, faults).await?)
    }

    /// [`Embedded::start`], over plain http when `https` is false (what the TLS check must catch).
    pub async fn start_with(seed: u64, faults: Faults, https: bool) -> Result<Embedded, EmbeddedError> {
        Embedded::from_servers(Ecosystem::start_with(seed, faults, https).await?)
    }

    /// [`Embedded::start`] with a provider that shows its login page to every authorization request (no
    /// auto-consent), as a real provider does: for driving the interactive flow as a browser would.
    pub async fn start_with_login_page(seed: u64, faults: Faults) -> Result<Embedded, EmbeddedError> {
        Embedded::from_servers(Ecosystem::start_with_login_page(seed, faults).await?)
    }

    fn from_servers(servers: Ecosystem) -> Result<Embedded, EmbeddedError> {
        let mut uploads = Vec::new();
        for slug in UPSERTED {
            if let Some(vc) = servers.issuer_state.credentials.get(slug) {
                uploads.push(
                    Upload::from_bytes(slug, vc.to_string().as_bytes())
                        .map_err(|e| EmbeddedError::Upload(slug.into(), e))?,
                );
            }
        }
        if let Some(jwt) = servers.issuer_state.jwts.get(UPSERTED_JWT) {
            let name = format!("{UPSERTED_JWT}.jwt");
            uploads.push(Upload::from_bytes(&name, jwt.as_bytes()).map_err(|e| EmbeddedError::Upload(name, e))?);
        }
        uploads.extend(Upload::samples());
        Ok(Embedded { servers, uploads })
    }

    /// The reference provider as a target: auto-consent, every OAuth endpoint named (revocation is not in the SDD,
    /// and naming the others lets the run go on when a fault breaks discovery).
    pub fn target(&self) -> Target {
        let base = &self.servers.provider.base_url;
        let mut t = Target::new(base);
        // The reference provider serves all three APIs.
        t.specs = vec![ApiSpec::Ob30, ApiSpec::Clr20, ApiSpec::Clr10];
        t.auth.mode = AuthMode::AutoConsent;
        t.oauth.revocation_url = Some(format!("{base}/oauth/revoke"));
        t.oauth.registration_url = Some(format!("{base}/oauth/register"));
        t.oauth.authorization_url = Some(format!("{base}/oauth/authorize"));
        t.oauth.token_url = Some(format!("{base}/oauth/token"));
        t.tls.ca_pem.extend(self.servers.ca_pem.clone());
        t
    }

    /// The CASE server as a target (`specs = ["case10"]`, strict profile).
    pub fn case_target(&self) -> Target {
        let mut t = Target::new(&self.servers.case.base_url);
        t.specs = vec![ApiSpec::Case10];
        t.tls.ca_pem.extend(self.servers.ca_pem.clone());
        t
    }

    /// Runs the CASE checks against the CASE server: its subject, the packages it served (children of it), and
    /// the exchanges, recorded as `recording` says.
    pub async fn judge_case_server(
        &self,
        selection: &Selection,
        strict: bool,
        recording: clr_harness::redact::Recording,
    ) -> (Vec<Subject>, Vec<Exchange>) {
        let target = self.case_target();
        let run = clr_harness::api::run_with(&target, Vec::new(), &Hooks::default(), &|_| {}, recording).await;
        let exchanges = run.exchanges.clone();
        let opts = Options {
            selection: selection.clone(),
            strict,
            ..Options::default()
        };
        (clr_harness::api::into_subjects(run, &opts), exchanges)
    }

    /// The provider's clock, for the expiry checks.
    pub fn hooks(&self) -> Hooks {
        let provider = self.servers.provider_state.clone();
        Hooks {
            advance_clock: Some(Box::new(move |secs| provider.advance_clock(secs))),
        }
    }

    /// Hosts verification may fetch from (status lists, refresh, CASE items, hosted badges): `host:port` of the
    /// issuer, the CASE server and the badge host.
    pub fn allowed_hosts(&self) -> Vec<String> {
        [
            &self.servers.issuer.base_url,
            &self.servers.case.base_url,
            &self.servers.badgehost.base_url,
        ]
        .iter()
        .map(|u| {
            u.trim_start_matches("http://")
                .trim_start_matches("https://")
                .to_string()
        })
        .collect()
    }

    /// A run of the whole catalogue against the reference provider: its target (validated), uploads, hooks and
    /// allowed hosts; adjust the rest before [`clr_harness::session::run_provider`].
    pub fn run_config(&self) -> ProviderRunConfig {
        ProviderRunConfig {
            hooks: self.hooks(),
            allowed_hosts: self.allowed_hosts(),
            ..ProviderRunConfig::new(self.target(), self.uploads.clone())
        }
    }

    /// Where the provider's endpoints are, for the consumer checks.
    pub fn endpoints(&self) -> Endpoints {
        let base = &self.servers.provider.base_url;
        let apis = [ApiSpec::Ob30, ApiSpec::Clr20, ApiSpec::Clr10];
        Endpoints {
            discovery: apis.iter().map(|a| format!("{base}{}/discovery", a.path())).collect(),
            registration: format!("{base}/oauth/register"),
            authorization: format!("{base}/oauth/authorize"),
            token: format!("{base}/oauth/token"),
            api_bases: apis.iter().map(|a| format!("{base}{}", a.path())).collect(),
        }
    }

    /// The OB 3.0 discovery document a consumer starts from.
    pub fn discovery_url(&self) -> String {
        format!("{}{}/discovery", self.servers.provider.base_url, Family::Ob30.path())
    }

    /// What the reference consumer upserts: the first JSON credential and the first compact JWS of the uploads through
    /// the OB 3.0 API, and the first CLR through the CLR 2.0 API.
    pub fn payloads(&self) -> Option<consumer::Payloads> {
        let json = self.uploads.iter().find(|u| !u.jws)?.credential.clone();
        let jws = self.uploads.iter().find(|u| u.jws)?;
        let clr = self
            .uploads
            .iter()
            .find(|u| !u.jws && u.family == Family::Clr20)
            .map(|u| (u.credential.clone(), self.clr_discovery_url()));
        let clr10 = Some((
            self.servers.issuer_state.clr1.hosted.clone(),
            format!("{}{}/discovery", self.servers.provider.base_url, ApiSpec::Clr10.path()),
        ));
        Some(consumer::Payloads {
            json,
            jws: String::from_utf8_lossy(&jws.body).into_owned(),
            clr,
            clr10,
        })
    }

    /// The CLR 2.0 discovery document.
    pub fn clr_discovery_url(&self) -> String {
        format!("{}{}/discovery", self.servers.provider.base_url, Family::Clr20.path())
    }

    /// Everything clients sent the provider so far, oldest first.
    pub fn tapped(&self) -> Vec<Exchange> {
        self.servers.provider_state.tap().exchanges()
    }

    /// The consumer's subject: the selected consumer checks on what the provider received.
    pub fn judge_consumer(&self, name: &str, selection: &Selection, strict: bool) -> Subject {
        self.judge_consumer_since(0, name, selection, strict)
    }

    /// Where the provider's tap stands now: exchanges after this mark belong to the next client.
    pub fn tap_mark(&self) -> u64 {
        self.servers.provider_state.tap().mark()
    }

    /// [`Embedded::judge_consumer`] on the exchanges since `mark` ([`Embedded::tap_mark`]; those before belong to
    /// another client).
    pub fn judge_consumer_since(&self, mark: u64, name: &str, selection: &Selection, strict: bool) -> Subject {
        let seen = self.servers.provider_state.tap().snapshot(mark);
        let endpoints = self.endpoints();
        let inbound = Inbound {
            exchanges: &seen.exchanges,
            endpoints: &endpoints,
            started_ms: &seen.started_ms,
        };
        let mut subject = clr_harness::consumer::judge(&inbound, name, selection, strict);
        if seen.lost > 0 {
            // Part of what the client did is gone: no verdict stands on the rest (a missing discovery request would
            // read as "used the provider first").
            let why = format!(
                "the provider's tap let go of {} of the client's requests (it keeps the last {}), so what it did is \
                 not fully known",
                seen.lost,
                self.servers.provider_state.tap().capacity()
            );
            for r in &mut subject.results {
                if let Some(check) = clr_harness::catalogue::get(&r.check) {
                    *r = clr_harness::check::findings::undetermined(check, why.clone());
                }
            }
            subject.outcome = clr_reports::Outcome::Skip;
            subject.unverified = Some(why);
        }
        subject
    }

    /// What clients upserted since `mark` ([`Embedded::tap_mark`]), checked as the issuer output it is (an Issuer with
    /// the API option submits its credentials by upserting them): one document subject per upsert (`upsert-1` …),
    /// verified with fetches allowed to the ecosystem's own hosts only; and the exchanges those fetches made.
    /// Synchronous: verification drives its own runtime, so call it outside async code. `cacert` is the CA file the
    /// fetches' curl commands name.
    pub fn judge_upserts_since(
        &self,
        mark: u64,
        selection: &Selection,
        strict: bool,
        cacert: Option<&str>,
    ) -> (Vec<Subject>, Vec<Exchange>) {
        let endpoints = self.endpoints();
        let upserts: Vec<Exchange> = self
            .servers
            .provider_state
            .tap()
            .since(mark)
            .into_iter()
            .filter(|e| {
                let path = e.url.split(['?', '#']).next().unwrap_or_default().trim_end_matches('/');
                e.method == "POST"
                    && e.status.is_some_and(|s| (200..300).contains(&s))
                    && endpoints.api_bases.iter().any(|b| path == format!("{b}/credentials"))
            })
            .collect();
        let mut policy = FetchPolicy {
            allowed_hosts: self.allowed_hosts(),
            recording: clr_harness::redact::Recording {
                redactor: Redactor::default(),
                cacert: cacert.map(str::to_owned),
            },
            ..FetchPolicy::default()
        };
        if let Some(pem) = &self.servers.ca_pem {
            // The generated CA parses; should it not, fetches fail and the status checks say so.
            let _ = policy.trust_pem(pem);
        }
        let net = match Net::with_id_prefix(policy, "upsert-fetch") {
            Ok(net) => net,
            Err(e) => {
                // No verification is possible: every upsert says so (an error, never a pass).
                let inputs: Vec<Input> = upserts
                    .iter()
                    .map(|u| Input {
                        source: u.url.clone(),
                        bytes: Err(InputFailure::Unreadable(format!("cannot start verification: {e}"))),
                    })
                    .collect();
                return (engine::check_inputs(&inputs, &Options::default()), Vec::new());
            }
        };
        let opts = Options {
            selection: selection.clone(),
            strict,
            net: Some(&net),
            ..Options::default()
        };
        let tap = self.servers.provider_state.tap();
        let mut subjects = Vec::new();
        for (i, e) in upserts.iter().enumerate() {
            let id = format!("upsert-{}", i + 1);
            let source = format!("upsertCredential #{} ({})", i + 1, e.url);
            // The tap keeps upserts whole (the exchange's own body is cut for the report), the last few of them.
            let Some(body) = tap.upload(&e.id) else {
                let lost = Input {
                    source,
                    bytes: Err(InputFailure::Unreadable(format!(
                        "the upsert's body is no longer kept (the provider's tap keeps the last {KEPT_UPLOADS}), so \
                         what the client submitted could not be checked"
                    ))),
                };
                let mut unread = engine::check_inputs(&[lost], &opts);
                for s in &mut unread {
                    s.id = id.clone();
                }
                subjects.extend(unread);
                continue;
            };
            engine::check_bytes(&id, &source, &body, &opts, &mut subjects);
        }
        (subjects, net.exchanges())
    }

    /// The Open Badges 2.0 and CLR 1.0 documents the embedded run validates, as a user would hand them over: every
    /// valid badge of the badge host in each form its index lists (hosted URL, signed JWS, baked PNG and SVG) and
    /// the mock issuer's CLR 1.0 transcript, hosted and signed. `(source, URL)` pairs.
    pub fn legacy_documents(&self) -> Vec<(String, String)> {
        let mut docs = Vec::new();
        for entry in self.servers.badgehost_state.index()["badges"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|e| e["expected"] == "valid")
        {
            let (name, form, url) = (&entry["name"], &entry["form"], &entry["url"]);
            if let (Some(name), Some(form), Some(url)) = (name.as_str(), form.as_str(), url.as_str()) {
                docs.push((format!("OB 2.0 badge {name} ({form})"), url.to_string()));
            }
        }
        let issuer = &self.servers.issuer.base_url;
        let clr1 = &self.servers.issuer_state.clr1;
        docs.push((
            "CLR 1.0 transcript (hosted)".into(),
            format!("{issuer}{}", clr1.hosted_path),
        ));
        docs.push((
            "CLR 1.0 transcript (signed)".into(),
            format!("{issuer}/clr1/transcript.jws"),
        ));
        docs
    }

    /// [`Embedded::legacy_documents`] fetched and checked with verification, fetches allowed to the ecosystem's own
    /// hosts only: one document subject each (`legacy-1` …), and the exchanges made. Synchronous (verification drives
    /// its own runtime): call it outside async code. `cacert` is the CA file the fetches' curl commands name.
    pub fn judge_legacy_documents(
        &self,
        selection: &Selection,
        strict: bool,
        cacert: Option<&str>,
    ) -> (Vec<Subject>, Vec<Exchange>) {
        let mut policy = FetchPolicy {
            allowed_hosts: self.allowed_hosts(),
            recording: clr_harness::redact::Recording {
                redactor: Redactor::default(),
                cacert: cacert.map(str::to_owned),
            },
            ..FetchPolicy::default()
        };
        if let Some(pem) = &self.servers.ca_pem {
            let _ = policy.trust_pem(pem);
        }
        let docs = self.legacy_documents();
        let Ok(net) = Net::with_id_prefix(policy, "legacy-fetch") else {
            let inputs: Vec<Input> = docs
                .iter()
                .map(|(source, _)| Input {
                    source: source.clone(),
                    bytes: Err(InputFailure::Unreadable("cannot start verification".into())),
                })
                .collect();
            return (engine::check_inputs(&inputs, &Options::default()), Vec::new());
        };
        let opts = Options {
            selection: selection.clone(),
            strict,
            net: Some(&net),
            ..Options::default()
        };
        let mut subjects = Vec::new();
        for (i, (source, url)) in docs.iter().enumerate() {
            let id = format!("legacy-{}", i + 1);
            let attempt = net.block_on(net.fetcher().get(url, "application/ld+json, application/json, */*"));
            net.record(std::slice::from_ref(&attempt.exchange));
            let bytes = attempt
                .result
                .map(|f| f.bytes)
                .map_err(|e| InputFailure::Unreadable(e.to_string()));
            let input = Input {
                source: source.clone(),
                bytes,
            };
            subjects.extend(engine::check_document(&id, &input, &opts));
        }
        (subjects, net.exchanges())
    }

    /// Runs the reference consumer against the provider and grades what it sent: its subject and its exchanges,
    /// redacted, their curl commands naming `cacert`. The exchanges before it (the harness's own provider run) are
    /// not its.
    pub async fn grade_reference_consumer(
        &self,
        selection: &Selection,
        strict: bool,
        redactor: &Redactor,
        cacert: Option<&str>,
    ) -> (Subject, Vec<Exchange>) {
        let mark = self.tap_mark();
        if let Some(payloads) = self.payloads() {
            // A stop is the consumer's finding to make (a check it did not reach is a skip), not an error here.
            let _ = consumer::run(&self.discovery_url(), self.servers.ca_pem.as_deref(), &payloads, &[]).await;
        }
        let subject = self.judge_consumer_since(mark, "the reference consumer", selection, strict);
        let exchanges = redacted(self.servers.provider_state.tap().since(mark), redactor, cacert);
        (subject, exchanges)
    }

    pub async fn shutdown(self) {
        self.servers.shutdown().await;
    }
}

/// Exchanges a client had with the provider, with the client's secrets replaced (learned from what it sent and got
/// back) and each curl command rebuilt from the redacted parts; `cacert` is the CA file the commands name.
pub fn redacted(mut exchanges: Vec<Exchange>, redactor: &Redactor, cacert: Option<&str>) -> Vec<Exchange> {
    for e in &mut exchanges {
        let (request, response) = (e.request_body.take(), e.response_body.take());
        redactor.record(
            e,
            request.as_deref().map(str::as_bytes),
            response.as_deref().map(str::as_bytes),
            RECORDED_BODY_BYTES,
        );
        e.curl = curl(
            &e.method,
            &e.url,
            &e.request_headers,
            e.request_body.as_deref().map(str::as_bytes),
            cacert,
        );
    }
    exchanges
}
