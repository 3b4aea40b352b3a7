//! Interop with a verifier nobody here wrote: the Digital Bazaar verifier (`verify.mjs`, from `../shared/peers`)
//! verifies every valid Data Integrity credential the mock issuer issues — course, co-curricular, competency and
//! endorsement credentials and the CLR with its nested credentials — and refuses one changed after signing.
//!
//! The peer is found through `CLR_PEER_NODE_DIR` or `../shared/peers/node`. Without it the test says so and skips,
//! except under `CI=true`, where `.ci/run` installs it and a missing peer is a failure.

use std::path::{Path, PathBuf};
use std::process::Command;

use clr_mocks::issuer::{MockIssuer, REVOKED};

fn peer_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("CLR_PEER_NODE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/peers/node"));
    if dir.join("node_modules").is_dir() {
        return Some(dir);
    }
    let msg = format!(
        "Node peer not installed at {} (bash ../shared/peers/setup.sh node)",
        dir.display()
    );
    assert!(std::env::var("CI").is_err(), "{msg}");
    eprintln!("note: skipped, {msg}");
    None
}

#[test]
fn digital_bazaar_verifies_what_the_mock_issuer_issues() {
    let Some(peer) = peer_dir() else { return };
    // The ids name an https origin no one serves: the keys are the multibase fragments, so nothing is fetched.
    let issuer = MockIssuer::new(7, "https://issuer.example").expect("issuer");
    let dir = std::env::temp_dir().join(format!("clr-mocks-peer-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let mut files = Vec::new();
    for (slug, vc) in &issuer.credentials {
        if REVOKED.contains(&slug.as_str()) {
            continue;
        }
        let path = dir.join(format!("{slug}.json"));
        std::fs::write(&path, serde_json::to_vec_pretty(vc).expect("json")).expect("write");
        files.push(path);
    }
    assert!(
        files.len() >= 5,
        "course, co-curricular, competency, endorsement and CLR credentials"
    );
    let mut tampered = issuer.credentials.get("clr").cloned().expect("a CLR");
    tampered["name"] = "A transcript changed after signing".into();
    let tampered_path = dir.join("clr-tampered.json");
    std::fs::write(&tampered_path, serde_json::to_vec_pretty(&tampered).expect("json")).expect("write");

    // Status lists live on the issuer's server, which this test does not start: the peer takes status as fine.
    let mut args: Vec<String> = vec!["--status-ok".into()];
    args.extend(files.iter().map(|p| p.display().to_string()));
    args.push(tampered_path.display().to_string());
    let out = Command::new("node")
        .arg(peer.join("verify.mjs"))
        .args(&args)
        .output()
        .expect("node runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    for f in &files {
        let line = format!("VERIFIED {}", f.display());
        assert!(
            text.contains(&line),
            "verify.mjs did not verify {}:\n{text}",
            f.display()
        );
    }
    assert!(
        text.contains(&format!("FAILED {}", tampered_path.display())),
        "the changed CLR must fail:\n{text}"
    );
    let _ = std::fs::remove_dir_all(dir);
}
