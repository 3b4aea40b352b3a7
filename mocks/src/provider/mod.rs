//! Reference OB 3.0 (`/ims/ob/v3p0`), CLR 2.0 (`/ims/clr/v2p0`) and CLR 1.0 (`/ims/clr/v1p0`) resource server with its OAuth 2.0
//! authorization server (DCR, authorization code with PKCE S256, refresh, revocation), backed by SQLite and able to
//! commit any of the [`crate::faults`] so each API-P-* / OA-* check can be shown to fail.

mod api;
mod authorize;
mod clr10;
mod oauth;
pub mod provocations;
mod register;
pub mod store;

use std::hash::{BuildHasher, Hasher};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;

use crate::tap::Tap;
use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{DefaultBodyLimit, State};
use axum::routing::{get, post};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
pub use provocations::Provocation;
use provocations::Provoked;
use sha2::{Digest, Sha256};

use crate::faults::{Fault, Faults};
use crate::server::{self, Running, ServerLimits};
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
    all.extend(clr10::scopes());
    all.push("offline_access".to_string());
    all
}

pub const ACCESS_TOKEN_LIFETIME: i64 = 3600;
pub const CODE_LIFETIME: i64 = 600;
/// Request bodies above this are refused (413) rather than buffered.
pub const MAX_BODY: usize = 1 << 20;
/// Form bodies of the OAuth endpoints (token, revocation, the consent form) above this are refused: they hold a
/// handful of short parameters.
pub const MAX_FORM: usize = 16 << 10;
/// getCredentials page size when the request has no `limit`: without one a user with many credentials got them all
/// in one response (hundreds of megabytes). The page carries `Link` rel next/first/last, so a client that follows
/// rel=next (as the spec's paging asks) still reads everything.
pub const DEFAULT_PAGE_SIZE: u64 = 100;
/// The largest getCredentials page; a larger `limit` is clamped to it (the spec gives `limit` no maximum and no
/// error for a large one, so the provider serves fewer per page and its `Link` URLs name the limit it applied).
pub const MAX_PAGE_SIZE: u64 = 1000;
/// Registered clients kept at most; registering one more evicts the oldest (with its codes and tokens), so
/// unauthenticated registration cannot grow the store without bound and the provider stays usable.
pub const MAX_CLIENTS: usize = 1000;

/// The provider's bounds on what clients may hold: its server's connection limits and the registered clients.
#[derive(Debug, Clone)]
pub struct ProviderLimits {
    pub server: ServerLimits,
    /// Registered clients kept at most (the oldest is evicted beyond).
    pub max_clients: usize,
    /// Exchanges the request tap keeps (0: no tap).
    pub tapped: usize,
}

impl Default for ProviderLimits {
    fn default() -> Self {
        ProviderLimits {
            server: ServerLimits::default(),
            max_clients: MAX_CLIENTS,
            tapped: crate::tap::DEFAULT_CAPACITY,
        }
    }
}

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
    body_read_timeout: Duration,
    max_clients: usize,
    /// Every exchange a client has with the provider (the last `ProviderLimits::tapped`).
    tap: Arc<Tap>,
    /// Situations a client must handle, for consumer conformance.
    provoked: Provoked,
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
        Provider::spawn_with(listener, config, tls, ProviderLimits::default()).await
    }

    /// [`Provider::spawn_on`] with explicit [`ProviderLimits`] (tests shorten timeouts and lower caps to see them act).
    pub async fn spawn_with(
        listener: impl server::IntoListener,
        config: ProviderConfig,
        tls: Option<&MockCa>,
        limits: ProviderLimits,
    ) -> Result<(Running, Arc<Provider>), ProviderError> {
        let listener = listener.into_listener()?;
        let scheme = if tls.is_some() { "https" } else { "http" };
        let base_url = format!("{scheme}://{}", listener.local_addr()?);
        let store = Store::open(config.data_dir.as_deref())?;
        for u in &config.users {
            store.seed_profile(&u.id, &u.profile)?;
        }
        let tap = Tap::new(&base_url, limits.tapped);
        let provider = Arc::new(Provider {
            users: config.users,
            auto_consent_user: config.auto_consent_user,
            faults: config.faults,
            store,
            base_url,
            clock_offset: AtomicI64::new(0),
            counter: AtomicU64::new(0),
            seed: seed(),
            body_read_timeout: limits.server.body_read_timeout,
            max_clients: limits.max_clients.max(1),
            tap,
            provoked: Provoked::default(),
        });
        let tapped = router(provider.clone()).layer(axum::middleware::from_fn_with_state(
            provider.tap.clone(),
            crate::tap::record,
        ));
        let running = server::spawn_with(listener, tapped, tls, limits.server).await?;
        Ok((running, provider))
    }

    /// Puts every client from now on in situation `p` (see [`Provocation`]).
    pub fn provoke(&self, p: Provocation) {
        self.provoked.switch_on(p);
    }

    /// What clients sent the provider and what it answered, oldest first.
    pub fn tap(&self) -> &Tap {
        &self.tap
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

    /// Clients registered now (at most the configured `max_clients`).
    pub fn registered_clients(&self) -> Result<u64, store::StoreError> {
        self.store.client_count()
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

    /// Reads a request body of at most `max` bytes ([`read_capped`]) within the body read timeout.
    async fn read_body(&self, body: Body, max: usize) -> Result<Bytes, BodyError> {
        match tokio::time::timeout(self.body_read_timeout, read_capped(body, max)).await {
            Ok(read) => read,
            Err(_) => Err(BodyError::Timeout(self.body_read_timeout)),
        }
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

/// RFC 7636 §4.1: a code_verifier is 43 to 128 characters of `[A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~"`.
/// Anything else (a one-character verifier, say) would make the challenge guessable, so it is refused.
pub fn valid_verifier(verifier: &str) -> bool {
    (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// An S256 code_challenge as RFC 7636 §4.2 makes it: the unpadded base64url of a SHA-256 digest, so exactly 43
/// characters decoding to 32 bytes.
pub fn valid_s256_challenge(challenge: &str) -> bool {
    challenge.len() == 43 && URL_SAFE_NO_PAD.decode(challenge).is_ok_and(|d| d.len() == 32)
}

pub(crate) enum BodyError {
    TooLarge(usize),
    Read,
    Timeout(Duration),
}

/// Reads a request body up to `max` bytes. An oversized body is still drained (up to a bound) so the client
/// finishes sending and reads the error response instead of seeing a reset connection; a `Content-Length` above
/// that bound is refused before reading anything.
async fn read_capped(mut body: Body, max: usize) -> Result<Bytes, BodyError> {
    const DRAIN_LIMIT: usize = 64 << 20;
    if body.size_hint().exact().is_some_and(|n| n > DRAIN_LIMIT as u64) {
        return Err(BodyError::TooLarge(max));
    }
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
                    if seen <= max {
                        buf.extend_from_slice(&data);
                    } else if seen > DRAIN_LIMIT {
                        return Err(BodyError::TooLarge(max));
                    }
                }
            }
        }
    }
    if seen > max {
        return Err(BodyError::TooLarge(max));
    }
    Ok(Bytes::from(buf))
}

fn router(p: Arc<Provider>) -> Router {
    let mut r = Router::new()
        .route("/oauth/register", post(register::register).fallback(oauth::not_allowed))
        .route(
            "/oauth/authorize",
            get(authorize::authorize_get)
                .post(authorize::authorize_post)
                .fallback(oauth::not_allowed),
        )
        .route("/oauth/token", post(oauth::token).fallback(oauth::not_allowed))
        .route("/oauth/revoke", post(oauth::revoke).fallback(oauth::not_allowed));
    for family in Family::ALL {
        r = r.merge(api::routes(family));
    }
    r = r.merge(clr10::routes());
    // Every other path is a 404 with an imsx_StatusInfo body, like the API's own errors (axum's default is empty).
    r = r.fallback(|State(p): State<Arc<Provider>>| async move { api::not_found(&p) });
    // Bodies are size-checked by `Provider::read_body`, which answers with the spec's error body instead of axum's text.
    r.layer(DefaultBodyLimit::disable()).with_state(p)
}
