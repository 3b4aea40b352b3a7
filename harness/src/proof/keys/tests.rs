use super::*;

#[test]
fn did_web_urls() {
    let map = vec![("did:web:mock".to_string(), "http://127.0.0.1:8080/".to_string())];
    assert_eq!(
        did_web_url("did:web:example.com", &[]).unwrap(),
        "https://example.com/.well-known/did.json"
    );
    assert_eq!(
        did_web_url("did:web:example.com%3A8443:users:alice", &[]).unwrap(),
        "https://example.com:8443/users/alice/did.json"
    );
    assert_eq!(
        did_web_url("did:web:mock", &map).unwrap(),
        "http://127.0.0.1:8080/.well-known/did.json"
    );
    assert_eq!(
        did_web_url("did:web:mock:a:b", &map).unwrap(),
        "http://127.0.0.1:8080/a/b/did.json"
    );
    for bad in [
        "did:web:",
        "did:web:evil.com@10.0.0.1",
        "did:web:a.com:..",
        "did:web:a.com::x",
        "did:web:a/b",
    ] {
        assert!(did_web_url(bad, &[]).is_err(), "{bad}");
    }
}

mod resolution {
    use std::time::Duration;

    use serde_json::json;
    use wiremock::matchers::path;
    use wiremock::{Mock, MockServer, ResponseTemplate};

    use super::super::*;
    use crate::fetch::FetchPolicy;

    const MB: &str = "z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi";

    fn offline() -> Fetcher {
        Fetcher::new(FetchPolicy::default())
    }

    async fn mock(documents: &[(&str, serde_json::Value)]) -> (MockServer, Fetcher) {
        let server = MockServer::start().await;
        for (at, body) in documents {
            Mock::given(path(*at))
                .respond_with(ResponseTemplate::new(200).set_body_json(body))
                .mount(&server)
                .await;
        }
        let mut policy = FetchPolicy {
            total_timeout: Duration::from_secs(2),
            ..FetchPolicy::allowing(&server.uri())
        };
        policy.did_web_map.push(("did:web:issuer.example".into(), server.uri()));
        (server, Fetcher::new(policy))
    }

    #[tokio::test]
    async fn a_multibase_fragment_is_the_key_and_nothing_is_fetched() {
        let issuer = "https://example.edu/issuers/565049";
        let r = resolve_verification_method(&format!("{issuer}#{MB}"), Some(issuer), &offline())
            .await
            .unwrap();
        assert_eq!(r.key, multikey::decode_public_key(MB).unwrap());
        assert_eq!(
            (r.controller.as_deref(), r.controller_matches_issuer),
            (Some(issuer), Some(true))
        );
        assert!(r.exchanges.is_empty());
        let r = resolve_verification_method(&format!("{issuer}#{MB}"), Some("https://other.example"), &offline()).await;
        assert_eq!(r.unwrap().controller_matches_issuer, Some(false));
        let err = resolve_verification_method(&format!("{issuer}#z6Mkbad0"), None, &offline())
            .await
            .unwrap_err();
        assert!(matches!(*err.kind, KeyErrorKind::Multikey { .. }), "{err}");
    }

    #[tokio::test]
    async fn did_key_resolves_offline() {
        let did = format!("did:key:{MB}");
        let r = resolve_verification_method(&format!("{did}#{MB}"), Some(&did), &offline())
            .await
            .unwrap();
        assert_eq!(
            (r.controller_matches_issuer, r.method_id.as_deref()),
            (Some(true), Some(&*format!("{did}#{MB}")))
        );
        assert!(resolve_verification_method(&did, None, &offline()).await.is_ok());
        let err = resolve_verification_method(&format!("{did}#other"), None, &offline())
            .await
            .unwrap_err();
        assert!(matches!(*err.kind, KeyErrorKind::MethodNotFound { .. }), "{err}");
    }

    #[tokio::test]
    async fn did_web_is_fetched_through_the_map_and_traced() {
        let did = "did:web:issuer.example";
        let doc = json!({
            "id": did,
            "verificationMethod": [{"id": "#key-1", "type": "Multikey", "controller": did, "publicKeyMultibase": MB}],
            "assertionMethod": ["#key-1"]
        });
        let (server, fetcher) = mock(&[("/.well-known/did.json", doc)]).await;
        for vm in [format!("{did}#key-1"), did.to_string()] {
            let r = resolve_verification_method(&vm, Some(did), &fetcher).await.unwrap();
            assert_eq!(r.controller_matches_issuer, Some(true));
            assert_eq!(r.exchanges.len(), 1);
            let labels: Vec<&str> = r.trace.iter().map(|e| e.label.as_str()).collect();
            assert_eq!(
                labels,
                [
                    "verification method",
                    "DID",
                    "DID document URL",
                    "fetched",
                    "document",
                    "method",
                    "key",
                    "controller"
                ]
            );
            assert_eq!(r.trace[2].value, format!("{}/.well-known/did.json", server.uri()));
        }
        let err = resolve_verification_method(&format!("{did}#key-9"), None, &fetcher)
            .await
            .unwrap_err();
        assert!(matches!(*err.kind, KeyErrorKind::MethodNotFound { .. }), "{err}");
        assert_eq!(err.exchanges.len(), 1);
    }

    #[tokio::test]
    async fn http_controller_and_key_documents_resolve() {
        let server = MockServer::start().await;
        let base = server.uri();
        let controller = json!({
            "id": format!("{base}/issuer"),
            "assertionMethod": [{"id": format!("{base}/issuer#k"), "type": "Multikey",
                                 "controller": format!("{base}/issuer"), "publicKeyMultibase": MB}]
        });
        let key_doc = json!({"id": format!("{base}/key"), "type": "Ed25519VerificationKey2020",
                             "controller": format!("{base}/issuer"), "publicKeyMultibase": MB});
        for (at, body) in [
            ("/issuer", controller),
            ("/key", key_doc),
            ("/wrong", json!({"id": "https://x/other"})),
        ] {
            Mock::given(path(at))
                .respond_with(ResponseTemplate::new(200).set_body_json(body))
                .mount(&server)
                .await;
        }
        let fetcher = Fetcher::new(FetchPolicy::allowing(&base));
        let issuer = format!("{base}/issuer");
        for vm in [format!("{base}/issuer#k"), format!("{base}/key")] {
            let r = resolve_verification_method(&vm, Some(&issuer), &fetcher).await.unwrap();
            assert_eq!(r.controller_matches_issuer, Some(true), "{vm}");
        }
        let err = resolve_verification_method(&format!("{base}/wrong"), None, &fetcher)
            .await
            .unwrap_err();
        assert!(matches!(*err.kind, KeyErrorKind::WrongDocument { .. }), "{err}");
        let err = resolve_verification_method(&format!("{base}/missing"), None, &fetcher)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("answered 404"), "{err}");
        assert!(!err.is_transport() && err.skip_reason().is_none());
    }

    #[tokio::test]
    async fn unusable_identifiers_name_the_problem() {
        let f = offline();
        let err = resolve_verification_method("key-1", None, &f).await.unwrap_err();
        assert_eq!(
            err.to_string(),
            "resolve verification method \"key-1\": it has no URI scheme"
        );
        let err = resolve_verification_method("did:example:123#k", None, &f)
            .await
            .unwrap_err();
        assert!(matches!(*err.kind, KeyErrorKind::UnsupportedDidMethod { .. }), "{err}");
        let err = resolve_verification_method("urn:uuid:1", None, &f).await.unwrap_err();
        assert!(matches!(*err.kind, KeyErrorKind::UnsupportedScheme { .. }), "{err}");
        let err = resolve_verification_method("did:web:issuer.example#k", None, &f)
            .await
            .unwrap_err();
        assert_eq!(
            err.skip_reason(),
            Some("fetching is disabled and issuer.example is not an allowed host")
        );
        let err = resolve_jwt_key(&json!({"alg": "RS256"}), None, &f).await.unwrap_err();
        assert_eq!(*err.kind, KeyErrorKind::NoKeyReference);
    }

    #[test]
    fn jwks_urls_and_jwk_errors() {
        assert_eq!(
            issuer_jwks_url(Some("https://issuer.example/profiles/1")).as_deref(),
            Some("https://issuer.example/.well-known/jwks.json")
        );
        assert_eq!(issuer_jwks_url(Some("did:web:issuer.example")), None);
        let err = jwk_public_key(&json!({"kty": "EC", "crv": "P-256", "x": "AAAA", "y": "AAAA"})).unwrap_err();
        assert_eq!(
            err,
            JwkError::Length {
                member: "x",
                expected: 32,
                actual: 3
            }
        );
        let err = jwk_public_key(&json!({"kty": "oct", "k": "AAAA"})).unwrap_err();
        assert_eq!(err, JwkError::Private("k".into()));
        let err = jwk_public_key(&json!({"kty": "OKP", "crv": "X25519", "x": "AAAA"})).unwrap_err();
        assert!(matches!(err, JwkError::Unsupported { .. }));
    }
}
