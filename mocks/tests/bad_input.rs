//! Hostile input to the mocks: path traversal in ids, malformed and oversized bodies. Each server answers with its
//! protocol's error response (a 4xx, JSON where the protocol has a JSON error), never a file outside its data, never
//! a panic (a panicking handler would drop the connection and fail the request here).

use clr_mocks::faults::Faults;
use clr_mocks::{badgehost, case, ecosystem, issuer, server};

/// Ids that try to climb out of their collection, raw and percent-encoded.
const TRAVERSALS: [&str; 5] = [
    "..%2F..%2F..%2Fetc%2Fpasswd",
    "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "..%5C..%5Cwindows%5Cwin.ini",
    "%00",
    "....%2F%2F....%2F%2Fetc%2Fpasswd",
];

async fn get(url: &str) -> (u16, String) {
    let r = reqwest::get(url)
        .await
        .expect("an HTTP answer, not a dropped connection");
    let status = r.status().as_u16();
    (status, r.text().await.unwrap_or_default())
}

fn assert_refused(url: &str, status: u16, body: &str) {
    assert!((400..500).contains(&status), "{url} answered {status}: {body}");
    assert!(!body.contains("root:"), "{url} leaked a system file");
}

#[tokio::test]
async fn traversal_in_ids_is_a_client_error_everywhere() {
    let case = server::spawn(case::router(case::Framework::seeded(3)), 0)
        .await
        .expect("case");
    let (issuer, _) = issuer::spawn(3).await.expect("issuer");
    let (host, _) = badgehost::spawn(3).await.expect("badge host");
    let eco = ecosystem::Ecosystem::start_with(3, Faults::none(), false)
        .await
        .expect("provider");
    let templates = [
        format!("{}/ims/case/v1p0/CFItems/{{}}", case.base_url),
        format!("{}/ims/case/v1p0/CFPackages/{{}}", case.base_url),
        format!("{}/uri/{{}}", case.base_url),
        format!("{}/credentials/{{}}", issuer.base_url),
        format!("{}/refresh/{{}}", issuer.base_url),
        format!("{}/assertions/{{}}", host.base_url),
        format!("{}/images/{{}}", host.base_url),
        format!("{}/ims/ob/v3p0/credentials/{{}}", eco.provider.base_url),
    ];
    for t in &templates {
        for id in TRAVERSALS {
            let url = t.replace("{}", id);
            let (status, body) = get(&url).await;
            assert_refused(&url, status, &body);
        }
    }
    // JSON protocols answer in JSON: CASE with imsx_StatusInfo, the issuer with its JSON error.
    let (_, body) = get(&format!("{}/ims/case/v1p0/CFItems/{}", case.base_url, TRAVERSALS[0])).await;
    assert!(body.contains("imsx_codeMajor"), "{body}");
    let (_, body) = get(&format!("{}/credentials/{}", issuer.base_url, TRAVERSALS[0])).await;
    assert!(serde_json::from_str::<serde_json::Value>(&body).is_ok(), "{body}");
    eco.shutdown().await;
}

#[tokio::test]
async fn malformed_and_oversized_bodies_get_oauth_errors() {
    let eco = ecosystem::Ecosystem::start_with(4, Faults::none(), false)
        .await
        .expect("provider");
    let base = &eco.provider.base_url;
    let client = reqwest::Client::new();
    let ten_mb = vec![b'{'; 10 * 1024 * 1024];
    for (path, ct, body) in [
        ("/oauth/register", "application/json", b"{not json".to_vec()),
        ("/oauth/register", "application/json", ten_mb.clone()),
        ("/oauth/token", "application/x-www-form-urlencoded", ten_mb.clone()),
        (
            "/oauth/token",
            "application/x-www-form-urlencoded",
            b"grant_type=password&username=a".to_vec(),
        ),
        ("/oauth/revoke", "application/x-www-form-urlencoded", b"%%%".to_vec()),
    ] {
        let r = client
            .post(format!("{base}{path}"))
            .header("content-type", ct)
            .body(body)
            .send()
            .await
            .expect("an HTTP answer");
        let status = r.status().as_u16();
        let text = r.text().await.unwrap_or_default();
        assert!((400..500).contains(&status), "{path} answered {status}: {text}");
        let json: serde_json::Value =
            serde_json::from_str(&text).unwrap_or_else(|_| panic!("{path}: not JSON: {text}"));
        assert!(json["error"].is_string(), "{path}: an RFC 6749 error body: {text}");
    }
    eco.shutdown().await;
}
