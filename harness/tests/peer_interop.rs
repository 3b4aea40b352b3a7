//! Interoperability with Digital Bazaar's verifier and signer (the Node peer in `../shared/peers/node`, or
//! `CLR_PEER_NODE_DIR`): what we sign, it verifies; what it signs, we verify; a changed claim fails on both sides.
//! Skipped with a note when the peer (`bash ../shared/peers/setup.sh node`) or the spec folder is absent.

use std::path::{Path, PathBuf};
use std::process::Command;

use clr_harness::jsonld::canon::Budget;
use clr_harness::proof::di::{self, DiError, Suite};
use ed25519_dalek::SigningKey;
use serde_json::Value;

const SEED: [u8; 32] = [0x5a; 32];

fn peer_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("CLR_PEER_NODE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/peers/node"));
    if dir.join("node_modules").is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "note: skipped, Node peer not installed at {} (bash ../shared/peers/setup.sh node)",
            dir.display()
        );
        None
    }
}

fn spec_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("CLR_SPEC_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/spec"));
    if dir.join("ob-3.0").is_dir() {
        Some(dir)
    } else {
        eprintln!("note: skipped, spec artefacts not found at {}", dir.display());
        None
    }
}

fn read(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).expect("readable")).expect("JSON")
}

/// `did:key:z6Mk…` of an Ed25519 key (multicodec 0xed01, base58btc multibase).
fn did_key(public: &[u8; 32]) -> String {
    let mut bytes = vec![0xed, 0x01];
    bytes.extend_from_slice(public);
    format!("did:key:z{}", bs58::encode(bytes).into_string())
}

fn key_of(vm: &str) -> [u8; 32] {
    let fragment = vm.rsplit_once('#').map(|(_, f)| f).expect("fragment");
    let bytes = bs58::decode(&fragment[1..]).into_vec().expect("base58");
    assert_eq!(bytes[..2], [0xed, 0x01]);
    bytes[2..].try_into().expect("32 bytes")
}

fn node(dir: &Path, script: &str, args: &[&str]) -> (bool, String) {
    let out = Command::new("node")
        .arg(dir.join(script))
        .args(args)
        .output()
        .expect("node runs");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

fn tamper(doc: &Value) -> Value {
    let mut doc = doc.clone();
    doc["name"] = format!("{} (changed)", doc["name"].as_str().unwrap_or_default()).into();
    doc
}

#[test]
fn signatures_cross_verify_with_digital_bazaar() {
    let (Some(peer), Some(spec)) = (peer_dir(), spec_dir()) else {
        return;
    };
    let tmp = std::env::temp_dir().join(format!("clr-peer-interop-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).expect("temp dir");
    let public = SigningKey::from_bytes(&SEED).verifying_key().to_bytes();
    let did = did_key(&public);
    let vm = format!("{did}#{}", &did["did:key:".len()..]);
    let inputs = [
        (
            "ob",
            spec.join("ob-3.0/examples/impl-guide/ldp-test-vector-ob-credential.json"),
        ),
        (
            "clr",
            spec.join("clr-2.0/examples/impl-guide/ldp-test-vector-clr-credential.json"),
        ),
    ];

    for (name, path) in &inputs {
        let mut unsigned = read(path);
        // The peer's credential checks want the issuer to be the key's controller.
        unsigned["issuer"]["id"] = did.clone().into();
        for (suite, tag) in [(Suite::EddsaRdfc2022, "rdfc"), (Suite::Ed25519Signature2020, "ed2020")] {
            let ours = di::sign_with_suite(&unsigned, &SEED, suite, &vm, "2024-06-01T12:00:00Z").expect("signs");
            let file = tmp.join(format!("{name}-{tag}-ours.json"));
            let bad = tmp.join(format!("{name}-{tag}-ours-changed.json"));
            std::fs::write(&file, serde_json::to_vec(&ours).expect("json")).expect("write");
            std::fs::write(&bad, serde_json::to_vec(&tamper(&ours)).expect("json")).expect("write");
            let (ok, out) = node(&peer, "verify.mjs", &[file.to_str().expect("utf-8")]);
            assert!(
                ok && out.contains("VERIFIED"),
                "{name}/{tag}: peer rejects our signature: {out}"
            );
            let (ok, out) = node(&peer, "verify.mjs", &[bad.to_str().expect("utf-8")]);
            assert!(
                !ok && out.contains("FAILED"),
                "{name}/{tag}: peer accepts a changed credential: {out}"
            );
        }

        for (suite, tag) in [
            ("eddsa-rdfc-2022", Suite::EddsaRdfc2022),
            ("Ed25519Signature2020", Suite::Ed25519Signature2020),
        ] {
            let (ok, out) = node(&peer, "sign.mjs", &["--suite", suite, path.to_str().expect("utf-8")]);
            assert!(ok, "{name}: sign.mjs failed: {out}");
            let json_start = out.find('{').expect("JSON on stdout");
            let theirs: Value = serde_json::Deserializer::from_str(&out[json_start..])
                .into_iter()
                .next()
                .expect("one document")
                .expect("JSON");
            let proof = &di::list_proofs(&theirs)[0];
            let key = key_of(proof.verification_method.as_deref().expect("vm"));
            let verified = di::verify(&theirs, 0, &key, &Budget::default())
                .unwrap_or_else(|e| panic!("{name}/{suite}: we reject the peer's signature: {e}"));
            assert_eq!(verified.suite, tag);
            assert!(matches!(
                di::verify(&tamper(&theirs), 0, &key, &Budget::default()),
                Err(DiError::SignatureMismatch { .. })
            ));
        }
    }
    let _ = std::fs::remove_dir_all(&tmp);
}
