//! Status and refresh against real HTTP servers on loopback: a revoked credential fails OB30-VER-002, a listed
//! `revoked: false` and an unlisted one pass, a bitstring bit set fails, a fetch the policy forbids is a Skip, an
//! unreachable list a warning; a refresh service's verifiable answer is noted, a broken one reported.

mod common;

use std::io::Write;

use clr_harness::catalogue::Selection;
use clr_harness::engine::{self, Input, Options};
use clr_harness::fetch::FetchPolicy;
use clr_harness::proof::{di, multikey};
use clr_harness::verify::{Env, Net};
use clr_reports::{Outcome, Subject};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SEED: [u8; 32] = [7; 32];
const CREDENTIAL_ID: &str = "urn:uuid:0f3e6c1a-7b2d-4e59-8a61-3c9d2b7e4f10";

fn public_key() -> [u8; 32] {
    ed25519_dalek::SigningKey::from_bytes(&SEED).verifying_key().to_bytes()
}

/// A valid OB 3.0 credential with the given extra properties, signed so that refresh (which needs a valid proof)
/// is attempted.
fn signed(extra: Value) -> Value {
    let issuer = "https://registrar.example.edu/issuers/1";
    let doc = common::ob_credential(CREDENTIAL_ID, issuer, extra);
    let vm = format!("{issuer}#{}", multikey::encode_ed25519_public(&public_key()));
    di::sign(&doc, &SEED, &vm, "2025-01-15T00:00:00Z").expect("signs")
}

fn run(doc: &Value, policy: FetchPolicy) -> Vec<Subject> {
    let net = Net::new(policy).expect("runtime");
    let input = Input {
        source: "test.json".into(),
        bytes: Ok(serde_json::to_vec(doc).expect("json")),
    };
    let opts = Options {
        selection: Selection {
            only: vec!["OB30-VER-*".into(), "OB30-PRF-005".into()],
            skip: vec![],
        },
        env: Env::at("2025-12-01T00:00:00Z").expect("time"),
        net: Some(&net),
        ..Options::default()
    };
    engine::check_inputs(&[input], &opts)
}

fn outcome(subjects: &[Subject], check: &str) -> (Outcome, String) {
    let r = subjects[0]
        .results
        .iter()
        .find(|r| r.check == check)
        .expect("check ran");
    let text = r
        .findings
        .iter()
        .map(|f| f.message.clone())
        .chain(r.note.clone())
        .collect::<Vec<_>>()
        .join(" | ");
    (r.outcome, text)
}

/// Runs a blocking engine call off the async test runtime.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f).await.expect("join")
}

async fn server_with(route: &str, body: Value) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(route))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn revocation_list_verdicts() {
    let cases = [
        (
            json!({"revokedCredential": [{"id": CREDENTIAL_ID, "revocationReason": "issued in error"}]}),
            Outcome::Fail,
        ),
        (
            json!({"revokedCredential": [{"id": CREDENTIAL_ID, "revoked": false}]}),
            Outcome::Pass,
        ),
        (
            json!({"revokedCredential": [{"id": "urn:uuid:someone-else"}]}),
            Outcome::Pass,
        ),
        (json!({"something": "else"}), Outcome::Warn),
    ];
    for (list, want) in cases {
        let server = server_with("/status", list.clone()).await;
        let doc = signed(
            json!({"credentialStatus": {"id": format!("{}/status", server.uri()), "type": "1EdTechRevocationList"}}),
        );
        let policy = FetchPolicy::allowing(&server.uri());
        let subjects = blocking(move || run(&doc, policy)).await;
        let (got, text) = outcome(&subjects, "OB30-VER-002");
        assert_eq!(got, want, "{list}: {text}");
        if want == Outcome::Fail {
            assert!(text.contains("revoked"), "{text}");
            let r = subjects[0].results.iter().find(|r| r.check == "OB30-VER-002").unwrap();
            assert!(
                !r.findings[0].exchanges.is_empty(),
                "the exchange behind the verdict is attached"
            );
        }
    }
}

#[tokio::test]
async fn a_fetch_the_policy_forbids_is_a_skip_and_an_unreachable_list_a_warning() {
    let server = server_with("/status", json!({"revokedCredential": []})).await;
    let doc = signed(
        json!({"credentialStatus": {"id": format!("{}/status", server.uri()), "type": "1EdTechRevocationList"}}),
    );
    let d = doc.clone();
    let subjects = blocking(move || run(&d, FetchPolicy::default())).await;
    let (got, text) = outcome(&subjects, "OB30-VER-002");
    assert_eq!(got, Outcome::Skip, "{text}");
    assert!(text.contains("not fetched"), "{text}");

    // A port nobody listens on (wiremock pools its servers, so dropping one does not close it).
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port");
    let uri = format!("http://{closed}");
    let doc = signed(json!({"credentialStatus": {"id": format!("{uri}/status"), "type": "1EdTechRevocationList"}}));
    let policy = FetchPolicy {
        total_timeout: std::time::Duration::from_secs(2),
        ..FetchPolicy::allowing(&uri)
    };
    let subjects = blocking(move || run(&doc, policy)).await;
    assert_eq!(outcome(&subjects, "OB30-VER-002").0, Outcome::Warn);
}

fn bitstring_credential(set_bit: Option<usize>) -> Value {
    let mut bits = vec![0u8; 16 * 1024];
    if let Some(i) = set_bit {
        bits[i / 8] |= 0x80 >> (i % 8);
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&bits).unwrap();
    use base64::Engine;
    let encoded = format!(
        "u{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(gz.finish().unwrap())
    );
    json!({"type": ["VerifiableCredential", "BitstringStatusListCredential"], "credentialSubject": {"type": "BitstringStatusList", "statusPurpose": "revocation", "encodedList": encoded}})
}

#[tokio::test]
async fn bitstring_status_list_bit_decides() {
    for (bit, want) in [
        (Some(94567), Outcome::Fail),
        (Some(3), Outcome::Pass),
        (None, Outcome::Pass),
    ] {
        let server = server_with("/lists/3", bitstring_credential(bit)).await;
        let doc = signed(json!({"credentialStatus": {
            "id": format!("{}/lists/3#94567", server.uri()),
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": "94567",
            "statusListCredential": format!("{}/lists/3", server.uri())
        }}));
        let policy = FetchPolicy::allowing(&server.uri());
        let subjects = blocking(move || run(&doc, policy)).await;
        let (got, text) = outcome(&subjects, "OB30-VER-002");
        assert_eq!(got, want, "bit {bit:?}: {text}");
    }
}

#[tokio::test]
async fn refresh_follows_a_valid_proof_and_reports_what_came_back() {
    let server = MockServer::start().await;
    let refreshed = signed(json!({"validFrom": "2025-06-01T00:00:00Z"}));
    Mock::given(method("GET"))
        .and(path("/refresh"))
        .respond_with(ResponseTemplate::new(200).set_body_json(refreshed))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/broken"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>oops</html>"))
        .mount(&server)
        .await;
    for (route, want, says) in [
        ("/refresh", Outcome::Info, "verifies"),
        ("/broken", Outcome::Info, "not a verifiable credential"),
    ] {
        let doc = signed(
            json!({"refreshService": {"id": format!("{}{route}", server.uri()), "type": "1EdTechCredentialRefresh"}}),
        );
        let policy = FetchPolicy::allowing(&server.uri());
        let subjects = blocking(move || run(&doc, policy)).await;
        let (got, text) = outcome(&subjects, "OB30-VER-001");
        assert_eq!(got, want, "{route}: {text}");
        assert!(text.contains(says), "{route}: {text}");
        assert_eq!(
            outcome(&subjects, "OB30-PRF-005").0,
            Outcome::Pass,
            "the original proof is valid"
        );
    }
    let requests = server.received_requests().await.unwrap_or_default();
    assert_eq!(requests.len(), 2, "one refresh request per credential, never more");
}

#[tokio::test]
async fn refresh_is_not_attempted_without_a_valid_proof() {
    let server = MockServer::start().await;
    let mut doc = signed(
        json!({"refreshService": {"id": format!("{}/refresh", server.uri()), "type": "1EdTechCredentialRefresh"}}),
    );
    doc["name"] = json!("Statistics II");
    let policy = FetchPolicy::allowing(&server.uri());
    let subjects = blocking(move || run(&doc, policy)).await;
    assert_eq!(outcome(&subjects, "OB30-VER-001").0, Outcome::NotApplicable);
    assert_eq!(
        outcome(&subjects, "OB30-PRF-005").0,
        Outcome::Fail,
        "the tampered proof fails"
    );
    assert!(
        server.received_requests().await.unwrap_or_default().is_empty(),
        "nothing was fetched"
    );
}

/// The gather phase fetches only for the checks the run selected: without OB30-VER-002 the status list is never
/// asked for, and nothing is recorded.
#[tokio::test]
async fn a_check_that_is_not_selected_fetches_nothing() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/status"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"revokedCredential": []})))
        .expect(0)
        .mount(&server)
        .await;
    let doc = signed(
        json!({"credentialStatus": {"id": format!("{}/status", server.uri()), "type": "1EdTechRevocationList"}}),
    );
    let policy = FetchPolicy::allowing(&server.uri());
    let exchanges = blocking(move || {
        let net = Net::new(policy).expect("runtime");
        let input = Input {
            source: "test.json".into(),
            bytes: Ok(serde_json::to_vec(&doc).expect("json")),
        };
        let opts = Options {
            selection: Selection {
                only: vec!["OB30-VER-*".into()],
                skip: vec!["OB30-VER-002".into()],
            },
            env: Env::at("2025-12-01T00:00:00Z").expect("time"),
            net: Some(&net),
            ..Options::default()
        };
        let subjects = engine::check_inputs(&[input], &opts);
        assert!(subjects[0].results.iter().all(|r| r.check != "OB30-VER-002"));
        net.exchanges()
    })
    .await;
    assert!(exchanges.iter().all(|e| !e.url.ends_with("/status")), "{exchanges:?}");
    server.verify().await;
}
