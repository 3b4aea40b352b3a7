//! `clr-harness vectors`: the operator list, and generated files whose manifest is the truth — each file, given to
//! `clr-harness validate` as a user would, trips exactly the checks its manifest entry names and exits as its
//! `expect` says; unsigned, signed (Data Integrity and VC-JWT) and baked.

use std::collections::BTreeSet;
use std::path::Path;

mod common;
use common::{run, temp_dir, text};

const NOW: &str = "2025-12-01T00:00:00Z";

/// Checks that did not pass (fail, warn, info, error) over a report's subjects and their children.
fn tripped(report: &serde_json::Value) -> BTreeSet<String> {
    fn walk(s: &serde_json::Value, out: &mut BTreeSet<String>) {
        for r in s["results"].as_array().into_iter().flatten() {
            if matches!(r["outcome"].as_str(), Some("fail" | "warn" | "info" | "error")) {
                out.insert(r["check"].as_str().unwrap_or_default().to_string());
            }
        }
        for c in s["children"].as_array().into_iter().flatten() {
            walk(c, out);
        }
    }
    let mut out = BTreeSet::new();
    for s in report["subjects"].as_array().into_iter().flatten() {
        walk(s, &mut out);
    }
    out
}

/// `clr-harness vectors generate ARGS --out DIR`, which must succeed.
fn generate_into(dir: &Path, args: &[&str]) -> std::process::Output {
    let mut all = vec!["vectors", "generate"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--out", dir.to_str().expect("utf-8 path")]);
    let out = run(&all);
    assert!(out.status.success(), "{}", text(&out));
    out
}

/// Validates every file of a generated manifest and compares it with its entry. Returns how many were judged.
fn every_file_is_as_its_manifest_says(dir: &Path, extra: &[&str]) -> usize {
    let manifest: toml::Value =
        toml::from_str(&std::fs::read_to_string(dir.join("manifest.toml")).expect("manifest written")).expect("toml");
    let entries = manifest["vector"].as_array().expect("entries");
    for entry in entries {
        let file = entry["file"].as_str().expect("file");
        let path = dir.join(file);
        let mut args = vec![
            "validate",
            path.to_str().expect("utf-8 path"),
            "--now",
            NOW,
            "--format",
            "json",
        ];
        args.extend_from_slice(extra);
        let out = run(&args);
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!("{file}: no JSON report ({e}):\n{}", text(&out));
        });
        let want: BTreeSet<String> = entry["trips"]
            .as_array()
            .expect("trips")
            .iter()
            .map(|t| t.as_str().unwrap_or_default().to_string())
            .collect();
        assert_eq!(tripped(&report), want, "{file}: {}", entry["description"]);
        let code = match entry["expect"].as_str() {
            Some("fail") => 1,
            _ => 0,
        };
        assert_eq!(out.status.code(), Some(code), "{file}: exit status\n{}", text(&out));
    }
    entries.len()
}

#[test]
fn mutations_lists_every_operator_by_kind() {
    let out = run(&["vectors", "mutations"]);
    assert!(out.status.success(), "{}", text(&out));
    let listed = text(&out);
    for name in [
        "remove-required",
        "tamper-claim",
        "wrong-proof-purpose",
        "jwt-claim-mismatch",
        "png-bad-crc",
        "svg-no-namespace",
    ] {
        assert!(
            listed.contains(&format!("\n{name}")) || listed.starts_with(name),
            "{name} missing:\n{listed}"
        );
    }
    assert!(listed.contains("# proof operators (--signed)"), "{listed}");
}

#[test]
fn unsigned_generated_files_trip_what_their_manifest_says() {
    let dir = temp_dir("gen-unsigned");
    let out = generate_into(&dir, &["--seed", "11", "--count", "2", "--mutations", "all"]);
    assert!(text(&out).contains("seed 11"), "the seed is printed: {}", text(&out));
    let judged = every_file_is_as_its_manifest_says(&dir, &["--no-proofs"]);
    assert!(judged > 10, "{judged} files");
}

#[test]
fn signed_and_baked_generated_files_verify_or_trip_what_their_manifest_says() {
    for (name, extra) in [
        ("di-svg", &["--signed", "di", "--baked", "svg"][..]),
        ("es256", &["--signed", "jwt-es256"][..]),
    ] {
        let dir = temp_dir(&format!("gen-{name}"));
        let mut args = vec!["--seed", "12", "--count", "2", "--mutations", "all"];
        args.extend_from_slice(extra);
        generate_into(&dir, &args);
        let manifest = std::fs::read_to_string(dir.join("manifest.toml")).expect("manifest");
        assert!(manifest.contains("verify_proofs = true"), "{manifest}");
        let judged = every_file_is_as_its_manifest_says(&dir, &[]);
        assert!(judged > 8, "{name}: {judged} files");
    }
}

#[test]
fn a_seed_writes_the_same_ed25519_signed_files() {
    let write = |name: &str| {
        let dir = temp_dir(name);
        let args = [
            "--seed",
            "0x2a",
            "--count",
            "2",
            "--signed",
            "di",
            "--mutations",
            "tamper-claim",
        ];
        generate_into(&dir, &args);
        dir
    };
    let (a, b) = (write("gen-seed-a"), write("gen-seed-b"));
    let mut files: Vec<_> = std::fs::read_dir(&a)
        .expect("dir")
        .map(|e| e.expect("entry").file_name())
        .collect();
    files.sort();
    assert!(files.len() >= 5, "{files:?}");
    for f in files {
        assert_eq!(
            std::fs::read(a.join(&f)).expect("a"),
            std::fs::read(b.join(&f)).expect("b"),
            "{f:?}"
        );
    }
}

#[test]
fn operators_of_the_wrong_kind_are_refused() {
    let dir = temp_dir("gen-refused");
    let d = dir.to_str().unwrap();
    for (args, says) in [
        (
            vec!["--signed", "di", "--mutations", "remove-required"],
            "data-model operator",
        ),
        (vec!["--mutations", "tamper-claim"], "needs --signed"),
        (vec!["--signed", "di", "--mutations", "png-bad-crc"], "--baked png"),
        (vec!["--baked", "png"], "--signed"),
        (vec!["--mutations", "no-such-operator"], "unknown mutation operator"),
    ] {
        let mut all = vec!["vectors", "generate", "--count", "1", "--out", d];
        all.extend(args.iter().copied());
        let out = run(&all);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out));
        assert!(text(&out).contains(says), "{args:?}: {}", text(&out));
    }
}

/// `vectors freeze`: a failing document and the entry written beside it become a fixed vector with its manifest
/// entry; the same name twice is refused, and an unknown check id too.
#[test]
fn freeze_keeps_a_document_as_a_fixed_vector() {
    let dir = temp_dir("freeze");
    let generated = dir.join("gen");
    generate_into(
        &generated,
        &["--seed", "5", "--count", "1", "--mutations", "remove-required"],
    );
    let manifest: toml::Value =
        toml::from_str(&std::fs::read_to_string(generated.join("manifest.toml")).unwrap()).unwrap();
    let mutant = manifest["vector"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["expect"].as_str() == Some("fail"))
        .expect("a mutant");
    let doc = generated.join(mutant["file"].as_str().unwrap());
    // What a failing property writes beside its document.
    std::fs::write(
        doc.with_extension("toml"),
        format!("trips = {}\ndescription = \"frozen from a test\"\n", mutant["trips"]),
    )
    .unwrap();
    let into = dir.join("fixed");
    let d = into.to_str().unwrap();
    let freeze = |extra: &[&str]| {
        let mut args = vec!["vectors", "freeze", doc.to_str().unwrap(), "--into", d];
        args.extend_from_slice(extra);
        run(&args)
    };
    let out = freeze(&["--name", "missing-thing"]);
    assert!(out.status.success(), "{}", text(&out));
    let written: toml::Value = toml::from_str(&std::fs::read_to_string(into.join("manifest.toml")).unwrap()).unwrap();
    let entry = &written["vector"][0];
    assert_eq!(entry["file"].as_str(), Some("missing-thing-fail.json"));
    assert_eq!(entry["trips"], mutant["trips"]);
    assert_eq!(entry["description"].as_str(), Some("frozen from a test"));
    assert!(into.join("missing-thing-fail.json").is_file());
    // The frozen file trips what its entry says, through validate.
    assert_eq!(every_file_is_as_its_manifest_says(&into, &["--no-proofs"]), 1);
    let again = freeze(&["--name", "missing-thing"]);
    assert_eq!(again.status.code(), Some(2), "{}", text(&again));
    let unknown = freeze(&["--name", "x", "--trips", "NOPE-001"]);
    assert_eq!(unknown.status.code(), Some(2), "{}", text(&unknown));
    assert!(text(&unknown).contains("NOPE-001"), "{}", text(&unknown));
}
