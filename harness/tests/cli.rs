//! The `clr-harness` binary as a user meets it: exit codes, report formats and files, selection, and hostile
//! input that must end in a clear finding or error, never a panic or a hang.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn bin() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_clr-harness"));
    cmd.env_remove("CLR_SPEC_DIR").env("NO_COLOR", "1");
    cmd
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("the binary runs")
}

/// `validate` of the data model only: these credentials are unsigned on purpose (proofs have their own tests).
fn validate_dm(args: &[&str]) -> Output {
    let mut all = vec!["validate", "--no-proofs"];
    all.extend_from_slice(args);
    run(&all)
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("clr-harness-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
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
                "README.md's catalogue is out of date: run `CLR_BLESS=1 cargo test -p clr-harness --test cli readme`"
            );
        }
    }
}
