//! The format vectors in `vectors/fixed/ob30/format/` are generated here, so they can never drift from the decoder:
//! the test regenerates them in memory, checks each decodes (or fails) as its manifest entry says, and compares
//! with the files. `CLR_BLESS=1` rewrites the files instead.

use std::path::PathBuf;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Value, json};

use super::png::build;
use super::{
    CHECK_JSON, CHECK_JWS, CHECK_PNG, CHECK_SVG, Limits, bake_png, bake_svg, decode, minimal_png, minimal_svg,
};

struct Vector {
    file: &'static str,
    bytes: Vec<u8>,
    /// The failing check, or `None` for a vector that must pass.
    trips: Option<&'static str>,
    description: &'static str,
}

/// A valid OB 3.0 AchievementCredential (VCDM 2.0), without a proof: the carriers are under test here.
fn credential() -> Value {
    json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
        "id": "urn:uuid:8f0c5b7e-3b9a-4c1d-9e2f-6a7b8c9d0e1f",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {
            "id": "https://example.edu/issuers/565049",
            "type": ["Profile"],
            "name": "Example University"
        },
        "validFrom": "2024-05-01T00:00:00Z",
        "name": "Teamwork Badge",
        "credentialSubject": {
            "id": "did:example:ebfeb1f712ebc6f1c276e12ec21",
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://example.edu/achievements/teamwork",
                "type": ["Achievement"],
                "name": "Teamwork",
                "description": "Works effectively in a team.",
                "criteria": { "narrative": "Completed three team projects with positive peer reviews." }
            }
        }
    })
}

fn credential_json() -> String {
    serde_json::to_string_pretty(&credential()).unwrap_or_default() + "\n"
}

fn jws_parts() -> (String, Value) {
    let header = r#"{"alg":"RS256","typ":"JWT","kid":"https://example.edu/keys/1"}"#;
    let mut payload = credential();
    let claims = json!({
        "iss": payload["issuer"]["id"],
        "jti": payload["id"],
        "sub": payload["credentialSubject"]["id"],
        "nbf": 1_714_521_600, // validFrom 2024-05-01T00:00:00Z
    });
    if let (Some(p), Some(c)) = (payload.as_object_mut(), claims.as_object()) {
        p.extend(c.clone());
    }
    (URL_SAFE_NO_PAD.encode(header), payload)
}

/// VC-JWT of the credential with a dummy 256-byte signature (signatures are checked elsewhere).
fn jws() -> String {
    let (header, payload) = jws_parts();
    let signature: Vec<u8> = (0..=255u8).collect();
    let payload = URL_SAFE_NO_PAD.encode(payload.to_string());
    format!("{header}.{payload}.{}", URL_SAFE_NO_PAD.encode(signature))
}

fn vectors() -> Vec<Vector> {
    let json = credential_json();
    let jws = jws();
    let ns = "xmlns:openbadges=\"https://purl.imsglobal.org/ob/v3p0\"";
    let bake = |text: &str| bake_png(&minimal_png(), "openbadgecredential", text).unwrap_or_default();
    let mut crc = bake(&json);
    if let Some(b) = crc.get_mut(33 + 8 + 3) {
        *b ^= 0x20; // flips the case of a keyword letter inside the iTXt chunk, leaving its CRC stale
    }
    let bad_jws = {
        let (header, payload) = jws_parts();
        // A common mistake: standard, padded base64 for the payload.
        format!(
            "{header}.{}.{}",
            STANDARD.encode(payload.to_string()),
            URL_SAFE_NO_PAD.encode([0u8; 256])
        )
    };
    let v = |file, bytes: Vec<u8>, trips, description| Vector {
        file,
        bytes,
        trips,
        description,
    };
    vec![
        v("baked-png-json-ok.png", bake(&json), None, "PNG with the credential JSON in an iTXt chunk"),
        v("baked-png-jws-ok.png", bake(&jws), None, "PNG with the credential as a compact JWS in an iTXt chunk"),
        v(
            "baked-svg-cdata-ok.svg",
            bake_svg(&minimal_svg(), &json, false).unwrap_or_default().into_bytes(),
            None,
            "SVG with the credential JSON in the CDATA body of openbadges:credential",
        ),
        v(
            "baked-svg-verify-ok.svg",
            bake_svg(&minimal_svg(), &jws, true).unwrap_or_default().into_bytes(),
            None,
            "SVG with the credential as a compact JWS in the verify attribute",
        ),
        v("jws-ok.jwt", jws.clone().into_bytes(), None, "VC-JWT compact JWS (RS256 header, dummy signature)"),
        v(
            "png-no-chunk-fail.png",
            build::with_text(&minimal_png(), "Software", "clr-harness"),
            Some(CHECK_PNG),
            "PNG without an openbadgecredential iTXt chunk (only a tEXt Software chunk)",
        ),
        v(
            "png-two-chunks-fail.png",
            build::with_itxt(&bake(&json), "openbadgecredential", false, jws.as_bytes()),
            Some(CHECK_PNG),
            "two iTXt chunks with keyword openbadgecredential",
        ),
        v(
            "png-compressed-itxt-fail.png",
            build::with_itxt(&minimal_png(), "openbadgecredential", true, &build::zlib(jws.as_bytes())),
            Some(CHECK_PNG),
            "openbadgecredential iTXt chunk with compression flag 1",
        ),
        v("png-crc-mismatch-fail.png", crc, Some(CHECK_PNG), "openbadgecredential iTXt chunk whose CRC does not match"),
        v(
            "svg-broken-xml-fail.svg",
            format!("<svg xmlns=\"http://www.w3.org/2000/svg\" {ns}>\n  <openbadges:credential><![CDATA[{{}}]]></openbadges:credential>\n  <g></h>\n</svg>\n").into_bytes(),
            Some(CHECK_SVG),
            "SVG that is not well-formed XML (mismatched end tag)",
        ),
        v(
            "svg-no-credential-fail.svg",
            format!("<svg xmlns=\"http://www.w3.org/2000/svg\" {ns} width=\"1\" height=\"1\">\n  <rect width=\"1\" height=\"1\"/>\n</svg>\n").into_bytes(),
            Some(CHECK_SVG),
            "SVG declaring the openbadges namespace but without an openbadges:credential element",
        ),
        v(
            "svg-entity-bomb-fail.svg",
            entity_bomb(ns).into_bytes(),
            Some(CHECK_SVG),
            "SVG with a DTD declaring nested entities (billion laughs); must be refused, not expanded",
        ),
        v(
            "jws-bad-base64-fail.jwt",
            bad_jws.into_bytes(),
            Some(CHECK_JWS),
            "compact JWS whose payload segment is standard padded base64, not base64url",
        ),
        v(
            "json-syntax-fail.json",
            json.replacen("\"name\": \"Teamwork Badge\",", "\"name\": \"Teamwork Badge\",,", 1).into_bytes(),
            Some(CHECK_JSON),
            "credential JSON with a syntax error (doubled comma)",
        ),
        v(
            "json-array-fail.json",
            format!("[\n{}]\n", json.replace('\n', "\n  ")).into_bytes(),
            Some(CHECK_JSON),
            "a JSON array holding the credential instead of the credential object",
        ),
    ]
}

fn entity_bomb(ns: &str) -> String {
    let mut s = String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE svg [\n  <!ENTITY lol \"lol\">\n");
    for i in 1..10 {
        let prev = if i == 1 {
            "lol".to_string()
        } else {
            format!("lol{}", i - 1)
        };
        s.push_str(&format!("  <!ENTITY lol{i} \"{}\">\n", format!("&{prev};").repeat(10)));
    }
    s + &format!("]>\n<svg xmlns=\"http://www.w3.org/2000/svg\" {ns}>\n  <text>&lol9;</text>\n</svg>\n")
}

fn manifest(vectors: &[Vector]) -> String {
    let mut out = String::from(
        "# OB 3.0 format vectors. Generated and checked by decode::vectors::format_vectors_are_up_to_date;\n\
         # regenerate with CLR_BLESS=1 cargo test -p clr-harness --lib format_vectors.\n\
         # The ok vectors carry no embedded proof and the JWS ones a dummy signature: they test carriers, not proofs.\n",
    );
    for v in vectors {
        let (expect, trips) = v
            .trips
            .map_or(("pass", String::new()), |c| ("fail", format!("\"{c}\"")));
        out.push_str(&format!(
            "\n[[vector]]\nfile = \"{}\"\nexpect = \"{expect}\"\ntrips = [{trips}]\ndescription = \"{}\"\n",
            v.file, v.description
        ));
    }
    out
}

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../vectors/fixed/ob30/format")
}

#[test]
fn format_vectors_are_up_to_date() {
    let vectors = vectors();
    for v in &vectors {
        assert!(!v.bytes.is_empty(), "{} was not generated", v.file);
        match (decode(&v.bytes, &Limits::default()), v.trips) {
            (Ok(d), None) => {
                assert_eq!(d.value["id"], credential()["id"], "{}", v.file);
                if let Some(jws) = &d.jws {
                    assert_eq!(d.value["iss"], credential()["issuer"]["id"], "{}", v.file);
                    assert_eq!(jws.signature.len(), 256, "{}", v.file);
                }
            }
            (Err(e), Some(check)) => assert_eq!(e.check, check, "{}: {e}", v.file),
            (result, trips) => panic!(
                "{} should trip {trips:?} but decoded to {:?}",
                v.file,
                result.map(|d| d.layers)
            ),
        }
    }
    let manifest = manifest(&vectors);
    assert!(toml::from_str::<toml::Value>(&manifest).is_ok(), "manifest is not TOML");
    let files = vectors
        .iter()
        .map(|v| (v.file, v.bytes.as_slice()))
        .chain([("manifest.toml", manifest.as_bytes())]);
    let dir = dir();
    if std::env::var_os("CLR_BLESS").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(&dir).unwrap();
        for (name, bytes) in files {
            std::fs::write(dir.join(name), bytes).unwrap();
        }
        return;
    }
    let stale: Vec<&str> = files
        .filter(|(name, bytes)| std::fs::read(dir.join(name)).ok().as_deref() != Some(*bytes))
        .map(|f| f.0)
        .collect();
    assert!(
        stale.is_empty(),
        "format vectors out of date (rerun with CLR_BLESS=1): {stale:?}"
    );
}
