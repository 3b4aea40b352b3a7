//! The reference provider's OAuth 2.0 authorization server over real HTTP on loopback: the whole flow, the errors
//! of the authorization, token and registration endpoints, the login form, and concurrent code redemptions.

mod common;

use std::sync::Arc;

use clr_mocks::faults::Faults;
use clr_mocks::provider::{ProviderConfig, s256};
use common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

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
    // Rotation: the refresh answers a new refresh token, and the old one is then refused.
    let rotated = t2["refresh_token"].as_str().expect("new refresh").to_string();
    assert_ne!(rotated, refresh);
    let r = h
        .token_request(&c, &[("grant_type", "refresh_token"), ("refresh_token", &refresh)])
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        error_of(r).await,
        "invalid_grant",
        "a rotated-out refresh token is refused"
    );
    let refresh = rotated;
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
