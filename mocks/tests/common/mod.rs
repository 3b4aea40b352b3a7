//! Helpers shared by the provider tests: a provider on loopback with its test users, an HTTP client that does not
//! follow redirects, and the OAuth and API steps the tests repeat.

// Each test file uses a different subset.
#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use clr_mocks::faults::Faults;
use clr_mocks::provider::{Provider, ProviderConfig, ProviderLimits, TestUser, s256};
use clr_mocks::server::Running;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};

pub const OB: &str = "https://purl.imsglobal.org/spec/ob/v3p0/scope/";
pub const VERIFIER: &str = "dBjftJeZ4CVP-mJ92K9ydDdWcdBiY4nLQhX2cAz9Mm8hY7qkLq2";
pub const REDIRECT: &str = "https://client.example/cb";

pub fn all_ob_scopes() -> String {
    [
        "credential.readonly",
        "credential.upsert",
        "profile.readonly",
        "profile.update",
    ]
    .iter()
    .map(|op| format!("{OB}{op}"))
    .collect::<Vec<_>>()
    .join(" ")
}

pub fn user(id: &str, name: &str) -> TestUser {
    TestUser {
        id: id.to_string(),
        username: name.to_string(),
        password: format!("{name}-pw"),
        profile: json!({ "id": id, "type": ["Profile"], "name": name }),
    }
}

pub fn config(faults: Faults) -> ProviderConfig {
    ProviderConfig {
        users: vec![
            user("https://1edtech.org/issuers/cert", "alice"),
            user("urn:example:bob", "bob"),
        ],
        auto_consent_user: Some("alice".into()),
        faults,
        data_dir: None,
    }
}

pub struct H {
    pub running: Running,
    pub provider: Arc<Provider>,
    pub http: reqwest::Client,
}

pub struct Registered {
    pub id: String,
    pub secret: String,
}

pub struct Tokens {
    pub access: String,
    pub refresh: String,
    pub response: Value,
    pub headers: HeaderMap,
}

pub fn form(pairs: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

pub fn query_of(location: &str) -> HashMap<String, String> {
    let u = url::Url::parse(location).expect("absolute redirect");
    u.query_pairs().into_owned().collect()
}

pub fn vc(issuer: &str, id: &str, valid_from: &str) -> Value {
    json!({
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
        ],
        "id": id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": { "id": issuer, "type": ["Profile"] },
        "validFrom": valid_from,
        "credentialSubject": { "type": ["AchievementSubject"] }
    })
}

pub fn jws(claims: &Value) -> String {
    let h = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","typ":"JWT"}"#);
    let p = URL_SAFE_NO_PAD.encode(claims.to_string());
    format!("{h}.{p}.c2lnbmF0dXJl")
}

impl H {
    pub async fn start(faults: Faults) -> H {
        H::with(config(faults)).await
    }

    pub async fn with(cfg: ProviderConfig) -> H {
        H::with_limits(cfg, ProviderLimits::default()).await
    }

    /// A provider with explicit limits (short timeouts, low caps), to see them act.
    pub async fn with_limits(cfg: ProviderConfig, limits: ProviderLimits) -> H {
        let listener = clr_mocks::server::bind(0).await.expect("binds");
        let (running, provider) = Provider::spawn_with(listener, cfg, None, limits)
            .await
            .expect("provider starts");
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        H {
            running,
            provider,
            http,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.running.base_url)
    }

    pub async fn register_with(&self, scope: &str) -> Registered {
        let r = self
            .http
            .post(self.url("/oauth/register"))
            .json(&registration(scope))
            .send()
            .await
            .expect("register");
        assert_eq!(r.status(), StatusCode::CREATED);
        let v: Value = r.json().await.expect("json");
        Registered {
            id: v["client_id"].as_str().expect("client_id").into(),
            secret: v["client_secret"].as_str().expect("secret").into(),
        }
    }

    pub async fn register(&self) -> Registered {
        self.register_with(&all_ob_scopes()).await
    }

    pub async fn authorize(&self, c: &Registered, pairs: &[(&str, &str)]) -> reqwest::Response {
        let challenge = s256(VERIFIER);
        let scope = all_ob_scopes();
        let mut q: Vec<(&str, &str)> = vec![
            ("response_type", "code"),
            ("client_id", &c.id),
            ("redirect_uri", REDIRECT),
            ("scope", &scope),
            ("state", "st-123 /+?"),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ];
        for (k, v) in pairs {
            q.retain(|(qk, _)| qk != k);
            if !v.is_empty() {
                q.push((k, v));
            }
        }
        self.http
            .get(format!("{}?{}", self.url("/oauth/authorize"), form(&q)))
            .send()
            .await
            .expect("authorize")
    }

    pub async fn code(&self, c: &Registered, pairs: &[(&str, &str)]) -> String {
        let r = self.authorize(c, pairs).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "authorize redirects");
        let q = query_of(location(&r));
        q.get("code").expect("code in redirect").clone()
    }

    pub async fn token_request(&self, c: &Registered, pairs: &[(&str, &str)]) -> reqwest::Response {
        self.token_request_as(&c.id, &c.secret, pairs).await
    }

    pub async fn token_request_as(&self, id: &str, secret: &str, pairs: &[(&str, &str)]) -> reqwest::Response {
        self.http
            .post(self.url("/oauth/token"))
            .basic_auth(id, Some(secret))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form(pairs))
            .send()
            .await
            .expect("token")
    }

    pub async fn redeem(&self, c: &Registered, code: &str, verifier: &str) -> reqwest::Response {
        let pairs = [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", verifier),
        ];
        self.token_request(c, &pairs).await
    }

    pub async fn login_with(&self, c: &Registered, pairs: &[(&str, &str)]) -> Tokens {
        let code = self.code(c, pairs).await;
        let r = self.redeem(c, &code, VERIFIER).await;
        assert_eq!(r.status(), StatusCode::OK);
        let headers = r.headers().clone();
        let v: Value = r.json().await.expect("token json");
        Tokens {
            access: v["access_token"].as_str().expect("access").into(),
            refresh: v["refresh_token"].as_str().expect("refresh").into(),
            response: v,
            headers,
        }
    }

    pub async fn login(&self) -> Tokens {
        let c = self.register().await;
        self.login_with(&c, &[]).await
    }

    pub async fn get(&self, path: &str, token: &str) -> reqwest::Response {
        self.http
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("get")
    }

    pub async fn upsert(&self, token: &str, content_type: &str, body: String) -> reqwest::Response {
        self.http
            .post(self.url("/ims/ob/v3p0/credentials"))
            .bearer_auth(token)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("upsert")
    }

    pub async fn seed(&self, token: &str, n: usize) {
        for i in 0..n {
            let body = vc(
                "https://issuer.example",
                &format!("urn:uuid:c{i:02}"),
                &format!("2024-01-{:02}T00:00:00Z", i + 1),
            );
            let r = self.upsert(token, "application/json", body.to_string()).await;
            assert_eq!(r.status(), StatusCode::CREATED);
        }
    }
}

pub fn registration(scope: &str) -> Value {
    json!({
        "client_name": "Test Client",
        "client_uri": "https://client.example/",
        "logo_uri": "https://client.example/logo.png",
        "tos_uri": "https://client.example/tos",
        "policy_uri": "https://client.example/privacy",
        "software_id": "c6c4e2b0-test",
        "software_version": "1.0",
        "redirect_uris": [REDIRECT],
        "scope": scope,
        "token_endpoint_auth_method": "client_secret_basic",
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"]
    })
}

pub fn location(r: &reqwest::Response) -> &str {
    r.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("Location header")
}

pub async fn error_of(r: reqwest::Response) -> String {
    let v: Value = r.json().await.expect("error json");
    v["error"].as_str().unwrap_or("").to_string()
}

pub async fn minor_of(r: reqwest::Response) -> String {
    let v: Value = r.json().await.expect("imsx json");
    assert_eq!(v["imsx_codeMajor"], "failure");
    assert_eq!(v["imsx_severity"], "error");
    v["imsx_codeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"]
        .as_str()
        .unwrap_or("")
        .to_string()
}

pub fn links(r: &reqwest::Response) -> HashMap<String, String> {
    let raw = r.headers().get("link").and_then(|v| v.to_str().ok()).unwrap_or("");
    raw.split(", ")
        .filter_map(|part| {
            let (url, rel) = part.split_once(">; rel=\"")?;
            Some((
                rel.trim_end_matches('"').to_string(),
                url.trim_start_matches('<').to_string(),
            ))
        })
        .collect()
}

pub fn total(r: &reqwest::Response) -> u64 {
    r.headers()["x-total-count"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("number")
}

pub async fn walk(h: &H, token: &str, first: &str) -> (Vec<String>, Vec<reqwest::Response>) {
    let mut ids = Vec::new();
    let mut pages = Vec::new();
    let mut next = Some(first.to_string());
    while let Some(url) = next.take() {
        let r = h.http.get(&url).bearer_auth(token).send().await.expect("page");
        assert_eq!(r.status(), StatusCode::OK);
        next = links(&r).get("next").cloned();
        let body: Value = r.json().await.expect("json");
        ids.extend(
            body["credential"]
                .as_array()
                .expect("array")
                .iter()
                .map(|c| c["id"].as_str().unwrap_or("").to_string()),
        );
        pages.push(h.http.get(&url).bearer_auth(token).send().await.expect("page again"));
        assert!(pages.len() < 10, "paging terminates");
    }
    (ids, pages)
}
