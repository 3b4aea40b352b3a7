//! The reference provider over real HTTP on loopback: the OAuth flow, the API, paging, persistence, concurrency,
//! and for every provider fault a demonstration that the behaviour it names actually changes.

use std::collections::HashMap;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use clr_mocks::faults::{Fault, Faults};
use clr_mocks::provider::{Provider, ProviderConfig, TestUser, s256};
use clr_mocks::server::Running;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};

const OB: &str = "https://purl.imsglobal.org/spec/ob/v3p0/scope/";
const VERIFIER: &str = "dBjftJeZ4CVP-mJ92K9ydDdWcdBiY4nLQhX2cAz9Mm8hY7qkLq2";
const REDIRECT: &str = "https://client.example/cb";

fn all_ob_scopes() -> String {
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

fn user(id: &str, name: &str) -> TestUser {
    TestUser {
        id: id.to_string(),
        username: name.to_string(),
        password: format!("{name}-pw"),
        profile: json!({ "id": id, "type": ["Profile"], "name": name }),
    }
}

fn config(faults: Faults) -> ProviderConfig {
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

struct H {
    running: Running,
    provider: Arc<Provider>,
    http: reqwest::Client,
}

struct Registered {
    id: String,
    secret: String,
}

struct Tokens {
    access: String,
    refresh: String,
    response: Value,
    headers: HeaderMap,
}

fn form(pairs: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

fn query_of(location: &str) -> HashMap<String, String> {
    let u = url::Url::parse(location).expect("absolute redirect");
    u.query_pairs().into_owned().collect()
}

fn vc(issuer: &str, id: &str, valid_from: &str) -> Value {
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

fn jws(claims: &Value) -> String {
    let h = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","typ":"JWT"}"#);
    let p = URL_SAFE_NO_PAD.encode(claims.to_string());
    format!("{h}.{p}.c2lnbmF0dXJl")
}

impl H {
    async fn start(faults: Faults) -> H {
        H::with(config(faults)).await
    }

    async fn with(cfg: ProviderConfig) -> H {
        let (running, provider) = Provider::spawn(cfg).await.expect("provider starts");
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

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.running.base_url)
    }

    async fn register_with(&self, scope: &str) -> Registered {
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

    async fn register(&self) -> Registered {
        self.register_with(&all_ob_scopes()).await
    }

    async fn authorize(&self, c: &Registered, pairs: &[(&str, &str)]) -> reqwest::Response {
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

    async fn code(&self, c: &Registered, pairs: &[(&str, &str)]) -> String {
        let r = self.authorize(c, pairs).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "authorize redirects");
        let q = query_of(location(&r));
        q.get("code").expect("code in redirect").clone()
    }

    async fn token_request(&self, c: &Registered, pairs: &[(&str, &str)]) -> reqwest::Response {
        self.token_request_as(&c.id, &c.secret, pairs).await
    }

    async fn token_request_as(&self, id: &str, secret: &str, pairs: &[(&str, &str)]) -> reqwest::Response {
        self.http
            .post(self.url("/oauth/token"))
            .basic_auth(id, Some(secret))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form(pairs))
            .send()
            .await
            .expect("token")
    }

    async fn redeem(&self, c: &Registered, code: &str, verifier: &str) -> reqwest::Response {
        let pairs = [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", verifier),
        ];
        self.token_request(c, &pairs).await
    }

    async fn login_with(&self, c: &Registered, pairs: &[(&str, &str)]) -> Tokens {
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

    async fn login(&self) -> Tokens {
        let c = self.register().await;
        self.login_with(&c, &[]).await
    }

    async fn get(&self, path: &str, token: &str) -> reqwest::Response {
        self.http
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("get")
    }

    async fn upsert(&self, token: &str, content_type: &str, body: String) -> reqwest::Response {
        self.http
            .post(self.url("/ims/ob/v3p0/credentials"))
            .bearer_auth(token)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("upsert")
    }

    async fn seed(&self, token: &str, n: usize) {
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

fn registration(scope: &str) -> Value {
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

fn location(r: &reqwest::Response) -> &str {
    r.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("Location header")
}

async fn error_of(r: reqwest::Response) -> String {
    let v: Value = r.json().await.expect("error json");
    v["error"].as_str().unwrap_or("").to_string()
}

async fn minor_of(r: reqwest::Response) -> String {
    let v: Value = r.json().await.expect("imsx json");
    assert_eq!(v["imsx_codeMajor"], "failure");
    assert_eq!(v["imsx_severity"], "error");
    v["imsx_codeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"]
        .as_str()
        .unwrap_or("")
        .to_string()
}

fn links(r: &reqwest::Response) -> HashMap<String, String> {
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

fn total(r: &reqwest::Response) -> u64 {
    r.headers()["x-total-count"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("number")
}

#[tokio::test]
async fn full_flow_discovery_register_authorize_token_api_refresh_revoke() {
    let h = H::start(Faults::none()).await;
    for prefix in ["/ims/ob/v3p0", "/ims/clr/v2p0"] {
        let r = h
            .http
            .get(h.url(&format!("{prefix}/discovery")))
            .send()
            .await
            .expect("sdd");
        assert_eq!(r.status(), StatusCode::OK);
        let sdd: Value = r.json().await.expect("json");
        let acg = &sdd["components"]["securitySchemes"]["OAuth2ACG"];
        assert_eq!(acg["type"], "oauth2");
        assert_eq!(acg["x-imssf-registrationUrl"], h.url("/oauth/register"));
        assert_eq!(acg["flows"]["authorizationCode"]["tokenUrl"], h.url("/oauth/token"));
        assert!(sdd["info"]["termsOfService"].is_string() && sdd["info"]["x-imssf-privacyPolicyUrl"].is_string());
    }

    let c = h.register().await;
    let r = h.authorize(&c, &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let q = query_of(location(&r));
    assert_eq!(q["state"], "st-123 /+?", "state echoed exactly");
    assert_eq!(q["scope"], all_ob_scopes());
    let r = h.redeem(&c, &q["code"], VERIFIER).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let t: Value = r.json().await.expect("json");
    assert_eq!(t["token_type"], "Bearer");
    assert_eq!(t["expires_in"], 3600);
    let access = t["access_token"].as_str().expect("access").to_string();
    let refresh = t["refresh_token"].as_str().expect("refresh").to_string();

    let cred = vc("https://issuer.example", "urn:uuid:1", "2024-01-01T00:00:00Z").to_string();
    let r = h.upsert(&access, "application/json", cred.clone()).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(r.headers()["content-type"], "application/json");
    assert_eq!(r.text().await.expect("body"), cred);
    let newer = vc("https://issuer.example", "urn:uuid:1", "2024-06-01T00:00:00Z").to_string();
    let r = h.upsert(&access, "application/vc+ld+json", newer.clone()).await;
    assert_eq!(r.status(), StatusCode::OK, "same issuer.id + id replaces");
    assert_eq!(r.headers()["content-type"], "application/vc+ld+json");
    let compact = jws(&json!({ "vc": vc("https://issuer.example", "urn:uuid:2", "2024-02-01T00:00:00Z") }));
    let r = h.upsert(&access, "text/plain", compact.clone()).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(r.headers()["content-type"], "text/plain");
    assert_eq!(r.text().await.expect("body"), compact);

    let r = h.get("/ims/ob/v3p0/credentials", &access).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(total(&r), 2);
    let body: Value = r.json().await.expect("json");
    assert_eq!(body["credential"].as_array().map(Vec::len), Some(1));
    assert_eq!(body["credential"][0]["validFrom"], "2024-06-01T00:00:00Z");
    assert_eq!(body["compactJwsString"], json!([compact]));

    let r = h.get("/ims/ob/v3p0/profile", &access).await;
    assert_eq!(r.status(), StatusCode::OK);
    let profile: Value = r.json().await.expect("json");
    assert_eq!(profile["id"], "https://1edtech.org/issuers/cert");
    let updated = json!({ "id": "https://1edtech.org/issuers/cert", "type": ["Profile"], "name": "Alice B." });
    let r = h
        .http
        .put(h.url("/ims/ob/v3p0/profile"))
        .bearer_auth(&access)
        .json(&updated)
        .send()
        .await
        .expect("put");
    assert_eq!(r.status(), StatusCode::OK);
    let again: Value = h.get("/ims/ob/v3p0/profile", &access).await.json().await.expect("json");
    assert_eq!(again, updated);

    let r = h
        .token_request(&c, &[("grant_type", "refresh_token"), ("refresh_token", &refresh)])
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let t2: Value = r.json().await.expect("json");
    let access2 = t2["access_token"].as_str().expect("new access").to_string();
    assert_ne!(access2, access);
    let wider = format!(
        "{} https://purl.imsglobal.org/spec/clr/v2p0/scope/credential.readonly",
        all_ob_scopes()
    );
    let r = h
        .token_request(
            &c,
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", &refresh),
                ("scope", &wider),
            ],
        )
        .await;
    assert_eq!(error_of(r).await, "invalid_scope");

    let revoke = |token: String, hint: &'static str| {
        h.http
            .post(h.url("/oauth/revoke"))
            .basic_auth(&c.id, Some(&c.secret))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form(&[("token", &token), ("token_type_hint", hint)]))
            .send()
    };
    assert_eq!(
        revoke(access2.clone(), "access_token").await.expect("revoke").status(),
        StatusCode::OK
    );
    assert_eq!(
        revoke("no-such-token".into(), "access_token")
            .await
            .expect("revoke")
            .status(),
        StatusCode::OK
    );
    let r = h.get("/ims/ob/v3p0/credentials", &access2).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(
        r.headers()["www-authenticate"]
            .to_str()
            .expect("ascii")
            .starts_with("Bearer")
    );
    assert_eq!(minor_of(r).await, "unauthorizedrequest");
    assert_eq!(
        h.get("/ims/ob/v3p0/credentials", &access).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        revoke(refresh.clone(), "refresh_token").await.expect("revoke").status(),
        StatusCode::OK
    );
    assert_eq!(
        h.get("/ims/ob/v3p0/credentials", &access).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let r = h
        .token_request(&c, &[("grant_type", "refresh_token"), ("refresh_token", &refresh)])
        .await;
    assert_eq!(error_of(r).await, "invalid_grant");
}

#[tokio::test]
async fn authorization_request_errors() {
    let h = H::start(Faults::none()).await;
    let c = h.register().await;
    for (pairs, error) in [
        (vec![("code_challenge", "")], "invalid_request"),
        (vec![("code_challenge_method", "plain")], "invalid_request"),
        (vec![("response_type", "token")], "unsupported_response_type"),
        (
            vec![(
                "scope",
                "https://purl.imsglobal.org/spec/clr/v2p0/scope/credential.readonly",
            )],
            "invalid_scope",
        ),
    ] {
        let r = h.authorize(&c, &pairs).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{pairs:?}");
        let q = query_of(location(&r));
        assert_eq!(q["error"], error, "{pairs:?}");
        assert_eq!(q["state"], "st-123 /+?");
        assert!(!q.contains_key("code"));
    }
    let r = h.authorize(&c, &[("state", "")]).await;
    assert_eq!(query_of(location(&r))["error"], "invalid_request");

    let r = h.authorize(&c, &[("redirect_uri", "https://evil.example/cb")]).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(
        r.headers().get("location").is_none(),
        "an unregistered redirect URI is never redirected to"
    );
    assert!(r.text().await.expect("page").contains("not registered"));
}

#[tokio::test]
async fn login_form_when_not_auto_consenting() {
    let h = H::with(ProviderConfig {
        auto_consent_user: None,
        ..config(Faults::none())
    })
    .await;
    let c = h.register().await;
    let r = h.authorize(&c, &[]).await;
    assert_eq!(r.status(), StatusCode::OK);
    let page = r.text().await.expect("html");
    assert!(page.contains("Test Client") && page.contains("https://client.example/tos") && page.contains("logo.png"));
    let challenge = s256(VERIFIER);
    let scope = all_ob_scopes();
    let mut fields = vec![
        ("response_type", "code"),
        ("client_id", c.id.as_str()),
        ("redirect_uri", REDIRECT),
        ("scope", scope.as_str()),
        ("state", "s"),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
        ("username", "bob"),
        ("password", "wrong"),
    ];
    let post = |fields: Vec<(&str, &str)>| {
        h.http
            .post(h.url("/oauth/authorize"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form(&fields))
            .send()
    };
    assert_eq!(
        post(fields.clone()).await.expect("post").status(),
        StatusCode::UNAUTHORIZED
    );
    fields.pop();
    fields.push(("password", "bob-pw"));
    let r = post(fields).await.expect("post");
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let q = query_of(location(&r));
    assert_eq!(q["state"], "s");
    let r = h.redeem(&c, &q["code"], VERIFIER).await;
    let t: Value = r.json().await.expect("json");
    let profile: Value = h
        .get("/ims/ob/v3p0/profile", t["access_token"].as_str().expect("at"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(profile["id"], "urn:example:bob");
}

#[tokio::test]
async fn token_endpoint_errors() {
    let h = H::start(Faults::none()).await;
    let c = h.register().await;
    let code = h.code(&c, &[]).await;
    let r = h
        .token_request_as(&c.id, "wrong", &[("grant_type", "authorization_code"), ("code", &code)])
        .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(r.headers().contains_key("www-authenticate"));
    assert_eq!(error_of(r).await, "invalid_client");
    let r = h
        .http
        .post(h.url("/oauth/token"))
        .body("grant_type=authorization_code")
        .send()
        .await
        .expect("no auth");
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    let pairs = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT),
    ];
    let r = h.token_request(&c, &pairs).await;
    assert_eq!(
        (r.status(), error_of(r).await.as_str()),
        (StatusCode::BAD_REQUEST, "invalid_request"),
        "no verifier"
    );
    let r = h
        .redeem(&c, &code, "a-wrong-verifier-that-is-long-enough-to-be-valid-xxxxxxxx")
        .await;
    assert_eq!(error_of(r).await, "invalid_grant");
    let r = h.token_request(&c, &[("grant_type", "password")]).await;
    assert_eq!(error_of(r).await, "unsupported_grant_type");

    // A code redeemed once: the replay is refused and the tokens it produced stop working.
    let r = h.redeem(&c, &code, VERIFIER).await;
    assert_eq!(r.status(), StatusCode::OK);
    let t: Value = r.json().await.expect("json");
    let access = t["access_token"].as_str().expect("at");
    assert_eq!(h.get("/ims/ob/v3p0/profile", access).await.status(), StatusCode::OK);
    assert_eq!(error_of(h.redeem(&c, &code, VERIFIER).await).await, "invalid_grant");
    assert_eq!(
        h.get("/ims/ob/v3p0/profile", access).await.status(),
        StatusCode::UNAUTHORIZED
    );

    // Codes live 600 s.
    let code = h.code(&c, &[]).await;
    h.provider.advance_clock(601);
    assert_eq!(error_of(h.redeem(&c, &code, VERIFIER).await).await, "invalid_grant");
}

#[tokio::test]
async fn registration_errors() {
    let h = H::start(Faults::none()).await;
    let post = |body: Value| h.http.post(h.url("/oauth/register")).json(&body).send();
    for field in [
        "client_name",
        "client_uri",
        "logo_uri",
        "tos_uri",
        "policy_uri",
        "software_id",
        "software_version",
        "scope",
    ] {
        let mut body = registration(&all_ob_scopes());
        body.as_object_mut().expect("object").remove(field);
        let r = post(body).await.expect("register");
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{field}");
        assert_eq!(error_of(r).await, "invalid_client_metadata", "{field}");
    }
    for (field, value, error) in [
        ("redirect_uris", json!(REDIRECT), "invalid_redirect_uri"),
        (
            "redirect_uris",
            json!(["https://other.example/cb"]),
            "invalid_redirect_uri",
        ),
        ("grant_types", json!(["client_credentials"]), "invalid_client_metadata"),
        ("response_types", json!("code"), "invalid_client_metadata"),
        (
            "token_endpoint_auth_method",
            json!("client_secret_post"),
            "invalid_client_metadata",
        ),
    ] {
        let mut body = registration(&all_ob_scopes());
        body[field] = value;
        let r = post(body).await.expect("register");
        assert_eq!(error_of(r).await, error, "{field}");
    }
    let r = post(registration(&all_ob_scopes())).await.expect("register");
    let v: Value = r.json().await.expect("json");
    assert_eq!(v["client_secret_expires_at"], 0);
    assert!(v["client_id_issued_at"].is_i64());
    assert_eq!(v["software_id"], "c6c4e2b0-test");
}

#[tokio::test]
async fn api_errors() {
    let h = H::start(Faults::none()).await;
    let t = h.login().await;
    let r = h.http.get(h.url("/ims/ob/v3p0/credentials")).send().await.expect("get");
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(r.headers()["www-authenticate"], "Bearer realm=\"clr-mocks\"");
    assert_eq!(minor_of(r).await, "unauthorizedrequest");
    assert_eq!(
        h.get("/ims/ob/v3p0/credentials", "bogus").await.status(),
        StatusCode::UNAUTHORIZED
    );
    let r = h.get("/ims/clr/v2p0/credentials", &t.access).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "an OB token has no CLR scope");
    assert!(
        r.headers()["www-authenticate"]
            .to_str()
            .expect("ascii")
            .contains("insufficient_scope")
    );
    assert_eq!(minor_of(r).await, "forbidden");

    for q in ["limit=0", "limit=x", "offset=-1", "since=yesterday"] {
        let r = h.get(&format!("/ims/ob/v3p0/credentials?{q}"), &t.access).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{q}");
        assert_eq!(minor_of(r).await, "invalid_query_parameter");
    }
    let r = h
        .http
        .delete(h.url("/ims/ob/v3p0/credentials"))
        .bearer_auth(&t.access)
        .send()
        .await
        .expect("delete");
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(minor_of(r).await, "not_allowed");
    let r = h
        .http
        .post(h.url("/ims/ob/v3p0/profile"))
        .bearer_auth(&t.access)
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);

    for (ct, body) in [
        ("application/json", "{not json".to_string()),
        ("application/json", json!({ "id": "urn:x" }).to_string()),
        ("text/plain", "not-a-jws".to_string()),
        (
            "application/xml",
            vc("https://i.example", "urn:y", "2024-01-01T00:00:00Z").to_string(),
        ),
    ] {
        let r = h.upsert(&t.access, ct, body).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{ct}");
        minor_of(r).await;
    }
    let big = format!("{{\"pad\":\"{}\"}}", "x".repeat(2 << 20));
    let r = h.upsert(&t.access, "application/json", big).await;
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    minor_of(r).await;
    assert_eq!(
        h.get("/ims/ob/v3p0/credentials", &t.access).await.status(),
        StatusCode::OK,
        "still serving"
    );
}

#[tokio::test]
async fn insufficient_scope_per_operation() {
    let h = H::start(Faults::none()).await;
    let c = h.register().await;
    let t = h
        .login_with(&c, &[("scope", &format!("{OB}credential.readonly"))])
        .await;
    assert_eq!(t.response["scope"], format!("{OB}credential.readonly"));
    assert_eq!(
        h.get("/ims/ob/v3p0/credentials", &t.access).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        h.get("/ims/ob/v3p0/profile", &t.access).await.status(),
        StatusCode::FORBIDDEN
    );
    let r = h
        .upsert(
            &t.access,
            "application/json",
            vc("https://i.example", "urn:z", "2024-01-01T00:00:00Z").to_string(),
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

async fn walk(h: &H, token: &str, first: &str) -> (Vec<String>, Vec<reqwest::Response>) {
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

#[tokio::test]
async fn paging_walks_25_credentials_without_gaps_or_duplicates() {
    let h = H::start(Faults::none()).await;
    let t = h.login().await;
    h.seed(&t.access, 25).await;
    let first = h.url("/ims/ob/v3p0/credentials?limit=10");
    let (ids, pages) = walk(&h, &t.access, &first).await;
    let expected: Vec<String> = (0..25).map(|i| format!("urn:uuid:c{i:02}")).collect();
    assert_eq!(ids, expected);
    assert_eq!(pages.len(), 3);
    for (i, p) in pages.iter().enumerate() {
        assert_eq!(total(p), 25);
        let l = links(p);
        assert_eq!(l["first"], h.url("/ims/ob/v3p0/credentials?limit=10&offset=0"));
        assert_eq!(l["last"], h.url("/ims/ob/v3p0/credentials?limit=10&offset=20"));
        assert_eq!(l.contains_key("prev"), i > 0);
        assert_eq!(l.contains_key("next"), i < 2);
    }
    let r = h
        .get("/ims/ob/v3p0/credentials?since=2024-01-20T00:00:00Z", &t.access)
        .await;
    assert_eq!(total(&r), 5, "issued strictly after the 20th");
}

#[tokio::test]
async fn users_data_never_mix() {
    let h = H::with(ProviderConfig {
        auto_consent_user: Some("bob".into()),
        ..config(Faults::none())
    })
    .await;
    let bob = h.login().await;
    h.seed(&bob.access, 2).await;
    let r = h.get("/ims/clr/v2p0/credentials", &bob.access).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // Alice logs in through the form on the same provider.
    let c = h.register().await;
    let code = {
        let challenge = s256(VERIFIER);
        let scope = all_ob_scopes();
        let fields = [
            ("response_type", "code"),
            ("client_id", c.id.as_str()),
            ("redirect_uri", REDIRECT),
            ("scope", scope.as_str()),
            ("state", "s"),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
            ("username", "alice"),
            ("password", "alice-pw"),
        ];
        let r = h
            .http
            .post(h.url("/oauth/authorize"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form(&fields))
            .send()
            .await
            .expect("login");
        query_of(location(&r))["code"].clone()
    };
    let alice: Value = h.redeem(&c, &code, VERIFIER).await.json().await.expect("json");
    let alice = alice["access_token"].as_str().expect("at");
    let r = h.get("/ims/ob/v3p0/credentials", alice).await;
    assert_eq!(total(&r), 0);
    let profile: Value = h.get("/ims/ob/v3p0/profile", alice).await.json().await.expect("json");
    assert_eq!(profile["id"], "https://1edtech.org/issuers/cert");
    assert_eq!(total(&h.get("/ims/ob/v3p0/credentials", &bob.access).await), 2);
}

#[tokio::test]
async fn restart_with_data_dir_keeps_clients_tokens_and_credentials() {
    let dir = std::env::temp_dir().join(format!("clr-mocks-provider-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let cfg = || ProviderConfig {
        data_dir: Some(dir.clone()),
        ..config(Faults::none())
    };
    let h = H::with(cfg()).await;
    let c = h.register().await;
    let t = h.login_with(&c, &[]).await;
    h.seed(&t.access, 3).await;
    h.running.shutdown().await.expect("stops");

    let h2 = H::with(cfg()).await;
    assert_eq!(
        total(&h2.get("/ims/ob/v3p0/credentials", &t.access).await),
        3,
        "token and credentials survive"
    );
    let r = h2
        .token_request(&c, &[("grant_type", "refresh_token"), ("refresh_token", &t.refresh)])
        .await;
    assert_eq!(r.status(), StatusCode::OK, "client and refresh token survive");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn concurrent_redemptions_of_one_code_yield_one_token() {
    let h = Arc::new(H::start(Faults::none()).await);
    let c = Arc::new(h.register().await);
    let code = h.code(&c, &[]).await;
    let tasks: Vec<_> = (0..32)
        .map(|_| {
            let (h, c, code) = (h.clone(), c.clone(), code.clone());
            tokio::spawn(async move { h.redeem(&c, &code, VERIFIER).await.status() })
        })
        .collect();
    let mut ok = 0;
    for t in tasks {
        if t.await.expect("task") == StatusCode::OK {
            ok += 1;
        }
    }
    assert_eq!(ok, 1);
}

// ---- one test per provider fault: the targeted behaviour changes ----

#[tokio::test]
async fn fault_pkce_not_verified() {
    let h = H::start(Faults::one(Fault::PkceNotVerified)).await;
    let c = h.register().await;
    let code = h.code(&c, &[]).await;
    assert_eq!(
        h.redeem(&c, &code, "wrong-wrong-wrong-wrong-wrong-wrong-wrong-wrong")
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn fault_auth_code_reusable() {
    let h = H::start(Faults::one(Fault::AuthCodeReusable)).await;
    let c = h.register().await;
    let code = h.code(&c, &[]).await;
    let first: Value = h.redeem(&c, &code, VERIFIER).await.json().await.expect("json");
    assert_eq!(h.redeem(&c, &code, VERIFIER).await.status(), StatusCode::OK);
    let at = first["access_token"].as_str().expect("at");
    assert_eq!(h.get("/ims/ob/v3p0/profile", at).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn fault_redirect_uri_not_checked() {
    let h = H::start(Faults::one(Fault::RedirectUriNotChecked)).await;
    let c = h.register().await;
    let r = h.authorize(&c, &[("redirect_uri", "https://evil.example/cb")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(location(&r).starts_with("https://evil.example/cb?code="));
}

#[tokio::test]
async fn fault_state_not_echoed() {
    let h = H::start(Faults::one(Fault::StateNotEchoed)).await;
    let c = h.register().await;
    let r = h.authorize(&c, &[]).await;
    assert!(!query_of(location(&r)).contains_key("state"));
}

#[tokio::test]
async fn fault_scope_not_enforced() {
    let h = H::start(Faults::one(Fault::ScopeNotEnforced)).await;
    let t = h.login().await;
    assert_eq!(
        h.get("/ims/clr/v2p0/credentials", &t.access).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn fault_expired_token_accepted() {
    for (faults, status) in [
        (Faults::none(), StatusCode::UNAUTHORIZED),
        (Faults::one(Fault::ExpiredTokenAccepted), StatusCode::OK),
    ] {
        let h = H::start(faults).await;
        let t = h.login().await;
        h.provider.advance_clock(3601);
        assert_eq!(h.get("/ims/ob/v3p0/profile", &t.access).await.status(), status);
    }
}

#[tokio::test]
async fn fault_revoked_token_accepted() {
    let h = H::start(Faults::one(Fault::RevokedTokenAccepted)).await;
    let c = h.register().await;
    let t = h.login_with(&c, &[]).await;
    let r = h
        .http
        .post(h.url("/oauth/revoke"))
        .basic_auth(&c.id, Some(&c.secret))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&[("token", &t.access), ("token_type_hint", "access_token")]))
        .send()
        .await
        .expect("revoke");
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(h.get("/ims/ob/v3p0/profile", &t.access).await.status(), StatusCode::OK);
}

async fn paged(fault: Fault) -> (H, Tokens) {
    let h = H::start(Faults::one(fault)).await;
    let t = h.login().await;
    h.seed(&t.access, 25).await;
    (h, t)
}

#[tokio::test]
async fn fault_wrong_total_count() {
    let (h, t) = paged(Fault::WrongTotalCount).await;
    assert_eq!(total(&h.get("/ims/ob/v3p0/credentials?limit=10", &t.access).await), 26);
}

#[tokio::test]
async fn fault_missing_link_next() {
    let (h, t) = paged(Fault::MissingLinkNext).await;
    let r = h.get("/ims/ob/v3p0/credentials?limit=10", &t.access).await;
    let l = links(&r);
    assert!(l.contains_key("last") && !l.contains_key("next"));
}

#[tokio::test]
async fn fault_paging_overlaps() {
    let (h, t) = paged(Fault::PagingOverlaps).await;
    let (ids, _) = walk(&h, &t.access, &h.url("/ims/ob/v3p0/credentials?limit=10")).await;
    let unique: std::collections::BTreeSet<_> = ids.iter().collect();
    assert!(ids.len() > unique.len(), "the walk sees duplicates");
}

#[tokio::test]
async fn fault_since_ignored() {
    let (h, t) = paged(Fault::SinceIgnored).await;
    assert_eq!(
        total(
            &h.get("/ims/ob/v3p0/credentials?since=2024-01-20T00:00:00Z", &t.access)
                .await
        ),
        25
    );
}

#[tokio::test]
async fn fault_upsert_always_200() {
    let h = H::start(Faults::one(Fault::UpsertAlways200)).await;
    let t = h.login().await;
    let r = h
        .upsert(
            &t.access,
            "application/json",
            vc("https://i.example", "urn:new", "2024-01-01T00:00:00Z").to_string(),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn fault_error_without_statusinfo() {
    let h = H::start(Faults::one(Fault::ErrorWithoutStatusInfo)).await;
    let r = h.http.get(h.url("/ims/ob/v3p0/credentials")).send().await.expect("get");
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(serde_json::from_str::<Value>(&r.text().await.expect("body")).is_err());
}

#[tokio::test]
async fn fault_discovery_requires_auth() {
    let h = H::start(Faults::one(Fault::DiscoveryRequiresAuth)).await;
    let r = h.http.get(h.url("/ims/ob/v3p0/discovery")).send().await.expect("sdd");
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn fault_wrong_content_type() {
    let h = H::start(Faults::one(Fault::WrongContentType)).await;
    let t = h.login().await;
    let r = h.get("/ims/ob/v3p0/credentials", &t.access).await;
    assert_eq!(r.headers()["content-type"], "text/html");
    let r = h
        .upsert(
            &t.access,
            "text/plain",
            jws(&vc("https://i.example", "urn:j", "2024-01-01T00:00:00Z")),
        )
        .await;
    assert_eq!(r.headers()["content-type"], "text/html");
}

#[tokio::test]
async fn fault_token_cache_control_missing() {
    let h = H::start(Faults::one(Fault::TokenCacheControlMissing)).await;
    let t = h.login().await;
    assert!(t.headers.get("cache-control").is_none());
}
