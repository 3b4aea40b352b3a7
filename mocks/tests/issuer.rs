//! The mock issuer verified by the harness engine over loopback: every valid credential (JSON, VC-JWT, baked PNG
//! and SVG) passes with no Fail, the revoked ones fail OB30-VER-002, and the key documents resolve.

use clr_harness::engine::{self, Input, Options};
use clr_harness::fetch::FetchPolicy;
use clr_harness::verify::{Env, Net};
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
