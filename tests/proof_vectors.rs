//! The signed vectors (`vectors/fixed/*/proof/`) are generated, not hand-edited: each is an unsigned source vector
//! signed with a test key, plus one named mutation. This test rebuilds every one in memory and compares it with the
//! committed file; `CLR_BLESS=1 cargo test -p clr-harness-tests --test proof_vectors` rewrites them.
//!
//! ES256 signatures are randomized, so ES256 vectors are compared on their header and payload and their committed
//! signature must still verify; they are rewritten only when missing or when their signed content changed.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use clr_harness::decode::CompactJws;
use clr_harness::fetch::FetchPolicy;
use clr_harness::proof::di::Suite;
use clr_harness::proof::jwt::{self, JwtReport};
use clr_harness::proof::keyfile::{self, JwtSigningKey};
use clr_harness::proof::multikey::{self, PublicKey};
use clr_harness::proof::sign::{self, Format, Signed, Signer};
use clr_harness::verify::Net;
use clr_harness_tests::{VECTOR_EPOCH, repo_root};
use serde_json::{Value, json};

/// The issuer's Ed25519 test key. A seed written in a test is public: these keys sign test vectors only.
const ISSUER_SEED: [u8; 32] = *b"clr-harness test issuer key 0001";

/// The RSA 2048 and P-256 test keys (private JWKs committed as fixtures, named test keys).
const RSA_KEY: &str = "vectors/keys/test-rsa-2048.private.jwk.json";
const P256_KEY: &str = "vectors/keys/test-p256.private.jwk.json";

/// Unsigned sources.
const BADGE: &str = "vectors/fixed/ob30/ok/university-course-credential-ok.json";
const LEGACY_BADGE: &str = "vectors/fixed/ob30/ok/vcdm11-legacy-badge-ok.json";
const CLR: &str = "vectors/fixed/clr20/ok/minimal-clr-ok.json";

struct Keys {
    ed25519: JwtSigningKey,
    ed25519_public: [u8; 32],
    rsa: JwtSigningKey,
    rsa_kid: String,
    p256: JwtSigningKey,
}

type Build = fn(&Keys) -> Result<String, String>;

/// Every generated vector: its path under `vectors/fixed`, whether its bytes are reproducible, and how it is built.
const VECTORS: &[(&str, bool, Build)] = &[
    ("ob30/proof/di-eddsa-rdfc-ok.json", true, di_ok),
    ("ob30/proof/unsigned-fail.json", true, unsigned),
    (
        "ob30/proof/proofvalue-not-multibase-fail.json",
        true,
        proofvalue_not_multibase,
    ),
    ("ob30/proof/unknown-cryptosuite-fail.json", true, unknown_cryptosuite),
    ("ob30/proof/legacy-ed25519signature2020-ok.json", true, legacy_suite),
    ("ob30/proof/vm-bad-multibase-fail.json", true, vm_bad_multibase),
    ("ob30/proof/tampered-after-signing-fail.json", true, tampered),
    ("ob30/proof/vm-controller-not-issuer-fail.json", true, vm_did_key),
    ("ob30/proof/jwt-rs256-ok.jwt", true, jwt_rs256),
    ("ob30/proof/jwt-alg-none-fail.jwt", true, jwt_alg_none),
    ("ob30/proof/jwt-es256-ok.jwt", false, jwt_es256),
    ("ob30/proof/jwt-vc-claim-legacy-ok.jwt", true, jwt_vc_claim),
    ("ob30/proof/jwt-claim-mismatch-fail.jwt", true, jwt_claim_mismatch),
    ("ob30/proof/jwt-kid-unresolvable-fail.jwt", true, jwt_kid_unresolvable),
    ("ob30/proof/jwt-bad-signature-fail.jwt", true, jwt_bad_signature),
    (
        "ob30/proof/jwt-kid-controller-not-issuer-fail.jwt",
        true,
        jwt_kid_controller,
    ),
    ("clr20/proof/clr-nested-signed-ok.json", true, clr_nested),
    (
        "clr20/proof/nested-credential-tampered-fail.json",
        true,
        clr_nested_tampered,
    ),
];

#[test]
fn signed_vectors_match_their_sources() {
    let keys = load_keys();
    let bless = std::env::var_os("CLR_BLESS").is_some_and(|v| v == "1");
    let mut problems = Vec::new();
    for (name, reproducible, build) in VECTORS {
        let path = repo_root().join("vectors/fixed").join(name);
        let built = match build(&keys) {
            Ok(b) => b,
            Err(e) => {
                problems.push(format!("{name}: cannot build: {e}"));
                continue;
            }
        };
        let committed = std::fs::read_to_string(&path).ok();
        let same = match (&committed, reproducible) {
            (None, _) => false,
            (Some(c), true) => *c == built,
            (Some(c), false) => same_signed_content(c, &built) && es256_verifies(c),
        };
        if same {
            continue;
        }
        if bless {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).expect("create the vector directory");
            }
            std::fs::write(&path, &built).expect("write the vector");
            eprintln!("blessed {name}");
        } else {
            problems.push(format!(
                "{name} differs from what its source and mutation give (CLR_BLESS=1 rewrites it)"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

fn load_keys() -> Keys {
    let read = |p: &str| keyfile::read_key_file(&repo_root().join(p)).expect("the test key file reads");
    let ed = keyfile::ed25519_from_seed(&ISSUER_SEED, "", None).expect("a seed gives a key");
    let ed25519 = keyfile::signing_key(&ed.private_jwk).expect("the Ed25519 key loads");
    let PublicKey::Ed25519(ed25519_public) = *ed25519.public_key() else {
        panic!("an Ed25519 seed gives an Ed25519 key")
    };
    let rsa_file = read(RSA_KEY);
    Keys {
        ed25519,
        ed25519_public,
        rsa: keyfile::signing_key(&rsa_file).expect("the RSA test key loads"),
        rsa_kid: rsa_file["kid"].as_str().unwrap_or_default().to_string(),
        p256: keyfile::signing_key(&read(P256_KEY)).expect("the P-256 test key loads"),
    }
}

fn source(path: &str) -> Result<Value, String> {
    let text = std::fs::read_to_string(repo_root().join(path)).map_err(|e| format!("{path}: {e}"))?;
    let v: Value = serde_json::from_str(&text).map_err(|e| format!("{path}: {e}"))?;
    // The ok vectors carry placeholder proofs: a source is the credential without them.
    Ok(sign::without_proof(&v))
}

fn di_signer(keys: &Keys, suite: Suite, vm: Option<String>) -> Signer<'_> {
    Signer {
        key: &keys.ed25519,
        ed25519_seed: Some(ISSUER_SEED),
        format: Format::DataIntegrity(suite),
        verification_method: vm,
        kid: None,
        embed_jwk: false,
        created: None,
    }
}

fn json_text(v: &Value) -> String {
    sign::to_text(&Signed::Json(v.clone()))
}

fn signed_json(credential: &Value, signer: &Signer) -> Result<Value, String> {
    match sign::sign(credential, signer).map_err(|e| e.to_string())? {
        Signed::Json(v) => Ok(v),
        Signed::Jws(_) => Err("expected a JSON document".into()),
    }
}

fn di_badge(keys: &Keys) -> Result<Value, String> {
    signed_json(&source(BADGE)?, &di_signer(keys, Suite::EddsaRdfc2022, None))
}

fn di_ok(keys: &Keys) -> Result<String, String> {
    Ok(json_text(&di_badge(keys)?))
}

/// The source as it is: no proof at all.
fn unsigned(_: &Keys) -> Result<String, String> {
    Ok(json_text(&source(BADGE)?))
}

/// The signature re-encoded as multibase base64url (`u…`) instead of base58btc (`z…`).
fn proofvalue_not_multibase(keys: &Keys) -> Result<String, String> {
    let mut v = di_badge(keys)?;
    let pv = v["proof"]["proofValue"].as_str().unwrap_or_default().to_string();
    let bytes = multikey::decode_multibase(&pv).map_err(|e| e.to_string())?;
    v["proof"]["proofValue"] = format!("u{}", URL_SAFE_NO_PAD.encode(bytes)).into();
    Ok(json_text(&v))
}

/// A cryptosuite the harness does not implement (ECDSA), on an otherwise complete proof.
fn unknown_cryptosuite(keys: &Keys) -> Result<String, String> {
    let mut v = di_badge(keys)?;
    v["proof"]["cryptosuite"] = "ecdsa-rdfc-2019".into();
    Ok(json_text(&v))
}

/// The deprecated Ed25519Signature2020 suite (its context is added by the signer).
fn legacy_suite(keys: &Keys) -> Result<String, String> {
    let v = signed_json(&source(BADGE)?, &di_signer(keys, Suite::Ed25519Signature2020, None))?;
    Ok(json_text(&v))
}

/// The verification method's multibase fragment lost its last four characters: a key of the wrong length.
fn vm_bad_multibase(keys: &Keys) -> Result<String, String> {
    let credential = source(BADGE)?;
    let vm = sign::default_verification_method(&credential, &keys.ed25519_public);
    let cut = vm.get(..vm.len() - 4).unwrap_or_default().to_string();
    Ok(json_text(&signed_json(
        &credential,
        &di_signer(keys, Suite::EddsaRdfc2022, Some(cut)),
    )?))
}

/// The achievement renamed after signing.
fn tampered(keys: &Keys) -> Result<String, String> {
    let mut v = di_badge(keys)?;
    v["credentialSubject"]["achievement"]["name"] = "Advanced Data Structures".into();
    Ok(json_text(&v))
}

/// Signed with the key's did:key: it verifies, but its controller is the did:key, not the https issuer.
fn vm_did_key(keys: &Keys) -> Result<String, String> {
    let vm = multikey::ed25519_did_key_method(&keys.ed25519_public);
    Ok(json_text(&signed_json(
        &source(BADGE)?,
        &di_signer(keys, Suite::EddsaRdfc2022, Some(vm)),
    )?))
}

fn jws_line(jws: String) -> String {
    format!("{jws}\n")
}

/// RS256 with the public key in the header (`jwk`) and the key's URL as `kid`: verifies offline.
fn jwt_rs256(keys: &Keys) -> Result<String, String> {
    jwt::sign_vc_jwt_with(&source(BADGE)?, &keys.rsa, Some(&keys.rsa_kid), true)
        .map(jws_line)
        .map_err(|e| e.to_string())
}

/// `alg: none` and an empty signature: an unsigned JWT.
fn jwt_alg_none(keys: &Keys) -> Result<String, String> {
    let payload = jwt::vc_jwt_payload(&source(BADGE)?).map_err(|e| e.to_string())?;
    let header = json!({"alg": "none", "typ": "JWT", "kid": keys.rsa_kid});
    let enc = |v: &Value| URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap_or_default());
    Ok(format!("{}.{}.\n", enc(&header), enc(&payload)))
}

fn jwt_es256(keys: &Keys) -> Result<String, String> {
    jwt::sign_vc_jwt_with(&source(BADGE)?, &keys.p256, None, true)
        .map(jws_line)
        .map_err(|e| e.to_string())
}

/// A VCDM 1.1 JWT: registered claims and the credential in a `vc` claim.
fn jwt_vc_claim(keys: &Keys) -> Result<String, String> {
    let credential = source(LEGACY_BADGE)?;
    let seconds = |member: &str| {
        credential[member]
            .as_str()
            .and_then(clr_harness::datetime::epoch_seconds)
            .map(|s| s as i64)
    };
    let payload = json!({
        "iss": credential["issuer"]["id"],
        "jti": credential["id"],
        "sub": credential["credentialSubject"]["id"],
        "nbf": seconds("issuanceDate"),
        "exp": seconds("expirationDate"),
        "vc": credential,
    });
    let header = json!({"alg": "RS256", "typ": "JWT", "kid": keys.rsa_kid, "jwk": keys.rsa.public_jwk()});
    jwt::sign_jws(&header, &payload, &keys.rsa)
        .map(jws_line)
        .map_err(|e| e.to_string())
}

fn rs256(keys: &Keys, payload: &Value) -> Result<String, String> {
    let header = json!({"alg": "RS256", "typ": "JWT", "kid": keys.rsa_kid, "jwk": keys.rsa.public_jwk()});
    jwt::sign_jws(&header, payload, &keys.rsa)
        .map(jws_line)
        .map_err(|e| e.to_string())
}

/// `iss` names another organisation than the credential's issuer; the signature over it is valid.
fn jwt_claim_mismatch(keys: &Keys) -> Result<String, String> {
    let mut payload = jwt::vc_jwt_payload(&source(BADGE)?).map_err(|e| e.to_string())?;
    payload["iss"] = "https://registrar.example.org/issuers/1".into();
    rs256(keys, &payload)
}

/// A `kid` in a DID method the harness cannot resolve, and no `jwk`: the key cannot be found.
fn jwt_kid_unresolvable(keys: &Keys) -> Result<String, String> {
    let payload = jwt::vc_jwt_payload(&source(BADGE)?).map_err(|e| e.to_string())?;
    let header = json!({"alg": "RS256", "typ": "JWT", "kid": "did:example:northbridge-registrar#key-1"});
    jwt::sign_jws(&header, &payload, &keys.rsa)
        .map(jws_line)
        .map_err(|e| e.to_string())
}

/// The payload segment replaced after signing (the achievement renamed): the signature no longer covers it.
fn jwt_bad_signature(keys: &Keys) -> Result<String, String> {
    let signed = jwt_rs256(keys)?;
    let mut parts: Vec<String> = signed.trim_end().split('.').map(str::to_owned).collect();
    let mut payload = jwt::vc_jwt_payload(&source(BADGE)?).map_err(|e| e.to_string())?;
    payload["credentialSubject"]["achievement"]["name"] = "Advanced Data Structures".into();
    parts[1] = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&payload).map_err(|e| e.to_string())?);
    Ok(jws_line(parts.join(".")))
}

/// EdDSA with the key's did:key as `kid`: it resolves offline, but the key's controller is not the https issuer.
fn jwt_kid_controller(keys: &Keys) -> Result<String, String> {
    let kid = multikey::ed25519_did_key_method(&keys.ed25519_public);
    jwt::sign_vc_jwt_with(&source(BADGE)?, &keys.ed25519, Some(&kid), false)
        .map(jws_line)
        .map_err(|e| e.to_string())
}

fn clr_signed(keys: &Keys) -> Result<Value, String> {
    match sign::sign_nested(&source(CLR)?, &di_signer(keys, Suite::EddsaRdfc2022, None)) {
        Ok((Signed::Json(v), _)) => Ok(v),
        Ok((Signed::Jws(_), _)) => Err("expected a JSON document".into()),
        Err(e) => Err(e.to_string()),
    }
}

fn clr_nested(keys: &Keys) -> Result<String, String> {
    Ok(json_text(&clr_signed(keys)?))
}

/// A nested credential's grade changed after its issuer signed it, then the CLR signed over it: the CLR's own
/// proof verifies, the nested one does not.
fn clr_nested_tampered(keys: &Keys) -> Result<String, String> {
    let mut clr = sign::without_proof(&clr_signed(keys)?);
    clr["credentialSubject"]["verifiableCredential"][0]["credentialSubject"]["result"][0]["value"] = "B".into();
    Ok(json_text(&signed_json(
        &clr,
        &di_signer(keys, Suite::EddsaRdfc2022, None),
    )?))
}

/// Header and payload of two compact JWS texts are the same (their signatures may differ).
fn same_signed_content(a: &str, b: &str) -> bool {
    let content = |s: &str| -> Option<(Value, Value)> {
        let jws = CompactJws::parse(s).ok()?;
        Some((jws.header, jws.payload))
    };
    content(a).is_some() && content(a) == content(b)
}

fn es256_verifies(text: &str) -> bool {
    let Ok(jws) = CompactJws::parse(text) else {
        return false;
    };
    let Ok(net) = Net::new(FetchPolicy::default()) else {
        return false;
    };
    let now = clr_harness::verify::Env::at(VECTOR_EPOCH).map_or(0, |e| e.now);
    let report: JwtReport = net.block_on(jwt::verify_vc_jwt_at(&jws, net.fetcher(), now));
    report.signature_verified()
}
