//! The provider's request tap: every exchange a client has with it is kept — method, URL, headers, the bodies as the
//! client sent and the provider answered them, status — newest last, bounded.

mod common;

use clr_mocks::faults::Faults;
use clr_mocks::provider::ProviderLimits;
use common::{H, config};

#[tokio::test]
async fn every_exchange_is_kept_with_its_bodies_and_status() {
    let h = H::with_limits(config(Faults::none()), ProviderLimits::default()).await;
    let client = h.register().await;
    let missing = h
        .http
        .get(h.url("/ims/ob/v3p0/nothing-here"))
        .send()
        .await
        .expect("an answer");
    assert_eq!(missing.status(), 404);
    let tapped = h.provider.tap().exchanges();
    assert_eq!(tapped.len(), 2, "{tapped:?}");
    let (register, lost) = (&tapped[0], &tapped[1]);
    assert_eq!(register.method, "POST");
    assert_eq!(register.url, h.url("/oauth/register"));
    assert_eq!(register.status, Some(201));
    let sent = register.request_body.as_deref().unwrap_or_default();
    assert!(sent.contains("redirect_uris"), "the registration request: {sent}");
    let answered = register.response_body.as_deref().unwrap_or_default();
    assert!(answered.contains(&client.id), "the registration response: {answered}");
    assert!(
        register
            .request_headers
            .iter()
            .any(|(k, v)| k == "content-type" && v.starts_with("application/json"))
    );
    assert!(
        register.curl.contains("-X POST") && register.curl.contains("--data-binary"),
        "{}",
        register.curl
    );
    assert_eq!((lost.method.as_str(), lost.status), ("GET", Some(404)));
    assert!(
        lost.response_body
            .as_deref()
            .unwrap_or_default()
            .contains("imsx_codeMajor")
    );
    assert_ne!(register.id, lost.id);
}

#[tokio::test]
async fn the_tap_keeps_the_last_exchanges_and_counts_the_rest() {
    let limits = ProviderLimits {
        tapped: 2,
        ..ProviderLimits::default()
    };
    let h = H::with_limits(config(Faults::none()), limits).await;
    for n in 0..5 {
        let r = h
            .http
            .get(h.url(&format!("/nothing/{n}")))
            .send()
            .await
            .expect("an answer");
        assert_eq!(r.status(), 404);
    }
    let tapped = h.provider.tap().exchanges();
    let urls: Vec<&str> = tapped.iter().map(|e| e.url.as_str()).collect();
    assert_eq!(urls, [h.url("/nothing/3"), h.url("/nothing/4")]);
    assert_eq!(h.provider.tap().dropped(), 3);

    let off = H::with_limits(
        config(Faults::none()),
        ProviderLimits {
            tapped: 0,
            ..ProviderLimits::default()
        },
    )
    .await;
    off.http.get(off.url("/nothing")).send().await.expect("an answer");
    assert!(
        off.provider.tap().exchanges().is_empty(),
        "a tap of capacity 0 records nothing"
    );
}
