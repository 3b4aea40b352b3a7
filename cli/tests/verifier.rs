//! `clr-harness verifier` as a user meets it: the harness shows a verifier credentials it must accept and ones it
//! must reject, through a command or the VC-API, and grades each verdict — its reference verifier passes every
//! verifier check, a faulty one fails exactly where it is wrong, a command that accepts (or rejects) everything
//! never passes, a verifier that gives no verdict is never a pass, and every verdict can be repeated from the report.

use std::path::Path;

mod common;
use common::{first_subject_outcomes, report_json, run_ci as run, temp_dir, text};

fn report(dir: &Path) -> serde_json::Value {
    report_json(dir)
}

fn outcomes(report: &serde_json::Value) -> Vec<(String, String)> {
    first_subject_outcomes(report, "verifier")
}

fn dir_arg(dir: &Path) -> &str {
    dir.to_str().expect("utf-8 temp dir")
}

#[test]
fn the_reference_verifier_passes_every_verifier_check() {
    let dir = temp_dir("verifier-reference");
    let out = run(&["verifier", "--reference", "--report-dir", dir_arg(&dir)]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let report = report(&dir);
    let results = outcomes(&report);
    assert_eq!(results.len(), 10, "{results:?}");
    assert!(results.iter().all(|(_, o)| o == "pass"), "{results:?}");
    let exchanges = report["exchanges"].as_array().expect("exchanges");
    // 20 fixed cases, and one generated credential with its six proof mutants (OB30-VERDICT-008).
    assert_eq!(exchanges.len(), 27, "one VC-API request per credential shown");
    assert!(
        exchanges
            .iter()
            .all(|e| e["method"] == "POST" && e["url"].as_str().is_some_and(|u| u.ends_with("/credentials/verify"))),
        "{exchanges:?}"
    );
    // The bundles a displayer attaches to its certification ticket.
    let md = std::fs::read_to_string(dir.join("report.md")).expect("report.md");
    assert!(md.contains("| OB 3.0 Displayer | ✅ pass |"), "{md}");
    assert!(md.contains("| CLR 2.0 Displayer | ✅ pass |"), "{md}");
}

/// `--generated N` shows N generated credentials, each with its six proof mutants; without any, OB30-VERDICT-008
/// has nothing to judge (a skip, never a pass).
#[test]
fn generated_credentials_are_shown_and_graded() {
    let dir = temp_dir("verifier-generated");
    let out = run(&[
        "verifier",
        "--reference",
        "--generated",
        "3",
        "--only",
        "OB30-VERDICT-008",
        "--report-dir",
        dir_arg(&dir),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let report = report(&dir);
    assert_eq!(
        outcomes(&report),
        [("OB30-VERDICT-008".to_string(), "pass".to_string())]
    );
    assert_eq!(
        report["exchanges"].as_array().map(Vec::len),
        Some(21),
        "3 × (1 + 6) credentials shown"
    );
    let none = run(&[
        "verifier",
        "--reference",
        "--generated",
        "0",
        "--only",
        "OB30-VERDICT-008",
    ]);
    assert_eq!(none.status.code(), Some(5), "{}", text(&none));
}

#[test]
fn a_faulty_reference_verifier_fails_where_it_is_wrong() {
    let dir = temp_dir("verifier-tampered");
    let out = run(&[
        "verifier",
        "--reference",
        "--verifier-fault",
        "accepts-tampered",
        "--report-dir",
        dir_arg(&dir),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let report = report(&dir);
    let failing: Vec<String> = outcomes(&report)
        .into_iter()
        .filter(|(_, o)| o != "pass")
        .map(|(c, _)| c)
        .collect();
    assert_eq!(failing, ["OB30-VERDICT-005", "OB30-VERDICT-007", "OB30-VERDICT-008"]);
    let out = text(&out);
    assert!(
        out.contains("accepted ob30-tampered.json, which it must reject"),
        "the finding names the credential: {out}"
    );
}

#[test]
fn a_command_that_accepts_everything_never_passes() {
    let dir = temp_dir("verifier-true");
    let out = run(&["verifier", "--cmd", "true", "--report-dir", dir_arg(&dir)]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let report = report(&dir);
    for (check, outcome) in outcomes(&report) {
        assert!(outcome == "fail" || outcome == "warn", "{check} {outcome}");
    }
    // Each answer is a command run the report repeats: the line with the file the verifier was given.
    let exchanges = report["exchanges"].as_array().expect("exchanges");
    let expired = exchanges
        .iter()
        .find(|e| e["url"].as_str().is_some_and(|u| u.ends_with("ob30-expired.json")))
        .expect("the expired credential was shown");
    assert_eq!(expired["method"], "EXEC");
    let file = dir.join("verifier-cases").join("ob30-expired.json");
    assert_eq!(expired["curl"], format!("true '{}'", file.display()));
    let credential: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).expect("the file is kept")).expect("JSON");
    assert_eq!(credential["validUntil"], "2020-06-30T00:00:00Z");
}

#[test]
fn a_json_verdict_rejecting_everything_fails_the_valid_credentials_with_its_reason() {
    let dir = temp_dir("verifier-json");
    let out = run(&[
        "verifier",
        "--cmd",
        r#"echo '{"verified": false, "errors": ["issuer not trusted"]}' #"#,
        "--report-dir",
        dir_arg(&dir),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let out = text(&out);
    assert!(
        out.contains("rejected ob30-valid.json, which is valid") && out.contains("issuer not trusted"),
        "{out}"
    );
}

#[test]
fn a_verifier_that_gives_no_verdict_is_never_a_pass() {
    let dir = temp_dir("verifier-crash");
    let out = run(&["verifier", "--cmd", "exit 3 #", "--report-dir", dir_arg(&dir)]);
    assert_eq!(
        out.status.code(),
        Some(3),
        "no verdict is an incomplete run: {}",
        text(&out)
    );
    let report = report(&dir);
    for (check, outcome) in outcomes(&report) {
        assert_eq!(outcome, "error", "{check}");
    }
    assert!(text(&out).contains("exit status 3"), "{}", text(&out));
}

#[test]
fn a_verifier_past_its_time_is_no_verdict_and_is_killed() {
    let dir = temp_dir("verifier-timeout");
    let out = run(&[
        "verifier",
        "--cmd",
        "sleep 30 #",
        "--timeout",
        "1",
        "--only",
        "OB30-VERDICT-003",
        "--report-dir",
        dir_arg(&dir),
    ]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let report = report(&dir);
    let exchanges = report["exchanges"].as_array().expect("exchanges");
    assert_eq!(exchanges.len(), 2, "only what the selected check grades is shown");
    for e in exchanges {
        let exit = e["response_headers"]
            .as_array()
            .and_then(|h| h.first())
            .map(|h| h[1].clone());
        assert_eq!(exit, Some("timeout".into()), "{e}");
    }
}

#[test]
fn what_a_verifier_leaves_running_does_not_hold_its_verdict() {
    // The background sleep keeps standard output open; its process group is killed once the command exits.
    let out = run(&[
        "verifier",
        "--cmd",
        r#"(sleep 30 &); echo '{"verified": true}' #"#,
        "--timeout",
        "20",
        "--only",
        "OB30-VERDICT-003",
    ]);
    assert_eq!(out.status.code(), Some(1), "a verdict, not a timeout: {}", text(&out));
    assert!(
        text(&out).contains("accepted ob30-not-yet-valid.json"),
        "{}",
        text(&out)
    );
}

#[test]
fn a_quoted_file_placeholder_still_names_the_file() {
    let out = run(&["verifier", "--cmd", r#"test -s "{file}""#, "--only", "OB30-VERDICT-003"]);
    // `test -s` finds the file (exit 0: accepted), so only the not-yet-valid credential is wrongly accepted.
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let out = text(&out);
    assert!(out.contains("accepted ob30-not-yet-valid.json"), "{out}");
    assert!(
        !out.contains("rejected ob30-valid.json"),
        "the quotes reached the verifier: {out}"
    );
}

#[test]
fn secrets_in_a_vc_api_url_stay_out_of_the_reports() {
    let dir = temp_dir("verifier-secret");
    let out = run(&[
        "verifier",
        "--vc-api",
        "http://ada:s3cret-pw@127.0.0.1:9/",
        "--timeout",
        "2",
        "--only",
        "OB30-VERDICT-003",
        "--report-dir",
        dir_arg(&dir),
    ]);
    assert_eq!(out.status.code(), Some(3), "nobody answers on port 9: {}", text(&out));
    assert!(!text(&out).contains("s3cret-pw"), "{}", text(&out));
    for file in ["report.json", "report.md", "report.txt", "report.html", "junit.xml"] {
        let body = std::fs::read_to_string(dir.join(file)).expect("written");
        assert!(!body.contains("s3cret-pw"), "{file} leaks the password");
    }
    let bad_ca = dir.join("not-a-ca.pem");
    std::fs::write(&bad_ca, "no certificate here").expect("write");
    let out = run(&[
        "verifier",
        "--vc-api",
        "https://127.0.0.1:9/",
        "--ca-file",
        bad_ca.to_str().expect("utf-8"),
    ]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "a bad CA file is a usage error: {}",
        text(&out)
    );
}
