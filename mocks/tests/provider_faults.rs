//! One test per provider fault profile: the behaviour it names actually changes.

mod common;

use clr_mocks::faults::{Fault, Faults};
use common::*;
use reqwest::StatusCode;
use serde_json::Value;

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
