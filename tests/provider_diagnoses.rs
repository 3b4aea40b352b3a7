//! A provider the harness cannot reach gets the same diagnosis a document fetch gets (one HTTP layer): a
//! certificate from a CA the run does not trust names the CA and how to trust it, and a closed port says
//! "connection refused" rather than a chain of library messages.

use clr_harness::api::http::{ApiClient, HttpError, HttpLimits, Req};
use clr_harness::redact::Recording;
use clr_mocks::ecosystem::Ecosystem;
use clr_mocks::faults::Faults;
use url::Url;

fn client(base: &str) -> ApiClient {
    let base = Url::parse(base).expect("a URL");
    ApiClient::new(&base, Vec::new(), &[], HttpLimits::default(), Recording::default()).expect("a client")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_untrusted_certificate_names_the_ca_to_trust() {
    let eco = Ecosystem::start(1, Faults::none()).await.expect("the mocks start");
    let base = eco.provider.base_url.clone();
    let http = client(&base);
    let err = http
        .send(Req::new("GET", format!("{base}/ims/ob/v3p0/discovery")))
        .await
        .expect_err("the mocks' CA is not trusted");
    eco.shutdown().await;
    assert!(matches!(err, HttpError::Tls { untrusted: true, .. }), "{err:?}");
    let text = err.provider_text();
    assert!(text.starts_with("connection failed: TLS handshake failed"), "{text}");
    assert!(
        text.contains("--ca-file, or ca_file under [tls] in the target file"),
        "{text}"
    );
    let recorded = http.exchanges();
    assert_eq!(recorded.len(), 1);
    assert_eq!(
        recorded[0].error.as_deref(),
        Some(text.as_str()),
        "the exchange says the same"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_port_is_a_refused_connection() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let port = listener.local_addr().expect("its address").port();
    drop(listener);
    let base = format!("http://127.0.0.1:{port}");
    let err = client(&base)
        .send(Req::new("GET", format!("{base}/ims/ob/v3p0/discovery")))
        .await
        .expect_err("nothing listens");
    assert!(matches!(err, HttpError::ConnectionRefused { .. }), "{err:?}");
    assert_eq!(err.provider_text(), "connection failed: connection refused");
}
