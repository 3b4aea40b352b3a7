//! The ecosystem a provider conformance run needs, started in-process: CASE server, mock issuer and the reference
//! provider with its auto-consent test user. `clr-harness run` without a target uses it, and so does the fault
//! table test, so both exercise exactly the same world.

use std::sync::Arc;

use clr_harness::api::{AuthMode, Hooks, Target, Upload};
use serde_json::json;

use crate::faults::Faults;
use crate::provider::{Provider, ProviderConfig, ProviderError, TestUser};
use crate::server::Running;
use crate::tls::MockCa;
use crate::{case, issuer, server};

/// The provider's test user: id, login, password.
pub const USER: (&str, &str, &str) = ("https://learners.example.edu/people/ada", "ada", "ada-password");

/// Credentials of the mock issuer the run upserts (its valid ones; revoked ones would rightly fail verification).
const UPSERTED: [&str; 5] = [
    "course-statistics",
    "datathon",
    "competency",
    "bootcamp-capstone",
    "clr",
];

#[derive(Debug, thiserror::Error)]
pub enum EcosystemError {
    #[error("starting the CASE server: {0}")]
    Case(#[from] std::io::Error),
    #[error("generating the mocks' CA: {0}")]
    Tls(#[from] crate::tls::TlsError),
    #[error("starting the mock issuer: {0}")]
    Issuer(#[from] issuer::IssuerError),
    #[error("starting the provider: {0}")]
    Provider(#[from] ProviderError),
    #[error("the issuer's credential {0} cannot be upserted: {1}")]
    Upload(String, String),
}

/// The running servers and what a run against them needs.
pub struct Ecosystem {
    pub provider: Running,
    pub provider_state: Arc<Provider>,
    pub issuer: Running,
    pub issuer_state: Arc<issuer::MockIssuer>,
    pub case: Running,
    /// What the run upserts: the issuer's valid credentials (one as a VC-JWT) and the harness's signed samples.
    pub uploads: Vec<Upload>,
    /// The CA the servers' certificates chain to, when they serve https.
    pub ca_pem: Option<String>,
}

impl Ecosystem {
    /// Starts every server over https with a CA generated now; `faults` apply to the provider.
    pub async fn start(seed: u64, faults: Faults) -> Result<Ecosystem, EcosystemError> {
        Ecosystem::start_with(seed, faults, true).await
    }

    /// [`Ecosystem::start`], over plain http when `https` is false (what the TLS check must catch).
    pub async fn start_with(seed: u64, faults: Faults, https: bool) -> Result<Ecosystem, EcosystemError> {
        Ecosystem::start_opts(seed, faults, https, true).await
    }

    /// [`Ecosystem::start`] with a provider that shows its login page to every authorization request (no
    /// auto-consent), as a real provider does: for driving the interactive flow as a browser would.
    pub async fn start_with_login_page(seed: u64, faults: Faults) -> Result<Ecosystem, EcosystemError> {
        Ecosystem::start_opts(seed, faults, true, false).await
    }

    async fn start_opts(
        seed: u64,
        faults: Faults,
        https: bool,
        auto_consent: bool,
    ) -> Result<Ecosystem, EcosystemError> {
        let ca = if https { Some(MockCa::generate()?) } else { None };
        let case = case::spawn_on(server::bind(0).await?, case::Framework::seeded(seed), ca.as_ref()).await?;
        let (issuer, issuer_state) =
            issuer::spawn_on(server::bind(0).await?, seed, Some(&case.base_url), ca.as_ref()).await?;
        let (id, username, password) = USER;
        let config = ProviderConfig {
            users: vec![TestUser {
                id: id.into(),
                username: username.into(),
                password: password.into(),
                profile: json!({"id": id, "type": ["Profile"], "name": "Ada Learner", "email": "ada@learners.example.edu"}),
            }],
            auto_consent_user: auto_consent.then(|| username.into()),
            faults,
            data_dir: None,
        };
        let (provider, provider_state) = Provider::spawn_on(server::bind(0).await?, config, ca.as_ref()).await?;
        let mut uploads = Vec::new();
        for slug in UPSERTED {
            if let Some(vc) = issuer_state.credentials.get(slug) {
                uploads.push(
                    Upload::from_bytes(slug, vc.to_string().as_bytes())
                        .map_err(|e| EcosystemError::Upload(slug.into(), e))?,
                );
            }
        }
        if let Some(jwt) = issuer_state.jwts.get("course-machine-learning") {
            let name = "course-machine-learning.jwt";
            uploads.push(Upload::from_bytes(name, jwt.as_bytes()).map_err(|e| EcosystemError::Upload(name.into(), e))?);
        }
        uploads.extend(Upload::samples());
        Ok(Ecosystem {
            provider,
            provider_state,
            issuer,
            issuer_state,
            case,
            uploads,
            ca_pem: ca.map(|c| c.ca_pem().to_string()),
        })
    }

    /// The reference provider as a target: auto-consent, every OAuth endpoint named (revocation is not in the SDD,
    /// and naming the others lets the run go on when a fault breaks discovery).
    pub fn target(&self) -> Target {
        let base = &self.provider.base_url;
        let mut t = Target::new(base);
        t.auth.mode = AuthMode::AutoConsent;
        t.oauth.revocation_url = Some(format!("{base}/oauth/revoke"));
        t.oauth.registration_url = Some(format!("{base}/oauth/register"));
        t.oauth.authorization_url = Some(format!("{base}/oauth/authorize"));
        t.oauth.token_url = Some(format!("{base}/oauth/token"));
        t.tls.ca_pem.extend(self.ca_pem.clone());
        t
    }

    /// The provider's clock, for the expiry checks.
    pub fn hooks(&self) -> Hooks {
        let provider = self.provider_state.clone();
        Hooks {
            advance_clock: Some(Box::new(move |secs| provider.advance_clock(secs))),
        }
    }

    /// Hosts verification may fetch from (status lists, refresh, CASE items): `host:port` of the issuer and CASE
    /// server.
    pub fn allowed_hosts(&self) -> Vec<String> {
        [&self.issuer.base_url, &self.case.base_url]
            .iter()
            .map(|u| {
                u.trim_start_matches("http://")
                    .trim_start_matches("https://")
                    .to_string()
            })
            .collect()
    }

    pub async fn shutdown(self) {
        let _ = self.provider.shutdown().await;
        let _ = self.issuer.shutdown().await;
        let _ = self.case.shutdown().await;
    }
}
