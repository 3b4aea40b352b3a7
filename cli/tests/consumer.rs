//! `clr-harness consumer` as a user meets it: the harness plays the provider and grades the client — its reference
//! consumer passes every consumer check, a faulty one fails exactly where it breaks a rule, a command run with
//! `--exec` gets the provider's URLs and CA file, a client that sends nothing is never a pass, and the client's
//! secrets stay out of the reports.

use std::path::{Path, PathBuf};

mod common;
use common::{first_subject_outcomes, report_json, run_ci as run, temp_dir, text};

fn outcomes(dir: &Path) -> Vec<(String, String)> {
    first_subject_outcomes(&report_json(dir), "consumer")
}

#[test]
fn the_reference_consumer_passes_every_consumer_check() {
    let dir = temp_dir("reference");
    let out = run(&["consumer", "--reference", "--report-dir", dir.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let results = outcomes(&dir);
    assert_eq!(results.len(), 15, "{results:?}");
    for (check, outcome) in &results {
        // What the client does in a situation is judged only when the provider creates it (--provoke).
        let provoked = [
            "OAUTH-CLIENT-007",
            "OAUTH-CLIENT-008",
            "API-CLIENT-003",
            "API-CLIENT-004",
            "API-CLIENT-006",
        ];
        let want = if provoked.contains(&check.as_str()) {
            "not-applicable"
        } else {
            "pass"
        };
        assert_eq!(outcome, want, "{check}");
    }
    assert!(
        std::fs::read_to_string(dir.join("ca.pem")).is_ok_and(|pem| pem.contains("BEGIN CERTIFICATE")),
        "the CA the client must trust is written next to the reports"
    );
    // The client's secrets are placeholders in the report (every format renders this one model).
    let json = std::fs::read_to_string(dir.join("report.json")).expect("report.json written");
    let report: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    // What it upserted (a JSON credential and a compact JWS through OB 3.0, a CLR through CLR 2.0) is checked as its
    // issuer's output.
    let upserted: Vec<&str> = report["subjects"]
        .as_array()
        .expect("subjects")
        .iter()
        .filter(|s| s["parent"].is_null() && s["id"].as_str().is_some_and(|id| id.starts_with("upsert-")))
        .map(|s| s["outcome"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(upserted, ["pass", "pass", "pass"], "upserted subjects");
    let exchanges = report["exchanges"]
        .as_array()
        .expect("the tapped exchanges are in the report");
    assert!(
        exchanges.len() >= 7,
        "discovery, registration, 2 authorizations, 2 tokens, 2 upserts"
    );
    let mut secrets = 0;
    for e in exchanges {
        for h in e["request_headers"].as_array().into_iter().flatten() {
            if h[0].as_str().is_some_and(|n| n.eq_ignore_ascii_case("authorization")) {
                secrets += 1;
                assert!(
                    h[1].as_str().is_some_and(|v| v.contains('<')),
                    "a credential in clear: {h}"
                );
            }
        }
        let body: serde_json::Value =
            serde_json::from_str(e["response_body"].as_str().unwrap_or("null")).unwrap_or_default();
        for field in ["client_secret", "access_token", "refresh_token"] {
            if let Some(v) = body.get(field) {
                secrets += 1;
                assert!(v.as_str().is_some_and(|v| v.starts_with('<')), "{field} in clear: {v}");
            }
        }
    }
    assert!(secrets >= 6, "the flow carried secrets to redact ({secrets})");
    let cacert = format!("--cacert '{}'", dir.join("ca.pem").display());
    assert!(
        exchanges
            .iter()
            .all(|e| e["curl"].as_str().is_some_and(|c| c.contains(&cacert))),
        "every curl command trusts the CA file the client was given"
    );
}

#[test]
fn a_faulty_consumer_fails_where_it_breaks_a_rule() {
    let dir = temp_dir("faulty");
    let out = run(&[
        "consumer",
        "--reference",
        "--consumer-fault",
        "token-in-query,jws-as-json",
        "--report-dir",
        dir.to_str().expect("utf-8"),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let not_passing: Vec<(String, String)> = outcomes(&dir)
        .into_iter()
        .filter(|(_, o)| o != "pass" && o != "not-applicable")
        .collect();
    assert_eq!(
        not_passing,
        [
            ("OAUTH-CLIENT-006".to_string(), "warn".to_string()),
            ("API-CLIENT-002".to_string(), "fail".to_string())
        ]
    );
    // Provoked with another state, a consumer that does not check it redeems the code.
    let provoked = run(&[
        "consumer",
        "--reference",
        "--consumer-fault",
        "state-not-checked",
        "--provoke",
        "foreign-state",
    ]);
    assert_eq!(provoked.status.code(), Some(1), "{}", text(&provoked));
    assert!(
        text(&provoked).contains("error[OAUTH-CLIENT-007]"),
        "{}",
        text(&provoked)
    );
    // The conformant situations, all at once: small pages, an expiring token and a 429 — each judged, each passed.
    let situations = run(&[
        "consumer",
        "--reference",
        "--provoke",
        "small-pages,token-expiry,throttle",
        "--format",
        "json",
    ]);
    assert_eq!(situations.status.code(), Some(0), "{}", text(&situations));
    let report: serde_json::Value = serde_json::from_slice(&situations.stdout).expect("JSON on stdout");
    for check in ["API-CLIENT-003", "API-CLIENT-004", "OAUTH-CLIENT-008"] {
        let outcome = report["subjects"][0]["results"]
            .as_array()
            .and_then(|rs| rs.iter().find(|r| r["check"] == check))
            .map(|r| r["outcome"].clone());
        assert_eq!(outcome, Some("pass".into()), "{check}");
    }
    let not_a_provocation = run(&["consumer", "--reference", "--provoke", "scope-not-enforced"]);
    assert_eq!(not_a_provocation.status.code(), Some(2), "{}", text(&not_a_provocation));
    let unknown = run(&["consumer", "--reference", "--consumer-fault", "no-such-thing"]);
    assert_eq!(unknown.status.code(), Some(2), "{}", text(&unknown));
    assert!(text(&unknown).contains("no-such-thing"));
}

#[test]
fn a_command_gets_the_urls_and_a_client_that_sends_nothing_is_unverified() {
    let dir = temp_dir("exec");
    let seen = dir.join("seen.txt");
    let command = format!(
        "printf '%s %s %s' {{discovery_url}} {{base_url}} \"$CLR_CA_FILE\" > '{}'",
        seen.display()
    );
    let out = run(&[
        "consumer",
        "--exec",
        &command,
        "--report-dir",
        dir.to_str().expect("utf-8"),
    ]);
    assert_eq!(
        out.status.code(),
        Some(5),
        "nothing observed is never a pass: {}",
        text(&out)
    );
    let got = std::fs::read_to_string(&seen).expect("the command ran");
    let parts: Vec<&str> = got.split(' ').collect();
    assert!(
        parts[0].starts_with("https://127.0.0.1:") && parts[0].ends_with("/ims/ob/v3p0/discovery"),
        "{got}"
    );
    assert!(parts[0].starts_with(parts[1]), "{got}");
    assert_eq!(PathBuf::from(parts[2]), dir.join("ca.pem"), "{got}");
    // Unobserved steps are skips; the situations it never met (no page read, no token expired) do not apply.
    let results = outcomes(&dir);
    assert!(
        results.iter().all(|(_, o)| o == "skip" || o == "not-applicable") && results.iter().any(|(_, o)| o == "skip"),
        "{results:?}"
    );

    let allowed = run(&["consumer", "--exec", "true", "--allow-unverified"]);
    assert_eq!(allowed.status.code(), Some(0), "{}", text(&allowed));
    let late = run(&["consumer", "--exec", "sleep 5", "--wait", "1"]);
    assert_ne!(late.status.code(), Some(0), "{}", text(&late));
    assert!(text(&late).contains("did not finish within 1 s"), "{}", text(&late));
}
