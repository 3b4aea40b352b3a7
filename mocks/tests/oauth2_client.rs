//! An OAuth 2.0 client nobody here wrote — the `oauth2` crate — completes the whole flow against the reference
//! provider: dynamic registration → authorization with PKCE S256 and state → token → refresh; then revocation
//! (RFC 7009), after which the API refuses the revoked token.

use clr_mocks::faults::Faults;
use clr_mocks::provider::{Provider, ProviderConfig, TestUser};
use oauth2::basic::BasicClient;
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, PkceCodeChallenge, RedirectUrl, RefreshToken,
    RevocationUrl, Scope, TokenResponse, TokenUrl,
};
use serde_json::{Value, json};

const REDIRECT: &str = "https://client.example/cb";
const READ: &str = "https://purl.imsglobal.org/spec/ob/v3p0/scope/credential.readonly";

/// The oauth2 crate's requests, sent with the project's reqwest (its built-in client would pull a second HTTP stack).
async fn send(http: reqwest::Client, req: oauth2::HttpRequest) -> Result<oauth2::HttpResponse, std::io::Error> {
    let (parts, body) = req.into_parts();
    let mut builder = http.request(parts.method, parts.uri.to_string()).body(body);
    for (name, value) in &parts.headers {
        builder = builder.header(name, value);
    }
    let response = builder.send().await.map_err(std::io::Error::other)?;
    let mut out = oauth2::http::Response::builder().status(response.status().as_u16());
    for (name, value) in response.headers() {
        out = out.header(name.as_str(), value.as_bytes());
    }
    let bytes = response.bytes().await.map_err(std::io::Error::other)?;
    out.body(bytes.to_vec()).map_err(std::io::Error::other)
}

#[tokio::test]
async fn the_oauth2_crate_completes_registration_pkce_token_refresh_and_revocation() {
    let config = ProviderConfig {
        users: vec![TestUser {
            id: "https://learners.example.edu/people/kim".into(),
            username: "kim".into(),
            password: "kim-pw".into(),
            profile: json!({"id": "https://learners.example.edu/people/kim", "type": ["Profile"], "name": "Kim"}),
        }],
        auto_consent_user: Some("kim".into()),
        faults: Faults::none(),
        data_dir: None,
    };
    let (running, _) = Provider::spawn(config).await.expect("provider starts");
    let base = running.base_url.clone();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");

    // Discovery, then dynamic registration at the URL it advertises.
    let sdd: Value = http
        .get(format!("{base}/ims/ob/v3p0/discovery"))
        .send()
        .await
        .expect("sdd")
        .json()
        .await
        .expect("json");
    let acg = &sdd["components"]["securitySchemes"]["OAuth2ACG"];
    let registration_url = acg["x-imssf-registrationUrl"].as_str().expect("registration URL");
    let flows = &acg["flows"]["authorizationCode"];
    let registered: Value = http
        .post(registration_url)
        .json(&json!({
            "client_name": "oauth2-crate client", "client_uri": "https://client.example/",
            "logo_uri": "https://client.example/logo.png", "tos_uri": "https://client.example/tos",
            "policy_uri": "https://client.example/privacy", "software_id": "oauth2-crate-interop",
            "software_version": "5.0", "redirect_uris": [REDIRECT], "scope": READ
        }))
        .send()
        .await
        .expect("register")
        .json()
        .await
        .expect("json");

    let client = BasicClient::new(ClientId::new(registered["client_id"].as_str().expect("id").into()))
        .set_client_secret(ClientSecret::new(
            registered["client_secret"].as_str().expect("secret").into(),
        ))
        .set_auth_uri(AuthUrl::new(flows["authorizationUrl"].as_str().expect("auth").into()).expect("url"))
        .set_token_uri(TokenUrl::new(flows["tokenUrl"].as_str().expect("token").into()).expect("url"))
        .set_redirect_uri(RedirectUrl::new(REDIRECT.into()).expect("url"))
        .set_revocation_url(RevocationUrl::new(format!("{base}/oauth/revoke")).expect("url"));
    let oauth_http = {
        let http = http.clone();
        move |req| send(http.clone(), req)
    };

    // Authorization: the provider auto-consents and redirects with the code and the same state.
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (auth_url, state) = client
        .authorize_url(CsrfToken::new_random)
        .add_scope(Scope::new(READ.into()))
        .set_pkce_challenge(challenge)
        .url();
    let redirect = http.get(auth_url.as_str()).send().await.expect("authorize");
    let location = redirect
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("redirect")
        .to_string();
    let back = url::Url::parse(&location).expect("redirect URL");
    let param = |k: &str| back.query_pairs().find(|(n, _)| n == k).map(|(_, v)| v.into_owned());
    assert_eq!(
        param("state").as_deref(),
        Some(state.secret().as_str()),
        "state echoed exactly"
    );
    let code = param("code").expect("code");

    let token = client
        .exchange_code(AuthorizationCode::new(code))
        .set_pkce_verifier(verifier)
        .request_async(&oauth_http)
        .await
        .expect("token");
    let api = format!("{base}/ims/ob/v3p0/credentials");
    let ok = http
        .get(&api)
        .bearer_auth(token.access_token().secret())
        .send()
        .await
        .expect("api");
    assert_eq!(ok.status().as_u16(), 200);

    let refreshed = client
        .exchange_refresh_token(&RefreshToken::new(
            token.refresh_token().expect("refresh token").secret().clone(),
        ))
        .request_async(&oauth_http)
        .await
        .expect("refresh");
    assert_ne!(
        refreshed.access_token().secret(),
        token.access_token().secret(),
        "a new access token"
    );

    // The oauth2 crate refuses a revocation URL that is not HTTPS (InsecureUrl), and the mocks serve plain HTTP on
    // loopback until they gain TLS, so revocation is the RFC 7009 request itself: form body, HTTP Basic client auth.
    let revoked = http
        .post(format!("{base}/oauth/revoke"))
        .basic_auth(
            client.client_id().as_str(),
            Some(registered["client_secret"].as_str().expect("secret")),
        )
        .header("content-type", "application/x-www-form-urlencoded")
        .body(
            url::form_urlencoded::Serializer::new(String::new())
                .append_pair("token", refreshed.access_token().secret())
                .append_pair("token_type_hint", "access_token")
                .finish(),
        )
        .send()
        .await
        .expect("revoke");
    assert_eq!(revoked.status().as_u16(), 200);
    let refused = http
        .get(&api)
        .bearer_auth(refreshed.access_token().secret())
        .send()
        .await
        .expect("api");
    assert_eq!(refused.status().as_u16(), 401, "a revoked token is refused");
    running.shutdown().await.expect("stops");
}
