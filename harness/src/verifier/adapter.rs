//! How the harness asks a verifier for its verdict on one credential:
//!
//! - **a command** (`node verify.mjs {file}`): the credential is written to a file whose path replaces `{file}` (or
//!   is appended); a JSON object on standard output with a boolean `verified` is the verdict (its `errors` or
//!   `error` the reason), else exit status 0 means accepted and 1 rejected. Any other status, a crash or the time
//!   limit is no verdict.
//! - **the W3C VC-API** (`POST {url}/credentials/verify` with `{"verifiableCredential": …}`): 200 with
//!   `verified: true` is accepted; `verified: false`, 400 or 422 rejected; anything else no verdict.
//!
//! Every question is recorded as an exchange (a command run is written as `EXEC`, with the shell line that repeats
//! it), so each wrong verdict in a report comes with the way to reproduce it.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use clr_reports::Exchange;
use serde_json::{Value, json};

use super::cases::Case;
use super::verdict::{Answer, Verdict};
use crate::http::client::{self, ClientSpec, OverLimit, Redirects, Request};
use crate::http::record::{Entry, shell_quote};
use crate::proof::sign::Signed;
use crate::redact::Recording;

/// What a verifier may print or answer before it is cut (the rest is not read).
const MAX_OUTPUT_BYTES: usize = 256 * 1024;
/// How much of the verifier's own words a finding quotes.
const DETAIL_CHARS: usize = 400;

/// A way to reach the verifier under test.
#[derive(Debug, Clone)]
pub enum Adapter {
    /// A shell command line with `{file}` (appended when absent).
    Command(String),
    /// The base URL of a W3C VC-API verifier (`…/credentials/verify` is appended), and extra CAs (PEM) to trust.
    VcApi { base: String, ca_pem: Option<String> },
}

impl Adapter {
    /// How reports name the verifier.
    pub fn describe(&self) -> String {
        match self {
            Adapter::Command(line) => format!("verifier command `{line}`"),
            Adapter::VcApi { base, .. } => format!("VC-API verifier {base}"),
        }
    }
}

/// Asks the verifier about every case, in order; `dir` receives the files the command adapter hands over.
pub async fn ask_all(
    adapter: &Adapter,
    cases: &[Case],
    dir: &Path,
    per_case: Duration,
    recording: &Recording,
) -> (Vec<Answer>, Vec<Exchange>) {
    let mut answers = Vec::new();
    let mut exchanges = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let id = format!("verifier-{:03}", i + 1);
        let (answer, exchange) = match adapter {
            Adapter::Command(line) => ask_command(line, case, dir, per_case, id).await,
            Adapter::VcApi { base, ca_pem } => ask_vc_api(base, ca_pem.as_deref(), case, per_case, id, recording).await,
        };
        answers.push(answer);
        exchanges.push(exchange);
    }
    (answers, exchanges)
}

/// The shell line for `file`: `{file}` replaced, or the quoted path appended.
pub fn command_line(template: &str, file: &Path) -> String {
    let quoted = shell_quote(&file.display().to_string());
    if template.contains("{file}") {
        template.replace("{file}", &quoted)
    } else {
        format!("{template} {quoted}")
    }
}

async fn ask_command(template: &str, case: &Case, dir: &Path, limit: Duration, id: String) -> (Answer, Exchange) {
    let file: PathBuf = dir.join(case.file_name());
    let line = command_line(template, &file);
    let mut entry = Entry::begin(
        id.clone(),
        clr_reports::EXEC_METHOD,
        &format!("file://{}", file.display()),
        Vec::new(),
    );
    let started = Instant::now();
    let outcome = match std::fs::write(&file, case.text()) {
        Err(e) => Err(format!("cannot write {}: {e}", file.display())),
        Ok(()) => run_command(&line, limit).await,
    };
    let (verdict, detail, output) = match outcome {
        Err(why) => (Verdict::NoAnswer(why.clone()), None, why),
        Ok((status, stdout, stderr)) => {
            let output = format!("{stdout}{}{stderr}", if stderr.is_empty() { "" } else { "\n" });
            let (verdict, detail) = match json_verdict(&stdout) {
                Some(v) => v,
                None => match status {
                    Some(0) => (Verdict::Accepted, None),
                    Some(1) => (Verdict::Rejected, first_words(&stdout, &stderr)),
                    Some(other) => (
                        Verdict::NoAnswer(format!("exit status {other} (0 = accepted, 1 = rejected)")),
                        first_words(&stdout, &stderr),
                    ),
                    None => (Verdict::NoAnswer("killed by a signal".into()), None),
                },
            };
            entry.answered(
                0,
                &[("exit-status".into(), status.map_or("signal".into(), |s| s.to_string()))],
                false,
            );
            (verdict, detail, output)
        }
    };
    if let Verdict::NoAnswer(why) = &verdict {
        entry.failed(why.clone());
    }
    let mut exchange = entry.finish(&Recording::default(), None, Some(output.as_bytes()), None);
    // Not an HTTP exchange: no status, and the way to repeat it is the command itself.
    exchange.status = None;
    exchange.duration_ms = started.elapsed().as_millis().try_into().unwrap_or(u64::MAX);
    exchange.curl = line;
    (
        Answer {
            case: case.name.to_string(),
            verdict,
            detail,
            exchange_id: id,
        },
        exchange,
    )
}

/// Runs `line` with `sh -c`, killing it at `limit`: (exit status, stdout, stderr), each cut at the output cap.
async fn run_command(line: &str, limit: Duration) -> Result<(Option<i32>, String, String), String> {
    let child = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(line)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot run `{line}`: {e}"))?;
    match tokio::time::timeout(limit, child.wait_with_output()).await {
        Err(_) => Err(format!("no verdict within {} s", limit.as_secs())),
        Ok(Err(e)) => Err(format!("waiting for `{line}`: {e}")),
        Ok(Ok(out)) => Ok((out.status.code(), capped(&out.stdout), capped(&out.stderr))),
    }
}

fn capped(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes.get(..MAX_OUTPUT_BYTES).unwrap_or(bytes)).into_owned()
}

/// A verdict a verifier printed as JSON: `{"verified": bool, "errors"?: …}` (the VC-API's result shape).
fn json_verdict(stdout: &str) -> Option<(Verdict, Option<String>)> {
    let v: Value = serde_json::from_str(stdout.trim()).ok()?;
    let verified = v.get("verified")?.as_bool()?;
    let detail = ["errors", "error", "problemDetails", "reason"]
        .iter()
        .find_map(|k| v.get(*k))
        .filter(|d| !d.is_null() && d.as_array().is_none_or(|a| !a.is_empty()))
        .map(|d| shorten(&d.as_str().map_or_else(|| d.to_string(), str::to_owned)));
    Some((if verified { Verdict::Accepted } else { Verdict::Rejected }, detail))
}

fn first_words(stdout: &str, stderr: &str) -> Option<String> {
    let text = if stdout.trim().is_empty() { stderr } else { stdout };
    let text = text.trim();
    (!text.is_empty()).then(|| shorten(text))
}

fn shorten(text: &str) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > DETAIL_CHARS {
        format!("{}…", one_line.chars().take(DETAIL_CHARS).collect::<String>())
    } else {
        one_line
    }
}

async fn ask_vc_api(
    base: &str,
    ca_pem: Option<&str>,
    case: &Case,
    limit: Duration,
    id: String,
    recording: &Recording,
) -> (Answer, Exchange) {
    let url = format!("{}/credentials/verify", base.trim_end_matches('/'));
    let credential = match &case.document {
        Signed::Json(v) => v.clone(),
        Signed::Jws(jws) => Value::String(jws.clone()),
    };
    let body = json!({"verifiableCredential": credential, "options": {}}).to_string();
    let headers = vec![
        ("Content-Type".to_string(), "application/json".to_string()),
        ("Accept".to_string(), "application/json".to_string()),
        ("User-Agent".to_string(), crate::http::USER_AGENT.to_string()),
    ];
    let mut entry = Entry::begin(id.clone(), "POST", &url, headers.clone());
    let roots = ca_pem
        .map(|pem| client::parse_roots(pem.as_bytes()))
        .transpose()
        .map(Option::unwrap_or_default);
    let no_roots = Vec::new();
    let spec = ClientSpec {
        connect_timeout: Duration::from_secs(5),
        total_timeout: Some(limit),
        redirects: Redirects::Never,
        roots: roots.as_ref().unwrap_or(&no_roots),
        pin: None,
        system_proxy: false,
    };
    let result = match (client::build(&spec), url::Url::parse(&url)) {
        _ if roots.is_err() => Err(format!(
            "the CA file is not PEM: {}",
            roots.as_ref().err().cloned().unwrap_or_default()
        )),
        (Err(e), _) => Err(e),
        (_, Err(e)) => Err(format!("{url} is not a URL: {e}")),
        (Ok(http), Ok(parsed)) => {
            let request = Request {
                method: "POST",
                url: parsed,
                headers: &headers,
                body: Some(body.as_bytes()),
            };
            client::send(
                &http,
                request,
                MAX_OUTPUT_BYTES as u64,
                OverLimit::Prefix,
                (spec.connect_timeout, limit),
            )
            .await
            .map_err(|e| e.provider_text())
        }
    };
    let (verdict, detail, response_body) = match result {
        Err(why) => {
            entry.failed(why.clone());
            (Verdict::NoAnswer(why), None, None)
        }
        Ok(response) => {
            entry.answered(response.status, &response.headers, response.over_limit.is_some());
            let text = String::from_utf8_lossy(&response.body).into_owned();
            let (verdict, detail) = match (response.status, json_verdict(&text)) {
                (200, Some(v)) => v,
                (400 | 422, parsed) => (
                    Verdict::Rejected,
                    parsed.and_then(|(_, d)| d).or_else(|| first_words(&text, "")),
                ),
                (status, _) => (
                    Verdict::NoAnswer(format!(
                        "HTTP {status} without a verdict (expected 200 with `verified`)"
                    )),
                    first_words(&text, ""),
                ),
            };
            (verdict, detail, Some(response.body))
        }
    };
    let exchange = entry.finish(recording, Some(body.as_bytes()), response_body.as_deref(), None);
    (
        Answer {
            case: case.name.to_string(),
            verdict,
            detail,
            exchange_id: id,
        },
        exchange,
    )
}
