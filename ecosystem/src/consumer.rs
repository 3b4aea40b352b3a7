//! The reference consumer: a real OB 3.0 / CLR 2.0 Service Consumer (Write and Read) on reqwest that does what the
//! consumer checks require — discovery first, a complete registration, PKCE S256 with a fresh state it checks on
//! return, Basic client authentication, the token only in the `Authorization` header, upserts with the right media
//! type, then reading every page of getCredentials, refreshing an expired access token and waiting out a
//! `Retry-After` — and named faults, each breaking one rule, so every consumer check is proven able to fail.
//!
//! It never listens on its redirect URI: it reads the code from the authorization response's `Location` header, as a
//! native app's embedded browser would hand it over.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// Where the client registers to be sent back to (never contacted).
pub const REDIRECT_URI: &str = "https://consumer.example/callback";

/// One way the reference consumer can misbehave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsumerFault {
    /// Registers without software_id, and sends redirect_uris as a string.
    IncompleteRegistration,
    /// Authorizes without PKCE.
    NoPkce,
    /// Uses PKCE with the plain method.
    PlainPkce,
    /// Sends the same short state with every authorization request.
    FixedState,
    /// Authorizes with a redirect URI it did not register.
    WrongRedirectUri,
    /// Authenticates at the token endpoint with the secret in the body (client_secret_post).
    SecretInBody,
    /// Sends its access token as a query parameter as well.
    TokenInQuery,
    /// Uses the well-known paths without fetching discovery.
    HardCodedEndpoints,
    /// Upserts a compact JWS as application/json.
    JwsAsJson,
    /// Redeems the code without comparing the redirect's state with the one it sent.
    StateNotChecked,
    /// Reads the first page of getCredentials only.
    IgnoresPaging,
    /// Starts a new authorization when its access token expires instead of refreshing it.
    NoRefresh,
    /// Retries at once after a 429 or 503, whatever its Retry-After says.
    IgnoresRetryAfter,
    /// Updates its profile with only the member it changed (PUT replaces: the rest is deleted).
    PartialProfile,
    /// Registers for and asks a CLR 2.0 read scope too, which it never uses.
    GreedyScope,
    /// Takes only 201 as a successful upsert and sends the credential again after a 200.
    Only201IsSuccess,
    /// Posts its CLR 1.0 ClrPayload (JSON) labelled text/plain.
    ClrPayloadAsText,
}

impl ConsumerFault {
    pub const ALL: [ConsumerFault; 17] = [
        ConsumerFault::IncompleteRegistration,
        ConsumerFault::NoPkce,
        ConsumerFault::PlainPkce,
        ConsumerFault::FixedState,
        ConsumerFault::WrongRedirectUri,
        ConsumerFault::SecretInBody,
        ConsumerFault::TokenInQuery,
        ConsumerFault::HardCodedEndpoints,
        ConsumerFault::JwsAsJson,
        ConsumerFault::StateNotChecked,
        ConsumerFault::IgnoresPaging,
        ConsumerFault::NoRefresh,
        ConsumerFault::IgnoresRetryAfter,
        ConsumerFault::PartialProfile,
        ConsumerFault::GreedyScope,
        ConsumerFault::Only201IsSuccess,
        ConsumerFault::ClrPayloadAsText,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ConsumerFault::IncompleteRegistration => "incomplete-registration",
            ConsumerFault::NoPkce => "no-pkce",
            ConsumerFault::PlainPkce => "plain-pkce",
            ConsumerFault::FixedState => "fixed-state",
            ConsumerFault::WrongRedirectUri => "wrong-redirect-uri",
            ConsumerFault::SecretInBody => "secret-in-body",
            ConsumerFault::TokenInQuery => "token-in-query",
            ConsumerFault::HardCodedEndpoints => "hard-coded-endpoints",
            ConsumerFault::JwsAsJson => "jws-as-json",
            ConsumerFault::StateNotChecked => "state-not-checked",
            ConsumerFault::IgnoresPaging => "ignores-paging",
            ConsumerFault::NoRefresh => "no-refresh",
            ConsumerFault::IgnoresRetryAfter => "ignores-retry-after",
            ConsumerFault::PartialProfile => "partial-profile",
            ConsumerFault::GreedyScope => "greedy-scope",
            ConsumerFault::Only201IsSuccess => "only-201-is-success",
            ConsumerFault::ClrPayloadAsText => "clr10-payload-as-text",
        }
    }

    pub fn parse(name: &str) -> Option<ConsumerFault> {
        ConsumerFault::ALL.into_iter().find(|f| f.name() == name)
    }
}

impl fmt::Display for ConsumerFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What the consumer upserts: a JSON credential and a compact JWS.
#[derive(Debug, Clone)]
pub struct Payloads {
    pub json: Value,
    pub jws: String,
    /// A ClrCredential to upsert through the CLR 2.0 API, found through the CLR 2.0 discovery URL given here
    /// (when the provider serves it from the same OAuth 2.0 server, one registration covers both).
    pub clr: Option<(Value, String)>,
    /// A CLR 1.0 record to post through the CLR 1.0 API (and read back with getClrs), found through the CLR 1.0
    /// discovery URL given here (the same OAuth 2.0 server covering it).
    pub clr10: Option<(Value, String)>,
}

/// Why the consumer stopped early (a conformant provider refused what a faulty consumer sent, most often).
#[derive(Debug, thiserror::Error)]
#[error("{step}: {reason}")]
pub struct ConsumerStop {
    pub step: &'static str,
    pub reason: String,
}

fn stop(step: &'static str, reason: impl fmt::Display) -> ConsumerStop {
    ConsumerStop {
        step,
        reason: reason.to_string(),
    }
}

/// The endpoints the consumer uses.
struct Found {
    api: String,
    registration: String,
    authorization: String,
    token: String,
    /// The scopes it asks for: upsert, read, and its profile's.
    scope: String,
}

/// Retries of one API request (after a refresh, a re-authorization or a Retry-After) before the consumer gives up.
const MAX_ATTEMPTS: usize = 5;
/// The longest Retry-After the consumer waits out.
const MAX_RETRY_AFTER_SECS: u64 = 10;
/// Pages read at most (a provider whose next links never end must not keep the consumer forever).
const MAX_PAGES: usize = 1000;

/// A registered client and its current tokens.
struct Session<'a> {
    http: reqwest::Client,
    found: Found,
    client_id: String,
    secret: String,
    access: String,
    refresh: Option<String>,
    faults: &'a [ConsumerFault],
}

/// Runs the whole flow against the provider whose OB 3.0 discovery document is at `discovery_url`, trusting
/// `ca_pem` besides the system's roots, with `faults`. Ends at the first refusal.
pub async fn run(
    discovery_url: &str,
    ca_pem: Option<&str>,
    payloads: &Payloads,
    faults: &[ConsumerFault],
) -> Result<(), ConsumerStop> {
    let has = |f: ConsumerFault| faults.contains(&f);
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy();
    if let Some(pem) = ca_pem {
        let certs = reqwest::Certificate::from_pem_bundle(pem.as_bytes()).map_err(|e| stop("trusting the CA", e))?;
        builder = builder.tls_certs_merge(certs);
    }
    let http = builder.build().map_err(|e| stop("building the client", e))?;

    let mut found = if has(ConsumerFault::HardCodedEndpoints) {
        let base = discovery_url.trim_end_matches("/ims/ob/v3p0/discovery");
        Found {
            api: format!("{base}/ims/ob/v3p0"),
            registration: format!("{base}/oauth/register"),
            authorization: format!("{base}/oauth/authorize"),
            token: format!("{base}/oauth/token"),
            scope: "https://purl.imsglobal.org/spec/ob/v3p0/scope/credential.upsert \
                    https://purl.imsglobal.org/spec/ob/v3p0/scope/credential.readonly \
                    https://purl.imsglobal.org/spec/ob/v3p0/scope/profile.readonly \
                    https://purl.imsglobal.org/spec/ob/v3p0/scope/profile.update"
                .into(),
        }
    } else {
        discover(&http, discovery_url).await?
    };

    // The CLR 2.0 API, when there is a CLR to upsert and the same OAuth 2.0 server protects it.
    let clr_api = match &payloads.clr {
        None => None,
        Some((_, clr_discovery)) => {
            let clr = if has(ConsumerFault::HardCodedEndpoints) {
                let base = clr_discovery.trim_end_matches("/ims/clr/v2p0/discovery");
                Found {
                    api: format!("{base}/ims/clr/v2p0"),
                    registration: found.registration.clone(),
                    authorization: found.authorization.clone(),
                    token: found.token.clone(),
                    scope: "https://purl.imsglobal.org/spec/clr/v2p0/scope/credential.upsert".into(),
                }
            } else {
                discover(&http, clr_discovery).await?
            };
            let same_server = clr.registration == found.registration
                && clr.authorization == found.authorization
                && clr.token == found.token;
            same_server.then(|| {
                // Of the CLR scopes it needs only the upsert one.
                let upsert = clr
                    .scope
                    .split_whitespace()
                    .find(|s| s.ends_with("credential.upsert"))
                    .unwrap_or_default()
                    .to_string();
                found.scope = format!("{} {upsert}", found.scope);
                clr.api
            })
        }
    };
    // The CLR 1.0 API: a DiscoveryDocument of its own, the readonly and replace scopes on the same server.
    let clr10_api = match &payloads.clr10 {
        None => None,
        Some((_, discovery)) => {
            let api = discovery.trim_end_matches("/discovery").to_string();
            let doc: Value = if has(ConsumerFault::HardCodedEndpoints) {
                json!({"registrationUrl": found.registration, "authorizationUrl": found.authorization,
                       "tokenUrl": found.token})
            } else {
                http.get(discovery)
                    .send()
                    .await
                    .map_err(|e| stop("CLR 1.0 discovery", e))?
                    .error_for_status()
                    .map_err(|e| stop("CLR 1.0 discovery", e))?
                    .json()
                    .await
                    .map_err(|e| stop("CLR 1.0 discovery", e))?
            };
            let same = |k: &str, v: &str| doc.get(k).and_then(Value::as_str) == Some(v);
            let same_server = same("registrationUrl", &found.registration)
                && same("authorizationUrl", &found.authorization)
                && same("tokenUrl", &found.token);
            same_server.then(|| {
                for op in ["readonly", "replace"] {
                    found
                        .scope
                        .push_str(&format!(" https://purl.imsglobal.org/spec/clr/v1p0/scope/{op}"));
                }
                api
            })
        }
    };
    if has(ConsumerFault::GreedyScope) {
        found
            .scope
            .push_str(" https://purl.imsglobal.org/spec/clr/v2p0/scope/credential.readonly");
    }
    let origin = REDIRECT_URI.trim_end_matches("/callback");
    let mut registration = json!({
        "client_name": "clr-harness reference consumer",
        "client_uri": format!("{origin}/"),
        "logo_uri": format!("{origin}/logo.png"),
        "tos_uri": format!("{origin}/tos"),
        "policy_uri": format!("{origin}/privacy"),
        "software_id": "clr-harness-reference-consumer",
        "software_version": env!("CARGO_PKG_VERSION"),
        "redirect_uris": [REDIRECT_URI],
        "scope": found.scope,
        "token_endpoint_auth_method": "client_secret_basic",
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
    });
    if has(ConsumerFault::IncompleteRegistration) {
        if let Some(fields) = registration.as_object_mut() {
            fields.remove("software_id");
        }
        registration["redirect_uris"] = json!(REDIRECT_URI);
    }
    let registered: Value = http
        .post(&found.registration)
        .json(&registration)
        .send()
        .await
        .map_err(|e| stop("registering", e))?
        .error_for_status()
        .map_err(|e| stop("registering", e))?
        .json()
        .await
        .map_err(|e| stop("registering", e))?;
    let mut session = Session {
        http,
        found,
        client_id: registered["client_id"].as_str().unwrap_or_default().to_string(),
        secret: registered["client_secret"].as_str().unwrap_or_default().to_string(),
        access: String::new(),
        refresh: None,
        faults,
    };

    // Two authorizations, as a client that signs in twice does: each must have its own state.
    for _ in 0..2 {
        session.authorize().await?;
    }

    let credentials = format!("{}/credentials", session.found.api);
    let jws_type = if has(ConsumerFault::JwsAsJson) {
        "application/json"
    } else {
        "text/plain"
    };
    for (body, media) in [
        (payloads.json.to_string(), "application/json"),
        (payloads.jws.clone(), jws_type),
    ] {
        let answer = session.call("POST", &credentials, Some((body.clone(), media))).await?;
        if has(ConsumerFault::Only201IsSuccess) && answer.status().as_u16() != 201 {
            session.call("POST", &credentials, Some((body, media))).await?;
        }
    }
    if let (Some(api), Some((clr, _))) = (&clr_api, &payloads.clr) {
        let url = format!("{api}/credentials");
        session
            .call("POST", &url, Some((clr.to_string(), "application/json")))
            .await?;
    }
    session.read_all(&credentials).await?;
    if let (Some(api), Some((record, _))) = (&clr10_api, &payloads.clr10) {
        // postClr takes a ClrPayload; getClrs is then read to its last page.
        let clrs = format!("{api}/clrs");
        let payload = json!({"@context": record.get("@context").cloned().unwrap_or_default(), "clr": record});
        let media = if has(ConsumerFault::ClrPayloadAsText) {
            "text/plain"
        } else {
            "application/json"
        };
        session.call("POST", &clrs, Some((payload.to_string(), media))).await?;
        session.read_all(&clrs).await?;
    }
    session.update_profile().await
}

impl Session<'_> {
    fn has(&self, f: ConsumerFault) -> bool {
        self.faults.contains(&f)
    }

    /// One authorization: PKCE, a fresh state checked on return, the code redeemed with Basic authentication.
    async fn authorize(&mut self) -> Result<(), ConsumerStop> {
        let verifier = random_token();
        let state = if self.has(ConsumerFault::FixedState) {
            "state".to_string()
        } else {
            random_token()
        };
        let redirect = if self.has(ConsumerFault::WrongRedirectUri) {
            "https://consumer.example/elsewhere"
        } else {
            REDIRECT_URI
        };
        let mut params = vec![
            ("response_type", "code".to_string()),
            ("client_id", self.client_id.clone()),
            ("redirect_uri", redirect.to_string()),
            ("scope", self.found.scope.clone()),
            ("state", state.clone()),
        ];
        if self.has(ConsumerFault::PlainPkce) {
            params.push(("code_challenge", verifier.clone()));
            params.push(("code_challenge_method", "plain".into()));
        } else if !self.has(ConsumerFault::NoPkce) {
            let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
            params.push(("code_challenge", challenge));
            params.push(("code_challenge_method", "S256".into()));
        }
        let mut url = url::Url::parse(&self.found.authorization).map_err(|e| stop("authorizing", e))?;
        url.query_pairs_mut()
            .extend_pairs(params.iter().map(|(k, v)| (*k, v.as_str())));
        let answer = self.http.get(url).send().await.map_err(|e| stop("authorizing", e))?;
        let location = answer
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|l| url::Url::parse(l).ok())
            .ok_or_else(|| stop("authorizing", format!("no redirect (HTTP {})", answer.status())))?;
        let back: std::collections::HashMap<String, String> = location.query_pairs().into_owned().collect();
        if back.get("state") != Some(&state) && !self.has(ConsumerFault::StateNotChecked) {
            return Err(stop(
                "authorizing",
                "the redirect's state is not the one sent; the code is not redeemed",
            ));
        }
        let code = back
            .get("code")
            .ok_or_else(|| stop("authorizing", format!("no code: {:?}", back.get("error"))))?;
        let form = vec![
            ("grant_type", "authorization_code".to_string()),
            ("code", code.clone()),
            ("redirect_uri", redirect.to_string()),
            ("code_verifier", verifier),
        ];
        self.token_request(form, "redeeming the code").await
    }

    /// A token request (Basic client authentication unless the secret-in-body fault); keeps the tokens it answers.
    async fn token_request(&mut self, mut form: Vec<(&str, String)>, step: &'static str) -> Result<(), ConsumerStop> {
        let mut request = self.http.post(&self.found.token);
        if self.has(ConsumerFault::SecretInBody) {
            form.push(("client_id", self.client_id.clone()));
            form.push(("client_secret", self.secret.clone()));
        } else {
            let basic = STANDARD.encode(format!("{}:{}", self.client_id, self.secret));
            request = request.header(reqwest::header::AUTHORIZATION, format!("Basic {basic}"));
        }
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form.iter().map(|(k, v)| (*k, v.as_str())))
            .finish();
        let tokens: Value = request
            .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .map_err(|e| stop(step, e))?
            .error_for_status()
            .map_err(|e| stop(step, e))?
            .json()
            .await
            .map_err(|e| stop(step, e))?;
        self.access = tokens["access_token"].as_str().unwrap_or_default().to_string();
        if let Some(refresh) = tokens["refresh_token"].as_str() {
            self.refresh = Some(refresh.to_string());
        }
        Ok(())
    }

    /// A new access token: the refresh token (or, with the no-refresh fault or without one, a new authorization).
    async fn renew(&mut self) -> Result<(), ConsumerStop> {
        match self.refresh.clone() {
            Some(refresh) if !self.has(ConsumerFault::NoRefresh) => {
                let form = vec![("grant_type", "refresh_token".to_string()), ("refresh_token", refresh)];
                self.token_request(form, "refreshing the access token").await
            }
            _ => self.authorize().await,
        }
    }

    /// One API request with the access token; renews an expired token and waits out a Retry-After, then retries.
    async fn call(
        &mut self,
        method: &str,
        url: &str,
        body: Option<(String, &str)>,
    ) -> Result<reqwest::Response, ConsumerStop> {
        for _ in 0..MAX_ATTEMPTS {
            let target = if self.has(ConsumerFault::TokenInQuery) {
                let mut u = url::Url::parse(url).map_err(|e| stop("calling the API", e))?;
                u.query_pairs_mut().append_pair("access_token", &self.access);
                u.to_string()
            } else {
                url.to_string()
            };
            let method = reqwest::Method::from_bytes(method.as_bytes()).map_err(|e| stop("calling the API", e))?;
            let mut request = self.http.request(method, target).bearer_auth(&self.access);
            if let Some((text, media)) = &body {
                request = request.header(reqwest::header::CONTENT_TYPE, *media).body(text.clone());
            }
            let response = request.send().await.map_err(|e| stop("calling the API", e))?;
            let status = response.status().as_u16();
            let challenge = response
                .headers()
                .get(reqwest::header::WWW_AUTHENTICATE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            if status == 401 && challenge.contains("invalid_token") {
                self.renew().await?;
                continue;
            }
            if matches!(status, 429 | 503) {
                let secs = response
                    .headers()
                    .get(reqwest::header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .unwrap_or(1)
                    .min(MAX_RETRY_AFTER_SECS);
                if !self.has(ConsumerFault::IgnoresRetryAfter) {
                    tokio::time::sleep(std::time::Duration::from_secs(secs)).await;
                }
                continue;
            }
            return Ok(response);
        }
        Err(stop(
            "calling the API",
            format!("{url} did not succeed in {MAX_ATTEMPTS} attempts"),
        ))
    }

    /// Reads the profile, then puts it back whole with one member changed (PUT replaces the profile).
    async fn update_profile(&mut self) -> Result<(), ConsumerStop> {
        let url = format!("{}/profile", self.found.api);
        let response = self.call("GET", &url, None).await?;
        if !response.status().is_success() {
            return Err(stop("reading the profile", format!("HTTP {}", response.status())));
        }
        let mut profile: Value = response.json().await.map_err(|e| stop("reading the profile", e))?;
        profile["description"] = "Profile kept up to date by the clr-harness reference consumer.".into();
        if self.has(ConsumerFault::PartialProfile) {
            profile = json!({"description": profile["description"].clone()});
        }
        self.call("PUT", &url, Some((profile.to_string(), "application/json")))
            .await
            .map(|_| ())
    }

    /// Reads every page of getCredentials, following `Link` rel=next.
    async fn read_all(&mut self, first: &str) -> Result<(), ConsumerStop> {
        let mut next = Some(first.to_string());
        let mut pages = 0;
        while let Some(url) = next.take() {
            let response = self.call("GET", &url, None).await?;
            if !response.status().is_success() {
                return Err(stop(
                    "reading credentials",
                    format!("HTTP {} for {url}", response.status()),
                ));
            }
            pages += 1;
            if self.has(ConsumerFault::IgnoresPaging) || pages >= MAX_PAGES {
                break;
            }
            next = response
                .headers()
                .get(reqwest::header::LINK)
                .and_then(|v| v.to_str().ok())
                .and_then(|link| clr_harness::http::link_rel(link, "next"))
                .and_then(|target| url::Url::parse(&url).ok()?.join(&target).ok())
                .map(|u| u.to_string());
            if next.as_deref() == Some(url.as_str()) {
                // A next link that names the page just read would loop for ever.
                return Err(stop("reading credentials", format!("the next page of {url} is itself")));
            }
        }
        Ok(())
    }
}

/// The endpoints an OB 3.0 service description document advertises.
async fn discover(http: &reqwest::Client, discovery_url: &str) -> Result<Found, ConsumerStop> {
    let sdd: Value = http
        .get(discovery_url)
        .send()
        .await
        .map_err(|e| stop("discovery", e))?
        .error_for_status()
        .map_err(|e| stop("discovery", e))?
        .json()
        .await
        .map_err(|e| stop("discovery", e))?;
    let scheme = sdd
        .pointer("/components/securitySchemes/OAuth2ACG")
        .cloned()
        .unwrap_or_default();
    let flow = scheme.pointer("/flows/authorizationCode").cloned().unwrap_or_default();
    let text = |v: Option<&Value>, what: &str| {
        v.and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| stop("discovery", format!("the service description has no {what}")))
    };
    let scope = |suffix: &str| {
        flow.get("scopes")
            .and_then(Value::as_object)
            .and_then(|s| s.keys().find(|k| k.ends_with(suffix)).cloned())
            .ok_or_else(|| stop("discovery", format!("no {suffix} scope")))
    };
    Ok(Found {
        api: text(sdd.pointer("/servers/0/url"), "server URL")?,
        registration: text(scheme.get("x-imssf-registrationUrl"), "registration URL")?,
        authorization: text(flow.get("authorizationUrl"), "authorization URL")?,
        token: text(flow.get("tokenUrl"), "token URL")?,
        scope: [
            scope("credential.upsert")?,
            scope("credential.readonly")?,
            scope("profile.readonly")?,
            scope("profile.update")?,
        ]
        .join(" "),
    })
}

/// 32 random bytes, base64url: a PKCE verifier or a state nobody can guess.
fn random_token() -> String {
    let mut bytes = [0u8; 32];
    // The system's random source; should it fail, the time-seeded hash still differs per call.
    if aws_lc_rs::rand::fill(&mut bytes).is_err() {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        bytes.copy_from_slice(&Sha256::digest(t.to_le_bytes()));
    }
    URL_SAFE_NO_PAD.encode(bytes)
}
