//! An OAuth 2.0 client nobody here wrote — the `oauth2` crate — completes the whole flow against the reference
//! provider served over HTTPS (the client trusts the CA generated at start): dynamic registration → authorization
//! with PKCE S256 and state → token → refresh → revocation (RFC 7009; the crate refuses non-HTTPS revocation URLs),
//! after which the API refuses the revoked access token and the token endpoint the revoked refresh token.

use clr_harness::catalogue::Selection;
use clr_harness::check::{Endpoints, Inbound};
use clr_mocks::faults::Faults;
use clr_mocks::provider::{Provider, ProviderConfig, TestUser};
use clr_mocks::server;
use clr_mocks::tls::MockCa;
use oauth2::basic::{BasicClient, BasicErrorResponseType};
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, PkceCodeChallenge, RedirectUrl, RefreshToken,
    RequestTokenError, RevocationUrl, Scope, StandardRevocableToken, TokenResponse, TokenUrl,
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
    let ca = MockCa::generate().expect("CA");
    let listener = server::bind(0).await.expect("binds");
    let (running, provider) = Provider::spawn_on(listener, config, Some(&ca))
        .await
        .expect("provider starts");
    let base = running.base_url.clone();
    assert!(base.starts_with("https://"), "{base}");
    let ca_pem = running.ca_pem.as_deref().expect("served with a CA");
    let http = reqwest::Client::builder()
        .no_proxy()
        .tls_certs_merge([reqwest::Certificate::from_pem(ca_pem.as_bytes()).expect("PEM")])
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

    // Revocation through the crate: the access token, then the refresh token.
    client
        .revoke_token(StandardRevocableToken::AccessToken(refreshed.access_token().clone()))
        .expect("an https revocation URL is accepted")
        .request_async(&oauth_http)
        .await
        .expect("access token revoked");
    let refused = http
        .get(&api)
        .bearer_auth(refreshed.access_token().secret())
        .send()
        .await
        .expect("api");
    assert_eq!(refused.status().as_u16(), 401, "a revoked token is refused");

    let refresh_token = refreshed
        .refresh_token()
        .or(token.refresh_token())
        .expect("refresh token")
        .clone();
    client
        .revoke_token(StandardRevocableToken::RefreshToken(refresh_token.clone()))
        .expect("revocation request")
        .request_async(&oauth_http)
        .await
        .expect("refresh token revoked");
    match client
        .exchange_refresh_token(&refresh_token)
        .request_async(&oauth_http)
        .await
    {
        Err(RequestTokenError::ServerResponse(e)) => {
            assert_eq!(e.error(), &BasicErrorResponseType::InvalidGrant, "{e:?}");
        }
        other => panic!("a revoked refresh token must be refused with invalid_grant, got {other:?}"),
    }

    // The harness's consumer checks on what the crate sent (its authorization URLs and token requests; discovery,
    // registration and the API calls above are this test's own): PKCE S256, a fresh state, the registered redirect
    // URI, Basic client authentication with the verifier — the crate does all of it.
    let exchanges = provider.tap().exchanges();
    let endpoints = Endpoints {
        discovery: vec![format!("{base}/ims/ob/v3p0/discovery")],
        registration: format!("{base}/oauth/register"),
        authorization: format!("{base}/oauth/authorize"),
        token: format!("{base}/oauth/token"),
        api_bases: vec![format!("{base}/ims/ob/v3p0")],
    };
    let started_ms = std::collections::HashMap::new();
    let inbound = Inbound {
        exchanges: &exchanges,
        endpoints: &endpoints,
        started_ms: &started_ms,
    };
    let subject = clr_harness::consumer::judge(&inbound, "the oauth2 crate", &Selection::default(), false);
    for id in [
        "OAUTH-CLIENT-002",
        "OAUTH-CLIENT-003",
        "OAUTH-CLIENT-004",
        "OAUTH-CLIENT-005",
    ] {
        let r = subject.results.iter().find(|r| r.check == id).expect("judged");
        assert_eq!(
            r.outcome,
            clr_reports::Outcome::Pass,
            "{id}: {:?} {:?}",
            r.findings,
            r.note
        );
    }
    running.shutdown().await.expect("stops");
}
