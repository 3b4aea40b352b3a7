//! The generated OB 2.0 and CLR 1.0 vectors: signed assertions and records (RS256 compact JWS), baked PNG/SVG badges,
//! and the key documents, profile and badge image of the hosted issuers (`vectors/fixed/{ob20,clr10}/site`). This test rebuilds each
//! in memory and compares it with the committed file; `CLR_BLESS=1 cargo test -p clr-harness-tests --test
//! ob20_vectors` rewrites them. RS256 is deterministic, so every file is byte-reproducible.

use clr_harness::decode::png;
use clr_harness::ob2;
use clr_harness::proof::keyfile::{self, JwtSigningKey};
use clr_harness_tests::repo_root;
use clr_mocks::badgehost::baking;
use serde_json::{Value, json};

const RSA_KEY: &str = "vectors/keys/test-rsa-2048.private.jwk.json";
const SITE: &str = "https://badges.example.org";
/// The id of the signed assertion the site's RevocationList lists.
const REVOKED_ID: &str = "urn:uuid:6b3a2f1e-9c4d-4e8f-a1b2-c3d4e5f60002";

type Build = fn(&JwtSigningKey) -> Result<Vec<u8>, String>;

/// Every generated file: its path under `vectors/fixed`, and how it is built.
const FILES: &[(&str, Build)] = &[
    ("ob20/site/keys/1.json", |k| key_doc(k, "1", &format!("{SITE}/issuer"))),
    ("ob20/site/keys/2.json", |k| key_doc(k, "2", &format!("{SITE}/issuer"))),
    ("ob20/site/keys/3.json", |k| {
        key_doc(k, "3", "https://other.example.org/issuer")
    }),
    ("ob20/site/images/data-analysis.png", |_| Ok(badge_png())),
    ("ob20/verification/signed-ok.jws", |k| jws(k, signed(|_| {}))),
    ("ob20/verification/signed-tampered-fail.jws", tampered),
    ("ob20/verification/signed-unlisted-key-fail.jws", |k| {
        jws(
            k,
            signed(|a| a["verification"]["creator"] = format!("{SITE}/keys/2").into()),
        )
    }),
    ("ob20/verification/signed-key-owner-other-ok.jws", |k| {
        jws(
            k,
            signed(|a| a["verification"]["creator"] = format!("{SITE}/keys/3").into()),
        )
    }),
    ("ob20/verification/signed-revoked-fail.jws", |k| {
        jws(k, signed(|a| a["id"] = REVOKED_ID.into()))
    }),
    ("ob20/verification/signed-expires-before-issued-fail.jws", |k| {
        jws(k, signed(|a| a["expires"] = "2025-01-31T00:00:00Z".into()))
    }),
    ("ob20/verification/signed-recipient-matches-ok.jws", |k| {
        jws(k, signed(|_| {}))
    }),
    ("ob20/verification/signed-recipient-mismatch-fail.jws", |k| {
        jws(k, signed(|_| {}))
    }),
    ("ob20/verification/baked-hosted-ok.png", |_| {
        png::bake_png(&badge_png(), "openbadges", &format!("{SITE}/assertions/hosted-ok")).map_err(|e| e.to_string())
    }),
    ("ob20/verification/baked-hosted-revoked-fail.png", |_| {
        png::bake_png(&badge_png(), "openbadges", &format!("{SITE}/assertions/revoked-hosted"))
            .map_err(|e| e.to_string())
    }),
    ("ob20/verification/baked-hosted-not-served-fail.png", |_| {
        png::bake_png(&badge_png(), "openbadges", &format!("{SITE}/assertions/never-issued")).map_err(|e| e.to_string())
    }),
    ("ob20/verification/baked-signed-ok.png", |k| {
        let jws = text(k, signed(|_| {}))?;
        png::bake_png(&badge_png(), "openbadges", &jws).map_err(|e| e.to_string())
    }),
    ("ob20/verification/baked-hosted-ok.svg", |_| {
        let served = std::fs::read_to_string(repo_root().join("vectors/fixed/ob20/site/assertions/hosted-ok.json"))
            .map_err(|e| e.to_string())?;
        let compact: Value = serde_json::from_str(&served).map_err(|e| e.to_string())?;
        baking::bake_svg(
            &badge_svg(),
            &format!("{SITE}/assertions/hosted-ok"),
            Some(&compact.to_string()),
        )
        .map(String::into_bytes)
        .map_err(|e| e.to_string())
    }),
    ("ob20/verification/baked-signed-ok.svg", |k| {
        let jws = text(k, signed(|_| {}))?;
        baking::bake_svg(&badge_svg(), &jws, None)
            .map(String::into_bytes)
            .map_err(|e| e.to_string())
    }),
    ("clr10/site/profile.json", clr_profile),
    ("clr10/site/keys/1.json", |k| clr_key_doc(k, "1")),
    ("clr10/site/keys/2.json", |k| clr_key_doc(k, "2")),
    ("clr10/verification/signed-clr-ok.jws", |k| jws(k, signed_clr(|_| {})?)),
    ("clr10/verification/signed-clr-tampered-fail.jws", |k| {
        let original = text(k, signed_clr(|_| {})?)?;
        let edited = signed_clr(|c| c["assertions"][1]["results"][0]["value"] = "A".into())?;
        Ok(replace_payload(&original, &edited))
    }),
    ("clr10/verification/signed-clr-unlisted-key-fail.jws", |k| {
        jws(
            k,
            signed_clr(|c| c["verification"]["creator"] = format!("{REGISTRAR}/keys/2").into())?,
        )
    }),
    ("clr10/verification/signed-clr-revoked-fail.jws", |k| {
        jws(k, signed_clr(|c| c["id"] = CLR_REVOKED_ID.into())?)
    }),
    ("clr10/verification/clr-set-signed-ok.json", |k| {
        let set = json!({
            "@context": CLR_CONTEXT,
            "type": "ClrSet",
            "signedClrs": [text(k, signed_clr(|_| {})?)?],
        });
        pretty(&set)
    }),
    ("clr10/verification/signed-assertions-ok.json", |k| {
        pretty(&with_signed_assertion(k)?)
    }),
    // The record above is hosted, so that it verifies as a whole too.
    (
        "clr10/site/ims/clr/v1p0/clrs/0e8d7c6b-5a49-4382-9170-a1b2c3d4e507.json",
        |k| pretty(&with_signed_assertion(k)?),
    ),
];

const REGISTRAR: &str = "https://registrar.example.edu";
const CLR_CONTEXT: &str = "https://purl.imsglobal.org/spec/clr/v1p0/context/clr_v1p0.jsonld";
/// The id of the signed CLR the registrar's RevocationList lists.
const CLR_REVOKED_ID: &str = "urn:uuid:0e8d7c6b-5a49-4382-9170-a1b2c3d4e5ff";

/// A hosted transcript carrying one of its assertions as a signed assertion.
fn with_signed_assertion(k: &JwtSigningKey) -> Result<Value, String> {
    let clr = transcript()?;
    let mut assertion = clr["assertions"][1].clone();
    assertion["@context"] = CLR_CONTEXT.into();
    assertion["verification"] = json!({"type": "Signed", "creator": format!("{REGISTRAR}/keys/1")});
    let mut out = clr.clone();
    if let Some(list) = out["assertions"].as_array_mut() {
        list.remove(1);
    }
    out["id"] = format!("{REGISTRAR}/ims/clr/v1p0/clrs/0e8d7c6b-5a49-4382-9170-a1b2c3d4e507").into();
    out["verification"] = json!({"type": "Hosted"});
    out["signedAssertions"] = json!([text(k, assertion)?]);
    Ok(out)
}

/// The transcript every CLR 1.0 vector starts from.
fn transcript() -> Result<Value, String> {
    let text = std::fs::read_to_string(repo_root().join("vectors/fixed/clr10/ok/transcript-ok.json"))
        .map_err(|e| e.to_string())?;
    serde_json::from_str(&text).map_err(|e| e.to_string())
}

/// The transcript signed by the registrar's key 1, changed by `edit`.
fn signed_clr(edit: impl FnOnce(&mut Value)) -> Result<Value, String> {
    let mut clr = transcript()?;
    clr["verification"] = json!({"type": "Signed", "creator": format!("{REGISTRAR}/keys/1")});
    edit(&mut clr);
    Ok(clr)
}

/// The registrar's Profile as served at its id: the key it signs with, its revocation list, its hosting policy.
fn clr_profile(key: &JwtSigningKey) -> Result<Vec<u8>, String> {
    let pem = ob2::sign::public_key_pem(key.public_key()).ok_or("the test key is not RSA")?;
    pretty(&json!({
        "@context": CLR_CONTEXT,
        "type": "Profile",
        "id": format!("{REGISTRAR}/profile"),
        "name": "Example State University — Office of the Registrar",
        "url": format!("{REGISTRAR}/"),
        "email": "registrar@example.edu",
        "publicKey": {
            "id": format!("{REGISTRAR}/keys/1"),
            "owner": format!("{REGISTRAR}/profile"),
            "publicKeyPem": pem,
        },
        "revocationList": format!("{REGISTRAR}/revocations"),
        "verification": {"type": "Verification", "allowedOrigins": ["registrar.example.edu"]},
    }))
}

fn clr_key_doc(key: &JwtSigningKey, n: &str) -> Result<Vec<u8>, String> {
    let pem = ob2::sign::public_key_pem(key.public_key()).ok_or("the test key is not RSA")?;
    pretty(&json!({
        "@context": CLR_CONTEXT,
        "type": "CryptographicKey",
        "id": format!("{REGISTRAR}/keys/{n}"),
        "owner": format!("{REGISTRAR}/profile"),
        "publicKeyPem": pem,
    }))
}

fn pretty(v: &Value) -> Result<Vec<u8>, String> {
    serde_json::to_string_pretty(v)
        .map(|t| format!("{t}\n").into_bytes())
        .map_err(|e| e.to_string())
}

/// A compact JWS with its payload replaced and its signature kept: what editing a signed document gives.
fn replace_payload(jws: &str, payload: &Value) -> Vec<u8> {
    use base64::Engine;
    let mut parts: Vec<String> = jws.split('.').map(str::to_string).collect();
    parts[1] = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(payload.to_string());
    format!("{}\n", parts.join(".")).into_bytes()
}

#[test]
fn generated_ob20_vectors_match_what_builds_them() {
    let file = keyfile::read_key_file(&repo_root().join(RSA_KEY)).expect("the RSA test key reads");
    let key = keyfile::signing_key(&file).expect("the RSA test key loads");
    let bless = std::env::var_os("CLR_BLESS").is_some_and(|v| v == "1");
    let mut problems = Vec::new();
    for (name, build) in FILES {
        let path = repo_root().join("vectors/fixed").join(name);
        let built = match build(&key) {
            Ok(b) => b,
            Err(e) => {
                problems.push(format!("{name}: cannot build: {e}"));
                continue;
            }
        };
        if std::fs::read(&path).ok().as_deref() == Some(built.as_slice()) {
            continue;
        }
        if bless {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).expect("create the vector directory");
            }
            std::fs::write(&path, &built).expect("write the vector");
            eprintln!("blessed {name}");
        } else {
            problems.push(format!("{name} differs from what builds it (CLR_BLESS=1 rewrites it)"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The signed assertion every signed vector starts from, changed by `edit`.
fn signed(edit: impl FnOnce(&mut Value)) -> Value {
    let mut a = json!({
        "@context": "https://w3id.org/openbadges/v2",
        "type": "Assertion",
        "id": "urn:uuid:6b3a2f1e-9c4d-4e8f-a1b2-c3d4e5f60001",
        "recipient": {
            "type": "email",
            "hashed": true,
            "salt": "deadsea",
            "identity": "sha256$ecf5409f3f4b91ab60cc5ef4c02aef7032354375e70cf4d8e43f6a1d29891942"
        },
        "badge": format!("{SITE}/badges/data-analysis"),
        "verification": {"type": "SignedBadge", "creator": format!("{SITE}/keys/1")},
        "issuedOn": "2025-03-14T15:00:00Z",
        "narrative": "Presented the capstone analysis of city bike-share data to the course panel."
    });
    edit(&mut a);
    a
}

fn text(key: &JwtSigningKey, doc: Value) -> Result<String, String> {
    ob2::sign::sign(&doc, key).map_err(|e| e.to_string())
}

fn jws(key: &JwtSigningKey, doc: Value) -> Result<Vec<u8>, String> {
    text(key, doc).map(|t| format!("{t}\n").into_bytes())
}

/// A signed assertion whose payload was edited after signing (an earlier issue date claimed), the signature kept.
fn tampered(key: &JwtSigningKey) -> Result<Vec<u8>, String> {
    let original = text(key, signed(|_| {}))?;
    Ok(replace_payload(
        &original,
        &signed(|a| a["issuedOn"] = "2025-01-02T15:00:00Z".into()),
    ))
}

fn key_doc(key: &JwtSigningKey, n: &str, owner: &str) -> Result<Vec<u8>, String> {
    let pem = ob2::sign::public_key_pem(key.public_key()).ok_or("the test key is not RSA")?;
    let doc = json!({
        "@context": "https://w3id.org/openbadges/v2",
        "type": "CryptographicKey",
        "id": format!("{SITE}/keys/{n}"),
        "owner": owner,
        "publicKeyPem": pem,
    });
    serde_json::to_string_pretty(&doc)
        .map(|t| format!("{t}\n").into_bytes())
        .map_err(|e| e.to_string())
}

fn badge_png() -> Vec<u8> {
    baking::badge_png([31, 119, 180], [245, 245, 245]).unwrap_or_default()
}

fn badge_svg() -> String {
    baking::badge_svg("Data Analysis with Python", [31, 119, 180], [245, 245, 245])
}
