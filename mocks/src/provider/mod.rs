//! Reference OB 3.0 (`/ims/ob/v3p0`) and CLR 2.0 (`/ims/clr/v2p0`) resource server with its OAuth 2.0
//! authorization server (DCR, authorization code with PKCE S256, refresh, revocation), backed by SQLite and able to
//! commit any of the [`crate::faults`] so each API-P-* / OA-* check can be shown to fail.

mod api;
mod authorize;
mod oauth;
mod register;
pub mod store;

use std::hash::{BuildHasher, Hasher};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::{Body, Bytes, HttpBody};
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use crate::faults::{Fault, Faults};
use crate::server::{self, Running};
use crate::tls::MockCa;
use store::Store;

/// A resource owner who can log in at the authorization endpoint.
#[derive(Debug, Clone)]
pub struct TestUser {
    pub id: String,
    pub username: String,
    pub password: String,
    /// The Profile getProfile returns until putProfile replaces it.
    pub profile: serde_json::Value,
}

#[derive(Debug, Clone, Default)]
pub struct ProviderConfig {
    pub users: Vec<TestUser>,
    /// Username (or user id) that approves every authorization request at once, for unattended runs.
    pub auto_consent_user: Option<String>,
    pub faults: Faults,
    /// `None` keeps all state in memory.
    pub data_dir: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    #[error(transparent)]
    Store(#[from] store::StoreError),
    #[error("starting the provider: {0}")]
    Io(#[from] std::io::Error),
}

pub use clr_harness::api::Family;
/// The two API families the provider serves (they share the implementation but not scopes or data), and the
/// operations scopes are named after: the harness's own definitions, so paths and scope URIs are written once.
pub use clr_harness::api::target::SCOPE_OPS;

/// The store's name for a family's credentials.
fn store_key(family: Family) -> &'static str {
    match family {
        Family::Ob30 => "ob",
        Family::Clr20 => "clr",
    }
}

/// Every scope the authorization server grants.
pub fn supported_scopes() -> Vec<String> {
    let mut all: Vec<String> = Family::ALL
        .iter()
        .flat_map(|f| SCOPE_OPS.iter().map(|op| f.scope(op)))
        .collect();
    all.push("offline_access".to_string());
    all
}

pub const ACCESS_TOKEN_LIFETIME: i64 = 3600;
pub const CODE_LIFETIME: i64 = 600;
/// Request bodies above this are refused (413) rather than buffered.
pub const MAX_BODY: usize = 1 << 20;

pub struct Provider {
    users: Vec<TestUser>,
    auto_consent_user: Option<String>,
    faults: Faults,
    store: Store,
    /// `http(s)://127.0.0.1:PORT`, known before serving because the listener is bound first.
    base_url: String,
    clock_offset: AtomicI64,
    counter: AtomicU64,
    seed: [u8; 32],
}

impl std::fmt::Debug for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Provider")
            .field("base_url", &self.base_url)
            .field("faults", &self.faults)
            .finish_non_exhaustive()
    }
}

impl Provider {
    /// Opens the store, starts the server on an ephemeral loopback port and returns its handle and state.
    pub async fn spawn(config: ProviderConfig) -> Result<(Running, Arc<Provider>), ProviderError> {
        Provider::spawn_on(server::bind(0).await?, config, None).await
    }

    /// [`Provider::spawn`] on an already-bound listener (a fixed port), over HTTPS with a certificate from `tls`
    /// when given; discovery then advertises `https://` endpoints.
    pub async fn spawn_on(
        listener: impl server::IntoListener,
        config: ProviderConfig,
        tls: Option<&MockCa>,
    ) -> Result<(Running, Arc<Provider>), ProviderError> {
        let listener = listener.into_listener()?;
        let scheme = if tls.is_some() { "https" } else { "http" };
        let base_url = format!("{scheme}://{}", listener.local_addr()?);
        let store = Store::open(config.data_dir.as_deref())?;
        for u in &config.users {
            store.seed_profile(&u.id, &u.profile)?;
        }
        let provider = Arc::new(Provider {
            users: config.users,
            auto_consent_user: config.auto_consent_user,
            faults: config.faults,
            store,
            base_url,
            clock_offset: AtomicI64::new(0),
            counter: AtomicU64::new(0),
            seed: seed(),
        });
        let running = server::spawn_on(listener, router(provider.clone()), tls).await?;
        Ok((running, provider))
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    fn has(&self, fault: Fault) -> bool {
        self.faults.has(fault)
    }

    /// Moves the provider's clock forward, so tests can expire codes and tokens without waiting.
    pub fn advance_clock(&self, secs: i64) {
        self.clock_offset.fetch_add(secs, Ordering::SeqCst);
    }

    fn now(&self) -> i64 {
        let wall = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        i64::try_from(wall).unwrap_or(i64::MAX) + self.clock_offset.load(Ordering::SeqCst)
    }

    /// An unguessable opaque string (codes, tokens, client credentials): SHA-256 over a per-process random seed
    /// and a counter, so values never repeat and mocks need no RNG crate.
    fn random(&self) -> String {
        let n = self.counter.fetch_add(1, Ordering::SeqCst);
        let mut h = Sha256::new();
        h.update(self.seed);
        h.update(n.to_le_bytes());
        URL_SAFE_NO_PAD.encode(h.finalize())
    }

    fn user_by_login(&self, name: &str) -> Option<&TestUser> {
        self.users.iter().find(|u| u.username == name || u.id == name)
    }
}

fn seed() -> [u8; 32] {
    // RandomState is keyed from the OS RNG once per process; mixing in time and pid separates test processes.
    let mut h = Sha256::new();
    for _ in 0..4 {
        let mut s = std::collections::hash_map::RandomState::new().build_hasher();
        s.write_u8(0);
        h.update(s.finish().to_le_bytes());
    }
    let t = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    h.update(t.to_le_bytes());
    h.update(std::process::id().to_le_bytes());
    h.finalize().into()
}

/// BASE64URL(SHA256(ASCII(verifier))), the PKCE S256 transform.
pub fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

pub(crate) enum BodyError {
    TooLarge,
    Read,
}

/// Reads a request body up to [`MAX_BODY`]. An oversized body is still drained (up to a bound) so the client
/// finishes sending and reads the error response instead of seeing a reset connection.
pub(crate) async fn read_body(mut body: Body) -> Result<Bytes, BodyError> {
    const DRAIN_LIMIT: usize = 64 << 20;
    let mut buf: Vec<u8> = Vec::new();
    let mut seen = 0usize;
    loop {
        let frame = std::future::poll_fn(|cx| std::pin::Pin::new(&mut body).poll_frame(cx)).await;
        match frame {
            None => break,
            Some(Err(_)) => return Err(BodyError::Read),
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    seen = seen.saturating_add(data.len());
                    if seen <= MAX_BODY {
                        buf.extend_from_slice(&data);
                    } else if seen > DRAIN_LIMIT {
                        return Err(BodyError::TooLarge);
                    }
                }
            }
        }
    }
    if seen > MAX_BODY {
        return Err(BodyError::TooLarge);
    }
    Ok(Bytes::from(buf))
}

fn router(p: Arc<Provider>) -> Router {
    let mut r = Router::new()
        .route("/oauth/register", post(register::register).fallback(oauth::not_allowed))
        .route(
            "/oauth/authorize",
            get(authorize::authorize_get).post(authorize::authorize_post),
        )
        .route("/oauth/token", post(oauth::token).fallback(oauth::not_allowed))
        .route("/oauth/revoke", post(oauth::revoke).fallback(oauth::not_allowed));
    for family in Family::ALL {
        r = r.merge(api::routes(family));
    }
    // Bodies are size-checked by `read_body`, which answers with the spec's error body instead of axum's text.
    r.layer(DefaultBodyLimit::disable()).with_state(p)
}
