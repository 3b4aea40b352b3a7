//! No pass without evidence: a forged VC-JWT and a forged Data Integrity credential whose keys sit behind URLs, and
//! a revoked credential whose status list does, are *unverified* (exit code 5) when fetching is off — never a pass
//! and exit 0 — and fail (exit code 1) once the harness may fetch what they name. Key provenance is never a pass
//! without a resolved key. An OB 2.0 badge or CLR 1.0 record is verified against its issuer as hosted at the issuer's
//! own id, never against what the document says about its issuer, and a hosted badge is the copy its issuer hosts.

mod common;

use std::time::Instant;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use clr_harness::engine::{self, Input, Options};
use clr_harness::exit;
use clr_harness::fetch::FetchPolicy;
use clr_harness::proof::{di, jwt, keyfile, multikey};
use clr_harness::verify::{Env, Net};
use clr_reports::{Outcome, RunOptions, Subject};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SEED: [u8; 32] = [9; 32];
const CREDENTIAL_ID: &str = "urn:uuid:5d0c6f7e-1a2b-4c3d-8e9f-0a1b2c3d4e5f";
const TEST_RSA_KEY: &str = include_str!("../../vectors/keys/test-rsa-2048.private.jwk.json");

fn credential(issuer: &str, extra: Value) -> Value {
    common::ob_credential(CREDENTIAL_ID, issuer, extra)
}

/// The exit code and the document's subject of a run over `bytes` under `policy`.
fn verdict(bytes: Vec<u8>, policy: FetchPolicy, allow_unverified: bool) -> (i32, Subject) {
    let net = Net::new(policy).expect("runtime");
    let input = Input {
        source: "forged".into(),
        bytes: Ok(bytes),
    };
    let opts = Options {
        env: Env::at("2025-12-01T00:00:00Z").expect("time"),
        net: Some(&net),
        ..Options::default()
    };
    let subjects = engine::check_inputs(&[input], &opts);
    let options = RunOptions {
        allow_unverified,
        ..RunOptions::default()
    };
    let first = subjects[0].clone();
    let run = engine::build_run(subjects, options, vec![], String::new(), Instant::now(), vec![]);
    (run.summary.exit_code, first)
}

fn outcome_of(s: &Subject, check: &str) -> Outcome {
    s.results
        .iter()
        .find(|r| r.check == check)
        .map_or(Outcome::NotApplicable, |r| r.outcome)
}

/// Fetching off: unverified (exit 5, the subject a skip with the reason, `--allow-unverified` exit 0); fetching the
/// server allowed: `failing` fails and the run exits 1.
async fn unverified_then_failed(bytes: Vec<u8>, server: &MockServer, failing: &'static str) {
    let b = bytes.clone();
    let (code, subject) = blocking(move || verdict(b, FetchPolicy::default(), false)).await;
    assert_eq!(code, exit::UNVERIFIED, "{subject:#?}");
    assert!(
        matches!(subject.outcome, Outcome::Skip | Outcome::Warn),
        "never a pass: {:?}",
        subject.outcome
    );
    let why = subject.unverified.clone().unwrap_or_default();
    assert!(why.contains("allowed"), "the reason names the fetch policy: {why}");
    let b = bytes.clone();
    let (code, _) = blocking(move || verdict(b, FetchPolicy::default(), true)).await;
    assert_eq!(code, exit::OK, "--allow-unverified accepts a shape-only verdict");
    let policy = FetchPolicy::allowing(&server.uri());
    let (code, subject) = blocking(move || verdict(bytes, policy, false)).await;
    assert_eq!(outcome_of(&subject, failing), Outcome::Fail, "{subject:#?}");
    assert_eq!(code, exit::FAILED);
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f).await.expect("join")
}

async fn serving(route: &str, body: Value) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(route))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn a_forged_vc_jwt_with_its_key_behind_a_url_is_never_a_pass() {
    let key_file: Value = serde_json::from_str(TEST_RSA_KEY).expect("the test key parses");
    let mut public = keyfile::public_jwk(&key_file);
    public["kid"] = "key-1".into();
    let server = serving("/.well-known/jwks.json", json!({"keys": [public]})).await;
    let issuer = format!("{}/issuer", server.uri());
    let key = keyfile::signing_key(&key_file).expect("a signing key");
    let jws = jwt::sign_vc_jwt_with(&credential(&issuer, json!({})), &key, Some("key-1"), false).expect("signs");
    // Edit the payload after signing, keeping the signature.
    let parts: Vec<&str> = jws.split('.').collect();
    let mut payload: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).expect("base64")).expect("json");
    payload["name"] = "Statistics II".into();
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&payload).expect("json")),
        parts[2]
    );
    let b = forged.clone().into_bytes();
    let (_, subject) = blocking(move || verdict(b, FetchPolicy::default(), false)).await;
    assert_eq!(
        outcome_of(&subject, "OB30-JWT-007"),
        Outcome::Skip,
        "key provenance is not a pass without a key"
    );
    unverified_then_failed(forged.into_bytes(), &server, "OB30-JWT-006").await;
}

#[tokio::test]
async fn a_forged_data_integrity_credential_with_a_remote_key_is_never_a_pass() {
    let public = ed25519_dalek::SigningKey::from_bytes(&SEED).verifying_key().to_bytes();
    let server = MockServer::start().await;
    let issuer = format!("{}/issuer", server.uri());
    let vm = format!("{}/keys/1", server.uri());
    Mock::given(method("GET"))
        .and(path("/keys/1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "@context": ["https://w3id.org/security/multikey/v1"],
            "id": vm,
            "type": "Multikey",
            "controller": issuer,
            "publicKeyMultibase": multikey::encode_ed25519_public(&public),
        })))
        .mount(&server)
        .await;
    let mut signed = di::sign(&credential(&issuer, json!({})), &SEED, &vm, "2025-01-15T00:00:00Z").expect("signs");
    signed["name"] = "Statistics II".into();
    let bytes = serde_json::to_vec(&signed).expect("json");
    let b = bytes.clone();
    let (_, subject) = blocking(move || verdict(b, FetchPolicy::default(), false)).await;
    assert_eq!(
        outcome_of(&subject, "OB30-PRF-006"),
        Outcome::Skip,
        "key provenance is not a pass without a key"
    );
    unverified_then_failed(bytes, &server, "OB30-PRF-005").await;
}

#[tokio::test]
async fn a_revoked_credential_with_a_remote_status_list_is_never_a_pass() {
    let server = serving(
        "/status",
        json!({"revokedCredential": [{"id": CREDENTIAL_ID, "revocationReason": "issued in error"}]}),
    )
    .await;
    // The key is offline (in the verification method's fragment); only the status list is remote.
    let issuer = "https://registrar.example.edu/issuers/1";
    let public = ed25519_dalek::SigningKey::from_bytes(&SEED).verifying_key().to_bytes();
    let vm = format!("{issuer}#{}", multikey::encode_ed25519_public(&public));
    let doc = credential(
        issuer,
        json!({"credentialStatus": {"id": format!("{}/status", server.uri()), "type": "1EdTechRevocationList"}}),
    );
    let signed = di::sign(&doc, &SEED, &vm, "2025-01-15T00:00:00Z").expect("signs");
    unverified_then_failed(serde_json::to_vec(&signed).expect("json"), &server, "OB30-VER-002").await;
}

/// Past the run's deadline nothing more is verified: the credential's proof checks are skips with the reason and the
/// credential is unverified — the run's budget bounds verification too, and never turns into passes.
#[tokio::test]
async fn past_the_run_deadline_credentials_are_unverified() {
    let issuer = "https://registrar.example.edu/issuers/1";
    let public = ed25519_dalek::SigningKey::from_bytes(&SEED).verifying_key().to_bytes();
    let vm = format!("{issuer}#{}", multikey::encode_ed25519_public(&public));
    let signed = di::sign(&credential(issuer, json!({})), &SEED, &vm, "2025-01-15T00:00:00Z").expect("signs");
    let bytes = serde_json::to_vec(&signed).expect("json");
    let subject = blocking(move || {
        let net = Net::new(FetchPolicy::default()).expect("runtime");
        let opts = Options {
            env: Env::at("2025-12-01T00:00:00Z").expect("time"),
            net: Some(&net),
            budget: clr_harness::jsonld::canon::Budget {
                until: Some(Instant::now()),
                ..Default::default()
            },
            ..Options::default()
        };
        let input = Input {
            source: "late".into(),
            bytes: Ok(bytes),
        };
        engine::check_inputs(&[input], &opts).remove(0)
    })
    .await;
    assert_eq!(outcome_of(&subject, "OB30-PRF-005"), Outcome::Skip);
    assert!(
        subject
            .unverified
            .as_deref()
            .is_some_and(|u| u.contains("time budget ran out")),
        "{:?}",
        subject.unverified
    );
}

// ---------------------------------------------------------------------------------------------------------------
// Open Badges 2.0 and CLR 1.0: keys, hosting policy and status come from where the issuer is hosted, never from the
// document itself.

fn rsa_key() -> keyfile::JwtSigningKey {
    keyfile::signing_key(&serde_json::from_str(TEST_RSA_KEY).expect("key JSON")).expect("the RSA test key")
}

/// A signed OB 2.0 assertion whose issuer is embedded under a urn:uuid id and embeds the very key that signed it:
/// everything checks out against the document's own claims, and nothing against a hosted issuer.
#[test]
fn a_signed_ob2_badge_vouching_for_its_own_key_is_never_a_pass() {
    let key = rsa_key();
    let pem = clr_harness::ob2::sign::public_key_pem(key.public_key()).expect("rsa");
    let key_id = "urn:uuid:0a0b0c0d-0e0f-4a1b-8c2d-3e4f5a6b7c8d";
    let issuer = json!({"id": "urn:uuid:1b2c3d4e-5f60-4718-9a2b-3c4d5e6f7a8b", "type": "Issuer", "name": "Self-made",
        "url": "https://self.example.org/", "email": "me@self.example.org",
        "publicKey": [{"id": key_id, "owner": "urn:uuid:1b2c3d4e-5f60-4718-9a2b-3c4d5e6f7a8b", "publicKeyPem": pem}]});
    let assertion = json!({
        "@context": "https://w3id.org/openbadges/v2", "type": "Assertion",
        "id": "urn:uuid:2c3d4e5f-6071-4829-8b3c-4d5e6f7a8b9c",
        "recipient": {"type": "email", "hashed": false, "identity": "someone@example.org"},
        "badge": {"id": "urn:uuid:3d4e5f60-7182-4930-9c4d-5e6f7a8b9cad", "type": "BadgeClass", "name": "Anything",
            "description": "Whatever I say.", "image": "data:image/png;base64,iVBORw0KGgo=",
            "criteria": {"narrative": "None."}, "issuer": issuer},
        "verification": {"type": "SignedBadge", "creator": key_id},
        "issuedOn": "2025-01-01T00:00:00Z",
    });
    let jws = clr_harness::ob2::sign::sign(&assertion, &key).expect("signs");
    let (code, subject) = verdict(jws.into_bytes(), FetchPolicy::default(), false);
    assert_eq!(code, exit::UNVERIFIED, "{subject:#?}");
    assert_ne!(subject.outcome, Outcome::Pass);
    for check in ["OB20-VER-003", "OB20-VER-004", "OB20-VER-006"] {
        assert_eq!(outcome_of(&subject, check), Outcome::Skip, "{check}: {subject:#?}");
    }
}

/// A hosted OB 2.0 assertion given with claims its hosted copy does not make (another expiry, say) fails: the
/// hosted copy is the one that counts.
#[test]
fn a_hosted_ob2_badge_whose_copy_differs_from_the_hosted_one_fails() {
    let site = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../vectors/fixed/ob20/site");
    let served: Value =
        serde_json::from_str(&std::fs::read_to_string(site.join("assertions/hosted-ok.json")).expect("served copy"))
            .expect("JSON");
    let mut given = served.clone();
    given["expires"] = "2099-01-01T00:00:00Z".into();
    let mut policy = FetchPolicy::default();
    policy.url_map.add("https://badges.example.org", &site);
    let (code, subject) = verdict(given.to_string().into_bytes(), policy.clone(), false);
    assert_eq!(code, exit::FAILED, "{subject:#?}");
    assert_eq!(outcome_of(&subject, "OB20-VER-001"), Outcome::Fail);
    let (code, _) = verdict(served.to_string().into_bytes(), policy, false);
    assert_eq!(code, exit::OK, "the hosted copy itself verifies");
}

/// A signed CLR 1.0 record whose publisher is not hosted at an http(s) id: its key's owner cannot be established,
/// so the record is unverified however well its signature checks out.
#[test]
fn a_signed_clr1_record_of_an_unhosted_publisher_is_never_a_pass() {
    let key = rsa_key();
    let site = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../vectors/fixed/clr10");
    let mut clr: Value =
        serde_json::from_str(&std::fs::read_to_string(site.join("ok/transcript-ok.json")).expect("transcript"))
            .expect("JSON");
    clr["publisher"]["id"] = "urn:uuid:4e5f6071-8293-4a41-8d5e-6f7a8b9cadbe".into();
    clr["verification"] = json!({"type": "Signed", "creator": "https://registrar.example.edu/keys/1"});
    let jws = clr_harness::ob2::sign::sign(&clr, &key).expect("signs");
    let mut policy = FetchPolicy::default();
    policy.url_map.add("https://registrar.example.edu", site.join("site"));
    let (code, subject) = verdict(jws.into_bytes(), policy, false);
    assert_eq!(code, exit::UNVERIFIED, "{subject:#?}");
    assert_eq!(
        outcome_of(&subject, "CLR10-VER-003"),
        Outcome::Pass,
        "the signature itself verifies"
    );
    assert_eq!(outcome_of(&subject, "CLR10-VER-004"), Outcome::Skip);
}

/// An extension node claiming a published extension with no requirements and an unknown one is not validated by
/// the first: the unknown extension leaves the check a skip, never a pass.
#[test]
fn an_unknown_ob2_extension_is_never_validated_by_a_known_one() {
    let site = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../vectors/fixed/ob20");
    let mut doc: Value =
        serde_json::from_str(&std::fs::read_to_string(site.join("ok/assertion-embedded-ok.json")).expect("vector"))
            .expect("JSON");
    doc["badge"]["extensions:Mixed"] = json!({
        "@context": "https://example.org/extensions/mixed/context.json",
        "type": ["Extension", "extensions:RecipientProfile", "extensions:Unpublished"],
    });
    let (_, subject) = verdict(doc.to_string().into_bytes(), FetchPolicy::default(), false);
    assert_eq!(outcome_of(&subject, "OB20-DM-017"), Outcome::Skip, "{subject:#?}");
}
