//! `clr-harness run` and `init` as a user meets them: the embedded conformance run and its reports, a fault making
//! it fail with a reproducible finding, the dry-run list, target files, and an unreachable provider.

mod common;
use common::{run_ci as run, temp_dir, text};

fn report(dir: &std::path::Path) -> serde_json::Value {
    let json = std::fs::read_to_string(dir.join("report.json")).expect("report.json written");
    serde_json::from_str(&json).expect("report.json is JSON")
}

#[test]
fn the_embedded_run_passes_every_check_and_writes_every_format() {
    let dir = temp_dir("embedded");
    let out = run(&["run", "--report-dir", dir.to_str().expect("utf-8 path")]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let t = text(&out);
    assert!(t.contains("all required checks passed"), "{t}");
    assert!(t.contains("finished in"), "the run prints its duration: {t}");
    for f in ["report.json", "junit.xml", "report.md", "report.txt", "report.html"] {
        assert!(dir.join(f).is_file(), "{f} missing");
    }
    let r = report(&dir);
    // Every exchange of the run has its own id, whichever network recorded it (provider, verification, upserts,
    // legacy documents, CASE, the consumer tap): findings link to exchanges by id.
    let ids: Vec<&str> = r["exchanges"]
        .as_array()
        .expect("exchanges")
        .iter()
        .filter_map(|e| e["id"].as_str())
        .collect();
    let unique: std::collections::HashSet<&&str> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "exchange ids repeat: {ids:?}");
    let providers: Vec<&serde_json::Value> = r["subjects"]
        .as_array()
        .expect("subjects")
        .iter()
        .filter(|s| s["kind"] == "provider")
        .collect();
    assert_eq!(
        providers.len(),
        5,
        "the OAuth server, the OB 3.0, CLR 2.0 and CLR 1.0 APIs, and the CASE server"
    );
    let case = providers
        .iter()
        .find(|s| s["id"] == "provider-case10")
        .expect("the CASE server is tested");
    assert_eq!(
        case["results"].as_array().map(Vec::len),
        Some(clr_harness::api::case10::CHECKS.len())
    );
    // The mock issuer's CASE alignments resolve against the CASE server: an OB 3.0 competency badge (by resolver
    // uri) and the CLR 1.0 transcript's course (by CASE API URL).
    let resolved: Vec<&str> = r["subjects"]
        .as_array()
        .expect("subjects")
        .iter()
        .filter(|s| {
            s["results"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|c| c["check"] == "CASE-ALIGN-001" && c["outcome"] == "pass")
        })
        .filter_map(|s| s["detected"]["kind"].as_str())
        .collect();
    for kind in ["ob30-achievement-credential", "clr10-clr"] {
        assert!(
            resolved.contains(&kind),
            "a {kind} with a resolved CASE alignment: {resolved:?}"
        );
    }
    let results: Vec<&serde_json::Value> = providers
        .iter()
        .flat_map(|s| s["results"].as_array().expect("results"))
        .collect();
    assert!(results.len() >= 60, "every provider check reports: {}", results.len());
    for r in &results {
        // API-024 reports what the provider does with credentials that do not verify, sent only with --generated.
        if r["check"].as_str().is_some_and(|c| c.ends_with("-API-024")) {
            assert_eq!(r["outcome"], "not-applicable", "{r}");
            continue;
        }
        assert_eq!(r["outcome"], "pass", "{r}");
    }
    // Both sides: the reference consumer, graded against the same provider (small pages, expiring tokens, one 429),
    // passes every consumer check.
    let consumer = r["subjects"]
        .as_array()
        .expect("subjects")
        .iter()
        .find(|s| s["kind"] == "consumer")
        .expect("the embedded run grades the reference consumer");
    let graded = consumer["results"].as_array().expect("results");
    assert_eq!(graded.len(), clr_harness::consumer::checks::CHECKS.len());
    assert!(
        graded
            .iter()
            // Only the provocations that are provider faults (another state, 200 for a new upsert) are not applied.
            .all(|r| r["outcome"] == "pass"
                || (["OAUTH-CLIENT-007", "API-CLIENT-006"].contains(&r["check"].as_str().unwrap_or_default())
                    && r["outcome"] == "not-applicable")),
        "{consumer}"
    );
    let html = std::fs::read_to_string(dir.join("report.html")).expect("report.html");
    assert!(html.contains("OB 3.0 Host") && html.contains("OAUTH-PKCE-002"));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_fault_fails_its_check_with_a_transcript_and_a_curl_command() {
    let dir = temp_dir("fault");
    let out = run(&[
        "run",
        "--fault",
        "scope-not-enforced",
        "--report-dir",
        dir.to_str().expect("utf-8 path"),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("error[OB30-API-006]"), "{}", text(&out));
    let r = report(&dir);
    let failed: Vec<&serde_json::Value> = r["subjects"]
        .as_array()
        .expect("subjects")
        .iter()
        .flat_map(|s| s["results"].as_array().expect("results"))
        .filter(|c| c["outcome"] == "fail")
        .collect();
    let ids: Vec<&str> = failed.iter().filter_map(|c| c["check"].as_str()).collect();
    // Scope enforcement is an RFC 6749 MUST in every API.
    assert_eq!(
        ids,
        ["OB30-API-006", "CLR20-API-006", "CLR10-API-006"],
        "exactly the targeted check fails, in each API"
    );
    let exchange = failed[0]["findings"][0]["exchanges"][0]
        .as_str()
        .expect("the finding names its exchange");
    let recorded = r["exchanges"]
        .as_array()
        .expect("exchanges")
        .iter()
        .find(|e| e["id"] == exchange)
        .expect("the exchange is in the report");
    assert!(
        recorded["curl"]
            .as_str()
            .is_some_and(|c| c.starts_with("curl ") && c.contains("Authorization: Bearer"))
    );
    assert!(
        recorded["status"].as_u64().is_some_and(|s| s < 300),
        "the provider let the request through"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn list_is_a_dry_run_and_selection_narrows_it() {
    let out = run(&["run", "--list"]);
    assert_eq!(out.status.code(), Some(0));
    let t = text(&out);
    assert!(
        t.contains("OAUTH-PKCE-002") && t.contains("CLR20-API-012") && t.contains("OB30-DM-001"),
        "{t}"
    );
    let only = run(&["run", "--list", "--only", "OAUTH-*"]);
    let t = text(&only);
    assert!(t.contains("OAUTH-REVOKE-002") && !t.contains("OB30-API-001"), "{t}");
    assert_eq!(run(&["run", "--list", "--only", "NOPE-*"]).status.code(), Some(4));
}

#[test]
fn init_writes_a_target_file_that_run_reads_and_an_unreachable_provider_exits_3() {
    let dir = temp_dir("init");
    let file = dir.join("target.toml");
    let path = file.to_str().expect("utf-8 path");
    assert_eq!(run(&["init", path]).status.code(), Some(0));
    assert_eq!(
        run(&["init", path]).status.code(),
        Some(2),
        "init never overwrites without --force"
    );
    // A port nobody listens on: bind, read the port, close.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let template = std::fs::read_to_string(&file).expect("target written");
    let edited = template
        .replace("https://provider.example", &format!("https://127.0.0.1:{port}"))
        .replace("# request_timeout_secs = 15", "request_timeout_secs = 2");
    std::fs::write(&file, edited).expect("target edited");
    let out = run(&[
        "run",
        "--target",
        path,
        "--token",
        "not-a-real-token",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(3), "unreachable is exit 3: {}", text(&out));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    let discovery = r["subjects"]
        .as_array()
        .expect("subjects")
        .iter()
        .flat_map(|s| s["results"].as_array().expect("results"))
        .find(|c| c["check"] == "OB30-API-001")
        .expect("discovery reported");
    assert_eq!(
        discovery["outcome"], "error",
        "an unreachable provider is an Error, never a Fail"
    );
    // Nothing passes: the TLS check (which once passed on the URL's scheme alone) included.
    let passed: Vec<&str> = r["subjects"]
        .as_array()
        .expect("subjects")
        .iter()
        .flat_map(|s| s["results"].as_array().expect("results"))
        .filter(|c| c["outcome"] == "pass")
        .filter_map(|c| c["check"].as_str())
        .collect();
    assert!(passed.is_empty(), "passed without an answer: {passed:?}");
    // The same unreachable host as a CASE server: errors and skips, and not one pass (not even TLS by the URL).
    let case = run(&[
        "run",
        "--base-url",
        &format!("https://127.0.0.1:{port}"),
        "--spec",
        "case10",
        "--format",
        "json",
    ]);
    assert_eq!(case.status.code(), Some(3), "{}", text(&case));
    let c: serde_json::Value = serde_json::from_slice(&case.stdout).expect("JSON on stdout");
    let outcomes: Vec<&str> = c["subjects"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|r| r["outcome"].as_str())
        .collect();
    assert_eq!(outcomes.len(), clr_harness::api::case10::CHECKS.len());
    assert!(outcomes.iter().all(|o| *o == "error" || *o == "skip"), "{outcomes:?}");
    // The user's token is a secret too: masked in the command line, replaced wherever it was sent.
    let json = String::from_utf8_lossy(&out.stdout);
    assert!(!json.contains("not-a-real-token"), "{json}");
    assert!(
        r["command"]
            .as_array()
            .is_some_and(|c| c.iter().any(|a| a == "<redacted>")),
        "{}",
        r["command"]
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn faults_need_the_embedded_run() {
    let out = run(&[
        "run",
        "--base-url",
        "https://provider.example",
        "--fault",
        "pkce-not-verified",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("embedded run only"), "{}", text(&out));
}

/// Faults that make findings quote a redirect carrying an authorization code, so the code reaches every format.
const CODE_QUOTING_FAULTS: &str = "pkce-optional,redirect-uri-not-checked,unknown-scope-granted";

/// The report files of a `--report-dir`, by name.
const REPORT_FILES: [&str; 5] = ["report.json", "junit.xml", "report.md", "report.txt", "report.html"];

/// `text` with the HTML/XML escapes and JSON string escapes of quotes undone, so one scan reads every format.
fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
        .replace("\\\"", "\"")
}

/// Every value sitting where a secret goes: after an `Authorization` scheme, a secret form or query field, or a
/// secret JSON member. Found by position, independently of the harness's own table of secrets.
fn secret_slots(text: &str) -> Vec<(&'static str, String)> {
    let text = unescape(text);
    let mut slots = Vec::new();
    for marker in [
        // A header line (curl, text) or a header value (JSON): prose such as "a Bearer challenge" is neither.
        "Authorization: Bearer ",
        "Authorization: Basic ",
        "\"Bearer ",
        "\"Basic ",
        "code=",
        "code_verifier=",
        "refresh_token=",
        "access_token=",
        "client_secret=",
        "token=",
        "\"access_token\":",
        "\"refresh_token\":",
        "\"id_token\":",
        "\"client_secret\":",
        "\"registration_access_token\":",
    ] {
        let json = marker.ends_with(':');
        for (i, _) in text.match_indices(marker) {
            let rest = &text[i + marker.len()..];
            let rest = if json {
                match rest.trim_start().strip_prefix('"') {
                    Some(r) => r,
                    None => continue,
                }
            } else {
                rest
            };
            let end = rest
                .find(|c: char| {
                    if json {
                        c == '"'
                    } else {
                        c.is_whitespace() || "&'\"\\,".contains(c)
                    }
                })
                .unwrap_or(rest.len());
            let mut value = &rest[..end];
            // A placeholder ends at its `>`, whatever markup follows (`<code-verifier-1></pre>`).
            if let (true, Some(close)) = (value.starts_with('<'), value.find('>')) {
                value = &value[..=close];
            }
            // `WWW-Authenticate: Bearer realm="…"` is a challenge, not a credential.
            if !json && value.ends_with('=') && rest[end..].starts_with('"') {
                continue;
            }
            slots.push((marker, value.to_string()));
        }
    }
    slots
}

/// `<kind-N>`, the shape of a placeholder.
fn is_placeholder(v: &str) -> bool {
    v.strip_prefix('<')
        .and_then(|v| v.strip_suffix('>'))
        .and_then(|v| v.rsplit_once('-'))
        .is_some_and(|(kind, n)| {
            !kind.is_empty() && kind.chars().all(|c| c.is_ascii_lowercase() || c == '-') && n.parse::<u32>().is_ok()
        })
}

/// Values that are no secret: the harness's own decoys, and a spec's `code=…` in an expectation.
fn harmless(v: &str) -> bool {
    v.is_empty() || v.starts_with("clr-harness-") || v == "…"
}

#[test]
fn reports_are_redacted_by_default_and_curl_commands_name_the_ca() {
    let dir = temp_dir("redacted");
    let out = run(&[
        "run",
        "--fault",
        CODE_QUOTING_FAULTS,
        "--report-dir",
        dir.to_str().expect("utf-8 path"),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    for file in REPORT_FILES {
        let body = std::fs::read_to_string(dir.join(file)).expect("report written");
        let slots = secret_slots(&body);
        assert!(
            slots.iter().any(|(m, _)| *m == "code="),
            "{file}: the findings quote a redirect with a code"
        );
        for (marker, value) in &slots {
            assert!(
                is_placeholder(value) || harmless(value),
                "{file}: `{marker}{value}` is a live secret"
            );
        }
        assert!(
            unescape(&body).contains("code=<authorization-code-"),
            "{file} shows the code's placeholder"
        );
    }
    let json = std::fs::read_to_string(dir.join("report.json")).expect("report.json");
    for placeholder in [
        "Authorization: Bearer <access-token-1>",
        "\"refresh_token\":\"<refresh-token-1>\"",
        "\"client_secret\":\"<client-secret-1>\"",
        "Authorization: Basic <basic-credentials-1>",
        "code_verifier=<code-verifier-1>",
        "refresh_token=<refresh-token-",
    ] {
        assert!(unescape(&json).contains(placeholder), "report.json lacks {placeholder}");
    }
    // Every https request's curl command trusts the mocks' CA, written next to the reports.
    let ca = dir.join("ca.pem");
    let pem = std::fs::read_to_string(&ca).expect("ca.pem written");
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"), "{pem}");
    let cacert = format!("--cacert '{}'", ca.display());
    let r = report(&dir);
    let exchanges = r["exchanges"].as_array().expect("exchanges");
    assert!(
        exchanges
            .iter()
            .any(|e| e["id"].as_str().is_some_and(|i| i.starts_with("verify-fetch-")))
    );
    for e in exchanges {
        let (url, curl) = (e["url"].as_str().unwrap_or(""), e["curl"].as_str().unwrap_or(""));
        if url.starts_with("https://") {
            assert!(curl.contains(&cacert), "{curl}");
        }
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn no_redact_keeps_the_secrets_for_local_debugging() {
    let dir = temp_dir("unredacted");
    let out = run(&[
        "run",
        "--no-redact",
        "--format",
        "json",
        "--report-dir",
        dir.to_str().expect("utf-8 path"),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let json = std::fs::read_to_string(dir.join("report.json")).expect("report.json");
    let slots = secret_slots(&json);
    let live: Vec<&(&str, String)> = slots.iter().filter(|(_, v)| !harmless(v)).collect();
    for marker in [
        "Authorization: Bearer ",
        "Authorization: Basic ",
        "\"Bearer ",
        "code=",
        "code_verifier=",
        "refresh_token=",
        "\"access_token\":",
        "\"client_secret\":",
    ] {
        assert!(
            live.iter().any(|(m, _)| *m == marker),
            "no {marker} in the unredacted report"
        );
    }
    for (marker, value) in live {
        assert!(
            !is_placeholder(value),
            "`{marker}{value}` was redacted despite --no-redact"
        );
    }
    let _ = std::fs::remove_dir_all(dir);
}

/// `--generated N`: N generated credentials of each family are upserted; the run passes, so each was accepted
/// (`*-API-015`), returned unchanged by getCredentials (`*-API-018` matches every accepted upload by id) and verified
/// (`*-API-009`); their ids are in the report and the seed is printed.
#[test]
fn generated_credentials_are_upserted_returned_and_verified() {
    let dir = temp_dir("generated");
    let out = run(&[
        "run",
        "--generated",
        "2",
        "--seed",
        "9",
        "--format",
        "json",
        "--report-dir",
        dir.to_str().expect("utf-8 path"),
    ]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert!(t.contains("2 generated credential(s) of each family, seed 9"), "{t}");
    let report = std::fs::read_to_string(dir.join("report.json")).expect("report.json");
    // The ids do not depend on the instant the dates were moved to.
    let uploads = clr_harness::api::upload::Upload::generated(2, 9, 0).expect("generates");
    assert_eq!(uploads.len(), 10);
    for u in uploads.iter().filter(|u| u.unverifiable.is_none()) {
        assert!(report.contains(&u.id), "{} ({}) is not in the report", u.name, u.id);
    }
    // API-024: the three credentials that do not verify, per family, are reported as stored by the reference
    // provider (OB 3.0 neither requires refusing them nor forbids storing them: info), and are not held against
    // it as its own credentials (API-009 passes; the run exits 0).
    let r: serde_json::Value = serde_json::from_str(&report).expect("json");
    for id in ["OB30-API-024", "CLR20-API-024"] {
        let result = r["subjects"]
            .as_array()
            .expect("subjects")
            .iter()
            .flat_map(|s| s["results"].as_array().cloned().unwrap_or_default())
            .find(|x| x["check"] == id)
            .unwrap_or_else(|| panic!("{id} has no result"));
        assert_eq!(result["outcome"], "info", "{result}");
        assert_eq!(result["findings"].as_array().map(Vec::len), Some(3), "{result}");
    }
    // Without --generated there is nothing to report: not applicable.
    let plain = run(&["run", "--only", "OB30-API-024", "--format", "json"]);
    assert!(
        String::from_utf8_lossy(&plain.stdout).contains("not-applicable"),
        "{}",
        text(&plain)
    );
}
