//! The servers a provider conformance run needs, started in-process: CASE server, mock issuer, OB 2.0 badge host and
//! the reference provider with its test user. The harness side (the target, its hooks, the uploads) is built from these by the
//! `clr-ecosystem` crate; this module knows nothing of the harness.

use std::sync::Arc;

use serde_json::json;

use crate::faults::Faults;
use crate::provider::{Provider, ProviderConfig, ProviderError, TestUser};
use crate::server::Running;
use crate::tls::MockCa;
use crate::{case, issuer, server};

/// The provider's test user: id, login, password.
pub const USER: (&str, &str, &str) = ("https://learners.example.edu/people/ada", "ada", "ada-password");

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
    #[error("starting the badge host: {0}")]
    BadgeHost(#[from] crate::badgehost::BadgeHostError),
}

/// The running servers and what a run against them needs.
pub struct Ecosystem {
    pub provider: Running,
    pub provider_state: Arc<Provider>,
    pub issuer: Running,
    pub issuer_state: Arc<issuer::MockIssuer>,
    pub case: Running,
    pub badgehost: Running,
    pub badgehost_state: Arc<crate::badgehost::BadgeHost>,
    /// The CA the servers' certificates chain to, when they serve https.
    pub ca_pem: Option<String>,
}

impl Ecosystem {
    /// Starts every server over https with a CA generated now; `faults` apply to the provider (the `case-*` ones to
    /// the CASE server).
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
        let case = case::spawn_with_faults(
            server::bind(0).await?,
            case::Framework::seeded(seed),
            ca.as_ref(),
            faults.clone(),
        )
        .await?;
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
        let (badgehost, badgehost_state) =
            crate::badgehost::spawn_on(server::bind(0).await?, seed, ca.as_ref()).await?;
        Ok(Ecosystem {
            badgehost,
            badgehost_state,
            provider,
            provider_state,
            issuer,
            issuer_state,
            case,
            ca_pem: ca.map(|c| c.ca_pem().to_string()),
        })
    }

    pub async fn shutdown(self) {
        let _ = self.provider.shutdown().await;
        let _ = self.issuer.shutdown().await;
        let _ = self.case.shutdown().await;
        let _ = self.badgehost.shutdown().await;
    }
}
