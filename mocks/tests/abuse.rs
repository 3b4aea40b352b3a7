//! The mocks under abuse: what one hostile client can make a mock hold, and for how long. Each bound is shown through
//! the protocol (status codes, error bodies, headers, a closed connection) or the server's counters, with the timeout
//! under test shortened to 200 ms (the others keep their defaults, so a busy machine does not trip them); the only
//! waits are generous upper bounds (10 s) on something that must happen.
//!
//! - getCredentials and CASE CFDocuments without `limit` serve a default page (100) with a correct `X-Total-Count`
//!   and `Link` next/first/last; a `limit` above 1000 is clamped (the `Link` URLs name the limit applied).
//! - A connection that sends half a request head, nothing, half an HTTP/2 preface, or no TLS handshake is closed;
//!   idle kept-alive connections (HTTP/1.1 and HTTP/2) are closed; a slow request body and a slow handler get 408;
//!   connections beyond the cap wait until one closes.
//! - Dynamic client registration refuses a 1 MiB body, oversized members and too many redirect URIs, and keeps at
//!   most `max_clients` clients (the oldest are evicted).
//! - PKCE: a code_verifier outside RFC 7636's 43–128 unreserved characters is refused with invalid_grant even when
//!   it matches the challenge, and /authorize takes only a 43-character base64url S256 challenge.
//! - Every mock's unknown paths answer 404 with an imsx_StatusInfo body.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use clr_mocks::faults::Faults;
use clr_mocks::provider::{
    DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, ProviderLimits, s256, valid_s256_challenge, valid_verifier,
};
use clr_mocks::server::{self, ServerLimits, ServerStats};
use clr_mocks::tls::MockCa;
use clr_mocks::{badgehost, case, issuer};
use common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Upper bound on anything that must happen after a 200 ms timeout: generous, so a loaded machine does not fail.
const BOUND: Duration = Duration::from_secs(10);
const SHORT: Duration = Duration::from_millis(200);

fn test_router() -> axum::Router {
    axum::Router::new()
        .route("/ping", axum::routing::get(|| async { "pong" }))
        .route(
            "/slow",
            axum::routing::get(|| async {
                tokio::time::sleep(Duration::from_secs(30)).await;
                "late"
            }),
        )
}

async fn spawn_test_server(limits: ServerLimits) -> server::Running {
    server::spawn_with(server::bind(0).await.expect("binds"), test_router(), None, limits)
        .await
        .expect("serves")
}

/// Reads until the server closes the connection (EOF or reset), which must happen within [`BOUND`]; returns what
/// was read.
async fn read_until_closed(s: &mut TcpStream) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    let closed = tokio::time::timeout(BOUND, async {
        loop {
            match s.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => out.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    assert!(
        closed.is_ok(),
        "the server kept the connection open; read so far: {}",
        String::from_utf8_lossy(&out)
    );
    out
}

/// Waits (within [`BOUND`]) until `cond` holds of the server's counters.
async fn until(stats: &ServerStats, what: &str, cond: impl Fn(&ServerStats) -> bool) {
    let waited = tokio::time::timeout(BOUND, async {
        while !cond(stats) {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    assert!(waited.is_ok(), "{what}: {stats:?}");
}

async fn connect(running: &server::Running) -> TcpStream {
    TcpStream::connect(running.addr).await.expect("connects")
}

// ---------------------------------------------------------------------------------------------------------------
// Paging

/// Upserts `n` OB credentials with distinct ids and valid issuance dates.
async fn seed_many(h: &H, token: &str, n: usize) {
    for i in 0..n {
        let body = vc(
            "https://issuer.example",
            &format!("urn:uuid:abuse-{i:04}"),
            &format!("2024-01-01T{:02}:{:02}:00Z", i / 60, i % 60),
        );
        let r = h.upsert(token, "application/json", body.to_string()).await;
        assert_eq!(r.status(), StatusCode::CREATED, "credential {i}");
    }
}

fn query(url: &str) -> Vec<(String, String)> {
    url::Url::parse(url)
        .expect("absolute link")
        .query_pairs()
        .into_owned()
        .collect()
}

fn param(url: &str, name: &str) -> String {
    query(url)
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
        .unwrap_or_default()
}

#[tokio::test]
async fn get_credentials_without_limit_serves_the_default_page_with_total_and_links() {
    let h = H::start(Faults::none()).await;
    let t = h.login().await;
    let n = 130;
    seed_many(&h, &t.access, n).await;

    let r = h.get("/ims/ob/v3p0/credentials", &t.access).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        total(&r),
        n as u64,
        "X-Total-Count counts every credential, not the page"
    );
    let l = links(&r);
    for rel in ["next", "first", "last"] {
        assert!(
            l.contains_key(rel),
            "a page holding fewer than X-Total-Count carries rel {rel}: {l:?}"
        );
    }
    assert_eq!(param(&l["next"], "limit"), DEFAULT_PAGE_SIZE.to_string());
    assert_eq!(param(&l["next"], "offset"), DEFAULT_PAGE_SIZE.to_string());
    assert_eq!(param(&l["last"], "offset"), "100");
    let body: Value = r.json().await.expect("json");
    assert_eq!(
        body["credential"].as_array().map(Vec::len),
        Some(DEFAULT_PAGE_SIZE as usize),
        "at most the default page"
    );

    // Following rel=next from the unlimited request reads every credential exactly once.
    let (ids, pages) = walk(&h, &t.access, &h.url("/ims/ob/v3p0/credentials")).await;
    assert_eq!(pages.len(), 2);
    assert_eq!(ids.len(), n);
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), n);
    let last = &pages[1];
    assert_eq!(total(last), n as u64);
    assert!(!links(last).contains_key("next"), "the last page has no rel=next");
    assert!(links(last).contains_key("prev"));
}

#[tokio::test]
async fn a_limit_above_the_maximum_is_clamped() {
    let h = H::start(Faults::none()).await;
    let t = h.login().await;
    seed_many(&h, &t.access, 3).await;
    for huge in ["5000", &u64::MAX.to_string()] {
        let r = h
            .get(&format!("/ims/ob/v3p0/credentials?limit={huge}"), &t.access)
            .await;
        assert_eq!(r.status(), StatusCode::OK, "limit={huge}");
        assert_eq!(total(&r), 3);
        let l = links(&r);
        assert_eq!(
            param(&l["first"], "limit"),
            MAX_PAGE_SIZE.to_string(),
            "limit={huge}: {l:?}"
        );
        assert!(!l.contains_key("next"));
        let body: Value = r.json().await.expect("json");
        assert_eq!(body["credential"].as_array().map(Vec::len), Some(3));
    }
    // An offset past everything (even u64::MAX) is an empty page, not an overflow.
    let r = h
        .get(
            &format!("/ims/ob/v3p0/credentials?limit=10&offset={}", u64::MAX),
            &t.access,
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(total(&r), 3);
    let body: Value = r.json().await.expect("json");
    assert_eq!(body["credential"].as_array().map(Vec::len), Some(0));
}

#[tokio::test]
async fn case_documents_have_the_same_default_page_and_maximum() {
    let mut fw = case::Framework::seeded(5);
    let template = fw.documents[0].clone();
    for i in 0..150 {
        let mut d = template.clone();
        d["identifier"] = json!(case::uuid(i, "abuse-document"));
        fw.documents.push(d);
    }
    let count = fw.documents.len();
    let running = case::spawn_on(server::bind(0).await.expect("binds"), fw, None)
        .await
        .expect("serves");
    let url = format!("{}/ims/case/v1p0/CFDocuments", running.base_url);

    let r = reqwest::get(&url).await.expect("get");
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(total(&r), count as u64);
    let l = links(&r);
    for rel in ["next", "first", "last"] {
        assert!(l.contains_key(rel), "rel {rel}: {l:?}");
    }
    assert_eq!(param(&l["next"], "limit"), "100");
    let body: Value = r.json().await.expect("json");
    assert_eq!(body["CFDocuments"].as_array().map(Vec::len), Some(100));

    let r = reqwest::get(format!("{url}?limit=5000")).await.expect("get");
    assert_eq!(r.status(), StatusCode::OK);
    let l = links(&r);
    assert_eq!(param(&l["first"], "limit"), "1000", "{l:?}");
    assert!(!l.contains_key("next"));
    let body: Value = r.json().await.expect("json");
    assert_eq!(body["CFDocuments"].as_array().map(Vec::len), Some(count));
    running.shutdown().await.expect("stops");
}

// ---------------------------------------------------------------------------------------------------------------
// Connection timeouts and the connection cap

#[tokio::test]
async fn half_a_request_head_is_disconnected() {
    let running = spawn_test_server(ServerLimits {
        header_read_timeout: SHORT,
        ..ServerLimits::default()
    })
    .await;
    let mut s = connect(&running).await;
    s.write_all(b"GET /ping HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        .await
        .expect("writes");
    let read = read_until_closed(&mut s).await;
    let text = String::from_utf8_lossy(&read);
    assert!(!text.contains("pong"), "an incomplete head is never answered: {text}");
    let stats = running.stats();
    until(&stats, "the connection is gone", |s| s.open() == 0).await;
    assert_eq!(stats.requests(), 0);
    running.shutdown().await.expect("stops");
}

#[tokio::test]
async fn silent_connections_and_half_an_http2_preface_are_disconnected() {
    let running = spawn_test_server(ServerLimits {
        header_read_timeout: SHORT,
        ..ServerLimits::default()
    })
    .await;
    let stats = running.stats();
    // Nothing at all: hyper waits for the protocol's first bytes without a timer of its own.
    let mut silent = connect(&running).await;
    read_until_closed(&mut silent).await;
    // Half the HTTP/2 preface: still deciding between HTTP/1.1 and HTTP/2.
    let mut preface = connect(&running).await;
    preface.write_all(b"PRI * HTTP/2.0\r\n").await.expect("writes");
    read_until_closed(&mut preface).await;
    until(&stats, "both closed for a timeout", |s| {
        s.timed_out() >= 2 && s.open() == 0
    })
    .await;
    assert_eq!(stats.requests(), 0);
    running.shutdown().await.expect("stops");
}

#[tokio::test]
async fn an_idle_kept_alive_http1_connection_is_closed() {
    // HTTP/1.1 times the wait for the next request head with the header timeout (hyper's timer runs from the end
    // of a response), so that is the one shortened; 1 s leaves the first request time to arrive.
    let running = spawn_test_server(ServerLimits {
        header_read_timeout: Duration::from_secs(1),
        ..ServerLimits::default()
    })
    .await;
    let mut s = connect(&running).await;
    s.write_all(b"GET /ping HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .await
        .expect("writes");
    // The response comes, then (keep-alive, no second request) the connection is closed.
    let read = read_until_closed(&mut s).await;
    let text = String::from_utf8_lossy(&read);
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(text.ends_with("pong"), "{text}");
    let stats = running.stats();
    until(&stats, "closed", |s| s.open() == 0).await;
    assert_eq!(stats.requests(), 1);
    running.shutdown().await.expect("stops");
}

#[tokio::test]
async fn an_idle_http2_connection_is_closed() {
    let running = spawn_test_server(ServerLimits {
        idle_timeout: SHORT,
        ..ServerLimits::default()
    })
    .await;
    let stats = running.stats();
    let client = reqwest::Client::builder()
        .no_proxy()
        .http2_prior_knowledge()
        .build()
        .expect("client");
    let r = client
        .get(format!("{}/ping", running.base_url))
        .send()
        .await
        .expect("get");
    assert_eq!(r.version(), reqwest::Version::HTTP_2);
    assert_eq!(r.text().await.expect("body"), "pong");
    // The client keeps its connection pooled; the server closes it once idle.
    until(&stats, "the idle HTTP/2 connection is closed", |s| {
        s.open() == 0 && s.timed_out() >= 1
    })
    .await;
    assert_eq!(stats.accepted(), 1);
    // The client notices and opens a new connection for the next request.
    let r = client
        .get(format!("{}/ping", running.base_url))
        .send()
        .await
        .expect("get again");
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(stats.accepted(), 2);
    running.shutdown().await.expect("stops");
}

#[tokio::test]
async fn a_tls_handshake_that_never_comes_is_disconnected() {
    let ca = MockCa::generate().expect("CA");
    let limits = ServerLimits {
        tls_handshake_timeout: SHORT,
        ..ServerLimits::default()
    };
    let running = server::spawn_with(server::bind(0).await.expect("binds"), test_router(), Some(&ca), limits)
        .await
        .expect("serves");
    let stats = running.stats();
    let mut s = connect(&running).await;
    read_until_closed(&mut s).await;
    until(&stats, "closed for the handshake timeout", |s| {
        s.timed_out() >= 1 && s.open() == 0
    })
    .await;
    running.shutdown().await.expect("stops");
}

#[tokio::test]
async fn a_slow_handler_gets_408() {
    let running = spawn_test_server(ServerLimits {
        request_timeout: SHORT,
        ..ServerLimits::default()
    })
    .await;
    let r = reqwest::get(format!("{}/slow", running.base_url))
        .await
        .expect("an answer");
    assert_eq!(r.status(), StatusCode::REQUEST_TIMEOUT);
    let v: Value = r.json().await.expect("imsx json");
    assert_eq!(v["imsx_codeMajor"], "failure");
    running.shutdown().await.expect("stops");
}

#[tokio::test]
async fn connections_beyond_the_cap_wait_for_a_free_slot() {
    let limits = ServerLimits {
        max_connections: 2,
        ..ServerLimits::default()
    };
    let running = spawn_test_server(limits).await;
    let stats = running.stats();
    let first = connect(&running).await;
    let _second = connect(&running).await;
    until(&stats, "two open", |s| s.open() == 2).await;
    let mut third = connect(&running).await;
    third
        .write_all(b"GET /ping HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .await
        .expect("writes");
    until(&stats, "the accept loop waits for a slot", |s| s.saturated() >= 1).await;
    // Not accepted while both slots are taken (a correct server never does, however long this waits).
    tokio::time::sleep(SHORT).await;
    assert_eq!(stats.accepted(), 2, "{stats:?}");
    drop(first);
    let read = read_until_closed(&mut third).await;
    let text = String::from_utf8_lossy(&read);
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(text.ends_with("pong"), "{text}");
    assert_eq!(stats.accepted(), 3);
    assert_eq!(stats.peak_open(), 2, "never more than the cap at once");
    running.shutdown().await.expect("stops");
}

#[tokio::test]
async fn a_request_body_that_stalls_gets_408_at_the_provider() {
    // The server's request timeout (default 60 s) stays above the body read timeout, so the provider's own answer
    // (an OAuth error) is the one seen.
    let limits = ProviderLimits {
        server: ServerLimits {
            body_read_timeout: SHORT,
            ..ServerLimits::default()
        },
        ..ProviderLimits::default()
    };
    let h = H::with_limits(config(Faults::none()), limits).await;
    let mut s = connect(&h.running).await;
    s.write_all(
        b"POST /oauth/register HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
          Content-Length: 1000\r\n\r\n{\"client_name\":",
    )
    .await
    .expect("writes");
    let read = read_until_closed(&mut s).await;
    let text = String::from_utf8_lossy(&read);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(
        text.contains("\"error\":\"invalid_request\""),
        "an OAuth error body: {text}"
    );
    assert_eq!(h.provider.registered_clients().expect("count"), 0);
}

// ---------------------------------------------------------------------------------------------------------------
// Dynamic client registration

async fn register_raw(h: &H, body: Vec<u8>) -> (StatusCode, Value) {
    let r = h
        .http
        .post(h.url("/oauth/register"))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("an answer");
    let status = r.status();
    (status, r.json().await.expect("json error"))
}

#[tokio::test]
async fn oversized_registrations_are_refused_and_not_stored() {
    let h = H::start(Faults::none()).await;
    // 1 MiB: a valid registration padded with an extra member.
    let mut big = registration(&all_ob_scopes());
    big["padding"] = json!("x".repeat(1 << 20));
    let (status, v) = register_raw(&h, big.to_string().into_bytes()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(v["error"], "invalid_client_metadata", "{v}");

    // One long member, within the body limit.
    let mut long_name = registration(&all_ob_scopes());
    long_name["client_name"] = json!("n".repeat(3000));
    let (status, v) = register_raw(&h, long_name.to_string().into_bytes()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(v["error"], "invalid_client_metadata", "{v}");

    // Eleven redirect URIs.
    let mut many = registration(&all_ob_scopes());
    many["redirect_uris"] = json!(
        (0..11)
            .map(|i| format!("https://client.example/cb{i}"))
            .collect::<Vec<_>>()
    );
    let (status, v) = register_raw(&h, many.to_string().into_bytes()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(v["error"], "invalid_redirect_uri", "{v}");

    // Too many members.
    let mut members = registration(&all_ob_scopes());
    for i in 0..40 {
        members[format!("x-{i}")] = json!(i);
    }
    let (status, v) = register_raw(&h, members.to_string().into_bytes()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(v["error"], "invalid_client_metadata", "{v}");

    assert_eq!(
        h.provider.registered_clients().expect("count"),
        0,
        "nothing refused was stored"
    );
    // The ordinary registration still works.
    h.register().await;
    assert_eq!(h.provider.registered_clients().expect("count"), 1);
}

#[tokio::test]
async fn registered_clients_are_capped_and_the_oldest_evicted() {
    let limits = ProviderLimits {
        max_clients: 3,
        ..ProviderLimits::default()
    };
    let h = H::with_limits(config(Faults::none()), limits).await;
    let oldest = h.register().await;
    let oldest_tokens = h.login_with(&oldest, &[]).await;
    let mut newer = Vec::new();
    for _ in 0..4 {
        newer.push(h.register().await);
        assert!(h.provider.registered_clients().expect("count") <= 3);
    }
    assert_eq!(h.provider.registered_clients().expect("count"), 3);
    // The evicted client can neither authenticate nor authorize, and its tokens are gone with it.
    let r = h
        .token_request(
            &oldest,
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", &oldest_tokens.refresh),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_of(r).await, "invalid_client");
    assert_eq!(h.authorize(&oldest, &[]).await.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        h.get("/ims/ob/v3p0/profile", &oldest_tokens.access).await.status(),
        StatusCode::UNAUTHORIZED
    );
    // The newest ones work.
    let newest = newer.last().expect("registered");
    let t = h.login_with(newest, &[]).await;
    assert_eq!(h.get("/ims/ob/v3p0/profile", &t.access).await.status(), StatusCode::OK);
}

// ---------------------------------------------------------------------------------------------------------------
// PKCE

#[test]
fn verifier_and_challenge_syntax() {
    assert!(valid_verifier(VERIFIER));
    assert!(valid_verifier(&"a".repeat(43)));
    assert!(valid_verifier(&"A-._~9".repeat(22)[..128]));
    assert!(!valid_verifier("a"));
    assert!(!valid_verifier(&"a".repeat(42)));
    assert!(!valid_verifier(&"a".repeat(129)));
    assert!(!valid_verifier(&format!("{}+", "a".repeat(43))));
    assert!(!valid_verifier(&format!("{}é", "a".repeat(43))));
    assert!(valid_s256_challenge(&s256(VERIFIER)));
    assert!(!valid_s256_challenge(&s256(VERIFIER)[..42]));
    assert!(!valid_s256_challenge(&format!("{}A", s256(VERIFIER))));
    assert!(!valid_s256_challenge(&format!("{}+", &s256(VERIFIER)[..42])));
    assert!(!valid_s256_challenge(&"a".repeat(128)));
}

#[tokio::test]
async fn malformed_verifiers_are_refused_even_when_they_match_the_challenge() {
    let h = H::start(Faults::none()).await;
    let c = h.register().await;
    for bad in [
        "a".to_string(),
        "a".repeat(42),
        "a".repeat(129),
        format!("{}+/", "a".repeat(43)),
    ] {
        // The challenge is the S256 of the malformed verifier, so only the syntax check can refuse it.
        let challenge = s256(&bad);
        let code = h.code(&c, &[("code_challenge", &challenge)]).await;
        let r = h.redeem(&c, &code, &bad).await;
        assert_eq!(
            r.status(),
            StatusCode::BAD_REQUEST,
            "verifier of {} characters",
            bad.len()
        );
        assert_eq!(error_of(r).await, "invalid_grant");
    }
    // A refused verifier does not use the code up: the well-formed one still redeems it.
    let code = h.code(&c, &[]).await;
    let r = h.redeem(&c, &code, "a").await;
    assert_eq!(error_of(r).await, "invalid_grant");
    assert_eq!(h.redeem(&c, &code, VERIFIER).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn authorize_takes_only_a_43_character_base64url_s256_challenge() {
    let h = H::start(Faults::none()).await;
    let c = h.register().await;
    let good = s256(VERIFIER);
    for bad in [
        good[..42].to_string(),
        format!("{good}A"),
        format!("{}+", &good[..42]),
        "a".repeat(128),
    ] {
        let r = h.authorize(&c, &[("code_challenge", &bad)]).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "challenge {bad}");
        let q = query_of(location(&r));
        assert_eq!(
            q.get("error").map(String::as_str),
            Some("invalid_request"),
            "challenge {bad}"
        );
        assert!(!q.contains_key("code"));
    }
}

// ---------------------------------------------------------------------------------------------------------------
// 404s

async fn assert_imsx_404(url: &str) {
    let r = reqwest::Client::new().get(url).send().await.expect("an answer");
    assert_eq!(r.status(), StatusCode::NOT_FOUND, "{url}");
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap_or("")
            .starts_with("application/json"),
        "{url}"
    );
    let v: Value = r.json().await.expect("json");
    assert_eq!(v["imsx_codeMajor"], "failure", "{url}: {v}");
    assert_eq!(v["imsx_severity"], "error", "{url}: {v}");
    assert!(
        v["imsx_codeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"].is_string(),
        "{url}: {v}"
    );
}

#[tokio::test]
async fn every_mock_answers_unknown_paths_with_an_imsx_status_info_404() {
    let h = H::start(Faults::none()).await;
    for path in [
        "/nope",
        "/ims/ob/v3p0/nope",
        "/ims/clr/v2p0/credentials/x",
        "/oauth/nope",
    ] {
        assert_imsx_404(&h.url(path)).await;
    }
    let (issuer, _) = issuer::spawn(2).await.expect("issuer");
    let (host, _) = badgehost::spawn(2).await.expect("badge host");
    let case = case::spawn_on(server::bind(0).await.expect("binds"), case::Framework::seeded(2), None)
        .await
        .expect("case");
    for url in [
        format!("{}/nope", issuer.base_url),
        format!("{}/nope", host.base_url),
        format!("{}/assertions/nope", host.base_url),
        format!("{}/nope", case.base_url),
    ] {
        assert_imsx_404(&url).await;
    }
    // A method the authorization endpoint does not take is an OAuth error, not an empty 405.
    let r = h.http.put(h.url("/oauth/authorize")).send().await.expect("put");
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(error_of(r).await, "invalid_request");
}
