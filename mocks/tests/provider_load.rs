//! Load on the reference provider over loopback: 64 concurrent clients, each with its own connection pool and
//! token, upsert 5,000 credentials in total for 4 users (and re-send some of them, which must update, not add).
//! Afterwards every credential is retrievable by walking getCredentials pages, and the counts are exact per user:
//! `X-Total-Count` on every page and the items themselves. Nothing is timed; the elapsed time is printed.

mod common;

use std::collections::BTreeSet;
use std::time::Instant;

use clr_mocks::faults::Faults;
use clr_mocks::provider::s256;
use common::*;
use reqwest::StatusCode;
use serde_json::Value;

const CLIENTS: usize = 64;
const CREDENTIALS: usize = 5_000;
const USERS: [&str; 4] = ["alice", "bob", "carol", "dave"];
const PAGE: usize = 100;

fn credential_id(n: usize) -> String {
    format!("urn:uuid:00000000-0000-4000-8000-{n:012}")
}

/// Logs `username` in through the authorization form and redeems the code: an access token for that user.
async fn token_for(h: &H, c: &Registered, username: &str) -> String {
    let challenge = s256(VERIFIER);
    let scope = all_ob_scopes();
    let password = format!("{username}-pw");
    let fields = [
        ("response_type", "code"),
        ("client_id", c.id.as_str()),
        ("redirect_uri", REDIRECT),
        ("scope", scope.as_str()),
        ("state", "load"),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
        ("username", username),
        ("password", password.as_str()),
    ];
    let r = h
        .http
        .post(h.url("/oauth/authorize"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&fields))
        .send()
        .await
        .expect("login");
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{username} logs in");
    let code = query_of(location(&r))["code"].clone();
    let v: Value = h.redeem(c, &code, VERIFIER).await.json().await.expect("token json");
    v["access_token"].as_str().expect("access token").to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixty_four_clients_upsert_5000_credentials_and_every_one_is_retrievable_with_exact_counts() {
    let mut cfg = config(Faults::none());
    cfg.users = USERS
        .iter()
        .map(|u| user(&format!("https://learners.example.edu/people/{u}"), u))
        .collect();
    cfg.auto_consent_user = None;
    let h = H::with(cfg).await;

    // Client k acts for user k % 4 and sends credentials n with n % 64 == k, so user u gets every n with n % 4 == u.
    let mut tokens = Vec::with_capacity(CLIENTS);
    for k in 0..CLIENTS {
        let c = h.register().await;
        tokens.push(token_for(&h, &c, USERS[k % USERS.len()]).await);
    }
    let url = h.url("/ims/ob/v3p0/credentials");
    let started = Instant::now();
    let tasks: Vec<_> = tokens
        .iter()
        .enumerate()
        .map(|(k, token)| {
            let (url, token) = (url.clone(), token.clone());
            tokio::spawn(async move {
                // Each client has its own connections, as 64 separate clients would.
                let http = reqwest::Client::builder().no_proxy().build().expect("client");
                let mut created = 0usize;
                for n in (k..CREDENTIALS).step_by(CLIENTS) {
                    let day = n % 28 + 1;
                    let body = vc(
                        "https://issuer.example",
                        &credential_id(n),
                        &format!("2024-02-{day:02}T00:00:00Z"),
                    );
                    let r = http
                        .post(&url)
                        .bearer_auth(&token)
                        .json(&body)
                        .send()
                        .await
                        .expect("upsert");
                    assert_eq!(r.status(), StatusCode::CREATED, "credential {n}");
                    created += 1;
                }
                // Sending the first one again updates it.
                let body = vc("https://issuer.example", &credential_id(k), "2024-03-01T00:00:00Z");
                let r = http
                    .post(&url)
                    .bearer_auth(&token)
                    .json(&body)
                    .send()
                    .await
                    .expect("upsert again");
                assert_eq!(r.status(), StatusCode::OK, "re-sent credential {k} is an update");
                created
            })
        })
        .collect();
    let mut created = 0;
    for t in tasks {
        created += t.await.expect("client task");
    }
    assert_eq!(created, CREDENTIALS);
    println!(
        "{CREDENTIALS} upserts (+{CLIENTS} updates) by {CLIENTS} concurrent clients in {:.2?}",
        started.elapsed()
    );

    let walked = Instant::now();
    for (u, name) in USERS.iter().enumerate() {
        let token = &tokens[u];
        let expected: BTreeSet<String> = (u..CREDENTIALS).step_by(USERS.len()).map(credential_id).collect();
        let mut seen: Vec<String> = Vec::new();
        let mut next = Some(format!("{url}?limit={PAGE}"));
        let mut pages = 0;
        while let Some(page) = next.take() {
            let r = h.http.get(&page).bearer_auth(token).send().await.expect("page");
            assert_eq!(r.status(), StatusCode::OK);
            assert_eq!(
                total(&r),
                expected.len() as u64,
                "{name}: X-Total-Count on page {pages}"
            );
            next = links(&r).get("next").cloned();
            let body: Value = r.json().await.expect("json");
            let items = body["credential"].as_array().expect("credential array");
            assert!(items.len() <= PAGE);
            seen.extend(items.iter().map(|c| c["id"].as_str().unwrap_or_default().to_string()));
            pages += 1;
            assert!(pages <= expected.len() / PAGE + 1, "{name}: paging terminates");
        }
        let distinct: BTreeSet<String> = seen.iter().cloned().collect();
        assert_eq!(seen.len(), expected.len(), "{name}: items, no duplicates");
        assert_eq!(distinct, expected, "{name}: exactly the credentials sent for this user");
    }
    println!("walked {} users' pages in {:.2?}", USERS.len(), walked.elapsed());
    h.running.shutdown().await.expect("stops");
}
