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
