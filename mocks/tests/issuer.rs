//! The mock issuer verified by the harness engine over loopback: every valid credential (JSON, VC-JWT, baked PNG
//! and SVG) passes with no Fail, the revoked ones fail OB30-VER-002, and the key documents resolve. Served over
//! HTTPS, its credentials verify when the harness trusts the generated CA, and end in a clear TLS error when not.

use clr_harness::engine::{self, Input, Options};
use clr_harness::fetch::FetchPolicy;
use clr_harness::verify::{Env, Net};
use clr_mocks::tls::MockCa;
use clr_mocks::{case, issuer, server};
use clr_reports::{Outcome, Subject};

async fn fetch(url: String) -> Vec<u8> {
    let r = reqwest::get(&url).await.expect("request");
    assert_eq!(r.status().as_u16(), 200, "{url}");
    r.bytes().await.expect("body").to_vec()
}

fn run(name: String, bytes: Vec<u8>, issuer_base: String, case_base: String) -> Vec<Subject> {
    let mut policy = FetchPolicy::allowing(&issuer_base);
    policy.allow_host_of(&case_base);
    let net = Net::new(policy).expect("runtime");
    let opts = Options {
        env: Env::at("2025-12-01T00:00:00Z").expect("time"),
        net: Some(&net),
        ..Options::default()
    };
    engine::check_inputs(
        &[Input {
            source: name,
            bytes: Ok(bytes),
        }],
        &opts,
    )
}

fn fails(subjects: &[Subject]) -> Vec<String> {
    subjects
        .iter()
        .flat_map(|s| &s.results)
        .filter(|r| r.outcome == Outcome::Fail)
        .map(|r| {
            format!(
                "{}: {:?}",
                r.check,
                r.findings.iter().map(|f| &f.message).collect::<Vec<_>>()
            )
        })
        .collect()
}

#[tokio::test]
async fn every_credential_verifies_and_revoked_ones_fail() {
    let case_server = server::spawn(case::router(case::Framework::seeded(9)), 0)
        .await
        .expect("case");
    let (running, iss) = issuer::spawn_with_case(9, Some(&case_server.base_url))
        .await
        .expect("issuer");
    let mut forms: Vec<String> = Vec::new();
    for slug in iss.credentials.keys() {
        forms.push(slug.clone());
        if !issuer::REVOKED.contains(&slug.as_str()) {
            forms.push(format!("{slug}.png"));
            forms.push(format!("{slug}.svg"));
        }
    }
    forms.extend(iss.jwts.keys().map(|s| format!("{s}.jwt")));
    for form in forms {
        let bytes = fetch(format!("{}/credentials/{form}", iss.base_url)).await;
        let (b, c) = (iss.base_url.clone(), case_server.base_url.clone());
        let name = form.clone();
        let subjects = tokio::task::spawn_blocking(move || run(name, bytes, b, c))
            .await
            .expect("join");
        let failed = fails(&subjects);
        let slug = form.split('.').next().unwrap_or_default();
        if issuer::REVOKED.contains(&slug) {
            assert!(
                failed.iter().any(|f| f.starts_with("OB30-VER-002")),
                "{form}: {failed:?}"
            );
        } else {
            assert!(failed.is_empty(), "{form}: {failed:#?}");
        }
    }
    for path in [
        "/.well-known/jwks.json",
        "/.well-known/did.json",
        "/issuers/university",
        "/issuers/university/keys/1",
    ] {
        let doc: serde_json::Value =
            serde_json::from_slice(&fetch(format!("{}{path}", iss.base_url)).await).expect("json");
        assert!(doc.get("keys").or(doc.get("id")).is_some(), "{path}");
    }
    running.shutdown().await.expect("stops");
    case_server.shutdown().await.expect("stops");
}

/// Runs the engine on one input with `policy`; the outcomes and messages of every result.
fn run_with(policy: FetchPolicy, name: &str, bytes: Vec<u8>) -> Vec<(String, Outcome, Vec<String>)> {
    let net = Net::new(policy).expect("runtime");
    let opts = Options {
        env: Env::at("2025-12-01T00:00:00Z").expect("time"),
        net: Some(&net),
        ..Options::default()
    };
    let input = Input {
        source: name.into(),
        bytes: Ok(bytes),
    };
    engine::check_inputs(&[input], &opts)
        .iter()
        .flat_map(|s| &s.results)
        .map(|r| {
            let messages = r.findings.iter().map(|f| f.message.clone()).collect();
            (r.check.clone(), r.outcome, messages)
        })
        .collect()
}

#[tokio::test]
async fn over_https_the_harness_verifies_with_the_generated_ca_and_reports_a_tls_error_without_it() {
    let ca = MockCa::generate().expect("CA");
    let listener = server::bind(0).await.expect("binds");
    let (running, iss) = issuer::spawn_on(listener, 9, None, Some(&ca)).await.expect("issuer");
    assert!(iss.base_url.starts_with("https://127.0.0.1:"), "{}", iss.base_url);
    assert!(iss.issuer_id.starts_with("https://"));
    let http = reqwest::Client::builder()
        .no_proxy()
        .tls_certs_merge([reqwest::Certificate::from_pem(ca.ca_pem().as_bytes()).expect("PEM")])
        .build()
        .expect("client");
    // The VC-JWT's key is in the issuer's JWKS; the JSON credential's revocation list is on the issuer too: both
    // are fetched over HTTPS during verification.
    for form in ["course-machine-learning.jwt", "course-statistics"] {
        let bytes = http
            .get(format!("{}/credentials/{form}", iss.base_url))
            .send()
            .await
            .expect("get")
            .bytes()
            .await
            .expect("body")
            .to_vec();

        let mut trusting = FetchPolicy::allowing(&iss.base_url);
        trusting.trust_pem(ca.ca_pem()).expect("a PEM certificate");
        let b = bytes.clone();
        let results = tokio::task::spawn_blocking(move || run_with(trusting, form, b))
            .await
            .expect("join");
        let bad: Vec<_> = results
            .iter()
            .filter(|(_, o, _)| matches!(o, Outcome::Fail | Outcome::Error | Outcome::Warn))
            .collect();
        assert!(bad.is_empty(), "{form} with the CA: {bad:#?}");

        let untrusting = FetchPolicy::allowing(&iss.base_url);
        let results = tokio::task::spawn_blocking(move || run_with(untrusting, form, bytes))
            .await
            .expect("join");
        let tls: Vec<_> = results
            .iter()
            .filter(|(_, o, _)| matches!(o, Outcome::Error | Outcome::Warn | Outcome::Fail))
            .flat_map(|(_, _, m)| m)
            .filter(|m| m.contains("TLS handshake failed") && m.contains("certificate") && m.contains("--ca-cert"))
            .collect();
        assert!(!tls.is_empty(), "{form} without the CA: {results:#?}");
    }
    let mut policy = FetchPolicy::default();
    assert!(policy.trust_pem("not a certificate").is_err());
    assert!(policy.extra_roots_pem.is_empty());
    running.shutdown().await.expect("stops");
}

#[tokio::test]
async fn unknown_credentials_and_paths_are_json_404s() {
    let (running, iss) = issuer::spawn(9).await.expect("issuer");
    for path in [
        "/credentials/no-such-slug",
        "/credentials/course-statistics.gif",
        "/credentials/course-statistics.jwt",
        "/refresh/no-such-slug",
        "/nothing/here",
    ] {
        let r = reqwest::get(format!("{}{path}", iss.base_url)).await.expect("get");
        assert_eq!(r.status().as_u16(), 404, "{path}");
        let content_type = r.headers()["content-type"].to_str().expect("ascii").to_string();
        assert_eq!(content_type, "application/json", "{path}");
        let body: serde_json::Value = r.json().await.expect("a JSON body");
        assert_eq!(body["imsx_codeMajor"], "failure", "{path}");
        assert_eq!(
            body["imsx_codeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"], "unknownobject",
            "{path}"
        );
    }
    running.shutdown().await.expect("stops");
}
