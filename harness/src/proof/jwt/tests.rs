use std::time::Duration;

use serde_json::json;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::*;
use crate::fetch::FetchPolicy;
use crate::proof::keyfile::{self, GeneratedKey, KeyAlgorithm};

const NOW: i64 = 1_800_000_000;

fn credential(issuer: &str) -> Value {
    json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
        "id": "urn:uuid:91537dba-56cb-11ec-bf63-0242ac130002",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer, "type": ["Profile"], "name": "Example"},
        "validFrom": "2024-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:learner", "type": ["AchievementSubject"]}
    })
}

fn b64(v: &Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap())
}

/// A JWS from parts; the signature is whatever is given.
fn jws(header: &Value, payload: &Value, signature: &str) -> CompactJws {
    CompactJws::parse(&format!("{}.{}.{signature}", b64(header), b64(payload))).unwrap()
}

fn fetcher_for(server: &MockServer) -> Fetcher {
    Fetcher::new(FetchPolicy {
        connect_timeout: Duration::from_millis(500),
        total_timeout: Duration::from_millis(800),
        max_bytes: 256 * 1024,
        ..FetchPolicy::allowing(&server.uri())
    })
}

async fn serve(server: &MockServer, at: &str, body: &Value) {
    Mock::given(path(at))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(server)
        .await;
}

fn outcome(report: &JwtReport, rule: JwtRule) -> Vec<Verdict> {
    report.rule(rule).iter().map(|f| f.verdict).collect()
}

async fn issuer_with_key(algorithm: KeyAlgorithm) -> (MockServer, GeneratedKey, String) {
    let server = MockServer::start().await;
    let kid = format!("{}/keys/1", server.uri());
    let key = keyfile::generate(algorithm, &kid, None).unwrap();
    serve(&server, "/keys/1", &key.public_jwk).await;
    serve(
        &server,
        "/.well-known/jwks.json",
        &keyfile::jwks(std::slice::from_ref(&key.public_jwk)),
    )
    .await;
    (server, key, kid)
}

#[tokio::test]
async fn generated_keys_sign_and_verify_through_a_kid_url() {
    for (algorithm, alg_outcome) in [
        (KeyAlgorithm::Rsa2048, Verdict::Holds),
        (KeyAlgorithm::P256, Verdict::Violated(Level::Should)),
        (KeyAlgorithm::Ed25519, Verdict::Violated(Level::Should)),
    ] {
        let (server, key, kid) = issuer_with_key(algorithm).await;
        let signing = keyfile::signing_key(&key.private_jwk).unwrap();
        let token = sign_vc_jwt(&credential(&server.uri()), &signing, &kid).unwrap();
        let parsed = CompactJws::parse(&token).unwrap();
        assert_eq!(
            parsed.header,
            json!({"alg": algorithm.jwt_alg(), "typ": "JWT", "kid": kid})
        );
        assert_eq!(parsed.payload["nbf"], 1_704_067_200);
        let report = verify_vc_jwt_at(&parsed, &fetcher_for(&server), NOW).await;
        assert!(report.signature_verified(), "{algorithm:?}: {:?}", report.signature);
        assert_eq!(outcome(&report, JwtRule::Alg), [alg_outcome]);
        for rule in [
            JwtRule::Typ,
            JwtRule::HeaderMembers,
            JwtRule::KeyReference,
            JwtRule::PayloadForm,
        ] {
            assert_eq!(outcome(&report, rule), [Verdict::Holds], "{rule:?}");
        }
        for rule in [
            JwtRule::Iss,
            JwtRule::Jti,
            JwtRule::Sub,
            JwtRule::Nbf,
            JwtRule::IssuerJwks,
        ] {
            assert_eq!(
                outcome(&report, rule),
                [Verdict::Holds],
                "{rule:?}: {:?}",
                report.rule(rule)
            );
        }
        assert_eq!(outcome(&report, JwtRule::Exp), [Verdict::NotApplicable]);
        assert_eq!(report.exchanges.len(), 2, "key and issuer JWKS");
        assert!(
            report
                .signature
                .evidence
                .iter()
                .any(|e| e.label == "kid" && e.value == kid)
        );
    }
}

#[tokio::test]
async fn rs256_is_deterministic_and_es256_is_not() {
    let cred = credential("https://issuer.example");
    let rsa = keyfile::signing_key(&keyfile::generate(KeyAlgorithm::Rsa2048, "k", None).unwrap().private_jwk).unwrap();
    assert_eq!(
        sign_vc_jwt(&cred, &rsa, "k").unwrap(),
        sign_vc_jwt(&cred, &rsa, "k").unwrap()
    );
    let ec = keyfile::signing_key(&keyfile::generate(KeyAlgorithm::P256, "k", None).unwrap().private_jwk).unwrap();
    assert_ne!(
        sign_vc_jwt(&cred, &ec, "k").unwrap(),
        sign_vc_jwt(&cred, &ec, "k").unwrap()
    );
    assert!(matches!(
        sign_vc_jwt(&json!([1]), &rsa, "k"),
        Err(JwtError::NotAnObject)
    ));
    let mut bad = cred.clone();
    bad["validFrom"] = "yesterday".into();
    assert!(matches!(
        sign_vc_jwt(&bad, &rsa, "k"),
        Err(JwtError::BadDate {
            member: "validFrom",
            ..
        })
    ));
}

#[tokio::test]
async fn a_jwks_on_loopback_resolves_by_kid_and_verifies() {
    let server = MockServer::start().await;
    let key = keyfile::generate(KeyAlgorithm::Rsa2048, "key-1", None).unwrap();
    let other = keyfile::generate(KeyAlgorithm::P256, "key-2", None).unwrap();
    let set = keyfile::jwks(&[other.public_jwk.clone(), key.public_jwk.clone()]);
    serve(&server, "/.well-known/jwks.json", &set).await;
    let kid = format!("{}/.well-known/jwks.json#key-1", server.uri());
    let signing = keyfile::signing_key(&key.private_jwk).unwrap();
    let token = sign_vc_jwt(&credential(&server.uri()), &signing, &kid).unwrap();
    let report = verify_vc_jwt_at(&CompactJws::parse(&token).unwrap(), &fetcher_for(&server), NOW).await;
    assert!(report.signature_verified(), "{:?}", report.signature);
    assert_eq!(
        report.resolved.as_ref().and_then(|r| r.method_id.as_deref()),
        Some("key-1")
    );
    assert_eq!(outcome(&report, JwtRule::IssuerJwks), [Verdict::Holds]);
}

#[tokio::test]
async fn bad_and_short_signatures_and_tampering_fail() {
    let (server, key, kid) = issuer_with_key(KeyAlgorithm::Rsa2048).await;
    let signing = keyfile::signing_key(&key.private_jwk).unwrap();
    let token = sign_vc_jwt(&credential(&server.uri()), &signing, &kid).unwrap();
    let (input, signature) = token.rsplit_once('.').unwrap();
    let fetcher = fetcher_for(&server);
    for forged in [
        format!("{input}.AAAA"),
        format!("{input}."),
        format!("{input}.{}", &signature[..(signature.len() / 2) & !3]),
        format!(
            "{}.{}.{signature}",
            input.split('.').next().unwrap(),
            b64(&credential("https://evil.example"))
        ),
    ] {
        let report = verify_vc_jwt_at(&CompactJws::parse(&forged).unwrap(), &fetcher, NOW).await;
        assert_eq!(report.signature.verdict, Verdict::Violated(Level::Must), "{forged}");
        assert!(
            report.signature.message.contains("does not verify"),
            "{}",
            report.signature.message
        );
    }
}

#[tokio::test]
async fn alg_none_and_hmac_are_rejected_without_looking_up_a_key() {
    let server = MockServer::start().await;
    let fetcher = fetcher_for(&server);
    let kid = format!("{}/keys/1", server.uri());
    for alg in ["none", "HS256", "RS512"] {
        let token = jws(&json!({"alg": alg, "kid": kid}), &credential(&server.uri()), "");
        let report = verify_vc_jwt_at(&token, &fetcher, NOW).await;
        assert_eq!(outcome(&report, JwtRule::Alg), [Verdict::Violated(Level::Must)]);
        assert_eq!(report.signature.verdict, Verdict::Violated(Level::Must));
        assert!(
            report.signature.message.contains("never verified"),
            "{}",
            report.signature.message
        );
        assert_eq!(report.key.verdict, Verdict::NotApplicable);
        assert!(report.exchanges.is_empty());
    }
    assert!(server.received_requests().await.unwrap_or_default().is_empty());
}

#[tokio::test]
async fn kids_at_private_and_metadata_addresses_are_skipped_unfetched() {
    let fetcher = Fetcher::new(FetchPolicy {
        allow_fetch: true,
        ..FetchPolicy::default()
    });
    for kid in ["http://10.0.0.1/key", "http://169.254.169.254/", "https://10.0.0.1/key"] {
        let token = jws(
            &json!({"alg": "RS256", "kid": kid}),
            &credential("https://issuer.example"),
            "AAAA",
        );
        let report = verify_vc_jwt_at(&token, &fetcher, NOW).await;
        assert_eq!(
            (report.key.verdict, report.signature.verdict),
            (Verdict::Unknown, Verdict::Unknown),
            "{kid}"
        );
        assert!(
            report.signature.message.contains("fetch not allowed"),
            "{}",
            report.signature.message
        );
        assert_eq!(report.exchanges.len(), 1);
        assert_eq!(report.exchanges[0].status, None);
    }
}

#[tokio::test]
async fn a_50_mb_jwks_is_capped_and_a_silent_key_server_times_out() {
    let server = MockServer::start().await;
    Mock::given(path("/big.json"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(vec![b' '; 50 * 1024 * 1024]))
        .mount(&server)
        .await;
    Mock::given(path("/slow.json"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(30)))
        .mount(&server)
        .await;
    let fetcher = fetcher_for(&server);
    for (file, words) in [("big", "over the limit"), ("slow", "timeout")] {
        let kid = format!("{}/{file}.json#k", server.uri());
        let token = jws(&json!({"alg": "RS256", "kid": kid}), &credential(&server.uri()), "AAAA");
        let report = verify_vc_jwt_at(&token, &fetcher, NOW).await;
        assert_eq!(
            (report.key.verdict, report.signature.verdict),
            (Verdict::Error, Verdict::Error),
            "{file}"
        );
        assert!(report.key.message.contains(words), "{}", report.key.message);
        assert_eq!(report.key.exchanges.len(), 1);
    }
}

#[tokio::test]
async fn a_private_jwk_in_the_header_is_rejected() {
    let key = keyfile::generate(KeyAlgorithm::Ed25519, "k", None).unwrap();
    let signing = keyfile::signing_key(&key.private_jwk).unwrap();
    let token = sign_vc_jwt(&credential("https://issuer.example"), &signing, "k").unwrap();
    let (_, rest) = token.split_once('.').unwrap();
    let header = json!({"alg": "EdDSA", "jwk": key.private_jwk});
    let report = verify_vc_jwt_at(
        &CompactJws::parse(&format!("{}.{rest}", b64(&header))).unwrap(),
        &Fetcher::new(FetchPolicy::default()),
        NOW,
    )
    .await;
    let jwk = report.rule(JwtRule::JwkPublicOnly);
    assert_eq!(
        (jwk[0].verdict, jwk[0].actual.as_deref()),
        (Verdict::Violated(Level::Must), Some("\"d\" present"))
    );
    assert_eq!(report.key.verdict, Verdict::Violated(Level::Must));
    assert!(!report.signature_verified());
    // The public half verifies (the header changed, so sign again over it).
    let header = json!({"alg": "EdDSA", "jwk": key.public_jwk});
    let payload = CompactJws::parse(&token).unwrap().payload;
    let input = format!("{}.{}", b64(&header), b64(&payload));
    let sig = jsonwebtoken::crypto::sign(input.as_bytes(), &signing.key, signing.alg).unwrap();
    let report = verify_vc_jwt_at(
        &CompactJws::parse(&format!("{input}.{sig}")).unwrap(),
        &Fetcher::new(FetchPolicy::default()),
        NOW,
    )
    .await;
    assert!(report.signature_verified(), "{:?}", report.signature);
    // No controller and no fetch allowed: the issuer JWKS check is a Skip, not a pass or a fail.
    assert_eq!(outcome(&report, JwtRule::IssuerJwks), [Verdict::Unknown]);
}

#[tokio::test]
async fn a_did_web_kid_without_mapping_and_fetching_disabled_is_a_skip() {
    let token = jws(
        &json!({"alg": "RS256", "kid": "did:web:issuer.example#key-1"}),
        &credential("did:web:issuer.example"),
        "AAAA",
    );
    let report = verify_vc_jwt_at(&token, &Fetcher::new(FetchPolicy::default()), NOW).await;
    assert_eq!(report.key.verdict, Verdict::Unknown);
    assert!(
        report
            .key
            .message
            .contains("fetching is disabled and issuer.example is not an allowed host"),
        "{}",
        report.key.message
    );
    assert!(
        report
            .key
            .evidence
            .iter()
            .any(|e| e.value == "https://issuer.example/.well-known/did.json")
    );
}

#[tokio::test]
async fn header_payload_and_claim_rules_report_each_mismatch() {
    let server = MockServer::start().await;
    let mut payload = credential("https://issuer.example");
    payload["iss"] = "https://other.example".into();
    payload["jti"] = "urn:uuid:91537dba-56cb-11ec-bf63-0242ac130002".into();
    payload["nbf"] = 1_900_000_000.into();
    payload["exp"] = 1_000.into();
    let header = json!({"alg": "ES256", "typ": "vc+jwt", "kid": "key-1", "x5u": "https://x"});
    let report = verify_vc_jwt_at(&jws(&header, &payload, "AAAA"), &fetcher_for(&server), NOW).await;
    assert_eq!(outcome(&report, JwtRule::Typ), [Verdict::Violated(Level::Info)]);
    assert_eq!(
        outcome(&report, JwtRule::HeaderMembers),
        [Verdict::Violated(Level::Must)]
    );
    assert_eq!(
        outcome(&report, JwtRule::KeyReference),
        [Verdict::Violated(Level::Should)]
    );
    let iss = report.rule(JwtRule::Iss);
    assert_eq!(
        (iss[0].verdict, iss[0].expected.as_deref(), iss[0].actual.as_deref()),
        (
            Verdict::Violated(Level::Must),
            Some("https://issuer.example"),
            Some("\"https://other.example\"")
        )
    );
    assert_eq!(outcome(&report, JwtRule::Jti), [Verdict::Holds]);
    assert_eq!(outcome(&report, JwtRule::Sub), [Verdict::Violated(Level::Must)]);
    let nbf = report.rule(JwtRule::Nbf);
    assert_eq!(
        (nbf[0].verdict, nbf[0].expected.as_deref()),
        (
            Verdict::Violated(Level::Must),
            Some("1704067200 (validFrom \"2024-01-01T00:00:00Z\")")
        )
    );
    assert_eq!(outcome(&report, JwtRule::Exp), [Verdict::Violated(Level::Should)]);
    assert_eq!(outcome(&report, JwtRule::NotBefore), [Verdict::Violated(Level::Must)]);
    assert_eq!(outcome(&report, JwtRule::NotExpired), [Verdict::Violated(Level::Must)]);
    let legacy = json!({"iss": "https://issuer.example", "vc": credential("https://issuer.example")});
    let report = verify_vc_jwt_at(&jws(&json!({"alg": "RS256"}), &legacy, ""), &fetcher_for(&server), NOW).await;
    assert_eq!(report.payload_form, PayloadForm::Vcdm11);
    assert_eq!(
        outcome(&report, JwtRule::PayloadForm),
        [Verdict::Violated(Level::Should)]
    );
    assert_eq!(outcome(&report, JwtRule::Iss), [Verdict::Holds]);
    assert_eq!(
        outcome(&report, JwtRule::KeyReference),
        [Verdict::Violated(Level::Must)]
    );
    assert_eq!(report.key.verdict, Verdict::Violated(Level::Must));
}

#[tokio::test]
async fn a_did_key_kid_with_a_compressed_p256_key_verifies_offline() {
    let key = keyfile::generate(KeyAlgorithm::P256, "k", None).unwrap();
    let signing = keyfile::signing_key(&key.private_jwk).unwrap();
    let PublicKey::P256(point) = signing.public_key() else {
        panic!()
    };
    // Compress the uncompressed point: 02/03 by the parity of y, then x.
    let compressed = [&[2 + (point[64] & 1)][..], &point[1..33]].concat();
    let mb = crate::proof::multikey::encode_multibase(&[&crate::proof::multikey::P256_PUB[..], &compressed].concat());
    let did = format!("did:key:{mb}");
    let token = sign_vc_jwt(&credential(&did), &signing, &format!("{did}#{mb}")).unwrap();
    let report = verify_vc_jwt_at(
        &CompactJws::parse(&token).unwrap(),
        &Fetcher::new(FetchPolicy::default()),
        NOW,
    )
    .await;
    assert!(report.signature_verified(), "{:?}", report.signature);
    assert_eq!(outcome(&report, JwtRule::KeyController), [Verdict::Holds]);
}
