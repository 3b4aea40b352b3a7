//! The `clr-harness` binary as a user meets it: exit codes, report formats and files, selection, and hostile
//! input that must end in a clear finding or error, never a panic or a hang.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

mod common;
use common::{bin, report_json, run, temp_dir, text};

/// `validate` of the data model only: these credentials are unsigned on purpose (proofs have their own tests).
fn validate_dm(args: &[&str]) -> Output {
    let mut all = vec!["validate", "--no-proofs"];
    all.extend_from_slice(args);
    run(&all)
}

const VALID: &str = r#"{
  "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
  "id": "urn:uuid:3e1b7f4c-2a5d-4f6e-9c1b-8d7a6e5f4c3b",
  "type": ["VerifiableCredential", "OpenBadgeCredential"],
  "issuer": {"id": "https://example.edu/issuers/1", "type": ["Profile"], "name": "Example University"},
  "validFrom": "2024-05-01T00:00:00Z",
  "name": "Intro to Data",
  "credentialSubject": {
    "id": "did:example:learner1",
    "type": ["AchievementSubject"],
    "achievement": {
      "id": "https://example.edu/achievements/data-101",
      "type": ["Achievement"],
      "name": "Intro to Data",
      "description": "Completed Data 101.",
      "criteria": {"narrative": "Pass all labs."}
    }
  }
}"#;

fn write(dir: &Path, name: &str, content: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, content).expect("write");
    p
}

// The data-model tests below pass `--no-proofs`: `validate` verifies proofs by default, and `VALID` is unsigned on
// purpose (the signing tests at the end sign it).

#[test]
fn a_valid_credential_exits_0_and_a_broken_one_exits_1_with_a_located_diagnostic() {
    let dir = temp_dir("verdicts");
    let ok = write(&dir, "ok.json", VALID.as_bytes());
    let out = validate_dm(&[ok.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));

    let broken = VALID.replace(r#""type": ["Profile"]"#, r#""type": ["Issuer"]"#);
    let bad = write(&dir, "bad.json", broken.as_bytes());
    let out = validate_dm(&[bad.to_str().unwrap()]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(t.contains("OB30-DM-033"), "names the rule: {t}");
    assert!(t.contains("/issuer/type"), "names the pointer: {t}");
    assert!(t.contains("bad.json:5:"), "names the line: {t}");
    assert!(t.contains("\"Issuer\""), "shows what was found: {t}");
}

#[test]
fn report_dir_receives_every_format_and_json_follows_its_schema() {
    let dir = temp_dir("reports");
    let ok = write(&dir, "ok.json", VALID.as_bytes());
    let reports = dir.join("out");
    let out = validate_dm(&[ok.to_str().unwrap(), "--report-dir", reports.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    for f in ["report.json", "junit.xml", "report.md", "report.txt"] {
        assert!(reports.join(f).is_file(), "{f} written");
    }
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(reports.join("report.json")).unwrap()).unwrap();
    assert_eq!(json["format"], "clr-harness-report/1");
    assert_eq!(json["summary"]["exit_code"], 0);
    let junit = std::fs::read_to_string(reports.join("junit.xml")).unwrap();
    assert!(junit.contains("OB30-DM-006"), "one testcase per check");
}

#[test]
fn formats_print_to_stdout() {
    let dir = temp_dir("formats");
    let ok = write(&dir, "ok.json", VALID.as_bytes());
    let out = validate_dm(&[ok.to_str().unwrap(), "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    assert_eq!(v["subjects"][0]["detected"]["kind"], "ob30-achievement-credential");
    let out = validate_dm(&[ok.to_str().unwrap(), "--format", "junit"]);
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("<?xml"));
}

#[test]
fn selection_globs_and_exit_code_4_when_nothing_is_selected() {
    let dir = temp_dir("select");
    let broken = VALID.replace(r#""type": ["Profile"]"#, r#""type": ["Issuer"]"#);
    let bad = write(&dir, "bad.json", broken.as_bytes());
    let out = validate_dm(&[bad.to_str().unwrap(), "--skip", "OB30-DM-033"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "skipped rule no longer fails: {}",
        text(&out)
    );
    let out = validate_dm(&[bad.to_str().unwrap(), "--only", "NOPE-*"]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    let out = run(&["checks", "--only", "CLR20-*", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("catalogue JSON");
    let ids: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert!(
        !ids.is_empty() && ids.iter().all(|id| id.starts_with("CLR20-")),
        "{ids:?}"
    );
}

#[test]
fn strict_turns_should_warnings_into_failures() {
    let dir = temp_dir("strict");
    let older = VALID.replace("context-3.0.3.json", "context-3.0.2.json");
    let f = write(&dir, "older.json", older.as_bytes());
    let out = validate_dm(&[f.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "a warning passes: {}", text(&out));
    assert!(text(&out).contains("OB30-DM-021"));
    let out = validate_dm(&[f.to_str().unwrap(), "--strict"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(run(&["validate"]).status.code(), Some(2));
    assert_eq!(run(&["validate", "/no/such/file.json"]).status.code(), Some(2));
    assert_eq!(run(&["frobnicate"]).status.code(), Some(2));
    assert_eq!(run(&["validate", "x.json", "--format", "pdf"]).status.code(), Some(2));
}

#[test]
fn stdin_is_an_input() {
    let mut child = bin()
        .args(["validate", "--no-proofs", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(VALID.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

/// Hostile inputs: each ends with exit 1 or 2 and a clear message, quickly and without panicking.
#[test]
fn hostile_inputs_give_clear_errors() {
    let dir = temp_dir("hostile");
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "not-json.txt",
            b"hello, this is not a credential".to_vec(),
            "OB30-FMT-001",
        ),
        (
            "deep.json",
            format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)).into_bytes(),
            "OB30-FMT-001",
        ),
        ("bad-utf8.json", b"{\"name\": \"\xff\xfe\"}".to_vec(), "OB30-FMT-001"),
        ("array.json", format!("[{VALID}, {VALID}]").into_bytes(), "OB30-FMT-001"),
        ("syntax.json", b"{\"a\": 1,\n \"b\": }".to_vec(), "OB30-FMT-001"),
    ];
    for (name, bytes, check) in cases {
        let p = write(&dir, name, &bytes);
        let out = validate_dm(&[p.to_str().unwrap()]);
        let t = text(&out);
        assert!(
            matches!(out.status.code(), Some(1) | Some(2)),
            "{name}: exit {:?}\n{t}",
            out.status.code()
        );
        assert!(t.contains(check), "{name} names {check}: {t}");
        assert!(!t.contains("panicked"), "{name}: {t}");
    }
    // 200 MB: read at most the limit, then a size error.
    let big = dir.join("big.json");
    std::fs::File::create(&big).unwrap().set_len(200 * 1024 * 1024).unwrap();
    let out = validate_dm(&[big.to_str().unwrap()]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(t.contains("limit"), "says why: {t}");
}

/// The README's catalogue table is generated from the registry; this keeps it true. `CLR_BLESS=1` rewrites it.
#[test]
fn readme_catalogue_matches_the_registry() {
    let out = run(&["checks", "--format", "md"]);
    assert_eq!(out.status.code(), Some(0));
    let table = String::from_utf8(out.stdout).expect("utf-8");
    let readme_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md");
    let readme = std::fs::read_to_string(&readme_path).expect("README.md");
    let (start, end) = ("<!-- catalogue:start -->\n", "<!-- catalogue:end -->");
    let (Some(a), Some(b)) = (readme.find(start), readme.find(end)) else {
        panic!("README.md lacks the catalogue markers");
    };
    let current = &readme[a + start.len()..b];
    if current != table {
        if std::env::var_os("CLR_BLESS").is_some() {
            let updated = format!("{}{table}{}", &readme[..a + start.len()], &readme[b..]);
            std::fs::write(&readme_path, updated).expect("write README.md");
        } else {
            panic!(
                "README.md's catalogue is out of date: run `CLR_BLESS=1 cargo test -p clr-harness-cli --test cli readme`"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------------------------
// keys generate → sign → validate: the issuer's workflow end to end, offline.

fn generate_key(dir: &Path, alg: &str) -> PathBuf {
    let key = dir.join(format!("{alg}.json"));
    let out = run(&["keys", "generate", "--alg", alg, "--out", key.to_str().unwrap()]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert!(t.contains("kid:"), "prints the kid: {t}");
    key
}

#[test]
fn an_ed25519_signed_credential_validates_and_tampering_is_named() {
    let dir = temp_dir("sign-di");
    let key = generate_key(&dir, "ed25519");
    let input = write(&dir, "in.json", VALID.as_bytes());
    let signed = dir.join("signed.json");
    let out = run(&[
        "sign",
        "--key",
        key.to_str().unwrap(),
        input.to_str().unwrap(),
        "-o",
        signed.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let doc = std::fs::read_to_string(&signed).unwrap();
    assert!(doc.contains("eddsa-rdfc-2022"), "{doc}");
    assert!(
        doc.contains("\"verificationMethod\": \"https://example.edu/issuers/1#z6Mk"),
        "the issuer controls the key by default: {doc}"
    );
    // Deterministic: created defaults to validFrom, and Ed25519 signatures are deterministic.
    let again = run(&["sign", "--key", key.to_str().unwrap(), input.to_str().unwrap()]);
    assert_eq!(String::from_utf8_lossy(&again.stdout), doc);

    let out = run(&["validate", signed.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));

    let tampered = write(
        &dir,
        "tampered.json",
        doc.replace("Completed Data 101.", "Completed Data 201.").as_bytes(),
    );
    let out = run(&["validate", tampered.to_str().unwrap()]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(t.contains("OB30-PRF-005"), "names the signature check: {t}");
}

#[test]
fn an_rsa_vc_jwt_with_its_jwk_in_the_header_validates_offline() {
    let dir = temp_dir("sign-jwt");
    let key = generate_key(&dir, "rsa");
    let input = write(&dir, "in.json", VALID.as_bytes());
    let jwt = dir.join("signed.jwt");
    let out = run(&[
        "sign",
        "--key",
        key.to_str().unwrap(),
        "--embed-jwk",
        input.to_str().unwrap(),
        "-o",
        jwt.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(std::fs::read_to_string(&jwt).unwrap().trim().split('.').count(), 3);
    let out = run(&["validate", jwt.to_str().unwrap()]);
    let t = text(&out);
    // The signature verifies with the key in the header, but whether the issuer publishes that key was not
    // checked (its JWKS is not fetched by default): unverified, exit 5, with the reason and how to complete it.
    assert_eq!(out.status.code(), Some(5), "{t}");
    assert!(t.contains("unverified — OB30-JWT-007"), "{t}");
    assert!(t.contains("--allow-fetch"), "says how to complete verification: {t}");
    let out = run(&["validate", "--allow-unverified", jwt.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));

    // A Data Integrity proof needs an Ed25519 key: a usage error, not a broken file.
    let out = run(&[
        "sign",
        "--key",
        key.to_str().unwrap(),
        "--format",
        "di",
        input.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("Ed25519"), "{}", text(&out));
}

#[test]
fn nested_signing_signs_each_clr_credential_and_refuses_non_clrs() {
    let dir = temp_dir("sign-nested");
    let key = generate_key(&dir, "ed25519");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let clr = root.join("vectors/fixed/clr20/ok/minimal-clr-ok.json");
    let signed = dir.join("clr.json");
    let out = run(&[
        "sign",
        "--key",
        key.to_str().unwrap(),
        "--nested",
        clr.to_str().unwrap(),
        "-o",
        signed.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(
        std::fs::read_to_string(&signed)
            .unwrap()
            .matches("\"proofValue\"")
            .count(),
        2
    );
    let out = run(&["validate", signed.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));

    let input = write(&dir, "badge.json", VALID.as_bytes());
    let out = run(&[
        "sign",
        "--key",
        key.to_str().unwrap(),
        "--nested",
        input.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("not one"), "{}", text(&out));
}

#[test]
fn keys_generate_refuses_to_overwrite_and_a_seed_is_reproducible() {
    let dir = temp_dir("keys");
    let seed = "00".repeat(31) + "01";
    let key = dir.join("k.json");
    let generate = |extra: &[&str]| {
        let mut args = vec![
            "keys",
            "generate",
            "--alg",
            "ed25519",
            "--seed",
            &seed,
            "--out",
            key.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        run(&args)
    };
    let first = generate(&[]);
    assert_eq!(first.status.code(), Some(0), "{}", text(&first));
    let refused = generate(&[]);
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused));
    assert!(text(&refused).contains("--force"), "{}", text(&refused));
    let second = generate(&["--force"]);
    assert_eq!(first.stdout, second.stdout);
    let out = run(&[
        "keys",
        "generate",
        "--alg",
        "rsa",
        "--seed",
        &seed,
        "--out",
        dir.join("r.json").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
}

/// Kills the mock ecosystem when the test ends, however it ends.
struct Serving(std::process::Child);

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `clr-harness mocks serve ARGS…` and reads what it prints up to its `ready` line.
fn serve(args: &[&std::ffi::OsStr]) -> (Serving, Vec<String>) {
    use std::io::{BufRead, BufReader};
    let mut child = bin()
        .args(["mocks", "serve"])
        .args(args)
        .stdout(Stdio::piped())
        .spawn()
        .expect("starts");
    let stdout = child.stdout.take().expect("stdout");
    let serving = Serving(child);
    let mut lines = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("line");
        let ready = line.starts_with("ready");
        lines.push(line);
        if ready {
            break;
        }
    }
    (serving, lines)
}

/// `mocks serve` brings the ecosystem up and prints where; what its issuer issues verifies through `validate`
/// (fetching only from the allowed mock host), and its revoked credential fails the status check.
#[test]
fn mocks_serve_starts_the_ecosystem_and_its_credentials_verify() {
    let out = run(&["mocks", "faults"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("pkce-not-verified"));

    let (serving, lines) = serve(&["--seed".as_ref(), "3".as_ref()]);
    let issuer_line = lines
        .iter()
        .find(|l| l.starts_with("mock issuer"))
        .expect("issuer URL printed");
    let issuer_id = issuer_line.split_whitespace().last().expect("url");
    let base = issuer_id.split("/issuers/").next().expect("base");
    let host = base.trim_start_matches("http://");
    let ok = run(&[
        "validate",
        &format!("{base}/credentials/course-statistics"),
        "--allow-host",
        host,
    ]);
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok));
    let revoked = run(&[
        "validate",
        &format!("{base}/credentials/course-revoked"),
        "--allow-host",
        host,
    ]);
    assert_eq!(revoked.status.code(), Some(1), "{}", text(&revoked));
    assert!(text(&revoked).contains("OB30-VER-002"), "{}", text(&revoked));
    drop(serving);
}

/// `[case] faults` in `mocks.toml` makes the CASE server misbehave, and `clr-harness run --spec case10` against it
/// fails exactly the check the fault breaks; a CASE fault listed under `[provider]` is refused with the reason.
#[test]
fn mocks_toml_case_faults_break_the_case_server() {
    let dir = temp_dir("case-faults");
    let config = write(
        &dir,
        "mocks.toml",
        b"[case]\nfaults = [\"case-stale-item\"]\n[issuer]\nenabled = false\n[provider]\nenabled = false\n",
    );
    let (serving, lines) = serve(&["--config".as_ref(), config.as_os_str()]);
    let case_line = lines
        .iter()
        .position(|l| l.starts_with("CASE 1.0 server"))
        .expect("the CASE server's line");
    assert!(
        lines.get(case_line + 1).is_some_and(|l| l.contains("case-stale-item")),
        "{lines:?}"
    );
    let base = lines[case_line]
        .split_whitespace()
        .last()
        .and_then(|u| u.split("/ims/").next())
        .expect("URL")
        .to_string();
    let out = run(&["run", "--base-url", &base, "--spec", "case10", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("a JSON report");
    let failing: Vec<&str> = report["subjects"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter(|r| r["outcome"] != "pass")
        .filter_map(|r| r["check"].as_str())
        .collect();
    // Plain http: the TLS check fails too.
    assert_eq!(failing, ["CASE-API-011", "CASE-API-017"], "{}", text(&out));
    drop(serving);

    let misplaced = write(&dir, "bad.toml", b"[provider]\nfaults = [\"case-stale-item\"]\n");
    let out = run(&["mocks", "serve", "--config", misplaced.to_str().expect("path")]);
    assert_ne!(out.status.code(), Some(0));
    assert!(text(&out).contains("list it under [case]"), "{}", text(&out));
}

/// `mocks serve --config mocks.example.toml --https --ca-out FILE`: every URL printed is https, the CA written to
/// FILE is what a client needs to reach discovery (and an untrusting client is refused), and `validate --ca-cert`
/// verifies the HTTPS issuer's credentials, its keys and status list fetched over HTTPS.
#[test]
fn mocks_serve_with_the_example_config_over_https_is_trusted_through_the_ca_file() {
    let dir = temp_dir("mocks-https");
    let ca_file = dir.join("ca.pem");
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../mocks.example.toml");
    let (serving, lines) = serve(&[
        "--config".as_ref(),
        example.as_os_str(),
        "--https".as_ref(),
        "--ca-out".as_ref(),
        ca_file.as_os_str(),
    ]);
    let all = lines.join("\n");
    assert!(all.contains("test user        grace / grace-password"), "{all}");
    let url = |prefix: &str| -> String {
        let line = lines.iter().find(|l| l.starts_with(prefix)).expect(prefix);
        line.split_whitespace().last().expect("url").to_string()
    };
    let discovery = url("provider (OB 3.0)");
    assert!(discovery.starts_with("https://127.0.0.1:"), "{all}");
    let issuer_id = url("mock issuer");
    assert!(issuer_id.starts_with("https://127.0.0.1:"), "{all}");
    let pem = std::fs::read(&ca_file).expect("--ca-out written");

    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let (trusted, untrusted) = runtime.block_on(async {
        let cert = reqwest::Certificate::from_pem(&pem).expect("a PEM certificate");
        let trusting = reqwest::Client::builder()
            .no_proxy()
            .tls_certs_merge([cert])
            .build()
            .expect("client");
        let sdd: serde_json::Value = trusting
            .get(&discovery)
            .send()
            .await
            .expect("discovery over https")
            .json()
            .await
            .expect("json");
        let untrusting = reqwest::Client::builder().no_proxy().build().expect("client");
        (sdd, untrusting.get(&discovery).send().await)
    });
    let token_url = &trusted["components"]["securitySchemes"]["OAuth2ACG"]["flows"]["authorizationCode"]["tokenUrl"];
    assert!(
        token_url.as_str().is_some_and(|u| u.starts_with("https://127.0.0.1:")),
        "{trusted}"
    );
    assert!(untrusted.is_err(), "a client without the CA is refused");

    let base = issuer_id.split("/issuers/").next().expect("base");
    let host = base.trim_start_matches("https://");
    let jwt = format!("{base}/credentials/course-machine-learning.jwt");
    let ok = run(&[
        "validate",
        &jwt,
        "--allow-host",
        host,
        "--ca-cert",
        ca_file.to_str().expect("path"),
    ]);
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok));
    drop(serving);
}

#[test]
fn documents_of_other_standards_are_unsupported_not_failed() {
    let dir = temp_dir("unsupported");
    let case = write(
        &dir,
        "framework.jsonld",
        br#"{"@context": "https://purl.imsglobal.org/spec/case/v1p0/context/imscasev1p0_context_v1p0.jsonld", "type": "CFDocument"}"#,
    );
    let out = run(&["validate", case.to_str().unwrap()]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(5), "{t}");
    assert!(
        t.contains("CASE framework document in its JSON-LD form"),
        "names what it is: {t}"
    );
    assert!(!t.contains("fail OB30-DM-001"), "no OB 3.0 failure: {t}");
}

#[test]
fn case_documents_are_validated_under_either_profile() {
    let vectors = root().join("vectors/fixed/case10");
    let ok = run(&["validate", vectors.join("ok/package-ok.json").to_str().unwrap()]);
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok));
    let opensalt_style = vectors.join("dm/package-item-with-document-link-fail.json");
    let strict = run(&["validate", opensalt_style.to_str().unwrap()]);
    let t = text(&strict);
    assert_eq!(strict.status.code(), Some(1), "{t}");
    assert!(
        t.contains("CASE-DM-004") && t.contains("/CFItems/0/CFDocumentURI"),
        "located: {t}"
    );
    let interop = run(&[
        "validate",
        opensalt_style.to_str().unwrap(),
        "--case-profile",
        "interop",
    ]);
    let t = text(&interop);
    assert_eq!(interop.status.code(), Some(0), "a warning under interop: {t}");
    assert!(t.contains("tolerated by the interop profile"), "{t}");
}

#[test]
fn hosted_open_badges_2_are_verified_offline_through_a_url_map() {
    let site = format!(
        "https://badges.example.org={}",
        root().join("vectors/fixed/ob20/site").display()
    );
    let now = "2025-12-01T00:00:00Z";
    let hosted = run(&[
        "validate",
        "https://badges.example.org/assertions/hosted-ok",
        "--url-map",
        &site,
        "--now",
        now,
    ]);
    let t = text(&hosted);
    assert_eq!(
        hosted.status.code(),
        Some(0),
        "a hosted badge named by its URL verifies offline: {t}"
    );
    assert!(t.contains("OB 2.0 Assertion"), "{t}");
    let baked = root().join("vectors/fixed/ob20/verification/baked-hosted-ok.png");
    let out = run(&["validate", baked.to_str().unwrap(), "--url-map", &site, "--now", now]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // Without the map, the same badge is unverified (exit 5), never passed.
    let offline = run(&["validate", baked.to_str().unwrap(), "--now", now]);
    assert_eq!(offline.status.code(), Some(5), "{}", text(&offline));
    let gone = run(&[
        "validate",
        "https://badges.example.org/assertions/no-such-badge",
        "--url-map",
        &site,
    ]);
    assert!(text(&gone).contains("answered 404 (--url-map"), "{}", text(&gone));
}

#[test]
fn a_non_ascii_character_in_a_date_is_a_finding_not_a_crash() {
    let dir = temp_dir("non-ascii-date");
    let doc = VALID.replacen(
        "\"validFrom\": \"",
        "\"validFrom\": \"2024-01-0\u{e9}0T00:00:00Z\", \"x-was\": \"",
        1,
    );
    assert_ne!(doc, VALID, "the fixture has a validFrom");
    let input = write(&dir, "odd-date.json", doc.as_bytes());
    let reports = dir.join("reports");
    let out = run(&[
        "validate",
        "--no-proofs",
        input.to_str().unwrap(),
        "--report-dir",
        reports.to_str().unwrap(),
    ]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "a located failure, not exit 101: {t}");
    assert!(t.contains("/validFrom"), "{t}");
    for f in ["report.json", "junit.xml", "report.md", "report.txt", "report.html"] {
        assert!(reports.join(f).exists(), "{f} written");
    }
}

/// Clients that abort downloads are ordinary closed connections: 200 of them (mid-handshake and mid-body) against
/// `mocks serve --https`, and the mocks still serve. (The binary once restored the default SIGPIPE action and died
/// silently with exit 141 on the first write to a closed connection.)
#[test]
fn aborted_downloads_do_not_stop_the_https_mocks() {
    let dir = temp_dir("aborts");
    let ca_file = dir.join("ca.pem");
    let (mut serving, lines) = serve(&[
        "--https".as_ref(),
        "--seed".as_ref(),
        "3".as_ref(),
        "--ca-out".as_ref(),
        ca_file.as_os_str(),
    ]);
    let case = lines
        .iter()
        .find(|l| l.starts_with("CASE 1.0 server"))
        .and_then(|l| l.split_whitespace().last())
        .expect("the CASE server's URL")
        .to_string();
    let pem = std::fs::read(&ca_file).expect("--ca-out written");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let cert = reqwest::Certificate::from_pem(&pem).expect("a PEM certificate");
        let client = |timeout_ms: u64| {
            reqwest::Client::builder()
                .no_proxy()
                .tls_certs_merge([cert.clone()])
                .http1_only()
                .pool_max_idle_per_host(0)
                .timeout(std::time::Duration::from_millis(timeout_ms))
                .build()
                .expect("client")
        };
        let docs: serde_json::Value = client(10_000)
            .get(&case)
            .send()
            .await
            .expect("CFDocuments")
            .json()
            .await
            .expect("json");
        let id = docs["CFDocuments"][0]["identifier"]
            .as_str()
            .expect("a document id")
            .to_string();
        let package = case.replace("/CFDocuments", &format!("/CFPackages/{id}"));
        for i in 0..200u64 {
            // Every other client gives up during the handshake; the rest read one chunk of a large package and
            // hang up, so the server writes into a closed connection.
            let impatient = client(if i % 2 == 0 { 1 } else { 10_000 });
            if let Ok(mut resp) = impatient.get(&package).send().await {
                let _ = resp.chunk().await;
            }
        }
        let after = client(10_000).get(&package).send().await.expect("still serving");
        assert_eq!(after.status(), 200);
        assert!(
            after.bytes().await.expect("the whole package").len() > 10_000,
            "a large body"
        );
    });
    assert!(
        serving.0.try_wait().expect("status").is_none(),
        "the mocks are still running after the aborted downloads"
    );
}

#[test]
fn several_formats_without_a_report_dir_are_refused_before_the_run() {
    let out = run(&["validate", "does-not-exist.json", "--format", "json,md"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("--report-dir"), "says what to do: {}", text(&out));
}

/// Thirty thousand violations on one minified line: every finding keeps a bounded window of the line, each check
/// keeps its first findings and counts the rest, so the reports stay small (a 180 KB document once peaked at 5 GB and
/// wrote a 611 MB report.json).
#[test]
fn many_findings_on_one_long_line_give_bounded_reports() {
    let dir = temp_dir("many-findings");
    let mut doc: serde_json::Value = serde_json::from_str(VALID).expect("the fixture parses");
    doc["credentialSubject"]["achievement"]["alignment"] =
        serde_json::Value::Array(vec![serde_json::Value::Null; 30_000]);
    let input = write(
        &dir,
        "minified.json",
        serde_json::to_string(&doc).expect("json").as_bytes(),
    );
    assert!(std::fs::metadata(&input).expect("written").len() > 100_000);
    let reports = dir.join("reports");
    let out = run(&[
        "validate",
        "--no-proofs",
        input.to_str().unwrap(),
        "--report-dir",
        reports.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let json = std::fs::metadata(reports.join("report.json"))
        .expect("report.json")
        .len();
    let html = std::fs::metadata(reports.join("report.html"))
        .expect("report.html")
        .len();
    assert!(json < 2_000_000, "report.json is {json} bytes");
    assert!(html < 4_000_000, "report.html is {html} bytes");
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(reports.join("report.json")).expect("read")).expect("json");
    let findings = report["subjects"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["findings"].as_array().map_or(0, Vec::len))
        .max()
        .unwrap_or(0);
    assert!(
        findings <= 51,
        "a check keeps at most 50 findings and a count: {findings}"
    );
    assert!(
        text(&out).contains("more findings of this check"),
        "the rest are counted"
    );
}

/// A directory walk ends and stays in its tree: symbolic-link cycles are not followed, and a FIFO named `*.json`
/// (which would block any read) is not opened; a link to a credential file is read.
#[cfg(unix)]
#[test]
fn directory_walks_skip_link_cycles_and_fifos() {
    let dir = temp_dir("walk");
    let tree = dir.join("tree");
    std::fs::create_dir_all(tree.join("sub")).expect("dirs");
    std::fs::write(tree.join("sub/badge.json"), VALID).expect("write");
    std::os::unix::fs::symlink(&tree, tree.join("sub/loop")).expect("a cycle");
    std::os::unix::fs::symlink(tree.join("sub"), tree.join("sub/self")).expect("another");
    std::os::unix::fs::symlink(tree.join("sub/badge.json"), tree.join("linked.json")).expect("a file link");
    let fifo = tree.join("pipe.json");
    let made = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    let out = run(&["validate", "--no-proofs", "--allow-unverified", tree.to_str().unwrap()]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert!(t.contains("linked.json") && t.contains("badge.json"), "{t}");
    assert!(
        !t.contains("loop") && !t.contains("self/"),
        "no path through a link cycle: {t}"
    );
    if made {
        assert!(!t.contains("pipe.json"), "the FIFO is not opened: {t}");
    }
}

/// The repository root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `validate -j N` checks documents side by side, yet the reports are the same as one at a time: subjects in input
/// order and each document's exchanges numbered within it (a hosted-badge directory fetches through a URL map).
#[test]
fn the_number_of_jobs_does_not_change_the_report() {
    let site = format!(
        "https://badges.example.org={}",
        root().join("vectors/fixed/ob20/site").display()
    );
    let dir = root().join("vectors/fixed/ob20/verification");
    let report = |jobs: &str| {
        let out_dir = temp_dir(&format!("jobs-{jobs}"));
        let out = run(&[
            "validate",
            dir.to_str().unwrap(),
            "--url-map",
            &site,
            "--now",
            "2025-12-01T00:00:00Z",
            "--format",
            "json",
            "--report-dir",
            out_dir.to_str().unwrap(),
            "-j",
            jobs,
        ]);
        assert_eq!(
            out.status.code(),
            Some(1),
            "the directory has failing vectors: {}",
            text(&out)
        );
        let mut json = report_json(&out_dir);
        // What differs between runs of the same input: when it ran and how long things took.
        fn drop_timings(v: &mut serde_json::Value) {
            match v {
                serde_json::Value::Object(map) => {
                    for key in ["duration_ms", "started_at", "command"] {
                        map.remove(key);
                    }
                    map.values_mut().for_each(drop_timings);
                }
                serde_json::Value::Array(items) => items.iter_mut().for_each(drop_timings),
                _ => {}
            }
        }
        drop_timings(&mut json);
        json
    };
    let one = report("1");
    let exchanges = one["exchanges"].as_array().cloned().unwrap_or_default();
    assert!(
        exchanges.len() > 10,
        "the hosted badges were fetched: {}",
        exchanges.len()
    );
    assert!(
        exchanges.iter().all(|e| e["id"]
            .as_str()
            .is_some_and(|id| id.starts_with("doc-") && id.contains("-fetch-"))),
        "exchange ids name their document"
    );
    for jobs in ["2", "4", "2"] {
        assert!(one == report(jobs), "-j {jobs} wrote another report than -j 1");
    }
}
