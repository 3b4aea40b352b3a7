//! How the harness asks a verifier for its verdict on one credential:
//!
//! - **a command** (`node verify.mjs {file}`): the credential is written to a file whose path, quoted for the shell,
//!   replaces `{file}` (or is appended); a JSON object on standard output with a boolean `verified` is the verdict
//!   (its `errors` or `error` the reason), else exit status 0 means accepted and 1 rejected. Any other status, a
//!   signal or the time limit is no verdict. The command runs in a process group of its own, killed when it ends or
//!   times out, so nothing it started outlives its case; what it prints is read up to a cap and the rest discarded.
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

/// The shell line for `file`: `{file}` replaced by the path quoted for the shell — also when the template already
/// quotes it (`'{file}'`, `"{file}"`), which would otherwise hand the verifier the quotes — or the path appended.
pub fn command_line(template: &str, file: &Path) -> String {
    let quoted = shell_quote(&file.display().to_string());
    if template.contains("{file}") {
        template
            .replace("'{file}'", &quoted)
            .replace("\"{file}\"", &quoted)
            .replace("{file}", &quoted)
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
    let ran = match std::fs::write(&file, case.text()) {
        Err(e) => Err(Ran::NotRun(format!("cannot write {}: {e}", file.display()))),
        Ok(()) => run_command(&line, limit).await,
    };
    let (verdict, detail, output, exit) = match ran {
        Err(Ran::NotRun(why)) => (Verdict::NoAnswer(why.clone()), None, why, "not run".to_string()),
        Err(Ran::TimedOut(output)) => (
            Verdict::NoAnswer(format!("no verdict within {} s (--timeout)", limit.as_secs())),
            None,
            output,
            "timeout".to_string(),
        ),
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
            (
                verdict,
                detail,
                output,
                status.map_or("signal".into(), |s| s.to_string()),
            )
        }
    };
    entry.answered(0, &[("exit-status".into(), exit)], false);
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

/// Why a command gave no exit status.
enum Ran {
    NotRun(String),
    /// It was killed at the time limit; what it had printed.
    TimedOut(String),
}

/// Runs `line` with `sh -c` in a process group of its own: (exit status, stdout, stderr), each cut at the output
/// cap. The group is killed when the command exits (what it left running must not outlive its case) or at `limit`.
async fn run_command(line: &str, limit: Duration) -> Result<(Option<i32>, String, String), Ran> {
    use tokio::io::AsyncReadExt;
    let mut command = tokio::process::Command::new("sh");
    command
        .arg("-c")
        .arg(line)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    #[cfg(unix)]
    command.process_group(0);
    let mut child = command
        .spawn()
        .map_err(|e| Ran::NotRun(format!("cannot run `{line}`: {e}")))?;
    let group = child.id();
    // Read at most the cap, then drain the rest unread, so a verifier that prints without end fills no memory.
    async fn bounded(pipe: Option<impl tokio::io::AsyncRead + Unpin>) -> String {
        let Some(mut pipe) = pipe else { return String::new() };
        let mut kept = Vec::new();
        let _ = (&mut pipe).take(MAX_OUTPUT_BYTES as u64).read_to_end(&mut kept).await;
        let _ = tokio::io::copy(&mut pipe, &mut tokio::io::sink()).await;
        String::from_utf8_lossy(&kept).into_owned()
    }
    let stdout = tokio::spawn(bounded(child.stdout.take()));
    let stderr = tokio::spawn(bounded(child.stderr.take()));
    let status = tokio::time::timeout(limit, child.wait()).await;
    kill_group(group);
    if status.is_err() {
        let _ = child.kill().await;
    }
    // The group is gone, so the pipes close; a grace period covers the last bytes in flight.
    let grace = Duration::from_secs(2);
    let stdout = tokio::time::timeout(grace, stdout)
        .await
        .ok()
        .and_then(Result::ok)
        .unwrap_or_default();
    let stderr = tokio::time::timeout(grace, stderr)
        .await
        .ok()
        .and_then(Result::ok)
        .unwrap_or_default();
    match status {
        Err(_) => Err(Ran::TimedOut(format!("{stdout}{stderr}"))),
        Ok(Err(e)) => Err(Ran::NotRun(format!("waiting for `{line}`: {e}"))),
        Ok(Ok(s)) => Ok((s.code(), stdout, stderr)),
    }
}

/// Kills the process group `group` leads (nothing when it is already gone). Only a real child's group: never 0
/// (the harness's own group) or 1, which `killpg` would read as "every process".
fn kill_group(group: Option<u32>) {
    #[cfg(unix)]
    if let Some(pgid) = group.and_then(|p| libc::pid_t::try_from(p).ok()).filter(|p| *p > 1) {
        // SAFETY: killpg only sends a signal; the group is the one the child was made to lead (`process_group(0)`).
        unsafe {
            libc::killpg(pgid, libc::SIGKILL);
        }
    }
    #[cfg(not(unix))]
    let _ = group;
}

/// A verdict a verifier printed as JSON: `{"verified": bool, "errors"?: …}` (the VC-API's result shape).
fn json_verdict(stdout: &str) -> Option<(Verdict, Option<String>)> {
    let v: Value = serde_json::from_str(stdout.trim()).ok()?;
    let verified = v.get("verified")?.as_bool()?;
    let detail = ["errors", "error", "problemDetails", "reason"]
        .iter()
        .filter_map(|k| v.get(*k))
        .find(|d| !d.is_null() && d.as_array().is_none_or(|a| !a.is_empty()))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verifier::cases::Expect;
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    fn case() -> Case {
        Case {
            name: "ob30-valid".into(),
            expect: Expect::Accept,
            why: "valid".into(),
            document: Signed::Json(json!({"id": "urn:uuid:1"})),
        }
    }

    /// The verdict a VC-API verifier answering `status` with `body` is graded as.
    async fn graded(status: u16, body: &str) -> (Verdict, Option<String>) {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/base/credentials/verify"))
            .respond_with(ResponseTemplate::new(status).set_body_string(body))
            .mount(&server)
            .await;
        let base = format!("{}/base", server.uri());
        let (answer, exchange) = ask_vc_api(
            &base,
            None,
            &case(),
            Duration::from_secs(5),
            "v-1".into(),
            &Recording::default(),
        )
        .await;
        assert_eq!(exchange.status, Some(status));
        (answer.verdict, answer.detail)
    }

    #[tokio::test]
    async fn vc_api_answers_map_to_verdicts() {
        assert_eq!(graded(200, r#"{"verified": true}"#).await.0, Verdict::Accepted);
        let (verdict, detail) = graded(200, r#"{"verified": false, "errors": [], "error": "revoked"}"#).await;
        assert_eq!((verdict, detail.as_deref()), (Verdict::Rejected, Some("revoked")));
        let (verdict, detail) = graded(400, r#"{"title": "invalid signature"}"#).await;
        assert_eq!(verdict, Verdict::Rejected);
        assert!(detail.is_some_and(|d| d.contains("invalid signature")));
        assert!(matches!(graded(500, "oops").await.0, Verdict::NoAnswer(_)));
        assert!(
            matches!(graded(200, "not json").await.0, Verdict::NoAnswer(_)),
            "a 200 without a verdict is no verdict"
        );
    }

    #[test]
    fn the_file_placeholder_is_quoted_once() {
        let file = Path::new("/tmp/a dir/ob30-valid.json");
        let want = "v '/tmp/a dir/ob30-valid.json'";
        assert_eq!(command_line("v {file}", file), want);
        assert_eq!(command_line("v '{file}'", file), want);
        assert_eq!(command_line("v \"{file}\"", file), want);
        assert_eq!(command_line("v", file), want);
    }
}
