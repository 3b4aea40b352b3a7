//! The reference provider's OB 3.0 / CLR 2.0 API over real HTTP on loopback: errors, per-operation scopes,
//! paging, isolation of users' data, and persistence across a restart.

mod common;

use clr_mocks::faults::Faults;
use clr_mocks::provider::{ProviderConfig, s256};
use common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

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
async fn each_api_refuses_the_other_familys_credentials() {
    let h = H::start(Faults::none()).await;
    let c = h
        .register_with(&format!(
            "{} https://purl.imsglobal.org/spec/clr/v2p0/scope/credential.upsert",
            all_ob_scopes()
        ))
        .await;
    let scope = format!("{OB}credential.upsert https://purl.imsglobal.org/spec/clr/v2p0/scope/credential.upsert");
    let t = h.login_with(&c, &[("scope", &scope)]).await;
    let mut clr = vc("https://issuer.example", "urn:uuid:clr-1", "2024-01-01T00:00:00Z");
    clr["type"] = json!(["VerifiableCredential", "ClrCredential"]);
    let ob = vc("https://issuer.example", "urn:uuid:ob-1", "2024-01-01T00:00:00Z");
    let post = |path: &'static str, body: String| {
        h.http
            .post(h.url(path))
            .bearer_auth(&t.access)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    for (path, body) in [
        ("/ims/ob/v3p0/credentials", clr.to_string()),
        ("/ims/clr/v2p0/credentials", ob.to_string()),
    ] {
        let r = post(path, body).await.expect("upsert");
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{path}");
        assert_eq!(minor_of(r).await, "invalid_data", "{path}");
    }
    // As a compact JWS too.
    let r = h.upsert(&t.access, "text/plain", jws(&json!({ "vc": clr }))).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    for (path, body) in [
        ("/ims/ob/v3p0/credentials", ob.to_string()),
        ("/ims/clr/v2p0/credentials", clr.to_string()),
    ] {
        let r = post(path, body).await.expect("upsert");
        assert_eq!(r.status(), StatusCode::CREATED, "{path}");
    }
}
