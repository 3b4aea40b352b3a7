//! The reference consumer: a real OB 3.0 / CLR 2.0 Service Consumer (Write) on reqwest that does what the consumer
//! checks require — discovery first, a complete registration, PKCE S256 with a fresh state it checks on return,
//! Basic client authentication, the token only in the `Authorization` header, upserts with the right media type —
//! and named faults, each breaking one rule, so every consumer check is proven able to fail.
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
}

impl ConsumerFault {
    pub const ALL: [ConsumerFault; 10] = [
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
    scope: String,
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

    let found = if has(ConsumerFault::HardCodedEndpoints) {
        let base = discovery_url.trim_end_matches("/ims/ob/v3p0/discovery");
        Found {
            api: format!("{base}/ims/ob/v3p0"),
            registration: format!("{base}/oauth/register"),
            authorization: format!("{base}/oauth/authorize"),
            token: format!("{base}/oauth/token"),
            scope: "https://purl.imsglobal.org/spec/ob/v3p0/scope/credential.upsert".into(),
        }
    } else {
        discover(&http, discovery_url).await?
    };

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
    let client_id = registered["client_id"].as_str().unwrap_or_default().to_string();
    let secret = registered["client_secret"].as_str().unwrap_or_default().to_string();

    // Two authorizations, as a client that signs in twice does: each must have its own state.
    let mut token = String::new();
    for _ in 0..2 {
        let verifier = random_token();
        let state = if has(ConsumerFault::FixedState) {
            "state".to_string()
        } else {
            random_token()
        };
        let redirect = if has(ConsumerFault::WrongRedirectUri) {
            "https://consumer.example/elsewhere"
        } else {
            REDIRECT_URI
        };
        let mut params = vec![
            ("response_type", "code".to_string()),
            ("client_id", client_id.clone()),
            ("redirect_uri", redirect.to_string()),
            ("scope", found.scope.clone()),
            ("state", state.clone()),
        ];
        if has(ConsumerFault::PlainPkce) {
            params.push(("code_challenge", verifier.clone()));
            params.push(("code_challenge_method", "plain".into()));
        } else if !has(ConsumerFault::NoPkce) {
            let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
            params.push(("code_challenge", challenge));
            params.push(("code_challenge_method", "S256".into()));
        }
        let mut url = url::Url::parse(&found.authorization).map_err(|e| stop("authorizing", e))?;
        url.query_pairs_mut()
            .extend_pairs(params.iter().map(|(k, v)| (*k, v.as_str())));
        let answer = http.get(url).send().await.map_err(|e| stop("authorizing", e))?;
        let location = answer
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|l| url::Url::parse(l).ok())
            .ok_or_else(|| stop("authorizing", format!("no redirect (HTTP {})", answer.status())))?;
        let back: std::collections::HashMap<String, String> = location.query_pairs().into_owned().collect();
        if back.get("state") != Some(&state) && !has(ConsumerFault::StateNotChecked) {
            return Err(stop(
                "authorizing",
                "the redirect's state is not the one sent; the code is not redeemed",
            ));
        }
        let code = back
            .get("code")
            .ok_or_else(|| stop("authorizing", format!("no code: {:?}", back.get("error"))))?;
        let mut form = vec![
            ("grant_type", "authorization_code".to_string()),
            ("code", code.clone()),
            ("redirect_uri", redirect.to_string()),
            ("code_verifier", verifier),
        ];
        let mut request = http.post(&found.token);
        if has(ConsumerFault::SecretInBody) {
            form.push(("client_id", client_id.clone()));
            form.push(("client_secret", secret.clone()));
        } else {
            let basic = STANDARD.encode(format!("{client_id}:{secret}"));
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
            .map_err(|e| stop("redeeming the code", e))?
            .error_for_status()
            .map_err(|e| stop("redeeming the code", e))?
            .json()
            .await
            .map_err(|e| stop("redeeming the code", e))?;
        token = tokens["access_token"].as_str().unwrap_or_default().to_string();
    }

    let credentials = format!("{}/credentials", found.api);
    let upsert_url = if has(ConsumerFault::TokenInQuery) {
        format!("{credentials}?access_token={token}")
    } else {
        credentials
    };
    let jws_type = if has(ConsumerFault::JwsAsJson) {
        "application/json"
    } else {
        "text/plain"
    };
    for (body, media) in [
        (payloads.json.to_string(), "application/json"),
        (payloads.jws.clone(), jws_type),
    ] {
        http.post(&upsert_url)
            .bearer_auth(&token)
            .header(reqwest::header::CONTENT_TYPE, media)
            .body(body)
            .send()
            .await
            .map_err(|e| stop("upserting", e))?;
    }
    Ok(())
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
    let upsert_scope = flow
        .get("scopes")
        .and_then(Value::as_object)
        .and_then(|s| s.keys().find(|k| k.ends_with("credential.upsert")).cloned())
        .ok_or_else(|| stop("discovery", "no credential.upsert scope"))?;
    Ok(Found {
        api: text(sdd.pointer("/servers/0/url"), "server URL")?,
        registration: text(scheme.get("x-imssf-registrationUrl"), "registration URL")?,
        authorization: text(flow.get("authorizationUrl"), "authorization URL")?,
        token: text(flow.get("tokenUrl"), "token URL")?,
        scope: upsert_scope,
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
