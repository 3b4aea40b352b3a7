use super::*;
use tokio::io::AsyncWriteExt;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const JSON: &str = "application/json";

fn quick(base: &str) -> FetchPolicy {
    FetchPolicy {
        connect_timeout: Duration::from_millis(500),
        total_timeout: Duration::from_millis(500),
        max_bytes: 64 * 1024,
        ..FetchPolicy::allowing(base)
    }
}

fn open_policy() -> FetchPolicy {
    FetchPolicy {
        allow_fetch: true,
        ..FetchPolicy::default()
    }
}

#[tokio::test]
async fn loopback_mock_is_fetched_and_the_exchange_recorded() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/jwks.json"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(r#"{"keys":[]}"#, "application/jwk-set+json"))
        .mount(&server)
        .await;
    let fetcher = Fetcher::new(quick(&server.uri()));
    let url = format!("{}/jwks.json", server.uri());
    let attempt = fetcher.get(&url, JSON).await;
    let got = attempt.result.unwrap();
    assert_eq!((got.status, got.bytes.as_slice()), (200, &br#"{"keys":[]}"#[..]));
    assert_eq!(got.content_type.as_deref(), Some("application/jwk-set+json"));
    let ex = attempt.exchange;
    assert_eq!((ex.id.as_str(), got.exchange_id.as_str()), ("fetch-1", "fetch-1"));
    assert_eq!(
        (ex.method.as_str(), ex.url.as_str(), ex.status),
        ("GET", url.as_str(), Some(200))
    );
    assert_eq!(ex.response_body.as_deref(), Some(r#"{"keys":[]}"#));
    assert!(ex.error.is_none() && !ex.response_body_truncated);
    assert!(ex.request_headers.contains(&("Accept".into(), JSON.into())));
    assert!(ex.response_headers.iter().any(|(k, _)| k == "content-type"));
    assert!(
        ex.curl.starts_with("curl ") && ex.curl.ends_with(&format!("'{url}'")),
        "{}",
        ex.curl
    );
    let second = fetcher.get(&format!("{}/missing", server.uri()), JSON).await;
    assert!(matches!(second.result, Err(FetchError::Status { status: 404, .. })));
    assert_eq!(
        (second.exchange.id.as_str(), second.exchange.status),
        ("fetch-2", Some(404))
    );
}

fn assert_refused(attempt: &Attempt, reason_part: &str) {
    match &attempt.result {
        Err(FetchError::NotAllowed { reason, .. }) => assert!(reason.contains(reason_part), "{reason}"),
        other => panic!("expected NotAllowed, got {other:?}"),
    }
    // Refused before any connection: nothing came back and the record says why.
    assert_eq!(attempt.exchange.status, None);
    assert!(
        attempt
            .exchange
            .error
            .as_deref()
            .is_some_and(|e| e.contains("not allowed"))
    );
    assert!(attempt.exchange.duration_ms < 100, "{}", attempt.exchange.duration_ms);
}

#[tokio::test]
async fn private_and_metadata_addresses_are_refused_before_connecting() {
    // Fetching is on, so the address rule (not the off switch) is what refuses.
    let fetcher = Fetcher::new(open_policy());
    assert_refused(
        &fetcher.get("https://10.0.0.1/key", JSON).await,
        "10.0.0.1, a private address",
    );
    let meta = fetcher.get("https://169.254.169.254/latest/meta-data", JSON).await;
    assert_refused(&meta, "link-local");
    assert_refused(&fetcher.get("https://[fd00::1]/", JSON).await, "private");
    assert_refused(
        &fetcher.get("https://[::ffff:169.254.169.254]/", JSON).await,
        "link-local",
    );
    assert_refused(&fetcher.get("https://0.0.0.0/", JSON).await, "unspecified");
    // Plain http is never used for hosts outside the allowed list.
    assert_refused(&fetcher.get("http://10.0.0.1/", JSON).await, "plain http");
    assert_refused(
        &fetcher.get("http://169.254.169.254/latest/meta-data", JSON).await,
        "plain http",
    );
    // A name is resolved and judged by its addresses: localhost is loopback, not allowed unless listed.
    assert_refused(&fetcher.get("https://localhost:9/", JSON).await, "loopback");
    assert_refused(&fetcher.get("file:///etc/passwd", JSON).await, "not file:");
}

#[tokio::test]
async fn fetching_disabled_refuses_everything_not_listed() {
    let fetcher = Fetcher::new(FetchPolicy::default());
    let attempt = fetcher.get("https://issuer.example/.well-known/jwks.json", JSON).await;
    assert_refused(
        &attempt,
        "fetching is disabled and issuer.example is not an allowed host",
    );
    let err = attempt.result.unwrap_err();
    assert_eq!(
        err.not_allowed_reason(),
        Some("fetching is disabled and issuer.example is not an allowed host")
    );
    assert!(!err.is_transport());
    assert_refused(&fetcher.get("http://10.0.0.1/", JSON).await, "fetching is disabled");
}

#[tokio::test]
async fn allow_private_opens_private_ranges_but_not_loopback() {
    let policy = FetchPolicy {
        allow_private: true,
        ..open_policy()
    };
    let fetcher = Fetcher::new(policy.clone());
    assert_refused(&fetcher.get("https://127.0.0.1:9/", JSON).await, "loopback");
    assert!(
        fetcher
            .check("x", &Url::parse("https://10.1.2.3/").unwrap())
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn a_50_mb_body_is_capped() {
    let server = MockServer::start().await;
    Mock::given(path("/big"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(vec![b'x'; 50 * 1024 * 1024]))
        .mount(&server)
        .await;
    // A generous total timeout: the cap, not the clock, must end this fetch even on a loaded machine.
    let policy = FetchPolicy {
        total_timeout: Duration::from_secs(30),
        ..quick(&server.uri())
    };
    let fetcher = Fetcher::new(policy);
    let attempt = fetcher.get(&format!("{}/big", server.uri()), JSON).await;
    assert!(
        matches!(attempt.result, Err(FetchError::TooLarge { limit: 65536, .. })),
        "{:?}",
        attempt.result
    );
    assert!(attempt.exchange.response_body_truncated);
}

/// A server that streams `total` bytes chunked, with no Content-Length to refuse up front.
async fn chunked_server(total: usize) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = tokio::io::AsyncReadExt::read(&mut socket, &mut buf).await;
                let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
                if socket.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let chunk = vec![b' '; 64 * 1024];
                let mut sent = 0;
                while sent < total {
                    let frame = [format!("{:x}\r\n", chunk.len()).as_bytes(), &chunk, b"\r\n"].concat();
                    if socket.write_all(&frame).await.is_err() {
                        return;
                    }
                    sent += chunk.len();
                }
                let _ = socket.write_all(b"0\r\n\r\n").await;
            });
        }
    });
    base
}

#[tokio::test]
async fn a_50_mb_stream_without_length_stops_at_the_cap() {
    let base = chunked_server(50 * 1024 * 1024).await;
    let fetcher = Fetcher::new(FetchPolicy {
        total_timeout: Duration::from_secs(5),
        ..quick(&base)
    });
    let attempt = fetcher.get(&format!("{base}/jwks.json"), JSON).await;
    assert!(
        matches!(attempt.result, Err(FetchError::TooLarge { .. })),
        "{:?}",
        attempt.result
    );
    assert_eq!(attempt.exchange.status, Some(200));
    assert_eq!(
        attempt.exchange.response_body.as_ref().map(String::len),
        Some(RECORDED_BODY_BYTES)
    );
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let fetcher = Fetcher::new(FetchPolicy {
        total_timeout: Duration::from_millis(300),
        ..quick(&base)
    });
    let attempt = fetcher.get(&format!("{base}/key"), JSON).await;
    assert!(
        matches!(attempt.result, Err(FetchError::Timeout { .. })),
        "{:?}",
        attempt.result
    );
    assert!(attempt.result.as_ref().unwrap_err().is_transport());
    assert!(attempt.exchange.error.as_deref().is_some_and(|e| e.contains("timeout")));
}

/// The policy allows host:port pairs: a redirect to another port of an allowed host is another origin, refused.
#[tokio::test]
async fn redirects_to_another_port_are_refused() {
    let server = MockServer::start().await;
    let other = MockServer::start().await;
    Mock::given(path("/away"))
        .respond_with(ResponseTemplate::new(302).insert_header("location", format!("{}/k", other.uri())))
        .mount(&server)
        .await;
    let mut policy = quick(&server.uri());
    policy.allow_host_of(&other.uri());
    let attempt = Fetcher::new(policy).get(&format!("{}/away", server.uri()), JSON).await;
    assert!(
        matches!(&attempt.result, Err(FetchError::RedirectRefused { reason, .. }) if reason == "another port"),
        "{:?}",
        attempt.result
    );
}

#[tokio::test]
async fn redirects_to_another_host_are_refused() {
    let server = MockServer::start().await;
    let port = server.address().port();
    Mock::given(path("/away"))
        .respond_with(ResponseTemplate::new(302).insert_header("location", format!("http://localhost:{port}/k")))
        .mount(&server)
        .await;
    Mock::given(path("/here"))
        .respond_with(ResponseTemplate::new(301).insert_header("location", "/k"))
        .mount(&server)
        .await;
    Mock::given(path("/k"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
        .mount(&server)
        .await;
    let mut policy = quick(&server.uri());
    policy.allowed_hosts.push("localhost".into());
    let fetcher = Fetcher::new(policy);
    let attempt = fetcher.get(&format!("{}/away", server.uri()), JSON).await;
    assert!(
        matches!(&attempt.result, Err(FetchError::RedirectRefused { reason, .. }) if reason == "another host"),
        "{:?}",
        attempt.result
    );
    let got = fetcher
        .get(&format!("{}/here", server.uri()), JSON)
        .await
        .result
        .unwrap();
    assert_eq!(got.url, format!("{}/k", server.uri()));
}

#[test]
fn address_classes() {
    let class = |s: &str| classify_ip(s.parse().unwrap());
    assert_eq!(class("8.8.8.8"), AddressClass::Public);
    assert_eq!(class("172.31.255.1"), AddressClass::Private);
    assert_eq!(class("172.32.0.1"), AddressClass::Public);
    assert_eq!(class("100.64.0.1"), AddressClass::Private);
    assert_eq!(class("127.8.0.1"), AddressClass::Loopback);
    assert_eq!(class("224.0.0.1"), AddressClass::Reserved);
    assert_eq!(class("::1"), AddressClass::Loopback);
    assert_eq!(class("fe80::1"), AddressClass::LinkLocal);
    assert_eq!(class("64:ff9b::a00:1"), AddressClass::Private);
    assert_eq!(class("2001:db8::1"), AddressClass::Reserved);
    assert_eq!(class("2606:4700::1111"), AddressClass::Public);
    assert_eq!(class("::"), AddressClass::Unspecified);
}

#[test]
fn curl_commands_quote_and_pin() {
    let headers = vec![("Accept".to_string(), "it's".to_string())];
    let pin = Some(("issuer.example", "203.0.113.9:0".parse().unwrap()));
    assert_eq!(
        curl_command("https://issuer.example/k", &headers, pin, None),
        "curl -sS -i --max-redirs 0 -H 'Accept: it'\\''s' --resolve 'issuer.example:443:203.0.113.9' \
         'https://issuer.example/k'"
    );
    assert_eq!(
        curl_command("https://issuer.example/k", &[], None, Some("reports/ca.pem")),
        "curl -sS -i --max-redirs 0 --cacert 'reports/ca.pem' 'https://issuer.example/k'"
    );
}

#[tokio::test]
async fn a_document_fetch_is_recorded_with_its_secrets_redacted() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/status.json"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("set-cookie", "sid=cookie-secret-value; Path=/")
                .set_body_raw(r#"{"ok":true}"#, JSON),
        )
        .mount(&server)
        .await;
    let redactor = crate::redact::Redactor::new();
    let fetcher = Fetcher::new(FetchPolicy {
        recording: Recording {
            redactor: redactor.clone(),
            cacert: Some("ca.pem".into()),
        },
        ..quick(&server.uri())
    });
    let url = format!("{}/status.json?access_token=query-secret-token", server.uri());
    let attempt = fetcher.get(&url, JSON).await;
    assert!(attempt.result.is_ok(), "{:?}", attempt.result);
    let ex = attempt.exchange;
    let text = format!("{ex:?}");
    for secret in ["query-secret-token", "cookie-secret-value"] {
        assert!(!text.contains(secret), "{secret} recorded: {text}");
    }
    assert!(ex.url.ends_with("?access_token=<access-token-1>"), "{}", ex.url);
    assert!(
        ex.response_headers
            .contains(&("set-cookie".into(), "sid=<cookie-1>; Path=/".into()))
    );
    // curl names the CA for https only; the mock is http.
    assert!(
        ex.curl.ends_with("access_token=<access-token-1>'") && !ex.curl.contains("--cacert"),
        "{}",
        ex.curl
    );
    assert_eq!(redactor.known().len(), 2);
}
