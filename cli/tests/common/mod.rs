//! What every test of the binary needs: running it as a user would (no colour; no token, spec directory or other
//! setting inherited from the developer's shell), its output as text, and a fresh temporary directory.

#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};

/// The binary, with no colour and nothing inherited that would change what it does.
pub fn bin() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_clr-harness"));
    cmd.env_remove("CLR_SPEC_DIR")
        .env_remove("CLR_ACCESS_TOKEN")
        .env("NO_COLOR", "1");
    cmd
}

pub fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("the binary runs")
}

/// [`run`] as CI runs it (`CI=true`: no progress lines).
pub fn run_ci(args: &[&str]) -> Output {
    bin().args(args).env("CI", "true").output().expect("the binary runs")
}

/// Standard output and standard error, one after the other.
pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// An empty directory of this test process's own.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("clr-harness-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// The report a run wrote to `dir` (`report.json`).
pub fn report_json(dir: &std::path::Path) -> serde_json::Value {
    let json = std::fs::read_to_string(dir.join("report.json")).expect("report.json written");
    serde_json::from_str(&json).expect("report.json is JSON")
}

/// (check, outcome) of the report's first subject, which must be of `kind` (`consumer`, `verifier`).
pub fn first_subject_outcomes(report: &serde_json::Value, kind: &str) -> Vec<(String, String)> {
    let subject = &report["subjects"][0];
    assert_eq!(subject["kind"], kind, "{subject}");
    subject["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            (
                r["check"].as_str().unwrap_or_default().to_string(),
                r["outcome"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}
