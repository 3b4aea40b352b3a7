//! The OB 2.0 badge host over real HTTP: every URL in its index serves the right content type, ids and links
//! resolve, signed badges verify with the served key, baked images carry the assertion. That badgecheck (1EdTech's
//! OB 2.0 validator) and `clr-harness validate` both give each entry the verdict its index names is proven in
//! `tests/badge_host.rs`.

use std::collections::BTreeSet;

use aws_lc_rs::signature::{RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use clr_mocks::badgehost::{self, BadgeHost, CONTEXT, RECIPIENT_EMAIL};
use serde_json::Value;
use sha2::{Digest, Sha256};

struct Fetched {
    content_type: String,
    body: Vec<u8>,
}

async fn get(url: &str) -> Fetched {
    let r = reqwest::get(url).await.expect("request");
    assert_eq!(r.status().as_u16(), 200, "{url}");
    let content_type = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    Fetched {
        content_type,
        body: r.bytes().await.expect("body").to_vec(),
    }
}

async fn ld(url: &str) -> Value {
    let f = get(url).await;
    assert_eq!(f.content_type, "application/ld+json", "{url}");
    let doc: Value = serde_json::from_slice(&f.body).expect("JSON");
    assert_eq!(doc["@context"], CONTEXT, "{url}");
    doc
}

fn str_of<'a>(doc: &'a Value, key: &str) -> &'a str {
    doc[key].as_str().unwrap_or_else(|| panic!("{key} in {doc}"))
}

/// The `openbadges` iTXt text of a PNG, checking every chunk's CRC on the way.
fn unbake_png(png: &[u8]) -> String {
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let (mut at, mut found) = (8, Vec::new());
    while at + 12 <= png.len() {
        let len = u32::from_be_bytes(png[at..at + 4].try_into().expect("4")) as usize;
        let (kind, data) = (&png[at + 4..at + 8], &png[at + 8..at + 8 + len]);
        let mut crc = flate2::Crc::new();
        crc.update(kind);
        crc.update(data);
        assert_eq!(
            crc.sum().to_be_bytes(),
            png[at + 8 + len..at + 12 + len],
            "CRC of {kind:?}"
        );
        if kind == b"iTXt" {
            let rest = data
                .strip_prefix(b"openbadges\0\0\0\0\0")
                .expect("uncompressed openbadges iTXt");
            found.push(String::from_utf8(rest.to_vec()).expect("UTF-8"));
        }
        at += 12 + len;
    }
    assert_eq!(found.len(), 1, "exactly one openbadges chunk");
    found.remove(0)
}

fn verify_rs256(jws: &str, public_pem: &str) -> bool {
    let der: String = public_pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let (input, sig) = jws.rsplit_once('.').expect("JWS");
    UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, STANDARD.decode(der).expect("PEM"))
        .verify(input.as_bytes(), &URL_SAFE_NO_PAD.decode(sig).expect("b64"))
        .is_ok()
}

fn payload(jws: &str) -> Value {
    let p = jws.split('.').nth(1).expect("payload");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(p).expect("b64")).expect("JSON")
}

/// Follows an assertion's links: BadgeClass (image, criteria), issuer, evidence.
async fn check_links(assertion: &Value, issuer_id: &str) {
    let badge = ld(str_of(assertion, "badge")).await;
    assert_eq!(badge["type"], "BadgeClass");
    assert_eq!(badge["issuer"], issuer_id);
    assert!(
        get(str_of(&badge["criteria"], "id"))
            .await
            .content_type
            .starts_with("text/html")
    );
    let image = str_of(&badge, "image");
    if !image.contains("retired-badge") {
        let f = get(image).await;
        let expected = if image.ends_with(".svg") {
            "image/svg+xml"
        } else {
            "image/png"
        };
        assert_eq!(f.content_type, expected, "{image}");
    }
    let evidence = str_of(&assertion["evidence"][0], "id");
    assert!(get(evidence).await.content_type.starts_with("text/html"));
    let recipient = &assertion["recipient"];
    assert_eq!(recipient["type"], "email");
    assert_eq!(recipient["hashed"], true);
    assert!(str_of(recipient, "identity").starts_with("sha256$"));
}

#[tokio::test]
async fn every_index_url_serves_what_it_says() {
    let (running, host) = badgehost::spawn(7).await.expect("badge host");
    let base = running.base_url.clone();
    let index: Value = serde_json::from_slice(&get(&format!("{base}/")).await.body).expect("index JSON");
    assert_eq!(&index, host.index());
    let issuer = ld(str_of(&index, "issuer")).await;
    let issuer_id = str_of(&issuer, "id").to_string();
    assert_eq!(issuer["type"], "Issuer");
    assert_eq!(get(str_of(&issuer, "image")).await.content_type, "image/png");
    let revocations = ld(str_of(&issuer, "revocationList")).await;
    assert_eq!(revocations["type"], "RevocationList");
    assert_eq!(revocations["issuer"], issuer_id.as_str());
    let revoked: BTreeSet<String> = revocations["revokedAssertions"]
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e.get("id").unwrap_or(e).as_str().map(str::to_string))
        .collect();

    let badges = index["badges"].as_array().expect("badges");
    let names: BTreeSet<&str> = badges.iter().map(|b| str_of(b, "name")).collect();
    for name in [
        "wrong-origin",
        "revoked",
        "expired",
        "issued-in-future",
        "bad-signature",
        "missing-salt",
    ] {
        assert!(names.contains(name), "{name} listed");
    }
    for entry in badges {
        let (name, form, url) = (str_of(entry, "name"), str_of(entry, "form"), str_of(entry, "url"));
        let served = &host.assertions[name];
        match form {
            "hosted" => {
                let a = ld(url).await;
                assert_eq!(a["type"], "Assertion");
                assert_eq!(a["verification"]["type"], "HostedBadge");
                assert_eq!(a, served.assertion);
                if name == "wrong-origin" {
                    assert!(str_of(&a, "id").starts_with("http://localhost:"), "{a}");
                } else {
                    assert_eq!(a["id"], url, "a hosted assertion lives at its id");
                }
                if name == "missing-salt" {
                    assert!(a["recipient"].get("salt").is_none());
                } else {
                    let salted = format!("{RECIPIENT_EMAIL}{}", str_of(&a["recipient"], "salt"));
                    let hash: String = Sha256::digest(salted).iter().map(|b| format!("{b:02x}")).collect();
                    assert_eq!(a["recipient"]["identity"], format!("sha256${hash}"));
                }
                check_links(&a, &issuer_id).await;
            }
            "signed" => {
                let f = get(url).await;
                assert!(f.content_type.starts_with("text/plain"), "{url}");
                let jws = String::from_utf8(f.body).expect("UTF-8");
                let a = payload(&jws);
                assert!(str_of(&a, "id").starts_with("urn:uuid:"));
                let creator = str_of(&a["verification"], "creator");
                let key = ld(creator).await;
                assert_eq!(key["type"], "CryptographicKey");
                assert_eq!(key["owner"], issuer_id.as_str());
                assert_eq!(
                    verify_rs256(&jws, str_of(&key, "publicKeyPem")),
                    name != "bad-signature",
                    "{name}: signature check"
                );
                assert_eq!(
                    issuer["publicKey"] == creator,
                    name != "unauthorized-key",
                    "{name}: key listed"
                );
                assert_eq!(
                    revoked.contains(str_of(&a, "id")),
                    name == "revoked",
                    "{name}: revocation"
                );
                check_links(&a, &issuer_id).await;
            }
            "png" => {
                let f = get(url).await;
                assert_eq!(f.content_type, "image/png");
                let expected = served
                    .jws
                    .clone()
                    .unwrap_or_else(|| str_of(&served.assertion, "id").to_string());
                assert_eq!(unbake_png(&f.body), expected, "hosted: the URL; signed: the JWS");
            }
            "svg" => {
                let f = get(url).await;
                assert_eq!(f.content_type, "image/svg+xml");
                let svg = String::from_utf8(f.body).expect("UTF-8");
                assert!(svg.contains(&format!("xmlns:openbadges=\"{}\"", badgehost::OB_NAMESPACE)));
                assert_eq!(svg.matches("<openbadges:assertion ").count(), 1);
                let verify = served
                    .jws
                    .clone()
                    .unwrap_or_else(|| str_of(&served.assertion, "id").to_string());
                assert!(
                    svg.contains(&format!("<openbadges:assertion verify=\"{verify}\"")),
                    "{svg}"
                );
                if served.jws.is_none() {
                    assert!(svg.contains(&format!("<![CDATA[{}]]>", served.assertion)));
                }
            }
            other => panic!("unknown form {other}"),
        }
    }
    assert_eq!(
        reqwest::get(format!("{base}/assertions/nope"))
            .await
            .expect("request")
            .status()
            .as_u16(),
        404
    );
    running.shutdown().await.expect("stops");
}

#[test]
fn content_is_deterministic_from_seed_and_base() {
    let a = BadgeHost::new(3, "http://127.0.0.1:8731").expect("host");
    let b = BadgeHost::new(3, "http://127.0.0.1:8731").expect("host");
    let c = BadgeHost::new(4, "http://127.0.0.1:8731").expect("host");
    for (name, served) in &a.assertions {
        assert_eq!(served.assertion, b.assertions[name].assertion);
        assert_eq!(served.jws, b.assertions[name].jws);
        assert_eq!(served.png, b.assertions[name].png);
        assert_ne!(
            served.assertion["recipient"], c.assertions[name].assertion["recipient"],
            "salt follows the seed"
        );
    }
}
